#!/usr/bin/env bash
# store_history.sh - the history store reads every line exactly once:
#   1. a log appended in pieces, one `scan` per piece == one scan over the whole
#   2. rotation: rename + new file, gzip of the old one, date-suffixed names,
#      inputs given in any order, then the rotated files recompressed with xz,
#      zstd and bzip2 == one scan over the whole
#   3. copytruncate == one scan over the whole
#   4. scans killed with SIGKILL at random moments, then run again == uninterrupted
#      (a bounded number of tries)
#   5. report --format csv --detail == scan --format csv --detail over the same lines
#   6. half-written inputs: a .gz read while it was still being compressed, then
#      whole; a plain log whose last line was cut in a deferral, and one cut in a
#      final bounce, then completed == one scan over the whole (nothing of the cut
#      line is kept: no event, no attempt, no ended message)
# "==" compares every deferred/bounced event, the number of expiries (they need
# the queue state kept between runs) and the sent count, and the sender, attempts
# and message_id of every event. Rotated sets are given newest file first, as a
# shell glob lists them: scan reads them oldest first (by their first line's
# time), so they must match exactly too.
# Usage: store_history.sh BOUNCESCOPE   (BS_STORE_BIN overrides, for a driver)
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the log generator and comparing the events"
BIN=${BS_STORE_BIN:-${1:?usage: store_history.sh BOUNCESCOPE}}
export TZ=UTC BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

# gen N - a Postfix log of N messages: sent, bounced (unknown user, Spamhaus),
# deferred then sent, deferred twice then expired; ~4 lines per message
gen() {
    awk -v n="$1" '
    function ts(i,   t) { t = i * 3; return sprintf("2026-10-%02dT%02d:%02d:%02d+09:00", 19 + int(t / 86400), int(t % 86400 / 3600), int(t % 3600 / 60), t % 60) }
    function later(j, s) { pend[j] = pend[j] s "\n" }
    function line(i, s) { printf "%s mx1.example.jp postfix/%s\n", ts(i), s }
    BEGIN {
        for (i = 1; i <= n; i++) {
            if (i in pend) { m = split(pend[i], L, "\n"); for (k = 1; k < m; k++) line(i, L[k]); delete pend[i] }
            q = sprintf("%05X%05X", i, (i * 7919) % 1048575)
            d = "d" (i % 37) ".example"; r = "u" i "@" d; k = i % 20
            relay = "relay=mx." d "[192.0.2." (i % 200 + 1) "]:25, delay=1.2, delays=0.1/0/0.5/0.6"
            line(i, "qmgr[812]: " q ": from=<s" (i % 50) "@example.jp>, size=" (1000 + i) ", nrcpt=1 (queue active)")
            if (k < 14) {
                line(i, "smtp[" i % 999 "]: " q ": to=<" r ">, " relay ", dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X" i ")")
                line(i, "qmgr[812]: " q ": removed")
            } else if (k < 16) {
                line(i, "smtp[" i % 999 "]: " q ": to=<" r ">, " relay ", dsn=5.1.1, status=bounced (host mx." d "[192.0.2.9] said: 550 5.1.1 <" r ">: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))")
                line(i, "qmgr[812]: " q ": removed")
            } else if (k == 16) {
                line(i, "smtp[" i % 999 "]: " q ": to=<" r ">, " relay ", dsn=5.7.1, status=bounced (host mx." d "[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113." (i % 3 + 5) "] blocked using zen.spamhaus.org (in reply to RCPT TO command))")
                line(i, "qmgr[812]: " q ": removed")
            } else {
                dt = "smtp[" i % 999 "]: " q ": to=<" r ">, " relay ", dsn=4.7.1, status=deferred (host mx." d "[192.0.2.9] said: 451 4.7.1 Please try again later (in reply to RCPT TO command))"
                line(i, dt)
                if (k == 18) {
                    later(i + 40, dt)
                    later(i + 80, "qmgr[812]: " q ": from=<s" (i % 50) "@example.jp>, status=expired, returned to sender")
                    later(i + 80, "qmgr[812]: " q ": removed")
                } else {
                    later(i + 40, "smtp[" i % 999 "]: " q ": to=<" r ">, " relay ", dsn=2.0.0, status=sent (250 2.0.0 Ok)")
                    later(i + 40, "qmgr[812]: " q ": removed")
                }
            }
        }
    }'
}

# facts FILE.csv - the comparable part of an event CSV: deferred/bounced rows without
# the queue-state columns, file name replaced by its position in the set, sorted
# (with a second argument "all": the queue-state columns too)
facts() {
    python3 - "$1" "${2:-}" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
head, rows = rows[0], rows[1:]
cols = ('file', 'line') if sys.argv[2] == 'all' else ('sender', 'attempts', 'message_id', 'file', 'line')
skip = {head.index(c) for c in cols}
out = sorted(','.join(v for i, v in enumerate(r) if i not in skip)
             for r in rows if r[head.index('status')] in ('deferred', 'bounced'))
print('\n'.join(out))
EOF
}
expired() { grep -c ',expired,' "$1"; }
sent() { "$BIN" report --db "$1" --no-dns | sed -n 's/^Deliveries: \([0-9,]*\) sent.*/\1/p' | tr -d ,; }

