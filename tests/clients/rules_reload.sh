#!/usr/bin/env bash
# Live: spoord with a rule directory writes exactly the expected leads for
# events sent over TCP; a broken rule file + SIGHUP keeps the old rules
# firing and reports the failure; a fixed directory + SIGHUP loads the new
# rules, with the connection kept open throughout.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need jq
S="$SPOOR_SOURCE_ROOT/tests/scenarios/process-creation"
mkdir -p "$T/rules"
cp "$S/rules/"*.yml "$T/rules/"
start_spoord "rules: [$T/rules]"
grep -q 'rules: 1 loaded, 0 unsupported' "$T/spoord.log" || fail "rules not loaded"
mkfifo "$T/in"
socat -u "OPEN:$T/in" "TCP:127.0.0.1:$PORT" & EXTRA_PIDS=$!
exec 3> "$T/in"
send() { sed -n "${1}p" "$S/events.jsonl" | sed "s/\"RecordNumber\":[0-9]*/\"RecordNumber\":$2/" >&3; }
leads() { [ -f "$T/spool/leads.jsonl" ] && jq -r '[.rule.id, (.events[0].record_id|tostring)] | join(" ")' "$T/spool/leads.jsonl" || true; }
R1=5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0001

send 1 1001; send 3 1002; send 4 1003
wait_metric spoor_events_accepted_total "" 3
wait_metric spoor_leads_total 'level="low",kind="match"' 1
[ "$(leads)" = "$R1 1001" ] || fail "expected exactly one lead for record 1001, got: $(leads)"

# break the rule file: the reload fails, the old rules keep firing
printf 'title: broken\ndetection:\n  selection: [\n' > "$T/rules/broken.yml"
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="failed"' 1
grep -q "reload failed, keeping the running rules: $T/rules/broken.yml:[0-9]*:[0-9]*:" "$T/spoord.log" ||
	fail "the failure does not name file:line:column"
send 2 1004
wait_metric spoor_leads_total 'level="low",kind="match"' 2
leads | grep -q "^$R1 1004$" || fail "old rules stopped firing after a failed reload"

# fix it (a second, valid rule): the reload succeeds and the new rule fires
cat > "$T/rules/broken.yml" <<'YAML'
title: Logon over the network
id: 5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0002
level: informational
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4624, LogonType: 3}
  condition: selection
YAML
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 1
send 5 1005
wait_metric spoor_leads_total 'level="informational",kind="match"' 1
leads | grep -q "^5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0002 1005$" || fail "the new rule did not fire"
[ "$(metric spoor_connections_active)" = 1 ] || fail "the connection was dropped by a reload"
[ "$(metric spoor_events_accepted_total)" = 5 ] || fail "events lost"

# programme metrics: the rule promoted to stable by a reload is counted once
[ "$(metric spoor_rules_stable)" = 0 ] || fail "no rule is stable yet: $(metric spoor_rules_stable)"
f=$(grep -l "$R1" "$T/rules/"*.yml)
sed -i 's/^status: .*/status: stable/' "$f"
grep -q '^status: stable' "$f" || printf 'status: stable\n' >> "$f"
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 2
[ "$(metric spoor_rules_stable)" = 1 ] || fail "spoor_rules_stable after the promotion: $(metric spoor_rules_stable)"
[ "$(metric spoor_rules_promoted_total)" = 1 ] || fail "spoor_rules_promoted_total: $(metric spoor_rules_promoted_total)"
kill -HUP "$SPOORD_PID"
wait_metric spoor_reloads_total 'result="ok"' 3
[ "$(metric spoor_rules_promoted_total)" = 1 ] || fail "a rule already stable was promoted again"
exec 3>&-
stop_spoord || fail "spoord did not exit 0"
[ "$(leads | wc -l)" = 3 ] || fail "expected 3 leads in all: $(leads)"
echo "PASS"
