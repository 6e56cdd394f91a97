"""Record pages in a real browser: Debian's Chromium, headless, network off (tests/browser.py drives it).

Each page must open with its decision box, show no code, make no network
request, draw its charts live, raise no script error and not overflow
horizontally at 1,280 px on screen nor at A4 width in print.

Read as a board member reads it (:func:`assert_board_page`, on every page of a real review record by
:func:`check_record`, here on a small review and in ``tests/test_end_to_end.py`` on the sample's): the decision
box ends with the ask; no ``[days]`` on money; no scientific notation, Python repr, raw JSON or NaN/inf in the
text; no snake_case in table headers, chart legends and axis titles; every key-number tile has a unit; the
index, previous and next links resolve; printed on A4 no word is split (no CSS rule lets one break and no word of
the laid-out text straddles two lines) and every table fits its sheet; ``--pdf`` writes an A4 board pack.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install -y chromium``);
skipped with that reason when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pmo_analytics.records.html import export_html, render_index
from pmo_analytics.records.pages import DECISION, decision, format_table

from . import browser
from .test_html import _manifest, display_output, page_notebook

pytestmark = pytest.mark.skipif(not browser.available(),
                                reason=f"no Chromium at {browser.CHROMIUM} (Debian: apt-get install -y chromium)")

#: A4 is 210 mm wide; with the record's 12 mm side margins, 186 mm = 703 px at 96 px/in.
A4_CONTENT_PX = browser.A4_PORTRAIT_PX


@pytest.fixture(scope="module")
def chromium():
    with browser.Browser() as b:
        yield b


def assert_record_page(result: browser.PageResult, width: int, decision_box: bool = True, box_top: bool = True):
    c = result.checks
    assert result.network_requests == [], result.network_requests
    assert result.errors == [], result.errors
    assert c["scroll_width"] <= width and c["wide_elements"] == [], c
    assert c["code_cells_shown"] == 0 and not c["raw_publish"] and not c["nan_text"], c
    assert c["charts_live"] == c["charts"] and c["charts_state"] in (None, "ready"), c
    if decision_box:
        assert c["decision_box"] and c["box_first"] and c["broken_links"] == [], c
        if box_top:
            assert c["box_top"] < 300, c  # opens with the decision: no scrolling to find it


def assert_board_page(screen: browser.PageResult, printed: browser.PageResult | None = None):
    """What a board member must not misread on a record page (``board=True`` results of :meth:`Browser.open`)."""
    c = screen.checks
    assert c["ask_last"], f"the decision box does not end with the ask: {c['ask_text']!r}"
    assert c["days_on_money"] == [], c["days_on_money"]
    assert c["scientific"] == [], c["scientific"]
    assert c["repr"] == [] and c["raw_json"] == [], (c["repr"], c["raw_json"])
    assert c["inf"] == [], c["inf"]
    assert c["snake_headers"] == [] and c["snake_legends"] == [], (c["snake_headers"], c["snake_legends"])
    assert c["tiles"] > 0 and c["tiles_without_unit"] == [], c["tiles_without_unit"]
    if printed is not None:
        p = printed.checks
        assert p["words"] > 0
        assert p["bad_css"] == [], f"rules that let a printed word break: {p['bad_css']}"
        assert p["split_words"] == [], f"printed words split over two lines: {p['split_words']}"
        assert p["wide_tables"] == [], f"tables wider than their A4 sheet: {p['wide_tables']}"


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height [pt] of every page of a PDF written by Chromium (its page objects are not compressed)."""
    import re

    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def check_record(record, b: browser.Browser, board: bool = True) -> list[str]:
    """Every page of a review record in Chromium, on screen at 1,280 px and printed on A4; returns the pages.

    Each page: :func:`assert_record_page` on screen and in print, :func:`assert_board_page`, and its
    navigation: index, previous and next page in the manifest's order, each link a file of the record.
    The index too; the board pack when the record has one (A4 sheets, portrait and landscape).
    """
    record = Path(record)
    manifest = json.loads((record / "manifest.json").read_text())
    pages = [n["html"] for n in manifest["notebooks"]]
    for i, name in enumerate(pages):
        screen = b.open(record / name, width=1280, board=board)
        printed = b.open(record / name, width=A4_CONTENT_PX, media="print", board=board)
        assert_record_page(screen, 1280)
        assert_record_page(printed, A4_CONTENT_PX, box_top=False)
        if board:
            assert_board_page(screen, printed)
        nav = screen.checks["nav"]
        want = {"index": "./index.html", "prev": f"./{pages[i - 1]}" if i else None,
                "next": f"./{pages[i + 1]}" if i + 1 < len(pages) else None}
        for rel, href in want.items():
            got = {h for r, h in nav if r == rel}
            assert got == ({href} if href else set()), (name, rel, nav)
        for _, href in nav:
            assert (record / href).resolve().is_file() and (record / href).resolve().parent == record.resolve(), href
    index = b.open(record / "index.html", width=1280)
    assert index.network_requests == [] and index.errors == [] and index.checks["scroll_width"] <= 1280
    if manifest.get("board_pack"):
        pdf = (record / manifest["board_pack"]).read_bytes()
        sizes = pdf_pages(pdf)
        assert pdf.startswith(b"%PDF-") and len(sizes) > len(pages)  # a cover, then at least a sheet a page
        a4 = {(595, 842), (842, 595)}
        assert {(round(w), round(h)) for w, h in sizes} <= a4, set(sizes)
    return pages


