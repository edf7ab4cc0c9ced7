/*
 * kpi.c
 *		The KPI aggregate over cases: its transition, combine and final
 *		functions over the state type kpi_state (kpi_state.c), and the
 *		accessors that turn a state into figures.
 *
 * The state (kpi_state.c) is a set of counters and two quantile sketches
 * of working seconds, all sums, so states merge by adding, in any order.
 * The transition functions update a working state in place when called
 * as an aggregate; the final functions pack it.
 *
 * The state type is not internal, so the aggregates need no serialization
 * functions, and an aggregate whose combine function takes a real type can
 * be pushed down to Citus shards.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "access/xact.h"
#include "calendar.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "gridgov.h"
#include "kpi.h"
#include "kpi_state.h"
#include "sketch.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* the handling level of a community (village level of gridcode); grids and buildings are below */
#define COMMUNITY_LEVEL		5
/* satisfaction from which a resident counts as satisfied (1 to 5) */
#define SATISFIED_FROM		4

/*
 * The state to update: argument 0 itself when called as an aggregate and it
 * is already a working value (nodeAgg made it, in its own memory), else a
 * new working copy of it, or an empty one for NULL.
 */
static KpiWork *
state_for_update(FunctionCallInfo fcinfo, bool in_agg)
{
	struct varlena *raw;
	KpiView		view;
	int32		capacity[KPI_NSKETCHES];
	int			s;

	if (PG_ARGISNULL(0))
		return kpi_state_work_empty();
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	if (in_agg && VARATT_IS_4B_U(raw) && VARSIZE(raw) > VARHDRSZ &&
		((const uint8 *) raw)[VARHDRSZ] == KPI_FORMAT_WORK &&
		(uintptr_t) raw % MAXIMUM_ALIGNOF == 0)
		return (KpiWork *) raw;
	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
	for (s = 0; s < KPI_NSKETCHES; s++)
		capacity[s] = Max(view.sketch[s].nbuckets, KPI_INITIAL_BUCKETS);
	return kpi_state_work_from_view(&view, capacity);
}

/* The state a transition returns: the working one to nodeAgg, else packed. */
static inline Datum
return_state(KpiWork *w, bool in_agg)
{
	return PointerGetDatum(in_agg ? (struct varlena *) w : kpi_state_pack_work(w));
}

/* Add n to a counter, refusing (22003) a sum a bigint does not hold. */
static inline void
counter_add(KpiWork *w, KpiCounter c, int64 n)
{
	if (pg_add_s64_overflow(w->counter[c], n, &w->counter[c]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kpi_state counter \"%s\" out of range", kpi_state_counter_names[c])));
}

/* Sketch s's count of values with n more, refusing (22003) one a bigint does not hold. */
static int64
sketch_total_plus(const KpiWork *w, KpiSketch s, int64 n)
{
	int64		total;

	if (pg_add_s64_overflow(w->sketch[s].total, n, &total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kpi_state sketch \"%s\" out of range", kpi_state_sketch_names[s]),
				 errdetail("The sketch would count more values than a bigint holds.")));
	return total;
}

/* ----------------------------------------------------------------------
 * Reading a row of gridgov.cases
 * ----------------------------------------------------------------------
 */

typedef enum CaseField
{
	F_STATUS,
	F_HANDLING_LEVEL,
	F_STAGE_DEADLINE,
	F_SUSPENDED_AT,
	F_REPORTED_AT,
	F_ACCEPTED_AT,
	F_DISPATCHED_AT,
	F_CLOSED_AT,
	F_ESCALATIONS,
	F_REOPENINGS,
	F_EXTENSIONS,
	F_RETURNS,
	F_DEADLINES_MISSED,
	F_SATISFACTION,
	NUM_CASE_FIELDS
} CaseField;

static const struct
{
	const char *name;
	Oid			type;
}			case_fields[NUM_CASE_FIELDS] = {
	{"status", TEXTOID},
	{"handling_level", INT4OID},
	{"stage_deadline", TIMESTAMPTZOID},
	{"suspended_at", TIMESTAMPTZOID},
	{"reported_at", TIMESTAMPTZOID},
	{"accepted_at", TIMESTAMPTZOID},
	{"dispatched_at", TIMESTAMPTZOID},
	{"closed_at", TIMESTAMPTZOID},
	{"escalations", INT4OID},
	{"reopenings", INT4OID},
	{"extensions", INT4OID},
	{"returns", INT4OID},
	{"deadlines_missed", INT4OID},
	{"satisfaction", INT2OID},
};

