-- The install script resists objects planted before CREATE EXTENSION
-- (PostgreSQL's "Security Considerations for Extension Scripts"): hostile
-- same-named functions and operators in public, the schema PostGIS lives in
-- and so on the script's search_path, and a hostile search_path at call time.
-- Then the engine, the rollups and the maps resist a caller who puts a
-- schema of look-alikes first on the search_path of a new session.
CREATE DATABASE gridgov_hostile;
\c gridgov_hostile
SET client_min_messages = warning;

CREATE TABLE public.hijacked (what text);
GRANT INSERT ON public.hijacked TO PUBLIC;
CREATE FUNCTION public.record_hijack(what text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO public.hijacked VALUES (what) RETURNING true $$;

-- look-alikes of what the script and its functions call, each with an
-- argument type that would win over pg_catalog's if it were unqualified
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('now') THEN 'epoch'::timestamptz END $$;
CREATE FUNCTION public.btrim(text) RETURNS text LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('btrim') THEN $1 END $$;
CREATE FUNCTION public.length(text) RETURNS integer LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('length') THEN 1 END $$;
CREATE FUNCTION public.regexp_replace(text, text, text) RETURNS text LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('regexp_replace') THEN $1 END $$;
CREATE FUNCTION public.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('jsonb_build_object') THEN '{}'::jsonb END $$;
CREATE FUNCTION public.generate_series(integer, integer) RETURNS SETOF integer LANGUAGE sql
    AS $$ SELECT g FROM pg_catalog.generate_series($1, $2) g WHERE public.record_hijack('generate_series') $$;
CREATE FUNCTION public.format(text, regclass) RETURNS text LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('format') THEN 'SELECT 1' END $$;
CREATE FUNCTION public.string_agg_hijack(text, text, text) RETURNS text LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('string_agg') THEN $2 END $$;
CREATE AGGREGATE public.string_agg(text, text) (SFUNC = public.string_agg_hijack, STYPE = text);
CREATE FUNCTION public.int_le(integer, integer) RETURNS boolean LANGUAGE sql
    AS $$ SELECT public.record_hijack('<=') $$;
CREATE OPERATOR public.<= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.int_le);
CREATE FUNCTION public.int_minus(integer, integer) RETURNS integer LANGUAGE sql
    AS $$ SELECT CASE WHEN public.record_hijack('-') THEN 0 END $$;
CREATE OPERATOR public.- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.int_minus);
CREATE FUNCTION public.text_ne(text, text) RETURNS boolean LANGUAGE sql
    AS $$ SELECT public.record_hijack('<>') $$;
CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_ne);

SET search_path = public, pg_catalog;
CREATE EXTENSION gridgov CASCADE;
SELECT count(*) AS hijacked_during_install FROM public.hijacked;

-- call everything with the hostile objects first on the search_path
CREATE TEMP TABLE source (code text, name text);
INSERT INTO source VALUES (' 44 ', '广东省'), ('4403', '深圳市'), ('440311', '光明区'),
                          ('440311006', '马田街道'), ('440311006003', '根竹园社区居委会');
SELECT gridgov.import_units('source');
UPDATE gridgov.unit SET name = '深圳' WHERE code OPERATOR(gridgov.=) '4403';
SELECT gridgov.breadcrumb('440311006003');
SELECT code, name FROM gridgov.descendants('4403', 4);
SELECT code, name FROM gridgov.ancestors('440311006003');
SELECT code FROM gridgov.children(gridgov.gridcode '440311');
SELECT gridgov.unit_at(ST_SetSRID(ST_MakePoint(113.9, 22.7), 4326), 5);
SELECT what, count(*) AS hijacks_by_gridgov FROM public.hijacked GROUP BY what ORDER BY what;

-- the traps are live: a function whose body is parsed at call time, with
-- public before pg_catalog, walks into them
CREATE FUNCTION public.naive_trim(text) RETURNS text LANGUAGE sql AS $$ SELECT btrim($1) $$;
SELECT public.naive_trim(' 4403 ');
SELECT what, count(*) AS hijacks_of_naive_code FROM public.hijacked GROUP BY what ORDER BY what;

