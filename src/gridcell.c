/*
 * gridcell.c
 *		The Beidou grid location code (北斗网格位置码, GB/T 39409-2020),
 *		two-dimensional, levels 1 to 10, as one int64.
 *
 * The code.  A hemisphere letter, N or S, then per level:
 *
 *	level	cell			split of parent	characters
 *	1		6° x 4°			60 x 22			column 01-60, row A-V
 *	2		30' x 30'		12 x 8			column 0-B, row 0-7
 *	3		15' x 10'		2 x 3			one digit 0-5 = row * 2 + column
 *	4		1' x 1'			15 x 10			column 0-E, row 0-9
 *	5		4" x 4"			15 x 15			column 0-E, row 0-E
 *	6		2" x 2"			2 x 2			one digit 0-3 = row * 2 + column
 *	7-10	1/4", 1/32",	8 x 8 each		column 0-7, row 0-7
 *			1/256", 1/2048"
 *
 * so a level-n code has 4, 6, 7, 9, 11, 12, 14, 16, 18 or 20 characters, and
 * a cell's ancestors are the prefixes of its code.  Level 1 is the
 * 1:1,000,000 map sheet: columns counted eastward from 180°W, rows A-V from
 * the equator towards either pole.  From level 2 down, columns and rows are
 * counted away from the prime meridian and away from the equator, in every
 * quadrant: the quadrants are mirror images of the north-east one.  Above
 * 88° of latitude the standard switches to a polar scheme, which is not
 * implemented: such points are rejected.
 *
 * The stored value.  Each level contributes one mixed-radix digit: level 1
 * the map sheet, numbered 1..2640 (hemisphere, then column, then row), each
 * lower level its cell number plus one (1..96, 1..6, 1..150, 1..225, 1..4,
 * 1..64 four times), with 0 meaning "the code stops above this level".  The
 * value is that mixed-radix number, so, as for gridcode, a cell's value is
 * the first of its subtree and its descendants fill the range up to
 * value + scale(level) - 1: a btree answers "every cell under X" with one
 * range scan, and comparison, hashing and sorting are PostgreSQL's own int8
 * functions (sql/gridcell.sql).  Within a level the cell numbers follow the
 * order of the code's characters, so sorting cells sorts their codes
 * (in the C collation, a code before its extensions).
 *
 * The lng/lat arithmetic, neighbours and cell geometry are in
 * gridcell_geometry.c; the SQL hierarchy functions in gridcell_hierarchy.c.
 */
#include "postgres.h"

#include <limits.h>

#include "gridcell.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#define UNITS		GRIDCELL_UNITS_PER_DEGREE

/* columns and rows a cell splits into at each level (level 1: the globe) */
static const int level_cols[GRIDCELL_LEVELS + 1] = {0, 60, 12, 2, 15, 15, 2, 8, 8, 8, 8};
static const int level_rows[GRIDCELL_LEVELS + 1] = {0, 22, 8, 3, 10, 15, 2, 8, 8, 8, 8};

const int64 gridcell_width[GRIDCELL_LEVELS + 1] = {
	0,
	6 * UNITS,					/* 6° */
	UNITS / 2,					/* 30' */
	UNITS / 4,					/* 15' */
	UNITS / 60,					/* 1' */
	4 * 2048,					/* 4" */
	2 * 2048,					/* 2" */
	2048 / 4,					/* 1/4" */
	2048 / 32,					/* 1/32" */
	2048 / 256,					/* 1/256" */
	1							/* 1/2048" */
};
const int64 gridcell_height[GRIDCELL_LEVELS + 1] = {
	0,
	4 * UNITS,					/* 4° */
	UNITS / 2,					/* 30' */
	UNITS / 6,					/* 10' */
	UNITS / 60,					/* 1' */
	4 * 2048,
	2 * 2048,
	2048 / 4,
	2048 / 32,
	2048 / 256,
	1
};

/* cumulative code length at each level */
static const int code_length[GRIDCELL_LEVELS + 1] = {1, 4, 6, 7, 9, 11, 12, 14, 16, 18, 20};

/*
 * Place values of the digits.  The radix of level n's digit is its number
 * of cells plus one; scale[n] is the product of the radices below level n.
 */
