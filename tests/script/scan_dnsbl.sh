#!/bin/bash
# scan_dnsbl.sh - `bouncescope scan` with live blocklist checks against a loopback
# rbldnsd (tests/dnsbl/), the "done when" of the blocklist issue:
#  - the story's IP 219.94.129.185 is listed on the test ZEN zone, with code
#    meanings, TXT and advice, in text; the event CSV says listed + the zone codes;
#  - an error-code zone and a server that never answers give "unknown" with the
#    reason, never "not listed";
#  - --no-dns reports "unchecked".
set -u
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require rbldnsd "the test DNS server (apt-get install rbldnsd)"
require python3 "the CSV checks and the test DNS client"
BIN=${1:?usage: scan_dnsbl.sh /path/to/bouncescope}
: "${BS_SOURCE_DIR:?}"
. "$BS_SOURCE_DIR/tests/dnsbl/rbldnsd.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/scan_dnsbl.XXXXXX")
cleanup() {
    rbl_stop
    silent_stop
    rm -rf "$TMP"
}
trap cleanup EXIT
rbl_start || exit 1
silent_start "$TMP"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# the text report wraps at 80 columns: look for a phrase with each line joined to
# its continuation lines (those indented further than the report's labels)
joined() { python3 -c 'import re, sys; sys.stdout.write(re.sub(r"\n {4,}(?=\S)", " ", open(sys.argv[1]).read()))' "$1"; }
expect() { joined "$2" | grep -qF -- "$3" || { fail "$1: want '$3' in:"; sed 's/^/    /' "$2" | head -60; }; }
reject() { ! joined "$2" | grep -qF -- "$3" || fail "$1: did not want '$3'"; }

LOG=$BS_SOURCE_DIR/examples/maillog
SCAN=("$BIN" scan --no-db --year 2018 --patterns "$BS_SOURCE_DIR/tests/dnsbl/patterns")

"${SCAN[@]}" --dns-server "127.0.0.1:$RBL_PORT" "$LOG" > "$TMP/text" 2> "$TMP/err"
expect text "$TMP/text" "implicated IP: 219.94.129.185 (3 failures) — blocklist status: listed [zen.test=127.0.0.2,127.0.0.4]"
expect text "$TMP/text" "SBL: Spamhaus Block List: a known spam source or spam operation"
expect text "$TMP/text" "TXT: Listed by test SBL"
expect text "$TMP/text" "advice: On shared hosting, ask your provider to request removal; do not file it yourself"
expect text "$TMP/text" "unknown    Refusing list (error code 127.255.255.254: Spamhaus refuses queries from public resolvers"
reject text "$TMP/text" "not_listed  Refusing"

"${SCAN[@]}" --dns-server "127.0.0.1:$RBL_PORT" --format csv --detail "$LOG" > "$TMP/csv"
python3 - "$TMP/csv" <<'PY' || fail "event csv: implicated_ip_status/lists"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["implicated_ip"] == "219.94.129.185"]
assert rows, "no events name 219.94.129.185"
for r in rows:
    assert r["implicated_ip_status"] == "listed", r["implicated_ip_status"]
    assert r["implicated_ip_lists"] == "zen.test=127.0.0.2,127.0.0.4", r["implicated_ip_lists"]
others = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if not r["implicated_ip"]]
assert all(r["implicated_ip_status"] == "" for r in others)
PY

# a server that never answers: unknown (timeout), never clean
"${SCAN[@]}" --dns-server "127.0.0.1:$SILENT_PORT" --dns-timeout 100 --dns-tries 1 "$LOG" > "$TMP/silent" 2>&1
expect silent "$TMP/silent" "blocklist status: unknown"
reject silent "$TMP/silent" "not_listed"
"${SCAN[@]}" --dns-server "127.0.0.1:$SILENT_PORT" --dns-timeout 100 --dns-tries 1 --format csv --detail "$LOG" > "$TMP/silent.csv" 2>/dev/null
expect silent-csv "$TMP/silent.csv" ",219.94.129.185,unknown,"

# --check-domains: the sender domain of a failure against the domain list (test DBL)
cat > "$TMP/dbl.log" <<'LOG'
2018-10-19T16:36:24.000000+09:00 mx1.example.jp postfix/qmgr[812]: 1A2B3C4D5E: from=<news@spam.example>, size=4521, nrcpt=1 (queue active)
2018-10-19T16:36:25.000000+09:00 mx1.example.jp postfix/smtp[2101]: 1A2B3C4D5E: to=<a@example.net>, relay=mx1.example.net[198.51.100.25]:25, delay=1.2, delays=0.05/0.01/0.6/0.54, dsn=5.7.1, status=bounced (host mx1.example.net[198.51.100.25] said: 554 5.7.1 Service unavailable; Sender address [news@spam.example] blocked using dbl.spamhaus.org (in reply to MAIL FROM command))
LOG
"${SCAN[@]}" --dns-server "127.0.0.1:$RBL_PORT" --check-domains "$TMP/dbl.log" > "$TMP/dbl" 2>&1
expect dbl "$TMP/dbl" "spam.example"
expect dbl "$TMP/dbl" "listed     Spamhaus DBL 127.0.1.2"
"${SCAN[@]}" --dns-server "127.0.0.1:$RBL_PORT" "$TMP/dbl.log" > "$TMP/nodbl" 2>&1
expect no-check-domains "$TMP/nodbl" "blocklist named: Spamhaus DBL"
reject no-check-domains "$TMP/nodbl" "listed     Spamhaus DBL"

# --no-dns: unchecked
"${SCAN[@]}" --no-dns --format csv --detail "$LOG" > "$TMP/nodns.csv"
expect nodns "$TMP/nodns.csv" ",219.94.129.185,unchecked,"

# the history database keeps answers for their TTL: a second run whose DNS server
# never answers still knows the listing (and an unknown answer is never cached)
DBSCAN=("$BIN" scan --db "$TMP/h.db" --year 2018 --patterns "$BS_SOURCE_DIR/tests/dnsbl/patterns")
"${DBSCAN[@]}" --dns-server "127.0.0.1:$RBL_PORT" "$LOG" > /dev/null 2>&1
cat > "$TMP/more.log" <<'LOG'
Oct 24 17:20:00 www1234.sakura.ne.jp sendmail[20002]: w9OHK020002: to=<y@jumonji-u.ac.jp>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=1, relay=jumonjiu-ac-jp01i.mail.protection.outlook.com. [104.47.93.36], dsn=5.7.1, reply=550 5.7.1 Service unavailable, Client host [219.94.129.185] blocked using Spamhaus, stat=Service unavailable
LOG
"${DBSCAN[@]}" --dns-server "127.0.0.1:$SILENT_PORT" --dns-timeout 100 --dns-tries 1 "$TMP/more.log" > "$TMP/cached" 2>&1
expect cache "$TMP/cached" "implicated IP: 219.94.129.185 (1 failure) — blocklist status: listed [zen.test=127.0.0.2,127.0.0.4]"
expect cache "$TMP/cached" "from the cache"
# partner shows what the last scans learnt about the implicated IP
"$BIN" partner --db "$TMP/h.db" jumonji-u.ac.jp > "$TMP/partner" 2>&1
expect partner "$TMP/partner" "blocklists (last check): zen.test listed 127.0.0.2,127.0.0.4 (checked"

if [ $fails -ne 0 ]; then
    echo "scan_dnsbl: 0 passed, $fails failed"
    exit 1
fi
echo "scan_dnsbl: 1 passed, 0 failed"
