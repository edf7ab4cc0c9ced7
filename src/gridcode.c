/*
 * gridcode.c
 *		The jurisdiction code type: China's administrative numbering from
 *		province down to building, as one int64.
 *
 * A code has seven segments: province (2 digits), prefecture (2), county (2),
 * township (3), village (3), grid (3) and building (4), 19 digits in all.  The
 * stored value is that 19-digit number with absent levels as zero segments,
 * so the value of a code is also the first value of its subtree, and every
 * descendant lies between it and the same number with all lower segments at
 * their maximum.  That is what lets a btree answer "everything under X" as a
 * range scan, and lets the comparison, hash and sort support be PostgreSQL's
 * own int8 functions (declared in sql/gridcode.sql).
 *
 * The province segment is restricted to 11..91: GB/T 2260 uses 11..82, and
 * 91 keeps the last value of every subtree below 2^63.
 */
#include "postgres.h"

#include "gridcode.h"
#include "gridgov.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

static const char *const level_names[GRIDCODE_LEVELS + 1] = {
	NULL, "province", "prefecture", "county", "township", "village", "grid", "building"
};

/* Refuse a level that gridcode does not have, naming the argument. */
static void
check_level_argument(int level, const char *argname)
{
	if (level < 1 || level > GRIDCODE_LEVELS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range for gridcode", argname, level),
				 errhint("Levels run from 1 (province) to 7 (building).")));
}

/*
 * check_gridcode_level(level integer, parameter text) → boolean: true for a
 * level of gridcode (1 to 7), else the error ancestor() gives, naming the
 * parameter.  For SQL functions that take a level and would otherwise
 * answer nothing for a level that cannot be.
 */
PG_FUNCTION_INFO_V1(gridcode_check_level_sql);
Datum
gridcode_check_level_sql(PG_FUNCTION_ARGS)
{
	check_level_argument(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_BOOL(true);
}

/* Refuse an int64 that is no gridcode, with the caller's SQLSTATE. */
static void
check_code_value(int64 code, int sqlstate, const char *source)
{
	if (!gridcode_is_valid(code))
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s " INT64_FORMAT " is not a valid gridcode", source, code),
				 errdetail("A gridcode is a 19-digit number whose first two digits, the province, lie between %d and %d.",
						   PROVINCE_MIN, PROVINCE_MAX)));
}

/*
 * Parse the text form.  Returns false (after a soft error) on bad input.
 */
static bool
gridcode_parse(const char *str, int64 *result, Node *escontext)
{
	const char *p = str;
	const char *digits;
	int			ndigits = 0;
	uint64		value = 0;
	int			province;
	int			level;

	while (*p != '\0' && isspace((unsigned char) *p))
		p++;
	digits = p;
	while (*p != '\0' && !isspace((unsigned char) *p))
	{
		if (!isdigit((unsigned char) *p))
			gridgov_input_error(escontext, false,
								(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
								 errmsg("invalid input syntax for type %s: \"%s\"", "gridcode", str),
								 errdetail("Character \"%.*s\" at position %d is not a digit.",
										   pg_mblen(p), p, pg_mbstrlen_with_len(str, p - str) + 1),
								 /* a Beidou cell code read as a gridcode, the preferred type */
								 (p == digits && (*p == 'N' || *p == 'S')) ?
								 errhint("A Beidou grid cell is written gridcell '%s'.", str) : 0));
		if (ndigits < GRIDCODE_DIGITS)
			value = value * 10 + (*p - '0');
		ndigits++;
		p++;
	}
	while (*p != '\0' && isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		gridgov_input_error(escontext, false,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type %s: \"%s\"", "gridcode", str),
							 errdetail("A gridcode is one run of digits without spaces inside.")));

	for (level = 1; level <= GRIDCODE_LEVELS; level++)
		if (ndigits == level_digits[level])
			break;
	if (level > GRIDCODE_LEVELS)
		gridgov_input_error(escontext, false,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type %s: \"%s\"", "gridcode", str),
							 errdetail("A gridcode has 2, 4, 6, 9, 12, 15 or 19 digits, not %d.", ndigits),
							 errhint("Codes are province 2 digits, prefecture 2, county 2, township 3, village 3, grid 3, building 4.")));

	province = (digits[0] - '0') * 10 + (digits[1] - '0');
	if (province < PROVINCE_MIN || province > PROVINCE_MAX)
		gridgov_input_error(escontext, false,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type %s: \"%s\"", "gridcode", str),
							 errdetail("The province segment \"%.2s\" is out of range %d to %d.",
									   digits, PROVINCE_MIN, PROVINCE_MAX)));

	*result = (int64) value * level_scale[level];
	return true;
}

