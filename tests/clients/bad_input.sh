#!/usr/bin/env bash
# Hostile and broken input, each on its own connection: every case is
# counted with its reason, spoord keeps running, and a canary sent
# afterwards on a new connection is accepted.
source "$(dirname "$0")/lib.sh"
need socat; need curl
start_spoord
send() { socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"; }
ok='"Hostname":"ws1.corp.example","Channel":"Security","EventTime":"2026-11-22 10:11:12"'

# oversize octet frame: skipped by its declared length
{ printf '300000 {'; head -c 299999 /dev/zero | tr '\0' a; } | send
wait_metric spoor_events_rejected_total 'reason="oversize"' 1
# 1 MB line without LF: drained
head -c 1048576 /dev/zero | tr '\0' a | send
wait_metric spoor_events_rejected_total 'reason="oversize"' 2
# malformed octet counts: zero, leading zero, 40 digits
printf '0 {"EventID":1}\n' | send
printf '007 {"EventID":1}\n' | send
printf '1234567890123456789012345678901234567890 {"EventID":1}\n' | send
wait_metric spoor_events_rejected_total 'reason="bad_octet_count"' 3
# "-5 {...}" is not a count: a line, and not JSON
printf -- '-5 {"EventID":1}\n' | send
# truncated JSON
printf '{"EventID":4688,"Hostname":"ws1\n' | send
# binary garbage
printf '\001\002\377\376 garbage\n' | send
wait_metric spoor_events_rejected_total 'reason="not_json"' 3
# two objects on a line
printf '{"EventID":4688,%s} {"EventID":4689,%s}\n' "$ok" "$ok" | send
wait_metric spoor_events_rejected_total 'reason="multiple_objects"' 1
# duplicate EventID
printf '{"EventID":4688,"EventID":1,%s}\n' "$ok" | send
wait_metric spoor_events_rejected_total 'reason="duplicate_key"' 1
# EventID out of range
printf '{"EventID":70000,%s}\n' "$ok" | send
wait_metric spoor_events_rejected_total 'reason="bad_event_id"' 1
# NUL in Hostname, and a path as host
printf '{"EventID":4688,"Hostname":"ws\\u0000x","Channel":"Security"}\n' | send
printf '{"EventID":4688,"Hostname":"../../etc","Channel":"Security"}\n' | send
wait_metric spoor_events_rejected_total 'reason="bad_host"' 2
# a TLS ClientHello on the plain port: connection closed and counted
printf '\026\003\001\000\245\001\000\000\241\003\003' | send
wait_metric spoor_connections_rejected_total 'reason="tls_on_plain_port"' 1
alive
check_balance
# the canary on a new connection
printf '{"EventID":4688,%s,"RecordNumber":1}\n' "$ok" | send
wait_metric spoor_events_accepted_total "" 1
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
