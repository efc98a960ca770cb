#!/usr/bin/env bash
# Coverage gaps on real telemetry (skips without ../shared): replaying the
# shared samples, every host that sent a Security 4688 with an empty or
# absent CommandLine gets a field_missing gap (Security, [4688],
# CommandLine) with the command-line policy as remedy, and no other host
# does.  The expected hosts come from the files themselves (jq).
source "$(dirname "$0")/lib.sh"
need jq
D="${SPOOR_SHARED:-}/data/windows-events"
[ -d "$D/evtx-attack-samples" ] || skip "$D is absent"
files=("$D"/evtx-attack-samples/*.jsonl "$D"/evtx-to-mitre-attack/*.jsonl)
cat "${files[@]}" > "$T/all.jsonl"
jq -r 'select(.EventID == 4688 and .Channel == "Security" and ((.CommandLine // "") == ""))
	| .Hostname | ascii_downcase' "$T/all.jsonl" | sort -u > "$T/expect"
[ -s "$T/expect" ] || fail "no 4688 without a command line in the samples"
printf 'rules: [%s]\nspool: {dir: %s}\n' "$SPOOR_SOURCE_ROOT/conf/leads.d" "$T/spool" > "$T/spoord.yml"
"$SPOORD" --replay -c "$T/spoord.yml" "$T/all.jsonl" > /dev/null 2> "$T/replay.err" || { cat "$T/replay.err"; fail "--replay"; }
[ -f "$T/spool/gaps.jsonl" ] || fail "no gaps.jsonl"
G="$T/spool/gaps.jsonl"
jq -r 'select(.kind == "field_missing" and .channel == "Security" and .field == "CommandLine" and .state == "open") | .host' "$G" | sort -u > "$T/got"
diff -u "$T/expect" "$T/got" || fail "field_missing hosts differ from the hosts with empty 4688 command lines"
bad=$(jq -r 'select(.kind == "field_missing" and .channel == "Security" and .field == "CommandLine") | select(.event_ids != [4688]
	or (.remedy | test("ProcessCreationIncludeCmdLine_Enabled") | not)) | .id' "$G")
[ -z "$bad" ] || fail "field_missing gaps with the wrong shape or remedy: $bad"
# Any other field the pack requires: only fs03.offsec.lan, whose 4688 are version 1 (no ParentProcessName).
other=$(jq -r 'select(.kind == "field_missing" and (.channel != "Security" or .field != "CommandLine")) | "\(.host) \(.channel) \(.event_ids) \(.field) \(.state)"' "$G")
[ "$other" = "fs03.offsec.lan Security [4688] ParentProcessName open" ] || fail "other field_missing gaps: $other"
echo "field_missing on $(wc -l < "$T/got") hosts: $(tr '\n' ' ' < "$T/got")"
echo "PASS"
