#!/usr/bin/env bash
# truth.sh - generated logs of all three MTAs and both timestamp styles, checked
# against the generator's truth file: counts per domain and status, reason,
# blocklist, implicated IP, one fingerprint per template (tests/tools/truth_compare.py).
set -euo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the log generator and its truth"
BIN=${1:?usage: truth.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
GEN=${BS_GENERATOR:-$SRC/bench/genmaillog.py}
LINES=${BS_TRUTH_LINES:-40000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for mta in postfix sendmail exim; do
    for stamp in rfc3164 rfc3339; do
        [ "$mta" = exim ] && [ "$stamp" = rfc3339 ] && continue # Exim writes its own stamp
        log=$work/$mta-$stamp.log
        python3 "$GEN" --mta "$mta" --stamp "$stamp" --lines "$LINES" --seed 7 --domains 800 \
            --truth "$work/$mta-$stamp.truth" > "$log"
        "$BIN" scan --no-db --no-dns --year 2018 --format csv --detail "$log" > "$work/$mta-$stamp.csv"
        "$BIN" scan --no-db --no-dns --year 2018 --format json "$log" > "$work/$mta-$stamp.json"
        # successful deliveries are counted too (failure rates divide by them)
        if ! python3 - "$work/$mta-$stamp.truth" "$work/$mta-$stamp.json" <<'PY'
import json, sys
want = sum(1 for l in open(sys.argv[1]) if l.split("\t")[1] == "sent")
got = json.load(open(sys.argv[2]))["totals"]["sent"]
print("sent deliveries: got %d, want %d" % (got, want))
sys.exit(0 if got == want else 1)
PY
        then
            fail=1
        fi
        echo "== $mta $stamp"
        if ! python3 "$SRC/tests/tools/truth_compare.py" "$work/$mta-$stamp.truth" \
            "$work/$mta-$stamp.csv" "$GEN"; then
            fail=1
        fi
    done
done
if [ $fail -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
