-- The residents' part of the tour: Open311 GeoReport v2 (docs/open311.md),
-- a request posted from an app, followed by its token, evaluated and
-- complained about.
\pset footer off
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';

\echo 'R1. Open311: the categories offered to residents as GeoReport v2 services.'
INSERT INTO open311_service (category, "group", keywords, service_notice) VALUES
    ('noise', '环境', '噪音,装修,扰民', '社区一个工作日内受理'),
    ('garbage', '环境', '垃圾,卫生', NULL),
    ('fire_lane', '安全', '消防通道,堵塞', NULL),
    ('road_damage', '市政', '道路,坑洞', NULL);
SELECT s ->> 'service_code' AS service_code, s ->> 'service_name' AS name, s ->> 'group' AS "group",
       s ->> 'keywords' AS keywords
  FROM json_array_elements(open311_services()) s;

\echo 'R2. A resident posts a request from an app, at a point in a grid; the answer holds the'
\echo '    token.'
CREATE TEMP TABLE posted AS
SELECT open311_post_request('noise', lat => ST_Y(p), long => ST_X(p), description => '楼上夜间装修',
                            phone => '139****0000') -> 0 AS answer
  FROM (SELECT ST_PointOnSurface(boundary) AS p FROM unit
         WHERE level = 6 AND code <@ '440311' AND boundary IS NOT NULL ORDER BY code LIMIT 1) g;
SELECT answer ->> 'service_request_id' AS service_request_id,
       left(answer ->> 'token', 8) || '…' AS token,
       answer ->> 'service_notice' AS service_notice
  FROM posted;
SELECT (answer ->> 'service_request_id')::bigint AS id FROM posted \gset
SELECT r ->> 'status' AS status, r ->> 'agency_responsible' AS agency, r ->> 'address' AS address
  FROM json_array_elements(open311_request(:'id')) r;

\echo 'R3. The community handles it; the reporter follows it by the token: stages and replies.'
\o /dev/null
SELECT accept(:id);
SELECT dispatch(:id);
SELECT start(:id);
SELECT resolve(:id, '已联系施工方, 夜间停工');
SELECT verify(:id);
SELECT close(:id);
\o
SELECT s ->> 'seq' AS seq, s ->> 'action' AS action, s ->> 'status' AS status
  FROM json_array_elements(open311_progress((SELECT answer ->> 'token' FROM posted)) -> 'stages') s;
SELECT s ->> 'action' AS action, s ->> 'text' AS reply
  FROM json_array_elements(open311_progress((SELECT answer ->> 'token' FROM posted))
                            -> 'replies') s;

\echo 'R4. The reporter rates it 2 of 5, then complains within 15 days: the case is reworked'
\echo '    (返工).'
SELECT open311_evaluate((SELECT answer ->> 'token' FROM posted), 2, '晚上还是吵')
       -> 'request' ->> 'status' AS after_evaluation;
SELECT open311_complain((SELECT answer ->> 'token' FROM posted), '夜间仍在施工')
       -> 'request' ->> 'status' AS after_complaint;
SELECT status, stage, reopenings, reworked(kpi(c)) AS reworked
  FROM cases c WHERE id = :id GROUP BY status, stage, reopenings;
