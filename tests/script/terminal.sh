#!/usr/bin/env bash
# terminal.sh - no byte from a log, a file name or a DNS TXT record reaches a
# terminal as a control (issue 8 item 3): payloads - ESC sequences (CSI, OSC),
# U+009B (8-bit CSI), BEL, CR, NUL, a bidi override, invalid UTF-8 - in the syslog
# host, the sender, the message-id, the recipient, the remote host, the reply
# text, an unreadable line, the input's file name (with a newline, too), the
# database path, a blocklist's TXT record and command-line arguments, through
# every command (scan, report, partner, check, vacuum, help) and format (text,
# csv, json, html, --detail), both standard output and standard error.
# An output passes when it is valid UTF-8 with no C0 control but TAB and LF (and
# CSV's CR LF line ends), no DEL and no C1 control, and no line of it starts with the text that followed a
# newline in the file name.
# Usage: terminal.sh BOUNCESCOPE
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "writing the payloads and checking the bytes"
require rbldnsd "a TXT record with a payload (apt-get install rbldnsd)"
BIN=${1:?usage: terminal.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC LC_ALL=C.UTF-8 BOUNCESCOPE_LOCK_TIMEOUT=5
T=$(mktemp -d)
chmod 755 "$T" # rbldnsd runs as its own user and reads the zone here
. "$SRC/tests/dnsbl/rbldnsd.sh"
trap 'rbl_stop; rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

# the log, its hostile name, a zone whose TXT carries the payload, and a catalogue
# entry for that zone (read before the shipped lists)
python3 - "$T" <<'EOF'
import os, sys
T = sys.argv[1]
P = b"\x1b[31m\x1b]0;owned\x07\xc2\x9b2J\r\x00\xe2\x80\xae\xff\xfe"   # the payload
name = os.path.join(T.encode(), b"mail\x1b]0;owned\x07\x1b[2J\nINJECTED \xc2\x9b\xff.log")
def line(s):
    return b"2018-10-19T16:36:%s+00:00 mx" % s[0] + P + b"1 " + s[1] + b"\n"
L = [
    (b"20", b"postfix/qmgr[8]: 4C7A21F0B3: from=<s" + P + b"@example.jp>, size=10, nrcpt=3 (queue active)"),
    (b"21", b"postfix/cleanup[7]: 4C7A21F0B3: message-id=<m" + P + b"@example.jp>"),
    (b"22", b"postfix/smtp[9]: 4C7A21F0B3: to=<r" + P + b"@x.example>, relay=mx.x.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.x.example[192.0.2.9] said: 550 5.7.1 Service unavailable, Client host [198.51.100.99] blocked using Spamhaus " + P + b" (in reply to RCPT TO command))"),
    (b"23", b"postfix/smtp[9]: 4C7A21F0B3: to=<q@x.example>, relay=mx" + P + b".x.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect to mx" + P + b".x.example[192.0.2.9]:25: Connection timed out)"),
    (b"24", b"postfix/smtp[9]: 4C7A21F0B3: to=<p@x.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (" + P + b")"),
    (b"25", b"postfix/smtp[9]: 4C7A21F0B3: to=<o@x.example>, relay=none, status=" + P),
]
with open(name, "wb") as f:
    for l in L:
        f.write(line(l))
    f.write(b"junk " + P + b" line\n")
with open(os.path.join(T, "name"), "wb") as f:
    f.write(name)
with open(os.path.join(T, "hostile.zone"), "wb") as f:
    f.write(b"$SOA 0 ns.hostile.test hostmaster.hostile.test 0 1h 1h 1w 60\n")
    f.write(b":127.0.0.2:listed " + P.replace(b"\x00", b"").replace(b"\r", b"").replace(b"\n", b"") + b" see $\n")
    f.write(b"127.0.0.2\n198.51.100.99\n")
os.makedirs(os.path.join(T, "patterns"))
with open(os.path.join(T, "patterns", "blocklists.conf"), "w") as f:
    f.write("[list hostile]\nlabel = Hostile test list\nkind = ip\nmentions = (?i)spamhaus\n"
            "zone = hostile.test\nquery = ip4\nstatus = active\ndefault-check = yes\n"
            "code = 127.0.0.2 H: hostile test listing\n")
EOF
LOG=$(python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read())' "$T/name")
DB=$T/$(printf 'hist\033[2J\302\233.db')
rbl_start "hostile.test:ip4set:$T/hostile.zone" || exit 1
DNS=(--patterns "$T/patterns" --patterns "$SRC/tests/dnsbl/patterns" --dns-server "127.0.0.1:$RBL_PORT")

n=0
# run NAME CMD... - run a command, keep its stdout and stderr for the check
run() {
    local name=$1
    shift
    n=$((n + 1))
    "$@" > "$T/out.$n" 2> "$T/err.$n"
    echo "$name" > "$T/name.$n"
}

for f in text csv json html; do
    run "scan --format $f" "$BIN" scan --no-db "${DNS[@]}" --year 2018 --format "$f" "$LOG"
done
run "scan --format csv --detail" "$BIN" scan --no-db "${DNS[@]}" --format csv --detail "$LOG"
run "scan --format json --detail" "$BIN" scan --no-db "${DNS[@]}" --format json --detail "$LOG"
run "scan --db" "$BIN" scan --db "$DB" "${DNS[@]}" "$LOG"
for f in text csv json html; do
    run "report --format $f" "$BIN" report --db "$DB" "${DNS[@]}" --format "$f"
done
run "report --format csv --detail" "$BIN" report --db "$DB" --no-dns --format csv --detail
for f in text csv json; do
    run "partner --format $f" "$BIN" partner --db "$DB" --format "$f" x.example
done
for f in text csv json; do
    run "check --format $f" "$BIN" check "${DNS[@]}" --format "$f" 198.51.100.99
done
run "check, a hostile argument" "$BIN" check "${DNS[@]}" "$(printf '1.2.3.4\033[31m\302\233')"
run "vacuum" "$BIN" vacuum --db "$DB"
run "vacuum of a missing hostile path" "$BIN" vacuum --db "$T/$(printf 'no\033[2Jne\n.db')"
run "an unknown command" "$BIN" "$(printf 'sc\033[2Jan\302\233')"
run "an unknown option" "$BIN" scan "$(printf -- '--fo\033]0;x\007o')"
run "a missing input" "$BIN" scan --no-db --no-dns "$T/$(printf 'gone\033[2J\n\302\233.log')"

python3 - "$T" "$n" <<'EOF' || fail=1
import os, re, sys
T, n = sys.argv[1], int(sys.argv[2])
bad_byte = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
shown = 0
failed = 0
for i in range(1, n + 1):
    name = open(os.path.join(T, "name.%d" % i)).read().strip()
    for stream in ("out", "err"):
        b = open(os.path.join(T, "%s.%d" % (stream, i)), "rb").read()
        if "csv" in name:
            b = b.replace(b"\r\n", b"\n")  # RFC 4180 line ends; a CR inside a cell stays
        why = []
        m = bad_byte.search(b)
        if m:
            why.append("control byte %r at %d: %r" % (m.group(0), m.start(), b[max(0, m.start() - 40):m.start() + 20]))
        try:
            b.decode("utf-8")
        except UnicodeDecodeError as e:
            why.append("invalid UTF-8 at %d: %r" % (e.start, b[max(0, e.start - 40):e.start + 20]))
        if re.search(rb"(^|\n)INJECTED", b):
            why.append("a line starts with the text after the file name's newline")
        if why:
            failed += 1
            print("FAIL %s, %s: %s" % (name, "stdout" if stream == "out" else "stderr", "; ".join(why)))
        shown += len(b)
# the payloads must have reached the outputs at all (escaped): the scan read the line
out = open(os.path.join(T, "out.1"), "rb").read()
if b"blocked" not in out or b"Hostile test list" not in out:
    failed += 1
    print("FAIL scan --format text: the payload lines were not read (no group, no listing):\n%s" % out[:2000].decode("utf-8", "replace"))
for i in range(1, n + 1):
    if open(os.path.join(T, "name.%d" % i)).read().strip() == "check --format text":
        chk = open(os.path.join(T, "out.%d" % i), "rb").read()
        if b"LISTED" not in chk or b"list says: listed" not in chk:
            failed += 1
            print("FAIL check --format text: no listing with the TXT record:\n%s" % chk.decode("utf-8", "replace"))
print("terminal: %d outputs (%d bytes) checked, %d with control bytes" % (2 * n, shown, failed))
sys.exit(1 if failed else 0)
EOF

[ $fail = 0 ] && echo "terminal: all passed"
exit $fail
