-- People benchmark: two coverage questions over a synthetic province
-- (tests/bench/people_bench_data.sql: the real Guangdong tree, about
-- 205,000 generated grids and 615,000 buildings, 1,000,000 people), asked
-- for the province, a city (Shenzhen, 4403), a district (Guangming,
-- 440311) and a community (根竹园, 440311006003), on 2026-01-15:
--
--   Q1 grids without a party member: the grids under the root where no
--      party member is placed (on the grid, on a building in it, or in an
--      organization covering one of them)
--   Q2 people under each community: per village under the root, the
--      people placed under it and how many of them are party members
--
-- each in the ways a user would write it:
--
--   gridgov    grids_without_party_members(root, day) and
--              people_by_unit(root, 5, day), which read the coverage that
--              the triggers keep (grid_party_days, community_headcount)
--              and no post
--   int8       the same queries over copies of the tables whose codes are
--              plain bigint: BETWEEN over precomputed bounds, and the
--              ancestor as arithmetic (unit - unit % 10^4); the floor (its
--              codes are shown as text through gridcode, for the check)
--   cte        (Q2) without codes that know their ancestors: a recursive CTE
--              down the organizations' own tree, from each community party
--              committee, counting the people posted in it
--   like       (Q1) codes as text, "under" as a join on text prefixes:
--              p.unit LIKE g.code || '%' (with the root's prefix as a
--              constant too, so that an index narrows it); district and
--              community only, since it grows with grids times posts
--   prefix     codes as text, for a user who knows the code layout: the
--              ancestor as left(code, 15) or left(code, 12), hash joined
--
-- Every method's rows are checked against gridgov's, root by root.  The
-- timing is done twice, at the server's default settings and with
-- jit = off, and prints the ratios against the targets: cte and like at
-- least 5 times gridgov's time, gridgov at most 1.5 times int8's.  Times
-- are taken in the server (clock_timestamp() around EXECUTE, planning
-- included, result consumed by an aggregate in the same statement).  The
-- warm-up run also makes gridgov's two functions keep their generic plan
-- (docs/people.md, "How they run"), so the timed runs plan only the call;
-- the plain queries are planned at every run, as a client sends them.
--
-- psql variables: runs (timed runs per query, default 3; the median is
-- reported).
\set ON_ERROR_STOP on
\if :{?runs}
\else
\set runs 3
\endif
SET client_min_messages = warning;
SET search_path = public, gridgov;
\pset footer off

-------------------------------------------------------------------------------
-- The other methods' tables, copied from gridgov's, with the indexes a user
-- would make.
-------------------------------------------------------------------------------
\echo 'copying the tables for the int8 and text methods ...'
CREATE TABLE i_unit AS SELECT code::bigint AS code, level, name, valid_to FROM gridgov.unit;
ALTER TABLE i_unit ADD PRIMARY KEY (code);
CREATE TABLE i_post AS SELECT id, person, role, organization, unit::bigint AS unit, valid FROM gridgov.post;
CREATE INDEX ON i_post (unit);
CREATE INDEX ON i_post (organization);
CREATE TABLE i_org_unit AS SELECT organization, unit::bigint AS unit, valid FROM gridgov.organization_unit;
CREATE INDEX ON i_org_unit (unit);
CREATE INDEX ON i_org_unit (organization);

CREATE TABLE t_unit AS SELECT code::text AS code, level, name, valid_to FROM gridgov.unit;
ALTER TABLE t_unit ADD PRIMARY KEY (code);
CREATE INDEX ON t_unit (code text_pattern_ops);
CREATE TABLE t_post AS SELECT id, person, role, organization, unit::text AS unit, valid FROM gridgov.post;
CREATE INDEX ON t_post (unit text_pattern_ops);
CREATE INDEX ON t_post (organization);
CREATE TABLE t_org AS SELECT id, kind, parent, anchor::text AS anchor, valid FROM gridgov.organization;
ALTER TABLE t_org ADD PRIMARY KEY (id);
CREATE INDEX ON t_org (parent);
CREATE INDEX ON t_org (kind, anchor text_pattern_ops);
CREATE TABLE t_org_unit AS SELECT organization, unit::text AS unit, valid FROM gridgov.organization_unit;
CREATE INDEX ON t_org_unit (unit text_pattern_ops);
CREATE INDEX ON t_org_unit (organization);
VACUUM ANALYZE i_unit, i_post, i_org_unit, t_unit, t_post, t_org, t_org_unit;

