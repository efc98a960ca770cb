#!/usr/bin/env bash
# scripts/demo against a live spoord with the hunt pack: the story's leads —
# the single-event ones, the admin-add-then-listing and the task-spread
# correlations (decided at once: the story's last event moves the watermark
# past the attack) and the escalation — and the command-line gap, as
# `spoorctl tail` shows them.  A second run: its events are late and
# duplicates, and the demo says so.
source "$(dirname "$0")/lib.sh"
need curl
start_spoord "rules: [$SPOOR_SOURCE_ROOT/conf/leads.d]"
out=$("$SPOOR_SOURCE_ROOT/scripts/demo" --tcp "127.0.0.1:$PORT" --http "$HTTP" 2>&1) || { echo "$out"; fail "scripts/demo"; }
echo "$out"
for want in "Member added to the local Administrators group" \
	"Local Administrators member added, then process listing on the same host (correlation, 2 events)" \
	"SYSTEM task registered by a non-privileged logon" "Task payload in a user-writable path" \
	"Same task registered on 3 or more hosts within 10 minutes (correlation, 3 events)" \
	"Host escalated" "gap-open   ws-0050.corp.example  field_missing: 4688 record 3001 has no CommandLine"; do
	grep -qF -- "$want" <<< "$out" || fail "the demo's output lacks: $want"
done
grep -q "were late" <<< "$out" && fail "a first run reported late events"
[ "$(metric spoor_events_accepted_total)" = 14 ] || fail "accepted: $(metric spoor_events_accepted_total)"
check_balance
out=$("$SPOOR_SOURCE_ROOT/scripts/demo" --tcp "127.0.0.1:$PORT" --http "$HTTP" 2>&1) || fail "second run"
grep -q "were late" <<< "$out" || fail "a second run did not explain its late events: $out"
grep -q "events_duplicated" <<< "$out" || fail "a second run's repeated records are not duplicates: $out"
# without a spoord: a clear message, exit 1
stop_spoord || fail "spoord did not exit 0"
out=$("$SPOOR_SOURCE_ROOT/scripts/demo" --tcp "127.0.0.1:$PORT" --http "$HTTP" 2>&1) && fail "no spoord, yet exit 0"
grep -q "start it first" <<< "$out" || fail "no spoord: $out"
echo "PASS"
