-- Checkpoints over several ranges of entries (docs/cases.md,
-- "Checkpoints"): on Citus each worker numbers the history rows it writes
-- in its group's range, entry >> 48, so rows come in below rows of a
-- higher range that a checkpoint covered.  Here the rows get entries in
-- ranges 0 and 1 by setting the entries' sequence, as workers of groups 0
-- and 1 would.  A checkpoint taken on range 0 alone keeps its three lines
-- and still verifies; later ones carry a line per range, equal to one
-- built by hand (a second, recursive computation of the root), and extend
-- the last one range by range though rows came in below range 1's;
-- checkpoints forged by hand over part of each range verify; a row
-- changed, deleted or inserted in either range is named; bad range lines
-- and bad arguments are refused.
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
-- the entries' sequence as it was, restored at the end (sequences do not
-- roll back)
SELECT last_value AS entry_last, is_called AS entry_called FROM gridgov.case_history_entry_seq \gset
BEGIN;
\set ECHO none
\i tests/pgtap/case_fixture.psql
\set ECHO all
SET gridgov.actor = '网格员李';
SET gridgov.checkpoint_origin = 'shenzhen-guangming';
-- refused(statement) and tree_hash(leaves), RFC 6962's by its recursion
\i tests/sql/checkpoint_helpers.psql
-- the next rows written get entries in range r, after its last row
CREATE FUNCTION pg_temp.write_in_range(r integer) RETURNS bigint LANGUAGE sql AS $$
    SELECT setval(pg_get_serial_sequence('gridgov.case_history', 'entry'),
                  COALESCE((SELECT max(entry) FROM gridgov.case_history WHERE entry >> 48 = r), r::bigint << 48) + 1,
                  false)
           - (r::bigint << 48);
$$;
-- a checkpoint built by hand: of the first n0 rows of range 0 and the
-- first n1 of range 1 (three lines for range 0 alone, else a line for
-- each range of 1 row or more)
CREATE FUNCTION pg_temp.forged(n0 bigint, n1 bigint) RETURNS text LANGUAGE sql AS $$
    SELECT format(E'gridgov/shenzhen-guangming\n%s\n%s\n', n0 + n1,
                  encode(pg_temp.tree_hash(ARRAY(
                      SELECT sha256('\x00'::bytea || h.hash) FROM
                        ((SELECT * FROM gridgov.case_history WHERE entry >> 48 = 0 ORDER BY entry LIMIT n0)
                         UNION ALL
                         (SELECT * FROM gridgov.case_history WHERE entry >> 48 = 1 ORDER BY entry LIMIT n1)) h
                      ORDER BY h.entry)), 'base64'))
           || CASE WHEN n0 > 0 AND n1 > 0 THEN format(E'range 0 %s\n', n0) ELSE '' END
           || CASE WHEN n1 > 0 THEN format(E'range 1 %s\n', n1) ELSE '' END;
$$;
-- the owner's rewriting of a case's last row, its hash recomputed and
-- the case's head set to it: the chain still holds
CREATE FUNCTION pg_temp.rewrite(c bigint, new_note text) RETURNS void LANGUAGE sql AS $$
    UPDATE gridgov.case_history h
       SET note = new_note, hash = gridgov.history_hash(p.hash, (h.district, h.case_id, h.seq, h.at, h.actor, h.action,
               h.from_status, h.to_status, h.handling_level, h.service_point, h.escalation_trigger, new_note,
               h.hash, h.content, h.entry, h.actor_person, h.handler)::gridgov.case_history)
      FROM gridgov.case_history p
     WHERE h.case_id = c AND p.case_id = c AND p.seq = h.seq - 1
       AND h.seq = (SELECT history_seq FROM gridgov.cases WHERE id = c);
    UPDATE gridgov.cases k SET history_hash = h.hash
      FROM gridgov.case_history h WHERE k.id = c AND h.case_id = c AND h.seq = k.history_seq;
