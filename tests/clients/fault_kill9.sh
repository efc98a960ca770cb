#!/usr/bin/env bash
# kill -9 while events stream in (issue 9, faults).
#
# 50 hosts each open a correlation window (admin_add), then a paced sender
# streams schtasks events (one lead each) at 3,000 events/s.  state.interval
# is 2 s.  Once the windows have been saved at least once, spoord gets
# SIGKILL mid-stream; the sender stops and resends nothing.  (Correlations
# are decided in watermark order: allowed_lateness 0 decides at once.)  Then a torn
# last line is appended to leads.jsonl, as a power cut during a write would
# leave it.  After the restart:
#   - every line of leads.jsonl and gaps.jsonl is one complete JSON object,
#     and the torn tail was cut and counted (spoor_spool_torn_repaired_total);
#   - no lead id appears twice in leads.jsonl, across the crash too (nothing
#     was resent, so no event was processed twice);
#   - a state_lost gap on host "*" names the killed pid, and the restored
#     state is at most state.interval (+ slack) old: the loss is bounded;
#   - all 50 windows, older than one interval at the kill, are restored, and
#     one of them completes into the correlation lead after the restart;
#   - the restarted run's leads are exactly its accepted events (+1
#     correlation), and received = accepted + rejected.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need python3; need curl; need jq; need socat
INTERVAL=2
HOSTS=50
LEADS="$T/spool/leads.jsonl"
GAPS="$T/spool/gaps.jsonl"
copy_rules "$T/rules" process-creation correlation
CONF="rules: [$T/rules]
state:
  interval: ${INTERVAL}s
time:
  allowed_lateness: 0"

# run 1: the windows, then the stream
start_spoord "$CONF"
for h in $(seq 0 $((HOSTS - 1))); do admin_add "$(printf 'ws-%05d.corp.example' "$h")" 1; done > "$T/windows"
socat -u "FILE:$T/windows" "TCP:127.0.0.1:$PORT"
wait_metric spoor_correlation_groups "" $HOSTS
live_events 30000 $HOSTS 2 > "$T/stream"
paced_send "$PORT" "$T/stream" 3000
# two saves after the windows opened, and the stream well under way
sleep $((INTERVAL * 2)).3
wait_until 5 metric_ge spoor_state_saves_total 'result="ok"' 2 || fail "no periodic state save in $((INTERVAL * 2 + 5)) s"
acc1=$(metric spoor_events_accepted_total)
[ "$acc1" -gt $((HOSTS + 1000)) ] || fail "the stream did not get going: $acc1 accepted"
killed=$SPOORD_PID
kill -9 "$killed"
wait "$killed" 2>/dev/null
SPOORD_PID=
wait_until 10 test -s "$T/sent" || fail "the sender did not stop after the kill"
sent=$(sent_count)
echo "run 1: killed pid $killed after $acc1+ accepted; the sender had sent $sent of 30000 ($(sed -n 2p "$T/sent"))"
[ "$sent" -lt 30000 ] || fail "the sender finished before the kill: the kill was not mid-stream"
[ -f "$T/state/running" ] || fail "kill -9 left no marker"
# SIGKILL can stop a write(2) between two pages of the page cache (Linux
# checks for a fatal signal per page copied), so the last record of a stream
# may be cut short: the lines before it are whole, and the restart cuts it.
torn_tail() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(len(d) - (d.rfind(b"\n") + 1))' "$1"; }
torn_leads=0 torn_gaps=0
[ -s "$LEADS" ] && torn_leads=$(torn_tail "$LEADS")
[ -s "$GAPS" ] && torn_gaps=$(torn_tail "$GAPS")
for f in LEADS GAPS; do
	n=torn_${f,,}
	[ -s "${!f}" ] || continue
	head -c $(( $(stat -c %s "${!f}") - ${!n} )) "${!f}" > "$T/whole.$f"
	check_spool_lines "$T/whole.$f"
done
before=$(spool_count "$LEADS")
echo "run 1: $before complete lines in leads.jsonl as kill -9 left it (a cut last record: $torn_leads bytes)"

# a power cut in the middle of a write would leave this
frag='{"type":"lead","id":"deadbeef","time":"2026-11-'
printf '%s' "$frag" >> "$LEADS"

