#!/usr/bin/env python3
"""Reference vectors for gridcell (GB/T 39409-2020, 2D codes), computed
independently of src/gridcell.c.

Written from the level table of the standard (docs/gridcell.md) with exact
rational arithmetic (fractions.Fraction): a coordinate is converted to
arc-seconds, and each level's column and row are the floor of what is left
of the previous level's cell divided by the cell size.  Nothing here is
shared with the C code (which works in integer units of 1/2048" and a
mixed-radix stored value).

Run once; it prints the VALUES rows that tests/sql/gridcell_vectors.sql
holds:
    python3 tests/data/gridcell_vectors.py
and, with the argument "areas", the reference areas that
tests/sql/gridcell_geometry.sql holds: the closed form of the area of an
ellipsoidal zone, evaluated with mpmath at 50 digits,
    A = dlng * b^2/2 * [f(lat2) - f(lat1)],
    f(p) = sin p / (1 - e^2 sin^2 p) + 1/(2e) ln((1 + e sin p) / (1 - e sin p)),
for WGS 84 (gridcell integrates the same area numerically instead):
    python3 tests/data/gridcell_vectors.py areas

Rules (docs/gridcell.md):
  - level 1: column 01-60 counted eastward from 180°W, row A-V from the
    equator; levels 2-10 count columns away from the prime meridian and
    rows away from the equator in every quadrant (mirror images of the
    north-east quadrant, which is the normative one);
  - a point on a line between cells belongs to the cell farther from the
    prime meridian / the equator (east and north in the NE quadrant);
    the prime meridian belongs to the east, the equator to the north,
    +180° to column 60 and -180° to column 01.

Each test point is an exact rational; the SQL test passes the double
nearest to it.  check_unambiguous() proves that this double gets the same
cell: either the rational lies on a level-10 line and the double is within
2^-17 of a 1/2048" unit of it (gridcell treats values within 2^-16 unit of a
line as on it), or the rational is at least 2^-10 unit away from every
level-10 line (so the double, within 1e-7 unit of it, floors the same way).
"""
from fractions import Fraction as F
from math import floor
import sys

# (width, height) in arc-seconds, level 1..10, from the standard's table
SIZE = {
    1: (F(6 * 3600), F(4 * 3600)),
    2: (F(30 * 60), F(30 * 60)),
    3: (F(15 * 60), F(10 * 60)),
    4: (F(60), F(60)),
    5: (F(4), F(4)),
    6: (F(2), F(2)),
    7: (F(1, 4), F(1, 4)),
    8: (F(1, 32), F(1, 32)),
    9: (F(1, 256), F(1, 256)),
    10: (F(1, 2048), F(1, 2048)),
}
HEX = "0123456789ABCDEF"
ROWS = "ABCDEFGHIJKLMNOPQRSTUV"
UNIT = F(1, 2048)  # arc-seconds


def code(lng, lat, level):
    """The code of the cell at `level` holding the exact point (lng, lat)."""
    assert -180 <= lng <= 180 and -88 < lat < 88
    east = lng >= 0
    north = lat >= 0
    x = abs(lng) * 3600          # arc-seconds from the prime meridian
    y = abs(lat) * 3600          # arc-seconds from the equator
    if x == 180 * 3600:          # ±180°: the outermost cell on its side
        x -= UNIT / 2
    w, h = SIZE[1]
    c = floor(x / w)
    r = floor(y / h)
    column = 31 + c if east else 30 - c
    out = ("N" if north else "S") + "%02d" % column + ROWS[r]
    x -= c * w
    y -= r * h
    for level_ in range(2, level + 1):
        w, h = SIZE[level_]
        c = floor(x / w)
        r = floor(y / h)
        x -= c * w
        y -= r * h
        if level_ in (3, 6):
            out += str(r * 2 + c)
        else:
            out += HEX[c] + HEX[r]
    return out


def check_unambiguous(value):
    """The SQL double for an exact rational classifies like the rational."""
    d = F(float(value))
    u_exact = abs(value) * 3600 / UNIT
    u_double = abs(d) * 3600 / UNIT
    if u_exact.denominator == 1:
        assert abs(u_double - u_exact) < F(1, 2 ** 17), value
    else:
        frac = u_exact - floor(u_exact)
        assert F(1, 2 ** 10) < frac < 1 - F(1, 2 ** 10), value
        assert floor(u_double) == floor(u_exact), value


def sql_float(value):
    return repr(float(value))


def row(name, lng, lat):
    check_unambiguous(lng)
    check_unambiguous(lat)
    codes = [code(lng, lat, level) for level in range(1, 11)]
    return "    ('%s', %s, %s, '{%s}')" % (name, sql_float(lng), sql_float(lat), ",".join(codes))


def dec(s):
    return F(s)


NAMED = [
    ("issue example, Haidian", dec("116.31"), dec("39.99")),
    ("Tiananmen", dec("116.397128"), dec("39.916527")),
    ("Guangming district", dec("113.9355"), dec("22.7485")),
    ("Bantian subdistrict", dec("114.0645"), dec("22.6285")),
    ("Lhasa", dec("91.1172"), dec("29.6469")),
    ("Mohe", dec("122.5389"), dec("53.4833")),
    ("Zengmu Ansha", dec("112.2833"), dec("3.9667")),
    ("origin", F(0), F(0)),
    ("near 180E 88N", dec("179.9999999"), dec("87.9999999")),
    ("on 180E", F(180), dec("45.5")),
]

