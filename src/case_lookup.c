/*
 * case_lookup.c
 *		The lookups of the case triggers: queries planned once per backend
 *		and kept (SPI_keepplan), and the early warning's index scan.
 *
 * Every name in them is schema-qualified, operators included, so the
 * session's search_path cannot change what they mean.  The plans depend on
 * the tables they read; PostgreSQL's plan cache replans them by itself
 * after DDL on those tables.
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
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "case_engine.h"
#include "grid_index.h"
#include "gridcell.h"
#include "gridgov.h"

typedef enum LookupQuery
{
	Q_GRID_AT_POINT,
	Q_GRID_BOUNDARIES,
	Q_CASE_EXISTS,
	Q_APPEND_HISTORY,
	Q_APPEND_INTAKE_HISTORY,
	Q_HOLD_UNIT,
	Q_HOLD_CATEGORY,
	Q_HOLD_SERVICE_POINT,
	NUM_QUERIES
} LookupQuery;

static SPIPlanPtr plans[NUM_QUERIES];

/* the transition table of the intake trigger (sql/case.sql) */
#define INTAKE_NEW_TABLE "gridgov_new_cases"

/* true while the engine itself appends to the case history */
static bool writing_history = false;
static Oid	lookup_namespace = InvalidOid;
static Oid	lookup_geometry = InvalidOid;
/* whether the history has the column content (0.7.0) */
static bool lookup_content = false;

static Oid
type_in(const char *name, Oid namespace)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name), ObjectIdGetDatum(namespace));

	if (!OidIsValid(typid))
		elog(ERROR, "type %s not found in schema %s", name, get_namespace_name(namespace));
	return typid;
}

static Oid
type_namespace(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			namespace;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typid);
	namespace = ((Form_pg_type) GETSTRUCT(tuple))->typnamespace;
	ReleaseSysCache(tuple);
	return namespace;
}