#define RADIX_L7_10		INT64CONST(65)	/* 8 * 8 + 1 */
#define SCALE_10		INT64CONST(1)
#define SCALE_9			(SCALE_10 * RADIX_L7_10)
#define SCALE_8			(SCALE_9 * RADIX_L7_10)
#define SCALE_7			(SCALE_8 * RADIX_L7_10)
#define SCALE_6			(SCALE_7 * RADIX_L7_10)
#define SCALE_5			(SCALE_6 * 5)	/* 2 * 2 + 1 */
#define SCALE_4			(SCALE_5 * 226) /* 15 * 15 + 1 */
#define SCALE_3			(SCALE_4 * 151) /* 15 * 10 + 1 */
#define SCALE_2			(SCALE_3 * 7)	/* 2 * 3 + 1 */
#define SCALE_1			(SCALE_2 * 97)	/* 12 * 8 + 1 */

static const int64 level_scale[GRIDCELL_LEVELS + 1] = {
	0, SCALE_1, SCALE_2, SCALE_3, SCALE_4, SCALE_5, SCALE_6, SCALE_7, SCALE_8, SCALE_9, SCALE_10
};

/* level 1: 2 hemispheres x 60 columns x 22 rows, numbered from 1 */
#define SHEETS			(2 * 60 * 22)
#define GRIDCELL_MIN	SCALE_1
#define GRIDCELL_MAX	((SHEETS + 1) * SCALE_1 - 1)

StaticAssertDecl(SCALE_1 <= PG_INT64_MAX / (SHEETS + 1),
				 "gridcell values must fit in int64");

static const char hex_digits[] = "0123456789ABCDEF";

/* levels 3 and 6 write one digit, row * 2 + column; the others two */
static inline bool
level_has_single_digit(int level)
{
	return level == 3 || level == 6;
}

/* How many cells a cell of the level above divides into at a level. */
static inline int
level_cells(int level)
{
	return level_cols[level] * level_rows[level];
}

/* A cell's number among its siblings, from its column and row. */
static inline int
cell_number(int level, int col, int row)
{
	return level_has_single_digit(level) ? row * 2 + col : col * level_rows[level] + row;
}

/* A cell's column and row among its siblings, from its number. */
static inline void
cell_col_row(int level, int number, int *col, int *row)
{
	if (level_has_single_digit(level))
	{
		*col = number % 2;
		*row = number / 2;
	}
	else
	{
		*col = number / level_rows[level];
		*row = number % level_rows[level];
	}
}

/* the level-n digit of a value: 0 when the code stops above level n */
static inline int
digit_at(int64 cell, int level)
{
	if (level == 1)
		return (int) (cell / SCALE_1);
	return (int) ((cell / level_scale[level]) % (level_cells(level) + 1));
}

/* Is an int64 a gridcell value, digit by digit? */
static bool
gridcell_is_valid(int64 cell)
{
	bool		ended = false;
	int			level;

	if (cell < GRIDCELL_MIN || cell > GRIDCELL_MAX)
		return false;
	for (level = 2; level <= GRIDCELL_LEVELS; level++)
	{
		if (digit_at(cell, level) == 0)
			ended = true;
		else if (ended)
			return false;
	}
	return true;
}

/* A cell's level: how many of its digits are set. */
int
gridcell_level_of(int64 cell)
{
	int			level;

	for (level = 1; level < GRIDCELL_LEVELS; level++)
	{
		if (cell % level_scale[level] == 0)
			break;
	}
	return level;
}

/* A cell's ancestor at a level (the cell itself at its own level). */
int64
gridcell_truncate(int64 cell, int level)
{
	return cell / level_scale[level] * level_scale[level];
}

/* The last value of a cell's subtree in btree order. */
int64
gridcell_last_of(int64 cell)
{
	return cell + level_scale[gridcell_level_of(cell)] - 1;
}

/* Is cell in the subtree of ancestor? */
bool
gridcell_covers(int64 ancestor, int64 cell)
{
	return cell >= ancestor && cell <= gridcell_last_of(ancestor);
}

/*
 * The cell at a level that holds the point at absolute longitude x and
 * latitude y (units) in the given quadrant.  A point on a line between
 * cells lands in the cell farther from the origin: integer division
 * rounds toward the origin, and cells are counted away from it.
 *
 * This is the hot path of gridcell(point, level), so it is unrolled with
 * constant divisors (which the compiler turns into multiplications) on
 * 32-bit values: x < 2^31 and y < 2^30.
 */
#define LEVEL_DIGIT(l, w, h, cols, rows) \
	(((l) == 3 || (l) == 6) \
	 ? ((y / (h)) % (rows)) * 2 + (x / (w)) % (cols) \
	 : ((x / (w)) % (cols)) * (rows) + (y / (h)) % (rows))

