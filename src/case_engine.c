/*
 * case_engine.c
 *		The triggers that enforce a case's lifecycle, routing, time limits,
 *		escalation and history, whoever writes the row.
 *
 * BEFORE INSERT routes a new case and starts its first stage; BEFORE UPDATE
 * recognises the move from the old and new row (a plain UPDATE of status is
 * a move like any other), refuses illegal ones and fills in what the move
 * implies; AFTER UPDATE appends the hash-chained history row and notifies
 * listeners, and AFTER INSERT does the same for all of a statement's new
 * cases at once, holding their references (case_references.c).  The BEFORE
 * triggers leave everything the AFTER triggers need in the row itself
 * (last_action, actor, note, moved_at, escalation_trigger, history_seq,
 * history_hash), so multi-row statements need no side channel.
 *
 * Routing rules, service points and warning rules are read once into
 * backend-local caches (case_rules.c); queries in the hot path run through
 * SPI plans prepared once and kept (spi_plan.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "calendar.h"
#include "case_engine.h"
#include "case_handler.h"
#include "case_history.h"
#include "case_inputs.h"
#include "case_notice.h"
#include "case_references.h"
#include "case_restore.h"
#include "case_rules.h"
#include "case_warning.h"
#include "grid_index.h"
#include "gridcode.h"
#include "gridgov.h"
#include "spi_plan.h"

/* SQLSTATEs of the case engine (class GG), documented in docs/cases.md */
#define ERRCODE_ILLEGAL_CASE_MOVE		MAKE_SQLSTATE('G','G','0','0','1')
#define ERRCODE_INCOMPLETE_CASE_MOVE	MAKE_SQLSTATE('G','G','0','0','2')
#define ERRCODE_CASE_ROUTING_FAILED		MAKE_SQLSTATE('G','G','0','0','3')
#define ERRCODE_CASE_HISTORY_READ_ONLY	MAKE_SQLSTATE('G','G','0','0','5')

#define NOTIFY_CHANNEL "gridgov_case"

typedef enum CaseStatus
{
	ST_REPORTED,
	ST_ACCEPTED,
	ST_REJECTED,
	ST_MERGED,
	ST_DISPATCHED,
	ST_RETURNED,
	ST_IN_PROGRESS,
	ST_SUSPENDED,
	ST_RESOLVED,
	ST_VERIFIED,
	ST_CLOSED,
	NUM_STATUSES
} CaseStatus;

static const char *const status_names[NUM_STATUSES] = {
	"reported", "accepted", "rejected", "merged", "dispatched", "returned",
	"in_progress", "suspended", "resolved", "verified", "closed"
};

typedef enum CaseAction
{
	ACT_REPORT,
	ACT_ACCEPT,
	ACT_REJECT,
	ACT_MERGE,
	ACT_DISPATCH,
	ACT_START,
	ACT_RETURN,
	ACT_EXTEND,
	ACT_SUSPEND,
	ACT_RESUME,
	ACT_RESOLVE,
	ACT_VERIFY,
	ACT_REOPEN,
	ACT_CLOSE,
	ACT_ESCALATE,
	ACT_EDIT,
	ACT_EVALUATE,
	NUM_ACTIONS
} CaseAction;

static const char *const action_names[NUM_ACTIONS] = {
	"report", "accept", "reject", "merge", "dispatch", "start", "return",
	"extend", "suspend", "resume", "resolve", "verify", "reopen", "close",
	"escalate", "edit", "evaluate"
};

/* The legal moves.  Escalation is not listed: it is any move from an
 * escalatable state that raises the handling level (see below). */
typedef struct CaseMove
{
	CaseStatus	from;
	CaseStatus	to;
	CaseAction	action;
	bool		needs_reason;
} CaseMove;

static const CaseMove case_moves[] = {
	{ST_REPORTED, ST_ACCEPTED, ACT_ACCEPT, false},
	{ST_REPORTED, ST_REJECTED, ACT_REJECT, true},
	{ST_REPORTED, ST_MERGED, ACT_MERGE, false},
	{ST_ACCEPTED, ST_DISPATCHED, ACT_DISPATCH, false},
	{ST_RETURNED, ST_DISPATCHED, ACT_DISPATCH, false},
	{ST_DISPATCHED, ST_IN_PROGRESS, ACT_START, false},
	{ST_DISPATCHED, ST_RETURNED, ACT_RETURN, true},
	{ST_IN_PROGRESS, ST_IN_PROGRESS, ACT_EXTEND, true},
	{ST_IN_PROGRESS, ST_SUSPENDED, ACT_SUSPEND, true},
	{ST_SUSPENDED, ST_IN_PROGRESS, ACT_RESUME, false},
	{ST_IN_PROGRESS, ST_RESOLVED, ACT_RESOLVE, false},
	{ST_RESOLVED, ST_VERIFIED, ACT_VERIFY, false},
	{ST_RESOLVED, ST_IN_PROGRESS, ACT_REOPEN, true},
	{ST_VERIFIED, ST_CLOSED, ACT_CLOSE, false},
	/* after closure: the reporter's evaluation, and a complaint's rework */
	{ST_CLOSED, ST_CLOSED, ACT_EVALUATE, false},
	{ST_CLOSED, ST_IN_PROGRESS, ACT_REOPEN, true},
};

/* Whether a case in this status may be escalated (docs/cases.md). */
static inline bool
status_can_escalate(CaseStatus status)
{
	return status == ST_ACCEPTED || status == ST_DISPATCHED ||
		status == ST_RETURNED || status == ST_IN_PROGRESS;
}

/*
 * The columns of gridgov.cases the engine reads or writes, found by name
 * once per relation and remembered until the relation changes.
 */
typedef enum CaseColumn
{
	C_ID, C_DISTRICT, C_UNIT, C_CATEGORY, C_SEVERITY, C_REPORTED_SEVERITY,
	C_LOCATION, C_STATUS, C_HANDLING_LEVEL, C_SERVICE_POINT, C_STAGE,
	C_STAGE_STARTED_AT, C_STAGE_DEADLINE, C_STAGE_LIMIT_UNIT, C_STAGE_PAUSED_SECONDS, C_SUSPENDED_AT,
	C_SUSPENDED_SECONDS, C_REPORTED_AT, C_ACCEPTED_AT, C_DISPATCHED_AT,
	C_RESOLVED_AT, C_VERIFIED_AT, C_CLOSED_AT, C_ESCALATIONS, C_REOPENINGS,
	C_EXTENSIONS, C_RETURNS, C_DEADLINES_MISSED, C_DUPLICATE_OF, C_LINKED_CASES, C_WARNING,
	C_SATISFACTION, C_EVALUATION, C_ACTOR, C_NOTE, C_MOVED_AT, C_LAST_ACTION,
	C_ESCALATION_TRIGGER, C_HISTORY_SEQ, C_HISTORY_HASH,
	C_CHANNEL, C_DESCRIPTION, C_REPORTER, C_HISTORY_CONTENT, C_DEADLINE_PROVISIONAL,
	C_HANDLER, C_ACTOR_PERSON, C_REPORTER_PERSON, C_GRID_GAP,
	NUM_CASE_COLUMNS
} CaseColumn;

static const char *const case_column_names[NUM_CASE_COLUMNS] = {
	"id", "district", "unit", "category", "severity", "reported_severity",
	"location", "status", "handling_level", "service_point", "stage",
	"stage_started_at", "stage_deadline", "stage_limit_unit", "stage_paused_seconds", "suspended_at",
	"suspended_seconds", "reported_at", "accepted_at", "dispatched_at",
	"resolved_at", "verified_at", "closed_at", "escalations", "reopenings",
	"extensions", "returns", "deadlines_missed", "duplicate_of", "linked_cases", "warning",
	"satisfaction", "evaluation", "actor", "note", "moved_at", "last_action",
	"escalation_trigger", "history_seq", "history_hash",
	"channel", "description", "reporter", "history_content", "deadline_provisional",
	"handler", "actor_person", "reporter_person", "grid_gap"
};

/*
 * Columns a move may set by itself; every other column above is the
 * engine's, and an UPDATE that changes one is refused.
 */
static const CaseColumn caller_columns[] = {
	C_STATUS, C_HANDLING_LEVEL, C_SERVICE_POINT, C_STAGE_DEADLINE,
	C_DUPLICATE_OF, C_SATISFACTION, C_EVALUATION, C_ACTOR, C_NOTE,
	C_MOVED_AT, C_ESCALATION_TRIGGER, C_HANDLER, C_ACTOR_PERSON
};

/*
 * Columns an edit changes (action "edit", docs/cases.md); an edit is a move
 * of its own, never part of another.
 */
static const CaseColumn edit_columns[] = {C_CHANNEL, C_DESCRIPTION, C_REPORTER};

/*
 * The case's content, digested into every history row (history_content):
 * what was reported, where and by whom, and the reporter's evaluation.  The
 * SQL function content_digest() rebuilds the same form.
 */
static const CaseColumn content_columns[] = {
	C_UNIT, C_CATEGORY, C_SEVERITY, C_CHANNEL, C_DESCRIPTION, C_LOCATION,
	C_REPORTER, C_SATISFACTION, C_EVALUATION
};

static Oid	case_columns_relid = InvalidOid;
static char *actor_setting = NULL;
static char *handler_setting = NULL;
static int	case_attnum[NUM_CASE_COLUMNS];
static FmgrInfo content_output[lengthof(content_columns)];
static MemoryContext case_columns_memory = NULL;

