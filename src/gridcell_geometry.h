/*
 * gridcell_geometry.h
 *		What gridcell_geometry.c offers the other files: checked longitudes
 *		and latitudes, the cell of a point, and a cell's extent.
 */
#ifndef GRIDCELL_GEOMETRY_H
#define GRIDCELL_GEOMETRY_H

#include "gridcell.h"

extern void gridcell_geometry_check_lnglat(double lng, double lat);
extern int64 gridcell_geometry_from_lnglat(double lng, double lat, int level);
extern void gridcell_geometry_extent(int64 cell, int64 *west, int64 *south, int64 *east, int64 *north);

#endif							/* GRIDCELL_GEOMETRY_H */
