"""Read gridgov's views for BI and GIS tools the way a tool does: through
psycopg2 (libpq, the driver under Superset, Metabase's Python cousins and
most notebooks), with no knowledge of gridgov's types.

Usage: dashboard_bi_client.py DBNAME TILE_FILE

The database holds tests/pgtap/dashboard_fixture.psql with both rollups
refreshed (dashboard_bi_client.sh does that).  Prints one "ok - ..." or "not ok - ..."
line per check, writes the vector tile it fetched to TILE_FILE for ogrinfo,
and exits with the number of failed checks.
"""
import datetime
import decimal
import sys

import psycopg2

dbname, tile_file = sys.argv[1], sys.argv[2]
AS_OF = "2026-11-18 00:00+08"
PLAIN = {"date", "text", "int4", "int8", "numeric", "jsonb", "json",
         "geometry", "bytea", "timestamptz", "bool"}
# the administrators' views (tests/pgtap/dashboard_bi_types.sql): every other
# view of the extension is for the tools
NOT_FOR_BI = {"job_status", "jurisdiction_holders", "case_reporters", "unit_versions"}

failed = 0


def check(name, condition, detail=""):
    global failed
    if condition:
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}" + (f": {detail}" if detail else ""))


conn = psycopg2.connect(dbname=dbname)
conn.set_session(readonly=True, autocommit=True)
cur = conn.cursor()

# the type names of the OIDs the server sends, as a tool would look them up
cur.execute("SELECT t.oid, t.typname, n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace")
types = {oid: (name, schema) for oid, name, schema in cur.fetchall()}


def fetch(query, params=None):
    cur.execute(query, params)
    columns = [(d.name, types[d.type_code]) for d in cur.description]
    return columns, cur.fetchall()


def plain_types(name, columns):
    odd = [f"{c} {t[1]}.{t[0]}" for c, t in columns if t[0] not in PLAIN or t[1] == "gridgov"]
    check(f"{name}: {len(columns)} columns, all of plain types", not odd, ", ".join(odd))


# 1. daily intake and closure
columns, rows = fetch("SELECT * FROM gridgov.daily_flow ORDER BY day, unit, category")
plain_types("daily_flow", columns)
names = [c for c, _ in columns]
check("daily_flow: 22 rows (day, grid, category)", len(rows) == 22, f"{len(rows)} rows")
received = sum(r[names.index("received")] for r in rows)
closed = sum(r[names.index("closed")] for r in rows)
check("daily_flow: 54 cases received, 38 closed", (received, closed) == (54, 38), f"{received}, {closed}")
check("daily_flow: day is a date, unit a code string",
      isinstance(rows[0][0], datetime.date) and rows[0][names.index("unit")] == "440311001001001",
      repr(rows[0][:2]))

# 2. the KPI table per unit at every level, per month
columns, rows = fetch("SELECT * FROM gridgov.unit_kpi_monthly WHERE month = '2026-10-01' ORDER BY unit")
plain_types("unit_kpi_monthly", columns)
names = [c for c, _ in columns]
check("unit_kpi_monthly: October has 11 units, province to grid", len(rows) == 11, f"{len(rows)} rows")
district = {c: v for c, v in zip(names, next(r for r in rows if r[names.index("unit")] == "440311"))}
check("unit_kpi_monthly: Guangming received 44, closed 38, closure rate 0.8636 (a Decimal)",
      (district["received"], district["closed"], district["closure_rate"]) == (44, 38, decimal.Decimal("0.8636")),
      repr((district["received"], district["closed"], district["closure_rate"])))
check("unit_kpi_monthly: breadcrumb and level name",
      district["breadcrumb"] == "广东省 › 深圳市 › 光明区" and district["level_name"] == "county",
      repr((district["breadcrumb"], district["level_name"])))

# 3. the best service hall of the month
columns, rows = fetch("SELECT * FROM gridgov.service_point_ranking('2026-10-01', %s)", (AS_OF,))
plain_types("service_point_ranking()", columns)
names = [c for c, _ in columns]
winner = [dict(zip(names, r)) for r in rows if r[names.index("rank")] == 1 and r[names.index("level")] == 5]
check("service_point_ranking: Genzhuyuan's hall wins October with 100.00",
      len(winner) == 1 and winner[0]["name"] == "根竹园社区党群服务中心" and winner[0]["score"] == decimal.Decimal("100.00"),
      repr(winner))
