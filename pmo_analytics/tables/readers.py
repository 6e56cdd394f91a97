"""Read a portfolio from a folder of CSV files or one ``.xlsx`` workbook.

The reader is the boundary of the package. It

* never modifies the input and never evaluates anything found in it (Excel
  formulas are read as their cached values, CSV cells are plain text);
* reads only regular files inside the data folder: links out of the folder,
  named pipes (FIFOs), devices and sockets are refused with a message, and a
  FIFO never blocks the reader (it is inspected, never opened for reading);
* refuses files that are too large before parsing them, and bounds every
  number by its domain (:attr:`~pmo_analytics.tables.spec.ColumnSpec.bounds`),
  so memory grows with the size of the data, never with the value of one cell;
* reads dates as ISO 8601 (``YYYY-MM-DD``) unless another format is declared
  (``date_format``, or ``[data] date_format`` in a ``review.toml`` beside the
  data): ``05/01/2026`` is never guessed to be 5 January or 1 May;
* reads a workbook completely whatever its stored ``<dimension>`` says, and
  reports formula cells without a cached value and cached errors (``#DIV/0!``)
  by cell;
* turns every problem into a :class:`~pmo_analytics.exceptions.Problem` naming
  the file or sheet, the row as the user sees it, and the column.

Suspicious but legal input (an unknown column, a sheet or file that is not a
table, example rows of the template) is reported as a
:class:`~pmo_analytics.exceptions.DataWarning` naming it.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exceptions import DataValidationError, DataWarning, MissingTableError, Problem
from .cells import EXCEL_ERRORS, _cell_text, _coerce
from .files import MAX_FILE_BYTES, InputRefused, read_input_file, sha256_file
from .settings import DateFormat, parse_date_format, read_settings
from .spec import TABLES, TableSpec

__all__ = ["read_raw_tables", "read_input_file", "InputRefused", "sha256_file", "MAX_FILE_BYTES", "MAX_ROWS",
           "MAX_XLSX_UNCOMPRESSED", "EXCEL_ERRORS", "EXAMPLE_PREFIX"]

#: Largest number of data rows accepted in one table.
MAX_ROWS = 1_000_000
#: Largest total uncompressed size of an ``.xlsx`` (zip) archive [bytes]:
#: guards against zip bombs.
MAX_XLSX_UNCOMPRESSED = 500 * 2**20
#: Rows whose first cell starts with this text are examples (the template has one per sheet): ignored, with a note.
EXAMPLE_PREFIX = "EXAMPLE-"
# ---------------------------------------------------------------------------------------------- raw tables
@dataclass
class _Raw:
    """One table as read, before typing: header cells, data rows, and cells flagged by the file reader."""

    header: list
    rows: list = field(default_factory=list)
    numbers: list = field(default_factory=list)  # row number as the user sees it, per data row
    flagged: dict = field(default_factory=dict)  # (row number, column position) -> message
    excel: bool = False
    maybe_formula: list = field(default_factory=list)  # present cells without a value: formulas not yet computed?


def _column_name(pos: int, excel: bool) -> str:
    if not excel:
        return f"field {pos + 1}"
    from openpyxl.utils import get_column_letter

    return f"column {get_column_letter(pos + 1)}"


def _decode(raw: bytes, source: str) -> tuple[str | None, str | None]:
    """Text of a CSV file (BOMs honoured; UTF-8, else Windows-1252 with a warning) or an error message."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(enc), None
            except UnicodeDecodeError:
                return None, f"cannot decode the file as {enc.upper()} (its byte-order mark says so)"
    if b"\x00" in raw[:65536]:
        return None, "not a text CSV file (binary content)"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None, "cannot decode the file: save it as UTF-8 CSV"
    warnings.warn(f"{source}: not UTF-8, read as Windows-1252", DataWarning, stacklevel=4)
    return text, None


