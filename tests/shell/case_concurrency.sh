#!/usr/bin/env bash
# The case engine under concurrency, against the cluster that the PG*
# variables name (the dev cluster, or pg_virtualenv via tools/in-cluster).
#
# In a database of its own (created and dropped here): the case fixture of
# the pgTAP suites, plus a category whose time limits are fractions of a
# second, so that cases fall overdue while the test runs.  Then, at once:
#   - 4 worker sessions, each a psql running a stream of moves: pick a case
#     (most of the time one of a few hot cases all workers fight over), read
#     its state, think for a moment, and make the next move of its
#     lifecycle (accept, dispatch, return, start, suspend, resume, extend,
#     refer upward, resolve, reopen, verify, close) with the gridgov move
#     functions.  Another session may have moved the case meanwhile: the
#     engine refuses with GG001 (wrong state) or GG002 (the other move is
#     later, or the deadline already moved); those refusals are expected
#     and counted.  Each worker logs every move it was told succeeded.
#   - 2 sweep sessions calling gridgov.escalate_overdue(now()) in a loop,
#     logging what they escalated.
#   - 1 listener session (LISTEN gridgov_case) collecting the notifications.
# Afterwards, checks: every session finished in time; every refusal was
# GG001 or GG002 and every sweep call completed; every move a session was
# told succeeded was its own and is in the history; no move lost (each
# case's history_seq is its number of history rows, numbered 1..n); no
# missed deadline escalated twice, and the sweeps' returns are the history's
# overdue escalations; verify_history() is empty; the listener received one
# notification (case, seq, action) per move; and the run did collide,
# sweep, refer and close.  The last line is "case_concurrency: N passed,
# M failed"; the exit status is non-zero when anything failed.
# CONCURRENCY_KEEP=1 keeps the sessions' logs; CONCURRENCY_CASES, _STEPS and
# _SWEEPS change the load.
set -uo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_concurrency_$$
workers=4
sweepers=2
cases=${CONCURRENCY_CASES:-240}
hot=8
steps=${CONCURRENCY_STEPS:-700}
sweeps=${CONCURRENCY_SWEEPS:-500}
limit=40                                  # seconds any session may take

export PGDATABASE=$db PGTZ=Asia/Shanghai PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d)
pids=()
listener_pid=

cleanup() {
	local pid
	for pid in "${pids[@]}" $listener_pid; do kill "$pid" 2>/dev/null; done
	{ exec 3>&-; } 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	if [ -n "${CONCURRENCY_KEEP:-}" ]; then echo "case_concurrency: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail_setup() {
	echo "case_concurrency: setup failed: $*" >&2
	echo "case_concurrency: 0 passed, 1 failed"
	exit 1
}

createdb "$db" || fail_setup "createdb $db"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION gridgov CASCADE' -f tests/pgtap/case_fixture.psql \
	>/dev/null 2>"$work/setup.err" || fail_setup "$(cat "$work/setup.err")"
psql -X -q -v ON_ERROR_STOP=1 -v cases="$cases" >/dev/null 2>>"$work/setup.err" <<'EOF' || fail_setup "$(cat "$work/setup.err")"
SET search_path = gridgov, public;
-- limits in clock hours that run out within a second or two
INSERT INTO category (code, name) VALUES ('race', '并发测试');
INSERT INTO category_rule (category, severity, handling_level, limit_unit,
                           accept_limit, dispatch_limit, resolve_limit, verify_limit)
VALUES ('race', 1, 5, 'clock_hour', 0.0003, 0.0003, 0.0005, 0.0003);
-- every fifth case a noise complaint on working days, which never falls due here
INSERT INTO cases (id, category, channel, location, reported_at)
SELECT g, CASE WHEN g % 5 = 0 THEN 'noise' ELSE 'race' END, 'patrol',
       ST_SetSRID(ST_MakePoint((ARRAY[113.91, 113.94, 113.96])[1 + g % 3] + 0.0001 * (g % 50) - 0.0025,
                               (ARRAY[22.76, 22.75, 22.75])[1 + g % 3] + 0.0001 * (g % 40) - 0.002), 4326),
       now() - interval '1 hour'
  FROM generate_series(1, :cases) g;

-- One step of a worker: read the case, think, make its next move.
CREATE FUNCTION public.step(case_id bigint, who text, r float8,
                            OUT action text, OUT seq integer, OUT moved_by text)
    LANGUAGE plpgsql
AS $$
DECLARE
    c gridgov.cases;
    moved gridgov.cases;
