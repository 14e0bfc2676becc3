#!/usr/bin/env bash
# man_page.sh - bouncescope.1: the build's page is the one `help --man`
# writes; groff (-ww) and man-db (--warnings) render it without a warning; at
# MANWIDTH=80 no line is wider than 80; it has the sections a man page needs;
# every option row of the table in src/cli.c, every command, every exit
# status and every example of --help appear in it; and `cmake --install`
# puts it (with the completion, README and examples) where it belongs.
set -uo pipefail
BIN=${1:?usage: man_page.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
BUILD=${BS_BINARY_DIR:?}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in groff man; do
    command -v "$tool" > /dev/null ||
        { echo "FAIL: $tool is not installed (apt-get install groff-base man-db)"; exit 1; }
done

"$BIN" help --man > "$tmp/bouncescope.1" || fail "help --man exited $?"
cmp -s "$tmp/bouncescope.1" "$BUILD/bouncescope.1" ||
    fail "the build's bouncescope.1 differs from 'bouncescope help --man'"

groff -man -Tutf8 -ww -z "$tmp/bouncescope.1" 2> "$tmp/groff.err"
[ -s "$tmp/groff.err" ] && fail "groff -ww warns: $(head -5 "$tmp/groff.err")"
MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "$tmp/bouncescope.1" > "$tmp/page" 2> "$tmp/man.err"
[ -s "$tmp/man.err" ] && fail "man --warnings warns: $(head -5 "$tmp/man.err")"
[ -s "$tmp/page" ] || fail "man -l rendered nothing"
# the rendered page, without overstrike or SGR
sed -e 's/.\x08//g' -e 's/\x1b\[[0-9;]*m//g' "$tmp/page" > "$tmp/text"
awk 'length($0) > 80 { print "FAIL: line " NR " is " length($0) " columns: " $0; bad = 1 } END { exit bad }' \
    "$tmp/text" || fails=$((fails + 1))

for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES \
    "SEE ALSO"; do
    grep -qx "$section" "$tmp/text" || fail "no $section section"
done
n=0
while read -r name short; do
    n=$((n + 1))
    if grep -q "{ \"$name\", [^,]*, [^,]*, C_CONFIG_ONLY" "$SRC/src/cli.c"; then
        grep -qF -- "$name = " "$tmp/text" || fail "config-only option $name is not in the page"
        continue
    fi
    grep -qE -- "(^|[ ,])--$name( |$)" "$tmp/text" || fail "option --$name is not in the page"
    if [ "$short" != 0 ]; then
        grep -qE -- "-$short, --$name" "$tmp/text" || fail "-$short is not given for --$name"
    fi
done < <(sed -n "s/^ *{ \"\([a-z-]*\)\", '\{0,1\}\([a-zA-Z0]\)'\{0,1\}, .*/\1 \2/p" "$SRC/src/cli.c")
[ $n -ge 20 ] || fail "only $n option rows found in src/cli.c"
for c in $(sed -n '/^options:/q; s/^  bouncescope \([a-z]*\) .*/\1/p' <("$BIN" help) | sort -u); do
    grep -q "bouncescope $c" "$tmp/text" || fail "command $c is not in the page"
done
for status in $("$BIN" help --markdown | sed -n 's/^| \([0-9]\{1,\}\) | .*/\1/p'); do
    grep -qE "^ +$status +[a-z]" "$tmp/text" || fail "exit status $status is not in the page"
done
"$BIN" help | sed -n '/^examples:/,/^$/p' | sed -n 's/^  \([^ ].*\)/\1/p' > "$tmp/examples"
[ "$(wc -l < "$tmp/examples")" -eq 5 ] || fail "--help shows $(wc -l < "$tmp/examples") examples, want 5"
while read -r line; do
    grep -qF -- "$line" "$tmp/text" || fail "example '$line' is not in the page"
done < "$tmp/examples"

# cmake --install: man page, completion, README, examples
if cmake --install "$BUILD" --prefix "$tmp/inst" > "$tmp/install.log" 2>&1; then
    for f in share/man/man1/bouncescope.1 share/bash-completion/completions/bouncescope \
        share/doc/bouncescope/README.md share/doc/bouncescope/examples/maillog \
        share/doc/bouncescope/examples/bouncescope.conf bin/bouncescope; do
        [ -s "$tmp/inst/$f" ] || fail "cmake --install did not install $f"
    done
    MANWIDTH=80 man --warnings -l "$tmp/inst/share/man/man1/bouncescope.1" > /dev/null 2> "$tmp/man2.err"
    [ -s "$tmp/man2.err" ] && fail "the installed page: man warns: $(head -3 "$tmp/man2.err")"
else
    fail "cmake --install failed: $(tail -3 "$tmp/install.log")"
fi

if [ $fails -ne 0 ]; then
    echo "man_page: 0 passed, 1 failed ($fails faults)"
    exit 1
fi
echo "man_page: 1 passed, 0 failed ($n options checked)"
