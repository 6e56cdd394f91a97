"""HTML of decision records: pages, the record's index, the reports index (pmo_analytics.records.html)."""

from __future__ import annotations

import json
import re

import altair as alt
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pmo_analytics import charts
from pmo_analytics.exceptions import RecordError
from pmo_analytics.records import html as rhtml
from pmo_analytics.records.html import (_EXTERNAL, decisions_table, export_html, page_title,
                                        render_index, render_reports_index)
from pmo_analytics.records.pages import DECISION, ROLE, decision, format_table, render_decision_box
from pmo_analytics.records.publish import MIME, to_jsonable


def display_output(bundle, metadata=None):
    return new_output("display_data", data=bundle, metadata=metadata or {})


def published(name, value):
    v = to_jsonable(value)
    return display_output({MIME: {"name": name, "value": v}, "text/plain": f"{name} = {json.dumps(v)[:300]}"})


def chart_output(title="Spend by period", n=6):
    df = pd.DataFrame({"period": range(1, n + 1), "spend": [1.0e6 * i for i in range(1, n + 1)]})
    chart = alt.Chart(df, title=title).mark_bar().encode(x="period:O", y="spend:Q", tooltip=["period", "spend"])
    charts.enable_offline()
    return display_output(charts._record_renderer(chart.to_dict()))


def page_notebook(with_decision=True, with_chart=True) -> nbformat.NotebookNode:
    """A record page as a notebook would leave it: code cells with outputs (no kernel needed)."""
    payload = decision("Hold 1.4 M of cost contingency; X-1 misses its committed date at P80.",
                       {"Cost contingency": (1.4e6, "money"), "X-1 P80 finish": ("2027-12-02", "date")},
                       rests_on=["2,000 iterations"], evidence_links={"Table": "1. Evidence table"})
    frame = pd.DataFrame({"project_id": ["X-1", "X-2"], "p80_cost": [5.0e6, None]})
    code = [
        new_markdown_cell("# 07 — Test page\n\nWhat this page is for."),
        new_code_cell("data_path = None\nseed = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("import secret_internals\nx = 1", outputs=[
            published("exposure_total", 1234567.8), published("rag", {"X-1": "red", "X-2": "green"}),
            published("funded", ["X-1", "X-2"]),
            new_output("stream", name="stderr", text="UserWarning: something odd in the data\n")]),
        new_markdown_cell("## 1. Evidence table"),
        new_code_cell("show_table(frame)", outputs=[
            display_output({"text/html": format_table(frame)}),
            published("results.risk_by_project", frame),
            new_output("stream", name="stdout", text="A printed sentence stays.\n")]),
    ]
    if with_chart:
        code.append(new_code_cell("chart_one", outputs=[chart_output("First chart")]))
        code.append(new_code_cell("chart_two", outputs=[chart_output("Second chart", 4)]))
    if with_decision:
        code.append(new_code_cell("decision_box(...)", outputs=[
            display_output({"text/html": render_decision_box(payload)}, ROLE), published(DECISION, payload)]))
    code.append(new_code_cell("hidden", outputs=[display_output({"text/plain": "should not show"})],
                              metadata={"tags": ["remove-cell"]}))
    return new_notebook(cells=code)


@pytest.fixture(scope="module")
def page():
    return export_html(page_notebook(), "07_test_page")


@pytest.mark.slow
def test_code_is_hidden_and_outputs_stay(page):
    assert "secret_internals" not in page and "data_path = None" not in page
    assert "A printed sentence stays." in page
    assert "should not show" not in page  # remove-cell


@pytest.mark.slow
def test_decision_box_comes_first_under_the_title(page):
    body = page[page.index("<main>"):]
    h1, box, intro = (body.index("</h1>"), body.index("class='pmo-decision'"), body.index("What this page is for."))
    assert h1 < box < intro
    assert body.count("class='pmo-decision'") == 1  # drawn once, not also where the cell stood
    assert "href='#1.-Evidence-table'" in body and 'id="1.-Evidence-table"' in body


@pytest.mark.slow
def test_published_numbers_go_to_a_collapsed_appendix_not_raw_dumps(page):
    assert MIME not in page and "exposure_total = " not in page
    appendix = re.search(r"<details class='pmo-appendix'>(.*?)</details>", page, re.S).group(1)
    assert "4 numbers this page published" in appendix  # page.decision is the box, not a number
    assert "<dt>exposure_total</dt><dd>1,234,568</dd>" in appendix
    assert "<dt>rag</dt><dd>X-1: red; X-2: green</dd>" in appendix
    assert "<dt>funded</dt><dd>X-1, X-2</dd>" in appendix
    assert "table, 2 rows × 2 columns" in appendix


@pytest.mark.slow
def test_stderr_becomes_a_collapsed_warnings_section(page):
    warnings = re.search(r"<details class='pmo-appendix pmo-warnings'>(.*?)</details>", page, re.S).group(1)
    assert "1 warning written" in warnings and "something odd in the data" in warnings


