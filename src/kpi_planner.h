/*
 * kpi_planner.h
 *		What kpi_planner.c offers: the planner hook that turns kpi(c) over
 *		gridgov.cases into its column form.
 */
#ifndef GRIDGOV_KPI_PLANNER_H
#define GRIDGOV_KPI_PLANNER_H

/* from _PG_init: install the planner hook */
extern void kpi_planner_init(void);

#endif							/* GRIDGOV_KPI_PLANNER_H */
