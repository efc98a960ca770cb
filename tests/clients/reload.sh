#!/usr/bin/env bash
# SIGHUP reload: a broken file (bad value, then a YAML syntax error) is
# refused, counted as spoor_reloads_total{result="failed"}, and the running
# configuration and open connections are kept; fixed, it is applied
# (result="ok") and log_level: debug takes effect at once.
source "$(dirname "$0")/lib.sh"
need socat; need curl
start_spoord "log_level: info"
good_cfg=$(cat "$T/spoord.yml")

# One long-lived sender: socat reads a FIFO that the test writes events
# into, over several seconds, on a single TCP connection.
mkfifo "$T/in"
socat -u "OPEN:$T/in" "TCP:127.0.0.1:$PORT" 2> "$T/socat.err" & EXTRA_PIDS=$!
exec 3> "$T/in"
gen_events 5 >&3
wait_metric spoor_events_accepted_total "" 5
wait_metric spoor_connections_accepted_total "" 1

# reload_and_wait RESULT N: SIGHUP, wait for reloads_total{result=RESULT} N.
reload_and_wait() {
	kill -HUP "$SPOORD_PID"
	wait_metric spoor_reloads_total "result=\"$1\"" "$2"
	alive
}

# 1. a value out of bounds
printf '%s\nlimits: {max_frame_bytes: 1}\n' "$good_cfg" > "$T/spoord.yml"
reload_and_wait failed 1
grep -q 'reload failed, keeping the running configuration: .*max_frame_bytes' "$T/spoord.log" ||
	fail "the failed reload does not name the key"
gen_events 5 >&3
wait_metric spoor_events_accepted_total "" 10

# 2. a YAML syntax error
printf '%s\nlimits: {max_frame_bytes: [1\n' "$good_cfg" > "$T/spoord.yml"
reload_and_wait failed 2
[ "$(metric spoor_reloads_total 'result="ok"')" = 0 ] || fail "a failed reload counted as ok"
gen_events 5 >&3
wait_metric spoor_events_accepted_total "" 15
# the same connection all along: not dropped, not reopened
[ "$(metric spoor_connections_accepted_total)" = 1 ] || fail "the sender had to reconnect"
[ "$(metric spoor_connections_active)" = 1 ] || fail "the open connection was dropped by a failed reload"
kill -0 "$EXTRA_PIDS" 2>/dev/null || fail "the sender died: $(cat "$T/socat.err")"
# still info: nothing at debug so far
! grep -q '^<7>' "$T/spoord.log" || fail "debug lines logged at log_level info"
# a new connection works under the kept configuration
gen_events 2 | socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"
wait_metric spoor_events_accepted_total "" 17

# 3. fixed, and debug: applied
printf '%s\n' "$good_cfg" | sed 's/^log_level: info$/log_level: debug/' > "$T/spoord.yml"
grep -q '^log_level: debug$' "$T/spoord.yml" || fail "test bug: log_level not changed"
reload_and_wait ok 1
[ "$(metric spoor_reloads_total 'result="failed"')" = 2 ] || fail "reloads failed changed on a good reload"
grep -q 'configuration reloaded' "$T/spoord.log" || fail "the good reload was not logged"
gen_events 5 >&3
wait_metric spoor_events_accepted_total "" 22
# debug now: a new connection is logged at <7>
gen_events 1 | socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"
wait_metric spoor_events_accepted_total "" 23
for _ in $(seq 1 50); do grep -q '^<7>.*connection accepted' "$T/spoord.log" && break; sleep 0.1; done
grep -q '^<7>.*connection accepted' "$T/spoord.log" || fail "log_level: debug did not take effect (no <7> line)"

# the sender is still connected through all of it
[ "$(metric spoor_connections_active)" = 1 ] || fail "the long-lived connection is gone"
exec 3>&-
wait_metric spoor_connections_active "" 0
check_balance
[ "$(metric spoor_events_rejected_total 'reason="oversize"')" = 0 ] || fail "events rejected as oversize"
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
grep -q 'stopped: 23 received, 23 accepted, 0 rejected' "$T/spoord.log" || fail "wrong final counts"
echo "PASS"
