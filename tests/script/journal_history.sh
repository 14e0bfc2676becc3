#!/usr/bin/env bash
# journal_history.sh - the systemd journal as a nightly input, exactly once:
#   1. a Postfix log written into a real journal file (systemd-journal-remote, from
#      journal export format) in three appends, `scan --journal-file` after each,
#      runs killed with SIGKILL at random moments and run again: the history holds
#      exactly the events and deliveries of one `scan --no-db` of the same lines as
#      a file (every column but file and line; times print alike: both in TZ);
#   2. the journal vacuumed (the stored cursor gone): the run says so, reads the
#      entries after the stored time, and counts nothing twice;
#   3. the same lines from rsyslog's file and from the journal: stored once;
#   4. with no file given and no mail log under /var/log, `scan` reads the journal
#      (said on stderr).
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the log generator and the export format"
REMOTE=/lib/systemd/systemd-journal-remote
if [ ! -x "$REMOTE" ]; then
    echo "FAIL: $REMOTE is missing (apt-get install systemd-journal-remote; ./bootstrap.sh test installs it)"
    exit 1
fi
BIN=${1:?usage: journal_history.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# export FILE... - RFC 3339 syslog lines -> journal export format on stdout
export_format() {
    python3 - "$@" <<'PY'
import datetime, re, sys
line = re.compile(r"^(\S+) (\S+) ([^\[:]+)\[(\d+)\]: (.*)$")
for path in sys.argv[1:]:
    for l in open(path, encoding="utf-8", errors="surrogateescape"):
        m = line.match(l.rstrip("\n"))
        if not m:
            continue
        t = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        us = int(t.timestamp()) * 1000000 + t.microsecond
        sys.stdout.write("__REALTIME_TIMESTAMP=%d\n_HOSTNAME=%s\nSYSLOG_IDENTIFIER=%s\n_PID=%s\nMESSAGE=%s\n\n"
                         % (us, m.group(2), m.group(3), m.group(4), m.group(5)))
PY
}
# append JOURNAL PART - add the lines of PART to the journal file
append() {
    export_format "$2" > "$T/part.export"
    "$REMOTE" --output="$1" "$T/part.export" 2> "$T/remote.err" || { bad "systemd-journal-remote: $(cat "$T/remote.err")"; exit 1; }
}
# events DB - the history's event CSV without the file and line columns, sorted
events_db() {
    "$BIN" report --db "$1" --no-dns --format csv --detail | python3 "$T/cut.py" | sort
}
events_file() {
    "$BIN" scan --no-db --no-dns --format csv --detail "$1" | python3 "$T/cut.py" | sort
}
cat > "$T/cut.py" <<'PY'
import csv, sys
rows = csv.reader(sys.stdin)
head = next(rows)
keep = [i for i, h in enumerate(head) if h not in ("file", "line")]
w = csv.writer(sys.stdout, lineterminator="\n")
for r in rows:
    w.writerow([r[i] for i in keep])
PY
# sent DB - deliveries stored; sent_file LOG - deliveries of one scan
sent_db() { "$BIN" report --db "$1" --no-dns --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])'; }
sent_file() { "$BIN" scan --no-db --no-dns --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])'; }

python3 "$SRC/bench/genmaillog.py" --mta postfix --lines 45000 --seed 909 --stamp rfc3339 > "$T/all.log"
n=$(wc -l < "$T/all.log")
head -n $((n / 3)) "$T/all.log" > "$T/p1"
sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$T/all.log" > "$T/p2"
tail -n +$((2 * n / 3 + 1)) "$T/all.log" > "$T/p3"
events_file "$T/all.log" > "$T/want"
[ "$(wc -l < "$T/want")" -gt 200 ] || bad "the generated log gives too few events"

