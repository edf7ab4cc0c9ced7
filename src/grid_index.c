/*
 * grid_index.c
 *		The grid that covers a point, from memory: each backend keeps the
 *		boundaries of the current grids (units at level 6) and answers
 *		without PostGIS whenever the answer is certain.
 *
 * Routing a new case asks which grid covers its point.  Through PostGIS
 * (ST_Covers over the GiST index of gridgov.unit) that costs half of the
 * whole intake; here it is a bucket lookup and a point-in-polygon test over
 * a few hundred edges.  The answer must be the one PostGIS gives, so the
 * index reports "unsure" and the caller asks PostGIS whenever the two could
 * differ:
 *	- vertices are rounded to 2^-16 of a level-10 cell (gridcell.h), the point
 *	  too, so a point less than 2.2 such units (under half a micrometre) from
 *	  an edge may lie on the other side of it for PostGIS, or on it (covered);
 *	- a boundary that PostGIS does not call valid may disagree with the
 *	  even-odd rule used here, so one invalid boundary turns the index off;
 *	  so do grids that need more memory than gridgov.grid_index_memory.
 * Everywhere else the even-odd test is exact (integer orientation tests),
 * and "no grid" is as certain as "this grid".  Among several grids covering
 * the point, the smallest code wins, as in the SQL query below.
 *
 * A point no grid covers (a gap in the grids) belongs to the lowest unit
 * above the grids whose boundary covers it, which PostGIS finds
 * (grid_index_gap_unit_at).
 *
 * The index is read whole from gridgov.unit on first use and dropped when
 * the table changes (its statement trigger and cache.c).  Units whose
 * valid_to has passed are skipped at lookup, since time moves on while the
 * index lives.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int128.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "grid_index.h"
#include "gridcell.h"
#include "gridcell_cover.h"
#include "gridcell_geometry.h"
#include "gridcell_postgis.h"
#include "gridcode.h"
#include "gridgov.h"
#include "spi_plan.h"

/* a point this close to an edge, in fine units, is left to PostGIS */
#define NEAR_EDGE_FACTOR 3

typedef enum GridIndexAnswer
{
	GRID_INDEX_SURE,			/* *grid is the answer; 0 when no grid covers */
	GRID_INDEX_UNSURE			/* ask PostGIS */
} GridIndexAnswer;

typedef struct IndexedGrid
{
	int64		code;
	TimestampTz valid_to;		/* DT_NOEND while current */
	int64		xmin,
				xmax,
				ymin,
				ymax;
	int			nedges;
	GridcellEdge *edges;
} IndexedGrid;

typedef struct GridIndex
{
	bool		usable;			/* false: a boundary is not valid, or too big */
	int			ngrids;
	int			capacity;
	IndexedGrid *grids;

	/* a uniform raster of buckets over all grids, each listing its grids */
	int64		x0,
				y0,
				bucket_width,
				bucket_height;
	int			nx,
				ny;
	int		   *bucket_start;	/* nx * ny + 1 offsets into bucket_grids */
	int		   *bucket_grids;
} GridIndex;

static MemoryContext index_context = NULL;
static GridIndex *grid_index = NULL;
static bool index_stale = false;
static Oid	index_relids[1];

/* gridgov.grid_index_memory, in kB: what one backend may spend on it */
static int	grid_index_memory = 65536;

/* PostGIS's answer, asked when the index is unsure */
static const SpiQuery grid_at_point_query = {
	"SELECT u.code FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.=) 6"
	" AND %2$s.st_covers(u.boundary, $1)"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
	" ORDER BY u.code LIMIT 1",
	1, {SPI_PLAN_GEOMETRY}
};

/* every current grid, and whether PostGIS calls its boundary valid */
static const SpiQuery grid_boundaries_query = {
	/* ST_IsValidDetail, unlike ST_IsValid, does not raise notices */
	"SELECT u.code, u.valid_to, u.boundary,"
	" (%2$s.st_isvaliddetail(u.boundary)).valid"
	" AND %2$s.st_ymin(u.boundary) OPERATOR(pg_catalog.>) -88"
	" AND %2$s.st_ymax(u.boundary) OPERATOR(pg_catalog.<) 88"
	" FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.=) 6 AND u.boundary IS NOT NULL"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())",
	0, {0}
};

