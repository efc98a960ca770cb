#!/usr/bin/env bash
# coverage.json and attack-layer.json (include/spoor/report.h).
# 1. A replay of tests/scenarios/gap-channel-missing (its rules, tagged with
#    techniques here) writes both; they parse and hold the expected values
#    for one host, one rule, the fleet and the layer.
# 2. Published atomically: a reader polling coverage.json while the live
#    daemon rewrites it (coverage.interval 5s) while events stream always
#    parses it, and SIGTERM writes it once more.
source "$(dirname "$0")/lib.sh"
need jq; need socat
S="$SPOOR_SOURCE_ROOT/tests/scenarios/gap-channel-missing"
SYSMON=Microsoft-Windows-Sysmon/Operational

# ---- 1. replay ----------------------------------------------------------
mkdir -p "$T/rules" "$T/rspool"
sed 's/  - attack.persistence/  - attack.persistence\n  - attack.t1053.005/' "$S/rules/sysmon_schtasks.yml" > "$T/rules/a.yml"
sed 's/  - attack.persistence/  - attack.persistence\n  - attack.t1053/' "$S/rules/task_created.yml" > "$T/rules/b.yml"
printf 'rules: [%s]\nspool: {dir: %s}\n' "$T/rules" "$T/rspool" > "$T/replay.yml"
"$SPOORD" --replay -c "$T/replay.yml" "$S/events.jsonl" > /dev/null 2> "$T/replay.err" || { cat "$T/replay.err"; fail "--replay"; }
C="$T/rspool/coverage.json"; L="$T/rspool/attack-layer.json"
[ -f "$C" ] && [ -f "$L" ] || fail "no coverage.json / attack-layer.json after the replay"
jq -e . "$C" > /dev/null || fail "coverage.json does not parse"
jq -e . "$L" > /dev/null || fail "attack-layer.json does not parse"
ls "$T/rspool" | grep -q '\.tmp$' && fail "a temporary file remains"
gap=$(jq -r 'select(.state == "open" and .host == "wsc.corp.example") | .id' "$T/rspool/gaps.jsonl")
got=$(jq -c --arg sy "$SYSMON" '[.hosts["wsc.corp.example"] | .live, .channels.Security.count,
	(.channels[$sy] == null), .first_seen, .last_seen, (.open_gaps | map(.id)), .channels.Security.event_ids]' "$C")
[ "$got" = "[true,10,true,\"2026-11-22T10:00:00.000Z\",\"2026-11-22T11:30:00.000Z\",[\"$gap\"],{\"4624\":10}]" ] ||
	fail "wsc.corp.example in coverage.json: $got (open gap $gap)"
got=$(jq -c '.rules["7c1d0e00-0000-4000-8000-00000000c001"] | [.title, .can_fire_hosts, .live_hosts, .share]' "$C")
[ "$got" = '["schtasks.exe started (Sysmon)",2,3,0.6666666666666666]' ] || fail "rule c001: $got"
got=$(jq -c '.fleet' "$C")
[ "$got" = '{"hosts":3,"live_hosts":3,"gaps_surfaced":2,"gaps_open":1,"gaps_closed":1,"median_ttr_seconds":1800,"rules_loaded":2,"rules_stable":0,"rules_promoted":0,"escalations":0}' ] ||
	fail "fleet: $got"
got=$(jq -c '[.name, .versions.layer, .domain, (.techniques | map([.techniqueID, .score, .comment]))]' "$L")
[ "$got" = '["spoor coverage","4.5","enterprise-attack",[["T1053.005",67,"rules: 1; blinded on 1 hosts by: channel_missing"],["T1053",100,"rules: 1; blinded on 0 hosts"]]]' ] ||
	fail "layer: $got"
echo "replay: coverage.json and attack-layer.json as expected"

# ---- 2. atomic rewrites while events stream -------------------------------
start_spoord "rules: [$T/rules]
coverage:
  interval: 5s"
C="$T/spool/coverage.json"
ev() {   # ev N: N events from 500 hosts, now
	local now i
	now=$(date -u '+%Y-%m-%d %H:%M:%S')
	for i in $(seq 1 "$1"); do
		printf '{"EventTime":"%s","Hostname":"ws-%04d.corp.example","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"TargetUserName":"u"}\n' \
			"$now" $((i % 500)) "$i"
	done
}
( while :; do ev 1000 | socat -u - "TCP:127.0.0.1:$PORT" 2>/dev/null; sleep 0.2; done ) &
EXTRA_PIDS=$!
for i in $(seq 1 50); do [ -f "$C" ] && break; sleep 0.1; done
[ -f "$C" ] || fail "no coverage.json from the live daemon"
reads=0; gens=()
end=$((SECONDS + 12))
while [ $SECONDS -lt $end ]; do
	g=$(jq -er .generated "$C" 2>/dev/null) || fail "coverage.json did not parse while it was rewritten (read $reads)"
	[ "${gens[-1]:-}" = "$g" ] || gens+=("$g")
	reads=$((reads + 1))
done
kill "$EXTRA_PIDS" 2>/dev/null; wait "$EXTRA_PIDS" 2>/dev/null; EXTRA_PIDS=
[ ${#gens[@]} -ge 2 ] || fail "coverage.json was not rewritten in 12 s (${gens[*]})"
hosts=$(jq '.fleet.hosts' "$C")
[ "$hosts" -ge 1 ] || fail "live coverage.json counts $hosts hosts"
last=${gens[-1]}
stop_spoord || fail "spoord exited non-zero"
g=$(jq -er .generated "$C") || fail "coverage.json does not parse after SIGTERM"
[ "$g" != "$last" ] || fail "coverage.json was not written at exit"
jq -e '.techniques | length == 2' "$T/spool/attack-layer.json" > /dev/null || fail "attack-layer.json at exit"
echo "live: $reads reads of coverage.json, all parsed, ${#gens[@]} versions; rewritten at exit"
echo "PASS"
