/*
 * grid_index.c
 *		The grid of a layer that covers a point, from memory: each backend
 *		keeps the boundaries of the current grids (units at level 6) of
 *		every grid layer and answers without PostGIS whenever the answer is
 *		certain.
 *
 * Routing a new case asks which grid of the primary layer covers its point;
 * grid_at() asks the same of any layer (the view case_grids, docs/layers.md).
 * Through PostGIS (ST_Covers over the GiST index of gridgov.unit) that costs
 * half of the whole intake; here it is a bucket lookup and a point-in-polygon
 * test over a few hundred edges.  The answer must be the one PostGIS gives,
 * so the index reports "unsure" and the caller asks PostGIS whenever the two
 * could differ:
 *	- vertices are rounded to 2^-16 of a level-10 cell (gridcell.h), the point
 *	  too, so a point less than 2.2 such units (under half a micrometre) from
 *	  an edge may lie on the other side of it for PostGIS, or on it (covered);
 *	- a boundary that PostGIS does not call valid may disagree with the
 *	  even-odd rule used here, so one invalid boundary turns its layer's
 *	  index off; so do grids that need more memory than
 *	  gridgov.grid_index_memory (the primary layer is read first).
 * Everywhere else the even-odd test is exact (integer orientation tests),
 * and "no grid" is as certain as "this grid".  Among several grids of the
 * layer covering the point, the smallest code wins, as in the SQL query below.
 *
 * Each layer has its own raster of buckets, so the grids of the other layers
 * cost routing nothing: a bucket lists only its layer's grids.
 *
 * A point no grid of the primary layer covers (a gap in the grids) belongs
 * to the lowest unit above the grids whose boundary covers it, which PostGIS
 * finds (grid_index_gap_unit_at).
 *
 * Routing is by time: a case goes to the grid in force at its reported_at,
 * so that a late report of an event before a redraw goes to the grid of
 * that time (docs/layers.md, "Redraws").  The index therefore holds every
 * version of every grid (gridgov.unit_versions: current, retired and
 * earlier ones), each with the span in which it takes cases, and a lookup
 * skips the versions not in force at the time asked.  A report of today
 * looks only among the versions without an end (a raster of its own, see
 * LayerIndex), so a year of redraws costs it nothing; a late report looks
 * among every version.
 *
 * The index is read whole from gridgov.unit_versions and gridgov.grid_layer
 * on first use and dropped when unit, unit_history, grid_lineage or
 * grid_layer changes (their statement triggers and cache.c): a redraw, a new
 * layer, a grid moved to another layer or a new primary layer rebuild it
 * once, never once per case.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int128.h"
#include "fmgr.h"
#include "utils/builtins.h"
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

/* SQLSTATE of a grid layer that does not exist (docs/layers.md) */
#define ERRCODE_NO_SUCH_GRID_LAYER	MAKE_SQLSTATE('G','G','0','1','1')

typedef enum GridIndexAnswer
{
	GRID_INDEX_SURE,			/* *grid is the answer; 0 when no grid covers */
	GRID_INDEX_UNSURE			/* ask PostGIS */
} GridIndexAnswer;

typedef struct IndexedGrid
{
	int64		code;
	TimestampTz routes_from;	/* takes cases reported from then (DT_NOBEGIN: always) */
	TimestampTz valid_to;		/* until then; DT_NOEND while current */
	int64		xmin,
				xmax,
				ymin,
				ymax;
	int			nedges;
	GridcellEdge *edges;
} IndexedGrid;

/* A uniform raster of buckets over some of a layer's grid versions, each listing them. */
typedef struct BucketRaster
{
	int64		x0,
				y0,
				bucket_width,
				bucket_height;
	int			nx,
				ny;
	int		   *bucket_start;	/* nx * ny + 1 offsets into bucket_grids; NULL: none */
	int		   *bucket_grids;
} BucketRaster;

/*
 * The grid versions of one layer.  A report of today, the common case, is
 * routed among the versions without an end only (open): from the last
 * start or end of any version on (settled), they are the ones in force,
 * and the versions a year of redraws ended cost it nothing.  An earlier
 * time looks in every version.
 */
