#!/usr/bin/env python3
"""cdp_eval.py CHROMIUM URL WIDTH EXPRESSION - load URL in headless Chromium with a
viewport WIDTH pixels wide and print the JSON value of EXPRESSION evaluated in the
page after it loaded.

`--window-size` does not narrow the viewport of a --dump-dom run (headless keeps it
at least 500 px wide), so the narrow layout is checked through the DevTools
protocol instead: Emulation.setDeviceMetricsOverride, over --remote-debugging-pipe
(commands on fd 3, answers on fd 4, NUL-separated JSON). No network, a fresh
profile; stdlib only. Exit status 1 when Chromium goes away or the page throws."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    chrome, url, width, expr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    profile = tempfile.mkdtemp()

    def fds():
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    proc = subprocess.Popen(
        [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-pipe", "--user-data-dir=" + profile,
         "about:blank"],
        preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    out = os.fdopen(to_chrome_w, "wb")
    inp = os.fdopen(from_chrome_r, "rb")
    state = {"n": 0, "buf": b""}

    def call(method, params=None, session=None):
        state["n"] += 1
        msg = {"id": state["n"], "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        out.write(json.dumps(msg).encode() + b"\0")
        out.flush()
        while True:
            while b"\0" not in state["buf"]:
                chunk = inp.read1(65536)
                if not chunk:
                    sys.exit("cdp_eval: chromium closed the pipe")
                state["buf"] += chunk
            raw, state["buf"] = state["buf"].split(b"\0", 1)
            m = json.loads(raw)
            if m.get("id") == state["n"]:
                if "error" in m:
                    sys.exit("cdp_eval: %s: %s" % (method, m["error"]))
                return m["result"]

    try:
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        call("Emulation.setDeviceMetricsOverride",
             {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        call("Page.navigate", {"url": url}, session)
        value = None
        for _ in range(50):  # until the page's script has run (it marks the layout)
            time.sleep(0.1)
            ready = call("Runtime.evaluate", {"expression": "document.readyState === 'complete'",
                                              "returnByValue": True}, session)
            if ready["result"].get("value"):
                break
        r = call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session)
        if "exceptionDetails" in r:
            sys.exit("cdp_eval: the expression threw: %s" % r["exceptionDetails"].get("text"))
        value = r["result"].get("value")
        print(json.dumps(value))
    finally:
        try:
            out.write(json.dumps({"id": 999999, "method": "Browser.close"}).encode() + b"\0")
            out.flush()
        except OSError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
