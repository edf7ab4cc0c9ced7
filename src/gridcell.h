/*
 * gridcell.h
 *		What gridcell.c offers the other files: the type's levels, codes,
 *		the arithmetic of its stored value, checks and the start-up hook.
 */
#ifndef GRIDCELL_H
#define GRIDCELL_H

#include "gridgov.h"

/* a gridcell is an int64 in memory and on disk (see gridcell.c) */
#define DatumGetGridcell(X)		((int64) DatumGetInt64(X))
#define GridcellGetDatum(X)		Int64GetDatum(X)
#define PG_GETARG_GRIDCELL(n)	DatumGetGridcell(PG_GETARG_DATUM(n))
#define PG_RETURN_GRIDCELL(x)	return GridcellGetDatum(x)

#define GRIDCELL_LEVELS			10

/*
 * Every coordinate is handled as an integer count of the finest cell's side,
 * 1/2048 of an arc-second, so that the cell of a point is found by integer
 * division, exactly.
 */
#define GRIDCELL_UNITS_PER_DEGREE	INT64CONST(7372800)		/* 3600 * 2048 */
#define GRIDCELL_LNG_LIMIT		(180 * GRIDCELL_UNITS_PER_DEGREE)
#define GRIDCELL_LAT_LIMIT		(88 * GRIDCELL_UNITS_PER_DEGREE)

/* the longest code: level 10 */
#define GRIDCELL_CODE_MAXLEN	20

/*
 * A cell as a place.  Levels 2 to 10 count columns and rows away from the
 * prime meridian and the equator in every quadrant, so a cell is its
 * quadrant plus the absolute longitude and latitude of its corner nearest
 * the origin (the standard's "locating corner"), in units.
 */
typedef struct GridcellPos
{
	int			level;
	bool		east;			/* longitude >= 0 side */
	bool		north;			/* latitude >= 0 side */
	int64		x;				/* |longitude| of the locating corner */
	int64		y;				/* |latitude| of the locating corner */
} GridcellPos;

/* a cell's width and height at each level, in units; index 0 unused */
extern const int64 gridcell_width[GRIDCELL_LEVELS + 1];
extern const int64 gridcell_height[GRIDCELL_LEVELS + 1];

extern int64 gridcell_encode(bool east, bool north, int64 x, int64 y, int level);
extern void gridcell_decode(int64 cell, GridcellPos *pos);
extern int	gridcell_level_of(int64 cell);
extern int64 gridcell_truncate(int64 cell, int level);
extern int64 gridcell_last_of(int64 cell);
extern bool gridcell_covers(int64 ancestor, int64 cell);
extern int64 gridcell_children_count(int level, int target_level);
extern int64 gridcell_nth_descendant(int64 cell, int level, int target_level, int64 n);
extern void gridcell_check_level(int level, const char *argname);
extern int	gridcell_max_cells(void);
extern void gridcell_check_cell_count(int64 count, const char *what);
extern char *gridcell_to_cstring(int64 cell);

/* the start-up hook: defines gridcell's settings (see gridcell.c) */
extern void gridcell_init(void);

#endif							/* GRIDCELL_H */
