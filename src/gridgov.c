/*
 * gridgov.c
 *		The module: its magic block, and the one place later pillars hook
 *		their start-up work (settings, caches) into.
 */
#include "postgres.h"

#include "calendar.h"
#include "case_engine.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

/* declared by fmgr.h itself from PostgreSQL 16 on */
PGDLLEXPORT void _PG_init(void);

/* Each pillar's start-up work, in one plain list. */
void
_PG_init(void)
{
	calendar_init();
	case_engine_init();
}
