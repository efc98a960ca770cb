#!/usr/bin/env bash
# systemd socket activation: spoord, started by the first connection,
# adopts the socket systemd passes (LISTEN_FDS) instead of binding its
# listen[] addresses, takes the settings of the listen[] entry with the same
# port, accepts the events sent before it ran and after, and exits 0 on
# SIGTERM.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need timeout; need systemd-socket-activate

# A free port: socat that can bind it is still listening when timeout
# kills it (124); one that cannot exits at once with an error.
APORT=
for _ in $(seq 1 10); do
	p=$((20000 + RANDOM % 40000))
	rc=0
	timeout 0.2 socat -u "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr" /dev/null 2>/dev/null || rc=$?
	[ "$rc" = 124 ] && { APORT=$p; break; }
done
[ -n "$APORT" ] || skip "no free port found in 10 random tries"

# The activated port is the second listen[] entry (framing lf, a zone),
# after an octet listener on port 0: the passed socket must get the entry
# with its port, and the port-0 entry must not be bound at all.
cat > "$T/spoord.yml" <<YAML
listen:
  - address: 127.0.0.1:0
    framing: octet
  - address: 127.0.0.1:$APORT
    framing: lf
    timezone: +02:00
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
state_dir: $T/state
YAML
# Without --accept, systemd-socket-activate binds, waits for the first
# connection, then execs spoord (same pid) with LISTEN_FDS=1.
systemd-socket-activate -l "127.0.0.1:$APORT" "$SPOORD" -c "$T/spoord.yml" > "$T/spoord.log" 2>&1 &
SPOORD_PID=$!
for _ in $(seq 1 50); do grep -q "Listening on 127.0.0.1:$APORT" "$T/spoord.log" && break; sleep 0.1; done
grep -q "Listening on 127.0.0.1:$APORT" "$T/spoord.log" || fail "systemd-socket-activate did not listen on $APORT"
! grep -q 'spoord.*ready' "$T/spoord.log" || fail "spoord started before the first connection"

# The first connection starts spoord: what it sent while spoord was not
# yet running waits in the socket and must not be lost.
gen_events 20 | socat -u - "TCP:127.0.0.1:$APORT" || fail "socat could not connect to the activated socket"
for _ in $(seq 1 100); do
	HTTP=$(sed -n 's/.*listening on http \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$T/spoord.log" | head -n1)
	[ -n "$HTTP" ] && grep -q 'spoord.*ready' "$T/spoord.log" && break
	kill -0 "$SPOORD_PID" 2>/dev/null || fail "spoord exited at start"
	sleep 0.1
done
[ -n "$HTTP" ] || fail "spoord did not start on the first connection"

grep -q "listening on tcp 127.0.0.1:$APORT (framing lf, timezone +02:00, socket activation)" "$T/spoord.log" ||
	fail "the log does not say the passed socket on port $APORT is used with its listen[] entry"
[ "$(grep -c 'listening on tcp' "$T/spoord.log")" = 1 ] ||
	fail "spoord bound its own listeners besides the activated socket"

wait_metric spoor_events_accepted_total "" 20
wait_metric spoor_frames_total 'framing="lf"' 20
gen_events 5 | socat -u - "TCP:127.0.0.1:$APORT" || fail "second connection refused"
wait_metric spoor_events_accepted_total "" 25
wait_metric spoor_connections_accepted_total "" 2
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
grep -q 'stopped: 25 received, 25 accepted, 0 rejected' "$T/spoord.log" || fail "wrong final counts"
echo "PASS"