/*
 * The lowest current unit above the grids (community, else subdistrict,
 * else district) covering a point no grid covers: the gap's owner.
 */
static const SpiQuery gap_unit_at_point_query = {
	"SELECT u.code FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.>=) 3 AND u.level OPERATOR(pg_catalog.<=) 5"
	" AND %2$s.st_covers(u.boundary, $1)"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
	" ORDER BY u.level DESC, u.code LIMIT 1",
	1, {SPI_PLAN_GEOMETRY}
};

static SPIPlanPtr grid_at_point_plan = NULL;

/*
 * The lowest current unit (grid, else community, subdistrict or district)
 * covering the point with its coordinates swapped: for the error that says so.
 */
static const SpiQuery unit_at_swapped_point_query = {
	"SELECT u.code FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.>=) 3 AND u.level OPERATOR(pg_catalog.<=) 6"
	" AND %2$s.st_covers(u.boundary, %2$s.st_flipcoordinates($1))"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
	" ORDER BY u.level DESC, u.code LIMIT 1",
	1, {SPI_PLAN_GEOMETRY}
};

static SPIPlanPtr unit_at_swapped_point_plan = NULL;
static SPIPlanPtr grid_boundaries_plan = NULL;
static SPIPlanPtr gap_unit_at_point_plan = NULL;

/* Drop the index at the next use: gridgov.unit changed. */
static void
mark_index_stale(void)
{
	index_stale = true;
}

/* Drop the index at the next use: the memory it may take changed. */
static void
assign_grid_index_memory(int newval, void *extra)
{
	index_stale = true;
}

/* The setting gridgov.grid_index_memory, and the cache's registration. */
void
grid_index_init(void)
{
	DefineCustomIntVariable("gridgov.grid_index_memory",
							"Memory each backend may give to its index of the grid boundaries, for routing cases.",
							"Where the grids need more, or at 0, cases are routed by a PostGIS query.",
							&grid_index_memory,
							65536,
							0, MAX_KILOBYTES,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, assign_grid_index_memory, NULL);
	cache_register(mark_index_stale, index_relids, lengthof(index_relids));
}

/* Whether the index takes no more memory than the setting allows. */
static bool
within_memory_limit(void)
{
	return MemoryContextMemAllocated(index_context, true) <= (Size) grid_index_memory * 1024;
}

/* Add one current grid to the index, or find the index unusable. */
static void
add_grid(GridIndex *index, int64 code, TimestampTz valid_to, Datum boundary, bool valid)
{
	MemoryContext caller;
	MemoryContext scratch;
	GridcellPolygon *poly;
	IndexedGrid *grid;

	if (!index->usable)
		return;
	if (!valid)
	{
		index->usable = false;
		return;
	}
	scratch = AllocSetContextCreate(CurrentMemoryContext, "gridgov grid boundary",
									ALLOCSET_DEFAULT_SIZES);
	caller = MemoryContextSwitchTo(scratch);
	poly = gridcell_postgis_read_polygon(boundary, "case routing");
	MemoryContextSwitchTo(index_context);
	if (poly->npoints > 0)
	{
		if (index->ngrids == index->capacity)
		{
			index->capacity *= 2;
			index->grids = repalloc(index->grids, sizeof(IndexedGrid) * index->capacity);
		}
		grid = &index->grids[index->ngrids++];
		grid->code = code;
		grid->valid_to = valid_to;
		grid->xmin = poly->xmin;
		grid->xmax = poly->xmax;
		grid->ymin = poly->ymin;
		grid->ymax = poly->ymax;
		grid->edges = gridcell_cover_polygon_edges(poly, &grid->nedges);
	}
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(scratch);
	if (!within_memory_limit())
		index->usable = false;
}

/* column or row of the bucket raster holding fine coordinate v */
static inline int
bucket_of(int64 v, int64 origin, int64 size, int count)
{
	int64		i = (v - origin) / size;

	return (int) Max(0, Min(i, count - 1));
}

