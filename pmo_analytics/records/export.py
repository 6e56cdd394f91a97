"""Give results back where PMOs work: a workbook an analyst reuses, and the same tables as CSV.

``results.xlsx`` of a record holds

* a **cover** sheet: what the record is, when it was computed, the data it
  read (path, fingerprint and each file's SHA-256), seed, parameters, a link
  to the record's ``index.html``, each page's decision headline and a list of
  the sheets;
* the **key tables** first (:data:`KEY_TABLES`: funded portfolio, risk by
  project, top risks, EVM by project, escalations, benefits), then every
  other table a notebook published, then the ``numbers`` sheet (one row per
  published number; numbers are numbers) and a ``columns`` glossary;
* on every table sheet: one header row ``name [unit]`` (each header carries
  the column's meaning as a note), frozen with the id column, an autofilter,
  column widths to fit, number formats from the column definitions
  (:mod:`pmo_analytics.tables.columns`: money ``#,##0``, shares ``0%``,
  dates ``yyyy-mm-dd``...), names beside ids (``project_name`` next to
  ``project_id``), lists written as ``a, b`` rather than JSON.

Safety and sharing:

* sheet names are made legal for Excel (at most 31 characters, none of
  ``[ ] : * ? / \\`` or control characters, not the reserved ``History``,
  unique ignoring case); control characters an ``.xlsx`` cannot hold are
  dropped from cells;
* text cells that a spreadsheet would run as a formula (starting with ``=``,
  ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``, the
  OWASP guard against CSV/formula injection; numbers are written as numbers;
* files are written to a temporary name and renamed into place, with the
  permissions of the user's umask (``0644`` by default) so colleagues on a
  shared drive can open them.

Units come from, in order: the ``units`` argument (``{column: unit}`` or
``{table: {column: unit}}``), the frame's ``attrs["units"]`` and the column
definitions (:func:`pmo_analytics.tables.columns.column`).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_atomic
from ..tables.columns import COLUMNS, column
from ..tables.identity import fingerprint as data_fingerprint  # the data's fingerprint: one definition
from .publish import page_title

__all__ = ["export_tables", "export_results", "numbers_to_tables", "export_excel", "export_csv", "sheet_name",
           "safe_text", "header_with_unit", "cover_from_manifest", "data_fingerprint", "KeyTable", "KEY_TABLES",
           "RESULT_UNITS"]

#: Units of the result columns, ``{column: unit}`` (derived from :data:`pmo_analytics.tables.columns.COLUMNS`).
RESULT_UNITS = {name: c.unit_ for name, c in COLUMNS.items() if c.unit_}


@dataclass(frozen=True)
class KeyTable:
    """A table every record's workbook should carry, published by a notebook under ``name``.

    Attributes
    ----------
    name : str
        The name the notebook publishes the frame under (``publish_table(name, df)``).
    sheet : str
        Sheet title in ``results.xlsx`` (and CSV file name).
    what : str
        What the table holds, for the cover sheet.
    columns : tuple of str
        The columns expected, in order (extra columns are kept after them).
    source : str
        Where the frame comes from in the package.
    """

    name: str
    sheet: str
    what: str
    columns: tuple[str, ...]
    source: str


#: The key tables of a record, in the order of the workbook. The notebooks publish them with
#: :func:`pmo_analytics.records.pages.publish_table` (or ``show_table(..., publish_as=name)``).
KEY_TABLES: tuple[KeyTable, ...] = (
    KeyTable("results.funded_portfolio", "Funded portfolio",
             "Every candidate with the recommendation: funded or not, start and finish period, cost counted "
             "against the budget and value.",
             ("project_id", "selected", "start_period", "finish_period", "cost", "value", "bucket",
              "business_unit", "mandatory"),
             "PortfolioSelector.portfolio_ (02)"),
    KeyTable("results.risk_by_project", "Risk by project",
             "P50 and P80 finish dates and costs, schedule and cost contingency and joint confidence per active "
             "project.",
             ("project_id", "deterministic_finish", "p50_finish", "p80_finish", "committed_finish", "p80_days_late",
              "schedule_contingency", "planned_cost", "p50_cost", "p80_cost", "cost_contingency", "jcl"),
             "pmo_analytics.risk.exposure(...) and ScheduleRiskModel.percentiles (03)"),
    KeyTable("results.top_risks", "Top risks",
             "The risks that move each project's P80 most: days and cost saved if the risk were removed.",
             ("project_id", "risk_id", "title", "finish_reduction", "cost_reduction"),
             "ScheduleRiskModel.tornado() per project (03)"),
    KeyTable("results.evm_by_project", "EVM by project",
             "Earned value and earned schedule per project, with its RAG status and the rule that fired.",
             ("project_id", "rag", "reasons", "data_date", "bac", "pv", "ev", "ac", "cpi", "spi", "spi_t",
              "tcpi_bac", "eac", "vac", "eac_p10", "eac_p90", "p_within_budget", "es", "at", "pd",
              "finish_date_p50", "finish_date_p90", "committed_finish"),
             "DeliveryMonitor.table_ (04)"),
    KeyTable("results.escalations", "Escalations",
             "Who must act on which project, since when, and the rules that fired.",
             ("project_id", "level", "who", "since", "rules", "reasons"),
             "GovernanceCheck.escalations_ (06)"),
    KeyTable("results.benefits", "Benefits",
             "Planned, realised and forecast benefit per benefit, and which are at risk.",
             ("benefit_id", "project_id", "planned_total", "planned_to_date", "realised_to_date",
              "realisation_rate", "forecast_total", "shortfall", "at_risk", "status"),
             "pmo_analytics.benefits.benefit_realisation (05)"),
)
_KEY_BY_NAME = {k.name: k for k in KEY_TABLES}
_KEY_BY_SHEET = {k.sheet: k for k in KEY_TABLES}
_DECISION = "page.decision"

_BAD_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cannot hold
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_NAME_COLUMNS = {"project_id": ("project_name", ("name", "project_name")),
                 "risk_id": ("risk_name", ("title", "risk_name")),
                 "benefit_id": ("benefit_name", ("description", "benefit_name"))}


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


def _unit(table: str, col: str, df: pd.DataFrame, units: dict | None) -> str:
    if units:
        per_table = units.get(table)
        if isinstance(per_table, dict) and col in per_table:
            return per_table[col]
        if isinstance(units.get(col), str):
            return units[col]
    attrs = df.attrs.get("units") if isinstance(df.attrs.get("units"), dict) else {}
    if col in attrs:
        return attrs[col]
    d = column(col, table, df[col] if col in df.columns else None)
    if d.kind == "date":
        return ""
    return d.unit_


def header_with_unit(col, unit: str) -> str:
    """``'cost [currency]'``; the column name alone when there is no unit or it already carries one."""
    col = str(col)
    if not unit or col.endswith("]"):
        return col
    return f"{col} [{unit}]"


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """Index kept as columns when it carries information (named or not a plain range)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    plain = isinstance(df.index, pd.RangeIndex) and df.index.name is None
    if plain:
        out = df
    else:
        out = df.copy()
        if isinstance(out.index, pd.MultiIndex):
            out.index = out.index.set_names([n if n is not None else f"level_{i}"
                                             for i, n in enumerate(out.index.names)])
        elif out.index.name is None:
            out.index = out.index.rename("item")  # never a column headed "index"
        out = out.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(x) for x in c if str(x)) for c in out.columns]
    if any(not isinstance(c, str) for c in out.columns):
        out = out.copy()
        out.columns = ["value" if c == 0 and len(out.columns) == 1 else str(c) for c in out.columns]
    return out


