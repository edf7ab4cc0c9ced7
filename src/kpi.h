/*
 * kpi.h
 *		What the KPI aggregate (kpi.c) shares with its planner rewrite
 *		(kpi_planner.c).
 */
#ifndef GRIDGOV_KPI_H
#define GRIDGOV_KPI_H

#include "postgres.h"

/* the columns of gridgov.cases that kpi counts, in its column form's order */
#define KPI_NFIELDS 14
extern const char *kpi_field_name(int field);
extern Oid	kpi_field_type(int field);

/* from _PG_init: install the planner hook */
extern void kpi_planner_init(void);

#endif							/* GRIDGOV_KPI_H */
