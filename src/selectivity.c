/*
 * selectivity.c
 *		Restriction and join selectivity of the hierarchy operators <@ and @>
 *		of gridgov's code types.
 *
 * How many rows lie under a code depends above all on its level: in a
 * table of China's units a province holds a thirtieth of the rows, a
 * township about sixteen, a village one.  PostgreSQL's estimate of a range
 * cannot know that.  It interpolates linearly inside a histogram bucket, as
 * if the codes were spread evenly over their numbers, and real codes are
 * sparse (a county's townships use 001 to 020 of its 999 numbers, its
 * villages 001 to 030 or 201 to 230 of each township's), so a subtree
 * smaller than a bucket comes out at about one row, or at thousands when it
 * falls in a bucket that spans a gap.
 *
 * So the estimators read a column's statistics as a level profile: for each
 * level, the share of the column's rows under one code of that level, on
 * average.  Where the histogram's bounds show few distinct codes of a level
 * (provinces, say), it is the rows over their number; where two neighbouring
 * bounds share a parent, the bucket between them holds one bucket's rows
 * across as many codes of the level as their numbers differ by, and the
 * ratio of the two over all such buckets is the share; the deepest level
 * holds one value, whose share the column's number of distinct values gives.
 * Levels in between are interpolated geometrically (each level divides its
 * parent by a similar factor).
 *
 * A constant root is estimated from both: the histogram bounds inside its
 * range bound its share (a range that holds k bounds holds between k-1 and
 * k+1 buckets' rows), and its level's share picks the estimate within those
 * bounds; the most common values inside the range count exactly.  A root that
 * is a column (a join, the inner side of a nested loop, a correlated
 * subquery's parameter) is averaged over that column's statistics, value by
 * value as for a constant.  A root of a known level (ancestor(x, 4)) gets
 * that level's share; any other root the geometric mean of the levels'
 * shares.  Nothing here names a type: level, ancestor and subtree_last are
 * found in the operator's schema for the operand's type (subtree_support.c).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/index_selfuncs.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "gridgov.h"
#include "subtree_support.h"

/* Used when nothing is known of the root: a subtree is a small share. */
#define DEFAULT_SUBTREE_SEL		0.005

/* Without statistics, a join keeps contjoinsel's constant. */
#define DEFAULT_SUBTREE_JOIN_SEL	0.001

/* A value has at most this many ancestors-or-self (gridcell's ten levels). */
#define MAX_ANCESTORS			10.0

/* A cost estimator as IndexOptInfo holds it (its type differs by release) */
#define AMCOSTESTIMATE(function) ((__typeof__(((IndexOptInfo *) NULL)->amcostestimate)) (function))

/* Levels a profile can hold (gridcode has 7, gridcell 10). */
#define MAX_LEVELS				16

/* The smallest share a profile keeps, so that logarithms stay finite. */
#define MIN_SHARE				1e-12

/*
 * A code type as the estimators use it: int64 values ordered by the default
 * btree class, with the functions of its hierarchy.
 */
typedef struct CodeType
{
	Oid			typid;
	Oid			opfamily;
	FmgrInfo	last;			/* subtree_last(type) */
	bool		have_level;
	FmgrInfo	level;			/* level(type) → integer */
	bool		have_ancestor;
	FmgrInfo	ancestor;		/* ancestor(type, integer) → type, or NULL */
} CodeType;

/*
 * A column's statistics read as int64 numbers: its null fraction, its most
 * common values and its histogram, and the level profile drawn from them,
 * fetched once for many roots.
 */
typedef struct Int64Stats
{
	double		nullfrac;
	bool		have_mcv;
	AttStatsSlot mcv;
	double		mcv_total;		/* the share of rows the MCVs hold */
	bool		have_histogram;
	AttStatsSlot histogram;
	double		bucket;			/* the share of rows in a histogram bucket */
	double		rows;			/* the table's rows, 0 when unknown */
	int			deepest;		/* the deepest level in the profile; 0: none */
	int64		width[MAX_LEVELS + 1];	/* numbers a code of the level spans */
	double		share[MAX_LEVELS + 1];	/* rows under one code of the level */
} Int64Stats;

/* Find the type's hierarchy functions; false when it is no code type. */
static bool
code_type_init(CodeType *ct, Oid operator, Oid typid)
{
	Oid			funcid = get_opcode(operator);
	Oid			argtypes[2] = {typid, INT4OID};
	Oid			fn;

	memset(ct, 0, sizeof(*ct));
	ct->typid = typid;
	if (!OidIsValid(typid) || !OidIsValid(funcid) ||
		!get_typbyval(typid) || get_typlen(typid) != sizeof(int64))
		return false;
	ct->opfamily = subtree_support_btree_family(typid);
	fn = subtree_support_last_function(funcid, typid);
	if (!OidIsValid(ct->opfamily) || !OidIsValid(fn))
		return false;
	fmgr_info(fn, &ct->last);
	fn = subtree_support_function(funcid, "level", 1, argtypes, INT4OID);
	if ((ct->have_level = OidIsValid(fn)))
		fmgr_info(fn, &ct->level);
	fn = subtree_support_function(funcid, "ancestor", 2, argtypes, typid);
	if ((ct->have_ancestor = OidIsValid(fn)))
		fmgr_info(fn, &ct->ancestor);
	return true;
}

