#!/usr/bin/env bash
# spoorctl tail.
# 1. -f --json against a live spoord: a lead written after tail started
#    appears; spoord's own rotation (spool.rotate_bytes) and an external
#    one (mv + SIGUSR1) are followed: every lead written appears exactly
#    once, in the order written.
# 2. On a replayed spool (the escalation scenario: leads of every level,
#    escalations, events_lost gaps): --kind, --level, --host, --rule,
#    --since and -n select what jq selects from the files; plain text when
#    piped (no escape sequences), colour on a terminal unless NO_COLOR;
#    exit 2 on a bad option or value, 1 on a missing spool.
# 3. spoorctl coverage on the gap-channel-missing replay: the matrix, the
#    open gap with its remedy (joined from gaps.jsonl), the blinded rule.
source "$(dirname "$0")/lib.sh"
: "${SPOORCTL:?SPOORCTL must point at spoorctl}"
need jq; need socat
S="$SPOOR_SOURCE_ROOT/tests/scenarios"

# ids NAME FILE...: the lead ids in FILEs, sorted, into $T/NAME
ids() { local n=$1; shift; cat "$@" | jq -r .id | sort > "$T/$n"; }
# wait_lines FILE N: until FILE has N lines (10 s)
wait_lines() {
	local i
	for i in $(seq 1 200); do
		[ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "$1 has $(wc -l < "$1") lines, expected $2"
}
# send N HOST FIRST_RECORD: N schtasks /create events (one lead each)
send() {
	gen_events "$1" "$2" | awk -v off="$3" '{ sub(/"RecordNumber":[0-9]+/, "\"RecordNumber\":" off + NR) } 1' |
		socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not send"
}
nlines() { wc -l < "$1" | tr -d ' '; }

# ---- 1. following a live spool across rotation ---------------------------
start_spoord_config "listen:
  - address: 127.0.0.1:0
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
  rotate_bytes: 1MiB
state_dir: $T/state
rules: [$S/process-creation/rules]"
SP="$T/spool"
send 1 a.example 0
wait_lines "$SP/leads.jsonl" 1
: > "$T/tail.out"
"$SPOORCTL" tail -f --json -n all --spool "$SP" > "$T/tail.out" 2> "$T/tail.err" &
TAIL_PID=$!; EXTRA_PIDS=$TAIL_PID
wait_lines "$T/tail.out" 1      # tail has read what was there
send 1 b.example 100
wait_lines "$T/tail.out" 2
jq -e -s '.[1].host == "b.example"' "$T/tail.out" > /dev/null || fail "the lead written after tail started is not shown"
echo "follow: a lead written after tail started appears"

# spoord's rotation: 1 MiB of leads is about 1,100 of them
send 1300 c.example 1000
wait_metric spoor_spool_rotations_total "" 1
send 1 d.example 5000
wait_lines "$T/tail.out" 1303
ls "$SP"/leads-*.jsonl > /dev/null 2>&1 || fail "spoord did not rotate leads.jsonl"
ids written "$SP"/leads-*.jsonl "$SP/leads.jsonl"
ids shown "$T/tail.out"
[ "$(uniq -d "$T/shown" | wc -l)" = 0 ] || fail "a lead shown twice after the rotation"
cmp -s "$T/written" "$T/shown" || fail "tail lost leads across the rotation: $(comm -23 "$T/written" "$T/shown" | head -3)"
jq -r 'select(.host == "c.example") | .events[0].record_id' "$T/tail.out" > "$T/order"
sort -n "$T/order" | cmp -s - "$T/order" || fail "leads not shown in the order written"
echo "follow: $(nlines "$T/tail.out") leads across $(ls "$SP"/leads-*.jsonl | wc -l) rotation(s), none lost or twice"

# an external rotation: renamed, written to, reopened on SIGUSR1
mv "$SP/leads.jsonl" "$SP/leads.jsonl.1"
send 2 e.example 7000
for i in $(seq 1 200); do [ "$(grep -c '"host":"e.example"' "$SP/leads.jsonl.1")" = 2 ] && break; sleep 0.05; done
[ "$(grep -c '"host":"e.example"' "$SP/leads.jsonl.1")" = 2 ] || fail "spoord did not write to the renamed file"
kill -USR1 "$SPOORD_PID"
for i in $(seq 1 100); do [ -f "$SP/leads.jsonl" ] && break; sleep 0.05; done
send 2 f.example 8000
wait_lines "$T/tail.out" 1307
ids written "$SP"/leads-*.jsonl "$SP/leads.jsonl.1" "$SP/leads.jsonl"
ids shown "$T/tail.out"
cmp -s "$T/written" "$T/shown" || fail "tail lost or repeated leads across mv + SIGUSR1"
kill -0 "$TAIL_PID" 2>/dev/null || fail "tail -f exited: $(cat "$T/tail.err")"
[ -s "$T/tail.err" ] && fail "tail -f complained: $(cat "$T/tail.err")"
kill "$TAIL_PID"; wait "$TAIL_PID" 2>/dev/null; EXTRA_PIDS=
echo "follow: mv + SIGUSR1 followed too"
alive
stop_spoord || fail "spoord did not stop cleanly"

# ---- 2. filters and formats on a replayed spool ----------------------------
E="$S/escalation"
{ cat "$E/config.yml"; printf 'rules: [%s]\nspool: {dir: %s}\nstate_dir: %s\n' "$E/rules" "$T/rspool" "$T/rstate"; } > "$T/replay.yml"
"$SPOORD" --replay -c "$T/replay.yml" "$E/events.jsonl" > /dev/null 2> "$T/replay.err" || { cat "$T/replay.err"; fail "--replay"; }
R="$T/rspool"
tail_ok() { "$SPOORCTL" tail --spool "$R" "$@" || fail "spoorctl tail $* exited $?"; }
# same WHAT JQ ARGS...: tail --json ARGS shows the records JQ selects
same() {
	local what=$1 sel=$2; shift 2
	tail_ok --json -n all "$@" > "$T/got.json"
	# in the order spoord wrote them (records written in the same
	# millisecond may come in either order: compare the sets, check the order)
	jq -s -e '[.[].emitted] as $e | $e == ($e | sort)' "$T/got.json" > /dev/null ||
		fail "$what: tail's records are not in the order spoord wrote them"
	jq -r .id "$T/got.json" | sort > "$T/got"
	cat "$R/leads.jsonl" "$R/gaps.jsonl" | jq -r "select($sel) | .id" | sort > "$T/want"
	[ -s "$T/want" ] || fail "test bug: no record is $what"
	cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "$what: tail shows other records"; }
	echo "filter $what: $(nlines "$T/got") records"
}
same "everything" 'true'
same "--kind gap" '.type == "gap"' --kind gap
same "--kind escalation,events_lost" '.kind == "escalation" or .kind == "events_lost"' --kind escalation,events_lost
same "--kind lead" '.type == "lead"' --kind lead
same "--level high" '.rule.level == "high"' --level high
same "--level medium+" '.rule.level == "medium" or .rule.level == "high" or .rule.level == "critical"' --level medium+
same "--host 'WS4*'" '.host == "ws4.corp.example"' --host 'WS4*'
same "--rule mimikatz" '.type == "lead" and .rule.title == "mimikatz"' --rule mimikatz
same "--kind lead --host ws1* --level low" '.type == "lead" and .host == "ws1.corp.example" and .rule.level == "low"' \
	--kind lead --host 'ws1*' --level low
