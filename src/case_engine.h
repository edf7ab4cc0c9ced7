/*
 * case_engine.h
 *		Shared declarations of the case engine's triggers and lookups.
 */
#ifndef CASE_ENGINE_H
#define CASE_ENGINE_H

#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/relcache.h"

struct TriggerData;

/* case_engine.c: the gridgov.actor setting and the caches; from _PG_init */
extern void case_engine_init(void);

/* the tables a new case refers to, by foreign keys of gridgov.cases */
typedef enum CaseReference
{
	REF_UNIT,
	REF_CATEGORY,
	REF_SERVICE_POINT,
	NUM_CASE_REFERENCES
} CaseReference;

/* case_references.c: a new case's references, held once per transaction */
extern void case_references_init(void);
extern void case_references_hold(Relation cases, int64 unit, const char *category, int32 service_point);

/* case_lookup.c: kept SPI plans, schema-qualified */
extern void case_lookup_use_schema(Oid namespace, Oid geometry_type, bool history_content);
extern int64 grid_at_point(Datum point);
/* the columns of cases that early warning reads */
typedef struct CaseAttnums
{
	AttrNumber	id;
	AttrNumber	status;
	AttrNumber	reported_at;
} CaseAttnums;

extern void recent_cases_init(void);
extern ArrayType *recent_cases(Relation cases, const CaseAttnums *attnums, int64 unit, const char *category,
							   TimestampTz from, TimestampTz to);
extern void recent_cases_add(Relation cases, int64 unit, const char *category, TimestampTz reported_at, int64 id);
extern void recent_cases_forget(void);
extern bool case_exists(int64 case_id);
extern void history_append(Datum district, Datum case_id, Datum seq, Datum at,
						   const char *actor, const char *action,
						   const char *from_status, const char *to_status,
						   int32 level, int32 service_point,
						   const char *escalation_trigger, const char *note,
						   Datum hash, bytea *content);
extern void history_append_intake(struct TriggerData *trigdata);
extern bool history_being_written(void);
extern bool lock_referenced_row(CaseReference reference, Oid relid, Datum key);

#endif							/* CASE_ENGINE_H */
