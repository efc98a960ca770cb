#!/usr/bin/env bash
# The hunt pack on real telemetry (skips without ../shared): the hidden
# SYSTEM task running `cmd.exe /C tasklist` yields the hidden-task and
# interpreter leads, and every file under variants/nxlog-entities-escaped/
# (task XML with entities left escaped) yields exactly the same leads as its
# unescaped original.
source "$(dirname "$0")/lib.sh"
need jq
D="${SPOOR_SHARED:-}/data/windows-events"
[ -d "$D/variants/nxlog-entities-escaped" ] || skip "$D is absent"
CONF="$SPOOR_SOURCE_ROOT/conf/spoord.yml"
leads() {   # leads FILE SPOOL: sorted [kind, rule, host, records]
	"$SPOORD" --replay -c "$CONF" --spool "$2" "$1" > /dev/null 2> "$2.err" || { cat "$2.err"; fail "--replay $1"; }
	[ -f "$2/leads.jsonl" ] || { : > "$2.leads"; return; }
	jq -c '[.kind, .rule.id, .host, [.events[]?.record_id]]' "$2/leads.jsonl" | sort > "$2.leads"
}
f="$D/evtx-attack-samples/Execution__temp_scheduled_task_4698_4699.jsonl"
leads "$f" "$T/seed"
grep -q '"2c587483-3bef-4346-8310-49c423176081"' "$T/seed.leads" || { cat "$T/seed.leads"; fail "no hidden-task lead"; }
grep -q '"6591ff50-f3e9-442a-bfde-e7b8e10439b0"' "$T/seed.leads" || { cat "$T/seed.leads"; fail "no interpreter lead"; }
n=0
for esc in "$D"/variants/nxlog-entities-escaped/*.jsonl; do
	name=$(basename "$esc")
	orig=$(ls "$D"/evtx-attack-samples/"$name" "$D"/evtx-to-mitre-attack/"$name" 2> /dev/null | head -n1)
	[ -n "$orig" ] || fail "no original for $name"
	leads "$orig" "$T/o$n"
	leads "$esc" "$T/e$n"
	diff -u "$T/o$n.leads" "$T/e$n.leads" || fail "$name: escaped task XML gives other leads"
	echo "same leads ($(wc -l < "$T/o$n.leads")): $name"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no escaped variants"
echo "PASS"
