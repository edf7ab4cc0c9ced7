/*
 * gridcell_cover.c
 *		cover(polygon, level): the cells of a level that a polygon covers,
 *		each flagged inside (the whole cell lies in the polygon) or not (the
 *		polygon's boundary passes through the cell).
 *
 * A cell belongs to the covering when its interior meets the polygon's
 * interior: cells that only touch the polygon along an edge or at a corner
 * are left out, so the covering of a cell's own boundary at a finer level
 * is exactly its children, all inside.
 *
 * The search descends the cell tree from the level-1 sheets under the
 * polygon's bounding box.  For each cell it keeps the polygon edges whose
 * bounding boxes reach into the cell (the children need no others):
 *   - if one of them passes through the cell's open interior, the cell is
 *     on the boundary: at the target level it is emitted, not inside;
 *     above it, its children are searched;
 *   - otherwise the boundary stays out of the cell's interior, so the whole
 *     cell is in or out, as its center is (even-odd rule, so holes and the
 *     parts of a multipolygon count as PostGIS counts them for valid
 *     geometries): if in, all its cells at the target level are emitted,
 *     inside.
 * The output is in gridcell order, and it stops with an error once it would
 * exceed gridgov.max_cover_cells, before allocating for it.  Before the
 * search, the polygon's area gives a lower bound on the cells it takes at
 * the level: more than the cap, and it is refused at once.  The work's
 * memory is bounded by the polygon's size (the edge bands are sized to at
 * most BAND_ENTRIES_PER_EDGE entries per edge), and freed after each call,
 * so that cover() over a table of polygons does not keep every call's.
 *
 * Coordinates are integers (gridcell.h: vertices rounded to 2^-16 of a
 * level-10 cell, cell corners exact), and every orientation test is exact:
 * a double estimate when it is clear, 128-bit integers when it is not.  So
 * a polygon edge on a cell's edge is never taken for one that crosses it.
 */
#include "postgres.h"

#include <math.h>

#include "common/int128.h"
#include "funcapi.h"
#include "gridcell.h"
#include "gridcell_cover.h"
#include "gridcell_geometry.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

/* the bands' index holds at most this many entries per edge, besides one each */
#define BAND_ENTRIES_PER_EDGE	8

typedef struct CoverState
{
	GridcellEdge *edges;
	int			nedges;

	/* edges by horizontal band of the bounding box, for point-in-polygon */
	int64		band_y0;
	int64		band_height;
	int			nbands;
	int		   *band_start;		/* nbands + 1 offsets into band_edges */
	int		   *band_edges;

	int64		ymin,
				ymax;
	int			target_level;
	int64		emitted;

	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
} CoverState;

/* sign of the cross product (b - a) x (c - a): > 0 when c is left of a->b */
int
gridcell_cover_orientation(int64 ax, int64 ay, int64 bx, int64 by, int64 cx, int64 cy)
{
	int64		dx1 = bx - ax,
				dy1 = by - ay,
				dx2 = cx - ax,
				dy2 = cy - ay;
	double		p1 = (double) dx1 * (double) dy2;
	double		p2 = (double) dy1 * (double) dx2;
	double		det = p1 - p2;
	INT128		exact;

	/* differences are below 2^49, exact as doubles; products round */
	if (fabs(det) > (fabs(p1) + fabs(p2)) * 1e-15)
		return det > 0 ? 1 : -1;

	exact = int64_to_int128(0);
	int128_add_int64_mul_int64(&exact, dx1, dy2);
	int128_add_int64_mul_int64(&exact, -dy1, dx2);
	return int128_compare(exact, int64_to_int128(0));
}

/* can the edge meet the open rectangle?  (bounding boxes overlap in area) */
static inline bool
edge_reaches(const GridcellEdge *e, int64 x0, int64 y0, int64 x1, int64 y1)
{
	return Max(e->ax, e->bx) > x0 && Min(e->ax, e->bx) < x1 &&
		Max(e->ay, e->by) > y0 && Min(e->ay, e->by) < y1;
}