# compare NAME DB [ordered] - the store DB against the whole-log reference; "ordered":
# the runs read the log in order, so the queue-state columns and expiries must match
compare() {
    "$BIN" report --db "$2" --no-dns --format csv --detail > "$T/$1.csv" || { bad "$1: report failed"; return; }
    facts "$T/$1.csv" > "$T/$1.facts"
    facts "$T/$1.csv" all > "$T/$1.all"
    if ! cmp -s "$T/$1.all" "$T/ref.all"; then
        bad "$1: sender/attempts/message_id of stored events differ from one scan over the whole log:"
        diff "$T/ref.all" "$T/$1.all" | head -5 | sed 's/^/    /'
    fi
    if ! cmp -s "$T/$1.facts" "$T/ref.facts"; then
        bad "$1: stored deferred/bounced events differ from one scan over the whole log:"
        diff "$T/ref.facts" "$T/$1.facts" | head -5 | sed 's/^/    /'
        echo "    got $(wc -l < "$T/$1.facts") events, want $(wc -l < "$T/ref.facts")"
    fi
    local got_sent; got_sent=$(sent "$2")
    [ "$got_sent" = "$REF_SENT" ] || bad "$1: sent got $got_sent, want $REF_SENT"
    local e; e=$(expired "$T/$1.csv")
    [ "$e" = "$REF_EXPIRED" ] || bad "$1: expired got $e, want $REF_EXPIRED"
    echo "$1: $(wc -l < "$T/$1.facts") deferred/bounced, $e expired, $got_sent sent"
}

gen 30000 > "$T/whole.log"
total=$(wc -l < "$T/whole.log")
split -n l/6 -d "$T/whole.log" "$T/piece."
"$BIN" scan --no-db --no-dns --format csv --detail "$T/whole.log" > "$T/scan.csv" || bad "reference scan failed"
facts "$T/scan.csv" > "$T/ref.facts"
facts "$T/scan.csv" all > "$T/ref.all"
REF_EXPIRED=$(expired "$T/scan.csv")
"$BIN" scan --db "$T/ref.db" --no-dns -q "$T/whole.log" > /dev/null
if [ ! -f "$T/ref.db" ]; then
    echo "FAIL: scan --db wrote no database ($T/ref.db): the store failed to open"
    exit 1
fi
REF_SENT=$(sent "$T/ref.db")
echo "reference: $total lines, $(wc -l < "$T/ref.facts") deferred/bounced, $REF_EXPIRED expired, $REF_SENT sent"
[ "$(wc -l < "$T/ref.facts")" -gt 1000 ] || bad "reference has too few events"

# 5. report --detail == scan --detail (the same lines, read once)
"$BIN" report --db "$T/ref.db" --no-dns --format csv --detail > "$T/report.csv"
cmp -s "$T/report.csv" "$T/scan.csv" || { bad "report --format csv --detail differs from scan's"; diff "$T/scan.csv" "$T/report.csv" | head -5; }

# 1. appended in pieces
L=$T/inc/maillog; mkdir -p "$T/inc"
for p in "$T"/piece.0*; do
    cat "$p" >> "$L"
    "$BIN" scan --db "$T/inc.db" --no-dns -q "$L" > /dev/null || bad "incremental scan failed"
done
"$BIN" scan --db "$T/inc.db" --no-dns -q "$L" > /dev/null # nothing new: reads nothing
compare incremental "$T/inc.db" ordered

