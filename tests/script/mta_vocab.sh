#!/usr/bin/env bash
# mta_vocab.sh - the MTAs' own words for a deferred, bounced or expired delivery,
# as each MTA logs them (tests/parse/{postfix,sendmail,exim}-vocab.log: one line
# per text family of tests/corpus/mtavocab.tsv, plus per-MX lines, notifications,
# delay warnings and skipped queue runs), scanned as a user would:
#  1. no such line is dropped silently: each is a failure event (file:line in the
#     CSV detail) or named with file:line in the text report's "What was read";
#     a delay warning (Sendmail's DSN, Postfix's) is such a note, never an event;
#     an expiry in any of the MTAs' words is an expiry, not a bounce;
#  2. each event whose text is a corpus row's gets that row's class (the engine
#     must be right on the text as the MTA logs it, not only through explain).
set -uo pipefail
BIN=${1:?usage: mta_vocab.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
cd "$SRC/tests/parse" || exit 1
logs=(postfix-vocab.log sendmail-vocab.log exim-vocab.log)
if ! "$BIN" scan --no-db --no-dns --year 2026 --format csv --detail "${logs[@]}" > "$work/detail.csv" ||
    ! "$BIN" scan --no-db --no-dns --year 2026 "${logs[@]}" > "$work/report.txt"; then
    echo "FAIL: bouncescope scan exited with an error"
    echo "mta_vocab: 0 passed, 1 failed"
    exit 1
fi
python3 - "$work/detail.csv" "$work/report.txt" "$SRC/tests/corpus/mtavocab.tsv" "${logs[@]}" <<'EOF'
import csv, re, sys

detail, report, corpus, logs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# a line of failure vocabulary: a status line that is not a success, a per-MX
# failure, a notification, an expiry, an Exim deferral/failure or per-host line
failure = re.compile(
    r"status=(?!sent\b|delivered\b)\w|postfix/(?:smtp|lmtp)\[\d+\]: [0-9A-F]+: "
    r"(?:host \S+ said|lost connection|conversation with|connect to)"
    r"|stat=(?!Sent\b)|: (?:DSN|return to sender|postmaster notify|sender notify): "
    r"|: (?:sender|postmaster) (?:non-delivery|delay) notification: "
    r"|Cannot send message|^\S+ \S+ \S+ (?:==|\*\*) |^\S+ \S+ \S+ H=")
events = {}
for r in csv.DictReader(open(detail)):
    events[(r["file"], int(r["line"]))] = r
text = open(report).read()
read = text[text.find("What was read"):]
named = {(m.group(1), int(m.group(2))) for m in re.finditer(r"(\S+):(\d+): ", read)}
rows = [l.rstrip("\n").split("\t") for l in open(corpus)
        if not l.startswith("#") and not l.startswith("class\t")]
rows = [c for c in rows if c[3] != "any"]
failed = passed = 0
for f in logs:
    for n, line in enumerate(open(f), 1):
        if not failure.search(line):
            continue
        if "Warning: could not send message" in line or "delay notification:" in line:
            # a delay warning (Sendmail, Postfix): the message is still queued, never a failure
            if (f, n) in events or (f, n) not in named:
                failed += 1
                print("FAIL %s:%d a delay warning must be a note, not an event: %s"
                      % (f, n, line.strip()[:160]))
            else:
                passed += 1
            continue
        if (f, n) in events or (f, n) in named:
            passed += 1
            continue
        failed += 1
        print("FAIL %s:%d dropped silently (no event, not in \"What was read\"): %s"
              % (f, n, line.strip()[:160]))
# the queue lifetime's end is an expiry, whichever words the MTA uses for it
expiry = re.compile(r"status=(?:force-)?expired|Cannot send message (?:for|within)"
                    r"|\*\* .*(?:retry timeout exceeded|have been failing for a long time"
                    r"|retry time not reached for any host after a long failure period)")
for f in logs:
    for n, line in enumerate(open(f), 1):
        r = events.get((f, n))
        if r and expiry.search(line) and r["status"] != "expired":
            failed += 1
            print("FAIL %s:%d status %s, want expired: %s" % (f, n, r["status"], line.strip()[:140]))
matched = 0
for (f, n), r in sorted(events.items()):
    t = r["text"]
    want = {c[0] for c in rows if t and (t in c[8] or c[8] in t)}
    if not want:
        continue
    matched += 1
    if r["reason"] in want:
        passed += 1
    else:
        failed += 1
        print("FAIL %s:%d class %s, the corpus says %s: %s"
              % (f, n, r["reason"], "/".join(sorted(want)), t[:140]))
if matched < 100:
    failed += 1
    print("FAIL only %d events matched a corpus row (the logs and mtavocab.tsv drifted apart)"
          % matched)
print("mta_vocab: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
