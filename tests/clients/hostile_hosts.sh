#!/usr/bin/env bash
# Hostile host names, sent in every place a host can come from (NXLog
# Hostname, Winlogbeat winlog.computer_name, EVTX System.Computer, the
# syslog header's HOSTNAME as a fallback, TCP and POST /v1/events):
#   - rejected with the right counter: a path (../../etc, a/b, /etc/passwd,
#     ., .., a..b), 300 characters, a newline, an ANSI escape, a NUL, a
#     tab, non-ASCII and overlong UTF-8 ('/' as C0 AF), a number;
#   - missing_host for an empty or null host with no syslog fallback;
#   - accepted and canonicalised: CON, NUL-like names (nul, aux, com1),
#     "-rf", "ws1$", " WS-9.Corp.Example. ", 253 characters;
# and nothing a host said reaches a path: after the run (and a SIGTERM
# that saves state) the spool and state directories hold only the known
# files, nothing else appeared under the test directory, every spool line
# is one JSON object, the files end with a newline, the leads carry the
# canonical names, spoord's log holds no raw escape or injected line, and
# received = accepted + rejected.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
W="$T/work"     # the test's own files
mkdir -p "$W" "$T/rules"
cat > "$T/rules/host_probe.yml" <<'YAML'
title: Host probe
id: 9e0c8a51-0f01-4a8e-9d70-0000000000a1
status: test
level: low
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4688
    CommandLine|contains: 'host-probe'
  condition: selection
