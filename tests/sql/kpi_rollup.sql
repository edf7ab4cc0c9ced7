-- Daily rollups: refresh_kpi_daily fills kpi_daily per day (in the
-- calendar's time zone), grid and category, and kpi_unit_daily per day and
-- unit at every level; merging them per month and subdistrict gives exactly
-- what a rescan of the cases gives.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/kpi_fixture.psql
-- two more around midnight in Shenzhen: 23:30 on 11-16 (15:30 UTC), and
-- 00:30 on 11-17, which is still 11-16 in UTC
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT 23, 'noise', 'patrol', point, '2026-11-16 23:30+08'::timestamptz FROM spot WHERE name = 'mashantou'
UNION ALL
SELECT 24, 'noise', 'patrol', point, '2026-11-17 00:30+08' FROM spot WHERE name = 'mashantou';
\set ECHO all
-- the session's zone does not matter: days are gridgov.calendar_timezone's
SET timezone = 'UTC';

SELECT refresh_kpi_daily('2026-11-16', '2026-11-30', '2026-11-27 17:00+08') AS rows_written;
SELECT day, unit, category, received(kpi), accepted(kpi), closed(kpi), open_now(kpi), overdue_now(kpi)
  FROM kpi_daily ORDER BY day, unit, category;

-- Refreshing again writes the same rows (delete and insert, idempotent)
CREATE TEMP TABLE first_refresh AS SELECT day, unit, category, kpi::text AS kpi FROM kpi_daily;
SELECT refresh_kpi_daily('2026-11-16', '2026-11-30', '2026-11-27 17:00+08') AS rows_written;
SELECT count(*) AS rows, count(*) FILTER (WHERE f.kpi = d.kpi::text) AS unchanged
  FROM kpi_daily d FULL JOIN first_refresh f USING (day, unit, category);

-- A refresh of some days leaves the others alone; days without cases lose their rows
SELECT refresh_kpi_daily('2026-11-23', '2026-11-23', '2026-11-30 09:00+08') AS rows_written;
SELECT day, count(*) AS rows, sum(open_now(kpi)) AS open_now, sum(overdue_now(kpi)) AS overdue_now
  FROM kpi_daily GROUP BY day ORDER BY day;
SELECT refresh_kpi_daily('2026-11-16', '2026-11-30', '2026-11-27 17:00+08') AS rows_written;

-- Month and subdistrict from the rollups equals the rescan of the cases,
-- counts and sketches alike
CREATE TEMP TABLE from_rollups AS
SELECT ancestor(unit, 4) AS subdistrict, date_trunc('month', day)::date AS month, kpi_merge(kpi) AS kpi
  FROM kpi_daily GROUP BY 1, 2;
CREATE TEMP TABLE from_cases AS
SELECT ancestor(c.unit, 4) AS subdistrict,
       date_trunc('month', timezone('Asia/Shanghai', c.reported_at))::date AS month,
       kpi(c, '2026-11-27 17:00+08') AS kpi
  FROM cases c GROUP BY 1, 2;
SELECT r.subdistrict, r.month, received(r.kpi), closed(r.kpi), round(closure_rate(r.kpi), 4) AS closure_rate,
       round(on_time_rate(r.kpi), 4) AS on_time_rate, round(community_share(r.kpi), 4) AS community_share,
       round(close_hours(r.kpi, 0.9)::numeric, 2) AS close_p90, r.kpi::text = c.kpi::text AS same_as_rescan
  FROM from_rollups r FULL JOIN from_cases c USING (subdistrict, month)
 ORDER BY 1, 2;

-- kpi_unit_daily: each day, every unit from district to grid with its
-- cases and those below it, all categories; each row equals the rescan
SELECT level, count(*) AS rows, sum(received(kpi)) AS received
  FROM kpi_unit_daily GROUP BY level ORDER BY level;
SELECT d.level, count(*) AS rows, count(*) FILTER (WHERE d.kpi::text = c.kpi::text) AS same_as_rescan
  FROM kpi_unit_daily d
 CROSS JOIN LATERAL (SELECT kpi(x, '2026-11-27 17:00+08') AS kpi FROM cases x
                      WHERE x.unit <@ d.unit AND timezone('Asia/Shanghai', x.reported_at)::date = d.day) c
 GROUP BY d.level ORDER BY d.level;
-- no unit and day with cases is missing
SELECT count(*) AS missing
  FROM (SELECT DISTINCT timezone('Asia/Shanghai', c.reported_at)::date AS day, ancestor(c.unit, l.level) AS unit
          FROM cases c, generate_series(3, 6) l(level) WHERE level(c.unit) >= l.level) e
 WHERE NOT EXISTS (SELECT FROM kpi_unit_daily d WHERE d.day = e.day AND d.unit = e.unit);
-- each subdistrict's month from a few rows of kpi_unit_daily equals the rescan
SELECT count(*) AS subdistrict_months, count(*) FILTER (WHERE r.kpi::text = c.kpi::text) AS same_as_rescan
  FROM (SELECT unit AS subdistrict, date_trunc('month', day)::date AS month, kpi_merge(kpi) AS kpi
          FROM kpi_unit_daily WHERE level = 4 GROUP BY 1, 2) r
  FULL JOIN from_cases c USING (subdistrict, month);

-- Bad arguments
SELECT refresh_kpi_daily('2026-11-30', '2026-11-16');
SELECT refresh_kpi_daily(NULL, '2026-11-16');
-- every day there is
SELECT refresh_kpi_daily('-infinity', 'infinity', '2026-11-27 17:00+08') AS rows_written;

-- pg_dump keeps the rollups
SELECT 'gridgov.kpi_daily'::regclass = ANY (extconfig) AS dumped,
       'gridgov.kpi_unit_daily'::regclass = ANY (extconfig) AS unit_rows_dumped
  FROM pg_extension WHERE extname = 'gridgov';

ROLLBACK;
