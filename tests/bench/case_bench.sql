-- Case engine benchmark: intake through the C triggers against a plain
-- insert and a PL/pgSQL implementation (tests/bench/case_plpgsql.sql), a
-- breakdown of the engine's time, and the escalation sweep against a
-- set-based SQL statement.  Run by tests/bench/case_bench.sh, which creates
-- the database, loads the Guangming demo district and sets the variables:
--   scale            cases inserted by each method (default 1000000)
--   batches          INSERT ... SELECT statements, one transaction each
--   plpgsql_batches  how many of those batches go through PL/pgSQL too
--   overdue          escalatable cases past their deadline in the sweep
--   breakdown_rows   rows of the held-out batch used by the breakdown
--   runs             repetitions of each breakdown step and each sweep
--   clk_tck          clock ticks per second of /proc/PID/stat
--   continue_on_mismatch  true: a failed check is reported, not fatal
--   jit_off          if set, jit = off; else the server's settings (the
--                    driver runs both, each in a database of its own)
-- Every timing is taken inside the server around the statement and its
-- COMMIT or ROLLBACK: wall-clock time (clock_timestamp()), and the
-- backend's own CPU time (user + system, from /proc/self/stat; superuser
-- only, else left out), which other work on the machine disturbs less.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset tuples_only on
\pset format unaligned
\pset footer off
SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET search_path = public;
\if :{?jit_off}
SET jit = off;
\endif
SELECT format('settings: jit %s, max_parallel_workers_per_gather %s, max_parallel_maintenance_workers %s',
              current_setting('jit'), current_setting('max_parallel_workers_per_gather'),
              current_setting('max_parallel_maintenance_workers'));

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.param AS
SELECT :scale::bigint AS scale, :batches::int AS batches, :plpgsql_batches::int AS plpgsql_batches,
       :overdue::bigint AS overdue, (:scale / :batches)::bigint AS batch_rows,
       least(:breakdown_rows, :scale / :batches)::bigint AS breakdown_rows, :runs::int AS runs,
       :clk_tck::float8 AS clk_tck, :'continue_on_mismatch'::boolean AS continue_on_mismatch;

-- A check that fails is recorded here, and stops the run unless
-- continue_on_mismatch is set (then the run goes on to its measurements,
-- prints the failures in the summary, and still exits with an error).
CREATE TABLE bench.failure (part text, what text, at timestamptz DEFAULT clock_timestamp());
CREATE PROCEDURE bench.fail(part text, what text)
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT (SELECT continue_on_mismatch FROM bench.param) THEN
        RAISE EXCEPTION 'case_bench: %', what;
    END IF;
    INSERT INTO bench.failure (part, what) VALUES (part, what);
END;
$$;

-- ---------------------------------------------------------------------
-- The cases: scale + one batch (held out for the breakdown), time-ordered.
-- Each grid gets a weight (the busiest about 10x the quietest); a case's
-- point is uniform inside its grid's rectangle, away from the edges; the
-- category, severity and channel mixes follow the demo's 11 categories
-- (severity 1: 80%, 2: 12%, 3: 6%, 4: 2%); reported_at is uniform over the
-- days, 85% of it between 08:00 and 22:00.  Deterministic (setseed).
-- ---------------------------------------------------------------------
\echo
\echo '== data'
SET work_mem = '256MB';
SELECT setseed(0.2026);
CREATE TABLE bench.grid AS
SELECT row_number() OVER (ORDER BY code) AS i, code,
       ST_XMin(boundary) AS x0, ST_YMin(boundary) AS y0, ST_XMax(boundary) AS x1, ST_YMax(boundary) AS y1,
       0.3 + random() * random() * 3 AS weight
  FROM gridgov.unit
 WHERE code OPERATOR(gridgov.<@) '440311'::gridgov.gridcode AND level = 6
 ORDER BY code;
CREATE TABLE bench.grid_cum AS
SELECT array_agg(c ORDER BY i) AS cum
  FROM (SELECT i, sum(weight) OVER (ORDER BY i) / sum(weight) OVER () AS c FROM bench.grid) s;
CREATE TABLE bench.src AS
WITH p AS (SELECT scale + batch_rows AS total, 90.0 * (scale + batch_rows) / scale AS days FROM bench.param),
r AS (
    SELECT random() AS ug, random() AS ux, random() AS uy, random() AS uc, random() AS us,
           random() AS uch, random() AS ud, random() AS ut, random() AS uh
      FROM p, generate_series(1, p.total)
)
SELECT row_number() OVER (ORDER BY reported_at) AS n, s.*
  FROM (SELECT g.code AS grid,
               ST_SetSRID(ST_MakePoint(g.x0 + (0.02 + 0.96 * r.ux) * (g.x1 - g.x0),
                                       g.y0 + (0.02 + 0.96 * r.uy) * (g.y1 - g.y0)), 4326) AS location,
               CASE WHEN uc < 0.18 THEN 'noise' WHEN uc < 0.32 THEN 'neighbour_dispute'
                    WHEN uc < 0.44 THEN 'property_management' WHEN uc < 0.58 THEN 'garbage'
                    WHEN uc < 0.64 THEN 'fire_lane' WHEN uc < 0.72 THEN 'rental_safety'
                    WHEN uc < 0.77 THEN 'labour_dispute' WHEN uc < 0.86 THEN 'street_vending'
                    WHEN uc < 0.91 THEN 'illegal_construction' WHEN uc < 0.96 THEN 'road_damage'
                    ELSE 'pollution' END AS category,
               (CASE WHEN us < 0.80 THEN 1 WHEN us < 0.92 THEN 2 WHEN us < 0.98 THEN 3 ELSE 4 END)::smallint AS severity,
               CASE WHEN uch < 0.40 THEN 'resident_app' WHEN uch < 0.70 THEN 'hotline'
                    WHEN uch < 0.90 THEN 'patrol' WHEN uch < 0.95 THEN 'sensor' ELSE 'walk_in' END AS channel,
               timestamptz '2026-03-01 00:00+08' + floor(ud * p.days) * interval '1 day'
                 + CASE WHEN uh < 0.85 THEN interval '8 hours' + ut * interval '14 hours'
                        ELSE ut * interval '24 hours' END AS reported_at
          FROM p, r
          JOIN bench.grid g ON g.i = least(width_bucket(r.ug, (SELECT cum FROM bench.grid_cum)) + 1, 418)) s;
