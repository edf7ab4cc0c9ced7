-- Every released version updates to the current one (ALTER EXTENSION gridgov
-- UPDATE) with its data intact, and ends with exactly the catalog of a fresh
-- install: objects, whole function definitions (labels, settings, bodies),
-- aggregates, view definitions, columns, comments, privileges, operator
-- families, casts, dumped tables, constraints, indexes, policies and
-- triggers (enabled or not, the foreign keys' own included).  A fresh
-- install runs the pillar files in sql/, an update the frozen scripts in
-- sql/updates/: a pillar changed without a matching upgrade script fails
-- here, with the objects that differ listed below.
CREATE DATABASE gridgov_upgrade;
\c gridgov_upgrade
SET client_min_messages = warning;
CREATE EXTENSION postgis;
CREATE EXTENSION btree_gist;

CREATE FUNCTION gridgov_catalog() RETURNS TABLE (object text, detail text) LANGUAGE sql AS $$
    SELECT o.type || ' ' || o.identity,
           concat_ws(' | ',
           CASE d.classid
           WHEN 'pg_proc'::regclass THEN
               (SELECT CASE WHEN p.prokind = 'a'
                            THEN concat_ws(' ', p.proparallel, pg_get_function_arguments(p.oid),
                                           a.aggtransfn::regproc, a.aggfinalfn::regproc, a.aggcombinefn::regproc,
                                           a.aggserialfn::regproc, a.aggdeserialfn::regproc, a.aggtranstype::regtype,
                                           a.aggtransspace, a.agginitval, a.aggfinalmodify, a.aggsortop::regoperator)
                            -- the whole definition: labels, settings, and the body, SQL-standard ones included
                            ELSE pg_get_functiondef(p.oid) END || ' acl ' || coalesce(p.proacl::text, '-')
                  FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE p.oid = d.objid)
           WHEN 'pg_class'::regclass THEN
               (SELECT concat_ws(' ', r.relkind, r.reloptions::text, coalesce(r.relacl::text, '-'),
                                 CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid) END,
                                 (SELECT string_agg(concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod),
                                                              a.attnotnull, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid), a.attacl::text,
                                                              col_description(r.oid, a.attnum)), ', ' ORDER BY a.attnum)
                                    FROM pg_attribute a
                                    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                   WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped))
                  FROM pg_class r WHERE r.oid = d.objid)
           WHEN 'pg_type'::regclass THEN
               (SELECT concat_ws(' ', t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory, t.typispreferred,
                                 t.typinput::regproc, t.typoutput::regproc, t.typreceive::regproc, t.typsend::regproc,
                                 t.typanalyze::regproc, coalesce(t.typacl::text, '-'))
                  FROM pg_type t WHERE t.oid = d.objid)
           WHEN 'pg_operator'::regclass THEN
               (SELECT concat_ws(' ', o2.oprcode, o2.oprrest, o2.oprjoin, o2.oprcom::regoperator, o2.oprnegate::regoperator,
                                 o2.oprcanhash, o2.oprcanmerge)
                  FROM pg_operator o2 WHERE o2.oid = d.objid)
           WHEN 'pg_opclass'::regclass THEN
               (SELECT concat_ws(' ', oc.opcdefault, oc.opcintype::regtype, oc.opckeytype::regtype)
                  FROM pg_opclass oc WHERE oc.oid = d.objid)
           WHEN 'pg_opfamily'::regclass THEN
               (SELECT concat_ws(' ',
                        (SELECT string_agg(concat_ws(' ', ao.amopstrategy, ao.amopopr::regoperator, ao.amoppurpose),
                                           ', ' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text)
                           FROM pg_amop ao WHERE ao.amopfamily = d.objid),
                        (SELECT string_agg(concat_ws(' ', ap.amprocnum, ap.amproclefttype::regtype,
                                                     ap.amprocrighttype::regtype, ap.amproc::regprocedure),
                                           ', ' ORDER BY ap.amprocnum, ap.amproclefttype, ap.amprocrighttype)
                           FROM pg_amproc ap WHERE ap.amprocfamily = d.objid)))
           WHEN 'pg_cast'::regclass THEN
               (SELECT concat_ws(' ', ca.castfunc::regprocedure, ca.castcontext, ca.castmethod)
                  FROM pg_cast ca WHERE ca.oid = d.objid)
           END,
           -- the comment that \df+, \d+ and BI tools show
           'comment ' || coalesce(obj_description(d.objid, d.classid::regclass::text), '-'))
      FROM pg_depend d
      JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass,
           LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
     WHERE e.extname = 'gridgov' AND d.deptype = 'e'
    UNION ALL
    -- the schema the extension is registered in (not a member of it)
    SELECT 'extension registered in', extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'gridgov'
    UNION ALL
    -- the tables pg_dump keeps, with their filters
    SELECT 'dumped configuration', (SELECT string_agg(c::regclass::text || ' ' || coalesce(w, '-'), ', ' ORDER BY c::regclass::text)
                                      FROM pg_extension e2, unnest(e2.extconfig, e2.extcondition) AS x(c, w)
                                     WHERE e2.extname = 'gridgov')
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || '.' || conname, pg_get_constraintdef(c.oid)
      FROM pg_constraint c WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'gridgov') AND conrelid <> 0
    UNION ALL
    SELECT 'index ' || indexrelid::regclass, pg_get_indexdef(indexrelid)
      FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid WHERE r.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'gridgov')
    UNION ALL
    SELECT 'trigger ' || tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
      FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
     WHERE r.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'gridgov') AND NOT t.tgisinternal
    UNION ALL
    SELECT 'policy ' || p.polrelid::regclass || '.' || p.polname,
           concat_ws(' ', p.polcmd, p.polpermissive, p.polroles::regrole[]::text,
                     pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
      FROM pg_policy p JOIN pg_class r ON r.oid = p.polrelid
     WHERE r.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'gridgov')
    UNION ALL
    -- a foreign key's own triggers, named by their OIDs: by what they do
    SELECT 'foreign key trigger ' || c.conrelid::regclass || '.' || c.conname || ' ' || t.tgrelid::regclass
           || ' ' || t.tgfoid::regproc, t.tgenabled::text
      FROM pg_trigger t JOIN pg_constraint c ON c.oid = t.tgconstraint
     WHERE c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'gridgov') AND c.contype = 'f'
