/*
 * case_district.c
 *		The district of a report, found before the case is written:
 *		case_district(), and on Citus the district added to an INSERT into
 *		gridgov.cases that leaves it out.
 *
 * On Citus the cases are distributed by district, and Citus routes an
 * INSERT by the district in the row, before the intake trigger could set it
 * on the shard from the unit (docs/scale-out.md); without one it refuses
 * the row.  So where Citus is loaded and created in the database, parse
 * analysis of an INSERT into gridgov.cases without the district adds it:
 * case_district() over the same unit, location and reported_at, a stable
 * function that Citus evaluates on the coordinator to route the row.  The
 * trigger on the shard places the case again and refuses a district that
 * does not agree, so a volatile expression in a VALUES row, evaluated for
 * both, cannot put a case in the wrong shard.  A multi-row VALUES gets the
 * district in each of its rows, which Citus routes one by one; an INSERT
 * ... SELECT reads its SELECT through a query that adds the district, so
 * that the SELECT's expressions are evaluated once.  COPY is not parsed
 * and still needs the district; in a database without Citus, the trigger
 * alone sets it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parse_coerce.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "case_district.h"
#include "case_engine.h"
#include "grid_index.h"
#include "gridgov.h"

/* The columns case_district() reads, in the order of its arguments. */
#define DISTRICT_NARGS 3
static const char *const district_arg_columns[DISTRICT_NARGS] = {"unit", "location", "reported_at"};

/* An INSERT into cases without its district, and how to compute one. */
typedef struct DistrictInsert
{
	Query	   *query;
	AttrNumber	district_attnum;
	Oid			district_type;
	Oid			function;		/* case_district(unit, location, reported_at) */
	Oid			arg_type[DISTRICT_NARGS];
	TargetEntry *source[DISTRICT_NARGS];	/* the INSERT's entries of those
											 * columns, NULL for one left out */
} DistrictInsert;

/* What an expression of the INSERT's target list is, row by row. */
typedef struct SourceContext
{
	int			varno;			/* the VALUES or SELECT it reads */
	List	   *row;			/* a VALUES row, or NIL: Vars stay Vars */
	int			new_varno;		/* for NIL: where the Vars point to now */
} SourceContext;

static post_parse_analyze_hook_type previous_post_parse_analyze = NULL;

/*
 * case_district(unit, location, reported_at): the district a report
 * belongs to: above its unit if given, else above the grid (or in a gap,
 * the unit) covering its point at reported_at (default now), as the
 * intake trigger places it.  GG003 where the trigger would refuse it.
 */
PG_FUNCTION_INFO_V1(gridgov_case_district);
Datum
gridgov_case_district(PG_FUNCTION_ARGS)
{
	int64		unit;
	bool		in_gap;

	if (!PG_ARGISNULL(0))
		unit = PG_GETARG_GRIDCODE(0);
	else
	{
		TimestampTz reported_at = PG_ARGISNULL(2) ? GetCurrentTransactionStartTimestamp()
			: PG_GETARG_TIMESTAMPTZ(2);

		grid_index_use_schema_of(fcinfo->flinfo->fn_oid);
		unit = case_engine_unit_at(PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1), !PG_ARGISNULL(1),
							reported_at, 0, &in_gap);
	}
	PG_RETURN_GRIDCODE(case_engine_district_above(unit, 0));
}

/*
 * Whether query is an INSERT into gridgov.cases that leaves the district
 * out, with case_district() there to compute it; fills in *insert.
 */
