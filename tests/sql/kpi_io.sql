-- kpi_state's text and binary forms: round trips (::text::kpi_state, COPY
-- in text and binary), what input is refused and how (22P02 for text, 22P03
-- for binary), that both refuse the same states and print and re-read
-- every state they take, size.
SET search_path = gridgov, public;

-- The text form is a JSON object; input takes the keys in any order and
-- counters left out are 0.
SELECT '{"version": 1, "received": 4, "closed": 4, "due_to_close": 4, "close_seconds": {"buckets": [[-5, 2], [100, 1]], "zero": 1}}'::kpi_state;
SELECT ' { "closed" : 2 , "due_to_close":2, "received": 2, "version":1 }'::kpi_state::text::kpi_state;

-- It round-trips exactly, and is valid JSON
CREATE TEMP TABLE state (id integer, k kpi_state);
INSERT INTO state VALUES
    (1, '{"version": 1}'),
    (2, '{"version": 1, "received": 9223372036854775807, "accepted": 9223372036854775807,
          "accept_seconds": {"zero": 9223372036854775806, "buckets": [[-2072, 1]]}}'),
    (3, '{"version": 1, "received": 5, "accepted": 4, "dispatched": 4, "due_to_close": 3, "closed": 3,
          "closed_on_time": 2, "reworked": 1, "extended": 1, "returned": 1, "escalated": 1,
          "settled_in_community": 2, "open_now": 1, "overdue_now": 1, "evaluated": 2, "satisfied": 1,
          "satisfaction_sum": 7, "accept_seconds": {"zero": 1, "buckets": [[0, 1], [640, 1], [4367, 1]]},
          "close_seconds": {"zero": 0, "buckets": [[1000, 2], [1001, 1]]}}');
SELECT id, k::text::kpi_state::text = k::text AS text_round_trip, (k::text::jsonb IS NOT NULL) AS valid_json,
       pg_column_size(k) AS bytes
  FROM state ORDER BY id;
SELECT k FROM state WHERE id = 3;

-- Binary: kpi_state_send, and COPY in binary out and back in
SELECT encode(kpi_state_send(k), 'hex') FROM state WHERE id = 1;
\copy state TO 'results/kpi_io_state.copy' WITH (FORMAT binary)
CREATE TEMP TABLE state_back (id integer, k kpi_state);
\copy state_back FROM 'results/kpi_io_state.copy' WITH (FORMAT binary)
\copy state TO 'results/kpi_io_state.txt'
\copy state_back FROM 'results/kpi_io_state.txt'
SELECT s.id, count(*) AS copies, bool_and(b.k::text = s.k::text) AS same,
       bool_and(kpi_state_send(b.k) = kpi_state_send(s.k)) AS same_binary
  FROM state s JOIN state_back b USING (id) GROUP BY s.id ORDER BY s.id;