typedef struct LayerIndex
{
	char	   *name;			/* gridgov.grid_layer.name */
	bool		usable;			/* false: a boundary is not valid, or too big */
	MemoryContext context;		/* the grids and buckets, dropped when unusable */
	int			ngrids;
	int			capacity;
	IndexedGrid *grids;
	TimestampTz settled;		/* the last routes_from or valid_to of any version */
	BucketRaster every;			/* every version */
	BucketRaster open;			/* the versions whose valid_to is unset */
} LayerIndex;

typedef struct GridIndex
{
	int			nlayers;
	LayerIndex *layers;			/* every row of gridgov.grid_layer, by name */
	LayerIndex *primary;		/* the layer cases are routed in; NULL if it has no row */
	bool		before_layers;	/* a schema older than 0.8.0: no grid_layer */
} GridIndex;

static MemoryContext index_context = NULL;
static GridIndex *grid_index = NULL;
static bool index_stale = false;
static Oid	index_relids[4];

/* gridgov.grid_index_memory, in kB: what one backend may spend on it */
static int	grid_index_memory = 65536;

/* PostGIS's answer, asked when the index is unsure: the version in force at $3 */
static const SpiQuery grid_at_point_query = {
	"SELECT v.code FROM %1$s.unit_versions v"
	" WHERE v.level OPERATOR(pg_catalog.=) 6 AND v.layer OPERATOR(pg_catalog.=) $2"
	" AND %2$s.st_covers(v.boundary, $1)"
	" AND v.routes_from OPERATOR(pg_catalog.<=) $3"
	" AND (v.valid_to IS NULL OR v.valid_to OPERATOR(pg_catalog.>) $3)"
	" ORDER BY v.code LIMIT 1",
	3, {SPI_PLAN_GEOMETRY, TEXTOID, TIMESTAMPTZOID}
};

/*
 * The same over a schema older than 0.8.0 (the module is updated before
 * ALTER EXTENSION UPDATE runs): one layer, governance, with every grid, and
 * no versions: the current grids, whatever the time.
 */
static const SpiQuery grid_at_point_before_layers_query = {
	"SELECT u.code FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.=) 6 AND $2 OPERATOR(pg_catalog.=) 'governance'"
	" AND %2$s.st_covers(u.boundary, $1) AND $3 IS NOT NULL"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
	" ORDER BY u.code LIMIT 1",
	3, {SPI_PLAN_GEOMETRY, TEXTOID, TIMESTAMPTZOID}
};

/* every layer, and whether it is the primary one */
static const SpiQuery grid_layers_query = {
	"SELECT l.name, l.name OPERATOR(pg_catalog.=) %1$s.primary_layer()"
	" FROM %1$s.grid_layer l ORDER BY l.name",
	0, {0}
};

/*
 * every version of every grid, with the span in which it takes cases, and
 * whether PostGIS calls its boundary valid: the primary layer's first, so
 * that it is the one to fit in the memory allowed
 */
static const SpiQuery grid_boundaries_query = {
	/* ST_IsValidDetail, unlike ST_IsValid, does not raise notices */
	"SELECT v.layer, v.code, v.valid_to, v.boundary,"
	" (%2$s.st_isvaliddetail(v.boundary)).valid"
	" AND %2$s.st_ymin(v.boundary) OPERATOR(pg_catalog.>) -88"
	" AND %2$s.st_ymax(v.boundary) OPERATOR(pg_catalog.<) 88,"
	" v.routes_from"
	" FROM %1$s.unit_versions v"
	" WHERE v.level OPERATOR(pg_catalog.=) 6 AND v.boundary IS NOT NULL"
	" ORDER BY v.layer OPERATOR(pg_catalog.=) %1$s.primary_layer() DESC, v.layer",
	0, {0}
};

/* the current grids of a schema older than 0.8.0, in force whenever asked */
static const SpiQuery grid_boundaries_before_layers_query = {
	"SELECT 'governance'::pg_catalog.text, u.code, u.valid_to, u.boundary,"
	" (%2$s.st_isvaliddetail(u.boundary)).valid"
	" AND %2$s.st_ymin(u.boundary) OPERATOR(pg_catalog.>) -88"
	" AND %2$s.st_ymax(u.boundary) OPERATOR(pg_catalog.<) 88,"
	" '-infinity'::pg_catalog.timestamptz"
	" FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.=) 6 AND u.boundary IS NOT NULL"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())",
	0, {0}
};

