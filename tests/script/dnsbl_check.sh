#!/bin/bash
# dnsbl_check.sh - `bouncescope check` end to end against a loopback rbldnsd.
#
# Usage (CTest): bash dnsbl_check.sh /path/to/bouncescope, with BS_SOURCE_DIR set.
# Starts rbldnsd with tests/dnsbl/ zones and a UDP socket that never answers,
# stops both by PID on exit (trap), and checks text, csv and json output:
# 219.94.129.185 listed on the test ZEN zone with 127.0.0.2 and 127.0.0.4, the
# meaning, TXT and advice; broken zones and a silent server "unknown", never clean.
set -u
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require rbldnsd "the test DNS server (apt-get install rbldnsd)"
require python3 "the JSON checks and the test DNS client"
BIN=${1:?usage: dnsbl_check.sh /path/to/bouncescope}
: "${BS_SOURCE_DIR:?}"
. "$BS_SOURCE_DIR/tests/dnsbl/rbldnsd.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsbl_check.XXXXXX")
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
# expect NAME FILE PATTERN: a fixed string that must be in FILE
expect() {
    grep -qF -- "$3" "$2" || { fail "$1: want '$3' in output, got:"; sed 's/^/    /' "$2"; }
}
reject() {
    ! grep -qF -- "$3" "$2" || fail "$1: did not want '$3' in output"
}

CHK=("$BIN" check --patterns "$BS_SOURCE_DIR/tests/dnsbl/patterns" --dns-server "127.0.0.1:$RBL_PORT")

# text
"${CHK[@]}" 219.94.129.185 10.1.2.3 >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc -eq 11 ] || fail "text: exit status $rc, want 11 (listed) ($(cat "$TMP/err.txt"))"
expect text "$TMP/out.txt" "219.94.129.185 (ip4): LISTED"
expect text "$TMP/out.txt" "127.0.0.2 SBL: Spamhaus Block List"
expect text "$TMP/out.txt" "127.0.0.4 XBL: Exploits Block List"
expect text "$TMP/out.txt" "list says: Listed by test SBL, see https://check.example.test/sbl?ip=219.94.129.185"
expect text "$TMP/out.txt" "do not file it yourself"
expect text "$TMP/out.txt" "removal: https://check.spamhaus.org/"
expect text "$TMP/out.txt" "UNKNOWN: error code 127.255.255.254: Spamhaus refuses queries from public resolvers: use DQS or a local resolver"
expect text "$TMP/out.txt" "UNKNOWN: zone failed its self-test"
expect text "$TMP/out.txt" "world.test                 ip4    UNUSABLE from this resolver"
reject text "$TMP/out.txt" "10.1.2.3 (ip4): not listed on any"

# csv: one row per (address, list), formula cells neutralised
"${CHK[@]}" -f csv 219.94.129.185 203.0.113.66 >"$TMP/out.csv"
rc=$?
[ $rc -eq 11 ] || fail "csv: exit status $rc, want 11 (listed)"
expect csv "$TMP/out.csv" "address,list,zone,status,codes,meaning,txt,delist_url,detail,advice"
expect csv "$TMP/out.csv" '219.94.129.185,spamhaus,zen.test,listed,"127.0.0.2,127.0.0.4",SBL: Spamhaus Block List'
expect csv "$TMP/out.csv" "219.94.129.185,test-refuse,refuse.test,unknown,,,,,error code 127.255.255.254"
expect csv "$TMP/out.csv" "\"'@SUM(1+1) listed\""
rows=$(grep -c '^219.94.129.185,' "$TMP/out.csv")
[ "$rows" = 4 ] || fail "csv: got $rows rows for 219.94.129.185, want 4 (one per list)"

# json, from stdin with "-"
printf '# comment\n\n219.94.129.185\nspam.example\nnot an address\n2001:db8:bad:1::1\n' |
    "${CHK[@]}" -f json - >"$TMP/out.json" 2>"$TMP/err.txt"
rc=$?
[ $rc -eq 11 ] || fail "json: exit status $rc, want 11 (listed)"
expect json-stdin "$TMP/err.txt" "stdin:5: 'not an address' is not an IP address or domain, skipped"
python3 - "$TMP/out.json" <<'PY' || fail "json: content"
import json, sys
d = json.load(open(sys.argv[1]))
by = {a["address"]: a for a in d["addresses"]}
assert set(by) == {"219.94.129.185", "spam.example", "2001:db8:bad:1::1"}, by.keys()
z = [r for r in by["219.94.129.185"]["results"] if r["list"] == "spamhaus"][0]
assert [c["code"] for c in z["codes"]] == ["127.0.0.2", "127.0.0.4"], z
assert z["status"] == "listed" and "219.94.129.185" in z["txt"], z
assert by["spam.example"]["status"] == "listed", by["spam.example"]
assert by["2001:db8:bad:1::1"]["status"] == "listed", by["2001:db8:bad:1::1"]
assert any(not t["usable"] for t in d["zone_tests"])
PY

# a server that never answers: unknown with "timeout", never clean
start=$(date +%s)
"$BIN" check --patterns "$BS_SOURCE_DIR/tests/dnsbl/patterns" --dns-server "127.0.0.1:$SILENT_PORT" \
    --dns-timeout 200 --dns-tries 2 -f csv 219.94.129.185 >"$TMP/silent.csv"
rc=$?
took=$(($(date +%s) - start))
[ $rc -eq 12 ] || fail "silent: exit status $rc, want 12 (could not check)"
expect silent "$TMP/silent.csv" "219.94.129.185,spamhaus,zen.test,unknown,,,,https://check.spamhaus.org/,timeout: no answer within 200 ms x 2 tries"
reject silent "$TMP/silent.csv" "not_listed"
[ "$took" -le 4 ] || fail "silent: took $took s, want the short timeouts"

# the exit status a monitoring script reads: 0 only when every lookup answered and
# nothing is listed; the broken test lists switched off for that
mkdir -p "$TMP/clean"
sed '/^\[list test-/,/^$/s/^default-check = yes/default-check = no/' \
    "$BS_SOURCE_DIR/tests/dnsbl/patterns/blocklists.conf" >"$TMP/clean/blocklists.conf"
CLEAN=("$BIN" check --patterns "$TMP/clean" --dns-server "127.0.0.1:$RBL_PORT")
"${CLEAN[@]}" 10.1.2.3 >"$TMP/clean.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { fail "clean: exit status $rc, want 0 (not listed, all answered)"; sed 's/^/    /' "$TMP/clean.txt"; }
"${CLEAN[@]}" 10.1.2.3 219.94.129.185 >/dev/null 2>&1
rc=$?
[ $rc -eq 11 ] || fail "clean + listed: exit status $rc, want 11"
"$BIN" check --patterns "$TMP/clean" --dns-server "127.0.0.1:$SILENT_PORT" --dns-timeout 200 \
    --dns-tries 1 10.1.2.3 >/dev/null 2>&1
rc=$?
[ $rc -eq 12 ] || fail "clean lists, silent server: exit status $rc, want 12"

# usage errors
"${CHK[@]}" 219.94.129 >/dev/null 2>&1
[ $? -eq 1 ] || fail "bad address: want exit status 1"
"${CHK[@]}" --dns-server localhost 1.2.3.4 >/dev/null 2>&1
[ $? -eq 1 ] || fail "bad --dns-server: want exit status 1"

[ $fails -eq 0 ] && echo "dnsbl_check: all passed"
exit $((fails > 0))