def _with_names(frame: pd.DataFrame, names: dict | None) -> pd.DataFrame:
    """``project_name`` (``risk_name``, ``benefit_name``) inserted after its id column, when not there yet."""
    if not names:
        return frame
    out = frame
    for id_col, (name_col, present) in _NAME_COLUMNS.items():
        mapping = names.get(id_col)
        if not mapping or id_col not in out.columns or any(p in out.columns for p in present):
            continue
        values = out[id_col].map(lambda v, m=mapping: m.get(str(v)) if v is not None else None)
        if values.notna().any():
            out = out.copy() if out is frame else out
            out.insert(list(out.columns).index(id_col) + 1, name_col, values)
    return out


def _cell_text(v) -> str:
    """Lists and mappings in a cell as text people read (``a, b``; ``k: v; ...``), never JSON."""
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return ", ".join(_cell_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_cell_text(x)}" for k, x in v.items())
    return str(v)


def _clean_cell(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.tz_localize(None).to_pydatetime() if v.tz is not None else v.to_pydatetime()
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).to_pydatetime()
    if isinstance(v, str):
        return safe_text(_ILLEGAL_XML.sub("", v))
    if isinstance(v, (list, tuple, set, dict, np.ndarray)):
        return safe_text(_ILLEGAL_XML.sub("", _cell_text(v)))
    if hasattr(v, "isoformat"):
        return v
    return safe_text(_ILLEGAL_XML.sub("", str(v)))


