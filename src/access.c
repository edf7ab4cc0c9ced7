/*
 * access.c
 *		Jurisdiction by role: the tests that gridgov's row-level security
 *		policies call, over the units and categories granted to the
 *		session's role (sql/access.sql, docs/access.md).
 *
 * The grants of the current role, and of every role whose privileges it
 * has (pg_has_role's USAGE: the roles it inherits from), are read once per
 * transaction, as the owner of the grant tables, into sorted arrays of
 * disjoint int8 ranges, one per function (handler, viewer, administrator,
 * auditor) and one for all of them.  A unit's subtree is one contiguous
 * range of codes (gridcode.h), so a grant of a unit is one range and a
 * policy's test is a binary search: no query per row.
 *
 * The key is GetUserId(), an identity a user cannot set without the
 * privileges of the role it becomes, never a setting.  The two functions
 * "for" a role named in their first argument serve case_reporters_rows()
 * (case_reporters.c), which reads the cases as their owner and asks them,
 * on each node that holds cases, what its caller holds; only the owner may
 * call them (sql/access.sql), so no role learns another's grants.  The memory is
 * dropped at the end of every transaction (grants have periods, counted at
 * now(), the transaction's start), when the grant tables change (their
 * invalidate_cache trigger), and when role memberships or role attributes
 * change.  Superusers, roles with BYPASSRLS and members of the grant
 * tables' owner see and hold everything, as row-level security lets them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "access.h"
#include "cache.h"
#include "gridcode.h"
#include "spi_plan.h"

/* The functions a grant gives, as jurisdiction_grant.function names them. */
typedef enum AccessFunction
{
	ACCESS_HANDLER,
	ACCESS_VIEWER,
	ACCESS_ADMINISTRATOR,
	ACCESS_AUDITOR,
	NUM_ACCESS_FUNCTIONS
} AccessFunction;

static const char *const access_function_names[NUM_ACCESS_FUNCTIONS] = {
	"handler", "viewer", "administrator", "auditor"
};

/* A unit's subtree: the codes first to last, both included. */
typedef struct CodeRange
{
	int64		first;
	int64		last;
} CodeRange;

/* Disjoint ranges in ascending order. */
typedef struct RangeSet
{
	CodeRange  *ranges;
	int			nranges;
} RangeSet;

/* A category granted under a unit, with the functions given (a bit each). */
typedef struct CategoryGrant
{
	char	   *category;
	int			length;
	CodeRange	range;
	int			functions;
} CategoryGrant;

/* What the role of the transaction holds. */
typedef struct Holdings
{
	bool		valid;
	Oid			user;
	bool		everything;
	RangeSet	any;
	RangeSet	by_function[NUM_ACCESS_FUNCTIONS];
	CategoryGrant *categories;
	int			ncategories;
} Holdings;

static Holdings holdings;

/* gridgov.personal_data_retention: read by job_personal_data_retention() */
static char *personal_data_retention = NULL;
static MemoryContext holdings_context = NULL;
static Oid	grant_relids[2];

/*
 * The grants in force now, of both tables, with the category (NULL for a
 * unit's grant); $1 is the role whose grants, direct or inherited, count.
 */
static const SpiQuery grants_query = {
	"SELECT g.unit::pg_catalog.int8, g.function, NULL::pg_catalog.text"
	"  FROM %1$s.jurisdiction_grant g"
	" WHERE g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()"
	"   AND pg_catalog.pg_has_role($1, g.grantee::pg_catalog.oid, 'USAGE')"
	" UNION ALL "
	"SELECT g.unit::pg_catalog.int8, g.function, g.category"
	"  FROM %1$s.category_grant g"
	" WHERE g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()"
	"   AND pg_catalog.pg_has_role($1, g.grantee::pg_catalog.oid, 'USAGE')",
	1, {OIDOID}
};
static SPIPlanPtr grants_plan = NULL;

/* Called from invalidation and transaction callbacks: only mark. */
static void
forget_holdings(void)
{
	holdings.valid = false;
}

/* A change of role memberships or attributes: the same. */
static void
forget_holdings_of_roles(Datum arg, int cacheid, uint32 hashvalue)
{
	holdings.valid = false;
}

