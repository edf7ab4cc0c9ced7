/*
 * subtree_support.h
 *		What subtree_support.c offers the selectivity estimators: the
 *		functions and operators that make a code type's subtree a btree
 *		range, found from the type and the operator, never by the type's name.
 */
#ifndef GRIDGOV_SUBTREE_SUPPORT_H
#define GRIDGOV_SUBTREE_SUPPORT_H

#include "nodes/pg_list.h"
#include "nodes/primnodes.h"

extern Oid	subtree_support_btree_family(Oid typid);
extern Oid	subtree_support_function(Oid sibling_funcid, const char *name,
									 int nargs, const Oid *argtypes, Oid rettype);
extern Oid	subtree_support_last_function(Oid sibling_funcid, Oid typid);
extern List *subtree_support_range_clauses(Oid opfamily, Oid funcid, Expr *key, Expr *root);

#endif							/* GRIDGOV_SUBTREE_SUPPORT_H */
