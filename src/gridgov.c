/*
 * gridgov.c
 *		The module: its magic block, and the one place later pillars hook
 *		their start-up work (settings, caches) into.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