/*
 * history_content (0.7.0) may be missing: a database not yet updated from
 * 0.6.0 runs the new module with the old tables, and gets the old chain.
 */
#define HAS_CONTENT()	(case_attnum[C_HISTORY_CONTENT] > 0)

/* deadline_provisional (0.8.0) may be missing too, in a 0.7.0 database */
#define HAS_PROVISIONAL()	(case_attnum[C_DEADLINE_PROVISIONAL] > 0)

/*
 * Likewise the people of a case (0.8.0): handler, actor_person and
 * reporter_person come together, after deadline_provisional.
 */
#define HAS_PEOPLE()	(case_attnum[C_REPORTER_PERSON] > 0)
#define HAS_COLUMN(col)	(case_attnum[col] > 0)

/* Find the engine's columns in the cases table, once per relation. */
static void
find_case_columns(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContext caller;
	int			col;
	size_t		i;

	case_rules_refresh(RelationGetNamespace(rel));
	if (case_columns_relid == RelationGetRelid(rel))
		return;
	case_columns_relid = InvalidOid;
	for (col = 0; col < NUM_CASE_COLUMNS; col++)
	{
		int			attnum = SPI_fnumber(tupdesc, case_column_names[col]);

		if (attnum <= 0 && col >= C_HISTORY_CONTENT)
			attnum = 0;
		else if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("table \"%s\" has no column \"%s\" that the case engine needs",
							RelationGetRelationName(rel), case_column_names[col])));
		case_attnum[col] = attnum;
	}
	/* the content is digested from each column's text form, as SQL casts it */
	if (case_columns_memory == NULL)
		case_columns_memory = AllocSetContextCreate(TopMemoryContext, "gridgov case columns",
													ALLOCSET_SMALL_SIZES);
	MemoryContextReset(case_columns_memory);
	caller = MemoryContextSwitchTo(case_columns_memory);
	for (i = 0; i < lengthof(content_columns); i++)
	{
		Oid			output;
		bool		varlena;

		getTypeOutputInfo(TupleDescAttr(tupdesc, case_attnum[content_columns[i]] - 1)->atttypid,
						  &output, &varlena);
		fmgr_info_cxt(output, &content_output[i], case_columns_memory);
	}
	MemoryContextSwitchTo(caller);
	/* PostGIS is wherever the location column's type lives */
	spi_plan_use_schema(RelationGetNamespace(rel),
						TupleDescAttr(tupdesc, case_attnum[C_LOCATION] - 1)->atttypid);
	case_history_use_columns(HAS_CONTENT(), HAS_PEOPLE());
	case_columns_relid = RelationGetRelid(rel);
}

/* Find the columns again at the next use: the table changed. */
static void
forget_case_columns(void)
{
	case_columns_relid = InvalidOid;
}

/* The gridgov.actor setting and the caches of the engine's files. */
void
case_engine_init(void)
{
	DefineCustomStringVariable("gridgov.actor",
							   "Who moved the cases being imported, for the case history.",
							   "Empty means the current role; anything else is for members of " IMPORTER_ROLE " only.",
							   &actor_setting, "", PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("gridgov.handler",
							   "The person who handles the cases moved, for accept, dispatch and start.",
							   "A person's number; empty means the person of the acting role (gridgov.person_login).",
							   &handler_setting, "", PGC_USERSET, 0, NULL, NULL, NULL);
	cache_register(forget_case_columns, &case_columns_relid, 1);
	case_handler_init();
	case_references_init();
	case_restore_init();
	case_warning_init();
	case_rules_init();
	grid_index_init();
}

/* A row being worked on: deformed values, changed in place, formed again. */
typedef struct CaseRow
{
	TupleDesc	tupdesc;
	Datum	   *values;
	bool	   *nulls;
} CaseRow;

/* A tuple of cases, deformed into row. */
static void
case_row_deform(CaseRow *row, TupleDesc tupdesc, HeapTuple tuple)
{
	row->tupdesc = tupdesc;
	row->values = palloc(tupdesc->natts * sizeof(Datum));
	row->nulls = palloc(tupdesc->natts * sizeof(bool));
	heap_deform_tuple(tuple, tupdesc, row->values, row->nulls);
}

/*
 * Where a column is in a deformed row.  A column the table lacks (one newer
 * than the extension's tables, HAS_COLUMN) must be checked for before it is
 * read or written: reaching one is a bug, reported, not a read outside the
 * row.
 */
static inline int
column_index(CaseColumn col)
{
	if (unlikely(case_attnum[col] <= 0))
		elog(ERROR, "the case engine used column \"%s\", which this version's cases table lacks",
			 case_column_names[col]);
	return case_attnum[col] - 1;
}

#define ROW_NULL(row, col)	((row)->nulls[column_index(col)])
#define ROW_DATUM(row, col)	((row)->values[column_index(col)])

/* Set a column of the row. */
static inline void
row_set(CaseRow *row, CaseColumn col, Datum value)
{
	ROW_DATUM(row, col) = value;
	ROW_NULL(row, col) = false;
}

/* Set a column of the row to NULL. */
static inline void
row_set_null(CaseRow *row, CaseColumn col)
{
	ROW_DATUM(row, col) = (Datum) 0;
	ROW_NULL(row, col) = true;
}

/* Set a text column of the row; NULL for a NULL value. */
static inline void
row_set_text(CaseRow *row, CaseColumn col, const char *value)
{
	if (value == NULL)
		row_set_null(row, col);
	else
		row_set(row, col, CStringGetTextDatum(value));
}

/* A text column of the row as a C string, NULL for NULL. */
static inline char *
row_text(CaseRow *row, CaseColumn col)
{
	return ROW_NULL(row, col) ? NULL : TextDatumGetCString(ROW_DATUM(row, col));
}

/* An integer column of the row, if_null for NULL. */
static inline int32
row_int(CaseRow *row, CaseColumn col, int32 if_null)
{
	if (ROW_NULL(row, col))
		return if_null;
	/* smallint and integer columns */
	return TupleDescAttr(row->tupdesc, column_index(col))->atttypid == INT2OID ?
		DatumGetInt16(ROW_DATUM(row, col)) : DatumGetInt32(ROW_DATUM(row, col));
}

/* A person column of the row, 0 for NULL or a column the table lacks. */
static inline int64
row_person(CaseRow *row, CaseColumn col)
{
	if (!HAS_COLUMN(col) || ROW_NULL(row, col))
		return 0;
	return DatumGetInt64(ROW_DATUM(row, col));
}

/* Set an integer column of the row, smallint or integer. */
static inline void
row_set_int(CaseRow *row, CaseColumn col, int32 value)
{
	row_set(row, col, TupleDescAttr(row->tupdesc, column_index(col))->atttypid == INT2OID ?
			Int16GetDatum((int16) value) : Int32GetDatum(value));
}

/* Whether a column is the same in both rows, NULL equal to NULL. */
static inline bool
row_equal(CaseRow *a, CaseRow *b, CaseColumn col)
{
	Form_pg_attribute att = TupleDescAttr(a->tupdesc, column_index(col));

	if (ROW_NULL(a, col) || ROW_NULL(b, col))
		return ROW_NULL(a, col) == ROW_NULL(b, col);
	return datumIsEqual(ROW_DATUM(a, col), ROW_DATUM(b, col), att->attbyval, att->attlen);
}

/* The status called name; an unknown or NULL status is refused. */
static CaseStatus
status_from_name(const char *name, int64 case_id)
{
	int			status;

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " cannot have no status", case_id)));

	for (status = 0; status < NUM_STATUSES; status++)
		if (strcmp(name, status_names[status]) == 0)
			return (CaseStatus) status;
	ereport(ERROR,
			(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
			 errmsg("case " INT64_FORMAT " cannot take the unknown status \"%s\"", case_id, name),
			 errhint("The statuses are reported, accepted, rejected, merged, dispatched, returned, in_progress, suspended, resolved, verified and closed.")));
	return ST_REPORTED;			/* keep compiler quiet */
}

/* "accept → accepted, reject → rejected" for a hint */
static char *
moves_from(CaseStatus from)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < lengthof(case_moves); i++)
	{
		if (case_moves[i].from != from)
			continue;
		appendStringInfo(&buf, "%s%s → %s", buf.len > 0 ? ", " : "",
						 action_names[case_moves[i].action], status_names[case_moves[i].to]);
	}
	if (status_can_escalate(from))
		appendStringInfo(&buf, "%sescalate → dispatched one level up", buf.len > 0 ? ", " : "");
	return buf.len > 0 ? buf.data : NULL;
}

/* Refuse a move, with the moves the case could make instead. */
static void
refuse_move(int64 case_id, CaseStatus from, const char *to, const char *why)
{
	char	   *allowed = moves_from(from);

	ereport(ERROR,
			(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
			 errmsg("case " INT64_FORMAT " cannot move from \"%s\" to \"%s\"", case_id, status_names[from], to),
			 why ? errdetail("%s", why) : 0,
			 allowed ? errhint("From %s the moves are: %s.", status_names[from], allowed)
			 : errhint("A %s case is final.", status_names[from])));
}

/*
 * The actor of a report or move (old is NULL for a report).  By default the
 * role in effect in the session, SET ROLE included, and not the owner of a
 * SECURITY DEFINER function the move runs in: such a function acts for its
 * caller.  An importer may name another, in the row's actor column or in
 * the setting gridgov.actor; anyone else who tries is refused.
 */
