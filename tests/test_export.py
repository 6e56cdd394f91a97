"""Export of result tables to Excel and CSV (pmo_analytics.records.export)."""

import csv
import json
import os
import stat

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_analytics.records.export import (export_csv, export_excel, export_tables, header_with_unit, safe_text,
                                          sheet_name)


@pytest.fixture
def tables():
    sched = pd.DataFrame({
        "duration": [5.0, 3.0], "early_start": [0.0, 5.0], "critical": [True, False],
    }, index=pd.Index(["A010", "A020"], name="activity_id"))
    evm = pd.DataFrame({
        "project_id": ["A-101", "A-102"], "pv": [1_250_000.0, np.nan], "cpi": [0.91, 1.02],
        "period_end": pd.to_datetime(["2026-03-31", "2026-06-30"]),
        "note": ["=HYPERLINK(\"http://x\")", "+1 overrun"],
    })
    return {"schedule/critical path: A-101 [P80]": sched, "evm": evm}


@pytest.mark.parametrize("text,expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), (5, 5), (-5.0, -5.0), (None, None),
])
def test_safe_text_guards_formula_starts_only(text, expected):
    assert safe_text(text) == expected


def test_sheet_name_is_legal_truncated_and_unique():
    taken = set()
    a = sheet_name("schedule/critical path: A-101 [P80]", taken)
    b = sheet_name("schedule/critical path: A-101 [P80] again", taken)
    c = sheet_name("SCHEDULE_CRITICAL PATH_ A-101 _P80_", taken)
    for s in (a, b, c):
        assert len(s) <= 31
        assert not set("[]:*?/\\") & set(s)
    assert len({a.lower(), b.lower(), c.lower()}) == 3
    assert sheet_name("", set()) == "table"
    assert sheet_name("History", set()) == "history_"  # reserved by Excel


def test_control_characters_do_not_break_the_workbook(tmp_path):
    df = pd.DataFrame({"text\x01": ["bell\x07 and tab\tok", "=cmd\x00"]})
    out = export_excel({"bad\x02name": df}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(out).worksheets[1]  # after Contents
    assert ws.title == "bad_name"
    assert [c.value for c in ws["A"]] == ["text", "bell and tab\tok", "'=cmd"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=50), min_size=1, max_size=8))
def test_sheet_names_always_legal_and_unique(names):
    taken = set()
    out = [sheet_name(n, taken) for n in names]
    assert all(1 <= len(s) <= 31 and not set("[]:*?/\\") & set(s) for s in out)
    assert len({s.lower() for s in out}) == len(out)


def test_header_with_unit():
    assert header_with_unit("cost", "currency") == "cost [currency]"
    assert header_with_unit("cpi", "") == "cpi"
    assert header_with_unit("lag [days]", "days") == "lag [days]"


