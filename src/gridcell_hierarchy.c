/*
 * gridcell_hierarchy.c
 *		The SQL functions over a cell's place in the tree: level, parent,
 *		children, the containment operators and subtree_last.
 *
 * They stand on gridcell.c's arithmetic of the stored value (a cell's
 * ancestors are its value with the lower digits zeroed, its descendants the
 * values up to the last of its subtree), so nothing here knows the digits.
 */
#include "postgres.h"

#include "funcapi.h"
#include "gridcell.h"

/* SQL level(gridcell). */
PG_FUNCTION_INFO_V1(gridcell_level);
Datum
gridcell_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gridcell_level_of(PG_GETARG_GRIDCELL(0)));
}

/* SQL parent(gridcell, level): the ancestor at a level. */
PG_FUNCTION_INFO_V1(gridcell_parent);
Datum
gridcell_parent(PG_FUNCTION_ARGS)
{
	int64		cell = PG_GETARG_GRIDCELL(0);
	int			level = gridcell_level_of(cell);

	if (level == 1)
		PG_RETURN_NULL();
	PG_RETURN_GRIDCELL(gridcell_truncate(cell, level - 1));
}

/* the ancestor-or-self at a level; NULL when the cell is coarser than that */
PG_FUNCTION_INFO_V1(gridcell_parent_at);
Datum
gridcell_parent_at(PG_FUNCTION_ARGS)
{
	int64		cell = PG_GETARG_GRIDCELL(0);
	int			level = PG_GETARG_INT32(1);

	gridcell_check_level(level, "level");
	if (level > gridcell_level_of(cell))
		PG_RETURN_NULL();
	PG_RETURN_GRIDCELL(gridcell_truncate(cell, level));
}

typedef struct ChildrenState
{
	int64		cell;
	int			level;
	int			target_level;
} ChildrenState;

/* children(cell, level): the descendants at a level, in value order */
PG_FUNCTION_INFO_V1(gridcell_children);
Datum
gridcell_children(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	ChildrenState *state;

	if (SRF_IS_FIRSTCALL())
	{
		int64		cell = PG_GETARG_GRIDCELL(0);
		int			level = gridcell_level_of(cell);
		int			target_level;
		MemoryContext oldcontext;

		if (PG_NARGS() > 1)
		{
			target_level = PG_GETARG_INT32(1);
			gridcell_check_level(target_level, "child level");
			if (target_level < level)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("child level %d is above the level %d of gridcell %s",
								target_level, level, gridcell_to_cstring(cell)),
						 errhint("Use parent(cell, level) for the cell's ancestors.")));
		}
		else
			target_level = Min(level + 1, GRIDCELL_LEVELS);

		funcctx = SRF_FIRSTCALL_INIT();
		if (target_level > level || PG_NARGS() > 1)
		{
			int64		count = gridcell_children_count(level, target_level);

			gridcell_check_cell_count(count, "children()");
			funcctx->max_calls = (uint64) count;
		}
		else
			funcctx->max_calls = 0; /* a level 10 cell has no children */

		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		state = palloc(sizeof(ChildrenState));
		state->cell = cell;
		state->level = level;
		state->target_level = target_level;
		funcctx->user_fctx = state;
		MemoryContextSwitchTo(oldcontext);
	}

	funcctx = SRF_PERCALL_SETUP();
	state = (ChildrenState *) funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		/* computed first: SRF_RETURN_NEXT advances call_cntr */
		int64		child = gridcell_nth_descendant(state->cell, state->level,
													state->target_level,
													(int64) funcctx->call_cntr);

		SRF_RETURN_NEXT(funcctx, GridcellGetDatum(child));
	}
	SRF_RETURN_DONE(funcctx);
}

/* a @> b: a is b or one of its ancestors */
PG_FUNCTION_INFO_V1(gridcell_contains);
Datum
gridcell_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcell_covers(PG_GETARG_GRIDCELL(0), PG_GETARG_GRIDCELL(1)));
}

/* a <@ b: a is b or one of its descendants */
PG_FUNCTION_INFO_V1(gridcell_contained);
Datum
gridcell_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcell_covers(PG_GETARG_GRIDCELL(1), PG_GETARG_GRIDCELL(0)));
}

/* SQL subtree_last(gridcell): the last value of a cell's subtree. */
PG_FUNCTION_INFO_V1(gridcell_subtree_last);
Datum
gridcell_subtree_last(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCELL(gridcell_last_of(PG_GETARG_GRIDCELL(0)));
}

