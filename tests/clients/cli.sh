#!/usr/bin/env bash
# The command line: --help, --version, --check, config errors that name
# file:line:column, --config-reference round trip, --replay --dump-events.
source "$(dirname "$0")/lib.sh"
DATA="$SPOOR_SOURCE_ROOT/tests/data"

"$SPOORD" --help > "$T/help" || fail "--help did not exit 0"
for w in --check --replay --dump-events --config; do
	grep -q -- "$w" "$T/help" || fail "--help does not mention $w"
done
"$SPOORD" --version | grep -q '^spoord [0-9]' || fail "--version"
"$SPOORD" --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "an unknown option must exit 2"

# the built-in default and the shipped config both check
"$SPOORD" --check > "$T/check" || fail "--check on the built-in default failed"
grep -q "127.0.0.1:1514" "$T/check" || fail "--check summary does not show the default listener"
"$SPOORD" --check -c "$SPOOR_SOURCE_ROOT/conf/spoord.yml" > /dev/null || fail "conf/spoord.yml does not check"

# a bad value names file:line:column and the key
printf 'listen:\n  - address: 127.0.0.1:1514\n    framing: bogus\n' > "$T/bad.yml"
"$SPOORD" --check -c "$T/bad.yml" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "a bad config must exit 2 (got $rc)"
grep -q "$T/bad.yml:3:[0-9]*:.*framing" "$T/err" || { cat "$T/err"; fail "error does not name file:line:column and key"; }
# an unknown key too
printf 'lisen:\n  - address: 127.0.0.1:1514\n' > "$T/typo.yml"
"$SPOORD" --check -c "$T/typo.yml" > /dev/null 2> "$T/err" && fail "an unknown key must be an error"
grep -q "$T/typo.yml:1:[0-9]*:.*lisen" "$T/err" || { cat "$T/err"; fail "unknown key error"; }
# the serving daemon refuses a bad config before binding anything
"$SPOORD" -c "$T/bad.yml" > /dev/null 2>&1; [ $? -eq 2 ] || fail "spoord with a bad config must exit 2"

# the reference is itself a valid config
"$SPOORD" --config-reference > "$T/ref.yml" || fail "--config-reference"
"$SPOORD" --check -c "$T/ref.yml" > /dev/null || fail "--config-reference output does not load"

# replay: JSON and syslog lines, one rejection named with its line
"$SPOORD" --replay --dump-events "$DATA/replay/mixed.log" > "$T/out" 2> "$T/err" || fail "--replay failed"
[ "$(wc -l < "$T/out")" -eq 3 ] || { cat "$T/out" "$T/err"; fail "expected 3 decoded events"; }
grep -q "mixed.log:3: rejected (bad_event_id)" "$T/err" || { cat "$T/err"; fail "rejection not reported with its line"; }
grep -q 'replay: 4 received, 3 accepted, 1 rejected' "$T/err" || { cat "$T/err"; fail "replay summary"; }
sed -n 1p "$T/out" | grep -q '"time":"2026-11-22T10:11:12.000Z".*"host":"ws-0042.corp.example".*"event_id":4698.*"record_id":5043782' ||
	{ sed -n 1p "$T/out"; fail "NXLog CE event dump"; }
sed -n 2p "$T/out" | grep -q '"time":"2026-11-22T09:11:13.250Z".*"host":"ws-0043.corp.example".*"dialect":"nxlog-ee"' ||
	{ sed -n 2p "$T/out"; fail "syslog-wrapped NXLog EE event dump"; }
sed -n 3p "$T/out" | grep -q '"host":"ws-0045".*"event_id":1,' ||
	{ sed -n 3p "$T/out"; fail "RFC 3164 event dump"; }
# zone-less times in another zone
"$SPOORD" --replay --dump-events --timezone +02:00 "$DATA/replay/mixed.log" 2>/dev/null | sed -n 1p |
	grep -q '"time":"2026-11-22T08:11:12.000Z"' || fail "--timezone +02:00"
# stdin
head -n 1 "$DATA/replay/mixed.log" | "$SPOORD" --replay --dump-events - 2>/dev/null | grep -q '"event_id":4698' ||
	fail "--replay - (stdin)"
echo "PASS"