static bool
lacks_district(Query *query, DistrictInsert *insert)
{
	Oid			namespace = get_namespace_oid("gridgov", true);
	Oid			cases;
	ListCell   *cell;
	int			i;

	if (!OidIsValid(namespace) || query->resultRelation == 0)
		return false;
	cases = rt_fetch(query->resultRelation, query->rtable)->relid;
	if (cases != get_relname_relid("cases", namespace))
		return false;
	/* a database of the server without Citus in it keeps its INSERTs as written */
	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	insert->query = query;
	insert->district_attnum = get_attnum(cases, "district");
	if (insert->district_attnum == InvalidAttrNumber)
		return false;
	insert->district_type = get_atttype(cases, insert->district_attnum);
	for (i = 0; i < DISTRICT_NARGS; i++)
	{
		AttrNumber	attnum = get_attnum(cases, district_arg_columns[i]);

		if (attnum == InvalidAttrNumber)
			return false;
		insert->arg_type[i] = get_atttype(cases, attnum);
		insert->source[i] = NULL;
		foreach(cell, query->targetList)
		{
			TargetEntry *entry = lfirst_node(TargetEntry, cell);

			if (entry->resno == insert->district_attnum)
				return false;
			if (entry->resno == attnum)
				insert->source[i] = entry;
		}
	}
	insert->function = gridgov_function(namespace, "case_district", insert->arg_type, DISTRICT_NARGS);
	return OidIsValid(insert->function);
}

/*
 * A target list expression as it stands in one VALUES row (its Vars
 * replaced by the row's expressions), or in the query that adds the
 * district around a SELECT (its Vars pointed there); a DEFAULT is NULL,
 * the default of the columns read.
 */
static Node *
source_expression(Node *node, SourceContext *context)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, SetToDefault))
	{
		SetToDefault *given = (SetToDefault *) node;

		return (Node *) makeNullConst(given->typeId, given->typeMod, given->collation);
	}
	if (IsA(node, Var) && ((Var *) node)->varno == context->varno && ((Var *) node)->varlevelsup == 0)
	{
		Var		   *var = (Var *) node;

		if (context->row != NIL)
			return source_expression(copyObject(list_nth(context->row, var->varattno - 1)), context);
		var = copyObject(var);
		var->varno = var->varnosyn = context->new_varno;
		return (Node *) var;
	}
	return expression_tree_mutator(node, source_expression, context);
}

