/*
 * gridgov.h
 *		Declarations shared by gridgov's C sources.
 */
#ifndef GRIDGOV_H
#define GRIDGOV_H

#include "postgres.h"
#include "fmgr.h"

/*
 * Report bad input softly where the server supports it (PostgreSQL 16 added
 * soft input errors, used by pg_input_is_valid and COPY ... ON_ERROR), and
 * as a plain error before that.
 */
#if PG_VERSION_NUM >= 160000
#define gridgov_input_error(escontext, retval, ...) \
	ereturn((escontext), (retval), __VA_ARGS__)
#else
#define gridgov_input_error(escontext, retval, ...) \
	do { \
		(void) (escontext); \
		ereport(ERROR, __VA_ARGS__); \
		return (retval); \
	} while (0)
#endif

/* gridcode and gridcell are int64 in memory and on disk */
#define DatumGetGridcode(X)		((int64) DatumGetInt64(X))
#define GridcodeGetDatum(X)		Int64GetDatum(X)
#define PG_GETARG_GRIDCODE(n)	DatumGetGridcode(PG_GETARG_DATUM(n))
#define PG_RETURN_GRIDCODE(x)	return GridcodeGetDatum(x)

/* The function gridgov.name(argtypes) in namespace, from the catalog cache; InvalidOid if none. */
extern Oid	gridgov_function(Oid namespace, const char *name, const Oid *argtypes, int nargs);

#endif							/* GRIDGOV_H */
