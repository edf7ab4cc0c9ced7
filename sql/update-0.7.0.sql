-- gridgov 0.6.0 -> 0.7.0: hardening.  The engine's queries cannot be
-- reached through the caller's search_path; the actor and the time of a
-- move come from the server; every edit of a case's content is a move of
-- its own in the hash-chained history; bounded inputs.

-- Cases: who moved a case and when come from the server; every edit of a
-- case's content is a move of its own; verify_history() accounts for every
-- history row.  (src/case_engine.c; docs/cases.md, "Actor and time",
-- "Edits" and "History".)

-- Dating moves and naming their actors is for the members of this role
-- (and superusers): importers of history from another system.  Roles belong
-- to the cluster, not to a database: it is created once, if missing, and
-- DROP EXTENSION leaves it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gridgov_importer') THEN
        CREATE ROLE gridgov_importer NOLOGIN;
        COMMENT ON ROLE gridgov_importer IS
            'gridgov: its members may give the time (not in the future) and the actor of reports and moves of cases';
    END IF;
END;
$$;

-- The content of a case (what, where, who reported it, how, the
-- evaluation), as a SHA-256 digest in every history row from 0.7.0 on, and
-- in the case row as the engine's link to it.  Digests, not values: the
-- reporter's personal data stays out of the append-only history.
ALTER TABLE @extschema@.cases ADD COLUMN history_content bytea;
COMMENT ON COLUMN @extschema@.cases.history_content IS
    'content digest of the case at its last move, as in that history row (kept by the engine)';
ALTER TABLE @extschema@.case_history ADD COLUMN content bytea;
COMMENT ON COLUMN @extschema@.case_history.content IS
    'SHA-256 of the case''s content after this move (content_digest); NULL in rows written before 0.7.0';

CREATE FUNCTION @extschema@.content_digest(c @extschema@.cases) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(pg_catalog.convert_to(
        @extschema@.history_field(c.unit::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.category) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.severity::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.channel) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.description) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.location::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.reporter::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.satisfaction::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.evaluation), 'UTF8'));
COMMENT ON FUNCTION @extschema@.content_digest(@extschema@.cases) IS
    'SHA-256 of a case''s unit, category, severity, channel, description, location, reporter, satisfaction and evaluation, in the history''s canonical form';

-- A row's content digest is chained when present: rows written before
-- 0.7.0 hash as they did.
CREATE OR REPLACE FUNCTION @extschema@.history_hash(previous bytea, h @extschema@.case_history) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(COALESCE(previous, '\x'::bytea) OPERATOR(pg_catalog.||) pg_catalog.convert_to(
        @extschema@.history_field(h.case_id::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.seq::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field((EXTRACT(epoch FROM h.at) OPERATOR(pg_catalog.*) 1000000)::bigint::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.actor) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.action) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.from_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.to_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.handling_level::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.service_point::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.escalation_trigger) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.note) OPERATOR(pg_catalog.||)
        CASE WHEN h.content IS NULL THEN ''
             ELSE @extschema@.history_field(pg_catalog.encode(h.content, 'hex')) END, 'UTF8'));
COMMENT ON FUNCTION @extschema@.history_hash(bytea, @extschema@.case_history) IS
    'SHA-256 of a history row''s canonical content (its content digest included, when it has one) after the previous row''s hash';

-- Every history row is accounted for: by its chain, by its case, and the
-- case's content by its last row.
CREATE OR REPLACE FUNCTION @extschema@.verify_history()
    RETURNS TABLE (district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH chained AS (
        SELECT h.district, h.case_id, h.seq, h.hash,
               @extschema@.history_hash(pg_catalog.lag(h.hash) OVER w, h) AS recomputed,
               pg_catalog.lag(h.seq) OVER w AS previous_seq
          FROM @extschema@.case_history h
        WINDOW w AS (PARTITION BY h.district, h.case_id ORDER BY h.seq)
    ), problems AS (
        -- a history whose case is gone
        SELECT h.district, h.case_id, pg_catalog.min(h.seq) AS seq, 0 AS rank,
               'the case of this history does not exist' AS problem
          FROM @extschema@.case_history h
         WHERE NOT EXISTS (SELECT FROM @extschema@.cases c
                            WHERE c.district OPERATOR(@extschema@.=) h.district
                              AND c.id OPERATOR(pg_catalog.=) h.case_id)
         GROUP BY h.district, h.case_id
        UNION ALL
        SELECT ch.district, ch.case_id, ch.seq, 1,
               CASE WHEN ch.seq OPERATOR(pg_catalog.<>) (COALESCE(ch.previous_seq, 0) OPERATOR(pg_catalog.+) 1)
                    THEN 'a row is missing before this one'
                    WHEN ch.hash OPERATOR(pg_catalog.<>) ch.recomputed
                    THEN 'the row''s content or its link to the previous row was changed' END
          FROM chained ch
        UNION ALL
        -- the chain is shorter than history_seq says, or ends elsewhere
        SELECT c.district, c.id, c.history_seq, 2, 'the history ends before the case''s last move'
          FROM @extschema@.cases c
         WHERE NOT EXISTS (SELECT FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district
                              AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.seq OPERATOR(pg_catalog.=) c.history_seq
                              AND h.hash OPERATOR(pg_catalog.=) c.history_hash)
        UNION ALL
        -- the case row's content is not what its last move left
        SELECT c.district, c.id, c.history_seq, 3, 'the case''s content differs from its last history row'
          FROM @extschema@.cases c
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) c.history_seq
         WHERE h.content OPERATOR(pg_catalog.<>) @extschema@.content_digest(c)
        UNION ALL
        -- the chain is longer than history_seq says
        SELECT h.district, h.case_id, pg_catalog.min(h.seq), 4, 'the history goes on after the case''s last move'
          FROM @extschema@.case_history h
          JOIN @extschema@.cases c
            ON c.district OPERATOR(@extschema@.=) h.district AND c.id OPERATOR(pg_catalog.=) h.case_id
         WHERE h.seq OPERATOR(pg_catalog.>) c.history_seq
         GROUP BY h.district, h.case_id
    )
    SELECT DISTINCT ON (p.district, p.case_id) p.district, p.case_id, p.seq, p.problem
      FROM problems p
     WHERE p.problem IS NOT NULL
     ORDER BY p.district, p.case_id, p.seq, p.rank;
END;
COMMENT ON FUNCTION @extschema@.verify_history() IS
    'the first problem of every case whose history does not hold: a changed or missing row, a history shorter or longer than the case says, content changed behind the engine, or a history without its case; no rows when all hold';

-- cases has a column more: the move functions, whose SQL-standard bodies
-- expanded SELECT * into the columns of their time, are made again, as
-- they were.
CREATE OR REPLACE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
CREATE OR REPLACE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point); END;
CREATE OR REPLACE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched'); END;
CREATE OR REPLACE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
CREATE OR REPLACE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
CREATE OR REPLACE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
CREATE OR REPLACE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
CREATE OR REPLACE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;
