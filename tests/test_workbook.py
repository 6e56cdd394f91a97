"""results.xlsx for analysts (pmo_analytics.records.workbook): read back with openpyxl and held to the glossary.

Headers are checked against labels and units written out here by hand (the oracle), not against the writer's
own header function; values are compared with the published frames cell by cell, at full precision.
"""

from __future__ import annotations

import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pmo_analytics.records.export import export_excel, export_results, numbers_to_tables
from pmo_analytics.records.publish import to_jsonable
from pmo_analytics.records.workbook import COLUMNS_SHEET, CONTENTS, ITEM_NAMES, number_format, sheet_title
from pmo_analytics.tables.columns import column

#: The unit each kind shows in a header, written out by hand ({cur} = the currency symbol).
UNIT_OF_KIND = {"money": "{cur}", "probability": "%", "share": "%", "percent": "%", "days": "working days",
                "periods": "periods", "period": "period", "fte": "FTE", "ratio": "ratio", "score": "points",
                "count": "count", "date": "", "flag": "", "id": "", "text": "", "number": ""}


def _published(raw: dict) -> dict:
    """numbers.json as the notebooks write it (JSON round trip included)."""
    return json.loads(json.dumps({nb: {k: to_jsonable(v) for k, v in vals.items()} for nb, vals in raw.items()}))


@pytest.fixture
def numbers():
    risk = pd.DataFrame({"project_id": ["X-1", "X-2"],
                         "p90_finish": pd.to_datetime(["2027-12-02", "2028-01-20"]),
                         "p90_days_late": [64.123456789, -3.5], "cost_contingency": [685_005.123456789, 12.5],
                         "p90_cost": [9_629_000.987654321, 1_608.25], "jcl": [0.4512345678, 0.0004]})
    exposure = risk.set_index("project_id")[["p90_days_late", "cost_contingency", "jcl"]]
    evm = pd.DataFrame({"project_id": ["X-1", "X-2", "X-3"], "rag": ["red", "amber", "green"],
                        "cpi": [0.8637592968, 1.0, 1.25], "bac": [4_363_000.0, 2.0e6, 1.0e6],
                        "data_date": pd.to_datetime(["2026-10-31"] * 3), "name": ["Platform", "Substation", "Lake"]})
    benefits = pd.DataFrame({"benefit_id": ["B-1", "B-2", "B-3"], "project_id": ["X-1", "X-1", "X-2"],
                             "planned_total": [1_259_500.0, 10.0, 5.5], "realisation_rate": [0.64, np.nan, 1.0],
                             "status": ["at risk", "not yet measured", "on track"]})
    spend = pd.DataFrame({"budget": [3.55e6, 3.7e6], "plan_spend": [2553083.766233766, 2982292.305194805],
                          "p80_spend": [3024777.029699426, 3495011.211941287], "p_overrun": [0.019, 0.088]},
                         index=pd.Index([1, 2], name="period"))
    raw = {
        "00_portfolio_review": {"risk.exposure": exposure, "selection.value": 5.3e6, "uncertainty.p_any_overrun": 0.091,
                                "page.decision": {"headline": "Fund X-1.", "title": "Executive summary"}},
        "02_portfolio_selection": {"uncertainty.spend": spend, "selection.status": "optimal",
                                   "selection.start_periods": {"X-1": 1, "X-2": 3}},
        "03_schedule_risk": {"results.risk_by_project": risk, "risk.exposure": exposure},
        "04_delivery_monitoring": {"results.evm_by_project": evm,
                                   "delivery.p_within_budget": {"X-1": 0.0, "X-2": 0.882}},
        "05_benefits_and_lessons": {"results.benefits": benefits},
    }
    return _published(raw)


MANIFEST = {"run_id": "20270101T000000Z-s1-abcdef", "status": "complete", "ended": "2027-01-01T00:01:00+00:00",
            "seed": 1, "policy": {"confidence": 90.0}, "data": {"path": "/data/p", "files": {"projects.csv": "a" * 64}}}
NAMES = {"project_id": {"X-1": "Customer platform", "X-2": "Substation", "X-3": "Data lake"}}


