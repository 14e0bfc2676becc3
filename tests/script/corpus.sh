#!/usr/bin/env bash
# corpus.sh - every row of the labelled corpus (tests/corpus/*.tsv) through
# `bouncescope explain --corpus`: the class, the implicated IP and the provider
# of each row must be the row's, with and without the classification cache.
# Mismatches are printed as file:line; adding a case is adding a line.
set -uo pipefail
BIN=${1:?usage: corpus.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
shopt -s nullglob
files=("$SRC"/tests/corpus/*.tsv)
if [ ${#files[@]} -eq 0 ]; then
    echo "FAIL: no corpus files in $SRC/tests/corpus"
    exit 1
fi
if ! "$BIN" explain --corpus "${files[@]}"; then
    echo "corpus: 0 passed, 1 failed"
    exit 1
fi
echo "corpus: 1 passed, 0 failed"