same "--since 1h" 'true' --since 1h
tail_ok --json --since 2099-01-01T00:00:00Z > "$T/got"
[ -s "$T/got" ] && fail "--since in the future shows records"
tail_ok --json -n 3 > "$T/got"
[ "$(nlines "$T/got")" = 3 ] || fail "-n 3 shows $(nlines "$T/got") records"
tail_ok > "$T/got"
[ "$(nlines "$T/got")" = 10 ] || fail "the default shows $(nlines "$T/got") records, not the last 10"
cat "$R/leads.jsonl" "$R/gaps.jsonl" | jq -s -r 'sort_by(.emitted) | .[-10:] | .[] | .id[0:8]' > "$T/want"
sed 's/.*\[\([0-9a-f]*\)\]$/\1/' "$T/got" | cmp -s "$T/want" - || fail "the default is not the last 10 in the order written"

# plain text when piped: one line per record, no escape sequences
tail_ok -n all > "$T/text"
[ "$(nlines "$T/text")" = "$(cat "$R/leads.jsonl" "$R/gaps.jsonl" | wc -l | tr -d ' ')" ] || fail "not one line per record"
grep -q $'\033' "$T/text" && fail "escape sequences in piped output"
grep -Eq '^2026-11-22T10:02:00Z high +ws4\.corp\.example +Host escalated: lead score 30 \(escalation, 3 leads\) +\[e2f26a67\]$' "$T/text" ||
	fail "escalation line: $(grep escalated "$T/text" | head -1)"
grep -Eq '^2026-11-22T11:15:00Z gap-open +ws1\.corp\.example +events_lost: records 5\.\.9 \(5\) missing +\[[0-9a-f]{8}\]$' "$T/text" ||
	fail "gap line: $(grep gap-open "$T/text" | head -1)"
