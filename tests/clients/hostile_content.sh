#!/usr/bin/env bash
# Hostile event content against a live spoord, with two small rules that
# match on CommandLine|contains and TaskName|contains:
#   1. Control characters, escape sequences, U+2028/U+2029, NUL, C1
#      controls, quotes and backslashes and a long value in CommandLine
#      (4688) and TaskName (4698): each event makes one lead whose
#      CommandLine / TaskName round-trips exactly (jq reads the same string
#      from the event sent and from the lead), and no raw control byte
#      reaches leads.jsonl; a lone surrogate (\ud800) becomes U+FFFD.
#   2. Numbers and keys: EventID and RecordNumber that are NaN, out of range
#      or not integers (bad_event_id, bad_record_id), a NUL inside Channel /
#      SourceName / EventID (bad_channel, bad_provider, bad_event_id), a
#      duplicate identifying key, escaped or not (duplicate_key), and one
#      hidden behind a NUL ("EventID\u0000": refused); NaN / Infinity in a
#      field never reach a lead as bare tokens; a duplicate non-identifying
#      key, huge and tiny numbers are accepted and shown as written (an
#      integer beyond 64 bits is never clamped).
#   3. XML bombs in TaskContent (billion laughs, an external and a
#      parameter entity, 100-deep nesting, 70 KB, an undefined entity, a
#      root that is not Task): the event is kept, its lead carries
#      TaskParseError, spoor_task_xml_rejected_total{reason} counts each.
#   4. Invalid and overlong UTF-8 in values, C1 controls and a raw 0x9b in
#      channel names: the spool stays one JSON object per line and valid
#      UTF-8 (coverage.json too); spoorctl coverage shows the channels
#      without raw control bytes.
#   5. spoorctl tail, piped and on a terminal (script -qc): control
#      characters from events and rules are shown as \xNN; no raw ESC, BEL
#      or C1 control of theirs reaches the terminal.
# Every spool line is one JSON object, the files end with a newline, and
# received = accepted + rejected.
source "$(dirname "$0")/lib.sh"
: "${SPOORCTL:?SPOORCTL must point at spoorctl}"
need socat; need curl; need jq; need iconv
W="$T/work"
mkdir -p "$W" "$T/rules"
cat > "$T/rules/hostile_cmd.yml" <<'YAML'
title: "Hostile marker in a command line \e[5;41m \x9b1m \e]0;rule-title\a"
id: 2f7d0c3a-5b1e-4d6f-9a8b-0000000000c1
status: test
level: high
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4688
    CommandLine|contains: 'hostile-marker'
  condition: selection
fields: [Big, Huge, Tiny, Neg, X]
YAML
cat > "$T/rules/hostile_task.yml" <<'YAML'
title: Hostile marker in a task name
id: 2f7d0c3a-5b1e-4d6f-9a8b-0000000000c2
status: test
level: medium
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4698
    TaskName|contains: 'hostile-marker'
  condition: selection
YAML
start_spoord "rules: [$T/rules]
limits:
  max_frame_bytes: 1MiB"
L="$T/spool/leads.jsonl"
# bad MESSAGE: a check failed; the test goes on and fails at the end with
# every such message (so one finding does not hide the others)
bad() { echo "FAIL (continuing): $*"; printf '%s\n' "$*" >> "$W/failures"; }
# reach NAME LABELS VALUE: wait_metric that reports instead of stopping
reach() { WAIT_FAIL=bad wait_metric "$@"; }
send() { socat -u - "TCP:127.0.0.1:$PORT" || fail "socat could not connect"; }
nleads() { [ -f "$L" ] && wc -l < "$L" | tr -d ' ' || echo 0; }
wait_leads() {
	local i
	for i in $(seq 1 100); do [ "$(nleads)" -ge "$1" ] && return 0; sleep 0.05; done
	fail "$(nleads) leads, expected $1"
}

