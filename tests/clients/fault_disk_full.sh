#!/usr/bin/env bash
# The spool's disk fills up while events stream in (issue 9, faults).
#
# As root the spool is a 32 MiB tmpfs, filled with a filler file and freed
# by removing it (a real ENOSPC, short writes included); otherwise (or when
# mount is not allowed, or FAULT_DISK_MODE=strace) strace attaches to spoord
# and makes every write(2) to leads.jsonl fail with ENOSPC until it detaches.
# Checked, while the disk is full:
#   - write errors are counted (spoor_spool_write_errors_total) and logged;
#   - ingestion goes on: received and accepted keep rising, the conservation
#     law holds;
#   - leads.jsonl keeps only whole lines (a short write is cut back);
#   - POST /v1/events answers 503 with Retry-After: the records are not durable;
# and when space returns:
#   - the queued records are written ("writing again" in the log), in full:
#     lines in leads.jsonl = spoor_leads_total, nothing dropped;
#   - the resent HTTP batch gets 200, and only its leads appear twice, under
#     the same ids (at-least-once);
# and when more records wait than the queue holds (4,096): the rest are
# dropped and counted, exactly: lines = leads_total - spoor_spool_dropped_total.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
need curl; need jq; need socat
LEADS="$T/spool/leads.jsonl"
MODE=${FAULT_DISK_MODE:-}
MOUNTED=
STRACE_PID=
fault_cleanup() {
	[ -n "$STRACE_PID" ] && kill -INT "$STRACE_PID" 2>/dev/null && wait "$STRACE_PID" 2>/dev/null
	[ -n "$SPOORD_PID" ] && kill -9 "$SPOORD_PID" 2>/dev/null && wait "$SPOORD_PID" 2>/dev/null
	SPOORD_PID=
	[ -n "$MOUNTED" ] && { umount "$T/spool" 2>/dev/null || umount -l "$T/spool"; }
	cleanup
}
trap fault_cleanup EXIT

mkdir -p "$T/spool"
if [ -z "$MODE" ]; then
	MODE=strace
	if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=32m,mode=0750 spoor-test "$T/spool" 2>/dev/null; then
		MODE=tmpfs
		MOUNTED=1
	fi
fi
if [ "$MODE" = strace ]; then
	need strace
	strace -o /dev/null -e trace=write true 2>/dev/null || skip "strace cannot trace here (ptrace not permitted)"
fi
echo "disk full by: $MODE"

disk_full() {
	if [ "$MODE" = tmpfs ]; then
		dd if=/dev/zero of="$T/spool/filler" bs=4k 2>/dev/null
		[ "$(df --output=avail -k "$T/spool" | tail -n1 | tr -d ' ')" = 0 ] || fail "test bug: the tmpfs is not full"
	else
		strace -f -p "$SPOORD_PID" -o /dev/null -e trace=write -e inject=write:error=ENOSPC \
			-P "$LEADS" 2> "$T/strace.err" &
		STRACE_PID=$!
		wait_until 10 grep -qs attached "$T/strace.err" || fail "strace did not attach: $(cat "$T/strace.err")"
	fi
}
disk_free() {
	if [ "$MODE" = tmpfs ]; then
		rm -f "$T/spool/filler"
	else
		kill -INT "$STRACE_PID"
		wait "$STRACE_PID" 2>/dev/null
		STRACE_PID=
	fi
}
send() { socat -u - "TCP:127.0.0.1:$PORT"; }
post() {   # post FILE: the HTTP status of POST /v1/events; the body in $T/post.out, headers in $T/post.hdr
	curl -sS -o "$T/post.out" -D "$T/post.hdr" -w '%{http_code}' --data-binary "@$1" "http://$HTTP/v1/events"
}
leads_total() { curl -fsS "http://$HTTP/metrics" | awk '$1 ~ /^spoor_leads_total\{/ { s += $2 } END { print s + 0 }'; }

copy_rules "$T/rules" process-creation
start_spoord "rules: [$T/rules]
coverage:
  interval: 1h"
live_events 20 4 1 | send
wait_metric spoor_events_accepted_total "" 20
wait_eq 5 20 spool_count "$LEADS" || fail "the first 20 leads are not on disk"

