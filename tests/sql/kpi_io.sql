-- kpi_state's text and binary forms: round trips (::text::kpi_state, COPY
-- in text and binary), what input is refused and how (22P02 for text, 22P03
-- for binary), size.
SET search_path = gridgov, public;

-- The text form is a JSON object; input takes the keys in any order and
-- counters left out are 0.
SELECT '{"version": 1, "received": 3, "closed": 2, "close_seconds": {"buckets": [[-5, 2], [100, 1]], "zero": 1}}'::kpi_state;
SELECT ' { "closed" : 2 , "version":1 }'::kpi_state::text::kpi_state;

-- It round-trips exactly, and is valid JSON
CREATE TEMP TABLE state (id integer, k kpi_state);
INSERT INTO state VALUES
    (1, '{"version": 1}'),
    (2, '{"version": 1, "received": 9223372036854775807, "accept_seconds": {"zero": 9223372036854775806, "buckets": [[-2147483648, 1]]}}'),
    (3, '{"version": 1, "received": 5, "accepted": 4, "dispatched": 4, "due_to_close": 3, "closed": 3,
          "closed_on_time": 2, "reworked": 1, "extended": 1, "returned": 1, "escalated": 1,
          "settled_in_community": 2, "open_now": 1, "overdue_now": 1, "evaluated": 2, "satisfied": 1,
          "satisfaction_sum": 7, "accept_seconds": {"zero": 1, "buckets": [[0, 1], [640, 1], [2147483647, 1]]},
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
SELECT pg_temp.try_kpi_binary(kpi_state_send('{"version": 1, "received": 7, "close_seconds": {"buckets": [[12, 3]]}}'))
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
                    || '\x000000000000000000000000'::bytea))
       AS t(what, bytes);
\! rm -f /tmp/gridgov_kpi_io_*.copy

-- Compact: a day's state of a grid and a category is a few dozen bytes;
-- the largest, with every bucket, is compressed when stored.
SELECT pg_column_size('{"version": 1, "received": 5, "accepted": 4, "dispatched": 4, "closed": 3,
                        "accept_seconds": {"zero": 1, "buckets": [[640, 2], [750, 1]]},
                        "close_seconds": {"buckets": [[1000, 2], [1039, 1]]}}'::kpi_state) AS day_state_bytes;
CREATE TEMP TABLE big_state AS
SELECT format('{"version": 1, "received": %s, "close_seconds": {"buckets": [%s]}}', 2048 * 3,
              string_agg(format('[%s, 3]', g), ', ' ORDER BY g))::kpi_state AS k
  FROM generate_series(1, 2048) g;
SELECT pg_column_size(k) AS stored_bytes, octet_length(kpi_state_send(k)) AS binary_bytes,
       pg_column_size(k) < octet_length(kpi_state_send(k)) / 4 AS compressed
  FROM big_state;
SELECT '{"version": 1, "close_seconds": {"buckets": [' ||
       (SELECT string_agg(format('[%s, 1]', g), ', ') FROM generate_series(1, 2049) g) || ']}}' AS too_many \gset
SELECT pg_temp.try_kpi_state(:'too_many');
