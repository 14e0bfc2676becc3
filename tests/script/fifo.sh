#!/usr/bin/env bash
# fifo.sh - inputs that are not regular files (issue 8 item 4) are read once, whole,
# in the order given, with no peek at their first lines: a FIFO, bash process
# substitution <(...), /dev/fd/N, with and without the history store. And the
# peek that orders regular files by their first time counts no problem: a file
# that starts with unreadable lines reports each of them once.
# Usage: fifo.sh BOUNCESCOPE
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require timeout "a bound on a run that would hang"
BIN=${1:?usage: fifo.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }
LOG=$SRC/examples/postfix-rfc3339.log
rows() { timeout 30 "$BIN" scan --no-db --no-dns --format csv --detail "$@" | wc -l; }

want=$(rows "$LOG")
[ "$want" -gt 1 ] || bad "the reference scan found no events"
got=$(rows <(cat "$LOG"))
[ "$got" = "$want" ] || bad "process substitution: got $got rows, want $want"
mkfifo "$T/fifo"
(cat "$LOG" > "$T/fifo" &)
got=$(rows "$T/fifo")
[ "$got" = "$want" ] || bad "fifo: got $got rows, want $want"
exec 3< "$LOG"
got=$(rows /dev/fd/3)
exec 3<&-
[ "$got" = "$want" ] || bad "/dev/fd/3: got $got rows, want $want"
echo "event rows: file $want, <(...) / fifo / /dev/fd: read whole"

# two inputs, the FIFO first: the given order is kept (no peek), both read whole
head -n 8 "$LOG" > "$T/first.log"
tail -n +9 "$LOG" > "$T/rest.log"
(cat "$T/first.log" > "$T/fifo" &)
got=$(rows "$T/fifo" "$T/rest.log")
[ "$got" = "$want" ] || bad "fifo then file: got $got rows, want $want"

# with the store: read once, the events stored, the FIFO not taken for a stream
(cat "$LOG" > "$T/fifo" &)
timeout 30 "$BIN" scan --db "$T/h.db" --no-dns -q "$T/fifo" > /dev/null || bad "scan --db of a fifo failed"
got=$(timeout 30 "$BIN" report --db "$T/h.db" --no-dns --format csv --detail | wc -l)
[ "$got" = "$want" ] || bad "fifo into the store: report has $got rows, want $want"

# the peek counts nothing: lines before the first readable header (NUL, invalid
# UTF-8, CR LF) are each reported once
printf 'junk\000line\r\nbad \377 bytes\n' > "$T/unreadable.log"
cat "$LOG" >> "$T/unreadable.log"
timeout 30 "$BIN" scan --no-db --no-dns --format json "$T/unreadable.log" "$LOG" > "$T/p.json"
python3 - "$T/p.json" <<'EOF' || bad "problems before the first header are counted more than once"
import json, sys
kinds = {p["kind"]: p["count"] for p in json.load(open(sys.argv[1]))["problems"]}
print("problems:", kinds)
sys.exit(0 if kinds.get("nul_bytes") == 1 and kinds.get("invalid_utf8") == 1 and kinds.get("crlf") == 1
         and kinds.get("unknown_format") == 2 else 1)
EOF

[ $fail = 0 ] && echo "fifo: all passed"
exit $fail
