#!/usr/bin/env bash
# Correlation state survives a restart: the first half of a temporal_ordered
# correlation (admin_add on a host), SIGTERM, restart, the second half
# (proc_list on the same host) → the correlation lead.  A corrupt state file
# is moved aside, logged with its path and reason, and spoord starts empty:
# the second half alone then does not fire.
#
# Event times are taken from the clock: live, the watermark follows the
# processing time (now - time.allowed_lateness), so events dated in the past
# would be late.  With the default 5 min lateness and the 5 min timespan of
# the correlation, the windows stay open for 10 min of wall time: far more
# than the test takes.  state.interval is 1h: only SIGTERM saves here.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
S="$SPOOR_SOURCE_ROOT/tests/scenarios/correlation"
C102=00000000-0000-4000-8000-00000000c102
STATE="$T/state/correlation.state"
mkdir -p "$T/rules"
cp "$S/rules/"*.yml "$T/rules/"
CONF="rules: [$T/rules]
state:
  interval: 1h
time:
  allowed_lateness: 0"
NOW=$(date -u +%s)
at() { date -u -d "@$((NOW + $1))" '+%Y-%m-%d %H:%M:%S'; }
admin_add() {   # admin_add OFFSET RECORD
	printf '{"EventTime":"%s","Hostname":"ws9.corp.example","EventID":4732,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"TargetUserName":"Administrators","MemberSid":"S-1-5-21-1-1002"}\n' "$(at "$1")" "$2"
}
proc_list() {   # proc_list OFFSET RECORD
	printf '{"EventTime":"%s","Hostname":"ws9.corp.example","EventID":1,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":%d,"Image":"C:\\\\Windows\\\\System32\\\\tasklist.exe"}\n' "$(at "$1")" "$2"
}
send() { socat -u - "TCP:127.0.0.1:$PORT"; }
corr_leads() { [ -f "$T/spool/leads.jsonl" ] && jq -r "select(.rule.id == \"$C102\") | .host" "$T/spool/leads.jsonl" | wc -l || echo 0; }

# 1. first start: no state yet; the first half, then SIGTERM saves it
start_spoord "$CONF"
grep -q "state: no $STATE yet (first start)" "$T/spoord.log" || fail "first start not reported"
[ "$(stat -c %a "$T/state")" = 750 ] || fail "state_dir is not 0750"
admin_add 0 101 | send
wait_metric spoor_events_accepted_total "" 1
wait_metric spoor_correlation_groups "" 1
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
[ -s "$STATE" ] || fail "no state file after SIGTERM"
[ "$(corr_leads)" = 0 ] || fail "the first half alone fired"

# 2. restart: the window is back; the second half completes it
start_spoord "$CONF"
grep -q "state: restored 1 correlation windows from $STATE" "$T/spoord.log" || fail "restore not reported"
[ "$(metric spoor_state_restored_windows)" = 1 ] || fail "spoor_state_restored_windows is not 1"
[ "$(metric spoor_correlation_groups)" = 1 ] || fail "the restored window is not open"
proc_list 5 102 | send
wait_metric spoor_leads_total 'level="high",kind="correlation"' 1
[ "$(corr_leads)" = 1 ] || fail "expected one $C102 lead, got $(corr_leads)"
jq -se "map(select(.rule.id == \"$C102\"))[0] | .host == \"ws9.corp.example\" and
	([.events[].record_id] == [101, 102])" "$T/spool/leads.jsonl" >/dev/null || fail "the lead does not list both halves"

# 3. a new first half is saved, then the file is cut short: moved aside,
# spoord starts empty and says so; the second half alone does not fire
admin_add 10 103 | send
wait_metric spoor_events_accepted_total "" 2
wait_metric spoor_correlation_groups "" 1
# (a reload rebuilds the correlator: the windows of unchanged correlations are carried over)
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 1
grep -q "reload: kept 1 correlation windows (0 dropped" "$T/spoord.log" || fail "reload did not keep the window"
[ "$(metric spoor_correlation_groups)" = 1 ] || fail "the window was lost by the reload"
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
[ -s "$STATE" ] || fail "no state file after the second SIGTERM"
size=$(stat -c %s "$STATE")
head -c $((size - 7)) "$STATE" > "$T/cut" && cat "$T/cut" > "$STATE"
start_spoord "$CONF"
alive
grep -q "state: $STATE is unusable (truncated or extended: payload is .*): moved aside to $STATE.corrupt-" \
	"$T/spoord.log" || fail "the corrupt file is not reported with its path and reason"
ls "$T/state/" | grep -q '^correlation\.state\.corrupt-[0-9]\{8\}T[0-9]\{6\}Z$' || fail "not moved aside: $(ls "$T/state")"
[ -e "$STATE" ] && fail "the corrupt file is still in place"
[ "$(metric spoor_state_restored_windows)" = 0 ] || fail "windows restored from a corrupt file"
[ "$(metric spoor_correlation_groups)" = 0 ] || fail "state is not empty"
proc_list 15 104 | send
wait_metric spoor_leads_total 'level="low",kind="match"' 1     # proc_list's own lead: the event was evaluated
[ "$(metric spoor_leads_total 'level="high",kind="correlation"')" = 0 ] || fail "fired from a corrupt state"
stop_spoord || fail "spoord did not exit 0"
[ "$(corr_leads)" = 1 ] || fail "expected still one $C102 lead, got $(corr_leads)"

# 4. garbage: the same, with the reason named
printf 'this is not a state file at all, just garbage bytes here\n%.0s' 1 2 > "$STATE"
start_spoord "$CONF"
grep -q "state: $STATE is unusable (bad magic (not a spoor state file)): moved aside" "$T/spoord.log" ||
	fail "garbage not reported"
stop_spoord || fail "spoord did not exit 0"
[ "$(ls "$T/state" | grep -c corrupt)" -ge 2 ] || fail "the second corrupt file was not kept beside the first"

# 5. a symlink in its place is never followed
rm -f "$STATE"
ln -s /etc/passwd "$STATE"
start_spoord "$CONF"
grep -q "state: $STATE is unusable (a symbolic link): moved aside" "$T/spoord.log" || fail "symlink not refused"
stop_spoord || fail "spoord did not exit 0"
[ -f "$STATE" ] && [ ! -L "$STATE" ] || fail "the state file is not a regular file after the save"
echo "PASS"