columns, rows = fetch("SELECT * FROM gridgov.service_point_monthly")
plain_types("service_point_monthly", columns)

# 4. the risk map: geometry arrives as hex EWKB to a client without PostGIS types
columns, rows = fetch("SELECT * FROM gridgov.risk_map ORDER BY unit")
plain_types("risk_map", columns)
names = [c for c, _ in columns]
check("risk_map: 11 units, 9 with a boundary",
      len(rows) == 11 and sum(r[names.index("boundary")] is not None for r in rows) == 9, f"{len(rows)} rows")
check("risk_map: colours are warning colours",
      {r[names.index("color")] for r in rows} <= {"blue", "yellow", "orange", "red"})
grid = next(r for r in rows if r[names.index("unit")] == "440311006003001")
check("risk_map: a boundary is a MultiPolygon in SRID 4326 (hex EWKB)",
      isinstance(grid[names.index("boundary")], str) and grid[names.index("boundary")].upper().startswith("0106000020E6100000"),
      repr(grid[names.index("boundary")])[:40])
check("risk_map: score is a Decimal (numeric)", isinstance(grid[names.index("score")], decimal.Decimal),
      repr(grid[names.index("score")]))

# 5. every view for the tools, as the driver sees it: the case clock's codes
# are strings, and no column of any of them has a type the driver does not know
cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid
                WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('v', 'm')
                  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'gridgov')
                ORDER BY 1""")
views = [v for (v,) in cur.fetchall() if v not in NOT_FOR_BI]
odd = []
for view in views:
    columns, _ = fetch(f"SELECT * FROM gridgov.{view} LIMIT 0")
    odd += [f"{view}.{c} {t[1]}.{t[0]}" for c, t in columns if t[0] not in PLAIN or t[1] == "gridgov"]
check(f"all {len(views)} views for the tools: every column of a plain type", len(views) >= 16 and not odd,
      ", ".join(odd))
columns, rows = fetch("SELECT district, unit FROM gridgov.case_clock ORDER BY id LIMIT 1")
check("case_clock: district and unit arrive as code strings",
      [t[0] for _, t in columns] == ["text", "text"] and rows and rows[0][0] == "440311",
      repr((columns, rows)))

# 6. GeoJSON: jsonb arrives as Python objects
cur.execute("SELECT gridgov.risk_geojson('440311006', %s)", (AS_OF,))
collection = cur.fetchone()[0]
check("risk_geojson: a FeatureCollection of 2 communities",
      collection["type"] == "FeatureCollection" and len(collection["features"]) == 2)
hot = next(f for f in collection["features"] if f["id"] == "440311006003")
check("risk_geojson: Genzhuyuan scores 25.837, orange, 20 cases",
      (hot["properties"]["score"], hot["properties"]["color"], hot["properties"]["cases"]) == (25.837, "orange", 20),
      repr(hot["properties"]))
check("risk_geojson: geometry is a GeoJSON MultiPolygon",
      hot["geometry"]["type"] == "MultiPolygon" and hot["geometry"]["coordinates"][0][0][0] == [113.93, 22.74])


def twice_area(ring):
    """the shoelace formula: positive for a counter-clockwise ring"""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))


rings = []
for root in ("440311", "440311006", "440311001"):
    cur.execute("SELECT gridgov.risk_geojson(%s, %s)", (root, AS_OF))
    rings += [(f["id"], i, twice_area(ring)) for f in cur.fetchone()[0]["features"] if f["geometry"]
              for polygon in f["geometry"]["coordinates"] for i, ring in enumerate(polygon)]
check("risk_geojson: every outer ring counter-clockwise, every hole clockwise (RFC 7946), by the shoelace formula",
      len(rings) >= 5 and all((area > 0) == (i == 0) for _, i, area in rings),
      repr([r for r in rings if (r[2] > 0) != (r[1] == 0)]))

# 7. the vector tile, for ogrinfo to decode
cur.execute("SELECT gridgov.risk_tile(10, 836, 445, 6, %s)", (AS_OF,))
tile = bytes(cur.fetchone()[0])
check("risk_tile: a non-empty bytea", len(tile) > 100, f"{len(tile)} bytes")
with open(tile_file, "wb") as f:
    f.write(tile)

conn.close()
sys.exit(failed)
