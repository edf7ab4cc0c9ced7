-- The three lists part of the tour: Guangming's community budgets, the
-- projects of 2025 and 2026 through 四议两公开, the needs of the last two
-- months and the offers that meet them (tests/data/guangming_lists.sql).
\pset footer off
SET search_path = gridgov, public;
SET jit = off;
SET timezone = 'Asia/Shanghai';

\echo 'L1. The community budgets by subdistrict, 2025 and 2026: 强基惠民 30,000,000 and'
\echo '    民生微实事 2,000,000 yuan a community a year; committed and paid.'
SELECT name, year, kind, amount_yuan, committed_yuan, paid_yuan, committed_pct, paid_pct
  FROM budget_spend('440311', 4) WHERE kind IS NOT NULL ORDER BY year, unit, kind;

\echo 'L2. The district in all, and the ledger''s own sums (equal to the lines'' counters).'
SELECT year, count(*) AS lines, sum(amount_yuan) AS amount_yuan,
       sum(committed_yuan) AS committed_yuan, sum(paid_yuan) AS paid_yuan,
       sum(ledger_committed_yuan) AS ledger_committed, sum(ledger_paid_yuan) AS ledger_paid
  FROM budget_lines GROUP BY year ORDER BY year;

\echo 'L3. The projects by year, kind and stage (one in 13 voted down by the residents'''
\echo '    representatives stays proposed; one in 7 consulted late).'
SELECT b.year, p.kind, p.stage, count(*) AS projects, sum(p.estimate_yuan) AS estimate_yuan,
       count(*) FILTER (WHERE p.late_moves > 0) AS with_late_moves
  FROM project_progress p
  JOIN budget b ON b.id = p.budget
  JOIN project_stage s ON s.code = p.stage
 GROUP BY b.year, p.kind, p.stage, s.position
 ORDER BY b.year, p.kind, s.position;

\echo 'L4. One micro-project''s 四议两公开: its consultations and votes, then its moves.'
SELECT c.step, lower(c.held) AS opened, upper(c.held) AS closed, count(v.*) AS votes,
       count(*) FILTER (WHERE v.vote = 'yes') AS yes, c.note
  FROM project_consultation c LEFT JOIN project_vote v ON v.consultation = c.id
 WHERE c.project = (SELECT min(id) FROM project
                     WHERE stage = 'evaluated' AND kind = 'micro_project')
 GROUP BY c.id ORDER BY c.id;
SELECT m.stage, m.moved_at, m.left_stage_due, m.moved_at > m.left_stage_due AS late
  FROM project_move m
 WHERE m.project = (SELECT min(id) FROM project
                     WHERE stage = 'evaluated' AND kind = 'micro_project')
 ORDER BY m.moved_at;

\echo 'L5. Projects past their stage''s time limit now (working days), by community.'
SELECT community_name, count(*) AS overdue_projects, string_agg(DISTINCT stage, ', ') AS stages
  FROM bi_projects WHERE overdue = 1
 GROUP BY community_name ORDER BY overdue_projects DESC, community_name LIMIT 8;

\echo 'L6. The needs (需求清单) of the last two months by subdistrict.'
SELECT u.name AS subdistrict, count(*) AS needs, sum(n.households) AS households,
       count(*) FILTER (WHERE n.status = 'open') AS open,
       count(*) FILTER (WHERE n.status = 'taken') AS taken,
       count(*) FILTER (WHERE n.status = 'met') AS met,
       count(*) FILTER (WHERE n.escalations > 0) AS escalated
  FROM need n JOIN unit u ON u.code = ancestor(n.unit, 4)
 GROUP BY u.code, u.name ORDER BY u.code;

\echo 'L7. The offers (服务意向清单) by skill: party members and 红小二 volunteers.'
SELECT skill, count(*) AS offers, sum(capacity) AS capacity, sum(open_takes) AS taken_now
  FROM offer_places GROUP BY skill ORDER BY skill;

\echo 'L8. Matching: the offers proposed for the open needs of 根竹园社区,'
\echo '    nearest on the tree, then in metres.'
SELECT p.need, p.skill, p.households AS hh, p.handling_level AS level, p.rank, p.offer,
       p.person, p.place, p.tree_steps, p.metres
  FROM need_proposals('440311006003', 2) p ORDER BY p.need, p.rank LIMIT 12;

\echo 'L9. Who took which needs (the nearest offer), and needs that escalated as nobody did.'
SELECT t.need, n.skill, n.unit, t.person, t.taken_at::date AS taken_on,
       t.met_at IS NOT NULL AS met
  FROM need_take t JOIN need n ON n.id = t.need ORDER BY t.need LIMIT 8;
SELECT id, unit, skill, households, handling_level, escalations, due_at::date AS due_on
  FROM need WHERE escalations > 0 ORDER BY id LIMIT 8;
