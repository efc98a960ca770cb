#!/usr/bin/env bash
# Writes events.jsonl of the gap-channel-silent scenario (the file is kept in
# the repository; run this again after changing the schedule below).
# Times are seconds after 2026-11-22 10:00:00 (NXLog CE, zone-less); within
# one second the lines keep the order they are listed in here.  Record
# numbers run on without holes per host and channel, so no other gap kind
# opens.  Security events come on the minute, System events on the half.
set -eu
cd "$(dirname "$0")"

# every HOST CHANNEL FROM TO STEP: one event every STEP seconds
every() {
	local t
	for ((t = $3; t <= $4; t += $5)); do printf '%d\t%s\t%s\n' "$t" "$1" "$2"; done
}

{
	# ws1..ws3: both channels every minute, 10:00-12:30
	for h in ws1 ws2 ws3; do
		every $h.corp.example Security 0 9000 60
		every $h.corp.example System 30 8970 60
	done
	# wsc: Security all along; System stops after 10:40:30, back at 11:20:30
	every wsc.corp.example Security 0 9000 60
	every wsc.corp.example System 30 2430 60
	every wsc.corp.example System 4830 8970 60
	# wsr: System only every 12 minutes, longer than coverage.silence (10m)
	every wsr.corp.example Security 0 9000 60
	every wsr.corp.example System 30 9000 720
	# wsh: the whole host stops 11:00:30-11:30 (host_silent, not channel_silent);
	# when it is back, its System channel starts only 4.5 minutes after Security
	every wsh.corp.example Security 0 3600 60
	every wsh.corp.example System 30 3630 60
	every wsh.corp.example Security 5400 9000 60
	every wsh.corp.example System 5670 8970 60
} | sort -s -n -k1,1 | awk -F'\t' '
{
	t = $1; host = $2; ch = $3
	k = host SUBSEP ch
	rec[k] = rec[k] ? rec[k] + 1 : (ch == "Security" ? 5000 : 700)
	time = sprintf("2026-11-22 %02d:%02d:%02d", 10 + int(t / 3600), int(t % 3600 / 60), t % 60)
	if (ch == "Security")
		printf("{\"EventTime\": \"%s\", \"Hostname\": \"%s\", \"EventID\": 4624, \"SourceName\": " \
		       "\"Microsoft-Windows-Security-Auditing\", \"Channel\": \"Security\", \"RecordNumber\": %d, " \
		       "\"TargetUserName\": \"svc-mon\", \"LogonType\": \"3\"}\n", time, host, rec[k])
	else
		printf("{\"EventTime\": \"%s\", \"Hostname\": \"%s\", \"EventID\": 7036, \"SourceName\": " \
		       "\"Service Control Manager\", \"Channel\": \"System\", \"RecordNumber\": %d, " \
		       "\"param1\": \"Windows Update\", \"param2\": \"running\"}\n", time, host, rec[k])
}' > events.jsonl
