#!/usr/bin/env bash
# Connection limits: a peer over max_connections_per_peer is refused and
# counted; idle connections are closed after idle_timeout.
source "$(dirname "$0")/lib.sh"
need socat; need curl
start_spoord "limits:
  max_connections_per_peer: 2
  idle_timeout: 2s"
sleep 10 2>/dev/null | socat -u - "TCP:127.0.0.1:$PORT" & EXTRA_PIDS="$!"
sleep 10 2>/dev/null | socat -u - "TCP:127.0.0.1:$PORT" & EXTRA_PIDS="$EXTRA_PIDS $!"
wait_metric spoor_connections_active "" 2
sleep 10 2>/dev/null | socat -u - "TCP:127.0.0.1:$PORT" & EXTRA_PIDS="$EXTRA_PIDS $!"
wait_metric spoor_connections_rejected_total 'reason="max_connections_per_peer"' 1
[ "$(metric spoor_connections_active)" = 2 ] || fail "a third connection from one peer was kept"
# nothing is sent: after idle_timeout both are closed
sleep 2.5
wait_metric spoor_connections_closed_total 'reason="idle_timeout"' 2
wait_metric spoor_connections_active "" 0
alive
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