/* Forget grants with the transaction, tables and roles; define the retention. */
void
access_init(void)
{
	cache_register_transaction_memory(forget_holdings);
	cache_register(forget_holdings, grant_relids, lengthof(grant_relids));
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_holdings_of_roles, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, forget_holdings_of_roles, (Datum) 0);
	/* superuser-only: it decides when every reporter's contact is emptied */
	DefineCustomStringVariable("gridgov.personal_data_retention",
							   "How long after closure reporters' contacts are kept; empty keeps them.",
							   "The background worker's personal_data_retention job runs "
							   "anonymise_personal_data with this interval, such as '2 years'.",
							   &personal_data_retention,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
}

/* Order ranges by their first code. */
static int
compare_ranges(const void *a, const void *b)
{
	int64		x = ((const CodeRange *) a)->first;
	int64		y = ((const CodeRange *) b)->first;

	return (x > y) - (x < y);
}

/* Sort ranges[0..n-1] and merge those that overlap or touch, in place. */
static RangeSet
merge_ranges(CodeRange *ranges, int n)
{
	RangeSet	set = {ranges, 0};
	int			i;

	qsort(ranges, n, sizeof(CodeRange), compare_ranges);
	for (i = 0; i < n; i++)
	{
		CodeRange  *last = set.nranges > 0 ? &ranges[set.nranges - 1] : NULL;

		if (last != NULL && ranges[i].first <= last->last + 1)
			last->last = Max(last->last, ranges[i].last);
		else
			ranges[set.nranges++] = ranges[i];
	}
	return set;
}

/* The function a grant row names; the tables' CHECK allows no other. */
static AccessFunction
function_of_row(const char *name)
{
	int			f;

	for (f = 0; f < NUM_ACCESS_FUNCTIONS; f++)
		if (strcmp(name, access_function_names[f]) == 0)
			return (AccessFunction) f;
	elog(ERROR, "unknown jurisdiction function \"%s\"", name);
	return ACCESS_VIEWER;		/* keep the compiler quiet */
}

/*
 * Fill holdings from the rows of grants_query in SPI_tuptable: per function
 * and together, each grant's subtree; the categories apart.
 */
static void
fill_holdings(void)
{
	uint64		n = SPI_processed;
	CodeRange  *any = palloc(sizeof(CodeRange) * Max(n, 1));
	CodeRange  *by_function[NUM_ACCESS_FUNCTIONS];
	int			counts[NUM_ACCESS_FUNCTIONS] = {0};
	int			nany = 0;
	uint64		i;
	int			f;

	for (f = 0; f < NUM_ACCESS_FUNCTIONS; f++)
		by_function[f] = palloc(sizeof(CodeRange) * Max(n, 1));
	holdings.categories = palloc(sizeof(CategoryGrant) * Max(n, 1));
	holdings.ncategories = 0;
	for (i = 0; i < n; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		unit = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		AccessFunction function = function_of_row(SPI_getvalue(row, desc, 2));
		char	   *category = SPI_getvalue(row, desc, 3);
		CodeRange	range = {unit, gridcode_last_of(unit)};

		if (category == NULL)
		{
			by_function[function][counts[function]++] = range;
			any[nany++] = range;
			continue;
		}
		holdings.categories[holdings.ncategories].category = category;
		holdings.categories[holdings.ncategories].length = strlen(category);
		holdings.categories[holdings.ncategories].range = range;
		holdings.categories[holdings.ncategories].functions = 1 << function;
		holdings.ncategories++;
	}
	holdings.any = merge_ranges(any, nany);
	for (f = 0; f < NUM_ACCESS_FUNCTIONS; f++)
		holdings.by_function[f] = merge_ranges(by_function[f], counts[f]);
}

/*
 * Read the grants of user into holdings, as the owner of the grant tables
 * (whose queries row security does not filter), in holdings_context.
 */
