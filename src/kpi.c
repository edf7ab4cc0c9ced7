/*
 * kpi.c
 *		The KPI aggregate over cases: a storable, mergeable state type
 *		(kpi_state), its transition, combine and final functions, its text
 *		and binary forms, and the accessors that turn it into figures.
 *
 * A state is a set of counters (cases received, accepted, closed, ...) and
 * two quantile sketches (sketch.h) of working seconds: from report to
 * acceptance and from report to closure.  Everything in it is a sum, so
 * states merge by adding, in any order, and a merge of the states of parts
 * equals the state of the whole.
 *
 * The type has two layouts, told apart by the first data byte:
 *
 * - packed (KPI_FORMAT_PACKED): what is stored, sent and returned by every
 *   SQL-visible function: the counters as unsigned LEB128 varints and the
 *   sketches in sketch_encode's form.  A day's state of one grid and one
 *   category is a few dozen bytes; the type's storage is extended, so large
 *   states are compressed.
 *
 * - working (KPI_FORMAT_WORK): what an aggregate carries between rows:
 *   int64 counters and sorted bucket arrays with spare room, updated in
 *   place when the function is called as an aggregate (AggCheckCallContext),
 *   and copied into a larger value only when a sketch needs a bucket it has
 *   no room for.  The final functions pack it.  It also reaches other
 *   functions as a partial aggregate from a parallel worker, so every reader
 *   accepts both layouts.
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
#include "common/int128.h"
#include "fmgr.h"
#include "gridgov.h"
#include "kpi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "sketch.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#define KPI_FORMAT_PACKED	1
#define KPI_FORMAT_WORK		2
#define KPI_TEXT_VERSION	1
#define KPI_INITIAL_BUCKETS 4

typedef enum KpiCounter
{
	KC_RECEIVED,
	KC_ACCEPTED,
	KC_DISPATCHED,
	KC_DUE_TO_CLOSE,
	KC_CLOSED,
	KC_CLOSED_ON_TIME,
	KC_REWORKED,
	KC_EXTENDED,
	KC_RETURNED,
	KC_ESCALATED,
	KC_SETTLED_IN_COMMUNITY,
	KC_OPEN_NOW,
	KC_OVERDUE_NOW,
	KC_EVALUATED,
	KC_SATISFIED,
	KC_SATISFACTION_SUM,
	KPI_NCOUNTERS
} KpiCounter;

/* names in the text form and in kpi_json, in this order */
static const char *const counter_names[KPI_NCOUNTERS] = {
	"received", "accepted", "dispatched", "due_to_close", "closed", "closed_on_time",
	"reworked", "extended", "returned", "escalated", "settled_in_community",
	"open_now", "overdue_now", "evaluated", "satisfied", "satisfaction_sum"
};

typedef enum KpiSketch
{
	KS_ACCEPT,					/* working seconds from reported_at to accepted_at */
	KS_CLOSE,					/* working seconds from reported_at to closed_at */
	KPI_NSKETCHES
} KpiSketch;

static const char *const sketch_names[KPI_NSKETCHES] = {"accept_seconds", "close_seconds"};

/* the handling level of a community (village level of gridcode) */
#define COMMUNITY_LEVEL		5
/* satisfaction from which a resident counts as satisfied (1 to 5) */
#define SATISFIED_FROM		4

/* The working layout: the accept sketch's buckets, then the close sketch's (work_buckets). */
typedef struct KpiWork
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		format;			/* KPI_FORMAT_WORK */
	uint8		reserved[3];
	int64		counter[KPI_NCOUNTERS];
	SketchHeader sketch[KPI_NSKETCHES];
	SketchBucket bucket[FLEXIBLE_ARRAY_MEMBER];
} KpiWork;

#define KPI_WORK_SIZE(buckets)	(offsetof(KpiWork, bucket) + (Size) (buckets) * sizeof(SketchBucket))

static inline SketchBucket *
work_buckets(KpiWork *w, int s)
{
	return s == KS_ACCEPT ? w->bucket : w->bucket + w->sketch[KS_ACCEPT].capacity;
}

/* A read-only view of either layout. */
typedef struct KpiView
{
	int64		counter[KPI_NCOUNTERS];
	SketchHeader sketch[KPI_NSKETCHES];
	const SketchBucket *bucket[KPI_NSKETCHES];	/* NULL unless asked for */
} KpiView;

static void
report_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("kpi_state value is corrupt"),
			 errdetail("%s", detail)));
}