/* Is a point inside a rectangle, off its border? */
static inline bool
strictly_inside(int64 x, int64 y, int64 x0, int64 y0, int64 x1, int64 y1)
{
	return x > x0 && x < x1 && y > y0 && y < y1;
}

/*
 * Does the edge meet the open rectangle?  Given edge_reaches(), the only
 * separating line left to try is the edge's own: they are apart when all
 * four corners lie on one closed side of it.
 */
static bool
edge_crosses(const GridcellEdge *e, int64 x0, int64 y0, int64 x1, int64 y1)
{
	int			s[4];
	bool		left = false,
				right = false;
	int			i;

	if (strictly_inside(e->ax, e->ay, x0, y0, x1, y1) ||
		strictly_inside(e->bx, e->by, x0, y0, x1, y1))
		return true;
	s[0] = gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, x0, y0);
	s[1] = gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, x1, y0);
	s[2] = gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, x1, y1);
	s[3] = gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, x0, y1);
	for (i = 0; i < 4; i++)
	{
		left |= s[i] > 0;
		right |= s[i] < 0;
	}
	return left && right;
}

/*
 * Even-odd point-in-polygon test by a ray toward +x.  The point is never on
 * an edge (it is the center of a cell no edge enters), so the result is
 * exact.
 */
static bool
point_inside(const CoverState *s, int64 px, int64 py)
{
	int			band;
	int			i;
	bool		inside = false;

	if (py < s->ymin || py >= s->ymax)
		return false;
	band = (int) ((py - s->band_y0) / s->band_height);
	for (i = s->band_start[band]; i < s->band_start[band + 1]; i++)
	{
		const GridcellEdge *e = &s->edges[s->band_edges[i]];

		if ((e->ay > py) != (e->by > py))
		{
			int			o = gridcell_cover_orientation(e->ax, e->ay, e->bx, e->by, px, py);

			/* the crossing is right of the point */
			if (o != 0 && (o > 0) == (e->by > e->ay))
				inside = !inside;
		}
	}
	return inside;
}

/* the polygon's edges, without zero-length ones; unclosed rings are closed */
GridcellEdge *
gridcell_cover_polygon_edges(const GridcellPolygon *poly, int *nedges)
{
	GridcellEdge *edges;
	int			capacity = 0;
	int			r;

	for (r = 0; r < poly->nrings; r++)
		capacity += poly->rings[r].npoints + 1;
	edges = palloc(sizeof(GridcellEdge) * Max(capacity, 1));
	*nedges = 0;
	for (r = 0; r < poly->nrings; r++)
	{
		const GridcellRing *ring = &poly->rings[r];
		int			n = ring->npoints;
		int			j;

		for (j = 0; j < n; j++)
		{
			int			k = (j + 1) % n;
			GridcellEdge *e = &edges[*nedges];

			if (ring->x[j] == ring->x[k] && ring->y[j] == ring->y[k])
				continue;
			e->ax = ring->x[j];
			e->ay = ring->y[j];
			e->bx = ring->x[k];
			e->by = ring->y[k];
			(*nedges)++;
		}
	}
	return edges;
}

/*
 * Edges by horizontal band.  An edge goes into every band its y-range
 * enters, so with edges that span much of the height (tall slivers) more
 * bands would multiply the index: the band count is cut so that the edges'
 * total height, in bands, stays within BAND_ENTRIES_PER_EDGE per edge.
 * (Tall edges cross most rays anyway; more bands would not spare tests.)
 */