OFFSET = F(1, 10 ** 9)   # 1e-9 degree


def edge_rows():
    """For each level, a corner of that level's grid that lies on no
    coarser line, the point 1e-9° south-west of it and the point 1e-9°
    north-east of it."""
    rows = []
    anchor = (dec("113.9355"), dec("22.7485"))   # Guangming
    for level in range(1, 11):
        w, h = SIZE[level]
        x = anchor[0] * 3600
        y = anchor[1] * 3600
        cx = floor(x / w) * w
        cy = floor(y / h) * h
        if level > 1:
            pw, ph = SIZE[level - 1]
            # move onto a line of this level that is no line of the parent
            if cx % pw == 0:
                cx += w
            if cy % ph == 0:
                cy += h
            assert cx % pw != 0 and cy % ph != 0
        lng = cx / 3600
        lat = cy / 3600
        rows.append(row("L%d corner" % level, lng, lat))
        rows.append(row("L%d corner -1e-9" % level, lng - OFFSET, lat - OFFSET))
        rows.append(row("L%d corner +1e-9" % level, lng + OFFSET, lat + OFFSET))
        rows.append(row("L%d west edge" % level, lng, anchor[1]))
        rows.append(row("L%d west edge -1e-9" % level, lng - OFFSET, anchor[1]))
    return rows


OTHER_QUADRANTS = [
    ("Seattle (NW)", dec("-122.3321"), dec("47.6062")),
    ("Buenos Aires (SW)", dec("-58.3816"), dec("-34.6037")),
    ("Sydney (SE)", dec("151.2093"), dec("-33.8688")),
    ("on 6W 4S (SW)", F(-6), F(-4)),
    ("1e-9 off 6W 4S (SW)", F(-6) + OFFSET, F(-4) + OFFSET),
    ("on 180W", F(-180), dec("-45.5")),
    ("just W of prime meridian", -OFFSET, dec("51.4779")),
    ("just S of equator", dec("32.5"), -OFFSET),
    ("on 0.5W 0.5S lines (SW)", dec("-0.5"), dec("-0.5")),
]


def bounds(code_):
    """West, south, east, north (degrees, exact) of the cell a code names."""
    level = {4: 1, 6: 2, 7: 3, 9: 4, 11: 5, 12: 6, 14: 7, 16: 8, 18: 9, 20: 10}[len(code_)]
    east = int(code_[1:3]) >= 31
    north = code_[0] == "N"
    c = int(code_[1:3]) - 31 if east else 30 - int(code_[1:3])
    r = ROWS.index(code_[3])
    x = c * SIZE[1][0]
    y = r * SIZE[1][1]
    pos = 4
    for level_ in range(2, level + 1):
        if level_ in (3, 6):
            n = int(code_[pos])
            c, r = n % 2, n // 2
            pos += 1
        else:
            c, r = HEX.index(code_[pos]), HEX.index(code_[pos + 1])
            pos += 2
        x += c * SIZE[level_][0]
        y += r * SIZE[level_][1]
    w, h = SIZE[level]
    x0, x1 = (x, x + w) if east else (-(x + w), -x)
    y0, y1 = (y, y + h) if north else (-(y + h), -y)
    return x0 / 3600, y0 / 3600, x1 / 3600, y1 / 3600


def area(code_):
    import mpmath
    mpmath.mp.dps = 50
    a = mpmath.mpf(6378137)
    f = 1 / mpmath.mpf("298.257223563")
    e2 = f * (2 - f)
    e = mpmath.sqrt(e2)
    b2 = a * a * (1 - e2)
    west, south, east_, north = bounds(code_)

    def g(lat):
        s_ = mpmath.sin(mpmath.radians(mpmath.mpf(lat.numerator) / lat.denominator))
        return s_ / (1 - e2 * s_ * s_) + mpmath.log((1 + e * s_) / (1 - e * s_)) / (2 * e)

    dlng = mpmath.radians(mpmath.mpf((east_ - west).numerator) / (east_ - west).denominator)
    return dlng * b2 / 2 * (g(north) - g(south))


AREA_CODES = ["N50J", "N50J47", "N50J475", "N50J47539", "N50J4753996", "N50J47539960",
              "N50J4753996000", "N50J475399600000", "N50J47539960000000",
              "N50J4753996000000000", "N31A", "N60V", "S60V", "N49FB53B41D3"]


def main():
    if sys.argv[1:] == ["areas"]:
        import mpmath
        rows = ["    ('%s', %s)" % (c, mpmath.nstr(area(c), 17)) for c in AREA_CODES]
        sys.stdout.write(",\n".join(rows) + "\n")
        return
    groups = [
        ("north-east quadrant: named points", [row(*p) for p in NAMED]),
        ("north-east quadrant: a corner of every level, on it and 1e-9 deg off",
         edge_rows()),
        ("other quadrants (mirror rule)", [row(*p) for p in OTHER_QUADRANTS]),
    ]
    lines = []
    for title, rows in groups:
        lines.append("    -- " + title)
        lines.extend(r + "," for r in rows)
    lines[-1] = lines[-1].rstrip(",")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
