/*
 * case_inputs.c
 *		The intake's checks of what a reporter names: the case's channel and
 *		its category.  The table's CHECK constraint and foreign key stay the
 *		guarantee; these run first, in the BEFORE INSERT trigger, so that a
 *		mistyped value gets an error naming what is allowed instead of the
 *		whole 44-column row (CHECK) or a routing error (category).
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "case_inputs.h"
#include "spi_plan.h"

/* the channels of cases.channel's CHECK constraint, in its order (tested) */
static const char *const channels[] = {"resident_app", "hotline", "patrol", "sensor", "walk_in"};

/* near names: at most this many, within this edit distance or a third of the name */
#define NEAR_NAMES		3
#define NEAR_DISTANCE	2

/* every category code */
static const SpiQuery categories_query = {
	"SELECT c.code FROM %1$s.category c ORDER BY c.code",
	0, {0}
};

static SPIPlanPtr categories_plan = NULL;

/* Refuse a channel that is not one of the channels (23514), naming them. */
void
case_inputs_check_channel(const char *channel, int64 case_id)
{
	StringInfoData list;
	int			i;

	if (channel == NULL)
		return;					/* NOT NULL refuses it */
	for (i = 0; i < (int) lengthof(channels); i++)
		if (strcmp(channel, channels[i]) == 0)
			return;
	initStringInfo(&list);
	for (i = 0; i < (int) lengthof(channels); i++)
		appendStringInfo(&list, "%s%s", i == 0 ? "" : i == (int) lengthof(channels) - 1 ? " or " : ", ",
						 channels[i]);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("channel \"%s\" of case " INT64_FORMAT " is not a channel", channel, case_id),
			 errdetail("A case comes by %s.", list.data)));
}

/* The edit distance between two names, capped just above the largest accepted. */
static int
name_distance(const char *a, const char *b, int max)
{
	return varstr_levenshtein_less_equal(a, strlen(a), b, strlen(b), 1, 1, 1, max + 1, true);
}

/*
 * Refuse a category that is not in gridgov.category (23503) with the near
 * names, by edit distance, in its hint; return if it is there.
 */
void
case_inputs_check_category(const char *category, int64 case_id)
{
	int			max = Max(NEAR_DISTANCE, (int) strlen(category) / 3);
	int			best[NEAR_NAMES];
	char	   *near[NEAR_NAMES];
	int			found = 0;
	StringInfoData hint;
	MemoryContext caller = CurrentMemoryContext;
	uint64		r;

	spi_plan_run(&categories_plan, &categories_query, NULL, NULL, true, 0);
	for (r = 0; r < SPI_processed; r++)
	{
		char	   *code = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		int			d;
		int			k;

		if (strcmp(code, category) == 0)
		{
			SPI_finish();
			return;
		}
		d = name_distance(category, code, max);
		if (d > max || (found == NEAR_NAMES && d >= best[NEAR_NAMES - 1]))
			continue;
		/* insert into the few nearest, kept in order of distance */
		k = Min(found, NEAR_NAMES - 1);
		found = Min(found + 1, NEAR_NAMES);
		for (; k > 0 && best[k - 1] > d; k--)
		{
			best[k] = best[k - 1];
			near[k] = near[k - 1];
		}
		best[k] = d;
		near[k] = MemoryContextStrdup(caller, code);
	}
	SPI_finish();

	initStringInfo(&hint);
	if (found > 0)
	{
		int			k;

		appendStringInfoString(&hint, "Did you mean ");
		for (k = 0; k < found; k++)
			appendStringInfo(&hint, "%s\"%s\"", k == 0 ? "" : k == found - 1 ? " or " : ", ", near[k]);
		appendStringInfoString(&hint, "? ");
	}
	appendStringInfoString(&hint, "The categories are the codes of gridgov.category.");
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("category \"%s\" of case " INT64_FORMAT " does not exist", category, case_id),
			 errhint("%s", hint.data)));
}
