#!/usr/bin/env bash
# util-linux logger carrying JSON: RFC 5424 with octet counting, and RFC 3164
# with LF framing.
source "$(dirname "$0")/lib.sh"
need logger; need curl
logger --help 2>&1 | grep -q -- --octet-count || skip "this logger has no --octet-count"
start_spoord
N=40
gen_events $N > "$T/ev.jsonl"
while IFS= read -r line; do
	logger --tcp --server 127.0.0.1 --port "$PORT" --octet-count --rfc5424 --size 65536 -t spoor-test -- "$line" ||
		fail "logger --rfc5424 failed"
done < "$T/ev.jsonl"
wait_metric spoor_events_accepted_total "" $N
wait_metric spoor_frames_total 'framing="octet"' $N
while IFS= read -r line; do
	logger --tcp --server 127.0.0.1 --port "$PORT" --rfc3164 --size 65536 -t spoor-test -- "$line" ||
		fail "logger --rfc3164 failed"
done < "$T/ev.jsonl"
wait_metric spoor_events_accepted_total "" $((2 * N))
wait_metric spoor_frames_total 'framing="lf"' $N
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
