#!/usr/bin/env bash
# nightly_inputs.sh - what a nightly job and a first-time user meet:
#   1. the same lines piped twice into the history, then given as a file: stored and
#      counted once (events and deliveries == one --no-db scan);
#   2. a second scan of a read file says that nothing new was read - in text, csv
#      (stderr), json and html - and never "No failed deliveries"; a report over a
#      period without data names the period;
#   3. every input failed to open: no report, only the errors, exit status 2;
#   4. a database that cannot be created: exit status 5, and the message offers --no-db;
#   5. with no file given: mail.log with its newest rotation and Exim's
#      exim4/mainlog are found (BOUNCESCOPE_LOG_DIR stands for /var/log);
#   6. options before the command; "reading standard input" on a terminal only;
#   7. a log the user may not read: the error names the group that may (run as
#      nobody when the test runs as root).
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the log generator and comparing the events"
require script "a pseudo-terminal (package bsdutils)"
BIN=${1:?usage: nightly_inputs.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
cat > "$T/cut.py" <<'PY'
import csv, sys
rows = csv.reader(sys.stdin)
head = next(rows)
keep = [i for i, h in enumerate(head) if h not in ("file", "line")]
w = csv.writer(sys.stdout, lineterminator="\n")
for r in rows:
    w.writerow([r[i] for i in keep])
PY
events_db() { "$BIN" report --db "$1" --no-dns --format csv --detail | python3 "$T/cut.py" | sort; }
events_file() { "$BIN" scan --no-db --no-dns --format csv --detail "$@" | python3 "$T/cut.py" | sort; }
sent() { python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])'; }

python3 "$SRC/bench/genmaillog.py" --mta postfix --lines 20000 --seed 4242 > "$T/log"
events_file "$T/log" > "$T/want"
[ "$(wc -l < "$T/want")" -gt 100 ] || bad "the generated log gives too few events"

# 1. stdin twice, then the file
for i in 1 2; do "$BIN" scan --db "$T/i.db" --no-dns -q - < "$T/log" > /dev/null 2>&1; done
"$BIN" scan --db "$T/i.db" --no-dns -q "$T/log" > /dev/null 2>&1
events_db "$T/i.db" > "$T/got"
diff -q "$T/want" "$T/got" > /dev/null || bad "stdin twice + file: $(wc -l < "$T/got") events stored, want $(wc -l < "$T/want")"
got_sent=$("$BIN" report --db "$T/i.db" --no-dns --format json | sent)
want_sent=$("$BIN" scan --no-db --no-dns --format json "$T/log" | sent)
[ "$got_sent" = "$want_sent" ] || bad "stdin twice + file: $got_sent deliveries stored, want $want_sent"

# 2. honest empty runs
for fmt in text csv json html; do
    "$BIN" scan --db "$T/i.db" --no-dns --format $fmt "$T/log" > "$T/out.$fmt" 2> "$T/err.$fmt"
    cat "$T/out.$fmt" "$T/err.$fmt" > "$T/all.$fmt"
    grep -qi "no failed deliveries" "$T/all.$fmt" && bad "$fmt: a second scan says 'No failed deliveries'"
    grep -q "Nothing new: already read" "$T/all.$fmt" || bad "$fmt: a second scan does not say nothing new was read"
done
grep -q "up to line $(wc -l < "$T/log")" "$T/out.json" || bad "json: the note does not say up to which line"
"$BIN" report --db "$T/i.db" --no-dns --since 2030-01-01 --until 2030-01-02 > "$T/empty.txt" 2>&1
grep -q "No data for 2030-01-01T00:00:00+00:00 to 2030-01-02T00:00:00+00:00" "$T/empty.txt" ||
    { bad "report over an empty period does not name it:"; cat "$T/empty.txt"; }
grep -qi "no failed deliveries" "$T/empty.txt" && bad "report over an empty period says 'No failed deliveries'"
"$BIN" report --db "$T/i.db" --no-dns --day 2030-01-01 --format html > "$T/empty.html" 2>&1
grep -q "No data for 2030-01-01" "$T/empty.html" || bad "html report over an empty day does not name it"

