#!/usr/bin/env bash
# fault_side.sh - who must act, by the text and its source (tests/side/sides.tsv):
# every row through `bouncescope explain --format json --source S [--dsn D] TEXT`;
# the item's "side" must be the row's. Our own MTA's words about our own system
# (a local delivery, a loop back to us, our content filter or LMTP socket, our
# configuration) are our side; the receiver's reply about its system is the
# receiving site's. Prints each wrong row and the count.
# An explain without a "side" (before the side followed the source) is read
# by the class's `side` in patterns/reasons.conf, so the figure can be measured
# on any version.
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the JSON checks"
BIN=${1:?usage: fault_side.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
python3 - "$BIN" "$SRC" <<'PY'
import json, re, subprocess, sys
binary, src = sys.argv[1], sys.argv[2]
# the class's side as reasons.conf gives it (the first `side =` of a section decides)
sides, cur = {}, None
for line in open(src + "/patterns/reasons.conf"):
    m = re.match(r"\[reason (\S+)\]", line)
    if m:
        cur = m.group(1)
        continue
    m = re.match(r"side\s*=\s*(\S+)", line)
    if m and cur and cur not in sides:
        sides[cur] = m.group(1)
rows, wrong = 0, 0
with open(src + "/tests/side/sides.tsv", encoding="utf-8") as f:
    header = None
    for n, line in enumerate(f, 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        row = dict(zip(header, cols))
        args = [binary, "explain", "--format", "json", "--source", row["source"]]
        if row["dsn"] != "-":
            args += ["--dsn", row["dsn"]]
        if row.get("host", "-") != "-":
            args += ["--host", row["host"]]
        args.append(row["text"])
        out = subprocess.run(args, capture_output=True, text=True)
        rows += 1
        try:
            item = json.loads(out.stdout)["items"][0]
        except Exception:
            print(f"sides.tsv:{n}: explain failed: {out.stderr.strip()}")
            wrong += 1
            continue
        got = item.get("side") or sides.get(item["class"], "unknown")
        if got != row["side"]:
            wrong += 1
            print(f"sides.tsv:{n}: side {got}, want {row['side']} ({item['class']}, "
                  f"{row['source']}): {row['text']}")
print(f"fault_side: {rows - wrong}/{rows} rows right, {wrong} wrong")
sys.exit(1 if wrong else 0)
PY
