-- Open311 GeoReport v2 (issue 18, item 1): the specification's own example
-- requests and responses reproduced, field by field, and the examples of
-- docs/open311.md run for real (tools/check-docs).  The district is
-- tests/pgtap/case_fixture.psql; the services are the specification's.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE ROLE open311_web LOGIN IN ROLE gridgov_reporter;
BEGIN;
\i tests/pgtap/case_fixture.psql
SET datestyle = 'ISO, YMD';
INSERT INTO category (code, name, description) VALUES
    ('cans_left_out', '垃圾桶长期占道', NULL),
    ('construction_plate', '施工钢板移位', NULL),
    ('curb_defect', '路缘石损坏', NULL),
    ('vehicle', '车辆违停', NULL);
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
SELECT code, 1, 5, 'working_day', 1, 1, 3, 1
  FROM category WHERE code IN ('cans_left_out', 'construction_plate', 'curb_defect', 'vehicle');
-- the shape of a JSON object: each key, in order, with its JSON type
CREATE FUNCTION pg_temp.shape(j json) RETURNS TABLE (key text, type text)
    LANGUAGE sql AS $$ SELECT e.key, json_typeof(e.value) FROM json_each(j) WITH ORDINALITY e(key, value, n) ORDER BY e.n $$;
-- the specification's examples; its numbers with leading zeros (001, 006),
-- which JSON does not allow (RFC 8259), written as the strings they are
\set spec_services '[{"service_code":"001","service_name":"Cans left out 24x7","description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"sanitation"},{"service_code":"002","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"street","service_name":"Construction plate shifted","description":"Metal construction plate covering the street or sidewalk has been moved."},{"service_code":"003","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"street","service_name":"Curb or curb ramp defect","description":"Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb."}]'
\set spec_definition '{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,"datatype_description":null,"order":1,"description":"What is the ticket/tag/DL number?","values":[{"key":123,"name":"Ford"},{"key":124,"name":"Chrysler"}]}]}'
\set spec_posted '[{"service_request_id":293944,"service_notice":"The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code","account_id":null}]'
\set spec_token '[{"service_request_id":638344,"token":12345}]'
\set spec_requests '[{"service_request_id":638344,"status":"closed","status_notes":"Duplicate request.","service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,"agency_responsible":null,"service_notice":null,"requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-14T06:37:38-08:00","expected_datetime":"2010-04-15T06:37:38-08:00","address":"8TH AVE and JUDAH ST","address_id":545483,"zipcode":94122,"lat":37.762221815,"long":-122.4651145,"media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg "},{"service_request_id":638349,"status":"open","status_notes":null,"service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,"agency_responsible":null,"service_notice":null,"requested_datetime":"2010-04-19T06:37:38-08:00","updated_datetime":"2010-04-19T06:37:38-08:00","expected_datetime":"2010-04-19T06:37:38-08:00","address":"8TH AVE and JUDAH ST","address_id":545483,"zipcode":94122,"lat":37.762221815,"long":-122.4651145,"media_url":"http://city.gov.s3.amazonaws.com/requests/media/638349.jpg"}]'
\set ECHO all

-- GET services: the specification's three services, offered
INSERT INTO open311_service (category, service_code, service_name, description, keywords, "group") VALUES
    ('cans_left_out', '001', 'Cans left out 24x7', 'Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.', 'lorem, ipsum, dolor', 'sanitation'),
    ('construction_plate', '002', 'Construction plate shifted', 'Metal construction plate covering the street or sidewalk has been moved.', 'lorem, ipsum, dolor', 'street'),
    ('curb_defect', '003', 'Curb or curb ramp defect', 'Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb.', 'lorem, ipsum, dolor', 'street');
