-- The history: one row per report, move and edit, hash-chained per case,
-- append-only, each row with the digest of the case's content;
-- verify_history() names the first problem of a tampered case,
-- recomputing in SQL what the C trigger wrote, and the history rows
-- whose case is gone.
BEGIN;
\ir case_fixture.psql
SELECT plan(29);

INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08'
  FROM generate_series(31, 35) g;
SELECT accept(g, at => '2026-11-16 09:30+08', actor => '网格员' || g) FROM generate_series(31, 35) g;
SELECT dispatch(g, at => '2026-11-16 10:00+08') FROM generate_series(31, 35) g;
SELECT start(g, at => '2026-11-16 10:30+08') FROM generate_series(31, 35) g;
SELECT resolve(g, '已协调', at => '2026-11-17 10:00+08') FROM generate_series(31, 35) g;

SELECT results_eq($$SELECT case_id, count(*)::int, min(seq), max(seq) FROM case_history WHERE case_id BETWEEN 31 AND 35 GROUP BY case_id ORDER BY case_id$$,
                  $$VALUES (31::bigint, 5, 1, 5), (32, 5, 1, 5), (33, 5, 1, 5), (34, 5, 1, 5), (35, 5, 1, 5)$$,
                  'five rows per case, numbered from 1');
SELECT results_eq($$SELECT actor FROM case_history WHERE case_id = 32 AND seq = 2$$, $$VALUES ('网格员32')$$,
                  'the actor of each move');
SELECT is((SELECT count(*) FROM case_history WHERE case_id BETWEEN 31 AND 35 AND octet_length(hash) = 32)::int, 25,
          'every row carries a SHA-256');
SELECT is((SELECT count(*) FROM verify_history())::int, 0, 'every chain verifies');
SELECT is((SELECT count(*) FROM case_history h JOIN cases c ON c.id = h.case_id AND c.history_seq = h.seq
            WHERE h.hash = c.history_hash AND c.id BETWEEN 31 AND 35)::int, 5,
          'each case row holds the hash of its chain''s last link');

-- append-only
SELECT throws_ok($$UPDATE case_history SET note = 'x' WHERE case_id = 31 AND seq = 1$$, 'GG005', 'the case history is append-only',
                 'no UPDATE');
SELECT throws_ok($$DELETE FROM case_history WHERE case_id = 31$$, 'GG005', NULL, 'no DELETE');
SELECT throws_ok($$TRUNCATE case_history$$, 'GG005', NULL, 'no TRUNCATE');

-- tampering, with the guard switched off as an intruder would
ALTER TABLE case_history DISABLE TRIGGER gridgov_history_append_only;
UPDATE case_history SET note = '未协调' WHERE case_id = 31 AND seq = 5;
UPDATE case_history SET actor = '他人' WHERE case_id = 32 AND seq = 2;
DELETE FROM case_history WHERE case_id = 33 AND seq = 3;
DELETE FROM case_history WHERE case_id = 34 AND seq = 5;
ALTER TABLE case_history ENABLE TRIGGER gridgov_history_append_only;

SELECT results_eq($$SELECT case_id, seq, problem FROM verify_history() ORDER BY case_id$$,
                  $$VALUES (31::bigint, 5, 'the row''s content or its link to the previous row was changed'),
                           (32, 2, 'the row''s content or its link to the previous row was changed'),
                           (33, 4, 'a row is missing before this one'),
                           (34, 5, 'the history ends before the case''s last move')$$,
                  'verify_history names the first broken link of each tampered chain');

-- a forged row with a recomputed hash still breaks the next link
ALTER TABLE case_history DISABLE TRIGGER gridgov_history_append_only;
UPDATE case_history h SET note = '伪造', hash = history_hash(
           (SELECT p.hash FROM case_history p WHERE p.case_id = h.case_id AND p.seq = h.seq - 1),
           ROW(h.district, h.case_id, h.seq, h.at, h.actor, h.action, h.from_status, h.to_status,
               h.handling_level, h.service_point, h.escalation_trigger, '伪造', h.hash, h.content, h.entry,
               h.actor_person, h.handler)::case_history)
 WHERE case_id = 35 AND seq = 2;
ALTER TABLE case_history ENABLE TRIGGER gridgov_history_append_only;
SELECT results_eq($$SELECT seq, problem FROM verify_history() WHERE case_id = 35$$,
                  $$VALUES (3, 'the row''s content or its link to the previous row was changed')$$,
                  'rewriting a row together with its own hash is caught at the next link');

-- the SQL recomputation agrees with the C trigger on untouched chains
SELECT is((SELECT count(*) FROM case_history h
            WHERE h.case_id BETWEEN 31 AND 34
              AND h.hash = history_hash((SELECT p.hash FROM case_history p WHERE p.case_id = h.case_id AND p.seq = h.seq - 1), h))::int,
          15, 'the SQL recomputation matches the C hash of every row whose content and predecessor are intact');