# 3. every input failed: no report
"$BIN" scan --no-db --no-dns "$T/none1" "$T/none2" > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 2 ] || bad "all inputs missing: exit status $rc, want 2"
[ -s "$T/out" ] && bad "all inputs missing: a report was written: $(head -3 "$T/out")"
grep -q "none1" "$T/err" && grep -q "none2" "$T/err" || bad "all inputs missing: the errors do not name both"
"$BIN" scan --no-db --no-dns "$T/none1" "$T/log" > "$T/out" 2> /dev/null
rc=$?
[ $rc -eq 2 ] && [ -s "$T/out" ] || bad "one input missing: want the report of the other and exit 2 (got $rc)"

# 4. a database that cannot be created
"$BIN" scan --db /proc/bouncescope-test/h.db --no-dns "$T/log" > /dev/null 2> "$T/err"
rc=$?
[ $rc -eq 5 ] || bad "database cannot be created: exit status $rc, want 5"
grep -q -- "--no-db" "$T/err" || bad "database cannot be created: --no-db is not offered: $(cat "$T/err")"

# 5. the default search: rsyslog's mail.log (and its newest rotation), Exim's mainlog
L=$T/var-log
mkdir -p "$L/exim4"
half=$(($(wc -l < "$T/log") / 2))
head -n $half "$T/log" > "$L/mail.log.1"
tail -n +$((half + 1)) "$T/log" > "$L/mail.log"
echo "old" | gzip > "$L/mail.log.2.gz"
cp "$SRC/examples/exim_mainlog" "$L/exim4/mainlog"
BOUNCESCOPE_LOG_DIR=$L "$BIN" scan --db "$T/d.db" --no-dns --year 2018 > /dev/null 2> "$T/err"
grep -q "reading $L/mail.log.1, $L/mail.log, $L/exim4/mainlog" "$T/err" || bad "default search: $(cat "$T/err")"
events_db "$T/d.db" > "$T/got"
events_file --year 2018 "$T/log" "$SRC/examples/exim_mainlog" > "$T/want2"
diff -q "$T/want2" "$T/got" > /dev/null || bad "default search: $(wc -l < "$T/got") events, want $(wc -l < "$T/want2")"
BOUNCESCOPE_LOG_DIR=$L "$BIN" scan --no-db --no-dns --year 2018 > /dev/null 2> "$T/err"
grep -q "reading $L/mail.log, $L/exim4/mainlog\$" "$T/err" || bad "default search without history reads the rotation too: $(cat "$T/err")"
# RHEL: maillog-YYYYMMDD
mkdir -p "$T/rhel"
cp "$L/mail.log.1" "$T/rhel/maillog-20261126"
cp "$L/mail.log.1" "$T/rhel/maillog-20261127"
cp "$L/mail.log" "$T/rhel/maillog"
BOUNCESCOPE_LOG_DIR=$T/rhel "$BIN" scan --db "$T/r.db" --no-dns > /dev/null 2> "$T/err"
grep -q "reading $T/rhel/maillog-20261127, $T/rhel/maillog\$" "$T/err" || bad "RHEL names: $(cat "$T/err")"

# 6. options before the command; stdin on a terminal
"$BIN" --no-db --no-dns --format csv scan "$T/log" > "$T/out" 2> /dev/null || bad "options before the command: exit $?"
head -1 "$T/out" | grep -q '^rank,' || bad "options before the command: no CSV report"
timeout 20 script -qec "'$BIN' scan --no-db --no-dns -" /dev/null < /dev/null > "$T/tty" 2>&1
grep -q "reading standard input" "$T/tty" || bad "stdin on a terminal: nothing said: $(head -3 "$T/tty")"
"$BIN" scan --no-db --no-dns - < /dev/null > /dev/null 2> "$T/err"
grep -q "reading standard input" "$T/err" && bad "stdin not a terminal: the terminal message was printed"

# 7. permission denied names the group
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && getent group adm > /dev/null; then
    cp "$T/log" "$T/adm.log"
    chgrp adm "$T/adm.log"
    chmod 640 "$T/adm.log"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" scan --no-db --no-dns "$T/adm.log" > /dev/null 2> "$T/err"
    grep -q "readable by root and group adm" "$T/err" || bad "permission denied: the group is not named: $(cat "$T/err")"
    chmod 600 "$T/adm.log"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" scan --no-db --no-dns "$T/adm.log" > /dev/null 2> "$T/err"
    grep -q "only root can read it" "$T/err" || bad "permission denied (0600): $(cat "$T/err")"
else
    echo "note: not root (or no setpriv/adm): the permission hint is not tested"
fi

if [ $fail -ne 0 ]; then
    echo "nightly_inputs: $fail failed"
    exit 1
fi
echo "nightly_inputs: all passed"