def wide_notebook() -> nbformat.NotebookNode:
    """A page with a 13-column EVM table with names, and charts (the things that overflow)."""
    nb = page_notebook()
    money = ["bac", "pv", "ev", "ac", "eac", "etc", "vac", "eac_p10", "eac_p90", "cost", "value", "budget"]
    wide = pd.DataFrame({c: [-1.25e6 * (i + 1), None] for i, c in enumerate(money)})
    wide.insert(0, "project_id", ["X-1", "X-2"])
    wide.insert(1, "name", ["Customer platform replacement programme", "Substation automation upgrade"])
    nb.cells.insert(3, new_code_cell("wide", outputs=[display_output({"text/html": format_table(wide)})]))
    return nb


@pytest.mark.slow
def test_record_page_on_screen_at_1280_px(tmp_path, chromium):
    page = tmp_path / "07_test_page.html"
    page.write_text(export_html(wide_notebook(), "07_test_page"), encoding="utf-8")
    r = chromium.open(page, width=1280)
    assert_record_page(r, 1280)
    assert r.checks["charts"] == 2
    assert r.checks["headline"].startswith("Hold 1.4 M of cost contingency")


@pytest.mark.slow
def test_record_page_prints_on_a4_without_clipping(tmp_path, chromium):
    page = tmp_path / "p.html"
    page.write_text(export_html(wide_notebook(), "p"), encoding="utf-8")
    r = chromium.open(page, width=A4_CONTENT_PX, media="print")
    assert_record_page(r, A4_CONTENT_PX)  # strict: nothing sticks out, not even inside a scrolling box


@pytest.mark.slow
def test_record_index_in_the_browser(tmp_path, chromium):
    numbers = {"00_portfolio_review": {DECISION: decision("Fund 14 of 52 candidates for 36.8 M.",
                                                          {"Value": (36.8e6, "money")})}}
    index = tmp_path / "index.html"
    index.write_text(render_index(_manifest(), numbers), encoding="utf-8")
    for width, media in ((1280, "screen"), (A4_CONTENT_PX, "print")):
        r = chromium.open(index, width=width, media=media)
        assert r.network_requests == [] and r.errors == []
        assert r.checks["scroll_width"] <= width and r.checks["wide_elements"] == [], r.checks


