#!/usr/bin/env bash
# socat sends raw JSON lines (LF and CRLF) over TCP: all accepted.
source "$(dirname "$0")/lib.sh"
need socat; need curl
start_spoord
gen_events 200 > "$T/ev.jsonl"
socat -u "FILE:$T/ev.jsonl" "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_accepted_total "" 200
sed 's/$/\r/' "$T/ev.jsonl" | head -n 50 | socat -u - "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_accepted_total "" 250
wait_metric spoor_frames_total 'framing="lf"' 250
[ "$(metric spoor_events_received_total)" = 250 ] || fail "received is not 250"
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
