#!/usr/bin/env bash
# docs/windows.md is what `spoord --windows-setup` prints for the shipped
# configuration (so the README's Windows set-up cannot drift from the pack
# or from the remedy table the gap reporter uses), and it names what the
# pack needs: the Other Object Access subcategory for the 4698 hunts, the
# TaskScheduler channel's wevtutil line, the command-line policy.
source "$(dirname "$0")/lib.sh"
"$SPOORD" --windows-setup -c "$SPOOR_SOURCE_ROOT/conf/spoord.yml" > "$T/got" || fail "--windows-setup failed"
diff -u "$SPOOR_SOURCE_ROOT/docs/windows.md" "$T/got" ||
	fail "docs/windows.md is stale: regenerate it with spoord --windows-setup -c conf/spoord.yml > docs/windows.md"
grep -q 'auditpol /set /subcategory:{0CCE9227-69AE-11D9-BED3-505054503030} /success:enable' "$T/got" ||
	fail "no Other Object Access line"
grep -q 'Microsoft-Windows-TaskScheduler/Operational` | [0-9]* | off by default' "$T/got" || fail "TaskScheduler not marked off by default"
grep -q 'ProcessCreationIncludeCmdLine_Enabled' "$T/got" || fail "no command-line policy"
# a rule set without Security rules: no audit policy section
mkdir -p "$T/rules"
cp "$SPOOR_SOURCE_ROOT/tests/scenarios/gap-channel-missing/rules/"*.yml "$T/rules/" 2>/dev/null || true
printf 'rules: [%s]\n' "$T/rules" > "$T/c.yml"
"$SPOORD" --windows-setup -c "$T/c.yml" > "$T/small" || fail "--windows-setup on a small set failed"
grep -q '^## Channels to forward' "$T/small" || fail "no channel section"
echo "PASS"
