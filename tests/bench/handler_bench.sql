-- The handler check on the move path (issue 12, item 5): accept() over
-- :n cases a round, a transaction each, in three variants:
--   none   the acting role is no person: no handler, no check (the move
--          path as before 0.8.0, with the person lookup the engine now
--          makes, cached per backend);
--   own    the role is person 1 (person_login): the handler defaults to
--          it, and the engine checks its post at the service point;
--   named  the role is no person, and accept(id, handler => 1) names one:
--          the same check.
-- :runs rounds, the variants in turn; medians per move and the ratios to
-- "none".  Run by tests/bench/handler_bench.sh.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\i tests/pgtap/people_fixture.psql
INSERT INTO category (code, name) VALUES ('noise', '噪音扰民');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
VALUES ('noise', 1, 5, 'working_day', 1, 1, 3, 1);
INSERT INTO service_point (id, name, unit, organization) VALUES (3, '根竹园社区党群服务中心', '440311006003', 8);
-- the reports a minute apart, and early warning looking back a second:
-- all in one grid, they would otherwise each scan the week before
INSERT INTO warning_rule (category, time_window, threshold) VALUES ('noise', '1 second', 2);
INSERT INTO cases (id, unit, category, channel, reported_at)
SELECT g, '440311006003001', 'noise', 'patrol', timestamptz '2026-01-05 09:00+08' + g * interval '1 minute'
  FROM generate_series(1, 3 * :runs * :n) g;
CREATE TEMP TABLE timing (variant text, run integer, us_per_move float8);

CREATE FUNCTION pg_temp.round_of(variant text, first bigint, n integer) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
    moved bigint;
BEGIN
    DELETE FROM gridgov.person_login WHERE login = current_user::regrole;
    IF variant = 'own' THEN
        INSERT INTO gridgov.person_login VALUES (current_user::regrole, 1);
    END IF;
    started := clock_timestamp();
    IF variant = 'named' THEN
        SELECT count(*) INTO moved FROM generate_series(first, first + n - 1) g, LATERAL gridgov.accept(g, handler => 1) a;
    ELSE
        SELECT count(*) INTO moved FROM generate_series(first, first + n - 1) g, LATERAL gridgov.accept(g) a;
    END IF;
    RETURN extract(epoch FROM clock_timestamp() - started) * 1e6 / moved;
END $$;

SELECT format('INSERT INTO timing VALUES (%L, %s, pg_temp.round_of(%L, %s, %s));',
              v, r, v, 1 + ((r - 1) * 3 + i - 1) * :n, :n)
  FROM generate_series(1, :runs) r, unnest(ARRAY['none', 'own', 'named']) WITH ORDINALITY AS u(v, i)
 ORDER BY r, i \gexec

-- the check did run where it should: every case of "own" and "named" has handler 1
SELECT count(*) FILTER (WHERE handler IS NULL) AS without_handler,
       count(*) FILTER (WHERE handler = 1) AS with_handler
  FROM cases WHERE status = 'accepted';
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us_per_move)::numeric, 1) AS median_us_per_move,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY us_per_move)
              / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t.us_per_move) FROM timing t WHERE t.variant = 'none'))::numeric, 2)
           AS ratio_to_none
  FROM timing GROUP BY variant ORDER BY ratio_to_none;
