-- Every KPI figure of the 22 cases of tests/pgtap/kpi_fixture.psql against
-- its value worked out by hand, at as_of 2026-11-27 17:00+08; empty groups,
-- open, suspended and reopened cases; percentiles against the exact values.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/kpi_fixture.psql
\set ECHO all

-- The cases as the engine left them (working hours to acceptance and to
-- closure computed here with working_seconds, for the hand count below).
SELECT id, status, handling_level AS level, stage, stage_deadline, suspended_at,
       escalations AS esc, reopenings AS reop, extensions AS ext, returns AS ret,
       deadlines_missed AS missed, satisfaction AS sat,
       round(working_seconds(reported_at, accepted_at) / 3600.0, 2) AS accept_h,
       round(working_seconds(reported_at, closed_at) / 3600.0, 2) AS close_h
  FROM cases ORDER BY id;

-- The hand count.  Closed (status closed): 3 4 5 6 7 8 9 17 18 22.  Open
-- at as_of (not closed, rejected or merged; reported by as_of): 10 11 12 13
-- 14 15 19 20 21 (16 is reported after as_of, 1 is rejected, 2 merged).
-- Overdue (open, stage deadline before as_of, or before the suspension of a
-- suspended case): 11 (deadline 11-19 10:00, suspended 11-20), 13 (11-25
-- 10:00), 14 (11-25 18:00, accept stage), 19 (11-24 11:00, dispatch stage
-- after a return); not 10 (suspended 11-23, before its deadline 11-26), nor
-- 12, 15, 20 (deadlines after as_of), nor 21 (verified: no deadline to
-- close).  Due to close (应结案数): the 10 closed, the overdue accepted 11
-- 13 19 (14 is not accepted) and the verified 21.  On time, the published
-- 按期结案率: 9 of the 14 due; the project's on_time_share: 9 of the 10
-- closed.  Late: 4 (accepted the next morning, after its
-- deadline 11-16 18:00).  Reworked: 5.  Extended: 6.  Returned: 7 19.
-- Escalated: 8 (referral), 22 (severity 3 at intake).  Closed at community
-- level: all closed but 8 22 (subdistrict center) and 18 (urban management
-- desk of the subdistrict).  Evaluated: all closed but 5, satisfaction
-- 5 3 4 5 4 2 4 5 5 (cases 3 4 6 7 8 9 17 18 22): sum 37, 7 of them 4 or 5.
CREATE TEMP TABLE fixture_kpi AS
SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c;

SELECT e.figure, e.expected, a.actual, e.expected IS NOT DISTINCT FROM a.actual AS ok
  FROM (VALUES (1, 'received', 22::numeric), (2, 'accepted', 17), (3, 'dispatched', 17),
               (4, 'due_to_close', 14), (5, 'closed', 10), (6, 'closure_rate', round(10 / 14.0, 4)),
               (7, 'closed_on_time', 9), (8, 'on_time_rate', round(9 / 14.0, 4)), (9, 'reworked', 1),
               (10, 'rework_rate', 0.1), (11, 'extended', 1), (12, 'extension_rate', round(1 / 17.0, 4)),
               (13, 'returned', 2), (14, 'escalated', 2), (15, 'escalation_rate', round(2 / 17.0, 4)),
               (16, 'settled_in_community', 7), (17, 'community_share', 0.7),
               (18, 'open_now', 9), (19, 'overdue_now', 4), (20, 'evaluated', 9), (21, 'satisfied', 7),
               (22, 'satisfaction_mean', round(37 / 9.0, 4)), (23, 'satisfied_share', round(7 / 9.0, 4)),
               (24, 'on_time_share', 0.9))
       AS e(n, figure, expected)
  JOIN (SELECT figure, actual
          FROM fixture_kpi,
               LATERAL (VALUES ('received', received(k)::numeric), ('accepted', accepted(k)),
                               ('dispatched', dispatched(k)), ('due_to_close', due_to_close(k)),
                               ('closed', closed(k)), ('closure_rate', round(closure_rate(k), 4)),
                               ('closed_on_time', closed_on_time(k)), ('on_time_rate', round(on_time_rate(k), 4)),
                               ('reworked', reworked(k)), ('rework_rate', round(rework_rate(k), 4)),
                               ('extended', extended(k)), ('extension_rate', round(extension_rate(k), 4)),
                               ('returned', returned(k)), ('escalated', escalated(k)),
                               ('escalation_rate', round(escalation_rate(k), 4)),
                               ('settled_in_community', settled_in_community(k)),
                               ('community_share', round(community_share(k), 4)),
                               ('open_now', open_now(k)), ('overdue_now', overdue_now(k)),
                               ('evaluated', evaluated(k)), ('satisfied', satisfied(k)),
                               ('satisfaction_mean', round(satisfaction_mean(k), 4)),
                               ('satisfied_share', round(satisfied_share(k), 4)),
                               ('on_time_share', round(on_time_share(k), 4))) AS v(figure, actual)) a
       USING (figure)
 ORDER BY e.n;

