#!/usr/bin/env bash
# sender_truncation, live: a real NXLog-shaped PowerShell 4104 cut at
# exactly 2048 bytes (a sender's message limit), sent over TCP with socat,
# opens sender_truncation on the host the cut text still names; a frame cut
# at another length opens nothing; a cut frame that names no host is put on
# the TCP peer's address without its port ("peer:127.0.0.1", one sender
# across reconnects); the host's next event bigger than 2048 bytes closes
# its gap.  Every frame is counted: received = accepted + rejected.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq; need python3
start_spoord

# The events: NXLog CE flat JSON, in im_msvistalog's key order.
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def ev(when, host, sbt, record, first=True):
    d = {"EventTime": when, "Hostname": host, "Keywords": -9223372036854775808, "EventType": "VERBOSE",
         "SeverityValue": 1, "Severity": "DEBUG", "EventID": 4104, "SourceName": "Microsoft-Windows-PowerShell",
         "ProviderGuid": "{A0C1853B-5C40-4B15-8766-3CF1C58F985A}", "Version": 1, "Task": 2, "OpcodeValue": 15,
         "RecordNumber": record, "ProcessID": 4242, "ThreadID": 4711,
         "Channel": "Microsoft-Windows-PowerShell/Operational", "Domain": "CORP", "AccountName": "alice",
         "UserID": "S-1-5-21-1111-2222-3333-1104", "AccountType": "User", "Category": "Execute a Remote Command",
         "Opcode": "On create calls", "MessageNumber": "1", "MessageTotal": "1", "ScriptBlockText": sbt,
         "ScriptBlockId": "5b1f7e3c-8a2d-4c51-9e3a-2f6d1b7c9a10", "Path": ""}
    if not first:   # a shape whose host comes after the script block
        h = d.pop("Hostname"); d["Hostname"] = h
    return json.dumps(d, separators=(",", ":"))
script = " ".join("[void]$s.AppendLine('line %04d of a long generated script block');" % i for i in range(200))
def put(name, line):
    open(f"{t}/{name}", "wb").write(line.encode() + b"\n")
put("small", ev("2026-11-22 10:00:00", "wst.corp.example", "Get-Date", 1))
put("cut2048", ev("2026-11-22 10:00:10", "wst.corp.example", script, 2)[:2048])
put("cut1500", ev("2026-11-22 10:00:20", "wsu.corp.example", script, 7)[:1500])
put("nohost", ev("2026-11-22 10:00:30", "wsv.corp.example", script, 9, first=False)[:2048])
put("big", ev("2026-11-22 10:05:00", "wst.corp.example", script[:3000], 3))
PY
[ "$(head -c -1 "$T/cut2048" | wc -c)" = 2048 ] || fail "the cut frame is not 2048 bytes"

send() { socat -u "FILE:$T/$1" "TCP:127.0.0.1:$PORT"; }
gapsel() { jq -c "select(.kind == \"sender_truncation\") | $1" "$T/spool/gaps.jsonl"; }

send small; send cut2048; send cut1500
wait_metric spoor_events_received_total "" 3
wait_metric spoor_events_rejected_total 'reason="not_json"' 2
[ "$(gapsel '[.host, .state, .channel] | join(" ")')" = '"wst.corp.example open *"' ] ||
	{ cat "$T/spool/gaps.jsonl"; fail "expected one open sender_truncation for wst"; }
gapsel .evidence | grep -q '1 frame of exactly 2048 bytes from wst.corp.example failed to decode (not_json' ||
	fail "evidence: $(gapsel .evidence)"
gapsel .remedy | grep -q 'octet counting' || fail "remedy: $(gapsel .remedy)"
gapsel .opened | grep -q '2026-11-22T10:00:00' || fail "opened: $(gapsel .opened) (wst's latest event time)"
# two connections, two source ports: one sender
send nohost; send nohost
wait_metric spoor_events_received_total "" 5
[ "$(jq -s '[.[] | select(.host == "peer:127.0.0.1")] | length' "$T/spool/gaps.jsonl")" = 1 ] ||
	{ cat "$T/spool/gaps.jsonl"; fail "expected one gap for peer:127.0.0.1"; }
send big
wait_metric spoor_events_received_total "" 6
wait_metric spoor_events_accepted_total "" 2
for _ in $(seq 1 50); do
	[ "$(jq -s '[.[] | select(.kind == "sender_truncation" and .host == "wst.corp.example" and .state == "closed")] | length' "$T/spool/gaps.jsonl")" = 1 ] && break
	sleep 0.1
done
[ "$(jq -r 'select(.kind == "sender_truncation" and .host == "wst.corp.example" and .state == "closed") | .ttr_seconds' "$T/spool/gaps.jsonl")" = 300 ] ||
	{ cat "$T/spool/gaps.jsonl"; fail "wst's gap did not close with ttr 300"; }
[ "$(jq -s '[.[] | select(.host == "wsu.corp.example")] | length' "$T/spool/gaps.jsonl")" = 0 ] ||
	fail "a frame cut at 1500 bytes opened a gap"
check_balance
stop_spoord || fail "spoord did not exit 0"
echo "PASS"
