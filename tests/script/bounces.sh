#!/usr/bin/env bash
# bounces.sh - real bounce messages (tests/bounces/*.eml, published in Sisimai's
# set-of-emails) through `bouncescope explain --message`: for every recipient
# of tests/bounces/expected.tsv the class explain gives must be the expected
# one (our policy), and the agreement with Sisimai's own reason is reported and
# must stay at or above BS_BOUNCE_MIN_AGREEMENT (default 0.80, issue 12).
set -uo pipefail
BIN=${1:?usage: bounces.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
. "$SRC/tests/tools/require.sh"
require python3 "reading explain's JSON"
python3 - "$BIN" "$SRC/tests/bounces" "${BS_BOUNCE_MIN_AGREEMENT:-0.80}" <<'PY'
import json, os, subprocess, sys
bin_, d, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows, fail, agree, cache = 0, 0, 0, {}
with open(os.path.join(d, "expected.tsv"), encoding="utf-8") as fh:
    lines = [l.rstrip("\n").split("\t") for l in fh if l.strip() and not l.startswith("#")]
for f in lines[1:]:
    name, rcpt, sisimai, want = f[0], f[1], f[2], f[3]
    if name not in cache:
        p = subprocess.run([bin_, "explain", "--format", "json", "--message",
                            os.path.join(d, name)], capture_output=True, text=True)
        if p.returncode != 0:
            print("%s: explain failed: %s" % (name, p.stderr.strip()))
            cache[name] = []
        else:
            cache[name] = json.loads(p.stdout)["items"]
    items = [i for i in cache[name] if (i.get("recipient") or "").lower() == rcpt.lower()]
    got = items[0]["class"] if items else "(no item for %s)" % rcpt
    rows += 1
    if got == sisimai:
        agree += 1
    if got != want:
        fail += 1
        print("%s %s: got %s, want %s (Sisimai: %s)" % (name, rcpt, got, want, sisimai))
ratio = agree / rows if rows else 0.0
print("bounces: %d recipients in %d messages, agreement with Sisimai %d/%d = %.3f, %d not as expected"
      % (rows, len(cache), agree, rows, ratio, fail))
if not rows or fail or ratio < minimum:
    print("bounces: 0 passed, 1 failed")
    sys.exit(1)
print("bounces: 1 passed, 0 failed")
PY
