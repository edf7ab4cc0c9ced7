-- Every coverage check, and placements and people_by_unit, against an
-- independent brute-force computation over a generated population, at
-- eight roots and four days.  The brute force finds "under" by text
-- prefixes of the codes and a unit's grid by walking the unit tree with a
-- recursive CTE, never with gridgov's <@, ancestor() or lineage().  The
-- population: two districts, 9 villages, 36 grids (three of them retired
-- in mid-2025), 108 buildings; every village's committee, squad, area
-- branch, grid branch (dissolved in 2025) and 红小二 teams; then 900 random
-- posts of 250 people, of which the triggers keep those that keep the
-- rules.
BEGIN;
SET search_path = gridgov, public;
SELECT setseed(0.42);

INSERT INTO unit (code, name) VALUES ('44', '广东省'), ('4403', '深圳市'), ('440311', '光明区'), ('440312', '坪山区'),
    ('440311001', '甲街道'), ('440311002', '乙街道'), ('440312001', '丙街道');
INSERT INTO unit (code, name)
SELECT child(t.code, v), t.name || v || '村' FROM unit t, generate_series(1, 3) v WHERE t.level = 4;
INSERT INTO unit (code, name)
SELECT child(v.code, g), v.name || g || '网格' FROM unit v, generate_series(1, 4) g WHERE v.level = 5;
INSERT INTO unit (code, name)
SELECT child(g.code, b), g.name || b || '栋' FROM unit g, generate_series(1, 3) b WHERE g.level = 6;
-- grid 4 of every third village retired in mid-2025
UPDATE unit SET valid_from = '2020-01-01', valid_to = '2025-07-01'
 WHERE level = 6 AND segment(code, 6) = 4 AND segment(code, 5) = 2;

-- per village: committee, squad, area branch over grids 1 (until mid-2025)
-- and 2, grid branch of grid 3 dissolved in September 2025, and a team for
-- each of grids 1-3 covering its first building, the whole grid, nothing
CREATE TEMP TABLE village AS
SELECT row_number() OVER (ORDER BY code)::int AS n, code FROM unit WHERE level = 5;
INSERT INTO organization (id, kind, name, parent, anchor, valid)
SELECT v.n * 10, 'community_committee', '社区党委', NULL::bigint, v.code, '[2024-01-01,)'::daterange FROM village v
UNION ALL
SELECT v.n * 10 + 1, 'governance_squad', '治理中队', v.n * 10, v.code, '[2024-01-01,)' FROM village v
UNION ALL
SELECT v.n * 10 + 2, 'area_branch', '片区党总支', v.n * 10, v.code, '[2024-01-01,)' FROM village v
UNION ALL
SELECT v.n * 10 + 3, 'grid_branch', '网格党支部', v.n * 10 + 2, child(v.code, 3), '[2024-01-01,2025-09-01)' FROM village v
UNION ALL
SELECT v.n * 10 + 3 + g, 'hongxiaoer_team', '红小二队', v.n * 10 + 3, child(v.code, g), '[2024-01-01,)'
  FROM village v, generate_series(1, 3) g;
INSERT INTO organization_unit (organization, unit, valid)
SELECT v.n * 10, v.code, '[2024-01-01,)'::daterange FROM village v
UNION ALL SELECT v.n * 10 + 1, v.code, '[2024-01-01,)' FROM village v
UNION ALL SELECT v.n * 10 + 2, child(v.code, 1), '[2024-01-01,2025-06-01)' FROM village v
UNION ALL SELECT v.n * 10 + 2, child(v.code, 2), '[2024-01-01,)' FROM village v
UNION ALL SELECT v.n * 10 + 3, child(v.code, 3), '[2024-01-01,2025-09-01)' FROM village v
UNION ALL SELECT v.n * 10 + 4, child(child(v.code, 1), 1), '[2024-01-01,)' FROM village v
UNION ALL SELECT v.n * 10 + 5, child(v.code, 2), '[2024-01-01,)' FROM village v;

-- random posts; the triggers refuse those that break a rule
INSERT INTO person (id) SELECT generate_series(1, 250);
DO $$
DECLARE
    roles text[] := ARRAY['party_member_community', 'party_member_retired', 'party_member_floating', 'grid_worker',
                          'grid_worker', 'hongxiaoer', 'hongxiaoer', 'patrol_volunteer', 'secretary', 'reserve_cadre',
                          'reserve_cadre', 'building_head'];
    starts date[] := ARRAY['2024-01-01', '2024-03-01', '2025-01-01', '2025-06-01'];
    ends date[] := ARRAY[NULL, NULL, '2025-03-01', '2025-12-31', '2026-06-01'];
    orgs bigint[] := ARRAY(SELECT id FROM organization ORDER BY id);
    units gridcode[] := ARRAY(SELECT code FROM unit WHERE level >= 5 ORDER BY code);
    org bigint;
    place gridcode;
    first date;
    last date;
