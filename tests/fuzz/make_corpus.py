#!/usr/bin/env python3
"""make_corpus.py - (re)build the seed corpora of tests/fuzz/corpus/ from examples/ and tests/.

Run from the repository root: python3 tests/fuzz/make_corpus.py
Seeds are named seed-*; regression inputs (crashes found and fixed) are named regress-* and are
left alone. Each corpus is kept small (a few dozen files of at most 4 KiB): libFuzzer grows its
own working corpus from these in a scratch directory (tests/fuzz/run.sh).
The DNS answer seeds are crafted packets, built here too (see dns_seeds).
"""
import glob
import gzip
import hashlib
import os
import re
import struct

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_FILES = 40
MAX_BYTES = 4096

LOGS = sorted(glob.glob("examples/*.log") + ["examples/maillog", "examples/exim_mainlog",
                                              "tests/cases/bad-input/mixed.log",
                                              "tests/cases/stdin-postfix/stdin",
                                              "tests/data/xss.log"])

R3164 = re.compile(rb"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^\s\[:]+)(?:\[\d+\])?: (.*)$")
RISO = re.compile(rb"^\d{4}-\d\d-\d\dT\S+ (\S+) ([^\s\[:]+)(?:\[\d+\])?: (.*)$")
R5424 = re.compile(rb"^<\d+>1 \S+ (\S+) (\S+) \S+ \S+ (?:-|\[.*?\]) ?(.*)$")
REXIM = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?(?: \[\d+\])? (.*)$")
POSTFIX_PROGS = [b"postfix/smtp", b"postfix/qmgr", b"postfix/cleanup", b"postfix/lmtp",
                 b"postfix/local", b"postfix/error", b"postfix/virtual", b"postfix/pipe",
                 b"postfix-out/smtp", b"postfix/retry", b"postfix/bounce", b"postfix/smtpd",
                 b"postfix", b"smtp", b"postfix/", b"/smtp"]


def lines():
    for path in LOGS:
        if os.path.exists(path):
            for ln in open(path, "rb").read().split(b"\n"):
                if ln:
                    yield path, ln


def split(ln):
    """(program, message) of a log line, or None"""
    for rx in (R3164, RISO, R5424):
        m = rx.match(ln)
        if m:
            return m.group(2), m.group(3)
    m = REXIM.match(ln)
    if m:
        return b"exim", m.group(1)
    return None


def pick(items):
    """at most MAX_FILES distinct items, spread over the list"""
    seen, out = set(), []
    for it in items:
        if it not in seen and len(it) <= MAX_BYTES:
            seen.add(it)
            out.append(it)
    if len(out) > MAX_FILES:
        step = len(out) / MAX_FILES
        out = [out[int(i * step)] for i in range(MAX_FILES)]
    return out


def write(target, items):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.remove(f)
    for it in pick(items):
        name = "seed-" + hashlib.sha1(it).hexdigest()[:12]
        open(os.path.join(d, name), "wb").write(it)


def failure_fields(msg):
    """(text, dsn, stage, host, ip) of a failure line's message, or None"""
    dsn = re.search(rb"\bdsn=(\d\.\d+\.\d+)", msg)
    relay = re.search(rb"relay=([^\s,\[]*)\[([0-9a-fA-F.:]+)\]", msg)
    text = None
    for rx in (rb"said: (.*?)\)?$", rb"reply=(.*?), stat=", rb"stat=(.*)$",
               rb"status=\w+ \((.*)\)$", rb": (\d{3}[ -].*)$"):
        m = re.search(rx, msg)
        if m:
            text = m.group(1)
            break
    if text is None:
        return None
    stage = re.search(rb"after ([A-Z ]+?)(?: command|:|\))", msg)
    return (text, dsn.group(1) if dsn else b"", stage.group(1) if stage else b"",
            relay.group(1) if relay else b"", relay.group(2) if relay else b"")