/* The last value of a code's subtree. */
static int64
code_last(CodeType *ct, int64 value)
{
	return DatumGetInt64(FunctionCall1(&ct->last, Int64GetDatum(value)));
}

/* A code's level, or 0 when the type has no level function. */
static int
code_level(CodeType *ct, int64 value)
{
	if (!ct->have_level)
		return 0;
	return DatumGetInt32(FunctionCall1(&ct->level, Int64GetDatum(value)));
}

/*
 * A code's ancestor-or-self at a level no deeper than its own; false when it
 * has none there (gridcode's skipped levels: Dongguan has no counties).
 */
static bool
code_ancestor(CodeType *ct, int64 value, int level, int64 *ancestor)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	if (!ct->have_ancestor)
		return false;
	InitFunctionCallInfoData(*fcinfo, &ct->ancestor, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = Int64GetDatum(value);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = Int32GetDatum(level);
	fcinfo->args[1].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		return false;
	*ancestor = DatumGetInt64(result);
	return true;
}

/*
 * A value cut to its ancestor-or-self at the level whose codes span "width"
 * numbers: in both types a code's descendants are the next numbers after
 * it, and a code of a level is a multiple of that level's span.
 */
static inline int64
truncate_to(int64 value, int64 width)
{
	return width > 0 ? value - value % width : value;
}

/*
 * The numbers a code of each level spans, from the ancestors of values in
 * the statistics (levels[] their levels); 0 for a level none of them has.
 */
static void
profile_widths(Int64Stats *stats, CodeType *ct, const int64 *values, const int *levels, int n)
{
	int			level;
	int			i;

	for (level = 1; level <= stats->deepest; level++)
	{
		int			tries = 0;

		for (i = 0; i < n && tries < 32 && stats->width[level] == 0; i++)
		{
			int64		ancestor = values[i];

			if (levels[i] < level)
				continue;
			tries++;
			if (levels[i] > level && !code_ancestor(ct, values[i], level, &ancestor))
				continue;
			if (code_last(ct, ancestor) >= ancestor)
				stats->width[level] = code_last(ct, ancestor) - ancestor + 1;
		}
	}
}

/* Whether a sorted array holds a value. */
static bool
sorted_contains(const int64 *sorted, int n, int64 value)
{
	int			lower = 0;
	int			upper = n - 1;

	while (lower <= upper)
	{
		int			middle = lower + (upper - lower) / 2;

		if (sorted[middle] == value)
			return true;
		if (sorted[middle] < value)
			lower = middle + 1;
		else
			upper = middle - 1;
	}
	return false;
}

/*
 * A level's share from the number of its distinct codes among the
 * histogram's bounds and the MCVs, when they are few against the bounds
 * (every code of the level then holds a bound or more, and is seen): the
 * rows at or below the level over that number.  -1 when they are many.
 */
static double
profile_distinct_share(const Int64Stats *stats, const int64 *values, const int *levels,
					   int nmcv, int n, int level, int64 *scratch)
{
	int64		width = stats->width[level];
	int			nbounds = n - nmcv;
	int			sorted = 0;
	int			distinct;
	double		rows = 0.0;
	int			i;
	int			j;

	/* the bounds are sorted, so their codes of the level are too */
	for (i = nmcv; i < n; i++)
	{
		if (levels[i] < level)
			continue;
		rows += stats->bucket * (nbounds - 1) / nbounds;
		if (sorted == 0 || scratch[sorted - 1] != truncate_to(values[i], width))
			scratch[sorted++] = truncate_to(values[i], width);
	}
	if (nbounds > 0 && sorted * 4 > nbounds)
		return -1.0;
	/* the MCVs' codes of the level, where the bounds have not shown them */
	distinct = sorted;
	for (i = 0; i < nmcv; i++)
	{
		int64		code = truncate_to(values[i], width);

		if (levels[i] < level)
			continue;
		rows += stats->mcv.numbers[i];
		for (j = sorted; j < distinct && scratch[j] != code; j++)
			;
		if (j == distinct && !sorted_contains(scratch, sorted, code))
			scratch[distinct++] = code;
	}
	return distinct > 0 ? rows / distinct : -1.0;
}

