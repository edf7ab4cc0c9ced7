/*
 * kpi_planner.c
 *		Planning kpi(c) over gridgov.cases as kpi over the columns it reads.
 *
 * kpi(c) takes the whole row.  To pass it, the executor forms a copy of the
 * case's 44 columns for every row, and the transition function takes it
 * apart again: together more than half of the aggregate's time.  So before
 * planning, this hook rewrites each kpi(c) and kpi(c, as_of) whose argument
 * is the row of gridgov.cases itself into the column form kpi(c.id,
 * c.status, ..., c.satisfaction, as_of) (kpi.c), which counts exactly the
 * same: a missing row of an outer join has a NULL id, as it would have been
 * a NULL row.  Calls with ORDER BY or DISTINCT inside, and rows that come
 * out of a subquery, keep the row form.  Only the plan changes: views and
 * rules keep what their author wrote, and EXPLAIN VERBOSE shows the
 * columns.
 *
 * risk(c, as_of) and risk_cases(c, as_of) get the same treatment, into
 * risk(c.status, c.severity, c.reported_at, as_of) (risk.c).  Besides the
 * speed, the column forms are what Citus can push down: on a shard the case
 * row has the shard's own type, which its partial aggregates refuse
 * ("could not confirm type correctness"), while the columns have plain
 * types (docs/scale-out.md).
 *
 * The OIDs involved are looked up once per backend and forgotten whenever
 * a function or the cases table changes (an extension update, DROP
 * EXTENSION, ALTER TABLE).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "cache.h"
#include "gridgov.h"
#include "kpi.h"
#include "kpi_planner.h"

/* the column form's arguments: the case's id, the fields, as_of */
#define KPI_COLUMN_ARGS		(KPI_NFIELDS + 2)

/* risk's column form's arguments: status, severity, reported_at, as_of */
#define RISK_COLUMN_ARGS	4
static const char *const risk_column_names[RISK_COLUMN_ARGS - 1] = {"status", "severity", "reported_at"};
static const Oid risk_column_types[RISK_COLUMN_ARGS - 1] = {TEXTOID, INT2OID, TIMESTAMPTZOID};

typedef struct KpiCatalog
{
	bool		known;			/* looked up since the last change */
	bool		present;		/* gridgov is installed, with all of these */
	Oid			cases_relid;
	Oid			cases_type;
	Oid			kpi_row;		/* kpi(cases) */
	Oid			kpi_row_as_of;	/* kpi(cases, timestamptz) */
	Oid			kpi_columns;	/* kpi(id, fields..., as_of) */
	AttrNumber	attnum[KPI_COLUMN_ARGS - 1];
	Oid			type[KPI_COLUMN_ARGS - 1];
	int32		typmod[KPI_COLUMN_ARGS - 1];
	Oid			collation[KPI_COLUMN_ARGS - 1];
	bool		risk_present;	/* the risk aggregates and their column forms too */
	Oid			risk_row;		/* risk(cases, timestamptz) */
	Oid			risk_cases_row; /* risk_cases(cases, timestamptz) */
	Oid			risk_columns;	/* risk(status, severity, reported_at, as_of) */
	Oid			risk_cases_columns; /* risk_cases(the same) */
	AttrNumber	risk_attnum[RISK_COLUMN_ARGS - 1];
	int32		risk_typmod[RISK_COLUMN_ARGS - 1];
	Oid			risk_collation[RISK_COLUMN_ARGS - 1];
} KpiCatalog;

static KpiCatalog catalog;
static Oid	catalog_relids[1];
static planner_hook_type previous_planner_hook = NULL;

typedef struct RewriteContext
{
	List	   *queries;		/* the query being walked first, then outer ones */
} RewriteContext;

/* Forget the cached OIDs of the aggregate and its column form. */
static void
forget_catalog(void)
{
	catalog.known = false;
}

/* Syscache callback: a function changed, so forget the cached OIDs. */
static void
forget_catalog_on_proc_change(Datum arg, int cacheid, uint32 hashvalue)
{
	catalog.known = false;
}

/* The column of cases named name: false unless it exists with that type. */
static bool
find_column(int i, const char *name, Oid type)
{
	catalog.attnum[i] = get_attnum(catalog.cases_relid, name);
	if (catalog.attnum[i] == InvalidAttrNumber)
		return false;
	get_atttypetypmodcoll(catalog.cases_relid, catalog.attnum[i],
						  &catalog.type[i], &catalog.typmod[i], &catalog.collation[i]);
	return catalog.type[i] == type;
}

/* gridgov.kpi(argtypes) */
static Oid
kpi_function(Oid namespace, const Oid *argtypes, int nargs)
{
	return gridgov_function(namespace, "kpi", argtypes, nargs);
}

/*
 * The risk aggregates and their column forms, and the columns these read:
 * false unless all are there (an extension older than the library).
 */
