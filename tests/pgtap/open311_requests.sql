-- Open311 GeoReport v2 (issue 18, item 1): requests posted through the
-- engine, their tokens, the v2 status along the lifecycle, the filters, the
-- refusals, and a login that is only a gridgov_reporter.
BEGIN;
\ir case_fixture.psql
SELECT plan(26);

INSERT INTO open311_service (category, service_code, "group") VALUES ('noise', '001', 'environment');
INSERT INTO open311_service (category) VALUES ('neighbour_dispute');

-- three requests, each with a token of its own, only the digest kept
CREATE TEMP TABLE posted (n int, answer json);
INSERT INTO posted
SELECT n, open311_post_request('001', lat => 22.75, long => 113.94, description => '夜间噪音 ' || n, phone => '139000000' || n)
  FROM generate_series(1, 3) n;
SELECT is((SELECT count(DISTINCT answer -> 0 ->> 'token') FROM posted), 3::bigint, 'every request has its own token');
SELECT ok((SELECT bool_and(answer -> 0 ->> 'token' ~ '^[0-9a-f]{64}$') FROM posted), 'a token is 64 hexadecimal digits');
SELECT is((SELECT count(*) FROM open311_request r JOIN posted p
             ON r.token_sha256 = sha256(convert_to(p.answer -> 0 ->> 'token', 'UTF8'))
            AND r.case_id = (p.answer -> 0 ->> 'service_request_id')::bigint), 3::bigint,
          'the table keeps the SHA-256 of each token, with its request');
SELECT is((SELECT count(*) FROM open311_request r JOIN posted p
             ON position(convert_to(p.answer -> 0 ->> 'token', 'UTF8') IN r.token_sha256) > 0), 0::bigint,
          'and never the token itself');
SELECT results_eq($$SELECT c.category, c.channel, c.unit::text, c.reporter ->> 'phone' FROM cases c
                    WHERE c.id = (SELECT (answer -> 0 ->> 'service_request_id')::bigint FROM posted WHERE n = 1)$$,
                  $$VALUES ('noise', 'resident_app', '440311006003001', '1390000001')$$,
                  'a posted request is a case of the service''s category, placed in its grid, the reporter''s contact kept');
SELECT is(open311_token((SELECT answer -> 0 ->> 'token' FROM posted WHERE n = 2)) -> 0 ->> 'service_request_id',
          (SELECT answer -> 0 ->> 'service_request_id' FROM posted WHERE n = 2), 'a token gives its request''s id');

-- the v2 status along the lifecycle: open until the case is final
CREATE TEMP TABLE r AS SELECT (answer -> 0 ->> 'service_request_id')::bigint AS id FROM posted WHERE n = 1;
CREATE FUNCTION pg_temp.v2(id bigint) RETURNS text LANGUAGE sql AS $$ SELECT open311_request(id::text) -> 0 ->> 'status' $$;
SELECT is(pg_temp.v2((SELECT id FROM r)), 'open', 'reported: open');
SELECT accept((SELECT id FROM r));
SELECT dispatch((SELECT id FROM r));
SELECT start((SELECT id FROM r));
SELECT is(pg_temp.v2((SELECT id FROM r)), 'open', 'in progress: open');
SELECT is(open311_request((SELECT id FROM r)::text) -> 0 ->> 'status_notes', 'in_progress', 'status_notes: the case''s status');
SELECT resolve((SELECT id FROM r));
SELECT verify((SELECT id FROM r));
SELECT is(pg_temp.v2((SELECT id FROM r)), 'open', 'verified, not yet closed: open');
SELECT close((SELECT id FROM r), 5, '很满意');
SELECT is(pg_temp.v2((SELECT id FROM r)), 'closed', 'closed: closed');
SELECT is(open311_request((SELECT id FROM r)::text) -> 0 ->> 'updated_datetime',
          open311_datetime((SELECT closed_at FROM cases WHERE id = (SELECT id FROM r))), 'a closed request was updated when it was closed');
SELECT reject((SELECT (answer -> 0 ->> 'service_request_id')::bigint FROM posted WHERE n = 2), '重复');
SELECT is(pg_temp.v2((SELECT (answer -> 0 ->> 'service_request_id')::bigint FROM posted WHERE n = 2)), 'closed', 'rejected: closed');

-- the filters
SELECT is(json_array_length(open311_requests()), 3, 'by default, the last 90 days');
SELECT is(json_array_length(open311_requests(status => 'open')), 1, 'status open');
SELECT is(json_array_length(open311_requests(status => 'closed,open')), 3, 'status open and closed');
SELECT is(json_array_length(open311_requests(service_code => 'neighbour_dispute')), 0, 'a service without requests');
SELECT is(json_array_length(open311_requests(service_request_id => (SELECT string_agg(answer -> 0 ->> 'service_request_id', ',') FROM posted),
                                            start_date => '2000-01-01T00:00:00Z', end_date => '2000-01-02T00:00:00Z')), 3,
          'service_request_id overrides the other filters');
SELECT is(json_array_length(open311_requests(start_date => '2000-01-01T00:00:00Z')), 0, 'start_date alone: the 90 days from it');
INSERT INTO cases (category, channel, unit) VALUES ('illegal_construction', 'hotline', '440311006003001');
SELECT is(json_array_length(open311_requests()), 3, 'cases of categories not offered are not requests');
SELECT is(json_array_length(open311_requests(jurisdiction_id => '440311001')), 0, 'a jurisdiction without requests');

-- refusals
SELECT throws_ok($$SELECT open311_request('999999')$$, 'GG012', NULL, 'no such request: GG012 (404)');
SELECT throws_ok($$SELECT open311_token('not a token')$$, 'GG012', 'token was not found', 'an unknown token: GG012, the token not repeated');
SELECT throws_ok($$SELECT open311_post_request('illegal_construction', lat => 22.75, long => 113.94)$$, 'GG012', NULL,
                 'a category not offered is no service');

-- a login that is only a gridgov_reporter
CREATE ROLE open311_tap_web LOGIN IN ROLE gridgov_reporter;
SET ROLE open311_tap_web;
SELECT lives_ok($$SELECT open311_post_request('001', address_id => '440311006004001')$$, 'a reporter posts a request');
SELECT throws_ok($$SELECT accept(1)$$, '42501', NULL, 'and may not move a case');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
