#!/usr/bin/env bash
# history_safe.sh - no input can erase the history (issue 8 item 1), the queue
# state ages out at the end of every run (item 7), vacuum refuses a missing path:
#   1. a stored history, then one failure line dated 2099 (a clock glitch): every
#      stored event stays, the line is reported with file:line and stored flagged
#   2. the same with an RFC 3164 line in a file whose mtime is in 2099 (copied
#      from a host with a wrong clock)
#   3. an old log (2018) scanned into a history: the next scan prunes nothing
#      (retention counts back from the newest stored time not in the future)
#   4. a --keep that would delete more than half of the stored events is not
#      done and says --force; with --force it is done
#   5. a deferral in one run and ten days of log later a few lines in the next:
#      the queue entry is aged out at the end of that run and counted
#   6. `vacuum` of a missing path exits 4 and creates nothing; of a damaged
#      database exits 4 and leaves it as it was
# Usage: history_safe.sh BOUNCESCOPE
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "reading the database"
BIN=${1:?usage: history_safe.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

# sql DB QUERY - the first column of the first row
sql() {
    python3 -c 'import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' "$1" "$2"
}
events() { sql "$1" "SELECT count(*) FROM events"; }

# a Postfix failure line at TIME (RFC 3339) or with an RFC 3164 stamp
deferral() { # STAMP QID
    echo "$1 mx1 postfix/smtp[2]: $2: to=<x@y.example>, relay=mx.y.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host mx.y.example[192.0.2.1] said: 450 4.7.1 try later (in reply to RCPT TO command))"
}
bounce() { # STAMP QID RCPT
    echo "$1 mx1 postfix/smtp[2]: $2: to=<$3>, relay=mx.y.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.y.example[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))"
}

# 1 and 2: a glitch does not erase the history
deferral 2099-01-01T00:00:00+00:00 FFFF000001 > "$T/glitch.log"
deferral "Dec  1 00:00:00" FFFF000002 > "$T/copied.log"
touch -d 2099-12-01T00:00:00Z "$T/copied.log"
for case in glitch copied; do
    db=$T/$case.db
    "$BIN" scan --db "$db" --no-dns -q "$SRC/examples/postfix-rfc3339.log" > /dev/null
    before=$(events "$db")
    [ "$before" -gt 0 ] || bad "$case: the story stored no events"
    "$BIN" scan --db "$db" --no-dns "$T/$case.log" > "$T/$case.out" 2> "$T/$case.err"
    after=$(events "$db")
    [ "$after" = $((before + 1)) ] ||
        bad "$case: stored events got $after after the scan, want $((before + 1)) (the history was pruned)"
    flagged=$(sql "$db" "SELECT count(*) FROM events WHERE time_suspect = 1")
    [ "$flagged" = 1 ] || bad "$case: flagged events got '$flagged', want 1"
    grep -q "$case.log:1" "$T/$case.out" ||
        bad "$case: 'What was read' does not name $case.log:1: $(grep -A3 'What was read' "$T/$case.out")"
    grep -q "more than a day after" "$T/$case.out" || bad "$case: the report does not say why"
    echo "$case: $before -> $after events, $flagged flagged"
done

# 3. an old log is not pruned by the clock
"$BIN" scan --db "$T/old.db" --no-dns -q --year 2018 "$SRC/examples/maillog" > /dev/null
n=$(events "$T/old.db")
"$BIN" scan --db "$T/old.db" --no-dns -q --year 2018 "$SRC/examples/maillog" > /dev/null
[ "$(events "$T/old.db")" = "$n" ] && [ "$n" -gt 0 ] ||
    bad "old log: events got $(events "$T/old.db"), want $n (pruned by the clock?)"

# 4. a removal of more than half asks for --force
{
    for i in 1 2 3 4 5 6; do bounce "2026-01-0${i}T10:00:00+00:00" "AAAA00000$i" "old$i@y.example"; done
    for i in 1 2; do bounce "2026-06-0${i}T10:00:00+00:00" "BBBB00000$i" "new$i@y.example"; done
} > "$T/half.log"
"$BIN" scan --db "$T/half.db" --no-dns -q --keep 3650 "$T/half.log" > /dev/null
[ "$(events "$T/half.db")" = 8 ] || bad "keep: stored got $(events "$T/half.db"), want 8"
"$BIN" scan --db "$T/half.db" --no-dns -q --keep 30 "$T/half.log" > /dev/null 2> "$T/half.err"
rc=$?
[ $rc = 0 ] || bad "keep: a held-back prune exited $rc, want 0 (the nightly run goes on)"
[ "$(events "$T/half.db")" = 8 ] || bad "keep: --keep 30 without --force left $(events "$T/half.db") events, want 8"
grep -q -- "--force" "$T/half.err" || bad "keep: stderr does not name --force: $(cat "$T/half.err")"
"$BIN" scan --db "$T/half.db" --no-dns -q --keep 30 --force "$T/half.log" > /dev/null 2>&1
[ "$(events "$T/half.db")" = 2 ] || bad "keep: --keep 30 --force left $(events "$T/half.db") events, want 2"
echo "keep: held back without --force, 8 -> 2 events with it"

# 5. queue ageing at the end of a run: a deferral on Oct 1, then ten days later a
#    few lines (far fewer than any periodic sweep) - the Oct 1 message ages out
deferral 2026-10-01T10:00:00+00:00 CCCC000001 > "$T/day1.log"
{
    bounce 2026-10-11T10:00:00+00:00 DDDD000001 "z1@y.example"
    bounce 2026-10-11T10:00:01+00:00 DDDD000002 "z2@y.example"
} > "$T/day11.log"
"$BIN" scan --db "$T/age.db" --no-dns -q "$T/day1.log" > /dev/null
[ "$(sql "$T/age.db" "SELECT count(*) FROM queue")" = 1 ] || bad "ageing: the deferral left no queue entry"
"$BIN" scan --db "$T/age.db" --no-dns --format json "$T/day11.log" > "$T/age.json"
python3 - "$T/age.json" <<'EOF' || bad "ageing: the run's counts are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
run = d["run"]
kinds = {p["kind"]: p["count"] for p in d["problems"]}
ok = run["queue_evicted"] == 1 and kinds.get("queue_evicted") == 1
print("ageing: queue_evicted %d, queue_live %d, problem count %s" % (run["queue_evicted"], run["queue_live"], kinds.get("queue_evicted")))
sys.exit(0 if ok else 1)
EOF
[ "$(sql "$T/age.db" "SELECT count(*) FROM queue WHERE CAST(qid AS TEXT) = 'CCCC000001'")" = 0 ] ||
    bad "ageing: the aged-out entry is still in the stored queue state"

# 6. vacuum refuses a missing path
"$BIN" vacuum --db "$T/missing.db" > /dev/null 2> "$T/vac.err"
rc=$?
[ $rc = 4 ] || bad "vacuum missing: exit status got $rc, want 4"
[ ! -e "$T/missing.db" ] || bad "vacuum missing: it created $T/missing.db"
grep -q "missing.db" "$T/vac.err" || bad "vacuum missing: stderr got '$(cat "$T/vac.err")'"
cp "$T/old.db" "$T/damaged.db"
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(2 * 4096); f.write(b"\xff" * 3000)' "$T/damaged.db"
sum=$(md5sum < "$T/damaged.db")
"$BIN" vacuum --db "$T/damaged.db" > /dev/null 2> "$T/vac.err"
rc=$?
[ $rc = 4 ] || bad "vacuum damaged: exit status got $rc, want 4 ($(cat "$T/vac.err"))"
[ "$(md5sum < "$T/damaged.db")" = "$sum" ] || bad "vacuum damaged: the file changed"

[ $fail = 0 ] && echo "history_safe: all passed"
exit $fail