INSERT INTO open311_attribute (category, code, datatype, required, "order", description) VALUES
    ('cans_left_out', 'WHISPAWN', 'string', true, 1, 'What is the permit number?'),
    ('cans_left_out', 'WHISDORN', 'string', false, 2, 'What is the door number?'),
    ('construction_plate', 'PLATE', 'text', false, 1, 'Where is the plate?'),
    ('curb_defect', 'CURB', 'text', false, 1, 'What is broken?');
SELECT open311_services()::jsonb = :'spec_services'::jsonb AS services_as_the_specification;
SELECT key, spec.type AS specification, ours.type AS gridgov
  FROM pg_temp.shape(:'spec_services'::json -> 0) WITH ORDINALITY spec(key, type, n)
  FULL JOIN pg_temp.shape(open311_services() -> 0) WITH ORDINALITY ours(key, type, n) USING (key)
 ORDER BY COALESCE(spec.n, ours.n);
SELECT open311_services() -> 0 AS first_service;

-- GET a service definition: the specification's DMV66
INSERT INTO category (code, name) VALUES ('dmv', 'DMV');
INSERT INTO category_rule VALUES ('dmv', 1, 5, 'working_day', 1, 1, 3, 1);
INSERT INTO open311_service (category, service_code) VALUES ('dmv', 'DMV66');
INSERT INTO open311_attribute (category, code, datatype, required, "order", description, "values")
VALUES ('dmv', 'WHISHETN', 'singlevaluelist', true, 1, 'What is the ticket/tag/DL number?',
        '[{"key": 123, "name": "Ford"}, {"key": 124, "name": "Chrysler"}]');
SELECT open311_service_definition('DMV66')::jsonb = :'spec_definition'::jsonb AS definition_as_the_specification;
SELECT open311_service_definition('DMV66');
SELECT open311_service_definition('DMV67');

-- POST a request: the specification's example request, in Shenzhen
SELECT open311_post_request(service_code => '001', lat => 22.75, long => 113.94,
           address_string => '1234 5th street', email => 'smit333@sfgov.edu', device_id => 'tt222111',
           account_id => '123456', first_name => 'john', last_name => 'smith', phone => '111111111',
           description => 'A large sinkhole is destroying the street',
           media_url => 'http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg',
           attribute => '{"WHISPAWN": "123456", "WHISDORN": "COISL001"}', jurisdiction_id => '440311') AS posted \gset
SELECT key, spec.type AS specification, ours.type AS gridgov
  FROM pg_temp.shape(:'spec_posted'::json -> 0) WITH ORDINALITY spec(key, type, n)
  FULL JOIN pg_temp.shape(:'posted'::json -> 0) WITH ORDINALITY ours(key, type, n) USING (key)
 ORDER BY COALESCE(spec.n, ours.n);
SELECT length(:'posted'::json -> 0 ->> 'token') AS token_length,
       (SELECT reporter FROM cases WHERE id = (:'posted'::json -> 0 ->> 'service_request_id')::bigint) AS reporter,
       (SELECT token_sha256 = sha256(convert_to(:'posted'::json -> 0 ->> 'token', 'UTF8')) FROM open311_request) AS only_the_digest_kept;

-- GET service_request_id from a token
SELECT key, spec.type AS specification, ours.type AS gridgov
  FROM pg_temp.shape(:'spec_token'::json -> 0) WITH ORDINALITY spec(key, type, n)
  FULL JOIN pg_temp.shape(open311_token(:'posted'::json -> 0 ->> 'token') -> 0) WITH ORDINALITY ours(key, type, n) USING (key)
 ORDER BY COALESCE(spec.n, ours.n);
SELECT open311_token('12345');

