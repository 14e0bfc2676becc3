#!/usr/bin/env bash
# completion.sh - the bash completion, driven the way bash drives it: source
# the script, set COMP_WORDS/COMP_CWORD, call the function, read COMPREPLY.
# Commands, every command's options (checked against `bouncescope help
# COMMAND`, which lists the option table's rows for that command), the values
# of --format/--status/--group-by (each accepted by the binary), file and
# directory values, "--opt=value" split or not; and the script the build
# installs is the one the binary writes.
set -uo pipefail
BIN=${1:?usage: completion.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
BUILD=${BS_BINARY_DIR:?}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BIN" help --completion > "$tmp/completion" || fail "help --completion exited $?"
if ! cmp -s "$tmp/completion" "$BUILD/bouncescope.bash-completion"; then
    fail "the build's bouncescope.bash-completion differs from 'bouncescope help --completion'"
fi
bash -n "$tmp/completion" || fail "the completion script is not valid bash"
# shellcheck disable=SC1091
source "$tmp/completion"
[ "$(complete -p bouncescope 2>/dev/null)" = "complete -F _bouncescope bouncescope" ] ||
    fail "sourcing the script does not register _bouncescope for bouncescope"

# comp WORD... - the completions of the last word, sorted, one line
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _bouncescope
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# want GOT WANT WORD... - exact completions
want() {
    local w=$1
    shift
    local got
    got=$(comp "$@")
    [ "$got" = "$w" ] || fail "complete '$*': got '$got', want '$w'"
}
# has ITEM WORD... - ITEM among the completions
has() {
    local item=$1
    shift
    grep -qxF -- "$item" <<< "$(comp "$@" | tr ' ' '\n')" || fail "complete '$*': '$item' missing (got '$(comp "$@")')"
}

commands=$(sed -n '/^options:/q; s/^  bouncescope \([a-z]*\) .*/\1/p' <("$BIN" help) | sort -u | tr '\n' ' ')
[ -n "$commands" ] || fail "no commands in 'bouncescope help'"
want "$(printf '%s\n' $commands help | sort | tr '\n' ' ' | sed 's/ $//')" bouncescope ""
want "scan" bouncescope sc
want "partner" bouncescope pa
has --version bouncescope --v
has scan bouncescope help ""

# every command's options are exactly those its help lists (the option table's rows)
for c in $commands; do
    expected=$("$BIN" help "$c" | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\} *\(--[a-z-]*\).*/\1\2/p' |
        sed 's/, / /' | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//')
    [ -n "$expected" ] || fail "no options in 'bouncescope help $c'"
    want "$expected" bouncescope "$c" -
done
# every long option of the table (src/cli.c) is offered by some command, or is config-only
table=$(sed -n 's/^ *{ "\([a-z-]*\)", \('"'"'.'"'"'\|0\), .*/\1/p' "$SRC/src/cli.c" | sort -u)
[ -n "$table" ] || fail "no option rows found in src/cli.c"
offered=$(for c in $commands help; do comp bouncescope "$c" --; echo; done | tr ' ' '\n' | sort -u)
for name in $table; do
    # a here-string, not a pipe: with pipefail, grep -q leaving early would make
    # printf die of SIGPIPE and the match read as a failure
    grep -qxF -- "--$name" <<< "$offered" && continue
    grep -q "{ \"$name\", [^,]*, [^,]*, C_CONFIG_ONLY" "$SRC/src/cli.c" && continue
    fail "option --$name of the table is offered by no command"
done
want "--completion --help --man --markdown" bouncescope help --
want "--completion --help --man --markdown -h" bouncescope help -

# values: each one offered is one the binary accepts
want "csv html json suppress text" bouncescope scan --format ""
want "json" bouncescope report --format j
want "csv" bouncescope scan -f c
want "--format=csv" bouncescope scan --format=c           # "=" not a word break
want "html" bouncescope scan --format = h                 # "=" a word break (the default)
want "csv html json suppress text" bouncescope scan --format =
for f in $(comp bouncescope scan --format ""); do
    "$BIN" help --format "$f" > /dev/null 2>&1 || fail "--format $f is offered but refused"
done
want "deferred" bouncescope scan --status def
want "deferred,bounced" bouncescope scan --status deferred,b
for s in $(comp bouncescope scan --status ""); do
    "$BIN" scan --no-db --no-dns --status "$s" /dev/null > /dev/null 2>&1 ||
        fail "--status $s is offered but refused"
done
for g in $(comp bouncescope scan --group-by ""); do
    "$BIN" scan --no-db --no-dns --group-by "$g" /dev/null > /dev/null 2>&1 ||
        fail "--group-by $g is offered but refused"
done
want "" bouncescope scan --top ""

# files and directories
mkdir -p "$tmp/w/logdir" && : > "$tmp/w/mail.log" && : > "$tmp/w/mail.log.1.gz"
cd "$tmp/w" || exit 1
want "mail.log mail.log.1.gz" bouncescope scan ma
want "logdir" bouncescope scan --patterns l
want "mail.log mail.log.1.gz" bouncescope scan -o ma
want "--db=mail.log --db=mail.log.1.gz" bouncescope report --db=ma
want "" bouncescope check 192

if [ $fails -ne 0 ]; then
    echo "completion: 0 passed, 1 failed ($fails faults)"
    exit 1
fi
echo "completion: 1 passed, 0 failed"
