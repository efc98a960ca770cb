#!/usr/bin/env bash
# SIGHUP with a broken rule file under load (issue 9, faults;
# rules_reload.sh does it without load).  A paced sender streams 18,000
# schtasks events (one lead each) at 3,000 events/s on one connection.
# Meanwhile: a broken rule file and three SIGHUPs (each fails, the old
# rules stay), a POST /v1/reload (fails the same way, answers the error),
# then the file fixed and a SIGHUP (succeeds: the new rule is loaded).
# Checked: the one connection is never dropped (accepted 1, closed only by
# the sender's EOF), every event sent is received and accepted, every
# event's lead is written (the old rules kept firing through the failed
# reloads and the good one), no lead id twice, and received = accepted +
# rejected.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need python3; need curl; need jq
N=18000
LEADS="$T/spool/leads.jsonl"
copy_rules "$T/rules" process-creation
start_spoord "rules: [$T/rules]"
live_events $N 30 1 > "$T/stream"
paced_send "$PORT" "$T/stream" 3000
wait_until 10 metric_ge spoor_events_accepted_total "" 1500 || fail "the stream did not get going"

printf 'title: broken\ndetection:\n  selection: [\n' > "$T/rules/broken.yml"
for i in 1 2 3; do
	kill -HUP "$SPOORD_PID"
	wait_metric spoor_reloads_total 'result="failed"' $i
	sleep 0.3
done
log_has "reload failed, keeping the running rules: $T/rules/broken.yml:[0-9]+:[0-9]+:" || fail "the failure does not name file:line:column"
body=$(curl -sS -X POST "http://$HTTP/v1/reload")
jq -e '.result == "failed" and (.error | test("broken.yml"))' <<<"$body" >/dev/null || fail "POST /v1/reload: $body"
wait_metric spoor_reloads_total 'result="failed"' 4
mid=$(metric spoor_events_accepted_total)
[ "$mid" -lt $N ] || fail "the stream ended before the reloads: not under load"
cat > "$T/rules/broken.yml" <<'YAML'
title: Logon over the network
id: 5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0002
level: informational
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4624, LogonType: 3}
  condition: selection
YAML
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 1
[ "$(metric spoor_rules_loaded)" = 2 ] || fail "the fixed rule set is not loaded: $(metric spoor_rules_loaded) rules"
echo "reloads: 4 failed and 1 ok while $mid of $N events were in"

wait_until 20 test -s "$T/sent" || fail "the sender did not finish"
grep -q '^eof$' "$T/sent" || fail "the sender's connection broke: $(cat "$T/sent")"
[ "$(sent_count)" = $N ] || fail "the sender sent $(sent_count) of $N"
wait_eq 20 $N metric spoor_events_accepted_total || fail "accepted $(metric spoor_events_accepted_total) of $N: events lost"
wait_metric spoor_connections_closed_total 'reason="eof"' 1
[ "$(metric spoor_connections_accepted_total)" = 1 ] || fail "the sender had to reconnect"
[ "$(metric spoor_connections_closed_total 'reason="error"')" = 0 ] || fail "a connection was closed with an error"
[ "$(metric spoor_connections_closed_total 'reason="idle_timeout"')" = 0 ] || fail "a connection timed out"
check_balance
wait_eq 5 $N spool_count "$LEADS" ".rule.id == \"$SCHTASKS_RULE\"" ||
	fail "$(spool_count "$LEADS" ".rule.id == \"$SCHTASKS_RULE\"") schtasks leads for $N events: the rules stopped firing"
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$LEADS"
[ -z "$(dup_lead_ids "$LEADS")" ] || fail "a lead id was written twice"
echo "PASS"
