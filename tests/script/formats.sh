#!/usr/bin/env bash
# formats.sh - one log written in different header styles must give the same
# failure events (status, recipient, reason, fingerprint, time, text, ...):
#   Postfix:  RFC 3339, RFC 3164, journalctl short-iso, RFC 5424 (daemon name lost)
#   Sendmail: RFC 3164, RFC 3339
#   Exim:     its own main log, and the same lines through syslog
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "comparing the events"
BIN=${1:?usage: formats.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=Asia/Tokyo # the copies without a zone were written at +09:00
[ -f /usr/share/zoneinfo/Asia/Tokyo ] || export TZ=JST-9
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
checked=0

rows() { # FILE -> every event column but file (the input's name differs by design)
    "$BIN" scan --no-db --no-dns --year 2018 --format csv --detail "$SRC/examples/$1" > "$work/$1.csv" || fail=1
    python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    r.pop("file")
    print("|".join(r[k] for k in sorted(r)))' "$work/$1.csv" > "$work/$1.rows"
}

same() { # REFERENCE OTHER... 
    local ref=$1
    shift
    rows "$ref"
    local n
    n=$(wc -l < "$work/$ref.rows")
    if [ "$n" -lt 5 ]; then
        echo "FAIL: only $n events from $ref"
        fail=1
    fi
    for other in "$@"; do
        rows "$other"
        if ! diff -u "$work/$ref.rows" "$work/$other.rows"; then
            echo "FAIL: $other differs from $ref (got +, want -)"
            fail=1
        fi
        checked=$((checked + 1))
    done
    echo "$ref: $n events, same in: $*"
}

same postfix-rfc3339.log postfix-rfc3164.log postfix-journal-short-iso.log postfix-rfc5424.log
same maillog sendmail-rfc3339.log
same exim_mainlog exim-syslog.log

if [ $fail -ne 0 ]; then
    echo "formats: 0 passed, 1 failed"
    exit 1
fi
echo "formats: $checked passed, 0 failed"
