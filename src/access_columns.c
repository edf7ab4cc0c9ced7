/*
 * access_columns.c
 *		Refusing a read of a column of gridgov's tables that the role may
 *		not read, by the column's name.
 *
 * Readers and handlers may read every column of cases but the reporter's
 * contact and the history's hashes (column privileges, sql/roles.sql,
 * docs/access.md): the contact of the cases a role handles comes through
 * gridgov.case_reporters, which the hint names.
 * PostgreSQL refuses a query that reads such a column (by name, by *, or
 * as the whole row) with "permission denied for table cases", which does
 * not say that the table is readable and which column is not.  So before
 * the executor checks the privileges of a plan, this hook makes the same
 * check for each table of the gridgov schema that the plan reads with
 * SELECT on some of its columns only, and refuses with the first column (in the
 * table's order) the role may not read, with the same SQLSTATE (42501)
 * and the same user the executor checks as (a view's owner for its tables,
 * else the current user).  It refuses nothing the executor would let
 * through: when every column read is allowed it passes the plan on.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "access_columns.h"

static ExecutorStart_hook_type previous_executor_start = NULL;

/* The first column of relid in attno order, of those asked, that userid may not read, or 0. */
static AttrNumber
refused_column(Oid relid, Oid userid, Bitmapset *columns)
{
	int			member = -1;
	AttrNumber	refused = 0;

	while ((member = bms_next_member(columns, member)) >= 0)
	{
		AttrNumber	attno = member + FirstLowInvalidHeapAttributeNumber;

		if (attno == InvalidAttrNumber)
		{
			/* the whole row: every column of the table */
			HeapTuple	class = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
			AttrNumber	last;
			AttrNumber	a;

			if (!HeapTupleIsValid(class))
				elog(ERROR, "cache lookup failed for relation %u", relid);
			last = ((Form_pg_class) GETSTRUCT(class))->relnatts;
			ReleaseSysCache(class);

			for (a = 1; a <= last; a++)
			{
				bool		dropped = false;

				if (pg_attribute_aclcheck_ext(relid, a, userid, ACL_SELECT, &dropped) != ACLCHECK_OK &&
					!dropped)
					return a;	/* no column comes before the first */
			}
		}
		else if (attno > 0 && (refused == 0 || attno < refused) &&
				 pg_attribute_aclcheck(relid, attno, userid, ACL_SELECT) != ACLCHECK_OK)
			refused = attno;
	}
	return refused;
}

/* Refuse the plan by the first column of a gridgov table that it may not read. */
static void
check_columns(PlannedStmt *plan)
{
	Oid			namespace = InvalidOid;
	ListCell   *cell;

	foreach(cell, plan->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, cell);
		Oid			userid;
		AttrNumber	refused;

		if (rte->rtekind != RTE_RELATION || !(rte->requiredPerms & ACL_SELECT) ||
			bms_is_empty(rte->selectedCols))
			continue;
		if (!OidIsValid(namespace))
		{
			namespace = get_namespace_oid("gridgov", true);
			if (!OidIsValid(namespace))
				return;
		}
		if (get_rel_namespace(rte->relid) != namespace)
			continue;
		userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
		/* the table whole, or none of it: PostgreSQL's message says it */
		if (pg_class_aclcheck(rte->relid, userid, ACL_SELECT) == ACLCHECK_OK ||
			pg_attribute_aclcheck_all(rte->relid, userid, ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
			continue;
		refused = refused_column(rte->relid, userid, rte->selectedCols);
		if (refused != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for column \"%s\" of relation \"%s\"",
							get_attname(rte->relid, refused, false), get_rel_name(rte->relid)),
					 errhint("Name the columns to read instead of * or the whole row; a reporter's contact is "
							 "read through gridgov.case_reporters, masked where the role does not handle the case.")));
	}
}

/* The executor start hook: check the columns, then start as before. */
static void
access_columns_executor_start(QueryDesc *query, int eflags)
{
	check_columns(query->plannedstmt);
	if (previous_executor_start)
		previous_executor_start(query, eflags);
	else
		standard_ExecutorStart(query, eflags);
}

/* from _PG_init: install the executor start hook */
void
access_columns_init(void)
{
	previous_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = access_columns_executor_start;
}
