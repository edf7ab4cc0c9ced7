-- The Guangming demo's case network: service points, categories with their
-- handling levels and time limits, and the early-warning rule.  Modelled on
-- the district's "1+31+N" network (one district center, six subdistrict
-- centers, 31 community halls) plus the departments that own their
-- categories.  Needs tests/data/guangming.sql first.
BEGIN;
SET LOCAL search_path = gridgov, public;

INSERT INTO service_point (name, unit, department, location)
SELECT u.name || CASE u.level WHEN 3 THEN '群众诉求服务中心'
                              WHEN 4 THEN '群众诉求服务分中心'
                              ELSE '党群服务中心' END,
       u.code, NULL, ST_PointOnSurface(u.boundary)
  FROM unit u
 WHERE u.code <@ '440311' AND u.level BETWEEN 3 AND 5
 ORDER BY u.code;

INSERT INTO service_point (name, unit, department, location)
SELECT d.name, u.code, d.department, ST_PointOnSurface(u.boundary)
  FROM (VALUES ('光明区城市管理和综合执法局', 'urban_management', 3),
               ('光明区交通运输局', 'transport', 3),
               ('深圳市生态环境局光明管理局', 'ecology_environment', 3),
               ('光明区人力资源局劳动监察大队', 'labour_inspection', 3)) d(name, department, level)
  JOIN unit u ON u.code = '440311';

INSERT INTO service_point (name, unit, department, location)
SELECT u.name || '综合行政执法队', u.code, 'urban_management', ST_PointOnSurface(u.boundary)
  FROM unit u WHERE u.parent = '440311';

INSERT INTO category (code, name, department) VALUES
    ('noise', '噪音扰民', NULL),
    ('neighbour_dispute', '邻里纠纷', NULL),
    ('property_management', '物业纠纷', NULL),
    ('garbage', '垃圾堆积', NULL),
    ('fire_lane', '消防通道堵塞', NULL),
    ('rental_safety', '出租屋安全隐患', NULL),
    ('labour_dispute', '劳资纠纷', 'labour_inspection'),
    ('street_vending', '占道经营', 'urban_management'),
    ('illegal_construction', '违法建设', 'urban_management'),
    ('road_damage', '道路破损', 'transport'),
    ('pollution', '环境污染', 'ecology_environment');
UPDATE category SET dispute = true WHERE code IN ('neighbour_dispute', 'property_management', 'labour_dispute');

-- Small matters stay in the community; severity 3 goes to the subdistrict,
-- 4 to the district, on clock hours.
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
SELECT c.code, s.severity,
       CASE s.severity WHEN 4 THEN 3 WHEN 3 THEN 4 ELSE 5 END,
       CASE s.severity WHEN 4 THEN 'clock_hour' ELSE 'working_day' END,
       CASE s.severity WHEN 4 THEN 2 ELSE 1 END,
       CASE s.severity WHEN 4 THEN 2 ELSE 1 END,
       CASE s.severity WHEN 4 THEN 48 WHEN 3 THEN 5 ELSE c.resolve_days END,
       CASE s.severity WHEN 4 THEN 8 ELSE 1 END
  FROM (VALUES ('noise', 2), ('neighbour_dispute', 5), ('property_management', 10), ('garbage', 1),
               ('fire_lane', 1), ('rental_safety', 3), ('labour_dispute', 10), ('street_vending', 2),
               ('illegal_construction', 15), ('road_damage', 7), ('pollution', 5)) c(code, resolve_days),
       (VALUES (1), (3), (4)) s(severity);

-- At Guangming's volume (about 1,100 reports a day over 418 grids) the
-- built-in rule, 3 reports in 7 days, would flag most reports: flag the
-- fifth in 3 days instead, about 7% of them.
INSERT INTO warning_rule (category, time_window, threshold) VALUES (NULL, interval '3 days', 5);

COMMIT;

-- The risk map's colours: a subdistrict or community sums the risk of many
-- grids, so its thresholds are higher than a grid's (docs/risk.md).
INSERT INTO gridgov.risk_color (level, color, min_score) VALUES
    (4, 'blue', 0), (4, 'yellow', 3000), (4, 'orange', 3800), (4, 'red', 4200),
    (5, 'blue', 0), (5, 'yellow', 450), (5, 'orange', 520), (5, 'red', 800);