StaticAssertDecl(NUM_CASE_FIELDS == KPI_NFIELDS, "kpi.h counts the fields of case_fields");

/* The name of a column of cases that kpi counts. */
const char *
kpi_field_name(int field)
{
	return case_fields[field].name;
}

/* The type of a column of cases that kpi counts. */
Oid
kpi_field_type(int field)
{
	return case_fields[field].type;
}

/* Per call site (fn_extra): where the fields are in the row type. */
typedef struct CaseReader
{
	Oid			typid;
	int32		typmod;
	TupleDesc	desc;			/* the row type */
	int			index[NUM_CASE_FIELDS];
	Datum	   *values;
	bool	   *nulls;
} CaseReader;

/* Where the counted fields are in a row type, cached per call site. */
static CaseReader *
case_reader(FunctionCallInfo fcinfo, HeapTupleHeader rec)
{
	CaseReader *reader = (CaseReader *) fcinfo->flinfo->fn_extra;
	Oid			typid = HeapTupleHeaderGetTypeId(rec);
	int32		typmod = HeapTupleHeaderGetTypMod(rec);
	MemoryContext old;
	TupleDesc	desc;
	int			f;

	if (reader != NULL && reader->typid == typid && reader->typmod == typmod)
		return reader;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (reader == NULL)
		reader = palloc0(sizeof(CaseReader));
	desc = lookup_rowtype_tupdesc(typid, typmod);
	for (f = 0; f < NUM_CASE_FIELDS; f++)
	{
		int			i;

		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), case_fields[f].name) == 0)
				break;
		}
		if (i == desc->natts)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("row type %s has no column \"%s\" that the kpi aggregate needs",
							format_type_be(typid), case_fields[f].name)));
		if (TupleDescAttr(desc, i)->atttypid != case_fields[f].type)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of row type %s is %s, not %s",
							case_fields[f].name, format_type_be(typid),
							format_type_be(TupleDescAttr(desc, i)->atttypid),
							format_type_be(case_fields[f].type))));
		reader->index[f] = i;
	}
	if (reader->desc != NULL)
		FreeTupleDesc(reader->desc);
	if (reader->values != NULL)
	{
		pfree(reader->values);
		pfree(reader->nulls);
	}
	/* a copy of the whole descriptor: heap_deform_tuple checks it against the row */
	reader->desc = CreateTupleDescCopy(desc);
	reader->values = palloc(desc->natts * sizeof(Datum));
	reader->nulls = palloc(desc->natts * sizeof(bool));
	ReleaseTupleDesc(desc);
	reader->typid = typid;
	reader->typmod = typmod;
	fcinfo->flinfo->fn_extra = reader;
	MemoryContextSwitchTo(old);
	return reader;
}

/* The fields of one case that the counts read, from a row or from columns. */
typedef struct CaseFields
{
	Datum		values[NUM_CASE_FIELDS];
	bool		nulls[NUM_CASE_FIELDS];
} CaseFields;

#define FIELD_NULL(r, f)	((r)->nulls[f])
#define FIELD(r, f)			((r)->values[f])

/* An integer field's value, 0 for NULL. */
static inline int32
field_int(CaseFields *r, CaseField f)
{
	if (FIELD_NULL(r, f))
		return 0;
	return case_fields[f].type == INT2OID ? DatumGetInt16(FIELD(r, f)) : DatumGetInt32(FIELD(r, f));
}

typedef enum CaseStatusKind
{
	STATUS_OPEN,
	STATUS_VERIFIED,			/* open, its handling verified: due to close */
	STATUS_CLOSED,
	STATUS_ENDED				/* rejected or merged */
} CaseStatusKind;

/* Whether a case is open (verified or not), closed, or ended otherwise. */
static CaseStatusKind
status_kind(CaseFields *r)
{
	struct varlena *t;
	const char *s;
	int			len;

	if (FIELD_NULL(r, F_STATUS))
		return STATUS_OPEN;
	t = (struct varlena *) DatumGetPointer(FIELD(r, F_STATUS));
	if (VARATT_IS_EXTENDED(t) && !VARATT_IS_SHORT(t))
		t = pg_detoast_datum_packed(t);
	s = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);
	if (len == 6 && memcmp(s, "closed", 6) == 0)
		return STATUS_CLOSED;
	if (len == 8 && memcmp(s, "verified", 8) == 0)
		return STATUS_VERIFIED;
	if ((len == 8 && memcmp(s, "rejected", 8) == 0) || (len == 6 && memcmp(s, "merged", 6) == 0))
		return STATUS_ENDED;
	return STATUS_OPEN;
}

