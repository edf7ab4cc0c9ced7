/*
 * case_reporters.c
 *		The rows of gridgov.case_reporters read with the owner's rights and
 *		the caller's grants, for Citus (sql/access.sql, docs/access.md).
 *
 * On a single node case_reporters is a view that reads cases.reporter with
 * its owner's rights and decides row by row, by the reader's grants,
 * whether to show or mask it.  Citus checks a view's tables on the shards
 * as the role that queries it (citusdata/citus#6161), so there a reader,
 * who may not read the column, is refused the view.  case_reporters_rows()
 * gives the same rows another way: it reads the cases as their owner, on
 * every node that holds some, and asks there what its caller holds, by the
 * caller's name (jurisdiction_visible_for and jurisdiction_holds_for in
 * access.c, which only the owner may call).  The caller is GetUserId() when
 * it is called, the role a view's own function calls run as: the single
 * node's view answers to that role too.  tools/citus-policies.sql makes
 * case_reporters read it on Citus.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "spi_plan.h"

/*
 * The query, with the schema (%1$s) and the caller's name as a literal
 * (%2$s): a literal, not a parameter, as Citus plans a query over
 * distributed tables with its values.  Everything named is qualified: the
 * caller's search_path finds nothing of its own here.
 */
#define CASE_REPORTERS_QUERY \
	"SELECT c.id, c.district, c.unit, c.category," \
	"       CASE WHEN %1$s.jurisdiction_holds_for(%2$s::pg_catalog.name, c.unit, 'handler', c.category)" \
	"            THEN c.reporter ELSE %1$s.mask_personal(c.reporter) END," \
	"       NOT %1$s.jurisdiction_holds_for(%2$s::pg_catalog.name, c.unit, 'handler', c.category)" \
	"  FROM %1$s.cases c" \
	" WHERE %1$s.jurisdiction_visible_for(%2$s::pg_catalog.name, c.unit, c.category)"

/*
 * case_reporters_rows(): every case the caller sees, with its reporter as
 * reported where the caller handles the case and masked elsewhere.
 */
PG_FUNCTION_INFO_V1(case_reporters_rows);
Datum
case_reporters_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			caller = GetUserId();
	Oid			namespace = get_func_namespace(fcinfo->flinfo->fn_oid);
	Oid			cases = get_relname_relid("cases", namespace);
	char	   *query;
	Oid			save_userid;
	int			save_sec_context;
	uint64		i;

	if (!OidIsValid(cases))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table %s.cases is missing", get_namespace_name(namespace)),
				 errhint("Create the extension gridgov again.")));
	query = psprintf(CASE_REPORTERS_QUERY, quote_identifier(get_namespace_name(namespace)),
					 quote_literal_cstr(GetUserNameFromId(caller, false)));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* as the owner, whom Citus then connects to the workers as */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(spi_plan_table_owner(cases), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the reporters of %s.cases", get_namespace_name(namespace));
	SetUserIdAndSecContext(save_userid, save_sec_context);
	for (i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	SPI_finish();
	return (Datum) 0;
}