def _check(tables) -> None:
    if not tables:
        raise ValueError("no tables to export")
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"table {name!r}: expected a DataFrame, got {type(df).__name__}")


def _atomic(path: Path, write) -> Path:
    """Write ``path`` through :func:`pmo_analytics.atomic.write_atomic` (``write(tmp)`` writes the file)."""
    return write_atomic(path, write, mkdir=True)


def _prepared(name: str, df: pd.DataFrame, names: dict | None) -> pd.DataFrame:
    frame = _with_names(_frame(df), names)
    key = _KEY_BY_SHEET.get(str(name))
    if key is not None:  # the documented columns first, in the documented order
        first = [c for c in key.columns if c in frame.columns]
        pos = {c: i for i, c in enumerate(frame.columns)}
        for id_col, (name_col, _) in _NAME_COLUMNS.items():  # the name stays beside its id
            if name_col in frame.columns and id_col in first and name_col not in first:
                first.insert(first.index(id_col) + 1, name_col)
        frame = frame[first + sorted((c for c in frame.columns if c not in first), key=pos.get)]
    return frame


def _column_format(header: str, col: pd.Series, name: str, table: str) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(col):
        return "yyyy-mm-dd"
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        return None
    if "[currency" in header:
        return "#,##0"
    d = column(name, table, col)
    fmt = d.excel_format
    if fmt in (None, "General", "yyyy-mm-dd"):
        return None
    return fmt


