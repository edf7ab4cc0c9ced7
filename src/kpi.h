/*
 * kpi.h
 *		What the KPI aggregate (kpi.c) offers its planner rewrite
 *		(kpi_planner.c): the columns of gridgov.cases that it counts.
 */
#ifndef GRIDGOV_KPI_H
#define GRIDGOV_KPI_H

#include "postgres.h"

/* the columns of gridgov.cases that kpi counts, in its column form's order */
#define KPI_NFIELDS 14
extern const char *kpi_field_name(int field);
extern Oid	kpi_field_type(int field);

#endif							/* GRIDGOV_KPI_H */
