#!/usr/bin/env bash
# The sd_notify protocol, read from a real NOTIFY_SOCKET: READY=1 after
# binding, STATUS= with the headline numbers, WATCHDOG=1 at half of
# WATCHDOG_USEC, RELOADING=1 + MONOTONIC_USEC= then READY=1 around a
# SIGHUP, STOPPING=1 on SIGTERM, exit 0.
# Datagrams have no delimiter, so a small python3 reader prints one per
# line ("<monotonic µs> <payload, LF as |>"); socat would run them together.
source "$(dirname "$0")/lib.sh"
need curl; need python3; need socat

python3 - "$T/notify" > "$T/notify.out" 2> "$T/notify.err" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    d = s.recv(65536)
    print("%d %s" % (time.monotonic_ns() // 1000, d.decode("utf-8", "replace").replace("\n", "|")), flush=True)
PY
EXTRA_PIDS=$!
for _ in $(seq 1 50); do [ -S "$T/notify" ] && break; sleep 0.1; done
[ -S "$T/notify" ] || fail "the notify reader did not bind: $(cat "$T/notify.err")"

# wait_notify REGEX [N]: until N (1) datagrams match REGEX (5 s).
wait_notify() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -cE "$1" "$T/notify.out")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	echo "--- notify datagrams"; cat "$T/notify.out"
	fail "no ${2:-1} datagram(s) matching /$1/"
}

start_spoord_config "listen:
  - address: 127.0.0.1:0
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
state_dir: $T/state
log_level: info" env NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=400000

wait_notify '^[0-9]+ READY=1$'
wait_notify '^[0-9]+ STATUS=.*received'
# READY=1 comes once, after binding: before any watchdog ping or status
head -n1 "$T/notify.out" | grep -q ' READY=1$' || fail "the first datagram is not READY=1: $(head -n1 "$T/notify.out")"

# WATCHDOG_USEC=400000: a ping every 200 ms, so >= 2 within 1.5 s of READY
sleep 1.5
ready_us=$(awk '$2 == "READY=1" { print $1; exit }' "$T/notify.out")
pings=$(awk -v r="$ready_us" '$2 == "WATCHDOG=1" && $1 - r <= 1500000' "$T/notify.out" | wc -l)
[ "$pings" -ge 2 ] || { cat "$T/notify.out"; fail "$pings WATCHDOG=1 within 1.5 s of READY=1, expected >= 2"; }
# and not a flood either: about 7 at 200 ms
[ "$pings" -le 12 ] || fail "$pings WATCHDOG=1 within 1.5 s: interval far below WATCHDOG_USEC/2"

# STATUS= counts events
gen_events 3 | socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"
wait_metric spoor_events_accepted_total "" 3

# SIGHUP with a valid, changed configuration
sed -i 's/^log_level: info$/log_level: debug/' "$T/spoord.yml"
grep -q '^log_level: debug$' "$T/spoord.yml" || fail "test bug: config not changed"
before=$(wc -l < "$T/notify.out")
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 1
wait_notify '^[0-9]+ STATUS=.*3 received'
tail -n +"$((before + 1))" "$T/notify.out" | grep -v ' WATCHDOG=1$' > "$T/reload.out"
reload_line=$(grep -m1 ' RELOADING=1' "$T/reload.out") || { cat "$T/notify.out"; fail "no RELOADING=1 after SIGHUP"; }
# RELOADING=1 and MONOTONIC_USEC= in one datagram (systemd requires both)
[[ $reload_line =~ ^([0-9]+)\ RELOADING=1\|MONOTONIC_USEC=([0-9]+)$ ]] ||
	fail "RELOADING datagram is \"$reload_line\", expected RELOADING=1 + MONOTONIC_USEC="
recv_us=${BASH_REMATCH[1]} mono_us=${BASH_REMATCH[2]}
# CLOCK_MONOTONIC, the same clock the reader stamps with: within a second
delta=$((recv_us - mono_us))
[ "${delta#-}" -lt 1000000 ] || fail "MONOTONIC_USEC=$mono_us is ${delta} µs from CLOCK_MONOTONIC"
# then READY=1 (after RELOADING, not before)
awk '/ RELOADING=1/ { r = 1 } r && / READY=1/ { ok = 1 } END { exit !ok }' "$T/reload.out" ||
	{ cat "$T/reload.out"; fail "no READY=1 after RELOADING=1"; }
grep -q 'configuration reloaded' "$T/spoord.log" || fail "the reload was not logged"

# watchdog still running after the reload
n=$(grep -c ' WATCHDOG=1$' "$T/notify.out")
wait_notify ' WATCHDOG=1$' $((n + 2))

# SIGTERM: STOPPING=1 and exit 0
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
wait_notify '^[0-9]+ STOPPING=1$'
# no READY=1 after STOPPING=1
awk '/ STOPPING=1$/ { s = 1; next } s && / READY=1/ { bad = 1 } END { exit bad }' "$T/notify.out" ||
	{ cat "$T/notify.out"; fail "READY=1 after STOPPING=1"; }
echo "PASS"