BEGIN
    SELECT * INTO c FROM gridgov.cases WHERE id = case_id;
    PERFORM pg_sleep(0.004 * r);
    action := CASE c.status
        WHEN 'reported' THEN 'accept'
        WHEN 'accepted' THEN 'dispatch'
        WHEN 'returned' THEN 'dispatch'
        WHEN 'dispatched' THEN CASE WHEN r < 0.08 THEN 'return' ELSE 'start' END
        WHEN 'in_progress' THEN CASE WHEN r < 0.08 THEN 'suspend' WHEN r < 0.16 THEN 'extend'
                                     WHEN r < 0.24 AND c.handling_level > 3 THEN 'escalate' ELSE 'resolve' END
        WHEN 'suspended' THEN 'resume'
        WHEN 'resolved' THEN CASE WHEN r < 0.15 THEN 'reopen' ELSE 'verify' END
        WHEN 'verified' THEN 'close' END;
    CASE action
        WHEN 'accept' THEN moved := gridgov.accept(case_id, actor => who);
        WHEN 'dispatch' THEN moved := gridgov.dispatch(case_id, actor => who);
        WHEN 'return' THEN moved := gridgov.return_case(case_id, 'not ours: ' || who, actor => who);
        WHEN 'start' THEN moved := gridgov.start(case_id, actor => who);
        WHEN 'suspend' THEN moved := gridgov.suspend(case_id, 'waiting: ' || who, actor => who);
        WHEN 'extend' THEN moved := gridgov.extend(case_id, c.stage_deadline + interval '2 seconds',
                                                   'more time: ' || who, actor => who);
        WHEN 'escalate' THEN moved := gridgov.escalate(case_id, 'referred: ' || who, actor => who);
        WHEN 'resume' THEN moved := gridgov.resume(case_id, actor => who);
        WHEN 'resolve' THEN moved := gridgov.resolve(case_id, 'done: ' || who, actor => who);
        WHEN 'reopen' THEN moved := gridgov.reopen(case_id, 'rework: ' || who, actor => who);
        WHEN 'verify' THEN moved := gridgov.verify(case_id, actor => who);
        WHEN 'close' THEN moved := gridgov.close(case_id, 5, 'fine', actor => who);
        ELSE RETURN;                    -- closed: nothing left to do
    END CASE;
    seq := moved.history_seq;
    moved_by := moved.actor;
END;
$$;
EOF

# the listener: LISTEN first, then idle until the end
mkfifo "$work/listen.fifo"
timeout $((limit + 10)) psql -X -At <"$work/listen.fifo" >"$work/listen.log" 2>&1 &
listener_pid=$!
exec 3>"$work/listen.fifo"
echo "LISTEN gridgov_case; SELECT 'listening';" >&3
for _ in $(seq 100); do grep -q '^listening$' "$work/listen.log" && break; sleep 0.1; done
grep -q '^listening$' "$work/listen.log" || fail_setup "the listener did not start"

# the workers' and sweepers' scripts
for w in $(seq "$workers"); do
	awk -v w="$w" -v n="$steps" -v cases="$cases" -v hot="$hot" 'BEGIN {
		srand(w);
		for (k = 1; k <= n; k++) {
			# the hot cases: a window that moves on as the workers, at about
			# the same pace, close what is in it
			c = rand() < 0.6 ? 1 + (int((k - 1) / 25) * hot + int(rand() * hot)) % cases : 1 + int(rand() * cases);
			who = "w" w "-" k;
			printf "SELECT format(%s, %d, action, seq, moved_by, %s) FROM step(%d, %s, %.4f) WHERE action IS NOT NULL;\n",
				"'\''ok %s %s %s %s %s'\''", c, "'\''" who "'\''", c, "'\''" who "'\''", rand();
			printf "\\if :ERROR\n\\echo err %d %s :SQLSTATE :LAST_ERROR_MESSAGE\n\\endif\n", c, who;
			printf "SELECT pg_sleep(0.004) \\g /dev/null\n";
		}
	}' >"$work/worker$w.sql"
done
for s in $(seq "$sweepers"); do
	for _ in $(seq "$sweeps"); do
		echo "SELECT format('esc %s %s %s %s %s', case_id, extract(epoch FROM missed_deadline), from_level, to_level, $s) FROM gridgov.escalate_overdue(now());"
		printf '\\if :ERROR\n\\echo sweeperr %s :SQLSTATE :LAST_ERROR_MESSAGE\n\\endif\n' "$s"
		echo "SELECT pg_sleep(0.01) \\g /dev/null"
	done >"$work/sweeper$s.sql"
done

started=$SECONDS
for w in $(seq "$workers"); do
	timeout "$limit" psql -X -At -f "$work/worker$w.sql" >"$work/worker$w.log" 2>"$work/worker$w.err" &
	pids+=($!)
done
for s in $(seq "$sweepers"); do
	timeout "$limit" psql -X -At -f "$work/sweeper$s.sql" >"$work/sweeper$s.log" 2>"$work/sweeper$s.err" &
	pids+=($!)
