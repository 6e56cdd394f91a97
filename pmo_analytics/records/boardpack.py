"""The board pack: a decision record's pages printed as one A4 PDF (``pmo review --pdf`` -> ``board_pack.pdf``).

The pack is one HTML document — a cover (record id, date, data, and each page's decision and ask), then every
page of the record in order, each starting on a new sheet — printed once by headless Chromium
(``--print-to-pdf``). One document printed once needs no PDF library to merge pages, and its page numbers run
through the whole pack ("page 7 of 31").

What the printout looks like comes from the record's print stylesheet (:data:`pmo_analytics.records.html.PAGE_CSS`:
A4, words never split, wide tables on landscape sheets) and from :func:`pack_furniture_css`: the record id and
date at the top of every sheet, the page's title and "page N of M" at the bottom. Charts print as their static
SVG; no script runs and nothing is fetched (Chromium is started with every host name unresolvable).

Chromium is found by :func:`find_chromium` (``PMO_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` on ``PATH``). Without it a review asked for ``--pdf`` is refused before anything runs.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..atomic import write_atomic
from ..exceptions import RecordError
from .html import _css_string, page_title

__all__ = ["PDF_NAME", "find_chromium", "board_pack_html", "print_pdf", "write_board_pack"]

#: The board pack's file name inside a record folder.
PDF_NAME = "board_pack.pdf"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_NAV = re.compile(r"<nav class='pmo-nav[^']*'.*?</nav>", re.DOTALL)


def find_chromium() -> str | None:
    """The headless Chromium to print with: ``PMO_CHROMIUM`` when set (and executable), else the first of
    ``chromium``, ``chromium-browser``, ``google-chrome``, ``google-chrome-stable`` on ``PATH``; None if none."""
    env = os.environ.get("PMO_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pack_furniture_css(run_id: str, date: str, sections: list[tuple[str, str]]) -> str:
    """``@page`` rules of the pack: record id and date on every sheet, each section's title at its foot."""
    common = (f"@top-left{{content:{_css_string('Portfolio review · record ' + run_id)};font:8pt sans-serif;"
              f"color:#555}}@top-right{{content:{_css_string(date[:10])};font:8pt sans-serif;color:#555}}"
              '@bottom-right{content:"page " counter(page) " of " counter(pages);font:8pt sans-serif;color:#555}')
    rules = [f"@page{{{common}@bottom-left{{content:{_css_string('Board pack')};font:8pt sans-serif;color:#555}}}}"]
    for key, title in sections:
        rules.append(f"@page {key}{{@bottom-left{{content:{_css_string(title)};font:8pt sans-serif;color:#555}}}}"
                     f"section.{key}{{page:{key}}}")
    return "\n".join(rules)


def _scoped(fragment: str, prefix: str) -> str:
    """Ids and in-page links of one page made unique inside the pack (``#2.-Simulation`` -> ``#p03-2.-Simulation``)."""
    fragment = re.sub(r"""(\sid=)(["'])""", lambda m: f"{m.group(1)}{m.group(2)}{prefix}-", fragment)
    fragment = re.sub(r"""(\shref=)(["'])#""", lambda m: f"{m.group(1)}{m.group(2)}#{prefix}-", fragment)
    return re.sub(r"url\(#", f"url(#{prefix}-", fragment)


def _cover(manifest: dict, decisions: dict[str, dict | None], stems: list[str]) -> str:
    e = html.escape
    run_id = str(manifest.get("run_id", ""))
    data = manifest.get("data") if isinstance(manifest.get("data"), dict) else {}
    name = Path(str(data.get("path") or "")).name or "data"
    items = []
    for stem in stems:
        d = decisions.get(stem) or {}
        ask = f"<p class='pmo-pack-ask'>{e(str(d['ask']))}</p>" if d.get("ask") else ""
        head = f"<p>{e(str(d['headline']))}</p>" if d.get("headline") else ""
        items.append(f"<li><a href='#p{e(stem[:2])}-top'><b>{e(page_title(stem, d or None))}</b></a>{head}{ask}</li>")
    return (f"<section class='pmo-pack-cover'><h1>Portfolio review — board pack</h1>"
            f"<p class='pmo-sub'>Record <b>{e(run_id)}</b> · {e(str(manifest.get('started') or '')[:10])} · data "
            f"<b>{e(name)}</b> · seed {e(str(manifest.get('seed')))} · status <b>{e(str(manifest.get('status')))}</b>"
            f"</p><h2>What each page decides</h2><ol class='pmo-pack-toc'>{''.join(items)}</ol></section>")


