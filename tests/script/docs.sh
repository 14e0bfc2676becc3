#!/usr/bin/env bash
# docs.sh - the README's option table is the option table and its exit
# status table is cli.c's: both must equal `bouncescope help --markdown`
# (regenerate README's "Options" section when an option changes); README's
# event column table must equal `bouncescope help --markdown columns`
# (src/event.h's EVENT_COLUMNS); and every reason class of
# patterns/reasons.conf must be listed in README's table of classes.
set -uo pipefail
BIN=${1:?usage: docs.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
fail=0
want=$(mktemp)
got=$(mktemp)
TMPDIR_DOCS=$(mktemp -d)
trap 'rm -rf "$want" "$got" "$TMPDIR_DOCS"' EXIT
# table HEADER FILE - the Markdown table that starts with HEADER in FILE
table() { awk -v h="$1" '$0 == h {on=1} on && /^\|/{print; next} on{exit}' "$2"; }
"$BIN" help --markdown > "$TMPDIR_DOCS/markdown"
for header in '| option | commands | meaning |' '| status | meaning |'; do
    table "$header" "$TMPDIR_DOCS/markdown" > "$want"
    table "$header" "$SRC/README.md" > "$got"
    if [ ! -s "$want" ] || ! diff -u "$want" "$got"; then
        echo "FAIL: README's table '$header' differs from 'bouncescope help --markdown' (got +, want -)"
        fail=1
    fi
done
"$BIN" help --markdown columns > "$want"
table '| column | meaning |' "$SRC/README.md" > "$got"
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
    echo "docs: 0 passed, 1 failed"
    exit 1
fi
echo "docs: 1 passed, 0 failed"
