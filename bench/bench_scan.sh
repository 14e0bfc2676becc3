#!/usr/bin/env bash
# bench_scan.sh - the scan benchmark (not a test): a ~1 GB Postfix log from the
# generator, then `bouncescope scan` (parse, correlate, classify, group, report)
# timed next to `grep -c 'status=\(deferred\|bounced\)'` on the same file, with
# peak RSS from /usr/bin/time. Prints MB/s, lines/s and peak RSS.
#
#   bench/bench_scan.sh [BOUNCESCOPE] [MB] [MTA]     defaults: build/bouncescope 1024 postfix
# The log is kept in bench/out/ and reused while its size and MTA match.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/bouncescope}
MB=${2:-1024}
MTA=${3:-postfix}
mkdir -p bench/out
LOG=bench/out/$MTA-$MB.log
if [ ! -s "$LOG" ]; then
    echo "generating $LOG (${MB} MiB, $MTA)..." >&2
    python3 bench/genmaillog.py --mta "$MTA" --mb "$MB" --seed 11 > "$LOG"
fi
bytes=$(stat -c %s "$LOG")
lines=$(wc -l < "$LOG")
cat "$LOG" > /dev/null # page cache: both runs read from memory

measure() { # label command...
    local label=$1
    shift
    local t0 t1 rss
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o bench/out/rss "$@" > bench/out/last.out
    t1=$(date +%s.%N)
    rss=$(cat bench/out/rss)
    python3 - "$label" "$t0" "$t1" "$bytes" "$lines" "$rss" <<'PY'
import sys
label, t0, t1, b, l, rss = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = t1 - t0
print("%-28s %7.2f s  %8.1f MB/s  %10.0f lines/s  peak RSS %6.1f MB" % (label, s, b / 1e6 / s, l / s, rss / 1024))
PY
}
echo "input: $LOG, $((bytes / 1000000)) MB, $lines lines; $(nproc) cores; $(uname -m)"
measure "grep -c (baseline)" grep -c 'status=\(deferred\|bounced\)' "$LOG"
measure "bouncescope scan (text)" "$BIN" scan --no-db --no-dns "$LOG"
measure "bouncescope scan (csv)" "$BIN" scan --no-db --no-dns --format csv "$LOG"
measure "bouncescope scan (html)" "$BIN" scan --no-db --no-dns --format html -o bench/out/report.html "$LOG"