def syslog_seeds():
    by_file = {}
    for path, ln in lines():
        by_file.setdefault(path, []).append(ln)
    out = []
    for path, lns in by_file.items():
        for i in range(0, min(len(lns), 40), 4):
            for mode in (0, 1):  # 0: year from the mtime below, odd: a forced year
                mtime = struct.pack(">I", 1540000000)  # 2018-10-20
                out.append(bytes([mode * 97]) + mtime + b"\n".join(lns[i:i + 4]))
    # Dec -> Jan inside one file, and a line dated after the file's mtime
    out.append(b"\0" + struct.pack(">I", 1704067300) +
               b"Dec 31 23:59:59 h postfix/smtp[1]: x\nJan  1 00:00:01 h postfix/smtp[1]: y")
    out.append(b"\0" + struct.pack(">I", 1700000000) + b"Dec 31 23:59:59 h sendmail[2]: later")
    return out


def mta_seeds():
    pf, sm, ex = [], [], []
    for _, ln in lines():
        s = split(ln)
        if not s:
            continue
        prog, msg = s
        if prog.startswith(b"postfix") or prog in (b"smtp",):
            idx = POSTFIX_PROGS.index(prog) if prog in POSTFIX_PROGS else 0
            if prog.startswith(b"postfix-"):
                idx = POSTFIX_PROGS.index(b"postfix-out/smtp")
            pf.append(bytes([idx]) + msg)
        elif prog in (b"sendmail", b"sm-mta"):
            sm.append(msg)
        elif prog.startswith(b"exim"):
            m = REXIM.match(msg)
            ex.append(m.group(1) if m else msg)
    return pf, sm, ex


def text_seeds():
    texts, fields = [], []
    for _, ln in lines():
        s = split(ln)
        if not s:
            continue
        f = failure_fields(s[1])
        if f:
            texts.append(f[0])
            for status in (1, 2):  # deferred, bounced; remote reply
                fields.append(bytes([status]) + b"\n".join(f))
    return texts, fields


def reader_seeds():
    base = open("examples/postfix-rfc3164.log", "rb").read()[:1500]
    out = [b"\0\0" + base, b"\1\0" + base, b"\2\x80" + base, b"\3\0" + base, b"\4\x32" + base,
           b"\0\0" + base.replace(b"\n", b"\r\n"), b"\0\0" + base.rstrip(b"\n"),
           b"\0\0" + base[:300] + b"\0\0bad\xff\xfe utf-8\n" + base[300:600],
           b"\0\0" + gzip.compress(base, mtime=0), b"\0\0" + gzip.compress(base, mtime=0)[:200],
           b"\0\0" + gzip.compress(base[:700], mtime=0) + gzip.compress(base[700:], mtime=0),
           b"\1\0", b"\0\0\n\n\n"]
    tgz = "tests/cases/bad-input/truncated.log.gz"
    if os.path.exists(tgz):
        out.append(b"\0\0" + open(tgz, "rb").read())
    return out


def conf_seeds():
    out = []
    for path in sorted(glob.glob("patterns/*.conf")) + ["tests/dnsbl/patterns/blocklists.conf",
                                                        "tests/cases/config-bad/bad.conf",
                                                        "examples/bouncescope.conf"]:
        text = open(path, "rb").read()
        chunks = re.split(rb"\n(?=\[)", text)
        cur = b""
        for c in chunks:
            if len(cur) + len(c) > 2000 and cur:
                out.append(cur)
                cur = b""
            cur += c + b"\n"
        if cur:
            out.append(cur)
    out.append(b"[rule x]\ntext = (?i)a\n  + b\n  + c\nreason = blocked\n[list y]\nzone = z.test\n"
               b"query = ip4 ip6 domain\ncode = 127.0.0.2 X: y\nerror = 127.255.255.254 no\n"
               b"advice = 127.0.0.2 do\nstatus = needs-key\ndqs-zone = {key}.z\n")
    return out


# ---- DNS answers (the handler of dnsbl_answer.h) ----
QNAME = "2.0.0.127.zen.test"  # the name fuzz_dns_answer.c asks about


