"""A small headless-Chromium driver for the record pages (Chrome DevTools Protocol over a pipe).

No websocket and no extra package: Chromium is started with
``--remote-debugging-pipe`` and speaks CDP as NUL-terminated JSON on file
descriptors 3 (it reads) and 4 (it writes), the transport Playwright uses.
Chromium itself is Debian's (``apt-get install chromium``: ``/usr/bin/chromium``);
tests skip when it is absent.

    with Browser() as b:
        page = b.open(path, width=1280)
        page.checks   # decision box, code shown, overflow, charts, ...
        page.requests # every URL the page asked for
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe"]

#: A4 content widths at 96 px/in with the record's 12 mm side margins: portrait 186 mm, landscape 273 mm.
A4_PORTRAIT_PX, A4_LANDSCAPE_PX = 703, 1031

#: What each page must satisfy, measured in the page (returns JSON).
CHECKS_JS = r"""
((strict) => {
  const main = document.querySelector('main') || document.body;
  const box = document.querySelector('section.pmo-decision');
  const h1 = main.querySelector('h1');
  const first = [...main.querySelectorAll('h1, h2, h3, p, table, img, svg, section, pre, .pmo-chart')]
      .filter(el => !(h1 && (el === h1 || h1.contains(el))) && !(box && box.contains(el)))[0];
  const links = box ? [...box.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href')) : [];
  // as the HTML spec finds a fragment's target: the id as written first, then percent-decoded
  const broken = links.filter(h => !document.getElementById(h.slice(1)) &&
                                   !document.getElementById(decodeURIComponent(h.slice(1))));
  const charts = document.querySelectorAll('.pmo-chart').length;
  // in print, what sits on a landscape page (.pmo-landscape) has the landscape width: 297 - 2 x 12 mm
  const limit = el => (strict && el.closest('.pmo-landscape') ? LANDSCAPE_PX : document.documentElement.clientWidth);
  const wide = [...document.querySelectorAll('body *')].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > limit(el) + 1 &&
             (strict || !el.closest('.pmo-table-wrap, .jp-OutputArea-output'));
  }).map(el => el.tagName + '.' + el.className).slice(0, 5);
  const portrait = [...document.querySelectorAll('body *')].filter(el => !el.closest('.pmo-landscape'))
      .reduce((w, el) => Math.max(w, el.getBoundingClientRect().right), 0);
  return {
    decision_box: !!box,
    box_first: !!box && (!first || (box.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) > 0),
    box_top: box ? Math.round(box.getBoundingClientRect().top + window.scrollY) : null,
    headline: box ? (box.querySelector('.pmo-headline') || {}).textContent : null,
    broken_links: broken,
    code_cells_shown: document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .highlight').length,
    raw_publish: document.body.innerText.includes('application/vnd.pmo-analytics'),
    scroll_width: strict ? Math.ceil(Math.min(document.documentElement.scrollWidth, portrait))
                         : document.documentElement.scrollWidth,
    client_width: document.documentElement.clientWidth,
    wide_elements: wide,
    charts: charts,
    charts_live: document.querySelectorAll('.pmo-chart.pmo-live').length,
    charts_state: document.documentElement.dataset.pmoCharts || null,
    nan_text: /\bNaN\b/.test(main.innerText),
    title: document.title,
  };
})(STRICT)
"""

BOARD_JS = r"""
(() => {
  // every folded table opened: what a reader can unfold is checked too (the appendix of machine keys aside)
  for (const d of document.querySelectorAll('details')) d.open = true;
  const main = document.querySelector('main') || document.body;
  const out = {};
  const box = document.querySelector('section.pmo-decision');
  const last = box ? box.lastElementChild : null;
  const askText = last && last.classList.contains('pmo-ask') ?
      ((last.querySelector('.pmo-ask-text') || {}).textContent || '') : '';
  out.ask_last = !!box && askText.startsWith('The board is asked to');
  out.ask_text = askText.slice(0, 160);
  // visible text, without the machine-readable appendix
  const skip = el => el.closest('details.pmo-appendix:not(.pmo-warnings), script, style, .vg-tooltip');
  const texts = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    texts.push(n.textContent);
  }
  const all = texts.join('\n');
  const grab = (re) => [...new Set((all.match(re) || []))].slice(0, 8);
  out.scientific = grab(/(?<![\w.])[-+]?\d+(?:\.\d+)?e[-+]?\d+(?![\w.])/gi);
  out.repr = grab(/\b[A-Z][A-Za-z0-9]+\((?:'|"|[a-z_]+=|\.\.\.)|\b[A-Za-z]*(?:Warning|Error):|object at 0x[0-9a-f]+|<[a-z_.]+ object/g);
  out.raw_json = grab(/\{"[a-z_]+":/g);
  out.inf = grab(/(?<![\w-])(?:-?inf|-?Infinity|NaN|nan)(?![\w-])/g);  // (INF may be a skill code)
  // snake_case in the headers of visible tables and in the charts' legends and axis titles
  const snake = /\b[a-z][a-z0-9]*_[a-z0-9_]+\b/;
  out.snake_headers = [...main.querySelectorAll('th')].filter(th => !skip(th) && snake.test(th.textContent))
      .map(th => th.textContent.trim()).slice(0, 8);
  out.snake_legends = [...document.querySelectorAll('.pmo-chart-live .role-legend text, .pmo-chart-live .role-axis-title text, .pmo-chart-live .role-title text')]
      .map(t => t.textContent).filter(t => snake.test(t)).slice(0, 8);
  // money under a [days] unit: a column headed "... [days]" / "[working days]" whose cells hold amounts
  const money = /[£$€¥]\s?-?\d|\d\s?(?:GBP|USD|EUR)\b/;
  out.days_on_money = [];
  for (const table of main.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')];
    heads.forEach((th, i) => {
      if (!/\[(?:working )?days?\]/.test(th.textContent)) return;
      const cells = [...table.querySelectorAll('tbody tr')].map(tr => tr.children[i]).filter(Boolean);
      if (cells.some(td => money.test(td.textContent)) || /\b(?:cost|budget|spend|value|price|funding)\b/i.test(th.textContent))
        out.days_on_money.push(th.textContent.trim());
    });
  }
  // every KPI tile carries a unit: a unit word beside the value, or one the value carries (£, %, a date)
  out.tiles = document.querySelectorAll('.pmo-key').length;
  out.tiles_without_unit = [...document.querySelectorAll('.pmo-key')].filter(k => {
    const v = (k.querySelector('.pmo-key-value') || {}).textContent || '';
    const unit = (k.querySelector('.pmo-key-unit') || {}).textContent || '';
    if (unit.trim()) return false;
    if (/[£$€¥%]|\b(?:GBP|USD|EUR)\b/.test(v)) return false;
    if (/\d{4}-\d{2}-\d{2}|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/.test(v)) return false;
    return /\d/.test(v);  // a bare number; words (Green, none) are their own unit
  }).map(k => k.textContent.trim()).slice(0, 8);
  // navigation
  out.nav = [...document.querySelectorAll('nav.pmo-nav a')].map(a => [a.getAttribute('rel') || a.dataset.rel || '',
      a.getAttribute('href')]);
  return out;
})()
"""

# printed: no rule lets a word break, and no word of the laid-out text is split over two lines
PRINT_JS = r"""
(() => {
  const main = document.querySelector('main') || document.body;
  const bad_css = new Set();
  for (const el of main.querySelectorAll('*')) {
    if (!el.childNodes.length) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none') continue;
    if (s.overflowWrap === 'anywhere' || s.overflowWrap === 'break-word' || s.wordBreak === 'break-all' ||
        s.wordBreak === 'break-word' || s.hyphens === 'auto')
      bad_css.add(`${el.tagName.toLowerCase()}.${el.className} (${s.overflowWrap}/${s.wordBreak}/${s.hyphens})`);
  }
  const split = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let words = 0;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent;
    const re = /\S+/g;
    let m;
    while ((m = re.exec(text))) {
      range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
      if (!rects.length) continue;
      words += 1;
      const tops = new Set(rects.map(r => Math.round(r.top / 3)));
      if (tops.size < 2) continue;
      // where the word broke: the first character laid out on another line than the word's first
      const top0 = Math.round(rects[0].top / 3);
      let at = 1;
      for (; at < m[0].length; at++) {
        range.setStart(n, m.index + at); range.setEnd(n, m.index + at + 1);
        const r = [...range.getClientRects()].filter(r => r.width > 0.5);
        if (r.length && Math.round(r[0].top / 3) !== top0) break;
      }
      const w = m[0];
      // a line may end after the hyphen of a compound of words ("risk-|adjusted"), never inside an id, a date or
      // an amount ("P-|046", "2027-|08-04")
      if (w[at - 1] === '-' && /[A-Za-z]/.test(w[at - 2] || '') && /[A-Za-z]/.test(w[at] || '') && !/\d/.test(w))
        continue;
      if (split.length < 10) split.push(`${w.slice(0, at)}|${w.slice(at, 60)} (${n.parentElement.tagName.toLowerCase()}.${n.parentElement.className})`);
    }
  }
  const right = document.documentElement.clientWidth + 1;
  const wide_tables = [...main.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right >
                                                                    (t.closest('.pmo-landscape') ? LANDSCAPE_PX + 1 : right))
      .map(t => `${Math.round(t.getBoundingClientRect().width)} px: ` +
           [...t.querySelectorAll('thead th')].map(x => x.textContent.trim()).join(' | ').slice(0, 300));
  return {bad_css: [...bad_css].slice(0, 10), split_words: split, words, wide_tables};
})()
"""


class CDPError(RuntimeError):
    pass


@dataclass
class PageResult:
    url: str
    checks: dict
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: bytes | None = None

    @property
    def network_requests(self) -> list[str]:
        """Requested URLs that would leave the machine (anything but file:, data:, blob:, about:)."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:", "about:"))]


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str = CHROMIUM, timeout: float = 60.0, localhost: bool = False):
        self.executable = executable
        #: ``localhost``: 127.0.0.1 stays reachable (a local JupyterLab); every other host is still unresolvable
        self.flags = [f"{f}, EXCLUDE 127.0.0.1" if localhost and f.startswith("--host-resolver-rules") else f
                      for f in FLAGS]
        self.timeout = timeout
        self._id = 0
        self._pending: dict[int, dict] = {}
        self._events: list[dict] = []
        self._cond = threading.Condition()
        self._buf = b""

    # ---------------------------------------------------------------- process
    def __enter__(self) -> "Browser":
        self._profile = tempfile.mkdtemp(prefix="pmo-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds():  # the child reads CDP on fd 3 and writes on fd 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self._proc = subprocess.Popen([self.executable, *self.flags, f"--user-data-dir={self._profile}", "about:blank"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, preexec_fn=fds,
                                      pass_fds=(3, 4))  # close_fds runs after preexec_fn: keep 3 and 4
        os.close(to_child_r)
        os.close(from_child_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            self._buf += chunk
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._pending[msg["id"]] = msg
                    else:
                        self._events.append(msg)
                    self._cond.notify_all()

    # ---------------------------------------------------------------- protocol
    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        self._id += 1
        mid = self._id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._pending:
                left = deadline - time.monotonic()
                if left <= 0 or getattr(self, "_closed", False):
                    raise CDPError(f"{method}: no answer from Chromium")
                self._cond.wait(left)
            reply = self._pending.pop(mid)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _wait_event(self, method: str, session: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self._events:
                    if ev.get("method") == method and ev.get("sessionId") == session:
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"timed out waiting for {method}")
                self._cond.wait(left)

    def evaluate(self, expression: str, session: str):
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, session)
        if "exceptionDetails" in res:
            raise CDPError(f"page script failed: {res['exceptionDetails'].get('text')}")
        return res["result"].get("value")

    # ---------------------------------------------------------------- pages
    def open(self, path: str | os.PathLike, width: int = 1280, height: int = 900, media: str = "screen",
             screenshot: bool = False, settle: float = 30.0, shot_height: int = 1600, board: bool = False) -> PageResult:
        """Load a local page at ``width`` px and return its checks, requests, errors (and a PNG of the top
        ``shot_height`` px)."""
        url = Path(path).resolve().as_uri()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        with self._cond:
            self._events = [e for e in self._events if e.get("sessionId") != session]
        for m in ("Page.enable", "Network.enable", "Runtime.enable", "Log.enable"):
            self.call(m, session=session)
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session)
        self.call("Emulation.setEmulatedMedia", {"media": media}, session)
        self.call("Page.navigate", {"url": url}, session)
        self._wait_event("Page.loadEventFired", session, self.timeout)
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:  # charts are drawn by a module script after load
            state = self.evaluate("[document.querySelectorAll('.pmo-chart').length, "
                                  "document.documentElement.dataset.pmoCharts || '']", session)
            if not state[0] or state[1]:
                break
            time.sleep(0.2)
        # in print, nothing may stick out of the page, not even inside a scrolling box
        checks = self.evaluate(CHECKS_JS.replace("STRICT", "true" if media == "print" else "false")
                               .replace("LANDSCAPE_PX", str(A4_LANDSCAPE_PX)), session)
        shot = None
        if screenshot:
            full = self.evaluate(f"Math.ceil(Math.min(document.documentElement.scrollHeight, {int(shot_height)}))",
                                 session)
            self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": int(full),
                                                             "deviceScaleFactor": 1, "mobile": False}, session)
            shot = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session)["data"])
        if board:  # after the screenshot: these open every folded table
            checks.update(self.evaluate(BOARD_JS, session))
            if media == "print":
                checks.update(self.evaluate(PRINT_JS.replace("LANDSCAPE_PX", str(A4_LANDSCAPE_PX)), session))
        with self._cond:
            events = [e for e in self._events if e.get("sessionId") == session]
        requests = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
        errors = []
        for e in events:
            if e["method"] == "Runtime.exceptionThrown":
                d = e["params"]["exceptionDetails"]
                errors.append((d.get("exception") or {}).get("description") or d.get("text", "exception"))
            elif e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"]))
            elif e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                errors.append(e["params"]["entry"].get("text", ""))
        self.call("Target.closeTarget", {"targetId": target})
        return PageResult(url=url, checks=checks, requests=requests, errors=errors, screenshot=shot)