/* Check a working layout's geometry against its size. */
static void
work_check(const KpiWork *w)
{
	Size		size = VARSIZE(w);
	int			s;

	if (size < offsetof(KpiWork, bucket))
		report_corrupt("The value is shorter than its fixed part.");
	for (s = 0; s < KPI_NSKETCHES; s++)
		if (w->sketch[s].capacity < 0 || w->sketch[s].capacity > 2 * SKETCH_MAX_BUCKETS ||
			w->sketch[s].nbuckets < 0 || w->sketch[s].nbuckets > w->sketch[s].capacity)
			report_corrupt("A sketch's bucket count does not fit its room.");
	if (size != KPI_WORK_SIZE(w->sketch[KS_ACCEPT].capacity + w->sketch[KS_CLOSE].capacity))
		report_corrupt("The value's size does not match its sketches.");
}

/*
 * Read a state of either layout.  With buckets, the bucket arrays are
 * decoded (packed) or pointed at (working).
 */
static void
kpi_view(Datum datum, KpiView *view, bool buckets)
{
	struct varlena *raw = PG_DETOAST_DATUM_PACKED(datum);
	const uint8 *p = (const uint8 *) VARDATA_ANY(raw);
	const uint8 *end = p + VARSIZE_ANY_EXHDR(raw);
	int			i;

	if (p >= end)
		report_corrupt("The value is empty.");
	if (*p == KPI_FORMAT_PACKED)
	{
		p++;
		for (i = 0; i < KPI_NCOUNTERS; i++)
		{
			uint64		v;

			if (!sketch_get_varint(&p, end, &v) || v > PG_INT64_MAX)
				report_corrupt("A counter is malformed.");
			view->counter[i] = (int64) v;
		}
		for (i = 0; i < KPI_NSKETCHES; i++)
		{
			int32		n = sketch_decoded_buckets(p, end);
			SketchBucket *b = NULL;

			if (buckets && n > 0)
				b = palloc(n * sizeof(SketchBucket));
			if (n < 0 || !sketch_decode(&p, end, &view->sketch[i], b))
				report_corrupt("A sketch is malformed.");
			view->bucket[i] = b;
		}
		if (p != end)
			report_corrupt("The value has trailing bytes.");
	}
	else if (*p == KPI_FORMAT_WORK && VARATT_IS_4B_U(raw))
	{
		const KpiWork *w = (const KpiWork *) raw;

		/* from a tuple, the value may not be aligned for its int64s */
		if ((uintptr_t) w % MAXIMUM_ALIGNOF != 0)
		{
			KpiWork    *copy = palloc(VARSIZE(raw));

			memcpy(copy, raw, VARSIZE(raw));
			w = copy;
		}
		work_check(w);
		memcpy(view->counter, w->counter, sizeof(view->counter));
		for (i = 0; i < KPI_NSKETCHES; i++)
		{
			view->sketch[i] = w->sketch[i];
			view->bucket[i] = buckets ? work_buckets((KpiWork *) w, i) : NULL;
		}
	}
	else
		report_corrupt("The value's format byte is unknown.");
}

/* A packed value from a view with its buckets. */
static struct varlena *
kpi_pack(const KpiView *view)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoChar(&buf, KPI_FORMAT_PACKED);
	for (i = 0; i < KPI_NCOUNTERS; i++)
		sketch_put_varint(&buf, (uint64) view->counter[i]);
	for (i = 0; i < KPI_NSKETCHES; i++)
		sketch_encode(&buf, &view->sketch[i], view->bucket[i]);
	SET_VARSIZE(buf.data, buf.len);
	return (struct varlena *) buf.data;
}

static struct varlena *
kpi_pack_work(KpiWork *w)
{
	KpiView		view;
	int			i;

	memcpy(view.counter, w->counter, sizeof(view.counter));
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		view.sketch[i] = w->sketch[i];
		view.bucket[i] = work_buckets(w, i);
	}
	return kpi_pack(&view);
}

/* A new working value (in CurrentMemoryContext) holding a view, with room. */
static KpiWork *
work_from_view(const KpiView *view, const int32 *capacity)
{
	KpiWork    *w;
	int			s;

	w = palloc(KPI_WORK_SIZE(capacity[KS_ACCEPT] + capacity[KS_CLOSE]));
	SET_VARSIZE(w, KPI_WORK_SIZE(capacity[KS_ACCEPT] + capacity[KS_CLOSE]));
	w->format = KPI_FORMAT_WORK;
	memset(w->reserved, 0, sizeof(w->reserved));
	memcpy(w->counter, view->counter, sizeof(w->counter));
	for (s = 0; s < KPI_NSKETCHES; s++)
	{
		Assert(capacity[s] >= view->sketch[s].nbuckets);
		w->sketch[s] = view->sketch[s];
		w->sketch[s].capacity = capacity[s];
	}
	/* after both capacities are set, so that work_buckets is right */
	for (s = 0; s < KPI_NSKETCHES; s++)
		if (view->sketch[s].nbuckets > 0)
			memcpy(work_buckets(w, s), view->bucket[s],
				   view->sketch[s].nbuckets * sizeof(SketchBucket));
	return w;
}

