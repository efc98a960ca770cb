#!/usr/bin/env bash
# Every event of the real attack telemetry in ../shared decodes with zero
# rejections (skips when ../shared is absent, as in a user's checkout).
source "$(dirname "$0")/lib.sh"
D="${SPOOR_SHARED:-}/data/windows-events"
[ -d "$D" ] || skip "$D is absent"
mapfile -t files < <(find "$D" "${SPOOR_SHARED}/sigma/regression" -name '*.jsonl' | sort)
[ ${#files[@]} -gt 0 ] || fail "no .jsonl files under $D"
lines=$(cat "${files[@]}" | grep -c .)
"$SPOORD" --replay "${files[@]}" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "spoord --replay failed"; }
summary=$(grep 'replay:' "$T/err")
echo "$summary (${#files[@]} files, $lines lines)"
[[ "$summary" == *" $lines received, $lines accepted, 0 rejected"* ]] ||
	{ head -n 20 "$T/err"; fail "not every event decoded"; }
# and the dump view prints one event per line
"$SPOORD" --replay --dump-events "${files[0]}" > "$T/dump" 2>/dev/null || fail "--dump-events failed"
[ "$(wc -l < "$T/dump")" -eq "$(grep -c . "${files[0]}")" ] || fail "--dump-events line count"
echo "PASS"
