/*
 * gridcell_postgis.c
 *		Reading PostGIS geometries for gridcell, and the cell of a point.
 *
 * gridgov does not link PostGIS's liblwgeom.  It reads the serialized form
 * of a geometry ("GSERIALIZED", PostGIS's on-disk format, described in
 * liblwgeom/gserialized.txt and gserialized2.h; it cannot change without
 * breaking pg_upgrade, so it is as stable as a format gets) directly:
 *
 *	varlena header; SRID in 3 bytes (21 bits, signed); a flags byte
 *	(0x01 Z, 0x02 M, 0x04 bounding box, 0x08 geodetic, 0x40 version 2,
 *	and in version 2 only 0x10 extended flags); 8 bytes of extended flags if
 *	flagged; a bounding box of floats if flagged; then the geometry:
 *	uint32 type, uint32 count (points, rings or members), for a polygon one
 *	uint32 point count per ring padded to 8 bytes, then the doubles, x y
 *	[z] [m] per point.
 *
 * Versions 1 (PostGIS 2) and 2 (PostGIS 3) differ only in the flags byte.
 * Everything is read with memcpy, so a value is never assumed aligned, and
 * every read is bounds-checked, so a damaged value gives an error, not a
 * crash.  Geometries going the other way are written as EWKB and handed to
 * ST_GeomFromEWKB in SQL (sql/gridcell.sql).
 */
#include "postgres.h"

#include <math.h>

#include "gridcell.h"
#include "gridcell_geometry.h"
#include "gridcell_postgis.h"
#include "utils/builtins.h"

#define GSER_FLAG_Z				0x01
#define GSER_FLAG_M				0x02
#define GSER_FLAG_BBOX			0x04
#define GSER_FLAG_GEODETIC		0x08
#define GSER2_FLAG_EXTENDED		0x10
#define GSER_FLAG_VERSION2		0x40
#define GSER2_FLAG_RESERVED2	0x80

#define POINTTYPE				1
#define POLYGONTYPE				3
#define MULTIPOLYGONTYPE		6

/* SRID, flags, type, count and x y: a 2D point without a bounding box */
#define PLAIN_POINT_SIZE		(4 + 2 * sizeof(uint32) + 2 * sizeof(double))

static const char *const type_names[] = {
	"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
	"multipolygon", "geometrycollection", "circularstring", "compoundcurve",
	"curvepolygon", "multicurve", "multisurface", "polyhedralsurface",
	"triangle", "tin"
};

/* A geometry type's name, for messages. */
static const char *
type_name(uint32 type)
{
	return type < lengthof(type_names) ? type_names[type] : "geometry of unknown type";
}

typedef struct GserReader
{
	const char *data;			/* the geometry section */
	uint64		len;
	uint64		pos;
	int			ndims;
	int32		srid;
	const char *funcname;
} GserReader;

/* Refuse a serialized geometry that ends early or contradicts itself. */
static void
report_damaged(const GserReader *r)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s cannot read this geometry value", r->funcname),
			 errdetail("The value is shorter than its own header says, or not in a PostGIS serialization gridgov knows (versions 1 and 2).")));
}

/* Start reading a serialized geometry: its header, SRID and flags. */
static void
gser_begin(struct varlena *g, GserReader *r, const char *funcname)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(g);
	uint64		size = VARSIZE_ANY_EXHDR(g);
	uint64		header = 4;		/* SRID and flags */
	uint32		srid;
	uint8		flags;

	r->funcname = funcname;
	if (size < header)
		report_damaged(r);
	srid = ((uint32) p[0] << 16) | ((uint32) p[1] << 8) | p[2];
	r->srid = ((int32) (srid << 11)) >> 11;
	flags = p[3];
	if ((flags & GSER_FLAG_VERSION2) && (flags & GSER2_FLAG_RESERVED2))
		report_damaged(r);
	if ((flags & GSER_FLAG_VERSION2) && (flags & GSER2_FLAG_EXTENDED))
		header += 8;
	r->ndims = 2 + ((flags & GSER_FLAG_Z) ? 1 : 0) + ((flags & GSER_FLAG_M) ? 1 : 0);
	if (flags & GSER_FLAG_BBOX)
		header += ((flags & GSER_FLAG_GEODETIC) ? 6 : 2 * r->ndims) * sizeof(float);
	if (size < header)
		report_damaged(r);
	r->data = (const char *) p + header;
	r->len = size - header;
	r->pos = 0;
}

/* The next uint32 of a serialized geometry. */
static uint32
gser_uint32(GserReader *r)
{
	uint32		v;

	if (r->len - r->pos < sizeof(v))
		report_damaged(r);
	memcpy(&v, r->data + r->pos, sizeof(v));
	r->pos += sizeof(v);
	return v;
}