rec=0
# cmd VALUE_JSON [EXTRA]: a 4688 whose CommandLine is VALUE_JSON (raw JSON text)
cmd() {
	rec=$((rec + 1))
	printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1.corp.example","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"CommandLine":%s%s}\n' \
		"$rec" "$1" "${2:-}"
}
TASK_XML='&lt;?xml version=\"1.0\" encoding=\"UTF-16\"?&gt;&lt;Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"&gt;&lt;Actions Context=\"Author\"&gt;&lt;Exec&gt;&lt;Command&gt;C:\\Windows\\System32\\calc.exe&lt;/Command&gt;&lt;/Exec&gt;&lt;/Actions&gt;&lt;/Task&gt;'
# task NAME_JSON [CONTENT_JSON]: a 4698 whose TaskName is NAME_JSON
task() {
	rec=$((rec + 1))
	printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1.corp.example","EventID":4698,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"SubjectUserName":"alice","TaskName":%s,"TaskContent":%s}\n' \
		"$rec" "$1" "${2:-\"$TASK_XML\"}"
}
# lead_of REC: the lead of the event with that record number
lead_of() { jq -c --argjson r "$1" 'select(.events[0].record_id == $r)' "$L"; }

# ---- 1. control characters round-trip -----------------------------------------------------
long=$(printf 'x%.0s' $(seq 1 20000))
values=(
	'"hostile-marker a\nb"'
	'"hostile-marker \r\n<13>1 2026-11-22T10:11:12Z forged - - - {}"'
	'"hostile-marker \u001b[5;41mblink\u001b[0m"'
	'"hostile-marker \u001b]0;pwned\u0007 title"'
	'"hostile-marker \u2028 line sep \u2029 para sep"'
	'"hostile-marker \u0000 after a NUL"'
	'"hostile-marker \t \b \f \u007f del \u0085 nel \u009b31m csi"'
	'"hostile-marker \"quoted\" \\\\server\\share\\ C:\\Windows\\"'
	'"hostile-marker </script><script>alert(1)</script>"'
	"\"hostile-marker $long\""
)
: > "$W/cmd.ndjson"
for v in "${values[@]}"; do cmd "$v" >> "$W/cmd.ndjson"; done
first_task=$((rec + 1))
tasks=(
	'"\\hostile-marker\nsecond line"'
	'"\\hostile-marker\u001b[5;41m\u001b]0;t\u0007"'
	'"\\hostile-marker\u2028\u0000\r"'
)
for v in "${tasks[@]}"; do task "$v" >> "$W/cmd.ndjson"; done
send < "$W/cmd.ndjson"
n1=$(wc -l < "$W/cmd.ndjson")
wait_leads "$n1"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	field=CommandLine; [ "$i" -ge "$first_task" ] && field=TaskName
	want=$(printf '%s\n' "$line" | jq -c ".$field")
	got=$(lead_of "$i" | jq -c ".events[0].fields.$field")
	[ -n "$got" ] || fail "event $i ($field $(printf '%.60s' "$want")): no lead"
	[ "$want" = "$got" ] || fail "event $i: $field does not round-trip: sent $(printf '%.80s' "$want"), lead $(printf '%.80s' "$got")"
done < "$W/cmd.ndjson"
echo "round-trip: $n1 CommandLine / TaskName values with control characters, exact in their leads"
# lone surrogates (jq refuses them): each becomes U+FFFD, never a CESU-8 byte sequence
cmd '"hostile-marker \ud800 lone high, \udc00 lone low, \ud83d\ude00 pair"' > "$W/surrogates.ndjson"
send < "$W/surrogates.ndjson"
wait_leads $((n1 + 1))
lead_of "$rec" | jq -e '.events[0].fields.CommandLine == "hostile-marker \ufffd lone high, \ufffd lone low, \ud83d\ude00 pair"' > /dev/null ||
	fail "lone surrogates: $(lead_of "$rec" | jq -c .events[0].fields.CommandLine)"
# the escapes are in the line as JSON escapes, never as raw bytes
grep -q 'hostile-marker a\\nb' "$L" || fail "LF not written as \\n"
grep -q '\\u001b\[5;41mblink' "$L" || fail "ESC not written as \\u001b"
grep -q 'after a NUL' "$L" && grep -q 'hostile-marker \\u0000 after' "$L" || fail "NUL not written as \\u0000"

# ---- 2. numbers, NUL in identifiers, duplicate keys ----------------------------------------
base='"EventTime":"2026-11-22 10:11:12","Hostname":"ws1.corp.example","SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security"'
{
	printf '{%s,"EventID":NaN,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":Infinity,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":1e400,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":4688.5,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":-4688,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":65536,"RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":"46\\u000088","RecordNumber":1}\n' "$base"
	printf '{%s,"EventID":184467440737095516160,"RecordNumber":1}\n' "$base"
} > "$W/bad_event_id.ndjson"
{
	printf '{%s,"EventID":4688,"RecordNumber":18446744073709551616}\n' "$base"
	printf '{%s,"EventID":4688,"RecordNumber":-1}\n' "$base"
	printf '{%s,"EventID":4688,"RecordNumber":1e30}\n' "$base"
	printf '{%s,"EventID":4688,"RecordNumber":"0x1FFFFFFFFFFFFFFFF"}\n' "$base"
} > "$W/bad_record_id.ndjson"
printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1","SourceName":"S","Channel":"Secu\\u0000rity","EventID":4688}\n' > "$W/bad_channel.ndjson"
printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1","SourceName":"Micro\\u0000soft","Channel":"Security","EventID":4688}\n' > "$W/bad_provider.ndjson"
{
	printf '{%s,"EventID":4688,"EventID":1,"RecordNumber":1}\n' "$base"
	printf '{%s,"Channel":"System","EventID":4688,"RecordNumber":1}\n' "$base"
	printf '{%s,"Hostname":"../../etc","EventID":4688,"RecordNumber":1}\n' "$base"
	printf '{%s,"Event\\u0049D":1,"EventID":4688,"RecordNumber":1}\n' "$base"
	printf '{"Event":{"System":{"Computer":"a","Computer":"b","EventID":1,"Channel":"Security"}}}\n'
} > "$W/duplicate_key.ndjson"
for r in bad_event_id bad_record_id bad_channel bad_provider duplicate_key; do
	send < "$W/$r.ndjson"
	reach spoor_events_rejected_total "reason=\"$r\"" "$(wc -l < "$W/$r.ndjson")"
done
# A second copy of an identifying key behind a NUL ("EventID\u0000"): json-c
# cuts a key at its NUL, so this is the same key twice and must be refused
# like any duplicate (whatever the reason), never taken with the second value.
{
	printf '{%s,"EventID":4688,"EventID\\u0000":1,"RecordNumber":901}\n' "$base"
	printf '{%s,"Hostname\\u0000x":"evil.example","EventID":4688,"RecordNumber":902}\n' "$base"
	printf '{%s,"Channel\\u0000":"System","EventID":4688,"RecordNumber":903}\n' "$base"
	printf '{"Event":{"System":{"Computer":"a","Computer\\u0000":"evil","EventID":1,"Channel":"Security","EventRecordID":904}}}\n'
	printf '{"winlog":{"computer_name":"ws1","computer_name\\u0000":"evil","event_id":4688,"channel":"Security","provider_name":"S","record_id":905},"@timestamp":"2026-11-22T10:11:12Z"}\n'
} > "$W/smuggle.ndjson"
acc0=$(metric spoor_events_accepted_total); rec0=$(metric spoor_events_received_total)
send < "$W/smuggle.ndjson"
wait_metric spoor_events_received_total "" $((rec0 + 5))
smuggled=$(( $(metric spoor_events_accepted_total) - acc0 ))
[ "$smuggled" = 0 ] || bad "$smuggled of 5 events with a duplicate identifying key behind a NUL (\"EventID\\u0000\") were accepted"
# NaN and Infinity are not JSON (json-c takes them): in a plain field either
# refused, or written as the string "NaN" — never as a bare token in a lead.
n0=$(nleads); acc0=$(metric spoor_events_accepted_total); rec0=$(metric spoor_events_received_total)
{
	cmd '"hostile-marker nan"' ',"X":NaN'; cmd '"hostile-marker inf"' ',"X":Infinity'; cmd '"hostile-marker -inf"' ',"X":-Infinity'
} > "$W/nan.ndjson"
send < "$W/nan.ndjson"
wait_metric spoor_events_received_total "" $((rec0 + 3))
nan_acc=$(( $(metric spoor_events_accepted_total) - acc0 ))
[ "$nan_acc" = 0 ] || wait_leads $((n0 + nan_acc))
jq -R -e 'fromjson' "$L" > /dev/null || fail "a NaN value broke a lead"
! grep -q ':NaN\|:Infinity\|:-Infinity' "$L" || fail "a bare NaN / Infinity token in leads.jsonl"
echo "NaN / Infinity in a field: $nan_acc of 3 accepted (as strings), $((3 - nan_acc)) refused"
# accepted: a duplicate non-identifying key (the lead shows the value the
# rule matched), huge and tiny numbers (the value as the event wrote it,
# never clamped), odd keys
n0=$(nleads); acc0=$(metric spoor_events_accepted_total)
{
	cmd '"hostile-marker first"' ',"CommandLine":"hostile-marker second"'
	dup_rec=$rec
	cmd '"hostile-marker numbers"' ',"Big":1e400,"Tiny":-1e-400'
	num_rec=$rec
	cmd '"hostile-marker keys"' ',"\u001b[31m":"esc key","":"empty key","a\"b":"quote key"'
	key_rec=$rec
} > "$W/accepted.ndjson"
send < "$W/accepted.ndjson"
wait_metric spoor_events_accepted_total "" $((acc0 + 3))
wait_leads $((n0 + 3))
lead_of "$dup_rec" | jq -e '.events[0].fields.CommandLine == "hostile-marker second"' > /dev/null ||
	fail "duplicate CommandLine: the lead does not show the value the rule matched: $(lead_of "$dup_rec" | jq -c .events[0].fields)"
lead_of "$num_rec" | jq -e '.events[0].fields | .Big == "1e400" and .Tiny == "-1e-400"' > /dev/null ||
	fail "huge numbers: $(lead_of "$num_rec" | jq -c .events[0].fields)"
lead_of "$key_rec" | jq -e . > /dev/null || fail "odd keys broke the lead"
# an integer beyond 64 bits: kept as written, or refused — never clamped
acc0=$(metric spoor_events_accepted_total); rec0=$(metric spoor_events_received_total); n0=$(nleads)
cmd '"hostile-marker huge"' ',"Huge":123456789012345678901234567890,"Neg":-99999999999999999999' > "$W/huge.ndjson"
huge_rec=$rec
send < "$W/huge.ndjson"
wait_metric spoor_events_received_total "" $((rec0 + 1))
big0=$(metric spoor_events_repaired_total 'what="big_integer"')
[ "$(metric spoor_events_accepted_total)" != "$acc0" ] || fail "an event with an integer beyond 64 bits was refused"
wait_leads $((n0 + 1))
lead_of "$huge_rec" | jq -e '.events[0].fields | .Huge == "123456789012345678901234567890" and .Neg == "-99999999999999999999"' > /dev/null ||
	fail "an integer beyond 64 bits was changed: sent 123456789012345678901234567890 / -99999999999999999999, the lead shows $(lead_of "$huge_rec" | jq -c '.events[0].fields | {Huge, Neg}')"
[ "$(metric spoor_events_repaired_total 'what="big_integer"')" = 1 ] ||
	fail "spoor_events_repaired_total{what=\"big_integer\"} is $(metric spoor_events_repaired_total 'what="big_integer"'), not 1 (was $big0)"
echo "numbers and keys: $(lead_of "$num_rec" | jq -c '.events[0].fields | {Big, Tiny}')"
check_balance

# ---- 3. XML bombs in TaskContent ------------------------------------------------------------
xml_rej() { metric spoor_task_xml_rejected_total "reason=\"$1\""; }
lol='&lt;?xml version=\"1.0\"?&gt;&lt;!DOCTYPE Task [&lt;!ENTITY a \"aaaaaaaaaa\"&gt;&lt;!ENTITY b \"&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;&amp;a;\"&gt;&lt;!ENTITY c \"&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;&amp;b;\"&gt;&lt;!ENTITY d \"&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;&amp;c;\"&gt;&lt;!ENTITY e \"&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;&amp;d;\"&gt;&lt;!ENTITY f \"&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;&amp;e;\"&gt;&lt;!ENTITY g \"&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;&amp;f;\"&gt;]&gt;&lt;Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"&gt;&lt;Actions&gt;&lt;Exec&gt;&lt;Command&gt;&amp;g;&lt;/Command&gt;&lt;/Exec&gt;&lt;/Actions&gt;&lt;/Task&gt;'
xxe='<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Actions><Exec><Command>&x;</Command></Exec></Actions></Task>'
pe='<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/evil.dtd\"> %p;]><Task><Actions><Exec><Command>x</Command></Exec></Actions></Task>'
deep="<Task>$(printf '<a>%.0s' $(seq 1 100))$(printf '</a>%.0s' $(seq 1 100))</Task>"
big="<Task><Actions><Exec><Command>$(printf 'c%.0s' $(seq 1 70000))</Command></Exec></Actions></Task>"
undef='<Task><Actions><Exec><Command>&undefined;</Command></Exec></Actions></Task>'
notask='<Job><Actions><Exec><Command>calc.exe</Command></Exec></Actions></Job>'
declare -A before
for r in dtd too_deep too_large not_well_formed not_task; do before[$r]=$(xml_rej "$r"); done
n0=$(nleads)
{
	task '"\\hostile-marker-bomb-lol"' "\"$lol\""; lol_rec=$rec
	task '"\\hostile-marker-bomb-xxe"' "\"$xxe\""
	task '"\\hostile-marker-bomb-pe"' "\"$pe\""
	task '"\\hostile-marker-bomb-deep"' "\"$deep\""
	task '"\\hostile-marker-bomb-big"' "\"$big\""
	task '"\\hostile-marker-bomb-undef"' "\"$undef\""
	task '"\\hostile-marker-bomb-notask"' "\"$notask\""
} > "$W/bombs.ndjson"
send < "$W/bombs.ndjson"
wait_leads $((n0 + 7))
for pair in dtd:3 too_deep:1 too_large:1 not_well_formed:1 not_task:1; do
	r=${pair%:*}; n=${pair#*:}
	[ "$(xml_rej "$r")" = $((before[$r] + n)) ] ||
		bad "spoor_task_xml_rejected_total{reason=\"$r\"} is $(xml_rej "$r"), expected $((before[$r] + n))"
done
for r in $(seq $((lol_rec)) $((lol_rec + 6))); do
	lead_of "$r" | jq -e '.events[0].fields.TaskParseError | type == "string" and length > 0' > /dev/null ||
		fail "bomb event $r: the lead has no TaskParseError: $(lead_of "$r" | jq -c .events[0].fields | head -c 300)"
done
! grep -q 'root:x:0:0' "$L" || fail "an external entity was resolved"
echo "XML bombs: 7 events kept with TaskParseError; rejected by reason: $(for r in dtd too_deep too_large not_well_formed not_task; do printf '%s=%s ' "$r" "$(xml_rej "$r")"; done)"
check_balance

# ---- 4. invalid and overlong UTF-8 in values --------------------------------------------------
n0=$(nleads)
{
	rec=$((rec + 1)); printf '{"EventTime":"2026-11-22 10:11:12","Hostname":"ws1","EventID":4688,"SourceName":"S","Channel":"Security","RecordNumber":%d,"CommandLine":"hostile-marker invalid \377\376 overlong \300\257 surrogate \355\240\200 cut \342\202"}\n' "$rec"
	utf8_rec=$rec
	# channels with C1 controls (valid UTF-8) and a raw 0x9b byte (an 8-bit
	# CSI), each record twice: an events_duplicated gap names the channel
	for ch in 'C1\u009b[2J\u0085x' $'Raw\x9b[2J'; do
		for k in 1 2; do
			printf '{"EventTime":"2026-11-22 10:11:1%d","Hostname":"ws1","EventID":4688,"SourceName":"S","Channel":"%s","RecordNumber":77}\n' "$k" "$ch"
		done
	done
} > "$W/utf8.ndjson"
send < "$W/utf8.ndjson"
wait_metric spoor_events_received_total "" "$(( $(metric spoor_events_accepted_total) + $(curl -fsS "http://$HTTP/metrics" | awk '$1 ~ /^spoor_events_rejected_total\{/ {s+=$2} END {print s+0}') ))"
sleep 0.3
# mended, never refused: each bad byte is U+FFFD, and the event is evaluated
[ "$(nleads)" -gt "$n0" ] || fail "invalid UTF-8: no lead (the event was refused or lost)"
want='hostile-marker invalid \ufffd\ufffd overlong \ufffd\ufffd surrogate \ufffd\ufffd\ufffd cut \ufffd\ufffd'
lead_of "$utf8_rec" | jq -e --argjson w "\"$want\"" '.events[0].fields.CommandLine == $w' > /dev/null ||
	fail "invalid UTF-8: the lead shows $(lead_of "$utf8_rec" | jq -c .events[0].fields.CommandLine), not each bad byte as U+FFFD"
# the CommandLine event and the two raw-0x9b channel events
[ "$(metric spoor_events_repaired_total 'what="utf8"')" = 3 ] ||
	fail "spoor_events_repaired_total{what=\"utf8\"} is $(metric spoor_events_repaired_total 'what="utf8"'), not 3"
utf8_outcome="accepted, each bad byte shown as U+FFFD, counted as repaired"
echo "invalid UTF-8 in CommandLine: $utf8_outcome"
check_balance

# ---- every spool line is one JSON object; files end with a newline -------------------------------
check_spool() {
	local f
	for f in "$T"/spool/*.jsonl; do
		[ -s "$f" ] || continue
		[ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' \n')" = 0a ] || fail "$f does not end with a newline"
		jq -R -e 'fromjson | type == "object"' "$f" > /dev/null || fail "$f has a line that is not one JSON object"
		tr -d '\000' < "$f" | cmp -s - "$f" || fail "$f holds a NUL byte"
		! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f]' "$f" || fail "$f holds a raw control character"
		iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1 ||
			bad "$f is not valid UTF-8 (line $(LC_ALL=C.UTF-8 grep -naxv '.*' "$f" | head -n1 | cut -d: -f1)): invalid bytes from an event reached the spool"
	done
}
check_spool
echo "spool: $(nleads) leads, every line one JSON object, no raw control byte"

# ---- 5. spoorctl tail: control characters as \xNN ----------------------------------------------------
"$SPOORCTL" tail -n all --spool "$T/spool" > "$W/tail.out" 2> "$W/tail.err" || fail "spoorctl tail: $(cat "$W/tail.err")"
[ "$(wc -l < "$W/tail.out")" -ge "$(nleads)" ] || fail "spoorctl tail showed $(wc -l < "$W/tail.out") lines for $(nleads) leads"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$W/tail.out" || fail "spoorctl tail (piped) printed a raw control character"
! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$W/tail.out" || fail "spoorctl tail (piped) printed a raw C1 control"
grep -qF '\x1b[5;41m' "$W/tail.out" || fail "spoorctl tail does not show ESC as \\x1b: $(head -n 2 "$W/tail.out")"
grep -qF '\x9b1m' "$W/tail.out" || fail "spoorctl tail does not show U+009B as \\x9b"
grep -qF '\x07' "$W/tail.out" || fail "spoorctl tail does not show BEL as \\x07"
# a spool someone tampered with: control characters in every field tail shows
mkdir -p "$W/tampered"
{
	printf '{"type":"lead","id":"\\u001b[2Jdeadbeef","time":"\\u001b]0;t\\u0007","host":"ws\\u001b[5;41mx\\u009b2J","rule":{"id":"r","title":"t\\r\\n\\u001b[5;41mforged line","level":"high\\u001b"},"kind":"match","count":1}\n'
	printf '{"type":"gap","id":"0123456789abcdef0123456789abcdef","state":"open","host":"h\\u0007","kind":"events_lost\\u001b[5;41m","channel":"c\\u009b","opened":"2026-11-22T10:00:00Z","evidence":"e\\r\\u001b]0;x\\u0007\\u0000hidden"}\n'
} > "$W/tampered/leads.jsonl"
"$SPOORCTL" tail -n all --spool "$W/tampered" > "$W/tampered.out" 2>&1 || fail "spoorctl tail on the tampered spool: $(cat "$W/tampered.out")"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$W/tampered.out" || fail "spoorctl tail printed a raw control character from a tampered spool: $(od -c "$W/tampered.out" | head)"
! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$W/tampered.out" || fail "spoorctl tail printed a raw C1 control from a tampered spool"
[ "$(wc -l < "$W/tampered.out")" = 2 ] || fail "a tampered record took more than one line: $(cat "$W/tampered.out")"
# on a terminal (colour on): spoorctl's own SGR only
if command -v script > /dev/null 2>&1; then
	TERM=xterm script -qec "$SPOORCTL tail -n all --spool $T/spool; $SPOORCTL tail -n all --spool $W/tampered" /dev/null > "$W/tty.out" 2>&1 < /dev/null ||
		fail "spoorctl tail on a terminal: $(tail -n 3 "$W/tty.out")"
	grep -qF '\x1b[5;41m' "$W/tty.out" || fail "on a terminal, ESC is not shown as \\x1b"
	! LC_ALL=C grep -q $'\x1b\\[5;41m' "$W/tty.out" || fail "on a terminal, an event's escape sequence reached it raw"
	! LC_ALL=C grep -q $'\x1b\\]' "$W/tty.out" || fail "on a terminal, an OSC sequence reached it raw"
	! LC_ALL=C grep -q $'\x07' "$W/tty.out" || fail "on a terminal, a raw BEL reached it"
	! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$W/tty.out" || fail "on a terminal, a raw C1 control reached it"
	# what remains besides spoorctl's colours: nothing below 0x20 but the terminal's CR LF
	LC_ALL=C sed -e $'s/\x1b\\[[0-9;]*m//g' "$W/tty.out" | LC_ALL=C tr -d '\r\n' | LC_ALL=C grep -q $'[\x01-\x1f\x7f]' &&
		fail "on a terminal, a control character other than spoorctl's SGR colours reached it"
	echo "spoorctl tail: control characters shown as \\xNN, piped and on a terminal"
else
	echo "spoorctl tail: control characters shown as \\xNN (piped; script(1) absent, terminal case skipped)"
fi

check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"
check_spool
# spoorctl coverage prints channel names from events (coverage.json, written at the stop)
"$SPOORCTL" coverage --spool "$T/spool" > "$W/coverage.out" 2>&1 || fail "spoorctl coverage: $(cat "$W/coverage.out")"
grep -qF 'C1\x9b[2J\x85x' "$W/coverage.out" || bad "spoorctl coverage does not show a C1 control in a channel as \\xNN"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$W/coverage.out" || bad "spoorctl coverage printed a raw control character"
! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$W/coverage.out" || bad "spoorctl coverage printed a raw C1 control"
iconv -f UTF-8 -t UTF-8 "$W/coverage.out" > /dev/null 2>&1 ||
	bad "spoorctl coverage printed bytes that are not UTF-8 (line $(LC_ALL=C.UTF-8 grep -naxv '.*' "$W/coverage.out" | head -n 1 | cut -d: -f1); a raw 0x9b is CSI on an 8-bit terminal)"
for f in "$T"/spool/*.json; do
	jq -e . "$f" > /dev/null || fail "$f is not JSON"
	iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1 || bad "$f is not valid UTF-8"
done
! LC_ALL=C grep -q $'\x1b' "$T/spoord.log" || fail "spoord.log holds a raw ESC"
! grep -q '^<13>1 2026-11-22T10:11:12Z forged' "$T/spoord.log" || fail "an event injected a line into spoord.log"
[ ! -s "$W/failures" ] || fail "$(sort -u "$W/failures" | wc -l) checks failed:
$(sort -u "$W/failures")"
echo "PASS"
