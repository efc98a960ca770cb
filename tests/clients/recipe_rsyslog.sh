#!/usr/bin/env bash
# The shipped recipe conf/examples/rsyslog-relay.conf, run as written: only
# the relay's listen port, the target host/port and the queue directory are
# substituted.  rsyslogd runs in the foreground with that private file (never
# the system service).  A client sends NXLog-style events to the relay the
# way NXLog does (to_syslog_ietf() octet-counted, to_syslog_bsd() with LF),
# one of them 120 KB (over rsyslog's default 8 KiB) and one with UTF-8; the
# relay forwards to spoord, whose listener takes only octet-counted frames,
# so a recipe that frames, cuts or re-encodes wrongly shows up as rejects.
# Then spoord is stopped, more events go to the relay, spoord comes back on
# the same port, and the queued events must arrive.  The TLS variant runs
# only once spoord has listen[].tls.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || skip "rsyslogd is not installed"
SRC=${SPOOR_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
RECIPE=$SRC/conf/examples/rsyslog-relay.conf
RULES=$SRC/tests/scenarios/process-creation/rules
SCEN=$SRC/tests/scenarios/process-creation/events.jsonl
RULE_ID=5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0001
[ -f "$RECIPE" ] || fail "no recipe at $RECIPE"
mkdir -p "$T/rs"

# spoord_yaml PORT [TLS_YAML]: octet-only listener, the schtasks rule.
spoord_yaml() {
	cat <<YAML
listen:
  - address: 127.0.0.1:$1
    framing: octet
${2:-}
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
state_dir: $T/state
rules: [$RULES]
YAML
}

# relay_conf OUT IN_FILTER...: the recipe with the substitutions; sed
# expressions after OUT select the variant.  Fails when a substitution no
# longer matches the recipe, so the test keeps exercising the shipped text.
relay_conf() {
	local out=$1
	shift
	sed "$@" -e "s|port=\"514\"|port=\"0\" listenPortFileName=\"$T/rs/port\"|" \
		-e "s|target=\"spoor.corp.example\" port=\"1514\"|target=\"127.0.0.1\" port=\"$PORT\"|" \
		-e "s|/var/spool/rsyslog|$T/rs|g" "$RECIPE" > "$out"
	grep -q "listenPortFileName=\"$T/rs/port\"" "$out" || fail "recipe: imtcp port=\"514\" not found"
	grep -q "queue.spoolDirectory=\"$T/rs\"" "$out" || fail "recipe: queue.spoolDirectory not found"
}

start_relay() {
	rm -f "$T/rs/port"
	"$RSYSLOGD" -n -f "$1" -i "$T/rs/rsyslogd.pid" > "$T/rsyslog.log" 2>&1 &
	EXTRA_PIDS=$!
	for _ in $(seq 1 100); do [ -s "$T/rs/port" ] && break; sleep 0.1; done
	[ -s "$T/rs/port" ] || { cat "$T/rsyslog.log"; fail "rsyslogd did not start its imtcp listener"; }
	RPORT=$(cat "$T/rs/port")
	OCT_PORT=$RPORT LF_PORT=$RPORT
}

stop_relay() {
	kill -TERM "$EXTRA_PIDS" 2>/dev/null
	wait "$EXTRA_PIDS" 2>/dev/null
	EXTRA_PIDS=
}

# The events: the scenario's five, a 4688 with UTF-8 that the rule matches,
# and a 120 KB PowerShell 4104 script block.
UTF8_CMD='schtasks /create /tn \"Größe Ü\" /tr C:\\Users\\Jöran\\x.exe'
{
	cat "$SCEN"
	printf '{"EventTime":"2026-11-22 10:00:06","Hostname":"ws3.corp.example","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":303,"SubjectUserName":"jöran","SubjectDomainName":"CORP","NewProcessName":"C:\\\\Windows\\\\System32\\\\schtasks.exe","CommandLine":"%s","ParentProcessName":"C:\\\\Windows\\\\explorer.exe"}\n' "$UTF8_CMD"
	printf '{"EventTime":"2026-11-22 10:00:07","Hostname":"ws1.corp.example","EventID":4104,"SourceName":"Microsoft-Windows-PowerShell","Channel":"Microsoft-Windows-PowerShell/Operational","RecordNumber":401,"MessageNumber":1,"MessageTotal":1,"ScriptBlockId":"6b3f0c1e-0000-4000-8000-000000000401","ScriptBlockText":"'
	printf 'Get-Process | Out-Null;\\r\\n%.0s' $(seq 1 4800)
	printf '"}\n'
} > "$T/events.jsonl"
N=$(wc -l < "$T/events.jsonl")
[ "$(tail -n1 "$T/events.jsonl" | wc -c)" -gt 120000 ] || fail "the large event is too small"

source "$(dirname "$0")/recipe_lib.sh"
RELAY=rsyslog RELAY_LOG="$T/rsyslog.log"

start_spoord_config "$(spoord_yaml 0)"
relay_conf "$T/relay.conf"
grep -q "target=\"127.0.0.1\" port=\"$PORT\"" "$T/relay.conf" || fail "recipe: omfwd target not found"
"$RSYSLOGD" -N1 -f "$T/relay.conf" > "$T/check.log" 2>&1 || { cat "$T/check.log"; fail "rsyslogd -N1 rejects the recipe"; }
start_relay "$T/relay.conf"
send_nxlog "$T/events.jsonl"
wait_accepted "$N" 10
no_rejects
[ "$(metric spoor_frames_total 'framing="octet"')" = "$N" ] || fail "frames: $(metric spoor_frames_total 'framing="octet"') octet, expected $N"
leads_for 5 101 202 303
got=$(jq -r 'select(.host=="ws3.corp.example") | .events[0].fields.CommandLine' "$T/spool/leads.jsonl")
[ "$got" = "$(printf '%s' "\"$UTF8_CMD\"" | jq -r .)" ] || fail "UTF-8 command line changed on the way: $got"
check_balance
echo "relay: $N events accepted, leads for 101 202 303, UTF-8 intact"

# spoord away: the relay must keep the events (resumeRetryCount -1, the
# disk-assisted queue) and deliver them when spoord is back on the same port.
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
jq -c --argjson base 500 '.RecordNumber += $base | .EventTime |= sub("10:00"; "10:05")' "$SCEN" |
	grep -E '"RecordNumber":(601|702)' > "$T/later.jsonl"
[ "$(wc -l < "$T/later.jsonl")" -eq 2 ] || fail "could not build the later events"
send_nxlog "$T/later.jsonl"
sleep 1
start_spoord_config "$(spoord_yaml "$PORT")"
leads_for 25 601 702
[ "$(metric spoor_events_accepted_total)" -ge 2 ] || fail "queued events were not accepted"
no_rejects
check_balance
echo "relay queue: both events sent while spoord was down arrived"
stop_relay

# TLS variant: only once spoord has listen[].tls (another change adds it).
tls_skip=
"$SPOORD" --config-reference | grep -qE '^[[:space:]]*tls:' ||
	tls_skip="spoord --config-reference has no listen[].tls yet"
[ -n "$tls_skip" ] || command -v openssl >/dev/null || tls_skip="openssl is not installed"
[ -n "$tls_skip" ] || ls /usr/lib/*/rsyslog/lmnsd_gtls.so /usr/lib/rsyslog/lmnsd_gtls.so 2>/dev/null | grep -q . ||
	tls_skip="rsyslog-gnutls is not installed"
if [ -n "$tls_skip" ]; then
	echo "SKIP (TLS variant): $tls_skip"
else
	stop_spoord || fail "spoord did not exit 0 on SIGTERM"
	rm -rf "$T/spool"     # the leads below must come over TLS
	P=$T/pki; mkdir -p "$P"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=spoor-test-ca -keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
	for n in spoor relay; do
		openssl req -newkey rsa:2048 -nodes -subj "/CN=$n.test" -keyout "$P/$n.key" -out "$P/$n.csr" 2>/dev/null
		printf 'subjectAltName=DNS:%s.test,IP:127.0.0.1\n' "$n" > "$P/$n.ext"
		openssl x509 -req -in "$P/$n.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
			-extfile "$P/$n.ext" -out "$P/$n.pem" 2>/dev/null || fail "openssl could not sign $n.pem"
	done
	start_spoord_config "$(spoord_yaml 0 "    tls:
      cert: $P/spoor.pem
      key: $P/spoor.key
      ca: $P/ca.pem
      client_cert: required
      allowed_peers: [relay.test]")"
	relay_conf "$T/relay-tls.conf" -e '/#>>> plain output/,/#<<< plain output/d' \
		-e '/#>>> TLS output/,/#<<< TLS output/ s/^\([[:space:]]*\)# /\1/'
	sed -i -e "s|target=\"spoor.corp.example\" port=\"6514\"|target=\"127.0.0.1\" port=\"$PORT\"|" \
		-e "s|StreamDriverPermittedPeers=\"spoor.corp.example\"|StreamDriverPermittedPeers=\"spoor.test\"|" \
		-e "s|/etc/rsyslog.d/tls/relay|$P/relay|; s|/etc/rsyslog.d/tls/ca.pem|$P/ca.pem|" "$T/relay-tls.conf"
	grep -q "StreamDriverPermittedPeers=\"spoor.test\"" "$T/relay-tls.conf" &&
		grep -q "target=\"127.0.0.1\" port=\"$PORT\"" "$T/relay-tls.conf" || fail "recipe: TLS output block not found"
	start_relay "$T/relay-tls.conf"
	send_nxlog "$SCEN"
	wait_accepted "$(wc -l < "$SCEN")" 15
	no_rejects
	leads_for 5 101 202
	check_balance
	echo "relay over TLS: accepted, leads written"
	stop_relay
fi
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
