/*
 * case_handler.h
 *		The people of a case: the person behind the acting role, and the
 *		handler's post at the case's service point.
 */
#ifndef CASE_HANDLER_H
#define CASE_HANDLER_H

#include "datatype/timestamp.h"
#include "utils/relcache.h"

/* Register the cache of the session's person; from the engine's init. */
extern void case_handler_init(void);
/* The person the current role is (person_login), 0 when it has none. */
extern int64 case_handler_session_person(Relation cases);
/* Refuse a person named as what for a case who does not exist (23503). */
extern void case_handler_check_person(Relation cases, int64 person, int64 case_id, const char *what);
/* Refuse a handler without a post at the service point on the day of at (GG007). */
extern void case_handler_check(Relation cases, int64 case_id, int64 person, int32 service_point,
							   TimestampTz at);

#endif							/* CASE_HANDLER_H */
