"""Give results back where PMOs work: every result table in one Excel workbook, and as CSV files.

* One sheet per table; bold header row with the unit in brackets
  (``cost [currency]``), frozen header (and index) panes, column widths to fit,
  dates as dates, currency with thousands separators.
* Sheet names are made legal for Excel (at most 31 characters, none of
  ``[ ] : * ? / \\`` or control characters, not the reserved ``History``,
  unique ignoring case); control characters an ``.xlsx`` cannot hold are
  dropped from cells.
* Text cells that a spreadsheet would run as a formula (starting with ``=``,
  ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``, the
  OWASP guard against CSV/formula injection; numbers are written as numbers.
* Files are written to a temporary name and renamed into place.

Units come from, in order: the ``units`` argument (``{column: unit}`` or
``{table: {column: unit}}``), the frame's ``attrs["units"]``, the data
model's column specs (:mod:`pmo_analytics.tables.spec`) and a short list of
common result columns (:data:`RESULT_UNITS`).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..tables.spec import TABLES

__all__ = ["export_tables", "numbers_to_tables", "export_excel", "export_csv", "sheet_name", "safe_text", "header_with_unit",
           "RESULT_UNITS"]

#: Units of common result columns not in the data model [unit in brackets in headers].
RESULT_UNITS = {
    "duration": "days", "early_start": "days", "early_finish": "days", "late_start": "days",
    "late_finish": "days", "total_float": "days", "free_float": "days", "finish": "days",
    "p10": "days", "p50": "days", "p80": "days", "p90": "days",
    "pv": "currency", "ev": "currency", "ac": "currency", "bac": "currency", "eac": "currency",
    "etc": "currency", "vac": "currency", "cv": "currency", "sv": "currency", "cost": "currency",
    "npv": "currency", "benefit_npv": "currency", "budget": "currency", "spend": "currency",
    "fte": "FTE", "demand_fte": "FTE", "capacity_fte": "FTE",
    "probability": "probability", "criticality": "probability",
}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cannot hold
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60


def safe_text(value):
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A legal, unique Excel sheet name for ``name`` (``taken`` holds lower-cased names already used)."""
    s = _BAD_SHEET.sub("_", str(name)).strip().strip("'") or "table"
    s = s[:31]
    if s.lower() == "history":  # reserved by Excel
        s = "history_"
    taken = taken if taken is not None else set()
    base, i = s, 2
    while s.lower() in taken:
        suffix = f"~{i}"
        s = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(s.lower())
    return s


def _unit(table: str, column: str, df: pd.DataFrame, units: dict | None) -> str:
    if units:
        per_table = units.get(table)
        if isinstance(per_table, dict) and column in per_table:
            return per_table[column]
        if isinstance(units.get(column), str):
            return units[column]
    attrs = df.attrs.get("units") if isinstance(df.attrs.get("units"), dict) else {}
    if column in attrs:
        return attrs[column]
    spec = TABLES.get(table)
    if spec is not None and column in spec.column_names:
        return spec.column(column).unit
    for t in TABLES.values():  # a result that carries a data-model column keeps its unit
        if column in t.column_names and t.column(column).unit:
            return t.column(column).unit
    return RESULT_UNITS.get(column, "")


def header_with_unit(column, unit: str) -> str:
    """``'cost [currency]'``; the column name alone when there is no unit or it already carries one."""
    col = str(column)
    if not unit or col.endswith("]"):
        return col
    return f"{col} [{unit}]"


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """Index kept as columns when it carries information (named or not a plain range)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    plain = isinstance(df.index, pd.RangeIndex) and df.index.name is None
    out = df if plain else df.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(x) for x in c if str(x)) for c in out.columns]
    return out


def _headers(table: str, df: pd.DataFrame, units) -> list[str]:
    out = []
    for c in df.columns:
        unit = _unit(table, str(c), df, units)
        if pd.api.types.is_datetime64_any_dtype(df[c]) and unit in ("days", "period", "periods"):
            unit = ""  # a date column (e.g. early_start mapped to dates) carries no offset unit
        out.append(header_with_unit(c, unit))
    return out


def _clean_cell(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.tz_localize(None).to_pydatetime() if v.tz is not None else v.to_pydatetime()
    if isinstance(v, str):
        return safe_text(_ILLEGAL_XML.sub("", v))
    if isinstance(v, (int, bool)):
        return v
    if hasattr(v, "isoformat"):
        return v
    return safe_text(str(v))


def _check(tables) -> None:
    if not tables:
        raise ValueError("no tables to export")
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"table {name!r}: expected a DataFrame, got {type(df).__name__}")


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_excel(tables: dict[str, pd.DataFrame], path: str | os.PathLike, units: dict | None = None) -> Path:
    """Write every table to one ``.xlsx`` workbook (one formatted sheet per table).

    Parameters
    ----------
    tables : dict of str to DataFrame
        Sheet title -> result table (an informative index is written as columns).
    path : str or Path
        Workbook to write (replaced atomically).
    units : dict, optional
        ``{column: unit}`` or ``{table: {column: unit}}`` overriding the known units.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    _check(tables)
    path = Path(path)

    def write(tmp: Path):
        wb = Workbook(write_only=True)
        taken: set[str] = set()
        for name, df in tables.items():
            index_cols = 0 if (isinstance(df.index, pd.RangeIndex) and df.index.name is None) else df.index.nlevels
            frame = _frame(df)
            heads = _headers(str(name), frame, units)
            ws = wb.create_sheet(sheet_name(name, taken))
            ws.freeze_panes = f"{get_column_letter(index_cols + 1)}2"
            formats = []
            for c, h in zip(frame.columns, heads):
                col = frame[c]
                if pd.api.types.is_datetime64_any_dtype(col):
                    formats.append("yyyy-mm-dd")
                elif "[currency" in h and pd.api.types.is_numeric_dtype(col):
                    formats.append("#,##0")
                else:
                    formats.append(None)
            sample = frame.head(200)
            for i, (c, h) in enumerate(zip(frame.columns, heads), start=1):
                lengths = sample[c].map(lambda v: len(str(v)) if v is not None else 0)
                width = max([len(h)] + ([int(lengths.max())] if len(lengths) else []))
                ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, width + 2)
            bold = Font(bold=True)
            row = []
            for h in heads:
                cell = WriteOnlyCell(ws, value=safe_text(_ILLEGAL_XML.sub("", h)))
                cell.font = bold
                cell.alignment = Alignment(wrap_text=False)
                row.append(cell)
            ws.append(row)
            for values in frame.itertuples(index=False, name=None):
                out = []
                for v, fmt in zip(values, formats):
                    v = _clean_cell(v)
                    if fmt is not None and v is not None:
                        cell = WriteOnlyCell(ws, value=v)
                        cell.number_format = fmt
                        out.append(cell)
                    elif isinstance(v, str):
                        cell = WriteOnlyCell(ws, value=v)
                        cell.data_type = "s"  # text is text, never a formula
                        out.append(cell)
                    else:
                        out.append(v)
                ws.append(out)
        wb.save(tmp)

    return _atomic(path, write)


