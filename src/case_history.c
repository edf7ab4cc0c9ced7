/*
 * case_history.c
 *		Appending to the hash-chained case history, gridgov.case_history.
 *
 * The BEFORE triggers of cases chain each move into the case row itself
 * (case_engine.c); the AFTER triggers append that link here, row by row for
 * a move and in one INSERT for all of a statement's new cases.  The history
 * refuses every INSERT but these (case_history_refuse_change), which is why
 * the engine says when it is writing.  The links themselves, SHA-256 over
 * each row's canonical form and the row before, are computed here too.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "case_history.h"
#include "spi_plan.h"

/* the transition table of the intake trigger (sql/case.sql) */
#define INTAKE_NEW_TABLE "gridgov_new_cases"

/* the columns both appends write, and after them content (0.7.0) and the people (0.8.0) */
#define HISTORY_COLUMNS "district, case_id, seq, at, actor, action, from_status, to_status," \
	" handling_level, service_point, escalation_trigger, note, hash"

/* one history row of a move: without the content column, with it, with the people too */
static const SpiQuery append_queries[3] = {
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ")"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		13, {SPI_PLAN_GRIDCODE, INT8OID, INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, BYTEAOID}},
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ", content)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
		14, {SPI_PLAN_GRIDCODE, INT8OID, INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID}},
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ", content, actor_person, handler)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
		16, {SPI_PLAN_GRIDCODE, INT8OID, INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID, INT8OID, INT8OID}},
};

/* the first history row of every new case of a statement, as above */
#define INTAKE_SELECT " SELECT n.district, n.id, n.history_seq, n.moved_at, n.actor," \
	" n.last_action, NULL, n.status, n.handling_level, n.service_point," \
	" n.escalation_trigger, n.note, n.history_hash"
static const SpiQuery intake_queries[3] = {
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ")"
	INTAKE_SELECT " FROM " INTAKE_NEW_TABLE " n", 0, {0}},
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ", content)"
	INTAKE_SELECT ", n.history_content FROM " INTAKE_NEW_TABLE " n", 0, {0}},
	{"INSERT INTO %1$s.case_history (" HISTORY_COLUMNS ", content, actor_person, handler)"
	INTAKE_SELECT ", n.history_content, n.actor_person, n.handler FROM " INTAKE_NEW_TABLE " n", 0, {0}},
};

static SPIPlanPtr append_plan = NULL;
static SPIPlanPtr intake_plan = NULL;

/* true while the engine itself appends to the case history */
static bool writing_history = false;
/* which columns the history has: 0 the first ones, 1 content (0.7.0), 2 the people (0.8.0) */
static int	history_columns = 0;

/*
 * Which columns the history has: they appear when a database is updated
 * while backends run, so the INSERTs are planned again.
 */
void
case_history_use_columns(bool history_content, bool history_people)
{
	int			columns = history_people ? 2 : history_content ? 1 : 0;

	if (columns == history_columns)
		return;
	spi_plan_forget(&append_plan);
	spi_plan_forget(&intake_plan);
	history_columns = columns;
}

/* Run an INSERT into the case history, which admits only the engine's. */
static void
append_history(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	volatile int result = 0;

	writing_history = true;
	PG_TRY();
	{
		result = spi_plan_execute(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_history = false;
	}
	PG_END_TRY();
	if (result != SPI_OK_INSERT)
		elog(ERROR, "could not append to the case history: %s", SPI_result_code_string(result));
}

/* Append the history row of one move (case_after_change). */
void
case_history_append(Datum district, Datum case_id, Datum seq, Datum at, const char *actor,
					const char *action, const char *from_status, const char *to_status,
					int32 level, int32 service_point, const char *escalation_trigger,
					const char *note, Datum hash, bytea *content, int64 actor_person, int64 handler)
{
	Datum		values[16];
	char		nulls[16];

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
	values[14] = Int64GetDatum(actor_person);
	nulls[14] = actor_person != 0 ? ' ' : 'n';
	values[15] = Int64GetDatum(handler);
	nulls[15] = handler != 0 ? ' ' : 'n';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	append_history(spi_plan_get(&append_plan, &append_queries[history_columns]), values, nulls);
	SPI_finish();
}

/*
 * The first history row of every case an INSERT statement reported, in one
 * INSERT from the statement's transition table: row by row, the history
 * cost a query per case.
 */
void
case_history_append_intake(TriggerData *trigdata)
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
	append_history(spi_plan_get(&intake_plan, &intake_queries[history_columns]), NULL, NULL);
	SPI_finish();
}

