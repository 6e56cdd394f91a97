"""HTML of a decision record: self-contained notebook pages, the record's index and the reports index.

A page reads as a decision record, not a notebook dump:

* the decision box the notebook published (``page.decision``, see
  :func:`pmo_analytics.records.pages.decision_box`) comes first, under the
  page title, wherever the cell stood;
* code is hidden (the source stays in the executed ``.ipynb``), and so are
  the raw outputs of :func:`~pmo_analytics.records.publish.publish`: the
  published numbers are listed, formatted, in a collapsed appendix (and are
  in ``numbers.json``); warnings a cell wrote to stderr go to a collapsed
  "warnings" section;
* charts are interactive (tooltips; zoom where the chart allows it): the
  Vega, Vega-Lite and Vega-Embed JavaScript shipped inside vl-convert is
  inlined once per page, each chart keeps its static SVG as a fallback;
* a stylesheet keeps the page within 1,280 px without horizontal scrolling
  and prints on A4 or Letter without clipping (no scrollbars, charts and
  their legends scaled to the page).

Pages carry no script, stylesheet or image from the network: nbconvert's CDN
URLs are blanked, everything else is inlined; :data:`_EXTERNAL` guards the
result.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import json
import re
from pathlib import Path

from ..exceptions import RecordError
from .publish import page_title

__all__ = ["export_html", "render_index", "render_reports_index", "decisions_table", "page_title", "PAGE_CSS",
           "register_head_html", "page_context"]


_EXTERNAL = re.compile(
    r"""<(?:script|link|iframe|img)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//"""  # tags loading a URL
    r"""|(?:import\s*\(|from)\s*["'](?:https?:)?//"""  # ES module imports
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//""",  # CSS imports
    re.IGNORECASE)

#: Output MIME carrying a chart's Vega-Lite spec (written by the renderer of
#: :func:`pmo_analytics.charts.enable_offline`; the same string as ``charts.SPEC_MIME``).
SPEC_MIME = "application/vnd.pmo-analytics.vegalite+json"
_DECISION = "page.decision"
_VEGALITE = "application/vnd.vegalite."
_RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")  # a file or folder name inside reports/
_RUN_ID = re.compile(r"^\d{8}T\d{6}Z[A-Za-z0-9_.\-]{0,100}$")  # a record folder (records.manifest.new_run_id)

