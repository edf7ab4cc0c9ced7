#!/usr/bin/env bash
# BI and GIS tools read gridgov's views without knowing its types: Python's
# psycopg2 reads every view and map function (tests/shell/dashboard_bi_client.py),
# ogr2ogr (GDAL) reads the risk map view as a geometry layer into GeoJSON,
# GDAL's MVT driver decodes a vector tile of risk_tile(), ogrinfo reads the
# map views with their integer key as feature ids, all logged in
# as a role granted only gridgov_reader (docs/dashboards.md, "A login for
# the tools").  Creates and drops its own database and that login on the
# cluster the PG* variables name; needs the
# Debian packages python3-psycopg2 and gdal-bin (tools/ensure-deps).  Ends
# with "dashboard_bi_client: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=gridgov_bi_$$ work=$(mktemp -d)
reader=gridgov_bi_reader_$$ secret=reader_$RANDOM$RANDOM
export PGOPTIONS='--client-min-messages=warning'
trap 'dropdb --if-exists "$db" >/dev/null 2>&1; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $reader" >/dev/null 2>&1; rm -rf "$work"' EXIT

. "$here/check.bash"
finish() {
	check_summary dashboard_bi_client
	exit
}

# the Debian interpreter, where python3-psycopg2 installs, unless told otherwise
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3
if ! "$python" -c 'import psycopg2' 2>/dev/null; then
	check "psycopg2 is importable by $python (Debian package python3-psycopg2)" yes no
	finish
fi
if ! command -v ogr2ogr >/dev/null || ! command -v ogrinfo >/dev/null; then
	check "ogr2ogr and ogrinfo are installed (Debian package gdal-bin)" yes no
	finish
fi

createdb "$db" || { check "create the database" yes no; finish; }
if ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION gridgov CASCADE' \
	-f "$here/../pgtap/dashboard_fixture.psql" \
	-c "SELECT gridgov.refresh_kpi_daily('2026-10-01', '2026-11-20', '2026-11-18 00:00+08'),
	           gridgov.refresh_risk_daily('2026-10-01', '2026-11-16')" \
	-c "CREATE ROLE $reader LOGIN PASSWORD '$secret' IN ROLE gridgov_reader" \
	-c "SELECT gridgov.grant_jurisdiction('$reader', '44', 'viewer')" >/dev/null; then
	check "load the fixture, refresh the rollups and make the tools' login" yes no
	finish
fi
check "the tools log in as a role granted only gridgov_reader" "$reader gridgov_reader" \
	"$(PGUSER=$reader PGPASSWORD=$secret psql -X -At -d "$db" \
		-c "SELECT current_user || ' ' || string_agg(roleid::regrole::text, ' ') FROM pg_auth_members
		     WHERE member = current_user::regrole")"

# psycopg2
mkdir -p "$work/tiles/10/836"
PGUSER=$reader PGPASSWORD=$secret "$python" "$here/dashboard_bi_client.py" "$db" "$work/tiles/10/836/445.pbf" > "$work/python.log" 2>&1
python_status=$?
cat "$work/python.log"
passed=$((passed + $(grep -c '^ok - ' "$work/python.log")))
failed=$((failed + $(grep -c '^not ok - ' "$work/python.log")))
if [ "$python_status" -ne 0 ] && ! grep -q '^not ok - ' "$work/python.log"; then
	check "dashboard_bi_client.py ran to the end" 0 "$python_status"
fi

# GDAL's MVT driver reads the tile (georeferenced from its z/x/y path)
if [ -s "$work/tiles/10/836/445.pbf" ]; then
	info=$(ogrinfo -ro -al -so "$work/tiles/10/836/445.pbf" 2>&1)
	check "ogrinfo: the tile's layer is named risk" "risk" \
		"$(sed -n 's/^Layer name: //p' <<<"$info")"
	check "ogrinfo: the tile holds 3 grids" "3" "$(sed -n 's/^Feature Count: //p' <<<"$info")"
	features=$(ogrinfo -ro -al -q "$work/tiles/10/836/445.pbf" 2>&1)
	check "ogrinfo: Genzhuyuan's grid is red in the tile" "red" \
		"$(grep -A8 'code (String) = 440311006003001' <<<"$features" | sed -n 's/^ *color (String) = //p')"
	check "ogrinfo: the grids are polygons" "3" "$(grep -c 'POLYGON' <<<"$features")"
else
	check "the tile was written" yes no
fi

# ogr2ogr reads the view as a layer, as QGIS does, and writes GeoJSON
if PGUSER=$reader PGPASSWORD=$secret ogr2ogr -f GeoJSON "$work/risk_map.geojson" "PG:dbname=$db" gridgov.risk_map \
	-where 'boundary IS NOT NULL' 2> "$work/ogr2ogr.log"; then
	summary=$("$python" - "$work/risk_map.geojson" <<-'EOF'
		import json, sys
		doc = json.load(open(sys.argv[1]))
		f = doc["features"]
		grid = next(x for x in f if x["properties"]["unit"] == "440311006003001")
		print(len(f), grid["geometry"]["type"], type(grid["properties"]["unit"]).__name__,
		      type(grid["properties"]["score"]).__name__, grid["properties"]["name"])
	EOF
	)
	check "ogr2ogr: the risk map's 9 units with boundaries, as GeoJSON with plain properties" \
		"9 MultiPolygon str float 根竹园社区第01网格" "$summary"
	layer=$(PGUSER=$reader PGPASSWORD=$secret ogrinfo -ro -so "PG:dbname=$db" gridgov.risk_map 2>&1)
	check "ogrinfo: the view is a MultiPolygon layer in EPSG:4326" "Multi Polygon 4326" \
		"$(sed -n 's/^Geometry: //p' <<<"$layer") $(grep -o 'ID\["EPSG",[0-9]*\]\]$' <<<"$layer" | tail -n 1 | tr -dc 0-9)"
else
	cat "$work/ogr2ogr.log"
	check "ogr2ogr reads gridgov.risk_map" yes no
fi

# the map views' keys: GDAL takes a view's key from PGSQL_OGR_FID (QGIS
# offers the first column); every feature's id is its unit's code as a number
for layer in risk_map unit_map; do
	PGUSER=$reader PGPASSWORD=$secret ogrinfo -ro -al --config PGSQL_OGR_FID id "PG:dbname=$db" "gridgov.$layer" \
		> "$work/$layer.txt" 2> "$work/$layer.err"
	expected=$(PGUSER=$reader PGPASSWORD=$secret psql -X -At -d "$db" -c "SELECT count(*) FROM gridgov.$layer")
	summary=$("$python" - "$work/$layer.txt" "gridgov.$layer" <<-'EOF'
		import re, sys
		text, layer = open(sys.argv[1]).read(), sys.argv[2]
		count = re.search(r"^Feature Count: (\d+)$", text, re.M)
		ids = [int(i) for i in re.findall(r"^OGRFeature\(" + re.escape(layer) + r"\):(-?\d+)$", text, re.M)]
		units = re.findall(r"^  unit \(String\) = (\d+)$", text, re.M)
		right = len(ids) == len(units) and all(i == int(u.ljust(19, "0")) for i, u in zip(ids, units))
		print(count.group(1) if count else "no count", len(set(ids)), "ids are the codes" if right else "ids are not the codes")
	EOF
	)
	check "ogrinfo with PGSQL_OGR_FID=id: gridgov.$layer's $expected features, each its own id, the unit's code" \
		"$expected $expected ids are the codes" "$summary"
done

finish