/*
 * List each grid in the buckets its box reaches, widened by the near-edge
 * margin: count them into bucket_start (fill NULL), or place them into
 * bucket_grids at the positions fill[] holds.
 */
static void
place_grids(GridIndex *index, int *fill)
{
	int			g;

	for (g = 0; g < index->ngrids; g++)
	{
		const IndexedGrid *grid = &index->grids[g];
		int			bx0 = bucket_of(grid->xmin - NEAR_EDGE_FACTOR, index->x0, index->bucket_width, index->nx),
					bx1 = bucket_of(grid->xmax + NEAR_EDGE_FACTOR, index->x0, index->bucket_width, index->nx),
					by0 = bucket_of(grid->ymin - NEAR_EDGE_FACTOR, index->y0, index->bucket_height, index->ny),
					by1 = bucket_of(grid->ymax + NEAR_EDGE_FACTOR, index->y0, index->bucket_height, index->ny);
		int			bx,
					by;

		for (by = by0; by <= by1; by++)
			for (bx = bx0; bx <= bx1; bx++)
			{
				int			bucket = by * index->nx + bx;

				if (fill == NULL)
					index->bucket_start[bucket + 1]++;
				else
					index->bucket_grids[fill[bucket]++] = g;
			}
	}
}

/*
 * About two buckets per grid, so a bucket lists a handful of grids whatever
 * the shape of the district.  With the near-edge margin in the boxes (see
 * place_grids), a bucket knows every grid whose answer could be unsure for
 * its points.
 */
static void
build_buckets(GridIndex *index)
{
	int64		xmin = PG_INT64_MAX,
				xmax = PG_INT64_MIN,
				ymin = PG_INT64_MAX,
				ymax = PG_INT64_MIN;
	int			side = (int) Min(1024, ceil(sqrt(2.0 * index->ngrids)));
	int			nbuckets;
	int		   *fill;
	int			g;
	int			b;

	for (g = 0; g < index->ngrids; g++)
	{
		xmin = Min(xmin, index->grids[g].xmin);
		xmax = Max(xmax, index->grids[g].xmax);
		ymin = Min(ymin, index->grids[g].ymin);
		ymax = Max(ymax, index->grids[g].ymax);
	}
	index->nx = index->ny = Max(side, 1);
	index->x0 = xmin;
	index->y0 = ymin;
	index->bucket_width = (xmax - xmin) / index->nx + 1;
	index->bucket_height = (ymax - ymin) / index->ny + 1;
	nbuckets = index->nx * index->ny;

	/* count, then place: a compressed list of grids per bucket */
	index->bucket_start = palloc0(sizeof(int) * (nbuckets + 1));
	place_grids(index, NULL);
	for (b = 0; b < nbuckets; b++)
		index->bucket_start[b + 1] += index->bucket_start[b];
	index->bucket_grids = palloc(sizeof(int) * Max(index->bucket_start[nbuckets], 1));
	fill = palloc(sizeof(int) * nbuckets);
	memcpy(fill, index->bucket_start, sizeof(int) * nbuckets);
	place_grids(index, fill);
	pfree(fill);
}

/* Every current grid, from gridgov.unit, into index (add_grid). */
static void
read_boundaries(GridIndex *index)
{
	uint64		i;

	spi_plan_run(&grid_boundaries_plan, &grid_boundaries_query, NULL, NULL, true, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		code = DatumGetGridcode(SPI_getbinval(tuple, desc, 1, &isnull));
		Datum		valid_to = SPI_getbinval(tuple, desc, 2, &isnull);
		TimestampTz until = isnull ? DT_NOEND : DatumGetTimestampTz(valid_to);
		Datum		boundary = SPI_getbinval(tuple, desc, 3, &isnull);
		Datum		valid = SPI_getbinval(tuple, desc, 4, &isnull);

		add_grid(index, code, until, boundary, !isnull && DatumGetBool(valid));
	}
	SPI_finish();
}

