"""Data model, readers and validation (pmo_analytics.tables)."""

from __future__ import annotations

import hashlib
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pmo_analytics as pmo
from pmo_analytics.exceptions import DataValidationError, DataWarning, MissingTableError
from pmo_analytics.tables import (TABLES, find_cycle, parse_predecessors, read_portfolio, schema,
                                  topological_order, validate_path)
from pmo_analytics.tables import readers

from .conftest import BAD, MINIMAL, assemble_bad

# case -> (regex the message must contain, source file, row as the user sees it, column)
BAD_CASES = {
    "missing_required_table": (r"required table is missing", "budget.csv", None, None),
    "missing_column": (r"required column is missing", "projects.csv", None, "estimated_cost"),
    "negative_duration": (r"expected >= 0, got -2", "activities.csv", 3, "min_duration"),
    "min_above_most_likely": (r"min_duration <= most_likely <= max_duration, got 12 / 10 / 15", "activities.csv", 4,
                              "most_likely"),
    "most_likely_above_max": (r"got 3 / 9 / 6", "activities.csv", 5, "most_likely"),
    "activity_cycle": (r"cycle in the network of A1: X1 -> X2 -> X1", "activities.csv", 3, "predecessors"),
    "unknown_project_in_scores": (r"unknown project id 'P9'", "scores.csv", 7, "project_id"),
    "duplicate_project_id": (r"duplicate value 'P1'", "projects.csv", 3, "project_id"),
    "probability_above_one": (r"expected <= 1, got 1.5", "projects.csv", 2, "probability_of_success"),
    "risk_probability_negative": (r"expected >= 0, got -0.3", "risks.csv", 2, "probability"),
    "negative_cost": (r"expected >= 0, got -200", "costs.csv", 3, "cost"),
    "negative_capacity": (r"expected >= 0, got -3", "capacity.csv", 3, "fte"),
    "unknown_stage": (r"expected one of \['proposal', 'active', 'closed'\], got 'approved'", "projects.csv", 3,
                      "stage"),
    "not_a_number": (r"expected a number, got '12k'", "projects.csv", 4, "estimated_cost"),
    # issue 32: no such day is "not a date", never "ambiguous"
    "impossible_date": (r"expected a date \(YYYY-MM-DD\), got '2026-02-30': 2026-02-30 is not a date "
                        r"\(February 2026 has 28 days\)", "work_items.csv", 3, "started"),
    "not_a_boolean": (r"expected true or false, got 'maybe'", "projects.csv", 2, "mandatory"),
    "dependency_cycle": (r"cycle of 'precedes' dependencies: P1 precedes P2 precedes P3 precedes P1",
                         "dependencies.csv", None, "type"),
    "unknown_predecessor": (r"unknown predecessor 'X7' of activity X3", "activities.csv", 5, "predecessors"),
    "bad_link_type": (r"cannot read predecessor 'X1:XS\+2'", "activities.csv", 5, "predecessors"),
    "risk_unknown_activity": (r"unknown activity id\(s\) of A1: Y9", "risks.csv", 2, "affected_activities"),
    "cost_beyond_duration": (r"offset 5 is beyond the 2-period duration of P2", "costs.csv", 5, "period_offset"),
    "latest_before_earliest": (r"latest_start 1 is before earliest_start 2", "projects.csv", 4, "latest_start"),
    "budget_gap": (r"periods must run 1..4 without gaps; missing \[3\]", "budget.csv", None, "period"),
    "path_like_id": (r"invalid id '../../etc/passwd'", "projects.csv", 4, "project_id"),
    "binary_file": (r"not a text CSV file", "projects.csv", None, None),
    "unknown_criterion": (r"unknown criterion 'velocity'", "scores.csv", 5, "criterion"),
    "finished_before_started": (r"finished 2026-01-02 is before started 2026-01-06", "work_items.csv", 2,
                                "finished"),
    "duplicate_score": (r"duplicate row for project_id=P2, criterion=fit", "scores.csv", 5, None),
    "pv_decreasing": (r"cumulative PV of A1 decreases in period 3", "status.csv", 4, "pv"),
    "unknown_dependency_type": (r"got 'blocks'", "dependencies.csv", 3, "type"),
    "malformed_csv": (r"cannot parse CSV", "criteria.csv", None, None),
    "skill_not_in_capacity": (r"unknown skill \(not in capacity\) 'QA'", "demand.csv", 4, "skill"),
    "missing_score": (r"proposal P3 has no score for value", "scores.csv", None, "score"),
    "self_dependency": (r"project P3 depends on itself", "dependencies.csv", 2, "other_project_id"),
    # issue 14: careless and hostile input
    "day_first_date": (r"got '05/01/2026': the order of day and month is ambiguous", "projects.csv", 5, "start_date"),
    "date_word_today": (r"got 'today': write the date itself", "work_items.csv", 3, "started"),
    "mixed_date_formats": (r"the column mixes date formats: '2026-01-06' is YYYY-MM-DD while row 2 is DD/MM/YYYY",
                           "work_items.csv", 3, "created"),
    "serial_number_date": (r"expected a date \(YYYY-MM-DD\), got '46203'", "support.csv", 2, "period_end"),
    "date_out_of_range": (r"date 9999-01-09 is outside 1900-01-01 .. 2199-12-31", "work_items.csv", 2, "finished"),
    "invalid_settings": (r"unknown setting — did you mean 'date_format'\?", "review.toml", 2, "data.date_fromat"),
    "huge_budget_period": (r"expected <= 1200, got 2000000000 \(period limit", "budget.csv", 5, "period"),
    "huge_duration_periods": (r"expected <= 1200, got 100000000", "projects.csv", 2, "duration_periods"),
    "huge_activity_duration": (r"expected <= 25000, got 1e308", "activities.csv", 3, "max_duration"),
    "integer_overflow": (r"expected <= 1e\+09, got 99999999999999999999", "support.csv", 2, "incidents"),
    "not_finite": (r"expected a number, got 'inf'", "costs.csv", 4, "cost"),
    "huge_lag": (r"lag of X1:SS\+1e\+06 is beyond the limit of 25000 working days", "activities.csv", 5,
                 "predecessors"),
    "excel_error_in_csv": (r"the cell holds the error value #N/A", "projects.csv", 3, "business_unit"),
    "decimal_comma_locale": (r"got '0,8': use '.' as the decimal point", "projects.csv", 3, "probability_of_success"),
    "thousands_separator": (r"got '1,500': use '.' as the decimal point and no thousands separators", "costs.csv", 8,
                            "cost"),
    "utf16_bom_export": (r"expected >= 0, got -200", "costs.csv", 3, "cost"),
    "duplicate_column": (r"column appears more than once \(field 3 and field 4\)", "costs.csv", None, "cost"),
    "misspelt_required_column": (r"required column is missing", "projects.csv", None, "estimated_cost"),
    "extra_fields_row": (r"the row has 18 values but the header has 17 columns", "projects.csv", 5, None),
    "empty_required_table": (r"required table has no rows", "budget.csv", None, None),
    "link_outside_folder": (r"is a link to /etc/passwd, outside the data folder: not read", "projects.csv", None,
                            None),
    "fifo_table": (r"is a named pipe \(FIFO\), not a regular file: not read", "risks.csv", None, None),
    "folder_named_like_table": (r"is a folder, not a regular file", "costs.csv", None, None),
    "stale_dimension": (r"got '31/03/2026': the order of day and month is ambiguous", "portfolio.xlsx[projects]", 5,
                        "committed_finish"),
    "corrupt_sheet_xml": (r"cannot read the sheet, the workbook is corrupt", "portfolio.xlsx[risks]", None, None),
    "bad_crc": (r"cannot read the sheet, the workbook is corrupt: Bad CRC-32", "portfolio.xlsx[risks]", None, None),
    "formula_without_value": (r"formula =100\+200 has no calculated value", "portfolio.xlsx[projects]", 2,
                              "estimated_cost"),
    "cached_error_value": (r"the cell holds the error value #DIV/0!", "portfolio.xlsx[projects]", 3, "business_unit"),
    # issue 32: one sentence for an empty file (not one per missing column), a link loop without "[Errno 40]",
    # a misspelt section refused
    "empty_table_file": (r"the file is empty \(not even a header row\)", "risks.csv", None, None),
    "symlink_loop": (r"is a link that leads back to itself \(a loop of symbolic links\): not read", "risks.csv",
                     None, None),
    "misspelt_review_section": (r"unknown section \[reveiw\] — did you mean \[review\]\?", "review.toml", 2,
                                "reveiw"),
    "template_only": (r"required table has no rows \(only an example row, which is ignored\)",
                      "portfolio.xlsx[projects]", None, None),
}


