#!/usr/bin/env bash
# spoorctl status and reload against a live spoord, and the endpoints they
# use (GET /v1/status, POST /v1/reload):
# 1. status: the readable summary and --json agree with /metrics (events,
#    rejects by reason, leads, rules, hosts, listeners and their
#    connections); the address from --http or from -c's http.address.
# 2. reload: ok (a rule added is loaded), failed (a broken rule: exit 1,
#    the error names file:line:column, the running rules stay), counted in
#    spoor_reloads_total like SIGHUP.
# 3. HTTP: other methods get 405 with Allow; a request with an Origin
#    header (a web page) cannot reload; HEAD works.
# 4. Nothing listening: a clear error and exit 1; usage errors exit 2.
source "$(dirname "$0")/lib.sh"
: "${SPOORCTL:?SPOORCTL must point at spoorctl}"
need jq; need socat; need curl
mkdir -p "$T/rules"
cp "$SPOOR_SOURCE_ROOT"/tests/scenarios/process-creation/rules/*.yml "$T/rules/"
start_spoord "rules: [$T/rules]"

# one connection that stays open, three events on it (one not JSON)
mkfifo "$T/in"
socat -u "OPEN:$T/in" "TCP:127.0.0.1:$PORT" 2> "$T/socat.err" & EXTRA_PIDS=$!
exec 3> "$T/in"
gen_events 2 >&3
echo 'this is not json' >&3
wait_metric spoor_events_received_total "" 3
wait_metric spoor_leads_total 'level="low",kind="match"' 2

# ---- 1. status ---------------------------------------------------------------
"$SPOORCTL" status --http "$HTTP" > "$T/status" || fail "status exited $?"
cat "$T/status"
grep -Eq "^spoord [0-9.]+ at $HTTP, up [0-9]+s" "$T/status" || fail "status: headline"
grep -q "^listeners:   127.0.0.1:$PORT (auto, 1 connection)$" "$T/status" || fail "status: listener and its connection"
grep -q '^events:      3 received, 2 accepted, 1 rejected (not_json 1), 0 late$' "$T/status" || fail "status: events"
grep -q '^leads:       2 written (low 2), 0 suppressed$' "$T/status" || fail "status: leads"
grep -q '^rules:       1 loaded, 0 unsupported$' "$T/status" || fail "status: rules"
grep -q '^hosts:       1 tracked$' "$T/status" || fail "status: hosts"
grep -q "^spool:       $T/spool " "$T/status" || fail "status: spool"

"$SPOORCTL" status --http "$HTTP" --json > "$T/status.json" || fail "status --json exited $?"
version=$("$SPOORD" --version 2>&1 | awk '{ print $2 }')
got=$(jq -c '[.version == $v, .uptime_seconds >= 0, .listeners[0].address, .listeners[0].connections,
	.events.received, .events.accepted, .events.rejected, .events.rejected_by_reason.not_json,
	.leads.written, .rules.loaded, .rules.unsupported, .hosts.tracked, .gaps.open, .reloads.ok, .stopping]' \
	--arg v "$version" "$T/status.json")
[ "$got" = "[true,true,\"127.0.0.1:$PORT\",1,3,2,1,1,2,1,0,1,0,0,false]" ] || fail "status --json: $got"
[ "$(jq '.events.received' "$T/status.json")" = "$(metric spoor_events_received_total)" ] || fail "status and /metrics disagree"
curl -fsS "http://$HTTP/v1/status" | jq -e '.events.received == .events.accepted + .events.rejected' > /dev/null ||
	fail "GET /v1/status breaks the conservation law"

# the address from a configuration file
printf 'http:\n  address: %s\n' "$HTTP" > "$T/client.yml"
"$SPOORCTL" status -c "$T/client.yml" --json | jq -e '.rules.loaded == 1' > /dev/null || fail "status -c"
printf 'http:\n  enabled: false\n' > "$T/nohttp.yml"
"$SPOORCTL" status -c "$T/nohttp.yml" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'http.enabled: false' "$T/err" || fail "status -c with http off: exit $rc, $(cat "$T/err")"
echo "status: summary and --json match /metrics"

# ---- 2. reload ---------------------------------------------------------------
sed -e 's/^id: .*/id: 5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0002/' -e 's/^title: .*/title: A second rule/' \
	"$T/rules/"*.yml > "$T/rules/second.yml"
