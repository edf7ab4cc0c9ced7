-- Deadlines and working time on the preloaded 2025-2026 calendar, every
-- expected value worked out by hand.  Working periods 09:00-12:00 and
-- 14:00-18:00, so a working day is 7 working hours (25200 s).  Rest days:
-- Saturdays, Sundays and the holidays of calendar_day; make-up workdays (调休)
-- are worked.  Times are Asia/Shanghai (+08).
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE TEMP TABLE deadline_case (name text, start timestamptz, amount numeric, unit text, expected timestamptz);

-- across a plain weekend (2026-03-13 is a Friday, 2026-03-16 a Monday)
INSERT INTO deadline_case VALUES
    -- Fri 16-18 is 2 h; Mon 09-12 3 h (5 h), 14-16 2 h (7 h)
    ('weekend: Fri 16:00 + 1 working day', '2026-03-13 16:00+08', 1, 'working_day', '2026-03-16 16:00+08'),
    -- Fri 16-18 is exactly 2 h: the limit ends at 18:00, not on Monday morning
    ('weekend: Fri 16:00 + 2 working hours', '2026-03-13 16:00+08', 2, 'working_hour', '2026-03-13 18:00+08'),
    -- Fri 16-18 2 h, then Mon 09:00-10:00
    ('weekend: Fri 16:00 + 3 working hours', '2026-03-13 16:00+08', 3, 'working_hour', '2026-03-16 10:00+08'),
    -- reported on Saturday: Monday is the first working day, all of it
    ('weekend: Sat 10:00 + 1 working day', '2026-03-14 10:00+08', 1, 'working_day', '2026-03-16 18:00+08'),
    -- clock hours ignore the calendar
    ('weekend: Fri 16:00 + 24 clock hours', '2026-03-13 16:00+08', 24, 'clock_hour', '2026-03-14 16:00+08');

-- the 2026 National Day week: Mid-Autumn Fri 09-25 to Sun 09-27 off,
-- National Day Thu 10-01 to Wed 10-07 off, Sun 09-20 and Sat 10-10 worked
INSERT INTO deadline_case VALUES
    -- Fri 15-18 3 h; Sat 09-19 rest; Sun 09-20 make-up 7 h (10 h);
    -- Mon 09-21 09-12 (13 h), 14-15 (14 h)
    ('National Day: Fri 09-18 15:00 + 2 working days', '2026-09-18 15:00+08', 2, 'working_day', '2026-09-21 15:00+08'),
    -- Thu 09-24 11-12 1 h + 14-18 4 h = 5 h; 09-25..27 off; Mon 28 (12 h),
    -- Tue 29 (19 h), Wed 30 (26 h); 10-01..07 off; Thu 10-08 (33 h);
    -- Fri 10-09 09-11 (35 h)
    ('National Day: Thu 09-24 11:00 + 5 working days', '2026-09-24 11:00+08', 5, 'working_day', '2026-10-09 11:00+08'),
    -- Wed 09-30 10-12 2 h + 14-18 4 h = 6 h; 10-01..07 off; Thu 10-08 (13 h),
    -- Fri 10-09 (20 h); Sat 10-10 make-up 09-10 (21 h)
    ('National Day: Wed 09-30 10:00 + 3 working days', '2026-09-30 10:00+08', 3, 'working_day', '2026-10-10 10:00+08'),
    -- reported Friday 2026-09-25 16:00, the Mid-Autumn holiday: counting starts
    -- Monday 09-28 at 09:00, a whole day
    ('National Day: Fri 09-25 16:00 (holiday) + 1 working day', '2026-09-25 16:00+08', 1, 'working_day', '2026-09-28 18:00+08'),
    -- reported during the holiday week: Thu 10-08 is the first workday
    ('National Day: Fri 10-02 09:30 (holiday) + 1 working day', '2026-10-02 09:30+08', 1, 'working_day', '2026-10-08 18:00+08');

