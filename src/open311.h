/*
 * open311.h
 *		The residents' side of the case engine (docs/open311.md): its settings.
 */
#ifndef OPEN311_H
#define OPEN311_H

/* Register gridgov.complaint_window; called once from _PG_init. */
extern void open311_init(void);

#endif							/* OPEN311_H */