/* case_district() over the INSERT's unit, location and reported_at as context sees them. */
static Expr *
district_call(const DistrictInsert *insert, SourceContext *context)
{
	List	   *args = NIL;
	int			i;

	for (i = 0; i < DISTRICT_NARGS; i++)
	{
		Node	   *arg;

		if (insert->source[i] == NULL)
			arg = (Node *) makeNullConst(insert->arg_type[i], -1, InvalidOid);
		else
			arg = source_expression(copyObject((Node *) insert->source[i]->expr), context);
		args = lappend(args, arg);
	}
	return (Expr *) makeFuncExpr(insert->function, insert->district_type, args,
								 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
}

/* The district as the INSERT's last target entry. */
static void
add_district_entry(DistrictInsert *insert, Expr *expr)
{
	insert->query->targetList = lappend(insert->query->targetList,
										makeTargetEntry(expr, insert->district_attnum,
														pstrdup("district"), false));
}

/* A multi-row VALUES: the district computed in each row, Citus routing each by its own. */
static void
add_to_values(DistrictInsert *insert, RangeTblEntry *values, Index varno)
{
	SourceContext context = {varno, NIL, 0};
	ListCell   *cell;

	foreach(cell, values->values_lists)
	{
		context.row = (List *) lfirst(cell);
		lfirst(cell) = lappend(context.row, district_call(insert, &context));
	}
	values->coltypes = lappend_oid(values->coltypes, insert->district_type);
	values->coltypmods = lappend_int(values->coltypmods, -1);
	values->colcollations = lappend_oid(values->colcollations, InvalidOid);
	values->eref->colnames = lappend(values->eref->colnames, makeString(pstrdup("district")));
	add_district_entry(insert, (Expr *) makeVar(varno, list_length(values->coltypes),
												insert->district_type, -1, InvalidOid, 0));
}

/*
 * INSERT ... SELECT: the SELECT, one level down, read by a query that
 * computes the INSERT's columns from it, the district among them, so that
 * each of the SELECT's expressions is evaluated once (the planner does not
 * pull up a subquery with volatile expressions in its target list).  The
 * INSERT then takes that query's columns as they are, as Citus wants them.
 */
static void
add_to_select(DistrictInsert *insert, RangeTblEntry *select, Index varno)
{
	Query	   *inner = select->subquery;
	Query	   *outer = makeNode(Query);
	RangeTblEntry *inner_rte = makeNode(RangeTblEntry);
	RangeTblRef *inner_ref = makeNode(RangeTblRef);
	SourceContext context = {varno, NIL, 1};
	List	   *names = NIL;
	ListCell   *cell;

	/* what the SELECT read of the statement's WITH is a level further up */
	IncrementVarSublevelsUp((Node *) inner, 1, 1);
	/*
	 * The INSERT took its literals of unknown type up as they were, to
	 * coerce them to their columns; in a subquery now, they are text.
	 */
	foreach(cell, inner->targetList)
	{
		TargetEntry *entry = lfirst_node(TargetEntry, cell);

		if (IsA(entry->expr, Const) && exprType((Node *) entry->expr) == UNKNOWNOID)
			entry->expr = (Expr *) coerce_type(NULL, (Node *) entry->expr, UNKNOWNOID, TEXTOID, -1,
											   COERCION_IMPLICIT, COERCE_IMPLICIT_CAST, -1);
	}
	inner_rte->rtekind = RTE_SUBQUERY;
	inner_rte->subquery = inner;
	inner_rte->eref = makeAlias("report", select->eref->colnames);
	inner_rte->inFromCl = true;
	inner_ref->rtindex = 1;

	outer->commandType = CMD_SELECT;
	outer->querySource = QSRC_ORIGINAL;
	outer->canSetTag = true;
	outer->rtable = list_make1(inner_rte);
	outer->jointree = makeFromExpr(list_make1(inner_ref), NULL);
	outer->targetList = list_make1(makeTargetEntry(district_call(insert, &context), 1,
												   pstrdup("district"), false));
	names = list_make1(makeString(pstrdup("district")));
	foreach(cell, insert->query->targetList)
	{
		TargetEntry *entry = lfirst_node(TargetEntry, cell);
		Expr	   *expr = (Expr *) source_expression((Node *) entry->expr, &context);
		AttrNumber	resno = list_length(outer->targetList) + 1;

		outer->targetList = lappend(outer->targetList,
									makeTargetEntry(expr, resno, pstrdup(entry->resname), false));
		names = lappend(names, makeString(pstrdup(entry->resname)));
		entry->expr = (Expr *) makeVar(varno, resno, exprType((Node *) expr), exprTypmod((Node *) expr),
									   exprCollation((Node *) expr), 0);
	}
	select->subquery = outer;
	select->eref->colnames = names;
	add_district_entry(insert, (Expr *) makeVar(varno, 1, insert->district_type, -1, InvalidOid, 0));
}

/* Add the district to an INSERT into cases without one, by the shape of its rows. */
static void
add_district(DistrictInsert *insert)
{
	Query	   *query = insert->query;
	RangeTblRef *source;
	RangeTblEntry *rte;
	SourceContext context = {0, NIL, 0};

	if (query->jointree->fromlist == NIL)
	{
		/* a single VALUES row (or DEFAULT VALUES) is the target list itself */
		add_district_entry(insert, district_call(insert, &context));
		return;
	}
	source = linitial_node(RangeTblRef, query->jointree->fromlist);
	rte = rt_fetch(source->rtindex, query->rtable);
	if (rte->rtekind == RTE_VALUES)
		add_to_values(insert, rte, source->rtindex);
	else if (rte->rtekind == RTE_SUBQUERY)
		add_to_select(insert, rte, source->rtindex);
}

/* Add the district to query and its WITH queries, each an INSERT into cases without one. */
static void
add_district_where_lacking(Query *query)
{
	DistrictInsert insert;
	ListCell   *cell;

	if (query->commandType == CMD_INSERT && lacks_district(query, &insert))
		add_district(&insert);
	foreach(cell, query->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, cell);

		if (IsA(cte->ctequery, Query))
			add_district_where_lacking((Query *) cte->ctequery);
	}
}

/* post_parse_analyze_hook: with Citus loaded, INSERTs into cases get their district (lacks_district). */
static void
case_district_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (previous_post_parse_analyze)
		previous_post_parse_analyze(pstate, query, jstate);
	if (GetConfigOption("citus.version", true, false) != NULL)
		add_district_where_lacking(query);
}

/* From _PG_init: the hook. */
void
case_district_init(void)
{
	previous_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = case_district_post_parse_analyze;
}