static const char *
move_actor(CaseRow *old, CaseRow *new, int64 case_id, bool *named)
{
	const char *given = NULL;

	if (!ROW_NULL(new, C_ACTOR) && (old == NULL || !row_equal(old, new, C_ACTOR)))
		given = row_text(new, C_ACTOR);
	else if (actor_setting != NULL && actor_setting[0] != '\0')
		given = actor_setting;
	*named = given != NULL;
	if (given == NULL)
		return GetUserNameFromId(GetOuterUserId(), false);
	if (!case_restore_may_import())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may not record the %s of case " INT64_FORMAT " as made by \"%s\"",
						GetUserNameFromId(GetUserId(), false), old ? "move" : "report", case_id, given),
				 errdetail("A case is reported and moved by the role that does it; naming another actor"
						   " (the argument actor, the column actor or the setting gridgov.actor) is for importing history."),
				 errhint("Leave the actor out, or have the role granted " IMPORTER_ROLE ".")));
	return given;
}

/*
 * Whether the current role may name people other than its own for a case
 * (its reporter or the actor of a move): importers, and the owner of the
 * cases table, who enters reports on others' behalf.
 */
static bool
may_name_people(Relation cases)
{
	return case_restore_may_import() || has_privs_of_role(GetUserId(), cases->rd_rel->relowner);
}

/* The person a report or move names in col, 0 when it names none or the table lacks col. */
static int64
given_person(CaseRow *old, CaseRow *new, CaseColumn col)
{
	if (!HAS_COLUMN(col) || ROW_NULL(new, col) || (old != NULL && row_equal(old, new, col)))
		return 0;
	return DatumGetInt64(ROW_DATUM(new, col));
}

/* Set a person column, 0 for NULL. */
static inline void
row_set_person(CaseRow *row, CaseColumn col, int64 person)
{
	if (person == 0)
		row_set_null(row, col);
	else
		row_set(row, col, Int64GetDatum(person));
}

/*
 * A person named in col, other than the acting role's own (own): an
 * importer's or the owner's to name, and one that exists.
 */
static void
check_named_person(Relation cases, int64 case_id, CaseColumn col, int64 person, int64 own)
{
	if (person != own && !may_name_people(cases))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may not name person " INT64_FORMAT " as %s of case " INT64_FORMAT,
						GetUserNameFromId(GetUserId(), false), person, case_column_names[col], case_id),
				 errdetail(own != 0 ? "The role is person " INT64_FORMAT " (gridgov.person_login)." :
						   "The role is no person in gridgov.person_login.", own),
				 errhint("Leave %s out: it is the person of the acting role. Naming another is for the owner"
						 " and the members of " IMPORTER_ROLE ".", case_column_names[col])));
	case_handler_check_person(cases, person, case_id, case_column_names[col]);
}

/*
 * The people of a report or move (old is NULL for a report): actor_person
 * is the person of the acting role, none when an importer named the actor,
 * or the one given; at a report, reporter_person likewise.
 */
static void
record_people(Relation cases, CaseRow *old, CaseRow *new, int64 case_id, bool actor_named)
{
	int64		own;
	int64		given;

	if (!HAS_PEOPLE())
		return;
	own = case_handler_session_person(cases);
	given = given_person(old, new, C_ACTOR_PERSON);
	if (given != 0)
		check_named_person(cases, case_id, C_ACTOR_PERSON, given, own);
	row_set_person(new, C_ACTOR_PERSON, given != 0 ? given : actor_named ? 0 : own);
	if (old != NULL)
		return;
	given = given_person(NULL, new, C_REPORTER_PERSON);
	if (given != 0)
		check_named_person(cases, case_id, C_REPORTER_PERSON, given, own);
	row_set_person(new, C_REPORTER_PERSON, given != 0 ? given : own);
}

/*
 * A time given for a report or move: the transaction's start, now(), from
 * anyone (the column default of reported_at, and the sweep's default); any
 * other from an importer only, and never after the server's clock.
 */
static void
check_given_time(TimestampTz at, int64 case_id, const char *what)
{
	TimestampTz clock;

	if (at != GetCurrentTransactionStartTimestamp() && !case_restore_may_import())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may not date the %s of case " INT64_FORMAT " at %s",
						GetUserNameFromId(GetUserId(), false), what, case_id, timestamptz_to_str(at)),
				 errdetail("A case is reported and moved at the server's time; giving another"
						   " (the argument at, the column reported_at or moved_at, the sweep's as_of) is for importing history."),
				 errhint("Leave the time out, or have the role granted " IMPORTER_ROLE ".")));
	clock = GetCurrentTimestamp();
	if (at > clock)
	{
		/* timestamptz_to_str returns a static buffer: one call per copy */
		char	   *when = pstrdup(timestamptz_to_str(at));

		ereport(ERROR,
				(errcode(ERRCODE_INCOMPLETE_CASE_MOVE),
				 errmsg("the %s of case " INT64_FORMAT " cannot be dated %s, in the future", what, case_id, when),
				 errdetail("The server's clock says %s.", timestamptz_to_str(clock))));
	}
}

/*
 * The digest of a case's content (content_columns), each column in its text
 * form.  Only the digest goes into the history: the reporter's personal data
 * stays in the case row.
 */
static bytea *
content_digest(pg_cryptohash_ctx *ctx, CaseRow *row)
{
	const char *fields[lengthof(content_columns) + 1];
	char		number[32];
	int			nfields = 0;
	size_t		i;

	for (i = 0; i < lengthof(content_columns); i++)
		fields[nfields++] = ROW_NULL(row, content_columns[i]) ? NULL :
			OutputFunctionCall(&content_output[i], ROW_DATUM(row, content_columns[i]));
	/* the reporting person only when there is one: older cases digest as before */
	if (HAS_PEOPLE() && !ROW_NULL(row, C_REPORTER_PERSON))
	{
		snprintf(number, sizeof(number), INT64_FORMAT, DatumGetInt64(ROW_DATUM(row, C_REPORTER_PERSON)));
		fields[nfields++] = number;
	}
	return case_history_content_digest(ctx, fields, nfields);
}

/* Stamp the row with the next history link for this move, made by actor. */
static void
chain_move(CaseRow *row, CaseAction action, const char *from_status, TimestampTz at, const char *actor)
{
	int32		seq = row_int(row, C_HISTORY_SEQ, 0) + 1;
	bytea	   *previous = ROW_NULL(row, C_HISTORY_HASH) ? NULL :
		DatumGetByteaPP(ROW_DATUM(row, C_HISTORY_HASH));
	char	   *escalation = row_text(row, C_ESCALATION_TRIGGER);
	bytea	   *content = NULL;
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (HAS_CONTENT())
	{
		content = content_digest(ctx, row);
		row_set(row, C_HISTORY_CONTENT, PointerGetDatum(content));
	}
	row_set_text(row, C_ACTOR, actor);
	row_set_text(row, C_LAST_ACTION, action_names[action]);
	row_set(row, C_MOVED_AT, TimestampTzGetDatum(at));
	row_set_int(row, C_HISTORY_SEQ, seq);
	row_set(row, C_HISTORY_HASH, PointerGetDatum(
		case_history_hash(ctx, previous, DatumGetInt64(ROW_DATUM(row, C_ID)), seq, at, actor,
					 action_names[action], from_status, row_text(row, C_STATUS),
					 row_int(row, C_HANDLING_LEVEL, 0), row_int(row, C_SERVICE_POINT, 0),
					 escalation, row_text(row, C_NOTE), content,
					 row_person(row, C_ACTOR_PERSON), row_person(row, C_HANDLER))));
	pg_cryptohash_free(ctx);
}

/* Mark the deadline provisional or not; a no-op on a 0.7.0 table. */
static void
set_provisional(CaseRow *row, bool provisional)
{
	if (HAS_PROVISIONAL())
		row_set(row, C_DEADLINE_PROVISIONAL, BoolGetDatum(provisional));
}

/*
 * Set a deadline the calendar counted: provisional when it runs past the
 * calendar's horizon (counted on plain weekdays there), never for clock
 * hours, which ignore the calendar.
 */
static void
set_counted_deadline(CaseRow *row, TimestampTz deadline, CalendarUnit unit)
{
	row_set(row, C_STAGE_DEADLINE, TimestampTzGetDatum(deadline));
	set_provisional(row, unit != CALENDAR_CLOCK_HOUR && calendar_past_horizon(deadline));
}

/* Start a stage: its clock, its limit and its deadline. */
static void
start_stage(CaseRow *row, const char *stage, TimestampTz at, const CaseRule *rule, double limit)
{
	row_set_text(row, C_STAGE, stage);
	row_set(row, C_STAGE_STARTED_AT, TimestampTzGetDatum(at));
	row_set_text(row, C_STAGE_LIMIT_UNIT, calendar_unit_name(rule->limit_unit));
	row_set(row, C_STAGE_PAUSED_SECONDS, Int64GetDatum(0));
	set_counted_deadline(row, calendar_deadline(at, limit, rule->limit_unit), rule->limit_unit);
}

/* End the timed stages: stage becomes the final one, without deadline. */
static void
end_stages(CaseRow *row, const char *stage)
{
	row_set_text(row, C_STAGE, stage);
	row_set_null(row, C_STAGE_DEADLINE);
	row_set_null(row, C_STAGE_LIMIT_UNIT);
	set_provisional(row, false);
}

