/*
 * case_district.h
 *		The district of a report before it is written, and on Citus the
 *		INSERTs into cases that leave it out (case_district.c).
 */
#ifndef CASE_DISTRICT_H
#define CASE_DISTRICT_H

/* From _PG_init: the parse analysis hook that adds the district on Citus. */
extern void case_district_init(void);

#endif							/* CASE_DISTRICT_H */
