-- The Guangming demo's mediations (issue 16, item 5): a month of disputes
-- (the neighbour and property disputes reported on grids in October 2026)
-- mediated in their communities by the committees' legal advisers, who
-- hold mediator posts (人民调解员) too; 97% settled inside the community,
-- as the district reports, the rest failed; two in five agreements sent for
-- online judicial confirmation, nine in ten decided within the 30 minutes,
-- the others escalated by the sweep first; one in fifty agreements broken
-- later.  Written as imports (their own times, by the superuser), in time
-- order, so that the sweep sees what was pending then.  Random but seeded.
-- Needs tests/data/guangming_people.sql and the simulation first.
BEGIN;
SET LOCAL search_path = gridgov, public;
SET LOCAL timezone = 'Asia/Shanghai';
SELECT setseed(0.5) \g /dev/null

INSERT INTO post (person, role, organization, valid)
SELECT person, 'mediator', organization, valid FROM post WHERE role = 'legal_adviser';

-- each dispute with its mediator (a legal adviser of the committee covering
-- its grid), its two parties (residents), and the draws that decide it
CREATE TEMP TABLE demo_dispute AS
SELECT c.id, c.reported_at + interval '1 hour' AS opened, m.person AS mediator,
       ARRAY[10000 + (c.id * 7) % 20000, 30001 + (c.id * 11) % 10000]::bigint[] AS parties,
       random() AS settle, random() AS send, random() AS speed, random() AS breach
  FROM cases c
  JOIN LATERAL (SELECT p.person FROM post p JOIN organization_unit ou ON ou.organization = p.organization
                 WHERE p.role = 'mediator' AND c.unit <@ ou.unit AND ou.valid @> c.reported_at::date
                 ORDER BY p.person LIMIT 1) m ON true
 WHERE c.category IN ('neighbour_dispute', 'property_management')
   AND c.reported_at >= '2026-10-01 00:00+08' AND c.reported_at < '2026-10-27 00:00+08'
   AND level(c.unit) = 6
   AND (c.closed_at IS NULL OR c.closed_at > c.reported_at + interval '1 hour');

SELECT count(open_mediation(d.id, d.mediator, d.parties, d.opened)) FROM demo_dispute d \g /dev/null
SELECT count(hold_session(m.id, tstzrange(m.opened_at, m.opened_at + interval '1 hour'), '双方陈述,调解员释法说理'))
  FROM mediation m \g /dev/null
SELECT count(close_mediation(m.id, CASE WHEN d.settle >= 0.03 THEN '双方自愿达成调解协议' END, '双方分歧较大,调解不成',
                             m.opened_at + interval '90 minutes'))
  FROM mediation m JOIN demo_dispute d ON d.id = m.case_id \g /dev/null

-- the confirmations, one after another in time order: requested, swept
-- when the court is slow (each 31 minutes, as the minute's sweep would
-- have), then decided
DO $$
DECLARE
    x record;
    asked timestamptz;
    decided timestamptz;
    sweep timestamptz;
BEGIN
    FOR x IN SELECT m.id, m.closed_at, d.speed
               FROM mediation m JOIN demo_dispute d ON d.id = m.case_id
              WHERE m.status = 'settled' AND d.send < 0.4
              ORDER BY m.closed_at, m.id
    LOOP
        asked := x.closed_at + interval '10 minutes';
        PERFORM request_confirmation(x.id, at => asked);
        decided := asked + CASE WHEN x.speed < 0.9 THEN interval '5 minutes' + x.speed * interval '25 minutes'
                                ELSE interval '35 minutes' + (x.speed - 0.9) * interval '400 minutes' END;
        sweep := asked + interval '31 minutes';
        WHILE sweep < decided LOOP
            PERFORM escalate_overdue_confirmations(sweep);
            sweep := sweep + interval '31 minutes';
        END LOOP;
        PERFORM confirm_agreement(x.id, at => decided);
    END LOOP;
END $$;

SELECT count(break_agreement(m.id, '一方未按协议履行', m.closed_at + interval '12 days'))
  FROM mediation m JOIN demo_dispute d ON d.id = m.case_id
 WHERE m.status = 'settled' AND d.breach < 0.02 \g /dev/null
COMMIT;
