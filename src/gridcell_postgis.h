/*
 * gridcell_postgis.h
 *		What gridcell_postgis.c offers: points and polygons read from SRID
 *		4326 geometries without liblwgeom.
 */
#ifndef GRIDCELL_POSTGIS_H
#define GRIDCELL_POSTGIS_H

#include "postgres.h"

typedef struct GridcellRing
{
	bool		outer;			/* the first ring of its polygon, not a hole */
	int			npoints;
	int64	   *x;				/* signed, in units * 2^GRIDCELL_FINE_BITS */
	int64	   *y;
} GridcellRing;

/*
 * Polygon vertices are kept in units of 2^-16 of a unit (about 0.2 µm),
 * rounded exactly from the stored doubles: fine enough that a vertex placed
 * on a cell corner by any float computation lands on it exactly, coarse
 * enough that every orientation test fits in 128-bit integers.
 */
#define GRIDCELL_FINE_BITS		16

typedef struct GridcellPolygon
{
	int			nrings;			/* of all polygons of a multipolygon */
	int64		npoints;		/* in all rings */
	GridcellRing *rings;
	int64		xmin,
				xmax,
				ymin,
				ymax;			/* bounding box, fine units, if npoints > 0 */
} GridcellPolygon;

extern int64 gridcell_postgis_degrees_to_fine(double deg);
extern void gridcell_postgis_read_point(Datum geom, double *lng, double *lat, const char *funcname);
extern GridcellPolygon *gridcell_postgis_read_polygon(Datum geom, const char *funcname);

#endif							/* GRIDCELL_POSTGIS_H */
