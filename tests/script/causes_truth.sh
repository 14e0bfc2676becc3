#!/usr/bin/env bash
# causes_truth.sh - causes against the generator's truth (bench/genmaillog.py):
# logs of all three MTAs, and for each
#   - every true template's failures land in one cause, once the parts a cause
#     key adds are fixed (our IP for our side, the provider for the receiving
#     site): no fix is split in two
#   - a cause holds one true reason's failures only, and the recipient's side
#     has one cause per reason whatever the provider or template
#   - each cause's counts equal the failures its key selects from the event CSV
#   - the headline and the first cause of the text, HTML and JSON reports name
#     the cause with the largest share of final failures
#   - the suppression list (--format suppress) is the set of addresses whose last
#     outcome is a permanent failure on the recipient's side, in the truth
# and, with the history: a second day of the same causes is not new
# (--exit-new exits 0, nothing marked new), a new cause on a third day is.
set -uo pipefail
. "${BS_SOURCE_DIR:?}/tests/tools/require.sh"
require python3 "the log generator and its truth"
BIN=${1:?usage: causes_truth.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
GEN=${BS_GENERATOR:-$SRC/bench/genmaillog.py}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for mta in postfix sendmail exim; do
    log=$work/$mta.log
    python3 "$GEN" --mta "$mta" --lines 60000 --seed 21 --truth "$work/$mta.truth" > "$log"
    "$BIN" scan --no-db --no-dns --year 2018 --format csv --detail "$log" > "$work/$mta.csv"
    "$BIN" scan --no-db --no-dns --year 2018 --format json "$log" > "$work/$mta.json"
    "$BIN" scan --no-db --no-dns --year 2018 --format text "$log" > "$work/$mta.txt"
    "$BIN" scan --no-db --no-dns --year 2018 --format html -o "$work/$mta.html" "$log"
    "$BIN" scan --no-db --no-dns --year 2018 --format suppress "$log" > "$work/$mta.suppress"
    echo "== $mta"
    python3 - "$work/$mta" "$mta" <<'PY' || fail=1
import collections, csv, html, json, re, sys
base, mta = sys.argv[1], sys.argv[2]
csv.field_size_limit(1 << 30)
doc = json.load(open(base + ".json"))
events = list(csv.DictReader(open(base + ".csv", newline="")))
truth = [l.rstrip("\n").split("\t") for l in open(base + ".truth")]
bad = []
side = {c["reason"]: c["side"] for c in doc["causes"]}

def key(e):
    s = side.get(e["reason"], "unknown")
    if s == "us":
        return (s, e["reason"], e["fingerprint"], e["implicated_ip"], e["blocklist"])
    if s == "receiver":
        return (s, e["reason"], e["provider"])
    if s == "recipient":
        return (s, e["reason"])
    return (s, e["reason"], e["fingerprint"])

def doc_key(c):
    s = c["side"]
    if s == "us":
        return (s, c["reason"], c["fingerprint"], c["implicated_ip"] or "",
                (c["blocklist"] or {}).get("id", ""))
    if s == "receiver":
        return (s, c["reason"], c["provider"] or "")
    if s == "recipient":
        return (s, c["reason"])
    return (s, c["reason"], c["fingerprint"])

# 1. each cause's counts are what its key selects from the events
counts = collections.defaultdict(collections.Counter)
for e in events:
    counts[key(e)][e["status"]] += 1
for c in doc["causes"]:
    k = doc_key(c)
    got = (c["bounced"], c["expired"], c["deferred"])
    want = (counts[k]["bounced"], counts[k]["expired"], counts[k]["deferred"])
    if got != want:
        bad.append("cause %s: got bounced/expired/deferred %s, want %s" % (k, got, want))
if len(doc["causes"]) != len(counts):
    bad.append("causes: got %d, want %d keys among the events" % (len(doc["causes"]), len(counts)))

# 2. a true template (with what the key adds) in one cause; a cause of one true reason
by_line = {}
for e in events:
    if e["recipient"]:
        by_line.setdefault(int(e["line"]), []).append(e)
where = collections.defaultdict(set)
reasons = collections.defaultdict(set)
for t in truth:
    if t[1] == "sent" or t[10] in ("", "None"):
        continue
    for e in by_line.get(int(t[0]), []):
        if e["recipient"].lower() != t[2].lower():
            continue
        k = key(e)
        extra = (t[8],) if k[0] == "us" else (e["provider"],) if k[0] == "receiver" else ()
        where[(t[10],) + extra].add(k)
        reasons[k].add(t[7])
split = {t: ks for t, ks in where.items() if len(ks) > 1}
for t, ks in sorted(split.items())[:5]:
    bad.append("true template %s is split over %d causes: %s" % (t, len(ks), sorted(ks)))
mixed = {k: r for k, r in reasons.items() if len(r) > 1}
for k, r in sorted(mixed.items())[:5]:
    bad.append("cause %s mixes the true reasons %s" % (k, sorted(r)))
for r in ("userunknown", "mailboxfull"):
    n = sum(1 for c in doc["causes"] if c["reason"] == r)
    if n > 1:
        bad.append("recipient side: %d causes of %s, want 1" % (n, r))

# 3. the largest cause leads, in every format
top = doc["causes"][0]
largest = max(doc["causes"], key=lambda c: (c["final_failures"], c["deferred"]))
if top["final_failures"] != largest["final_failures"]:
    bad.append("causes[0] has %d final failures, the largest %d" % (top["final_failures"], largest["final_failures"]))
title = top["title"]
if title not in doc["headline"]:
    bad.append("JSON headline %r does not name %r" % (doc["headline"], title))
text = " ".join(open(base + ".txt").read().split("\n")[:4])
if title not in re.sub(r"\s+", " ", text):
    bad.append("text headline does not name %r" % title)
page = open(base + ".html", encoding="utf-8").read()
h1 = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)))
if title not in h1:
    bad.append("HTML headline %r does not name %r" % (h1, title))