static KpiWork *
work_from_work(KpiWork *old, int32 cap_accept, int32 cap_close)
{
	KpiView		view;
	int32		capacity[KPI_NSKETCHES] = {cap_accept, cap_close};
	int			s;

	memcpy(view.counter, old->counter, sizeof(view.counter));
	for (s = 0; s < KPI_NSKETCHES; s++)
	{
		view.sketch[s] = old->sketch[s];
		view.bucket[s] = work_buckets(old, s);
	}
	return work_from_view(&view, capacity);
}

/* Room for sketch s grown to hold at least `need` buckets. */
static KpiWork *
work_grow(KpiWork *w, int s, int32 need)
{
	int32		capacity[KPI_NSKETCHES];

	capacity[KS_ACCEPT] = w->sketch[KS_ACCEPT].capacity;
	capacity[KS_CLOSE] = w->sketch[KS_CLOSE].capacity;
	capacity[s] = Max(need, Min(Max(capacity[s] * 2, KPI_INITIAL_BUCKETS), SKETCH_MAX_BUCKETS));
	return work_from_work(w, capacity[KS_ACCEPT], capacity[KS_CLOSE]);
}

static KpiWork *
work_empty(void)
{
	KpiView		view;
	int32		capacity[KPI_NSKETCHES] = {KPI_INITIAL_BUCKETS, KPI_INITIAL_BUCKETS};

	memset(&view, 0, sizeof(view));
	return work_from_view(&view, capacity);
}

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
		return work_empty();
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	if (in_agg && VARATT_IS_4B_U(raw) && VARSIZE(raw) > VARHDRSZ &&
		((const uint8 *) raw)[VARHDRSZ] == KPI_FORMAT_WORK &&
		(uintptr_t) raw % MAXIMUM_ALIGNOF == 0)
		return (KpiWork *) raw;
	kpi_view(PG_GETARG_DATUM(0), &view, true);
	for (s = 0; s < KPI_NSKETCHES; s++)
		capacity[s] = Max(view.sketch[s].nbuckets, KPI_INITIAL_BUCKETS);
	return work_from_view(&view, capacity);
}

static inline Datum
return_state(KpiWork *w, bool in_agg)
{
	return PointerGetDatum(in_agg ? (struct varlena *) w : kpi_pack_work(w));
}

/* Add n to a counter, refusing (22003) a sum a bigint does not hold. */
static inline void
counter_add(KpiWork *w, KpiCounter c, int64 n)
{
	if (pg_add_s64_overflow(w->counter[c], n, &w->counter[c]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kpi_state counter \"%s\" out of range", counter_names[c])));
}

/* Sketch s's count of values with n more, refusing (22003) one a bigint does not hold. */
static int64
sketch_total_plus(const KpiWork *w, KpiSketch s, int64 n)
{
	int64		total;

	if (pg_add_s64_overflow(w->sketch[s].total, n, &total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kpi_state sketch \"%s\" out of range", sketch_names[s]),
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

const char *
kpi_field_name(int field)
{
	return case_fields[field].name;
}

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
	STATUS_CLOSED,
	STATUS_ENDED				/* rejected or merged */
} CaseStatusKind;

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
	while (!sketch_add(&(*w)->sketch[s], work_buckets(*w, s), seconds))
		*w = work_grow(*w, s, (*w)->sketch[s].nbuckets + 1);
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
	open = kind == STATUS_OPEN && !FIELD_NULL(r, F_REPORTED_AT) &&
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
		if (overdue && accepted)
			counter_add(w, KC_DUE_TO_CLOSE, 1);
	}
	else if (kind == STATUS_CLOSED)
	{
		counter_add(w, KC_CLOSED, 1);
		counter_add(w, KC_DUE_TO_CLOSE, 1);
		if (field_int(r, F_DEADLINES_MISSED) == 0)
			counter_add(w, KC_CLOSED_ON_TIME, 1);
		if (field_int(r, F_HANDLING_LEVEL) == COMMUNITY_LEVEL)
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

	kpi_view(PG_GETARG_DATUM(1), &other, true);
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
		if (sketch_merge_existing(&w->sketch[i], work_buckets(w, i), &other.sketch[i], other.bucket[i]))
			continue;
		while (!sketch_merge(&w->sketch[i], work_buckets(w, i), &other.sketch[i], other.bucket[i], &need))
			w = work_grow(w, i, need);
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
		PG_RETURN_POINTER(kpi_pack_work(work_empty()));
	kpi_view(PG_GETARG_DATUM(0), &view, true);
	PG_RETURN_POINTER(kpi_pack(&view));
}