-- gridgov's functions that run SQL either were parsed at creation (SQL
-- bodies) or pin their search path (PL/pgSQL): none is listed here.  The
-- pinned path is the script's: gridgov, then the schemas of the required
-- extensions (PostGIS and btree_gist, both in public here), pg_temp last;
-- or, for the functions that run as their owner, gridgov, pg_catalog and
-- pg_temp.
SELECT p.oid::regprocedure AS exposed_function
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND ((l.lanname = 'sql' AND p.prosqlbody IS NULL)
        OR (l.lanname = 'plpgsql' AND NOT coalesce(p.proconfig, '{}') @> '{"search_path=gridgov, public, public, pg_temp"}'
            -- SECURITY DEFINER functions (open311.sql) search gridgov and pg_catalog only
            AND NOT (p.prosecdef AND coalesce(p.proconfig, '{}') @> '{"search_path=gridgov, pg_catalog, pg_temp"}')));
-- PostGIS functions that run SQL of their own, with operators left to the
-- search_path (the projections of ST_Transform, the SRID names of
-- ST_AsGeoJSON): the functions that call them pin their search path too
SELECT DISTINCT p.oid::regprocedure AS calls_postgis_sql_unpinned
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_proc'::regclass
  JOIN pg_proc q ON q.oid = d.refobjid
 WHERE p.pronamespace = 'gridgov'::regnamespace AND q.proname IN ('st_transform', 'st_asgeojson')
   AND NOT coalesce(p.proconfig, '{}') @> '{"search_path=gridgov, public, public, pg_temp"}';


-- ----------------------------------------------------------------------
-- Call time.  A caller who puts a schema of look-alikes before pg_catalog
-- reaches none of them on any path of the engine: intake, every move, the
-- sweep, the history check, the clock, the rollups, the dashboards and the
-- maps (PostGIS included), and the results are those of a clean session.
-- ----------------------------------------------------------------------
SET search_path = pg_catalog, public;
-- two grids with boundaries and their service points; two categories;
-- the third report of a category in a grid within 30 days is a warning
INSERT INTO gridgov.unit (code, name, boundary) VALUES
    ('440311006004', '马山头社区', NULL),
    ('440311006003001', '根竹园社区第01网格', ST_Multi(ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326))),
    ('440311006004001', '马山头社区第01网格', ST_Multi(ST_MakeEnvelope(113.95, 22.74, 113.97, 22.76, 4326)));
INSERT INTO gridgov.service_point (id, name, unit) VALUES
    (1, '光明区群众诉求服务中心', '440311'), (2, '马田街道群众诉求服务中心', '440311006'),
    (3, '根竹园社区党群服务中心', '440311006003'), (4, '马山头社区党群服务中心', '440311006004');
INSERT INTO gridgov.category (code, name) VALUES ('noise', '噪音扰民'), ('dispute', '邻里纠纷');
INSERT INTO gridgov.category_rule (category, severity, handling_level, limit_unit,
                                   accept_limit, dispatch_limit, resolve_limit, verify_limit) VALUES
    ('noise', 1, 5, 'working_day', 1, 1, 3, 1),
    ('noise', 2, 4, 'working_hour', 2, 2, 8, 4),
    -- a dispatch limit of about a second, for the sweep
    ('dispute', 1, 5, 'clock_hour', 1, 0.0003, 48, 24);
INSERT INTO gridgov.warning_rule (category, time_window, threshold) VALUES (NULL, '30 days', 3);
-- the instants and days every reading below uses
CREATE TABLE public.clock AS
SELECT now() + interval '1 day' AS as_of, current_date - 2 AS from_day, current_date + 2 AS to_day,
       date_trunc('month', now() AT TIME ZONE gridgov.calendar_timezone())::date AS month;
CREATE TABLE public.intake (LIKE gridgov.cases);
CREATE TABLE public.reading (session text, what text, value text);
-- the rollups, refreshed from the cases by whoever calls them, then read
CREATE FUNCTION public.refresh(as_of timestamptz, from_day date, to_day date)
    RETURNS TABLE (what text, value text) LANGUAGE sql
