/*
 * subtree_support.c
 *		Planner support for the hierarchy operators of gridgov's code types.
 *
 * gridcode and gridcell share one property: a value X and all its
 * descendants are exactly the values from X to subtree_last(X) in btree
 * order.  So "code <@ X" and "X @> code" are the range
 * "code >= X AND code <= subtree_last(X)".  The support functions below hand
 * that range to the planner as an exact index condition (as PostgreSQL's
 * like_support.c does for LIKE prefixes); selectivity.c estimates how many
 * rows the range holds.
 *
 * Nothing here names a type: the type comes from the operand, the btree
 * operators from the type's default btree operator class, and the range end
 * from the function subtree_last(type) in the schema of the operator's
 * function.  A new code type gets all of this by declaring those.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "gridgov.h"
#include "subtree_support.h"

/*
 * The ordering operators that bound a subtree range: those of the type's
 * default btree operator class.  A non-default or descending class does not
 * order subtrees contiguously, so the caller gives up when the index's
 * family is not this one.
 */
Oid
subtree_support_btree_family(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

/*
 * The function of that name and argument types in the schema of the given
 * function (an operator's), or InvalidOid when there is none or it returns
 * another type: how the estimators find a code type's level, ancestor and
 * subtree_last without naming the type.
 */
Oid
subtree_support_function(Oid sibling_funcid, const char *name, int nargs,
						 const Oid *argtypes, Oid rettype)
{
	char	   *schema = get_namespace_name(get_func_namespace(sibling_funcid));
	Oid			funcid;

	if (schema == NULL)
		return InvalidOid;
	funcid = LookupFuncName(list_make2(makeString(schema), makeString(pstrdup(name))),
							nargs, argtypes, true);
	if (OidIsValid(funcid) && get_func_rettype(funcid) != rettype)
		return InvalidOid;
	return funcid;
}

/* subtree_last(typid) in the schema of the given function, or InvalidOid */
Oid
subtree_support_last_function(Oid sibling_funcid, Oid typid)
{
	return subtree_support_function(sibling_funcid, "subtree_last", 1, &typid, typid);
}

/*
 * The expression for the last value of the subtree rooted at "root": folded
 * to a constant when the root is one, else a call evaluated once per scan.
 */
static Expr *
subtree_upper_bound(Oid lastfn, Oid typid, Expr *root)
{
	if (IsA(root, Const))
	{
		Const	   *c = (Const *) root;
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(typid, &typlen, &typbyval);
		return (Expr *) makeConst(typid, -1, InvalidOid, typlen,
								  OidFunctionCall1(lastfn, c->constvalue),
								  false, typbyval);
	}
	return (Expr *) makeFuncExpr(lastfn, typid, list_make1(copyObject(root)),
								 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
}

/*
 * "key >= root AND key <= subtree_last(root)" with the given btree family's
 * operators, or NIL when the family lacks them.
 */
List *
subtree_support_range_clauses(Oid opfamily, Oid funcid, Expr *key, Expr *root)
{
	Oid			typid = exprType((Node *) key);
	Oid			ge_op = get_opfamily_member(opfamily, typid, typid, BTGreaterEqualStrategyNumber);
	Oid			le_op = get_opfamily_member(opfamily, typid, typid, BTLessEqualStrategyNumber);
	Oid			lastfn = subtree_support_last_function(funcid, typid);

	if (!OidIsValid(ge_op) || !OidIsValid(le_op) || !OidIsValid(lastfn))
		return NIL;

	return list_make2(make_opclause(ge_op, BOOLOID, false, key,
									(Expr *) copyObject(root), InvalidOid, InvalidOid),
					  make_opclause(le_op, BOOLOID, false, key,
									subtree_upper_bound(lastfn, typid, root),
									InvalidOid, InvalidOid));
}

/*
 * Index conditions for a call whose argument "descendant_arg" is the
 * descendant side.  Only that side can use the range: the ancestors of a
 * value are not contiguous.
 */
static List *
subtree_index_condition(SupportRequestIndexCondition *req, int descendant_arg)
{
	List	   *args;
	Expr	   *key;
	Expr	   *root;

	if (req->indexarg != descendant_arg || req->index->relam != BTREE_AM_OID)
		return NIL;

	if (is_opclause(req->node))
		args = ((OpExpr *) req->node)->args;
	else if (is_funcclause(req->node))
		args = ((FuncExpr *) req->node)->args;
	else
		return NIL;
	if (list_length(args) != 2)
		return NIL;

	key = (Expr *) list_nth(args, descendant_arg);
	root = (Expr *) list_nth(args, 1 - descendant_arg);

	/* the core checks this for operators, not for plain function calls */
	if (!is_pseudo_constant_for_index(req->root, (Node *) root, req->index))
		return NIL;
	if (IsA(root, Const) && ((Const *) root)->constisnull)
		return NIL;
	if (req->opfamily != subtree_support_btree_family(exprType((Node *) key)))
		return NIL;

	req->lossy = false;
	return subtree_support_range_clauses(req->opfamily, req->funcid, key, root);
}

/* The support function of the subtree operators: index condition and selectivity. */
static Datum
subtree_support(FunctionCallInfo fcinfo, int descendant_arg)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		List	   *clauses = subtree_index_condition(req, descendant_arg);

		PG_RETURN_POINTER(clauses);
	}
	PG_RETURN_POINTER(NULL);
}

/* support for contained(a, b), the function of a <@ b */
PG_FUNCTION_INFO_V1(subtree_contained_support);
Datum
subtree_contained_support(PG_FUNCTION_ARGS)
{
	return subtree_support(fcinfo, 0);
}

/* support for contains(a, b), the function of a @> b */
PG_FUNCTION_INFO_V1(subtree_contains_support);
Datum
subtree_contains_support(PG_FUNCTION_ARGS)
{
	return subtree_support(fcinfo, 1);
}
