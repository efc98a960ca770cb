#!/usr/bin/env bash
# Task XML of the real 4698/4702 events in ../shared (skips when absent):
# every such event gets TaskCommand, TaskComHandler or TaskParseError; the
# hidden SYSTEM task of Execution__temp_scheduled_task_4698_4699 reads as
# it should; and each entity-escaped NXLog variant derives exactly the same
# Task* fields as its original.
source "$(dirname "$0")/lib.sh"
need jq
D="${SPOOR_SHARED:-}/data/windows-events"
[ -d "$D" ] || skip "$D is absent"
mapfile -t files < <(grep -rlE '"EventID": *"?(4698|4702)\b' "$D" | sort)
[ ${#files[@]} -gt 0 ] || fail "no 4698/4702 events under $D"

# task_fields FILE: one line per 4698/4702 event, its Task* fields sorted
task_fields() {
	"$SPOORD" --replay --dump-events "$1" 2> "$T/err" ||
		{ cat "$T/err"; fail "spoord --replay $1 failed"; }
}
TASKJQ='select(.event_id == 4698 or .event_id == 4702) | .fields | with_entries(select(.key | startswith("Task") and . != "TaskName" and . != "TaskContent" and . != "TaskContentNew")) | to_entries | sort_by(.key) | from_entries'

n=0
for f in "${files[@]}"; do
	task_fields "$f" | jq -c "$TASKJQ" > "$T/fields" || fail "jq on $f"
	bad=$(jq -c 'select(.TaskCommand == null and .TaskComHandler == null and .TaskParseError == null)' "$T/fields")
	[ -z "$bad" ] || fail "${f#"$D"/}: a task event without TaskCommand, TaskComHandler or TaskParseError: $bad"
	n=$((n + $(wc -l < "$T/fields")))
done
[ "$n" -gt 0 ] || fail "no 4698/4702 event decoded"
echo "$n task events in ${#files[@]} files"

# the hidden SYSTEM task running cmd.exe /C tasklist
task_fields "$D/evtx-attack-samples/Execution__temp_scheduled_task_4698_4699.jsonl" |
	jq -c 'select(.event_id == 4698 and .fields.TaskName == "\\CYAlyNSS") | .fields' > "$T/cy"
[ "$(wc -l < "$T/cy")" -ge 1 ] || fail "no 4698 for \\CYAlyNSS"
jq -e -s 'all(.[]; .TaskHidden == "true" and .TaskPrincipalUserId == "S-1-5-18"
	and .TaskCommand == "cmd.exe"
	and .TaskCommandLine == "cmd.exe /C tasklist > %windir%\\Temp\\CYAlyNSS.tmp 2>&1"
	and .TaskRunLevel == "HighestAvailable" and .TaskTriggers == "CalendarTrigger"
	and .TaskActions == "1" and (.TaskFingerprint | test("^[0-9a-f]{16}$"))
	and .TaskParseError == null)' "$T/cy" > /dev/null ||
	{ cat "$T/cy"; fail "\\CYAlyNSS: wrong derived fields"; }

# escaped variants derive the same fields as their originals
V="$D/variants/nxlog-entities-escaped"
m=0
for v in "$V"/*.jsonl; do
	[ -e "$v" ] || continue
	name=$(basename "$v")
	orig=$(ls "$D/evtx-attack-samples/$name" "$D/evtx-to-mitre-attack/$name" 2>/dev/null | head -n 1)
	[ -n "$orig" ] || fail "no original for variant $name"
	task_fields "$orig" | jq -c "$TASKJQ" > "$T/a"
	task_fields "$v" | jq -c "$TASKJQ" > "$T/b"
	cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b" | head -n 10; fail "$name: escaped variant differs"; }
	grep -q TaskParseError "$T/b" && fail "$name: escaped variant did not parse"
	m=$((m + 1))
done
[ "$m" -gt 0 ] || skip "no files under $V"
echo "$m escaped variants match their originals"
echo "PASS"