-- Spring Festival 2026: Sun 02-15 to Mon 02-23 off, Sat 02-14 and Sat 02-28 worked
INSERT INTO deadline_case VALUES
    -- Fri 02-13 17-18 1 h; Sat 02-14 make-up 7 h (8 h); 02-15..23 off;
    -- Tue 24 (15 h), Wed 25 (22 h), Thu 26 (29 h); Fri 27 09-12 (32 h), 14-17 (35 h)
    ('Spring Festival: Fri 02-13 17:00 + 5 working days', '2026-02-13 17:00+08', 5, 'working_day', '2026-02-27 17:00+08'),
    -- as above to Fri 27 17:00 (35 h), 17-18 (36 h); Sat 02-28 make-up
    -- 09-12 (39 h), 14-17 (42 h)
    ('Spring Festival: Fri 02-13 17:00 + 6 working days', '2026-02-13 17:00+08', 6, 'working_day', '2026-02-28 17:00+08'),
    -- Mon 02-16 is a holiday: the hour is Tue 02-24 09-10
    ('Spring Festival: Mon 02-16 10:00 (holiday) + 1 working hour', '2026-02-16 10:00+08', 1, 'working_hour', '2026-02-24 10:00+08'),
    -- on the make-up Saturday: Sat 10-12 2 h + 14-18 4 h = 6 h; Sun 03-01 rest;
    -- Mon 03-02 09-10
    ('make-up Saturday 02-28 10:00 + 1 working day', '2026-02-28 10:00+08', 1, 'working_day', '2026-03-02 10:00+08');

-- New Year 2026: Thu 01-01 to Sat 01-03 off, Sun 01-04 worked
INSERT INTO deadline_case VALUES
    ('New Year: Thu 01-01 10:00 (holiday) + 1 working day', '2026-01-01 10:00+08', 1, 'working_day', '2026-01-04 18:00+08'),
    -- Wed 2025-12-31 17-18 1 h; 01-01..03 off; Sun 01-04 make-up 09-10
    ('New Year: Wed 12-31 17:00 + 2 working hours', '2025-12-31 17:00+08', 2, 'working_hour', '2026-01-04 10:00+08');

-- 2025: National Day and Mid-Autumn Wed 10-01 to Wed 10-08 off,
-- Sun 09-28 and Sat 10-11 worked
INSERT INTO deadline_case VALUES
    -- Fri 09-26 16-18 2 h; Sat 27 rest; Sun 28 make-up (9 h); Mon 29 (16 h);
    -- Tue 30 09-12 (19 h), 14-16 (21 h)
    ('2025 National Day: Fri 09-26 16:00 + 3 working days', '2025-09-26 16:00+08', 3, 'working_day', '2025-09-30 16:00+08'),
    -- Tue 09-30 16-18 2 h; 10-01..08 off; Thu 10-09 (9 h); Fri 10-10 09-12 (12 h), 14-16 (14 h)
    ('2025 National Day: Tue 09-30 16:00 + 2 working days', '2025-09-30 16:00+08', 2, 'working_day', '2025-10-10 16:00+08'),
    -- Fri 10-10 16-18 2 h; Sat 10-11 make-up 09-12 (5 h), 14-16 (7 h)
    ('2025 make-up Saturday: Fri 10-10 16:00 + 1 working day', '2025-10-10 16:00+08', 1, 'working_day', '2025-10-11 16:00+08');

