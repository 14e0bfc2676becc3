#!/usr/bin/env bash
# bench_nightly.sh - the history store's benchmark (not a test): a first run over a
# ~1 GB Postfix log into a fresh database, then the same log with ~10 MB appended:
# the nightly run must read only the new part. Prints both times and bytes read.
#
#   bench/bench_nightly.sh [BOUNCESCOPE] [MB]     defaults: build/bouncescope 1024
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/bouncescope}
MB=${2:-1024}
mkdir -p bench/out
BASE=bench/out/postfix-$MB.log
[ -s "$BASE" ] || python3 bench/genmaillog.py --mta postfix --mb "$MB" --seed 11 > "$BASE"
LOG=bench/out/nightly.log
DB=bench/out/nightly.db
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$BASE" "$LOG"
python3 bench/genmaillog.py --mta postfix --mb 10 --seed 12 > bench/out/append.log
run() { # label
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o bench/out/rss "$BIN" scan --db "$DB" --no-dns -q "$LOG" > /dev/null
    t1=$(date +%s.%N)
    python3 -c 'import sys; print("%-34s %6.2f s  peak RSS %5.1f MB  log %6.0f MB" % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4]) / 1024, int(sys.argv[5]) / 1e6))' \
        "$1" "$t0" "$t1" "$(cat bench/out/rss)" "$(stat -c %s "$LOG")"
}
run "first run (whole log, new db)"
cat bench/out/append.log >> "$LOG"
run "nightly run (10 MB appended)"
run "run with nothing new"
echo "database: $(( $(stat -c %s "$DB") / 1000000 )) MB"