c1 = html.unescape(re.sub(r"<[^>]+>", " ", re.search(r'id="c1">(.*?)</li>', page, re.S).group(1)))
if title not in re.sub(r"\s+", " ", c1):
    bad.append("HTML cause C1 is not %r" % title)

# 4. the list to clean: the addresses whose last outcome is a permanent recipient-side failure
perm = {"userunknown", "hostunknown", "notaccept", "hasmoved"}
last = {}
for t in truth:
    if t[1] in ("sent", "bounced", "expired"):
        last[t[2].lower()] = (t[1], t[7])
# Sendmail's truth writes an expiry as a deferral (its own line follows)
if mta == "sendmail":
    exp = {e["recipient"].lower(): e["reason"] for e in events if e["status"] == "expired"}
    for a, r in exp.items():
        if last.get(a, ("", ""))[0] == "deferred" or a not in last:
            last[a] = ("expired", r)
want = {a for a, (st, r) in last.items() if st in ("bounced", "expired") and r in perm}
got = {row["email"].lower() for row in csv.DictReader(open(base + ".suppress", newline=""))}
if got != want:
    bad.append("suppression list: %d addresses, want %d (%d missing, %d extra; e.g. %s)"
               % (len(got), len(want), len(want - got), len(got - want),
                  sorted((want - got) | (got - want))[:3]))

for b in bad:
    print("FAIL", b)
print("%s: %d causes over %d groups, %d true templates, %d addresses to clean, %d faults"
      % (mta, len(doc["causes"]), doc["groups_total"], len(where), len(got), len(bad)))
sys.exit(1 if bad else 0)
PY
done

# new means a new cause: day 2 has other recipients, hosts and domains, not other causes
python3 "$GEN" --mta postfix --lines 80000 --seed 31 > "$work/day1.log"
python3 "$GEN" --mta postfix --lines 30000 --seed 32 > "$work/day2.log"
db=$work/h.db
"$BIN" scan --no-dns --db "$db" -q "$work/day1.log" > /dev/null
"$BIN" scan --no-dns --db "$db" --exit-new --format json "$work/day2.log" > "$work/day2.json"
rc=$?
python3 - "$work/day2.json" "$rc" <<'PY' || fail=1
import json, sys
d, rc = json.load(open(sys.argv[1])), int(sys.argv[2])
new = [c["title"] for c in d["causes"] if c["is_new"]] + [g["provider"] for g in d["groups"] if g["is_new"]]
ok = rc == 0 and not new and not d["new_causes"]
print("day 2: exit %d, new %s" % (rc, new[:5]))
sys.exit(0 if ok else 1)
PY
# a cause never seen: a new reply template of ours is new, and --exit-new says so
printf '%s\n' "Oct 20 09:00:00 www1234.sakura.ne.jp postfix/smtp[1]: 1A2B3C4D5E: to=<x@newsite.example>, relay=mx.newsite.example[192.0.2.10]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.newsite.example[192.0.2.10] said: 550 5.7.1 Our brand new policy rejects 203.0.113.99 today (in reply to RCPT TO command))" > "$work/day3.log"
"$BIN" scan --no-dns --db "$db" --exit-new -q "$work/day3.log" > "$work/day3.txt"
rc=$?
if [ $rc -ne 10 ] || ! grep -q "New since the last run: 1 cause" "$work/day3.txt"; then
    echo "FAIL day 3: a new cause gave exit $rc, want 10 and the cause listed as new"
    head -12 "$work/day3.txt"
    fail=1
fi
# report marks what the last run saw first, as scan did
"$BIN" report --no-dns --db "$db" --format json > "$work/report.json"
python3 - "$work/report.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
print("report: new causes %s" % d["new_causes"])
sys.exit(0 if len(d["new_causes"]) == 1 else 1)
PY
if [ $fail -ne 0 ]; then
    echo "causes_truth: 0 passed, 1 failed"
    exit 1
fi
echo "causes_truth: 1 passed, 0 failed"