/* qsort comparator of int64 */
static int
int64_compare(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * A level's share from the buckets whose two bounds share a parent: the
 * codes of the level a bucket crosses are the difference of the bounds'
 * codes of the level, counted in the level's span, and the share of one is
 * the buckets' rows over the codes crossed.  Numbers left unused inside a
 * parent (a county's districts numbered 01 to 03, its counties 21 to 25)
 * count as codes, so the tenth of the buckets that cross most is left out
 * and no bucket counts more than twice the median's crossings.  -1 when too
 * few buckets say anything.
 */
static double
profile_crossing_share(const Int64Stats *stats, const int64 *bounds, int nbounds,
					   int level, int64 *scratch)
{
	int64		width = stats->width[level];
	int64		parent_width = 0;
	int			n = 0;
	int			kept;
	double		crossed = 0.0;
	int			i;

	for (i = level - 1; i >= 1 && parent_width == 0; i--)
		parent_width = stats->width[i];
	for (i = 0; i + 1 < nbounds; i++)
	{
		if (parent_width > 0 &&
			truncate_to(bounds[i], parent_width) != truncate_to(bounds[i + 1], parent_width))
			continue;
		scratch[n++] = (truncate_to(bounds[i + 1], width) - truncate_to(bounds[i], width)) / width;
	}
	if (n < 3 || stats->bucket <= 0.0)
		return -1.0;
	qsort(scratch, n, sizeof(int64), int64_compare);
	kept = n - n / 10;
	for (i = 0; i < kept; i++)
		crossed += (double) Min(scratch[i], Max(1, 2 * scratch[n / 2]));
	if (crossed < 2.0)
		return -1.0;
	/* a share of the histogram's rows, taken as one of all the rows */
	return kept * stats->bucket / crossed * stats->share[0] / (stats->bucket * (nbounds - 1));
}

/*
 * The number of a parent's children that hold rows when its rows fall
 * uniformly at random among its "slots" possible children (the most there
 * can be): slots * (1 - (1 - 1/slots)^rows).
 */
static double
occupancy(double slots, double rows)
{
	if (slots <= 1.0 || rows <= 1.0)
		return 1.0;
	return slots * -expm1(rows * log1p(-1.0 / slots));
}

/* The possible children of a code of the level above, or 0 when unknown. */
static double
level_slots(const Int64Stats *stats, int level)
{
	if (level < 2 || stats->width[level] == 0 || stats->width[level - 1] == 0)
		return 0.0;
	return (double) (stats->width[level - 1] / stats->width[level]) - 1.0;
}

/*
 * How much of the uniform spread the known levels show, nearest to a level
 * first: the children a parent has, over those the occupancy above gives.
 * Codes fill their numbers sparsely (a township's dozen villages of 999
 * numbers) and points their cells in clusters, each a fraction of uniform
 * that varies less from level to level than the children's number does.
 * -1 when no two neighbouring levels are known.
 */
static double
profile_spread(const Int64Stats *stats, const bool *known, int level)
{
	int			distance;

	if (stats->rows <= 0.0)
		return -1.0;
	for (distance = 1; distance <= stats->deepest; distance++)
	{
		int			candidates[2] = {level - distance, level + distance};
		int			i;

		for (i = 0; i < 2; i++)
		{
			int			l = candidates[i];

			if (l >= 2 && l <= stats->deepest && known[l] && known[l - 1] && level_slots(stats, l) > 0.0)
				return Min(1.0, stats->share[l - 1] / stats->share[l] /
						   occupancy(level_slots(stats, l), stats->share[l - 1] * stats->rows));
		}
	}
	return -1.0;
}

/*
 * Fill the levels the statistics said nothing about, level by level from
 * the one above: geometrically towards the next known level (each level
 * divides its parent by the same factor, as China's codes roughly do, ten to
 * fifteen children a unit), but never into more children than the parent's
 * rows can fill when they spread over the level's possible children as the
 * known levels spread theirs (points in a cell far smaller than the column's
 * spread); never below the next known level, nor above the parent.
 */
static void
profile_interpolate(Int64Stats *stats, const bool *known)
{
	int			level;

	for (level = 1; level <= stats->deepest; level++)
	{
		int			next;
		double		children = DBL_MAX;
		double		spread = known[level] ? -1.0 : profile_spread(stats, known, level);
		double		slots = level_slots(stats, level);

		if (known[level])
			continue;
		for (next = level + 1; next <= stats->deepest && !known[next]; next++)
			;
		if (next <= stats->deepest)
			children = pow(stats->share[level - 1] / stats->share[next], 1.0 / (next - level + 1));
		if (spread > 0.0 && slots > 0.0)
			children = Min(children, spread * occupancy(slots, stats->share[level - 1] * stats->rows));
		stats->share[level] = stats->share[level - 1] / Max(1.0, children);
		if (next <= stats->deepest)
			stats->share[level] = Max(stats->share[level], stats->share[next]);
	}
	for (level = 1; level <= stats->deepest; level++)
		stats->share[level] = Max(MIN_SHARE, Min(stats->share[level], stats->share[level - 1]));
}

/*
 * Draw the level profile from loaded statistics; stats->deepest stays 0
 * when the type has no level function or a value is not positive.
 */
static void
profile_build(Int64Stats *stats, CodeType *ct, VariableStatData *vardata)
{
	int			nmcv = stats->have_mcv ? stats->mcv.nvalues : 0;
	int			nbounds = stats->have_histogram ? stats->histogram.nvalues : 0;
	int			n = nmcv + nbounds;
	int64	   *values = palloc(sizeof(int64) * (n + 1));
	int64	   *scratch = palloc(sizeof(int64) * (n + 1));
	int		   *levels = palloc(sizeof(int) * (n + 1));
	bool		known[MAX_LEVELS + 1] = {true};
	double		ndistinct = ((Form_pg_statistic) GETSTRUCT(vardata->statsTuple))->stadistinct;
	int			i;

	/* a negative stadistinct is a share of the rows */
	if (ndistinct < 0.0)
		ndistinct = -ndistinct * stats->rows;

	for (i = 0; i < n; i++)
	{
		values[i] = DatumGetInt64(i < nmcv ? stats->mcv.values[i] : stats->histogram.values[i - nmcv]);
		levels[i] = values[i] > 0 ? code_level(ct, values[i]) : 0;
		if (levels[i] < 1 || levels[i] > MAX_LEVELS)
		{
			stats->deepest = 0;
			return;
		}
		stats->deepest = Max(stats->deepest, levels[i]);
	}
	profile_widths(stats, ct, values, levels, n);
	stats->share[0] = Max(MIN_SHARE, 1.0 - stats->nullfrac);
	for (i = 1; i <= stats->deepest; i++)
	{
		double		share = -1.0;

		if (stats->width[i] == 0)
			continue;
		if (i == stats->deepest && ndistinct >= 1.0)
			share = stats->share[0] / ndistinct;
		if (share < 0.0)
			share = profile_distinct_share(stats, values, levels, nmcv, n, i, scratch);
		if (share < 0.0)
			share = profile_crossing_share(stats, values + nmcv, nbounds, i, scratch);
		if ((known[i] = share > 0.0))
			stats->share[i] = Min(share, 1.0);
	}
	profile_interpolate(stats, known);
	for (i = 1; i <= stats->deepest; i++)
		elog(DEBUG2, "gridgov profile: level %d width " INT64_FORMAT " share %g%s",
			 i, stats->width[i], stats->share[i], known[i] ? " (from the statistics)" : "");
}

/*
 * The rows of the table a column's statistics describe: the planner's
 * figure when it has the relation, else pg_class's (a correlated
 * subquery's outer column); 0 when unknown.
 */
static double
column_rows(VariableStatData *vardata)
{
	HeapTuple	tuple;
	double		rows = 0.0;

	if (vardata->rel != NULL && vardata->rel->tuples > 0)
		return vardata->rel->tuples;
	tuple = SearchSysCache1(RELOID,
							ObjectIdGetDatum(((Form_pg_statistic) GETSTRUCT(vardata->statsTuple))->starelid));
	if (HeapTupleIsValid(tuple))
	{
		rows = Max(0.0, ((Form_pg_class) GETSTRUCT(tuple))->reltuples);
		ReleaseSysCache(tuple);
	}
	return rows;
}

/* Read a column's statistics and their level profile; false when it has none. */
static bool
int64_stats_load(VariableStatData *vardata, CodeType *ct, Int64Stats *stats)
{
	int			i;

	memset(stats, 0, sizeof(*stats));
	if (!HeapTupleIsValid(vardata->statsTuple))
		return false;
	stats->nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata->statsTuple))->stanullfrac;
	stats->rows = column_rows(vardata);

	stats->have_mcv = get_attstatsslot(&stats->mcv, vardata->statsTuple, STATISTIC_KIND_MCV, InvalidOid,
									   ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS);
	for (i = 0; stats->have_mcv && i < stats->mcv.nvalues; i++)
		stats->mcv_total += stats->mcv.numbers[i];

	/* a histogram sorted by another order cannot be read as numbers */
	stats->have_histogram = get_attstatsslot(&stats->histogram, vardata->statsTuple,
											 STATISTIC_KIND_HISTOGRAM, InvalidOid, ATTSTATSSLOT_VALUES);
	if (stats->have_histogram &&
		(stats->histogram.nvalues < 2 ||
		 get_op_opfamily_strategy(stats->histogram.staop, ct->opfamily) != BTLessStrategyNumber))
	{
		free_attstatsslot(&stats->histogram);
		stats->have_histogram = false;
	}
	if (stats->have_histogram)
		stats->bucket = Max(0.0, 1.0 - stats->nullfrac - stats->mcv_total) / (stats->histogram.nvalues - 1);
	if (stats->have_mcv || stats->have_histogram)
		profile_build(stats, ct, vardata);
	/* a column of NULLs has neither, and nothing under any root */
	return stats->have_mcv || stats->have_histogram || stats->nullfrac >= 1.0;
}

