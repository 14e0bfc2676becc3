#!/usr/bin/env bash
# corpus_mta.sh - every remote reply of the corpus (rows with mta=any) written
# as a Postfix, a Sendmail (shortened to head...tail like Sendmail does) and an
# Exim log line, scanned, and checked for the row's class and implicated IP:
# the engine must be right on the text as each MTA logs it
# (tests/tools/corpus_mta.py says how the lines are built).
set -uo pipefail
BIN=${1:?usage: corpus_mta.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shopt -s nullglob
files=("$SRC"/tests/corpus/*.tsv)
if [ ${#files[@]} -eq 0 ]; then
    echo "FAIL: no corpus files in $SRC/tests/corpus"
    exit 1
fi
if ! python3 "$SRC/tests/tools/corpus_mta.py" "$BIN" "$work" "${files[@]}"; then
    echo "corpus_mta: 0 passed, 1 failed"
    exit 1
fi
echo "corpus_mta: 1 passed, 0 failed"