/* The category rule of the case at its severity; none is an error. */
static const CaseRule *
rule_of(CaseRow *row)
{
	char	   *category = row_text(row, C_CATEGORY);
	int			severity = row_int(row, C_SEVERITY, 1);
	const CaseRule *rule;

	/* the table's CHECK would refuse it, but only after routing has failed */
	if (severity < 1 || severity > 4)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("severity %d is out of range for a case", severity),
				 errhint("Severities run from 1 (lowest) to 4 (highest).")));
	rule = case_rules_category_rule(category, severity);
	if (rule == NULL)
		case_inputs_check_category(category, DatumGetInt64(ROW_DATUM(row, C_ID)));
	if (rule == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("no rule for category \"%s\" at severity %d", category, severity),
				 errhint("Add a row to gridgov.category_rule for this category with a severity of %d or less.", severity)));
	return rule;
}

/*
 * Route to the service point of the case's unit at a handling level, or of
 * the category's department.  A department's case climbs from the
 * subdistrict up, never down to a community; a general case climbs from the
 * handling level up to the first unit that has a service point.
 */
static const ServicePoint *
route(int64 case_id, int64 unit, int level, const CaseRule *rule)
{
	int			start = rule->department != NULL ? Min(level, 4) : level;
	int			l;

	for (l = start; l >= 3; l--)
	{
		int64		ancestor = gridcode_ancestor_at(unit, l);
		const ServicePoint *point;

		if (ancestor == 0)
			continue;
		point = case_rules_service_point(ancestor, rule->department);
		if (point != NULL)
			return point;
	}
	ereport(ERROR,
			(errcode(ERRCODE_CASE_ROUTING_FAILED),
			 errmsg("no service point for case " INT64_FORMAT " at level %d or above", case_id, start),
			 rule->department ?
			 errdetail("The category belongs to department \"%s\".", rule->department) : 0,
			 errhint("Register a service point in gridgov.service_point for the unit's %s or a unit above it.",
					 rule->department ? "subdistrict" : "handling level")));
	return NULL;				/* keep compiler quiet */
}

/* An explicit service point must serve the case's unit, at or above it. */
static const ServicePoint *
check_service_point(int64 case_id, int64 unit, int32 service_point_id, const CaseRule *rule)
{
	const ServicePoint *point = case_rules_service_point_by_id(service_point_id);

	if (point == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("service point %d does not exist", service_point_id)));
	if (!gridcode_covers(point->unit, unit))
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("service point %d does not serve the unit of case " INT64_FORMAT, service_point_id, case_id),
				 errhint("A case goes to a service point of its own unit or of a unit above it.")));
	if (rule->department != NULL &&
		(point->department == NULL || strcmp(point->department, rule->department) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("service point %d is not a desk of department \"%s\", which owns this category",
						service_point_id, rule->department)));
	return point;
}

/* Hand the case to a service point, at its level. */
static void
assign(CaseRow *row, const ServicePoint *point)
{
	row_set_int(row, C_SERVICE_POINT, point->id);
	row_set_int(row, C_HANDLING_LEVEL, point->level);
}

/* The time of a move: given, or the clock; never before the last move. */
static TimestampTz
move_time(CaseRow *old, CaseRow *new)
{
	TimestampTz at;

	/*
	 * A move without a time of its own happens now, by the clock: moves in
	 * one long transaction, or in transactions that began before another
	 * session's move committed, still follow each other.
	 */
	if (!ROW_NULL(new, C_MOVED_AT) && !row_equal(old, new, C_MOVED_AT))
		at = DatumGetTimestampTz(ROW_DATUM(new, C_MOVED_AT));
	else
		at = GetCurrentTimestamp();
	if (!ROW_NULL(old, C_MOVED_AT) && at < DatumGetTimestampTz(ROW_DATUM(old, C_MOVED_AT)))
	{
		/* timestamptz_to_str returns a static buffer: one call per copy */
		char	   *when = pstrdup(timestamptz_to_str(at));
		char	   *last = pstrdup(timestamptz_to_str(DatumGetTimestampTz(ROW_DATUM(old, C_MOVED_AT))));

		ereport(ERROR,
				(errcode(ERRCODE_INCOMPLETE_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " cannot move at %s, before its last move at %s",
						DatumGetInt64(ROW_DATUM(new, C_ID)), when, last)));
	}
	return at;
}

/* whether a case exists, for a merge into it */
static const SpiQuery case_exists_query = {
	"SELECT 1 FROM %1$s.cases WHERE id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}
};
static SPIPlanPtr case_exists_plan = NULL;

/* Whether a case of that id exists: the target of a merge. */
static bool
case_exists(int64 case_id)
{
	Datum		values[1] = {Int64GetDatum(case_id)};
	bool		found;

	spi_plan_run(&case_exists_plan, &case_exists_query, values, NULL, false, 1);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* The earlier cases that make this report a repeat (矛盾预警), if enough. */
static void
apply_early_warning(Relation cases, CaseRow *row, TimestampTz reported_at)
{
	char	   *category = row_text(row, C_CATEGORY);
	const WarningRule *rule = case_rules_warning_rule(category);
	CaseAttnums attnums = {case_attnum[C_ID], case_attnum[C_STATUS], case_attnum[C_REPORTED_AT]};
	ArrayType  *earlier;
	int			severity;

	earlier = case_warning_earlier(cases, &attnums, DatumGetGridcode(ROW_DATUM(row, C_UNIT)), category,
								   reported_at - rule->window, reported_at);
	case_warning_add(cases, DatumGetGridcode(ROW_DATUM(row, C_UNIT)), category, reported_at,
					 DatumGetInt64(ROW_DATUM(row, C_ID)));
	if (earlier == NULL || ArrayGetNItems(ARR_NDIM(earlier), ARR_DIMS(earlier)) < rule->threshold - 1)
		return;

	severity = row_int(row, C_SEVERITY, 1);
	row_set_int(row, C_SEVERITY, Min(severity + 1, 4));
	row_set(row, C_WARNING, BoolGetDatum(true));
	row_set(row, C_LINKED_CASES, PointerGetDatum(earlier));
}

/* How the messages name a case: by its id, or "the new case" before it has one. */
static char *
case_subject(int64 case_id)
{
	return case_id != 0 ? psprintf("case " INT64_FORMAT, case_id) : pstrdup("the new case");
}

/*
 * The unit a report at a point belongs to: the grid in force at its time
 * covering the point (a late report goes to the grid of its time,
 * docs/layers.md), or, in a gap between the grids, the lowest unit of
 * levels 3 to 5 covering it (*in_gap then).  A report without a point, or
 * with one that no unit covers, is refused; case_id names it (0: a new case
 * without an id yet).
 */
int64
case_engine_unit_at(Datum location, bool has_location, TimestampTz reported_at, int64 case_id, bool *in_gap)
{
	int64		unit;

	if (!has_location)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("%s has neither a location nor a unit", case_subject(case_id)),
				 errhint("Give the point where it happened, or the unit it belongs to.")));
	*in_gap = false;
	unit = grid_index_grid_at(location, reported_at);
	if (unit != 0)
		return unit;
	*in_gap = true;
	unit = grid_index_gap_unit_at(location, reported_at);
	if (unit != 0)
		return unit;
	grid_index_refuse_swapped(location);
	ereport(ERROR,
			(errcode(ERRCODE_CASE_ROUTING_FAILED),
			 errmsg("no unit covers the location of %s", case_subject(case_id)),
			 errdetail("The point is outside every grid, community, subdistrict and district with a boundary in gridgov.unit."),
			 errhint("Give the unit explicitly, or register the boundary of the unit it belongs to in gridgov.unit.")));
	pg_unreachable();
}

/*
 * The district (level 3) above a case's unit, the cases' distribution key
 * on Citus; a unit above the districts is refused.
 */
int64
case_engine_district_above(int64 unit, int64 case_id)
{
	int64		district = gridcode_ancestor_at(unit, 3);

	if (district == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("%s must belong to a unit at or below a county or district", case_subject(case_id))));
	return district;
}

/*
 * A case in a gap between the grids is flagged for the grid office:
 * grid_gap, and a note in its first history row (before the caller's note,
 * if any).
 */
static void
note_grid_gap(CaseRow *row, int64 unit)
{
	char	   *code = DatumGetCString(DirectFunctionCall1(gridcode_out, GridcodeGetDatum(unit)));
	char	   *note = row_text(row, C_NOTE);
	char	   *reason = psprintf("no grid covers the location: routed to unit %s (level %d)",
								  code, gridcode_level_of(unit));

	row_set_text(row, C_NOTE, note != NULL ? psprintf("%s; %s", reason, note) : reason);
	if (HAS_COLUMN(C_GRID_GAP))
		row_set(row, C_GRID_GAP, BoolGetDatum(true));
}

/*
 * Where a new case is (case_engine_unit_at), unless the caller named a unit, and
 * the district above it.  Sets unit, district and grid_gap, returns unit.
 * A district given must be that one: a distributed cases table (Citus,
 * docs/scale-out.md) has put the row in the given district's shard already.
 */