/* ----------------------------------------------------------------------
 * What a state can be
 *
 * count_case counts every case into received and into at most one of
 * open_now and closed; overdue_now among the open ones, due_to_close as the
 * closed ones and the accepted overdue ones; closed_on_time,
 * settled_in_community and evaluated among the closed ones, satisfied
 * among the evaluated; satisfaction_sum adds one satisfaction from 1 to 5
 * per evaluated case, 4 or 5 for a satisfied one; durations to acceptance
 * and closure are added for accepted and closed cases only.  kpi_combine
 * adds, which keeps all of it.  The input functions refuse anything else:
 * a state no set of cases has, such as a mean satisfaction of 9.2e18.
 * ----------------------------------------------------------------------
 */

/* does a <= b hold?  If not, say so, naming both counters */
static bool
counter_at_most(const KpiView *view, KpiCounter a, KpiCounter b, const char **problem)
{
	if (view->counter[a] <= view->counter[b])
		return true;
	*problem = psprintf("\"%s\" (" INT64_FORMAT ") is more than \"%s\" (" INT64_FORMAT ").",
						counter_names[a], view->counter[a], counter_names[b], view->counter[b]);
	return false;
}

/* the counters' sum a + b (each at most 2^63 - 1: no overflow in uint64) */
static inline uint64
counter_sum(const KpiView *view, KpiCounter a, KpiCounter b)
{
	return (uint64) view->counter[a] + (uint64) view->counter[b];
}

/* m * a + n * b, in 128 bits */
static INT128
counter_combination(int64 m, int64 a, int64 n, int64 b)
{
	INT128		result = int64_to_int128(0);

	int128_add_int64_mul_int64(&result, m, a);
	int128_add_int64_mul_int64(&result, n, b);
	return result;
}

/*
 * Is the state one that some set of cases has?  If not, *problem is a
 * sentence for errdetail naming what cannot be.
 */
static bool
kpi_view_possible(const KpiView *view, const char **problem)
{
	static const KpiCounter per_case[] = {
		KC_ACCEPTED, KC_DISPATCHED, KC_DUE_TO_CLOSE, KC_REWORKED, KC_EXTENDED, KC_RETURNED, KC_ESCALATED
	};
	static const KpiCounter among_closed[] = {KC_CLOSED_ON_TIME, KC_SETTLED_IN_COMMUNITY, KC_EVALUATED};
	static const KpiCounter sketch_of[KPI_NSKETCHES] = {KC_ACCEPTED, KC_CLOSED};
	int64		evaluated = view->counter[KC_EVALUATED];
	int64		satisfied = view->counter[KC_SATISFIED];
	int64		sum = view->counter[KC_SATISFACTION_SUM];
	int			i;

	for (i = 0; i < (int) lengthof(per_case); i++)
		if (!counter_at_most(view, per_case[i], KC_RECEIVED, problem))
			return false;
	if (counter_sum(view, KC_CLOSED, KC_OPEN_NOW) > (uint64) view->counter[KC_RECEIVED])
	{
		*problem = psprintf("\"closed\" (" INT64_FORMAT ") and \"open_now\" (" INT64_FORMAT ") together are more than \"received\" (" INT64_FORMAT ").",
							view->counter[KC_CLOSED], view->counter[KC_OPEN_NOW], view->counter[KC_RECEIVED]);
		return false;
	}
	if (!counter_at_most(view, KC_OVERDUE_NOW, KC_OPEN_NOW, problem) ||
		!counter_at_most(view, KC_CLOSED, KC_DUE_TO_CLOSE, problem))
		return false;
	if ((uint64) view->counter[KC_DUE_TO_CLOSE] > counter_sum(view, KC_CLOSED, KC_OVERDUE_NOW))
	{
		*problem = psprintf("\"due_to_close\" (" INT64_FORMAT ") is more than \"closed\" (" INT64_FORMAT ") and \"overdue_now\" (" INT64_FORMAT ") together.",
							view->counter[KC_DUE_TO_CLOSE], view->counter[KC_CLOSED], view->counter[KC_OVERDUE_NOW]);
		return false;
	}
	for (i = 0; i < (int) lengthof(among_closed); i++)
		if (!counter_at_most(view, among_closed[i], KC_CLOSED, problem))
			return false;
	if (!counter_at_most(view, KC_SATISFIED, KC_EVALUATED, problem))
		return false;
	/* from 1 per evaluated case and 4 per satisfied one, to 3 and 5 */
	if (int128_compare(int64_to_int128(sum), counter_combination(1, evaluated, 3, satisfied)) < 0 ||
		int128_compare(int64_to_int128(sum), counter_combination(3, evaluated, 2, satisfied)) > 0)
	{
		*problem = psprintf("\"satisfaction_sum\" (" INT64_FORMAT ") is no sum of " INT64_FORMAT " satisfactions from 1 to 5 of which " INT64_FORMAT " are 4 or 5.",
							sum, evaluated, satisfied);
		return false;
	}
	for (i = 0; i < KPI_NSKETCHES; i++)
		if (view->sketch[i].total > view->counter[sketch_of[i]])
		{
			*problem = psprintf("Sketch \"%s\" holds " INT64_FORMAT " durations, more than \"%s\" (" INT64_FORMAT ").",
								sketch_names[i], view->sketch[i].total,
								counter_names[sketch_of[i]], view->counter[sketch_of[i]]);
			return false;
		}
	return true;
}