/* The index of the grids of the unit table in schema namespace, read whole. */
static GridIndex *
load_index(Oid namespace)
{
	GridIndex  *index;

	if (index_context == NULL)
		index_context = AllocSetContextCreate(CacheMemoryContext, "gridgov grid index",
											  ALLOCSET_DEFAULT_SIZES);
	/* before reading, so that a change arriving meanwhile is not missed */
	index_relids[0] = get_relname_relid("unit", namespace);
	index_stale = false;

	PG_TRY();
	{
		index = MemoryContextAllocZero(index_context, sizeof(GridIndex));
		index->usable = true;
		index->capacity = 64;
		index->grids = MemoryContextAlloc(index_context, sizeof(IndexedGrid) * index->capacity);
		if (grid_index_memory == 0)
			index->usable = false;
		else
			read_boundaries(index);
		if (index->usable && index->ngrids > 0)
		{
			MemoryContext caller = MemoryContextSwitchTo(index_context);

			build_buckets(index);
			MemoryContextSwitchTo(caller);
			if (!within_memory_limit())
				index->usable = false;
		}
		if (!index->usable)
		{
			/* keep only the verdict */
			MemoryContextReset(index_context);
			index = MemoryContextAllocZero(index_context, sizeof(GridIndex));
		}
	}
	PG_CATCH();
	{
		MemoryContextReset(index_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return index;
}

/*
 * Is the point (px, py) within a few fine units of the edge?  The distance
 * to the edge's line is |cross| / |b - a|, and |b - a| is at most sqrt(2)
 * times its longer side, so |cross| <= 3 * longer side flags every point
 * closer than 2.1 units (and a few farther ones).
 */
static bool
near_edge(const GridcellEdge *e, int64 px, int64 py)
{
	int64		dx = e->bx - e->ax,
				dy = e->by - e->ay;
	int64		bound = NEAR_EDGE_FACTOR * Max(Abs(dx), Abs(dy));
	INT128		cross;

	if (px < Min(e->ax, e->bx) - NEAR_EDGE_FACTOR || px > Max(e->ax, e->bx) + NEAR_EDGE_FACTOR ||
		py < Min(e->ay, e->by) - NEAR_EDGE_FACTOR || py > Max(e->ay, e->by) + NEAR_EDGE_FACTOR)
		return false;
	cross = int64_to_int128(0);
	int128_add_int64_mul_int64(&cross, dx, py - e->ay);
	int128_add_int64_mul_int64(&cross, -dy, px - e->ax);
	return int128_compare(cross, int64_to_int128(bound)) <= 0 &&
		int128_compare(cross, int64_to_int128(-bound)) >= 0;
}

/* even-odd rule by a ray toward +x; false in *sure when too near an edge */
static bool
grid_contains(const IndexedGrid *grid, int64 px, int64 py, bool *sure)
{
	bool		inside = false;
	int			i;

	for (i = 0; i < grid->nedges; i++)
	{
		const GridcellEdge *e = &grid->edges[i];

		if (near_edge(e, px, py))
		{
			*sure = false;
			return false;
		}
		if ((e->ay > py) != (e->by > py) &&
			(gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, px, py) > 0) == (e->by > e->ay))
			inside = !inside;
	}
	return inside;
}

/*
 * The grid covering (lng, lat) in *grid, 0 if none, when the index is sure;
 * the grids are gridgov.unit rows at level 6 in schema namespace.
 */
static GridIndexAnswer
index_answer(Oid namespace, double lng, double lat, int64 *grid)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	int64		px,
				py;
	int			b;
	int			i;
	int64		best = 0;

	if (index_stale && index_context != NULL)
	{
		MemoryContextReset(index_context);
		grid_index = NULL;
	}
	if (grid_index == NULL)
		grid_index = load_index(namespace);
	if (!grid_index->usable || isnan(lng) || isnan(lat) || fabs(lng) > 180.0 || fabs(lat) > 90.0)
		return GRID_INDEX_UNSURE;

	*grid = 0;
	if (grid_index->ngrids == 0)
		return GRID_INDEX_SURE;
	px = gridcell_postgis_degrees_to_fine(lng);
	py = gridcell_postgis_degrees_to_fine(lat);
	if (px < grid_index->x0 - NEAR_EDGE_FACTOR || py < grid_index->y0 - NEAR_EDGE_FACTOR ||
		px > grid_index->x0 + grid_index->bucket_width * grid_index->nx + NEAR_EDGE_FACTOR ||
		py > grid_index->y0 + grid_index->bucket_height * grid_index->ny + NEAR_EDGE_FACTOR)
		return GRID_INDEX_SURE;

	b = bucket_of(py, grid_index->y0, grid_index->bucket_height, grid_index->ny) * grid_index->nx +
		bucket_of(px, grid_index->x0, grid_index->bucket_width, grid_index->nx);
	for (i = grid_index->bucket_start[b]; i < grid_index->bucket_start[b + 1]; i++)
	{
		const IndexedGrid *candidate = &grid_index->grids[grid_index->bucket_grids[i]];
		bool		sure = true;

		if (px < candidate->xmin - NEAR_EDGE_FACTOR || px > candidate->xmax + NEAR_EDGE_FACTOR ||
			py < candidate->ymin - NEAR_EDGE_FACTOR || py > candidate->ymax + NEAR_EDGE_FACTOR ||
			candidate->valid_to <= now ||
			(best != 0 && candidate->code >= best))
			continue;
		if (grid_contains(candidate, px, py, &sure))
			best = candidate->code;
		else if (!sure)
			return GRID_INDEX_UNSURE;
	}
	*grid = best;
	return GRID_INDEX_SURE;
}

