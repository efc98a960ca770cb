#!/usr/bin/env bash
# clock_skew, live: one host sends events whose EventTime is 2 h ahead of
# now (fresh timestamps from `date`, one a second for ~32 s of real time,
# more than COV_SKEW_SPAN = 30 s), a control host sends correct times.
# gaps.jsonl must hold exactly one open clock_skew, for the skewed host,
# saying the offset is a whole number of hours; when that host's times are
# right again (8 events: COV_SKEW_CLEAR) it closes.  About 45 s.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
start_spoord "coverage: {max_skew: 5m}"   # the listener's zone is UTC (the default), like date -u

sent=0
# ev HOST OFFSET_SECONDS RECORD: one NXLog CE event, EventTime = now + offset (UTC, no zone)
ev() {
	local t
	t=$(date -u -d "@$(( $(date +%s) + $2 ))" '+%Y-%m-%d %H:%M:%S')
	printf '{"EventTime":"%s","Hostname":"%s","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"TargetUserName":"alice","LogonType":3}\n' \
		"$t" "$1" "$3"
}
send() { socat -u - "TCP:127.0.0.1:$PORT"; }
# gaps KIND HOST STATE: how many such records gaps.jsonl holds
gaps() {
	[ -f "$T/spool/gaps.jsonl" ] || { echo 0; return; }
	jq -s --arg k "$1" --arg h "$2" --arg s "$3" \
		'[.[] | select(.kind == $k and .host == $h and .state == $s)] | length' "$T/spool/gaps.jsonl"
}

for i in $(seq 1 34); do
	{ ev wsk.corp.example 7200 "$i"; ev wsc.corp.example 0 "$i"; } | send
	sent=$((sent + 2))
	sleep 1
done
wait_metric spoor_events_accepted_total "" "$sent"
[ "$(gaps clock_skew wsk.corp.example open)" = 1 ] || { cat "$T/spool/gaps.jsonl" 2>/dev/null; fail "no open clock_skew for wsk"; }
[ "$(gaps clock_skew wsc.corp.example open)" = 0 ] || fail "clock_skew opened for the control host"
[ "$(jq -s '[.[] | select(.kind == "clock_skew")] | length' "$T/spool/gaps.jsonl")" = 1 ] ||
	fail "more than one clock_skew record"
ev_text=$(jq -r 'select(.kind == "clock_skew") | .evidence' "$T/spool/gaps.jsonl")
echo "evidence: $ev_text"
grep -q 'ahead of receive times' <<<"$ev_text" || fail "evidence does not say ahead"
grep -q 'whole-hour offset (2 h)' <<<"$ev_text" || fail "evidence does not name the whole-hour offset"
jq -r 'select(.kind == "clock_skew") | .remedy' "$T/spool/gaps.jsonl" | grep -q 'w32tm /resync' || fail "remedy"

# the clock is fixed: 8 events with the right time close it
for i in $(seq 35 42); do ev wsk.corp.example 0 "$i"; done | send
sent=$((sent + 8))
wait_metric spoor_events_accepted_total "" "$sent"
for _ in $(seq 1 50); do [ "$(gaps clock_skew wsk.corp.example closed)" = 1 ] && break; sleep 0.1; done
[ "$(gaps clock_skew wsk.corp.example closed)" = 1 ] || fail "clock_skew did not close"
ttr=$(jq -r 'select(.kind == "clock_skew" and .state == "closed") | .ttr_seconds' "$T/spool/gaps.jsonl")
[ "$ttr" -ge 0 ] && [ "$ttr" -le 30 ] || fail "ttr_seconds $ttr (receive time from opening to closing)"
echo "closed, ttr ${ttr}s"
check_balance
stop_spoord || fail "spoord did not exit 0"
echo "PASS"