# ---- 1. full ----------------------------------------------------------------
disk_full
live_events 600 4 6 > "$T/batch1"
send < "$T/batch1"
wait_metric spoor_events_accepted_total "" 620
wait_until 5 metric_ge spoor_spool_write_errors_total "" 1 || fail "no write error counted while the disk is full"
log_has "spool $T/spool/leads.jsonl: write failed: No space left on device; records wait for a retry" ||
	fail "the write error is not logged"
# ingestion continues
live_events 300 4 156 | send
wait_metric spoor_events_accepted_total "" 920
check_balance
check_spool_lines "$LEADS"
on_disk=$(spool_count "$LEADS")
[ "$on_disk" -lt 920 ] || fail "all 920 leads are on disk: the disk was not full ($MODE)"
# the acknowledged path refuses to acknowledge
live_events 3 1 1 http > "$T/http.ndjson"
code=$(post "$T/http.ndjson")
[ "$code" = 503 ] || fail "POST /v1/events answered $code while the spool cannot write, expected 503: $(cat "$T/post.out")"
grep -qi '^Retry-After:' "$T/post.hdr" || fail "the 503 has no Retry-After"
[ "$(metric spoor_http_batches_total 'result="failed"')" = 1 ] || fail "the failed batch is not counted"
errors=$(metric spoor_spool_write_errors_total)
[ "$(metric spoor_spool_dropped_total)" = 0 ] || fail "records dropped while the queue had room"
echo "full: $on_disk of $(leads_total) leads on disk, $errors write errors, POST 503, ingestion on"

# ---- 2. space returns ---------------------------------------------------------
disk_free
wait_until 5 log_has "spool $T/spool/leads.jsonl: writing again; [0-9]+ queued records written" ||
	fail "no 'writing again' after space returned"
total=$(leads_total)
wait_eq 5 "$total" spool_count "$LEADS" || fail "after recovery leads.jsonl holds $(spool_count "$LEADS") lines, spoor_leads_total is $total"
check_spool_lines "$LEADS"
code=$(post "$T/http.ndjson")
[ "$code" = 200 ] || fail "the resent batch got $code after recovery: $(cat "$T/post.out")"
jq -e '.result == "ok" and .events == 3 and .leads == 3' "$T/post.out" >/dev/null || fail "unexpected answer: $(cat "$T/post.out")"
# at-least-once: the three leads of the batch refused with 503 were written
# once the queue drained and again for the resend, under the same ids
dups=$(dup_lead_ids "$LEADS" | sort)
want=$(jq -r 'select(.host | startswith("http-")) | .id' "$LEADS" | sort -u)
[ "$(wc -l <<<"$want")" = 3 ] || fail "expected the leads of 3 HTTP events, got: $want"
[ "$dups" = "$want" ] || fail "duplicate ids are not exactly the resent batch's: $dups"
check_balance
echo "recovered: $total leads on disk, the resent batch acknowledged"

# ---- 3. more than the queue holds: dropped, counted ---------------------------
disk_full
before=$(spool_count "$LEADS")
live_events 5000 10 1 ov | send
wait_metric spoor_events_accepted_total "" 5926
wait_until 5 metric_ge spoor_spool_dropped_total "" 1 || fail "nothing dropped with 5,000 records for a 4,096-record queue"
log_has "retry queue full \(4096 records" || fail "the full queue is not logged"
disk_free
wait_eq 5 2 grep -c "spool $T/spool/leads.jsonl: writing again" "$T/spoord.log" ||
	fail "the queued records were not written after the second recovery"
total=$(leads_total)
dropped=$(metric spoor_spool_dropped_total)
sleep 0.5
lines=$(spool_count "$LEADS")
check_spool_lines "$LEADS"
[ "$lines" = $((total - dropped)) ] || fail "leads.jsonl holds $lines lines; leads_total $total - dropped $dropped = $((total - dropped))"
[ $((lines - before)) -ge 4096 ] || fail "fewer than the queue's 4,096 records were written after recovery"
check_balance
alive
stop_spoord || fail "spoord did not exit 0"
check_spool_lines "$LEADS"
[ -s "$T/spool/gaps.jsonl" ] && echo "gaps: $(jq -r 'select(.state == "open") | .kind + " " + .host' "$T/spool/gaps.jsonl" | sort | uniq -c | tr -s ' \n' ' ')"
echo "overflow: $dropped of 5000 dropped and counted; $lines lines = $total - $dropped"
echo "PASS"
