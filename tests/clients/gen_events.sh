#!/usr/bin/env bash
# scripts/gen-events (the input of scripts/bench): the same seed gives the
# same bytes; the event mix, sizes, record numbers and event times are the
# documented ones; --parts splits by host; and `spoord --replay` accepts
# every event of a 5,000-event sample (0 rejected) and writes leads.
source "$(dirname "$0")/lib.sh"
need python3; need jq
GEN="$SPOOR_SOURCE_ROOT/scripts/gen-events"
N=5000

python3 "$GEN" --count $N --seed 7 --rate 100 > "$T/a.jsonl" || fail "gen-events failed"
python3 "$GEN" --count $N --seed 7 --rate 100 > "$T/b.jsonl" || fail "gen-events failed"
cmp -s "$T/a.jsonl" "$T/b.jsonl" || fail "two runs with seed 7 differ"
python3 "$GEN" --count $N --seed 8 --rate 100 > "$T/c.jsonl" || fail "gen-events failed"
cmp -s "$T/a.jsonl" "$T/c.jsonl" && fail "seeds 7 and 8 give the same bytes"
[ "$(wc -l < "$T/a.jsonl")" -eq $N ] || fail "not $N lines"
jq -e . "$T/a.jsonl" > /dev/null || fail "a line is not JSON"

# the mix: share of each (channel, event id) within a tolerance
jq -r '"\(.Channel)/\(.EventID)"' "$T/a.jsonl" | sort | uniq -c > "$T/mix"
cat "$T/mix"
awk -v n=$N '
	BEGIN {
		want["Security/4688"] = 0.60; tol["Security/4688"] = 0.03
		want["Security/4624"] = 0.15; tol["Security/4624"] = 0.02
		want["Microsoft-Windows-Sysmon/Operational/1"] = 0.10; tol["Microsoft-Windows-Sysmon/Operational/1"] = 0.02
		want["Security/4634"] = 0.05; tol["Security/4634"] = 0.015
		want["Security/4698"] = 0.03; tol["Security/4698"] = 0.01
		want["Security/4732"] = 0.02; tol["Security/4732"] = 0.01
	}
	{ got[$2] = $1; total += $1 }
	END {
		for (k in want) {
			s = got[k] / n
			if (s < want[k] - tol[k] || s > want[k] + tol[k]) { printf "%s: %.3f, want %.2f\n", k, s, want[k]; bad = 1 }
			rest += got[k]
		}
		r = (n - rest) / n
		if (r < 0.03 || r > 0.07) { printf "other events: %.3f, want 0.05\n", r; bad = 1 }
		exit bad
	}' "$T/mix" || fail "the event mix is off"

# sizes: 1-2 KB on average; task XML of real size; Message fields with \r\n\t escapes
avg=$(awk '{ s += length($0) } END { printf "%.0f", s / NR }' "$T/a.jsonl")
echo "average event: $avg bytes"
{ [ "$avg" -ge 1000 ] && [ "$avg" -le 2000 ]; } || fail "average event size $avg bytes, want 1000..2000"
jq -r 'select(.EventID == 4698) | .TaskContent | length' "$T/a.jsonl" |
	awk '$1 < 1000 || $1 > 3500 { bad++ } END { exit bad > 0 }' || fail "a TaskContent outside 1-3.5 KB"
grep -q '"Message":"[^"]*\\r\\n\\t' "$T/a.jsonl" || fail "no Message with \\r\\n\\t escapes"
grep -q '"TaskContent":"&lt;?xml' "$T/a.jsonl" || fail "no entity-escaped TaskContent"
grep -q '"TaskContent":"<?xml' "$T/a.jsonl" || fail "no plain TaskContent"

# record numbers: +1 per (host, channel); event time: never backwards, --rate 100 => 50 s
jq -r '"\(.Hostname) \(.Channel) \(.RecordNumber)"' "$T/a.jsonl" |
	awk '{ k = $1 " " $2; if ((k in last) && $3 != last[k] + 1) bad++; last[k] = $3 } END { exit bad > 0 }' ||
	fail "record numbers are not consecutive per (host, channel)"
jq -r .EventTime "$T/a.jsonl" | sort -c || fail "event time goes backwards"
first=$(head -n 1 "$T/a.jsonl" | jq -r .EventTime) last=$(tail -n 1 "$T/a.jsonl" | jq -r .EventTime)
span=$(( $(date -u -d "$last" +%s) - $(date -u -d "$first" +%s) ))
{ [ "$span" -ge 49 ] && [ "$span" -le 50 ]; } || fail "event time spans $span s, want 50 ($N events at 100/s)"

# --parts: the whole file again, and each host in exactly one part
python3 "$GEN" --count $N --seed 7 --rate 100 -o "$T/p.jsonl" --parts 4 || fail "gen-events --parts failed"
cmp -s "$T/a.jsonl" "$T/p.jsonl" || fail "--parts changes the whole file"
[ "$(cat "$T"/p.jsonl.[0-3] | wc -l)" -eq $N ] || fail "the parts do not add up to $N lines"
for k in 0 1 2 3; do jq -r .Hostname "$T/p.jsonl.$k" | sort -u; done | sort | uniq -d > "$T/dup"
[ ! -s "$T/dup" ] || fail "hosts in more than one part: $(head -n 3 "$T/dup")"

# spoord takes every event, and the attack stories make leads with the pack
cat > "$T/replay.yml" <<YAML
spool:
  dir: $T/spool
state_dir: $T/state
rules: [$SPOOR_SOURCE_ROOT/conf/leads.d]
YAML
mkdir -p "$T/state"
"$SPOORD" --replay -c "$T/replay.yml" "$T/a.jsonl" > "$T/replay.log" 2>&1 || { cat "$T/replay.log"; fail "replay failed"; }
grep -q "replay: $N received, $N accepted, 0 rejected" "$T/replay.log" || { cat "$T/replay.log"; fail "not every event accepted"; }
leads=$(sed -n 's/.*replay: \([0-9]*\) leads from.*/\1/p' "$T/replay.log")
echo "replay: $leads leads"
[ "${leads:-0}" -ge 1 ] || fail "no lead from the attack stories"
echo "PASS"
