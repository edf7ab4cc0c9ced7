#!/usr/bin/env bash
# The services pillar through pg_dump and a plain pg_restore, against the
# cluster that the PG* variables name: venues (one closed since it was
# booked, its hours shortened), bookings (one cancelled), an activity with
# sign-ups (confirmed, promoted, waiting, cancelled, attended), ratings of
# now and of a past month, and an award.  The restore takes each row as it
# was (imports: the rows' own times, from the restoring superuser), counts
# nothing twice (signed_up came with the activity), and rebuilds the
# ratings' rollup, which is not dumped, through the ratings' trigger.
# The last line is "services_dump_restore: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

src=gridgov_services_dump_$$ dst=gridgov_services_restored_$$
dump=$(mktemp)
export PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning'
trap 'dropdb --if-exists "$src" >/dev/null 2>&1; dropdb --if-exists "$dst" >/dev/null 2>&1; rm -f "$dump"' EXIT

. tests/shell/check.bash

createdb "$src" || exit 1
if ! psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/services_fixture.psql
SELECT book_venue(1, '[2030-06-03 14:00+08, 2030-06-03 16:00+08)', person => 2);
SELECT cancel_booking(1);
SELECT book_venue(1, '[2030-06-03 14:00+08, 2030-06-03 16:00+08)', person => 3);
SELECT publish_activity(2, '[2030-06-04 14:00+08, 2030-06-04 16:00+08)', '讲座', 'legal', 1, capacity => 2);
SELECT sign_up(1, p) FROM generate_series(2, 6) p;
SELECT cancel_signup(1);
SELECT record_attendance(1, ARRAY[3]);
SELECT rate(p, 'venue', 1, 1 + p % 5) FROM generate_series(2, 9) p;
INSERT INTO rating (person, target_kind, target, stars, rated_at)
SELECT p, 'hall', 1, 3 + p % 3, '2026-03-05 10:00+08' FROM generate_series(2, 9) p;
SELECT award_month('2026-03-01', min_ratings => 1, min_cases => 0);
-- changed since: the hall closed, its afternoons gone
UPDATE venue SET status = 'closed' WHERE id = 1;
DELETE FROM venue_hours WHERE venue = 1 AND opens = '14:00';
-- (service points without their organizations: restoring a service point
-- checks its organization's coverage, which may come later)
UPDATE service_point SET organization = NULL;
SQL
then
	check "set up the source" 0 1
	check_summary services_dump_restore
	exit 1
fi

state() {
	psql -X -At -d "$1" -c "SET search_path = gridgov, public" -c "
	SELECT (SELECT string_agg(id || ':' || status || ':' || booked_at, ',' ORDER BY id) FROM booking),
	       (SELECT string_agg(id || ':' || signed_up || ':' || status, ',' ORDER BY id) FROM activity),
	       (SELECT string_agg(id || ':' || status || ':' || attended || ':' || (promoted_at IS NOT NULL), ',' ORDER BY id) FROM signup),
	       (SELECT string_agg(unit || ' ' || month || ' ' || target_kind || ' ' || ratings || '/' || stars || '/' || five_stars, ','
	                          ORDER BY unit, month, target_kind) FROM rating_monthly),
	       (SELECT string_agg(id || ':' || rated_at, ',' ORDER BY id) FROM rating),
	       (SELECT string_agg(month || ':' || rank || ':' || score, ',' ORDER BY month, rank) FROM hall_award)"
}

pg_dump -Fc -d "$src" -f "$dump" 2>/dev/null
check "pg_dump succeeds" 0 "$?"
createdb "$dst" || exit 1
pg_restore -d "$dst" "$dump"
check "a plain pg_restore succeeds" 0 "$?"
before=$(state "$src")
after=$(state "$dst")
check "the restored services are the dumped ones, the rollup rebuilt" "$before" "$after"
check "and there is something to compare" t "$([ "${#before}" -gt 200 ] && echo t || echo f)"
check "the restored copy still refuses an overlap" 23P01 \
	"$(psql -X -At -v VERBOSITY=sqlstate -d "$dst" \
	        -c "SELECT gridgov.book_venue(2, '[2030-06-04 15:00+08, 2030-06-04 17:00+08)', person => 9)" 2>&1 |
	   sed -n 's/^ERROR:  //p')"
psql -X -q -d "$dst" -c "SELECT gridgov.sign_up(1, 7)" >/dev/null
check "and places a new sign-up, counted once: full, three waiting" "2 3" \
	"$(psql -X -At -d "$dst" -c "SELECT (SELECT signed_up FROM gridgov.activity WHERE id = 1) || ' ' ||
	                                    (SELECT count(*) FROM gridgov.signup WHERE activity = 1 AND status = 'waiting')")"
check_summary services_dump_restore
