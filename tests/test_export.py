"""Export of result tables to Excel and CSV (pmo_analytics.records.export)."""

import csv

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
    ws = openpyxl.load_workbook(out).worksheets[0]
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
    assert len(wb.sheetnames) == 2
    ws = wb[wb.sheetnames[0]]
    heads = [c.value for c in ws[1]]
    # the index is written as the first column; units from the result dictionary
    assert heads == ["activity_id", "duration [days]", "early_start [days]", "critical"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "B2"  # header row and index column frozen
    assert ws["A2"].value == "A010" and ws["B3"].value == 3.0
    assert ws.column_dimensions["B"].width >= len("duration [days]")
    ev = wb["evm"]
    heads = [c.value for c in ev[1]]
    assert heads == ["project_id", "pv [currency]", "cpi [ratio]", "period_end", "note"]
    assert ev.freeze_panes == "B2"  # header row and the id column frozen
    assert ev["B2"].value == 1_250_000 and ev["B2"].number_format == "#,##0"
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
    assert rows[0] == ["project_id", "pv [currency]", "cpi", "period_end", "note"]
    assert rows[1][3] == "2026-03-31"
    assert rows[1][4].startswith("'=") and rows[2][4] == "'+1 overrun"
    assert rows[1][0] == "A-101"  # ids are not text that starts with a formula character


def test_export_tables_writes_both_and_replaces_atomically(tmp_path, tables):
    res = export_tables(tables, tmp_path / "out" / "results.xlsx")
    assert res["xlsx"].is_file() and len(res["csv"]) == 2
    assert (tmp_path / "out" / "results_csv").is_dir()
    again = export_tables({"one": pd.DataFrame({"x": [1]})}, tmp_path / "out" / "results.xlsx", csv=False)
    assert openpyxl.load_workbook(again["xlsx"]).sheetnames == ["one"]
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