-- The published 按期结案率 a second way, in plain SQL over the cases: the
-- cases closed with no missed deadline over 应结案数, the cases closed,
-- verified, or accepted, open and overdue at as_of; per community and in
-- all, equal to on_time_rate (and closure_rate) of the aggregate.
SELECT community, due, on_time, published_on_time_rate, on_time_rate,
       published_on_time_rate = on_time_rate AS same_on_time_rate,
       published_closure_rate = closure_rate AS same_closure_rate
  FROM (SELECT coalesce(ancestor(c.unit, 5)::text, 'all') AS community,
               count(*) FILTER (WHERE d.due) AS due,
               count(*) FILTER (WHERE c.status = 'closed' AND c.deadlines_missed = 0) AS on_time,
               round(count(*) FILTER (WHERE c.status = 'closed' AND c.deadlines_missed = 0)::numeric
                     / nullif(count(*) FILTER (WHERE d.due), 0), 10) AS published_on_time_rate,
               round(count(*) FILTER (WHERE c.status = 'closed')::numeric
                     / nullif(count(*) FILTER (WHERE d.due), 0), 10) AS published_closure_rate,
               round(on_time_rate(kpi(c, '2026-11-27 17:00+08')), 10) AS on_time_rate,
               round(closure_rate(kpi(c, '2026-11-27 17:00+08')), 10) AS closure_rate
          FROM cases c,
               LATERAL (SELECT c.status = 'closed'
                            OR (c.reported_at <= '2026-11-27 17:00+08' AND c.status NOT IN ('closed', 'rejected', 'merged')
                                AND (c.status = 'verified'
                                     OR (c.accepted_at IS NOT NULL
                                         AND c.stage_deadline < least(coalesce(c.suspended_at, '2026-11-27 17:00+08'),
                                                                      '2026-11-27 17:00+08')))) AS due) d
         GROUP BY ROLLUP (ancestor(c.unit, 5))) s
 ORDER BY community;

