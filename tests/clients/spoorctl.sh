#!/usr/bin/env bash
# spoorctl test: per event, which rules matched and every selection's result.
source "$(dirname "$0")/lib.sh"
: "${SPOORCTL:?SPOORCTL must point at spoorctl}"
S="$SPOOR_SOURCE_ROOT/tests/scenarios/process-creation"
"$SPOORCTL" --help | grep -q 'spoorctl test' || fail "--help"
"$SPOORCTL" test "$S/rules" "$S/events.jsonl" > "$T/out" || fail "spoorctl test failed"
cat "$T/out"
grep -q '^rules: 1 loaded, 0 unsupported' "$T/out" || fail "rule summary"
grep -A1 'events.jsonl:1: .* record 101' "$T/out" | grep -q 'MATCH .*\[sysmon\].*selection_img=yes selection_cli=yes' ||
	fail "event 1 should match through Sysmon 1"
grep -A1 'events.jsonl:2: .* Security 4688 record 202' "$T/out" | grep -q 'MATCH .*\[security\]' ||
	fail "event 2 should match through Security 4688 (Image mapped to NewProcessName)"
grep -A1 'events.jsonl:3: ' "$T/out" | grep -q 'no .*selection_img=yes selection_cli=no' ||
	fail "event 3 should show which selection failed"
grep -q '^5 events, 2 matches$' "$T/out" || fail "summary"
# a broken rule file is an error naming file:line:column
printf 'title: x\ndetection: [\n' > "$T/bad.yml"
"$SPOORCTL" test "$T/bad.yml" "$S/events.jsonl" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "a broken rule must exit 2 (got $rc)"
grep -q "bad.yml:[0-9]*:[0-9]*:" "$T/err" || { cat "$T/err"; fail "error without file:line:column"; }
echo "PASS"