/* ----------------------------------------------------------------------
 * Text form: a JSON object
 *
 *   {"version": 1, "received": 20, ..., "satisfaction_sum": 34,
 *    "accept_seconds": {"zero": 1, "buckets": [[463, 2], [520, 1]]},
 *    "close_seconds": {"zero": 0, "buckets": []}}
 *
 * Bucket [i, n] holds n values in (gamma^(i-1), gamma^i] working seconds.
 * Input takes the keys in any order; counters left out are 0.
 * ----------------------------------------------------------------------
 */

static void
append_sketch_text(StringInfo buf, const SketchHeader *h, const SketchBucket *b)
{
	int			i;

	appendStringInfo(buf, "{\"zero\": " INT64_FORMAT ", \"buckets\": [", h->zero_count);
	for (i = 0; i < h->nbuckets; i++)
		appendStringInfo(buf, "%s[%d, " INT64_FORMAT "]", i > 0 ? ", " : "", b[i].key, b[i].count);
	appendStringInfoString(buf, "]}");
}

PG_FUNCTION_INFO_V1(kpi_state_out);
Datum
kpi_state_out(PG_FUNCTION_ARGS)
{
	KpiView		view;
	StringInfoData buf;
	int			i;

	kpi_view(PG_GETARG_DATUM(0), &view, true);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d", KPI_TEXT_VERSION);
	for (i = 0; i < KPI_NCOUNTERS; i++)
		appendStringInfo(&buf, ", \"%s\": " INT64_FORMAT, counter_names[i], view.counter[i]);
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		appendStringInfo(&buf, ", \"%s\": ", sketch_names[i]);
		append_sketch_text(&buf, &view.sketch[i], view.bucket[i]);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

typedef struct KpiParser
{
	const char *input;
	const char *p;
	Node	   *escontext;
} KpiParser;

/* the input as shown in messages: long ones are cut */
static char *
shown_input(const char *input)
{
	if (strlen(input) <= 80)
		return pstrdup(input);
	return psprintf("%.*s...", pg_mbcliplen(input, strlen(input), 60), input);
}

#define PARSE_ERROR(ps, ...) \
	gridgov_input_error((ps)->escontext, false, \
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
						 errmsg("invalid input syntax for type %s: \"%s\"", "kpi_state", \
								shown_input((ps)->input)), \
						 errdetail(__VA_ARGS__)))

static inline int
position_of(KpiParser *ps)
{
	return pg_mbstrlen_with_len(ps->input, ps->p - ps->input) + 1;
}

