#!/usr/bin/env bash
# html_browser.sh - the HTML report in a real browser (headless Chromium).
#
# Writes the report of examples/postfix-rfc3339.log (the seed story) and of
# tests/data/xss.log (log text carrying <script>, "><img onerror>, </script>
# and javascript: payloads), loads each from a file:// URL with no network,
# dumps the DOM after the page's JavaScript ran, and asserts on it:
#   - the headline is there, and names the failures
#   - the Microsoft 365 / blocked group with 219.94.129.185 is there
#   - the JavaScript ran (sort buttons exist, the filter box is shown)
#   - the XSS payloads are present as text, and no injected element exists:
#     exactly our two <script> elements, no <img>, no on* attribute, no
#     javascript: link
#   - the browser logged no console error (uncaught exception, CSP violation)
# and saves screenshots (html-report.png, html-xss.png) in the build dir.
#
# Installs nothing: uses chromium from PATH (Debian: apt-get install chromium)
# and python3 for the DOM checks (stdlib html.parser only). Without either it
# fails under CI=true and is skipped (exit 77, shown by CTest) elsewhere
# (tests/tools/require.sh).
set -uo pipefail
BIN=${1:?usage: html_browser.sh BOUNCESCOPE}
SRC=${BS_SOURCE_DIR:?}
OUT=${BS_BINARY_DIR:-$(mktemp -d)}
export TZ=UTC
. "$SRC/tests/tools/require.sh"
# BS_CHROMIUM names the browser (a path that does not exist: how CI behaves without one)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -x /usr/bin/chromium ] && CHROMIUM=/usr/bin/chromium
CHROMIUM=${BS_CHROMIUM:-$CHROMIUM}
require "${CHROMIUM:-chromium}" "the headless browser (apt-get install chromium)"
require python3 "the DOM checks"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# browser FILE.html WHAT... - run headless chromium with no network and a fresh profile
browser() {
    local page=$1
    shift
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-quic --disable-extensions --user-data-dir="$(mktemp -d -p "$work")" \
        "$@" "file://$page"
}

# check NAME LOG - report, DOM, console, screenshot, then the python checks
check() {
    local name=$1 log=$2 mode=$3
    local page=$work/$name.html
    if ! (cd "$SRC" && "$BIN" scan --no-db --no-dns --format html -o "$page" "$log"); then
        echo "FAIL $name: bouncescope scan --format html failed"
        failed=1
        return
    fi
    local size
    size=$(wc -c < "$page")
    echo "$name: report $size bytes"
    browser "$page" --dump-dom --enable-logging=stderr --v=0 > "$work/$name.dom" 2> "$work/$name.log"
    if [ ! -s "$work/$name.dom" ]; then
        echo "FAIL $name: chromium dumped no DOM"
        sed 's/^/    /' "$work/$name.log" | tail -5
        failed=1
        return
    fi
    if grep -E 'CONSOLE|Uncaught|Content Security Policy|Refused to' "$work/$name.log" \
        | grep -v -E 'dbus|DevTools listening' > "$work/$name.console"; then
        echo "FAIL $name: console errors, got:"
        sed 's/^/    /' "$work/$name.console" | head -10
        failed=1
    fi
    browser "$page" --screenshot="$OUT/html-$name.png" --window-size=1280,2000 \
        > /dev/null 2>&1 || echo "note: $name: no screenshot"
    python3 - "$work/$name.dom" "$mode" <<'PY' || failed=1
import sys
from html.parser import HTMLParser

dom_path, mode = sys.argv[1], sys.argv[2]
dom = open(dom_path, encoding="utf-8").read()

class Walk(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []          # (tag, attrs)
        self.text = []
        self.stack = []
        self.h1 = []
        self.groups = []        # text of each tbody.g
        self.cur_group = None
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)
        if tag == "tbody" and "g" in (dict(attrs).get("class") or "").split():
            self.cur_group = []
    def handle_endtag(self, tag):
        if tag == "tbody" and self.cur_group is not None:
            self.groups.append(" ".join(self.cur_group))
            self.cur_group = None
        while self.stack and self.stack.pop() != tag:
            pass
    def handle_data(self, data):
        self.text.append(data)
        if "h1" in self.stack:
            self.h1.append(data)
        if self.cur_group is not None:
            self.cur_group.append(data)

w = Walk()
w.feed(dom)
text = " ".join(w.text)
errors = []

def want(cond, what):
    if not cond:
        errors.append(what)

scripts = [a for t, a in w.tags if t == "script"]
want(len(scripts) == 2, f"script elements: got {len(scripts)}, want 2 (ours)")
want(sum(1 for a in scripts if a.get("type") == "application/json") == 1,
     "want exactly one application/json data block")
want(not any(t == "img" for t, a in w.tags), "got an <img> element, want none")
want(not any(t in ("iframe", "object", "embed", "base", "form") for t, a in w.tags),
     "got an iframe/object/embed/base/form element, want none")
for t, a in w.tags:
    for k, v in a.items():
        if k.startswith("on"):
            errors.append(f"got attribute {k}= on <{t}>, want no event handler attributes")
        if k in ("href", "src", "action", "xlink:href") and v and v.strip().lower().startswith(("javascript:", "data:text")):
            errors.append(f"got {k}={v!r} on <{t}>")
    if t == "a" and a.get("href") and not (a["href"].startswith("#") or a["href"].startswith("https://") or a["href"].startswith("http://")):
        errors.append(f"got link {a['href']!r}, want only #anchors and catalogue http(s) links")
headline = " ".join(w.h1)
want("deliveries failed" in headline or "delivery failed" in headline,
     f"headline: got {headline!r}, want it to say how many deliveries failed")
want(any(t == "button" and "sort" in (a.get("class") or "") for t, a in w.tags),
     "no sort buttons: the page's JavaScript did not run")
tools = [a for t, a in w.tags if a.get("id") == "group-tools"]
want(tools and "hidden" not in tools[0], "the filter box is still hidden: JavaScript did not run")

if mode == "seed":
    want("219.94.129.185" in headline, f"headline: got {headline!r}, want the implicated IP 219.94.129.185")
    want("Spamhaus" in headline, f"headline: got {headline!r}, want Spamhaus")
    want(any("Microsoft 365" in g and "219.94.129.185" in g and "blocked" in g for g in w.groups),
         "want a group with Microsoft 365, blocked and 219.94.129.185")
    want("Check the listing" in text or "blocklist" in text.lower(), "want the blocklist advice")
if mode == "xss":
    for payload in ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                    "</script><script>alert(2)</script>", "javascript:alert(3)",
                    "<img src=x onerror=alert(8)>"]:
        want(payload in text, f"want the payload {payload!r} shown as text")
    want(len(w.groups) >= 3, f"groups: got {len(w.groups)}, want at least 3")

for e in errors:
    print(f"FAIL {mode}: {e}")
print(f"{mode}: {len(w.tags)} elements, {len(w.groups)} groups, {len(errors)} problems")
sys.exit(1 if errors else 0)
PY
}

check seed examples/postfix-rfc3339.log seed
check xss tests/data/xss.log xss
[ -f "$OUT/html-seed.png" ] && echo "screenshots: $OUT/html-seed.png $OUT/html-xss.png"
if [ $failed -ne 0 ]; then
    echo "html_browser: FAILED"
    exit 1
fi
echo "html_browser: ok"
