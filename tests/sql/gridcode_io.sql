-- gridcode: text and binary forms, casts, bad input
SET search_path = gridgov, public;
SET client_min_messages = warning;
\set VERBOSITY default

-- every canonical length, and zero-padded spellings of the same units
SELECT s AS input, s::gridcode AS code, level(s::gridcode), level_name(s::gridcode)
  FROM unnest(ARRAY['44', '4403', '440311', '440311006', '440311006003',
                    '440311006003012', '4403110060030120007',
                    '440000', '440311000000', '4403110000000000000',
                    '441900003', '441900003001', '  440311  ']) AS s;

-- output is the shortest canonical form; the value is the 19-digit number
SELECT '440311000000'::gridcode::text AS canonical,
       '440311'::gridcode::bigint AS as_bigint,
       4403110060030000000::gridcode AS from_bigint,
       '4419'::gridcode = '441900'::gridcode AS dongguan_same_unit;

-- extremes of the accepted range
SELECT '11'::gridcode AS lowest, '9199999999999999999'::gridcode AS highest,
       subtree_last(gridcode '91') AS last_of_91;

-- bad text: 22P02 with what is wrong
\set ON_ERROR_STOP 0
SELECT ''::gridcode;
SELECT '4403111'::gridcode;
SELECT '44031a'::gridcode;
SELECT '4403 11'::gridcode;
SELECT '00'::gridcode;
SELECT '92'::gridcode;
SELECT '0403'::gridcode;
SELECT '44031100600300120007'::gridcode;
SELECT '-4403'::gridcode;
SELECT '４４'::gridcode;
-- bad numbers: 22023
SELECT 0::bigint::gridcode;
SELECT (-4403110000000000000)::bigint::gridcode;
SELECT 9200000000000000000::bigint::gridcode;
SELECT 1099999999999999999::bigint::gridcode;
\set ON_ERROR_STOP 1

-- text round trip over 100,000 generated codes at every level
SELECT count(*) AS codes,
       count(*) FILTER (WHERE c::text::gridcode = c) AS text_round_trips,
       count(*) FILTER (WHERE c::bigint::gridcode = c) AS bigint_round_trips,
       count(*) FILTER (WHERE length(c::text) = (ARRAY[2,4,6,9,12,15,19])[level(c)]) AS canonical_lengths
  FROM (SELECT ancestor(gridcode(1100000000000000000 + (g::numeric * 80999999999999.99)::bigint),
                        1 + g % 7) AS c
          FROM generate_series(1, 100000) g) s
 WHERE c IS NOT NULL;

-- binary I/O through COPY
CREATE TEMP TABLE codes_out AS SELECT c FROM unnest('{44,4419,441900003,4403110060030120007}'::gridcode[]) c;
COPY codes_out TO '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
CREATE TEMP TABLE codes_in (c gridcode);
COPY codes_in FROM '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
SELECT (SELECT array_agg(c ORDER BY c) FROM codes_in) = (SELECT array_agg(c ORDER BY c) FROM codes_out) AS binary_copy_round_trip;
-- a binary value that is no gridcode is refused (22P03)
COPY (SELECT 42::bigint) TO '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
\set ON_ERROR_STOP 0
COPY codes_in FROM '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
-- a field shorter than 8 bytes is cut short (08P01, as for bigint), a
-- longer one has bytes left over (22P03)
\set VERBOSITY sqlstate
COPY (SELECT 4403::integer) TO '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
COPY codes_in FROM '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
COPY (SELECT 4403::numeric) TO '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
COPY codes_in FROM '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
\set VERBOSITY default
COPY (SELECT 4403::integer) TO '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
COPY codes_in FROM '/tmp/gridgov_codes.bin' WITH (FORMAT binary);
\set ON_ERROR_STOP 1
SELECT count(*) AS rows_after_bad_copy FROM codes_in;