SELECT 'units' AS what, count(*) AS n FROM gridgov.unit
UNION ALL SELECT 'villages', count(*) FROM gridgov.unit WHERE level = 5
UNION ALL SELECT 'grids', count(*) FROM gridgov.unit WHERE level = 6
UNION ALL SELECT 'buildings', count(*) FROM gridgov.unit WHERE level = 7
UNION ALL SELECT 'organizations', count(*) FROM gridgov.organization
UNION ALL SELECT 'coverage rows', count(*) FROM gridgov.organization_unit
UNION ALL SELECT 'people', count(*) FROM gridgov.person
UNION ALL SELECT 'posts', count(*) FROM gridgov.post
UNION ALL SELECT 'posts held on 2026-01-15', count(*) FROM gridgov.post WHERE valid @> date '2026-01-15';

CREATE TABLE bench_root (name text PRIMARY KEY, code text NOT NULL, lo bigint NOT NULL, hi bigint NOT NULL,
                         ord integer NOT NULL);
INSERT INTO bench_root
SELECT r.name, r.code, r.code::gridcode::bigint, subtree_last(r.code::gridcode)::bigint, r.ord
  FROM (VALUES ('province', '44', 1), ('city', '4403', 2), ('district', '440311', 3),
               ('community', '440311006003', 4)) AS r(name, code, ord);

-------------------------------------------------------------------------------
-- The queries.  %1$s is the root's code as text, %2$s and %3$s its bigint
-- bounds.  Q1 returns (code, n = 1) per grid, Q2 (code, n = people * 1000000
-- + party members) per village; all codes as text.
-------------------------------------------------------------------------------
\set day '''2026-01-15'''
CREATE TABLE bench_query (id integer PRIMARY KEY, question text NOT NULL, method text NOT NULL,
                          roots text[] NOT NULL, sql text NOT NULL);
INSERT INTO bench_query VALUES
(1, 'Q1 grids without a party member', 'gridgov', '{province,city,district,community}', format($q$
SELECT grid::text AS code, 1 AS n FROM gridgov.grids_without_party_members('%%1$s', %1$L)$q$, :day)),
(2, 'Q1 grids without a party member', 'int8', '{province,city,district,community}', format($q$
WITH placed AS MATERIALIZED (
    SELECT DISTINCT pl.unit - pl.unit %%%% 10000 AS grid
      FROM (SELECT p.role, p.unit FROM i_post p
             WHERE p.unit BETWEEN %%2$s AND %%3$s AND p.valid @> %1$L::date
            UNION ALL
            SELECT p.role, c.unit FROM i_org_unit c JOIN i_post p ON p.organization = c.organization
             WHERE c.unit BETWEEN %%2$s AND %%3$s AND c.valid @> %1$L::date
               AND p.unit IS NULL AND p.valid @> %1$L::date) pl
      JOIN gridgov.role r ON r.code = pl.role
     WHERE r.class = 'party_member' AND pl.unit %%%% 10000000 <> 0)
SELECT g.code::gridgov.gridcode::text AS code, 1 AS n FROM i_unit g
 WHERE g.code BETWEEN %%2$s AND %%3$s AND g.level = 6 AND (g.valid_to IS NULL OR g.valid_to > %1$L::date)
   AND NOT EXISTS (SELECT FROM placed WHERE placed.grid = g.code)$q$, :day)),
(3, 'Q1 grids without a party member', 'like', '{district,community}', format($q$
SELECT g.code, 1 AS n FROM t_unit g
 WHERE g.code LIKE '%%1$s%%%%' AND g.level = 6 AND (g.valid_to IS NULL OR g.valid_to > %1$L::date)
   AND NOT EXISTS (SELECT FROM t_post p JOIN gridgov.role r ON r.code = p.role
                    WHERE p.unit LIKE '%%1$s%%%%' AND p.unit LIKE g.code || '%%%%'
                      AND p.valid @> %1$L::date AND r.class = 'party_member')
   AND NOT EXISTS (SELECT FROM t_org_unit c JOIN t_post p ON p.organization = c.organization
                     JOIN gridgov.role r ON r.code = p.role
                    WHERE c.unit LIKE '%%1$s%%%%' AND c.unit LIKE g.code || '%%%%' AND c.valid @> %1$L::date
                      AND p.unit IS NULL AND p.valid @> %1$L::date AND r.class = 'party_member')$q$, :day)),
