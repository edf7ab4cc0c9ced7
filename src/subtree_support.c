/*
 * subtree_support.c
 *		Planner support for the hierarchy operators of gridgov's code types.
 *
 * gridcode and gridcell share one property: a value X and all its
 * descendants are exactly the values from X to subtree_last(X) in btree
 * order.  So "code <@ X" and "X @> code" are the range
 * "code >= X AND code <= subtree_last(X)".  The support functions below hand
 * that range to the planner as an exact index condition (as PostgreSQL's
 * like_support.c does for LIKE prefixes), and the restriction estimators
 * estimate the operators as that range, from the column's histogram.
 *
 * Nothing here names a type: the type comes from the operand, the btree
 * operators from the type's default btree operator class, and the range end
 * from the function subtree_last(type) in the schema of the operator's
 * function.  A new code type gets all of this by declaring those.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "gridgov.h"

/* Used when the other side is not a constant: a subtree is a small share. */
#define DEFAULT_SUBTREE_SEL		0.005

/* Without statistics, a join keeps contjoinsel's constant. */
#define DEFAULT_SUBTREE_JOIN_SEL	0.001

/* A value has at most this many ancestors-or-self (gridcell's ten levels). */
#define MAX_ANCESTORS			10.0

/*
 * The ordering operators that bound a subtree range: those of the type's
 * default btree operator class.  A non-default or descending class does not
 * order subtrees contiguously, so the caller gives up when the index's
 * family is not this one.
 */
static Oid
default_btree_family(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

/* subtree_last(typid) in the schema of the given function, or InvalidOid */
static Oid
subtree_last_function(Oid sibling_funcid, Oid typid)
{
	char	   *schema = get_namespace_name(get_func_namespace(sibling_funcid));
	List	   *name = list_make2(makeString(schema), makeString("subtree_last"));
	Oid			funcid = LookupFuncName(name, 1, &typid, true);

	if (OidIsValid(funcid) && get_func_rettype(funcid) != typid)
		return InvalidOid;
	return funcid;
}

/*
 * The expression for the last value of the subtree rooted at "root": folded
 * to a constant when the root is one, else a call evaluated once per scan.
 */
static Expr *
subtree_upper_bound(Oid lastfn, Oid typid, Expr *root)
{
	if (IsA(root, Const))
	{
		Const	   *c = (Const *) root;
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(typid, &typlen, &typbyval);
		return (Expr *) makeConst(typid, -1, InvalidOid, typlen,
								  OidFunctionCall1(lastfn, c->constvalue),
								  false, typbyval);
	}
	return (Expr *) makeFuncExpr(lastfn, typid, list_make1(copyObject(root)),
								 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
}

/*
 * "key >= root AND key <= subtree_last(root)" with the given btree family's
 * operators, or NIL when the family lacks them.
 */
static List *
subtree_range_clauses(Oid opfamily, Oid funcid, Expr *key, Expr *root)
{
	Oid			typid = exprType((Node *) key);
	Oid			ge_op = get_opfamily_member(opfamily, typid, typid, BTGreaterEqualStrategyNumber);
	Oid			le_op = get_opfamily_member(opfamily, typid, typid, BTLessEqualStrategyNumber);
	Oid			lastfn = subtree_last_function(funcid, typid);

	if (!OidIsValid(ge_op) || !OidIsValid(le_op) || !OidIsValid(lastfn))
		return NIL;

	return list_make2(make_opclause(ge_op, BOOLOID, false, key,
									(Expr *) copyObject(root), InvalidOid, InvalidOid),
					  make_opclause(le_op, BOOLOID, false, key,
									subtree_upper_bound(lastfn, typid, root),
									InvalidOid, InvalidOid));
}

/*
 * Index conditions for a call whose argument "descendant_arg" is the
 * descendant side.  Only that side can use the range: the ancestors of a
 * value are not contiguous.
 */
static List *
subtree_index_condition(SupportRequestIndexCondition *req, int descendant_arg)
{
	List	   *args;
	Expr	   *key;
	Expr	   *root;

	if (req->indexarg != descendant_arg || req->index->relam != BTREE_AM_OID)
		return NIL;

	if (is_opclause(req->node))
		args = ((OpExpr *) req->node)->args;
	else if (is_funcclause(req->node))
		args = ((FuncExpr *) req->node)->args;
	else
		return NIL;
	if (list_length(args) != 2)
		return NIL;

	key = (Expr *) list_nth(args, descendant_arg);
	root = (Expr *) list_nth(args, 1 - descendant_arg);

	/* the core checks this for operators, not for plain function calls */
	if (!is_pseudo_constant_for_index(req->root, (Node *) root, req->index))
		return NIL;
	if (IsA(root, Const) && ((Const *) root)->constisnull)
		return NIL;
	if (req->opfamily != default_btree_family(exprType((Node *) key)))
		return NIL;

	req->lossy = false;
	return subtree_range_clauses(req->opfamily, req->funcid, key, root);
}

/* The support function of the subtree operators: index condition and selectivity. */
static Datum
subtree_support(FunctionCallInfo fcinfo, int descendant_arg)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		List	   *clauses = subtree_index_condition(req, descendant_arg);

		PG_RETURN_POINTER(clauses);
	}
	PG_RETURN_POINTER(NULL);
}

