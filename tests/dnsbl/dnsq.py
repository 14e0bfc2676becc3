#!/usr/bin/env python3
"""dnsq.py - tiny DNS helpers for the DNSBL tests and benchmark (stdlib only).

  dnsq.py freeport                      print a free UDP port on 127.0.0.1
  dnsq.py wait PORT NAME SECONDS        query until the server answers (readiness); exit 1 if not
  dnsq.py query PORT NAME               one A query: prints the rcode and A records
  dnsq.py silent PORTFILE               bind a UDP socket that never answers; write its port to
                                        PORTFILE; run until killed (timeout tests)
  dnsq.py seq PORT IPFILE ZONE...       the benchmark's baseline: one blocking query at a time
                                        (send, wait for the answer, next), prints figures

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