done
timed_out=0
for pid in "${pids[@]}"; do
	wait "$pid" || timed_out=$((timed_out + 1))
done
pids=()
elapsed=$((SECONDS - started))

# let the last notifications arrive, then make psql print them
echo "SELECT pg_sleep(0.5); SELECT 'done';" >&3
exec 3>&-
wait "$listener_pid"
listener_pid=

# the logs, as tables
cat "$work"/worker*.log | awk '$1 == "ok" {print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6}' >"$work/ok.tsv"
cat "$work"/worker*.log | awk '$1 == "err" {m = $0; sub(/^err [^ ]* [^ ]* [^ ]* /, "", m); gsub(/[\t\\]/, " ", m);
	print $2 "\t" $3 "\t" $4 "\t" m}' >"$work/err.tsv"
cat "$work"/sweeper*.log | awk '$1 == "esc" {print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6}' >"$work/esc.tsv"
cat "$work"/sweeper*.log | awk '$1 == "sweeperr" {m = $0; sub(/^sweeperr [^ ]* [^ ]* /, "", m); gsub(/[\t\\]/, " ", m);
	print $2 "\t" $3 "\t" m}' >"$work/sweeperr.tsv"
sed -n 's/^Asynchronous notification "gridgov_case" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' \
	"$work/listen.log" | sed 's/\\/\\\\/g' >"$work/notify.txt"

psql -X -At -v ON_ERROR_STOP=1 -v timed_out="$timed_out" -v elapsed="$elapsed" \
	-v ok="$work/ok.tsv" -v err="$work/err.tsv" -v esc="$work/esc.tsv" -v sweeperr="$work/sweeperr.tsv" \
	-v notify="$work/notify.txt" >"$work/check.log" 2>&1 <<'EOF'
SET search_path = gridgov, public;
CREATE TEMP TABLE ok (case_id bigint, action text, seq integer, moved_by text, who text);
CREATE TEMP TABLE err (case_id bigint, who text, sqlstate text, message text);
CREATE TEMP TABLE esc (case_id bigint, missed numeric, from_level integer, to_level integer, sweeper integer);
CREATE TEMP TABLE sweeperr (sweeper integer, sqlstate text, message text);
CREATE TEMP TABLE notified (payload jsonb);
\set copy_ok '\\copy ok FROM ' :'ok'
:copy_ok
\set copy_err '\\copy err FROM ' :'err'
:copy_err
\set copy_esc '\\copy esc FROM ' :'esc'
:copy_esc
\set copy_sweeperr '\\copy sweeperr FROM ' :'sweeperr'
:copy_sweeperr
\set copy_notify '\\copy notified FROM ' :'notify'
:copy_notify

-- what happened
SELECT format('info %s successful moves, %s refusals (%s), %s sweep escalations, %s notifications, in %s s',
              (SELECT count(*) FROM ok), (SELECT count(*) FROM err),
              (SELECT coalesce(string_agg(sqlstate || ' ' || n, ', ' ORDER BY sqlstate), 'none')
                 FROM (SELECT sqlstate, count(*) n FROM err GROUP BY 1) e),
              (SELECT count(*) FROM esc), (SELECT count(*) FROM notified), :'elapsed');
SELECT format('info cases: %s', string_agg(status || ' ' || n, ', ' ORDER BY n DESC))
  FROM (SELECT status, count(*) n FROM cases GROUP BY 1) s;
SELECT format('info history: %s', string_agg(coalesce(escalation_trigger, action) || ' ' || n, ', ' ORDER BY n DESC))
  FROM (SELECT action, escalation_trigger, count(*) n FROM case_history GROUP BY 1, 2) s;

SELECT CASE WHEN :timed_out = 0 THEN 'pass every session finished within the time limit'
            ELSE format('FAIL %s sessions timed out or exited with an error', :timed_out) END;
SELECT CASE WHEN count(*) = 0 THEN 'pass every refusal was GG001 or GG002'
            ELSE format('FAIL %s moves failed with other errors: %s (%s)', count(*),
                        string_agg(DISTINCT sqlstate, ', '), min(message)) END
  FROM err WHERE sqlstate NOT IN ('GG001', 'GG002');
SELECT CASE WHEN count(*) = 0 THEN 'pass every sweep call completed'
            ELSE format('FAIL %s sweep calls failed: %s (%s)', count(*), string_agg(DISTINCT sqlstate, ', '),
                        min(message)) END
  FROM sweeperr;
-- a move function that returns without error must have made the move,
-- not quietly left a case that another session had just moved
SELECT CASE WHEN count(*) = 0 THEN 'pass every move reported as done was made by its caller'
            ELSE format('FAIL %s moves reported success but another session''s move stands (e.g. %s)',
                        count(*), string_agg(DISTINCT action, ', ')) END
  FROM ok WHERE moved_by IS DISTINCT FROM who;
