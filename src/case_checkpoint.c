/*
 * case_checkpoint.c
 *		The Merkle tree hash of RFC 6962 over the case history's leaves, as an
 *		aggregate, and the origin setting of the history's checkpoints.
 *
 * A checkpoint (sql/case.sql, history_checkpoint) is the root of the tree
 * over the first N history rows by entry, with N: exported outside the
 * database, it lets verify_history prove that none of those rows changed,
 * even by the table's owner.  The tree is RFC 6962's (Certificate
 * Transparency): a leaf hash is SHA-256(0x00 || data), an inner node
 * SHA-256(0x01 || left || right), and the tree over n leaves splits them
 * at the largest power of two below n.  The aggregate reads the leaf hashes
 * in order and keeps, like a binary counter, the roots of the perfect
 * subtrees so far (at most 64 of them); folding them from the right at the
 * end gives exactly RFC 6962's root, in one pass and constant memory.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "case_checkpoint.h"

/* RFC 6962's prefix of an inner node's hash input (a leaf's is 0x00) */
#define MERKLE_NODE_PREFIX 0x01
/* a tree of up to 2^64 leaves has at most 64 perfect subtrees pending */
#define MERKLE_MAX_PENDING 64

typedef struct MerkleState
{
	int64		leaves;			/* leaves read so far */
	int			pending;		/* perfect subtrees on the stack */
	/* the stack's roots, the largest (leftmost) subtree first */
	uint8		roots[MERKLE_MAX_PENDING][PG_SHA256_DIGEST_LENGTH];
} MerkleState;

/* the setting gridgov.checkpoint_origin; empty for the system identifier */
static char *checkpoint_origin = NULL;

/*
 * The origin is the first line of a checkpoint: one line of printable
 * characters, or verify_history could not find the checkpoint's size.
 */
static bool
check_checkpoint_origin(char **newval, void **extra, GucSource source)
{
	const char *c;

	for (c = *newval; *c != '\0'; c++)
	{
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
		{
			GUC_check_errdetail("The origin is one line of a checkpoint: it cannot hold control characters.");
			return false;
		}
	}
	return true;
}

/* Define the setting gridgov.checkpoint_origin. */
void
case_checkpoint_init(void)
{
	DefineCustomStringVariable("gridgov.checkpoint_origin",
							   "Names the case history in its checkpoints, after \"gridgov/\".",
							   "Empty: the cluster's system identifier, which a restore into another cluster changes.",
							   &checkpoint_origin, "", PGC_USERSET, 0,
							   check_checkpoint_origin, NULL, NULL);
}

/* SHA-256(0x01 || left || right) into result: an inner node of the tree. */
static void
merkle_node(pg_cryptohash_ctx *ctx, const uint8 *left, const uint8 *right, uint8 *result)
{
	uint8		prefix = MERKLE_NODE_PREFIX;

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, &prefix, 1) < 0 ||
		pg_cryptohash_update(ctx, left, PG_SHA256_DIGEST_LENGTH) < 0 ||
		pg_cryptohash_update(ctx, right, PG_SHA256_DIGEST_LENGTH) < 0 ||
		pg_cryptohash_final(ctx, result, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
}

/*
 * Transition of merkle_root(bytea): push the leaf hash as a perfect subtree
 * of one leaf, then merge the two top subtrees while they are of one size
 * (the trailing one bits of the count before this leaf).
 */
PG_FUNCTION_INFO_V1(merkle_root_step);
Datum
merkle_root_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MerkleState *state;
	bytea	   *leaf;
	int64		carry;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "merkle_root_step called in non-aggregate context");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a leaf of merkle_root is NULL"),
				 errhint("Every leaf is a SHA-256 hash, such as history_leaf(h) of a history row.")));
	leaf = PG_GETARG_BYTEA_PP(1);
	if (VARSIZE_ANY_EXHDR(leaf) != PG_SHA256_DIGEST_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a leaf of merkle_root is %zu bytes long, not %d",
						(size_t) VARSIZE_ANY_EXHDR(leaf), PG_SHA256_DIGEST_LENGTH),
				 errhint("Every leaf is a SHA-256 hash, such as history_leaf(h) of a history row.")));

	if (PG_ARGISNULL(0))
	{
		state = MemoryContextAllocZero(aggcontext, sizeof(MerkleState));
	}
	else
		state = (MerkleState *) PG_GETARG_POINTER(0);

	memcpy(state->roots[state->pending++], VARDATA_ANY(leaf), PG_SHA256_DIGEST_LENGTH);
	carry = state->leaves;
	if (carry & 1)
	{
		/* one context for all of this leaf's merges: creating it is the cost */
		pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

		for (; carry & 1; carry >>= 1)
		{
			state->pending--;
			merkle_node(ctx, state->roots[state->pending - 1], state->roots[state->pending],
						state->roots[state->pending - 1]);
		}
		pg_cryptohash_free(ctx);
	}
	state->leaves++;
	PG_RETURN_POINTER(state);
}

/*
 * Final of merkle_root(bytea): fold the pending subtrees from the right
 * (RFC 6962's split at the largest power of two below n); with no leaves,
 * SHA-256 of nothing, as RFC 6962 defines the empty tree's hash.  The state
 * is left as it was, so the aggregate also serves as a window function.
 */
PG_FUNCTION_INFO_V1(merkle_root_final);
Datum
merkle_root_final(PG_FUNCTION_ARGS)
{
	MerkleState *state = PG_ARGISNULL(0) ? NULL : (MerkleState *) PG_GETARG_POINTER(0);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	uint8	   *root = (uint8 *) VARDATA(result);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	int			i;

	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	if (state == NULL || state->pending == 0)
	{
		if (pg_cryptohash_init(ctx) < 0 ||
			pg_cryptohash_final(ctx, root, PG_SHA256_DIGEST_LENGTH) < 0)
			elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	}
	else
	{
		memcpy(root, state->roots[state->pending - 1], PG_SHA256_DIGEST_LENGTH);
		for (i = state->pending - 2; i >= 0; i--)
			merkle_node(ctx, state->roots[i], root, root);
	}
	pg_cryptohash_free(ctx);
	PG_RETURN_BYTEA_P(result);
}

/*
 * The origin line of a checkpoint, after "gridgov/": the setting, else the
 * cluster's system identifier.
 */
PG_FUNCTION_INFO_V1(checkpoint_origin_name);
Datum
checkpoint_origin_name(PG_FUNCTION_ARGS)
{
	char		identifier[32];

	if (checkpoint_origin != NULL && checkpoint_origin[0] != '\0')
		PG_RETURN_TEXT_P(cstring_to_text(checkpoint_origin));
	snprintf(identifier, sizeof(identifier), UINT64_FORMAT, GetSystemIdentifier());
	PG_RETURN_TEXT_P(cstring_to_text(identifier));
}
