#!/usr/bin/env python3
"""reallog_score.py - scan the real log files of tests/reallog and score the events
against labels.tsv (written before measuring; see tests/reallog/README.md).

Each file is scanned alone (`scan --no-db --no-dns --format csv --detail`). The events
are grouped by (file, queue id, recipient): the group's kind is expired if any event
is, else bounced if any is, else deferred; its class is the expiry's class, else the
class of its last event. A label with recipient `-` takes the events of its queue id
that name no recipient. Events without a recipient whose queue id has labelled
recipients, or that have no queue id (Postfix's "connect to mx[ip]:25: ..."), are
per-host attempts of those deliveries (counted, not extra).

Prints per-class precision and recall, the agreement (labelled events whose class
matches, dropped ones counting as misses), kind agreement, our IP found/missed/wrong,
the dropped events with the file's lines of their queue id, the extra events, and the
warnings of the scan (lines not read). With --min-agreement / --min-kind / --min-ip it
exits 1 when a figure falls below (the CTest tests/script/reallog.sh).

It does not judge the labels, and reads nothing but tests/reallog and the binary's
output.
"""
import argparse
import collections
import csv
import glob
import io
import os
import subprocess
import sys


def load_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        r["recipient"] = "" if r["recipient"] == "-" else r["recipient"]
        r["queue_id"] = "" if r["queue_id"] == "-" else r["queue_id"]
        rows.append(r)
    return rows


