#!/usr/bin/env bash
# Late and skewed events are counted and visible in /metrics: an event dated
# days ahead of its receive time is "skewed" and does not move the
# watermark (so an on-time event from another host is not late), and an
# event older than the watermark is "late".
source "$(dirname "$0")/lib.sh"
need socat; need curl
mkdir -p "$T/rules"
cat > "$T/rules/r.yml" <<'YAML'
title: Failed logon
id: 00000000-0000-4000-8000-0000000000d1
name: failed
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Two failed logons
id: 00000000-0000-4000-8000-0000000000d2
level: medium
correlation:
  type: event_count
  rules: [failed]
  group-by: [TargetUserName]
  timespan: 60s
  condition: {gte: 2}
YAML
start_spoord "rules: [$T/rules]
time:
  allowed_lateness: 60s
  max_future: 5m"
ev() {   # ev SECONDS-FROM-NOW HOST USER RECORD
	local t
	t=$(date -u -d "@$(( $(date +%s) + $1 ))" '+%Y-%m-%d %H:%M:%S')
	printf '{"EventTime":"%s","Hostname":"%s","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"TargetUserName":"%s"}\n' \
		"$t" "$2" "$4" "$3"
}
{
	ev 0 ws1.corp.example alice 1             # on time: watermark = now - 60 s
	ev 259200 ws2.corp.example bob 2          # 3 days ahead: skewed, watermark unchanged
	ev -20 ws3.corp.example carol 3           # 20 s old: within lateness, not late
	ev -600 ws4.corp.example dave 4           # 10 min old: late
} | socat -u - "TCP:127.0.0.1:$PORT"
wait_metric spoor_events_accepted_total "" 4
wait_metric spoor_events_skewed_total "" 1
wait_metric spoor_events_late_total "" 1
check_balance
stop_spoord || fail "spoord did not exit 0"
echo "PASS"
