/*
 * gridcell_geometry.h
 *		What gridcell_geometry.c offers the other files: checked longitudes
 *		and latitudes, the cell of a point, and a cell's extent.
 */
#ifndef GRIDCELL_GEOMETRY_H
#define GRIDCELL_GEOMETRY_H

#include "gridcell.h"

/*
 * |d| of a finite double d as m * 2^(exp - 53), m below 2^53, read from its
 * bits: what frexp() and ldexp(frac, 53) give, without the two library
 * calls, which cost a tenth of gridcell(geom, level).  A subnormal number
 * gives its unnormalized m and the exponent of the smallest normal ones.
 */
static inline void
gridcell_geometry_double_parts(double d, uint64 *m, int *exp)
{
	uint64		bits;
	int			biased;

	memcpy(&bits, &d, sizeof(bits));
	biased = (int) ((bits >> 52) & 0x7FF);
	*m = bits & ((UINT64CONST(1) << 52) - 1);
	if (biased == 0)
		*exp = -1021;
	else
	{
		*m |= UINT64CONST(1) << 52;
		*exp = biased - 1022;
	}
}

extern void gridcell_geometry_check_lnglat(double lng, double lat);
extern int64 gridcell_geometry_from_lnglat(double lng, double lat, int level);
extern void gridcell_geometry_extent(int64 cell, int64 *west, int64 *south, int64 *east, int64 *north);

#endif							/* GRIDCELL_GEOMETRY_H */
