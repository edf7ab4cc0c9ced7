/*
 * risk.c
 *		The risk score's aggregate: a decayed, weighted count of cases.
 *
 * A case reported at t with severity s contributes, at an instant as_of,
 *
 *		weight(s) * 2^(-(as_of - t) / half_life)
 *
 * when t <= as_of and the case was neither rejected nor merged into another;
 * the score is the sum over a group of cases.  Sums of exponentials with one
 * reference instant are plain sums, so partial states from parallel workers
 * (and later Citus shards) combine by addition.
 *
 * The state is a float8[] of STATE_LENGTH elements, so that it is no
 * internal type (Citus pushes an aggregate down only with a real state type):
 *
 *		[0] as_of, in microseconds since 2000-01-01 (exact in a double for
 *			the next 280 years)
 *		[1] the half-life in seconds that the state was computed with
 *		[2] the weighted, decayed mass referenced to as_of
 *		[3] the number of cases that contributed
 *
 * The weights and the half-life are read once per query and aggregate (the
 * settings hang off the transition function's FmgrInfo) through the SQL
 * functions risk_half_life() and risk_weights() of the extension's schema,
 * which fill in the built-in defaults for what the tables leave out.
 *
 * risk(c, as_of) takes the whole case row; its column form risk(status,
 * severity, reported_at, as_of) takes the three columns it reads.  The
 * planner rewrites the first into the second over gridgov.cases
 * (kpi_planner.c): on a Citus shard the row has the shard's own type, which
 * Citus's partial aggregates refuse, while the columns have plain types.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#define STATE_LENGTH	4
#define S_AS_OF			0
#define S_HALF_LIFE		1
#define S_MASS			2
#define S_CASES			3

#define MAX_SEVERITY	4

/*
 * The instants risk is computed at: from 2000-01-01 00:00 UTC (gridgov's
 * epoch, before any grid governance) up to, not including, 2200-01-01 UTC.
 * Within them the state's as_of is exact (2^53 microseconds is 285 years),
 * and a time far outside them is a mistake that would otherwise run
 * through a rollup of days that never end, or fail deep in a query.
 */
#define RISK_FIRST_YEAR	2000
#define RISK_END_YEAR	2200

/* what the transition function keeps for the length of a query */
typedef struct RiskSettings
{
	double		half_life;		/* seconds */
	double		weight[MAX_SEVERITY + 1];	/* by severity, [0] unused */
	Oid			rowtype;		/* the cases row type these attnums are for */
	int32		rowtypmod;
	TupleDesc	tupdesc;
	AttrNumber	att_severity;
	AttrNumber	att_reported_at;
	AttrNumber	att_status;
} RiskSettings;

/* ----------------------------------------------------------------------
 * Settings
 * ----------------------------------------------------------------------
 */

/* The attribute number of a column of the row type, which must have a type. */
static AttrNumber
risk_column(TupleDesc tupdesc, const char *name, Oid type)
{
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
		{
			if (att->atttypid != type)
				break;
			return att->attnum;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("risk() needs a row with a column \"%s\" of type %s", name, format_type_be(type)),
			 errhint("Pass rows of gridgov.cases.")));
	return InvalidAttrNumber;	/* keep the compiler quiet */
}

/*
 * Read the half-life and the weights in effect, through the SQL functions
 * next to the transition function (the extension's schema).  Read-only SPI
 * on the query's snapshot: fine in a parallel worker too.
 */
static void
risk_read_settings(RiskSettings *settings, Oid fn_oid)
{
	const char *schema = quote_identifier(get_namespace_name(get_func_namespace(fn_oid)));
	bool		isnull;
	Datum		value;
	ArrayType  *weights;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(psprintf("SELECT pg_catalog.date_part('epoch', %s.risk_half_life()), %s.risk_weights()",
							 schema, schema), true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the risk settings");

	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	settings->half_life = isnull ? 0 : DatumGetFloat8(value);
	if (!(settings->half_life > 0) || isinf(settings->half_life))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the risk half-life must be a positive, finite interval"),
				 errhint("Check gridgov.risk_setting.")));

	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (isnull)
		elog(ERROR, "risk_weights() returned NULL");
	weights = DatumGetArrayTypeP(value);
	deconstruct_array(weights, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	if (nelems != MAX_SEVERITY)
		elog(ERROR, "risk_weights() returned %d weights, not %d", nelems, MAX_SEVERITY);
	settings->weight[0] = 0;
	for (i = 0; i < MAX_SEVERITY; i++)
	{
		settings->weight[i + 1] = nulls[i] ? 0 : DatumGetFloat8(elems[i]);
		if (nulls[i] || !(settings->weight[i + 1] >= 0) || isinf(settings->weight[i + 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the risk weight of severity %d must be a finite number of zero or more", i + 1),
					 errhint("Check gridgov.risk_weight.")));
	}
	SPI_finish();
}

/* The score's settings, read once per call site. */
static RiskSettings *
risk_settings(FunctionCallInfo fcinfo)
{
	RiskSettings *settings = (RiskSettings *) fcinfo->flinfo->fn_extra;

	if (settings == NULL)
	{
		settings = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RiskSettings));
		risk_read_settings(settings, fcinfo->flinfo->fn_oid);
		fcinfo->flinfo->fn_extra = settings;
	}
	return settings;
}