YAML
start_spoord "rules: [$T/rules]"
send() { socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"; }
post() { curl -sS -o "$W/body" -w '%{http_code}' --data-binary @- "http://$HTTP/v1/events"; }

rec=0
# nx HOST_JSON: an NXLog CE event line whose Hostname is HOST_JSON (raw JSON text)
nx() {
	rec=$((rec + 1))
	printf '{"EventTime":"2026-11-22 10:11:12","Hostname":%s,"EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"CommandLine":"host-probe %d"}\n' "$1" "$rec" "$rec"
}
# nohost: the same without Hostname
nohost() {
	rec=$((rec + 1))
	printf '{"EventTime":"2026-11-22 10:11:12","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"CommandLine":"host-probe %d"}' "$rec" "$rec"
}
wlb() {
	rec=$((rec + 1))
	printf '{"@timestamp":"2026-11-22T10:11:12Z","winlog":{"computer_name":%s,"event_id":4688,"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","record_id":%d,"event_data":{"CommandLine":"host-probe %d"}}}\n' "$1" "$rec" "$rec"
}
evtx() {
	rec=$((rec + 1))
	printf '{"Event":{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":4688,"TimeCreated":{"SystemTime":"2026-11-22T10:11:12Z"},"EventRecordID":%d,"Channel":"Security","Computer":%s},"EventData":{"CommandLine":"host-probe %d"}}}\n' "$rec" "$1" "$rec"
}

long300=$(printf 'a%.0s' $(seq 1 300))
long253=$(printf 'b%.0s' $(seq 1 253))

# ---- rejected: bad_host -------------------------------------------------------
# (the ones with control characters first: spoord logs the first 10
# rejections of a reason, and the log must not carry them raw)
bad_hosts=(
	'"ws1\nevil"' '"ws1\r\n<13>forged"' '"ws1\u001b[31mred"' '"ws1\u001b]0;title\u0007"' '"ws1\u009b2J"'
	'"ws\u0000x"' '"ws\tx"' '"ws1\u2028x"' '"../../etc"' '"a/b"' '"/etc/passwd"' '"."' '".."' '"a..b"'
	'"..\\\\..\\\\windows"' "\"$long300\"" '"wś1"' '"a b"' '"ws1;rm -rf"' '"$(id)"' '42' '{"x":1}' '["a"]'
)
: > "$W/tcp.ndjson"
for h in "${bad_hosts[@]}"; do nx "$h" >> "$W/tcp.ndjson"; done
nbad=${#bad_hosts[@]}
# overlong UTF-8 '/' (C0 AF) and a raw invalid byte, as bytes
rec=$((rec + 1)); printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"..\300\257etc","EventID":4688,"SourceName":"S","Channel":"Security","RecordNumber":%d,"CommandLine":"host-probe"}\n' "$rec" >> "$W/tcp.ndjson"
rec=$((rec + 1)); printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws\377","EventID":4688,"SourceName":"S","Channel":"Security","RecordNumber":%d,"CommandLine":"host-probe"}\n' "$rec" >> "$W/tcp.ndjson"
nbad=$((nbad + 2))
# the other dialects
for h in '"../../etc"' '"a/b"' '"ws1\u001b[31m"'; do wlb "$h"; evtx "$h"; done >> "$W/tcp.ndjson"
nbad=$((nbad + 6))
# the syslog header's HOSTNAME, used when the event names no host
{
	printf '<13>1 2026-11-22T10:11:12Z ../../etc nxlog - - - %s\n' "$(nohost)"
	printf '<13>Nov 22 10:11:12 a/b nxlog: %s\n' "$(nohost)"
} >> "$W/tcp.ndjson"
nbad=$((nbad + 2))

# ---- rejected: missing_host ----------------------------------------------------
{ nx '""'; nx 'null'; printf '%s\n' "$(nohost)"; } >> "$W/tcp.ndjson"
nmissing=3

# ---- accepted, canonicalised -------------------------------------------------------
# HOST_JSON <TAB> canonical
cat > "$W/good.tsv" <<EOF
"CON"	con
"nul"	nul
"AUX"	aux
"COM1"	com1
"-rf"	-rf
"ws1\$"	ws1\$
" WS-9.Corp.Example. "	ws-9.corp.example
"$long253"	$long253
"Ws_7"	ws_7
EOF
while IFS=$'\t' read -r h _; do nx "$h"; done < "$W/good.tsv" >> "$W/tcp.ndjson"
printf '<13>1 2026-11-22T10:11:12Z LPT1 nxlog - - - %s\n' "$(nohost)" >> "$W/tcp.ndjson"
printf '"LPT1"\tlpt1\n' >> "$W/good.tsv"
ngood=$(wc -l < "$W/good.tsv")

send < "$W/tcp.ndjson"
wait_metric spoor_events_rejected_total 'reason="bad_host"' "$nbad"
wait_metric spoor_events_rejected_total 'reason="missing_host"' "$nmissing"
wait_metric spoor_events_accepted_total "" "$ngood"
alive
echo "tcp: $nbad bad_host, $nmissing missing_host, $ngood accepted"

# ---- over HTTP: each hostile host refuses its body with 400 bad_host -----------------
nhttp=0
for h in '"../../etc"' '"a/b"' "\"$long300\"" '"ws1\u001b[31m"' '"ws1\nx"'; do
	code=$(nx "$h" | post)
	[ "$code" = 400 ] || fail "HTTP host $h: $code $(cat "$W/body")"
	jq -e '.reason == "bad_host" and .line == 1' "$W/body" > /dev/null || fail "HTTP host $h: $(cat "$W/body")"
	nhttp=$((nhttp + 1))
done
code=$(nx '"CON.corp.example"' | post)
[ "$code" = 200 ] || fail "HTTP host CON.corp.example: $code $(cat "$W/body")"
printf '"CON.corp.example"\tcon.corp.example\n' >> "$W/good.tsv"
ngood=$((ngood + 1))
wait_metric spoor_events_rejected_total 'reason="bad_host"' $((nbad + nhttp))
wait_metric spoor_events_accepted_total "" "$ngood"
echo "http: $nhttp bodies refused (bad_host), 1 accepted"
check_balance

# ---- the leads carry the canonical names ---------------------------------------------
L="$T/spool/leads.jsonl"
for _ in $(seq 1 50); do [ "$(wc -l < "$L" 2>/dev/null || echo 0)" -ge "$ngood" ] && break; sleep 0.1; done
[ "$(wc -l < "$L")" = "$ngood" ] || fail "$(wc -l < "$L") leads for $ngood accepted events"
jq -r .host "$L" | sort > "$W/lead-hosts"
cut -f2 "$W/good.tsv" | sort > "$W/want-hosts"
diff "$W/want-hosts" "$W/lead-hosts" > /dev/null || fail "lead hosts are not the canonical names: $(diff "$W/want-hosts" "$W/lead-hosts" | head -5)"
jq -e -s 'all(.[]; .host == .group.host and .host == .events[0].host)' "$L" > /dev/null || fail "host differs inside a lead"
echo "leads: $ngood, each under its canonical host"

stop_spoord || fail "spoord did not exit 0 on SIGTERM"

# ---- nothing a host said became a path ------------------------------------------------------
# spool and state: only the known names
unexpected=$(cd "$T" && find spool state -mindepth 1 | grep -Ev '^spool/(leads|gaps)\.jsonl$|^spool/(coverage|attack-layer)\.json$|^state/(correlation|first_seen|coverage)\.state$' || true)
[ -z "$unexpected" ] || fail "unexpected files: $unexpected"
echo "spool and state hold: $(cd "$T" && find spool state -mindepth 1 | sort | tr '\n' ' ')"
# nowhere else under the test directory
others=$(cd "$T" && find . -mindepth 1 -maxdepth 1 | sort | grep -Ev '^\./(spool|state|rules|work|spoord\.yml|spoord\.log)$' || true)
[ -z "$others" ] || fail "files appeared in the test directory: $others"
for name in etc passwd b con nul aux com1 lpt1 -rf 'ws1$' evil forged; do
	[ -z "$(find "$T" -name "$name" -print -quit)" ] || fail "a file named '$name' appeared: $(find "$T" -name "$name")"
done

# ---- every spool line is one JSON object; files end with a newline ------------------------
for f in "$T"/spool/*.jsonl; do
	[ -s "$f" ] || continue
	[ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' \n')" = 0a ] || fail "$f does not end with a newline"
	jq -R -e 'fromjson | type == "object"' "$f" > /dev/null || fail "$f has a line that is not one JSON object"
	tr -d '\000' < "$f" | cmp -s - "$f" || fail "$f holds a NUL byte"
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f]' "$f" || fail "$f holds a raw control character"
	iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1 || fail "$f is not valid UTF-8"
done
echo "spool lines: all JSON objects, files end with a newline"

# ---- the log: no raw escape from an event, no line an event injected ------------------------
grep -q 'bad host' "$T/spoord.log" || fail "spoord.log shows no rejected host: the checks below would test nothing"
! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/spoord.log" || fail "spoord.log holds a raw control character from an event"
! grep -q '^<13>forged' "$T/spoord.log" || fail "an event injected a line into spoord.log"
! grep -q '^evil' "$T/spoord.log" || fail "an event injected a line into spoord.log"
# a C1 control (U+009B, CSI on a terminal that takes 8-bit controls) is
# shown like the C0 ones, never as its raw bytes C2 9B
! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$T/spoord.log" ||
	fail "spoord.log holds a raw C1 control from a host name: $(LC_ALL=C grep -a $'\xc2[\x80-\x9f]' "$T/spoord.log" | head -n 1 | cat -v)"
echo "log: rejected hosts shown without raw control characters"
echo "PASS"