BEGIN ATOMIC
    SELECT 'refresh_kpi_daily', gridgov.refresh_kpi_daily(from_day, to_day, as_of)::text
    UNION ALL
    -- (the risk rollup holds only the days that have ended)
    SELECT 'refresh_risk_daily', gridgov.refresh_risk_daily(from_day, LEAST(to_day, gridgov.risk_day(now()) - 1))::text;
END;

-- What the dashboards and maps return, as checksums (NULL when empty).
-- The body is parsed here, in a clean session; gridgov's functions it
-- calls run under the search_path of whoever calls it.
CREATE FUNCTION public.readings(as_of timestamptz, from_day date, to_day date, month date)
    RETURNS TABLE (what text, value text) LANGUAGE sql
BEGIN ATOMIC
    SELECT 'verify_history', count(*) || ' broken' FROM gridgov.verify_history() v
    UNION ALL
    SELECT 'case_clock', md5(string_agg(k::text, ',' ORDER BY k.id)) FROM gridgov.case_clock(as_of) k
    UNION ALL
    SELECT 'case_clock view', count(*)::text FROM gridgov.case_clock
    UNION ALL
    SELECT 'working_span', gridgov.working_span(as_of - interval '3 days', as_of, 'working_hour')::text
    UNION ALL
    SELECT 'kpi_daily', md5(string_agg(d::text, ',' ORDER BY d.unit, d.category)) FROM gridgov.kpi_daily d
    UNION ALL
    SELECT 'kpi', gridgov.kpi(c, as_of)::text FROM gridgov.cases c
    UNION ALL
    SELECT 'kpi_by_unit', md5(string_agg(k::text, ',' ORDER BY k.unit)) FROM gridgov.kpi_by_unit(from_day, to_day) k
    UNION ALL
    SELECT 'unit_kpi_monthly', count(*)::text FROM gridgov.unit_kpi_monthly
    UNION ALL
    SELECT 'daily_flow', md5(string_agg(f::text, ',' ORDER BY f::text)) FROM gridgov.daily_flow f
    UNION ALL
    SELECT 'service_point_ranking', md5(string_agg(r::text, ',' ORDER BY r.service_point))
      FROM gridgov.service_point_ranking(month, as_of, 1) r
    UNION ALL
    SELECT 'service_point_monthly', count(*)::text FROM gridgov.service_point_monthly
    UNION ALL
    SELECT 'risk', round(gridgov.risk(c, as_of)::numeric, 9)::text FROM gridgov.cases c
    UNION ALL
    SELECT 'risk_scores', md5(string_agg(s.unit::text || ' ' || round(s.score::numeric, 9) || ' ' || s.cases, ','
                                         ORDER BY s.unit))
      FROM gridgov.risk_scores('440311', as_of) s
    UNION ALL
    SELECT 'risk_now', round(gridgov.risk_now('440311006003', as_of)::numeric, 9)::text
    UNION ALL
    SELECT 'risk_cells', md5(string_agg(r.cell::text || ' ' || round(r.score::numeric, 9), ',' ORDER BY r.cell))
      FROM gridgov.risk_cells(gridgov.gridcell(113.94, 22.75, 4), 6, as_of) r
    UNION ALL
    SELECT 'risk_map', string_agg(m.unit || ' ' || m.color || ' ' || m.cases, ',' ORDER BY m.unit) FROM gridgov.risk_map m
    UNION ALL
    SELECT 'risk_geojson', md5(gridgov.risk_geojson('440311006', as_of)::text)
    UNION ALL
    SELECT 'risk_tile', md5(nullif(gridgov.risk_tile(10, 836, 445, 6, as_of), '\x'))
    UNION ALL
    SELECT 'risk_cell_tile', md5(nullif(gridgov.risk_cell_tile(10, 836, 445, 6, as_of), '\x'))
    UNION ALL
    SELECT 'risk_cell_tile by zoom', md5(nullif(gridgov.risk_cell_tile(14, 13377, 7128, as_of => as_of), '\x'))
    UNION ALL
    SELECT 'cover', md5(string_agg(c.cell::text, ',' ORDER BY c.cell))
      FROM gridgov.cover(ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326), 5) c
    UNION ALL
    SELECT 'unit_at', (gridgov.unit_at('SRID=4326;POINT(113.96 22.75)', 6)).code::text
    UNION ALL
    SELECT 'deadline', (gridgov.deadline(as_of, 1.5, 'working_day') - as_of)::text
    UNION ALL
    SELECT 'people_by_unit', md5(string_agg(p::text, ',' ORDER BY p.unit)) FROM gridgov.people_by_unit('44', 5, '2025-06-01') p
    UNION ALL
    SELECT 'people_by_unit at grids', md5(string_agg(p::text, ',' ORDER BY p.unit))
      FROM gridgov.people_by_unit('44', 6, '2025-06-01') p
    UNION ALL
    SELECT 'people_by_unit_placed', md5(string_agg(p::text, ',' ORDER BY p.unit))
      FROM gridgov.people_by_unit_placed('44', 4, '2025-06-01') p
    UNION ALL
    SELECT 'coverage_summary', md5(string_agg(s::text, ',' ORDER BY s::text)) FROM gridgov.coverage_summary('44', '2025-06-01') s
    UNION ALL
    SELECT 'grids_without_party_members', string_agg(g.grid::text, ',' ORDER BY g.grid)
      FROM gridgov.grids_without_party_members('44', '2026-03-01') g
    UNION ALL
    SELECT 'grid_party_days', md5(string_agg(d::text, ',' ORDER BY d.grid)) FROM gridgov.grid_party_days d
    UNION ALL
    SELECT 'community_headcount', md5(string_agg(h::text, ',' ORDER BY h.community)) FROM gridgov.community_headcount h;
