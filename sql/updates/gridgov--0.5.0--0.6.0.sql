-- gridgov 0.5.0--0.6.0: a released script, frozen: it never changes (sql/updates/SHA256SUMS).
\echo Use "CREATE EXTENSION gridgov" to load this file. \quit
-- gridgov 0.5.0 -> 0.6.0: intake writes a statement's history in one
-- INSERT and holds its cases' references once per transaction.

-- The first history row of each new case, and its notification, come from
-- one AFTER INSERT statement trigger over the statement's new rows; the
-- row trigger keeps the moves (src/case_engine.c).
CREATE FUNCTION @extschema@.case_after_intake() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
DROP TRIGGER gridgov_case_history ON @extschema@.cases;
CREATE TRIGGER gridgov_case_history AFTER UPDATE ON @extschema@.cases
    FOR EACH ROW EXECUTE FUNCTION @extschema@.case_after_change();
CREATE TRIGGER gridgov_case_intake_history AFTER INSERT ON @extschema@.cases
    REFERENCING NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.case_after_intake();

-- Only the engine appends to the history.
CREATE TRIGGER gridgov_history_written_by_engine BEFORE INSERT ON @extschema@.case_history
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.case_history_refuse_change();

-- The foreign keys stay, and stay enforced: on update, on the referenced
-- side, and on intake by the engine, which holds each referenced row FOR KEY
-- SHARE once per transaction (src/case_references.c) where PostgreSQL's
-- insert check would query it once per row.  The history is written only by
-- the engine, for cases the same statement wrote.  So the insert checks go.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT tg.tgrelid::regclass AS tab, tg.tgname
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_constraint c ON c.oid OPERATOR(pg_catalog.=) tg.tgconstraint
         WHERE tg.tgrelid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.cases'::regclass, '@extschema@.case_history'::regclass])
           AND c.contype OPERATOR(pg_catalog.=) 'f'
           AND tg.tgfoid OPERATOR(pg_catalog.=) 'pg_catalog."RI_FKey_check_ins"'::regproc
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I', t.tab, t.tgname);
    END LOOP;
END;
$$;