def available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def main(argv=None) -> int:
    """``python -m tests.browser RECORD [--screenshot PAGE.html OUT.png]``: check every page of a record folder.

    Prints one line per page (decision box, code shown, network requests,
    overflow at 1,280 px and at A4 print width, charts drawn, script errors)
    and exits 1 when a page fails. ``--screenshot`` writes the top of one
    page at 1,000 px (as ``docs/images/review_00.png``).
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m tests.browser")
    ap.add_argument("record", type=Path)
    ap.add_argument("--screenshot", nargs=2, metavar=("PAGE", "PNG"))
    ap.add_argument("--height", type=int, default=1900)
    args = ap.parse_args(argv)
    bad = 0
    with Browser() as b:
        for page in sorted(args.record.glob("*.html")):
            screen = b.open(page, width=1280)
            printed = b.open(page, width=703, media="print")
            c, p = screen.checks, printed.checks
            problems = []
            if page.name != "index.html" and not (c["decision_box"] and c["box_first"]):
                problems.append("no decision box first")
            if c["code_cells_shown"]:
                problems.append(f"{c['code_cells_shown']} code cells shown")
            if screen.network_requests:
                problems.append(f"network: {screen.network_requests[:3]}")
            if c["scroll_width"] > 1280 or c["wide_elements"]:
                problems.append(f"overflow at 1280 px: {c['wide_elements'][:3]}")
            if p["scroll_width"] > 703 or p["wide_elements"]:
                problems.append(f"overflow in print: {p['wide_elements'][:3]}")
            if c["charts_live"] != c["charts"]:
                problems.append(f"{c['charts'] - c['charts_live']} charts static")
            if screen.errors:
                problems.append(f"script errors: {screen.errors[:2]}")
            if c["nan_text"]:
                problems.append("NaN shown")
            bad += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {page.name}: {'; '.join(problems) or 'all checks pass'}")
        if args.screenshot:
            page, png = args.screenshot
            shot = b.open(page, width=1000, screenshot=True, shot_height=args.height).screenshot
            Path(png).write_bytes(shot)
            print(f"wrote {png}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
