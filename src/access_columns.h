/*
 * access_columns.h
 *		A read of a column of gridgov's tables that the role may not read,
 *		refused by the column's name (access_columns.c).
 */
#ifndef ACCESS_COLUMNS_H
#define ACCESS_COLUMNS_H

/* Install the executor start hook. */
extern void access_columns_init(void);

#endif							/* ACCESS_COLUMNS_H */
