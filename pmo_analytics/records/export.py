"""Give results back where PMOs work: a workbook an analyst reuses, and the same tables as CSV.

A record's ``results.xlsx`` (:mod:`pmo_analytics.records.workbook`) holds a
Contents sheet (the record, its data and seed, each page's headline and every
sheet with its publish key and page), the result tables on sheets named for
people (key tables of :data:`KEY_TABLES` first on their page), the
``Numbers`` sheet (one row per published number; numbers are numbers) and a
``Columns`` glossary; headers are the glossary's labels with units, every
number is formatted by its kind, every table is an Excel Table.

``results_csv/`` is the machine copy of the same tables: one UTF-8 file per
table named after its publish key (``02.uncertainty.spend.csv``,
``Funded_portfolio.csv``), machine column names with their unit
(``p80_cost [currency]``), dates as ISO text, formula-safe text.

Safety and sharing: sheet and file names are made legal
(:func:`~pmo_analytics.records.sheets.sheet_name`), text a spreadsheet would
run as a formula is prefixed with ``'`` (:func:`safe_text`), and files are
written to a temporary name and renamed into place, with the permissions of
the user's umask (``0644`` by default) so colleagues on a shared drive can
open them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from ..tables.identity import fingerprint as data_fingerprint  # the data's fingerprint: one definition
from .publish import page_title
from .sheets import (KEY_TABLES, RESULT_UNITS, KeyTable, _KEY_BY_NAME, _atomic, _cell_text, _check, _prepared, _unit,
                     header_with_unit, safe_text, sheet_name)
from .workbook import export_excel

__all__ = ["export_tables", "export_results", "numbers_to_tables", "export_excel", "export_csv", "sheet_name",
           "safe_text", "header_with_unit", "cover_from_manifest", "data_fingerprint", "KeyTable", "KEY_TABLES",
           "RESULT_UNITS"]

_DECISION = "page.decision"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


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
                  csv: bool = True, *, cover: dict | None = None, names: dict | None = None,
                  currency: str | None = None) -> dict[str, object]:
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
        The record, for the workbook's Contents sheet and page footers (:func:`cover_from_manifest`).
    names : dict, optional
        ``{id_column: {id: name}}``: names beside ids.
    currency : str, optional
        ISO 4217 code of the amounts, for the workbook's money formats (default: the cover's, else the
        display currency, :func:`pmo_analytics.tables.formats.currency`).

    Returns
    -------
    dict
        ``{"xlsx": Path or None, "csv": [Path, ...]}``.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        xlsx = export_excel(tables, path, units, cover=cover, names=names, currency=currency)
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
        title = page_title(nb, (values or {}).get(_DECISION) if isinstance((values or {}).get(_DECISION), dict)
                           else None)
        for name, value in values.items():
            if name == _DECISION:
                continue
            if _is_split_frame(value) or _is_split_series(value):
                df = _table(value, names)
                df.attrs.update({"publish_key": name, "page": nb, "page_title": title})
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
        num.attrs.update({"publish_key": "numbers", "page": "", "page_title": "all pages"})
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
        "what": "Result tables of a portfolio review decision record: one sheet per table (listed below with the "
                "name each has in numbers.json and results_csv/), units in the headers, the meaning of each column "
                "in its header note and on the 'Columns' sheet.",
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
        "currency": manifest.get("currency") or (manifest.get("policy") or {}).get("currency"),
        "confidence": (manifest.get("policy") or {}).get("confidence"),
        "missing_key_tables": [k.sheet for k in KEY_TABLES if k.sheet not in present] if numbers is not None else [],
    }


def export_results(numbers: dict, path: str | os.PathLike, manifest: dict | None = None, names: dict | None = None,
                   csv: bool = True, currency: str | None = None) -> dict[str, object]:
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
    currency : str, optional
        ISO 4217 code of the data's amounts (``[data] currency`` of its ``review.toml``); default the display
        currency (the sample's).

    Returns
    -------
    dict
        ``{"xlsx": Path, "csv": [Path, ...], "tables": [sheet titles]}``; ``{}`` when nothing was published.
    """
    tables = numbers_to_tables(numbers, names)
    if not tables:
        return {}
    cover = cover_from_manifest(manifest, numbers) if manifest is not None else None
    out = export_tables(tables, path, csv=csv, cover=cover, names=names, currency=currency)
    out["tables"] = list(tables)
    return out