END;

-- The look-alikes: every operator of pg_catalog, PostGIS and gridgov on
-- the types the engine handles, every function of PostGIS and gridgov and
-- pg_catalog's of time, text and numbers, the common aggregates, and
-- domains named like the types.  Each one records that it ran; the
-- operators and functions that answer true or false lie.
CREATE SCHEMA evil;
CREATE TABLE evil.hijacks (what text);
CREATE FUNCTION evil.hijack(what text) RETURNS boolean LANGUAGE sql SET search_path = pg_catalog, pg_temp
    AS $$ INSERT INTO evil.hijacks VALUES (what) RETURNING true $$;
SET search_path = pg_catalog;
DO $plant$
DECLARE
    -- PostGIS's own objects, not the traps of the install above in its schema
    postgis_objects oid[] := ARRAY(SELECT d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                                    WHERE e.extname = 'postgis' AND d.deptype = 'e');
    types regtype[] := ARRAY['text', 'name', 'smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision',
                             'boolean', 'date', 'timestamp', 'timestamptz', 'interval', 'bytea', 'jsonb',
                             'daterange', 'datemultirange',
                             'public.geometry', 'public.box2d', 'public.box3d',
                             'gridgov.gridcode', 'gridgov.gridcell']::regtype[];
    o record;
    n integer := 0;
    what text;
    call text;
    args text;