$$;
-- the owner's insertion of a rejection after a case's last row, at a free
-- entry, chained and made the case's head
CREATE FUNCTION pg_temp.insert_at(c bigint, at_entry bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.case_history OVERRIDING SYSTEM VALUE
    SELECT h.district, h.case_id, h.seq + 1, h.at + interval '1 minute', h.actor, 'reject', h.to_status, 'rejected',
           h.handling_level, h.service_point, NULL, '重复投诉',
           gridgov.history_hash(h.hash, (h.district, h.case_id, h.seq + 1, h.at + interval '1 minute', h.actor, 'reject',
               h.to_status, 'rejected', h.handling_level, h.service_point, NULL, '重复投诉', NULL, h.content, at_entry,
               NULL, NULL)::gridgov.case_history),
           h.content, at_entry
      FROM gridgov.case_history h JOIN gridgov.cases k ON k.id = h.case_id AND k.history_seq = h.seq
     WHERE h.case_id = c;
    UPDATE gridgov.cases k SET history_seq = h.seq, history_hash = h.hash
      FROM gridgov.case_history h WHERE k.id = c AND h.case_id = c AND h.seq = k.history_seq + 1;
$$;

-- range 0: four cases reported and accepted; a report rolled back leaves
-- entry 5 free
SELECT pg_temp.write_in_range(0) AS range_0_from;
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 4) g;
SAVEPOINT gap;
INSERT INTO cases (id, category, channel, unit) VALUES (99, 'noise', 'walk_in', '440311006003001');
ROLLBACK TO SAVEPOINT gap;
SELECT count(*) AS accepted FROM (SELECT accept(id, at => '2026-11-16 10:00+08') FROM cases ORDER BY id) a;

-- a checkpoint of range 0 alone: three lines, as on a single node
SELECT history_checkpoint() AS checkpoint_0 \gset
\echo :checkpoint_0
SELECT :'checkpoint_0' = pg_temp.forged(8, 0) AS built_by_hand;

-- range 1: three more cases, as a worker of group 1 writes them; a
-- report rolled back leaves an entry free there too
SELECT pg_temp.write_in_range(1) AS range_1_from;
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'::timestamptz + g * interval '1 minute'
  FROM generate_series(5, 7) g;
SAVEPOINT gap;
INSERT INTO cases (id, category, channel, unit) VALUES (99, 'noise', 'walk_in', '440311006003001');
ROLLBACK TO SAVEPOINT gap;
SELECT count(*) AS accepted FROM (SELECT accept(id, at => '2026-11-16 10:00+08') FROM cases WHERE id >= 5 ORDER BY id) a;
SELECT entry >> 48 AS range, count(*) AS rows, min(entry & 281474976710655) AS first, max(entry & 281474976710655) AS last
  FROM case_history GROUP BY 1 ORDER BY 1;

-- the checkpoint of both ranges: a line for each after the root, line 2
-- their sum; the same as built by hand; the first one still verifies
SELECT history_checkpoint();
SELECT checkpoint AS checkpoint_1 FROM case_history_witness ORDER BY taken_at DESC LIMIT 1 \gset
SELECT :'checkpoint_1' = pg_temp.forged(8, 6) AS built_by_hand;
SELECT tree_size, ranges, range_sizes FROM case_history_witness ORDER BY taken_at;
SELECT * FROM verify_history(:'checkpoint_0');
SELECT * FROM verify_history(:'checkpoint_1');
-- the first rows of each range, forged by hand, verify as well
SELECT n0, n1, count(v.*) AS problems
  FROM (VALUES (3, 2), (8, 1), (0, 6), (1, 0)) n(n0, n1)
  LEFT JOIN LATERAL verify_history(pg_temp.forged(n0, n1)) v ON true
 GROUP BY 1, 2 ORDER BY 1, 2;

-- later rows in both ranges: a dispatch in range 0, written below range
-- 1's rows, then one in range 1
SELECT pg_temp.write_in_range(0) AS range_0_from;
SELECT (dispatch(1, at => '2026-11-16 11:00+08')).status;
SELECT pg_temp.write_in_range(1) AS range_1_from;
SELECT (dispatch(5, at => '2026-11-16 11:00+08')).status;
-- the first 14 rows by entry are no longer checkpoint_1's rows
SELECT history_root(14) = decode(split_part(:'checkpoint_1', E'\n', 3), 'base64') AS first_14_by_entry_give_its_root,
       history_root('{0,1}', '{8,6}') = decode(split_part(:'checkpoint_1', E'\n', 3), 'base64') AS its_ranges_give_it;
-- the entries between which checkpoint_1's rows lie: in each range, its
-- first entry and its 8th and 6th row's, the same in the history and in
-- the witness's leaves though a row has come in since in each range; a
-- range with no rows covered has none
SELECT lows, highs, (highs[2] - lows[2]) AS range_1_high
  FROM history_range_bounds('{0,1}', '{8,6}', false);
SELECT h.lows = w.lows AND h.highs = w.highs AS witness_agrees
  FROM history_range_bounds('{0,1}', '{8,6}', false) h, history_range_bounds('{0,1}', '{8,6}', true) w;
