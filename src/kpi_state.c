/*
 * kpi_state.c
 *		The KPI state type, kpi_state: its two layouts, packing, what a state
 *		can be, and its text and binary forms.  The aggregate over cases
 *		that makes and merges states is in kpi.c.
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
 */
#include "postgres.h"

#include "common/int.h"
#include "common/int128.h"
#include "fmgr.h"
#include "gridgov.h"
#include "kpi_state.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "sketch.h"
#include "utils/builtins.h"

#define KPI_TEXT_VERSION	1

const char *const kpi_state_counter_names[KPI_NCOUNTERS] = {
	"received", "accepted", "dispatched", "due_to_close", "closed", "closed_on_time",
	"reworked", "extended", "returned", "escalated", "settled_in_community",
	"open_now", "overdue_now", "evaluated", "satisfied", "satisfaction_sum"
};

const char *const kpi_state_sketch_names[KPI_NSKETCHES] = {"accept_seconds", "close_seconds"};

/* Refuse a stored value that no kpi_state function made (XX001). */
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
void
kpi_state_view(Datum datum, KpiView *view, bool buckets)
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
			view->bucket[i] = buckets ? kpi_state_buckets((KpiWork *) w, i) : NULL;
		}
	}
	else
		report_corrupt("The value's format byte is unknown.");
}

/* A packed value from a view with its buckets. */
struct varlena *
kpi_state_pack(const KpiView *view)
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

/* A packed value from a working one. */
struct varlena *
kpi_state_pack_work(KpiWork *w)
{
	KpiView		view;
	int			i;

	memcpy(view.counter, w->counter, sizeof(view.counter));
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		view.sketch[i] = w->sketch[i];
		view.bucket[i] = kpi_state_buckets(w, i);
	}
	return kpi_state_pack(&view);
}

/* A new working value (in CurrentMemoryContext) holding a view, with room. */
KpiWork *
kpi_state_work_from_view(const KpiView *view, const int32 *capacity)
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
			memcpy(kpi_state_buckets(w, s), view->bucket[s],
				   view->sketch[s].nbuckets * sizeof(SketchBucket));
	return w;
}

/* A copy of a working value with the given room for each sketch. */
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
		view.bucket[s] = kpi_state_buckets(old, s);
	}
	return kpi_state_work_from_view(&view, capacity);
}

/* A copy with room for sketch s grown to hold at least `need` buckets. */
KpiWork *
kpi_state_work_grow(KpiWork *w, int s, int32 need)
{
	int32		capacity[KPI_NSKETCHES];

	capacity[KS_ACCEPT] = w->sketch[KS_ACCEPT].capacity;
	capacity[KS_CLOSE] = w->sketch[KS_CLOSE].capacity;
	capacity[s] = Max(need, Min(Max(capacity[s] * 2, KPI_INITIAL_BUCKETS), SKETCH_MAX_BUCKETS));
	return work_from_work(w, capacity[KS_ACCEPT], capacity[KS_CLOSE]);
}

/* A new, empty working value. */
KpiWork *
kpi_state_work_empty(void)
{
	KpiView		view;
	int32		capacity[KPI_NSKETCHES] = {KPI_INITIAL_BUCKETS, KPI_INITIAL_BUCKETS};

	memset(&view, 0, sizeof(view));
	return kpi_state_work_from_view(&view, capacity);
}