/*
 * The lowest unit above the grids (community, else subdistrict, else
 * district) in force at $2 covering a point no grid covers: the gap's owner.
 */
static const SpiQuery gap_unit_at_point_query = {
	"SELECT v.code FROM %1$s.unit_versions v"
	" WHERE v.level OPERATOR(pg_catalog.>=) 3 AND v.level OPERATOR(pg_catalog.<=) 5"
	" AND %2$s.st_covers(v.boundary, $1)"
	" AND v.routes_from OPERATOR(pg_catalog.<=) $2"
	" AND (v.valid_to IS NULL OR v.valid_to OPERATOR(pg_catalog.>) $2)"
	" ORDER BY v.level DESC, v.code LIMIT 1",
	2, {SPI_PLAN_GEOMETRY, TIMESTAMPTZOID}
};

/* the same over a schema older than 0.8.0: the current units */
static const SpiQuery gap_unit_at_point_before_layers_query = {
	"SELECT u.code FROM %1$s.unit u"
	" WHERE u.level OPERATOR(pg_catalog.>=) 3 AND u.level OPERATOR(pg_catalog.<=) 5"
	" AND %2$s.st_covers(u.boundary, $1) AND $2 IS NOT NULL"
	" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
	" ORDER BY u.level DESC, u.code LIMIT 1",
	2, {SPI_PLAN_GEOMETRY, TIMESTAMPTZOID}
};

static SPIPlanPtr grid_at_point_plan = NULL;
static SPIPlanPtr grid_at_point_before_layers_plan = NULL;
static SPIPlanPtr grid_layers_plan = NULL;

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
static SPIPlanPtr grid_boundaries_before_layers_plan = NULL;
static SPIPlanPtr gap_unit_at_point_plan = NULL;
static SPIPlanPtr gap_unit_at_point_before_layers_plan = NULL;

/* Drop the index at the next use: gridgov.unit or gridgov.grid_layer changed. */
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

/* Give up on a layer's index: its grids are left to PostGIS. */
static void
drop_layer(LayerIndex *layer)
{
	MemoryContextReset(layer->context);
	layer->usable = false;
	layer->ngrids = 0;
	layer->grids = NULL;
}

