/*
 * kpi_state.h
 *		The KPI state's two layouts, packed and working (kpi_state.c), as the
 *		aggregate (kpi.c) reads and updates them.
 */
#ifndef GRIDGOV_KPI_STATE_H
#define GRIDGOV_KPI_STATE_H

#include "postgres.h"

#include "sketch.h"

#define KPI_FORMAT_PACKED	1
#define KPI_FORMAT_WORK		2
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
extern const char *const kpi_state_counter_names[KPI_NCOUNTERS];

typedef enum KpiSketch
{
	KS_ACCEPT,					/* working seconds from reported_at to accepted_at */
	KS_CLOSE,					/* working seconds from reported_at to closed_at */
	KPI_NSKETCHES
} KpiSketch;


/* the sketches' names in the text form */
extern const char *const kpi_state_sketch_names[KPI_NSKETCHES];


/* The working layout: the accept sketch's buckets, then the close sketch's (kpi_state_buckets). */
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

/* Where sketch s's buckets start in a working value. */
static inline SketchBucket *
kpi_state_buckets(KpiWork *w, int s)
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

/* Read a state of either layout; with buckets, its bucket arrays too. */
extern void kpi_state_view(Datum datum, KpiView *view, bool buckets);

/* A packed value from a view with its buckets. */
extern struct varlena *kpi_state_pack(const KpiView *view);

/* A packed value from a working one. */
extern struct varlena *kpi_state_pack_work(KpiWork *w);

/* A new working value holding a view, with room for capacity[s] buckets. */
extern KpiWork *kpi_state_work_from_view(const KpiView *view, const int32 *capacity);

/* A copy of a working value with room for sketch s grown to at least need buckets. */
extern KpiWork *kpi_state_work_grow(KpiWork *w, int s, int32 need);

/* A new, empty working value. */
extern KpiWork *kpi_state_work_empty(void);

#endif							/* GRIDGOV_KPI_STATE_H */
