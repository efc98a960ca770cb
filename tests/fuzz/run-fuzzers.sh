#!/bin/sh
# Run the clang libFuzzer binaries built by tests/fuzz/meson.build.
#
#   tests/fuzz/run-fuzzers.sh DURATION_SECONDS BUILD_DIR [HARNESS...]
#
# Each fuzzer runs for DURATION seconds over a copy of its seed corpus
# (tests/fuzz/corpus/<name>/ is never written).  Exit 0 when nothing
# crashed, 1 on any crash (the crashing input's path is printed: replay it
# with `BUILD_DIR/tests/fuzz/<name>-replay FILE`), 77 when the fuzzers are
# not built (gcc build, or no clang).  The work directory (corpora grown by
# the run, logs, crash inputs) is kept and printed at the end.
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

srcdir=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz
if [ $# -gt 0 ]; then
        harnesses=$*
else
        # every harness that has a seed corpus
        harnesses=$(cd "$srcdir/corpus" && ls -d fuzz_* | tr '\n' ' ')
fi

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

status=0
for h in $harnesses; do
        if [ ! -x "$bindir/$h" ]; then
                echo "$h: not built, skipped" >&2
                continue
        fi
        mkdir -p "$work/$h/corpus" "$work/$h/crashes"
        if [ -d "$srcdir/corpus/$h" ]; then
                cp -R "$srcdir/corpus/$h/." "$work/$h/corpus/"
        fi
        echo "== $h: ${duration}s"
        "$bindir/$h" -max_total_time="$duration" -max_len=65536 -timeout=10 \
                -rss_limit_mb=2048 -print_final_stats=1 \
                -artifact_prefix="$work/$h/crashes/" "$work/$h/corpus" \
                >"$work/$h/log" 2>&1
        rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h/log" | tail -n 1)
        if [ "$rc" -ne 0 ]; then
                status=1
                echo "$h: CRASH (exit $rc) after ${runs:-?} runs; log: $work/$h/log"
                grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant violated|.*runtime error)' "$work/$h/log" | head -n 5
                for f in "$work/$h/crashes"/*; do
                        [ -e "$f" ] && echo "$h: crash input saved to $f"
                done
        else
                echo "$h: ok, ${runs:-?} runs, corpus $(ls "$work/$h/corpus" | wc -l) inputs"
        fi
done
echo "work directory: $work"
exit $status