# run 2
start_spoord "$CONF"
log_has "spool $T/spool/leads.jsonl: cut a torn tail of $((torn_leads + ${#frag})) bytes" ||
	fail "the torn tail ($torn_leads + ${#frag} bytes) was not cut and logged"
want_repairs=$((1 + (torn_gaps > 0)))
[ "$(metric spoor_spool_torn_repaired_total)" = $want_repairs ] ||
	fail "spoor_spool_torn_repaired_total is $(metric spoor_spool_torn_repaired_total), expected $want_repairs"
check_spool_lines "$LEADS" "$GAPS"
[ "$(spool_count "$LEADS")" = "$before" ] || fail "the repair cut more than the torn tail"
log_has "state: spoord pid $killed \(started [^)]*\) did not stop cleanly" || fail "the log does not name the killed pid"
wait_until 5 test -s "$GAPS" || fail "no gaps.jsonl"
wait_until 5 grep -q '"kind":"state_lost"' "$GAPS" || fail "no state_lost gap"
gap=$(jq -c 'select(.kind == "state_lost" and .state == "open")' "$GAPS")
[ "$(jq -r .host <<<"$gap")" = "*" ] || fail "state_lost is not on host \"*\": $gap"
ev=$(jq -r .evidence <<<"$gap")
grep -q "spoord pid $killed " <<<"$ev" || fail "the evidence does not name pid $killed: $ev"
age=$(sed -n 's/.*, \([0-9]*\)s before this start.*/\1/p' <<<"$ev")
[ -n "$age" ] || fail "the evidence does not say how old the restored state is: $ev"
[ "$age" -le $((INTERVAL + 2)) ] || fail "the restored state is ${age}s old: more than state.interval ${INTERVAL}s + 2s of slack"
echo "state_lost: $ev"
# the windows opened more than an interval before the kill are all back
restored=$(metric spoor_state_restored_windows)
[ "$restored" = $HOSTS ] || fail "restored $restored windows, expected all $HOSTS (opened more than ${INTERVAL}s before the kill)"

# new events only (records after everything run 1 was sent): nothing resent
acc_base=$(metric spoor_events_accepted_total)
[ "$acc_base" = 0 ] || fail "accepted $acc_base events before any was sent"
first=$((2 + (sent + HOSTS - 1) / HOSTS + 1))
live_events 2000 $HOSTS "$first" > "$T/stream2"
proc_list ws-00000.corp.example 1 >> "$T/stream2"
socat -u "FILE:$T/stream2" "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_accepted_total "" 2001
wait_metric spoor_leads_total 'level="high",kind="correlation"' 1
jq -se --arg r "$CORR_RULE" 'map(select(.rule.id == $r)) | length == 1 and .[0].host == "ws-00000.corp.example" and (.[0].events | length) == 2' \
	"$LEADS" >/dev/null || fail "the correlation lead from the restored window is not in leads.jsonl: $(jq -c --arg r "$CORR_RULE" 'select(.rule.id == $r) | {host, events: [.events[] | {host, record_id, time}]}' "$LEADS")"
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
check_spool_lines "$LEADS" "$GAPS"
after=$(spool_count "$LEADS")
# 2000 schtasks leads + the proc_list match + the correlation
[ $((after - before)) = 2002 ] || fail "run 2 wrote $((after - before)) leads, expected 2002"
dups=$(dup_lead_ids "$LEADS")
[ -z "$dups" ] || fail "lead ids written twice (nothing was resent): $(head -n3 <<<"$dups" | tr '\n' ' ')"
run1=$(head -n "$before" "$LEADS" | jq -r --arg r "$SCHTASKS_RULE" 'select(.rule.id == $r) | .id' | wc -l)
[ "$run1" -le "$sent" ] || fail "run 1 wrote $run1 schtasks leads for $sent events sent"
echo "gaps after the crash: $(jq -r 'select(.state == "open") | .kind' "$GAPS" | sort | uniq -c | tr -s ' \n' ' ')"
echo "kill -9: $before lines kept whole ($run1 schtasks leads of $sent sent), torn tail cut, state ${age}s old restored ($restored windows), no duplicate id in $after leads"
echo "PASS"