static void
skip_space(KpiParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool
expect_char(KpiParser *ps, char c)
{
	skip_space(ps);
	if (*ps->p != c)
	{
		if (*ps->p == '\0')
			PARSE_ERROR(ps, "Expected \"%c\" at the end of the input.", c);
		PARSE_ERROR(ps, "Expected \"%c\" at character %d, found \"%.*s\".",
					c, position_of(ps), pg_mblen(ps->p), ps->p);
	}
	ps->p++;
	return true;
}

/* is the next non-space character c?  (consumes it if so) */
static bool
next_is(KpiParser *ps, char c)
{
	skip_space(ps);
	if (*ps->p != c)
		return false;
	ps->p++;
	return true;
}

/* A key: a JSON string of lower-case letters and underscores. */
static bool
parse_key(KpiParser *ps, char *key, int keysize)
{
	const char *start;
	int			len;

	if (!expect_char(ps, '"'))
		return false;
	start = ps->p;
	while ((*ps->p >= 'a' && *ps->p <= 'z') || *ps->p == '_')
		ps->p++;
	len = ps->p - start;
	if (*ps->p != '"')
		PARSE_ERROR(ps, "A key is a quoted name of lower-case letters and underscores (character %d).",
					position_of(ps));
	ps->p++;
	if (len >= keysize)
		PARSE_ERROR(ps, "Unknown key \"%.*s\".", len, start);
	memcpy(key, start, len);
	key[len] = '\0';
	return expect_char(ps, ':');
}

/* An integer in [min, max], without sign unless min < 0, fraction or exponent. */
static bool
parse_integer(KpiParser *ps, const char *what, int64 min, int64 max, int64 *result)
{
	const char *start;
	bool		negative = false;
	uint64		value = 0;
	bool		overflow = false;

	skip_space(ps);
	start = ps->p;
	if (*ps->p == '-')
	{
		negative = true;
		ps->p++;
	}
	if (!isdigit((unsigned char) *ps->p))
		PARSE_ERROR(ps, "Expected an integer for %s at character %d.", what, position_of(ps));
	while (isdigit((unsigned char) *ps->p))
	{
		if (value > (PG_UINT64_MAX - 9) / 10)
			overflow = true;
		else
			value = value * 10 + (*ps->p - '0');
		ps->p++;
	}
	if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')
		PARSE_ERROR(ps, "Expected a whole number for %s at character %d.", what, position_of(ps));
	if (overflow || value > (uint64) PG_INT64_MAX + (negative ? 1 : 0) ||
		(negative && (int64) (0 - value) < min) || (!negative && (int64) value > max) ||
		(negative && value != 0 && min >= 0))
	{
		PARSE_ERROR(ps, "The value for %s must be between " INT64_FORMAT " and " INT64_FORMAT ", not %.*s.",
					what, min, max, (int) (ps->p - start), start);
	}
	*result = negative ? (int64) (0 - value) : (int64) value;
	return true;
}

static bool
parse_sketch(KpiParser *ps, const char *name, SketchHeader *h, SketchBucket *b)
{
	bool		seen_zero = false;
	bool		seen_buckets = false;
	char		key[16];
	const char *problem;

	h->zero_count = 0;
	h->total = 0;
	h->nbuckets = 0;
	h->capacity = SKETCH_MAX_BUCKETS;
	h->hint = 0;
	h->reserved = 0;
	if (!expect_char(ps, '{'))
		return false;
	if (next_is(ps, '}'))
		return true;
	do
	{
		if (!parse_key(ps, key, sizeof(key)))
			return false;
		if (strcmp(key, "zero") == 0 && !seen_zero)
		{
			seen_zero = true;
			if (!parse_integer(ps, "the zero count", 0, PG_INT64_MAX, &h->zero_count))
				return false;
		}
		else if (strcmp(key, "buckets") == 0 && !seen_buckets)
		{
			seen_buckets = true;
			if (!expect_char(ps, '['))
				return false;
			if (!next_is(ps, ']'))
			{
				do
				{
					int64		k;
					int64		n;

					if (h->nbuckets >= SKETCH_MAX_BUCKETS)
						PARSE_ERROR(ps, "Sketch \"%s\" has more than %d buckets.", name, SKETCH_MAX_BUCKETS);
					if (!expect_char(ps, '[') ||
						!parse_integer(ps, "a bucket key", PG_INT32_MIN, PG_INT32_MAX, &k) ||
						!expect_char(ps, ',') ||
						!parse_integer(ps, "a bucket count", 1, PG_INT64_MAX, &n) ||
						!expect_char(ps, ']'))
						return false;
					b[h->nbuckets].key = (int32) k;
					b[h->nbuckets].reserved = 0;
					b[h->nbuckets].count = n;
					h->nbuckets++;
				} while (next_is(ps, ','));
				if (!expect_char(ps, ']'))
					return false;
			}
		}
		else if (strcmp(key, "zero") == 0 || strcmp(key, "buckets") == 0)
			PARSE_ERROR(ps, "Key \"%s\" appears twice in sketch \"%s\".", key, name);
		else
			PARSE_ERROR(ps, "Unknown key \"%s\" in sketch \"%s\": the keys are \"zero\" and \"buckets\".",
						key, name);
	} while (next_is(ps, ','));
	if (!expect_char(ps, '}'))
		return false;
	if (!sketch_check(h, b, &problem))
		PARSE_ERROR(ps, "Sketch \"%s\": %s", name, problem);
	return true;
}

static bool
kpi_parse(KpiParser *ps, KpiView *view, SketchBucket **buckets)
{
	bool		seen[KPI_NCOUNTERS + KPI_NSKETCHES + 1] = {false};
	char		key[32];
	const char *problem;
	int			i;

	memset(view, 0, sizeof(KpiView));
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		buckets[i] = palloc(SKETCH_MAX_BUCKETS * sizeof(SketchBucket));
		view->bucket[i] = buckets[i];
	}
	if (!expect_char(ps, '{'))
		return false;
	if (!next_is(ps, '}'))
	{
		do
		{
			int			k;

			if (!parse_key(ps, key, sizeof(key)))
				return false;
			for (k = 0; k < KPI_NCOUNTERS + KPI_NSKETCHES; k++)
				if (strcmp(key, k < KPI_NCOUNTERS ? counter_names[k] : sketch_names[k - KPI_NCOUNTERS]) == 0)
					break;
			if (k == KPI_NCOUNTERS + KPI_NSKETCHES && strcmp(key, "version") != 0)
				PARSE_ERROR(ps, "Unknown key \"%s\".", key);
			if (seen[k])
				PARSE_ERROR(ps, "Key \"%s\" appears twice.", key);
			seen[k] = true;
			if (k < KPI_NCOUNTERS)
			{
				if (!parse_integer(ps, psprintf("\"%s\"", key), 0, PG_INT64_MAX, &view->counter[k]))
					return false;
			}
			else if (k < KPI_NCOUNTERS + KPI_NSKETCHES)
			{
				if (!parse_sketch(ps, key, &view->sketch[k - KPI_NCOUNTERS], buckets[k - KPI_NCOUNTERS]))
					return false;
			}
			else
			{
				int64		version;

				if (!parse_integer(ps, "the version", 0, PG_INT32_MAX, &version))
					return false;
				if (version != KPI_TEXT_VERSION)
					PARSE_ERROR(ps, "Version " INT64_FORMAT " is not known; this gridgov reads version %d.",
								version, KPI_TEXT_VERSION);
			}
		} while (next_is(ps, ','));
		if (!expect_char(ps, '}'))
			return false;
	}
	skip_space(ps);
	if (*ps->p != '\0')
		PARSE_ERROR(ps, "Unexpected \"%.*s\" after the end of the object at character %d.",
					pg_mblen(ps->p), ps->p, position_of(ps));
	if (!seen[KPI_NCOUNTERS + KPI_NSKETCHES])
		PARSE_ERROR(ps, "The key \"version\" is missing.");
	if (!kpi_view_possible(view, &problem))
		PARSE_ERROR(ps, "No set of cases has this state: %s", problem);
	return true;
}

