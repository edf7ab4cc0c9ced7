# Sourced by the shell tests: count checks and print them as TAP-like lines;
# `check_summary NAME` prints the closing "NAME: N passed, M failed" and
# returns non-zero when anything failed.
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
