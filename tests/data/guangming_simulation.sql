-- 90 days of Guangming, 2026-08-01 to 2026-10-29 18:00: 100,000 cases
-- reported across the district's 418 grids and driven through their
-- lifecycles by the case engine, with the time-based sweep run at the end
-- of every simulated day; then a few history rows and a case row tampered
-- with, as an intruder with the table owner's rights would, for
-- verify_history() to catch.  The period holds the Mid-Autumn (09-25..27)
-- and National Day (10-01..07) holidays of the preloaded calendar.
--
-- Deterministic: every choice is a hash of the case's ordinal number n and a
-- salt (pg_temp.u below), points come from ST_GeneratePoints with a seed,
-- and ids are handed out in the order of the reports.  Needs
-- tests/data/guangming.sql and tests/data/guangming_cases.sql first, and a
-- database without earlier cases (ids start where the sequence stands).
--
-- How it drives the engine: every case has a plan (temp table sim): its
-- next move and when.  Each simulated day, the day's reports are inserted in
-- time order; then, round after round, every case whose next move falls
-- before the day's end makes that move, all in one set-based UPDATE of
-- gridgov.cases (the same triggers as the move functions), and is given its
-- next move (pg_temp.plan_next) from the state the engine left it in; then
-- gridgov.escalate_overdue(end of day) climbs whatever is past its
-- deadline, and the escalated cases are planned again.  One COMMIT per day.
-- Moves never go back in time: each is planned at least a minute after the
-- case's last move.
\if :{?sim_cases}
\else
\set sim_cases 100000
\endif
-- with -v sim_progress=1 (make demo), a line every ten simulated days
\if :{?sim_progress}
SET sim.progress = on;
\endif
SET search_path = gridgov, public;
SET timezone = 'Asia/Shanghai';          -- local days and office hours below
SET client_min_messages = warning;

