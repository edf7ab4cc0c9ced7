-- Early warning over many cases at once.  Within a statement the engine
-- answers from memory after one index scan per grid and category
-- (src/case_warning.c); its answers must equal a brute-force SQL count over
-- the table for every case, also when a statement's report times go back
-- and forth, when earlier cases were rejected or merged, and after a
-- rolled-back savepoint.
BEGIN;
\ir case_fixture.psql
SELECT plan(5);

INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, '2 days', 3);
SELECT setseed(0.0311);
CREATE TEMP TABLE source AS
SELECT g AS id,
       (ARRAY['genzhuyuan', 'mashantou', 'guangming'])[1 + floor(random() * 3)::int] AS spot,
       (ARRAY['noise', 'neighbour_dispute'])[1 + floor(random() * 2)::int] AS category,
       timestamptz '2026-11-01 00:00+08' + random() * interval '10 days' AS reported_at
  FROM generate_series(1, 4000) g;

-- a first statement, then some of its cases rejected or merged
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT s.id, s.category, 'hotline', p.point, s.reported_at
  FROM source s JOIN spot p ON p.name = s.spot WHERE s.id <= 400 ORDER BY s.id;
UPDATE cases SET status = 'rejected', note = '重复' WHERE id <= 400 AND id % 7 = 0;
UPDATE cases SET status = 'merged', duplicate_of = 1 WHERE id <= 400 AND id % 11 = 0 AND id % 7 <> 0 AND id > 1;

-- a case reported in a savepoint that is rolled back counts for nothing
SAVEPOINT undone;
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT 500 + g, 'noise', 'sensor', (SELECT point FROM spot WHERE name = 'guangming'), '2026-11-05 12:00+08'
  FROM generate_series(1, 20) g;
ROLLBACK TO SAVEPOINT undone;

-- the second statement: 3,600 cases whose report times jump back and forth
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT s.id, s.category, 'patrol', p.point, s.reported_at
  FROM source s JOIN spot p ON p.name = s.spot WHERE s.id > 400 ORDER BY s.id;

-- what early warning should have found, by brute force: the same grid and
-- category, reported in the 2 days up to the case, written before it (a
-- smaller id, as each statement wrote in id order), and not rejected or
-- merged when it was written
CREATE TEMP TABLE expected AS
SELECT c.id,
       coalesce((SELECT array_agg(e.id ORDER BY e.id) FROM cases e
                  WHERE e.unit = c.unit AND e.category = c.category AND e.id < c.id
                    AND e.reported_at BETWEEN c.reported_at - interval '2 days' AND c.reported_at
                    AND (c.id <= 400 OR e.status NOT IN ('rejected', 'merged'))),
                '{}') AS earlier
  FROM cases c;

SELECT is((SELECT count(*) FROM cases)::int, 4000, 'all 4,000 cases were stored, none of the rolled-back ones');
SELECT is((SELECT count(*) FROM cases c JOIN expected x USING (id)
            WHERE c.warning <> (cardinality(x.earlier) >= 2)
               OR c.linked_cases <> CASE WHEN cardinality(x.earlier) >= 2 THEN x.earlier ELSE '{}' END)::int,
          0, 'every case is warned and linked exactly as the brute-force count says');
SELECT cmp_ok((SELECT count(*) FROM cases WHERE warning AND id > 400)::int, '>', 1000,
              'and the rule fired often enough to mean something');
SELECT is((SELECT count(*) FROM cases c, unnest(c.linked_cases) l
            WHERE l IN (SELECT id FROM cases WHERE id <= 400 AND status IN ('rejected', 'merged')) AND c.id > 400)::int,
          0, 'cases rejected or merged before the statement are never linked');
SELECT is((SELECT count(*) FROM cases c JOIN expected x USING (id)
            WHERE c.severity <> least(c.reported_severity + CASE WHEN cardinality(x.earlier) >= 2 THEN 1 ELSE 0 END, 4))::int,
          0, 'a warned case is one severity higher');

SELECT * FROM finish();
ROLLBACK;