static int64
place_case(CaseRow *row, int64 case_id, TimestampTz reported_at)
{
	int64		unit;
	int64		district;
	bool		in_gap;

	if (HAS_COLUMN(C_GRID_GAP))
		row_set(row, C_GRID_GAP, BoolGetDatum(false));
	if (ROW_NULL(row, C_UNIT))
	{
		unit = case_engine_unit_at(ROW_DATUM(row, C_LOCATION), !ROW_NULL(row, C_LOCATION), reported_at,
							case_id, &in_gap);
		if (in_gap)
			note_grid_gap(row, unit);
		row_set(row, C_UNIT, GridcodeGetDatum(unit));
	}
	unit = DatumGetGridcode(ROW_DATUM(row, C_UNIT));
	district = case_engine_district_above(unit, case_id);
	if (!ROW_NULL(row, C_DISTRICT) && DatumGetGridcode(ROW_DATUM(row, C_DISTRICT)) != district)
		ereport(ERROR,
				(errcode(ERRCODE_CASE_ROUTING_FAILED),
				 errmsg("case " INT64_FORMAT " belongs to district %s, not to the district given",
						case_id, DatumGetCString(DirectFunctionCall1(gridcode_out, GridcodeGetDatum(district)))),
				 errhint("Give the district above the case's unit, or none.")));
	row_set(row, C_DISTRICT, GridcodeGetDatum(district));
	return unit;
}

/*
 * A COPY row that carries history_hash is a case restored from a dump
 * (case_restore.c), taken as it is: only a role that may import history
 * may write one, as it bypasses routing and the lifecycle.
 */
static void
admit_restored_case(int64 case_id)
{
	if (!case_restore_may_import())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may not restore case " INT64_FORMAT,
						GetUserNameFromId(GetUserId(), false), case_id),
				 errdetail("A row of cases copied with its history_hash is a case restored from a dump, taken as it is."),
				 errhint("Restore as a superuser or a member of " IMPORTER_ROLE
						 "; to report new cases with COPY, leave history_seq and history_hash out.")));
	case_restore_remember(case_id);
}

/*
 * A report without a time (reported_at left out, or NULL) is dated now(),
 * the start of the transaction on the node that writes the row, as the
 * column default was: reported_at has none, which Citus would compute on
 * the coordinator and send as a time given (docs/scale-out.md).  Returns
 * whether it did.
 */
static bool
date_unless_given(CaseRow *row)
{
	if (!ROW_NULL(row, C_REPORTED_AT))
		return false;
	row_set(row, C_REPORTED_AT, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	return true;
}

/*
 * BEFORE INSERT FOR EACH ROW: check the report, place and route the new
 * case, apply early warning, start its first stage and its history chain.
 */
PG_FUNCTION_INFO_V1(case_before_insert);
Datum
case_before_insert(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	CaseRow		row;
	int64		case_id;
	TimestampTz reported_at;
	const CaseRule *rule;
	const CaseRule *base_rule;
	const ServicePoint *point;
	int64		unit;
	char	   *status;
	const char *actor;
	bool		actor_named;
	bool		dated;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		elog(ERROR, "case_before_insert must be a BEFORE INSERT FOR EACH ROW trigger");

	find_case_columns(trigdata->tg_relation);
	case_row_deform(&row, RelationGetDescr(trigdata->tg_relation), trigdata->tg_trigtuple);
	case_id = DatumGetInt64(ROW_DATUM(&row, C_ID));

	dated = date_unless_given(&row);
	if (!ROW_NULL(&row, C_HISTORY_HASH) && case_restore_copying())
	{
		/* a dump gives every time: its row goes in as it came */
		admit_restored_case(case_id);
		return PointerGetDatum(dated ? heap_form_tuple(row.tupdesc, row.values, row.nulls)
							   : trigdata->tg_trigtuple);
	}

	status = row_text(&row, C_STATUS);
	if (status == NULL || strcmp(status, "reported") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " cannot start as \"%s\"", case_id, status ? status : "NULL"),
				 errhint("Every case starts as reported; insert it without a status.")));

	if (ROW_NULL(&row, C_CATEGORY))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("case " INT64_FORMAT " needs a category", case_id)));
	case_inputs_check_channel(row_text(&row, C_CHANNEL), case_id);
	reported_at = DatumGetTimestampTz(ROW_DATUM(&row, C_REPORTED_AT));
	check_given_time(reported_at, case_id, "report");
	actor = move_actor(NULL, &row, case_id, &actor_named);
	record_people(trigdata->tg_relation, NULL, &row, case_id, actor_named);

	unit = place_case(&row, case_id, reported_at);

	row_set_int(&row, C_REPORTED_SEVERITY, row_int(&row, C_SEVERITY, 1));
	apply_early_warning(trigdata->tg_relation, &row, reported_at);

	/* how high: the rule for the severity; above the category's usual
	 * level, that is an escalation at intake */
	rule = rule_of(&row);
	base_rule = case_rules_category_rule(row_text(&row, C_CATEGORY), 1);
	if (!ROW_NULL(&row, C_SERVICE_POINT))
		point = check_service_point(case_id, unit, row_int(&row, C_SERVICE_POINT, 0), rule);
	else
		point = route(case_id, unit, rule->handling_level, rule);
	assign(&row, point);
	/* a handler given at intake takes the case at the routed point */
	if (HAS_PEOPLE() && !ROW_NULL(&row, C_HANDLER))
		case_handler_check(trigdata->tg_relation, case_id, row_person(&row, C_HANDLER), point->id, reported_at);
	if (base_rule != NULL && rule->handling_level < base_rule->handling_level)
	{
		row_set_text(&row, C_ESCALATION_TRIGGER, "severity");
		row_set_int(&row, C_ESCALATIONS, 1);
	}
	else
		row_set_null(&row, C_ESCALATION_TRIGGER);

	start_stage(&row, "accept", reported_at, rule, rule->accept_limit);
	row_set_null(&row, C_HISTORY_HASH);
	row_set_int(&row, C_HISTORY_SEQ, 0);
	chain_move(&row, ACT_REPORT, NULL, reported_at, actor);

	return PointerGetDatum(heap_form_tuple(row.tupdesc, row.values, row.nulls));
}

/* Refuse a move that needs a reason and gives no new note. */
static void
require_reason(CaseRow *old, CaseRow *new, int64 case_id, CaseAction action)
{
	if (ROW_NULL(new, C_NOTE) || row_equal(old, new, C_NOTE))
		ereport(ERROR,
				(errcode(ERRCODE_INCOMPLETE_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " cannot %s without a reason", case_id, action_names[action]),
				 errhint("Set note to the reason in the same UPDATE, or pass it to gridgov.%s().",
						 action == ACT_RETURN ? "return_case" : action_names[action])));
}

/*
 * An edit of the case's content (edit_columns, named in changed): a move of
 * its own, the status unchanged, its note naming what changed (and the
 * caller's note as the reason, if any).  The history keeps the digest of
 * the new content, not the content.
 */
static HeapTuple
edit_case(CaseRow *old, CaseRow *new, const char *changed, const char *actor)
{
	char	   *status = row_text(old, C_STATUS);
	char	   *reason = row_equal(old, new, C_NOTE) ? NULL : row_text(new, C_NOTE);
	TimestampTz at = move_time(old, new);

	row_set_text(new, C_NOTE, reason ? psprintf("changed %s: %s", changed, reason) :
				 psprintf("changed %s", changed));
	row_set_null(new, C_ESCALATION_TRIGGER);
	chain_move(new, ACT_EDIT, status, at, actor);
	return heap_form_tuple(new->tupdesc, new->values, new->nulls);
}

/*
 * An UPDATE of a case as the BEFORE UPDATE trigger works it out: the rows,
 * the move it is, and what the move needs.
 */
typedef struct CaseUpdate
{
	Relation	cases;
	CaseRow		old;
	CaseRow		new;
	int64		case_id;
	int64		unit;
	CaseStatus	from;
	CaseStatus	to;
	CaseAction	action;			/* NUM_ACTIONS: no change of state */
	bool		escalating;
	const char *actor;
	StringInfoData edited;		/* the content columns changed, "" if none */
	TimestampTz at;
	const CaseRule *rule;
} CaseUpdate;

/* Whether col is one the caller may set (caller_columns, edit_columns). */
static bool
is_callers_column(int col)
{
	size_t		i;

	for (i = 0; i < lengthof(caller_columns); i++)
		if ((int) caller_columns[i] == col)
			return true;
	for (i = 0; i < lengthof(edit_columns); i++)
		if ((int) edit_columns[i] == col)
			return true;
	return false;
}

/* Refuse an UPDATE that changes a column the engine keeps. */
static void
refuse_engine_columns(CaseUpdate *u)
{
	int			col;

	for (col = 0; col < NUM_CASE_COLUMNS; col++)
	{
		if (!HAS_COLUMN(col))
			continue;
		if (!is_callers_column(col) && !row_equal(&u->old, &u->new, col))
			ereport(ERROR,
					(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
					 errmsg("column \"%s\" of case " INT64_FORMAT " is kept by the case engine",
							case_column_names[col], u->case_id),
					 errhint("Move the case with the gridgov move functions or by updating its status.")));
	}
}

/*
 * Which move the UPDATE is, in u->action, u->to and u->escalating: an
 * escalation when it raises the level or names a trigger, else the listed
 * move from the old status to the new one.  NUM_ACTIONS when the status
 * stays and nothing a move sets changes: an edit, or no move at all.
 */
