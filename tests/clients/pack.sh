#!/usr/bin/env bash
# The shipped configuration loads the whole hunt pack (conf/leads.d, a path
# relative to the config file) with zero unsupported rules, from any folder.
source "$(dirname "$0")/lib.sh"
cd "$T" || fail "cd"
"$SPOORD" --check -c "$SPOOR_SOURCE_ROOT/conf/spoord.yml" > "$T/check" 2>&1 || { cat "$T/check"; fail "--check failed"; }
summary=$(grep '^rules:' "$T/check")
echo "$summary"
[[ $summary =~ rules:\ ([0-9]+)\ loaded,\ 0\ unsupported ]] || fail "the pack must load with zero unsupported rules"
[ "${BASH_REMATCH[1]}" -ge 20 ] || fail "the pack looks empty"
grep -q "unsupported:" "$T/check" && { grep "unsupported:" "$T/check"; fail "problems reported"; }
echo "PASS"
