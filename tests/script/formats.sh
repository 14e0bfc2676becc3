#!/usr/bin/env bash
# formats.sh - the same Postfix log in four timestamp styles (RFC 3164, RFC 3339,
# journalctl short-iso, RFC 5424 with the daemon name lost) must give the same
# failure events: same status, recipient, reason, fingerprint, time, text.
set -uo pipefail
BIN=${1:?usage: formats.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=Asia/Tokyo # the RFC 3164 copy has no zone: it was written at +09:00
[ -f /usr/share/zoneinfo/Asia/Tokyo ] || export TZ=JST-9
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for style in rfc3339 rfc3164 journal-short-iso rfc5424; do
    "$BIN" scan --no-db --no-dns --year 2018 --format csv --detail \
        "$SRC/examples/postfix-$style.log" > "$work/$style.csv" || fail=1
    # every column but file (the input's name differs by design)
    python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    r.pop("file")
    print("|".join(r[k] for k in sorted(r)))' "$work/$style.csv" > "$work/$style.rows"
done
for style in rfc3164 journal-short-iso rfc5424; do
    if ! diff -u "$work/rfc3339.rows" "$work/$style.rows"; then
        echo "FAIL: $style differs from rfc3339 (got +, want -)"
        fail=1
    fi
done
rows=$(wc -l < "$work/rfc3339.rows")
if [ "$rows" -lt 8 ]; then
    echo "FAIL: only $rows events from the example, want 8"
    fail=1
fi
if [ $fail -ne 0 ]; then
    echo "formats: 0 passed, 1 failed"
    exit 1
fi
echo "formats: 1 passed, 0 failed ($rows events in each of 4 styles)"
