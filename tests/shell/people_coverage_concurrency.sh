#!/usr/bin/env bash
# The kept coverage (grid_party_days, community_headcount) under 8
# concurrent clients, against the cluster that the PG* variables name.
#
# In a database of its own: the people fixture (tests/pgtap/people_fixture.psql)
# and 1,600 more people.  Then 8 psql sessions at once, READ COMMITTED, each
# run 150 changes to the same six grids of two communities, in an order of
# its own: party members and others posted on a grid or building, or in the
# area branch (placed on its two grids), ended, deleted; a third of them two
# changes in one transaction.  Then 2 sessions at once run 60 REPEATABLE READ
# transactions each, every one posting a party member on the same grid
# after its snapshot was taken.  Afterwards, checks:
#   - every refusal was an allowed one: 23P01 (the same post twice), 40P01
#     (two transactions locking two communities in opposite orders), 40001
#     (REPEATABLE READ: the grid changed after the snapshot), and 25P02 for
#     the rest of a transaction so refused;
#   - the REPEATABLE READ sessions did collide (40001), and every one of
#     their committed posts is counted;
#   - a burst of 8 sessions posting on one grid at once, each for a day of
#     its own and holding its transaction open after its recount, leaves
#     all 8 days counted;
#   - a crowd of 8 sessions let go at once, 5 times, each posting a party
#     member on a community of 20,000 posts, leaves every post counted
#     (the check that fails without the recount's row locks: elsewhere the
#     grid's UPDATE already queues the writers of a grid before they count
#     their community);
#   - grids_without_party_members and people_by_unit at level 5 equal a brute
#     force over the posts (text prefixes, no kept table) at 17 days;
#   - what the triggers kept equals a rebuild.
# The last line is "people_coverage_concurrency: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

clients=8
changes=150

. tests/shell/check.bash
scratch_database people_coverage_concurrency
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$work/setup.err" <<'EOF_SQL' || fail_setup "$(cat "$work/setup.err")"
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/people_fixture.psql
INSERT INTO person (id) SELECT generate_series(1000, 2599);
-- the places the sessions fight over: six grids, their buildings, the area
-- branch 2 (grids 001 and 002) and the squad 8 (the whole community)
CREATE TABLE public.place (n integer PRIMARY KEY, organization bigint, unit gridcode);
INSERT INTO public.place VALUES
    (1, NULL, '440311006003001'), (2, NULL, '4403110060030010001'), (3, NULL, '440311006003002'),
    (4, NULL, '4403110060030020001'), (5, NULL, '440311006003003'), (6, NULL, '4403110060030030001'),
    (7, NULL, '440311006003004'), (8, NULL, '440311006004001'), (9, NULL, '4403110060040010002'),
    (10, 2, NULL), (11, 8, '440311006003002'), (12, 2, '4403110060030010002');
EOF_SQL

# session i's changes: its own people (1000 + 200 (i - 1) ...), each change
# picked by a hash of (session, step)
for i in $(seq 1 $clients); do
	psql -X -q -At -v i="$i" -v changes="$changes" >"$work/client$i.sql" 2>>"$work/setup.err" <<'EOF_SQL' || fail_setup "client $i's script"
SET search_path = gridgov, public;
WITH step AS (
    SELECT s, ('x' || left(md5(:i || '-' || s), 8))::bit(32)::int & 2147483647 AS h FROM generate_series(1, :changes) s),
change AS (
    SELECT s, h,
           1000 + 200 * (:i - 1) + h % 40 AS person,
           (ARRAY['party_member_community', 'party_member_retired', 'grid_worker', 'patrol_volunteer'])[1 + h / 7 % 4] AS role,
           p.organization, p.unit,
           date '2025-01-01' + h / 11 % 500 AS first, date '2025-01-01' + h / 11 % 500 + 1 + h / 13 % 400 AS last
      FROM step JOIN public.place p ON p.n = 1 + step.h / 3 % 12),
statement AS (
    SELECT s, h, CASE h % 5
        WHEN 0 THEN format('UPDATE post SET valid = daterange(lower(valid), %L) WHERE person = %s AND lower(valid) < %L;',
                           last, person, last)
        WHEN 1 THEN format('DELETE FROM post WHERE person = %s AND role = %L;', person, role)
        ELSE format('INSERT INTO post (person, role, organization, unit, valid) VALUES (%s, %L, %s, %s, daterange(%L, %s));',
                    person, role, coalesce(organization::text, 'NULL'), coalesce(quote_literal(unit), 'NULL'),
                    first, CASE WHEN h % 3 = 0 THEN 'NULL' ELSE quote_literal(last) END) END AS sql
      FROM change)
SELECT CASE WHEN s % 3 = 0 THEN 'BEGIN; ' || sql || ' ' || lead(sql) OVER (ORDER BY s) || ' COMMIT;'
            WHEN s % 3 = 1 AND s > 1 THEN NULL
            ELSE sql END
  FROM statement ORDER BY s;
EOF_SQL
	sed -i '/^$/d; 1i SET search_path = gridgov, public;' "$work/client$i.sql"