-- GET requests: the specification's two requests, one a duplicate (merged)
SET timezone = 'Etc/GMT+8';
INSERT INTO category (code, name) VALUES ('sidewalk_curb', 'Sidewalk and Curb Issues');
INSERT INTO category_rule VALUES ('sidewalk_curb', 1, 5, 'clock_hour', 24, 24, 72, 24);
INSERT INTO open311_service (category, service_code) VALUES ('sidewalk_curb', '006');
INSERT INTO cases (id, category, channel, location, reported_at) VALUES
    (638340, 'sidewalk_curb', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2010-04-13T06:37:38-08:00'),
    (638344, 'sidewalk_curb', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2010-04-14T06:37:38-08:00'),
    (638349, 'sidewalk_curb', 'hotline', ST_SetSRID(ST_MakePoint(113.94, 22.75), 4326), '2010-04-19T06:37:38-08:00');
SELECT id, status FROM merge(638344, 638340, at => '2010-04-14T07:37:38-08:00');
SELECT open311_requests(service_request_id => '638344,638349') AS requests \gset
SELECT key, spec.type AS specification, ours.type AS gridgov
  FROM pg_temp.shape(:'spec_requests'::json -> 0) WITH ORDINALITY spec(key, type, n)
  FULL JOIN pg_temp.shape(:'requests'::json -> 0) WITH ORDINALITY ours(key, type, n) USING (key)
 ORDER BY COALESCE(spec.n, ours.n);
SELECT r ->> 'service_request_id' AS service_request_id, r ->> 'status' AS status, r ->> 'status_notes' AS status_notes,
       r ->> 'service_code' AS service_code, r ->> 'requested_datetime' AS requested_datetime,
       r ->> 'updated_datetime' AS updated_datetime
  FROM json_array_elements(:'requests'::json) r;
SELECT json_array_length(open311_requests(start_date => '2010-04-13T00:00:00-08:00', end_date => '2010-04-20T00:00:00-08:00', status => 'open')) AS open,
       json_array_length(open311_requests(start_date => '2010-04-13T00:00:00-08:00', end_date => '2010-04-20T00:00:00-08:00', status => 'closed')) AS closed,
       json_array_length(open311_requests(start_date => '2010-04-13T00:00:00-08:00', end_date => '2010-04-20T00:00:00-08:00', service_code => '006,001')) AS both,
       json_array_length(open311_requests(start_date => '2010-04-14T00:00:00-08:00', end_date => '2010-04-18T00:00:00-08:00')) AS one,
       json_array_length(open311_requests()) AS recent;
SET timezone = 'Asia/Shanghai';

-- GET one request
SELECT json_array_length(open311_request('638349')) AS requests, open311_request('638349') -> 0 ->> 'status' AS status;
SELECT open311_request('638349', jurisdiction_id => '440311001');
SELECT open311_request('42');

-- bad input
SELECT open311_requests(start_date => '2010-04-13');
SELECT open311_requests(start_date => '2010-01-01T00:00:00Z', end_date => '2010-06-01T00:00:00Z');
SELECT open311_requests(status => 'pending');
SELECT open311_requests(service_request_id => '638344;638349');
SELECT open311_post_request('001', lat => 22.75);
SELECT open311_post_request('001', address_string => '1234 5th street', attribute => '{"WHISPAWN": "1"}');
SELECT open311_post_request('001', lat => 22.75, long => 113.94);
SELECT open311_post_request('DMV66', lat => 22.75, long => 113.94, attribute => '{"WHISHETN": "125", "COLOR": "red"}');
SELECT open311_post_request('001', lat => 22.75, long => 113.94, attribute => '{"WHISPAWN": "1"}', jurisdiction_id => '440311001');
SELECT open311_services(jurisdiction_id => 'city.gov');

-- as the web front end's login, a member of gridgov_reporter only
SET ROLE open311_web;
SELECT json_array_length(open311_services()) AS services,
       open311_post_request('002', address_id => '440311006004001', description => '钢板移位') -> 0 ->> 'service_request_id' IS NOT NULL AS posted;
SELECT count(*) FROM cases;
SELECT count(*) FROM open311_request;
SELECT grant_jurisdiction('open311_web', '440311', 'viewer');
RESET ROLE;
ROLLBACK;
DROP ROLE open311_web;