/* support for contained(a, b), the function of a <@ b */
PG_FUNCTION_INFO_V1(subtree_contained_support);
Datum
subtree_contained_support(PG_FUNCTION_ARGS)
{
	return subtree_support(fcinfo, 0);
}

/* support for contains(a, b), the function of a @> b */
PG_FUNCTION_INFO_V1(subtree_contains_support);
Datum
subtree_contains_support(PG_FUNCTION_ARGS)
{
	return subtree_support(fcinfo, 1);
}

/*
 * Where a value falls in a histogram of int64 values: the share of the
 * histogram below it, interpolated linearly inside its bucket.
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

/*
 * A column's statistics read as int64 numbers: its null fraction, its most
 * common values and its histogram, fetched once for many ranges.  Values are
 * int64 in gridgov's code types and ordered as such by their default btree
 * class, so the histogram can be interpolated inside a bucket on those
 * numbers.  PostgreSQL's own estimator of a range cannot do that for a type
 * it does not know: it puts a range inside one bucket (every small subtree)
 * at no rows at all, and the planner then picks plans for one row where
 * there are thousands.
 */
typedef struct Int64Stats
{
	double		nullfrac;
	bool		have_mcv;
	AttStatsSlot mcv;
	double		mcv_total;		/* the share of rows the MCVs hold */
	bool		have_histogram;
	AttStatsSlot histogram;
} Int64Stats;

/* Read a column's statistics; false when it has none to read. */
static bool
int64_stats_load(VariableStatData *vardata, Oid opfamily, Int64Stats *stats)
{
	int			i;

	memset(stats, 0, sizeof(*stats));
	if (!HeapTupleIsValid(vardata->statsTuple))
		return false;
	stats->nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata->statsTuple))->stanullfrac;

	stats->have_mcv = get_attstatsslot(&stats->mcv, vardata->statsTuple, STATISTIC_KIND_MCV, InvalidOid,
									   ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS);
	for (i = 0; stats->have_mcv && i < stats->mcv.nvalues; i++)
		stats->mcv_total += stats->mcv.numbers[i];

	/* a histogram sorted by another order cannot be read as numbers */
	stats->have_histogram = get_attstatsslot(&stats->histogram, vardata->statsTuple,
											 STATISTIC_KIND_HISTOGRAM, InvalidOid, ATTSTATSSLOT_VALUES);
	if (stats->have_histogram &&
		(stats->histogram.nvalues < 2 ||
		 get_op_opfamily_strategy(stats->histogram.staop, opfamily) != BTLessStrategyNumber))
	{
		free_attstatsslot(&stats->histogram);
		stats->have_histogram = false;
	}
	return stats->have_mcv || stats->have_histogram;
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

