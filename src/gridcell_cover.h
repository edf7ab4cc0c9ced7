/*
 * gridcell_cover.h
 *		What gridcell_cover.c offers: a polygon's edges, and the exact
 *		orientation test.
 */
#ifndef GRIDCELL_COVER_H
#define GRIDCELL_COVER_H

#include "gridcell_postgis.h"

typedef struct GridcellEdge
{
	int64		ax,
				ay,
				bx,
				by;
} GridcellEdge;

extern GridcellEdge *gridcell_cover_polygon_edges(const GridcellPolygon *poly, int *nedges);
/* sign of (b - a) x (c - a), exact: > 0 when c is left of a->b */
extern int	gridcell_cover_orientation(int64 ax, int64 ay, int64 bx, int64 by, int64 cx, int64 cy);

#endif							/* GRIDCELL_COVER_H */
