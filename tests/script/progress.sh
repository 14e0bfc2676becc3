#!/usr/bin/env bash
# progress.sh - the progress line (bytes, lines/s, time left) appears only on a
# terminal: under a pseudo-terminal (`script`) a scan slow enough to be seen
# shows it on stderr; the same scan with stderr in a file or a pipe (cron, a
# redirect), or with --quiet on the terminal, shows none. The input is held back
# for a moment by `sleep`, so the run lasts long enough on any machine.
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require script "a pseudo-terminal for the scan (package bsdutils)"
require python3 "the log generator"
BIN=${1:?usage: progress.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

python3 "$SRC/bench/genmaillog.py" --mta postfix --lines 60000 --seed 7 > "$T/log"
# slow - the log with a pause after its first part (progress ticks come with lines)
cat > "$T/slow" <<SH
#!/bin/sh
head -n 20000 "$T/log"; sleep 1.2; tail -n +20001 "$T/log"
SH
chmod +x "$T/slow"

# on a terminal: stderr is the pty, captured by script into its output
script -qec "$T/slow | '$BIN' scan --no-db --no-dns - > '$T/report.tty'" /dev/null > "$T/tty.out" 2>&1
grep -q 'lines/s' "$T/tty.out" || { bad "no progress line on a terminal:"; head -c 400 "$T/tty.out"; echo; }
grep -q 'bouncescope: (stdin)' "$T/tty.out" || bad "the progress line does not name the input"
grep -q 'lines/s' "$T/report.tty" && bad "the progress line went into the report (stdout)"


# not a terminal: stderr to a file, as in cron
"$T/slow" | "$BIN" scan --no-db --no-dns - > /dev/null 2> "$T/err.file"
grep -q 'lines/s' "$T/err.file" && bad "progress written to a file (stderr not a terminal)"
# stderr a pipe
"$T/slow" | "$BIN" scan --no-db --no-dns - 2>&1 > /dev/null | cat > "$T/err.pipe"
grep -q 'lines/s' "$T/err.pipe" && bad "progress written to a pipe"
# --quiet on a terminal
script -qec "$T/slow | '$BIN' scan --quiet --no-db --no-dns - > /dev/null" /dev/null > "$T/quiet.out" 2>&1
grep -q 'lines/s' "$T/quiet.out" && bad "progress shown with --quiet"

if [ $fail -ne 0 ]; then
    echo "progress: $fail failed"
    exit 1
fi
echo "progress: all passed"
