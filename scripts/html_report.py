#!/usr/bin/python3
"""Self-contained HTML pages of SVG plots, shared by every report the
scripts write (the paper study, masr-sweep's report), and the check that
such a page renders in a real browser.

As a module:
    page = html_report.Page("Title")
    page.text("<p>paragraph</p>")            # trusted HTML
    page.figure(fig, "caption")              # a matplotlib figure, inlined as SVG
    page.table(["a", "b"], [[1, 2]])         # escaped cells
    page.write("DIR/report.html")           # whole or not at all

As a tool:
    scripts/html_report.py check FILE [--min-plots N]
opens FILE in headless Chromium (Debian's chromium), and exits 0 only when
at least N plots (default 1) were laid out with a non-zero size and drew
something. Each failing plot is named by its caption.

Every plot carries its caption in data-caption; the page ends with a small
script that measures each plot after layout and writes the result into the
DOM, which `chromium --dump-dom` returns. No network access is needed: the
page has no external resources.
"""
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

_RENDER_PROBE = """
<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('figure.plot').forEach(function (f) {
    var svg = f.querySelector('svg');
    var r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    var marks = svg ? svg.querySelectorAll('path, rect, line, polyline, polygon, use, text').length : 0;
    out.push([f.dataset.caption, Math.round(r.width), Math.round(r.height), marks].join('\\t'));
  });
  var pre = document.createElement('pre');
  pre.id = 'render-check';
  pre.hidden = true;
  pre.textContent = out.join('\\n');
  document.body.appendChild(pre);
});
</script>
"""

_STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; color: #222; }
figure.plot { margin: 1.5em 0; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
"""


def svg_of(fig):
    """The figure as an inline <svg> element (the XML prologue removed)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    if start < 0:
        raise RuntimeError("matplotlib wrote no <svg> element")
    return text[start:]


class Page:
    def __init__(self, title):
        self.title = title
        self.parts = []
        self.plots = 0

    def text(self, trusted_html):
        self.parts.append(trusted_html)

    def heading(self, text, level=2):
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def figure(self, fig, caption):
        import matplotlib.pyplot as plt

        svg = svg_of(fig)
        plt.close(fig)
        self.plots += 1
        cap = html.escape(caption, quote=True)
        self.parts.append(f'<figure class="plot" data-caption="{cap}">{svg}<figcaption>{cap}</figcaption></figure>')

    def table(self, header, rows):
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        self.parts.append(f"<table><tr>{head}</tr>{body}</table>")

    def render(self):
        title = html.escape(self.title)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{title}</h1>\n" + "\n".join(self.parts) + _RENDER_PROBE + "</body></html>\n"
        )

    def write(self, path):
        """Writes the page whole or not at all (a temporary file beside it, renamed)."""
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.render())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def rendered_plots(path, timeout=120):
    """[(caption, width, height, marks)] as measured by headless Chromium."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("chromium is not installed (scripts/setup.sh installs Debian's chromium)")
    with tempfile.TemporaryDirectory(prefix="masr-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
               "file://" + os.path.abspath(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
    match = re.search(r'<pre id="render-check" hidden="">(.*?)</pre>', proc.stdout, re.S)
    if match is None:
        raise RuntimeError(f"{path}: the page's render probe did not run (no #render-check in the DOM)")
    plots = []
    for line in html.unescape(match.group(1)).splitlines():
        if line.strip():
            caption, width, height, marks = line.split("\t")
            plots.append((caption, int(width), int(height), int(marks)))
    return plots


def check(path, min_plots=1):
    """Returns a list of problems (empty when every plot rendered)."""
    if not os.path.isfile(path):
        return [f"{path}: no such file"]
    plots = rendered_plots(path)
    problems = []
    if len(plots) < min_plots:
        problems.append(f"{path}: {len(plots)} plots rendered, expected at least {min_plots}")
    for caption, width, height, marks in plots:
        if width <= 0 or height <= 0:
            problems.append(f"{path}: plot '{caption}' has no size ({width}x{height} px)")
        elif marks < 5:
            problems.append(f"{path}: plot '{caption}' drew {marks} marks, expected axes and data")
    return problems


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    chk = sub.add_parser("check", help="check that every plot of a page renders in headless Chromium")
    chk.add_argument("file")
    chk.add_argument("--min-plots", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        problems = check(args.file, args.min_plots)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"html_report: {e}", file=sys.stderr)
        return 3
    for p in problems:
        print(f"html_report: {p}", file=sys.stderr)
    if not problems:
        print(f"html_report: {args.file}: every plot rendered")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
