#!/usr/bin/env bash
# Peers that reset mid-frame (issue 9, faults).  A small Python sender
# writes whole events, then half a frame, and resets the connection
# (SO_LINGER 0, close: an RST instead of a FIN).  Cases:
#   1. half an octet-counted frame, RST: the whole events before it are
#      accepted, the half frame is counted as truncated, the connection
#      closed with an error;
#   2. half a line, RST: the unterminated line is processed as the last
#      frame (broken JSON: not_json), closed with an error;
#   3. RST before any byte;
#   4. half an octet frame, then a clean FIN: truncated, closed at eof;
#   5. an HTTP POST /v1/events whose body is cut by an RST: nothing of it is
#      taken (no batch answered, no event counted);
# after each, a canary on a new connection is accepted, and the
# conservation law holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need python3; need curl; need socat
start_spoord
ok='{"EventID":4688,"Hostname":"ws1.corp.example","Channel":"Security","EventTime":"2026-11-22 10:11:12","RecordNumber":%d}'
# reset_send PORT MODE PAYLOAD: connect, send PAYLOAD (printf escapes
# already expanded), then close with RST (MODE rst) or FIN (MODE fin).
reset_send() {
	python3 - "$1" "$2" "$3" <<'PY'
import socket, struct, sys, time
port, mode, payload = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(('127.0.0.1', port))
if payload:
    s.sendall(payload)
time.sleep(0.3)                 # let spoord read it before the reset
if mode == 'rst':
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
PY
}
REC=0
canary() {
	REC=$((REC + 1))
	local want=$(($(metric spoor_events_accepted_total) + 1))
	printf "$ok\n" "$REC" | socat -u - "TCP:127.0.0.1:$PORT" || fail "the canary could not connect"
	wait_metric spoor_events_accepted_total "" "$want"
}
closed() { metric spoor_connections_closed_total "reason=\"$1\""; }

# 1. two whole events, then half an octet frame, RST
e1=$(printf "$ok" 1001) e2=$(printf "$ok" 1002)
reset_send "$PORT" rst "${#e1} $e1${#e2} $e2" || fail "sender 1 failed"
reset_send "$PORT" rst "$(printf '%d %s' 500 "${e1:0:100}")" || fail "sender 1b failed"
wait_metric spoor_events_rejected_total 'reason="truncated"' 1
wait_metric spoor_connections_closed_total 'reason="error"' 2
[ "$(metric spoor_events_accepted_total)" = 2 ] || fail "the whole frames before a reset were not accepted"
alive
canary
check_balance

# 2. half a line, RST
reset_send "$PORT" rst "${e1:0:60}" || fail "sender 2 failed"
wait_metric spoor_connections_closed_total 'reason="error"' 3
wait_metric spoor_events_rejected_total 'reason="not_json"' 1
canary

# 3. RST before any byte
reset_send "$PORT" rst "" || fail "sender 3 failed"
closed_all() { echo $(($(closed error) + $(closed eof))); }
wait_ge 5 6 closed_all || fail "the empty reset connection was not closed"
canary

# 4. half an octet frame, FIN
reset_send "$PORT" fin "$(printf '%d %s' 400 "${e2:0:50}")" || fail "sender 4 failed"
wait_metric spoor_events_rejected_total 'reason="truncated"' 2
canary
check_balance

# 5. an HTTP body cut by a reset
before_rec=$(metric spoor_events_received_total)
before_batches=$(curl -fsS "http://$HTTP/metrics" | awk '$1 ~ /^spoor_http_batches_total/ { s += $2 } END { print s + 0 }')
hp=${HTTP##*:}
reset_send "$hp" rst "$(printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n%s\n' "$e1")" ||
	fail "sender 5 failed"
sleep 0.5
alive
[ "$(metric spoor_events_received_total)" = "$before_rec" ] || fail "a cut HTTP body was taken"
after_batches=$(curl -fsS "http://$HTTP/metrics" | awk '$1 ~ /^spoor_http_batches_total/ { s += $2 } END { print s + 0 }')
[ "$after_batches" = "$before_batches" ] || fail "a cut HTTP body was answered as a batch"
code=$(printf "$ok\n" 2001 | curl -sS -o /dev/null -w '%{http_code}' --data-binary @- "http://$HTTP/v1/events")
[ "$code" = 200 ] || fail "the next POST got $code"
canary
check_balance
echo "resets: $(closed error) closed with an error, $(closed eof) at eof; truncated $(metric spoor_events_rejected_total 'reason="truncated"')"
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$T/spool/leads.jsonl" "$T/spool/gaps.jsonl"
echo "PASS"
