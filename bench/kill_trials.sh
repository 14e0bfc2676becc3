#!/usr/bin/env bash
# kill_trials.sh - the history store survives kill -9 at any moment (not a test:
# too long for CI; tests/script/store_history.sh runs five short trials).
#
# A generated Postfix log (default 100 MB) is scanned once with --no-db: the
# reference, its event CSV (--detail, every column: sender, attempts and
# message-id need the queue state kept across runs). Then TRIALS times: a fresh
# database, `scan --db` killed with SIGKILL at a random moment of its run (up to
# the time a whole run takes), then a run that is let to finish; `report --format
# csv --detail` of that database must equal the reference byte for byte, and the
# delivered count must match. Prints each failure and the figure.
#
#   bench/kill_trials.sh [BOUNCESCOPE] [TRIALS] [MB]    defaults: build/bouncescope 100 100
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/bouncescope}
TRIALS=${2:-100}
MB=${3:-100}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=30
mkdir -p bench/out
LOG=bench/out/postfix-$MB.log
if [ ! -s "$LOG" ]; then
    echo "generating $LOG (${MB} MiB)..." >&2
    python3 bench/genmaillog.py --mta postfix --mb "$MB" --seed 11 > "$LOG"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sent() { "$BIN" report --db "$1" --no-dns --since 2000-01-01 | sed -n 's/^Deliveries: \([0-9,]*\) sent.*/\1/p' | tr -d ,; }

"$BIN" scan --no-db --no-dns --format csv --detail "$LOG" > "$T/ref.csv"
t0=$(date +%s.%N)
"$BIN" scan --db "$T/full.db" --no-dns -q "$LOG" > /dev/null
t1=$(date +%s.%N)
whole_ms=$(python3 -c "print(int((${t1} - ${t0}) * 1000))")
"$BIN" report --db "$T/full.db" --no-dns --since 2000-01-01 --format csv --detail > "$T/full.csv"
cmp -s "$T/ref.csv" "$T/full.csv" || { echo "the uninterrupted --db run differs from --no-db: stop"; exit 1; }
ref_sent=$(sent "$T/full.db")
events=$(($(wc -l < "$T/ref.csv") - 1))
echo "input: $LOG, $(wc -l < "$LOG") lines, $events events; a whole --db run takes $whole_ms ms"

same=0 killed=0 bad=0
for i in $(seq "$TRIALS"); do
    rm -f "$T/k.db"*
    at=$((RANDOM * 32768 + RANDOM))
    at=$((at % whole_ms))
    "$BIN" scan --db "$T/k.db" --no-dns -q "$LOG" > /dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
    kill -9 "$pid" 2> /dev/null && killed=$((killed + 1))
    wait "$pid" 2> /dev/null
    "$BIN" scan --db "$T/k.db" --no-dns -q "$LOG" > /dev/null 2> "$T/err" || { echo "trial $i: the finishing run failed: $(cat "$T/err")"; }
    "$BIN" report --db "$T/k.db" --no-dns --since 2000-01-01 --format csv --detail > "$T/k.csv"
    s=$(sent "$T/k.db")
    if cmp -s "$T/ref.csv" "$T/k.csv" && [ "$s" = "$ref_sent" ]; then
        same=$((same + 1))
    else
        bad=$((bad + 1))
        echo "trial $i (killed after $at ms): events or sent ($s, want $ref_sent) differ:"
        diff "$T/ref.csv" "$T/k.csv" | head -4 | sed 's/^/    /'
    fi
done
echo "kill -9 trials: $same of $TRIALS identical to one --no-db scan ($killed killed before they finished, $bad differ)"
[ $bad = 0 ]