static void
load_holdings(Oid user, Oid namespace)
{
	Oid			grant_table = get_relname_relid("jurisdiction_grant", namespace);
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	Datum		values[1] = {ObjectIdGetDatum(user)};
	MemoryContext caller;

	owner = spi_plan_table_owner(grant_table);

	/* filled before reading, so that a change during the load is not missed */
	grant_relids[0] = grant_table;
	grant_relids[1] = get_relname_relid("category_grant", namespace);

	if (holdings_context == NULL)
		holdings_context = AllocSetContextCreate(TopMemoryContext, "gridgov jurisdiction grants",
												 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(holdings_context);
	memset(&holdings, 0, sizeof(holdings));
	holdings.user = user;
	holdings.everything = superuser_arg(user) || has_bypassrls_privilege(user) ||
		has_privs_of_role(user, owner);
	if (!holdings.everything)
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		GetUserIdAndSecContext(&save_userid, &save_sec_context);
		SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
		if (SPI_execute_plan(spi_plan_get_in(&grants_plan, &grants_query, namespace), values, NULL, true, 0)
			!= SPI_OK_SELECT)
			elog(ERROR, "could not read the jurisdiction grants");
		SetUserIdAndSecContext(save_userid, save_sec_context);
		caller = MemoryContextSwitchTo(holdings_context);
		fill_holdings();
		MemoryContextSwitchTo(caller);
		SPI_finish();
	}
	holdings.valid = true;
}

/* What user holds, read if this transaction has not yet. */
static const Holdings *
holdings_of(Oid user, FunctionCallInfo fcinfo)
{
	if (!holdings.valid || holdings.user != user)
		load_holdings(user, get_func_namespace(fcinfo->flinfo->fn_oid));
	return &holdings;
}

/* What the current role holds. */
static const Holdings *
current_holdings(FunctionCallInfo fcinfo)
{
	return holdings_of(GetUserId(), fcinfo);
}

/* Whether a range of set contains code: a binary search. */
static bool
ranges_contain(const RangeSet *set, int64 code)
{
	int			low = 0;
	int			high = set->nranges - 1;

	while (low <= high)
	{
		int			middle = low + (high - low) / 2;

		if (code < set->ranges[middle].first)
			high = middle - 1;
		else if (code > set->ranges[middle].last)
			low = middle + 1;
		else
			return true;
	}
	return false;
}

/* Whether a range of set meets the codes first..last: a binary search. */
static bool
ranges_meet(const RangeSet *set, int64 first, int64 last)
{
	int			low = 0;
	int			high = set->nranges;

	/* the first range that ends at or after first */
	while (low < high)
	{
		int			middle = low + (high - low) / 2;

		if (set->ranges[middle].last < first)
			low = middle + 1;
		else
			high = middle;
	}
	return low < set->nranges && set->ranges[low].first <= last;
}

/*
 * Whether a category grant with one of the functions (a mask) covers code
 * and category; with meet, whether its unit meets code's subtree instead.
 */
static bool
categories_allow(const Holdings *h, int64 code, text *category, int functions, bool meet)
{
	int			i;

	for (i = 0; i < h->ncategories; i++)
	{
		const CategoryGrant *g = &h->categories[i];

		if ((g->functions & functions) == 0)
			continue;
		if (meet ? (g->range.first <= gridcode_last_of(code) && g->range.last >= code)
			: (code >= g->range.first && code <= g->range.last
			   && category != NULL && (int) VARSIZE_ANY_EXHDR(category) == g->length
			   && memcmp(VARDATA_ANY(category), g->category, g->length) == 0))
			return true;
	}
	return false;
}

/* The function named by a text argument, or an error naming it. */
static AccessFunction
function_of_argument(text *name)
{
	int			length = VARSIZE_ANY_EXHDR(name);
	int			f;

	for (f = 0; f < NUM_ACCESS_FUNCTIONS; f++)
		if (length == (int) strlen(access_function_names[f]) &&
			memcmp(VARDATA_ANY(name), access_function_names[f], length) == 0)
			return (AccessFunction) f;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a jurisdiction function", text_to_cstring(name)),
			 errhint("The functions are handler, viewer, administrator and auditor.")));
	return ACCESS_VIEWER;		/* keep the compiler quiet */
}

