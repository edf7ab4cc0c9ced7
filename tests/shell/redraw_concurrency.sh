#!/usr/bin/env bash
# Redraws under concurrent clients, against the cluster that the PG*
# variables name (docs/layers.md, "Redraws").  In a database of its own
# (created and dropped here), on the case fixture of the pgTAP suites, with
# grid 440311006003001 drawn on 1 January 2026:
#   1. A race.  8 psql sessions at once each split the grid in two halves
#      of codes of their own.  The first locks the grid; the others wait,
#      then find it out of force: exactly one split, seven GG011 refusals,
#      two new grids and two rows of lineage.
#   2. Intake while the grids are redrawn.  One session redraws the halves
#      20 times in a row (merged, split again, each a transaction of its
#      own, dated now), while 8 sessions each report 40 cases at random
#      points of the old grid's ground: half dated 1 May 2026 (an importer's
#      late reports, before any redraw), half now.  Every late report goes
#      to the old grid, every current one to a grid of the community in
#      effect by its report, and none to a gap (the redraws tile the
#      ground); every history verifies.
# The last line is "redraw_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8

. tests/shell/check.bash
scratch_database redraw_concurrency error
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/case_fixture.psql
UPDATE unit SET boundary = ST_Multi(ST_MakeEnvelope(113.925, 22.73, 113.95, 22.77, 4326)) WHERE code = '440311006003';
UPDATE unit SET valid_from = '2026-01-01 00:00+08' WHERE level = 6;
EOF

# 1. the race: client i splits into grids 100 + 2i and 101 + 2i
for i in $(seq 1 "$clients"); do
	cat > "$work/race$i.sql" <<EOF
\\set VERBOSITY sqlstate
SELECT count(*) FROM gridgov.split_grid('440311006003001',
    ARRAY['440311006003$((100 + 2 * i))', '440311006003$((101 + 2 * i))']::gridgov.gridcode[],
    ARRAY['西', '东'],
    ARRAY[ST_MakeEnvelope(113.93, 22.74, 113.94, 22.76, 4326), ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76, 4326)]);
EOF
done
run_clients race
check 'race: one split went through' 1 "$(cat "$work"/race*.out | grep -c '^2$')"
check 'race: the seven others were refused with GG011' 7 "$(cat "$work"/race*.err | grep -c 'GG011')"
check 'race: two new grids, two rows of lineage, the old grid ended once' '2|2|1' \
	"$(q "SELECT (SELECT count(*) FROM unit WHERE parent = '440311006003' AND level = 6 AND valid_to IS NULL AND code <> '440311006003001')
	           || '|' || (SELECT count(*) FROM grid_lineage) || '|' || (SELECT count(*) FROM unit WHERE code = '440311006003001' AND valid_to IS NOT NULL)")"

# 2. intake while the grids are redrawn: the redrawing session, one
# transaction a redraw, and the reporting ones
cat > "$work/redraws.sql" <<'EOF'
SET search_path = gridgov, public;
SELECT code AS west, (SELECT max(code) FROM unit WHERE parent = '440311006003' AND valid_to IS NULL AND level = 6) AS east
  FROM unit WHERE parent = '440311006003' AND valid_to IS NULL AND level = 6 ORDER BY code LIMIT 1 \gset
\o /dev/null
EOF
for k in $(seq 0 9); do
	cat >> "$work/redraws.sql" <<EOF
SELECT * FROM merge_grids(ARRAY[:'west', :'east']::gridcode[], '440311006003$((300 + 3 * k))', '合',
                          ST_MakeEnvelope(113.93, 22.74, 113.95, 22.76, 4326));
SELECT * FROM split_grid('440311006003$((300 + 3 * k))',
    ARRAY['440311006003$((301 + 3 * k))', '440311006003$((302 + 3 * k))']::gridcode[], ARRAY['西', '东'],
    ARRAY[ST_MakeEnvelope(113.93, 22.74, 113.94, 22.76, 4326), ST_MakeEnvelope(113.94, 22.74, 113.95, 22.76, 4326)]);
\\set west 440311006003$((301 + 3 * k))
\\set east 440311006003$((302 + 3 * k))
EOF
done
for i in $(seq 1 "$clients"); do
	{
		echo "SET search_path = gridgov, public;"
		echo "SELECT setseed(0.$i);"
		for j in $(seq 1 40); do
			if [ $((j % 2)) = 0 ]; then at="'2026-05-01 10:00+08'"; else at='now()'; fi
			echo "INSERT INTO cases (category, channel, location, reported_at, note)
			      VALUES ('noise', 'patrol', ST_SetSRID(ST_MakePoint(113.93 + random() * 0.02, 22.74 + random() * 0.02), 4326),
			              $at, 'client $i');"
		done
	} > "$work/intake$i.sql"
done
psql -X -q -v ON_ERROR_STOP=1 -f "$work/redraws.sql" >"$work/redraws.out" 2>"$work/redraws.err" &
redrawer=$!
run_clients intake
wait "$redrawer"
check 'intake: the 20 redraws went through' "0|21" \
	"$(echo "$(wc -c < "$work/redraws.err" | tr -d ' ')|$(q "SELECT count(DISTINCT new_valid_from) FROM grid_lineage")")"
check 'intake: every report was taken' 320 "$(q "SELECT count(*) FROM cases WHERE note LIKE 'client %'")"
check 'intake: every late report went to the grid of 1 May' 160 \
	"$(q "SELECT count(*) FROM cases WHERE note LIKE 'client %' AND reported_at = '2026-05-01 10:00+08' AND unit = '440311006003001'")"
# (a redraw dated now() takes effect at the start of its transaction: a
# report whose transaction began before the redraw committed sees the grids
# before it, so its grid may end before its report; never begin after it)
check 'intake: every current report to a grid of the community in effect by its report, none to a gap' 160 \
	"$(q "SELECT count(*) FROM cases c JOIN unit_versions v ON v.code = c.unit
	       WHERE c.note LIKE 'client %' AND c.reported_at > '2026-05-01 10:00+08' AND NOT c.grid_gap
	         AND v.level = 6 AND v.valid_from <= c.reported_at AND parent(c.unit) = '440311006003'")"
check 'intake: the redraws were under way while cases came in' t \
	"$(q "SELECT count(DISTINCT unit) > 2 FROM cases WHERE note LIKE 'client %' AND reported_at > '2026-05-01 10:00+08'")"
check 'intake: every history verifies' 0 "$(q "SELECT count(*) FROM verify_history()")"
check_summary redraw_concurrency