grep -Eq '^2026-11-22T10:20:00Z info +ws1\.corp\.example +net user +\[[0-9a-f]{8}\]$' "$T/text" || fail "informational line"
echo "plain text: $(nlines "$T/text") lines, e.g."; head -n 2 "$T/text"

# colour on a terminal (script(1) gives tail a pty), none with NO_COLOR
if command -v script > /dev/null; then
	script -qec "env -u NO_COLOR TERM=xterm $SPOORCTL tail --spool $R --level high -n 1" /dev/null > "$T/tty" < /dev/null
	grep -q $'\033\\[31mhigh' "$T/tty" || fail "no colour on a terminal: $(cat -v "$T/tty")"
	script -qec "env NO_COLOR=1 TERM=xterm $SPOORCTL tail --spool $R --level high -n 1" /dev/null > "$T/tty" < /dev/null
	grep -q $'\033' "$T/tty" && fail "colour despite NO_COLOR"
	echo "colour: on a terminal, not with NO_COLOR"
else
	echo "colour: not checked (no script(1))"
fi

# exit codes and --help
for bad in "--bogus" "--kind nope" "--level severe" "--since yesterday" "-n many" "extra" "--spool $R -c $T/replay.yml"; do
	# shellcheck disable=SC2086
	"$SPOORCTL" tail $bad > /dev/null 2> "$T/err"; rc=$?
	[ $rc -eq 2 ] || fail "tail $bad exited $rc, not 2"
	grep -q '^spoorctl: ' "$T/err" || fail "tail $bad: no message"
done
"$SPOORCTL" tail --spool "$T/nonexistent" > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "a missing spool exited $rc, not 1"
grep -q nonexistent "$T/err" || fail "a missing spool is not named: $(cat "$T/err")"
"$SPOORCTL" tail --help | grep -q 'Exit status: 0 success, 1 error' || fail "tail --help documents no exit codes"
"$SPOORCTL" --help | grep -q 'spoorctl tail' || fail "spoorctl --help does not list tail"
"$SPOORCTL" tail -c "$T/replay.yml" --json -n all | cmp -s - <(tail_ok --json -n all) || fail "-c does not take spool.dir"
echo "exit codes: 2 usage, 1 missing spool; -c reads spool.dir"

# ---- 3. spoorctl coverage ---------------------------------------------------
G="$S/gap-channel-missing"
printf 'rules: [%s]\nspool: {dir: %s}\nstate_dir: %s\n' "$G/rules" "$T/cspool" "$T/cstate" > "$T/cov.yml"
"$SPOORD" --replay -c "$T/cov.yml" "$G/events.jsonl" > /dev/null 2>&1 || fail "--replay gap-channel-missing"
"$SPOORCTL" coverage --spool "$T/cspool" > "$T/cov" || fail "coverage exited $?"
cat "$T/cov"
grep -Eq '^  HOST +Security +Sysmon$' "$T/cov" || fail "coverage: matrix header"
grep -Eq '^  wsc\.corp\.example +10 +-!$' "$T/cov" || fail "coverage: wsc row (10 Security, no Sysmon, a gap)"
grep -Eq '^  wsd\.corp\.example +7 +7$' "$T/cov" || fail "coverage: wsd row"
grep -Eq '^  wsc\.corp\.example  channel_missing  Microsoft-Windows-Sysmon/Operational \[1\]  open ' "$T/cov" ||
	fail "coverage: the open gap"
grep -q '^      remedy:   install Sysmon' "$T/cov" || fail "coverage: the remedy from gaps.jsonl"
grep -Eq '^  schtasks\.exe started \(Sysmon\)  can fire on 2 of 3 live hosts \(67%\)$' "$T/cov" || fail "coverage: blinded rule"
grep -q 'blinded by: wsc.corp.example channel_missing' "$T/cov" || fail "coverage: what blinds the rule"
"$SPOORCTL" coverage --spool "$T/cspool" --host 'wsd*' > "$T/cov"
grep -q wsc "$T/cov" && fail "coverage --host shows other hosts"
got=$("$SPOORCTL" coverage -c "$T/cov.yml" --json --host wsc.corp.example |
	jq -c '[(.hosts | keys), .hosts["wsc.corp.example"].open_gaps[0].remedy[0:14]]')
[ "$got" = '[["wsc.corp.example"],"install Sysmon"]' ] || fail "coverage --json: $got"
"$SPOORCTL" coverage --spool "$T/rspool/nonexistent" > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "coverage of a missing spool exited $rc"
"$SPOORCTL" coverage --bogus > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "coverage --bogus exited $rc"
echo "PASS"
