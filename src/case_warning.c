/*
 * case_warning.c
 *		The early warning's view of earlier cases (矛盾预警): an index scan
 *		of cases by (unit, category, reported_at), and a memory of its
 *		answers that lasts one statement.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/syscache.h"

#include "cache.h"
#include "case_warning.h"
#include "gridgov.h"

/* Compare two int64 case ids in Datums, for qsort. */
static int
compare_ids(const void *a, const void *b)
{
	int64		x = DatumGetInt64(*(const Datum *) a);
	int64		y = DatumGetInt64(*(const Datum *) b);

	return (x > y) - (x < y);
}

/* A scan key on attribute attno of a btree index, by the index's own opfamily. */
static void
index_key(ScanKey key, Relation index, AttrNumber attno, StrategyNumber strategy, Datum argument)
{
	Oid			opfamily = index->rd_opfamily[attno - 1];
	Oid			type = index->rd_opcintype[attno - 1];
	Oid			operator = get_opfamily_member(opfamily, type, type, strategy);

	if (!OidIsValid(operator))
		elog(ERROR, "operator family %u has no operator of strategy %d for type %u",
			 opfamily, strategy, type);
	ScanKeyInit(key, attno, strategy, get_opcode(operator), argument);
	key->sk_collation = index->rd_indcollation[attno - 1];
}

/*
 * The btree index of cases whose first keys are (unit, category,
 * reported_at), without expressions or predicate, whatever its name: the
 * extension calls it cases_unit_category, but a copy of the table (a Citus
 * shard, a rebuild) may not.  The one found last time is checked first.
 */
static bool
serves_early_warning(Oid index, AttrNumber unit, AttrNumber category, AttrNumber reported_at)
{
	HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	Form_pg_index form;
	bool		serves;

	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_index) GETSTRUCT(tuple);
	serves = form->indisvalid && form->indnkeyatts >= 3 &&
		form->indkey.values[0] == unit && form->indkey.values[1] == category &&
		form->indkey.values[2] == reported_at &&
		heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
		heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
	ReleaseSysCache(tuple);
	if (!serves)
		return false;
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		return false;
	serves = ((Form_pg_class) GETSTRUCT(tuple))->relam == BTREE_AM_OID;
	ReleaseSysCache(tuple);
	return serves;
}

/* The index that serves early warning, opened; an error names the fix if none. */
static Relation
open_unit_category_index(Relation cases)
{
	static Oid	last_found = InvalidOid;
	List	   *indexes = RelationGetIndexList(cases);
	Oid			relid = RelationGetRelid(cases);
	Oid			found = InvalidOid;
	ListCell   *lc;

	if (OidIsValid(last_found) && list_member_oid(indexes, last_found))
		found = last_found;
	else
	{
		AttrNumber	unit = get_attnum(relid, "unit");
		AttrNumber	category = get_attnum(relid, "category");
		AttrNumber	reported_at = get_attnum(relid, "reported_at");

		foreach(lc, indexes)
		{
			if (serves_early_warning(lfirst_oid(lc), unit, category, reported_at))
			{
				found = lfirst_oid(lc);
				break;
			}
		}
	}
	list_free(indexes);
	if (!OidIsValid(found))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("early warning needs a btree index on %s (unit, category, reported_at)",
						RelationGetRelationName(cases)),
				 errhint("Create it again: CREATE INDEX cases_unit_category ON %s.%s (unit, category, reported_at).",
						 quote_identifier(get_namespace_name(RelationGetNamespace(cases))),
						 quote_identifier(RelationGetRelationName(cases)))));
	last_found = found;
	return index_open(found, AccessShareLock);
}

/* An earlier case that early warning may link to. */
typedef struct RecentCase
{
	TimestampTz reported_at;
	int64		id;
} RecentCase;

