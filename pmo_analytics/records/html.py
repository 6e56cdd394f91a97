"""HTML of a decision record: self-contained notebook pages, the record's index and the reports index.

Pages carry no script, stylesheet or image from the network: nbconvert's CDN
URLs are blanked and charts are inlined; :data:`_EXTERNAL` guards the result.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..exceptions import RecordError

__all__ = ["export_html", "render_index", "render_reports_index", "decisions_table"]


_EXTERNAL = re.compile(
    r"""<(?:script|link|iframe|img)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//"""  # tags loading a URL
    r"""|(?:import\s*\(|from)\s*["'](?:https?:)?//"""  # ES module imports
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//""",  # CSS imports
    re.IGNORECASE)


def export_html(nb, title: str) -> str:
    """A self-contained HTML page of an executed notebook.

    nbconvert loads require.js, MathJax and widget scripts from a CDN unless
    their URLs are blanked; charts are SVG outputs, so nothing is fetched.

    Raises
    ------
    RecordError
        if the page would still reference an external script or stylesheet.
    """
    from nbconvert import HTMLExporter

    # an executive summary may hide its code (notebook metadata {"pmo": {"hide_input": true}})
    hide = bool(nb.metadata.get("pmo", {}).get("hide_input", False))
    exporter = HTMLExporter(template_name="lab", mathjax_url="", require_js_url="", jquery_url="", exclude_input=hide,
                            widget_renderer_url="", jupyter_widgets_base_url="", mermaid_js_url="",
                            mermaid_layout_elk_js_url="",
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = re.sub(r"<script[^>]*src=[\"']\s*[\"'][^>]*>\s*</script>", "", body)
    if _EXTERNAL.search(body):
        raise RecordError(f"HTML export of {title} references an external resource: "
                          f"{_EXTERNAL.search(body).group(0)[:120]}")
    return body


def render_index(manifest: dict) -> str:
    """The record's ``index.html``: links to each notebook page and the manifest summary."""
    e = html.escape
    rows = "".join(
        f"<tr><td><a href='{e(n['html'])}'>{e(Path(n['notebook']).stem)}</a></td>"
        f"<td><a href='{e(n['notebook'])}'>{e(n['notebook'])}</a></td><td>{n['seconds']}</td>"
        f"<td>{n['published_numbers']}</td></tr>"
        for n in manifest["notebooks"])
    files = "".join(f"<tr><td>{e(k)}</td><td><code>{e(v)}</code></td></tr>"
                    for k, v in sorted(manifest["data"]["files"].items()))
    params = e(json.dumps(manifest["parameters"], sort_keys=True))
    git = manifest.get("git") or {}
    dec = decisions_table(manifest.get("decisions") or [], link_prefix="../")
    results = (", result tables <a href='results.xlsx'>results.xlsx</a> (and <a href='results_csv/'>CSV</a>)"
               if manifest.get("results") else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Portfolio review {e(manifest['run_id'])}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}
code{{font-size:85%}}</style></head><body>
<h1>Portfolio review — decision record</h1>
<p>Run <b>{e(manifest['run_id'])}</b>, status <b>{e(manifest['status'])}</b>,
{e(manifest['started'])} → {e(manifest['ended'])}; seed {e(str(manifest.get('seed')))};
git {e(str(git.get('commit', 'n/a')))}{' (uncommitted changes)' if git.get('dirty') else ''}.</p>
<h2>Notebooks</h2>
<table><tr><th>record</th><th>executed notebook</th><th>seconds</th><th>numbers published</th></tr>{rows}</table>
<h2>Input data</h2><p>{e(manifest['data']['path'])}</p>
<table><tr><th>file</th><th>SHA-256</th></tr>{files}</table>
<h2>Parameters</h2><p><code>{params}</code></p>
{dec}
<p>Full details: <a href="manifest.json">manifest.json</a>, <a href="numbers.json">numbers.json</a>{results}.</p>
</body></html>
"""


def decisions_table(rows: list[dict], link_prefix: str = "") -> str:
    if not rows:
        return ""
    e = html.escape

    def link(rec):
        if not rec:
            return ""
        name = Path(rec).name
        return f"<a href='{e(link_prefix + name)}/index.html'>{e(name)}</a>"

    body = "".join(
        f"<tr><td>{e(r['decision_id'])}</td><td>{e(str(r['date']))}</td><td>{e(r['decision'])}</td>"
        f"<td>{e(r['decided_by'])}</td><td>{link(r.get('record'))}</td>"
        f"<td>{e(r.get('superseded_by') or '')}</td></tr>" for r in rows)
    return ("<h2>Decisions (newest first)</h2><table><tr><th>id</th><th>date</th><th>decision</th>"
            f"<th>decided by</th><th>record</th><th>superseded by</th></tr>{body}</table>")


def render_reports_index(out: Path, decision_rows: list[dict]) -> str:
    """``reports/index.html``: every record (newest first) and the decision register."""
    e = html.escape
    runs = []
    for d in sorted((p for p in Path(out).iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.name, reverse=True):
        try:
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        runs.append(f"<tr><td><a href='{e(d.name)}/index.html'>{e(d.name)}</a></td><td>{e(m['status'])}</td>"
                    f"<td>{e(str(m.get('seed')))}</td><td>{e(m['data']['path'])}</td></tr>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Portfolio review records</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style></head>
<body><h1>Portfolio review records</h1>
{decisions_table(decision_rows)}
<h2>Records (newest first)</h2>
<table><tr><th>record</th><th>status</th><th>seed</th><th>data</th></tr>{''.join(runs)}</table>
</body></html>
"""


