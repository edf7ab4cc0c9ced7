# Sourced by the shell tests: count checks and print them as TAP-like lines;
# `check_summary NAME` prints the closing "NAME: N passed, M failed" and
# returns non-zero when anything failed.  A test that holds a session open
# runs it as `coproc SESSION { psql -X -q -At ...; }` and talks to it with
# `ask`.
passed=0 failed=0
check() {	# check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1: expected '$2', got '$3'"
	fi
}
check_summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
ask() {	# ask SQL: the open session's output for SQL, lines joined by spaces
	local line answer=
	printf '%s\n\\echo __answered__\n' "$1" >&"${SESSION[1]}"
	while IFS= read -r -t 30 line <&"${SESSION[0]}"; do
		[ "$line" = __answered__ ] && { printf '%s' "${answer# }"; return; }
		answer+=" $line"
	done
	printf 'no answer'
}