"$SPOORCTL" reload --http "$HTTP" > "$T/out" 2> "$T/err" || fail "reload exited $?: $(cat "$T/err")"
grep -q '^reload: ok (2 rules loaded, 0 unsupported)$' "$T/out" || fail "reload: $(cat "$T/out")"
[ "$(metric spoor_reloads_total 'result="ok"')" = 1 ] || fail "the reload is not counted"
grep -q 'configuration reloaded' "$T/spoord.log" || fail "the reload is not logged as a SIGHUP one is"
printf 'title: broken\ndetection: [\n' > "$T/rules/broken.yml"
"$SPOORCTL" reload --http "$HTTP" > "$T/out" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "a failed reload exited $rc, not 1"
grep -q 'reload failed.*broken\.yml:[0-9]*:[0-9]*' "$T/err" || fail "the failed reload does not name file:line:column: $(cat "$T/err")"
[ "$(metric spoor_reloads_total 'result="failed"')" = 1 ] || fail "the failed reload is not counted"
"$SPOORCTL" status --http "$HTTP" --json | jq -e '.rules.loaded == 2 and .reloads.ok == 1 and .reloads.failed == 1' \
	> /dev/null || fail "the running rules did not stay after a failed reload"
rm "$T/rules/broken.yml"
curl -sS -X POST "http://$HTTP/v1/reload" | jq -e '.result == "ok" and .rules_loaded == 2' > /dev/null ||
	fail "POST /v1/reload with curl"
echo "reload: ok, failed with file:line:column, counted"

# ---- 3. HTTP semantics -------------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X GET "http://$HTTP/v1/reload")" = 405 ] || fail "GET /v1/reload is not 405"
curl -sS -D - -o /dev/null -X GET "http://$HTTP/v1/reload" | grep -qi '^Allow: POST' || fail "405 without Allow: POST"
curl -sS -D - -o /dev/null -X DELETE "http://$HTTP/v1/status" | grep -qi '^Allow: GET, HEAD' ||
	fail "DELETE /v1/status: no 405 with Allow: GET, HEAD"
[ "$(code -X PUT "http://$HTTP/metrics")" = 405 ] || fail "PUT /metrics is not 405"
[ "$(code -I "http://$HTTP/v1/status")" = 200 ] || fail "HEAD /v1/status"
[ "$(code -X POST -H 'Origin: http://example.org' "http://$HTTP/v1/reload")" = 403 ] ||
	fail "a reload from a web page (Origin) is not refused"
[ "$(metric spoor_reloads_total 'result="ok"')" = 2 ] || fail "a refused request reloaded"
[ "$(code "http://$HTTP/v1/nothing")" = 404 ] || fail "an unknown path is not 404"
[ "$(code "http://$HTTP/healthz")" = 200 ] || fail "/healthz"
echo "http: 405 with Allow, 403 for web pages, 404"

# ---- 4. errors ---------------------------------------------------------------
for bad in "--bogus" "--http" "--http not-an-address" "--timeout 0" "extra" "--json" ; do
	# shellcheck disable=SC2086
	"$SPOORCTL" reload $bad > /dev/null 2> "$T/err"; rc=$?
	[ $rc -eq 2 ] || fail "reload $bad exited $rc, not 2"
done
"$SPOORCTL" status --bogus > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "status --bogus exited $rc"
"$SPOORCTL" status --help | grep -q 'Exit status: 0 success, 1 error' || fail "status --help: exit codes"
"$SPOORCTL" reload --help | grep -q 'Exit status: 0 success, 1 error' || fail "reload --help: exit codes"
exec 3>&-
alive
stop_spoord || fail "spoord did not stop cleanly"
for cmd in status reload; do
	"$SPOORCTL" $cmd --http "$HTTP" > "$T/out" 2> "$T/err"; rc=$?
	[ $rc -eq 1 ] || fail "$cmd with nothing listening exited $rc, not 1"
	grep -q "cannot connect to $HTTP: Connection refused" "$T/err" || fail "$cmd: unclear error: $(cat "$T/err")"
	[ -s "$T/out" ] && fail "$cmd printed something on stdout with nothing listening"
done
echo "errors: 1 with nothing listening ($(cat "$T/err")), 2 for usage"
echo "PASS"
