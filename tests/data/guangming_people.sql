-- The Guangming demo district's organizations and people, at the scale the
-- district reports (../shared/domain/guangming-party-led-governance.txt,
-- sections 二 and 三); generated, since the names are not public, and
-- deterministic: every choice is arithmetic on ordinal numbers, so every run
-- draws the same.  All from 2024-01-01, with a few gaps planted for the
-- morning coverage check to find on 2026-10-29 (the last day of the case
-- simulation).  Needs tests/data/guangming.sql first.
--
-- Organizations:
--   the district committee, 6 subdistrict working committees (党工委), 31
--   community party committees (社区党委), each with its governance squad
--   (治理中队, led by the secretary: 一肩挑) and a social work station;
--   area general branches (片区党总支) over grids of one community: 16 in
--   公明街道, as the district reports, and as many per grid elsewhere, but
--   光明街道, whose system has no such tier;
--   grid branches (网格党支部): 335 in 公明街道, 4 or 5 per grid, each over a
--   compound of buildings (一个小区一个支部); 48 in 光明街道, over one or two
--   grids each (its 150 governance grids are finer than the demo's 84);
--   one per grid in the other four subdistricts (the 418 party-building
--   grids);
--   284 红小二 teams in 光明街道, 3 or 4 per grid, each over the buildings
--   of its stretch (一个楼栋一支服务队).
-- People (42,031):
--   3,000 party members of the five kinds (五员), each in a grid branch,
--   among them the 31 community secretaries and the 284 team leaders, who
--   are full-time grid workers in their grid (专职网格党员);
--   one full-time grid worker for each of the other 334 grids;
--   1,000 community full-time workers (社区专职工作者), 62 of them reserve
--   cadres (后备, two per secretary); 560 social workers; 102 legal
--   advisers; 49 psychologists;
--   986 红小二 volunteers: with the leaders, 1,270 people in the teams;
--   36,000 patrol volunteers (平安员), about 86 per grid, each on their grid
--   in the community's governance squad, numbered PA00000 to PA35999
--   (person.properties->>'patrol_no', as the case simulation's reports
--   name them).
-- The planted gaps on 2026-10-29:
--   马田街道's last grid lost its branch, and its area branch's care, on
--   2026-09-30 (no branch, no party member); 5 floating party members are registered with their community
--   committee and not yet placed in a grid; the last two buildings of
--   光明街道's last grid have no team; two teams break the rule (one lost
--   all but one volunteer, one's leader left full-time work); two secretaries have
--   one reserve cadre.
BEGIN;
SET LOCAL search_path = gridgov, public;

-- n shared out over k parts as evenly as the order allows: the size of
-- part i (1-based), the difference of two floors.
CREATE FUNCTION pg_temp.share(n integer, k integer, i integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    RETURN (i::bigint * n / k - (i - 1)::bigint * n / k)::integer;

-- A generated Chinese name: a surname and one or two given characters,
-- drawn from a hash of an ordinal.
CREATE FUNCTION pg_temp.person_name(n integer) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN (SELECT substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
                          1 + h % 100, 1)
                   || substr(given, 1 + (h / 100) % 50, 1)
                   || CASE WHEN h / 5000 % 3 = 0 THEN '' ELSE substr(given, 1 + (h / 15000) % 50, 1) END
              FROM (SELECT hashint4(n) & 2147483647 AS h,
                           '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏飞俊婷雪琳晨欣怡嘉子轩思源'::text AS given) x);

-- The grids and buildings in order: the i-th grid of its subdistrict and of
-- its community.
CREATE TEMP TABLE demo_grid AS
SELECT g.code, g.name, parent(g.code) AS community, parent(parent(g.code)) AS subdistrict,
       row_number() OVER (ORDER BY g.code)::integer AS n,
       row_number() OVER (PARTITION BY parent(parent(g.code)) ORDER BY g.code)::integer AS in_subdistrict,
       row_number() OVER (PARTITION BY parent(g.code) ORDER BY g.code)::integer AS in_community,
       count(*) OVER (PARTITION BY parent(g.code))::integer AS community_grids
  FROM unit g WHERE g.code <@ '440311' AND g.level = 6;

DO $$
DECLARE
    since constant daterange := '[2024-01-01,)';
    district bigint;
    sub record;
    com record;
    gr record;
    sub_committee bigint;
    committee bigint;
    org bigint;
    branches integer;           -- grid branches of the subdistrict
    areas integer;              -- area branches of the subdistrict
    grids integer;
    area_no integer;
    k integer;
    b integer;
    first_building integer;
    buildings integer;
BEGIN
    INSERT INTO organization (kind, name, anchor, valid)
    VALUES ('district_committee', '中共深圳市光明区委员会', '440311', since) RETURNING id INTO district;
    INSERT INTO organization_unit (organization, unit, valid) VALUES (district, '440311', since);

    FOR sub IN SELECT code, name FROM unit WHERE parent = '440311' ORDER BY code LOOP
        INSERT INTO organization (kind, name, parent, anchor, valid)
        VALUES ('subdistrict_committee', '中共光明区' || sub.name || '工作委员会', district, sub.code, since)
        RETURNING id INTO sub_committee;
        INSERT INTO organization_unit (organization, unit, valid) VALUES (sub_committee, sub.code, since);

        SELECT count(*) INTO grids FROM demo_grid WHERE subdistrict = sub.code;
        branches := CASE sub.name WHEN '公明街道' THEN 335 WHEN '光明街道' THEN 48 ELSE grids END;
        areas := CASE sub.name WHEN '光明街道' THEN 0 ELSE round(16.0 * grids / 70)::integer END;

        FOR com IN SELECT u.code, u.name, min(g.in_subdistrict) - 1 AS before, count(*)::integer AS grids
                     FROM unit u JOIN demo_grid g ON g.community = u.code
                    WHERE u.parent = sub.code GROUP BY u.code, u.name ORDER BY u.code LOOP
            INSERT INTO organization (kind, name, parent, anchor, valid)
            VALUES ('community_committee', com.name || '党委', sub_committee, com.code, since)
            RETURNING id INTO committee;
            INSERT INTO organization_unit (organization, unit, valid) VALUES (committee, com.code, since);
            INSERT INTO organization (kind, name, parent, anchor, valid)
            VALUES ('governance_squad', com.name || '综合治理中队', committee, com.code, since)
            RETURNING id INTO org;
            INSERT INTO organization_unit (organization, unit, valid) VALUES (org, com.code, since);
            INSERT INTO organization (kind, name, parent, anchor, valid)
            VALUES ('social_organization', com.name || '社工服务站', committee, com.code, since)
            RETURNING id INTO org;
            INSERT INTO organization_unit (organization, unit, valid) VALUES (org, com.code, since);

            -- area branches: the community's share of the subdistrict's,
            -- each over a run of its grids
            k := (com.before + com.grids) * areas / grids - com.before * areas / grids;
            FOR area_no IN 1 .. k LOOP
                INSERT INTO organization (kind, name, parent, anchor, valid)
                VALUES ('area_branch', com.name || '第' || area_no || '片区党总支', committee, com.code, since);
            END LOOP;
            INSERT INTO organization_unit (organization, unit, valid)
            SELECT o.id, g.code, CASE WHEN g.n = 418 THEN '[2024-01-01,2026-09-30)' ELSE since END
              FROM demo_grid g
              JOIN organization o ON o.kind = 'area_branch'
                                 AND o.name = com.name || '第' || (1 + (g.in_community - 1) * k / g.community_grids) || '片区党总支'
             WHERE g.community = com.code AND k > 0;

            IF branches < grids THEN
                -- fewer branches than grids (光明街道): the community's share,
                -- each anchored on the community over a run of its grids
                k := (com.before + com.grids) * branches / grids - com.before * branches / grids;
                FOR b IN 1 .. k LOOP
                    INSERT INTO organization (kind, name, parent, anchor, valid)
                    VALUES ('grid_branch', com.name || '第' || b || '网格党支部', committee, com.code, since)
                    RETURNING id INTO org;
                    INSERT INTO organization_unit (organization, unit, valid)
                    SELECT org, g.code, since FROM demo_grid g
                     WHERE g.community = com.code AND 1 + (g.in_community - 1) * k / g.community_grids = b;
                END LOOP;
            ELSE
                -- one or more per grid, under the grid's area branch; where
                -- several, each over a compound: a run of the 20 buildings
                FOR gr IN SELECT d.*, a.id AS area
                           FROM demo_grid d
                           JOIN organization a ON a.kind = 'area_branch'
                                              AND a.name = com.name || '第' || (1 + (d.in_community - 1) *
                                                  ((com.before + com.grids) * areas / grids - com.before * areas / grids)
                                                  / d.community_grids) || '片区党总支'
                          WHERE d.community = com.code ORDER BY d.code LOOP
                    k := pg_temp.share(branches, grids, gr.in_subdistrict);
                    first_building := 1;
                    FOR b IN 1 .. k LOOP
                        INSERT INTO organization (kind, name, parent, anchor, valid)
                        VALUES ('grid_branch',
                                gr.name || CASE WHEN k = 1 THEN '' ELSE '第' || b || '小区' END || '党支部',
                                gr.area, gr.code,
                                -- 马田街道's last grid lost its branch
                                CASE WHEN gr.n = 418 THEN '[2024-01-01,2026-09-30)' ELSE since END)
                        RETURNING id INTO org;
                        IF k = 1 THEN
                            INSERT INTO organization_unit (organization, unit, valid)
                            SELECT org, gr.code, o.valid FROM organization o WHERE o.id = org;
                        ELSE
                            buildings := pg_temp.share(20, k, b);
                            INSERT INTO organization_unit (organization, unit, valid)
                            SELECT org, child(gr.code, first_building + i), since
                              FROM generate_series(0, buildings - 1) i;
                            first_building := first_building + buildings;
                        END IF;
                    END LOOP;
                END LOOP;
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- The grid branches in order, and the branch each grid's people join: the
-- first that covers the grid or a building of it.
CREATE TEMP TABLE demo_branch AS
SELECT o.id, o.valid, row_number() OVER (ORDER BY o.id)::integer AS n
  FROM organization o WHERE o.kind = 'grid_branch' AND upper_inf(o.valid);
CREATE TEMP TABLE demo_grid_branch AS
SELECT DISTINCT ON (g.code) g.code AS grid, c.organization AS branch
  FROM demo_grid g JOIN organization_unit c ON c.unit <@ g.code OR c.unit = g.code
  JOIN organization o ON o.id = c.organization AND o.kind = 'grid_branch'
 ORDER BY g.code, c.organization;

-- 284 红小二 teams in 光明街道's 84 grids (3 or 4 each), each over a run of
-- its grid's buildings, under the grid's branch; the last grid's last two
-- buildings are new and have no team yet.
CREATE TEMP TABLE demo_team AS
SELECT row_number() OVER (ORDER BY g.code, t)::integer AS n, g.code AS grid, g.name AS grid_name, t,
       pg_temp.share(284, 84, g.in_subdistrict) AS teams, gb.branch
  FROM demo_grid g JOIN demo_grid_branch gb ON gb.grid = g.code,
       generate_series(1, pg_temp.share(284, 84, g.in_subdistrict)) t
 WHERE g.subdistrict = (SELECT code FROM unit WHERE parent = '440311' AND name = '光明街道');
ALTER TABLE demo_team ADD COLUMN id bigint;
WITH o AS (
    INSERT INTO organization (kind, name, parent, anchor, valid)
    SELECT 'hongxiaoer_team', t.grid_name || '红小二第' || t.t || '分队', t.branch, t.grid, '[2024-01-01,)'
      FROM demo_team t ORDER BY t.n
    RETURNING id, anchor, name)
UPDATE demo_team t SET id = o.id FROM o WHERE o.name = t.grid_name || '红小二第' || t.t || '分队';
INSERT INTO organization_unit (organization, unit, valid)
SELECT t.id, child(t.grid, b), '[2024-01-01,)'
  FROM demo_team t,
       generate_series((t.t - 1) * 20 / t.teams + 1, t.t * 20 / t.teams) b
 WHERE NOT (t.n = 284 AND b > 18);

-- People: numbers by block, in the order of the list at the top.
--      1 -  3000  party members: 1-31 secretaries, 32-315 team leaders,
--                 2996-3000 floating members not yet placed
--   3001 -  3334  grid workers of the other 334 grids
--   3335 -  4334  community full-time workers, the first 62 reserve cadres
--   4335 -  4894  social workers
--   4895 -  4996  legal advisers
--   4997 -  5045  psychologists
--   5046 -  6031  红小二 volunteers
--   6032 - 42031  patrol volunteers PA00000 - PA35999
INSERT INTO person (id, properties)
SELECT n, CASE WHEN n >= 6032 THEN jsonb_build_object('patrol_no', 'PA' || lpad((n - 6032)::text, 5, '0'))
               ELSE '{}' END
  FROM generate_series(1, 42031) n;
INSERT INTO person_contact (person, name) SELECT n, pg_temp.person_name(n) FROM generate_series(1, 42031) n;
SELECT setval(pg_get_serial_sequence('gridgov.person', 'id'), 42031) \g /dev/null

-- The communities in order, with their committee, squad and station.
CREATE TEMP TABLE demo_community AS
SELECT row_number() OVER (ORDER BY c.anchor)::integer AS n, c.anchor AS code, c.id AS committee,
       q.id AS squad, s.id AS station,
       (SELECT count(*) FROM demo_grid g WHERE g.community = c.anchor)::integer AS grids,
       (SELECT count(*) FROM demo_grid g WHERE g.community < c.anchor)::integer AS before
  FROM organization c
  JOIN organization q ON q.anchor = c.anchor AND q.kind = 'governance_squad'
  JOIN organization s ON s.anchor = c.anchor AND s.kind = 'social_organization'
 WHERE c.kind = 'community_committee';

-- Secretaries: their committee, their squad (一肩挑), and a party post in
-- the community's first branch.
INSERT INTO post (person, role, organization, valid)
SELECT c.n, r.role, CASE r.role WHEN 'secretary' THEN c.committee ELSE c.squad END, '[2024-01-01,)'
  FROM demo_community c, (VALUES ('secretary'), ('squad_leader')) r(role);
-- Reserve cadres, two per secretary, from the community workers (the
-- last two communities have one).
INSERT INTO post (person, role, organization, valid)
SELECT 3335 + 2 * (c.n - 1) + i, 'reserve_cadre', c.committee, '[2024-01-01,)'
  FROM demo_community c, generate_series(0, 1) i
 WHERE NOT (c.n > 29 AND i = 1);

-- Team leaders: full-time grid workers in their team's grid, in the
-- community's squad, and team leaders; one of them (team 100's) left
-- full-time work on 2026-10-01.
INSERT INTO post (person, role, organization, unit, valid)
SELECT 31 + t.n, 'grid_worker', c.squad, t.grid,
       CASE WHEN t.n = 100 THEN '[2024-01-01,2026-10-01)' ELSE '[2024-01-01,)' END::daterange
  FROM demo_team t JOIN demo_community c ON c.code = parent(t.grid);
