#!/bin/bash
# tests/fuzz/run.sh HARNESS CORPUS SECONDS [libFuzzer options...]
#
# Fuzz one harness for SECONDS from its seed corpus and fail on any crash,
# hang (-timeout), memory blow-up (-rss_limit_mb) or sanitizer report. New
# inputs go to a scratch directory, never into the committed corpus; an input
# that fails is kept under $BS_BINARY_DIR/fuzz-artifacts/ (or $TMPDIR's) and
# printed in hex, to be added to the corpus once fixed.
# CTest runs it for every harness of a -DBS_FUZZ=ON build; run it by hand to
# fuzz longer (HACKING.md, "Fuzzing").
set -u
bin=${1:?usage: run.sh HARNESS CORPUS SECONDS [options]}
corpus=${2:?}
secs=${3:?}
shift 3
if [ ! -x "$bin" ]; then
    echo "FAIL: no harness $bin (build with CC=clang -DBS_FUZZ=ON)"
    exit 1
fi
if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    echo "FAIL: the seed corpus $corpus is missing or empty"
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
name=$(basename "$bin")
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" "$@" "$work/new" "$corpus" >"$work/log" 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' "$work/log" |
    sed "s/^/$name: /"
found=$(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
if [ $rc -ne 0 ] || [ -n "$found" ]; then
    echo "FAIL: $name exited $rc; the end of its log:"
    tail -n 60 "$work/log"
    keep=${BS_BINARY_DIR:-${TMPDIR:-/tmp}}/fuzz-artifacts
    mkdir -p "$keep"
    for f in $found; do
        cp "$work/$f" "$keep/$name-$f"
        echo "input kept as $keep/$name-$f:"
        od -A d -t x1 -v "$work/$f" | head -n 40
    done
    exit 1
fi
echo "$name: no crash in $secs s"
exit 0
