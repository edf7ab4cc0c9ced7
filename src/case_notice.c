/*
 * case_notice.c
 *		The notices of reports and moves made on a Citus shard
 *		(docs/scale-out.md, "Notifications").  On a single node the engine
 *		notifies gridgov_case itself (case_engine.c); on a shard it cannot:
 *		listeners are on the coordinator, and a worker's transaction that
 *		notifies cannot be prepared for Citus's two-phase commit.  So there
 *		the payload goes into case_notice, distributed beside the cases and
 *		written in the same local transaction as the move, and
 *		relay_case_notices() on the coordinator takes the committed ones and
 *		notifies its own listeners (sql/case.sql).
 *
 * It writes as the owner of the case tables, as the engine writes the
 * history: whoever may move a case has its notice queued, without a grant
 * on the queue.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "case_notice.h"
#include "spi_plan.h"

/* one notice; on a worker Citus routes it to the queue's shard of its district, beside the case's */
static const SpiQuery queue_query = {
	"INSERT INTO %1$s.case_notice (district, case_id, seq, at, payload) VALUES ($1, $2, $3, $4, $5)",
	5, {SPI_PLAN_GRIDCODE, INT8OID, INT4OID, TIMESTAMPTZOID, TEXTOID}
};
static SPIPlanPtr queue_plan = NULL;

/* Queue one notice of a case's history row, with its payload, in case_notice. */
void
case_notice_queue(Datum district, int64 case_id, int32 seq, TimestampTz at, const char *payload)
{
	Datum		values[5];
	int			result;

	values[0] = district;
	values[1] = Int64GetDatum(case_id);
	values[2] = Int32GetDatum(seq);
	values[3] = TimestampTzGetDatum(at);
	values[4] = CStringGetTextDatum(payload);
	result = spi_plan_run(&queue_plan, &queue_query, values, NULL, false, 0);
	if (result != SPI_OK_INSERT)
		elog(ERROR, "could not queue the notice of case " INT64_FORMAT ": %s",
			 case_id, SPI_result_code_string(result));
	SPI_finish();
}
