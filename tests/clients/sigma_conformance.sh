#!/usr/bin/env bash
# SigmaHQ's own regression samples: for every entry of
# ../shared/sigma/regression/index.json, replaying <rule-id>.jsonl with the
# whole rules/windows directory loaded produces a lead for that rule.
# Also checks that at least 98 % of the Windows rules load.
source "$(dirname "$0")/lib.sh"
S="${SPOOR_SHARED:-}/sigma"
[ -f "$S/regression/index.json" ] && [ -d "$S/rules/windows" ] || skip "$S is absent"
cat > "$T/spoord.yml" <<YAML
rules:
  - $S/rules/windows
spool:
  dir: $T/spool
YAML
"$SPOORD" --check -c "$T/spoord.yml" > "$T/check" 2>&1 || { tail "$T/check"; fail "--check failed"; }
summary=$(grep '^rules:' "$T/check")
echo "$summary"
[[ $summary =~ rules:\ ([0-9]+)\ loaded,\ ([0-9]+)\ unsupported ]] || fail "no rules summary"
loaded=${BASH_REMATCH[1]} unsupported=${BASH_REMATCH[2]}
total=$((loaded + unsupported))
[ $((loaded * 100)) -ge $((total * 98)) ] || fail "only $loaded of $total rules load (< 98 %)"

mapfile -t ids < <(grep -o '"rule_id": *"[^"]*"' "$S/regression/index.json" | sed 's/.*"\([^"]*\)"$/\1/')
[ ${#ids[@]} -gt 0 ] || fail "no rule ids in index.json"
# One replay of every sample file; then, for each rule, a lead of that rule
# on an event (host, record number) of its own file.
files=()
for id in "${ids[@]}"; do files+=("$S/regression/$id.jsonl"); done
"$SPOORD" --replay -c "$T/spoord.yml" "${files[@]}" > /dev/null 2> "$T/replay.err" ||
	{ tail "$T/replay.err"; fail "--replay failed"; }
grep 'replay:' "$T/replay.err"
for id in "${ids[@]}"; do
	ok=FAIL
	grep -F "\"id\":\"$id\"" "$T/spool/leads.jsonl" > "$T/mine" 2> /dev/null
	while IFS=$'\t' read -r host rec; do
		if grep -F "\"host\":\"$host\"" "$T/mine" | grep -qF "\"record_id\":$rec,"; then ok=pass; break; fi
	done < <(sed -n 's/.*"Hostname": *"\([^"]*\)".*"RecordNumber": *\([0-9]*\).*/\1\t\2/p' "$S/regression/$id.jsonl" |
		tr 'A-Z' 'a-z')
	echo "$ok $id"
done > "$T/results"
pass=$(grep -c '^pass' "$T/results")
echo "conformance: $pass of ${#ids[@]} regression samples produce a lead for their rule"
if [ "$pass" -ne "${#ids[@]}" ]; then
	grep '^FAIL' "$T/results" | while read -r _ id; do
		title=$(grep -A1 "\"rule_id\": *\"$id\"" "$S/regression/index.json" | sed -n 's/.*"title": *"\(.*\)",*/\1/p')
		echo "  no lead: $id ($title)"
	done
	fail "$((${#ids[@]} - pass)) regression samples without their lead"
fi
echo "PASS"