def test_the_board_checks_see_what_a_board_would_misread(tmp_path, chromium):
    """The board checks can fail: each artefact on a page is caught by the check that names it."""
    from pmo_analytics.records.pages import render_decision_box

    box = render_decision_box(decision("Fund 3 projects.", {"Index": (91.6, "number"), "Cost": (2e6, "money")}))
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><head><style>td{overflow-wrap:anywhere}</style></head><body><main>"
        f"{box}<p>Loaded Portfolio('sample': 52 projects) with DataWarning: odd, total 9.629e+06 and inf.</p>"
        "<table><thead><tr><th>p80_cost [days]</th><th>Name</th></tr></thead>"
        "<tbody><tr><td>£1.2 M</td><td style='width:30px;display:block'>Substationautomationupgrade</td></tr>"
        "</tbody></table></main></body></html>")
    screen = chromium.open(bad, width=1280, board=True)
    printed = chromium.open(bad, width=A4_CONTENT_PX, media="print", board=True)
    c, p = screen.checks, printed.checks
    assert not c["ask_last"]
    assert c["repr"] == ["Portfolio('", "DataWarning:"] and c["scientific"] == ["9.629e+06"] and c["inf"] == ["inf"]
    assert c["snake_headers"] == ["p80_cost [days]"] and c["days_on_money"] == ["p80_cost [days]"]
    assert c["tiles_without_unit"] == ["91.6Index"]
    assert p["bad_css"] and p["split_words"][0].startswith("Sub") and "|" in p["split_words"][0]
    with pytest.raises(AssertionError, match="ask"):
        assert_board_page(screen, printed)


