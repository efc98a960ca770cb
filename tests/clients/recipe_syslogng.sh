#!/usr/bin/env bash
# The shipped recipe conf/examples/syslog-ng-relay.conf, included as written
# from a two-line main file (@version and @include, as Debian's
# syslog-ng.conf includes conf.d): only the listen ports, the target
# host/port and the disk-buffer directory are substituted.  syslog-ng runs
# in the foreground with private persist, pid and control files (never the
# system service).  A client sends NXLog-style events the way NXLog does
# (to_syslog_ietf() octet-counted to the syslog() port, to_syslog_bsd() with
# LF to the network() port), one of them 120 KB (over syslog-ng's default
# 64 KiB) and one with UTF-8; spoord's listener takes only octet-counted
# frames, so a recipe that frames, cuts or re-encodes wrongly shows up as
# rejects.  Then spoord is stopped, more events go to the relay, spoord comes
# back on the same port, and the events kept in the disk buffer must arrive.
# The TLS variant runs only once spoord has listen[].tls.
#
# syslog-ng: the installed one; else, since Debian's syslog-ng-core and
# rsyslog exclude each other (the other client tests need rsyslog), a copy
# of the Debian packages unpacked once into a cache directory with
# `apt-get download` + `dpkg-deb -x` (not installed, nothing outside the
# cache is touched).  No apt or no network: skipped with the reason.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
SRC=${SPOOR_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
RECIPE=$SRC/conf/examples/syslog-ng-relay.conf
RULES=$SRC/tests/scenarios/process-creation/rules
SCEN=$SRC/tests/scenarios/process-creation/events.jsonl
RULE_ID=5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0001
SNG_CACHE=${SPOOR_TEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/spoor}/syslog-ng
[ -f "$RECIPE" ] || fail "no recipe at $RECIPE"
mkdir -p "$T/sng"

unpack_syslog_ng() {
	local d u f
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
	d=$(mktemp -d "$T/debs.XXXXXX")
	(cd "$d" && apt-get -o Acquire::http::Timeout=20 -o Acquire::Retries=1 \
		download syslog-ng-core libivykis0 libnet1) > "$T/apt.log" 2>&1 || return 1
	mkdir -p "$(dirname "$SNG_CACHE")" || return 1
	u=$(mktemp -d "$SNG_CACHE.new.XXXXXX") || return 1
	for f in "$d"/*.deb; do dpkg-deb -x "$f" "$u" || { rm -rf "$u"; return 1; }; done
	mv -T "$u" "$SNG_CACHE" 2>/dev/null || rm -rf "$u"     # a parallel run may have won
	[ -x "$SNG_CACHE/usr/sbin/syslog-ng" ]
}

# SNG: the command that runs syslog-ng (with the library and module paths of
# an unpacked copy when it is one).
if command -v syslog-ng >/dev/null 2>&1 || [ -x /usr/sbin/syslog-ng ]; then
	SNG=("$(command -v syslog-ng || echo /usr/sbin/syslog-ng)")
else
	[ -x "$SNG_CACHE/usr/sbin/syslog-ng" ] || unpack_syslog_ng ||
		skip "syslog-ng is not installed (it conflicts with rsyslog on Debian) and no copy could be unpacked into $SNG_CACHE with apt-get download syslog-ng-core libivykis0 libnet1: $(tail -n 2 "$T/apt.log" 2>/dev/null | tr '\n' ' ')"
	LIBS=$SNG_CACHE/usr/lib/syslog-ng
	for d in "$SNG_CACHE"/usr/lib/*-linux-gnu*; do [ -d "$d" ] && LIBS=$LIBS:$d; done
	for MODS in "$SNG_CACHE"/usr/lib/syslog-ng/[0-9]*; do break; done
	SNG=(env "LD_LIBRARY_PATH=$LIBS" "$SNG_CACHE/usr/sbin/syslog-ng" "--module-path=$MODS")
fi
VERSION=$("${SNG[@]}" --version 2>/dev/null | sed -n 's/^syslog-ng [0-9]* (\([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$VERSION" ] || skip "syslog-ng does not run here: $("${SNG[@]}" --version 2>&1 | head -n1)"
[ "$(id -u)" -eq 0 ] || SNG+=(--no-caps)

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

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		port_free "$p" && { echo "$p"; return; }
	done
}

# relay_conf OUT SED_ARGS...: the recipe with the substitutions (the sed
# arguments select the variant), included from a two-line main file.
relay_conf() {
	local out=$1
	shift
	sed "$@" -e "s|port(514)|port($LF_PORT)|" -e "s|port(601)|port($OCT_PORT)|" \
		-e "s|\"spoor.corp.example\" transport(\"tcp\") port(1514)|\"127.0.0.1\" transport(\"tcp\") port($PORT)|" \
		-e "s|/var/lib/syslog-ng|$T/sng|g" "$RECIPE" > "$out.d"
	grep -q "port($LF_PORT)" "$out.d" || fail "recipe: network() port(514) not found"
	grep -q "port($OCT_PORT)" "$out.d" || fail "recipe: syslog() port(601) not found"
	grep -q "dir(\"$T/sng\")" "$out.d" || fail "recipe: disk-buffer dir() not found"
	printf '@version: %s\n@include "%s"\n' "$VERSION" "$out.d" > "$out"
}

# start_relay CONF SED_ARGS...: the recipe written to CONF (relay_conf),
# syslog-ng in the foreground on it, private files; waits until both ports
# answer.  A port another test took between pick_port and the bind ("Address
# already in use": the tests run in parallel) makes it pick two others and
# try again.
start_relay() {
	local conf=$1
	shift
	for _ in 1 2 3 4 5; do
		relay_conf "$conf" "$@"
		"${SNG[@]}" --syntax-only -f "$conf" > "$T/check.log" 2>&1 ||
			{ cat "$T/check.log"; fail "syslog-ng --syntax-only rejects the recipe"; }
		"${SNG[@]}" -F -f "$conf" --persist-file="$T/sng/persist" --pidfile="$T/sng/pid" \
			--control="$T/sng/ctl" > "$T/syslog-ng.log" 2>&1 &
		EXTRA_PIDS=$!
		for _ in $(seq 1 100); do
			port_free "$LF_PORT" || port_free "$OCT_PORT" || return 0
			kill -0 "$EXTRA_PIDS" 2>/dev/null || break
			sleep 0.1
		done
		stop_relay
		grep -q "Address already in use" "$T/syslog-ng.log" || break
		LF_PORT=$(pick_port)
		OCT_PORT=$(pick_port)
		[ "$LF_PORT" != "$OCT_PORT" ] || OCT_PORT=$(pick_port)
	done
	cat "$T/syslog-ng.log"
	fail "syslog-ng did not start listening on $LF_PORT and $OCT_PORT"
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
RELAY=syslog-ng RELAY_LOG="$T/syslog-ng.log"

start_spoord_config "$(spoord_yaml 0)"
LF_PORT=$(pick_port)
OCT_PORT=$(pick_port)
[ "$LF_PORT" != "$OCT_PORT" ] || OCT_PORT=$(pick_port)
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

# spoord away: the events wait in the disk buffer (time-reopen(10)) and
# arrive when spoord is back on the same port.
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
jq -c --argjson base 500 '.RecordNumber += $base | .EventTime |= sub("10:00"; "10:05")' "$SCEN" |
	grep -E '"RecordNumber":(601|702)' > "$T/later.jsonl"
[ "$(wc -l < "$T/later.jsonl")" -eq 2 ] || fail "could not build the later events"
send_nxlog "$T/later.jsonl"
sleep 1
start_spoord_config "$(spoord_yaml "$PORT")"
leads_for 25 601 702
[ "$(metric spoor_events_accepted_total)" -ge 2 ] || fail "buffered events were not accepted"
no_rejects
check_balance
echo "relay disk buffer: both events sent while spoord was down arrived"
stop_relay

# TLS variant: only once spoord has listen[].tls (another change adds it).
tls_skip=
"$SPOORD" --config-reference | grep -qE '^[[:space:]]*tls:' ||
	tls_skip="spoord --config-reference has no listen[].tls yet"
[ -n "$tls_skip" ] || command -v openssl >/dev/null || tls_skip="openssl is not installed"
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
	# The driver names the host it checks spoord's certificate against:
	# 127.0.0.1 here, in the certificate's SAN.
	start_relay "$T/relay-tls.conf" -e '/#>>> plain output/,/#<<< plain output/d' \
		-e '/#>>> TLS output/,/#<<< TLS output/ s/^\([[:space:]]*\)# /\1/' \
		-e "s|\"spoor.corp.example\" transport(\"tls\") port(6514)|\"127.0.0.1\" transport(\"tls\") port($PORT)|" \
		-e "s|/etc/syslog-ng/tls|$P|g"
	grep -q "transport(\"tls\") port($PORT)" "$T/relay-tls.conf.d" || fail "recipe: TLS output block not found"
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