-- A uniform number in [0, 1) from an ordinal and a salt.
CREATE FUNCTION pg_temp.u(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (hashint8extended(n, salt) & 2147483647)::float8 / 2147483648.0;

-- Staff work 08:30-20:00 every day (the halls keep weekend and holiday
-- duty): a move planned outside those hours waits for the next morning.
CREATE FUNCTION pg_temp.office(t timestamptz, r float8) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE WHEN t::time >= time '08:30' AND t::time < time '20:00' THEN t
                WHEN t::time < time '08:30' THEN t::date + time '08:30' + r * interval '150 min'
                ELSE t::date + 1 + time '08:30' + r * interval '150 min' END;

-- The mix.  Per category: share of reports on workdays and on rest days,
-- share reported at severity 3 and 4, how often it is referred upward
-- (refer) or resolved late (late), its channels, and what reports and
-- resolutions say.
CREATE TEMP TABLE mix (
    category text PRIMARY KEY, workday float8, restday float8,
    sev3 float8, sev4 float8, refer float8, late float8,
    app float8, hotline float8, patrol float8, sensor float8, walk_in float8,
    says text[], done text);
INSERT INTO mix VALUES
 ('noise',               .17, .25, .008, .001, .010, .012, .45, .38, .09, .06, .02,
  '{夜间装修噪音扰民,商铺音响外放,广场舞音响过大,工地夜间施工}', '已上门劝导,噪音已停止'),
 ('neighbour_dispute',   .10, .11, .008, .002, .008, .010, .30, .25, .15, .00, .30,
  '{楼上漏水引发邻里纠纷,公共走道堆物纠纷,宠物扰邻纠纷,违规占用车位纠纷}', '网格员与调解员现场调解,双方达成一致'),
 ('property_management', .09, .08, .008, .001, .008, .010, .40, .30, .05, .00, .25,
  '{物业收费争议,电梯长期故障无人维修,小区门禁失灵,物业服务质量投诉}', '约谈物业公司,已整改并答复业主'),
 ('garbage',             .15, .15, .004, .000, .006, .015, .35, .15, .35, .15, .00,
  '{垃圾桶满溢未清运,建筑垃圾乱堆放,城中村巷道垃圾堆积}', '已通知环卫清运,现场已清理'),
 ('fire_lane',           .07, .07, .020, .004, .010, .015, .25, .15, .45, .15, .00,
  '{车辆占用消防通道,楼道堆放杂物堵塞通道,电动车楼道充电}', '已清理通道并张贴告知书'),
 ('rental_safety',       .06, .05, .030, .005, .012, .015, .15, .10, .70, .00, .05,
  '{出租屋消防设施缺失,私拉电线,群租房隔断过多}', '已督促房东整改,复查合格'),
 ('street_vending',      .12, .13, .005, .000, .008, .015, .25, .20, .50, .05, .00,
  '{流动摊贩占道经营,店铺超门线经营,夜市摊档占用人行道}', '执法队劝离并规范经营'),
 ('illegal_construction',.05, .03, .040, .005, .012, .015, .25, .20, .50, .00, .05,
  '{楼顶违建加层,围墙私自扩建,临时铁皮房搭建}', '已立案并责令停工拆除'),
 ('road_damage',         .07, .05, .030, .003, .010, .015, .35, .25, .30, .10, .00,
  '{人行道地砖松动,路面坑洼积水,井盖破损}', '已安排养护单位修复'),
 ('labour_dispute',      .07, .03, .050, .010, .012, .015, .15, .35, .05, .00, .45,
  '{工厂拖欠工资,工地包工头欠薪,企业未签劳动合同}', '劳动监察介入,工资已发放'),
 ('pollution',           .05, .05, .030, .005, .010, .015, .30, .25, .10, .35, .00,
  '{工厂废气异味,餐饮油烟扰民,河道排污}', '已现场检查并责令整改');

ALTER TABLE mix ADD COLUMN channel_lo float8[];

-- Days: weekends and holidays bring more noise and fewer workplace matters;
-- the last day ends at 18:00.  100,000 reports (psql variable sim_cases)
-- shared out by weight.
CREATE TEMP TABLE sim_day AS
WITH d AS (
    SELECT day::date AS day, NOT is_workday(day::date) AS restday,
           (CASE WHEN is_workday(day::date) THEN 1.0 ELSE 0.88 END)
           * (1 + 0.06 * sin(extract(doy FROM day) / 5.0))
           * CASE WHEN day = date '2026-10-29' THEN 0.72 ELSE 1 END AS w
      FROM generate_series(date '2026-08-01', date '2026-10-29', interval '1 day') day
), c AS (
    SELECT d.*, sum(w) OVER (ORDER BY day) AS upto, sum(w) OVER () AS total FROM d
)
SELECT day, restday,
       round(:sim_cases * (upto - w) / total)::integer AS n_from,
       round(:sim_cases * upto / total)::integer AS n_to,
       CASE WHEN day = date '2026-10-29' THEN day + time '18:00' ELSE (day + 1)::timestamp END::timestamptz AS ends
  FROM c;

-- Lookup arrays for width_bucket(): cumulative lower bounds of weights.
CREATE FUNCTION pg_temp.cumulative(w float8[]) RETURNS float8[]
    LANGUAGE sql IMMUTABLE
    RETURN (SELECT array_agg(lo ORDER BY i)
              FROM (SELECT i, (sum(x) OVER o - x) / sum(x) OVER () AS lo
                      FROM unnest(w) WITH ORDINALITY v(x, i)
                    WINDOW o AS (ORDER BY i)) c);

UPDATE mix SET channel_lo = pg_temp.cumulative(ARRAY[app, hotline, patrol, sensor, walk_in]);

CREATE TEMP TABLE pick AS
SELECT (SELECT array_agg(category ORDER BY category) FROM mix) AS cats,
       (SELECT pg_temp.cumulative(array_agg(workday ORDER BY category)) FROM mix) AS cat_work,
       (SELECT pg_temp.cumulative(array_agg(restday ORDER BY category)) FROM mix) AS cat_rest,
       array_agg(g.code ORDER BY g.code) AS grids,
       pg_temp.cumulative(array_agg(g.w ORDER BY g.code)) AS grid_lo,
       pg_temp.cumulative('{0.3,0.2,0.1,0.1,0.1,0.2,0.6,1.8,4,6,6.5,5.5,3,3.2,5.5,6,5.5,4.8,3.6,3,2.6,2,1.2,0.6}') AS day_hours,
       pg_temp.cumulative('{2.5,1.6,0.8,0.4,0.3,0.3,0.6,1.5,2.5,3,3,2.8,2.5,2.5,2.5,2.6,2.6,2.8,3.5,4.8,6,6.5,5.5,4}') AS evening_hours,
       pg_temp.cumulative(array_fill(1::float8, ARRAY[24])) AS flat_hours
  FROM (SELECT g.code,
               -- busy grids (urban villages, industrial parks) and quiet ones
               (0.35 + 1.65 * pg_temp.u(g.code::bigint, 61) ^ 2)
               * (0.7 + 0.6 * pg_temp.u(g.parent::bigint, 62)) AS w
          FROM unit g WHERE g.code <@ gridcode '440311' AND g.level = 6) g;

-- Every report and its fate, drawn up front.
CREATE TEMP TABLE sim AS
WITH slot AS (
    SELECT d.day, d.restday, d.ends, n
      FROM sim_day d, generate_series(d.n_from + 1, d.n_to) n
), drawn AS (
    SELECT s.*, p.cats[width_bucket(pg_temp.u(n, 1), CASE WHEN s.restday THEN p.cat_rest ELSE p.cat_work END)] AS category,
           p.grids[width_bucket(pg_temp.u(n, 6), p.grid_lo)] AS grid
      FROM slot s, pick p
), chosen AS (
    SELECT d.*, m.says, m.done, m.refer, m.late, m.channel_lo,
           CASE WHEN pg_temp.u(n, 2) < m.sev4 THEN 4 WHEN pg_temp.u(n, 2) < m.sev4 + m.sev3 THEN 3 ELSE 1 END AS severity,
           (ARRAY['resident_app', 'hotline', 'patrol', 'sensor', 'walk_in'])[width_bucket(pg_temp.u(n, 3), m.channel_lo)] AS channel
      FROM drawn d JOIN mix m USING (category)
)
SELECT n, day, ends, c.category, c.severity, c.channel, c.grid,
       -- the hour from the profile, the minute at random; the short last day squeezes its profile
       date_trunc('second', c.day + ((width_bucket(pg_temp.u(n, 4),
                          CASE WHEN c.channel = 'sensor' THEN p.flat_hours
                               WHEN c.category = 'noise' THEN p.evening_hours ELSE p.day_hours END) - 1)
                   + pg_temp.u(n, 5)) * (c.ends - c.day::timestamptz) / 24)::timestamptz AS reported_at,
       c.says[1 + floor(pg_temp.u(n, 7) * array_length(c.says, 1))::int] AS says,
       c.done,
       NULL::bigint AS dup_of_n,
       -- fates
       pg_temp.u(n, 20) < 0.025 AS f_reject,
       pg_temp.u(n, 21) < 0.02 AS f_return,
       pg_temp.u(n, 22) < c.refer AS f_refer,
       pg_temp.u(n, 23) < 0.015 AS f_suspend,
       pg_temp.u(n, 24) < 0.30 AS f_hang,          -- of the suspended: still 挂账 at the end
       pg_temp.u(n, 25) < 0.03 AS f_extend,
       pg_temp.u(n, 26) < c.late AS f_late,
       pg_temp.u(n, 27) < 0.025 AS f_reopen,
       pg_temp.u(n, 28) < 0.002 AS f_unclosed,     -- verified, never evaluated
       (ARRAY[1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
              5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
              5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5])[1 + floor(pg_temp.u(n, 29) * 80)::int] AS satisfaction
  FROM chosen c, pick p;

CREATE INDEX ON sim (n);
ANALYZE sim;

-- 2% are second reports of something already reported that day: same
-- category and grid, a few metres away, later; they are merged into it.
UPDATE sim dup
   SET dup_of_n = o.n, category = o.category, grid = o.grid, severity = o.severity, says = o.says, done = o.done,
       reported_at = date_trunc('second', o.reported_at + (dup.ends - o.reported_at) * (0.02 + 0.3 * pg_temp.u(dup.n, 9)))
  FROM sim_day d, sim o
 WHERE pg_temp.u(dup.n, 8) < 0.02
   AND d.day = dup.day AND dup.n > d.n_from + 1
   AND o.n = d.n_from + 1 + floor(pg_temp.u(dup.n, 9) * (dup.n - d.n_from - 1))::int
   AND pg_temp.u(o.n, 8) >= 0.02;

-- Ids in the order of the reports; where: a point inside the grid.
CREATE TEMP TABLE sim_id AS
SELECT nextval(pg_get_serial_sequence('gridgov.cases', 'id')) AS id, n
  FROM (SELECT n FROM sim ORDER BY reported_at, n) s;
ALTER TABLE sim ADD COLUMN id bigint, ADD COLUMN dup_of bigint, ADD COLUMN location geometry,
                ADD COLUMN climbed integer NOT NULL DEFAULT 0,
                ADD COLUMN next_action text, ADD COLUMN next_at timestamptz,
                ADD COLUMN next_note text, ADD COLUMN next_deadline timestamptz;
UPDATE sim s SET id = i.id FROM sim_id i WHERE i.n = s.n;
UPDATE sim s SET dup_of = o.id FROM sim o WHERE o.n = s.dup_of_n;
UPDATE sim s SET location = ST_GeometryN(ST_GeneratePoints(u.boundary, 1, s.n::integer), 1)
  FROM unit u WHERE u.code = s.grid AND s.dup_of IS NULL;
UPDATE sim s SET location = ST_Translate(o.location, (pg_temp.u(s.n, 10) - 0.5) * 0.0002, (pg_temp.u(s.n, 11) - 0.5) * 0.0002)
  FROM sim o WHERE o.n = s.dup_of_n;
-- a dup nudged out of a small grid goes back to its original's spot
UPDATE sim s SET location = o.location
  FROM sim o, unit u WHERE o.n = s.dup_of_n AND u.code = s.grid AND NOT ST_Covers(u.boundary, s.location);
-- Patrol reports come from the patrol volunteers of their grid, when the
-- demo's people are loaded (tests/data/guangming_people.sql): the case's
-- reporter_person, one of the grid's volunteers by the case's ordinal.
-- Without them, the reporter is a number only, as before.
CREATE TEMP TABLE sim_volunteer AS
SELECT p.unit AS grid, row_number() OVER (PARTITION BY p.unit ORDER BY p.person) - 1 AS i,
       count(*) OVER (PARTITION BY p.unit) AS volunteers, p.person, x.properties->>'patrol_no' AS patrol_no
  FROM post p JOIN person x ON x.id = p.person
 WHERE p.role = 'patrol_volunteer' AND p.unit IS NOT NULL;
ALTER TABLE sim ADD COLUMN volunteer bigint, ADD COLUMN patrol_no text;
UPDATE sim s SET volunteer = v.person, patrol_no = v.patrol_no
  FROM sim_volunteer v
 WHERE s.channel = 'patrol' AND v.grid = s.grid AND v.i = s.n % v.volunteers;
ALTER TABLE sim ADD PRIMARY KEY (id);
CREATE INDEX ON sim (day);
CREATE INDEX ON sim (next_at);
ANALYZE sim;

-- The next move of a case, from the state the engine left it in and the
-- case's fate.  Times: a few minutes to hours after the last move, inside
-- office hours, except for severity-4 emergencies (clock hours, any time);
-- resolutions at a share of the stage's window, on time but for the few
-- fated to be late.
CREATE FUNCTION pg_temp.plan_next(c gridgov.cases, s sim,
                                  OUT action text, OUT at timestamptz, OUT note text, OUT deadline timestamptz)
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    t timestamptz := c.moved_at;
    k integer := 100 * c.history_seq;
    r1 float8 := pg_temp.u(s.n, k + 1);
    r2 float8 := pg_temp.u(s.n, k + 2);
    r3 float8 := pg_temp.u(s.n, k + 3);
    urgent boolean := c.severity = 4;
    late boolean := false;
    window_end timestamptz := c.stage_deadline;
BEGIN
    CASE c.status
    WHEN 'reported' THEN
        action := CASE WHEN s.dup_of IS NOT NULL THEN 'merge' WHEN s.f_reject THEN 'reject' ELSE 'accept' END;
        at := CASE WHEN urgent THEN t + (5 + 35 * r1) * interval '1 minute'
                   WHEN c.channel = 'sensor' THEN pg_temp.office(t + (3 + 27 * r1) * interval '1 minute', r2)
                   ELSE pg_temp.office(t + (10 + 140 * r1) * interval '1 minute', r2) END;
        IF action = 'reject' THEN
            note := (ARRAY['不属于受理范围,已告知诉求人向相关单位反映', '信息不全,多次联系诉求人未果',
                           '已由公安110处置', '属司法程序中的事项,引导走诉讼途径'])[1 + floor(r3 * 4)::int];
        END IF;
    WHEN 'accepted', 'returned' THEN
        action := 'dispatch';
        at := CASE WHEN urgent THEN t + (5 + 25 * r1) * interval '1 minute'
                   ELSE pg_temp.office(t + (10 + 110 * r1) * interval '1 minute', r2) END;
    WHEN 'dispatched' THEN
        IF s.f_return AND c.returns = 0 AND c.escalations = 0 AND NOT urgent THEN
            action := 'return';
            at := pg_temp.office(t + (1 + 3 * r1) * interval '1 hour', r2);
            note := (ARRAY['非本单位职责,退回重新分拨', '地址不在本辖区,退回', '诉求内容需补充核实,退回'])[1 + floor(r3 * 3)::int];
        ELSE
            action := 'start';
            at := CASE WHEN urgent THEN t + (10 + 30 * r1) * interval '1 minute'
                       ELSE pg_temp.office(t + (15 + 225 * r1) * interval '1 minute', r2) END;
        END IF;
    WHEN 'in_progress' THEN
        IF c.last_action = 'start' AND s.f_refer AND s.climbed = 0 AND c.handling_level > 3 THEN
            action := 'escalate';
            at := least(pg_temp.office(t + (2 + 28 * r1) * interval '1 hour', r2), t + (window_end - t) * 0.6);
            note := (ARRAY['涉及多方主体,社区调解不成,提请街道协调', '当事人情绪激烈,需上级综治中心介入',
                           '涉及多个部门职责,需上级统筹'])[1 + floor(r3 * 3)::int];
        ELSIF c.last_action = 'start' AND s.f_suspend AND NOT urgent THEN
            action := 'suspend';
            at := pg_temp.office(t + (window_end - t) * (0.1 + 0.3 * r1), r2);
            note := (ARRAY['等待第三方鉴定结果', '当事人外出,待返回后调解', '需业主大会表决'])[1 + floor(r3 * 3)::int];
        ELSIF c.last_action = 'start' AND s.f_extend AND c.extensions = 0 AND NOT urgent THEN
            action := 'extend';
            at := pg_temp.office(t + (window_end - t) * (0.4 + 0.3 * r1), r2);
            deadline := gridgov.deadline(window_end, 3, 'working_day');
            note := '需协调多方,申请延期3个工作日';
        ELSE
            action := 'resolve';
            note := s.done;
            late := c.last_action = 'start' AND s.f_late AND s.climbed = 0;
            IF late THEN
                -- fated to be late: past the deadline, so the sweep may climb it first
                at := pg_temp.office(c.stage_started_at + (window_end - c.stage_started_at) * (1.05 + 0.5 * r1), r2);
            ELSE
                at := t + (window_end - t) * (CASE WHEN c.last_action = 'start' THEN 0.1 ELSE 0.25 END + 0.6 * r1);
                IF NOT urgent THEN
                    at := pg_temp.office(at, r2);
                END IF;
            END IF;
        END IF;
    WHEN 'suspended' THEN
        IF NOT s.f_hang THEN
            action := 'resume';
            at := pg_temp.office(t + (1 + 6 * r1) * interval '1 day', r2);
        END IF;
    WHEN 'resolved' THEN
        IF s.f_reopen AND c.reopenings = 0 THEN
            action := 'reopen';
            at := pg_temp.office(t + (3 + 27 * r1) * interval '1 hour', r2);
            note := '回访核查:问题仍未解决,返工';
        ELSE
            action := 'verify';
            at := pg_temp.office(t + (0.5 + 20 * r1) * interval '1 hour', r2);
            note := '网格员现场核查属实';
        END IF;
    WHEN 'verified' THEN
        IF NOT s.f_unclosed THEN
            action := 'close';
            at := pg_temp.office(t + (1 + 47 * r1) * interval '1 hour', r2);
        END IF;
    ELSE
        NULL;       -- closed, rejected, merged: nothing more
    END CASE;
    -- on time: before the running stage's deadline (a suspended stage's
    -- clock is stopped); never back in time, never on the same instant as
    -- the last move
    IF at IS NOT NULL AND NOT late AND window_end IS NOT NULL AND c.suspended_at IS NULL THEN
        at := least(at, window_end - (5 + 30 * r3) * interval '1 minute');
    END IF;
    IF at IS NOT NULL THEN
        at := date_trunc('second', greatest(at, t + interval '1 minute' + r3 * interval '1 minute'));
    END IF;
