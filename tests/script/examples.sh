#!/usr/bin/env bash
# examples.sh - the shipped nightly jobs work as written: every active line of
# examples/cron/* and the ExecStart= lines of examples/systemd/*.service are run
# against a fake /var/log tree (the paths substituted; BOUNCESCOPE_LOG_DIR for the
# default search), over two nights with a logrotate in between, and the report of
# "yesterday" must hold each of yesterday's failures exactly once and none of
# today's. The units pass `systemd-analyze verify` and name units that exist, and
# the mail step gets the report (a stand-in `mail` records what it was given).
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "writing the dated logs"
require systemd-analyze "checking the units (package systemd)"
REMOTE=/lib/systemd/systemd-journal-remote
BIN=${1:?usage: examples.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
export TZ=UTC
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# logs STYLE FIRST N DAY - N failed deliveries on DAY (yesterday/today), numbered
# from FIRST, as STYLE writes them: rfc3339 (rsyslog on Debian), exim (mainlog),
# rfc3164 (RHEL's maillog); recipients are y<k>@<day>.example
logs() {
    python3 - "$@" <<'PY'
import datetime, sys
style, first, n, day = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
d = datetime.date.today() - datetime.timedelta(days=1 if day == "yesterday" else 0)
for k in range(first, first + n):
    t = datetime.datetime(d.year, d.month, d.day, 0, 0, 0) + datetime.timedelta(seconds=60 + 97 * k)
    rcpt = "y%d@%s.example" % (k, day)
    qid = "%s%05X" % ("A" if day == "yesterday" else "B", k)
    if style == "exim":
        print("%s 1%s%04X-0001Xx-AB ** %s R=dnslookup T=remote_smtp H=mx.%s.example [192.0.2.1]: "
              "SMTP error from remote mail server after RCPT TO:<%s>: 550 5.1.1 No such user"
              % (t.strftime("%Y-%m-%d %H:%M:%S"), qid[0], k, rcpt, day, rcpt))
        continue
    head = (t.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00") if style == "rfc3339"
            else t.strftime("%b %e %H:%M:%S"))
    print("%s mx1 postfix/smtp[2101]: %s: to=<%s>, relay=mx.%s.example[192.0.2.1]:25, delay=1, "
          "delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.%s.example[192.0.2.1] said: "
          "550 5.1.1 No such user (in reply to RCPT TO command))" % (head, qid, rcpt, day, day))
PY
}
# to_journal JOURNAL LOG - append the RFC 3339 lines of LOG to a journal file
to_journal() {
    python3 - "$2" > "$T/part.export" <<'PY'
import datetime, re, sys
for l in open(sys.argv[1]):
    m = re.match(r"^(\S+) (\S+) ([^\[:]+)\[(\d+)\]: (.*)$", l.rstrip("\n"))
    t = datetime.datetime.fromisoformat(m.group(1))
    print("__REALTIME_TIMESTAMP=%d\n_HOSTNAME=%s\nSYSLOG_IDENTIFIER=%s\n_PID=%s\nMESSAGE=%s\n"
          % (int(t.timestamp() * 1e6), m.group(2), m.group(3), m.group(4), m.group(5)))
PY
    "$REMOTE" --output="$1" "$T/part.export" 2> /dev/null || bad "systemd-journal-remote failed"
}
# check_report NAME FILE - yesterday's 30 failures once each, none of today's
check_report() {
    local y t
    y=$(grep -o 'y[0-9]*@yesterday.example' "$2" | sort -u | wc -l)
    t=$(grep -c '@today.example' "$2")
    grep -q "bounced 30 " "$2" || { bad "$1: the report does not count yesterday's 30 bounces once:"; head -12 "$2"; }
    [ "$t" = 0 ] || bad "$1: today's failures are in yesterday's report"
    [ "$y" -ge 1 ] || bad "$1: no recipient of yesterday in the report"
}

# night SETUP - write the fake tree for night 1 (SETUP: debian, exim, rhel, journal)
night1() {
    local v=$T/$1/var/log
    mkdir -p "$v/exim4" "$T/$1/journal"
    case $1 in
    debian) logs rfc3339 0 20 yesterday > "$v/mail.log" ;;
    exim) logs exim 0 20 yesterday > "$v/exim4/mainlog" ;;
    rhel) logs rfc3164 0 20 yesterday > "$v/maillog" ;;
    journal) logs rfc3339 0 20 yesterday > "$T/j1"; to_journal "$T/$1/journal/system.journal" "$T/j1" ;;
    esac
}
# night2 SETUP - more of yesterday, then logrotate, then today's lines
night2() {
    local v=$T/$1/var/log
    case $1 in
    debian)
        logs rfc3339 20 10 yesterday >> "$v/mail.log"
        mv "$v/mail.log.1" "$v/mail.log.2" 2> /dev/null; gzip -f "$v/mail.log.2" 2> /dev/null
        mv "$v/mail.log" "$v/mail.log.1"
        logs rfc3339 100 5 today > "$v/mail.log" ;;
    exim)
        logs exim 20 10 yesterday >> "$v/exim4/mainlog"
        mv "$v/exim4/mainlog" "$v/exim4/mainlog.1"
        logs exim 100 5 today > "$v/exim4/mainlog" ;;
    rhel)
        logs rfc3164 20 10 yesterday >> "$v/maillog"
        mv "$v/maillog" "$v/maillog-$(date -d yesterday +%Y%m%d)"
        logs rfc3164 100 5 today > "$v/maillog" ;;
    journal)
        logs rfc3339 20 10 yesterday > "$T/j2"; logs rfc3339 100 5 today >> "$T/j2"
        to_journal "$T/$1/journal/system.journal" "$T/j2" ;;
    esac
}
# substitute SETUP - a command line of the examples, pointed at the fake tree
substitute() {
    sed -e "s#/usr/local/bin/bouncescope#$BIN#g" -e "s#/var/log#$T/$1/var/log#g" \
        -e "s#/var/lib/bouncescope#$T/$1/lib#g" \
        -e "s#--journal\\b#--journal-file $T/$1/journal/system.journal#g"
}

