-- gridgov 0.7.0 -> 0.8.0: people and organizations.

-- People and organizations (issue 12): a new pillar, sql/people.sql, and
-- lineage(gridcode) in sql/gridcode.sql.  The exclusion constraints need
-- btree_gist, which gridgov now requires: CREATE EXTENSION btree_gist
-- before this update (docs/operations.md).
CREATE FUNCTION @extschema@.lineage(@extschema@.gridcode) RETURNS @extschema@.gridcode[]
    AS 'MODULE_PATHNAME', 'gridcode_lineage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lineage(@extschema@.gridcode) IS
    'the code''s ancestors and the code itself, from the province down: "c = ANY (lineage(x))" is "c @> x" for an index on c';

-- A check for SQL functions that take how many rows to return: true for
-- zero or more (and for NULL, no limit), else the error naming the
-- parameter, where LIMIT's own would not name it.  Put in the LIMIT
-- itself (CASE WHEN check_row_count(n, 'n') THEN n END), it runs before
-- the LIMIT's own check for every argument, a column's as well as a
-- constant.
CREATE FUNCTION @extschema@.check_row_count(count bigint, parameter text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF count OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION '% must not be negative: %', parameter, count
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Give %s as 0 or more.', parameter);
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_row_count(bigint, text) IS
    'true for a number of rows to return of zero or more, or NULL; an error (22023) naming the parameter for a negative one';

CREATE TABLE @extschema@.organization_kind (
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
COMMENT ON TABLE @extschema@.organization_kind IS
    'kinds of organizations (Popolo classification): party organizations at every tier, committees, companies, squads, teams';
COMMENT ON COLUMN @extschema@.organization_kind.code IS 'the kind, as organization.kind names it, such as grid_branch';
COMMENT ON COLUMN @extschema@.organization_kind.name IS 'the kind''s Chinese name, such as 网格党支部';
COMMENT ON COLUMN @extschema@.organization_kind.classification IS
    'party, self_governance, economic, social, government or service';
COMMENT ON COLUMN @extschema@.organization_kind.anchor_levels IS
    'the gridcode levels an organization of this kind may be anchored at, such as [5,6] for village or grid';

INSERT INTO @extschema@.organization_kind (code, name, classification, anchor_levels) VALUES
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
SELECT pg_catalog.pg_extension_config_dump('@extschema@.organization_kind',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM @extschema@.organization_kind;

CREATE TABLE @extschema@.role (
    code        text PRIMARY KEY
                CONSTRAINT role_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL CONSTRAINT role_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    class       text NOT NULL
                CONSTRAINT role_class CHECK (class OPERATOR(pg_catalog.=) ANY
                    (ARRAY['party_member', 'officer', 'reserve', 'staff', 'volunteer', 'member']))
);
COMMENT ON TABLE @extschema@.role IS 'roles a post can have: the five kinds of party member, officers, staff, volunteers';
COMMENT ON COLUMN @extschema@.role.code IS 'the role, as post.role names it, such as grid_worker';
COMMENT ON COLUMN @extschema@.role.name IS 'the role''s Chinese name, such as 专职网格员';
COMMENT ON COLUMN @extschema@.role.class IS
    'party_member (the coverage checks count these as party members), officer, reserve, staff, volunteer or member';

INSERT INTO @extschema@.role (code, name, class) VALUES
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
    ('squad_member',           '治理中队队员',     'staff'),
    ('building_head',          '楼栋长',           'volunteer'),
    ('patrol_volunteer',       '平安员',           'volunteer'),
    ('hongxiaoer',             '红小二',           'volunteer'),
    ('volunteer',              '志愿者',           'volunteer'),
    ('member',                 '成员',             'member');

SELECT pg_catalog.pg_extension_config_dump('@extschema@.role',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM @extschema@.role;

CREATE TABLE @extschema@.organization (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY
                CONSTRAINT organization_id_positive CHECK (id OPERATOR(pg_catalog.>) 0),
    kind        text NOT NULL REFERENCES @extschema@.organization_kind (code),
    name        text NOT NULL CONSTRAINT organization_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    parent      bigint REFERENCES @extschema@.organization (id),
    anchor      @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    valid       daterange NOT NULL DEFAULT pg_catalog.daterange(CURRENT_DATE, NULL)
                CONSTRAINT organization_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    properties  jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE @extschema@.organization IS
    'organizations (Popolo Organization): their own tree through parent, each anchored on a unit';
COMMENT ON COLUMN @extschema@.organization.id IS 'the organization''s number, positive (0 stands for none in a post''s exclusion key)';
COMMENT ON COLUMN @extschema@.organization.kind IS 'its kind (Popolo classification), a code of organization_kind';
COMMENT ON COLUMN @extschema@.organization.name IS 'its name, such as 根竹园社区党委';
COMMENT ON COLUMN @extschema@.organization.parent IS
    'the organization above it, in the organizations'' own tree (no cycle); NULL at the top';
COMMENT ON COLUMN @extschema@.organization.anchor IS
    'the unit it belongs to, at a level its kind allows; the units it covers lie under it';
COMMENT ON COLUMN @extschema@.organization.valid IS
    'from its founding to the day after its dissolution; its coverage and posts lie within';
COMMENT ON COLUMN @extschema@.organization.properties IS 'anything else about it, such as its service point or brand';
CREATE INDEX organization_parent_idx ON @extschema@.organization (parent);
CREATE INDEX organization_anchor_idx ON @extschema@.organization (anchor);
CREATE INDEX organization_kind_anchor_idx ON @extschema@.organization (kind, anchor);

-- The units an organization covers, each for a period: an area general
-- branch covers several grids of its community, a 红小二 team a building.
CREATE TABLE @extschema@.organization_unit (
    organization    bigint NOT NULL REFERENCES @extschema@.organization (id) ON DELETE CASCADE,
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    valid           daterange NOT NULL DEFAULT pg_catalog.daterange(CURRENT_DATE, NULL)
                    CONSTRAINT organization_unit_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    CONSTRAINT organization_unit_no_overlap EXCLUDE USING gist (
        organization WITH OPERATOR(pg_catalog.=),
        (unit::pg_catalog.int8) WITH OPERATOR(pg_catalog.=),
        valid WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE @extschema@.organization_unit IS
    'the units each organization covers, each for a period; one organization covers one unit at most once at a time';
COMMENT ON COLUMN @extschema@.organization_unit.organization IS 'the organization';
COMMENT ON COLUMN @extschema@.organization_unit.unit IS
    'a unit it covers (with everything under it), under the organization''s anchor';
COMMENT ON COLUMN @extschema@.organization_unit.valid IS 'when it covers the unit, within the organization''s own period';
CREATE INDEX organization_unit_unit_idx ON @extschema@.organization_unit (unit);
CREATE INDEX organization_unit_organization_idx ON @extschema@.organization_unit (organization);

CREATE TABLE @extschema@.person (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    properties  jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE @extschema@.person IS
    'people (Popolo Person), by number only: their names, phones and ID numbers are in person_contact';
COMMENT ON COLUMN @extschema@.person.id IS 'the person''s number, which posts (and later cases) refer to';
COMMENT ON COLUMN @extschema@.person.properties IS
    'what is not personal data, such as skills and the services offered (服务意向)';

-- Personal data, in one table apart, so that access control can mask it
-- whole.  gridgov computes nothing from it.
CREATE TABLE @extschema@.person_contact (
    person      bigint PRIMARY KEY REFERENCES @extschema@.person (id) ON DELETE CASCADE,
    name        text NOT NULL CONSTRAINT person_contact_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    phone       text,
    id_number   text
);
COMMENT ON TABLE @extschema@.person_contact IS
    'personal data of people, apart from everything else so that access control can mask it; gridgov never reads it';
COMMENT ON COLUMN @extschema@.person_contact.person IS 'the person';
COMMENT ON COLUMN @extschema@.person_contact.name IS 'the person''s name (personal data)';
COMMENT ON COLUMN @extschema@.person_contact.phone IS 'the person''s phone number (personal data)';
COMMENT ON COLUMN @extschema@.person_contact.id_number IS 'the person''s ID card number, 居民身份证号码 (personal data)';

-- A post: a person in an organization, on a unit, or both, with a role,
-- for a period (Popolo Membership).  A person may hold several posts at
-- once (一肩挑), but not the same one twice at the same time.
CREATE TABLE @extschema@.post (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    person          bigint NOT NULL REFERENCES @extschema@.person (id),
    role            text NOT NULL REFERENCES @extschema@.role (code),
    organization    bigint REFERENCES @extschema@.organization (id),
    unit            @extschema@.gridcode REFERENCES @extschema@.unit (code),
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
COMMENT ON TABLE @extschema@.post IS
    'posts (Popolo Membership): a person in an organization and/or on a unit, with a role, for a period';
COMMENT ON COLUMN @extschema@.post.id IS 'the post''s number';
COMMENT ON COLUMN @extschema@.post.person IS 'who holds it';
COMMENT ON COLUMN @extschema@.post.role IS 'the role, a code of gridgov.role';
COMMENT ON COLUMN @extschema@.post.organization IS 'the organization it is held in, if any';
COMMENT ON COLUMN @extschema@.post.unit IS
    'the unit it is held on, if any; with an organization, a unit that organization covers for the whole period';
COMMENT ON COLUMN @extschema@.post.valid IS 'when it is held, within the organization''s own period';
CREATE INDEX post_person_idx ON @extschema@.post (person);
CREATE INDEX post_unit_idx ON @extschema@.post (unit);
CREATE INDEX post_organization_idx ON @extschema@.post (organization);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.organization', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.organization_unit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.person', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.person_contact', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.post', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.organization', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.person', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.post', 'id')::regclass, '');

-- The rules no constraint states, and the refusals of the constraints
-- given first with a hint (src/people.c).  The BEFORE triggers see the row
-- as it will be written; the AFTER trigger sees a statement's coverage
-- changes whole, so that moving a coverage from one period to the next in
-- one statement is not refused halfway.
CREATE FUNCTION @extschema@.organization_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.organization_check() IS
    'BEFORE INSERT OR UPDATE trigger on organization: kind, parent, anchor and its level, no cycle of parents, coverage and posts within its period';
CREATE FUNCTION @extschema@.organization_unit_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.organization_unit_check() IS
    'BEFORE INSERT OR UPDATE trigger on organization_unit: the organization and unit exist, the unit under its anchor, the period within its own, no overlap';
CREATE FUNCTION @extschema@.organization_unit_release() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.organization_unit_release() IS
    'AFTER UPDATE OR DELETE trigger on organization_unit: no post of the organization is left on a unit it no longer covers';
CREATE FUNCTION @extschema@.post_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.post_check() IS
    'BEFORE INSERT OR UPDATE trigger on post: person, role, organization and unit exist, the unit covered by the organization for the whole period, no overlap';

CREATE TRIGGER gridgov_organization_check BEFORE INSERT OR UPDATE ON @extschema@.organization
    FOR EACH ROW EXECUTE FUNCTION @extschema@.organization_check();
CREATE TRIGGER gridgov_organization_unit_check BEFORE INSERT OR UPDATE ON @extschema@.organization_unit
    FOR EACH ROW EXECUTE FUNCTION @extschema@.organization_unit_check();
CREATE TRIGGER gridgov_organization_unit_release AFTER UPDATE OR DELETE ON @extschema@.organization_unit
    FOR EACH ROW EXECUTE FUNCTION @extschema@.organization_unit_release();
CREATE TRIGGER gridgov_post_check BEFORE INSERT OR UPDATE ON @extschema@.post
    FOR EACH ROW EXECUTE FUNCTION @extschema@.post_check();

-- ----------------------------------------------------------------------
-- Where people are, and the coverage checks
-- ----------------------------------------------------------------------
--
-- The functions below take the root of a subtree and a day (today unless
-- given).  They are not STRICT and read no setting, so the planner inlines
-- them into the query that calls them, where a constant root becomes the
-- bounds of a btree range scan (a NULL root or day gives no rows).

-- Where the posts of a day place people under a root: a post on a unit
-- places its holder there; a post in an organization alone places its
-- holder on every unit the organization covers that day.
CREATE FUNCTION @extschema@.placements(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (post bigint, person bigint, role text, organization bigint, unit @extschema@.gridcode)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT p.id, p.person, p.role, p.organization, p.unit
      FROM @extschema@.post p
     WHERE p.unit OPERATOR(@extschema@.<@) placements.root
       AND p.valid OPERATOR(pg_catalog.@>) placements.at
    UNION ALL
    SELECT p.id, p.person, p.role, p.organization, c.unit
      FROM @extschema@.organization_unit c
      JOIN @extschema@.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
     WHERE c.unit OPERATOR(@extschema@.<@) placements.root
       AND c.valid OPERATOR(pg_catalog.@>) placements.at
       AND p.unit IS NULL
       AND p.valid OPERATOR(pg_catalog.@>) placements.at;
END;
COMMENT ON FUNCTION @extschema@.placements(@extschema@.gridcode, date) IS
    'each post held on a day and each unit under root where it places its holder: its own unit, or every unit its organization covers';

-- Grids (level 6, not retired by that day) under root where no party
-- member is placed: no post of a party member on the grid or a building in
-- it, nor in an organization covering one of them.  所有网格有党员.
--
-- The shape of this check and of units_not_covered below: the grids that have
-- what is looked for are one range scan under root, materialized once;
-- the grids under root are another, anti-joined to the first by equality
-- (a hash join).  Materialized, the first set is never computed twice,
-- even where the planner misjudges the size of a subtree, as it must when
-- root comes from another table (the views below).
CREATE FUNCTION @extschema@.grids_without_party_members(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH placed AS MATERIALIZED (
        SELECT DISTINCT @extschema@.ancestor(pl.unit, 6) AS grid
          FROM @extschema@.placements(grids_without_party_members.root, grids_without_party_members.at) pl
          JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) pl.role
         WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
           AND @extschema@.level(pl.unit) OPERATOR(pg_catalog.>=) 6)
    SELECT g.code, g.name
      FROM @extschema@.unit g
     WHERE g.code OPERATOR(@extschema@.<@) grids_without_party_members.root
       AND g.level OPERATOR(pg_catalog.=) 6
       AND (g.valid_to IS NULL OR g.valid_to OPERATOR(pg_catalog.>) grids_without_party_members.at)
       AND grids_without_party_members.at IS NOT NULL
       AND NOT EXISTS (SELECT FROM placed WHERE placed.grid OPERATOR(@extschema@.=) g.code)
     ORDER BY g.code;
END;
COMMENT ON FUNCTION @extschema@.grids_without_party_members(@extschema@.gridcode, date) IS
    'grids under root where no party member is placed on a day (所有网格有党员)';

-- Party members whose party posts lie under root (on a unit under it, or
-- in an organization anchored under it) and who are placed in no grid:
-- none of their party posts that day is on a grid or a building, or in an
-- organization covering one.  One row per person, with one of those posts.
-- 所有党员进网格.
CREATE FUNCTION @extschema@.party_members_outside_grids(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (person bigint, post bigint, role text, organization bigint, unit @extschema@.gridcode)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT DISTINCT ON (m.person) m.person, m.id, m.role, m.organization, m.home
      FROM (SELECT p.id, p.person, p.role, p.organization, p.unit AS home
              FROM @extschema@.post p
             WHERE p.unit OPERATOR(@extschema@.<@) party_members_outside_grids.root
               AND p.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
            UNION ALL
            SELECT p.id, p.person, p.role, p.organization, o.anchor
              FROM @extschema@.organization o
              JOIN @extschema@.post p ON p.organization OPERATOR(pg_catalog.=) o.id
             WHERE o.anchor OPERATOR(@extschema@.<@) party_members_outside_grids.root
               AND p.unit IS NULL
               AND p.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at) m
      JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) m.role
     WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
       AND NOT EXISTS (
           SELECT FROM @extschema@.post q
             JOIN @extschema@.role rq ON rq.code OPERATOR(pg_catalog.=) q.role
            WHERE q.person OPERATOR(pg_catalog.=) m.person
              AND rq.class OPERATOR(pg_catalog.=) 'party_member'
              AND q.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
              AND (@extschema@.level(q.unit) OPERATOR(pg_catalog.>=) 6
                   OR (q.unit IS NULL AND EXISTS (
                       SELECT FROM @extschema@.organization_unit c
                        WHERE c.organization OPERATOR(pg_catalog.=) q.organization
                          AND c.valid OPERATOR(pg_catalog.@>) party_members_outside_grids.at
                          AND @extschema@.level(c.unit) OPERATOR(pg_catalog.>=) 6))))
     ORDER BY m.person, m.id;
END;
COMMENT ON FUNCTION @extschema@.party_members_outside_grids(@extschema@.gridcode, date) IS
    'party members with a party post under root who are placed in no grid on a day (所有党员进网格)';

-- Units of a level under root that no organization of the given kinds
-- covers on a day, itself or through a unit above it.  The units such
-- organizations cover are a range join: each of their coverage rows under
-- root (or above it), then the units in its subtree, a btree range each
-- (OFFSET 0 keeps that order of the join, the only one a range can serve).
CREATE FUNCTION @extschema@.units_not_covered(root @extschema@.gridcode, level integer, kinds text[],
                                              at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH covered AS MATERIALIZED (
        SELECT DISTINCT u.code
          FROM @extschema@.organization_unit c
          JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) c.organization
         CROSS JOIN LATERAL (
               SELECT u.code FROM @extschema@.unit u
                WHERE u.code OPERATOR(@extschema@.<@) c.unit
                  AND u.code OPERATOR(@extschema@.<@) units_not_covered.root
                  AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
               OFFSET 0) u
         WHERE (c.unit OPERATOR(@extschema@.<@) units_not_covered.root
                OR c.unit OPERATOR(@extschema@.=) ANY (@extschema@.lineage(units_not_covered.root)))
           AND c.valid OPERATOR(pg_catalog.@>) units_not_covered.at
           AND o.kind OPERATOR(pg_catalog.=) ANY (units_not_covered.kinds))
    SELECT u.code, u.name
      FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.<@) units_not_covered.root
       AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
       AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) units_not_covered.at)
       AND units_not_covered.at IS NOT NULL
       AND NOT EXISTS (SELECT FROM covered WHERE covered.code OPERATOR(@extschema@.=) u.code)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.units_not_covered(@extschema@.gridcode, integer, text[], date) IS
    'units of a level under root that no organization of the given kinds covers on a day, itself or through a unit above it';

-- Grids under root that no grid branch or area general branch covers on a
-- day.  支部建在网格上.
CREATE FUNCTION @extschema@.grids_without_branch(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT u.unit, u.name
      FROM @extschema@.units_not_covered(grids_without_branch.root, 6, ARRAY['grid_branch', 'area_branch'],
                                         grids_without_branch.at) u;
END;
COMMENT ON FUNCTION @extschema@.grids_without_branch(@extschema@.gridcode, date) IS
    'grids under root that no grid branch or area general branch covers on a day (支部建在网格上)';

-- Buildings (level 7) under root that no 红小二 team covers on a day.
-- 一个楼栋一支服务队.
CREATE FUNCTION @extschema@.buildings_without_team(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (building @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT u.unit, u.name
      FROM @extschema@.units_not_covered(buildings_without_team.root, 7, ARRAY['hongxiaoer_team'],
                                         buildings_without_team.at) u;
END;
COMMENT ON FUNCTION @extschema@.buildings_without_team(@extschema@.gridcode, date) IS
    'buildings under root that no 红小二 team covers on a day (一个楼栋一支服务队)';

-- 红小二 teams anchored under root that break the rule on a day: 3 to 5
-- people, at least one of them a full-time grid party member (a party
-- member who is also a full-time grid worker, in any organization).
CREATE FUNCTION @extschema@.teams_breaking_rule(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (team bigint, name text, anchor @extschema@.gridcode, members integer,
                   full_time_party_members integer)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT o.id, o.name, o.anchor, m.members, m.full_time_party_members
      FROM @extschema@.organization o
     CROSS JOIN LATERAL (
           SELECT pg_catalog.count(*)::integer AS members,
                  pg_catalog.count(*) FILTER (WHERE t.party_member AND t.grid_worker)::integer AS full_time_party_members
             FROM (SELECT DISTINCT p.person,
                          EXISTS (SELECT FROM @extschema@.post q
                                    JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) q.role
                                   WHERE q.person OPERATOR(pg_catalog.=) p.person
                                     AND r.class OPERATOR(pg_catalog.=) 'party_member'
                                     AND q.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) AS party_member,
                          EXISTS (SELECT FROM @extschema@.post q
                                   WHERE q.person OPERATOR(pg_catalog.=) p.person
                                     AND q.role OPERATOR(pg_catalog.=) 'grid_worker'
                                     AND q.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) AS grid_worker
                     FROM @extschema@.post p
                    WHERE p.organization OPERATOR(pg_catalog.=) o.id
                      AND p.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at) t) m
     WHERE o.kind OPERATOR(pg_catalog.=) 'hongxiaoer_team'
       AND o.anchor OPERATOR(@extschema@.<@) teams_breaking_rule.root
       AND o.valid OPERATOR(pg_catalog.@>) teams_breaking_rule.at
       AND NOT (m.members OPERATOR(pg_catalog.>=) 3 AND m.members OPERATOR(pg_catalog.<=) 5
                AND m.full_time_party_members OPERATOR(pg_catalog.>=) 1)
     ORDER BY o.anchor, o.id;
END;
COMMENT ON FUNCTION @extschema@.teams_breaking_rule(@extschema@.gridcode, date) IS
    '红小二 teams anchored under root that do not have 3 to 5 people with at least one full-time grid party member on a day';

-- Secretaries of community party committees anchored under root with
-- fewer than two reserve cadres (后备, 1:2) in their committee on a day.
CREATE FUNCTION @extschema@.secretaries_without_reserves(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (organization bigint, community @extschema@.gridcode, secretary bigint, reserve_cadres integer)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT o.id, o.anchor, s.person, r.reserve_cadres
      FROM @extschema@.organization o
      JOIN @extschema@.post s ON s.organization OPERATOR(pg_catalog.=) o.id
     CROSS JOIN LATERAL (
           SELECT pg_catalog.count(DISTINCT q.person)::integer AS reserve_cadres
             FROM @extschema@.post q
            WHERE q.organization OPERATOR(pg_catalog.=) o.id
              AND q.role OPERATOR(pg_catalog.=) 'reserve_cadre'
              AND q.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at) r
     WHERE o.kind OPERATOR(pg_catalog.=) 'community_committee'
       AND o.anchor OPERATOR(@extschema@.<@) secretaries_without_reserves.root
       AND o.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at
       AND s.role OPERATOR(pg_catalog.=) 'secretary'
       AND s.valid OPERATOR(pg_catalog.@>) secretaries_without_reserves.at
       AND r.reserve_cadres OPERATOR(pg_catalog.<) 2
     ORDER BY o.anchor, o.id, s.person;
END;
COMMENT ON FUNCTION @extschema@.secretaries_without_reserves(@extschema@.gridcode, date) IS
    'community party secretaries under root with fewer than two reserve cadres in their committee on a day (后备 1:2)';

-- The six checks' counts: the morning report of a district office.
CREATE FUNCTION @extschema@.coverage_summary(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (check_name text, gaps bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 'grids_without_party_members', pg_catalog.count(*)
      FROM @extschema@.grids_without_party_members(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'party_members_outside_grids', pg_catalog.count(*)
      FROM @extschema@.party_members_outside_grids(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'grids_without_branch', pg_catalog.count(*)
      FROM @extschema@.grids_without_branch(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'buildings_without_team', pg_catalog.count(*)
      FROM @extschema@.buildings_without_team(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'teams_breaking_rule', pg_catalog.count(*)
      FROM @extschema@.teams_breaking_rule(coverage_summary.root, coverage_summary.at)
    UNION ALL
    SELECT 'secretaries_without_reserves', pg_catalog.count(*)
      FROM @extschema@.secretaries_without_reserves(coverage_summary.root, coverage_summary.at);
END;
COMMENT ON FUNCTION @extschema@.coverage_summary(@extschema@.gridcode, date) IS
    'how many rows each coverage check finds under root on a day';

-- How many people the posts of a day place under each unit of a level
-- below root, and how many of them are party members: one range scan of
-- the placements under root, each taken to its ancestor at the level and
-- counted once per person there, materialized; then the units of the level
-- under root, another range scan, joined to the counts (0 where no one is
-- placed).
CREATE FUNCTION @extschema@.people_by_unit(root @extschema@.gridcode, level integer, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit @extschema@.gridcode, name text, people bigint, party_members bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH counted AS MATERIALIZED (
        SELECT @extschema@.ancestor(pl.unit, people_by_unit.level) AS unit,
               pg_catalog.count(DISTINCT pl.person) AS people,
               pg_catalog.count(DISTINCT pl.person)
                   FILTER (WHERE r.class OPERATOR(pg_catalog.=) 'party_member') AS party_members
          FROM @extschema@.placements(people_by_unit.root, people_by_unit.at) pl
          JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) pl.role
         GROUP BY 1)
    SELECT u.code, u.name, COALESCE(n.people, 0), COALESCE(n.party_members, 0)
      FROM @extschema@.unit u
      LEFT JOIN counted n ON n.unit OPERATOR(@extschema@.=) u.code
     WHERE u.code OPERATOR(@extschema@.<@) people_by_unit.root
       AND u.level OPERATOR(pg_catalog.=) people_by_unit.level
       AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) people_by_unit.at)
       AND people_by_unit.at IS NOT NULL
       -- evaluated once: a level outside 1..7 is refused (22023)
       AND @extschema@.check_gridcode_level(people_by_unit.level, 'level')
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.people_by_unit(@extschema@.gridcode, integer, date) IS
    'per unit of a level under root: the people placed under it on a day, and how many are party members';

-- The checks for today over the whole registry: one per province, each a
-- range.  security_invoker: what the caller may not read stays unread.
CREATE VIEW @extschema@.grids_without_party_members WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.grids_without_party_members(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.grids_without_party_members IS 'grids where no party member is placed today';
COMMENT ON COLUMN @extschema@.grids_without_party_members.grid IS 'the grid';
COMMENT ON COLUMN @extschema@.grids_without_party_members.name IS 'its name';

CREATE VIEW @extschema@.party_members_outside_grids WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.party_members_outside_grids(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.party_members_outside_grids IS 'party members placed in no grid today';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.person IS 'the party member';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.post IS 'one of their party posts';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.role IS 'its role: which of the five kinds of party member';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.organization IS 'its organization, if any';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.unit IS 'its unit, else its organization''s anchor';

CREATE VIEW @extschema@.grids_without_branch WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.grids_without_branch(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.grids_without_branch IS 'grids that no grid branch or area general branch covers today';
COMMENT ON COLUMN @extschema@.grids_without_branch.grid IS 'the grid';
COMMENT ON COLUMN @extschema@.grids_without_branch.name IS 'its name';

CREATE VIEW @extschema@.buildings_without_team WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.buildings_without_team(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.buildings_without_team IS 'buildings that no 红小二 team covers today';
COMMENT ON COLUMN @extschema@.buildings_without_team.building IS 'the building';
COMMENT ON COLUMN @extschema@.buildings_without_team.name IS 'its name';

CREATE VIEW @extschema@.teams_breaking_rule WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.teams_breaking_rule(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.teams_breaking_rule IS
    '红小二 teams without 3 to 5 people and at least one full-time grid party member today';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.team IS 'the team (an organization)';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.name IS 'its name';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.anchor IS 'the unit it is anchored on';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.members IS 'the people holding a post in it';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.full_time_party_members IS
    'those of them who are party members and full-time grid workers';

CREATE VIEW @extschema@.secretaries_without_reserves WITH (security_invoker = true) AS
SELECT c.* FROM @extschema@.unit p,
       LATERAL @extschema@.secretaries_without_reserves(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.secretaries_without_reserves IS
    'community party secretaries with fewer than two reserve cadres today';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.organization IS 'the community party committee';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.community IS 'its anchor, the community';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.secretary IS 'the secretary';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.reserve_cadres IS 'the reserve cadres in the committee';

CREATE VIEW @extschema@.coverage_summary WITH (security_invoker = true) AS
SELECT c.check_name, pg_catalog.sum(c.gaps)::bigint AS gaps
  FROM @extschema@.unit p,
       LATERAL @extschema@.coverage_summary(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1
 GROUP BY c.check_name;
COMMENT ON VIEW @extschema@.coverage_summary IS 'how many rows each coverage check finds today';
COMMENT ON COLUMN @extschema@.coverage_summary.check_name IS 'the check, named as its function';
COMMENT ON COLUMN @extschema@.coverage_summary.gaps IS 'the rows it finds';

-- ----------------------------------------------------------------------
-- Join estimates of the hierarchy operators (issue 20): a join on <@ or @>
-- is estimated from both columns' statistics, not at contjoinsel's constant.
-- ----------------------------------------------------------------------
CREATE FUNCTION @extschema@.subtree_contained_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contained_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the <@ operators of gridcode and gridcell: the share of the left column under a value of the right one, averaged over the right column''s statistics';
CREATE FUNCTION @extschema@.subtree_contains_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.subtree_contains_joinsel(internal, oid, internal, smallint, internal) IS
    'join selectivity of the @> operators of gridcode and gridcell: the share of the right column under a value of the left one, averaged over the left column''s statistics';
ALTER OPERATOR @extschema@.<@ (@extschema@.gridcode, @extschema@.gridcode)
    SET (JOIN = @extschema@.subtree_contained_joinsel);
ALTER OPERATOR @extschema@.@> (@extschema@.gridcode, @extschema@.gridcode)
    SET (JOIN = @extschema@.subtree_contains_joinsel);
ALTER OPERATOR @extschema@.<@ (@extschema@.gridcell, @extschema@.gridcell)
    SET (JOIN = @extschema@.subtree_contained_joinsel);
ALTER OPERATOR @extschema@.@> (@extschema@.gridcell, @extschema@.gridcell)
    SET (JOIN = @extschema@.subtree_contains_joinsel);


-- A calendar that knows its horizon (issue 14): gridgov.calendar_year says
-- which years calendar_day holds; a deadline past the last of them is
-- counted on plain weekdays and marked deadline_provisional, the new last
-- column of cases, until load_calendar_year() loads the year.
-- The years whose official schedule is in calendar_day.  Past the last of
-- them (the horizon) the calendar knows only the weekday rule: a time limit
-- that runs past it is counted on plain weekdays and marked provisional on
-- the case until the year is loaded with load_calendar_year().
CREATE TABLE @extschema@.calendar_year (
    year        integer PRIMARY KEY CONSTRAINT calendar_year_range CHECK (year BETWEEN 1949 AND 9999),
    source      text NOT NULL CONSTRAINT calendar_year_source_not_empty CHECK (source OPERATOR(pg_catalog.<>) ''),
    loaded_at   timestamptz DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.calendar_year IS
    'the years whose holidays and make-up workdays calendar_day holds; the horizon is the end of the last year of the run from the first';
COMMENT ON COLUMN @extschema@.calendar_year.year IS 'a year whose official schedule is loaded; primary key';
COMMENT ON COLUMN @extschema@.calendar_year.source IS 'where the schedule comes from, such as the State Council notice''s title';
COMMENT ON COLUMN @extschema@.calendar_year.loaded_at IS 'when the year was loaded; NULL for the years gridgov ships';

INSERT INTO @extschema@.calendar_year (year, source, loaded_at) VALUES
    (2025, '国务院办公厅关于2025年部分节假日安排的通知', NULL),
    (2026, '国务院办公厅关于2026年部分节假日安排的通知', NULL);

-- As for calendar_day: pg_dump keeps the years a user loaded.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_year', 'WHERE year NOT IN (2025, 2026)');

CREATE TRIGGER calendar_year_invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.calendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.calendar_year ENABLE ALWAYS TRIGGER calendar_year_invalidate_cache;

-- A function over the row type of cases blocks ALTER TABLE: content_digest
-- goes for the time of it, with verify_history, which calls it.
DROP FUNCTION @extschema@.verify_history();
DROP FUNCTION @extschema@.content_digest(@extschema@.cases);
ALTER TABLE @extschema@.cases ADD COLUMN deadline_provisional boolean DEFAULT false;
COMMENT ON COLUMN @extschema@.cases.deadline_provisional IS
    'true when stage_deadline runs past calendar_horizon(): counted on plain weekdays, and counted again when load_calendar_year() loads the year';

-- The open deadlines already past 2026 were counted on plain weekdays.
-- Marking them is no move (the engine's trigger would refuse the column).
ALTER TABLE @extschema@.cases DISABLE TRIGGER gridgov_case_move;
UPDATE @extschema@.cases c SET deadline_provisional = true
 WHERE c.stage_deadline IS NOT NULL AND c.stage_limit_unit OPERATOR(pg_catalog.<>) 'clock_hour'
   AND pg_catalog.timezone(@extschema@.calendar_timezone(), c.stage_deadline)::date OPERATOR(pg_catalog.>) '2026-12-31';
ALTER TABLE @extschema@.cases ENABLE TRIGGER gridgov_case_move;

-- The content of a case (what, where, who reported it, how, the
-- evaluation), hashed into every history row from 0.7.0 on as a digest, not
-- the values: the reporter's personal data stays out of the append-only
-- history.
CREATE FUNCTION @extschema@.content_digest(c @extschema@.cases) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(pg_catalog.convert_to(
        @extschema@.history_field(c.unit::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.category) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.severity::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.channel) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.description) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.location::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.reporter::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.satisfaction::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.evaluation), 'UTF8'));
COMMENT ON FUNCTION @extschema@.content_digest(@extschema@.cases) IS
    'SHA-256 of a case''s unit, category, severity, channel, description, location, reporter, satisfaction and evaluation, in the history''s canonical form';

CREATE FUNCTION @extschema@.verify_history()
    RETURNS TABLE (district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH chained AS (
        SELECT h.district, h.case_id, h.seq, h.hash,
               @extschema@.history_hash(pg_catalog.lag(h.hash) OVER w, h) AS recomputed,
               pg_catalog.lag(h.seq) OVER w AS previous_seq
          FROM @extschema@.case_history h
        WINDOW w AS (PARTITION BY h.district, h.case_id ORDER BY h.seq)
    ), problems AS (
        -- a history whose case is gone
        SELECT h.district, h.case_id, pg_catalog.min(h.seq) AS seq, 0 AS rank,
               'the case of this history does not exist' AS problem
          FROM @extschema@.case_history h
         WHERE NOT EXISTS (SELECT FROM @extschema@.cases c
                            WHERE c.district OPERATOR(@extschema@.=) h.district
                              AND c.id OPERATOR(pg_catalog.=) h.case_id)
         GROUP BY h.district, h.case_id
        UNION ALL
        SELECT ch.district, ch.case_id, ch.seq, 1,
               CASE WHEN ch.seq OPERATOR(pg_catalog.<>) (COALESCE(ch.previous_seq, 0) OPERATOR(pg_catalog.+) 1)
                    THEN 'a row is missing before this one'
                    WHEN ch.hash OPERATOR(pg_catalog.<>) ch.recomputed
                    THEN 'the row''s content or its link to the previous row was changed' END
          FROM chained ch
        UNION ALL
        -- the chain is shorter than history_seq says, or ends elsewhere
        SELECT c.district, c.id, c.history_seq, 2, 'the history ends before the case''s last move'
          FROM @extschema@.cases c
         WHERE NOT EXISTS (SELECT FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district
                              AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.seq OPERATOR(pg_catalog.=) c.history_seq
                              AND h.hash OPERATOR(pg_catalog.=) c.history_hash)
        UNION ALL
        -- the case row's content is not what its last move left
        SELECT c.district, c.id, c.history_seq, 3, 'the case''s content differs from its last history row'
          FROM @extschema@.cases c
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) c.history_seq
         WHERE h.content OPERATOR(pg_catalog.<>) @extschema@.content_digest(c)
        UNION ALL
        -- the chain is longer than history_seq says
        SELECT h.district, h.case_id, pg_catalog.min(h.seq), 4, 'the history goes on after the case''s last move'
          FROM @extschema@.case_history h
          JOIN @extschema@.cases c
            ON c.district OPERATOR(@extschema@.=) h.district AND c.id OPERATOR(pg_catalog.=) h.case_id
         WHERE h.seq OPERATOR(pg_catalog.>) c.history_seq
         GROUP BY h.district, h.case_id
    )
    SELECT DISTINCT ON (p.district, p.case_id) p.district, p.case_id, p.seq, p.problem
      FROM problems p
     WHERE p.problem IS NOT NULL
     ORDER BY p.district, p.case_id, p.seq, p.rank;
END;
COMMENT ON FUNCTION @extschema@.verify_history() IS
    'the first problem of every case whose history does not hold: a changed or missing row, a history shorter or longer than the case says, content changed behind the engine, or a history without its case; no rows when all hold';

-- Bodies written out from cases' columns when created (SELECT * over a
-- cases row) are made again with the new column.
DROP VIEW @extschema@.case_clock;
DROP FUNCTION @extschema@.case_clock(timestamptz);
CREATE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text, deadline_provisional boolean)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END,
           s.deadline_provisional
      FROM (SELECT c.*,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;
COMMENT ON FUNCTION @extschema@.case_clock(timestamptz) IS
    'every open stage''s deadline, share of its limit used and traffic light at a given time';

CREATE VIEW @extschema@.case_clock AS SELECT * FROM @extschema@.case_clock(pg_catalog.now());
COMMENT ON VIEW @extschema@.case_clock IS 'every open stage''s deadline, share used and traffic light now';
COMMENT ON COLUMN @extschema@.case_clock.id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.case_clock.district IS 'the case''s district';
COMMENT ON COLUMN @extschema@.case_clock.unit IS 'the case''s unit, usually a grid';
COMMENT ON COLUMN @extschema@.case_clock.status IS 'the case''s status';
COMMENT ON COLUMN @extschema@.case_clock.stage IS 'the open stage: accept, dispatch, resolve or verify';
COMMENT ON COLUMN @extschema@.case_clock.service_point IS 'the service point handling the case';
COMMENT ON COLUMN @extschema@.case_clock.stage_started_at IS 'when the stage started';
COMMENT ON COLUMN @extschema@.case_clock.stage_deadline IS 'when the stage must end, suspensions added';
COMMENT ON COLUMN @extschema@.case_clock.share_used IS
    'share of the stage''s limit used now, suspended time excluded: 0 to 1 in time, above 1 when overdue (3 decimals)';
COMMENT ON COLUMN @extschema@.case_clock.light IS 'traffic light: green, yellow from 80% of the limit used, red when overdue';
COMMENT ON COLUMN @extschema@.case_clock.deadline_provisional IS
    'true when the deadline runs past the calendar''s horizon and was counted on plain weekdays (see calendar_horizon())';

CREATE OR REPLACE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor); END;
COMMENT ON FUNCTION @extschema@.accept(bigint, text, timestamptz, text) IS
    'move accept (受理): a reported case becomes accepted and its dispatch stage starts; note: an optional remark';
CREATE OR REPLACE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.reject(bigint, text, timestamptz, text) IS
    'move reject: a reported case becomes rejected, final; reason: why, required';
CREATE OR REPLACE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
COMMENT ON FUNCTION @extschema@.merge(bigint, bigint, timestamptz, text) IS
    'move merge: a reported case becomes merged, final, as a duplicate of into_case, another existing case';
CREATE OR REPLACE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point); END;
COMMENT ON FUNCTION @extschema@.dispatch(bigint, integer, timestamptz, text) IS
    'move dispatch (派遣): an accepted or returned case becomes dispatched and its resolve stage starts; service_point: the one to handle it instead of the routed one, serving the case''s unit or a unit above it';
CREATE OR REPLACE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched'); END;
COMMENT ON FUNCTION @extschema@.start(bigint, timestamptz, text) IS
    'move start: the service point takes up a dispatched case, which becomes in_progress';
CREATE OR REPLACE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.return_case(bigint, text, timestamptz, text) IS
    'move return (退回): the service point sends a dispatched case back; it becomes returned, to be dispatched again; reason: why, required';
CREATE OR REPLACE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
COMMENT ON FUNCTION @extschema@.extend(bigint, timestamptz, text, timestamptz, text) IS
    'move extend (延期): an in_progress case stays in_progress with new_deadline, later than its stage deadline; reason: why, required';
CREATE OR REPLACE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.suspend(bigint, text, timestamptz, text) IS
    'move suspend (挂账): an in_progress case becomes suspended and its stage clock stops; reason: why, required';
CREATE OR REPLACE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
COMMENT ON FUNCTION @extschema@.resume(bigint, timestamptz, text) IS
    'move resume: a suspended case becomes in_progress again, its stage deadline later by the time it was suspended';
CREATE OR REPLACE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
COMMENT ON FUNCTION @extschema@.resolve(bigint, text, timestamptz, text) IS
    'move resolve (处置完成): an in_progress case becomes resolved and its verify stage starts; note: an optional remark';
CREATE OR REPLACE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
COMMENT ON FUNCTION @extschema@.verify(bigint, text, timestamptz, text) IS
    'move verify (核查): a resolved case becomes verified and awaits closure, without a deadline; note: an optional remark';
CREATE OR REPLACE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
COMMENT ON FUNCTION @extschema@.reopen(bigint, text, timestamptz, text) IS
    'move reopen (返工): a resolved case goes back to in_progress with a fresh resolve stage; reason: why, required';
CREATE OR REPLACE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
COMMENT ON FUNCTION @extschema@.close(bigint, integer, text, timestamptz, text) IS
    'move close (结案): a verified case becomes closed, final; satisfaction: the reporter''s rating, 1 (worst) to 5 (best), and evaluation: their comment (评价), both optional';
CREATE OR REPLACE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;
COMMENT ON FUNCTION @extschema@.escalate(bigint, text, integer, timestamptz, text) IS
    'move escalate (升级) by referral: an accepted, dispatched, returned or in_progress case is dispatched one level up, or to to_level (4 subdistrict, 3 district) when that is higher, with a fresh resolve stage; reason: why, required';
CREATE FUNCTION @extschema@.calendar_horizon() RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_calendar_horizon' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calendar_horizon() IS
    'the last day the calendar holds: 31 December of the last year in gridgov.calendar_year without a gap from the first; NULL when none is loaded';

CREATE VIEW @extschema@.calendar_years WITH (security_invoker = true) AS
SELECT y.year, y.source, y.loaded_at,
       (SELECT pg_catalog.count(*) FROM @extschema@.calendar_day d
         WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(y.year, 1, 1)
           AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(y.year, 12, 31)
           AND NOT d.is_workday) AS rest_days,
       (SELECT pg_catalog.count(*) FROM @extschema@.calendar_day d
         WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(y.year, 1, 1)
           AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(y.year, 12, 31)
           AND d.is_workday) AS makeup_workdays,
       (SELECT pg_catalog.count(*) FILTER (WHERE @extschema@.is_workday(g.day::date))
          FROM pg_catalog.generate_series(pg_catalog.make_date(y.year, 1, 1)::timestamp,
                                          pg_catalog.make_date(y.year, 12, 31)::timestamp, '1 day') AS g(day)) AS workdays,
       y.year OPERATOR(pg_catalog.<=) EXTRACT(year FROM @extschema@.calendar_horizon()) AS within_horizon
  FROM @extschema@.calendar_year y;
COMMENT ON VIEW @extschema@.calendar_years IS
    'the years the calendar holds, with their rest and make-up days and workdays; within_horizon false after a gap';
COMMENT ON COLUMN @extschema@.calendar_years.year IS 'a year whose official schedule is loaded';
COMMENT ON COLUMN @extschema@.calendar_years.source IS 'where its schedule comes from';
COMMENT ON COLUMN @extschema@.calendar_years.loaded_at IS 'when it was loaded; NULL for the years gridgov ships';
COMMENT ON COLUMN @extschema@.calendar_years.rest_days IS 'its rows of calendar_day that are rest days: every day of every holiday period';
COMMENT ON COLUMN @extschema@.calendar_years.makeup_workdays IS 'its make-up workdays (调休)';
COMMENT ON COLUMN @extschema@.calendar_years.workdays IS 'its workdays, as is_workday counts them';
COMMENT ON COLUMN @extschema@.calendar_years.within_horizon IS
    'true up to calendar_horizon(); a year loaded after a gap is held but lies past the horizon until the gap is loaded';

-- One year in the shape of the State Council's notice: for each holiday,
-- its name, the first and last rest day, and the make-up workdays (调休).
-- The year replaces whatever calendar_day held for it; the deadlines that
-- were counted on plain weekdays past the horizon are then counted again
-- (an UPDATE of deadline_provisional, which the case engine answers by
-- recounting the stage's deadline: src/case_engine.c).
CREATE FUNCTION @extschema@.load_calendar_year(year integer, holidays jsonb, source text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    h jsonb;
    bad text;
    first_day date;
    last_day date;
    makeup date;
    spans daterange[] := '{}';
    names text[] := '{}';
    workdays date[] := '{}';
    workday_names text[] := '{}';
    i integer;
    recounted bigint;
BEGIN
    IF year IS NULL OR holidays IS NULL OR source IS NULL OR source OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'load_calendar_year needs a year, the holidays and a source, not NULL or empty'
            USING ERRCODE = '22004', HINT = 'Name the notice the schedule comes from as source.';
    END IF;
    IF pg_catalog.jsonb_typeof(holidays) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'the holidays of % must be a JSON array, not %', year, pg_catalog.jsonb_typeof(holidays)
            USING ERRCODE = '22023',
                  HINT = 'Give one object per holiday: {"holiday": "元旦", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "makeup_workdays": ["YYYY-MM-DD"]}.';
    END IF;
    FOR h IN SELECT e FROM pg_catalog.jsonb_array_elements(holidays) AS e LOOP
        SELECT pg_catalog.string_agg(k, ', ') INTO bad
          FROM pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(h) OPERATOR(pg_catalog.=) 'object'
                                                 THEN h ELSE '{}' END) AS k
         WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['holiday', 'from', 'to', 'makeup_workdays']);
        IF pg_catalog.jsonb_typeof(h) OPERATOR(pg_catalog.<>) 'object' OR bad IS NOT NULL
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'holiday') IS DISTINCT FROM 'string'
           OR h OPERATOR(pg_catalog.->>) 'holiday' OPERATOR(pg_catalog.=) ''
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'from') IS DISTINCT FROM 'string'
           OR pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'to') IS DISTINCT FROM 'string'
           OR pg_catalog.jsonb_typeof(COALESCE(h OPERATOR(pg_catalog.->) 'makeup_workdays', '[]')) OPERATOR(pg_catalog.<>) 'array' THEN
            RAISE EXCEPTION 'holiday % of % is not in the notice''s shape', h, year
                USING ERRCODE = '22023',
                      DETAIL = CASE WHEN bad IS NOT NULL THEN pg_catalog.format('Unknown keys: %s.', bad) END,
                      HINT = 'Give one object per holiday: {"holiday": "元旦", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "makeup_workdays": ["YYYY-MM-DD"]}.';
        END IF;
        first_day := (h OPERATOR(pg_catalog.->>) 'from')::date;
        last_day := (h OPERATOR(pg_catalog.->>) 'to')::date;
        IF last_day OPERATOR(pg_catalog.<) first_day THEN
            RAISE EXCEPTION 'holiday % of % ends on % before it starts on %',
                            h OPERATOR(pg_catalog.->>) 'holiday', year, last_day, first_day
                USING ERRCODE = '22023', HINT = '"from" is the first rest day, "to" the last, both included.';
        END IF;
        spans := spans OPERATOR(pg_catalog.||) pg_catalog.daterange(first_day, last_day, '[]');
        names := names OPERATOR(pg_catalog.||) (h OPERATOR(pg_catalog.->>) 'holiday');
        FOR makeup IN SELECT d::date FROM pg_catalog.jsonb_array_elements_text(h OPERATOR(pg_catalog.->) 'makeup_workdays') AS d LOOP
            IF EXTRACT(isodow FROM makeup) OPERATOR(pg_catalog.<) 6 THEN
                RAISE EXCEPTION 'make-up workday % of % (%) is a %', makeup, h OPERATOR(pg_catalog.->>) 'holiday', year,
                                pg_catalog.to_char(makeup, 'FMDay')
                    USING ERRCODE = '22023',
                          HINT = 'A make-up workday (调休) is a Saturday or Sunday that is worked; Monday to Friday are workdays already.';
            END IF;
            workdays := workdays OPERATOR(pg_catalog.||) makeup;
            workday_names := workday_names OPERATOR(pg_catalog.||) (h OPERATOR(pg_catalog.->>) 'holiday');
        END LOOP;
    END LOOP;

    -- every date in the year, every rest day in one holiday only, no make-up
    -- workday twice or on a rest day
    SELECT pg_catalog.format('holiday %s %s..%s', n, pg_catalog.lower(r), pg_catalog.upper(r) OPERATOR(pg_catalog.-) 1) INTO bad
      FROM ROWS FROM (pg_catalog.unnest(spans), pg_catalog.unnest(names)) AS s(r, n)
     WHERE EXTRACT(year FROM pg_catalog.lower(r)) OPERATOR(pg_catalog.<>) year
        OR EXTRACT(year FROM pg_catalog.upper(r) OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.<>) year
    UNION ALL
    SELECT pg_catalog.format('make-up workday %s of %s', d, n)
      FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n)
     WHERE EXTRACT(year FROM d) OPERATOR(pg_catalog.<>) year
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION '% lies outside %', bad, year
            USING ERRCODE = '22023',
                  HINT = 'Load each year with its own dates; weekend days of a holiday that fall in another year need no row.';
    END IF;
    FOR i IN 1 .. pg_catalog.cardinality(spans) LOOP
        SELECT pg_catalog.format('holidays %s %s..%s and %s %s..%s overlap',
                                 names[i], pg_catalog.lower(spans[i]), pg_catalog.upper(spans[i]) OPERATOR(pg_catalog.-) 1,
                                 names[j], pg_catalog.lower(spans[j]), pg_catalog.upper(spans[j]) OPERATOR(pg_catalog.-) 1) INTO bad
          FROM pg_catalog.generate_series(i OPERATOR(pg_catalog.+) 1, pg_catalog.cardinality(spans)) AS j
         WHERE spans[i] OPERATOR(pg_catalog.&&) spans[j]
         LIMIT 1;
        IF bad IS NULL THEN
            SELECT pg_catalog.format('make-up workday %s of %s falls on a rest day of %s', w.d, w.n, names[i])
              INTO bad
              FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n)
             WHERE w.d OPERATOR(pg_catalog.<@) spans[i]
             LIMIT 1;
        END IF;
        EXIT WHEN bad IS NOT NULL;
    END LOOP;
    IF bad IS NULL THEN
        SELECT pg_catalog.format('make-up workday %s is listed twice', d) INTO bad
          FROM pg_catalog.unnest(workdays) AS d GROUP BY d HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1 LIMIT 1;
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the schedule of % does not hold: %', year, bad
            USING ERRCODE = '22023',
                  HINT = 'Each day is a rest day of one holiday or a make-up workday, once: give every period of the notice once.';
    END IF;

    -- the year replaces what calendar_day held for it
    DELETE FROM @extschema@.calendar_day d
     WHERE d.day OPERATOR(pg_catalog.>=) pg_catalog.make_date(year, 1, 1)
       AND d.day OPERATOR(pg_catalog.<=) pg_catalog.make_date(year, 12, 31);
    INSERT INTO @extschema@.calendar_day (day, is_workday, note)
    SELECT g.day::date, false, s.n
      FROM ROWS FROM (pg_catalog.unnest(spans), pg_catalog.unnest(names)) AS s(r, n),
           pg_catalog.generate_series(pg_catalog.lower(s.r)::timestamp,
                                      (pg_catalog.upper(s.r) OPERATOR(pg_catalog.-) 1)::timestamp, '1 day') AS g(day)
    UNION ALL
    SELECT w.d, true, w.n OPERATOR(pg_catalog.||) '调休'
      FROM ROWS FROM (pg_catalog.unnest(workdays), pg_catalog.unnest(workday_names)) AS w(d, n);
    INSERT INTO @extschema@.calendar_year AS y (year, source, loaded_at)
    VALUES (load_calendar_year.year, load_calendar_year.source, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT calendar_year_pkey DO UPDATE SET source = EXCLUDED.source, loaded_at = EXCLUDED.loaded_at;

    -- from this statement on the calendar holds the year: count again
    UPDATE @extschema@.cases c SET deadline_provisional = false WHERE c.deadline_provisional;
    GET DIAGNOSTICS recounted = ROW_COUNT;
    RETURN recounted;
END;
$$;
COMMENT ON FUNCTION @extschema@.load_calendar_year(integer, jsonb, text) IS
    'load a year''s official schedule, as the State Council notice gives it (holiday periods and make-up workdays), in place of what calendar_day held for it; recounts the provisional deadlines and returns how many';
-- ----------------------------------------------------------------------
-- Tamper evidence against the owner, and a restore that loses nothing
-- (issue 13): history rows numbered by entry, Merkle checkpoints
-- (history_leaf, merkle_root, history_checkpoint, verify_history(text)) and
-- their witness tables; a COPY by a superuser or an importer restores cases
-- and their history through the engine's triggers.
-- ----------------------------------------------------------------------
-- the rows already there are numbered in the order of their time
ALTER TABLE @extschema@.case_history ADD COLUMN entry bigint;
ALTER TABLE @extschema@.case_history DISABLE TRIGGER gridgov_history_append_only;
UPDATE @extschema@.case_history h SET entry = n.entry
  FROM (SELECT o.district, o.case_id, o.seq,
               pg_catalog.row_number() OVER (ORDER BY o.at, o.district, o.case_id, o.seq) AS entry
          FROM @extschema@.case_history o) n
 WHERE h.district OPERATOR(@extschema@.=) n.district AND h.case_id OPERATOR(pg_catalog.=) n.case_id
   AND h.seq OPERATOR(pg_catalog.=) n.seq;
ALTER TABLE @extschema@.case_history ENABLE TRIGGER gridgov_history_append_only;
ALTER TABLE @extschema@.case_history ALTER COLUMN entry SET NOT NULL,
    ALTER COLUMN entry ADD GENERATED ALWAYS AS IDENTITY;
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('@extschema@.case_history', 'entry'), pg_catalog.max(h.entry))
  FROM @extschema@.case_history h HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0;
COMMENT ON COLUMN @extschema@.case_history.entry IS
    'the row''s place in the whole history, in the order rows were appended: the order of the checkpoints'' Merkle tree (history_checkpoint)';
CREATE UNIQUE INDEX case_history_entry ON @extschema@.case_history (entry);
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.case_history', 'entry')::regclass, '');
COMMENT ON FUNCTION @extschema@.case_before_insert() IS
    'BEFORE INSERT row trigger on cases: routes a new case (grid, district, early warning, handling level, service point), starts its accept stage and links its first history row; takes a case restored by COPY with its history_hash as it is';
COMMENT ON FUNCTION @extschema@.case_history_refuse_change() IS
    'trigger on case_history: refuses UPDATE, DELETE, TRUNCATE and every INSERT but the case engine''s and a restore''s COPY by a superuser or gridgov_importer (GG005)';

-- Checkpoints (RFC 6962, as Certificate Transparency's tree heads): the
-- Merkle root over the first N history rows by entry, with N, exported
-- outside the database.  A per-case chain stops a stranger, not the owner,
-- who can recompute it; a checkpoint kept elsewhere stops the owner too.
CREATE FUNCTION @extschema@.history_leaf(h @extschema@.case_history) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN pg_catalog.sha256('\x00'::bytea OPERATOR(pg_catalog.||) h.hash);
COMMENT ON FUNCTION @extschema@.history_leaf(@extschema@.case_history) IS
    'the Merkle leaf hash of a history row: SHA-256 of the byte 0x00 and the row''s hash (RFC 6962)';

CREATE FUNCTION @extschema@.merkle_root_step(internal, bytea) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merkle_root_step(internal, bytea) IS
    'transition function of merkle_root: adds a leaf hash, merging the perfect subtrees it completes';
CREATE FUNCTION @extschema@.merkle_root_final(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merkle_root_final(internal) IS
    'final function of merkle_root: folds the pending subtrees into the root';
CREATE AGGREGATE @extschema@.merkle_root(bytea) (
    SFUNC = @extschema@.merkle_root_step,
    STYPE = internal,
    SSPACE = 2072,
    FINALFUNC = @extschema@.merkle_root_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.merkle_root(bytea) IS
    'RFC 6962 Merkle tree hash of 32-byte leaf hashes in the aggregate''s ORDER BY (inner nodes SHA-256 of 0x01, left, right); SHA-256 of nothing for no rows';

CREATE FUNCTION @extschema@.checkpoint_origin() RETURNS text
    AS 'MODULE_PATHNAME', 'checkpoint_origin_name' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.checkpoint_origin() IS
    'what names the history in its checkpoints after gridgov/: the setting gridgov.checkpoint_origin, else the cluster''s system identifier';

-- The checkpoints taken, and the leaves they cover: given a checkpoint
-- kept elsewhere, the leaves are trusted when they give its root, and then
-- they name the rows that changed.
CREATE TABLE @extschema@.case_history_witness (
    tree_size   bigint NOT NULL CONSTRAINT case_history_witness_size CHECK (tree_size >= 0),
    root        bytea NOT NULL,
    checkpoint  text NOT NULL,
    taken_at    timestamptz NOT NULL,
    taken_by    text NOT NULL,
    ranges      integer[] NOT NULL,
    range_sizes bigint[] NOT NULL,
    PRIMARY KEY (tree_size, taken_at),
    CONSTRAINT case_history_witness_ranges
        CHECK (pg_catalog.cardinality(ranges) OPERATOR(pg_catalog.=) pg_catalog.cardinality(range_sizes))
);
COMMENT ON TABLE @extschema@.case_history_witness IS
    'every checkpoint history_checkpoint() took; the proof is the copy kept outside the database';
COMMENT ON COLUMN @extschema@.case_history_witness.tree_size IS 'how many history rows it covers: the first ones by entry of each of its ranges';
COMMENT ON COLUMN @extschema@.case_history_witness.ranges IS
    'the ranges of entries it covers (entry >> 48: a Citus worker''s group; {0} on a single node), in increasing order';
COMMENT ON COLUMN @extschema@.case_history_witness.range_sizes IS
    'how many rows it covers in each of its ranges, the first ones by entry, in the order of ranges';
COMMENT ON COLUMN @extschema@.case_history_witness.root IS 'the Merkle root over those rows'' leaves (merkle_root of history_leaf)';
COMMENT ON COLUMN @extschema@.case_history_witness.checkpoint IS 'the checkpoint as returned, to export';
COMMENT ON COLUMN @extschema@.case_history_witness.taken_at IS 'when it was taken';
COMMENT ON COLUMN @extschema@.case_history_witness.taken_by IS 'the role that took it';

CREATE TABLE @extschema@.case_history_witness_leaf (
    entry       bigint PRIMARY KEY,
    district    @extschema@.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    seq         integer NOT NULL,
    leaf        bytea NOT NULL
);
COMMENT ON TABLE @extschema@.case_history_witness_leaf IS
    'the leaf of every history row a checkpoint covered, as it was then: names the rows that changed when the history no longer gives a checkpoint''s root';
COMMENT ON COLUMN @extschema@.case_history_witness_leaf.entry IS 'the row''s entry in case_history';
COMMENT ON COLUMN @extschema@.case_history_witness_leaf.district IS 'the row''s district, to name it';
COMMENT ON COLUMN @extschema@.case_history_witness_leaf.case_id IS 'the row''s case, to name it';
COMMENT ON COLUMN @extschema@.case_history_witness_leaf.seq IS 'the row''s seq, to name it';
COMMENT ON COLUMN @extschema@.case_history_witness_leaf.leaf IS 'history_leaf of the row when the checkpoint was taken';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.case_history_witness', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.case_history_witness_leaf', '');

-- The root of the first rows by entry: what a checkpoint of that many rows
-- says, if nothing changed.
CREATE FUNCTION @extschema@.history_root(tree_size bigint) RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT @extschema@.merkle_root(l.leaf ORDER BY l.entry)
      FROM (SELECT h.entry, @extschema@.history_leaf(h) AS leaf
              FROM @extschema@.case_history h ORDER BY h.entry
             LIMIT CASE WHEN @extschema@.check_row_count(tree_size, 'tree_size') THEN tree_size END) l;
END;
COMMENT ON FUNCTION @extschema@.history_root(bigint) IS
    'the Merkle root of the first tree_size history rows by entry (all of them if fewer): a checkpoint of that size has it while they are unchanged';

-- What a checkpoint covers, in its messages: "first 26 rows" for range 0
-- alone (a single node's), else "first 10 rows of range 1 and 5 rows of
-- range 2".
CREATE FUNCTION @extschema@.history_ranges_text(ranges integer[], sizes bigint[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN pg_catalog.cardinality(ranges) OPERATOR(pg_catalog.=) 0 THEN 'first 0 rows'
                WHEN ranges OPERATOR(pg_catalog.=) '{0}'::integer[] THEN pg_catalog.format('first %s rows', sizes[1])
                ELSE 'first ' OPERATOR(pg_catalog.||)
                     pg_catalog.string_agg(pg_catalog.format('%s rows of range %s', x.n, x.r), ' and ' ORDER BY x.r) END
      FROM ROWS FROM (pg_catalog.unnest(ranges), pg_catalog.unnest(sizes)) x(r, n);
END;
COMMENT ON FUNCTION @extschema@.history_ranges_text(integer[], bigint[]) IS
    'what a checkpoint of these ranges of entries and sizes covers, in words: first 26 rows, or first 10 rows of range 1 and 5 rows of range 2';

-- The leaves of the history rows whose entry lies in one of the intervals
-- from lows[i] to highs[i] (disjoint, as the checkpoints' ranges are):
-- what the checkpoints read of the history, an index range scan each on a
-- single node, each shard's own rows on Citus.  PL/pgSQL, so that Citus
-- plans its query with the bounds given; the rows go to history_leaf as
-- ROW(...) of their columns, as in verify_history(), since a shard's rows
-- have the shard's own type.
CREATE FUNCTION @extschema@.history_leaves(lows bigint[], highs bigint[])
    RETURNS TABLE (entry bigint, district @extschema@.gridcode, case_id bigint, seq integer, leaf bytea)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN QUERY
    SELECT h.entry, h.district, h.case_id, h.seq,
           @extschema@.history_leaf(ROW(h.district, h.case_id, h.seq, h.at, h.actor, h.action, h.from_status,
               h.to_status, h.handling_level, h.service_point, h.escalation_trigger, h.note, h.hash,
               h.content, h.entry, h.actor_person, h.handler)::@extschema@.case_history)
      FROM ROWS FROM (pg_catalog.unnest(lows), pg_catalog.unnest(highs)) b(low, high)
      JOIN @extschema@.case_history h
        ON h.entry OPERATOR(pg_catalog.>=) b.low AND h.entry OPERATOR(pg_catalog.<=) b.high;
END;
$$;
COMMENT ON FUNCTION @extschema@.history_leaves(bigint[], bigint[]) IS
    'entry, district, case, seq and history_leaf of every history row whose entry lies between lows[i] and highs[i] for some i';

-- The ranges of entries of a checkpoint and the rows it covers in each, as
-- history_root and history_changes take them: a range is entry >> 48 (a
-- Citus worker's group, 0 on a single node), so 0 to 32767; each once, in
-- increasing order, with a size each.
CREATE FUNCTION @extschema@.history_ranges_check(ranges integer[], sizes bigint[]) RETURNS void
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    bad record;
BEGIN
    IF pg_catalog.cardinality(ranges) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(sizes) THEN
        RAISE EXCEPTION '% ranges of entries, but % sizes', pg_catalog.cardinality(ranges), pg_catalog.cardinality(sizes)
            USING ERRCODE = '22023', HINT = 'Give each range the number of its rows that the checkpoint covers.';
    END IF;
    SELECT x.i, x.r, x.n, x.before INTO bad
      FROM (SELECT i, r, n, pg_catalog.lag(r) OVER (ORDER BY i) AS before
              FROM ROWS FROM (pg_catalog.unnest(ranges), pg_catalog.unnest(sizes)) WITH ORDINALITY u(r, n, i)) x
     WHERE x.r IS NULL OR x.n IS NULL OR x.r OPERATOR(pg_catalog.<) 0 OR x.r OPERATOR(pg_catalog.>) 32767
        OR x.n OPERATOR(pg_catalog.<) 0 OR x.r OPERATOR(pg_catalog.<=) x.before
     ORDER BY x.i LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    ELSIF bad.r IS NULL OR bad.r OPERATOR(pg_catalog.<) 0 OR bad.r OPERATOR(pg_catalog.>) 32767 THEN
        RAISE EXCEPTION 'range of entries % is not one: ranges go from 0 to 32767', COALESCE(bad.r::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'A range of entries is entry >> 48: 0 on a single node, a Citus worker''s group.';
    ELSIF bad.r OPERATOR(pg_catalog.<=) bad.before THEN
        RAISE EXCEPTION 'range of entries % follows range %', bad.r, bad.before
            USING ERRCODE = '22023', HINT = 'Give the ranges in increasing order, each once.';
    ELSE
        RAISE EXCEPTION 'range of entries % has size %', bad.r, COALESCE(bad.n::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'A size is the number of the range''s rows covered, 0 or more.';
    END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.history_ranges_check(integer[], bigint[]) IS
    'refuses (22023) ranges of entries and sizes that are not a checkpoint''s: as many sizes as ranges, ranges from 0 to 32767 in increasing order, sizes 0 or more';

-- The entries between which a checkpoint's rows lie, once its ranges and
-- sizes are checked: for each range with rows covered, its first entry
-- and the entry of the last row covered there, in the history as it is
-- (history_root) or in the witness's leaves (history_changes); the
-- range's last entry when it has fewer rows.
CREATE FUNCTION @extschema@.history_range_bounds(ranges integer[], sizes bigint[], witness boolean,
                                             OUT lows bigint[], OUT highs bigint[])
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    -- the last entry of a range, past its first one
    span constant bigint := (1::bigint OPERATOR(pg_catalog.<<) 48) OPERATOR(pg_catalog.-) 1;
    low bigint;
    high bigint;
    i integer;
BEGIN
    PERFORM @extschema@.history_ranges_check(ranges, sizes);
    lows := '{}';
    highs := '{}';
    FOR i IN 1 .. pg_catalog.cardinality(ranges) LOOP
        CONTINUE WHEN sizes[i] OPERATOR(pg_catalog.=) 0;
        low := ranges[i]::bigint OPERATOR(pg_catalog.<<) 48;
        -- two statements, not one over either table: on Citus the history
        -- is distributed and the witness a table of the coordinator's
        IF witness THEN
            high := (SELECT w.entry FROM @extschema@.case_history_witness_leaf w
                      WHERE w.entry OPERATOR(pg_catalog.>=) low AND w.entry OPERATOR(pg_catalog.<=) (low OPERATOR(pg_catalog.+) span)
                      ORDER BY w.entry OFFSET sizes[i] OPERATOR(pg_catalog.-) 1 LIMIT 1);
        ELSE
            high := (SELECT h.entry FROM @extschema@.case_history h
                      WHERE h.entry OPERATOR(pg_catalog.>=) low AND h.entry OPERATOR(pg_catalog.<=) (low OPERATOR(pg_catalog.+) span)
                      ORDER BY h.entry OFFSET sizes[i] OPERATOR(pg_catalog.-) 1 LIMIT 1);
        END IF;
        lows := lows OPERATOR(pg_catalog.||) low;
        highs := highs OPERATOR(pg_catalog.||) COALESCE(high, low OPERATOR(pg_catalog.+) span);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION @extschema@.history_range_bounds(integer[], bigint[], boolean) IS
    'for each range of entries with rows covered, its first entry (lows) and the entry of its sizes[i]-th row (highs), in the witness''s leaves or in the history; refuses (22023) what is no checkpoint''s ranges';

-- The root of the first rows of each range of entries (entry >> 48: a
-- Citus worker's group; a single node has range 0 alone): what a
-- checkpoint of those ranges and sizes says, if nothing changed.  The last
-- entry covered in each range is found first, then the leaves up to it are
-- read in one pass.
CREATE FUNCTION @extschema@.history_root(ranges integer[], sizes bigint[]) RETURNS bytea
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    lows bigint[];
    highs bigint[];
BEGIN
    SELECT b.lows, b.highs INTO lows, highs FROM @extschema@.history_range_bounds(ranges, sizes, false) b;
    RETURN (SELECT @extschema@.merkle_root(l.leaf ORDER BY l.entry) FROM @extschema@.history_leaves(lows, highs) l);
END;
$$;
COMMENT ON FUNCTION @extschema@.history_root(integer[], bigint[]) IS
    'the Merkle root of the first sizes[i] history rows by entry of each range of entries ranges[i] (entry >> 48), in entry order (all of a range''s rows if fewer): a checkpoint of those ranges has it while they are unchanged';

-- The rows that differ from a checkpoint's, named from the witness's
-- leaves once these give the checkpoint's root (a changed or inserted row
-- by its current content, a deleted one by the witness); one row per case,
-- its first bad entry.  In each range of entries, the rows up to the last
-- one the checkpoint covers there are compared.
CREATE FUNCTION @extschema@.history_changes(ranges integer[], sizes bigint[], root bytea)
    RETURNS TABLE (entry bigint, district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    lows bigint[];
    highs bigint[];
BEGIN
    -- the witness's leaves of the rows covered: in each range, up to the
    -- entry of the last one
    SELECT b.lows, b.highs INTO lows, highs FROM @extschema@.history_range_bounds(ranges, sizes, true) b;
    IF (SELECT pg_catalog.count(*) OPERATOR(pg_catalog.<>) (SELECT pg_catalog.sum(n) FROM pg_catalog.unnest(sizes) n)
               OR @extschema@.merkle_root(w.leaf ORDER BY w.entry) OPERATOR(pg_catalog.<>) root
          FROM ROWS FROM (pg_catalog.unnest(lows), pg_catalog.unnest(highs)) b(low, high)
          JOIN @extschema@.case_history_witness_leaf w
            ON w.entry OPERATOR(pg_catalog.>=) b.low AND w.entry OPERATOR(pg_catalog.<=) b.high) THEN
        RETURN QUERY SELECT NULL::bigint, NULL::@extschema@.gridcode, NULL::bigint, NULL::integer,
            pg_catalog.format('the %s do not give the checkpoint''s root, nor do the leaves in case_history_witness_leaf: the rows that changed cannot be named',
                              @extschema@.history_ranges_text(ranges, sizes));
        RETURN;
    END IF;

    RETURN QUERY
    WITH past AS (
        SELECT w.* FROM ROWS FROM (pg_catalog.unnest(lows), pg_catalog.unnest(highs)) b(low, high)
          JOIN @extschema@.case_history_witness_leaf w
            ON w.entry OPERATOR(pg_catalog.>=) b.low AND w.entry OPERATOR(pg_catalog.<=) b.high
    ), present AS (
        SELECT * FROM @extschema@.history_leaves(lows, highs)
    ), changes AS (
        SELECT DISTINCT ON (1, 2) COALESCE(n.district, o.district), COALESCE(n.case_id, o.case_id),
               COALESCE(n.entry, o.entry) AS entry, COALESCE(n.seq, o.seq),
               CASE WHEN n.entry IS NULL THEN 'the checkpoint''s row was deleted'
                    WHEN o.entry IS NULL THEN 'the row was inserted among the checkpoint''s'
                    ELSE 'the row was changed after the checkpoint' END
          FROM past o FULL JOIN present n ON n.entry OPERATOR(pg_catalog.=) o.entry
         WHERE o.leaf IS DISTINCT FROM n.leaf
         ORDER BY 1, 2, 3
    )
    SELECT c.entry, c.district, c.case_id, c.seq, c.problem
      FROM changes c(district, case_id, entry, seq, problem)
     ORDER BY c.entry;
END;
$$;
COMMENT ON FUNCTION @extschema@.history_changes(integer[], bigint[], bytea) IS
    'the first changed, deleted or inserted row of every case among the rows a checkpoint covers (in each range of entries, the first sizes rows), against the witness''s leaves, once these give root';

-- A checkpoint proves the rows' hashes, and the chains prove the rows from
-- their hashes: the two together prove the rows.  Its lines after the
-- root, if any, are its ranges of entries (C2SP extension lines).
CREATE FUNCTION @extschema@.verify_history(checkpoint text)
    RETURNS TABLE (entry bigint, district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    lines text[] := pg_catalog.string_to_array(checkpoint, E'\n');
    size bigint;
    root bytea;
    ranges integer[] := '{}';
    sizes bigint[] := '{}';
    fields text[];
    i integer;
BEGIN
    -- a checkpoint's lines each end with a newline (C2SP tlog-checkpoint)
    IF lines[pg_catalog.cardinality(lines)] OPERATOR(pg_catalog.=) '' THEN
        lines := lines[1:pg_catalog.cardinality(lines) OPERATOR(pg_catalog.-) 1];
    END IF;
    IF pg_catalog.cardinality(lines) OPERATOR(pg_catalog.<) 3 THEN
        RAISE EXCEPTION 'invalid checkpoint: 3 lines expected, % found', pg_catalog.cardinality(lines)
            USING ERRCODE = '22P02',
                  HINT = 'A checkpoint is three lines, as history_checkpoint() returns it: gridgov/ and its origin, the number of rows, the root in base64.';
    ELSIF lines[1] OPERATOR(pg_catalog.!~) '^gridgov/.' THEN
        RAISE EXCEPTION 'invalid checkpoint: line 1, "%", is not an origin', pg_catalog.left(lines[1], 60)
            USING ERRCODE = '22P02', HINT = 'The first line is gridgov/ followed by the origin, as history_checkpoint() returns it.';
    ELSIF lines[2] OPERATOR(pg_catalog.!~) '^(0|[1-9][0-9]{0,17})$' THEN
        RAISE EXCEPTION 'invalid checkpoint: line 2, "%", is not a number of rows', pg_catalog.left(lines[2], 60)
            USING ERRCODE = '22P02', HINT = 'The second line is the number of history rows the checkpoint covers, in decimal digits.';
    ELSIF lines[3] OPERATOR(pg_catalog.!~) '^[A-Za-z0-9+/]{43}=$' THEN
        RAISE EXCEPTION 'invalid checkpoint: line 3, "%", is not a SHA-256 hash in base64', pg_catalog.left(lines[3], 60)
            USING ERRCODE = '22P02', HINT = 'The third line is the Merkle root, 32 bytes in base64 (44 characters).';
    END IF;
    size := lines[2]::bigint;
    root := pg_catalog.decode(lines[3], 'base64');
    -- the ranges of entries, one line each: "range 1 52345"; without
    -- them, range 0 alone, all the rows of a single node
    FOR i IN 4 .. pg_catalog.cardinality(lines) LOOP
        fields := pg_catalog.regexp_match(lines[i], '^range (0|[1-9][0-9]{0,4}) ([1-9][0-9]{0,17})$');
        IF fields IS NULL OR fields[1]::integer OPERATOR(pg_catalog.>) 32767 THEN
            RAISE EXCEPTION 'invalid checkpoint: line %, "%", is not a range of entries', i, pg_catalog.left(lines[i], 60)
                USING ERRCODE = '22P02',
                      HINT = 'Each line after the root is "range", a range of entries (entry >> 48, 0 to 32767) and how many of its rows the checkpoint covers (1 or more), as history_checkpoint() writes it: range 1 52345.';
        ELSIF fields[1]::integer OPERATOR(pg_catalog.<=) ranges[pg_catalog.cardinality(ranges)] THEN
            RAISE EXCEPTION 'invalid checkpoint: line %, "%", does not follow range %', i, lines[i], ranges[pg_catalog.cardinality(ranges)]
                USING ERRCODE = '22P02', HINT = 'The ranges of a checkpoint come in increasing order, each once.';
        END IF;
        ranges := ranges OPERATOR(pg_catalog.||) fields[1]::integer;
        sizes := sizes OPERATOR(pg_catalog.||) fields[2]::bigint;
    END LOOP;
    IF pg_catalog.cardinality(ranges) OPERATOR(pg_catalog.=) 0 THEN
        ranges := '{0}';
        sizes := ARRAY[size];
    ELSIF (SELECT pg_catalog.sum(n) FROM pg_catalog.unnest(sizes) n) OPERATOR(pg_catalog.<>) size THEN
        RAISE EXCEPTION 'invalid checkpoint: its ranges cover % rows, line 2 says %',
                        (SELECT pg_catalog.sum(n) FROM pg_catalog.unnest(sizes) n), size
            USING ERRCODE = '22P02', HINT = 'The second line is the number of rows of all its ranges together.';
    END IF;
    IF pg_catalog.row_security_active('@extschema@.case_history') THEN
        RAISE EXCEPTION 'verify_history(checkpoint) must read every history row'
            USING ERRCODE = '42501',
                  DETAIL = 'Row-level security hides some rows of case_history from this role.',
                  HINT = 'Verify as the table''s owner or as a role that bypasses row-level security.';
    END IF;

    IF @extschema@.history_root(ranges, sizes) OPERATOR(pg_catalog.<>) root THEN
        RETURN QUERY SELECT * FROM @extschema@.history_changes(ranges, sizes, root);
    END IF;
    RETURN QUERY
    SELECT h.entry, v.district, v.case_id, v.seq, v.problem
      FROM @extschema@.verify_history() v
      LEFT JOIN @extschema@.case_history h
        ON h.district OPERATOR(@extschema@.=) v.district AND h.case_id OPERATOR(pg_catalog.=) v.case_id
       AND h.seq OPERATOR(pg_catalog.=) v.seq
     ORDER BY h.entry NULLS LAST, v.district, v.case_id;
END;
$$;
COMMENT ON FUNCTION @extschema@.verify_history(text) IS
    'no rows when the rows a checkpoint covers (the first ones by entry, in each of its ranges of entries) still give its root and every chain holds; otherwise every case with a row changed, deleted or inserted among them, at its first such entry, and the problems of verify_history()';

-- A checkpoint of the whole history.  The SHARE lock waits for every
-- writer of the history to end and keeps new ones out, so no row is
-- committed later below the rows it covers; under REPEATABLE READ the
-- snapshot could predate the lock and miss such rows, so it refuses.  On
-- Citus, where each worker numbers the rows it writes in its group's
-- range of entries, it covers the rows of each range, and the lock, sent
-- by Citus to every node, holds the workers' writers (docs/scale-out.md).
CREATE FUNCTION @extschema@.history_checkpoint() RETURNS text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    isolation text := pg_catalog.current_setting('transaction_isolation');
    -- the last entry of a range, past its first one
    span constant bigint := (1::bigint OPERATOR(pg_catalog.<<) 48) OPERATOR(pg_catalog.-) 1;
    previous record;
    ranges integer[];
    sizes bigint[];
    lows bigint[] := '{}';
    highs bigint[] := '{}';
    low bigint;
    i integer;
    size bigint;
    root bytea;
    result text;
BEGIN
    IF isolation OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'history_checkpoint() cannot run in a % transaction', pg_catalog.upper(isolation)
            USING ERRCODE = '25000',
                  DETAIL = 'Its snapshot may predate rows committed before the checkpoint''s lock, which the checkpoint would leave out below rows it covers.',
                  HINT = 'Take the checkpoint in a READ COMMITTED transaction.';
    END IF;
    IF pg_catalog.row_security_active('@extschema@.case_history') THEN
        RAISE EXCEPTION 'history_checkpoint() must read every history row'
            USING ERRCODE = '42501',
                  DETAIL = 'Row-level security hides some rows of case_history from this role.',
                  HINT = 'Take checkpoints as the table''s owner or as a role that bypasses row-level security.';
    END IF;
    LOCK TABLE @extschema@.case_history IN SHARE MODE;

    -- a checkpoint extends the last one, range by range: it never covers a
    -- changed row unseen
    SELECT w.ranges, w.range_sizes, w.root INTO previous FROM @extschema@.case_history_witness w
     ORDER BY w.tree_size DESC, w.taken_at DESC LIMIT 1;
    IF FOUND AND @extschema@.history_root(previous.ranges, previous.range_sizes) OPERATOR(pg_catalog.<>) previous.root THEN
        RAISE EXCEPTION 'the case history changed below its last checkpoint'
            USING ERRCODE = 'GG006',
                  DETAIL = pg_catalog.format('The %s no longer give the root of the last checkpoint in case_history_witness.',
                                             @extschema@.history_ranges_text(previous.ranges, previous.range_sizes)),
                  HINT = 'SELECT * FROM gridgov.verify_history(checkpoint), given that checkpoint, names the rows.';
    END IF;

    -- the rows of each range of entries (entry >> 48: a Citus worker's
    -- group; 0 alone on a single node)
    SELECT pg_catalog.array_agg(c.r ORDER BY c.r), pg_catalog.array_agg(c.n ORDER BY c.r) INTO ranges, sizes
      FROM (SELECT (h.entry OPERATOR(pg_catalog.>>) 48)::integer AS r, pg_catalog.count(*) AS n
              FROM @extschema@.case_history h GROUP BY 1) c;
    IF ranges IS NULL THEN
        ranges := '{0}';
        sizes := '{0}';
    END IF;
    -- the leaves of the rows above each range's last witnessed one
    FOR i IN 1 .. pg_catalog.cardinality(ranges) LOOP
        low := ranges[i]::bigint OPERATOR(pg_catalog.<<) 48;
        lows := lows OPERATOR(pg_catalog.||) COALESCE(
            (SELECT pg_catalog.max(w.entry) OPERATOR(pg_catalog.+) 1 FROM @extschema@.case_history_witness_leaf w
              WHERE w.entry OPERATOR(pg_catalog.>=) low AND w.entry OPERATOR(pg_catalog.<=) (low OPERATOR(pg_catalog.+) span)),
            low);
        highs := highs OPERATOR(pg_catalog.||) (low OPERATOR(pg_catalog.+) span);
    END LOOP;
    INSERT INTO @extschema@.case_history_witness_leaf (entry, district, case_id, seq, leaf)
    SELECT l.entry, l.district, l.case_id, l.seq, l.leaf FROM @extschema@.history_leaves(lows, highs) l;

    size := (SELECT pg_catalog.sum(n) FROM pg_catalog.unnest(sizes) n);
    root := @extschema@.history_root(ranges, sizes);
    result := pg_catalog.format(E'gridgov/%s\n%s\n%s\n', @extschema@.checkpoint_origin(), size, pg_catalog.encode(root, 'base64'));
    IF ranges OPERATOR(pg_catalog.<>) '{0}' THEN
        result := result OPERATOR(pg_catalog.||)
            (SELECT pg_catalog.string_agg(pg_catalog.format(E'range %s %s\n', r, n), '' ORDER BY r)
               FROM ROWS FROM (pg_catalog.unnest(ranges), pg_catalog.unnest(sizes)) x(r, n));
    END IF;
    INSERT INTO @extschema@.case_history_witness (tree_size, root, checkpoint, taken_at, taken_by, ranges, range_sizes)
    VALUES (size, root, result, pg_catalog.clock_timestamp(), CURRENT_USER, ranges, sizes);
    RETURN result;
END;
$$;
COMMENT ON FUNCTION @extschema@.history_checkpoint() IS
    'a checkpoint of the whole case history to keep outside the database: gridgov/ and the origin, the number of rows, their Merkle root in base64, three lines, then on Citus one line per range of entries (range, rows); recorded in case_history_witness';
-- Group roles and who may execute what (issue 13): gridgov_reader,
-- gridgov_handler, gridgov_administrator and gridgov_auditor join
-- gridgov_importer, created if missing; their grants; EXECUTE revoked from
-- PUBLIC on the internal helpers, the moves and verify_history (as sql/roles.sql).
-- ----------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT v.name, v.member_of, v.purpose
          FROM (VALUES
                ('gridgov_reader', NULL,
                 'gridgov: reads the registry, the configuration, the cases, the rollups, every view, KPI and map; grant it to BI and GIS logins'),
                ('gridgov_handler', 'gridgov_reader',
                 'gridgov: a reader who also reports cases and moves them through the lifecycle functions'),
                ('gridgov_administrator', 'gridgov_reader',
                 'gridgov: a reader who also manages units, categories, rules, service points, the calendar, the risk settings, organizations and people, and refreshes the rollups'),
                ('gridgov_auditor', NULL,
                 'gridgov: reads the cases and the histories of cases and units, and checks them with verify_history()'),
                ('gridgov_importer', NULL,
                 'gridgov: its members may give the time (not in the future) and the actor of reports and moves of cases'))
               AS v(name, member_of, purpose)
         WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles o WHERE o.rolname OPERATOR(pg_catalog.=) v.name)
    LOOP
        BEGIN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            -- another database's CREATE EXTENSION made it meanwhile: we
            -- waited for its commit on the name; its role is as good
            CONTINUE;
        END;
        EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
        IF r.member_of IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT %I TO %I', r.member_of, r.name);
        END IF;
    END LOOP;
END;
$$;

GRANT USAGE ON SCHEMA @extschema@
    TO gridgov_reader, gridgov_handler, gridgov_administrator, gridgov_auditor, gridgov_importer;

-- Readers: everything the dashboards, the maps, the KPIs, the case clock
-- and the coverage checks read, and the views themselves.  Not
-- person_contact (personal data, docs/people.md) nor unit_history.
GRANT SELECT ON @extschema@.unit, @extschema@.calendar_day, @extschema@.work_period,
                @extschema@.organization_kind, @extschema@.organization, @extschema@.organization_unit,
                @extschema@.person, @extschema@.role, @extschema@.post,
                @extschema@.category, @extschema@.service_point, @extschema@.category_rule,
                @extschema@.warning_rule, @extschema@.cases, @extschema@.case_history,
                @extschema@.kpi_daily, @extschema@.kpi_unit_daily,
                @extschema@.risk_setting, @extschema@.risk_weight, @extschema@.risk_color,
                @extschema@.risk_daily, @extschema@.risk_rollup,
                @extschema@.case_clock, @extschema@.daily_flow, @extschema@.unit_kpi_monthly,
                @extschema@.service_point_monthly, @extschema@.risk_map,
                @extschema@.grids_without_party_members, @extschema@.party_members_outside_grids,
                @extschema@.grids_without_branch, @extschema@.buildings_without_team,
                @extschema@.teams_breaking_rule, @extschema@.secretaries_without_reserves,
                @extschema@.coverage_summary
    TO gridgov_reader;

-- Handlers: intake (the engine appends the first history row as the
-- reporting role) and every move, through the move functions or an UPDATE
-- the triggers check.  The history only ever grows through the engine.
GRANT INSERT, UPDATE ON @extschema@.cases TO gridgov_handler;
GRANT INSERT ON @extschema@.case_history TO gridgov_handler;
GRANT USAGE ON SEQUENCE @extschema@.cases_id_seq TO gridgov_handler;

-- Administrators: the registry (whose edits keep the old version in
-- unit_history), the engine's configuration, the calendar, the risk
-- settings, organizations and people, and the rollups they refresh.
GRANT INSERT, UPDATE, DELETE ON @extschema@.unit, @extschema@.calendar_day, @extschema@.work_period,
                                @extschema@.organization_kind, @extschema@.organization,
                                @extschema@.organization_unit, @extschema@.person, @extschema@.role,
                                @extschema@.post, @extschema@.category, @extschema@.service_point,
                                @extschema@.category_rule, @extschema@.warning_rule,
                                @extschema@.risk_setting, @extschema@.risk_weight, @extschema@.risk_color,
                                @extschema@.kpi_daily, @extschema@.kpi_unit_daily,
                                @extschema@.risk_daily, @extschema@.risk_rollup
    TO gridgov_administrator;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.person_contact TO gridgov_administrator;
GRANT SELECT, INSERT ON @extschema@.unit_history TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.service_point_id_seq, @extschema@.organization_id_seq,
                        @extschema@.person_id_seq, @extschema@.post_id_seq
    TO gridgov_administrator;

-- Auditors: the cases and both histories, with the names to read them by.
GRANT SELECT ON @extschema@.cases, @extschema@.case_history, @extschema@.unit, @extschema@.unit_history,
                @extschema@.category, @extschema@.service_point
    TO gridgov_auditor;

-- Functions.  Every function is executable by PUBLIC (as PostgreSQL makes
-- them) but these.  Internal steps of other functions, not an interface:
-- apply_move (the move functions' UPDATE), history_field, content_digest
-- and history_hash (verify_history's recomputation), working_span
-- (case_clock's), and the trigger functions (a trigger runs its function
-- without asking for EXECUTE; nobody else needs it).  And the functions
-- that exist only to write or audit: the moves, the sweep and
-- verify_history, so that a role without the group role hears so by the
-- function's name.  Each goes to the group roles whose work calls it.
REVOKE EXECUTE ON FUNCTION
    @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text),
    @extschema@.accept(bigint, text, timestamptz, text),
    @extschema@.reject(bigint, text, timestamptz, text),
    @extschema@.merge(bigint, bigint, timestamptz, text),
    @extschema@.dispatch(bigint, integer, timestamptz, text),
    @extschema@.start(bigint, timestamptz, text),
    @extschema@.return_case(bigint, text, timestamptz, text),
    @extschema@.extend(bigint, timestamptz, text, timestamptz, text),
    @extschema@.suspend(bigint, text, timestamptz, text),
    @extschema@.resume(bigint, timestamptz, text),
    @extschema@.resolve(bigint, text, timestamptz, text),
    @extschema@.verify(bigint, text, timestamptz, text),
    @extschema@.reopen(bigint, text, timestamptz, text),
    @extschema@.close(bigint, integer, text, timestamptz, text),
    @extschema@.escalate(bigint, text, integer, timestamptz, text),
    @extschema@.escalate_overdue(timestamptz),
    @extschema@.history_field(text),
    @extschema@.content_digest(@extschema@.cases),
    @extschema@.history_hash(bytea, @extschema@.case_history),
    @extschema@.verify_history(),
    @extschema@.working_span(timestamptz, timestamptz, text),
    @extschema@.unit_keep_history(),
    @extschema@.invalidate_cache(),
    @extschema@.organization_check(),
    @extschema@.organization_unit_check(),
    @extschema@.organization_unit_release(),
    @extschema@.post_check(),
    @extschema@.case_before_insert(),
    @extschema@.case_after_intake(),
    @extschema@.case_before_update(),
    @extschema@.case_after_change(),
    @extschema@.case_history_refuse_change()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.working_span(timestamptz, timestamptz, text) TO gridgov_reader;
GRANT EXECUTE ON FUNCTION
    @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text),
    @extschema@.accept(bigint, text, timestamptz, text),
    @extschema@.reject(bigint, text, timestamptz, text),
    @extschema@.merge(bigint, bigint, timestamptz, text),
    @extschema@.dispatch(bigint, integer, timestamptz, text),
    @extschema@.start(bigint, timestamptz, text),
    @extschema@.return_case(bigint, text, timestamptz, text),
    @extschema@.extend(bigint, timestamptz, text, timestamptz, text),
    @extschema@.suspend(bigint, text, timestamptz, text),
    @extschema@.resume(bigint, timestamptz, text),
    @extschema@.resolve(bigint, text, timestamptz, text),
    @extschema@.verify(bigint, text, timestamptz, text),
    @extschema@.reopen(bigint, text, timestamptz, text),
    @extschema@.close(bigint, integer, text, timestamptz, text),
    @extschema@.escalate(bigint, text, integer, timestamptz, text),
    @extschema@.escalate_overdue(timestamptz)
    TO gridgov_handler;
GRANT EXECUTE ON FUNCTION
    @extschema@.history_field(text),
    @extschema@.content_digest(@extschema@.cases),
    @extschema@.history_hash(bytea, @extschema@.case_history),
    @extschema@.verify_history()
    TO gridgov_auditor;

-- The calendar's years for the group roles (issue 14), as sql/roles.sql.
GRANT SELECT ON @extschema@.calendar_year, @extschema@.calendar_years TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.calendar_year TO gridgov_administrator;

-- Rollups that stay current (issue 14): a new pillar, sql/rollup.sql: the
-- log of changed (day, unit) pairs, its triggers on cases, and
-- refresh_rollups(), which recomputes those pairs only.
CREATE TABLE @extschema@.rollup_change (
    day     date NOT NULL,
    unit    @extschema@.gridcode NOT NULL
);
COMMENT ON TABLE @extschema@.rollup_change IS
    'the (day, unit) pairs whose cases changed since refresh_rollups() last ran: appended by every statement on cases, consumed by the refresh';
COMMENT ON COLUMN @extschema@.rollup_change.day IS 'the day the changed cases were reported, in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.rollup_change.unit IS 'the changed cases'' unit';

CREATE TABLE @extschema@.rollup_state (
    only_row    boolean PRIMARY KEY DEFAULT true CONSTRAINT rollup_state_one_row CHECK (only_row),
    as_of       timestamptz NOT NULL,
    timezone    text NOT NULL,
    refreshed_at timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.rollup_state IS
    'where refresh_rollups() left kpi_daily and kpi_unit_daily: counted at as_of in this zone';
COMMENT ON COLUMN @extschema@.rollup_state.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN @extschema@.rollup_state.as_of IS 'the as_of of the last refresh: its open and overdue cases are counted at it';
COMMENT ON COLUMN @extschema@.rollup_state.timezone IS 'the calendar zone of the rollups'' days at the last refresh';
COMMENT ON COLUMN @extschema@.rollup_state.refreshed_at IS 'when refresh_rollups() last ran';

-- Both are kept by pg_dump with the rollups they describe: a restore goes
-- on from where the dump left off.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_change', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_state', '');

-- "Which open cases passed their deadline between two refreshes" is a
-- range of this index.
CREATE INDEX cases_stage_deadline ON @extschema@.cases (stage_deadline) WHERE stage_deadline IS NOT NULL;

-- A statement trigger, over the statement's transition table: one INSERT
-- of the distinct pairs per statement, however many rows it wrote, as the
-- log's owner (src/rollup.c): writers of cases need no grant on it.  The
-- log is appended to, never updated, so writers never wait for each other
-- or for a refresh.
CREATE FUNCTION @extschema@.rollup_note_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rollup_note_change' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.rollup_note_change() IS
    'AFTER ... FOR EACH STATEMENT trigger on cases: notes the (day, unit) pairs of the statement''s cases in rollup_change';

-- ENABLE ALWAYS: rows that logical replication or a restore applies change
-- the rollups too.
CREATE TRIGGER gridgov_rollup_insert AFTER INSERT ON @extschema@.cases
    REFERENCING NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.rollup_note_change();
ALTER TABLE @extschema@.cases ENABLE ALWAYS TRIGGER gridgov_rollup_insert;
CREATE TRIGGER gridgov_rollup_update AFTER UPDATE ON @extschema@.cases
    REFERENCING NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.rollup_note_change();
ALTER TABLE @extschema@.cases ENABLE ALWAYS TRIGGER gridgov_rollup_update;
CREATE TRIGGER gridgov_rollup_delete AFTER DELETE ON @extschema@.cases
    REFERENCING OLD TABLE AS gridgov_old_cases
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.rollup_note_change();
ALTER TABLE @extschema@.cases ENABLE ALWAYS TRIGGER gridgov_rollup_delete;

-- The refresh.  The pairs are taken out of the log by one DELETE, and the
-- cases read by later statements: a writer whose pair the DELETE did not see
-- (not yet committed) leaves it for the next refresh, one it did see has
-- committed, so the reads see its cases (READ COMMITTED: each statement
-- takes a new snapshot; other isolation levels are refused).
CREATE FUNCTION @extschema@.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    state @extschema@.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO state FROM @extschema@.rollup_state;

    CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_pairs (day date, unit @extschema@.gridcode) ON COMMIT DROP;
    TRUNCATE gridgov_rollup_pairs;
    WITH taken AS (DELETE FROM @extschema@.rollup_change RETURNING day, unit)
    INSERT INTO gridgov_rollup_pairs SELECT DISTINCT day, unit FROM taken;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM @extschema@.cases c;
        PERFORM @extschema@.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM @extschema@.kpi_daily;
    ELSE
        -- open cases whose deadline passed between the two as_of
        INSERT INTO gridgov_rollup_pairs
        SELECT DISTINCT pg_catalog.timezone(zone, c.reported_at)::date, c.unit
          FROM @extschema@.cases c
         WHERE c.stage_deadline IS NOT NULL
           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p;
        -- a few hundred pairs: with their true count the planner reads each
        -- pair's cases by index instead of hashing every case
        ANALYZE gridgov_rollup_pairs;

        DELETE FROM @extschema@.kpi_daily d USING gridgov_rollup_pairs p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(@extschema@.=) p.unit;
        -- each pair's cases by index (unit, category, reported_at): a lateral
        -- aggregate is run per pair, where a join of a few hundred pairs
        -- with the cases is planned as a hash of every case
        INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
        SELECT p.day, p.unit, k.category, k.kpi
          FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p
         CROSS JOIN LATERAL (
                SELECT c.category, @extschema@.kpi(c, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.category) k;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_above (day date, unit @extschema@.gridcode, level integer) ON COMMIT DROP;
        TRUNCATE gridgov_rollup_above;
        INSERT INTO gridgov_rollup_above
        SELECT DISTINCT p.day, @extschema@.ancestor(p.unit, l.level), l.level
          FROM gridgov_rollup_pairs p
         CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(p.unit), 6)) AS l(level);
        ANALYZE gridgov_rollup_above;
        DELETE FROM @extschema@.kpi_unit_daily d USING gridgov_rollup_above a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit;
        INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, @extschema@.kpi_merge(d.kpi)
          FROM gridgov_rollup_above a
          JOIN @extschema@.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (a union of two joins, not a join of a union or a lateral
        -- subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, @extschema@.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(@extschema@.<@) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                       AND @extschema@.level(u.unit) OPERATOR(pg_catalog.=) (above_level OPERATOR(pg_catalog.+) 1)
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;
    END IF;
    INSERT INTO @extschema@.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;

    -- the risk rollup: the pairs of the days it holds, then the days that
    -- have ended since
    through := @extschema@.risk_rollup_through();
    IF through IS NULL THEN
        PERFORM @extschema@.refresh_risk_daily(NULL, yesterday);
    ELSE
        LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
        DELETE FROM @extschema@.risk_daily r USING gridgov_rollup_pairs p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(@extschema@.=) p.unit
           AND p.day OPERATOR(pg_catalog.<=) through;
        INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass)
        SELECT p.day, p.unit, r.severity, r.cases, r.mass
          FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs WHERE day OPERATOR(pg_catalog.<=) through) p
         CROSS JOIN LATERAL (
                SELECT c.severity, pg_catalog.count(*) AS cases,
                       pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(p.day) OPERATOR(pg_catalog.-) c.reported_at)::float8,
                                                             half_life_seconds)) AS mass
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(p.day OPERATOR(pg_catalog.-) 1)
                   AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(p.day)
                   AND c.status NOT IN ('rejected', 'merged')
                 GROUP BY c.district, c.severity) r;
        IF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM @extschema@.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    RETURN pairs;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_rollups(timestamptz) IS
    'bring kpi_daily, kpi_unit_daily and risk_daily up to date at as_of, recomputing only the (day, unit) pairs whose cases changed or passed a deadline since the last call (the first call rebuilds); returns the pairs recomputed';

GRANT SELECT, INSERT, DELETE ON @extschema@.rollup_change TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION @extschema@.rollup_note_change() FROM PUBLIC;
GRANT SELECT ON @extschema@.rollup_state TO gridgov_reader;
GRANT INSERT, UPDATE ON @extschema@.rollup_state TO gridgov_administrator;

-- The jobs of the background worker (issue 14): a new pillar,
-- sql/worker.sql: one function per periodic task, the table gridgov.job
-- that the worker of src/worker.c runs, job_run and the view job_status.
CREATE FUNCTION @extschema@.job_escalation_sweep() RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT pg_catalog.count(*) FROM @extschema@.escalate_overdue(pg_catalog.now());
END;
COMMENT ON FUNCTION @extschema@.job_escalation_sweep() IS
    'job: escalate every case past its stage deadline (escalate_overdue at now); returns how many';

-- Early warning (预警): the open stages that have used 80% of their limit
-- and are not overdue yet, told to listeners of gridgov_early_warning (one
-- notification per round, the cases' ids; no place or person).
CREATE FUNCTION @extschema@.job_early_warning() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT pg_catalog.array_agg(k.id ORDER BY k.id) INTO ids
      FROM @extschema@.case_clock(pg_catalog.now()) k WHERE k.light OPERATOR(pg_catalog.=) 'yellow';
    IF ids IS NOT NULL THEN
        PERFORM pg_catalog.pg_notify('gridgov_early_warning', pg_catalog.json_build_object('cases', ids)::text);
    END IF;
    RETURN COALESCE(pg_catalog.cardinality(ids), 0);
END;
$$;
COMMENT ON FUNCTION @extschema@.job_early_warning() IS
    'job: notify gridgov_early_warning of the open stages past 80% of their limit and not yet overdue (yellow); returns how many';

CREATE FUNCTION @extschema@.job_rollups() RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT @extschema@.refresh_rollups(pg_catalog.now());
END;
COMMENT ON FUNCTION @extschema@.job_rollups() IS
    'job: refresh_rollups() at now, the KPI and risk rollups of the days and units that changed; returns the pairs recomputed';

CREATE FUNCTION @extschema@.job_calendar_horizon() RETURNS integer
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    days_left integer := @extschema@.calendar_horizon() OPERATOR(pg_catalog.-)
                         pg_catalog.timezone(@extschema@.calendar_timezone(), pg_catalog.now())::date;
BEGIN
    IF days_left IS NULL OR days_left OPERATOR(pg_catalog.<) 60 THEN
        RAISE WARNING 'the working calendar holds the holidays up to %, % days from today',
                      COALESCE(@extschema@.calendar_horizon()::text, 'no year'), COALESCE(days_left::text, 'no')
            USING HINT = 'Load the next year''s schedule from the State Council''s notice with gridgov.load_calendar_year().';
    END IF;
    RETURN days_left;
END;
$$;
COMMENT ON FUNCTION @extschema@.job_calendar_horizon() IS
    'job: the days left before calendar_horizon(); a WARNING (in the server log, for the worker) when fewer than 60 remain';

CREATE TABLE @extschema@.job (
    name        text PRIMARY KEY CONSTRAINT job_name_form CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    function    regproc NOT NULL,
    period      interval NOT NULL CONSTRAINT job_period_positive CHECK (period OPERATOR(pg_catalog.>=) interval '1 second'),
    enabled     boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE @extschema@.job IS
    'the background worker''s jobs: each function, taking no argument, runs every period while enabled';
COMMENT ON COLUMN @extschema@.job.name IS 'the job''s name, such as escalation_sweep';
COMMENT ON COLUMN @extschema@.job.function IS 'the function the job calls, without arguments, such as gridgov.job_escalation_sweep';
COMMENT ON COLUMN @extschema@.job.period IS 'how often it runs: from the start of one run to the start of the next (1 second at least)';
COMMENT ON COLUMN @extschema@.job.enabled IS 'false: the worker leaves it';

INSERT INTO @extschema@.job (name, function, period) VALUES
    ('escalation_sweep', '@extschema@.job_escalation_sweep', '1 minute'),
    ('early_warning', '@extschema@.job_early_warning', '5 minutes'),
    ('rollups', '@extschema@.job_rollups', '10 minutes'),
    ('calendar_horizon', '@extschema@.job_calendar_horizon', '1 day');
-- pg_dump keeps the jobs a user added, not the four above (CREATE
-- EXTENSION puts them back; dumping them would make the restore's COPY fail
-- on their keys): a change to one of them is re-applied after a restore.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.job',
           'WHERE name NOT IN (''escalation_sweep'', ''early_warning'', ''rollups'', ''calendar_horizon'')');

CREATE TABLE @extschema@.job_run (
    name        text PRIMARY KEY REFERENCES @extschema@.job ON DELETE CASCADE ON UPDATE CASCADE,
    started_at  timestamptz NOT NULL,
    duration    interval,
    sqlstate    text,
    message     text,
    failures    integer NOT NULL DEFAULT 0,
    next_run    timestamptz NOT NULL
);
COMMENT ON TABLE @extschema@.job_run IS 'the last run of each job by the background worker, and when it runs next';
COMMENT ON COLUMN @extschema@.job_run.name IS 'the job';
COMMENT ON COLUMN @extschema@.job_run.started_at IS 'when its last run started';
COMMENT ON COLUMN @extschema@.job_run.duration IS 'how long its last run took; NULL while it runs';
COMMENT ON COLUMN @extschema@.job_run.sqlstate IS 'the outcome: 00000 for success, else the SQLSTATE of the error';
COMMENT ON COLUMN @extschema@.job_run.message IS 'the error''s message, NULL after a success';
COMMENT ON COLUMN @extschema@.job_run.failures IS 'failures in a row: the next run waits period times 2 to that power (at most 64 periods, at most a day)';
COMMENT ON COLUMN @extschema@.job_run.next_run IS 'when the worker runs it next';

CREATE VIEW @extschema@.job_status WITH (security_invoker = true) AS
SELECT j.name, j.function, j.period, j.enabled, r.started_at AS last_run, r.duration,
       r.sqlstate AS outcome, r.message, r.failures, r.next_run
  FROM @extschema@.job j LEFT JOIN @extschema@.job_run r ON r.name OPERATOR(pg_catalog.=) j.name;
COMMENT ON VIEW @extschema@.job_status IS 'each job with its last run, duration, outcome and next run';
COMMENT ON COLUMN @extschema@.job_status.name IS 'the job';
COMMENT ON COLUMN @extschema@.job_status.function IS 'the function it calls';
COMMENT ON COLUMN @extschema@.job_status.period IS 'how often it runs';
COMMENT ON COLUMN @extschema@.job_status.enabled IS 'whether the worker runs it';
COMMENT ON COLUMN @extschema@.job_status.last_run IS 'when its last run started; NULL before the first';
COMMENT ON COLUMN @extschema@.job_status.duration IS 'how long its last run took';
COMMENT ON COLUMN @extschema@.job_status.outcome IS '00000 after a success, else the SQLSTATE of the error';
COMMENT ON COLUMN @extschema@.job_status.message IS 'the error''s message';
COMMENT ON COLUMN @extschema@.job_status.failures IS 'failures in a row';
COMMENT ON COLUMN @extschema@.job_status.next_run IS 'when it runs next';

GRANT SELECT ON @extschema@.job, @extschema@.job_run, @extschema@.job_status TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.job TO gridgov_administrator;
-- ----------------------------------------------------------------------
-- Checkpoints and the group roles (issue 13): auditors verify checkpoints;
-- taking one is for the history's owner (as the end of sql/roles.sql).
-- ----------------------------------------------------------------------
GRANT SELECT ON @extschema@.case_history_witness, @extschema@.case_history_witness_leaf TO gridgov_auditor;
REVOKE EXECUTE ON FUNCTION
    @extschema@.history_checkpoint(),
    @extschema@.history_changes(integer[], bigint[], bytea),
    @extschema@.history_leaves(bigint[], bigint[]),
    @extschema@.history_range_bounds(integer[], bigint[], boolean),
    @extschema@.history_ranges_check(integer[], bigint[]),
    @extschema@.history_ranges_text(integer[], bigint[]),
    @extschema@.history_root(bigint),
    @extschema@.history_root(integer[], bigint[]),
    @extschema@.verify_history(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.history_changes(integer[], bigint[], bytea),
    @extschema@.history_leaves(bigint[], bigint[]),
    @extschema@.history_range_bounds(integer[], bigint[], boolean),
    @extschema@.history_ranges_check(integer[], bigint[]),
    @extschema@.history_ranges_text(integer[], bigint[]),
    @extschema@.history_root(bigint),
    @extschema@.history_root(integer[], bigint[]),
    @extschema@.verify_history(text)
    TO gridgov_auditor;

-- Access by jurisdiction (issue 13): grants of units and categories to roles,
-- row-level security on every table of jurisdiction data decided by C tests of
-- the session role's grants (sql/access.sql, src/access.c), BI views with
-- security_invoker, reporters' contacts masked, retention.
CREATE TABLE @extschema@.jurisdiction_grant (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    grantee     regrole NOT NULL,
    unit        @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    function    text NOT NULL
                CONSTRAINT jurisdiction_grant_function CHECK (function OPERATOR(pg_catalog.=) ANY
                    (ARRAY['handler', 'viewer', 'administrator', 'auditor'])),
    valid       tstzrange NOT NULL DEFAULT pg_catalog.tstzrange(pg_catalog.now(), NULL)
                CONSTRAINT jurisdiction_grant_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    granted_by  regrole NOT NULL DEFAULT CURRENT_USER::regrole,
    note        text,
    CONSTRAINT jurisdiction_grant_no_overlap EXCLUDE USING gist (
        (grantee::pg_catalog.oid) WITH OPERATOR(pg_catalog.=),
        (unit::pg_catalog.int8) WITH OPERATOR(pg_catalog.=),
        function WITH OPERATOR(pg_catalog.=),
        valid WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE @extschema@.jurisdiction_grant IS
    'units of the jurisdiction tree granted to roles, each with a function and a period; grant_jurisdiction and revoke_jurisdiction write it';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.id IS 'the grant''s number';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.grantee IS
    'the role granted; its members that inherit its privileges hold the grant too';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.unit IS 'the unit granted, with everything under it';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.function IS
    'handler (sees, reports and moves cases, sees reporters'' contacts), viewer (sees), administrator (sees; edits units, organizations, people and grants) or auditor (sees, and sees the grants)';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.valid IS
    'when the grant holds: from its start (inclusive) to its end (exclusive, NULL for none)';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.granted_by IS 'the role that made the grant';
COMMENT ON COLUMN @extschema@.jurisdiction_grant.note IS 'why, free text';
CREATE INDEX jurisdiction_grant_unit_idx ON @extschema@.jurisdiction_grant (unit);

CREATE TABLE @extschema@.category_grant (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    grantee     regrole NOT NULL,
    category    text NOT NULL REFERENCES @extschema@.category (code) ON DELETE CASCADE,
    unit        @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    function    text NOT NULL
                CONSTRAINT category_grant_function CHECK (function OPERATOR(pg_catalog.=) ANY
                    (ARRAY['handler', 'viewer', 'administrator', 'auditor'])),
    valid       tstzrange NOT NULL DEFAULT pg_catalog.tstzrange(pg_catalog.now(), NULL)
                CONSTRAINT category_grant_valid_not_empty CHECK (NOT pg_catalog.isempty(valid)),
    granted_by  regrole NOT NULL DEFAULT CURRENT_USER::regrole,
    note        text,
    CONSTRAINT category_grant_no_overlap EXCLUDE USING gist (
        (grantee::pg_catalog.oid) WITH OPERATOR(pg_catalog.=),
        category WITH OPERATOR(pg_catalog.=),
        (unit::pg_catalog.int8) WITH OPERATOR(pg_catalog.=),
        function WITH OPERATOR(pg_catalog.=),
        valid WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE @extschema@.category_grant IS
    'categories granted to the roles of functional departments (条) under a unit (块), usually a district; grant_category and revoke_category write it';
COMMENT ON COLUMN @extschema@.category_grant.id IS 'the grant''s number';
COMMENT ON COLUMN @extschema@.category_grant.grantee IS
    'the role granted; its members that inherit its privileges hold the grant too';
COMMENT ON COLUMN @extschema@.category_grant.category IS 'the category granted';
COMMENT ON COLUMN @extschema@.category_grant.unit IS 'where: the cases of the category under this unit';
COMMENT ON COLUMN @extschema@.category_grant.function IS
    'handler, viewer, administrator or auditor, as in jurisdiction_grant, for the category''s cases only';
COMMENT ON COLUMN @extschema@.category_grant.valid IS
    'when the grant holds: from its start (inclusive) to its end (exclusive, NULL for none)';
COMMENT ON COLUMN @extschema@.category_grant.granted_by IS 'the role that made the grant';
COMMENT ON COLUMN @extschema@.category_grant.note IS 'why, free text';
CREATE INDEX category_grant_unit_idx ON @extschema@.category_grant (unit);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.jurisdiction_grant', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.category_grant', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.jurisdiction_grant', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.category_grant', 'id')::regclass, '');

-- Every backend's memory of grants follows the tables (src/cache.c).
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.jurisdiction_grant
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.jurisdiction_grant ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.category_grant
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.category_grant ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

-- The policies' tests (src/access.c).  STABLE: the grants are read once per
-- transaction, at its now().
CREATE FUNCTION @extschema@.jurisdiction_visible(unit @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_visible' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_visible(@extschema@.gridcode) IS
    'whether the current role holds a grant of unit or a unit above it, of any function, now';
CREATE FUNCTION @extschema@.jurisdiction_visible(unit @extschema@.gridcode, category text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_visible_category' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_visible(@extschema@.gridcode, text) IS
    'whether the current role holds a grant of unit or a unit above it, or of the category there, of any function, now';
CREATE FUNCTION @extschema@.jurisdiction_holds(unit @extschema@.gridcode, function text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_holds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_holds(@extschema@.gridcode, text) IS
    'whether the current role holds the function (handler, viewer, administrator, auditor) on unit or a unit above it, now';
CREATE FUNCTION @extschema@.jurisdiction_holds(unit @extschema@.gridcode, function text, category text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_holds' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_holds(@extschema@.gridcode, text, text) IS
    'whether the current role holds the function on unit or a unit above it, or on the category there, now';
CREATE FUNCTION @extschema@.jurisdiction_covers(unit @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_covers' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_covers(@extschema@.gridcode) IS
    'whether unit is visible to the current role or lies above a unit it was granted (categories included): the units of its breadcrumbs';

-- Granting and revoking.  They run with the caller's rights: the owner
-- grants anywhere, an administrator under its own units (the policies,
-- which refuse any other grant with 42501 before the foreign key refuses
-- an unregistered unit with 23503).
CREATE FUNCTION @extschema@.check_jurisdiction_function(function text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF function IS NULL OR function OPERATOR(pg_catalog.<>) ALL (ARRAY['handler', 'viewer', 'administrator', 'auditor']) THEN
        RAISE EXCEPTION '"%" is not a jurisdiction function', function
            USING ERRCODE = '22023', HINT = 'The functions are handler, viewer, administrator and auditor.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_jurisdiction_function(text) IS
    'true for handler, viewer, administrator and auditor; any other function (or NULL) is refused with 22023';

CREATE FUNCTION @extschema@.grant_jurisdiction(grantee regrole, unit @extschema@.gridcode,
                                               function text DEFAULT 'viewer',
                                               valid tstzrange DEFAULT pg_catalog.tstzrange(pg_catalog.now(), NULL),
                                               note text DEFAULT NULL)
    RETURNS @extschema@.jurisdiction_grant
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    granted @extschema@.jurisdiction_grant;
BEGIN
    PERFORM @extschema@.check_jurisdiction_function(function);
    IF grantee IS NULL OR unit IS NULL OR valid IS NULL THEN
        RAISE EXCEPTION 'grant_jurisdiction needs a role, a unit and a period, not NULL' USING ERRCODE = '22004';
    END IF;
    INSERT INTO @extschema@.jurisdiction_grant AS g (grantee, unit, function, valid, note)
    VALUES (grantee, unit, function, valid, note)
    RETURNING g.* INTO granted;
    RETURN granted;
END;
$$;
COMMENT ON FUNCTION @extschema@.grant_jurisdiction(regrole, @extschema@.gridcode, text, tstzrange, text) IS
    'grant a role a unit with a function (handler, viewer, administrator or auditor) for a period, from now on by default; returns the grant';

CREATE FUNCTION @extschema@.revoke_jurisdiction(grantee regrole, unit @extschema@.gridcode, function text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    ended bigint;
    dropped bigint;
BEGIN
    IF function IS NOT NULL THEN
        PERFORM @extschema@.check_jurisdiction_function(function);
    END IF;
    -- a grant in force ends now, and stays on record; one yet to start goes
    UPDATE @extschema@.jurisdiction_grant g
       SET valid = pg_catalog.tstzrange(pg_catalog.lower(g.valid), pg_catalog.now())
     WHERE g.grantee OPERATOR(pg_catalog.=) revoke_jurisdiction.grantee
       AND g.unit OPERATOR(@extschema@.=) revoke_jurisdiction.unit
       AND (revoke_jurisdiction.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_jurisdiction.function)
       AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()
       AND pg_catalog.lower(g.valid) OPERATOR(pg_catalog.<) pg_catalog.now();
    GET DIAGNOSTICS ended = ROW_COUNT;
    DELETE FROM @extschema@.jurisdiction_grant g
     WHERE g.grantee OPERATOR(pg_catalog.=) revoke_jurisdiction.grantee
       AND g.unit OPERATOR(@extschema@.=) revoke_jurisdiction.unit
       AND (revoke_jurisdiction.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_jurisdiction.function)
       AND (pg_catalog.lower(g.valid) OPERATOR(pg_catalog.>=) pg_catalog.now()
            OR pg_catalog.lower_inf(g.valid) AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now());
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN ended OPERATOR(pg_catalog.+) dropped;
END;
$$;
COMMENT ON FUNCTION @extschema@.revoke_jurisdiction(regrole, @extschema@.gridcode, text) IS
    'end now the role''s grants of the unit (of one function, or all): a grant in force keeps its record with its period ended; returns the grants ended or removed';

CREATE FUNCTION @extschema@.grant_category(grantee regrole, category text, unit @extschema@.gridcode,
                                           function text DEFAULT 'handler',
                                           valid tstzrange DEFAULT pg_catalog.tstzrange(pg_catalog.now(), NULL),
                                           note text DEFAULT NULL)
    RETURNS @extschema@.category_grant
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    granted @extschema@.category_grant;
BEGIN
    PERFORM @extschema@.check_jurisdiction_function(function);
    IF grantee IS NULL OR category IS NULL OR unit IS NULL OR valid IS NULL THEN
        RAISE EXCEPTION 'grant_category needs a role, a category, a unit and a period, not NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.category c WHERE c.code OPERATOR(pg_catalog.=) category) THEN
        RAISE EXCEPTION 'category "%" does not exist', category
            USING ERRCODE = '23503', HINT = 'Grant a category of gridgov.category.';
    END IF;
    INSERT INTO @extschema@.category_grant AS g (grantee, category, unit, function, valid, note)
    VALUES (grantee, category, unit, function, valid, note)
    RETURNING g.* INTO granted;
    RETURN granted;
END;
$$;
COMMENT ON FUNCTION @extschema@.grant_category(regrole, text, @extschema@.gridcode, text, tstzrange, text) IS
    'grant a functional department''s role the cases of a category under a unit, with a function (handler by default) for a period; returns the grant';

CREATE FUNCTION @extschema@.revoke_category(grantee regrole, category text, unit @extschema@.gridcode,
                                            function text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    ended bigint;
    dropped bigint;
BEGIN
    IF function IS NOT NULL THEN
        PERFORM @extschema@.check_jurisdiction_function(function);
    END IF;
    UPDATE @extschema@.category_grant g
       SET valid = pg_catalog.tstzrange(pg_catalog.lower(g.valid), pg_catalog.now())
     WHERE g.grantee OPERATOR(pg_catalog.=) revoke_category.grantee
       AND g.category OPERATOR(pg_catalog.=) revoke_category.category
       AND g.unit OPERATOR(@extschema@.=) revoke_category.unit
       AND (revoke_category.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_category.function)
       AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()
       AND pg_catalog.lower(g.valid) OPERATOR(pg_catalog.<) pg_catalog.now();
    GET DIAGNOSTICS ended = ROW_COUNT;
    DELETE FROM @extschema@.category_grant g
     WHERE g.grantee OPERATOR(pg_catalog.=) revoke_category.grantee
       AND g.category OPERATOR(pg_catalog.=) revoke_category.category
       AND g.unit OPERATOR(@extschema@.=) revoke_category.unit
       AND (revoke_category.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_category.function)
       AND (pg_catalog.lower(g.valid) OPERATOR(pg_catalog.>=) pg_catalog.now()
            OR pg_catalog.lower_inf(g.valid) AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now());
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN ended OPERATOR(pg_catalog.+) dropped;
END;
$$;
COMMENT ON FUNCTION @extschema@.revoke_category(regrole, text, @extschema@.gridcode, text) IS
    'end now the role''s grants of the category under the unit (of one function, or all), as revoke_jurisdiction; returns the grants ended or removed';

-- Who holds what now, both kinds of grant, with the unit's name.
CREATE VIEW @extschema@.jurisdiction_holders WITH (security_invoker = true) AS
SELECT g.grantee, g.unit, u.name AS unit_name, NULL::text AS category, g.function, g.valid, g.granted_by, g.note
  FROM @extschema@.jurisdiction_grant g
  LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) g.unit
 WHERE g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()
UNION ALL
SELECT g.grantee, g.unit, u.name, g.category, g.function, g.valid, g.granted_by, g.note
  FROM @extschema@.category_grant g
  LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) g.unit
 WHERE g.valid OPERATOR(pg_catalog.@>) pg_catalog.now();
COMMENT ON VIEW @extschema@.jurisdiction_holders IS
    'the grants in force now, of units and of categories: who holds which function where';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.grantee IS 'the role granted';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.unit IS 'the unit granted, with everything under it';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.unit_name IS 'the unit''s name, when the reader may see the unit';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.category IS 'the category granted; NULL for a grant of the unit''s every case';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.function IS 'handler, viewer, administrator or auditor';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.valid IS 'the grant''s period';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.granted_by IS 'the role that made the grant';
COMMENT ON COLUMN @extschema@.jurisdiction_holders.note IS 'why';

-- Row-level security.  The grants: a role sees its own (and those of the
-- roles it inherits from); administrators and auditors see those under
-- their units; administrators write those under their units.
ALTER TABLE @extschema@.jurisdiction_grant ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.jurisdiction_grant FOR SELECT
    USING (pg_catalog.pg_has_role(grantee::pg_catalog.oid, 'USAGE')
           OR @extschema@.jurisdiction_holds(unit, 'administrator')
           OR @extschema@.jurisdiction_holds(unit, 'auditor'));
CREATE POLICY gridgov_insert ON @extschema@.jurisdiction_grant FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.jurisdiction_grant FOR UPDATE
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.jurisdiction_grant FOR DELETE
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.category_grant ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.category_grant FOR SELECT
    USING (pg_catalog.pg_has_role(grantee::pg_catalog.oid, 'USAGE')
           OR @extschema@.jurisdiction_holds(unit, 'administrator')
           OR @extschema@.jurisdiction_holds(unit, 'auditor'));
CREATE POLICY gridgov_insert ON @extschema@.category_grant FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.category_grant FOR UPDATE
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.category_grant FOR DELETE
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'));

-- Units: a role sees the units under its grants and those above them (the
-- breadcrumbs); administrators edit those under their units.
ALTER TABLE @extschema@.unit ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.unit FOR SELECT
    USING (@extschema@.jurisdiction_covers(code));
CREATE POLICY gridgov_insert ON @extschema@.unit FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(code, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.unit FOR UPDATE
    USING (@extschema@.jurisdiction_covers(code))
    WITH CHECK (@extschema@.jurisdiction_holds(code, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.unit FOR DELETE
    USING (@extschema@.jurisdiction_holds(code, 'administrator'));
ALTER TABLE @extschema@.unit_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.unit_history FOR SELECT
    USING (@extschema@.jurisdiction_covers(code));
CREATE POLICY gridgov_insert ON @extschema@.unit_history FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(code, 'administrator'));

-- Cases: seen under a grant of their unit or of their category there;
-- reported and moved by handlers.  Nobody but the owner deletes one (its
-- history refers to it).
ALTER TABLE @extschema@.cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.cases FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit, category));
CREATE POLICY gridgov_insert ON @extschema@.cases FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler', category));
CREATE POLICY gridgov_update ON @extschema@.cases FOR UPDATE
    USING (@extschema@.jurisdiction_visible(unit, category))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler', category));
-- The history of the cases the role sees: one hashed list of their
-- numbers per query (the cases' own policy applies), not a query per row.
-- Only the engine appends to it, as the owner.
ALTER TABLE @extschema@.case_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.case_history FOR SELECT
    USING (case_id IN (SELECT c.id FROM @extschema@.cases c));

-- The rollups: a unit's rows under a grant of the unit; kpi_daily's, per
-- category, under a grant of the category too.  Written by the owner and
-- by administrators of every unit they write: a refresh by an administrator
-- of less than the whole tree is refused (42501) when it reaches a row
-- above its units, rather than leave rollups of part of the cases.
ALTER TABLE @extschema@.kpi_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.kpi_daily FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit, category));
CREATE POLICY gridgov_write ON @extschema@.kpi_daily FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.kpi_unit_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.kpi_unit_daily FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_write ON @extschema@.kpi_unit_daily FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.risk_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.risk_daily FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_write ON @extschema@.risk_daily FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));

-- Organizations: seen where their anchor is covered (the committees above
-- a community show in its breadcrumbs), their coverage and posts under a
-- grant; edited by administrators.
ALTER TABLE @extschema@.organization ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.organization FOR SELECT
    USING (@extschema@.jurisdiction_covers(anchor));
CREATE POLICY gridgov_insert ON @extschema@.organization FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(anchor, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.organization FOR UPDATE
    USING (@extschema@.jurisdiction_covers(anchor))
    WITH CHECK (@extschema@.jurisdiction_holds(anchor, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.organization FOR DELETE
    USING (@extschema@.jurisdiction_holds(anchor, 'administrator'));
ALTER TABLE @extschema@.organization_unit ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.organization_unit FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_insert ON @extschema@.organization_unit FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.organization_unit FOR UPDATE
    USING (@extschema@.jurisdiction_visible(unit))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.organization_unit FOR DELETE
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'));
-- A post's place is its unit, else its organization's anchor: the posts
-- without a unit are tested against one hashed list of the organizations
-- anchored where the role may see (or administer), built once per query.
ALTER TABLE @extschema@.post ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.post FOR SELECT
    USING (CASE WHEN unit IS NOT NULL THEN @extschema@.jurisdiction_visible(unit)
                ELSE organization IN (SELECT o.id FROM @extschema@.organization o
                                       WHERE @extschema@.jurisdiction_visible(o.anchor)) END);
CREATE POLICY gridgov_insert ON @extschema@.post FOR INSERT
    WITH CHECK (CASE WHEN unit IS NOT NULL THEN @extschema@.jurisdiction_holds(unit, 'administrator')
                     ELSE organization IN (SELECT o.id FROM @extschema@.organization o
                                            WHERE @extschema@.jurisdiction_holds(o.anchor, 'administrator')) END);
CREATE POLICY gridgov_update ON @extschema@.post FOR UPDATE
    USING (CASE WHEN unit IS NOT NULL THEN @extschema@.jurisdiction_visible(unit)
                ELSE organization IN (SELECT o.id FROM @extschema@.organization o
                                       WHERE @extschema@.jurisdiction_visible(o.anchor)) END)
    WITH CHECK (CASE WHEN unit IS NOT NULL THEN @extschema@.jurisdiction_holds(unit, 'administrator')
                     ELSE organization IN (SELECT o.id FROM @extschema@.organization o
                                            WHERE @extschema@.jurisdiction_holds(o.anchor, 'administrator')) END);
CREATE POLICY gridgov_delete ON @extschema@.post FOR DELETE
    USING (CASE WHEN unit IS NOT NULL THEN @extschema@.jurisdiction_holds(unit, 'administrator')
                ELSE organization IN (SELECT o.id FROM @extschema@.organization o
                                       WHERE @extschema@.jurisdiction_holds(o.anchor, 'administrator')) END);

-- BI views run with the reader's rights, so they show each reader what the
-- policies let it see.
ALTER VIEW @extschema@.case_clock SET (security_invoker = true);
ALTER VIEW @extschema@.daily_flow SET (security_invoker = true);
ALTER VIEW @extschema@.unit_kpi_monthly SET (security_invoker = true);
ALTER VIEW @extschema@.service_point_monthly SET (security_invoker = true);
ALTER VIEW @extschema@.risk_map SET (security_invoker = true);

-- Personal data: reporters' contacts (cases.reporter) and the people
-- pillar's person_contact.  A role sees them only where it handles: a case's
-- reporter under a handler grant of its unit or category, a person's
-- contact under a handler's or administrator's grant of the place of one of
-- the person's posts.  Everyone else reads them masked, through the two
-- views below, which run with their owner's rights and filter by the same C
-- tests (security_barrier: no function of the reader's sees a row first).
CREATE FUNCTION @extschema@.mask_personal(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN pg_catalog.char_length(value) OPERATOR(pg_catalog.<=) 2
                THEN pg_catalog.repeat('*', pg_catalog.char_length(value))
                ELSE pg_catalog."left"(value, 1) OPERATOR(pg_catalog.||)
                     pg_catalog.repeat('*', pg_catalog.char_length(value) OPERATOR(pg_catalog.-) 2)
                     OPERATOR(pg_catalog.||) pg_catalog."right"(value, 1) END;
COMMENT ON FUNCTION @extschema@.mask_personal(text) IS
    'a personal value masked: its first and last characters kept, every other one a *; one or two characters all *';
CREATE FUNCTION @extschema@.mask_personal(value jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE pg_catalog.jsonb_typeof(value)
           WHEN 'object' THEN COALESCE(
               (SELECT pg_catalog.jsonb_object_agg(e.key,
                           CASE pg_catalog.jsonb_typeof(e.value)
                           WHEN 'null' THEN e.value
                           ELSE pg_catalog.to_jsonb(@extschema@.mask_personal(e.value OPERATOR(pg_catalog.#>>) '{}'::text[])) END)
                  FROM pg_catalog.jsonb_each(value) e),
               '{}')
           WHEN 'null' THEN value
           WHEN 'string' THEN pg_catalog.to_jsonb(@extschema@.mask_personal(value OPERATOR(pg_catalog.#>>) '{}'::text[]))
           ELSE pg_catalog.to_jsonb(@extschema@.mask_personal(value::text)) END;
COMMENT ON FUNCTION @extschema@.mask_personal(jsonb) IS
    'a reporter''s contact masked: each value of an object masked as text (keys kept, JSON nulls kept, a nested value masked whole), any other value masked whole';

CREATE VIEW @extschema@.case_reporters WITH (security_barrier = true) AS
SELECT c.id, c.district, c.unit, c.category,
       CASE WHEN @extschema@.jurisdiction_holds(c.unit, 'handler', c.category) THEN c.reporter
            ELSE @extschema@.mask_personal(c.reporter) END AS reporter,
       NOT @extschema@.jurisdiction_holds(c.unit, 'handler', c.category) AS masked
  FROM @extschema@.cases c
 WHERE @extschema@.jurisdiction_visible(c.unit, c.category);
COMMENT ON VIEW @extschema@.case_reporters IS
    'the reporter of every case the reader sees: as reported where the reader handles the case, masked elsewhere';
COMMENT ON COLUMN @extschema@.case_reporters.id IS 'the case';
COMMENT ON COLUMN @extschema@.case_reporters.district IS 'the case''s district';
COMMENT ON COLUMN @extschema@.case_reporters.unit IS 'the case''s unit';
COMMENT ON COLUMN @extschema@.case_reporters.category IS 'the case''s category';
COMMENT ON COLUMN @extschema@.case_reporters.reporter IS 'who reported it: cases.reporter, or mask_personal of it';
COMMENT ON COLUMN @extschema@.case_reporters.masked IS 'true when reporter is masked: the reader does not handle the case';

-- The place of each post (its unit, else its organization's anchor) and
-- whether the reader handles or administers there, per person.
CREATE VIEW @extschema@.person_contacts WITH (security_barrier = true) AS
SELECT pc.person,
       CASE WHEN h.handles THEN pc.name ELSE @extschema@.mask_personal(pc.name) END AS name,
       CASE WHEN h.handles THEN pc.phone ELSE @extschema@.mask_personal(pc.phone) END AS phone,
       CASE WHEN h.handles THEN pc.id_number ELSE @extschema@.mask_personal(pc.id_number) END AS id_number,
       NOT h.handles AS masked
  FROM @extschema@.person_contact pc
 CROSS JOIN LATERAL (
       SELECT pg_catalog.bool_or(@extschema@.jurisdiction_visible(x.place)) AS visible,
              pg_catalog.bool_or(@extschema@.jurisdiction_holds(x.place, 'handler')
                                 OR @extschema@.jurisdiction_holds(x.place, 'administrator')) AS handles
         FROM @extschema@.post p
         LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
        CROSS JOIN LATERAL (SELECT COALESCE(p.unit, o.anchor) AS place) x
        WHERE p.person OPERATOR(pg_catalog.=) pc.person) h
 WHERE h.visible;
COMMENT ON VIEW @extschema@.person_contacts IS
    'the contact of every person with a post the reader sees: as recorded where the reader handles or administers one of the person''s posts, masked elsewhere';
COMMENT ON COLUMN @extschema@.person_contacts.person IS 'the person';
COMMENT ON COLUMN @extschema@.person_contacts.name IS 'the name, or mask_personal of it';
COMMENT ON COLUMN @extschema@.person_contacts.phone IS 'the phone number, or mask_personal of it';
COMMENT ON COLUMN @extschema@.person_contacts.id_number IS 'the ID card number, or mask_personal of it';
COMMENT ON COLUMN @extschema@.person_contacts.masked IS 'true when the values are masked';

-- The table itself: read and written only where the role handles or
-- administers one of the person's posts (one hashed list per query).
ALTER TABLE @extschema@.person_contact ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_handle ON @extschema@.person_contact FOR ALL
    USING (person IN (SELECT p.person FROM @extschema@.post p
                        LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                       WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'handler')
                          OR @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')));

-- Retention: the 12345 rules keep a reporter's contact for the life of the
-- case; once a case has been final (closed, rejected or merged) for longer
-- than the retention, its reporter is emptied by an edit, a move of the
-- history like any correction (docs/cases.md, "Edits"), so the chain and
-- verify_history() hold.  Run with the caller's rights: the owner anonymises
-- everywhere, a handler the cases it handles.
CREATE FUNCTION @extschema@.anonymise_personal_data(older_than interval)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    anonymised bigint;
BEGIN
    IF older_than OPERATOR(pg_catalog.<) interval '0' THEN
        RAISE EXCEPTION 'retention % is negative', older_than
            USING ERRCODE = '22023', HINT = 'Give how long after closure reporters'' data is kept, such as ''2 years''.';
    END IF;
    UPDATE @extschema@.cases c
       SET reporter = '{}', note = 'personal data removed after a retention of ' OPERATOR(pg_catalog.||) older_than
     WHERE c.closed_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) older_than)
       AND c.reporter OPERATOR(pg_catalog.<>) '{}';
    GET DIAGNOSTICS anonymised = ROW_COUNT;
    RETURN anonymised;
END;
$$;
COMMENT ON FUNCTION @extschema@.anonymise_personal_data(interval) IS
    'empty the reporter of every case final (closed, rejected or merged) for longer than older_than, each by an edit recorded in its history; returns how many';

-- The group roles (sql/roles.sql): readers and auditors read the grants
-- the policies show them and the masked views; administrators grant under
-- their units; handlers read the contacts of the people posted where they
-- handle.
GRANT SELECT ON @extschema@.jurisdiction_grant, @extschema@.category_grant, @extschema@.jurisdiction_holders,
                @extschema@.case_reporters, @extschema@.person_contacts
    TO gridgov_reader, gridgov_auditor;
GRANT INSERT, UPDATE, DELETE ON @extschema@.jurisdiction_grant, @extschema@.category_grant TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.jurisdiction_grant_id_seq, @extschema@.category_grant_id_seq TO gridgov_administrator;
GRANT SELECT ON @extschema@.person_contact TO gridgov_handler;
-- Handlers are people (issue 12, items 4 and 5): the people of a case, the
-- person each login role is, and the history chaining them.
-- ----------------------------------------------------------------------
-- Which person a login role is: the case engine records the person behind
-- the role that reports or moves a case (cases.reporter_person,
-- actor_person, and the handler by default).  One person per role; a
-- person may have several roles.  Only the owner writes it (no grant).
CREATE TABLE @extschema@.person_login (
    login       regrole PRIMARY KEY,
    person      bigint NOT NULL REFERENCES @extschema@.person (id) ON DELETE CASCADE
);
COMMENT ON TABLE @extschema@.person_login IS
    'the person each login role is, for the case engine: one person per role, written by the owner only';
COMMENT ON COLUMN @extschema@.person_login.login IS 'a role that logs in and reports or moves cases';
COMMENT ON COLUMN @extschema@.person_login.person IS 'the person it is';
CREATE INDEX person_login_person_idx ON @extschema@.person_login (person);
-- the case engine keeps each backend's answer until the table changes
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.person_login
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.person_login ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.person_login', '');

-- The people of a case: who handles it, who made its last move, who
-- reported it.  Rows written before have none, and their history hashes
-- as it did: the people are chained only where present.
ALTER TABLE @extschema@.cases ADD COLUMN handler bigint;
ALTER TABLE @extschema@.cases ADD COLUMN actor_person bigint;
ALTER TABLE @extschema@.cases ADD COLUMN reporter_person bigint;
COMMENT ON COLUMN @extschema@.cases.handler IS
    'the person handling the case (gridgov.person), who holds a post at its service point: set by accept, dispatch and start';
COMMENT ON COLUMN @extschema@.cases.actor_person IS
    'the person who made the last report or move: the person of the acting role (person_login), NULL when it has none';
COMMENT ON COLUMN @extschema@.cases.reporter_person IS
    'the person who reported the case: by default the person of the reporting role (person_login); another one from an importer or the owner only';
ALTER TABLE @extschema@.cases
    ADD CONSTRAINT cases_handler_fkey FOREIGN KEY (handler) REFERENCES @extschema@.person (id),
    ADD CONSTRAINT cases_actor_person_fkey FOREIGN KEY (actor_person) REFERENCES @extschema@.person (id),
    ADD CONSTRAINT cases_reporter_person_fkey FOREIGN KEY (reporter_person) REFERENCES @extschema@.person (id);

ALTER TABLE @extschema@.case_history ADD COLUMN actor_person bigint;
ALTER TABLE @extschema@.case_history ADD COLUMN handler bigint;
COMMENT ON COLUMN @extschema@.case_history.actor_person IS
    'the person who made it (gridgov.person), when the acting role has one; a number, not a reference, so that the history outlives the person';
COMMENT ON COLUMN @extschema@.case_history.handler IS
    'the person handling the case after it, if any; a number, as actor_person';

CREATE OR REPLACE FUNCTION @extschema@.content_digest(c @extschema@.cases) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(pg_catalog.convert_to(
        @extschema@.history_field(c.unit::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.category) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.severity::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.channel) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.description) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.location::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.reporter::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.satisfaction::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.evaluation) OPERATOR(pg_catalog.||)
        CASE WHEN c.reporter_person IS NULL THEN ''
             ELSE @extschema@.history_field(c.reporter_person::text) END, 'UTF8'));
COMMENT ON FUNCTION @extschema@.content_digest(@extschema@.cases) IS
    'SHA-256 of a case''s unit, category, severity, channel, description, location, reporter, satisfaction and evaluation, and its reporting person when it has one, in the history''s canonical form';

CREATE OR REPLACE FUNCTION @extschema@.history_hash(previous bytea, h @extschema@.case_history) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(COALESCE(previous, '\x'::bytea) OPERATOR(pg_catalog.||) pg_catalog.convert_to(
        @extschema@.history_field(h.case_id::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.seq::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field((EXTRACT(epoch FROM h.at) OPERATOR(pg_catalog.*) 1000000)::bigint::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.actor) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.action) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.from_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.to_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.handling_level::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.service_point::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.escalation_trigger) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.note) OPERATOR(pg_catalog.||)
        CASE WHEN h.content IS NULL THEN ''
             ELSE @extschema@.history_field(pg_catalog.encode(h.content, 'hex')) END OPERATOR(pg_catalog.||)
        CASE WHEN h.actor_person IS NULL AND h.handler IS NULL THEN ''
             ELSE @extschema@.history_field(h.actor_person::text) OPERATOR(pg_catalog.||)
                  @extschema@.history_field(h.handler::text) END, 'UTF8'));
COMMENT ON FUNCTION @extschema@.history_hash(bytea, @extschema@.case_history) IS
    'SHA-256 of a history row''s canonical content (its content digest included when it has one, its actor''s person and handler when it has either) after the previous row''s hash';

-- cases has columns more: case_clock, whose SQL-standard body expanded the
-- columns of its time, is made again, as it was.
CREATE OR REPLACE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text, deadline_provisional boolean)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END,
           s.deadline_provisional
      FROM (SELECT c.*,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;

-- The moves: accept, dispatch and start take a handler, a person; every
-- move's SQL-standard body expanded the columns of cases of its time, so all
-- are made again after apply_move, on which they depend.
DROP FUNCTION @extschema@.accept(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.reject(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.merge(bigint, bigint, timestamptz, text);
DROP FUNCTION @extschema@.dispatch(bigint, integer, timestamptz, text);
DROP FUNCTION @extschema@.start(bigint, timestamptz, text);
DROP FUNCTION @extschema@.return_case(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.extend(bigint, timestamptz, text, timestamptz, text);
DROP FUNCTION @extschema@.suspend(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.resume(bigint, timestamptz, text);
DROP FUNCTION @extschema@.resolve(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.verify(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.reopen(bigint, text, timestamptz, text);
DROP FUNCTION @extschema@.close(bigint, integer, text, timestamptz, text);
DROP FUNCTION @extschema@.escalate(bigint, text, integer, timestamptz, text);
DROP FUNCTION @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text);

-- Moves.  Each is one UPDATE; the triggers do the rest.  note is the
-- reason where a move needs one; at is the time of the move (default: now);
-- actor defaults to the setting gridgov.actor, else the current role;
-- handler (accept, dispatch, start) to the setting gridgov.handler, else the
-- acting role's person (docs/cases.md, "Handlers").
CREATE FUNCTION @extschema@.apply_move(
    case_id bigint, to_status text, note text, at timestamptz, actor text,
    move text DEFAULT NULL, expected_status text DEFAULT NULL,
    deadline timestamptz DEFAULT NULL, level integer DEFAULT NULL,
    escalation_trigger text DEFAULT NULL, duplicate_of bigint DEFAULT NULL,
    service_point integer DEFAULT NULL, satisfaction integer DEFAULT NULL,
    evaluation text DEFAULT NULL, handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.cases;
    current_status text;
    current_seq integer;
    previous_actor text := pg_catalog.current_setting('gridgov.actor', true);
    previous_handler text := pg_catalog.current_setting('gridgov.handler', true);
BEGIN
    SELECT c.status, c.history_seq INTO current_status, current_seq FROM @extschema@.cases c
     WHERE c.id OPERATOR(pg_catalog.=) case_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', case_id USING ERRCODE = 'GG004';
    END IF;
    -- resume, reopen and extend all lead to in_progress: say which was meant
    IF expected_status IS NOT NULL AND current_status OPERATOR(pg_catalog.<>) expected_status THEN
        RAISE EXCEPTION 'case % cannot %: it is %, not %', case_id, move, current_status, expected_status
            USING ERRCODE = 'GG001';
    END IF;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', actor, true);
    END IF;
    -- the handler named goes to the engine as gridgov.handler does: naming
    -- the case's own handler again is then still naming it
    IF handler IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.handler', handler::text, true);
    END IF;
    UPDATE @extschema@.cases c
       SET status = COALESCE(to_status, c.status),
           note = COALESCE(apply_move.note, c.note),
           moved_at = COALESCE(apply_move.at, c.moved_at),
           stage_deadline = COALESCE(apply_move.deadline, c.stage_deadline),
           handling_level = COALESCE(apply_move.level,
                                     CASE WHEN move OPERATOR(pg_catalog.=) 'escalate'
                                          THEN c.handling_level OPERATOR(pg_catalog.-) 1
                                          ELSE c.handling_level END),
           escalation_trigger = COALESCE(apply_move.escalation_trigger, c.escalation_trigger),
           duplicate_of = COALESCE(apply_move.duplicate_of, c.duplicate_of),
           service_point = COALESCE(apply_move.service_point, c.service_point),
           satisfaction = COALESCE(apply_move.satisfaction, c.satisfaction),
           evaluation = COALESCE(apply_move.evaluation, c.evaluation)
     WHERE c.id OPERATOR(pg_catalog.=) case_id
    RETURNING c.* INTO moved;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', COALESCE(previous_actor, ''), true);
    END IF;
    IF handler IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.handler', COALESCE(previous_handler, ''), true);
    END IF;
    -- a move into the state the case is already in moves nothing: say so
    IF moved.history_seq OPERATOR(pg_catalog.=) current_seq THEN
        RAISE EXCEPTION 'case % cannot move: it is already %', case_id, current_status
            USING ERRCODE = 'GG001',
                  HINT = 'Another session may have made this move first.';
    END IF;
    RETURN moved;
END;
$$;
COMMENT ON FUNCTION @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text, bigint) IS
    'one UPDATE of a case that the case triggers check and complete; the move functions call it';

CREATE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                   handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor, handler => handler); END;
COMMENT ON FUNCTION @extschema@.accept(bigint, text, timestamptz, text, bigint) IS
    'move accept (受理): a reported case becomes accepted and its dispatch stage starts; note: an optional remark; handler: the person who takes it, holding a post at its service point (default: the acting role''s person)';
CREATE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.reject(bigint, text, timestamptz, text) IS
    'move reject: a reported case becomes rejected, final; reason: why, required';
CREATE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
COMMENT ON FUNCTION @extschema@.merge(bigint, bigint, timestamptz, text) IS
    'move merge: a reported case becomes merged, final, as a duplicate of into_case, another existing case';
CREATE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                     handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point,
                                                   handler => handler); END;
COMMENT ON FUNCTION @extschema@.dispatch(bigint, integer, timestamptz, text, bigint) IS
    'move dispatch (派遣): an accepted or returned case becomes dispatched and its resolve stage starts; service_point: the one to handle it instead of the routed one, serving the case''s unit or a unit above it; handler: the person who handles it there (default: the acting role''s person)';
CREATE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                  handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched',
                                                   handler => handler); END;
COMMENT ON FUNCTION @extschema@.start(bigint, timestamptz, text, bigint) IS
    'move start: the service point takes up a dispatched case, which becomes in_progress; handler: the person who takes it up, holding a post at the service point (default: the acting role''s person)';
CREATE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.return_case(bigint, text, timestamptz, text) IS
    'move return (退回): the service point sends a dispatched case back; it becomes returned, to be dispatched again; reason: why, required';
CREATE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
COMMENT ON FUNCTION @extschema@.extend(bigint, timestamptz, text, timestamptz, text) IS
    'move extend (延期): an in_progress case stays in_progress with new_deadline, later than its stage deadline; reason: why, required';
CREATE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
COMMENT ON FUNCTION @extschema@.suspend(bigint, text, timestamptz, text) IS
    'move suspend (挂账): an in_progress case becomes suspended and its stage clock stops; reason: why, required';
CREATE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
COMMENT ON FUNCTION @extschema@.resume(bigint, timestamptz, text) IS
    'move resume: a suspended case becomes in_progress again, its stage deadline later by the time it was suspended';
CREATE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
COMMENT ON FUNCTION @extschema@.resolve(bigint, text, timestamptz, text) IS
    'move resolve (处置完成): an in_progress case becomes resolved and its verify stage starts; note: an optional remark';
CREATE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
COMMENT ON FUNCTION @extschema@.verify(bigint, text, timestamptz, text) IS
    'move verify (核查): a resolved case becomes verified and awaits closure, without a deadline; note: an optional remark';
CREATE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
COMMENT ON FUNCTION @extschema@.reopen(bigint, text, timestamptz, text) IS
    'move reopen (返工): a resolved case goes back to in_progress with a fresh resolve stage; reason: why, required';
CREATE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
COMMENT ON FUNCTION @extschema@.close(bigint, integer, text, timestamptz, text) IS
    'move close (结案): a verified case becomes closed, final; satisfaction: the reporter''s rating, 1 (worst) to 5 (best), and evaluation: their comment (评价), both optional';
CREATE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;
COMMENT ON FUNCTION @extschema@.escalate(bigint, text, integer, timestamptz, text) IS
    'move escalate (升级) by referral: an accepted, dispatched, returned or in_progress case is dispatched one level up, or to to_level (4 subdistrict, 3 district) when that is higher, with a fresh resolve stage; reason: why, required';

-- Service points at every tier (issue 12, item 4): in grids and buildings
-- too, run by an organization that covers their unit; category rules may
-- send cases to a grid's or a building's station.  Closed there, a case is
-- settled inside the community.
ALTER TABLE @extschema@.category_rule DROP CONSTRAINT category_rule_level;
ALTER TABLE @extschema@.category_rule
    ADD CONSTRAINT category_rule_level CHECK (handling_level BETWEEN 3 AND 7);
COMMENT ON COLUMN @extschema@.category_rule.handling_level IS
    'the level that handles the cases: 3 district, 4 subdistrict, 5 community, 6 a grid''s station, 7 a building''s; above the usual level, an escalation at intake';
ALTER TABLE @extschema@.service_point DROP CONSTRAINT service_point_level;
ALTER TABLE @extschema@.service_point ADD CONSTRAINT service_point_level CHECK (level BETWEEN 3 AND 7);
ALTER TABLE @extschema@.service_point ADD COLUMN organization bigint REFERENCES @extschema@.organization (id);
COMMENT ON COLUMN @extschema@.service_point.unit IS 'the unit it serves: a district, subdistrict, community, grid or building';
COMMENT ON COLUMN @extschema@.service_point.level IS
    'derived from unit: the handling level of its cases, 3 district, 4 subdistrict, 5 community, 6 grid, 7 building';
COMMENT ON COLUMN @extschema@.service_point.organization IS
    'the organization that runs it (gridgov.organization), covering its unit; its people''s posts let them handle its cases';
CREATE FUNCTION @extschema@.service_point_check() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.service_point_check() IS
    'BEFORE INSERT OR UPDATE row trigger on service_point: its organization exists and covers its unit today (23503, 23514)';
CREATE TRIGGER gridgov_service_point_check BEFORE INSERT OR UPDATE ON @extschema@.service_point
    FOR EACH ROW EXECUTE FUNCTION @extschema@.service_point_check();

COMMENT ON FUNCTION @extschema@.settled_in_community(@extschema@.kpi_state) IS
    'closed cases handled inside the community: at community level (handling_level 5) or at a grid or building station (6, 7)';
COMMENT ON COLUMN @extschema@.daily_flow.settled_in_community IS
    '社区化解数: of them, cases closed inside the community (handling_level 5, or a grid or building station''s 6 or 7)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.settled_in_community IS
    '社区化解数: cases closed inside the community (handling_level 5, or a grid or building station''s 6 or 7)';

-- KPIs per handler and per organization (issue 12, item 5): one more daily
-- rollup from the same aggregate, and the score of an assessment.
-- One score for an assessment, 0 to 100, from four rates of a state:
-- on time 40%, closure 30%, satisfied 20%, not reworked 10%; a rate that
-- is NULL (nothing to measure) drops out and the others' weights are scaled
-- to sum to 100%.  NULL when all four are NULL.
CREATE FUNCTION @extschema@.kpi_score(@extschema@.kpi_state) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.round(100 OPERATOR(pg_catalog.*)
        (COALESCE(0.4 OPERATOR(pg_catalog.*) @extschema@.on_time_rate($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.3 OPERATOR(pg_catalog.*) @extschema@.closure_rate($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.2 OPERATOR(pg_catalog.*) @extschema@.satisfied_share($1), 0) OPERATOR(pg_catalog.+)
         COALESCE(0.1 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) @extschema@.rework_rate($1)), 0))
        OPERATOR(pg_catalog./) NULLIF(
         CASE WHEN @extschema@.on_time_rate($1) IS NULL THEN 0 ELSE 0.4 END OPERATOR(pg_catalog.+)
         CASE WHEN @extschema@.closure_rate($1) IS NULL THEN 0 ELSE 0.3 END OPERATOR(pg_catalog.+)
         CASE WHEN @extschema@.satisfied_share($1) IS NULL THEN 0 ELSE 0.2 END OPERATOR(pg_catalog.+)
         CASE WHEN @extschema@.rework_rate($1) IS NULL THEN 0 ELSE 0.1 END, 0), 2);
COMMENT ON FUNCTION @extschema@.kpi_score(@extschema@.kpi_state) IS
    'an assessment score 0 to 100: on_time_rate 40%, closure_rate 30%, satisfied_share 20%, 1 - rework_rate 10%, over the rates that are not NULL; NULL when none is';

-- The same days per handler (docs/kpi.md, "Handlers and organizations"):
-- the cases of each person who handles them, all units and categories
-- together.  A case counts for its handler at the refresh, the last one to
-- take it.  Organizations' figures merge their people's rows.
CREATE TABLE @extschema@.kpi_handler_daily (
    day         date NOT NULL,
    handler     bigint NOT NULL,
    kpi         @extschema@.kpi_state NOT NULL,
    PRIMARY KEY (day, handler)
);
CREATE INDEX kpi_handler_daily_handler ON @extschema@.kpi_handler_daily (handler, day);
COMMENT ON TABLE @extschema@.kpi_handler_daily IS
    'KPI state of the cases reported on a day (calendar time zone) per handler (cases.handler at the refresh); filled by refresh_kpi_daily';
COMMENT ON COLUMN @extschema@.kpi_handler_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.kpi_handler_daily.handler IS 'the person handling the cases (gridgov.person)';
COMMENT ON COLUMN @extschema@.kpi_handler_daily.kpi IS 'kpi(cases, as_of) of those cases, as_of being the refresh''s';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_handler_daily', '');

CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := @extschema@.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'first day % is after last day %', from_day, to_day
            USING ERRCODE = '22023', HINT = 'Give the days in order; both are included.';
    END IF;
    -- one refresh at a time; readers are not blocked
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM @extschema@.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
      FROM @extschema@.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    DELETE FROM @extschema@.kpi_handler_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_handler_daily (day, handler, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.handler, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.handler IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_kpi_daily(date, date, timestamptz) IS
    'recompute kpi_daily, kpi_unit_daily and kpi_handler_daily for the days from_day to to_day (both included) at as_of; returns the kpi_daily rows written';

-- Per handler and per organization, for the cases reported from from_day
-- to to_day: kpi_merge over kpi_handler_daily, never the cases again.
CREATE FUNCTION @extschema@.kpi_by_handler(from_day date, to_day date)
    RETURNS TABLE (handler bigint, kpi @extschema@.kpi_state, score numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT m.handler, m.kpi, @extschema@.kpi_score(m.kpi)
      FROM (SELECT d.handler, @extschema@.kpi_merge(d.kpi) AS kpi
              FROM @extschema@.kpi_handler_daily d
             WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
             GROUP BY d.handler) m
     ORDER BY m.handler;
END;
COMMENT ON FUNCTION @extschema@.kpi_by_handler(date, date) IS
    'KPI state and kpi_score of each handler for the cases reported from from_day to to_day (both included), from kpi_handler_daily';

-- An organization's state merges the days of the people who held a post in
-- it on each day (once a day per person, whatever their posts there).  A
-- governance squad under a community committee is assessed half on its own
-- score and half by its committee (授予社区党委对治理中队50%比例考核权),
-- whose half is the score of all the cases of the committee's community
-- (kpi_unit_daily of its anchor): the committee judges the squad by how its
-- community fares.  Every other organization's assessment is its score.
CREATE FUNCTION @extschema@.kpi_by_organization(from_day date, to_day date)
    RETURNS TABLE (organization bigint, kind text, kpi @extschema@.kpi_state, score numeric,
                   committee_score numeric, assessment numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH own AS (
        SELECT m.organization, @extschema@.kpi_merge(d.kpi) AS kpi
          FROM @extschema@.kpi_handler_daily d
          CROSS JOIN LATERAL (SELECT DISTINCT p.organization FROM @extschema@.post p
                               WHERE p.person OPERATOR(pg_catalog.=) d.handler
                                 AND p.organization IS NOT NULL
                                 AND p.valid OPERATOR(pg_catalog.@>) d.day) m
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
         GROUP BY m.organization
    ), judged AS (
        SELECT o.id, o.kind, own.kpi, @extschema@.kpi_score(own.kpi) AS score,
               CASE WHEN o.kind OPERATOR(pg_catalog.=) 'governance_squad'
                     AND c.kind OPERATOR(pg_catalog.=) 'community_committee'
                    THEN (SELECT @extschema@.kpi_score(@extschema@.kpi_merge(u.kpi))
                            FROM @extschema@.kpi_unit_daily u
                           WHERE u.unit OPERATOR(@extschema@.=) c.anchor
                             AND u.day OPERATOR(pg_catalog.>=) from_day
                             AND u.day OPERATOR(pg_catalog.<=) to_day) END AS committee_score
          FROM own
          JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) own.organization
          LEFT JOIN @extschema@.organization c ON c.id OPERATOR(pg_catalog.=) o.parent
    )
    SELECT j.id, j.kind, j.kpi, j.score, j.committee_score,
           CASE WHEN j.committee_score IS NULL THEN j.score
                ELSE pg_catalog.round((0.5 OPERATOR(pg_catalog.*) j.score) OPERATOR(pg_catalog.+)
                                      (0.5 OPERATOR(pg_catalog.*) j.committee_score), 2) END
      FROM judged j
     ORDER BY j.id;
END;
COMMENT ON FUNCTION @extschema@.kpi_by_organization(date, date) IS
    'KPI state, kpi_score and assessment of each organization whose people handled cases reported from from_day to to_day: a governance squad under a community committee is assessed 50% on its score and 50% on the committee''s, the score of the community''s cases';

-- Who may execute and read what (issue 13) for the objects above: the
-- moves made again, with apply_move, to the handlers, as before; the
-- handlers' rollup with the other rollups; the service point's trigger
-- function to nobody.  person_login stays the owner's alone.
REVOKE EXECUTE ON FUNCTION
    @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text, bigint),
    @extschema@.accept(bigint, text, timestamptz, text, bigint),
    @extschema@.reject(bigint, text, timestamptz, text),
    @extschema@.merge(bigint, bigint, timestamptz, text),
    @extschema@.dispatch(bigint, integer, timestamptz, text, bigint),
    @extschema@.start(bigint, timestamptz, text, bigint),
    @extschema@.return_case(bigint, text, timestamptz, text),
    @extschema@.extend(bigint, timestamptz, text, timestamptz, text),
    @extschema@.suspend(bigint, text, timestamptz, text),
    @extschema@.resume(bigint, timestamptz, text),
    @extschema@.resolve(bigint, text, timestamptz, text),
    @extschema@.verify(bigint, text, timestamptz, text),
    @extschema@.reopen(bigint, text, timestamptz, text),
    @extschema@.close(bigint, integer, text, timestamptz, text),
    @extschema@.escalate(bigint, text, integer, timestamptz, text),
    @extschema@.service_point_check()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.apply_move(bigint, text, text, timestamptz, text, text, text, timestamptz, integer, text, bigint, integer, integer, text, bigint),
    @extschema@.accept(bigint, text, timestamptz, text, bigint),
    @extschema@.reject(bigint, text, timestamptz, text),
    @extschema@.merge(bigint, bigint, timestamptz, text),
    @extschema@.dispatch(bigint, integer, timestamptz, text, bigint),
    @extschema@.start(bigint, timestamptz, text, bigint),
    @extschema@.return_case(bigint, text, timestamptz, text),
    @extschema@.extend(bigint, timestamptz, text, timestamptz, text),
    @extschema@.suspend(bigint, text, timestamptz, text),
    @extschema@.resume(bigint, timestamptz, text),
    @extschema@.resolve(bigint, text, timestamptz, text),
    @extschema@.verify(bigint, text, timestamptz, text),
    @extschema@.reopen(bigint, text, timestamptz, text),
    @extschema@.close(bigint, integer, text, timestamptz, text),
    @extschema@.escalate(bigint, text, integer, timestamptz, text)
    TO gridgov_handler;
GRANT SELECT ON @extschema@.kpi_handler_daily TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.kpi_handler_daily TO gridgov_administrator;

-- ----------------------------------------------------------------------
-- Rewards for patrol volunteers' reports (issue 12): a new pillar,
-- sql/reward.sql, copied whole; it needs cases.reporter_person above.
-- ----------------------------------------------------------------------
--
-- A reward fund (the district's 平安员奖励基金 holds 1,000,000 yuan) pays 50
-- to 10,000 yuan for a useful report: a case reported by a patrol volunteer
-- (cases.reporter_person holds a patrol_volunteer post on the day of the
-- report), decided once the case is closed, one award per case.  Amounts are
-- in fen (1/100 yuan), as bigint, so that sums are exact.
--
-- The ledger, reward, is append-only and tied to cases.  An award is one
-- INSERT into it, whoever writes it (award_report or a plain INSERT): its
-- BEFORE trigger checks the award and debits the fund with one UPDATE of
-- the fund's row whose WHERE clause holds paid + amount <= capital.  That
-- UPDATE takes the fund's row lock; a concurrent award waits for it and, in
-- READ COMMITTED, evaluates the WHERE clause again on the row the first one
-- left, so that the fund can never be overspent however many clients award
-- at once (and CHECK (paid_fen <= capital_fen) stands behind it).  A second
-- award of the same case waits on the unique index and is refused.
--
-- paid_fen is written by the ledger's trigger only: it is always the sum of
-- the ledger's amounts for the fund (reward_funds shows both).
--
-- A restore (a plain pg_restore or pg_dump | psql, by a superuser or a member
-- of gridgov_importer, as for cases) copies the funds with their paid_fen,
-- then the ledger: an award that gives its own awarded_at, from such a role,
-- is a restored one, kept as written and not debited again.

CREATE TABLE @extschema@.reward_fund (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CONSTRAINT reward_fund_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    organization    bigint REFERENCES @extschema@.organization (id),
    capital_fen     bigint NOT NULL
                    CONSTRAINT reward_fund_capital_not_negative CHECK (capital_fen OPERATOR(pg_catalog.>=) 0),
    paid_fen        bigint NOT NULL DEFAULT 0
                    CONSTRAINT reward_fund_paid_not_negative CHECK (paid_fen OPERATOR(pg_catalog.>=) 0),
    CONSTRAINT reward_fund_not_overspent CHECK (paid_fen OPERATOR(pg_catalog.<=) capital_fen)
);
COMMENT ON TABLE @extschema@.reward_fund IS
    'reward funds (奖励基金), such as the district''s 1,000,000-yuan fund for patrol volunteers; never overspent';
COMMENT ON COLUMN @extschema@.reward_fund.id IS 'the fund''s number';
COMMENT ON COLUMN @extschema@.reward_fund.name IS 'its name, such as 光明区平安员奖励基金';
COMMENT ON COLUMN @extschema@.reward_fund.organization IS 'the organization that runs it, if any';
COMMENT ON COLUMN @extschema@.reward_fund.capital_fen IS 'what it holds in all, in fen (1/100 yuan); may be raised';
COMMENT ON COLUMN @extschema@.reward_fund.paid_fen IS
    'what it has paid, in fen: the sum of its awards in the ledger, written by the ledger''s trigger only';

CREATE TABLE @extschema@.reward (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    fund            bigint NOT NULL REFERENCES @extschema@.reward_fund (id),
    case_id         bigint NOT NULL CONSTRAINT reward_one_per_case UNIQUE
                    REFERENCES @extschema@.cases (id),
    person          bigint NOT NULL REFERENCES @extschema@.person (id),
    amount_fen      bigint NOT NULL
                    CONSTRAINT reward_amount CHECK (amount_fen OPERATOR(pg_catalog.>=) 5000
                                                    AND amount_fen OPERATOR(pg_catalog.<=) 1000000),
    awarded_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    awarded_by      text NOT NULL DEFAULT CURRENT_USER,
    note            text
);
COMMENT ON TABLE @extschema@.reward IS
    'the reward ledger: one award per case reported by a patrol volunteer, append-only; each row debits its fund';
COMMENT ON COLUMN @extschema@.reward.id IS 'the award''s number';
COMMENT ON COLUMN @extschema@.reward.fund IS 'the fund that pays it';
COMMENT ON COLUMN @extschema@.reward.case_id IS 'the closed case it rewards (one award per case)';
COMMENT ON COLUMN @extschema@.reward.person IS 'the patrol volunteer who reported the case, its reporter_person';
COMMENT ON COLUMN @extschema@.reward.amount_fen IS 'the award, in fen: 5,000 to 1,000,000 (50 to 10,000 yuan)';
COMMENT ON COLUMN @extschema@.reward.awarded_at IS 'when it was awarded (the server''s clock)';
COMMENT ON COLUMN @extschema@.reward.awarded_by IS 'the role that awarded it';
COMMENT ON COLUMN @extschema@.reward.note IS 'why, such as 及时发现邻里纠纷线索';
CREATE INDEX reward_fund_idx ON @extschema@.reward (fund);
CREATE INDEX reward_person_idx ON @extschema@.reward (person);

-- pg_dump keeps the funds and the ledger; restore them with
-- session_replication_role = replica (as cases), so that the restored
-- awards do not debit their funds a second time.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reward_fund', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reward', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.reward_fund', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.reward', 'id')::regclass, '');

-- An award, checked and paid: BEFORE INSERT on reward (a restored one kept
-- as written, see above).  Each refusal names
-- the bad part; the fund's row is updated last, once nothing else can fail
-- but the unique index (whose refusal rolls the debit back with the row).
CREATE FUNCTION @extschema@.reward_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c record;
    remaining bigint;
BEGIN
    -- a restored award: its fund's paid_fen came with the fund
    IF NEW.awarded_at OPERATOR(pg_catalog.<>) pg_catalog.now()
       AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF NEW.amount_fen IS NULL OR NEW.amount_fen OPERATOR(pg_catalog.<) 5000
       OR NEW.amount_fen OPERATOR(pg_catalog.>) 1000000 THEN
        RAISE EXCEPTION 'a reward of % fen is outside 5,000 to 1,000,000 fen (50 to 10,000 yuan)',
                        COALESCE(NEW.amount_fen::text, 'NULL')
            USING ERRCODE = '22003', HINT = 'Award between 50 and 10,000 yuan for one report.';
    END IF;
    SELECT x.id, x.status, x.reporter_person, x.reported_at INTO c
      FROM @extschema@.cases x WHERE x.id OPERATOR(pg_catalog.=) NEW.case_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', COALESCE(NEW.case_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Award a case of gridgov.cases, by its id.';
    END IF;
    IF c.status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'case % is %, not closed', c.id, c.status
            USING ERRCODE = '55000', HINT = 'A report is rewarded once its case is closed (结案).';
    END IF;
    IF c.reporter_person IS NULL OR NOT EXISTS (
           SELECT FROM @extschema@.post p
            WHERE p.person OPERATOR(pg_catalog.=) c.reporter_person
              AND p.role OPERATOR(pg_catalog.=) 'patrol_volunteer'
              AND p.valid OPERATOR(pg_catalog.@>) (c.reported_at)::date) THEN
        RAISE EXCEPTION 'case % was not reported by a patrol volunteer: its reporter_person % held no patrol_volunteer post on %',
                        c.id, COALESCE(c.reporter_person::text, 'NULL'), (c.reported_at)::date
            USING ERRCODE = '22023',
                  HINT = 'Only a report whose reporter_person was a patrol volunteer (平安员) that day is rewarded.';
    END IF;
    IF NEW.person IS NOT NULL AND NEW.person OPERATOR(pg_catalog.<>) c.reporter_person THEN
        RAISE EXCEPTION 'the reward of case % goes to its reporter, person %, not person %',
                        c.id, c.reporter_person, NEW.person
            USING ERRCODE = '22023', HINT = 'Leave person out: it is the case''s reporter_person.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.reward r WHERE r.case_id OPERATOR(pg_catalog.=) c.id) THEN
        RAISE EXCEPTION 'case % has already been rewarded', c.id
            USING ERRCODE = '23505', HINT = 'One report earns one award: see gridgov.reward.';
    END IF;
    NEW.person := c.reporter_person;
    NEW.awarded_at := pg_catalog.now();
    NEW.awarded_by := CURRENT_USER;

    -- the debit: one UPDATE, whose row lock orders concurrent awards and
    -- whose WHERE clause is evaluated again on the row the last one left
    UPDATE @extschema@.reward_fund f
       SET paid_fen = f.paid_fen OPERATOR(pg_catalog.+) NEW.amount_fen
     WHERE f.id OPERATOR(pg_catalog.=) NEW.fund
       AND f.paid_fen OPERATOR(pg_catalog.+) NEW.amount_fen OPERATOR(pg_catalog.<=) f.capital_fen;
    IF NOT FOUND THEN
        SELECT f.capital_fen OPERATOR(pg_catalog.-) f.paid_fen INTO remaining
          FROM @extschema@.reward_fund f WHERE f.id OPERATOR(pg_catalog.=) NEW.fund;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'reward fund % does not exist', COALESCE(NEW.fund::text, 'NULL')
                USING ERRCODE = '23503', HINT = 'Name a fund of gridgov.reward_fund, by its id.';
        END IF;
        RAISE EXCEPTION 'a reward of % fen is beyond reward fund %, which has % fen left',
                        NEW.amount_fen, NEW.fund, remaining
            USING ERRCODE = '23514', HINT = 'Award less, or raise the fund''s capital_fen.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.reward_before_insert() IS
    'BEFORE INSERT trigger on reward: amount, case closed and reported by a patrol volunteer, one award per case, and the debit of the fund within its capital; a restored award is kept as written';

-- The ledger is append-only: BEFORE UPDATE OR DELETE (each row) and
-- TRUNCATE on reward.
CREATE FUNCTION @extschema@.reward_refuse_change() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RAISE EXCEPTION 'the reward ledger is append-only: % is refused', TG_OP
        USING ERRCODE = 'GG008',
              HINT = 'An award stands once made; record a correction as a note elsewhere, not by changing the ledger.';
END;
$$;
COMMENT ON FUNCTION @extschema@.reward_refuse_change() IS
    'trigger on reward: refuses UPDATE, DELETE and TRUNCATE (GG008)';

-- A fund starts with nothing paid (but a restored one), and paid_fen moves
-- with the ledger only: BEFORE INSERT OR UPDATE on reward_fund.  The ledger's trigger updates the
-- fund from inside a trigger, at a trigger depth above 1.
CREATE FUNCTION @extschema@.reward_fund_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.paid_fen OPERATOR(pg_catalog.<>) 0
       AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RAISE EXCEPTION 'a new reward fund cannot start with % fen paid', NEW.paid_fen
            USING ERRCODE = 'GG008',
                  HINT = 'Leave paid_fen out: the ledger''s awards make it up (only a restore, by a member of gridgov_importer, brings its own).';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.paid_fen OPERATOR(pg_catalog.<>) OLD.paid_fen
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'paid_fen of reward fund % follows the ledger and cannot be set', OLD.id
            USING ERRCODE = 'GG008', HINT = 'Award through gridgov.award_report(), or an INSERT into gridgov.reward.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.reward_fund_check() IS
    'BEFORE INSERT OR UPDATE trigger on reward_fund: paid_fen starts at 0 and changes with the ledger only (GG008)';

CREATE TRIGGER gridgov_reward_before_insert BEFORE INSERT ON @extschema@.reward
    FOR EACH ROW EXECUTE FUNCTION @extschema@.reward_before_insert();
CREATE TRIGGER gridgov_reward_append_only BEFORE UPDATE OR DELETE ON @extschema@.reward
    FOR EACH ROW EXECUTE FUNCTION @extschema@.reward_refuse_change();
CREATE TRIGGER gridgov_reward_no_truncate BEFORE TRUNCATE ON @extschema@.reward
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.reward_refuse_change();
CREATE TRIGGER gridgov_reward_fund_check BEFORE INSERT OR UPDATE ON @extschema@.reward_fund
    FOR EACH ROW EXECUTE FUNCTION @extschema@.reward_fund_check();

-- An amount in fen as yuan, to the fen.
CREATE FUNCTION @extschema@.fen_to_yuan(fen numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.round(fen OPERATOR(pg_catalog./) 100, 2);
COMMENT ON FUNCTION @extschema@.fen_to_yuan(numeric) IS 'an amount in fen (1/100 yuan) as yuan, with two decimals';

-- Award a closed case's report from a fund, in yuan (to the fen): 50 to
-- 10,000.  One INSERT into the ledger, whose trigger does the rest.
CREATE FUNCTION @extschema@.award_report(case_id bigint, yuan numeric, fund bigint, note text DEFAULT NULL)
    RETURNS @extschema@.reward
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    awarded @extschema@.reward;
BEGIN
    IF yuan IS NULL OR yuan OPERATOR(pg_catalog.<) 50 OR yuan OPERATOR(pg_catalog.>) 10000 THEN
        RAISE EXCEPTION 'a reward of % yuan is outside 50 to 10,000 yuan', COALESCE(yuan::text, 'NULL')
            USING ERRCODE = '22003', HINT = 'Award between 50 and 10,000 yuan for one report.';
    END IF;
    IF yuan OPERATOR(pg_catalog.<>) pg_catalog.round(yuan, 2) THEN
        RAISE EXCEPTION 'a reward of % yuan is not a whole number of fen', yuan
            USING ERRCODE = '22023', HINT = 'Give the amount in yuan with at most two decimals.';
    END IF;
    INSERT INTO @extschema@.reward (fund, case_id, amount_fen, note)
    VALUES (award_report.fund, award_report.case_id, (yuan OPERATOR(pg_catalog.*) 100)::bigint, award_report.note)
    RETURNING * INTO awarded;
    RETURN awarded;
END;
$$;
COMMENT ON FUNCTION @extschema@.award_report(bigint, numeric, bigint, text) IS
    'award 50 to 10,000 yuan from a fund to the patrol volunteer who reported a closed case, once per case; the fund is never overspent';

-- Each fund: capital, paid, left, and the ledger's own count and sum
-- (which equal paid: a second computation).
CREATE VIEW @extschema@.reward_funds WITH (security_invoker = true) AS
SELECT f.id, f.name, f.organization,
       @extschema@.fen_to_yuan(f.capital_fen) AS capital_yuan,
       @extschema@.fen_to_yuan(f.paid_fen) AS paid_yuan,
       @extschema@.fen_to_yuan(f.capital_fen OPERATOR(pg_catalog.-) f.paid_fen) AS left_yuan,
       l.awards,
       @extschema@.fen_to_yuan(l.ledger_fen) AS ledger_yuan
  FROM @extschema@.reward_fund f
 CROSS JOIN LATERAL (
       SELECT pg_catalog.count(*) AS awards, COALESCE(pg_catalog.sum(r.amount_fen), 0) AS ledger_fen
         FROM @extschema@.reward r WHERE r.fund OPERATOR(pg_catalog.=) f.id) l;
COMMENT ON VIEW @extschema@.reward_funds IS
    'each reward fund: its capital, what it paid, what is left, and the ledger''s count and sum of its awards';
COMMENT ON COLUMN @extschema@.reward_funds.id IS 'the fund';
COMMENT ON COLUMN @extschema@.reward_funds.name IS 'its name';
COMMENT ON COLUMN @extschema@.reward_funds.organization IS 'the organization that runs it';
COMMENT ON COLUMN @extschema@.reward_funds.capital_yuan IS 'what it holds in all, in yuan';
COMMENT ON COLUMN @extschema@.reward_funds.paid_yuan IS 'what it paid, in yuan (its paid_fen)';
COMMENT ON COLUMN @extschema@.reward_funds.left_yuan IS 'what is left, in yuan';
COMMENT ON COLUMN @extschema@.reward_funds.awards IS 'its awards in the ledger';
COMMENT ON COLUMN @extschema@.reward_funds.ledger_yuan IS 'the sum of those awards, in yuan: equal to paid_yuan';

-- The reports of patrol volunteers under root, per volunteer: cases whose
-- unit lies under root, reported from since to until (both days included,
-- NULL for no bound; days as the session's time zone sees them) of the
-- given categories (NULL for all), by a reporter_person who held a
-- patrol_volunteer post on the day; how many were closed, how many of those
-- were settled inside the community (closed at the community or grid
-- level: 小事不出村), and what they were awarded.
CREATE FUNCTION @extschema@.volunteer_reports(root @extschema@.gridcode, since date DEFAULT NULL,
                                              until date DEFAULT NULL, categories text[] DEFAULT NULL)
    RETURNS TABLE (person bigint, reports bigint, closed bigint, settled_in_community bigint,
                   awards bigint, awarded_yuan numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT c.reporter_person,
           pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'closed'),
           pg_catalog.count(*) FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'closed'
                                         AND c.handling_level OPERATOR(pg_catalog.>=) 5),
           pg_catalog.count(r.id),
           @extschema@.fen_to_yuan(COALESCE(pg_catalog.sum(r.amount_fen), 0))
      FROM @extschema@.cases c
      LEFT JOIN @extschema@.reward r ON r.case_id OPERATOR(pg_catalog.=) c.id
     WHERE c.unit OPERATOR(@extschema@.<@) volunteer_reports.root
       AND c.reporter_person IS NOT NULL
       AND (volunteer_reports.since IS NULL
            OR c.reported_at OPERATOR(pg_catalog.>=) volunteer_reports.since::timestamptz)
       AND (volunteer_reports.until IS NULL
            OR c.reported_at OPERATOR(pg_catalog.<) (volunteer_reports.until OPERATOR(pg_catalog.+) 1)::timestamptz)
       AND (volunteer_reports.categories IS NULL
            OR c.category OPERATOR(pg_catalog.=) ANY (volunteer_reports.categories))
       AND EXISTS (SELECT FROM @extschema@.post p
                    WHERE p.person OPERATOR(pg_catalog.=) c.reporter_person
                      AND p.role OPERATOR(pg_catalog.=) 'patrol_volunteer'
                      AND p.valid OPERATOR(pg_catalog.@>) (c.reported_at)::date)
     GROUP BY c.reporter_person
     ORDER BY c.reporter_person;
END;
COMMENT ON FUNCTION @extschema@.volunteer_reports(@extschema@.gridcode, date, date, text[]) IS
    'per patrol volunteer: their reports under root from since to until (of the categories, NULL for all), closed, settled inside the community, and their awards';

-- The volunteers' figures under root for a period: how many patrol
-- volunteers are placed under root on until (today if NULL), how many
-- reported, reports per volunteer, closed, settled inside the community
-- and its share of the closed, awards and yuan awarded.
CREATE FUNCTION @extschema@.volunteer_figures(root @extschema@.gridcode, since date DEFAULT NULL,
                                              until date DEFAULT NULL, categories text[] DEFAULT NULL)
    RETURNS TABLE (volunteers bigint, reporting_volunteers bigint, reports bigint,
                   reports_per_volunteer numeric, closed bigint, settled_in_community bigint,
                   settled_in_community_pct numeric, awards bigint, awarded_yuan numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT v.volunteers, pg_catalog.count(r.person), COALESCE(pg_catalog.sum(r.reports), 0),
           pg_catalog.round(COALESCE(pg_catalog.sum(r.reports), 0)
                            OPERATOR(pg_catalog./) NULLIF(v.volunteers, 0), 3),
           COALESCE(pg_catalog.sum(r.closed), 0), COALESCE(pg_catalog.sum(r.settled_in_community), 0),
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.sum(r.settled_in_community)
                            OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(r.closed), 0), 1),
           COALESCE(pg_catalog.sum(r.awards), 0), COALESCE(pg_catalog.sum(r.awarded_yuan), 0)
      FROM (SELECT pg_catalog.count(DISTINCT pl.person) AS volunteers
              FROM @extschema@.placements(volunteer_figures.root,
                                          COALESCE(volunteer_figures.until, CURRENT_DATE)) pl
             WHERE pl.role OPERATOR(pg_catalog.=) 'patrol_volunteer') v
      LEFT JOIN @extschema@.volunteer_reports(volunteer_figures.root, volunteer_figures.since,
                                              volunteer_figures.until, volunteer_figures.categories) r ON true
     GROUP BY v.volunteers;
END;
COMMENT ON FUNCTION @extschema@.volunteer_figures(@extschema@.gridcode, date, date, text[]) IS
    'patrol volunteers under root and their reports from since to until: reports per volunteer, closed, settled inside the community, awards';

-- The figures of every district (county level) with patrol volunteers or
-- their reports, over all time.
CREATE VIEW @extschema@.volunteer_figures WITH (security_invoker = true) AS
SELECT d.code AS district, d.name, f.*
  FROM @extschema@.unit d,
       LATERAL @extschema@.volunteer_figures(d.code) f
 WHERE d.level OPERATOR(pg_catalog.=) 3
   AND (f.volunteers OPERATOR(pg_catalog.>) 0 OR f.reports OPERATOR(pg_catalog.>) 0);
COMMENT ON VIEW @extschema@.volunteer_figures IS
    'per district with patrol volunteers: how many today, their reports of all time, per volunteer, settled inside the community, awards';
COMMENT ON COLUMN @extschema@.volunteer_figures.district IS 'the district (county level)';
COMMENT ON COLUMN @extschema@.volunteer_figures.name IS 'its name';
COMMENT ON COLUMN @extschema@.volunteer_figures.volunteers IS 'patrol volunteers placed in it today';
COMMENT ON COLUMN @extschema@.volunteer_figures.reporting_volunteers IS 'those of any day who reported a case in it';
COMMENT ON COLUMN @extschema@.volunteer_figures.reports IS 'their reports';
COMMENT ON COLUMN @extschema@.volunteer_figures.reports_per_volunteer IS 'reports per volunteer placed today';
COMMENT ON COLUMN @extschema@.volunteer_figures.closed IS 'reports whose case is closed';
COMMENT ON COLUMN @extschema@.volunteer_figures.settled_in_community IS
    'closed at the community or grid level (小事不出村)';
COMMENT ON COLUMN @extschema@.volunteer_figures.settled_in_community_pct IS 'their share of the closed, in %';
COMMENT ON COLUMN @extschema@.volunteer_figures.awards IS 'awards paid for the reports';
COMMENT ON COLUMN @extschema@.volunteer_figures.awarded_yuan IS 'what those awards paid, in yuan';

-- Rewards (sql/reward.sql): readers see the funds, the ledger and the
-- volunteers' figures; administrators run the funds (raise capital_fen)
-- and award, through award_report or an INSERT into the ledger, whose
-- trigger debits the fund as the awarding role (hence UPDATE on the fund;
-- paid_fen follows the ledger whoever asks).  The trigger functions, like
-- the others, are executed by their triggers only.
GRANT SELECT ON @extschema@.reward_fund, @extschema@.reward, @extschema@.reward_funds,
                @extschema@.volunteer_figures
    TO gridgov_reader;
GRANT INSERT, UPDATE ON @extschema@.reward_fund TO gridgov_administrator;
GRANT INSERT ON @extschema@.reward TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.reward_fund_id_seq, @extschema@.reward_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.award_report(bigint, numeric, bigint, text),
    @extschema@.reward_before_insert(),
    @extschema@.reward_refuse_change(),
    @extschema@.reward_fund_check()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.award_report(bigint, numeric, bigint, text) TO gridgov_administrator;

-- Hierarchy functions LEAKPROOF (issue 13): the containment operators' and
-- the hierarchy functions of gridcode and gridcell compute on their
-- arguments alone and fail for no value of their types, so the planner may
-- run a user's "unit <@ X" before the row-level security policies, as an
-- index range scan (docs/access.md, "Leakproof functions").
ALTER FUNCTION @extschema@.gridcode_contains(@extschema@.gridcode, @extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.gridcode_contained(@extschema@.gridcode, @extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.level(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.level_name(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.parent(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.lineage(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.is_ancestor(@extschema@.gridcode, @extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.lca(@extschema@.gridcode, @extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.depth_between(@extschema@.gridcode, @extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.subtree_first(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.subtree_last(@extschema@.gridcode) LEAKPROOF;
ALTER FUNCTION @extschema@.gridcell_contains(@extschema@.gridcell, @extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.gridcell_contained(@extschema@.gridcell, @extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.level(@extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.parent(@extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.subtree_first(@extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.subtree_last(@extschema@.gridcell) LEAKPROOF;
ALTER FUNCTION @extschema@.are_neighbors(@extschema@.gridcell, @extschema@.gridcell) LEAKPROOF;

-- Row-level security for the newer tables (issue 13): policies on the
-- tables added since access (item 2) and jobs for administrators only, as
-- sql/access.sql.
-- The tables added since the policies above (issue 13, item 2).
-- A handler's daily KPIs: seen where the person holds a post the reader
-- sees (the posts' own policy decides, as for person_contacts), written by
-- the refresh as administrators of one of the person's posts.
ALTER TABLE @extschema@.kpi_handler_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.kpi_handler_daily FOR SELECT
    USING (handler IN (SELECT p.person FROM @extschema@.post p));
CREATE POLICY gridgov_write ON @extschema@.kpi_handler_daily FOR ALL
    USING (handler IN (SELECT p.person FROM @extschema@.post p
                         LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                        WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')))
    WITH CHECK (handler IN (SELECT p.person FROM @extschema@.post p
                              LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                             WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')));
-- Which person a login role is: seen by the role itself (and its members)
-- and where the person holds a post the reader sees; written by
-- administrators of one of the person's posts.  The engine reads it as the
-- owner (src/case_handler.c).
ALTER TABLE @extschema@.person_login ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.person_login FOR SELECT
    USING (pg_catalog.pg_has_role(login::pg_catalog.oid, 'USAGE')
           OR person IN (SELECT p.person FROM @extschema@.post p));
CREATE POLICY gridgov_write ON @extschema@.person_login FOR ALL
    USING (person IN (SELECT p.person FROM @extschema@.post p
                        LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                       WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')))
    WITH CHECK (person IN (SELECT p.person FROM @extschema@.post p
                             LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                            WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')));
-- Rewards: an award is seen where its case is (the cases' policy), and made
-- there (award_report's own checks read the case as the awarding role).  A
-- fund is seen where its organization is (anchors above the reader's units
-- included: a community's clerk awards from the district's fund), or by
-- everyone when it has none; the awards' trigger debits it as the awarding
-- role, so it is updated where seen; a fund is created by administrators
-- of its organization's anchor (one without an organization, by the owner).
ALTER TABLE @extschema@.reward ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.reward FOR SELECT
    USING (case_id IN (SELECT c.id FROM @extschema@.cases c));
CREATE POLICY gridgov_insert ON @extschema@.reward FOR INSERT
    WITH CHECK (case_id IN (SELECT c.id FROM @extschema@.cases c));
ALTER TABLE @extschema@.reward_fund ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.reward_fund FOR SELECT
    USING (organization IS NULL OR organization IN (SELECT o.id FROM @extschema@.organization o));
CREATE POLICY gridgov_insert ON @extschema@.reward_fund FOR INSERT
    WITH CHECK (organization IN (SELECT o.id FROM @extschema@.organization o
                                  WHERE @extschema@.jurisdiction_holds(o.anchor, 'administrator')));
CREATE POLICY gridgov_update ON @extschema@.reward_fund FOR UPDATE
    USING (organization IS NULL OR organization IN (SELECT o.id FROM @extschema@.organization o))
    WITH CHECK (organization IS NULL OR organization IN (SELECT o.id FROM @extschema@.organization o));
-- The rollups' log of changed pairs: seen under a grant of the unit,
-- consumed (deleted) by a refresh only where the refreshing administrator
-- may write the rollups; the trigger appends to it as the owner.
ALTER TABLE @extschema@.rollup_change ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.rollup_change FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_write ON @extschema@.rollup_change FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));

-- The background worker's jobs hold no jurisdiction data but run for the
-- whole database: administrators and the owner only (not every reader).
REVOKE SELECT ON @extschema@.job, @extschema@.job_run, @extschema@.job_status FROM gridgov_reader;
GRANT SELECT ON @extschema@.job, @extschema@.job_run, @extschema@.job_status TO gridgov_administrator;

-- The personal-data retention as a job (issue 13, issue 14): the setting
-- gridgov.personal_data_retention and its daily job, as sql/access.sql.
-- The retention as a job of the background worker (issue 14): daily,
-- anonymise_personal_data with gridgov.personal_data_retention (set by a
-- superuser: ALTER DATABASE ... SET, or postgresql.conf); empty, as by
-- default, keeps every contact and the job anonymises nothing.  The worker
-- runs it as the bootstrap superuser, so it covers every case.
CREATE FUNCTION @extschema@.job_personal_data_retention() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    setting constant text := pg_catalog.current_setting('gridgov.personal_data_retention', true);
    retention interval;
BEGIN
    IF setting IS NULL OR setting OPERATOR(pg_catalog.=) '' THEN
        RETURN 0;
    END IF;
    BEGIN
        retention := setting::interval;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        RAISE EXCEPTION 'gridgov.personal_data_retention "%" is not an interval', setting
            USING ERRCODE = '22023', HINT = 'Set it to how long after closure reporters'' data is kept, such as ''2 years''.';
    END;
    RETURN @extschema@.anonymise_personal_data(retention);
END;
$$;
COMMENT ON FUNCTION @extschema@.job_personal_data_retention() IS
    'job: anonymise_personal_data with gridgov.personal_data_retention (nothing when it is empty); returns how many cases were anonymised';
INSERT INTO @extschema@.job (name, function, period) VALUES
    ('personal_data_retention', '@extschema@.job_personal_data_retention', '1 day');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.job',
           'WHERE name NOT IN (''escalation_sweep'', ''early_warning'', ''rollups'', ''calendar_horizon'', ''personal_data_retention'')');

-- issue 18: Open311 GeoReport v2 (services, service definitions, posting a
-- request with a token, requests with the v2 filters), the role
-- gridgov_reporter (as sql/open311.sql)
-- ----------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gridgov_reporter') THEN
        BEGIN
            CREATE ROLE gridgov_reporter NOLOGIN;
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            -- another database's CREATE EXTENSION made it meanwhile
            RETURN;
        END;
        COMMENT ON ROLE gridgov_reporter IS
            'gridgov: calls the Open311 functions (services, post a request, requests, a reporter''s progress) and nothing else; grant it to the web front end''s login';
    END IF;
END;
$$;

-- ======================================================================
-- Tables
-- ======================================================================

-- The categories offered as Open311 services.  A category without a row
-- is not offered (hotline-only and internal categories stay private).
CREATE TABLE @extschema@.open311_service (
    category        text PRIMARY KEY REFERENCES @extschema@.category ON UPDATE CASCADE ON DELETE CASCADE,
    service_code    text CONSTRAINT open311_service_code_form
                    CHECK (service_code OPERATOR(pg_catalog.~) '^[A-Za-z0-9_.-]{1,64}$'),
    service_name    text,
    description     text,
    keywords        text,
    "group"         text,
    service_notice  text
);
CREATE UNIQUE INDEX open311_service_code ON @extschema@.open311_service
    ((COALESCE(service_code, category)));
COMMENT ON TABLE @extschema@.open311_service IS
    'the categories offered as Open311 GeoReport v2 services; a category without a row is not offered';
COMMENT ON COLUMN @extschema@.open311_service.category IS 'the category (gridgov.category) a request of the service reports';
COMMENT ON COLUMN @extschema@.open311_service.service_code IS
    'the v2 service_code: letters, digits, _ . - (64 at most); NULL: the category''s code';
COMMENT ON COLUMN @extschema@.open311_service.service_name IS 'the v2 service_name; NULL: the category''s name';
COMMENT ON COLUMN @extschema@.open311_service.description IS 'the v2 description; NULL: the category''s description';
COMMENT ON COLUMN @extschema@.open311_service.keywords IS 'the v2 keywords: comma-separated synonyms';
COMMENT ON COLUMN @extschema@.open311_service."group" IS 'the v2 group the service is listed under';
COMMENT ON COLUMN @extschema@.open311_service.service_notice IS
    'the v2 service_notice: what the reporter may expect, returned with a posted request and with the request';

-- The attributes (extra form fields) of a service: its v2 service
-- definition.  A service with attributes has metadata true.
CREATE TABLE @extschema@.open311_attribute (
    category        text NOT NULL REFERENCES @extschema@.open311_service ON UPDATE CASCADE ON DELETE CASCADE,
    code            text NOT NULL CONSTRAINT open311_attribute_code_form
                    CHECK (code OPERATOR(pg_catalog.~) '^[A-Za-z0-9_.-]{1,64}$'),
    variable        boolean NOT NULL DEFAULT true,
    datatype        text NOT NULL CONSTRAINT open311_attribute_datatype
                    CHECK (datatype OPERATOR(pg_catalog.=) ANY
                           (ARRAY['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'])),
    required        boolean NOT NULL DEFAULT false,
    datatype_description text,
    "order"         integer NOT NULL CONSTRAINT open311_attribute_order CHECK ("order" OPERATOR(pg_catalog.>) 0),
    description     text NOT NULL,
    "values"        jsonb CONSTRAINT open311_attribute_values
                    CHECK (("values" IS NOT NULL) OPERATOR(pg_catalog.=)
                           (datatype OPERATOR(pg_catalog.=) ANY (ARRAY['singlevaluelist', 'multivaluelist']))
                           AND ("values" IS NULL OR pg_catalog.jsonb_typeof("values") OPERATOR(pg_catalog.=) 'array')),
    PRIMARY KEY (category, code),
    CONSTRAINT open311_attribute_order_unique UNIQUE (category, "order")
);
COMMENT ON TABLE @extschema@.open311_attribute IS
    'the attributes (form fields) of an Open311 service, its v2 service definition';
COMMENT ON COLUMN @extschema@.open311_attribute.category IS 'the service''s category';
COMMENT ON COLUMN @extschema@.open311_attribute.code IS 'the attribute''s v2 code, the key of attribute[code] in a posted request';
COMMENT ON COLUMN @extschema@.open311_attribute.variable IS
    'true: the reporter answers it; false: information shown to the reporter only';
COMMENT ON COLUMN @extschema@.open311_attribute.datatype IS
    'string, number, datetime, text, singlevaluelist or multivaluelist';
COMMENT ON COLUMN @extschema@.open311_attribute.required IS 'true: a request without it is refused';
COMMENT ON COLUMN @extschema@.open311_attribute.datatype_description IS 'help on the expected input, free text';
COMMENT ON COLUMN @extschema@.open311_attribute."order" IS 'its place in the form, 1 first; unique in the service';
COMMENT ON COLUMN @extschema@.open311_attribute.description IS 'the question put to the reporter';
COMMENT ON COLUMN @extschema@.open311_attribute."values" IS
    'for the list types only: a JSON array of {"key": ..., "name": ...}, the choices';

-- What a posted request brought besides the case: the digest of its token,
-- the address as given, the media and the attributes.  Read only through
-- the Open311 functions.
CREATE TABLE @extschema@.open311_request (
    district        @extschema@.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    token_sha256    bytea NOT NULL CONSTRAINT open311_request_token_unique UNIQUE,
    address_string  text,
    media_url       text,
    attributes      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (district, case_id),
    FOREIGN KEY (district, case_id) REFERENCES @extschema@.cases (district, id)
);
CREATE UNIQUE INDEX open311_request_case ON @extschema@.open311_request (case_id);
COMMENT ON TABLE @extschema@.open311_request IS
    'the cases posted through Open311: their token''s digest, the address, media and attributes given; read by the Open311 functions only';
COMMENT ON COLUMN @extschema@.open311_request.district IS 'the case''s district';
COMMENT ON COLUMN @extschema@.open311_request.case_id IS 'the case, the v2 service_request_id';
COMMENT ON COLUMN @extschema@.open311_request.token_sha256 IS
    'SHA-256 of the token returned to the reporter; the token itself is not stored';
COMMENT ON COLUMN @extschema@.open311_request.address_string IS 'the v2 address_string as posted';
COMMENT ON COLUMN @extschema@.open311_request.media_url IS 'the v2 media_url as posted';
COMMENT ON COLUMN @extschema@.open311_request.attributes IS 'the answers to the service''s attributes, by code';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.open311_service', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.open311_attribute', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.open311_request', '');

-- ======================================================================
-- Functions
-- ======================================================================

-- A time as the v2 specification writes it (W3C's profile of ISO 8601,
-- with the offset of the session's time zone).
CREATE FUNCTION @extschema@.open311_datetime(t timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.to_char(t, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM');
COMMENT ON FUNCTION @extschema@.open311_datetime(timestamptz) IS
    'a time in the v2 format (W3C ISO 8601 with the session time zone''s offset), such as 2010-04-14T06:37:38-08:00';

-- A time given in the v2 format: a W3C date-time with its zone.
CREATE FUNCTION @extschema@.open311_parse_datetime(argument text, value text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~) '^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$' THEN
        RAISE EXCEPTION '% "%" is not a W3C date-time with a time zone', argument, value
            USING ERRCODE = '22007', HINT = 'Write it as 2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00.';
    END IF;
    RETURN value::timestamptz;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_parse_datetime(text, text) IS
    'a v2 date-time argument (W3C ISO 8601 with Z or an offset) as timestamptz; NULL for NULL; 22007 naming the argument otherwise';

-- The unit a jurisdiction_id names (a unit's code), or NULL for none.
CREATE FUNCTION @extschema@.open311_jurisdiction(jurisdiction_id text) RETURNS @extschema@.gridcode
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit @extschema@.gridcode;
BEGIN
    IF NULLIF(jurisdiction_id, '') IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.code INTO hit FROM @extschema@.unit u
     WHERE jurisdiction_id OPERATOR(pg_catalog.~) '^\d{2,19}$'
       AND u.code OPERATOR(@extschema@.=) jurisdiction_id::@extschema@.gridcode;
    IF hit IS NULL THEN
        RAISE EXCEPTION 'jurisdiction_id "%" was not found', jurisdiction_id
            USING ERRCODE = 'GG012', HINT = 'A jurisdiction_id is the code of a unit, such as 440311; leave it out for all of them.';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_jurisdiction(text) IS
    'the unit a v2 jurisdiction_id names (its code); NULL when none is given; GG012 when there is no such unit';

-- GET services: the services offered, by service_code.
CREATE FUNCTION @extschema@.open311_services(jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    result json;
BEGIN
    PERFORM @extschema@.open311_jurisdiction(jurisdiction_id);
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
               'service_code', COALESCE(s.service_code, s.category),
               'service_name', COALESCE(s.service_name, c.name),
               'description', COALESCE(s.description, c.description),
               'metadata', EXISTS (SELECT FROM @extschema@.open311_attribute a
                                    WHERE a.category OPERATOR(pg_catalog.=) s.category),
               'type', 'realtime',
               'keywords', s.keywords,
               'group', s."group") ORDER BY COALESCE(s.service_code, s.category)), '[]')
      INTO result
      FROM @extschema@.open311_service s JOIN @extschema@.category c ON c.code OPERATOR(pg_catalog.=) s.category;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_services(text) IS
    'Open311 GET services: a JSON array of the services offered (service_code, service_name, description, metadata, type, keywords, group)';

-- The service a service_code names, or GG012.
CREATE FUNCTION @extschema@.open311_find_service(service_code text) RETURNS @extschema@.open311_service
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit @extschema@.open311_service;
BEGIN
    SELECT s.* INTO hit FROM @extschema@.open311_service s
     WHERE COALESCE(s.service_code, s.category) OPERATOR(pg_catalog.=) open311_find_service.service_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'service_code "%" was not found', COALESCE(service_code, '')
            USING ERRCODE = 'GG012', HINT = 'The services offered are listed by gridgov.open311_services().';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_find_service(text) IS
    'the Open311 service a v2 service_code names; GG012 when none does';

-- GET a service definition: its attributes, in their order.
CREATE FUNCTION @extschema@.open311_service_definition(service_code text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    service @extschema@.open311_service := @extschema@.open311_find_service(service_code);
    result json;
BEGIN
    PERFORM @extschema@.open311_jurisdiction(jurisdiction_id);
    SELECT pg_catalog.json_build_object(
               'service_code', COALESCE(service.service_code, service.category),
               'attributes', COALESCE(pg_catalog.json_agg(
                   CASE WHEN a."values" IS NULL THEN
                       pg_catalog.json_build_object(
                           'variable', a.variable, 'code', a.code, 'datatype', a.datatype, 'required', a.required,
                           'datatype_description', a.datatype_description, 'order', a."order",
                           'description', a.description)
                   ELSE
                       pg_catalog.json_build_object(
                           'variable', a.variable, 'code', a.code, 'datatype', a.datatype, 'required', a.required,
                           'datatype_description', a.datatype_description, 'order', a."order",
                           'description', a.description, 'values', a."values")
                   END ORDER BY a."order") FILTER (WHERE a.code IS NOT NULL), '[]'))
      INTO result
      FROM (SELECT) one
      LEFT JOIN @extschema@.open311_attribute a ON a.category OPERATOR(pg_catalog.=) service.category;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_service_definition(text, text) IS
    'Open311 GET service definition: the service_code and its attributes (variable, code, datatype, required, datatype_description, order, description, values), in order';

-- Refuse answers to a service's attributes that do not fit its definition.
CREATE FUNCTION @extschema@.open311_check_attributes(service @extschema@.open311_service, given jsonb) RETURNS void
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    problem text;
BEGIN
    IF pg_catalog.jsonb_typeof(given) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'attribute must be a JSON object of answers by code, not %', given
            USING ERRCODE = '22023';
    END IF;
    SELECT pg_catalog.string_agg(p.problem, '; ' ORDER BY p.problem) INTO problem
      FROM (SELECT pg_catalog.format('attribute %s is required', a.code) AS problem
              FROM @extschema@.open311_attribute a
             WHERE a.category OPERATOR(pg_catalog.=) service.category AND a.required AND a.variable
               AND NOT given OPERATOR(pg_catalog.?) a.code
            UNION ALL
            SELECT pg_catalog.format('the service has no attribute %s', g.key)
              FROM pg_catalog.jsonb_object_keys(given) g(key)
             WHERE NOT EXISTS (SELECT FROM @extschema@.open311_attribute a
                                WHERE a.category OPERATOR(pg_catalog.=) service.category
                                  AND a.code OPERATOR(pg_catalog.=) g.key AND a.variable)
            UNION ALL
            SELECT pg_catalog.format('attribute %s: %s is not one of its keys', a.code, v.value)
              FROM @extschema@.open311_attribute a
             CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
                       CASE pg_catalog.jsonb_typeof(given OPERATOR(pg_catalog.->) a.code)
                       WHEN 'array' THEN given OPERATOR(pg_catalog.->) a.code
                       ELSE pg_catalog.jsonb_build_array(given OPERATOR(pg_catalog.->) a.code) END) v(value)
             WHERE a.category OPERATOR(pg_catalog.=) service.category AND a."values" IS NOT NULL
               AND given OPERATOR(pg_catalog.?) a.code
               AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(a."values") k(choice)
                                WHERE (k.choice OPERATOR(pg_catalog.->>) 'key') OPERATOR(pg_catalog.=)
                                      (v.value OPERATOR(pg_catalog.#>>) '{}'))
            UNION ALL
            SELECT pg_catalog.format('attribute %s takes one value', a.code)
              FROM @extschema@.open311_attribute a
             WHERE a.category OPERATOR(pg_catalog.=) service.category
               AND a.datatype OPERATOR(pg_catalog.<>) 'multivaluelist'
               AND pg_catalog.jsonb_typeof(given OPERATOR(pg_catalog.->) a.code) OPERATOR(pg_catalog.=) 'array') p;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'the request does not fit the definition of service %: %',
                        COALESCE(service.service_code, service.category), problem
            USING ERRCODE = '22023',
                  HINT = 'gridgov.open311_service_definition() lists the attributes, their types and keys.';
    END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_check_attributes(@extschema@.open311_service, jsonb) IS
    'refuses (22023) answers that miss a required attribute, name one the service lacks, or give a list attribute a value that is not one of its keys';

-- The point a request's lat and long give (SRID 4326), NULL without them.
CREATE FUNCTION @extschema@.open311_point(lat double precision, long double precision) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
    RETURN ST_SetSRID(ST_MakePoint(long, lat), 4326);
COMMENT ON FUNCTION @extschema@.open311_point(double precision, double precision) IS
    'the point of a request''s lat and long, in SRID 4326';

-- POST a request: report a case of the service's category through the
-- engine, and return its id with a new token (only its digest is kept).
CREATE FUNCTION @extschema@.open311_post_request(
    service_code text, lat double precision DEFAULT NULL, long double precision DEFAULT NULL,
    address_string text DEFAULT NULL, address_id text DEFAULT NULL, email text DEFAULT NULL,
    device_id text DEFAULT NULL, account_id text DEFAULT NULL, first_name text DEFAULT NULL,
    last_name text DEFAULT NULL, phone text DEFAULT NULL, description text DEFAULT NULL,
    media_url text DEFAULT NULL, attribute jsonb DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    service @extschema@.open311_service := @extschema@.open311_find_service(service_code);
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    grid @extschema@.gridcode;
    reported @extschema@.cases;
    token text := pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '') OPERATOR(pg_catalog.||)
                  pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '');
BEGIN
    IF (lat IS NULL) OPERATOR(pg_catalog.<>) (long IS NULL) THEN
        RAISE EXCEPTION 'lat and long go together: % is missing', CASE WHEN lat IS NULL THEN 'lat' ELSE 'long' END
            USING ERRCODE = '22023';
    END IF;
    IF NULLIF(address_id, '') IS NOT NULL THEN
        SELECT u.code INTO grid FROM @extschema@.unit u
         WHERE address_id OPERATOR(pg_catalog.~) '^\d{2,19}$'
           AND u.code OPERATOR(@extschema@.=) address_id::@extschema@.gridcode;
        IF grid IS NULL THEN
            RAISE EXCEPTION 'address_id "%" is not the code of a unit', address_id
                USING ERRCODE = '22023', HINT = 'An address_id is a grid''s code, such as 440311006003001.';
        END IF;
    ELSIF lat IS NULL THEN
        RAISE EXCEPTION 'a request needs lat and long, or address_id'
            USING ERRCODE = '22023',
                  HINT = 'An address_string alone cannot be placed in a grid; send the point, or the grid''s code as address_id.';
    END IF;
    IF pg_catalog.length(description) OPERATOR(pg_catalog.>) 4000 THEN
        RAISE EXCEPTION 'description has % characters, more than 4,000', pg_catalog.length(description)
            USING ERRCODE = '22023';
    END IF;
    PERFORM @extschema@.open311_check_attributes(service, COALESCE(attribute, '{}'));

    INSERT INTO @extschema@.cases (category, channel, description, location, unit, reporter)
    VALUES (service.category, 'resident_app', COALESCE(description, ''),
            @extschema@.open311_point(lat, long), grid,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'email', NULLIF(email, ''), 'first_name', NULLIF(first_name, ''),
                'last_name', NULLIF(last_name, ''), 'phone', NULLIF(phone, ''),
                'device_id', NULLIF(device_id, ''), 'account_id', NULLIF(account_id, ''))))
    RETURNING * INTO reported;
    IF within IS NOT NULL AND NOT reported.unit OPERATOR(@extschema@.<@) within THEN
        RAISE EXCEPTION 'the request''s place, in unit %, is outside jurisdiction %', reported.unit, within
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO @extschema@.open311_request (district, case_id, token_sha256, address_string, media_url, attributes)
    VALUES (reported.district, reported.id, pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')),
            NULLIF(address_string, ''), NULLIF(media_url, ''), COALESCE(attribute, '{}'));
    RETURN pg_catalog.json_build_array(pg_catalog.json_build_object(
               'service_request_id', reported.id,
               'token', token,
               'service_notice', service.service_notice,
               'account_id', NULLIF(account_id, '')));
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text) IS
    'Open311 POST request: reports a case of the service''s category (channel resident_app) and returns [{service_request_id, token, service_notice, account_id}]; the token is the reporter''s, only its SHA-256 is kept';

-- One request as v2 answers it.
CREATE FUNCTION @extschema@.open311_request_json(c @extschema@.cases) RETURNS json
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.json_build_object(
               'service_request_id', c.id,
               'status', CASE WHEN c.status OPERATOR(pg_catalog.=) ANY (ARRAY['closed', 'rejected', 'merged'])
                              THEN 'closed' ELSE 'open' END,
               'status_notes', CASE WHEN c.status OPERATOR(pg_catalog.=) 'merged'
                                    THEN 'merged: a duplicate of request ' OPERATOR(pg_catalog.||) c.duplicate_of
                                    ELSE c.status END,
               'service_name', COALESCE(s.service_name, k.name),
               'service_code', COALESCE(s.service_code, s.category),
               'description', CASE WHEN r.case_id IS NOT NULL THEN NULLIF(c.description, '') END,
               'agency_responsible', p.name,
               'service_notice', s.service_notice,
               'requested_datetime', @extschema@.open311_datetime(c.reported_at),
               'updated_datetime', @extschema@.open311_datetime(
                   CASE WHEN c.status OPERATOR(pg_catalog.=) 'closed' THEN c.closed_at
                        ELSE COALESCE(c.moved_at, c.reported_at) END),
               'expected_datetime', @extschema@.open311_datetime(c.stage_deadline),
               'address', COALESCE(r.address_string, u.name),
               'address_id', c.unit::text,
               'zipcode', NULL::text,
               'lat', ST_Y(c.location),
               'long', ST_X(c.location),
               'media_url', r.media_url)
      FROM @extschema@.open311_service s
      JOIN @extschema@.category k ON k.code OPERATOR(pg_catalog.=) s.category
      LEFT JOIN @extschema@.service_point p ON p.id OPERATOR(pg_catalog.=) c.service_point
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) c.unit
      LEFT JOIN @extschema@.open311_request r ON r.case_id OPERATOR(pg_catalog.=) c.id
     WHERE s.category OPERATOR(pg_catalog.=) c.category;
END;
COMMENT ON FUNCTION @extschema@.open311_request_json(@extschema@.cases) IS
    'a case as an Open311 v2 request object (service_request_id, status, status_notes, service_name, service_code, description, agency_responsible, service_notice, requested_datetime, updated_datetime, expected_datetime, address, address_id, zipcode, lat, long, media_url); NULL when its category is not offered';

-- GET requests, with the v2 filters.
CREATE FUNCTION @extschema@.open311_requests(
    service_request_id text DEFAULT NULL, service_code text DEFAULT NULL, start_date text DEFAULT NULL,
    end_date text DEFAULT NULL, status text DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    ids bigint[];
    codes text[] := pg_catalog.string_to_array(NULLIF(service_code, ''), ',');
    statuses text[] := pg_catalog.string_to_array(NULLIF(status, ''), ',');
    first_time timestamptz := @extschema@.open311_parse_datetime('start_date', NULLIF(start_date, ''));
    last_time timestamptz := @extschema@.open311_parse_datetime('end_date', NULLIF(end_date, ''));
    result json;
BEGIN
    IF NULLIF(service_request_id, '') IS NOT NULL THEN
        IF service_request_id OPERATOR(pg_catalog.!~) '^\d{1,18}(,\d{1,18})*$' THEN
            RAISE EXCEPTION 'service_request_id "%" is not a comma-separated list of request ids', service_request_id
                USING ERRCODE = '22P02';
        END IF;
        ids := pg_catalog.string_to_array(service_request_id, ',')::bigint[];
    END IF;
    IF statuses OPERATOR(pg_catalog.<@) ARRAY['open', 'closed'] IS NOT TRUE AND statuses IS NOT NULL THEN
        RAISE EXCEPTION 'status "%" is not open, closed or both', status
            USING ERRCODE = '22023', HINT = 'Give open, closed, or open,closed.';
    END IF;
    -- the default span is the 90 days up to now, or up to or from the date given
    last_time := COALESCE(last_time, first_time OPERATOR(pg_catalog.+) interval '90 days', pg_catalog.now());
    first_time := COALESCE(first_time, last_time OPERATOR(pg_catalog.-) interval '90 days');
    IF last_time OPERATOR(pg_catalog.<) first_time THEN
        RAISE EXCEPTION 'end_date % is before start_date %', end_date, start_date USING ERRCODE = '22023';
    END IF;
    IF last_time OPERATOR(pg_catalog.-) first_time OPERATOR(pg_catalog.>) interval '90 days' THEN
        RAISE EXCEPTION 'start_date and end_date span more than 90 days'
            USING ERRCODE = '22023', HINT = 'GeoReport v2 asks for 90 days at most: query the span in parts.';
    END IF;
    SELECT COALESCE(pg_catalog.json_agg(q.request ORDER BY q.reported_at, q.id), '[]') INTO result
      FROM (SELECT @extschema@.open311_request_json(c) AS request, c.reported_at, c.id
              FROM @extschema@.cases c
              JOIN @extschema@.open311_service s ON s.category OPERATOR(pg_catalog.=) c.category
             WHERE (within IS NULL OR c.unit OPERATOR(@extschema@.<@) within)
               AND CASE WHEN ids IS NOT NULL THEN c.id OPERATOR(pg_catalog.=) ANY (ids)
                   ELSE (codes IS NULL OR COALESCE(s.service_code, s.category) OPERATOR(pg_catalog.=) ANY (codes))
                        AND (statuses IS NULL OR
                             CASE WHEN c.status OPERATOR(pg_catalog.=) ANY (ARRAY['closed', 'rejected', 'merged'])
                                  THEN 'closed' ELSE 'open' END OPERATOR(pg_catalog.=) ANY (statuses))
                        AND c.reported_at OPERATOR(pg_catalog.>=) first_time
                        AND c.reported_at OPERATOR(pg_catalog.<=) last_time END
             ORDER BY c.reported_at, c.id
             LIMIT 1000) q;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_requests(text, text, text, text, text, text) IS
    'Open311 GET requests: a JSON array of requests (oldest first, 1,000 at most) of the services offered; service_request_id (comma-separated) overrides the other filters: service_code (comma-separated), start_date and end_date (W3C date-times, 90 days at most, by default the last 90), status (open, closed)';

-- GET one request.
CREATE FUNCTION @extschema@.open311_request(service_request_id text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    result json;
BEGIN
    SELECT @extschema@.open311_request_json(c) INTO result
      FROM @extschema@.cases c
     WHERE service_request_id OPERATOR(pg_catalog.~) '^\d{1,18}$'
       AND c.id OPERATOR(pg_catalog.=) service_request_id::bigint
       AND (within IS NULL OR c.unit OPERATOR(@extschema@.<@) within);
    IF result IS NULL THEN
        RAISE EXCEPTION 'service_request_id "%" was not found', COALESCE(service_request_id, '')
            USING ERRCODE = 'GG012';
    END IF;
    RETURN pg_catalog.json_build_array(result);
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_request(text, text) IS
    'Open311 GET request: a JSON array of the one request; GG012 when there is no such request of a service offered (in the jurisdiction, if given)';

-- The request a token was returned for, or GG012.
CREATE FUNCTION @extschema@.open311_token_case(token text) RETURNS @extschema@.open311_request
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit @extschema@.open311_request;
BEGIN
    SELECT r.* INTO hit FROM @extschema@.open311_request r
     WHERE r.token_sha256 OPERATOR(pg_catalog.=) pg_catalog.sha256(pg_catalog.convert_to(COALESCE(token, ''), 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'token was not found'
            USING ERRCODE = 'GG012', HINT = 'A token is the one open311_post_request() returned for the request.';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_token_case(text) IS
    'the posted request a token belongs to, found by the token''s SHA-256; GG012 when none (the message never repeats the token)';

-- GET service_request_id from a token.
CREATE FUNCTION @extschema@.open311_token(token text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.open311_jurisdiction(jurisdiction_id);
    RETURN pg_catalog.json_build_array(pg_catalog.json_build_object(
               'service_request_id', (@extschema@.open311_token_case(token)).case_id, 'token', token));
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_token(text, text) IS
    'Open311 GET token: [{service_request_id, token}] for a token returned by open311_post_request(); GG012 when it is unknown';

-- ======================================================================
-- Privileges and row-level security
-- ======================================================================

-- The Open311 tables are read and written through the functions above,
-- which run as their owner: no role but the owner reads open311_request
-- (token digests, what reporters sent); administrators keep the services
-- and their attributes, readers read them.  The functions that run as the
-- owner search the extension's schema and pg_catalog only; what needs
-- PostGIS is a function of its own (open311_point, open311_request_json).
ALTER TABLE @extschema@.open311_request ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON @extschema@.open311_service, @extschema@.open311_attribute TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.open311_service, @extschema@.open311_attribute TO gridgov_administrator;
GRANT USAGE ON SCHEMA @extschema@ TO gridgov_reporter;
REVOKE EXECUTE ON FUNCTION
    @extschema@.open311_datetime(timestamptz),
    @extschema@.open311_parse_datetime(text, text),
    @extschema@.open311_jurisdiction(text),
    @extschema@.open311_services(text),
    @extschema@.open311_find_service(text),
    @extschema@.open311_service_definition(text, text),
    @extschema@.open311_check_attributes(@extschema@.open311_service, jsonb),
    @extschema@.open311_point(double precision, double precision),
    @extschema@.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text),
    @extschema@.open311_request_json(@extschema@.cases),
    @extschema@.open311_requests(text, text, text, text, text, text),
    @extschema@.open311_request(text, text),
    @extschema@.open311_token_case(text),
    @extschema@.open311_token(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.open311_services(text),
    @extschema@.open311_service_definition(text, text),
    @extschema@.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text),
    @extschema@.open311_requests(text, text, text, text, text, text),
    @extschema@.open311_request(text, text),
    @extschema@.open311_token(text, text)
    TO gridgov_reporter, gridgov_handler;

-- issue 18, item 4: plain types in every view meant for BI tools.  The
-- codes of case_clock, the people pillar's checks and volunteer_figures
-- become text (their functions keep gridcode for SQL), risk_map's score a
-- numeric.  A view's column cannot change its type in place: each view is
-- made again, with its options, comments and grants.
DROP VIEW @extschema@.case_clock, @extschema@.grids_without_party_members,
          @extschema@.party_members_outside_grids, @extschema@.grids_without_branch,
          @extschema@.buildings_without_team, @extschema@.teams_breaking_rule,
          @extschema@.secretaries_without_reserves, @extschema@.volunteer_figures, @extschema@.risk_map;
CREATE VIEW @extschema@.case_clock AS
SELECT k.id, k.district::text AS district, k.unit::text AS unit, k.status, k.stage, k.service_point,
       k.stage_started_at, k.stage_deadline, k.share_used, k.light, k.deadline_provisional
  FROM @extschema@.case_clock(pg_catalog.now()) k;
COMMENT ON VIEW @extschema@.case_clock IS 'every open stage''s deadline, share used and traffic light now';
COMMENT ON COLUMN @extschema@.case_clock.id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.case_clock.district IS 'the case''s district, its gridcode as text';
COMMENT ON COLUMN @extschema@.case_clock.unit IS 'the case''s unit, usually a grid, its gridcode as text';
COMMENT ON COLUMN @extschema@.case_clock.status IS 'the case''s status';
COMMENT ON COLUMN @extschema@.case_clock.stage IS 'the open stage: accept, dispatch, resolve or verify';
COMMENT ON COLUMN @extschema@.case_clock.service_point IS 'the service point handling the case';
COMMENT ON COLUMN @extschema@.case_clock.stage_started_at IS 'when the stage started';
COMMENT ON COLUMN @extschema@.case_clock.stage_deadline IS 'when the stage must end, suspensions added';
COMMENT ON COLUMN @extschema@.case_clock.share_used IS
    'share of the stage''s limit used now, suspended time excluded: 0 to 1 in time, above 1 when overdue (3 decimals)';
COMMENT ON COLUMN @extschema@.case_clock.light IS 'traffic light: green, yellow from 80% of the limit used, red when overdue';
COMMENT ON COLUMN @extschema@.case_clock.deadline_provisional IS
    'true when the deadline runs past the calendar''s horizon and was counted on plain weekdays (see calendar_horizon())';
CREATE VIEW @extschema@.grids_without_party_members WITH (security_invoker = true) AS
SELECT c.grid::text AS grid, c.name
  FROM @extschema@.unit p,
       LATERAL @extschema@.grids_without_party_members(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.grids_without_party_members IS 'grids where no party member is placed today';
COMMENT ON COLUMN @extschema@.grids_without_party_members.grid IS 'the grid, its gridcode as text';
COMMENT ON COLUMN @extschema@.grids_without_party_members.name IS 'its name';
CREATE VIEW @extschema@.party_members_outside_grids WITH (security_invoker = true) AS
SELECT c.person, c.post, c.role, c.organization, c.unit::text AS unit
  FROM @extschema@.unit p,
       LATERAL @extschema@.party_members_outside_grids(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.party_members_outside_grids IS 'party members placed in no grid today';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.person IS 'the party member';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.post IS 'one of their party posts';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.role IS 'its role: which of the five kinds of party member';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.organization IS 'its organization, if any';
COMMENT ON COLUMN @extschema@.party_members_outside_grids.unit IS 'its unit, else its organization''s anchor, its gridcode as text';
CREATE VIEW @extschema@.grids_without_branch WITH (security_invoker = true) AS
SELECT c.grid::text AS grid, c.name
  FROM @extschema@.unit p,
       LATERAL @extschema@.grids_without_branch(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.grids_without_branch IS 'grids that no grid branch or area general branch covers today';
COMMENT ON COLUMN @extschema@.grids_without_branch.grid IS 'the grid, its gridcode as text';
COMMENT ON COLUMN @extschema@.grids_without_branch.name IS 'its name';
CREATE VIEW @extschema@.buildings_without_team WITH (security_invoker = true) AS
SELECT c.building::text AS building, c.name
  FROM @extschema@.unit p,
       LATERAL @extschema@.buildings_without_team(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.buildings_without_team IS 'buildings that no 红小二 team covers today';
COMMENT ON COLUMN @extschema@.buildings_without_team.building IS 'the building, its gridcode as text';
COMMENT ON COLUMN @extschema@.buildings_without_team.name IS 'its name';
CREATE VIEW @extschema@.teams_breaking_rule WITH (security_invoker = true) AS
SELECT c.team, c.name, c.anchor::text AS anchor, c.members, c.full_time_party_members
  FROM @extschema@.unit p,
       LATERAL @extschema@.teams_breaking_rule(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.teams_breaking_rule IS
    '红小二 teams without 3 to 5 people and at least one full-time grid party member today';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.team IS 'the team (an organization)';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.name IS 'its name';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.anchor IS 'the unit it is anchored on, its gridcode as text';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.members IS 'the people holding a post in it';
COMMENT ON COLUMN @extschema@.teams_breaking_rule.full_time_party_members IS
    'those of them who are party members and full-time grid workers';
CREATE VIEW @extschema@.secretaries_without_reserves WITH (security_invoker = true) AS
SELECT c.organization, c.community::text AS community, c.secretary, c.reserve_cadres
  FROM @extschema@.unit p,
       LATERAL @extschema@.secretaries_without_reserves(p.code, CURRENT_DATE) c
 WHERE p.level OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW @extschema@.secretaries_without_reserves IS
    'community party secretaries with fewer than two reserve cadres today';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.organization IS 'the community party committee';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.community IS 'its anchor, the community, its gridcode as text';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.secretary IS 'the secretary';
COMMENT ON COLUMN @extschema@.secretaries_without_reserves.reserve_cadres IS 'the reserve cadres in the committee';
CREATE VIEW @extschema@.volunteer_figures WITH (security_invoker = true) AS
SELECT d.code::text AS district, d.name, f.*
  FROM @extschema@.unit d,
       LATERAL @extschema@.volunteer_figures(d.code) f
 WHERE d.level OPERATOR(pg_catalog.=) 3
   AND (f.volunteers OPERATOR(pg_catalog.>) 0 OR f.reports OPERATOR(pg_catalog.>) 0);
COMMENT ON VIEW @extschema@.volunteer_figures IS
    'per district with patrol volunteers: how many today, their reports of all time, per volunteer, settled inside the community, awards';
COMMENT ON COLUMN @extschema@.volunteer_figures.district IS 'the district (county level), its gridcode as text';
COMMENT ON COLUMN @extschema@.volunteer_figures.name IS 'its name';
COMMENT ON COLUMN @extschema@.volunteer_figures.volunteers IS 'patrol volunteers placed in it today';
COMMENT ON COLUMN @extschema@.volunteer_figures.reporting_volunteers IS 'those of any day who reported a case in it';
COMMENT ON COLUMN @extschema@.volunteer_figures.reports IS 'their reports';
COMMENT ON COLUMN @extschema@.volunteer_figures.reports_per_volunteer IS 'reports per volunteer placed today';
COMMENT ON COLUMN @extschema@.volunteer_figures.closed IS 'reports whose case is closed';
COMMENT ON COLUMN @extschema@.volunteer_figures.settled_in_community IS
    'closed at the community or grid level (小事不出村)';
COMMENT ON COLUMN @extschema@.volunteer_figures.settled_in_community_pct IS 'their share of the closed, in %';
COMMENT ON COLUMN @extschema@.volunteer_figures.awards IS 'awards paid for the reports';
COMMENT ON COLUMN @extschema@.volunteer_figures.awarded_yuan IS 'what those awards paid, in yuan';
CREATE VIEW @extschema@.risk_map AS
SELECT u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM @extschema@.unit a
         WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND @extschema@.unit_is_current(a)) AS breadcrumb,
       COALESCE(s.score, 0)::numeric AS score,
       @extschema@.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM @extschema@.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM @extschema@.unit p
              CROSS JOIN LATERAL @extschema@.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND @extschema@.unit_is_current(p)) s
         ON s.unit OPERATOR(@extschema@.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND @extschema@.unit_is_current(u);
COMMENT ON VIEW @extschema@.risk_map IS
    'risk map now: every current unit down to the grids with its risk score, warning colour, counted cases and boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN @extschema@.risk_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN @extschema@.risk_map.name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.risk_map.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN @extschema@.risk_map.level_name IS 'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN @extschema@.risk_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN @extschema@.risk_map.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN @extschema@.risk_map.score IS
    'sum over the unit''s subtree of weight(severity) * 2^(-(now - reported_at) / half_life), a numeric (15 significant digits); see risk()';
COMMENT ON COLUMN @extschema@.risk_map.color IS 'blue, yellow, orange or red by the thresholds in force at the unit''s level';
COMMENT ON COLUMN @extschema@.risk_map.cases IS 'cases counted in the score (reported by now, not rejected or merged)';
COMMENT ON COLUMN @extschema@.risk_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';
ALTER VIEW @extschema@.case_clock SET (security_invoker = true);
ALTER VIEW @extschema@.risk_map SET (security_invoker = true);
GRANT SELECT ON @extschema@.case_clock, @extschema@.grids_without_party_members,
                @extschema@.party_members_outside_grids, @extschema@.grids_without_branch,
                @extschema@.buildings_without_team, @extschema@.teams_breaking_rule,
                @extschema@.secretaries_without_reserves, @extschema@.volunteer_figures, @extschema@.risk_map
    TO gridgov_reader;

-- issue 18: the reporter's side of an Open311 request: progress by the
-- token, the evaluation after closure (the move evaluate) and a complaint
-- within gridgov.complaint_window reopening a closed case as rework (the
-- move reopen from closed); both moves are the module's (as sql/open311.sql)
-- ----------------------------------------------------------------------
COMMENT ON COLUMN @extschema@.cases.last_action IS
    'the last report or move: report, accept, reject, merge, dispatch, start, return, extend, suspend, resume, resolve, verify, reopen, close, evaluate, escalate or edit';
COMMENT ON COLUMN @extschema@.case_history.action IS
    'report, or the move: accept, reject, merge, dispatch, start, return, extend, suspend, resume, resolve, verify, reopen, close, evaluate, escalate or edit';

-- The setting gridgov.complaint_window, read by the module that defines it.
CREATE FUNCTION @extschema@.complaint_window() RETURNS interval
    AS 'MODULE_PATHNAME', 'case_complaint_window' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.complaint_window() IS
    'gridgov.complaint_window as an interval (default 15 days): how long after closure a reporter''s complaint reopens the case; 22023 when it is not a positive interval';

-- What the reporter of a posted request sees of it: the v2 request, every
-- stage it went through, the replies (the notes of the moves that answer
-- the reporter), the evaluation, and whether a complaint may still reopen it.
CREATE FUNCTION @extschema@.open311_progress_json(c @extschema@.cases) RETURNS json
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.json_build_object(
               'request', @extschema@.open311_request_json(c),
               'stages', (SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                                     'seq', h.seq, 'action', h.action, 'status', h.to_status,
                                     'datetime', @extschema@.open311_datetime(h.at)) ORDER BY h.seq), '[]')
                            FROM @extschema@.case_history h
                           WHERE h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id),
               'replies', (SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                                      'seq', h.seq, 'action', h.action,
                                      'datetime', @extschema@.open311_datetime(h.at), 'text', h.note) ORDER BY h.seq), '[]')
                             FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.note IS NOT NULL
                              AND h.action OPERATOR(pg_catalog.=) ANY
                                  (ARRAY['reject', 'merge', 'suspend', 'extend', 'resolve', 'close', 'reopen'])),
               'satisfaction', c.satisfaction,
               'evaluation', c.evaluation,
               'reworked', c.reopenings,
               'may_evaluate', c.status OPERATOR(pg_catalog.=) 'closed',
               'complaint_until', CASE WHEN c.status OPERATOR(pg_catalog.=) 'closed'
                                       THEN @extschema@.open311_datetime(c.closed_at OPERATOR(pg_catalog.+) @extschema@.complaint_window()) END,
               'may_complain', c.status OPERATOR(pg_catalog.=) 'closed'
                               AND pg_catalog.now() OPERATOR(pg_catalog.<=) (c.closed_at OPERATOR(pg_catalog.+) @extschema@.complaint_window()));
END;
COMMENT ON FUNCTION @extschema@.open311_progress_json(@extschema@.cases) IS
    'a request''s progress for its reporter: the v2 request, its stages (seq, action, status, datetime), the replies (notes of reject, merge, suspend, extend, resolve, close and reopen), the evaluation, times reworked, and whether it may be evaluated or complained about (until when)';

-- The reporter's progress, by the token.
CREATE FUNCTION @extschema@.open311_progress(token text) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    posted @extschema@.open311_request := @extschema@.open311_token_case(token);
BEGIN
    RETURN (SELECT @extschema@.open311_progress_json(c) FROM @extschema@.cases c
             WHERE c.district OPERATOR(@extschema@.=) posted.district AND c.id OPERATOR(pg_catalog.=) posted.case_id);
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_progress(text) IS
    'the progress of the request a token was returned for (open311_progress_json); GG012 for an unknown token';

-- The case a token belongs to, locked for a move by its reporter.
CREATE FUNCTION @extschema@.open311_lock_case(token text) RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    posted @extschema@.open311_request := @extschema@.open311_token_case(token);
    locked @extschema@.cases;
BEGIN
    SELECT c.* INTO locked FROM @extschema@.cases c
     WHERE c.district OPERATOR(@extschema@.=) posted.district AND c.id OPERATOR(pg_catalog.=) posted.case_id
       FOR UPDATE;
    RETURN locked;
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_lock_case(text) IS
    'the case of a token''s request, locked FOR UPDATE: reporters'' moves on one case follow each other';

-- The reporter evaluates a closed request: a rating 1 to 5 and a comment,
-- the move evaluate (the case stays closed).
CREATE FUNCTION @extschema@.open311_evaluate(token text, satisfaction integer, evaluation text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    c @extschema@.cases := @extschema@.open311_lock_case(token);
BEGIN
    IF satisfaction IS NULL OR satisfaction OPERATOR(pg_catalog.<) 1 OR satisfaction OPERATOR(pg_catalog.>) 5 THEN
        RAISE EXCEPTION 'satisfaction must be 1 (worst) to 5 (best), not %', COALESCE(satisfaction::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF c.status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'request % cannot be evaluated: it is %, not closed', c.id, c.status
            USING ERRCODE = '55000', HINT = 'A request is evaluated once it is closed.';
    END IF;
    IF c.satisfaction IS DISTINCT FROM satisfaction OR c.evaluation IS DISTINCT FROM NULLIF(evaluation, '') THEN
        PERFORM @extschema@.apply_move(c.id, 'closed', NULL, NULL, NULL, 'evaluate', 'closed',
                                       satisfaction => satisfaction, evaluation => NULLIF(evaluation, ''));
    END IF;
    RETURN @extschema@.open311_progress(token);
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_evaluate(text, integer, text) IS
    'the reporter evaluates the closed request of a token: satisfaction 1 to 5 and a comment, the move evaluate; returns the progress; 55000 unless closed';

-- The reporter complains about a closed request: within
-- gridgov.complaint_window of its closure the case is reopened as rework
-- (返工, counted by rework_rate); later, or when it is not closed, an error.
CREATE FUNCTION @extschema@.open311_complain(token text, reason text) RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    c @extschema@.cases := @extschema@.open311_lock_case(token);
    window_end timestamptz;
BEGIN
    IF NULLIF(pg_catalog.btrim(reason), '') IS NULL THEN
        RAISE EXCEPTION 'a complaint needs a reason' USING ERRCODE = '22023';
    END IF;
    IF c.status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'request % cannot be complained about: it is %, not closed', c.id, c.status
            USING ERRCODE = '55000',
                  HINT = CASE WHEN c.status OPERATOR(pg_catalog.=) ANY (ARRAY['rejected', 'merged'])
                              THEN 'A rejected or merged request is not reopened; post a new request.'
                              ELSE 'It is still being handled (a complaint made meanwhile reopened it, or it was never closed).' END;
    END IF;
    window_end := c.closed_at OPERATOR(pg_catalog.+) @extschema@.complaint_window();
    IF pg_catalog.now() OPERATOR(pg_catalog.>) window_end THEN
        RAISE EXCEPTION 'request % was closed at %, and the time for complaints ended at %',
                        c.id, c.closed_at, window_end
            USING ERRCODE = '55000',
                  DETAIL = pg_catalog.format('A complaint reopens a request within %s of its closure (gridgov.complaint_window).',
                                             @extschema@.complaint_window()),
                  HINT = 'Post a new request.';
    END IF;
    PERFORM @extschema@.apply_move(c.id, 'in_progress', 'complaint: ' OPERATOR(pg_catalog.||) reason, NULL, NULL,
                                   'reopen', 'closed');
    RETURN @extschema@.open311_progress(token);
END;
$$;
COMMENT ON FUNCTION @extschema@.open311_complain(text, text) IS
    'the reporter complains about the closed request of a token: within gridgov.complaint_window of its closure the case is reopened as rework (move reopen, counted by rework_rate) and the progress returned; 55000 when it is not closed or the window has passed';

REVOKE EXECUTE ON FUNCTION
    @extschema@.complaint_window(),
    @extschema@.open311_progress_json(@extschema@.cases),
    @extschema@.open311_progress(text),
    @extschema@.open311_lock_case(text),
    @extschema@.open311_evaluate(text, integer, text),
    @extschema@.open311_complain(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.open311_progress(text),
    @extschema@.open311_evaluate(text, integer, text),
    @extschema@.open311_complain(text, text)
    TO gridgov_reporter, gridgov_handler;

-- issue 17: the three lists and the community budgets (a new pillar, sql/lists.sql,
-- after access.sql: its policies use the jurisdiction tests), as in sql/lists.sql.
-- gridgov pillar: the three lists (三张清单) and the community budgets
--
-- Guangming gives each community two budgets a year, decided by its party
-- committee with the residents: 30,000,000 yuan for base works (强基惠民
-- 工程) and 2,000,000 yuan for residents' micro-projects (民生微实事).  A
-- budget line is one community, one year, one kind; money is bigint fen
-- (1/100 yuan), so that sums are exact.
--
-- Commitments and payments are rows of one append-only ledger,
-- budget_entry: a commitment sets money of a budget aside (for a project,
-- a contract), a payment pays out of a commitment, a release gives back
-- what a commitment will not need.  An entry is one INSERT, whoever writes
-- it (commit_budget, pay_commitment, release_commitment, or a plain
-- INSERT); its BEFORE trigger checks it and moves the budget's counters
-- with one UPDATE of the budget's row.  For a commitment that UPDATE's
-- WHERE clause holds committed + amount <= amount of the budget: its row
-- lock orders concurrent entries of one budget and, in READ COMMITTED, the
-- clause is evaluated again on the row the last writer left, so a budget
-- is never overcommitted however many clients commit at once.  A payment
-- or a release takes the same row lock first (SELECT ... FOR NO KEY
-- UPDATE), then sums what its commitment has already paid and released (a
-- new snapshot, which sees every entry committed under that lock), so a
-- commitment is never paid beyond its amount.  CHECK constraints stand behind both (committed <=
-- amount, paid <= committed).  The ledger refuses UPDATE, DELETE and
-- TRUNCATE (GG009), and the counters move with the ledger only (GG009).
--
-- A restore (pg_restore or pg_dump | psql by a superuser or a member of
-- gridgov_importer, as for rewards) copies the budgets with their counters,
-- then the ledger: an entry that gives its own entered_at, from such a
-- role, is a restored one, kept as written and not counted again.
--
-- The spend reports sum budget lines under any unit of the jurisdiction
-- tree, per unit of a level, year and kind: a community's figures merge
-- into its subdistrict's and district's as the KPIs do.
--
-- The sections: budgets and their ledger; projects (项目清单) through the
-- stages of 四议两公开; needs (需求清单) and offers (服务意向清单) and the
-- matching of the two; plain-typed views for BI tools; and access (the
-- group roles' grants and row-level security by jurisdiction, which needs
-- access.sql's tests, so this file comes after it).

-- ======================================================================
-- Budgets
-- ======================================================================

CREATE TABLE @extschema@.budget_kind (
    code        text PRIMARY KEY
                CONSTRAINT budget_kind_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL CONSTRAINT budget_kind_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    annual_fen  bigint NOT NULL
                CONSTRAINT budget_kind_annual_not_negative CHECK (annual_fen OPERATOR(pg_catalog.>=) 0)
);
COMMENT ON TABLE @extschema@.budget_kind IS
    'kinds of community budgets: base works (强基惠民工程) and residents'' micro-projects (民生微实事)';
COMMENT ON COLUMN @extschema@.budget_kind.code IS 'the kind, as budget.kind names it, such as micro_project';
COMMENT ON COLUMN @extschema@.budget_kind.name IS 'the kind''s Chinese name, such as 民生微实事';
COMMENT ON COLUMN @extschema@.budget_kind.annual_fen IS
    'what a community usually gets a year, in fen: open_budgets gives it to each community';

INSERT INTO @extschema@.budget_kind (code, name, annual_fen) VALUES
    ('base_works',    '强基惠民工程', 3000000000),
    ('micro_project', '民生微实事',   200000000);

-- pg_dump keeps the kinds a user added (and the amounts of the two above
-- are CREATE EXTENSION's), as for organization_kind.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget_kind',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM @extschema@.budget_kind;

CREATE TABLE @extschema@.budget (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    community       @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code)
                    CONSTRAINT budget_community_level CHECK (@extschema@.level(community) OPERATOR(pg_catalog.=) 5),
    year            integer NOT NULL
                    CONSTRAINT budget_year CHECK (year OPERATOR(pg_catalog.>=) 2000 AND year OPERATOR(pg_catalog.<=) 2100),
    kind            text NOT NULL REFERENCES @extschema@.budget_kind (code),
    amount_fen      bigint NOT NULL
                    CONSTRAINT budget_amount_not_negative CHECK (amount_fen OPERATOR(pg_catalog.>=) 0),
    committed_fen   bigint NOT NULL DEFAULT 0
                    CONSTRAINT budget_committed_not_negative CHECK (committed_fen OPERATOR(pg_catalog.>=) 0),
    paid_fen        bigint NOT NULL DEFAULT 0
                    CONSTRAINT budget_paid_not_negative CHECK (paid_fen OPERATOR(pg_catalog.>=) 0),
    organization    bigint REFERENCES @extschema@.organization (id),
    CONSTRAINT budget_one_per_line UNIQUE (community, year, kind),
    CONSTRAINT budget_not_overspent CHECK (committed_fen OPERATOR(pg_catalog.<=) amount_fen),
    CONSTRAINT budget_paid_within_committed CHECK (paid_fen OPERATOR(pg_catalog.<=) committed_fen)
);
COMMENT ON TABLE @extschema@.budget IS
    'budget lines: one per community, year and kind; committed and paid follow the ledger (budget_entry) and never exceed the amount';
COMMENT ON COLUMN @extschema@.budget.id IS 'the budget line''s number';
COMMENT ON COLUMN @extschema@.budget.community IS 'the community (village level, 5) whose money it is';
COMMENT ON COLUMN @extschema@.budget.year IS 'the budget year';
COMMENT ON COLUMN @extschema@.budget.kind IS 'its kind, a code of budget_kind: base_works or micro_project';
COMMENT ON COLUMN @extschema@.budget.amount_fen IS
    'what it holds, in fen (1/100 yuan); may be raised, or lowered down to what is committed';
COMMENT ON COLUMN @extschema@.budget.committed_fen IS
    'what is committed, in fen: the ledger''s commitments less its releases, written by the ledger''s trigger only';
COMMENT ON COLUMN @extschema@.budget.paid_fen IS
    'what is paid, in fen: the ledger''s payments, written by the ledger''s trigger only';
COMMENT ON COLUMN @extschema@.budget.organization IS
    'the organization that decides on it, such as the community party committee (社区党委); NULL if not recorded';
CREATE INDEX budget_year_kind_idx ON @extschema@.budget (year, kind);

CREATE TABLE @extschema@.budget_entry (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    budget          bigint NOT NULL REFERENCES @extschema@.budget (id),
    kind            text NOT NULL
                    CONSTRAINT budget_entry_kind CHECK (kind OPERATOR(pg_catalog.=) ANY
                        (ARRAY['commitment', 'payment', 'release'])),
    commitment      bigint REFERENCES @extschema@.budget_entry (id),
    amount_fen      bigint NOT NULL
                    CONSTRAINT budget_entry_amount_positive CHECK (amount_fen OPERATOR(pg_catalog.>) 0),
    entered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    entered_by      text NOT NULL DEFAULT CURRENT_USER,
    note            text,
    CONSTRAINT budget_entry_commitment_named CHECK ((kind OPERATOR(pg_catalog.=) 'commitment') OPERATOR(pg_catalog.=) (commitment IS NULL))
);
COMMENT ON TABLE @extschema@.budget_entry IS
    'the budget ledger, append-only: commitments against a budget line, payments and releases against a commitment';
COMMENT ON COLUMN @extschema@.budget_entry.id IS 'the entry''s number';
COMMENT ON COLUMN @extschema@.budget_entry.budget IS 'the budget line it moves (a payment''s or release''s is its commitment''s)';
COMMENT ON COLUMN @extschema@.budget_entry.kind IS
    'commitment (sets money of the budget aside), payment (pays out of a commitment) or release (gives back what a commitment will not need)';
COMMENT ON COLUMN @extschema@.budget_entry.commitment IS
    'for a payment or a release, the commitment it draws on; NULL for a commitment';
COMMENT ON COLUMN @extschema@.budget_entry.amount_fen IS 'the amount, in fen, positive';
COMMENT ON COLUMN @extschema@.budget_entry.entered_at IS 'when it was entered (the server''s clock)';
COMMENT ON COLUMN @extschema@.budget_entry.entered_by IS 'the role that entered it';
COMMENT ON COLUMN @extschema@.budget_entry.note IS 'what for, such as 第一期工程款';
CREATE INDEX budget_entry_budget_idx ON @extschema@.budget_entry (budget);
CREATE INDEX budget_entry_commitment_idx ON @extschema@.budget_entry (commitment);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.budget_entry', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.budget', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.budget_entry', 'id')::regclass, '');

-- An entry, checked and counted: BEFORE INSERT on budget_entry (a restored
-- one kept as written, see above).  Each refusal names the bad part; the
-- budget's row is updated last, once nothing else can fail.
CREATE FUNCTION @extschema@.budget_entry_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c record;
    remaining bigint;
    drawn bigint;
BEGIN
    -- a restored entry: its budget's counters came with the budget
    IF NEW.entered_at OPERATOR(pg_catalog.<>) pg_catalog.now()
       AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    IF NEW.amount_fen IS NULL OR NEW.amount_fen OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION 'a budget entry of % fen is not a positive amount', COALESCE(NEW.amount_fen::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Enter a positive amount; a release gives back what a commitment will not need.';
    END IF;
    IF NEW.kind IS NULL OR NEW.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['commitment', 'payment', 'release']) THEN
        RAISE EXCEPTION '"%" is not a kind of budget entry', COALESCE(NEW.kind, 'NULL')
            USING ERRCODE = '22023', HINT = 'The kinds are commitment, payment and release.';
    END IF;
    NEW.entered_at := pg_catalog.now();
    NEW.entered_by := CURRENT_USER;

    IF NEW.kind OPERATOR(pg_catalog.=) 'commitment' THEN
        IF NEW.commitment IS NOT NULL THEN
            RAISE EXCEPTION 'a commitment draws on no other commitment'
                USING ERRCODE = '22023', HINT = 'Leave commitment out of a commitment: it names the budget line.';
        END IF;
        -- the debit: one UPDATE, whose row lock orders concurrent entries
        -- and whose WHERE clause is evaluated again on the row the last
        -- one left
        UPDATE @extschema@.budget b
           SET committed_fen = b.committed_fen OPERATOR(pg_catalog.+) NEW.amount_fen
         WHERE b.id OPERATOR(pg_catalog.=) NEW.budget
           AND b.committed_fen OPERATOR(pg_catalog.+) NEW.amount_fen OPERATOR(pg_catalog.<=) b.amount_fen;
        IF NOT FOUND THEN
            SELECT b.amount_fen OPERATOR(pg_catalog.-) b.committed_fen INTO remaining
              FROM @extschema@.budget b WHERE b.id OPERATOR(pg_catalog.=) NEW.budget;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'budget line % does not exist', COALESCE(NEW.budget::text, 'NULL')
                    USING ERRCODE = '23503', HINT = 'Name a line of gridgov.budget, by its id (budget_line finds it).';
            END IF;
            RAISE EXCEPTION 'a commitment of % fen is beyond budget line %, which has % fen uncommitted',
                            NEW.amount_fen, NEW.budget, remaining
                USING ERRCODE = '23514', HINT = 'Commit less, release what other commitments will not need, or raise the budget''s amount_fen.';
        END IF;
        RETURN NEW;
    END IF;

    -- a payment or a release draws on a commitment
    SELECT e.id, e.budget, e.amount_fen INTO c
      FROM @extschema@.budget_entry e
     WHERE e.id OPERATOR(pg_catalog.=) NEW.commitment AND e.kind OPERATOR(pg_catalog.=) 'commitment';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'budget entry % is not a commitment', COALESCE(NEW.commitment::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'A payment or a release names the commitment it draws on, by its id.';
    END IF;
    IF NEW.budget IS NOT NULL AND NEW.budget OPERATOR(pg_catalog.<>) c.budget THEN
        RAISE EXCEPTION 'commitment % is of budget line %, not %', c.id, c.budget, NEW.budget
            USING ERRCODE = '22023', HINT = 'Leave budget out: it is the commitment''s.';
    END IF;
    NEW.budget := c.budget;
    -- the budget's row lock first: every entry of the budget committed
    -- before it is seen by the sum below (a new snapshot), and none is
    -- entered until this one commits
    PERFORM FROM @extschema@.budget b WHERE b.id OPERATOR(pg_catalog.=) c.budget FOR NO KEY UPDATE;
    SELECT COALESCE(pg_catalog.sum(e.amount_fen), 0) INTO drawn
      FROM @extschema@.budget_entry e WHERE e.commitment OPERATOR(pg_catalog.=) c.id;
    IF drawn OPERATOR(pg_catalog.+) NEW.amount_fen OPERATOR(pg_catalog.>) c.amount_fen THEN
        RAISE EXCEPTION 'a % of % fen is beyond commitment %, which has % fen left',
                        NEW.kind, NEW.amount_fen, c.id, c.amount_fen OPERATOR(pg_catalog.-) drawn
            USING ERRCODE = '23514', HINT = 'Pay or release at most what the commitment has left; commit more first if the work costs more.';
    END IF;
    UPDATE @extschema@.budget b
       SET paid_fen = b.paid_fen OPERATOR(pg_catalog.+)
                      CASE WHEN NEW.kind OPERATOR(pg_catalog.=) 'payment' THEN NEW.amount_fen ELSE 0 END,
           committed_fen = b.committed_fen OPERATOR(pg_catalog.-)
                      CASE WHEN NEW.kind OPERATOR(pg_catalog.=) 'release' THEN NEW.amount_fen ELSE 0 END
     WHERE b.id OPERATOR(pg_catalog.=) c.budget;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_entry_before_insert() IS
    'BEFORE INSERT trigger on budget_entry: amount and kind, a commitment within its budget line, a payment or release within its commitment, and the budget''s counters moved; a restored entry is kept as written';

-- The ledger is append-only: BEFORE UPDATE OR DELETE (each row) and
-- TRUNCATE on budget_entry.
CREATE FUNCTION @extschema@.budget_entry_refuse_change() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RAISE EXCEPTION 'the budget ledger is append-only: % is refused', TG_OP
        USING ERRCODE = 'GG009',
              HINT = 'An entry stands once made: give back unneeded money with a release (release_commitment).';
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_entry_refuse_change() IS
    'trigger on budget_entry: refuses UPDATE, DELETE and TRUNCATE (GG009)';

-- A budget line starts with nothing committed or paid (but a restored
-- one), its counters move with the ledger only, and its community, year
-- and kind stay: BEFORE INSERT OR UPDATE on budget.  The ledger's trigger
-- updates the budget from inside a trigger, at a trigger depth above 1.
CREATE FUNCTION @extschema@.budget_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT'
       AND (NEW.committed_fen OPERATOR(pg_catalog.<>) 0 OR NEW.paid_fen OPERATOR(pg_catalog.<>) 0)
       AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RAISE EXCEPTION 'a new budget line cannot start with % fen committed and % fen paid',
                        NEW.committed_fen, NEW.paid_fen
            USING ERRCODE = 'GG009',
                  HINT = 'Leave committed_fen and paid_fen out: the ledger''s entries make them up (only a restore, by a member of gridgov_importer, brings its own).';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF (NEW.committed_fen OPERATOR(pg_catalog.<>) OLD.committed_fen OR NEW.paid_fen OPERATOR(pg_catalog.<>) OLD.paid_fen)
           AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2 THEN
            RAISE EXCEPTION 'committed_fen and paid_fen of budget line % follow the ledger and cannot be set', OLD.id
                USING ERRCODE = 'GG009',
                      HINT = 'Commit, pay and release through gridgov.commit_budget(), pay_commitment() and release_commitment(), or an INSERT into gridgov.budget_entry.';
        END IF;
        IF NEW.id OPERATOR(pg_catalog.<>) OLD.id OR NEW.community OPERATOR(@extschema@.<>) OLD.community
           OR NEW.year OPERATOR(pg_catalog.<>) OLD.year OR NEW.kind OPERATOR(pg_catalog.<>) OLD.kind THEN
            RAISE EXCEPTION 'budget line % keeps its community, year and kind', OLD.id
                USING ERRCODE = 'GG009', HINT = 'Open a line of its own for another community, year or kind.';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_check() IS
    'BEFORE INSERT OR UPDATE trigger on budget: committed_fen and paid_fen start at 0 and change with the ledger only, community, year and kind stay (GG009)';

CREATE TRIGGER gridgov_budget_entry_before_insert BEFORE INSERT ON @extschema@.budget_entry
    FOR EACH ROW EXECUTE FUNCTION @extschema@.budget_entry_before_insert();
CREATE TRIGGER gridgov_budget_entry_append_only BEFORE UPDATE OR DELETE ON @extschema@.budget_entry
    FOR EACH ROW EXECUTE FUNCTION @extschema@.budget_entry_refuse_change();
CREATE TRIGGER gridgov_budget_entry_no_truncate BEFORE TRUNCATE ON @extschema@.budget_entry
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.budget_entry_refuse_change();
CREATE TRIGGER gridgov_budget_check BEFORE INSERT OR UPDATE ON @extschema@.budget
    FOR EACH ROW EXECUTE FUNCTION @extschema@.budget_check();

-- An amount in yuan as fen: positive, to the fen.
CREATE FUNCTION @extschema@.yuan_to_fen(yuan numeric) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF yuan OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION 'an amount of % yuan is not positive', yuan
            USING ERRCODE = '22023', HINT = 'Give a positive amount in yuan.';
    END IF;
    IF yuan OPERATOR(pg_catalog.<>) pg_catalog.round(yuan, 2) THEN
        RAISE EXCEPTION 'an amount of % yuan is not a whole number of fen', yuan
            USING ERRCODE = '22023', HINT = 'Give the amount in yuan with at most two decimals.';
    END IF;
    RETURN (yuan OPERATOR(pg_catalog.*) 100)::bigint;
END;
$$;
COMMENT ON FUNCTION @extschema@.yuan_to_fen(numeric) IS
    'a positive amount in yuan, with at most two decimals, as fen (1/100 yuan); anything else is refused (22023)';

-- The line of a community, year and kind, or an error.
CREATE FUNCTION @extschema@.budget_line(community @extschema@.gridcode, year integer, kind text)
    RETURNS bigint
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    line bigint;
BEGIN
    SELECT b.id INTO line FROM @extschema@.budget b
     WHERE b.community OPERATOR(@extschema@.=) budget_line.community
       AND b.year OPERATOR(pg_catalog.=) budget_line.year AND b.kind OPERATOR(pg_catalog.=) budget_line.kind;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'community % has no % budget for %', community, kind, year
            USING ERRCODE = '23503', HINT = 'Open it with gridgov.open_budgets() or an INSERT into gridgov.budget.';
    END IF;
    RETURN line;
END;
$$;
COMMENT ON FUNCTION @extschema@.budget_line(@extschema@.gridcode, integer, text) IS
    'the budget line of a community, year and kind; an error (23503) when there is none';

-- Open the year's budget lines of every current community under root, of
-- one kind or of every kind, at each kind's annual amount; a line that
-- exists stays as it is.  Returns how many were opened.
CREATE FUNCTION @extschema@.open_budgets(root @extschema@.gridcode, year integer, kind text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    opened bigint;
BEGIN
    IF root IS NULL OR year IS NULL THEN
        RAISE EXCEPTION 'open_budgets needs a unit and a year, not NULL' USING ERRCODE = '22004';
    END IF;
    IF kind IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.budget_kind k WHERE k.code OPERATOR(pg_catalog.=) kind) THEN
        RAISE EXCEPTION '"%" is not a budget kind', kind
            USING ERRCODE = '22023', HINT = 'The kinds are in gridgov.budget_kind, such as base_works and micro_project.';
    END IF;
    INSERT INTO @extschema@.budget (community, year, kind, amount_fen, organization)
    SELECT u.code, open_budgets.year, k.code, k.annual_fen,
           (SELECT o.id FROM @extschema@.organization o
             WHERE o.anchor OPERATOR(@extschema@.=) u.code AND o.kind OPERATOR(pg_catalog.=) 'community_committee'
               AND o.valid OPERATOR(pg_catalog.@>) pg_catalog.make_date(open_budgets.year, 1, 1)
             ORDER BY o.id LIMIT 1)
      FROM @extschema@.unit u CROSS JOIN @extschema@.budget_kind k
     WHERE u.code OPERATOR(@extschema@.<@) open_budgets.root AND u.level OPERATOR(pg_catalog.=) 5
       AND u.valid_to IS NULL
       AND (open_budgets.kind IS NULL OR k.code OPERATOR(pg_catalog.=) open_budgets.kind)
    ORDER BY u.code, k.code
    ON CONFLICT ON CONSTRAINT budget_one_per_line DO NOTHING;
    GET DIAGNOSTICS opened = ROW_COUNT;
    RETURN opened;
END;
$$;
COMMENT ON FUNCTION @extschema@.open_budgets(@extschema@.gridcode, integer, text) IS
    'open the year''s budget lines (of one kind, or all) of every current community under root at each kind''s annual amount, decided by its community party committee; returns how many were opened';

-- Commit yuan of a budget line; pay or release yuan of a commitment.  One
-- INSERT into the ledger each, whose trigger does the rest.
CREATE FUNCTION @extschema@.commit_budget(budget bigint, yuan numeric, note text DEFAULT NULL)
    RETURNS @extschema@.budget_entry
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    entered @extschema@.budget_entry;
BEGIN
    INSERT INTO @extschema@.budget_entry AS e (budget, kind, amount_fen, note)
    VALUES (commit_budget.budget, 'commitment', @extschema@.yuan_to_fen(yuan), commit_budget.note)
    RETURNING e.* INTO entered;
    RETURN entered;
END;
$$;
COMMENT ON FUNCTION @extschema@.commit_budget(bigint, numeric, text) IS
    'commit yuan of a budget line; refused (23514) beyond what it has uncommitted, however many clients commit at once; returns the entry';

CREATE FUNCTION @extschema@.pay_commitment(commitment bigint, yuan numeric, note text DEFAULT NULL)
    RETURNS @extschema@.budget_entry
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    entered @extschema@.budget_entry;
BEGIN
    INSERT INTO @extschema@.budget_entry AS e (kind, commitment, amount_fen, note)
    VALUES ('payment', pay_commitment.commitment, @extschema@.yuan_to_fen(yuan), pay_commitment.note)
    RETURNING e.* INTO entered;
    RETURN entered;
END;
$$;
COMMENT ON FUNCTION @extschema@.pay_commitment(bigint, numeric, text) IS
    'pay yuan out of a commitment; refused (23514) beyond what it has left; returns the entry';

CREATE FUNCTION @extschema@.release_commitment(commitment bigint, yuan numeric, note text DEFAULT NULL)
    RETURNS @extschema@.budget_entry
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    entered @extschema@.budget_entry;
BEGIN
    INSERT INTO @extschema@.budget_entry AS e (kind, commitment, amount_fen, note)
    VALUES ('release', release_commitment.commitment, @extschema@.yuan_to_fen(yuan), release_commitment.note)
    RETURNING e.* INTO entered;
    RETURN entered;
END;
$$;
COMMENT ON FUNCTION @extschema@.release_commitment(bigint, numeric, text) IS
    'give back to its budget line yuan a commitment will not need; refused (23514) beyond what it has left; returns the entry';

-- Each budget line: amount, committed, paid, uncommitted, and the ledger's
-- own sums (which equal the counters: a second computation).
CREATE VIEW @extschema@.budget_lines WITH (security_invoker = true) AS
SELECT b.id, b.community::text AS community, u.name AS community_name, b.year, b.kind, b.organization,
       @extschema@.fen_to_yuan(b.amount_fen) AS amount_yuan,
       @extschema@.fen_to_yuan(b.committed_fen) AS committed_yuan,
       @extschema@.fen_to_yuan(b.paid_fen) AS paid_yuan,
       @extschema@.fen_to_yuan(b.amount_fen OPERATOR(pg_catalog.-) b.committed_fen) AS uncommitted_yuan,
       l.commitments,
       @extschema@.fen_to_yuan(l.committed_fen) AS ledger_committed_yuan,
       @extschema@.fen_to_yuan(l.paid_fen) AS ledger_paid_yuan
  FROM @extschema@.budget b
  LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) b.community
 CROSS JOIN LATERAL (
       SELECT pg_catalog.count(*) FILTER (WHERE e.kind OPERATOR(pg_catalog.=) 'commitment') AS commitments,
              COALESCE(pg_catalog.sum(CASE e.kind WHEN 'commitment' THEN e.amount_fen
                                                  WHEN 'release' THEN OPERATOR(pg_catalog.-) e.amount_fen END), 0) AS committed_fen,
              COALESCE(pg_catalog.sum(e.amount_fen) FILTER (WHERE e.kind OPERATOR(pg_catalog.=) 'payment'), 0) AS paid_fen
         FROM @extschema@.budget_entry e WHERE e.budget OPERATOR(pg_catalog.=) b.id) l;
COMMENT ON VIEW @extschema@.budget_lines IS
    'each budget line: its amount, what is committed, paid and uncommitted, and the ledger''s own sums of them';
COMMENT ON COLUMN @extschema@.budget_lines.id IS 'the budget line';
COMMENT ON COLUMN @extschema@.budget_lines.community IS 'its community, a code';
COMMENT ON COLUMN @extschema@.budget_lines.community_name IS 'the community''s name';
COMMENT ON COLUMN @extschema@.budget_lines.year IS 'the budget year';
COMMENT ON COLUMN @extschema@.budget_lines.kind IS 'base_works or micro_project';
COMMENT ON COLUMN @extschema@.budget_lines.organization IS 'the organization that decides on it';
COMMENT ON COLUMN @extschema@.budget_lines.amount_yuan IS 'what it holds, in yuan';
COMMENT ON COLUMN @extschema@.budget_lines.committed_yuan IS 'what is committed, in yuan (its committed_fen)';
COMMENT ON COLUMN @extschema@.budget_lines.paid_yuan IS 'what is paid, in yuan (its paid_fen)';
COMMENT ON COLUMN @extschema@.budget_lines.uncommitted_yuan IS 'what can still be committed, in yuan';
COMMENT ON COLUMN @extschema@.budget_lines.commitments IS 'its commitments in the ledger';
COMMENT ON COLUMN @extschema@.budget_lines.ledger_committed_yuan IS
    'the ledger''s commitments less its releases, in yuan: equal to committed_yuan';
COMMENT ON COLUMN @extschema@.budget_lines.ledger_paid_yuan IS 'the ledger''s payments, in yuan: equal to paid_yuan';

-- Each commitment: what it set aside, paid, released, and has left.
CREATE VIEW @extschema@.budget_commitments WITH (security_invoker = true) AS
SELECT c.id, c.budget, b.community::text AS community, b.year, b.kind, c.entered_at, c.note,
       @extschema@.fen_to_yuan(c.amount_fen) AS amount_yuan,
       @extschema@.fen_to_yuan(d.paid_fen) AS paid_yuan,
       @extschema@.fen_to_yuan(d.released_fen) AS released_yuan,
       @extschema@.fen_to_yuan(c.amount_fen OPERATOR(pg_catalog.-) d.paid_fen OPERATOR(pg_catalog.-) d.released_fen) AS left_yuan
  FROM @extschema@.budget_entry c
  JOIN @extschema@.budget b ON b.id OPERATOR(pg_catalog.=) c.budget
 CROSS JOIN LATERAL (
       SELECT COALESCE(pg_catalog.sum(e.amount_fen) FILTER (WHERE e.kind OPERATOR(pg_catalog.=) 'payment'), 0) AS paid_fen,
              COALESCE(pg_catalog.sum(e.amount_fen) FILTER (WHERE e.kind OPERATOR(pg_catalog.=) 'release'), 0) AS released_fen
         FROM @extschema@.budget_entry e WHERE e.commitment OPERATOR(pg_catalog.=) c.id) d
 WHERE c.kind OPERATOR(pg_catalog.=) 'commitment';
COMMENT ON VIEW @extschema@.budget_commitments IS
    'each commitment of the budget ledger: what it set aside, what was paid and released out of it, and what it has left';
COMMENT ON COLUMN @extschema@.budget_commitments.id IS 'the commitment (its entry''s number)';
COMMENT ON COLUMN @extschema@.budget_commitments.budget IS 'its budget line';
COMMENT ON COLUMN @extschema@.budget_commitments.community IS 'the line''s community, a code';
COMMENT ON COLUMN @extschema@.budget_commitments.year IS 'the line''s year';
COMMENT ON COLUMN @extschema@.budget_commitments.kind IS 'the line''s kind';
COMMENT ON COLUMN @extschema@.budget_commitments.entered_at IS 'when it was committed';
COMMENT ON COLUMN @extschema@.budget_commitments.note IS 'what for';
COMMENT ON COLUMN @extschema@.budget_commitments.amount_yuan IS 'what it set aside, in yuan';
COMMENT ON COLUMN @extschema@.budget_commitments.paid_yuan IS 'what was paid out of it, in yuan';
COMMENT ON COLUMN @extschema@.budget_commitments.released_yuan IS 'what was given back to the line, in yuan';
COMMENT ON COLUMN @extschema@.budget_commitments.left_yuan IS 'what can still be paid or released, in yuan';

-- Spend under root, per unit of a level (root's own by default: one row
-- per year and kind), year and kind, and per unit and year over every kind
-- (kind NULL): the budget lines of the communities under each unit summed,
-- so that a community's figures merge into its subdistrict's and
-- district's.  Of one year and one kind when given.
CREATE FUNCTION @extschema@.budget_spend(root @extschema@.gridcode, per_level integer DEFAULT NULL,
                                         year integer DEFAULT NULL, kind text DEFAULT NULL)
    RETURNS TABLE (unit @extschema@.gridcode, name text, year integer, kind text, lines bigint,
                   amount_yuan numeric, committed_yuan numeric, paid_yuan numeric, uncommitted_yuan numeric,
                   committed_pct numeric, paid_pct numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.unit, u.name, s.year, s.kind, s.lines,
           @extschema@.fen_to_yuan(s.amount_fen), @extschema@.fen_to_yuan(s.committed_fen),
           @extschema@.fen_to_yuan(s.paid_fen),
           @extschema@.fen_to_yuan(s.amount_fen OPERATOR(pg_catalog.-) s.committed_fen),
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) s.committed_fen
                            OPERATOR(pg_catalog./) NULLIF(s.amount_fen, 0), 1),
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) s.paid_fen
                            OPERATOR(pg_catalog./) NULLIF(s.amount_fen, 0), 1)
      FROM (SELECT b.unit, b.year, b.kind, pg_catalog.count(*) AS lines,
                   pg_catalog.sum(b.amount_fen) AS amount_fen, pg_catalog.sum(b.committed_fen) AS committed_fen,
                   pg_catalog.sum(b.paid_fen) AS paid_fen
              FROM (SELECT @extschema@.ancestor(l.community,
                               COALESCE(budget_spend.per_level, @extschema@.level(budget_spend.root))) AS unit,
                           l.year, l.kind, l.amount_fen, l.committed_fen, l.paid_fen
                      FROM @extschema@.budget l
                     WHERE l.community OPERATOR(@extschema@.<@) budget_spend.root
                       AND @extschema@.check_gridcode_level(COALESCE(budget_spend.per_level, 5), 'per_level')
                       AND (budget_spend.year IS NULL OR l.year OPERATOR(pg_catalog.=) budget_spend.year)
                       AND (budget_spend.kind IS NULL OR l.kind OPERATOR(pg_catalog.=) budget_spend.kind)) b
             GROUP BY GROUPING SETS ((b.unit, b.year, b.kind), (b.unit, b.year))) s
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) s.unit
     WHERE s.unit IS NOT NULL
     ORDER BY s.unit, s.year, s.kind NULLS LAST;
END;
COMMENT ON FUNCTION @extschema@.budget_spend(@extschema@.gridcode, integer, integer, text) IS
    'spend of the budget lines under root, per unit of per_level (root''s level by default), year and kind, and per unit and year over every kind (kind NULL): amount, committed, paid, uncommitted and their shares';

-- ======================================================================
-- Projects (项目清单)
-- ======================================================================

-- A project (a base work or a residents' micro-project) is proposed by the
-- community, consulted on with the residents in the four deliberations of
-- 四议两公开 (proposal by the party committee, deliberation by the two
-- committees, review by the party members' meeting, resolution by the
-- residents' representatives' meeting) and its two disclosures (of the
-- resolution, and of the results), approved (which commits its estimate
-- against its budget line), carried out, accepted and evaluated.  Each
-- stage has a time limit in working days on the calendar (calendar.sql):
-- stage_due is counted when the stage begins, and the moves keep whether
-- each limit was kept.  A move is one UPDATE of project.stage, through
-- advance_project or a plain UPDATE, which its trigger checks.

CREATE TABLE @extschema@.project_stage (
    code            text PRIMARY KEY,
    position        smallint NOT NULL CONSTRAINT project_stage_position UNIQUE,
    name            text NOT NULL CONSTRAINT project_stage_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    default_limit_days numeric CONSTRAINT project_stage_limit_positive CHECK (default_limit_days OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE @extschema@.project_stage IS
    'the stages of a project in their order, each with its usual time limit in working days (project_stage_limit overrides it)';
COMMENT ON COLUMN @extschema@.project_stage.code IS 'the stage, as project.stage names it';
COMMENT ON COLUMN @extschema@.project_stage.position IS 'its place in the order: a project moves to the next one only';
COMMENT ON COLUMN @extschema@.project_stage.name IS 'its Chinese name';
COMMENT ON COLUMN @extschema@.project_stage.default_limit_days IS
    'working days a project may stay in the stage, unless project_stage_limit says otherwise; NULL for the last stage';
INSERT INTO @extschema@.project_stage (code, position, name, default_limit_days) VALUES
    ('proposed',  1, '提议',           10),
    ('consulted', 2, '商议审议决议',   10),
    ('approved',  3, '决议公开',       20),
    ('under_way', 4, '组织实施',       60),
    ('accepted',  5, '验收',           20),
    ('evaluated', 6, '评价与结果公开', NULL);

-- A district's own limits (empty: the defaults above), dumped whole.
CREATE TABLE @extschema@.project_stage_limit (
    stage       text PRIMARY KEY REFERENCES @extschema@.project_stage (code),
    limit_days  numeric NOT NULL CONSTRAINT project_stage_limit_days_positive CHECK (limit_days OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE @extschema@.project_stage_limit IS
    'time limits of project stages that differ from project_stage.default_limit_days';
COMMENT ON COLUMN @extschema@.project_stage_limit.stage IS 'the stage';
COMMENT ON COLUMN @extschema@.project_stage_limit.limit_days IS 'working days a project may stay in it';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.project_stage_limit', '');

-- A stage's time limit in working days: the district's own, else the default.
CREATE FUNCTION @extschema@.project_stage_limit_days(stage text) RETURNS numeric
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(l.limit_days, st.default_limit_days)
      FROM @extschema@.project_stage st
      LEFT JOIN @extschema@.project_stage_limit l ON l.stage OPERATOR(pg_catalog.=) st.code
     WHERE st.code OPERATOR(pg_catalog.=) project_stage_limit_days.stage;
END;
COMMENT ON FUNCTION @extschema@.project_stage_limit_days(text) IS
    'the time limit of a project stage in working days: project_stage_limit''s, else the stage''s default; NULL for the last stage';

CREATE TABLE @extschema@.project (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title           text NOT NULL CONSTRAINT project_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    community       @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code)
                    CONSTRAINT project_community_level CHECK (@extschema@.level(community) OPERATOR(pg_catalog.=) 5),
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    kind            text NOT NULL REFERENCES @extschema@.budget_kind (code),
    budget          bigint REFERENCES @extschema@.budget (id),
    estimate_fen    bigint NOT NULL
                    CONSTRAINT project_estimate_positive CHECK (estimate_fen OPERATOR(pg_catalog.>) 0),
    commitment      bigint CONSTRAINT project_one_commitment UNIQUE REFERENCES @extschema@.budget_entry (id),
    stage           text NOT NULL DEFAULT 'proposed' REFERENCES @extschema@.project_stage (code),
    stage_since     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    stage_due       timestamptz,
    proposed_by     bigint REFERENCES @extschema@.organization (id),
    proposed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    properties      jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE @extschema@.project IS
    'projects (项目清单): base works and residents'' micro-projects of a community, through the stages of 四议两公开';
COMMENT ON COLUMN @extschema@.project.id IS 'the project''s number';
COMMENT ON COLUMN @extschema@.project.title IS 'what it is, such as 小区路灯更换';
COMMENT ON COLUMN @extschema@.project.community IS 'the community (level 5) whose project it is';
COMMENT ON COLUMN @extschema@.project.unit IS 'where it is carried out: the community or a unit under it (a grid, a building)';
COMMENT ON COLUMN @extschema@.project.kind IS 'base_works or micro_project (budget_kind)';
COMMENT ON COLUMN @extschema@.project.budget IS 'the budget line that pays it: its community''s, of its kind; needed to approve it';
COMMENT ON COLUMN @extschema@.project.estimate_fen IS 'what it is expected to cost, in fen: committed at approval';
COMMENT ON COLUMN @extschema@.project.commitment IS 'the commitment of its estimate in the budget ledger, entered at approval';
COMMENT ON COLUMN @extschema@.project.stage IS 'its stage: proposed, consulted, approved, under_way, accepted or evaluated';
COMMENT ON COLUMN @extschema@.project.stage_since IS 'when it entered its stage';
COMMENT ON COLUMN @extschema@.project.stage_due IS 'when its stage''s time limit runs out, in working days on the calendar; NULL in the last stage';
COMMENT ON COLUMN @extschema@.project.proposed_by IS 'the organization that proposed it, such as the community party committee (党组织提议)';
COMMENT ON COLUMN @extschema@.project.proposed_at IS 'when it was proposed';
COMMENT ON COLUMN @extschema@.project.properties IS 'anything else about it, such as the contractor';
CREATE INDEX project_community_idx ON @extschema@.project (community);
CREATE INDEX project_budget_idx ON @extschema@.project (budget);

-- Each move of a project, and whether the stage it left was left in time.
CREATE TABLE @extschema@.project_move (
    project         bigint NOT NULL REFERENCES @extschema@.project (id) ON DELETE CASCADE,
    stage           text NOT NULL REFERENCES @extschema@.project_stage (code),
    moved_at        timestamptz NOT NULL,
    left_stage_due  timestamptz,
    moved_by        text NOT NULL DEFAULT CURRENT_USER,
    note            text,
    PRIMARY KEY (project, stage)
);
COMMENT ON TABLE @extschema@.project_move IS
    'the moves of each project, one per stage entered (its proposal included), written by the project''s trigger';
COMMENT ON COLUMN @extschema@.project_move.project IS 'the project';
COMMENT ON COLUMN @extschema@.project_move.stage IS 'the stage it entered';
COMMENT ON COLUMN @extschema@.project_move.moved_at IS 'when';
COMMENT ON COLUMN @extschema@.project_move.left_stage_due IS
    'the time limit of the stage it left: the move was late when moved_at is after it';
COMMENT ON COLUMN @extschema@.project_move.moved_by IS 'the role that moved it';
COMMENT ON COLUMN @extschema@.project_move.note IS 'a note, such as the meeting''s minutes';

-- The four deliberations and the two disclosures of 四议两公开: each held
-- over a period, the deliberations with the votes of those present.
CREATE TABLE @extschema@.project_consultation (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    project     bigint NOT NULL REFERENCES @extschema@.project (id) ON DELETE CASCADE,
    step        text NOT NULL
                CONSTRAINT project_consultation_step CHECK (step OPERATOR(pg_catalog.=) ANY
                    (ARRAY['proposal', 'deliberation', 'review', 'resolution', 'resolution_disclosure', 'result_disclosure'])),
    held        tstzrange NOT NULL
                CONSTRAINT project_consultation_held CHECK (NOT pg_catalog.isempty(held)
                    AND NOT pg_catalog.lower_inf(held) AND NOT pg_catalog.upper_inf(held)),
    note        text,
    CONSTRAINT project_consultation_one_per_step UNIQUE (project, step)
);
COMMENT ON TABLE @extschema@.project_consultation IS
    'the consultations of a project (四议两公开): proposal (党组织提议), deliberation (两委会商议), review (党员大会审议), resolution (居民代表会议决议), and the disclosures of the resolution and of the results (两公开)';
COMMENT ON COLUMN @extschema@.project_consultation.id IS 'the consultation''s number';
COMMENT ON COLUMN @extschema@.project_consultation.project IS 'the project';
COMMENT ON COLUMN @extschema@.project_consultation.step IS
    'proposal, deliberation, review, resolution, resolution_disclosure or result_disclosure';
COMMENT ON COLUMN @extschema@.project_consultation.held IS
    'when it is open: votes are cast within it, a disclosure is posted for it; closed at its upper bound';
COMMENT ON COLUMN @extschema@.project_consultation.note IS 'the meeting or the notice, such as where it was posted';

CREATE TABLE @extschema@.project_vote (
    consultation    bigint NOT NULL REFERENCES @extschema@.project_consultation (id) ON DELETE CASCADE,
    person          bigint NOT NULL REFERENCES @extschema@.person (id),
    vote            text NOT NULL
                    CONSTRAINT project_vote_vote CHECK (vote OPERATOR(pg_catalog.=) ANY (ARRAY['yes', 'no', 'abstain'])),
    cast_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (consultation, person)
);
COMMENT ON TABLE @extschema@.project_vote IS
    'the votes of a deliberation: one per person, cast while the consultation is open';
COMMENT ON COLUMN @extschema@.project_vote.consultation IS 'the deliberation (proposal, deliberation, review or resolution)';
COMMENT ON COLUMN @extschema@.project_vote.person IS 'who voted (a member, a resident''s representative)';
COMMENT ON COLUMN @extschema@.project_vote.vote IS 'yes, no or abstain';
COMMENT ON COLUMN @extschema@.project_vote.cast_at IS 'when (the server''s clock)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.project', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.project_move', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.project_consultation', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.project_vote', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.project', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.project_consultation', 'id')::regclass, '');

-- Whether a deliberation passed: more yes than half the votes cast.
CREATE FUNCTION @extschema@.consultation_passed(consultation bigint) RETURNS boolean
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.count(*) FILTER (WHERE v.vote OPERATOR(pg_catalog.=) 'yes') OPERATOR(pg_catalog.*) 2
           OPERATOR(pg_catalog.>) pg_catalog.count(*)
      FROM @extschema@.project_vote v WHERE v.consultation OPERATOR(pg_catalog.=) consultation_passed.consultation;
END;
COMMENT ON FUNCTION @extschema@.consultation_passed(bigint) IS
    'whether more than half of the votes cast in a consultation are yes (false with no vote)';

-- Whether a project being inserted is a restored one (pg_restore, or
-- pg_dump | psql): from a member of gridgov_importer, with a proposal time
-- of its own, not set by set_project_move.  It is kept as written, its
-- moves restored with it.
CREATE FUNCTION @extschema@.project_restored(p @extschema@.project) RETURNS boolean
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN p.proposed_at OPERATOR(pg_catalog.<>) pg_catalog.now()
           AND COALESCE(pg_catalog.current_setting('gridgov_project.move_at', true), '') OPERATOR(pg_catalog.=) ''
           AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER');
COMMENT ON FUNCTION @extschema@.project_restored(@extschema@.project) IS
    'whether a project being inserted is restored: by a member of gridgov_importer, with its own proposed_at, its time not set by set_project_move';

-- A project checked and moved: BEFORE INSERT OR UPDATE on project.  Where
-- it is (in its community), its budget line (its community's, of its
-- kind), and a move: to the next stage only, at a time not before the
-- last move, and what the stage needs (四议 held and passed to be
-- consulted; the resolution disclosed and the estimate committed to be
-- approved; the results disclosed to be evaluated).  The time of a move is
-- now, or, from a member of gridgov_importer, the session's
-- gridgov_project.move_at (set_project_move sets it).  A restored project
-- (project_restored) is kept as written.
CREATE FUNCTION @extschema@.project_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    b record;
    s record;
    at timestamptz;
    missing text;
    importer constant boolean := pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER');
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND @extschema@.project_restored(NEW) THEN
        RETURN NEW;
    END IF;
    IF NOT NEW.unit OPERATOR(@extschema@.<@) NEW.community THEN
        RAISE EXCEPTION 'unit % lies outside community %, whose project it is', NEW.unit, NEW.community
            USING ERRCODE = '23514', HINT = 'A project is carried out in its community or a unit under it (a grid, a building).';
    END IF;
    IF NEW.budget IS NOT NULL THEN
        SELECT x.community, x.kind, x.year INTO b FROM @extschema@.budget x WHERE x.id OPERATOR(pg_catalog.=) NEW.budget;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'budget line % does not exist', NEW.budget
                USING ERRCODE = '23503', HINT = 'Name a line of gridgov.budget, by its id (budget_line finds it).';
        END IF;
        IF b.community OPERATOR(@extschema@.<>) NEW.community OR b.kind OPERATOR(pg_catalog.<>) NEW.kind THEN
            RAISE EXCEPTION 'budget line % is the % budget of %, not the % budget of %',
                            NEW.budget, b.kind, b.community, NEW.kind, NEW.community
                USING ERRCODE = '22023', HINT = 'A project is paid from its own community''s line of its kind.';
        END IF;
    END IF;
    at := CASE WHEN importer THEN COALESCE(NULLIF(pg_catalog.current_setting('gridgov_project.move_at', true), '')::timestamptz,
                                           pg_catalog.now())
               ELSE pg_catalog.now() END;

    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        IF NEW.stage OPERATOR(pg_catalog.<>) 'proposed' THEN
            RAISE EXCEPTION 'a new project is proposed, not %', NEW.stage
                USING ERRCODE = '55000', HINT = 'Propose it, then move it on with gridgov.advance_project().';
        END IF;
        IF NEW.commitment IS NOT NULL THEN
            RAISE EXCEPTION 'a proposed project has no commitment yet'
                USING ERRCODE = '55000', HINT = 'Its estimate is committed when it is approved.';
        END IF;
        NEW.proposed_at := at;
        NEW.stage_since := at;
        NEW.stage_due := @extschema@.deadline(at, @extschema@.project_stage_limit_days('proposed'), 'working_day');
        RETURN NEW;
    END IF;

    IF NEW.community OPERATOR(@extschema@.<>) OLD.community OR NEW.kind OPERATOR(pg_catalog.<>) OLD.kind
       OR NEW.id OPERATOR(pg_catalog.<>) OLD.id THEN
        RAISE EXCEPTION 'project % keeps its community and kind', OLD.id
            USING ERRCODE = '55000', HINT = 'Propose another project for another community or kind.';
    END IF;
    IF NEW.commitment IS DISTINCT FROM OLD.commitment AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2
       AND NOT (NEW.stage OPERATOR(pg_catalog.=) 'approved' AND OLD.stage OPERATOR(pg_catalog.=) 'consulted') THEN
        RAISE EXCEPTION 'the commitment of project % is entered at its approval', OLD.id
            USING ERRCODE = '55000', HINT = 'Move it to approved with gridgov.advance_project().';
    END IF;
    IF NEW.stage OPERATOR(pg_catalog.=) OLD.stage THEN
        IF NEW.stage_since OPERATOR(pg_catalog.<>) OLD.stage_since OR NEW.stage_due IS DISTINCT FROM OLD.stage_due
           OR NEW.proposed_at OPERATOR(pg_catalog.<>) OLD.proposed_at THEN
            RAISE EXCEPTION 'the times of project % follow its moves', OLD.id
                USING ERRCODE = '55000', HINT = 'Move it with gridgov.advance_project(); its time limits follow.';
        END IF;
        IF OLD.stage OPERATOR(pg_catalog.<>) 'proposed'
           AND (NEW.budget IS DISTINCT FROM OLD.budget OR NEW.estimate_fen OPERATOR(pg_catalog.<>) OLD.estimate_fen
                OR NEW.unit OPERATOR(@extschema@.<>) OLD.unit) THEN
            RAISE EXCEPTION 'project % is %: its place, budget and estimate stay as consulted', OLD.id, OLD.stage
                USING ERRCODE = '55000', HINT = 'Change them while it is proposed, before the residents are consulted.';
        END IF;
        RETURN NEW;
    END IF;

    -- a move: to the next stage only
    SELECT nx.code, @extschema@.project_stage_limit_days(nx.code) AS limit_days INTO s
      FROM @extschema@.project_stage cur
      JOIN @extschema@.project_stage nx ON nx.position OPERATOR(pg_catalog.=) (cur.position OPERATOR(pg_catalog.+) 1)
     WHERE cur.code OPERATOR(pg_catalog.=) OLD.stage;
    IF NOT FOUND OR s.code OPERATOR(pg_catalog.<>) NEW.stage THEN
        RAISE EXCEPTION 'project % is %: it cannot move to %', OLD.id, OLD.stage, NEW.stage
            USING ERRCODE = '55000',
                  HINT = COALESCE('Its next stage is ' OPERATOR(pg_catalog.||) s.code OPERATOR(pg_catalog.||) '.',
                                  'It is evaluated: it has no next stage.');
    END IF;
    IF at OPERATOR(pg_catalog.<) OLD.stage_since THEN
        RAISE EXCEPTION 'project % entered % at %, after %', OLD.id, OLD.stage, OLD.stage_since, at
            USING ERRCODE = '22023', HINT = 'A move comes after the one before it.';
    END IF;
    IF NEW.stage OPERATOR(pg_catalog.=) 'consulted' THEN
        SELECT pg_catalog.string_agg(w.step, ', ' ORDER BY w.n) INTO missing
          FROM pg_catalog.unnest(ARRAY['proposal', 'deliberation', 'review', 'resolution']) WITH ORDINALITY w(step, n)
         WHERE NOT EXISTS (SELECT FROM @extschema@.project_consultation c
                            WHERE c.project OPERATOR(pg_catalog.=) OLD.id AND c.step OPERATOR(pg_catalog.=) w.step
                              AND pg_catalog.upper(c.held) OPERATOR(pg_catalog.<=) at);
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'project % has not been consulted: % not held and closed', OLD.id, missing
                USING ERRCODE = '55000',
                      HINT = 'Hold the four deliberations (四议) with gridgov.consult_project() first.';
        END IF;
        IF NOT @extschema@.consultation_passed((SELECT c.id FROM @extschema@.project_consultation c
                                                 WHERE c.project OPERATOR(pg_catalog.=) OLD.id
                                                   AND c.step OPERATOR(pg_catalog.=) 'resolution')) THEN
            RAISE EXCEPTION 'the residents'' representatives did not pass project %', OLD.id
                USING ERRCODE = '55000', HINT = 'A project is consulted when more than half of the resolution''s votes are yes.';
        END IF;
    ELSIF NEW.stage OPERATOR(pg_catalog.=) 'approved' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.project_consultation c
                        WHERE c.project OPERATOR(pg_catalog.=) OLD.id AND c.step OPERATOR(pg_catalog.=) 'resolution_disclosure'
                          AND pg_catalog.lower(c.held) OPERATOR(pg_catalog.<=) at) THEN
            RAISE EXCEPTION 'the resolution on project % has not been disclosed', OLD.id
                USING ERRCODE = '55000', HINT = 'Disclose it (决议公开) with gridgov.consult_project(id, ''resolution_disclosure'', ...).';
        END IF;
        IF NEW.budget IS NULL THEN
            RAISE EXCEPTION 'project % has no budget line to commit its estimate against', OLD.id
                USING ERRCODE = '55000', HINT = 'Set its budget (budget_line finds it) while it is proposed.';
        END IF;
        -- the estimate committed: refused (23514) beyond the line, and the
        -- move with it
        INSERT INTO @extschema@.budget_entry (budget, kind, amount_fen, note)
        VALUES (NEW.budget, 'commitment', NEW.estimate_fen, '项目 ' OPERATOR(pg_catalog.||) OLD.id OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) NEW.title)
        RETURNING id INTO NEW.commitment;
    ELSIF NEW.stage OPERATOR(pg_catalog.=) 'evaluated' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.project_consultation c
                        WHERE c.project OPERATOR(pg_catalog.=) OLD.id AND c.step OPERATOR(pg_catalog.=) 'result_disclosure'
                          AND pg_catalog.lower(c.held) OPERATOR(pg_catalog.<=) at) THEN
            RAISE EXCEPTION 'the results of project % have not been disclosed', OLD.id
                USING ERRCODE = '55000', HINT = 'Disclose them (实施结果公开) with gridgov.consult_project(id, ''result_disclosure'', ...).';
        END IF;
    END IF;
    NEW.stage_since := at;
    NEW.stage_due := CASE WHEN s.limit_days IS NOT NULL THEN @extschema@.deadline(at, s.limit_days, 'working_day') END;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.project_check() IS
    'BEFORE INSERT OR UPDATE trigger on project: its unit in its community, its budget line its community''s of its kind, a move to the next stage only with what the stage needs (the estimate committed at approval), and the stage''s time limit';

-- Each move kept: AFTER INSERT OR UPDATE OF stage on project.
CREATE FUNCTION @extschema@.project_after_move() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.stage OPERATOR(pg_catalog.=) OLD.stage
       OR TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND @extschema@.project_restored(NEW) THEN
        RETURN NULL;
    END IF;
    INSERT INTO @extschema@.project_move (project, stage, moved_at, left_stage_due, note)
    VALUES (NEW.id, NEW.stage, NEW.stage_since,
            CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN OLD.stage_due END,
            NULLIF(pg_catalog.current_setting('gridgov_project.move_note', true), ''));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.project_after_move() IS
    'AFTER INSERT OR UPDATE trigger on project: records each stage entered in project_move';

-- A vote is cast while its consultation is open, in a deliberation: BEFORE
-- INSERT OR UPDATE on project_vote (a restored one, from a member of
-- gridgov_importer with a time of its own, kept as written).
CREATE FUNCTION @extschema@.project_vote_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c record;
BEGIN
    IF NEW.cast_at OPERATOR(pg_catalog.<>) pg_catalog.now()
       AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    SELECT x.id, x.step, x.held INTO c FROM @extschema@.project_consultation x
     WHERE x.id OPERATOR(pg_catalog.=) NEW.consultation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'consultation % does not exist', COALESCE(NEW.consultation::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Vote in a consultation of gridgov.project_consultation, by its id.';
    END IF;
    IF c.step OPERATOR(pg_catalog.=) ANY (ARRAY['resolution_disclosure', 'result_disclosure']) THEN
        RAISE EXCEPTION 'consultation % is a disclosure (%): it takes no votes', c.id, c.step
            USING ERRCODE = '22023', HINT = 'Vote in the proposal, deliberation, review or resolution.';
    END IF;
    NEW.cast_at := pg_catalog.now();
    IF pg_catalog.upper(c.held) OPERATOR(pg_catalog.<=) NEW.cast_at THEN
        RAISE EXCEPTION 'consultation % closed at %: the vote comes too late', c.id, pg_catalog.upper(c.held)
            USING ERRCODE = '55000', HINT = 'Votes are cast while the consultation is open; hold another one to vote again.';
    END IF;
    IF pg_catalog.lower(c.held) OPERATOR(pg_catalog.>) NEW.cast_at THEN
        RAISE EXCEPTION 'consultation % opens at %: the vote comes too early', c.id, pg_catalog.lower(c.held)
            USING ERRCODE = '55000', HINT = 'Votes are cast while the consultation is open.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.project_vote_check() IS
    'BEFORE INSERT OR UPDATE trigger on project_vote: a deliberation''s vote, cast while it is open (55000 before or after); a restored vote is kept as written';

CREATE TRIGGER gridgov_project_check BEFORE INSERT OR UPDATE ON @extschema@.project
    FOR EACH ROW EXECUTE FUNCTION @extschema@.project_check();
CREATE TRIGGER gridgov_project_after_move AFTER INSERT OR UPDATE OF stage ON @extschema@.project
    FOR EACH ROW EXECUTE FUNCTION @extschema@.project_after_move();
CREATE TRIGGER gridgov_project_vote_check BEFORE INSERT OR UPDATE ON @extschema@.project_vote
    FOR EACH ROW EXECUTE FUNCTION @extschema@.project_vote_check();

-- The time and note of the next move of a project, for project_check and
-- project_after_move (the session's gridgov_project.move_at and
-- gridgov_project.move_note, till the end of the transaction): a time of
-- the past from a member of gridgov_importer only, as for the case
-- engine's moves.
CREATE FUNCTION @extschema@.set_project_move(at timestamptz, note text) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF at IS NOT NULL THEN
        IF NOT pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
            RAISE EXCEPTION 'only a member of gridgov_importer dates a move of a project'
                USING ERRCODE = '42501', HINT = 'Leave at out: a move happens now.';
        END IF;
        IF at OPERATOR(pg_catalog.>) pg_catalog.now() THEN
            RAISE EXCEPTION 'a move at % is in the future', at USING ERRCODE = '22023', HINT = 'Date a move at or before now.';
        END IF;
    END IF;
    PERFORM pg_catalog.set_config('gridgov_project.move_at', COALESCE(at::text, ''), true);
    PERFORM pg_catalog.set_config('gridgov_project.move_note', COALESCE(note, ''), true);
END;
$$;
COMMENT ON FUNCTION @extschema@.set_project_move(timestamptz, text) IS
    'set the time (of the past, for a member of gridgov_importer only; NULL for now) and the note of the next move of a project, till the end of the transaction';

-- Propose a project of a community (its unit the community unless given),
-- paid from the community's line of its kind for the year (this year by
-- default) when there is one.
CREATE FUNCTION @extschema@.propose_project(community @extschema@.gridcode, kind text, title text, yuan numeric,
                                            unit @extschema@.gridcode DEFAULT NULL, year integer DEFAULT NULL,
                                            proposed_by bigint DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS @extschema@.project
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    proposed @extschema@.project;
BEGIN
    PERFORM @extschema@.set_project_move(at, NULL);
    INSERT INTO @extschema@.project AS p (title, community, unit, kind, budget, estimate_fen, proposed_by)
    VALUES (propose_project.title, propose_project.community, COALESCE(propose_project.unit, propose_project.community),
            propose_project.kind,
            (SELECT b.id FROM @extschema@.budget b
              WHERE b.community OPERATOR(@extschema@.=) propose_project.community
                AND b.kind OPERATOR(pg_catalog.=) propose_project.kind
                AND b.year OPERATOR(pg_catalog.=) COALESCE(propose_project.year,
                        pg_catalog.date_part('year', COALESCE(at, pg_catalog.now()) AT TIME ZONE @extschema@.calendar_timezone())::integer)),
            @extschema@.yuan_to_fen(yuan), propose_project.proposed_by)
    RETURNING p.* INTO proposed;
    PERFORM @extschema@.set_project_move(NULL, NULL);
    RETURN proposed;
END;
$$;
COMMENT ON FUNCTION @extschema@.propose_project(@extschema@.gridcode, text, text, numeric, @extschema@.gridcode, integer, bigint, timestamptz) IS
    'propose a project of a community (carried out in unit, the community by default) estimated at yuan, on the community''s line of its kind for year (this year by default) if it has one, now (at a time of the past for a member of gridgov_importer); returns it';

-- Hold a consultation of a project (one of 四议两公开) over a period.
CREATE FUNCTION @extschema@.consult_project(project bigint, step text, opens timestamptz, closes timestamptz,
                                            note text DEFAULT NULL)
    RETURNS @extschema@.project_consultation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    held @extschema@.project_consultation;
BEGIN
    IF opens IS NULL OR closes IS NULL OR closes OPERATOR(pg_catalog.<=) opens THEN
        RAISE EXCEPTION 'a consultation from % to % is no period', opens, closes
            USING ERRCODE = '22023', HINT = 'Give when it opens and, later, when it closes.';
    END IF;
    IF step IS NULL OR step OPERATOR(pg_catalog.<>) ALL
           (ARRAY['proposal', 'deliberation', 'review', 'resolution', 'resolution_disclosure', 'result_disclosure']) THEN
        RAISE EXCEPTION '"%" is not a step of 四议两公开', step
            USING ERRCODE = '22023',
                  HINT = 'The steps are proposal, deliberation, review, resolution, resolution_disclosure and result_disclosure.';
    END IF;
    INSERT INTO @extschema@.project_consultation AS c (project, step, held, note)
    VALUES (consult_project.project, consult_project.step, pg_catalog.tstzrange(opens, closes), consult_project.note)
    RETURNING c.* INTO held;
    RETURN held;
END;
$$;
COMMENT ON FUNCTION @extschema@.consult_project(bigint, text, timestamptz, timestamptz, text) IS
    'hold a consultation of a project (proposal, deliberation, review, resolution, resolution_disclosure or result_disclosure) from opens to closes; returns it';

-- A person's vote in a consultation, now.
CREATE FUNCTION @extschema@.vote_project(consultation bigint, person bigint, vote text)
    RETURNS @extschema@.project_vote
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    cast_vote @extschema@.project_vote;
BEGIN
    IF vote IS NULL OR vote OPERATOR(pg_catalog.<>) ALL (ARRAY['yes', 'no', 'abstain']) THEN
        RAISE EXCEPTION '"%" is not a vote', vote USING ERRCODE = '22023', HINT = 'Vote yes, no or abstain.';
    END IF;
    INSERT INTO @extschema@.project_vote AS v (consultation, person, vote)
    VALUES (vote_project.consultation, vote_project.person, vote_project.vote)
    RETURNING v.* INTO cast_vote;
    RETURN cast_vote;
END;
$$;
COMMENT ON FUNCTION @extschema@.vote_project(bigint, bigint, text) IS
    'cast a person''s vote (yes, no or abstain) in a deliberation while it is open; returns it';

-- Move a project to its next stage, now (or at a time of the past, for a
-- member of gridgov_importer), with a note.
CREATE FUNCTION @extschema@.advance_project(project bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS @extschema@.project
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.project;
BEGIN
    PERFORM @extschema@.set_project_move(at, note);
    UPDATE @extschema@.project p
       SET stage = (SELECT nx.code FROM @extschema@.project_stage cur
                      JOIN @extschema@.project_stage nx ON nx.position OPERATOR(pg_catalog.=) (cur.position OPERATOR(pg_catalog.+) 1)
                     WHERE cur.code OPERATOR(pg_catalog.=) p.stage)
     WHERE p.id OPERATOR(pg_catalog.=) advance_project.project
    RETURNING p.* INTO moved;
    PERFORM @extschema@.set_project_move(NULL, NULL);
    IF moved.id IS NULL THEN
        RAISE EXCEPTION 'project % does not exist', COALESCE(project::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a project of gridgov.project, by its id.';
    END IF;
    RETURN moved;
END;
$$;
COMMENT ON FUNCTION @extschema@.advance_project(bigint, text, timestamptz) IS
    'move a project to its next stage with a note, now (at a time of the past for a member of gridgov_importer); the stage''s needs are checked and its time limit counted; returns it';

-- Each project where it stands: its stage, since when, its time limit and
-- whether it has run out, what it was estimated at and what was paid out
-- of its commitment, and how many of its moves came late.
CREATE VIEW @extschema@.project_progress WITH (security_invoker = true) AS
SELECT p.id, p.title, p.community::text AS community, p.unit::text AS unit, p.kind, p.budget, p.stage, st.name AS stage_name,
       p.stage_since, p.stage_due, COALESCE(p.stage_due OPERATOR(pg_catalog.<) pg_catalog.now(), false) AS overdue,
       @extschema@.fen_to_yuan(p.estimate_fen) AS estimate_yuan, c.paid_yuan, c.left_yuan,
       (SELECT pg_catalog.count(*) FROM @extschema@.project_move m
         WHERE m.project OPERATOR(pg_catalog.=) p.id AND m.moved_at OPERATOR(pg_catalog.>) m.left_stage_due) AS late_moves
  FROM @extschema@.project p
  JOIN @extschema@.project_stage st ON st.code OPERATOR(pg_catalog.=) p.stage
  LEFT JOIN @extschema@.budget_commitments c ON c.id OPERATOR(pg_catalog.=) p.commitment;
COMMENT ON VIEW @extschema@.project_progress IS
    'each project: its stage and time limit (overdue when it ran out), its estimate, what was paid out of its commitment, and its late moves';
COMMENT ON COLUMN @extschema@.project_progress.id IS 'the project';
COMMENT ON COLUMN @extschema@.project_progress.title IS 'what it is';
COMMENT ON COLUMN @extschema@.project_progress.community IS 'its community, a code';
COMMENT ON COLUMN @extschema@.project_progress.unit IS 'where it is carried out, a code';
COMMENT ON COLUMN @extschema@.project_progress.kind IS 'base_works or micro_project';
COMMENT ON COLUMN @extschema@.project_progress.budget IS 'its budget line';
COMMENT ON COLUMN @extschema@.project_progress.stage IS 'its stage';
COMMENT ON COLUMN @extschema@.project_progress.stage_name IS 'the stage''s Chinese name';
COMMENT ON COLUMN @extschema@.project_progress.stage_since IS 'since when';
COMMENT ON COLUMN @extschema@.project_progress.stage_due IS 'when the stage''s time limit runs out';
COMMENT ON COLUMN @extschema@.project_progress.overdue IS 'whether it has run out now';
COMMENT ON COLUMN @extschema@.project_progress.estimate_yuan IS 'its estimate, in yuan';
COMMENT ON COLUMN @extschema@.project_progress.paid_yuan IS 'what was paid out of its commitment, in yuan (once approved)';
COMMENT ON COLUMN @extschema@.project_progress.left_yuan IS 'what its commitment has left, in yuan (once approved)';
COMMENT ON COLUMN @extschema@.project_progress.late_moves IS 'its moves that came after the time limit of the stage they left';

-- ======================================================================
-- Needs and offers (需求清单, 服务意向清单), and matching them
-- ======================================================================

-- A need is what residents ask for: from a case (its category, unit and
-- place) or entered directly, located on the jurisdiction tree (a
-- community, a grid, a building) and in Beidou cells, and grouped: the
-- same need (same unit, same skill) reported by many households is one
-- open need with a household count.  An offer is what a post's holder
-- (a party member, a cadre, a 红小二 volunteer) can do: a skill, when
-- they are available, and how many needs they can take at once.
-- Matching proposes, for an open need, the available offers of its skill
-- nearest on the tree (within the unit of the need's handling level: its
-- community at first) and then in space; taking records who took it.  A
-- need nobody took within its limit (working days on the calendar)
-- escalates like a case: its handling level climbs one level up the tree
-- (community, subdistrict, district), which widens the offers proposed,
-- and its limit is counted again.

CREATE TABLE @extschema@.need (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code)
                    CONSTRAINT need_unit_level CHECK (@extschema@.level(unit) OPERATOR(pg_catalog.>=) 5),
    community       @extschema@.gridcode GENERATED ALWAYS AS (@extschema@.ancestor(unit, 5)) STORED,
    location        geometry(Point, 4326),
    cell            @extschema@.gridcell GENERATED ALWAYS AS (@extschema@.gridcell(location, 10)) STORED,
    skill           text NOT NULL
                    CONSTRAINT need_skill_form CHECK (skill OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    title           text NOT NULL CONSTRAINT need_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    category        text REFERENCES @extschema@.category (code),
    case_id         bigint REFERENCES @extschema@.cases (id),
    households      integer NOT NULL DEFAULT 1
                    CONSTRAINT need_households_positive CHECK (households OPERATOR(pg_catalog.>) 0),
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT need_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'taken', 'met'])),
    opened_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_reported_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    limit_days      numeric NOT NULL DEFAULT 5
                    CONSTRAINT need_limit_positive CHECK (limit_days OPERATOR(pg_catalog.>) 0),
    due_at          timestamptz,
    handling_level  integer NOT NULL DEFAULT 5
                    CONSTRAINT need_handling_level CHECK (handling_level OPERATOR(pg_catalog.>=) 3
                                                          AND handling_level OPERATOR(pg_catalog.<=) 5),
    escalations     integer NOT NULL DEFAULT 0,
    escalated_at    timestamptz,
    project         bigint REFERENCES @extschema@.project (id)
);
COMMENT ON TABLE @extschema@.need IS
    'residents'' needs (社区治理服务需求清单): one open need per unit and skill, with the households that reported it';
COMMENT ON COLUMN @extschema@.need.id IS 'the need''s number';
COMMENT ON COLUMN @extschema@.need.unit IS 'where: a community, a grid or a building (level 5 to 7)';
COMMENT ON COLUMN @extschema@.need.community IS 'derived from unit: its community';
COMMENT ON COLUMN @extschema@.need.location IS 'where exactly, a point in SRID 4326, if known';
COMMENT ON COLUMN @extschema@.need.cell IS 'derived from location: its Beidou grid cell at level 10';
COMMENT ON COLUMN @extschema@.need.skill IS 'the skill that meets it, such as elder_care; offers of the same skill match';
COMMENT ON COLUMN @extschema@.need.title IS 'what is asked, such as 独居老人助餐';
COMMENT ON COLUMN @extschema@.need.category IS 'the case category it came from; NULL for a direct entry';
COMMENT ON COLUMN @extschema@.need.case_id IS 'the case it came from, if any';
COMMENT ON COLUMN @extschema@.need.households IS 'the households that reported it (grouped: one need, many households)';
COMMENT ON COLUMN @extschema@.need.status IS 'open (waiting for an offer), taken (someone took it) or met';
COMMENT ON COLUMN @extschema@.need.opened_at IS 'when it was first reported';
COMMENT ON COLUMN @extschema@.need.last_reported_at IS 'when a household last reported it';
COMMENT ON COLUMN @extschema@.need.limit_days IS 'working days it may stay open at a level before it escalates';
COMMENT ON COLUMN @extschema@.need.due_at IS 'when its limit runs out at its handling level (the calendar''s working days)';
COMMENT ON COLUMN @extschema@.need.handling_level IS
    'the level whose unit offers are proposed within: 5 its community, 4 its subdistrict, 3 its district';
COMMENT ON COLUMN @extschema@.need.escalations IS 'how often it escalated';
COMMENT ON COLUMN @extschema@.need.escalated_at IS 'when it last escalated';
COMMENT ON COLUMN @extschema@.need.project IS 'the project that meets it, if it became one';
CREATE UNIQUE INDEX need_one_open ON @extschema@.need (unit, skill) WHERE status OPERATOR(pg_catalog.=) 'open';
CREATE INDEX need_unit_idx ON @extschema@.need (unit);
CREATE INDEX need_cell_idx ON @extschema@.need (cell);

CREATE TABLE @extschema@.offer (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    post        bigint NOT NULL REFERENCES @extschema@.post (id),
    skill       text NOT NULL
                CONSTRAINT offer_skill_form CHECK (skill OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    available   tstzrange NOT NULL DEFAULT pg_catalog.tstzrange(pg_catalog.now(), NULL)
                CONSTRAINT offer_available_not_empty CHECK (NOT pg_catalog.isempty(available)),
    capacity    integer NOT NULL DEFAULT 1 CONSTRAINT offer_capacity_positive CHECK (capacity OPERATOR(pg_catalog.>) 0),
    location    geometry(Point, 4326),
    note        text
);
COMMENT ON TABLE @extschema@.offer IS
    'offers (党员干部服务意向清单): what a post''s holder can do, when, and how many needs at once';
COMMENT ON COLUMN @extschema@.offer.id IS 'the offer''s number';
COMMENT ON COLUMN @extschema@.offer.post IS 'the post whose holder offers it; the post''s place (its unit, else its organization''s anchor) places the offer on the tree';
COMMENT ON COLUMN @extschema@.offer.skill IS 'the skill offered, such as elder_care';
COMMENT ON COLUMN @extschema@.offer.available IS 'when the holder is available';
COMMENT ON COLUMN @extschema@.offer.capacity IS 'how many needs the holder can have taken and not yet met at once';
COMMENT ON COLUMN @extschema@.offer.location IS 'where the holder is usually found, a point in SRID 4326, if known';
COMMENT ON COLUMN @extschema@.offer.note IS 'more about it, such as 周末上午';
CREATE INDEX offer_skill_idx ON @extschema@.offer (skill);
CREATE INDEX offer_post_idx ON @extschema@.offer (post);

CREATE TABLE @extschema@.need_take (
    need        bigint NOT NULL REFERENCES @extschema@.need (id),
    offer       bigint NOT NULL REFERENCES @extschema@.offer (id),
    person      bigint NOT NULL REFERENCES @extschema@.person (id),
    taken_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    taken_by    text NOT NULL DEFAULT CURRENT_USER,
    met_at      timestamptz,
    note        text,
    PRIMARY KEY (need, offer)
);
COMMENT ON TABLE @extschema@.need_take IS 'who took which need, through which offer, and when it was met';
COMMENT ON COLUMN @extschema@.need_take.need IS 'the need';
COMMENT ON COLUMN @extschema@.need_take.offer IS 'the offer it was taken through';
COMMENT ON COLUMN @extschema@.need_take.person IS 'who took it: the offer''s post''s holder';
COMMENT ON COLUMN @extschema@.need_take.taken_at IS 'when';
COMMENT ON COLUMN @extschema@.need_take.taken_by IS 'the role that recorded it';
COMMENT ON COLUMN @extschema@.need_take.met_at IS 'when the need was met; NULL while it is being done';
COMMENT ON COLUMN @extschema@.need_take.note IS 'how it was met';
CREATE INDEX need_take_offer_idx ON @extschema@.need_take (offer);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.need', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.offer', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.need_take', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.need', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.offer', 'id')::regclass, '');

-- A need's limit counted: BEFORE INSERT on need, from when it was opened.
CREATE FUNCTION @extschema@.need_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    NEW.due_at := COALESCE(NEW.due_at, @extschema@.deadline(NEW.opened_at, NEW.limit_days, 'working_day'));
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.need_before_insert() IS
    'BEFORE INSERT trigger on need: its due_at, limit_days working days after it was opened, unless given';
CREATE TRIGGER gridgov_need_before_insert BEFORE INSERT ON @extschema@.need
    FOR EACH ROW EXECUTE FUNCTION @extschema@.need_before_insert();

-- Report a need: a household more on the open need of the unit and skill,
-- or a new one.  Concurrent reports of one need meet on its unique index.
CREATE FUNCTION @extschema@.report_need(unit @extschema@.gridcode, skill text, title text,
                                        location geometry DEFAULT NULL, category text DEFAULT NULL,
                                        case_id bigint DEFAULT NULL, households integer DEFAULT 1)
    RETURNS @extschema@.need
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    reported @extschema@.need;
BEGIN
    IF report_need.households IS NULL OR report_need.households OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'a report of % households', COALESCE(report_need.households::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'A need is reported by one household or more.';
    END IF;
    -- the open need of the unit and skill, if there is one
    UPDATE @extschema@.need n
       SET households = n.households OPERATOR(pg_catalog.+) report_need.households,
           last_reported_at = pg_catalog.now(),
           location = COALESCE(n.location, report_need.location)
     WHERE n.unit OPERATOR(@extschema@.=) report_need.unit AND n.skill OPERATOR(pg_catalog.=) report_need.skill
       AND n.status OPERATOR(pg_catalog.=) 'open'
    RETURNING n.* INTO reported;
    IF FOUND THEN
        RETURN reported;
    END IF;
    -- else a new one, unless another report made it meanwhile
    INSERT INTO @extschema@.need AS n (unit, location, skill, title, category, case_id, households)
    VALUES (report_need.unit, report_need.location, report_need.skill, report_need.title, report_need.category,
            report_need.case_id, report_need.households)
    ON CONFLICT (unit, skill) WHERE status OPERATOR(pg_catalog.=) 'open'
    DO UPDATE SET households = n.households OPERATOR(pg_catalog.+) EXCLUDED.households,
                  last_reported_at = pg_catalog.now(),
                  location = COALESCE(n.location, EXCLUDED.location)
    RETURNING n.* INTO reported;
    RETURN reported;
END;
$$;
COMMENT ON FUNCTION @extschema@.report_need(@extschema@.gridcode, text, text, geometry, text, bigint, integer) IS
    'report a need of households at a unit (a community, grid or building) for a skill: added to the open need of the unit and skill, or a new one; returns it';

-- A need from a case: its unit, place and category, and the skill given.
CREATE FUNCTION @extschema@.need_from_case(case_id bigint, skill text, title text DEFAULT NULL)
    RETURNS @extschema@.need
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c record;
BEGIN
    SELECT x.id, x.unit, x.location, x.category, x.description, k.name AS category_name INTO c
      FROM @extschema@.cases x JOIN @extschema@.category k ON k.code OPERATOR(pg_catalog.=) x.category
     WHERE x.id OPERATOR(pg_catalog.=) need_from_case.case_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', COALESCE(case_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a case of gridgov.cases, by its id.';
    END IF;
    IF @extschema@.level(c.unit) OPERATOR(pg_catalog.<) 5 THEN
        RAISE EXCEPTION 'case % lies at %, above any community', c.id, c.unit
            USING ERRCODE = '22023', HINT = 'A need is located in a community, a grid or a building: report it with gridgov.report_need().';
    END IF;
    RETURN @extschema@.report_need(c.unit, skill, COALESCE(title, NULLIF(c.description, ''), c.category_name),
                                   c.location, c.category, c.id);
END;
$$;
COMMENT ON FUNCTION @extschema@.need_from_case(bigint, text, text) IS
    'report the need behind a case (its unit, location and category) for a skill; grouped with the open need of the unit and skill; returns it';

-- Each offer with its place on the tree and how many needs it has taken and
-- not yet met, in plain types.
CREATE VIEW @extschema@.offer_places WITH (security_invoker = true) AS
SELECT f.id AS offer, f.post, p.person, f.skill,
       pg_catalog.lower(f.available) AS available_from, pg_catalog.upper(f.available) AS available_until,
       f.capacity, f.location, COALESCE(p.unit, o.anchor)::text AS place,
       (SELECT pg_catalog.count(*) FROM @extschema@.need_take t
         WHERE t.offer OPERATOR(pg_catalog.=) f.id AND t.met_at IS NULL) AS open_takes
  FROM @extschema@.offer f
  JOIN @extschema@.post p ON p.id OPERATOR(pg_catalog.=) f.post
  LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization;
COMMENT ON VIEW @extschema@.offer_places IS
    'each offer: its holder, skill, availability and capacity, its place on the tree (its post''s unit, else its organization''s anchor), and the needs it has taken and not yet met';
COMMENT ON COLUMN @extschema@.offer_places.offer IS 'the offer';
COMMENT ON COLUMN @extschema@.offer_places.post IS 'its post';
COMMENT ON COLUMN @extschema@.offer_places.person IS 'the post''s holder';
COMMENT ON COLUMN @extschema@.offer_places.skill IS 'the skill offered';
COMMENT ON COLUMN @extschema@.offer_places.available_from IS 'available from';
COMMENT ON COLUMN @extschema@.offer_places.available_until IS 'available until; NULL for no end';
COMMENT ON COLUMN @extschema@.offer_places.capacity IS 'needs it can have open at once';
COMMENT ON COLUMN @extschema@.offer_places.location IS 'where its holder is usually found';
COMMENT ON COLUMN @extschema@.offer_places.place IS 'its place on the jurisdiction tree, a code';
COMMENT ON COLUMN @extschema@.offer_places.open_takes IS 'needs taken through it and not yet met';

-- The offers proposed for a need, at a time (now by default): of its skill,
-- available then, with room left, placed under the unit of the need's
-- handling level; nearest on the tree first (steps up from the need to the
-- lowest unit over both, and down to the offer), then in space (metres
-- between the points, when both are known), then the longest-standing.
CREATE FUNCTION @extschema@.match_need(need bigint, proposals integer DEFAULT 3, at timestamptz DEFAULT NULL)
    RETURNS TABLE (offer bigint, person bigint, place @extschema@.gridcode, tree_steps integer, metres numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT f.offer, f.person, f.place,
           @extschema@.level(n.unit) OPERATOR(pg_catalog.+) @extschema@.level(f.place)
               OPERATOR(pg_catalog.-) (2 OPERATOR(pg_catalog.*) @extschema@.level(@extschema@.lca(n.unit, f.place))),
           pg_catalog.round(ST_Distance(n.location::geography, f.location::geography)::numeric)
      FROM @extschema@.need n
      JOIN (SELECT x.id AS offer, x.skill, x.available, x.capacity, x.location, p.person,
                   COALESCE(p.unit, o.anchor) AS place
              FROM @extschema@.offer x
              JOIN @extschema@.post p ON p.id OPERATOR(pg_catalog.=) x.post
              LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization) f
        ON f.skill OPERATOR(pg_catalog.=) n.skill
       AND f.place OPERATOR(@extschema@.<@) @extschema@.ancestor(n.unit, n.handling_level)
       AND f.available OPERATOR(pg_catalog.@>) COALESCE(match_need.at, pg_catalog.now())
       AND (SELECT pg_catalog.count(*) FROM @extschema@.need_take t
             WHERE t.offer OPERATOR(pg_catalog.=) f.offer AND t.met_at IS NULL) OPERATOR(pg_catalog.<) f.capacity
     WHERE n.id OPERATOR(pg_catalog.=) match_need.need
       AND NOT EXISTS (SELECT FROM @extschema@.need_take t
                        WHERE t.need OPERATOR(pg_catalog.=) n.id AND t.offer OPERATOR(pg_catalog.=) f.offer)
     ORDER BY 4, 5 NULLS LAST, f.offer
     LIMIT CASE WHEN @extschema@.check_row_count(match_need.proposals, 'proposals') THEN match_need.proposals END;
END;
COMMENT ON FUNCTION @extschema@.match_need(bigint, integer, timestamptz) IS
    'the offers proposed for a need: of its skill, available at (now by default), with room, under the unit of its handling level; nearest on the tree, then in space';

-- For each open need under root, the offers proposed.
CREATE FUNCTION @extschema@.need_proposals(root @extschema@.gridcode, proposals integer DEFAULT 3, at timestamptz DEFAULT NULL)
    RETURNS TABLE (need bigint, unit @extschema@.gridcode, skill text, households integer, handling_level integer,
                   rank bigint, offer bigint, person bigint, place @extschema@.gridcode, tree_steps integer, metres numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT n.id, n.unit, n.skill, n.households, n.handling_level,
           pg_catalog.row_number() OVER (PARTITION BY n.id ORDER BY m.tree_steps, m.metres NULLS LAST, m.offer),
           m.offer, m.person, m.place, m.tree_steps, m.metres
      FROM @extschema@.need n
      CROSS JOIN LATERAL @extschema@.match_need(n.id, need_proposals.proposals, need_proposals.at) m
     WHERE n.unit OPERATOR(@extschema@.<@) need_proposals.root AND n.status OPERATOR(pg_catalog.=) 'open'
       AND @extschema@.check_row_count(need_proposals.proposals, 'proposals')
     ORDER BY n.id, 6;
END;
COMMENT ON FUNCTION @extschema@.need_proposals(@extschema@.gridcode, integer, timestamptz) IS
    'for each open need under root, up to proposals offers proposed by match_need, ranked';

-- Take a need through an offer: the offer's holder takes it (the need open,
-- the offer of its skill, available, with room); the need is taken.
CREATE FUNCTION @extschema@.take_need(need bigint, offer bigint, note text DEFAULT NULL)
    RETURNS @extschema@.need_take
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    n record;
    f record;
    taken @extschema@.need_take;
BEGIN
    SELECT x.id, x.status, x.skill INTO n FROM @extschema@.need x WHERE x.id OPERATOR(pg_catalog.=) take_need.need FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'need % does not exist', COALESCE(take_need.need::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a need of gridgov.need, by its id.';
    END IF;
    IF n.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'need % is %, not open', n.id, n.status
            USING ERRCODE = '55000', HINT = 'Only an open need is taken.';
    END IF;
    SELECT x.id, x.skill, x.available, x.capacity, p.person INTO f
      FROM @extschema@.offer x JOIN @extschema@.post p ON p.id OPERATOR(pg_catalog.=) x.post
     WHERE x.id OPERATOR(pg_catalog.=) take_need.offer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'offer % does not exist', COALESCE(take_need.offer::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name an offer of gridgov.offer, by its id (match_need proposes them).';
    END IF;
    -- a lock of the offer orders its takes, so its capacity holds (an
    -- advisory one: a handler who takes needs may not update offers, and a
    -- row lock would need that); the count below is read after it
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.offer'),
                                             (f.id OPERATOR(pg_catalog.%) 2147483647)::integer);
    IF f.skill OPERATOR(pg_catalog.<>) n.skill OR NOT f.available OPERATOR(pg_catalog.@>) pg_catalog.now() THEN
        RAISE EXCEPTION 'offer % (%) does not meet need % (%) now', f.id, f.skill, n.id, n.skill
            USING ERRCODE = '22023', HINT = 'Take it through an available offer of its skill: gridgov.match_need() proposes them.';
    END IF;
    IF (SELECT pg_catalog.count(*) FROM @extschema@.need_take t
         WHERE t.offer OPERATOR(pg_catalog.=) f.id AND t.met_at IS NULL) OPERATOR(pg_catalog.>=) f.capacity THEN
        RAISE EXCEPTION 'offer % has taken % needs not yet met: it is full', f.id, f.capacity
            USING ERRCODE = '55000', HINT = 'Meet one of them first (meet_need), or take another offer.';
    END IF;
    INSERT INTO @extschema@.need_take AS t (need, offer, person, note)
    VALUES (n.id, f.id, f.person, take_need.note)
    RETURNING t.* INTO taken;
    UPDATE @extschema@.need x SET status = 'taken' WHERE x.id OPERATOR(pg_catalog.=) n.id;
    RETURN taken;
END;
$$;
COMMENT ON FUNCTION @extschema@.take_need(bigint, bigint, text) IS
    'record that an offer''s holder took an open need (the offer of its skill, available now, with room); returns the take';

-- A taken need met.
CREATE FUNCTION @extschema@.meet_need(need bigint, note text DEFAULT NULL)
    RETURNS @extschema@.need
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    met @extschema@.need;
BEGIN
    UPDATE @extschema@.need x SET status = 'met'
     WHERE x.id OPERATOR(pg_catalog.=) meet_need.need AND x.status OPERATOR(pg_catalog.=) 'taken'
    RETURNING x.* INTO met;
    IF met.id IS NULL THEN
        IF EXISTS (SELECT FROM @extschema@.need x WHERE x.id OPERATOR(pg_catalog.=) meet_need.need) THEN
            RAISE EXCEPTION 'need % is not taken', meet_need.need
                USING ERRCODE = '55000', HINT = 'A need is met once someone took it (take_need).';
        END IF;
        RAISE EXCEPTION 'need % does not exist', COALESCE(meet_need.need::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a need of gridgov.need, by its id.';
    END IF;
    UPDATE @extschema@.need_take t SET met_at = pg_catalog.now(), note = COALESCE(meet_need.note, t.note)
     WHERE t.need OPERATOR(pg_catalog.=) met.id AND t.met_at IS NULL;
    RETURN met;
END;
$$;
COMMENT ON FUNCTION @extschema@.meet_need(bigint, text) IS 'record that a taken need was met; returns it';

-- Escalate every open need whose limit ran out by at (now by default): its
-- handling level climbs one level (to the district at most), its limit is
-- counted again from at.  Returns how many escalated.
CREATE FUNCTION @extschema@.escalate_needs(at timestamptz DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    t constant timestamptz := COALESCE(at, pg_catalog.now());
    escalated bigint;
BEGIN
    UPDATE @extschema@.need n
       SET handling_level = n.handling_level OPERATOR(pg_catalog.-) 1,
           escalations = n.escalations OPERATOR(pg_catalog.+) 1,
           escalated_at = t,
           due_at = @extschema@.deadline(t, n.limit_days, 'working_day')
     WHERE n.status OPERATOR(pg_catalog.=) 'open' AND n.due_at OPERATOR(pg_catalog.<=) t
       AND n.handling_level OPERATOR(pg_catalog.>) 3;
    GET DIAGNOSTICS escalated = ROW_COUNT;
    RETURN escalated;
END;
$$;
COMMENT ON FUNCTION @extschema@.escalate_needs(timestamptz) IS
    'escalate the open needs whose limit ran out by at (now by default): handling level one up (to the district at most), limit counted again; returns how many';

-- ======================================================================
-- Views for BI tools: plain types only
-- ======================================================================

-- Metabase, Superset and Grafana read these through standard drivers:
-- every column is text, numeric, integer, date or timestamptz (codes as
-- text, numbers of rows as integer, yes/no as 1/0), and each view runs
-- with the reader's rights (row-level security applies).
CREATE VIEW @extschema@.bi_budget_lines WITH (security_invoker = true) AS
SELECT b.id::integer AS budget_id, b.community::text AS community_code, c.name AS community_name,
       @extschema@.ancestor(b.community, 4)::text AS subdistrict_code, s.name AS subdistrict_name,
       @extschema@.ancestor(b.community, 3)::text AS district_code,
       b.year, b.kind, k.name AS kind_name,
       @extschema@.fen_to_yuan(b.amount_fen) AS amount_yuan,
       @extschema@.fen_to_yuan(b.committed_fen) AS committed_yuan,
       @extschema@.fen_to_yuan(b.paid_fen) AS paid_yuan,
       @extschema@.fen_to_yuan(b.amount_fen OPERATOR(pg_catalog.-) b.committed_fen) AS uncommitted_yuan,
       (SELECT pg_catalog.count(*) FROM @extschema@.project p WHERE p.budget OPERATOR(pg_catalog.=) b.id)::integer AS projects
  FROM @extschema@.budget b
  JOIN @extschema@.budget_kind k ON k.code OPERATOR(pg_catalog.=) b.kind
  LEFT JOIN @extschema@.unit c ON c.code OPERATOR(@extschema@.=) b.community
  LEFT JOIN @extschema@.unit s ON s.code OPERATOR(@extschema@.=) @extschema@.ancestor(b.community, 4);
COMMENT ON VIEW @extschema@.bi_budget_lines IS
    'budget lines for BI tools, in plain types: community, subdistrict and district codes and names, year, kind, amount, committed, paid, uncommitted (yuan), projects';
COMMENT ON COLUMN @extschema@.bi_budget_lines.budget_id IS 'the budget line';
COMMENT ON COLUMN @extschema@.bi_budget_lines.community_code IS 'its community''s code';
COMMENT ON COLUMN @extschema@.bi_budget_lines.community_name IS 'its community''s name';
COMMENT ON COLUMN @extschema@.bi_budget_lines.subdistrict_code IS 'the community''s subdistrict''s code';
COMMENT ON COLUMN @extschema@.bi_budget_lines.subdistrict_name IS 'the subdistrict''s name';
COMMENT ON COLUMN @extschema@.bi_budget_lines.district_code IS 'the district''s code';
COMMENT ON COLUMN @extschema@.bi_budget_lines.year IS 'the budget year';
COMMENT ON COLUMN @extschema@.bi_budget_lines.kind IS 'base_works or micro_project';
COMMENT ON COLUMN @extschema@.bi_budget_lines.kind_name IS 'the kind''s Chinese name';
COMMENT ON COLUMN @extschema@.bi_budget_lines.amount_yuan IS 'what it holds, in yuan';
COMMENT ON COLUMN @extschema@.bi_budget_lines.committed_yuan IS 'what is committed, in yuan';
COMMENT ON COLUMN @extschema@.bi_budget_lines.paid_yuan IS 'what is paid, in yuan';
COMMENT ON COLUMN @extschema@.bi_budget_lines.uncommitted_yuan IS 'what can still be committed, in yuan';
COMMENT ON COLUMN @extschema@.bi_budget_lines.projects IS 'projects paid from it';

CREATE VIEW @extschema@.bi_projects WITH (security_invoker = true) AS
SELECT p.id::integer AS project_id, p.title, p.community::text AS community_code, c.name AS community_name,
       p.unit::text AS unit_code, p.kind, p.budget::integer AS budget_id, b.year AS budget_year,
       p.stage, st.name AS stage_name, st.position::integer AS stage_position,
       (p.proposed_at AT TIME ZONE @extschema@.calendar_timezone())::date AS proposed_on,
       p.stage_since, p.stage_due,
       (COALESCE(p.stage_due OPERATOR(pg_catalog.<) pg_catalog.now(), false))::integer AS overdue,
       @extschema@.fen_to_yuan(p.estimate_fen) AS estimate_yuan,
       @extschema@.fen_to_yuan(COALESCE(d.paid_fen, 0)) AS paid_yuan,
       (SELECT pg_catalog.count(*) FROM @extschema@.project_move m
         WHERE m.project OPERATOR(pg_catalog.=) p.id AND m.moved_at OPERATOR(pg_catalog.>) m.left_stage_due)::integer AS late_moves
  FROM @extschema@.project p
  JOIN @extschema@.project_stage st ON st.code OPERATOR(pg_catalog.=) p.stage
  LEFT JOIN @extschema@.unit c ON c.code OPERATOR(@extschema@.=) p.community
  LEFT JOIN @extschema@.budget b ON b.id OPERATOR(pg_catalog.=) p.budget
  LEFT JOIN LATERAL (SELECT pg_catalog.sum(e.amount_fen) AS paid_fen FROM @extschema@.budget_entry e
                      WHERE e.commitment OPERATOR(pg_catalog.=) p.commitment
                        AND e.kind OPERATOR(pg_catalog.=) 'payment') d ON true;
COMMENT ON VIEW @extschema@.bi_projects IS
    'projects for BI tools, in plain types: community, unit, kind, line, stage and its time limit (overdue 1 or 0), estimate and paid (yuan), late moves';
COMMENT ON COLUMN @extschema@.bi_projects.project_id IS 'the project';
COMMENT ON COLUMN @extschema@.bi_projects.title IS 'what it is';
COMMENT ON COLUMN @extschema@.bi_projects.community_code IS 'its community''s code';
COMMENT ON COLUMN @extschema@.bi_projects.community_name IS 'its community''s name';
COMMENT ON COLUMN @extschema@.bi_projects.unit_code IS 'where it is carried out, a code';
COMMENT ON COLUMN @extschema@.bi_projects.kind IS 'base_works or micro_project';
COMMENT ON COLUMN @extschema@.bi_projects.budget_id IS 'its budget line';
COMMENT ON COLUMN @extschema@.bi_projects.budget_year IS 'the line''s year';
COMMENT ON COLUMN @extschema@.bi_projects.stage IS 'its stage';
COMMENT ON COLUMN @extschema@.bi_projects.stage_name IS 'the stage''s Chinese name';
COMMENT ON COLUMN @extschema@.bi_projects.stage_position IS 'the stage''s place in the order, 1 to 6';
COMMENT ON COLUMN @extschema@.bi_projects.proposed_on IS 'the day it was proposed, in the calendar''s time zone';
COMMENT ON COLUMN @extschema@.bi_projects.stage_since IS 'when it entered its stage';
COMMENT ON COLUMN @extschema@.bi_projects.stage_due IS 'when the stage''s time limit runs out';
COMMENT ON COLUMN @extschema@.bi_projects.overdue IS '1 when the limit ran out, else 0';
COMMENT ON COLUMN @extschema@.bi_projects.estimate_yuan IS 'its estimate, in yuan';
COMMENT ON COLUMN @extschema@.bi_projects.paid_yuan IS 'what was paid out of its commitment, in yuan';
COMMENT ON COLUMN @extschema@.bi_projects.late_moves IS 'its moves after the limit of the stage they left';

CREATE VIEW @extschema@.bi_needs WITH (security_invoker = true) AS
SELECT n.id::integer AS need_id, n.community::text AS community_code, c.name AS community_name,
       n.unit::text AS unit_code, n.cell::text AS cell_code,
       pg_catalog.round(ST_X(n.location)::numeric, 6) AS lng, pg_catalog.round(ST_Y(n.location)::numeric, 6) AS lat,
       n.skill, n.title, n.category, n.households, n.status, n.handling_level, n.escalations,
       (n.opened_at AT TIME ZONE @extschema@.calendar_timezone())::date AS opened_on, n.opened_at, n.due_at,
       (n.status OPERATOR(pg_catalog.=) 'open' AND n.due_at OPERATOR(pg_catalog.<) pg_catalog.now())::integer AS overdue,
       t.person::integer AS taken_by_person, t.taken_at, t.met_at
  FROM @extschema@.need n
  LEFT JOIN @extschema@.unit c ON c.code OPERATOR(@extschema@.=) n.community
  LEFT JOIN LATERAL (SELECT x.person, x.taken_at, x.met_at FROM @extschema@.need_take x
                      WHERE x.need OPERATOR(pg_catalog.=) n.id ORDER BY x.taken_at DESC LIMIT 1) t ON true;
COMMENT ON VIEW @extschema@.bi_needs IS
    'needs for BI tools, in plain types: community, unit and Beidou cell codes, longitude and latitude, skill, households, status, escalations, overdue (1 or 0), who took it and when';
COMMENT ON COLUMN @extschema@.bi_needs.need_id IS 'the need';
COMMENT ON COLUMN @extschema@.bi_needs.community_code IS 'its community''s code';
COMMENT ON COLUMN @extschema@.bi_needs.community_name IS 'its community''s name';
COMMENT ON COLUMN @extschema@.bi_needs.unit_code IS 'where, a code';
COMMENT ON COLUMN @extschema@.bi_needs.cell_code IS 'its Beidou grid cell (level 10) as the standard''s code string';
COMMENT ON COLUMN @extschema@.bi_needs.lng IS 'longitude, degrees';
COMMENT ON COLUMN @extschema@.bi_needs.lat IS 'latitude, degrees';
COMMENT ON COLUMN @extschema@.bi_needs.skill IS 'the skill that meets it';
COMMENT ON COLUMN @extschema@.bi_needs.title IS 'what is asked';
COMMENT ON COLUMN @extschema@.bi_needs.category IS 'the case category it came from';
COMMENT ON COLUMN @extschema@.bi_needs.households IS 'the households that reported it';
COMMENT ON COLUMN @extschema@.bi_needs.status IS 'open, taken or met';
COMMENT ON COLUMN @extschema@.bi_needs.handling_level IS '5 community, 4 subdistrict, 3 district';
COMMENT ON COLUMN @extschema@.bi_needs.escalations IS 'how often it escalated';
COMMENT ON COLUMN @extschema@.bi_needs.opened_on IS 'the day it was first reported, in the calendar''s time zone';
COMMENT ON COLUMN @extschema@.bi_needs.opened_at IS 'when it was first reported';
COMMENT ON COLUMN @extschema@.bi_needs.due_at IS 'when its limit runs out at its level';
COMMENT ON COLUMN @extschema@.bi_needs.overdue IS '1 when it is open past its limit, else 0';
COMMENT ON COLUMN @extschema@.bi_needs.taken_by_person IS 'the person who took it, last';
COMMENT ON COLUMN @extschema@.bi_needs.taken_at IS 'when';
COMMENT ON COLUMN @extschema@.bi_needs.met_at IS 'when it was met';

-- ======================================================================
-- Access: the group roles (sql/roles.sql) and row-level security
-- ======================================================================

-- Readers read the budgets, the ledger and the reports; administrators
-- open budget lines, set their amounts and enter the ledger, whose trigger
-- moves the line's counters as the entering role (hence UPDATE on budget;
-- the counters follow the ledger whoever asks), and manage the kinds.  The
-- trigger functions, like the others, are executed by their triggers only.
GRANT SELECT ON @extschema@.budget_kind, @extschema@.budget, @extschema@.budget_entry,
                @extschema@.budget_lines, @extschema@.budget_commitments
    TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.budget_kind, @extschema@.budget TO gridgov_administrator;
GRANT INSERT ON @extschema@.budget_entry TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.budget_id_seq, @extschema@.budget_entry_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.budget_entry_before_insert(),
    @extschema@.budget_entry_refuse_change(),
    @extschema@.budget_check(),
    @extschema@.open_budgets(@extschema@.gridcode, integer, text),
    @extschema@.commit_budget(bigint, numeric, text),
    @extschema@.pay_commitment(bigint, numeric, text),
    @extschema@.release_commitment(bigint, numeric, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.open_budgets(@extschema@.gridcode, integer, text),
    @extschema@.commit_budget(bigint, numeric, text),
    @extschema@.pay_commitment(bigint, numeric, text),
    @extschema@.release_commitment(bigint, numeric, text)
    TO gridgov_administrator;

-- A budget line is seen under a grant of its community (or above it), and
-- opened, changed and entered where the role administers the community;
-- an entry is seen and made where its line is (the lines' policy applies:
-- one hashed list of their numbers per query).
ALTER TABLE @extschema@.budget ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.budget FOR SELECT
    USING (@extschema@.jurisdiction_visible(community));
CREATE POLICY gridgov_insert ON @extschema@.budget FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(community, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.budget FOR UPDATE
    USING (@extschema@.jurisdiction_holds(community, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(community, 'administrator'));
CREATE POLICY gridgov_delete ON @extschema@.budget FOR DELETE
    USING (@extschema@.jurisdiction_holds(community, 'administrator'));
ALTER TABLE @extschema@.budget_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.budget_entry FOR SELECT
    USING (budget IN (SELECT b.id FROM @extschema@.budget b));
CREATE POLICY gridgov_insert ON @extschema@.budget_entry FOR INSERT
    WITH CHECK (budget IN (SELECT b.id FROM @extschema@.budget b
                            WHERE @extschema@.jurisdiction_holds(b.community, 'administrator')));

-- Projects: readers read them, their moves, consultations and votes;
-- administrators propose, consult, record votes and move them (the move
-- to approved enters the commitment, as the moving role).  A project is
-- seen under a grant of its community (or above it) and written where the
-- role administers it; its moves, consultations and votes are seen and
-- written where it is.
GRANT SELECT ON @extschema@.project_stage, @extschema@.project, @extschema@.project_move,
                @extschema@.project_consultation, @extschema@.project_vote, @extschema@.project_progress
    TO gridgov_reader;
GRANT SELECT ON @extschema@.project_stage_limit TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.project_stage_limit TO gridgov_administrator;
GRANT INSERT, UPDATE, DELETE ON @extschema@.project, @extschema@.project_consultation, @extschema@.project_vote
    TO gridgov_administrator;
GRANT INSERT ON @extschema@.project_move TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.project_id_seq, @extschema@.project_consultation_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.project_check(),
    @extschema@.project_after_move(),
    @extschema@.project_vote_check(),
    @extschema@.set_project_move(timestamptz, text),
    @extschema@.propose_project(@extschema@.gridcode, text, text, numeric, @extschema@.gridcode, integer, bigint, timestamptz),
    @extschema@.consult_project(bigint, text, timestamptz, timestamptz, text),
    @extschema@.vote_project(bigint, bigint, text),
    @extschema@.advance_project(bigint, text, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.set_project_move(timestamptz, text),
    @extschema@.propose_project(@extschema@.gridcode, text, text, numeric, @extschema@.gridcode, integer, bigint, timestamptz),
    @extschema@.consult_project(bigint, text, timestamptz, timestamptz, text),
    @extschema@.vote_project(bigint, bigint, text),
    @extschema@.advance_project(bigint, text, timestamptz)
    TO gridgov_administrator;
ALTER TABLE @extschema@.project ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.project FOR SELECT
    USING (@extschema@.jurisdiction_visible(community));
CREATE POLICY gridgov_write ON @extschema@.project FOR ALL
    USING (@extschema@.jurisdiction_holds(community, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(community, 'administrator'));
ALTER TABLE @extschema@.project_move ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.project_move FOR SELECT
    USING (project IN (SELECT p.id FROM @extschema@.project p));
CREATE POLICY gridgov_insert ON @extschema@.project_move FOR INSERT
    WITH CHECK (project IN (SELECT p.id FROM @extschema@.project p
                             WHERE @extschema@.jurisdiction_holds(p.community, 'administrator')));
ALTER TABLE @extschema@.project_consultation ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.project_consultation FOR SELECT
    USING (project IN (SELECT p.id FROM @extschema@.project p));
CREATE POLICY gridgov_write ON @extschema@.project_consultation FOR ALL
    USING (project IN (SELECT p.id FROM @extschema@.project p
                        WHERE @extschema@.jurisdiction_holds(p.community, 'administrator')))
    WITH CHECK (project IN (SELECT p.id FROM @extschema@.project p
                             WHERE @extschema@.jurisdiction_holds(p.community, 'administrator')));
ALTER TABLE @extschema@.project_vote ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.project_vote FOR SELECT
    USING (consultation IN (SELECT c.id FROM @extschema@.project_consultation c));
CREATE POLICY gridgov_write ON @extschema@.project_vote FOR ALL
    USING (consultation IN (SELECT c.id FROM @extschema@.project_consultation c
                              JOIN @extschema@.project p ON p.id OPERATOR(pg_catalog.=) c.project
                             WHERE @extschema@.jurisdiction_holds(p.community, 'administrator')))
    WITH CHECK (consultation IN (SELECT c.id FROM @extschema@.project_consultation c
                                   JOIN @extschema@.project p ON p.id OPERATOR(pg_catalog.=) c.project
                                  WHERE @extschema@.jurisdiction_holds(p.community, 'administrator')));

-- Needs and offers: readers read them, the offers' places and the takes;
-- handlers (grid workers) and administrators report needs, record takes
-- and meet them; administrators record offers and escalate.  A handler
-- writes only what a report and a take change (its households, place and
-- status), never a need's limit, level, escalations or dates, which the
-- escalation counts from.  A need is seen under a grant of its unit and
-- written where the role handles or administers it; an offer is seen where
-- its post is (the posts' policy) and written where the role administers
-- the post's place; a take is seen where its need is.
GRANT SELECT ON @extschema@.need, @extschema@.offer, @extschema@.need_take, @extschema@.offer_places
    TO gridgov_reader;
GRANT INSERT (unit, location, skill, title, category, case_id, households),
      UPDATE (households, last_reported_at, location, status)
    ON @extschema@.need TO gridgov_handler;
GRANT INSERT, UPDATE ON @extschema@.need TO gridgov_administrator;
GRANT INSERT, UPDATE ON @extschema@.need_take TO gridgov_handler, gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.need_id_seq TO gridgov_handler, gridgov_administrator;
GRANT INSERT, UPDATE, DELETE ON @extschema@.offer TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.offer_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.need_before_insert(),
    @extschema@.report_need(@extschema@.gridcode, text, text, geometry, text, bigint, integer),
    @extschema@.need_from_case(bigint, text, text),
    @extschema@.take_need(bigint, bigint, text),
    @extschema@.meet_need(bigint, text),
    @extschema@.escalate_needs(timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.report_need(@extschema@.gridcode, text, text, geometry, text, bigint, integer),
    @extschema@.need_from_case(bigint, text, text),
    @extschema@.take_need(bigint, bigint, text),
    @extschema@.meet_need(bigint, text)
    TO gridgov_handler, gridgov_administrator;
GRANT EXECUTE ON FUNCTION @extschema@.escalate_needs(timestamptz) TO gridgov_administrator;
ALTER TABLE @extschema@.need ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.need FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_write ON @extschema@.need FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.offer ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.offer FOR SELECT
    USING (post IN (SELECT p.id FROM @extschema@.post p));
CREATE POLICY gridgov_write ON @extschema@.offer FOR ALL
    USING (post IN (SELECT p.id FROM @extschema@.post p
                      LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                     WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')))
    WITH CHECK (post IN (SELECT p.id FROM @extschema@.post p
                           LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                          WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), 'administrator')));
ALTER TABLE @extschema@.need_take ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.need_take FOR SELECT
    USING (need IN (SELECT n.id FROM @extschema@.need n));
CREATE POLICY gridgov_write ON @extschema@.need_take FOR ALL
    USING (need IN (SELECT n.id FROM @extschema@.need n
                     WHERE @extschema@.jurisdiction_holds(n.unit, 'handler')
                        OR @extschema@.jurisdiction_holds(n.unit, 'administrator')))
    WITH CHECK (need IN (SELECT n.id FROM @extschema@.need n
                          WHERE @extschema@.jurisdiction_holds(n.unit, 'handler')
                             OR @extschema@.jurisdiction_holds(n.unit, 'administrator')));

-- The BI views: readers read them (with their own rights).
GRANT SELECT ON @extschema@.bi_budget_lines, @extschema@.bi_projects, @extschema@.bi_needs TO gridgov_reader;

-- issue 16: services for residents (sql/services.sql, a new pillar)
-- gridgov pillar: services for residents (issue 16)
--
-- Venues and bookings.  The party-and-mass service centres open their rooms,
-- halls and courts (412 in the Guangming district) to residents, who book
-- them online.  A venue belongs to a service point or an organization (or
-- both) and lies on a unit under it; it has a capacity and opening hours:
-- periods of workdays and of rest days on the working-day calendar
-- (sql/calendar.sql: holidays and make-up workdays included), and
-- exceptions of its own (a day closed, or open other hours).
--
-- A booking holds a venue for a tstzrange, by a person or an organization.
-- No two active bookings of one venue overlap: the exclusion constraint
-- booking_no_overlap (btree_gist's equality on bigint and the range's
-- overlap) is the guarantee, whoever writes the row and however many book
-- at once.  The BEFORE INSERT trigger refuses first what it can see (a
-- booking in the past, outside the venue's hours, of a closed venue, over
-- its capacity, and an overlap with a committed booking, naming it); a
-- concurrent booking committed meanwhile is refused by the constraint
-- itself, which book_venue() catches to name the booking it lost to.
-- A booking is never deleted: a cancellation sets its status, which takes
-- it out of the constraint (WHERE status = 'active') and keeps it on record.
--
-- Refusals with no standard SQLSTATE are GG010 (docs/services.md).

-- ======================================================================
-- Venues
-- ======================================================================

CREATE TABLE @extschema@.venue (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CONSTRAINT venue_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    kind            text NOT NULL DEFAULT 'room'
                    CONSTRAINT venue_kind CHECK (kind OPERATOR(pg_catalog.=) ANY
                        (ARRAY['hall', 'room', 'court', 'library', 'clinic', 'mediation_room', 'other'])),
    service_point   integer REFERENCES @extschema@.service_point (id),
    organization    bigint REFERENCES @extschema@.organization (id),
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    capacity        integer NOT NULL CONSTRAINT venue_capacity_positive CHECK (capacity OPERATOR(pg_catalog.>) 0),
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT venue_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'closed'])),
    CONSTRAINT venue_has_an_owner CHECK (service_point IS NOT NULL OR organization IS NOT NULL)
);
COMMENT ON TABLE @extschema@.venue IS
    'venues residents book (场地): rooms, halls and courts of a service point or an organization, each on a unit, with a capacity';
COMMENT ON COLUMN @extschema@.venue.id IS 'the venue''s number';
COMMENT ON COLUMN @extschema@.venue.name IS 'its name, such as 根竹园社区党群服务中心多功能厅';
COMMENT ON COLUMN @extschema@.venue.kind IS 'hall, room, court, library, clinic, mediation_room or other';
COMMENT ON COLUMN @extschema@.venue.service_point IS 'the service point whose venue it is, if any';
COMMENT ON COLUMN @extschema@.venue.organization IS 'the organization whose venue it is, if any (one of the two at least)';
COMMENT ON COLUMN @extschema@.venue.unit IS
    'the unit it lies on: its service point''s unit or its organization''s anchor, or a unit under them (the default: the service point''s, else the anchor)';
COMMENT ON COLUMN @extschema@.venue.capacity IS 'how many people it holds; a booking''s attendees may not exceed it';
COMMENT ON COLUMN @extschema@.venue.status IS 'open (bookable) or closed (refuses new bookings; existing ones stand)';
CREATE INDEX venue_unit_idx ON @extschema@.venue (unit);
CREATE INDEX venue_service_point_idx ON @extschema@.venue (service_point);

-- Regular hours: periods of every workday and of every rest day, as the
-- calendar decides which a day is.  A venue without periods for a kind of
-- day is closed on such days.
CREATE TABLE @extschema@.venue_hours (
    venue       bigint NOT NULL REFERENCES @extschema@.venue (id) ON DELETE CASCADE,
    workday     boolean NOT NULL,
    opens       time NOT NULL,
    closes      time NOT NULL,
    CONSTRAINT venue_hours_closes_after_opens CHECK (closes OPERATOR(pg_catalog.>) opens),
    CONSTRAINT venue_hours_no_overlap EXCLUDE USING gist (
        venue WITH OPERATOR(pg_catalog.=),
        (workday::pg_catalog.int4) WITH OPERATOR(pg_catalog.=),
        pg_catalog.tsrange(DATE '2000-01-01' OPERATOR(pg_catalog.+) opens,
                           DATE '2000-01-01' OPERATOR(pg_catalog.+) closes) WITH OPERATOR(pg_catalog.&&))
);
COMMENT ON TABLE @extschema@.venue_hours IS
    'opening hours of venues: periods [opens, closes) of every workday or of every rest day (is_workday), in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.venue_hours.venue IS 'the venue';
COMMENT ON COLUMN @extschema@.venue_hours.workday IS 'true: the period of every workday; false: of every rest day and holiday';
COMMENT ON COLUMN @extschema@.venue_hours.opens IS 'wall-clock time it opens (included)';
COMMENT ON COLUMN @extschema@.venue_hours.closes IS 'wall-clock time it closes (excluded), after opens; periods of one kind of day do not overlap';

-- A venue's own exceptions: a day closed (no hours), or open other hours
-- that day instead of its regular ones.
CREATE TABLE @extschema@.venue_exception (
    venue       bigint NOT NULL REFERENCES @extschema@.venue (id) ON DELETE CASCADE,
    day         date NOT NULL,
    opens       time,
    closes      time,
    note        text,
    PRIMARY KEY (venue, day),
    CONSTRAINT venue_exception_hours CHECK (opens IS NULL AND closes IS NULL
                                            OR closes OPERATOR(pg_catalog.>) opens)
);
COMMENT ON TABLE @extschema@.venue_exception IS
    'exceptions to a venue''s regular hours: a day it is closed (opens and closes NULL) or open [opens, closes) instead';
COMMENT ON COLUMN @extschema@.venue_exception.venue IS 'the venue';
COMMENT ON COLUMN @extschema@.venue_exception.day IS 'the day, in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.venue_exception.opens IS 'when it opens that day; NULL: closed all day';
COMMENT ON COLUMN @extschema@.venue_exception.closes IS 'when it closes that day; NULL: closed all day';
COMMENT ON COLUMN @extschema@.venue_exception.note IS 'why, such as 设备检修';

-- A venue's unit: its service point's unit, else its organization's anchor,
-- unless given, when it must lie under one of them.
CREATE FUNCTION @extschema@.venue_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    sp_unit @extschema@.gridcode;
    anchor @extschema@.gridcode;
BEGIN
    IF NEW.service_point IS NOT NULL THEN
        SELECT s.unit INTO sp_unit FROM @extschema@.service_point s WHERE s.id OPERATOR(pg_catalog.=) NEW.service_point;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'service point % does not exist', NEW.service_point
                USING ERRCODE = '23503', HINT = 'Name a service point of gridgov.service_point, by its id.';
        END IF;
    END IF;
    IF NEW.organization IS NOT NULL THEN
        SELECT o.anchor INTO anchor FROM @extschema@.organization o WHERE o.id OPERATOR(pg_catalog.=) NEW.organization;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'organization % does not exist', NEW.organization
                USING ERRCODE = '23503', HINT = 'Name an organization of gridgov.organization, by its id.';
        END IF;
    END IF;
    NEW.unit := COALESCE(NEW.unit, sp_unit, anchor);
    IF NOT (NEW.unit OPERATOR(@extschema@.<@) COALESCE(sp_unit, anchor)
            OR NEW.unit OPERATOR(@extschema@.<@) COALESCE(anchor, sp_unit)) THEN
        RAISE EXCEPTION 'venue "%" on unit % lies outside its service point''s unit % and its organization''s anchor %',
                        NEW.name, NEW.unit, COALESCE(sp_unit::text, 'none'), COALESCE(anchor::text, 'none')
            USING ERRCODE = '23514', HINT = 'Leave unit out, or give a unit under the service point''s or the organization''s.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.venue_check() IS
    'BEFORE INSERT OR UPDATE trigger on venue: its service point and organization exist, and its unit (by default theirs) lies under one of them';
CREATE TRIGGER gridgov_venue_check BEFORE INSERT OR UPDATE ON @extschema@.venue
    FOR EACH ROW EXECUTE FUNCTION @extschema@.venue_check();

-- The periods a venue is open on a day (local, in the calendar's zone):
-- the day's exception if it has one, else its regular hours of that kind
-- of day; none when closed.
CREATE FUNCTION @extschema@.venue_open_periods(venue bigint, day date)
    RETURNS TABLE (opens time, closes time)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT e.opens, e.closes
      FROM @extschema@.venue_exception e
     WHERE e.venue OPERATOR(pg_catalog.=) venue_open_periods.venue AND e.day OPERATOR(pg_catalog.=) venue_open_periods.day
       AND e.opens IS NOT NULL
    UNION ALL
    SELECT h.opens, h.closes
      FROM @extschema@.venue_hours h
     WHERE h.venue OPERATOR(pg_catalog.=) venue_open_periods.venue
       AND h.workday OPERATOR(pg_catalog.=) @extschema@.is_workday(venue_open_periods.day)
       AND NOT EXISTS (SELECT FROM @extschema@.venue_exception e
                        WHERE e.venue OPERATOR(pg_catalog.=) venue_open_periods.venue
                          AND e.day OPERATOR(pg_catalog.=) venue_open_periods.day)
     ORDER BY 1;
END;
COMMENT ON FUNCTION @extschema@.venue_open_periods(bigint, date) IS
    'the periods a venue is open on a day: its exception for the day if any, else its regular hours of a workday or a rest day; none when closed';

-- ======================================================================
-- Bookings
-- ======================================================================

CREATE TABLE @extschema@.booking (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    venue           bigint NOT NULL REFERENCES @extschema@.venue (id),
    during          tstzrange NOT NULL
                    CONSTRAINT booking_during_bounded CHECK (NOT pg_catalog.isempty(during)
                        AND NOT pg_catalog.lower_inf(during) AND NOT pg_catalog.upper_inf(during)),
    person          bigint REFERENCES @extschema@.person (id),
    organization    bigint REFERENCES @extschema@.organization (id),
    attendees       integer NOT NULL DEFAULT 1
                    CONSTRAINT booking_attendees_positive CHECK (attendees OPERATOR(pg_catalog.>) 0),
    purpose         text,
    status          text NOT NULL DEFAULT 'active'
                    CONSTRAINT booking_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'cancelled'])),
    booked_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    booked_by       text NOT NULL DEFAULT CURRENT_USER,
    cancelled_at    timestamptz,
    cancelled_by    text,
    cancel_reason   text,
    CONSTRAINT booking_by_one CHECK (pg_catalog.num_nonnulls(person, organization) OPERATOR(pg_catalog.=) 1),
    CONSTRAINT booking_cancelled CHECK ((status OPERATOR(pg_catalog.=) 'cancelled') OPERATOR(pg_catalog.=) (cancelled_at IS NOT NULL)),
    CONSTRAINT booking_no_overlap EXCLUDE USING gist (
        venue WITH OPERATOR(pg_catalog.=),
        during WITH OPERATOR(pg_catalog.&&)) WHERE (status OPERATOR(pg_catalog.=) 'active')
);
COMMENT ON TABLE @extschema@.booking IS
    'bookings of venues (预约) by a person or an organization; no two active bookings of a venue overlap (booking_no_overlap); cancelled ones stay';
COMMENT ON COLUMN @extschema@.booking.id IS 'the booking''s number';
COMMENT ON COLUMN @extschema@.booking.venue IS 'the venue booked';
COMMENT ON COLUMN @extschema@.booking.during IS 'when, [from, to): within one day''s opening hours of the venue';
COMMENT ON COLUMN @extschema@.booking.person IS 'the resident who booked it, or NULL when an organization did';
COMMENT ON COLUMN @extschema@.booking.organization IS 'the organization that booked it, or NULL when a person did';
COMMENT ON COLUMN @extschema@.booking.attendees IS 'how many people come, at most the venue''s capacity';
COMMENT ON COLUMN @extschema@.booking.purpose IS 'what for, free text';
COMMENT ON COLUMN @extschema@.booking.status IS 'active, or cancelled (kept on record, no longer holding the venue)';
COMMENT ON COLUMN @extschema@.booking.booked_at IS 'when it was booked (the server''s clock, but for an imported booking)';
COMMENT ON COLUMN @extschema@.booking.booked_by IS 'the role that booked it';
COMMENT ON COLUMN @extschema@.booking.cancelled_at IS 'when it was cancelled; NULL while active';
COMMENT ON COLUMN @extschema@.booking.cancelled_by IS 'the role that cancelled it';
COMMENT ON COLUMN @extschema@.booking.cancel_reason IS 'why, free text';
CREATE INDEX booking_person_idx ON @extschema@.booking (person);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.venue', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.venue_hours', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.venue_exception', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.booking', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.venue', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.booking', 'id')::regclass, '');

-- The active booking of a venue that overlaps a range, the earliest; NULL
-- when none is visible.
CREATE FUNCTION @extschema@.booking_conflict(venue bigint, during tstzrange, except_id bigint DEFAULT NULL)
    RETURNS @extschema@.booking
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT b.* FROM @extschema@.booking b
     WHERE b.venue OPERATOR(pg_catalog.=) booking_conflict.venue
       AND b.during OPERATOR(pg_catalog.&&) booking_conflict.during
       AND b.status OPERATOR(pg_catalog.=) 'active'
       AND b.id OPERATOR(pg_catalog.<>) COALESCE(booking_conflict.except_id, 0)
     ORDER BY pg_catalog.lower(b.during), b.id
     LIMIT 1;
END;
COMMENT ON FUNCTION @extschema@.booking_conflict(bigint, tstzrange, bigint) IS
    'the earliest active booking of a venue that overlaps a range (but except_id), as the caller sees them; NULL when none';

-- A booking, checked: BEFORE INSERT on booking.  An imported booking (one
-- that gives its own booked_at, from a member of gridgov_importer, as a
-- restore does) is taken as it was: in the past, cancelled, at hours or of
-- a venue since changed; it may not overlap an active booking still.
CREATE FUNCTION @extschema@.booking_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    v @extschema@.venue;
    zone constant text := @extschema@.calendar_timezone();
    imported constant boolean := NEW.booked_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                                 AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER');
    starts timestamp;
    ends timestamp;
    day date;
    other @extschema@.booking;
BEGIN
    SELECT * INTO v FROM @extschema@.venue x WHERE x.id OPERATOR(pg_catalog.=) NEW.venue;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'venue % does not exist', COALESCE(NEW.venue::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Book a venue of gridgov.venue, by its id.';
    END IF;
    IF NEW.during IS NULL OR pg_catalog.isempty(NEW.during) OR pg_catalog.lower_inf(NEW.during)
       OR pg_catalog.upper_inf(NEW.during) THEN
        RAISE EXCEPTION 'a booking needs a time range with a start and an end, not %', COALESCE(NEW.during::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give a range such as [2030-06-03 14:00+08, 2030-06-03 16:00+08).';
    END IF;
    IF NOT imported THEN
        IF v.status OPERATOR(pg_catalog.<>) 'open' THEN
            RAISE EXCEPTION 'venue % (%) is closed', v.id, v.name
                USING ERRCODE = 'GG010', HINT = 'A closed venue takes no bookings until it is open again.';
        END IF;
        IF NEW.status OPERATOR(pg_catalog.<>) 'active' THEN
            RAISE EXCEPTION 'a new booking is active, not %', NEW.status
                USING ERRCODE = '22023', HINT = 'Book, then cancel with gridgov.cancel_booking().';
        END IF;
        IF NEW.attendees OPERATOR(pg_catalog.>) v.capacity THEN
            RAISE EXCEPTION 'a booking of % attendees exceeds the capacity of venue % (%), %', NEW.attendees, v.id, v.name, v.capacity
                USING ERRCODE = '22023', HINT = 'Book a larger venue, or fewer attendees.';
        END IF;
        IF pg_catalog.lower(NEW.during) OPERATOR(pg_catalog.<) pg_catalog.now() THEN
            RAISE EXCEPTION 'a booking of venue % from % starts in the past', v.id, pg_catalog.lower(NEW.during)
                USING ERRCODE = 'GG010', HINT = 'Book a time from now on.';
        END IF;
        NEW.booked_at := pg_catalog.now();
        NEW.booked_by := CURRENT_USER;
        -- within one period of one day's hours, in the calendar's zone
        starts := pg_catalog.lower(NEW.during) AT TIME ZONE zone;
        ends := pg_catalog.upper(NEW.during) AT TIME ZONE zone;
        day := starts::date;
        IF NOT EXISTS (SELECT FROM @extschema@.venue_open_periods(v.id, day) p
                        WHERE (day OPERATOR(pg_catalog.+) p.opens) OPERATOR(pg_catalog.<=) starts
                          AND ends OPERATOR(pg_catalog.<=) (day OPERATOR(pg_catalog.+) p.closes)) THEN
            RAISE EXCEPTION 'venue % (%) is not open from % to %', v.id, v.name, starts, ends
                USING ERRCODE = 'GG010',
                      DETAIL = pg_catalog.format('Its hours on %s (%s): %s.', day,
                          CASE WHEN @extschema@.is_workday(day) THEN 'a workday' ELSE 'a rest day' END,
                          COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('%s-%s', p.opens, p.closes), ', ')
                                      FROM @extschema@.venue_open_periods(v.id, day) p), 'closed')),
                      HINT = 'Book within one opening period of one day (gridgov.venue_open_periods).';
        END IF;
    END IF;
    other := @extschema@.booking_conflict(v.id, NEW.during);
    IF other.id IS NOT NULL AND NEW.status OPERATOR(pg_catalog.=) 'active' THEN
        RAISE EXCEPTION 'venue % is already booked from % to % by booking %', v.id,
                        pg_catalog.lower(other.during) AT TIME ZONE zone, pg_catalog.upper(other.during) AT TIME ZONE zone, other.id
            USING ERRCODE = '23P01', CONSTRAINT = 'booking_no_overlap', TABLE = 'booking',
                  HINT = 'Choose another time or another venue.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.booking_before_insert() IS
    'BEFORE INSERT trigger on booking: the venue open and large enough, not in the past, within one period of the day''s hours (but an import, taken as it was), no visible overlap (23P01 naming the booking)';

-- A booking changes only by its cancellation, once, before it starts, and
-- is never deleted: BEFORE UPDATE OR DELETE on booking.
CREATE FUNCTION @extschema@.booking_before_change() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RAISE EXCEPTION 'booking % cannot be deleted', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Cancel it with gridgov.cancel_booking(): it stays on record.';
    END IF;
    IF (NEW.id, NEW.venue, NEW.during, NEW.person, NEW.organization, NEW.attendees, NEW.purpose, NEW.booked_at, NEW.booked_by)
       IS DISTINCT FROM (OLD.id, OLD.venue, OLD.during, OLD.person, OLD.organization, OLD.attendees, OLD.purpose, OLD.booked_at, OLD.booked_by)
       OR NOT (OLD.status OPERATOR(pg_catalog.=) 'active' AND NEW.status OPERATOR(pg_catalog.=) 'cancelled') THEN
        IF OLD.status OPERATOR(pg_catalog.=) 'cancelled' THEN
            RAISE EXCEPTION 'booking % is cancelled and stays as it is', OLD.id
                USING ERRCODE = 'GG010', HINT = 'A cancelled booking is a record; book again for a new one.';
        END IF;
        RAISE EXCEPTION 'booking % cannot be changed, only cancelled', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Cancel it with gridgov.cancel_booking() and book again.';
    END IF;
    IF pg_catalog.lower(OLD.during) OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
        RAISE EXCEPTION 'booking % has started (at %) and cannot be cancelled', OLD.id, pg_catalog.lower(OLD.during)
            USING ERRCODE = '55000', HINT = 'A booking is cancelled before it starts.';
    END IF;
    NEW.cancelled_at := pg_catalog.now();
    NEW.cancelled_by := CURRENT_USER;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.booking_before_change() IS
    'BEFORE UPDATE OR DELETE trigger on booking: refuses a delete and any change but the cancellation of an active booking before it starts (GG010, 55000)';

CREATE TRIGGER gridgov_booking_before_insert BEFORE INSERT ON @extschema@.booking
    FOR EACH ROW EXECUTE FUNCTION @extschema@.booking_before_insert();
CREATE TRIGGER gridgov_booking_before_change BEFORE UPDATE OR DELETE ON @extschema@.booking
    FOR EACH ROW EXECUTE FUNCTION @extschema@.booking_before_change();

-- Book a venue: one INSERT, whose trigger checks it.  A booking that a
-- concurrent one beat to the slot is refused by the constraint; this names
-- the booking it lost to (committed, so seen by the next statement).
CREATE FUNCTION @extschema@.book_venue(venue bigint, during tstzrange, person bigint DEFAULT NULL,
                                       organization bigint DEFAULT NULL, attendees integer DEFAULT 1,
                                       purpose text DEFAULT NULL)
    RETURNS @extschema@.booking
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    made @extschema@.booking;
    other @extschema@.booking;
BEGIN
    IF pg_catalog.num_nonnulls(person, organization) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION 'a booking is made by a person or by an organization, one of the two'
            USING ERRCODE = '22023', HINT = 'Give person or organization.';
    END IF;
    BEGIN
        INSERT INTO @extschema@.booking AS b (venue, during, person, organization, attendees, purpose)
        VALUES (book_venue.venue, book_venue.during, book_venue.person, book_venue.organization,
                book_venue.attendees, book_venue.purpose)
        RETURNING b.* INTO made;
    EXCEPTION WHEN exclusion_violation THEN
        other := @extschema@.booking_conflict(book_venue.venue, book_venue.during);
        RAISE EXCEPTION 'venue % is already booked from % to % by booking %', book_venue.venue,
                        pg_catalog.lower(other.during) AT TIME ZONE @extschema@.calendar_timezone(),
                        pg_catalog.upper(other.during) AT TIME ZONE @extschema@.calendar_timezone(),
                        COALESCE(other.id::text, '(not yet visible)')
            USING ERRCODE = '23P01', CONSTRAINT = 'booking_no_overlap', TABLE = 'booking',
                  HINT = 'Choose another time or another venue.';
    END;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.book_venue(bigint, tstzrange, bigint, bigint, integer, text) IS
    'book a venue for a range, by a person or an organization; refusals name their reason, an overlap the booking it conflicts with (23P01)';

-- Cancel a booking: it stays, cancelled, and frees its slot.
CREATE FUNCTION @extschema@.cancel_booking(booking_id bigint, reason text DEFAULT NULL)
    RETURNS @extschema@.booking
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    done @extschema@.booking;
BEGIN
    UPDATE @extschema@.booking b SET status = 'cancelled', cancel_reason = cancel_booking.reason,
                                     cancelled_at = pg_catalog.now()
     WHERE b.id OPERATOR(pg_catalog.=) cancel_booking.booking_id
    RETURNING b.* INTO done;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'booking % does not exist', COALESCE(booking_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a booking of gridgov.booking, by its id.';
    END IF;
    RETURN done;
END;
$$;
COMMENT ON FUNCTION @extschema@.cancel_booking(bigint, text) IS
    'cancel an active booking before it starts: it stays on record, cancelled, and its slot is free again';

-- What a venue holds on a day: its opening periods and its active bookings.
CREATE FUNCTION @extschema@.venue_day(venue bigint, day date)
    RETURNS TABLE (opens time, closes time, booking bigint, booked_from time, booked_to time, attendees integer)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT p.opens, p.closes, b.id,
           (pg_catalog.lower(b.during) AT TIME ZONE @extschema@.calendar_timezone())::time,
           (pg_catalog.upper(b.during) AT TIME ZONE @extschema@.calendar_timezone())::time,
           b.attendees
      FROM @extschema@.venue_open_periods(venue_day.venue, venue_day.day) p
      LEFT JOIN @extschema@.booking b
        ON b.venue OPERATOR(pg_catalog.=) venue_day.venue
       AND b.status OPERATOR(pg_catalog.=) 'active'
       AND b.during OPERATOR(pg_catalog.&&) pg_catalog.tstzrange(
               (venue_day.day OPERATOR(pg_catalog.+) p.opens) AT TIME ZONE @extschema@.calendar_timezone(),
               (venue_day.day OPERATOR(pg_catalog.+) p.closes) AT TIME ZONE @extschema@.calendar_timezone())
     ORDER BY 1, 4;
END;
COMMENT ON FUNCTION @extschema@.venue_day(bigint, date) IS
    'a venue''s opening periods on a day, each with its active bookings (none: free all period)';

-- ======================================================================
-- Activities and sign-ups
-- ======================================================================

-- The "1+8" party-and-mass service alliance (党群服务联盟): the centres
-- themselves and eight branch alliances; every activity is of one.
CREATE TABLE @extschema@.activity_category (
    code        text PRIMARY KEY
                CONSTRAINT activity_category_code_form CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    name        text NOT NULL CONSTRAINT activity_category_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE @extschema@.activity_category IS
    'categories of activities: the "1+8" party-and-mass service alliance (党群服务联盟), the centres and eight branch alliances';
COMMENT ON COLUMN @extschema@.activity_category.code IS 'the category, as activity.category names it, such as legal';
COMMENT ON COLUMN @extschema@.activity_category.name IS 'its Chinese name, such as 法律服务';
INSERT INTO @extschema@.activity_category (code, name) VALUES
    ('party_mass',         '党群服务'),
    ('government_affairs', '政务服务'),
    ('legal',              '法律服务'),
    ('education',          '教育服务'),
    ('health',             '健康服务'),
    ('culture_sports',     '文体服务'),
    ('social',             '社会服务'),
    ('talent',             '人才服务'),
    ('public_welfare',     '公益服务');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.activity_category',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM @extschema@.activity_category;

-- An activity holds its venue by a booking of its organization (so the
-- venue's no-overlap rule covers activities too), and counts its confirmed
-- sign-ups in signed_up, which a CHECK keeps within its capacity.
CREATE TABLE @extschema@.activity (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title           text NOT NULL CONSTRAINT activity_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    category        text NOT NULL REFERENCES @extschema@.activity_category (code),
    organization    bigint NOT NULL REFERENCES @extschema@.organization (id),
    booking         bigint NOT NULL CONSTRAINT activity_one_per_booking UNIQUE REFERENCES @extschema@.booking (id),
    venue           bigint NOT NULL REFERENCES @extschema@.venue (id),
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    during          tstzrange NOT NULL,
    capacity        integer NOT NULL CONSTRAINT activity_capacity_positive CHECK (capacity OPERATOR(pg_catalog.>) 0),
    signed_up       integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT activity_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'cancelled'])),
    published_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT activity_within_capacity CHECK (signed_up OPERATOR(pg_catalog.>=) 0
                                               AND signed_up OPERATOR(pg_catalog.<=) capacity)
);
COMMENT ON TABLE @extschema@.activity IS
    'activities (活动) of a 1+8 category at a venue and time, run by an organization, with a capacity that confirmed sign-ups never exceed';
COMMENT ON COLUMN @extschema@.activity.id IS 'the activity''s number';
COMMENT ON COLUMN @extschema@.activity.title IS 'its title, such as 法律咨询进社区';
COMMENT ON COLUMN @extschema@.activity.category IS 'its category, a code of activity_category (the 1+8)';
COMMENT ON COLUMN @extschema@.activity.organization IS 'the organization that runs it, and books the venue for it';
COMMENT ON COLUMN @extschema@.activity.booking IS 'the booking that holds its venue for its time';
COMMENT ON COLUMN @extschema@.activity.venue IS 'where: the booking''s venue';
COMMENT ON COLUMN @extschema@.activity.unit IS 'the venue''s unit, which the ratings and row-level security go by';
COMMENT ON COLUMN @extschema@.activity.during IS 'when: the booking''s range';
COMMENT ON COLUMN @extschema@.activity.capacity IS 'how many may take part, at most the venue''s capacity';
COMMENT ON COLUMN @extschema@.activity.signed_up IS
    'its confirmed sign-ups, kept by the sign-ups'' trigger under the activity''s row lock; never above capacity';
COMMENT ON COLUMN @extschema@.activity.status IS 'open, or cancelled';
COMMENT ON COLUMN @extschema@.activity.published_at IS 'when it was published';
CREATE INDEX activity_unit_idx ON @extschema@.activity (unit);
CREATE INDEX activity_venue_idx ON @extschema@.activity (venue);

-- A sign-up: confirmed while there is room, else waiting; a cancellation
-- of a confirmed one promotes the first waiting; attendance is recorded on
-- a confirmed one.  Never deleted.
CREATE TABLE @extschema@.signup (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    activity        bigint NOT NULL REFERENCES @extschema@.activity (id),
    person          bigint NOT NULL REFERENCES @extschema@.person (id),
    status          text NOT NULL
                    CONSTRAINT signup_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['confirmed', 'waiting', 'cancelled'])),
    signed_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    promoted_at     timestamptz,
    cancelled_at    timestamptz,
    attended        boolean NOT NULL DEFAULT false,
    CONSTRAINT signup_attended_confirmed CHECK (NOT attended OR status OPERATOR(pg_catalog.=) 'confirmed')
);
COMMENT ON TABLE @extschema@.signup IS
    'sign-ups (报名) for activities: confirmed within capacity, else waiting; cancelled ones stay; attendance on confirmed ones';
COMMENT ON COLUMN @extschema@.signup.id IS 'the sign-up''s number, which orders the waiting list with signed_at';
COMMENT ON COLUMN @extschema@.signup.activity IS 'the activity';
COMMENT ON COLUMN @extschema@.signup.person IS 'the resident who signed up';
COMMENT ON COLUMN @extschema@.signup.status IS
    'confirmed (has a place), waiting (on the waiting list) or cancelled; set by the trigger on insert (but a restore''s)';
COMMENT ON COLUMN @extschema@.signup.signed_at IS
    'when the person signed up (the clock when the activity''s lock was had, but for an import): the waiting list''s order, then id';
COMMENT ON COLUMN @extschema@.signup.promoted_at IS 'when a waiting sign-up got a place that a cancellation freed';
COMMENT ON COLUMN @extschema@.signup.cancelled_at IS 'when it was cancelled';
COMMENT ON COLUMN @extschema@.signup.attended IS 'whether the person came (confirmed sign-ups only)';
CREATE UNIQUE INDEX signup_once_idx ON @extschema@.signup (activity, person) WHERE status OPERATOR(pg_catalog.<>) 'cancelled';
CREATE INDEX signup_waiting_idx ON @extschema@.signup (activity, signed_at, id) WHERE status OPERATOR(pg_catalog.=) 'waiting';
CREATE INDEX signup_person_idx ON @extschema@.signup (person);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.activity', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.signup', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.activity', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.signup', 'id')::regclass, '');

-- An activity, checked: BEFORE INSERT OR UPDATE on activity.  Its venue,
-- unit and time are its booking's, the booking an active one of its
-- organization; its capacity within the venue's; signed_up follows the
-- sign-ups (written at a trigger depth above 1 only; a restored activity,
-- its own published_at from a member of gridgov_importer, brings its own,
-- and its booking may be cancelled).
CREATE FUNCTION @extschema@.activity_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    b @extschema@.booking;
    v @extschema@.venue;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2
       AND NEW.signed_up OPERATOR(pg_catalog.<>) OLD.signed_up THEN
        RAISE EXCEPTION 'signed_up of activity % follows its sign-ups and cannot be set', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Sign up with gridgov.sign_up(), cancel with gridgov.cancel_signup().';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.signed_up OPERATOR(pg_catalog.<>) 0
       AND NOT (NEW.published_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER')) THEN
        RAISE EXCEPTION 'a new activity starts with no sign-ups, not %', NEW.signed_up
            USING ERRCODE = 'GG010', HINT = 'Leave signed_up out: the sign-ups make it up.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.booking OPERATOR(pg_catalog.=) OLD.booking
       AND NEW.capacity OPERATOR(pg_catalog.=) OLD.capacity THEN
        RETURN NEW;
    END IF;
    SELECT * INTO b FROM @extschema@.booking x WHERE x.id OPERATOR(pg_catalog.=) NEW.booking;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'booking % does not exist', COALESCE(NEW.booking::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Publish with gridgov.publish_activity(), which books the venue.';
    END IF;
    IF b.organization IS DISTINCT FROM NEW.organization
       OR b.status OPERATOR(pg_catalog.<>) 'active' AND NOT (TG_OP OPERATOR(pg_catalog.=) 'INSERT'
                                                           AND NEW.published_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                                                           AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER')) THEN
        RAISE EXCEPTION 'booking % is not an active booking of organization %', b.id, NEW.organization
            USING ERRCODE = '22023', HINT = 'An activity holds its venue by an active booking of the organization that runs it.';
    END IF;
    SELECT * INTO v FROM @extschema@.venue x WHERE x.id OPERATOR(pg_catalog.=) b.venue;
    IF NEW.capacity OPERATOR(pg_catalog.>) v.capacity
       AND NOT (TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.published_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER')) THEN
        RAISE EXCEPTION 'an activity for % people exceeds the capacity of venue % (%), %', NEW.capacity, v.id, v.name, v.capacity
            USING ERRCODE = '22023', HINT = 'Choose a larger venue, or a smaller capacity.';
    END IF;
    NEW.venue := b.venue;
    NEW.during := b.during;
    NEW.unit := v.unit;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.activity_check() IS
    'BEFORE INSERT OR UPDATE trigger on activity: an active booking of its organization gives its venue, unit and time; capacity within the venue''s; signed_up follows the sign-ups';
CREATE TRIGGER gridgov_activity_check BEFORE INSERT OR UPDATE ON @extschema@.activity
    FOR EACH ROW EXECUTE FUNCTION @extschema@.activity_check();

-- Publish an activity: book its venue for its organization, then the
-- activity on that booking; the capacity is the venue's unless given.
CREATE FUNCTION @extschema@.publish_activity(venue bigint, during tstzrange, title text, category text,
                                             organization bigint, capacity integer DEFAULT NULL)
    RETURNS @extschema@.activity
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    b @extschema@.booking;
    made @extschema@.activity;
BEGIN
    IF organization IS NULL THEN
        RAISE EXCEPTION 'an activity is run by an organization'
            USING ERRCODE = '22023', HINT = 'Give the organization that runs it, such as the community''s party committee.';
    END IF;
    b := @extschema@.book_venue(publish_activity.venue, publish_activity.during,
                                organization => publish_activity.organization, purpose => publish_activity.title);
    INSERT INTO @extschema@.activity AS a (title, category, organization, booking, venue, unit, during, capacity)
    VALUES (publish_activity.title, publish_activity.category, publish_activity.organization, b.id, b.venue,
            (SELECT v.unit FROM @extschema@.venue v WHERE v.id OPERATOR(pg_catalog.=) b.venue), b.during,
            COALESCE(publish_activity.capacity,
                     (SELECT v.capacity FROM @extschema@.venue v WHERE v.id OPERATOR(pg_catalog.=) b.venue)))
    RETURNING a.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.publish_activity(bigint, tstzrange, text, text, bigint, integer) IS
    'publish an activity: book the venue for the organization that runs it (refused as book_venue refuses), then the activity, with the venue''s capacity unless given';

-- A sign-up, placed: BEFORE INSERT on signup.  The activity's row lock
-- orders concurrent sign-ups of one activity; under it, the sign-up is
-- confirmed while signed_up < capacity (and signed_up counted), else
-- waiting.  An imported sign-up (its own signed_at, from a member of
-- gridgov_importer) may be of an activity that has started; one that also
-- gives its status is a restored one, kept as written (its activity's
-- signed_up came with the activity).
CREATE FUNCTION @extschema@.signup_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    a @extschema@.activity;
    imported constant boolean := NEW.signed_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                                 AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER');
BEGIN
    SELECT * INTO a FROM @extschema@.activity x WHERE x.id OPERATOR(pg_catalog.=) NEW.activity FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'activity % does not exist', COALESCE(NEW.activity::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Sign up for an activity of gridgov.activity, by its id.';
    END IF;
    -- a restored sign-up: its status and its count came with it
    IF imported AND NEW.status IS NOT NULL THEN
        RETURN NEW;
    END IF;
    IF a.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'activity % (%) is cancelled', a.id, a.title
            USING ERRCODE = 'GG010', HINT = 'A cancelled activity takes no sign-ups.';
    END IF;
    IF NOT imported THEN
        IF pg_catalog.lower(a.during) OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
            RAISE EXCEPTION 'activity % (%) started at %', a.id, a.title, pg_catalog.lower(a.during)
                USING ERRCODE = 'GG010', HINT = 'Sign up before an activity starts.';
        END IF;
        NEW.signed_at := pg_catalog.clock_timestamp();
    END IF;
    IF EXISTS (SELECT FROM @extschema@.signup s
                WHERE s.activity OPERATOR(pg_catalog.=) a.id AND s.person OPERATOR(pg_catalog.=) NEW.person
                  AND s.status OPERATOR(pg_catalog.<>) 'cancelled') THEN
        RAISE EXCEPTION 'person % has already signed up for activity %', NEW.person, a.id
            USING ERRCODE = '23505', HINT = 'One sign-up per person and activity; cancel it to sign up again.';
    END IF;
    NEW.promoted_at := NULL;
    NEW.cancelled_at := NULL;
    IF NEW.status IS NOT NULL OR NEW.attended AND NOT imported THEN
        RAISE EXCEPTION 'a new sign-up has no status of its own, nor attendance yet'
            USING ERRCODE = '22023', HINT = 'Leave status out: the sign-up is confirmed or waits as there is room; then cancel or record attendance.';
    END IF;
    IF a.signed_up OPERATOR(pg_catalog.<) a.capacity THEN
        NEW.status := 'confirmed';
        UPDATE @extschema@.activity x SET signed_up = x.signed_up OPERATOR(pg_catalog.+) 1
         WHERE x.id OPERATOR(pg_catalog.=) a.id;
    ELSE
        NEW.status := 'waiting';
        NEW.attended := false;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.signup_before_insert() IS
    'BEFORE INSERT trigger on signup: under the activity''s row lock, confirmed within capacity (counted in signed_up), else waiting; the activity open and not started (but an import), once per person';

-- A sign-up's moves: BEFORE UPDATE OR DELETE on signup.  confirmed ->
-- cancelled frees a place, which goes to the first waiting sign-up (its
-- own move waiting -> confirmed, counted again); waiting -> cancelled;
-- attendance on a confirmed one.  Nothing else, and no delete.
CREATE FUNCTION @extschema@.signup_before_change() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    a @extschema@.activity;
    next_id bigint;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RAISE EXCEPTION 'sign-up % cannot be deleted', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Cancel it with gridgov.cancel_signup(): it stays on record.';
    END IF;
    IF OLD.status OPERATOR(pg_catalog.=) 'cancelled' THEN
        RAISE EXCEPTION 'sign-up % is cancelled and stays as it is', OLD.id
            USING ERRCODE = 'GG010', HINT = 'A cancelled sign-up is a record; sign up again for a new one.';
    END IF;
    IF (NEW.id, NEW.activity, NEW.person, NEW.signed_at) IS DISTINCT FROM (OLD.id, OLD.activity, OLD.person, OLD.signed_at) THEN
        RAISE EXCEPTION 'sign-up % cannot be moved to another activity, person or time', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Cancel it and sign up again.';
    END IF;
    IF NEW.status OPERATOR(pg_catalog.=) OLD.status THEN
        IF NEW.attended AND NOT OLD.attended AND OLD.status OPERATOR(pg_catalog.<>) 'confirmed' THEN
            RAISE EXCEPTION 'sign-up % is %, and only a confirmed one attends', OLD.id, OLD.status
                USING ERRCODE = 'GG010', HINT = 'Record attendance of confirmed sign-ups.';
        END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO a FROM @extschema@.activity x WHERE x.id OPERATOR(pg_catalog.=) OLD.activity FOR UPDATE;
    IF OLD.status OPERATOR(pg_catalog.=) 'waiting' AND NEW.status OPERATOR(pg_catalog.=) 'confirmed' THEN
        -- a promotion: the CHECK on signed_up refuses it when there is no room
        UPDATE @extschema@.activity x SET signed_up = x.signed_up OPERATOR(pg_catalog.+) 1
         WHERE x.id OPERATOR(pg_catalog.=) a.id;
        NEW.promoted_at := pg_catalog.now();
        RETURN NEW;
    END IF;
    IF NEW.status OPERATOR(pg_catalog.<>) 'cancelled' THEN
        RAISE EXCEPTION 'sign-up % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'GG010', HINT = 'A sign-up is cancelled once; a waiting one is confirmed when a place frees up.';
    END IF;
    IF NEW.attended THEN
        RAISE EXCEPTION 'sign-up % was attended and cannot be cancelled', OLD.id
            USING ERRCODE = 'GG010', HINT = 'Attendance stands.';
    END IF;
    NEW.cancelled_at := pg_catalog.now();
    IF OLD.status OPERATOR(pg_catalog.=) 'confirmed' THEN
        UPDATE @extschema@.activity x SET signed_up = x.signed_up OPERATOR(pg_catalog.-) 1
         WHERE x.id OPERATOR(pg_catalog.=) a.id;
        SELECT s.id INTO next_id FROM @extschema@.signup s
         WHERE s.activity OPERATOR(pg_catalog.=) a.id AND s.status OPERATOR(pg_catalog.=) 'waiting'
           AND s.id OPERATOR(pg_catalog.<>) OLD.id
         ORDER BY s.signed_at, s.id LIMIT 1;
        IF FOUND THEN
            UPDATE @extschema@.signup s SET status = 'confirmed' WHERE s.id OPERATOR(pg_catalog.=) next_id;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.signup_before_change() IS
    'BEFORE UPDATE OR DELETE trigger on signup: cancellation (a confirmed one''s place goes to the first waiting), promotion within capacity, attendance of confirmed ones; nothing else, no delete (GG010)';

CREATE TRIGGER gridgov_signup_before_insert BEFORE INSERT ON @extschema@.signup
    FOR EACH ROW EXECUTE FUNCTION @extschema@.signup_before_insert();
CREATE TRIGGER gridgov_signup_before_change BEFORE UPDATE OR DELETE ON @extschema@.signup
    FOR EACH ROW EXECUTE FUNCTION @extschema@.signup_before_change();

-- Sign a person up: confirmed, or on the waiting list.
CREATE FUNCTION @extschema@.sign_up(activity bigint, person bigint)
    RETURNS @extschema@.signup
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    made @extschema@.signup;
BEGIN
    INSERT INTO @extschema@.signup AS s (activity, person) VALUES (sign_up.activity, sign_up.person)
    RETURNING s.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.sign_up(bigint, bigint) IS
    'sign a person up for an activity: confirmed while there is room, else waiting; once per person (23505)';

-- Cancel a sign-up: it stays, cancelled; a confirmed one's place goes to
-- the first on the waiting list.
CREATE FUNCTION @extschema@.cancel_signup(signup_id bigint)
    RETURNS @extschema@.signup
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    done @extschema@.signup;
BEGIN
    -- the activity's lock first, as every sign-up takes it, so that two
    -- cancellations (one promoting the sign-up the other cancels) never
    -- wait for each other's locks in the opposite order
    PERFORM FROM @extschema@.activity a
     WHERE a.id OPERATOR(pg_catalog.=) (SELECT s.activity FROM @extschema@.signup s
                                         WHERE s.id OPERATOR(pg_catalog.=) cancel_signup.signup_id)
       FOR UPDATE;
    UPDATE @extschema@.signup s SET status = 'cancelled' WHERE s.id OPERATOR(pg_catalog.=) cancel_signup.signup_id
    RETURNING s.* INTO done;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sign-up % does not exist', COALESCE(signup_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a sign-up of gridgov.signup, by its id.';
    END IF;
    RETURN done;
END;
$$;
COMMENT ON FUNCTION @extschema@.cancel_signup(bigint) IS
    'cancel a sign-up: it stays on record; a confirmed one''s place goes to the first waiting sign-up';

-- Cancel an activity before it starts: it stays, cancelled (it takes no
-- more sign-ups), and its booking is cancelled, freeing the venue.
CREATE FUNCTION @extschema@.cancel_activity(activity_id bigint, reason text DEFAULT NULL)
    RETURNS @extschema@.activity
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    done @extschema@.activity;
BEGIN
    UPDATE @extschema@.activity a SET status = 'cancelled'
     WHERE a.id OPERATOR(pg_catalog.=) cancel_activity.activity_id AND a.status OPERATOR(pg_catalog.=) 'open'
    RETURNING a.* INTO done;
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM @extschema@.activity a WHERE a.id OPERATOR(pg_catalog.=) cancel_activity.activity_id) THEN
            RAISE EXCEPTION 'activity % is already cancelled', activity_id
                USING ERRCODE = 'GG010', HINT = 'A cancelled activity stays as it is.';
        END IF;
        RAISE EXCEPTION 'activity % does not exist', COALESCE(activity_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name an activity of gridgov.activity, by its id.';
    END IF;
    PERFORM @extschema@.cancel_booking(done.booking, COALESCE(reason, 'activity cancelled'));
    RETURN done;
END;
$$;
COMMENT ON FUNCTION @extschema@.cancel_activity(bigint, text) IS
    'cancel an activity before it starts: it stays on record, cancelled, takes no more sign-ups, and its booking is cancelled (55000 once it has started)';

-- Record who came: the confirmed sign-ups of the people given.
CREATE FUNCTION @extschema@.record_attendance(activity bigint, people bigint[])
    RETURNS integer
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    recorded integer;
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.unnest(people) p(person)
                WHERE NOT EXISTS (SELECT FROM @extschema@.signup s
                                   WHERE s.activity OPERATOR(pg_catalog.=) record_attendance.activity
                                     AND s.person OPERATOR(pg_catalog.=) p.person
                                     AND s.status OPERATOR(pg_catalog.=) 'confirmed')) THEN
        RAISE EXCEPTION 'not every person given holds a confirmed sign-up for activity %', activity
            USING ERRCODE = 'GG010', HINT = 'Record attendance of confirmed sign-ups only (see gridgov.signup).';
    END IF;
    UPDATE @extschema@.signup s SET attended = true
     WHERE s.activity OPERATOR(pg_catalog.=) record_attendance.activity
       AND s.person OPERATOR(pg_catalog.=) ANY (record_attendance.people)
       AND s.status OPERATOR(pg_catalog.=) 'confirmed';
    GET DIAGNOSTICS recorded = ROW_COUNT;
    RETURN recorded;
END;
$$;
COMMENT ON FUNCTION @extschema@.record_attendance(bigint, bigint[]) IS
    'record that people came to an activity: each must hold a confirmed sign-up (GG010, nothing recorded otherwise); returns how many';

-- Each activity: its places, confirmed, waiting and attended.
CREATE VIEW @extschema@.activity_places WITH (security_invoker = true) AS
SELECT a.id, a.title, a.category, a.venue, a.unit::text AS unit, pg_catalog.lower(a.during) AS starts,
       pg_catalog.upper(a.during) AS ends, a.capacity, a.signed_up,
       a.capacity OPERATOR(pg_catalog.-) a.signed_up AS free,
       (SELECT pg_catalog.count(*) FROM @extschema@.signup s
         WHERE s.activity OPERATOR(pg_catalog.=) a.id AND s.status OPERATOR(pg_catalog.=) 'waiting') AS waiting,
       (SELECT pg_catalog.count(*) FROM @extschema@.signup s
         WHERE s.activity OPERATOR(pg_catalog.=) a.id AND s.attended) AS attended
  FROM @extschema@.activity a;
COMMENT ON VIEW @extschema@.activity_places IS 'each activity: capacity, confirmed sign-ups, free places, the waiting list and attendance';
COMMENT ON COLUMN @extschema@.activity_places.id IS 'the activity';
COMMENT ON COLUMN @extschema@.activity_places.title IS 'its title';
COMMENT ON COLUMN @extschema@.activity_places.category IS 'its 1+8 category';
COMMENT ON COLUMN @extschema@.activity_places.venue IS 'its venue';
COMMENT ON COLUMN @extschema@.activity_places.unit IS 'its venue''s unit, as text';
COMMENT ON COLUMN @extschema@.activity_places.starts IS 'when it starts';
COMMENT ON COLUMN @extschema@.activity_places.ends IS 'when it ends';
COMMENT ON COLUMN @extschema@.activity_places.capacity IS 'its places';
COMMENT ON COLUMN @extschema@.activity_places.signed_up IS 'confirmed sign-ups';
COMMENT ON COLUMN @extschema@.activity_places.free IS 'places left';
COMMENT ON COLUMN @extschema@.activity_places.waiting IS 'sign-ups on the waiting list';
COMMENT ON COLUMN @extschema@.activity_places.attended IS 'sign-ups whose person came';

-- ======================================================================
-- Ratings
-- ======================================================================

-- A resident rates a community hall (its service point), a venue, an
-- activity or a closed case, 1 to 5 stars, once each (打分评星).  A rating
-- is never changed: it counts in rating_monthly as it was given.
CREATE TABLE @extschema@.rating (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    person          bigint NOT NULL REFERENCES @extschema@.person (id),
    target_kind     text NOT NULL
                    CONSTRAINT rating_target_kind CHECK (target_kind OPERATOR(pg_catalog.=) ANY
                        (ARRAY['hall', 'venue', 'activity', 'case'])),
    target          bigint NOT NULL,
    stars           integer NOT NULL
                    CONSTRAINT rating_stars CHECK (stars OPERATOR(pg_catalog.>=) 1 AND stars OPERATOR(pg_catalog.<=) 5),
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    rated_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    comment         text,
    CONSTRAINT rating_once UNIQUE (person, target_kind, target)
);
COMMENT ON TABLE @extschema@.rating IS
    'ratings (打分评星) of halls, venues, activities and closed cases by residents, 1 to 5 stars, once per person and target; never changed';
COMMENT ON COLUMN @extschema@.rating.id IS 'the rating''s number';
COMMENT ON COLUMN @extschema@.rating.person IS 'the resident who rated';
COMMENT ON COLUMN @extschema@.rating.target_kind IS 'hall (a service point), venue, activity or case';
COMMENT ON COLUMN @extschema@.rating.target IS 'the number of the service point, venue, activity or case rated';
COMMENT ON COLUMN @extschema@.rating.stars IS '1 to 5 stars';
COMMENT ON COLUMN @extschema@.rating.unit IS 'the target''s unit (set by the trigger), which the rollup and row-level security go by';
COMMENT ON COLUMN @extschema@.rating.rated_at IS 'when (the server''s clock, but for an import)';
COMMENT ON COLUMN @extschema@.rating.comment IS 'what the resident wrote, if anything';
CREATE INDEX rating_unit_idx ON @extschema@.rating (unit);

-- The ratings rolled up by unit, month and kind of target: a sum and a
-- count, so that months and units merge by addition (as kpi_daily's states
-- do) and no query rescans the ratings.  Kept by the ratings' trigger, and
-- so not dumped: restoring the ratings (with their triggers) makes it again.
CREATE TABLE @extschema@.rating_monthly (
    unit            @extschema@.gridcode NOT NULL,
    month           date NOT NULL CONSTRAINT rating_monthly_first_day CHECK (pg_catalog.date_part('day', month) OPERATOR(pg_catalog.=) 1),
    target_kind     text NOT NULL,
    ratings         bigint NOT NULL CONSTRAINT rating_monthly_ratings_positive CHECK (ratings OPERATOR(pg_catalog.>) 0),
    stars           bigint NOT NULL,
    five_stars      bigint NOT NULL,
    PRIMARY KEY (unit, month, target_kind)
);
COMMENT ON TABLE @extschema@.rating_monthly IS
    'ratings per unit, month (in gridgov.calendar_timezone) and kind of target, as sums that merge by addition: kept by the ratings'' trigger';
COMMENT ON COLUMN @extschema@.rating_monthly.unit IS 'the targets'' unit';
COMMENT ON COLUMN @extschema@.rating_monthly.month IS 'the month of rated_at, its first day';
COMMENT ON COLUMN @extschema@.rating_monthly.target_kind IS 'hall, venue, activity or case';
COMMENT ON COLUMN @extschema@.rating_monthly.ratings IS 'how many ratings';
COMMENT ON COLUMN @extschema@.rating_monthly.stars IS 'their stars, summed (the mean is stars / ratings)';
COMMENT ON COLUMN @extschema@.rating_monthly.five_stars IS 'how many gave 5 stars';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.rating', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.rating', 'id')::regclass, '');

-- A rating, checked: BEFORE INSERT on rating.  The target exists (as the
-- rating role sees it) and gives the unit; an activity has started, a case
-- is closed; once per person and target.  An import (its own rated_at, by
-- a member of gridgov_importer) keeps its time.
CREATE FUNCTION @extschema@.rating_before_insert() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    started timestamptz;
    status text;
    earlier bigint;
BEGIN
    IF NOT (NEW.rated_at OPERATOR(pg_catalog.<>) pg_catalog.now()
            AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER')) THEN
        NEW.rated_at := pg_catalog.now();
    END IF;
    CASE NEW.target_kind
    WHEN 'hall' THEN
        SELECT s.unit INTO NEW.unit FROM @extschema@.service_point s WHERE s.id OPERATOR(pg_catalog.=) NEW.target;
    WHEN 'venue' THEN
        SELECT v.unit INTO NEW.unit FROM @extschema@.venue v WHERE v.id OPERATOR(pg_catalog.=) NEW.target;
    WHEN 'activity' THEN
        SELECT a.unit, pg_catalog.lower(a.during) INTO NEW.unit, started
          FROM @extschema@.activity a WHERE a.id OPERATOR(pg_catalog.=) NEW.target;
    WHEN 'case' THEN
        SELECT c.unit, c.status INTO NEW.unit, status FROM @extschema@.cases c WHERE c.id OPERATOR(pg_catalog.=) NEW.target;
    ELSE
        RAISE EXCEPTION 'a rating is of a hall, a venue, an activity or a case, not "%"', NEW.target_kind
            USING ERRCODE = '22023', HINT = 'Give target_kind hall, venue, activity or case.';
    END CASE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% % does not exist', NEW.target_kind, COALESCE(NEW.target::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Rate a service point, venue, activity or case by its id.';
    END IF;
    IF started OPERATOR(pg_catalog.>) NEW.rated_at THEN
        RAISE EXCEPTION 'activity % has not started yet (it starts at %)', NEW.target, started
            USING ERRCODE = 'GG010', HINT = 'Rate an activity once it has taken place.';
    END IF;
    IF status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'case % is %, not closed', NEW.target, status
            USING ERRCODE = '55000', HINT = 'A case is rated once it is closed (结案).';
    END IF;
    SELECT r.id INTO earlier FROM @extschema@.rating r
     WHERE r.person OPERATOR(pg_catalog.=) NEW.person AND r.target_kind OPERATOR(pg_catalog.=) NEW.target_kind
       AND r.target OPERATOR(pg_catalog.=) NEW.target;
    IF FOUND THEN
        RAISE EXCEPTION 'person % has already rated % % (rating %)', NEW.person, NEW.target_kind, NEW.target, earlier
            USING ERRCODE = '23505', CONSTRAINT = 'rating_once', HINT = 'A resident rates each hall, venue, activity or case once.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.rating_before_insert() IS
    'BEFORE INSERT trigger on rating: the target exists and gives the unit, an activity has started, a case is closed, once per person and target (23505 naming the earlier rating)';

-- The rollup: AFTER INSERT on rating, one upsert that adds the rating to
-- its unit's month, as the owner of the tables (every rating counts,
-- whoever may write rating_monthly).
CREATE FUNCTION @extschema@.rating_roll_up() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO @extschema@.rating_monthly AS m (unit, month, target_kind, ratings, stars, five_stars)
    VALUES (NEW.unit,
            pg_catalog.date_trunc('month', NEW.rated_at AT TIME ZONE @extschema@.calendar_timezone())::date,
            NEW.target_kind, 1, NEW.stars, (NEW.stars OPERATOR(pg_catalog.=) 5)::integer)
    ON CONFLICT (unit, month, target_kind) DO UPDATE
       SET ratings = m.ratings OPERATOR(pg_catalog.+) 1,
           stars = m.stars OPERATOR(pg_catalog.+) excluded.stars,
           five_stars = m.five_stars OPERATOR(pg_catalog.+) excluded.five_stars;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.rating_roll_up() IS
    'AFTER INSERT trigger on rating: adds the rating to rating_monthly (one upsert), as the tables'' owner';

-- Ratings and awards are records, never changed nor deleted: BEFORE
-- UPDATE OR DELETE and TRUNCATE on rating and hall_award.
CREATE FUNCTION @extschema@.services_record_refuse_change() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RAISE EXCEPTION '% is a record: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'GG010', HINT = 'Ratings and awards stand as they were given; the rollups count them so.';
END;
$$;
COMMENT ON FUNCTION @extschema@.services_record_refuse_change() IS
    'trigger on rating and hall_award: refuses UPDATE, DELETE and TRUNCATE (GG010)';

CREATE TRIGGER gridgov_rating_before_insert BEFORE INSERT ON @extschema@.rating
    FOR EACH ROW EXECUTE FUNCTION @extschema@.rating_before_insert();
CREATE TRIGGER gridgov_rating_roll_up AFTER INSERT ON @extschema@.rating
    FOR EACH ROW EXECUTE FUNCTION @extschema@.rating_roll_up();
CREATE TRIGGER gridgov_rating_refuse_change BEFORE UPDATE OR DELETE ON @extschema@.rating
    FOR EACH ROW EXECUTE FUNCTION @extschema@.services_record_refuse_change();
CREATE TRIGGER gridgov_rating_no_truncate BEFORE TRUNCATE ON @extschema@.rating
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.services_record_refuse_change();

-- Rate: one INSERT, checked by its trigger.
CREATE FUNCTION @extschema@.rate(person bigint, target_kind text, target bigint, stars integer, comment text DEFAULT NULL)
    RETURNS @extschema@.rating
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    made @extschema@.rating;
BEGIN
    IF stars IS NULL OR stars OPERATOR(pg_catalog.<) 1 OR stars OPERATOR(pg_catalog.>) 5 THEN
        RAISE EXCEPTION '% stars is outside 1 to 5', COALESCE(stars::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give 1 to 5 stars.';
    END IF;
    INSERT INTO @extschema@.rating AS r (person, target_kind, target, stars, comment)
    VALUES (rate.person, rate.target_kind, rate.target, rate.stars, rate.comment)
    RETURNING r.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.rate(bigint, text, bigint, integer, text) IS
    'rate a hall (service point), venue, activity or closed case 1 to 5 stars, once per person and target';

-- The ratings of each unit of a level under root in a span of months,
-- merged from rating_monthly (a range scan of the units under root, each
-- taken to its ancestor at the level): no rescan of the ratings.
CREATE FUNCTION @extschema@.ratings_by_unit(root @extschema@.gridcode, level integer, from_month date, to_month date,
                                            kinds text[] DEFAULT ARRAY['hall', 'venue', 'activity', 'case'])
    RETURNS TABLE (unit @extschema@.gridcode, name text, ratings bigint, mean_stars numeric, five_star_share numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT x.unit, u.name, x.ratings,
           pg_catalog.round(x.stars::numeric OPERATOR(pg_catalog./) x.ratings, 2),
           pg_catalog.round(x.five_stars::numeric OPERATOR(pg_catalog./) x.ratings, 4)
      FROM (SELECT @extschema@.ancestor(m.unit, ratings_by_unit.level) AS unit,
                   pg_catalog.sum(m.ratings)::bigint AS ratings, pg_catalog.sum(m.stars)::bigint AS stars,
                   pg_catalog.sum(m.five_stars)::bigint AS five_stars
              FROM @extschema@.rating_monthly m
             WHERE m.unit OPERATOR(@extschema@.<@) ratings_by_unit.root
               AND m.month OPERATOR(pg_catalog.>=) pg_catalog.date_trunc('month', ratings_by_unit.from_month)::date
               AND m.month OPERATOR(pg_catalog.<=) ratings_by_unit.to_month
               AND m.target_kind OPERATOR(pg_catalog.=) ANY (ratings_by_unit.kinds)
               AND @extschema@.level(m.unit) OPERATOR(pg_catalog.>=) ratings_by_unit.level
               AND @extschema@.check_gridcode_level(ratings_by_unit.level, 'level')
             GROUP BY 1) x
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) x.unit
     ORDER BY x.unit;
END;
COMMENT ON FUNCTION @extschema@.ratings_by_unit(@extschema@.gridcode, integer, date, date, text[]) IS
    'per unit of a level under root: the ratings of the given kinds in the months from from_month to to_month, their mean stars and 5-star share, merged from rating_monthly';

-- ======================================================================
-- The monthly awards: the moving red flag (流动红旗)
-- ======================================================================

-- Each month the best community halls (general service points of level
-- 5) get the red flag.  The formula, whose every number is an argument of
-- award_month (the defaults below) and is kept with each award:
--
--   score = rating_weight * 100 * (mean stars - 1) / 4
--         + case_weight * case score
--
-- where mean stars are those of the ratings of the hall, its venues and
-- activities under its unit in the month (rating_monthly), and case score
-- is service_point_ranking's composite of the cases routed to the hall and
-- reported in the month (100 * (0.30 closure rate + 0.30 on-time rate +
-- 0.25 satisfied share + 0.15 (1 - escalation rate))).  A hall competes
-- with at least min_ratings ratings and min_cases cases; the best winners
-- (ties by more ratings, then the hall's number) are the month's awards.
CREATE TABLE @extschema@.hall_award (
    month           date NOT NULL CONSTRAINT hall_award_first_day CHECK (pg_catalog.date_part('day', month) OPERATOR(pg_catalog.=) 1),
    rank            integer NOT NULL CONSTRAINT hall_award_rank_positive CHECK (rank OPERATOR(pg_catalog.>) 0),
    service_point   integer NOT NULL REFERENCES @extschema@.service_point (id),
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    score           numeric NOT NULL,
    figures         jsonb NOT NULL,
    formula         jsonb NOT NULL,
    awarded_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    awarded_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (month, rank),
    CONSTRAINT hall_award_once_a_month UNIQUE (month, service_point)
);
COMMENT ON TABLE @extschema@.hall_award IS
    'the monthly red flags (流动红旗): the best community halls of each month by award_month''s formula, with their figures; a record, never changed';
COMMENT ON COLUMN @extschema@.hall_award.month IS 'the month, its first day';
COMMENT ON COLUMN @extschema@.hall_award.rank IS '1 for the best';
COMMENT ON COLUMN @extschema@.hall_award.service_point IS 'the hall: a general service point of a community';
COMMENT ON COLUMN @extschema@.hall_award.unit IS 'its community';
COMMENT ON COLUMN @extschema@.hall_award.score IS 'its score by the formula, 0 to 100';
COMMENT ON COLUMN @extschema@.hall_award.figures IS
    'the figures behind the score: ratings, mean_stars, rating_score, cases, case_score and the case KPIs';
COMMENT ON COLUMN @extschema@.hall_award.formula IS 'the formula''s numbers it was chosen by: weights, minimums, winners';
COMMENT ON COLUMN @extschema@.hall_award.awarded_at IS 'when the month was awarded';
COMMENT ON COLUMN @extschema@.hall_award.awarded_by IS 'the role that awarded it';
CREATE INDEX hall_award_service_point_idx ON @extschema@.hall_award (service_point);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.hall_award', '');

CREATE TRIGGER gridgov_hall_award_refuse_change BEFORE UPDATE OR DELETE ON @extschema@.hall_award
    FOR EACH ROW EXECUTE FUNCTION @extschema@.services_record_refuse_change();
CREATE TRIGGER gridgov_hall_award_no_truncate BEFORE TRUNCATE ON @extschema@.hall_award
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.services_record_refuse_change();

-- Every community hall's score for a month, by the formula, with its
-- figures: eligible ones ranked.  What award_month records.
CREATE FUNCTION @extschema@.hall_scores(month date, rating_weight numeric DEFAULT 0.5, case_weight numeric DEFAULT 0.5,
                                        min_ratings integer DEFAULT 10, min_cases integer DEFAULT 10,
                                        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (rank bigint, service_point integer, name text, unit @extschema@.gridcode, score numeric,
                   ratings bigint, mean_stars numeric, rating_score numeric, cases bigint, case_score numeric,
                   closure_rate numeric, on_time_rate numeric, satisfied_share numeric, escalation_rate numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    WITH hall AS (
        SELECT sp.id, sp.name, sp.unit
          FROM @extschema@.service_point sp
         WHERE sp.level OPERATOR(pg_catalog.=) 5 AND sp.department IS NULL
    ), rated AS (
        SELECT h.id, pg_catalog.sum(m.ratings)::bigint AS ratings, pg_catalog.sum(m.stars)::bigint AS stars
          FROM hall h
          JOIN @extschema@.rating_monthly m
            ON m.unit OPERATOR(@extschema@.<@) h.unit
           AND m.month OPERATOR(pg_catalog.=) pg_catalog.date_trunc('month', hall_scores.month)::date
           AND m.target_kind OPERATOR(pg_catalog.=) ANY (ARRAY['hall', 'venue', 'activity'])
         GROUP BY h.id
    ), ranked_cases AS (
        SELECT r.* FROM @extschema@.service_point_ranking(hall_scores.month, hall_scores.as_of, 0) r
    ), scored AS (
        SELECT h.id, h.name, h.unit, COALESCE(r.ratings, 0) AS ratings,
               pg_catalog.round(r.stars::numeric OPERATOR(pg_catalog./) r.ratings, 2) AS mean_stars,
               pg_catalog.round(100 OPERATOR(pg_catalog.*) (r.stars::numeric OPERATOR(pg_catalog./) r.ratings OPERATOR(pg_catalog.-) 1)
                                OPERATOR(pg_catalog./) 4, 2) AS rating_score,
               COALESCE(c.received, 0) AS cases, c.score AS case_score,
               c.closure_rate, c.on_time_rate, c.satisfied_share, c.escalation_rate
          FROM hall h
          LEFT JOIN rated r ON r.id OPERATOR(pg_catalog.=) h.id
          LEFT JOIN ranked_cases c ON c.service_point OPERATOR(pg_catalog.=) h.id
    ), total AS (
        SELECT s.*,
               pg_catalog.round((hall_scores.rating_weight OPERATOR(pg_catalog.*) COALESCE(s.rating_score, 0))
                                OPERATOR(pg_catalog.+) (hall_scores.case_weight OPERATOR(pg_catalog.*) COALESCE(s.case_score, 0)), 2) AS score,
               s.ratings OPERATOR(pg_catalog.>=) hall_scores.min_ratings AND s.cases OPERATOR(pg_catalog.>=) hall_scores.min_cases AS eligible
          FROM scored s
    )
    SELECT CASE WHEN t.eligible THEN pg_catalog.row_number() OVER (PARTITION BY t.eligible ORDER BY t.score DESC, t.ratings DESC, t.id) END,
           t.id, t.name, t.unit, t.score, t.ratings, t.mean_stars, t.rating_score, t.cases, t.case_score,
           t.closure_rate, t.on_time_rate, t.satisfied_share, t.escalation_rate
      FROM total t
     ORDER BY t.eligible DESC, t.score DESC, t.ratings DESC, t.id;
END;
COMMENT ON FUNCTION @extschema@.hall_scores(date, numeric, numeric, integer, integer, timestamptz) IS
    'every community hall''s score for a month: rating_weight * 100 * (mean stars - 1) / 4 + case_weight * service_point_ranking''s case score, with the figures; ranked when it has min_ratings ratings and min_cases cases';

-- Award a month: its best halls by hall_scores, kept in hall_award with
-- their figures and the formula.  A month is awarded once.
CREATE FUNCTION @extschema@.award_month(month date, winners integer DEFAULT 5, rating_weight numeric DEFAULT 0.5,
                                        case_weight numeric DEFAULT 0.5, min_ratings integer DEFAULT 10,
                                        min_cases integer DEFAULT 10)
    RETURNS SETOF @extschema@.hall_award
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    first_day constant date := pg_catalog.date_trunc('month', month)::date;
BEGIN
    IF winners IS NULL OR winners OPERATOR(pg_catalog.<) 1 OR rating_weight IS NULL OR case_weight IS NULL
       OR rating_weight OPERATOR(pg_catalog.<) 0 OR case_weight OPERATOR(pg_catalog.<) 0
       OR rating_weight OPERATOR(pg_catalog.+) case_weight OPERATOR(pg_catalog.<>) 1
       OR min_ratings IS NULL OR min_cases IS NULL THEN
        RAISE EXCEPTION 'award_month needs a positive number of winners and two weights of at least 0 that add up to 1'
            USING ERRCODE = '22023', HINT = 'Such as winners => 5, rating_weight => 0.5, case_weight => 0.5.';
    END IF;
    IF first_day OPERATOR(pg_catalog.>=) pg_catalog.date_trunc('month', pg_catalog.now() AT TIME ZONE @extschema@.calendar_timezone())::date THEN
        RAISE EXCEPTION 'month % is not over yet', pg_catalog.to_char(first_day, 'YYYY-MM')
            USING ERRCODE = 'GG010', HINT = 'Award a month once it is over.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.hall_award a WHERE a.month OPERATOR(pg_catalog.=) first_day) THEN
        RAISE EXCEPTION 'month % has been awarded', pg_catalog.to_char(first_day, 'YYYY-MM')
            USING ERRCODE = '23505', HINT = 'The awards of a month are a record: see gridgov.hall_award.';
    END IF;
    RETURN QUERY
    WITH made AS (
    INSERT INTO @extschema@.hall_award AS a (month, rank, service_point, unit, score, figures, formula)
    SELECT first_day, s.rank, s.service_point, s.unit, s.score,
           pg_catalog.jsonb_build_object('ratings', s.ratings, 'mean_stars', s.mean_stars, 'rating_score', s.rating_score,
                                         'cases', s.cases, 'case_score', s.case_score, 'closure_rate', s.closure_rate,
                                         'on_time_rate', s.on_time_rate, 'satisfied_share', s.satisfied_share,
                                         'escalation_rate', s.escalation_rate),
           pg_catalog.jsonb_build_object('winners', award_month.winners, 'rating_weight', award_month.rating_weight,
                                         'case_weight', award_month.case_weight, 'min_ratings', award_month.min_ratings,
                                         'min_cases', award_month.min_cases)
      FROM @extschema@.hall_scores(first_day, award_month.rating_weight, award_month.case_weight,
                                   award_month.min_ratings, award_month.min_cases) s
     WHERE s.rank OPERATOR(pg_catalog.<=) award_month.winners
    RETURNING a.*)
    SELECT * FROM made ORDER BY made.rank;
END;
$$;
COMMENT ON FUNCTION @extschema@.award_month(date, integer, numeric, numeric, integer, integer) IS
    'award a month that is over: its best community halls by hall_scores (winners, weights and minimums as given) are kept in hall_award with their figures and the formula; once per month';

-- The red flag month by month: each award with whether the hall held the
-- flag the month before (kept) or won it (new), and how many it has won.
CREATE VIEW @extschema@.hall_award_history WITH (security_invoker = true) AS
SELECT a.month, a.rank, a.service_point, sp.name, a.unit::text AS unit, a.score,
       EXISTS (SELECT FROM @extschema@.hall_award p
                WHERE p.service_point OPERATOR(pg_catalog.=) a.service_point
                  AND p.month OPERATOR(pg_catalog.=) (a.month OPERATOR(pg_catalog.-) interval '1 month')::date) AS kept,
       pg_catalog.count(*) OVER (PARTITION BY a.service_point ORDER BY a.month) AS flags_so_far,
       (a.figures OPERATOR(pg_catalog.->>) 'mean_stars')::numeric AS mean_stars,
       (a.figures OPERATOR(pg_catalog.->>) 'case_score')::numeric AS case_score
  FROM @extschema@.hall_award a
  JOIN @extschema@.service_point sp ON sp.id OPERATOR(pg_catalog.=) a.service_point;
COMMENT ON VIEW @extschema@.hall_award_history IS
    'the red flags month by month: each award, whether the hall kept the flag from the month before, and how many flags it has won by then';
COMMENT ON COLUMN @extschema@.hall_award_history.month IS 'the month';
COMMENT ON COLUMN @extschema@.hall_award_history.rank IS 'its rank that month';
COMMENT ON COLUMN @extschema@.hall_award_history.service_point IS 'the hall';
COMMENT ON COLUMN @extschema@.hall_award_history.name IS 'its name';
COMMENT ON COLUMN @extschema@.hall_award_history.unit IS 'its community, as text';
COMMENT ON COLUMN @extschema@.hall_award_history.score IS 'its score';
COMMENT ON COLUMN @extschema@.hall_award_history.kept IS 'true when it also held a flag the month before';
COMMENT ON COLUMN @extschema@.hall_award_history.flags_so_far IS 'the flags it has won up to and including this month';
COMMENT ON COLUMN @extschema@.hall_award_history.mean_stars IS 'its residents'' mean stars that month';
COMMENT ON COLUMN @extschema@.hall_award_history.case_score IS 'its case score that month';

-- ======================================================================
-- Privileges and row-level security (sql/roles.sql, sql/access.sql)
-- ======================================================================

-- Readers see the venues, their hours and bookings; handlers (the service
-- points' staff, the booking apps) book and cancel; administrators keep
-- the venues and their hours.
GRANT SELECT ON @extschema@.venue, @extschema@.venue_hours, @extschema@.venue_exception, @extschema@.booking
    TO gridgov_reader;
GRANT INSERT, UPDATE ON @extschema@.booking TO gridgov_handler, gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.booking_id_seq TO gridgov_handler, gridgov_administrator;
GRANT INSERT, UPDATE, DELETE ON @extschema@.venue, @extschema@.venue_hours, @extschema@.venue_exception
    TO gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.venue_id_seq TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.venue_check(),
    @extschema@.booking_before_insert(),
    @extschema@.booking_before_change(),
    @extschema@.book_venue(bigint, tstzrange, bigint, bigint, integer, text),
    @extschema@.cancel_booking(bigint, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.book_venue(bigint, tstzrange, bigint, bigint, integer, text),
    @extschema@.cancel_booking(bigint, text)
    TO gridgov_handler, gridgov_administrator;

-- A venue is seen under a grant of its unit (or above it: the breadcrumbs)
-- and kept by administrators there; its hours and bookings follow it.
-- Bookings are made and cancelled by handlers and administrators of the
-- venue's unit.
ALTER TABLE @extschema@.venue ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.venue FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_write ON @extschema@.venue FOR ALL
    USING (@extschema@.jurisdiction_holds(unit, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.venue_hours ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.venue_hours FOR SELECT
    USING (venue IN (SELECT v.id FROM @extschema@.venue v));
CREATE POLICY gridgov_write ON @extschema@.venue_hours FOR ALL
    USING (venue IN (SELECT v.id FROM @extschema@.venue v WHERE @extschema@.jurisdiction_holds(v.unit, 'administrator')))
    WITH CHECK (venue IN (SELECT v.id FROM @extschema@.venue v WHERE @extschema@.jurisdiction_holds(v.unit, 'administrator')));
ALTER TABLE @extschema@.venue_exception ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.venue_exception FOR SELECT
    USING (venue IN (SELECT v.id FROM @extschema@.venue v));
CREATE POLICY gridgov_write ON @extschema@.venue_exception FOR ALL
    USING (venue IN (SELECT v.id FROM @extschema@.venue v WHERE @extschema@.jurisdiction_holds(v.unit, 'administrator')))
    WITH CHECK (venue IN (SELECT v.id FROM @extschema@.venue v WHERE @extschema@.jurisdiction_holds(v.unit, 'administrator')));
ALTER TABLE @extschema@.booking ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.booking FOR SELECT
    USING (venue IN (SELECT v.id FROM @extschema@.venue v));
CREATE POLICY gridgov_insert ON @extschema@.booking FOR INSERT
    WITH CHECK (venue IN (SELECT v.id FROM @extschema@.venue v
                           WHERE @extschema@.jurisdiction_holds(v.unit, 'handler')
                              OR @extschema@.jurisdiction_holds(v.unit, 'administrator')));
CREATE POLICY gridgov_update ON @extschema@.booking FOR UPDATE
    USING (venue IN (SELECT v.id FROM @extschema@.venue v
                      WHERE @extschema@.jurisdiction_holds(v.unit, 'handler')
                         OR @extschema@.jurisdiction_holds(v.unit, 'administrator')));

-- Activities and sign-ups: readers see them and the 1+8 categories;
-- handlers and administrators of the venue's unit publish activities and
-- sign people up (the sign-ups' trigger locks and counts on the activity's
-- row, hence UPDATE on activity); administrators keep the categories.
GRANT SELECT ON @extschema@.activity_category, @extschema@.activity, @extschema@.signup, @extschema@.activity_places
    TO gridgov_reader;
GRANT INSERT, UPDATE ON @extschema@.activity, @extschema@.signup TO gridgov_handler, gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.activity_id_seq, @extschema@.signup_id_seq TO gridgov_handler, gridgov_administrator;
GRANT INSERT, UPDATE, DELETE ON @extschema@.activity_category TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.activity_check(),
    @extschema@.signup_before_insert(),
    @extschema@.signup_before_change(),
    @extschema@.publish_activity(bigint, tstzrange, text, text, bigint, integer),
    @extschema@.sign_up(bigint, bigint),
    @extschema@.cancel_signup(bigint),
    @extschema@.record_attendance(bigint, bigint[]),
    @extschema@.cancel_activity(bigint, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.publish_activity(bigint, tstzrange, text, text, bigint, integer),
    @extschema@.sign_up(bigint, bigint),
    @extschema@.cancel_signup(bigint),
    @extschema@.record_attendance(bigint, bigint[]),
    @extschema@.cancel_activity(bigint, text)
    TO gridgov_handler, gridgov_administrator;
ALTER TABLE @extschema@.activity ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.activity FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_insert ON @extschema@.activity FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.activity FOR UPDATE
    USING (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.signup ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.signup FOR SELECT
    USING (activity IN (SELECT a.id FROM @extschema@.activity a));
CREATE POLICY gridgov_insert ON @extschema@.signup FOR INSERT
    WITH CHECK (activity IN (SELECT a.id FROM @extschema@.activity a
                              WHERE @extschema@.jurisdiction_holds(a.unit, 'handler')
                                 OR @extschema@.jurisdiction_holds(a.unit, 'administrator')));
CREATE POLICY gridgov_update ON @extschema@.signup FOR UPDATE
    USING (activity IN (SELECT a.id FROM @extschema@.activity a
                         WHERE @extschema@.jurisdiction_holds(a.unit, 'handler')
                            OR @extschema@.jurisdiction_holds(a.unit, 'administrator')));

-- Ratings and awards: readers see them and the rollup; handlers and
-- administrators of the target's unit record ratings (the rollup is kept
-- as the owner); administrators award (a district's, to rank all its
-- halls: hall_scores reads what the awarding role sees).
GRANT SELECT ON @extschema@.rating, @extschema@.rating_monthly, @extschema@.hall_award, @extschema@.hall_award_history
    TO gridgov_reader;
GRANT INSERT ON @extschema@.rating TO gridgov_handler, gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.rating_id_seq TO gridgov_handler, gridgov_administrator;
GRANT INSERT ON @extschema@.hall_award TO gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.rating_before_insert(),
    @extschema@.rating_roll_up(),
    @extschema@.services_record_refuse_change(),
    @extschema@.rate(bigint, text, bigint, integer, text),
    @extschema@.award_month(date, integer, numeric, numeric, integer, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rate(bigint, text, bigint, integer, text) TO gridgov_handler, gridgov_administrator;
GRANT EXECUTE ON FUNCTION @extschema@.award_month(date, integer, numeric, numeric, integer, integer) TO gridgov_administrator;
ALTER TABLE @extschema@.rating ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.rating FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_insert ON @extschema@.rating FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.rating_monthly ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.rating_monthly FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
ALTER TABLE @extschema@.hall_award ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.hall_award FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_insert ON @extschema@.hall_award FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'administrator'));
-- end of issue 16

-- service_point_ranking's score: OPERATOR(pg_catalog.+) and
-- OPERATOR(pg_catalog.*) share one precedence and associate left to right,
-- so the unparenthesized sum of weighted rates multiplied the running sum
-- by each next weight; each weighted rate is parenthesized now.
CREATE OR REPLACE FUNCTION @extschema@.service_point_ranking(month date, as_of timestamptz DEFAULT pg_catalog.now(),
                                                  min_cases integer DEFAULT 10)
    RETURNS TABLE (month date, rank bigint, service_point integer, name text, unit text, unit_name text,
                   level integer, department text, received bigint, closed bigint,
                   closure_rate numeric, on_time_rate numeric, satisfied_share numeric,
                   satisfaction_mean numeric, escalation_rate numeric, score numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    WITH period AS (
        SELECT pg_catalog.date_trunc('month', service_point_ranking.month::timestamp) AS first_day
    ), bounds AS (
        SELECT p.first_day::date AS month,
               p.first_day AT TIME ZONE @extschema@.calendar_timezone() AS starts,
               (p.first_day OPERATOR(pg_catalog.+) interval '1 month') AT TIME ZONE @extschema@.calendar_timezone() AS ends
          FROM period p
    ), per_point AS (
        SELECT h.service_point, @extschema@.kpi(c, as_of) AS kpi
          FROM bounds b
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) b.starts AND c.reported_at OPERATOR(pg_catalog.<) b.ends
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) 1
         WHERE h.service_point IS NOT NULL
         GROUP BY h.service_point
    ), scored AS (
        SELECT sp.id, sp.name, sp.unit, sp.level, sp.department, pp.kpi,
               pg_catalog.round(100 OPERATOR(pg_catalog.*) (
                   (0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.closure_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.on_time_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.25 OPERATOR(pg_catalog.*) COALESCE(@extschema@.satisfied_share(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.15 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) COALESCE(@extschema@.escalation_rate(pp.kpi), 1)))),
                   2) AS score,
               @extschema@.received(pp.kpi) OPERATOR(pg_catalog.>=) min_cases AS eligible
          FROM per_point pp
          JOIN @extschema@.service_point sp ON sp.id OPERATOR(pg_catalog.=) pp.service_point
    )
    SELECT b.month,
           CASE WHEN s.eligible THEN pg_catalog.rank() OVER (PARTITION BY s.eligible, s.level, s.department
                                                             ORDER BY s.score DESC) END,
           s.id, s.name, s.unit::text, u.name, s.level, s.department,
           @extschema@.received(s.kpi), @extschema@.closed(s.kpi),
           pg_catalog.round(@extschema@.closure_rate(s.kpi), 4), pg_catalog.round(@extschema@.on_time_rate(s.kpi), 4),
           pg_catalog.round(@extschema@.satisfied_share(s.kpi), 4), pg_catalog.round(@extschema@.satisfaction_mean(s.kpi), 2),
           pg_catalog.round(@extschema@.escalation_rate(s.kpi), 4), s.score
      FROM scored s
     CROSS JOIN bounds b
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) s.unit
     ORDER BY s.level, s.department NULLS FIRST, s.eligible DESC, s.score DESC, s.id;
END;

-- issue 15: scale-out on Citus.  A move finds the case's district first and
-- then locks and updates the case by its whole key (district, id), which
-- Citus routes to the case's one shard.
CREATE OR REPLACE FUNCTION @extschema@.apply_move(
    case_id bigint, to_status text, note text, at timestamptz, actor text,
    move text DEFAULT NULL, expected_status text DEFAULT NULL,
    deadline timestamptz DEFAULT NULL, level integer DEFAULT NULL,
    escalation_trigger text DEFAULT NULL, duplicate_of bigint DEFAULT NULL,
    service_point integer DEFAULT NULL, satisfaction integer DEFAULT NULL,
    evaluation text DEFAULT NULL, handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.cases;
    case_district @extschema@.gridcode;
    current_status text;
    current_seq integer;
    previous_actor text := pg_catalog.current_setting('gridgov.actor', true);
    previous_handler text := pg_catalog.current_setting('gridgov.handler', true);
BEGIN
    -- the case's district first, then the case by its whole key: on Citus
    -- (docs/scale-out.md) that locks and moves it in its one shard
    SELECT c.district INTO case_district FROM @extschema@.cases c WHERE c.id OPERATOR(pg_catalog.=) case_id;
    SELECT c.status, c.history_seq INTO current_status, current_seq FROM @extschema@.cases c
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', case_id USING ERRCODE = 'GG004';
    END IF;
    -- resume, reopen and extend all lead to in_progress: say which was meant
    IF expected_status IS NOT NULL AND current_status OPERATOR(pg_catalog.<>) expected_status THEN
        RAISE EXCEPTION 'case % cannot %: it is %, not %', case_id, move, current_status, expected_status
            USING ERRCODE = 'GG001';
    END IF;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', actor, true);
    END IF;
    -- the handler named goes to the engine as gridgov.handler does: naming
    -- the case's own handler again is then still naming it
    IF handler IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.handler', handler::text, true);
    END IF;
    UPDATE @extschema@.cases c
       SET status = COALESCE(to_status, c.status),
           note = COALESCE(apply_move.note, c.note),
           moved_at = COALESCE(apply_move.at, c.moved_at),
           stage_deadline = COALESCE(apply_move.deadline, c.stage_deadline),
           handling_level = COALESCE(apply_move.level,
                                     CASE WHEN move OPERATOR(pg_catalog.=) 'escalate'
                                          THEN c.handling_level OPERATOR(pg_catalog.-) 1
                                          ELSE c.handling_level END),
           escalation_trigger = COALESCE(apply_move.escalation_trigger, c.escalation_trigger),
           duplicate_of = COALESCE(apply_move.duplicate_of, c.duplicate_of),
           service_point = COALESCE(apply_move.service_point, c.service_point),
           satisfaction = COALESCE(apply_move.satisfaction, c.satisfaction),
           evaluation = COALESCE(apply_move.evaluation, c.evaluation)
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
    RETURNING c.* INTO moved;
    IF actor IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.actor', COALESCE(previous_actor, ''), true);
    END IF;
    IF handler IS NOT NULL THEN
        PERFORM pg_catalog.set_config('gridgov.handler', COALESCE(previous_handler, ''), true);
    END IF;
    -- a move into the state the case is already in moves nothing: say so
    IF moved.history_seq OPERATOR(pg_catalog.=) current_seq THEN
        RAISE EXCEPTION 'case % cannot move: it is already %', case_id, current_status
            USING ERRCODE = 'GG001',
                  HINT = 'Another session may have made this move first.';
    END IF;
    RETURN moved;
END;
$$;

-- issue 15: the sweep escalates district by district, each district's due
-- cases locked and moved by their whole key, in their one shard on Citus.
CREATE OR REPLACE FUNCTION @extschema@.escalate_overdue(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (case_id bigint, missed_deadline timestamptz, from_level integer, to_level integer,
                   service_point integer)
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    due_district @extschema@.gridcode;
    ids bigint[] := '{}';
    deadlines timestamptz[] := '{}';
    from_levels integer[] := '{}';
    to_levels integer[] := '{}';
    points integer[] := '{}';
BEGIN
    -- district by district: on Citus (docs/scale-out.md) each district's
    -- due cases are locked and moved in their one shard
    FOR due_district IN
        SELECT DISTINCT c.district
          FROM @extschema@.cases c
         WHERE c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
           AND c.suspended_at IS NULL
           AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
           AND c.moved_at OPERATOR(pg_catalog.<) as_of
           AND c.handling_level OPERATOR(pg_catalog.>) 3
    LOOP
        WITH due AS (
            SELECT c.id, c.stage_deadline, c.handling_level,
                   'deadline ' OPERATOR(pg_catalog.||) c.stage_deadline OPERATOR(pg_catalog.||) ' missed' AS note
              FROM @extschema@.cases c
             WHERE c.district OPERATOR(@extschema@.=) due_district
               AND c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
               AND c.suspended_at IS NULL
               AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
               AND c.moved_at OPERATOR(pg_catalog.<) as_of
               AND c.handling_level OPERATOR(pg_catalog.>) 3
               FOR UPDATE OF c SKIP LOCKED
        ), moved AS (
            UPDATE @extschema@.cases c
               SET handling_level = due.handling_level OPERATOR(pg_catalog.-) 1,
                   escalation_trigger = 'overdue',
                   note = due.note,
                   moved_at = as_of
              FROM due
             WHERE c.district OPERATOR(@extschema@.=) due_district AND c.id OPERATOR(pg_catalog.=) due.id
            RETURNING c.id, due.stage_deadline, due.handling_level, c.handling_level AS new_level, c.service_point
        )
        SELECT ids OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.id),
               deadlines OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.stage_deadline),
               from_levels OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.handling_level),
               to_levels OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.new_level),
               points OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.service_point)
          INTO ids, deadlines, from_levels, to_levels, points
          FROM moved m;
    END LOOP;
    RETURN QUERY
    SELECT u.id, u.deadline, u.from_level, u.to_level, u.point
      FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(deadlines), pg_catalog.unnest(from_levels),
                      pg_catalog.unnest(to_levels), pg_catalog.unnest(points))
           AS u (id, deadline, from_level, to_level, point)
     ORDER BY u.deadline, u.id;
END;
$$;

-- issue 15: verify_history() in PL/pgSQL, passing rows to history_hash and
-- content_digest as ROW(...) of their columns, so that it runs on Citus.
CREATE OR REPLACE FUNCTION @extschema@.verify_history()
    RETURNS TABLE (district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    -- The rows go to history_hash and content_digest as ROW(...) of their
    -- columns, not whole: on Citus (docs/scale-out.md) this query runs on
    -- the shards, whose rows have the shard's own type.  A column added to
    -- cases or case_history must be added here too (the cast fails loudly).
    RETURN QUERY
    WITH chained AS (
        SELECT h.district, h.case_id, h.seq, h.hash,
               @extschema@.history_hash(pg_catalog.lag(h.hash) OVER w,
                          ROW(h.district, h.case_id, h.seq, h.at, h.actor, h.action, h.from_status, h.to_status,
                          h.handling_level, h.service_point, h.escalation_trigger, h.note, h.hash,
                          h.content, h.entry, h.actor_person, h.handler)::@extschema@.case_history) AS recomputed,
               pg_catalog.lag(h.seq) OVER w AS previous_seq
          FROM @extschema@.case_history h
        WINDOW w AS (PARTITION BY h.district, h.case_id ORDER BY h.seq)
    ), problems AS (
        -- a history whose case is gone
        SELECT h.district, h.case_id, pg_catalog.min(h.seq) AS seq, 0 AS rank,
               'the case of this history does not exist' AS problem
          FROM @extschema@.case_history h
         WHERE NOT EXISTS (SELECT FROM @extschema@.cases c
                            WHERE c.district OPERATOR(@extschema@.=) h.district
                              AND c.id OPERATOR(pg_catalog.=) h.case_id)
         GROUP BY h.district, h.case_id
        UNION ALL
        SELECT ch.district, ch.case_id, ch.seq, 1,
               CASE WHEN ch.seq OPERATOR(pg_catalog.<>) (COALESCE(ch.previous_seq, 0) OPERATOR(pg_catalog.+) 1)
                    THEN 'a row is missing before this one'
                    WHEN ch.hash OPERATOR(pg_catalog.<>) ch.recomputed
                    THEN 'the row''s content or its link to the previous row was changed' END
          FROM chained ch
        UNION ALL
        -- the chain is shorter than history_seq says, or ends elsewhere
        SELECT c.district, c.id, c.history_seq, 2, 'the history ends before the case''s last move'
          FROM @extschema@.cases c
         WHERE NOT EXISTS (SELECT FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district
                              AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.seq OPERATOR(pg_catalog.=) c.history_seq
                              AND h.hash OPERATOR(pg_catalog.=) c.history_hash)
        UNION ALL
        -- the case row's content is not what its last move left
        SELECT c.district, c.id, c.history_seq, 3, 'the case''s content differs from its last history row'
          FROM @extschema@.cases c
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) c.history_seq
         WHERE h.content OPERATOR(pg_catalog.<>) @extschema@.content_digest(
             ROW(c.id, c.district, c.unit, c.category, c.severity, c.reported_severity, c.channel, c.description,
                 c.location, c.cell, c.reporter, c.status, c.handling_level, c.service_point, c.stage,
                 c.stage_started_at, c.stage_deadline, c.stage_limit_unit, c.stage_paused_seconds,
                 c.suspended_at, c.suspended_seconds, c.reported_at, c.accepted_at, c.dispatched_at,
                 c.resolved_at, c.verified_at, c.closed_at, c.escalations, c.reopenings, c.extensions,
                 c.returns, c.deadlines_missed, c.duplicate_of, c.linked_cases, c.warning, c.satisfaction,
                 c.evaluation, c.actor, c.note, c.moved_at, c.last_action, c.escalation_trigger,
                 c.history_seq, c.history_hash, c.history_content, c.deadline_provisional, c.handler,
                 c.actor_person, c.reporter_person, c.grid_gap)::@extschema@.cases)
        UNION ALL
        -- the chain is longer than history_seq says
        SELECT h.district, h.case_id, pg_catalog.min(h.seq), 4, 'the history goes on after the case''s last move'
          FROM @extschema@.case_history h
          JOIN @extschema@.cases c
            ON c.district OPERATOR(@extschema@.=) h.district AND c.id OPERATOR(pg_catalog.=) h.case_id
         WHERE h.seq OPERATOR(pg_catalog.>) c.history_seq
         GROUP BY h.district, h.case_id
    )
    SELECT DISTINCT ON (p.district, p.case_id) p.district, p.case_id, p.seq, p.problem
      FROM problems p
     WHERE p.problem IS NOT NULL
     ORDER BY p.district, p.case_id, p.seq, p.rank;
END;
$$;

-- issue 17: advance_project(project, note, at, to_stage): given the stage
-- meant, a project moved on meanwhile is refused rather than moved again
-- (sql/lists.sql)
DROP FUNCTION @extschema@.advance_project(bigint, text, timestamptz);
-- Move a project to its next stage, now (or at a time of the past, for a
-- member of gridgov_importer), with a note.  Given to_stage, the stage the
-- caller means it to enter, a project that is not at the stage before it
-- (moved on meanwhile by someone else) is refused (55000) rather than
-- moved on once more: two clerks approving one project at once approve it
-- once, and the second is told.
CREATE FUNCTION @extschema@.advance_project(project bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL,
                                            to_stage text DEFAULT NULL)
    RETURNS @extschema@.project
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.project;
    current_stage text;
BEGIN
    IF to_stage IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.project_stage s WHERE s.code OPERATOR(pg_catalog.=) to_stage) THEN
        RAISE EXCEPTION '"%" is not a stage of a project', to_stage
            USING ERRCODE = '22023', HINT = 'The stages are the codes of gridgov.project_stage, such as approved.';
    END IF;
    PERFORM @extschema@.set_project_move(at, note);
    -- in READ COMMITTED a concurrent move's row lock is waited for, and the
    -- WHERE clause evaluated again on the row it left
    UPDATE @extschema@.project p
       SET stage = (SELECT nx.code FROM @extschema@.project_stage cur
                      JOIN @extschema@.project_stage nx ON nx.position OPERATOR(pg_catalog.=) (cur.position OPERATOR(pg_catalog.+) 1)
                     WHERE cur.code OPERATOR(pg_catalog.=) p.stage)
     WHERE p.id OPERATOR(pg_catalog.=) advance_project.project
       AND (to_stage IS NULL
            OR p.stage OPERATOR(pg_catalog.=) (SELECT cur.code FROM @extschema@.project_stage cur
                                                 JOIN @extschema@.project_stage nx
                                                   ON nx.position OPERATOR(pg_catalog.=) (cur.position OPERATOR(pg_catalog.+) 1)
                                                WHERE nx.code OPERATOR(pg_catalog.=) to_stage))
    RETURNING p.* INTO moved;
    PERFORM @extschema@.set_project_move(NULL, NULL);
    IF moved.id IS NULL THEN
        SELECT p.stage INTO current_stage FROM @extschema@.project p WHERE p.id OPERATOR(pg_catalog.=) advance_project.project;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'project % does not exist', COALESCE(project::text, 'NULL')
                USING ERRCODE = '23503', HINT = 'Name a project of gridgov.project, by its id.';
        END IF;
        RAISE EXCEPTION 'project % is %: it cannot move to %', project, current_stage, to_stage
            USING ERRCODE = '55000',
                  HINT = COALESCE('Its next stage is ' OPERATOR(pg_catalog.||)
                                  (SELECT nx.code FROM @extschema@.project_stage cur
                                     JOIN @extschema@.project_stage nx ON nx.position OPERATOR(pg_catalog.=) (cur.position OPERATOR(pg_catalog.+) 1)
                                    WHERE cur.code OPERATOR(pg_catalog.=) current_stage)
                                  OPERATOR(pg_catalog.||) '; it may have been moved meanwhile.',
                                  'It is evaluated: it has no next stage.');
    END IF;
    RETURN moved;
END;
$$;
COMMENT ON FUNCTION @extschema@.advance_project(bigint, text, timestamptz, text) IS
    'move a project to its next stage with a note, now (at a time of the past for a member of gridgov_importer); given to_stage, only from the stage before it (55000 otherwise: moved meanwhile); the stage''s needs are checked and its time limit counted; returns it';
REVOKE EXECUTE ON FUNCTION @extschema@.advance_project(bigint, text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.advance_project(bigint, text, timestamptz, text) TO gridgov_administrator;
-- end of issue 17 (advance_project)

-- issue 17: the escalation of needs as a job of the background worker
-- (sql/lists.sql)
-- The escalation of needs as a job of the background worker (worker.sql),
-- as the sweep is for cases: every 10 minutes, escalate_needs(now()).  The
-- worker runs it as the bootstrap superuser; anyone else needs
-- escalate_needs (administrators).
CREATE FUNCTION @extschema@.job_need_escalation() RETURNS bigint
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT @extschema@.escalate_needs(pg_catalog.now());
END;
COMMENT ON FUNCTION @extschema@.job_need_escalation() IS
    'job: escalate every open need whose limit ran out (escalate_needs at now); returns how many';
INSERT INTO @extschema@.job (name, function, period) VALUES
    ('need_escalation', '@extschema@.job_need_escalation', '10 minutes');
-- pg_dump keeps the jobs a user added, not those CREATE EXTENSION puts back
SELECT pg_catalog.pg_extension_config_dump('@extschema@.job',
           'WHERE name NOT IN (''escalation_sweep'', ''early_warning'', ''rollups'', ''calendar_horizon'', ''personal_data_retention'', ''need_escalation'')');
-- end of issue 17 (need_escalation)

-- issue 17: a take of a need checked whoever writes it (need_take's trigger),
-- take_need one INSERT (sql/lists.sql)
-- A take checked, whoever writes it (take_need, or a plain INSERT): BEFORE
-- INSERT OR UPDATE on need_take.  A new take is of an open need, whose row
-- it locks (two takes of one need are ordered, and the second finds it
-- taken), through an available offer of the need's skill with room left,
-- counted under the offer's lock (so its capacity holds against concurrent
-- takes), by the offer's holder, now; the need is then taken.  A restored
-- one (from a member of gridgov_importer, with a time of its own) is kept
-- as written.  A take keeps its need, offer, holder and time; its met_at
-- and note change.
CREATE FUNCTION @extschema@.need_take_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    n record;
    f record;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.need OPERATOR(pg_catalog.<>) OLD.need OR NEW.offer OPERATOR(pg_catalog.<>) OLD.offer
           OR NEW.person OPERATOR(pg_catalog.<>) OLD.person OR NEW.taken_at OPERATOR(pg_catalog.<>) OLD.taken_at
           OR NEW.taken_by OPERATOR(pg_catalog.<>) OLD.taken_by THEN
            RAISE EXCEPTION 'the take of need % through offer % keeps its need, offer, holder and time', OLD.need, OLD.offer
                USING ERRCODE = '55000', HINT = 'Record that it was met (meet_need); a need is taken again only as a new need.';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.taken_at OPERATOR(pg_catalog.<>) pg_catalog.now()
       AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    SELECT x.id, x.status, x.skill INTO n FROM @extschema@.need x WHERE x.id OPERATOR(pg_catalog.=) NEW.need FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'need % does not exist', COALESCE(NEW.need::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a need of gridgov.need, by its id.';
    END IF;
    IF n.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'need % is %, not open', n.id, n.status
            USING ERRCODE = '55000', HINT = 'Only an open need is taken.';
    END IF;
    SELECT x.id, x.skill, x.available, x.capacity, p.person INTO f
      FROM @extschema@.offer x JOIN @extschema@.post p ON p.id OPERATOR(pg_catalog.=) x.post
     WHERE x.id OPERATOR(pg_catalog.=) NEW.offer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'offer % does not exist', COALESCE(NEW.offer::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name an offer of gridgov.offer, by its id (match_need proposes them).';
    END IF;
    -- a lock of the offer orders its takes, so its capacity holds (an
    -- advisory one: a handler who takes needs may not update offers, and a
    -- row lock would need that); the count below is read after it, by a
    -- statement of its own (a new snapshot in READ COMMITTED)
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.offer'),
                                             (f.id OPERATOR(pg_catalog.%) 2147483647)::integer);
    IF f.skill OPERATOR(pg_catalog.<>) n.skill OR NOT f.available OPERATOR(pg_catalog.@>) pg_catalog.now() THEN
        RAISE EXCEPTION 'offer % (%) does not meet need % (%) now', f.id, f.skill, n.id, n.skill
            USING ERRCODE = '22023', HINT = 'Take it through an available offer of its skill: gridgov.match_need() proposes them.';
    END IF;
    IF (SELECT pg_catalog.count(*) FROM @extschema@.need_take t
         WHERE t.offer OPERATOR(pg_catalog.=) f.id AND t.met_at IS NULL) OPERATOR(pg_catalog.>=) f.capacity THEN
        RAISE EXCEPTION 'offer % has taken % needs not yet met: it is full', f.id, f.capacity
            USING ERRCODE = '55000', HINT = 'Meet one of them first (meet_need), or take another offer.';
    END IF;
    IF NEW.person IS DISTINCT FROM f.person AND NEW.person IS NOT NULL THEN
        RAISE EXCEPTION 'need % is taken through offer % by its holder, person %, not person %', n.id, f.id, f.person, NEW.person
            USING ERRCODE = '22023', HINT = 'Leave person out: the take names the offer''s holder.';
    END IF;
    NEW.person := f.person;
    NEW.taken_at := pg_catalog.now();
    NEW.taken_by := CURRENT_USER;
    NEW.met_at := NULL;
    UPDATE @extschema@.need x SET status = 'taken' WHERE x.id OPERATOR(pg_catalog.=) n.id;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.need_take_check() IS
    'BEFORE INSERT OR UPDATE trigger on need_take: a take of an open need (locked) through an available offer of its skill with room (under the offer''s lock), by its holder, now, the need then taken; a restored one kept; a take keeps its need, offer, holder and time';
CREATE TRIGGER gridgov_need_take_check BEFORE INSERT OR UPDATE ON @extschema@.need_take
    FOR EACH ROW EXECUTE FUNCTION @extschema@.need_take_check();

-- Take a need through an offer: the offer's holder takes it (the need open,
-- the offer of its skill, available, with room: need_take's trigger checks
-- it all); the need is taken.
CREATE OR REPLACE FUNCTION @extschema@.take_need(need bigint, offer bigint, note text DEFAULT NULL)
    RETURNS @extschema@.need_take
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    taken @extschema@.need_take;
BEGIN
    INSERT INTO @extschema@.need_take AS t (need, offer, note)
    VALUES (take_need.need, take_need.offer, take_need.note)
    RETURNING t.* INTO taken;
    RETURN taken;
END;
$$;
COMMENT ON FUNCTION @extschema@.take_need(bigint, bigint, text) IS
    'record that an offer''s holder took an open need (the offer of its skill, available now, with room: need_take''s trigger checks it); returns the take';
REVOKE EXECUTE ON FUNCTION @extschema@.need_take_check() FROM PUBLIC;
-- end of issue 17 (need_take_check)

-- issue 15: the column form of risk() and risk_cases(), which the planner
-- gives risk(c, as_of) over gridgov.cases (src/kpi_planner.c), so that
-- Citus runs them as partial aggregates on its shards.
CREATE FUNCTION @extschema@.risk_accum(state float8[], status text, severity smallint,
                                       reported_at timestamptz, as_of timestamptz) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gridgov_risk_accum_columns' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_accum(float8[], text, smallint, timestamptz, timestamptz) IS
    'transition function of the column form of risk(): adds the decayed, weighted contribution of a case given by its status, severity and report time';
CREATE AGGREGATE @extschema@.risk(status text, severity smallint, reported_at timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.risk_accum,
    STYPE = float8[],
    FINALFUNC = @extschema@.risk_final,
    COMBINEFUNC = @extschema@.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.risk(text, smallint, timestamptz, timestamptz) IS
    'risk score at as_of of cases given by their status, severity and report time (the form the planner gives risk(c, as_of)); a NULL reported_at counts nothing';
CREATE AGGREGATE @extschema@.risk_cases(status text, severity smallint, reported_at timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.risk_accum,
    STYPE = float8[],
    FINALFUNC = @extschema@.risk_cases_final,
    COMBINEFUNC = @extschema@.risk_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.risk_cases(text, smallint, timestamptz, timestamptz) IS
    'the number of cases that the column form of risk() counts at as_of (the form the planner gives risk_cases(c, as_of))';

-- issue 15: the dashboards on Citus.  Queries over the units call
-- unit_is_current(u.valid_to), not unit_is_current(u): on Citus the rows of
-- the reference table unit have the shard's own type.  The functions over
-- distributed tables are PL/pgSQL (service_point_ranking's part over
-- the cases is kpi_by_service_point): Citus plans a query over them only
-- with its parameters' values, which a SQL function does not pass.

CREATE FUNCTION @extschema@.unit_is_current(valid_to timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
COMMENT ON FUNCTION @extschema@.unit_is_current(timestamptz) IS
    'true while a unit with this valid_to is in force (valid_to unset or in the future)';

CREATE FUNCTION @extschema@.kpi_by_service_point(starts timestamptz, ends timestamptz,
                                                 as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (service_point integer, kpi @extschema@.kpi_state)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT h.service_point, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
      JOIN @extschema@.case_history h
        ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
       AND h.seq OPERATOR(pg_catalog.=) 1
     WHERE c.reported_at OPERATOR(pg_catalog.>=) starts AND c.reported_at OPERATOR(pg_catalog.<) ends
       AND h.service_point IS NOT NULL
     GROUP BY h.service_point;
END;
$$;
COMMENT ON FUNCTION @extschema@.kpi_by_service_point(timestamptz, timestamptz, timestamptz) IS
    'KPI state per service point of the cases routed to it at intake and reported from starts up to (not including) ends, counted at as_of';

CREATE OR REPLACE FUNCTION @extschema@.children(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.parent OPERATOR(@extschema@.=) $1 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.descendants(@extschema@.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE @extschema@.check_gridcode_level($2, 'max_level')
       AND u.code OPERATOR(@extschema@.<@) $1 AND u.code OPERATOR(@extschema@.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.ancestors(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1) OPERATOR(pg_catalog.-) 1) AS l(level)))
       AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.level;
END;

CREATE OR REPLACE FUNCTION @extschema@.breadcrumb(@extschema@.gridcode, separator text DEFAULT ' › ') RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    -- the ancestors' codes as one array: a single index probe per code
    SELECT pg_catalog.string_agg(u.name, $2 ORDER BY u.level)
      FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1)) AS l(level)))
       AND @extschema@.unit_is_current(u.valid_to);
END;

CREATE OR REPLACE FUNCTION @extschema@.unit_at(point geometry, level integer) RETURNS @extschema@.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    -- gridcell()'s checks: a non-empty point in SRID 4326 with coordinates
    -- in range (a NaN would be covered by no boundary and go unnoticed)
    PERFORM @extschema@.check_gridcode_level(level, 'level');
    PERFORM @extschema@.check_point(point, 'unit_at()');
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.kpi_by_unit(from_day date, to_day date)
    RETURNS TABLE (unit text, name text, level integer, level_name text, parent text, breadcrumb text,
                   received bigint, accepted bigint, dispatched bigint, due_to_close bigint,
                   closed bigint, closure_rate numeric, closed_on_time bigint, on_time_rate numeric,
                   reworked bigint, rework_rate numeric, extended bigint, extension_rate numeric,
                   returned bigint, escalated bigint, escalation_rate numeric,
                   settled_in_community bigint, community_share numeric,
                   open_at_refresh bigint, overdue_at_refresh bigint,
                   satisfaction_mean numeric, satisfied_share numeric,
                   accept_hours_p50 numeric, accept_hours_p90 numeric,
                   close_hours_p50 numeric, close_hours_p90 numeric)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 500 SET search_path FROM CURRENT
    -- the merges' estimated cost calls for JIT compilation, which costs
    -- several times what the merges do
    SET jit = off
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT m.unit::text, u.name, m.level, @extschema@.level_name(m.unit), @extschema@.parent(m.unit)::text,
           -- breadcrumb(), as an index scan per row
           (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
              FROM @extschema@.unit a
             WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
                   SELECT @extschema@.ancestor(m.unit, l.level)
                     FROM pg_catalog.generate_series(1, m.level) AS l(level)))
               AND @extschema@.unit_is_current(a.valid_to)),
           @extschema@.received(m.kpi), @extschema@.accepted(m.kpi), @extschema@.dispatched(m.kpi),
           @extschema@.due_to_close(m.kpi), @extschema@.closed(m.kpi),
           pg_catalog.round(@extschema@.closure_rate(m.kpi), 4),
           @extschema@.closed_on_time(m.kpi), pg_catalog.round(@extschema@.on_time_rate(m.kpi), 4),
           @extschema@.reworked(m.kpi), pg_catalog.round(@extschema@.rework_rate(m.kpi), 4),
           @extschema@.extended(m.kpi), pg_catalog.round(@extschema@.extension_rate(m.kpi), 4),
           @extschema@.returned(m.kpi), @extschema@.escalated(m.kpi),
           pg_catalog.round(@extschema@.escalation_rate(m.kpi), 4),
           @extschema@.settled_in_community(m.kpi), pg_catalog.round(@extschema@.community_share(m.kpi), 4),
           @extschema@.open_now(m.kpi), @extschema@.overdue_now(m.kpi),
           pg_catalog.round(@extschema@.satisfaction_mean(m.kpi), 2),
           pg_catalog.round(@extschema@.satisfied_share(m.kpi), 4),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.9)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.9)::numeric, 2)
      FROM (SELECT l.level, @extschema@.ancestor(p.unit, l.level) AS unit, @extschema@.kpi_merge(p.kpi) AS kpi
              -- the period's rows merged per unit; districts also make
              -- their city and province
              FROM (SELECT d.unit, d.level, @extschema@.kpi_merge(d.kpi) AS kpi
                      FROM @extschema@.kpi_unit_daily d
                     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
                     GROUP BY d.unit, d.level) p
             CROSS JOIN LATERAL pg_catalog.generate_series(CASE WHEN p.level OPERATOR(pg_catalog.=) 3 THEN 1 ELSE p.level END,
                                                           p.level) AS l(level)
             GROUP BY l.level, 2) m
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) m.unit
     ORDER BY m.unit;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.service_point_ranking(month date, as_of timestamptz DEFAULT pg_catalog.now(),
                                                  min_cases integer DEFAULT 10)
    RETURNS TABLE (month date, rank bigint, service_point integer, name text, unit text, unit_name text,
                   level integer, department text, received bigint, closed bigint,
                   closure_rate numeric, on_time_rate numeric, satisfied_share numeric,
                   satisfaction_mean numeric, escalation_rate numeric, score numeric)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    WITH period AS (
        SELECT pg_catalog.date_trunc('month', service_point_ranking.month::timestamp) AS first_day
    ), bounds AS (
        SELECT p.first_day::date AS month,
               p.first_day AT TIME ZONE @extschema@.calendar_timezone() AS starts,
               (p.first_day OPERATOR(pg_catalog.+) interval '1 month') AT TIME ZONE @extschema@.calendar_timezone() AS ends
          FROM period p
    ), per_point AS (
        SELECT k.service_point, k.kpi
          FROM bounds b
         CROSS JOIN LATERAL @extschema@.kpi_by_service_point(b.starts, b.ends, as_of) k
    ), scored AS (
        SELECT sp.id, sp.name, sp.unit, sp.level, sp.department, pp.kpi,
               pg_catalog.round(100 OPERATOR(pg_catalog.*) (
                   (0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.closure_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.30 OPERATOR(pg_catalog.*) COALESCE(@extschema@.on_time_rate(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.25 OPERATOR(pg_catalog.*) COALESCE(@extschema@.satisfied_share(pp.kpi), 0))
                   OPERATOR(pg_catalog.+) (0.15 OPERATOR(pg_catalog.*) (1 OPERATOR(pg_catalog.-) COALESCE(@extschema@.escalation_rate(pp.kpi), 1)))),
                   2) AS score,
               @extschema@.received(pp.kpi) OPERATOR(pg_catalog.>=) min_cases AS eligible
          FROM per_point pp
          JOIN @extschema@.service_point sp ON sp.id OPERATOR(pg_catalog.=) pp.service_point
    )
    SELECT b.month,
           CASE WHEN s.eligible THEN pg_catalog.rank() OVER (PARTITION BY s.eligible, s.level, s.department
                                                             ORDER BY s.score DESC) END,
           s.id, s.name, s.unit::text, u.name, s.level, s.department,
           @extschema@.received(s.kpi), @extschema@.closed(s.kpi),
           pg_catalog.round(@extschema@.closure_rate(s.kpi), 4), pg_catalog.round(@extschema@.on_time_rate(s.kpi), 4),
           pg_catalog.round(@extschema@.satisfied_share(s.kpi), 4), pg_catalog.round(@extschema@.satisfaction_mean(s.kpi), 2),
           pg_catalog.round(@extschema@.escalation_rate(s.kpi), 4), s.score
      FROM scored s
     CROSS JOIN bounds b
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) s.unit
     ORDER BY s.level, s.department NULLS FIRST, s.eligible DESC, s.score DESC, s.id;
END;

CREATE OR REPLACE FUNCTION @extschema@.risk_tile(z integer, x integer, y integer, level integer DEFAULT 6,
                                      as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326
         WHERE @extschema@.check_tile(z, x, y) AND @extschema@.check_risk_time(as_of)
           AND @extschema@.check_gridcode_level(risk_tile.level, 'level')
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(u.boundary, 3857), t.envelope, 4096, 64, true) AS geom,
               u.code::text AS code, u.name, u.level, COALESCE(rs.score, 0) AS score,
               @extschema@.risk_color(COALESCE(rs.score, 0), u.level) AS color, COALESCE(rs.cases, 0) AS cases
          FROM tile t
          JOIN @extschema@.unit u
            ON u.boundary && t.envelope_4326
           AND u.level OPERATOR(pg_catalog.=) risk_tile.level
           AND @extschema@.unit_is_current(u.valid_to)
          LEFT JOIN LATERAL @extschema@.risk_scores(u.code, as_of, u.level) rs ON true
    )
    SELECT COALESCE((SELECT ST_AsMVT(f.*, 'risk', 4096, 'geom')
                       FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea);
END;

CREATE OR REPLACE FUNCTION @extschema@.risk_scores(under @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now(),
                                        max_level integer DEFAULT 6)
    RETURNS TABLE (unit @extschema@.gridcode, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH settings AS (
        -- last_day NULL without a usable rollup: everything from the cases
        SELECT CASE WHEN r.through IS NOT NULL
                    THEN LEAST(r.through, @extschema@.risk_day(as_of) OPERATOR(pg_catalog.-) 1) END AS last_day,
               EXTRACT(epoch FROM @extschema@.risk_half_life())::float8 AS half_life,
               @extschema@.risk_weights() AS weights
          FROM (SELECT @extschema@.risk_rollup_through() AS through) r
    ), levels AS (
        SELECT l.level FROM pg_catalog.generate_series(@extschema@.level(under), LEAST(max_level, 7)) AS l(level)
    ), decay AS (
        -- per day of the rollup, the decay from its end to as_of
        SELECT g.day::date AS day,
               @extschema@.risk_decay(EXTRACT(epoch FROM as_of OPERATOR(pg_catalog.-) @extschema@.risk_day_end(g.day::date))::float8,
                                      s.half_life) AS factor
          FROM settings s
         CROSS JOIN LATERAL pg_catalog.generate_series(
               (SELECT pg_catalog.min(d.day) FROM @extschema@.risk_daily d)::timestamp,
               s.last_day::timestamp, interval '1 day') AS g(day)
    ), rolled_units AS (
        SELECT d.unit,
               pg_catalog.sum(d.mass OPERATOR(pg_catalog.*) s.weights[d.severity] OPERATOR(pg_catalog.*) f.factor) AS score,
               pg_catalog.sum(d.cases) AS cases
          FROM settings s
          JOIN @extschema@.risk_daily d ON d.day OPERATOR(pg_catalog.<=) s.last_day
          JOIN decay f ON f.day OPERATOR(pg_catalog.=) d.day
         WHERE d.unit OPERATOR(@extschema@.<@) under
         GROUP BY d.unit
    ), rolled AS (
        SELECT @extschema@.ancestor(r.unit, lv.level) AS unit, pg_catalog.sum(r.score) AS score,
               pg_catalog.sum(r.cases)::bigint AS cases
          FROM rolled_units r
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(r.unit)
         GROUP BY 1
    ), recent AS (
        SELECT @extschema@.ancestor(c.unit, lv.level) AS unit,
               @extschema@.risk(c, as_of) AS score,
               @extschema@.risk_cases(c, as_of) AS cases
          FROM settings s
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) COALESCE(@extschema@.risk_day_end(s.last_day), '-infinity')
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(c.unit)
         WHERE c.unit OPERATOR(@extschema@.<@) under
         GROUP BY 1
    )
    -- the checks first: a bad as_of or max_level is refused before any work
    SELECT b.unit, pg_catalog.sum(b.score), pg_catalog.sum(b.cases)::bigint
      FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) b
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcode_level(max_level, 'max_level')
       AND b.cases OPERATOR(pg_catalog.>) 0
     GROUP BY b.unit
     ORDER BY b.unit;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.risk_cells(area @extschema@.gridcell, level integer,
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (cell @extschema@.gridcell, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT @extschema@.parent(c.cell, risk_cells.level),
           @extschema@.risk(c, as_of), @extschema@.risk_cases(c, as_of)
      FROM @extschema@.cases c
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcell_level(risk_cells.level, 'level')
       AND c.cell OPERATOR(@extschema@.<@) area
       AND c.reported_at OPERATOR(pg_catalog.<=) as_of
     GROUP BY 1
    HAVING @extschema@.risk_cases(c, as_of) OPERATOR(pg_catalog.>) 0
     ORDER BY 1;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN (
        WITH widths AS (
            SELECT w.level, w.degrees
              FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                           (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                           (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
        ), tile AS (
            SELECT ST_TileEnvelope(z, x, y) AS envelope,
                   ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
                   360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
             WHERE @extschema@.check_tile(z, x, y, cell_level) AND @extschema@.check_risk_time(as_of)
        ), levels AS (
            SELECT t.*, l.cell_level,
                   -- the finest level at most cell_level whose cells are at least
                   -- a quarter of the tile's width: a handful of ranges to read
                   COALESCE((SELECT pg_catalog.max(w.level) FROM widths w
                              WHERE w.level OPERATOR(pg_catalog.<=) l.cell_level
                                AND w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 4)), 1) AS probe_level
              FROM tile t
             CROSS JOIN LATERAL (
                   SELECT COALESCE(cell_level,
                                   (SELECT pg_catalog.max(w.level) FROM widths w
                                     WHERE w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 128)), 1)
                          AS cell_level) l
        ), cells AS (
            SELECT @extschema@.parent(c.cell, lv.cell_level) AS cell,
                   @extschema@.risk(c, as_of) AS score, @extschema@.risk_cases(c, as_of) AS cases
              FROM levels lv
             CROSS JOIN LATERAL @extschema@.cover(lv.envelope_4326, lv.probe_level) probe
              JOIN @extschema@.cases c
                ON c.cell OPERATOR(@extschema@.<@) probe.cell
               AND c.reported_at OPERATOR(pg_catalog.<=) as_of
             GROUP BY 1
        ), features AS (
            SELECT ST_AsMVTGeom(ST_Transform(@extschema@.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
                   ce.cell::text AS cell, lv.cell_level AS level, ce.score,
                   @extschema@.risk_color(ce.score, NULL) AS color, ce.cases
              FROM cells ce, levels lv
             WHERE ce.cases OPERATOR(pg_catalog.>) 0
        )
        SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                    THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom')
                                     FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END);
END;
$$;

CREATE OR REPLACE VIEW @extschema@.risk_map AS
SELECT u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM @extschema@.unit a
         WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND @extschema@.unit_is_current(a.valid_to)) AS breadcrumb,
       COALESCE(s.score, 0)::numeric AS score,
       @extschema@.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM @extschema@.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM @extschema@.unit p
              CROSS JOIN LATERAL @extschema@.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND @extschema@.unit_is_current(p.valid_to)) s
         ON s.unit OPERATOR(@extschema@.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND @extschema@.unit_is_current(u.valid_to);
ALTER VIEW @extschema@.risk_map SET (security_invoker = true);

-- issue 17: a need's status follows its take, whoever writes it; a need met
-- ends its take (sql/lists.sql)
-- A need's status follows its take, whoever writes it: BEFORE INSERT OR
-- UPDATE on need.  A new need is open (but a restored one, from a member
-- of gridgov_importer with an opening time of its own); an open need is
-- taken by a take only (need_take's trigger, at a trigger depth above 1),
-- a taken one met (meet_need, or an UPDATE), and a met one stays met: a
-- need is never taken twice.
CREATE FUNCTION @extschema@.need_status_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        IF NEW.status OPERATOR(pg_catalog.<>) 'open'
           AND NOT (NEW.opened_at OPERATOR(pg_catalog.<>) pg_catalog.now()
                    AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER')) THEN
            RAISE EXCEPTION 'a new need is open, not %', NEW.status
                USING ERRCODE = '55000', HINT = 'Report it (report_need); it is taken through an offer (take_need).';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status OPERATOR(pg_catalog.=) OLD.status
       OR OLD.status OPERATOR(pg_catalog.=) 'taken' AND NEW.status OPERATOR(pg_catalog.=) 'met'
       OR OLD.status OPERATOR(pg_catalog.=) 'open' AND NEW.status OPERATOR(pg_catalog.=) 'taken'
          AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'need % is %: it cannot be set %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = '55000',
              HINT = CASE OLD.status WHEN 'open' THEN 'An open need is taken through an offer: take_need, or an INSERT into gridgov.need_take.'
                                     WHEN 'taken' THEN 'A taken need is met (meet_need).'
                                     ELSE 'A met need stays met: report it again as a new need.' END;
END;
$$;
COMMENT ON FUNCTION @extschema@.need_status_check() IS
    'BEFORE INSERT OR UPDATE trigger on need: new needs open (but restored ones), open to taken by a take only, taken to met, met final';
CREATE TRIGGER gridgov_need_status_check BEFORE INSERT OR UPDATE OF status ON @extschema@.need
    FOR EACH ROW EXECUTE FUNCTION @extschema@.need_status_check();

-- A need met ends its take, so that its offer has room again: AFTER UPDATE
-- OF status on need, when a taken need is met.
CREATE FUNCTION @extschema@.need_after_met() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE @extschema@.need_take t SET met_at = pg_catalog.now()
     WHERE t.need OPERATOR(pg_catalog.=) NEW.id AND t.met_at IS NULL;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.need_after_met() IS
    'AFTER UPDATE trigger on need, when a taken need is met: its take''s met_at is now';
CREATE TRIGGER gridgov_need_after_met AFTER UPDATE OF status ON @extschema@.need
    FOR EACH ROW WHEN (OLD.status OPERATOR(pg_catalog.=) 'taken' AND NEW.status OPERATOR(pg_catalog.=) 'met')
    EXECUTE FUNCTION @extschema@.need_after_met();
CREATE OR REPLACE FUNCTION @extschema@.meet_need(need bigint, note text DEFAULT NULL)
    RETURNS @extschema@.need
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    met @extschema@.need;
BEGIN
    UPDATE @extschema@.need x SET status = 'met'
     WHERE x.id OPERATOR(pg_catalog.=) meet_need.need AND x.status OPERATOR(pg_catalog.=) 'taken'
    RETURNING x.* INTO met;
    IF met.id IS NULL THEN
        IF EXISTS (SELECT FROM @extschema@.need x WHERE x.id OPERATOR(pg_catalog.=) meet_need.need) THEN
            RAISE EXCEPTION 'need % is not taken', meet_need.need
                USING ERRCODE = '55000', HINT = 'A need is met once someone took it (take_need).';
        END IF;
        RAISE EXCEPTION 'need % does not exist', COALESCE(meet_need.need::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a need of gridgov.need, by its id.';
    END IF;
    -- its take ended by the need's trigger (need_after_met); the note kept
    UPDATE @extschema@.need_take t SET note = meet_need.note
     WHERE t.need OPERATOR(pg_catalog.=) met.id AND meet_need.note IS NOT NULL;
    RETURN met;
END;
$$;
REVOKE EXECUTE ON FUNCTION @extschema@.need_status_check(), @extschema@.need_after_met() FROM PUBLIC;
-- end of issue 17 (need status)

-- issue 17: a take's met_at follows its need's status (sql/lists.sql)
CREATE OR REPLACE FUNCTION @extschema@.need_take_check() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    n record;
    f record;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.need OPERATOR(pg_catalog.<>) OLD.need OR NEW.offer OPERATOR(pg_catalog.<>) OLD.offer
           OR NEW.person OPERATOR(pg_catalog.<>) OLD.person OR NEW.taken_at OPERATOR(pg_catalog.<>) OLD.taken_at
           OR NEW.taken_by OPERATOR(pg_catalog.<>) OLD.taken_by THEN
            RAISE EXCEPTION 'the take of need % through offer % keeps its need, offer, holder and time', OLD.need, OLD.offer
                USING ERRCODE = '55000', HINT = 'Record that it was met (meet_need); a need is taken again only as a new need.';
        END IF;
        -- met_at follows the need's status (need_after_met, a trigger)
        IF NEW.met_at IS DISTINCT FROM OLD.met_at AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2 THEN
            RAISE EXCEPTION 'the take of need % through offer % is met when its need is', OLD.need, OLD.offer
                USING ERRCODE = '55000', HINT = 'Record that the need was met: gridgov.meet_need(), or set its status to met.';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.taken_at OPERATOR(pg_catalog.<>) pg_catalog.now()
       AND pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    SELECT x.id, x.status, x.skill INTO n FROM @extschema@.need x WHERE x.id OPERATOR(pg_catalog.=) NEW.need FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'need % does not exist', COALESCE(NEW.need::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a need of gridgov.need, by its id.';
    END IF;
    IF n.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'need % is %, not open', n.id, n.status
            USING ERRCODE = '55000', HINT = 'Only an open need is taken.';
    END IF;
    SELECT x.id, x.skill, x.available, x.capacity, p.person INTO f
      FROM @extschema@.offer x JOIN @extschema@.post p ON p.id OPERATOR(pg_catalog.=) x.post
     WHERE x.id OPERATOR(pg_catalog.=) NEW.offer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'offer % does not exist', COALESCE(NEW.offer::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name an offer of gridgov.offer, by its id (match_need proposes them).';
    END IF;
    -- a lock of the offer orders its takes, so its capacity holds (an
    -- advisory one: a handler who takes needs may not update offers, and a
    -- row lock would need that); the count below is read after it, by a
    -- statement of its own (a new snapshot in READ COMMITTED)
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.offer'),
                                             (f.id OPERATOR(pg_catalog.%) 2147483647)::integer);
    IF f.skill OPERATOR(pg_catalog.<>) n.skill OR NOT f.available OPERATOR(pg_catalog.@>) pg_catalog.now() THEN
        RAISE EXCEPTION 'offer % (%) does not meet need % (%) now', f.id, f.skill, n.id, n.skill
            USING ERRCODE = '22023', HINT = 'Take it through an available offer of its skill: gridgov.match_need() proposes them.';
    END IF;
    IF (SELECT pg_catalog.count(*) FROM @extschema@.need_take t
         WHERE t.offer OPERATOR(pg_catalog.=) f.id AND t.met_at IS NULL) OPERATOR(pg_catalog.>=) f.capacity THEN
        RAISE EXCEPTION 'offer % has taken % needs not yet met: it is full', f.id, f.capacity
            USING ERRCODE = '55000', HINT = 'Meet one of them first (meet_need), or take another offer.';
    END IF;
    IF NEW.person IS DISTINCT FROM f.person AND NEW.person IS NOT NULL THEN
        RAISE EXCEPTION 'need % is taken through offer % by its holder, person %, not person %', n.id, f.id, f.person, NEW.person
            USING ERRCODE = '22023', HINT = 'Leave person out: the take names the offer''s holder.';
    END IF;
    NEW.person := f.person;
    NEW.taken_at := pg_catalog.now();
    NEW.taken_by := CURRENT_USER;
    NEW.met_at := NULL;
    UPDATE @extschema@.need x SET status = 'taken' WHERE x.id OPERATOR(pg_catalog.=) n.id;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.need_take_check() IS
    'BEFORE INSERT OR UPDATE trigger on need_take: a take of an open need (locked) through an available offer of its skill with room (under the offer''s lock), by its holder, now, the need then taken; a restored one kept; a take keeps its need, offer, holder and time, and is met with its need';
-- end of issue 17 (met_at)

-- issue 19, item 3: a gap between the grids is not an error.  A point no
-- grid covers goes to the lowest unit covering it (community, else
-- subdistrict, else district), flagged in cases.grid_gap and listed in the
-- view grid_gaps; only a point outside every unit is refused (GG003).
-- The column comes without a default value for the rows already there: a
-- column with one would have to be filled into every row of cases, which
-- the SQL functions over its row type (content_digest) forbid.  Those rows
-- keep NULL, and none of them is a gap (a gap refused intake before).
ALTER TABLE @extschema@.cases ADD COLUMN grid_gap boolean;
ALTER TABLE @extschema@.cases ALTER COLUMN grid_gap SET DEFAULT false;
COMMENT ON COLUMN @extschema@.cases.grid_gap IS
    'true when no current grid covered location at intake and the case went to the lowest unit covering it (community, else subdistrict, else district): a gap for the grid office (view grid_gaps); set by the engine; NULL for cases reported before 0.8.0';
COMMENT ON COLUMN @extschema@.cases.unit IS
    'the unit the case belongs to: the grid (level 6) covering location, in a gap between the grids the lowest unit covering it (grid_gap), unless given at intake';
-- The move functions and case_clock(as_of) read cases.* through SQL bodies,
-- which PostgreSQL stores with the columns of the time: made again, they
-- return the new column too, as a fresh install's do.
CREATE OR REPLACE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                   handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor, handler => handler); END;
CREATE OR REPLACE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
CREATE OR REPLACE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                     handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point,
                                                   handler => handler); END;
CREATE OR REPLACE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL,
                                  handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched',
                                                   handler => handler); END;
CREATE OR REPLACE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
CREATE OR REPLACE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
CREATE OR REPLACE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
CREATE OR REPLACE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
CREATE OR REPLACE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;
CREATE OR REPLACE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text, deadline_provisional boolean)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END,
           s.deadline_provisional
      FROM (SELECT c.*,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;
-- the grid office's list of gaps (grid_gaps)
CREATE INDEX cases_grid_gap ON @extschema@.cases (reported_at) WHERE grid_gap;
-- The gaps between the grids, for the grid office and BI tools: the cases
-- routed to a community (or a unit above) because no grid covered their
-- point, and whether a grid covers that point now.  Plain types only.
CREATE VIEW @extschema@.grid_gaps WITH (security_invoker = true) AS
SELECT c.id, c.district::text AS district, c.unit::text AS unit, u.name AS unit_name, u.level AS unit_level,
       c.category, c.status, c.reported_at, c.location,
       NOT EXISTS (SELECT FROM @extschema@.unit g
                    WHERE g.level OPERATOR(pg_catalog.=) 6 AND ST_Covers(g.boundary, c.location)
                      AND @extschema@.unit_is_current(g)) AS gap_open
  FROM @extschema@.cases c
  JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) c.unit
 WHERE c.grid_gap;
COMMENT ON VIEW @extschema@.grid_gaps IS
    'cases no grid covered at intake, routed to the lowest unit covering their point (cases.grid_gap): the gaps between the grids, for the grid office';
COMMENT ON COLUMN @extschema@.grid_gaps.id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.grid_gaps.district IS 'the case''s district, its gridcode as text';
COMMENT ON COLUMN @extschema@.grid_gaps.unit IS 'the unit the case was routed to (a community, subdistrict or district), its gridcode as text';
COMMENT ON COLUMN @extschema@.grid_gaps.unit_name IS 'that unit''s name';
COMMENT ON COLUMN @extschema@.grid_gaps.unit_level IS 'that unit''s level: 5 community, 4 subdistrict, 3 district';
COMMENT ON COLUMN @extschema@.grid_gaps.category IS 'the case''s category';
COMMENT ON COLUMN @extschema@.grid_gaps.status IS 'the case''s status';
COMMENT ON COLUMN @extschema@.grid_gaps.reported_at IS 'when it was reported';
COMMENT ON COLUMN @extschema@.grid_gaps.location IS 'where it happened: the point in the gap (SRID 4326)';
COMMENT ON COLUMN @extschema@.grid_gaps.gap_open IS
    'true while no current grid covers the point: the gap is still there; false once a grid was drawn over it';
GRANT SELECT ON @extschema@.grid_gaps TO gridgov_reader;


-- issue 18, item 5: what GIS tools trip on.  risk_map gets a unique integer
-- first column, id (QGIS takes a view's first column as its key), and the
-- registry a map layer with one, unit_map; risk_geojson's outer rings
-- counter-clockwise (RFC 7946); risk_tile_params and risk_cell_tile_params,
-- the tile functions with martin's (z, x, y, json) signature.
DROP VIEW @extschema@.risk_map;
CREATE OR REPLACE FUNCTION @extschema@.risk_geojson(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ch.boundary), 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', @extschema@.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM @extschema@.children(unit) ch
              LEFT JOIN @extschema@.risk_scores(unit, as_of, LEAST(@extschema@.level(unit) OPERATOR(pg_catalog.+) 1, 7)) s
                     ON s.unit OPERATOR(@extschema@.=) ch.code) f
     WHERE @extschema@.check_risk_time(as_of);
END;
COMMENT ON FUNCTION @extschema@.risk_geojson(@extschema@.gridcode, timestamptz) IS
    'GeoJSON FeatureCollection of a unit''s current children with their risk score, colour and counted cases at as_of (default now)';
CREATE FUNCTION @extschema@.risk_tile_params(z integer, x integer, y integer, query_params json)
    RETURNS bytea
    LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
    SELECT @extschema@.risk_tile(z, x, y,
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'level')::integer, 6),
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'as_of')::timestamptz, pg_catalog.now()));
END;
COMMENT ON FUNCTION @extschema@.risk_tile_params(integer, integer, integer, json) IS
    'risk_tile for martin: the tile z/x/y with level (default 6) and as_of (default now) from the URL''s query parameters in query_params';

CREATE FUNCTION @extschema@.risk_cell_tile_params(z integer, x integer, y integer, query_params json)
    RETURNS bytea
    LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE
BEGIN ATOMIC
    SELECT @extschema@.risk_cell_tile(z, x, y,
               (query_params OPERATOR(pg_catalog.->>) 'cell_level')::integer,
               COALESCE((query_params OPERATOR(pg_catalog.->>) 'as_of')::timestamptz, pg_catalog.now()));
END;
COMMENT ON FUNCTION @extschema@.risk_cell_tile_params(integer, integer, integer, json) IS
    'risk_cell_tile for martin: the tile z/x/y with cell_level (default by zoom) and as_of (default now) from the URL''s query parameters in query_params';
CREATE VIEW @extschema@.risk_map AS
SELECT u.code::bigint AS id,
       u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM @extschema@.unit a
         WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND @extschema@.unit_is_current(a.valid_to)) AS breadcrumb,
       COALESCE(s.score, 0)::numeric AS score,
       @extschema@.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM @extschema@.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM @extschema@.unit p
              CROSS JOIN LATERAL @extschema@.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND @extschema@.unit_is_current(p.valid_to)) s
         ON s.unit OPERATOR(@extschema@.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND @extschema@.unit_is_current(u.valid_to);
COMMENT ON VIEW @extschema@.risk_map IS
    'risk map now: every current unit down to the grids with its risk score, warning colour, counted cases and boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN @extschema@.risk_map.id IS
    'the unit''s code as one 19-digit number (gridcode''s bigint): a unique integer key, the first column, which QGIS offers as the view''s key';
COMMENT ON COLUMN @extschema@.risk_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN @extschema@.risk_map.name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.risk_map.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN @extschema@.risk_map.level_name IS 'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN @extschema@.risk_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN @extschema@.risk_map.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN @extschema@.risk_map.score IS
    'sum over the unit''s subtree of weight(severity) * 2^(-(now - reported_at) / half_life), a numeric (15 significant digits); see risk()';
COMMENT ON COLUMN @extschema@.risk_map.color IS 'blue, yellow, orange or red by the thresholds in force at the unit''s level';
COMMENT ON COLUMN @extschema@.risk_map.cases IS 'cases counted in the score (reported by now, not rejected or merged)';
COMMENT ON COLUMN @extschema@.risk_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';
ALTER VIEW @extschema@.risk_map SET (security_invoker = true);
CREATE VIEW @extschema@.unit_map WITH (security_invoker = true) AS
SELECT u.code::bigint AS id,
       u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       u.properties,
       u.valid_from,
       u.valid_to,
       u.boundary
  FROM @extschema@.unit u;
COMMENT ON VIEW @extschema@.unit_map IS
    'the unit registry as a map layer for QGIS and GDAL: a unique integer key first, codes as text, the boundary (MultiPolygon, SRID 4326)';
COMMENT ON COLUMN @extschema@.unit_map.id IS
    'the unit''s code as one 19-digit number (gridcode''s bigint): a unique integer key, the first column, which QGIS offers as the view''s key';
COMMENT ON COLUMN @extschema@.unit_map.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN @extschema@.unit_map.name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.unit_map.level IS 'the unit''s level: 1 province ... 7 building';
COMMENT ON COLUMN @extschema@.unit_map.level_name IS
    'the level''s name: province, prefecture, county, township, village, grid or building';
COMMENT ON COLUMN @extschema@.unit_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN @extschema@.unit_map.properties IS 'the unit''s free-form attributes';
COMMENT ON COLUMN @extschema@.unit_map.valid_from IS 'when this version of the unit took effect';
COMMENT ON COLUMN @extschema@.unit_map.valid_to IS 'NULL while the unit is current';
COMMENT ON COLUMN @extschema@.unit_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';
GRANT SELECT ON @extschema@.risk_map, @extschema@.unit_map TO gridgov_reader;

-- issue 18, item 8: the KPIs as published.  In C: 应结案数 (due_to_close)
-- counts the verified cases too, which wait only for closure, and
-- 按期结案率 (on_time_rate) is closed_on_time / due_to_close; the figure it
-- was, closed_on_time / closed, keeps its own name, on_time_share.  States
-- stored before count no verified case as due: refresh_kpi_daily recounts.
CREATE FUNCTION @extschema@.on_time_share(@extschema@.kpi_state) RETURNS numeric
    AS 'MODULE_PATHNAME', 'kpi_on_time_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.on_time_share(@extschema@.kpi_state) IS
    'closed_on_time / closed: the share of the closed cases closed on time (the project''s own figure, not the published 按期结案率)';
COMMENT ON FUNCTION @extschema@.due_to_close(@extschema@.kpi_state) IS
    '应结案数: closed cases, verified cases waiting for closure, and accepted open cases overdue at as_of';
COMMENT ON FUNCTION @extschema@.closure_rate(@extschema@.kpi_state) IS
    '结案率 (the published formula): closed / due_to_close';
COMMENT ON FUNCTION @extschema@.on_time_rate(@extschema@.kpi_state) IS
    '按期结案率 (the published formula): closed_on_time / due_to_close';
COMMENT ON COLUMN @extschema@.daily_flow.due_to_close IS
    '应结案数: of them, cases closed, cases verified and waiting for closure, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.due_to_close IS
    '应结案数: cases closed, cases verified and waiting for closure, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.on_time_rate IS
    '按期结案率 (the published formula): closed_on_time / due_to_close, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.on_time_rate IS
    '按期结案率 (the published formula): closed on time / due to close, a share 0 to 1 (4 places)';

-- issue 18, item 6: days in reverse order are an error in kpi_by_unit
-- (before, no rows), through the check refresh_kpi_daily made, now one
-- function for both.
CREATE FUNCTION @extschema@.check_days(from_day date, to_day date) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'first day % is after last day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the days in order; both are included.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_days(date, date) IS
    'true for a period of days in order (one day included); an error (22023) for a first day after the last';
CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := @extschema@.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_days(from_day, to_day);
    -- one refresh at a time; readers are not blocked
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM @extschema@.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
      FROM @extschema@.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    DELETE FROM @extschema@.kpi_handler_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_handler_daily (day, handler, kpi)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.handler, @extschema@.kpi(c, as_of)
      FROM @extschema@.cases c
     WHERE c.handler IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2;
    RETURN written;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.kpi_by_unit(from_day date, to_day date)
    RETURNS TABLE (unit text, name text, level integer, level_name text, parent text, breadcrumb text,
                   received bigint, accepted bigint, dispatched bigint, due_to_close bigint,
                   closed bigint, closure_rate numeric, closed_on_time bigint, on_time_rate numeric,
                   reworked bigint, rework_rate numeric, extended bigint, extension_rate numeric,
                   returned bigint, escalated bigint, escalation_rate numeric,
                   settled_in_community bigint, community_share numeric,
                   open_at_refresh bigint, overdue_at_refresh bigint,
                   satisfaction_mean numeric, satisfied_share numeric,
                   accept_hours_p50 numeric, accept_hours_p90 numeric,
                   close_hours_p50 numeric, close_hours_p90 numeric)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 500 SET search_path FROM CURRENT
    -- the merges' estimated cost calls for JIT compilation, which costs
    -- several times what the merges do
    SET jit = off
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    PERFORM @extschema@.check_days(from_day, to_day);
    RETURN QUERY
    SELECT m.unit::text, u.name, m.level, @extschema@.level_name(m.unit), @extschema@.parent(m.unit)::text,
           -- breadcrumb(), as an index scan per row
           (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
              FROM @extschema@.unit a
             WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
                   SELECT @extschema@.ancestor(m.unit, l.level)
                     FROM pg_catalog.generate_series(1, m.level) AS l(level)))
               AND @extschema@.unit_is_current(a.valid_to)),
           @extschema@.received(m.kpi), @extschema@.accepted(m.kpi), @extschema@.dispatched(m.kpi),
           @extschema@.due_to_close(m.kpi), @extschema@.closed(m.kpi),
           pg_catalog.round(@extschema@.closure_rate(m.kpi), 4),
           @extschema@.closed_on_time(m.kpi), pg_catalog.round(@extschema@.on_time_rate(m.kpi), 4),
           @extschema@.reworked(m.kpi), pg_catalog.round(@extschema@.rework_rate(m.kpi), 4),
           @extschema@.extended(m.kpi), pg_catalog.round(@extschema@.extension_rate(m.kpi), 4),
           @extschema@.returned(m.kpi), @extschema@.escalated(m.kpi),
           pg_catalog.round(@extschema@.escalation_rate(m.kpi), 4),
           @extschema@.settled_in_community(m.kpi), pg_catalog.round(@extschema@.community_share(m.kpi), 4),
           @extschema@.open_now(m.kpi), @extschema@.overdue_now(m.kpi),
           pg_catalog.round(@extschema@.satisfaction_mean(m.kpi), 2),
           pg_catalog.round(@extschema@.satisfied_share(m.kpi), 4),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.accept_hours(m.kpi, 0.9)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.5)::numeric, 2),
           pg_catalog.round(@extschema@.close_hours(m.kpi, 0.9)::numeric, 2)
      FROM (SELECT l.level, @extschema@.ancestor(p.unit, l.level) AS unit, @extschema@.kpi_merge(p.kpi) AS kpi
              -- the period's rows merged per unit; districts also make
              -- their city and province
              FROM (SELECT d.unit, d.level, @extschema@.kpi_merge(d.kpi) AS kpi
                      FROM @extschema@.kpi_unit_daily d
                     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
                     GROUP BY d.unit, d.level) p
             CROSS JOIN LATERAL pg_catalog.generate_series(CASE WHEN p.level OPERATOR(pg_catalog.=) 3 THEN 1 ELSE p.level END,
                                                           p.level) AS l(level)
             GROUP BY l.level, 2) m
      LEFT JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) m.unit
     ORDER BY m.unit;
END;
$$;

-- Mediation and online judicial confirmation (issue 16, item 5): disputes
-- marked on their categories, the mediator role, the escalation sweep that
-- also climbs missed confirmations, and the mediation tables.
ALTER TABLE @extschema@.category ADD COLUMN dispute boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN @extschema@.category.dispute IS
    'true for disputes (纠纷) between parties, whose cases may go to mediation (gridgov.mediation)';
INSERT INTO @extschema@.role (code, name, class) VALUES ('mediator', '人民调解员', 'staff');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.role',
           'WHERE code OPERATOR(pg_catalog.<>) ALL ('
           OPERATOR(pg_catalog.||) pg_catalog.quote_literal(pg_catalog.array_agg(code ORDER BY code)::text)
           OPERATOR(pg_catalog.||) '::pg_catalog.text[])')
  FROM @extschema@.role;
-- The escalation sweep: the cases' stages and the judicial confirmations
-- (sql/services.sql, created after this file: hence plpgsql, bound when run).
CREATE OR REPLACE FUNCTION @extschema@.job_escalation_sweep() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN (SELECT pg_catalog.count(*) FROM @extschema@.escalate_overdue(pg_catalog.now()))
           OPERATOR(pg_catalog.+)
           (SELECT pg_catalog.count(*) FROM @extschema@.escalate_overdue_confirmations(pg_catalog.now()));
END;
$$;
COMMENT ON FUNCTION @extschema@.job_escalation_sweep() IS
    'job: escalate every case past its stage deadline (escalate_overdue at now) and every judicial confirmation past its deadline (escalate_overdue_confirmations); returns how many';

-- A dispute (a case of a category marked dispute) is mediated in its
-- community by a person holding a mediator post there, with its parties,
-- in sessions, until an agreement is reached or the mediation fails.  An
-- agreement can be sent for online judicial confirmation: a stage with a
-- limit on the clock (30 minutes, elapsed time, not working days) that the
-- escalation sweep (job_escalation_sweep) climbs one level, with a fresh
-- limit, when it is missed, as it climbs a case's stages.  Refusals with
-- no standard SQLSTATE are GG013.  A time other than now() (at) is an
-- import, from a member of gridgov_importer only.
CREATE TABLE @extschema@.mediation (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id         bigint NOT NULL,
    unit            @extschema@.gridcode NOT NULL REFERENCES @extschema@.unit (code),
    mediator        bigint NOT NULL REFERENCES @extschema@.person (id),
    parties         bigint[] NOT NULL
                    CONSTRAINT mediation_two_parties CHECK (pg_catalog.cardinality(parties) OPERATOR(pg_catalog.>=) 2),
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT mediation_status CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'settled', 'failed'])),
    opened_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    terms           text,
    broken_at       timestamptz,
    note            text,
    CONSTRAINT mediation_once_per_case UNIQUE (case_id),
    CONSTRAINT mediation_closed CHECK ((status OPERATOR(pg_catalog.=) 'open') OPERATOR(pg_catalog.=) (closed_at IS NULL)),
    CONSTRAINT mediation_agreement CHECK ((status OPERATOR(pg_catalog.=) 'settled') OPERATOR(pg_catalog.=) (terms IS NOT NULL)),
    CONSTRAINT mediation_broken CHECK (broken_at IS NULL OR status OPERATOR(pg_catalog.=) 'settled')
);
COMMENT ON TABLE @extschema@.mediation IS
    'mediations (人民调解) of dispute cases: parties, a mediator holding a mediator post over the case''s unit, the outcome and the agreement';
COMMENT ON COLUMN @extschema@.mediation.id IS 'the mediation''s number';
COMMENT ON COLUMN @extschema@.mediation.case_id IS 'the dispute case mediated (a case of a category with dispute true), once';
COMMENT ON COLUMN @extschema@.mediation.unit IS 'the case''s unit, which row-level security and the KPIs go by';
COMMENT ON COLUMN @extschema@.mediation.mediator IS 'the mediator: a person holding a mediator post over the unit when it opened';
COMMENT ON COLUMN @extschema@.mediation.parties IS 'the parties (gridgov.person), two at least';
COMMENT ON COLUMN @extschema@.mediation.status IS 'open, settled (an agreement was reached) or failed';
COMMENT ON COLUMN @extschema@.mediation.opened_at IS 'when it opened';
COMMENT ON COLUMN @extschema@.mediation.closed_at IS 'when it was settled or failed; NULL while open';
COMMENT ON COLUMN @extschema@.mediation.terms IS 'the agreement''s terms (调解协议), once settled';
COMMENT ON COLUMN @extschema@.mediation.broken_at IS 'when the agreement was found broken (a party did not keep it); NULL while kept';
COMMENT ON COLUMN @extschema@.mediation.note IS 'why it failed, or why the agreement was broken';
CREATE INDEX mediation_unit_idx ON @extschema@.mediation (unit);

CREATE TABLE @extschema@.mediation_session (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    mediation       bigint NOT NULL REFERENCES @extschema@.mediation (id),
    during          tstzrange NOT NULL
                    CONSTRAINT mediation_session_bounded CHECK (NOT pg_catalog.isempty(during)
                        AND NOT pg_catalog.lower_inf(during) AND NOT pg_catalog.upper_inf(during)),
    note            text
);
COMMENT ON TABLE @extschema@.mediation_session IS 'the sessions of open mediations';
COMMENT ON COLUMN @extschema@.mediation_session.id IS 'the session''s number';
COMMENT ON COLUMN @extschema@.mediation_session.mediation IS 'the mediation, open when the session was recorded';
COMMENT ON COLUMN @extschema@.mediation_session.during IS 'when it was held';
COMMENT ON COLUMN @extschema@.mediation_session.note IS 'what happened, free text';
CREATE INDEX mediation_session_mediation_idx ON @extschema@.mediation_session (mediation);

-- One confirmation per agreement: pending until the court decides; the
-- sweep climbs a missed one from the community's confirmation room (5) to
-- the subdistrict's (4) and the district court (3), each with a fresh
-- limit; a broken agreement withdraws a pending one.
CREATE TABLE @extschema@.judicial_confirmation (
    mediation       bigint PRIMARY KEY REFERENCES @extschema@.mediation (id),
    requested_at    timestamptz NOT NULL,
    time_limit      interval NOT NULL DEFAULT interval '30 minutes'
                    CONSTRAINT judicial_confirmation_limit_positive CHECK (time_limit OPERATOR(pg_catalog.>) interval '0'),
    level           integer NOT NULL DEFAULT 5
                    CONSTRAINT judicial_confirmation_level CHECK (level BETWEEN 3 AND 5),
    deadline        timestamptz NOT NULL,
    escalations     integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'pending'
                    CONSTRAINT judicial_confirmation_status CHECK (status OPERATOR(pg_catalog.=) ANY
                        (ARRAY['pending', 'confirmed', 'rejected', 'withdrawn'])),
    decided_at      timestamptz,
    CONSTRAINT judicial_confirmation_decided CHECK ((status OPERATOR(pg_catalog.=) 'pending') OPERATOR(pg_catalog.=) (decided_at IS NULL))
);
COMMENT ON TABLE @extschema@.judicial_confirmation IS
    'online judicial confirmations (在线司法确认) of agreements: a stage with a limit on the clock, escalated by the sweep when missed';
COMMENT ON COLUMN @extschema@.judicial_confirmation.mediation IS 'the settled mediation whose agreement is confirmed';
COMMENT ON COLUMN @extschema@.judicial_confirmation.requested_at IS 'when it was sent to the court';
COMMENT ON COLUMN @extschema@.judicial_confirmation.time_limit IS 'its limit on the clock (elapsed time), 30 minutes by default';
COMMENT ON COLUMN @extschema@.judicial_confirmation.level IS
    'where it waits: 5 the community''s confirmation room, 4 the subdistrict''s, 3 the district court';
COMMENT ON COLUMN @extschema@.judicial_confirmation.deadline IS 'when the current level must decide: requested_at, or the last escalation, plus time_limit';
COMMENT ON COLUMN @extschema@.judicial_confirmation.escalations IS 'times the sweep climbed it a level for a missed deadline';
COMMENT ON COLUMN @extschema@.judicial_confirmation.status IS 'pending, confirmed, rejected, or withdrawn (the agreement was broken first)';
COMMENT ON COLUMN @extschema@.judicial_confirmation.decided_at IS 'when it was decided or withdrawn; NULL while pending';
CREATE INDEX judicial_confirmation_due ON @extschema@.judicial_confirmation (deadline)
    WHERE status OPERATOR(pg_catalog.=) 'pending' AND level OPERATOR(pg_catalog.>) 3;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.mediation', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.mediation_session', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.judicial_confirmation', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.mediation', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('@extschema@.mediation_session', 'id')::regclass, '');

-- The time of a mediation step: now, or an imported time from a member of
-- gridgov_importer.
CREATE FUNCTION @extschema@.mediation_time(at timestamptz)
    RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF at IS NULL OR at OPERATOR(pg_catalog.=) pg_catalog.now() THEN
        RETURN pg_catalog.now();
    END IF;
    IF NOT pg_catalog.pg_has_role(CURRENT_USER, 'gridgov_importer', 'MEMBER') THEN
        RAISE EXCEPTION 'a mediation step at % other than now is an import', at
            USING ERRCODE = '42501', HINT = 'Leave at out, or import as a member of gridgov_importer.';
    END IF;
    RETURN at;
END;
$$;
COMMENT ON FUNCTION @extschema@.mediation_time(timestamptz) IS
    'the time of a mediation step: now() when at is NULL or now, else at for a member of gridgov_importer (42501 otherwise)';

-- The mediation of a case, locked, or GG013 naming the case: what every
-- step after opening starts from.
CREATE FUNCTION @extschema@.mediation_locked(mediation_id bigint)
    RETURNS @extschema@.mediation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation;
BEGIN
    SELECT * INTO m FROM @extschema@.mediation x WHERE x.id OPERATOR(pg_catalog.=) mediation_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mediation % does not exist', COALESCE(mediation_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Name a mediation of gridgov.mediation, by its id.';
    END IF;
    RETURN m;
END;
$$;
COMMENT ON FUNCTION @extschema@.mediation_locked(bigint) IS
    'the mediation with that id, locked FOR UPDATE (so that concurrent steps on it run one after the other); 23503 when there is none';

-- Open the mediation of a dispute case.
CREATE FUNCTION @extschema@.open_mediation(case_id bigint, mediator bigint, parties bigint[],
                                           at timestamptz DEFAULT NULL)
    RETURNS @extschema@.mediation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c @extschema@.cases;
    is_dispute boolean;
    day date;
    made @extschema@.mediation;
    opened constant timestamptz := @extschema@.mediation_time(at);
BEGIN
    SELECT * INTO c FROM @extschema@.cases x WHERE x.id OPERATOR(pg_catalog.=) open_mediation.case_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', COALESCE(case_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Mediate a case of gridgov.cases, by its id.';
    END IF;
    SELECT k.dispute INTO is_dispute FROM @extschema@.category k WHERE k.code OPERATOR(pg_catalog.=) c.category;
    IF NOT is_dispute THEN
        RAISE EXCEPTION 'case % is of category %, not a dispute', c.id, c.category
            USING ERRCODE = 'GG013', HINT = 'Mediate cases of a category marked dispute in gridgov.category.';
    END IF;
    IF c.closed_at IS NOT NULL AND c.closed_at OPERATOR(pg_catalog.<=) opened THEN
        RAISE EXCEPTION 'case % is %', c.id, c.status
            USING ERRCODE = 'GG013', HINT = 'Mediate a case that is still open.';
    END IF;
    IF parties IS NULL OR pg_catalog.cardinality(parties) OPERATOR(pg_catalog.<) 2
       OR EXISTS (SELECT FROM pg_catalog.unnest(parties) p(person) WHERE p.person IS NULL)
       OR (SELECT pg_catalog.count(DISTINCT p.person) FROM pg_catalog.unnest(parties) p(person))
          OPERATOR(pg_catalog.<>) pg_catalog.cardinality(parties) THEN
        RAISE EXCEPTION 'a mediation needs two different parties at least, not %', COALESCE(parties::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give the parties as people''s ids, such as ARRAY[2, 3].';
    END IF;
    IF mediator OPERATOR(pg_catalog.=) ANY (parties) THEN
        RAISE EXCEPTION 'person % cannot mediate a dispute they are a party to', mediator
            USING ERRCODE = '22023', HINT = 'Choose another mediator.';
    END IF;
    day := (opened AT TIME ZONE @extschema@.calendar_timezone())::date;
    IF NOT EXISTS (SELECT FROM @extschema@.post p
                    WHERE p.person OPERATOR(pg_catalog.=) open_mediation.mediator
                      AND p.role OPERATOR(pg_catalog.=) 'mediator'
                      AND p.valid OPERATOR(pg_catalog.@>) day
                      AND (c.unit OPERATOR(@extschema@.<@) p.unit
                           OR p.unit IS NULL
                              AND EXISTS (SELECT FROM @extschema@.organization_unit o
                                           WHERE o.organization OPERATOR(pg_catalog.=) p.organization
                                             AND o.valid OPERATOR(pg_catalog.@>) day
                                             AND c.unit OPERATOR(@extschema@.<@) o.unit))) THEN
        RAISE EXCEPTION 'person % holds no mediator post over unit % on %', COALESCE(mediator::text, 'NULL'), c.unit, day
            USING ERRCODE = 'GG013', HINT = 'A mediator holds a post of role mediator on the case''s unit or above it, or in an organization covering it.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.mediation m WHERE m.case_id OPERATOR(pg_catalog.=) c.id) THEN
        RAISE EXCEPTION 'case % is already mediated', c.id
            USING ERRCODE = '23505', CONSTRAINT = 'mediation_once_per_case', HINT = 'A case is mediated once: see gridgov.mediation.';
    END IF;
    INSERT INTO @extschema@.mediation AS m (case_id, unit, mediator, parties, opened_at)
    VALUES (c.id, c.unit, open_mediation.mediator, open_mediation.parties, opened)
    RETURNING m.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.open_mediation(bigint, bigint, bigint[], timestamptz) IS
    'open the mediation of an open dispute case with its parties (two different people at least) and a mediator holding a mediator post over the case''s unit; once per case';

-- Record a session of an open mediation.
CREATE FUNCTION @extschema@.hold_session(mediation_id bigint, during tstzrange, note text DEFAULT NULL)
    RETURNS @extschema@.mediation_session
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation := @extschema@.mediation_locked(mediation_id);
    made @extschema@.mediation_session;
BEGIN
    IF m.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'mediation % (case %) is closed: %', m.id, m.case_id, m.status
            USING ERRCODE = 'GG013', HINT = 'Sessions are held while a mediation is open.';
    END IF;
    IF during IS NULL OR pg_catalog.isempty(during) OR pg_catalog.lower_inf(during) OR pg_catalog.upper_inf(during)
       OR pg_catalog.lower(during) OPERATOR(pg_catalog.<) m.opened_at THEN
        RAISE EXCEPTION 'a session needs a time range with a start and an end, from the mediation''s opening (%), not %',
                        m.opened_at, COALESCE(during::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give a range such as [2030-06-03 14:00+08, 2030-06-03 16:00+08).';
    END IF;
    INSERT INTO @extschema@.mediation_session AS s (mediation, during, note)
    VALUES (m.id, hold_session.during, hold_session.note)
    RETURNING s.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.hold_session(bigint, tstzrange, text) IS
    'record a session of an open mediation (GG013 once it is closed)';

-- Close a mediation: settled with an agreement's terms, or failed (terms
-- NULL, note the reason).  A session must have been held.
CREATE FUNCTION @extschema@.close_mediation(mediation_id bigint, terms text, note text DEFAULT NULL,
                                            at timestamptz DEFAULT NULL)
    RETURNS @extschema@.mediation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation := @extschema@.mediation_locked(mediation_id);
    closed constant timestamptz := @extschema@.mediation_time(at);
BEGIN
    IF m.status OPERATOR(pg_catalog.<>) 'open' THEN
        RAISE EXCEPTION 'mediation % (case %) is already closed: %', m.id, m.case_id, m.status
            USING ERRCODE = 'GG013', HINT = 'A mediation closes once.';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.mediation_session s WHERE s.mediation OPERATOR(pg_catalog.=) m.id) THEN
        RAISE EXCEPTION 'mediation % (case %) has held no session', m.id, m.case_id
            USING ERRCODE = 'GG013', HINT = 'Record its sessions with gridgov.hold_session() first.';
    END IF;
    IF terms OPERATOR(pg_catalog.=) '' OR terms IS NULL AND note IS NULL OR closed OPERATOR(pg_catalog.<) m.opened_at THEN
        RAISE EXCEPTION 'a mediation closes with the agreement''s terms, or failed with a reason, after it opened'
            USING ERRCODE = '22023', HINT = 'Give terms => ''...'' when settled, or terms => NULL, note => ''why'' when it failed.';
    END IF;
    UPDATE @extschema@.mediation x
       SET status = CASE WHEN close_mediation.terms IS NULL THEN 'failed' ELSE 'settled' END,
           closed_at = closed, terms = close_mediation.terms, note = close_mediation.note
     WHERE x.id OPERATOR(pg_catalog.=) m.id
    RETURNING x.* INTO m;
    RETURN m;
END;
$$;
COMMENT ON FUNCTION @extschema@.close_mediation(bigint, text, text, timestamptz) IS
    'close an open mediation that held a session: settled with the agreement''s terms, or failed (terms NULL) with a note';

-- Send an agreement for online judicial confirmation.
CREATE FUNCTION @extschema@.request_confirmation(mediation_id bigint, time_limit interval DEFAULT interval '30 minutes',
                                                 at timestamptz DEFAULT NULL)
    RETURNS @extschema@.judicial_confirmation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation := @extschema@.mediation_locked(mediation_id);
    requested constant timestamptz := @extschema@.mediation_time(at);
    made @extschema@.judicial_confirmation;
BEGIN
    IF m.status OPERATOR(pg_catalog.<>) 'settled' THEN
        RAISE EXCEPTION 'mediation % (case %) has no agreement: it is %', m.id, m.case_id, m.status
            USING ERRCODE = 'GG013', HINT = 'Send an agreement for confirmation once the mediation is settled.';
    END IF;
    IF m.broken_at IS NOT NULL THEN
        RAISE EXCEPTION 'the agreement of mediation % (case %) was broken at %', m.id, m.case_id, m.broken_at
            USING ERRCODE = 'GG013', HINT = 'A broken agreement is not confirmed.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.judicial_confirmation j WHERE j.mediation OPERATOR(pg_catalog.=) m.id) THEN
        RAISE EXCEPTION 'the agreement of mediation % (case %) has already been sent for confirmation', m.id, m.case_id
            USING ERRCODE = '23505', HINT = 'An agreement is sent once: see gridgov.judicial_confirmation.';
    END IF;
    IF time_limit IS NULL OR time_limit OPERATOR(pg_catalog.<=) interval '0' OR requested OPERATOR(pg_catalog.<) m.closed_at THEN
        RAISE EXCEPTION 'a confirmation needs a positive limit and a time after the agreement (%)', m.closed_at
            USING ERRCODE = '22023', HINT = 'Leave time_limit at its 30 minutes, or give a positive interval.';
    END IF;
    INSERT INTO @extschema@.judicial_confirmation AS j (mediation, requested_at, time_limit, deadline)
    VALUES (m.id, requested, request_confirmation.time_limit, requested OPERATOR(pg_catalog.+) request_confirmation.time_limit)
    RETURNING j.* INTO made;
    RETURN made;
END;
$$;
COMMENT ON FUNCTION @extschema@.request_confirmation(bigint, interval, timestamptz) IS
    'send the agreement of a settled mediation for online judicial confirmation, due within time_limit (30 minutes) on the clock; once';

-- Decide a pending confirmation: confirmed or rejected.  The mediation's
-- lock orders it against a concurrent decision or breach.
CREATE FUNCTION @extschema@.confirm_agreement(mediation_id bigint, confirmed boolean DEFAULT true,
                                              at timestamptz DEFAULT NULL)
    RETURNS @extschema@.judicial_confirmation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation := @extschema@.mediation_locked(mediation_id);
    decided constant timestamptz := @extschema@.mediation_time(at);
    j @extschema@.judicial_confirmation;
BEGIN
    IF m.status OPERATOR(pg_catalog.<>) 'settled' THEN
        RAISE EXCEPTION 'mediation % (case %) has no agreement: it is %', m.id, m.case_id, m.status
            USING ERRCODE = 'GG013', HINT = 'Only an agreement sent for confirmation is confirmed.';
    END IF;
    SELECT * INTO j FROM @extschema@.judicial_confirmation x WHERE x.mediation OPERATOR(pg_catalog.=) m.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the agreement of mediation % (case %) was not sent for confirmation', m.id, m.case_id
            USING ERRCODE = 'GG013', HINT = 'Send it with gridgov.request_confirmation() first.';
    END IF;
    IF j.status OPERATOR(pg_catalog.<>) 'pending' THEN
        RAISE EXCEPTION 'the confirmation of mediation % (case %) is already %', m.id, m.case_id, j.status
            USING ERRCODE = 'GG013', HINT = 'A confirmation is decided once.';
    END IF;
    IF confirmed IS NULL OR decided OPERATOR(pg_catalog.<) j.requested_at THEN
        RAISE EXCEPTION 'a decision is confirmed true or false, after the request (%)', j.requested_at
            USING ERRCODE = '22023', HINT = 'Give confirmed => true or false.';
    END IF;
    UPDATE @extschema@.judicial_confirmation x
       SET status = CASE WHEN confirm_agreement.confirmed THEN 'confirmed' ELSE 'rejected' END, decided_at = decided
     WHERE x.mediation OPERATOR(pg_catalog.=) m.id
    RETURNING x.* INTO j;
    RETURN j;
END;
$$;
COMMENT ON FUNCTION @extschema@.confirm_agreement(bigint, boolean, timestamptz) IS
    'decide the pending judicial confirmation of a mediation''s agreement: confirmed (or rejected with confirmed => false); once';

-- An agreement found broken: recorded once; a pending confirmation of it
-- is withdrawn.
CREATE FUNCTION @extschema@.break_agreement(mediation_id bigint, note text, at timestamptz DEFAULT NULL)
    RETURNS @extschema@.mediation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    m @extschema@.mediation := @extschema@.mediation_locked(mediation_id);
    broken constant timestamptz := @extschema@.mediation_time(at);
BEGIN
    IF m.status OPERATOR(pg_catalog.<>) 'settled' THEN
        RAISE EXCEPTION 'mediation % (case %) has no agreement: it is %', m.id, m.case_id, m.status
            USING ERRCODE = 'GG013', HINT = 'Only an agreement can be broken.';
    END IF;
    IF m.broken_at IS NOT NULL THEN
        RAISE EXCEPTION 'the agreement of mediation % (case %) was already broken at %', m.id, m.case_id, m.broken_at
            USING ERRCODE = 'GG013', HINT = 'A breach is recorded once.';
    END IF;
    IF note IS NULL OR broken OPERATOR(pg_catalog.<) m.closed_at THEN
        RAISE EXCEPTION 'a breach needs a note, after the agreement (%)', m.closed_at
            USING ERRCODE = '22023', HINT = 'Say how the agreement was broken.';
    END IF;
    UPDATE @extschema@.judicial_confirmation x SET status = 'withdrawn', decided_at = broken
     WHERE x.mediation OPERATOR(pg_catalog.=) m.id AND x.status OPERATOR(pg_catalog.=) 'pending';
    UPDATE @extschema@.mediation x SET broken_at = broken, note = break_agreement.note
     WHERE x.id OPERATOR(pg_catalog.=) m.id
    RETURNING x.* INTO m;
    RETURN m;
END;
$$;
COMMENT ON FUNCTION @extschema@.break_agreement(bigint, text, timestamptz) IS
    'record that a mediation''s agreement was broken (once); its pending judicial confirmation, if any, is withdrawn';

-- The confirmations' sweep: every pending confirmation past its deadline
-- climbs one level with a fresh limit, as escalate_overdue climbs the
-- cases; rows being decided are skipped, and the locked row is checked
-- again, so two sweeps never escalate one miss twice.
CREATE FUNCTION @extschema@.escalate_overdue_confirmations(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (mediation bigint, case_id bigint, missed_deadline timestamptz, from_level integer, to_level integer)
    LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
BEGIN ATOMIC
    WITH due AS (
        SELECT j.mediation, j.deadline, j.level
          FROM @extschema@.judicial_confirmation j
         WHERE j.status OPERATOR(pg_catalog.=) 'pending' AND j.level OPERATOR(pg_catalog.>) 3
           AND j.deadline OPERATOR(pg_catalog.<) escalate_overdue_confirmations.as_of
           FOR UPDATE OF j SKIP LOCKED
    ), moved AS (
        UPDATE @extschema@.judicial_confirmation j
           SET level = due.level OPERATOR(pg_catalog.-) 1,
               deadline = escalate_overdue_confirmations.as_of OPERATOR(pg_catalog.+) j.time_limit,
               escalations = j.escalations OPERATOR(pg_catalog.+) 1
          FROM due
         WHERE j.mediation OPERATOR(pg_catalog.=) due.mediation
        RETURNING j.mediation, due.deadline, due.level, j.level AS new_level
    )
    SELECT mv.mediation, m.case_id, mv.deadline, mv.level, mv.new_level
      FROM moved mv JOIN @extschema@.mediation m ON m.id OPERATOR(pg_catalog.=) mv.mediation
     ORDER BY mv.deadline, mv.mediation;
END;
COMMENT ON FUNCTION @extschema@.escalate_overdue_confirmations(timestamptz) IS
    'escalate every pending judicial confirmation past its deadline one level up (5 community, 4 subdistrict, 3 district court) with a fresh limit; returns what it escalated';

-- The mediation KPIs by month and community, for BI (plain types): the
-- mediations closed (by closed_at), settled inside the community (an
-- agreement reached there), the confirmations requested (by requested_at)
-- and decided within their limit, the agreements (by closed_at) later
-- broken.  Months in gridgov.calendar_timezone.
CREATE VIEW @extschema@.mediation_monthly WITH (security_invoker = true) AS
WITH m AS (
    SELECT x.*, @extschema@.ancestor(x.unit, LEAST(@extschema@.level(x.unit), 5))::text AS community,
           pg_catalog.date_trunc('month', x.closed_at AT TIME ZONE @extschema@.calendar_timezone())::date AS closed_month
      FROM @extschema@.mediation x
), c AS (
    SELECT m.community,
           pg_catalog.date_trunc('month', j.requested_at AT TIME ZONE @extschema@.calendar_timezone())::date AS month,
           pg_catalog.count(*) AS confirmations,
           pg_catalog.count(*) FILTER (WHERE j.status OPERATOR(pg_catalog.=) 'confirmed') AS confirmed,
           pg_catalog.count(*) FILTER (WHERE j.status OPERATOR(pg_catalog.=) 'confirmed'
                                         AND j.decided_at OPERATOR(pg_catalog.-) j.requested_at OPERATOR(pg_catalog.<=) j.time_limit) AS confirmed_in_time,
           pg_catalog.count(*) FILTER (WHERE j.escalations OPERATOR(pg_catalog.>) 0) AS escalated
      FROM @extschema@.judicial_confirmation j JOIN m ON m.id OPERATOR(pg_catalog.=) j.mediation
     GROUP BY 1, 2
), s AS (
    SELECT m.community, m.closed_month AS month,
           pg_catalog.count(*) AS closed,
           pg_catalog.count(*) FILTER (WHERE m.status OPERATOR(pg_catalog.=) 'settled') AS settled,
           pg_catalog.count(*) FILTER (WHERE m.broken_at IS NOT NULL) AS broken
      FROM m WHERE m.closed_at IS NOT NULL
     GROUP BY 1, 2
)
SELECT COALESCE(s.month, c.month) AS month, COALESCE(s.community, c.community) AS community, u.name,
       COALESCE(s.closed, 0) AS closed, COALESCE(s.settled, 0) AS settled,
       pg_catalog.round(s.settled::numeric OPERATOR(pg_catalog./) NULLIF(s.closed, 0), 4) AS settled_share,
       COALESCE(c.confirmations, 0) AS confirmations, COALESCE(c.confirmed, 0) AS confirmed,
       COALESCE(c.confirmed_in_time, 0) AS confirmed_in_time,
       pg_catalog.round(c.confirmed_in_time::numeric OPERATOR(pg_catalog./) NULLIF(c.confirmed, 0), 4) AS in_time_share,
       COALESCE(c.escalated, 0) AS escalated,
       COALESCE(s.broken, 0) AS broken,
       pg_catalog.round(s.broken::numeric OPERATOR(pg_catalog./) NULLIF(s.settled, 0), 4) AS broken_share
  FROM s FULL JOIN c ON c.community OPERATOR(pg_catalog.=) s.community AND c.month OPERATOR(pg_catalog.=) s.month
  LEFT JOIN @extschema@.unit u ON u.code::text OPERATOR(pg_catalog.=) COALESCE(s.community, c.community);
COMMENT ON VIEW @extschema@.mediation_monthly IS
    'mediation KPIs per month and community, plain types: mediations closed and settled in the community (the district reports 97%), confirmations decided within their 30 minutes, agreements later broken';
COMMENT ON COLUMN @extschema@.mediation_monthly.month IS 'the month (its first day) the mediations closed and the confirmations were requested';
COMMENT ON COLUMN @extschema@.mediation_monthly.community IS 'the community (or the unit above the grids) of the disputes, as text';
COMMENT ON COLUMN @extschema@.mediation_monthly.name IS 'its name';
COMMENT ON COLUMN @extschema@.mediation_monthly.closed IS 'mediations closed that month, settled or failed';
COMMENT ON COLUMN @extschema@.mediation_monthly.settled IS 'of them, settled inside the community by an agreement';
COMMENT ON COLUMN @extschema@.mediation_monthly.settled_share IS 'settled / closed: disputes settled inside the community';
COMMENT ON COLUMN @extschema@.mediation_monthly.confirmations IS 'agreements sent for judicial confirmation that month';
COMMENT ON COLUMN @extschema@.mediation_monthly.confirmed IS 'of them, confirmed';
COMMENT ON COLUMN @extschema@.mediation_monthly.confirmed_in_time IS 'of them, confirmed within their limit (30 minutes) of the request';
COMMENT ON COLUMN @extschema@.mediation_monthly.in_time_share IS 'confirmed_in_time / confirmed';
COMMENT ON COLUMN @extschema@.mediation_monthly.escalated IS 'confirmations the sweep escalated for a missed deadline';
COMMENT ON COLUMN @extschema@.mediation_monthly.broken IS 'agreements of the mediations closed that month found broken later';
COMMENT ON COLUMN @extschema@.mediation_monthly.broken_share IS 'broken / settled';

-- Readers see mediations; handlers and administrators of the case's unit
-- mediate and record confirmations (the court's confirmation rooms work
-- through them); the sweep runs as the jobs do.
GRANT SELECT ON @extschema@.mediation, @extschema@.mediation_session, @extschema@.judicial_confirmation,
                @extschema@.mediation_monthly
    TO gridgov_reader;
GRANT INSERT, UPDATE ON @extschema@.mediation, @extschema@.judicial_confirmation
    TO gridgov_handler, gridgov_administrator;
-- a session once recorded is not rewritten: the record of what was said
GRANT INSERT ON @extschema@.mediation_session TO gridgov_handler, gridgov_administrator;
GRANT USAGE ON SEQUENCE @extschema@.mediation_id_seq, @extschema@.mediation_session_id_seq
    TO gridgov_handler, gridgov_administrator;
REVOKE EXECUTE ON FUNCTION
    @extschema@.mediation_time(timestamptz),
    @extschema@.mediation_locked(bigint),
    @extschema@.open_mediation(bigint, bigint, bigint[], timestamptz),
    @extschema@.hold_session(bigint, tstzrange, text),
    @extschema@.close_mediation(bigint, text, text, timestamptz),
    @extschema@.request_confirmation(bigint, interval, timestamptz),
    @extschema@.confirm_agreement(bigint, boolean, timestamptz),
    @extschema@.break_agreement(bigint, text, timestamptz),
    @extschema@.escalate_overdue_confirmations(timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.mediation_time(timestamptz),
    @extschema@.mediation_locked(bigint),
    @extschema@.open_mediation(bigint, bigint, bigint[], timestamptz),
    @extschema@.hold_session(bigint, tstzrange, text),
    @extschema@.close_mediation(bigint, text, text, timestamptz),
    @extschema@.request_confirmation(bigint, interval, timestamptz),
    @extschema@.confirm_agreement(bigint, boolean, timestamptz),
    @extschema@.break_agreement(bigint, text, timestamptz),
    @extschema@.escalate_overdue_confirmations(timestamptz)
    TO gridgov_handler, gridgov_administrator;
ALTER TABLE @extschema@.mediation ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.mediation FOR SELECT
    USING (@extschema@.jurisdiction_visible(unit));
CREATE POLICY gridgov_insert ON @extschema@.mediation FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
CREATE POLICY gridgov_update ON @extschema@.mediation FOR UPDATE
    USING (@extschema@.jurisdiction_holds(unit, 'handler') OR @extschema@.jurisdiction_holds(unit, 'administrator'));
ALTER TABLE @extschema@.mediation_session ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.mediation_session FOR SELECT
    USING (mediation IN (SELECT m.id FROM @extschema@.mediation m));
CREATE POLICY gridgov_insert ON @extschema@.mediation_session FOR INSERT
    WITH CHECK (mediation IN (SELECT m.id FROM @extschema@.mediation m
                               WHERE @extschema@.jurisdiction_holds(m.unit, 'handler')
                                  OR @extschema@.jurisdiction_holds(m.unit, 'administrator')));
ALTER TABLE @extschema@.judicial_confirmation ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.judicial_confirmation FOR SELECT
    USING (mediation IN (SELECT m.id FROM @extschema@.mediation m));
CREATE POLICY gridgov_insert ON @extschema@.judicial_confirmation FOR INSERT
    WITH CHECK (mediation IN (SELECT m.id FROM @extschema@.mediation m
                               WHERE @extschema@.jurisdiction_holds(m.unit, 'handler')
                                  OR @extschema@.jurisdiction_holds(m.unit, 'administrator')));
CREATE POLICY gridgov_update ON @extschema@.judicial_confirmation FOR UPDATE
    USING (mediation IN (SELECT m.id FROM @extschema@.mediation m
                          WHERE @extschema@.jurisdiction_holds(m.unit, 'handler')
                             OR @extschema@.jurisdiction_holds(m.unit, 'administrator')));
-- Issue 19, item 1: grid layers.  Every grid belongs to a layer of the new
-- table grid_layer (governance, the existing grids, is primary); routing
-- takes the primary layer's grids; grid_at, case_grids and the overlay
-- functions answer for every layer (docs/layers.md).
-- Grid layers (docs/layers.md): the district draws several grid systems over
-- the same ground (governance, party-building, epidemic control, enclosed
-- units, its own).  Every grid (unit at level 6) belongs to one; the units
-- above and below the grids form the one tree all layers hang under, the
-- governance layer's.  Cases are routed in the primary layer: the one row
-- flagged is_primary, else governance.  Only governance is made by CREATE
-- EXTENSION (unit.layer defaults to it); the district adds the others.
CREATE TABLE @extschema@.grid_layer (
    name        text PRIMARY KEY
                CONSTRAINT grid_layer_name_form CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    title       text NOT NULL CONSTRAINT grid_layer_title_not_empty CHECK (title OPERATOR(pg_catalog.<>) ''),
    is_primary  boolean NOT NULL DEFAULT false,
    -- at most one flagged, checked at the end of the statement so that one
    -- UPDATE can move the flag, and safe against two concurrent moves
    CONSTRAINT grid_layer_one_primary EXCLUDE USING btree (is_primary WITH OPERATOR(pg_catalog.=))
        WHERE (is_primary) DEFERRABLE INITIALLY IMMEDIATE
);
COMMENT ON TABLE @extschema@.grid_layer IS
    'grid layers: the grid systems drawn over the same ground; every grid (level 6) belongs to one';
COMMENT ON COLUMN @extschema@.grid_layer.name IS
    'the layer''s name, as unit.layer gives it, such as epidemic: lower-case letters, digits and _';
COMMENT ON COLUMN @extschema@.grid_layer.title IS 'the layer''s Chinese name, such as 防疫网格; not empty';
COMMENT ON COLUMN @extschema@.grid_layer.is_primary IS
    'true for the layer cases are routed in; at most one layer; when none is flagged, governance is primary';

INSERT INTO @extschema@.grid_layer (name, title) VALUES ('governance', '综合网格');

-- pg_dump keeps the layers the district added (governance is CREATE
-- EXTENSION's); a flag on governance is lost, and changes nothing.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.grid_layer',
           'WHERE name OPERATOR(pg_catalog.<>) ''governance''');

-- unit_is_current(unit)'s SQL-standard body holds on to unit's row type,
-- which ALTER TABLE may not change under it: a string body meanwhile
CREATE OR REPLACE FUNCTION @extschema@.unit_is_current(@extschema@.unit) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS 'SELECT $1.valid_to IS NULL OR $1.valid_to OPERATOR(pg_catalog.>) pg_catalog.now()';
ALTER TABLE @extschema@.unit ADD COLUMN layer text NOT NULL DEFAULT 'governance'
    CONSTRAINT unit_layer_exists REFERENCES @extschema@.grid_layer (name);
ALTER TABLE @extschema@.unit ADD CONSTRAINT unit_layer_grids_only
    CHECK (level OPERATOR(pg_catalog.=) 6 OR layer OPERATOR(pg_catalog.=) 'governance');
COMMENT ON COLUMN @extschema@.unit.layer IS
    'the grid layer (grid_layer) a grid belongs to; units at other levels are governance''s, the tree every layer hangs under';
COMMENT ON COLUMN @extschema@.unit.valid_from IS
    'when this version of the unit took effect: an edit of name, boundary, properties or layer starts a new one';
ALTER TABLE @extschema@.unit_history ADD COLUMN layer text NOT NULL DEFAULT 'governance';
COMMENT ON TABLE @extschema@.unit_history IS
    'earlier versions of units whose name, boundary, properties or layer changed';
COMMENT ON COLUMN @extschema@.unit_history.layer IS 'the grid layer the unit belonged to in this version';
CREATE OR REPLACE FUNCTION @extschema@.unit_is_current(@extschema@.unit) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT $1.valid_to IS NULL OR $1.valid_to OPERATOR(pg_catalog.>) pg_catalog.now();
END;
CREATE OR REPLACE FUNCTION @extschema@.unit_keep_history() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF (OLD.name, OLD.boundary, OLD.properties, OLD.layer) IS NOT DISTINCT FROM
       (NEW.name, NEW.boundary, NEW.properties, NEW.layer)
       OR OLD.valid_from OPERATOR(pg_catalog.>=) pg_catalog.now() THEN
        RETURN NEW;
    END IF;
    INSERT INTO @extschema@.unit_history (code, name, boundary, properties, valid_from, valid_to, layer)
    VALUES (OLD.code, OLD.name, OLD.boundary, OLD.properties, OLD.valid_from, pg_catalog.now(), OLD.layer);
    NEW.valid_from := pg_catalog.now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary, properties or layer keeps the version it replaces in unit_history';

-- the unit rows these return have the new column
CREATE OR REPLACE FUNCTION @extschema@.children(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.parent OPERATOR(@extschema@.=) $1 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.descendants(@extschema@.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE @extschema@.check_gridcode_level($2, 'max_level')
       AND u.code OPERATOR(@extschema@.<@) $1 AND u.code OPERATOR(@extschema@.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.ancestors(@extschema@.gridcode) RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor($1, l.level)
                 FROM pg_catalog.generate_series(1, @extschema@.level($1) OPERATOR(pg_catalog.-) 1) AS l(level)))
       AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.level;
END;

-- reads children()'s rows, which have the new column
CREATE OR REPLACE FUNCTION @extschema@.risk_geojson(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ch.boundary), 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', @extschema@.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM @extschema@.children(unit) ch
              LEFT JOIN @extschema@.risk_scores(unit, as_of, LEAST(@extschema@.level(unit) OPERATOR(pg_catalog.+) 1, 7)) s
                     ON s.unit OPERATOR(@extschema@.=) ch.code) f
     WHERE @extschema@.check_risk_time(as_of);
END;
-- ======================================================================
-- Grid layers
-- ======================================================================

CREATE FUNCTION @extschema@.primary_layer() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT l.name FROM @extschema@.grid_layer l WHERE l.is_primary), 'governance');
END;
COMMENT ON FUNCTION @extschema@.primary_layer() IS
    'the grid layer cases are routed in: the one flagged is_primary in grid_layer, else governance';

CREATE FUNCTION @extschema@.check_grid_layer(layer text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_grid_layer' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_grid_layer(text) IS
    'true for a layer of grid_layer; raises GG011 otherwise: the check of the overlay functions';

CREATE FUNCTION @extschema@.grid_at(point geometry, layer text) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_grid_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grid_at(geometry, text) IS
    'the current grid of a layer covering a point (SRID 4326), the smallest code among several, NULL if none; from the in-memory index that routes cases';

-- The current grids of a layer whose overlap with the given grid has at
-- least min_m2 square metres: shared edges and drawing slivers are no
-- overlap.  Areas on the spheroid (geography), so shares are of true areas.
CREATE FUNCTION @extschema@.grid_overlay(grid @extschema@.gridcode, layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (other @extschema@.gridcode, name text, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
DECLARE
    given @extschema@.unit;
BEGIN
    PERFORM @extschema@.check_grid_layer(grid_overlay.layer);
    SELECT u.* INTO given FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) grid_overlay.grid AND u.level OPERATOR(pg_catalog.=) 6
       AND @extschema@.unit_is_current(u.valid_to);
    IF given.boundary IS NULL THEN
        RAISE EXCEPTION 'unit % is not a current grid with a boundary', grid_overlay.grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'grid_overlay compares a grid (level 6) in force, whose boundary is registered in gridgov.unit.';
    END IF;
    RETURN QUERY
    SELECT o.code, o.name, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(given.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM @extschema@.unit o
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, given.boundary)::geography) AS m2) a
     WHERE o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) grid_overlay.layer
       AND o.code OPERATOR(@extschema@.<>) given.code AND @extschema@.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, given.boundary) AND a.m2 OPERATOR(pg_catalog.>=) grid_overlay.min_m2
     ORDER BY a.m2 DESC, o.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.grid_overlay(@extschema@.gridcode, text, double precision) IS
    'the current grids of a layer overlapping a grid by at least min_m2 m², with the overlap''s area and its shares of both grids';

CREATE FUNCTION @extschema@.layer_overlaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (grid @extschema@.gridcode, other @extschema@.gridcode, overlap_m2 double precision,
                   share_of_grid double precision, share_of_other double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM @extschema@.check_grid_layer(layer_overlaps.layer);
    RETURN QUERY
    SELECT g.code, o.code, a.m2, a.m2 OPERATOR(pg_catalog./) ST_Area(g.boundary::geography),
           a.m2 OPERATOR(pg_catalog./) ST_Area(o.boundary::geography)
      FROM @extschema@.unit g
      JOIN @extschema@.unit o
        ON o.level OPERATOR(pg_catalog.=) 6 AND o.layer OPERATOR(pg_catalog.=) g.layer
       AND o.code OPERATOR(@extschema@.>) g.code AND @extschema@.unit_is_current(o.valid_to)
       AND ST_Intersects(o.boundary, g.boundary)
     CROSS JOIN LATERAL (SELECT ST_Area(ST_Intersection(o.boundary, g.boundary)::geography) AS m2) a
     WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_overlaps.layer
       AND @extschema@.unit_is_current(g.valid_to) AND a.m2 OPERATOR(pg_catalog.>=) layer_overlaps.min_m2
     ORDER BY g.code, o.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.layer_overlaps(text, double precision) IS
    'pairs of current grids of one layer overlapping by at least min_m2 m² (each pair once, the smaller code first), with the overlap''s area and its shares of both';

-- A gap of a layer is ground of a community that none of the layer's
-- grids covers, whatever community the grids are coded under.
CREATE FUNCTION @extschema@.layer_gaps(layer text, min_m2 double precision DEFAULT 1)
    RETURNS TABLE (unit @extschema@.gridcode, name text, gap_m2 double precision, share double precision,
                   gap geometry)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 10
AS $$
BEGIN
    PERFORM @extschema@.check_grid_layer(layer_gaps.layer);
    RETURN QUERY
    SELECT c.code, c.name, d.m2, d.m2 OPERATOR(pg_catalog./) ST_Area(c.boundary::geography), d.gap
      FROM @extschema@.unit c
     CROSS JOIN LATERAL (
           SELECT ST_Multi(ST_CollectionExtract(ST_Difference(c.boundary, COALESCE(ST_Union(g.boundary),
                          'SRID=4326;MULTIPOLYGON EMPTY'::geometry)), 3)) AS gap
             FROM @extschema@.unit g
            WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) layer_gaps.layer
              AND @extschema@.unit_is_current(g.valid_to) AND ST_Intersects(g.boundary, c.boundary)) u
     CROSS JOIN LATERAL (SELECT u.gap, ST_Area(u.gap::geography) AS m2) d
     WHERE c.level OPERATOR(pg_catalog.=) 5 AND c.boundary IS NOT NULL AND @extschema@.unit_is_current(c.valid_to)
       AND d.m2 OPERATOR(pg_catalog.>=) layer_gaps.min_m2
     ORDER BY c.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.layer_gaps(text, double precision) IS
    'the ground of each current community that no current grid of a layer covers, where it has at least min_m2 m²: its area, its share of the community and its shape (MultiPolygon, SRID 4326)';

CREATE OR REPLACE FUNCTION @extschema@.unit_at(point geometry, level integer) RETURNS @extschema@.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    -- gridcell()'s checks: a non-empty point in SRID 4326 with coordinates
    -- in range (a NaN would be covered by no boundary and go unnoticed)
    PERFORM @extschema@.check_gridcode_level(level, 'level');
    PERFORM @extschema@.check_point(point, 'unit_at()');
    -- at the grids' level, the primary layer's grid: where a case goes
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND (u.level OPERATOR(pg_catalog.<>) 6 OR u.layer OPERATOR(pg_catalog.=) @extschema@.primary_layer())
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u.valid_to)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_at(geometry, integer) IS
    'the current unit at a level whose boundary covers a point (SRID 4326, finite coordinates in range); at level 6 the primary layer''s grid';

COMMENT ON COLUMN @extschema@.cases.unit IS
    'the unit the case belongs to: the grid (level 6) of the primary layer covering location, in a gap between the grids the lowest unit covering it (grid_gap), unless given at intake';
COMMENT ON COLUMN @extschema@.cases.grid_gap IS
    'true when no current grid of the primary layer covered location at intake and the case went to the lowest unit covering it (community, else subdistrict, else district): a gap for the grid office (view grid_gaps); set by the engine; NULL for cases reported before 0.8.0';
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.grid_layer
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.grid_layer ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE OR REPLACE VIEW @extschema@.grid_gaps WITH (security_invoker = true) AS
SELECT c.id, c.district::text AS district, c.unit::text AS unit, u.name AS unit_name, u.level AS unit_level,
       c.category, c.status, c.reported_at, c.location,
       NOT EXISTS (SELECT FROM @extschema@.unit g
                    WHERE g.level OPERATOR(pg_catalog.=) 6 AND g.layer OPERATOR(pg_catalog.=) @extschema@.primary_layer()
                      AND ST_Covers(g.boundary, c.location) AND @extschema@.unit_is_current(g)) AS gap_open
  FROM @extschema@.cases c
  JOIN @extschema@.unit u ON u.code OPERATOR(@extschema@.=) c.unit
 WHERE c.grid_gap;

-- Each case's grids in every layer (docs/layers.md): computed when read,
-- from the same in-memory index that routed it, so a layer drawn or redrawn
-- after the report tags the old cases too and intake pays nothing for the
-- layers it does not route in.  grid is NULL where the layer has no grid at
-- the case's point.  cases.unit stays the routing answer at intake.
CREATE VIEW @extschema@.case_grids WITH (security_invoker = true) AS
SELECT c.id, l.name AS layer, l.title AS layer_title,
       l.name OPERATOR(pg_catalog.=) @extschema@.primary_layer() AS is_primary,
       g.code::text AS grid, g.name AS grid_name
  FROM @extschema@.cases c
 CROSS JOIN @extschema@.grid_layer l
 CROSS JOIN LATERAL (SELECT @extschema@.grid_at(c.location, l.name) AS code) a
  LEFT JOIN @extschema@.unit g ON g.code OPERATOR(@extschema@.=) a.code
 WHERE c.location IS NOT NULL;
COMMENT ON VIEW @extschema@.case_grids IS
    'every located case in every grid layer: the layer''s current grid covering the case''s point, NULL where none does';
COMMENT ON COLUMN @extschema@.case_grids.id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.case_grids.layer IS 'the grid layer''s name (grid_layer.name)';
COMMENT ON COLUMN @extschema@.case_grids.layer_title IS 'the layer''s Chinese name';
COMMENT ON COLUMN @extschema@.case_grids.is_primary IS 'true for the layer cases are routed in (primary_layer())';
COMMENT ON COLUMN @extschema@.case_grids.grid IS
    'the current grid of the layer covering the case''s point, its gridcode as text; NULL in a gap of the layer';
COMMENT ON COLUMN @extschema@.case_grids.grid_name IS 'that grid''s name';
GRANT SELECT ON @extschema@.grid_layer, @extschema@.case_grids TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON @extschema@.grid_layer TO gridgov_administrator;


-- Issue 15: the policies' subqueries as function calls, for Citus
-- (sql/access.sql, tools/distribute-citus.sql).
-- The subqueries of the policies of case_history, post, person_contact and
-- person_login as function calls, for Citus, which refuses a policy with a
-- subquery on its tables: tools/distribute-citus.sql puts these in those
-- policies there (docs/scale-out.md).  Each runs with the reader's rights,
-- so the policies of the tables it reads apply as they do to the
-- subqueries: the same rows, by a lookup per row instead of one hashed
-- list per query (which is why the single node keeps the subqueries).
-- Parallel restricted: on Citus their queries go through Citus, which a
-- parallel worker cannot do ("cannot use 2PC in transactions involving
-- multiple servers").
CREATE FUNCTION @extschema@.case_visible(district @extschema@.gridcode, case_id bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED SET search_path FROM CURRENT
AS $$
BEGIN
    -- a reader of the whole district sees all of its cases: no lookup
    RETURN @extschema@.jurisdiction_visible(case_visible.district)
        OR EXISTS (SELECT FROM @extschema@.cases c
                    WHERE c.district OPERATOR(@extschema@.=) case_visible.district
                      AND c.id OPERATOR(pg_catalog.=) case_visible.case_id);
END;
$$;
COMMENT ON FUNCTION @extschema@.case_visible(@extschema@.gridcode, bigint) IS
    'whether the current role sees the case (the cases'' own policy decides): the policy of case_history on Citus';
CREATE FUNCTION @extschema@.organization_anchor(organization bigint) RETURNS @extschema@.gridcode
    LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN (SELECT o.anchor FROM @extschema@.organization o
             WHERE o.id OPERATOR(pg_catalog.=) organization_anchor.organization);
END;
$$;
COMMENT ON FUNCTION @extschema@.organization_anchor(bigint) IS
    'the anchor of the organization, when the current role may see the organization, else NULL: a post''s place in the policies of post on Citus';
CREATE FUNCTION @extschema@.person_post_held(person bigint, functions text[] DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path FROM CURRENT
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM @extschema@.post p
                     LEFT JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) p.organization
                    WHERE p.person OPERATOR(pg_catalog.=) person_post_held.person
                      AND (person_post_held.functions IS NULL
                           OR EXISTS (SELECT FROM pg_catalog.unnest(person_post_held.functions) f (function)
                                       WHERE @extschema@.jurisdiction_holds(COALESCE(p.unit, o.anchor), f.function))));
END;
$$;
COMMENT ON FUNCTION @extschema@.person_post_held(bigint, text[]) IS
    'whether the current role sees a post of the person (functions NULL) or holds one of the functions where one is: the policies of person_contact and person_login on Citus';
-- Grid layers: the dashboards and the people pillar's coverage checks take
-- the routing layer's grids (in_routing_layer), not every layer's.
-- Outside the layer functions, "the grids" are the routing layer's: the
-- ones cases land on, whose coverage by branches and party members is
-- checked and whose risk is drawn (a unit above the grids is in every
-- layer's tree).
CREATE FUNCTION @extschema@.in_routing_layer(level integer, layer text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN level OPERATOR(pg_catalog.<>) 6 OR layer OPERATOR(pg_catalog.=) @extschema@.primary_layer();
COMMENT ON FUNCTION @extschema@.in_routing_layer(integer, text) IS
    'true for a unit above or below the grids, and for a grid of the primary layer (primary_layer()): the units the dashboards and the people pillar''s coverage checks count';

CREATE OR REPLACE FUNCTION @extschema@.grids_without_party_members(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH placed AS MATERIALIZED (
        SELECT DISTINCT @extschema@.ancestor(pl.unit, 6) AS grid
          FROM @extschema@.placements(grids_without_party_members.root, grids_without_party_members.at) pl
          JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) pl.role
         WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
           AND @extschema@.level(pl.unit) OPERATOR(pg_catalog.>=) 6)
    SELECT g.code, g.name
      FROM @extschema@.unit g
     WHERE g.code OPERATOR(@extschema@.<@) grids_without_party_members.root
       AND g.level OPERATOR(pg_catalog.=) 6
       AND @extschema@.in_routing_layer(g.level, g.layer)
       AND (g.valid_to IS NULL OR g.valid_to OPERATOR(pg_catalog.>) grids_without_party_members.at)
       AND grids_without_party_members.at IS NOT NULL
       AND NOT EXISTS (SELECT FROM placed WHERE placed.grid OPERATOR(@extschema@.=) g.code)
     ORDER BY g.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.units_not_covered(root @extschema@.gridcode, level integer, kinds text[],
                                              at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit @extschema@.gridcode, name text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH covered AS MATERIALIZED (
        SELECT DISTINCT u.code
          FROM @extschema@.organization_unit c
          JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) c.organization
         CROSS JOIN LATERAL (
               SELECT u.code FROM @extschema@.unit u
                WHERE u.code OPERATOR(@extschema@.<@) c.unit
                  AND u.code OPERATOR(@extschema@.<@) units_not_covered.root
                  AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
                  AND @extschema@.in_routing_layer(u.level, u.layer)
               OFFSET 0) u
         WHERE (c.unit OPERATOR(@extschema@.<@) units_not_covered.root
                OR c.unit OPERATOR(@extschema@.=) ANY (@extschema@.lineage(units_not_covered.root)))
           AND c.valid OPERATOR(pg_catalog.@>) units_not_covered.at
           AND o.kind OPERATOR(pg_catalog.=) ANY (units_not_covered.kinds))
    SELECT u.code, u.name
      FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.<@) units_not_covered.root
       AND u.level OPERATOR(pg_catalog.=) units_not_covered.level
       AND @extschema@.in_routing_layer(u.level, u.layer)
       AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) units_not_covered.at)
       AND units_not_covered.at IS NOT NULL
       AND NOT EXISTS (SELECT FROM covered WHERE covered.code OPERATOR(@extschema@.=) u.code)
     ORDER BY u.code;
END;

CREATE OR REPLACE FUNCTION @extschema@.risk_geojson(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ch.boundary), 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', @extschema@.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM @extschema@.children(unit) ch
              LEFT JOIN @extschema@.risk_scores(unit, as_of, LEAST(@extschema@.level(unit) OPERATOR(pg_catalog.+) 1, 7)) s
                     ON s.unit OPERATOR(@extschema@.=) ch.code
             WHERE @extschema@.in_routing_layer(ch.level, ch.layer)) f
     WHERE @extschema@.check_risk_time(as_of);
END;

CREATE OR REPLACE FUNCTION @extschema@.risk_tile(z integer, x integer, y integer, level integer DEFAULT 6,
                                      as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326
         WHERE @extschema@.check_tile(z, x, y) AND @extschema@.check_risk_time(as_of)
           AND @extschema@.check_gridcode_level(risk_tile.level, 'level')
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(u.boundary, 3857), t.envelope, 4096, 64, true) AS geom,
               u.code::text AS code, u.name, u.level, COALESCE(rs.score, 0) AS score,
               @extschema@.risk_color(COALESCE(rs.score, 0), u.level) AS color, COALESCE(rs.cases, 0) AS cases
          FROM tile t
          JOIN @extschema@.unit u
            ON u.boundary && t.envelope_4326
           AND u.level OPERATOR(pg_catalog.=) risk_tile.level
           AND @extschema@.in_routing_layer(u.level, u.layer)
           AND @extschema@.unit_is_current(u.valid_to)
          LEFT JOIN LATERAL @extschema@.risk_scores(u.code, as_of, u.level) rs ON true
    )
    SELECT COALESCE((SELECT ST_AsMVT(f.*, 'risk', 4096, 'geom' ORDER BY f.code)
                       FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea);
END;

-- (a replaced view takes the options it is given: security_invoker again)
CREATE OR REPLACE VIEW @extschema@.risk_map WITH (security_invoker = true) AS
SELECT u.code::bigint AS id,
       u.code::text AS unit,
       u.name,
       u.level,
       @extschema@.level_name(u.code) AS level_name,
       u.parent::text AS parent,
       -- breadcrumb(), as an index scan per row
       (SELECT pg_catalog.string_agg(a.name, ' › ' ORDER BY a.level)
          FROM @extschema@.unit a
         WHERE a.code OPERATOR(@extschema@.=) ANY (ARRAY(
               SELECT @extschema@.ancestor(u.code, l.level)
                 FROM pg_catalog.generate_series(1, u.level) AS l(level)))
           AND @extschema@.unit_is_current(a.valid_to)) AS breadcrumb,
       COALESCE(s.score, 0)::numeric AS score,
       @extschema@.risk_color(COALESCE(s.score, 0), u.level) AS color,
       COALESCE(s.cases, 0) AS cases,
       u.boundary
  FROM @extschema@.unit u
  LEFT JOIN (SELECT rs.unit, rs.score, rs.cases
               FROM @extschema@.unit p
              CROSS JOIN LATERAL @extschema@.risk_scores(p.code, pg_catalog.now(), 6) rs
              WHERE p.level OPERATOR(pg_catalog.=) 1 AND @extschema@.unit_is_current(p.valid_to)) s
         ON s.unit OPERATOR(@extschema@.=) u.code
 WHERE u.level OPERATOR(pg_catalog.<=) 6 AND @extschema@.unit_is_current(u.valid_to)
   AND @extschema@.in_routing_layer(u.level, u.layer);

-- One test for "handler or administrator here": the policies of the
-- services, the lists and the mediations call jurisdiction_acts.
CREATE FUNCTION @extschema@.jurisdiction_acts(unit @extschema@.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_acts' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_acts(@extschema@.gridcode) IS
    'whether the current role holds handler or administrator on unit or a unit above it, now: who may record bookings, activities, ratings, needs and mediations there';
ALTER POLICY gridgov_insert ON @extschema@.booking
    WITH CHECK (venue IN (SELECT v.id FROM @extschema@.venue v
                           WHERE @extschema@.jurisdiction_acts(v.unit)));
ALTER POLICY gridgov_update ON @extschema@.booking
    USING (venue IN (SELECT v.id FROM @extschema@.venue v
                      WHERE @extschema@.jurisdiction_acts(v.unit)));
ALTER POLICY gridgov_insert ON @extschema@.activity
    WITH CHECK (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_update ON @extschema@.activity
    USING (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_insert ON @extschema@.signup
    WITH CHECK (activity IN (SELECT a.id FROM @extschema@.activity a
                              WHERE @extschema@.jurisdiction_acts(a.unit)));
ALTER POLICY gridgov_update ON @extschema@.signup
    USING (activity IN (SELECT a.id FROM @extschema@.activity a
                         WHERE @extschema@.jurisdiction_acts(a.unit)));
ALTER POLICY gridgov_insert ON @extschema@.rating
    WITH CHECK (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_insert ON @extschema@.mediation
    WITH CHECK (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_update ON @extschema@.mediation
    USING (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_insert ON @extschema@.mediation_session
    WITH CHECK (mediation IN (SELECT m.id FROM @extschema@.mediation m
                               WHERE @extschema@.jurisdiction_acts(m.unit)));
ALTER POLICY gridgov_insert ON @extschema@.judicial_confirmation
    WITH CHECK (mediation IN (SELECT m.id FROM @extschema@.mediation m
                               WHERE @extschema@.jurisdiction_acts(m.unit)));
ALTER POLICY gridgov_update ON @extschema@.judicial_confirmation
    USING (mediation IN (SELECT m.id FROM @extschema@.mediation m
                          WHERE @extschema@.jurisdiction_acts(m.unit)));
ALTER POLICY gridgov_write ON @extschema@.need
    USING (@extschema@.jurisdiction_acts(unit))
    WITH CHECK (@extschema@.jurisdiction_acts(unit));
ALTER POLICY gridgov_write ON @extschema@.need_take
    USING (need IN (SELECT n.id FROM @extschema@.need n
                     WHERE @extschema@.jurisdiction_acts(n.unit)))
    WITH CHECK (need IN (SELECT n.id FROM @extschema@.need n
                          WHERE @extschema@.jurisdiction_acts(n.unit)));

-- Redraws with validity and lineage (issue 19 item 2, docs/layers.md "Redraws"):
-- split_grid, merge_grids and reshape_grid, the lineage table grid_lineage,
-- every version in unit_versions, routing by reported_at (grid_at at a time),
-- edits that set valid_from date the version they start.

CREATE INDEX unit_history_boundary_idx ON @extschema@.unit_history USING gist (boundary);

-- Redraws (docs/layers.md, "Redraws"): split_grid, merge_grids and
-- reshape_grid end the old grids' versions and start the new ones at the
-- same instant, and record here which new grid took which part of which old
-- one.  A version is named by its code and valid_from, in unit (the current
-- or retired one) or unit_history (an earlier one), so no foreign key.
CREATE TABLE @extschema@.grid_lineage (
    old_code        @extschema@.gridcode NOT NULL,
    old_valid_from  timestamptz NOT NULL,
    new_code        @extschema@.gridcode NOT NULL,
    new_valid_from  timestamptz NOT NULL,
    redraw          text NOT NULL
                    CONSTRAINT grid_lineage_redraw_kind CHECK (redraw OPERATOR(pg_catalog.=) ANY (ARRAY['split', 'merge', 'reshape'])),
    share_of_old    double precision NOT NULL
                    CONSTRAINT grid_lineage_share_of_old_range
                    CHECK (share_of_old OPERATOR(pg_catalog.>=) 0 AND share_of_old OPERATOR(pg_catalog.<=) 1),
    share_of_new    double precision NOT NULL
                    CONSTRAINT grid_lineage_share_of_new_range
                    CHECK (share_of_new OPERATOR(pg_catalog.>=) 0 AND share_of_new OPERATOR(pg_catalog.<=) 1),
    PRIMARY KEY (old_code, old_valid_from, new_code, new_valid_from),
    CONSTRAINT grid_lineage_forward CHECK (new_valid_from OPERATOR(pg_catalog.>) old_valid_from)
);
COMMENT ON TABLE @extschema@.grid_lineage IS
    'which new grid version took which part of which old one, written by split_grid, merge_grids and reshape_grid';
COMMENT ON COLUMN @extschema@.grid_lineage.old_code IS 'the redrawn grid''s code';
COMMENT ON COLUMN @extschema@.grid_lineage.old_valid_from IS
    'when the redrawn version took effect: with old_code, names it in unit or unit_history';
COMMENT ON COLUMN @extschema@.grid_lineage.new_code IS 'the code of the grid that took part of its ground (the same code for a reshape)';
COMMENT ON COLUMN @extschema@.grid_lineage.new_valid_from IS 'when the new version took effect: the redraw''s effective time';
COMMENT ON COLUMN @extschema@.grid_lineage.redraw IS 'split, merge or reshape: the function that wrote the row';
COMMENT ON COLUMN @extschema@.grid_lineage.share_of_old IS
    'the share of the old version''s area that went to the new one (spheroid areas; per old grid of a split or merge the shares sum to 1)';
COMMENT ON COLUMN @extschema@.grid_lineage.share_of_new IS
    'the share of the new version''s area that came from the old one (spheroid areas; per new grid of a split or merge the shares sum to 1, unless the grids merged overlapped)';
CREATE INDEX grid_lineage_new_idx ON @extschema@.grid_lineage (new_code, new_valid_from);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.grid_lineage', '');

-- Every version of every unit, current, retired or earlier, with the time
-- from which it takes cases routed by their reported_at (routes_from): its
-- valid_from, except for a unit's first version that no redraw made, which
-- takes the reports dated before the unit was registered (-infinity): the
-- registry knew nothing better of that ground then.
CREATE VIEW @extschema@.unit_versions WITH (security_invoker = true) AS
SELECT v.code, v.name, @extschema@.level(v.code) AS level, v.layer, v.boundary, v.valid_from, v.valid_to,
       CASE WHEN EXISTS (SELECT FROM @extschema@.unit_history h
                          WHERE h.code OPERATOR(@extschema@.=) v.code AND h.valid_from OPERATOR(pg_catalog.<) v.valid_from)
              OR EXISTS (SELECT FROM @extschema@.grid_lineage l
                          WHERE l.new_code OPERATOR(@extschema@.=) v.code
                            AND l.new_valid_from OPERATOR(pg_catalog.=) v.valid_from)
            THEN v.valid_from ELSE '-infinity'::timestamptz END AS routes_from
  FROM (SELECT u.code, u.name, u.layer, u.boundary, u.valid_from, u.valid_to FROM @extschema@.unit u
        UNION ALL
        SELECT h.code, h.name, h.layer, h.boundary, h.valid_from, h.valid_to FROM @extschema@.unit_history h) v;
COMMENT ON VIEW @extschema@.unit_versions IS
    'every version of every unit (unit and unit_history), with the time from which it takes cases routed by reported_at';
COMMENT ON COLUMN @extschema@.unit_versions.code IS 'the unit''s code';
COMMENT ON COLUMN @extschema@.unit_versions.name IS 'the unit''s name in this version';
COMMENT ON COLUMN @extschema@.unit_versions.level IS 'the unit''s level, 1 province ... 7 building';
COMMENT ON COLUMN @extschema@.unit_versions.layer IS 'the grid layer of this version';
COMMENT ON COLUMN @extschema@.unit_versions.boundary IS 'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN @extschema@.unit_versions.valid_from IS 'when this version took effect';
COMMENT ON COLUMN @extschema@.unit_versions.valid_to IS 'when it ended; NULL while in force';
COMMENT ON COLUMN @extschema@.unit_versions.routes_from IS
    'from when a case reported then is routed to it: valid_from, or -infinity for a unit''s first version that no redraw made';

-- Keep the version an update replaces.  Several edits in one transaction make
-- one version: they all happen at the same now().
CREATE OR REPLACE FUNCTION @extschema@.unit_keep_history() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    -- an edit that sets valid_from itself dates the new version (a redraw
    -- dated in the past, reshape_grid); any other edit takes effect now
    cut timestamptz := CASE WHEN NEW.valid_from IS DISTINCT FROM OLD.valid_from THEN NEW.valid_from
                            ELSE pg_catalog.now() END;
BEGIN
    IF (OLD.name, OLD.boundary, OLD.properties, OLD.layer) IS NOT DISTINCT FROM
       (NEW.name, NEW.boundary, NEW.properties, NEW.layer)
       OR OLD.valid_from OPERATOR(pg_catalog.>=) cut THEN
        RETURN NEW;
    END IF;
    INSERT INTO @extschema@.unit_history (code, name, boundary, properties, valid_from, valid_to, layer)
    VALUES (OLD.code, OLD.name, OLD.boundary, OLD.properties, OLD.valid_from, cut, OLD.layer);
    NEW.valid_from := cut;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary, properties or layer keeps the version it replaces in unit_history, ended at the new valid_from if the edit sets one, else now()';

-- The same at another time: the grid a case reported then is routed to
-- (docs/layers.md, "Redraws").
CREATE FUNCTION @extschema@.grid_at(point geometry, layer text, at timestamptz) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_grid_at' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grid_at(geometry, text, timestamptz) IS
    'the grid of a layer in force at a time (routes_from <= at < valid_to in unit_versions) covering a point, the smallest code among several, NULL if none; from the in-memory index that routes cases';

-- ======================================================================
-- Redraws (docs/layers.md, "Redraws")
-- ======================================================================

-- A redraw is dated now or in the past (an office records the redraw it
-- made on the first of the month); never in the future, when the new grids
-- would already be current for every function that reads the registry.
CREATE FUNCTION @extschema@.check_redraw_time(effective timestamptz) RETURNS boolean
    LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF effective IS NULL THEN
        RAISE EXCEPTION 'the redraw has no effective time'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the time the new grids take effect, or leave effective out for now().';
    END IF;
    IF effective OPERATOR(pg_catalog.>) pg_catalog.now() THEN
        RAISE EXCEPTION 'a redraw cannot take effect at %, in the future', effective
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Run the redraw when it takes effect; it may be dated in the past.';
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION @extschema@.check_redraw_time(timestamptz) IS
    'true for a redraw time not NULL and not in the future; raises 22023 otherwise: the check of split_grid, merge_grids and reshape_grid';

-- The grid a redraw replaces, locked: in force (valid_to unset), with a
-- boundary, and in its current form since before the redraw.
CREATE FUNCTION @extschema@.redraw_old_grid(grid @extschema@.gridcode, effective timestamptz)
    RETURNS @extschema@.unit
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) grid AND u.level OPERATOR(pg_catalog.=) 6 AND u.valid_to IS NULL
       FOR UPDATE;
    IF found.code IS NULL THEN
        RAISE EXCEPTION 'unit % is not a grid in force', COALESCE(grid::text, 'NULL')
            USING ERRCODE = 'GG011',
                  HINT = 'A redraw replaces grids (level 6) registered in gridgov.unit whose valid_to is unset.';
    END IF;
    IF found.boundary IS NULL THEN
        RAISE EXCEPTION 'grid % has no boundary to redraw', grid
            USING ERRCODE = 'GG011',
                  HINT = 'Register the grid''s boundary in gridgov.unit first.';
    END IF;
    IF found.valid_from OPERATOR(pg_catalog.>=) effective THEN
        RAISE EXCEPTION 'grid % took its current form at %, not before the redraw at %', grid, found.valid_from, effective
            USING ERRCODE = 'GG011',
                  HINT = 'Date the redraw after the version it replaces took effect.';
    END IF;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.redraw_old_grid(@extschema@.gridcode, timestamptz) IS
    'the grid a redraw replaces, locked FOR UPDATE; raises GG011 unless it is a grid in force with a boundary whose version took effect before the redraw';

-- A new grid's boundary as a MultiPolygon, or 22023 naming the grid.
CREATE FUNCTION @extschema@.redraw_boundary(grid @extschema@.gridcode, boundary geometry) RETURNS geometry
    LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    reason text;
BEGIN
    IF boundary IS NULL THEN
        RAISE EXCEPTION 'new grid % has no boundary', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A redraw draws every new grid: give a Polygon or MultiPolygon in SRID 4326.';
    END IF;
    IF ST_SRID(boundary) OPERATOR(pg_catalog.<>) 4326
       OR GeometryType(boundary) OPERATOR(pg_catalog.<>) ALL (ARRAY['POLYGON', 'MULTIPOLYGON']) THEN
        RAISE EXCEPTION 'the boundary of new grid % is a % in SRID %, not a polygon in SRID 4326',
                        grid, GeometryType(boundary), ST_SRID(boundary)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a Polygon or MultiPolygon of longitudes and latitudes (ST_SetSRID(..., 4326)).';
    END IF;
    reason := (ST_IsValidDetail(boundary)).reason;
    IF reason IS NOT NULL THEN
        RAISE EXCEPTION 'the boundary of new grid % is not valid: %', grid, reason
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Repair it (ST_MakeValid) or draw it again.';
    END IF;
    IF ST_Area(boundary::geography) OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'new grid % has no area', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A grid''s boundary covers at least 1 m².';
    END IF;
    RETURN ST_Multi(boundary);
END;
$$;
COMMENT ON FUNCTION @extschema@.redraw_boundary(@extschema@.gridcode, geometry) IS
    'a new grid''s boundary as a MultiPolygon; raises 22023 naming the grid when it is NULL, not a polygon in SRID 4326, not valid or smaller than 1 m²';

-- A split or a merge: the old grids end at effective and the new ones, in
-- their community and layer, start then, after checking that they tile the
-- old ground (to 1 m², like the overlays' default min_m2).  The checks
-- measure in the plane the grids are drawn in (degrees, scaled to m² at the
-- old grids): on the spheroid, a piece cut at a new vertex on an old edge
-- leaves a sliver of a few m² between the straight edge and the geodesic.
-- Shares are of spheroid areas; a polygon cut at new vertices measures a
-- little apart from the whole (docs/layers.md, "Overlays"), so a share is
-- taken of the sum of the pieces, not of the whole: an old grid's shares
-- then sum to 1, and so do a new grid's unless the grids merged into it
-- overlapped each other (their common ground is counted in each, so then
-- the share is of the new grid's own area).
CREATE FUNCTION @extschema@.redraw_grids(redraw text, olds @extschema@.gridcode[], codes @extschema@.gridcode[],
                                         names text[], boundaries geometry[], effective timestamptz)
    RETURNS SETOF @extschema@.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
DECLARE
    given @extschema@.unit;
    lead @extschema@.unit;
    shapes geometry[] := ARRAY[]::geometry[];
    ground geometry;
    drawn geometry;
    scale double precision;
    m2 double precision;
    olds_overlap boolean;
    i integer;
    j integer;
BEGIN
    PERFORM @extschema@.check_redraw_time(effective);
    IF pg_catalog.cardinality(codes) IS DISTINCT FROM pg_catalog.cardinality(names)
       OR pg_catalog.cardinality(codes) IS DISTINCT FROM pg_catalog.cardinality(boundaries) THEN
        RAISE EXCEPTION 'the new grids'' codes, names and boundaries differ in number: %, % and %',
                        COALESCE(pg_catalog.cardinality(codes), 0), COALESCE(pg_catalog.cardinality(names), 0),
                        COALESCE(pg_catalog.cardinality(boundaries), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give one code, one name and one boundary for each new grid, in the same order.';
    END IF;
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(olds), 0) LOOP
        IF olds[i] OPERATOR(@extschema@.=) ANY (olds[1:i - 1]) THEN
            RAISE EXCEPTION 'grid % is given twice', olds[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Name each grid to merge once.';
        END IF;
        given := @extschema@.redraw_old_grid(olds[i], effective);
        IF i OPERATOR(pg_catalog.=) 1 THEN
            lead := given;
        ELSIF given.parent OPERATOR(@extschema@.<>) lead.parent THEN
            RAISE EXCEPTION 'grid % is under %, grid % under %: a merge joins grids of one community',
                            given.code, given.parent, lead.code, lead.parent
                USING ERRCODE = 'GG011',
                      HINT = 'Merge grids with the same parent; a grid moves to another community by retiring it and registering a new one.';
        ELSIF given.layer OPERATOR(pg_catalog.<>) lead.layer THEN
            RAISE EXCEPTION 'grid % is in layer %, grid % in layer %: a merge joins grids of one layer',
                            given.code, given.layer, lead.code, lead.layer
                USING ERRCODE = 'GG011', HINT = 'Merge grids of the same grid layer.';
        END IF;
    END LOOP;
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(codes), 0) LOOP
        IF codes[i] IS NULL OR @extschema@.level(codes[i]) OPERATOR(pg_catalog.<>) 6 THEN
            RAISE EXCEPTION 'new grid % is not a grid code (level 6)', COALESCE(codes[i]::text, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A grid''s code has 15 digits, the last three not 000, such as 440311006003101.';
        END IF;
        IF codes[i] OPERATOR(@extschema@.=) ANY (codes[1:i - 1]) THEN
            RAISE EXCEPTION 'new grid % is given twice', codes[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each new grid once.';
        END IF;
        IF COALESCE(names[i], '') OPERATOR(pg_catalog.=) '' THEN
            RAISE EXCEPTION 'new grid % has no name', codes[i]
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each new grid its name, such as 根竹园社区第05网格.';
        END IF;
        IF @extschema@.parent(codes[i]) OPERATOR(@extschema@.<>) lead.parent THEN
            RAISE EXCEPTION 'new grid % is under %, not under % like grid %', codes[i], @extschema@.parent(codes[i]),
                            lead.parent, lead.code
                USING ERRCODE = 'GG011',
                      HINT = 'The new grids of a redraw stay in the community of the grids they replace (and in their layer).';
        END IF;
        IF EXISTS (SELECT FROM @extschema@.unit u WHERE u.code OPERATOR(@extschema@.=) codes[i]) THEN
            RAISE EXCEPTION 'unit % is already registered', codes[i]
                USING ERRCODE = 'GG011',
                      HINT = 'A split or merge makes grids of new codes; reshape_grid keeps a grid''s code and redraws its boundary.';
        END IF;
        shapes := shapes OPERATOR(pg_catalog.||) @extschema@.redraw_boundary(codes[i], boundaries[i]);
    END LOOP;

    -- the new grids tile the old ground: no overlap, nothing left, nothing more
    SELECT ST_Union(u.boundary), pg_catalog.sum(ST_Area(u.boundary)) OPERATOR(pg_catalog.-) ST_Area(ST_Union(u.boundary))
      INTO ground, m2
      FROM @extschema@.unit u WHERE u.code OPERATOR(@extschema@.=) ANY (olds);
    scale := ST_Area(ground::geography) OPERATOR(pg_catalog./) ST_Area(ground);
    olds_overlap := m2 OPERATOR(pg_catalog.*) scale OPERATOR(pg_catalog.>=) 1;
    FOR i IN 1 .. pg_catalog.cardinality(shapes) LOOP
        FOR j IN i + 1 .. pg_catalog.cardinality(shapes) LOOP
            m2 := ST_Area(ST_Intersection(shapes[i], shapes[j])) OPERATOR(pg_catalog.*) scale;
            IF m2 OPERATOR(pg_catalog.>=) 1 THEN
                RAISE EXCEPTION 'new grids % and % overlap by % m²', codes[i], codes[j], pg_catalog.round(m2::numeric)
                    USING ERRCODE = 'GG011', HINT = 'The new grids of a split tile the old grid without overlapping.';
            END IF;
        END LOOP;
        m2 := ST_Area(ST_Difference(shapes[i], ground)) OPERATOR(pg_catalog.*) scale;
        IF m2 OPERATOR(pg_catalog.>=) 1 THEN
            RAISE EXCEPTION 'new grid % reaches % m² outside grid %', codes[i], pg_catalog.round(m2::numeric),
                            pg_catalog.array_to_string(olds, ', ')
                USING ERRCODE = 'GG011',
                      HINT = 'A split or merge redraws the same ground; move ground between neighbours with reshape_grid.';
        END IF;
    END LOOP;
    drawn := ST_Union(shapes);
    m2 := ST_Area(ST_Difference(ground, drawn)) OPERATOR(pg_catalog.*) scale;
    IF m2 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'the new grids leave % m² of grid % uncovered', pg_catalog.round(m2::numeric),
                        pg_catalog.array_to_string(olds, ', ')
            USING ERRCODE = 'GG011',
                  HINT = 'The new grids of a split or merge cover all the ground of the grids they replace.';
    END IF;

    UPDATE @extschema@.unit u SET valid_to = effective WHERE u.code OPERATOR(@extschema@.=) ANY (olds);
    INSERT INTO @extschema@.unit (code, name, boundary, layer, valid_from)
    SELECT n.code, n.name, n.shape, lead.layer, effective
      FROM ROWS FROM (pg_catalog.unnest(codes), pg_catalog.unnest(names), pg_catalog.unnest(shapes)) AS n(code, name, shape);
    RETURN QUERY
    INSERT INTO @extschema@.grid_lineage AS l
           (old_code, old_valid_from, new_code, new_valid_from, redraw, share_of_old, share_of_new)
    SELECT p.old_code, p.old_valid_from, p.new_code, effective, redraw_grids.redraw,
           LEAST(1, p.m2 OPERATOR(pg_catalog./) pg_catalog.sum(p.m2) OVER (PARTITION BY p.old_code)),
           LEAST(1, p.m2 OPERATOR(pg_catalog./) CASE WHEN olds_overlap THEN p.new_m2
                                                      ELSE pg_catalog.sum(p.m2) OVER (PARTITION BY p.new_code) END)
      FROM (SELECT o.code AS old_code, o.valid_from AS old_valid_from, n.code AS new_code,
                   ST_Area(ST_Intersection(o.boundary, n.boundary)::geography) AS m2,
                   ST_Area(n.boundary::geography) AS new_m2
              FROM @extschema@.unit o, @extschema@.unit n
             WHERE o.code OPERATOR(@extschema@.=) ANY (olds) AND n.code OPERATOR(@extschema@.=) ANY (codes)
               AND ST_Intersects(o.boundary, n.boundary)) p
     WHERE p.m2 OPERATOR(pg_catalog.>) 0
    RETURNING l.*;
END;
$$;
COMMENT ON FUNCTION @extschema@.redraw_grids(text, @extschema@.gridcode[], @extschema@.gridcode[], text[], geometry[], timestamptz) IS
    'the work of split_grid and merge_grids: checks the new grids, ends the old ones at effective, starts the new ones and writes their lineage';

CREATE FUNCTION @extschema@.split_grid(grid @extschema@.gridcode, codes @extschema@.gridcode[], names text[],
                                       boundaries geometry[], effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF @extschema@.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
BEGIN
    IF COALESCE(pg_catalog.cardinality(codes), 0) OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'a split of grid % needs at least two new grids, not %', COALESCE(grid::text, 'NULL'),
                        COALESCE(pg_catalog.cardinality(codes), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'To redraw a grid''s boundary under its own code use reshape_grid.';
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.redraw_grids('split', ARRAY[grid], codes, names, boundaries, effective);
END;
$$;
COMMENT ON FUNCTION @extschema@.split_grid(@extschema@.gridcode, @extschema@.gridcode[], text[], geometry[], timestamptz) IS
    'split a grid in force into new grids (codes, names, boundaries) tiling its ground, in its community and layer, at effective (default now()); returns their lineage';

CREATE FUNCTION @extschema@.merge_grids(grids @extschema@.gridcode[], code @extschema@.gridcode, name text,
                                        boundary geometry, effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF @extschema@.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 4
AS $$
BEGIN
    IF COALESCE(pg_catalog.cardinality(grids), 0) OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'a merge needs at least two grids, not %', COALESCE(pg_catalog.cardinality(grids), 0)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'To redraw one grid''s boundary use reshape_grid.';
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.redraw_grids('merge', grids, ARRAY[code], ARRAY[name], ARRAY[boundary], effective);
END;
$$;
COMMENT ON FUNCTION @extschema@.merge_grids(@extschema@.gridcode[], @extschema@.gridcode, text, geometry, timestamptz) IS
    'merge grids in force of one community and layer into a new grid (code, name, boundary) covering their ground, at effective (default now()); returns its lineage';

-- The same code, a new boundary: the edit keeps the old version in
-- unit_history, ended at effective (unit_keep_history).
CREATE FUNCTION @extschema@.reshape_grid(grid @extschema@.gridcode, boundary geometry,
                                         effective timestamptz DEFAULT pg_catalog.now())
    RETURNS SETOF @extschema@.grid_lineage
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path FROM CURRENT ROWS 1
AS $$
DECLARE
    given @extschema@.unit;
    shape geometry;
    community @extschema@.unit;
    m2 double precision;
BEGIN
    PERFORM @extschema@.check_redraw_time(effective);
    given := @extschema@.redraw_old_grid(grid, effective);
    shape := @extschema@.redraw_boundary(grid, boundary);
    IF ST_Equals(shape, given.boundary) THEN
        RAISE EXCEPTION 'the new boundary of grid % is its current one', grid
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A reshape draws a different boundary.';
    END IF;
    SELECT u.* INTO community FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) given.parent AND @extschema@.unit_is_current(u.valid_to);
    -- in the plane of the drawing, like redraw_grids's checks
    m2 := ST_Area(ST_Difference(shape, community.boundary)) OPERATOR(pg_catalog.*)
          ST_Area(shape::geography) OPERATOR(pg_catalog./) ST_Area(shape);
    IF m2 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'the new boundary of grid % reaches % m² outside its community %', grid,
                        pg_catalog.round(m2::numeric), given.parent
            USING ERRCODE = 'GG011',
                  HINT = 'A grid stays inside the boundary of the community it is coded under.';
    END IF;
    UPDATE @extschema@.unit u SET boundary = shape, valid_from = effective WHERE u.code OPERATOR(@extschema@.=) grid;
    m2 := ST_Area(ST_Intersection(given.boundary, shape)::geography);
    RETURN QUERY
    INSERT INTO @extschema@.grid_lineage AS l
           (old_code, old_valid_from, new_code, new_valid_from, redraw, share_of_old, share_of_new)
    VALUES (grid, given.valid_from, grid, effective, 'reshape',
            LEAST(1, m2 OPERATOR(pg_catalog./) ST_Area(given.boundary::geography)),
            LEAST(1, m2 OPERATOR(pg_catalog./) ST_Area(shape::geography)))
    RETURNING l.*;
END;
$$;
COMMENT ON FUNCTION @extschema@.reshape_grid(@extschema@.gridcode, geometry, timestamptz) IS
    'redraw the boundary of a grid in force under its own code, inside its community, at effective (default now()); the old version goes to unit_history; returns the lineage row';

-- Routing by reported_at reads every version (unit_versions): the earlier
-- ones and the lineage that dates the first version of a redrawn grid.
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.unit_history
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.unit_history ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;
CREATE TRIGGER gridgov_invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.grid_lineage
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.invalidate_cache();
ALTER TABLE @extschema@.grid_lineage ENABLE ALWAYS TRIGGER gridgov_invalidate_cache;

-- A lineage row is seen beside either grid, and written by an
-- administrator of both (the redraw functions, as their caller).
ALTER TABLE @extschema@.grid_lineage ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.grid_lineage FOR SELECT
    USING (@extschema@.jurisdiction_covers(old_code) OR @extschema@.jurisdiction_covers(new_code));
CREATE POLICY gridgov_insert ON @extschema@.grid_lineage FOR INSERT
    WITH CHECK (@extschema@.jurisdiction_holds(old_code, 'administrator')
                AND @extschema@.jurisdiction_holds(new_code, 'administrator'));


-- Readers (and so handlers, who route cases by their reported_at) read the
-- units' earlier versions and lineage; administrators write the lineage.
GRANT SELECT ON @extschema@.unit_history, @extschema@.grid_lineage, @extschema@.unit_versions TO gridgov_reader;
GRANT SELECT, INSERT ON @extschema@.grid_lineage TO gridgov_administrator;
GRANT SELECT ON @extschema@.grid_lineage, @extschema@.unit_versions TO gridgov_auditor;

-- Reporters' contacts by column privileges (issue 13, item 3), as
-- sql/roles.sql: readers read every column of cases but reporter and the
-- history's hashes and digests (which a reader could test guesses of a
-- reporter against), handlers and auditors the whole case and history;
-- the functions readers and administrators run over cases read columns by
-- name (the aggregates' column forms, not the whole row).
REVOKE SELECT ON @extschema@.cases, @extschema@.case_history FROM gridgov_reader;
GRANT SELECT (id, district, unit, category, severity, reported_severity, channel, description, location, cell,
              status, handling_level, service_point, stage, stage_started_at, stage_deadline, stage_limit_unit,
              stage_paused_seconds, suspended_at, suspended_seconds, reported_at, accepted_at, dispatched_at,
              resolved_at, verified_at, closed_at, escalations, reopenings, extensions, returns, deadlines_missed,
              duplicate_of, linked_cases, warning, satisfaction, evaluation, actor, note, moved_at, last_action,
              escalation_trigger, history_seq, deadline_provisional, handler, actor_person, reporter_person,
              grid_gap)
    ON @extschema@.cases TO gridgov_reader;
GRANT SELECT (district, case_id, seq, at, actor, action, from_status, to_status, handling_level, service_point,
              escalation_trigger, note, entry, actor_person, handler)
    ON @extschema@.case_history TO gridgov_reader;
GRANT SELECT ON @extschema@.cases, @extschema@.case_history TO gridgov_handler;

CREATE OR REPLACE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text, deadline_provisional boolean)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END,
           s.deadline_provisional
      FROM (SELECT c.id, c.district, c.unit, c.status, c.stage, c.service_point, c.stage_started_at,
                   c.stage_deadline, c.suspended_at, c.deadline_provisional,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;

CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := @extschema@.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_days(from_day, to_day);
    -- one refresh at a time; readers are not blocked
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM @extschema@.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category,
           @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
      FROM @extschema@.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    DELETE FROM @extschema@.kpi_handler_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_handler_daily (day, handler, kpi)
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.handler,
           @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM @extschema@.cases c
     WHERE c.handler IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2;
    RETURN written;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.risk_scores(under @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now(),
                                        max_level integer DEFAULT 6)
    RETURNS TABLE (unit @extschema@.gridcode, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH settings AS (
        -- last_day NULL without a usable rollup: everything from the cases
        SELECT CASE WHEN r.through IS NOT NULL
                    THEN LEAST(r.through, @extschema@.risk_day(as_of) OPERATOR(pg_catalog.-) 1) END AS last_day,
               EXTRACT(epoch FROM @extschema@.risk_half_life())::float8 AS half_life,
               @extschema@.risk_weights() AS weights
          FROM (SELECT @extschema@.risk_rollup_through() AS through) r
    ), levels AS (
        SELECT l.level FROM pg_catalog.generate_series(@extschema@.level(under), LEAST(max_level, 7)) AS l(level)
    ), decay AS (
        -- per day of the rollup, the decay from its end to as_of
        SELECT g.day::date AS day,
               @extschema@.risk_decay(EXTRACT(epoch FROM as_of OPERATOR(pg_catalog.-) @extschema@.risk_day_end(g.day::date))::float8,
                                      s.half_life) AS factor
          FROM settings s
         CROSS JOIN LATERAL pg_catalog.generate_series(
               (SELECT pg_catalog.min(d.day) FROM @extschema@.risk_daily d)::timestamp,
               s.last_day::timestamp, interval '1 day') AS g(day)
    ), rolled_units AS (
        SELECT d.unit,
               pg_catalog.sum(d.mass OPERATOR(pg_catalog.*) s.weights[d.severity] OPERATOR(pg_catalog.*) f.factor) AS score,
               pg_catalog.sum(d.cases) AS cases
          FROM settings s
          JOIN @extschema@.risk_daily d ON d.day OPERATOR(pg_catalog.<=) s.last_day
          JOIN decay f ON f.day OPERATOR(pg_catalog.=) d.day
         WHERE d.unit OPERATOR(@extschema@.<@) under
         GROUP BY d.unit
    ), rolled AS (
        SELECT @extschema@.ancestor(r.unit, lv.level) AS unit, pg_catalog.sum(r.score) AS score,
               pg_catalog.sum(r.cases)::bigint AS cases
          FROM rolled_units r
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(r.unit)
         GROUP BY 1
    ), recent AS (
        -- the aggregate's column form: readers may not read the whole case (its reporter)
        SELECT @extschema@.ancestor(c.unit, lv.level) AS unit,
               @extschema@.risk(c.status, c.severity, c.reported_at, as_of) AS score,
               @extschema@.risk_cases(c.status, c.severity, c.reported_at, as_of) AS cases
          FROM settings s
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) COALESCE(@extschema@.risk_day_end(s.last_day), '-infinity')
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(c.unit)
         WHERE c.unit OPERATOR(@extschema@.<@) under
         GROUP BY 1
    )
    -- the checks first: a bad as_of or max_level is refused before any work
    SELECT b.unit, pg_catalog.sum(b.score), pg_catalog.sum(b.cases)::bigint
      FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) b
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcode_level(max_level, 'max_level')
       AND b.cases OPERATOR(pg_catalog.>) 0
     GROUP BY b.unit
     ORDER BY b.unit;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.risk_cells(area @extschema@.gridcell, level integer,
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (cell @extschema@.gridcell, score float8, cases bigint)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT @extschema@.parent(c.cell, risk_cells.level),
           @extschema@.risk(c.status, c.severity, c.reported_at, as_of),
           @extschema@.risk_cases(c.status, c.severity, c.reported_at, as_of)
      FROM @extschema@.cases c
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcell_level(risk_cells.level, 'level')
       AND c.cell OPERATOR(@extschema@.<@) area
       AND c.reported_at OPERATOR(pg_catalog.<=) as_of
     GROUP BY 1
    HAVING @extschema@.risk_cases(c.status, c.severity, c.reported_at, as_of) OPERATOR(pg_catalog.>) 0
     ORDER BY 1;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    state @extschema@.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO state FROM @extschema@.rollup_state;

    CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_pairs (day date, unit @extschema@.gridcode) ON COMMIT DROP;
    TRUNCATE gridgov_rollup_pairs;
    WITH taken AS (DELETE FROM @extschema@.rollup_change RETURNING day, unit)
    INSERT INTO gridgov_rollup_pairs SELECT DISTINCT day, unit FROM taken;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM @extschema@.cases c;
        PERFORM @extschema@.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM @extschema@.kpi_daily;
    ELSE
        -- open cases whose deadline passed between the two as_of
        INSERT INTO gridgov_rollup_pairs
        SELECT DISTINCT pg_catalog.timezone(zone, c.reported_at)::date, c.unit
          FROM @extschema@.cases c
         WHERE c.stage_deadline IS NOT NULL
           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p;
        -- a few hundred pairs: with their true count the planner reads each
        -- pair's cases by index instead of hashing every case
        ANALYZE gridgov_rollup_pairs;

        DELETE FROM @extschema@.kpi_daily d USING gridgov_rollup_pairs p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(@extschema@.=) p.unit;
        -- each pair's cases by index (unit, category, reported_at): a lateral
        -- aggregate is run per pair, where a join of a few hundred pairs
        -- with the cases is planned as a hash of every case
        INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
        SELECT p.day, p.unit, k.category, k.kpi
          FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p
         CROSS JOIN LATERAL (
                -- the aggregate's column form: readers may not read the whole case (its reporter)
                SELECT c.category,
                       @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.category) k;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_above (day date, unit @extschema@.gridcode, level integer) ON COMMIT DROP;
        TRUNCATE gridgov_rollup_above;
        INSERT INTO gridgov_rollup_above
        SELECT DISTINCT p.day, @extschema@.ancestor(p.unit, l.level), l.level
          FROM gridgov_rollup_pairs p
         CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(p.unit), 6)) AS l(level);
        ANALYZE gridgov_rollup_above;
        DELETE FROM @extschema@.kpi_unit_daily d USING gridgov_rollup_above a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit;
        INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, @extschema@.kpi_merge(d.kpi)
          FROM gridgov_rollup_above a
          JOIN @extschema@.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (a union of two joins, not a join of a union or a lateral
        -- subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, @extschema@.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(@extschema@.<@) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                       AND @extschema@.level(u.unit) OPERATOR(pg_catalog.=) (above_level OPERATOR(pg_catalog.+) 1)
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;
    END IF;
    INSERT INTO @extschema@.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;

    -- the risk rollup: the pairs of the days it holds, then the days that
    -- have ended since
    through := @extschema@.risk_rollup_through();
    IF through IS NULL THEN
        PERFORM @extschema@.refresh_risk_daily(NULL, yesterday);
    ELSE
        LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
        DELETE FROM @extschema@.risk_daily r USING gridgov_rollup_pairs p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(@extschema@.=) p.unit
           AND p.day OPERATOR(pg_catalog.<=) through;
        INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass)
        SELECT p.day, p.unit, r.severity, r.cases, r.mass
          FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs WHERE day OPERATOR(pg_catalog.<=) through) p
         CROSS JOIN LATERAL (
                SELECT c.severity, pg_catalog.count(*) AS cases,
                       pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(p.day) OPERATOR(pg_catalog.-) c.reported_at)::float8,
                                                             half_life_seconds)) AS mass
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(p.day OPERATOR(pg_catalog.-) 1)
                   AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(p.day)
                   AND c.status NOT IN ('rejected', 'merged')
                 GROUP BY c.district, c.severity) r;
        IF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM @extschema@.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    RETURN pairs;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.kpi_by_service_point(starts timestamptz, ends timestamptz,
                                                 as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (service_point integer, kpi @extschema@.kpi_state)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100 SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT h.service_point,
           @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM @extschema@.cases c
      JOIN @extschema@.case_history h
        ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
       AND h.seq OPERATOR(pg_catalog.=) 1
     WHERE c.reported_at OPERATOR(pg_catalog.>=) starts AND c.reported_at OPERATOR(pg_catalog.<) ends
       AND h.service_point IS NOT NULL
     GROUP BY h.service_point;
END;
$$;

CREATE OR REPLACE FUNCTION @extschema@.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN (
        WITH widths AS (
            SELECT w.level, w.degrees
              FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                           (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                           (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
        ), tile AS (
            SELECT ST_TileEnvelope(z, x, y) AS envelope,
                   ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
                   360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
             WHERE @extschema@.check_tile(z, x, y, cell_level) AND @extschema@.check_risk_time(as_of)
        ), levels AS (
            SELECT t.*, l.cell_level,
                   -- the finest level at most cell_level whose cells are at least
                   -- a quarter of the tile's width: a handful of ranges to read
                   COALESCE((SELECT pg_catalog.max(w.level) FROM widths w
                              WHERE w.level OPERATOR(pg_catalog.<=) l.cell_level
                                AND w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 4)), 1) AS probe_level
              FROM tile t
             CROSS JOIN LATERAL (
                   SELECT COALESCE(cell_level,
                                   (SELECT pg_catalog.max(w.level) FROM widths w
                                     WHERE w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 128)), 1)
                          AS cell_level) l
        ), cells AS (
            -- the aggregate's column form: readers may not read the whole case (its reporter)
            SELECT @extschema@.parent(c.cell, lv.cell_level) AS cell,
                   @extschema@.risk(c.status, c.severity, c.reported_at, as_of) AS score,
                   @extschema@.risk_cases(c.status, c.severity, c.reported_at, as_of) AS cases
              FROM levels lv
             CROSS JOIN LATERAL @extschema@.cover(lv.envelope_4326, lv.probe_level) probe
              JOIN @extschema@.cases c
                ON c.cell OPERATOR(@extschema@.<@) probe.cell
               AND c.reported_at OPERATOR(pg_catalog.<=) as_of
             GROUP BY 1
        ), features AS (
            SELECT ST_AsMVTGeom(ST_Transform(@extschema@.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
                   ce.cell::text AS cell, lv.cell_level AS level, ce.score,
                   @extschema@.risk_color(ce.score, NULL) AS color, ce.cases
              FROM cells ce, levels lv
             WHERE ce.cases OPERATOR(pg_catalog.>) 0
        )
        SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                    THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom')
                                     FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END);
END;
$$;

-- reported_at without a column default: the case engine dates a report
-- left without a time itself, with the transaction start of the node that
-- writes the row (on Citus the coordinator computed the default and the
-- shard took it for a dated report: docs/scale-out.md)
ALTER TABLE @extschema@.cases ALTER COLUMN reported_at DROP DEFAULT;
COMMENT ON COLUMN @extschema@.cases.reported_at IS
    'when it was reported (上报): left out, the start of the transaction (now()), which the engine sets on the node that writes the row; another time is an importer''s';

-- escalate_overdue() as of now(): escalations without a time of their own,
-- dated by the engine where the case is (on Citus the worker, which took the
-- coordinator's now() for a dated move: docs/scale-out.md)
CREATE OR REPLACE FUNCTION @extschema@.escalate_overdue(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (case_id bigint, missed_deadline timestamptz, from_level integer, to_level integer,
                   service_point integer)
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    due_district @extschema@.gridcode;
    ids bigint[] := '{}';
    deadlines timestamptz[] := '{}';
    from_levels integer[] := '{}';
    to_levels integer[] := '{}';
    points integer[] := '{}';
    -- as of now() the escalations are moves without a time of their own,
    -- dated by the engine where it runs: on Citus the as_of sent to a
    -- shard is the coordinator's now(), which is no time of the worker's
    dated constant boolean := as_of OPERATOR(pg_catalog.<>) pg_catalog.now();
BEGIN
    -- district by district: on Citus (docs/scale-out.md) each district's
    -- due cases are locked and moved in their one shard
    FOR due_district IN
        SELECT DISTINCT c.district
          FROM @extschema@.cases c
         WHERE c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
           AND c.suspended_at IS NULL
           AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
           AND c.moved_at OPERATOR(pg_catalog.<) as_of
           AND c.handling_level OPERATOR(pg_catalog.>) 3
    LOOP
        WITH due AS (
            SELECT c.id, c.stage_deadline, c.handling_level,
                   'deadline ' OPERATOR(pg_catalog.||) c.stage_deadline OPERATOR(pg_catalog.||) ' missed' AS note
              FROM @extschema@.cases c
             WHERE c.district OPERATOR(@extschema@.=) due_district
               AND c.status IN ('accepted', 'dispatched', 'returned', 'in_progress')
               AND c.suspended_at IS NULL
               AND c.stage_deadline OPERATOR(pg_catalog.<) as_of
               AND c.moved_at OPERATOR(pg_catalog.<) as_of
               AND c.handling_level OPERATOR(pg_catalog.>) 3
               FOR UPDATE OF c SKIP LOCKED
        ), moved AS (
            UPDATE @extschema@.cases c
               SET handling_level = due.handling_level OPERATOR(pg_catalog.-) 1,
                   escalation_trigger = 'overdue',
                   note = due.note,
                   moved_at = CASE WHEN dated THEN as_of ELSE c.moved_at END
              FROM due
             WHERE c.district OPERATOR(@extschema@.=) due_district AND c.id OPERATOR(pg_catalog.=) due.id
            RETURNING c.id, due.stage_deadline, due.handling_level, c.handling_level AS new_level, c.service_point
        )
        SELECT ids OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.id),
               deadlines OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.stage_deadline),
               from_levels OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.handling_level),
               to_levels OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.new_level),
               points OPERATOR(pg_catalog.||) pg_catalog.array_agg(m.service_point)
          INTO ids, deadlines, from_levels, to_levels, points
          FROM moved m;
    END LOOP;
    RETURN QUERY
    SELECT u.id, u.deadline, u.from_level, u.to_level, u.point
      FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(deadlines), pg_catalog.unnest(from_levels),
                      pg_catalog.unnest(to_levels), pg_catalog.unnest(points))
           AS u (id, deadline, from_level, to_level, point)
     ORDER BY u.deadline, u.id;
END;
$$;
COMMENT ON FUNCTION @extschema@.escalate_overdue(timestamptz) IS
    'escalate every case past its stage deadline at as_of one level up, each escalation dated as_of (by the clock, as any move without a time, when as_of is now()); returns what it escalated';

-- rollup_change notes each pair's district: on Citus the log is
-- distributed by it, colocated with the cases, so that the shards' triggers
-- note their changes where refresh_rollups() on the coordinator reads them
ALTER TABLE @extschema@.rollup_change ADD COLUMN district @extschema@.gridcode;
UPDATE @extschema@.rollup_change SET district = @extschema@.ancestor(unit, 3);
ALTER TABLE @extschema@.rollup_change ALTER COLUMN district SET NOT NULL;
COMMENT ON COLUMN @extschema@.rollup_change.district IS
    'the changed cases'' district: on Citus the log is distributed by it, colocated with the cases, so that a change is noted in the shard beside its case (docs/scale-out.md)';
-- Open311's post gives the case its district, as Citus needs to route it.
CREATE OR REPLACE FUNCTION @extschema@.open311_post_request(
    service_code text, lat double precision DEFAULT NULL, long double precision DEFAULT NULL,
    address_string text DEFAULT NULL, address_id text DEFAULT NULL, email text DEFAULT NULL,
    device_id text DEFAULT NULL, account_id text DEFAULT NULL, first_name text DEFAULT NULL,
    last_name text DEFAULT NULL, phone text DEFAULT NULL, description text DEFAULT NULL,
    media_url text DEFAULT NULL, attribute jsonb DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    service @extschema@.open311_service := @extschema@.open311_find_service(service_code);
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    grid @extschema@.gridcode;
    reported @extschema@.cases;
    token text := pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '') OPERATOR(pg_catalog.||)
                  pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '');
BEGIN
    IF (lat IS NULL) OPERATOR(pg_catalog.<>) (long IS NULL) THEN
        RAISE EXCEPTION 'lat and long go together: % is missing', CASE WHEN lat IS NULL THEN 'lat' ELSE 'long' END
            USING ERRCODE = '22023';
    END IF;
    IF NULLIF(address_id, '') IS NOT NULL THEN
        SELECT u.code INTO grid FROM @extschema@.unit u
         WHERE address_id OPERATOR(pg_catalog.~) '^\d{2,19}$'
           AND u.code OPERATOR(@extschema@.=) address_id::@extschema@.gridcode;
        IF grid IS NULL THEN
            RAISE EXCEPTION 'address_id "%" is not the code of a unit', address_id
                USING ERRCODE = '22023', HINT = 'An address_id is a grid''s code, such as 440311006003001.';
        END IF;
    ELSIF lat IS NULL THEN
        RAISE EXCEPTION 'a request needs lat and long, or address_id'
            USING ERRCODE = '22023',
                  HINT = 'An address_string alone cannot be placed in a grid; send the point, or the grid''s code as address_id.';
    END IF;
    IF pg_catalog.length(description) OPERATOR(pg_catalog.>) 4000 THEN
        RAISE EXCEPTION 'description has % characters, more than 4,000', pg_catalog.length(description)
            USING ERRCODE = '22023';
    END IF;
    PERFORM @extschema@.open311_check_attributes(service, COALESCE(attribute, '{}'));

    -- the district given, as Citus routes a report by it before the intake
    -- runs (docs/scale-out.md); a point outside every district goes
    -- without one, for the engine's own refusal
    INSERT INTO @extschema@.cases (district, category, channel, description, location, unit, reporter)
    VALUES (COALESCE(@extschema@.ancestor(grid, 3), (@extschema@.unit_at(@extschema@.open311_point(lat, long), 3)).code),
            service.category, 'resident_app', COALESCE(description, ''),
            @extschema@.open311_point(lat, long), grid,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'email', NULLIF(email, ''), 'first_name', NULLIF(first_name, ''),
                'last_name', NULLIF(last_name, ''), 'phone', NULLIF(phone, ''),
                'device_id', NULLIF(device_id, ''), 'account_id', NULLIF(account_id, ''))))
    RETURNING * INTO reported;
    IF within IS NOT NULL AND NOT reported.unit OPERATOR(@extschema@.<@) within THEN
        RAISE EXCEPTION 'the request''s place, in unit %, is outside jurisdiction %', reported.unit, within
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO @extschema@.open311_request (district, case_id, token_sha256, address_string, media_url, attributes)
    VALUES (reported.district, reported.id, pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')),
            NULLIF(address_string, ''), NULLIF(media_url, ''), COALESCE(attribute, '{}'));
    RETURN pg_catalog.json_build_array(pg_catalog.json_build_object(
               'service_request_id', reported.id,
               'token', token,
               'service_notice', service.service_notice,
               'account_id', NULLIF(account_id, '')));
END;
$$;

-- Redraws: KPIs and risk of a grid through the lineage (docs/layers.md,
-- "KPIs and risk across a redraw").
-- The cases of a period that belong to a grid as it is now, whatever grids
-- they were reported to.  A case with a location is routed again against
-- today's grids (grid_at): exact, for a split as for a merge or a reshape.
-- A case without one (its unit given at intake) follows the lineage back
-- from the grid to the versions it came from, weighted by the share of
-- each old version's area that went to the grid (summed over the paths):
-- 1 for the cases of a grid merged whole into it, a share of area, an
-- estimate, for those of a grid split or shrunk.
CREATE FUNCTION @extschema@.lineage_cases(grid @extschema@.gridcode, from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (id bigint, unit @extschema@.gridcode, reported_at timestamptz, weight double precision,
                   mapped text)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 100
AS $$
#variable_conflict use_column
DECLARE
    given @extschema@.unit;
BEGIN
    SELECT u.* INTO given FROM @extschema@.unit u
     WHERE u.code OPERATOR(@extschema@.=) lineage_cases.grid AND u.level OPERATOR(pg_catalog.=) 6
       AND @extschema@.unit_is_current(u.valid_to);
    IF given.code IS NULL THEN
        RAISE EXCEPTION 'unit % is not a grid in force', lineage_cases.grid
            USING ERRCODE = 'GG011',
                  HINT = 'The cases are mapped onto a grid (level 6) in force in gridgov.unit.';
    END IF;
    IF from_ts OPERATOR(pg_catalog.>=) to_ts THEN
        RAISE EXCEPTION 'the period from % to % is empty', from_ts, to_ts
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the start of the period, then its end (not included).';
    END IF;
    RETURN QUERY
    WITH RECURSIVE ancestry (code, valid_from, weight) AS (
        SELECT given.code, given.valid_from, 1::double precision
        UNION ALL
        SELECT l.old_code, l.old_valid_from, a.weight OPERATOR(pg_catalog.*) l.share_of_old
          FROM ancestry a
          JOIN @extschema@.grid_lineage l
            ON l.new_code OPERATOR(@extschema@.=) a.code AND l.new_valid_from OPERATOR(pg_catalog.=) a.valid_from
    ), versions AS (
        SELECT a.code, v.routes_from, v.valid_to, pg_catalog.sum(a.weight) AS weight
          FROM ancestry a
          JOIN @extschema@.unit_versions v
            ON v.code OPERATOR(@extschema@.=) a.code AND v.valid_from OPERATOR(pg_catalog.=) a.valid_from
         GROUP BY a.code, v.routes_from, v.valid_to
    )
    SELECT c.id, c.unit, c.reported_at, 1::double precision, 'location'::text
      FROM @extschema@.cases c
     WHERE c.unit OPERATOR(@extschema@.<@) given.parent AND c.location IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) from_ts AND c.reported_at OPERATOR(pg_catalog.<) to_ts
       AND @extschema@.grid_at(c.location, given.layer) OPERATOR(@extschema@.=) given.code
    UNION ALL
    SELECT c.id, c.unit, c.reported_at, v.weight, 'lineage'::text
      FROM versions v
      JOIN @extschema@.cases c
        ON c.unit OPERATOR(@extschema@.=) v.code AND c.reported_at OPERATOR(pg_catalog.>=) v.routes_from
       AND (v.valid_to IS NULL OR c.reported_at OPERATOR(pg_catalog.<) v.valid_to)
     WHERE c.location IS NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) from_ts AND c.reported_at OPERATOR(pg_catalog.<) to_ts
     ORDER BY 3, 1;
END;
$$;
COMMENT ON FUNCTION @extschema@.lineage_cases(@extschema@.gridcode, timestamptz, timestamptz) IS
    'the cases reported from from_ts to to_ts (not included) that belong to a grid in force as it is now: by location routed again (weight 1), or without one through grid_lineage, weighted by the share of area the grid took of the grid they were reported to';

-- A grid's KPIs over a period that spans redraws: the state of the whole
-- cases lineage_cases gives (weight 1), and, apart, the estimate of the
-- cases without a location that came with a share of a split or shrunk
-- grid, which a state cannot hold in part.
CREATE FUNCTION @extschema@.kpi_through_lineage(grid @extschema@.gridcode, from_ts timestamptz, to_ts timestamptz,
                                                as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (kpi @extschema@.kpi_state, by_location bigint, by_lineage bigint, apportioned double precision)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT ROWS 1
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH l AS (SELECT * FROM @extschema@.lineage_cases(grid, from_ts, to_ts))
    SELECT (SELECT @extschema@.kpi(c, as_of) FROM @extschema@.cases c
             WHERE c.id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT l.id FROM l
                                                           WHERE l.weight OPERATOR(pg_catalog.>) 0.999999999))),
           (SELECT pg_catalog.count(*) FROM l WHERE l.mapped OPERATOR(pg_catalog.=) 'location'),
           (SELECT pg_catalog.count(*) FROM l WHERE l.mapped OPERATOR(pg_catalog.=) 'lineage'
                                              AND l.weight OPERATOR(pg_catalog.>) 0.999999999),
           (SELECT COALESCE(pg_catalog.sum(l.weight), 0) FROM l
             WHERE l.weight OPERATOR(pg_catalog.<=) 0.999999999);
END;
$$;
COMMENT ON FUNCTION @extschema@.kpi_through_lineage(@extschema@.gridcode, timestamptz, timestamptz, timestamptz) IS
    'KPI state at as_of of the whole cases of a grid in force over a period that spans redraws (lineage_cases of weight 1), with how many came by location and by lineage, and the apportioned estimate of cases without a location from split or shrunk grids';


-- A grid's risk at as_of through the lineage of redraws: risk is a sum
-- over cases, so each case of lineage_cases counts with its weight (the
-- cases without a location from a split or shrunk grid by their share of
-- area, an estimate).
CREATE FUNCTION @extschema@.risk_through_lineage(grid @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS double precision
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    PERFORM @extschema@.check_risk_time(as_of);
    RETURN (SELECT COALESCE(pg_catalog.sum(l.weight OPERATOR(pg_catalog.*) s.score), 0)
              FROM @extschema@.lineage_cases(grid, '-infinity', as_of OPERATOR(pg_catalog.+) interval '1 microsecond') l
             CROSS JOIN LATERAL (SELECT @extschema@.risk(c, as_of) AS score FROM @extschema@.cases c
                                  WHERE c.id OPERATOR(pg_catalog.=) l.id) s);
END;
$$;
COMMENT ON FUNCTION @extschema@.risk_through_lineage(@extschema@.gridcode, timestamptz) IS
    'risk score at as_of (2000 to 2199) of a grid in force with the cases of its earlier versions and predecessors (lineage_cases), each weighted; equals risk() over the grid''s cases where no redraw happened';

-- Open311's GET makes a request's JSON on the node that asks, from the
-- case's columns (a Citus shard's row is of the shard's own type).
CREATE OR REPLACE FUNCTION @extschema@.open311_requests(
    service_request_id text DEFAULT NULL, service_code text DEFAULT NULL, start_date text DEFAULT NULL,
    end_date text DEFAULT NULL, status text DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    ids bigint[];
    codes text[] := pg_catalog.string_to_array(NULLIF(service_code, ''), ',');
    statuses text[] := pg_catalog.string_to_array(NULLIF(status, ''), ',');
    first_time timestamptz := @extschema@.open311_parse_datetime('start_date', NULLIF(start_date, ''));
    last_time timestamptz := @extschema@.open311_parse_datetime('end_date', NULLIF(end_date, ''));
    c @extschema@.cases;
    requests json[] := '{}';
    result json;
BEGIN
    IF NULLIF(service_request_id, '') IS NOT NULL THEN
        IF service_request_id OPERATOR(pg_catalog.!~) '^\d{1,18}(,\d{1,18})*$' THEN
            RAISE EXCEPTION 'service_request_id "%" is not a comma-separated list of request ids', service_request_id
                USING ERRCODE = '22P02';
        END IF;
        ids := pg_catalog.string_to_array(service_request_id, ',')::bigint[];
    END IF;
    IF statuses OPERATOR(pg_catalog.<@) ARRAY['open', 'closed'] IS NOT TRUE AND statuses IS NOT NULL THEN
        RAISE EXCEPTION 'status "%" is not open, closed or both', status
            USING ERRCODE = '22023', HINT = 'Give open, closed, or open,closed.';
    END IF;
    -- the default span is the 90 days up to now, or up to or from the date given
    last_time := COALESCE(last_time, first_time OPERATOR(pg_catalog.+) interval '90 days', pg_catalog.now());
    first_time := COALESCE(first_time, last_time OPERATOR(pg_catalog.-) interval '90 days');
    IF last_time OPERATOR(pg_catalog.<) first_time THEN
        RAISE EXCEPTION 'end_date % is before start_date %', end_date, start_date USING ERRCODE = '22023';
    END IF;
    IF last_time OPERATOR(pg_catalog.-) first_time OPERATOR(pg_catalog.>) interval '90 days' THEN
        RAISE EXCEPTION 'start_date and end_date span more than 90 days'
            USING ERRCODE = '22023', HINT = 'GeoReport v2 asks for 90 days at most: query the span in parts.';
    END IF;
    -- the cases' columns come back to this node, which makes their JSON:
    -- on a Citus shard a case row has the shard's own type (docs/scale-out.md)
    FOR c IN
        SELECT k.*
          FROM @extschema@.cases k
          JOIN @extschema@.open311_service s ON s.category OPERATOR(pg_catalog.=) k.category
         WHERE (within IS NULL OR k.unit OPERATOR(@extschema@.<@) within)
           AND CASE WHEN ids IS NOT NULL THEN k.id OPERATOR(pg_catalog.=) ANY (ids)
               ELSE (codes IS NULL OR COALESCE(s.service_code, s.category) OPERATOR(pg_catalog.=) ANY (codes))
                    AND (statuses IS NULL OR
                         CASE WHEN k.status OPERATOR(pg_catalog.=) ANY (ARRAY['closed', 'rejected', 'merged'])
                              THEN 'closed' ELSE 'open' END OPERATOR(pg_catalog.=) ANY (statuses))
                    AND k.reported_at OPERATOR(pg_catalog.>=) first_time
                    AND k.reported_at OPERATOR(pg_catalog.<=) last_time END
         ORDER BY k.reported_at, k.id
         LIMIT 1000
    LOOP
        requests := requests OPERATOR(pg_catalog.||) @extschema@.open311_request_json(c);
    END LOOP;
    SELECT COALESCE(pg_catalog.json_agg(r.request ORDER BY r.n), '[]') INTO result
      FROM pg_catalog.unnest(requests) WITH ORDINALITY AS r (request, n);
    RETURN result;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.open311_request(service_request_id text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    within @extschema@.gridcode := @extschema@.open311_jurisdiction(jurisdiction_id);
    c @extschema@.cases;
    result json;
BEGIN
    -- the case's columns, made JSON on this node (as open311_requests)
    SELECT k.* INTO c
      FROM @extschema@.cases k
     WHERE service_request_id OPERATOR(pg_catalog.~) '^\d{1,18}$'
       AND k.id OPERATOR(pg_catalog.=) service_request_id::bigint
       AND (within IS NULL OR k.unit OPERATOR(@extschema@.<@) within);
    IF FOUND THEN
        result := @extschema@.open311_request_json(c);
    END IF;
    IF result IS NULL THEN
        RAISE EXCEPTION 'service_request_id "%" was not found', COALESCE(service_request_id, '')
            USING ERRCODE = 'GG012';
    END IF;
    RETURN pg_catalog.json_build_array(result);
END;
$$;

-- Errors found by fuzzing the functions: an amount that is NaN, infinite or
-- beyond a bigint of fen is refused by yuan_to_fen with what is wrong (it
-- was "cannot convert NaN to bigint"); risk_cell_tile checks its tile
-- before its query, whose plan could compute the envelope first (PostGIS's
-- XX000 for a tile that does not exist).
CREATE OR REPLACE FUNCTION @extschema@.yuan_to_fen(yuan numeric) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF yuan OPERATOR(pg_catalog.=) 'NaN'::numeric THEN
        RAISE EXCEPTION 'an amount of NaN yuan is not a number'
            USING ERRCODE = '22023', HINT = 'Give a positive amount in yuan.';
    END IF;
    IF yuan OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION 'an amount of % yuan is not positive', yuan
            USING ERRCODE = '22023', HINT = 'Give a positive amount in yuan.';
    END IF;
    -- the largest bigint of fen, Infinity included
    IF yuan OPERATOR(pg_catalog.>) 92233720368547758.07 THEN
        RAISE EXCEPTION 'an amount of % yuan is out of range', yuan
            USING ERRCODE = '22003', HINT = 'Amounts run up to 92233720368547758.07 yuan.';
    END IF;
    IF yuan OPERATOR(pg_catalog.<>) pg_catalog.round(yuan, 2) THEN
        RAISE EXCEPTION 'an amount of % yuan is not a whole number of fen', yuan
            USING ERRCODE = '22023', HINT = 'Give the amount in yuan with at most two decimals.';
    END IF;
    RETURN (yuan OPERATOR(pg_catalog.*) 100)::bigint;
END;
$$;
COMMENT ON FUNCTION @extschema@.yuan_to_fen(numeric) IS
    'a positive amount in yuan, with at most two decimals, as fen (1/100 yuan); anything else is refused (22023, 22003 beyond a bigint of fen)';

CREATE OR REPLACE FUNCTION @extschema@.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    -- before the query: its plan may compute the tile's envelope before a
    -- WHERE on these checks, and PostGIS refuses a bad tile with XX000
    PERFORM @extschema@.check_tile(z, x, y, cell_level), @extschema@.check_risk_time(as_of);
    RETURN (
        WITH widths AS (
            SELECT w.level, w.degrees
              FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                           (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                           (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
        ), tile AS (
            SELECT ST_TileEnvelope(z, x, y) AS envelope,
                   ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
                   360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
        ), levels AS (
            SELECT t.*, l.cell_level,
                   -- the finest level at most cell_level whose cells are at least
                   -- a quarter of the tile's width: a handful of ranges to read
                   COALESCE((SELECT pg_catalog.max(w.level) FROM widths w
                              WHERE w.level OPERATOR(pg_catalog.<=) l.cell_level
                                AND w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 4)), 1) AS probe_level
              FROM tile t
             CROSS JOIN LATERAL (
                   SELECT COALESCE(cell_level,
                                   (SELECT pg_catalog.max(w.level) FROM widths w
                                     WHERE w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 128)), 1)
                          AS cell_level) l
        ), cells AS (
            -- the aggregate's column form: readers may not read the whole case (its reporter)
            SELECT @extschema@.parent(c.cell, lv.cell_level) AS cell,
                   @extschema@.risk(c.status, c.severity, c.reported_at, as_of) AS score,
                   @extschema@.risk_cases(c.status, c.severity, c.reported_at, as_of) AS cases
              FROM levels lv
             CROSS JOIN LATERAL @extschema@.cover(lv.envelope_4326, lv.probe_level) probe
              JOIN @extschema@.cases c
                ON c.cell OPERATOR(@extschema@.<@) probe.cell
               AND c.reported_at OPERATOR(pg_catalog.<=) as_of
             GROUP BY 1
        ), features AS (
            SELECT ST_AsMVTGeom(ST_Transform(@extschema@.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
                   ce.cell::text AS cell, lv.cell_level AS level, ce.score,
                   @extschema@.risk_color(ce.score, NULL) AS color, ce.cases
              FROM cells ce, levels lv
             WHERE ce.cases OPERATOR(pg_catalog.>) 0
        )
        SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                    THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom' ORDER BY f.cell)
                                     FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END);
END;
$$;
COMMENT ON FUNCTION @extschema@.risk_cell_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk_cells") of the Beidou cells at a level (default: picked by zoom) holding cases, with their risk score, colour and counted cases at as_of';

-- kpi_handler_daily and risk_daily by district (issue 15): on Citus both
-- are distributed by district, colocated with the cases, so that their
-- refresh runs on each shard beside the cases it reads; the district is
-- in their keys, as Citus needs.  refresh_rollups() keeps the handlers'
-- rows current too.  (kpi_handler_daily is new in 0.8.0: empty here.)
ALTER TABLE @extschema@.kpi_handler_daily ADD COLUMN district @extschema@.gridcode NOT NULL;
ALTER TABLE @extschema@.kpi_handler_daily DROP CONSTRAINT kpi_handler_daily_pkey,
    ADD PRIMARY KEY (day, handler, district);
COMMENT ON TABLE @extschema@.kpi_handler_daily IS
    'KPI state of the cases reported on a day (calendar time zone) per handler (cases.handler at the refresh) and district; filled by refresh_kpi_daily, kept current by refresh_rollups';
COMMENT ON COLUMN @extschema@.kpi_handler_daily.district IS
    'the cases'' district: the handler''s cases of the day in other districts are in rows of their own';
ALTER TABLE @extschema@.risk_daily ADD COLUMN district @extschema@.gridcode;
UPDATE @extschema@.risk_daily SET district = @extschema@.ancestor(unit, 3);
ALTER TABLE @extschema@.risk_daily ALTER COLUMN district SET NOT NULL;
ALTER TABLE @extschema@.risk_daily DROP CONSTRAINT risk_daily_pkey,
    ADD PRIMARY KEY (unit, day, severity, district);
COMMENT ON COLUMN @extschema@.risk_daily.district IS
    'the cases'' district (level 3 above unit): on Citus the rollup is distributed by it, colocated with the cases';
CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_daily(from_day date, to_day date,
                                              as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone text;
    written bigint;
BEGIN
    zone := @extschema@.calendar_timezone();
    IF from_day IS NULL OR to_day IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'refresh_kpi_daily needs a first day, a last day and as_of, not NULL'
            USING ERRCODE = '22004';
    END IF;
    PERFORM @extschema@.check_days(from_day, to_day);
    -- one refresh at a time; readers are not blocked
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM @extschema@.kpi_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    DELETE FROM @extschema@.kpi_unit_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
    -- the aggregate's column form: readers may not read the whole case (its reporter)
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.category,
           @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM @extschema@.cases c
     WHERE c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS written = ROW_COUNT;
    -- up the tree from the rows just written, not from the cases again
    INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
    SELECT d.day, @extschema@.ancestor(d.unit, l.level), @extschema@.kpi_merge(d.kpi)
      FROM @extschema@.kpi_daily d
     CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(d.unit), 6)) AS l(level)
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
     GROUP BY 1, 2;
    DELETE FROM @extschema@.kpi_handler_daily d
     WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    INSERT INTO @extschema@.kpi_handler_daily (day, handler, district, kpi)
    -- the aggregate's column form: readers may not read the whole case (its
    -- reporter); by district, which on Citus keeps the whole statement on
    -- each shard of the cases and of this rollup beside it
    SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.handler, c.district,
           @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                           c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                           c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of)
      FROM @extschema@.cases c
     WHERE c.handler IS NOT NULL
       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, from_day::timestamp)
       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (to_day OPERATOR(pg_catalog.+) 1)::timestamp)
     GROUP BY 1, 2, 3;
    RETURN written;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.refresh_risk_daily(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    usable date;
    first_day date;
    written bigint;
BEGIN
    -- the rollup holds whole days: one that has not ended would stay short
    IF to_day OPERATOR(pg_catalog.>=) @extschema@.risk_day(pg_catalog.now()) THEN
        RAISE EXCEPTION 'to_day % has not ended yet', to_day
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The risk rollup holds the days that have ended in gridgov.calendar_timezone: refresh up to yesterday at most.';
    END IF;
    -- one refresh at a time; readers go on reading the previous rollup
    LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
    to_day := COALESCE(to_day, @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1);
    usable := @extschema@.risk_rollup_through();
    IF usable IS NULL THEN
        -- nothing usable: rebuild from the first case
        SELECT @extschema@.risk_day(pg_catalog.min(c.reported_at)) INTO first_day FROM @extschema@.cases c;
        from_day := LEAST(from_day, first_day, to_day);
        from_day := COALESCE(from_day, first_day, to_day);
        DELETE FROM @extschema@.risk_daily;
    ELSE
        -- by default the last 7 days again: rejections and merges come late
        from_day := COALESCE(from_day, LEAST(usable, to_day) OPERATOR(pg_catalog.-) 6);
        IF from_day OPERATOR(pg_catalog.>) (usable OPERATOR(pg_catalog.+) 1) THEN
            RAISE EXCEPTION 'refreshing from % would leave a gap after %, the last day of the risk rollup',
                            from_day, usable
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Refresh from %s or earlier.', usable OPERATOR(pg_catalog.+) 1);
        END IF;
        DELETE FROM @extschema@.risk_daily d
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'from_day % is after to_day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- by district too, which on Citus keeps the whole statement on each
    -- shard of the cases and of the rollup beside it
    INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass, district)
    SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
           pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                 half_life_seconds)),
           k.district
      FROM (SELECT @extschema@.risk_day(c.reported_at) AS day, c.unit, c.severity, c.reported_at, c.district
              FROM @extschema@.cases c
             WHERE c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(from_day OPERATOR(pg_catalog.-) 1)
               AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(to_day)
               AND c.status NOT IN ('rejected', 'merged')) k
     GROUP BY k.district, k.day, k.unit, k.severity;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO @extschema@.risk_rollup (through, half_life, timezone, refreshed_at)
    VALUES (GREATEST(usable, to_day), @extschema@.risk_half_life(), zone, pg_catalog.now())
    ON CONFLICT (only_row) DO UPDATE
       SET through = EXCLUDED.through, half_life = EXCLUDED.half_life,
           timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN written;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    state @extschema@.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily,
               @extschema@.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO state FROM @extschema@.rollup_state;

    CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_pairs (day date, unit @extschema@.gridcode,
                                                          district @extschema@.gridcode) ON COMMIT DROP;
    TRUNCATE gridgov_rollup_pairs;
    WITH taken AS (DELETE FROM @extschema@.rollup_change RETURNING day, unit, district)
    INSERT INTO gridgov_rollup_pairs SELECT DISTINCT day, unit, district FROM taken;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM @extschema@.cases c;
        PERFORM @extschema@.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM @extschema@.kpi_daily;
    ELSE
        -- open cases whose deadline passed between the two as_of
        INSERT INTO gridgov_rollup_pairs
        SELECT DISTINCT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.district
          FROM @extschema@.cases c
         WHERE c.stage_deadline IS NOT NULL
           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p;
        -- a few hundred pairs: with their true count the planner reads each
        -- pair's cases by index instead of hashing every case
        ANALYZE gridgov_rollup_pairs;

        DELETE FROM @extschema@.kpi_daily d USING gridgov_rollup_pairs p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(@extschema@.=) p.unit;
        -- each pair's cases by index (unit, category, reported_at): a lateral
        -- aggregate is run per pair, where a join of a few hundred pairs
        -- with the cases is planned as a hash of every case
        INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
        SELECT p.day, p.unit, k.category, k.kpi
          FROM (SELECT DISTINCT day, unit FROM gridgov_rollup_pairs) p
         CROSS JOIN LATERAL (
                -- the aggregate's column form: readers may not read the whole case (its reporter)
                SELECT c.category,
                       @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.category) k;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        CREATE TEMP TABLE IF NOT EXISTS gridgov_rollup_above (day date, unit @extschema@.gridcode, level integer) ON COMMIT DROP;
        TRUNCATE gridgov_rollup_above;
        INSERT INTO gridgov_rollup_above
        SELECT DISTINCT p.day, @extschema@.ancestor(p.unit, l.level), l.level
          FROM gridgov_rollup_pairs p
         CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(p.unit), 6)) AS l(level);
        ANALYZE gridgov_rollup_above;
        DELETE FROM @extschema@.kpi_unit_daily d USING gridgov_rollup_above a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit;
        INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, @extschema@.kpi_merge(d.kpi)
          FROM gridgov_rollup_above a
          JOIN @extschema@.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (a union of two joins, not a join of a union or a lateral
        -- subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, @extschema@.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(@extschema@.<@) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                       AND @extschema@.level(u.unit) OPERATOR(pg_catalog.=) (above_level OPERATOR(pg_catalog.+) 1)
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM gridgov_rollup_above a
                      JOIN @extschema@.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;

        -- the handlers: a case's handler may have changed (the pair notes
        -- the new one only), so every handler's row of the pairs' days and
        -- districts, from the cases of that day and district
        DELETE FROM @extschema@.kpi_handler_daily h USING gridgov_rollup_pairs p
         WHERE h.day OPERATOR(pg_catalog.=) p.day AND h.district OPERATOR(@extschema@.=) p.district;
        INSERT INTO @extschema@.kpi_handler_daily (day, handler, district, kpi)
        SELECT p.day, k.handler, p.district, k.kpi
          FROM (SELECT DISTINCT day, district FROM gridgov_rollup_pairs) p
         CROSS JOIN LATERAL (
                SELECT c.handler,
                       @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.district OPERATOR(@extschema@.=) p.district
                   AND c.handler IS NOT NULL
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.handler) k;
    END IF;
    INSERT INTO @extschema@.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;

    -- the risk rollup: the pairs of the days it holds, then the days that
    -- have ended since
    through := @extschema@.risk_rollup_through();
    IF through IS NULL THEN
        PERFORM @extschema@.refresh_risk_daily(NULL, yesterday);
    ELSE
        LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
        DELETE FROM @extschema@.risk_daily r USING gridgov_rollup_pairs p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(@extschema@.=) p.unit
           AND p.day OPERATOR(pg_catalog.<=) through;
        INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass, district)
        SELECT p.day, p.unit, r.severity, r.cases, r.mass, p.district
          FROM (SELECT DISTINCT day, unit, district FROM gridgov_rollup_pairs WHERE day OPERATOR(pg_catalog.<=) through) p
         CROSS JOIN LATERAL (
                SELECT c.severity, pg_catalog.count(*) AS cases,
                       pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(p.day) OPERATOR(pg_catalog.-) c.reported_at)::float8,
                                                             half_life_seconds)) AS mass
                  FROM @extschema@.cases c
                 WHERE c.unit OPERATOR(@extschema@.=) p.unit
                   AND c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(p.day OPERATOR(pg_catalog.-) 1)
                   AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(p.day)
                   AND c.status NOT IN ('rejected', 'merged')
                 GROUP BY c.district, c.severity) r;
        IF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM @extschema@.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    RETURN pairs;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_rollups(timestamptz) IS
    'bring kpi_daily, kpi_unit_daily, kpi_handler_daily and risk_daily up to date at as_of, recomputing only the (day, unit) pairs whose cases changed or passed a deadline since the last call, and the handlers of their days and districts (the first call rebuilds); returns the pairs recomputed';

-- the move functions name the actor and handler by SET LOCAL, which Citus
-- sends to the worker that holds the case; kpi_by_handler and
-- kpi_by_organization in PL/pgSQL, which Citus can plan (docs/scale-out.md)
CREATE OR REPLACE FUNCTION @extschema@.apply_move(
    case_id bigint, to_status text, note text, at timestamptz, actor text,
    move text DEFAULT NULL, expected_status text DEFAULT NULL,
    deadline timestamptz DEFAULT NULL, level integer DEFAULT NULL,
    escalation_trigger text DEFAULT NULL, duplicate_of bigint DEFAULT NULL,
    service_point integer DEFAULT NULL, satisfaction integer DEFAULT NULL,
    evaluation text DEFAULT NULL, handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.cases;
    case_district @extschema@.gridcode;
    current_status text;
    current_seq integer;
    previous_actor text := pg_catalog.current_setting('gridgov.actor', true);
    previous_handler text := pg_catalog.current_setting('gridgov.handler', true);
BEGIN
    -- the case's district first, then the case by its whole key: on Citus
    -- (docs/scale-out.md) that locks and moves it in its one shard
    SELECT c.district INTO case_district FROM @extschema@.cases c WHERE c.id OPERATOR(pg_catalog.=) case_id;
    SELECT c.status, c.history_seq INTO current_status, current_seq FROM @extschema@.cases c
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', case_id USING ERRCODE = 'GG004';
    END IF;
    -- resume, reopen and extend all lead to in_progress: say which was meant
    IF expected_status IS NOT NULL AND current_status OPERATOR(pg_catalog.<>) expected_status THEN
        RAISE EXCEPTION 'case % cannot %: it is %, not %', case_id, move, current_status, expected_status
            USING ERRCODE = 'GG001';
    END IF;
    -- by SET LOCAL, not set_config(): on Citus the engine runs on the
    -- worker that holds the case, and Citus sends a SET LOCAL there
    -- (citus.propagate_set_commands, docs/scale-out.md), not a function call
    IF actor IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.actor = %L', actor);
    END IF;
    -- the handler named goes to the engine as gridgov.handler does: naming
    -- the case's own handler again is then still naming it
    IF handler IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.handler = %L', handler);
    END IF;
    UPDATE @extschema@.cases c
       SET status = COALESCE(to_status, c.status),
           note = COALESCE(apply_move.note, c.note),
           moved_at = COALESCE(apply_move.at, c.moved_at),
           stage_deadline = COALESCE(apply_move.deadline, c.stage_deadline),
           handling_level = COALESCE(apply_move.level,
                                     CASE WHEN move OPERATOR(pg_catalog.=) 'escalate'
                                          THEN c.handling_level OPERATOR(pg_catalog.-) 1
                                          ELSE c.handling_level END),
           escalation_trigger = COALESCE(apply_move.escalation_trigger, c.escalation_trigger),
           duplicate_of = COALESCE(apply_move.duplicate_of, c.duplicate_of),
           service_point = COALESCE(apply_move.service_point, c.service_point),
           satisfaction = COALESCE(apply_move.satisfaction, c.satisfaction),
           evaluation = COALESCE(apply_move.evaluation, c.evaluation)
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
    RETURNING c.* INTO moved;
    IF actor IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.actor = %L', COALESCE(previous_actor, ''));
    END IF;
    IF handler IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.handler = %L', COALESCE(previous_handler, ''));
    END IF;
    -- a move into the state the case is already in moves nothing: say so
    IF moved.history_seq OPERATOR(pg_catalog.=) current_seq THEN
        RAISE EXCEPTION 'case % cannot move: it is already %', case_id, current_status
            USING ERRCODE = 'GG001',
                  HINT = 'Another session may have made this move first.';
    END IF;
    RETURN moved;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.kpi_by_handler(from_day date, to_day date)
    RETURNS TABLE (handler bigint, kpi @extschema@.kpi_state, score numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT m.handler, m.kpi, @extschema@.kpi_score(m.kpi)
      FROM (SELECT d.handler, @extschema@.kpi_merge(d.kpi) AS kpi
              FROM @extschema@.kpi_handler_daily d
             WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
             GROUP BY d.handler) m
     ORDER BY m.handler;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.kpi_by_organization(from_day date, to_day date)
    RETURNS TABLE (organization bigint, kind text, kpi @extschema@.kpi_state, score numeric,
                   committee_score numeric, assessment numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
-- (PL/pgSQL, not SQL: Citus plans a query over distributed tables only
-- with its parameters' values, which a SQL function does not pass)
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH own AS (
        SELECT m.organization, @extschema@.kpi_merge(d.kpi) AS kpi
          FROM @extschema@.kpi_handler_daily d
          CROSS JOIN LATERAL (SELECT DISTINCT p.organization FROM @extschema@.post p
                               WHERE p.person OPERATOR(pg_catalog.=) d.handler
                                 AND p.organization IS NOT NULL
                                 AND p.valid OPERATOR(pg_catalog.@>) d.day) m
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day
         GROUP BY m.organization
    ), judged AS (
        SELECT o.id, o.kind, own.kpi, @extschema@.kpi_score(own.kpi) AS score,
               CASE WHEN o.kind OPERATOR(pg_catalog.=) 'governance_squad'
                     AND c.kind OPERATOR(pg_catalog.=) 'community_committee'
                    THEN (SELECT @extschema@.kpi_score(@extschema@.kpi_merge(u.kpi))
                            FROM @extschema@.kpi_unit_daily u
                           WHERE u.unit OPERATOR(@extschema@.=) c.anchor
                             AND u.day OPERATOR(pg_catalog.>=) from_day
                             AND u.day OPERATOR(pg_catalog.<=) to_day) END AS committee_score
          FROM own
          JOIN @extschema@.organization o ON o.id OPERATOR(pg_catalog.=) own.organization
          LEFT JOIN @extschema@.organization c ON c.id OPERATOR(pg_catalog.=) o.parent
    )
    SELECT j.id, j.kind, j.kpi, j.score, j.committee_score,
           CASE WHEN j.committee_score IS NULL THEN j.score
                ELSE pg_catalog.round((0.5 OPERATOR(pg_catalog.*) j.score) OPERATOR(pg_catalog.+)
                                      (0.5 OPERATOR(pg_catalog.*) j.committee_score), 2) END
      FROM judged j
     ORDER BY j.id;
END;
$$;

-- refresh_rollups: the pairs in arrays instead of temporary tables (plans kept
-- for the session), each pair's cases read once for kpi_daily and risk_daily,
-- the level below found by the units' parent (docs/benchmarks.md)
CREATE OR REPLACE FUNCTION @extschema@.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    state @extschema@.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    -- the distinct pairs taken from the log, with their cases' district
    changed_days date[];
    changed_units @extschema@.gridcode[];
    changed_districts @extschema@.gridcode[];
    -- those and the pairs whose open cases passed a deadline, what kpi_daily
    -- recomputes; risks tells those risk_daily recomputes too (changed, on
    -- a day it holds: a deadline passing changes no risk)
    days date[];
    units @extschema@.gridcode[];
    districts @extschema@.gridcode[];
    risks boolean[];
    -- the units above the pairs, district to grid, on their days: what
    -- kpi_unit_daily recomputes
    above_days date[];
    above_units @extschema@.gridcode[];
    above_levels integer[];
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily,
               @extschema@.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
    SELECT * INTO state FROM @extschema@.rollup_state;
    through := @extschema@.risk_rollup_through();

    WITH taken AS (DELETE FROM @extschema@.rollup_change RETURNING day, unit, district)
    SELECT pg_catalog.array_agg(t.day), pg_catalog.array_agg(t.unit), pg_catalog.array_agg(t.district)
      INTO changed_days, changed_units, changed_districts
      FROM (SELECT DISTINCT day, unit, district FROM taken) t;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once, and the risk rollup from
        -- the first case too (or from where it ends, if that is earlier)
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM @extschema@.cases c;
        PERFORM @extschema@.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM @extschema@.kpi_daily;
        PERFORM @extschema@.refresh_risk_daily(LEAST(first_day, through), yesterday);
    ELSE
        -- the changed pairs and those of the open cases whose deadline
        -- passed between the two as_of (overdue_now counts at as_of)
        SELECT pg_catalog.array_agg(p.day), pg_catalog.array_agg(p.unit), pg_catalog.array_agg(p.district),
               pg_catalog.array_agg(p.changed AND (p.day OPERATOR(pg_catalog.<=) through) IS TRUE)
          INTO days, units, districts, risks
          FROM (SELECT q.day, q.unit, q.district, pg_catalog.bool_or(q.changed) AS changed
                  FROM (SELECT t.day, t.unit, t.district, true AS changed
                          FROM (SELECT pg_catalog.unnest(changed_days) AS day, pg_catalog.unnest(changed_units) AS unit,
                                       pg_catalog.unnest(changed_districts) AS district) t
                        UNION ALL
                        SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.district, false
                          FROM @extschema@.cases c
                         WHERE c.stage_deadline IS NOT NULL
                           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
                           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of)) q
                 GROUP BY q.day, q.unit, q.district) p;
        pairs := COALESCE(pg_catalog.cardinality(days), 0);

        DELETE FROM @extschema@.kpi_daily d
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(@extschema@.=) p.unit;
        DELETE FROM @extschema@.risk_daily r
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                       pg_catalog.unnest(risks) AS risk) p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(@extschema@.=) p.unit AND p.risk;
        -- each pair's cases read once for both rollups, by index (unit,
        -- category, reported_at): the lateral subquery is run per pair
        -- (grouped by the case's key, which keeps it from being flattened
        -- into a join of the pairs with the cases, planned as a hash of every
        -- case; on Citus the key holds the distribution column)
        WITH pair_cases AS MATERIALIZED (
            SELECT p.day, p.unit, p.risk, c.*
              FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                           pg_catalog.unnest(risks) AS risk) p
             CROSS JOIN LATERAL (
                    -- the columns by name: readers may not read the whole case (its reporter)
                    SELECT c.district, c.category, c.severity, c.id, c.status, c.handling_level, c.stage_deadline,
                           c.suspended_at, c.reported_at, c.accepted_at, c.dispatched_at, c.closed_at, c.escalations,
                           c.reopenings, c.extensions, c.returns, c.deadlines_missed, c.satisfaction
                      FROM @extschema@.cases c
                     WHERE c.unit OPERATOR(@extschema@.=) p.unit
                       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                     GROUP BY c.district, c.id) c
        ), kpi_written AS (
            INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
            SELECT k.day, k.unit, k.category,
                   @extschema@.kpi(k.id, k.status, k.handling_level, k.stage_deadline, k.suspended_at, k.reported_at,
                                   k.accepted_at, k.dispatched_at, k.closed_at, k.escalations, k.reopenings,
                                   k.extensions, k.returns, k.deadlines_missed, k.satisfaction, as_of)
              FROM pair_cases k
             GROUP BY k.day, k.unit, k.district, k.category
        )
        INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass, district)
        SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
               pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                     half_life_seconds)),
               k.district
          FROM pair_cases k
         WHERE k.risk AND k.status NOT IN ('rejected', 'merged')
         GROUP BY k.day, k.unit, k.district, k.severity;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        SELECT pg_catalog.array_agg(a.day), pg_catalog.array_agg(a.unit), pg_catalog.array_agg(a.level)
          INTO above_days, above_units, above_levels
          FROM (SELECT DISTINCT p.day, @extschema@.ancestor(p.unit, l.level) AS unit, l.level
                  FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
                 CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(p.unit), 6)) AS l(level)) a;
        DELETE FROM @extschema@.kpi_unit_daily d
         USING (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit) a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit;
        INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, @extschema@.kpi_merge(d.kpi)
          FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                       pg_catalog.unnest(above_levels) AS level) a
          JOIN @extschema@.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (the rows of the level below found by the units' parent, one
        -- index lookup each, where a range of the unit's subtree reads
        -- every level under it; a union of two joins, not a join of a union
        -- or a lateral subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, @extschema@.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN @extschema@.unit below ON below.parent OPERATOR(@extschema@.=) a.unit
                      JOIN @extschema@.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(@extschema@.=) below.code
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN @extschema@.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;

        -- the handlers: a case's handler may have changed (the pair notes
        -- the new one only), so every handler's row of the pairs' days and
        -- districts, from the cases of that day and district
        DELETE FROM @extschema@.kpi_handler_daily h
         USING (SELECT DISTINCT q.day, q.district
                  FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(districts) AS district) q) p
         WHERE h.day OPERATOR(pg_catalog.=) p.day AND h.district OPERATOR(@extschema@.=) p.district;
        INSERT INTO @extschema@.kpi_handler_daily (day, handler, district, kpi)
        SELECT p.day, k.handler, p.district, k.kpi
          FROM (SELECT DISTINCT q.day, q.district
                  FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(districts) AS district) q) p
         CROSS JOIN LATERAL (
                SELECT c.handler,
                       @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.district OPERATOR(@extschema@.=) p.district
                   AND c.handler IS NOT NULL
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.handler) k;

        -- the days the risk rollup lacks: those that have ended since, or
        -- all of them
        IF through IS NULL THEN
            PERFORM @extschema@.refresh_risk_daily(NULL, yesterday);
        ELSIF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM @extschema@.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    INSERT INTO @extschema@.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN pairs;
END;
$$;

-- Reporters' contacts only to the roles that handle the case (issue 13,
-- item 3): handlers no longer read cases and case_history whole, but as
-- readers do (a column privilege holds in every row a role sees, viewed
-- or handled); the moves return the case without the reporter and the
-- digests to a role that may not read them, open_mediation reads the case
-- by its columns, and the retention finds a handler's cases through
-- case_reporters (docs/access.md, "Which privileges see what").
REVOKE SELECT ON @extschema@.cases, @extschema@.case_history FROM gridgov_handler;
CREATE OR REPLACE FUNCTION @extschema@.apply_move(
    case_id bigint, to_status text, note text, at timestamptz, actor text,
    move text DEFAULT NULL, expected_status text DEFAULT NULL,
    deadline timestamptz DEFAULT NULL, level integer DEFAULT NULL,
    escalation_trigger text DEFAULT NULL, duplicate_of bigint DEFAULT NULL,
    service_point integer DEFAULT NULL, satisfaction integer DEFAULT NULL,
    evaluation text DEFAULT NULL, handler bigint DEFAULT NULL)
    RETURNS @extschema@.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    moved @extschema@.cases;
    case_district @extschema@.gridcode;
    current_status text;
    current_seq integer;
    previous_actor text := pg_catalog.current_setting('gridgov.actor', true);
    previous_handler text := pg_catalog.current_setting('gridgov.handler', true);
BEGIN
    -- the case's district first, then the case by its whole key: on Citus
    -- (docs/scale-out.md) that locks and moves it in its one shard
    SELECT c.district INTO case_district FROM @extschema@.cases c WHERE c.id OPERATOR(pg_catalog.=) case_id;
    SELECT c.status, c.history_seq INTO current_status, current_seq FROM @extschema@.cases c
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', case_id USING ERRCODE = 'GG004';
    END IF;
    -- resume, reopen and extend all lead to in_progress: say which was meant
    IF expected_status IS NOT NULL AND current_status OPERATOR(pg_catalog.<>) expected_status THEN
        RAISE EXCEPTION 'case % cannot %: it is %, not %', case_id, move, current_status, expected_status
            USING ERRCODE = 'GG001';
    END IF;
    -- by SET LOCAL, not set_config(): on Citus the engine runs on the
    -- worker that holds the case, and Citus sends a SET LOCAL there
    -- (citus.propagate_set_commands, docs/scale-out.md), not a function call
    IF actor IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.actor = %L', actor);
    END IF;
    -- the handler named goes to the engine as gridgov.handler does: naming
    -- the case's own handler again is then still naming it
    IF handler IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.handler = %L', handler);
    END IF;
    UPDATE @extschema@.cases c
       SET status = COALESCE(to_status, c.status),
           note = COALESCE(apply_move.note, c.note),
           moved_at = COALESCE(apply_move.at, c.moved_at),
           stage_deadline = COALESCE(apply_move.deadline, c.stage_deadline),
           handling_level = COALESCE(apply_move.level,
                                     CASE WHEN move OPERATOR(pg_catalog.=) 'escalate'
                                          THEN c.handling_level OPERATOR(pg_catalog.-) 1
                                          ELSE c.handling_level END),
           escalation_trigger = COALESCE(apply_move.escalation_trigger, c.escalation_trigger),
           duplicate_of = COALESCE(apply_move.duplicate_of, c.duplicate_of),
           service_point = COALESCE(apply_move.service_point, c.service_point),
           satisfaction = COALESCE(apply_move.satisfaction, c.satisfaction),
           evaluation = COALESCE(apply_move.evaluation, c.evaluation)
     WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id
    -- every column but the reporter and the digests, which handlers may not
    -- read in the table (c.* would read them): filled in below
    RETURNING c.id, c.district, c.unit, c.category, c.severity, c.reported_severity, c.channel, c.description,
              c.location, c.cell, NULL::jsonb, c.status, c.handling_level, c.service_point, c.stage,
              c.stage_started_at, c.stage_deadline, c.stage_limit_unit, c.stage_paused_seconds,
              c.suspended_at, c.suspended_seconds, c.reported_at, c.accepted_at, c.dispatched_at,
              c.resolved_at, c.verified_at, c.closed_at, c.escalations, c.reopenings, c.extensions,
              c.returns, c.deadlines_missed, c.duplicate_of, c.linked_cases, c.warning, c.satisfaction,
              c.evaluation, c.actor, c.note, c.moved_at, c.last_action, c.escalation_trigger,
              c.history_seq, NULL::bytea, NULL::bytea, c.deadline_provisional, c.handler, c.actor_person,
              c.reporter_person, c.grid_gap
         INTO moved;
    IF actor IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.actor = %L', COALESCE(previous_actor, ''));
    END IF;
    IF handler IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL gridgov.handler = %L', COALESCE(previous_handler, ''));
    END IF;
    -- a move into the state the case is already in moves nothing: say so
    IF moved.history_seq OPERATOR(pg_catalog.=) current_seq THEN
        RAISE EXCEPTION 'case % cannot move: it is already %', case_id, current_status
            USING ERRCODE = 'GG001',
                  HINT = 'Another session may have made this move first.';
    END IF;
    -- a role that reads the whole table (the owner, an auditor) gets the
    -- whole row; a handler gets the reporter and the digests NULL, and reads
    -- the contact through case_reporters (docs/access.md, "Personal data")
    IF pg_catalog.has_table_privilege('@extschema@.cases'::pg_catalog.regclass, 'SELECT') THEN
        SELECT c.reporter, c.history_hash, c.history_content
          INTO moved.reporter, moved.history_hash, moved.history_content
          FROM @extschema@.cases c
         WHERE c.district OPERATOR(@extschema@.=) case_district AND c.id OPERATOR(pg_catalog.=) case_id;
    END IF;
    RETURN moved;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.open_mediation(case_id bigint, mediator bigint, parties bigint[],
                                           at timestamptz DEFAULT NULL)
    RETURNS @extschema@.mediation
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    c @extschema@.cases;
    is_dispute boolean;
    day date;
    made @extschema@.mediation;
    opened constant timestamptz := @extschema@.mediation_time(at);
BEGIN
    -- (by name: handlers and administrators may not read the reporter)
    SELECT x.id, x.unit, x.category, x.status, x.closed_at INTO c.id, c.unit, c.category, c.status, c.closed_at
      FROM @extschema@.cases x WHERE x.id OPERATOR(pg_catalog.=) open_mediation.case_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', COALESCE(case_id::text, 'NULL')
            USING ERRCODE = '23503', HINT = 'Mediate a case of gridgov.cases, by its id.';
    END IF;
    SELECT k.dispute INTO is_dispute FROM @extschema@.category k WHERE k.code OPERATOR(pg_catalog.=) c.category;
    IF NOT is_dispute THEN
        RAISE EXCEPTION 'case % is of category %, not a dispute', c.id, c.category
            USING ERRCODE = 'GG013', HINT = 'Mediate cases of a category marked dispute in gridgov.category.';
    END IF;
    IF c.closed_at IS NOT NULL AND c.closed_at OPERATOR(pg_catalog.<=) opened THEN
        RAISE EXCEPTION 'case % is %', c.id, c.status
            USING ERRCODE = 'GG013', HINT = 'Mediate a case that is still open.';
    END IF;
    IF parties IS NULL OR pg_catalog.cardinality(parties) OPERATOR(pg_catalog.<) 2
       OR EXISTS (SELECT FROM pg_catalog.unnest(parties) p(person) WHERE p.person IS NULL)
       OR (SELECT pg_catalog.count(DISTINCT p.person) FROM pg_catalog.unnest(parties) p(person))
          OPERATOR(pg_catalog.<>) pg_catalog.cardinality(parties) THEN
        RAISE EXCEPTION 'a mediation needs two different parties at least, not %', COALESCE(parties::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'Give the parties as people''s ids, such as ARRAY[2, 3].';
    END IF;
    IF mediator OPERATOR(pg_catalog.=) ANY (parties) THEN
        RAISE EXCEPTION 'person % cannot mediate a dispute they are a party to', mediator
            USING ERRCODE = '22023', HINT = 'Choose another mediator.';
    END IF;
    day := (opened AT TIME ZONE @extschema@.calendar_timezone())::date;
    IF NOT EXISTS (SELECT FROM @extschema@.post p
                    WHERE p.person OPERATOR(pg_catalog.=) open_mediation.mediator
                      AND p.role OPERATOR(pg_catalog.=) 'mediator'
                      AND p.valid OPERATOR(pg_catalog.@>) day
                      AND (c.unit OPERATOR(@extschema@.<@) p.unit
                           OR p.unit IS NULL
                              AND EXISTS (SELECT FROM @extschema@.organization_unit o
                                           WHERE o.organization OPERATOR(pg_catalog.=) p.organization
                                             AND o.valid OPERATOR(pg_catalog.@>) day
                                             AND c.unit OPERATOR(@extschema@.<@) o.unit))) THEN
        RAISE EXCEPTION 'person % holds no mediator post over unit % on %', COALESCE(mediator::text, 'NULL'), c.unit, day
            USING ERRCODE = 'GG013', HINT = 'A mediator holds a post of role mediator on the case''s unit or above it, or in an organization covering it.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.mediation m WHERE m.case_id OPERATOR(pg_catalog.=) c.id) THEN
        RAISE EXCEPTION 'case % is already mediated', c.id
            USING ERRCODE = '23505', CONSTRAINT = 'mediation_once_per_case', HINT = 'A case is mediated once: see gridgov.mediation.';
    END IF;
    INSERT INTO @extschema@.mediation AS m (case_id, unit, mediator, parties, opened_at)
    VALUES (c.id, c.unit, open_mediation.mediator, open_mediation.parties, opened)
    RETURNING m.* INTO made;
    RETURN made;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.anonymise_personal_data(older_than interval)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    anonymised bigint;
BEGIN
    IF older_than OPERATOR(pg_catalog.<) interval '0' THEN
        RAISE EXCEPTION 'retention % is negative', older_than
            USING ERRCODE = '22023', HINT = 'Give how long after closure reporters'' data is kept, such as ''2 years''.';
    END IF;
    UPDATE @extschema@.cases c
       SET reporter = '{}', note = 'personal data removed after a retention of ' OPERATOR(pg_catalog.||) older_than
     WHERE c.closed_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) older_than)
       AND (c.district, c.id) IN (SELECT r.district, r.id FROM @extschema@.case_reporters r
                                   WHERE NOT r.masked AND r.reporter OPERATOR(pg_catalog.<>) '{}');
    GET DIAGNOSTICS anonymised = ROW_COUNT;
    RETURN anonymised;
END;
$$;

-- the reporter's progress through a Citus coordinator: open311_progress
-- fetches the case's columns and open311_progress_json, in PL/pgSQL, makes
-- the JSON on the node that asks (a shard's row has the shard's own type)
CREATE OR REPLACE FUNCTION @extschema@.open311_progress_json(c @extschema@.cases) RETURNS json
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    stages json;
    replies json;
BEGIN
    -- the history by two queries of their own, which Citus sends to the
    -- case's shard; the request and the rest are made here, where the
    -- Open311 tables are
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                        'seq', h.seq, 'action', h.action, 'status', h.to_status,
                        'datetime', @extschema@.open311_datetime(h.at)) ORDER BY h.seq), '[]')
      INTO stages
      FROM @extschema@.case_history h
     WHERE h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id;
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                        'seq', h.seq, 'action', h.action,
                        'datetime', @extschema@.open311_datetime(h.at), 'text', h.note) ORDER BY h.seq), '[]')
      INTO replies
      FROM @extschema@.case_history h
     WHERE h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
       AND h.note IS NOT NULL
       AND h.action OPERATOR(pg_catalog.=) ANY (ARRAY['reject', 'merge', 'suspend', 'extend', 'resolve', 'close', 'reopen']);
    RETURN pg_catalog.json_build_object(
               'request', @extschema@.open311_request_json(c),
               'stages', stages,
               'replies', replies,
               'satisfaction', c.satisfaction,
               'evaluation', c.evaluation,
               'reworked', c.reopenings,
               'may_evaluate', c.status OPERATOR(pg_catalog.=) 'closed',
               'complaint_until', CASE WHEN c.status OPERATOR(pg_catalog.=) 'closed'
                                       THEN @extschema@.open311_datetime(c.closed_at OPERATOR(pg_catalog.+) @extschema@.complaint_window()) END,
               'may_complain', c.status OPERATOR(pg_catalog.=) 'closed'
                               AND pg_catalog.now() OPERATOR(pg_catalog.<=) (c.closed_at OPERATOR(pg_catalog.+) @extschema@.complaint_window()));
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.open311_progress(token text) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = @extschema@, pg_catalog, pg_temp
AS $$
DECLARE
    posted @extschema@.open311_request := @extschema@.open311_token_case(token);
    c @extschema@.cases;
BEGIN
    -- the case's columns, made JSON on this node (as open311_request): on
    -- a Citus shard a case row has the shard's own type (docs/scale-out.md)
    SELECT k.* INTO c FROM @extschema@.cases k
     WHERE k.district OPERATOR(@extschema@.=) posted.district AND k.id OPERATOR(pg_catalog.=) posted.case_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.open311_progress_json(c);
END;
$$;

-- notifications on Citus (issue 15): the engine on a shard queues its notices
-- in case_notice, which relay_case_notices() on the coordinator sends
CREATE TABLE @extschema@.case_notice (
    district    @extschema@.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    payload     text NOT NULL
);
COMMENT ON TABLE @extschema@.case_notice IS
    'the notices of gridgov_case of the reports and moves made on Citus shards, until relay_case_notices() sends them (empty on a single node)';
COMMENT ON COLUMN @extschema@.case_notice.district IS
    'the case''s district: on Citus the queue is distributed by it, colocated with the cases';
COMMENT ON COLUMN @extschema@.case_notice.case_id IS 'the case';
COMMENT ON COLUMN @extschema@.case_notice.seq IS 'the history row''s sequence number';
COMMENT ON COLUMN @extschema@.case_notice.at IS 'the report''s or move''s time: notices are relayed in its order';
COMMENT ON COLUMN @extschema@.case_notice.payload IS 'the notification''s JSON, as the engine notifies it on a single node';
-- pending notices go with a dump, and are relayed after the restore
SELECT pg_catalog.pg_extension_config_dump('@extschema@.case_notice', '');

-- Relay the queued notices: one DELETE takes the committed ones (a move not
-- yet committed leaves its notice for the next relay), and each is sent on
-- gridgov_case at this transaction's commit, in the order of the moves'
-- times.  PL/pgSQL: Citus plans its query over the distributed queue.
CREATE FUNCTION @extschema@.relay_case_notices() RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    notice record;
    relayed bigint := 0;
BEGIN
    FOR notice IN
        WITH taken AS (DELETE FROM @extschema@.case_notice RETURNING case_id, seq, at, payload)
        SELECT t.payload FROM taken t ORDER BY t.at, t.case_id, t.seq
    LOOP
        PERFORM pg_catalog.pg_notify('gridgov_case', notice.payload);
        relayed := relayed OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN relayed;
END;
$$;
COMMENT ON FUNCTION @extschema@.relay_case_notices() IS
    'notify gridgov_case of the notices queued on Citus shards (case_notice), in the order of the moves, and remove them; returns how many (0 on a single node); a job for the background worker on Citus';
GRANT SELECT, DELETE ON @extschema@.case_notice TO gridgov_administrator;
ALTER TABLE @extschema@.case_notice ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.case_notice FOR SELECT
    USING (@extschema@.jurisdiction_visible(district));
CREATE POLICY gridgov_write ON @extschema@.case_notice FOR ALL
    USING (@extschema@.jurisdiction_holds(district, 'administrator'))
    WITH CHECK (@extschema@.jurisdiction_holds(district, 'administrator'));

-- A redraw's boundary off the globe, or over half of it, is refused by
-- redraw_boundary before it is measured on the spheroid (found by the
-- fuzzer: PostGIS's XX000 "Antipodal edge detected").
CREATE OR REPLACE FUNCTION @extschema@.redraw_boundary(grid @extschema@.gridcode, boundary geometry) RETURNS geometry
    LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    reason text;
BEGIN
    IF boundary IS NULL THEN
        RAISE EXCEPTION 'new grid % has no boundary', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A redraw draws every new grid: give a Polygon or MultiPolygon in SRID 4326.';
    END IF;
    IF ST_SRID(boundary) OPERATOR(pg_catalog.<>) 4326
       OR GeometryType(boundary) OPERATOR(pg_catalog.<>) ALL (ARRAY['POLYGON', 'MULTIPOLYGON']) THEN
        RAISE EXCEPTION 'the boundary of new grid % is a % in SRID %, not a polygon in SRID 4326',
                        grid, GeometryType(boundary), ST_SRID(boundary)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a Polygon or MultiPolygon of longitudes and latitudes (ST_SetSRID(..., 4326)).';
    END IF;
    reason := (ST_IsValidDetail(boundary)).reason;
    IF reason IS NOT NULL THEN
        RAISE EXCEPTION 'the boundary of new grid % is not valid: %', grid, reason
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Repair it (ST_MakeValid) or draw it again.';
    END IF;
    -- before any measure on the spheroid, which fails on an edge between
    -- antipodes (PostGIS's XX000) and is meaningless off the globe
    IF ST_XMin(boundary) OPERATOR(pg_catalog.<) -180 OR ST_XMax(boundary) OPERATOR(pg_catalog.>) 180
       OR ST_YMin(boundary) OPERATOR(pg_catalog.<) -90 OR ST_YMax(boundary) OPERATOR(pg_catalog.>) 90
       OR (ST_XMax(boundary) OPERATOR(pg_catalog.-) ST_XMin(boundary)) OPERATOR(pg_catalog.>=) 180
       OR (ST_YMax(boundary) OPERATOR(pg_catalog.-) ST_YMin(boundary)) OPERATOR(pg_catalog.>=) 180 THEN
        RAISE EXCEPTION 'the boundary of new grid % spans longitudes % to % and latitudes % to %, not a grid''s ground',
                        grid, ST_XMin(boundary), ST_XMax(boundary), ST_YMin(boundary), ST_YMax(boundary)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give longitudes (-180 to 180) before latitudes (-90 to 90), over less than half the globe.';
    END IF;
    IF ST_Area(boundary::geography) OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'new grid % has no area', grid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A grid''s boundary covers at least 1 m².';
    END IF;
    RETURN ST_Multi(boundary);
END;
$$;
COMMENT ON FUNCTION @extschema@.redraw_boundary(@extschema@.gridcode, geometry) IS
    'a new grid''s boundary as a MultiPolygon; raises 22023 naming the grid when it is NULL, not a polygon in SRID 4326, not valid, off the globe or over half of it, or smaller than 1 m²';

-- refresh_rollups() recomputes the handlers' rows that changed, not every
-- handler's row of each day and district a change touches (issue 14, the
-- benchmark's goal): the log notes each case's handler before and after a
-- change (the update trigger reads the rows before it too), and a
-- handler's cases of a day are a range of a new index.
ALTER TABLE @extschema@.rollup_change ADD COLUMN handler bigint;
COMMENT ON TABLE @extschema@.rollup_change IS
    'the (day, unit) pairs whose cases changed since refresh_rollups() last ran, with the cases'' handlers before and after: appended by every statement on cases, consumed by the refresh';
COMMENT ON COLUMN @extschema@.rollup_change.handler IS
    'a changed case''s handler, before or after the change (NULL: none): both handlers'' rows of the day in kpi_handler_daily change when a case is taken from one by another';
-- "A handler's cases of a day" is a range of this one (the rows of
-- kpi_handler_daily that a refresh recomputes, one range each).
CREATE INDEX cases_handler_reported ON @extschema@.cases (handler, reported_at) WHERE handler IS NOT NULL;
-- "A unit's cases of a day", a pair's, is a range of this one: the
-- (unit, category, reported_at) index that early warning reads holds them
-- category by category, so a pair's lookup there reads the unit's whole
-- month (docs/benchmarks.md, "Rollups kept current").
CREATE INDEX cases_unit_reported ON @extschema@.cases (unit, reported_at);
COMMENT ON FUNCTION @extschema@.rollup_note_change() IS
    'AFTER ... FOR EACH STATEMENT trigger on cases: notes the (day, unit) pairs of the statement''s cases, with their handlers before and after it, in rollup_change';
DROP TRIGGER gridgov_rollup_update ON @extschema@.cases;
CREATE TRIGGER gridgov_rollup_update AFTER UPDATE ON @extschema@.cases
    REFERENCING OLD TABLE AS gridgov_old_cases NEW TABLE AS gridgov_new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.rollup_note_change();
ALTER TABLE @extschema@.cases ENABLE ALWAYS TRIGGER gridgov_rollup_update;
CREATE OR REPLACE FUNCTION @extschema@.refresh_rollups(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    state @extschema@.rollup_state;
    first_day date;
    last_day date;
    through date;
    yesterday constant date := @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1;
    -- the distinct changes taken from the log: pairs with their cases'
    -- district and handlers
    changed_days date[];
    changed_units @extschema@.gridcode[];
    changed_districts @extschema@.gridcode[];
    changed_handlers bigint[];
    -- those and the pairs whose open cases passed a deadline, with the
    -- cases' handlers (changed: noted in the log)
    all_days date[];
    all_units @extschema@.gridcode[];
    all_districts @extschema@.gridcode[];
    all_handlers bigint[];
    all_changed boolean[];
    -- the pairs of those, what kpi_daily recomputes; risks tells those
    -- risk_daily recomputes too (changed, on a day it holds: a deadline
    -- passing changes no risk)
    days date[];
    units @extschema@.gridcode[];
    districts @extschema@.gridcode[];
    risks boolean[];
    -- the (day, district, handler) of those, what kpi_handler_daily recomputes
    handler_days date[];
    handler_districts @extschema@.gridcode[];
    handlers bigint[];
    -- the units above the pairs, district to grid, on their days: what
    -- kpi_unit_daily recomputes
    above_days date[];
    above_units @extschema@.gridcode[];
    above_levels integer[];
    pairs bigint;
    above_level integer;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'refresh_rollups runs in READ COMMITTED transactions only'
            USING ERRCODE = '25000',
                  HINT = 'Under a snapshot of the whole transaction it could consume changes it does not see.';
    END IF;
    LOCK TABLE @extschema@.kpi_daily, @extschema@.kpi_unit_daily, @extschema@.kpi_handler_daily,
               @extschema@.rollup_state
        IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
    SELECT * INTO state FROM @extschema@.rollup_state;
    through := @extschema@.risk_rollup_through();

    WITH taken AS (DELETE FROM @extschema@.rollup_change RETURNING day, unit, district, handler)
    SELECT pg_catalog.array_agg(t.day), pg_catalog.array_agg(t.unit), pg_catalog.array_agg(t.district),
           pg_catalog.array_agg(t.handler)
      INTO changed_days, changed_units, changed_districts, changed_handlers
      FROM (SELECT DISTINCT day, unit, district, handler FROM taken) t;

    IF state IS NULL OR state.timezone OPERATOR(pg_catalog.<>) zone THEN
        -- nothing to go on from: every day, once, and the risk rollup from
        -- the first case too (or from where it ends, if that is earlier)
        SELECT pg_catalog.timezone(zone, pg_catalog.min(c.reported_at))::date,
               pg_catalog.timezone(zone, pg_catalog.max(c.reported_at))::date
          INTO first_day, last_day FROM @extschema@.cases c;
        PERFORM @extschema@.refresh_kpi_daily(COALESCE(first_day, pg_catalog.timezone(zone, as_of)::date),
                                              COALESCE(last_day, pg_catalog.timezone(zone, as_of)::date), as_of);
        SELECT pg_catalog.count(*) INTO pairs FROM @extschema@.kpi_daily;
        PERFORM @extschema@.refresh_risk_daily(LEAST(first_day, through), yesterday);
    ELSE
        -- the changes and those of the open cases whose deadline passed
        -- between the two as_of (overdue_now counts at as_of)
        SELECT pg_catalog.array_agg(p.day), pg_catalog.array_agg(p.unit), pg_catalog.array_agg(p.district),
               pg_catalog.array_agg(p.handler), pg_catalog.array_agg(p.changed)
          INTO all_days, all_units, all_districts, all_handlers, all_changed
          FROM (SELECT q.day, q.unit, q.district, q.handler, pg_catalog.bool_or(q.changed) AS changed
                  FROM (SELECT t.day, t.unit, t.district, t.handler, true AS changed
                          FROM (SELECT pg_catalog.unnest(changed_days) AS day, pg_catalog.unnest(changed_units) AS unit,
                                       pg_catalog.unnest(changed_districts) AS district,
                                       pg_catalog.unnest(changed_handlers) AS handler) t
                        UNION ALL
                        SELECT pg_catalog.timezone(zone, c.reported_at)::date, c.unit, c.district, c.handler, false
                          FROM @extschema@.cases c
                         WHERE c.stage_deadline IS NOT NULL
                           AND c.stage_deadline OPERATOR(pg_catalog.>=) LEAST(state.as_of, as_of)
                           AND c.stage_deadline OPERATOR(pg_catalog.<) GREATEST(state.as_of, as_of)) q
                 GROUP BY q.day, q.unit, q.district, q.handler) p;
        -- their pairs, and their handlers' rows (a handler's row changes
        -- when one of its cases does or when a case leaves it: the log
        -- notes the handler before a change as well as after it)
        SELECT pg_catalog.array_agg(p.day), pg_catalog.array_agg(p.unit), pg_catalog.array_agg(p.district),
               pg_catalog.array_agg(p.changed AND (p.day OPERATOR(pg_catalog.<=) through) IS TRUE)
          INTO days, units, districts, risks
          FROM (SELECT q.day, q.unit, q.district, pg_catalog.bool_or(q.changed) AS changed
                  FROM (SELECT pg_catalog.unnest(all_days) AS day, pg_catalog.unnest(all_units) AS unit,
                               pg_catalog.unnest(all_districts) AS district, pg_catalog.unnest(all_changed) AS changed) q
                 GROUP BY q.day, q.unit, q.district) p;
        pairs := COALESCE(pg_catalog.cardinality(days), 0);
        SELECT pg_catalog.array_agg(h.day), pg_catalog.array_agg(h.district), pg_catalog.array_agg(h.handler)
          INTO handler_days, handler_districts, handlers
          FROM (SELECT DISTINCT q.day, q.district, q.handler
                  FROM (SELECT pg_catalog.unnest(all_days) AS day, pg_catalog.unnest(all_districts) AS district,
                               pg_catalog.unnest(all_handlers) AS handler) q
                 WHERE q.handler IS NOT NULL) h;

        DELETE FROM @extschema@.kpi_daily d
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
         WHERE d.day OPERATOR(pg_catalog.=) p.day AND d.unit OPERATOR(@extschema@.=) p.unit;
        DELETE FROM @extschema@.risk_daily r
         USING (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                       pg_catalog.unnest(risks) AS risk) p
         WHERE r.day OPERATOR(pg_catalog.=) p.day AND r.unit OPERATOR(@extschema@.=) p.unit AND p.risk;
        -- each pair's cases read once for both rollups, a range of
        -- cases_unit_reported: the lateral subquery is run per pair
        -- (grouped by the case's key, which keeps it from being flattened
        -- into a join of the pairs with the cases, planned as a hash of every
        -- case; on Citus the key holds the distribution column)
        WITH pair_cases AS MATERIALIZED (
            SELECT p.day, p.unit, p.risk, c.*
              FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit,
                           pg_catalog.unnest(risks) AS risk) p
             CROSS JOIN LATERAL (
                    -- the columns by name: readers may not read the whole case (its reporter)
                    SELECT c.district, c.category, c.severity, c.id, c.status, c.handling_level, c.stage_deadline,
                           c.suspended_at, c.reported_at, c.accepted_at, c.dispatched_at, c.closed_at, c.escalations,
                           c.reopenings, c.extensions, c.returns, c.deadlines_missed, c.satisfaction
                      FROM @extschema@.cases c
                     WHERE c.unit OPERATOR(@extschema@.=) p.unit
                       AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                       AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                     GROUP BY c.district, c.id) c
        ), kpi_written AS (
            INSERT INTO @extschema@.kpi_daily (day, unit, category, kpi)
            SELECT k.day, k.unit, k.category,
                   @extschema@.kpi(k.id, k.status, k.handling_level, k.stage_deadline, k.suspended_at, k.reported_at,
                                   k.accepted_at, k.dispatched_at, k.closed_at, k.escalations, k.reopenings,
                                   k.extensions, k.returns, k.deadlines_missed, k.satisfaction, as_of)
              FROM pair_cases k
             GROUP BY k.day, k.unit, k.district, k.category
        )
        INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass, district)
        SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
               pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                     half_life_seconds)),
               k.district
          FROM pair_cases k
         WHERE k.risk AND k.status NOT IN ('rejected', 'merged')
         GROUP BY k.day, k.unit, k.district, k.severity;

        -- the units above each pair, grid to district, each merged from the
        -- level below: a grid from its kpi_daily rows, a community from its
        -- grids' rows (and its own cases'), and so on up, so that a day's
        -- district row merges a few subdistricts, not every grid and category
        SELECT pg_catalog.array_agg(a.day), pg_catalog.array_agg(a.unit), pg_catalog.array_agg(a.level)
          INTO above_days, above_units, above_levels
          FROM (SELECT DISTINCT p.day, @extschema@.ancestor(p.unit, l.level) AS unit, l.level
                  FROM (SELECT pg_catalog.unnest(days) AS day, pg_catalog.unnest(units) AS unit) p
                 CROSS JOIN LATERAL pg_catalog.generate_series(3, LEAST(@extschema@.level(p.unit), 6)) AS l(level)) a;
        DELETE FROM @extschema@.kpi_unit_daily d
         USING (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit) a
         WHERE d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit;
        INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
        SELECT a.day, a.unit, @extschema@.kpi_merge(d.kpi)
          FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                       pg_catalog.unnest(above_levels) AS level) a
          JOIN @extschema@.kpi_daily d ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.<@) a.unit
         WHERE a.level OPERATOR(pg_catalog.=) 6
         GROUP BY a.day, a.unit;
        -- (the rows of the level below found by the units' parent, one
        -- index lookup each, where a range of the unit's subtree reads
        -- every level under it; a union of two joins, not a join of a union
        -- or a lateral subquery, which Citus cannot plan)
        FOR above_level IN REVERSE 5..3 LOOP
            INSERT INTO @extschema@.kpi_unit_daily (day, unit, kpi)
            SELECT m.day, m.unit, @extschema@.kpi_merge(m.kpi)
              FROM (SELECT a.day, a.unit, u.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN @extschema@.unit below ON below.parent OPERATOR(@extschema@.=) a.unit
                      JOIN @extschema@.kpi_unit_daily u
                        ON u.day OPERATOR(pg_catalog.=) a.day AND u.unit OPERATOR(@extschema@.=) below.code
                     WHERE a.level OPERATOR(pg_catalog.=) above_level
                    UNION ALL
                    SELECT a.day, a.unit, d.kpi
                      FROM (SELECT pg_catalog.unnest(above_days) AS day, pg_catalog.unnest(above_units) AS unit,
                                   pg_catalog.unnest(above_levels) AS level) a
                      JOIN @extschema@.kpi_daily d
                        ON d.day OPERATOR(pg_catalog.=) a.day AND d.unit OPERATOR(@extschema@.=) a.unit
                     WHERE a.level OPERATOR(pg_catalog.=) above_level) m
             GROUP BY m.day, m.unit;
        END LOOP;

        -- the handlers' rows of the changes, each from the handler's cases
        -- of its day and district, a range of cases_handler_reported (the
        -- lateral subquery grouped by the key, as above)
        DELETE FROM @extschema@.kpi_handler_daily h
         USING (SELECT pg_catalog.unnest(handler_days) AS day, pg_catalog.unnest(handler_districts) AS district,
                       pg_catalog.unnest(handlers) AS handler) p
         WHERE h.day OPERATOR(pg_catalog.=) p.day AND h.handler OPERATOR(pg_catalog.=) p.handler
           AND h.district OPERATOR(@extschema@.=) p.district;
        INSERT INTO @extschema@.kpi_handler_daily (day, handler, district, kpi)
        SELECT p.day, p.handler, p.district, k.kpi
          FROM (SELECT pg_catalog.unnest(handler_days) AS day, pg_catalog.unnest(handler_districts) AS district,
                       pg_catalog.unnest(handlers) AS handler) p
         CROSS JOIN LATERAL (
                SELECT @extschema@.kpi(c.id, c.status, c.handling_level, c.stage_deadline, c.suspended_at, c.reported_at,
                                       c.accepted_at, c.dispatched_at, c.closed_at, c.escalations, c.reopenings,
                                       c.extensions, c.returns, c.deadlines_missed, c.satisfaction, as_of) AS kpi
                  FROM @extschema@.cases c
                 WHERE c.handler OPERATOR(pg_catalog.=) p.handler
                   AND c.district OPERATOR(@extschema@.=) p.district
                   AND c.reported_at OPERATOR(pg_catalog.>=) pg_catalog.timezone(zone, p.day::timestamp)
                   AND c.reported_at OPERATOR(pg_catalog.<) pg_catalog.timezone(zone, (p.day OPERATOR(pg_catalog.+) 1)::timestamp)
                 GROUP BY c.district, c.handler) k;

        -- the days the risk rollup lacks: those that have ended since, or
        -- all of them
        IF through IS NULL THEN
            PERFORM @extschema@.refresh_risk_daily(NULL, yesterday);
        ELSIF through OPERATOR(pg_catalog.<) yesterday THEN
            PERFORM @extschema@.refresh_risk_daily(through OPERATOR(pg_catalog.+) 1, yesterday);
        END IF;
    END IF;
    INSERT INTO @extschema@.rollup_state (as_of, timezone, refreshed_at)
    VALUES (as_of, zone, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT rollup_state_pkey DO UPDATE
       SET as_of = EXCLUDED.as_of, timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN pairs;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_rollups(timestamptz) IS
    'bring kpi_daily, kpi_unit_daily, kpi_handler_daily and risk_daily up to date at as_of, recomputing only the (day, unit) pairs whose cases changed or passed a deadline since the last call, and the rows of those cases'' handlers before and after the change (the first call rebuilds); returns the pairs recomputed';
-- case_reporters on Citus (issue 15): case_reporters_rows() reads the
-- cases as their owner and decides each row by the caller's grants, by
-- jurisdiction_visible_for and jurisdiction_holds_for (the owner's alone);
-- tools/citus-policies.sql points the view at it
-- The same two tests as a role named would answer them, for
-- case_reporters_rows() below, which reads the cases as their owner and asks
-- these, on the nodes that hold the cases, what its caller holds.  The
-- owner's alone: no role learns what another holds.
CREATE FUNCTION @extschema@.jurisdiction_visible_for(role name, unit @extschema@.gridcode, category text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_visible_for' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_visible_for(name, @extschema@.gridcode, text) IS
    'jurisdiction_visible(unit, category) as the role named would answer it; the owner''s, for case_reporters_rows()';
CREATE FUNCTION @extschema@.jurisdiction_holds_for(role name, unit @extschema@.gridcode, function text, category text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'jurisdiction_holds_for' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jurisdiction_holds_for(name, @extschema@.gridcode, text, text) IS
    'jurisdiction_holds(unit, function, category) as the role named would answer it; the owner''s, for case_reporters_rows()';
REVOKE EXECUTE ON FUNCTION @extschema@.jurisdiction_visible_for(name, @extschema@.gridcode, text),
                           @extschema@.jurisdiction_holds_for(name, @extschema@.gridcode, text, text) FROM PUBLIC;

-- The same rows by a function that reads the cases as their owner
-- (src/case_reporters.c) and decides each row by its caller's grants, on
-- the node that holds it: what case_reporters reads on Citus, which checks
-- a view's tables on the shards as the role that queries it
-- (tools/citus-policies.sql).  The single node keeps the view, whose
-- conditions reach the index on cases (a case by its number).  Its search
-- path pinned, though its query qualifies every name; readers and auditors
-- only, as the view.
CREATE FUNCTION @extschema@.case_reporters_rows()
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, category text,
                   reporter jsonb, masked boolean)
    AS 'MODULE_PATHNAME', 'case_reporters_rows' LANGUAGE C STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.case_reporters_rows() IS
    'the rows of case_reporters for the calling role, read as the owner of cases and decided by the caller''s grants on the node of each case: what case_reporters reads on Citus';
REVOKE EXECUTE ON FUNCTION @extschema@.case_reporters_rows() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.case_reporters_rows() TO gridgov_reader, gridgov_auditor;

-- revoke_jurisdiction and revoke_category find the grants by the grantee's
-- name, then end or drop them by their numbers: on Citus an OID went to the
-- workers as a number (another role there, or none), and the grant ended
-- on the coordinator's copy alone (issue 15)
CREATE OR REPLACE FUNCTION @extschema@.revoke_jurisdiction(grantee regrole, unit @extschema@.gridcode, function text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    grants bigint[];
    ended bigint;
    dropped bigint;
BEGIN
    IF function IS NOT NULL THEN
        PERFORM @extschema@.check_jurisdiction_function(function);
    END IF;
    -- the role's grants there, by their numbers, the same in every copy of
    -- the table on Citus, where a role has another OID on each node: the
    -- grantee compared by name (an OID would go to the workers as a
    -- number, and the grant end on the coordinator's copy alone).  Then a
    -- grant in force ends now, and stays on record; one yet to start goes
    SELECT pg_catalog.array_agg(g.id) INTO grants FROM @extschema@.jurisdiction_grant g
     WHERE g.grantee::pg_catalog.text OPERATOR(pg_catalog.=) revoke_jurisdiction.grantee::pg_catalog.text
       AND g.unit OPERATOR(@extschema@.=) revoke_jurisdiction.unit
       AND (revoke_jurisdiction.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_jurisdiction.function);
    UPDATE @extschema@.jurisdiction_grant g
       SET valid = pg_catalog.tstzrange(pg_catalog.lower(g.valid), pg_catalog.now())
     WHERE g.id OPERATOR(pg_catalog.=) ANY (grants)
       AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()
       AND pg_catalog.lower(g.valid) OPERATOR(pg_catalog.<) pg_catalog.now();
    GET DIAGNOSTICS ended = ROW_COUNT;
    DELETE FROM @extschema@.jurisdiction_grant g
     WHERE g.id OPERATOR(pg_catalog.=) ANY (grants)
       AND (pg_catalog.lower(g.valid) OPERATOR(pg_catalog.>=) pg_catalog.now()
            OR pg_catalog.lower_inf(g.valid) AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now());
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN ended OPERATOR(pg_catalog.+) dropped;
END;
$$;
CREATE OR REPLACE FUNCTION @extschema@.revoke_category(grantee regrole, category text, unit @extschema@.gridcode,
                                            function text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    grants bigint[];
    ended bigint;
    dropped bigint;
BEGIN
    IF function IS NOT NULL THEN
        PERFORM @extschema@.check_jurisdiction_function(function);
    END IF;
    -- the role's grants by their numbers, the grantee by name, as in
    -- revoke_jurisdiction
    SELECT pg_catalog.array_agg(g.id) INTO grants FROM @extschema@.category_grant g
     WHERE g.grantee::pg_catalog.text OPERATOR(pg_catalog.=) revoke_category.grantee::pg_catalog.text
       AND g.category OPERATOR(pg_catalog.=) revoke_category.category
       AND g.unit OPERATOR(@extschema@.=) revoke_category.unit
       AND (revoke_category.function IS NULL OR g.function OPERATOR(pg_catalog.=) revoke_category.function);
    UPDATE @extschema@.category_grant g
       SET valid = pg_catalog.tstzrange(pg_catalog.lower(g.valid), pg_catalog.now())
     WHERE g.id OPERATOR(pg_catalog.=) ANY (grants)
       AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now()
       AND pg_catalog.lower(g.valid) OPERATOR(pg_catalog.<) pg_catalog.now();
    GET DIAGNOSTICS ended = ROW_COUNT;
    DELETE FROM @extschema@.category_grant g
     WHERE g.id OPERATOR(pg_catalog.=) ANY (grants)
       AND (pg_catalog.lower(g.valid) OPERATOR(pg_catalog.>=) pg_catalog.now()
            OR pg_catalog.lower_inf(g.valid) AND g.valid OPERATOR(pg_catalog.@>) pg_catalog.now());
    GET DIAGNOSTICS dropped = ROW_COUNT;
    RETURN ended OPERATOR(pg_catalog.+) dropped;
END;
$$;

-- anonymise_personal_data on Citus: the cases by their numbers alone
CREATE OR REPLACE FUNCTION @extschema@.anonymise_personal_data(older_than interval)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    anonymised bigint;
BEGIN
    IF older_than OPERATOR(pg_catalog.<) interval '0' THEN
        RAISE EXCEPTION 'retention % is negative', older_than
            USING ERRCODE = '22023', HINT = 'Give how long after closure reporters'' data is kept, such as ''2 years''.';
    END IF;
    UPDATE @extschema@.cases c
       SET reporter = '{}', note = 'personal data removed after a retention of ' OPERATOR(pg_catalog.||) older_than
     WHERE c.closed_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) older_than)
       AND c.id IN (SELECT r.id FROM @extschema@.case_reporters r
                     WHERE NOT r.masked AND r.reporter OPERATOR(pg_catalog.<>) '{}');
    GET DIAGNOSTICS anonymised = ROW_COUNT;
    RETURN anonymised;
END;
$$;

-- The district a report goes to, before it is written: the one the intake
-- trigger gives it.  On Citus, which routes a new case by its district, an
-- INSERT into cases that leaves the district out gets it from here, on the
-- coordinator (src/case_district.c, docs/scale-out.md).
CREATE FUNCTION @extschema@.case_district(unit @extschema@.gridcode, location geometry,
                                      reported_at timestamptz DEFAULT NULL) RETURNS @extschema@.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_case_district' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.case_district(@extschema@.gridcode, geometry, timestamptz) IS
    'the district (level 3) a report belongs to, as intake places it: above its unit if given, else above the grid (in a gap, the lowest unit) covering its point at reported_at (default now); GG003 where intake would refuse the report; on Citus, an INSERT into cases without its district gets it from here';

-- The morning checks read kept coverage instead of the posts (issue 12):
-- per grid the days a party member is placed in it, per community its
-- headcount over time, kept by statement triggers (docs/people.md).
-- the posts held in an organization alone, which place their holders on
-- everything it covers: read per coverage row by placements() and the
-- kept coverage's recount
CREATE INDEX post_organization_alone_idx ON @extschema@.post (organization) WHERE unit IS NULL;
-- the units of one level under a root, one range of this index: the
-- people checks' grids and communities, without reading the buildings
-- between them in the primary key's order
CREATE INDEX unit_level_code_idx ON @extschema@.unit (level, code);

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
CREATE TABLE @extschema@.grid_party_days (
    grid    @extschema@.gridcode NOT NULL,
    days    pg_catalog.datemultirange NOT NULL,
    -- a grid's days read from the index alone: a probe per grid under a
    -- district costs less than hashing every grid of the province
    CONSTRAINT grid_party_days_pkey PRIMARY KEY (grid) INCLUDE (days)
);
COMMENT ON TABLE @extschema@.grid_party_days IS
    'per grid, the days on which at least one party member is placed in it (kept by the triggers on post and organization_unit)';
COMMENT ON COLUMN @extschema@.grid_party_days.grid IS 'the grid (level 6)';
COMMENT ON COLUMN @extschema@.grid_party_days.days IS
    'the days on which a post of a party member places its holder on the grid or a building in it; empty if none';
CREATE TABLE @extschema@.community_headcount (
    community       @extschema@.gridcode PRIMARY KEY,
    since           date[] NOT NULL,
    people          integer[] NOT NULL,
    party_members   integer[] NOT NULL,
    CONSTRAINT community_headcount_steps CHECK (
        pg_catalog.cardinality(people) OPERATOR(pg_catalog.=) pg_catalog.cardinality(since)
        AND pg_catalog.cardinality(party_members) OPERATOR(pg_catalog.=) pg_catalog.cardinality(since))
);
COMMENT ON TABLE @extschema@.community_headcount IS
    'per community, the people and party members placed under it, as steps over time (kept by the triggers on post and organization_unit)';
COMMENT ON COLUMN @extschema@.community_headcount.community IS 'the community (level 5)';
COMMENT ON COLUMN @extschema@.community_headcount.since IS
    'the days on which the counts change, ascending (-infinity for posts with no first day); before the first, no one';
COMMENT ON COLUMN @extschema@.community_headcount.people IS
    'from since[i] until since[i + 1], how many people are placed under the community (width_bucket(day, since) finds i)';
COMMENT ON COLUMN @extschema@.community_headcount.party_members IS 'from since[i] until since[i + 1], how many of them are party members';

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
CREATE FUNCTION @extschema@.coverage_recount(grids @extschema@.gridcode[], communities @extschema@.gridcode[])
    RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
    -- every scan below is meant to be a key's index range: a recount often
    -- runs right after a bulk load that no ANALYZE has seen yet, where a
    -- plan from the statistics could scan every post once per grid
    SET enable_seqscan = off
AS $$
DECLARE
    grid_rows @extschema@.grid_party_days[];
    community_rows @extschema@.community_headcount[];
BEGIN
    grids := ARRAY(SELECT DISTINCT g FROM pg_catalog.unnest(grids) g WHERE g IS NOT NULL ORDER BY g);
    communities := ARRAY(SELECT DISTINCT c FROM pg_catalog.unnest(communities) c WHERE c IS NOT NULL ORDER BY c);
    -- communities first: a change to a grid also changes its community,
    -- so the community's lock orders every writer of its grids, and two
    -- transactions can deadlock only over two communities
    INSERT INTO @extschema@.community_headcount (community, since, people, party_members)
    SELECT c, '{}', '{}', '{}' FROM pg_catalog.unnest(communities) c
        ON CONFLICT DO NOTHING;
    PERFORM FROM @extschema@.community_headcount h
      WHERE h.community OPERATOR(@extschema@.=) ANY (communities)
      ORDER BY h.community FOR UPDATE;
    INSERT INTO @extschema@.grid_party_days (grid, days)
    SELECT g, '{}' FROM pg_catalog.unnest(grids) g
        ON CONFLICT DO NOTHING;
    PERFORM FROM @extschema@.grid_party_days d
      WHERE d.grid OPERATOR(@extschema@.=) ANY (grids)
      ORDER BY d.grid FOR UPDATE;
    -- the days of the party members placed under each grid.  Each grid
    -- drives range scans of its own posts and coverage (LATERAL ... OFFSET
    -- 0: never a join whose other side is every post without a unit),
    -- then everything is grouped once, whether one grid or a province's.
    -- Counted by a query that reads the posts and coverage alone, and
    -- written by another that reads the count alone: on Citus the ones are
    -- reference tables and the others each node's own.
    grid_rows := ARRAY(
        SELECT ROW(k.grid, COALESCE(pg_catalog.range_agg(pl.days), '{}'))::@extschema@.grid_party_days
              FROM pg_catalog.unnest(grids) k (grid)
              LEFT JOIN (SELECT g.grid, p.valid AS days
                           FROM pg_catalog.unnest(grids) g (grid)
                          CROSS JOIN LATERAL (SELECT p.valid, p.role FROM @extschema@.post p
                                               WHERE p.unit OPERATOR(@extschema@.<@) g.grid OFFSET 0) p
                           JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) p.role
                          WHERE r.class OPERATOR(pg_catalog.=) 'party_member'
                         UNION ALL
                         SELECT g.grid, p.valid OPERATOR(pg_catalog.*) c.valid
                           FROM pg_catalog.unnest(grids) g (grid)
                          CROSS JOIN LATERAL (SELECT c.organization, c.valid FROM @extschema@.organization_unit c
                                               WHERE c.unit OPERATOR(@extschema@.<@) g.grid OFFSET 0) c
                           JOIN @extschema@.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
                           JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) p.role
                          WHERE p.unit IS NULL
                            AND p.valid OPERATOR(pg_catalog.&&) c.valid
                            AND r.class OPERATOR(pg_catalog.=) 'party_member') pl
                ON pl.grid OPERATOR(@extschema@.=) k.grid
             GROUP BY k.grid);
    UPDATE @extschema@.grid_party_days d
       SET days = x.days
      FROM pg_catalog.unnest(grid_rows) x
     WHERE d.grid OPERATOR(@extschema@.=) x.grid;
    -- per community (driving its range scans in the same way): each
    -- person's days there, then the running count of the days people (and
    -- party members) start and stop being placed
    community_rows := ARRAY(
            WITH placed AS (
                SELECT k.community, p.person, p.valid AS days,
                       r.class OPERATOR(pg_catalog.=) 'party_member' AS party
                  FROM pg_catalog.unnest(communities) k (community)
                 CROSS JOIN LATERAL (SELECT p.person, p.valid, p.role FROM @extschema@.post p
                                      WHERE p.unit OPERATOR(@extschema@.<@) k.community OFFSET 0) p
                  JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) p.role
                UNION ALL
                SELECT k.community, p.person, p.valid OPERATOR(pg_catalog.*) c.valid,
                       r.class OPERATOR(pg_catalog.=) 'party_member'
                  FROM pg_catalog.unnest(communities) k (community)
                 CROSS JOIN LATERAL (SELECT c.organization, c.valid FROM @extschema@.organization_unit c
                                      WHERE c.unit OPERATOR(@extschema@.<@) k.community OFFSET 0) c
                  JOIN @extschema@.post p ON p.organization OPERATOR(pg_catalog.=) c.organization
                  JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) p.role
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
                                    FILTER (WHERE s.day IS NOT NULL), '{}'))::@extschema@.community_headcount
              FROM pg_catalog.unnest(communities) k (community)
              LEFT JOIN step s ON s.community OPERATOR(@extschema@.=) k.community
             GROUP BY k.community);
    UPDATE @extschema@.community_headcount h
       SET (since, people, party_members) = (x.since, x.people, x.party_members)
      FROM pg_catalog.unnest(community_rows) x
     WHERE h.community OPERATOR(@extschema@.=) x.community;
END;
$$;
COMMENT ON FUNCTION @extschema@.coverage_recount(@extschema@.gridcode[], @extschema@.gridcode[]) IS
    'recounts grid_party_days for grids and community_headcount for communities from the posts and the coverage, under row locks (the triggers'' work)';

-- The grids (level 6 ancestors) and communities (level 5) whose counts a
-- set of units can change: a unit below a grid changes its grid, one at
-- or below a community its community.
CREATE FUNCTION @extschema@.coverage_recount_units(units @extschema@.gridcode[]) RETURNS void
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT @extschema@.coverage_recount(
        ARRAY(SELECT DISTINCT @extschema@.ancestor(u, 6) FROM pg_catalog.unnest(coverage_recount_units.units) u
               WHERE @extschema@.level(u) OPERATOR(pg_catalog.>=) 6),
        ARRAY(SELECT DISTINCT @extschema@.ancestor(u, 5) FROM pg_catalog.unnest(coverage_recount_units.units) u
               WHERE @extschema@.level(u) OPERATOR(pg_catalog.>=) 5));
END;
COMMENT ON FUNCTION @extschema@.coverage_recount_units(@extschema@.gridcode[]) IS
    'recounts the kept coverage of the grids and communities above units';

-- AFTER ... FOR EACH STATEMENT on post and on organization_unit (their
-- transition tables named alike): the units a statement's rows place
-- people on or cover, before and after.  A row without a unit (a post in
-- an organization alone) stands for every unit its organization ever
-- covers; a coverage row always has its unit.
CREATE FUNCTION @extschema@.coverage_changed() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    units @extschema@.gridcode[] := '{}';
    organizations bigint[] := '{}';
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
        PERFORM @extschema@.rebuild_coverage();
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
            SELECT c.unit FROM @extschema@.organization_unit c
             WHERE c.organization OPERATOR(pg_catalog.=) ANY (organizations));
    END IF;
    PERFORM @extschema@.coverage_recount_units(units);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.coverage_changed() IS
    'AFTER ... FOR EACH STATEMENT trigger on post and organization_unit: recounts the kept coverage above the units the statement''s rows place people on or cover';

-- Builds the kept coverage whole, from every post and coverage: after a
-- load with the triggers disabled (pg_restore --disable-triggers), and
-- when a role's class changes.  The table lock waits for the writers
-- under way and holds off new ones until it commits.
CREATE FUNCTION @extschema@.rebuild_coverage() RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
BEGIN
    LOCK TABLE @extschema@.grid_party_days, @extschema@.community_headcount IN SHARE ROW EXCLUSIVE MODE;
    -- the rows kept so far (emptied if nothing places anyone there any
    -- more) and every unit a post or a coverage names
    PERFORM @extschema@.coverage_recount_units(
        ARRAY(SELECT d.grid FROM @extschema@.grid_party_days d
              UNION
              SELECT h.community FROM @extschema@.community_headcount h)
        OPERATOR(pg_catalog.||)
        ARRAY(SELECT p.unit FROM @extschema@.post p WHERE p.unit IS NOT NULL
              UNION
              SELECT c.unit FROM @extschema@.organization_unit c));
END;
$$;
COMMENT ON FUNCTION @extschema@.rebuild_coverage() IS
    'recounts all of grid_party_days and community_headcount from the posts and the coverage (after a load with the triggers disabled)';

-- AFTER ... FOR EACH STATEMENT on role: a role's class decides who is a
-- party member, everywhere.
CREATE FUNCTION @extschema@.coverage_role_changed() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.rebuild_coverage();
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION @extschema@.coverage_role_changed() IS
    'AFTER UPDATE OR DELETE ... FOR EACH STATEMENT trigger on role: rebuilds the kept coverage, since a role''s class decides who is a party member';

-- Grids (level 6, not retired by that day) under root where no party
-- member is placed: no post of a party member on the grid or a building in
-- it, nor in an organization covering one of them.  所有网格有党员.  Read
-- from the kept coverage: the grids under root, one range scan, each
-- looked up in grid_party_days; no post is read.
CREATE OR REPLACE FUNCTION @extschema@.grids_without_party_members(root @extschema@.gridcode, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (grid @extschema@.gridcode, name text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT g.code, g.name
      FROM @extschema@.unit g
     WHERE g.code OPERATOR(@extschema@.<@) grids_without_party_members.root
       AND g.level OPERATOR(pg_catalog.=) 6
       -- primary_layer()'s query, once per call: the SQL function's own
       -- call costs as much as the rest of a community's check
       AND g.layer OPERATOR(pg_catalog.=) COALESCE((SELECT l.name FROM @extschema@.grid_layer l WHERE l.is_primary),
                                                   'governance')
       AND (g.valid_to IS NULL OR g.valid_to OPERATOR(pg_catalog.>) grids_without_party_members.at)
       AND grids_without_party_members.at IS NOT NULL
       -- a probe per grid, read from the key's index alone
       AND NOT COALESCE((SELECT d.days OPERATOR(pg_catalog.@>) grids_without_party_members.at
                           FROM @extschema@.grid_party_days d
                          WHERE d.grid OPERATOR(@extschema@.=) g.code), false)
     ORDER BY g.code;
END;
$$;
COMMENT ON FUNCTION @extschema@.grids_without_party_members(@extschema@.gridcode, date) IS
    'grids under root where no party member is placed on a day (所有网格有党员)';
-- people_by_unit's count at a level other than the communities', from the
-- placements: one range scan of the placements under root, each at or
-- below the level taken to its ancestor there and counted once per person.
-- PL/pgSQL, so that a bad level is refused before any row is read.
CREATE OR REPLACE FUNCTION @extschema@.people_by_unit_placed(root @extschema@.gridcode, level integer, at date)
    RETURNS TABLE (unit @extschema@.gridcode, people bigint, party_members bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    -- refused (22023) even under a root where no one is placed
    PERFORM @extschema@.check_gridcode_level(people_by_unit_placed.level, 'level');
    RETURN QUERY
    SELECT @extschema@.ancestor(pl.unit, people_by_unit_placed.level),
           pg_catalog.count(DISTINCT pl.person),
           pg_catalog.count(DISTINCT pl.person) FILTER (WHERE r.class OPERATOR(pg_catalog.=) 'party_member')
      FROM @extschema@.placements(people_by_unit_placed.root, people_by_unit_placed.at) pl
      JOIN @extschema@.role r ON r.code OPERATOR(pg_catalog.=) pl.role
     WHERE @extschema@.level(pl.unit) OPERATOR(pg_catalog.>=) people_by_unit_placed.level
     GROUP BY 1;
END;
$$;
COMMENT ON FUNCTION @extschema@.people_by_unit_placed(@extschema@.gridcode, integer, date) IS
    'per unit of a level under root that someone is placed at or below on a day: the people placed, and how many are party members (people_by_unit''s count below and above the communities)';

-- How many people the posts of a day place under each unit of a level
-- below root, and how many of them are party members: the units of the
-- level under root, one range scan, each with its count, 0 where no one is
-- placed.  For communities (level 5) the count is the step of
-- community_headcount in force that day, probed per community; for the
-- other levels, people_by_unit_placed().
CREATE OR REPLACE FUNCTION @extschema@.people_by_unit(root @extschema@.gridcode, level integer, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE (unit @extschema@.gridcode, name text, people bigint, party_members bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    -- refused (22023) even under a root with no unit of the level
    PERFORM @extschema@.check_gridcode_level(people_by_unit.level, 'level');
    IF people_by_unit.level OPERATOR(pg_catalog.=) 5 THEN
        RETURN QUERY
        SELECT u.code, u.name,
               COALESCE(h.people[pg_catalog.width_bucket(people_by_unit.at, h.since)], 0)::bigint,
               COALESCE(h.party_members[pg_catalog.width_bucket(people_by_unit.at, h.since)], 0)::bigint
          FROM @extschema@.unit u
          LEFT JOIN @extschema@.community_headcount h ON h.community OPERATOR(@extschema@.=) u.code
         WHERE u.code OPERATOR(@extschema@.<@) people_by_unit.root
           AND u.level OPERATOR(pg_catalog.=) 5
           AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) people_by_unit.at)
           AND people_by_unit.at IS NOT NULL
         ORDER BY u.code;
    ELSE
        RETURN QUERY
        SELECT u.code, u.name, COALESCE(n.people, 0), COALESCE(n.party_members, 0)
          FROM @extschema@.unit u
          LEFT JOIN @extschema@.people_by_unit_placed(people_by_unit.root, people_by_unit.level, people_by_unit.at) n
                 ON n.unit OPERATOR(@extschema@.=) u.code
         WHERE u.code OPERATOR(@extschema@.<@) people_by_unit.root
           AND u.level OPERATOR(pg_catalog.=) people_by_unit.level
           AND (u.valid_to IS NULL OR u.valid_to OPERATOR(pg_catalog.>) people_by_unit.at)
           AND people_by_unit.at IS NOT NULL
         ORDER BY u.code;
    END IF;
END;
$$;
COMMENT ON FUNCTION @extschema@.people_by_unit(@extschema@.gridcode, integer, date) IS
    'per unit of a level under root: the people placed under it on a day, and how many are party members';
-- The kept coverage, recounted per statement over its transition tables.
-- Not ENABLE ALWAYS: a load with session_replication_role = replica (a
-- bulk load, tools/distribute-citus.sql moving rows into the shards, a
-- logical replication subscriber) skips them, and rebuild_coverage()
-- counts such rows afterwards.
CREATE TRIGGER gridgov_coverage_insert AFTER INSERT ON @extschema@.post
    REFERENCING NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_update AFTER UPDATE ON @extschema@.post
    REFERENCING OLD TABLE AS gridgov_old_rows NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_delete AFTER DELETE ON @extschema@.post
    REFERENCING OLD TABLE AS gridgov_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_truncate AFTER TRUNCATE ON @extschema@.post
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_insert AFTER INSERT ON @extschema@.organization_unit
    REFERENCING NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_update AFTER UPDATE ON @extschema@.organization_unit
    REFERENCING OLD TABLE AS gridgov_old_rows NEW TABLE AS gridgov_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_delete AFTER DELETE ON @extschema@.organization_unit
    REFERENCING OLD TABLE AS gridgov_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_truncate AFTER TRUNCATE ON @extschema@.organization_unit
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_changed();
CREATE TRIGGER gridgov_coverage_class AFTER UPDATE OF class ON @extschema@.role
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.coverage_role_changed();

-- The kept coverage: seen where its grid or community is; written by
-- its triggers alone (as their owner).
ALTER TABLE @extschema@.grid_party_days ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.grid_party_days FOR SELECT
    USING (@extschema@.jurisdiction_visible(grid));
ALTER TABLE @extschema@.community_headcount ENABLE ROW LEVEL SECURITY;
CREATE POLICY gridgov_read ON @extschema@.community_headcount FOR SELECT
    USING (@extschema@.jurisdiction_visible(community));
GRANT SELECT ON @extschema@.grid_party_days, @extschema@.community_headcount TO gridgov_reader;
REVOKE EXECUTE ON FUNCTION
    @extschema@.coverage_recount(@extschema@.gridcode[], @extschema@.gridcode[]),
    @extschema@.coverage_recount_units(@extschema@.gridcode[]),
    @extschema@.coverage_changed(),
    @extschema@.coverage_role_changed(),
    @extschema@.rebuild_coverage()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rebuild_coverage() TO gridgov_administrator;
-- counted once from the posts and coverage that 0.8.0's people pillar holds
SELECT @extschema@.rebuild_coverage();