-- Bad text input: SQLSTATE 22P02 and what is wrong, never a crash
CREATE FUNCTION pg_temp.try_kpi_state(input text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
BEGIN
    PERFORM input::gridgov.kpi_state;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ' ' || detail;
END $$;
SELECT input, pg_temp.try_kpi_state(input) AS result
  FROM (VALUES (''), ('{}'), ('[]'), ('{"version": 2}'), ('{"version": 1'), ('{"version": 1,}'),
               ('{"version": 1} x'), ('{"version": 1, "received": -1}'), ('{"version": 1, "received": 1.5}'),
               ('{"version": 1, "received": 1e3}'), ('{"version": 1, "received": "3"}'),
               ('{"version": 1, "received": 9223372036854775808}'),
               ('{"version": 1, "recieved": 3}'), ('{"version": 1, "received": 1, "received": 2}'),
               ('{"version": 1, "Received": 1}'), ('{"version": 1, "received": null}'),
               ('{"version": 1, "accept_seconds": 3}'), ('{"version": 1, "accept_seconds": {"zero": -1}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [[1, 0]]}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [[2, 1], [1, 1]]}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [[1, 1], [1, 1]]}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [[2147483648, 1]]}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [[1]]}}'),
               ('{"version": 1, "accept_seconds": {"buckets": [1, 1]}}'),
               ('{"version": 1, "accept_seconds": {"zero": 9223372036854775807, "buckets": [[1, 1]]}}'),
               ('{"version": 1, "accept_seconds": {"zero": 1, "zero": 2}}'),
               ('{"version": 1, "accept_seconds": {"sum": 1}}'),
               ('{"version": 1, "close_seconds": {"zero": 0, "buckets": []}, "close_seconds": {}}'),
               ('{"version": 1, "received": 3, "note": "一个很长的备注，一个很长的备注，一个很长的备注，一个很长的备注"}'))
       AS t(input);
-- Keys run from -2072 (1e-9) to 4367 (2^63): every bucket's estimate is a
-- number kpi_json and accept_hours can give (the issue's state, with key
-- 2^31 - 1, was taken, and then kpi_json failed on it).
SELECT input, pg_temp.try_kpi_state(input) AS result
  FROM (VALUES ('{"version": 1, "accept_seconds": {"zero": 0, "buckets": [[2147483647, 1]]}}'),
               ('{"version": 1, "received": 1, "accepted": 1, "accept_seconds": {"buckets": [[2147483647, 1]]}}'),
               ('{"version": 1, "received": 1, "accepted": 1, "accept_seconds": {"buckets": [[4368, 1]]}}'),
               ('{"version": 1, "received": 1, "accepted": 1, "accept_seconds": {"buckets": [[-2073, 1]]}}'))
       AS t(input);
SELECT accept_hours(k, 1) AS top_bucket_hours, accept_hours(k, 0) AS bottom_bucket_hours,
       kpi_json(k)->'accept_hours_p99' AS p99
  FROM (SELECT '{"version": 1, "received": 2, "accepted": 2, "accept_seconds": {"buckets": [[-2072, 1], [4367, 1]]}}'::kpi_state AS k) s;
-- States no set of cases has are refused, naming the counters: more
-- accepted, dispatched, escalated... than received; more closed and open
-- than received; overdue but not open; closed but not due; due but neither
-- closed nor overdue; on time, settled or evaluated but not closed;
-- satisfied but not evaluated; a satisfaction sum that is no sum of 1 to 5
-- per evaluated case (4 or 5 per satisfied one), such as a mean of 9.2e18;
-- more durations than accepted or closed cases.
SELECT input, pg_temp.try_kpi_state(input) AS result
  FROM (VALUES ('{"version": 1, "received": 1, "accepted": 2}'),
               ('{"version": 1, "dispatched": 1}'),
               ('{"version": 1, "received": 1, "escalated": 2}'),
               ('{"version": 1, "received": 3, "closed": 2, "due_to_close": 2, "open_now": 2}'),
               ('{"version": 1, "received": 3, "open_now": 1, "overdue_now": 2}'),
               ('{"version": 1, "received": 3, "closed": 2, "due_to_close": 1}'),
               ('{"version": 1, "received": 5, "closed": 1, "due_to_close": 4, "open_now": 2}'),
               ('{"version": 1, "received": 3, "closed": 1, "due_to_close": 1, "closed_on_time": 2}'),
               ('{"version": 1, "received": 3, "closed": 1, "due_to_close": 1, "settled_in_community": 2}'),
               ('{"version": 1, "received": 3, "closed": 1, "due_to_close": 1, "evaluated": 2, "satisfaction_sum": 2}'),
               ('{"version": 1, "received": 3, "closed": 1, "due_to_close": 1, "evaluated": 1, "satisfied": 2, "satisfaction_sum": 5}'),
               ('{"version": 1, "received": 1, "closed": 1, "due_to_close": 1, "evaluated": 1, "satisfaction_sum": 9223372036854775807}'),
               ('{"version": 1, "received": 1, "closed": 1, "due_to_close": 1, "evaluated": 1, "satisfaction_sum": 0}'),
               ('{"version": 1, "received": 2, "closed": 2, "due_to_close": 2, "evaluated": 2, "satisfied": 1, "satisfaction_sum": 4}'),
               ('{"version": 1, "received": 2, "closed": 2, "due_to_close": 2, "evaluated": 2, "satisfied": 1, "satisfaction_sum": 9}'),
               ('{"version": 1, "received": 2, "closed": 2, "due_to_close": 2, "evaluated": 2, "satisfied": 1, "satisfaction_sum": 5}'),
               ('{"version": 1, "received": 2, "closed": 2, "due_to_close": 2, "evaluated": 2, "satisfied": 1, "satisfaction_sum": 8}'),
               ('{"version": 1, "received": 2, "accepted": 1, "accept_seconds": {"zero": 1, "buckets": [[5, 1]]}}'),
               ('{"version": 1, "received": 2, "closed": 1, "due_to_close": 1, "close_seconds": {"buckets": [[5, 2]]}}'),
               ('{"version": 1, "received": 9223372036854775807, "closed": 9223372036854775807, "due_to_close": 9223372036854775807, "open_now": 9223372036854775807}'),
               ('{"version": 1, "received": 9223372036854775807, "closed": 9223372036854775807, "due_to_close": 9223372036854775807, "evaluated": 9223372036854775807, "satisfied": 9223372036854775807, "satisfaction_sum": 9223372036854775807}'))
       AS t(input);
-- as psql shows it
SELECT '{"version": 1, "closed": 2, "closed_on_time": 3.5}'::kpi_state;
SELECT 'not a state'::kpi_state;

-- Bad binary input: SQLSTATE 22P03 (08P01 when the message is cut short).
-- The bytes of a bytea written with COPY BINARY are read back as a kpi_state.
CREATE TEMP TABLE raw (b bytea);
CREATE TEMP TABLE cooked (k kpi_state);
CREATE FUNCTION pg_temp.try_kpi_binary(bytes bytea) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
BEGIN
    TRUNCATE raw, cooked;
    INSERT INTO raw VALUES (bytes);
    EXECUTE format('COPY raw TO %L WITH (FORMAT binary)', '/tmp/gridgov_kpi_io_' || pg_backend_pid() || '.copy');
    EXECUTE format('COPY cooked FROM %L WITH (FORMAT binary)', '/tmp/gridgov_kpi_io_' || pg_backend_pid() || '.copy');
    RETURN 'accepted: ' || (SELECT k::text FROM cooked);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN concat_ws(' ', state, message || ':', NULLIF(detail, ''));
END $$;
-- a good one first: version, 16 counters, two sketches (zero, n, buckets)
SELECT pg_temp.try_kpi_binary(kpi_state_send('{"version": 1, "received": 7, "due_to_close": 3, "closed": 3, "close_seconds": {"buckets": [[12, 3]]}}'))
       AS good;
SELECT what, pg_temp.try_kpi_binary(bytes) AS result
  FROM (VALUES ('version 2', '\x02'::bytea || substring(kpi_state_send('{"version": 1}') FROM 2)),
               ('a negative counter', '\x01ffffffffffffffff' || substring(kpi_state_send('{"version": 1}') FROM 10)),
               ('cut short', substring(kpi_state_send('{"version": 1}') FROM 1 FOR 20)),
               ('too many buckets', substring(kpi_state_send('{"version": 1}') FROM 1 FOR 137) || '\x00001000'::bytea),
               ('a bucket of no value', substring(kpi_state_send('{"version": 1}') FROM 1 FOR 137)
                    || '\x00000001' || '\x00000007' || '\x0000000000000000' || '\x000000000000000000000000'::bytea),
               ('keys descending', substring(kpi_state_send('{"version": 1}') FROM 1 FOR 137)
                    || '\x00000002' || '\x00000007' || '\x0000000000000001' || '\x00000006' || '\x0000000000000001'
                    || '\x000000000000000000000000'::bytea),
               ('a key beyond 2^63', substring(kpi_state_send('{"version": 1, "received": 1, "accepted": 1}') FROM 1 FOR 137)
                    || '\x00000001' || int4send(4368) || '\x0000000000000001' || '\x000000000000000000000000'::bytea),
               ('accepted, not received', '\x01'::bytea || int8send(0) || int8send(1)
                    || substring(kpi_state_send('{"version": 1}') FROM 18)),
               ('a mean satisfaction of 9.2e18', substring(kpi_state_send('{"version": 1, "received": 1, "closed": 1,
                    "due_to_close": 1, "evaluated": 1, "satisfaction_sum": 1}') FROM 1 FOR 121)
                    || int8send(9223372036854775807) || substring(kpi_state_send('{"version": 1}') FROM 130)))
       AS t(what, bytes);

-- Both inputs take the same states, and every state they take prints and
-- reads back the same, by text and by binary, and kpi_json gives its
-- figures: 400 states drawn at random, each a state some cases have, half
-- of them then with one number or key pushed to an edge (0, one more or
-- one less, 2^63 - 1, a key just inside or outside its range, two keys
-- swapped, a count of 0).
CREATE FUNCTION pg_temp.draw_state(draw integer, OUT counters bigint[], OUT zero bigint[], OUT keys int[], OUT counts bigint[],
                                   OUT splits int[], OUT pushed text)
    LANGUAGE plpgsql AS $$
DECLARE
    closed int := floor(random() * 6); open int := floor(random() * 4); ended int := floor(random() * 3);
    received int := closed + open + ended; overdue int := floor(random() * (open + 1));
    accepted int := floor(random() * (received + 1)); evaluated int := floor(random() * (closed + 1));
    satisfied int := floor(random() * (evaluated + 1)); edge bigint;
    s int; n int; k int; room int; which int;
BEGIN
    -- received, accepted, dispatched, due_to_close, closed, closed_on_time,
    -- reworked, extended, returned, escalated, settled_in_community,
    -- open_now, overdue_now, evaluated, satisfied, satisfaction_sum
    counters := ARRAY[received, accepted, floor(random() * (received + 1)),
                      closed + floor(random() * (overdue + 1)), closed, floor(random() * (closed + 1)),
                      floor(random() * (received + 1)), floor(random() * (received + 1)),
                      floor(random() * (received + 1)), floor(random() * (received + 1)),
                      floor(random() * (closed + 1)), open, overdue, evaluated, satisfied,
                      evaluated + 3 * satisfied + floor(random() * (2 * evaluated - satisfied + 1))];
    zero := '{}'; keys := '{}'; counts := '{}'; splits := '{1}';
    FOR s IN 1 .. 2 LOOP
        room := CASE s WHEN 1 THEN accepted ELSE closed END;
        zero := zero || floor(random() * (room + 1))::bigint;
        room := room - zero[s];
        k := -2072 + floor(random() * 40)::int;
        IF random() < 0.3 THEN k := 4367 - floor(random() * 5)::int; END IF;
        WHILE room > 0 AND random() < 0.7 AND k <= 4367 LOOP
            n := 1 + floor(random() * room);
            keys := keys || k; counts := counts || n::bigint; room := room - n;
            k := k + 1 + floor(random() * 900)::int;
        END LOOP;
        splits := splits || (cardinality(keys) + 1);
    END LOOP;
    pushed := 'nothing';
    IF random() < 0.5 THEN
        which := floor(random() * 7);
        edge := (ARRAY[0, 1, -1, 9223372036854775807])[1 + floor(random() * 4)];
        IF which < 4 THEN
            k := 1 + floor(random() * 16);
            counters[k] := CASE WHEN edge IN (1, -1) THEN greatest(counters[k] + edge, 0) ELSE greatest(edge, 0) END;
            pushed := 'counter ' || k || ' to ' || counters[k];
        ELSIF which = 4 AND cardinality(keys) > 0 THEN
            k := 1 + floor(random() * cardinality(keys));
            keys[k] := (ARRAY[-2073, -2072, 4367, 4368, 2147483647, -2147483648])[1 + floor(random() * 6)];
            pushed := 'key ' || k || ' to ' || keys[k];
        ELSIF which = 5 AND cardinality(keys) > 1 THEN
            k := 1 + floor(random() * (cardinality(keys) - 1));
            keys[k : k + 1] := ARRAY[keys[k + 1], keys[k]];
            pushed := 'keys ' || k || ' and ' || k + 1 || ' swapped';
        ELSIF cardinality(counts) > 0 THEN
            k := 1 + floor(random() * cardinality(counts));
            counts[k] := (ARRAY[0, 9223372036854775807])[1 + floor(random() * 2)];
            pushed := 'count ' || k || ' to ' || counts[k];
        END IF;
    END IF;
END $$;
-- the text and the binary form of a drawn state
CREATE FUNCTION pg_temp.state_text(counters bigint[], zero bigint[], keys int[], counts bigint[], splits int[])
    RETURNS text LANGUAGE sql AS $$
    SELECT '{"version": 1, ' || string_agg(format('"%s": %s', n, counters[i]), ', ' ORDER BY i)
           || (SELECT string_agg(format(', "%s": {"zero": %s, "buckets": [%s]}', sk, zero[s],
                                        coalesce((SELECT string_agg(format('[%s, %s]', keys[b], counts[b]), ', ' ORDER BY b)
                                                    FROM generate_series(splits[s], splits[s + 1] - 1) b), '')), ''
                                 ORDER BY s)
                 FROM unnest(ARRAY['accept_seconds', 'close_seconds']) WITH ORDINALITY AS t(sk, s)) || '}'
      FROM unnest(ARRAY['received', 'accepted', 'dispatched', 'due_to_close', 'closed', 'closed_on_time',
                        'reworked', 'extended', 'returned', 'escalated', 'settled_in_community',
                        'open_now', 'overdue_now', 'evaluated', 'satisfied', 'satisfaction_sum'])
           WITH ORDINALITY AS c(n, i) $$;
CREATE FUNCTION pg_temp.state_binary(counters bigint[], zero bigint[], keys int[], counts bigint[], splits int[])
    RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x01'::bytea || string_agg(int8send(counters[i]), ''::bytea ORDER BY i)
           || (SELECT string_agg(int8send(zero[s]) || int4send(splits[s + 1] - splits[s])
                                 || coalesce((SELECT string_agg(int4send(keys[b]) || int8send(counts[b]), ''::bytea ORDER BY b)
                                                FROM generate_series(splits[s], splits[s + 1] - 1) b), ''::bytea),
                                 ''::bytea ORDER BY s)
                 FROM generate_series(1, 2) s)
      FROM generate_series(1, 16) i $$;
-- the binary form read through COPY BINARY: the state's text, or NULL if refused
CREATE FUNCTION pg_temp.read_binary(bytes bytea) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN substring(pg_temp.try_kpi_binary(bytes) FROM '^accepted: (.*)$');
END $$;
CREATE FUNCTION pg_temp.read_text(input text) RETURNS gridgov.kpi_state
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN input::gridgov.kpi_state;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN NULL;
END $$;
SELECT setseed(0.2026);
CREATE TEMP TABLE drawn AS
SELECT g, d.pushed, pg_temp.state_text(d.counters, d.zero, d.keys, d.counts, d.splits) AS input,
       pg_temp.state_binary(d.counters, d.zero, d.keys, d.counts, d.splits) AS bytes
  FROM generate_series(1, 400) g, LATERAL pg_temp.draw_state(g) d;
CREATE TEMP TABLE read AS
SELECT g, pushed, input, bytes, pg_temp.read_text(input) AS k, pg_temp.read_binary(bytes) AS from_binary
  FROM drawn;
SELECT count(*) AS drawn,
       count(*) FILTER (WHERE pushed = 'nothing') AS consistent,
       count(*) FILTER (WHERE pushed = 'nothing' AND k IS NOT NULL) AS consistent_taken,
       count(DISTINCT input) AS different,
       count(*) FILTER (WHERE k IS NOT NULL) AS taken,
       count(*) FILTER (WHERE (k IS NULL) <> (from_binary IS NULL)) AS text_and_binary_disagree,
       count(*) FILTER (WHERE k::text <> from_binary) AS read_differently,
       count(*) FILTER (WHERE k::text::kpi_state::text <> k::text) AS text_round_trip_differs,
       count(*) FILTER (WHERE kpi_state_send(k) <> bytes) AS binary_round_trip_differs,
       count(*) FILTER (WHERE k IS NOT NULL AND (kpi_json(k) IS NULL OR kpi_json(k)::text ~ 'Infinity|NaN')) AS no_json
  FROM read;
\! rm -f /tmp/gridgov_kpi_io_*.copy

-- Compact: a day's state of a grid and a category is a few dozen bytes;
-- the largest, with every bucket, is compressed when stored.
SELECT pg_column_size('{"version": 1, "received": 5, "accepted": 4, "dispatched": 4, "due_to_close": 3, "closed": 3,
                        "accept_seconds": {"zero": 1, "buckets": [[640, 2], [750, 1]]},
                        "close_seconds": {"buckets": [[1000, 2], [1039, 1]]}}'::kpi_state) AS day_state_bytes;
CREATE TEMP TABLE big_state AS
SELECT format('{"version": 1, "received": %s, "due_to_close": %1$s, "closed": %1$s, "close_seconds": {"buckets": [%s]}}', 2048 * 3,
              string_agg(format('[%s, 3]', g), ', ' ORDER BY g))::kpi_state AS k
  FROM generate_series(1, 2048) g;
SELECT pg_column_size(k) AS stored_bytes, octet_length(kpi_state_send(k)) AS binary_bytes,
       pg_column_size(k) < octet_length(kpi_state_send(k)) / 4 AS compressed
  FROM big_state;
SELECT '{"version": 1, "close_seconds": {"buckets": [' ||
       (SELECT string_agg(format('[%s, 1]', g), ', ') FROM generate_series(1, 2049) g) || ']}}' AS too_many \gset
SELECT pg_temp.try_kpi_state(:'too_many');

-- Counting a case into a state whose counter is full: 22003 as for
-- kpi_combine, by each form of kpi_accum (the counter used to wrap round
-- and be packed as a value that then read back as corrupt, XX001).  A row
-- of cases from jsonb: the forms need no stored case.
\set VERBOSITY sqlstate
SELECT kpi_accum('{"version": 1, "received": 9223372036854775807}',
                 jsonb_populate_record(NULL::cases, '{"id": 1}'), '2026-11-27 17:00+08')::text;
\set VERBOSITY default
SELECT kpi_accum('{"version": 1, "received": 9223372036854775807}',
                 jsonb_populate_record(NULL::cases, '{"id": 1}'), '2026-11-27 17:00+08')::text;
SELECT kpi_accum('{"version": 1, "received": 9223372036854775807}',
                 jsonb_populate_record(NULL::cases, '{"id": 1}'))::text;
SELECT kpi_accum('{"version": 1, "received": 9223372036854775807}', 1, 'reported', NULL, NULL, NULL,
                 NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, '2026-11-27 17:00+08')::text;
-- and a satisfaction sum that a fifth case's 5 would take past 2^63 - 1
SELECT kpi_accum('{"version": 1, "received": 2000000000000000000, "closed": 2000000000000000000,
                   "due_to_close": 2000000000000000000, "evaluated": 2000000000000000000,
                   "satisfied": 2000000000000000000, "satisfaction_sum": 9223372036854775805}',
                 jsonb_populate_record(NULL::cases, '{"id": 1, "status": "closed", "satisfaction": 5}'))::text;
-- one short of full still counts
SELECT kpi_accum('{"version": 1, "received": 9223372036854775806}',
                 jsonb_populate_record(NULL::cases, '{"id": 1}'))::text;