BEGIN
    FOR o IN
        SELECT op.oprname, op.oprleft, op.oprright, op.oprresult, op.oprnamespace::regnamespace AS ns
          FROM pg_operator op
         WHERE (op.oprnamespace IN ('pg_catalog'::regnamespace, 'gridgov'::regnamespace) OR op.oid = ANY (postgis_objects))
           AND (op.oprleft = 0 OR op.oprleft = ANY (types)) AND op.oprright = ANY (types) AND op.oprcode <> 0
    LOOP
        n := n + 1;
        what := format('%s(%s)', o.oprname, concat_ws(',', format_type(nullif(o.oprleft, 0), NULL), format_type(o.oprright, NULL)));
        call := CASE WHEN o.oprleft = 0 THEN format('OPERATOR(%s.%s) $1', o.ns, o.oprname)
                     ELSE format('$1 OPERATOR(%s.%s) $2', o.ns, o.oprname) END;
        IF o.oprresult = 'boolean'::regtype THEN
            call := 'NOT (' || call || ')';
        END IF;
        EXECUTE format('CREATE FUNCTION evil.op%s(%s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog, pg_temp'
                       ' AS %L', n, concat_ws(', ', format_type(nullif(o.oprleft, 0), NULL), format_type(o.oprright, NULL)),
                       format_type(o.oprresult, NULL),
                       format('SELECT CASE WHEN evil.hijack(%L) THEN %s END', what, call));
        EXECUTE format('CREATE OPERATOR evil.%s (%s RIGHTARG = %s, FUNCTION = evil.op%s)', o.oprname,
                       CASE WHEN o.oprleft <> 0 THEN format('LEFTARG = %s,', format_type(o.oprleft, NULL)) END,
                       format_type(o.oprright, NULL), n);
    END LOOP;
    FOR o IN
        SELECT p.oid, p.proname, p.pronamespace::regnamespace AS ns, p.proretset, p.prorettype, p.pronargs,
               pg_get_function_identity_arguments(p.oid) AS identity,
               (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY i) FROM unnest(p.proargtypes) WITH ORDINALITY a(t, i)) AS argtypes
          FROM pg_proc p
         WHERE p.prokind = 'f' AND p.provariadic = 0 AND p.proallargtypes IS NULL
           AND NOT EXISTS (SELECT FROM unnest(p.proargtypes) a(t) JOIN pg_type ty ON ty.oid = a.t WHERE ty.typtype = 'p')
           AND (SELECT ty.typtype FROM pg_type ty WHERE ty.oid = p.prorettype) <> 'p'
           AND ((p.oid = ANY (postgis_objects) AND (p.proname LIKE 'st\_%' OR p.proname LIKE 'postgis\_%'))
                OR (p.pronamespace = 'gridgov'::regnamespace AND p.provolatile <> 'v')
                OR (p.pronamespace = 'pg_catalog'::regnamespace AND p.proname IN (
                    'now', 'statement_timestamp', 'transaction_timestamp', 'clock_timestamp', 'timeofday',
                    'date_part', 'extract', 'date_trunc', 'timezone', 'age', 'isfinite', 'to_timestamp',
                    'make_interval', 'justify_hours', 'justify_days', 'justify_interval',
                    'round', 'trunc', 'floor', 'ceil', 'ceiling', 'abs', 'power', 'pow', 'sqrt', 'exp', 'ln',
                    'log', 'div', 'mod', 'radians', 'degrees', 'sign', 'width_bucket',
                    'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'date', 'timestamptz', 'interval',
                    'length', 'octet_length', 'char_length', 'lower', 'upper', 'btrim', 'ltrim', 'rtrim', 'substr',
                    'substring', 'replace', 'split_part', 'strpos', 'position', 'left', 'right', 'lpad', 'rpad',
                    'md5', 'sha256', 'sha512', 'encode', 'decode', 'convert_to', 'convert_from', 'to_char',
                    'quote_literal', 'quote_ident', 'quote_nullable', 'regexp_replace', 'regexp_match',
                    'current_setting', 'set_config', 'generate_series', 'jsonb_typeof', 'jsonb_extract_path_text',
                    'pg_sleep', 'random', 'nextval', 'currval', 'setval', 'pg_notify', 'has_table_privilege')))
    LOOP
        n := n + 1;
        what := format('%s.%s(%s)', o.ns, o.proname, o.identity);
        args := (SELECT string_agg('$' || i, ', ') FROM generate_series(1, o.pronargs) i);
        call := format('%s.%I(%s)', o.ns, o.proname, args);
        IF o.prorettype = 'boolean'::regtype THEN
            call := 'NOT ' || call;
        END IF;
        EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s%s LANGUAGE sql SET search_path = pg_catalog, pg_temp AS %L',
                       o.proname, o.argtypes, CASE WHEN o.proretset THEN 'SETOF ' END, format_type(o.prorettype, NULL),
                       CASE WHEN o.proretset THEN format('SELECT r.* FROM %s AS r WHERE evil.hijack(%L)', call, what)
                            ELSE format('SELECT CASE WHEN evil.hijack(%L) THEN %s END', what, call) END);
    END LOOP;
    FOR o IN
        SELECT p.proname, p.proargtypes[0] AS t
          FROM pg_proc p
         WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'a' AND p.pronargs = 1
           AND p.proname IN ('sum', 'min', 'max', 'avg', 'count', 'array_agg', 'bool_and', 'bool_or', 'every')
           AND p.proargtypes[0] = ANY (types)
    LOOP
        n := n + 1;
        what := format('%s(%s)', o.proname, format_type(o.t, NULL));
        EXECUTE format('CREATE FUNCTION evil.agg%s(%s, %s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog, pg_temp'
                       ' AS %L', n, format_type(o.t, NULL), format_type(o.t, NULL), format_type(o.t, NULL),
                       format('SELECT CASE WHEN evil.hijack(%L) THEN $2 END', what));
        EXECUTE format('CREATE AGGREGATE evil.%I(%s) (SFUNC = evil.agg%s, STYPE = %s)',
                       o.proname, format_type(o.t, NULL), n, format_type(o.t, NULL));
    END LOOP;
    CREATE FUNCTION evil.count_step(bigint) RETURNS bigint LANGUAGE sql SET search_path = pg_catalog, pg_temp
        AS $$ SELECT CASE WHEN evil.hijack('count(*)') THEN $1 OPERATOR(pg_catalog.+) 2 END $$;
    CREATE AGGREGATE evil.count(*) (SFUNC = evil.count_step, STYPE = bigint, INITCOND = '0');
    CREATE FUNCTION evil.string_agg_step(text, text, text) RETURNS text LANGUAGE sql SET search_path = pg_catalog, pg_temp
        AS $$ SELECT CASE WHEN evil.hijack('string_agg(text,text)') THEN $2 END $$;
    CREATE AGGREGATE evil.string_agg(text, text) (SFUNC = evil.string_agg_step, STYPE = text);
    -- coalesce, greatest, least and nullif are syntax: never looked up by name
    FOR o IN
        SELECT f.name, t.t
          FROM unnest(ARRAY['coalesce', 'greatest', 'least', 'nullif']) f(name)
         CROSS JOIN unnest(ARRAY['text', 'integer', 'bigint', 'numeric', 'timestamptz', 'interval']::regtype[]) t(t)
    LOOP
        EXECUTE format('CREATE FUNCTION evil.%I(%s, %2$s) RETURNS %2$s LANGUAGE sql SET search_path = pg_catalog, pg_temp'
                       ' AS %3$L', o.name, format_type(o.t, NULL),
                       format('SELECT CASE WHEN evil.hijack(%L) THEN $2 END', o.name || '(' || format_type(o.t, NULL) || ')'));
    END LOOP;
    FOR o IN
        SELECT t.oid, t.typname FROM pg_type t
         WHERE t.oid = ANY (types || ARRAY['regclass', 'regproc', 'json']::regtype[])
    LOOP
        EXECUTE format('CREATE DOMAIN evil.%I AS %s CHECK (evil.hijack(%L))',
                       o.typname, format_type(o.oid, NULL), 'type ' || o.typname);
    END LOOP;
