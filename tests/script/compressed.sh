#!/usr/bin/env bash
# compressed.sh - a log compressed with gzip, xz, bzip2 or zstd (logrotate's
# compresscmd) gives exactly the events of the plain file, and a copy cut in
# the middle (logrotate still compressing it) gives its first events and a
# "compressed file is truncated" problem naming the file. The compressors
# are installed by ./bootstrap.sh test; a missing one fails the test.
set -uo pipefail
BIN=${1:?usage: compressed.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 pass=0
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# events - the detail CSV of FILE with the file column written as "log"
events() {
    "$BIN" scan --no-db --no-dns --year 2018 --format csv --detail "$1" | sed "s#$1#log#g"
}

cat "$SRC"/examples/postfix-rfc3339.log "$SRC"/examples/sendmail-rfc3339.log > "$T/log"
events "$T/log" > "$T/want"
[ "$(wc -l < "$T/want")" -gt 5 ] || bad "the plain log gives too few events"
for tool in gzip xz bzip2 zstd; do
    if ! command -v $tool > /dev/null; then
        bad "$tool is not installed"
        continue
    fi
    $tool -c < "$T/log" > "$T/log.$tool" 2> /dev/null
    events "$T/log.$tool" > "$T/got"
    if diff -u "$T/want" "$T/got" > "$T/diff"; then
        pass=$((pass + 1))
    else
        bad "$tool: events differ from the plain file's (got +, want -)"
        head -20 "$T/diff"
    fi
    # the log in two members, one after the other: one stream
    half=$(($(wc -l < "$T/log") / 2))
    head -n $half "$T/log" | $tool -c > "$T/two.$tool" 2> /dev/null
    tail -n +$((half + 1)) "$T/log" | $tool -c >> "$T/two.$tool" 2> /dev/null
    events "$T/two.$tool" > "$T/got"
    if diff -q "$T/want" "$T/got" > /dev/null; then
        pass=$((pass + 1))
    else
        bad "$tool: two members give other events than the plain file"
    fi
    # cut in the middle: read up to the cut, reported
    size=$(stat -c %s "$T/log.$tool")
    head -c $((size / 2)) "$T/log.$tool" > "$T/cut.$tool"
    "$BIN" scan --no-db --no-dns --year 2018 "$T/cut.$tool" > "$T/cut.out" 2> "$T/cut.err"
    if grep -q "compressed file is truncated" "$T/cut.out" && grep -q "cut.$tool" "$T/cut.out"; then
        pass=$((pass + 1))
    else
        bad "$tool: a cut file is not reported as truncated"
        tail -5 "$T/cut.out"
    fi
done
echo "compressed: $pass passed, $fail failed"
[ $fail -eq 0 ]