PG_FUNCTION_INFO_V1(kpi_state_in);
Datum
kpi_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	KpiParser	ps;
	KpiView		view;
	SketchBucket *buckets[KPI_NSKETCHES];

	ps.input = str;
	ps.p = str;
	ps.escontext = fcinfo->context;
	if (!kpi_parse(&ps, &view, buckets))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(kpi_pack(&view));
}

/* ----------------------------------------------------------------------
 * Binary form: int8 version 1; 16 int8 counters in the text form's order;
 * per sketch an int8 zero count, an int4 number of buckets and as many
 * (int4 key, int8 count).
 * ----------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(kpi_state_send);
Datum
kpi_state_send(PG_FUNCTION_ARGS)
{
	KpiView		view;
	StringInfoData buf;
	int			i;
	int			j;

	kpi_view(PG_GETARG_DATUM(0), &view, true);
	pq_begintypsend(&buf);
	pq_sendint8(&buf, KPI_TEXT_VERSION);
	for (i = 0; i < KPI_NCOUNTERS; i++)
		pq_sendint64(&buf, view.counter[i]);
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		pq_sendint64(&buf, view.sketch[i].zero_count);
		pq_sendint32(&buf, view.sketch[i].nbuckets);
		for (j = 0; j < view.sketch[i].nbuckets; j++)
		{
			pq_sendint32(&buf, view.bucket[i][j].key);
			pq_sendint64(&buf, view.bucket[i][j].count);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

#define RECV_ERROR(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), \
			 errmsg("invalid binary kpi_state"), \
			 errdetail(__VA_ARGS__)))

PG_FUNCTION_INFO_V1(kpi_state_recv);
Datum
kpi_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	KpiView		view;
	const char *problem;
	int			version = pq_getmsgint(buf, 1);
	int			i;
	int			j;

	if (version != KPI_TEXT_VERSION)
		RECV_ERROR("Version %d is not known; this gridgov reads version %d.", version, KPI_TEXT_VERSION);
	for (i = 0; i < KPI_NCOUNTERS; i++)
	{
		view.counter[i] = pq_getmsgint64(buf);
		if (view.counter[i] < 0)
			RECV_ERROR("Counter \"%s\" is negative.", counter_names[i]);
	}
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		SketchHeader *h = &view.sketch[i];
		SketchBucket *b;

		h->zero_count = pq_getmsgint64(buf);
		h->nbuckets = (int32) pq_getmsgint(buf, 4);
		h->capacity = h->nbuckets;
		h->hint = 0;
		h->reserved = 0;
		if (h->nbuckets < 0 || h->nbuckets > SKETCH_MAX_BUCKETS)
			RECV_ERROR("Sketch \"%s\" has %d buckets; a sketch has 0 to %d.",
					   sketch_names[i], h->nbuckets, SKETCH_MAX_BUCKETS);
		b = palloc(Max(h->nbuckets, 1) * sizeof(SketchBucket));
		for (j = 0; j < h->nbuckets; j++)
		{
			b[j].key = (int32) pq_getmsgint(buf, 4);
			b[j].reserved = 0;
			b[j].count = pq_getmsgint64(buf);
		}
		if (!sketch_check(h, b, &problem))
			RECV_ERROR("Sketch \"%s\": %s", sketch_names[i], problem);
		view.bucket[i] = b;
	}
	if (!kpi_view_possible(&view, &problem))
		RECV_ERROR("No set of cases has this state: %s", problem);
	PG_RETURN_POINTER(kpi_pack(&view));
}

/* ----------------------------------------------------------------------
 * Accessors
 * ----------------------------------------------------------------------
 */

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
	kpi_view(PG_GETARG_DATUM(0), &view, false); \
	PG_RETURN_INT64(view.counter[which]); \
}