-- Working hours to acceptance, 17 accepted cases: 10 minutes (case 20),
-- 30 minutes x 12, 1 hour x 3 (3 17 18), 8 hours (case 4, accepted the next
-- morning).  To closure, 10 closed cases: 6 9 10.5 11 11 15 17 25 30 32
-- (case 9's 30 hours include its three days suspended).  The fraction q
-- picks the ceil(q n)-th smallest, as percentile_disc does (0.76 of 17 is
-- the 13th, 0.77 the 14th; 0.5 of 10 the 5th, 0.51 the 6th); the sketch
-- answers within 0.5% of it.
SELECT e.what, e.fraction, e.exact, round(a.estimate::numeric, 4) AS estimate,
       abs(a.estimate - e.exact) <= 0.005 * e.exact AS within_bound
  FROM (VALUES ('accept', 0.0, 1 / 6.0), ('accept', 0.05, 1 / 6.0), ('accept', 0.5, 0.5),
               ('accept', 0.76, 0.5), ('accept', 0.77, 1.0), ('accept', 0.9, 1.0), ('accept', 0.99, 8.0),
               ('accept', 1.0, 8.0), ('close', 0.0, 6.0), ('close', 0.5, 11.0), ('close', 0.51, 15.0),
               ('close', 0.6, 15.0), ('close', 0.9, 30.0), ('close', 0.99, 32.0), ('close', 1.0, 32.0))
       AS e(what, fraction, exact),
       LATERAL (SELECT CASE e.what WHEN 'accept' THEN accept_hours(k, e.fraction)
                                   ELSE close_hours(k, e.fraction) END AS estimate
                  FROM fixture_kpi) a;

-- The same at the definitions' edges, case by case: suspended before and
-- after the deadline, in the accept stage, verified, reported after as_of.
SELECT c.id, c.status, open_now(k) AS open, overdue_now(k) AS overdue, due_to_close(k) AS due,
       round(close_hours(k, 0.5)::numeric, 2) AS close_h
  FROM cases c, LATERAL (SELECT kpi(c2, '2026-11-27 17:00+08') AS k FROM cases c2 WHERE c2.id = c.id) s
 WHERE c.id IN (5, 9, 10, 11, 14, 16, 19, 21)
 ORDER BY c.id;

-- as_of moves only the open, overdue and due figures: before any report,
-- nothing is open; on 11-20 at noon the open cases are those not yet closed
-- then (the state of the rows does not go back in time: cases closed later
-- count as closed).
SELECT as_of, received(k), closed(k), open_now(k), overdue_now(k), due_to_close(k)
  FROM (VALUES ('2026-11-16 08:00+08'::timestamptz), ('2026-11-20 12:00+08'), ('2026-11-27 17:00+08'),
               ('infinity')) AS t(as_of),
       LATERAL (SELECT kpi(c, t.as_of) AS k FROM cases c) s
 ORDER BY as_of;

-- as_of defaults to now(): the same state
SELECT (SELECT kpi(c) FROM cases c)::text = (SELECT kpi(c, now()) FROM cases c)::text AS kpi_now_is_kpi_at_now;

-- Empty groups: 光明社区 has no case.  An outer join gives kpi a NULL row,
-- which counts nothing; kpi over no row at all is the empty state, not NULL.
SELECT u.code, u.name, received(s.k), closed(s.k), round(closure_rate(s.k), 4) AS closure_rate,
       round(community_share(s.k), 4) AS community_share, round(accept_hours(s.k, 0.5)::numeric, 2) AS accept_p50
  FROM unit u
  JOIN LATERAL (SELECT kpi(c, '2026-11-27 17:00+08') AS k
                  FROM unit u2 LEFT JOIN cases c ON ancestor(c.unit, 5) = u2.code
                 WHERE u2.code = u.code) s ON true
 WHERE level(u.code) = 5
 ORDER BY u.code;
SELECT k::text AS empty_state, received(k), closure_rate(k), on_time_rate(k), satisfaction_mean(k),
       accept_hours(k, 0.5), close_hours(k, 0.9)
  FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c WHERE false) s;
SELECT kpi_merge(k)::text AS merge_of_nothing, received(kpi_merge(k))
  FROM fixture_kpi WHERE false;

-- Groups merge to the whole: per grid, merged, equals all cases at once
SELECT (SELECT kpi_merge(k) FROM (SELECT kpi(c, '2026-11-27 17:00+08') AS k FROM cases c GROUP BY unit) g)::text
       = (SELECT k FROM fixture_kpi)::text AS grids_merge_to_the_district;

-- Everything at once, for BI tools
SELECT jsonb_pretty(kpi_json(k)) FROM fixture_kpi;

-- The column form over any query: a satisfaction outside 1 to 5, which
-- cases cannot hold, is refused, as a state counting it would be one no
-- set of cases has (and one kpi_state's input refuses)
SELECT satisfaction_mean(kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                             c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings, c.extensions,
                             c.returns, c.deadlines_missed, 7::smallint, '2026-11-27 17:00+08'))
  FROM cases c WHERE c.status = 'closed';
SELECT satisfaction_mean(kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                             c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings, c.extensions,
                             c.returns, c.deadlines_missed, 0::smallint, '2026-11-27 17:00+08'))
  FROM cases c WHERE c.status = 'closed';

ROLLBACK;