def export_csv(tables: dict[str, pd.DataFrame], folder: str | os.PathLike, units: dict | None = None) -> list[Path]:
    """Write each table to ``folder/<name>.csv`` (UTF-8, units in headers, formula-safe text).

    File names are the sheet names of :func:`sheet_name` (so ``/`` and
    ``..`` never reach the file system). Returns the paths written.
    """
    _check(tables)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for name, df in tables.items():
        frame = _frame(df)
        heads = [safe_text(h) for h in _headers(str(name), frame, units)]
        body = frame.copy()
        for c in body.columns:
            if body[c].dtype == object or pd.api.types.is_string_dtype(body[c]):
                body[c] = body[c].map(lambda v: safe_text(v) if isinstance(v, str) else v)
            elif pd.api.types.is_datetime64_any_dtype(body[c]):
                body[c] = body[c].dt.strftime("%Y-%m-%d")
        body.columns = heads
        fname = sheet_name(name, taken).replace(" ", "_").lstrip(".") or "table"
        target = folder / f"{fname}.csv"
        _atomic(target, lambda tmp, b=body: b.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8"))
        written.append(target)
    return written


def export_tables(tables: dict[str, pd.DataFrame], path: str | os.PathLike, units: dict | None = None,
                  csv: bool = True) -> dict[str, object]:
    """Export result tables: one Excel workbook and (by default) one CSV per table beside it.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Name -> result table.
    path : str or Path
        ``results.xlsx`` writes the workbook and, with ``csv=True``, the CSV
        files to ``results_csv/`` next to it; a path without ``.xlsx`` is a
        folder that receives the CSV files only.
    units : dict, optional
        Extra or overriding units (see :func:`export_excel`).
    csv : bool, default True
        Also write CSV files when ``path`` is a workbook.

    Returns
    -------
    dict
        ``{"xlsx": Path or None, "csv": [Path, ...]}``.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        xlsx = export_excel(tables, path, units)
        files = export_csv(tables, path.with_name(path.stem + "_csv"), units) if csv else []
        return {"xlsx": xlsx, "csv": files}
    return {"xlsx": None, "csv": export_csv(tables, path, units)}


def numbers_to_tables(numbers: dict) -> dict:
    """Result tables of a review, for ``results.xlsx``: every published table, plus one sheet of numbers.

    A published DataFrame or Series (stored as pandas' ``split`` JSON) becomes
    its own table named ``<notebook number>.<name>``; every other value is a
    row of the ``numbers`` table (notebook, name, JSON value).
    """
    import pandas as pd

    tables, rows = {}, []
    for nb, values in numbers.items():
        prefix = nb.split("_", 1)[0]
        for name, value in values.items():
            if isinstance(value, dict) and {"columns", "data"} <= set(value):
                tables[f"{prefix}.{name}"] = pd.DataFrame(value["data"], columns=value["columns"],
                                                          index=value.get("index"))
            elif isinstance(value, dict) and {"name", "data", "index"} <= set(value):
                tables[f"{prefix}.{name}"] = pd.Series(value["data"], index=value["index"],
                                                       name=value["name"]).to_frame()
            else:
                rows.append({"notebook": nb, "name": name, "value": json.dumps(value, sort_keys=True)})
    if rows:
        tables = {"numbers": pd.DataFrame(rows), **tables}
    return tables
