#!/usr/bin/env python3
"""Syntax self-check of the labelled corpus and the provider code catalogue.

Checks tests/corpus/*.tsv against the row format of tests/corpus/README.md: the
header, 10 tab-separated columns per row, allowed class / mta / source / stage
values, a non-empty ref, no duplicate (text, dsn, stage, host) rows, an ip that
is an IP address and appears in the text, and a provider id that exists in
patterns/providers.conf (a warning when providers.conf gives the host another
provider: either the row or providers.conf is wrong). It prints the rows per
class, per mta and per file.

Checks patterns/provider-codes.conf: known keys, required text/class, classes
and provider/blocklist ids that exist, verified = yes|no, and that every regex
compiles with Python's re (a subset of PCRE2: constructs Python cannot parse
are reported). It does not run the classifier: that is `bouncescope explain`
run by CTest.

Usage: check_format.py [REPO_ROOT]     exit status 1 on any error.
"""

import collections
import glob
import ipaddress
import os
import re
import sys

CLASSES = """blocked badreputation ratelimited greylisted userunknown mailboxfull
suspend hostunknown notaccept hasmoved networkerror failedstarttls authfailure
requireptr spamdetected virusdetected contenterror policyviolation
securityerror norelaying rejected emailtoolarge syntaxerror systemerror expired
undefined""".split()
MTAS = ("any", "postfix", "sendmail", "exim")
SOURCES = ("remote", "local", "generic")
STAGES = ("-", "CONNECT", "HELO", "EHLO", "MAIL FROM", "RCPT TO", "DATA",
          "end of DATA", "STARTTLS", "AUTH", "BDAT")
HEADER = "class ip provider mta source dsn stage host text ref".split()
CODE_KEYS = {"provider", "text", "dsn", "class", "blocklist", "meaning", "unless",
             "source", "help", "verified"}

errors = []
warnings = []
rows = []  # (where, class, dsn, text) of every corpus row, for the catalogue cross-check


def err(where, msg):
    errors.append("%s: %s" % (where, msg))