/* Release what int64_stats_load fetched. */
static void
int64_stats_free(Int64Stats *stats)
{
	if (stats->have_mcv)
		free_attstatsslot(&stats->mcv);
	if (stats->have_histogram)
		free_attstatsslot(&stats->histogram);
}

/* The share of a level's code, for a root of any level. */
static double
profile_share(const Int64Stats *stats, int level)
{
	if (stats->deepest == 0 || level < 1)
		return -1.0;
	/* a root deeper than every value the statistics saw holds next to none */
	if (level > stats->deepest)
		return 0.0;
	return stats->share[level];
}

/*
 * The geometric mean of the shares of the levels where the tree divides:
 * the estimate for a root of unknown level.  -1 without a profile.
 */
static double
profile_typical_share(const Int64Stats *stats)
{
	double		logs = 0.0;
	int			count = 0;
	int			level;

	for (level = 1; level <= stats->deepest; level++)
		if (stats->share[level] < 0.99 * stats->share[level - 1])
		{
			logs += log(stats->share[level]);
			count++;
		}
	return count > 0 ? exp(logs / count) : -1.0;
}

/*
 * Where a value falls in a histogram of int64 values: the share of the
 * histogram below it, interpolated linearly inside its bucket.  Used only
 * when the type has no level profile.
 */
static double
histogram_position(const Datum *bounds, int nbounds, int64 value)
{
	int			lower = 0;
	int			upper = nbounds - 1;
	int64		left;
	int64		right;

	if (value <= DatumGetInt64(bounds[0]))
		return 0.0;
	if (value >= DatumGetInt64(bounds[nbounds - 1]))
		return 1.0;
	/* bounds[lower] < value <= bounds[upper] */
	while (upper - lower > 1)
	{
		int			middle = (lower + upper) / 2;

		if (DatumGetInt64(bounds[middle]) < value)
			lower = middle;
		else
			upper = middle;
	}
	left = DatumGetInt64(bounds[lower]);
	right = DatumGetInt64(bounds[upper]);
	return (lower + ((double) value - (double) left) / ((double) right - (double) left)) / (nbounds - 1);
}

