#!/usr/bin/env bash
# 200,000 distinct host names, live over TCP (issue 9, load and abuse).
# Each host sends one failed logon; an event_count correlation grouped by
# Computer opens one window per host, and a first_seen over the same rule
# (learning 7d: no leads) keeps one baseline per host.  Bounds set low:
# limits.max_state_bytes 1MiB, limits.max_first_seen 20000; the coverage
# model's host bound is COVERAGE_MAX_HOSTS_DEFAULT (100,000,
# include/spoor/coverage.h; not configurable).  Checked after 200,000 hosts:
#   - coverage: 100,000 hosts tracked (/v1/status), 100,000 evicted
#     (spoor_coverage_hosts_evicted_total);
#   - correlation: state bytes within the bound, windows + evicted = hosts;
#   - first_seen: entries within the bound, entries + evicted = hosts;
#   - received = accepted + rejected, every event accepted;
# then 200,000 more new hosts: RSS grows by at most 10 % + 8 MiB (the
# state is bounded, not only counted).  RSS is printed at each step.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need curl; need jq; need socat
N=200000
STATE_BOUND=$((1024 * 1024))
FS_BOUND=20000
COV_BOUND=100000
mkdir -p "$T/rules"
cat > "$T/rules/r.yml" <<'YAML'
title: Failed logon
id: 00000000-0000-4000-8000-0000000e0001
name: failed_logon
level: informational
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Failed logons on one host
id: 00000000-0000-4000-8000-0000000e0101
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [Computer]
  timespan: 1h
  condition: {gte: 3}
---
title: First failed logon on a host
id: 00000000-0000-4000-8000-0000000e0102
level: low
correlation:
  type: first_seen
  rules: [failed_logon]
  fields: [Computer]
  learning: 7d
YAML
start_spoord "rules: [$T/rules]
limits:
  max_state_bytes: 1MiB
  max_first_seen: $FS_BOUND
state:
  interval: 1h"
hosts() {   # hosts FIRST N: one failed logon from each of N new hosts
	awk -v first="$1" -v n="$2" -v now="$(date -u '+%Y-%m-%d %H:%M:%S')" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "{\"EventTime\":\"%s\",\"Hostname\":\"h%07d.fleet.example\",\"EventID\":4625,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\",\"RecordNumber\":1,\"TargetUserName\":\"u%d\",\"IpAddress\":\"10.0.0.1\"}\n", now, i, i
	}'
}
rss0=$(rss_kb "$SPOORD_PID")
hosts 0 $N > "$T/hosts1"
t0=$(date +%s%N)
socat -u "FILE:$T/hosts1" "TCP:127.0.0.1:$PORT"
wait_eq 40 $N metric spoor_events_accepted_total || fail "accepted $(metric spoor_events_accepted_total) of $N"
ms=$((($(date +%s%N) - t0) / 1000000))
sleep 0.6     # the correlation gauges follow the 250 ms tick
rss1=$(rss_kb "$SPOORD_PID")
check_balance
st=$(status_json)
tracked=$(jq -r .hosts.tracked <<<"$st")
evicted=$(metric spoor_coverage_hosts_evicted_total)
[ "$tracked" = $COV_BOUND ] || fail "coverage tracks $tracked hosts, expected the bound $COV_BOUND"
[ "$evicted" = $((N - COV_BOUND)) ] || fail "coverage evicted $evicted hosts, expected $((N - COV_BOUND))"
[ "$(jq -r .hosts.evicted <<<"$st")" = "$evicted" ] || fail "/v1/status hosts.evicted disagrees with the metric"
groups=$(metric spoor_correlation_groups)
bytes=$(metric spoor_correlation_state_bytes)
cev=$(metric spoor_correlation_evicted_total)
[ "$bytes" -le $STATE_BOUND ] || fail "correlation state is $bytes bytes, above max_state_bytes $STATE_BOUND"
[ "$cev" -gt 0 ] || fail "no correlation eviction counted"
[ $((groups + cev)) = $N ] || fail "correlation: $groups windows + $cev evicted != $N hosts"
fse=$(metric spoor_first_seen_entries)
fsev=$(metric spoor_first_seen_evicted_total)
[ "$fse" -le $FS_BOUND ] || fail "first_seen holds $fse entries, above limits.max_first_seen $FS_BOUND"
[ $((fse + fsev)) = $N ] || fail "first_seen: $fse entries + $fsev evicted != $N hosts"
echo "200k hosts in ${ms} ms: coverage $tracked tracked / $evicted evicted; correlation $groups windows ($bytes bytes) / $cev evicted; first_seen $fse / $fsev evicted"
echo "RSS: ${rss0} KiB at start, ${rss1} KiB after $N hosts"

hosts $N $N > "$T/hosts2"
socat -u "FILE:$T/hosts2" "TCP:127.0.0.1:$PORT"
wait_eq 40 $((2 * N)) metric spoor_events_accepted_total || fail "accepted $(metric spoor_events_accepted_total) of $((2 * N))"
rss2=$(rss_kb "$SPOORD_PID")
echo "RSS: ${rss2} KiB after $((2 * N)) hosts"
[ "$(status_json | jq -r .hosts.tracked)" = $COV_BOUND ] || fail "coverage host count moved off its bound"
[ "$(metric spoor_coverage_hosts_evicted_total)" = $((2 * N - COV_BOUND)) ] || fail "coverage evictions after $((2 * N)) hosts: $(metric spoor_coverage_hosts_evicted_total)"
[ "$(metric spoor_correlation_state_bytes)" -le $STATE_BOUND ] || fail "correlation state above its bound"
[ "$(metric spoor_first_seen_entries)" -le $FS_BOUND ] || fail "first_seen above its bound"
if grep -q libasan "/proc/$SPOORD_PID/maps"; then
	echo "NOTE: AddressSanitizer build: its quarantine keeps freed memory, the RSS bound is not checked"
else
	[ "$rss2" -le $((rss1 + rss1 / 10 + 8192)) ] || fail "RSS grew from ${rss1} to ${rss2} KiB with another $N hosts: not bounded"
fi
check_balance
alive
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$T/spool/leads.jsonl" "$T/spool/gaps.jsonl"
echo "PASS"