BEGIN
    FOR i IN 1 .. 900 LOOP
        org := CASE WHEN random() < 0.75 THEN orgs[1 + floor(random() * array_length(orgs, 1))::int] END;
        place := CASE WHEN org IS NULL OR random() < 0.4 THEN units[1 + floor(random() * array_length(units, 1))::int] END;
        first := starts[1 + floor(random() * 4)::int];
        last := ends[1 + floor(random() * 5)::int];
        IF last <= first THEN
            last := NULL;
        END IF;
        BEGIN
            INSERT INTO post (person, role, organization, unit, valid)
            VALUES (1 + floor(random() * 250)::int, roles[1 + floor(random() * 12)::int], org, place,
                    daterange(first, last));
        EXCEPTION WHEN foreign_key_violation OR check_violation OR exclusion_violation THEN
            NULL;
        END;
    END LOOP;
END $$;

-- the brute force: each unit with its ancestors-or-self, by walking the
-- unit tree; placements as the documentation defines them
CREATE TEMP TABLE lineage_walk AS
WITH RECURSIVE up (unit, ancestor) AS (
    SELECT code, code FROM unit
    UNION ALL
    SELECT up.unit, u.parent FROM up JOIN unit u ON u.code = up.ancestor WHERE u.parent IS NOT NULL)
SELECT unit::text AS unit, ancestor::text AS ancestor FROM up;
CREATE FUNCTION pg_temp.brute_placements(d date) RETURNS TABLE (post bigint, person bigint, role text, unit text)
    LANGUAGE sql STABLE AS $$
    SELECT p.id, p.person, p.role, p.unit::text FROM gridgov.post p WHERE p.unit IS NOT NULL AND p.valid @> d
    UNION ALL
    SELECT p.id, p.person, p.role, c.unit::text FROM gridgov.post p JOIN gridgov.organization_unit c ON c.organization = p.organization
     WHERE p.unit IS NULL AND p.valid @> d AND c.valid @> d
