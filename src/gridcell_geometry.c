/*
 * gridcell_geometry.c
 *		Cells as places: from longitude and latitude to cells, neighbours,
 *		and a cell's extent, centre, boundary and area.
 *
 * A point's cell is found from its longitude and latitude converted exactly
 * to integer units of 1/2048 arc-second (the side of a level-10 cell), then
 * by integer division.  See degrees_to_units() for how edges are decided.
 * The value's digits are gridcell.c's business: this file goes through
 * gridcell_encode() and gridcell_decode().
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "gridcell.h"
#include "gridcell_geometry.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"

#define UNITS		GRIDCELL_UNITS_PER_DEGREE

/*
 * |deg| as a count of units (1/2048"), computed exactly from the double.
 *
 * A double is m * 2^e with an integer m of at most 53 bits, and a unit is
 * 1/(225 * 2^15) degree, so |deg| in units is m * 225 * 2^(e + 15): an
 * integer of at most 61 bits shifted, whose integer part and fraction are
 * exact.  The result is the integer part -- the floor, which with cells
 * counted away from the origin puts a point on a line into the cell beyond
 * it -- except that a value less than 2^-16 unit (2e-12°, 0.2 µm) below a
 * whole unit counts as that unit.  Grid lines such as 116°19' have no exact
 * double; the nearest double, or a value computed as 116 + 19/60.0, or a
 * cell corner that boundary() wrote out, lies within 2^-16 unit of the line
 * and is treated as on it.  Anything farther off, such as 1e-9° (0.007
 * unit), is classified by its exact value.  *on_line tells whether |deg| is
 * within 2^-16 unit of a whole unit (for the prime meridian and the
 * equator, which belong to the east and the north).
 */
static int64
degrees_to_units(double deg, bool *on_line)
{
	int			exp;
	uint64		m;
	int			shift;
	uint64		units;
	uint64		rest;

	*on_line = true;
	if (deg == 0.0)
		return 0;
	gridcell_geometry_double_parts(deg, &m, &exp);	/* |deg| = m * 2^(exp - 53) */
	m *= 225;					/* < 2^61 */
	/* a * 7372800 = m * 2^(exp - 53 + 15) = m / 2^shift */
	shift = 38 - exp;
	Assert(shift >= 30);		/* callers check |deg| <= 180 */
	if (shift >= 64)
	{
		/* below 1/8 unit; m < 2^61, so on the line when 2^(shift-16) >= 2^61 */
		*on_line = shift - 16 >= 61 || m < (UINT64CONST(1) << (shift - 16));
		return 0;
	}
	units = m >> shift;
	rest = m & ((UINT64CONST(1) << shift) - 1);
	if ((UINT64CONST(1) << shift) - rest <= (UINT64CONST(1) << (shift - 16)))
		units++;
	else
		*on_line = rest < (UINT64CONST(1) << (shift - 16));
	return (int64) units;
}

/* Refuse a latitude in the polar caps, which the grid does not code. */
static void
report_polar_latitude(double lat, bool on_88)
{
	if (on_88)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("latitude %s is out of range for gridcell", float8out_internal(lat)),
				 errdetail("It lies within 2e-12° of %d°, so it counts as on that parallel, where the polar caps begin.",
						   lat < 0 ? -88 : 88),
				 errhint("Latitude must lie strictly between -88 and 88 degrees.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("latitude %s is out of range for gridcell", float8out_internal(lat)),
			 errdetail("GB/T 39409 codes the polar caps beyond 88° with a separate scheme, which gridgov does not implement."),
			 errhint("Latitude must lie strictly between -88 and 88 degrees.")));
}

/*
 * Longitude and latitude that are numbers of degrees on the globe: 22023
 * otherwise.  gridcell() adds the polar limit of the Beidou grid;
 * grid_index_grid_at() (case routing, unit_at) takes them as they are.
 */
void
gridcell_geometry_check_lnglat(double lng, double lat)
{
	if (isnan(lng) || isinf(lng))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("longitude %s is not a finite number", float8out_internal(lng))));
	if (isnan(lat) || isinf(lat))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("latitude %s is not a finite number", float8out_internal(lat))));
	if (lng < -180.0 || lng > 180.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("longitude %s is out of range", float8out_internal(lng)),
				 errhint("Longitude runs from -180 to 180 degrees; check that longitude and latitude are not swapped.")));
	if (lat < -90.0 || lat > 90.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("latitude %s is out of range", float8out_internal(lat)),
				 errhint("Latitude runs from -90 to 90 degrees; check that longitude and latitude are not swapped.")));
}

