#!/usr/bin/env bash
# TLS listeners (issue 7, item 1), against a PKI made here with the openssl
# CLI: the matrix no client certificate / another CA / expired / valid /
# valid but not in allowed_peers → reject, reject, reject, accept, reject
# (acceptance by an event accepted, rejection by the failure counter and
# its reason, and one log line each); a plain-TCP sender on the TLS port
# and a TLS sender on the plain port, both refused and counted; the
# handshake deadline and limits.max_handshakes; bind_host_to_peer (an event
# naming another host is kept, flagged SpoorPeerMismatch — a rule on that
# field writes a lead — and counted); rsyslog relaying over TLS with the
# gtls and then the ossl stream driver (each skipped with a message when
# its package is absent); spoord --check on a key that does not match the
# certificate.  The conservation law holds at the end.
source "$(dirname "$0")/lib.sh"
need openssl; need socat; need curl
P=$T/pki
mkdir -p "$P"

# ---- the PKI ------------------------------------------------------------
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$1.key" 2>/dev/null || fail "openssl genpkey"; }
ca() {  # ca NAME CN
	key "$1"
	openssl req -x509 -new -key "$P/$1.key" -out "$P/$1.crt" -days 30 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
		fail "openssl req (CA $1)"
}
# leaf NAME CA SUBJECT EXTENSIONS: a certificate for NAME.key issued by CA
leaf() {
	key "$1"
	openssl req -new -key "$P/$1.key" -out "$P/$1.csr" -subj "$3" 2>/dev/null || fail "openssl req ($1)"
	printf '%s\n' "$4" > "$P/$1.ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/$2.crt" -CAkey "$P/$2.key" -CAcreateserial -days 30 \
		-extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null || fail "openssl x509 -req ($1)"
}
CLIENT_EXT='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'
ca ca "spoor test CA"
ca other-ca "some other CA"
leaf server ca /CN=localhost 'basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1'
leaf client-ok ca /CN=nxlog1 "$CLIENT_EXT
subjectAltName=DNS:nxlog1.corp.example"
leaf client-other-ca other-ca /CN=nxlog1 "$CLIENT_EXT
subjectAltName=DNS:nxlog1.corp.example"
leaf client-not-allowed ca /CN=web1 "$CLIENT_EXT
subjectAltName=DNS:web1.corp.example"
# expired: `openssl ca` sets the dates (OpenSSL 3.0's x509 has no -not_after)
mkdir -p "$P/db" && : > "$P/db/index.txt" && echo 1000 > "$P/db/serial"
cat > "$P/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
database = $P/db/index.txt
new_certs_dir = $P/db
serial = $P/db/serial
default_md = sha256
policy = any
[ any ]
commonName = supplied
[ client ]
$CLIENT_EXT
subjectAltName = DNS:nxlog1.corp.example
CNF
key client-expired
openssl req -new -key "$P/client-expired.key" -out "$P/client-expired.csr" -subj /CN=nxlog1 2>/dev/null
openssl ca -batch -config "$P/ca.cnf" -cert "$P/ca.crt" -keyfile "$P/ca.key" -in "$P/client-expired.csr" \
	-out "$P/client-expired.crt" -startdate 20240101000000Z -enddate 20240201000000Z -extensions client \
	-notext >/dev/null 2>&1 || fail "openssl ca (expired certificate)"

# ---- spoord: a plain listener, then a TLS one ---------------------------
mkdir -p "$T/rules"
cat > "$T/rules/peer-mismatch.yml" <<'RULE'
title: Event host is not the TLS peer
id: 2b3c8a51-7d4e-4f0a-9c61-5e2f0d7a1b90
status: experimental
description: spoord flagged an event whose host the sender's client certificate does not name
logsource:
  product: windows
  service: security
detection:
  selection:
    SpoorPeerMismatch|exists: true
  condition: selection
level: low
RULE
CONF="listen:
  - address: 127.0.0.1:0
  - address: 127.0.0.1:0
    tls:
      cert: $P/server.crt
      key: $P/server.key
      ca: $P/ca.crt
      client_cert: required
      allowed_peers: [nxlog1.corp.example, '*.dc.corp.example']
      handshake_timeout: 2s
    bind_host_to_peer: true
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
  fsync: always
state_dir: $T/state
rules: [$T/rules]
limits:
  max_handshakes: 2"
printf '%s\n' "$CONF" > "$T/check.yml"
"$SPOORD" --check -c "$T/check.yml" > "$T/check.out" 2>&1 || { cat "$T/check.out"; fail "spoord --check refused the TLS config"; }
grep -q "^listen\[1\].tls  *cert $P/server.crt" "$T/check.out" || { cat "$T/check.out"; fail "--check does not show the TLS listener"; }
# --check loads the files: a key that is not the certificate's is an error naming the key
sed "s|key: $P/server.key|key: $P/client-ok.key|" "$T/check.yml" > "$T/bad.yml"
rc=0; "$SPOORD" --check -c "$T/bad.yml" > "$T/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$T/bad.out"; fail "--check with a mismatched key exited $rc, expected 2"; }
grep -q "bad.yml:6:12: listen\[1\].tls.key: $P/client-ok.key: does not match the certificate" "$T/bad.out" ||
	{ cat "$T/bad.out"; fail "--check does not name the mismatched key"; }

