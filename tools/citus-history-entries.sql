-- Number the case history's rows on each Citus worker in a range of its
-- own (docs/scale-out.md).
--
--   psql -X -v ON_ERROR_STOP=1 -d mydb -f tools/citus-history-entries.sql
--
-- On the coordinator: tools/distribute-citus.sql runs it, and it must run
-- again after each citus_add_node(), before the new worker gets shards.
--
-- The history's entry is an identity column.  The case engine writes a
-- case's history rows on the worker that holds the case, where Citus takes
-- the entry from that worker's own sequence, the one of the table that
-- CREATE EXTENSION made there; each of those counts from 1, so entries
-- would repeat across workers.  As Citus does for the bigserial and
-- identity columns of the tables it creates on the workers itself, this
-- gives each worker's sequence the range of its group: group g numbers
-- from g * 2^48 + 1 to (g + 1) * 2^48.  The coordinator is group 0, whose
-- range holds the rows written before the tables were distributed.  A
-- worker's range starts past the entries already in it (those of a
-- restored history); a worker whose sequence has its range already is
-- left as it is, so the script can run again.
DO $$
DECLARE
    node record;
BEGIN
    FOR node IN
        SELECT * FROM run_command_on_workers($command$
            DO $range$
            DECLARE
                node_group constant bigint := (SELECT groupid FROM pg_catalog.pg_dist_local_group);
                low constant bigint := node_group * (1::bigint << 48) + 1;
                high constant bigint := (node_group + 1) * (1::bigint << 48);
                entries constant regclass := pg_catalog.pg_get_serial_sequence('gridgov.case_history', 'entry');
                next_entry bigint;
            BEGIN
                IF (SELECT s.seqmin FROM pg_catalog.pg_sequence s WHERE s.seqrelid = entries) = low THEN
                    RETURN;
                END IF;
                SELECT COALESCE(max(h.entry) + 1, low) INTO next_entry
                  FROM gridgov.case_history h WHERE h.entry BETWEEN low AND high;
                -- the worker's own sequence only: not sent on to the others
                PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
                EXECUTE format('ALTER SEQUENCE %s MINVALUE %s MAXVALUE %s START %s RESTART %s', entries, low, high, low, next_entry);
            END
            $range$
        $command$)
    LOOP
        IF NOT node.success THEN
            RAISE EXCEPTION 'could not give the history''s entries on %:% their range', node.nodename, node.nodeport
                USING DETAIL = node.result;
        END IF;
    END LOOP;
END
$$;
