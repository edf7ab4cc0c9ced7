/*
 * case_notice.h
 *		The notices of reports and moves made on a Citus shard, queued for
 *		the coordinator to relay to its listeners (case_notice.c).
 */
#ifndef CASE_NOTICE_H
#define CASE_NOTICE_H

#include "postgres.h"

#include "utils/timestamp.h"

/* Queue one notice of a case's history row, with its payload, in case_notice. */
extern void case_notice_queue(Datum district, int64 case_id, int32 seq, TimestampTz at, const char *payload);

#endif							/* CASE_NOTICE_H */
