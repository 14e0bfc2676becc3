#!/usr/bin/env bash
# store_partner.sh - `partner` tells the story of the seed log (examples/maillog):
# Microsoft 365 rejects all mail to jumonji-u.ac.jp since Oct 19 16:36 because
# our IP 219.94.129.185 is on Spamhaus - the dominant cause and its state, the
# counts, a paste without our advice, each message's path, the lists named and
# the replies with file:line; a greylisted address that was delivered later
# is "recovered" with the receiver's queue id, also asked by queue id and
# Message-ID; json, html and csv; and `report --format csv --detail` equals scan's.
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
"$BIN" scan --db h.db --no-dns -q --year 2018 maillog > /dev/null
if [ ! -f h.db ]; then
    echo "FAIL: scan --db wrote no database (h.db): the store failed to open"
    exit 1
fi
"$BIN" partner --db h.db jumonji-u.ac.jp > out.txt
rc=$?
[ $rc = 0 ] || bad "partner: exit status got $rc, want 0"
# want: fixed strings the output must contain (the dossier: the dominant cause and
# its state, counts, the paste, each message's path, every list named per IP),
# looked for in the text with its wrapped lines joined
joined() { tr '\n' ' ' < "$1" | tr -s ' '; }
joined out.txt > out.joined
while IFS= read -r want; do
    grep -qF -- "$want" out.joined || bad "partner output lacks '$want'"
done <<'WANT'
bouncescope partner jumonji-u.ac.jp (domain)
Summary: Our IP is on a blocklist: our IP 219.94.129.185, named by Spamhaus
100% of the final failures to jumonji-u.ac.jp (2 of 2); we must act.
Still failing since 2018-10-19 16:36:25 +00:00
Deliveries: 0 delivered, 0 deferred, 2 bounced, 0 expired
To paste to the partner:
2 messages to 2 recipients (shiotani@jumonji-u.ac.jp, kato@jumonji-u.ac.jp)
It refuses our sending IP 219.94.129.185 because Spamhaus lists it.
we must act: Get 219.94.129.185 off Spamhaus
w9J7aO12345 from info@example.jp
bounced shiotani@jumonji-u.ac.jp blocked
219.94.129.185 2 failures; named by Spamhaus
maillog:2
Client host [219.94.129.185] blocked using
WANT
# the paste holds facts, not our advice (the action and the advice stay internal)
sed -n '/^To paste to the partner:/,/^$/p' out.txt > paste.txt
for internal in "removal procedure" "find and stop" "Look up the implicated IP" "must act"; do
    grep -qF -- "$internal" paste.txt && bad "the paste holds internal advice: '$internal'"
done
python3 -c 'import sys; sys.exit(any(len(l) > 80 for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))' out.txt ||
    bad "partner text has lines over 80 columns"
[ $fail = 0 ] || sed 's/^/    got: /' out.txt | head -40

# an address is counted as itself; greylisted then delivered shows the delivery
"$BIN" partner --db h.db buyer@example-shop.de > addr.txt
joined addr.txt > addr.joined
for want in "buyer@example-shop.de (address)" "Recovered: delivered since 2018-10-19 17:05:12" \
    "delivered buyer@example-shop.de" "queued as 4C7A21F0B3" "1 delivered, 1 deferred"; do
    grep -qF -- "$want" addr.joined || bad "partner ADDRESS lacks '$want'"
done
# the queue id and the Message-ID of the same message tell the same path
"$BIN" partner --db h.db w9J7o012430 > qid.txt
grep -qF "w9J7o012430 (queue id)" qid.txt && grep -qF "queued as 4C7A21F0B3" qid.txt ||
    bad "partner QUEUE-ID: no path with the delivery"
"$BIN" partner --db h.db '<20181019165000.w9J7o012430@example.jp>' > mid.txt
grep -qF "(message-id)" mid.txt && grep -qF "queued as 4C7A21F0B3" mid.txt ||
    bad "partner MESSAGE-ID: no path with the delivery"
# a provider by name
"$BIN" partner --db h.db "Microsoft 365" | grep -qF "Microsoft 365 (provider)" ||
    bad "partner PROVIDER: not taken as a provider"
# the formats: json and html are what they say, csv holds the delivery with its proof
"$BIN" partner --db h.db --no-dns --format json buyer@example-shop.de > p.json
python3 - p.json <<'PY' || bad "partner --format json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "bouncescope-partner" and d["kind"] == "address", d.get("kind")
assert d["state"]["state"] == "recovered", d["state"]
path = d["messages"][0]["path"]
assert [p["status"] for p in path] == ["deferred", "delivered"], path
assert path[1]["queued_as"] == "4C7A21F0B3", path[1]
assert "removal" not in d["paste"]
PY
"$BIN" partner --db h.db --format html jumonji-u.ac.jp > p.html
grep -q '<html' p.html && grep -qF 'To paste to the partner' p.html || bad "partner --format html"
"$BIN" partner --db h.db --no-dns --format csv buyer@example-shop.de > p.csv
grep -q '^2018-10-19T17:05:12+00:00,sent,w9J7o012430,.*,4C7A21F0B3' p.csv ||
    bad "partner --format csv: no delivered row with its queued-as id"

# report --detail == scan --detail
"$BIN" scan --no-db --no-dns --format csv --detail --year 2018 maillog > scan.csv
"$BIN" report --db h.db --no-dns --format csv --detail > report.csv
cmp -s scan.csv report.csv || { bad "report --format csv --detail differs from scan's"; diff scan.csv report.csv | head -6; }

[ $fail = 0 ] && echo "store_partner: all passed"
exit $fail