static void
build_bands(CoverState *s)
{
	int64		span = s->ymax - s->ymin;
	double		height = 0;
	int			nbands;
	int		   *fill;
	int			pass;
	int			i;

	for (i = 0; i < s->nedges; i++)
		height += (double) Abs(s->edges[i].by - s->edges[i].ay);
	nbands = Max(1, Min(s->nedges, 4096));
	if (height * nbands > (double) BAND_ENTRIES_PER_EDGE * s->nedges * (double) span)
		nbands = Max(1, (int) ((double) BAND_ENTRIES_PER_EDGE * s->nedges * ((double) span / height)));
	s->nbands = nbands;
	s->band_y0 = s->ymin;
	s->band_height = span / s->nbands + 1;
	s->band_start = palloc0(sizeof(int) * (s->nbands + 1));
	fill = palloc0(sizeof(int) * s->nbands);

	/* count, then place: an edge goes into every band its y-range enters */
	for (pass = 0; pass < 2; pass++)
	{
		for (i = 0; i < s->nedges; i++)
		{
			const GridcellEdge *e = &s->edges[i];
			int64		lo = Min(e->ay, e->by);
			int64		hi = Max(e->ay, e->by);
			int			b;

			if (lo == hi)
				continue;		/* horizontal edges never cross a ray */
			for (b = (int) ((lo - s->band_y0) / s->band_height);
				 b <= (int) ((hi - 1 - s->band_y0) / s->band_height); b++)
			{
				if (pass == 0)
					s->band_start[b + 1]++;
				else
					s->band_edges[s->band_start[b] + fill[b]++] = i;
			}
		}
		if (pass == 0)
		{
			for (i = 0; i < s->nbands; i++)
				s->band_start[i + 1] += s->band_start[i];
			s->band_edges = palloc(sizeof(int) * Max(s->band_start[s->nbands], 1));
		}
	}
	pfree(fill);
}

/* a cell's extent in signed fine units */
static void
cell_rect(int64 cell, int64 *x0, int64 *y0, int64 *x1, int64 *y1)
{
	const int64 fine = INT64CONST(1) << GRIDCELL_FINE_BITS;

	gridcell_geometry_extent(cell, x0, y0, x1, y1);
	*x0 *= fine;
	*y0 *= fine;
	*x1 *= fine;
	*y1 *= fine;
}

/* Return one cell of the cover, with whether it lies wholly inside. */
static void
emit(CoverState *s, int64 cell, bool inside)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = GridcellGetDatum(cell);
	values[1] = BoolGetDatum(inside);
	tuplestore_putvalues(s->tupstore, s->tupdesc, values, nulls);
	s->emitted++;
}

/* Cover one cell: emit it, or recurse into its children where an edge crosses it. */
static void
cover_cell(CoverState *s, int64 cell, int level, const int *candidates, int ncandidates)
{
	int64		x0,
				y0,
				x1,
				y1;
	int		   *reaching;
	int			nreaching = 0;
	bool		crossing = false;
	int			i;

	CHECK_FOR_INTERRUPTS();
	check_stack_depth();

	cell_rect(cell, &x0, &y0, &x1, &y1);
	reaching = palloc(sizeof(int) * Max(ncandidates, 1));
	for (i = 0; i < ncandidates; i++)
	{
		const GridcellEdge *e = &s->edges[candidates[i]];

		if (!edge_reaches(e, x0, y0, x1, y1))
			continue;
		reaching[nreaching++] = candidates[i];
		if (!crossing)
			crossing = edge_crosses(e, x0, y0, x1, y1);
	}

	if (crossing && level == s->target_level)
	{
		gridcell_check_cell_count(s->emitted + 1, "cover()");
		emit(s, cell, false);
	}
	else if (crossing)
	{
		int64		nchildren = gridcell_children_count(level, level + 1);
		int64		n;

		for (n = 0; n < nchildren; n++)
			cover_cell(s, gridcell_nth_descendant(cell, level, level + 1, n), level + 1,
					   reaching, nreaching);
	}
	else if (point_inside(s, x0 + (x1 - x0) / 2, y0 + (y1 - y0) / 2))
	{
		int64		count = gridcell_children_count(level, s->target_level);
		int64		n;

		gridcell_check_cell_count(s->emitted + count, "cover()");
		for (n = 0; n < count; n++)
			emit(s, gridcell_nth_descendant(cell, level, s->target_level, n), true);
	}
	pfree(reaching);
}