#define ADD_LEVEL(l, w, h, cols, rows) \
	do { \
		if (level < (l)) \
			return cell; \
		cell += (int64) (LEVEL_DIGIT(l, w, h, cols, rows) + 1) * SCALE_##l; \
	} while (0)

/* The cell of a level at a position (sheet and cells' columns and rows). */
int64
gridcell_encode(bool east, bool north, int64 x64, int64 y64, int level)
{
	uint32		x = (uint32) x64;
	uint32		y = (uint32) y64;
	int			column0 = (int) (x / (6 * UNITS));	/* 0..29 from the meridian */
	int			column = east ? 31 + column0 : 30 - column0;	/* 01..60 */
	int			row = (int) (y / (4 * UNITS));	/* A..V */
	int64		cell;

	Assert(x64 >= 0 && x64 < GRIDCELL_LNG_LIMIT && y64 >= 0 && y64 < GRIDCELL_LAT_LIMIT);
	cell = (1 + ((north ? 0 : 1) * 60 + (column - 1)) * 22 + row) * SCALE_1;
	ADD_LEVEL(2, UNITS / 2, UNITS / 2, 12, 8);
	ADD_LEVEL(3, UNITS / 4, UNITS / 6, 2, 3);
	ADD_LEVEL(4, UNITS / 60, UNITS / 60, 15, 10);
	ADD_LEVEL(5, 4 * 2048, 4 * 2048, 15, 15);
	ADD_LEVEL(6, 2 * 2048, 2 * 2048, 2, 2);
	ADD_LEVEL(7, 2048 / 4, 2048 / 4, 8, 8);
	ADD_LEVEL(8, 2048 / 32, 2048 / 32, 8, 8);
	ADD_LEVEL(9, 2048 / 256, 2048 / 256, 8, 8);
	ADD_LEVEL(10, 1, 1, 8, 8);
	return cell;
}

/* The position of a cell: its sheet and its columns and rows at each level. */
void
gridcell_decode(int64 cell, GridcellPos *pos)
{
	int			sheet = digit_at(cell, 1) - 1;
	int			column = (sheet / 22) % 60 + 1;
	int			l;

	pos->north = sheet < 60 * 22;
	pos->east = column >= 31;
	pos->x = (pos->east ? column - 31 : 30 - column) * gridcell_width[1];
	pos->y = (sheet % 22) * gridcell_height[1];
	pos->level = 1;
	for (l = 2; l <= GRIDCELL_LEVELS; l++)
	{
		int			digit = digit_at(cell, l);
		int			col,
					row;

		if (digit == 0)
			break;
		cell_col_row(l, digit - 1, &col, &row);
		pos->x += col * gridcell_width[l];
		pos->y += row * gridcell_height[l];
		pos->level = l;
	}
}

/* how many cells at target_level lie in one cell at level (target >= level) */
int64
gridcell_children_count(int level, int target_level)
{
	int64		count = 1;
	int			l;

	for (l = level + 1; l <= target_level; l++)
		count *= level_cells(l);
	return count;
}

/* the n-th (from 0, in value order) descendant of a cell at target_level */
int64
gridcell_nth_descendant(int64 cell, int level, int target_level, int64 n)
{
	int			l;

	for (l = target_level; l > level; l--)
	{
		int64		cells = level_cells(l);

		cell += (n % cells + 1) * level_scale[l];
		n /= cells;
	}
	return cell;
}

/* Refuse a level outside 1 to 10, naming the argument. */
void
gridcell_check_level(int level, const char *argname)
{
	if (level < 1 || level > GRIDCELL_LEVELS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range for gridcell", argname, level),
				 errhint("Levels run from 1 (6° x 4° map sheets) to 10 (1/2048\" cells, about 1.5 cm).")));
}

/*
 * check_gridcell_level(level integer, parameter text) → boolean: true for a
 * level of gridcell (1 to 10), else the error gridcell() gives, naming the
 * parameter.
 */
PG_FUNCTION_INFO_V1(gridcell_check_level_sql);
Datum
gridcell_check_level_sql(PG_FUNCTION_ARGS)
{
	gridcell_check_level(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_BOOL(true);
}

/* Refuse an int64 that is no gridcell (binary input, casts). */
static void
check_cell_value(int64 cell, int sqlstate, const char *source)
{
	if (!gridcell_is_valid(cell))
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s " INT64_FORMAT " is not a valid gridcell", source, cell),
				 errdetail("A gridcell is a mixed-radix number between " INT64_FORMAT " and " INT64_FORMAT " whose digits stop at the cell's level.",
						   GRIDCELL_MIN, GRIDCELL_MAX),
				 errhint("Convert codes with a cast from text, such as 'N50J47539'::gridcell.")));
}