INSERT INTO post (person, role, organization, valid)
SELECT 31 + t.n, 'team_leader', t.id, '[2024-01-01,)' FROM demo_team t;
-- The other grids' full-time grid workers.
INSERT INTO post (person, role, organization, unit, valid)
SELECT 3000 + row_number() OVER (ORDER BY g.code), 'grid_worker', c.squad, g.code, '[2024-01-01,)'
  FROM demo_grid g JOIN demo_community c ON c.code = g.community
 WHERE g.code NOT IN (SELECT grid FROM demo_team);

-- The party posts of the 3,000: the five kinds by shares (community 42%,
-- organ 12%, "two new" 18%, retired 18%, floating 10%); secretaries in
-- their community's first branch, team leaders in their grid's, the rest
-- spread over all branches in turn; the last five with their committee
-- only.  The lost branch's members left with it.
INSERT INTO post (person, role, organization, valid)
SELECT p.n,
       CASE WHEN p.n <= 315 THEN 'party_member_community'
            ELSE (ARRAY['party_member_community', 'party_member_organ', 'party_member_two_new',
                        'party_member_retired', 'party_member_floating'])
                 [width_bucket((p.n * 7919 % 100)::float8, '{0,42,54,72,90}'::float8[])] END,
       p.organization, '[2024-01-01,)'
  FROM (SELECT n, CASE
                  WHEN n <= 31 THEN (SELECT min(gb.branch) FROM demo_grid_branch gb
                                      JOIN demo_community c ON c.code = parent(gb.grid) WHERE c.n = p.n)
                  WHEN n <= 315 THEN (SELECT t.branch FROM demo_team t WHERE t.n = p.n - 31)
                  WHEN n <= 2995 THEN (SELECT b.id FROM demo_branch b
                                        WHERE b.n = 1 + (p.n - 316) % (SELECT count(*) FROM demo_branch))
                  END AS organization
          FROM generate_series(1, 2995) p(n)) p;
