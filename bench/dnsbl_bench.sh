#!/bin/bash
# bench/dnsbl_bench.sh - blocklist lookups: c-ares engine vs one blocking query at a time.
#
# Usage: bash bench/dnsbl_bench.sh /path/to/bouncescope [N_IPS]   (default 10000)
#
# Starts a loopback rbldnsd (tests/dnsbl/rbldnsd.sh) with three generated
# ip4tset zones (bench1..3.test, every 10th/7th/13th IP listed), then
#  1. `bouncescope check -` with the N IPs on stdin: each (IP, zone) is one
#     lookup = an A and a TXT query, at most --dns-max-inflight in flight,
#     zone self-tests included, output as CSV (to a file, then verified);
#  2. the same N x 3 lookups (A only) sequentially, one blocking UDP query
#     and wait per lookup (tests/dnsbl/dnsq.py seq).
# Prints lookups/s and total time for both; fails if any answer was lost
# (an "unknown" row) or the listed count is wrong at the default cap of 200
# (INFLIGHT="200 500" by default: the 500 run shows what a bigger burst loses).
# Target: >= 20,000 lookups/s with zero lost answers.
set -u
BIN=${1:?usage: dnsbl_bench.sh /path/to/bouncescope [N_IPS]}
N=${2:-10000}
BS_SOURCE_DIR=${BS_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
export BS_SOURCE_DIR
. "$BS_SOURCE_DIR/tests/dnsbl/rbldnsd.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsbl_bench.XXXXXX")
trap 'rbl_stop; rm -rf "$TMP"' EXIT
chmod 755 "$TMP" # rbldnsd reads the zones as its own user when started as root

# N distinct IPs in 10.0.0.0/8; zone k lists every (10, 7, 13)th of them
python3 - "$N" "$TMP" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
ips = ["10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255) for i in range(1, n + 1)]
open(out + "/ips", "w").write("\n".join(ips) + "\n")
for k, step in ((1, 10), (2, 7), (3, 13)):
    with open("%s/bench%d.zone" % (out, k), "w") as f:
        f.write(":127.0.0.2:Bench list %d: $ listed\n127.0.0.2\n" % k)
        f.write("\n".join(ips[::step]) + "\n")
expected = sum(len(ips[::s]) for s in (10, 7, 13))
open(out + "/expected", "w").write("%d\n" % expected)
PY

mkdir -p "$TMP/patterns"
{
    for id in spamhaus spamcop barracuda uceprotect psbl mailspike s5h spamhaus-dbl; do
        printf '[list %s]\ndefault-check = no\n\n' "$id"
    done
    for k in 1 2 3; do
        printf '[list bench%d]\nlabel = Bench %d\nkind = ip\nzone = bench%d.test\nquery = ip4\n' "$k" "$k" "$k"
        printf 'default-check = yes\ncode = 127.0.0.2 B: bench listing\n\n'
    done
} >"$TMP/patterns/blocklists.conf"

rbl_start "bench1.test:ip4tset:$TMP/bench1.zone" "bench2.test:ip4tset:$TMP/bench2.zone" \
    "bench3.test:ip4tset:$TMP/bench3.zone" || exit 1

lookups=$((N * 3))
echo "dnsbl bench: $N distinct IPs x 3 zones = $lookups lookups, rbldnsd on 127.0.0.1:$RBL_PORT"
echo "machine: $(nproc) CPU, $(uname -sr), c-ares $(dpkg-query -W -f '${Version}' libc-ares2 2>/dev/null)"

status=0
for inflight in ${INFLIGHT:-200 500}; do
    t0=$(date +%s.%N)
    "$BIN" check --patterns "$TMP/patterns" --dns-server "127.0.0.1:$RBL_PORT" \
        --dns-max-inflight "$inflight" -f csv - <"$TMP/ips" >"$TMP/out.csv"
    rc=$?
    t1=$(date +%s.%N)
    rows=$(($(wc -l <"$TMP/out.csv") - 1))
    listed=$(grep -c ',listed,' "$TMP/out.csv")
    unknown=$(grep -c ',unknown,' "$TMP/out.csv")
    python3 -c "import sys; n,a,b=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); \
print('c-ares, max %s in flight: %d lookups (A+TXT) in %.3f s = %.0f lookups/s' % (sys.argv[4], n, b-a, n/(b-a)))" \
        "$lookups" "$t0" "$t1" "$inflight"
    echo "    rows $rows, listed $listed (want $(cat "$TMP/expected")), lost/unknown $unknown, exit $rc"
    if [ "$rc" -ne 0 ] || [ "$rows" -ne "$lookups" ] || [ "$unknown" -ne 0 ] ||
        [ "$listed" -ne "$(cat "$TMP/expected")" ]; then
        if [ "$inflight" = 200 ]; then
            echo "FAIL: wrong or lost answers at the default cap"
            status=1
        else
            echo "    (lost answers above the default cap: why --dns-max-inflight exists)"
        fi
    fi
done

python3 "$BS_SOURCE_DIR/tests/dnsbl/dnsq.py" seq "$RBL_PORT" "$TMP/ips" bench1.test bench2.test bench3.test ||
    status=1
exit $status
