-- gridgov 0.6.0 -> 0.7.0: hardening.  The engine's queries cannot be
-- reached through the caller's search_path; the actor and the time of a
-- move come from the server; every edit of a case's content is a move of
-- its own in the hash-chained history; bounded inputs.

-- One name for the ancestor at a level on both types: ancestor(gridcell,
-- level); parent(gridcell, level) stays as its alias.
-- gridcode becomes the preferred type of its category, so that a quoted
-- literal where gridcode and gridcell overloads compete, as in
-- ancestor('440311006003', 4), is read as a gridcode, as it was before
-- ancestor(gridcell, level) existed.  (ALTER TYPE cannot set it.)
UPDATE pg_catalog.pg_type SET typispreferred = true
 WHERE oid OPERATOR(pg_catalog.=) '@extschema@.gridcode'::pg_catalog.regtype;
CREATE FUNCTION @extschema@.ancestor(@extschema@.gridcell, level integer) RETURNS @extschema@.gridcell
    AS 'MODULE_PATHNAME', 'gridcell_parent_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ancestor(@extschema@.gridcell, integer) IS
    'the ancestor-or-self at a level, the code cut to that level''s length; NULL when the cell is coarser than the level';
COMMENT ON FUNCTION @extschema@.parent(@extschema@.gridcell, integer) IS
    'alias of ancestor(gridcell, level), its name before 0.7.0: the ancestor-or-self at a level';

-- Comments for \df+, \d+ and BI tools (issue 11)
COMMENT ON FUNCTION @extschema@.gridcode_in(cstring) IS
    'input function of gridcode: 2, 4, 6, 9, 12, 15 or 19 digits, such as 440311006003';
COMMENT ON FUNCTION @extschema@.gridcode_out(@extschema@.gridcode) IS
    'output function of gridcode: the code''s shortest canonical form';
COMMENT ON FUNCTION @extschema@.gridcode_recv(internal) IS
    'binary input function of gridcode: the int8 value, checked';
COMMENT ON FUNCTION @extschema@.gridcode_send(@extschema@.gridcode) IS
    'binary output function of gridcode: the int8 value';
COMMENT ON FUNCTION @extschema@.gridcode(bigint) IS
    'the gridcode whose stored value (the code as a 19-digit number) is this number; fails for numbers that are no code';
COMMENT ON FUNCTION @extschema@.subtree_contained_support(internal) IS
    'planner support function of the <@ operators of gridcode and gridcell: x <@ X becomes the btree range x >= X AND x <= subtree_last(X)';
COMMENT ON FUNCTION @extschema@.subtree_contains_support(internal) IS
    'planner support function of the @> operators of gridcode and gridcell: X @> x becomes the btree range x >= X AND x <= subtree_last(X)';
COMMENT ON FUNCTION @extschema@.subtree_contained_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the <@ operators of gridcode and gridcell: x <@ X estimated as the range from X to subtree_last(X)';
COMMENT ON FUNCTION @extschema@.subtree_contains_sel(internal, oid, internal, integer) IS
    'restriction selectivity of the @> operators of gridcode and gridcell: X @> x estimated as the range from X to subtree_last(X)';
