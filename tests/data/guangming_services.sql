-- The Guangming demo's services (issue 16): the venues of the 31 community
-- halls and the 6 subdistrict centres (412, as the district opened), their
-- hours, and a quarter of the seed's bookings and activities (7,203
-- activities, 46,912 bookings and sign-ups in all: here 1,800 activities
-- and 11,728 bookings and sign-ups) over the 90 simulated days, 2026-08-01
-- to 10-29, written as imports (their own booked_at, signed_at and
-- rated_at, by the superuser), since they lie in the past; the residents'
-- ratings, and the red flags of the three months.  Random but seeded.
-- Needs tests/data/guangming_cases.sql (the service points),
-- tests/data/guangming_people.sql and the simulation first.
BEGIN;
SET LOCAL search_path = gridgov, public;
SET LOCAL timezone = 'Asia/Shanghai';
SELECT setseed(0.16) \g /dev/null

-- 10 venues in each community hall, 17 in each subdistrict centre
CREATE TEMP TABLE demo_hall AS
SELECT sp.id, sp.name, sp.unit, sp.level,
       (SELECT o.id FROM organization o
         WHERE o.anchor = sp.unit AND o.kind IN ('community_committee', 'subdistrict_committee')
         ORDER BY o.id LIMIT 1) AS committee
  FROM service_point sp
 WHERE sp.department IS NULL AND sp.unit <@ '440311' AND sp.level IN (4, 5);
INSERT INTO venue (name, kind, service_point, capacity)
SELECT h.name || k.label, k.kind, h.id, k.capacity
  FROM demo_hall h
  JOIN (VALUES (1, '多功能厅', 'hall', 120), (2, '党员活动室', 'room', 40), (3, '会议室', 'room', 20),
               (4, '阅览室', 'library', 30), (5, '书画室', 'room', 20), (6, '舞蹈室', 'room', 30),
               (7, '乒乓球室', 'court', 12), (8, '健康小屋', 'clinic', 6), (9, '调解室', 'mediation_room', 8),
               (10, '儿童之家', 'room', 25), (11, '篮球场', 'court', 30), (12, '长者饭堂', 'room', 60),
               (13, '心理咨询室', 'clinic', 4), (14, '法律服务室', 'room', 6), (15, '职工之家', 'room', 30),
               (16, '排练厅', 'hall', 80), (17, '报告厅', 'hall', 200)) k(n, label, kind, capacity)
    ON k.n <= CASE h.level WHEN 5 THEN 10 ELSE 17 END
 ORDER BY h.unit, k.n;

-- workdays 09:00-12:00 and 14:00-21:00, rest days 09:00-17:00; courts
-- 08:00-22:00 every day; each hall's hall closed one day for maintenance
INSERT INTO venue_hours (venue, workday, opens, closes)
SELECT v.id, w.workday, p.opens, p.closes
  FROM venue v, (VALUES (true), (false)) w(workday),
       LATERAL (VALUES ('09:00'::time, '12:00'::time, true, false), ('14:00', '21:00', true, false),
                       ('09:00', '17:00', false, false), ('08:00', '22:00', true, true), ('08:00', '22:00', false, true)) p(opens, closes, on_workday, court)
 WHERE p.on_workday = w.workday AND p.court = (v.kind = 'court');
INSERT INTO venue_exception (venue, day, note)
SELECT v.id, date '2026-09-01' + (v.id % 28)::integer, '设备检修'
  FROM venue v WHERE v.kind = 'hall';

-- two-hour slots of every venue on every open day; 4,528 of them booked:
-- 1,800 by the halls' committees for activities, 2,728 by residents
CREATE TEMP TABLE demo_slot AS
SELECT v.id AS venue, v.capacity, h.committee,
       tstzrange(d + s.starts, d + s.starts + interval '2 hours') AS during
  FROM venue v
  JOIN demo_hall h ON h.id = v.service_point
 CROSS JOIN generate_series(date '2026-08-01', date '2026-10-29', interval '1 day') d
 CROSS JOIN LATERAL (SELECT x.starts FROM unnest(CASE WHEN is_workday(d::date)
                                                     THEN ARRAY[interval '9 hours', interval '14 hours', interval '16 hours', interval '19 hours']
                                                     ELSE ARRAY[interval '9 hours', interval '11 hours', interval '13 hours', interval '15 hours'] END) x(starts)) s
 WHERE EXISTS (SELECT FROM venue_open_periods(v.id, d::date));
CREATE TEMP TABLE demo_booked AS
SELECT row_number() OVER (ORDER BY random()) AS n, s.* FROM demo_slot s ORDER BY n LIMIT 4528;
CREATE TEMP TABLE demo_people AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM person;
CREATE UNIQUE INDEX ON demo_people (n);
ANALYZE demo_people;

INSERT INTO booking (venue, during, person, organization, attendees, purpose, booked_at)
SELECT b.venue, b.during,
       CASE WHEN b.n > 1800 THEN (SELECT p.id FROM demo_people p WHERE p.n = 1 + (b.n * 7919) % (SELECT count(*) FROM demo_people)) END,
       CASE WHEN b.n <= 1800 THEN b.committee END,
       CASE WHEN b.n <= 1800 THEN 1 ELSE 1 + (b.n % least(b.capacity, 20)) END,
       CASE WHEN b.n <= 1800 THEN '活动' ELSE (ARRAY['兴趣小组', '家庭聚会', '读书会', '排练', '培训', '会议'])[1 + b.n % 6] END,
       lower(b.during) - (1 + b.n % 7) * interval '1 day'
  FROM demo_booked b ORDER BY b.n;

