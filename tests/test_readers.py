"""The reader at the package boundary (pmo_analytics.tables.readers): careless and hostile input.

Each test builds its input from the hand-written minimal portfolio (not the bundled sample) and
checks the exact file, row and column named, so a message that points to the wrong cell fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pmo_analytics.exceptions import DataValidationError, DataWarning
from pmo_analytics.tables import read_portfolio, validate_path
from pmo_analytics.tables.readers import InputRefused, read_input_file

from .conftest import MINIMAL

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs as on POSIX")


def _problems(path, **kw) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [str(p) for p in validate_path(path, **kw)]


def _one(problems: list[str], pattern: str) -> str:
    hits = [p for p in problems if re.search(pattern, p)]
    assert len(hits) == 1, problems
    return hits[0]


def _set(folder: Path, table: str, text: str) -> Path:
    (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return folder


WORK_ITEMS = "item_id,project_id,type,created,started,finished\n"


# ---------------------------------------------------------------------------------------------- dates
@pytest.mark.slow
def test_iso_dates_are_read_by_default(minimal_dir):
    pf = read_portfolio(minimal_dir)
    a1 = pf.projects.set_index("project_id").loc["A1"]
    assert (a1["start_date"], a1["committed_finish"]) == (pd.Timestamp("2026-01-05"), pd.Timestamp("2026-03-31"))


@pytest.mark.slow
def test_day_first_date_is_never_guessed(minimal_dir):
    # 05/01/2026 used to become 2026-05-01 while 25/01/2026 became 2026-01-25
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,05/01/2026,25/01/2026,\n")
    problems = _problems(minimal_dir)
    assert _one(problems, "'05/01/2026'").startswith("work_items.csv, row 2, column 'created': expected a date "
                                                     "(YYYY-MM-DD), got '05/01/2026': the order of day and month "
                                                     "is ambiguous")
    _one(problems, r"row 2, column 'started'.*'25/01/2026'")


@pytest.mark.slow
@pytest.mark.parametrize("fmt, expected", [("DD/MM/YYYY", "2026-01-05"), ("MM/DD/YYYY", "2026-05-01"),
                                           ("%d/%m/%Y", "2026-01-05")])
def test_declared_date_format_decides_day_and_month(minimal_dir, fmt, expected):
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,05/01/2026,,\n")
    pf = read_portfolio(minimal_dir, date_format=fmt)
    assert pf.work_items.loc[0, "created"] == pd.Timestamp(expected)


@pytest.mark.slow
def test_declared_format_still_refuses_impossible_dates(minimal_dir):
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,25/01/2026,,\n")
    problems = _problems(minimal_dir, date_format="MM/DD/YYYY")
    assert _one(problems, "25/01/2026") == ("work_items.csv, row 2, column 'created': expected a date written "
                                            "MM/DD/YYYY (the declared date format) or YYYY-MM-DD, got '25/01/2026': "
                                            "25/01/2026 is not a date in the declared format MM/DD/YYYY (there is "
                                            "no month 25)")


@pytest.mark.slow
def test_review_toml_beside_the_data_declares_the_format(minimal_dir):
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,05/01/2026,,\n")
    (minimal_dir / "review.toml").write_text('[data]\ndate_format = "DD/MM/YYYY"\n\n[review]\nconfidence = 90\n')
    pf = read_portfolio(minimal_dir)
    assert pf.work_items.loc[0, "created"] == pd.Timestamp("2026-01-05")
    assert "review.toml" in pf.hashes  # it changes how the data read: part of the fingerprint


@pytest.mark.slow
def test_explicit_format_overrides_review_toml_with_a_warning(minimal_dir):
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,05/01/2026,,\n")
    (minimal_dir / "review.toml").write_text('[data]\ndate_format = "DD/MM/YYYY"\n')
    with pytest.warns(DataWarning, match="date format MM/DD/YYYY given overrides DD/MM/YYYY of review.toml"):
        pf = read_portfolio(minimal_dir, date_format="MM/DD/YYYY")
    assert pf.work_items.loc[0, "created"] == pd.Timestamp("2026-05-01")


@pytest.mark.slow
def test_a_column_mixing_formats_is_an_error_but_iso_columns_stay_readable(minimal_dir):
    _set(minimal_dir, "work_items", WORK_ITEMS + "W1,A1,story,05/01/2026,2026-01-06,\nW2,A1,story,2026-01-07,,\n")
    problems = _problems(minimal_dir, date_format="DD/MM/YYYY")
    assert problems == ["work_items.csv, row 3, column 'created': the column mixes date formats: '2026-01-07' is "
                        "YYYY-MM-DD while row 2 is DD/MM/YYYY ('05/01/2026'); use one format per column"]


@pytest.mark.slow
@pytest.mark.parametrize("word", ["today", "now", "Today", "tomorrow", "TBD"])
def test_words_are_not_dates(minimal_dir, word):
    for fmt in (None, "DD/MM/YYYY"):
        _set(minimal_dir, "work_items", WORK_ITEMS + f"W1,A1,story,{word},,\n")
        _one(_problems(minimal_dir, date_format=fmt), rf"row 2, column 'created': expected a date.*got '{word}'")


def test_invalid_date_format_is_a_value_error(minimal_dir):
    with pytest.raises(ValueError, match="four-digit year"):
        read_portfolio(minimal_dir, date_format="DD/MM/YY")


@pytest.mark.slow
def test_excel_date_cells_are_dates_whatever_the_declared_format(tmp_path):
    from openpyxl import Workbook

    from .test_tables import _write_workbook

    def edit(wb):
        import datetime as dt

        wb["work_items"]["D2"] = dt.datetime(2026, 1, 5)  # a real Excel date
        wb["work_items"]["E2"] = 46028  # a serial number in a General cell: not silently 1970
        wb["work_items"]["F2"] = None

    assert Workbook  # openpyxl is installed
    xlsx = _write_workbook(MINIMAL, tmp_path / "p.xlsx", edit)
    problems = _problems(xlsx, date_format="DD/MM/YYYY")
    assert problems == ["p.xlsx[work_items], row 2, column 'started': expected a date, got the number 46028: "
                        "format the cell as a date (or write YYYY-MM-DD)"]


# ---------------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("value, message", [
    ("99999999999999999999", "expected <= 1200, got 99999999999999999999 (periods limit of the data model)"),
    ("-9223372036854775809", "expected >= 1, got -9223372036854775809"),
    ("1e400", "expected a whole number, got '1e400'"),
    ("nan", "expected a whole number, got 'nan'"),
    ("2.5", "expected a whole number, got 2.5"),
    ('"1,5"', "expected a whole number, got '1,5': use '.' as the decimal point and no thousands separators "
              "(e.g. 1234.5)"),
])
@pytest.mark.slow
def test_integers_never_overflow_or_wrap(minimal_dir, value, message):
    text = (MINIMAL / "projects.csv").read_text().replace("IT,300,500,3,0.8,1,2,2,", f"IT,300,500,3,0.8,1,2,{value},")
    (minimal_dir / "projects.csv").write_text(text)
    problems = _problems(minimal_dir)
    assert f"projects.csv, row 2, column 'duration_periods': {message}" in problems, problems
    assert not any("-9223372036854775808" in p for p in problems)  # never wrapped round


def test_values_at_the_domain_limit_are_read(minimal_dir):
    _set(minimal_dir, "budget", "period,budget\n1,1e15\n2,300\n3,300\n4,300\n")
    pf = read_portfolio(minimal_dir)
    assert pf.budget.loc[0, "budget"] == 1e15


def test_the_budget_gap_check_never_builds_a_huge_range(minimal_dir):
    # a valid-looking 1200-period horizon with only 4 periods given: a clear message, no 1..H set
    _set(minimal_dir, "budget", "period,budget\n1,300\n2,300\n3,300\n1200,300\n")
    _one(_problems(minimal_dir), r"budget.csv, column 'period': periods must run 1..1200 without gaps; missing "
                                 r"\[4, 5, 6, 7, 8, 9, 10, 11, 12, 13\] and 1186 more")


# ---------------------------------------------------------------------------------------------- columns
def test_duplicate_column_is_an_error_even_after_normalising_case_and_spaces(minimal_dir):
    text = (MINIMAL / "costs.csv").read_text().replace("project_id,period_offset,cost", "project_id,period_offset,"
                                                       "cost, COST ")
    text = "\n".join(line + (",1" if i else "") for i, line in enumerate(text.strip().splitlines())) + "\n"
    (minimal_dir / "costs.csv").write_text(text)
    assert _problems(minimal_dir) == ["costs.csv, column 'cost': column appears more than once (field 3 and field 4):"
                                      " keep one"]


@pytest.mark.slow
def test_misspelt_optional_column_warns_with_the_closest_name(minimal_dir):
    text = (MINIMAL / "projects.csv").read_text().replace("committed_finish", "commited_finish")
    (minimal_dir / "projects.csv").write_text(text)
    with pytest.warns(DataWarning, match=r"projects.csv: column 'commited_finish' is not part of the projects table "
                                         r"and is not used — did you mean 'committed_finish'\?"):
        pf = read_portfolio(minimal_dir)
    assert "committed_finish" not in pf.projects.columns


@pytest.mark.slow
def test_unknown_column_far_from_any_name_warns_without_a_suggestion(minimal_dir):
    text = (MINIMAL / "criteria.csv").read_text().splitlines()
    (minimal_dir / "criteria.csv").write_text("\n".join([text[0] + ",zzz"] + [r + ",1" for r in text[1:]]) + "\n")
    with pytest.warns(DataWarning) as rec:
        read_portfolio(minimal_dir)
    msg = next(str(w.message) for w in rec if "zzz" in str(w.message))
    assert msg == "criteria.csv: column 'zzz' is not part of the criteria table and is not used"


@pytest.mark.slow
def test_unknown_file_suggests_the_table(minimal_dir):
    (minimal_dir / "project.csv").write_text("a\n1\n")
    with pytest.warns(DataWarning, match=r"project.csv: not a pmo_analytics table, ignored — did you mean "
                                         r"'projects'\?"):
        read_portfolio(minimal_dir)


@pytest.mark.slow
def test_file_names_are_exact_and_a_near_miss_says_how_to_rename(minimal_dir):
    (minimal_dir / "budget.csv").rename(minimal_dir / "Budget.CSV")
    with pytest.warns(DataWarning, match=r"Budget.CSV: not a pmo_analytics table, ignored — rename it to budget.csv"):
        problems = [str(p) for p in validate_path(minimal_dir)]
    assert problems == ["budget.csv: required table is missing"]


# ---------------------------------------------------------------------------------------------- encodings, locales
@pytest.mark.slow
def test_semicolon_csv_with_utf8_bom_and_excel_sep_line(minimal_dir):
    text = (MINIMAL / "budget.csv").read_text().replace(",", ";")
    (minimal_dir / "budget.csv").write_bytes(b"\xef\xbb\xbf" + ("sep=;\n" + text).encode())
    pf = read_portfolio(minimal_dir)
    assert pf.budget["budget"].tolist() == [300, 300, 300, 300]


@pytest.mark.slow
def test_row_numbers_count_the_sep_line_and_multi_line_cells(minimal_dir):
    text = (MINIMAL / "criteria.csv").read_text().splitlines()
    rows = [text[0], 'fit,"Strategic fit,\nover two lines",0.6', "value,Financial value,-0.4"]
    (minimal_dir / "criteria.csv").write_text("sep=,\n" + "\n".join(rows) + "\n")
    # line 1 sep=, line 2 header, lines 3-4 'fit', line 5 'value'
    _one(_problems(minimal_dir), r"^criteria.csv, row 5, column 'weight': expected >= 0, got -0.4$")


@pytest.mark.slow
def test_utf16_tab_separated_unicode_text_export(minimal_dir):
    text = (MINIMAL / "criteria.csv").read_text().replace(",", "\t").replace("Strategic", "Stratégique")
    (minimal_dir / "criteria.csv").write_bytes(text.encode("utf-16"))
    pf = read_portfolio(minimal_dir)
    assert pf.criteria["description"].str.startswith("Stratégique").any()


@pytest.mark.parametrize("cell, hint", [
    ('"1,000"', "use '.' as the decimal point and no thousands separators"),
    ("50%", r"write percentages as fractions \(0.5 for 50%\)"),
    ("=100+200", "formulas are not evaluated"),
    ("#VALUE!", "holds the error value #VALUE!"),
])
@pytest.mark.slow
def test_spreadsheet_habits_get_a_hint(minimal_dir, cell, hint):
    text = (MINIMAL / "costs.csv").read_text().replace("P1,1,200", f"P1,1,{cell}")
    (minimal_dir / "costs.csv").write_text(text)
    _one(_problems(minimal_dir), rf"^costs.csv, row 3, column 'cost': .*{hint}")


# ---------------------------------------------------------------------------------------------- files
@pytest.mark.slow
@posix_only
def test_symlink_out_of_the_folder_is_refused(minimal_dir, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text((MINIMAL / "budget.csv").read_text())
    (minimal_dir / "budget.csv").unlink()
    (minimal_dir / "budget.csv").symlink_to(secret)
    assert _problems(minimal_dir) == [f"budget.csv: is a link to {os.path.realpath(secret)}, outside the data "
                                      "folder: not read"]


@pytest.mark.slow
@posix_only
def test_symlink_inside_the_folder_is_read(minimal_dir):
    (minimal_dir / "sub").mkdir()
    (minimal_dir / "budget.csv").rename(minimal_dir / "sub" / "b.csv")
    (minimal_dir / "budget.csv").symlink_to(Path("sub") / "b.csv")
    assert read_portfolio(minimal_dir).budget["period"].tolist() == [1, 2, 3, 4]


@posix_only
def test_fifo_never_blocks_the_reader(minimal_dir):
    (minimal_dir / "risks.csv").unlink()
    os.mkfifo(minimal_dir / "risks.csv")
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("p", _problems(minimal_dir)), daemon=True)
    t.start()
    t.join(timeout=120)
    assert not t.is_alive(), "the reader blocked on a FIFO"
    assert result["p"] == ["risks.csv: is a named pipe (FIFO), not a regular file: not read"]


@posix_only
def test_fifo_or_device_given_as_the_workbook_is_refused(tmp_path):
    os.mkfifo(tmp_path / "p.xlsx")
    assert _problems(tmp_path / "p.xlsx") == ["p.xlsx: is a named pipe (FIFO), not a regular file: not read"]
    if os.path.exists("/dev/null"):
        with pytest.raises(InputRefused, match="is a character device, not a regular file"):
            read_input_file("/dev/null")


def test_read_input_file_limits_size(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(b"a" * 2048)
    assert read_input_file(f, tmp_path, limit=4096) == b"a" * 2048
    with pytest.raises(InputRefused, match="larger than the"):
        read_input_file(f, tmp_path, limit=1024)


# ---------------------------------------------------------------------------------------------- workbooks
def _workbook(tmp_path, edit=None) -> Path:
    from .test_tables import _write_workbook

    return _write_workbook(MINIMAL, tmp_path / "p.xlsx", edit)


def _patch_sheet(xlsx: Path, sheet_index: int, change) -> None:
    data = xlsx.read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                body = change(body)
            out.writestr(info, body)
    xlsx.write_bytes(buf.getvalue())


@pytest.mark.slow
def test_stale_dimension_hides_no_rows_or_columns(tmp_path):
    # written by another tool: <dimension> claims A1:C2 for the risks sheet, the data go further
    xlsx = _workbook(tmp_path)
    sheets = sorted(p.stem for p in MINIMAL.glob("*.csv"))
    for name in ("risks", "projects"):
        _patch_sheet(xlsx, sheets.index(name) + 1, lambda b: re.sub(rb'<dimension ref="[^"]*"/>',
                                                                     b'<dimension ref="A1:C2"/>', b))
    pf, csv = read_portfolio(xlsx), read_portfolio(MINIMAL)
    assert len(pf.risks) == len(csv.risks)
    assert list(pf.projects.columns) == list(csv.projects.columns)
    assert pf.projects["committed_finish"].notna().sum() == 1


@pytest.mark.slow
def test_values_beyond_the_header_are_not_dropped_silently(tmp_path):
    def edit(wb):
        wb["budget"]["D3"] = 999

    with pytest.warns(DataWarning, match=r"p.xlsx\[budget\]: column D has values \(row 3\) but no header: ignored"):
        read_portfolio(_workbook(tmp_path, edit))


@pytest.mark.slow
@pytest.mark.parametrize("code", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])
def test_cached_error_values_are_reported_by_cell(tmp_path, code):
    def edit(wb):
        wb["projects"]["C3"] = code  # openpyxl stores error strings as error cells (t="e")

    problems = _problems(_workbook(tmp_path, edit))
    assert problems == [f"p.xlsx[projects], row 3, column 'business_unit': the cell holds the error value {code} "
                        "(a formula that failed), not data"]


@pytest.mark.slow
def test_workbook_duplicate_header_is_an_error(tmp_path):
    def edit(wb):
        ws = wb["budget"]
        ws["C1"] = "Budget"
        for r in range(2, 6):
            ws.cell(r, 3, 1)

    assert _problems(_workbook(tmp_path, edit)) == ["p.xlsx[budget], column 'budget': column appears more than once "
                                                    "(column B and column C): keep one"]


@pytest.mark.slow
def test_unknown_sheet_warns(tmp_path):
    def edit(wb):
        wb.create_sheet("projets")

    with pytest.warns(DataWarning, match=r"p.xlsx\[projets\]: not a pmo_analytics table, ignored — did you mean "
                                         r"'projects'\?"):
        read_portfolio(_workbook(tmp_path, edit))


def test_truncated_workbook_is_refused_with_a_message(tmp_path):
    xlsx = _workbook(tmp_path)
    data = xlsx.read_bytes()
    xlsx.write_bytes(data[: len(data) // 2])
    problems = _problems(xlsx)
    assert len(problems) == 1 and problems[0].startswith("p.xlsx: ")


@pytest.mark.slow
def test_example_rows_are_ignored_with_a_note(minimal_dir):
    text = (MINIMAL / "budget.csv").read_text().replace("period,budget\n", "period,budget\nEXAMPLE-1,5\n")
    (minimal_dir / "budget.csv").write_text(text)
    with pytest.warns(DataWarning, match=r"1 example row\(s\) ignored \(first cell starts with EXAMPLE-\): "
                                         r"budget.csv row 2"):
        pf = read_portfolio(minimal_dir)
    assert pf.budget["period"].tolist() == [1, 2, 3, 4]


@pytest.mark.slow
def test_input_is_copied_not_modified(minimal_dir):
    before = {f.name: f.read_bytes() for f in minimal_dir.iterdir()}
    shutil.copy(MINIMAL / "projects.csv", minimal_dir / "projects.csv")
    _problems(minimal_dir, date_format="DD/MM/YYYY")
    assert {f.name: f.read_bytes() for f in minimal_dir.iterdir()} == before
