#!/usr/bin/env bash
# Writes events.jsonl of the gap-host-silent scenario (the file is kept in
# the repository; run this again after changing the schedule below).
# Times are seconds after 2026-11-22 10:00:00 (NXLog CE, zone-less); within
# one second the lines keep the order they are listed in here.  Record
# numbers run on without holes per host, so no other gap kind opens.
set -eu
cd "$(dirname "$0")"

# every HOST FROM TO STEP [EVENTID]: one Security event every STEP seconds
every() {
	local t
	for ((t = $2; t <= $3; t += $4)); do printf '%d\t%s\t%s\n' "$t" "$1" "${5:-4624}"; done
}

{
	# ws1..ws3: every minute 10:00-12:00; the input stops 12:00-12:40; ws1
	# reconnects at 12:40, the others only at 12:46
	every ws1.corp.example 0 7200 60
	every ws1.corp.example 9600 10800 60
	every ws2.corp.example 0 7200 60
	every ws2.corp.example 9960 10800 60
	every ws3.corp.example 0 7200 60
	every ws3.corp.example 9960 10800 60
	# wsb: every minute, silent 10:40-11:20 while the others send
	every wsb.corp.example 0 2400 60
	every wsb.corp.example 4800 7200 60
	every wsb.corp.example 9960 10800 60
	# srv-rare: every 12 minutes, longer than coverage.silence (10m)
	every srv-rare.corp.example 0 7200 720
	every srv-rare.corp.example 10080 10800 720
	# a local account created on ws2 at 11:00:30: the one lead
	every ws2.corp.example 3630 3630 60 4720
} | sort -s -n -k1,1 | awk -F'\t' '
{
	t = $1; host = $2; id = $3
	rec[host] = rec[host] ? rec[host] + 1 : 1000
	time = sprintf("2026-11-22 %02d:%02d:%02d", 10 + int(t / 3600), int(t % 3600 / 60), t % 60)
	extra = id == 4720 ? "\"TargetUserName\": \"backup2\", \"SubjectUserName\": \"admin\"" \
	                   : "\"TargetUserName\": \"svc-mon\", \"LogonType\": \"3\""
	printf("{\"EventTime\": \"%s\", \"Hostname\": \"%s\", \"EventID\": %d, \"SourceName\": " \
	       "\"Microsoft-Windows-Security-Auditing\", \"Channel\": \"Security\", \"RecordNumber\": %d, %s}\n",
	       time, host, id, rec[host], extra)
}' > events.jsonl