def scan(binary, path):
    p = subprocess.run(
        [binary, "scan", "--no-db", "--no-dns", "--format", "csv", "--detail", path],
        capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
    if p.returncode not in (0, 1, 3):
        sys.exit("scan of %s exited %d: %s" % (path, p.returncode, p.stderr.strip()))
    events = list(csv.DictReader(io.StringIO(p.stdout)))
    warnings = [l for l in p.stderr.splitlines() if "warning" in l]
    return events, warnings


def group_state(evs):
    evs = sorted(evs, key=lambda e: int(e["line"] or 0))
    kinds = {e["status"] for e in evs}
    kind = "expired" if "expired" in kinds else "bounced" if "bounced" in kinds else "deferred"
    pick = [e for e in evs if e["status"] == kind][-1] if kind == "expired" else evs[-1]
    ips = {e["implicated_ip"] for e in evs if e["implicated_ip"]}
    return kind, pick["reason"], ips, evs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("dir")
    ap.add_argument("--labels", action="append",
                    help="label file(s) in DIR (default: every labels*.tsv); only their files are scanned")
    ap.add_argument("--min-agreement", type=float)
    ap.add_argument("--min-kind", type=float)
    ap.add_argument("--min-ip", type=int, help="our IPs found, at least")
    ap.add_argument("--max-dropped", type=int)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()

    names = a.labels or sorted(os.path.basename(p) for p in glob.glob(os.path.join(a.dir, "labels*.tsv")))
    labels = []
    for name in names:
        labels += load_labels(os.path.join(a.dir, name))
    files = sorted({r["file"] for r in labels})
    if not a.labels:
        unlabelled = sorted(set(os.path.basename(p) for p in glob.glob(os.path.join(a.dir, "*.log"))) - set(files))
        if unlabelled:
            sys.exit("files in no label file: " + " ".join(unlabelled))
    groups = collections.defaultdict(list)
    all_warnings = []
    for name in files:
        events, warnings = scan(a.binary, os.path.join(a.dir, name))
        all_warnings += warnings
        for e in events:
            groups[(name, e["queue_id"], e["recipient"])].append(e)

    labelled_qids = collections.defaultdict(set)
    for r in labels:
        labelled_qids[(r["file"], r["queue_id"])].add(r["recipient"])

    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    agree = kind_ok = 0
    ip_found = ip_missed = ip_wrong = 0
    dropped, wrong = [], []
    used = set()
    for r in labels:
        key = (r["file"], r["queue_id"], r["recipient"])
        evs = groups.get(key)
        if not evs:
            dropped.append(r)
            fn[r["class"]] += 1
            if r["ip"] != "-":
                ip_missed += 1
            continue
        used.add(key)
        kind, cls, ips, _ = group_state(evs)
        if kind == r["kind"]:
            kind_ok += 1
        if cls == r["class"]:
            agree += 1
            tp[cls] += 1
        else:
            fp[cls] += 1
            fn[r["class"]] += 1
            wrong.append((r, kind, cls))
        if r["ip"] != "-":
            if r["ip"] in ips:
                ip_found += 1
            elif ips:
                ip_wrong += 1
            else:
                ip_missed += 1
        elif ips:
            ip_wrong += 1
            wrong.append((r, kind, "ip " + ",".join(sorted(ips))))

    extra, per_host = [], 0
    for key, evs in sorted(groups.items()):
        if key in used:
            continue
        name, qid, rcpt = key
        if not rcpt and (not qid or labelled_qids.get((name, qid))):
            per_host += len(evs)  # an MX host's failure ("connect to ...", "host X said")
            continue
        extra.append((key, group_state(evs)))

    n = len(labels)
    out = sys.stdout
    if not a.quiet:
        classes = sorted(set(tp) | set(fp) | set(fn))
        print("%-16s %6s %6s %9s %7s" % ("class", "events", "got", "precision", "recall"), file=out)
        for c in classes:
            got = tp[c] + fp[c]
            want = tp[c] + fn[c]
            p = "%.3f" % (tp[c] / got) if got else "-"
            rc = "%.3f" % (tp[c] / want) if want else "-"
            print("%-16s %6d %6d %9s %7s" % (c, want, got, p, rc), file=out)
        for r, kind, cls in wrong:
            print("WRONG %s %s %s: want %s/%s, got %s/%s" % (
                r["file"], r["queue_id"], r["recipient"] or "-", r["kind"], r["class"], kind, cls), file=out)
        for r in dropped:
            print("DROPPED %s %s %s (%s/%s)" % (r["file"], r["queue_id"], r["recipient"] or "-", r["kind"], r["class"]), file=out)
            path = os.path.join(a.dir, r["file"])
            with open(path, encoding="utf-8", errors="replace") as f:
                for i, line in enumerate(f, 1):
                    if r["queue_id"] in line:
                        print("    %s:%d: %s" % (r["file"], i, line.rstrip()[:150]), file=out)
        for (name, qid, rcpt), (kind, cls, ips, evs) in extra:
            print("EXTRA %s %s %s %s/%s (line %s)" % (name, qid, rcpt or "-", kind, cls, evs[0]["line"]), file=out)
        for w in all_warnings:
            print("READ " + w, file=out)
    by_mta = collections.Counter(r["file"].split("-")[0] for r in labels)
    print("files %d, labelled events %d (%s), agreement %.3f (%d of %d), kind %.3f, "
          "our IP found %d missed %d wrong %d, dropped %d, extra %d, per-host events %d, warnings %d" % (
              len(files), n, ", ".join("%s %d" % kv for kv in sorted(by_mta.items())),
              agree / n, agree, n, kind_ok / n, ip_found, ip_missed, ip_wrong,
              len(dropped), len(extra), per_host, len(all_warnings)), file=out)
    fail = []
    if a.min_agreement is not None and agree / n < a.min_agreement:
        fail.append("agreement %.3f < %.3f" % (agree / n, a.min_agreement))
    if a.min_kind is not None and kind_ok / n < a.min_kind:
        fail.append("kind agreement %.3f < %.3f" % (kind_ok / n, a.min_kind))
    if a.min_ip is not None and ip_found < a.min_ip:
        fail.append("our IP found %d < %d" % (ip_found, a.min_ip))
    if a.max_dropped is not None and len(dropped) > a.max_dropped:
        fail.append("dropped %d > %d" % (len(dropped), a.max_dropped))
    if fail:
        print("FAIL: " + "; ".join(fail), file=out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
