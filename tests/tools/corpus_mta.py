#!/usr/bin/env python3
"""Every mta=any row of the labelled corpus, as Postfix, Sendmail and Exim log it.

usage: corpus_mta.py BOUNCESCOPE WORKDIR CORPUS.tsv...

Each remote reply of the corpus (mta=any) becomes one delivery line per MTA:

  Postfix   ... status=bounced (host H[ip] said: TEXT (in reply to STAGE command)),
            "host H[ip] refused to talk to me: TEXT" for a refusal at the greeting
  Sendmail  ... dsn=D, reply=TEXT, stat=... with Sendmail's shortening of
            fields of 203 characters or more to the first 100 + "..." + the
            last 100 (libsmutil/snprintf.c shortenstring); no stage (Sendmail
            does not log it)
  Exim      ** / == ... H=H [ip]: SMTP error from remote mail server after
            STAGE: TEXT, multi-line replies joined with Exim's literal "\\n"

The three logs are scanned (scan --no-db --no-dns --format csv --detail) and
every event must carry the row's class and implicated IP. A Sendmail line has
no stage: a row whose class depends on its stage (explain gives another class
without it) must get the stage-less class there. Mismatches are printed as
corpus file:line with the MTA; exit status 1 if any.
"""
import csv
import os
import re
import subprocess
import sys

COLS = ["class", "ip", "provider", "mta", "source", "dsn", "stage", "host", "text", "ref"]
# the remote server's address: one no corpus row names as ours
REMOTE_IP = "198.51.100.254"


def rows(path):
    header = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                assert header == COLS, "%s:%d: bad header" % (path, lineno)
                continue
            row = dict(zip(COLS, cells))
            row = {k: ("" if v == "-" else v) for k, v in row.items()}
            row["where"] = "%s:%d" % (path, lineno)
            yield row


def dsn_of(row):
    if row["dsn"]:
        return row["dsn"]
    m = re.search(r"(?<![\d.])([245])\d\d[ -]([245]\.\d{1,3}\.\d{1,3})(?![\d])", row["text"])
    if m:
        return m.group(2)
    m = re.search(r"(?<![\d.])([245])\d\d(?:[ -]|$)", row["text"])
    return "%s.0.0" % (m.group(1) if m else "5")


def shorten(s, n=203):
    """Sendmail's shortenstring(): 100 + "..." + 100 when too long."""
    if len(s) < n:
        return s
    return s[:100] + "..." + s[-100:]


POSTFIX_STAGE = {"MAIL FROM": "MAIL FROM", "RCPT TO": "RCPT TO", "DATA": "DATA",
                 "end of DATA": "end of DATA", "HELO": "EHLO", "EHLO": "EHLO"}
EXIM_STAGE = {"CONNECT": "initial connection", "HELO": "EHLO mx1.example.org",
              "EHLO": "EHLO mx1.example.org",
              "MAIL FROM": "MAIL FROM:<sender@example.org> SIZE=1234", "RCPT TO": "RCPT TO:<%s>",
              "DATA": "DATA", "end of DATA": "end of data", "": "RCPT TO:<%s>"}