# 2. rotation: rename + new file, then gzip, date-suffixed names, any order
R=$T/rot; mkdir -p "$R"
cat "$T/piece.00" "$T/piece.01" > "$R/maillog"
"$BIN" scan --db "$T/rot.db" --no-dns -q "$R/maillog" > /dev/null
cat "$T/piece.02" >> "$R/maillog"          # written after the run, before rotation
mv "$R/maillog" "$R/maillog.1"; cat "$T/piece.03" > "$R/maillog"
"$BIN" scan --db "$T/rot.db" --no-dns -q "$R/maillog" "$R/maillog.1" > /dev/null # new file first
cat "$T/piece.04" >> "$R/maillog"
gzip "$R/maillog.1"; mv "$R/maillog.1.gz" "$R/maillog-20261019.gz"
mv "$R/maillog" "$R/maillog.1"; cat "$T/piece.05" > "$R/maillog"
"$BIN" scan --db "$T/rot.db" --no-dns -q "$R/maillog.1" "$R/maillog" "$R/maillog-20261019.gz" > /dev/null
mv "$R/maillog.1" "$R/maillog.2"; gzip "$R/maillog.2"
"$BIN" scan --db "$T/rot.db" --no-dns -q "$R"/* > /dev/null # everything again: nothing new
compare rotation "$T/rot.db"
# the same rotated files compressed by other compresscmds: recognised, nothing new
for tool in xz bzip2 zstd; do
    command -v $tool > /dev/null || { bad "$tool is not installed (./bootstrap.sh test installs it)"; continue; }
done
gzip -dc "$R/maillog.2.gz" | xz > "$R/maillog.2.xz"; rm "$R/maillog.2.gz"
gzip -dc "$R/maillog-20261019.gz" | zstd -q > "$R/maillog-20261019.zst"
gzip -dc "$R/maillog-20261019.gz" | bzip2 > "$R/maillog-20261019.bz2"; rm "$R/maillog-20261019.gz"
"$BIN" scan --db "$T/rot.db" --no-dns -q "$R"/* > /dev/null
compare "rotation (xz, zstd, bzip2)" "$T/rot.db"

# 3. copytruncate
C=$T/ct; mkdir -p "$C"
cat "$T/piece.00" "$T/piece.01" "$T/piece.02" > "$C/maillog"
"$BIN" scan --db "$T/ct.db" --no-dns -q "$C/maillog" > /dev/null
cat "$T/piece.03" >> "$C/maillog"
cp "$C/maillog" "$C/maillog.1"; : > "$C/maillog"
cat "$T/piece.04" "$T/piece.05" >> "$C/maillog"
"$BIN" scan --db "$T/ct.db" --no-dns -q "$C/maillog" "$C/maillog.1" > /dev/null
compare copytruncate "$T/ct.db"

# 4. killed at random moments, then run again: 5 trials, each on a fresh store, with
#    up to two kills at random times before the run that is let to finish
K=$T/kill; mkdir -p "$K"
cp "$T/whole.log" "$K/maillog"
kills=0
for try in 1 2 3 4 5; do
    rm -f "$T/kill.db"*
    for k in 1 2; do
        "$BIN" scan --db "$T/kill.db" --no-dns -q "$K/maillog" > /dev/null 2>&1 &
        pid=$!
        sleep "0.$(printf %03d $((RANDOM % 350)))"
        kill -9 "$pid" 2> /dev/null && kills=$((kills + 1))
        wait "$pid" 2> /dev/null
    done
    "$BIN" scan --db "$T/kill.db" --no-dns -q "$K/maillog" > /dev/null || bad "scan after kills failed"
    compare "kill$try" "$T/kill.db" ordered
done
echo "kill: $kills of 10 runs were killed before they finished"
[ "$kills" -gt 0 ] || echo "note: no run was killed in time (machine too fast?): the kill test proved nothing"

# 6. half-written inputs
H=$T/half; mkdir -p "$H"
# cut_in WORD OUT - the whole log cut inside the first line with WORD after 40% of
# it (in the reply, a few bytes after the word); the rest in OUT.rest, and OUT.gz:
# the cut part as gzip writes it before it has finished (a sync-flushed member
# without its end: logrotate still compressing)
cut_in() {
    python3 - "$T/whole.log" "$1" "$2" <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
at = data.index(sys.argv[2].encode(), len(data) * 2 // 5)
cut = at + len(sys.argv[2]) + 8  # "status=deferred (host m"
open(sys.argv[3], "wb").write(data[:cut])
open(sys.argv[3] + ".rest", "wb").write(data[cut:])
z = zlib.compressobj(6, zlib.DEFLATED, 31)
open(sys.argv[3] + ".gz", "wb").write(z.compress(data[:cut]) + z.flush(zlib.Z_SYNC_FLUSH))
EOF
}
cut_in status=bounced "$H/cut"
cp "$H/cut.gz" "$H/maillog.1.gz"
"$BIN" scan --db "$T/half-gz.db" --no-dns -q "$H/maillog.1.gz" > /dev/null 2>&1
gzip -c "$T/whole.log" > "$H/maillog.1.gz"
"$BIN" scan --db "$T/half-gz.db" --no-dns -q "$H/maillog.1.gz" > /dev/null
compare "a .gz cut in status=bounced, then complete" "$T/half-gz.db" ordered
for word in status=deferred status=bounced; do
    cut_in "$word" "$H/maillog"
    "$BIN" scan --db "$T/half-$word.db" --no-dns -q "$H/maillog" > /dev/null
    cat "$H/maillog.rest" >> "$H/maillog"
    "$BIN" scan --db "$T/half-$word.db" --no-dns -q "$H/maillog" > /dev/null
    compare "a line cut in $word, then completed" "$T/half-$word.db" ordered
done

[ $fail = 0 ] && echo "store_history: all passed"
exit $fail
