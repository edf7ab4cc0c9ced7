/*
 * case_engine.h
 *		Shared declarations of the case engine's triggers and lookups.
 */
#ifndef CASE_ENGINE_H
#define CASE_ENGINE_H

#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/relcache.h"

/* case_engine.c: the gridgov.actor setting and the caches; from _PG_init */
extern void case_engine_init(void);

/* case_lookup.c: kept SPI plans, schema-qualified */
extern void case_lookup_use_schema(Oid namespace, Oid geometry_type);
extern int64 grid_at_point(Datum point);
extern ArrayType *recent_cases(Relation cases, AttrNumber id_attnum, AttrNumber status_attnum,
							   int64 unit, const char *category, TimestampTz from, TimestampTz to);
extern bool case_exists(int64 case_id);
extern void history_append(Datum district, Datum case_id, Datum seq, Datum at,
						   const char *actor, const char *action,
						   const char *from_status, const char *to_status,
						   int32 level, int32 service_point,
						   const char *escalation_trigger, const char *note,
						   Datum hash);

#endif							/* CASE_ENGINE_H */