/* The number of histogram bounds below a value. */
static int
bounds_below(const Datum *bounds, int nbounds, int64 value)
{
	int			lower = 0;
	int			upper = nbounds;

	while (lower < upper)
	{
		int			middle = lower + (upper - lower) / 2;

		if (DatumGetInt64(bounds[middle]) < value)
			lower = middle + 1;
		else
			upper = middle;
	}
	return lower;
}

/*
 * The share of the histogram's rows in the subtree [first, last] of a root
 * of the level: the level's share, kept between the least and the most the
 * bounds inside the range allow; linear interpolation without a profile.
 */
static double
histogram_subtree_share(const Int64Stats *stats, int64 first, int64 last, int level)
{
	const Datum *bounds = stats->histogram.values;
	int			nbounds = stats->histogram.nvalues;
	double		nonmcv = Max(0.0, 1.0 - stats->nullfrac - stats->mcv_total);
	double		share = profile_share(stats, level);
	int			inside;

	if (share < 0.0)
		return nonmcv * (histogram_position(bounds, nbounds, last == PG_INT64_MAX ? last : last + 1)
						 - histogram_position(bounds, nbounds, first));
	if (last < DatumGetInt64(bounds[0]) || first > DatumGetInt64(bounds[nbounds - 1]))
		return 0.0;
	inside = bounds_below(bounds, nbounds, last == PG_INT64_MAX ? last : last + 1)
		- bounds_below(bounds, nbounds, first);
	/* the profile's shares count the MCVs' rows too; the histogram does not */
	share *= nonmcv / stats->share[0];
	share = Max(share, stats->bucket * Max(0, inside - 1));
	share = Min(share, stats->bucket * (inside + 1));
	return share;
}

/* The share of the column's rows under a root, whose subtree is [first, last]. */
static double
int64_stats_subtree_share(const Int64Stats *stats, int64 first, int64 last, int level)
{
	double		share = 0.0;
	int			i;

	for (i = 0; stats->have_mcv && i < stats->mcv.nvalues; i++)
	{
		int64		value = DatumGetInt64(stats->mcv.values[i]);

		if (value >= first && value <= last)
			share += stats->mcv.numbers[i];
	}
	if (stats->have_histogram)
		share += histogram_subtree_share(stats, first, last, level);
	CLAMP_PROBABILITY(share);
	return share;
}

/* The share of the column's rows under a constant root. */
static double
int64_stats_root_share(const Int64Stats *stats, CodeType *ct, int64 root)
{
	return int64_stats_subtree_share(stats, root, code_last(ct, root),
									 stats->deepest > 0 ? code_level(ct, root) : 0);
}

/*
 * The share of the descendant column's rows under a value of the ancestor
 * column, averaged over the ancestor column's rows: the selectivity of a
 * join on the hierarchy operator.  The ancestors are represented by their
 * most common values, each weighted by its frequency, and by the bounds of
 * their histogram, which split the other rows into equal parts; for each,
 * the descendants' statistics give the share under it (as for a constant).
 * A column of townships thus gives a township's share, a column of grids a
 * grid's, whatever the tables hold.
 */
static double
subtree_average_share(const Int64Stats *descendants, const Int64Stats *ancestors, CodeType *ct)
{
	double		total = 0.0;
	double		weight;
	int			i;

	for (i = 0; ancestors->have_mcv && i < ancestors->mcv.nvalues; i++)
		total += ancestors->mcv.numbers[i] *
			int64_stats_root_share(descendants, ct, DatumGetInt64(ancestors->mcv.values[i]));
	if (!ancestors->have_histogram)
		return total;

	weight = Max(0.0, 1.0 - ancestors->nullfrac - ancestors->mcv_total) / ancestors->histogram.nvalues;
	for (i = 0; i < ancestors->histogram.nvalues; i++)
	{
		double		this_weight = weight;

		/*
		 * The first bound is the column's least value, which in tree order
		 * is the root of the first subtree (a province before its units),
		 * not a sample of a hundredth of the rows: it counts as one row.
		 */
		if (i == 0 && ancestors->rows >= 1.0)
			this_weight = Min(weight, 1.0 / ancestors->rows);
		total += this_weight *
			int64_stats_root_share(descendants, ct, DatumGetInt64(ancestors->histogram.values[i]));
	}
	CLAMP_PROBABILITY(total);
	return total;
}

/*
 * The selectivity of "descendant under ancestor" for two columns of a code
 * type, from both columns' statistics, or -1 when either has none.
 */
static double
subtree_columns_selectivity(VariableStatData *descendant, VariableStatData *ancestor, Oid operator)
{
	CodeType	ct;
	Int64Stats	descendant_stats;
	Int64Stats	ancestor_stats;
	double		selectivity = -1.0;

	if (ancestor->vartype != descendant->vartype ||
		!code_type_init(&ct, operator, descendant->vartype))
		return -1.0;

	if (int64_stats_load(descendant, &ct, &descendant_stats))
	{
		if (int64_stats_load(ancestor, &ct, &ancestor_stats))
			selectivity = subtree_average_share(&descendant_stats, &ancestor_stats, &ct);
		int64_stats_free(&ancestor_stats);
	}
	int64_stats_free(&descendant_stats);
	return selectivity;
}

