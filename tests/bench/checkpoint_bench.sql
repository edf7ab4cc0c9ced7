-- Checkpoint benchmark: over a history of about 1,000,000 rows written by
-- the case engine (tests/bench/checkpoint_bench.sh makes it), the time to
-- take a checkpoint and to verify one, against what a user would write
-- without gridgov, in plain SQL with sha256():
--
--   gridgov   history_root(n), the RFC 6962 Merkle root of the first n rows
--             (merkle_root in C over history_leaf, in entry order);
--             history_checkpoint(), the first one (which also writes the
--             witness's 1,000,000 leaves) and a next one (which checks the
--             last one's root, then takes its own); verify_history(checkpoint)
--             when nothing changed (the root, then every chain) and when a
--             row changed (the root, the witness's leaves, the join that
--             names the row, every chain)
--   flat      one SHA-256 over all the rows' hashes in entry order:
--             sha256(string_agg(hash, '' ORDER BY entry)), a digest that
--             says that something changed, never what
--   chain     a running hash, row after row in entry order, by a recursive
--             CTE: h(i) = sha256(h(i-1) || hash(i)), as a user would chain
--             a log in SQL
--
-- Every method is run at the server's default settings and with jit = off;
-- times are medians of :runs runs taken in the server (clock_timestamp()
-- around EXECUTE; the verifications, which recompute every chain in SQL,
-- and the recursive CTE run once), and the ratios are the alternative's time over gridgov's
-- history_root.  The roots are checked: gridgov's root equals a recursive
-- RFC 6962 computation over the same leaves for the first 1,000 rows.
\set ON_ERROR_STOP on
\if :{?runs}
\else
\set runs 3
\endif
SET client_min_messages = warning;
SET search_path = gridgov, public;
\pset footer off

-- the median time of a statement, in ms, over runs executions
CREATE FUNCTION pg_temp.median_ms(statement text, runs integer) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    times numeric[] := '{}';
    t0 timestamptz;
BEGIN
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE statement;
        times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric;
    END LOOP;
    RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY t)::numeric, 1) FROM unnest(times) t);
END;
$$;

-- RFC 6962's definition, recursively, for the check
\ir ../sql/checkpoint_helpers.psql

SELECT count(*) AS history_rows, count(DISTINCT case_id) AS cases FROM case_history;
SELECT history_root(1000) = pg_temp.tree_hash(ARRAY(SELECT history_leaf(h) FROM case_history h ORDER BY entry LIMIT 1000))
       AS root_agrees_with_rfc6962_recursion;
SELECT count(*) AS problems_before FROM verify_history();

SELECT count(*) AS n FROM case_history \gset
CREATE TEMP TABLE timing (setting text, method text, ms numeric);

-- the first checkpoint writes the witness's leaves; it runs once
INSERT INTO timing SELECT 'defaults', 'history_checkpoint() first', pg_temp.median_ms('SELECT gridgov.history_checkpoint()', 1);
SELECT checkpoint FROM case_history_witness ORDER BY taken_at DESC LIMIT 1 \gset

-- each setting in turn
\set setting defaults
\ir checkpoint_bench_methods.psql
SET jit = off;
\set setting jit_off
\ir checkpoint_bench_methods.psql
RESET jit;

SELECT setting, method, ms,
       round(ms / (SELECT t.ms FROM timing t WHERE t.setting = timing.setting AND t.method = 'history_root(n)'), 2)
           AS ratio_to_history_root
  FROM timing ORDER BY setting, method;
