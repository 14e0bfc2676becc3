#!/usr/bin/env bash
# text_width.sh - the text report of every shipped example fits 80 columns
# (East Asian wide characters counting 2, measured by Python's unicodedata,
# not by our own code), names each count's noun in the right number, and is
# pure ASCII in a non-UTF-8 locale; and src/wide_table.h is what
# tests/tools/wide_table.py generates from the same Unicode data.
set -uo pipefail
BIN=${1:?usage: text_width.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC
fail=0
python3 "$SRC/tests/tools/wide_table.py" --check "$SRC/src/wide_table.h" || fail=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for locale in C.UTF-8 C; do
    for ex in "$SRC"/examples/*log*; do
        LC_ALL=$locale "$BIN" scan --no-db --no-dns --year 2018 --format text "$ex" \
            > "$dir/$locale.$(basename "$ex")"
    done
done
python3 - "$dir" <<'PY' || fail=1
import os, re, sys, unicodedata
d = sys.argv[1]
bad = lines = 0
for f in sorted(os.listdir(d)):
    data = open(os.path.join(d, f), "rb").read()
    if f.startswith("C.") and not f.startswith("C.UTF-8.") and any(b >= 0x80 for b in data):
        print("FAIL %s: non-ASCII bytes in the report of an ASCII locale" % f)
        bad += 1
    for no, line in enumerate(data.decode("utf-8").splitlines(), 1):
        lines += 1
        w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        if w > 80:
            print("FAIL %s line %d: %d columns: %s" % (f, no, w, line))
            bad += 1
        m = re.search(r"(?<![\d,.])1 (recipients|messages|domains|failures|lookups|queue ids"
                      r"|hosts|lines|inputs|bytes|groups)\b", line)
        if m:
            print("FAIL %s line %d: '%s'" % (f, no, m.group(0)))
            bad += 1
print("%d reports, %d lines, %d faults" % (len(os.listdir(d)), lines, bad))
sys.exit(1 if bad or not lines else 0)
PY
if [ $fail -ne 0 ]; then
    echo "text_width: 0 passed, 1 failed"
    exit 1
fi
echo "text_width: 1 passed, 0 failed"
