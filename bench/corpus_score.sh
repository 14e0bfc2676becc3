#!/usr/bin/env bash
# corpus_score.sh - how well the reason engine does on the labelled corpus (not
# a test): per-class precision and recall, overall agreement, and the
# implicated IP (found where the text names ours; a wrong address named).
#
#   bench/corpus_score.sh [BOUNCESCOPE] [CORPUS.tsv...]   defaults: build/bouncescope tests/corpus/*.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/bouncescope}
shift || true
if [ $# -eq 0 ]; then
    set -- tests/corpus/*.tsv
fi
"$BIN" explain --corpus --format csv "$@" 2>/dev/null | python3 -c '
import csv, sys, collections
rows = list(csv.DictReader(sys.stdin))
if not rows:
    sys.exit("no rows")
tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
for r in rows:
    want, got = r["class"], r["got_class"]
    if want == got:
        tp[want] += 1
    else:
        fp[got] += 1
        fn[want] += 1
classes = sorted(set(tp) | set(fp) | set(fn))
print("%-16s %6s %6s %9s %7s" % ("class", "rows", "got", "precision", "recall"))
worst = 1.0
for c in classes:
    n = tp[c] + fn[c]
    got = tp[c] + fp[c]
    p = tp[c] / got if got else float("nan")
    rc = tp[c] / n if n else float("nan")
    for v in (p, rc):
        if v == v:
            worst = min(worst, v)
    print("%-16s %6d %6d %9.3f %7.3f" % (c, n, got, p, rc))
agree = sum(tp.values()) / len(rows)
print("rows %d, class agreement %.3f, lowest per-class precision or recall %.3f" % (
    len(rows), agree, worst))
named = [r for r in rows if r["ip"]]
found = sum(1 for r in named if r["got_ip"] == r["ip"])
wrong = sum(1 for r in rows if r["got_ip"] and r["got_ip"] != r["ip"])
print("implicated IP: found in %d of %d rows that name ours (%.1f%%); a wrong address named in %d rows" % (
    found, len(named), 100.0 * found / len(named) if named else 100.0, wrong))
cache = sum(1 for r in rows if r["cache"])
if cache:
    print("the cache changed %d answers" % cache)
'
