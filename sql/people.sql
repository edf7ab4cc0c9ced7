-- gridgov pillar: people and organizations
--
-- Organizations (a party committee, its area general branches, grid
-- branches and building groups; residents' and owners' committees, property
-- companies, squads and teams) form their own tree through parent, and
-- each is anchored on a unit of the jurisdiction tree and covers a set of
-- units under that anchor, each for a period.  People hold posts: a post
-- ties a person to an organization, a unit or both, with a role and a
-- period.  The names follow the Popolo data specification where they fit:
-- organization (classification = its kind, parent, founding and dissolution
-- dates = valid), person, post (Popolo's Membership: person, organization,
-- role, area, start and end dates) and the units as Areas (docs/people.md).
--
-- Personal data (name, phone, ID number) sits in person_contact alone, so
-- that access control can mask it; nothing in gridgov reads it.
--
-- Periods are dateranges, [first day, day after the last): a post from
-- 2026-01-01 with no end is '[2026-01-01,)'.  Two periods of the same
-- coverage or the same post may not overlap, which exclusion constraints
-- hold (btree_gist gives them equality on bigint and text; gridcode is
-- compared as its bigint value).  The rules no constraint can state (a
-- post lies within the units its organization covers, a kind's anchor
-- level, no cycle of parents) are held by C triggers (src/people.c), which
-- also refuse what the constraints refuse, first, with a hint.
--
-- The coverage checks are range joins on gridcode: "under X" is the btree
-- range that <@ becomes, never a walk of either tree.

-- ======================================================================
-- Tables
-- ======================================================================

CREATE TABLE gridgov.organization_kind (
    code            text PRIMARY KEY
                    CONSTRAINT organization_kind_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name            text NOT NULL
                    CONSTRAINT organization_kind_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    classification  text NOT NULL
                    CONSTRAINT organization_kind_classification CHECK (classification OPERATOR(pg_catalog.=) ANY
                        (ARRAY['party', 'self_governance', 'economic', 'social', 'government', 'service'])),
    anchor_levels   int4range NOT NULL
                    CONSTRAINT organization_kind_anchor_levels CHECK (NOT pg_catalog.isempty(anchor_levels)
                        AND anchor_levels OPERATOR(pg_catalog.<@) pg_catalog.int4range(1, 7, '[]'))
);
COMMENT ON TABLE gridgov.organization_kind IS
    'kinds of organizations (Popolo classification): party organizations at every tier, committees, companies, squads, teams';
COMMENT ON COLUMN gridgov.organization_kind.code IS 'the kind, as organization.kind names it, such as grid_branch';
COMMENT ON COLUMN gridgov.organization_kind.name IS 'the kind''s Chinese name, such as 网格党支部';
COMMENT ON COLUMN gridgov.organization_kind.classification IS
    'party, self_governance, economic, social, government or service';
COMMENT ON COLUMN gridgov.organization_kind.anchor_levels IS
    'the gridcode levels an organization of this kind may be anchored at, such as [5,6] for village or grid';

INSERT INTO gridgov.organization_kind (code, name, classification, anchor_levels) VALUES
    ('district_committee',    '区委',               'party',           '[3,3]'),
    ('subdistrict_committee', '街道党工委',         'party',           '[4,4]'),
    ('community_committee',   '社区党委',           'party',           '[5,5]'),
    ('area_branch',           '片区党总支',         'party',           '[5,5]'),
    ('grid_branch',           '网格党支部',         'party',           '[5,6]'),
    ('building_group',        '楼栋党小组',         'party',           '[6,7]'),
    ('party_branch',          '党支部',             'party',           '[1,7]'),
    ('residents_committee',   '居民委员会',         'self_governance', '[5,5]'),
    ('owners_committee',      '业主委员会',         'self_governance', '[5,7]'),
    ('property_company',      '物业服务企业',       'economic',        '[3,7]'),
    ('shareholding_company',  '股份合作公司',       'economic',        '[5,5]'),
    ('two_new_organization',  '两新组织',           'economic',        '[3,7]'),
    ('social_organization',   '社会组织',           'social',          '[1,7]'),
    ('resident_unit',         '驻社区单位',         'government',      '[3,7]'),
    ('governance_squad',      '社区综合治理中队',   'government',      '[5,5]'),
    ('service_team',          '服务队',             'service',         '[3,7]'),
    ('hongxiaoer_team',       '红小二服务队',       'service',         '[5,7]');

