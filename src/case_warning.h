/*
 * case_warning.h
 *		The early warning's memory of a statement's earlier cases, per grid
 *		and category, read from the index of cases (case_warning.c).
 */
#ifndef CASE_WARNING_H
#define CASE_WARNING_H

#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/relcache.h"

/* the columns of cases that early warning reads */
typedef struct CaseAttnums
{
	AttrNumber	id;
	AttrNumber	status;
	AttrNumber	reported_at;
} CaseAttnums;

/* From case_engine_init: the memory, dropped with each transaction. */
extern void case_warning_init(void);
/* Ids of the unit's cases of a category reported in [from, to], or NULL. */
extern ArrayType *case_warning_earlier(Relation cases, const CaseAttnums *attnums, int64 unit,
									   const char *category, TimestampTz from, TimestampTz to);
/* A new case of the statement, for the cases after it. */
extern void case_warning_add(Relation cases, int64 unit, const char *category,
							 TimestampTz reported_at, int64 id);
/* Drop the memory: a statement ended, or a case may have left the count. */
extern void case_warning_forget(void);

#endif							/* CASE_WARNING_H */