/* The type's text input. */
PG_FUNCTION_INFO_V1(gridcode_in);
Datum
gridcode_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int64		code;

	if (!gridcode_parse(str, &code, fcinfo->context))
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(code);
}

/* The canonical form: the code without its trailing zero segments. */
PG_FUNCTION_INFO_V1(gridcode_out);
Datum
gridcode_out(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	int			level = gridcode_level_of(code);

	PG_RETURN_CSTRING(psprintf("%0*" INT64_MODIFIER "d",
							   level_digits[level], code / level_scale[level]));
}

/* The type's binary input, refusing values that are no code. */
PG_FUNCTION_INFO_V1(gridcode_recv);
Datum
gridcode_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		code = pq_getmsgint64(buf);

	check_code_value(code, ERRCODE_INVALID_BINARY_REPRESENTATION, "received value");
	PG_RETURN_GRIDCODE(code);
}

/* bigint -> gridcode; the other way is a binary-coercible cast */
PG_FUNCTION_INFO_V1(gridcode_from_int8);
Datum
gridcode_from_int8(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_INT64(0);

	check_code_value(code, ERRCODE_INVALID_PARAMETER_VALUE, "bigint");
	PG_RETURN_GRIDCODE(code);
}

/* SQL level(gridcode). */
PG_FUNCTION_INFO_V1(gridcode_level);
Datum
gridcode_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gridcode_level_of(PG_GETARG_GRIDCODE(0)));
}

/* SQL level_name(gridcode): the name of a code's level. */
PG_FUNCTION_INFO_V1(gridcode_level_name);
Datum
gridcode_level_name(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(level_names[gridcode_level_of(PG_GETARG_GRIDCODE(0))]));
}

/* level name -> number, so queries can say 'township' instead of 4 */
PG_FUNCTION_INFO_V1(gridcode_level_number);
Datum
gridcode_level_number(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			level;

	for (level = 1; level <= GRIDCODE_LEVELS; level++)
		if (pg_strcasecmp(name, level_names[level]) == 0)
			PG_RETURN_INT32(level);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a gridcode level", name),
			 errhint("The levels are province, prefecture, county, township, village, grid and building.")));
	PG_RETURN_NULL();			/* keep compiler quiet */
}

/* SQL parent(gridcode): the code one level up. */
PG_FUNCTION_INFO_V1(gridcode_parent);
Datum
gridcode_parent(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	int			level = gridcode_level_of(code);

	if (level == 1)
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(gridcode_truncate(code, level - 1));
}

/* The ancestor-or-self at a level; NULL where that level is absent or lower. */
PG_FUNCTION_INFO_V1(gridcode_ancestor);
Datum
gridcode_ancestor(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	int			level = PG_GETARG_INT32(1);

	check_level_argument(level, "level");
	code = gridcode_ancestor_at(code, level);
	if (code == 0)
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(code);
}

/*
 * The ancestors-or-self of a code, province first: the at most seven values
 * a column must equal to be an ancestor-or-self of the code, which an index
 * on that column finds by as many probes.  (gridcode's @> with the column
 * on the ancestor side is no range, so the planner cannot use it.)
 */
PG_FUNCTION_INFO_V1(gridcode_lineage);
Datum
gridcode_lineage(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	Oid			element_type = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	Datum		ancestors[GRIDCODE_LEVELS];
	int			count = 0;
	int			level;

	if (!OidIsValid(element_type))
		elog(ERROR, "could not determine the element type of lineage's result");
	for (level = 1; level <= GRIDCODE_LEVELS; level++)
	{
		int64		ancestor = gridcode_ancestor_at(code, level);

		if (ancestor != 0)
			ancestors[count++] = GridcodeGetDatum(ancestor);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(ancestors, count, element_type, sizeof(int64), true, TYPALIGN_DOUBLE));
}