/* Refuse a longitude or latitude that is no finite number in range. */
static void
check_coordinates(double lng, double lat)
{
	gridcell_geometry_check_lnglat(lng, lat);
	if (lat <= -88.0 || lat >= 88.0)
		report_polar_latitude(lat, false);
}

/*
 * The cell of a level that holds a point.  The caller has checked the level
 * (before reading a geometry, so that a bad level is what is reported).
 */
int64
gridcell_geometry_from_lnglat(double lng, double lat, int level)
{
	int64		x,
				y;
	bool		x_on_line,
				y_on_line;

	/* one test passes every point the grid codes, and fails NaN */
	if (!(lng >= -180.0 && lng <= 180.0 && lat > -88.0 && lat < 88.0))
		check_coordinates(lng, lat);

	x = degrees_to_units(lng, &x_on_line);
	y = degrees_to_units(lat, &y_on_line);
	if (y >= GRIDCELL_LAT_LIMIT)	/* within 2e-12° of ±88° */
		report_polar_latitude(lat, true);

	/* ±180° belongs to the outermost cell on its own side */
	if (x >= GRIDCELL_LNG_LIMIT)
		x = GRIDCELL_LNG_LIMIT - 1;

	/* the prime meridian and the equator belong to the east and the north */
	return gridcell_encode(lng >= 0.0 || (x == 0 && x_on_line),
						   lat >= 0.0 || (y == 0 && y_on_line),
						   x, y, level);
}

/* SQL gridcell(lng, lat, level). */
PG_FUNCTION_INFO_V1(gridcell_from_lnglat_sql);
Datum
gridcell_from_lnglat_sql(PG_FUNCTION_ARGS)
{
	gridcell_check_level(PG_GETARG_INT32(2), "level");
	PG_RETURN_GRIDCELL(gridcell_geometry_from_lnglat(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1),
											PG_GETARG_INT32(2)));
}

/*
 * Neighbours.  At each level the cells form one lattice over the globe:
 * column gx from -half_cols (180°W) to half_cols - 1, row gy from -half_rows
 * (88°S) to half_rows - 1, wrapping across the antimeridian.
 */
static inline int64
half_cols(int level)
{
	return GRIDCELL_LNG_LIMIT / gridcell_width[level];
}

/* How many rows of a level lie between the equator and the latitude limit. */
static inline int64
half_rows(int level)
{
	return GRIDCELL_LAT_LIMIT / gridcell_height[level];
}

/* A cell's column and row in its level's global lattice. */
static void
gridcell_lattice(int64 cell, int *level, int64 *gx, int64 *gy)
{
	GridcellPos pos;
	int64		col,
				row;

	gridcell_decode(cell, &pos);
	col = pos.x / gridcell_width[pos.level];
	row = pos.y / gridcell_height[pos.level];
	*level = pos.level;
	*gx = pos.east ? col : -col - 1;
	*gy = pos.north ? row : -row - 1;
}

/* The cell at a column and row of a level's global lattice. */
static int64
gridcell_from_lattice(int level, int64 gx, int64 gy)
{
	bool		east = gx >= 0;
	bool		north = gy >= 0;

	return gridcell_encode(east, north,
						   (east ? gx : -gx - 1) * gridcell_width[level],
						   (north ? gy : -gy - 1) * gridcell_height[level],
						   level);
}

/* gx brought into [-half_cols, half_cols) */
static inline int64
wrap_column(int level, int64 gx)
{
	int64		half = half_cols(level);
	int64		ncols = 2 * half;

	return ((gx + half) % ncols + ncols) % ncols - half;
}

/* SQL are_neighbors(a, b): are two cells next to each other? */
PG_FUNCTION_INFO_V1(gridcell_are_neighbors);
Datum
gridcell_are_neighbors(PG_FUNCTION_ARGS)
{
	int			level_a,
				level_b;
	int64		ax,
				ay,
				bx,
				by,
				dx,
				dy;

	gridcell_lattice(PG_GETARG_GRIDCELL(0), &level_a, &ax, &ay);
	gridcell_lattice(PG_GETARG_GRIDCELL(1), &level_b, &bx, &by);
	if (level_a != level_b)
		PG_RETURN_BOOL(false);
	dx = wrap_column(level_a, ax - bx);
	dy = ay - by;
	PG_RETURN_BOOL(dx >= -1 && dx <= 1 && dy >= -1 && dy <= 1 && (dx != 0 || dy != 0));
}

