#!/usr/bin/env bash
# parse_golden.sh - every tests/parse/<mta>-*.log through bs_parse_dump (the header
# parser and the MTA grammars, line by line) must give exactly its .records file.
# The .records files are the parser's contract: each line's record, field by field,
# other and unparsed lines included. After a deliberate change, regenerate them with
#   BS_BINARY_DIR=build tests/script/parse_golden.sh --update
# and read the diff before committing it.
set -uo pipefail
SRC=${BS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DUMP=$(cd "${BS_BINARY_DIR:?}" && pwd)/bs_parse_dump
export TZ=UTC
update=0
[ "${1:-}" = "--update" ] && update=1
if [ ! -x "$DUMP" ]; then
    echo "FAIL: $DUMP is not built"
    exit 1
fi
pass=0
failed=0
got=$(mktemp)
trap 'rm -f "$got"' EXIT
for log in "$SRC"/tests/parse/*.log; do
    want=${log%.log}.records
    name=$(basename "$log")
    # the dump names lines by number only, so the output does not depend on the path
    (cd "$(dirname "$log")" && "$DUMP" "$name") > "$got" || {
        echo "FAIL $name: bs_parse_dump exited with $?"
        failed=$((failed + 1))
        continue
    }
    if [ $update = 1 ]; then
        cp "$got" "$want"
        echo "updated $(basename "$want")"
        continue
    fi
    if [ ! -f "$want" ]; then
        echo "FAIL $name: no $(basename "$want") (run with --update to create it)"
        failed=$((failed + 1))
    elif ! diff -u "$want" "$got" > "$got.diff"; then
        echo "FAIL $name: records differ (got +, want -):"
        head -60 "$got.diff"
        failed=$((failed + 1))
    else
        pass=$((pass + 1))
    fi
    rm -f "$got.diff"
done
[ $update = 1 ] && exit 0
if [ $((pass + failed)) -eq 0 ]; then
    echo "FAIL: no tests/parse/*.log"
    exit 1
fi
echo "parse_golden: $pass passed, $failed failed"
[ $failed -eq 0 ]