/* The settings and the row type's columns, cached per call site. */
static RiskSettings *
risk_row_settings(FunctionCallInfo fcinfo, HeapTupleHeader row)
{
	RiskSettings *settings = risk_settings(fcinfo);
	Oid			rowtype = HeapTupleHeaderGetTypeId(row);
	int32		rowtypmod = HeapTupleHeaderGetTypMod(row);

	if (settings->tupdesc == NULL || settings->rowtype != rowtype || settings->rowtypmod != rowtypmod)
	{
		TupleDesc	tupdesc = lookup_rowtype_tupdesc(rowtype, rowtypmod);
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		settings->tupdesc = CreateTupleDescCopy(tupdesc);
		MemoryContextSwitchTo(old);
		ReleaseTupleDesc(tupdesc);
		settings->rowtype = rowtype;
		settings->rowtypmod = rowtypmod;
		settings->att_severity = risk_column(settings->tupdesc, "severity", INT2OID);
		settings->att_reported_at = risk_column(settings->tupdesc, "reported_at", TIMESTAMPTZOID);
		settings->att_status = risk_column(settings->tupdesc, "status", TEXTOID);
	}
	return settings;
}

/* ----------------------------------------------------------------------
 * The instants
 * ----------------------------------------------------------------------
 */

/* Refuse (22008) an as_of outside the instants risk is computed at. */
static void
risk_check_as_of(TimestampTz as_of)
{
	TimestampTz first = (TimestampTz) (date2j(RISK_FIRST_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz end = (TimestampTz) (date2j(RISK_END_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;

	if (TIMESTAMP_NOT_FINITE(as_of) || as_of < first || as_of >= end)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of %s is out of range for the risk score", timestamptz_to_str(as_of)),
				 errhint("Risk is computed at instants from %d-01-01 00:00:00+00 up to, not including, %d-01-01 00:00:00+00.",
						 RISK_FIRST_YEAR, RISK_END_YEAR)));
}

/*
 * check_risk_time(as_of timestamptz) → boolean: true, or the error above.
 * The SQL functions of risk take it as their first condition, so that a
 * bad as_of is refused before any work.
 */
PG_FUNCTION_INFO_V1(gridgov_check_risk_time);
Datum
gridgov_check_risk_time(PG_FUNCTION_ARGS)
{
	risk_check_as_of(PG_GETARG_TIMESTAMPTZ(0));
	PG_RETURN_BOOL(true);
}

/*
 * check_risk_score(score float8) → boolean: true for a score that can be,
 * zero or more (+Infinity too: a sum of huge weights can reach it), else
 * 22023.  risk_color() takes it so that NaN gets no colour.
 */
PG_FUNCTION_INFO_V1(gridgov_check_risk_score);
Datum
gridgov_check_risk_score(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);

	if (isnan(score) || score < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("risk score %s is not a score", float8out_internal(score)),
				 errhint("A risk score is a number of zero or more.")));
	PG_RETURN_BOOL(true);
}

/*
 * risk_decay(age_seconds float8, half_life_seconds float8) → float8:
 * 2^(-age / half_life), what a case's weight is multiplied by after age.
 * The aggregate's own formula, for the rollup: unlike float8 ^ in SQL, it
 * gives 0 instead of an underflow error for an age of more than about
 * 1,074 half-lives (20 years at 7 days, 18 hours at the shortest, 1 minute).
 */
PG_FUNCTION_INFO_V1(gridgov_risk_decay);
Datum
gridgov_risk_decay(PG_FUNCTION_ARGS)
{
	float8		age = PG_GETARG_FLOAT8(0);
	float8		half_life = PG_GETARG_FLOAT8(1);

	if (isnan(age) || isnan(half_life) || !(half_life > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("risk_decay needs a number of seconds and a positive half-life, not %s and %s",
						float8out_internal(age), float8out_internal(half_life))));
	PG_RETURN_FLOAT8(exp2(-age / half_life));
}

