-- Generated cases for the KPI benchmark (tests/bench/kpi_bench.sh): the
-- cases numbered :first .. :last of :total, reported from :start over :days
-- days across Guangming's 418 grids and 11 categories
-- (tests/data/guangming.sql, guangming_cases.sql), each with the state it
-- would have at :as_of.  Written straight into gridgov.cases with the case
-- engine's triggers off (session_replication_role = replica), as a restore
-- does: this is data to read, not a simulation (tests/data/
-- guangming_simulation.sql drives the engine itself, at 1,100 cases a
-- minute).  Deterministic: every draw is a hash of the case number and a
-- salt.
--
-- The shape, from the Guangming texts and 12345 practice: most cases are
-- small and settled in the community (94% at level 5); 3% rejected, 2%
-- merged; time to accept lognormal around 40 minutes, to close around 2.5
-- days (clock time; the KPIs count working time); 8% miss a deadline, 5%
-- are extended, 4% returned, 3% reopened, 6% escalated; 85% of closed cases
-- are evaluated, mostly 4 and 5.  Cases reported lately are still open, in
-- every state, some overdue.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = off;
SET jit = off;

CREATE FUNCTION pg_temp.u(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((hashint8extended(n, salt) & 2147483647)::float8 + 0.5) / 2147483648.0;

-- a standard normal draw (Box-Muller)
CREATE FUNCTION pg_temp.z(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN sqrt(-2 * ln(pg_temp.u(n, salt))) * cos(2 * pi() * pg_temp.u(n, salt + 1000));

CREATE TEMP TABLE grids AS
SELECT row_number() OVER (ORDER BY code) - 1 AS i, code
  FROM gridgov.unit WHERE code OPERATOR(gridgov.<@) '440311'::gridgov.gridcode AND gridgov.level(code) = 6;
CREATE TEMP TABLE categories (i integer, code text, share float8, resolve_days float8, department boolean);
INSERT INTO categories VALUES
    (0, 'noise', 0.20, 2, false), (1, 'garbage', 0.18, 1, false), (2, 'neighbour_dispute', 0.12, 5, false),
    (3, 'property_management', 0.12, 10, false), (4, 'street_vending', 0.10, 2, true),
    (5, 'fire_lane', 0.06, 1, false), (6, 'rental_safety', 0.06, 3, false), (7, 'road_damage', 0.06, 7, true),
    (8, 'labour_dispute', 0.04, 10, true), (9, 'illegal_construction', 0.03, 15, true),
    (10, 'pollution', 0.03, 5, true);
CREATE TEMP TABLE category_pick AS
SELECT i, code, resolve_days, department,
       sum(share) OVER (ORDER BY i) - share AS lo, sum(share) OVER (ORDER BY i) AS hi
  FROM categories;

INSERT INTO gridgov.cases (id, district, unit, category, severity, reported_severity, channel,
                           description, location, reporter, status, handling_level, service_point,
                           stage, stage_started_at, stage_deadline, stage_limit_unit, suspended_at,
                           reported_at, accepted_at, dispatched_at, resolved_at, verified_at, closed_at,
                           escalations, reopenings, extensions, returns, deadlines_missed,
                           satisfaction, moved_at, history_seq)
SELECT d.n, '440311', d.grid, d.category, d.severity, d.severity, d.channel,
       d.category || ' 第' || d.n || '号诉求：群众反映的问题及处理情况说明',
       NULL, jsonb_build_object('name', '居民' || (d.n % 9973), 'phone', '138' || lpad((d.n % 100000000)::text, 8, '0')),
       s.status, d.level, NULL,
       CASE s.status WHEN 'reported' THEN 'accept' WHEN 'accepted' THEN 'dispatch' WHEN 'returned' THEN 'dispatch'
                     WHEN 'resolved' THEN 'verify' WHEN 'verified' THEN 'close'
                     WHEN 'closed' THEN 'closed' WHEN 'rejected' THEN 'rejected' WHEN 'merged' THEN 'merged'
                     ELSE 'resolve' END,
       s.stage_started_at, s.stage_deadline, CASE WHEN s.stage_deadline IS NOT NULL THEN 'working_day' END,
       s.suspended_at,
       d.reported_at, s.accepted_at, s.dispatched_at, s.resolved_at, s.verified_at, s.closed_at,
       d.escalations, d.reopenings, d.extensions, d.returns, d.deadlines_missed,
       CASE WHEN s.status = 'closed' THEN d.satisfaction END,
       COALESCE(s.closed_at, s.verified_at, s.resolved_at, s.dispatched_at, s.accepted_at, d.reported_at), 1
  FROM (SELECT n,
               (SELECT array_agg(code ORDER BY i) FROM grids)[1 + floor(418 * pg_temp.u(n, 1) ^ 1.4)::integer] AS grid,
               c.code AS category, c.resolve_days, c.department,
               -- time ordered by n; office hours mostly
               :'start'::timestamptz + floor((n - 1) * :days::float8 / :total) * interval '1 day'
                   + CASE WHEN pg_temp.u(n, 3) < 0.8 THEN interval '8 hours 30 minutes' + pg_temp.u(n, 4) * interval '9 hours 30 minutes'
                          ELSE pg_temp.u(n, 4) * interval '24 hours' END AS reported_at,
               (ARRAY['resident_app', 'hotline', 'patrol', 'sensor', 'walk_in'])[1 + floor(5 * pg_temp.u(n, 5) ^ 2)::integer] AS channel,
               CASE WHEN pg_temp.u(n, 6) < 0.95 THEN 1 WHEN pg_temp.u(n, 6) < 0.99 THEN 3 ELSE 4 END::smallint AS severity,
               CASE WHEN c.department THEN 4 - (pg_temp.u(n, 7) < 0.1)::integer
                    WHEN pg_temp.u(n, 7) < 0.94 THEN 5 WHEN pg_temp.u(n, 7) < 0.99 THEN 4 ELSE 3 END AS level,
               -- clock hours to each step, lognormal
               exp(ln(0.67) + 1.0 * pg_temp.z(n, 10)) AS accept_h,
               exp(ln(1.0) + 0.8 * pg_temp.z(n, 11)) AS dispatch_h,
               exp(ln(60 * c.resolve_days / 2) + 1.0 * pg_temp.z(n, 12)) AS close_h,
               pg_temp.u(n, 13) AS fate,
               pg_temp.u(n, 14) AS open_state,
               (pg_temp.u(n, 15) < 0.06)::integer AS escalations,
               (pg_temp.u(n, 16) < 0.03)::integer AS reopenings,
               (pg_temp.u(n, 17) < 0.05)::integer AS extensions,
               (pg_temp.u(n, 18) < 0.04)::integer AS returns,
               CASE WHEN pg_temp.u(n, 19) < 0.06 THEN 1 WHEN pg_temp.u(n, 19) < 0.08 THEN 2 ELSE 0 END AS deadlines_missed,
               CASE WHEN pg_temp.u(n, 20) < 0.15 THEN NULL WHEN pg_temp.u(n, 20) < 0.66 THEN 5
                    WHEN pg_temp.u(n, 20) < 0.88 THEN 4 WHEN pg_temp.u(n, 20) < 0.95 THEN 3
                    WHEN pg_temp.u(n, 20) < 0.975 THEN 2 ELSE 1 END::smallint AS satisfaction
          FROM generate_series(:first::bigint, :last::bigint) AS n
               CROSS JOIN LATERAL (SELECT pg_temp.u(n, 2) AS draw OFFSET 0) cd
               JOIN category_pick c ON cd.draw >= c.lo AND cd.draw < c.hi
        OFFSET 0) d,
       LATERAL (SELECT d.reported_at + d.accept_h * interval '1 hour' AS accepted_at,
                       d.reported_at + (d.accept_h + d.dispatch_h) * interval '1 hour' AS dispatched_at,
                       d.reported_at + greatest(d.close_h, d.accept_h + d.dispatch_h + 1) * interval '1 hour' AS closed_at
                OFFSET 0) t,
       LATERAL (SELECT CASE WHEN d.fate < 0.03 THEN 'rejected'
                            WHEN d.fate < 0.05 THEN 'merged'
                            WHEN t.accepted_at > :'as_of'::timestamptz THEN 'reported'
                            WHEN t.dispatched_at > :'as_of'::timestamptz THEN 'accepted'
                            WHEN t.closed_at <= :'as_of'::timestamptz THEN 'closed'
                            WHEN d.open_state < 0.05 THEN 'returned'
                            WHEN d.open_state < 0.15 THEN 'dispatched'
                            WHEN d.open_state < 0.25 THEN 'suspended'
                            WHEN d.open_state < 0.40 THEN 'resolved'
                            WHEN d.open_state < 0.50 THEN 'verified'
                            ELSE 'in_progress' END AS status
                OFFSET 0) st,
       LATERAL (SELECT st.status,
                       CASE WHEN st.status NOT IN ('reported', 'rejected', 'merged') THEN t.accepted_at END AS accepted_at,
                       CASE WHEN st.status NOT IN ('reported', 'accepted', 'rejected', 'merged') THEN t.dispatched_at END AS dispatched_at,
                       CASE WHEN st.status IN ('resolved', 'verified', 'closed') THEN t.closed_at - interval '3 hours' END AS resolved_at,
                       CASE WHEN st.status IN ('verified', 'closed') THEN t.closed_at - interval '1 hour' END AS verified_at,
                       CASE WHEN st.status IN ('closed', 'rejected', 'merged')
                            THEN CASE WHEN st.status = 'closed' THEN t.closed_at
                                      ELSE d.reported_at + interval '30 minutes' END END AS closed_at,
                       CASE WHEN st.status = 'suspended' THEN t.dispatched_at + interval '2 hours' END AS suspended_at,
                       CASE st.status WHEN 'reported' THEN d.reported_at WHEN 'accepted' THEN t.accepted_at
                                      ELSE t.dispatched_at END AS stage_started_at,
                       -- open stages: a deadline in clock time about 1.4 x the limit in working days
                       CASE WHEN st.status IN ('reported', 'accepted') THEN d.reported_at + interval '34 hours'
                            WHEN st.status IN ('dispatched', 'in_progress', 'suspended', 'returned')
                            THEN t.dispatched_at + d.resolve_days * interval '34 hours'
                            WHEN st.status = 'resolved' THEN t.closed_at - interval '3 hours' + interval '34 hours' END
                           AS stage_deadline) s;
