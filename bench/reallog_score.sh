#!/usr/bin/env bash
# reallog_score.sh - how bouncescope does on the real log lines of tests/reallog (not a
# test): every file scanned through the real scan path, its events joined with
# tests/reallog/labels.tsv; per-class precision and recall, agreement, our IP
# found/missed/wrong, dropped and extra events, the lines the scan did not read.
# tests/tools/reallog_score.py says how events are grouped and matched.
#
#   bench/reallog_score.sh [BOUNCESCOPE [--labels labels2.tsv ...]]   default: build/bouncescope, all labels*.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/bouncescope}
shift || true
exec python3 tests/tools/reallog_score.py "$BIN" tests/reallog "$@"