/*
 * Settings.  gridgov.max_cover_cells bounds every set a gridcell function
 * returns (cover, children, k_ring), so that a mistaken level cannot
 * exhaust memory or run for hours.  The module's _PG_init calls
 * gridcell_init(); the setting is also defined on first use, so that it
 * works in a build whose _PG_init does not call it yet.
 */
#define GRIDCELL_DEFAULT_MAX_CELLS	1000000

static int	max_cover_cells = GRIDCELL_DEFAULT_MAX_CELLS;
static bool settings_defined = false;

/* the start-up hook: defines gridcell's settings (see gridcell.c) */
void
gridcell_init(void)
{
	if (settings_defined)
		return;
	DefineCustomIntVariable("gridgov.max_cover_cells",
							"Largest number of cells that cover(), children() and k_ring() may return.",
							"A call that would return more fails instead of exhausting memory.",
							&max_cover_cells,
							GRIDCELL_DEFAULT_MAX_CELLS,
							1, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	settings_defined = true;
}

/* gridgov.max_cells: how many cells one call may return. */
int
gridcell_max_cells(void)
{
	if (!settings_defined)
		gridcell_init();
	return max_cover_cells;
}

/* Refuse (54000) a call that would return more than gridgov.max_cells cells. */
void
gridcell_check_cell_count(int64 count, const char *what)
{
	int			limit = gridcell_max_cells();

	if (count > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would return more than %d cells", what, limit),
				 errdetail("It would return " INT64_FORMAT " cells.", count),
				 errhint("Ask for a coarser level, or raise gridgov.max_cover_cells.")));
}

/*
 * Text input and output
 */

/* A character's value as a hexadecimal digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#define BAD_TEXT(str) \
	(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
	 errmsg("invalid input syntax for type %s: \"%s\"", "gridcell", (str)))

/*
 * One column or row character of levels 2 to 10, or the single digit of
 * levels 3 and 6; what names it in errors.  Returns -1 after a soft error.
 */
static int
parse_level_char(const char *str, const char *p, int level, const char *what,
				 int limit, Node *escontext)
{
	int			value = hex_value(*p);

	if (value < 0 || value >= limit)
		gridgov_input_error(escontext, -1,
							(BAD_TEXT(str),
							 errdetail("Character \"%.*s\" at position %d is not a valid level %d %s: expected 0 to %c.",
									   pg_mblen(p), p, (int) (p - str) + 1, level, what,
									   hex_digits[limit - 1])));
	return value;
}

/* The level 1 cell of a code's first four characters (hemisphere, column, row). */
static bool
parse_level1(const char *input, const char *code, int64 *cell, Node *escontext)
{
	const char *p;
	int			column;
	int			row;

	/*
	 * Positions in errors count from the first character of the code, and
	 * every character before the bad one is ASCII.
	 */
	if (*code != 'N' && *code != 'S' && *code != 'n' && *code != 's')
		gridgov_input_error(escontext, false,
							(BAD_TEXT(input),
							 errdetail("Character \"%.*s\" at position 1 is not a hemisphere: expected N or S.",
									   pg_mblen(code), code)));
	for (p = code + 1; p < code + 3; p++)
		if (!isdigit((unsigned char) *p))
			gridgov_input_error(escontext, false,
								(BAD_TEXT(input),
								 errdetail("Character \"%.*s\" at position %d is not a digit: the level 1 column runs from 01 to 60.",
										   pg_mblen(p), p, (int) (p - code) + 1)));
	column = (code[1] - '0') * 10 + (code[2] - '0');
	if (column < 1 || column > 60)
		gridgov_input_error(escontext, false,
							(BAD_TEXT(input),
							 errdetail("Level 1 column \"%.2s\" is out of range 01 to 60.", code + 1)));
	row = pg_toupper((unsigned char) code[3]) - 'A';
	if (!isalpha((unsigned char) code[3]) || row < 0 || row >= 22)
		gridgov_input_error(escontext, false,
							(BAD_TEXT(input),
							 errdetail("Character \"%.*s\" at position 4 is not a valid level 1 row: expected A to V.",
									   pg_mblen(code + 3), code + 3),
							 errhint("Rows A to V are 4° bands from the equator to 88°; the polar caps beyond are not coded here.")));

	*cell = (1 + ((*code == 'N' || *code == 'n' ? 0 : 1) * 60 + (column - 1)) * 22 + row) * SCALE_1;
	return true;
}