done

run_clients client -v VERBOSITY=sqlstate

# two sessions in REPEATABLE READ, each transaction posting a party member
# on grid 003 after its snapshot was taken
for i in 1 2; do
	for s in $(seq 1 60); do
		person=$((2400 + 100 * (i - 1) + s))
		echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM gridgov.post; SELECT pg_sleep(0.01);
		      INSERT INTO gridgov.post (person, role, unit, valid) VALUES ($person, 'party_member_community', '440311006003003', '[2026-02-01,)');
		      COMMIT;"
	done >"$work/repeatable$i.sql"
done
clients=2 run_clients repeatable -v VERBOSITY=sqlstate

# a burst: 8 sessions each post a party member on grid 004 for a day of
# its own (2027-03-02 to 2027-03-09) and hold their transaction open a
# while, so that each one's recount runs while the others' posts are not
# yet committed; the grid and the community must still count all eight
for i in $(seq 1 $clients); do
	echo "BEGIN; INSERT INTO gridgov.post (person, role, unit, valid)
	      VALUES ($((2589 + i)), 'party_member_community', '4403110060030040001',
	              daterange(date '2027-03-01' + $i, date '2027-03-02' + $i));
	      SELECT pg_sleep(0.3); COMMIT;" >"$work/burst$i.sql"
done
run_clients burst -v VERBOSITY=sqlstate

# a crowd: community 004 holds 20,000 posts, so that counting it takes a
# while, and in each of 5 rounds 8 sessions, let go at once by a lock the
# test holds, each post a person on its grid; every session's count of the
# community runs while the others' posts are not committed, so without the
# row locks the last to write its count drops the posts of the others
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>>"$work/setup.err" <<'EOF_SQL' || fail_setup "the crowd's community"
SET session_replication_role = replica;
INSERT INTO gridgov.person (id) SELECT generate_series(10000, 29999);
INSERT INTO gridgov.post (person, role, unit, valid)
SELECT n, 'patrol_volunteer', '4403110060040010002', '[2025-01-01,)' FROM generate_series(10000, 29999) n;
RESET session_replication_role;
SELECT gridgov.rebuild_coverage();
EOF_SQL
rounds=5
{
	echo "SELECT pg_advisory_lock(900 + r) FROM generate_series(1, $rounds) r;"
	for r in $(seq 1 $rounds); do echo "SELECT pg_sleep(1.5); SELECT pg_advisory_unlock($((900 + r)));"; done
} >"$work/crowd-gate.sql"
psql -X -q -At -f "$work/crowd-gate.sql" >/dev/null 2>&1 &
gate=$!
sleep 0.5
for i in $(seq 1 $clients); do
	for r in $(seq 1 $rounds); do
		echo "SELECT pg_advisory_lock_shared($((900 + r))); SELECT pg_advisory_unlock_shared($((900 + r)));
		      INSERT INTO gridgov.post (person, role, unit, valid)
		      VALUES ($((3000 + 10 * r + i)), 'party_member_community', '440311006004', '[2027-06-01,)');"
	done >"$work/crowd$i.sql"
done
q "INSERT INTO person (id) SELECT 3000 + 10 * r + i FROM generate_series(1, $rounds) r, generate_series(1, $clients) i" >/dev/null
run_clients crowd -v VERBOSITY=sqlstate
wait "$gate"
check "the crowd's $((rounds * clients)) posts were made" $((rounds * clients)) \
	"$(q "SELECT count(*) FROM post WHERE person BETWEEN 3000 AND 3099")"

errors=$(cat "$work"/client*.err "$work"/repeatable*.err "$work"/crowd*.err | sed -n 's/^psql:[^ ]* ERROR:  \([0-9A-Z]*\)$/\1/p' | sort | uniq -c)
echo "refusals: $(printf '%s' "$errors" | tr '\n' ' ')"
check "every refusal was 23P01, 40P01, 40001 or 25P02" 0 \
	"$(cat "$work"/client*.err "$work"/repeatable*.err "$work"/crowd*.err | grep 'ERROR:' | grep -cvE 'ERROR:  (23P01|40P01|40001|25P02)$' || true)"
check "the REPEATABLE READ sessions collided (40001)" t \
	"$(grep -qh 'ERROR:  40001$' "$work"/repeatable*.err && echo t || echo f)"
check "the sessions changed posts" t "$(q "SELECT count(*) > 200 FROM post WHERE person >= 1000")"
check "the burst's eight posts were made" 8 "$(q "SELECT count(*) FROM post WHERE person BETWEEN 2590 AND 2597")"
check "grid 004 has a party member on each of the burst's eight days" 8 \
	"$(q "SELECT count(*) FROM grid_party_days g, generate_series(date '2027-03-02', date '2027-03-09', '1 day') d
	       WHERE g.grid = '440311006003004' AND g.days @> d::date")"
committed=$(q "SELECT count(*) FROM post WHERE person >= 2400")
check "every committed REPEATABLE READ post is counted: grid 003 has a party member from 2026-02-01" t \
	"$(q "SELECT $committed > 0 AND days @> date '2026-02-01' FROM grid_party_days WHERE grid = '440311006003003'")"

