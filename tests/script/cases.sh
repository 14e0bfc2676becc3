#!/usr/bin/env bash
# cases.sh - end-to-end cases kept as data under tests/cases/NAME/:
#   args       the command line after "bouncescope" (one line; words split by the shell,
#              so quote as in a shell); run with the case directory as working directory
#   stdin      optional: fed to standard input (else /dev/null)
#   expected   the exact standard output wanted
#   exit       optional: the exit status wanted (default 0)
#   stderr     optional: a fixed string that standard error must contain
#   locale     optional: the LC_ALL to run with (default C.UTF-8; the text
#              report's punctuation follows the locale)
# Prints "got ..., want ..." with a diff for every case that differs.
# BS_UPDATE=1 writes each case's output to its `expected` instead (then read
# the change with git diff before committing it).
# SOURCE_DATE_EPOCH fixes the reports' "generated" time, so a whole report can be
# an expected output (json-story: the JSON report compared whole).
set -uo pipefail
BIN=${1:?usage: cases.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC SOURCE_DATE_EPOCH=1700000000
pass=0
failed=0
for dir in "$SRC"/tests/cases/*/; do
    name=$(basename "$dir")
    [ -f "$dir/args" ] || continue
    want_exit=0
    [ -f "$dir/exit" ] && want_exit=$(cat "$dir/exit")
    input=/dev/null
    [ -f "$dir/stdin" ] && input=$dir/stdin
    locale=C.UTF-8
    [ -f "$dir/locale" ] && locale=$(cat "$dir/locale")
    out=$(mktemp)
    err=$(mktemp)
    (cd "$dir" && export LC_ALL="$locale" && eval "\"$BIN\" $(cat args)" < "$input" > "$out" 2> "$err")
    got_exit=$?
    ok=1
    if [ "$got_exit" != "$want_exit" ]; then
        echo "FAIL $name: exit status got $got_exit, want $want_exit"
        sed 's/^/    stderr: /' "$err" | head -5
        ok=0
    fi
    if [ -n "${BS_UPDATE:-}" ] && [ -f "$dir/expected" ]; then
        cp "$out" "$dir/expected"
    fi
    if [ -f "$dir/expected" ] && ! diff -u "$dir/expected" "$out" > "$out.diff"; then
        echo "FAIL $name: output differs (got +, want -):"
        head -40 "$out.diff"
        ok=0
    fi
    if [ -f "$dir/stderr" ] && ! grep -qF -- "$(cat "$dir/stderr")" "$err"; then
        echo "FAIL $name: stderr got:"
        sed 's/^/    /' "$err" | head -5
        echo "  want it to contain: $(cat "$dir/stderr")"
        ok=0
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        failed=$((failed + 1))
    fi
    rm -f "$out" "$out.diff" "$err"
done
echo "cases: $pass passed, $failed failed"
[ $failed -eq 0 ]