static void
recognise_move(CaseUpdate *u)
{
	const CaseMove *move = NULL;
	size_t		i;

	u->action = NUM_ACTIONS;
	u->escalating = false;
	if (row_int(&u->new, C_HANDLING_LEVEL, 0) < row_int(&u->old, C_HANDLING_LEVEL, 0) ||
		(!row_equal(&u->old, &u->new, C_ESCALATION_TRIGGER) && !ROW_NULL(&u->new, C_ESCALATION_TRIGGER)))
	{
		if (!status_can_escalate(u->from) || (u->to != u->from && u->to != ST_DISPATCHED))
			refuse_move(u->case_id, u->from, status_names[u->to], "Only an accepted, dispatched, returned or in-progress case can be escalated.");
		u->escalating = true;
		u->action = ACT_ESCALATE;
		u->to = ST_DISPATCHED;
		return;
	}
	for (i = 0; i < lengthof(case_moves); i++)
		if (case_moves[i].from == u->from && case_moves[i].to == u->to)
			move = &case_moves[i];
	/* a move that stays: an extension sets a deadline, an evaluation a rating or comment */
	if (u->from == u->to &&
		(move == NULL ||
		 (move->action == ACT_EVALUATE ?
		  row_equal(&u->old, &u->new, C_SATISFACTION) && row_equal(&u->old, &u->new, C_EVALUATION) :
		  row_equal(&u->old, &u->new, C_STAGE_DEADLINE))))
	{
		/* not a change of state: only the note, actor and time may change */
		for (i = 0; i < lengthof(caller_columns); i++)
			if (caller_columns[i] != C_NOTE && caller_columns[i] != C_ACTOR &&
				caller_columns[i] != C_ACTOR_PERSON && caller_columns[i] != C_MOVED_AT &&
				HAS_COLUMN(caller_columns[i]) && !row_equal(&u->old, &u->new, caller_columns[i]))
				refuse_move(u->case_id, u->from, status_names[u->to],
							psprintf("Changing %s is part of a move, and no move leads from %s to %s.",
									 case_column_names[caller_columns[i]], status_names[u->from], status_names[u->to]));
		return;
	}
	if (move == NULL)
		refuse_move(u->case_id, u->from, status_names[u->to], NULL);
	u->action = move->action;
	if (move->needs_reason)
		require_reason(&u->old, &u->new, u->case_id, u->action);
}

/* An UPDATE that is no move: the row as it was in note, actor and time. */
static HeapTuple
keep_unmoved(CaseUpdate *u)
{
	static const CaseColumn kept[] = {C_NOTE, C_ACTOR, C_MOVED_AT, C_ACTOR_PERSON};
	size_t		i;

	for (i = 0; i < lengthof(kept); i++)
	{
		if (!HAS_COLUMN(kept[i]))
			continue;
		ROW_DATUM(&u->new, kept[i]) = ROW_DATUM(&u->old, kept[i]);
		ROW_NULL(&u->new, kept[i]) = ROW_NULL(&u->old, kept[i]);
	}
	return heap_form_tuple(u->new.tupdesc, u->new.values, u->new.nulls);
}

/* A merge needs another case that exists, named in duplicate_of. */
static void
check_merge_target(CaseUpdate *u)
{
	if (ROW_NULL(&u->new, C_DUPLICATE_OF) ||
		DatumGetInt64(ROW_DATUM(&u->new, C_DUPLICATE_OF)) == u->case_id ||
		!case_exists(DatumGetInt64(ROW_DATUM(&u->new, C_DUPLICATE_OF))))
		ereport(ERROR,
				(errcode(ERRCODE_INCOMPLETE_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " can only be merged into another existing case", u->case_id),
				 errhint("Set duplicate_of to the earlier case's id, or use gridgov.merge(case, into).")));
}

/* An extension needs a deadline later than the one it extends. */
static void
check_extension(CaseUpdate *u)
{
	if (ROW_NULL(&u->new, C_STAGE_DEADLINE) ||
		DatumGetTimestampTz(ROW_DATUM(&u->new, C_STAGE_DEADLINE)) <= DatumGetTimestampTz(ROW_DATUM(&u->old, C_STAGE_DEADLINE)))
		ereport(ERROR,
				(errcode(ERRCODE_INCOMPLETE_CASE_MOVE),
				 errmsg("an extension of case " INT64_FORMAT " must set a later deadline", u->case_id),
				 errdetail("The deadline is %s.",
						   timestamptz_to_str(DatumGetTimestampTz(ROW_DATUM(&u->old, C_STAGE_DEADLINE))))));
}

/* Resume: the stage's deadline moves on by the time the case was suspended. */
static void
apply_resume(CaseUpdate *u)
{
	TimestampTz since = DatumGetTimestampTz(ROW_DATUM(&u->old, C_SUSPENDED_AT));
	char	   *stage_unit = row_text(&u->old, C_STAGE_LIMIT_UNIT);
	CalendarUnit limit_unit = stage_unit ? calendar_unit_from_name(stage_unit) : u->rule->limit_unit;
	int64		paused = limit_unit == CALENDAR_CLOCK_HOUR ?
		(u->at - since) / USECS_PER_SEC : calendar_working_seconds(since, u->at);
	TimestampTz deadline = DatumGetTimestampTz(ROW_DATUM(&u->old, C_STAGE_DEADLINE));

	deadline = limit_unit == CALENDAR_CLOCK_HOUR ? deadline + paused * USECS_PER_SEC :
		calendar_add_working_seconds(deadline, paused);
	set_counted_deadline(&u->new, deadline, limit_unit);
	row_set(&u->new, C_STAGE_PAUSED_SECONDS, Int64GetDatum(
		DatumGetInt64(ROW_DATUM(&u->old, C_STAGE_PAUSED_SECONDS)) + paused));
	row_set(&u->new, C_SUSPENDED_SECONDS, Int64GetDatum(
		DatumGetInt64(ROW_DATUM(&u->old, C_SUSPENDED_SECONDS)) + (u->at - since) / USECS_PER_SEC));
	row_set_null(&u->new, C_SUSPENDED_AT);
}

/* Escalate: one level up (or the level asked for), to its service point. */
static void
apply_escalation(CaseUpdate *u)
{
	int			old_level = row_int(&u->old, C_HANDLING_LEVEL, 5);
	int			level = row_int(&u->new, C_HANDLING_LEVEL, old_level);

	if (level >= old_level)
		level = old_level - 1;
	if (level < 3)
		ereport(ERROR,
				(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " is handled at district level and cannot climb higher", u->case_id)));
	if (ROW_NULL(&u->new, C_ESCALATION_TRIGGER))
		row_set_text(&u->new, C_ESCALATION_TRIGGER, "referral");
	require_reason(&u->old, &u->new, u->case_id, ACT_ESCALATE);
	assign(&u->new, route(u->case_id, u->unit, level, u->rule));
	row_set_int(&u->new, C_ESCALATIONS, row_int(&u->old, C_ESCALATIONS, 0) + 1);
	row_set(&u->new, C_DISPATCHED_AT, TimestampTzGetDatum(u->at));
	start_stage(&u->new, "resolve", u->at, u->rule, u->rule->resolve_limit);
}

/* What the move's action does to the row: its times, counters and stage. */
static void
apply_action(CaseUpdate *u)
{
	CaseRow    *new = &u->new;
	TimestampTz at = u->at;
	const CaseRule *rule = u->rule;

	switch (u->action)
	{
		case ACT_ACCEPT:
			row_set(new, C_ACCEPTED_AT, TimestampTzGetDatum(at));
			start_stage(new, "dispatch", at, rule, rule->dispatch_limit);
			break;
		case ACT_REJECT:
			end_stages(new, "rejected");
			row_set(new, C_CLOSED_AT, TimestampTzGetDatum(at));
			break;
		case ACT_MERGE:
			check_merge_target(u);
			end_stages(new, "merged");
			row_set(new, C_CLOSED_AT, TimestampTzGetDatum(at));
			break;
		case ACT_DISPATCH:
			if (!row_equal(&u->old, new, C_SERVICE_POINT) && !ROW_NULL(new, C_SERVICE_POINT))
				assign(new, check_service_point(u->case_id, u->unit, row_int(new, C_SERVICE_POINT, 0), rule));
			row_set(new, C_DISPATCHED_AT, TimestampTzGetDatum(at));
			start_stage(new, "resolve", at, rule, rule->resolve_limit);
			break;
		case ACT_START:
			break;
		case ACT_RETURN:
			row_set_int(new, C_RETURNS, row_int(&u->old, C_RETURNS, 0) + 1);
			start_stage(new, "dispatch", at, rule, rule->dispatch_limit);
			break;
		case ACT_EXTEND:
			check_extension(u);
			row_set_int(new, C_EXTENSIONS, row_int(&u->old, C_EXTENSIONS, 0) + 1);
			/* an instant someone chose, not one the calendar counted */
			set_provisional(new, false);
			break;
		case ACT_SUSPEND:
			row_set(new, C_SUSPENDED_AT, TimestampTzGetDatum(at));
			break;
		case ACT_RESUME:
			apply_resume(u);
			break;
		case ACT_RESOLVE:
			row_set(new, C_RESOLVED_AT, TimestampTzGetDatum(at));
			start_stage(new, "verify", at, rule, rule->verify_limit);
			break;
		case ACT_VERIFY:
			row_set(new, C_VERIFIED_AT, TimestampTzGetDatum(at));
			end_stages(new, "close");
			break;
		case ACT_REOPEN:
			row_set_int(new, C_REOPENINGS, row_int(&u->old, C_REOPENINGS, 0) + 1);
			row_set_null(new, C_RESOLVED_AT);
			/* rework after a complaint: the case is no longer closed */
			if (u->from == ST_CLOSED)
			{
				row_set_null(new, C_VERIFIED_AT);
				row_set_null(new, C_CLOSED_AT);
			}
			start_stage(new, "resolve", at, rule, rule->resolve_limit);
			break;
		case ACT_EVALUATE:
			break;
		case ACT_CLOSE:
			row_set(new, C_CLOSED_AT, TimestampTzGetDatum(at));
			end_stages(new, "closed");
			break;
		case ACT_ESCALATE:
			apply_escalation(u);
			break;
		default:
			elog(ERROR, "unexpected case action %d", u->action);
	}
}

