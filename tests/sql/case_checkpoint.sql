-- Checkpoints of the case history (docs/cases.md, "Checkpoints"): the
-- Merkle root against RFC 6962's test vectors and against a second,
-- recursive computation; then a checkpoint taken before each kind of
-- tampering that the per-case chains cannot see, done by the tables' owner
-- and by a superuser: a row rewritten with its hash recomputed, a case
-- deleted with its history, the last rows deleted, a row inserted in the
-- middle.  Each is detected and named.  Then bad checkpoints, and the
-- conditions a checkpoint refuses to be taken under.
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
\set ECHO none
\i tests/pgtap/case_fixture.psql
\set ECHO all
SET gridgov.actor = '网格员李';
SET gridgov.checkpoint_origin = 'shenzhen-guangming';
-- refused(statement) and tree_hash(leaves), RFC 6962's by its recursion
\i tests/sql/checkpoint_helpers.psql

-- RFC 6962's tree hash of the leaves of the Certificate Transparency test
-- vectors (the roots published with them, for 1 to 8 leaves)
WITH inputs(i, d) AS (
    VALUES (1, '\x'::bytea), (2, '\x00'), (3, '\x10'), (4, '\x2021'), (5, '\x3031'), (6, '\x40414243'),
           (7, '\x5051525354555657'), (8, '\x606162636465666768696a6b6c6d6e6f'))
SELECT n AS leaves, encode(merkle_root(sha256('\x00'::bytea || d) ORDER BY i), 'hex') AS root
  FROM generate_series(1, 8) n JOIN inputs ON i <= n
 GROUP BY n ORDER BY n;
SELECT encode(merkle_root(x), 'hex') AS empty_tree FROM (SELECT NULL::bytea AS x WHERE false) s;

-- a second computation, tree_hash, for 0 to 70 leaves
WITH leaves AS (SELECT i, sha256('\x00'::bytea || int4send(i * 7919)) AS leaf FROM generate_series(1, 70) i)
SELECT count(*) AS sizes,
       count(*) FILTER (WHERE (SELECT merkle_root(l.leaf ORDER BY l.i) FROM leaves l WHERE l.i <= n)
                              = pg_temp.tree_hash(ARRAY(SELECT l.leaf FROM leaves l WHERE l.i <= n ORDER BY l.i))) AS agree,
       count(DISTINCT (SELECT merkle_root(l.leaf ORDER BY l.i) FROM leaves l WHERE l.i <= n)) AS distinct_roots
  FROM generate_series(0, 70) n;
-- leaves are 32-byte hashes, never NULL
SELECT pg_temp.refused($$SELECT merkle_root(x) FROM (VALUES (sha256('a')), (NULL)) v(x)$$);
SELECT pg_temp.refused($$SELECT merkle_root('\x0102')$$);

-- eight cases and their moves; a report rolled back leaves a gap in entry
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, 'noise', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2026-11-16 09:00+08'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 8) g;
SELECT count(*) AS accepted FROM (SELECT accept(id, at => '2026-11-16 10:00+08') FROM cases) a;
SAVEPOINT gap;
INSERT INTO cases (id, category, channel, unit) VALUES (99, 'noise', 'walk_in', '440311006003001');
ROLLBACK TO SAVEPOINT gap;
SELECT count(*) AS dispatched FROM (SELECT dispatch(id, at => '2026-11-16 11:00+08') FROM cases WHERE id <= 6) d;
SELECT count(*) AS started FROM (SELECT start(id, at => '2026-11-16 12:00+08') FROM cases WHERE id <= 4) s;
SELECT min(e) AS gap FROM generate_series(1, (SELECT max(entry) FROM case_history)) e
 WHERE e NOT IN (SELECT entry FROM case_history) \gset

-- the checkpoint; it verifies, and later moves do not disturb it
SELECT history_checkpoint();
SELECT checkpoint FROM case_history_witness \gset
SELECT tree_size, encode(root, 'base64') = split_part(checkpoint, E'\n', 3) AS root_recorded,
       taken_by = current_user AS taken_by_me
  FROM case_history_witness;
SELECT count(*) AS witness_leaves, bool_and(w.leaf = history_leaf(h)) AS leaves_match
  FROM case_history_witness_leaf w JOIN case_history h USING (entry);
