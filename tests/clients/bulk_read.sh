#!/usr/bin/env bash
# Two senders at full speed, each over one connection: spoord reads a plain
# connection in large pieces past libevent's 4 KB reads (conn_read_more),
# so frames cross the pieces' edges, and frames longer than a quarter of a
# piece go back to libevent's reads.  Every event is taken and counted
# once, every byte is counted once, the frame past the limit is rejected,
# and the leads are the ones `spoord --replay` writes for the same files.
source "$(dirname "$0")/lib.sh"
need socat; need curl; need python3; need jq
GEN="$SPOOR_SOURCE_ROOT/scripts/gen-events"

python3 "$GEN" --count 6000 --seed 11 --leads-every 500 --start now -o "$T/all.jsonl" --parts 2 ||
	fail "gen-events failed"
# long frames in part 0: 100 KB and 700 KB events (more than a quarter of
# a piece, and more than a piece), and one of 2 MB past limits.max_frame_bytes
python3 - "$T/all.jsonl.0" <<'PY' || fail "could not add the long frames"
import json, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().splitlines()
def padded(i, size):
    ev = json.loads(lines[i])
    ev["Padding"] = "x" * size
    return json.dumps(ev, separators=(",", ":"))
extra = {500: padded(500, 100_000), 1500: padded(1500, 700_000), 2500: padded(2500, 2_000_000)}
with open(path, "w", encoding="utf-8") as f:
    for i, l in enumerate(lines):
        f.write(l + "\n")
        if i in extra:
            f.write(extra[i] + "\n")
PY
n0=$(wc -l < "$T/all.jsonl.0") n1=$(wc -l < "$T/all.jsonl.1")
bytes=$(( $(stat -c %s "$T/all.jsonl.0") + $(stat -c %s "$T/all.jsonl.1") ))

LIMITS='limits:
  max_frame_bytes: 1MiB'
start_spoord "rules: [$SPOOR_SOURCE_ROOT/conf/leads.d]
$LIMITS"
socat -u -b 262144 "FILE:$T/all.jsonl.0" "TCP:127.0.0.1:$PORT" & s0=$!
socat -u -b 262144 "FILE:$T/all.jsonl.1" "TCP:127.0.0.1:$PORT" & s1=$!
EXTRA_PIDS="$s0 $s1"
wait $s0 || fail "socat 0 failed"
wait $s1 || fail "socat 1 failed"
EXTRA_PIDS=
wait_metric spoor_events_received_total "" $((n0 + n1))
wait_metric spoor_events_accepted_total "" $((n0 + n1 - 1))
wait_metric spoor_events_rejected_total 'reason="oversize"' 1
wait_metric spoor_bytes_received_total "" "$bytes"
check_balance
stop_spoord || fail "spoord did not exit 0 on SIGTERM"

# the same files replayed: the same single-event leads (a correlation's
# lead can depend on the order of the two senders' events, and a replay
# ends the windows still open where a daemon keeps them)
mkdir -p "$T/r/spool" "$T/r/state"
cat > "$T/replay.yml" <<YAML
spool:
  dir: $T/r/spool
state_dir: $T/r/state
rules: [$SPOOR_SOURCE_ROOT/conf/leads.d]
$LIMITS
YAML
"$SPOORD" --replay -c "$T/replay.yml" "$T/all.jsonl.0" "$T/all.jsonl.1" > "$T/replay.log" 2>&1 ||
	{ cat "$T/replay.log"; fail "replay failed"; }
leads() { jq -c 'select(.type == "lead" and .kind == "match") | del(.emitted)' "$1" | sort; }
leads "$T/spool/leads.jsonl" > "$T/live.leads"
leads "$T/r/spool/leads.jsonl" > "$T/replay.leads"
[ -s "$T/replay.leads" ] || fail "the replay wrote no leads"
echo "leads: $(wc -l < "$T/live.leads") live, $(wc -l < "$T/replay.leads") replayed"
diff "$T/live.leads" "$T/replay.leads" > "$T/diff" || { head -c 2000 "$T/diff"; fail "live and replayed leads differ"; }
echo "PASS"