start_spoord_config "$CONF"
TPORT=$(sed -n 's/.*listening on tcp 127\.0\.0\.1:\([0-9]*\) .*tls: client_cert required, 2 allowed peers, bind_host_to_peer.*/\1/p' "$T/spoord.log")
[ -n "$PORT" ] && [ -n "$TPORT" ] && [ "$PORT" != "$TPORT" ] || fail "no plain and TLS ports in the log"

ev() {  # ev HOST RECORD
	printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"%s","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"NewProcessName":"C:\\\\Windows\\\\System32\\\\cmd.exe","CommandLine":"cmd /c whoami"}\n' "$1" "$2"
}
# tls_send CLIENT-OPTIONS: one event over TLS (socat's failures are expected)
tls_send() {
	ev "${HOST:-nxlog1.corp.example}" "${REC:-1}" |
		timeout 10 socat -u - "OPENSSL:127.0.0.1:$TPORT,cafile=$P/ca.crt,commonname=localhost${1:+,$1}" 2>>"$T/socat.err" || true
}
failed() { metric spoor_tls_handshakes_failed_total "reason=\"$1\""; }
logged() { grep -q "TLS handshake on 127.0.0.1:$TPORT failed ($1)" "$T/spoord.log" || fail "no log line for $1"; }

# ---- the matrix ---------------------------------------------------------
tls_send ""                                                     # no client certificate
wait_metric spoor_tls_handshakes_failed_total 'reason="no_client_cert"' 1
tls_send "cert=$P/client-other-ca.crt,key=$P/client-other-ca.key"
wait_metric spoor_tls_handshakes_failed_total 'reason="unknown_ca"' 1
tls_send "cert=$P/client-expired.crt,key=$P/client-expired.key"
wait_metric spoor_tls_handshakes_failed_total 'reason="cert_expired"' 1
REC=1 tls_send "cert=$P/client-ok.crt,key=$P/client-ok.key"     # valid: accepted
wait_metric spoor_events_accepted_total "" 1
tls_send "cert=$P/client-not-allowed.crt,key=$P/client-not-allowed.key"
wait_metric spoor_tls_handshakes_failed_total 'reason="peer_not_allowed"' 1
[ "$(metric spoor_events_accepted_total)" = 1 ] || fail "an event from a refused client was accepted"
[ "$(metric spoor_tls_handshakes_total)" = 1 ] || fail "spoor_tls_handshakes_total is not 1"
[ "$(metric spoor_events_peer_mismatch_total)" = 0 ] || fail "the valid client's own host was flagged"
for r in no_client_cert unknown_ca cert_expired peer_not_allowed; do logged "$r"; done
grep -q "failed (peer_not_allowed): client certificate 'web1.corp.example'" "$T/spoord.log" ||
	fail "the refused peer's name is not logged"
echo "matrix: no cert, other CA, expired, valid, not allowed -> reject, reject, reject, accept, reject"

# ---- plain TCP on the TLS port, TLS on the plain port ------------------
ev nxlog1.corp.example 2 | socat -u - "TCP:127.0.0.1:$TPORT" || fail "socat could not connect"
wait_metric spoor_tls_handshakes_failed_total 'reason="not_tls"' 1
logged not_tls
timeout 10 socat -u - "OPENSSL:127.0.0.1:$PORT,verify=0" </dev/null 2>/dev/null || true
wait_metric spoor_connections_rejected_total 'reason="tls_on_plain_port"' 1
[ "$(metric spoor_events_received_total)" = 1 ] || fail "a refused connection delivered an event"

# ---- bind_host_to_peer -------------------------------------------------
HOST=ws-0042.corp.example REC=3 tls_send "cert=$P/client-ok.crt,key=$P/client-ok.key"
wait_metric spoor_events_accepted_total "" 2
wait_metric spoor_events_peer_mismatch_total "" 1
for _ in $(seq 1 50); do grep -q SpoorPeerMismatch "$T/spool/leads.jsonl" 2>/dev/null && break; sleep 0.1; done
grep -q '"host":"ws-0042.corp.example".*"SpoorPeerMismatch":"nxlog1.corp.example"' "$T/spool/leads.jsonl" ||
	{ cat "$T/spool/leads.jsonl" 2>/dev/null; fail "no lead for the flagged event"; }
[ "$(grep -c 'Event host is not the TLS peer' "$T/spool/leads.jsonl")" = 1 ] || fail "the peer's own events were flagged"