/* Add working seconds from reported_at to a later field; may replace *w. */
static void
add_duration(KpiWork **w, int s, CaseFields *r, CaseField to)
{
	double		seconds;

	if (FIELD_NULL(r, F_REPORTED_AT) || FIELD_NULL(r, to))
		return;
	seconds = (double) calendar_working_seconds(DatumGetTimestampTz(FIELD(r, F_REPORTED_AT)),
												DatumGetTimestampTz(FIELD(r, to)));
	(void) sketch_total_plus(*w, s, 1);
	while (!sketch_add(&(*w)->sketch[s], kpi_state_buckets(*w, s), seconds))
		*w = kpi_state_work_grow(*w, s, (*w)->sketch[s].nbuckets + 1);
}

/*
 * Count one case into the state.  The definitions are those of docs/kpi.md;
 * keep both in step.
 */
static KpiWork *
count_case(KpiWork *w, CaseFields *r, TimestampTz as_of)
{
	CaseStatusKind kind = status_kind(r);
	bool		accepted = !FIELD_NULL(r, F_ACCEPTED_AT);
	bool		open;
	bool		overdue = false;

	counter_add(w, KC_RECEIVED, 1);
	if (accepted)
		counter_add(w, KC_ACCEPTED, 1);
	if (!FIELD_NULL(r, F_DISPATCHED_AT))
		counter_add(w, KC_DISPATCHED, 1);

	/* open at as_of: not final and already reported */
	open = (kind == STATUS_OPEN || kind == STATUS_VERIFIED) && !FIELD_NULL(r, F_REPORTED_AT) &&
		DatumGetTimestampTz(FIELD(r, F_REPORTED_AT)) <= as_of;
	if (open)
	{
		counter_add(w, KC_OPEN_NOW, 1);
		/* the stage clock stops at a suspension, as in case_clock */
		if (!FIELD_NULL(r, F_STAGE_DEADLINE))
		{
			TimestampTz clock = as_of;

			if (!FIELD_NULL(r, F_SUSPENDED_AT))
				clock = Min(clock, DatumGetTimestampTz(FIELD(r, F_SUSPENDED_AT)));
			overdue = DatumGetTimestampTz(FIELD(r, F_STAGE_DEADLINE)) < clock;
		}
		if (overdue)
			counter_add(w, KC_OVERDUE_NOW, 1);
		/* 应结案数: the verified ones wait only for closure */
		if ((overdue && accepted) || kind == STATUS_VERIFIED)
			counter_add(w, KC_DUE_TO_CLOSE, 1);
	}
	else if (kind == STATUS_CLOSED)
	{
		counter_add(w, KC_CLOSED, 1);
		counter_add(w, KC_DUE_TO_CLOSE, 1);
		if (field_int(r, F_DEADLINES_MISSED) == 0)
			counter_add(w, KC_CLOSED_ON_TIME, 1);
		if (field_int(r, F_HANDLING_LEVEL) >= COMMUNITY_LEVEL)
			counter_add(w, KC_SETTLED_IN_COMMUNITY, 1);
		if (!FIELD_NULL(r, F_SATISFACTION))
		{
			int32		satisfaction = field_int(r, F_SATISFACTION);

			/* cases holds 1 to 5; the column form may be given anything */
			if (satisfaction < 1 || satisfaction > 5)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("satisfaction %d is out of range", satisfaction),
						 errhint("A resident's satisfaction runs from 1 to 5.")));
			counter_add(w, KC_EVALUATED, 1);
			counter_add(w, KC_SATISFACTION_SUM, satisfaction);
			if (satisfaction >= SATISFIED_FROM)
				counter_add(w, KC_SATISFIED, 1);
		}
	}
	if (field_int(r, F_REOPENINGS) > 0)
		counter_add(w, KC_REWORKED, 1);
	if (field_int(r, F_EXTENSIONS) > 0)
		counter_add(w, KC_EXTENDED, 1);
	if (field_int(r, F_RETURNS) > 0)
		counter_add(w, KC_RETURNED, 1);
	if (field_int(r, F_ESCALATIONS) > 0)
		counter_add(w, KC_ESCALATED, 1);

	if (accepted)
		add_duration(&w, KS_ACCEPT, r, F_ACCEPTED_AT);
	if (kind == STATUS_CLOSED)
		add_duration(&w, KS_CLOSE, r, F_CLOSED_AT);
	return w;
}

