-- The access part of the tour (docs/access.md): a community's grid worker
-- and the subdistrict's office, each granted a unit of the jurisdiction
-- tree, see the cases under it only, and the reporters' contacts of the
-- cases they handle only; then a checkpoint of the whole history, to keep
-- outside the database.
\pset footer off
SET search_path = gridgov, public;

-- the tour's two logins, made once in a cluster (roles outlive the database)
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'demo_worker_genzhuyuan') THEN
        CREATE ROLE demo_worker_genzhuyuan;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'demo_office_matian') THEN
        CREATE ROLE demo_office_matian;
    END IF;
END
$$;
GRANT gridgov_handler TO demo_worker_genzhuyuan;
GRANT gridgov_reader TO demo_office_matian;

\echo 'A1. Grants by jurisdiction: 根竹园社区''s grid worker handles its cases, 马田街道''s office'
\echo '    views the subdistrict.'
SELECT g.grantee, g.unit, u.name, g.function
  FROM (SELECT * FROM grant_jurisdiction('demo_worker_genzhuyuan', '440311006003', 'handler')
        UNION ALL
        SELECT * FROM grant_jurisdiction('demo_office_matian', '440311006', 'viewer')) g
  JOIN unit u ON u.code = g.unit;

\echo 'A2. The same query as each: the cases under its grant, and the reporters'' contacts of'
\echo '    the cases it handles (masked elsewhere), by row-level security and column privileges.'
SET ROLE demo_worker_genzhuyuan;
SELECT current_user AS role, count(*) AS cases, count(*) FILTER (WHERE NOT masked) AS contacts,
       count(*) FILTER (WHERE masked) AS masked
  FROM case_reporters;
RESET ROLE;
SET ROLE demo_office_matian;
SELECT current_user AS role, count(*) AS cases, count(*) FILTER (WHERE NOT masked) AS contacts,
       count(*) FILTER (WHERE masked) AS masked
  FROM case_reporters;
RESET ROLE;

\echo 'A3. A checkpoint of the whole case history (rows, Merkle root) to print and keep'
\echo '    elsewhere: verify_history(checkpoint) proves later that no row before it changed.'
SELECT history_checkpoint() AS checkpoint;
