/*
 * case_history.h
 *		Appending to gridgov.case_history, which admits only the engine's rows.
 */
#ifndef CASE_HISTORY_H
#define CASE_HISTORY_H

#include "common/cryptohash.h"
#include "datatype/timestamp.h"

struct TriggerData;

/* Whether the history has its content (0.7.0) and people (0.8.0) columns. */
extern void case_history_use_columns(bool history_content, bool history_people);
/* One history row; level, service_point and people 0, and NULL pointers, are NULL. */
extern void case_history_append(Datum district, Datum case_id, Datum seq, Datum at,
								const char *actor, const char *action,
								const char *from_status, const char *to_status,
								int32 level, int32 service_point,
								const char *escalation_trigger, const char *note,
								Datum hash, bytea *content, int64 actor_person, int64 handler);
/* The first history row of each case of an INSERT statement, at once. */
extern void case_history_append_intake(struct TriggerData *trigdata);
/* The digest of a case's content fields (text forms, NULL for NULL). */
extern bytea *case_history_content_digest(pg_cryptohash_ctx *ctx, const char *const *fields, int nfields);
/* The hash of a history row, chained to the previous row's (NULL for the first). */
extern bytea *case_history_hash(pg_cryptohash_ctx *ctx, bytea *previous, int64 case_id, int32 seq,
								TimestampTz at, const char *actor, const char *action,
								const char *from_status, const char *to_status, int32 level,
								int32 service_point, const char *escalation_trigger,
								const char *note, bytea *content, int64 actor_person,
								int64 handler);
/* Whether the engine itself is appending right now. */
extern bool case_history_being_written(void);

#endif							/* CASE_HISTORY_H */
