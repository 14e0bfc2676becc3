#!/usr/bin/env python3
"""Compare bouncescope's event CSV with genmaillog.py's truth file.

usage: truth_compare.py TRUTH.tsv EVENTS.csv GENERATOR.py

Asserts, and prints "got ..., want ..." for every difference:
  1. per recipient domain, the number of deferred, bounced and expired
     events equals the truth exactly;
  2. every failure line gets the truth's reason class and blocklist;
  3. where the text we report contains the truth's implicated IP, we name it;
  4. each generator template (one real cause) gets exactly one fingerprint,
     and different templates get different groups: different (reason,
     fingerprint) pairs. (The pair, not the fingerprint alone, because groups
     are keyed by both, and two causes can share a text: Sendmail logs the
     generator's TLS failure as "Connection refused by mx." with dsn 4.7.5.)
Exit status 0 when everything holds, 1 otherwise.
"""
import collections
import csv
import sys

BLOCKLIST_IDS = {"spamhaus", "microsoft", "spamcop", "barracuda", "uceprotect", "proofpoint"}


def load_truth(path):
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            lineno, status, rcpt, dom, relay, rip, dsn, klass, ip, bl, tmpl = parts
            if status == "sent":
                continue
            rows[(int(lineno), rcpt)] = dict(status=status, domain=dom.lower(), klass=klass, ip=ip,
                                             bl=bl, tmpl=tmpl)
    return rows


def main():
    truth = load_truth(sys.argv[1])
    with open(sys.argv[2], newline="") as f:
        events = list(csv.DictReader(f))
    errors = []
    want_counts = collections.Counter((t["domain"], t["status"]) for t in truth.values())
    got_counts = collections.Counter((e["recipient_domain"], e["status"]) for e in events)
    for key in sorted(set(want_counts) | set(got_counts)):
        if want_counts[key] != got_counts[key]:
            errors.append("count %s %s: got %d, want %d" % (key[0], key[1], got_counts[key],
                                                             want_counts[key]))
    fps = collections.defaultdict(set)
    seen = set()
    for e in events:
        key = (int(e["line"]), e["recipient"])
        t = truth.get(key)
        if t is None:
            errors.append("line %s %s: event not in truth (%s %s)" % (key[0], key[1], e["status"],
                                                                   e["reason"]))
            continue
        seen.add(key)
        if e["status"] != t["status"]:
            errors.append("line %d: status got %s, want %s" % (key[0], e["status"], t["status"]))
        if e["reason"] != t["klass"]:
            errors.append("line %d: reason got %s, want %s (text: %.90s)" % (
                key[0], e["reason"], t["klass"], e["text"]))
        want_bl = t["bl"] if t["bl"] in BLOCKLIST_IDS else ""
        if e["blocklist"] != want_bl:
            errors.append("line %d: blocklist got %r, want %r (text: %.90s)" % (
                key[0], e["blocklist"], want_bl, e["text"]))
        if t["ip"] and t["ip"] in e["text"] and "{ip}" in TEMPLATE_HAS_IP.get(t["tmpl"], "{ip}"):
            if e["implicated_ip"] != t["ip"]:
                errors.append("line %d: implicated_ip got %r, want %r (text: %.90s)" % (
                    key[0], e["implicated_ip"], t["ip"], e["text"]))
        if t["tmpl"] not in ("", "None"):
            fps[t["tmpl"]].add((e["reason"], e["fingerprint"]))
    for key in truth:
        if key not in seen:
            errors.append("line %d %s: truth %s %s not reported" % (key[0], key[1],
                                                                  truth[key]["status"],
                                                                  truth[key]["klass"]))
    owner = {}
    for tmpl, s in sorted(fps.items()):
        if len(s) != 1:
            errors.append("template %s: %d fingerprints, want 1: %s" % (tmpl, len(s),
                                                                        ", ".join(sorted(map(str, s)))))
        for fp in s:
            if fp in owner and owner[fp] != tmpl:
                errors.append("group %s shared by templates %s and %s" % (fp, owner[fp], tmpl))
            owner[fp] = tmpl
    for line in errors[:60]:
        print(line)
    if len(errors) > 60:
        print("... and %d more" % (len(errors) - 60))
    print("%d events, %d truth failures, %d templates, %d problems" % (
        len(events), len(truth), len(fps), len(errors)))
    return 1 if errors else 0


TEMPLATE_HAS_IP = {}

if __name__ == "__main__":
    if len(sys.argv) > 3:
        # which templates name our IP: read the generator's FAILURES table
        import importlib.util
        spec = importlib.util.spec_from_file_location("gen", sys.argv[3])
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        for i, f in enumerate(gen.FAILURES):
            TEMPLATE_HAS_IP[str(i)] = f[4] if "{ip}" in f[4] else ""
    sys.exit(main())