@pytest.mark.slow
def test_charts_are_live_with_one_inlined_bundle_and_a_static_fallback(page):
    assert len(re.findall(r"class=[\"']pmo-chart[\"']", page)) == 2
    assert page.count("window.vegaEmbed=") == 1  # one bundle per page, not per chart
    static = re.findall(r"<img[^>]*pmo-chart-static[^>]*>", page)  # kept for print and for readers without JS
    assert len(static) == 2 and all("data:image/svg+xml;base64," in s for s in static)
    specs = re.findall(r"<script[^>]*pmo-spec[^>]*>(.*?)</script>", page, re.S)
    assert [json.loads(s)["title"] for s in specs] == ["First chart", "Second chart"]
    assert "actions: false" in page  # no "open in editor" link to the network
    assert not _EXTERNAL.search(page)


def test_static_charts_without_script_when_not_interactive():
    out = export_html(page_notebook(), "p", interactive=False)
    assert "window.vegaEmbed" not in out and "pmo-spec" not in out
    assert len(re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,', out)) == 2


@pytest.mark.slow
def test_print_and_width_css_is_in_the_page(page):
    css = re.search(r"<style type='text/css'>(.*?)</style></head>", page, re.S).group(1)
    assert "@media print" in css and "@page" in css and "overflow:visible!important" in css
    assert "max-width:1180px" in css


def test_page_without_a_decision_and_without_charts():
    out = export_html(page_notebook(with_decision=False, with_chart=False), "p")
    assert "class='pmo-decision'" not in out and "vegaEmbed" not in out


def test_spec_json_cannot_close_its_script_element():
    html = rhtml._chart_html({"title": "</script><script>alert(1)</script>", "mark": "bar"}, None)
    assert "</script><script>" not in html.split("class='pmo-spec'>", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(re.search(r"class='pmo-spec'>(.*)</script>", html).group(1))["title"].startswith("</script>")


def test_external_resources_are_refused(monkeypatch):
    monkeypatch.setattr(rhtml, "_vega_bundle", lambda: 'import x from "https://cdn.example/vega.js";')
    with pytest.raises(RecordError, match="references an external resource"):
        export_html(page_notebook(), "p")


def test_page_title():
    assert page_title("03_schedule_risk") == "03 Schedule risk"
    assert page_title("03_schedule_risk", {"title": "Schedule and cost risk"}) == "Schedule and cost risk"
    assert page_title("index") == "index"


# ---------------------------------------------------------------- index pages
def _manifest(run_id="20270101T000000Z-s1-abcdef", status="complete"):
    return {"run_id": run_id, "status": status, "error": None if status == "complete" else "02: boom",
            "started": "2027-01-01T00:00:00+00:00", "ended": "2027-01-01T00:01:00+00:00", "seed": 1,
            "parameters": {"seed": 1}, "git": {"commit": "abc123", "dirty": False},
            "data": {"path": "/data/portfolio", "files": {"projects.csv": "f" * 64}},
            "notebooks": [{"notebook": "00_portfolio_review.ipynb", "html": "00_portfolio_review.html",
                           "seconds": 3.2, "published_numbers": 5},
                          {"notebook": "03_schedule_risk.ipynb", "html": "03_schedule_risk.html", "seconds": 9.0,
                           "published_numbers": 7, "warnings": 2}],
            "results": {"xlsx": "results.xlsx"},
            "decisions": [{"decision_id": "D-0002", "date": "2027-01-02", "decision": "Fund X-1", "decided_by":
                           "Board", "record": f"reports/{run_id}", "superseded_by": None},
                          {"decision_id": "D-0001", "date": "2026-12-01", "decision": "Defer X-9",
                           "decided_by": "Board", "record": "javascript:alert(1)", "superseded_by": None}]}


def test_index_opens_with_headlines_and_decisions_and_keeps_hashes_lower():
    numbers = {"00_portfolio_review": {DECISION: decision("Fund 14 of 52 candidates for 36.8 M.",
                                                          {"Value": (36.8e6, "money")}, title="Executive summary")},
               "03_schedule_risk": {"x": 1}}
    out = render_index(_manifest(), numbers)
    h = out.index
    assert h("Fund 14 of 52 candidates for 36.8 M.") < h("What each page decides") < h("Executive summary") \
        < h("Decisions taken on this record") < h("f" * 64)
    assert "Value: <b>£36.8 M</b>" in out
    assert "03 Schedule risk" in out and "This page states no decision." in out and "2 warning(s)" in out
    taken = out[h("Decisions taken on this record"):h("Earlier decisions")]
    assert "Fund X-1" in taken and "Defer X-9" not in taken
    assert "href='javascript" not in out and "javascript:alert(1)" in out  # shown as text, never a link
    assert "<details>" in out[:h("f" * 64)]  # hashes behind a collapsed section
    assert not _EXTERNAL.search(out)


def test_index_of_a_failed_record_says_so_and_works_without_numbers():
    out = render_index(_manifest(status="failed"))
    assert "This record is incomplete" in out and "02: boom" in out
    assert out.count("This page states no decision.") == 2


def test_decisions_table_links_only_to_record_folders():
    rows = [{"decision_id": "D-1", "date": "d", "decision": "<b>x</b>", "decided_by": "me",
             "record": "reports/20270101T000000Z-s1-abcdef"},
            {"decision_id": "D-2", "date": "d", "decision": "y", "decided_by": "me", "record": "http://evil/x"},
            {"decision_id": "D-3", "date": "d", "decision": "z", "decided_by": "me", "record": "../../etc"}]
    out = decisions_table(rows, link_prefix="../")
    assert re.findall(r"href='([^']*)'", out) == ["../20270101T000000Z-s1-abcdef/index.html"]
    assert "&lt;b&gt;x&lt;/b&gt;" in out
    assert decisions_table([]) == ""


def test_reports_index_lists_records_with_their_headline(tmp_path):
    run = tmp_path / "20270101T000000Z-s1-abcdef"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps(_manifest()))
    (run / "numbers.json").write_text(json.dumps(
        {"00_portfolio_review": {DECISION: decision("Fund 14 of 52 candidates for 36.8 M.")}}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    out = render_reports_index(tmp_path, [])
    assert "Fund 14 of 52 candidates for 36.8 M." in out and "href='20270101T000000Z-s1-abcdef/index.html'" in out
    assert "broken" not in out


def test_a_page_links_to_the_index_and_its_neighbours_and_prints_its_furniture():
    stems = ["00_portfolio_review", "01_intake_screening", "02_portfolio_selection"]
    out = export_html(page_notebook(), stems[1], context=rhtml.page_context("20261207T1Z-s1-abc123", "2026-12-07T10:00Z",
                                                                             stems, 1))
    navs = re.findall(r"<nav class='pmo-nav[^']*'.*?</nav>", out, re.DOTALL)
    assert len(navs) == 2  # above the page and at its end
    for nav in navs:
        assert "rel='index' href='./index.html'" in nav
        assert "rel='prev' href='./00_portfolio_review.html'>&#8592; 00 Portfolio review" in nav
        assert "rel='next' href='./02_portfolio_selection.html'>02 Portfolio selection &#8594;" in nav
        assert "page 2 of 3 · record 20261207T1Z-s1-abc123 · 2026-12-07" in nav
    assert '@top-left{content:"Portfolio review · record 20261207T1Z-s1-abc123"' in out
    assert '@bottom-left{content:"01 Intake screening"' in out and 'counter(page) " of " counter(pages)' in out
    first = rhtml.page_context("r", "d", stems, 0)
    assert first["prev"] is None and first["next"]["href"] == "01_intake_screening.html"
    assert rhtml.page_context("r", "d", stems, 1, last=True)["next"] is None  # a failed page ends the record
    assert "<nav" not in export_html(page_notebook(), "p")  # a page outside a record has no links


def test_css_strings_cannot_leave_their_rule():
    assert rhtml._css_string('a"b\\c</style>') == '"a\\22 b\\5c c\\3c /style\\3e "'


def test_print_never_splits_a_word_and_keeps_ids_and_dates_whole():
    css = rhtml.PAGE_CSS.split("@media print{", 1)[1]
    assert "overflow-wrap:normal!important;word-break:normal!important;hyphens:manual!important" in css
    assert "anywhere" not in css and "break-all" not in css
    kept = rhtml._keep_tokens("<p>Fund P-046, R-101-01 by 2027-08-04 (£4.3 M-£5.1 M); risk-adjusted.</p>"
                              "<script>x-1 < y-2</script><svg><text>P-1</text></svg>")
    assert re.findall(r"<span class='pmo-nobr'>([^<]*)</span>", kept) == ["P-046", "R-101-01", "2027-08-04", "M-£5.1"]
    assert "<script>x-1 < y-2</script><svg><text>P-1</text></svg>" in kept  # code and drawings untouched


def test_warnings_on_a_page_read_as_messages_not_as_python():
    out = rhtml._warnings_html(["/srv/app/x.py:12: DataWarning: the budget has no row for period 7\n"
                                "  warnings.warn(msg)\n"])
    assert "the budget has no row for period 7" in out
    assert "DataWarning" not in out and "x.py" not in out and "warnings.warn" not in out


def test_the_index_names_the_data_not_where_it_lives():
    m = _manifest()
    m["data"] = {"path": "/home/someone/private/my_portfolio", "files": {}}
    m["board_pack"] = "board_pack.pdf"
    out = render_index(m)
    assert "data <b>my_portfolio</b>" in out and "href='./board_pack.pdf'" in out