#: Stylesheet of every record page (screen at any width down to phones, and print).
PAGE_CSS = """
body.jp-Notebook{max-width:1180px;margin:0 auto!important;padding:12px 28px 40px!important;box-sizing:border-box;
  overflow-x:hidden}
main{max-width:100%}
.jp-Cell{padding-left:0!important;padding-right:0!important}
.jp-mod-noInput .jp-Cell-outputWrapper{margin-top:0}
.jp-OutputArea-output{max-width:100%;overflow-x:auto}
.jp-OutputArea-output img,.jp-OutputArea-output svg,.pmo-chart img,.pmo-chart svg{max-width:100%;height:auto}
.jp-RenderedText pre,.jp-RenderedHTMLCommon pre{white-space:pre-wrap;overflow-wrap:anywhere}
.jp-RenderedHTMLCommon table{max-width:100%}
.pmo-table-wrap{max-width:100%;overflow-x:auto;margin:.4em 0}
table.pmo-table{border-collapse:collapse;font-size:13px;line-height:1.35}
table.pmo-table th,table.pmo-table td{padding:3px 9px;border:none;border-bottom:1px solid #e1e1e1;
  vertical-align:top;white-space:normal}
table.pmo-table thead th{border-bottom:2px solid #777;background:#fafafa}
table.pmo-table tbody tr:nth-child(odd){background:#fcfcfc}
abbr.pmo-missing{text-decoration:none;color:#777;cursor:help}
.pmo-nobr{white-space:nowrap}
.pmo-chart{margin:.4em 0 1em;max-width:100%}
.pmo-chart-live:empty{display:none}
.pmo-live .pmo-chart-static{display:none}
.pmo-chart .vega-embed{max-width:100%}
.pmo-chart .vega-embed summary{display:none}
details.pmo-appendix{font-family:var(--jp-content-font-family);font-size:var(--jp-content-font-size1);
  margin:2em 0 1em;border-top:1px solid #ccc;padding-top:.6em}
details.pmo-appendix summary{cursor:pointer;font-weight:600;color:#333}
details.pmo-appendix dl{display:grid;grid-template-columns:minmax(10em,max-content) 1fr;gap:.2em 1.2em;font-size:13px}
details.pmo-appendix dt{font-family:monospace;color:#333;overflow-wrap:anywhere}
details.pmo-appendix dd{margin:0;overflow-wrap:anywhere}
details.pmo-warnings pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;color:#7a4b00}
section.pmo-decision{max-width:100%;box-sizing:border-box}
nav.pmo-nav{display:flex;flex-wrap:wrap;gap:.3em 1.4em;align-items:baseline;font-family:var(--jp-ui-font-family,
  system-ui,sans-serif);font-size:13px;border-bottom:1px solid #d6dde3;padding:.2em 0 .45em;margin:0 0 .3em}
nav.pmo-nav.pmo-nav-end{border-bottom:none;border-top:1px solid #d6dde3;padding:.6em 0 .2em;margin:1.5em 0 0}
nav.pmo-nav a{color:#0072B2;text-decoration:none}
nav.pmo-nav a:hover{text-decoration:underline}
nav.pmo-nav .pmo-nav-record{color:#666;margin-left:auto}
table.pmo-table thead th{overflow-wrap:normal;word-break:normal;hyphens:manual}
@media print{
  @page{size:A4;margin:16mm 12mm 14mm}
  /* tables too wide for a portrait page (records.pages.WIDE_COLUMNS) print on a landscape page */
  @page pmo-landscape{size:A4 landscape}
  .pmo-landscape{page:pmo-landscape}
  nav.pmo-nav,a.anchor-link,.vg-tooltip,#vg-tooltip-element,details.pmo-appendix:not(.pmo-warnings){display:none!important}
  /* a board pack never splits a word: lines break only between words (and after a hyphen between letters) */
  *,*::before,*::after{overflow-wrap:normal!important;word-break:normal!important;hyphens:manual!important}
  body.jp-Notebook{max-width:none;padding:0!important;font-size:10pt}
  .jp-OutputArea-output,.pmo-table-wrap,.jp-RenderedHTMLCommon,pre{overflow:visible!important}
  .jp-OutputArea-output img,.jp-OutputArea-output svg,.pmo-chart img,.pmo-chart svg,.vega-embed,
  .vega-embed svg{max-width:100%!important;height:auto!important}
  .vega-embed{display:block!important}
  .pmo-chart,section.pmo-decision,table.pmo-table tr,.pmo-key{break-inside:avoid}
  h1,h2,h3,caption{break-after:avoid}
  /* tables fit the A4 width: small type, tight cells, headers wrap between words */
  table.pmo-table,.jp-RenderedHTMLCommon table{font-size:7.5pt;width:auto;max-width:100%}
  table.pmo-table th,table.pmo-table td,.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{padding:1.5px 3px}
  table.pmo-table td .pmo-name{display:block;font-size:.95em}
  details.pmo-fold>summary{font-weight:600;list-style:none}
  details.pmo-warnings pre{font-size:8pt}
}
"""

_EMBED_JS = """
const charts = document.querySelectorAll('.pmo-chart');
let failed = 0;
for (const el of charts) {
  const live = el.querySelector('.pmo-chart-live');
  try {
    const spec = JSON.parse(el.querySelector('script.pmo-spec').textContent);
    await window.vegaEmbed(live, spec, {actions: false, renderer: 'svg', tooltip: true});
    el.classList.add('pmo-live');
  } catch (err) {
    failed += 1;
    live.textContent = '';
    console.error('chart kept static:', err);
  }
}
document.documentElement.dataset.pmoCharts = failed ? 'static' : 'ready';
"""


