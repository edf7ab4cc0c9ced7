-- The lists pillar's catalog: its BI views carry plain types only (no
-- gridcode, gridcell, geometry, bigint or boolean), its tables that hold
-- jurisdiction data are under row-level security, and its ledger and
-- project tables are dumped by pg_dump.
BEGIN;
SELECT plan(3);
SELECT is_empty($$
    SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relnamespace = 'gridgov'::regnamespace AND c.relname IN ('bi_budget_lines', 'bi_projects', 'bi_needs')
       AND a.atttypid NOT IN ('text'::regtype, 'numeric'::regtype, 'integer'::regtype, 'date'::regtype, 'timestamptz'::regtype)$$,
    'the BI views carry text, numeric, integer, date and timestamptz only');
SELECT is_empty($$
    SELECT relname FROM pg_class
     WHERE relnamespace = 'gridgov'::regnamespace AND relkind = 'r' AND NOT relrowsecurity
       AND relname IN ('budget', 'budget_entry', 'project', 'project_move', 'project_consultation', 'project_vote',
                       'need', 'offer', 'need_take')$$,
    'the tables with jurisdiction data are under row-level security');
SELECT set_eq($$
    SELECT c.relname::text FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
     WHERE e.extname = 'gridgov' AND c.relkind = 'r'
       AND c.relname IN ('budget_kind', 'budget', 'budget_entry', 'project_stage_limit', 'project', 'project_move',
                         'project_consultation', 'project_vote', 'need', 'offer', 'need_take')$$,
    ARRAY['budget_kind', 'budget', 'budget_entry', 'project_stage_limit', 'project', 'project_move',
          'project_consultation', 'project_vote', 'need', 'offer', 'need_take'],
    'pg_dump dumps every table of the lists that users write');
SELECT * FROM finish();
ROLLBACK;