/* as_of from argument argno, which must not be NULL */
static TimestampTz
as_of_argument(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of must not be NULL"),
				 errhint("Pass the instant at which open and overdue cases are counted, or leave it out for now().")));
	return PG_GETARG_TIMESTAMPTZ(argno);
}

/*
 * What the transition functions end with: the state with the case counted,
 * or unchanged for a missing row (fields NULL: an outer join's).
 */
static Datum
accumulate(FunctionCallInfo fcinfo, bool in_agg, CaseFields *fields, TimestampTz as_of)
{
	KpiWork    *w;

	if (fields == NULL)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		if (in_agg)
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		return return_state(state_for_update(fcinfo, false), false);
	}
	w = state_for_update(fcinfo, in_agg);
	w = count_case(w, fields, as_of);
	return return_state(w, in_agg);
}

/* The row forms' transition: the fields of a cases row counted at as_of. */
static Datum
kpi_accum_common(FunctionCallInfo fcinfo, TimestampTz as_of)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	HeapTupleHeader rec;
	HeapTupleData tuple;
	CaseReader *reader;
	CaseFields	fields;
	int			f;

	if (PG_ARGISNULL(1))
		return accumulate(fcinfo, in_agg, NULL, as_of);

	rec = PG_GETARG_HEAPTUPLEHEADER(1);
	reader = case_reader(fcinfo, rec);
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	heap_deform_tuple(&tuple, reader->desc, reader->values, reader->nulls);
	for (f = 0; f < NUM_CASE_FIELDS; f++)
	{
		fields.values[f] = reader->values[reader->index[f]];
		fields.nulls[f] = reader->nulls[reader->index[f]];
	}
	return accumulate(fcinfo, in_agg, &fields, as_of);
}

/* SQL kpi_accum(state, cases, as_of). */
PG_FUNCTION_INFO_V1(kpi_accum);
Datum
kpi_accum(PG_FUNCTION_ARGS)
{
	return kpi_accum_common(fcinfo, as_of_argument(fcinfo, 2));
}

/* as_of = now(), the start of the transaction, the same in parallel workers */
PG_FUNCTION_INFO_V1(kpi_accum_now);
Datum
kpi_accum_now(PG_FUNCTION_ARGS)
{
	return kpi_accum_common(fcinfo, GetCurrentTransactionStartTimestamp());
}

/*
 * The column form, kpi(id, status, ..., satisfaction, as_of): the fields
 * as arguments, in the order of case_fields, after the case's id, which is
 * NULL only for a missing row (an outer join's).  The planner turns kpi(c)
 * over gridgov.cases into this form (kpi_planner.c), so that the executor
 * reads the few columns instead of forming the whole row.
 */
PG_FUNCTION_INFO_V1(kpi_accum_columns);
Datum
kpi_accum_columns(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	CaseFields	fields;
	TimestampTz as_of;
	int			f;

	if (PG_NARGS() != NUM_CASE_FIELDS + 3)
		elog(ERROR, "kpi_accum_columns needs %d arguments", NUM_CASE_FIELDS + 3);
	as_of = as_of_argument(fcinfo, NUM_CASE_FIELDS + 2);
	if (PG_ARGISNULL(1))
		return accumulate(fcinfo, in_agg, NULL, as_of);
	for (f = 0; f < NUM_CASE_FIELDS; f++)
	{
		fields.nulls[f] = PG_ARGISNULL(f + 2);
		fields.values[f] = PG_GETARG_DATUM(f + 2);
	}
	return accumulate(fcinfo, in_agg, &fields, as_of);
}