def qname(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def packet(rcode=0, answers=(), qtype=1, name=QNAME, tc=False, qid=0x1234, flags_extra=0):
    flags = 0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode | (0x0200 if tc else 0) | flags_extra
    q = qname(name) + struct.pack(">HH", qtype, 1)
    out = struct.pack(">HHHHHH", qid, flags, 1, len(answers), 0, 0) + q
    for owner, typ, ttl, rdata in answers:
        out += owner + struct.pack(">HHIH", typ, 1, ttl, len(rdata)) + rdata
    return out


def dns_seeds():
    ptr = b"\xc0\x0c"  # the question's name
    a = lambda ip: bytes(int(x) for x in ip.split("."))
    txt = lambda s: bytes([len(s)]) + s
    other = qname("other.test")
    out = [
        packet(0, [(ptr, 1, 300, a("127.0.0.2"))]),
        packet(0, [(ptr, 1, 300, a("127.0.0.2")), (ptr, 1, 60, a("127.0.0.4"))]),
        packet(0, [(ptr, 1, 2147483647, a("127.0.0.2"))] * 2),
        packet(3),
        packet(2),
        packet(5),
        packet(0, []),
        packet(0, [(ptr, 1, 300, b"\x7f\0\0")]),
        packet(0, [(ptr, 5, 300, qname(QNAME))]),
        packet(0, [(ptr, 5, 300, qname("a.test")), (qname("a.test"), 1, 300, a("127.0.0.2"))]),
        packet(0, [(ptr, 5, 300, qname("a.test")), (qname("a.test"), 5, 300, qname(QNAME))]),
        packet(0, [(other, 1, 300, a("127.0.0.2"))]),
        packet(0, [(ptr, 1, 300, a("127.0.0.2"))], name="other.test"),
        packet(0, [(ptr, 1, 300, a("127.0.0.2"))], tc=True),
        packet(0, [(ptr, 1, 300, a("127.0.0.2"))])[:-3],
        packet(0, [(ptr, 1, 300, a("10.0.0.1"))]),
        packet(0, [(ptr, 1, 300, a("127.255.255.254"))]),
        packet(0, [(ptr, 16, 300, txt(b"listed, see https://x.test/?ip=1") + txt(b" more"))],
               qtype=16),
        packet(0, [(ptr, 16, 300, txt(b"one")), (ptr, 16, 300, txt(b"two"))], qtype=16),
        packet(3, qtype=16),
        b"\x12\x34\x81",
        b"\xc0\x0c" * 20,
    ]
    # a compression loop in an answer's owner name
    p = bytearray(packet(0, [(b"\xc0\x00", 1, 300, a("127.0.0.2"))]))
    out.append(bytes(p))
    # the first byte of the harness input selects the query type: odd TXT, even A
    return [bytes([1 if x[12:].find(b"\0\0\x10\0\x01") == len(qname(QNAME)) - 1 else 0]) + x
            for x in out]


def scan_seeds():
    """whole logs (cut to MAX_BYTES at a line end), byte 0 the harness's options"""
    out = []
    for i, path in enumerate(LOGS + ["tests/data/hostile-numbers.log",
                                     "tests/data/hostile-numbers-exim.log"]):
        if not os.path.exists(path):
            continue
        text = open(path, "rb").read()
        if len(text) > MAX_BYTES - 1:
            text = text[:text.rfind(b"\n", 0, MAX_BYTES - 1) + 1]
        out.append(bytes([i % 16]) + text)
    base = open("examples/postfix-rfc3164.log", "rb").read()[:2000]
    out.append(b"\4" + gzip.compress(base, mtime=0))
    return out


def names_seeds():
    """addresses as logs and `check -` give them"""
    return [b"219.94.129.185\n[203.0.113.7]\n::ffff:198.51.100.25",
            b"2001:DB8::1\n2001:db8:bad:1::25\n::1\n::ffff:7f00:2",
            b"Mail.Example.COM.\ntest\ninvalid\nxn--bcher-kva.example",
            b"219.94.129\n1.2.3.4.5\nexa mple.com\na..b\n-\n999.1.1.1",
            b"dbltest.com\nsub_domain.example.org\n" + b"a" * 63 + b".example",
            b"[1.2.3.4\n[::1]\n1.2.3.4]\n::ffff:1.2.3.4x"]


def main():
    write("syslog_header", syslog_seeds())
    pf, sm, ex = mta_seeds()
    write("postfix", pf)
    write("sendmail", sm)
    write("exim", ex)
    texts, fields = text_seeds()
    write("fingerprint", texts)
    write("classify", fields)
    write("reader", reader_seeds())
    write("conf", conf_seeds())
    write("dns_answer", dns_seeds())
    write("scan", scan_seeds())
    write("dnsbl_names", names_seeds())
    for d in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, d))
        print("%-14s %3d files, %6d bytes" % (d, len(files),
              sum(os.path.getsize(os.path.join(OUT, d, f)) for f in files)))


if __name__ == "__main__":
    main()
