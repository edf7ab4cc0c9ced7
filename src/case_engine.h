/*
 * case_engine.h
 *		The case engine's start-up work, from _PG_init (case_engine.c); its
 *		triggers are SQL-callable and declared by PG_FUNCTION_INFO_V1.
 */
#ifndef CASE_ENGINE_H
#define CASE_ENGINE_H

/* The gridgov.actor setting and the caches of the engine's files. */
extern void case_engine_init(void);

#endif							/* CASE_ENGINE_H */