/* Merge two states: the combine function, and kpi_merge's transition. */
PG_FUNCTION_INFO_V1(kpi_combine);
Datum
kpi_combine(PG_FUNCTION_ARGS)
{
	bool		in_agg = AggCheckCallContext(fcinfo, NULL) != 0;
	KpiWork    *w = state_for_update(fcinfo, in_agg);
	KpiView		other;
	int			i;

	kpi_state_view(PG_GETARG_DATUM(1), &other, true);
	for (i = 0; i < KPI_NCOUNTERS; i++)
		counter_add(w, i, other.counter[i]);
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		int32		need;
		int64		total = sketch_total_plus(w, i, other.sketch[i].total);

		if (other.sketch[i].nbuckets == 0)
		{
			w->sketch[i].zero_count += other.sketch[i].zero_count;
			w->sketch[i].total = total;
			continue;
		}
		if (sketch_merge_existing(&w->sketch[i], kpi_state_buckets(w, i), &other.sketch[i], other.bucket[i]))
			continue;
		while (!sketch_merge(&w->sketch[i], kpi_state_buckets(w, i), &other.sketch[i], other.bucket[i], &need))
			w = kpi_state_work_grow(w, i, need);
	}
	return return_state(w, in_agg);
}

/* The final function: a packed copy; an empty state for no rows. */
PG_FUNCTION_INFO_V1(kpi_final);
Datum
kpi_final(PG_FUNCTION_ARGS)
{
	KpiView		view;

	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(kpi_state_pack_work(kpi_state_work_empty()));
	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
	PG_RETURN_POINTER(kpi_state_pack(&view));
}

/* ----------------------------------------------------------------------
 * Accessors
 * ----------------------------------------------------------------------
 */

/* numerator / denominator as numeric; NULL for a denominator of 0. */
static Datum
rate(int64 numerator, int64 denominator, bool *isnull)
{
	if (denominator == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return DirectFunctionCall2(numeric_div,
							   NumericGetDatum(int64_to_numeric(numerator)),
							   NumericGetDatum(int64_to_numeric(denominator)));
}

#define KPI_COUNT(fname, which) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	KpiView		view; \
	kpi_state_view(PG_GETARG_DATUM(0), &view, false); \
	PG_RETURN_INT64(view.counter[which]); \
}

#define KPI_RATE(fname, numerator, denominator) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	KpiView		view; \
	Datum		result; \
	kpi_state_view(PG_GETARG_DATUM(0), &view, false); \
	result = rate(view.counter[numerator], view.counter[denominator], &fcinfo->isnull); \
	return result; \
}

KPI_COUNT(kpi_received, KC_RECEIVED)
KPI_COUNT(kpi_accepted, KC_ACCEPTED)
KPI_COUNT(kpi_dispatched, KC_DISPATCHED)
KPI_COUNT(kpi_due_to_close, KC_DUE_TO_CLOSE)
KPI_COUNT(kpi_closed, KC_CLOSED)
KPI_COUNT(kpi_closed_on_time, KC_CLOSED_ON_TIME)
KPI_COUNT(kpi_reworked, KC_REWORKED)
KPI_COUNT(kpi_extended, KC_EXTENDED)
KPI_COUNT(kpi_returned, KC_RETURNED)
KPI_COUNT(kpi_escalated, KC_ESCALATED)
KPI_COUNT(kpi_settled_in_community, KC_SETTLED_IN_COMMUNITY)
KPI_COUNT(kpi_open_now, KC_OPEN_NOW)
KPI_COUNT(kpi_overdue_now, KC_OVERDUE_NOW)
KPI_COUNT(kpi_evaluated, KC_EVALUATED)
KPI_COUNT(kpi_satisfied, KC_SATISFIED)

KPI_RATE(kpi_closure_rate, KC_CLOSED, KC_DUE_TO_CLOSE)
KPI_RATE(kpi_on_time_rate, KC_CLOSED_ON_TIME, KC_DUE_TO_CLOSE)
KPI_RATE(kpi_on_time_share, KC_CLOSED_ON_TIME, KC_CLOSED)
KPI_RATE(kpi_rework_rate, KC_REWORKED, KC_CLOSED)
KPI_RATE(kpi_extension_rate, KC_EXTENDED, KC_DISPATCHED)
KPI_RATE(kpi_escalation_rate, KC_ESCALATED, KC_ACCEPTED)
KPI_RATE(kpi_community_share, KC_SETTLED_IN_COMMUNITY, KC_CLOSED)
KPI_RATE(kpi_satisfied_share, KC_SATISFIED, KC_EVALUATED)
KPI_RATE(kpi_satisfaction_mean, KC_SATISFACTION_SUM, KC_EVALUATED)