/*
 * The column a correlated subquery's parameter stands for, with its
 * statistics, when it is a plain column of a table of an outer query level
 * that the user may read in full: "(SELECT count(*) FROM t WHERE t.code <@
 * r.code)" is then estimated as a join with r.code.  The outer level's
 * planner has not built its relations yet, so the statistics are read
 * directly.  False when the parameter is anything else.
 */
static bool
outer_param_statistics(PlannerInfo *root, Param *param, VariableStatData *vardata)
{
	PlannerInfo *level;
	Var		   *var = NULL;
	RangeTblEntry *rte;

	if (param->paramkind != PARAM_EXEC)
		return false;
	for (level = root->parent_root; level != NULL && var == NULL; level = level->parent_root)
	{
		ListCell   *lc;

		foreach(lc, level->plan_params)
		{
			PlannerParamItem *item = (PlannerParamItem *) lfirst(lc);

			if (item->paramId == param->paramid && IsA(item->item, Var))
			{
				var = (Var *) item->item;
				break;
			}
		}
		if (var != NULL)
		{
			if (var->varlevelsup != 0 || var->varattno <= 0 ||
				var->varno < 1 || var->varno > list_length(level->parse->rtable))
				return false;
			rte = rt_fetch(var->varno, level->parse->rtable);
			if (rte->rtekind != RTE_RELATION || rte->securityQuals != NIL ||
				(pg_class_aclcheck(rte->relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
				 pg_attribute_aclcheck(rte->relid, var->varattno, GetUserId(), ACL_SELECT) != ACLCHECK_OK))
				return false;
			memset(vardata, 0, sizeof(*vardata));
			vardata->var = (Node *) var;
			vardata->vartype = vardata->atttype = var->vartype;
			vardata->atttypmod = var->vartypmod;
			vardata->acl_ok = true;
			vardata->statsTuple = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(rte->relid),
												  Int16GetDatum(var->varattno), BoolGetDatum(rte->inh));
			vardata->freefunc = ReleaseSysCache;
			return true;
		}
	}
	return false;
}

/*
 * The level of a root written ancestor(x, level) with a constant level, the
 * function of the operator's schema; 0 for any other expression.
 */
static int
root_expression_level(Node *other, Oid operator)
{
	FuncExpr   *call;
	Const	   *level;
	Oid			argtypes[2];

	if (other == NULL || !IsA(other, FuncExpr) || list_length(((FuncExpr *) other)->args) != 2)
		return 0;
	call = (FuncExpr *) other;
	level = (Const *) lsecond(call->args);
	if (!IsA(level, Const) || level->constisnull || level->consttype != INT4OID)
		return 0;
	argtypes[0] = exprType(other);
	argtypes[1] = INT4OID;
	if (call->funcid != subtree_support_function(get_opcode(operator), "ancestor", 2, argtypes, argtypes[0]))
		return 0;
	return DatumGetInt32(level->constvalue);
}

/*
 * The share of a column's rows under a root that is not a constant and not
 * a column with statistics: that of its level when the expression names it,
 * else the typical share of the column's levels; -1 without a profile.
 */
static double
subtree_unknown_root_selectivity(VariableStatData *column, Oid operator, Node *other)
{
	CodeType	ct;
	Int64Stats	stats;
	double		selectivity = -1.0;
	int			level = root_expression_level(other, operator);

	if (!code_type_init(&ct, operator, column->vartype))
		return -1.0;
	if (int64_stats_load(column, &ct, &stats) && stats.deepest > 0)
	{
		if (level >= 1)
			selectivity = profile_share(&stats, level);
		else
			selectivity = profile_typical_share(&stats);
	}
	int64_stats_free(&stats);
	return selectivity;
}

/*
 * The selectivity of a hierarchy operator against an expression that is not
 * a constant: a column of another table, as in the inner side of a nested
 * loop, or of an outer query, as in a correlated subquery, is estimated from
 * both columns' statistics as the join would be; on the descendant side,
 * anything else from the level profile.
 */
static double
subtree_other_column_selectivity(PlannerInfo *root, Oid operator, VariableStatData *column,
								 Node *other, bool column_is_descendant)
{
	VariableStatData other_column;
	double		selectivity;

	if (!IsA(other, Param) || !outer_param_statistics(root, (Param *) other, &other_column))
		examine_variable(root, other, 0, &other_column);
	if (column_is_descendant)
		selectivity = subtree_columns_selectivity(column, &other_column, operator);
	else
		selectivity = subtree_columns_selectivity(&other_column, column, operator);
	ReleaseVariableStats(other_column);
	if (selectivity < 0.0 && column_is_descendant)
		selectivity = subtree_unknown_root_selectivity(column, operator, other);
	return selectivity >= 0.0 ? selectivity : DEFAULT_SUBTREE_SEL;
}

/*
 * "column @> constant": the column is one of the constant's ancestors-or-
 * self, at most one value per level, so the sum of the shares of those
 * values (by the type's equality's estimator); without the ancestor
 * function, at most ten rows.
 */
