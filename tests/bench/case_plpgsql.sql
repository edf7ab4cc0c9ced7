-- The case engine's intake written in PL/pgSQL, as a competent user would
-- write it without gridgov's C triggers: the alternative that
-- tests/bench/case_bench.sql measures the engine against.
--
-- Schema plpg holds tables of the same shape as gridgov's (same columns,
-- defaults, CHECKs, indexes and foreign keys; the configuration rows are
-- copied, service point ids included, so results compare one to one).  The
-- unit registry (gridgov.unit, its polygons and GiST index) and the working
-- calendar's data (gridgov.calendar_day, gridgov.work_period) are shared;
-- the calendar arithmetic is re-implemented here (plpg.deadline), it does
-- not call gridgov's C calendar.
--
-- A BEFORE INSERT trigger routes the case: the grid covering the point
-- (ST_Covers over level-6 boundaries, GiST), the district, the early-warning
-- rule (same category in the same grid within the window raises severity
-- and links the earlier cases; with no row in warning_rule, the engine's
-- built-in rule: the third report in 7 days), the category rule (highest
-- severity not above the case's), the service point climbing from the
-- handling level, the escalation at intake, the accept deadline, and the
-- first link of the SHA-256 hash chain (the digest of the case's content
-- included), kept on the row like the engine does so the next move can
-- chain from it.  An AFTER INSERT trigger appends the
-- history row and sends a NOTIFY.  Every query is planned once per session
-- by PL/pgSQL.  The helpers that are SQL functions are written so that the
-- planner inlines them (a sha256 over a non-inlined helper per field cost
-- twice as much per row).
--
-- Needs gridgov's configuration loaded (tests/data/guangming_cases.sql).

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS plpg CASCADE;
CREATE SCHEMA plpg;

CREATE TABLE plpg.category (LIKE gridgov.category INCLUDING ALL);
CREATE TABLE plpg.category_rule (LIKE gridgov.category_rule INCLUDING ALL,
    FOREIGN KEY (category) REFERENCES plpg.category ON DELETE CASCADE);
CREATE TABLE plpg.service_point (LIKE gridgov.service_point INCLUDING ALL,
    FOREIGN KEY (unit) REFERENCES gridgov.unit (code));
CREATE TABLE plpg.warning_rule (LIKE gridgov.warning_rule INCLUDING ALL,
    FOREIGN KEY (category) REFERENCES plpg.category ON DELETE CASCADE);
INSERT INTO plpg.category SELECT * FROM gridgov.category;
INSERT INTO plpg.category_rule SELECT * FROM gridgov.category_rule;
INSERT INTO plpg.service_point (id, name, unit, department, location)
SELECT id, name, unit, department, location FROM gridgov.service_point;
INSERT INTO plpg.warning_rule SELECT * FROM gridgov.warning_rule;

-- LIKE ... INCLUDING ALL: columns, defaults, identity, CHECKs, the primary
-- key and the indexes (unit, category, reported_at), the due index, ...
CREATE TABLE plpg.cases (LIKE gridgov.cases INCLUDING ALL,
    FOREIGN KEY (unit) REFERENCES gridgov.unit (code),
    FOREIGN KEY (category) REFERENCES plpg.category,
    FOREIGN KEY (service_point) REFERENCES plpg.service_point);
CREATE TABLE plpg.case_history (LIKE gridgov.case_history INCLUDING ALL,
    FOREIGN KEY (district, case_id) REFERENCES plpg.cases (district, id));

-- Working time: Monday-Friday unless calendar_day says otherwise, the
-- periods of work_period on each workday, wall-clock in Asia/Shanghai.
-- Counting starts at `start` if it is inside a period, else at the next
-- period's start; a total that runs out exactly at a period's end gives
-- that end.  One query for the periods, one index probe per day walked.
-- The same answers as gridgov.deadline() for zones without DST changes.
CREATE FUNCTION plpg.deadline(start timestamptz, amount numeric, unit text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    tz constant text := 'Asia/Shanghai';
    starts time[];
    ends time[];
    day_seconds numeric;       -- working time of a workday
    need numeric;              -- seconds of working time still to count
    d date;
    workday boolean;
    s timestamptz;
    e timestamptz;
    span numeric;
BEGIN
    IF amount < 0 THEN
        RAISE EXCEPTION 'negative deadline amount %', amount USING ERRCODE = '22023';
    END IF;
    IF unit = 'clock_hour' THEN
        RETURN start + amount * interval '1 hour';
    END IF;
    SELECT array_agg(p.starts ORDER BY p.starts), array_agg(p.ends ORDER BY p.starts),
           sum(extract(epoch FROM p.ends - p.starts))
      INTO starts, ends, day_seconds FROM gridgov.work_period p;
    IF unit = 'working_hour' THEN
        need := amount * 3600;
    ELSIF unit = 'working_day' THEN
        need := amount * day_seconds;
    ELSE
        RAISE EXCEPTION 'unknown deadline unit "%"', unit USING ERRCODE = '22023';
    END IF;
    IF need = 0 THEN
        RETURN start;
    END IF;
    IF starts IS NULL THEN
        RAISE EXCEPTION 'no working periods' USING ERRCODE = '55000';
    END IF;
    d := (start AT TIME ZONE tz)::date;
    FOR i IN 1 .. 3653 LOOP
        SELECT c.is_workday INTO workday FROM gridgov.calendar_day c WHERE c.day = d;
        IF NOT FOUND THEN
            workday := extract(isodow FROM d) < 6;
        END IF;
        IF workday THEN
            FOR p IN 1 .. cardinality(starts) LOOP
                s := greatest(start, (d + starts[p]) AT TIME ZONE tz);
                e := (d + ends[p]) AT TIME ZONE tz;
                IF e > s THEN
                    span := extract(epoch FROM e - s);
                    IF need <= span THEN
                        RETURN s + need * interval '1 second';
                    END IF;
                    need := need - span;
                END IF;
            END LOOP;
        END IF;
        d := d + 1;
    END LOOP;
    RAISE EXCEPTION 'no workday within ten years after %', start USING ERRCODE = '55000';
END;
$$;

-- The canonical form of one field of a history row: its length in bytes,
-- a colon, the text and a bar; NULL as "-|".  Immutable all through, so
-- the planner inlines it.
CREATE FUNCTION plpg.hash_field(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(octet_length($1)::text || ':' || $1 || '|', '-|');

-- SHA-256 of a history link: the previous link's hash, then the fields,
-- the content digest last.  STABLE, not IMMUTABLE (convert_to and extract
-- from a timestamptz are stable), so that it is inlined into the calling
-- statement.
CREATE FUNCTION plpg.link_hash(previous bytea, case_id bigint, seq integer, at timestamptz, actor text,
                               action text, from_status text, to_status text, level integer,
                               service_point integer, escalation_trigger text, note text, content bytea)
    RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
    RETURN sha256(coalesce(previous, '\x'::bytea) || convert_to(
        plpg.hash_field(case_id::text) || plpg.hash_field(seq::text)
        || plpg.hash_field((extract(epoch FROM at) * 1000000)::bigint::text)
        || plpg.hash_field(actor) || plpg.hash_field(action) || plpg.hash_field(from_status)
        || plpg.hash_field(to_status) || plpg.hash_field(level::text) || plpg.hash_field(service_point::text)
        || plpg.hash_field(escalation_trigger) || plpg.hash_field(note)
        || coalesce(plpg.hash_field(encode(content, 'hex')), ''), 'UTF8'));

-- SHA-256 of the case's content (what, where, who reported it, how, the
-- evaluation), in the same canonical form.
CREATE FUNCTION plpg.content_digest(unit gridgov.gridcode, category text, severity smallint, channel text,
                                    description text, location geometry, reporter jsonb, satisfaction smallint,
                                    evaluation text)
    RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
    RETURN sha256(convert_to(
        plpg.hash_field(unit::text) || plpg.hash_field(category) || plpg.hash_field(severity::text)
        || plpg.hash_field(channel) || plpg.hash_field(description) || plpg.hash_field(location::text)
        || plpg.hash_field(reporter::text) || plpg.hash_field(satisfaction::text) || plpg.hash_field(evaluation), 'UTF8'));

CREATE FUNCTION plpg.case_before_insert() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    actor text := coalesce(nullif(current_setting('gridgov.actor', true), ''), current_user);
    warn_window interval;
    warn_threshold integer;
    earlier bigint[];
    rule record;
    start_level integer;
    point record;
BEGIN
    IF NEW.status IS DISTINCT FROM 'reported' THEN
        RAISE EXCEPTION 'case % cannot start as "%"', NEW.id, NEW.status USING ERRCODE = 'GG001';
    END IF;

    -- where: the grid covering the point, unless the caller named a unit
    IF NEW.unit IS NULL THEN
        IF NEW.location IS NULL THEN
            RAISE EXCEPTION 'case % has neither a location nor a unit', NEW.id USING ERRCODE = 'GG003';
        END IF;
        SELECT u.code INTO NEW.unit
          FROM gridgov.unit u
         WHERE u.level = 6 AND ST_Covers(u.boundary, NEW.location)
           AND (u.valid_to IS NULL OR u.valid_to > now())
         ORDER BY u.code LIMIT 1;
        IF NEW.unit IS NULL THEN
            RAISE EXCEPTION 'no grid covers the location of case %', NEW.id USING ERRCODE = 'GG003';
        END IF;
    END IF;
    NEW.district := gridgov.ancestor(NEW.unit, 3);
    IF NEW.district IS NULL THEN
        RAISE EXCEPTION 'case % must belong to a unit at or below a district', NEW.id USING ERRCODE = 'GG003';
    END IF;

    -- early warning: repeated reports of the category in the grid (the
    -- category's rule, else the general one, else the third in 7 days)
    NEW.reported_severity := NEW.severity;
    SELECT w.time_window, w.threshold INTO warn_window, warn_threshold
      FROM plpg.warning_rule w
     WHERE w.category = NEW.category OR w.category IS NULL
     ORDER BY w.category NULLS LAST LIMIT 1;
    IF NOT FOUND THEN
        warn_window := interval '7 days';
        warn_threshold := 3;
    END IF;
    SELECT array_agg(c.id ORDER BY c.id) INTO earlier
      FROM plpg.cases c
     WHERE c.unit OPERATOR(gridgov.=) NEW.unit AND c.category = NEW.category
       AND c.reported_at >= NEW.reported_at - warn_window AND c.reported_at <= NEW.reported_at
       AND c.status <> ALL ('{rejected,merged}');
    IF cardinality(earlier) >= warn_threshold - 1 THEN
        NEW.severity := least(NEW.severity + 1, 4);
        NEW.warning := true;
        NEW.linked_cases := earlier;
    END IF;

    -- how high: the rule of the highest severity not above the case's
    SELECT r.handling_level, r.limit_unit, r.accept_limit, c.department,
           (SELECT b.handling_level FROM plpg.category_rule b
             WHERE b.category = r.category AND b.severity = 1) AS base_level
      INTO rule
      FROM plpg.category_rule r JOIN plpg.category c ON c.code = r.category
     WHERE r.category = NEW.category AND r.severity <= NEW.severity
     ORDER BY r.severity DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no rule for category "%" at severity %', NEW.category, NEW.severity USING ERRCODE = 'GG003';
    END IF;

    -- to whom: the given service point if it serves the unit, else the one
    -- of the nearest unit above at or above the handling level (a
    -- department's cases start at the subdistrict at the lowest)
    IF NEW.service_point IS NOT NULL THEN
        SELECT sp.id, sp.level, sp.unit, sp.department INTO point
          FROM plpg.service_point sp WHERE sp.id = NEW.service_point;
        IF NOT FOUND OR NOT (point.unit OPERATOR(gridgov.@>) NEW.unit)
           OR (rule.department IS NOT NULL AND point.department IS DISTINCT FROM rule.department) THEN
            RAISE EXCEPTION 'service point % cannot take case %', NEW.service_point, NEW.id USING ERRCODE = 'GG003';
        END IF;
    ELSE
        start_level := CASE WHEN rule.department IS NULL THEN rule.handling_level
                            ELSE least(rule.handling_level, 4) END;
        SELECT sp.id, sp.level INTO point
          FROM plpg.service_point sp
         WHERE sp.unit OPERATOR(gridgov.@>) NEW.unit AND sp.level <= start_level
           AND sp.department IS NOT DISTINCT FROM rule.department
         ORDER BY sp.level DESC LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no service point for case % at level % or above', NEW.id, start_level USING ERRCODE = 'GG003';
        END IF;
    END IF;
    NEW.service_point := point.id;
    NEW.handling_level := point.level;
    IF rule.handling_level < rule.base_level THEN
        NEW.escalation_trigger := 'severity';
        NEW.escalations := 1;
    ELSE
        NEW.escalation_trigger := NULL;
    END IF;

    -- the accept stage's clock
    NEW.stage := 'accept';
    NEW.stage_started_at := NEW.reported_at;
    NEW.stage_limit_unit := rule.limit_unit;
    NEW.stage_paused_seconds := 0;
    NEW.stage_deadline := plpg.deadline(NEW.reported_at, rule.accept_limit, rule.limit_unit);

    -- the first link of the case's hash chain
    NEW.actor := actor;
    NEW.last_action := 'report';
    NEW.moved_at := NEW.reported_at;
    NEW.history_seq := 1;
    NEW.history_content := plpg.content_digest(NEW.unit, NEW.category, NEW.severity, NEW.channel, NEW.description,
                                               NEW.location, NEW.reporter, NEW.satisfaction, NEW.evaluation);
    NEW.history_hash := plpg.link_hash(NULL, NEW.id, 1, NEW.reported_at, actor, 'report', NULL, NEW.status,
                                       NEW.handling_level, NEW.service_point, NEW.escalation_trigger, NEW.note,
                                       NEW.history_content);
    RETURN NEW;
END;
$$;

CREATE FUNCTION plpg.case_after_insert() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO plpg.case_history (district, case_id, seq, at, actor, action, from_status, to_status,
                                   handling_level, service_point, escalation_trigger, note, hash, content)
    VALUES (NEW.district, NEW.id, NEW.history_seq, NEW.moved_at, NEW.actor, NEW.last_action, NULL, NEW.status,
            NEW.handling_level, NEW.service_point, NEW.escalation_trigger, NEW.note, NEW.history_hash,
            NEW.history_content);
    PERFORM pg_notify('plpg_case', json_build_object(
        'case', NEW.id, 'seq', NEW.history_seq, 'action', NEW.last_action, 'from', NULL, 'to', NEW.status)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_intake BEFORE INSERT ON plpg.cases
    FOR EACH ROW EXECUTE FUNCTION plpg.case_before_insert();
CREATE TRIGGER case_history AFTER INSERT ON plpg.cases
    FOR EACH ROW EXECUTE FUNCTION plpg.case_after_insert();
