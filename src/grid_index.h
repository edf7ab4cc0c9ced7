/*
 * grid_index.h
 *		The grid covering a point, from a backend-local index of the grid
 *		boundaries (grid_index.c).
 */
#ifndef GRID_INDEX_H
#define GRID_INDEX_H

#include "datatype/timestamp.h"

typedef enum GridIndexAnswer
{
	GRID_INDEX_SURE,			/* *grid is the answer; 0 when no grid covers */
	GRID_INDEX_UNSURE			/* ask PostGIS */
} GridIndexAnswer;

/* from case_engine_init: register the cache */
extern void grid_index_init(void);

/* the grids are gridgov.unit rows at level 6 in schema namespace */
extern GridIndexAnswer grid_index_lookup(Oid namespace, double lng, double lat, int64 *grid);

/* case_lookup.c: every current grid, with whether PostGIS calls it valid */
typedef void (*GridBoundaryCallback) (void *arg, int64 code, TimestampTz valid_to,
									  Datum boundary, bool valid);
extern void grid_boundaries(GridBoundaryCallback callback, void *arg);

#endif							/* GRID_INDEX_H */