static double
subtree_ancestors_selectivity(VariableStatData *column, Oid operator, int64 value)
{
	CodeType	ct;
	Oid			eqop;
	int			level;
	int64		previous = 0;
	double		selectivity = 0.0;

	if (!code_type_init(&ct, operator, column->vartype) || !ct.have_ancestor || !ct.have_level ||
		!OidIsValid(eqop = get_opfamily_member(ct.opfamily, ct.typid, ct.typid, BTEqualStrategyNumber)))
	{
		if (column->rel != NULL && column->rel->tuples > 0)
			return Min(DEFAULT_SUBTREE_SEL, MAX_ANCESTORS / column->rel->tuples);
		return DEFAULT_SUBTREE_SEL;
	}
	for (level = Min(code_level(&ct, value), MAX_LEVELS); level >= 1; level--)
	{
		int64		ancestor;

		if (!code_ancestor(&ct, value, level, &ancestor) || ancestor == previous)
			continue;
		selectivity += var_eq_const(column, eqop, InvalidOid, Int64GetDatum(ancestor),
									false, true, false);
		previous = ancestor;
	}
	return selectivity;
}

/* The share of a column's rows under a constant root, or -1 without statistics. */
static double
subtree_constant_selectivity(VariableStatData *column, Oid operator, int64 root)
{
	CodeType	ct;
	Int64Stats	stats;
	double		selectivity = -1.0;

	if (!code_type_init(&ct, operator, column->vartype))
		return -1.0;
	if (int64_stats_load(column, &ct, &stats))
		selectivity = int64_stats_root_share(&stats, &ct, root);
	int64_stats_free(&stats);
	return selectivity;
}

extern Datum subtree_contained_sel(PG_FUNCTION_ARGS);
extern Datum subtree_contains_sel(PG_FUNCTION_ARGS);

/* Whether a clause is a hierarchy operator estimated here. */
static bool
is_subtree_clause(Expr *clause)
{
	FmgrInfo	finfo;
	RegProcedure estimator;

	if (!IsA(clause, OpExpr))
		return false;
	estimator = get_oprrest(((OpExpr *) clause)->opno);
	if (!OidIsValid(estimator))
		return false;
	fmgr_info(estimator, &finfo);
	return finfo.fn_addr == subtree_contained_sel || finfo.fn_addr == subtree_contains_sel;
}

/*
 * btree's cost estimate, corrected for the ranges the hierarchy operators
 * become.  btree costs an index scan by the selectivity of its index
 * conditions, here "code >= R AND code <= subtree_last(R)"; when R is not a
 * constant (a nested loop's outer column, a correlated subquery's
 * parameter) PostgreSQL has no estimate for either comparison and takes
 * 0.5% of the index, hundreds of times a township's rows.  So when the
 * operator's own estimate is smaller, the part of the cost that grows with
 * the rows read (index pages and tuples, and the heap's through the
 * selectivity) is scaled down to it; the descent's cost stays.  Never
 * scaled up: a range btree estimates at less reads at least that.
 */
static void
subtree_btcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					   Cost *indexStartupCost, Cost *indexTotalCost,
					   Selectivity *indexSelectivity, double *indexCorrelation,
					   double *indexPages)
{
	double		factor = 1.0;
	ListCell   *lc;

	btcostestimate(root, path, loop_count, indexStartupCost, indexTotalCost,
				   indexSelectivity, indexCorrelation, indexPages);
	foreach(lc, path->indexclauses)
	{
		IndexClause *iclause = lfirst_node(IndexClause, lc);
		Selectivity derived;
		Selectivity estimated;

		if (iclause->lossy || list_length(iclause->indexquals) != 2 ||
			!is_subtree_clause(iclause->rinfo->clause))
			continue;
		derived = clauselist_selectivity(root, iclause->indexquals, path->indexinfo->rel->relid,
										 JOIN_INNER, NULL);
		estimated = clause_selectivity(root, (Node *) iclause->rinfo, path->indexinfo->rel->relid,
									   JOIN_INNER, NULL);
		if (derived > 0.0 && estimated < derived)
			factor *= estimated / derived;
	}
	if (factor < 1.0)
	{
		*indexTotalCost = *indexStartupCost + (*indexTotalCost - *indexStartupCost) * factor;
		*indexSelectivity *= factor;
		*indexPages = Max(1.0, *indexPages * factor);
	}
}

/*
 * Let the btree indexes of a relation whose column a hierarchy operator
 * restricts cost its ranges by this file's estimates (above).  Done here,
 * from the estimator, because the planner estimates a relation's clauses
 * (set_baserel_size_estimates, and a parameterized path's rows) before it
 * costs its index paths, and because it needs no hook, so the first query
 * of a session is costed as the next.
 */
static void
subtree_index_costs(RelOptInfo *rel)
{
	ListCell   *lc;

	if (rel == NULL || !IS_SIMPLE_REL(rel))
		return;
	foreach(lc, rel->indexlist)
	{
		IndexOptInfo *index = (IndexOptInfo *) lfirst(lc);

		if (index->amcostestimate == AMCOSTESTIMATE(btcostestimate))
			index->amcostestimate = AMCOSTESTIMATE(subtree_btcostestimate);
	}
}

