#!/bin/sh
# Run the clang libFuzzer binaries built by tests/fuzz/meson.build.
#
#   tests/fuzz/run-fuzzers.sh DURATION_SECONDS BUILD_DIR [HARNESS...]
#
# Each fuzzer runs for DURATION seconds over a copy of its seed corpus
# (tests/fuzz/corpus/<name>/ is never written), with its dictionary
# (tests/fuzz/dict/<name>.dict) when there is one and an input size bound
# suited to its parser (max_len below).  SPOOR_FUZZ_JOBS fuzzers run at a
# time (default 1; CI uses 2 on its 2 cores).  SPOOR_FUZZ_KEEP_GOING=1 runs
# each in libFuzzer's fork mode and goes on after a crash (every crash input
# is kept; for a long run over a target with a known, unfixed finding).
# Exit 0 when nothing crashed,
# 1 on any crash, leak or sanitizer report (the crashing input's path is
# printed: replay it with `BUILD_DIR/tests/fuzz/<name>-replay FILE`, shrink
# it with `BUILD_DIR/tests/fuzz/<name> -minimize_crash=1 -runs=10000 FILE`,
# then keep it as tests/fuzz/corpus/<name>/regress-<what>), 77 when the
# fuzzers are not built (gcc build, or no clang).  The work directory
# (corpora grown by the run, logs, crash inputs) is kept and printed at the
# end; each harness's line gives libFuzzer's executions and coverage.
#
# Build:  CC=clang meson setup build-fuzz -Db_sanitize=address,undefined \
#             -Db_lundef=false -Dbuildtype=debug && ninja -C build-fuzz
set -u

usage() {
        echo "usage: $0 DURATION_SECONDS BUILD_DIR [HARNESS...]" >&2
        exit 2
}

[ $# -ge 2 ] || usage
duration=$1
build=$2
shift 2
case $duration in
''|*[!0-9]*) usage ;;
esac
jobs=${SPOOR_FUZZ_JOBS:-1}
case $jobs in
''|*[!0-9]*|0) echo "$0: SPOOR_FUZZ_JOBS must be a positive number" >&2; exit 2 ;;
esac

srcdir=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz
if [ $# -gt 0 ]; then
        harnesses=$*
else
        # every harness that has a seed corpus
        harnesses=$(cd "$srcdir/corpus" && ls -d fuzz_* | tr '\n' ' ')
fi

# The largest input worth trying per harness: a bit above what its parser
# is bounded to look at, so the bounds themselves are exercised.
max_len() {
        case $1 in
        fuzz_syslog|fuzz_sigma_cond|fuzz_tls_peer|fuzz_re_literal) echo 4096 ;;
        fuzz_config|fuzz_record) echo 8192 ;;
        fuzz_decode|fuzz_flatscan|fuzz_yaml|fuzz_sigma_load) echo 16384 ;;
        fuzz_taskxml) echo 32768 ;;
        *) echo 65536 ;;
        esac
}

found=0
for h in $harnesses; do
        [ -x "$bindir/$h" ] && found=$((found + 1))
done
if [ "$found" -eq 0 ]; then
        echo "SKIP: no libFuzzer binaries in $bindir (configure the build with CC=clang)" >&2
        exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/spoor-fuzz.XXXXXX") || exit 1
# UBSan only reports and goes on by default: make undefined behaviour a crash.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

# fuzz_one NAME: run one fuzzer; its exit status in $work/NAME/rc
fuzz_one() {
        h=$1
        mkdir -p "$work/$h/corpus" "$work/$h/crashes"
        if [ -d "$srcdir/corpus/$h" ]; then
                cp -R "$srcdir/corpus/$h/." "$work/$h/corpus/"
        fi
        dict=
        [ -f "$srcdir/dict/$h.dict" ] && dict="-dict=$srcdir/dict/$h.dict"
        fork=
        [ "${SPOOR_FUZZ_KEEP_GOING:-0}" = 1 ] &&
                fork="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
        # shellcheck disable=SC2086
        "$bindir/$h" -max_total_time="$duration" -max_len="$(max_len "$h")" -timeout=10 \
                -rss_limit_mb=2048 -print_final_stats=1 $dict $fork \
                -artifact_prefix="$work/$h/crashes/" "$work/$h/corpus" \
                >"$work/$h/log" 2>&1
        echo $? >"$work/$h/rc"
}

report() {
        h=$1
        rc=$(cat "$work/$h/rc" 2>/dev/null || echo 1)
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h/log" | tail -n 1)
        # fork mode prints no final stats: its last status line counts the runs
        [ -n "$runs" ] || runs=$(grep -E '^#[0-9]+' "$work/$h/log" | tail -n 1 | sed -n 's/^#\([0-9]*\).*/\1/p')
        cov=$(grep -E '^#[0-9]+' "$work/$h/log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
        ncrash=$(find "$work/$h/crashes" -type f | wc -l)
        [ "$ncrash" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
        if [ "$rc" -ne 0 ]; then
                status=1
                echo "$h: CRASH (exit $rc, $ncrash crash inputs) after ${runs:-?} runs, ${cov:-cov ?}; log: $work/$h/log"
                grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant violated|.*runtime error)' "$work/$h/log" | head -n 5
                for f in "$work/$h/crashes"/*; do
                        [ -e "$f" ] && echo "$h: crash input saved to $f"
                done
        else
                echo "$h: ok, ${runs:-?} runs in ${duration}s, ${cov:-cov ?}, corpus $(ls "$work/$h/corpus" | wc -l) inputs"
        fi
}

status=0
batch=
n=0
for h in $harnesses; do
        if [ ! -x "$bindir/$h" ]; then
                echo "$h: not built, skipped" >&2
                continue
        fi
        echo "== $h: ${duration}s"
        fuzz_one "$h" &
        batch="$batch $h"
        n=$((n + 1))
        if [ "$n" -ge "$jobs" ]; then
                wait
                for b in $batch; do report "$b"; done
                batch=
                n=0
        fi
done
wait
for b in $batch; do report "$b"; done
echo "work directory: $work"
exit $status
