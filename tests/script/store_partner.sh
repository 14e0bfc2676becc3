#!/usr/bin/env bash
# store_partner.sh - `partner` tells the story of the seed log (examples/maillog):
# Microsoft 365 rejects all mail to jumonji-u.ac.jp since Oct 19 16:36 because
# our IP 219.94.129.185 is on Spamhaus - summary, timeline, reason, IP and the
# lines with file:line; and `report --format csv --detail` equals scan's.
# Usage: store_partner.sh BOUNCESCOPE   (BS_STORE_BIN overrides, for a driver)
set -uo pipefail
BIN=${BS_STORE_BIN:-${1:?usage: store_partner.sh BOUNCESCOPE}}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }
cp "$SRC/examples/maillog" "$T/maillog"
cd "$T" || exit 1
"$BIN" scan --db h.db --no-dns -q maillog > /dev/null
if [ ! -f h.db ]; then
    echo "FAIL: scan --db wrote no database (h.db): the store failed to open"
    exit 1
fi
"$BIN" partner --db h.db jumonji-u.ac.jp > out.txt
rc=$?
[ $rc = 0 ] || bad "partner: exit status got $rc, want 0"
# want: fixed strings the output must contain
while IFS= read -r want; do
    grep -qF -- "$want" out.txt || bad "partner output lacks '$want'"
done <<'WANT'
Summary: since Oct 19 16:36 all mail to jumonji-u.ac.jp is rejected by Microsoft
because our server's IP 219.94.129.185 is named by Spamhaus (5.7.1)
2 failures for 2 recipients (shiotani@jumonji-u.ac.jp, kato@jumonji-u.ac.jp)
shiotani@jumonji-u.ac.jp: bounced
kato@jumonji-u.ac.jp: bounced
blocked
219.94.129.185  2 failures  named by Spamhaus
maillog:2
maillog:6
Client host [219.94.129.185] blocked using Spamhaus
WANT
[ $fail = 0 ] || sed 's/^/    got: /' out.txt | head -30

# a recipient, and something with no failures
"$BIN" partner --db h.db shiotani@jumonji-u.ac.jp | grep -qF "shiotani@jumonji-u.ac.jp: bounced" ||
    bad "partner ADDRESS: no timeline"
"$BIN" partner --db h.db nobody.example > /dev/null 2> err.txt
grep -q "no failures stored for nobody.example" err.txt || bad "partner with no failures: got '$(cat err.txt)'"

# report --detail == scan --detail
"$BIN" scan --no-db --no-dns --format csv --detail maillog > scan.csv
"$BIN" report --db h.db --no-dns --format csv --detail > report.csv
cmp -s scan.csv report.csv || { bad "report --format csv --detail differs from scan's"; diff scan.csv report.csv | head -6; }

[ $fail = 0 ] && echo "store_partner: all passed"
exit $fail
