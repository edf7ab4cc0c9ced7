-- The examples of docs/cases.md, run for real (tools/check-docs).
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\i tests/pgtap/case_fixture.psql
\set ECHO all
SET gridgov.actor = '网格员李';
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (101, 'noise', 'resident_app', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08')
RETURNING id, unit, handling_level, service_point, status, stage, stage_deadline;
SELECT case_district(NULL, ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 10:00+08') AS by_point,
       case_district('440311006003001', NULL) AS by_unit;
SELECT id, status, stage_deadline FROM accept(101, at => '2026-11-16 11:00+08', actor => '值班员王');
SELECT id, status, service_point, stage_deadline FROM dispatch(101, at => '2026-11-17 09:30+08');
UPDATE cases SET status = 'in_progress', moved_at = '2026-11-17 10:00+08' WHERE id = 101;
SELECT id, stage, stage_deadline, share_used, light FROM case_clock('2026-11-19 17:00+08') WHERE id = 101;
SELECT id, status, stage_deadline FROM suspend(101, '等待业主回国', at => '2026-11-18 10:00+08');
SELECT id, status, stage_deadline, stage_paused_seconds FROM resume(101, at => '2026-11-23 10:00+08');
SELECT close(101);
SELECT id, status, handling_level, service_point, escalations FROM escalate(101, '涉及多个社区', at => '2026-11-23 11:00+08');
INSERT INTO cases (id, category, channel, location, reported_at)
VALUES (102, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.96, 22.75), 4326), '2026-11-16 09:00+08');
SELECT (accept(102, at => '2026-11-16 09:30+08')).status;
SELECT * FROM escalate_overdue('2026-11-18 12:00+08');
SELECT * FROM escalate_overdue('2026-11-18 12:00+08');
SELECT seq, at, actor, action, from_status, to_status, handling_level AS level, service_point AS sp, escalation_trigger, note
  FROM case_history WHERE case_id = 101 ORDER BY seq;
SELECT * FROM verify_history();
INSERT INTO case_history (district, case_id, seq, at, actor, action, to_status, hash)
SELECT district, case_id, 9, at, actor, action, to_status, hash FROM case_history WHERE case_id = 101 AND seq = 1;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'cases'::regclass AND NOT tgisinternal ORDER BY tgname;
SELECT c.conname, t.tgfoid::regproc AS check_function, t.tgenabled
  FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
 WHERE t.tgrelid = 'cases'::regclass AND c.contype = 'f' ORDER BY 1, 2;
SHOW gridgov.grid_index_memory;
SET gridgov.grid_index_memory = '256MB';
SHOW gridgov.grid_index_memory;
-- actor and time
CREATE ROLE handler_wang IN ROLE gridgov_handler;
SELECT unit, function FROM grant_jurisdiction('handler_wang', '440311', 'handler');
SET ROLE handler_wang;
SET gridgov.actor = 'district_chief_zhao';
INSERT INTO cases (id, category, channel, unit) VALUES (103, 'noise', 'walk_in', '440311006004001');
RESET gridgov.actor;
INSERT INTO cases (id, category, channel, unit) VALUES (103, 'noise', 'walk_in', '440311006004001');
SELECT accept(103, at => '2099-12-31 10:00+08');
SELECT accept(103, actor => '值班员王');
SELECT status, actor, reported_at = now() AS reported_now, moved_at > now() AS moved_by_the_clock FROM accept(103);
-- edits
UPDATE cases SET description = '夜间装修噪音', reporter = '{"phone": "139****0000"}', note = '来电人补充' WHERE id = 103;
RESET ROLE;
SELECT h.seq, h.actor, h.action, h.from_status, h.to_status, h.note, h.content = content_digest(c) AS current_content
  FROM case_history h JOIN cases c ON c.id = h.case_id WHERE h.case_id = 103 ORDER BY h.seq;
SET ROLE handler_wang;
UPDATE cases SET description = '已处理', status = 'dispatched' WHERE id = 103;
RESET ROLE;
-- an importer
CREATE ROLE importer_li IN ROLE gridgov_importer, handler_wang;
SET ROLE importer_li;
INSERT INTO cases (id, category, channel, unit, reported_at, actor)
VALUES (104, 'noise', 'hotline', '440311006004001', '2026-11-20 09:00+08', '12345热线坐席07');
SELECT status, actor, moved_at FROM accept(104, at => '2026-11-20 09:20+08', actor => '值班员王');
SELECT dispatch(104, at => '2026-11-20 08:00+08');
\set VERBOSITY terse
SELECT dispatch(104, at => '2099-12-31 10:00+08');
\set VERBOSITY default
RESET ROLE;
-- history the engine cannot account for
SET session_replication_role = replica;
UPDATE cases SET reporter = '{"phone": "130****0000"}' WHERE id = 103;
DELETE FROM cases WHERE id = 102;
UPDATE cases SET history_seq = history_seq + 1 WHERE id = 101;
RESET session_replication_role;
SELECT * FROM verify_history();
ROLLBACK;