COMMENT ON FUNCTION @extschema@.gridcode_contains(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the @> operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_contained(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <@ operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_eq(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the = operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_ne(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <> operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_lt(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the < operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_le(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the <= operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_gt(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the > operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_ge(@extschema@.gridcode, @extschema@.gridcode) IS
    'implementation of the >= operator for gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_cmp(@extschema@.gridcode, @extschema@.gridcode) IS
    'btree comparison function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_sortsupport(internal) IS
    'btree sort support function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_hash(@extschema@.gridcode) IS
    'hash function of gridcode';
COMMENT ON FUNCTION @extschema@.gridcode_hash_extended(@extschema@.gridcode, bigint) IS
    'extended (seeded 64-bit) hash function of gridcode';
COMMENT ON OPERATOR @extschema@.= (@extschema@.gridcode, @extschema@.gridcode) IS
    'equal';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.gridcode, @extschema@.gridcode) IS
    'not equal';
COMMENT ON OPERATOR @extschema@.< (@extschema@.gridcode, @extschema@.gridcode) IS
    'less than, in code order (every code''s descendants follow it directly)';
COMMENT ON OPERATOR @extschema@.<= (@extschema@.gridcode, @extschema@.gridcode) IS
    'less than or equal, in code order';
COMMENT ON OPERATOR @extschema@.> (@extschema@.gridcode, @extschema@.gridcode) IS
    'greater than, in code order';
COMMENT ON OPERATOR @extschema@.>= (@extschema@.gridcode, @extschema@.gridcode) IS
    'greater than or equal, in code order';
COMMENT ON FUNCTION @extschema@.gridcode_smaller(@extschema@.gridcode, @extschema@.gridcode) IS
    'the code first in code order; transition function of min(gridcode)';
COMMENT ON FUNCTION @extschema@.gridcode_larger(@extschema@.gridcode, @extschema@.gridcode) IS
    'the code last in code order; transition function of max(gridcode)';
COMMENT ON AGGREGATE @extschema@.min(@extschema@.gridcode) IS 'the code first in code order';
COMMENT ON AGGREGATE @extschema@.max(@extschema@.gridcode) IS 'the code last in code order';
COMMENT ON COLUMN @extschema@.unit.code IS 'the unit''s jurisdiction code; primary key';
COMMENT ON COLUMN @extschema@.unit.name IS 'the unit''s name, such as 马田街道; not empty';
COMMENT ON COLUMN @extschema@.unit.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326 (longitude, latitude); NULL until surveyed';
COMMENT ON COLUMN @extschema@.unit.properties IS
    'free-form attributes; nbs_name keeps the National Bureau of Statistics name (import_units)';
COMMENT ON COLUMN @extschema@.unit.valid_from IS
    'when this version of the unit took effect: an edit of name, boundary or properties starts a new one';
COMMENT ON COLUMN @extschema@.unit_history.code IS 'the unit''s jurisdiction code';
COMMENT ON COLUMN @extschema@.unit_history.name IS 'the unit''s name in this version';
COMMENT ON COLUMN @extschema@.unit_history.boundary IS
    'the unit''s area in this version, a MultiPolygon in SRID 4326';
COMMENT ON COLUMN @extschema@.unit_history.properties IS 'the unit''s properties in this version';
COMMENT ON COLUMN @extschema@.unit_history.valid_from IS 'when this version took effect';
COMMENT ON COLUMN @extschema@.unit_history.valid_to IS 'when this version was replaced: the time of the edit';
COMMENT ON FUNCTION @extschema@.unit_keep_history() IS
    'BEFORE UPDATE row trigger on unit: an edit of name, boundary or properties keeps the version it replaces in unit_history';
COMMENT ON OPERATOR @extschema@.= (@extschema@.gridcell, @extschema@.gridcell) IS
    'equal';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.gridcell, @extschema@.gridcell) IS
    'not equal';
COMMENT ON OPERATOR @extschema@.< (@extschema@.gridcell, @extschema@.gridcell) IS
    'less than, in code order (every cell''s descendants follow it directly)';
COMMENT ON OPERATOR @extschema@.<= (@extschema@.gridcell, @extschema@.gridcell) IS
    'less than or equal, in code order';
COMMENT ON OPERATOR @extschema@.> (@extschema@.gridcell, @extschema@.gridcell) IS
    'greater than, in code order';
COMMENT ON OPERATOR @extschema@.>= (@extschema@.gridcell, @extschema@.gridcell) IS
    'greater than or equal, in code order';
COMMENT ON COLUMN @extschema@.calendar_day.day IS 'the date the exception is for; primary key';
COMMENT ON COLUMN @extschema@.work_period.starts IS
    'wall-clock time the period starts (included), in gridgov.calendar_timezone; primary key';
COMMENT ON COLUMN @extschema@.work_period.ends IS
    'wall-clock time the period ends (excluded), after starts; periods may not overlap';
COMMENT ON COLUMN @extschema@.category.code IS
    'the category''s key, such as noise: a lower-case letter, then lower-case letters, digits or _ (63 at most)';
COMMENT ON COLUMN @extschema@.category.name IS 'the category''s display name, such as 噪音扰民';
COMMENT ON COLUMN @extschema@.category.description IS 'what cases of the category are about, free text';
COMMENT ON COLUMN @extschema@.category_rule.category IS 'the category the rule is for';
COMMENT ON COLUMN @extschema@.category_rule.severity IS
    'the lowest case severity (1 to 4) the rule applies to; severity 1''s rule gives the category''s usual level';
COMMENT ON COLUMN @extschema@.category_rule.handling_level IS
    'the level that handles the cases: 3 district, 4 subdistrict, 5 community; above the usual level, an escalation at intake';
COMMENT ON COLUMN @extschema@.category_rule.limit_unit IS
    'unit of the four limits: working_day (the sum of work_period), working_hour or clock_hour';
COMMENT ON COLUMN @extschema@.category_rule.accept_limit IS
    'time limit from report to acceptance (受理), in limit_unit';
COMMENT ON COLUMN @extschema@.category_rule.dispatch_limit IS
    'time limit from acceptance, or a return, to dispatch (派遣), in limit_unit';
COMMENT ON COLUMN @extschema@.category_rule.resolve_limit IS
    'time limit from dispatch, an escalation or a reopening to resolution (处置), in limit_unit';
COMMENT ON COLUMN @extschema@.category_rule.verify_limit IS
    'time limit from resolution to verification (核查), in limit_unit';
COMMENT ON COLUMN @extschema@.service_point.id IS 'the service point''s number';
COMMENT ON COLUMN @extschema@.service_point.name IS 'the service point''s name, such as 根竹园社区党群服务中心';
COMMENT ON COLUMN @extschema@.service_point.unit IS 'the unit it serves: a district, subdistrict or community';
COMMENT ON COLUMN @extschema@.service_point.level IS
    'derived from unit: the handling level of its cases, 3 district, 4 subdistrict, 5 community';
COMMENT ON COLUMN @extschema@.service_point.department IS
    'the functional department whose desk it is (category.department); NULL for the unit''s general service point';
COMMENT ON COLUMN @extschema@.service_point.location IS 'where it is, a point in SRID 4326';
COMMENT ON TABLE @extschema@.warning_rule IS
    'early warning (矛盾预警): the threshold-th report of a category in one grid within time_window raises its severity by one and links the earlier cases; without rows, the third report in 7 days';
COMMENT ON COLUMN @extschema@.warning_rule.category IS
    'the category the rule is for; NULL: every category without a row of its own';
COMMENT ON COLUMN @extschema@.warning_rule.time_window IS
    'how far back before a report the earlier reports count, a positive interval';
COMMENT ON COLUMN @extschema@.warning_rule.threshold IS
    'the number of reports, this one included, that raises a warning (2 or more)';
COMMENT ON COLUMN @extschema@.cases.id IS 'the case''s number, unique over all districts';
COMMENT ON COLUMN @extschema@.cases.district IS
    'the county or district (level 3) above unit, set at intake: the key to distribute cases by';
COMMENT ON COLUMN @extschema@.cases.unit IS
    'the unit the case belongs to: the grid (level 6) covering location, unless given at intake';
COMMENT ON COLUMN @extschema@.cases.category IS 'the kind of case (gridgov.category)';
COMMENT ON COLUMN @extschema@.cases.severity IS
    'severity 1 (lowest) to 4: as reported, one higher after an early warning; picks the category rule';
COMMENT ON COLUMN @extschema@.cases.reported_severity IS 'the severity as reported, before any early warning';
COMMENT ON COLUMN @extschema@.cases.channel IS
    'how it was reported: resident_app, hotline, patrol, sensor or walk_in';
COMMENT ON COLUMN @extschema@.cases.description IS 'what was reported, free text';
COMMENT ON COLUMN @extschema@.cases.location IS 'where it happened, a point in SRID 4326 (longitude, latitude)';
COMMENT ON COLUMN @extschema@.cases.reporter IS 'who reported it, free-form (personal data)';
COMMENT ON COLUMN @extschema@.cases.status IS
    'reported, accepted, rejected, merged, dispatched, returned, in_progress, suspended, resolved, verified or closed; set it to move the case';
COMMENT ON COLUMN @extschema@.cases.handling_level IS
    'the level handling the case: 3 district, 4 subdistrict, 5 community; lowering it escalates the case';
COMMENT ON COLUMN @extschema@.cases.service_point IS
    'the service point handling the case: routed (or given) at intake, routed again at escalation, may be chosen at dispatch';
COMMENT ON COLUMN @extschema@.cases.stage IS
    'the stage under way: accept, dispatch, resolve or verify (each with a deadline), close (awaiting closure), or rejected, merged or closed once final';
COMMENT ON COLUMN @extschema@.cases.stage_started_at IS 'when the current stage started';
COMMENT ON COLUMN @extschema@.cases.stage_deadline IS
    'when the current stage must end, suspensions added; NULL once verified or final; set a later one to extend';
COMMENT ON COLUMN @extschema@.cases.stage_limit_unit IS
    'how the current stage''s limit is counted: working_day, working_hour or clock_hour';
COMMENT ON COLUMN @extschema@.cases.stage_paused_seconds IS
    'seconds the current stage was suspended, in working time (clock time for clock_hour): how much later its deadline moved';
COMMENT ON COLUMN @extschema@.cases.suspended_at IS 'when the case was suspended (挂账); NULL unless it is suspended';
COMMENT ON COLUMN @extschema@.cases.suspended_seconds IS 'seconds of clock time the case spent suspended, all suspensions together';
COMMENT ON COLUMN @extschema@.cases.reported_at IS 'when it was reported (上报)';
COMMENT ON COLUMN @extschema@.cases.accepted_at IS 'when it was accepted (受理/立案)';
COMMENT ON COLUMN @extschema@.cases.dispatched_at IS 'when it was last dispatched (派遣) or escalated';
COMMENT ON COLUMN @extschema@.cases.resolved_at IS 'when it was resolved; NULL again after a reopening';
COMMENT ON COLUMN @extschema@.cases.verified_at IS 'when it was verified (核查)';
COMMENT ON COLUMN @extschema@.cases.closed_at IS 'when it became final: closed (结案), rejected or merged';
COMMENT ON COLUMN @extschema@.cases.escalations IS 'times escalated (升级), at intake by severity included';
COMMENT ON COLUMN @extschema@.cases.reopenings IS 'times reopened (返工)';
COMMENT ON COLUMN @extschema@.cases.extensions IS 'times extended (延期)';
COMMENT ON COLUMN @extschema@.cases.returns IS 'times returned (退回) by a service point';
COMMENT ON COLUMN @extschema@.cases.duplicate_of IS 'the case this one was merged into';
COMMENT ON COLUMN @extschema@.cases.linked_cases IS
    'the earlier cases of the same category and grid whose number made this report an early warning';
COMMENT ON COLUMN @extschema@.cases.warning IS 'true when the report raised an early warning (矛盾预警)';
COMMENT ON COLUMN @extschema@.cases.satisfaction IS 'the reporter''s rating at closure, 1 (worst) to 5 (best)';
COMMENT ON COLUMN @extschema@.cases.evaluation IS 'the reporter''s comment at closure (评价)';
COMMENT ON COLUMN @extschema@.cases.actor IS 'who made the last report or move';
COMMENT ON COLUMN @extschema@.cases.note IS 'the reason or note given with the last move; NULL when it gave none';
COMMENT ON COLUMN @extschema@.cases.moved_at IS 'when the last report or move happened';
COMMENT ON COLUMN @extschema@.cases.last_action IS
    'the last report or move: report, accept, reject, merge, dispatch, start, return, extend, suspend, resume, resolve, verify, reopen, close or escalate';
COMMENT ON COLUMN @extschema@.cases.escalation_trigger IS
    'why the last report or move escalated the case: severity, referral or overdue; NULL when it did not';
COMMENT ON COLUMN @extschema@.cases.history_seq IS 'seq of the case''s last row in case_history';
COMMENT ON COLUMN @extschema@.cases.history_hash IS 'hash of the case''s last row in case_history: the head of its chain';
COMMENT ON COLUMN @extschema@.case_history.district IS 'the case''s district';
COMMENT ON COLUMN @extschema@.case_history.case_id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.case_history.seq IS 'the row''s place in the case''s chain: 1 for the report, then one per move';
COMMENT ON COLUMN @extschema@.case_history.at IS 'when the report or move happened';
COMMENT ON COLUMN @extschema@.case_history.actor IS 'who made it';
COMMENT ON COLUMN @extschema@.case_history.action IS
    'report, or the move: accept, reject, merge, dispatch, start, return, extend, suspend, resume, resolve, verify, reopen, close or escalate';
COMMENT ON COLUMN @extschema@.case_history.from_status IS 'the status before the move; NULL for the report';
COMMENT ON COLUMN @extschema@.case_history.to_status IS 'the status after it';
COMMENT ON COLUMN @extschema@.case_history.handling_level IS
    'the handling level after it: 3 district, 4 subdistrict, 5 community';
COMMENT ON COLUMN @extschema@.case_history.service_point IS 'the service point handling the case after it';
COMMENT ON COLUMN @extschema@.case_history.escalation_trigger IS
    'severity, referral or overdue when it escalated the case; NULL otherwise';
COMMENT ON COLUMN @extschema@.case_history.note IS 'the reason or note given with it';
COMMENT ON COLUMN @extschema@.case_history.hash IS
    'SHA-256 over the previous row''s hash and this row''s fields (history_hash); verify_history() checks the chain';
COMMENT ON FUNCTION @extschema@.case_before_insert() IS
    'BEFORE INSERT row trigger on cases: routes a new case (grid, district, early warning, handling level, service point), starts its accept stage and links its first history row';
COMMENT ON FUNCTION @extschema@.case_before_update() IS
    'BEFORE UPDATE row trigger on cases: recognises the move an update makes, refuses an illegal or incomplete one (GG001, GG002) and fills in what the move implies';
COMMENT ON FUNCTION @extschema@.case_after_change() IS
    'AFTER UPDATE row trigger on cases: appends the move''s row to case_history and notifies gridgov_case';
COMMENT ON FUNCTION @extschema@.case_history_refuse_change() IS
    'trigger on case_history: refuses UPDATE, DELETE, TRUNCATE and every INSERT but the case engine''s (GG005)';
COMMENT ON FUNCTION @extschema@.case_after_intake() IS
    'AFTER INSERT statement trigger on cases: holds the new cases'' references, appends their first rows to case_history in one INSERT and notifies gridgov_case';
COMMENT ON FUNCTION @extschema@.accept(bigint, text, timestamptz, text) IS
    'move accept (受理): a reported case becomes accepted and its dispatch stage starts; note: an optional remark';
COMMENT ON FUNCTION @extschema@.reject(bigint, text, timestamptz, text) IS
    'move reject: a reported case becomes rejected, final; reason: why, required';
COMMENT ON FUNCTION @extschema@.merge(bigint, bigint, timestamptz, text) IS
    'move merge: a reported case becomes merged, final, as a duplicate of into_case, another existing case';
COMMENT ON FUNCTION @extschema@.dispatch(bigint, integer, timestamptz, text) IS
    'move dispatch (派遣): an accepted or returned case becomes dispatched and its resolve stage starts; service_point: the one to handle it instead of the routed one, serving the case''s unit or a unit above it';
COMMENT ON FUNCTION @extschema@.start(bigint, timestamptz, text) IS
    'move start: the service point takes up a dispatched case, which becomes in_progress';
COMMENT ON FUNCTION @extschema@.return_case(bigint, text, timestamptz, text) IS
    'move return (退回): the service point sends a dispatched case back; it becomes returned, to be dispatched again; reason: why, required';
COMMENT ON FUNCTION @extschema@.extend(bigint, timestamptz, text, timestamptz, text) IS
    'move extend (延期): an in_progress case stays in_progress with new_deadline, later than its stage deadline; reason: why, required';
COMMENT ON FUNCTION @extschema@.suspend(bigint, text, timestamptz, text) IS
    'move suspend (挂账): an in_progress case becomes suspended and its stage clock stops; reason: why, required';
COMMENT ON FUNCTION @extschema@.resume(bigint, timestamptz, text) IS
    'move resume: a suspended case becomes in_progress again, its stage deadline later by the time it was suspended';
COMMENT ON FUNCTION @extschema@.resolve(bigint, text, timestamptz, text) IS
    'move resolve (处置完成): an in_progress case becomes resolved and its verify stage starts; note: an optional remark';
COMMENT ON FUNCTION @extschema@.verify(bigint, text, timestamptz, text) IS
    'move verify (核查): a resolved case becomes verified and awaits closure, without a deadline; note: an optional remark';
COMMENT ON FUNCTION @extschema@.reopen(bigint, text, timestamptz, text) IS
    'move reopen (返工): a resolved case goes back to in_progress with a fresh resolve stage; reason: why, required';
COMMENT ON FUNCTION @extschema@.close(bigint, integer, text, timestamptz, text) IS
    'move close (结案): a verified case becomes closed, final; satisfaction: the reporter''s rating, 1 (worst) to 5 (best), and evaluation: their comment (评价), both optional';
COMMENT ON FUNCTION @extschema@.escalate(bigint, text, integer, timestamptz, text) IS
    'move escalate (升级) by referral: an accepted, dispatched, returned or in_progress case is dispatched one level up, or to to_level (4 subdistrict, 3 district) when that is higher, with a fresh resolve stage; reason: why, required';
COMMENT ON FUNCTION @extschema@.history_field(text) IS
    'one field of a history row''s canonical form, which history_hash hashes: its byte length, a colon, the text and a bar; -| for NULL';
COMMENT ON COLUMN @extschema@.case_clock.id IS 'the case''s id';
COMMENT ON COLUMN @extschema@.case_clock.district IS 'the case''s district';
COMMENT ON COLUMN @extschema@.case_clock.unit IS 'the case''s unit, usually a grid';
COMMENT ON COLUMN @extschema@.case_clock.status IS 'the case''s status';
COMMENT ON COLUMN @extschema@.case_clock.stage IS 'the open stage: accept, dispatch, resolve or verify';
COMMENT ON COLUMN @extschema@.case_clock.service_point IS 'the service point handling the case';
COMMENT ON COLUMN @extschema@.case_clock.stage_started_at IS 'when the stage started';
COMMENT ON COLUMN @extschema@.case_clock.stage_deadline IS 'when the stage must end, suspensions added';
COMMENT ON COLUMN @extschema@.case_clock.share_used IS
    'share of the stage''s limit used now, suspended time excluded: 0 to 1 in time, above 1 when overdue (3 decimals)';
COMMENT ON COLUMN @extschema@.case_clock.light IS 'traffic light: green, yellow from 80% of the limit used, red when overdue';
COMMENT ON COLUMN @extschema@.kpi_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.kpi_daily.unit IS 'the cases'' unit, usually a grid';
COMMENT ON COLUMN @extschema@.kpi_daily.category IS 'the cases'' category';
COMMENT ON COLUMN @extschema@.kpi_unit_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.kpi_unit_daily.unit IS 'a unit from district to grid: its cases and those of every unit below it';
COMMENT ON COLUMN @extschema@.kpi_unit_daily.level IS 'derived from unit: 3 district, 4 subdistrict, 5 community, 6 grid';
COMMENT ON COLUMN @extschema@.risk_weight.severity IS 'case severity, 1 to 4';
COMMENT ON COLUMN @extschema@.risk_weight.weight IS
    'what a case of this severity adds to a risk score at its report, before decay (0 or more)';
COMMENT ON COLUMN @extschema@.risk_setting.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN @extschema@.risk_color.color IS 'blue, yellow, orange or red';
COMMENT ON COLUMN @extschema@.risk_color.min_score IS 'the lowest risk score with this colour (0 or more; 0 for blue)';
COMMENT ON COLUMN @extschema@.risk_daily.day IS 'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.risk_daily.unit IS 'the cases'' unit, usually a grid';
COMMENT ON COLUMN @extschema@.risk_daily.severity IS 'the cases'' severity, 1 to 4';
COMMENT ON COLUMN @extschema@.risk_daily.cases IS 'the cases counted: reported that day, not rejected or merged';
COMMENT ON COLUMN @extschema@.risk_rollup.only_row IS 'always true: keeps the table to one row';
COMMENT ON COLUMN @extschema@.risk_rollup.through IS 'the last day in risk_daily: every day up to it is there';
COMMENT ON COLUMN @extschema@.risk_rollup.half_life IS 'the half-life risk_daily was computed with';
COMMENT ON COLUMN @extschema@.risk_rollup.timezone IS 'the calendar zone (gridgov.calendar_timezone) of risk_daily''s days';
COMMENT ON COLUMN @extschema@.risk_rollup.refreshed_at IS 'when refresh_risk_daily() last wrote risk_daily';
COMMENT ON COLUMN @extschema@.daily_flow.day IS
    'the day the cases were reported, a date in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.daily_flow.unit IS 'the cases'' unit, usually a grid: its gridcode as text';
COMMENT ON COLUMN @extschema@.daily_flow.unit_name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.daily_flow.level IS 'the unit''s level: 1 province ... 6 grid, 7 building';
COMMENT ON COLUMN @extschema@.daily_flow.community IS
    'the community or village (level 5) of the unit, its gridcode as text';
COMMENT ON COLUMN @extschema@.daily_flow.community_name IS 'the community''s name';
COMMENT ON COLUMN @extschema@.daily_flow.subdistrict IS
    'the subdistrict or township (level 4) of the unit, its gridcode as text';
COMMENT ON COLUMN @extschema@.daily_flow.subdistrict_name IS 'the subdistrict''s name';
COMMENT ON COLUMN @extschema@.daily_flow.district IS
    'the district or county (level 3) of the unit, its gridcode as text';
COMMENT ON COLUMN @extschema@.daily_flow.district_name IS 'the district''s name';
COMMENT ON COLUMN @extschema@.daily_flow.category IS 'the cases'' category (category.code)';
COMMENT ON COLUMN @extschema@.daily_flow.category_name IS 'the category''s name';
COMMENT ON COLUMN @extschema@.daily_flow.received IS '受理数: cases reported';
COMMENT ON COLUMN @extschema@.daily_flow.accepted IS '立案数: of them, cases accepted';
COMMENT ON COLUMN @extschema@.daily_flow.dispatched IS 'of them, cases dispatched';
COMMENT ON COLUMN @extschema@.daily_flow.due_to_close IS
    '应结案数: of them, cases closed, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN @extschema@.daily_flow.closed IS '结案数: of them, cases closed';
COMMENT ON COLUMN @extschema@.daily_flow.closed_on_time IS
    '按期结案数: of them, cases closed without a missed stage deadline';
COMMENT ON COLUMN @extschema@.daily_flow.reworked IS '返工数: of them, cases reopened at least once';
COMMENT ON COLUMN @extschema@.daily_flow.extended IS '延期数: of them, cases extended at least once';
COMMENT ON COLUMN @extschema@.daily_flow.returned IS '退回数: of them, cases returned at least once';
COMMENT ON COLUMN @extschema@.daily_flow.escalated IS
    '升级数: of them, cases escalated at least once, at intake included';
COMMENT ON COLUMN @extschema@.daily_flow.settled_in_community IS
    '社区化解数: of them, cases closed at community level (handling_level 5)';
COMMENT ON COLUMN @extschema@.daily_flow.open_at_refresh IS
    '在办数: of them, cases open at the rollup''s refresh';
COMMENT ON COLUMN @extschema@.daily_flow.overdue_at_refresh IS
    '超期数: of them, cases open and overdue at the rollup''s refresh';
COMMENT ON COLUMN @extschema@.daily_flow.evaluated IS '评价数: of them, cases closed with a satisfaction';
COMMENT ON COLUMN @extschema@.daily_flow.satisfied IS
    '满意数: of them, cases closed with a satisfaction of 4 or 5';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.month IS
    'the month the cases were reported: its first day, months in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.unit IS 'the unit''s gridcode as text';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.level_name IS
    'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.received IS '受理数: cases reported';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.accepted IS '立案数: cases accepted';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.dispatched IS 'cases dispatched';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.due_to_close IS
    '应结案数: cases closed, and cases accepted, open and overdue at the refresh';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.closed IS '结案数: cases closed';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.closure_rate IS
    '结案率: closed / due_to_close, a share 0 to 1 (4 places); NULL when nothing was due';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.closed_on_time IS
    '按期结案数: cases closed without a missed stage deadline';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.on_time_rate IS
    '按期结案率: closed_on_time / closed, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.reworked IS '返工数: cases reopened at least once';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.rework_rate IS
    '返工率: reworked / closed, a fraction (4 places), above 1 only when reopened cases are not closed again';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.extended IS '延期数: cases extended at least once';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.extension_rate IS
    '延期率: extended / dispatched, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.returned IS '退回数: cases returned at least once';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.escalated IS
    '升级数: cases escalated at least once, at intake included';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.escalation_rate IS
    '升级率: escalated / accepted, a fraction (4 places), above 1 only when cases escalated at intake were not accepted';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.settled_in_community IS
    '社区化解数: cases closed at community level (handling_level 5)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.community_share IS
    '小事不出村: settled_in_community / closed, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.open_at_refresh IS '在办数: cases open at the rollup''s refresh';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.overdue_at_refresh IS
    '超期数: cases open and overdue at the rollup''s refresh';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.satisfaction_mean IS
    '满意度: mean satisfaction of the evaluated cases, 1 to 5 (2 places)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.satisfied_share IS
    '满意率: cases rated 4 or 5 / cases rated, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.accept_hours_p50 IS
    'median working hours from report to acceptance (2 places, within 0.5%)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.accept_hours_p90 IS
    '90th percentile of working hours from report to acceptance (2 places, within 0.5%)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.close_hours_p50 IS
    'median working hours from report to closure (2 places, within 0.5%)';
COMMENT ON COLUMN @extschema@.unit_kpi_monthly.close_hours_p90 IS
    '90th percentile of working hours from report to closure (2 places, within 0.5%)';
COMMENT ON COLUMN @extschema@.service_point_monthly.month IS
    'the month the cases were reported: its first day, months in gridgov.calendar_timezone';
COMMENT ON COLUMN @extschema@.service_point_monthly.rank IS
    'rank among its peers (same level and department) by score, 1 the best, ties sharing; NULL below 10 cases received';
COMMENT ON COLUMN @extschema@.service_point_monthly.service_point IS 'the service point''s id';
COMMENT ON COLUMN @extschema@.service_point_monthly.name IS 'the service point''s name';
COMMENT ON COLUMN @extschema@.service_point_monthly.unit IS 'the unit it serves, its gridcode as text';
COMMENT ON COLUMN @extschema@.service_point_monthly.unit_name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.service_point_monthly.level IS
    'its level: 3 district, 4 subdistrict, 5 community';
COMMENT ON COLUMN @extschema@.service_point_monthly.department IS
    'its functional department; NULL for a general service point';
COMMENT ON COLUMN @extschema@.service_point_monthly.received IS
    'cases reported in the month and routed to it at intake';
COMMENT ON COLUMN @extschema@.service_point_monthly.closed IS '结案数: of them, cases closed';
COMMENT ON COLUMN @extschema@.service_point_monthly.closure_rate IS
    '结案率: closed / due to close, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.on_time_rate IS
    '按期结案率: closed on time / closed, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.satisfied_share IS
    '满意率: cases rated 4 or 5 / cases rated, a share 0 to 1 (4 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.satisfaction_mean IS
    '满意度: mean satisfaction of the rated cases, 1 to 5 (2 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.escalation_rate IS
    '升级率: escalated / accepted, a fraction (4 places)';
COMMENT ON COLUMN @extschema@.service_point_monthly.score IS
    'composite score, 0 to 100 (2 places): 100 * (0.30 closure_rate + 0.30 on_time_rate + 0.25 satisfied_share + 0.15 (1 - escalation_rate)), a missing rate counting as 0';
COMMENT ON COLUMN @extschema@.risk_map.name IS 'the unit''s name';
COMMENT ON COLUMN @extschema@.risk_map.level IS 'the unit''s level: 1 province ... 6 grid';
COMMENT ON COLUMN @extschema@.risk_map.level_name IS 'the level''s name: province, prefecture, county, township, village or grid';
COMMENT ON COLUMN @extschema@.risk_map.parent IS 'the gridcode of the unit above, as text';
COMMENT ON COLUMN @extschema@.risk_map.breadcrumb IS
    'the names from the province down to the unit, such as 广东省 › 深圳市 › 光明区';
COMMENT ON COLUMN @extschema@.risk_map.boundary IS
    'the unit''s area, a MultiPolygon in SRID 4326; NULL where the registry has none';

-- search_path: the map functions (issue 10).  Their bodies were resolved
-- when they were created, but PostGIS runs SQL of its own inside them:
-- ST_Transform looks the projections up in spatial_ref_sys, ST_AsGeoJSON
-- the name of a SRID, with operators left to the search_path.  So they
-- run under the search_path of the extension's scripts (gridgov, PostGIS's
-- schema, pg_temp last, pg_catalog implicitly first), like the PL/pgSQL
-- functions.
ALTER FUNCTION @extschema@.risk_tile(integer, integer, integer, integer, timestamptz)
    SET search_path FROM CURRENT;
ALTER FUNCTION @extschema@.risk_cell_tile(integer, integer, integer, integer, timestamptz)
    SET search_path FROM CURRENT;
ALTER FUNCTION @extschema@.risk_geojson(@extschema@.gridcode, timestamptz)
    SET search_path FROM CURRENT;


-- Cases: who moved a case and when come from the server; every edit of a
-- case's content is a move of its own; verify_history() accounts for every
-- history row.  (src/case_engine.c; docs/cases.md, "Actor and time",
-- "Edits" and "History".)

-- Dating moves and naming their actors is for the members of this role
-- (and superusers): importers of history from another system.  Roles belong
-- to the cluster, not to a database: it is created once, if missing, and
-- DROP EXTENSION leaves it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gridgov_importer') THEN
        CREATE ROLE gridgov_importer NOLOGIN;
        COMMENT ON ROLE gridgov_importer IS
            'gridgov: its members may give the time (not in the future) and the actor of reports and moves of cases';
    END IF;
END;
$$;

-- The content of a case (what, where, who reported it, how, the
-- evaluation), as a SHA-256 digest in every history row from 0.7.0 on, and
-- in the case row as the engine's link to it.  Digests, not values: the
-- reporter's personal data stays out of the append-only history.
ALTER TABLE @extschema@.cases ADD COLUMN history_content bytea;
COMMENT ON COLUMN @extschema@.cases.history_content IS
    'content digest of the case at its last move, as in that history row (kept by the engine)';
ALTER TABLE @extschema@.case_history ADD COLUMN content bytea;
COMMENT ON COLUMN @extschema@.case_history.content IS
    'SHA-256 of the case''s content after this move (content_digest); NULL in rows written before 0.7.0';

CREATE FUNCTION @extschema@.content_digest(c @extschema@.cases) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(pg_catalog.convert_to(
        @extschema@.history_field(c.unit::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.category) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.severity::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.channel) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.description) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.location::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.reporter::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.satisfaction::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(c.evaluation), 'UTF8'));
COMMENT ON FUNCTION @extschema@.content_digest(@extschema@.cases) IS
    'SHA-256 of a case''s unit, category, severity, channel, description, location, reporter, satisfaction and evaluation, in the history''s canonical form';

-- A row's content digest is chained when present: rows written before
-- 0.7.0 hash as they did.
CREATE OR REPLACE FUNCTION @extschema@.history_hash(previous bytea, h @extschema@.case_history) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN pg_catalog.sha256(COALESCE(previous, '\x'::bytea) OPERATOR(pg_catalog.||) pg_catalog.convert_to(
        @extschema@.history_field(h.case_id::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.seq::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field((EXTRACT(epoch FROM h.at) OPERATOR(pg_catalog.*) 1000000)::bigint::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.actor) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.action) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.from_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.to_status) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.handling_level::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.service_point::text) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.escalation_trigger) OPERATOR(pg_catalog.||)
        @extschema@.history_field(h.note) OPERATOR(pg_catalog.||)
        CASE WHEN h.content IS NULL THEN ''
             ELSE @extschema@.history_field(pg_catalog.encode(h.content, 'hex')) END, 'UTF8'));
