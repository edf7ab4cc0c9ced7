-- The services part of the tour: the venues of Guangming's community halls
-- and subdistrict centres, a quarter of the seed's bookings, activities and
-- sign-ups over the 90 simulated days (tests/data/guangming_services.sql),
-- and what the residents thought of them.
\pset footer off
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';

\echo 'S1. The venues residents book (开放412个场地资源), by subdistrict: halls, rooms, courts,'
\echo '    clinics.'
SELECT coalesce(s.name, '光明区 (all)') AS subdistrict, count(*) AS venues,
       count(*) FILTER (WHERE v.kind = 'hall') AS halls,
       count(*) FILTER (WHERE v.kind = 'room') AS rooms,
       count(*) FILTER (WHERE v.kind = 'court') AS courts,
       count(*) FILTER (WHERE v.kind = 'clinic') AS clinics,
       sum(v.capacity) AS places
  FROM venue v JOIN unit s ON s.code = ancestor(v.unit, 4)
 GROUP BY ROLLUP ((s.code, s.name))
 ORDER BY s.code NULLS LAST;

\echo 'S2. Bookings and sign-ups by month (在线报名预约): the quarter holds 11,728, a quarter of'
\echo '    the seed''s 46,912.'
SELECT m.month, m.resident_bookings, m.activities, s.signups,
       m.resident_bookings + s.signups AS "报名预约"
  FROM (SELECT to_char(lower(b.during), 'YYYY-MM') AS month,
               count(*) FILTER (WHERE b.person IS NOT NULL) AS resident_bookings,
               count(*) FILTER (WHERE b.organization IS NOT NULL) AS activities
          FROM booking b WHERE b.status = 'active' GROUP BY 1) m
  JOIN (SELECT to_char(lower(a.during), 'YYYY-MM') AS month, count(*) AS signups
          FROM signup s JOIN activity a ON a.id = s.activity GROUP BY 1) s USING (month)
 ORDER BY 1;

\echo 'S3. Activities by the 1+8 alliance''s categories: places, sign-ups, waiting lists,'
\echo '    attendance.'
SELECT c.name AS category, count(*) AS activities, sum(p.capacity) AS places,
       sum(p.signed_up) AS confirmed,
       sum(p.waiting) AS waiting, sum(p.attended) AS attended,
       round(100.0 * sum(p.attended) / nullif(sum(p.signed_up), 0), 1) AS attended_pct
  FROM activity_places p JOIN activity_category c ON c.code = p.category
 GROUP BY c.code, c.name ORDER BY activities DESC, c.code;

\echo 'S4. No venue was ever double-booked: active bookings that overlap another of the same venue.'
SELECT count(*) AS overlapping_pairs
  FROM booking a JOIN booking b ON a.venue = b.venue AND a.id < b.id AND a.during && b.during
 WHERE a.status = 'active' AND b.status = 'active';

\echo 'S5. A hall''s day: 根竹园社区党群服务中心''s multi-purpose hall on a busy workday.'
SELECT v.name, d.* FROM venue v,
       LATERAL (SELECT lower(b.during)::date AS day FROM booking b WHERE b.venue = v.id
                 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) busy,
       LATERAL venue_day(v.id, busy.day) d
 WHERE v.name LIKE '%根竹园%多功能厅';

\echo 'S6. What residents thought (打分评星): ratings by subdistrict and kind, merged from'
\echo '    rating_monthly.'
SELECT u.name AS subdistrict, k.kind, r.ratings, r.mean_stars, r.five_star_share
  FROM (VALUES ('hall'), ('venue'), ('activity'), ('case')) k(kind),
       LATERAL ratings_by_unit('440311', 4, '2026-08-01', '2026-10-01', ARRAY[k.kind]) r
  JOIN unit u ON u.code = r.unit
 ORDER BY r.unit, k.kind;

\echo 'S7. The moving red flag (流动红旗): the five best community halls of each month, and who'
\echo '    kept it.'
SELECT to_char(month, 'YYYY-MM') AS month, rank, name, score, mean_stars, case_score, kept,
       flags_so_far
  FROM hall_award_history ORDER BY month, rank;

\echo 'S8. Why the winner of October won: its figures and the formula it was chosen by.'
SELECT sp.name, a.score, a.figures, a.formula
  FROM hall_award a JOIN service_point sp ON sp.id = a.service_point
 WHERE a.month = '2026-10-01' AND a.rank = 1;

\echo 'S9. Mediation (人民调解) in October: disputes settled inside the community (the district'
\echo '    reports 97%), judicial confirmations within 30 minutes (在线司法确认), agreements later'
\echo '    broken, by subdistrict.'
SELECT u.name AS subdistrict, sum(closed) AS mediated, sum(settled) AS settled,
       round(sum(settled)::numeric / sum(closed), 4) AS settled_share,
       sum(confirmed) AS confirmed, sum(confirmed_in_time) AS in_30_minutes,
       sum(escalated) AS escalated,
       sum(broken) AS broken
  FROM mediation_monthly k JOIN unit u ON u.code = parent(k.community::gridcode)
 WHERE k.month = '2026-10-01'
 GROUP BY ROLLUP (u.name) ORDER BY u.name NULLS LAST;