END;
$plant$;
SELECT (SELECT count(*) FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace) > 300 AS operators,
       count(*) FILTER (WHERE prokind = 'f') > 1000 AS functions,
       count(*) FILTER (WHERE prokind = 'a') > 30 AS aggregates,
       (SELECT count(*) FROM pg_type WHERE typnamespace = 'evil'::regnamespace AND typtype = 'd') > 15 AS domains,
       to_regoperator('evil.=(text,text)') IS NOT NULL AS "=(text,text)",
       to_regoperator('evil.*(numeric,numeric)') IS NOT NULL AS "*(numeric,numeric)",
       to_regprocedure('evil.now()') IS NOT NULL AS "now()",
       to_regprocedure('evil.st_transform(public.geometry,integer)') IS NOT NULL AS "st_transform"
  FROM pg_proc WHERE pronamespace = 'evil'::regnamespace;

-- In a new session, so that the engine reads its rules, plans its queries,
-- builds its grid index and PostGIS finds its projections under the
-- hostile search_path, reports and moves cases and reads everything back.
\c gridgov_hostile
SET search_path = evil, pg_catalog, gridgov, public;
SET client_min_messages = warning;
WITH reported AS (
    INSERT INTO gridgov.cases (id, category, channel, location, description, reporter) VALUES
        (1, 'noise', 'resident_app', 'SRID=4326;POINT(113.94 22.75)', '楼上装修', '{"name": "张三", "phone": "13800000000"}')
    RETURNING *)