/* The person a setting names: a positive number, else an error. */
static int64
setting_person(const char *value)
{
	char	   *end;
	int64		person = strtoi64(value, &end, 10);

	if (*end != '\0' || person <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gridgov.handler must be a person's number, not \"%s\"", value),
				 errhint("Set it to the id of a gridgov.person, or to '' for the person of the acting role.")));
	return person;
}

/*
 * The handler after a move (docs/cases.md, "Handlers"): the person given
 * (in the row, or by the setting gridgov.handler, which the move functions
 * use for their argument handler);
 * else, for accept, dispatch and start, the person of the move's actor;
 * else the handler as it was, unless the case went to another service
 * point.  A handler who is new, or at a new service point, must hold a post
 * there on the day of the move (GG007).
 */
static void
assign_handler(CaseUpdate *u)
{
	int64		handler;
	int64		previous;
	bool		moved_away;

	/* a table from before 0.8.0 has no handler to read */
	if (!HAS_PEOPLE())
		return;
	handler = given_person(&u->old, &u->new, C_HANDLER);
	if (handler == 0 && handler_setting != NULL && handler_setting[0] != '\0')
		handler = setting_person(handler_setting);
	previous = row_person(&u->old, C_HANDLER);
	moved_away = !row_equal(&u->old, &u->new, C_SERVICE_POINT);
	if (handler == 0 && (u->action == ACT_ACCEPT || u->action == ACT_DISPATCH || u->action == ACT_START))
		handler = row_person(&u->new, C_ACTOR_PERSON);
	if (handler == 0 && !moved_away)
		handler = previous;
	row_set_person(&u->new, C_HANDLER, handler);
	if (handler != 0 && (handler != previous || moved_away))
		case_handler_check(u->cases, u->case_id, handler, row_int(&u->new, C_SERVICE_POINT, 0), u->at);
}

/*
 * Whether the UPDATE asks for a provisional deadline to be counted again,
 * as load_calendar_year() does: it sets deadline_provisional from true to
 * false and changes nothing else the engine knows.
 */
static bool
is_recount(CaseUpdate *u)
{
	int			col;

	if (!HAS_PROVISIONAL() || !DatumGetBool(ROW_DATUM(&u->old, C_DEADLINE_PROVISIONAL)) ||
		DatumGetBool(ROW_DATUM(&u->new, C_DEADLINE_PROVISIONAL)))
		return false;
	for (col = 0; col < NUM_CASE_COLUMNS; col++)
		if (col != C_DEADLINE_PROVISIONAL && HAS_COLUMN(col) && !row_equal(&u->old, &u->new, col))
			return false;
	return true;
}

/*
 * Count a provisional deadline again on the calendar as it now stands: the
 * stage's limit (from the category's rule as it stands) from the stage's
 * start, plus the working time it was suspended.  Not a move: the deadline
 * is not part of the history, so no history row.  Without a rule now, the
 * deadline stays as it was.
 */
static HeapTuple
recount_deadline(CaseUpdate *u)
{
	CaseRow    *row = &u->new;
	const char *stage = row_text(row, C_STAGE);
	const CaseRule *rule = case_rules_category_rule(row_text(row, C_CATEGORY), row_int(row, C_SEVERITY, 1));
	double		limit;
	TimestampTz deadline;

	if (rule == NULL || stage == NULL || ROW_NULL(row, C_STAGE_DEADLINE))
	{
		set_provisional(row, !ROW_NULL(row, C_STAGE_DEADLINE) && rule == NULL);
		return heap_form_tuple(row->tupdesc, row->values, row->nulls);
	}
	limit = strcmp(stage, "accept") == 0 ? rule->accept_limit :
		strcmp(stage, "dispatch") == 0 ? rule->dispatch_limit :
		strcmp(stage, "resolve") == 0 ? rule->resolve_limit : rule->verify_limit;
	deadline = calendar_deadline(DatumGetTimestampTz(ROW_DATUM(row, C_STAGE_STARTED_AT)), limit, rule->limit_unit);
	deadline = rule->limit_unit == CALENDAR_CLOCK_HOUR ?
		deadline + DatumGetInt64(ROW_DATUM(row, C_STAGE_PAUSED_SECONDS)) * USECS_PER_SEC :
		calendar_add_working_seconds(deadline, DatumGetInt64(ROW_DATUM(row, C_STAGE_PAUSED_SECONDS)));
	row_set_text(row, C_STAGE_LIMIT_UNIT, calendar_unit_name(rule->limit_unit));
	set_counted_deadline(row, deadline, rule->limit_unit);
	return heap_form_tuple(row->tupdesc, row->values, row->nulls);
}

/*
 * Apply a recognised move: its time, a missed deadline, the new status,
 * what the action does, and the next link of the history chain.
 */
static HeapTuple
apply_move(CaseUpdate *u)
{
	/* one UPDATE, one row of history: an edit goes in an UPDATE of its own */
	if (u->edited.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_ILLEGAL_CASE_MOVE),
				 errmsg("case " INT64_FORMAT " cannot be edited and moved in one UPDATE", u->case_id),
				 errdetail("The UPDATE changes %s and moves the case from %s to %s.", u->edited.data,
						   status_names[u->from], status_names[u->to]),
				 errhint("Change %s in an UPDATE of its own, before or after the move: each is a row of the history.",
						 u->edited.data)));

	u->at = move_time(&u->old, &u->new);

	/* a stage that ends, or is extended, after its deadline was missed */
	if (!ROW_NULL(&u->old, C_STAGE_DEADLINE) && ROW_NULL(&u->old, C_SUSPENDED_AT) &&
		u->at > DatumGetTimestampTz(ROW_DATUM(&u->old, C_STAGE_DEADLINE)) &&
		u->action != ACT_SUSPEND && u->action != ACT_START)
		row_set_int(&u->new, C_DEADLINES_MISSED, row_int(&u->old, C_DEADLINES_MISSED, 0) + 1);
	if (row_equal(&u->old, &u->new, C_NOTE))
		row_set_null(&u->new, C_NOTE);
	if (!u->escalating)
		row_set_null(&u->new, C_ESCALATION_TRIGGER);
	row_set_text(&u->new, C_STATUS, status_names[u->to]);
	u->rule = rule_of(&u->new);
	apply_action(u);
	assign_handler(u);
	chain_move(&u->new, u->action, status_names[u->from], u->at, u->actor);
	return heap_form_tuple(u->new.tupdesc, u->new.values, u->new.nulls);
}

/*
 * BEFORE UPDATE FOR EACH ROW: refuse changes to the engine's columns, check
 * a given time and actor, recognise the move and apply it (or the edit, or
 * nothing when the UPDATE is neither).
 */
PG_FUNCTION_INFO_V1(case_before_update);
Datum
case_before_update(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	CaseUpdate	u;
	size_t		i;
	bool		actor_named;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		elog(ERROR, "case_before_update must be a BEFORE UPDATE FOR EACH ROW trigger");

	find_case_columns(trigdata->tg_relation);
	/* a case rejected or merged no longer counts for early warning */
	case_warning_forget();
	tupdesc = RelationGetDescr(trigdata->tg_relation);
	case_row_deform(&u.old, tupdesc, trigdata->tg_trigtuple);
	case_row_deform(&u.new, tupdesc, trigdata->tg_newtuple);
	u.cases = trigdata->tg_relation;
	u.case_id = DatumGetInt64(ROW_DATUM(&u.old, C_ID));
	u.unit = DatumGetGridcode(ROW_DATUM(&u.old, C_UNIT));

	if (is_recount(&u))
		return PointerGetDatum(recount_deadline(&u));
	refuse_engine_columns(&u);

	/* a time or an actor of the caller's: an importer's only, move or not */
	if (!ROW_NULL(&u.new, C_MOVED_AT) && !row_equal(&u.old, &u.new, C_MOVED_AT))
		check_given_time(DatumGetTimestampTz(ROW_DATUM(&u.new, C_MOVED_AT)), u.case_id, "move");
	u.actor = move_actor(&u.old, &u.new, u.case_id, &actor_named);
	record_people(trigdata->tg_relation, &u.old, &u.new, u.case_id, actor_named);

	/* the content columns this UPDATE changes: an edit */
	initStringInfo(&u.edited);
	for (i = 0; i < lengthof(edit_columns); i++)
		if (!row_equal(&u.old, &u.new, edit_columns[i]))
			appendStringInfo(&u.edited, "%s%s", u.edited.len > 0 ? ", " : "", case_column_names[edit_columns[i]]);

	u.from = status_from_name(row_text(&u.old, C_STATUS), u.case_id);
	u.to = status_from_name(row_text(&u.new, C_STATUS), u.case_id);
	recognise_move(&u);
	if (u.action != NUM_ACTIONS)
		return PointerGetDatum(apply_move(&u));
	if (u.edited.len > 0)
		return PointerGetDatum(edit_case(&u.old, &u.new, u.edited.data, u.actor));
	return PointerGetDatum(keep_unmoved(&u));
}

