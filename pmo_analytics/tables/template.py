"""The blank input workbook users copy: one sheet per table and a README sheet.

Everything in it comes from the data model (:data:`~pmo_analytics.tables.spec.TABLES`),
the same description the validator uses, so the README sheet, the drop-downs
and the validator cannot disagree:

* the README sheet lists every column with its type, unit, whether it is
  required and its allowed values and bounds (:func:`column_docs`);
* each sheet has a header row, then one **example row** whose first cell
  starts with ``EXAMPLE-``: the reader ignores such rows (with a note), so the
  example may be overwritten or left in place;
* cells have Excel data validation: drop-downs for allowed values and
  true/false, ranges for numbers and dates, and the column's description as
  the input message.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import pandas as pd

from ..atomic import write_atomic
from .readers import EXAMPLE_PREFIX
from .spec import DATE_MAX, DATE_MIN, ID_PATTERN, TABLES, ColumnSpec, TableSpec

__all__ = ["column_docs", "example_row", "write_template", "EXAMPLES"]

#: Hand-written example rows (column -> value); columns not given here are filled from the spec.
#: The first column's value is prefixed with ``EXAMPLE-`` when written.
EXAMPLES: dict[str, dict] = {
    "projects": dict(project_id="P001", name="CRM replacement", business_unit="Sales", sponsor="J. Smith",
                     stage="proposal", bucket="Grow", category="IT", estimated_cost=1_200_000,
                     benefit_npv=2_500_000, estimate_class=4, probability_of_success=0.8, earliest_start=1,
                     latest_start=3, duration_periods=4, mandatory=False, start_date=None, committed_finish=None,
                     novelty="platform", technology="medium", complexity="system", pace="fast-competitive",
                     approach="hybrid"),
    "criteria": dict(criterion="fit", description="Strategic fit", weight=0.4),
    "pairwise": dict(criterion_a="fit", criterion_b="value", judgement=3),
    "scores": dict(project_id="P001", criterion="fit", score=7),
    "costs": dict(project_id="P001", period_offset=0, cost=300_000),
    "demand": dict(project_id="P001", skill="developer", period_offset=0, fte=2.5),
    "capacity": dict(skill="developer", period=1, fte=12, hire_cost=30_000),
    "budget": dict(period=1, budget=2_000_000),
    "dependencies": dict(project_id="P002", other_project_id="P001", type="requires"),
    "activities": dict(project_id="A101", activity_id="A020", name="Design", phase="Build", min_duration=5,
                       most_likely=8, max_duration=15, distribution="pert", predecessors="A010:SS+2",
                       fixed_cost=10_000, cost_rate=800, correlation_group=None),
    "risks": dict(risk_id="R01", project_id="A101", title="Supplier delivers late", owner="J. Smith",
                  probability=0.3, impact_type="days", schedule_min=5, schedule_most_likely=10, schedule_max=20,
                  cost_min=0, cost_most_likely=20_000, cost_max=50_000, affected_activities="A020; A030",
                  mitigation="Second supplier", mitigation_cost=10_000, post_probability=0.1, post_schedule_min=2,
                  post_schedule_most_likely=5, post_schedule_max=10, post_cost_min=0, post_cost_most_likely=5_000,
                  post_cost_max=20_000),
    "status": dict(project_id="A101", period=1, period_end=_dt.date(2026, 3, 31), pv=100_000, ev=90_000,
                   ac=95_000, etc=None),
    "work_items": dict(item_id="W1", project_id="A101", type="story", created=_dt.date(2026, 1, 5),
                       started=_dt.date(2026, 1, 6), finished=_dt.date(2026, 1, 12)),
    "benefits": dict(benefit_id="B1", project_id="P001", description="Lower customer churn", owner="J. Smith",
                     measure="churn rate", period=1, period_end=_dt.date(2026, 12, 31), planned=50_000,
                     realised=None),
    "support": dict(project_id="C101", period=1, period_end=_dt.date(2026, 12, 31), run_cost=20_000, incidents=3),
    "history": dict(project_id="H101", reference_class="IT", estimated_cost=1_000_000, actual_cost=1_300_000,
                    estimated_duration=4, actual_duration=5),
    "calendars": dict(calendar_id="C5D", name="Mon-Fri, 8 hours", work_week="Mon-Fri=08:00-12:00,13:00-17:00",
                      hours_per_day=8),
    "calendar_exceptions": dict(calendar_id="C5D", date=_dt.date(2026, 12, 25), hours=0, periods=None,
                                name="Christmas Day"),
    "branches": dict(project_id="A101", activity_id="A020", branch_id="fail", probability=0.3, path="A025; A026",
                     description="The test fails: rework and retest"),
    "risk_calendars": dict(risk_calendar_id="WINTER", season_start="12-01", season_end="02-28", probability=0.5,
                           productivity=0.6, window_days=None, description="A hard winter slows outdoor work"),
}


def _example_value(c: ColumnSpec):
    if c.nullable and not c.required:
        return None
    if c.allowed:
        return c.allowed[0]
    if c.dtype == "str":
        return "X1" if c.pattern == ID_PATTERN else "text"
    if c.dtype == "bool":
        return False
    if c.dtype == "date":
        return _dt.date(2026, 1, 31)
    lo, hi = c.bounds
    v = 1 if (lo is None or lo <= 1) and (hi is None or hi >= 1) else (lo if lo is not None and lo > 1 else hi)
    if c.gt is not None and v <= c.gt:
        v = c.gt + 1
    return int(v) if c.dtype == "int" else float(v)


def example_row(table: str | TableSpec, marked: bool = True) -> dict:
    """The template's example row of ``table`` (column -> value).

    With ``marked`` (default) the first cell starts with ``EXAMPLE-``, as
    written in the template, so the reader ignores the row.
    """
    spec = TABLES[table] if isinstance(table, str) else table
    given = EXAMPLES.get(spec.name, {})
    row = {c.name: given[c.name] if c.name in given else _example_value(c) for c in spec.columns}
    if marked:
        first = spec.columns[0].name
        row[first] = f"{EXAMPLE_PREFIX}{row[first]}"
    return row


def column_docs() -> pd.DataFrame:
    """One row per column of every table: type, unit, required, allowed values and bounds, description."""
    rows = []
    for t in TABLES.values():
        for c in t.columns:
            rows.append({
                "table": t.name,
                "table_required": "yes" if t.required else "optional",
                "column": c.name,
                "type": c.dtype,
                "unit": c.unit,
                "column_required": "yes" if c.required else "optional",
                "allowed": c.allowed_text(),
                "description": c.description,
            })
    return pd.DataFrame(rows)


def _intro() -> list[str]:
    required = ", ".join(t.name for t in TABLES.values() if t.required)
    return [
        "Fill one sheet per table (sheet name = table name; header in row 1). Required tables, each with at "
        f"least one row: {required}. Optional sheets may be deleted or left empty.",
        f"Row 2 of each sheet is an example: rows whose first cell starts with {EXAMPLE_PREFIX} are ignored "
        "when the workbook is read (with a note). Overwrite it or leave it.",
        "Dates: Excel dates, or text written YYYY-MM-DD (ISO 8601). Another text format must be declared: "
        "pmo validate --date-format DD/MM/YYYY, or date_format = \"DD/MM/YYYY\" under [data] in a review.toml "
        "beside the workbook. Ambiguous dates such as 05/01/2026 are never guessed.",
        "Numbers: '.' as decimal point, no thousands separators; each column's bounds are given below (no "
        "portfolio needs more). Lists are separated by ';'; predecessors as ID, ID:TYPE or ID:TYPE+LAG "
        "(TYPE FS/SS/FF/SF, LAG in working days).",
        "Formulas are read as their last calculated values (never evaluated): save the workbook in Excel or "
        "LibreOffice so values are stored. Cells with errors (#DIV/0!, #N/A ...) are reported.",
        "Check the workbook with: pmo validate <this file>",
    ]


def _validation(c: ColumnSpec):
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = c.description + (f" [{c.unit}]" if c.unit else "")
    kw = dict(allow_blank=c.nullable or not c.required, showErrorMessage=True, showInputMessage=True,
              promptTitle=c.name[:32], prompt=prompt[:250], errorTitle=c.name[:32])
    allowed = c.allowed or (("true", "false") if c.dtype == "bool" else None)
    if allowed:
        return DataValidation(type="list", formula1='"' + ",".join(map(str, allowed)) + '"',
                              error=f"one of {', '.join(map(str, allowed))}"[:250], **kw)
    lo, hi = c.bounds
    if c.dtype in ("int", "float") and lo is not None and hi is not None:
        return DataValidation(type="whole" if c.dtype == "int" else "decimal", operator="between",
                              formula1=repr(lo) if c.dtype == "float" else str(int(lo)),
                              formula2=repr(hi) if c.dtype == "float" else str(int(hi)),
                              error=f"a {'whole ' if c.dtype == 'int' else ''}number from {lo:g} to {hi:g}", **kw)
    if c.dtype == "date":
        y0, y1 = DATE_MIN.split("-"), DATE_MAX.split("-")
        return DataValidation(type="date", operator="between",
                              formula1=f"DATE({int(y0[0])},{int(y0[1])},{int(y0[2])})",
                              formula2=f"DATE({int(y1[0])},{int(y1[1])},{int(y1[2])})",
                              error=f"a date from {DATE_MIN} to {DATE_MAX}", **kw)
    return DataValidation(type=None, **kw) if prompt else None


def write_template(out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the blank workbook to ``out`` (``.xlsx``).

    The file is written to a temporary name and moved into place, so a
    failure never leaves a half-written workbook; an existing file is not
    replaced unless ``overwrite`` is true. The file gets the permissions of
    a new file under the user's umask (0644 by default).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be an .xlsx file, got {out.name!r}")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; choose another name (or overwrite=True)")
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["pmo_analytics input workbook"])
    readme["A1"].font = Font(bold=True, size=14)
    for line in _intro():
        readme.append([line])
    readme.append([])
    docs = column_docs()
    readme.append(list(docs.columns))
    for cell in readme[readme.max_row]:
        cell.font = Font(bold=True)
    for row in docs.itertuples(index=False):
        readme.append(list(row))
    for col, width in zip("ABCDEFGH", (14, 10, 26, 8, 14, 10, 40, 80)):
        readme.column_dimensions[col].width = width
    head = PatternFill("solid", fgColor="DDEBF7")
    grey = Font(italic=True, color="808080")
    for t in TABLES.values():
        ws = wb.create_sheet(t.name)
        ws.append(t.column_names)
        example = example_row(t)
        ws.append([example[c.name] for c in t.columns])
        for i, c in enumerate(t.columns, start=1):
            letter = get_column_letter(i)
            cell = ws.cell(1, i)
            cell.font = Font(bold=True)
            cell.fill = head
            cell.alignment = Alignment(wrap_text=True)
            ex = ws.cell(2, i)
            ex.font = grey
            if c.dtype == "date":
                ex.number_format = "yyyy-mm-dd"
            ws.column_dimensions[letter].width = max(12, len(c.name) + 4)
            dv = _validation(c)
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f"{letter}3:{letter}1048576")
        ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, wb.save, exclusive=not overwrite)  # exclusive: fails if out appeared meanwhile
    return out
