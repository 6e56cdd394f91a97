"""Result tables as files: the key tables of a record, frames made ready for a sheet or a CSV file, safe cells.

Shared by the workbook (:mod:`pmo_analytics.records.workbook`) and the CSV copy
(:mod:`pmo_analytics.records.export`):

* :data:`KEY_TABLES`: the tables every record's workbook should carry;
* :func:`sheet_name`: a legal, unique Excel sheet name (at most 31 characters,
  none of ``[ ] : * ? / \\`` or control characters, not the reserved
  ``History``, unique ignoring case); it also names the CSV files, so ``/``
  and ``..`` never reach the file system;
* :func:`safe_text`: text cells that a spreadsheet would run as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a
  ``'`` in front, the OWASP guard against CSV/formula injection; control
  characters an ``.xlsx`` cannot hold are dropped;
* a frame's informative index is kept as columns, names are put beside ids
  (``project_name`` next to ``project_id``), lists are written as ``a, b``.

Units come from, in order: the ``units`` argument (``{column: unit}`` or
``{table: {column: unit}}``), the frame's ``attrs["units"]`` and the column
definitions (:func:`pmo_analytics.tables.columns.column`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_atomic
from ..tables.columns import COLUMNS, column

__all__ = ["KeyTable", "KEY_TABLES", "RESULT_UNITS", "sheet_name", "safe_text", "header_with_unit"]

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

_BAD_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cannot hold
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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
        first = []
        for c in key.columns:  # p80_cost documents the cost at the record's level: p90_cost at P90
            level = re.fullmatch(r"p80_(.+)", c)
            pattern = re.compile(rf"p\d+(?:\.\d+)?_{re.escape(level.group(1))}") if level else None
            first += [x for x in frame.columns
                      if x not in first and (x == c or (pattern is not None and pattern.fullmatch(str(x))))]
        pos = {c: i for i, c in enumerate(frame.columns)}
        for id_col, (_, present) in _NAME_COLUMNS.items():  # the name stays beside its id
            name_col = next((c for c in present if c in frame.columns), None)
            if name_col is not None and id_col in first and name_col not in first:
                first.insert(first.index(id_col) + 1, name_col)
        frame = frame[first + sorted((c for c in frame.columns if c not in first), key=pos.get)]
    return frame
