-- Errors a new user meets (issue 18, item 6): a mistyped category names the
-- near categories (23503), a mistyped channel names the channels (23514)
-- instead of printing the whole row, swapped longitude and latitude are
-- named as such when the swapped point lies in a grid (22023), reversed
-- days to kpi_by_unit are an error (22023), and the recipe for a code
-- against a text literal without gridgov on the search path works.
BEGIN;
\ir case_fixture.psql
SELECT plan(27);

-- the error fields of a statement, for the hints and details
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS TABLE (state text, message text, detail text, hint text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END;
$$;

-- Categories
SELECT results_eq($$SELECT state, hint FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noize'', ''hotline'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')$$,
                  $$VALUES ('23503', 'Did you mean "noise"? The categories are the codes of gridgov.category.')$$,
                  'a mistyped category: 23503, and the near name in the hint');
SELECT matches((SELECT message FROM pg_temp.error_of(
                    'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noize'', ''hotline'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')),
               '^category "noize" of case \d+ does not exist$', 'it says the category does not exist');
SELECT is((SELECT hint FROM pg_temp.error_of(
               'INSERT INTO gridgov.cases (category, channel, location) VALUES (''parking'', ''hotline'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')),
          'The categories are the codes of gridgov.category.', 'a name near none: no guess, where to look');
INSERT INTO category (code, name) VALUES ('noise_night', '夜间噪音'), ('nose', '试验');
SELECT is((SELECT hint FROM pg_temp.error_of(
               'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noize'', ''hotline'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')),
          'Did you mean "noise" or "nose"? The categories are the codes of gridgov.category.',
          'the near names, nearest first, the far one left out');
SELECT results_eq($$SELECT state, message FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise_night'', ''hotline'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')$$,
                  $$VALUES ('GG003', 'no rule for category "noise_night" at severity 1')$$,
                  'a category that exists without a rule keeps the routing error (GG003)');

-- Channels
SELECT results_eq($$SELECT state, detail FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotlien'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')$$,
                  $$VALUES ('23514', 'A case comes by resident_app, hotline, patrol, sensor or walk_in.')$$,
                  'a mistyped channel: 23514, the channels named, not the row');
SELECT matches((SELECT message FROM pg_temp.error_of(
                    'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotlien'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')),
               '^channel "hotlien" of case \d+ is not a channel$', 'the message names the channel');
SELECT is(ARRAY(SELECT m[1] FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
                 WHERE c.conname = 'cases_channel' AND c.conrelid = 'cases'::regclass),
          regexp_split_to_array(regexp_replace((SELECT detail FROM pg_temp.error_of(
              'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''fax'', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))')),
              '^A case comes by (.*)\.$', '\1'), '(, | or )'),
          'the channels named are the CHECK constraint''s, in its order');
SELECT lives_ok($$INSERT INTO cases (category, channel, location) VALUES ('noise', 'walk_in', ST_SetSRID(ST_MakePoint(113.935, 22.745), 4326))$$,
                'a channel of the list is taken');

-- Swapped longitude and latitude
SELECT results_eq($$SELECT state, message, detail, hint FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotline'', ST_SetSRID(ST_MakePoint(22.745, 113.935), 4326))')$$,
                  $$VALUES ('22023', 'longitude and latitude look swapped in POINT(22.745 113.935)',
                            'No unit covers the point; unit 440311006003001 covers POINT(113.935 22.745).',
                            'Make the point longitude first: ST_Point(longitude, latitude).')$$,
                  'a swapped point off the globe: 22023, the grid the right point is in');
-- a grid where both orders are points on the globe
INSERT INTO unit (code, name, boundary) VALUES
    ('440311006003007', '试验网格', ST_Multi(ST_MakeEnvelope(10.0, 20.0, 10.1, 20.1, 4326)));
SELECT results_eq($$SELECT state, message, detail FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotline'', ST_SetSRID(ST_MakePoint(20.05, 10.05), 4326))')$$,
                  $$VALUES ('22023', 'longitude and latitude look swapped in POINT(20.05 10.05)',
                            'No unit covers the point; unit 440311006003007 covers POINT(10.05 20.05).')$$,
                  'a swapped point on the globe in no grid: 22023, the grid the right point is in');
SELECT results_eq($$SELECT state, hint FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotline'', ST_SetSRID(ST_MakePoint(30.05, 10.05), 4326))')$$,
                  $$VALUES ('GG003', 'Give the unit explicitly, or register the boundary of the unit it belongs to in gridgov.unit.')$$,
                  'a point in no grid either way keeps its error');
SELECT results_eq($$SELECT state, hint FROM pg_temp.error_of(
                      'INSERT INTO gridgov.cases (category, channel, location) VALUES (''noise'', ''hotline'', ST_SetSRID(ST_MakePoint(30.05, 100.05), 4326))')$$,
                  $$VALUES ('22023', 'Latitude runs from -90 to 90 degrees; check that longitude and latitude are not swapped.')$$,
                  'a point off the globe either way keeps its error');
SELECT lives_ok($$INSERT INTO cases (category, channel, location) VALUES ('noise', 'hotline', ST_SetSRID(ST_MakePoint(10.05, 20.05), 4326))$$,
                'the right point is routed');

-- kpi_by_unit's days
SELECT throws_ok($$SELECT * FROM kpi_by_unit('2026-10-31', '2026-10-01')$$, '22023',
                 'first day 2026-10-31 is after last day 2026-10-01', 'reversed days to kpi_by_unit are an error');
SELECT is((SELECT hint FROM pg_temp.error_of($$SELECT * FROM gridgov.kpi_by_unit('2026-10-31', '2026-10-01')$$)),
          'Give the days in order; both are included.', 'with a hint');
SELECT is_empty($$SELECT * FROM kpi_by_unit('2026-10-01', '2026-10-01')$$, 'one day is a period');

-- A code against a text literal, as a BI tool's filter writes it.  No
-- implicit cast to text (it would make code || text ambiguous and compare
-- text forms): without gridgov on the search path the bare filter fails,
-- and the documented recipes (docs/gridcode.md) work.
SELECT is((SELECT castcontext FROM pg_cast WHERE castsource = 'gridcode'::regtype AND casttarget = 'text'::regtype),
          'a', 'gridcode casts to text on assignment, not implicitly');
SET LOCAL search_path = public;
SELECT throws_ok($$SELECT name FROM gridgov.unit WHERE code = '440311006'$$, '42883',
                 'operator does not exist: gridgov.gridcode = unknown',
                 'without gridgov on the search path, code = ''440311006'' has no operator');
SELECT is((SELECT name FROM gridgov.unit WHERE code OPERATOR(gridgov.=) '440311006'), '马田街道',
          'recipe: the operator spelled out');
SELECT is((SELECT count(*)::int FROM gridgov.unit WHERE code::text LIKE '440311006%' AND level = 6),
          (SELECT count(*)::int FROM gridgov.unit u WHERE u.code OPERATOR(gridgov.<@) '440311006' AND u.level = 6),
          'recipe: LIKE on the code''s text is the subtree');
SELECT is((SELECT min(code || '/x') FROM gridgov.unit), '44/x', 'code || text stays unambiguous');
-- the role's search path of the recipe: ALTER ROLE ... SET search_path = "$user", public, gridgov
SET LOCAL search_path = "$user", public, gridgov;
SELECT is((SELECT name FROM gridgov.unit WHERE code = '440311006'), '马田街道', 'recipe: = with gridgov last on the path');
SELECT is((SELECT count(*)::int FROM gridgov.unit WHERE code = '440311006000'), 1,
          'the literal is read as a gridcode: the padded form is the same code');
SELECT is(ARRAY(SELECT code::text FROM gridgov.unit WHERE code IN ('440311006', '440311001') AND code <> '440311001'),
          '{440311006}', 'IN and <>');
SELECT is(ARRAY(SELECT code::text FROM gridgov.unit WHERE code < '440311001' ORDER BY code),
          '{44,4403,440311}', '< in code order');
SELECT is((SELECT count(*)::int FROM gridgov.unit WHERE code BETWEEN '440311006' AND subtree_last('440311006')),
          (SELECT count(*)::int FROM gridgov.unit WHERE code <@ '440311006'), 'BETWEEN and <@');
SELECT * FROM finish();
ROLLBACK;
