"""Record pages in a real browser: Debian's Chromium, headless, network off (tests/browser.py drives it).

Each page must open with its decision box, show no code, make no network
request, draw its charts live, raise no script error and not overflow
horizontally at 1,280 px on screen nor at A4 width in print.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install -y chromium``);
skipped with that reason when it is absent.
"""

from __future__ import annotations

import json

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
A4_CONTENT_PX = 703


@pytest.fixture(scope="module")
def chromium():
    with browser.Browser() as b:
        yield b


def assert_record_page(result: browser.PageResult, width: int, decision_box: bool = True):
    c = result.checks
    assert result.network_requests == [], result.network_requests
    assert result.errors == [], result.errors
    assert c["scroll_width"] <= width and c["wide_elements"] == [], c
    assert c["code_cells_shown"] == 0 and not c["raw_publish"] and not c["nan_text"], c
    assert c["charts_live"] == c["charts"] and c["charts_state"] in (None, "ready"), c
    if decision_box:
        assert c["decision_box"] and c["box_first"] and c["broken_links"] == [], c
        assert c["box_top"] < 300, c  # opens with the decision: no scrolling to find it


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
                      "    x='project_id:N', y='estimated_cost:Q', tooltip=['project_id', 'estimated_cost'])"),
        new_code_cell("decision_box(f'{len(cost)} projects cost {cost.sum():,.0f} in all.',\n"
                      "             {'Projects': (len(cost), 'count'), 'Cost': (cost.sum(), 'money')},\n"
                      "             rests_on=['the data as read'], evidence_links={'Projects': '1. Projects'})"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_probe.ipynb"
    nbformat.write(nb, path)
    review = DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=[path], progress=False).run()
    record = review.path_
    r = chromium.open(record / "01_probe.html", width=1280)
    assert_record_page(r, 1280)
    assert r.checks["charts"] == 1 and r.checks["headline"] == "4 projects cost 1,900 in all."
    index = chromium.open(record / "index.html", width=1280)
    assert index.network_requests == [] and index.checks["scroll_width"] <= 1280
    numbers = json.loads((record / "numbers.json").read_text())
    assert numbers["01_probe"][DECISION]["headline"] == "4 projects cost 1,900 in all."


# The curated pages of a full review are checked in tests/test_end_to_end.py on its shared sample record.
