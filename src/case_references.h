/*
 * case_references.h
 *		A new case's references (unit, category, service point), held as a
 *		foreign-key check holds them, once per transaction (case_references.c).
 */
#ifndef CASE_REFERENCES_H
#define CASE_REFERENCES_H

#include "utils/relcache.h"

/* From case_engine_init: the memory of held rows and when it goes. */
extern void case_references_init(void);
/* Hold a new case's references; service_point 0 is none. */
extern void case_references_hold(Relation cases, int64 unit, const char *category, int32 service_point);

#endif							/* CASE_REFERENCES_H */