def lines_for(i, row):
    rcpt = "r%d@example.net" % i
    host = row["host"] or "mx%d.example.net" % i
    dsn = dsn_of(row)
    deferred = dsn.startswith("4")
    text = row["text"]
    stage = row["stage"]
    # Postfix
    if stage == "CONNECT":
        why = "host %s[%s] refused to talk to me: %s" % (host, REMOTE_IP, text)
    else:
        why = "host %s[%s] said: %s" % (host, REMOTE_IP, text)
        if stage in POSTFIX_STAGE:
            why += " (in reply to %s command)" % POSTFIX_STAGE[stage]
    postfix = ("Oct 19 10:%02d:%02d mx1 postfix/smtp[1234]: %X: to=<%s>, relay=%s[%s]:25, "
               "delay=1.2, delays=0.01/0/0.5/0.7, dsn=%s, status=%s (%s)" % (
                   (i // 60) % 60, i % 60, 0xA0000 + i, rcpt, host, REMOTE_IP, dsn,
                   "deferred" if deferred else "bounced", why))
    # Sendmail 8.16+: reply= and stat=, both shortened
    stat = "Deferred: " + text if deferred else "Service unavailable"
    sendmail = ("Oct 19 10:%02d:%02d mx1 sendmail[2345]: 5AJ%06dA%05d: to=<%s>, delay=00:00:01, "
                "xdelay=00:00:01, mailer=esmtp, pri=120000, relay=%s. [%s], dsn=%s, reply=%s, "
                "stat=%s" % ((i // 60) % 60, i % 60, i, i, rcpt, host, REMOTE_IP, dsn,
                             shorten(text), shorten(stat)))
    # Exim: multi-line replies keep a literal \n between their lines
    m = re.match(r"([245]\d\d)-", text)
    etext = re.sub(r" (?=%s[- ])" % m.group(1), r"\\n", text) if m else text
    after = EXIM_STAGE.get(stage, "RCPT TO:<%s>")
    if "%s" in after:
        after = after % rcpt
    flag = "== %s R=dnslookup T=remote_smtp defer (-44)" % rcpt if deferred else \
        "** %s R=dnslookup T=remote_smtp" % rcpt
    exim = ("2026-10-19 10:%02d:%02d 1tt%03d-0000Xt-J1 %s H=%s [%s]: SMTP error from remote mail "
            "server after %s: %s" % ((i // 60) % 60, i % 60, i % 1000, flag, host, REMOTE_IP,
                                     after, etext))
    return rcpt, postfix, sendmail, exim


def main():
    binary, work = sys.argv[1], sys.argv[2]
    corpus = [r for p in sys.argv[3:] for r in rows(p) if r["mta"] == "any"]
    logs = {"postfix": [], "sendmail": [], "exim": []}
    by_rcpt = {}
    for i, row in enumerate(corpus):
        rcpt, p, s, e = lines_for(i, row)
        by_rcpt[rcpt] = row
        logs["postfix"].append(p)
        logs["sendmail"].append(s)
        logs["exim"].append(e)
    # what a stage-less reading of each row gives (Sendmail logs no stage)
    stageless = os.path.join(work, "stageless.tsv")
    with open(stageless, "w", encoding="utf-8") as f:
        f.write("\t".join(COLS) + "\n")
        for i, row in enumerate(corpus):
            cells = [row[c] or "-" for c in COLS]
            cells[COLS.index("stage")] = "-"
            f.write("\t".join(cells) + "\n")
    out = subprocess.run([binary, "explain", "--corpus", "--format", "csv", stageless],
                         capture_output=True, text=True)
    stageless_class = {}
    for rec in csv.DictReader(out.stdout.splitlines()):
        idx = int(rec["line"]) - 2
        stageless_class[corpus[idx]["where"]] = rec["got_class"]
    problems = 0
    stage_dependent = 0
    for mta, lines in logs.items():
        path = os.path.join(work, "corpus-%s.log" % mta)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        res = subprocess.run([binary, "scan", "--no-db", "--no-dns", "--year", "2026",
                              "--format", "csv", "--detail", path],
                             capture_output=True, text=True)
        seen = set()
        for ev in csv.DictReader(res.stdout.splitlines()):
            row = by_rcpt.get(ev["recipient"])
            if row is None:
                continue
            seen.add(ev["recipient"])
            want = row["class"]
            if mta == "sendmail" and row["stage"] and stageless_class.get(row["where"]) != want:
                want = stageless_class.get(row["where"], want)
                stage_dependent += 1
            if ev["reason"] != want:
                problems += 1
                print("%s: %s: class got %s, want %s; text as logged: %.160s" % (
                    row["where"], mta, ev["reason"], want, ev["text"]))
            if ev["implicated_ip"] != row["ip"] and not (
                    mta == "sendmail" and row["ip"] and row["ip"] not in ev["text"]):
                problems += 1
                print("%s: %s: ip got '%s', want '%s'; text as logged: %.160s" % (
                    row["where"], mta, ev["implicated_ip"], row["ip"], ev["text"]))
        for rcpt, row in by_rcpt.items():
            if rcpt not in seen:
                problems += 1
                print("%s: %s: the line was not read as a failure" % (row["where"], mta))
    print("corpus as MTA log lines: %d rows x 3 MTAs, %d problems (%d Sendmail rows take the "
          "stage-less class)" % (len(corpus), problems, stage_dependent))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
