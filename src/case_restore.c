/*
 * case_restore.c
 *		Restoring dumped cases through the engine's triggers: which statement
 *		is a restore, and which new cases of a statement were restored.
 *
 * pg_dump writes the cases and their history with COPY.  A COPY row of
 * cases that carries history_hash is a restored case (case_engine.c): the
 * intake trigger lets it in as it is, with no routing or lifecycle check,
 * and the statement trigger must then neither append a first history row
 * for it nor notify listeners, as its history follows in the dump.  The
 * ids of the restored cases are kept here from the row trigger to the
 * statement trigger, for the rest of the transaction at most.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "tcop/pquery.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/portal.h"

#include "cache.h"
#include "case_restore.h"

static HTAB *restored_ids = NULL;
static MemoryContext restored_memory = NULL;

/* Forget the restored ids: at every end of a transaction (cache.c). */
static void
forget_restored(void)
{
	if (restored_ids == NULL)
		return;
	MemoryContextReset(restored_memory);
	restored_ids = NULL;
}

/* The memory of restored ids, and its end with each transaction. */
void
case_restore_init(void)
{
	restored_memory = AllocSetContextCreate(TopMemoryContext, "gridgov restored cases", ALLOCSET_DEFAULT_SIZES);
	cache_register_transaction_memory(forget_restored);
}

/*
 * Whether the statement being run is a COPY: how pg_dump writes data, and
 * pg_restore and psql load it.  An INSERT is never a restore.
 */
bool
case_restore_copying(void)
{
	return ActivePortal != NULL && ActivePortal->commandTag == CMDTAG_COPY;
}

/*
 * Whether the current role may import and restore: members of
 * gridgov_importer, and superusers.  The role whose privileges the
 * statement runs with is asked, as PostgreSQL asks for any privilege: a
 * SECURITY DEFINER function of an importer may import on its callers'
 * behalf.  The case engine asks it of dated moves and named actors, the
 * people triggers of posts restored before their organization's coverage.
 */
bool
case_restore_may_import(void)
{
	Oid			user = GetUserId();
	Oid			importer;

	if (superuser_arg(user))
		return true;
	importer = get_role_oid(IMPORTER_ROLE, true);
	return OidIsValid(importer) && has_privs_of_role(user, importer);
}

/* Note that the case of this id was restored, not reported. */
void
case_restore_remember(int64 case_id)
{
	bool		found;

	if (restored_ids == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(int64);
		ctl.hcxt = restored_memory;
		restored_ids = hash_create("gridgov restored cases", 1024, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	hash_search(restored_ids, &case_id, HASH_ENTER, &found);
}

/* Whether the case of this id was restored; it is forgotten, asked once. */
bool
case_restore_take(int64 case_id)
{
	bool		found = false;

	if (restored_ids != NULL)
		hash_search(restored_ids, &case_id, HASH_REMOVE, &found);
	return found;
}