def export_excel(tables: dict[str, pd.DataFrame], path: str | os.PathLike, units: dict | None = None, *,
                 cover: dict | None = None, names: dict | None = None) -> Path:
    """Write every table to one ``.xlsx`` workbook (one formatted sheet per table).

    Parameters
    ----------
    tables : dict of str to DataFrame
        Sheet title -> result table (an informative index is written as columns).
    path : str or Path
        Workbook to write (replaced atomically).
    units : dict, optional
        ``{column: unit}`` or ``{table: {column: unit}}`` overriding the known units.
    cover : dict, optional
        A cover sheet first (see :func:`cover_from_manifest`), and a
        ``columns`` glossary sheet last.
    names : dict, optional
        ``{id_column: {id: name}}`` (see :func:`pmo_analytics.tables.columns.id_names`):
        a name column is written beside each id column that has none.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    _check(tables)
    path = Path(path)
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color="FFE9F1F7", end_color="FFE9F1F7")

    def write(tmp: Path):
        wb = Workbook()
        wb.remove(wb.active)
        taken: set[str] = set()
        sheet_of: dict[str, str] = {}
        if cover is not None:
            cover_ws = wb.create_sheet(sheet_name("cover", taken))
        glossary: list[tuple[str, str, str, str]] = []
        for name, df in tables.items():
            index_cols = 0 if (isinstance(df.index, pd.RangeIndex) and df.index.name is None) else df.index.nlevels
            frame = _prepared(str(name), df, names)
            heads = [header_with_unit(c, _unit(str(name), str(c), frame, units)) for c in frame.columns]
            ws = wb.create_sheet(sheet_name(name, taken))
            sheet_of[str(name)] = ws.title
            frozen = index_cols or (1 if len(frame.columns) and str(frame.columns[0]).endswith("_id") else 0)
            ws.freeze_panes = f"{get_column_letter(frozen + 1)}2"
            formats = [_column_format(h, frame[c], str(c), str(name)) for c, h in zip(frame.columns, heads)]
            for i, (c, h) in enumerate(zip(frame.columns, heads), start=1):
                d = column(str(c), str(name), frame[c])
                cell = ws.cell(row=1, column=i, value=safe_text(_ILLEGAL_XML.sub("", h)))
                cell.font = bold
                cell.fill = fill
                cell.alignment = Alignment(wrap_text=False, vertical="top")
                if d.meaning:
                    cell.comment = Comment(d.meaning, "pmo_analytics")
                glossary.append((ws.title, h, d.unit_ if h.endswith("]") else "", d.meaning))
            for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
                for i, (v, fmt) in enumerate(zip(values, formats), start=1):
                    v = _clean_cell(v)
                    if v is None:
                        continue
                    cell = ws.cell(row=r, column=i, value=v)
                    if isinstance(v, str):
                        cell.data_type = "s"  # text is text, never a formula
                    elif fmt is not None and not isinstance(v, bool):
                        cell.number_format = fmt
            if len(frame.columns):
                ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, len(frame) + 1)}"
            sample = frame.head(200)
            for i, (c, h) in enumerate(zip(frame.columns, heads), start=1):
                fmt = formats[i - 1]
                if fmt == "yyyy-mm-dd":
                    widest = 10
                elif fmt == "#,##0" and pd.api.types.is_numeric_dtype(sample[c]) and len(sample):
                    m = float(np.nanmax(np.abs(sample[c].to_numpy(dtype=float)))) if sample[c].notna().any() else 0
                    widest = len(f"{m:,.0f}") + 1
                else:
                    lengths = sample[c].map(lambda v: len(_cell_text(v)) if v is not None else 0)
                    widest = int(lengths.max()) if len(lengths) else 0
                ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, max(len(h) + 3, widest + 2))
        if cover is not None:
            _write_cover(cover_ws, cover, tables, sheet_of)
            gl = wb.create_sheet(sheet_name("columns", taken))
            gl.append(["sheet", "column", "unit", "meaning"])
            for c in gl[1]:
                c.font = bold
                c.fill = fill
            for row in glossary:
                gl.append([safe_text(x) for x in row])
            gl.freeze_panes = "A2"
            gl.auto_filter.ref = f"A1:D{len(glossary) + 1}"
            for letter, width in zip("ABCD", (24, 30, 14, 90)):
                gl.column_dimensions[letter].width = width
        wb.save(tmp)

    return _atomic(path, write)


def _write_cover(ws, cover: dict, tables: dict, sheet_of: dict) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 110
    ws["A1"] = str(cover.get("title") or "Portfolio review — results")
    ws["A1"].font = Font(bold=True, size=14)
    row = 3

    def put(label, value, link=None):
        nonlocal row
        a = ws.cell(row=row, column=1, value=label)
        a.font = bold
        a.alignment = Alignment(vertical="top")
        b = ws.cell(row=row, column=2, value=safe_text(_ILLEGAL_XML.sub("", str(value))) if value is not None else "")
        b.data_type = "s"
        b.alignment = Alignment(wrap_text=True, vertical="top")
        if link:
            b.hyperlink = link
            b.style = "Hyperlink"
        row += 1

    for label, key in (("What", "what"), ("When", "when"), ("Run", "run_id"), ("Status", "status"),
                       ("Data", "data"), ("Data fingerprint (SHA-256)", "fingerprint"), ("Seed", "seed"),
                       ("Parameters", "parameters"), ("Code", "git")):
        if cover.get(key) not in (None, ""):
            put(label, cover[key])
    if cover.get("record"):
        put("Record", "open the decision record (index.html)", link=str(cover["record"]))
    headlines = cover.get("headlines") or []
    if headlines:
        row += 1
        ws.cell(row=row, column=1, value="What the record decides").font = Font(bold=True, size=12)
        row += 1
        for page, text in headlines:
            put(page, text)
    row += 1
    ws.cell(row=row, column=1, value="Sheets").font = Font(bold=True, size=12)
    row += 1
    for name, df in tables.items():
        key = _KEY_BY_SHEET.get(str(name))
        what = key.what if key else str(df.attrs.get("description") or "published by the notebooks")
        title = sheet_of.get(str(name), str(name))
        put(title, f"{what} ({len(df)} row{'s' if len(df) != 1 else ''})", link=f"#'{title}'!A1")
    missing = cover.get("missing_key_tables") or []
    if missing:
        put("Not in this record", "; ".join(missing))
    files = cover.get("files") or {}
    if files:
        row += 1
        ws.cell(row=row, column=1, value="Input files (SHA-256)").font = Font(bold=True, size=12)
        row += 1
        for fname, digest in sorted(files.items()):
            put(fname, digest)


def export_csv(tables: dict[str, pd.DataFrame], folder: str | os.PathLike, units: dict | None = None, *,
               names: dict | None = None) -> list[Path]:
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
        frame = _prepared(str(name), df, names)
        heads = [safe_text(header_with_unit(c, _unit(str(name), str(c), frame, units))) for c in frame.columns]
        body = frame.copy()
        for c in body.columns:
            if pd.api.types.is_datetime64_any_dtype(body[c]):
                body[c] = body[c].dt.strftime("%Y-%m-%d")
            elif body[c].dtype == object or pd.api.types.is_string_dtype(body[c]):
                body[c] = body[c].map(lambda v: safe_text(_cell_text(v)) if isinstance(v, (str, list, tuple, dict))
                                      else v)
        body.columns = heads
        fname = sheet_name(name, taken).replace(" ", "_").lstrip(".") or "table"
        target = folder / f"{fname}.csv"
        _atomic(target, lambda tmp, b=body: b.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8"))
        written.append(target)
    return written


def export_tables(tables: dict[str, pd.DataFrame], path: str | os.PathLike, units: dict | None = None,
                  csv: bool = True, *, cover: dict | None = None, names: dict | None = None) -> dict[str, object]:
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
    cover : dict, optional
        Cover sheet of the workbook (:func:`cover_from_manifest`).
    names : dict, optional
        ``{id_column: {id: name}}``: names beside ids.

    Returns
    -------
    dict
        ``{"xlsx": Path or None, "csv": [Path, ...]}``.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        xlsx = export_excel(tables, path, units, cover=cover, names=names)
        files = export_csv(tables, path.with_name(path.stem + "_csv"), units, names=names) if csv else []
        return {"xlsx": xlsx, "csv": files}
    return {"xlsx": None, "csv": export_csv(tables, path, units, names=names)}


# ------------------------------------------------------------ from a record's numbers
def _is_split_frame(value) -> bool:
    return isinstance(value, dict) and {"columns", "data"} <= set(value)


def _is_split_series(value) -> bool:
    return isinstance(value, dict) and {"name", "data", "index"} <= set(value)


def _restore_types(df: pd.DataFrame) -> pd.DataFrame:
    """Dates published as ISO text become dates again (JSON has no date type)."""
    for c in df.columns:
        s = df[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        non_null = s.dropna()
        if len(non_null) and all(isinstance(v, str) and _ISO_DATE.match(v) for v in non_null):
            parsed = pd.to_datetime(s, errors="coerce", utc=True)
            if parsed.notna().sum() == len(non_null):
                df[c] = parsed.dt.tz_localize(None)
    return df


def _index_name(index: list, names: dict | None) -> str:
    if names:
        ids = {str(i) for i in index}
        for id_col, mapping in names.items():
            if ids and ids <= set(mapping):
                return id_col
    return "item"


def _table(value, names: dict | None) -> pd.DataFrame:
    if _is_split_frame(value):
        df = pd.DataFrame(value["data"], columns=value["columns"])
        if value.get("index") is not None and not _plain_index(value["index"]):
            df.insert(0, _index_name(value["index"], names), value["index"])
    else:
        df = pd.DataFrame({_index_name(value["index"], names): value["index"],
                           str(value["name"]) if value.get("name") is not None else "value": value["data"]})
    return _restore_types(df)


def _plain_index(index) -> bool:
    return list(index) == list(range(len(index)))


def _number_rows(nb: str, name: str, value) -> list[dict]:
    """One row per number: dicts of scalars become one row per key; lists are text (``a, b``)."""
    def row(item, v):
        out = {"notebook": nb, "name": name, "item": item, "number": None, "text": None}
        if isinstance(v, bool) or v is None:
            out["text"] = "" if v is None else ("yes" if v else "no")
        elif isinstance(v, (int, float)):
            out["number"] = v
        else:
            out["text"] = _cell_text(v)
        return out

    if isinstance(value, dict):
        return [row(str(k), v) for k, v in value.items()]
    return [row(None, value)]


def numbers_to_tables(numbers: dict, names: dict | None = None) -> dict:
    """Result tables of a review, for ``results.xlsx``.

    The key tables of :data:`KEY_TABLES` come first under their sheet titles
    (``Funded portfolio``, ...), then every other published DataFrame or
    Series as ``<notebook number>.<name>`` (``00.exposure``), then the
    ``numbers`` table: one row per published number (``notebook``, ``name``,
    ``item``, ``number`` as a number, or ``text`` for text, yes/no and lists).
    Each page's ``page.decision`` is left out (the cover quotes it).

    Parameters
    ----------
    numbers : dict
        ``numbers.json`` of a record (notebook stem -> name -> value).
    names : dict, optional
        ``{id_column: {id: name}}``, used to name an unnamed index.
    """
    key_tables: dict[str, pd.DataFrame] = {}
    tables: dict[str, pd.DataFrame] = {}
    rows: list[dict] = []
    for nb, values in numbers.items():
        prefix = nb.split("_", 1)[0]
        for name, value in values.items():
            if name == _DECISION:
                continue
            if _is_split_frame(value) or _is_split_series(value):
                df = _table(value, names)
                key = _KEY_BY_NAME.get(name)
                if key is not None and key.sheet not in key_tables:
                    key_tables[key.sheet] = df
                else:
                    tables[f"{prefix}.{name}"] = df
            else:
                rows.extend(_number_rows(nb, name, value))
    ordered = {k.sheet: key_tables[k.sheet] for k in KEY_TABLES if k.sheet in key_tables}
    ordered.update(tables)
    if rows:
        num = pd.DataFrame(rows, columns=["notebook", "name", "item", "number", "text"])
        num["number"] = pd.to_numeric(num["number"], errors="coerce")
        if num["item"].isna().all():
            num = num.drop(columns="item")
        ordered["numbers"] = num
    return ordered


def cover_from_manifest(manifest: dict, numbers: dict | None = None) -> dict:
    """The cover of ``results.xlsx`` from a record's manifest (and its numbers for the headlines)."""
    data = manifest.get("data") or {}
    files = dict(data.get("files") or {})
    git = manifest.get("git") or {}
    headlines = []
    for nb, values in (numbers or {}).items():
        d = (values or {}).get(_DECISION)
        if isinstance(d, dict) and d.get("headline"):
            headlines.append((page_title(nb, d), d["headline"]))
    present = {k.sheet for k in KEY_TABLES if any(k.name in (v or {}) for v in (numbers or {}).values())}
    return {
        "title": "Portfolio review — results",
        "what": "Result tables of a portfolio review decision record: one sheet per table, units in the headers, "
                "the meaning of each column in its header note and on the 'columns' sheet.",
        "when": manifest.get("ended") or manifest.get("started"),
        "run_id": manifest.get("run_id"),
        "status": manifest.get("status"),
        "data": data.get("path"),
        "fingerprint": data.get("fingerprint") or (data_fingerprint(files) if files else None),
        "files": files,
        "seed": manifest.get("seed"),
        "parameters": json.dumps(manifest.get("parameters") or {}, sort_keys=True, default=str),
        "git": (f"{git.get('commit')}{' (uncommitted changes)' if git.get('dirty') else ''}" if git else None),
        "record": "index.html",
        "headlines": headlines,
        "missing_key_tables": [k.sheet for k in KEY_TABLES if k.sheet not in present] if numbers is not None else [],
    }


def export_results(numbers: dict, path: str | os.PathLike, manifest: dict | None = None, names: dict | None = None,
                   csv: bool = True) -> dict[str, object]:
    """A record's ``results.xlsx`` (and ``results_csv/``): cover, key tables, published tables, numbers.

    Parameters
    ----------
    numbers : dict
        ``numbers.json`` of the record.
    path : str or Path
        The workbook to write (``<record>/results.xlsx``).
    manifest : dict, optional
        The record's manifest, for the cover sheet.
    names : dict, optional
        ``{id_column: {id: name}}`` (``pmo_analytics.tables.columns.id_names(portfolio)``).
    csv : bool, default True

    Returns
    -------
    dict
        ``{"xlsx": Path, "csv": [Path, ...], "tables": [sheet titles]}``; ``{}`` when nothing was published.
    """
    tables = numbers_to_tables(numbers, names)
    if not tables:
        return {}
    cover = cover_from_manifest(manifest, numbers) if manifest is not None else None
    out = export_tables(tables, path, csv=csv, cover=cover, names=names)
    out["tables"] = list(tables)
    return out
