#!/usr/bin/env bash
# POST /v1/events (acknowledged ingest): a body of NDJSON events is answered
# 200 only after its leads are in the spool; a body with a bad line is
# refused with 400 naming the line, and none of it is taken (no lead, the
# good lines not counted); a token is required when http.token is set;
# a web page (Origin) is refused; GET is 405; too large a body is 413.
source "$(dirname "$0")/lib.sh"
need curl; need jq
S="$SPOOR_SOURCE_ROOT/tests/scenarios/process-creation"
start_spoord_config "listen: [{address: 127.0.0.1:0}]
http: {address: 127.0.0.1:0, token: s3cret-token, max_body: 64KiB}
spool: {dir: $T/spool}
state_dir: $T/state
rules: [$S/rules]"
U="http://$HTTP/v1/events"
post() { curl -sS -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer s3cret-token' "$@" "$U"; }
leads() { [ -f "$T/spool/leads.jsonl" ] && wc -l < "$T/spool/leads.jsonl" || echo 0; }

# 1. the good body: 200, and the lead is on disk when the answer comes
head -4 "$S/events.jsonl" > "$T/good.ndjson"
code=$(post --data-binary @"$T/good.ndjson")
[ "$code" = 200 ] || fail "good body: $code $(cat "$T/body")"
jq -e '.result == "ok" and .events == 4' "$T/body" > /dev/null || fail "good body answer: $(cat "$T/body")"
n=$(leads)
[ "$n" -ge 1 ] || fail "200 came before the lead was in the spool"
[ "$(jq -r .leads "$T/body")" = "$n" ] || fail "answer counts $(jq -r .leads "$T/body") leads, spool has $n"
[ "$(metric spoor_events_accepted_total)" = 4 ] || fail "accepted: $(metric spoor_events_accepted_total)"

# 2. a bad third line: 400 naming it, nothing taken
{ sed -n 1p "$S/events.jsonl"; sed -n 2p "$S/events.jsonl"; echo '{"EventID": 4688, "Hostname": '; } > "$T/bad.ndjson"
code=$(post --data-binary @"$T/bad.ndjson")
[ "$code" = 400 ] || fail "bad body: $code $(cat "$T/body")"
jq -e '.result == "refused" and .line == 3 and (.error | test("line 3"))' "$T/body" > /dev/null ||
	fail "bad body answer: $(cat "$T/body")"
[ "$(leads)" = "$n" ] || fail "a refused body wrote leads"
[ "$(metric spoor_events_accepted_total)" = 4 ] || fail "a refused body's good lines were taken"
[ "$(metric spoor_events_received_total)" = 5 ] || fail "the bad line is not counted once"

# 3. CRLF and empty lines are fine
printf '%s\r\n\r\n' "$(sed -n 3p "$S/events.jsonl")" > "$T/crlf.ndjson"
[ "$(post --data-binary @"$T/crlf.ndjson")" = 200 ] || fail "CRLF body: $(cat "$T/body")"
jq -e '.events == 1' "$T/body" > /dev/null || fail "CRLF body answer: $(cat "$T/body")"

# 4. no token / wrong token: 401; Origin: 403; GET: 405; too large: 413
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$T/good.ndjson" "$U")
[ "$code" = 401 ] || fail "no token: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' --data-binary @"$T/good.ndjson" "$U")
[ "$code" = 401 ] || fail "wrong token: $code"
code=$(post -H 'Origin: http://evil.example' --data-binary @"$T/good.ndjson")
[ "$code" = 403 ] || fail "Origin: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$U")
[ "$code" = 405 ] || fail "GET: $code"
head -c 70000 /dev/zero | tr '\0' 'x' > "$T/big"
code=$(post --data-binary @"$T/big")
[ "$code" = 413 ] || fail "70 KB body with max_body 64KiB: $code"
[ "$(metric spoor_http_batches_total 'result="ok"')" = 2 ] || fail "ok batches: $(metric spoor_http_batches_total 'result="ok"')"
[ "$(metric spoor_http_batches_total 'result="refused"')" -ge 4 ] || fail "refused batches"
check_balance
stop_spoord || fail "spoord did not exit 0"
echo "PASS"