static bool
look_up_risk(Oid namespace)
{
	Oid			argtypes[RISK_COLUMN_ARGS];
	int			i;

	argtypes[0] = catalog.cases_type;
	argtypes[1] = TIMESTAMPTZOID;
	catalog.risk_row = gridgov_function(namespace, "risk", argtypes, 2);
	catalog.risk_cases_row = gridgov_function(namespace, "risk_cases", argtypes, 2);
	for (i = 0; i < RISK_COLUMN_ARGS - 1; i++)
		argtypes[i] = risk_column_types[i];
	argtypes[RISK_COLUMN_ARGS - 1] = TIMESTAMPTZOID;
	catalog.risk_columns = gridgov_function(namespace, "risk", argtypes, RISK_COLUMN_ARGS);
	catalog.risk_cases_columns = gridgov_function(namespace, "risk_cases", argtypes, RISK_COLUMN_ARGS);
	if (!OidIsValid(catalog.risk_row) || !OidIsValid(catalog.risk_cases_row) ||
		!OidIsValid(catalog.risk_columns) || !OidIsValid(catalog.risk_cases_columns))
		return false;
	for (i = 0; i < RISK_COLUMN_ARGS - 1; i++)
	{
		Oid			type;

		catalog.risk_attnum[i] = get_attnum(catalog.cases_relid, risk_column_names[i]);
		if (catalog.risk_attnum[i] == InvalidAttrNumber)
			return false;
		get_atttypetypmodcoll(catalog.cases_relid, catalog.risk_attnum[i],
							  &type, &catalog.risk_typmod[i], &catalog.risk_collation[i]);
		if (type != risk_column_types[i])
			return false;
	}
	return true;
}

/* Find and cache the OIDs of kpi(cases) and its column form. */
static void
look_up_catalog(void)
{
	Oid			namespace = get_namespace_oid("gridgov", true);
	Oid			argtypes[KPI_COLUMN_ARGS];
	HeapTuple	tuple;
	bool		id_not_null = false;
	int			f;

	catalog.known = true;
	catalog.present = false;
	catalog.risk_present = false;
	if (!OidIsValid(namespace))
		return;
	/* before reading its columns, so that a change meanwhile is not missed */
	catalog.cases_relid = catalog_relids[0] = get_relname_relid("cases", namespace);
	if (!OidIsValid(catalog.cases_relid))
		return;
	catalog.cases_type = get_rel_type_id(catalog.cases_relid);

	argtypes[0] = catalog.cases_type;
	argtypes[1] = TIMESTAMPTZOID;
	catalog.kpi_row = kpi_function(namespace, argtypes, 1);
	catalog.kpi_row_as_of = kpi_function(namespace, argtypes, 2);
	argtypes[0] = INT8OID;
	for (f = 0; f < KPI_NFIELDS; f++)
		argtypes[f + 1] = kpi_field_type(f);
	argtypes[KPI_COLUMN_ARGS - 1] = TIMESTAMPTZOID;
	catalog.kpi_columns = kpi_function(namespace, argtypes, KPI_COLUMN_ARGS);
	if (!OidIsValid(catalog.kpi_row) || !OidIsValid(catalog.kpi_row_as_of) ||
		!OidIsValid(catalog.kpi_columns))
		return;

	if (!find_column(0, "id", INT8OID))
		return;
	for (f = 0; f < KPI_NFIELDS; f++)
		if (!find_column(f + 1, kpi_field_name(f), kpi_field_type(f)))
			return;
	/* a NULL id must mean a missing row */
	tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(catalog.cases_relid),
							Int16GetDatum(catalog.attnum[0]));
	if (HeapTupleIsValid(tuple))
	{
		id_not_null = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
		ReleaseSysCache(tuple);
	}
	catalog.present = id_not_null;
	if (catalog.present)
		catalog.risk_present = look_up_risk(namespace);
}

/*
 * The row of gridgov.cases itself that an aggregate's first argument is, or
 * NULL: a plain call (no ORDER BY, DISTINCT, *, VARIADIC) over the whole
 * row of a range table entry of the table, not a row out of a subquery.
 */
static Var *
cases_row_argument(Aggref *aggref, RewriteContext *context)
{
	Var		   *row;
	Query	   *query;
	RangeTblEntry *rte;

	if (aggref->aggorder != NIL || aggref->aggdistinct != NIL || aggref->aggstar ||
		aggref->aggvariadic || aggref->aggkind != AGGKIND_NORMAL)
		return NULL;
	row = (Var *) ((TargetEntry *) linitial(aggref->args))->expr;
	if (!IsA(row, Var) || row->varattno != InvalidAttrNumber || row->vartype != catalog.cases_type ||
		row->varlevelsup >= (Index) list_length(context->queries))
		return NULL;
	query = list_nth_node(Query, context->queries, row->varlevelsup);
	rte = rt_fetch(row->varno, query->rtable);
	if (rte->rtekind != RTE_RELATION || rte->relid != catalog.cases_relid)
		return NULL;
	return row;
}

