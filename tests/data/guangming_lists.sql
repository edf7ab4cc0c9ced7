-- The Guangming demo district's three lists and community budgets, at the
-- rates the district reports (../shared/domain/guangming-party-led-
-- governance.txt, 二 and 三: each community's 30,000,000 yuan a year for
-- base works and 2,000,000 for residents' micro-projects; 2,500 micro-
-- projects for about 160 million yuan and 1,400 base works for about 2
-- billion since 2017, so some 300 micro-projects of 64,000 yuan and 175
-- base works of 1.4 million a year).  Generated and deterministic: every
-- choice is arithmetic on ordinal numbers.  Needs tests/data/guangming.sql,
-- guangming_people.sql and guangming_cases.sql (and its simulation) first;
-- run by the demo's owner, who as a superuser may date the moves.
--
--   budgets: the 31 communities' two lines for 2025 and 2026, decided by
--            their community party committees;
--   projects: 10 micro-projects and 5 base works a community a year, each
--            through 四议两公开 as far as its dates reach: the 2025 ones
--            evaluated, the 2026 ones anywhere from proposed to evaluated;
--            one in 13 voted down by the residents' representatives, one
--            in 7 consulted late; paid 30% when under way, 60% more once
--            accepted, the rest once evaluated;
--   offers:  one party member in 5 and one 红小二 volunteer in 3 offer one
--            of 8 skills, where they are posted;
--   needs:   one or two a grid, reported by 1 to 9 households over the two
--            months before now, and the needs behind 40 of the simulated
--            neighbour disputes; the nearest offer takes four in five of
--            those more than a week old, half of those are met, and the
--            needs left past their limit escalate.
SET search_path = gridgov, public;
SET client_min_messages = warning;

SELECT open_budgets('440311', 2025), open_budgets('440311', 2026);

-- the stages begun in the last weeks have limits past the calendar's
-- horizon until the next year's holidays are published; deadline() counts
-- those on plain weekdays and warns, which the demo's load need not show
SET client_min_messages = error;
DO $$
DECLARE
    c record;
    k integer;
    kind text;
    p bigint;
    cons bigint;
    t0 timestamptz;
    late integer;
    est numeric;
    stop timestamptz := now() - interval '1 hour';
    moves text[] := ARRAY['consulted', 'approved', 'under_way', 'accepted', 'evaluated'];
    at_move timestamptz[];
    i integer;
    step text;
BEGIN
    FOR c IN SELECT u.code, row_number() OVER (ORDER BY u.code) AS ci,
                    (SELECT o.id FROM organization o WHERE o.anchor = u.code AND o.kind = 'community_committee' LIMIT 1) AS committee
               FROM unit u WHERE u.level = 5 AND u.code <@ '440311' AND u.valid_to IS NULL ORDER BY u.code LOOP
        FOR y IN 2025..2026 LOOP
            FOR k IN 1..15 LOOP
                kind := CASE WHEN k <= 10 THEN 'micro_project' ELSE 'base_works' END;
                est := CASE WHEN kind = 'micro_project' THEN 20000 + ((k * 7919 + c.ci * 104729 + y) % 110) * 1000
                            ELSE 300000 + ((k * 7919 + c.ci * 104729 + y) % 25) * 100000 END;
                t0 := make_timestamptz(y, 1, 15, 9, 30, 0, 'Asia/Shanghai') + ((k * 23 + c.ci * 7) % 300) * interval '1 day';
                late := CASE WHEN (k + c.ci) % 7 = 0 THEN 20 ELSE 0 END;
                p := (propose_project(c.code, kind,
                                      (ARRAY['小区路灯更换', '长者饭堂', '儿童游乐设施', '楼道扶手加装', '社区书屋', '雨污分流改造',
                                             '健身步道', '垃圾分类亭', '电动车充电棚', '邻里中心装修', '道路白改黑', '公园提升',
                                             '排水管网修复', '农贸市场改造', '党群服务中心升级'])[k]
                                      || ' (' || y || '-' || k || ')',
                                      est, NULL, y, c.committee, t0)).id;
                -- the four deliberations, the resolution voted by 5 representatives
                FOREACH step IN ARRAY ARRAY['proposal', 'deliberation', 'review', 'resolution'] LOOP
                    EXIT WHEN t0 + (late + 8) * interval '1 day' > stop;
                    cons := (consult_project(p, step, t0 + (late + 2) * interval '1 day',
                                             t0 + (late + 8) * interval '1 day', '社区党群服务中心')).id;
                    INSERT INTO project_vote (consultation, person, vote, cast_at)
                    SELECT cons, c.ci * 50 + v,
                           CASE WHEN (k * 3 + c.ci) % 13 = 0 AND step = 'resolution' AND v <= 3 THEN 'no' ELSE 'yes' END,
                           t0 + (late + 5) * interval '1 day'
                      FROM generate_series(1, 5) v;
                END LOOP;
                at_move := ARRAY[t0 + (late + 9) * interval '1 day', t0 + (late + 12) * interval '1 day',
                                 t0 + (late + 20) * interval '1 day',
                                 t0 + (late + CASE WHEN kind = 'micro_project' THEN 50 ELSE 95 END) * interval '1 day',
                                 t0 + (late + CASE WHEN kind = 'micro_project' THEN 60 ELSE 105 END) * interval '1 day'];
                CONTINUE WHEN (k * 3 + c.ci) % 13 = 0;
                FOR i IN 1..5 LOOP
                    EXIT WHEN at_move[i] > stop;
                    IF moves[i] = 'approved' THEN
                        PERFORM consult_project(p, 'resolution_disclosure', at_move[i] - interval '2 days', at_move[i] + interval '5 days', '社区公示栏');
                    ELSIF moves[i] = 'evaluated' THEN
                        PERFORM consult_project(p, 'result_disclosure', at_move[i] - interval '3 days', at_move[i] + interval '5 days', '社区公示栏');
                    END IF;
                    PERFORM advance_project(p, NULL, at_move[i]);
                    IF moves[i] = 'under_way' THEN
                        PERFORM pay_commitment((SELECT commitment FROM project WHERE id = p), round(est * 0.3, 2), '预付款');
                    ELSIF moves[i] = 'accepted' THEN
                        PERFORM pay_commitment((SELECT commitment FROM project WHERE id = p), round(est * 0.6, 2), '进度款');
                    ELSIF moves[i] = 'evaluated' THEN
                        PERFORM pay_commitment((SELECT commitment FROM project WHERE id = p), est - round(est * 0.3, 2) - round(est * 0.6, 2), '尾款');
                    END IF;
                END LOOP;
            END LOOP;
        END LOOP;
    END LOOP;