/* Add one version of a grid to its layer's index, or find the layer's index unusable. */
static void
add_grid(LayerIndex *layer, int64 code, TimestampTz routes_from, TimestampTz valid_to,
		 Datum boundary, bool valid)
{
	MemoryContext caller;
	MemoryContext scratch;
	GridcellPolygon *poly;
	IndexedGrid *grid;

	if (!layer->usable)
		return;
	if (!valid)
	{
		drop_layer(layer);
		return;
	}
	scratch = AllocSetContextCreate(CurrentMemoryContext, "gridgov grid boundary",
									ALLOCSET_DEFAULT_SIZES);
	caller = MemoryContextSwitchTo(scratch);
	poly = gridcell_postgis_read_polygon(boundary, "case routing");
	MemoryContextSwitchTo(layer->context);
	if (poly->npoints > 0)
	{
		if (layer->grids == NULL)
		{
			layer->capacity = 64;
			layer->grids = palloc(sizeof(IndexedGrid) * layer->capacity);
		}
		else if (layer->ngrids == layer->capacity)
		{
			layer->capacity *= 2;
			layer->grids = repalloc(layer->grids, sizeof(IndexedGrid) * layer->capacity);
		}
		grid = &layer->grids[layer->ngrids++];
		grid->code = code;
		grid->routes_from = routes_from;
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
		drop_layer(layer);
}

/* column or row of the bucket raster holding fine coordinate v */
static inline int
bucket_of(int64 v, int64 origin, int64 size, int count)
{
	int64		i = (v - origin) / size;

	return (int) Max(0, Min(i, count - 1));
}

/*
 * List each grid version of the raster (the open ones only, or all) in the
 * buckets its box reaches, widened by the near-edge margin: count them into
 * bucket_start (fill NULL), or place them into bucket_grids at the
 * positions fill[] holds.
 */
static void
place_grids(const LayerIndex *layer, BucketRaster *raster, bool open_only, int *fill)
{
	int			g;

	for (g = 0; g < layer->ngrids; g++)
	{
		const IndexedGrid *grid = &layer->grids[g];
		int			bx0,
					bx1,
					by0,
					by1,
					bx,
					by;

		if (open_only && grid->valid_to != DT_NOEND)
			continue;
		bx0 = bucket_of(grid->xmin - NEAR_EDGE_FACTOR, raster->x0, raster->bucket_width, raster->nx);
		bx1 = bucket_of(grid->xmax + NEAR_EDGE_FACTOR, raster->x0, raster->bucket_width, raster->nx);
		by0 = bucket_of(grid->ymin - NEAR_EDGE_FACTOR, raster->y0, raster->bucket_height, raster->ny);
		by1 = bucket_of(grid->ymax + NEAR_EDGE_FACTOR, raster->y0, raster->bucket_height, raster->ny);
		for (by = by0; by <= by1; by++)
			for (bx = bx0; bx <= bx1; bx++)
			{
				int			bucket = by * raster->nx + bx;

				if (fill == NULL)
					raster->bucket_start[bucket + 1]++;
				else
					raster->bucket_grids[fill[bucket]++] = g;
			}
	}
}

/*
 * About two buckets per grid version, so a bucket lists a handful of them
 * whatever the shape of the district.  With the near-edge margin in the
 * boxes (see place_grids), a bucket knows every version whose answer could
 * be unsure for its points.  A raster without versions has no buckets.
 */
static void
build_raster(const LayerIndex *layer, BucketRaster *raster, bool open_only)
{
	int64		xmin = PG_INT64_MAX,
				xmax = PG_INT64_MIN,
				ymin = PG_INT64_MAX,
				ymax = PG_INT64_MIN;
	int			n = 0;
	int			nbuckets;
	int		   *fill;
	int			g;
	int			b;

	for (g = 0; g < layer->ngrids; g++)
	{
		if (open_only && layer->grids[g].valid_to != DT_NOEND)
			continue;
		n++;
		xmin = Min(xmin, layer->grids[g].xmin);
		xmax = Max(xmax, layer->grids[g].xmax);
		ymin = Min(ymin, layer->grids[g].ymin);
		ymax = Max(ymax, layer->grids[g].ymax);
	}
	raster->bucket_start = NULL;
	if (n == 0)
		return;
	raster->nx = raster->ny = Max((int) Min(1024, ceil(sqrt(2.0 * n))), 1);
	raster->x0 = xmin;
	raster->y0 = ymin;
	raster->bucket_width = (xmax - xmin) / raster->nx + 1;
	raster->bucket_height = (ymax - ymin) / raster->ny + 1;
	nbuckets = raster->nx * raster->ny;

	/* count, then place: a compressed list of versions per bucket */
	raster->bucket_start = palloc0(sizeof(int) * (nbuckets + 1));
	place_grids(layer, raster, open_only, NULL);
	for (b = 0; b < nbuckets; b++)
		raster->bucket_start[b + 1] += raster->bucket_start[b];
	raster->bucket_grids = palloc(sizeof(int) * Max(raster->bucket_start[nbuckets], 1));
	fill = palloc(sizeof(int) * nbuckets);
	memcpy(fill, raster->bucket_start, sizeof(int) * nbuckets);
	place_grids(layer, raster, open_only, fill);
	pfree(fill);
}

/* Both rasters of a layer, and the time from which its open versions are the ones in force. */
static void
build_buckets(LayerIndex *layer)
{
	int			g;

	layer->settled = DT_NOBEGIN;
	for (g = 0; g < layer->ngrids; g++)
	{
		const IndexedGrid *grid = &layer->grids[g];

		if (grid->routes_from != DT_NOBEGIN)
			layer->settled = Max(layer->settled, grid->routes_from);
		if (grid->valid_to != DT_NOEND)
			layer->settled = Max(layer->settled, grid->valid_to);
	}
	build_raster(layer, &layer->every, false);
	build_raster(layer, &layer->open, true);
}

/* The layer of the index called name, NULL if there is none. */
static LayerIndex *
find_layer(GridIndex *index, const char *name)
{
	int			i;

	for (i = 0; i < index->nlayers; i++)
		if (strcmp(index->layers[i].name, name) == 0)
			return &index->layers[i];
	return NULL;
}

/* Every row of gridgov.grid_layer into index, each with its memory context. */
static void
read_layers(GridIndex *index)
{
	uint64		i;

	if (index->before_layers)
	{
		index->nlayers = 1;
		index->layers = MemoryContextAllocZero(index_context, sizeof(LayerIndex));
		index->layers[0].name = MemoryContextStrdup(index_context, "governance");
		index->layers[0].usable = grid_index_memory > 0;
		index->layers[0].context = AllocSetContextCreate(index_context, "gridgov grid layer",
														 ALLOCSET_DEFAULT_SIZES);
		index->primary = &index->layers[0];
		return;
	}
	spi_plan_run(&grid_layers_plan, &grid_layers_query, NULL, NULL, true, 0);
	index->nlayers = (int) SPI_processed;
	index->layers = MemoryContextAllocZero(index_context, sizeof(LayerIndex) * Max(index->nlayers, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		LayerIndex *layer = &index->layers[i];
		bool		isnull;

		layer->name = MemoryContextStrdup(index_context,
										  TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i],
																			SPI_tuptable->tupdesc, 1, &isnull)));
		layer->usable = grid_index_memory > 0;
		layer->context = AllocSetContextCreate(index_context, "gridgov grid layer",
											   ALLOCSET_DEFAULT_SIZES);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull)))
			index->primary = layer;
	}
	SPI_finish();
}