# ---- the handshake deadline and limits.max_handshakes -----------------
# two silent connections hold both handshake slots; a third is refused
silent_tcp() { ( exec >/dev/null 2>&1; sleep "$1" | socat -u - "TCP:127.0.0.1:$TPORT" ) & }
silent_tcp 4
silent_tcp 4
sleep 0.5
REC=4 tls_send "cert=$P/client-ok.crt,key=$P/client-ok.key"
wait_metric spoor_connections_rejected_total 'reason="max_handshakes"' 1
wait_metric spoor_tls_handshakes_failed_total 'reason="timeout"' 2    # after tls.handshake_timeout (2 s)
logged timeout
[ "$(metric spoor_events_accepted_total)" = 2 ] || fail "the refused connection delivered an event"

# ---- rsyslog with the gtls and ossl stream drivers --------------------
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
driver_dir=$(dirname "$(find /usr/lib /usr/lib64 -name lmnsd_ptcp.so 2>/dev/null | head -n1)" 2>/dev/null)
ran=0
rsyslog_over_tls() {  # rsyslog_over_tls DRIVER RECORD
	local d=$1 rec=$2 want
	mkdir -p "$T/rs-$d"
	cat > "$T/rs-$d/rsyslog.conf" <<RS
global(workDirectory="$T/rs-$d" maxMessageSize="64k"
       DefaultNetstreamDriverCAFile="$P/ca.crt"
       DefaultNetstreamDriverCertFile="$P/client-ok.crt"
       DefaultNetstreamDriverKeyFile="$P/client-ok.key")
module(load="imtcp")
input(type="imtcp" port="0" listenPortFileName="$T/rs-$d/port")
action(type="omfwd" target="127.0.0.1" port="$TPORT" protocol="tcp"
       StreamDriver="$d" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
       StreamDriverPermittedPeers="localhost"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
RS
	want=$(( $(metric spoor_events_accepted_total) + 1 ))
	"$RSYSLOGD" -n -f "$T/rs-$d/rsyslog.conf" -i "$T/rs-$d/pid" > "$T/rs-$d/log" 2>&1 &
	local pid=$!
	EXTRA_PIDS="${EXTRA_PIDS:-} $pid"
	for _ in $(seq 1 100); do [ -s "$T/rs-$d/port" ] && break; sleep 0.1; done
	[ -s "$T/rs-$d/port" ] || { cat "$T/rs-$d/log"; fail "rsyslogd ($d) did not start its imtcp listener"; }
	logger --tcp --server 127.0.0.1 --port "$(cat "$T/rs-$d/port")" --size 65536 -t winevt -- \
		"$(ev nxlog1.corp.example "$rec")" || fail "logger failed"
	for _ in $(seq 1 100); do [ "$(metric spoor_events_accepted_total)" = "$want" ] && break; sleep 0.1; done
	[ "$(metric spoor_events_accepted_total)" = "$want" ] ||
		{ cat "$T/rs-$d/log"; fail "rsyslog ($d): the event was not accepted"; }
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	echo "rsyslog omfwd StreamDriver=\"$d\": accepted"
	ran=$((ran + 1))
}
if [ ! -x "$RSYSLOGD" ] || ! command -v logger >/dev/null; then
	echo "rsyslogd or logger is not installed: the rsyslog part is skipped"
else
	for d in gtls ossl; do
		if [ -n "$driver_dir" ] && [ -f "$driver_dir/lmnsd_$d.so" ]; then
			rsyslog_over_tls "$d" $((10 + ran))
		else
			echo "rsyslog's $d stream driver is not installed (Debian rsyslog-$( [ $d = gtls ] && echo gnutls || echo openssl)): skipped"
		fi
	done
fi
[ "$(metric spoor_events_peer_mismatch_total)" = 1 ] || fail "an rsyslog event was flagged"

# ---- reload says certificates need a restart; shutdown with TLS open ---
kill -HUP "$SPOORD_PID"
for _ in $(seq 1 50); do grep -q "TLS certificates, keys and CAs are read at start" "$T/spoord.log" && break; sleep 0.1; done
grep -q "TLS certificates, keys and CAs are read at start" "$T/spoord.log" || fail "SIGHUP did not say TLS needs a restart"
want=$(( $(metric spoor_events_accepted_total) + 1 ))
( exec >/dev/null 2>&1; { ev nxlog1.corp.example 20; sleep 3; } |
	socat -u - "OPENSSL:127.0.0.1:$TPORT,cafile=$P/ca.crt,commonname=localhost,cert=$P/client-ok.crt,key=$P/client-ok.key" ) &
silent_tcp 3                                                   # still in its handshake at the stop
wait_metric spoor_events_accepted_total "" "$want"
wait_metric spoor_connections_active "" 2

alive
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
grep -q "stopped: $want received, $want accepted, 0 rejected" "$T/spoord.log" || fail "the final counts are not in the log"
echo "PASS (rsyslog drivers run: $ran)"