#define KPI_RATE(fname, numerator, denominator) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	KpiView		view; \
	Datum		result; \
	kpi_view(PG_GETARG_DATUM(0), &view, false); \
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
KPI_RATE(kpi_on_time_rate, KC_CLOSED_ON_TIME, KC_CLOSED)
KPI_RATE(kpi_rework_rate, KC_REWORKED, KC_CLOSED)
KPI_RATE(kpi_extension_rate, KC_EXTENDED, KC_DISPATCHED)
KPI_RATE(kpi_escalation_rate, KC_ESCALATED, KC_ACCEPTED)
KPI_RATE(kpi_community_share, KC_SETTLED_IN_COMMUNITY, KC_CLOSED)
KPI_RATE(kpi_satisfied_share, KC_SATISFIED, KC_EVALUATED)
KPI_RATE(kpi_satisfaction_mean, KC_SATISFACTION_SUM, KC_EVALUATED)

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

static Datum
hours_accessor(FunctionCallInfo fcinfo, int s)
{
	KpiView		view;
	double		fraction = PG_GETARG_FLOAT8(1);
	double		hours;

	check_fraction(fraction);
	kpi_view(PG_GETARG_DATUM(0), &view, true);
	if (!hours_at(&view, s, fraction, &hours))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(hours);
}

PG_FUNCTION_INFO_V1(kpi_accept_hours);
Datum
kpi_accept_hours(PG_FUNCTION_ARGS)
{
	return hours_accessor(fcinfo, KS_ACCEPT);
}

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
		{"on_time_rate", KC_CLOSED_ON_TIME, KC_CLOSED},
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

	kpi_view(PG_GETARG_DATUM(0), &view, true);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	/* satisfaction_sum is a means to the mean, not a figure */
	for (i = 0; i < KPI_NCOUNTERS; i++)
		if (i != KC_SATISFACTION_SUM)
			appendStringInfo(&buf, "%s\"%s\": " INT64_FORMAT, i > 0 ? ", " : "",
							 counter_names[i], view.counter[i]);
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
