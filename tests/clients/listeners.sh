#!/usr/bin/env bash
# Two listeners in one daemon: [::1]:0 (auto framing) and 127.0.0.1:0 with
# framing: octet.  Events over IPv6 are accepted; on the octet listener
# octet frames are accepted and an LF line is bad_octet_count; a peer that
# closes (or resets) inside an octet frame is "truncated";
# limits.max_connections: 1 refuses a second connection on either listener.
source "$(dirname "$0")/lib.sh"
need socat; need curl

# ::1 usable?  (containers often run without IPv6 on lo)
have_v6=
if [ -r /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6; then
	rc=0
	timeout 0.2 socat -u TCP6-LISTEN:0,bind=[::1] /dev/null 2>/dev/null || rc=$?
	[ "$rc" = 124 ] && have_v6=1
fi
v6_listen=
if [ -n "$have_v6" ]; then
	v6_listen='  - address: "[::1]:0"'
else
	echo "NOTE: ::1 is not configured on lo: the IPv6 part is skipped"
fi

start_spoord_config "listen:
$v6_listen
  - address: 127.0.0.1:0
    framing: octet
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
state_dir: $T/state
limits:
  max_connections: 1"
[ -n "$PORT" ] || fail "no 127.0.0.1 listener in the log"
grep -q "listening on tcp 127.0.0.1:$PORT (framing octet" "$T/spoord.log" || fail "the 127.0.0.1 listener is not octet"

# send ADDR: stdin to one connection; wait until it is closed again, so the
# next connection is not refused by max_connections: 1.
send() {
	local closed
	closed=$(metric spoor_connections_closed_total 'reason="eof"')
	socat -u - "$1" || fail "socat could not connect to $1"
	wait_metric spoor_connections_closed_total 'reason="eof"' $((closed + 1))
}

# octet frame JSON: "LEN JSON" as RFC 6587 counts bytes
octet() { printf '%d %s' "${#1}" "$1"; }
ev='{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1.corp.example","EventID":4688,"Channel":"Security"}'

accepted=0
# --- IPv6
if [ -n "$have_v6" ]; then
	V6PORT=$(sed -n 's/.*listening on tcp \[::1\]:\([0-9]*\) .*/\1/p' "$T/spoord.log" | head -n1)
	[ -n "$V6PORT" ] || fail "no [::1] listener in the log"
	grep -q "listening on tcp \[::1\]:$V6PORT (framing auto" "$T/spoord.log" || fail "the ::1 listener is not auto"
	gen_events 4 | send "TCP6:[::1]:$V6PORT"
	accepted=$((accepted + 4))
	wait_metric spoor_events_accepted_total "" $accepted
	# auto framing there takes octet frames too
	{ octet "$ev"; octet "$ev"; } | send "TCP6:[::1]:$V6PORT"
	accepted=$((accepted + 2))
	wait_metric spoor_events_accepted_total "" $accepted
	# the IPv4 port is not bound on ::1 (IPV6_V6ONLY listener per address)
	socat -u /dev/null "TCP6:[::1]:$PORT" 2>/dev/null && fail "the 127.0.0.1 listener answers on ::1"
fi

# --- octet listener
octets_before=$(metric spoor_frames_total 'framing="octet"')
{ octet "$ev"; octet "$ev"; octet "$ev"; } | send "TCP:127.0.0.1:$PORT"
accepted=$((accepted + 3))
wait_metric spoor_events_accepted_total "" $accepted
wait_metric spoor_frames_total 'framing="octet"' $((octets_before + 3))
# an LF line is no octet frame there; the octet frame after it still is
{ printf '%s\n' "$ev"; octet "$ev"; } | send "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_rejected_total 'reason="bad_octet_count"' 1
accepted=$((accepted + 1))
wait_metric spoor_events_accepted_total "" $accepted

# --- a peer that closes inside a frame: "200 {" and 30 bytes, then FIN
{ printf '200 '; printf '%s' "${ev:0:30}"; } | send "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_rejected_total 'reason="truncated"' 1
alive

# ... and one that resets (RST, SO_LINGER 0) inside a frame, once spoord
# has read the half frame: truncated, closed as an error, spoord serves on.
if command -v python3 >/dev/null 2>&1; then
	bytes=$(metric spoor_bytes_received_total)
	python3 - "$PORT" "$bytes" "$HTTP" <<'PY' || fail "the RST sender failed"
import socket, struct, sys, time, urllib.request
port, before, http = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def bytes_received():
    for l in urllib.request.urlopen("http://%s/metrics" % http).read().decode().splitlines():
        if l.startswith("spoor_bytes_received_total "):
            return int(l.split()[1])
s = socket.create_connection(("127.0.0.1", port))
half = b'500 {"EventID":4688,"Hostname":"ws1"'
s.sendall(half)
for _ in range(100):
    if bytes_received() >= before + len(half):
        break
    time.sleep(0.05)
else:
    sys.exit("spoord did not read the half frame")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
	wait_metric spoor_events_rejected_total 'reason="truncated"' 2
	wait_metric spoor_connections_closed_total 'reason="error"' 1
	wait_metric spoor_connections_active "" 0
	alive
else
	echo "NOTE: python3 is absent: the RST part is skipped"
fi

# --- max_connections: 1, from anywhere
# a connection held open: socat reads from spoord, which never writes
socat -u "TCP:127.0.0.1:$PORT" /dev/null & EXTRA_PIDS=$!
wait_metric spoor_connections_active "" 1
printf '%s' "$(octet "$ev")" | socat -u - "TCP:127.0.0.1:$PORT" 2>/dev/null
wait_metric spoor_connections_rejected_total 'reason="max_connections"' 1
if [ -n "$have_v6" ]; then
	gen_events 1 | socat -u - "TCP6:[::1]:$V6PORT" 2>/dev/null
	wait_metric spoor_connections_rejected_total 'reason="max_connections"' 2
fi
[ "$(metric spoor_connections_active)" = 1 ] || fail "a connection over max_connections was kept"
# what the refused connections sent was not read
[ "$(metric spoor_events_accepted_total)" = $accepted ] || fail "a refused connection's event was accepted"
[ "$(metric spoor_connections_rejected_total 'reason="max_connections_per_peer"')" = 0 ] ||
	fail "counted as per-peer instead of max_connections"
kill "$EXTRA_PIDS" 2>/dev/null
wait_metric spoor_connections_active "" 0
# and a connection is accepted again once the slot is free
octet "$ev" | send "TCP:127.0.0.1:$PORT"
accepted=$((accepted + 1))
wait_metric spoor_events_accepted_total "" $accepted

alive
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
