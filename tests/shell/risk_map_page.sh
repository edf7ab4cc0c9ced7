#!/usr/bin/env bash
# The risk map as a page a person looks at (tools/risk-map): on the
# dashboards' fixture with a fourth, quiet grid and per-grid thresholds that
# give each grid another colour, the page's units, colours and figures are
# checked against the database, then headless Chromium renders it and the
# screenshot is read pixel by pixel: not blank, and each of the four
# warning colours covers more ground than its legend swatch.  Creates and
# drops its own database; needs the Debian packages chromium and
# python3-pil (tools/ensure-deps --test).  Ends with
# "risk_map_page: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PGDATABASE=gridgov_riskmap_$$ PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d)
trap 'dropdb --if-exists "$PGDATABASE" >/dev/null 2>&1; rm -rf "$work"' EXIT
. "$here/check.bash"
finish() {
	check_summary risk_map_page
	exit
}
as_of='2026-11-18 12:00+08'

createdb "$PGDATABASE" || { check "create the database" yes no; finish; }
if ! psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' \
	-f "$here/../pgtap/dashboard_fixture.psql" \
	-c "SELECT gridgov.refresh_risk_daily('2026-10-01', '2026-11-16')" \
	-c "INSERT INTO gridgov.unit (code, name, boundary)
	    SELECT '440311006004002', '马山头社区第02网格 <&>', ST_Multi(ST_Translate(boundary, 0.03, 0))
	      FROM gridgov.unit WHERE code = '440311006004001'" \
	-c "INSERT INTO gridgov.risk_color (level, color, min_score)
	    VALUES (6, 'blue', 0), (6, 'yellow', 1), (6, 'orange', 4), (6, 'red', 20)" >/dev/null; then
	check "load the fixture" yes no
	finish
fi

"$here/../../tools/risk-map" -u 440311 -l 6 -t "$as_of" -o "$work/map.html" > "$work/tool.log" 2>&1
check "tools/risk-map writes the page" "risk-map: 4 units of level 6 under 440311, written to $work/map.html" \
	"$(cat "$work/tool.log")"
page=$(cat "$work/map.html" 2>/dev/null)

# the page against the database: each unit's colour, a second way
expected=$(psql -X -At -q -c "SET search_path = gridgov, public" -c "
	SELECT string_agg(u.code::text || '=' || risk_color(COALESCE(s.score, 0), 6), ' ' ORDER BY u.code)
	  FROM unit u LEFT JOIN risk_scores('440311', '$as_of', 6) s ON s.unit = u.code
	 WHERE u.code <@ '440311' AND u.level = 6")
check "the page colours every grid as risk_scores and risk_color do" "$expected" \
	"$(grep -o 'data-unit="[0-9]*" data-color="[a-z]*"' <<<"$page" | sed 's/data-unit="\([0-9]*\)" data-color="\([a-z]*\)"/\1=\2/' | paste -sd ' ')"
check "the grids are four colours" "440311001001001=yellow 440311006003001=red 440311006004001=orange 440311006004002=blue" "$expected"
check "the legend counts units and cases per colour" "blue 1 0,yellow 1 20,orange 1 14,red 1 20" \
	"$(grep -o '<tr data-color="[a-z]*">.*</tr>' <<<"$page" \
		| sed 's/<tr data-color="\([a-z]*\)">.*<td>\([0-9]*\)<\/td><td>\([0-9]*\)<\/td><\/tr>/\1 \2 \3/' | paste -sd ',')"
check "the legend shows the thresholds in force at the level" "0 – 1|1 – 4|4 – 20|≥ 20" \
	"$(grep -o '<tr data-color=.*' <<<"$page" | sed 's/.*<\/td><td>\([^<]*\)<\/td><td>[0-9]*<\/td><td>[0-9]*<\/td><\/tr>/\1/' | paste -sd '|')"
check "the day's figures: the moment in the calendar's zone and the cases counted" \
	'<p id="as-of">2026-11-18 12:00 (Asia/Shanghai), level 6: 4 units, 54 cases counted</p>' \
	"$(grep '<p id="as-of">' <<<"$page")"
check "a name is escaped, not markup" 1 "$(grep -c '马山头社区第02网格 &lt;&amp;&gt;' <<<"$page")"
check "the page loads nothing from the network" 0 "$(grep -ciE '<script|https?://[^"]*\.(js|css)|<link' <<<"$page")"

if ! command -v chromium >/dev/null || ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
	check "chromium and python3-pil are installed (tools/ensure-deps --test)" yes no
	finish
fi
# as root Chromium needs --no-sandbox; its profile goes to the scratch folder
HOME=$work timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$work/profile" --window-size=1280,900 --screenshot="$work/map.png" \
	"file://$work/map.html" > "$work/chromium.log" 2>&1
check "headless Chromium takes the screenshot" yes "$([ -s "$work/map.png" ] && echo yes || echo no)"
# pixels within 3 of each colour's fill; a swatch is 14 x 14 = 196 pixels
counts=$(/usr/bin/python3 - "$work/map.png" <<-'PY'
	import sys
	from PIL import Image
	image = Image.open(sys.argv[1]).convert('RGB')
	fills = {'blue': (0x2f, 0x6f, 0xd6), 'yellow': (0xf2, 0xc4, 0x0f),
	         'orange': (0xf2, 0x8c, 0x28), 'red': (0xd6, 0x2f, 0x2f)}
	counts = dict.fromkeys(fills, 0)
	histogram = image.getcolors(image.width * image.height)
	for n, pixel in histogram:
	    for name, fill in fills.items():
	        if all(abs(a - b) <= 3 for a, b in zip(pixel, fill)):
	            counts[name] += n
	print('distinct', len(histogram))
	for name in fills:
	    print(name, 'ok' if counts[name] > 5 * 196 else 'only %d pixels' % counts[name])
	PY
)
check "the screenshot is not blank" yes "$(awk '$1 == "distinct" { print ($2 > 20 ? "yes" : "no: " $2 " colours") }' <<<"$counts")"
for colour in blue yellow orange red; do
	check "the screenshot shows $colour ground, not just its swatch" ok "$(awk -v c=$colour '$1 == c { $1 = ""; print substr($0, 2) }' <<<"$counts")"
done
finish