/* Whether h holds a grant of any function on code, or of category there. */
static bool
sees(const Holdings *h, int64 code, text *category)
{
	return h->everything || ranges_contain(&h->any, code) || categories_allow(h, code, category, ~0, false);
}

/* Whether h holds function on code, or on category there (NULL: no category). */
static bool
holds(const Holdings *h, int64 code, AccessFunction function, text *category)
{
	return h->everything || ranges_contain(&h->by_function[function], code) ||
		(category != NULL && categories_allow(h, code, category, 1 << function, false));
}

/*
 * jurisdiction_visible(unit): whether the current role holds a grant, of any
 * function, of unit or a unit above it.
 */
PG_FUNCTION_INFO_V1(jurisdiction_visible);
Datum
jurisdiction_visible(PG_FUNCTION_ARGS)
{
	const Holdings *h = current_holdings(fcinfo);

	PG_RETURN_BOOL(h->everything || ranges_contain(&h->any, PG_GETARG_INT64(0)));
}

/*
 * jurisdiction_visible(unit, category): the same, or a grant of the
 * category, of any function, on unit or a unit above it.
 */
PG_FUNCTION_INFO_V1(jurisdiction_visible_category);
Datum
jurisdiction_visible_category(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sees(current_holdings(fcinfo), PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1)));
}

/*
 * jurisdiction_holds(unit, function [, category]): whether the current role
 * holds that function on unit or a unit above it (or, given a category, on
 * that category there).
 */
PG_FUNCTION_INFO_V1(jurisdiction_holds);
Datum
jurisdiction_holds(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(holds(current_holdings(fcinfo), PG_GETARG_INT64(0), function_of_argument(PG_GETARG_TEXT_PP(1)),
						 PG_NARGS() > 2 ? PG_GETARG_TEXT_PP(2) : NULL));
}

/*
 * jurisdiction_acts(unit): whether the current role holds handler or
 * administrator on unit or a unit above it, the test of every policy that
 * lets either record something there; one call instead of two keeps those
 * policies short and reads the holdings once.
 */
PG_FUNCTION_INFO_V1(jurisdiction_acts);
Datum
jurisdiction_acts(PG_FUNCTION_ARGS)
{
	const Holdings *h = current_holdings(fcinfo);
	int64		code = PG_GETARG_INT64(0);

	PG_RETURN_BOOL(h->everything ||
				   ranges_contain(&h->by_function[ACCESS_HANDLER], code) ||
				   ranges_contain(&h->by_function[ACCESS_ADMINISTRATOR], code));
}

/*
 * jurisdiction_covers(unit): whether unit is visible or lies above a unit
 * granted to the current role (any function, categories included): the
 * units whose names its breadcrumbs show.
 */
PG_FUNCTION_INFO_V1(jurisdiction_covers);
Datum
jurisdiction_covers(PG_FUNCTION_ARGS)
{
	const Holdings *h = current_holdings(fcinfo);
	int64		code = PG_GETARG_INT64(0);

	PG_RETURN_BOOL(h->everything || ranges_meet(&h->any, code, gridcode_last_of(code)) ||
				   categories_allow(h, code, NULL, ~0, true));
}

/*
 * jurisdiction_visible_for(role, unit, category): jurisdiction_visible(unit,
 * category) as the role named would answer it; by name, as role OIDs differ
 * from node to node on Citus.
 */
PG_FUNCTION_INFO_V1(jurisdiction_visible_for);
Datum
jurisdiction_visible_for(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sees(holdings_of(get_role_oid(NameStr(*PG_GETARG_NAME(0)), false), fcinfo),
						PG_GETARG_INT64(1), PG_GETARG_TEXT_PP(2)));
}

/*
 * jurisdiction_holds_for(role, unit, function, category):
 * jurisdiction_holds(unit, function, category) as the role named would
 * answer it.
 */
PG_FUNCTION_INFO_V1(jurisdiction_holds_for);
Datum
jurisdiction_holds_for(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(holds(holdings_of(get_role_oid(NameStr(*PG_GETARG_NAME(0)), false), fcinfo),
						 PG_GETARG_INT64(1), function_of_argument(PG_GETARG_TEXT_PP(2)), PG_GETARG_TEXT_PP(3)));
}