/* The next double of a serialized geometry. */
static double
gser_double(GserReader *r)
{
	double		v;

	if (r->len - r->pos < sizeof(v))
		report_damaged(r);
	memcpy(&v, r->data + r->pos, sizeof(v));
	r->pos += sizeof(v);
	return v;
}

/* Refuse a geometry not in SRID 4326. */
static void
check_srid(const GserReader *r)
{
	if (r->srid != 4326)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a geometry in SRID 4326, not SRID %d", r->funcname, r->srid),
				 errhint("Use ST_SetSRID(geom, 4326) for WGS 84 (or CGCS2000) longitude and latitude, or ST_Transform(geom, 4326).")));
}

/* a point's coordinates, with the hint for a geometry that is not a point */
static void
read_point(Datum geom, double *lng, double *lat, const char *funcname, const char *shape_hint)
{
	struct varlena *g = PG_DETOAST_DATUM_PACKED(geom);
	GserReader	r;
	uint32		type;
	uint32		npoints;

	gser_begin(g, &r, funcname);
	type = gser_uint32(&r);
	if (type != POINTTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a point, not a %s", funcname, type_name(type)),
				 errhint("%s", shape_hint)));
	check_srid(&r);
	npoints = gser_uint32(&r);
	if (npoints == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a point, not an empty point", funcname)));
	*lng = gser_double(&r);
	*lat = gser_double(&r);
}

/* The longitude and latitude of a point geometry. */
void
gridcell_postgis_read_point(Datum geom, double *lng, double *lat, const char *funcname)
{
	read_point(geom, lng, lat, funcname,
			   "Use ST_PointOnSurface(geom) for one cell of a shape, or cover(geom, level) for all of them.");
}

/*
 * check_point(point geometry, caller text) → boolean: true for a non-empty
 * point in SRID 4326 whose longitude and latitude are numbers in range, as
 * gridcell() wants them (without its polar limit), else 22023 naming the
 * caller.  unit_at() takes it, so that a NaN point is refused instead of
 * covered by no unit.
 */
PG_FUNCTION_INFO_V1(gridcell_check_point);
Datum
gridcell_check_point(PG_FUNCTION_ARGS)
{
	double		lng,
				lat;

	read_point(PG_GETARG_DATUM(0), &lng, &lat, text_to_cstring(PG_GETARG_TEXT_PP(1)),
			   "Use ST_PointOnSurface(geom) for a point on a shape.");
	gridcell_geometry_check_lnglat(lng, lat);
	PG_RETURN_BOOL(true);
}

/*
 * A plain point's coordinates, read in place: a 2D point in SRID 4326
 * without a bounding box (as ST_MakePoint, ST_Point and loaders store one),
 * inline and uncompressed.  False for anything else, which read_point reads
 * (or refuses) field by field.  This is most of the work of gridcell(geom,
 * level) over a table of points, so it takes no copy and no reader.
 */
static inline bool
read_plain_point(Datum geom, double *lng, double *lat)
{
	struct varlena *g = (struct varlena *) DatumGetPointer(geom);
	const uint8 *p;
	uint32		head[2];

	if ((VARATT_IS_EXTENDED(g) && !VARATT_IS_SHORT(g)) || VARSIZE_ANY_EXHDR(g) != PLAIN_POINT_SIZE)
		return false;
	p = (const uint8 *) VARDATA_ANY(g);
	/* SRID 4326 in 21 bits, big-endian, and no flag but version 2's */
	if (p[0] != 0 || p[1] != (4326 >> 8) || p[2] != (4326 & 0xFF) || (p[3] & ~GSER_FLAG_VERSION2) != 0)
		return false;
	memcpy(head, p + 4, sizeof(head));
	if (head[0] != POINTTYPE || head[1] != 1)
		return false;
	memcpy(lng, p + 4 + sizeof(head), sizeof(double));
	memcpy(lat, p + 4 + sizeof(head) + sizeof(double), sizeof(double));
	return true;
}

/* the cell of a point: gridcell(geometry, level) */
PG_FUNCTION_INFO_V1(gridcell_from_geometry);
Datum
gridcell_from_geometry(PG_FUNCTION_ARGS)
{
	int32		level = PG_GETARG_INT32(1);
	double		lng,
				lat;

	gridcell_check_level(level, "level");
	if (!read_plain_point(PG_GETARG_DATUM(0), &lng, &lat))
		gridcell_postgis_read_point(PG_GETARG_DATUM(0), &lng, &lat, "gridcell()");
	PG_RETURN_GRIDCELL(gridcell_geometry_from_lnglat(lng, lat, level));
}

/*
 * |deg| * 7372800 * 2^16 rounded to the nearest integer, exactly, with the
 * sign of deg: a double is m * 2^e with m below 2^53, so the product is
 * m * 225 * 2^(e + 31), an integer below 2^61 shifted right by 22 - e.
 */
