#!/usr/bin/env bash
# End to end: a generated stream replayed in event-time order and the same
# events with each one displaced by less than allowed_lateness / 2 write
# exactly the same leads (matches and correlations: rule, group, events).
source "$(dirname "$0")/lib.sh"
need jq
R="$SPOOR_SOURCE_ROOT/tests/scenarios/correlation/rules"
cat > "$T/cfg.yml" <<YAML
rules: [$R]
time:
  allowed_lateness: 120s
YAML
# 600 failed logons (5 users x 4 addresses) and admin_add / tasklist pairs
# over 2 hours, at most one event per second, in event-time order.
awk -v seed=7 'BEGIN {
	srand(seed); t = 1795000000;
	for (i = 1; i <= 900; i++) {
		t += 1 + int(rand() * 12);
		r = rand();
		if (r < 0.7)
			printf "%d {\"EventTime\":\"%s\",\"Hostname\":\"ws%d.corp.example\",\"EventID\":4625,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\",\"RecordNumber\":%d,\"TargetUserName\":\"u%d\",\"IpAddress\":\"10.0.0.%d\"}\n", t, strftime("%Y-%m-%d %H:%M:%S", t, 1), int(rand()*3), i, int(rand()*5), int(rand()*4);
		else if (r < 0.85)
			printf "%d {\"EventTime\":\"%s\",\"Hostname\":\"ws%d.corp.example\",\"EventID\":4732,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\",\"RecordNumber\":%d,\"TargetUserName\":\"Administrators\"}\n", t, strftime("%Y-%m-%d %H:%M:%S", t, 1), int(rand()*3), i;
		else
			printf "%d {\"EventTime\":\"%s\",\"Hostname\":\"ws%d.corp.example\",\"EventID\":1,\"SourceName\":\"Microsoft-Windows-Sysmon\",\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"RecordNumber\":%d,\"Image\":\"C:\\\\Windows\\\\System32\\\\tasklist.exe\"}\n", t, strftime("%Y-%m-%d %H:%M:%S", t, 1), int(rand()*3), i;
	}
}' > "$T/stream"
cut -d' ' -f2- "$T/stream" > "$T/ordered.jsonl"
# displace each event by a random amount below 60 s (allowed_lateness / 2)
awk -v seed=11 'BEGIN { srand(seed) } { printf "%.3f %s\n", $1 + rand() * 59, $0 }' "$T/stream" |
	sort -n -k1,1 | cut -d' ' -f3- > "$T/shuffled.jsonl"
cmp -s "$T/ordered.jsonl" "$T/shuffled.jsonl" && fail "test bug: the shuffle changed nothing"
leads() {
	jq -c '[.kind, .rule.id, .group, [.events[] | [.host, .record_id]]]' "$1" | sort
}
for run in ordered shuffled; do
	"$SPOORD" --replay -c "$T/cfg.yml" --spool "$T/$run" "$T/$run.jsonl" > /dev/null 2> "$T/$run.err" ||
		{ cat "$T/$run.err"; fail "--replay $run failed"; }
	leads "$T/$run/leads.jsonl" > "$T/$run.leads"
done
n=$(wc -l < "$T/ordered.leads")
c=$(grep -c '^\["correlation"' "$T/ordered.leads" || true)
echo "ordered: $n leads ($c correlations)"
[ "$c" -ge 20 ] || fail "the stream should make at least 20 correlation leads (got $c)"
diff -u "$T/ordered.leads" "$T/shuffled.leads" > "$T/diff" || { head -40 "$T/diff"; fail "shuffling within lateness changed the leads"; }
echo "PASS"