/*
 * Scan the index for the unit's cases of a category reported from "from"
 * on (up to "to", unless to is DT_NOEND), rejected and merged ones aside,
 * in the order of reported_at.
 *
 * This is a scan of the index on (unit, category, reported_at), not a
 * query: a query costs more to start than to run.  Like a query run through
 * SPI, it first advances the command counter, so that it sees the cases
 * the same statement inserted before.  It reads every case of the grid,
 * whatever the inserting user may SELECT: the warning is the district's
 * rule, not that user's view.
 */
static RecentCase *
scan_recent(Relation cases, const CaseAttnums *attnums, int64 unit, const char *category,
			TimestampTz from, TimestampTz to, int *count)
{
	Relation	index = open_unit_category_index(cases);
	ScanKeyData keys[4];
	int			nkeys = 3;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	RecentCase *found = NULL;
	int			nfound = 0;
	int			capacity = 0;

	index_key(&keys[0], index, 1, BTEqualStrategyNumber, GridcodeGetDatum(unit));
	index_key(&keys[1], index, 2, BTEqualStrategyNumber, CStringGetTextDatum(category));
	index_key(&keys[2], index, 3, BTGreaterEqualStrategyNumber, TimestampTzGetDatum(from));
	if (to != DT_NOEND)
		index_key(&keys[nkeys++], index, 3, BTLessEqualStrategyNumber, TimestampTzGetDatum(to));

	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	scan = index_beginscan(cases, index, snapshot, nkeys, 0);
	index_rescan(scan, keys, nkeys, NULL, 0);
	slot = table_slot_create(cases, NULL);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		status = slot_getattr(slot, attnums->status, &isnull);
		Datum		id;
		Datum		reported_at;
		struct varlena *state;
		const char *name;
		int			length;

		if (isnull)
			continue;
		state = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(status));
		name = VARDATA_ANY(state);
		length = VARSIZE_ANY_EXHDR(state);
		if ((length == 8 && memcmp(name, "rejected", 8) == 0) || (length == 6 && memcmp(name, "merged", 6) == 0))
			continue;
		id = slot_getattr(slot, attnums->id, &isnull);
		if (isnull)
			continue;
		reported_at = slot_getattr(slot, attnums->reported_at, &isnull);
		if (isnull)
			continue;
		if (nfound == capacity)
		{
			capacity = Max(8, capacity * 2);
			found = found ? repalloc(found, sizeof(RecentCase) * capacity) : palloc(sizeof(RecentCase) * capacity);
		}
		found[nfound].reported_at = DatumGetTimestampTz(reported_at);
		found[nfound].id = DatumGetInt64(id);
		nfound++;
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	UnregisterSnapshot(snapshot);
	index_close(index, AccessShareLock);
	*count = nfound;
	return found;
}

/*
 * Within a statement, the earlier cases of each (grid, category) are kept
 * in memory: early warning asks for every new case, and in a statement of
 * many cases most ask about a grid and category asked about before.  The
 * first new case of a (grid, category) scans the index from the start of
 * its window onward, to the end; the statement's new cases are then added
 * as the BEFORE trigger routes them; a case whose window starts earlier
 * scans again.  Cases committed by others while the statement runs are not
 * seen, as a query of the statement would not see them.  The memory is
 * dropped at the end of each INSERT statement (case_after_intake), at any
 * UPDATE of cases (a case rejected or merged no longer counts), and when a
 * transaction or subtransaction ends without committing.
 */
typedef struct RecentKey
{
	Oid			relid;
	int64		unit;
	char		category[NAMEDATALEN];
} RecentKey;

typedef struct RecentEntry
{
	RecentKey	key;
	TimestampTz from;			/* every case from here on is in cases */
	RecentCase *cases;			/* in the order of reported_at */
	int			ncases;
	int			capacity;
} RecentEntry;

static HTAB *recent_by_key = NULL;
static MemoryContext recent_memory = NULL;

/* Drop the memory; from the transaction callbacks too, so it only resets. */
void
case_warning_forget(void)
{
	if (recent_by_key == NULL)
		return;
	MemoryContextReset(recent_memory);
	recent_by_key = NULL;
}