(4, 'Q1 grids without a party member', 'prefix', '{province,city,district,community}', format($q$
SELECT g.code, 1 AS n FROM t_unit g
 WHERE g.code LIKE '%%1$s%%%%' AND g.level = 6 AND (g.valid_to IS NULL OR g.valid_to > %1$L::date)
   AND NOT EXISTS (SELECT FROM t_post p JOIN gridgov.role r ON r.code = p.role
                    WHERE left(p.unit, 15) = g.code AND p.unit LIKE '%%1$s%%%%'
                      AND p.valid @> %1$L::date AND r.class = 'party_member')
   AND NOT EXISTS (SELECT FROM t_org_unit c JOIN t_post p ON p.organization = c.organization
                     JOIN gridgov.role r ON r.code = p.role
                    WHERE left(c.unit, 15) = g.code AND c.unit LIKE '%%1$s%%%%' AND c.valid @> %1$L::date
                      AND p.unit IS NULL AND p.valid @> %1$L::date AND r.class = 'party_member')$q$, :day)),
(5, 'Q2 people under each community', 'gridgov', '{province,city,district,community}', format($q$
SELECT unit::text AS code, people * 1000000 + party_members AS n
  FROM gridgov.people_by_unit('%%1$s', 5, %1$L)$q$, :day)),
(6, 'Q2 people under each community', 'int8', '{province,city,district,community}', format($q$
WITH counted AS MATERIALIZED (
    SELECT pl.unit - pl.unit %%%% 10000000 AS unit, count(DISTINCT pl.person) AS people,
           count(DISTINCT pl.person) FILTER (WHERE r.class = 'party_member') AS party_members
      FROM (SELECT p.person, p.role, p.unit FROM i_post p
             WHERE p.unit BETWEEN %%2$s AND %%3$s AND p.valid @> %1$L::date
            UNION ALL
            SELECT p.person, p.role, c.unit FROM i_org_unit c JOIN i_post p ON p.organization = c.organization
             WHERE c.unit BETWEEN %%2$s AND %%3$s AND c.valid @> %1$L::date
               AND p.unit IS NULL AND p.valid @> %1$L::date) pl
      JOIN gridgov.role r ON r.code = pl.role
     GROUP BY 1)
SELECT u.code::gridgov.gridcode::text AS code,
       coalesce(n.people, 0) * 1000000 + coalesce(n.party_members, 0) AS n
  FROM i_unit u LEFT JOIN counted n ON n.unit = u.code
 WHERE u.code BETWEEN %%2$s AND %%3$s AND u.level = 5 AND (u.valid_to IS NULL OR u.valid_to > %1$L::date)$q$, :day)),
(7, 'Q2 people under each community', 'cte', '{province,city,district,community}', format($q$
WITH RECURSIVE tree (community, org) AS (
    SELECT o.anchor, o.id FROM t_org o
     WHERE o.kind = 'community_committee' AND o.anchor LIKE '%%1$s%%%%' AND o.valid @> %1$L::date
    UNION ALL
    SELECT t.community, o.id FROM tree t JOIN t_org o ON o.parent = t.org WHERE o.valid @> %1$L::date)
SELECT u.code, count(DISTINCT p.person) * 1000000
               + count(DISTINCT p.person) FILTER (WHERE r.class = 'party_member') AS n
  FROM t_unit u
  LEFT JOIN tree t ON t.community = u.code
  LEFT JOIN t_post p ON p.organization = t.org AND p.valid @> %1$L::date
  LEFT JOIN gridgov.role r ON r.code = p.role
 WHERE u.code LIKE '%%1$s%%%%' AND u.level = 5 AND (u.valid_to IS NULL OR u.valid_to > %1$L::date)
 GROUP BY u.code$q$, :day)),
(8, 'Q2 people under each community', 'prefix', '{province,city,district,community}', format($q$
SELECT u.code, count(DISTINCT pl.person) * 1000000
               + count(DISTINCT pl.person) FILTER (WHERE r.class = 'party_member') AS n
  FROM t_unit u
  LEFT JOIN (SELECT left(p.unit, 12) AS community, p.person, p.role FROM t_post p
              WHERE p.unit LIKE '%%1$s%%%%' AND p.valid @> %1$L::date
             UNION ALL
             SELECT left(c.unit, 12), p.person, p.role FROM t_org_unit c JOIN t_post p ON p.organization = c.organization
              WHERE c.unit LIKE '%%1$s%%%%' AND c.valid @> %1$L::date AND p.unit IS NULL AND p.valid @> %1$L::date) pl
         ON pl.community = u.code
  LEFT JOIN gridgov.role r ON r.code = pl.role
 WHERE u.code LIKE '%%1$s%%%%' AND u.level = 5 AND (u.valid_to IS NULL OR u.valid_to > %1$L::date)
 GROUP BY u.code$q$, :day));

