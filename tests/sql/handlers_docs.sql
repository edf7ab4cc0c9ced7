-- Handlers are people (issue 12, items 4 and 5), and the examples of the
-- sections "Service points and handlers" of docs/people.md and "Handlers"
-- of docs/cases.md, run for real (tools/check-docs).  The district is
-- tests/pgtap/people_fixture.psql with service points, categories and four
-- login roles; every refusal names its SQLSTATE and writes nothing.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE ROLE handlers_chen LOGIN;
CREATE ROLE handlers_li LOGIN;
CREATE ROLE handlers_wang LOGIN;
CREATE ROLE handlers_volunteer LOGIN;
BEGIN;
\i tests/pgtap/people_fixture.psql
SET datestyle = 'ISO, YMD';
SET timezone = 'Asia/Shanghai';
INSERT INTO category (code, name) VALUES ('noise', '噪音扰民'), ('stairwell_clutter', '楼道堆物');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit) VALUES
    ('noise', 1, 5, 'working_day', 1, 1, 3, 1),
    ('stairwell_clutter', 1, 6, 'working_day', 1, 1, 2, 1);
GRANT gridgov_handler TO handlers_chen, handlers_li, handlers_wang, handlers_volunteer;
-- row-level security (docs/access.md): the four see and move the cases of
-- the subdistrict
SELECT count(grant_jurisdiction(r::regrole, '440311006', 'handler')) AS grants
  FROM unnest(ARRAY['handlers_chen', 'handlers_li', 'handlers_wang', 'handlers_volunteer']) r \gset
\set ECHO all
-- service points at every tier, run by organizations covering their units
INSERT INTO service_point (id, name, unit, organization) VALUES
    (1, '光明区群众诉求服务中心', '440311', NULL),
    (2, '马田街道群众诉求服务中心', '440311006', NULL),
    (3, '根竹园社区党群服务中心', '440311006003', 8),
    (4, '根竹园第一网格工作站', '440311006003001', 2),
    (5, '一网格1栋服务站', '4403110060030010001', 5);
SELECT id, name, unit, level, organization FROM service_point ORDER BY id;
-- the people of the login roles
INSERT INTO person_login (login, person) VALUES
    ('handlers_chen', 1), ('handlers_li', 4), ('handlers_wang', 12), ('handlers_volunteer', 13);
SELECT login, person FROM person_login ORDER BY person;
-- a volunteer reports: the case's reporter_person is the volunteer's person
SET ROLE handlers_volunteer;
INSERT INTO cases (id, unit, category, channel, description)
VALUES (1, '440311006003001', 'stairwell_clutter', 'patrol', '一网格楼道堆放杂物')
RETURNING id, service_point, handling_level, reporter_person, actor_person, handler;
-- naming someone else as the reporter is for importers and the owner
INSERT INTO cases (id, unit, category, channel, reporter_person)
VALUES (2, '440311006003001', 'noise', 'patrol', 4);
RESET ROLE;
-- the noise rule says 5: the community hall, not the grid station; the
-- owner enters the hotline's report for the volunteer
SET gridgov.actor = '值班员王';
INSERT INTO cases (id, unit, category, channel, reporter_person)
VALUES (2, '440311006003002', 'noise', 'hotline', 13)
RETURNING id, service_point, handling_level, reporter_person, actor_person, handler;
RESET gridgov.actor;
-- the grid worker accepts case 1 at the grid station: the handler is her person
SET ROLE handlers_li;
SELECT id, status, handler, actor_person FROM accept(1);
-- the secretary of another community holds no post at the community hall
SET ROLE handlers_wang;
SELECT id, status, handler FROM accept(2);
-- ... but may accept it for someone who does
SELECT id, status, handler, actor_person FROM accept(2, handler => 1);
SELECT id, status, handler FROM dispatch(2, handler => 12);
-- naming the case's handler again keeps it
SELECT id, status, handler, actor_person FROM dispatch(2, handler => 1);
-- the owner, as a named duty officer, has the grid worker take it up
RESET ROLE;
SET gridgov.actor = '值班员王';
SELECT id, status, handler FROM start(2, handler => 99);
SELECT id, status, service_point, handler FROM start(2, handler => 4);
-- moving the case to another service point drops its handler
SELECT id, status, service_point, handling_level, handler FROM escalate(2, '需要街道协调');
-- the history records who moved the case and who handled it
SELECT seq, action, actor, actor_person, handler, service_point
  FROM case_history WHERE case_id = 2 ORDER BY seq;
SELECT * FROM verify_history();
-- KPIs per handler and per organization: two more cases handled to the end
RESET gridgov.actor;
SET ROLE handlers_li;
SELECT id, status, handler FROM dispatch(1);
SELECT status FROM start(1);
SELECT status FROM resolve(1);
SELECT status FROM verify(1);
SELECT status, satisfaction FROM close(1, 5);
SET ROLE handlers_chen;
INSERT INTO cases (id, unit, category, channel) VALUES (3, '440311006003001', 'noise', 'resident_app')
RETURNING id, service_point, reporter_person;
SELECT id, status, handler FROM accept(3);
SELECT status, handler FROM dispatch(3);
SELECT status FROM start(3);
SELECT status FROM resolve(3);
SELECT status FROM verify(3);
SELECT status, satisfaction FROM close(3, 3);
RESET ROLE;
SELECT refresh_kpi_daily(current_date - 1, current_date + 1) AS kpi_daily_rows;
SELECT handler, received(kpi), closed(kpi), round(on_time_rate(kpi), 2) AS on_time,
       round(satisfied_share(kpi), 2) AS satisfied, score
  FROM kpi_by_handler(current_date - 1, current_date + 1);
SELECT organization, kind, received(kpi), closed(kpi), score, committee_score, assessment
  FROM kpi_by_organization(current_date - 1, current_date + 1);
-- the rollup agrees with the aggregate over the cases themselves
SELECT count(*) AS handlers,
       count(*) FILTER (WHERE kpi_json(h.kpi) = kpi_json(d.kpi)) AS equal
  FROM kpi_by_handler(current_date - 1, current_date + 1) h
  FULL JOIN (SELECT c.handler, kpi(c, now()) AS kpi FROM cases c WHERE c.handler IS NOT NULL GROUP BY c.handler) d
    ON d.handler = h.handler;
SELECT kpi_score(kpi(c)) AS all_cases_score FROM cases c;
-- bad input: an organization that does not cover the point's unit, or none
INSERT INTO service_point (name, unit, organization) VALUES ('马山头第一网格工作站', '440311006004001', 2);
INSERT INTO service_point (name, unit, organization) VALUES ('马山头第一网格工作站', '440311006004001', 42);
-- a login role that does not exist
INSERT INTO person_login (login, person) VALUES ('handlers_nobody', 1);
-- a person who does not exist, named by the owner
INSERT INTO cases (id, unit, category, channel, reporter_person) VALUES (3, '440311006003001', 'noise', 'patrol', 77);
SELECT count(*) AS cases, (SELECT count(*) FROM case_history) AS history_rows FROM cases;
ROLLBACK;
DROP ROLE handlers_chen, handlers_li, handlers_wang, handlers_volunteer;
