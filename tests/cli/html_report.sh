#!/bin/bash
# tests/cli/html_report.sh XPUBENCH EXPERIMENT TMPDIR — `report --format html` renders in headless
# Chromium: the page's text holds every section heading, every chart is an <svg> in the DOM, and
# the file names no http(s) URL (self-contained). Exit 77 (skipped) only when chromium is absent.
set -euo pipefail
bin=$1 exp=$2 tmp=$3/html_report
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIP: chromium not installed (scripts/setup.sh installs it)"; exit 77; }
rm -rf "$tmp" && mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" run "$exp" -o "$tmp/r.h5" >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; fail "run failed"; }
"$bin" report "$tmp/r.h5" --format html -o "$tmp/q.html" || fail "report --format html failed"
# -o keeps its rules: no overwrite without --force, and --force overwrites.
if "$bin" report "$tmp/r.h5" --format html -o "$tmp/q.html" 2>"$tmp/err.txt"; then
  fail "an existing report was overwritten without --force"
fi
"$bin" report "$tmp/r.h5" --format html -o "$tmp/q.html" --force || fail "--force did not overwrite"

# Self-contained: no URL of any scheme that fetches, no script, no external style or font.
if grep -Eio "(https?:)?//[a-z0-9.-]+\.[a-z]{2,}" "$tmp/q.html" | grep . >/dev/null; then
  fail "the page references a URL: $(grep -Eio '(https?:)?//[a-z0-9.-]+\.[a-z]{2,}' "$tmp/q.html" | head -3)"
fi
grep -Eiq "<script|<link|@import|url\(" "$tmp/q.html" && fail "the page loads a script, style sheet or font"

# The browser's view of the page: the DOM after parsing (an HTML or SVG syntax error that drops
# content shows here), and its text.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile" \
  --dump-dom "file://$tmp/q.html" >"$tmp/dom.html" 2>"$tmp/chromium.log" ||
  { tail -5 "$tmp/chromium.log"; fail "chromium could not load the page"; }
[ -s "$tmp/dom.html" ] || fail "chromium returned an empty DOM"

/usr/bin/python3 - "$tmp/q.html" "$tmp/dom.html" <<'PYEOF' || fail "page checks"
import re, sys
from html.parser import HTMLParser

src, dom = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])

class Text(HTMLParser):
    """Headings, figure count and visible text of the DOM Chromium built."""
    def __init__(self):
        super().__init__()
        self.h2, self.svg_top, self.depth, self.text, self.cur = [], 0, 0, [], None
    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            if self.depth == 0 and ("class", "chart") in attrs: self.svg_top += 1
            self.depth += 1
        if tag == "h2": self.cur = ""
    def handle_endtag(self, tag):
        if tag == "svg": self.depth -= 1
        if tag == "h2" and self.cur is not None: self.h2.append(self.cur.strip()); self.cur = None
    def handle_data(self, data):
        self.text.append(data)
        if self.cur is not None: self.cur += data

p = Text(); p.feed(dom)
want = ["Provenance", "Cells", "Parity matrix", "Roofline", "Training curves",
        "Performance portability", "Projections"]
assert p.h2 == want, f"section headings {p.h2}, want {want}"
text = " ".join(p.text)

# Charts: as many <svg class="chart"> in the browser's DOM as the file has, and as many as the
# experiment implies: step time per workload (3), parity per target (1), a roofline per platform
# (3), a training curve per quantity (loss, eval_loss, lr, grad_norm: 4), PP (1), projections per
# model (1).
n_src = len(re.findall(r'<svg class="chart"', src))
assert p.svg_top == n_src, f"{p.svg_top} charts in the DOM, {n_src} in the file"
assert n_src == 13, f"{n_src} charts, want 13"
for needle in ["command", "git commit", "Kokkos", "nats/byte", "loss per step", "step (", "parity band",
               "arithmetic intensity", "FLOP/s", "Pennycook",
               "ernie-4.5-21b-a3b", "n=16384", "n=65536"]:
    assert needle in text, f"'{needle}' not in the page text"
# Labels show only what varies: dtype is fp32 for every stream cell, so no chart or table says it.
assert "dtype=fp32" not in text, "a label shows a parameter that does not vary"
# Every chart has an x and a y label.
assert src.count('class="xlabel"') == n_src and src.count('class="ylabel"') == n_src, "an axis label is missing"
assert max(int(w) for w in re.findall(r'<svg class="chart" width="(\d+)"', src)) <= 1600, "a chart is over 1600 px"
print(f"ok: {len(want)} sections, {n_src} charts, {len(dom)} bytes of DOM")
PYEOF
echo PASS