def _sniff_delimiter(header_line: str) -> str:
    """The field separator of a CSV from its header line: ',' unless ';' or tab is clearly meant."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def _parse_csv(raw: bytes, source: str) -> tuple[_Raw | None, list[str]]:
    """Rows of a CSV file, or (None, [error])."""
    text, err = _decode(raw, source)
    if err:
        return None, [err]
    text = text.lstrip("\ufeff")
    offset = 0
    nl = text.find("\n")
    first = (text[:nl] if nl >= 0 else text).rstrip("\r")
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    if m:  # Excel's "sep=;" first line names the separator
        delimiter, offset = m.group(1), 1
        text = text[nl + 1:] if nl >= 0 else ""
        nl = text.find("\n")
        first = (text[:nl] if nl >= 0 else text).rstrip("\r")
    else:
        delimiter = _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[str] = []
    try:
        header = next(reader, None)
        if header is None:
            return _Raw([]), []
        out = _Raw(header)
        start = reader.line_num + 1
        for rec in reader:
            if len(out.rows) >= MAX_ROWS:
                return None, [f"more than {MAX_ROWS} rows"]
            out.rows.append(rec)
            out.numbers.append(start + offset)
            start = reader.line_num + 1
    except csv.Error as exc:
        return None, [f"cannot parse CSV at line {reader.line_num + offset}: {exc}"]
    return out, errors


class _Reported(set):
    """Cells already reported, kept in ``DataFrame.attrs``: shared, never deep-copied.

    pandas deep-copies ``attrs`` on every operation; a plain set of thousands of
    cells made validation quadratic in the number of bad cells.
    """

    def __deepcopy__(self, memo):
        return self


class _TooManyRows(Exception):
    pass


def _sheet_rows(ws) -> _Raw:
    """Every row of a read-only worksheet, ignoring its stored dimension; error cells flagged."""
    from openpyxl.cell.read_only import EMPTY_CELL

    ws.reset_dimensions()  # a stale <dimension> must not hide rows or columns
    raw = _Raw([], excel=True)
    maybe_formula = raw.maybe_formula
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r > MAX_ROWS + 1:
            raise _TooManyRows
        values = []
        for c, cell in enumerate(row):
            v = cell.value
            if getattr(cell, "data_type", None) == "e":
                raw.flagged[(r, c)] = f"the cell holds the error value {v} (a formula that failed), not data"
                v = None
            elif v is None and cell is not EMPTY_CELL:
                maybe_formula.append((r, c))
            values.append(v)
        if r == 1:
            raw.header = values
        else:
            raw.rows.append(values)
            raw.numbers.append(r)
    return raw


def _formula_cells(wb_formulas, sheet: str, positions: set) -> dict:
    """Formulas (text) at ``positions`` of ``sheet`` in a workbook opened with formulas."""
    ws = wb_formulas[sheet]
    ws.reset_dimensions()
    last = max(r for r, _ in positions)
    found = {}
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r > last:
            break
        for c, cell in enumerate(row):
            if (r, c) in positions and getattr(cell, "data_type", None) == "f":
                v = cell.value
                found[(r, c)] = str(getattr(v, "text", v))[:60]
    return found


def _xlsx_guard(data: bytes, name: str) -> Problem | None:
    buf = io.BytesIO(data)
    if not zipfile.is_zipfile(buf):
        return Problem("workbook", name, None, None, "not an .xlsx workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(buf) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Problem("workbook", name, None, None, f"corrupt workbook: {exc}"[:250])
    if total > MAX_XLSX_UNCOMPRESSED:
        return Problem("workbook", name, None, None,
                       f"workbook expands to {total / 2**20:.0f} MiB, over the "
                       f"{MAX_XLSX_UNCOMPRESSED / 2**20:.0f} MiB limit")
    return None


def _read_xlsx(data: bytes, name: str, tables: dict) -> tuple[dict[str, _Raw], dict[str, str], list[Problem]]:
    """Every known sheet of the workbook as raw rows."""
    import openpyxl

    problem = _xlsx_guard(data, name)
    if problem:
        return {}, {}, [problem]

    def load(data_only):
        # data_only=True: formulas are read as their cached values, never evaluated.
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)

    try:
        wb = load(True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt archives
        sheet = _sheet_of_member(data, str(exc))
        if sheet is not None:
            table = sheet.strip().lower()
            return {}, {table: f"{name}[{sheet}]"}, [Problem(table if table in tables else "workbook",
                                                             f"{name}[{sheet}]", None, None,
                                                             f"cannot read the sheet, the workbook is corrupt: "
                                                             f"{exc}"[:250])]
        return {}, {}, [Problem("workbook", name, None, None, f"cannot open workbook (corrupt?): {exc}"[:250])]
    raws: dict[str, _Raw] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    wb_formulas = None
    try:
        for sheet in wb.sheetnames:
            table = sheet.strip().lower()
            source = f"{name}[{sheet}]"
            if table not in tables:
                if table != "readme":
                    warnings.warn(f"{source}: not a pmo_analytics table, ignored{_did_you_mean(table, tables)}",
                                  DataWarning, stacklevel=4)
                continue
            if table in sources:
                problems.append(Problem(table, source, None, None,
                                        f"a second sheet for table {table} (also {sources[table]}): keep one"))
                continue
            sources[table] = source
            ws = wb[sheet]
            if not hasattr(ws, "reset_dimensions"):
                problems.append(Problem(table, source, None, None, "is a chart sheet, not a table"))
                continue
            try:
                raw = _sheet_rows(ws)
                maybe = set(raw.maybe_formula)
                if maybe:
                    wb_formulas = wb_formulas or load(False)
                    for pos, formula in _formula_cells(wb_formulas, sheet, maybe).items():
                        raw.flagged[pos] = (f"formula {formula} has no calculated value stored: open and save the "
                                            "workbook in Excel or LibreOffice, or type the value")
            except _TooManyRows:
                problems.append(Problem(table, source, None, None, f"more than {MAX_ROWS} rows"))
                continue
            except Exception as exc:  # noqa: BLE001 - malformed XML, bad CRC, truncated member ...
                problems.append(Problem(table, source, None, None,
                                        f"cannot read the sheet, the workbook is corrupt: {exc}"[:250]))
                continue
            raws[table] = raw
    finally:
        wb.close()
        if wb_formulas is not None:
            wb_formulas.close()
    return raws, sources, problems


def _sheet_of_member(data: bytes, message: str) -> str | None:
    """The title of the sheet whose zip member a (load-time) error message names, if any."""
    m = re.search(r"(xl/worksheets/[^'\"\s]+\.xml)", message)
    if not m:
        return None
    try:
        from openpyxl.reader.workbook import WorkbookParser

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parser = WorkbookParser(zf, "xl/workbook.xml", keep_links=False)
            parser.parse()
            for sheet, rel in parser.find_sheets():
                if rel.target.lstrip("/").endswith(m.group(1)) or m.group(1).endswith(rel.target.lstrip("/")):
                    return sheet.name
    except Exception:  # noqa: BLE001 - the workbook part itself is damaged: name the member instead
        return None
    return None


def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------------------------------------- frames
def _frame(raw: _Raw, spec: TableSpec, source: str, problems: list[Problem]) -> tuple[pd.DataFrame, set]:
    """A raw table as a DataFrame of its named columns (index = row number - 2), with header problems reported."""
    names = ["" if h is None else str(h).replace("\ufeff", "").strip().lower() for h in raw.header]
    width = len(names)
    unheaded: dict[int, int] = {}
    rows = []
    for number, row in zip(raw.numbers, raw.rows):
        row = list(row)
        if len(row) > width:
            extra = [i for i, v in enumerate(row[width:], start=width) if _cell_text(v) is not None]
            if extra and not raw.excel:
                problems.append(Problem(spec.name, source, number, None,
                                        f"the row has {len(row)} values but the header has {width} columns "
                                        "(an unquoted separator in a value?)"))
            elif extra:
                for i in extra:
                    unheaded.setdefault(i, number)
            row = row[:width]
        rows.append(row + [None] * (width - len(row)))
    index = pd.Index([n - 2 for n in raw.numbers], dtype="int64")
    df = pd.DataFrame(rows, columns=range(width), index=index, dtype=object) if rows else \
        pd.DataFrame(columns=range(width), index=index, dtype=object)
    for i, name in enumerate(names):
        if name == "" and len(df) and df[i].map(lambda v: _cell_text(v) is not None).any():
            unheaded.setdefault(i, int(df.index[df[i].map(lambda v: _cell_text(v) is not None)][0]) + 2)
    for i, number in sorted(unheaded.items()):
        where = _column_name(i, raw.excel)
        warnings.warn(f"{source}: {where} has values (row {number}) but no header: ignored", DataWarning,
                      stacklevel=4)
    keep, seen = [], {}
    for i, name in enumerate(names):
        if name == "":
            continue
        if name in seen:
            problems.append(Problem(spec.name, source, None, name,
                                    f"column appears more than once ({_column_name(seen[name], raw.excel)} and "
                                    f"{_column_name(i, raw.excel)}): keep one"))
            continue
        seen[name] = i
        keep.append(i)
    df = df[keep]
    df.columns = [names[i] for i in keep]
    reported = set()
    for (r, c), message in raw.flagged.items():
        if c in keep and names[c] in spec.column_names and (r - 2) in df.index:
            problems.append(Problem(spec.name, source, r, names[c], message))
            reported.add((names[c], r - 2))
            df.at[r - 2, names[c]] = None
    known = set(spec.column_names)
    for name in df.columns:
        if name not in known:
            warnings.warn(f"{source}: column '{name}' is not part of the {spec.name} table and is not used"
                          f"{_did_you_mean(name, known - set(df.columns))}", DataWarning, stacklevel=4)
    return df, reported


def _empty_table(raw: _Raw, required: bool) -> str | None:
    """Why a table has nothing to read (an empty file, a blank header row), or None."""
    if any(_cell_text(h) is not None for h in raw.header):
        return None
    what = "sheet" if raw.excel else "file"
    if not any(_cell_text(v) is not None for row in raw.rows for v in row):
        return (f"the {what} is empty (not even a header row): write the header row of the table"
                + ("" if required else f" (the table is optional: or delete the {what})"))
    return f"the header row (row 1) of the {what} is blank: the first row must name the columns"


def read_raw_tables(path: str | Path, tables: dict[str, TableSpec] | None = None, *,
                    date_format: str | DateFormat | None = None
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, str], dict[str, str], list[Problem]]:
    """Read every known table found at ``path`` and coerce it to the data model's types.

    Parameters
    ----------
    path : str or Path
        A folder holding ``<table>.csv`` files, or an ``.xlsx`` workbook with
        one sheet per table (sheet names are the table names).
    tables : dict, optional
        The table specs to read (default: the portfolio data model ``TABLES``).
    date_format : str, optional
        How dates written as text are read, e.g. ``"DD/MM/YYYY"`` (see
        :func:`~pmo_analytics.tables.settings.parse_date_format`). Default: the
        ``[data] date_format`` of a ``review.toml`` beside the data, else ISO 8601.

    Returns
    -------
    frames : dict
        Table name to typed DataFrame (index = row number as the user sees it, minus 2).
    sources : dict
        Table name to the file or ``workbook[sheet]`` it came from.
    hashes : dict
        File name to SHA-256 of every file read (``review.toml`` included when present).
    problems : list of Problem
        Problems found so far (unreadable files, cells of the wrong type or
        out of bounds, missing or empty required tables, missing columns).

    Raises
    ------
    ValueError
        for an invalid ``date_format``.
    MissingTableError, DataValidationError
        when there is nothing to read at all.
    """
    path = Path(path)
    tables = TABLES if tables is None else tables
    declared = parse_date_format(date_format)
    problems: list[Problem] = []
    raws: dict[str, _Raw] = {}
    sources: dict[str, str] = {}
    hashes: dict[str, str] = {}
    if not path.exists():
        raise MissingTableError([Problem("portfolio", str(path), None, None, "no such file or folder")])
    try:
        settings = read_settings(path)
    except DataValidationError as exc:
        problems += exc.problems
        settings = None
    if settings is not None and settings.path is not None:
        hashes[settings.path.name] = sha256_file(settings.path)
        if declared is not None and settings.date_format is not None and declared != settings.date_format:
            warnings.warn(f"date format {declared} given overrides {settings.date_format} of "
                          f"{settings.path.name}", DataWarning, stacklevel=2)
    if declared is None and date_format is None and settings is not None:
        declared = settings.date_format

    if path.is_dir():
        with os.scandir(path) as it:
            entries = sorted(e.name for e in it)
        for fname in entries:
            if not fname.lower().endswith(".csv"):
                continue
            name = fname[:-4]
            if name not in tables:
                # exact names only: the data's identity (tables.identity) lists <table>.csv files
                low = name.strip().lower()
                hint = f" — rename it to {low}.csv" if low in tables else _did_you_mean(name, tables)
                warnings.warn(f"{fname}: not a pmo_analytics table, ignored{hint}", DataWarning, stacklevel=2)
                continue
            sources[name] = fname
            try:
                data = read_input_file(path / fname, path, limit=MAX_FILE_BYTES)
            except InputRefused as exc:
                problems.append(Problem(name, fname, None, None, str(exc)))
                continue
            hashes[fname] = hashlib.sha256(data).hexdigest()
            raw, errs = _parse_csv(data, fname)
            problems += [Problem(name, fname, None, None, e) for e in errs]
            if raw is not None:
                raws[name] = raw
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            data = read_input_file(path, limit=MAX_FILE_BYTES)
        except InputRefused as exc:
            raise DataValidationError([Problem("workbook", path.name, None, None, str(exc))]) from None
        hashes[path.name] = hashlib.sha256(data).hexdigest()
        raws, sources, probs = _read_xlsx(data, path.name, tables)
        problems += probs
        if probs and not raws:  # nothing readable: say why, not which tables are therefore missing
            raise DataValidationError(problems)
    else:
        hint = {".xls": ": save it as .xlsx", ".ods": ": save it as .xlsx",
                ".csv": ": give the folder that holds the CSV files"}.get(path.suffix.lower(), "")
        raise DataValidationError([Problem("portfolio", path.name, None, None,
                                           f"expected a folder of CSV files or an .xlsx workbook{hint}")])

    missing = [t for t, s in tables.items() if s.required and t not in raws and t not in sources]
    for t in missing:
        where = f"{path.name}[{t}]" if path.is_file() else f"{t}.csv"
        problems.append(Problem(t, where, None, None, "required table is missing"))

    frames: dict[str, pd.DataFrame] = {}
    examples: list[str] = []
    for name, raw in raws.items():
        spec = tables[name]
        source = sources[name]
        empty = _empty_table(raw, spec.required)
        if empty:  # one sentence, not one "required column is missing" per column
            problems.append(Problem(name, source, None, None, empty))
            continue
        if len(raw.rows) > MAX_ROWS:
            problems.append(Problem(name, source, None, None, f"more than {MAX_ROWS} rows"))
            continue
        df, reported = _frame(raw, spec, source, problems)
        # drop rows that are entirely blank (trailing rows of a sheet), keeping row numbers
        if len(df.columns) and len(df):
            blank = df.map(lambda v: _cell_text(v) is None).all(axis=1)
            df = df.loc[~blank]
        first = spec.columns[0].name
        example = pd.Series(False, index=df.index)
        if first in df.columns and len(df):
            example = df[first].map(lambda v: str(v).strip().startswith(EXAMPLE_PREFIX) if v is not None else False)
            if example.any():
                rows = ", ".join(str(int(i) + 2) for i in df.index[example][:5])
                examples.append(f"{source} row {rows}")
                df = df.loc[~example]
        for c in spec.columns:
            if c.required and c.name not in df.columns:
                problems.append(Problem(name, source, None, c.name, "required column is missing"))
        if spec.required and len(df) == 0:
            problems.append(Problem(name, source, None, None, "required table has no rows"
                                    + (" (only an example row, which is ignored)" if example.any() else "")))
        typed, probs, reported = _coerce(df, spec, source, declared, reported)
        problems += probs
        typed.attrs["reported"] = _Reported(reported)
        frames[name] = typed
    if examples:
        more = f" and {len(examples) - 3} more" if len(examples) > 3 else ""
        warnings.warn(f"{len(examples)} example row(s) ignored (first cell starts with {EXAMPLE_PREFIX}): "
                      + "; ".join(examples[:3]) + more, DataWarning, stacklevel=2)
    if missing and not frames:
        raise MissingTableError(problems)
    return frames, sources, hashes, problems