-- pg_dump keeps the kinds a user added, not the ones above, which CREATE
-- EXTENSION puts back (as for calendar_day; the table holds nothing else
-- yet, so the filter is the list above).
SELECT pg_catalog.pg_extension_config_dump('gridgov.organization_kind',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM gridgov.organization_kind;

CREATE TABLE gridgov.role (
    code        text PRIMARY KEY
                CONSTRAINT role_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL CONSTRAINT role_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    class       text NOT NULL
                CONSTRAINT role_class CHECK (class OPERATOR(pg_catalog.=) ANY
                    (ARRAY['party_member', 'officer', 'reserve', 'staff', 'volunteer', 'member']))
);
COMMENT ON TABLE gridgov.role IS 'roles a post can have: the five kinds of party member, officers, staff, volunteers';
COMMENT ON COLUMN gridgov.role.code IS 'the role, as post.role names it, such as grid_worker';
COMMENT ON COLUMN gridgov.role.name IS 'the role''s Chinese name, such as 专职网格员';
COMMENT ON COLUMN gridgov.role.class IS
    'party_member (the coverage checks count these as party members), officer, reserve, staff, volunteer or member';

INSERT INTO gridgov.role (code, name, class) VALUES
    ('party_member_community', '社区党员',         'party_member'),
    ('party_member_organ',     '街道机关党员',     'party_member'),
    ('party_member_two_new',   '两新组织党员',     'party_member'),
    ('party_member_retired',   '离退休党员',       'party_member'),
    ('party_member_floating',  '流动党员',         'party_member'),
    ('secretary',              '书记',             'officer'),
    ('deputy_secretary',       '副书记',           'officer'),
    ('committee_member',       '委员',             'officer'),
    ('director',               '主任',             'officer'),
    ('squad_leader',           '中队长',           'officer'),
    ('group_leader',           '组长',             'officer'),
    ('team_leader',            '队长',             'officer'),
    ('reserve_cadre',          '后备干部',         'reserve'),
    ('grid_worker',            '专职网格员',       'staff'),
    ('community_worker',       '社区专职工作者',   'staff'),
    ('social_worker',          '社工',             'staff'),
    ('legal_adviser',          '法律顾问',         'staff'),
    ('psychologist',           '心理咨询师',       'staff'),
    ('mediator',               '人民调解员',       'staff'),
    ('squad_member',           '治理中队队员',     'staff'),
    ('building_head',          '楼栋长',           'volunteer'),
    ('patrol_volunteer',       '平安员',           'volunteer'),
    ('hongxiaoer',             '红小二',           'volunteer'),
    ('volunteer',              '志愿者',           'volunteer'),
    ('member',                 '成员',             'member');

SELECT pg_catalog.pg_extension_config_dump('gridgov.role',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM gridgov.role;

CREATE TABLE gridgov.organization (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY
                CONSTRAINT organization_id_positive CHECK (id OPERATOR(pg_catalog.>) 0),
    kind        text NOT NULL REFERENCES gridgov.organization_kind (code),
    name        text NOT NULL CONSTRAINT organization_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    parent      bigint REFERENCES gridgov.organization (id),
    anchor      gridgov.gridcode NOT NULL REFERENCES gridgov.unit (code),
    valid       daterange NOT NULL DEFAULT pg_catalog.daterange(CURRENT_DATE, NULL)
                CONSTRAINT organization_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    properties  jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE gridgov.organization IS
    'organizations (Popolo Organization): their own tree through parent, each anchored on a unit';
COMMENT ON COLUMN gridgov.organization.id IS 'the organization''s number, positive (0 stands for none in a post''s exclusion key)';
COMMENT ON COLUMN gridgov.organization.kind IS 'its kind (Popolo classification), a code of organization_kind';
COMMENT ON COLUMN gridgov.organization.name IS 'its name, such as 根竹园社区党委';
COMMENT ON COLUMN gridgov.organization.parent IS
    'the organization above it, in the organizations'' own tree (no cycle); NULL at the top';
COMMENT ON COLUMN gridgov.organization.anchor IS
    'the unit it belongs to, at a level its kind allows; the units it covers lie under it';
COMMENT ON COLUMN gridgov.organization.valid IS
    'from its founding to the day after its dissolution; its coverage and posts lie within';
COMMENT ON COLUMN gridgov.organization.properties IS 'anything else about it, such as its service point or brand';
CREATE INDEX organization_parent_idx ON gridgov.organization (parent);
CREATE INDEX organization_anchor_idx ON gridgov.organization (anchor);
CREATE INDEX organization_kind_anchor_idx ON gridgov.organization (kind, anchor);

-- The units an organization covers, each for a period: an area general
-- branch covers several grids of its community, a 红小二 team a building.
CREATE TABLE gridgov.organization_unit (
    organization    bigint NOT NULL REFERENCES gridgov.organization (id) ON DELETE CASCADE,
    unit            gridgov.gridcode NOT NULL REFERENCES gridgov.unit (code),
    valid           daterange NOT NULL DEFAULT pg_catalog.daterange(CURRENT_DATE, NULL)
                    CONSTRAINT organization_unit_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    CONSTRAINT organization_unit_no_overlap EXCLUDE USING gist (
        organization WITH OPERATOR(pg_catalog.=),
        (unit::pg_catalog.int8) WITH OPERATOR(pg_catalog.=),
        valid WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE gridgov.organization_unit IS
    'the units each organization covers, each for a period; one organization covers one unit at most once at a time';
COMMENT ON COLUMN gridgov.organization_unit.organization IS 'the organization';
COMMENT ON COLUMN gridgov.organization_unit.unit IS
    'a unit it covers (with everything under it), under the organization''s anchor';
COMMENT ON COLUMN gridgov.organization_unit.valid IS 'when it covers the unit, within the organization''s own period';
CREATE INDEX organization_unit_unit_idx ON gridgov.organization_unit (unit);
CREATE INDEX organization_unit_organization_idx ON gridgov.organization_unit (organization);

CREATE TABLE gridgov.person (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    properties  jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE gridgov.person IS
    'people (Popolo Person), by number only: their names, phones and ID numbers are in person_contact';
COMMENT ON COLUMN gridgov.person.id IS 'the person''s number, which posts (and later cases) refer to';
COMMENT ON COLUMN gridgov.person.properties IS
    'what is not personal data, such as skills and the services offered (服务意向)';

-- Personal data, in one table apart, so that access control can mask it
-- whole.  gridgov computes nothing from it.
CREATE TABLE gridgov.person_contact (
    person      bigint PRIMARY KEY REFERENCES gridgov.person (id) ON DELETE CASCADE,
    name        text NOT NULL CONSTRAINT person_contact_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    phone       text,
    id_number   text
);
COMMENT ON TABLE gridgov.person_contact IS
    'personal data of people, apart from everything else so that access control can mask it; gridgov never reads it';
COMMENT ON COLUMN gridgov.person_contact.person IS 'the person';
COMMENT ON COLUMN gridgov.person_contact.name IS 'the person''s name (personal data)';
COMMENT ON COLUMN gridgov.person_contact.phone IS 'the person''s phone number (personal data)';
COMMENT ON COLUMN gridgov.person_contact.id_number IS 'the person''s ID card number, 居民身份证号码 (personal data)';

-- A post: a person in an organization, on a unit, or both, with a role,
-- for a period (Popolo Membership).  A person may hold several posts at
-- once (一肩挑), but not the same one twice at the same time.
CREATE TABLE gridgov.post (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    person          bigint NOT NULL REFERENCES gridgov.person (id),
    role            text NOT NULL REFERENCES gridgov.role (code),
    organization    bigint REFERENCES gridgov.organization (id),
    unit            gridgov.gridcode REFERENCES gridgov.unit (code),
    valid           daterange NOT NULL DEFAULT pg_catalog.daterange(CURRENT_DATE, NULL)
                    CONSTRAINT post_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    CONSTRAINT post_has_a_place CHECK (organization IS NOT NULL OR unit IS NOT NULL),
    CONSTRAINT post_no_overlap EXCLUDE USING gist (
        person WITH OPERATOR(pg_catalog.=),
        role WITH OPERATOR(pg_catalog.=),
        (COALESCE(organization, 0)) WITH OPERATOR(pg_catalog.=),
        (COALESCE(unit::pg_catalog.int8, 0)) WITH OPERATOR(pg_catalog.=),
        valid WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE gridgov.post IS
    'posts (Popolo Membership): a person in an organization and/or on a unit, with a role, for a period';
COMMENT ON COLUMN gridgov.post.id IS 'the post''s number';
COMMENT ON COLUMN gridgov.post.person IS 'who holds it';
COMMENT ON COLUMN gridgov.post.role IS 'the role, a code of gridgov.role';
COMMENT ON COLUMN gridgov.post.organization IS 'the organization it is held in, if any';
COMMENT ON COLUMN gridgov.post.unit IS
    'the unit it is held on, if any; with an organization, a unit that organization covers for the whole period';
COMMENT ON COLUMN gridgov.post.valid IS 'when it is held, within the organization''s own period';
CREATE INDEX post_person_idx ON gridgov.post (person);
CREATE INDEX post_unit_idx ON gridgov.post (unit);
CREATE INDEX post_organization_idx ON gridgov.post (organization);
-- the posts held in an organization alone, which place their holders on
-- everything it covers: read per coverage row by placements() and the
-- kept coverage's recount
CREATE INDEX post_organization_alone_idx ON gridgov.post (organization) WHERE unit IS NULL;

-- Which person a login role is: the case engine records the person behind
-- the role that reports or moves a case (cases.reporter_person,
-- actor_person, and the handler by default).  One person per role; a
-- person may have several roles.  Only the owner writes it (no grant).
CREATE TABLE gridgov.person_login (
    login       regrole PRIMARY KEY,
    person      bigint NOT NULL REFERENCES gridgov.person (id) ON DELETE CASCADE
);
COMMENT ON TABLE gridgov.person_login IS
    'the person each login role is, for the case engine: one person per role, written by the owner only';
COMMENT ON COLUMN gridgov.person_login.login IS 'a role that logs in and reports or moves cases';
COMMENT ON COLUMN gridgov.person_login.person IS 'the person it is';
CREATE INDEX person_login_person_idx ON gridgov.person_login (person);
-- the case engine keeps each backend's answer until the table changes
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.person_login
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_cache();
ALTER TABLE gridgov.person_login ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

-- What the morning checks read instead of the posts (所有网格有党员 and the
-- people under each community), kept current by the statement triggers
-- below from the posts and the coverage: per grid, the days on which a
-- party member is placed in it; per community, how many people (and party
-- members) are placed under it from each day on.  Derived data, so not
-- dumped: a restore's rows rebuild them through the same triggers (ENABLE
-- ALWAYS), and rebuild_coverage() builds them whole.  One row per grid or
-- community, kept when it empties, so that two transactions that change
-- the same one always touch the same row (REPEATABLE READ then refuses
-- the second with 40001 instead of losing the first's change).
CREATE TABLE gridgov.grid_party_days (
    grid    gridgov.gridcode NOT NULL,
    days    pg_catalog.datemultirange NOT NULL,
    -- a grid's days read from the index alone: a probe per grid under a
    -- district costs less than hashing every grid of the province
    CONSTRAINT grid_party_days_pkey PRIMARY KEY (grid) INCLUDE (days)
);
COMMENT ON TABLE gridgov.grid_party_days IS
    'per grid, the days on which at least one party member is placed in it (kept by the triggers on post and organization_unit)';
COMMENT ON COLUMN gridgov.grid_party_days.grid IS 'the grid (level 6)';
COMMENT ON COLUMN gridgov.grid_party_days.days IS
    'the days on which a post of a party member places its holder on the grid or a building in it; empty if none';
CREATE TABLE gridgov.community_headcount (
    community       gridgov.gridcode PRIMARY KEY,
    since           date[] NOT NULL,
    people          integer[] NOT NULL,
    party_members   integer[] NOT NULL,
    CONSTRAINT community_headcount_steps CHECK (
        pg_catalog.cardinality(people) OPERATOR(pg_catalog.=) pg_catalog.cardinality(since)
        AND pg_catalog.cardinality(party_members) OPERATOR(pg_catalog.=) pg_catalog.cardinality(since))
);
COMMENT ON TABLE gridgov.community_headcount IS
    'per community, the people and party members placed under it, as steps over time (kept by the triggers on post and organization_unit)';
COMMENT ON COLUMN gridgov.community_headcount.community IS 'the community (level 5)';
COMMENT ON COLUMN gridgov.community_headcount.since IS
    'the days on which the counts change, ascending (-infinity for posts with no first day); before the first, no one';
COMMENT ON COLUMN gridgov.community_headcount.people IS
    'from since[i] until since[i + 1], how many people are placed under the community (width_bucket(day, since) finds i)';
COMMENT ON COLUMN gridgov.community_headcount.party_members IS 'from since[i] until since[i + 1], how many of them are party members';

SELECT pg_catalog.pg_extension_config_dump('gridgov.organization', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.organization_unit', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.person', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.person_contact', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.post', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.person_login', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('gridgov.organization', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('gridgov.person', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('gridgov.post', 'id')::regclass, '');

-- ======================================================================
-- Functions
-- ======================================================================

-- The rules no constraint states, and the refusals of the constraints
-- given first with a hint (src/people.c).  The BEFORE triggers see the row
-- as it will be written; the AFTER trigger sees a statement's coverage
-- changes whole, so that moving a coverage from one period to the next in
-- one statement is not refused halfway.
CREATE FUNCTION gridgov.organization_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.organization_check() IS
    'BEFORE INSERT OR UPDATE trigger on organization: kind, parent, anchor and its level, no cycle of parents, coverage and posts within its period';
CREATE FUNCTION gridgov.organization_unit_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.organization_unit_check() IS
    'BEFORE INSERT OR UPDATE trigger on organization_unit: the organization and unit exist, the unit under its anchor, the period within its own, no overlap';
CREATE FUNCTION gridgov.organization_unit_release() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.organization_unit_release() IS
    'AFTER UPDATE OR DELETE trigger on organization_unit: no post of the organization is left on a unit it no longer covers';
CREATE FUNCTION gridgov.post_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.post_check() IS
    'BEFORE INSERT OR UPDATE trigger on post: person, role, organization and unit exist, the unit covered by the organization for the whole period, no overlap';

-- The kept coverage (grid_party_days, community_headcount).  A change
-- recounts each grid and community it touches from scratch, from the
-- posts and the coverage as they are once the rows are locked: the rows
-- are made if missing and locked in the order of their codes, and the
-- recount is a later statement, so under READ COMMITTED it reads what a
-- transaction that held a lock committed (REPEATABLE READ refuses with
-- 40001 instead).  Row locks, not advisory ones: a transaction may touch
-- every grid of a province without filling the lock table.  SECURITY
-- DEFINER: a count covers every post, including those the writer's
-- policies hide from it.
CREATE FUNCTION gridgov.coverage_recount(grids gridgov.gridcode[], communities gridgov.gridcode[])
    RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
    -- every scan below is meant to be a key's index range: a recount often
    -- runs right after a bulk load that no ANALYZE has seen yet, where a
    -- plan from the statistics could scan every post once per grid
    SET enable_seqscan = off
AS $$
DECLARE
    grid_rows gridgov.grid_party_days[];
    community_rows gridgov.community_headcount[];
BEGIN
    grids := ARRAY(SELECT DISTINCT g FROM pg_catalog.unnest(grids) g WHERE g IS NOT NULL ORDER BY g);
    communities := ARRAY(SELECT DISTINCT c FROM pg_catalog.unnest(communities) c WHERE c IS NOT NULL ORDER BY c);
    -- communities first: a change to a grid also changes its community,
    -- so the community's lock orders every writer of its grids, and two
    -- transactions can deadlock only over two communities
    INSERT INTO gridgov.community_headcount (community, since, people, party_members)
    SELECT c, '{}', '{}', '{}' FROM pg_catalog.unnest(communities) c
        ON CONFLICT DO NOTHING;
    PERFORM FROM gridgov.community_headcount h
      WHERE h.community OPERATOR(gridgov.=) ANY (communities)
      ORDER BY h.community FOR UPDATE;
    INSERT INTO gridgov.grid_party_days (grid, days)
    SELECT g, '{}' FROM pg_catalog.unnest(grids) g
        ON CONFLICT DO NOTHING;
    PERFORM FROM gridgov.grid_party_days d
      WHERE d.grid OPERATOR(gridgov.=) ANY (grids)
      ORDER BY d.grid FOR UPDATE;
    -- the days of the party members placed under each grid.  Each grid
    -- drives range scans of its own posts and coverage (LATERAL ... OFFSET
    -- 0: never a join whose other side is every post without a unit),
    -- then everything is grouped once, whether one grid or a province's.
    -- Counted by a query that reads the posts and coverage alone, and
    -- written by another that reads the count alone: on Citus the ones are
    -- reference tables and the others each node's own.
    grid_rows := ARRAY(
        SELECT ROW(k.grid, COALESCE(pg_catalog.range_agg(pl.days), '{}'))::gridgov.grid_party_days
              FROM pg_catalog.unnest(grids) k (grid)
              LEFT JOIN (SELECT g.grid, p.valid AS days
                           FROM pg_catalog.unnest(grids) g (grid)
                          CROSS JOIN LATERAL (SELECT p.valid, p.role FROM gridgov.post p
                                               WHERE p.unit OPERATOR(gridgov.<@) g.grid OFFSET 0) p
                           JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) p.role
                          WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
                         UNION ALL
                         SELECT g.grid, p.valid OPERATOR(pg_catalog.*) c.valid
                           FROM pg_catalog.unnest(grids) g (grid)
                          CROSS JOIN LATERAL (SELECT c.organization, c.valid FROM gridgov.organization_unit c
                                               WHERE c.unit OPERATOR(gridgov.<@) g.grid OFFSET 0) c
                           JOIN gridgov.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
                           JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) p.role
                          WHERE p.unit IS NULL
                            AND p.valid OPERATOR(pg_catalog.&&) c.valid
                            AND r.class OPERATOR(pg_catalog.=) 'party_member') pl
                ON pl.grid OPERATOR(gridgov.=) k.grid
             GROUP BY k.grid);
    UPDATE gridgov.grid_party_days d
       SET days = x.days
      FROM pg_catalog.unnest(grid_rows) x
     WHERE d.grid OPERATOR(gridgov.=) x.grid;
    -- per community (driving its range scans in the same way): each
    -- person's days there, then the running count of the days people (and
    -- party members) start and stop being placed
    community_rows := ARRAY(
            WITH placed AS (
                SELECT k.community, p.person, p.valid AS days,
                       r.class OPERATOR(pg_catalog.=) 'party_member' AS party
                  FROM pg_catalog.unnest(communities) k (community)
                 CROSS JOIN LATERAL (SELECT p.person, p.valid, p.role FROM gridgov.post p
                                      WHERE p.unit OPERATOR(gridgov.<@) k.community OFFSET 0) p
                  JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) p.role
                UNION ALL
                SELECT k.community, p.person, p.valid OPERATOR(pg_catalog.*) c.valid,
                       r.class OPERATOR(pg_catalog.=) 'party_member'
                  FROM pg_catalog.unnest(communities) k (community)
                 CROSS JOIN LATERAL (SELECT c.organization, c.valid FROM gridgov.organization_unit c
                                      WHERE c.unit OPERATOR(gridgov.<@) k.community OFFSET 0) c
                  JOIN gridgov.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
                  JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) p.role
                 WHERE p.unit IS NULL
                   AND p.valid OPERATOR(pg_catalog.&&) c.valid),
            per_person AS (
                SELECT community, pg_catalog.range_agg(days) AS days,
                       pg_catalog.range_agg(days) FILTER (WHERE party) AS party_days
                  FROM placed GROUP BY community, person),
            change AS (
                SELECT community, COALESCE(pg_catalog.lower(r), '-infinity') AS day, 1 AS people, 0 AS party
                  FROM per_person, pg_catalog.unnest(days) r
                UNION ALL
                SELECT community, pg_catalog.upper(r), -1, 0
                  FROM per_person, pg_catalog.unnest(days) r WHERE NOT pg_catalog.upper_inf(r)
                UNION ALL
                SELECT community, COALESCE(pg_catalog.lower(r), '-infinity'), 0, 1
                  FROM per_person, pg_catalog.unnest(party_days) r
                UNION ALL
                SELECT community, pg_catalog.upper(r), 0, -1
                  FROM per_person, pg_catalog.unnest(party_days) r WHERE NOT pg_catalog.upper_inf(r)),
            step AS (
                SELECT community, day,
                       pg_catalog.sum(pg_catalog.sum(people)) OVER (PARTITION BY community ORDER BY day) AS people,
                       pg_catalog.sum(pg_catalog.sum(party)) OVER (PARTITION BY community ORDER BY day) AS party
                  FROM change GROUP BY community, day)
            SELECT ROW(k.community,
                       COALESCE(pg_catalog.array_agg(s.day ORDER BY s.day) FILTER (WHERE s.day IS NOT NULL), '{}'),
                       COALESCE(pg_catalog.array_agg(s.people::integer ORDER BY s.day)
                                    FILTER (WHERE s.day IS NOT NULL), '{}'),
                       COALESCE(pg_catalog.array_agg(s.party::integer ORDER BY s.day)
                                    FILTER (WHERE s.day IS NOT NULL), '{}'))::gridgov.community_headcount
              FROM pg_catalog.unnest(communities) k (community)
              LEFT JOIN step s ON s.community OPERATOR(gridgov.=) k.community
             GROUP BY k.community);
    UPDATE gridgov.community_headcount h
       SET (since, people, party_members) = (x.since, x.people, x.party_members)
      FROM pg_catalog.unnest(community_rows) x
     WHERE h.community OPERATOR(gridgov.=) x.community;
END;
$$;
COMMENT ON FUNCTION gridgov.coverage_recount(gridgov.gridcode[], gridgov.gridcode[]) IS
    'recounts grid_party_days for grids and community_headcount for communities from the posts and the coverage, under row locks (the triggers'' work)';

-- The grids (level 6 ancestors) and communities (level 5) whose counts a
-- set of units can change: a unit below a grid changes its grid, one at
-- or below a community its community.
CREATE FUNCTION gridgov.coverage_recount_units(units gridgov.gridcode[]) RETURNS void
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT gridgov.coverage_recount(
        ARRAY(SELECT DISTINCT gridgov.ancestor(u, 6) FROM pg_catalog.unnest(coverage_recount_units.units) u
               WHERE gridgov.level(u) OPERATOR(pg_catalog.>=) 6),
        ARRAY(SELECT DISTINCT gridgov.ancestor(u, 5) FROM pg_catalog.unnest(coverage_recount_units.units) u
               WHERE gridgov.level(u) OPERATOR(pg_catalog.>=) 5));
END;
COMMENT ON FUNCTION gridgov.coverage_recount_units(gridgov.gridcode[]) IS
    'recounts the kept coverage of the grids and communities above units';

-- AFTER ... FOR EACH STATEMENT on post and on organization_unit (their
-- transition tables named alike): the units a statement's rows place
-- people on or cover, before and after.  A row without a unit (a post in
-- an organization alone) stands for every unit its organization ever
-- covers; a coverage row always has its unit.
CREATE FUNCTION gridgov.coverage_changed() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    units gridgov.gridcode[] := '{}';
    organizations bigint[] := '{}';
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
        PERFORM gridgov.rebuild_coverage();
        RETURN NULL;
    END IF;
    -- the transition tables read alone (Citus plans no query that joins
    -- one with its tables), then the organizations' coverage
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        units := units OPERATOR(pg_catalog.||) ARRAY(SELECT n.unit FROM gridgov_new_rows n WHERE n.unit IS NOT NULL);
        organizations := organizations OPERATOR(pg_catalog.||)
            ARRAY(SELECT n.organization FROM gridgov_new_rows n WHERE n.unit IS NULL);
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        units := units OPERATOR(pg_catalog.||) ARRAY(SELECT o.unit FROM gridgov_old_rows o WHERE o.unit IS NOT NULL);
        organizations := organizations OPERATOR(pg_catalog.||)
            ARRAY(SELECT o.organization FROM gridgov_old_rows o WHERE o.unit IS NULL);
    END IF;
    IF organizations OPERATOR(pg_catalog.<>) '{}' THEN
        units := units OPERATOR(pg_catalog.||) ARRAY(
            SELECT c.unit FROM gridgov.organization_unit c
             WHERE c.organization OPERATOR(pg_catalog.=) ANY (organizations));
    END IF;
    PERFORM gridgov.coverage_recount_units(units);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION gridgov.coverage_changed() IS
    'AFTER ... FOR EACH STATEMENT trigger on post and organization_unit: recounts the kept coverage above the units the statement''s rows place people on or cover';

-- Builds the kept coverage whole, from every post and coverage: after a
-- load with the triggers disabled (pg_restore --disable-triggers), and
-- when a role's class changes.  The table lock waits for the writers
-- under way and holds off new ones until it commits.
CREATE FUNCTION gridgov.rebuild_coverage() RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
BEGIN
    LOCK TABLE gridgov.grid_party_days, gridgov.community_headcount IN SHARE ROW EXCLUSIVE MODE;
    -- the rows kept so far (emptied if nothing places anyone there any
    -- more) and every unit a post or a coverage names
    PERFORM gridgov.coverage_recount_units(
        ARRAY(SELECT d.grid FROM gridgov.grid_party_days d
              UNION
              SELECT h.community FROM gridgov.community_headcount h)
        OPERATOR(pg_catalog.||)
        ARRAY(SELECT p.unit FROM gridgov.post p WHERE p.unit IS NOT NULL
              UNION
              SELECT c.unit FROM gridgov.organization_unit c));
END;
$$;
COMMENT ON FUNCTION gridgov.rebuild_coverage() IS
    'recounts all of grid_party_days and community_headcount from the posts and the coverage (after a load with the triggers disabled)';

-- AFTER ... FOR EACH STATEMENT on role: a role's class decides who is a
-- party member, everywhere.
CREATE FUNCTION gridgov.coverage_role_changed() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM gridgov.rebuild_coverage();
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION gridgov.coverage_role_changed() IS
    'AFTER UPDATE OR DELETE ... FOR EACH STATEMENT trigger on role: rebuilds the kept coverage, since a role''s class decides who is a party member';

-- Where people are, and the coverage checks.  The functions below take the
-- root of a subtree and a day (today unless given).  They are not STRICT
-- and read no setting, so the planner inlines them into the query that
-- calls them, where a constant root becomes the bounds of a btree range
-- scan (a NULL root or day gives no rows).  The two that read the kept
-- coverage instead are PL/pgSQL with one cached generic plan, made once
-- per session: a probe per unit of the level under root, by the index on
-- (level, code), whatever the root.  Planning their query took most of a
-- community's check, and no root has a better plan by much.

-- Where the posts of a day place people under a root: a post on a unit
-- places its holder there; a post in an organization alone places its
-- holder on every unit the organization covers that day.
CREATE FUNCTION gridgov.placements(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (post bigint, person bigint, role text, organization bigint, unit gridgov.gridcode)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT p.id, p.person, p.role, p.organization, p.unit
      FROM gridgov.post p
     WHERE p.unit OPERATOR(gridgov.<@) placements.root
       AND p.valid OPERATOR(pg_catalog.@>) placements.at
    UNION ALL
    SELECT p.id, p.person, p.role, p.organization, c.unit
      FROM gridgov.organization_unit c
      JOIN gridgov.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
     WHERE c.unit OPERATOR(gridgov.<@) placements.root
       AND c.valid OPERATOR(pg_catalog.@>) placements.at
       AND p.unit IS NULL
       AND p.valid OPERATOR(pg_catalog.@>) placements.at;
END;
COMMENT ON FUNCTION gridgov.placements(gridgov.gridcode, date) IS
    'each post held on a day and each unit under root where it places its holder: its own unit, or every unit its organization covers';

-- Grids (level 6, not retired by that day) under root where no party
-- member is placed: no post of a party member on the grid or a building in
-- it, nor in an organization covering one of them.  所有网格有党员.  Read
-- from the kept coverage: the grids under root, one range scan, each
-- looked up in grid_party_days; no post is read.
CREATE FUNCTION gridgov.grids_without_party_members(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid gridgov.gridcode, name text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT g.code, g.name
      FROM gridgov.unit g
     WHERE g.code OPERATOR(gridgov.<@) grids_without_party_members.root
       AND g.level OPERATOR(pg_catalog.=) 6
       -- primary_layer()'s query, once per call: the SQL function's own
       -- call costs as much as the rest of a community's check
       AND g.layer OPERATOR(pg_catalog.=) COALESCE((SELECT l.name FROM gridgov.grid_layer l WHERE l.is_primary),
                                                   'governance')
       AND (g.valid_to IS NULL OR g.valid_to OPERATOR(pg_catalog.>) grids_without_party_members.at)
       AND grids_without_party_members.at IS NOT NULL
       -- a probe per grid, read from the key's index alone
       AND NOT COALESCE((SELECT d.days OPERATOR(pg_catalog.@>) grids_without_party_members.at
                           FROM gridgov.grid_party_days d
                          WHERE d.grid OPERATOR(gridgov.=) g.code), false)
     ORDER BY g.code;
END;
$$;
COMMENT ON FUNCTION gridgov.grids_without_party_members(gridgov.gridcode, date) IS
    'grids under root where no party member is placed on a day (所有网格有党员)';

-- Party members whose party posts lie under root (on a unit under it, or
-- in an organization anchored under it) and who are placed in no grid:
-- none of their party posts that day is on a grid or a building, or in an
-- organization covering one.  One row per person, with one of those posts.
-- 所有党员进网格.
CREATE FUNCTION gridgov.party_members_outside_grids(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (person bigint, post bigint, role text, organization bigint, unit gridgov.gridcode)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT DISTINCT ON (m.person) m.person, m.id, m.role, m.organization, m.home
      FROM (SELECT p.id, p.person, p.role, p.organization, p.unit AS home
              FROM gridgov.post p
             WHERE p.unit OPERATOR(gridgov.<@) party_members_outside_grids.root
               AND p.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
            UNION ALL
            SELECT p.id, p.person, p.role, p.organization, o.anchor
              FROM gridgov.organization o
              JOIN gridgov.post p ON p.organization OPERATOR(pg_catalog.=) o.id
             WHERE o.anchor OPERATOR(gridgov.<@) party_members_outside_grids.root
               AND p.unit IS NULL
               AND p.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at) m
      JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) m.role
     WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
       AND NOT EXISTS (
           SELECT FROM gridgov.post q
             JOIN gridgov.role rq ON rq.code OPERATOR(pg_catalog.=) q.role
            WHERE q.person OPERATOR(pg_catalog.=) m.person
              AND rq.class OPERATOR(pg_catalog.=) 'party_member'
              AND q.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
              AND (gridgov.level(q.unit) OPERATOR(pg_catalog.>=) 6
                   OR (q.unit IS NULL AND EXISTS (
                       SELECT FROM gridgov.organization_unit c
                        WHERE c.organization OPERATOR(pg_catalog.=) q.organization
                          AND c.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
                          AND gridgov.level(c.unit) OPERATOR(pg_catalog.>=) 6))))
     ORDER BY m.person, m.id;
END;
COMMENT ON FUNCTION gridgov.party_members_outside_grids(gridgov.gridcode, date) IS
    'party members with a party post under root who are placed in no grid on a day (所有党员进网格)';

-- Units of a level under root that no organization of the given kinds
-- covers on a day, itself or through a unit above it.  The units such
-- organizations cover are a range join: each of their coverage rows under
-- root (or above it), then the units in its subtree, a btree range each
-- (OFFSET 0 keeps that order of the join, the only one a range can serve).
CREATE FUNCTION gridgov.units_not_covered(root gridgov.gridcode, level integer, kinds text[],
                                              at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit gridgov.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH covered AS MATERIALIZED (
        SELECT DISTINCT u.code
          FROM gridgov.organization_unit c
          JOIN gridgov.organization o ON o.id OPERATOR(pg_catalog.=) c.organization
         CROSS JOIN LATERAL (
               SELECT u.code FROM gridgov.unit u
                WHERE u.code OPERATOR(gridgov.<@) c.unit
                  AND u.code OPERATOR(gridgov.<@) units_not_covered.root
                  AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
                  AND gridgov.in_routing_layer(u.level, u.layer)
               OFFSET 0) u
         WHERE (c.unit OPERATOR(gridgov.<@) units_not_covered.root
                OR c.unit OPERATOR(gridgov.=) ANY (gridgov.lineage(units_not_covered.root)))
           AND c.valid OPERATOR(pg_catalog.@>) units_not_covered.at
           AND o.kind OPERATOR(pg_catalog.=) ANY (units_not_covered.kinds))
    SELECT u.code, u.name
      FROM gridgov.unit u
     WHERE u.code OPERATOR(gridgov.<@) units_not_covered.root
       AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
       AND gridgov.in_routing_layer(u.level, u.layer)
       AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) units_not_covered.at)
       AND units_not_covered.at IS NOT NULL
       AND NOT EXISTS (SELECT FROM covered WHERE covered.code OPERATOR(gridgov.=) u.code)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION gridgov.units_not_covered(gridgov.gridcode, integer, text[], date) IS
    'units of a level under root that no organization of the given kinds covers on a day, itself or through a unit above it';

-- Grids under root that no grid branch or area general branch covers on a
-- day.  支部建在网格上.
CREATE FUNCTION gridgov.grids_without_branch(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid gridgov.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT u.unit, u.name
      FROM gridgov.units_not_covered(grids_without_branch.root, 6, ARRAY['grid_branch', 'area_branch'],
                                         grids_without_branch.at) u;
END;
COMMENT ON FUNCTION gridgov.grids_without_branch(gridgov.gridcode, date) IS
    'grids under root that no grid branch or area general branch covers on a day (支部建在网格上)';

-- Buildings (level 7) under root that no 红小二 team covers on a day.
-- 一个楼栋一支服务队.
CREATE FUNCTION gridgov.buildings_without_team(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (building gridgov.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT u.unit, u.name
      FROM gridgov.units_not_covered(buildings_without_team.root, 7, ARRAY['hongxiaoer_team'],
                                         buildings_without_team.at) u;
END;
COMMENT ON FUNCTION gridgov.buildings_without_team(gridgov.gridcode, date) IS
    'buildings under root that no 红小二 team covers on a day (一个楼栋一支服务队)';

-- 红小二 teams anchored under root that break the rule on a day: 3 to 5
-- people, at least one of them a full-time grid party member (a party
-- member who is also a full-time grid worker, in any organization).
CREATE FUNCTION gridgov.teams_breaking_rule(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (team bigint, name text, anchor gridgov.gridcode, members integer,
                   full_time_party_members integer)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT o.id, o.name, o.anchor, m.members, m.full_time_party_members
      FROM gridgov.organization o
     CROSS JOIN LATERAL (
           SELECT pg_catalog.count(*)::integer AS members,
                  pg_catalog.count(*) FILTER (WHERE t.party_member AND t.grid_worker)::integer AS full_time_party_members
             FROM (SELECT DISTINCT p.person,
                          EXISTS (SELECT FROM gridgov.post q
                                    JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) q.role
                                   WHERE q.person OPERATOR(pg_catalog.=) p.person
                                     AND r.class OPERATOR(pg_catalog.=) 'party_member'
                                     AND q.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) AS party_member,
                          EXISTS (SELECT FROM gridgov.post q
                                   WHERE q.person OPERATOR(pg_catalog.=) p.person
                                     AND q.role OPERATOR(pg_catalog.=) 'grid_worker'
                                     AND q.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) AS grid_worker
                     FROM gridgov.post p
                    WHERE p.organization OPERATOR(pg_catalog.=) o.id
                      AND p.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) t) m
     WHERE o.kind OPERATOR(pg_catalog.=) 'hongxiaoer_team'
       AND o.anchor OPERATOR(gridgov.<@) teams_breaking_rule.root
       AND o.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at
       AND NOT (m.members OPERATOR(pg_catalog.>=) 3 AND m.members OPERATOR(pg_catalog.<=) 5
                AND m.full_time_party_members OPERATOR(pg_catalog.>=) 1)
     ORDER BY o.anchor, o.id;
END;
COMMENT ON FUNCTION gridgov.teams_breaking_rule(gridgov.gridcode, date) IS
    '红小二 teams anchored under root that do not have 3 to 5 people with at least one full-time grid party member on a day';

-- Secretaries of community party committees anchored under root with
-- fewer than two reserve cadres (后备, 1:2) in their committee on a day.
CREATE FUNCTION gridgov.secretaries_without_reserves(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (organization bigint, community gridgov.gridcode, secretary bigint, reserve_cadres integer)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT o.id, o.anchor, s.person, r.reserve_cadres
      FROM gridgov.organization o
      JOIN gridgov.post s ON s.organization OPERATOR(pg_catalog.=) o.id
     CROSS JOIN LATERAL (
           SELECT pg_catalog.count(DISTINCT q.person)::integer AS reserve_cadres
             FROM gridgov.post q
            WHERE q.organization OPERATOR(pg_catalog.=) o.id
              AND q.role OPERATOR(pg_catalog.=) 'reserve_cadre'
              AND q.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at) r
     WHERE o.kind OPERATOR(pg_catalog.=) 'community_committee'
       AND o.anchor OPERATOR(gridgov.<@) secretaries_without_reserves.root
       AND o.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at
       AND s.role OPERATOR(pg_catalog.=) 'secretary'
       AND s.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at
       AND r.reserve_cadres OPERATOR(pg_catalog.<) 2
     ORDER BY o.anchor, o.id, s.person;
END;
COMMENT ON FUNCTION gridgov.secretaries_without_reserves(gridgov.gridcode, date) IS
    'community party secretaries under root with fewer than two reserve cadres in their committee on a day (后备 1:2)';

-- The six checks' counts: the morning report of a district office.
CREATE FUNCTION gridgov.coverage_summary(root gridgov.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (check_name text, gaps bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 'grids_without_party_members', pg_catalog.count(*)
      FROM gridgov.grids_without_party_members(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'party_members_outside_grids', pg_catalog.count(*)
      FROM gridgov.party_members_outside_grids(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'grids_without_branch', pg_catalog.count(*)
      FROM gridgov.grids_without_branch(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'buildings_without_team', pg_catalog.count(*)
      FROM gridgov.buildings_without_team(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'teams_breaking_rule', pg_catalog.count(*)
      FROM gridgov.teams_breaking_rule(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'secretaries_without_reserves', pg_catalog.count(*)
      FROM gridgov.secretaries_without_reserves(coverage_summary.root, coverage_summary.at);
END;
COMMENT ON FUNCTION gridgov.coverage_summary(gridgov.gridcode, date) IS
    'how many rows each coverage check finds under root on a day';

-- people_by_unit's count at a level other than the communities', from the
-- placements: one range scan of the placements under root, each at or
-- below the level taken to its ancestor there and counted once per person.
-- PL/pgSQL, so that a bad level is refused before any row is read.
CREATE FUNCTION gridgov.people_by_unit_placed(root gridgov.gridcode, level integer, at date)
    RETURNS TABLE (unit gridgov.gridcode, people bigint, party_members bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    -- refused (22023) even under a root where no one is placed
    PERFORM gridgov.check_gridcode_level(people_by_unit_placed.level, 'level');
    RETURN QUERY
    SELECT gridgov.ancestor(pl.unit, people_by_unit_placed.level),
           pg_catalog.count(DISTINCT pl.person),
           pg_catalog.count(DISTINCT pl.person) FILTER (WHERE r.class OPERATOR(pg_catalog.=) 'party_member')
      FROM gridgov.placements(people_by_unit_placed.root, people_by_unit_placed.at) pl
      JOIN gridgov.role r ON r.code OPERATOR(pg_catalog.=) pl.role
     WHERE gridgov.level(pl.unit) OPERATOR(pg_catalog.>=) people_by_unit_placed.level
     GROUP BY 1;
END;
$$;
COMMENT ON FUNCTION gridgov.people_by_unit_placed(gridgov.gridcode, integer, date) IS
    'per unit of a level under root that someone is placed at or below on a day: the people placed, and how many are party members (people_by_unit''s count below and above the communities)';

-- How many people the posts of a day place under each unit of a level
-- below root, and how many of them are party members: the units of the
-- level under root, one range scan, each with its count, 0 where no one is
-- placed.  For communities (level 5) the count is the step of
-- community_headcount in force that day, probed per community; for the
-- other levels, people_by_unit_placed().
CREATE FUNCTION gridgov.people_by_unit(root gridgov.gridcode, level integer, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit gridgov.gridcode, name text, people bigint, party_members bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    -- refused (22023) even under a root with no unit of the level
    PERFORM gridgov.check_gridcode_level(people_by_unit.level, 'level');
    IF people_by_unit.level OPERATOR(pg_catalog.=) 5 THEN
        RETURN QUERY
        SELECT u.code, u.name,
               COALESCE(h.people[pg_catalog.width_bucket(people_by_unit.at, h.since)], 0)::bigint,
               COALESCE(h.party_members[pg_catalog.width_bucket(people_by_unit.at, h.since)], 0)::bigint
          FROM gridgov.unit u
          LEFT JOIN gridgov.community_headcount h ON h.community OPERATOR(gridgov.=) u.code
         WHERE u.code OPERATOR(gridgov.<@) people_by_unit.root
           AND u.level OPERATOR(pg_catalog.=) 5
           AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) people_by_unit.at)
           AND people_by_unit.at IS NOT NULL
         ORDER BY u.code;
    ELSE
        RETURN QUERY
        SELECT u.code, u.name, COALESCE(n.people, 0), COALESCE(n.party_members, 0)
          FROM gridgov.unit u
          LEFT JOIN gridgov.people_by_unit_placed(people_by_unit.root, people_by_unit.level, people_by_unit.at) n
                 ON n.unit OPERATOR(gridgov.=) u.code
         WHERE u.code OPERATOR(gridgov.<@) people_by_unit.root
           AND u.level OPERATOR(pg_catalog.=) people_by_unit.level
           AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) people_by_unit.at)
           AND people_by_unit.at IS NOT NULL
         ORDER BY u.code;
    END IF;
END;
$$;
COMMENT ON FUNCTION gridgov.people_by_unit(gridgov.gridcode, integer, date) IS
    'per unit of a level under root: the people placed under it on a day, and how many are party members';

-- ======================================================================
-- Triggers
-- ======================================================================

CREATE TRIGGER gridgov_organization_check BEFORE INSERT OR UPDATE ON gridgov.organization
    FOR EACH ROW EXECUTE FUNCTION gridgov.organization_check();
CREATE TRIGGER gridgov_organization_unit_check BEFORE INSERT OR UPDATE ON gridgov.organization_unit
    FOR EACH ROW EXECUTE FUNCTION gridgov.organization_unit_check();
CREATE TRIGGER gridgov_organization_unit_release AFTER UPDATE OR DELETE ON gridgov.organization_unit
    FOR EACH ROW EXECUTE FUNCTION gridgov.organization_unit_release();
CREATE TRIGGER gridgov_post_check BEFORE INSERT OR UPDATE ON gridgov.post
    FOR EACH ROW EXECUTE FUNCTION gridgov.post_check();
-- The kept coverage, recounted per statement over its transition tables.
-- Not ENABLE ALWAYS: a load with session_replication_role = replica (a
-- bulk load, tools/distribute-citus.sql moving rows into the shards, a
-- logical replication subscriber) skips them, and rebuild_coverage()
-- counts such rows afterwards.
CREATE TRIGGER gridgov_coverage_insert AFTER INSERT ON gridgov.post
    REFERENCING NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_update AFTER UPDATE ON gridgov.post
    REFERENCING OLD TABLE AS gridgov_old_rows NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_delete AFTER DELETE ON gridgov.post
    REFERENCING OLD TABLE AS gridgov_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_truncate AFTER TRUNCATE ON gridgov.post
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_insert AFTER INSERT ON gridgov.organization_unit
    REFERENCING NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_update AFTER UPDATE ON gridgov.organization_unit
    REFERENCING OLD TABLE AS gridgov_old_rows NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_delete AFTER DELETE ON gridgov.organization_unit
    REFERENCING OLD TABLE AS gridgov_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_truncate AFTER TRUNCATE ON gridgov.organization_unit
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_changed();
CREATE TRIGGER gridgov_coverage_class AFTER UPDATE OF class ON gridgov.role
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.coverage_role_changed();

-- ======================================================================
-- Views
-- ======================================================================

-- The checks for today over the whole registry: one per province, each a
-- range.  security_invoker: what the caller may not read stays unread.
-- Plain types for BI tools: the codes as text (the functions above keep
-- them gridcode for SQL).
CREATE VIEW gridgov.grids_without_party_members WITH (security_invoker = true) AS
SELECT c.grid::text AS grid, c.name
  FROM gridgov.unit p,
       LATERAL gridgov.grids_without_party_members(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.grids_without_party_members IS 'grids where no party member is placed today';
COMMENT ON COLUMN gridgov.grids_without_party_members.grid IS 'the grid, its gridcode as text';
COMMENT ON COLUMN gridgov.grids_without_party_members.name IS 'its name';

CREATE VIEW gridgov.party_members_outside_grids WITH (security_invoker = true) AS
SELECT c.person, c.post, c.role, c.organization, c.unit::text AS unit
  FROM gridgov.unit p,
       LATERAL gridgov.party_members_outside_grids(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.party_members_outside_grids IS 'party members placed in no grid today';
COMMENT ON COLUMN gridgov.party_members_outside_grids.person IS 'the party member';
COMMENT ON COLUMN gridgov.party_members_outside_grids.post IS 'one of their party posts';
COMMENT ON COLUMN gridgov.party_members_outside_grids.role IS 'its role: which of the five kinds of party member';
COMMENT ON COLUMN gridgov.party_members_outside_grids.organization IS 'its organization, if any';
COMMENT ON COLUMN gridgov.party_members_outside_grids.unit IS 'its unit, else its organization''s anchor, its gridcode as text';

CREATE VIEW gridgov.grids_without_branch WITH (security_invoker = true) AS
SELECT c.grid::text AS grid, c.name
  FROM gridgov.unit p,
       LATERAL gridgov.grids_without_branch(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.grids_without_branch IS 'grids that no grid branch or area general branch covers today';
COMMENT ON COLUMN gridgov.grids_without_branch.grid IS 'the grid, its gridcode as text';
COMMENT ON COLUMN gridgov.grids_without_branch.name IS 'its name';

CREATE VIEW gridgov.buildings_without_team WITH (security_invoker = true) AS
SELECT c.building::text AS building, c.name
  FROM gridgov.unit p,
       LATERAL gridgov.buildings_without_team(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.buildings_without_team IS 'buildings that no 红小二 team covers today';
COMMENT ON COLUMN gridgov.buildings_without_team.building IS 'the building, its gridcode as text';
COMMENT ON COLUMN gridgov.buildings_without_team.name IS 'its name';

CREATE VIEW gridgov.teams_breaking_rule WITH (security_invoker = true) AS
SELECT c.team, c.name, c.anchor::text AS anchor, c.members, c.full_time_party_members
  FROM gridgov.unit p,
       LATERAL gridgov.teams_breaking_rule(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.teams_breaking_rule IS
    '红小二 teams without 3 to 5 people and at least one full-time grid party member today';
COMMENT ON COLUMN gridgov.teams_breaking_rule.team IS 'the team (an organization)';
COMMENT ON COLUMN gridgov.teams_breaking_rule.name IS 'its name';
COMMENT ON COLUMN gridgov.teams_breaking_rule.anchor IS 'the unit it is anchored on, its gridcode as text';
COMMENT ON COLUMN gridgov.teams_breaking_rule.members IS 'the people holding a post in it';
COMMENT ON COLUMN gridgov.teams_breaking_rule.full_time_party_members IS
    'those of them who are party members and full-time grid workers';

CREATE VIEW gridgov.secretaries_without_reserves WITH (security_invoker = true) AS
SELECT c.organization, c.community::text AS community, c.secretary, c.reserve_cadres
  FROM gridgov.unit p,
       LATERAL gridgov.secretaries_without_reserves(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW gridgov.secretaries_without_reserves IS
    'community party secretaries with fewer than two reserve cadres today';
COMMENT ON COLUMN gridgov.secretaries_without_reserves.organization IS 'the community party committee';
COMMENT ON COLUMN gridgov.secretaries_without_reserves.community IS 'its anchor, the community, its gridcode as text';
COMMENT ON COLUMN gridgov.secretaries_without_reserves.secretary IS 'the secretary';
COMMENT ON COLUMN gridgov.secretaries_without_reserves.reserve_cadres IS 'the reserve cadres in the committee';

CREATE VIEW gridgov.coverage_summary WITH (security_invoker = true) AS
SELECT c.check_name, pg_catalog.sum(c.gaps)::bigint AS gaps
  FROM gridgov.unit p,
       LATERAL gridgov.coverage_summary(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1
 GROUP BY c.check_name;
COMMENT ON VIEW gridgov.coverage_summary IS 'how many rows each coverage check finds today';
COMMENT ON COLUMN gridgov.coverage_summary.check_name IS 'the check, named as its function';
COMMENT ON COLUMN gridgov.coverage_summary.gaps IS 'the rows it finds';
