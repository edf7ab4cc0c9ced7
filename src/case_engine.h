/*
 * case_engine.h
 *		The case engine's start-up work, from _PG_init (case_engine.c), and
 *		whether its triggers fire on a Citus shard; its triggers are
 *		SQL-callable and declared by PG_FUNCTION_INFO_V1.
 */
#ifndef CASE_ENGINE_H
#define CASE_ENGINE_H

#include "utils/relcache.h"

/* The gridgov.actor setting and the caches of the engine's files. */
extern void case_engine_init(void);
/* Whether a trigger on cases fires on a copy under another name: a Citus shard. */
extern bool case_engine_on_shard(Relation cases);

#endif							/* CASE_ENGINE_H */
