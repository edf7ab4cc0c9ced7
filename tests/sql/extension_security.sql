-- The install script resists objects planted before CREATE EXTENSION
-- (PostgreSQL's "Security Considerations for Extension Scripts"): hostile
-- same-named functions and operators in public, the schema PostGIS lives in
-- and so on the script's search_path, and a hostile search_path at call time.
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
-- extensions (PostGIS and btree_gist, both in public here), pg_temp last.
SELECT p.oid::regprocedure AS exposed_function
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'gridgov'::regnamespace
   AND ((l.lanname = 'sql' AND p.prosqlbody IS NULL)
        OR (l.lanname = 'plpgsql' AND NOT coalesce(p.proconfig, '{}') @> '{"search_path=gridgov, public, public, pg_temp"}'));

\c contrib_regression
DROP DATABASE gridgov_hostile;