/* The memory's context, and its end with each transaction (cache.c). */
void
case_warning_init(void)
{
	recent_memory = AllocSetContextCreate(TopMemoryContext, "gridgov early warning", ALLOCSET_DEFAULT_SIZES);
	cache_register_transaction_memory(case_warning_forget);
}

/* The entry of (unit, category), NULL if the category is too long to keep. */
static RecentEntry *
recent_entry(Relation cases, int64 unit, const char *category, bool *found)
{
	RecentKey	key;

	if (strlen(category) >= NAMEDATALEN)
		return NULL;
	if (recent_by_key == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(RecentKey);
		ctl.entrysize = sizeof(RecentEntry);
		ctl.hcxt = recent_memory;
		recent_by_key = hash_create("gridgov early warning", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	key.relid = RelationGetRelid(cases);
	key.unit = unit;
	strlcpy(key.category, category, NAMEDATALEN);
	return hash_search(recent_by_key, &key, HASH_ENTER, found);
}

/* the first position in entry whose reported_at is at least at */
static int
recent_position(RecentEntry *entry, TimestampTz at)
{
	int			low = 0;
	int			high = entry->ncases;

	while (low < high)
	{
		int			middle = low + (high - low) / 2;

		if (entry->cases[middle].reported_at < at)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/*
 * Ids of the unit's cases of a category reported in [from, to], rejected and
 * merged ones aside, in ascending order; NULL if none.
 */
ArrayType *
case_warning_earlier(Relation cases, const CaseAttnums *attnums, int64 unit, const char *category,
					 TimestampTz from, TimestampTz to)
{
	bool		found;
	RecentEntry *entry = recent_entry(cases, unit, category, &found);
	RecentCase *earlier;
	int			nearlier;
	Datum	   *ids;
	int			nids = 0;
	int			i;

	if (entry == NULL)
		earlier = scan_recent(cases, attnums, unit, category, from, to, &nearlier);
	else
	{
		if (!found || from < entry->from)
		{
			MemoryContext caller = MemoryContextSwitchTo(recent_memory);

			if (found && entry->cases)
				pfree(entry->cases);
			entry->cases = scan_recent(cases, attnums, unit, category, from, DT_NOEND, &entry->ncases);
			entry->capacity = entry->ncases;
			entry->from = from;
			MemoryContextSwitchTo(caller);
		}
		i = recent_position(entry, from);
		earlier = entry->cases + i;
		nearlier = entry->ncases - i;
	}

	ids = palloc(sizeof(Datum) * Max(nearlier, 1));
	for (i = 0; i < nearlier && earlier[i].reported_at <= to; i++)
		ids[nids++] = Int64GetDatum(earlier[i].id);
	if (nids == 0)
		return NULL;
	qsort(ids, nids, sizeof(Datum), compare_ids);
	return construct_array(ids, nids, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* A new case of the statement, for the early warning of the cases after it. */
void
case_warning_add(Relation cases, int64 unit, const char *category, TimestampTz reported_at, int64 id)
{
	bool		found;
	RecentEntry *entry;
	int			position;

	if (recent_by_key == NULL)
		return;
	entry = recent_entry(cases, unit, category, &found);
	if (entry == NULL)
		return;
	if (!found)
	{
		/* nothing scanned for this key yet: the scan will see the case */
		hash_search(recent_by_key, &entry->key, HASH_REMOVE, NULL);
		return;
	}
	if (reported_at < entry->from)
		return;
	if (entry->ncases == entry->capacity)
	{
		entry->capacity = Max(8, entry->capacity * 2);
		entry->cases = entry->cases
			? repalloc(entry->cases, sizeof(RecentCase) * entry->capacity)
			: MemoryContextAlloc(recent_memory, sizeof(RecentCase) * entry->capacity);
	}
	position = recent_position(entry, reported_at + 1);
	memmove(entry->cases + position + 1, entry->cases + position,
			sizeof(RecentCase) * (entry->ncases - position));
	entry->cases[position].reported_at = reported_at;
	entry->cases[position].id = id;
	entry->ncases++;
}