@functools.lru_cache(maxsize=1)
def _vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (from vl-convert; no network), matching Altair's Vega-Lite."""
    import vl_convert as vlc

    version = None
    try:
        import altair as alt

        major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
        if major_minor in vlc.get_vegalite_versions():
            version = major_minor
    except Exception:  # altair missing or unusual version string: vl-convert's latest
        version = None
    bundle = vlc.javascript_bundle(vl_version=version) if version else vlc.javascript_bundle()
    return bundle.replace("</script", "<\\/script")


def _script_json(obj) -> str:
    """JSON safe inside a ``<script>`` element (``<`` only occurs inside strings, escaped there)."""
    return json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c")


def _chart_html(spec: dict, svg: str | None) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    alt_text = html.escape(f"chart: {title}" if title else "chart")
    static = ""
    if svg:
        b64 = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        static = f"<img class='pmo-chart-static' alt='{alt_text}' src='data:image/svg+xml;base64,{b64}'>"
    return (f"<div class='pmo-chart'>{static}<div class='pmo-chart-live'></div>"
            f"<script type='application/json' class='pmo-spec'>{_script_json(spec)}</script></div>")


def _prepare(nb, interactive: bool):
    """A copy of ``nb`` with the record's outputs sorted out, plus what was taken out of the cells."""
    from .publish import MIME

    nb = copy.deepcopy(nb)
    published: dict = {}
    warnings: list[str] = []
    charts = 0
    keep_cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.get("cell_type") != "code":
            keep_cells.append(cell)
            continue
        outputs = []
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            meta = o.get("metadata", {}) or {}
            if MIME in data:
                payload = data[MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                published[payload["name"]] = payload["value"]
                continue
            if isinstance(meta.get("pmo"), dict) and meta["pmo"].get("role") == "decision":
                continue
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                text = "".join(o.get("text", ""))
                if text.strip():
                    warnings.append(text)
                continue
            if SPEC_MIME in data and interactive:
                spec = data[SPEC_MIME]
                if isinstance(spec, str):
                    spec = json.loads(spec)
                svg = data.get("image/svg+xml")
                if isinstance(svg, list):
                    svg = "".join(svg)
                o["data"] = {"text/html": _chart_html(spec, svg)}
                o["metadata"] = {}
                charts += 1
            elif SPEC_MIME in data:  # the static SVG only (and not the Vega-Lite bundle JupyterLab draws)
                o["data"] = {k: v for k, v in data.items() if k != SPEC_MIME and not k.startswith(_VEGALITE)}
            outputs.append(o)
        if "remove-output" in tags:
            outputs = []
        cell["outputs"] = outputs
        keep_cells.append(cell)
    nb.cells = keep_cells
    return nb, published, warnings, charts


def _appendix(published: dict) -> str:
    from ..tables.columns import column, format_value

    e = html.escape
    items = []
    for name, value in published.items():
        if name == _DECISION:
            continue
        if isinstance(value, dict) and {"columns", "data"} <= set(value):
            n = len(value.get("data") or [])
            shown = f"table, {n} row{'s' if n != 1 else ''} × {len(value['columns'])} columns (results.xlsx)"
        elif isinstance(value, dict) and {"name", "data", "index"} <= set(value):
            pairs = list(zip(value["index"], value["data"]))
            kind = column(str(value.get("name") or name)).kind
            shown = "; ".join(f"{k}: {format_value(v, kind)}" for k, v in pairs[:40])
            shown += " …" if len(pairs) > 40 else ""
        elif isinstance(value, dict):
            kind = column(name.rsplit(".", 1)[-1]).kind
            shown = "; ".join(f"{k}: {format_value(v, kind) if not isinstance(v, (dict, list)) else _short(v)}"
                              for k, v in list(value.items())[:40])
            shown += " …" if len(value) > 40 else ""
        else:
            shown = format_value(value, column(name.rsplit(".", 1)[-1]).kind) if not isinstance(value, dict) \
                else _short(value)
        items.append(f"<dt>{e(name)}</dt><dd>{e(shown)}</dd>")
    if not items:
        return ""
    return (f"<details class='pmo-appendix'><summary>Appendix: the {len(items)} numbers this page published "
            f"(machine-readable in numbers.json)</summary><dl>{''.join(items)}</dl></details>")


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + " …"


#: A line Python's warnings module writes: ``/path/file.py:12: DataWarning: the message``.
_WARNING_LINE = re.compile(r"^\S.*?:\d+: (?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Warning|Error): (.*)$")


def _warning_messages(text: str) -> list[str]:
    """The messages of warnings written to stderr, without the file, line, class and source line of each
    (a board reads "the budget has no row for period 7", not ``/srv/.../x.py:12: DataWarning: ...``)."""
    out: list[str] = []
    skip_source = False
    for line in text.splitlines():
        m = _WARNING_LINE.match(line)
        if m:
            out.append(m.group(1).strip())
            skip_source = True
        elif skip_source and line.startswith((" ", "\t")):
            skip_source = False  # the source line Python prints under a warning
        elif line.strip():
            skip_source = False
            out.append(line.rstrip())
    return out


def _warnings_html(warnings: list[str]) -> str:
    if not warnings:
        return ""
    messages = list(dict.fromkeys(m for w in warnings for m in _warning_messages(w)))
    if not messages:
        return ""
    warnings = messages
    text = html.escape("\n".join(messages))
    n = len(warnings)
    return (f"<details class='pmo-appendix pmo-warnings'><summary>{n} warning{'s' if n != 1 else ''} "
            f"written while computing this page</summary><pre>{text}</pre></details>")


#: A token that must not break at its hyphen: ids and dates (``P-046``, ``R-101-01``, ``2027-08-04``), ranges of
#: amounts (``M-£5.1``): hyphen-joined parts with a digit somewhere (trailing punctuation left out).
_PART = r"[£$€]?\w+(?:[.,]\d+)*"
_HYPHENATED = re.compile(rf"(?<![\w£$€.,-])(?=[\w£$€.,-]*\d){_PART}(?:-{_PART})+(?![\w£$€-])")
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_RAW = ("script", "style", "svg", "textarea", "title", "math")


def _nobr(text: str) -> str:
    return _HYPHENATED.sub(lambda t: f"<span class='pmo-nobr'>{t.group(0)}</span>", text) if "-" in text else text


def _keep_tokens(fragment: str) -> str:
    """``fragment`` with every :data:`_HYPHENATED` token of its text in a ``pmo-nobr`` span: a browser breaks a
    line after any hyphen, and a printed ``P-|046`` or ``2027-|08-04`` reads as two things. The content of
    ``script``, ``style``, ``svg`` and the like is left as it is."""
    out, pos = [], 0
    while True:
        m = _TAG.search(fragment, pos)
        if m is None:
            out.append(_nobr(fragment[pos:]))
            return "".join(out)
        out.append(_nobr(fragment[pos:m.start()]))
        tag = m.group(0)
        out.append(tag)
        pos = m.end()
        name = re.match(r"<\s*([a-zA-Z][\w-]*)", tag)
        if name and name.group(1).lower() in _RAW and not tag.endswith("/>"):
            close = re.compile(rf"</\s*{name.group(1)}\s*>", re.IGNORECASE).search(fragment, pos)
            end = close.end() if close else len(fragment)
            out.append(fragment[pos:end])
            pos = end


# ---------------------------------------------------------------- navigation and print furniture
def page_context(run_id: str, date: str, stems: list[str], i: int, *, last: bool = False) -> dict:
    """Where page ``stems[i]`` of a record stands: its record id and date, and its index, previous and next pages.

    ``last`` ends the chain at this page (a failed review writes no page after the one that failed). The links
    are plain file names inside the record folder (``03_schedule_risk.html``).
    """
    def link(j):
        return {"href": f"{stems[j]}.html", "title": page_title(stems[j])} if 0 <= j < len(stems) else None

    return {"run_id": str(run_id), "date": str(date)[:10], "title": page_title(stems[i]), "index": "index.html",
            "prev": link(i - 1), "next": None if last else link(i + 1), "position": (i + 1, len(stems))}


def _nav_html(ctx: dict, end: bool = False) -> str:
    """The record's navigation bar: index, previous and next page, and the record id (hidden in print)."""
    e = html.escape
    parts = [f"<a rel='index' href='{e(_rel(ctx.get('index') or 'index.html'))}'>&#8962; Record index</a>"]
    for rel, arrow in (("prev", "&#8592; "), ("next", "")):
        target = ctx.get(rel)
        if target:
            text = f"{arrow}{e(target['title'])}" + (" &#8594;" if rel == "next" else "")
            parts.append(f"<a rel='{rel}' href='{e(_rel(target['href']))}'>{text}</a>")
    pos = ctx.get("position")
    where = f"page {pos[0]} of {pos[1]} · " if pos else ""
    parts.append(f"<span class='pmo-nav-record'>{where}record {e(ctx.get('run_id', ''))} · {e(ctx.get('date', ''))}"
                 "</span>")
    return f"<nav class='pmo-nav{' pmo-nav-end' if end else ''}' aria-label='Record pages'>{''.join(parts)}</nav>"


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line breaks escaped; no ``</style>``)."""
    out = "".join(ch if ch.isprintable() and ch not in '"\\<>' else f"\\{ord(ch):x} " for ch in str(text))
    return f'"{out}"'


def furniture_css(run_id: str, date: str, title: str, page: str = "") -> str:
    """``@page`` margin boxes of a printed record page: record id and date at the top, the page's title and
    "page N of M" at the bottom (Chromium 131+, and any CSS Paged Media printer)."""
    name = f" {page}" if page else ""
    return (f"@page{name}{{@top-left{{content:{_css_string('Portfolio review · record ' + str(run_id))};"
            "font:8pt sans-serif;color:#555}"
            f"@top-right{{content:{_css_string(str(date)[:10])};font:8pt sans-serif;color:#555}}"
            f"@bottom-left{{content:{_css_string(title)};font:8pt sans-serif;color:#555}}"
            '@bottom-right{content:"page " counter(page) " of " counter(pages);font:8pt sans-serif;color:#555}}')


def export_html(nb, title: str, *, interactive: bool = True, context: dict | None = None) -> str:
    """A self-contained HTML page of an executed notebook, read as a decision record.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    title : str
        The page's ``<title>``.
    interactive : bool, default True
        Charts drawn live by the inlined Vega JavaScript (tooltips, zoom);
        False keeps only their static SVG and adds no script.
    context : dict, optional
        The page's place in its record (:func:`page_context`): the page gets
        links to the record's index and to the previous and next pages, and
        its printout carries the record id, the date and "page N of M" in its
        margins.

    Raises
    ------
    RecordError
        if the page would still reference an external script or stylesheet.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from .pages import render_decision_box

    prepared, published, warnings, charts = _prepare(nb, interactive)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    exporter = HTMLExporter(config=config, template_name="lab", mathjax_url="", require_js_url="", jquery_url="",
                            exclude_input=True, widget_renderer_url="", jupyter_widgets_base_url="",
                            mermaid_js_url="", mermaid_layout_elk_js_url="",
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(prepared, resources={"metadata": {"name": title}})
    body = re.sub(r"<script[^>]*src=[\"']\s*[\"'][^>]*>\s*</script>", "", body)
    decision = published.get(_DECISION)
    if isinstance(decision, dict) and decision.get("headline"):
        box = render_decision_box(decision)
        m = re.search(r"</h1>", body)
        if m is None:
            m = re.search(r"<main>", body)
        at = m.end() if m else 0
        # after the title heading's closing </div> of its markdown cell would push the intro first: the box
        # goes straight under the title
        body = body[:at] + box + body[at:]
    start, end = body.find("<main>"), body.rfind("</main>")
    if 0 <= start < end:
        body = body[:start] + _keep_tokens(body[start:end]) + body[end:]
    tail = _appendix(published) + _warnings_html(warnings)
    if context:
        tail += _nav_html(context, end=True)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _nav_html(context), body, count=1)
    if tail:
        body = body.replace("</main>", tail + "</main>", 1) if "</main>" in body else \
            body.replace("</body>", tail + "</body>", 1)
    furniture = furniture_css(context["run_id"], context["date"], context.get("title") or page_title(title)) \
        if context else ""
    css = f"<style type='text/css'>{PAGE_CSS}{furniture}</style>"
    body = body.replace("</head>", css + "</head>", 1)
    if charts:
        scripts = (f"<script type='module'>{_vega_bundle()}</script>"
                   f"<script type='module'>{_EMBED_JS}</script>")
        body = body.replace("</body>", scripts + "</body>", 1)
    if _EXTERNAL.search(body):
        raise RecordError(f"HTML export of {title} references an external resource: "
                          f"{_EXTERNAL.search(body).group(0)[:120]}")
    return body


