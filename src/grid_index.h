/*
 * grid_index.h
 *		The grid covering a point, from a backend-local index of the grid
 *		boundaries, or from PostGIS where the index is not sure (grid_index.c).
 */
#ifndef GRID_INDEX_H
#define GRID_INDEX_H

#include "datatype/timestamp.h"

/* From case_engine_init: the setting gridgov.grid_index_memory and the cache. */
extern void grid_index_init(void);

/* The grid (unit at level 6) in force at a time covering a geometry point, 0 if none. */
extern int64 grid_index_grid_at(Datum point, TimestampTz at);
/* Refuse a point that a unit would cover with its coordinates swapped (22023); return otherwise. */
extern void grid_index_refuse_swapped(Datum point);

/* The lowest unit of levels 3 to 5 in force at a time covering a point no grid covers, 0 if none. */
extern int64 grid_index_gap_unit_at(Datum point, TimestampTz at);

/* Outside the case triggers: the schema of the calling function fn_oid, unless one is known. */
extern void grid_index_use_schema_of(Oid fn_oid);

#endif							/* GRID_INDEX_H */