SELECT CASE WHEN count(*) = 0 THEN 'pass every successful move is in the history'
            ELSE format('FAIL %s successful moves are missing from the history', count(*)) END
  FROM ok o
 WHERE o.moved_by = o.who
   AND NOT EXISTS (SELECT FROM case_history h
                    WHERE h.case_id = o.case_id AND h.seq = o.seq AND h.actor = o.who AND h.action = o.action);
SELECT CASE WHEN count(*) = 0 THEN 'pass no move lost: every case''s history_seq is its number of history rows, numbered 1..n'
            ELSE format('FAIL %s cases whose history does not match history_seq', count(*)) END
  FROM cases c
  LEFT JOIN (SELECT case_id, count(*) n, max(seq) top, min(seq) bottom FROM case_history GROUP BY 1) h ON h.case_id = c.id
 WHERE (h.n, h.top, h.bottom) IS DISTINCT FROM (c.history_seq::bigint, c.history_seq, 1);
SELECT CASE WHEN count(*) = 0 THEN 'pass no case escalated twice for one missed deadline'
            ELSE format('FAIL %s missed deadlines escalated more than once', count(*)) END
  FROM (SELECT case_id, note FROM case_history WHERE escalation_trigger = 'overdue'
         GROUP BY 1, 2 HAVING count(*) > 1) d;
SELECT CASE WHEN count(*) = 0 THEN 'pass no breach returned by two sweeps'
            ELSE format('FAIL %s breaches returned more than once', count(*)) END
  FROM (SELECT case_id, missed FROM esc GROUP BY 1, 2 HAVING count(*) > 1) d;
SELECT CASE WHEN count(*) = (SELECT count(*) FROM case_history WHERE escalation_trigger = 'overdue')
            THEN 'pass the sweeps'' escalations are the history''s overdue escalations'
            ELSE format('FAIL the sweeps returned %s escalations, the history holds %s', count(*),
                        (SELECT count(*) FROM case_history WHERE escalation_trigger = 'overdue')) END
  FROM esc e
 WHERE EXISTS (SELECT FROM case_history h
                WHERE h.case_id = e.case_id AND h.escalation_trigger = 'overdue'
                  AND h.handling_level = e.to_level);
SELECT CASE WHEN count(*) = 0 THEN 'pass every chain verifies'
            ELSE format('FAIL verify_history() found %s broken chains', count(*)) END
  FROM verify_history();
-- the listener saw every move after the reports, once, with case, seq and action
SELECT CASE WHEN NOT EXISTS (SELECT (payload->>'case')::bigint, (payload->>'seq')::integer, payload->>'action' FROM notified
                             EXCEPT ALL
                             SELECT case_id, seq, action FROM case_history WHERE seq > 1)
             AND NOT EXISTS (SELECT case_id, seq, action FROM case_history WHERE seq > 1
                             EXCEPT ALL
                             SELECT (payload->>'case')::bigint, (payload->>'seq')::integer, payload->>'action' FROM notified)
            THEN format('pass %s notifications, one per move, naming case, seq and action', count(*))
            ELSE format('FAIL %s notifications for %s moves', count(*),
                        (SELECT count(*) FROM case_history WHERE seq > 1)) END
  FROM notified;
-- the test did what it claims
SELECT CASE WHEN (SELECT count(*) FROM err WHERE sqlstate = 'GG001') > 0
             AND (SELECT count(*) FROM esc) > 0
             AND (SELECT count(*) FROM case_history WHERE escalation_trigger = 'referral') > 0
             AND (SELECT count(*) FROM cases WHERE status = 'closed') > 0
            THEN 'pass the sessions collided, the sweeps escalated, cases were referred and closed'
            ELSE 'FAIL the run did not exercise collisions, sweeps, referrals and closures' END;
EOF
check_status=$?

grep '^info ' "$work/check.log" | sed 's/^info /  /'
grep -E '^(pass|FAIL) ' "$work/check.log" | sed 's/^pass /ok   /; s/^FAIL /FAIL /'
passed=$(grep -c '^pass ' "$work/check.log")
failed=$(grep -c '^FAIL ' "$work/check.log")
if [ "$check_status" -ne 0 ]; then
	sed 's/^/  check: /' "$work/check.log" | grep -vE '^  check: (info|pass|FAIL) '
	failed=$((failed + 1))
fi
# a session that could not run at all says why
for f in "$work"/*.err; do
	grep -E 'FATAL|PANIC|could not connect|server closed' "$f" 2>/dev/null | head -2 | sed "s|^|  $(basename "$f"): |"
done
echo "case_concurrency: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
