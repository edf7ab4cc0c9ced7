/*
 * gridgov.c
 *		The module: its magic block, the one place later pillars hook
 *		their start-up work (settings, caches) into, and the hooks' lookup
 *		of gridgov's functions.
 */
#include "postgres.h"

#include "access.h"
#include "access_columns.h"
#include "calendar.h"
#include "case_checkpoint.h"
#include "case_district.h"
#include "case_engine.h"
#include "gridcell.h"
#include "kpi_planner.h"
#include "open311.h"
#include "worker.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"

PG_MODULE_MAGIC;

/* declared by fmgr.h itself from PostgreSQL 16 on */
PGDLLEXPORT void _PG_init(void);

/* Each pillar's start-up work, in one plain list. */
void
_PG_init(void)
{
	gridcell_init();
	calendar_init();
	case_engine_init();
	case_checkpoint_init();
	case_district_init();
	kpi_planner_init();
	worker_init();
	access_init();
	access_columns_init();
	open311_init();

	/* after every setting exists: a misspelt gridgov.* setting is an error */
	MarkGUCPrefixReserved("gridgov");
}

/*
 * gridgov.name(argtypes) in namespace, InvalidOid if none; straight from the
 * catalog cache: the hooks run for every user, and a name lookup would check
 * their right to the schema.
 */
Oid
gridgov_function(Oid namespace, const char *name, const Oid *argtypes, int nargs)
{
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(namespace));
}
