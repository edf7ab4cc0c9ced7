/*
 * access.h
 *		Jurisdiction by role: the tests of the row-level security policies
 *		(access.c); they are SQL-callable and declared by PG_FUNCTION_INFO_V1.
 */
#ifndef ACCESS_H
#define ACCESS_H

/* The callbacks that drop the memory of grants, and the retention setting. */
extern void access_init(void);

#endif							/* ACCESS_H */