typedef struct KRingState
{
	int			level;
	int64		gx0;			/* first column (before wrapping) */
	int64		gy0;			/* first row */
	int64		ncols;			/* columns per row of the ring */
} KRingState;

/*
 * k_ring(cell, k): the cells at most k columns and k rows away, the cell
 * included: a (2k+1) x (2k+1) block, cut at ±88° and wrapping across the
 * antimeridian (each cell once), rows from south to north, each row from
 * west to east.
 */
PG_FUNCTION_INFO_V1(gridcell_k_ring);
Datum
gridcell_k_ring(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	KRingState *state;

	if (SRF_IS_FIRSTCALL())
	{
		int64		cell = PG_GETARG_GRIDCELL(0);
		int32		k = PG_GETARG_INT32(1);
		int			level;
		int64		gx,
					gy,
					row_first,
					row_last,
					count;
		MemoryContext oldcontext;

		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k_ring distance %d is negative", k),
					 errhint("k = 0 gives the cell itself, k = 1 the cell and its 8 neighbours.")));

		gridcell_lattice(cell, &level, &gx, &gy);
		funcctx = SRF_FIRSTCALL_INIT();
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		state = palloc(sizeof(KRingState));
		state->level = level;
		row_first = Max(gy - k, -half_rows(level));
		row_last = Min(gy + k, half_rows(level) - 1);
		state->gy0 = row_first;
		if (2 * (int64) k + 1 >= 2 * half_cols(level))
		{
			state->ncols = 2 * half_cols(level);
			state->gx0 = -half_cols(level);
		}
		else
		{
			state->ncols = 2 * (int64) k + 1;
			state->gx0 = gx - k;
		}
		count = (row_last - row_first + 1) * state->ncols;
		gridcell_check_cell_count(count, "k_ring()");
		funcctx->max_calls = (uint64) count;
		funcctx->user_fctx = state;
		MemoryContextSwitchTo(oldcontext);
	}

	funcctx = SRF_PERCALL_SETUP();
	state = (KRingState *) funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		int64		i = (int64) funcctx->call_cntr;
		int64		gx = wrap_column(state->level, state->gx0 + i % state->ncols);
		int64		gy = state->gy0 + i / state->ncols;
		int64		cell = gridcell_from_lattice(state->level, gx, gy);

		SRF_RETURN_NEXT(funcctx, GridcellGetDatum(cell));
	}
	SRF_RETURN_DONE(funcctx);
}

/*
 * Geometry of a cell
 */

/* a cell's extent as signed longitudes and latitudes, in units */
void
gridcell_geometry_extent(int64 cell, int64 *west, int64 *south, int64 *east, int64 *north)
{
	GridcellPos pos;
	int64		w,
				h;

	gridcell_decode(cell, &pos);
	w = gridcell_width[pos.level];
	h = gridcell_height[pos.level];
	*west = pos.east ? pos.x : -(pos.x + w);
	*east = pos.east ? pos.x + w : -pos.x;
	*south = pos.north ? pos.y : -(pos.y + h);
	*north = pos.north ? pos.y + h : -pos.y;
}

/* units to degrees: one correctly rounded division */
static inline double
units_to_degrees(int64 units)
{
	return (double) units / (double) UNITS;
}

/* EWKB, in the machine's byte order, with SRID 4326 */
#define EWKB_SRID_FLAG		0x20000000
#define EWKB_POINT			1
#define EWKB_POLYGON		3

/* Start an EWKB value: byte order, type with SRID flag, SRID. */
static void
ewkb_header(StringInfo buf, uint32 type)
{
	uint32		srid = 4326;

#ifdef WORDS_BIGENDIAN
	appendStringInfoCharMacro(buf, 0);
#else
	appendStringInfoCharMacro(buf, 1);
#endif
	type |= EWKB_SRID_FLAG;
	appendBinaryStringInfo(buf, (char *) &type, sizeof(type));
	appendBinaryStringInfo(buf, (char *) &srid, sizeof(srid));
}

/* Append a double to an EWKB value. */
static void
ewkb_double(StringInfo buf, double value)
{
	appendBinaryStringInfo(buf, (char *) &value, sizeof(value));
}

/* The EWKB value built in a buffer, as bytea. */
static bytea *
ewkb_finish(StringInfo buf)
{
	bytea	   *result = palloc(VARHDRSZ + buf->len);

	SET_VARSIZE(result, VARHDRSZ + buf->len);
	memcpy(VARDATA(result), buf->data, buf->len);
	pfree(buf->data);
	return result;
}