# ---- cron: one file per set-up, its active line run on two nights
for f in "$SRC"/examples/cron/*; do
    name=$(basename "$f")
    setup=${name#bouncescope-}
    lines=$(grep -Ev '^[[:space:]]*(#|$)|^[A-Z_]+=' "$f")
    [ "$(printf '%s\n' "$lines" | wc -l)" = 1 ] || { bad "$name: want one active line"; continue; }
    fields=$(printf '%s\n' "$lines" | awk '{print NF}')
    user=$(printf '%s\n' "$lines" | awk '{print $6}')
    [ "$user" = root ] && [ "$fields" -gt 7 ] || { bad "$name: not an /etc/cron.d line (m h dom mon dow user command)"; continue; }
    cmd=$(printf '%s\n' "$lines" | cut -d' ' -f7- | substitute "$setup")
    grep -q "MAILTO=" "$f" || bad "$name: no MAILTO (cron mails the report there)"
    mkdir -p "$T/$setup/lib"
    export XDG_STATE_HOME=$T/$setup/state
    night1 "$setup"
    (cd "$T" && sh -c "$cmd") > "$T/$setup.out1" 2> "$T/$setup.err1"
    rc=$?
    [ $rc = 0 ] || bad "$name night 1: exit status $rc: $(cat "$T/$setup.err1")"
    [ -s "$T/$setup.err1" ] && bad "$name night 1: stderr (cron would mail it): $(cat "$T/$setup.err1")"
    night2 "$setup"
    (cd "$T" && sh -c "$cmd") > "$T/$setup.out2" 2> "$T/$setup.err2"
    rc=$?
    [ $rc = 0 ] || bad "$name night 2: exit status $rc: $(cat "$T/$setup.err2")"
    [ -s "$T/$setup.err2" ] && bad "$name night 2: stderr: $(cat "$T/$setup.err2")"
    check_report "$name" "$T/$setup.out2"
    unset XDG_STATE_HOME
done
[ -x "$REMOTE" ] || bad "$REMOTE is missing: the journal set-up was not really tested"

# ---- systemd: verify, then run the service's ExecStart lines and the mail step
U=$T/units
mkdir -p "$U"
for f in "$SRC"/examples/systemd/*; do
    sed "s#/usr/local/bin/bouncescope#$BIN#g" "$f" > "$U/$(basename "$f")"
done
# --man=no: Documentation= names the man page, which `cmake --install` installs
(cd "$U" && systemd-analyze verify --man=no ./*.service ./*.timer) > "$T/verify" 2>&1 ||
    bad "systemd-analyze verify failed"
[ -s "$T/verify" ] && { bad "systemd-analyze verify complains:"; cat "$T/verify"; }
for ref in $(sed -n 's/^On\(Success\|Failure\)=//p' "$SRC/examples/systemd/bouncescope.service"); do
    unit=${ref/@%n/@}
    [ -f "$SRC/examples/systemd/$unit" ] || bad "bouncescope.service names $ref, which examples/systemd lacks"
done
grep -q '^ProtectSystem=strict' "$SRC/examples/systemd/bouncescope.service" || bad "the service is not sandboxed"
grep -q '^ProtectSystem' "$SRC/examples/systemd/bouncescope-mail.service" && bad "the mail step is sandboxed: mail cannot write the MTA's queue"
grep -Eq '^ExecStart=.*\bmail\b' "$SRC/examples/systemd/bouncescope.service" && bad "the sandboxed service runs mail"

# execs UNIT - its ExecStart= lines, systemd's specifiers and $INPUTS filled in
execs() {
    local inputs
    inputs=$(sed -n 's/^Environment="INPUTS=\(.*\)"$/\1/p' "$SRC/examples/systemd/$1")
    sed -n 's/^ExecStart=//p' "$SRC/examples/systemd/$1" |
        sed -e "s#\$INPUTS#$inputs#" -e "s#%H#$(hostname)#g" -e 's#%%#%#g'
}
mkdir -p "$T/bin"
cat > "$T/bin/mail" <<SH
#!/bin/sh
echo "\$@" > "$T/mail.args"
cat > "$T/mail.body"
SH
chmod +x "$T/bin/mail"
for setup in debian exim rhel; do
    rm -rf "$T/$setup"
    mkdir -p "$T/$setup/lib"
    export XDG_STATE_HOME=$T/$setup/state BOUNCESCOPE_LOG_DIR=$T/$setup/var/log
    night1 "$setup"
    for n in 1 2; do
        [ $n = 2 ] && night2 "$setup"
        while IFS= read -r cmd; do
            cmd=$(printf '%s\n' "$cmd" | substitute "$setup")
            (cd "$T" && sh -c "$cmd") > /dev/null 2> "$T/err" || bad "systemd $setup night $n: '$cmd' failed: $(cat "$T/err")"
            [ -s "$T/err" ] && bad "systemd $setup night $n: stderr: $(cat "$T/err")"
        done < <(execs bouncescope.service)
    done
    check_report "systemd $setup" "$T/$setup/lib/yesterday.txt"
    rm -f "$T/mail.body"
    cmd=$(execs bouncescope-mail.service | substitute "$setup")
    (cd "$T" && PATH=$T/bin:$PATH sh -c "$cmd") || bad "systemd $setup: the mail step failed"
    cmp -s "$T/mail.body" "$T/$setup/lib/yesterday.txt" || bad "systemd $setup: mail did not get the report"
    grep -q "root" "$T/mail.args" || bad "systemd $setup: mail's arguments: $(cat "$T/mail.args")"
    unset XDG_STATE_HOME BOUNCESCOPE_LOG_DIR
done

if [ $fail -ne 0 ]; then
    echo "examples: $fail failed"
    exit 1
fi
echo "examples: all passed"