/* The share of the column's rows whose value lies in [first, last]. */
static double
int64_stats_range_share(const Int64Stats *stats, int64 first, int64 last)
{
	double		mcv_in_range = 0.0;
	double		share;
	int			i;

	for (i = 0; stats->have_mcv && i < stats->mcv.nvalues; i++)
	{
		int64		value = DatumGetInt64(stats->mcv.values[i]);

		if (value >= first && value <= last)
			mcv_in_range += stats->mcv.numbers[i];
	}
	if (!stats->have_histogram)
		return mcv_in_range;

	/* last + 1: the range includes its last value */
	share = histogram_position(stats->histogram.values, stats->histogram.nvalues,
							   last == PG_INT64_MAX ? last : last + 1)
		- histogram_position(stats->histogram.values, stats->histogram.nvalues, first);
	share = mcv_in_range + share * Max(0.0, 1.0 - stats->nullfrac - stats->mcv_total);
	CLAMP_PROBABILITY(share);
	return share;
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
subtree_average_share(const Int64Stats *descendants, const Int64Stats *ancestors, Oid lastfn)
{
	double		total = 0.0;
	double		weight;
	int			i;

	for (i = 0; ancestors->have_mcv && i < ancestors->mcv.nvalues; i++)
	{
		Datum		value = ancestors->mcv.values[i];

		total += ancestors->mcv.numbers[i] *
			int64_stats_range_share(descendants, DatumGetInt64(value),
									DatumGetInt64(OidFunctionCall1(lastfn, value)));
	}
	if (!ancestors->have_histogram)
		return total;

	weight = Max(0.0, 1.0 - ancestors->nullfrac - ancestors->mcv_total) / ancestors->histogram.nvalues;
	for (i = 0; i < ancestors->histogram.nvalues; i++)
	{
		Datum		value = ancestors->histogram.values[i];

		total += weight *
			int64_stats_range_share(descendants, DatumGetInt64(value),
									DatumGetInt64(OidFunctionCall1(lastfn, value)));
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
	Oid			typid = descendant->vartype;
	Oid			opfamily = default_btree_family(typid);
	Oid			lastfn;
	Int64Stats	descendant_stats;
	Int64Stats	ancestor_stats;
	double		selectivity = -1.0;

	if (ancestor->vartype != typid || !OidIsValid(opfamily) ||
		!get_typbyval(typid) || get_typlen(typid) != sizeof(int64))
		return -1.0;
	lastfn = subtree_last_function(get_opcode(operator), typid);
	if (!OidIsValid(lastfn))
		return -1.0;

	if (int64_stats_load(descendant, opfamily, &descendant_stats))
	{
		if (int64_stats_load(ancestor, opfamily, &ancestor_stats))
			selectivity = subtree_average_share(&descendant_stats, &ancestor_stats, lastfn);
		int64_stats_free(&ancestor_stats);
	}
	int64_stats_free(&descendant_stats);
	return selectivity;
}

/*
 * The share of a column's rows whose value lies in [first, last], from its
 * statistics, or -1 when it has none.
 */
static double
int64_range_selectivity(VariableStatData *vardata, Oid opfamily, int64 first, int64 last)
{
	Int64Stats	stats;
	double		selectivity = -1.0;

	if (int64_stats_load(vardata, opfamily, &stats))
		selectivity = int64_stats_range_share(&stats, first, last);
	int64_stats_free(&stats);
	return selectivity;
}

/*
 * The selectivity of a hierarchy operator against an expression that is not
 * a constant: a column of another table, as in the inner side of a nested
 * loop, is estimated from both columns' statistics as the join would be.
 */
static double
subtree_other_column_selectivity(PlannerInfo *root, Oid operator, VariableStatData *column,
								 Node *other, bool column_is_descendant)
{
	VariableStatData other_column;
	double		selectivity;

	examine_variable(root, other, 0, &other_column);
	if (column_is_descendant)
		selectivity = subtree_columns_selectivity(column, &other_column, operator);
	else
		selectivity = subtree_columns_selectivity(&other_column, column, operator);
	ReleaseVariableStats(other_column);
	return selectivity >= 0.0 ? selectivity : DEFAULT_SUBTREE_SEL;
}

/*
 * Restriction selectivity of a hierarchy operator.  When the column is the
 * descendant side and the root is a constant, it is the share of the
 * column's values in the root's range, read from its statistics (above),
 * else the selectivity of the range's two comparisons.  When the column is
 * the ancestor side, at most one value per level can match.
 */
static double
subtree_selectivity(PlannerInfo *root, Oid operator, List *args, int varRelid,
					bool descendant_on_left)
{
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	double		selectivity = DEFAULT_SUBTREE_SEL;

	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return DEFAULT_SUBTREE_SEL;

	if (IsA(other, Const) && ((Const *) other)->constisnull)
		selectivity = 0.0;
	else if (IsA(other, Const) && varonleft == descendant_on_left)
	{
		Oid			typid = exprType(other);
		Oid			opfamily = default_btree_family(typid);
		List	   *range = NIL;

		Oid			lastfn = subtree_last_function(get_opcode(operator), typid);
		double		from_statistics = -1.0;

		if (OidIsValid(opfamily) && OidIsValid(lastfn) && get_typbyval(typid) && get_typlen(typid) == sizeof(int64))
		{
			Datum		first = ((Const *) other)->constvalue;

			from_statistics = int64_range_selectivity(&vardata, opfamily, DatumGetInt64(first),
													  DatumGetInt64(OidFunctionCall1(lastfn, first)));
		}
		if (from_statistics >= 0.0)
			selectivity = from_statistics;
		else
		{
			if (OidIsValid(opfamily))
				range = subtree_range_clauses(opfamily, get_opcode(operator),
											  (Expr *) vardata.var, (Expr *) other);
			if (range != NIL)
				selectivity = clauselist_selectivity(root, range, varRelid, JOIN_INNER, NULL);
		}
	}
	else if (IsA(other, Const) && vardata.rel != NULL && vardata.rel->tuples > 0)
		selectivity = Min(DEFAULT_SUBTREE_SEL, MAX_ANCESTORS / vardata.rel->tuples);
	else if (!IsA(other, Const))
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

	if (jointype == JOIN_SEMI || jointype == JOIN_ANTI)
		return DEFAULT_SUBTREE_JOIN_SEL;

	get_join_variables(root, args, sjinfo, &left, &right, &reversed);
	if (descendant_on_left)
		selectivity = subtree_columns_selectivity(&left, &right, operator);
	else
		selectivity = subtree_columns_selectivity(&right, &left, operator);
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