SELECT * FROM verify_history(:'checkpoint');
SELECT (resolve(1, at => '2026-11-16 15:00+08')).status;
SELECT * FROM verify_history(:'checkpoint');
SELECT * FROM verify_history();

-- the tables' owner, a role of its own here (and an auditor, to verify),
-- may switch their triggers off
CREATE ROLE district_dba IN ROLE gridgov_auditor;
ALTER TABLE cases OWNER TO district_dba;
ALTER TABLE case_history OWNER TO district_dba;
ALTER TABLE case_history_witness_leaf OWNER TO district_dba;

-- Each tampering, once by the owner with the tables' triggers off and once
-- by a superuser with session_replication_role = replica, in a savepoint
-- (tests/sql/case_checkpoint_tampering.psql)
\set tamper 'SET ROLE district_dba; ALTER TABLE case_history DISABLE TRIGGER USER; ALTER TABLE cases DISABLE TRIGGER USER;'
\i tests/sql/case_checkpoint_tampering.psql
\set tamper 'SET session_replication_role = replica;'
\i tests/sql/case_checkpoint_tampering.psql

-- a row changed without its hash: the chain names it, with its entry
SAVEPOINT tamper;
:tamper
UPDATE case_history SET note = '已电话回访' WHERE case_id = 8 AND seq = 2;
SELECT * FROM verify_history(:'checkpoint');
ROLLBACK TO SAVEPOINT tamper;

-- a checkpoint is not taken over a changed history; the owner who changes
-- the witness's leaf too is still detected, no longer named
SAVEPOINT tamper;
SET ROLE district_dba;
ALTER TABLE case_history DISABLE TRIGGER USER;
UPDATE case_history h
   SET hash = history_hash(p.hash, (h.district, h.case_id, h.seq, h.at, h.actor, h.action, h.from_status,
           h.to_status, h.handling_level, h.service_point, h.escalation_trigger, '已电话回访', h.hash, h.content,
           h.entry, h.actor_person, h.handler)::case_history),
       note = '已电话回访'
  FROM case_history p
 WHERE h.case_id = 8 AND h.seq = 2 AND p.case_id = 8 AND p.seq = 1;
UPDATE case_history_witness_leaf w SET leaf = history_leaf(h) FROM case_history h WHERE h.entry = w.entry AND h.case_id = 8;
SELECT * FROM verify_history(:'checkpoint');
RESET ROLE;
SELECT history_checkpoint();
ROLLBACK TO SAVEPOINT tamper;

-- checkpoints that are not checkpoints: 22P02, naming the line
SELECT pg_temp.refused($$SELECT * FROM verify_history('gridgov/shenzhen-guangming')$$);
SELECT pg_temp.refused(format('SELECT * FROM verify_history(%L)', replace(:'checkpoint', 'gridgov/', 'ct/')));
SELECT pg_temp.refused(format('SELECT * FROM verify_history(%L)', regexp_replace(:'checkpoint', E'\n[0-9]+\n', E'\n-3\n')));
SELECT pg_temp.refused(format('SELECT * FROM verify_history(%L)', regexp_replace(:'checkpoint', E'\n[0-9]+\n', E'\n99999999999999999999\n')));
SELECT pg_temp.refused(format('SELECT * FROM verify_history(%L)', regexp_replace(:'checkpoint', '[^\n]*\n$', E'not base64\n')));
SELECT * FROM verify_history(E'gridgov/x\n1\n');
-- a checkpoint of more rows than there are
SELECT * FROM verify_history(regexp_replace(:'checkpoint', E'\n[0-9]+\n', E'\n1000\n'));

-- an auditor (gridgov_auditor) cannot take a checkpoint, which locks the
-- history, but verifies one
CREATE ROLE auditor_chen IN ROLE gridgov_auditor;
-- a checkpoint covers every row: its verifier reads them all (docs/access.md)
ALTER ROLE auditor_chen BYPASSRLS;
SET ROLE auditor_chen;
SELECT pg_temp.refused('SELECT history_checkpoint()');
SELECT count(*) AS problems FROM verify_history(:'checkpoint');
RESET ROLE;
ROLLBACK;

-- under REPEATABLE READ the snapshot could miss rows below the checkpoint
SET search_path = gridgov, public;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT history_checkpoint();
ROLLBACK;