def read_conf(path):
    """Sections of a bouncescope conf file: [(kind, name, line, {key: [values]})]."""
    sections = []
    cur = None
    lastkey = None
    with open(path, encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            m = re.match(r"^\[(\S+)\s+(\S+)\]\s*$", s)
            if m:
                cur = (m.group(1), m.group(2), no, collections.OrderedDict())
                sections.append(cur)
                lastkey = None
                continue
            if s.startswith("+ ") or s == "+":
                if cur is None or lastkey is None:
                    err("%s:%d" % (path, no), "continuation without a key")
                    continue
                cur[3][lastkey][-1] += " " + s[2:].strip()
                continue
            m = re.match(r"^([A-Za-z_-]+)\s*=\s*(.*)$", s)
            if not m or cur is None:
                err("%s:%d" % (path, no), "not a key = value line: %r" % s[:60])
                continue
            key, val = m.group(1), m.group(2)
            # trailing "   # comment" after two or more spaces
            val = re.sub(r"\s{2,}#.*$", "", val).strip()
            cur[3].setdefault(key, []).append(val)
            lastkey = key
    return sections


def pcre_to_py(rx):
    """PCRE2 constructs Python's re lacks, rewritten for a compile check only."""
    py = rx.replace("(*UTF)", "")
    inline = re.match(r"^\(\?([imsx]+)\)", py)
    if inline:  # Python needs global flags at the start; PCRE allows them anywhere
        py = py[inline.end():]
    flags = re.I if "(?i)" in py or (inline and "i" in inline.group(1)) else 0
    py = py.replace("(?i)", "")
    return py, flags


def load_providers(root):
    """Providers and relays by id: their host patterns, relays first (as the
    pipeline asks whether a host is a relay of ours before its provider)."""
    relays = collections.OrderedDict()
    prov = collections.OrderedDict()
    for kind, name, _, kv in read_conf(os.path.join(root, "patterns/providers.conf")):
        if kind in ("provider", "relay"):
            d = relays if kind == "relay" else prov
            d.setdefault(name, []).extend(re.compile(pcre_to_py(h)[0], re.I) for h in kv.get("host", []))
    relays.update(prov)
    return relays


def provider_of_host(prov, host):
    for name, pats in prov.items():
        if any(p.search(host.lower().rstrip(".")) for p in pats):
            return name
    return "-"


def check_corpus(root, prov):
    per_class = collections.Counter()
    per_mta = collections.Counter()
    per_file = collections.Counter()
    per_source = collections.Counter()
    with_ip = 0
    seen = {}
    rows.clear()
    files = sorted(glob.glob(os.path.join(root, "tests/corpus/*.tsv")))
    if not files:
        err("tests/corpus", "no .tsv files")
    for path in files:
        rel = os.path.relpath(path, root)
        header_seen = False
        with open(path, encoding="utf-8") as fh:
            for no, raw in enumerate(fh, 1):
                line = raw.rstrip("\n")
                where = "%s:%d" % (rel, no)
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if not header_seen:
                    if cols != HEADER:
                        err(where, "header must be: " + " ".join(HEADER))
                    header_seen = True
                    continue
                if len(cols) != 10:
                    err(where, "%d columns, want 10" % len(cols))
                    continue
                cls, ip, provider, mta, source, dsn, stage, host, text, ref = cols
                if any(c == "" for c in cols):
                    err(where, "empty cell (use -)")
                if cls not in CLASSES:
                    err(where, "unknown class %r" % cls)
                if mta not in MTAS:
                    err(where, "unknown mta %r" % mta)
                if source not in SOURCES:
                    err(where, "unknown source %r" % source)
                if stage not in STAGES:
                    err(where, "unknown stage %r" % stage)
                if mta == "any" and source != "remote":
                    err(where, "mta=any rows are remote replies")
                if source == "generic" and mta != "sendmail":
                    err(where, "source=generic is Sendmail's stat= without reply")
                if dsn != "-" and not re.match(r"^[245]\.\d{1,3}\.\d{1,3}$", dsn):
                    err(where, "dsn %r is not an enhanced status code" % dsn)
                if not ref.strip() or ref == "-":
                    err(where, "ref is empty")
                if text.strip() != text or not text.strip():
                    err(where, "text empty or with outer blanks")
                if ip != "-":
                    try:
                        ipaddress.ip_address(ip)
                    except ValueError:
                        err(where, "ip %r is not an IP address" % ip)
                    if ip.lower() not in text.lower():
                        err(where, "ip %s does not occur in the text" % ip)
                    with_ip += 1
                if provider != "-" and provider not in prov:
                    err(where, "provider %r is not in providers.conf" % provider)
                if host != "-":
                    want = provider_of_host(prov, host)
                    if want != provider:
                        warnings.append(where + ":")
                        warnings[-1] += ( "host %s is provider %s in providers.conf, row says %s"
                            % (host, want, provider))
                key = (text, dsn, stage, host)
                if key in seen:
                    err(where, "duplicate of " + seen[key])
                seen[key] = where
                rows.append((where, cls, dsn, text))
                per_class[cls] += 1
                per_mta[mta] += 1
                per_file[os.path.basename(path)] += 1
                per_source[source] += 1
        if not header_seen:
            err(rel, "no header line")
    return per_class, per_mta, per_file, per_source, with_ip


def row_dsn(dsn, text):
    """The row's enhanced status code: the dsn column, else the first one in the text."""
    if dsn != "-":
        return dsn
    m = re.search(r"\b([245]\.\d{1,3}\.\d{1,3})\b", text)
    return m.group(1) if m else ""


def cross_check(where, name, kv, cls):
    """Every entry should match a corpus row, and the rows it matches should carry its class."""
    try:
        rx = re.compile(*pcre_to_py(kv["text"][0]))
        drx = re.compile(*pcre_to_py(kv["dsn"][0])) if "dsn" in kv else None
        urx = re.compile(*pcre_to_py(kv["unless"][0])) if "unless" in kv else None
    except (KeyError, re.error):
        return
    hits = [r for r in rows if rx.search(r[3]) and (drx is None or drx.search(row_dsn(r[2], r[3])))
            and not (urx and urx.search(r[3]))]
    if not hits:
        warnings.append("%s: no corpus row matches this entry" % where)
    for r in hits:
        if r[1] != cls:
            warnings.append("%s: %s matches %s labelled %s, entry says %s" % (r[0], name, r[0], r[1], cls))


def check_codes(root, prov):
    path = os.path.join(root, "patterns/provider-codes.conf")
    if not os.path.exists(path):
        err(path, "missing")
        return collections.Counter(), collections.Counter()
    lists = {name for kind, name, _, _ in
             read_conf(os.path.join(root, "patterns/blocklists.conf")) if kind == "list"}
    per_provider = collections.Counter()
    verified = collections.Counter()
    names = set()
    for kind, name, no, kv in read_conf(path):
        where = "patterns/provider-codes.conf:%d [%s %s]" % (no, kind, name)
        if kind != "code":
            err(where, "unknown section kind")
            continue
        if name in names:
            err(where, "duplicate code name")
        names.add(name)
        for k, vals in kv.items():
            if k not in CODE_KEYS:
                err(where, "unknown key %r" % k)
            if len(vals) > 1:
                err(where, "key %r given %d times" % (k, len(vals)))
        for req in ("text", "class", "meaning", "source", "verified"):
            if req not in kv:
                err(where, "missing %s" % req)
        cls = kv.get("class", [""])[0]
        if cls and cls not in CLASSES:
            err(where, "unknown class %r" % cls)
        for p in kv.get("provider", [""])[0].split(","):
            p = p.strip()
            if p and p not in prov:
                err(where, "provider %r is not in providers.conf" % p)
        bl = kv.get("blocklist", [""])[0]
        if bl and bl not in lists:
            err(where, "blocklist %r is not a [list] of blocklists.conf" % bl)
        ver = kv.get("verified", [""])[0]
        if ver not in ("yes", "no"):
            err(where, "verified must be yes or no")
        for k in ("text", "dsn"):
            if k in kv:
                rx, flags = pcre_to_py(kv[k][0])
                try:
                    re.compile(rx, flags)
                except re.error as e:
                    err(where, "%s does not compile in Python re (%s): %s" % (k, e, kv[k][0]))
        cross_check(where, name, kv, cls)
        group = kv.get("provider", [""])[0]
        if not group:  # no providers.conf id: group by the entry name's prefix
            group = next((p for p in ("t-online", "orange-laposte") if name.startswith(p)),
                         name.split("-")[0]) + " (not in providers.conf)"
        per_provider[group] += 1
        if ver == "yes":
            verified[group] += 1
    return per_provider, verified


def show(title, counter):
    print("%s:" % title)
    for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
        print("  %-28s %4d" % (k, v))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../..")
    root = os.path.abspath(root)
    prov = load_providers(root)
    per_class, per_mta, per_file, per_source, with_ip = check_corpus(root, prov)
    per_provider, verified = check_codes(root, prov)
    print("rows: %d (with an implicated ip: %d)" % (sum(per_class.values()), with_ip))
    show("per class", per_class)
    missing = [c for c in CLASSES if c not in per_class]
    if missing:
        print("  classes without rows: " + " ".join(missing))
    show("per mta", per_mta)
    show("per source", per_source)
    show("per file", per_file)
    print("provider codes: %d (%d verified)" % (sum(per_provider.values()), sum(verified.values())))
    for k in sorted(per_provider):
        print("  %-28s %4d  verified %d" % (k, per_provider[k], verified[k]))
    for w in warnings:
        print("WARNING " + w, file=sys.stderr)
    for e in errors:
        print("ERROR " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
