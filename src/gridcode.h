/*
 * gridcode.h
 *		The arithmetic of jurisdiction codes, shared by the gridcode type and
 *		the case engine.  See gridcode.c for the encoding.
 */
#ifndef GRIDCODE_H
#define GRIDCODE_H

#include "fmgr.h"

#define GRIDCODE_LEVELS		7
#define GRIDCODE_DIGITS		19
#define PROVINCE_MIN		11
#define PROVINCE_MAX		91

/* Indexed by level, 1-based; index 0 stands for "above the province". */
static const int level_digits[GRIDCODE_LEVELS + 1] = {0, 2, 4, 6, 9, 12, 15, 19};

/* 10^(19 - level_digits[level]): the place value of a level's last digit */
static const int64 level_scale[GRIDCODE_LEVELS + 1] = {
	0,							/* unused: there is nothing above a province */
	INT64CONST(100000000000000000),
	INT64CONST(1000000000000000),
	INT64CONST(10000000000000),
	INT64CONST(10000000000),
	INT64CONST(10000000),
	INT64CONST(10000),
	INT64CONST(1)
};

/* the largest value of each level's segment */
static const int level_segment_max[GRIDCODE_LEVELS + 1] = {0, 99, 99, 99, 999, 999, 999, 9999};

#define GRIDCODE_MIN	(PROVINCE_MIN * level_scale[1])
#define GRIDCODE_MAX	((PROVINCE_MAX + 1) * level_scale[1] - 1)

static inline bool
gridcode_is_valid(int64 code)
{
	return code >= GRIDCODE_MIN && code <= GRIDCODE_MAX;
}

static inline int
gridcode_segment_at(int64 code, int level)
{
	return (int) ((code / level_scale[level]) % (level_segment_max[level] + 1));
}

/* The level of a code is that of its last non-zero segment. */
static inline int
gridcode_level_of(int64 code)
{
	int			level;

	for (level = 1; level < GRIDCODE_LEVELS; level++)
	{
		if (code % level_scale[level] == 0)
			break;
	}
	return level;
}

/* The code cut after the given level: its ancestor-or-self at that depth. */
static inline int64
gridcode_truncate(int64 code, int level)
{
	if (level >= GRIDCODE_LEVELS)
		return code;
	return code / level_scale[level] * level_scale[level];
}

/* The last value of the code's subtree. */
static inline int64
gridcode_last_of(int64 code)
{
	return code + level_scale[gridcode_level_of(code)] - 1;
}

static inline bool
gridcode_covers(int64 ancestor, int64 code)
{
	return code >= ancestor && code <= gridcode_last_of(ancestor);
}


/* The ancestor-or-self at a level, or 0 where the code has no unit there. */
static inline int64
gridcode_ancestor_at(int64 code, int level)
{
	if (level > gridcode_level_of(code) || gridcode_segment_at(code, level) == 0)
		return 0;
	return gridcode_truncate(code, level);
}

extern Datum gridcode_out(PG_FUNCTION_ARGS);

#endif							/* GRIDCODE_H */