/* ----------------------------------------------------------------------
 * The state
 * ----------------------------------------------------------------------
 */

/* The float8 elements of a state, checked for length. */
static float8 *
risk_state_values(ArrayType *state)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != STATE_LENGTH ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("not a risk state"),
				 errdetail("A risk state is a float8[] of %d elements without NULLs.", STATE_LENGTH)));
	/* no NULLs, one dimension: ARR_DATA_PTR without its signedness warning */
	return (float8 *) ((char *) state + ARR_OVERHEAD_NONULLS(1));
}

/* a new state in the aggregate's context (or the caller's, when called directly) */
static ArrayType *
risk_state_new(FunctionCallInfo fcinfo, const float8 *values)
{
	MemoryContext aggcontext;
	MemoryContext old = NULL;
	Datum		elems[STATE_LENGTH];
	ArrayType  *state;
	int			i;

	if (AggCheckCallContext(fcinfo, &aggcontext))
		old = MemoryContextSwitchTo(aggcontext);
	for (i = 0; i < STATE_LENGTH; i++)
		elems[i] = Float8GetDatum(values[i]);
	state = construct_array(elems, STATE_LENGTH, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	if (old != NULL)
		MemoryContextSwitchTo(old);
	return state;
}

/* Refuse to combine states of different as_of or half-life. */
static void
risk_check_compatible(const float8 *a, const float8 *b)
{
	if (a[S_AS_OF] != b[S_AS_OF])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("risk() needs the same as_of for every row of a group"),
				 errhint("Pass one instant, such as a constant or a column the query groups by.")));
	if (a[S_HALF_LIFE] != b[S_HALF_LIFE])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine risk states computed with different half-lives")));
}

/* is the case one that does not count: rejected, or merged into another? */
static bool
risk_status_excluded(Datum status)
{
	text	   *t = DatumGetTextPP(status);
	int			len = VARSIZE_ANY_EXHDR(t);
	const char *s = VARDATA_ANY(t);

	return (len == 8 && memcmp(s, "rejected", 8) == 0) ||
		(len == 6 && memcmp(s, "merged", 6) == 0);
}

/*
 * The state a row updates: a new one for the first row, the aggregate's own
 * in place, or a copy when called directly; its as_of must be the row's.
 */
static ArrayType *
risk_state_to_update(FunctionCallInfo fcinfo, ArrayType *state, RiskSettings *settings,
					 TimestampTz as_of)
{
	if (state == NULL)
	{
		float8		initial[STATE_LENGTH];

		initial[S_AS_OF] = (float8) as_of;
		initial[S_HALF_LIFE] = settings->half_life;
		initial[S_MASS] = 0;
		initial[S_CASES] = 0;
		return risk_state_new(fcinfo, initial);
	}
	if (!AggCheckCallContext(fcinfo, NULL))
	{
		/* called directly: never scribble on the caller's array */
		state = risk_state_new(fcinfo, risk_state_values(state));
	}
	if (risk_state_values(state)[S_AS_OF] != (float8) as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("risk() needs the same as_of for every row of a group"),
				 errhint("Pass one instant, such as a constant or a column the query groups by.")));
	return state;
}

/* The as_of of a row: not NULL, and within the instants risk is computed at. */
static TimestampTz
risk_as_of(FunctionCallInfo fcinfo, int argno)
{
	TimestampTz as_of;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("risk() needs an as_of instant, not NULL")));
	as_of = PG_GETARG_TIMESTAMPTZ(argno);
	risk_check_as_of(as_of);
	return as_of;
}

/*
 * Add one case, given by the columns risk reads, to a state already made
 * for as_of: nothing for a case reported after as_of, rejected or merged.
 * Shared by the row form and the column form, so that both count alike.
 */
static void
risk_add_case(RiskSettings *settings, float8 *values, TimestampTz as_of,
			  TimestampTz reported_at, Datum status, bool status_isnull,
			  Datum severity_datum, bool severity_isnull)
{
	int			severity;

	if (reported_at > as_of)
		return;
	if (!status_isnull && risk_status_excluded(status))
		return;
	severity = severity_isnull ? 1 : DatumGetInt16(severity_datum);
	if (severity < 1 || severity > MAX_SEVERITY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("case severity %d is out of range", severity),
				 errhint("Severities run from 1 to %d.", MAX_SEVERITY)));

	/* exp2 of an age in half-lives: exact powers of two at whole half-lives */
	values[S_MASS] += settings->weight[severity] *
		exp2(-((float8) (as_of - reported_at) / USECS_PER_SEC) / values[S_HALF_LIFE]);
	values[S_CASES] += 1;
}