/* |area| of a ring in square fine units, by the shoelace from its first vertex */
static double
ring_area(const GridcellRing *ring)
{
	double		twice = 0;
	int			j;

	/* relative to the first vertex, so that the products stay exact-ish */
	for (j = 1; j + 1 < ring->npoints; j++)
		twice += (double) (ring->x[j] - ring->x[0]) * (double) (ring->y[j + 1] - ring->y[0]) -
			(double) (ring->x[j + 1] - ring->x[0]) * (double) (ring->y[j] - ring->y[0]);
	return fabs(twice) / 2;
}

/*
 * Refuse at once a polygon whose area alone takes more cells of the level
 * than gridgov.max_cover_cells: every cell meeting the interior is in the
 * covering, so the cells' total area is at least the polygon's.  The area
 * is the outer rings' less their holes', exact for a valid (multi)polygon;
 * a slight shortfall is kept for rounding, so the bound never exceeds the
 * true count.
 */
static void
check_cover_area(const GridcellPolygon *poly, int level)
{
	const double fine = (double) (INT64CONST(1) << GRIDCELL_FINE_BITS);
	double		area = 0;
	double		cell_area = (double) gridcell_width[level] * fine * (double) gridcell_height[level] * fine;
	double		cells;
	int			limit = gridcell_max_cells();
	int			r;

	for (r = 0; r < poly->nrings; r++)
		area += poly->rings[r].outer ? ring_area(&poly->rings[r]) : -ring_area(&poly->rings[r]);
	cells = ceil(area * (1 - 1e-9) / cell_area);
	if (cells > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cover() would return more than %d cells", limit),
				 errdetail("The polygon's area alone takes at least %.0f cells of level %d.", cells, level),
				 errhint("Ask for a coarser level, or raise gridgov.max_cover_cells.")));
}

/* the search itself, in a memory context of its own */
static void
cover_polygon(CoverState *s, const GridcellPolygon *poly)
{
	int		   *all;
	int			hemisphere;
	int			i;

	if (poly->npoints == 0)
		return;
	check_cover_area(poly, s->target_level);
	s->edges = gridcell_cover_polygon_edges(poly, &s->nedges);
	if (s->nedges == 0)
		return;
	s->ymin = poly->ymin;
	s->ymax = poly->ymax;
	build_bands(s);

	all = palloc(sizeof(int) * s->nedges);
	for (i = 0; i < s->nedges; i++)
		all[i] = i;

	/* the level-1 sheets in value order: N before S, column 01-60, row A-V */
	for (hemisphere = 0; hemisphere < 2; hemisphere++)
	{
		bool		north = hemisphere == 0;
		int			gx;

		for (gx = -30; gx < 30; gx++)
		{
			bool		east = gx >= 0;
			int64		x = (east ? gx : -gx - 1) * gridcell_width[1];
			int			row;

			for (row = 0; row < 22; row++)
			{
				int64		cell = gridcell_encode(east, north, x, row * gridcell_height[1], 1);
				int64		x0,
							y0,
							x1,
							y1;

				cell_rect(cell, &x0, &y0, &x1, &y1);
				if (x1 <= poly->xmin || x0 >= poly->xmax || y1 <= poly->ymin || y0 >= poly->ymax)
					continue;
				cover_cell(s, cell, 1, all, s->nedges);
			}
		}
	}
}

/* SQL gridcell_cover(polygon, level): the cells covering a polygon. */
PG_FUNCTION_INFO_V1(gridcell_cover);
Datum
gridcell_cover(PG_FUNCTION_ARGS)
{
	int32		level = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo;
	MemoryContext work;
	MemoryContext old;
	CoverState	s;

	gridcell_check_level(level, "level");
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	/* the tuplestore copies the rows; everything else goes with the call */
	work = AllocSetContextCreate(CurrentMemoryContext, "cover()", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	memset(&s, 0, sizeof(s));
	s.tupstore = rsinfo->setResult;
	s.tupdesc = rsinfo->setDesc;
	s.target_level = level;
	cover_polygon(&s, gridcell_postgis_read_polygon(PG_GETARG_DATUM(0), "cover()"));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return (Datum) 0;
}