int64
gridcell_postgis_degrees_to_fine(double deg)
{
	int			exp;
	uint64		m;
	int			shift;
	uint64		v;

	if (deg == 0.0)
		return 0;
	gridcell_geometry_double_parts(deg, &m, &exp);
	m *= 225;
	shift = 22 - exp;
	Assert(shift >= 14);		/* |deg| <= 180 */
	if (shift >= 64)
		return 0;
	v = (m + (UINT64CONST(1) << (shift - 1))) >> shift;
	return deg < 0 ? -(int64) v : (int64) v;
}

/* The rings of one polygon of a serialized geometry, in fine units. */
static void
read_polygon_rings(GserReader *r, GridcellPolygon *poly, int *capacity)
{
	uint32		nrings = gser_uint32(r);
	uint32	   *counts;
	uint32		i;

	if (nrings > (r->len - r->pos) / sizeof(uint32))
		report_damaged(r);
	counts = palloc(sizeof(uint32) * Max(nrings, 1));
	for (i = 0; i < nrings; i++)
		counts[i] = gser_uint32(r);
	if (nrings % 2 == 1)
		(void) gser_uint32(r);	/* padding */

	for (i = 0; i < nrings; i++)
	{
		GridcellRing *ring;
		uint32		j;

		if (counts[i] > (r->len - r->pos) / (sizeof(double) * r->ndims))
			report_damaged(r);
		if (poly->nrings == *capacity)
		{
			*capacity *= 2;
			poly->rings = repalloc(poly->rings, sizeof(GridcellRing) * *capacity);
		}
		ring = &poly->rings[poly->nrings++];
		ring->outer = i == 0;
		ring->npoints = (int) counts[i];
		ring->x = palloc(sizeof(int64) * Max(counts[i], 1));
		ring->y = palloc(sizeof(int64) * Max(counts[i], 1));
		for (j = 0; j < counts[i]; j++)
		{
			double		lng = gser_double(r);
			double		lat = gser_double(r);
			int			d;

			for (d = 2; d < r->ndims; d++)
				(void) gser_double(r);
			if (isnan(lng) || isnan(lat))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s needs finite coordinates", r->funcname),
						 errdetail("A vertex has a NaN coordinate.")));
			if (lng < -180.0 || lng > 180.0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s needs longitudes between -180 and 180 degrees", r->funcname),
						 errdetail("A vertex has longitude %g.", lng),
						 errhint("A polygon across the antimeridian must be split in two, one on each side.")));
			if (lat <= -88.0 || lat >= 88.0)
			{
				if (lat != 88.0 && lat != -88.0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s needs latitudes between -88 and 88 degrees", r->funcname),
							 errdetail("A vertex has latitude %g; GB/T 39409 codes the polar caps beyond 88° with a separate scheme, which gridgov does not implement.", lat),
							 errhint("Cut the polygon at 88° with ST_ClipByBox2D(geom, ST_MakeEnvelope(-180, -88, 180, 88)).")));
			}
			ring->x[j] = gridcell_postgis_degrees_to_fine(lng);
			ring->y[j] = gridcell_postgis_degrees_to_fine(lat);
			if (poly->npoints++ == 0)
			{
				poly->xmin = poly->xmax = ring->x[j];
				poly->ymin = poly->ymax = ring->y[j];
			}
			else
			{
				poly->xmin = Min(poly->xmin, ring->x[j]);
				poly->xmax = Max(poly->xmax, ring->x[j]);
				poly->ymin = Min(poly->ymin, ring->y[j]);
				poly->ymax = Max(poly->ymax, ring->y[j]);
			}
		}
	}
	pfree(counts);
}

/*
 * The rings of a polygon or multipolygon in SRID 4326, in fine units.  An
 * empty geometry gives no rings.
 */
GridcellPolygon *
gridcell_postgis_read_polygon(Datum geom, const char *funcname)
{
	struct varlena *g = PG_DETOAST_DATUM(geom);
	GridcellPolygon *poly = palloc0(sizeof(GridcellPolygon));
	int			capacity = 4;
	GserReader	r;
	uint32		type;

	poly->rings = palloc(sizeof(GridcellRing) * capacity);
	gser_begin(g, &r, funcname);
	type = gser_uint32(&r);
	if (type != POLYGONTYPE && type != MULTIPOLYGONTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a polygon or multipolygon, not a %s", funcname, type_name(type)),
				 errhint("ST_CollectionExtract(geom, 3) keeps the polygons of a collection; ST_Buffer turns points and lines into polygons.")));
	check_srid(&r);
	if (type == POLYGONTYPE)
		read_polygon_rings(&r, poly, &capacity);
	else
	{
		uint32		ngeoms = gser_uint32(&r);
		uint32		i;

		for (i = 0; i < ngeoms; i++)
		{
			if (gser_uint32(&r) != POLYGONTYPE)
				report_damaged(&r);
			read_polygon_rings(&r, poly, &capacity);
		}
	}
	return poly;
}
