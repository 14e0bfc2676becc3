#!/usr/bin/env bash
# reallog.sh - the real log lines of tests/reallog (public Postfix, Sendmail and Exim
# logs, labelled before measuring) scanned end to end, one label batch at a time; fails
# when a batch's class agreement, kind agreement or our IPs found fall below, or its
# dropped events rise above, the figures it reached (tests/reallog/README.md), rounded
# down. A lower figure after a change is a regression on real logs: look at
# `bench/reallog_score.sh --labels labelsN.tsv`.
set -uo pipefail
BIN=${1:?usage: reallog.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
. "$SRC/tests/tools/require.sh"
require python3 "the scoring"
# labels file, min agreement, min kind, min IPs found, max dropped
BATCHES=(
    "labels.tsv  0.968 0.976 8 3"   # 121 of 125, in-sample after the batch 1 fixes
    "labels2.tsv 0.925 0.962 0 1"   # 25 of 27, in-sample after the batch 2 fixes
    "labels3.tsv 1.000 1.000 1 0"   # 4 of 4, in-sample after the batch 3 fixes
    "labels4.tsv 0.958 0.979 6 1"   # 46 of 48, in-sample after the batch 4/5 fixes (held out: 41 of 48)
    "labels5.tsv 0.937 1.000 2 0"   # 15 of 16, in-sample after the batch 5 fixes (held out: 12 of 16)
    "labels6.tsv 0.960 0.960 0 1"   # 24 of 25, in-sample after the batch 6 fixes (held out: 21 of 25)
    "labels7.tsv 1.000 1.000 4 0"   # 22 of 22: 20 in-sample after the batch 7 fix (held out: 15 of 20 as labelled, 18 of 20 with the label fixes), part 2 held out 2 of 2
    "labels8.tsv 0.767 0.813 1 8"   # 33 of 43: 32 of 41 in-sample after the batch 8 phrases (held out: 28 of 41), part 2 held out 1 of 2; 8 lost, 7 reported
    "labels9.tsv 0.851 0.851 6 4"   # 23 of 27: 20 of 20 in-sample after the batch 9 fixes (held out: 17 of 20, 1 lost), part 2 held out 2 of 7 -> 3 of 7 after the Exim "(parent) <orig>" fix, 4 lost (ids a post shortened), all reported
    "labels10.tsv 1.000 1.000 0 0"  # 9 of 9 held out (Sendmail 7, Exim 2), none lost; unchanged after the batch 10 header fix (the year of an exim[pid]: line)
    "labels11.tsv 0.937 0.937 8 2"  # 30 of 32: part 1 18 of 18 after its fixes (held out: 15 of 18 as scored, 16 of 18 without the scorer's csv-quoting artefact), part 2 held out 11 of 14 -> 12 of 14 after the "No AUTH command" phrase; 2 lost (forum bold ** inside status=), reported
    "labels12.tsv 1.000 1.000 0 0"  # 26 of 26 after the Sendmail DATA-N protocol error and notice-word reading (held out: 19 of 26, 1 lost silently)
)
failed=0
for b in "${BATCHES[@]}"; do
    read -r labels agree kind ip dropped <<<"$b"
    if ! python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" --quiet \
        --labels "$labels" --min-agreement "$agree" --min-kind "$kind" --min-ip "$ip" \
        --max-dropped "$dropped"; then
        echo "reallog: $labels below its figures:"
        python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" --labels "$labels" |
            grep -v '^READ'
        failed=1
    fi
done
# every file belongs to a batch
python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" --quiet || failed=1
if [ $failed = 0 ]; then
    echo "reallog: 1 passed, 0 failed"
    exit 0
fi
echo "reallog: 0 passed, 1 failed"
exit 1
