/*
 * case_rules.h
 *		The case engine's configuration, cached per backend: category rules,
 *		service points and warning rules.
 */
#ifndef CASE_RULES_H
#define CASE_RULES_H

#include "calendar.h"

typedef struct CaseRule
{
	int			handling_level;
	CalendarUnit limit_unit;
	double		accept_limit;
	double		dispatch_limit;
	double		resolve_limit;
	double		verify_limit;
	const char *department;		/* NULL unless a department owns the category */
} CaseRule;

typedef struct ServicePoint
{
	int32		id;
	int64		unit;
	int			level;
	const char *department;		/* NULL for a unit's general service point */
} ServicePoint;

typedef struct WarningRule
{
	int64		window;			/* microseconds */
	int			threshold;
} WarningRule;

/* The rule of the highest severity not above the given one, or NULL. */
extern const CaseRule *case_rules_category_rule(const char *category, int severity);
/* A unit's service point, general (department NULL) or a department's, or NULL. */
extern const ServicePoint *case_rules_service_point(int64 unit, const char *department);
extern const ServicePoint *case_rules_service_point_by_id(int32 id);
/* The category's own warning rule, else the default row, else the built-in rule. */
extern const WarningRule *case_rules_warning_rule(const char *category);

extern void case_rules_init(void);
/* At the start of each trigger call: the tables' schema, and drop a stale cache. */
extern void case_rules_refresh(Oid namespace);

#endif							/* CASE_RULES_H */
