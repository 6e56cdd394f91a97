"""Read a portfolio from a folder of CSV files or one ``.xlsx`` workbook.

The reader is the boundary of the package: it never modifies the input,
never evaluates anything found in it (Excel formulas are read as their cached
values, CSV cells are plain text), refuses files that are too large before
parsing them, and turns every problem into a :class:`~pmo_analytics.exceptions.Problem`
naming the file or sheet, the row as the user sees it, and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, DataWarning, MissingTableError, Problem
from .spec import TABLES, TableSpec

__all__ = ["read_raw_tables", "sha256_file", "MAX_FILE_BYTES", "MAX_ROWS", "MAX_XLSX_UNCOMPRESSED"]

#: Largest input file accepted [bytes]. A PMO portfolio is kilobytes; 100 MB
#: means something is wrong, and we say so rather than exhaust memory.
MAX_FILE_BYTES = 100 * 2**20
#: Largest number of data rows accepted in one table.
MAX_ROWS = 1_000_000
#: Largest total uncompressed size of an ``.xlsx`` (zip) archive [bytes]:
#: guards against zip bombs.
MAX_XLSX_UNCOMPRESSED = 500 * 2**20

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (read in blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_size(path: Path, table: str, source: str) -> Problem | None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Problem(table, source, None, None,
                       f"file is {size / 2**20:.0f} MiB, larger than the {MAX_FILE_BYTES / 2**20:.0f} MiB limit")
    return None


def _read_csv(path: Path, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    source = path.name
    p = _check_size(path, table, source)
    if p:
        return None, [p]
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        return None, [Problem(table, source, None, None, "not a text CSV file (binary content)")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None, [Problem(table, source, None, None, "cannot decode the file: save it as UTF-8 CSV")]
        warnings.warn(f"{source}: not UTF-8, read as Windows-1252", DataWarning, stacklevel=3)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[],
                         skipinitialspace=True, nrows=MAX_ROWS + 1, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        return None, [Problem(table, source, None, None, f"cannot parse CSV: {str(exc).strip()[:200]}")]
    return df, []


def _xlsx_guard(path: Path) -> Problem | None:
    source = path.name
    p = _check_size(path, "workbook", source)
    if p:
        return p
    if not zipfile.is_zipfile(path):
        return Problem("workbook", source, None, None, "not an .xlsx workbook (not a zip archive)")
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    if total > MAX_XLSX_UNCOMPRESSED:
        return Problem("workbook", source, None, None,
                       f"workbook expands to {total / 2**20:.0f} MiB, over the "
                       f"{MAX_XLSX_UNCOMPRESSED / 2**20:.0f} MiB limit")
    return None


def _read_xlsx(path: Path, tables: dict) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[Problem]]:
    """Every known sheet of the workbook as a frame of raw cell values."""
    import openpyxl

    problem = _xlsx_guard(path)
    if problem:
        return {}, {}, [problem]
    try:
        # data_only=True: formulas are read as their cached values, never evaluated.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for corrupt archives
        return {}, {}, [Problem("workbook", path.name, None, None, f"cannot open workbook: {exc}"[:250])]
    frames, sources, problems = {}, {}, []
    try:
        for sheet in wb.sheetnames:
            table = sheet.strip().lower()
            if table not in tables:
                continue
            source = f"{path.name}[{sheet}]"
            rows = []
            for i, row in enumerate(wb[sheet].iter_rows(values_only=True)):
                if i > MAX_ROWS:
                    problems.append(Problem(table, source, None, None, f"more than {MAX_ROWS} rows"))
                    break
                rows.append(row)
            sources[table] = source
            if not rows:
                frames[table] = pd.DataFrame()
                continue
            header = ["" if h is None else str(h).strip() for h in rows[0]]
            body = [list(r) + [None] * (len(header) - len(r)) for r in rows[1:]]
            df = pd.DataFrame([r[: len(header)] for r in body], columns=header, dtype=object)
            df = df.loc[:, [h != "" for h in header]]
            frames[table] = df
    finally:
        wb.close()
    return frames, sources, problems


def _cell_text(v) -> str | None:
    """Normalise a raw cell (str from CSV, Python value from Excel) to text, or None if blank."""
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            return str(int(v))
        return repr(v)
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def _coerce(df: pd.DataFrame, spec: TableSpec, source: str) -> tuple[pd.DataFrame, list[Problem], set]:
    """Coerce raw text/Excel values to the spec's types; report each cell that fails.

    Returns the typed frame (failed cells set to missing), the problems and the
    set of (column, index) already reported, so schema checks do not repeat them.
    """
    problems: list[Problem] = []
    reported: set = set()
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        raw = df[col.name]
        is_date_obj = raw.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
        text = raw.map(_cell_text)
        blank = text.isna()
        if col.dtype == "str":
            values = text.astype("str").where(~blank, None)
            out[col.name] = pd.Series(values, index=df.index, dtype=object)
            continue
        if col.dtype in ("int", "float"):
            num = pd.to_numeric(text, errors="coerce")
            bad = ~blank & (num.isna() | ~np.isfinite(num.astype(float)))
            if col.dtype == "int":
                frac = ~bad & ~blank & (num.fillna(0) % 1 != 0)
                bad = bad | frac
                typed = num.where(~bad).astype("Float64").round().astype("Int64")
                expected = "a whole number"
            else:
                typed = num.where(~bad).astype(float)
                expected = "a number"
        elif col.dtype == "bool":
            low = text.str.lower()
            typed = pd.Series(pd.NA, index=df.index, dtype="boolean")
            typed[low.isin(_TRUE)] = True
            typed[low.isin(_FALSE)] = False
            bad = ~blank & typed.isna()
            expected = "true or false"
        elif col.dtype == "date":
            typed = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
            for idx in text[~blank].index:
                v = raw[idx] if is_date_obj[idx] else text[idx]
                try:
                    typed[idx] = pd.Timestamp(v)
                except (ValueError, TypeError, OverflowError):
                    pass
            bad = ~blank & typed.isna()
            expected = "a date (YYYY-MM-DD)"
        else:  # pragma: no cover - specs are static
            raise AssertionError(col.dtype)
        for idx in bad[bad].index:
            problems.append(Problem(spec.name, source, int(idx) + 2, col.name,
                                    f"expected {expected}, got {str(text[idx])[:60]!r}"))
            reported.add((col.name, idx))
        out[col.name] = typed
    extra = [c for c in df.columns if c not in spec.column_names]
    for c in extra:
        out[c] = df[c]
    return out, problems, reported


def read_raw_tables(path: str | Path, tables: dict[str, TableSpec] | None = None
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, str], list[Problem]]:
    """Read every known table found at ``path`` and coerce it to the data model's types.

    Parameters
    ----------
    path : str or Path
        A folder holding ``<table>.csv`` files, or an ``.xlsx`` workbook with
        one sheet per table (sheet names are the table names).
    tables : dict, optional
        The table specs to read (default: the portfolio data model ``TABLES``).

    Returns
    -------
    frames : dict
        Table name to typed DataFrame (index = 0-based data row).
    sources : dict
        Table name to the file or ``workbook[sheet]`` it came from.
    hashes : dict
        File name to SHA-256 of every file read.
    problems : list of Problem
        Problems found so far (unreadable files, cells of the wrong type,
        missing required tables or columns).
    """
    path = Path(path)
    tables = TABLES if tables is None else tables
    problems: list[Problem] = []
    raws: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    hashes: dict[str, str] = {}
    if not path.exists():
        raise MissingTableError([Problem("portfolio", str(path), None, None, "no such file or folder")])
    if path.is_dir():
        for name in tables:
            f = path / f"{name}.csv"
            if not f.is_file():
                continue
            hashes[f.name] = sha256_file(f)
            sources[name] = f.name
            df, probs = _read_csv(f, name)
            problems += probs
            if df is not None:
                raws[name] = df
        unknown = sorted(p.name for p in path.glob("*.csv") if p.stem not in tables)
        for u in unknown:
            warnings.warn(f"{u}: not a pmo_analytics table, ignored", DataWarning, stacklevel=2)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        hashes[path.name] = sha256_file(path)
        raws, sources, probs = _read_xlsx(path, tables)
        problems += probs
        if probs and not raws:
            raise DataValidationError(problems)
    else:
        raise DataValidationError([Problem("portfolio", path.name, None, None,
                                           "expected a folder of CSV files or an .xlsx workbook")])

    missing = [t for t, s in tables.items() if s.required and t not in raws and t not in sources]
    for t in missing:
        where = f"{path.name}[{t}]" if path.is_file() else f"{t}.csv"
        problems.append(Problem(t, where, None, None, "required table is missing"))

    frames: dict[str, pd.DataFrame] = {}
    for name, raw in raws.items():
        spec = tables[name]
        source = sources[name]
        raw = raw.rename(columns=lambda c: str(c).strip().lower())
        if len(raw) > MAX_ROWS:
            problems.append(Problem(name, source, None, None, f"more than {MAX_ROWS} rows"))
            continue
        dup_cols = raw.columns[raw.columns.duplicated()].unique().tolist()
        for c in dup_cols:
            problems.append(Problem(name, source, None, c, "column appears more than once"))
        raw = raw.loc[:, ~raw.columns.duplicated()]
        # drop rows that are entirely blank (trailing rows of a sheet), keeping row numbers
        blank = raw.map(lambda v: _cell_text(v) is None).all(axis=1) if len(raw.columns) else pd.Series(dtype=bool)
        raw = raw.loc[~blank] if len(blank) else raw
        for c in spec.columns:
            if c.required and c.name not in raw.columns:
                problems.append(Problem(name, source, None, c.name, "required column is missing"))
        typed, probs, reported = _coerce(raw, spec, source)
        problems += probs
        typed.attrs["reported"] = reported
        frames[name] = typed
    if missing and not frames:
        raise MissingTableError(problems)
    return frames, sources, hashes, problems
