#!/usr/bin/env bash
# SIGTERM under load (issue 9, faults).
#
# A paced sender streams schtasks events (one lead each) at 3,000 events/s;
# meanwhile another connection sends the first half of the correlation
# (admin_add on ws9).  SIGTERM arrives mid-stream.  state.interval is 1h, so
# only the SIGTERM path can save.  Checked:
#   - spoord drains and exits 0; its last line counts every event, and every
#     accepted event's lead is in leads.jsonl (nothing accepted was left in
#     the spool's queue), each line complete JSON;
#   - the state was saved at the stop: the three state files are newer than
#     the SIGTERM, the crash marker is gone, and the log says so;
#   - after the restart the window is back, and the second half (proc_list)
#     completes the correlation: it straddles the restart;
#   - what the sender wrote after spoord stopped reading is not counted as
#     received (plain TCP is best effort: the sender was not told).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need python3; need curl; need jq; need socat
LEADS="$T/spool/leads.jsonl"
copy_rules "$T/rules" process-creation correlation
CONF="rules: [$T/rules]
state:
  interval: 1h
time:
  allowed_lateness: 0"
send() { socat -u - "TCP:127.0.0.1:$PORT"; }

start_spoord "$CONF"
live_events 30000 20 1 > "$T/stream"
paced_send "$PORT" "$T/stream" 3000
wait_until 10 metric_ge spoor_events_accepted_total "" 1000 || fail "the stream did not get going"
admin_add ws9.corp.example 101 | send
wait_metric spoor_correlation_groups "" 1
wait_until 10 metric_ge spoor_events_accepted_total "" 4000 || fail "the stream stalled"
touch "$T/before-term"
sleep 1.1       # file times are coarse: a save after SIGTERM must be visibly newer
kill -TERM "$SPOORD_PID"
rc=0
wait "$SPOORD_PID" || rc=$?
SPOORD_PID=
[ "$rc" = 0 ] || fail "spoord exited $rc on SIGTERM under load"
wait_until 10 test -s "$T/sent" || fail "the sender did not stop after spoord exited"
sent=$(sent_count)
log_has 'draining connections and stopping' || fail "SIGTERM was not logged"
last=$(grep -v '^$' "$T/spoord.log" | tail -n1)
[[ $last =~ stopped:\ ([0-9]+)\ received,\ ([0-9]+)\ accepted,\ ([0-9]+)\ rejected ]] ||
	fail "the last log line is not the stop summary: $last"
rec=${BASH_REMATCH[1]} acc=${BASH_REMATCH[2]} rej=${BASH_REMATCH[3]}
[ "$rec" = $((acc + rej)) ] || fail "at the stop: received $rec != accepted $acc + rejected $rej"
[ "$rej" = 0 ] || fail "$rej events rejected"
[ "$sent" -lt 30000 ] || fail "the sender finished before SIGTERM: not under load"
# the stream's events plus admin_add; the sender's last writes may not have been read
[ "$acc" -le $((sent + 1)) ] || fail "accepted $acc of $((sent + 1)) sent"
check_spool_lines "$LEADS"
n=$(spool_count "$LEADS")
[ "$n" = "$acc" ] || fail "leads.jsonl holds $n leads for $acc accepted events (each fires one): records lost at the stop"
echo "SIGTERM under load: $acc of $((sent + 1)) sent events processed, all $n leads on disk; $((sent + 1 - acc)) written by the sender after spoord stopped reading (best effort)"

# the state was saved by the stop
for f in correlation.state first_seen.state coverage.state; do
	[ "$T/state/$f" -nt "$T/before-term" ] || fail "$f was not saved at SIGTERM"
done
[ -e "$T/state/running" ] && fail "the crash marker is still there after a clean stop"
# Known bug (reported): spoord does not log that it saved its state at the
# stop; an operator reading the journal cannot tell a clean save from none.
# Fix: log_notice in spoord_teardown after spoord_state_save() succeeds.
log_has 'state: saved' || bug "no log line says the state was saved at SIGTERM (expected 'state: saved …' from spoord_teardown)"

# the correlation straddles the restart
start_spoord "$CONF"
log_has "state: restored 1 correlation windows from $T/state/correlation.state" || fail "the window was not restored"
[ "$(metric spoor_correlation_groups)" = 1 ] || fail "the restored window is not open"
log_has 'did not stop cleanly' && fail "a clean stop is reported as a crash"
proc_list ws9.corp.example 102 | send
wait_metric spoor_leads_total 'level="high",kind="correlation"' 1
jq -se --arg r "$CORR_RULE" 'map(select(.rule.id == $r)) | length == 1 and (.[0].events | map(.record_id)) == [101, 102]' \
	"$LEADS" >/dev/null || fail "the correlation lead does not join the halves across the restart"
check_balance
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$LEADS"
[ -z "$(dup_lead_ids "$LEADS")" ] || fail "a lead id was written twice"
finish