def _tree_hash(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if f.is_file() and not f.is_symlink():
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_every_bad_case_folder_has_an_expectation():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_CASES)
    assert len(BAD_CASES) >= 20


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_rejected_with_a_specific_message(case, tmp_path):
    pattern, source, row, column = BAD_CASES[case]
    folder = assemble_bad(case, tmp_path / case)
    before = _tree_hash(folder)
    with pytest.raises(DataValidationError, match=pattern) as info:
        read_portfolio(folder)
    matching = [p for p in info.value.problems if __import__("re").search(pattern, str(p))]
    assert matching, info.value.problems
    p = matching[0]
    assert (p.source, p.row, p.column) == (source, row, column)
    assert _tree_hash(folder) == before  # input never modified


@pytest.mark.parametrize("case", ["empty_table_file", "symlink_loop", "impossible_date", "misspelt_review_section"])
def test_issue_32_wording_cases_say_one_thing_once(case, tmp_path):
    """An empty risks.csv gave 22 "required column is missing" lines, a link loop a raw [Errno 40], 2026-02-30
    "day and month ambiguous": each is now one problem, in words, naming the file."""
    folder = assemble_bad(case, tmp_path / case)
    problems = validate_path(folder)
    assert len(problems) == 1, problems
    text = str(problems[0])
    assert "Errno" not in text and "ambiguous" not in text and "required column" not in text


