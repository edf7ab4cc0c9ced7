-- Distribute gridgov over a Citus cluster (docs/scale-out.md).
--
--   psql -X -v ON_ERROR_STOP=1 -d mydb -f tools/distribute-citus.sql
--
-- On the coordinator, once: citus and gridgov (the same version) created
-- on every node BEFORE the workers joined (citus_add_node), so that each
-- worker holds the extension's own tables, the shells that Citus leaves to
-- the extension (it skips the shell tables of extension-owned tables).
-- Existing rows move into the shards.  One transaction: all or nothing.
--
-- What it does, and why:
-- * the tables that every case reads (grid layers, units, categories and
--   their rules, service points, the calendar, people and organizations,
--   grants, risk settings) become reference tables: a copy on every node,
--   so the case engine's triggers read them on the node they run on;
-- * cases and case_history are distributed by district (hash), colocated,
--   so that a case's history rows sit beside it; so is rollup_change, the
--   rollups' log of changed pairs, which the cases' statement trigger
--   appends to on the shard: the note goes into the log's shard on the
--   same worker, committed with the case, and refresh_rollups() on the
--   coordinator takes the notes of every shard;
-- * citus.enable_unsafe_triggers lets the tables keep their triggers: they
--   run on the shards, shard-locally;
-- * citus.enable_ddl_propagation is off while the tables are converted:
--   Citus drops and re-adds a table's foreign keys around the conversion
--   and would send the re-adding to the workers, whose extension tables
--   have them already;
-- * two unique indexes that do not hold the distribution column cannot be
--   kept on a distributed table: cases_id (ids stay unique, as one
--   sequence on the coordinator hands them out; a plain index on id, in
--   each shard, still finds a case by its number) and case_history_entry;
--   the foreign keys to cases (id) go with cases_id: reward's (the reward
--   trigger still checks that the case exists) and need's (a need keeps
--   its case's number, unchecked);
-- * Citus refuses row-level security policies with subqueries on its
--   tables: the policies of post, person_contact, person_login,
--   case_history and kpi_handler_daily that have one get the same tests as function calls
--   (case_visible, organization_anchor, person_post_held: sql/access.sql),
--   before the conversion, which copies every table's policies to its
--   shards.  The single node keeps the subqueries: one hashed list per
--   query, where the functions look up row by row.  case_reporters, a view
--   that reads cases.reporter with its owner's rights (which Citus checks
--   on the shards as the reader), reads case_reporters_rows() here: the
--   owner's read, each row decided by the caller's grants.
-- * the case engine's C code reads the reference tables (calendar, units,
--   rules) from inside queries on the shards: Citus refuses that unless
--   citus.allow_nested_distributed_execution is on, which this sets for
--   the database (on every node; new sessions).  A reference table is read
--   from the copy on the node itself, so the answers are the same.
-- * the move functions name the actor and the handler of a move to the
--   engine by SET LOCAL gridgov.actor and gridgov.handler: for the
--   engine on the worker to see them, Citus must send a transaction's
--   SET LOCAL to the workers, which citus.propagate_set_commands = local
--   makes it do; this sets it for the database too.
-- * the KPI rollups kpi_daily and kpi_unit_daily are distributed by unit
--   (hash), colocated with each other and not with the cases: a rollup row
--   is a unit's day, and unit is part of both primary keys.  A query per
--   unit runs whole on the shards, a query per subdistrict or district as
--   partial kpi_merge states combined on the coordinator.
-- * each worker numbers the history rows it writes from its own sequence:
--   tools/citus-history-entries.sql (run here, and after each new worker)
--   gives each one a range of its own, so that entries never repeat.
-- * case_notice, the queue of the notices of gridgov_case that the engine
--   cannot send from a shard, is distributed by district beside the cases
--   too: relay_case_notices() on the coordinator sends them, every second
--   as the job case_notices of the background worker, which this adds
--   (a single node has no such job: its engine notifies itself);
-- * the risk and handler rollups, risk_daily and kpi_handler_daily, are
--   distributed by district and colocated with the cases (each row notes
--   its cases' district): their refresh groups the cases by district too,
--   so each shard of the cases fills the rollup's shard beside it, and
--   readers merge partial sums and kpi_merge states of every shard.
-- * the coverage that the people checks read (grid_party_days,
--   community_headcount: docs/people.md) stays a local table on each node,
--   counted by the statement triggers of post and organization_unit where
--   a write runs them; the rows moving into the shards here are not new
--   (replica), so the coordinator keeps the counts it had.
-- Everything else (jobs, checkpoints, rewards, the rollups' states)
-- stays on the coordinator as local tables.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL citus.enable_unsafe_triggers = on;
SET LOCAL citus.enable_ddl_propagation = off;
SET LOCAL citus.multi_shard_modify_mode = sequential;
SET LOCAL client_min_messages = warning;
-- rows moving into the shards are not new: the triggers that would check
-- them again (querying other tables from inside a shard) stay quiet, here
-- and, by propagated SET LOCAL, on the workers
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL session_replication_role = replica;

-- the policies whose subqueries Citus refuses, as the same tests by
-- function calls; case_reporters over case_reporters_rows()
\ir citus-policies.sql

-- reference tables, every referenced table before those that refer to it
SELECT create_reference_table(t)
  FROM unnest(ARRAY[
        'gridgov.grid_layer', 'gridgov.unit', 'gridgov.unit_history', 'gridgov.grid_lineage',
        'gridgov.calendar_day', 'gridgov.work_period', 'gridgov.calendar_year',
        'gridgov.category', 'gridgov.category_rule', 'gridgov.warning_rule',
        'gridgov.organization_kind', 'gridgov.role', 'gridgov.organization',
        'gridgov.organization_unit', 'gridgov.person', 'gridgov.person_contact',
        'gridgov.post', 'gridgov.person_login', 'gridgov.service_point',
        'gridgov.jurisdiction_grant', 'gridgov.category_grant',
        'gridgov.risk_weight', 'gridgov.risk_setting', 'gridgov.risk_color'
       ]::regclass[]) WITH ORDINALITY AS r (t, n)
 ORDER BY n;

-- cases and their history, by district, colocated
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
  FROM pg_constraint
 WHERE contype = 'f' AND confrelid = 'gridgov.cases'::regclass
 ORDER BY conrelid::regclass::text, conname
\gexec
DROP INDEX gridgov.cases_id;
CREATE INDEX cases_id_lookup ON gridgov.cases (id);
DROP INDEX IF EXISTS gridgov.case_history_entry;
SELECT create_distributed_table('gridgov.cases', 'district');
SELECT create_distributed_table('gridgov.case_history', 'district', colocate_with => 'gridgov.cases');
SELECT create_distributed_table('gridgov.rollup_change', 'district', colocate_with => 'gridgov.cases');
SELECT create_distributed_table('gridgov.case_notice', 'district', colocate_with => 'gridgov.cases');
-- the rollups by district, whose refresh reads the cases of each shard
-- and writes the rollup's shard beside it
SELECT create_distributed_table('gridgov.risk_daily', 'district', colocate_with => 'gridgov.cases');
SELECT create_distributed_table('gridgov.kpi_handler_daily', 'district', colocate_with => 'gridgov.cases');

-- the KPI rollups, by unit
SELECT create_distributed_table('gridgov.kpi_daily', 'unit', colocate_with => 'none');
SELECT create_distributed_table('gridgov.kpi_unit_daily', 'unit', colocate_with => 'gridgov.kpi_daily');

-- the background worker (gridgov.worker_databases on the coordinator)
-- relays the notices queued on the shards every second; a job of the
-- coordinator's own, changed or disabled there like the others (kept when
-- this runs again, as after a restore)
INSERT INTO gridgov.job (name, function, period)
VALUES ('case_notices', 'gridgov.relay_case_notices', '1 second')
ON CONFLICT (name) DO NOTHING;
COMMIT;
SELECT format('ALTER DATABASE %I SET citus.allow_nested_distributed_execution = on', current_database())
UNION ALL
SELECT format('ALTER DATABASE %I SET citus.propagate_set_commands = local', current_database())
\gexec

-- each worker's history rows numbered in a range of its own
\ir citus-history-entries.sql

SELECT logicalrelid AS distributed_table,
       CASE partmethod WHEN 'h' THEN 'hash by ' || column_to_column_name(logicalrelid, partkey)
                       ELSE 'reference' END AS how,
       colocationid
  FROM pg_dist_partition
 WHERE logicalrelid::regclass::text LIKE 'gridgov.%'
 ORDER BY colocationid, logicalrelid::text;