$$;

CREATE TABLE catalogs (install text, object text, detail text);
CREATE TABLE checks (from_version text, check_name text, ok boolean);
CREATE TABLE differences (from_version text, side text, object text, detail text);

CREATE EXTENSION gridgov;
INSERT INTO catalogs SELECT 'fresh', * FROM gridgov_catalog();
DROP EXTENSION gridgov;

DO $$
DECLARE
    v text;
BEGIN
    FOR v IN SELECT version FROM pg_available_extension_versions
              WHERE name = 'gridgov'
                AND string_to_array(version, '.')::int[]
                    < string_to_array((SELECT default_version FROM pg_available_extensions
                                        WHERE name = 'gridgov'), '.')::int[]
              ORDER BY string_to_array(version, '.')::int[]
    LOOP
        EXECUTE format('CREATE EXTENSION gridgov VERSION %L', v);
        -- data a user of that version has: units, and a table of theirs
        INSERT INTO gridgov.unit (code, name) VALUES ('44', '广东省'), ('4403', '深圳市'), ('440311', '光明区');
        CREATE TABLE user_places (code gridgov.gridcode PRIMARY KEY, note text);
        INSERT INTO user_places SELECT gridgov.child('440311', g), 'subdistrict ' || g FROM generate_series(1, 6) g;
        CREATE INDEX user_places_code ON user_places USING hash (code);
        -- and, from 0.4.0 on, daily rollups
        IF to_regclass('gridgov.kpi_daily') IS NOT NULL THEN
            INSERT INTO gridgov.kpi_daily (day, unit, category, kpi) VALUES
                ('2026-11-16', '440311006003001', 'noise', '{"version": 1, "received": 3, "due_to_close": 2, "closed": 2}'),
                ('2026-11-16', '440311006003001', 'garbage', '{"version": 1, "received": 1}'),
                ('2026-11-17', '440311006004', 'noise', '{"version": 1, "received": 2}');
        END IF;
        -- and, from 0.5.0 on, their rollup per unit
        IF to_regclass('gridgov.kpi_unit_daily') IS NOT NULL THEN
            INSERT INTO gridgov.kpi_unit_daily (day, unit, kpi)
            SELECT d::date, u::gridgov.gridcode, format('{"version": 1, "received": %s}', n)::gridgov.kpi_state
              FROM (VALUES ('2026-11-16', '440311', 4), ('2026-11-16', '440311006', 4),
                           ('2026-11-16', '440311006003', 4), ('2026-11-16', '440311006003001', 4),
                           ('2026-11-17', '440311', 2), ('2026-11-17', '440311006', 2),
                           ('2026-11-17', '440311006004', 2)) r(d, u, n);
        END IF;

        ALTER EXTENSION gridgov UPDATE;

        INSERT INTO checks VALUES
            (v, 'updated to the default version',
             (SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'gridgov')
                FROM pg_extension WHERE extname = 'gridgov')),
            (v, 'units kept', (SELECT gridgov.breadcrumb('440311') = '广东省 › 深圳市 › 光明区')),
            (v, 'rollups kept, and rolled up per unit',
             (SELECT coalesce(array_agg(format('%s %s %s', to_char(day, 'YYYY-MM-DD'), unit, gridgov.received(kpi))
                                        ORDER BY day, unit), '{}')
                FROM gridgov.kpi_unit_daily)
             = CASE WHEN string_to_array(v, '.')::int[] < '{0,4,0}' THEN '{}'::text[]
                    ELSE ARRAY['2026-11-16 440311 4', '2026-11-16 440311006 4', '2026-11-16 440311006003 4',
                               '2026-11-16 440311006003001 4', '2026-11-17 440311 2', '2026-11-17 440311006 2',
                               '2026-11-17 440311006004 2'] END),
            (v, 'user table kept and indexed',
             (SELECT count(*) = 6 FROM user_places WHERE code OPERATOR(gridgov.<@) '440311'::gridgov.gridcode));
        INSERT INTO differences
        SELECT v, 'fresh only', * FROM (SELECT object, detail FROM catalogs WHERE install = 'fresh'
                                        EXCEPT SELECT * FROM gridgov_catalog()) f
        UNION ALL
        SELECT v, 'updated only', * FROM (SELECT * FROM gridgov_catalog()
                                          EXCEPT SELECT object, detail FROM catalogs WHERE install = 'fresh') u;
        -- The one difference allowed, the layout of before 0.8.0, which no
        -- update can change (docs/operations.md): PostgreSQL made the schema
        -- gridgov, outside the extension, and registered the extension in it.
        -- A fresh install makes the schema itself, a member, and is
        -- registered in the creation schema, public.
        INSERT INTO checks VALUES
            (v, 'layout of before 0.8.0 kept, and only that differs',
             (SELECT array_agg(concat_ws(' ', side, object, detail) ORDER BY side, object)
                FROM differences d WHERE d.from_version = v
                 AND (object, detail) IN (('schema gridgov', 'comment -'), ('extension registered in', 'public'),
                                          ('extension registered in', 'gridgov')))
             = ARRAY['fresh only extension registered in public', 'fresh only schema gridgov comment -',
                     'updated only extension registered in gridgov']);
        DELETE FROM differences d WHERE d.from_version = v
           AND (object, detail) IN (('schema gridgov', 'comment -'), ('extension registered in', 'public'),
                                    ('extension registered in', 'gridgov'));
        INSERT INTO checks VALUES
            (v, 'same catalog as a fresh install', NOT EXISTS (SELECT FROM differences d WHERE d.from_version = v));
        DROP TABLE user_places;
        DROP EXTENSION gridgov;
        -- each version's locks released before the next: in one transaction
        -- the object locks of every version's install, update and drop outgrow
        -- the shared lock table (max_locks_per_transaction)
        COMMIT;
    END LOOP;
