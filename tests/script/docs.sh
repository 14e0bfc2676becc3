#!/usr/bin/env bash
# docs.sh - the README's option table is the option table: it must equal
# `bouncescope help --markdown` (regenerate README's "Options" section when
# an option changes); README's event column table must equal `bouncescope help
# --markdown columns` (src/event.h's EVENT_COLUMNS); and every reason class of
# patterns/reasons.conf must be listed in README's table of classes.
set -uo pipefail
BIN=${1:?usage: docs.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
fail=0
want=$(mktemp)
got=$(mktemp)
trap 'rm -f "$want" "$got"' EXIT
"$BIN" help --markdown > "$want"
awk '/^\| option \| commands \| meaning \|$/{on=1} on && /^\|/{print; next} on{exit}' \
    "$SRC/README.md" > "$got"
if ! diff -u "$want" "$got"; then
    echo "FAIL: README's option table differs from 'bouncescope help --markdown' (got +, want -)"
    fail=1
fi
"$BIN" help --markdown columns > "$want"
awk '/^\| column \| meaning \|$/{on=1} on && /^\|/{print; next} on{exit}' \
    "$SRC/README.md" > "$got"
if [ ! -s "$want" ] || ! diff -u "$want" "$got"; then
    echo "FAIL: README's event column table differs from 'bouncescope help --markdown columns' (got +, want -)"
    fail=1
fi
for reason in $(sed -n 's/^\[reason \([a-z]*\)\]$/\1/p' "$SRC/patterns/reasons.conf" | sort -u); do
    if ! grep -q "| \`$reason\` |" "$SRC/README.md"; then
        echo "FAIL: reason class '$reason' is not in README's table of classes"
        fail=1
    fi
done
if [ $fail -ne 0 ]; then
    echo "docs: FAIL"
    exit 1
fi
echo "docs: option table, event column table and reason classes match"
