/*
 * cache.c
 *		One relcache callback for all of gridgov's table caches, the
 *		trigger function that feeds it, and one pair of transaction
 *		callbacks for the memories that last a transaction.
 *
 * PostgreSQL allows only a handful of relcache callbacks per backend
 * (MAX_RELCACHE_CALLBACKS), so the pillars share this one rather than each
 * registering its own.  See cache.h for the protocol.
 */
#include "postgres.h"

#include "access/xact.h"
#include "cache.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/inval.h"
#include "utils/rel.h"

/* more than gridgov will ever need: a fixed array keeps the callback simple */
#define MAX_GRIDGOV_CACHES 8

typedef struct RegisteredCache
{
	CacheResetFunction reset;
	const Oid  *relids;
	int			nrelids;
} RegisteredCache;

static RegisteredCache caches[MAX_GRIDGOV_CACHES];
static int	ncaches = 0;

/* Reset every cache that read the invalidated table (any, for InvalidOid). */
static void
cache_relcache_callback(Datum arg, Oid relid)
{
	int			i;
	int			j;

	for (i = 0; i < ncaches; i++)
	{
		bool		hit = !OidIsValid(relid);

		for (j = 0; j < caches[i].nrelids && !hit; j++)
			hit = caches[i].relids[j] == relid;
		if (hit)
			caches[i].reset();
	}
}

/* Register a cache of tables: see cache.h. */
void
cache_register(CacheResetFunction reset, const Oid *relids, int nrelids)
{
	if (ncaches >= MAX_GRIDGOV_CACHES)
		elog(ERROR, "too many gridgov caches registered");
	if (ncaches == 0)
		CacheRegisterRelcacheCallback(cache_relcache_callback, (Datum) 0);
	caches[ncaches].reset = reset;
	caches[ncaches].relids = relids;
	caches[ncaches].nrelids = nrelids;
	ncaches++;
}

static CacheResetFunction transaction_resets[MAX_GRIDGOV_CACHES];
static int	ntransaction_resets = 0;

/* Forget every memory of the transaction. */
static void
reset_transaction_caches(void)
{
	int			i;

	for (i = 0; i < ntransaction_resets; i++)
		transaction_resets[i] ();
}

/* At any end of a transaction, committed or not. */
static void
cache_xact_callback(XactEvent event, void *arg)
{
	reset_transaction_caches();
}

/* When a subtransaction aborts, taking its locks and rows with it. */
static void
cache_subxact_callback(SubXactEvent event, SubTransactionId subxid, SubTransactionId parent, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		reset_transaction_caches();
}

/* Register a memory of what the transaction holds or wrote: see cache.h. */
void
cache_register_transaction_memory(CacheResetFunction reset)
{
	if (ntransaction_resets >= MAX_GRIDGOV_CACHES)
		elog(ERROR, "too many gridgov transaction caches registered");
	if (ntransaction_resets == 0)
	{
		RegisterXactCallback(cache_xact_callback, NULL);
		RegisterSubXactCallback(cache_subxact_callback, NULL);
	}
	transaction_resets[ntransaction_resets++] = reset;
}

/*
 * AFTER ... FOR EACH STATEMENT trigger: tell every backend that the table's
 * contents changed.  The relcache entry itself is rebuilt cheaply; what
 * matters is the callback above.  A statement-level trigger costs one
 * invalidation per statement however many rows it wrote.
 */
PG_FUNCTION_INFO_V1(gridgov_invalidate_cache);
Datum
gridgov_invalidate_cache(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("invalidate_cache() must be called as a trigger")));
	if (!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("invalidate_cache() must be an AFTER ... FOR EACH STATEMENT trigger"),
				 errdetail("Trigger \"%s\" on table \"%s\" is not.",
						   trigdata->tg_trigger->tgname,
						   RelationGetRelationName(trigdata->tg_relation))));

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
