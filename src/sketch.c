/*
 * sketch.c
 *		The mergeable relative-error quantile sketch (see sketch.h).
 *
 * Buckets are kept sparse: a sorted array of (key, count), searched by
 * bisection.  A KPI state of a day, a grid and a category holds a handful
 * of values; a district's state over years holds at most a few thousand
 * buckets (one per 1% step of duration: 1 second to 5 years of working
 * time is about 1,740 keys), so the array stays small, and adding a value
 * moves at most that many entries.
 */
#include "postgres.h"

#include <math.h>

#include "sketch.h"

/* gamma = (1 + a) / (1 - a) */
#define SKETCH_GAMMA	((1.0 + SKETCH_RELATIVE_ACCURACY) / (1.0 - SKETCH_RELATIVE_ACCURACY))

static double log_gamma = 0.0;

/* log(gamma), computed once. */
static inline double
get_log_gamma(void)
{
	if (log_gamma == 0.0)
		log_gamma = log(SKETCH_GAMMA);
	return log_gamma;
}

/*
 * Keys without a logarithm, for values from 1 to 2^26 (whole working
 * seconds up to about nine years: every duration the KPIs count).  The
 * logarithm and its division were an eighth of kpi's transition.  One
 * table holds each bucket's top, gamma^k; another the key at the start of
 * each 1/256 step of a binary mantissa, so that a value's exponent and top
 * mantissa bits give a key at most two below its own, which the tops
 * settle.  A value within a billionth (relatively) of a top is left to the
 * logarithm, as the table's rounding might disagree with it there;
 * anywhere else the two agree, the logarithm's own error being about 1e-12
 * of a key (tests/sql/kpi_sketch.sql checks the neighbours of every top).
 */
#define FAST_LIMIT_EXPONENT 26
#define FAST_MANTISSA_BITS	8
#define FAST_KEYS			1820	/* ceil(26 log 2 / log gamma) is 1803 */
#define FAST_MARGIN			1e-9

static bool fast_ready = false;
static double fast_top[FAST_KEYS];	/* gamma^k */
static double fast_first[1 << FAST_MANTISSA_BITS];	/* log(1 + t / 256) / log(gamma) */
static double fast_per_octave;	/* log(2) / log(gamma) */

/* Fill the tables of fast_key, once a backend. */
static void
fast_fill(void)
{
	int			i;

	for (i = 0; i < FAST_KEYS; i++)
		fast_top[i] = exp((double) i * get_log_gamma());
	if (!(fast_top[FAST_KEYS - 2] > ldexp(1.0, FAST_LIMIT_EXPONENT)))
		elog(ERROR, "sketch key table too short");
	for (i = 0; i < (int) lengthof(fast_first); i++)
		fast_first[i] = log1p((double) i / lengthof(fast_first)) / get_log_gamma();
	fast_per_octave = log(2.0) / get_log_gamma();
	fast_ready = true;
}

/* A value's key from the tables, or -1 when it is for the logarithm. */
static inline int32
fast_key(double value)
{
	uint64		bits;
	int			exponent;
	int			step;
	int32		k;

	if (!(value >= 1.0 && value < (double) (INT64CONST(1) << FAST_LIMIT_EXPONENT)))
		return -1;
	if (unlikely(!fast_ready))
		fast_fill();
	memcpy(&bits, &value, sizeof(bits));
	exponent = (int) (bits >> 52) - 1023;
	step = (int) (bits >> (52 - FAST_MANTISSA_BITS)) & (lengthof(fast_first) - 1);
	k = (int32) (exponent * fast_per_octave + fast_first[step]);
	while (k > 0 && !(value > fast_top[k - 1]))
		k--;
	while (value > fast_top[k])
		k++;
	if ((k == 0 || value > fast_top[k - 1] * (1.0 + FAST_MARGIN)) &&
		value < fast_top[k] * (1.0 - FAST_MARGIN))
		return k;
	return -1;
}

/* the bucket key of a value >= SKETCH_MIN_VALUE, and a bucket's estimate */
int32
sketch_key(double value)
{
	int32		fast = fast_key(value);
	double		k;

	if (fast >= 0)
		return fast;
	k = ceil(log(value) / get_log_gamma());

	/* beyond 2^63 (+Infinity too): the top bucket, whose estimate prints */
	if (!(k < SKETCH_KEY_MAX))
		return SKETCH_KEY_MAX;
	if (k < SKETCH_KEY_MIN)
		return SKETCH_KEY_MIN;
	return (int32) k;
}