/* SQL segment(gridcode, level): the code's digits of a level. */
PG_FUNCTION_INFO_V1(gridcode_segment);
Datum
gridcode_segment(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	int			level = PG_GETARG_INT32(1);

	check_level_argument(level, "level");
	PG_RETURN_INT32(gridcode_segment_at(code, level));
}

/* The child of a code at the next level with a given segment. */
static int64
gridcode_make_child(int64 code, int number, int level)
{
	int			own_level = gridcode_level_of(code);

	check_level_argument(level, "child level");
	if (level <= own_level)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a child of a %s must be below level %d", level_names[own_level], own_level),
				 errdetail("The requested child level is %d.", level)));
	if (number < 1 || number > level_segment_max[level])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("child number %d is out of range for a %s", number, level_names[level]),
				 errhint("A %s segment runs from 1 to %d.", level_names[level], level_segment_max[level])));
	return code + number * level_scale[level];
}

/* SQL child(gridcode, segment). */
PG_FUNCTION_INFO_V1(gridcode_child);
Datum
gridcode_child(PG_FUNCTION_ARGS)
{
	int64		code = PG_GETARG_GRIDCODE(0);
	int			level = gridcode_level_of(code);

	if (level == GRIDCODE_LEVELS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gridcode %s is a building and has no children",
						DatumGetCString(DirectFunctionCall1(gridcode_out, GridcodeGetDatum(code))))));
	PG_RETURN_GRIDCODE(gridcode_make_child(code, PG_GETARG_INT32(1), level + 1));
}

/* SQL child(gridcode, level, segment). */
PG_FUNCTION_INFO_V1(gridcode_child_at);
Datum
gridcode_child_at(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(gridcode_make_child(PG_GETARG_GRIDCODE(0), PG_GETARG_INT32(1),
										   PG_GETARG_INT32(2)));
}

/* a @> b: a is b or one of its ancestors */
PG_FUNCTION_INFO_V1(gridcode_contains);
Datum
gridcode_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcode_covers(PG_GETARG_GRIDCODE(0), PG_GETARG_GRIDCODE(1)));
}

/* a <@ b: a is b or one of its descendants */
PG_FUNCTION_INFO_V1(gridcode_contained);
Datum
gridcode_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcode_covers(PG_GETARG_GRIDCODE(1), PG_GETARG_GRIDCODE(0)));
}

/* a is a proper ancestor of b */
PG_FUNCTION_INFO_V1(gridcode_is_ancestor);
Datum
gridcode_is_ancestor(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_GRIDCODE(0);
	int64		b = PG_GETARG_GRIDCODE(1);

	PG_RETURN_BOOL(a != b && gridcode_covers(a, b));
}

/* The deepest code that is an ancestor-or-self of both; NULL across provinces. */
PG_FUNCTION_INFO_V1(gridcode_lca);
Datum
gridcode_lca(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_GRIDCODE(0);
	int64		b = PG_GETARG_GRIDCODE(1);
	int			level;

	for (level = GRIDCODE_LEVELS; level >= 1; level--)
	{
		int64		cut = gridcode_truncate(a, level);

		if (cut == gridcode_truncate(b, level))
			PG_RETURN_GRIDCODE(cut);
	}
	PG_RETURN_NULL();
}

/* Levels from a down to b when a @> b, otherwise NULL. */
PG_FUNCTION_INFO_V1(gridcode_depth_between);
Datum
gridcode_depth_between(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_GRIDCODE(0);
	int64		b = PG_GETARG_GRIDCODE(1);

	if (!gridcode_covers(a, b))
		PG_RETURN_NULL();
	PG_RETURN_INT32(gridcode_level_of(b) - gridcode_level_of(a));
}

/* SQL subtree_last(gridcode): the last value of a code's subtree. */
PG_FUNCTION_INFO_V1(gridcode_subtree_last);
Datum
gridcode_subtree_last(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(gridcode_last_of(PG_GETARG_GRIDCODE(0)));
}
