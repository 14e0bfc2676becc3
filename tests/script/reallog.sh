#!/usr/bin/env bash
# reallog.sh - the real log lines of tests/reallog (public Postfix, Sendmail and Exim
# logs, labelled before measuring) scanned end to end; fails when the class agreement,
# the kind agreement or our IPs found fall below, or the dropped events rise above, the
# figures reached (150 of 156 = 0.9615, kind 152 of 156, in-sample after the fixes;
# tests/reallog/README.md), rounded down. A lower figure
# after a change is a regression on real logs: look at `bench/reallog_score.sh`.
set -uo pipefail
BIN=${1:?usage: reallog.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
. "$SRC/tests/tools/require.sh"
require python3 "the scoring"
if python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" --quiet \
    --min-agreement 0.961 --min-kind 0.974 --min-ip 9 --max-dropped 4; then
    echo "reallog: 1 passed, 0 failed"
    exit 0
fi
python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" | grep -v '^READ'
echo "reallog: 0 passed, 1 failed"
exit 1