-- edges of the working day, on an ordinary Wednesday, 2026-03-11
INSERT INTO deadline_case VALUES
    -- inside the lunch break: counting starts at 14:00
    ('lunch: 12:30 + 1 working hour', '2026-03-11 12:30+08', 1, 'working_hour', '2026-03-11 15:00+08'),
    ('lunch: 12:30 + 4 working hours', '2026-03-11 12:30+08', 4, 'working_hour', '2026-03-11 18:00+08'),
    -- 14-18 4 h, Thu 09-10
    ('lunch: 12:30 + 5 working hours', '2026-03-11 12:30+08', 5, 'working_hour', '2026-03-12 10:00+08'),
    -- at 12:00 sharp the morning is over: 14-18 4 h, Thu 09-12 3 h
    ('end of morning: 12:00 + 1 working day', '2026-03-11 12:00+08', 1, 'working_day', '2026-03-12 12:00+08'),
    ('before opening: 07:45 + 1 working day', '2026-03-11 07:45+08', 1, 'working_day', '2026-03-11 18:00+08'),
    ('at opening: 09:00 + 1 working day', '2026-03-11 09:00+08', 1, 'working_day', '2026-03-11 18:00+08'),
    ('after closing: 19:00 + 1 working day', '2026-03-11 19:00+08', 1, 'working_day', '2026-03-12 18:00+08'),
    -- half a working day is 3.5 h: Thu 09-12, 14:00-14:30
    ('after closing: 19:00 + 0.5 working day', '2026-03-11 19:00+08', 0.5, 'working_day', '2026-03-12 14:30+08'),
    -- 10 working days from Monday 09:00: two plain weeks, ends Friday 18:00
    ('two weeks: Mon 03-02 09:00 + 10 working days', '2026-03-02 09:00+08', 10, 'working_day', '2026-03-13 18:00+08'),
    -- a zero amount is the start itself, even in the lunch break
    ('zero: 12:30 + 0 working days', '2026-03-11 12:30+08', 0, 'working_day', '2026-03-11 12:30+08');

SELECT name, deadline(start, amount, unit) AS got, expected,
       deadline(start, amount, unit) = expected AS ok
  FROM deadline_case ORDER BY expected, name;

-- add_working_time counts seconds, to the microsecond
SELECT add_working_time('2026-03-11 12:30+08', 0) AS zero_in_lunch,               -- 12:30 itself
       add_working_time('2026-03-11 12:30+08', 1) AS one_second_after_lunch,      -- 14:00:01
       add_working_time('2026-03-11 17:59:59.5+08', 1) AS over_the_night,         -- Thu 09:00:00.5
       add_working_time('2026-03-13 18:00+08', 25200) AS friday_close_plus_a_day; -- Mon 18:00

-- working seconds between instants
CREATE TEMP TABLE span_case (name text, from_time timestamptz, to_time timestamptz, expected bigint);
INSERT INTO span_case VALUES
    ('inside one period: 10:00-11:30', '2026-03-11 10:00+08', '2026-03-11 11:30+08', 5400),
    -- 11-12 1 h + 14-15 1 h
    ('across lunch: 11:00-15:00', '2026-03-11 11:00+08', '2026-03-11 15:00+08', 7200),
    ('overnight: 19:00-08:00', '2026-03-11 19:00+08', '2026-03-12 08:00+08', 0),
    ('a weekend: Fri 18:00-Mon 09:00', '2026-03-13 18:00+08', '2026-03-16 09:00+08', 0),
    -- the first case above, Fri 16:00 to Mon 16:00: 2 h + 5 h
    ('Fri 16:00-Mon 16:00', '2026-03-13 16:00+08', '2026-03-16 16:00+08', 25200),
    -- reversed: minus the same
    ('reversed: Mon 16:00-Fri 16:00', '2026-03-16 16:00+08', '2026-03-13 16:00+08', -25200),
    ('empty: from = to', '2026-03-11 10:00+08', '2026-03-11 10:00+08', 0),
    -- Mon 09-21 to Thu 09-24 worked, Fri 09-25 Mid-Autumn: 4 days
    ('Mid-Autumn week: Mon 09-21 09:00-Mon 09-28 09:00', '2026-09-21 09:00+08', '2026-09-28 09:00+08', 4 * 25200),
    -- Fri 09-18, Sun 09-20, Mon-Thu 09-21..24, Mon-Wed 09-28..30, Thu-Fri
    -- 10-08..09, Sat 10-10: 1 + 1 + 4 + 3 + 2 + 1 = 12 days
    ('National Day: Fri 09-18 09:00-Mon 10-12 09:00', '2026-09-18 09:00+08', '2026-10-12 09:00+08', 12 * 25200),
    -- Fri 02-13, Sat 02-14, Tue-Fri 02-24..27, Sat 02-28: 7 days
    ('Spring Festival: Fri 02-13 00:00-Mon 03-02 00:00', '2026-02-13 00:00+08', '2026-03-02 00:00+08', 7 * 25200),
    -- 2025: Fri 01-24, Sun 01-26, Mon 01-27, Wed-Fri 02-05..07, Sat 02-08: 7 days
    ('Spring Festival 2025: Fri 01-24 09:00-Mon 02-10 09:00', '2025-01-24 09:00+08', '2025-02-10 09:00+08', 7 * 25200),
    -- 2025 has 261 weekdays (52 weeks and Wednesday 12-31); 18 of them are
    -- holidays (01-01; 01-28..31, 02-03..04; 04-04; 05-01..02, 05-05; 06-02;
    -- 10-01..03, 10-06..08) and 5 weekend days are worked: 248 workdays
    ('the year 2025', '2025-01-01 00:00+08', '2026-01-01 00:00+08', 248 * 25200),
    -- 2026 also has 261 weekdays (52 weeks and Thursday 12-31); 19 holidays
    -- (01-01..02; 02-16..20, 02-23; 04-06; 05-01, 05-04..05; 06-19; 09-25;
    -- 10-01..02, 10-05..07) and 6 worked weekend days: 248 workdays
    ('the year 2026', '2026-01-01 00:00+08', '2027-01-01 00:00+08', 248 * 25200),
    -- 2027 is not in the calendar yet: the weekday rule alone, 261 weekdays
    -- (Friday 2027-01-01 to Friday 2027-12-31: 52 weeks and a Friday)
    ('the year 2027, weekday rule only', '2027-01-01 00:00+08', '2028-01-01 00:00+08', 261 * 25200);

