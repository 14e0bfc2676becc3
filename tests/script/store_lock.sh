#!/usr/bin/env bash
# store_lock.sh - a busy or damaged history database gives a clear error
# (exit status 4) and is left byte for byte as it was:
#   - another scan holds the run lock (flock on DB.lock)
#   - another program holds an SQLite write transaction
#   - the file is not SQLite at all; the file is SQLite with a damaged page
# Usage: store_lock.sh BOUNCESCOPE   (BS_STORE_BIN overrides, for a driver)
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "holding the locks"
BIN=${BS_STORE_BIN:-${1:?usage: store_lock.sh BOUNCESCOPE}}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LOG=$SRC/examples/maillog
fail=0
bad() { echo "FAIL $*"; fail=1; }
# wait_for FILE - until a lock holder says it holds the lock (at most 20 s)
wait_for() {
    for _ in $(seq 200); do [ -e "$1" ] && return; sleep 0.1; done
    bad "the lock holder did not start"
}

# expect NAME DB WORDS CMD... - CMD exits 4, says WORDS, and DB is unchanged
expect() {
    local name=$1 db=$2 words=$3
    shift 3
    local before; before=$(md5sum < "$db")
    "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    [ $rc = 4 ] || bad "$name: exit status got $rc, want 4"
    grep -q -- "$words" "$T/err" || bad "$name: stderr got '$(head -c 300 "$T/err")', want '$words'"
    [ "$(md5sum < "$db")" = "$before" ] || bad "$name: the database file changed"
}

"$BIN" scan --db "$T/h.db" --no-dns -q "$LOG" > /dev/null
if [ ! -f "$T/h.db" ]; then
    echo "FAIL: scan --db wrote no database ($T/h.db): the store failed to open"
    exit 1
fi

# another run holds the run lock
python3 -c "
import fcntl, sys, time
f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], 'w').close(); time.sleep(6)" \
    "$T/h.db.lock" "$T/ready1" &
holder=$!
wait_for "$T/ready1"
expect "run lock" "$T/h.db" "in use by another bouncescope run" "$BIN" scan --db "$T/h.db" --no-dns "$LOG"
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null

# another program holds an SQLite write transaction
python3 - "$T/h.db" "$T/ready2" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN IMMEDIATE')
c.execute('INSERT INTO runs(started) VALUES(1)')
open(sys.argv[2], 'w').close()
time.sleep(6)
EOF
holder=$!
wait_for "$T/ready2"
expect "sqlite lock" "$T/h.db" "database is locked" "$BIN" scan --db "$T/h.db" --no-dns "$LOG"
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null
# a reader is not blocked by a writer (WAL)
"$BIN" report --db "$T/h.db" --no-dns > /dev/null || bad "report on an idle store failed"

# not SQLite
echo "these are my notes, not a database" > "$T/notes.db"
expect "not sqlite" "$T/notes.db" "not a bouncescope database" "$BIN" scan --db "$T/notes.db" --no-dns "$LOG"
expect "not sqlite (report)" "$T/notes.db" "not a bouncescope database" "$BIN" report --db "$T/notes.db"

# a damaged page (page 4 overwritten): the writer's check finds it before writing
cp "$T/h.db" "$T/bad.db"
python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); f.seek(4096 * 3); f.write(b'\x0d' * 4096); f.close()" "$T/bad.db"
expect "damaged page" "$T/bad.db" "damaged" "$BIN" scan --db "$T/bad.db" --no-dns "$LOG"
expect "damaged page (report)" "$T/bad.db" "damaged" "$BIN" report --db "$T/bad.db" --no-dns
# a damaged header page
cp "$T/h.db" "$T/bad2.db"
python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); f.seek(100); f.write(b'\xff' * 3000); f.close()" "$T/bad2.db"
expect "damaged schema" "$T/bad2.db" "damaged" "$BIN" scan --db "$T/bad2.db" --no-dns "$LOG"

# no database yet: report says so
"$BIN" report --db "$T/none.db" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 4 ] || bad "missing db: exit status got $rc, want 4"
grep -q "no history database yet" "$T/err" || bad "missing db: stderr got '$(cat "$T/err")'"
[ -e "$T/none.db" ] && bad "missing db: report created the file"

[ $fail = 0 ] && echo "store_lock: all passed"
exit $fail
