#!/usr/bin/env bash
# bench_nightly.sh - the history store's benchmark (not a test): a first run over a
# ~1 GB Postfix log into a fresh database, then the same log with ~10 MB appended:
# the nightly run must read only the new part; then logrotate moves the log away and a
# new one starts with another 10 MB (a new stream: its lines are checked against the
# history's line keys). Prints wall and CPU (user + system) times and bytes read: on a
# shared machine the CPU time is the steadier figure.
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
rm -f "$DB" "$DB-wal" "$DB-shm" "$LOG.1"
cp "$BASE" "$LOG"
python3 bench/genmaillog.py --mta postfix --mb 10 --seed 12 > bench/out/append.log
python3 bench/genmaillog.py --mta postfix --mb 10 --seed 13 > bench/out/append2.log
run() { # label [files...]
    local label=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o bench/out/rss "$BIN" scan --db "$DB" --no-dns -q "${@:-$LOG}" > /dev/null
    t1=$(date +%s.%N)
    python3 -c 'import sys; m, u, s = sys.argv[4].split(); print("%-34s %6.2f s  cpu %6.2f s  peak RSS %5.1f MB  log %6.0f MB" % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2]), float(u) + float(s), int(m) / 1024, int(sys.argv[5]) / 1e6))' \
        "$label" "$t0" "$t1" "$(cat bench/out/rss)" "$(stat -c %s "$LOG")"
}
run "first run (whole log, new db)"
cat bench/out/append.log >> "$LOG"
run "nightly run (10 MB appended)"
run "run with nothing new"
mv "$LOG" "$LOG.1"
cp bench/out/append2.log "$LOG"
run "after rotation (a new 10 MB log)" "$LOG.1" "$LOG"
echo "database: $(( $(stat -c %s "$DB") / 1000000 )) MB"
