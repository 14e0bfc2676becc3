#!/bin/bash
# hostile_numbers.sh - numbers and empty fields from logs cause no undefined behaviour.
#
# Usage (CTest): bash hostile_numbers.sh /path/to/bouncescope, with BS_SOURCE_DIR set.
# tests/data/hostile-numbers*.log hold a 20-digit size= and nrcpt= in Postfix,
# Sendmail and Exim arrival lines (a signed overflow in slice_to_int before it
# saturated) and an Exim expiry of a queue id never seen (an empty sender: NULL + 0
# in recipient_domain); --since 99999999999999999d overflowed n * 86400. The
# sanitizer builds abort on each (-fno-sanitize-recover; gcc misses NULL + 0,
# clang's build-clang sees it). Every build must read all four failures, exit 0
# and print no sanitizer message, and refuse the --since count as a usage error.
set -u
BIN=${1:?usage: hostile_numbers.sh /path/to/bouncescope}
: "${BS_SOURCE_DIR:?}"
D=$BS_SOURCE_DIR/tests/data
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for fmt in text csv json html; do
    extra=()
    [ "$fmt" = csv ] && extra=(--detail)
    "$BIN" scan --no-db --no-dns --format "$fmt" "${extra[@]}" "$D/hostile-numbers.log" \
        "$D/hostile-numbers-exim.log" >"$TMP/out.$fmt" 2>"$TMP/err.$fmt"
    rc=$?
    [ $rc -eq 0 ] || fail "$fmt: exit status $rc, want 0; stderr: $(head -c 600 "$TMP/err.$fmt")"
    ! grep -q "runtime error\|Sanitizer" "$TMP/err.$fmt" || fail "$fmt: a sanitizer report"
done
rows=$(grep -c ',bounced,\|,expired,' "$TMP/out.csv")
[ "$rows" = 4 ] || fail "csv: got $rows failures, want 4 (3 bounced, 1 expired)"
grep -q '^[^,]*,expired,1gZZZZ-0009Zz-ZZ,,lost@example.org,example.org,' "$TMP/out.csv" ||
    fail "csv: the expiry of the unknown queue id is missing or wrong"

# --since with a huge count: a usage error, not n * 86400 overflowing
"$BIN" scan --no-db --no-dns --since 99999999999999999d "$D/hostile-numbers.log" >/dev/null \
    2>"$TMP/err.since"
rc=$?
[ $rc -ne 0 ] && grep -q "cannot read" "$TMP/err.since" && ! grep -q "runtime error" "$TMP/err.since" ||
    fail "--since 99999999999999999d: exit status $rc, want a refusal; stderr: $(head -c 300 "$TMP/err.since")"

if [ $fails -eq 0 ]; then
    echo "hostile_numbers: ok"
    exit 0
fi
exit 1
