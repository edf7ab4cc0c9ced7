/*
 * cache.h
 *		Backend-local caches of gridgov's configuration tables, and how they
 *		learn that a table changed.
 *
 * A pillar that keeps rows of its tables in memory (the calendar, later the
 * category and level rules of the case engine) registers its cache once, from
 * its init function, with a reset function and an array of table OIDs that
 * it fills in whenever it loads.  Each such table carries the statement-level
 * trigger gridgov.invalidate_cache(), which queues a relcache invalidation of
 * the table: the writing backend processes it at the end of the statement (or
 * replays it when the transaction rolls back), every other backend when it
 * next starts a transaction or takes a lock.  One relcache callback, here,
 * then calls the reset function of every cache that read the table.
 *
 * A reset function runs inside invalidation processing, where it must not
 * touch the catalogs or throw: it should only mark the cache stale, and leave
 * freeing and reloading to the next use.
 */
#ifndef GRIDGOV_CACHE_H
#define GRIDGOV_CACHE_H

#include "postgres.h"

typedef void (*CacheResetFunction) (void);

/*
 * Register a cache: reset is called whenever one of the relids[0..nrelids-1]
 * (InvalidOid slots are skipped) is invalidated, and on a reset of the whole
 * relcache.  The array belongs to the caller, who fills it before reading the
 * tables, so that a change arriving during the load is not missed.  Call from
 * _PG_init (through the pillar's init function) only.
 */
extern void cache_register(CacheResetFunction reset, const Oid *relids, int nrelids);

/*
 * Register memory of what the current transaction holds or wrote: reset is
 * called when a transaction ends and when a subtransaction aborts (taking
 * its locks and rows with it).  From _PG_init only.
 */
extern void cache_register_transaction_memory(CacheResetFunction reset);

#endif							/* GRIDGOV_CACHE_H */
