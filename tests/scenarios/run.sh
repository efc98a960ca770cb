#!/usr/bin/env bash
# Scenario tests are data: tests/scenarios/<name>/ holds rules/ (Sigma
# rules), events.jsonl and expect.tsv (one expected lead per line:
# "<rule id> <host> <record id>"; lines starting with # are comments).
# Each scenario is replayed (spoord --replay) and, when it has no
# `replay-only` file, also sent live over TCP in both LF and octet-counted
# framing; the leads written must be exactly the expected ones.
# Instead of rules/, a `use-pack` file replays the shipped lead pack (conf/leads.d) as it is.
# A `pending` file skips the scenario; its first line says why (a feature that has not landed).
# Optional: config.yml (appended to the configuration, like
# placeholders.yml), and expect-kinds.tsv instead of expect.tsv for
# scenarios with records of every kind: "<rule id> <host> <record id>
# <kind> [detail]", detail = the count of a summary, the tactics and score
# of an escalation ("persistence,discovery/12").
# Optional: expect-gaps.tsv, the gap records (gaps.jsonl) the scenario must
# write, one per line: "<kind> <host> <channel> <state> [ttr_seconds]"
# (ttr_seconds for closed records); an opened-then-closed gap is two lines.
# Without the file, gaps are not compared.
#   run.sh [NAME...]     (default: every scenario)
export LC_ALL=C   # ${#line} counts bytes for octet framing
source "$SPOOR_SOURCE_ROOT/tests/clients/lib.sh"
need jq; need socat; need curl
D="$SPOOR_SOURCE_ROOT/tests/scenarios"
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(find "$D" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
[ ${#names[@]} -gt 0 ] || fail "no scenarios under $D"

# leads FILE: the "<rule id> <host> <record id>" of every lead, sorted
leads() { jq -r '[.rule.id, .host, (.events[0].record_id | tostring)] | join(" ")' "$1" | sort; }
# kinds FILE: the same with .kind and the detail of summaries and escalations
kinds() {
	jq -r '[.rule.id, .host, (.events[0].record_id | tostring), .kind] +
		(if .kind == "summary" then [.count | tostring]
		 elif .kind == "escalation" then ["\(.tactics | join(","))/\(.score)"] else [] end) | join(" ")' "$1" | sort
}

# gaps FILE: the "<kind> <host> <channel> <state> [ttr]" of every gap record, sorted
gaps() {
	[ -f "$1" ] || return 0
	jq -r '[.kind, .host, .channel, .state] + (if .state == "closed" then [.ttr_seconds | tostring] else [] end) |
		join(" ")' "$1" | sort
}
# check_gaps NAME SPOOL LABEL: compare the gaps when the scenario expects some
check_gaps() {
	[ -f "$D/$1/expect-gaps.tsv" ] || return 0
	grep -v '^#' "$D/$1/expect-gaps.tsv" | sed '/^$/d' | sort > "$T/$1.gexpect"
	gaps "$2/gaps.jsonl" > "$T/$1.ggot"
	if ! diff -u "$T/$1.gexpect" "$T/$1.ggot" > "$T/$1.gdiff"; then
		echo "FAIL $1 ($3): expected vs written gaps:"; cat "$T/$1.gdiff"; status=1
	else
		echo "ok   $1 ($3): $(wc -l < "$T/$1.ggot") gap records"
	fi
}

# check_gap_fields NAME SPOOL LABEL: the field_missing records in detail when the scenario has
# expect-gap-fields.tsv: "<host> <channel> <field> <state> <blinded rule ids, comma-separated, or ->"
check_gap_fields() {
	[ -f "$D/$1/expect-gap-fields.tsv" ] || return 0
	grep -v '^#' "$D/$1/expect-gap-fields.tsv" | sed '/^$/d' | sort > "$T/$1.fexpect"
	[ -f "$2/gaps.jsonl" ] && jq -r 'select(.kind == "field_missing") | [.host, .channel, .field, .state,
		([.blinds[]?.id] | if length == 0 then "-" else join(",") end)] | join(" ")' "$2/gaps.jsonl" |
		sort > "$T/$1.fgot" || : > "$T/$1.fgot"
	if ! diff -u "$T/$1.fexpect" "$T/$1.fgot" > "$T/$1.fdiff"; then
		echo "FAIL $1 ($3): expected vs written field_missing details:"; cat "$T/$1.fdiff"; status=1
	fi
}

status=0
for name in "${names[@]}"; do
	s="$D/$name"
	if [ -f "$s/pending" ]; then
		echo "skip $name: pending ($(grep -v '^#' "$s/pending" | sed '/^$/d' | head -n 1))"; continue
	fi
	rules="$s/rules"
	[ ! -e "$rules" ] && [ -f "$s/use-pack" ] && rules="$SPOOR_SOURCE_ROOT/conf/leads.d"
	expect=expect.tsv; extract=leads
	[ -f "$s/expect-kinds.tsv" ] && { expect=expect-kinds.tsv; extract=kinds; }
	grep -v '^#' "$s/$expect" | sed '/^$/d' | sort > "$T/$name.expect"
	cat > "$T/$name.yml" <<YAML
rules: [$rules]
spool: {dir: $T/$name.spool}
YAML
	[ -f "$s/placeholders.yml" ] && cat "$s/placeholders.yml" >> "$T/$name.yml"
	[ -f "$s/config.yml" ] && cat "$s/config.yml" >> "$T/$name.yml"
	"$SPOORD" --replay -c "$T/$name.yml" "$s/events.jsonl" > /dev/null 2> "$T/$name.err" ||
		{ cat "$T/$name.err"; fail "$name: --replay failed"; }
	$extract "$T/$name.spool/leads.jsonl" > "$T/$name.got"
	if ! diff -u "$T/$name.expect" "$T/$name.got" > "$T/$name.diff"; then
		echo "FAIL $name (replay): expected vs written leads:"; cat "$T/$name.diff"; status=1
	else
		echo "ok   $name (replay): $(wc -l < "$T/$name.got") leads"
	fi
	check_gaps "$name" "$T/$name.spool" replay
	check_gap_fields "$name" "$T/$name.spool" replay
	[ -f "$s/replay-only" ] && continue
	for framing in lf octet; do
		start_spoord "rules: [$rules]
$( [ -f "$s/placeholders.yml" ] && cat "$s/placeholders.yml" )
$( [ -f "$s/config.yml" ] && cat "$s/config.yml" )"
		if [ $framing = lf ]; then
			socat -u "FILE:$s/events.jsonl" "TCP:127.0.0.1:$PORT"
		else
			while IFS= read -r l; do [ -n "$l" ] && printf '%d %s' "${#l}" "$l"; done < "$s/events.jsonl" |
				socat -u - "TCP:127.0.0.1:$PORT"
		fi
		n=$(grep -c . "$s/events.jsonl")
		wait_metric spoor_events_received_total "" "$n"
		stop_spoord || fail "$name: spoord did not exit 0"
		$extract "$T/spool/leads.jsonl" > "$T/$name.live"
		if ! diff -u "$T/$name.expect" "$T/$name.live" > "$T/$name.diff"; then
			echo "FAIL $name (live, $framing):"; cat "$T/$name.diff"; status=1
		else
			echo "ok   $name (live, $framing)"
		fi
		check_gaps "$name" "$T/spool" "live, $framing"
		check_gap_fields "$name" "$T/spool" "live, $framing"
		rm -rf "$T/spool" "$T/state"  # each run starts without the previous one's correlation state
	done
done
[ $status -eq 0 ] || fail "scenarios differ"
echo "PASS"