/* Turn one risk(c, as_of) or risk_cases(c, as_of) over cases into its column form. */
static void
rewrite_risk_aggref(Aggref *aggref, RewriteContext *context)
{
	Var		   *row;
	List	   *args = NIL;
	List	   *argtypes = NIL;
	int			i;

	if (!catalog.risk_present ||
		(aggref->aggfnoid != catalog.risk_row && aggref->aggfnoid != catalog.risk_cases_row))
		return;
	row = cases_row_argument(aggref, context);
	if (row == NULL)
		return;
	for (i = 0; i < RISK_COLUMN_ARGS - 1; i++)
	{
		Var		   *column = makeVar(row->varno, catalog.risk_attnum[i], risk_column_types[i],
									 catalog.risk_typmod[i], catalog.risk_collation[i], row->varlevelsup);

		column->location = row->location;
		args = lappend(args, makeTargetEntry((Expr *) column, i + 1, NULL, false));
		argtypes = lappend_oid(argtypes, risk_column_types[i]);
	}
	args = lappend(args, makeTargetEntry(((TargetEntry *) lsecond(aggref->args))->expr,
										 RISK_COLUMN_ARGS, NULL, false));
	argtypes = lappend_oid(argtypes, TIMESTAMPTZOID);

	aggref->aggfnoid = aggref->aggfnoid == catalog.risk_row ? catalog.risk_columns : catalog.risk_cases_columns;
	aggref->args = args;
	aggref->aggargtypes = argtypes;
}

/* Turn one kpi(c) over cases into its column form. */
static void
rewrite_aggref(Aggref *aggref, RewriteContext *context)
{
	Var		   *row;
	List	   *args = NIL;
	List	   *argtypes = NIL;
	Expr	   *as_of;
	int			i;

	if (aggref->aggfnoid != catalog.kpi_row && aggref->aggfnoid != catalog.kpi_row_as_of)
	{
		rewrite_risk_aggref(aggref, context);
		return;
	}
	row = cases_row_argument(aggref, context);
	if (row == NULL)
		return;

	if (aggref->aggfnoid == catalog.kpi_row_as_of)
		as_of = ((TargetEntry *) lsecond(aggref->args))->expr;
	else
		as_of = (Expr *) makeFuncExpr(F_NOW, TIMESTAMPTZOID, NIL, InvalidOid, InvalidOid,
									  COERCE_EXPLICIT_CALL);
	for (i = 0; i < KPI_COLUMN_ARGS - 1; i++)
	{
		Var		   *column = makeVar(row->varno, catalog.attnum[i], catalog.type[i],
									 catalog.typmod[i], catalog.collation[i], row->varlevelsup);

		column->location = row->location;
		args = lappend(args, makeTargetEntry((Expr *) column, i + 1, NULL, false));
		argtypes = lappend_oid(argtypes, catalog.type[i]);
	}
	args = lappend(args, makeTargetEntry(as_of, KPI_COLUMN_ARGS, NULL, false));
	argtypes = lappend_oid(argtypes, TIMESTAMPTZOID);

	aggref->aggfnoid = catalog.kpi_columns;
	aggref->args = args;
	aggref->aggargtypes = argtypes;
}

/* Walk a query tree, rewriting every kpi(c) it holds. */
static bool
rewrite_walker(Node *node, RewriteContext *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		bool		result;

		context->queries = lcons(node, context->queries);
		result = query_tree_walker((Query *) node, rewrite_walker, context, 0);
		context->queries = list_delete_first(context->queries);
		return result;
	}
	/* the arguments first: a kpi(c) inside another's FILTER is rewritten too */
	if (expression_tree_walker(node, rewrite_walker, context))
		return true;
	if (IsA(node, Aggref))
		rewrite_aggref((Aggref *) node, context);
	return false;
}

/* The planner hook: rewrite, then plan as before. */
static PlannedStmt *
kpi_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo bound_params)
{
	if (!catalog.known)
		look_up_catalog();
	if (catalog.present)
	{
		RewriteContext context = {NIL};

		rewrite_walker((Node *) parse, &context);
	}
	if (previous_planner_hook)
		return previous_planner_hook(parse, query_string, cursorOptions, bound_params);
	return standard_planner(parse, query_string, cursorOptions, bound_params);
}

/* from _PG_init: install the planner hook */
void
kpi_planner_init(void)
{
	previous_planner_hook = planner_hook;
	planner_hook = kpi_planner;
	CacheRegisterSyscacheCallback(PROCOID, forget_catalog_on_proc_change, (Datum) 0);
	cache_register(forget_catalog, catalog_relids, lengthof(catalog_relids));
}
