-- gridcell: text and binary forms, casts, order, and bad input
SET search_path = gridgov, public;

-- One code per level: the issue's example (lng 116.31 E, lat 39.99 N)
-- and its extensions; level() counts from the length.
SELECT code, code::gridcell AS cell, level(code::gridcell), length(code)
  FROM (VALUES ('N50J'), ('N50J47'), ('N50J475'), ('N50J47539'), ('N50J4753996'),
               ('N50J47539960'), ('N50J4753996000'), ('N50J475399600000'),
               ('N50J47539960000000'), ('N50J4753996000000000')) AS t(code);

-- Surrounding spaces are ignored, letters may be small; output is canonical.
SELECT '  n50j47539 '::gridcell, 's01a'::gridcell, 'N60VB75E9ee'::gridcell;

-- The extremes of every level's characters
SELECT c::gridcell, level(c::gridcell)
  FROM (VALUES ('N01A'), ('S60V'), ('N60VB7'), ('N01A005'), ('N01A000E9'),
               ('N01A00000EE'), ('N01A00000003'), ('S60VB75E9EE377777777')) AS t(c);

-- Casts: to and from text and bigint.  The stored value is a number whose
-- descendants follow it; bigint -> gridcell checks it.
SELECT 'N50J47539'::gridcell::bigint AS value,
       2251001283460962500::bigint::gridcell AS back,
       'N50J47539'::gridcell::text AS text,
       'N50J47539'::text::gridcell AS from_text;
SELECT min(c::gridcell::bigint) AS smallest, max(c::gridcell::bigint) AS largest
  FROM (VALUES ('N01A'), ('S60VB75E9EE377777777')) AS t(c);
SELECT gridcell(2068133605606250), gridcell(5461940852406106249);
SELECT gridcell(0);
SELECT gridcell(-1);
SELECT gridcell(2068133605606249);
SELECT gridcell(5461940852406106250);
SELECT gridcell(2068133605606251);  -- a level-10 digit under an absent level 2

-- Assignment cast to text
CREATE TEMP TABLE cell_text (t text);
INSERT INTO cell_text VALUES ('N50J47539'::gridcell);
SELECT t FROM cell_text;

-- Binary send and receive round trip (COPY in binary format)
CREATE TEMP TABLE cells_bin (c gridcell);
INSERT INTO cells_bin VALUES ('N50J'), ('N50J47539'), ('S60VB75E9EE377777777');
SELECT c, gridcell_send(c) FROM cells_bin;
-- (through a file in the server's data directory, which it can always write)
SELECT current_setting('data_directory') || '/gridgov_gridcell_io.bin' AS binfile \gset
COPY cells_bin TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE cells_bin2 (c gridcell);
COPY cells_bin2 FROM :'binfile' (FORMAT binary);
SELECT c FROM cells_bin2 ORDER BY c;
-- a received value must be a cell
COPY (SELECT 0::bigint) TO :'binfile' (FORMAT binary);
COPY cells_bin2 FROM :'binfile' (FORMAT binary);
-- a field shorter than 8 bytes is cut short (08P01, as for bigint), a
-- longer one has bytes left over (22P03)
\set VERBOSITY sqlstate
COPY (SELECT 42::integer) TO :'binfile' (FORMAT binary);
COPY cells_bin2 FROM :'binfile' (FORMAT binary);
COPY (SELECT 42::numeric) TO :'binfile' (FORMAT binary);
COPY cells_bin2 FROM :'binfile' (FORMAT binary);
\set VERBOSITY default
COPY (SELECT 42::integer) TO :'binfile' (FORMAT binary);
COPY cells_bin2 FROM :'binfile' (FORMAT binary);

-- Order: cells sort as their codes do in the C collation, every cell
-- directly before its descendants.
SELECT c::gridcell FROM (VALUES ('N50J47539'), ('N50J'), ('N50K'), ('N50J475'),
                                ('N50J47'), ('N49V'), ('S01A'), ('N50J50'),
                                ('N50J475E9'), ('N50J475395E')) AS t(c)
 ORDER BY 1;

-- Bad input: wrong length
SELECT ''::gridcell;
SELECT 'N50'::gridcell;
SELECT 'N50J4'::gridcell;
SELECT 'N50J47539960000000000'::gridcell;
-- wrong characters, named with their position and level
SELECT 'X50J'::gridcell;
SELECT 'N5xJ'::gridcell;
SELECT 'N00J'::gridcell;
SELECT 'N61J'::gridcell;
SELECT 'N50W'::gridcell;
SELECT 'N501'::gridcell;
SELECT 'N50JC7'::gridcell;
SELECT 'N50J48'::gridcell;      -- level 2 rows run 0 to 7
SELECT 'N50J4G'::gridcell;
SELECT 'N50J476'::gridcell;     -- level 3 is one digit 0 to 5
SELECT 'N50J475F0'::gridcell;   -- level 4 columns 0 to E
SELECT 'N50J475EA'::gridcell;   -- level 4 rows 0 to 9
SELECT 'N50J47539EF'::gridcell; -- level 5 rows 0 to E
SELECT 'N50J475399E4'::gridcell;-- level 6 is one digit 0 to 3
SELECT 'N50J475399E380'::gridcell; -- levels 7 to 10 run 0 to 7
SELECT 'N50J4753996000000008'::gridcell;
SELECT 'N50J 47539'::gridcell;
SELECT 'N50J47539'::gridcell IS NULL;