COMMENT ON FUNCTION @extschema@.history_hash(bytea, @extschema@.case_history) IS
    'SHA-256 of a history row''s canonical content (its content digest included, when it has one) after the previous row''s hash';

-- Every history row is accounted for: by its chain, by its case, and the
-- case's content by its last row.
CREATE OR REPLACE FUNCTION @extschema@.verify_history()
    RETURNS TABLE (district @extschema@.gridcode, case_id bigint, seq integer, problem text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH chained AS (
        SELECT h.district, h.case_id, h.seq, h.hash,
               @extschema@.history_hash(pg_catalog.lag(h.hash) OVER w, h) AS recomputed,
               pg_catalog.lag(h.seq) OVER w AS previous_seq
          FROM @extschema@.case_history h
        WINDOW w AS (PARTITION BY h.district, h.case_id ORDER BY h.seq)
    ), problems AS (
        -- a history whose case is gone
        SELECT h.district, h.case_id, pg_catalog.min(h.seq) AS seq, 0 AS rank,
               'the case of this history does not exist' AS problem
          FROM @extschema@.case_history h
         WHERE NOT EXISTS (SELECT FROM @extschema@.cases c
                            WHERE c.district OPERATOR(@extschema@.=) h.district
                              AND c.id OPERATOR(pg_catalog.=) h.case_id)
         GROUP BY h.district, h.case_id
        UNION ALL
        SELECT ch.district, ch.case_id, ch.seq, 1,
               CASE WHEN ch.seq OPERATOR(pg_catalog.<>) (COALESCE(ch.previous_seq, 0) OPERATOR(pg_catalog.+) 1)
                    THEN 'a row is missing before this one'
                    WHEN ch.hash OPERATOR(pg_catalog.<>) ch.recomputed
                    THEN 'the row''s content or its link to the previous row was changed' END
          FROM chained ch
        UNION ALL
        -- the chain is shorter than history_seq says, or ends elsewhere
        SELECT c.district, c.id, c.history_seq, 2, 'the history ends before the case''s last move'
          FROM @extschema@.cases c
         WHERE NOT EXISTS (SELECT FROM @extschema@.case_history h
                            WHERE h.district OPERATOR(@extschema@.=) c.district
                              AND h.case_id OPERATOR(pg_catalog.=) c.id
                              AND h.seq OPERATOR(pg_catalog.=) c.history_seq
                              AND h.hash OPERATOR(pg_catalog.=) c.history_hash)
        UNION ALL
        -- the case row's content is not what its last move left
        SELECT c.district, c.id, c.history_seq, 3, 'the case''s content differs from its last history row'
          FROM @extschema@.cases c
          JOIN @extschema@.case_history h
            ON h.district OPERATOR(@extschema@.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
           AND h.seq OPERATOR(pg_catalog.=) c.history_seq
         WHERE h.content OPERATOR(pg_catalog.<>) @extschema@.content_digest(c)
        UNION ALL
        -- the chain is longer than history_seq says
        SELECT h.district, h.case_id, pg_catalog.min(h.seq), 4, 'the history goes on after the case''s last move'
          FROM @extschema@.case_history h
          JOIN @extschema@.cases c
            ON c.district OPERATOR(@extschema@.=) h.district AND c.id OPERATOR(pg_catalog.=) h.case_id
         WHERE h.seq OPERATOR(pg_catalog.>) c.history_seq
         GROUP BY h.district, h.case_id
    )
    SELECT DISTINCT ON (p.district, p.case_id) p.district, p.case_id, p.seq, p.problem
      FROM problems p
     WHERE p.problem IS NOT NULL
     ORDER BY p.district, p.case_id, p.seq, p.rank;
END;
COMMENT ON FUNCTION @extschema@.verify_history() IS
    'the first problem of every case whose history does not hold: a changed or missing row, a history shorter or longer than the case says, content changed behind the engine, or a history without its case; no rows when all hold';

-- case_clock's SQL-standard body expanded c.* into the columns of its
-- time: it is made again, as it was.
CREATE OR REPLACE FUNCTION @extschema@.case_clock(as_of timestamptz)
    RETURNS TABLE (id bigint, district @extschema@.gridcode, unit @extschema@.gridcode, status text,
                   stage text, service_point integer, stage_started_at timestamptz,
                   stage_deadline timestamptz, share_used numeric, light text)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.id, s.district, s.unit, s.status, s.stage, s.service_point, s.stage_started_at, s.stage_deadline,
           pg_catalog.round(s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1), 3),
           CASE WHEN COALESCE(s.suspended_at, as_of) OPERATOR(pg_catalog.>) s.stage_deadline THEN 'red'
                WHEN s.used::numeric OPERATOR(pg_catalog./) GREATEST(s.budget, 1) OPERATOR(pg_catalog.>=) 0.8 THEN 'yellow'
                ELSE 'green' END
      FROM (SELECT c.*,
                   @extschema@.working_span(c.stage_started_at, c.stage_deadline, c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS budget,
                   @extschema@.working_span(c.stage_started_at, COALESCE(c.suspended_at, as_of), c.stage_limit_unit)
                       OPERATOR(pg_catalog.-) c.stage_paused_seconds AS used
              FROM @extschema@.cases c
             WHERE c.stage_deadline IS NOT NULL) s;
END;

-- cases has a column more: the move functions, whose SQL-standard bodies
-- expanded SELECT * into the columns of their time, are made again, as
-- they were.
CREATE OR REPLACE FUNCTION @extschema@.accept(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'accepted', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.reject(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'rejected', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.merge(case_id bigint, into_case bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'merged', 'duplicate of ' OPERATOR(pg_catalog.||) into_case, at, actor, duplicate_of => into_case); END;
CREATE OR REPLACE FUNCTION @extschema@.dispatch(case_id bigint, service_point integer DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'dispatched', NULL, at, actor, service_point => service_point); END;
CREATE OR REPLACE FUNCTION @extschema@.start(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'start', 'dispatched'); END;
CREATE OR REPLACE FUNCTION @extschema@.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'returned', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.extend(case_id bigint, new_deadline timestamptz, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'extend', 'in_progress', deadline => new_deadline); END;
CREATE OR REPLACE FUNCTION @extschema@.suspend(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'suspended', reason, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.resume(case_id bigint, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', NULL, at, actor, 'resume', 'suspended'); END;
CREATE OR REPLACE FUNCTION @extschema@.resolve(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'resolved', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.verify(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'verified', note, at, actor); END;
CREATE OR REPLACE FUNCTION @extschema@.reopen(case_id bigint, reason text, at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'in_progress', reason, at, actor, 'reopen', 'resolved'); END;
CREATE OR REPLACE FUNCTION @extschema@.close(case_id bigint, satisfaction integer DEFAULT NULL, evaluation text DEFAULT NULL,
                                  at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, 'closed', NULL, at, actor,
                                                   satisfaction => satisfaction, evaluation => evaluation); END;
CREATE OR REPLACE FUNCTION @extschema@.escalate(case_id bigint, reason text, to_level integer DEFAULT NULL,
                                     at timestamptz DEFAULT NULL, actor text DEFAULT NULL)
    RETURNS @extschema@.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC SELECT * FROM @extschema@.apply_move(case_id, NULL, reason, at, actor, 'escalate',
                                                   level => to_level, escalation_trigger => 'referral'); END;
-- Bounded inputs (issue 10): checks that SQL functions take first, true
-- or the error, so that a level that is no level, or a point that is no
-- point on the globe (NaN, out of range), is refused at once with the
-- parameter named (src/gridcode.c, gridcell.c, gridcell_postgis.c); the
-- functions that take them; import_units says what is wrong with its source.

CREATE FUNCTION @extschema@.check_gridcode_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_gridcode_level(integer, text) IS
    'true for a gridcode level (1 province to 7 building); an error (22023) naming the parameter otherwise';

CREATE FUNCTION @extschema@.check_gridcell_level(level integer, parameter text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_level_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_gridcell_level(integer, text) IS
    'true for a gridcell level (1 to 10); an error (22023) naming the parameter otherwise';

CREATE FUNCTION @extschema@.check_point(point geometry, caller text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcell_check_point' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_point(geometry, text) IS
    'true for a non-empty point in SRID 4326 with a finite longitude (-180 to 180) and latitude (-90 to 90); an error (22023) naming the caller otherwise';

CREATE OR REPLACE FUNCTION @extschema@.descendants(@extschema@.gridcode, max_level integer DEFAULT 7)
    RETURNS SETOF @extschema@.unit
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1000
BEGIN ATOMIC
    SELECT u.* FROM @extschema@.unit u
     WHERE @extschema@.check_gridcode_level($2, 'max_level')
       AND u.code OPERATOR(@extschema@.<@) $1 AND u.code OPERATOR(@extschema@.<>) $1
       AND u.level OPERATOR(pg_catalog.<=) $2 AND @extschema@.unit_is_current(u)
     ORDER BY u.code;
END;
COMMENT ON FUNCTION @extschema@.descendants(@extschema@.gridcode, integer) IS
    'registered units below a code, down to max_level (1 to 7), in code order';

CREATE OR REPLACE FUNCTION @extschema@.unit_at(point geometry, level integer) RETURNS @extschema@.unit
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    found @extschema@.unit;
BEGIN
    -- gridcell()'s checks: a non-empty point in SRID 4326 with coordinates
    -- in range (a NaN would be covered by no boundary and go unnoticed)
    PERFORM @extschema@.check_gridcode_level(level, 'level');
    PERFORM @extschema@.check_point(point, 'unit_at()');
    SELECT u.* INTO found FROM @extschema@.unit u
     WHERE u.level OPERATOR(pg_catalog.=) unit_at.level
       AND ST_Covers(u.boundary, point) AND @extschema@.unit_is_current(u)
     ORDER BY u.code
     LIMIT 1;
    RETURN found;
END;
$$;
COMMENT ON FUNCTION @extschema@.unit_at(geometry, integer) IS
    'the current unit at a level whose boundary covers a point (SRID 4326, finite coordinates in range)';

CREATE OR REPLACE FUNCTION @extschema@.import_units(source regclass) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    inserted bigint;
    needed text;
BEGIN
    -- what is wrong with the source, instead of a syntax error or a missing
    -- column deep in the query below
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', source::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) source AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
        RAISE EXCEPTION '% is not a table or view', source
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'import_units reads a table, view, materialized view or foreign table with columns code and name.';
    END IF;
    FOREACH needed IN ARRAY ARRAY['code', 'name'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) source AND a.attname OPERATOR(pg_catalog.=) needed
                          AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'relation % has no column "%"', source, needed
                USING ERRCODE = 'undefined_column',
                      HINT = 'import_units reads a column code (a gridcode in any spelling) and a column name.';
        END IF;
    END LOOP;
    EXECUTE pg_catalog.format($sql$
        INSERT INTO @extschema@.unit (code, name, properties)
        SELECT DISTINCT ON (s.code) s.code, COALESCE(NULLIF(s.short_name, ''), s.name),
               pg_catalog.jsonb_build_object('nbs_name', s.name)
          FROM (SELECT pg_catalog.btrim(src.code::text)::@extschema@.gridcode AS code,
                       pg_catalog.length(pg_catalog.btrim(src.code::text)) AS spelling,
                       src.name::text AS name,
                       pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                           src.name::text,
                           '村?村(民委员会|民委会|委会)$', '村'),
                           '(居民委员会|居委委员会|居委员会|居委会)$', ''),
                           '社区委员会$', '社区') AS short_name
                  FROM %s AS src) AS s
         ORDER BY s.code, s.spelling
        ON CONFLICT (code) DO NOTHING
    $sql$, source);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END;
$$;
COMMENT ON FUNCTION @extschema@.import_units(regclass) IS
    'insert units from a table with text columns code and name; returns the number inserted';

-- working_span in C (src/calendar.c): an unknown limit unit is refused as
-- deadline() refuses it, instead of being counted as working time.

CREATE OR REPLACE FUNCTION @extschema@.working_span(from_time timestamptz, to_time timestamptz, limit_unit text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_working_span' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.working_span(timestamptz, timestamptz, text) IS
    'seconds between two instants counted in a limit unit''s way: working time for working_day and working_hour, clock time for clock_hour; another unit is refused';

-- Risk's bounds: as_of from 2000-01-01 UTC up to 2200-01-01 UTC (22008)
-- checked before any work, unit and cell levels, scores (no NaN); the
-- rollup and risk_scores decay with the aggregate's formula, which gives 0
-- where float8 ^ underflows; the rollup holds days that have ended.

CREATE FUNCTION @extschema@.check_risk_time(as_of timestamptz) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_risk_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_risk_time(timestamptz) IS
    'true for an instant risk is computed at, from 2000-01-01 00:00 UTC up to, not including, 2200-01-01 UTC; an error (22008) otherwise';

CREATE FUNCTION @extschema@.check_risk_score(score float8) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_check_risk_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_risk_score(float8) IS
    'true for a risk score of zero or more; an error (22023) for NaN and negative numbers';

CREATE FUNCTION @extschema@.risk_decay(seconds float8, half_life_seconds float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'gridgov_risk_decay' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.risk_decay(float8, float8) IS
    '2^(-seconds / half_life_seconds): the factor a risk contribution is multiplied by after that many seconds; 0 when it is below the smallest float8';

CREATE OR REPLACE FUNCTION @extschema@.risk_thresholds(level integer DEFAULT NULL)
    RETURNS TABLE (color text, min_score float8)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 4
BEGIN ATOMIC
    WITH chosen AS (
        -- the level's own rows, else the rows for every level, else built in
        SELECT rc.color, rc.min_score, 1 AS source
          FROM @extschema@.risk_color rc WHERE rc.level OPERATOR(pg_catalog.=) risk_thresholds.level
        UNION ALL
        SELECT rc.color, rc.min_score, 2 FROM @extschema@.risk_color rc WHERE rc.level IS NULL
        UNION ALL
        SELECT d.color, d.min_score, 3
          FROM (VALUES ('blue', 0::float8), ('yellow', 50), ('orange', 100), ('red', 200)) AS d(color, min_score)
    ), first_source AS (
        SELECT pg_catalog.min(ch.source) AS source FROM chosen ch
    )
    SELECT ch.color, ch.min_score
      FROM chosen ch JOIN first_source f ON ch.source OPERATOR(pg_catalog.=) f.source
     WHERE risk_thresholds.level IS NULL OR @extschema@.check_gridcode_level(risk_thresholds.level, 'level')
     ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], ch.color);
END;
COMMENT ON FUNCTION @extschema@.risk_thresholds(integer) IS
    'the colour thresholds in force at a unit level: its rows in gridgov.risk_color, else those with level NULL, else blue 0, yellow 50, orange 100, red 200';

CREATE OR REPLACE FUNCTION @extschema@.risk_color(score float8, level integer DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN score IS NULL OR NOT @extschema@.check_risk_score(score) THEN NULL
                ELSE COALESCE((SELECT t.color
                                 FROM @extschema@.risk_thresholds(risk_color.level) t
                                WHERE t.min_score OPERATOR(pg_catalog.<=) score
                                ORDER BY pg_catalog.array_position(ARRAY['blue', 'yellow', 'orange', 'red'], t.color) DESC
                                LIMIT 1), 'blue') END;
END;
COMMENT ON FUNCTION @extschema@.risk_color(float8, integer) IS
    'warning colour of a score (blue, yellow, orange, red) by the thresholds in force at a unit level (NULL: the thresholds for every level); NaN and negative scores are refused';

CREATE OR REPLACE FUNCTION @extschema@.refresh_risk_daily(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    zone constant text := @extschema@.calendar_timezone();
    half_life_seconds constant float8 := EXTRACT(epoch FROM @extschema@.risk_half_life())::float8;
    usable date;
    first_day date;
    written bigint;
BEGIN
    -- the rollup holds whole days: one that has not ended would stay short
    IF to_day OPERATOR(pg_catalog.>=) @extschema@.risk_day(pg_catalog.now()) THEN
        RAISE EXCEPTION 'to_day % has not ended yet', to_day
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The risk rollup holds the days that have ended in gridgov.calendar_timezone: refresh up to yesterday at most.';
    END IF;
    -- one refresh at a time; readers go on reading the previous rollup
    LOCK TABLE @extschema@.risk_daily, @extschema@.risk_rollup IN EXCLUSIVE MODE;
    to_day := COALESCE(to_day, @extschema@.risk_day(pg_catalog.now()) OPERATOR(pg_catalog.-) 1);
    usable := @extschema@.risk_rollup_through();
    IF usable IS NULL THEN
        -- nothing usable: rebuild from the first case
        SELECT @extschema@.risk_day(pg_catalog.min(c.reported_at)) INTO first_day FROM @extschema@.cases c;
        from_day := LEAST(from_day, first_day, to_day);
        from_day := COALESCE(from_day, first_day, to_day);
        DELETE FROM @extschema@.risk_daily;
    ELSE
        -- by default the last 7 days again: rejections and merges come late
        from_day := COALESCE(from_day, LEAST(usable, to_day) OPERATOR(pg_catalog.-) 6);
        IF from_day OPERATOR(pg_catalog.>) (usable OPERATOR(pg_catalog.+) 1) THEN
            RAISE EXCEPTION 'refreshing from % would leave a gap after %, the last day of the risk rollup',
                            from_day, usable
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = pg_catalog.format('Refresh from %s or earlier.', usable OPERATOR(pg_catalog.+) 1);
        END IF;
        DELETE FROM @extschema@.risk_daily d
         WHERE d.day OPERATOR(pg_catalog.>=) from_day AND d.day OPERATOR(pg_catalog.<=) to_day;
    END IF;
    IF from_day OPERATOR(pg_catalog.>) to_day THEN
        RAISE EXCEPTION 'from_day % is after to_day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO @extschema@.risk_daily (day, unit, severity, cases, mass)
    SELECT k.day, k.unit, k.severity, pg_catalog.count(*),
           pg_catalog.sum(@extschema@.risk_decay(EXTRACT(epoch FROM @extschema@.risk_day_end(k.day) OPERATOR(pg_catalog.-) k.reported_at)::float8,
                                                 half_life_seconds))
      FROM (SELECT @extschema@.risk_day(c.reported_at) AS day, c.unit, c.severity, c.reported_at
              FROM @extschema@.cases c
             WHERE c.reported_at OPERATOR(pg_catalog.>=) @extschema@.risk_day_end(from_day OPERATOR(pg_catalog.-) 1)
               AND c.reported_at OPERATOR(pg_catalog.<) @extschema@.risk_day_end(to_day)
               AND c.status NOT IN ('rejected', 'merged')) k
     GROUP BY k.day, k.unit, k.severity;
    GET DIAGNOSTICS written = ROW_COUNT;

    INSERT INTO @extschema@.risk_rollup (through, half_life, timezone, refreshed_at)
    VALUES (GREATEST(usable, to_day), @extschema@.risk_half_life(), zone, pg_catalog.now())
    ON CONFLICT (only_row) DO UPDATE
       SET through = EXCLUDED.through, half_life = EXCLUDED.half_life,
           timezone = EXCLUDED.timezone, refreshed_at = EXCLUDED.refreshed_at;
    RETURN written;
END;
$$;
COMMENT ON FUNCTION @extschema@.refresh_risk_daily(date, date) IS
    'recompute gridgov.risk_daily from from_day (default: 6 days before its last day, or the first case when it is not usable) to to_day (default: yesterday; a day that has not ended is refused); returns the rows written';

CREATE OR REPLACE FUNCTION @extschema@.risk_scores(under @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now(),
                                        max_level integer DEFAULT 6)
    RETURNS TABLE (unit @extschema@.gridcode, score float8, cases bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    WITH settings AS (
        -- last_day NULL without a usable rollup: everything from the cases
        SELECT CASE WHEN r.through IS NOT NULL
                    THEN LEAST(r.through, @extschema@.risk_day(as_of) OPERATOR(pg_catalog.-) 1) END AS last_day,
               EXTRACT(epoch FROM @extschema@.risk_half_life())::float8 AS half_life,
               @extschema@.risk_weights() AS weights
          FROM (SELECT @extschema@.risk_rollup_through() AS through) r
    ), levels AS (
        SELECT l.level FROM pg_catalog.generate_series(@extschema@.level(under), LEAST(max_level, 7)) AS l(level)
    ), decay AS (
        -- per day of the rollup, the decay from its end to as_of
        SELECT g.day::date AS day,
               @extschema@.risk_decay(EXTRACT(epoch FROM as_of OPERATOR(pg_catalog.-) @extschema@.risk_day_end(g.day::date))::float8,
                                      s.half_life) AS factor
          FROM settings s
         CROSS JOIN LATERAL pg_catalog.generate_series(
               (SELECT pg_catalog.min(d.day) FROM @extschema@.risk_daily d)::timestamp,
               s.last_day::timestamp, interval '1 day') AS g(day)
    ), rolled_units AS (
        SELECT d.unit,
               pg_catalog.sum(d.mass OPERATOR(pg_catalog.*) s.weights[d.severity] OPERATOR(pg_catalog.*) f.factor) AS score,
               pg_catalog.sum(d.cases) AS cases
          FROM settings s
          JOIN @extschema@.risk_daily d ON d.day OPERATOR(pg_catalog.<=) s.last_day
          JOIN decay f ON f.day OPERATOR(pg_catalog.=) d.day
         WHERE d.unit OPERATOR(@extschema@.<@) under
         GROUP BY d.unit
    ), rolled AS (
        SELECT @extschema@.ancestor(r.unit, lv.level) AS unit, pg_catalog.sum(r.score) AS score,
               pg_catalog.sum(r.cases)::bigint AS cases
          FROM rolled_units r
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(r.unit)
         GROUP BY 1
    ), recent AS (
        SELECT @extschema@.ancestor(c.unit, lv.level) AS unit,
               @extschema@.risk(c, as_of) AS score,
               @extschema@.risk_cases(c, as_of) AS cases
          FROM settings s
          JOIN @extschema@.cases c
            ON c.reported_at OPERATOR(pg_catalog.>=) COALESCE(@extschema@.risk_day_end(s.last_day), '-infinity')
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
          JOIN levels lv ON lv.level OPERATOR(pg_catalog.<=) @extschema@.level(c.unit)
         WHERE c.unit OPERATOR(@extschema@.<@) under
         GROUP BY 1
    )
    -- the checks first: a bad as_of or max_level is refused before any work
    SELECT b.unit, pg_catalog.sum(b.score), pg_catalog.sum(b.cases)::bigint
      FROM (SELECT * FROM rolled UNION ALL SELECT * FROM recent) b
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcode_level(max_level, 'max_level')
       AND b.cases OPERATOR(pg_catalog.>) 0
     GROUP BY b.unit
     ORDER BY b.unit;
END;
COMMENT ON FUNCTION @extschema@.risk_scores(@extschema@.gridcode, timestamptz, integer) IS
    'risk score and counted cases at as_of (2000 to 2199) of a unit and of every unit below it down to max_level (1 to 7; units without cases left out), from the rollup and the cases after it';

CREATE OR REPLACE FUNCTION @extschema@.risk_cells(area @extschema@.gridcell, level integer,
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (cell @extschema@.gridcell, score float8, cases bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
BEGIN ATOMIC
    SELECT @extschema@.parent(c.cell, risk_cells.level),
           @extschema@.risk(c, as_of), @extschema@.risk_cases(c, as_of)
      FROM @extschema@.cases c
     WHERE @extschema@.check_risk_time(as_of) AND @extschema@.check_gridcell_level(risk_cells.level, 'level')
       AND c.cell OPERATOR(@extschema@.<@) area
       AND c.reported_at OPERATOR(pg_catalog.<=) as_of
     GROUP BY 1
    HAVING @extschema@.risk_cases(c, as_of) OPERATOR(pg_catalog.>) 0
     ORDER BY 1;
END;
COMMENT ON FUNCTION @extschema@.risk_cells(@extschema@.gridcell, integer, timestamptz) IS
    'risk score and counted cases at as_of of every Beidou cell at a level inside an area cell (cells without cases left out)';

CREATE OR REPLACE FUNCTION @extschema@.risk_geojson(unit @extschema@.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'type', 'FeatureCollection',
               'features', COALESCE(pg_catalog.jsonb_agg(f.feature ORDER BY f.code), '[]'::jsonb))
      FROM (SELECT ch.code,
                   pg_catalog.jsonb_build_object(
                       'type', 'Feature',
                       'id', ch.code::text,
                       'geometry', ST_AsGeoJSON(ch.boundary, 6)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'code', ch.code::text,
                           'name', ch.name,
                           'level', ch.level,
                           'score', pg_catalog.round(COALESCE(s.score, 0)::numeric, 3),
                           'color', @extschema@.risk_color(COALESCE(s.score, 0), ch.level),
                           'cases', COALESCE(s.cases, 0))) AS feature
              FROM @extschema@.children(unit) ch
              LEFT JOIN @extschema@.risk_scores(unit, as_of, LEAST(@extschema@.level(unit) OPERATOR(pg_catalog.+) 1, 7)) s
                     ON s.unit OPERATOR(@extschema@.=) ch.code) f
     WHERE @extschema@.check_risk_time(as_of);
END;
COMMENT ON FUNCTION @extschema@.risk_geojson(@extschema@.gridcode, timestamptz) IS
    'GeoJSON FeatureCollection of a unit''s current children with their risk score, colour and counted cases at as_of (default now)';

CREATE OR REPLACE FUNCTION @extschema@.risk_tile(z integer, x integer, y integer, level integer DEFAULT 6,
                                      as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326
         WHERE @extschema@.check_tile(z, x, y) AND @extschema@.check_risk_time(as_of)
           AND @extschema@.check_gridcode_level(risk_tile.level, 'level')
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(u.boundary, 3857), t.envelope, 4096, 64, true) AS geom,
               u.code::text AS code, u.name, u.level, COALESCE(rs.score, 0) AS score,
               @extschema@.risk_color(COALESCE(rs.score, 0), u.level) AS color, COALESCE(rs.cases, 0) AS cases
          FROM tile t
          JOIN @extschema@.unit u
            ON u.boundary && t.envelope_4326
           AND u.level OPERATOR(pg_catalog.=) risk_tile.level
           AND @extschema@.unit_is_current(u)
          LEFT JOIN LATERAL @extschema@.risk_scores(u.code, as_of, u.level) rs ON true
    )
    SELECT COALESCE((SELECT ST_AsMVT(f.*, 'risk', 4096, 'geom')
                       FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea);
END;
COMMENT ON FUNCTION @extschema@.risk_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk") of the current units at a level (default 6, grids) with their risk score, colour and counted cases at as_of';

CREATE OR REPLACE FUNCTION @extschema@.risk_cell_tile(z integer, x integer, y integer, cell_level integer DEFAULT NULL,
                                           as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH widths AS (
        SELECT w.level, w.degrees
          FROM (VALUES (1, 6.0), (2, 0.5), (3, 0.25), (4, 1 / 60.0), (5, 1 / 900.0),
                       (6, 1 / 1800.0), (7, 1 / 14400.0), (8, 1 / 115200.0),
                       (9, 1 / 921600.0), (10, 1 / 7372800.0)) AS w(level, degrees)
    ), tile AS (
        SELECT ST_TileEnvelope(z, x, y) AS envelope,
               ST_Transform(ST_TileEnvelope(z, x, y), 4326) AS envelope_4326,
               360.0 OPERATOR(pg_catalog./) (2::numeric OPERATOR(pg_catalog.^) z) AS degrees
         WHERE @extschema@.check_tile(z, x, y, cell_level) AND @extschema@.check_risk_time(as_of)
    ), levels AS (
        SELECT t.*, l.cell_level,
               -- the finest level at most cell_level whose cells are at least
               -- a quarter of the tile's width: a handful of ranges to read
               COALESCE((SELECT pg_catalog.max(w.level) FROM widths w
                          WHERE w.level OPERATOR(pg_catalog.<=) l.cell_level
                            AND w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 4)), 1) AS probe_level
          FROM tile t
         CROSS JOIN LATERAL (
               SELECT COALESCE(cell_level,
                               (SELECT pg_catalog.max(w.level) FROM widths w
                                 WHERE w.degrees OPERATOR(pg_catalog.>=) (t.degrees OPERATOR(pg_catalog./) 128)), 1)
                      AS cell_level) l
    ), cells AS (
        SELECT @extschema@.parent(c.cell, lv.cell_level) AS cell,
               @extschema@.risk(c, as_of) AS score, @extschema@.risk_cases(c, as_of) AS cases
          FROM levels lv
         CROSS JOIN LATERAL @extschema@.cover(lv.envelope_4326, lv.probe_level) probe
          JOIN @extschema@.cases c
            ON c.cell OPERATOR(@extschema@.<@) probe.cell
           AND c.reported_at OPERATOR(pg_catalog.<=) as_of
         GROUP BY 1
    ), features AS (
        SELECT ST_AsMVTGeom(ST_Transform(@extschema@.boundary(ce.cell), 3857), lv.envelope, 4096, 64, true) AS geom,
               ce.cell::text AS cell, lv.cell_level AS level, ce.score,
               @extschema@.risk_color(ce.score, NULL) AS color, ce.cases
          FROM cells ce, levels lv
         WHERE ce.cases OPERATOR(pg_catalog.>) 0
    )
    SELECT CASE WHEN z IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL AND as_of IS NOT NULL
                THEN COALESCE((SELECT ST_AsMVT(f.*, 'risk_cells', 4096, 'geom')
                                 FROM features f WHERE f.geom IS NOT NULL), '\x'::bytea) END;
END;
COMMENT ON FUNCTION @extschema@.risk_cell_tile(integer, integer, integer, integer, timestamptz) IS
    'Mapbox vector tile z/x/y (layer "risk_cells") of the Beidou cells at a level (default: picked by zoom) holding cases, with their risk score, colour and counted cases at as_of';