/* Refuse a quantile fraction outside 0 to 1. */
static void
check_fraction(double fraction)
{
	if (isnan(fraction) || fraction < 0.0 || fraction > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fraction %g is not between 0 and 1", fraction),
				 errhint("Ask for the median with 0.5, the 90th percentile with 0.9.")));
}

/* working hours at a fraction of sketch s; false when it is empty */
static bool
hours_at(const KpiView *view, int s, double fraction, double *hours)
{
	double		seconds;

	if (!sketch_quantile(&view->sketch[s], view->bucket[s], fraction, &seconds))
		return false;
	*hours = seconds / 3600.0;
	return true;
}

/* The accept_hours and close_hours accessors: a quantile of sketch s in hours. */
static Datum
hours_accessor(FunctionCallInfo fcinfo, int s)
{
	KpiView		view;
	double		fraction = PG_GETARG_FLOAT8(1);
	double		hours;

	check_fraction(fraction);
	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
	if (!hours_at(&view, s, fraction, &hours))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(hours);
}

/* SQL accept_hours(state, fraction). */
PG_FUNCTION_INFO_V1(kpi_accept_hours);
Datum
kpi_accept_hours(PG_FUNCTION_ARGS)
{
	return hours_accessor(fcinfo, KS_ACCEPT);
}

/* SQL close_hours(state, fraction). */
PG_FUNCTION_INFO_V1(kpi_close_hours);
Datum
kpi_close_hours(PG_FUNCTION_ARGS)
{
	return hours_accessor(fcinfo, KS_CLOSE);
}

/* Every figure as one jsonb object, for BI tools. */
PG_FUNCTION_INFO_V1(kpi_json);
Datum
kpi_json(PG_FUNCTION_ARGS)
{
	static const struct
	{
		const char *name;
		KpiCounter	numerator;
		KpiCounter	denominator;
	}			rates[] = {
		{"closure_rate", KC_CLOSED, KC_DUE_TO_CLOSE},
		{"on_time_rate", KC_CLOSED_ON_TIME, KC_DUE_TO_CLOSE},
		{"on_time_share", KC_CLOSED_ON_TIME, KC_CLOSED},
		{"rework_rate", KC_REWORKED, KC_CLOSED},
		{"extension_rate", KC_EXTENDED, KC_DISPATCHED},
		{"escalation_rate", KC_ESCALATED, KC_ACCEPTED},
		{"community_share", KC_SETTLED_IN_COMMUNITY, KC_CLOSED},
		{"satisfaction_mean", KC_SATISFACTION_SUM, KC_EVALUATED},
		{"satisfied_share", KC_SATISFIED, KC_EVALUATED},
	};
	static const struct
	{
		const char *suffix;
		double		fraction;
	}			percentiles[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}};
	static const char *const hours_names[KPI_NSKETCHES] = {"accept_hours", "close_hours"};
	KpiView		view;
	StringInfoData buf;
	int			i;
	int			j;

	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	/* satisfaction_sum is a means to the mean, not a figure */
	for (i = 0; i < KPI_NCOUNTERS; i++)
		if (i != KC_SATISFACTION_SUM)
			appendStringInfo(&buf, "%s\"%s\": " INT64_FORMAT, i > 0 ? ", " : "",
							 kpi_state_counter_names[i], view.counter[i]);
	for (i = 0; i < (int) lengthof(rates); i++)
	{
		bool		isnull = false;
		Datum		r = rate(view.counter[rates[i].numerator], view.counter[rates[i].denominator], &isnull);

		appendStringInfo(&buf, ", \"%s\": %s", rates[i].name,
						 isnull ? "null" : DatumGetCString(DirectFunctionCall1(numeric_out, r)));
	}
	for (i = 0; i < KPI_NSKETCHES; i++)
		for (j = 0; j < (int) lengthof(percentiles); j++)
		{
			double		hours;

			if (hours_at(&view, i, percentiles[j].fraction, &hours))
				appendStringInfo(&buf, ", \"%s_%s\": %s", hours_names[i], percentiles[j].suffix,
								 float8out_internal(hours));
			else
				appendStringInfo(&buf, ", \"%s_%s\": null", hours_names[i], percentiles[j].suffix);
		}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
