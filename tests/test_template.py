"""The input template (pmo_analytics.tables.template): template -> validate, README = validator."""

from __future__ import annotations

import os
import re
import sys
import warnings

import pandas as pd
import pytest

from pmo_analytics.exceptions import DataValidationError
from pmo_analytics.tables import TABLES, column_docs, read_portfolio, validate_path, write_template
from pmo_analytics.tables.checks import row_problems, schema_problems
from pmo_analytics.tables.readers import EXAMPLE_PREFIX, _coerce
from pmo_analytics.tables.template import example_row


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("t") / "t.xlsx")


@pytest.fixture(scope="module")
def workbook(template):
    from openpyxl import load_workbook

    return load_workbook(template)


def test_blank_template_validates_with_clear_messages(template):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problems = [str(p) for p in validate_path(template)]
    assert problems == [f"t.xlsx[{t}]: required table has no rows (only an example row, which is ignored)"
                        for t in ("projects", "costs", "budget")]
    assert any("example row(s) ignored" in str(w.message) for w in caught)


def test_template_without_optional_sheets_is_not_valid(template, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(template)
    for name in [n for n in wb.sheetnames if n in TABLES and not TABLES[n].required]:
        del wb[name]
    wb.save(tmp_path / "required_only.xlsx")
    with pytest.raises(DataValidationError, match="required table has no rows"):
        read_portfolio(tmp_path / "required_only.xlsx")


def test_readme_sheet_is_generated_from_the_validators_spec(workbook):
    rows = list(workbook["README"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[:3] == ("table", "table_required", "column"))
    documented = pd.DataFrame([list(r[:8]) for r in rows[start + 1:]], columns=list(rows[start][:8])).fillna("")
    expected = column_docs().fillna("")
    pd.testing.assert_frame_equal(documented, expected, check_dtype=False)
    intro = " ".join(str(r[0]) for r in rows[:start] if r[0])
    assert "projects, costs, budget" in intro
    assert f"first cell starts with {EXAMPLE_PREFIX} are ignored" in intro
    assert "YYYY-MM-DD" in intro and "--date-format" in intro


NUMERIC = [(t.name, c) for t in TABLES.values() for c in t.columns if c.dtype in ("int", "float")]


@pytest.mark.parametrize("table, col", NUMERIC, ids=[f"{t}.{c.name}" for t, c in NUMERIC])
def test_each_documented_bound_is_what_the_validator_enforces(table, col):
    text = col.allowed_text()
    hi = float(re.search(r"<= ([-+0-9.e]+)", text).group(1))
    m = re.search(r"(>=|>) ([-+0-9.e]+)", text)
    op, lo = m.group(1), float(m.group(2))
    inside = [hi, lo if op == ">=" else None]
    outside = [hi + max(1, abs(hi) * 1e-6), lo - max(1, abs(lo) * 1e-6) if op == ">=" else lo]
    values = [v for v in inside if v is not None] + outside
    df = pd.DataFrame({col.name: [repr(float(v)) if col.dtype == "float" else str(int(v)) for v in values]},
                      dtype=object)
    spec = TABLES[table]
    _, problems, _ = _coerce(df, spec, "x.csv")
    bad_rows = sorted(p.row - 2 for p in problems)
    assert bad_rows == list(range(len(values) - len(outside), len(values))), (text, problems)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_each_sheet_has_a_marked_example_row_that_is_valid_once_unmarked(workbook, table):
    spec = TABLES[table]
    ws = workbook[table]
    assert [c.value for c in ws[1]] == spec.column_names
    assert str(ws.cell(2, 1).value).startswith(EXAMPLE_PREFIX)
    row = example_row(spec, marked=False)
    df = pd.DataFrame([{k: v for k, v in row.items()}], dtype=object)
    typed, problems, reported = _coerce(df, spec, f"{table}.csv")
    typed.attrs["reported"] = reported
    problems += schema_problems(table, typed, f"{table}.csv") + row_problems(table, typed, f"{table}.csv")
    assert problems == []


def test_dropdowns_offer_exactly_the_allowed_values(workbook):
    from openpyxl.utils import get_column_letter

    for t in TABLES.values():
        ws = workbook[t.name]
        by_col = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                by_col[get_column_letter(rng.min_col)] = dv
        for i, c in enumerate(t.columns, start=1):
            dv = by_col[get_column_letter(i)]
            assert dv.prompt.startswith(c.description[:50])
            if c.allowed or c.dtype == "bool":
                assert dv.type == "list"
                assert dv.formula1.strip('"').split(",") == [str(a) for a in (c.allowed or ("true", "false"))]
            elif c.dtype in ("int", "float"):
                lo, hi = c.bounds
                assert (dv.type, float(dv.formula1), float(dv.formula2)) == (
                    "whole" if c.dtype == "int" else "decimal", lo, hi)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_template_is_created_with_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = write_template(tmp_path / "t.xlsx")
    finally:
        os.umask(old)
    assert os.stat(out).st_mode & 0o777 == 0o644
