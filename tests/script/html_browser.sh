#!/usr/bin/env bash
# html_browser.sh - the HTML report in a real browser (headless Chromium).
#
# Writes the report of examples/postfix-rfc3339.log (the seed story) and of
# tests/data/xss.log (log text carrying <script>, "><img onerror>, </script>
# and javascript: payloads), loads each from a file:// URL with no network,
# dumps the DOM after the page's JavaScript ran, and asserts on it:
#   - the cause section comes first, and the headline names its first cause
#     and the failures
#   - the Microsoft 365 / blocked group and the Spamhaus cause with
#     219.94.129.185 are there
#   - the JavaScript ran (sort buttons exist, the filter box is shown)
#   - at 400 px the page takes its narrow layout (cards, the narrow chart)
#   - the XSS payloads are present as text, and no injected element exists:
#     exactly our three <script> elements, no <img>, no on* attribute, no
#     javascript: link
#   - the browser logged no console error (uncaught exception, CSP violation)
# and on a generated log of some 350 groups, that the filter finds a group
# the page did not draw (rank > 200) by its text and by its domain
# (#filter=... in the address, as a click on a domain does); it saves
# screenshots (html-seed.png, html-seed-narrow.png at 400 px, html-xss.png)
# in the build dir.
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
    # the narrow layout at 400 px: what the page's styles make of it (through the
    # DevTools protocol: a --dump-dom viewport stays at least 500 px wide), and a
    # screenshot to look at
    timeout 120 python3 "$SRC/tests/tools/cdp_eval.py" "$CHROMIUM" "file://$page" 400 \
        "JSON.stringify({layout: document.documentElement.getAttribute('data-layout'),
          thead: getComputedStyle(document.querySelector('#groups thead')).display,
          card: getComputedStyle(document.querySelector('#groups tbody.g')).display,
          wide: getComputedStyle(document.querySelector('svg.chart-wide')).display,
          narrow: getComputedStyle(document.querySelector('svg.chart-narrow')).display,
          axis: (function () { var s = document.querySelector('svg.chart-narrow');
                  var t = s.querySelector('text.axis');
                  return parseFloat(getComputedStyle(t).fontSize) * s.getBoundingClientRect().width /
                         s.viewBox.baseVal.width; })(),
          width: document.documentElement.scrollWidth})" > "$work/$name.narrow.json" 2>&1 ||
        echo "{}" > "$work/$name.narrow.json"
    browser "$page" --screenshot="$OUT/html-$name-narrow.png" --window-size=400,3000 \
        > /dev/null 2>&1 || echo "note: $name: no narrow screenshot"
    python3 - "$work/$name.dom" "$mode" "$work/$name.narrow.json" <<'PY' || failed=1
import sys
from html.parser import HTMLParser

import json
dom_path, mode, narrow_path = sys.argv[1], sys.argv[2], sys.argv[3]
dom = open(dom_path, encoding="utf-8").read()
try:
    narrow = json.loads(json.loads(open(narrow_path, encoding="utf-8").read()))
except (ValueError, TypeError):
    narrow = {"error": open(narrow_path, encoding="utf-8").read()[-300:]}

class Walk(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []          # (tag, attrs)
        self.text = []
        self.stack = []
        self.h1 = []
        self.groups = []        # text of each tbody.g
        self.cur_group = None
        self.causes = []        # text of each li.cause
        self.cur_cause = None
        self.order = []         # ids of the sections, in document order
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)
        if tag == "tbody" and "g" in (dict(attrs).get("class") or "").split():
            self.cur_group = []
        if tag == "li" and "cause" in (dict(attrs).get("class") or "").split():
            self.cur_cause = []
        if tag == "h2" and dict(attrs).get("id"):
            self.order.append(dict(attrs)["id"])
    def handle_endtag(self, tag):
        if tag == "tbody" and self.cur_group is not None:
            self.groups.append(" ".join(self.cur_group))
            self.cur_group = None
        if tag == "li" and self.cur_cause is not None:
            self.causes.append(" ".join(self.cur_cause))
            self.cur_cause = None
        while self.stack and self.stack.pop() != tag:
            pass
    def handle_data(self, data):
        self.text.append(data)
        if "h1" in self.stack:
            self.h1.append(data)
        if self.cur_group is not None:
            self.cur_group.append(data)
        if self.cur_cause is not None:
            self.cur_cause.append(data)

w = Walk()
w.feed(dom)
text = " ".join(w.text)
errors = []

def want(cond, what):
    if not cond:
        errors.append(what)

