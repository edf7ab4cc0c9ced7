-- The mediation examples of docs/services.md, run for real: tools/check-docs
-- checks that every example in the docs appears, with its output, in
-- expected/.  The disputes and mediators are tests/pgtap/mediation_fixture.psql.
\set ECHO none
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
\set VERBOSITY default
BEGIN;
\i tests/pgtap/mediation_fixture.psql
SET datestyle = 'ISO, YMD';
SET TIME ZONE 'Asia/Shanghai';
\set ECHO all
SELECT code, name, dispute FROM category ORDER BY code;
SELECT id, case_id, unit, mediator, parties, status
  FROM open_mediation(1, 2, '{5,6}', '2026-03-02 10:00+08');
SELECT id FROM open_mediation(4, 2, '{5,6}', '2026-03-02 10:00+08');
SELECT id FROM open_mediation(5, 2, '{7,8}', '2026-03-02 10:00+08');
SELECT id, mediation, during FROM hold_session(1, '[2026-03-02 10:00+08, 2026-03-02 10:50+08)', '双方陈述, 核实漏水');
SELECT id, status, terms, closed_at
  FROM close_mediation(1, '楼上住户赔偿维修费2000元', at => '2026-03-02 11:00+08');
SELECT mediation, level, deadline, status
  FROM request_confirmation(1, at => '2026-03-02 11:05+08');
SELECT * FROM escalate_overdue_confirmations('2026-03-02 11:36+08');
SELECT * FROM escalate_overdue_confirmations('2026-03-02 11:37+08');
SELECT mediation, level, deadline, escalations, status FROM judicial_confirmation;
SELECT mediation, status, decided_at FROM confirm_agreement(1, at => '2026-03-02 11:50+08');
SELECT mediation FROM confirm_agreement(1, false, at => '2026-03-02 11:55+08');
SELECT month, community, closed, settled_share, confirmed, confirmed_in_time, escalated
  FROM mediation_monthly;
\set ECHO none
ROLLBACK;
