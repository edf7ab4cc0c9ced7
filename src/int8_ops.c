/*
 * int8_ops.c
 *		PostgreSQL's int8 comparison, hash and send functions under
 *		gridgov's own symbols, for gridcode and gridcell.
 *
 * Both types are int8 inside, so int8's functions serve them unchanged.
 * Declared LANGUAGE internal, though, a function that is not one of the
 * server's own builtins by OID is looked up by name, with a linear search
 * over the 3,000 builtins, every time an expression or index scan using it
 * is set up: each foreign-key check on a gridcode column, each planned
 * query the case engine runs.  As C functions of this module they are found
 * by a hash lookup instead.  The wrappers only pass fcinfo through.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

#define INT8_FUNCTION(name) \
	PG_FUNCTION_INFO_V1(gridgov_##name); \
	Datum \
	gridgov_##name(PG_FUNCTION_ARGS) \
	{ \
		return name(fcinfo); \
	}

INT8_FUNCTION(int8send)
INT8_FUNCTION(int8eq)
INT8_FUNCTION(int8ne)
INT8_FUNCTION(int8lt)
INT8_FUNCTION(int8le)
INT8_FUNCTION(int8gt)
INT8_FUNCTION(int8ge)
INT8_FUNCTION(btint8cmp)
INT8_FUNCTION(btint8sortsupport)
INT8_FUNCTION(hashint8)
INT8_FUNCTION(hashint8extended)
INT8_FUNCTION(int8smaller)
INT8_FUNCTION(int8larger)