-- NULL fields and unusual text are hashed unambiguously
SELECT isnt(history_field('a|b') || history_field(NULL), history_field('a') || history_field('b|'),
            'fields are length-prefixed: no two rows share a canonical form');
SELECT is(history_field(NULL), '-|', 'NULL is written as -');
SELECT is(history_field('根竹园'), '9:根竹园|', 'lengths count bytes, as the C code does');

-- edits of a case's content are moves of their own
INSERT INTO cases (id, category, channel, location, reported_at, description, reporter)
SELECT g, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'mashantou'), '2026-11-16 09:00+08',
       '夜间噪音', '{"phone": "13800000000"}'
  FROM generate_series(41, 46) g;
SELECT accept(g, at => '2026-11-16 09:30+08') FROM generate_series(41, 46) g;
SELECT lives_ok($$UPDATE cases SET description = '夜间装修噪音', reporter = '{"phone": "13900000000"}' WHERE id = 41$$,
                'an UPDATE of description and reporter');
SELECT results_eq($$SELECT seq, action, from_status, to_status, note, actor FROM case_history WHERE case_id = 41 AND seq = 3$$,
                  $$VALUES (3, 'edit', 'accepted', 'accepted', 'changed description, reporter', current_user::text COLLATE "default")$$,
                  'is an edit in the history: the status unchanged, the note naming what changed');
SELECT results_eq($$SELECT status, stage, history_seq, last_action FROM cases WHERE id = 41$$,
                  $$VALUES ('accepted', 'dispatch', 3, 'edit')$$, 'the case stays where it was');
SELECT lives_ok($$UPDATE cases SET channel = 'walk_in', note = '登记有误' WHERE id = 42$$, 'an edit with a reason');
SELECT is((SELECT note FROM case_history WHERE case_id = 42 AND seq = 3), 'changed channel: 登记有误', 'the reason follows');
SELECT lives_ok($$UPDATE cases SET description = description, note = '无变化' WHERE id = 42$$, 'an UPDATE that changes nothing');
SELECT is((SELECT history_seq FROM cases WHERE id = 42), 3, 'writes no history');
SELECT throws_ok($$UPDATE cases SET description = '已处理', status = 'dispatched' WHERE id = 43$$, 'GG001',
                 'case 43 cannot be edited and moved in one UPDATE', 'an edit and a move in one UPDATE are refused');
SELECT throws_ok($$UPDATE cases SET category = 'neighbour_dispute' WHERE id = 43$$, 'GG001',
                 'column "category" of case 43 is kept by the case engine', 'the category is the engine''s, as before');
SELECT throws_ok($$UPDATE cases SET history_content = NULL WHERE id = 43$$, 'GG001',
                 'column "history_content" of case 43 is kept by the case engine', 'and so is the content digest');
SELECT is((SELECT count(*) FROM case_history WHERE case_id BETWEEN 41 AND 46 AND octet_length(content) = 32)::int, 14,
          'every row carries the digest of the case''s content after it');
SELECT is((SELECT count(*) FROM cases c JOIN case_history h ON h.case_id = c.id AND h.seq = c.history_seq
            WHERE c.id BETWEEN 41 AND 46 AND h.content = content_digest(c) AND c.history_content = h.content)::int, 6,
          'the SQL digest of each case is the C digest of its last row');
SELECT is((SELECT count(*) FROM case_history h
            WHERE h.case_id BETWEEN 41 AND 46
              AND h.hash = history_hash((SELECT p.hash FROM case_history p WHERE p.case_id = h.case_id AND p.seq = h.seq - 1), h))::int,
          14, 'the SQL recomputation of the chain, digests included, matches the C hash of every row');
SELECT is((SELECT count(*) FROM verify_history() WHERE case_id BETWEEN 41 AND 46)::int, 0, 'the edited chains verify');

-- history the engine cannot account for, made as a restore would, with
-- the engine's triggers and the foreign keys off
SET LOCAL session_replication_role = replica;
UPDATE cases SET reporter = '{"phone": "13000000000"}' WHERE id = 43;
DELETE FROM cases WHERE id = 44;
UPDATE cases SET history_seq = 3 WHERE id = 45;
UPDATE cases c SET history_seq = 1, history_hash = h.hash FROM case_history h WHERE c.id = 46 AND h.case_id = 46 AND h.seq = 1;
RESET session_replication_role;
SELECT results_eq($$SELECT case_id, seq, problem FROM verify_history() WHERE case_id BETWEEN 41 AND 46 ORDER BY case_id$$,
                  $$VALUES (43::bigint, 2, 'the case''s content differs from its last history row'),
                           (44, 1, 'the case of this history does not exist'),
                           (45, 3, 'the history ends before the case''s last move'),
                           (46, 2, 'the history goes on after the case''s last move')$$,
                  'verify_history names content changed behind the engine, a history without its case, and one shorter or longer than the case says');

SELECT * FROM finish();
ROLLBACK;