-- the activities: one per committee booking, of a 1+8 category
INSERT INTO activity (title, category, organization, booking, venue, unit, during, capacity, published_at)
SELECT k.name || '活动 ' || b.id, k.code, b.organization, b.id, b.venue, v.unit, b.during, least(v.capacity, 40),
       b.booked_at
  FROM booking b
  JOIN venue v ON v.id = b.venue
  JOIN LATERAL (SELECT c.code, c.name FROM activity_category c
                 ORDER BY c.code OFFSET (b.id * 31) % 9 LIMIT 1) k ON true
 WHERE b.organization IS NOT NULL
 ORDER BY b.id;

-- 9,000 sign-ups, about five an activity, in the order they came; places
-- go first come, first served, the rest wait
INSERT INTO signup (activity, person, signed_at)
SELECT a.activity, a.person, a.signed_at
  FROM (SELECT DISTINCT ON (x.activity, x.person) x.*
          FROM (SELECT a.id AS activity,
                       (SELECT p.id FROM demo_people p
                         WHERE p.n = 1 + ((a.id * 104729 + g * 7901) % (SELECT count(*) FROM demo_people))) AS person,
                       lower(a.during) - interval '5 days' + g * interval '7 hours' AS signed_at
                  FROM activity a, generate_series(1, 10) g
                 WHERE (a.id * 13 + g * 7) % 10 < 5) x) a
 ORDER BY a.signed_at, a.activity, a.person;

-- 2% cancelled (their places went to the waiting list), then who came:
-- nine in ten of the confirmed
SELECT count(cancel_signup(id)) FROM signup WHERE id % 50 = 0 \g /dev/null
UPDATE signup SET attended = true WHERE status = 'confirmed' AND id % 10 <> 3;

-- Ratings (打分评星), in the weeks after what they rate: three in ten
-- attended sign-ups rate their activity, four in ten residents who booked
-- rate the venue, twenty residents a month rate each hall, and half the
-- reporters of a closed case rate it.  Each hall has a quality of its own
-- (a hash of its number) around which its stars scatter.
CREATE TEMP TABLE demo_quality AS
SELECT h.id AS service_point, h.unit, 3.2 + ((hashint8extended(h.id, 16) & 2147483647) % 150) / 100.0 AS quality
  FROM demo_hall h;
CREATE FUNCTION pg_temp.stars(quality numeric, seed bigint) RETURNS integer LANGUAGE sql IMMUTABLE
    RETURN greatest(1, least(5, round(quality - 1.2 + ((hashint8extended(seed, 17) & 2147483647) % 250) / 100.0)))::integer;
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT s.person, 'activity', a.id, pg_temp.stars(q.quality, s.id), upper(a.during) + interval '1 day'
  FROM signup s JOIN activity a ON a.id = s.activity
  JOIN venue v ON v.id = a.venue JOIN demo_quality q ON q.service_point = v.service_point
 WHERE s.attended AND s.id % 10 < 3;
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT DISTINCT ON (b.person, b.venue) b.person, 'venue', b.venue, pg_temp.stars(q.quality, b.id), upper(b.during) + interval '2 hours'
  FROM booking b JOIN venue v ON v.id = b.venue JOIN demo_quality q ON q.service_point = v.service_point
 WHERE b.person IS NOT NULL AND b.id % 10 < 4
 ORDER BY b.person, b.venue, b.id;
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT DISTINCT ON (p.id, q.service_point) p.id, 'hall', q.service_point, pg_temp.stars(q.quality, m.n * 1000 + g),
       m.month + interval '10 days' + g * interval '13 hours'
  FROM demo_quality q
 CROSS JOIN (VALUES (1, timestamptz '2026-08-01 00:00+08'), (2, '2026-09-01 00:00+08'), (3, '2026-10-01 00:00+08')) m(n, month)
 CROSS JOIN generate_series(1, 20) g
  JOIN demo_people p ON p.n = 1 + (q.service_point * 7907 + m.n * 409 + g * 31) % (SELECT count(*) FROM demo_people)
 ORDER BY p.id, q.service_point, m.n;
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT c.reporter_person, 'case', c.id,
       coalesce(c.satisfaction, pg_temp.stars(coalesce(q.quality, 4), c.id)), c.closed_at + interval '1 day'
  FROM cases c
  LEFT JOIN demo_quality q ON q.unit = ancestor(c.unit, 5)
 WHERE c.status = 'closed' AND c.reporter_person IS NOT NULL AND c.id % 2 = 0
   AND c.closed_at < '2026-10-30 00:00+08';

-- The red flags of the three months: the five best community halls each
-- month, by award_month's formula at its defaults (docs/services.md)
SELECT count(*) FROM award_month('2026-08-01') \g /dev/null
SELECT count(*) FROM award_month('2026-09-01') \g /dev/null
SELECT count(*) FROM award_month('2026-10-01') \g /dev/null

COMMIT;