scripts = [a for t, a in w.tags if t == "script"]
want(len(scripts) == 3, f"script elements: got {len(scripts)}, want 3 (ours)")
want(sum(1 for a in scripts if a.get("type") == "application/json") == 2,
     "want exactly two application/json data blocks (the report, the groups' rows)")
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
# the causes lead: their section before every other, the headline names the first
want(w.order[:1] == ["h-causes"], f"sections: got {w.order}, want h-causes first")
want(len(w.causes) >= 1, "no cause in the cause section")
import re
if w.causes:
    first = re.sub(r"\s+", " ", w.causes[0])
    m = re.search(r"C1\s+(?:new\s+)?(.*?)\s+Who acts", first)
    title = m.group(1) if m else "?"
    want(title in re.sub(r"\s+", " ", headline),
         f"headline: got {headline!r}, want it to name the first cause {title!r}")
want('data-layout="wide"' in dom, "the page did not mark its wide layout at 1280 px")
# at 400 px: cards instead of the wide table, the narrow chart with labels of 11 px or more,
# nothing wider than the screen
want(narrow.get("layout") == "narrow", f"at 400 px: got {narrow}, want the narrow layout")
want(narrow.get("thead") == "none" and narrow.get("card") == "block",
     f"at 400 px: got {narrow}, want the groups as cards (no table head)")
want(narrow.get("wide") == "none" and narrow.get("narrow") == "block",
     f"at 400 px: got {narrow}, want the narrow chart")
want((narrow.get("axis") or 0) >= 11, f"at 400 px: chart labels of {narrow.get('axis')} px, want 11 or more")
want((narrow.get("width") or 9999) <= 400, f"at 400 px: the page is {narrow.get('width')} px wide")
want(any(t == "button" and "sort" in (a.get("class") or "") for t, a in w.tags),
     "no sort buttons: the page's JavaScript did not run")
tools = [a for t, a in w.tags if a.get("id") == "group-tools"]
want(tools and "hidden" not in tools[0], "the filter box is still hidden: JavaScript did not run")

if mode == "seed":
    want(any("219.94.129.185" in c and "Spamhaus" in c and
             re.search(r"Who acts:\s+us\b", c) for c in w.causes),
         "want a cause of ours naming 219.94.129.185 and Spamhaus")
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

# filtering over ALL groups: a generated log of some 350 groups, of which the page
# draws 200; the filter (given in the address) must find a group beyond them
python3 "$SRC/bench/genmaillog.py" --mb 3 --seed 5 > "$work/many.log"
"$BIN" scan --no-db --no-dns --format html -o "$work/many.html" "$work/many.log" || failed=1
pick=$(python3 - "$work/many.html" <<'PY'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
data = json.loads(re.search(r'<script type="application/json" id="bs-groups">(.*?)</script>', html, re.S).group(1))
rows = data["rows"]
assert len(rows) == data["total"] > 200, (len(rows), data["total"])
row = next(r for r in rows if r[0] > 200 and r[13])      # beyond the drawn ones, with an IP
dom = next((d for d, ranks in data["domains"].items() if ranks and min(ranks) > 200), "")
drank = min(data["domains"][dom]) if dom else 0
print(row[0], row[6], row[13], dom, drank)
PY
) || failed=1
read -r rank fp ip dom drank <<< "$pick"
browser_url() { local url=$1; shift
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-quic --disable-extensions --user-data-dir="$(mktemp -d -p "$work")" "$@" "$url"; }
browser_url "file://$work/many.html#filter=$fp%20$ip" --dump-dom > "$work/many.dom" 2> /dev/null
grep -q "id=\"g$rank\"" "$work/many.dom" ||
    { echo "FAIL all groups: the filter '$fp $ip' did not draw group #$rank (beyond the first 200)"; failed=1; }
grep -q "groups match" "$work/many.dom" || { echo "FAIL all groups: no match count"; failed=1; }
if [ -n "$dom" ]; then
    browser_url "file://$work/many.html#filter=domain:$dom" --dump-dom > "$work/dom.dom" 2> /dev/null
    grep -q "id=\"g$drank\"" "$work/dom.dom" ||
        { echo "FAIL all groups: domain:$dom did not draw its group #$drank"; failed=1; }
fi
echo "all groups: filter found #$rank ($fp $ip) and domain $dom's #$drank"
[ -f "$OUT/html-seed.png" ] && echo "screenshots: $OUT/html-seed.png $OUT/html-seed-narrow.png $OUT/html-xss.png"
if [ $failed -ne 0 ]; then
    echo "html_browser: FAILED"
    exit 1
fi
echo "html_browser: ok"