def test_all_zero_duration_schedule_is_accepted_with_a_note(tmp_path):
    """Issue 32: a schedule whose every duration is 0 was accepted without a word."""
    folder = Path(shutil.copytree(MINIMAL, tmp_path / "zero"))
    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    acts.loc[acts["project_id"] == "A1", ["min_duration", "most_likely", "max_duration"]] = "0"
    acts.to_csv(folder / "activities.csv", index=False)
    with pytest.warns(DataWarning, match=r"activities.csv: every activity of A1 \(5 activities\) has zero duration"):
        pf = read_portfolio(folder)
    assert (pf.activities["most_likely"] == 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        read_portfolio(MINIMAL)  # a schedule with durations: no note


def test_minimal_portfolio_reads_with_typed_columns():
    pf = read_portfolio(MINIMAL)
    assert repr(pf) == "Portfolio('minimal': 4 projects (1 active, 3 proposal), 16 tables)"
    p = pf.projects.set_index("project_id")
    assert p.loc["P2", "mandatory"] == False  # "no" is read as false  # noqa: E712
    assert p.loc["P3", "mandatory"] == True  # "TRUE"  # noqa: E712
    assert str(pf.projects["earliest_start"].dtype) == "Int64"
    assert pf.projects["start_date"].dtype.kind == "M"
    assert pd.isna(p.loc["P3", "sponsor"])
    assert pf.periods == [1, 2, 3, 4]
    links = pf.links.set_index("successor")
    assert links.loc["X3", ["predecessor", "type", "lag"]].tolist() == ["X1", "SS", 2.0]
    assert links.loc["F"].sort_values("predecessor")["type"].tolist() == ["FS", "FF"]
    assert pf.has("risks")


def test_sample_hashes_identify_the_input_files():
    pf = read_portfolio(MINIMAL)
    from pmo_analytics.tables.rules import RULE_TABLES

    # the tables, and the governance rules read with them (bundled here), identify the data
    assert set(pf.hashes) == {f.name for f in MINIMAL.glob("*.csv")} | {f"rules/{n}.csv" for n in RULE_TABLES}
    assert pf.hashes["projects.csv"] == hashlib.sha256((MINIMAL / "projects.csv").read_bytes()).hexdigest()


def test_optional_tables_may_be_absent(minimal_dir):
    for name in ("activities", "risks", "status", "work_items", "benefits", "support", "history", "demand",
                 "capacity", "dependencies", "pairwise"):
        (minimal_dir / f"{name}.csv").unlink()
    pf = read_portfolio(minimal_dir)
    assert pf.activities is None and not pf.has("risks")
    assert pf.links.empty


def test_all_required_tables_missing_names_each(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingTableError) as info:
        read_portfolio(tmp_path / "empty")
    missing = {p.table for p in info.value.problems}
    assert missing == {"projects", "costs", "budget"}  # criteria and scores only for intake scoring


def test_validation_is_lazy_and_reports_every_problem(tmp_path):
    folder = assemble_bad("negative_cost", tmp_path / "x")
    (folder / "projects.csv").write_text((BAD / "unknown_stage" / "projects.csv").read_text())
    problems = validate_path(folder)
    text = "\n".join(map(str, problems))
    assert "got 'approved'" in text and "got -200" in text


def test_nonexistent_path():
    with pytest.raises(MissingTableError, match="no such file or folder"):
        read_portfolio("/nonexistent/portfolio")


def test_wrong_kind_of_file(tmp_path):
    f = tmp_path / "portfolio.json"
    f.write_text("{}")
    with pytest.raises(DataValidationError, match="expected a folder of CSV files or an .xlsx workbook"):
        read_portfolio(f)


def test_file_over_the_size_limit_fails_before_parsing(minimal_dir, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    with pytest.raises(DataValidationError, match=r"projects.csv: file is .* larger than the"):
        read_portfolio(minimal_dir)


def test_cp1252_csv_is_read_with_a_warning(minimal_dir):
    text = (minimal_dir / "projects.csv").read_text().replace("Alpha", "Café")
    (minimal_dir / "projects.csv").write_bytes(text.encode("cp1252"))
    with pytest.warns(DataWarning, match="not UTF-8"):
        pf = read_portfolio(minimal_dir)
    assert "Café" in set(pf.projects["name"])


def test_unknown_csv_is_ignored_with_a_warning(minimal_dir):
    (minimal_dir / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.warns(DataWarning, match="notes.csv: not a pmo_analytics table"):
        read_portfolio(minimal_dir)


def test_cost_profile_mismatch_is_a_warning_not_an_error(minimal_dir):
    text = (minimal_dir / "costs.csv").read_text().replace("P1,1,200", "P1,1,250")
    (minimal_dir / "costs.csv").write_text(text)
    with pytest.warns(DataWarning, match="profile of P1 sums to 350, estimated_cost is 300"):
        read_portfolio(minimal_dir)


def test_csv_formula_text_is_data_not_code(minimal_dir):
    text = (minimal_dir / "projects.csv").read_text().replace("Alpha", "\"=HYPERLINK(\"\"http://x\"\")\"")
    (minimal_dir / "projects.csv").write_text(text)
    pf = read_portfolio(minimal_dir)
    assert pf.projects.loc[0, "name"] == '=HYPERLINK("http://x")'


# ---------------------------------------------------------------- Excel
def _write_workbook(folder: Path, out: Path, edit=None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for f in sorted(folder.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        ws = wb.create_sheet(f.stem)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([_excel_value(v) for v in row])
    if edit:
        edit(wb)
    wb.save(out)
    return out


def _excel_value(v: str):
    if v == "":
        return None
    try:
        f = float(v)
        return int(f) if f.is_integer() and "." not in v else f
    except ValueError:
        return v


@pytest.mark.slow
def test_workbook_reads_like_the_csv_folder(tmp_path):
    xlsx = _write_workbook(MINIMAL, tmp_path / "portfolio.xlsx")
    a, b = read_portfolio(MINIMAL), read_portfolio(xlsx)
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=False, obj=name)
    assert b.sources["projects"] == "portfolio.xlsx[projects]"
    assert [k for k in b.hashes if not k.startswith("rules/")] == ["portfolio.xlsx"]


def test_workbook_problems_name_the_sheet(tmp_path):
    def edit(wb):
        wb["costs"]["C3"] = -5

    xlsx = _write_workbook(MINIMAL, tmp_path / "p.xlsx", edit)
    with pytest.raises(DataValidationError, match=r"p.xlsx\[costs\], row 3, column 'cost': expected >= 0, got -5"):
        read_portfolio(xlsx)


def test_excel_formulas_are_never_evaluated(tmp_path):
    def edit(wb):
        wb["projects"]["H2"] = "=100+200"  # estimated_cost of P1, a formula with no cached value

    xlsx = _write_workbook(MINIMAL, tmp_path / "f.xlsx", edit)
    # openpyxl wrote no cached value: the cell is reported as such, never evaluated to 300
    with pytest.raises(DataValidationError, match=r"row 2, column 'estimated_cost': formula =100\+200 has no "
                                                  r"calculated value stored"):
        read_portfolio(xlsx)


def test_not_a_zip_workbook(tmp_path):
    f = tmp_path / "fake.xlsx"
    f.write_text("project_id\nP1\n")
    with pytest.raises(DataValidationError, match="not an .xlsx workbook"):
        read_portfolio(f)


def test_zip_bomb_guard(tmp_path, monkeypatch):
    xlsx = _write_workbook(MINIMAL, tmp_path / "p.xlsx")
    monkeypatch.setattr(readers, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(DataValidationError, match="workbook expands to"):
        read_portfolio(xlsx)


@pytest.mark.slow
def test_template_round_trip(tmp_path):
    from openpyxl import load_workbook

    out = pmo.write_template(tmp_path / "template.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "README"
    assert set(wb.sheetnames[1:]) == set(TABLES)
    readme = [r for r in wb["README"].iter_rows(values_only=True)]
    documented = {(r[0], r[2]) for r in readme[4:]}
    for t in TABLES.values():
        assert [c.value for c in wb[t.name][1]] == t.column_names
        assert {(t.name, c) for c in t.column_names} <= documented
    row = next(r for r in readme if r[0] == "projects" and r[2] == "stage")
    assert "one of proposal, active, closed" in row[6]
    with pytest.raises(FileExistsError):
        pmo.write_template(out)
    # filling the template's sheets with the minimal data gives a valid portfolio
    for f in MINIMAL.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        ws = wb[f.stem]
        for r in df.itertuples(index=False):
            ws.append([_excel_value(v) for v in r])
    wb.save(tmp_path / "filled.xlsx")
    assert read_portfolio(tmp_path / "filled.xlsx").projects["project_id"].tolist() == ["P1", "P2", "P3", "A1"]


# ---------------------------------------------------------------- schema and graph helpers
def test_schema_documents_units_and_types():
    s = schema("activities")
    assert s.columns["min_duration"].title == "days"
    assert "[" not in s.columns["cost_rate"].description
    assert TABLES["capacity"].column("fte").unit == "FTE"


@pytest.mark.parametrize("text, expected", [
    ("A", [("A", "FS", 0.0)]),
    ("A:SS", [("A", "SS", 0.0)]),
    ("A:ff+3; B:SF-1.5", [("A", "FF", 3.0), ("B", "SF", -1.5)]),
    (" A : SS + 2 ;B", [("A", "SS", 2.0), ("B", "FS", 0.0)]),
    ("", []),
    (None, []),
])
def test_parse_predecessors(text, expected):
    assert parse_predecessors(text) == expected


@pytest.mark.parametrize("text", ["A:XX", "A+3", "A:FS+", "A B"])
def test_parse_predecessors_rejects(text):
    with pytest.raises(ValueError, match="cannot read predecessor"):
        parse_predecessors(text)


def test_find_cycle_and_topological_order():
    assert find_cycle([(1, 2), (2, 3)]) is None
    cyc = find_cycle([(1, 2), (2, 3), (3, 1), (3, 4)])
    assert cyc[0] == cyc[-1] and set(cyc) == {1, 2, 3}
    assert topological_order([3, 2, 1], [(1, 2), (2, 3)]) == [1, 2, 3]
    assert topological_order([1, 2], [(1, 2), (2, 1)]) is None
    # a long chain does not hit a recursion limit
    n = 20_000
    assert find_cycle([(i, i + 1) for i in range(n)]) is None