END;
$$;

CREATE TEMP TABLE esc (case_id bigint PRIMARY KEY);

-- Who moves a case: the dispatch center's operators accept, reject, merge
-- and dispatch; the service point's handlers start, return, suspend,
-- resume, extend, refer and resolve; grid workers verify or send back;
-- the callback desk closes with the reporter's evaluation.  The engine
-- takes the actor from the setting gridgov.actor: set per row in the SET
-- list, which is evaluated for each row just before its triggers fire.
CREATE FUNCTION pg_temp.actor_of(action text, n bigint, point_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN action IN ('accept', 'reject', 'merge', 'dispatch')
                    THEN '统一分拨平台坐席' || lpad((1 + n % 12)::text, 2, '0')
                WHEN action IN ('verify', 'reopen') THEN '核查员' || lpad((1 + n % 40)::text, 2, '0')
                WHEN action = 'close' THEN '回访专员' || lpad((1 + n % 8)::text, 2, '0')
                ELSE point_name || '经办人' END;

DO $$
DECLARE
    today record;
    moved bigint;
BEGIN
    FOR today IN SELECT * FROM sim_day ORDER BY day LOOP
        -- the day's reports, in the order they came in
        INSERT INTO cases (id, category, severity, channel, description, location, reporter, reporter_person,
                           reported_at, actor)
        SELECT s.id, s.category, s.severity, s.channel,
               s.says || ' (' || u.name || ')',
               s.location,
               CASE s.channel WHEN 'patrol' THEN jsonb_build_object('volunteer', COALESCE(s.patrol_no, 'PA' || lpad((s.n % 36000)::text, 5, '0')))
                              WHEN 'sensor' THEN jsonb_build_object('device', 'IOT-' || s.grid || '-' || (s.n % 7))
                              ELSE jsonb_build_object('phone', '13' || (s.n % 10) || '****' || lpad((s.n * 7919 % 10000)::text, 4, '0')) END,
               s.volunteer,
               s.reported_at,
               set_config('gridgov.actor',
                          CASE s.channel WHEN 'resident_app' THEN 'i深圳用户'
                                         WHEN 'hotline' THEN '12345热线坐席' || lpad((1 + s.n % 30)::text, 2, '0')
                                         WHEN 'patrol' THEN '平安员' || COALESCE(s.patrol_no, 'PA' || lpad((s.n % 36000)::text, 5, '0'))
                                         WHEN 'sensor' THEN '物联感知设备'
                                         ELSE '群众诉求服务大厅窗口' END, true)
          FROM sim s JOIN unit u ON u.code = s.grid
         WHERE s.day = today.day
         ORDER BY s.reported_at, s.id;

        WITH p AS (
            SELECT s.id, p.* FROM sim s JOIN cases c ON c.id = s.id, LATERAL pg_temp.plan_next(c, s) p
             WHERE s.day = today.day)
        UPDATE sim s SET next_action = p.action, next_at = p.at, next_note = p.note, next_deadline = p.deadline
          FROM p WHERE s.id = p.id;

        -- round after round, every move due before the day ends
        LOOP
            WITH due AS (
                SELECT * FROM sim WHERE next_at < today.ends
            ), done AS (
                UPDATE cases c
                   SET status = CASE d.next_action
                                WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected'
                                WHEN 'merge' THEN 'merged' WHEN 'dispatch' THEN 'dispatched'
                                WHEN 'return' THEN 'returned' WHEN 'start' THEN 'in_progress'
                                WHEN 'extend' THEN 'in_progress' WHEN 'suspend' THEN 'suspended'
                                WHEN 'resume' THEN 'in_progress' WHEN 'resolve' THEN 'resolved'
                                WHEN 'verify' THEN 'verified' WHEN 'reopen' THEN 'in_progress'
                                WHEN 'close' THEN 'closed' ELSE c.status END,
                       note = d.next_note,
                       moved_at = d.next_at,
                       stage_deadline = coalesce(d.next_deadline, c.stage_deadline),
                       handling_level = c.handling_level - (d.next_action = 'escalate')::integer,
                       escalation_trigger = CASE WHEN d.next_action = 'escalate' THEN 'referral' ELSE c.escalation_trigger END,
                       duplicate_of = CASE WHEN d.next_action = 'merge' THEN d.dup_of ELSE c.duplicate_of END,
                       satisfaction = CASE WHEN d.next_action = 'close'
                                           THEN greatest(1, d.satisfaction - c.reopenings - d.climbed) END,
                       evaluation = CASE WHEN d.next_action = 'close'
                                         THEN (ARRAY['很不满意,问题拖了很久', '不太满意', '一般', '满意', '非常满意,处理及时'])
                                              [greatest(1, d.satisfaction - c.reopenings - d.climbed)] END,
                       actor = set_config('gridgov.actor', pg_temp.actor_of(d.next_action, d.n, sp.name), true)
                  FROM due d, service_point sp
                 WHERE c.id = d.id AND sp.id = c.service_point
                RETURNING c AS row, d.next_action AS action
            )
            UPDATE sim s
               SET climbed = s.climbed + (done.action = 'escalate')::integer,
                   next_action = p.action, next_at = p.at, next_note = p.note, next_deadline = p.deadline
              FROM done, LATERAL pg_temp.plan_next(done.row,
                                                   (SELECT x FROM sim x WHERE x.id = (done.row).id)) p
             WHERE s.id = (done.row).id;
            GET DIAGNOSTICS moved = ROW_COUNT;
            EXIT WHEN moved = 0;
        END LOOP;

        -- the sweep, once a day: what is past its deadline climbs a level
        PERFORM set_config('gridgov.actor', '超时自动升级', true);
        INSERT INTO esc SELECT e.case_id FROM escalate_overdue(today.ends) e;
        UPDATE sim s SET climbed = s.climbed + 1 FROM esc WHERE s.id = esc.case_id;
        WITH p AS (
            SELECT s.id, p.* FROM esc JOIN sim s ON s.id = esc.case_id JOIN cases c ON c.id = esc.case_id,
                   LATERAL pg_temp.plan_next(c, s) p)
        UPDATE sim s SET next_action = p.action, next_at = p.at, next_note = p.note, next_deadline = p.deadline
          FROM p WHERE s.id = p.id;
        TRUNCATE esc;
        COMMIT;
        -- INFO reaches the client whatever client_min_messages says
        IF current_setting('sim.progress', true) = 'on' AND (today.day - date '2026-08-01') % 10 = 9 THEN
            RAISE INFO 'simulated % of 90 days: % cases', today.day - date '2026-08-01' + 1,
                to_char((SELECT count(*) FROM cases), 'FM999,999');
        END IF;
    END LOOP;
END;
$$;
RESET gridgov.actor;

-- (not with -v sim_untampered=1: a history every chain of which holds)
\if :{?sim_untampered}
\else
-- An intruder with the table owner's rights covers up four things, and
-- the chain gives them away (SELECT * FROM gridgov.verify_history()):
-- a late case's missed deadline is deleted from its history, a dissatisfied
-- reporter's case gets a nicer resolution note, the time of a slow
-- acceptance is moved earlier, and (in the case row, the engine's move
-- trigger off) a poor rating of a closed case becomes a good one.
ALTER TABLE case_history DISABLE TRIGGER gridgov_history_append_only;
DELETE FROM case_history h
 WHERE (h.case_id, h.seq) = (SELECT h2.case_id, h2.seq FROM case_history h2
                              WHERE h2.escalation_trigger = 'overdue'
                                AND EXISTS (SELECT FROM cases c WHERE c.id = h2.case_id AND c.status = 'closed')
                              ORDER BY h2.case_id LIMIT 1);
UPDATE case_history h SET note = '已妥善处理,群众非常满意'
 WHERE (h.case_id, h.seq) = (SELECT h2.case_id, h2.seq FROM case_history h2 JOIN cases c ON c.id = h2.case_id
                              WHERE c.satisfaction = 1 AND h2.action = 'resolve'
                              ORDER BY h2.case_id, h2.seq DESC LIMIT 1);
UPDATE case_history h SET at = c.reported_at + interval '10 minutes'
  FROM cases c
 WHERE c.id = h.case_id AND h.action = 'accept'
   AND (h.case_id, h.seq) = (SELECT h2.case_id, h2.seq FROM case_history h2 JOIN cases c2 ON c2.id = h2.case_id
                              WHERE h2.action = 'accept' AND h2.at - c2.reported_at > interval '10 hours'
                              ORDER BY h2.case_id LIMIT 1);
ALTER TABLE case_history ENABLE TRIGGER gridgov_history_append_only;
ALTER TABLE cases DISABLE TRIGGER gridgov_case_move;
UPDATE cases SET satisfaction = 5, evaluation = '非常满意,处理及时'
 WHERE id = (SELECT id FROM cases WHERE status = 'closed' AND satisfaction = 2 ORDER BY id LIMIT 1);
ALTER TABLE cases ENABLE TRIGGER gridgov_case_move;
\endif

VACUUM ANALYZE cases;
VACUUM ANALYZE case_history;
