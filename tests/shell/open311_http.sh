#!/usr/bin/env bash
# Open311 GeoReport v2 over HTTP (issue 18, item 1), exercised with curl:
# tools/open311-http (python3's http.server and python3-psycopg2, both from
# Debian; PostgREST is not packaged in bookworm) serves the v2 calls as a
# login that is only a gridgov_reporter.  Creates and drops its own database
# and login on the cluster the PG* variables name.  Ends with
# "open311_http: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/check.bash

db=gridgov_open311_http_$$
web=gridgov_open311_http_$$
secret=web-$$-$RANDOM
export PGOPTIONS='--client-min-messages=warning' PGTZ=Asia/Shanghai
work=$(mktemp -d)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	wait 2>/dev/null
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $web" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
finish() {
	check_summary open311_http
	exit
}

if ! /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
	check 'psycopg2 is importable by /usr/bin/python3 (Debian package python3-psycopg2)' yes no
	finish
fi
if ! createdb "$db" || ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null 2>"$work/setup.err" <<EOF
CREATE EXTENSION gridgov CASCADE;
\i tests/pgtap/case_fixture.psql
INSERT INTO open311_service (category, service_code, "group") VALUES ('noise', '001', 'environment');
INSERT INTO open311_attribute (category, code, datatype, required, "order", description, "values")
VALUES ('noise', 'WHEN', 'multivaluelist', true, 1, '什么时候?', '[{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}]');
CREATE ROLE $web LOGIN PASSWORD '$secret' IN ROLE gridgov_reporter;
EOF
then
	check "set up the database: $(cat "$work/setup.err")" yes no
	finish
fi

# the server, as the login
PGDATABASE=$db PGUSER=$web PGPASSWORD=$secret tools/open311-http >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 50); do grep -q '^listening on ' "$work/server.out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/server.out")
check 'the server listens' yes "$([ -n "$base" ] && echo yes || echo no)"
[ -n "$base" ] || finish

get() {	# get PATH: the HTTP status, a tab, the body
	curl -s -o "$work/body" -w '%{http_code}' "$base$1"; printf '\t'; cat "$work/body"
}
post() {	# post PATH FORM...: the same for a form
	local path=$1 form=() f; shift
	for f in "$@"; do form+=(--data-urlencode "$f"); done
	curl -s -o "$work/body" -w '%{http_code}' "${form[@]}" "$base$path"; printf '\t'; cat "$work/body"
}
field() {	# field JSON PYTHON-EXPRESSION-ON-j
	/usr/bin/python3 -c "import json, sys; j = json.loads(sys.argv[1]); print($2)" "$1"
}

answer=$(get /services.json)
check 'GET services.json' '200' "${answer%%$'\t'*}"
check 'lists the service as v2 does' "001 True realtime environment" \
	"$(field "${answer#*$'\t'}" "j[0]['service_code'], j[0]['metadata'], j[0]['type'], j[0]['group']")"
check 'as application/json; charset=utf-8' 'application/json; charset=utf-8' \
	"$(curl -s -o /dev/null -w '%{content_type}' "$base/services.json")"
answer=$(get /services/001.json)
check 'GET services/001.json: the definition' "200 WHEN multivaluelist" \
	"${answer%%$'\t'*} $(field "${answer#*$'\t'}" "j['attributes'][0]['code'], j['attributes'][0]['datatype']")"
check 'an unknown service_code is 404' '404' "$(get /services/999.json | cut -f1)"

answer=$(post /requests.json 'service_code=001' 'lat=22.75' 'long=113.94' 'description=楼上装修到深夜' \
	'email=resident@example.cn' 'attribute[WHEN][]=night' 'attribute[WHEN][]=day')
check 'POST requests.json' '200' "${answer%%$'\t'*}"
id=$(field "${answer#*$'\t'}" "j[0]['service_request_id']")
token=$(field "${answer#*$'\t'}" "j[0]['token']")
check 'returns the service_request_id and a token' 'yes' \
	"$([[ $id =~ ^[0-9]+$ && $token =~ ^[0-9a-f]{64}$ ]] && echo yes || echo no)"
check 'the attributes were kept' '["night", "day"]' \
	"$(psql -X -At -d "$db" -c "SELECT attributes -> 'WHEN' FROM gridgov.open311_request WHERE case_id = $id")"
check 'a request that does not fit is 400' '400' \
	"$(post /requests.json 'service_code=001' 'lat=22.75' 'long=113.94' 'attribute[WHEN]=noon' | cut -f1)"

answer=$(get "/requests/$id.json")
check 'GET requests/{id}.json' "200 $id open 楼上装修到深夜" \
	"${answer%%$'\t'*} $(field "${answer#*$'\t'}" "j[0]['service_request_id'], j[0]['status'], j[0]['description']")"
answer=$(get "/requests.json?status=open&service_code=001")
check 'GET requests.json with the v2 filters' "200 1" "${answer%%$'\t'*} $(field "${answer#*$'\t'}" "len(j)")"
check 'a date without its zone is 400' '400' "$(get '/requests.json?start_date=2026-01-01' | cut -f1)"
check 'an unknown request is 404' '404' "$(get /requests/999999.json | cut -f1)"
answer=$(get "/tokens/$token.json")
check 'GET tokens/{token}.json' "200 $id" "${answer%%$'\t'*} $(field "${answer#*$'\t'}" "j[0]['service_request_id']")"
answer=$(post /progress.json "token=$token")
check 'POST progress.json: the stages' "200 report" "${answer%%$'\t'*} $(field "${answer#*$'\t'}" "j['stages'][0]['action']")"
check 'a complaint before closure is 400' '400' "$(post /complain.json "token=$token" 'reason=还是很吵' | cut -f1)"
check 'the log names no token' '0' "$(grep -c "$token" "$work/server.err")"

finish