# ---------------------------------------------------------------- index pages
_INDEX_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:1.5em auto;
  padding:0 24px;color:#222;line-height:1.45;box-sizing:border-box}
h1{margin-bottom:.2em}
.pmo-sub{color:#555;margin-top:0}
.pmo-banner{border:2px solid #D55E00;background:#fdf1eb;padding:.6em 1em;border-radius:6px}
.pmo-pages{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px;margin:1em 0}
.pmo-page{border:1px solid #cfd8e0;border-left:4px solid #0072B2;border-radius:6px;padding:.7em 1em;
  background:#fbfdff;break-inside:avoid}
.pmo-page h3{margin:.1em 0 .35em;font-size:1.05em}
.pmo-page p{margin:.3em 0}
.pmo-page .pmo-none{color:#888;font-style:italic}
.pmo-keys span{display:inline-block;margin:0 1em .2em 0;font-size:.9em}
.pmo-keys b{font-size:1.1em}
table{border-collapse:collapse;max-width:100%}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
code{font-size:85%;overflow-wrap:anywhere}
details{margin:1.2em 0}
summary{cursor:pointer;font-weight:600}
@media print{body{margin:0;max-width:none}details>*{display:block}}
"""


def _decision_of(numbers: dict | None, stem: str) -> dict | None:
    if not numbers:
        return None
    d = (numbers.get(stem) or {}).get(_DECISION)
    return d if isinstance(d, dict) and d.get("headline") else None


def _page_cards(manifest: dict, numbers: dict | None) -> str:
    e = html.escape
    cards = []
    for n in manifest.get("notebooks", []):
        stem = Path(n["notebook"]).stem
        d = _decision_of(numbers, stem)
        title = page_title(stem, d)
        href = _rel(n.get("html", ""))
        if d:
            keys = "".join(f"<span>{e(str(k.get('label', '')))}: <b>{e(str(k.get('text', '')))}</b></span>"
                           for k in d.get("key_numbers", [])[:4])
            text = f"<p>{e(d['headline'])}</p>" + (f"<div class='pmo-keys'>{keys}</div>" if keys else "")
        else:
            text = "<p class='pmo-none'>This page states no decision.</p>"
        warn = n.get("warnings")
        warn_html = f"<p class='pmo-none'>{int(warn)} warning(s) on the page</p>" if isinstance(warn, int) and warn \
            else ""
        cards.append(f"<div class='pmo-page'><h3><a href='{e(href)}'>{e(title)}</a></h3>{text}{warn_html}</div>")
    return f"<div class='pmo-pages'>{''.join(cards)}</div>"


def _rel(name: str) -> str:
    """A link inside the record: a plain file name, else nothing (never a URL or a path elsewhere)."""
    name = str(name)
    return "./" + name if _RUN_NAME.match(name) else "#"


def render_index(manifest: dict, numbers: dict | None = None) -> str:
    """The record's ``index.html``: each page's headline and key numbers, the decisions taken, then the details.

    Parameters
    ----------
    manifest : dict
        The record's manifest (``manifest.json``).
    numbers : dict, optional
        ``numbers.json`` (notebook stem -> published values): the headlines
        come from each page's ``page.decision``. Without it the pages are
        listed without headlines.
    """
    e = html.escape
    run_id = str(manifest.get("run_id", ""))
    failed = manifest.get("status") != "complete"
    banner = (f"<p class='pmo-banner'><b>This record is incomplete</b>: {e(str(manifest.get('error') or 'failed'))}. "
              "Do not base a decision on it.</p>") if failed else ""
    headline = _decision_of(numbers, Path(manifest["notebooks"][0]["notebook"]).stem) \
        if manifest.get("notebooks") else None
    lead = f"<p style='font-size:1.2em'><b>{e(headline['headline'])}</b></p>" if headline else ""
    taken = [r for r in (manifest.get("decisions") or []) if r.get("record") and Path(str(r["record"])).name == run_id]
    taken_html = decisions_table(taken, link_prefix="../", heading="Decisions taken on this record") if taken else \
        "<h2>Decisions taken on this record</h2><p>None recorded yet: <code>pmo decide \"the decision in " \
        f"words\" --by \"who decided\" --record reports/{e(run_id)}</code> records one.</p>"
    others = [r for r in (manifest.get("decisions") or []) if r not in taken]
    register = decisions_table(others, link_prefix="../", heading="Earlier decisions in the register") if others \
        else ""
    rows = "".join(
        f"<tr><td><a href='{e(_rel(n.get('html', '')))}'>{e(Path(n['notebook']).stem)}</a></td>"
        f"<td><a href='{e(_rel(n['notebook']))}'>{e(n['notebook'])}</a></td><td>{e(str(n.get('seconds', '')))}</td>"
        f"<td>{e(str(n.get('published_numbers', '')))}</td></tr>"
        for n in manifest.get("notebooks", []))
    data = manifest.get("data", {})
    files = "".join(f"<tr><td>{e(str(k))}</td><td><code>{e(str(v))}</code></td></tr>"
                    for k, v in sorted((data.get("files") or {}).items()))
    params = e(json.dumps(manifest.get("parameters", {}), sort_keys=True, default=str))
    git = manifest.get("git") or {}
    results = (" · <a href='./results.xlsx'>results.xlsx</a> (and <a href='./results_csv/'>CSV</a>)"
               if manifest.get("results") else "")
    if manifest.get("board_pack"):
        results += f" · <a href='{e(_rel(manifest['board_pack']))}'>board pack (PDF, A4)</a>"
    when = str(manifest.get("ended") or manifest.get("started") or "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portfolio review {e(run_id)}</title>
<style>{_INDEX_CSS}</style></head><body>
<h1>Portfolio review — decision record</h1>
<p class="pmo-sub">{e(when[:10])} · data <b>{e(Path(str(data.get('path', ''))).name)}</b> · seed {e(str(manifest.get('seed')))}
· status <b>{e(str(manifest.get('status')))}</b>{results}</p>
{banner}{lead}
<h2>What each page decides</h2>
{_page_cards(manifest, numbers)}
{taken_html}
{register}
{register_head_html(manifest.get("register") if isinstance(manifest.get("register"), dict) else None)}
<details><summary>Record details: notebooks, input files and their SHA-256, parameters</summary>
<p>Run <b>{e(run_id)}</b>, {e(str(manifest.get('started')))} → {e(str(manifest.get('ended')))};
git {e(str(git.get('commit', 'n/a')))}{' (uncommitted changes)' if git.get('dirty') else ''}.</p>
<table><tr><th>page</th><th>executed notebook</th><th>seconds</th><th>numbers published</th></tr>{rows}</table>
<h3>Input data</h3><p>{e(str(data.get('path', '')))}</p>
<table><tr><th>file</th><th>SHA-256</th></tr>{files}</table>
<h3>Parameters</h3><p><code>{params}</code></p>
<p>Everything in machine-readable form: <a href="./manifest.json">manifest.json</a>,
<a href="./numbers.json">numbers.json</a>.</p>
</details>
</body></html>
"""


def decisions_table(rows: list[dict], link_prefix: str = "", heading: str = "Decisions (newest first)") -> str:
    """HTML table of decision-register rows; links go only to record folders beside the register (relative)."""
    if not rows:
        return ""
    e = html.escape
    prefix = link_prefix if link_prefix in ("", "../") else ""

    def link(rec):
        if not rec:
            return ""
        text = str(rec)
        name = Path(text).name
        if "://" in text or ":" in name or not _RUN_ID.match(name):  # never a URL (javascript:, http:)
            return e(text)
        return f"<a href='{e(prefix + name)}/index.html'>{e(name)}</a>"  # a run id starts with a digit: no scheme

    body = "".join(
        f"<tr><td>{e(str(r.get('decision_id', '')))}</td><td>{e(str(r.get('date', '')))}</td>"
        f"<td>{e(str(r.get('decision', '')))}</td><td>{e(str(r.get('decided_by', '')))}</td>"
        f"<td>{link(r.get('record'))}</td><td>{e(str(r.get('superseded_by') or ''))}</td></tr>" for r in rows)
    return (f"<h2>{e(heading)}</h2><table><tr><th>id</th><th>date</th><th>decision</th>"
            f"<th>decided by</th><th>record</th><th>superseded by</th></tr>{body}</table>")


def register_head_html(head: dict | None, meta: bool = False) -> str:
    """The decision register's head as a sentence (and, with ``meta``, the ``<meta>`` element that makes the
    page an anchor for ``pmo decisions --verify``)."""
    from .integrity import HEAD_META

    if not head:
        return ""
    e = html.escape
    seq = head.get("sequence") or 0
    sha = head.get("sha256")
    tag = (f'<meta name="{HEAD_META}" content="{e(str(head.get("decision_id") or "-"))} {int(seq)} '
           f'{e(sha) if sha else "-"}">') if meta else ""
    if not seq:
        return tag + "<p class='pmo-sub'>Decision register: empty.</p>"
    return (tag + f"<p class='pmo-sub'>Decision register head: <b>{e(str(head.get('decision_id')))}</b>, SHA-256 "
            f"<code>{e(str(sha))}</code> — <code>pmo decisions --verify --expect {e(str(head.get('decision_id')))}:"
            f"{e(str(sha))}</code> checks that the register still holds it.</p>")


def render_reports_index(out: Path, decision_rows: list[dict], head: dict | None = None) -> str:
    """``reports/index.html``: the decision register and every record (newest first) with its headline.

    ``head`` (:func:`~pmo_analytics.records.integrity.register_head`) is shown
    and embedded as ``<meta name="pmo-register-head">``: the page is then an
    anchor of the register.
    """
    e = html.escape
    runs = []
    for d in sorted((p for p in Path(out).iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.name, reverse=True):
        try:
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(m, dict) or not _RUN_NAME.match(d.name):
            continue
        headline = ""
        try:
            nums = json.loads((d / "numbers.json").read_text(encoding="utf-8"))
            first = Path(m["notebooks"][0]["notebook"]).stem if m.get("notebooks") else None
            dec = _decision_of(nums, first) if first else None
            headline = dec["headline"] if dec else ""
        except (OSError, json.JSONDecodeError, KeyError, TypeError, IndexError):
            headline = ""
        data = m.get("data") if isinstance(m.get("data"), dict) else {}
        runs.append(f"<tr><td><a href='{e(d.name)}/index.html'>{e(d.name)}</a></td>"
                    f"<td>{e(str(m.get('status', '')))}</td><td>{e(headline)}</td>"
                    f"<td>{e(str(m.get('seed')))}</td><td>{e(str(data.get('path', '')))}</td></tr>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portfolio review records</title>
<style>{_INDEX_CSS}</style></head>
<body><h1>Portfolio review records</h1>
{register_head_html(head, meta=True)}
{decisions_table(decision_rows)}
<h2>Records (newest first)</h2>
<table><tr><th>record</th><th>status</th><th>headline</th><th>seed</th><th>data</th></tr>{''.join(runs)}</table>
</body></html>
"""