ALTER TABLE bench.src ADD PRIMARY KEY (n);
VACUUM ANALYZE bench.src;
RESET work_mem;

SELECT format('%s cases per method in %s batches of %s, plus one held-out batch for the breakdown; %s grids used',
              to_char(p.scale, 'FM999,999,999'), p.batches, to_char(p.batch_rows, 'FM999,999,999'),
              (SELECT count(DISTINCT grid) FROM bench.src))
  FROM bench.param p;
SELECT format('reported_at %s .. %s (the measured cases: %s .. %s)',
              min(reported_at)::date, max(reported_at)::date,
              min(reported_at) FILTER (WHERE n <= p.scale)::date, max(reported_at) FILTER (WHERE n <= p.scale)::date)
  FROM bench.src, bench.param p GROUP BY p.scale;
SELECT 'categories: ' || string_agg(format('%s %s%%', category, round(100.0 * c / t)), ', ' ORDER BY c DESC)
  FROM (SELECT category, count(*) AS c, sum(count(*)) OVER () AS t FROM bench.src GROUP BY category) s;
SELECT 'severity as reported: ' || string_agg(format('%s: %s%%', severity, round(100.0 * c / t, 1)), ', ' ORDER BY severity)
  FROM (SELECT severity, count(*) AS c, sum(count(*)) OVER () AS t FROM bench.src GROUP BY severity) s;

