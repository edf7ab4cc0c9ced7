/*
 * sketch.h
 *		A mergeable quantile sketch with a relative-error guarantee
 *		(DDSketch-style logarithmic buckets), for the KPI aggregate's
 *		handling-time percentiles.
 *
 * With relative accuracy a = SKETCH_RELATIVE_ACCURACY and
 * gamma = (1 + a) / (1 - a), a value x >= SKETCH_MIN_VALUE falls in bucket
 * i = ceil(log_gamma(x)), which holds the values in (gamma^(i-1), gamma^i],
 * and the bucket's estimate is 2 gamma^i / (gamma + 1).  Every value in the
 * bucket is within a (relatively) of that estimate.  Values below
 * SKETCH_MIN_VALUE (zero, and negatives, which a duration never is) are
 * counted in a zero bucket whose estimate is 0.
 *
 * The sketch keeps only the buckets that hold values, as an array of
 * (key, count) in ascending key order.  At most SKETCH_MAX_BUCKETS are kept:
 * when another would be needed, the lowest buckets are collapsed into the
 * lowest one kept, so the kept buckets are always the SKETCH_MAX_BUCKETS
 * highest keys seen, whatever the order in which values and sketches
 * arrived.  (For whole seconds that means a spread of more than
 * gamma^2048, about 7.6e8: 1 second to 24 years.  Quantiles whose rank falls
 * in a collapsed bucket lose the guarantee: they are overestimated.)
 *
 * Merging two sketches adds the counts of equal keys, so a merge of
 * sketches gives exactly the sketch of all their values.
 *
 * Quantiles use percentile_disc's rank: of n values, the q-quantile is the
 * k-th smallest, k = max(1, ceil(q n)), and the sketch answers the estimate
 * of the bucket holding that value.  Hence the bound: the answer is within a
 * relative error a of the k-th smallest value (0 when that value is in the
 * zero bucket), up to floating-point rounding in computing a key, which near
 * a bucket boundary may pick the neighbouring bucket, whose estimate is then
 * within a(1 + 1e-12) as well.
 *
 * The functions work on a header and a bucket array that the caller owns
 * (in kpi_state.c they live inside a varlena that is updated in place); the ones
 * that may need room say how much, and never change anything when there is
 * not enough.
 */
#ifndef GRIDGOV_SKETCH_H
#define GRIDGOV_SKETCH_H

#include "postgres.h"

#include "lib/stringinfo.h"

#define SKETCH_RELATIVE_ACCURACY	0.005
#define SKETCH_MAX_BUCKETS			2048
#define SKETCH_MIN_VALUE			1e-9

/*
 * The keys a sketch may hold: those of values from SKETCH_MIN_VALUE up to
 * 2^63, the most seconds an int64 counts (the KPI's durations are whole
 * working seconds in an int64), so that every bucket's estimate is a finite
 * number that prints.  sketch_key clamps larger values (only absurd ones,
 * or +Infinity) to the top key; the input functions refuse other keys.
 */
#define SKETCH_KEY_MIN				(-2072)	/* sketch_key(1e-9) */
#define SKETCH_KEY_MAX				4367	/* sketch_key(2^63) */

typedef struct SketchBucket
{
	int32		key;
	int32		reserved;		/* zero; keeps count 8-byte aligned */
	int64		count;			/* > 0 */
} SketchBucket;

typedef struct SketchHeader
{
	int64		zero_count;		/* values below SKETCH_MIN_VALUE */
	int64		total;			/* all values: zero_count + the buckets' counts */
	int32		nbuckets;		/* buckets in use */
	int32		capacity;		/* slots the owner has room for */
	int32		hint;			/* position minus key of the last key added */
	int32		reserved;		/* zero */
} SketchHeader;

/* the bucket key of a value >= SKETCH_MIN_VALUE, and a bucket's estimate */
extern int32 sketch_key(double value);
extern double sketch_bucket_value(int32 key);

/*
 * Add one value.  Returns false, changing nothing, when the value needs a
 * new bucket and nbuckets == capacity (and capacity < SKETCH_MAX_BUCKETS):
 * the caller grows the array and calls again.
 */
extern bool sketch_add(SketchHeader *h, SketchBucket *b, double value);

/*
 * dst += src when src is a few buckets (a day's) whose keys dst already has
 * (a month's): one bisection each.  Returns false, changing nothing,
 * otherwise; then use sketch_merge.
 */
extern bool sketch_merge_existing(SketchHeader *dst, SketchBucket *db,
								  const SketchHeader *src, const SketchBucket *sb);

/*
 * dst += src in one pass over both.  Returns false, changing nothing, when
 * the result needs more than dst->capacity buckets, with *needed set to how
 * many: make room and call again.  The caller checks that dst->total +
 * src->total fits in an int64.
 */
extern bool sketch_merge(SketchHeader *dst, SketchBucket *db,
						 const SketchHeader *src, const SketchBucket *sb, int32 *needed);


/*
 * The q-quantile (0 <= q <= 1, checked by the caller) as described above;
 * false when the sketch is empty.
 */
extern bool sketch_quantile(const SketchHeader *h, const SketchBucket *b, double q,
							double *result);

/*
 * Compact encoding, for kpi_state's stored form: the zero count, the number
 * of buckets, the first key (zigzag), the gaps between keys less one, then
 * the counts, all as unsigned LEB128 varints.  sketch_decode reads one from
 * *p (not beyond end), advancing *p; it fills h (capacity = nbuckets, and
 * the total) and, if b is not NULL, b, which must have room for all the
 * buckets (sketch_decoded_buckets tells how many); it
 * returns false on malformed data, including keys that are not ascending or
 * do not fit in an int32, zero counts and totals beyond int64.
 */
extern void sketch_encode(StringInfo buf, const SketchHeader *h, const SketchBucket *b);
extern bool sketch_decode(const uint8 **p, const uint8 *end, SketchHeader *h, SketchBucket *b);
/* the number of buckets of the encoded sketch at p, or -1 if malformed */
extern int32 sketch_decoded_buckets(const uint8 *p, const uint8 *end);

/* unsigned LEB128, shared with kpi_state.c's encoding of its counters */
extern void sketch_put_varint(StringInfo buf, uint64 value);
extern bool sketch_get_varint(const uint8 **p, const uint8 *end, uint64 *value);

/*
 * Check a bucket array given from outside (text or binary input): keys
 * strictly ascending between SKETCH_KEY_MIN and SKETCH_KEY_MAX, counts > 0,
 * at most SKETCH_MAX_BUCKETS, and a total
 * with the zero count that fits in an int64, which it sets in h->total.  On
 * failure returns false and sets *problem to a sentence for errdetail.
 */
extern bool sketch_check(SketchHeader *h, const SketchBucket *b, const char **problem);

#endif							/* GRIDGOV_SKETCH_H */