# 1. three appends, a kill -9 at a random moment before each run that finishes
J=$T/mail.journal DB=$T/h.db
kills=0
for part in p1 p2 p3; do
    append "$J" "$T/$part"
    "$BIN" scan --db "$DB" --no-dns -q --journal-file "$J" > /dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf %03d $((RANDOM % 300)))"
    kill -9 "$pid" 2> /dev/null && kills=$((kills + 1))
    wait "$pid" 2> /dev/null
    "$BIN" scan --db "$DB" --no-dns -q --journal-file "$J" > /dev/null 2> "$T/err" || bad "$part: scan failed: $(cat "$T/err")"
done
echo "journal: $kills of 3 runs killed before they finished"
events_db "$DB" > "$T/got"
if ! diff -u "$T/want" "$T/got" > "$T/diff"; then
    bad "journal in three appends + kill -9: events differ from one scan of the file (got +, want -)"
    head -20 "$T/diff"
fi
[ "$(sent_db "$DB")" = "$(sent_file "$T/all.log")" ] || bad "sent: got $(sent_db "$DB"), want $(sent_file "$T/all.log")"
# nothing new: said, in every format
for fmt in text json html; do
    "$BIN" scan --db "$DB" --no-dns --journal-file "$J" --format $fmt > "$T/again.$fmt" 2>&1
    grep -q "Nothing new" "$T/again.$fmt" || bad "second run ($fmt) does not say nothing new was read"
    grep -qi "No failed deliveries" "$T/again.$fmt" && bad "second run ($fmt) says 'No failed deliveries'"
done
grep -q "journal:$J up to line [1-9]" "$T/again.json" || bad "the note does not say where the journal was read up to: $(grep Nothing "$T/again.json")"

# 2. the journal vacuumed: a new file with the last third and more; the old one gone
python3 "$SRC/bench/genmaillog.py" --mta postfix --lines 3000 --seed 910 --stamp rfc3339 > "$T/p4.raw"
# later than everything so far (and within --keep): shift its times 20 days on
python3 - "$T/p4.raw" > "$T/p4" <<'PY'
import datetime, sys
for l in open(sys.argv[1]):
    stamp, rest = l.split(" ", 1)
    t = datetime.datetime.fromisoformat(stamp) + datetime.timedelta(days=20)
    print(t.isoformat(timespec="microseconds") + " " + rest, end="")
PY
rm -f "$J"
append "$J" "$T/p3"
append "$J" "$T/p4"
"$BIN" scan --db "$DB" --no-dns -q --journal-file "$J" > /dev/null 2> "$T/err"
grep -q "no longer in the journal" "$T/err" || bad "a lost cursor is not said: $(cat "$T/err")"
cat "$T/all.log" "$T/p4" > "$T/all4.log"
events_file "$T/all4.log" > "$T/want4"
events_db "$DB" > "$T/got4"
if ! diff -u "$T/want4" "$T/got4" > "$T/diff"; then
    bad "after a lost cursor: events differ from one scan of all lines (got +, want -)"
    head -20 "$T/diff"
fi

# 3. rsyslog's file and the journal hold the same lines: stored once
DB2=$T/both.db
rm -f "$T/both.journal"
append "$T/both.journal" "$T/p1"
"$BIN" scan --db "$DB2" --no-dns -q "$T/p1" > /dev/null 2>&1
"$BIN" scan --db "$DB2" --no-dns -q --journal-file "$T/both.journal" > /dev/null 2>&1
events_db "$DB2" > "$T/got5"
events_file "$T/p1" > "$T/want5"
diff -q "$T/want5" "$T/got5" > /dev/null || bad "file then journal of the same lines: $(wc -l < "$T/got5") events, want $(wc -l < "$T/want5")"

# 4. no file, no mail log: the journal (the local one here: what it holds does not matter)
mkdir -p "$T/var-log"
BOUNCESCOPE_LOG_DIR=$T/var-log "$BIN" scan --db "$T/local.db" --no-dns > /dev/null 2> "$T/err"
grep -q "reading the mail programs' entries of the systemd journal" "$T/err" || bad "no mail log: the journal is not used: $(cat "$T/err")"

if [ $fail -ne 0 ]; then
    echo "journal_history: $fail failed"
    exit 1
fi
echo "journal_history: all passed"
