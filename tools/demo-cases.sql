-- The case part of the tour: 90 simulated days of Guangming
-- (tests/data/guangming_simulation.sql), read back with plain SQL.
\pset footer off
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';

\echo 'C1. 90 days in Guangming, 2026-08-01 to 10-29: reports by subdistrict and channel.'
SELECT coalesce(s.name, '光明区 (all)') AS subdistrict,
       count(*) FILTER (WHERE c.channel = 'resident_app') AS app,
       count(*) FILTER (WHERE c.channel = 'hotline') AS hotline,
       count(*) FILTER (WHERE c.channel = 'patrol') AS patrol,
       count(*) FILTER (WHERE c.channel = 'sensor') AS sensor,
       count(*) FILTER (WHERE c.channel = 'walk_in') AS walk_in,
       count(*) AS reports
  FROM cases c JOIN unit s ON s.code = ancestor(c.unit, 4)
 GROUP BY ROLLUP ((s.code, s.name))
 ORDER BY s.code NULLS LAST;

\echo 'C1b. Where a report goes, known before it is written: case_district(), by which a Citus'
\echo '     coordinator sends a report to its district''s shard (docs/scale-out.md).  It agrees'
\echo '     with intake on every case.'
SELECT count(*) AS reports_with_a_point,
       count(*) FILTER (WHERE case_district(NULL, location, reported_at) = district)
           AS same_district
  FROM cases WHERE location IS NOT NULL;

\echo 'C2. Small matters stay in the community (小事不出村): closed cases by category, and where'
\echo '    they were settled.'
SELECT k.name AS category, coalesce(k.department, '') AS owned_by,
       count(*) AS closed,
       count(*) FILTER (WHERE c.handling_level = 5) AS community,
       count(*) FILTER (WHERE c.handling_level = 4) AS subdistrict,
       count(*) FILTER (WHERE c.handling_level = 3) AS district,
       round(100.0 * count(*) FILTER (WHERE c.handling_level = 5) / count(*), 1) AS "community %"
  FROM cases c JOIN category k ON k.code = c.category
 WHERE c.status = 'closed'
 GROUP BY k.code, k.name, k.department
 ORDER BY k.department NULLS FIRST, closed DESC;

\echo 'C3. Disputes (neighbour and property) settled inside the community: the district reports'
\echo '    97%.'
SELECT count(*) AS disputes_closed,
       count(*) FILTER (WHERE handling_level = 5) AS settled_in_community,
       round(100.0 * count(*) FILTER (WHERE handling_level = 5) / count(*), 1) AS "%"
  FROM cases
 WHERE status = 'closed' AND category IN ('neighbour_dispute', 'property_management');

\echo 'C4. The share of accepted cases closed so far, by month reported, and satisfaction.  Not the'
\echo '    closure rate 结案率 of D1, which divides the closed cases by those due to close'
\echo '    (应结案数), as the district reports it (99.2%).'
SELECT to_char(date_trunc('month', reported_at), 'YYYY-MM') AS reported,
       count(*) AS accepted,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       round(100.0 * count(*) FILTER (WHERE status = 'closed') / count(*), 1)
           AS "closed of accepted %",
       count(*) FILTER (WHERE status = 'suspended') AS suspended,
       round(avg(satisfaction), 2) AS satisfaction,
       round(100.0 * count(*) FILTER (WHERE satisfaction >= 4) / count(satisfaction), 1)
           AS "satisfied %"
  FROM cases
 WHERE status NOT IN ('rejected', 'merged')
 GROUP BY 1 ORDER BY 1;

\echo 'C5. Escalations (升级) by trigger: severity at intake, a handler''s referral, a missed'
\echo '    deadline (the daily sweep).'
SELECT h.escalation_trigger AS trigger,
       count(*) FILTER (WHERE h.handling_level = 4) AS to_subdistrict,
       count(*) FILTER (WHERE h.handling_level = 3) AS to_district,
       count(*) AS escalations,
       count(DISTINCT h.case_id) AS cases
  FROM case_history h
 WHERE h.escalation_trigger IS NOT NULL
 GROUP BY 1 ORDER BY escalations DESC;

\echo 'C6. Open cases at 2026-10-29 18:00: share of the stage''s limit used, yellow from 80%, red'
\echo '    when overdue.'
SELECT status, stage,
       count(*) FILTER (WHERE light = 'green') AS green,
       count(*) FILTER (WHERE light = 'yellow') AS yellow,
       count(*) FILTER (WHERE light = 'red') AS red
  FROM case_clock('2026-10-29 18:00+08')
 GROUP BY status, stage
 ORDER BY array_position(ARRAY['reported', 'accepted', 'returned', 'dispatched', 'in_progress',
                               'suspended', 'resolved'], status);

\echo 'C7. Someone with the table owner''s rights edited the history, and a case, behind the'
\echo '    engine''s back: each case names its first problem.'
SELECT v.case_id, v.seq, v.problem, h.action, to_char(h.at, 'MM-DD HH24:MI') AS at, h.note
  FROM verify_history() v
  LEFT JOIN case_history h ON (h.district, h.case_id, h.seq) = (v.district, v.case_id, v.seq)
 ORDER BY v.case_id;

\echo 'C7b. Nor can a forged row be slipped in: the history takes rows from the engine only, even'
\echo '     from the owner.'
\set ON_ERROR_STOP 0
-- the error alone: its hint (how a dump is restored) is wider than the page
\set VERBOSITY terse
INSERT INTO case_history (district, case_id, seq, at, actor, action, to_status, hash)
SELECT district, case_id, 99, at, actor, action, to_status, hash
  FROM case_history WHERE case_id = 1 AND seq = 1;
\set VERBOSITY default
\set ON_ERROR_STOP 1

\echo 'C8. One case from report to evaluation: missed its deadline, climbed to the subdistrict, was'
\echo '    sent back for rework.'
SELECT h.seq, to_char(h.at, 'MM-DD HH24:MI') AS at, h.actor, h.action, h.to_status AS status,
       h.handling_level AS level, sp.name AS service_point,
       CASE WHEN h.action = 'report' THEN c.description ELSE h.note END AS note
  FROM case_history h
  JOIN cases c ON c.id = h.case_id
  LEFT JOIN service_point sp ON sp.id = h.service_point
 WHERE h.case_id = (SELECT c.id FROM cases c
                     WHERE c.status = 'closed' AND c.reopenings > 0 AND c.handling_level = 4
                       AND c.category = 'neighbour_dispute'
                       AND EXISTS (SELECT FROM case_history e
                                    WHERE e.case_id = c.id AND e.escalation_trigger = 'overdue')
                     ORDER BY c.id DESC LIMIT 1)
 ORDER BY h.seq;