/* ----------------------------------------------------------------------
 * What a state can be
 *
 * count_case counts every case into received and into at most one of
 * open_now and closed; overdue_now among the open ones, due_to_close as the
 * closed ones, the accepted overdue ones and the verified ones (open, never
 * overdue); closed_on_time,
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
						kpi_state_counter_names[a], view->counter[a], kpi_state_counter_names[b], view->counter[b]);
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
	if ((uint64) view->counter[KC_DUE_TO_CLOSE] > counter_sum(view, KC_CLOSED, KC_OPEN_NOW))
	{
		*problem = psprintf("\"due_to_close\" (" INT64_FORMAT ") is more than \"closed\" (" INT64_FORMAT ") and \"open_now\" (" INT64_FORMAT ") together.",
							view->counter[KC_DUE_TO_CLOSE], view->counter[KC_CLOSED], view->counter[KC_OPEN_NOW]);
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
								kpi_state_sketch_names[i], view->sketch[i].total,
								kpi_state_counter_names[sketch_of[i]], view->counter[sketch_of[i]]);
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

/* Append a sketch's text form. */
static void
append_sketch_text(StringInfo buf, const SketchHeader *h, const SketchBucket *b)
{
	int			i;

	appendStringInfo(buf, "{\"zero\": " INT64_FORMAT ", \"buckets\": [", h->zero_count);
	for (i = 0; i < h->nbuckets; i++)
		appendStringInfo(buf, "%s[%d, " INT64_FORMAT "]", i > 0 ? ", " : "", b[i].key, b[i].count);
	appendStringInfoString(buf, "]}");
}

/* The type's text output. */
PG_FUNCTION_INFO_V1(kpi_state_out);
Datum
kpi_state_out(PG_FUNCTION_ARGS)
{
	KpiView		view;
	StringInfoData buf;
	int			i;

	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d", KPI_TEXT_VERSION);
	for (i = 0; i < KPI_NCOUNTERS; i++)
		appendStringInfo(&buf, ", \"%s\": " INT64_FORMAT, kpi_state_counter_names[i], view.counter[i]);
	for (i = 0; i < KPI_NSKETCHES; i++)
	{
		appendStringInfo(&buf, ", \"%s\": ", kpi_state_sketch_names[i]);
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

/* The parser's position, counted in characters from 1. */
static inline int
position_of(KpiParser *ps)
{
	return pg_mbstrlen_with_len(ps->input, ps->p - ps->input) + 1;
}

/* Skip JSON whitespace. */
static void
skip_space(KpiParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* Consume c after whitespace, or report where it was expected. */
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

/* A sketch's text form: its zero count and its buckets. */
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

/* A whole state's text form, into a view with its buckets. */
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
				if (strcmp(key, k < KPI_NCOUNTERS ? kpi_state_counter_names[k] : kpi_state_sketch_names[k - KPI_NCOUNTERS]) == 0)
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

/* The type's text input, refusing states no set of cases has. */
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
	PG_RETURN_POINTER(kpi_state_pack(&view));
}

/* ----------------------------------------------------------------------
 * Binary form: int8 version 1; 16 int8 counters in the text form's order;
 * per sketch an int8 zero count, an int4 number of buckets and as many
 * (int4 key, int8 count).
 * ----------------------------------------------------------------------
 */

/* The type's binary output. */
PG_FUNCTION_INFO_V1(kpi_state_send);
Datum
kpi_state_send(PG_FUNCTION_ARGS)
{
	KpiView		view;
	StringInfoData buf;
	int			i;
	int			j;

	kpi_state_view(PG_GETARG_DATUM(0), &view, true);
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

/* The type's binary input, refusing states no set of cases has. */
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
			RECV_ERROR("Counter \"%s\" is negative.", kpi_state_counter_names[i]);
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
					   kpi_state_sketch_names[i], h->nbuckets, SKETCH_MAX_BUCKETS);
		b = palloc(Max(h->nbuckets, 1) * sizeof(SketchBucket));
		for (j = 0; j < h->nbuckets; j++)
		{
			b[j].key = (int32) pq_getmsgint(buf, 4);
			b[j].reserved = 0;
			b[j].count = pq_getmsgint64(buf);
		}
		if (!sketch_check(h, b, &problem))
			RECV_ERROR("Sketch \"%s\": %s", kpi_state_sketch_names[i], problem);
		view.bucket[i] = b;
	}
	if (!kpi_view_possible(&view, &problem))
		RECV_ERROR("No set of cases has this state: %s", problem);
	PG_RETURN_POINTER(kpi_state_pack(&view));
}

