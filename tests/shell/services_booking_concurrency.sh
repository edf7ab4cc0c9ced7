#!/usr/bin/env bash
# Bookings under 8 concurrent clients, against the cluster that the PG*
# variables name.
#
# In a database of its own (created and dropped here): the services fixture
# (tests/pgtap/services_fixture.psql) and 270 requests for its basketball
# court (venue 3, open 08:00-22:00 every day) over ten days: every
# one-hour slot, and the same hours shifted by half an hour, so that
# requests collide whole and in part.  Then 8 psql sessions at once each
# ask for every request, in an order of its own, one book_venue() per
# statement, and log what they were told: the booking made, or the error.
# Afterwards, checks:
#   - every attempt was a booking or a refusal, and every refusal was 23P01;
#   - 0 double bookings: no two active bookings of the venue overlap;
#   - 0 lost bookings: the bookings the sessions were told of are the
#     table's, and the table holds nothing else;
#   - every refusal named a booking, and the named booking is active and
#     overlaps the request refused;
#   - no refusal was wrong: every request overlaps an active booking;
#   - the run did collide: sessions were refused.
# The last line is "services_booking_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8

. tests/shell/check.bash
scratch_database services_booking_concurrency
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'EOF2' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/services_fixture.psql
-- 140 one-hour slots (08:00-22:00, ten days) and 140 shifted by half an hour
-- (08:30-21:30, the last one ending at 22:30 outside the hours: 130 of them)
CREATE TABLE public.request AS
SELECT row_number() OVER (ORDER BY s) AS n, s, tstzrange(s, s + interval '1 hour') AS during
  FROM (SELECT d + h * interval '1 hour' + m * interval '30 minutes' AS s
          FROM generate_series('2030-06-03 08:00+08'::timestamptz, '2030-06-12 08:00+08', interval '1 day') d,
               generate_series(0, 13) h, generate_series(0, 1) m
         WHERE NOT (h = 13 AND m = 1)) x;
CREATE TABLE public.refused (client integer, n bigint, sqlstate text, named bigint);
EOF2
requests=$(psql -X -At -c "SELECT count(*) FROM request")

# each session's statements, in an order of its own; line k of order$i is
# the request of statement k
for i in $(seq 1 $clients); do
	psql -X -At -c "SELECT n FROM request ORDER BY md5(n || '-' || $i)" >"$work/order$i" ||
		fail_setup "client $i's order"
	psql -X -At -c "SELECT format('SELECT %s, id FROM gridgov.book_venue(3, %L, person => %s);', n, during, 1 + n % 13)
	                  FROM request ORDER BY md5(n || '-' || $i)" >"$work/client$i.sql" ||
		fail_setup "client $i's script"
done

run_clients client -F ' ' -v VERBOSITY=verbose

# psql:FILE:LINE: ERROR:  SQLSTATE: message ... by booking N
for i in $(seq 1 $clients); do
	sed -n 's/^psql:[^:]*:\([0-9]*\): ERROR:  \([0-9A-Z]*\): .*by booking \([0-9]*\)$/\1 \2 \3/p;
	        s/^psql:[^:]*:\([0-9]*\): ERROR:  \([0-9A-Z]*\): .*$/\1 \2 -/p' "$work/client$i.err" |
		awk -v client="$i" 'NR == FNR { order[NR] = $1; next }
		                    !seen[$1]++ { print client "\t" order[$1] "\t" $2 "\t" ($3 == "-" ? "\\N" : $3) }' "$work/order$i" -
done >"$work/refused.tsv"
psql -X -q -c "\\copy refused FROM '$work/refused.tsv'" || fail_setup "loading the refusals"
cat "$work"/client*.out | sort -n -k2 >"$work/told"

told_count=$(grep -c . "$work/told" || true)
refused=$(q "SELECT count(*) FROM refused")
check "every attempt was a booking or a refusal" "$((clients * requests))" "$((told_count + refused))"
check "every refusal was 23P01" 0 "$(q "SELECT count(*) FROM refused WHERE sqlstate <> '23P01'")"
check "0 double bookings: no two active bookings overlap" 0 \
	"$(q "SELECT count(*) FROM booking a JOIN booking b ON a.venue = b.venue AND a.id < b.id AND a.during && b.during
	       WHERE a.status = 'active' AND b.status = 'active'")"
check "0 lost bookings: the bookings the sessions were told of are the table's ($told_count)" \
	"$(awk '{print $2}' "$work/told" | md5sum)" "$(q "SELECT id FROM booking ORDER BY id" | md5sum)"
check "each booking is the request asked" 0 \
	"$(q "SELECT count(*) FROM booking b WHERE NOT EXISTS (SELECT FROM request r WHERE r.during = b.during)")"
check "every refusal named a booking" 0 "$(q "SELECT count(*) FROM refused WHERE named IS NULL")"
check "the named booking is active and overlaps the request" 0 \
	"$(q "SELECT count(*) FROM refused f JOIN request r USING (n)
	       WHERE NOT EXISTS (SELECT FROM booking b WHERE b.id = f.named AND b.status = 'active' AND b.during && r.during)")"
check "no refusal was wrong: every request overlaps an active booking" 0 \
	"$(q "SELECT count(*) FROM request r WHERE NOT EXISTS (SELECT FROM booking b WHERE b.during && r.during)")"
check "sessions collided" t "$(q "SELECT count(*) > 0 FROM refused")"
check_summary services_booking_concurrency