/*
 * Tell listeners of a report or move (docs/cases.md, "Following cases
 * live"): the case, its sequence number, the move and its time, nothing
 * else (an Open311 client tells the reporter by the case's number).  Any
 * role that can connect may LISTEN (channels have no privileges), so the
 * payload names no place, unit, service point or person: a listener reads
 * those from the case, as far as its rights on cases allow.  On a Citus
 * shard the notice is queued for the coordinator to relay (case_notice.c).
 */
static void
notify_move(Relation cases, CaseRow *row, const char *from_status)
{
	StringInfoData payload;

	initStringInfo(&payload);
	appendStringInfo(&payload,
					 "{\"case\": " INT64_FORMAT ", \"seq\": %d, \"action\": \"%s\", \"from\": %s%s%s, "
					 "\"to\": \"%s\", \"at\": \"%s\"}",
					 DatumGetInt64(ROW_DATUM(row, C_ID)), row_int(row, C_HISTORY_SEQ, 0),
					 row_text(row, C_LAST_ACTION),
					 from_status ? "\"" : "", from_status ? from_status : "null", from_status ? "\"" : "",
					 row_text(row, C_STATUS),
					 JsonEncodeDateTime(NULL, ROW_DATUM(row, C_MOVED_AT), TIMESTAMPTZOID, NULL));
	if (case_engine_on_shard(cases))
		case_notice_queue(ROW_DATUM(row, C_DISTRICT), DatumGetInt64(ROW_DATUM(row, C_ID)),
						  row_int(row, C_HISTORY_SEQ, 0), DatumGetTimestampTz(ROW_DATUM(row, C_MOVED_AT)),
						  payload.data);
	else
		Async_Notify(NOTIFY_CHANNEL, payload.data);
	pfree(payload.data);
}

/*
 * Whether a trigger fires on a copy of cases under another name: a Citus
 * shard (docs/scale-out.md).  There the first history rows go in row by
 * row, and the notices are queued for the coordinator: its listeners are
 * there, and a worker's transaction that notifies cannot take part in
 * Citus's two-phase commit.
 */
bool
case_engine_on_shard(Relation cases)
{
	return strcmp(RelationGetRelationName(cases), "cases") != 0;
}

/* Append the history row that the BEFORE trigger chained into a case row. */
static void
append_history_row(CaseRow *row, const char *from_status)
{
	case_history_append(ROW_DATUM(row, C_DISTRICT), ROW_DATUM(row, C_ID),
						ROW_DATUM(row, C_HISTORY_SEQ), ROW_DATUM(row, C_MOVED_AT),
						row_text(row, C_ACTOR), row_text(row, C_LAST_ACTION), from_status,
						row_text(row, C_STATUS), row_int(row, C_HANDLING_LEVEL, 0),
						row_int(row, C_SERVICE_POINT, 0), row_text(row, C_ESCALATION_TRIGGER),
						row_text(row, C_NOTE), ROW_DATUM(row, C_HISTORY_HASH),
						HAS_CONTENT() && !ROW_NULL(row, C_HISTORY_CONTENT) ?
						DatumGetByteaPP(ROW_DATUM(row, C_HISTORY_CONTENT)) : NULL,
						row_person(row, C_ACTOR_PERSON), row_person(row, C_HANDLER));
}

/*
 * AFTER UPDATE FOR EACH ROW: append the history row the BEFORE trigger
 * chained, and tell listeners.  (Releases before 0.6.0 also call it AFTER
 * INSERT.)
 */
PG_FUNCTION_INFO_V1(case_after_change);
Datum
case_after_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	CaseRow		new;
	CaseRow		old;
	bool		is_update;
	char	   *from_status = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "case_after_change must be an AFTER UPDATE FOR EACH ROW trigger");

	find_case_columns(trigdata->tg_relation);
	tupdesc = RelationGetDescr(trigdata->tg_relation);
	is_update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);
	case_row_deform(&new, tupdesc, is_update ? trigdata->tg_newtuple : trigdata->tg_trigtuple);
	if (is_update)
	{
		case_row_deform(&old, tupdesc, trigdata->tg_trigtuple);
		/* an edit that was not a move left the chain as it was */
		if (row_equal(&old, &new, C_HISTORY_SEQ))
			return PointerGetDatum(NULL);
		from_status = row_text(&old, C_STATUS);
	}

	append_history_row(&new, from_status);
	notify_move(trigdata->tg_relation, &new, from_status);
	return PointerGetDatum(NULL);
}

/*
 * AFTER INSERT FOR EACH STATEMENT, over the statement's new cases (its
 * transition table): hold each case's references (case_references.c),
 * tell listeners, and append every first history row in one INSERT.  Row
 * by row, the history and the foreign-key checks cost four queries a case.
 * On a shard (case_engine_on_shard) the rows go in one by one: Citus
 * plans an INSERT into case_history for the whole cluster, where the
 * shard's transition table is not to be seen.
 */
PG_FUNCTION_INFO_V1(case_after_intake);
Datum
case_after_intake(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	cases;
	Tuplestorestate *inserted;
	TupleTableSlot *slot;
	MemoryContext per_row;
	MemoryContext caller;
	CaseRow		row;
	int64		restored = 0;
	int64		reported = 0;
	bool		row_by_row;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("case_after_intake() must be an AFTER INSERT ... FOR EACH STATEMENT trigger"
						" with REFERENCING NEW TABLE AS gridgov_new_cases")));

	cases = trigdata->tg_relation;
	find_case_columns(cases);
	row_by_row = case_engine_on_shard(cases);
	inserted = trigdata->tg_newtable;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(cases), &TTSOpsMinimalTuple);
	row.tupdesc = RelationGetDescr(cases);
	per_row = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake row", ALLOCSET_SMALL_SIZES);

	/* a tuple read back from disk belongs to the slot, in this context */
	tuplestore_select_read_pointer(inserted, 0);
	tuplestore_rescan(inserted);
	while (tuplestore_gettupleslot(inserted, true, false, slot))
	{
		caller = MemoryContextSwitchTo(per_row);
		slot_getallattrs(slot);
		row.values = slot->tts_values;
		row.nulls = slot->tts_isnull;
		/*
		 * A shard's foreign keys are Citus's own, their insert checks
		 * enabled, against this node's copy of the reference tables; the
		 * engine's hold would read the reference table through Citus,
		 * which locks its copies on every node, and so deadlocks the
		 * shards of one INSERT that meet on a worker.
		 */
		if (!row_by_row)
			case_references_hold(cases, DatumGetGridcode(ROW_DATUM(&row, C_UNIT)), row_text(&row, C_CATEGORY),
								 row_int(&row, C_SERVICE_POINT, 0));
		/* a restored case's history and its listeners' news are in the dump */
		if (case_restore_take(DatumGetInt64(ROW_DATUM(&row, C_ID))))
			restored++;
		else
		{
			reported++;
			if (row_by_row)
				append_history_row(&row, NULL);
			notify_move(cases, &row, NULL);
		}
		MemoryContextSwitchTo(caller);
		MemoryContextReset(per_row);
	}

	MemoryContextDelete(per_row);
	ExecDropSingleTupleTableSlot(slot);
	if (restored > 0 && reported > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("one COPY cannot both restore cases and report new ones"),
				 errdetail("It restored " INT64_FORMAT " cases (rows with history_hash) and reported " INT64_FORMAT " (rows without).",
						   restored, reported),
				 errhint("Copy the restored cases and the new reports in two statements.")));
	if (restored == 0 && !row_by_row)
		case_history_append_intake(trigdata);
	case_warning_forget();
	return PointerGetDatum(NULL);
}

/*
 * The history is append-only and written by the engine: no update, no
 * delete, no truncate, and no insert but the engine's own and a restore's
 * COPY by a role that may import history.  Logical replication, with
 * session_replication_role = replica, does not fire these triggers.
 */
PG_FUNCTION_INFO_V1(case_history_refuse_change);
Datum
case_history_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "case_history_refuse_change must be a trigger");
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		/* the engine's own rows, and a restore's COPY by an importer */
		if (case_history_being_written() || (case_restore_copying() && case_restore_may_import()))
			return PointerGetDatum(NULL);
		ereport(ERROR,
				(errcode(ERRCODE_CASE_HISTORY_READ_ONLY),
				 errmsg("the case history is written by the case engine only"),
				 errdetail("INSERT on \"%s\" was refused.", RelationGetRelationName(trigdata->tg_relation)),
				 errhint("Report and move cases in gridgov.cases; a dump is restored by COPY as a superuser or " IMPORTER_ROLE ".")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_CASE_HISTORY_READ_ONLY),
			 errmsg("the case history is append-only"),
			 errdetail("%s on \"%s\" was refused.",
					   TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE" : "TRUNCATE",
					   RelationGetRelationName(trigdata->tg_relation))));
	PG_RETURN_NULL();
}