CREATE FUNCTION bench_sql(id integer, root text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format(q.sql, r.code, r.lo, r.hi) FROM bench_query q, bench_root r WHERE q.id = $1 AND r.name = $2
$$;

\echo
\echo 'plans of the gridgov queries, district root:'
SELECT 'EXPLAIN (COSTS OFF) ' || bench_sql(id, 'district') FROM bench_query WHERE method = 'gridgov' ORDER BY id \gexec

-------------------------------------------------------------------------------
-- Correctness: every method's rows equal gridgov's, root by root.
-------------------------------------------------------------------------------
\echo 'checking that every method gives gridgov''s rows ...'
CREATE TABLE bench_answer (id integer, root text, code text, n bigint);
DO $$
DECLARE
    q record;
    bad record;
BEGIN
    FOR q IN SELECT bq.id, r.name FROM bench_query bq JOIN bench_root r ON r.name = ANY (bq.roots) LOOP
        EXECUTE format('INSERT INTO bench_answer SELECT %s, %L, a.code, a.n FROM (%s) a', q.id, q.name, bench_sql(q.id, q.name));
    END LOOP;
    FOR bad IN
        SELECT bq.id, bq.method, bq.question, r.name AS root,
               (SELECT count(*) FROM ((SELECT code, n FROM bench_answer a WHERE a.id = bq.id AND a.root = r.name
                                       EXCEPT ALL
                                       SELECT code, n FROM bench_answer g
                                        WHERE g.id = (SELECT min(id) FROM bench_query x WHERE x.question = bq.question)
                                          AND g.root = r.name)
                                      UNION ALL
                                      (SELECT code, n FROM bench_answer g
                                        WHERE g.id = (SELECT min(id) FROM bench_query x WHERE x.question = bq.question)
                                          AND g.root = r.name
                                       EXCEPT ALL
                                       SELECT code, n FROM bench_answer a WHERE a.id = bq.id AND a.root = r.name)) d) AS differing
          FROM bench_query bq JOIN bench_root r ON r.name = ANY (bq.roots)
    LOOP
        IF bad.differing > 0 THEN
            RAISE EXCEPTION 'ROWS DIFFER: % (%) at the % root: % rows differ from gridgov''s',
                bad.question, bad.method, bad.root, bad.differing;
        END IF;
    END LOOP;
END $$;
SELECT bq.question, r.name AS root, count(*) AS rows, sum(a.n / 1000000) AS people, sum(a.n % 1000000) AS party_members
  FROM bench_answer a JOIN bench_query bq USING (id) JOIN bench_root r ON r.name = a.root
 WHERE bq.method = 'gridgov'
 GROUP BY bq.question, r.name, r.ord ORDER BY 1, r.ord;
\echo 'every method agrees with gridgov, root by root'

-------------------------------------------------------------------------------
-- Timing: one warm-up run, then `runs` timed runs of every query at every
-- root, starting at a different query each run; once at the server's
-- default settings, once with jit = off.
-------------------------------------------------------------------------------
CREATE TABLE bench_time (setting text, run integer, id integer, root text, ms double precision);
CREATE FUNCTION bench_once(q text, expected numeric) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    total numeric;
BEGIN
    t0 := clock_timestamp();
    EXECUTE 'SELECT sum(n) FROM (' || q || ') AS s' INTO total;
    t1 := clock_timestamp();
    IF total IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'timed query returned a total of %, expected %', total, expected USING DETAIL = q;
    END IF;
    RETURN 1000 * extract(epoch FROM t1 - t0);
END $$;
CREATE FUNCTION bench_all(setting text, runs integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    run integer;
    q record;
    ms double precision;
    nq integer := (SELECT count(*) FROM bench_query bq JOIN bench_root r ON r.name = ANY (bq.roots));
BEGIN
    FOR run IN 0 .. runs LOOP
        FOR q IN
            SELECT bq.id, r.name AS root,
                   (SELECT sum(a.n) FROM bench_answer a WHERE a.id = bq.id AND a.root = r.name) AS expected
              FROM bench_query bq JOIN bench_root r ON r.name = ANY (bq.roots)
             ORDER BY (row_number() OVER (ORDER BY bq.id, r.ord) - 1 + run) % nq
        LOOP
            ms := bench_once(bench_sql(q.id, q.root), q.expected);
            IF run > 0 THEN
                INSERT INTO bench_time VALUES (setting, run, q.id, q.root, ms);
            END IF;
        END LOOP;
    END LOOP;
END $$;

SELECT name, setting, unit FROM pg_settings
 WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather')
 ORDER BY name;
\echo 'timing at the server''s default settings: 1 warm-up run and' :runs 'timed runs ...'
SELECT bench_all('default', :runs) AS timed \gset
SET jit = off;
\echo 'timing with jit = off ...'
SELECT bench_all('jit off', :runs) AS timed \gset
RESET jit;

-------------------------------------------------------------------------------
-- Report: medians, and the ratios against the targets.
-------------------------------------------------------------------------------
CREATE VIEW bench_median AS
SELECT t.setting, t.id, t.root, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.ms) AS ms
  FROM bench_time t GROUP BY t.setting, t.id, t.root;

\echo
\echo 'medians over' :runs 'runs, in ms (for context; the ratios below are what to read):'
SELECT bq.question, r.name AS root, bq.method,
       round(max(m.ms) FILTER (WHERE m.setting = 'default')::numeric, 1) AS default_ms,
       round(max(m.ms) FILTER (WHERE m.setting = 'jit off')::numeric, 1) AS jit_off_ms
  FROM bench_median m JOIN bench_query bq USING (id) JOIN bench_root r ON r.name = m.root
 GROUP BY bq.question, r.name, r.ord, bq.id, bq.method ORDER BY bq.question, r.ord, bq.id;

\echo 'ratios (alternative time / gridgov time; for int8, gridgov time / int8 time):'
SELECT g.setting, bq.question, r.name AS root,
       CASE WHEN o.method = 'int8' THEN 'gridgov / int8' ELSE o.method || ' / gridgov' END AS ratio,
       round((CASE WHEN o.method = 'int8' THEN g.ms / m.ms ELSE m.ms / g.ms END)::numeric, 2) AS value,
       CASE o.method WHEN 'int8' THEN '<= 1.5' WHEN 'prefix' THEN '(none)' ELSE '>= 5' END AS target,
       CASE WHEN o.method = 'int8' THEN CASE WHEN g.ms / m.ms <= 1.5 THEN 'met' ELSE 'MISSED' END
            WHEN o.method = 'prefix' THEN ''
            ELSE CASE WHEN m.ms / g.ms >= 5 THEN 'met' ELSE 'MISSED' END END AS verdict
  FROM bench_median m
  JOIN bench_query o ON o.id = m.id AND o.method <> 'gridgov'
  JOIN bench_query bq ON bq.question = o.question AND bq.method = 'gridgov'
  JOIN bench_median g ON g.id = bq.id AND g.root = m.root AND g.setting = m.setting
  JOIN bench_root r ON r.name = m.root
 ORDER BY g.setting, bq.question, r.ord, o.id;

-------------------------------------------------------------------------------
-- What the checks cost on insert: 20,000 of the posts (every 50th) deleted
-- and inserted again in one statement, four ways, each undone afterwards:
-- through gridgov's triggers (the checks, and the recount of the kept
-- coverage) and the foreign keys; the checks and the foreign keys (the
-- recount disabled); the foreign keys alone; and with none (replica: as a
-- restore).  The exclusion constraint and the indexes are kept up in all.
-------------------------------------------------------------------------------
CREATE TABLE bench_sample AS SELECT * FROM gridgov.post WHERE id % 50 = 0;
CREATE FUNCTION bench_insert_ms(how text) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    ms double precision;
BEGIN
    BEGIN
        IF how = 'replica' THEN
            PERFORM set_config('session_replication_role', 'replica', true);
        ELSIF how = 'foreign keys' THEN
            ALTER TABLE gridgov.post DISABLE TRIGGER gridgov_post_check;
            ALTER TABLE gridgov.post DISABLE TRIGGER gridgov_coverage_insert;
            ALTER TABLE gridgov.post DISABLE TRIGGER gridgov_coverage_delete;
        ELSIF how = 'checks' THEN
            ALTER TABLE gridgov.post DISABLE TRIGGER gridgov_coverage_insert;
            ALTER TABLE gridgov.post DISABLE TRIGGER gridgov_coverage_delete;
        END IF;
        DELETE FROM gridgov.post WHERE id IN (SELECT id FROM bench_sample);
        t0 := clock_timestamp();
        INSERT INTO gridgov.post SELECT * FROM bench_sample;
        ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'undo';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN ms;
END $$;
CREATE TABLE bench_insert (how text, run integer, ms double precision);
INSERT INTO bench_insert
SELECT h.how, r, bench_insert_ms(h.how)
  FROM generate_series(1, :runs) r,
       (VALUES ('checks and kept coverage'), ('checks'), ('foreign keys'), ('replica')) h(how);
\echo 'inserting 20,000 posts in one statement (median of' :runs 'runs):'
SELECT how, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 0) AS median_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) * 1000 / (SELECT count(*) FROM bench_sample))::numeric, 1)
           AS us_per_post
  FROM bench_insert GROUP BY how ORDER BY median_ms DESC;