/* The unit code a one-row query for the point answers, 0 for none. */
static int64
unit_by_query(SPIPlanPtr *plan, const SpiQuery *query, Datum point)
{
	Datum		values[1] = {point};
	int64		unit = 0;
	bool		isnull;

	spi_plan_run(plan, query, values, NULL, true, 1);
	if (SPI_processed > 0)
	{
		Datum		code = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			unit = DatumGetGridcode(code);
	}
	SPI_finish();
	return unit;
}

/*
 * The grid covering the point, 0 if none: from the index when it is sure,
 * else from PostGIS.
 */
int64
grid_index_grid_at(Datum point)
{
	int64		grid = 0;
	double		lng;
	double		lat;

	gridcell_postgis_read_point(point, &lng, &lat, "case routing");
	/* a NaN or out-of-range point is refused, as gridcell() refuses it */
	if (!(lng >= -180.0 && lng <= 180.0 && lat >= -90.0 && lat <= 90.0))
		grid_index_refuse_swapped(point);
	gridcell_geometry_check_lnglat(lng, lat);
	if (index_answer(spi_plan_namespace(), lng, lat, &grid) == GRID_INDEX_SURE)
		return grid;
	return unit_by_query(&grid_at_point_plan, &grid_at_point_query, point);
}

/*
 * The lowest current unit of levels 3 to 5 covering a point that no grid
 * covers, 0 if none.  Gaps are rare, so PostGIS answers (over the GiST index
 * of gridgov.unit); the grid index is neither rebuilt nor asked.
 */
int64
grid_index_gap_unit_at(Datum point)
{
	return unit_by_query(&gap_unit_at_point_plan, &gap_unit_at_point_query, point);
}

/*
 * Refuse a point that a unit would cover with its longitude and latitude
 * swapped (22023), naming the unit; return otherwise.  Asked only when the
 * point itself is off the globe or in no unit.
 */
void
grid_index_refuse_swapped(Datum point)
{
	int64		unit;
	double		lng;
	double		lat;

	gridcell_postgis_read_point(point, &lng, &lat, "case routing");
	/* swapped, the latitude must be one */
	if (!(lng >= -90.0 && lng <= 90.0 && lat >= -180.0 && lat <= 180.0))
		return;
	unit = unit_by_query(&unit_at_swapped_point_plan, &unit_at_swapped_point_query, point);
	if (unit != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("longitude and latitude look swapped in POINT(%s %s)",
						float8out_internal(lng), float8out_internal(lat)),
				 errdetail("No unit covers the point; unit %s covers POINT(%s %s).",
						   DatumGetCString(DirectFunctionCall1(gridcode_out, GridcodeGetDatum(unit))),
						   float8out_internal(lat), float8out_internal(lng)),
				 errhint("Make the point longitude first: ST_Point(longitude, latitude).")));
}