def test_the_checker_sees_a_network_request_and_overflow(tmp_path, chromium):
    """The checks can fail: a page that loads from the network and overflows is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><div style='width:2000px'>wide</div>"
                   "<img src='http://example.invalid/x.png'></body></html>")
    r = chromium.open(bad, width=1280)
    assert r.network_requests == ["http://example.invalid/x.png"]
    assert r.checks["scroll_width"] > 1280 and not r.checks["decision_box"]


@pytest.mark.slow
def test_review_record_pages_in_the_browser(tmp_path, chromium):
    """A review of a small notebook that uses the page helpers, executed by papermill, checked in Chromium."""
    from pmo_analytics.records import DecisionRecord

    from .conftest import MINIMAL

    nb = new_notebook(cells=[
        new_markdown_cell("# 01 — Probe\n\nA small page built with the record helpers."),
        new_code_cell("data_path = None\nseed = 1\npolicy = {}", metadata={"tags": ["parameters"]}),
        new_code_cell(
            "import altair as alt\nimport pandas as pd\n"
            "from pmo_analytics import charts\nfrom pmo_analytics.records import publish\n"
            "from pmo_analytics.records.pages import decision_box, show_table\n"
            "from pmo_analytics.review import load_review\n"
            "review = load_review(data_path, seed=seed, **policy)\npublish('review.identity', review.identity)\n"
            "charts.enable_offline()\npf = review.portfolio_\n"
            "cost = pf.projects.set_index('project_id')['estimated_cost']"),
        new_markdown_cell("## 1. Projects"),
        new_code_cell("show_table(pf.projects[['project_id', 'estimated_cost', 'committed_finish']], names=pf,\n"
                      "           publish_as='results.funded_portfolio')"),
        new_code_cell("alt.Chart(pf.projects, title='Cost by project').mark_bar().encode(\n"
                      "    x=alt.X('project_id:N', title='Project'), y=alt.Y('estimated_cost:Q', title='Cost'),\n"
                      "    tooltip=['project_id', 'estimated_cost'])"),
        new_code_cell("decision_box(f'{len(cost)} projects cost {cost.sum():,.0f} in all.',\n"
                      "             {'Projects': (len(cost), 'count', 'projects'), 'Cost': (cost.sum(), 'money')},\n"
                      "             rests_on=['the data as read'], evidence_links={'Projects': '1. Projects'},\n"
                      "             ask='The board is asked to note the cost.', options=['note it', 'ask again'])"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    paths = []
    for stem in ("01_probe", "02_probe_again"):
        paths.append(tmp_path / f"{stem}.ipynb")
        nbformat.write(nb, paths[-1])
    review = DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=paths, progress=False, pdf=True).run()
    record = review.path_
    assert check_record(record, chromium) == ["01_probe.html", "02_probe_again.html"]
    r = chromium.open(record / "01_probe.html", width=1280)
    assert r.checks["charts"] == 1 and r.checks["headline"] == "4 projects cost 1,900 in all."
    numbers = json.loads((record / "numbers.json").read_text())
    assert numbers["01_probe"][DECISION]["headline"] == "4 projects cost 1,900 in all."
    # the board pack: part of the record, listed in its manifest and summary, linked from its index
    manifest = json.loads((record / "manifest.json").read_text())
    assert manifest["board_pack"] == "board_pack.pdf" and (record / "board_pack.pdf").is_file()
    assert review.summary()["pdf"] == str(record / "board_pack.pdf")
    assert "href='./board_pack.pdf'" in (record / "index.html").read_text()
    # the executed notebooks open trusted in JupyterLab (signed with the session's throw-away secret), their chart
    # drawn from the standard Vega-Lite bundle with its SVG beside it, their published numbers without text
    from pmo_analytics.records.lab import VEGALITE_V5, is_trusted
    from pmo_analytics.records.publish import MIME

    executed = nbformat.read(record / "01_probe.ipynb", as_version=4)
    assert is_trusted(executed)
    outputs = [o.get("data", {}) for c in executed.cells for o in c.get("outputs", [])]
    assert [sorted(d) for d in outputs if VEGALITE_V5 in d] == \
        [sorted([VEGALITE_V5, "image/svg+xml", "text/plain", "application/vnd.pmo-analytics.vegalite+json"])]
    assert all(set(d) == {MIME} for d in outputs if MIME in d)


# The curated pages of a full review are checked in tests/test_end_to_end.py on its shared sample record.


#: What a notebook shows in JupyterLab: charts drawn by its Vega renderer, their text fallback, published JSON.
_LAB_JS = r"""(() => {
  const out = [...document.querySelectorAll('.jp-OutputArea')].map(e => e.innerText).join('\n');
  return {
    cells: document.querySelectorAll('.jp-Notebook .jp-Cell').length,
    vega: document.querySelectorAll('.jp-RenderedVegaCommon5 svg').length,
    alt_text: (out.match(/alt\.(?:Layer|VConcat|HConcat)?Chart\(/g) || []).length,
    published_text: (out.match(/application\/vnd\.pmo|^[a-z_.]+ = [{\[\d"]/gm) || []).length,
  };
})()"""


@pytest.mark.slow
def test_an_executed_page_opens_in_jupyterlab_with_its_charts_drawn(tmp_path):
    """A record notebook (open_well + sign, as pmo review writes it) in a real JupyterLab, in Chromium: its two
    charts drawn by JupyterLab's Vega renderer, no ``alt.Chart(...)`` text and no published JSON; the same
    notebook as papermill left it draws no chart and shows the published numbers as text (the check can fail)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from pmo_analytics.records.lab import open_well, sign

    from .test_html import page_notebook

    root = tmp_path / "lab"
    root.mkdir()
    raw = page_notebook()
    nbformat.write(raw, root / "raw.ipynb")
    nb, _ = open_well(raw)
    nbformat.write(nb, root / "page.ipynb")
    sign(nb)  # the session's throw-away JUPYTER_DATA_DIR (conftest.py), which the server below reads too
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    jupyter = Path(sys.executable).with_name("jupyter")
    server = subprocess.Popen([str(jupyter), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
                               "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        shown = {}
        with browser.Browser(timeout=120, localhost=True) as b:
            for name in ("page.ipynb", "raw.ipynb"):
                target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
                session = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
                b.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 6000, "deviceScaleFactor": 1,
                                                              "mobile": False}, session)
                state = {}
                for _ in range(40):  # the server starts, then JupyterLab loads the notebook
                    time.sleep(2)
                    try:
                        if not state.get("cells"):
                            # a workspace of its own, reset: JupyterLab would reopen the other notebook beside it
                            url = f"http://127.0.0.1:{port}/lab/workspaces/{Path(name).stem}/tree/{name}?reset"
                            b.call("Page.navigate", {"url": url}, session)
                            time.sleep(3)
                        state = b.evaluate(_LAB_JS, session)
                    except browser.CDPError:
                        continue
                    if state["cells"] and state["vega"] >= 2:
                        break
                    if state["cells"] and state.get("seen"):  # shown twice without two charts: as it stays
                        break
                    state["seen"] = bool(state["cells"])
                shown[name] = state
                b.call("Target.closeTarget", {"targetId": target})
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert shown["page.ipynb"]["vega"] == 2 and shown["page.ipynb"]["alt_text"] == 0, shown
    assert shown["page.ipynb"]["published_text"] == 0, shown
    # as papermill left it: no chart drawn (untrusted SVG is not shown, no Vega-Lite bundle), the numbers as text
    assert shown["raw.ipynb"]["vega"] == 0 and shown["raw.ipynb"]["published_text"] >= 3, shown
