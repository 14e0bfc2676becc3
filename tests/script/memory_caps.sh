#!/usr/bin/env bash
# memory_caps.sh - memory does not grow with the log (issue 8 item 7), with small
# caps so that the test stays small (the acceptance check hardening-memory runs the
# full size: 1 million distinct texts, 1 million open queue ids):
#   1. 3,000 bounces with distinct texts and --max-groups 100: at most 100 ordinary
#      groups and one "other texts" group per reason; nothing lost (the groups'
#      counts add up to every bounce); the folds are counted, and the text, JSON
#      and CSV reports say so
#   2. 3,000 deferred queue ids that never finish and --queue-max-ids 500: at most
#      500 stay open, the others are dropped longest idle first and counted; every
#      deferral is still an event
# Usage: memory_caps.sh BOUNCESCOPE
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "writing the logs and reading the JSON"
BIN=${1:?usage: memory_caps.sh BOUNCESCOPE}
export TZ=UTC
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

python3 - "$T" <<'EOF'
import random, sys
T = sys.argv[1]
words = ["alpha", "bravo", "delta", "kilo", "lima", "oscar", "papa", "tango", "zulu", "echo",
         "golf", "hotel", "india", "mike", "quebec", "romeo", "sierra", "victor", "xray", "yankee"]
rnd = random.Random(7)
with open(T + "/texts.log", "w") as f:
    for i in range(3000):
        w = " ".join(rnd.choice(words) for _ in range(7))
        dsn = "5.7.1" if i % 3 else "5.1.1"
        f.write("2026-10-19T%02d:%02d:%02d+00:00 mx1 postfix/smtp[9]: %010X: to=<u%d@d%d.example>, "
                "relay=mx.d%d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%s, status=bounced "
                "(host mx.d%d.example[192.0.2.1] said: 550 %s %s (in reply to RCPT TO command))\n"
                % (i // 3600 % 24, i // 60 % 60, i % 60, i, i, i % 50, i % 50, dsn, i % 50, dsn, w))
    # a few groups with many failures: these must keep their own rows
    for i in range(300):
        f.write("2026-10-19T23:%02d:%02d+00:00 mx1 postfix/smtp[9]: %010X: to=<big%d@big.example>, "
                "relay=mx.big.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=5.2.2, status=bounced "
                "(host mx.big.example[192.0.2.2] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))\n"
                % (i // 60 % 60, i % 60, 0x10000000 + i, i))
with open(T + "/open.log", "w") as f:
    for i in range(3000):
        t = "2026-10-19T%02d:%02d:%02d+00:00" % (i // 3600 % 24, i // 60 % 60, i % 60)
        f.write("%s mx1 postfix/qmgr[8]: %010X: from=<s%d@example.org>, size=10, nrcpt=2 (queue active)\n" % (t, i, i))
        f.write("%s mx1 postfix/smtp[9]: %010X: to=<u%d@d%d.example>, relay=mx.d%d.example[192.0.2.1]:25, "
                "delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect to mx.d%d.example[192.0.2.1]:25: "
                "Connection timed out)\n" % (t, i, i, i % 50, i % 50, i % 50))
EOF

# 1. groups
"$BIN" scan --no-db --no-dns --max-groups 100 --format json "$T/texts.log" > "$T/texts.json" ||
    bad "scan --max-groups failed"
python3 - "$T/texts.json" <<'EOF' || bad "groups past --max-groups"
import json, sys
d = json.load(open(sys.argv[1]))
g = d["groups"]
other = [x for x in g if x["provider"] == "(other texts)"]
ordinary = [x for x in g if x["provider"] != "(other texts)"]
kinds = {p["kind"]: p["count"] for p in d["problems"]}
total = sum(x["bounced"] for x in g)
reasons = {x["reason"] for x in other}
big = [x for x in ordinary if x["bounced"] == 300]
print("groups: %d ordinary, %d other texts (%s), %d folded, %d bounces in the groups"
      % (len(ordinary), len(other), ",".join(sorted(reasons)), kinds.get("groups_folded", 0), total))
ok = (len(ordinary) <= 100 and other and len(other) == len(reasons) and total == 3300
      and d["totals"]["bounced"] == 3300 and kinds.get("groups_folded", 0) >= 3000 - 100
      and big and d["groups_total"] == len(g))
sys.exit(0 if ok else 1)
EOF
"$BIN" scan --no-db --no-dns --max-groups 100 "$T/texts.log" > "$T/texts.txt"
grep -q "(other texts)" "$T/texts.txt" || bad "the text report shows no \"other texts\" group"
grep -q "more groups than --max-groups" "$T/texts.txt" || bad "the text report does not say that groups were folded"
"$BIN" scan --no-db --no-dns --max-groups 100 --format csv "$T/texts.log" > "$T/texts.csv"
grep -q "(other texts)" "$T/texts.csv" || bad "the CSV report shows no \"other texts\" row"

# 2. open queue ids
"$BIN" scan --no-db --no-dns --queue-max-ids 500 --format json "$T/open.log" > "$T/open.json" ||
    bad "scan --queue-max-ids failed"
python3 - "$T/open.json" <<'EOF' || bad "queue ids past --queue-max-ids"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = {p["kind"]: p["count"] for p in d["problems"]}
run = d["run"]
print("queue: %d open at the end, %d dropped at the cap, %d deferrals"
      % (run["queue_live"], kinds.get("queue_capped", 0), d["totals"]["deferred"]))
sys.exit(0 if run["queue_live"] <= 500 and kinds.get("queue_capped", 0) >= 2500
         and run["queue_live"] + kinds.get("queue_capped", 0) == 3000
         and d["totals"]["deferred"] == 3000 else 1)
EOF

[ $fail = 0 ] && echo "memory_caps: all passed"
exit $fail