def test_excel_workbook_format(tmp_path, tables):
    out = export_excel(tables, tmp_path / "results.xlsx", units={"evm": {"cpi": "ratio"}})
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Contents", "schedule_critical path_ A-101 _", "evm", "Columns"]  # legal names
    ws = wb[wb.sheetnames[1]]
    heads = [c.value for c in ws[1]]
    # the index is written as the first column; labels and units from the glossary
    assert heads == ["Activity", "Duration [working days]", "Early start [working days]", "Critical"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "B2"  # header row and index column frozen
    assert ws["A2"].value == "A010" and ws["B3"].value == 3.0 and ws["B3"].number_format == "#,##0.0"
    assert ws.column_dimensions["B"].width >= 8
    ev = wb["evm"]
    heads = [c.value for c in ev[1]]
    assert heads == ["Project", "PV [£]", "CPI [ratio]", "Period end", "Note"]
    assert ev.freeze_panes == "B2"  # header row and the id column frozen
    assert ev["B2"].value == 1_250_000 and ev["B2"].number_format == '"£"#,##0;-"£"#,##0'
    assert ev["B3"].value is None  # NaN -> empty cell
    assert ev["D2"].is_date and ev["D2"].value.date().isoformat() == "2026-03-31"
    # formula injection: stored as text with a leading quote, never as a formula
    assert ev["E2"].data_type == "s" and ev["E2"].value.startswith("'=")
    assert ev["E3"].value == "'+1 overrun"


def test_csv_export_units_and_injection(tmp_path, tables):
    files = export_csv(tables, tmp_path / "csv")
    assert len(files) == 2 and all(f.parent == tmp_path / "csv" for f in files)
    with open(tmp_path / "csv" / "evm.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["project_id", "pv [currency]", "cpi [ratio]", "period_end", "note"]
    assert rows[1][3] == "2026-03-31"
    assert rows[1][4].startswith("'=") and rows[2][4] == "'+1 overrun"
    assert rows[1][0] == "A-101"  # ids are not text that starts with a formula character


def test_export_tables_writes_both_and_replaces_atomically(tmp_path, tables):
    res = export_tables(tables, tmp_path / "out" / "results.xlsx")
    assert res["xlsx"].is_file() and len(res["csv"]) == 2
    assert (tmp_path / "out" / "results_csv").is_dir()
    again = export_tables({"one": pd.DataFrame({"x": [1]})}, tmp_path / "out" / "results.xlsx", csv=False)
    assert openpyxl.load_workbook(again["xlsx"]).sheetnames == ["Contents", "one", "Columns"]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left
    only_csv = export_tables(tables, tmp_path / "csvonly")
    assert only_csv["xlsx"] is None and len(only_csv["csv"]) == 2


def test_units_from_attrs_spec_and_dates(tmp_path):
    df = pd.DataFrame({"early_start": pd.to_datetime(["2026-01-05"]), "late_start": [3.0], "fte": [1.5],
                       "score": [7.0], "gain": [2.0]})
    df.attrs["units"] = {"gain": "currency/year"}
    export_csv({"t": df}, tmp_path)
    head = (tmp_path / "t.csv").read_text().splitlines()[0]
    assert head == "early_start,late_start [days],fte [FTE],score [points],gain [currency/year]"


def test_export_rejects_empty_and_non_frames(tmp_path):
    with pytest.raises(ValueError, match="no tables"):
        export_excel({}, tmp_path / "x.xlsx")
    with pytest.raises(TypeError, match="DataFrame"):
        export_excel({"a": [1, 2]}, tmp_path / "x.xlsx")


# ------------------------------------------------------------ a record's results.xlsx
from pmo_analytics.records.export import (  # noqa: E402
    KEY_TABLES, cover_from_manifest, data_fingerprint, export_results, numbers_to_tables)
from pmo_analytics.records.publish import to_jsonable  # noqa: E402


@pytest.fixture
def numbers():
    """numbers.json of a small record, as the notebooks publish it (JSON round trip included)."""
    funded = pd.DataFrame({"project_id": ["X-2", "X-1", "X-3"], "selected": [True, True, False],
                           "start_period": [1, 3, None], "cost": [1_250_000.0, 2_000_000.0, 0.0],
                           "value": [3.1e6, 2.2e6, 0.0], "extra": ["a", "b", "c"]})
    risk = pd.DataFrame({"project_id": ["X-1"], "p80_finish": pd.to_datetime(["2027-12-02"]),
                         "cost_contingency": [685_005.1], "jcl": [0.45]})
    raw = {
        "00_portfolio_review": {
            "page.decision": {"headline": "Fund X-1 and X-2 for 3.3 M.", "key_numbers": []},
            "recommended": {"status": "optimal", "value": 5.3e6, "funded": ["X-1", "X-2"]},
            "shortfall": -125_000.5,
            "exposure": pd.Series([64.0, -3.5], index=["X-1", "X-2"], name="p80_days_late"),
        },
        "02_portfolio_selection": {"results.funded_portfolio": funded, "selection.status": "optimal"},
        "03_schedule_risk": {"results.risk_by_project": risk, "page.decision": {"headline": "Hold 0.7 M."}},
    }
    return json.loads(json.dumps({nb: {k: to_jsonable(v) for k, v in vals.items()} for nb, vals in raw.items()}))


NAMES = {"project_id": {"X-1": "Customer platform", "X-2": "Substation", "X-3": "Data lake"}}


def test_numbers_to_tables_key_tables_first_then_published_then_numbers(numbers):
    tables = numbers_to_tables(numbers, NAMES)
    assert list(tables) == ["Funded portfolio", "Risk by project", "00.exposure", "numbers"]
    assert list(tables["00.exposure"].columns) == ["project_id", "p80_days_late"]  # index named from the ids
    assert pd.api.types.is_datetime64_any_dtype(tables["Risk by project"]["p80_finish"])  # dates come back
    num = tables["numbers"]
    row = num[(num["name"] == "shortfall")].iloc[0]
    assert row["number"] == -125_000.5 and pd.isna(row["text"])
    rec = num[num["name"] == "recommended"].set_index("item")
    assert rec.loc["value", "number"] == 5.3e6 and rec.loc["funded", "text"] == "X-1, X-2"
    assert "page.decision" not in set(num["name"])


def test_results_workbook_an_analyst_reuses(tmp_path, numbers):
    manifest = {"run_id": "20270101T000000Z-s1-abcdef", "status": "complete", "ended": "2027-01-01T00:01:00+00:00",
                "seed": 1, "parameters": {"seed": 1}, "git": {"commit": "abc", "dirty": True},
                "data": {"path": "/data/p", "files": {"projects.csv": "a" * 64, "budget.csv": "b" * 64}}}
    out = export_results(numbers, tmp_path / "results.xlsx", manifest, names=NAMES)
    assert out["tables"] == ["Funded portfolio", "Risk by project", "00.exposure", "numbers"]
    wb = openpyxl.load_workbook(out["xlsx"])
    # Contents first, then by page (00, 02, 03), the numbers, the column glossary
    assert wb.sheetnames == ["Contents", "exposure", "Funded portfolio", "Risk by project", "Numbers", "Columns"]
    cover = {r[0].value: r[1].value for r in wb["Contents"].iter_rows(min_row=3) if r[0].value}
    assert cover["Run"] == manifest["run_id"] and cover["Seed"] == "1"
    assert cover["Data fingerprint (SHA-256)"] == data_fingerprint(manifest["data"]["files"])
    assert cover["Record"].startswith("open the decision record")
    assert wb["Contents"]["B" + str(next(r[0].row for r in wb["Contents"].iter_rows() if r[0].value == "Record"))] \
        .hyperlink.target == "index.html"
    assert cover["00 Portfolio review"] == "Fund X-1 and X-2 for 3.3 M." and cover["03 Schedule risk"] == "Hold 0.7 M."
    assert "Top risks" in cover["Not in this record"]  # the key tables the notebooks did not publish
    assert cover["Funded portfolio"] == "Portfolio selection" or cover["Funded portfolio"].startswith("02")
    fp = wb["Funded portfolio"]
    heads = [c.value for c in fp[1]]
    # documented columns first, names beside ids, labels and units in headers, extra columns kept last
    assert heads == ["Project", "Project name", "Funded", "Start period", "Cost [£]", "Value [£]", "extra"]
    assert fp.freeze_panes == "B2" and list(fp.tables.values())[0].ref == "A1:G4"
    assert fp["B2"].value == "Substation" and fp["E2"].value == 1_250_000
    assert fp["E2"].number_format == '"£"#,##0;-"£"#,##0'
    assert fp["D4"].value is None and fp["C2"].value is True
    assert fp["A1"].comment is not None and "Project id" in fp["A1"].comment.text
    assert fp.column_dimensions["E"].width >= len("Cost [£]")
    rk = wb["Risk by project"]
    assert rk["C2"].is_date and rk["C2"].number_format == "yyyy-mm-dd"
    assert rk["E2"].value == 0.45 and rk["E2"].number_format == "0.0%"
    num = wb["Numbers"]
    heads = [c.value for c in num[1]]
    short = next(r for r in num.iter_rows(min_row=2) if r[1].value == "shortfall")
    assert heads == ["Page", "Published name", "Item", "Number", "Unit", "Text"]
    assert short[3].value == -125_000.5 and short[3].data_type == "n"  # a negative number is a number, not text
    assert all(h not in ("index", "0", 0) for ws in wb for h in [c.value for c in ws[1]])
    glossary = {(r[0].value, r[3].value): r for r in wb["Columns"].iter_rows(min_row=2)}
    cost = glossary[("Funded portfolio", "cost")]
    assert [c.value for c in cost[1:7]] == ["results.funded_portfolio", "Cost [£]", "cost", "Cost", "£", "money"]
    assert cost[7].value.startswith("Cost counted against the budget")
    csv_heads = (tmp_path / "results_csv" / "Funded_portfolio.csv").read_text().splitlines()[0]
    assert csv_heads.startswith("project_id,project_name,selected,start_period [period],cost [currency]")


def test_results_files_follow_the_umask(tmp_path, numbers):
    old = os.umask(0o022)
    try:
        out = export_results(numbers, tmp_path / "results.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out["xlsx"].stat().st_mode) == 0o644
    assert {stat.S_IMODE(p.stat().st_mode) for p in out["csv"]} == {0o644}
    old = os.umask(0o077)
    try:
        private = export_results(numbers, tmp_path / "private" / "results.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(private["xlsx"].stat().st_mode) == 0o600


def test_no_cover_without_a_manifest_and_nothing_without_numbers(tmp_path, numbers):
    out = export_results(numbers, tmp_path / "r.xlsx", csv=False)
    assert openpyxl.load_workbook(out["xlsx"]).sheetnames[:2] == ["Contents", "exposure"] and out["csv"] == []
    assert export_results({"00_x": {}}, tmp_path / "none.xlsx") == {}
    assert not (tmp_path / "none.xlsx").exists()


def test_lists_and_dicts_in_cells_are_text_not_json(tmp_path):
    df = pd.DataFrame({"project_id": ["X-1"], "risks": [["R-1", "R-2"]], "by": [{"a": 1}]})
    ws = openpyxl.load_workbook(export_excel({"t": df}, tmp_path / "x.xlsx"))["t"]
    assert [ws["B2"].value, ws["C2"].value] == ["R-1, R-2", "a: 1"]


def test_key_tables_are_documented_with_defined_columns():
    from pmo_analytics.tables.columns import known

    assert [k.name for k in KEY_TABLES] == ["results.funded_portfolio", "results.risk_by_project", "results.top_risks",
                                            "results.evm_by_project", "results.escalations", "results.benefits"]
    for k in KEY_TABLES:
        assert all(known(c) for c in k.columns), (k.name, [c for c in k.columns if not known(c)])


def test_cover_fingerprint_is_order_independent():
    assert data_fingerprint({"a": "1", "b": "2"}) == data_fingerprint({"b": "2", "a": "1"})
    assert data_fingerprint({"a": "1"}) != data_fingerprint({"a": "2"})
    cover = cover_from_manifest({"data": {"files": {}, "fingerprint": "given"}})
    assert cover["fingerprint"] == "given"