/*
 * risk_transition(state float8[], c cases, as_of timestamptz)
 *
 * Not strict: the first row starts the state, NULL rows (an outer join's
 * missing side) are skipped.  Called as an aggregate, it updates the state
 * in place, as float8_accum does.
 */
PG_FUNCTION_INFO_V1(gridgov_risk_transition);
Datum
gridgov_risk_transition(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	HeapTupleHeader row;
	HeapTupleData tuple;
	RiskSettings *settings;
	TimestampTz as_of;
	Datum		reported_at;
	Datum		status;
	Datum		severity;
	bool		isnull;
	bool		status_isnull;
	bool		severity_isnull;

	if (PG_ARGISNULL(1))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_ARRAYTYPE_P(state);
	}
	as_of = risk_as_of(fcinfo, 2);

	row = PG_GETARG_HEAPTUPLEHEADER(1);
	settings = risk_row_settings(fcinfo, row);
	state = risk_state_to_update(fcinfo, state, settings, as_of);

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;

	reported_at = heap_getattr(&tuple, settings->att_reported_at, settings->tupdesc, &isnull);
	if (isnull)
		PG_RETURN_ARRAYTYPE_P(state);
	status = heap_getattr(&tuple, settings->att_status, settings->tupdesc, &status_isnull);
	severity = heap_getattr(&tuple, settings->att_severity, settings->tupdesc, &severity_isnull);
	risk_add_case(settings, risk_state_values(state), as_of, DatumGetTimestampTz(reported_at),
				  status, status_isnull, severity, severity_isnull);
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * risk_accum(state float8[], status text, severity smallint,
 *			  reported_at timestamptz, as_of timestamptz)
 *
 * The column form's transition function: the same count as
 * risk_transition over a row with these columns.  A NULL reported_at (an
 * outer join's missing side: a case always has one) counts nothing, as a
 * NULL row does.
 */
PG_FUNCTION_INFO_V1(gridgov_risk_accum_columns);
Datum
gridgov_risk_accum_columns(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	RiskSettings *settings;
	TimestampTz as_of;

	if (PG_ARGISNULL(3))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_ARRAYTYPE_P(state);
	}
	as_of = risk_as_of(fcinfo, 4);
	settings = risk_settings(fcinfo);
	state = risk_state_to_update(fcinfo, state, settings, as_of);
	risk_add_case(settings, risk_state_values(state), as_of, PG_GETARG_TIMESTAMPTZ(3),
				  PG_GETARG_DATUM(1), PG_ARGISNULL(1), PG_GETARG_DATUM(2), PG_ARGISNULL(2));
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * risk_combine(state float8[], state float8[]): the sum of two partial
 * states of one group.  Not strict, so that it can copy a lone second state
 * into the aggregate's context itself.
 */
PG_FUNCTION_INFO_V1(gridgov_risk_combine);
Datum
gridgov_risk_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state1 = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *state2 = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	float8	   *values1;
	float8	   *values2;

	if (state2 == NULL)
	{
		if (state1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_ARRAYTYPE_P(state1);
	}
	values2 = risk_state_values(state2);
	if (state1 == NULL)
		PG_RETURN_ARRAYTYPE_P(risk_state_new(fcinfo, values2));

	if (!AggCheckCallContext(fcinfo, NULL))
		state1 = risk_state_new(fcinfo, risk_state_values(state1));
	values1 = risk_state_values(state1);
	risk_check_compatible(values1, values2);
	values1[S_MASS] += values2[S_MASS];
	values1[S_CASES] += values2[S_CASES];
	PG_RETURN_ARRAYTYPE_P(state1);
}

/* risk_final(state float8[]) → float8: the score, 0 for no cases */
PG_FUNCTION_INFO_V1(gridgov_risk_final);
Datum
gridgov_risk_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(risk_state_values(PG_GETARG_ARRAYTYPE_P(0))[S_MASS]);
}

/* risk_cases_final(state float8[]) → bigint: the cases that contributed */
PG_FUNCTION_INFO_V1(gridgov_risk_cases_final);
Datum
gridgov_risk_cases_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT64(0);
	PG_RETURN_INT64((int64) risk_state_values(PG_GETARG_ARRAYTYPE_P(0))[S_CASES]);
}