# the brute force: placements by text prefixes of the codes, no kept table
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>>"$work/setup.err" <<'EOF_SQL' || fail_setup "brute force"
CREATE TABLE public.day AS
SELECT d::date AS day FROM unnest(ARRAY['2024-06-01', '2025-01-01', '2025-03-15', '2025-07-01', '2025-10-20',
                                        '2026-01-01', '2026-02-01', '2026-05-01', '2027-03-01']) d
 UNION ALL SELECT d::date FROM generate_series(date '2027-03-02', date '2027-03-09', '1 day') d;
CREATE VIEW public.brute_placement AS
SELECT p.person, p.role, p.unit::text AS unit, p.valid FROM gridgov.post p WHERE p.unit IS NOT NULL
UNION ALL
SELECT p.person, p.role, c.unit::text, p.valid * c.valid FROM gridgov.post p
  JOIN gridgov.organization_unit c ON c.organization = p.organization
 WHERE p.unit IS NULL;
EOF_SQL
check "community 004's headcount on the crowd's day equals the brute force" \
	"$(q "SELECT count(DISTINCT b.person), count(DISTINCT b.person) FILTER (WHERE r.class = 'party_member')
	        FROM public.brute_placement b JOIN role r ON r.code = b.role
	       WHERE starts_with(b.unit, '440311006004') AND b.valid @> date '2027-06-01'")" \
	"$(q "SELECT people, party_members FROM people_by_unit('440311006004', 5, '2027-06-01')")"
check "grids_without_party_members equals the brute force on 17 days" 0 "$(q "
	SELECT count(*) FROM (
	    (SELECT d.day, g.grid::text FROM public.day d, grids_without_party_members('440311', d.day) g
	     EXCEPT ALL
	     SELECT d.day, u.code::text FROM public.day d, unit u
	      WHERE u.level = 6 AND starts_with(u.code::text, '440311') AND (u.valid_to IS NULL OR u.valid_to > d.day)
	        AND NOT EXISTS (SELECT FROM public.brute_placement b JOIN role r ON r.code = b.role
	                         WHERE starts_with(b.unit, u.code::text) AND b.valid @> d.day AND r.class = 'party_member'))
	    UNION ALL
	    (SELECT d.day, u.code::text FROM public.day d, unit u
	      WHERE u.level = 6 AND starts_with(u.code::text, '440311') AND (u.valid_to IS NULL OR u.valid_to > d.day)
	        AND NOT EXISTS (SELECT FROM public.brute_placement b JOIN role r ON r.code = b.role
	                         WHERE starts_with(b.unit, u.code::text) AND b.valid @> d.day AND r.class = 'party_member')
	     EXCEPT ALL
	     SELECT d.day, g.grid::text FROM public.day d, grids_without_party_members('440311', d.day) g)) x")"
check "people_by_unit at level 5 equals the brute force on 17 days" 0 "$(q "
	SELECT count(*) FROM (
	    SELECT d.day, n.unit::text, n.people, n.party_members FROM public.day d, people_by_unit('440311', 5, d.day) n
	    EXCEPT ALL
	    SELECT d.day, u.code::text,
	           (SELECT count(DISTINCT b.person) FROM public.brute_placement b
	             WHERE starts_with(b.unit, u.code::text) AND b.valid @> d.day),
	           (SELECT count(DISTINCT b.person) FROM public.brute_placement b JOIN role r ON r.code = b.role
	             WHERE starts_with(b.unit, u.code::text) AND b.valid @> d.day AND r.class = 'party_member')
	      FROM public.day d, unit u
	     WHERE u.level = 5 AND starts_with(u.code::text, '440311') AND (u.valid_to IS NULL OR u.valid_to > d.day)) x")"
check "people are counted on some of those days" t "$(q "SELECT sum(people) > 100 FROM public.day d, people_by_unit('440311', 5, d.day)")"

q "CREATE TABLE public.kept_grids AS SELECT grid::text, days::text FROM grid_party_days;
   CREATE TABLE public.kept_heads AS SELECT community::text, since, people, party_members FROM community_headcount;
   SELECT rebuild_coverage();" >/dev/null
check "grid_party_days as kept equals its rebuild" 0 "$(q "
	SELECT count(*) FROM ((TABLE public.kept_grids EXCEPT ALL SELECT grid::text, days::text FROM grid_party_days)
	                      UNION ALL (SELECT grid::text, days::text FROM grid_party_days EXCEPT ALL TABLE public.kept_grids)) x")"
check "community_headcount as kept equals its rebuild" 0 "$(q "
	SELECT count(*) FROM ((TABLE public.kept_heads
	                       EXCEPT ALL SELECT community::text, since, people, party_members FROM community_headcount)
	                      UNION ALL (SELECT community::text, since, people, party_members FROM community_headcount
	                                 EXCEPT ALL TABLE public.kept_heads)) x")"
check_summary people_coverage_concurrency