/* The value a bucket's key stands for, in the middle of its range. */
double
sketch_bucket_value(int32 key)
{
	return exp((double) key * get_log_gamma()) * 2.0 / (SKETCH_GAMMA + 1.0);
}

/* first index whose key is >= key */
static inline int32
lower_bound(const SketchBucket *b, int32 n, int32 key)
{
	int32		lo = 0;
	int32		hi = n;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (b[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fold the lowest buckets into bucket n - SKETCH_MAX_BUCKETS, keeping the highest keys. */
static void
collapse(SketchHeader *h, SketchBucket *b)
{
	int32		excess = h->nbuckets - SKETCH_MAX_BUCKETS;
	int32		i;

	if (excess <= 0)
		return;
	for (i = 0; i < excess; i++)
		b[excess].count += b[i].count;
	memmove(b, b + excess, SKETCH_MAX_BUCKETS * sizeof(SketchBucket));
	h->nbuckets = SKETCH_MAX_BUCKETS;
}

/* Add a value; false when a new bucket needs more room. */
bool
sketch_add(SketchHeader *h, SketchBucket *b, double value)
{
	int32		key;
	int32		pos;
	int64		guess;

	/* NaN too: it is not >= anything */
	if (!(value >= SKETCH_MIN_VALUE))
	{
		h->zero_count++;
		h->total++;
		return true;
	}
	key = sketch_key(value);

	/*
	 * Where a sketch's keys run without gaps (the body of a large one), a
	 * key sits as far from the last one added as its key is: try there
	 * before searching.  The hint is only a guess, checked before use.
	 */
	guess = (int64) key + h->hint;
	if (guess >= 0 && guess < h->nbuckets && b[guess].key == key)
	{
		b[guess].count++;
		h->total++;
		return true;
	}
	pos = lower_bound(b, h->nbuckets, key);
	h->hint = pos - key;
	if (pos < h->nbuckets && b[pos].key == key)
	{
		b[pos].count++;
		h->total++;
		return true;
	}
	if (h->nbuckets >= SKETCH_MAX_BUCKETS)
	{
		/* below every kept key: it belongs to the collapsed lowest bucket */
		if (pos == 0)
		{
			b[0].count++;
			h->total++;
			return true;
		}
		/* make room by folding the lowest bucket into the next */
		b[1].count += b[0].count;
		memmove(b, b + 1, (h->nbuckets - 1) * sizeof(SketchBucket));
		h->nbuckets--;
		pos--;
	}
	else if (h->nbuckets >= h->capacity)
		return false;
	memmove(b + pos + 1, b + pos, (h->nbuckets - pos) * sizeof(SketchBucket));
	b[pos].key = key;
	b[pos].reserved = 0;
	b[pos].count = 1;
	h->nbuckets++;
	h->total++;
	return true;
}

/*
 * Merging a day's few buckets into a district's thousand is the common case
 * (kpi_merge over rollups): then each of the few is looked up by bisection,
 * instead of walking the thousand.
 */
static inline bool
few_into_many(int32 nfew, int32 nmany)
{
	return nfew <= 8 && nmany >= 8 * nfew;
}

/* Merge a few buckets that all exist in dst already; false if not so. */
bool
sketch_merge_existing(SketchHeader *dst, SketchBucket *db,
					  const SketchHeader *src, const SketchBucket *sb)
{
	int32		pos[8];
	int32		j;

	if (!few_into_many(src->nbuckets, dst->nbuckets))
		return false;
	StaticAssertStmt(lengthof(pos) >= 8, "few_into_many allows up to 8 buckets");
	for (j = 0; j < src->nbuckets; j++)
	{
		pos[j] = lower_bound(db, dst->nbuckets, sb[j].key);
		if (pos[j] == dst->nbuckets || db[pos[j]].key != sb[j].key)
			return false;
	}
	for (j = 0; j < src->nbuckets; j++)
		db[pos[j]].count += sb[j].count;
	dst->zero_count += src->zero_count;
	dst->total += src->total;
	return true;
}

/* room for a union before it collapses: at most both sketches' buckets */
static SketchBucket merge_scratch[2 * SKETCH_MAX_BUCKETS];

/* Merge src into dst; false with *needed when dst needs more room. */
bool
sketch_merge(SketchHeader *dst, SketchBucket *db,
			 const SketchHeader *src, const SketchBucket *sb, int32 *needed)
{
	SketchHeader merged;
	int32		i = 0;
	int32		j = 0;
	int32		k = 0;

	/* one pass over both into the scratch array, then one copy back */
	while (i < dst->nbuckets && j < src->nbuckets)
	{
		if (db[i].key < sb[j].key)
			merge_scratch[k++] = db[i++];
		else if (db[i].key > sb[j].key)
			merge_scratch[k++] = sb[j++];
		else
		{
			merge_scratch[k] = db[i++];
			merge_scratch[k++].count += sb[j++].count;
		}
	}
	while (i < dst->nbuckets)
		merge_scratch[k++] = db[i++];
	while (j < src->nbuckets)
		merge_scratch[k++] = sb[j++];
	merged.nbuckets = k;
	collapse(&merged, merge_scratch);
	if (merged.nbuckets > dst->capacity)
	{
		*needed = merged.nbuckets;
		return false;
	}
	memcpy(db, merge_scratch, merged.nbuckets * sizeof(SketchBucket));
	dst->nbuckets = merged.nbuckets;
	dst->zero_count += src->zero_count;
	dst->total += src->total;
	return true;
}

/* The value at a fraction of the sketch, as percentile_disc; false when empty. */
bool
sketch_quantile(const SketchHeader *h, const SketchBucket *b, double q, double *result)
{
	int64		total = h->total;
	double		rank;
	int64		cumulative;
	int32		i;

	if (total == 0)
		return false;
	/* percentile_disc's row: ceil(q n), at least the first */
	rank = ceil(q * (double) total);
	if (rank <= (double) h->zero_count || rank < 1.0)
	{
		if (h->zero_count > 0)
		{
			*result = 0.0;
			return true;
		}
		rank = 1.0;
	}
	cumulative = h->zero_count;
	for (i = 0; i < h->nbuckets; i++)
	{
		cumulative += b[i].count;
		if ((double) cumulative >= rank)
			break;
	}
	/* q = 1 with rounding: the highest bucket */
	if (i == h->nbuckets)
		i = h->nbuckets - 1;
	*result = sketch_bucket_value(b[i].key);
	return true;
}

/* ----------------------------------------------------------------------
 * Encoding
 * ----------------------------------------------------------------------
 */

/* unsigned LEB128, shared with kpi_state.c's encoding of its counters */
void
sketch_put_varint(StringInfo buf, uint64 value)
{
	uint8		bytes[10];
	int			n = 0;

	do
	{
		uint8		byte = value & 0x7F;

		value >>= 7;
		if (value != 0)
			byte |= 0x80;
		bytes[n++] = byte;
	} while (value != 0);
	appendBinaryStringInfo(buf, (char *) bytes, n);
}

/* Read an unsigned LEB128 varint; false when malformed. */
bool
sketch_get_varint(const uint8 **p, const uint8 *end, uint64 *value)
{
	uint64		result = 0;
	int			shift = 0;

	while (*p < end)
	{
		uint8		byte = *(*p)++;

		if (shift == 63 && (byte & 0x7E) != 0)
			return false;		/* more than 64 bits */
		result |= (uint64) (byte & 0x7F) << shift;
		if ((byte & 0x80) == 0)
		{
			*value = result;
			return true;
		}
		shift += 7;
		if (shift > 63)
			return false;
	}
	return false;				/* ran off the end */
}

/* A signed integer as an unsigned one, small for small magnitudes. */
static inline uint64
zigzag(int64 v)
{
	return ((uint64) v << 1) ^ (uint64) (v >> 63);
}

/* The signed integer of a zigzag one. */
static inline int64
unzigzag(uint64 v)
{
	return (int64) (v >> 1) ^ -(int64) (v & 1);
}

/* Append a sketch's encoded form. */
void
sketch_encode(StringInfo buf, const SketchHeader *h, const SketchBucket *b)
{
	int32		i;

	sketch_put_varint(buf, (uint64) h->zero_count);
	sketch_put_varint(buf, (uint64) h->nbuckets);
	if (h->nbuckets == 0)
		return;
	sketch_put_varint(buf, zigzag(b[0].key));
	for (i = 1; i < h->nbuckets; i++)
		sketch_put_varint(buf, (uint64) ((int64) b[i].key - b[i - 1].key - 1));
	for (i = 0; i < h->nbuckets; i++)
		sketch_put_varint(buf, (uint64) b[i].count);
}

/* the number of buckets of the encoded sketch at p, or -1 if malformed */
int32
sketch_decoded_buckets(const uint8 *p, const uint8 *end)
{
	uint64		v;

	if (!sketch_get_varint(&p, end, &v) || !sketch_get_varint(&p, end, &v) || v > SKETCH_MAX_BUCKETS)
		return -1;
	return (int32) v;
}

/* Read a sketch's encoded form; false when malformed. */
bool
sketch_decode(const uint8 **p, const uint8 *end, SketchHeader *h, SketchBucket *b)
{
	uint64		v;
	uint64		total;
	int64		key = 0;
	int32		n;
	int32		i;

	if (!sketch_get_varint(p, end, &v) || v > PG_INT64_MAX)
		return false;
	h->zero_count = (int64) v;
	total = v;
	if (!sketch_get_varint(p, end, &v) || v > SKETCH_MAX_BUCKETS)
		return false;
	n = (int32) v;
	h->nbuckets = n;
	h->capacity = n;
	h->hint = 0;
	h->reserved = 0;
	h->total = (int64) total;

	/* keys: ascending by construction, checked to fit an int32 */
	for (i = 0; i < n; i++)
	{
		if (!sketch_get_varint(p, end, &v))
			return false;
		if (i == 0)
			key = unzigzag(v);
		else if (v >= ((uint64) 1 << 32))
			return false;
		else
			key += (int64) v + 1;
		if (key < PG_INT32_MIN || key > PG_INT32_MAX)
			return false;
		if (b != NULL)
		{
			b[i].key = (int32) key;
			b[i].reserved = 0;
		}
	}
	for (i = 0; i < n; i++)
	{
		if (!sketch_get_varint(p, end, &v) || v == 0 || v > (uint64) PG_INT64_MAX - total)
			return false;
		total += v;
		if (b != NULL)
			b[i].count = (int64) v;
	}
	h->total = (int64) total;
	return true;
}

/* Is a sketch well formed (keys sorted and in range, counts summing to its total)? */
bool
sketch_check(SketchHeader *h, const SketchBucket *b, const char **problem)
{
	uint64		total;
	int32		i;

	if (h->zero_count < 0)
	{
		*problem = "The zero count is negative.";
		return false;
	}
	if (h->nbuckets < 0 || h->nbuckets > SKETCH_MAX_BUCKETS)
	{
		*problem = psprintf("A sketch has at most %d buckets.", SKETCH_MAX_BUCKETS);
		return false;
	}
	total = (uint64) h->zero_count;
	for (i = 0; i < h->nbuckets; i++)
	{
		if (b[i].count <= 0)
		{
			*problem = psprintf("Bucket %d has a count of " INT64_FORMAT ": counts are positive.",
								b[i].key, b[i].count);
			return false;
		}
		if (b[i].key < SKETCH_KEY_MIN || b[i].key > SKETCH_KEY_MAX)
		{
			*problem = psprintf("Bucket key %d is out of range: keys run from %d (values of 1e-9) to %d (2^63).",
								b[i].key, SKETCH_KEY_MIN, SKETCH_KEY_MAX);
			return false;
		}
		if (i > 0 && b[i].key <= b[i - 1].key)
		{
			*problem = psprintf("Bucket keys must be strictly ascending: %d follows %d.",
								b[i].key, b[i - 1].key);
			return false;
		}
		if ((uint64) b[i].count > (uint64) PG_INT64_MAX - total)
		{
			*problem = "The sketch counts more values than a bigint holds.";
			return false;
		}
		total += (uint64) b[i].count;
	}
	h->total = (int64) total;
	return true;
}