/* A gridcell from its text code; false with soft errors on bad input. */
static bool
gridcell_parse(const char *input, int64 *result, Node *escontext)
{
	const char *p = input;
	const char *code;
	const char *end;
	int			len;
	int			level;
	int			l;
	int64		cell;

	while (*p != '\0' && isspace((unsigned char) *p))
		p++;
	code = p;
	while (*p != '\0' && !isspace((unsigned char) *p))
		p++;
	end = p;
	while (*p != '\0' && isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		gridgov_input_error(escontext, false,
							(BAD_TEXT(input),
							 errdetail("A gridcell code is one run of characters without spaces inside.")));

	len = (int) (end - code);
	for (level = 1; level <= GRIDCELL_LEVELS; level++)
		if (len == code_length[level])
			break;
	if (level > GRIDCELL_LEVELS)
		gridgov_input_error(escontext, false,
							(BAD_TEXT(input),
							 errdetail("A gridcell code has 4, 6, 7, 9, 11, 12, 14, 16, 18 or 20 characters, not %d.",
									   pg_mbstrlen_with_len(code, len)),
							 errhint("Level 1 is N or S, a column 01 to 60 and a row A to V, as in N50J; levels 2 to 10 add 2, 1, 2, 2, 1, 2, 2, 2 and 2 characters.")));

	if (!parse_level1(input, code, &cell, escontext))
		return false;

	p = code + code_length[1];
	for (l = 2; l <= level; l++)
	{
		int			number;

		if (level_has_single_digit(l))
		{
			number = parse_level_char(code, p, l, "cell", level_cells(l), escontext);
			if (number < 0)
				return false;
			p++;
		}
		else
		{
			int			col = parse_level_char(code, p, l, "column", level_cols[l], escontext);
			int			r;

			if (col < 0)
				return false;
			r = parse_level_char(code, p + 1, l, "row", level_rows[l], escontext);
			if (r < 0)
				return false;
			number = cell_number(l, col, r);
			p += 2;
		}
		cell += (number + 1) * level_scale[l];
	}

	*result = cell;
	return true;
}

/* A cell's text code. */
char *
gridcell_to_cstring(int64 cell)
{
	char	   *buf = palloc(GRIDCELL_CODE_MAXLEN + 1);
	int			sheet = digit_at(cell, 1) - 1;
	int			column = (sheet / 22) % 60 + 1;
	char	   *p = buf;
	int			l;

	*p++ = sheet < 60 * 22 ? 'N' : 'S';
	*p++ = '0' + column / 10;
	*p++ = '0' + column % 10;
	*p++ = 'A' + sheet % 22;
	for (l = 2; l <= GRIDCELL_LEVELS; l++)
	{
		int			digit = digit_at(cell, l);
		int			col,
					row;

		if (digit == 0)
			break;
		if (level_has_single_digit(l))
			*p++ = hex_digits[digit - 1];
		else
		{
			cell_col_row(l, digit - 1, &col, &row);
			*p++ = hex_digits[col];
			*p++ = hex_digits[row];
		}
	}
	*p = '\0';
	return buf;
}

/* The type's text input. */
PG_FUNCTION_INFO_V1(gridcell_in);
Datum
gridcell_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int64		cell;

	if (!gridcell_parse(str, &cell, fcinfo->context))
		PG_RETURN_NULL();
	PG_RETURN_GRIDCELL(cell);
}

/* The type's text output. */
PG_FUNCTION_INFO_V1(gridcell_out);
Datum
gridcell_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(gridcell_to_cstring(PG_GETARG_GRIDCELL(0)));
}

/* The type's binary input, refusing values that are no cell. */
PG_FUNCTION_INFO_V1(gridcell_recv);
Datum
gridcell_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		cell = pq_getmsgint64(buf);

	check_cell_value(cell, ERRCODE_INVALID_BINARY_REPRESENTATION, "received value");
	PG_RETURN_GRIDCELL(cell);
}

/* bigint -> gridcell; the other way is a binary-coercible cast */
PG_FUNCTION_INFO_V1(gridcell_from_int8);
Datum
gridcell_from_int8(PG_FUNCTION_ARGS)
{
	int64		cell = PG_GETARG_INT64(0);

	check_cell_value(cell, ERRCODE_INVALID_PARAMETER_VALUE, "bigint");
	PG_RETURN_GRIDCELL(cell);
}
