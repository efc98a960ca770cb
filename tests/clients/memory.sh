#!/usr/bin/env bash
# Bounded correlation state: 100,000 hosts each send one failed logon
# through `spoord --replay`, with an event_count correlation grouped by
# Computer (one window per host) and limits.max_state_bytes: 16MiB.  The
# replay summary shows the state stayed under the bound and the evictions
# were counted; the bytes per window are printed for the record.
source "$(dirname "$0")/lib.sh"
need awk
N=100000
BOUND=$((16 * 1024 * 1024))
mkdir -p "$T/rules"
cat > "$T/rules/r.yml" <<'YAML'
title: Failed logon
id: 00000000-0000-4000-8000-0000000d0001
name: failed_logon
level: informational
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Failed logons on one host
id: 00000000-0000-4000-8000-0000000d0101
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [Computer]
  timespan: 1h
  condition: {gte: 3}
YAML
cat > "$T/spoord.yml" <<YAML
spool:
  dir: $T/spool
state_dir: $T/state
rules: [$T/rules]
limits:
  max_state_bytes: 16MiB
YAML
# all within 100 s of event time: no window closes during the replay
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"EventTime\":\"2026-11-22 10:%02d:%02d.%03d\",\"Hostname\":\"ws-%06d.corp.example\",\"EventID\":4625,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\",\"RecordNumber\":%d,\"TargetUserName\":\"u%d\",\"IpAddress\":\"10.0.0.1\"}\n",
		int(i / 1000) / 60, int(i / 1000) % 60, i % 1000, i, i + 1, i }' > "$T/events.jsonl"
start=$(date +%s%N)
"$SPOORD" --replay -c "$T/spoord.yml" "$T/events.jsonl" > "$T/out" 2> "$T/spoord.log" || fail "replay failed"
ms=$((($(date +%s%N) - start) / 1000000))
grep -q "replay: $N received, $N accepted, 0 rejected" "$T/spoord.log" || fail "events lost: $(cat "$T/spoord.log")"
line=$(grep 'replay: correlation:' "$T/spoord.log") || fail "no correlation summary"
read -r groups bytes peak bound evicted < <(sed -n 's/.*correlation: \([0-9]*\) windows open at end of input, \([0-9]*\) state bytes (peak \([0-9]*\), bound \([0-9]*\)), \([0-9]*\) evicted.*/\1 \2 \3 \4 \5/p' <<<"$line")
[ -n "${evicted:-}" ] || fail "cannot read: $line"
echo "$line"
[ "$bound" = "$BOUND" ] || fail "bound $bound, expected $BOUND (limits.max_state_bytes)"
[ "$peak" -le "$BOUND" ] || fail "state peaked at $peak bytes, above the bound $BOUND"
[ "$bytes" -le "$BOUND" ] || fail "state is $bytes bytes, above the bound"
[ "$evicted" -gt 0 ] || fail "no eviction counted"
[ $((groups + evicted)) = $N ] || fail "$groups open + $evicted evicted != $N hosts"
echo "memory: $N hosts, $groups windows kept, $evicted evicted, $bytes bytes: $((bytes / groups)) bytes per window (= per host), replay ${ms} ms"
echo "PASS"
