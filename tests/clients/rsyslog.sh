#!/usr/bin/env bash
# rsyslog (foreground, private config — never the system service) relays
# JSON messages to spoord with TCP_Framing="octet-counted", in RFC 5424.
source "$(dirname "$0")/lib.sh"
need logger; need curl
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || skip "rsyslogd is not installed"
start_spoord
mkdir -p "$T/rs"
cat > "$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="0" listenPortFileName="$T/rs/port")
action(type="omfwd" target="127.0.0.1" port="$PORT" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
CONF
"$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rs/rsyslogd.pid" > "$T/rsyslog.log" 2>&1 &
EXTRA_PIDS=$!
for _ in $(seq 1 100); do [ -s "$T/rs/port" ] && break; sleep 0.1; done
[ -s "$T/rs/port" ] || { cat "$T/rsyslog.log"; fail "rsyslogd did not start its imtcp listener"; }
RPORT=$(cat "$T/rs/port")
N=50
gen_events $N rs-relay-host.corp.example > "$T/ev.jsonl"
while IFS= read -r line; do
	logger --tcp --server 127.0.0.1 --port "$RPORT" --size 65536 -t winevt -- "$line" || fail "logger failed"
done < "$T/ev.jsonl"
for _ in $(seq 1 100); do
	[ "$(metric spoor_events_accepted_total)" = $N ] && break
	sleep 0.1
done
wait_metric spoor_events_accepted_total "" $N
wait_metric spoor_frames_total 'framing="octet"' $N
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
echo "PASS"
