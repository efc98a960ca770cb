#!/usr/bin/env bash
# Corrupted coverage.state and first_seen.state at start (issue 9, faults;
# restart.sh covers correlation.state).  Each unusable file is moved aside
# as <name>.corrupt-<stamp>, logged with its path and reason, and its part
# starts empty, while the files that are sound are restored; spoord starts
# every time.  Cases: a flipped payload byte (checksum mismatch), a file cut
# short, another format version, an empty file, a directory and a symbolic
# link in place of the file.  Each start's effect is checked: a lost
# first_seen baseline fires its lead again, a lost coverage model restores
# no host, the sound correlation window still completes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need socat; need curl; need jq
ST="$T/state"
LEADS="$T/spool/leads.jsonl"
FS_RULE=00000000-0000-4000-8000-0000000f5001
copy_rules "$T/rules" correlation
cat > "$T/rules/first_seen.yml" <<'YAML'
title: First process listing on a host
id: 00000000-0000-4000-8000-0000000f5001
level: low
correlation:
  type: first_seen
  rules: [proc_list]
  fields: [Computer]
YAML
CONF="rules: [$T/rules]
state:
  interval: 1h
time:
  allowed_lateness: 0"
send() { socat -u - "TCP:127.0.0.1:$PORT"; }
fs_leads() { spool_count "$LEADS" ".rule.id == \"$FS_RULE\" and .host == \"ws1.corp.example\""; }   # ws1's first_seen leads
nocmd() {   # nocmd RECORD: a 4688 without CommandLine on wsa (field_missing)
	printf '{"EventTime":"%s","Hostname":"wsa.corp.example","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"NewProcessName":"C:\\\\Windows\\\\System32\\\\calc.exe"}\n' \
		"$(ev_time)" "$1"
}
REC=1
# restart_with: start, check it came up, send a proc_list on ws1
restart_with() {
	start_spoord "$CONF"
	alive
	REC=$((REC + 1))
	proc_list ws1.corp.example "$REC" | send
	wait_metric spoor_events_accepted_total "" 1
}
# corrupt_ok FILE REASON: FILE was moved aside for REASON (a grep -E pattern)
corrupt_ok() {
	log_has "state: $ST/$1 is unusable \($2\): moved aside to $ST/$1\.corrupt-[0-9]{8}T[0-9]{6}Z; " ||
		fail "$1: not moved aside for '$2': $(grep "$1" "$T/spoord.log" | head -n3)"
	if [ -e "$ST/$1" ] || [ -L "$ST/$1" ]; then fail "$1: still in place"; fi
}

# ---- 0. three sound state files ---------------------------------------------
start_spoord "$CONF"
{ admin_add ws9.corp.example 1; proc_list ws1.corp.example 1; nocmd 1; } | send
wait_metric spoor_events_accepted_total "" 3
wait_until 5 metric_ge spoor_correlation_groups "" 1 || fail "no correlation window"
wait_eq 5 1 fs_leads || fail "first_seen did not fire for ws1"
wait_until 5 grep -q '"kind":"field_missing"' "$T/spool/gaps.jsonl" || fail "no field_missing gap"
stop_spoord || fail "spoord did not exit 0"
mkdir "$T/good"
cp "$ST"/*.state "$T/good/"
[ "$(ls "$T/good" | wc -l)" = 3 ] || fail "expected three state files: $(ls "$T/good")"
restore_good() { rm -rf "$ST"/*.state "$ST"/*.corrupt-*; cp "$T/good"/*.state "$ST/"; }

# ---- 1. a flipped byte in coverage.state, first_seen.state cut short ---------
restore_good
f="$ST/coverage.state"
off=$(($(stat -c %s "$f") - 10))
b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
cmp -s "$f" "$T/good/coverage.state" && fail "test bug: the byte was not flipped"
size=$(stat -c %s "$ST/first_seen.state")
truncate -s $((size - 5)) "$ST/first_seen.state"
restart_with
corrupt_ok coverage.state 'checksum mismatch'
corrupt_ok first_seen.state 'truncated or extended: payload is [0-9]+ bytes, header says [0-9]+'
log_has 'restored [0-9]+ hosts and' && fail "a coverage model was restored from a corrupt file"
log_has "state: restored 2 correlation windows from $ST/correlation.state" || fail "the sound correlation.state was not restored"
wait_eq 5 2 fs_leads || fail "first_seen did not fire again for ws1 after its baselines were lost ($(fs_leads) leads)"
# the sound window still completes
REC=$((REC + 1))
proc_list ws9.corp.example "$REC" | send
wait_metric spoor_leads_total 'level="high",kind="correlation"' 1
stop_spoord || fail "spoord did not exit 0"
echo "1: checksum mismatch and cut file moved aside; the correlation window restored and completed"

# ---- 2. another format version, an empty file ---------------------------------
restore_good
printf '\002\000\000\000' | dd of="$ST/coverage.state" bs=1 seek=8 conv=notrunc status=none
: > "$ST/first_seen.state"
restart_with
corrupt_ok coverage.state 'format version 2 \(this spoord reads 1\)'
corrupt_ok first_seen.state 'truncated header \(0 of 64 bytes\)'
wait_eq 5 3 fs_leads || fail "first_seen did not fire again ($(fs_leads) leads)"
stop_spoord || fail "spoord did not exit 0"
echo "2: another version and an empty file moved aside"

# ---- 3. a directory, a symbolic link --------------------------------------------
restore_good
rm "$ST/first_seen.state" "$ST/coverage.state"
mkdir "$ST/first_seen.state"
ln -s "$T/good/coverage.state" "$ST/coverage.state"
sum=$(sha256sum < "$T/good/coverage.state")
restart_with
corrupt_ok first_seen.state 'not a regular file'
corrupt_ok coverage.state 'a symbolic link'
log_has 'restored [0-9]+ hosts and' && fail "a coverage model was restored through a symbolic link"
wait_eq 5 4 fs_leads || fail "first_seen did not fire again ($(fs_leads) leads)"
stop_spoord || fail "spoord did not exit 0"
[ -f "$ST/coverage.state" ] && [ ! -L "$ST/coverage.state" ] || fail "coverage.state is not a regular file after the save"
[ "$(sha256sum < "$T/good/coverage.state")" = "$sum" ] || fail "the save wrote through the symbolic link"
echo "3: a directory and a symbolic link moved aside; the link's target untouched"

# ---- 4. sound again: everything restored -------------------------------------------
restore_good
restart_with
log_has "state: restored 2 correlation windows" || fail "correlation.state not restored"
log_has "state: restored [0-9]+ first_seen entries from $ST/first_seen.state" || fail "first_seen.state not restored"
log_has "state: restored [0-9]+ hosts and 1 open gaps from $ST/coverage.state" || fail "coverage.state not restored"
log_has 'is unusable' && fail "a sound file was refused"
sleep 0.5
[ "$(fs_leads)" = 4 ] || fail "first_seen fired although its baseline was restored"
check_balance
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$LEADS" "$T/spool/gaps.jsonl"
echo "PASS"
