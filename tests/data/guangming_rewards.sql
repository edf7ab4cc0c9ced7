-- The Guangming demo's reward fund for patrol volunteers (平安员奖励基金,
-- 1,000,000 yuan, run by the district committee) and its awards for the 90
-- simulated days: "对报送矛盾纠纷线索的平安员,视情况分别奖励50元至10000元".
-- Every closed dispute (neighbour, property, labour) that a patrol
-- volunteer reported is awarded, in the order the cases were closed: 50 to
-- 500 yuan by a hash of the case, 1,000 yuan at severity 3 and 5,000 at
-- severity 4.  Deterministic; awarded_at is the server's clock, as for
-- every award.  Needs tests/data/guangming_people.sql and the simulation
-- (tests/data/guangming_simulation.sql) first.
BEGIN;
SET LOCAL search_path = gridgov, public;

INSERT INTO reward_fund (name, organization, capital_fen)
SELECT '光明区平安员奖励基金', o.id, 100000000
  FROM organization o WHERE o.kind = 'district_committee' AND o.anchor = '440311';

INSERT INTO reward (fund, case_id, amount_fen, note)
SELECT f.id, c.id,
       CASE c.severity WHEN 4 THEN 500000 WHEN 3 THEN 100000
                       ELSE 5000 * (1 + (hashint8extended(c.id, 90) & 2147483647) % 10) END,
       '报送矛盾纠纷线索: ' || k.name
  FROM cases c
  JOIN category k ON k.code = c.category
  JOIN reward_fund f ON f.name = '光明区平安员奖励基金'
 WHERE c.status = 'closed' AND c.channel = 'patrol' AND c.reporter_person IS NOT NULL
   AND c.category IN ('neighbour_dispute', 'property_management', 'labour_dispute')
 ORDER BY c.closed_at, c.id;

COMMIT;