INSERT INTO public.intake SELECT * FROM reported;
WITH reported AS (
    INSERT INTO gridgov.cases (id, category, channel, location) VALUES
        (2, 'noise', 'hotline', 'SRID=4326;POINT(113.941 22.751)'),
        (3, 'noise', 'patrol', 'SRID=4326;POINT(113.942 22.752)'),
        (4, 'noise', 'hotline', 'SRID=4326;POINT(113.96 22.75)')
    RETURNING *)
INSERT INTO public.intake SELECT * FROM reported;
WITH reported AS (
    INSERT INTO gridgov.cases (id, category, channel, location) VALUES
        (5, 'dispute', 'walk_in', 'SRID=4326;POINT(113.943 22.753)')
    RETURNING *)
INSERT INTO public.intake SELECT * FROM reported;
WITH reported AS (
    INSERT INTO gridgov.cases (id, category, channel, location) VALUES
        (6, 'noise', 'hotline', 'SRID=4326;POINT(113.961 22.751)')
    RETURNING *)
INSERT INTO public.intake SELECT * FROM reported;
SELECT id, status FROM gridgov.accept(1);
SELECT id, status FROM gridgov.dispatch(1);
SELECT id, status FROM gridgov.start(1);
SELECT id, status FROM gridgov.suspend(1, '等待业主回国');
SELECT id, status FROM gridgov.resume(1);
SELECT id, status FROM gridgov.extend(1, pg_catalog.now() OPERATOR(pg_catalog.+) interval '10 days', '需要协调物业');
SELECT id, status FROM gridgov.resolve(1, '已协调');
SELECT id, status FROM gridgov.reopen(1, '噪音仍在');
SELECT id, status FROM gridgov.resolve(1);
SELECT id, status FROM gridgov.verify(1);
SELECT id, status FROM gridgov.close(1, 5, '满意');
SELECT id, status FROM gridgov.reject(2, '重复上报');
SELECT id, status FROM gridgov.merge(3, 1);
SELECT id, status FROM gridgov.accept(4);
SELECT id, status FROM gridgov.dispatch(4);
SELECT id, status FROM gridgov.return_case(4, '不属本社区');
SELECT id, status, handling_level FROM gridgov.accept(6);
SELECT id, status, handling_level FROM gridgov.dispatch(6);
SELECT id, status, handling_level FROM gridgov.escalate(6, '涉及多个社区');
SELECT id, status FROM gridgov.accept(5);
SELECT pg_catalog.pg_sleep(1.2);
SELECT case_id, from_level, to_level, service_point FROM gridgov.escalate_overdue();
-- the people pillar: organizations and their coverage, posts written,
-- shortened and deleted (the row checks and the kept coverage's recount);
-- the readings take the kept coverage as these triggers left it, and the
-- rebuild after them must leave it as it was
INSERT INTO gridgov.organization (id, kind, name, parent, anchor, valid) VALUES
    (1, 'community_committee', '根竹园社区党委', NULL, '440311006003', '[2024-01-01,)'),
    (2, 'grid_branch', '根竹园第01网格党支部', 1, '440311006003001', '[2024-01-01,)'),
    (3, 'community_committee', '马山头社区党委', NULL, '440311006004', '[2024-01-01,)');
INSERT INTO gridgov.organization_unit (organization, unit, valid) VALUES
    (1, '440311006003', '[2024-01-01,)'), (2, '440311006003001', '[2024-01-01,)'), (3, '440311006004', '[2024-01-01,)');
INSERT INTO gridgov.person (id) VALUES (1), (2), (3), (4), (5);
INSERT INTO gridgov.post (id, person, role, organization, unit, valid) VALUES
    (1, 1, 'secretary', 1, NULL, '[2024-01-01,)'),
    (2, 2, 'party_member_community', 2, NULL, '[2024-01-01,)'),
    (3, 3, 'party_member_retired', NULL, '440311006004001', '[2024-01-01,)'),
    (4, 4, 'grid_worker', 1, '440311006003001', '[2024-01-01,)'),
    (5, 5, 'patrol_volunteer', 3, '440311006004001', '[2025-01-01,)');
UPDATE gridgov.post SET valid = '[2024-01-01,2026-01-01)' WHERE id OPERATOR(pg_catalog.=) 3;
DELETE FROM gridgov.post WHERE id OPERATOR(pg_catalog.=) 5;
INSERT INTO public.reading
SELECT 'hostile', r.what, r.value FROM public.clock k, public.refresh(k.as_of, k.from_day, k.to_day) r;
INSERT INTO public.reading
SELECT 'hostile', r.what, r.value FROM public.clock k, public.readings(k.as_of, k.from_day, k.to_day, k.month) r;
SELECT gridgov.rebuild_coverage();
-- what the look-alikes saw: nothing
RESET search_path;
SELECT what, count(*) AS hijacks FROM evil.hijacks GROUP BY what ORDER BY what;

-- The same readings in a clean session agree, and every case got the time
-- limit of its rule.
\c gridgov_hostile
SET search_path = pg_catalog, gridgov, public;
INSERT INTO public.reading
SELECT 'clean', r.what, r.value FROM public.clock k, public.refresh(k.as_of, k.from_day, k.to_day) r;
INSERT INTO public.reading
SELECT 'clean', r.what, r.value FROM public.clock k, public.readings(k.as_of, k.from_day, k.to_day, k.month) r;
SELECT h.what, h.value = c.value AS same
  FROM public.reading h JOIN public.reading c ON c.what = h.what AND c.session = 'clean'
 WHERE h.session = 'hostile'
 ORDER BY h.what;
SELECT i.id, i.category, i.severity, i.warning, i.linked_cases, i.handling_level, sp.name AS service_point,
       i.stage, i.stage_limit_unit = r.limit_unit AS rule_unit,
       i.stage_deadline = gridgov.deadline(i.stage_started_at, r.accept_limit, r.limit_unit) AS rule_deadline
  FROM public.intake i
  JOIN gridgov.category_rule r ON r.category = i.category AND r.severity = i.severity
  JOIN gridgov.service_point sp ON sp.id = i.service_point
 ORDER BY i.id;
SELECT c.id, c.status, c.handling_level, c.service_point, c.escalations, c.deadlines_missed, c.history_seq,
       (SELECT count(*) FROM gridgov.case_history h WHERE h.case_id = c.id) AS history_rows
  FROM gridgov.cases c ORDER BY c.id;
SELECT h.case_id, string_agg(h.action, ' ' ORDER BY h.seq) AS moves FROM gridgov.case_history h GROUP BY 1 ORDER BY 1;
SELECT * FROM gridgov.people_by_unit('440311006', 5, '2025-06-01');
SELECT * FROM gridgov.grid_party_days ORDER BY grid;

-- the look-alikes are live: code that leaves an operator to the
-- search_path walks into them
CREATE FUNCTION public.naive_same(a text, b text) RETURNS boolean LANGUAGE sql AS $$ SELECT a = b $$;
SET search_path = evil, pg_catalog, gridgov, public;
SELECT public.naive_same('noise', 'noise');
RESET search_path;
SELECT what, count(*) AS hijacks_of_naive_code FROM evil.hijacks GROUP BY what ORDER BY what;

\c contrib_regression
DROP DATABASE gridgov_hostile;