INSERT INTO post (person, role, organization, valid)
SELECT f.n, 'party_member_floating', c.committee, '[2024-01-01,)'
  FROM generate_series(2996, 3000) f(n) JOIN demo_community c ON c.n = 1 + f.n % 31;

-- Community full-time workers in their committees, shared out by grids;
-- social workers in the stations, legal advisers and psychologists with
-- the committees, likewise.
INSERT INTO post (person, role, organization, valid)
SELECT s.first + i, s.role, CASE WHEN s.role = 'social_worker' THEN c.station ELSE c.committee END,
       '[2024-01-01,)'
  FROM (VALUES ('community_worker', 3335, 1000), ('social_worker', 4335, 560),
               ('legal_adviser', 4895, 102), ('psychologist', 4997, 49)) s(role, first, total),
       LATERAL generate_series(0, s.total - 1) i, demo_community c
 WHERE c.before * s.total / 418 <= i AND i < (c.before + c.grids) * s.total / 418;

-- The teams' volunteers: 3 or 4 beside the leader, 1,270 people in all;
-- team 200 lost all but one of its volunteers on 2026-10-20.
INSERT INTO post (person, role, organization, valid)
SELECT 5046 + m.before + i, 'hongxiaoer', t.id,
       CASE WHEN t.n = 200 AND i >= 1 THEN '[2024-01-01,2026-10-20)' ELSE '[2024-01-01,)' END::daterange
  FROM demo_team t,
       LATERAL (SELECT 3 * (t.n - 1) + (t.n - 1) * 134 / 284 AS before,
                       3 + pg_temp.share(134, 284, t.n) AS volunteers) m,
       LATERAL generate_series(0, m.volunteers - 1) i;

-- Patrol volunteers: about 86 a grid, each on their grid in the squad.
INSERT INTO post (person, role, organization, unit, valid)
SELECT 6032 + v, 'patrol_volunteer', c.squad, g.code, '[2024-01-01,)'
  FROM generate_series(0, 35999) v
  JOIN demo_grid g ON g.n = 1 + v * 418 / 36000
  JOIN demo_community c ON c.code = g.community;

COMMIT;
ANALYZE gridgov.organization, gridgov.organization_unit, gridgov.person, gridgov.post;
