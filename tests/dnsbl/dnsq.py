#!/usr/bin/env python3
"""dnsq.py - tiny DNS helpers for the DNSBL tests and benchmark (stdlib only).

  dnsq.py freeport                      print a free UDP port on 127.0.0.1
  dnsq.py wait PORT NAME SECONDS        query until the server answers (readiness); exit 1 if not
  dnsq.py query PORT NAME               one A query: prints the rcode and A records
  dnsq.py silent PORTFILE               bind a UDP socket that never answers; write its port to
                                        PORTFILE; run until killed (timeout tests)
  dnsq.py seq PORT IPFILE ZONE...       the benchmark's baseline: one blocking query at a time
                                        (send, wait for the answer, next), prints figures
  dnsq.py crafted PORTFILE              a UDP server of broken blocklist answers: the last octet
                                        of the IPv4 address asked about picks one (CRAFTED below);
                                        the RFC 5782 test points are answered correctly, so the
                                        zone passes its self-test; writes its port to PORTFILE

Nothing here talks to anything but 127.0.0.1.
"""
import os
import socket
import struct
import sys
import time


def build(qid, name, qtype=1):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", qtype, 1)


def skip_name(buf, off):
    while True:
        n = buf[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += n + 1


def parse(buf):
    qid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", buf[:12])
    off = 12
    for _ in range(qd):
        off = skip_name(buf, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(buf, off)
        typ, _cls, _ttl, rdlen = struct.unpack(">HHIH", buf[off:off + 10])
        off += 10
        if typ == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(buf[off:off + 4]))
        off += rdlen
    return qid, flags & 0xF, addrs


def ask(sock, port, qid, name, timeout):
    sock.settimeout(timeout)
    sock.sendto(build(qid, name), ("127.0.0.1", port))
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data, _ = sock.recvfrom(4096)
        except socket.timeout:
            return None
        rid, rcode, addrs = parse(data)
        if rid == qid:
            return rcode, addrs


# crafted answers, by the last octet of the address asked about (10.0.0.N -> "N.0.0.10.zone")
CRAFTED = {
    1: "A record of 3 bytes",
    2: "CNAME to itself",
    3: "CNAME chain that ends without an A record",
    4: "CNAME loop of two names",
    5: "NOERROR with no record (NODATA)",
    6: "NOERROR with an A record for another name only",
    7: "truncated (TC bit)",
    8: "SERVFAIL",
    9: "REFUSED",
    10: "cut: the last record runs past the packet",
    11: "listed 127.0.0.2 with TTL 2147483647",
    12: "listed 127.0.0.2 and 127.0.0.4, each twice",
    13: "A record of 5 bytes",
    14: "a good A record and a 3-byte one",
    15: "a CNAME chain to an A record 127.0.0.4 (a well-formed listing)",
    16: "NXDOMAIN (not listed)",
    17: "listed 127.0.0.2 with TTL 0",
    18: "listed 127.0.0.2 with a TTL whose top bit is set",
}


def name_wire(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"


def crafted_answer(req):
    """the answer to one query packet, per CRAFTED; None to stay silent"""
    qid, flags, qd = struct.unpack(">HHH", req[:6])
    off = skip_name(req, 12)
    qtype = struct.unpack(">H", req[off:off + 2])[0]
    question = req[12:off + 4]
    labels, p = [], 12
    while req[p]:
        labels.append(req[p + 1:p + 1 + req[p]].decode("latin1").lower())
        p += req[p] + 1
    name = ".".join(labels)
    ttl = 300

    def msg(rcode=0, answers=(), tc=False):
        fl = 0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode | (0x0200 if tc else 0)
        out = struct.pack(">HHHHHH", qid, fl, 1, len(answers), 0, 0) + question
        for owner, typ, t, rdata in answers:
            out += owner + struct.pack(">HHIH", typ, 1, t, len(rdata)) + rdata
        return out

    here = b"\xc0\x0c"  # a pointer to the question's name
    a = lambda ip: bytes(int(x) for x in ip.split("."))
    txt = (here, 16, ttl, b"\x0ccrafted text")
    if name.startswith("2.0.0.127."):
        return msg(0, [(here, 1, ttl, a("127.0.0.2"))] if qtype == 1 else [txt])
    if name.startswith("1.0.0.127."):
        return msg(3)
    mode = int(labels[0]) if labels and labels[0].isdigit() else 0
    if qtype != 1:  # TXT: only the well-formed listings have one
        return msg(0, [txt]) if mode in (11, 12, 15, 17, 18) else msg(3)
    alias = name_wire("alias." + name)
    if mode == 1:
        return msg(0, [(here, 1, ttl, b"\x7f\0\0")])
    if mode == 2:
        return msg(0, [(here, 5, ttl, name_wire(name))])
    if mode == 3:
        b2 = name_wire("b." + name)
        return msg(0, [(here, 5, ttl, alias), (alias, 5, ttl, b2)])
    if mode == 4:
        return msg(0, [(here, 5, ttl, alias), (alias, 5, ttl, name_wire(name))])
    if mode == 5:
        return msg(0, [])
    if mode == 6:
        return msg(0, [(name_wire("other.test"), 1, ttl, a("127.0.0.2"))])
    if mode == 7:
        return msg(0, [(here, 1, ttl, a("127.0.0.2"))], tc=True)
    if mode == 8:
        return msg(2)
    if mode == 9:
        return msg(5)
    if mode == 10:
        return msg(0, [(here, 1, ttl, a("127.0.0.2"))])[:-3]
    if mode == 11:
        return msg(0, [(here, 1, 2147483647, a("127.0.0.2"))])
    if mode == 12:
        return msg(0, [(here, 1, ttl, a(x)) for x in ("127.0.0.4", "127.0.0.2", "127.0.0.4",
                                                       "127.0.0.2")])
    if mode == 13:
        return msg(0, [(here, 1, ttl, b"\x7f\0\0\x02\0")])
    if mode == 14:
        return msg(0, [(here, 1, ttl, a("127.0.0.2")), (here, 1, ttl, b"\x7f\0\0")])
    if mode == 15:
        return msg(0, [(here, 5, 600, alias), (alias, 1, 900, a("127.0.0.4"))])
    if mode == 16:
        return msg(3)
    if mode == 17:
        return msg(0, [(here, 1, 0, a("127.0.0.2"))])
    if mode == 18:
        return msg(0, [(here, 1, 0x80000000, a("127.0.0.2"))])
    return msg(3)


def serve_crafted(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        req, peer = s.recvfrom(4096)
        try:
            out = crafted_answer(req)
        except (IndexError, struct.error, ValueError):
            continue  # not a query we can read: say nothing
        if out is not None:
            s.sendto(out, peer)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "freeport":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
        return 0
    if cmd == "wait":
        port, name, secs = int(argv[2]), argv[3], float(argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        end = time.monotonic() + secs
        qid = 1
        while time.monotonic() < end:
            if ask(s, port, qid, name, 0.2) is not None:
                return 0
            qid += 1
            time.sleep(0.05)
        return 1
    if cmd == "query":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r = ask(s, int(argv[2]), 4242, argv[3], 2.0)
        if r is None:
            print("timeout")
            return 1
        print("rcode=%d %s" % (r[0], " ".join(r[1])))
        return 0
    if cmd == "silent":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        tmp = argv[2] + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % s.getsockname()[1])
        os.rename(tmp, argv[2])
        while True:  # never read, never answer
            time.sleep(3600)
    if cmd == "crafted":
        serve_crafted(argv[2])
    if cmd == "seq":
        port, ipfile, zones = int(argv[2]), argv[3], argv[4:]
        ips = [l.strip() for l in open(ipfile) if l.strip()]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        answered = lost = listed = 0
        qid = 0
        t0 = time.monotonic()
        for ip in ips:
            rev = ".".join(reversed(ip.split(".")))
            for z in zones:
                qid = (qid + 1) & 0xFFFF
                r = ask(s, port, qid, rev + "." + z, 2.0)
                if r is None:
                    lost += 1
                else:
                    answered += 1
                    listed += bool(r[1])
        dt = time.monotonic() - t0
        n = len(ips) * len(zones)
        print("sequential: %d lookups in %.3f s = %.0f lookups/s (answered %d, lost %d, listed %d)"
              % (n, dt, n / dt if dt else 0, answered, lost, listed))
        return 0 if lost == 0 else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
