/*
 * case_engine.h
 *		The case engine's start-up work, from _PG_init (case_engine.c), where
 *		a report is placed, and whether its triggers fire on a Citus shard;
 *		its triggers are
 *		SQL-callable and declared by PG_FUNCTION_INFO_V1.
 */
#ifndef CASE_ENGINE_H
#define CASE_ENGINE_H

#include "datatype/timestamp.h"
#include "utils/relcache.h"

/* The gridgov.actor setting and the caches of the engine's files. */
extern void case_engine_init(void);
/* The unit a report at a point belongs to, its grid or in a gap the lowest unit over it (GG003 if none). */
extern int64 case_engine_unit_at(Datum location, bool has_location, TimestampTz reported_at, int64 case_id,
						  bool *in_gap);
/* The district above a case's unit (GG003 above the districts); case_id 0 is a new case. */
extern int64 case_engine_district_above(int64 unit, int64 case_id);
/* Whether a trigger on cases fires on a copy under another name: a Citus shard. */
extern bool case_engine_on_shard(Relation cases);

#endif							/* CASE_ENGINE_H */