/* "x <@ x" and "x @> x": true unless x is NULL. */
static double
subtree_self_selectivity(PlannerInfo *root, Node *expression, int varRelid)
{
	VariableStatData vardata;
	double		selectivity = 1.0;

	examine_variable(root, expression, varRelid, &vardata);
	if (HeapTupleIsValid(vardata.statsTuple))
		selectivity -= ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
	ReleaseVariableStats(vardata);
	return selectivity;
}

/*
 * Restriction selectivity of a hierarchy operator.  When the column is the
 * descendant side and the root is a constant, it is the share of the
 * column's values under the root, from its statistics (above), else the
 * selectivity of the range's two comparisons.  When the column is the
 * ancestor side, at most one value per level can match.
 */
static double
subtree_selectivity(PlannerInfo *root, Oid operator, List *args, int varRelid,
					bool descendant_on_left)
{
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	double		selectivity = DEFAULT_SUBTREE_SEL;

	if (list_length(args) == 2 && equal(linitial(args), lsecond(args)))
		return subtree_self_selectivity(root, linitial(args), varRelid);
	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return DEFAULT_SUBTREE_SEL;
	if (varonleft == descendant_on_left)
		subtree_index_costs(vardata.rel);

	if (IsA(other, Const) && ((Const *) other)->constisnull)
		selectivity = 0.0;
	else if (exprType(other) != vardata.vartype)
		selectivity = DEFAULT_SUBTREE_SEL;
	else if (IsA(other, Const) && varonleft == descendant_on_left)
	{
		double		from_statistics = subtree_constant_selectivity(&vardata, operator,
																   DatumGetInt64(((Const *) other)->constvalue));
		Oid			opfamily = subtree_support_btree_family(vardata.vartype);
		List	   *range = NIL;

		if (from_statistics >= 0.0)
			selectivity = from_statistics;
		else
		{
			if (OidIsValid(opfamily))
				range = subtree_support_range_clauses(opfamily, get_opcode(operator),
													  (Expr *) vardata.var, (Expr *) other);
			if (range != NIL)
				selectivity = clauselist_selectivity(root, range, varRelid, JOIN_INNER, NULL);
		}
	}
	else if (IsA(other, Const))
		selectivity = subtree_ancestors_selectivity(&vardata, operator,
													DatumGetInt64(((Const *) other)->constvalue));
	else
		selectivity = subtree_other_column_selectivity(root, operator, &vardata, other,
													   varonleft == descendant_on_left);

	ReleaseVariableStats(vardata);
	CLAMP_PROBABILITY(selectivity);
	return selectivity;
}

/* restriction estimator of a <@ b */
PG_FUNCTION_INFO_V1(subtree_contained_sel);
Datum
subtree_contained_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(subtree_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
										 PG_GETARG_OID(1),
										 (List *) PG_GETARG_POINTER(2),
										 PG_GETARG_INT32(3), true));
}

/* restriction estimator of a @> b */
PG_FUNCTION_INFO_V1(subtree_contains_sel);
Datum
subtree_contains_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(subtree_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
										 PG_GETARG_OID(1),
										 (List *) PG_GETARG_POINTER(2),
										 PG_GETARG_INT32(3), false));
}

/*
 * Join selectivity of a hierarchy operator: the average share of the
 * descendant side under a value of the ancestor side, from the two columns'
 * statistics.  Semi and anti joins, and columns without statistics, keep
 * contjoinsel's constant, which these operators had before.
 */
static double
subtree_join_selectivity(PlannerInfo *root, Oid operator, List *args, JoinType jointype,
						 SpecialJoinInfo *sjinfo, bool descendant_on_left)
{
	VariableStatData left;
	VariableStatData right;
	bool		reversed;
	double		selectivity = -1.0;

	if (jointype == JOIN_SEMI || jointype == JOIN_ANTI || list_length(args) != 2)
		return DEFAULT_SUBTREE_JOIN_SEL;

	get_join_variables(root, args, sjinfo, &left, &right, &reversed);
	if (descendant_on_left)
		selectivity = subtree_columns_selectivity(&left, &right, operator);
	else
		selectivity = subtree_columns_selectivity(&right, &left, operator);
	/* an ancestor side without statistics: ancestor(x, 4), or any expression */
	if (selectivity < 0.0 && left.vartype == right.vartype)
		selectivity = descendant_on_left ?
			subtree_unknown_root_selectivity(&left, operator, right.var) :
			subtree_unknown_root_selectivity(&right, operator, left.var);
	ReleaseVariableStats(left);
	ReleaseVariableStats(right);
	return selectivity >= 0.0 ? selectivity : DEFAULT_SUBTREE_JOIN_SEL;
}

/* join estimator of a <@ b */
PG_FUNCTION_INFO_V1(subtree_contained_joinsel);
Datum
subtree_contained_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(subtree_join_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
											  PG_GETARG_OID(1),
											  (List *) PG_GETARG_POINTER(2),
											  (JoinType) PG_GETARG_INT16(3),
											  (SpecialJoinInfo *) PG_GETARG_POINTER(4), true));
}

/* join estimator of a @> b */
PG_FUNCTION_INFO_V1(subtree_contains_joinsel);
Datum
subtree_contains_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(subtree_join_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
											  PG_GETARG_OID(1),
											  (List *) PG_GETARG_POINTER(2),
											  (JoinType) PG_GETARG_INT16(3),
											  (SpecialJoinInfo *) PG_GETARG_POINTER(4), false));
}