/* Every version of every grid, from gridgov.unit_versions, into its layer (add_grid). */
static void
read_boundaries(GridIndex *index)
{
	LayerIndex *layer = NULL;
	uint64		i;

	if (index->before_layers)
		spi_plan_run(&grid_boundaries_before_layers_plan, &grid_boundaries_before_layers_query,
					 NULL, NULL, true, 0);
	else
		spi_plan_run(&grid_boundaries_plan, &grid_boundaries_query, NULL, NULL, true, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *name = TextDatumGetCString(SPI_getbinval(tuple, desc, 1, &isnull));
		int64		code = DatumGetGridcode(SPI_getbinval(tuple, desc, 2, &isnull));
		Datum		valid_to = SPI_getbinval(tuple, desc, 3, &isnull);
		TimestampTz until = isnull ? DT_NOEND : DatumGetTimestampTz(valid_to);
		Datum		boundary = SPI_getbinval(tuple, desc, 4, &isnull);
		bool		valid = DatumGetBool(SPI_getbinval(tuple, desc, 5, &isnull)) && !isnull;
		TimestampTz from = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 6, &isnull));

		/* the rows come layer by layer; unit.layer references grid_layer */
		if (layer == NULL || strcmp(layer->name, name) != 0)
			layer = find_layer(index, name);
		if (layer != NULL)
			add_grid(layer, code, from, until, boundary, valid);
		pfree(name);
	}
	SPI_finish();
}