SELECT lows, highs FROM history_range_bounds('{0,1}', '{8,0}', false);
-- the next checkpoint extends checkpoint_1 range by range, and all verify
SELECT history_checkpoint() AS checkpoint_2 \gset
\echo :checkpoint_2
SELECT :'checkpoint_2' = pg_temp.forged(9, 7) AS built_by_hand;
SELECT count(*) FROM verify_history(:'checkpoint_0');
SELECT count(*) FROM verify_history(:'checkpoint_1');
SELECT count(*) FROM verify_history(:'checkpoint_2');
SELECT count(*) AS witness_leaves, count(*) = (SELECT count(*) FROM case_history) AS every_row_once,
       bool_and(w.leaf = history_leaf(h)) AS leaves_match
  FROM case_history_witness_leaf w JOIN case_history h USING (entry);

-- Tampering with both ranges, by a superuser with the triggers off (each in
-- a savepoint); checkpoint_1 names every row, in either range
-- a row of each range rewritten, its hash recomputed
SAVEPOINT tamper;
SET session_replication_role = replica;
SELECT pg_temp.rewrite(2, '已电话回访'), pg_temp.rewrite(6, '已电话回访');
SELECT entry >> 48 AS range, entry & 281474976710655 AS n, case_id, seq, problem FROM verify_history(:'checkpoint_1');
ROLLBACK TO SAVEPOINT tamper;
-- a case of each range deleted with its history
SAVEPOINT tamper;
SET session_replication_role = replica;
DELETE FROM case_history WHERE case_id IN (3, 7);
DELETE FROM cases WHERE id IN (3, 7);
SELECT entry >> 48 AS range, entry & 281474976710655 AS n, case_id, seq, problem FROM verify_history(:'checkpoint_1');
ROLLBACK TO SAVEPOINT tamper;
-- a rejection inserted at the free entry of each range
SAVEPOINT tamper;
SET session_replication_role = replica;
SELECT pg_temp.insert_at(4, 5), pg_temp.insert_at(6, (1::bigint << 48) + 4);
SELECT * FROM verify_history();
SELECT entry >> 48 AS range, entry & 281474976710655 AS n, case_id, seq, problem FROM verify_history(:'checkpoint_1');
-- and no checkpoint is taken over it
SELECT pg_temp.refused('SELECT history_checkpoint()');
ROLLBACK TO SAVEPOINT tamper;
RESET session_replication_role;

-- range lines that are not: 22P02, naming the line
SELECT * FROM verify_history(replace(:'checkpoint_1', E'range 1 6\n', E'range 1\n'));
SELECT pg_temp.refused(format('SELECT * FROM verify_history(%L)', c))
  FROM (VALUES (replace(:'checkpoint_1', 'range 1 6', 'range 1 0')),
               (replace(:'checkpoint_1', 'range 1 6', 'range 32768 6')),
               (replace(:'checkpoint_1', 'range 1 6', 'range 01 6')),
               (replace(:'checkpoint_1', 'range 1 6', 'Range 1 6')),
               (replace(:'checkpoint_1', E'range 1 6\n', E'\nrange 1 6\n')),
               (replace(:'checkpoint_1', E'range 0 8\nrange 1 6', E'range 1 6\nrange 0 8')),
               (replace(:'checkpoint_1', E'range 0 8\nrange 1 6', E'range 0 8\nrange 0 6')),
               (replace(:'checkpoint_1', 'range 1 6', 'range 1 5'))) x(c);
-- history_root and history_changes refuse what is no checkpoint's ranges (22023)
SELECT pg_temp.refused(s)
  FROM (VALUES ($$SELECT history_root('{0,1}', '{8}')$$),
               ($$SELECT history_root('{0,32768}', '{8,6}')$$),
               ($$SELECT history_root('{1,0}', '{6,8}')$$),
               ($$SELECT history_root('{0,1}', '{8,-6}')$$),
               ($$SELECT * FROM history_changes('{0,0}', '{8,6}', sha256(''))$$),
               -- a negative size, named (not LIMIT's own 2201W), given or read from a row
               ($$SELECT * FROM history_range_bounds('{1,0}', '{6,8}', false)$$),
               ($$SELECT history_root(-1)$$),
               ($$SELECT history_root(n) FROM (VALUES (14), (-2)) v(n)$$)) x(s);
ROLLBACK;
SELECT setval('gridgov.case_history_entry_seq', :entry_last, :'entry_called') IS NOT NULL AS entries_restored;