-- ---------------------------------------------------------------------
-- The three targets
-- ---------------------------------------------------------------------
-- plain: the engine's table without its triggers, "the same inserts into a
-- table without triggers": the same columns with their defaults, CHECKs,
-- identity and generated Beidou cell, and all its indexes; no foreign key,
-- no trigger.  Nothing routes the case: unit stays NULL, and district, part
-- of the primary key, is the demo district by default.
DROP SCHEMA IF EXISTS plain CASCADE;
CREATE SCHEMA plain;
CREATE TABLE plain.cases (LIKE gridgov.cases INCLUDING ALL);
ALTER TABLE plain.cases ALTER district SET DEFAULT '440311', ALTER unit DROP NOT NULL;
-- bare: for reference in the breakdown, the same columns and a primary key,
-- nothing else
DROP SCHEMA IF EXISTS bare CASCADE;
CREATE SCHEMA bare;
CREATE TABLE bare.cases (LIKE gridgov.cases INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
ALTER TABLE bare.cases ALTER district DROP NOT NULL, ALTER unit DROP NOT NULL, ADD PRIMARY KEY (id);
-- the PL/pgSQL implementation, in schema plpg
\ir case_plpgsql.sql
SET client_min_messages = warning;
-- Autovacuum stays off the measured tables so that it does not compete for
-- the cores mid-batch; the script runs ANALYZE and VACUUM itself, untimed.
ALTER TABLE gridgov.cases SET (autovacuum_enabled = off);
ALTER TABLE gridgov.case_history SET (autovacuum_enabled = off);
ALTER TABLE plpg.cases SET (autovacuum_enabled = off);
ALTER TABLE plpg.case_history SET (autovacuum_enabled = off);
ALTER TABLE plain.cases SET (autovacuum_enabled = off);
ALTER TABLE bare.cases SET (autovacuum_enabled = off);

-- ---------------------------------------------------------------------
-- Timing: one statement in its own transaction, committed or rolled back,
-- timed inside the server.  setup runs first in the same transaction,
-- untimed (so a rolled-back run can disable a trigger or empty a rule
-- table); check runs after the statement, before the end, untimed.
-- ---------------------------------------------------------------------
-- the backend's CPU time so far, in seconds (NULL when it cannot be read)
CREATE FUNCTION bench.cpu() RETURNS float8
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    f text[];
BEGIN
    -- the fields after "pid (comm) ": state is 1, utime 12, stime 13
    f := regexp_split_to_array(substring(pg_read_file('/proc/self/stat') FROM '\) (.*)$'), ' ');
    RETURN (f[12]::float8 + f[13]::float8) / (SELECT clk_tck FROM bench.param);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END;
$$;

CREATE TABLE bench.timing (
    part text, method text, batch integer, run integer, rows bigint,
    secs float8,                -- wall clock
    cpu float8,                 -- the backend's CPU time
    check_value text,
    at timestamptz DEFAULT clock_timestamp()
);
CREATE PROCEDURE bench.timed(part text, method text, batch integer, run integer, stmt text,
                             keep boolean DEFAULT true, setup text[] DEFAULT '{}', check_sql text DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    s text;
    t0 timestamptz;
    t1 timestamptz;
    t2 timestamptz;
    t3 timestamptz;
    c0 float8;
    c1 float8;
    c2 float8;
    c3 float8;
    n bigint;
    check_result text;
BEGIN
    FOREACH s IN ARRAY setup LOOP
        EXECUTE s;
    END LOOP;
    c0 := bench.cpu();
    t0 := clock_timestamp();
    IF stmt ~* '^\s*(select|with)\M' THEN
        EXECUTE stmt INTO n;
    ELSE
        EXECUTE stmt;
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    t1 := clock_timestamp();
    c1 := bench.cpu();
    IF check_sql IS NOT NULL THEN
        EXECUTE check_sql INTO check_result;
    END IF;
    c2 := bench.cpu();
    t2 := clock_timestamp();
    IF keep THEN
        COMMIT;
    ELSE
        ROLLBACK;
    END IF;
    t3 := clock_timestamp();
    c3 := bench.cpu();
    INSERT INTO bench.timing (part, method, batch, run, rows, secs, cpu, check_value)
    VALUES (part, method, batch, run, n, extract(epoch FROM (t1 - t0) + (t3 - t2)), (c1 - c0) + (c3 - c2), check_result);
    COMMIT;
END;
$$;

-- ANALYZE, as a check too: ANALYZE reads every sampled value, so a corrupt
-- value in a table makes it fail (and would make autovacuum's fail).
CREATE PROCEDURE bench.analyze(VARIADIC tables text[])
    LANGUAGE plpgsql
AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        BEGIN
            EXECUTE 'ANALYZE ' || t;
        EXCEPTION WHEN OTHERS THEN
            IF NOT EXISTS (SELECT FROM bench.failure WHERE what LIKE 'ANALYZE ' || t || ' %') THEN
                CALL bench.fail('intake', format('ANALYZE %s fails: %s (its statistics stay as they were)', t, SQLERRM));
            END IF;
        END;
    END LOOP;
END;
$$;

CREATE FUNCTION bench.rate(rows numeric, secs numeric) RETURNS text
    LANGUAGE sql IMMUTABLE RETURN to_char(rows / nullif(secs, 0), 'FM999,999,990');
CREATE FUNCTION bench.x(a numeric, b numeric) RETURNS text
    LANGUAGE sql IMMUTABLE RETURN coalesce(to_char(a / nullif(b, 0), 'FM9,990.00') || 'x', 'n/a');
CREATE FUNCTION bench.median(float8[]) RETURNS float8
    LANGUAGE sql IMMUTABLE RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest($1) v);

-- the INSERT of one batch: the columns a platform gives (location, not unit)
CREATE FUNCTION bench.intake(target text, lo bigint, hi bigint, with_unit boolean DEFAULT false) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN format('INSERT INTO %s (category, severity, channel, location, reported_at%s) '
                  'SELECT category, severity, channel, location, reported_at%s FROM bench.src '
                  'WHERE n > %s AND n <= %s ORDER BY n',
                  target, CASE WHEN with_unit THEN ', unit' ELSE '' END,
                  CASE WHEN with_unit THEN ', grid' ELSE '' END, lo, hi);

-- ---------------------------------------------------------------------
-- Part A: intake
-- ---------------------------------------------------------------------
\echo
\echo '== A. intake: INSERT ... SELECT of location, category, severity, channel, reported_at'
\echo '   engine:   gridgov.cases with its C triggers'
\echo '   PL/pgSQL: plpg.cases with the triggers of tests/bench/case_plpgsql.sql'
\echo '   plain:    plain.cases, gridgov.cases without its triggers: the same columns (defaults, CHECKs,'
\echo '             generated cell) and indexes, no foreign key; unit stays NULL and district is 440311, as nothing routes'
\echo '   each batch is one statement and one transaction (COMMIT timed); the order of the three'
\echo '   rotates from batch to batch; ANALYZE between batches, untimed'
SELECT CASE WHEN rolsuper OR pg_has_role('pg_checkpoint', 'member') THEN 'CHECKPOINT' END
  FROM pg_roles WHERE rolname = current_user
\gexec
SELECT cmd FROM (
    SELECT b, m.k AS ord,
           format('CALL bench.timed(%L, %L, %s, 1, %L)', 'intake', m.method, b,
                  bench.intake(m.target, (b - 1) * p.batch_rows, b * p.batch_rows)) AS cmd
      FROM bench.param p, generate_series(1, p.batches) b,
           LATERAL (SELECT t.method, t.target, (t.i + b) % 3 AS k
                      FROM (VALUES (0, 'engine', 'gridgov.cases'), (1, 'PL/pgSQL', 'plpg.cases'),
                                   (2, 'plain', 'plain.cases')) t(i, method, target)
                     WHERE t.method <> 'PL/pgSQL' OR b <= p.plpgsql_batches) m
    UNION ALL
    SELECT b, 3, 'CALL bench.analyze(''gridgov.cases'', ''gridgov.case_history'', ''plpg.cases'', ''plpg.case_history'', ''plain.cases'')'
      FROM bench.param p, generate_series(1, p.batches) b
    UNION ALL
    SELECT b, 4, format($q$
           SELECT format('   batch %%s/%%s: %%s', %1$s, %2$s,
                         string_agg(format('%%s %%s rows/s', method, bench.rate(rows, secs::numeric)), ' · ' ORDER BY method))
             FROM bench.timing WHERE part = 'intake' AND batch = %1$s $q$, b, p.batches)
      FROM bench.param p, generate_series(1, p.batches) b) c
 ORDER BY b, ord
\gexec

-- Every linked_cases array the engine stored must be a bigint[]: compared
-- with an empty bigint[], an array whose header names another element type
-- raises an error (array_eq checks the types before reading anything).
-- Ranges that raise are halved until the cases are found.
CREATE FUNCTION bench.bad_arrays(lo bigint, hi bigint) RETURNS bigint[]
    LANGUAGE plpgsql
AS $$
BEGIN
    IF lo > hi THEN
        RETURN '{}';
    END IF;
    BEGIN
        PERFORM count(*) FROM gridgov.cases WHERE id BETWEEN lo AND hi AND linked_cases = '{}'::bigint[];
        RETURN '{}';
    EXCEPTION WHEN OTHERS THEN
        IF lo = hi THEN
            RETURN ARRAY[lo];
        END IF;
    END;
    RETURN bench.bad_arrays(lo, (lo + hi) / 2) || bench.bad_arrays((lo + hi) / 2 + 1, hi);
END;
$$;
CREATE TABLE bench.bad_ids AS SELECT unnest(bench.bad_arrays(0, (SELECT max(id) FROM gridgov.cases))) AS id;
SELECT format('CALL bench.fail(%L, %L)', 'intake',
              format('the engine stored %s corrupt linked_cases arrays (header not naming bigint as the element type), in cases %s',
                     count(*), string_agg(b.id || format(' (%s bytes, batch %s, row %s of the batch)', pg_column_size(c.linked_cases),
                                                         (b.id - 1) / p.batch_rows + 1, (b.id - 1) % p.batch_rows + 1), ', ' ORDER BY b.id)))
  FROM bench.bad_ids b JOIN gridgov.cases c ON c.id = b.id, bench.param p
HAVING count(*) > 0
\gexec

-- Do the engine and PL/pgSQL agree?  Every case PL/pgSQL inserted is
-- compared with the engine's case of the same id (both tables' identities
-- count from 1 in the same order); the input columns show they line up.
\echo
\echo '   checking that the engine and PL/pgSQL agree on every case both inserted ...'
SET work_mem = '256MB';
CREATE TABLE bench.intake_diff AS
SELECT g.id,
       (g.category, g.channel, g.reported_at, ST_AsEWKB(g.location)) IS DISTINCT FROM
           (p.category, p.channel, p.reported_at, ST_AsEWKB(p.location)) AS misaligned,
       array_remove(ARRAY[
           CASE WHEN g.unit::bigint IS DISTINCT FROM p.unit::bigint THEN 'unit' END,
           CASE WHEN g.district::bigint IS DISTINCT FROM p.district::bigint THEN 'district' END,
           CASE WHEN g.handling_level IS DISTINCT FROM p.handling_level THEN 'handling_level' END,
           CASE WHEN g.service_point IS DISTINCT FROM p.service_point THEN 'service_point' END,
           CASE WHEN g.stage_deadline IS DISTINCT FROM p.stage_deadline THEN 'stage_deadline' END,
           CASE WHEN g.severity IS DISTINCT FROM p.severity THEN 'severity' END,
           CASE WHEN g.reported_severity IS DISTINCT FROM p.reported_severity THEN 'reported_severity' END,
           CASE WHEN g.warning IS DISTINCT FROM p.warning THEN 'warning' END,
           CASE WHEN g.linked_cases IS DISTINCT FROM p.linked_cases THEN 'linked_cases' END,
           CASE WHEN g.escalation_trigger IS DISTINCT FROM p.escalation_trigger OR g.escalations <> p.escalations THEN 'escalation' END,
           CASE WHEN (g.stage, g.stage_limit_unit, g.stage_started_at) IS DISTINCT FROM (p.stage, p.stage_limit_unit, p.stage_started_at) THEN 'stage' END,
           CASE WHEN g.history_hash IS DISTINCT FROM p.history_hash THEN 'history_hash' END], NULL) AS differs,
       CASE WHEN g.unit::bigint IS DISTINCT FROM p.unit::bigint OR g.handling_level IS DISTINCT FROM p.handling_level
                 OR g.service_point IS DISTINCT FROM p.service_point OR g.stage_deadline IS DISTINCT FROM p.stage_deadline
                 OR g.severity IS DISTINCT FROM p.severity OR g.warning IS DISTINCT FROM p.warning
            THEN format('engine: unit %s level %s point %s deadline %s severity %s warning %s; '
                        'PL/pgSQL: unit %s level %s point %s deadline %s severity %s warning %s',
                        g.unit, g.handling_level, g.service_point, g.stage_deadline, g.severity, g.warning,
                        p.unit, p.handling_level, p.service_point, p.stage_deadline, p.severity, p.warning) END AS detail
  FROM gridgov.cases g JOIN plpg.cases p ON p.id = g.id
 WHERE g.id NOT IN (SELECT id FROM bench.bad_ids);
RESET work_mem;
DO $$
DECLARE
    compared bigint;
    bad bigint;
    first_bad text;
    history_bad bigint;
BEGIN
    SELECT count(*), count(*) FILTER (WHERE misaligned OR cardinality(differs) > 0) INTO compared, bad FROM bench.intake_diff;
    IF compared + (SELECT count(*) FROM bench.bad_ids) < (SELECT count(*) FROM plpg.cases) OR compared = 0 THEN
        CALL bench.fail('intake', format('only %s of the %s PL/pgSQL cases have an engine case of the same id',
                                         compared, (SELECT count(*) FROM plpg.cases)));
    END IF;
    IF bad > 0 THEN
        SELECT string_agg(format('case %s: %s (%s)', id,
                                 CASE WHEN misaligned THEN 'input differs' ELSE array_to_string(differs, ', ') END, detail),
                          E'\n' ORDER BY id)
          INTO first_bad
          FROM (SELECT * FROM bench.intake_diff WHERE misaligned OR cardinality(differs) > 0 ORDER BY id LIMIT 5) d;
        CALL bench.fail('intake', format(E'the engine and PL/pgSQL disagree on %s of %s cases; the first:\n%s',
                                         bad, compared, first_bad));
    END IF;
    -- the history rows too, on the first 2,000 cases
    SELECT count(*) INTO history_bad
      FROM (SELECT * FROM gridgov.case_history WHERE case_id <= 2000) g
      FULL JOIN (SELECT * FROM plpg.case_history WHERE case_id <= 2000) p ON p.case_id = g.case_id AND p.seq = g.seq
     WHERE (g.hash, g.content, g.at, g.action, g.to_status, g.handling_level, g.service_point)
           IS DISTINCT FROM (p.hash, p.content, p.at, p.action, p.to_status, p.handling_level, p.service_point);
    IF history_bad > 0 THEN
        CALL bench.fail('intake', format('%s history rows of the first 2,000 cases differ between the engine and PL/pgSQL',
                                         history_bad));
    END IF;
END;
$$;
SELECT CASE WHEN NOT EXISTS (SELECT FROM bench.failure WHERE part = 'intake')
            THEN format(E'   agreed: all %s cases PL/pgSQL inserted have the same unit, district, handling_level, service_point,\n'
                        '   stage_deadline, severity, reported_severity, warning, linked_cases, escalation, stage and history hash\n'
                        '   as the engine''s; history rows of the first 2,000 cases identical',
                        to_char(count(*), 'FM999,999,999'))
            ELSE (SELECT string_agg('   CHECK FAILED: ' || what, E'\n' ORDER BY at) FROM bench.failure WHERE part = 'intake') END
  FROM bench.intake_diff;
SELECT format('   what the engine did: early warning (%s) raised %s%% of cases (%s reports of a category per grid in such a window on average);',
              (SELECT string_agg(format('%s: %s reports in %s', coalesce(category, 'any category'), threshold, time_window), ', ')
                 FROM gridgov.warning_rule),
              round(100.0 * count(*) FILTER (WHERE warning) / count(*), 1),
              round(count(*)::numeric / (418 * 11) / (90.0 / extract(epoch FROM (SELECT time_window FROM gridgov.warning_rule WHERE category IS NULL)) * 86400), 1))
  FROM gridgov.cases;
SELECT format('   handled at community %s%%, subdistrict %s%%, district %s%%; escalated at intake %s%%',
              round(100.0 * count(*) FILTER (WHERE handling_level = 5) / count(*), 1),
              round(100.0 * count(*) FILTER (WHERE handling_level = 4) / count(*), 1),
              round(100.0 * count(*) FILTER (WHERE handling_level = 3) / count(*), 1),
              round(100.0 * count(*) FILTER (WHERE escalation_trigger = 'severity') / count(*), 1))
  FROM gridgov.cases;

-- ---------------------------------------------------------------------
-- Part A, breakdown: rows of the held-out batch inserted into the full
-- tables, each variant rolled back, VACUUM before each; runs rounds of all
-- variants, medians reported.  From the plain insert up to the full
-- engine, one part added at a time; then PL/pgSQL with and without the
-- point lookup, on the same rows.
-- ---------------------------------------------------------------------
\echo
SELECT format('== A. breakdown of the engine''s time: %s held-out cases, each variant rolled back, VACUUM before each,',
              to_char(breakdown_rows, 'FM999,999,999'))
       || E'\n' || format('   median of %s rounds; costs per row in the backend''s CPU time (wall clock in brackets)', runs)
  FROM bench.param;
SELECT CASE WHEN rolsuper OR pg_has_role('pg_checkpoint', 'member') THEN 'CHECKPOINT' END
  FROM pg_roles WHERE rolname = current_user
\gexec
-- The engine has no switch for early warning (with warning_rule empty its
-- built-in rule holds), so "no early warning" is a rule that matches
-- nothing: the index probe still runs, and finds no earlier case.
CREATE FUNCTION bench.no_warning() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY['DELETE FROM gridgov.warning_rule',
                 'INSERT INTO gridgov.warning_rule (category, time_window, threshold) VALUES (NULL, ''1 microsecond'', 1000)'];
CREATE TABLE bench.ladder (step integer, label text, target text, stmt text, setup text[]);
INSERT INTO bench.ladder
SELECT s.step, s.label, s.target, s.stmt, s.setup
  FROM bench.param p,
       LATERAL (VALUES
    (0, 'bare table: the same columns, a primary key, nothing else', 'bare.cases',
        bench.intake('bare.cases', p.scale, p.scale + p.breakdown_rows), '{}'::text[]),
    (1, format('engine table, triggers off: full rows and its %s indexes',
               (SELECT count(*) FROM pg_index WHERE indrelid = 'gridgov.cases'::regclass)), 'gridgov.cases',
        format('INSERT INTO gridgov.cases (district, unit, category, severity, reported_severity, channel, location, status,'
               ' handling_level, service_point, stage, stage_started_at, stage_deadline, stage_limit_unit, reported_at,'
               ' escalations, linked_cases, warning, actor, moved_at, last_action, escalation_trigger, history_seq, history_hash,'
               ' history_content)'
               ' SELECT district, unit, category, severity, reported_severity, channel, location, status,'
               ' handling_level, service_point, stage, stage_started_at, stage_deadline, stage_limit_unit, reported_at,'
               ' escalations, linked_cases, warning, actor, moved_at, last_action, escalation_trigger, history_seq, history_hash,'
               ' history_content'
               ' FROM gridgov.cases WHERE id > %s AND id <= %s AND id NOT IN (SELECT id FROM bench.bad_ids) ORDER BY id',
               p.scale - p.breakdown_rows, p.scale),
        ARRAY['ALTER TABLE gridgov.cases DISABLE TRIGGER USER']),
    (2, '+ BEFORE trigger: rule, route, deadline, hash (unit given, no earlier cases)', 'gridgov.cases',
        bench.intake('gridgov.cases', p.scale, p.scale + p.breakdown_rows, true),
        ARRAY['ALTER TABLE gridgov.cases DISABLE TRIGGER gridgov_case_intake_history',
              'ALTER TABLE gridgov.cases DISABLE TRIGGER gridgov_rollup_insert'] || bench.no_warning()),
    (3, format('+ AFTER trigger: history rows, NOTIFY, the %s foreign keys held',
               (SELECT count(*) FROM pg_constraint WHERE conrelid = 'gridgov.cases'::regclass AND contype = 'f')), 'gridgov.cases',
        bench.intake('gridgov.cases', p.scale, p.scale + p.breakdown_rows, true),
        ARRAY['ALTER TABLE gridgov.cases DISABLE TRIGGER gridgov_rollup_insert'] || bench.no_warning()),
    (4, '+ the rollups'' change log: the statement''s (day, unit) pairs noted', 'gridgov.cases',
        bench.intake('gridgov.cases', p.scale, p.scale + p.breakdown_rows, true), bench.no_warning()),
    (5, '+ early warning: the demo''s rule, its earlier cases fetched and linked', 'gridgov.cases',
        bench.intake('gridgov.cases', p.scale, p.scale + p.breakdown_rows, true), '{}'::text[]),
    (6, '+ point lookup: location instead of unit = the full engine', 'gridgov.cases',
        bench.intake('gridgov.cases', p.scale, p.scale + p.breakdown_rows), '{}'::text[]),
    (7, 'PL/pgSQL, unit given (no point lookup)', 'plpg.cases',
        bench.intake('plpg.cases', p.scale, p.scale + p.breakdown_rows, true), '{}'::text[]),
    (8, 'PL/pgSQL, as in the main run', 'plpg.cases',
        bench.intake('plpg.cases', p.scale, p.scale + p.breakdown_rows), '{}'::text[])) s(step, label, target, stmt, setup);
SELECT 'VACUUM ' || CASE l.target WHEN 'bare.cases' THEN 'bare.cases' WHEN 'plpg.cases' THEN 'plpg.cases, plpg.case_history'
                         ELSE 'gridgov.cases, gridgov.case_history' END,
       format('CALL bench.timed(%L, %L, %s, %s, %L, false, %L)', 'breakdown', l.label, l.step, r, l.stmt, l.setup)
  FROM bench.ladder l, bench.param p, generate_series(1, p.runs) r
 ORDER BY r, l.step
\gexec
CREATE TABLE bench.step AS
SELECT l.step, l.label, max(b.rows) AS rows,
       bench.median(array_agg(b.secs)) / max(b.rows) AS wall,
       bench.median(array_agg(b.cpu)) / max(b.rows) AS cpu,
       coalesce(bench.median(array_agg(b.cpu)), bench.median(array_agg(b.secs))) / max(b.rows) AS cost
  FROM bench.ladder l JOIN bench.timing b ON b.part = 'breakdown' AND b.batch = l.step
 GROUP BY l.step, l.label;
SELECT format('   %s %s µs (%s)  %s  %s', rpad(s.label, 76), lpad(to_char(1e6 * s.cpu, 'FM9,990.0'), 7),
              lpad(to_char(1e6 * s.wall, 'FM9,990.0'), 7),
              lpad(bench.x(s.cost::numeric, z.cost::numeric), 7) || ' bare',
              CASE WHEN s.step BETWEEN 1 AND 6
                   THEN format('adds %s µs = %s%% of the engine', lpad(to_char(1e6 * (s.cost - prev.cost), 'FM990.0'), 6),
                               lpad(to_char(100 * (s.cost - prev.cost) / e.cost, 'FM990'), 3)) ELSE '' END)
  FROM bench.step s
  JOIN bench.step z ON z.step = 0
  JOIN bench.step e ON e.step = 6
  LEFT JOIN bench.step prev ON prev.step = s.step - 1
 ORDER BY s.step;
SELECT format('   engine / PL/pgSQL throughput on these rows: %s with the point lookup, %s with the unit given;',
              bench.x(p7.cost::numeric, e5.cost::numeric), bench.x(p6.cost::numeric, e4.cost::numeric))
       || E'\n' || format('   the point lookup costs the engine %s µs a row and PL/pgSQL %s µs',
                          to_char(1e6 * (e5.cost - e4.cost), 'FM990.0'), to_char(1e6 * (p7.cost - p6.cost), 'FM990.0'))
  FROM bench.step e4, bench.step e5, bench.step p6, bench.step p7
 WHERE e4.step = 5 AND e5.step = 6 AND p6.step = 7 AND p7.step = 8;

-- ---------------------------------------------------------------------
-- Part B: the escalation sweep
-- ---------------------------------------------------------------------
\echo
\echo '== B. the escalation sweep'
-- Every case is accepted through the engine (a set-based UPDATE of status;
-- the C triggers start the dispatch stage and append a history row), at a
-- time 10 to 78 working minutes after its report.
SET gridgov.actor = '受理员';
CALL bench.timed('moves', 'accept through the engine (one UPDATE of every case)', 0, 1,
                 'UPDATE gridgov.cases c SET status = ''accepted'', moved_at = gridgov.add_working_time(c.reported_at, 600 + (hashint8(c.id) & 4095)) WHERE c.status = ''reported''');
RESET gridgov.actor;
SELECT format('   %s: %s rows, %s rows/s', method, to_char(rows, 'FM999,999,999'), bench.rate(rows, secs::numeric))
  FROM bench.timing WHERE part = 'moves';
VACUUM gridgov.cases, gridgov.case_history;
CALL bench.analyze('gridgov.cases', 'gridgov.case_history');

-- as_of: just after the deadline of the overdue-th escalatable case
CREATE TABLE bench.sweep AS
SELECT d.deadline + interval '1 microsecond' AS as_of,
       (SELECT min(stage_deadline) FROM gridgov.cases) - interval '1 hour' AS as_of_empty
  FROM bench.param p,
       LATERAL (SELECT stage_deadline AS deadline FROM gridgov.cases
                 WHERE status IN ('accepted', 'dispatched', 'returned', 'in_progress') AND suspended_at IS NULL
                   AND handling_level > 3
                 ORDER BY stage_deadline OFFSET p.overdue - 1 LIMIT 1) d;
SELECT format('   open cases: %s (all accepted, with a dispatch deadline); as_of = %s', to_char(count(*), 'FM999,999,999'), s.as_of)
  FROM gridgov.cases, bench.sweep s
 WHERE status IN ('accepted', 'dispatched', 'returned', 'in_progress') GROUP BY s.as_of;
SELECT format('   past their deadline at as_of: %s, of which %s below district level (escalated) and %s at district level (cannot climb)',
              to_char(count(*), 'FM999,999,999'), to_char(count(*) FILTER (WHERE handling_level > 3), 'FM999,999,999'),
              to_char(count(*) FILTER (WHERE handling_level = 3), 'FM999,999,999'))
  FROM gridgov.cases, bench.sweep s
 WHERE status IN ('accepted', 'dispatched', 'returned', 'in_progress') AND suspended_at IS NULL AND stage_deadline < s.as_of;

-- The set-based alternative: one statement that locks the due cases,
-- routes each one level up, sets the new resolve deadline, chains the hash,
-- appends the history rows and notifies.  It runs on the same tables with
-- the engine's triggers disabled, in a transaction that is rolled back.
-- Two deadline functions: gridgov's C calendar, and the PL/pgSQL one of
-- case_plpgsql.sql (what a user without gridgov's engine has).
-- what it runs first: the engine's triggers off, and the history open to it
CREATE FUNCTION bench.set_based_setup() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    RETURN ARRAY['ALTER TABLE gridgov.cases DISABLE TRIGGER USER',
                 'ALTER TABLE gridgov.case_history DISABLE TRIGGER gridgov_history_written_by_engine'];
CREATE FUNCTION bench.set_based_sweep(as_of timestamptz, deadline_fn text) RETURNS text
    LANGUAGE sql STABLE
    RETURN format($sweep$
WITH due AS (
    SELECT c.id, c.district, c.unit, c.category, c.severity, c.status, c.handling_level,
           c.stage_deadline, c.moved_at, c.history_seq, c.history_hash, c.history_content
      FROM gridgov.cases c
     WHERE c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
       AND c.suspended_at IS NULL
       AND c.stage_deadline < %1$L::timestamptz
       AND c.moved_at < %1$L::timestamptz
       AND c.handling_level > 3
       FOR UPDATE OF c SKIP LOCKED
), routed AS (
    SELECT d.*, %1$L::timestamptz AS at,
           'deadline ' || d.stage_deadline || ' missed' AS note,
           coalesce(nullif(current_setting('gridgov.actor', true), ''), current_user) AS actor,
           sp.id AS to_point, sp.level AS to_level, r.resolve_limit, r.limit_unit
      FROM due d
      JOIN gridgov.category cat ON cat.code = d.category
     CROSS JOIN LATERAL (SELECT r.resolve_limit, r.limit_unit FROM gridgov.category_rule r
                          WHERE r.category = d.category AND r.severity <= d.severity
                          ORDER BY r.severity DESC LIMIT 1) r
     CROSS JOIN LATERAL (SELECT sp.id, sp.level FROM gridgov.service_point sp
                          WHERE sp.unit OPERATOR(gridgov.@>) d.unit
                            AND sp.level <= CASE WHEN cat.department IS NULL THEN d.handling_level - 1
                                                 ELSE least(d.handling_level - 1, 4) END
                            AND sp.department IS NOT DISTINCT FROM cat.department
                          ORDER BY sp.level DESC LIMIT 1) sp
), linked AS (
    SELECT r.*, %2$s(r.at, r.resolve_limit, r.limit_unit) AS deadline,
           plpg.link_hash(r.history_hash, r.id, r.history_seq + 1, r.at, r.actor, 'escalate', r.status,
                          'dispatched', r.to_level, r.to_point, 'overdue', r.note, r.history_content) AS hash
      FROM routed r
), moved AS (
    UPDATE gridgov.cases c
       SET status = 'dispatched', handling_level = l.to_level, service_point = l.to_point,
           escalations = c.escalations + 1, deadlines_missed = c.deadlines_missed + 1,
           escalation_trigger = 'overdue', note = l.note,
           dispatched_at = l.at, stage = 'resolve', stage_started_at = l.at, stage_deadline = l.deadline,
           stage_limit_unit = l.limit_unit, stage_paused_seconds = 0, actor = l.actor,
           last_action = 'escalate', moved_at = l.at, history_seq = l.history_seq + 1, history_hash = l.hash
      FROM linked l
     WHERE c.id = l.id
    RETURNING c.district, c.id, c.history_seq, c.moved_at, c.actor, l.status AS from_status, c.status,
              c.handling_level, c.service_point, c.note, c.history_hash, c.history_content
), logged AS (
    INSERT INTO gridgov.case_history (district, case_id, seq, at, actor, action, from_status, to_status,
                                      handling_level, service_point, escalation_trigger, note, hash, content)
    SELECT district, id, history_seq, moved_at, actor, 'escalate', from_status, status,
           handling_level, service_point, 'overdue', note, history_hash, history_content
      FROM moved
    RETURNING case_id, seq, from_status, to_status
)
SELECT count(*) FROM (
    SELECT pg_notify('gridgov_case', json_build_object(
               'case', case_id, 'seq', seq, 'action', 'escalate', 'from', from_status, 'to', to_status)::text)
      FROM logged) notified
$sweep$, as_of, deadline_fn);

-- what a sweep did: the escalated cases and their new history rows
CREATE TABLE bench.sweep_check AS SELECT $check$
SELECT format('%s cases, %s history rows, %s / %s',
              c.n, h.n, c.digest, h.digest)
  FROM (SELECT count(*) AS n,
               md5(string_agg(concat_ws('/', id, status, handling_level, service_point, stage, stage_started_at,
                                        stage_deadline, stage_limit_unit, escalations, deadlines_missed, escalation_trigger, note,
                                        moved_at, actor, history_seq, encode(history_hash, 'hex')), ',' ORDER BY id)) AS digest
          FROM gridgov.cases WHERE last_action = 'escalate') c,
       (SELECT count(*) AS n,
               md5(string_agg(concat_ws('/', case_id, seq, at, actor, from_status, to_status, handling_level,
                                        service_point, escalation_trigger, note, encode(hash, 'hex')), ',' ORDER BY case_id)) AS digest
          FROM gridgov.case_history WHERE action = 'escalate') h
$check$::text AS sql;

SELECT CASE WHEN rolsuper OR pg_has_role('pg_checkpoint', 'member') THEN 'CHECKPOINT' END
  FROM pg_roles WHERE rolname = current_user
\gexec
SELECT format('   sweeping, %s rounds: the set-based statement with each deadline function and gridgov.escalate_overdue(),', runs)
       || E'\n' || '   each rolled back, VACUUM before each; then gridgov.escalate_overdue() once more, committed'
  FROM bench.param;
SELECT c.cmd FROM (
    SELECT r, v.i, 'VACUUM gridgov.cases, gridgov.case_history' AS cmd, 0 AS k
      FROM bench.param p, generate_series(1, p.runs + 1) r,
           (VALUES (1), (2), (3)) v(i)
     WHERE r <= p.runs OR v.i = 3
    UNION ALL
    SELECT r, v.i,
           format('CALL bench.timed(%L, %L, 1, %s, %L, %L, %L, %L)', 'sweep', v.method, r,
                  CASE WHEN v.fn IS NULL THEN format('SELECT count(*) FROM gridgov.escalate_overdue(%L)', s.as_of)
                       ELSE bench.set_based_sweep(s.as_of, v.fn) END,
                  r > p.runs,
                  CASE WHEN v.fn IS NULL THEN '{}' ELSE bench.set_based_setup() END,
                  c.sql), 1
      FROM bench.param p, bench.sweep s, bench.sweep_check c, generate_series(1, p.runs + 1) r,
           (VALUES (1, 'set-based SQL, gridgov.deadline() (C calendar)', 'gridgov.deadline'),
                   (2, 'set-based SQL, plpg.deadline() (PL/pgSQL calendar)', 'plpg.deadline'),
                   (3, 'engine: gridgov.escalate_overdue()', NULL)) v(i, method, fn)
     WHERE r <= p.runs OR v.i = 3) c
 ORDER BY c.r, c.i, c.k
\gexec
DO $$
DECLARE
    engine text := (SELECT check_value FROM bench.timing WHERE part = 'sweep' AND method LIKE 'engine%'
                     ORDER BY run DESC LIMIT 1);
    other record;
BEGIN
    FOR other IN SELECT method, run, check_value FROM bench.timing WHERE part = 'sweep' ORDER BY at LOOP
        IF other.check_value IS DISTINCT FROM engine THEN
            CALL bench.fail('sweep', format('the sweeps disagree: engine (committed run): %s; %s, round %s: %s',
                                            engine, other.method, other.run, other.check_value));
        END IF;
    END LOOP;
END;
$$;
SELECT CASE WHEN NOT EXISTS (SELECT FROM bench.failure WHERE part = 'sweep')
            THEN format(E'   agreed: every run of the engine and of both set-based statements escalated the same %s\n'
                        '   (same new level, service point, deadline, note, actor and hash on every case, identical history rows)',
                        split_part(check_value, ',', 1))
            ELSE (SELECT string_agg('   CHECK FAILED: ' || what, E'\n' ORDER BY at) FROM bench.failure WHERE part = 'sweep') END
  FROM bench.timing WHERE part = 'sweep' AND method LIKE 'engine%' ORDER BY run DESC LIMIT 1;
CREATE TABLE bench.sweep_result AS
SELECT method, max(rows) AS rows, bench.median(array_agg(secs)) AS secs, bench.median(array_agg(cpu)) AS cpu,
       coalesce(bench.median(array_agg(cpu)), bench.median(array_agg(secs))) AS cost, count(*) AS runs
  FROM bench.timing WHERE part = 'sweep' GROUP BY method;
SELECT format('   %s  %s s (%s s wall)  %s rows/s  median of %s', rpad(method, 52),
              lpad(to_char(cpu, 'FM990.000'), 7), to_char(secs, 'FM990.000'), lpad(bench.rate(rows, secs::numeric), 7), runs)
  FROM bench.sweep_result ORDER BY cost;

-- nothing due: right after the sweep, at the same as_of (the district-level
-- overdue cases are still in the due index's range), and at an as_of
-- before every deadline (the range is empty)
VACUUM gridgov.cases;
CALL bench.analyze('gridgov.cases');
SELECT format('CALL bench.timed(%L, %L, %s, %s, %L, false, %L)', 'idle', v.method, v.i, r, v.stmt, v.setup)
  FROM bench.sweep s, generate_series(1, 7) r,
       LATERAL (VALUES (1, 'engine, same as_of', format('SELECT count(*) FROM gridgov.escalate_overdue(%L)', s.as_of), '{}'),
                       (2, 'set-based (C calendar), same as_of', bench.set_based_sweep(s.as_of, 'gridgov.deadline'),
                        bench.set_based_setup()),
                       (3, 'engine, as_of before every deadline', format('SELECT count(*) FROM gridgov.escalate_overdue(%L)', s.as_of_empty), '{}'))
               v(i, method, stmt, setup)
 ORDER BY r, v.i
\gexec
\echo '   nothing due (median of 7):'
SELECT format('   %s  %s ms  (%s rows escalated)', rpad(method, 52), lpad(to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) * 1000, 'FM99,990.00'), 9), max(rows))
  FROM bench.timing WHERE part = 'idle' GROUP BY method ORDER BY min(at);

-- ---------------------------------------------------------------------
-- Summary
-- ---------------------------------------------------------------------
\echo
\echo '== summary (ratios of costs per row; wall clock, and the backend''s CPU time, which other work on the machine disturbs less)'
CREATE TABLE bench.intake_total AS
SELECT method, sum(rows) AS rows, sum(secs)::numeric AS secs, sum(cpu)::numeric AS cpu,
       sum(rows) FILTER (WHERE batch <= (SELECT plpgsql_batches FROM bench.param)) AS rows_p,
       sum(secs) FILTER (WHERE batch <= (SELECT plpgsql_batches FROM bench.param))::numeric AS secs_p,
       sum(cpu) FILTER (WHERE batch <= (SELECT plpgsql_batches FROM bench.param))::numeric AS cpu_p
  FROM bench.timing WHERE part = 'intake' GROUP BY method;
WITH e AS (SELECT * FROM bench.intake_total WHERE method = 'engine'),
     p AS (SELECT * FROM bench.intake_total WHERE method = 'PL/pgSQL'),
     n AS (SELECT * FROM bench.intake_total WHERE method = 'plain')
SELECT format(E'intake of %s cases, rows/s (wall): engine %s, PL/pgSQL %s%s, plain %s\n'
              'engine / PL/pgSQL throughput: %s wall, %s CPU   (target >= 3x: %s)\n'
              'engine / plain cost:          %s wall, %s CPU   (target <= 2.5x: %s)',
              to_char(e.rows, 'FM999,999,999'), bench.rate(e.rows, e.secs), bench.rate(p.rows, p.secs),
              CASE WHEN p.rows < e.rows THEN format(' (its %s cases)', to_char(p.rows, 'FM999,999,999')) ELSE '' END,
              bench.rate(n.rows, n.secs),
              bench.x(p.secs_p / p.rows_p, e.secs_p / e.rows_p), bench.x(p.cpu_p / p.rows_p, e.cpu_p / e.rows_p),
              CASE WHEN (p.secs_p / p.rows_p) / (e.secs_p / e.rows_p) >= 3 THEN 'met' ELSE 'MISSED' END,
              bench.x(e.secs / e.rows, n.secs / n.rows), bench.x(e.cpu / e.rows, n.cpu / n.rows),
              CASE WHEN (e.secs / e.rows) / (n.secs / n.rows) <= 2.5 THEN 'met' ELSE 'MISSED' END)
  FROM e, p, n;
SELECT format(E'  for reference, breakdown rows: engine / its own table with the triggers off: %s;\n'
              '  engine / a bare table (the same columns, a primary key, nothing else): %s',
              bench.x(e.cost::numeric, t.cost::numeric), bench.x(e.cost::numeric, z.cost::numeric))
  FROM bench.step e, bench.step t, bench.step z WHERE e.step = 6 AND t.step = 1 AND z.step = 0;
WITH s AS (SELECT * FROM bench.sweep_result),
     e AS (SELECT * FROM s WHERE method LIKE 'engine%')
SELECT format(E'sweep of %s due cases among %s open, time of the set-based statement / time of the engine (median):\n'
              '  with gridgov.deadline(): %s wall, %s CPU;  with the PL/pgSQL deadline: %s wall, %s CPU',
              to_char(e.rows, 'FM999,999,999'), to_char((SELECT scale FROM bench.param), 'FM999,999,999'),
              bench.x(c.secs::numeric, e.secs::numeric), bench.x(c.cpu::numeric, e.cpu::numeric),
              bench.x(p.secs::numeric, e.secs::numeric), bench.x(p.cpu::numeric, e.cpu::numeric))
  FROM e, s c, s p WHERE c.method LIKE '%C calendar%' AND p.method LIKE '%PL/pgSQL calendar%';
SELECT format('nothing due: the engine''s sweep takes %s ms (same as_of, %s district-level overdue cases in the range), %s ms (empty range)',
              (SELECT to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) * 1000, 'FM990.00') FROM bench.timing WHERE part = 'idle' AND batch = 1),
              (SELECT to_char(count(*), 'FM999,999,999') FROM gridgov.cases, bench.sweep s
                WHERE status IN ('accepted', 'dispatched', 'returned', 'in_progress') AND suspended_at IS NULL
                  AND stage_deadline < s.as_of),
              (SELECT to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) * 1000, 'FM990.00') FROM bench.timing WHERE part = 'idle' AND batch = 3));
SELECT 'FAILED CHECKS (the run went on because GRIDGOV_BENCH_CONTINUE=1):' || E'\n' || string_agg('  ' || what, E'\n' ORDER BY at)
  FROM bench.failure HAVING count(*) > 0;
DO $$
BEGIN
    IF EXISTS (SELECT FROM bench.failure) THEN
        RAISE EXCEPTION 'case_bench: % check(s) failed', (SELECT count(*) FROM bench.failure);
    END IF;
END;
$$;