SELECT name, working_seconds(from_time, to_time) AS got, expected,
       working_seconds(from_time, to_time) = expected AS ok
  FROM span_case ORDER BY name;

-- is_workday on the days the cases above turn on
SELECT day, to_char(day, 'Dy') AS dow, is_workday(day),
       (SELECT note FROM calendar_day c WHERE c.day = d.day) AS note
  FROM unnest('{2026-02-13,2026-02-14,2026-02-15,2026-02-23,2026-02-24,2026-02-28,2026-03-01,
                2026-09-19,2026-09-20,2026-09-25,2026-09-28,2026-10-07,2026-10-08,2026-10-10,2026-10-11}'::date[]) d(day)
 ORDER BY day;

-- working_span, the measure of case_clock: working time for working_day
-- and working_hour, clock time for clock_hour (to the nearest second,
-- halves away from zero); any other unit is refused as deadline() refuses
-- it, instead of being counted as working time
SELECT working_span('2026-03-11 11:00+08', '2026-03-11 15:00+08', 'working_day') AS working_day,
       working_span('2026-03-11 11:00+08', '2026-03-11 15:00+08', 'working_hour') AS working_hour,
       working_span('2026-03-11 11:00+08', '2026-03-11 15:00+08', 'clock_hour') AS clock_hour,
       working_span('2026-03-11 15:00+08', '2026-03-11 11:00+08', 'clock_hour') AS backwards,
       working_span('2026-03-11 11:00:00+08', '2026-03-11 11:00:00.5+08', 'clock_hour') AS half_up,
       working_span('2026-03-11 11:00:00.5+08', '2026-03-11 11:00:00+08', 'clock_hour') AS half_down,
       working_span('2026-03-11 11:00:00+08', '2026-03-11 11:00:00.499999+08', 'clock_hour') AS below_half;
SELECT working_span('2026-03-11 11:00+08', '2026-03-11 15:00+08', 'bogus');
SELECT working_span('2026-03-11 11:00+08', '2026-03-11 15:00+08', 'Clock_Hour');
SELECT working_span('2026-03-11 11:00+08', 'infinity', 'clock_hour');
