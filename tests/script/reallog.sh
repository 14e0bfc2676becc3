#!/usr/bin/env bash
# reallog.sh - the real log lines of tests/reallog (public Postfix, Sendmail and Exim
# logs, labelled before measuring) scanned end to end; fails when the class agreement,
# the kind agreement or our IPs found fall below, or the dropped events rise above, the
# figures reached (in-sample after the fixes: tests/reallog/README.md). A lower figure
# after a change is a regression on real logs: look at `bench/reallog_score.sh`.
set -uo pipefail
BIN=${1:?usage: reallog.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
. "$SRC/tests/tools/require.sh"
require python3 "the scoring"
if python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" --quiet \
    --min-agreement 0.968 --min-kind 0.976 --min-ip 8 --max-dropped 3; then
    echo "reallog: 1 passed, 0 failed"
    exit 0
fi
python3 "$SRC/tests/tools/reallog_score.py" "$BIN" "$SRC/tests/reallog" | grep -v '^READ'
echo "reallog: 0 passed, 1 failed"
exit 1
