#!/usr/bin/env bash
# Writes events.jsonl (committed; run again after changing this file).
#   wsa: 50 Security 4624 without IpAddress, one every 10 s from 10:00:00;
#        the 50th (10:08:10) opens field_missing IpAddress; a 4624 with it
#        at 10:18:10 closes it (ttr 600) and fires the rule (record 1050).
#   wsb: 60 4624 with IpAddress: no gap (the control); one from ADMIN01 is
#        excluded by the rule's filter (no lead).
#   wsc: 60 4624 with IpAddress, never a WorkstationName, which only the
#        rule's filter reads: no gap.
set -eu
cd "$(dirname "$0")"
ev() {  # time host record fields...
	local t=$1 h=$2 r=$3; shift 3
	printf '{"EventTime": "2026-11-22 %s", "Hostname": "%s", "EventID": 4624, "SourceName": "Microsoft-Windows-Security-Auditing", "Channel": "Security", "RecordNumber": %d, "TargetUserName": "svc", "LogonType": 3%s}\n' \
		"$t" "$h" "$r" "$*"
}
hms() { printf '10:%02d:%02d' $(($1 / 60)) $(($1 % 60)); }
{
	for i in $(seq 0 59); do
		s=$((i * 10))
		[ "$i" -lt 50 ] && ev "$(hms $s)" wsa.corp.example $((1000 + i)) ', "WorkstationName": "WSA"'
		if [ "$i" -eq 30 ]; then
			ev "$(hms $((s + 3)))" wsb.corp.example $((2000 + i)) ', "WorkstationName": "ADMIN01", "IpAddress": "10.1.1.1"'
		else
			ev "$(hms $((s + 3)))" wsb.corp.example $((2000 + i)) ', "WorkstationName": "WSB", "IpAddress": "192.168.1.20"'
		fi
		ev "$(hms $((s + 6)))" wsc.corp.example $((3000 + i)) ', "IpAddress": "-"'
	done
	ev "$(hms 1090)" wsa.corp.example 1050 ', "WorkstationName": "WSA", "IpAddress": "10.0.0.99"'
} > events.jsonl
