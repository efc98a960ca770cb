# Helpers for tests that run the real spoord on 127.0.0.1 (sourced).
# shellcheck shell=bash
set -u

: "${SPOORD:?SPOORD must point at the spoord binary (meson sets it)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/spoor-test.XXXXXX")
SPOORD_PID=
trap 'cleanup' EXIT

cleanup() {
	[ -n "$SPOORD_PID" ] && kill -9 "$SPOORD_PID" 2>/dev/null
	[ -n "${EXTRA_PIDS:-}" ] && kill -9 $EXTRA_PIDS 2>/dev/null
	rm -rf "$T"
}

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -f "$T/spoord.log" ] && { echo "--- spoord log (last 30 lines)"; tail -n 30 "$T/spoord.log"; }
	exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

# start_spoord [extra YAML appended to the config]: listens on ephemeral
# ports; sets PORT and HTTP.
start_spoord() {
	cat > "$T/spoord.yml" <<YAML
listen:
  - address: 127.0.0.1:0
http:
  address: 127.0.0.1:0
spool:
  dir: $T/spool
state_dir: $T/state
${1:-}
YAML
	launch_spoord 1
}

# start_spoord_config YAML [COMMAND...]: like start_spoord, but YAML is the
# whole configuration file (the caller writes listen:, http: and the rest),
# and COMMAND, when given, is run in front of spoord and must exec it (env
# VAR=..., systemd-socket-activate -l ...), so SPOORD_PID is spoord's.
# Sets HTTP, and PORT to the first 127.0.0.1 listener's port or "".
start_spoord_config() {
	printf '%s\n' "$1" > "$T/spoord.yml"
	shift
	launch_spoord 0 "$@"
}

# launch_spoord NEED_PORT [COMMAND...]: start spoord on $T/spoord.yml and
# wait until it is ready (log in $T/spoord.log).
launch_spoord() {
	local need_port=$1 i
	shift
	"$@" "$SPOORD" -c "$T/spoord.yml" > "$T/spoord.log" 2>&1 &
	SPOORD_PID=$!
	for i in $(seq 1 100); do
		# "ready" is logged after every listener: read the ports after it
		grep -q ready "$T/spoord.log" || { kill -0 "$SPOORD_PID" 2>/dev/null || fail "spoord exited at start"; sleep 0.1; continue; }
		PORT=$(sed -n 's/.*listening on tcp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/spoord.log" | head -n1)
		HTTP=$(sed -n 's/.*listening on http \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$T/spoord.log" | head -n1)
		{ [ -n "$PORT" ] || [ "$need_port" = 0 ]; } && [ -n "$HTTP" ] && grep -q ready "$T/spoord.log" && return 0
		kill -0 "$SPOORD_PID" 2>/dev/null || fail "spoord exited at start"
		sleep 0.1
	done
	fail "spoord did not report its ports"
}

alive() { kill -0 "$SPOORD_PID" 2>/dev/null || fail "spoord is not running"; }

# metric NAME [LABELS]: the value of one sample, e.g. metric spoor_events_rejected_total 'reason="oversize"'
metric() {
	local sel=$1
	[ -n "${2:-}" ] && sel="$1{$2}"
	curl -fsS "http://$HTTP/metrics" | awk -v s="$sel" '$1 == s { print $2; found=1 } END { if (!found) print "missing" }'
}

# wait_metric NAME LABELS VALUE: poll until the sample has VALUE (5 s);
# else $WAIT_FAIL (default fail: stop the test) with the message.
wait_metric() {
	local i v
	for i in $(seq 1 100); do
		v=$(metric "$1" "$2")
		[ "$v" = "$3" ] && return 0
		sleep 0.05
	done
	${WAIT_FAIL:-fail} "$1{$2} is $v, expected $3"
}

# The conservation law: received = accepted + sum(rejected).
check_balance() {
	local body rec acc rej
	body=$(curl -fsS "http://$HTTP/metrics")
	rec=$(awk '$1=="spoor_events_received_total"{print $2}' <<<"$body")
	acc=$(awk '$1=="spoor_events_accepted_total"{print $2}' <<<"$body")
	rej=$(awk '$1 ~ /^spoor_events_rejected_total\{/ {s+=$2} END {print s+0}' <<<"$body")
	[ "$rec" -eq $((acc + rej)) ] || fail "received $rec != accepted $acc + rejected $rej"
	echo "balance: received $rec = accepted $acc + rejected $rej"
}

# gen_events N [HOST]: N NXLog CE flat JSON events, one per line.
gen_events() {
	local n=$1 host=${2:-ws-0042.corp.example} i
	for i in $(seq 1 "$n"); do
		printf '{"EventTime":"2026-11-22 10:11:%02d","Hostname":"%s","EventID":4688,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","RecordNumber":%d,"SubjectUserName":"alice","NewProcessName":"C:\\\\Windows\\\\System32\\\\schtasks.exe","CommandLine":"schtasks /create /tn t%d /tr calc.exe"}\n' \
			$((i % 60)) "$host" "$i" "$i"
	done
}

stop_spoord() {
	kill -TERM "$SPOORD_PID"
	local rc=0
	wait "$SPOORD_PID" || rc=$?
	SPOORD_PID=
	# the status says which: 1 a failure spoord logged, >= 128 a signal
	[ "$rc" = 0 ] || echo "spoord exited with status $rc on SIGTERM" >&2
	return $rc
}