$$;
CREATE FUNCTION pg_temp.party(r text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT class = 'party_member' FROM gridgov.role WHERE code = r
$$;
CREATE FUNCTION pg_temp.current(u gridgov.unit, d date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT u.valid_to IS NULL OR u.valid_to > d
$$;

CREATE TEMP TABLE checks (name text, gridgov_sql text, brute_sql text);
INSERT INTO checks VALUES
('placements',
 $$SELECT post, person, role, unit::text FROM gridgov.placements(%1$L, %2$L)$$,
 $$SELECT * FROM pg_temp.brute_placements(%2$L) WHERE starts_with(unit, %1$L)$$),
('grids_without_party_members',
 $$SELECT grid::text, name FROM gridgov.grids_without_party_members(%1$L, %2$L)$$,
 $$SELECT g.code::text, g.name FROM gridgov.unit g
    WHERE g.level = 6 AND starts_with(g.code::text, %1$L) AND pg_temp.current(g, %2$L)
      AND NOT EXISTS (SELECT FROM pg_temp.brute_placements(%2$L) pl JOIN lineage_walk w ON w.unit = pl.unit
                       WHERE w.ancestor = g.code::text AND pg_temp.party(pl.role))$$),
('party_members_outside_grids',
 $$SELECT person FROM gridgov.party_members_outside_grids(%1$L, %2$L)$$,
 $$SELECT DISTINCT p.person FROM gridgov.post p LEFT JOIN gridgov.organization o ON o.id = p.organization
    WHERE p.valid @> %2$L::date AND pg_temp.party(p.role)
      AND starts_with(coalesce(p.unit, o.anchor)::text, %1$L)
      AND NOT EXISTS (SELECT FROM pg_temp.brute_placements(%2$L) pl
                       WHERE pl.person = p.person AND pg_temp.party(pl.role) AND length(pl.unit) >= 15)$$),
('grids_without_branch',
 $$SELECT grid::text, name FROM gridgov.grids_without_branch(%1$L, %2$L)$$,
 $$SELECT g.code::text, g.name FROM gridgov.unit g
    WHERE g.level = 6 AND starts_with(g.code::text, %1$L) AND pg_temp.current(g, %2$L)
      AND NOT EXISTS (SELECT FROM gridgov.organization_unit c JOIN gridgov.organization o ON o.id = c.organization
                       WHERE o.kind IN ('grid_branch', 'area_branch') AND c.valid @> %2$L::date
                         AND starts_with(g.code::text, c.unit::text))$$),
('buildings_without_team',
 $$SELECT building::text, name FROM gridgov.buildings_without_team(%1$L, %2$L)$$,
 $$SELECT b.code::text, b.name FROM gridgov.unit b
    WHERE b.level = 7 AND starts_with(b.code::text, %1$L) AND pg_temp.current(b, %2$L)
      AND NOT EXISTS (SELECT FROM gridgov.organization_unit c JOIN gridgov.organization o ON o.id = c.organization
                       WHERE o.kind = 'hongxiaoer_team' AND c.valid @> %2$L::date
                         AND starts_with(b.code::text, c.unit::text))$$),
('teams_breaking_rule',
 $$SELECT team, members, full_time_party_members FROM gridgov.teams_breaking_rule(%1$L, %2$L)$$,
 $$SELECT * FROM (
       SELECT o.id,
              (SELECT count(DISTINCT p.person) FROM gridgov.post p WHERE p.organization = o.id AND p.valid @> %2$L::date)::int AS m,
              (SELECT count(DISTINCT p.person) FROM gridgov.post p
                WHERE p.organization = o.id AND p.valid @> %2$L::date
                  AND EXISTS (SELECT FROM gridgov.post q WHERE q.person = p.person AND pg_temp.party(q.role) AND q.valid @> %2$L::date)
                  AND EXISTS (SELECT FROM gridgov.post q WHERE q.person = p.person AND q.role = 'grid_worker' AND q.valid @> %2$L::date))::int AS f
         FROM gridgov.organization o
        WHERE o.kind = 'hongxiaoer_team' AND o.valid @> %2$L::date AND starts_with(o.anchor::text, %1$L)) t
    WHERE NOT (m BETWEEN 3 AND 5 AND f >= 1)$$),
('secretaries_without_reserves',
 $$SELECT organization, secretary, reserve_cadres FROM gridgov.secretaries_without_reserves(%1$L, %2$L)$$,
 $$SELECT * FROM (
       SELECT o.id, s.person,
              (SELECT count(DISTINCT r.person) FROM gridgov.post r
                WHERE r.organization = o.id AND r.role = 'reserve_cadre' AND r.valid @> %2$L::date)::int AS n
         FROM gridgov.organization o JOIN gridgov.post s ON s.organization = o.id
        WHERE o.kind = 'community_committee' AND o.valid @> %2$L::date AND starts_with(o.anchor::text, %1$L)
          AND s.role = 'secretary' AND s.valid @> %2$L::date) t
    WHERE n < 2$$);
-- people_by_unit at levels 4, 5 and 6
INSERT INTO checks
SELECT format('people_by_unit at level %s', l),
       format($$SELECT unit::text, people, party_members FROM gridgov.people_by_unit(%%1$L, %s, %%2$L)$$, l),
       format($$SELECT u.code::text,
          (SELECT count(DISTINCT pl.person) FROM pg_temp.brute_placements(%%2$L) pl WHERE starts_with(pl.unit, u.code::text)) AS people,
          (SELECT count(DISTINCT pl.person) FROM pg_temp.brute_placements(%%2$L) pl
            WHERE starts_with(pl.unit, u.code::text) AND pg_temp.party(pl.role)) AS party_members
     FROM gridgov.unit u WHERE u.level = %s AND starts_with(u.code::text, %%1$L) AND pg_temp.current(u, %%2$L)$$, l)
  FROM generate_series(4, 6) l;

CREATE TEMP TABLE roots AS
SELECT unnest(ARRAY['44', '4403', '440311', '440312', '440311001', '440311001002', '440311001002003', '45']) AS root;
CREATE TEMP TABLE days AS
SELECT unnest(ARRAY['2024-06-01', '2025-02-01', '2025-08-01', '2026-03-01']::date[]) AS day;

CREATE TEMP TABLE kept_checks AS
SELECT * FROM checks WHERE name IN ('grids_without_party_members', 'people_by_unit at level 5');

SELECT plan(4 + (SELECT count(*)::int FROM checks, roots, days) + 5 + 2 * (SELECT count(*)::int FROM kept_checks, roots, days) + 2);

-- the population is not trivial
SELECT cmp_ok((SELECT count(*)::int FROM post), '>=', 250, 'the triggers kept at least 250 of the random posts');
SELECT cmp_ok((SELECT count(*)::int FROM post), '<', 900, 'and refused some');
SELECT cmp_ok((SELECT count(*)::int FROM grids_without_party_members('44', '2025-08-01')), '>', 0,
              'some grids have no party member');
SELECT cmp_ok((SELECT sum(people)::int FROM people_by_unit('44', 3, '2025-08-01')), '>', 100,
              'more than a hundred people are placed in mid-2025');

SELECT bag_eq(format(c.gridgov_sql, r.root, d.day), format(c.brute_sql, r.root, d.day),
              format('%s under %s on %s equals the brute force', c.name, r.root, d.day))
  FROM checks c, roots r, days d
 ORDER BY c.name, r.root, d.day;

-- The two checks that read the kept coverage (grid_party_days,
-- community_headcount), again after changes of every kind, each its own
-- statement or many rows in one: posts ended early, moved to another
-- organization or unit, deleted; coverage shortened and deleted (the
-- triggers refuse what would strand a post); then a role made a party
-- member's.
CREATE TEMP TABLE changes (what text, n integer DEFAULT 0);
INSERT INTO changes (what) VALUES ('ended'), ('moved'), ('deleted'), ('coverage shortened'), ('coverage deleted');
DO $$
DECLARE
    orgs bigint[] := ARRAY(SELECT id FROM organization ORDER BY id);
    units gridcode[] := ARRAY(SELECT code FROM unit WHERE level >= 5 ORDER BY code);
    victim bigint;
    kind text;
    done integer;
BEGIN
    FOR i IN 1 .. 300 LOOP
        victim := (SELECT id FROM post ORDER BY random() LIMIT 1);
        kind := (ARRAY['ended', 'moved', 'deleted', 'coverage shortened', 'coverage deleted'])[1 + floor(random() * 5)::int];
        BEGIN
            IF kind = 'ended' THEN
                UPDATE post SET valid = daterange(lower(valid), lower(valid) + 1 + floor(random() * 500)::int)
                 WHERE id = victim AND NOT lower_inf(valid);
            ELSIF kind = 'moved' THEN
                UPDATE post
                   SET organization = CASE WHEN random() < 0.75 THEN orgs[1 + floor(random() * array_length(orgs, 1))::int] END,
                       unit = CASE WHEN random() < 0.5 THEN units[1 + floor(random() * array_length(units, 1))::int] END
                 WHERE id = victim;
            ELSIF kind = 'deleted' THEN
                DELETE FROM post WHERE id = victim;
            ELSIF kind = 'coverage shortened' THEN
                UPDATE organization_unit c SET valid = daterange(lower(c.valid), '2025-04-01')
                 WHERE ctid = (SELECT ctid FROM organization_unit WHERE lower(valid) < '2025-04-01' ORDER BY random() LIMIT 1);
            ELSE
                DELETE FROM organization_unit
                 WHERE ctid = (SELECT ctid FROM organization_unit ORDER BY random() LIMIT 1);
            END IF;
            GET DIAGNOSTICS done = ROW_COUNT;
            UPDATE changes SET n = n + done WHERE what = kind;
        EXCEPTION WHEN foreign_key_violation OR check_violation OR exclusion_violation OR not_null_violation THEN
            NULL;
        END;
    END LOOP;
END $$;
-- and many rows in one statement: every post of the second district
-- ends in October 2025
UPDATE post p SET valid = daterange(lower(p.valid), '2025-10-01')
 WHERE p.unit <@ '440312' AND lower(p.valid) < '2025-10-01' AND (upper_inf(p.valid) OR upper(p.valid) > '2025-10-01');
SELECT cmp_ok(n, '>', 0, format('some posts or coverage were %s', what)) FROM changes ORDER BY what;

SELECT bag_eq(format(c.gridgov_sql, r.root, d.day), format(c.brute_sql, r.root, d.day),
              format('after the changes, %s under %s on %s equals the brute force', c.name, r.root, d.day))
  FROM kept_checks c, roots r, days d
 ORDER BY c.name, r.root, d.day;

UPDATE role SET class = 'party_member' WHERE code = 'grid_worker';
SELECT bag_eq(format(c.gridgov_sql, r.root, d.day), format(c.brute_sql, r.root, d.day),
              format('with grid workers party members, %s under %s on %s equals the brute force', c.name, r.root, d.day))
  FROM kept_checks c, roots r, days d
 ORDER BY c.name, r.root, d.day;

-- what the triggers kept, change by change, is what a rebuild makes
CREATE TEMP TABLE kept_grids AS SELECT * FROM grid_party_days;
CREATE TEMP TABLE kept_heads AS SELECT * FROM community_headcount;
SELECT rebuild_coverage();
SELECT bag_eq('SELECT grid::text, days::text FROM kept_grids', 'SELECT grid::text, days::text FROM grid_party_days',
              'grid_party_days as kept equals its rebuild');
SELECT bag_eq('SELECT community::text, since, people, party_members FROM kept_heads',
              'SELECT community::text, since, people, party_members FROM community_headcount',
              'community_headcount as kept equals its rebuild');

SELECT * FROM finish();
ROLLBACK;