END $$;

SELECT from_version, check_name, ok FROM checks ORDER BY from_version, check_name;
SELECT count(*) > 50 AS fresh_catalog_is_not_empty FROM catalogs WHERE install = 'fresh';
-- what differs, if anything: the objects a pillar file and the upgrade
-- scripts disagree on
SELECT from_version, side, object, left(detail, 200) AS detail FROM differences ORDER BY 1, 3, 2;

-- Case histories written at 0.6.0 still verify after the update, and go on
-- with the content digests of 0.7.0.  (The cases are moved by the module
-- already installed, as happens between installing a new release and
-- ALTER EXTENSION UPDATE: on the old tables it writes the old chain.)
CREATE EXTENSION gridgov VERSION '0.6.0';
\set ECHO none
\i tests/pgtap/case_fixture.psql
\set ECHO all
INSERT INTO cases (id, category, channel, location, reported_at, description)
SELECT g, 'noise', 'hotline', (SELECT point FROM spot WHERE name = 'genzhuyuan'), '2026-11-16 09:00+08', '噪音'
  FROM generate_series(1, 3) g;
SELECT count(accept(g, at => '2026-11-16 09:30+08')) AS accepted FROM generate_series(1, 3) g;
UPDATE cases SET description = '夜间噪音' WHERE id = 3;
SELECT * FROM verify_history();
ALTER EXTENSION gridgov UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'gridgov';
SELECT * FROM verify_history();
SELECT status FROM dispatch(1, at => '2026-11-16 10:00+08');
UPDATE cases SET reporter = '{"phone": "13800000000"}' WHERE id = 2;
-- and with the people of 0.8.0: the role is a person from now on
INSERT INTO person (id) VALUES (1);
INSERT INTO person_login VALUES (current_user::regrole, 1);
UPDATE cases SET description = '楼上噪音' WHERE id = 1;
SELECT case_id, seq, action, note, content IS NOT NULL AS has_content, actor_person FROM case_history ORDER BY case_id, seq;
SELECT * FROM verify_history();
-- from here on the content is covered: changed behind the engine, it shows
SET session_replication_role = replica;
UPDATE cases SET description = '无事' WHERE id IN (2, 3);
RESET session_replication_role;
SELECT * FROM verify_history();
DROP EXTENSION gridgov;

\c contrib_regression
DROP DATABASE gridgov_upgrade;