/* The index of the grid layers of schema namespace, read whole. */
static GridIndex *
load_index(Oid namespace)
{
	GridIndex  *index;

	if (index_context == NULL)
		index_context = AllocSetContextCreate(CacheMemoryContext, "gridgov grid index",
											  ALLOCSET_DEFAULT_SIZES);
	/* before reading, so that a change arriving meanwhile is not missed */
	index_relids[0] = get_relname_relid("unit", namespace);
	index_relids[1] = get_relname_relid("grid_layer", namespace);
	index_relids[2] = get_relname_relid("unit_history", namespace);
	index_relids[3] = get_relname_relid("grid_lineage", namespace);
	index_stale = false;

	PG_TRY();
	{
		int			i;

		index = MemoryContextAllocZero(index_context, sizeof(GridIndex));
		index->before_layers = !OidIsValid(index_relids[1]);
		read_layers(index);
		if (grid_index_memory > 0)
			read_boundaries(index);
		for (i = 0; i < index->nlayers; i++)
		{
			LayerIndex *layer = &index->layers[i];

			if (layer->usable && layer->ngrids > 0)
			{
				MemoryContext caller = MemoryContextSwitchTo(layer->context);

				build_buckets(layer);
				MemoryContextSwitchTo(caller);
				if (!within_memory_limit())
					drop_layer(layer);
			}
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

/* The index, read again if the tables changed since it was read. */
static GridIndex *
current_index(Oid namespace)
{
	if (index_stale && index_context != NULL)
	{
		MemoryContextReset(index_context);
		grid_index = NULL;
	}
	if (grid_index == NULL)
		grid_index = load_index(namespace);
	return grid_index;
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
 * The grid of the layer in force at time at covering (lng, lat) in *grid, 0
 * if none, when the index is sure.
 */
static GridIndexAnswer
index_answer(const LayerIndex *layer, double lng, double lat, TimestampTz at, int64 *grid)
{
	const BucketRaster *raster;
	int64		px,
				py;
	int			b;
	int			i;
	int64		best = 0;

	if (!layer->usable || isnan(lng) || isnan(lat) || fabs(lng) > 180.0 || fabs(lat) > 90.0)
		return GRID_INDEX_UNSURE;

	*grid = 0;
	if (layer->ngrids == 0)
		return GRID_INDEX_SURE;
	raster = at >= layer->settled ? &layer->open : &layer->every;
	if (raster->bucket_start == NULL)
		return GRID_INDEX_SURE;
	px = gridcell_postgis_degrees_to_fine(lng);
	py = gridcell_postgis_degrees_to_fine(lat);
	if (px < raster->x0 - NEAR_EDGE_FACTOR || py < raster->y0 - NEAR_EDGE_FACTOR ||
		px > raster->x0 + raster->bucket_width * raster->nx + NEAR_EDGE_FACTOR ||
		py > raster->y0 + raster->bucket_height * raster->ny + NEAR_EDGE_FACTOR)
		return GRID_INDEX_SURE;

	b = bucket_of(py, raster->y0, raster->bucket_height, raster->ny) * raster->nx +
		bucket_of(px, raster->x0, raster->bucket_width, raster->nx);
	for (i = raster->bucket_start[b]; i < raster->bucket_start[b + 1]; i++)
	{
		const IndexedGrid *candidate = &layer->grids[raster->bucket_grids[i]];
		bool		sure = true;

		if (px < candidate->xmin - NEAR_EDGE_FACTOR || px > candidate->xmax + NEAR_EDGE_FACTOR ||
			py < candidate->ymin - NEAR_EDGE_FACTOR || py > candidate->ymax + NEAR_EDGE_FACTOR ||
			candidate->routes_from > at || candidate->valid_to <= at ||
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

/* The unit code a one-row query for the point (and more arguments) answers, 0 for none. */
static int64
unit_by_query(SPIPlanPtr *plan, const SpiQuery *query, Datum *values)
{
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
 * The grid of the layer in force at time at covering the point, 0 if none:
 * from the index when it is sure, else from PostGIS.  funcname names the
 * caller in errors.
 */
static int64
layer_grid_at(const LayerIndex *layer, Datum point, TimestampTz at, const char *funcname)
{
	int64		grid = 0;
	double		lng;
	double		lat;
	Datum		values[3];

	gridcell_postgis_read_point(point, &lng, &lat, funcname);
	/* a NaN or out-of-range point is refused, as gridcell() refuses it */
	if (!(lng >= -180.0 && lng <= 180.0 && lat >= -90.0 && lat <= 90.0))
		grid_index_refuse_swapped(point);
	gridcell_geometry_check_lnglat(lng, lat);
	/* a primary layer without a row in grid_layer has no grids */
	if (layer == NULL)
		return 0;
	/* a schema without versions knows only the current grids */
	if (grid_index->before_layers)
		at = GetCurrentTransactionStartTimestamp();
	if (index_answer(layer, lng, lat, at, &grid) == GRID_INDEX_SURE)
		return grid;
	values[0] = point;
	values[1] = CStringGetTextDatum(layer->name);
	values[2] = TimestampTzGetDatum(at);
	if (grid_index->before_layers)
		return unit_by_query(&grid_at_point_before_layers_plan, &grid_at_point_before_layers_query, values);
	return unit_by_query(&grid_at_point_plan, &grid_at_point_query, values);
}

/*
 * The grid of the primary layer in force at time at covering the point, 0
 * if none: where a case reported then goes.
 */
int64
grid_index_grid_at(Datum point, TimestampTz at)
{
	return layer_grid_at(current_index(spi_plan_namespace())->primary, point, at, "case routing");
}

/*
 * The lowest unit of levels 3 to 5 in force at time at covering a point
 * that no grid covers, 0 if none.  Gaps are rare, so PostGIS answers (over
 * the GiST indexes of gridgov.unit and unit_history); the grid index is
 * neither rebuilt nor asked.
 */
int64
grid_index_gap_unit_at(Datum point, TimestampTz at)
{
	Datum		values[2] = {point, TimestampTzGetDatum(at)};

	if (current_index(spi_plan_namespace())->before_layers)
		return unit_by_query(&gap_unit_at_point_before_layers_plan, &gap_unit_at_point_before_layers_query,
							 values);
	return unit_by_query(&gap_unit_at_point_plan, &gap_unit_at_point_query, values);
}

/*
 * Before any case trigger has run in the session, read the tables of the
 * schema of the calling function fn_oid, and PostGIS's geometry from the
 * type of unit.boundary.
 */
void
grid_index_use_schema_of(Oid fn_oid)
{
	Oid			namespace;
	Oid			unit;

	if (OidIsValid(spi_plan_namespace()))
		return;
	namespace = get_func_namespace(fn_oid);
	unit = get_relname_relid("unit", namespace);
	spi_plan_use_schema(namespace, get_atttype(unit, get_attnum(unit, "boundary")));
}

/*
 * The layer of the index called name: a GG011 error if there is none.
 * Called before any case trigger, the queries take the schema of the
 * calling function fn_oid, and PostGIS's from the type of unit.boundary.
 */
static LayerIndex *
layer_named(const char *name, Oid fn_oid)
{
	LayerIndex *layer;

	grid_index_use_schema_of(fn_oid);
	layer = find_layer(current_index(spi_plan_namespace()), name);
	if (layer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_SUCH_GRID_LAYER),
				 errmsg("grid layer \"%s\" does not exist", name),
				 errhint("The layers are the rows of gridgov.grid_layer.")));
	return layer;
}

/* check_grid_layer(layer): true, or GG011 for a layer that does not exist. */
PG_FUNCTION_INFO_V1(gridgov_check_grid_layer);
Datum
gridgov_check_grid_layer(PG_FUNCTION_ARGS)
{
	layer_named(text_to_cstring(PG_GETARG_TEXT_PP(0)), fcinfo->flinfo->fn_oid);
	PG_RETURN_BOOL(true);
}

/*
 * grid_at(point, layer [, at]): the grid of a layer in force at time at
 * (default now) covering a point, NULL if none; from the same index as
 * routing.
 */
PG_FUNCTION_INFO_V1(gridgov_grid_at);
Datum
gridgov_grid_at(PG_FUNCTION_ARGS)
{
	Datum		point = PG_GETARG_DATUM(0);
	LayerIndex *layer = layer_named(text_to_cstring(PG_GETARG_TEXT_PP(1)), fcinfo->flinfo->fn_oid);
	TimestampTz at = PG_NARGS() > 2 ? PG_GETARG_TIMESTAMPTZ(2) : GetCurrentTransactionStartTimestamp();
	int64		grid;

	grid = layer_grid_at(layer, point, at, "grid_at()");
	if (grid == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(GridcodeGetDatum(grid));
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
	Datum		values[1] = {point};

	gridcell_postgis_read_point(point, &lng, &lat, "case routing");
	/* swapped, the latitude must be one */
	if (!(lng >= -90.0 && lng <= 90.0 && lat >= -180.0 && lat <= 180.0))
		return;
	unit = unit_by_query(&unit_at_swapped_point_plan, &unit_at_swapped_point_query, values);
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