END;
$$;
RESET client_min_messages;

-- offers: one party member in 5 and one 红小二 volunteer in 3, where posted
INSERT INTO offer (post, skill, capacity, location, note)
SELECT x.id,
       (ARRAY['elder_care', 'child_care', 'repair', 'legal_aid', 'counselling', 'health', 'tutoring', 'digital_help'])[1 + x.n % 8],
       1 + x.n % 3,
       ST_Translate(ST_PointOnSurface(u.boundary), ((x.n * 37) % 100 - 50) * 0.00002, ((x.n * 53) % 100 - 50) * 0.00002),
       (ARRAY['周末上午', '工作日晚上', '随叫随到'])[1 + x.n % 3]
  FROM (SELECT p.id, COALESCE(p.unit, o.anchor) AS place, row_number() OVER (ORDER BY p.id) AS n, r.class, p.role
          FROM post p JOIN role r ON r.code = p.role
          LEFT JOIN organization o ON o.id = p.organization
         WHERE (r.class = 'party_member' OR p.role = 'hongxiaoer') AND p.valid @> date '2026-10-29'
           AND COALESCE(p.unit, o.anchor) <@ '440311') x
  JOIN unit u ON u.code = x.place
 WHERE CASE WHEN x.class = 'party_member' THEN x.n % 5 = 0 ELSE x.n % 3 = 0 END;

-- needs: one or two a grid, from 1 to 9 households, over the two months before now
INSERT INTO need (unit, location, skill, title, households, opened_at, last_reported_at)
SELECT g.code,
       ST_Translate(ST_PointOnSurface(g.boundary), ((g.n * 29 + s) % 100 - 50) * 0.00002, ((g.n * 31 + s) % 100 - 50) * 0.00002),
       (ARRAY['elder_care', 'child_care', 'repair', 'legal_aid', 'counselling', 'health', 'tutoring', 'digital_help'])[1 + (g.n + s * 3) % 8],
       (ARRAY['独居老人助餐', '课后托管', '楼道灯维修', '租房合同咨询', '家庭矛盾疏导', '慢病随访', '小学数学辅导', '老人学用智能手机'])[1 + (g.n + s * 3) % 8],
       1 + (g.n * 7 + s) % 9,
       now() - ((g.n * 37 + s * 11) % 60) * interval '1 day' - ((g.n * 13) % 9) * interval '1 hour',
       now() - ((g.n * 37 + s * 11) % 60) * interval '1 day' / 2
  FROM (SELECT code, boundary, row_number() OVER (ORDER BY code) AS n FROM unit
         WHERE level = 6 AND code <@ '440311' AND valid_to IS NULL AND boundary IS NOT NULL) g
 CROSS JOIN generate_series(0, 1) s
 WHERE s = 0 OR g.n % 3 = 0;
-- the needs behind 40 neighbour disputes of the simulation: mediation
SELECT count(need_from_case(c.id, 'counselling', '邻里关系调解'))
  FROM (SELECT id FROM cases WHERE category = 'neighbour_dispute' AND level(unit) >= 5 ORDER BY id LIMIT 40) c;

-- the nearest offer takes four in five of the needs more than a week old;
-- half of those are met
DO $$
DECLARE
    n bigint;
    o bigint;
BEGIN
    FOR n IN SELECT id FROM need WHERE status = 'open' AND opened_at < now() - interval '7 days' AND id % 5 <> 0 ORDER BY id LOOP
        SELECT m.offer INTO o FROM match_need(n, 1) m;
        IF FOUND THEN
            PERFORM take_need(n, o, '就近认领');
        END IF;
    END LOOP;
END;
$$;
SELECT count(meet_need(id, '已办结')) FROM need WHERE status = 'taken' AND id % 2 = 0;
-- the takes were made now, under take_need's checks; date them back as a
-- restore of the past would (a take 1 to 5 days after its need was opened,
-- met 1 to 4 days later), the triggers that stamp them set aside
SET session_replication_role = replica;
UPDATE need_take t
   SET taken_at = n.opened_at + (1 + t.need % 5) * interval '1 day',
       met_at = CASE WHEN t.met_at IS NOT NULL
                     THEN LEAST(n.opened_at + (2 + t.need % 5 + t.need % 4) * interval '1 day', now()) END
  FROM need n WHERE n.id = t.need;
RESET session_replication_role;
-- the needs nobody took within their limit escalate
SELECT escalate_needs();
ANALYZE budget, budget_entry, project, project_move, project_consultation, project_vote, need, offer, need_take;
