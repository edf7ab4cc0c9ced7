/*
 * spi_plan.h
 *		Queries planned once per backend and kept (SPI_keepplan), with
 *		gridgov's schema and PostGIS's written in.
 */
#ifndef SPI_PLAN_H
#define SPI_PLAN_H

#include "executor/spi.h"
#include "utils/relcache.h"

#define SPI_PLAN_MAX_ARGS 16

/*
 * Stand-ins, in SpiQuery.argtypes, for the two argument types whose OIDs
 * differ from database to database: gridgov's gridcode and PostGIS's
 * geometry.  No type has OID 1 or 2.
 */
#define SPI_PLAN_GRIDCODE	((Oid) 1)
#define SPI_PLAN_GEOMETRY	((Oid) 2)

/*
 * A query: its text, in which %1$s stands for gridgov's schema and %2$s for
 * PostGIS's (both quoted), and its arguments' types.
 */
typedef struct SpiQuery
{
	const char *text;
	int			nargs;
	Oid			argtypes[SPI_PLAN_MAX_ARGS];
} SpiQuery;

/* The schema of the case tables and PostGIS's geometry type, from the triggers. */
extern void spi_plan_use_schema(Oid namespace, Oid geometry_type);
/* The schema of the case tables, InvalidOid before the first trigger call. */
extern Oid	spi_plan_namespace(void);
/* The query's plan in *plan, prepared and kept on first use; SPI connected. */
extern SPIPlanPtr spi_plan_get(SPIPlanPtr *plan, const SpiQuery *query);
/* The same for a query over the tables of a given schema, naming no PostGIS object. */
extern SPIPlanPtr spi_plan_get_in(SPIPlanPtr *plan, const SpiQuery *query, Oid namespace);
/* Drop a kept plan, so that the next spi_plan_get prepares it again. */
extern void spi_plan_forget(SPIPlanPtr *plan);
/* The owner of a table, whom gridgov's own reads and writes of it run as. */
extern Oid	spi_plan_table_owner(Oid relid);
/* Execute a kept plan as the owner of the case tables, whom row security does not filter. */
extern int	spi_plan_execute(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long limit);
/* Run a query's kept plan in an SPI connection of its own, which the caller finishes; as spi_plan_execute. */
extern int	spi_plan_run(SPIPlanPtr *plan, const SpiQuery *query, Datum *values, const char *nulls,
						 bool read_only, long limit);
/* Run a query over rel's schema as rel's owner; its first row, or NULL. */
extern HeapTuple spi_plan_first_row_as_owner(Relation rel, SPIPlanPtr *plan, const SpiQuery *query,
											 Datum *values, const char *nulls, TupleDesc *tupdesc);

#endif							/* SPI_PLAN_H */
