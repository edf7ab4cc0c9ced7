-- The history: one row per report and move, hash-chained per case,
-- append-only; verify_history() names the first broken link of a tampered
-- chain, recomputing in SQL what the C trigger wrote.
BEGIN;
\ir case_fixture.psql
SELECT plan(14);

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
               h.handling_level, h.service_point, h.escalation_trigger, '伪造', h.hash)::case_history)
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

SELECT * FROM finish();
ROLLBACK;
