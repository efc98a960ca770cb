# Helpers for the fault and abuse tests (fault_*.sh, abuse_*.sh) and for
# scripts/stress: a paced sender, events dated now, spool checks, process
# numbers.  Sourced after lib.sh.
# shellcheck shell=bash disable=SC2034  # (the rule ids are for the tests that source this)

# The schtasks rule of the process-creation scenario: every event of
# live_events fires it once, so each accepted event is one lead whose id
# depends on its host and record number only.
SCHTASKS_RULE=5b0e7a52-6a51-4c1e-9f0b-3c8d1e7a0001

# copy_rules DIR SCENARIO...: the rule files of scenarios into DIR.
copy_rules() {
	local dir=$1 s
	shift
	mkdir -p "$dir"
	for s in "$@"; do
		cp "$SPOOR_SOURCE_ROOT/tests/scenarios/$s/rules/"*.yml "$dir/"
	done
}

# live_events N HOSTS FIRST_RECORD [HOST_PREFIX]: N Security 4688 schtasks
# /create events dated now (live, the watermark follows the clock: older
# events would be late), spread round-robin over HOSTS hosts; record
# numbers run per host from FIRST_RECORD, so the i-th event of a host has
# FIRST_RECORD + i.
live_events() {
	awk -v n="$1" -v hosts="$2" -v first="$3" -v prefix="${4:-ws}" -v now="$(date -u '+%Y-%m-%d %H:%M:%S')" 'BEGIN {
		for (i = 0; i < n; i++) {
			h = i % hosts
			r = first + int(i / hosts)
			printf "{\"EventTime\":\"%s\",\"Hostname\":\"%s-%05d.corp.example\",\"EventID\":4688,\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\",\"RecordNumber\":%d,\"SubjectUserName\":\"alice\",\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\schtasks.exe\",\"CommandLine\":\"schtasks /create /tn t%d /tr calc.exe\"}\n", now, prefix, h, r, r
		}
	}'
}

# paced_send PORT FILE RATE [OUT]: send FILE's lines to 127.0.0.1:PORT at
# RATE lines a second (in 10 ms slices), in the background; EXTRA_PIDS gets
# the sender.  When it stops (end of file, or the connection broke) it
# writes "sent N" (whole lines the kernel took) and how it ended to
# OUT (default $T/sent).
paced_send() {
	local port=$1 file=$2 rate=$3 out=${4:-$T/sent}
	python3 - "$port" "$file" "$rate" "$out" <<'PY' &
import socket, sys, time
port, path, rate, out = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
lines = open(path, 'rb').read().splitlines(keepends=True)
s = socket.create_connection(('127.0.0.1', port))
per = max(1, int(rate / 100))
sent, how, t0 = 0, 'eof', time.monotonic()
try:
    while sent < len(lines):
        chunk = lines[sent:sent + per]
        buf = b''.join(chunk)
        done = 0
        while done < len(buf):
            try:
                done += s.send(buf[done:])
            except OSError:
                sent += buf[:done].count(b'\n')  # the whole lines the kernel took
                raise
        sent += len(chunk)
        delay = t0 + sent / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    s.shutdown(socket.SHUT_WR)
except OSError as e:
    how = 'error ' + (e.strerror or str(e))
with open(out, 'w') as f:
    f.write('sent %d\n%s\n' % (sent, how))
PY
	EXTRA_PIDS="${EXTRA_PIDS:-} $!"
}

# sent_count [OUT]: what the last paced_send reported.
sent_count() { sed -n 's/^sent //p' "${1:-$T/sent}"; }

# check_spool_lines FILE...: every line is one complete JSON object and the
# file ends with a newline (the spool's promise after any fault).
check_spool_lines() {
	local f bad
	for f in "$@"; do
		[ -s "$f" ] || continue
		[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f does not end with a newline (torn last line)"
		bad=$(jq -R -r 'try (fromjson | if type == "object" then empty else "not an object" end) catch "broken JSON"' "$f" |
			wc -l)
		[ "$bad" = 0 ] || fail "$f: $bad lines are not one complete JSON object each"
	done
}

# dup_lead_ids FILE: lead ids written more than once (one per line).
dup_lead_ids() { [ -s "$1" ] && jq -r 'select(.type == "lead") | .id' "$1" | sort | uniq -d || true; }

# spool_count FILE [JQ_FILTER]: lines (matching the select filter).
spool_count() {
	[ -s "$1" ] || { echo 0; return; }
	if [ -n "${2:-}" ]; then jq -c "select($2)" "$1" | wc -l; else wc -l < "$1"; fi
}

# rss_kb PID, fd_count PID: resident memory, open descriptors.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# status_json: GET /v1/status.
status_json() { curl -fsS "http://$HTTP/v1/status"; }

# wait_until SECONDS COMMAND...: poll (every 0.1 s) until COMMAND succeeds;
# false when it did not within SECONDS.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# metric_ge NAME LABELS MIN: the sample is at least MIN.
metric_ge() {
	local v
	v=$(metric "$1" "$2")
	[ "$v" != missing ] && [ "${v%.*}" -ge "$3" ]
}

# log_has PATTERN: spoord's log matches (grep -E).
log_has() { grep -Eq "$1" "$T/spoord.log"; }

# admin_add HOST RECORD [OFFSET], proc_list HOST RECORD [OFFSET]: the two
# halves of the correlation scenario's temporal_ordered correlation
# (CORR_RULE: admin_add then proc_list on one Computer within 5 min), dated
# now + OFFSET seconds.
CORR_RULE=00000000-0000-4000-8000-00000000c102
ev_time() { date -u -d "@$(($(date -u +%s) + ${1:-0}))" '+%Y-%m-%d %H:%M:%S'; }
admin_add() {
	printf '{"EventTime":"%s","Hostname":"%s","EventID":4732,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"TargetUserName":"Administrators","MemberSid":"S-1-5-21-1-1002"}\n' \
		"$(ev_time "${3:-0}")" "$1" "$2"
}
proc_list() {
	printf '{"EventTime":"%s","Hostname":"%s","EventID":1,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","RecordNumber":%d,"Image":"C:\\\\Windows\\\\System32\\\\tasklist.exe"}\n' \
		"$(ev_time "${3:-0}")" "$1" "$2"
}

# bug MESSAGE: a check that found a bug in spoord (reported, with a proposed
# fix, in the test's header).  The test goes on with its other checks and
# fails at `finish`.
BUGS=()
bug() { echo "BUG: $*"; BUGS+=("$*"); }
# finish: PASS, or FAIL naming the bug checks that failed.
finish() {
	if [ ${#BUGS[@]} -gt 0 ]; then
		fail "${#BUGS[@]} check(s) found a bug: $(printf '[%s] ' "${BUGS[@]}")"
	fi
	echo "PASS"
}

# wait_eq SECONDS VALUE COMMAND..., wait_ge SECONDS MIN COMMAND...: poll
# (every 0.1 s) until COMMAND prints VALUE (at least MIN); false when it did
# not within SECONDS.
wait_eq() {
	local n=$(($1 * 10)) want=$2 v
	shift 2
	while [ "$n" -gt 0 ]; do
		v=$("$@")
		[ "$v" = "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
wait_ge() {
	local n=$(($1 * 10)) min=$2 v
	shift 2
	while [ "$n" -gt 0 ]; do
		v=$("$@")
		[ "$v" != missing ] && [ -n "$v" ] && [ "${v%.*}" -ge "$min" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