/* Whether the engine is appending: the history's INSERT trigger lets it. */
bool
case_history_being_written(void)
{
	return writing_history;
}

/*
 * One field of a history row's canonical form: its length, a colon and its
 * text (NULL as "-"), so that no two different rows share a canonical form.
 * The same form is rebuilt in SQL by verify_history(), which is the check
 * on the hashes made here.
 */
static void
append_field(StringInfo buf, const char *value)
{
	if (value == NULL)
		appendStringInfoString(buf, "-|");
	else
		appendStringInfo(buf, "%zu:%s|", strlen(value), value);
}

/*
 * SHA-256 of prefix (if any) followed by data, as a bytea, in ctx: one
 * context serves a move's two digests, as creating one costs more than
 * hashing a row.
 */
static bytea *
sha256_of(pg_cryptohash_ctx *ctx, bytea *prefix, const char *data, size_t len)
{
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	if (pg_cryptohash_init(ctx) < 0 ||
		(prefix != NULL &&
		 pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(prefix), VARSIZE_ANY_EXHDR(prefix)) < 0) ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	return result;
}

/*
 * The digest of a case's content, given as its fields' text forms (NULL for
 * NULL), in the canonical form of the history.
 */
bytea *
case_history_content_digest(pg_cryptohash_ctx *ctx, const char *const *fields, int nfields)
{
	StringInfoData buf;
	bytea	   *result;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < nfields; i++)
		append_field(&buf, fields[i]);
	result = sha256_of(ctx, NULL, buf.data, buf.len);
	pfree(buf.data);
	return result;
}

/*
 * The hash of a history row: SHA-256 over the previous row's hash and the
 * row's canonical form.  content is NULL in rows written before 0.7.0, and
 * then not hashed; the people (0 for none) are hashed only when there is
 * one, so that rows without (all rows before 0.8.0) hash as they did.
 */
bytea *
case_history_hash(pg_cryptohash_ctx *ctx, bytea *previous, int64 case_id, int32 seq, TimestampTz at,
				  const char *actor, const char *action, const char *from_status,
				  const char *to_status, int32 level, int32 service_point,
				  const char *escalation_trigger, const char *note, bytea *content,
				  int64 actor_person, int64 handler)
{
	StringInfoData buf;
	bytea	   *result;
	char		number[32];

	initStringInfo(&buf);
	snprintf(number, sizeof(number), INT64_FORMAT, case_id);
	append_field(&buf, number);
	snprintf(number, sizeof(number), "%d", seq);
	append_field(&buf, number);
	/* microseconds since the Unix epoch, as SQL's extract(epoch) gives */
	snprintf(number, sizeof(number), INT64_FORMAT,
			 (int64) at + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
	append_field(&buf, number);
	append_field(&buf, actor);
	append_field(&buf, action);
	append_field(&buf, from_status);
	append_field(&buf, to_status);
	snprintf(number, sizeof(number), "%d", level);
	append_field(&buf, level > 0 ? number : NULL);
	snprintf(number, sizeof(number), "%d", service_point);
	append_field(&buf, service_point > 0 ? number : NULL);
	append_field(&buf, escalation_trigger);
	append_field(&buf, note);
	if (content != NULL)
	{
		/* as SQL's encode(content, 'hex') writes it */
		char		hex[2 * PG_SHA256_DIGEST_LENGTH + 1];

		Assert(VARSIZE_ANY_EXHDR(content) == PG_SHA256_DIGEST_LENGTH);
		hex_encode(VARDATA_ANY(content), PG_SHA256_DIGEST_LENGTH, hex);
		hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
		append_field(&buf, hex);
	}
	if (actor_person != 0 || handler != 0)
	{
		snprintf(number, sizeof(number), INT64_FORMAT, actor_person);
		append_field(&buf, actor_person != 0 ? number : NULL);
		snprintf(number, sizeof(number), INT64_FORMAT, handler);
		append_field(&buf, handler != 0 ? number : NULL);
	}

	result = sha256_of(ctx, previous, buf.data, buf.len);
	pfree(buf.data);
	return result;
}
