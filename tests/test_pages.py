"""Display helpers of a record page: decision box, tables for people (pmo_analytics.records.pages)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.records import pages
from pmo_analytics.records.pages import (DECISION, anchor, decision, decision_box, format_table, key_number,
                                         publish_table, render_decision_box, show_table)
from pmo_analytics.records.publish import MIME


@pytest.fixture
def shown(monkeypatch):
    """Every display() call of the helpers: (bundle or object, metadata)."""
    calls = []

    def fake_display(obj, raw=False, metadata=None, **kw):
        calls.append((obj, metadata))

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return calls


def _published(calls):
    return {c[0][MIME]["name"]: c[0][MIME]["value"] for c in calls if isinstance(c[0], dict) and MIME in c[0]}


def _cells(html_text):
    rows = re.findall(r"<tr>(.*?)</tr>", html_text, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
            for r in rows]


@pytest.fixture
def risk_frame():
    return pd.DataFrame({
        "project_id": ["X-1", "X-2", "X-3"],
        "p80_cost": [5_048_455.1, 845_300.0, np.nan],
        "p80_finish": pd.to_datetime(["2027-12-02", "2027-07-21", None]),
        "jcl": [0.0067, 0.453, np.nan],
        "committed_finish": pd.to_datetime(["2027-09-03", None, None]),
    }).set_index("project_id")


def test_anchor_matches_nbconvert_heading_ids():
    from nbconvert.filters.strings import add_anchor

    for heading in ["2. Simulation: P50 / P80 dates", "What drives the **risk**", "Why `X` is out", "Top-10 risks"]:
        rendered = add_anchor(f"<h2>{html.escape(re.sub(r'[*`]', '', heading))}</h2>")
        assert anchor(heading) == "#" + re.search(r'id="([^"]+)"', rendered).group(1)
    assert anchor("## 1. Evidence table") == "#1.-Evidence-table"
    assert anchor("see [the table](#x) below") == "#see-the-table-below"


def test_key_numbers_are_formatted_by_kind_or_column():
    assert key_number("Value", 36_812_000, "money")["text"] == "£36.8 M"
    assert key_number("P80 cost", 5_048_455, "p80_cost")["text"] == "£5.0 M"  # a column name gives its kind
    assert key_number("JCL", 0.45, "probability")["text"] == "45 %"
    assert key_number("Finish", pd.Timestamp("2027-12-02"), "date") == {
        "label": "Finish", "value": "2027-12-02T00:00:00", "kind": "date", "unit": "date", "text": "2027-12-02"}
    # every tile has a unit: its kind's, or the word given for what a count counts
    assert key_number("Value", 1.0, "money")["unit"] == "GBP"
    assert key_number("Largest", 91.6, "days")["unit"] == "working days"
    assert key_number("Late", 69.6, "p80_days_late")["unit"] == "working days"
    assert key_number("Funded", 14, "count", "projects")["unit"] == "projects"
    assert key_number("Status", "optimal")["text"] == "optimal"
    with pytest.raises(ValueError, match="needs a label"):
        key_number(" ", 1)


def test_decision_payload_and_validation():
    p = decision("  Fund 14 of 52\n candidates for 36.8 M. ", {"Funded": (14, "count"), "Value": (36.8e6, "money")},
                 rests_on="reference-class P80 costs", evidence_links={"Why": "3. Why each project is in or out",
                                                                       "Table": "#tbl"}, title="Selection")
    assert p["headline"] == "Fund 14 of 52 candidates for 36.8 M."
    assert [k["text"] for k in p["key_numbers"]] == ["14", "£36.8 M"]
    assert "ask" not in p  # a box without an ask stays valid (pages of users' own notebooks)
    assert p["rests_on"] == ["reference-class P80 costs"] and p["title"] == "Selection"
    assert p["evidence"] == [{"label": "Why", "href": "#3.-Why-each-project-is-in-or-out"},
                             {"label": "Table", "href": "#tbl"}]
    with pytest.raises(ValueError, match="needs a headline"):
        decision("   ")
    with pytest.raises(ValueError, match=r"give a value, \(value, kind\)"):
        decision("x", {"bad": (1, "money", "extra", "more")})


def test_the_box_ends_with_the_ask_and_its_options():
    p = decision("Fund 14 of 52 candidates.", {"Funded": (14, "count", "projects")},
                 ask="The board is asked to approve the 7 discretionary projects.",
                 options=["approve as recommended", "  approve the budget cut  ", ""])
    assert p["ask"] == "The board is asked to approve the 7 discretionary projects."
    assert p["options"] == ["approve as recommended", "approve the budget cut"]
    out = render_decision_box(p)
    # the ask comes last in the box, after the key numbers, what the decision rests on and the evidence
    assert out.index("pmo-ask") > out.index("pmo-keys") and out.rstrip().endswith("</ul></div></section>")
    assert "data-unit='projects'" in out and "pmo-key-unit" in out
    with pytest.raises(ValueError, match="The board is asked to"):
        decision("x", ask="Approve it.")
    with pytest.raises(ValueError, match="options need the ask"):
        decision("x", options=["a"])


def test_decision_box_displays_and_publishes_page_decision(shown):
    assert decision_box("Hold 1.4 M of contingency.", {"Contingency": (1.4e6, "money")}) is None
    (box, meta), (bundle, _) = shown
    assert meta == pages.ROLE  # the HTML export draws the box first on the page instead
    assert "Hold 1.4 M of contingency." in box.data and "1.4 M" in box.data
    assert _published(shown)[DECISION]["headline"] == "Hold 1.4 M of contingency."


def test_decision_box_html_is_escaped_and_links_stay_on_the_page():
    p = decision("<script>alert(1)</script> & more", {"<b>": "<i>"}, evidence_links={"x": "#ok"})
    p["evidence"].append({"label": "evil", "href": "javascript:alert(1)"})
    out = render_decision_box(p)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;" in out
    hrefs = re.findall(r"href='([^']*)'", out)
    assert hrefs[0] == "#ok" and all(h.startswith("#") for h in hrefs)


def test_table_for_people_money_percent_dates_names_and_reasons(risk_frame):
    out = format_table(risk_frame, names={"X-1": "Customer platform", "X-2": "Substation"},
                       missing={"jcl": "not simulated: no schedule"})
    rows = _cells(out)
    assert rows[0] == ["Project", "P80 cost", "P80 finish", "Joint confidence of commitment and estimate",
                       "Committed finish"]
    # one scale per money column: 845 k reads as 0.8 M under 5.0 M
    assert rows[1] == ["X-1 Customer platform", "£5.0 M", "2027-12-02", "0.7 %", "2027-09-03"]
    assert rows[2] == ["X-2 Substation", "£0.8 M", "2027-07-21", "45 %", "–"]
    assert rows[3][0] == "X-3" and rows[3][1:] == ["–"] * 4
    assert "NaN" not in out and "NaT" not in out and "None" not in out
    # each dash says why, beside the table and on hover
    assert "not simulated: no schedule" in out and "no committed date in the data" in out
    assert "title='no committed date in the data'" in out
    # the column's meaning is the header's tooltip
    assert "Cost not exceeded in 80 % of the simulated iterations." in out


def test_table_columns_subset_order_labels_and_max_rows(risk_frame):
    out = format_table(risk_frame, columns={"jcl": "JCL", "p80_cost": "P80 cost"}, max_rows=2,
                       caption="Risk <by> project")
    rows = _cells(out)
    assert rows[0] == ["Project", "JCL", "P80 cost"]  # the id stays first
    days = format_table(pd.DataFrame({"schedule_contingency": [85.92]}))
    assert _cells(days)[0] == ["Schedule contingency at P80 [working days]"] and _cells(days)[1] == ["85.9"]
    at90 = pd.DataFrame({"schedule_contingency": [85.92]})
    at90.attrs["confidence"] = 90.0  # a frame computed at P90 says so in its labels
    assert _cells(format_table(at90))[0] == ["Schedule contingency at P90 [working days]"]
    assert len(rows) == 3 and "first 2 of 3 rows shown" in out and "Risk &lt;by&gt; project" in out
    with pytest.raises(ValueError, match=r"columns \['nope'\] not in the table"):
        format_table(risk_frame, columns=["nope"])
    with pytest.raises(TypeError, match="expected a DataFrame"):
        format_table([1, 2])


def test_table_uses_existing_name_columns_and_portfolio_names():
    from pmo_analytics import read_portfolio

    from .conftest import MINIMAL

    pf = read_portfolio(MINIMAL)
    pid, name = pf.projects["project_id"].iloc[0], pf.projects["name"].iloc[0]
    out = format_table(pd.DataFrame({"project_id": [pid], "cost": [1.0e6]}), names=pf)
    assert _cells(out)[1] == [f"{pid} {name}", "£1.0 M"]
    with_name = format_table(pd.DataFrame({"project_id": [pid], "name": ["given"], "cost": [1.0]}), names=pf)
    assert _cells(with_name)[1][0] == pid  # a frame with its own name column is not doubled


def test_show_table_displays_html_and_publishes_the_raw_frame(shown, risk_frame):
    show_table(risk_frame, publish_as="results.risk_by_project")
    assert "£5.0 M" in shown[0][0].data
    pub = _published(shown)["results.risk_by_project"]
    assert pub["columns"][0] == "project_id"  # the index survives as a column
    assert pub["data"][0][:2] == ["X-1", 5048455.1]


def test_publish_table_keeps_index_names_and_refuses_empty_names(shown):
    publish_table("t", pd.Series([1.5, 2.5], index=pd.Index(["a", "b"], name="risk_id"), name="exposure"))
    assert _published(shown)["t"]["columns"] == ["risk_id", "exposure"]
    with pytest.raises(ValueError, match="needs a name"):
        publish_table(" ", pd.DataFrame({"x": [1]}))


def test_open_review_publishes_the_identity_of_the_data_it_read(shown, minimal_dir):
    from pmo_analytics.review import clear_cache

    clear_cache()
    review = pages.open_review(minimal_dir, 11, {"iterations": 300})
    assert review.policy.seed == 11 and review.policy.iterations == 300
    published = [obj[MIME] for obj, _ in shown if isinstance(obj, dict) and MIME in obj]
    assert published == [{"name": "review.identity", "value": review.identity}]
    assert review.identity["source"].endswith("minimal")
    assert pages.open_review(minimal_dir, 11, {"iterations": 300}) is review  # every page reads the same review
    with pytest.raises(ValueError, match="policy must be a mapping"):
        pages.open_review(minimal_dir, 11, "iterations=300")
    clear_cache()


def test_long_tables_fold_and_row_numbers_are_not_shown():
    long = pd.DataFrame({"project_id": [f"P-{i:03d}" for i in range(40)], "cost": np.arange(40) * 1e5})
    out = format_table(long.iloc[5:], caption="Every candidate")
    assert out.startswith("<details class='pmo-fold'><summary>Every candidate: 35 rows")
    assert "<th" in out and "index" not in out.lower()  # the filter's row numbers are no column
    assert not format_table(long.head(3)).startswith("<details")
    assert format_table(long.head(3), fold=True).startswith("<details")