def _contents(wb) -> pd.DataFrame:
    ws = wb[CONTENTS]
    (table,) = ws.tables.values()
    rows = [[c.value for c in r] for r in ws[table.ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _columns(wb) -> pd.DataFrame:
    ws = wb[COLUMNS_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _data_sheets(wb):
    return [ws for ws in wb.worksheets if ws.title not in (CONTENTS, COLUMNS_SHEET)]


@pytest.fixture
def book(tmp_path, numbers):
    out = export_results(numbers, tmp_path / "results.xlsx", MANIFEST, names=NAMES, currency="EUR")
    return openpyxl.load_workbook(out["xlsx"]), out


def test_sheet_names_are_for_people_and_map_to_their_publish_keys(book):
    wb, out = book
    assert wb.sheetnames[0] == CONTENTS and wb.sheetnames[-1] == COLUMNS_SHEET
    contents = _contents(wb)
    names = [ws.title for ws in _data_sheets(wb)]
    assert names == list(contents["Sheet"])  # every sheet listed, in the workbook's order
    for title in names:
        assert 1 <= len(title) <= 31 and not set("[]:*?/\\") & set(title)
        assert not re.match(r"^\d\d\.", title) and "_" not in title, title  # no publish key as a sheet name
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    keys = dict(zip(contents["Sheet"], contents["Publish key"]))
    assert keys["Risk by project"] == "results.risk_by_project"
    assert keys["Uncertainty – spend"] == "uncertainty.spend"
    assert keys["Risk – exposure"] == "risk.exposure" and keys["Numbers"] == "numbers"
    # ordered by page: 02's sheet before 03's before 04's, the numbers last
    assert names.index("Uncertainty – spend") < names.index("Risk by project") < names.index("EVM by project")
    assert names[-1] == "Numbers"
    # risk.exposure, published identically by 00 and 03, is one sheet, on the page that computes it (03)
    row = contents.set_index("Sheet").loc["Risk – exposure"]
    assert row["Page"] == "03 Schedule risk" and row["Also published by page"] == "00"
    assert names.count("Risk – exposure") == 1
    what = contents.set_index("Sheet")["What"]
    assert "P90 finish dates" in what["Risk by project"] and "P80" not in what["Risk by project"]  # the record's level
    # every sheet is reachable from Contents
    links = {c.value: c.hyperlink.location for c in wb[CONTENTS]["A"] if c.hyperlink is not None
             and c.hyperlink.location}
    assert links["Benefits"] == "'Benefits'!A1"


def test_headers_are_glossary_labels_with_units_at_the_record_confidence(book):
    wb, _ = book
    cols = _columns(wb)
    for ws in _data_sheets(wb):
        heads = [c.value for c in ws[1]]
        mine = cols[cols["Sheet"] == ws.title]
        assert list(mine["Header"]) == heads, ws.title  # every column on the glossary sheet, in order
        if ws.title == "Numbers":
            continue
        for head, machine, key in zip(heads, mine["Machine name"], mine["Publish key"]):
            d = column(ITEM_NAMES.get(key, machine) if machine == "item" else machine)
            label = d.label.replace("{P}", "P90")
            unit = UNIT_OF_KIND[d.kind].format(cur="€")
            redundant = label.lower().endswith(unit.lower())  # "Start period", not "Start period [period]"
            assert head == (f"{label} [{unit}]" if unit and not redundant else label), (ws.title, machine, head)
    risk = [c.value for c in wb["Risk by project"][1]]
    assert risk[:3] == ["Project", "Project name", "P90 finish"]
    assert {"P90 days late [working days]", "Cost contingency at P90 [€]", "P90 cost [€]",
            "Joint confidence of commitment and estimate [%]"} <= set(risk)
    assert not any("_" in h for ws in _data_sheets(wb) if ws.title != "Numbers" for h in [c.value for c in ws[1]])
    assert not any("P80" in c.value for s in ("Risk by project", "Risk – exposure") for c in wb[s][1])
    spend = [c.value for c in wb["Uncertainty – spend"][1]]
    assert spend == ["Period", "Budget [€]", "Planned spend [€]", "P80 spend [€]", "P(overrun) [%]"]
    assert wb["Uncertainty – spend"]["A2"].value == 1 and wb["Uncertainty – spend"]["A2"].number_format == "0"
    cols = cols.set_index(["Sheet", "Machine name"])
    assert cols.loc[("Risk by project", "p90_cost"), "Unit"] == "€"
    assert cols.loc[("Risk by project", "p90_cost"), "Label"] == "P90 cost"
    assert cols.loc[("Risk by project", "cost_contingency"), "Publish key"] == "results.risk_by_project"


def test_every_number_has_a_format_of_its_kind(book):
    wb, _ = book
    general = [(ws.title, c.coordinate) for ws in wb.worksheets for r in ws.iter_rows() for c in r
               if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.number_format == "General"]
    assert general == []
    rk = wb["Risk by project"]
    heads = {c.value: c.column_letter for c in rk[1]}
    assert rk[heads["P90 cost [€]"] + "2"].number_format == '"€"#,##0;-"€"#,##0'  # thousands, the currency
    assert rk[heads["Joint confidence of commitment and estimate [%]"] + "2"].number_format == "0.0%"
    assert rk[heads["P90 days late [working days]"] + "2"].number_format == "#,##0.0"
    assert rk[heads["P90 finish"] + "2"].is_date and rk[heads["P90 finish"] + "2"].number_format == "yyyy-mm-dd"
    evm = wb["EVM by project"]
    assert [c.value for c in evm[1]][:3] == ["Project", "Name", "RAG"]  # the name beside the id, wherever published
    heads = {c.value: c.column_letter for c in evm[1]}
    assert evm[heads["CPI [ratio]"] + "2"].number_format == "0.00"
    num = wb["Numbers"]
    rows = {(r[1].value, r[2].value): r for r in num.iter_rows(min_row=2)}
    assert rows[("selection.value", None)][3].number_format.startswith('"€"')  # the unit of the published name
    assert rows[("uncertainty.p_any_overrun", None)][3].number_format == "0.0%"
    assert rows[("delivery.p_within_budget", "X-2")][3].number_format == "0.0%"
    assert rows[("selection.start_periods", "X-2")][3].number_format == "0"  # a period


def test_number_formats_by_kind_never_general():
    assert number_format("money", "GBP") == '"£"#,##0;-"£"#,##0'
    assert number_format("money", "CHF") == '"CHF"#,##0;-"CHF"#,##0'
    assert number_format("probability", "GBP") == "0.0%" and number_format("share", "GBP") == "0%"
    assert number_format("days", "GBP") == "#,##0.0" and number_format("count", "GBP") == "#,##0"
    assert number_format("number", "GBP", 12) == "#,##0" and number_format("number", "GBP", 1.5) == "#,##0.00##"


def test_every_table_is_an_excel_table_with_a_frozen_header_and_print_setup(book):
    wb, _ = book
    for ws in _data_sheets(wb):
        (table,) = ws.tables.values()
        top, bottom = table.ref.split(":")
        assert top == "A1" and int(re.sub(r"\D", "", bottom)) == max(2, ws.max_row), ws.title
        assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
        assert ws.freeze_panes in ("A2", "B2")
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        assert "20270101T000000Z-s1-abcdef" in ws.oddFooter.left.text and "2027-01-01" in ws.oddFooter.left.text
        for letter in (c.column_letter for c in ws[1]):
            assert 8 <= ws.column_dimensions[letter].width <= 60
    assert wb["Risk by project"].freeze_panes == "B2"  # the id column stays in view
    names = [t for ws in wb.worksheets for t in ws.tables]
    assert len(set(names)) == len(names)


def test_rag_columns_are_filled_red_amber_green(book):
    wb, _ = book
    for sheet, head in (("EVM by project", "RAG"), ("Benefits", "Status")):
        ws = wb[sheet]
        letter = next(c.column_letter for c in ws[1] if c.value == head)
        rules = {}
        for rng in ws.conditional_formatting:
            if str(rng.sqref) == f"{letter}2:{letter}{ws.max_row}":
                for rule in rng.rules:
                    word = re.search(r'="([a-z ]+)"$', rule.formula[0]).group(1)
                    rules[word] = rule.dxf.fill.fgColor.rgb
        assert rules["red"].endswith("F4B6B6") and rules["amber"].endswith("FFE0A3")
        assert rules["green"].endswith("C6EFCE")
    # only RAG columns are coloured
    cpi = next(c.column_letter for c in wb["EVM by project"][1] if c.value == "CPI [ratio]")
    assert not any(cpi in str(r.sqref) for r in wb["EVM by project"].conditional_formatting)


def test_values_are_the_published_frames_at_full_precision(book, numbers):
    wb, _ = book
    tables = numbers_to_tables(numbers, NAMES)
    cols = _columns(wb)
    keys = dict(zip(_contents(wb)["Sheet"], _contents(wb)["Publish key"]))
    for ws in _data_sheets(wb):
        key = keys[ws.title]
        frame = next(df for df in tables.values() if df.attrs.get("publish_key") == key)
        machine = list(cols.loc[cols["Sheet"] == ws.title, "Machine name"])
        for j, name in enumerate(machine):
            if name not in frame.columns:
                continue  # a name beside an id, the unit of a published number
            got = [r[j].value for r in ws.iter_rows(min_row=2, max_row=len(frame) + 1)]
            for g, want in zip(got, frame[name]):
                if want is None or (isinstance(want, float) and np.isnan(want)):
                    assert g is None
                elif isinstance(want, pd.Timestamp):
                    assert pd.Timestamp(g) == want
                else:
                    assert g == want, (ws.title, name, g, want)  # every digit
                    assert isinstance(g, str) == isinstance(want, str)  # numbers stay numbers
    rk = wb["Risk by project"]
    assert any(c.value == 9_629_000.987654321 for c in rk[2])  # not rounded to what the format shows
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for ws in wb for r in ws.iter_rows()
                   for c in r)  # values only, never formulas


def test_csv_stays_the_machine_copy(book, tmp_path):
    _, out = book
    head = (tmp_path / "results_csv" / "Risk_by_project.csv").read_text().splitlines()[0]
    assert head.startswith("project_id,project_name,p90_finish,p90_days_late [days],")
    assert (tmp_path / "results_csv" / "02.uncertainty.spend.csv").is_file()


def test_sheet_titles_for_unlisted_keys():
    assert sheet_title("selection.frontier") == "Selection – frontier"
    assert sheet_title("results.recovery_by_project") == "Recovery by project"
    assert sheet_title("risk.A-101.top_drivers") == "Risk drivers A-101"
    assert sheet_title("my table") == "my table"


def test_a_generic_export_keeps_given_names_and_labels_unknown_columns(tmp_path):
    df = pd.DataFrame({"project_id": ["A"], "widgets": [3], "ratio_x": [0.123456]})
    wb = openpyxl.load_workbook(export_excel({"my table": df}, tmp_path / "x.xlsx"))
    assert wb.sheetnames == [CONTENTS, "my table", COLUMNS_SHEET]
    ws = wb["my table"]
    assert [c.value for c in ws[1]] == ["Project", "widgets [count]", "Ratio x"]
    assert ws["B2"].number_format == "#,##0" and ws["C2"].number_format == "#,##0.00##"
    assert ws["C2"].value == 0.123456


def test_a_portfolio_that_is_not_the_sample_at_confidence_90(tmp_path):
    """tests/data/minimal reviewed at P90: the risk tables it publishes become sheets whose headers say P90."""
    from pmo_analytics.records import figures
    from pmo_analytics.review import load_review

    review = load_review("tests/data/minimal", confidence=90, iterations=300, seed=7)
    rk = review.risk_
    raw = {"03_schedule_risk": {"results.risk_by_project": figures.risk_by_project(rk), **figures.risk_figures(rk)}}
    numbers = _published(raw)
    manifest = {**MANIFEST, "policy": {"confidence": 90.0}}
    out = export_results(numbers, tmp_path / "results.xlsx", manifest, currency="USD")
    wb = openpyxl.load_workbook(out["xlsx"])
    risk = [c.value for c in wb["Risk by project"][1]]
    assert {"P90 finish", "P90 days late [working days]", "Schedule contingency at P90 [working days]",
            "P90 cost [$]", "Cost contingency at P90 [$]"} <= set(risk), risk
    table = [c.value for c in wb["Risk – finish and cost"][1]]
    assert "Joint confidence of the P90 date and cost [%]" in table
    assert not any("P80" in h for ws in _data_sheets(wb) for h in [c.value for c in ws[1]] if h != "Numbers")
    ws = wb["Risk by project"]
    heads = {c.value: c.column_letter for c in ws[1]}
    got = ws[heads["P90 cost [$]"] + "2"]
    assert got.number_format == '"$"#,##0;-"$"#,##0'
    want = figures.risk_by_project(rk)["p90_cost"].iloc[0]
    assert got.value == pytest.approx(want, rel=1e-12, abs=1e-9)  # numbers.json keeps 10 decimals


def test_repeated_or_empty_labels_still_make_a_valid_table(tmp_path):
    """Excel refuses a Table whose headers repeat (ignoring case) or are empty: a repeated label gets its machine
    name, an empty one its position."""
    df = pd.DataFrame({"pd": [4.0], "planned_duration": [4.0], "name": ["x"], "NAME": ["y"], " ": [1], "": [2]})
    ws = openpyxl.load_workbook(export_excel({"t": df}, tmp_path / "x.xlsx"))["t"]
    heads = [c.value for c in ws[1]]
    assert heads[:2] == ["Planned duration [periods] (pd)", "Planned duration [periods] (planned_duration)"]
    assert heads[4:] == ["Column 5 [count]", "Column 6 [count]"]
    assert all(h and h.strip() for h in heads) and len({h.lower() for h in heads}) == len(heads)
    (table,) = ws.tables.values()
    assert [c.name for c in table.tableColumns] == heads