static SPIPlanPtr
plan_for(LookupQuery query)
{
	const char *gg;
	const char *gis;
	Oid			postgis_namespace;
	Oid			gridcode;
	const char *text;
	Oid			argtypes[14];
	int			nargs;
	SPIPlanPtr	plan;

	if (plans[query] != NULL)
		return plans[query];
	if (!OidIsValid(lookup_namespace))
		elog(ERROR, "the case engine's schema is not known yet");

	postgis_namespace = type_namespace(lookup_geometry);
	gg = quote_identifier(get_namespace_name(lookup_namespace));
	gis = quote_identifier(get_namespace_name(postgis_namespace));
	gridcode = type_in("gridcode", lookup_namespace);

	switch (query)
	{
		case Q_GRID_AT_POINT:
			text = psprintf("SELECT u.code FROM %s.unit u"
							" WHERE u.level OPERATOR(pg_catalog.=) 6"
							" AND %s.st_covers(u.boundary, $1)"
							" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())"
							" ORDER BY u.code LIMIT 1", gg, gis);
			argtypes[0] = lookup_geometry;
			nargs = 1;
			break;
		case Q_GRID_BOUNDARIES:
			/* ST_IsValidDetail, unlike ST_IsValid, does not raise notices */
			text = psprintf("SELECT u.code, u.valid_to, u.boundary,"
							" (%s.st_isvaliddetail(u.boundary)).valid"
							" AND %s.st_ymin(u.boundary) OPERATOR(pg_catalog.>) -88"
							" AND %s.st_ymax(u.boundary) OPERATOR(pg_catalog.<) 88"
							" FROM %s.unit u"
							" WHERE u.level OPERATOR(pg_catalog.=) 6 AND u.boundary IS NOT NULL"
							" AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) pg_catalog.now())",
							gis, gis, gis, gg);
			nargs = 0;
			break;
		case Q_CASE_EXISTS:
			text = psprintf("SELECT 1 FROM %s.cases WHERE id OPERATOR(pg_catalog.=) $1", gg);
			argtypes[0] = INT8OID;
			nargs = 1;
			break;
		case Q_APPEND_HISTORY:
			text = psprintf("INSERT INTO %s.case_history (district, case_id, seq, at, actor, action,"
							" from_status, to_status, handling_level, service_point, escalation_trigger,"
							" note, hash%s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13%s)",
							gg, lookup_content ? ", content" : "", lookup_content ? ", $14" : "");
			argtypes[0] = gridcode;
			argtypes[1] = INT8OID;
			argtypes[2] = INT4OID;
			argtypes[3] = TIMESTAMPTZOID;
			argtypes[4] = TEXTOID;
			argtypes[5] = TEXTOID;
			argtypes[6] = TEXTOID;
			argtypes[7] = TEXTOID;
			argtypes[8] = INT4OID;
			argtypes[9] = INT4OID;
			argtypes[10] = TEXTOID;
			argtypes[11] = TEXTOID;
			argtypes[12] = BYTEAOID;
			argtypes[13] = BYTEAOID;
			nargs = lookup_content ? 14 : 13;
			break;
		case Q_APPEND_INTAKE_HISTORY:
			text = psprintf("INSERT INTO %s.case_history (district, case_id, seq, at, actor, action,"
							" from_status, to_status, handling_level, service_point, escalation_trigger,"
							" note, hash%s) SELECT n.district, n.id, n.history_seq, n.moved_at, n.actor,"
							" n.last_action, NULL, n.status, n.handling_level, n.service_point,"
							" n.escalation_trigger, n.note, n.history_hash%s FROM " INTAKE_NEW_TABLE " n",
							gg, lookup_content ? ", content" : "", lookup_content ? ", n.history_content" : "");
			nargs = 0;
			break;
		case Q_HOLD_UNIT:
			text = psprintf("SELECT 1 FROM ONLY %s.unit x WHERE x.code OPERATOR(%s.=) $1"
							" FOR KEY SHARE OF x", gg, gg);
			argtypes[0] = gridcode;
			nargs = 1;
			break;
		case Q_HOLD_CATEGORY:
			text = psprintf("SELECT 1 FROM ONLY %s.category x WHERE x.code OPERATOR(pg_catalog.=) $1"
							" FOR KEY SHARE OF x", gg);
			argtypes[0] = TEXTOID;
			nargs = 1;
			break;
		case Q_HOLD_SERVICE_POINT:
			text = psprintf("SELECT 1 FROM ONLY %s.service_point x WHERE x.id OPERATOR(pg_catalog.=) $1"
							" FOR KEY SHARE OF x", gg);
			argtypes[0] = INT4OID;
			nargs = 1;
			break;
		default:
			elog(ERROR, "unknown case engine query %d", query);
	}

	plan = SPI_prepare(text, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare a case engine query: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	plans[query] = plan;
	return plan;
}

/* Run a kept plan, inside its own SPI connection. */
static int
run(LookupQuery query, Datum *values, const char *nulls, bool read_only, long limit)
{
	int			result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = SPI_execute_plan(plan_for(query), values, nulls, read_only, limit);
	if (result < 0)
		elog(ERROR, "case engine query failed: %s", SPI_result_code_string(result));
	return result;
}

static int
compare_ids(const void *a, const void *b)
{
	int64		x = DatumGetInt64(*(const Datum *) a);
	int64		y = DatumGetInt64(*(const Datum *) b);

	return (x > y) - (x < y);
}

/*
 * The schema of the engine's tables and PostGIS's geometry type, and whether
 * the history has its content column: it appears when a database is updated
 * to 0.7.0 while backends run, so the history's INSERTs are planned again.
 */
void
case_lookup_use_schema(Oid namespace, Oid geometry_type, bool history_content)
{
	lookup_namespace = namespace;
	lookup_geometry = geometry_type;
	if (history_content != lookup_content)
	{
		int			i;

		for (i = Q_APPEND_HISTORY; i <= Q_APPEND_INTAKE_HISTORY; i++)
		{
			if (plans[i] != NULL)
				SPI_freeplan(plans[i]);
			plans[i] = NULL;
		}
		lookup_content = history_content;
	}
}

/*
 * The grid covering the point, 0 if none: from the backend's grid index
 * (grid_index.c) when it is sure, else from PostGIS.
 */
int64
grid_at_point(Datum point)
{
	Datum		values[1] = {point};
	int64		grid = 0;
	double		lng;
	double		lat;
	bool		isnull;

	gridcell_read_point(point, &lng, &lat, "case routing");
	/* a NaN or out-of-range point is refused, as gridcell() refuses it */
	gridcell_check_lnglat(lng, lat);
	if (grid_index_lookup(lookup_namespace, lng, lat, &grid) == GRID_INDEX_SURE)
		return grid;

	run(Q_GRID_AT_POINT, values, NULL, true, 1);
	if (SPI_processed > 0)
	{
		Datum		code = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			grid = DatumGetGridcode(code);
	}
	SPI_finish();
	return grid;
}

void
grid_boundaries(GridBoundaryCallback callback, void *arg)
{
	uint64		i;

	run(Q_GRID_BOUNDARIES, NULL, NULL, true, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		code = DatumGetGridcode(SPI_getbinval(tuple, desc, 1, &isnull));
		Datum		valid_to = SPI_getbinval(tuple, desc, 2, &isnull);
		TimestampTz until = isnull ? DT_NOEND : DatumGetTimestampTz(valid_to);
		Datum		boundary = SPI_getbinval(tuple, desc, 3, &isnull);
		Datum		valid = SPI_getbinval(tuple, desc, 4, &isnull);

		callback(arg, code, until, boundary, !isnull && DatumGetBool(valid));
	}
	SPI_finish();
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

void
recent_cases_forget(void)
{
	if (recent_by_key == NULL)
		return;
	MemoryContextReset(recent_memory);
	recent_by_key = NULL;
}

void
recent_cases_init(void)
{
	recent_memory = AllocSetContextCreate(TopMemoryContext, "gridgov early warning", ALLOCSET_DEFAULT_SIZES);
	cache_register_transaction(recent_cases_forget);
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
recent_cases(Relation cases, const CaseAttnums *attnums, int64 unit, const char *category,
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
recent_cases_add(Relation cases, int64 unit, const char *category, TimestampTz reported_at, int64 id)
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

bool
case_exists(int64 case_id)
{
	Datum		values[1] = {Int64GetDatum(case_id)};
	bool		found;

	run(Q_CASE_EXISTS, values, NULL, false, 1);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* Run an INSERT into the case history, which admits only the engine's. */
static void
append_history(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	volatile int result = 0;

	writing_history = true;
	PG_TRY();
	{
		result = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_history = false;
	}
	PG_END_TRY();
	if (result != SPI_OK_INSERT)
		elog(ERROR, "could not append to the case history: %s", SPI_result_code_string(result));
}

void
history_append(Datum district, Datum case_id, Datum seq, Datum at, const char *actor,
			   const char *action, const char *from_status, const char *to_status,
			   int32 level, int32 service_point, const char *escalation_trigger,
			   const char *note, Datum hash, bytea *content)
{
	Datum		values[14];
	char		nulls[14];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = district;
	values[1] = case_id;
	values[2] = seq;
	values[3] = at;
	values[4] = CStringGetTextDatum(actor);
	values[5] = CStringGetTextDatum(action);
	if (from_status)
		values[6] = CStringGetTextDatum(from_status);
	else
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(to_status);
	values[8] = Int32GetDatum(level);
	nulls[8] = level > 0 ? ' ' : 'n';
	values[9] = Int32GetDatum(service_point);
	nulls[9] = service_point > 0 ? ' ' : 'n';
	if (escalation_trigger)
		values[10] = CStringGetTextDatum(escalation_trigger);
	else
		nulls[10] = 'n';
	if (note)
		values[11] = CStringGetTextDatum(note);
	else
		nulls[11] = 'n';
	values[12] = hash;
	values[13] = PointerGetDatum(content);
	nulls[13] = content ? ' ' : 'n';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	append_history(plan_for(Q_APPEND_HISTORY), values, nulls);
	SPI_finish();
}

/*
 * The first history row of every case an INSERT statement reported, in one
 * INSERT from the statement's transition table: row by row, the history
 * cost a query per case.
 */
void
history_append_intake(TriggerData *trigdata)
{
	if (trigdata->tg_trigger->tgnewtable == NULL ||
		strcmp(trigdata->tg_trigger->tgnewtable, INTAKE_NEW_TABLE) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" must name its new table " INTAKE_NEW_TABLE,
						trigdata->tg_trigger->tgname)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the new cases with SPI");
	append_history(plan_for(Q_APPEND_INTAKE_HISTORY), NULL, NULL);
	SPI_finish();
}

bool
history_being_written(void)
{
	return writing_history;
}

/*
 * Whether the row of the referenced table exists, locked FOR KEY SHARE as a
 * foreign-key check locks it: as the table's owner, whose queries row
 * security does not filter, so that the check does not depend on what the
 * inserting user may see.
 */
bool
lock_referenced_row(CaseReference reference, Oid relid, Datum key)
{
	static const LookupQuery queries[NUM_CASE_REFERENCES] = {Q_HOLD_UNIT, Q_HOLD_CATEGORY, Q_HOLD_SERVICE_POINT};
	HeapTuple	tuple;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	bool		found;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	run(queries[reference], &key, NULL, false, 1);
	found = SPI_processed > 0;
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return found;
}