/* SQL center(gridcell) as an EWKB point, for PostGIS to read. */
PG_FUNCTION_INFO_V1(gridcell_center_ewkb);
Datum
gridcell_center_ewkb(PG_FUNCTION_ARGS)
{
	int64		west,
				south,
				east,
				north;
	StringInfoData buf;

	gridcell_geometry_extent(PG_GETARG_GRIDCELL(0), &west, &south, &east, &north);
	initStringInfo(&buf);
	ewkb_header(&buf, EWKB_POINT);
	/* the sums are even multiples of a half unit, exact in a double */
	ewkb_double(&buf, (double) (west + east) / (double) (2 * UNITS));
	ewkb_double(&buf, (double) (south + north) / (double) (2 * UNITS));
	PG_RETURN_BYTEA_P(ewkb_finish(&buf));
}

/* the boundary ring, counter-clockwise from the south-west corner */
PG_FUNCTION_INFO_V1(gridcell_boundary_ewkb);
Datum
gridcell_boundary_ewkb(PG_FUNCTION_ARGS)
{
	int64		west,
				south,
				east,
				north;
	double		x0,
				y0,
				x1,
				y1;
	uint32		count;
	StringInfoData buf;

	gridcell_geometry_extent(PG_GETARG_GRIDCELL(0), &west, &south, &east, &north);
	x0 = units_to_degrees(west);
	y0 = units_to_degrees(south);
	x1 = units_to_degrees(east);
	y1 = units_to_degrees(north);

	initStringInfo(&buf);
	ewkb_header(&buf, EWKB_POLYGON);
	count = 1;
	appendBinaryStringInfo(&buf, (char *) &count, sizeof(count));
	count = 5;
	appendBinaryStringInfo(&buf, (char *) &count, sizeof(count));
	ewkb_double(&buf, x0);
	ewkb_double(&buf, y0);
	ewkb_double(&buf, x1);
	ewkb_double(&buf, y0);
	ewkb_double(&buf, x1);
	ewkb_double(&buf, y1);
	ewkb_double(&buf, x0);
	ewkb_double(&buf, y1);
	ewkb_double(&buf, x0);
	ewkb_double(&buf, y0);
	PG_RETURN_BYTEA_P(ewkb_finish(&buf));
}

/*
 * Area on the WGS 84 ellipsoid of the cell bounded by its two meridians and
 * its two parallels:
 *
 *	 A = Δλ a²(1 - e²) ∫ cos φ / (1 - e² sin² φ)² dφ   from φ1 to φ2
 *
 * The integrand is smooth and a cell at most 4° tall, so 5-point
 * Gauss-Legendre quadrature is exact to rounding (the closed form of the
 * zone area would lose the digits of small cells to cancellation).
 */
#define WGS84_A			6378137.0
#define WGS84_F			(1.0 / 298.257223563)
#define WGS84_E2		(WGS84_F * (2.0 - WGS84_F))

/* The WGS84 ellipsoid's area integral from the equator to a latitude. */
static double
ellipsoid_band_integral(double mid, double half)
{
	static const double nodes[5] = {
		0.0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640
	};
	static const double weights[5] = {
		0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891
	};
	double		sum = 0.0;
	int			i;

	for (i = 0; i < 5; i++)
	{
		double		phi = mid + half * nodes[i];
		double		s = sin(phi);
		double		d = 1.0 - WGS84_E2 * s * s;

		sum += weights[i] * cos(phi) / (d * d);
	}
	return sum * half;
}

/* SQL area(gridcell): the cell's area on the WGS84 ellipsoid. */
PG_FUNCTION_INFO_V1(gridcell_area);
Datum
gridcell_area(PG_FUNCTION_ARGS)
{
	GridcellPos pos;
	double		radians_per_unit = M_PI / 180.0 / (double) UNITS;
	int64		h;
	double		mid,
				half,
				dlambda;

	gridcell_decode(PG_GETARG_GRIDCELL(0), &pos);
	h = gridcell_height[pos.level];
	/* from the integers, so that a 1/2048" band keeps its digits */
	mid = ((double) pos.y + (double) h / 2.0) * radians_per_unit;
	half = (double) h / 2.0 * radians_per_unit;
	dlambda = (double) gridcell_width[pos.level] * radians_per_unit;
	PG_RETURN_FLOAT8(dlambda * WGS84_A * WGS84_A * (1.0 - WGS84_E2) *
					 ellipsoid_band_integral(mid, half));
}