_PACK_CSS = """
section.pmo-pack-cover{font-family:var(--jp-content-font-family,system-ui,sans-serif);max-width:1180px;margin:0 auto}
section.pmo-pack-cover ol{padding-left:1.2em}
section.pmo-pack-cover li{margin:.2em 0 .7em}
section.pmo-pack-cover li p{margin:.15em 0}
section.pmo-pack-cover .pmo-pack-ask{font-weight:600}
section.pmo-pack-page{break-before:page}
"""


def board_pack_html(folder: Path, manifest: dict, decisions: dict[str, dict | None] | None = None) -> str:
    """One HTML document of a record's pages for printing: the cover, then every page in the manifest's order.

    Parameters
    ----------
    folder : Path
        The record folder holding the pages (``NN_name.html``) named in ``manifest["notebooks"]``.
    manifest : dict
        The record's manifest (run id, date, data, status, pages).
    decisions : dict, optional
        Page stem -> its published ``page.decision`` (the cover lists each page's decision and ask).
    """
    decisions = decisions or {}
    entries = [n for n in manifest.get("notebooks", []) if (Path(folder) / str(n.get("html", ""))).is_file()]
    if not entries:
        raise RecordError(f"no page of the record in {folder} to print")
    stems = [Path(n["notebook"]).stem for n in entries]
    head, sections, keys = None, [], []
    for stem, n in zip(stems, entries):
        page = (Path(folder) / n["html"]).read_text(encoding="utf-8")
        if head is None:
            head = _SCRIPT.sub("", page[:page.find("<body")])
        start, end = page.find("<main>"), page.rfind("</main>")
        if start < 0 or end < start:
            raise RecordError(f"{n['html']}: not a record page (no <main>)")
        body = _NAV.sub("", _SCRIPT.sub("", page[start + len("<main>"):end]))
        key = f"pmo-p{re.sub(r'[^0-9A-Za-z]', '', stem[:2]) or len(keys)}"
        keys.append((key, page_title(stem, decisions.get(stem) or None)))
        sections.append(f"<section class='pmo-pack-page {key}' id='p{html.escape(stem[:2])}-top'>"
                        f"{_scoped(body, 'p' + stem[:2])}</section>")
    css = _PACK_CSS + pack_furniture_css(str(manifest.get("run_id", "")), str(manifest.get("started") or ""), keys)
    head = head.replace("</head>", f"<style type='text/css'>{css}</style></head>", 1)
    head = re.sub(r"<title>.*?</title>", f"<title>Board pack {html.escape(str(manifest.get('run_id', '')))}</title>",
                  head, count=1, flags=re.DOTALL)
    return (f"{head}<body class='jp-Notebook pmo-pack'><main>{_cover(manifest, decisions, stems)}"
            f"{''.join(sections)}</main></body></html>")


def print_pdf(html_text: str, out: Path, chromium: str | None = None, timeout: float = 600) -> Path:
    """Print ``html_text`` to the PDF ``out`` with headless Chromium (A4 from the page's CSS; no header or footer
    of Chromium's own; no network). ``out`` is written atomically; an existing file is never replaced."""
    chromium = chromium or find_chromium()
    if not chromium:
        raise RecordError("no headless Chromium to print the board pack with (install chromium, or set PMO_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="pmo-pack-") as tmp:
        src = Path(tmp) / "board_pack.html"
        src.write_text(html_text, encoding="utf-8")
        target = Path(tmp) / "board_pack.pdf"
        cmd = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
               "--disable-extensions", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--no-pdf-header-footer", f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}",
               src.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to run as root inside its sandbox
            cmd.insert(1, "--no-sandbox")
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RecordError(f"Chromium did not print the board pack within {timeout:.0f} s") from exc
        if not target.is_file() or target.read_bytes()[:5] != b"%PDF-":
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            raise RecordError(f"Chromium did not print the board pack: {why[0][:300]}")
        return write_atomic(out, target.read_bytes(), exclusive=True)


def write_board_pack(folder: Path, manifest: dict, decisions: dict[str, dict | None] | None = None,
                     chromium: str | None = None) -> Path:
    """``board_pack.pdf`` in the record ``folder``: :func:`board_pack_html` printed by :func:`print_pdf`."""
    return print_pdf(board_pack_html(folder, manifest, decisions), Path(folder) / PDF_NAME, chromium)
