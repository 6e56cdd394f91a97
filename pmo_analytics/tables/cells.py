"""Typing the cells of a table: text (CSV) or Python values (a workbook) to typed columns, every bad cell
a :class:`~pmo_analytics.exceptions.Problem` naming its row and column.

Below :mod:`pmo_analytics.tables.readers`, which reads the files and hands each table's cells here:
numbers bounded by their domain (a hint for ``1,5`` or ``12 %``), booleans from the usual words, dates as
ISO 8601 or a declared format (``05/01/2026`` is never guessed), spreadsheet error values (``#DIV/0!``)
refused as data.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from ..exceptions import Problem
from .settings import DateFormat
from .spec import DATE_MAX, DATE_MIN, TableSpec

__all__ = ["EXCEL_ERRORS"]

#: Error values a spreadsheet stores when a formula fails; never data.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#EXTERNAL!", "#PYTHON!"})
#: Longest text accepted as a number (longer is certainly not a number of this domain).
_MAX_NUMBER_CHARS = 40

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$"
_NUMERIC_DATE = r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$"
_DATE_WORDS = {"today", "now", "yesterday", "tomorrow", "tbd", "tba", "n/a", "na", "none", "-", "?"}




def _cell_text(v) -> str | None:
    """Normalise a raw cell (str from CSV, Python value from Excel) to text, or None if blank."""
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:
            return None
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return v.isoformat() if hasattr(v, "isoformat") else str(v)
    s = str(v).strip()
    return s or None


def _number_hint(text: str) -> str:
    t = text.strip()
    if t.startswith("="):
        return ": formulas are not evaluated, type the value"
    if t.endswith("%"):
        return ": write percentages as fractions (0.5 for 50%)"
    if re.fullmatch(r"[-+]?[\d.,' \u00a0\u202f]+", t) and ("," in t or "'" in t or " " in t):
        return ": use '.' as the decimal point and no thousands separators (e.g. 1234.5)"
    if len(t) > _MAX_NUMBER_CHARS:
        return ": far too long for a number"
    return ""


def _no_such_day(year: int, month: int, day: int) -> str | None:
    """Why year-month-day is no date (``"February 2026 has 28 days"``), or None when it is one."""
    import calendar

    if not 1 <= month <= 12:
        return f"there is no month {month}"
    last = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last:
        return f"{calendar.month_name[month]} {year} has {last} days"
    return None


def _date_hint(text: str, date_format: DateFormat | None) -> str:
    t = text.strip()
    low = t.lower()
    if low in _DATE_WORDS:
        return ": write the date itself, not a word"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    if m:  # written the ISO way: then it is no date at all, not an ambiguous one
        why = _no_such_day(*(int(g) for g in m.groups()))
        return f": {t} is not a date ({why})" if why else ""
    if date_format is not None and re.fullmatch(_format_regex(date_format), t):
        parts = dict(zip(re.findall(r"YYYY|MM|DD", date_format.label), (int(x) for x in re.findall(r"\d+", t))))
        why = _no_such_day(parts["YYYY"], parts["MM"], parts["DD"])
        return f": {t} is not a date in the declared format {date_format.label} ({why})" if why else ""
    if date_format is None and re.match(_NUMERIC_DATE, t):
        a, b, c = (int(x) for x in re.findall(r"\d+", t))
        if c >= 1000 and _no_such_day(c, b, a) and _no_such_day(c, a, b):
            return f": {t} is not a date, whether read day-first or month-first"
        return (": the order of day and month is ambiguous; write YYYY-MM-DD, or declare the format "
                "(pmo ... --date-format DD/MM/YYYY, or date_format = \"DD/MM/YYYY\" under [data] in review.toml)")
    return ""


def _coerce(df: pd.DataFrame, spec: TableSpec, source: str, date_format: DateFormat | None = None,
            reported: set | None = None) -> tuple[pd.DataFrame, list[Problem], set]:
    """Coerce raw text/Excel values to the spec's types and bounds; report each cell that fails.

    Returns the typed frame (failed cells set to missing), the problems and the
    set of (column, index) already reported, so schema checks do not repeat them.
    Work is vectorised over rows (numpy masks), so time and memory grow linearly
    with the table.
    """
    problems: list[Problem] = []
    reported = set() if reported is None else reported
    index = df.index
    columns: dict[str, object] = {}

    def report(mask: np.ndarray, col: str, message) -> None:
        if not mask.any():
            return
        for pos in np.flatnonzero(mask):
            idx = index[pos]
            if (col, idx) in reported:
                continue
            problems.append(Problem(spec.name, source, int(idx) + 2, col, message(pos)))
            reported.add((col, idx))

    for col in spec.columns:
        if col.name not in df.columns:
            continue
        raw = df[col.name].to_numpy(dtype=object)
        text = np.array([_cell_text(v) for v in raw], dtype=object)
        blank = pd.isna(text)
        if reported:
            done = np.array([(col.name, i) in reported for i in index], dtype=bool)
            blank = blank | done
        err = ~blank & np.isin(text, list(EXCEL_ERRORS))
        report(err, col.name, lambda k: f"the cell holds the error value {text[k]} (a formula that failed), not data")
        blank = blank | err
        text = np.where(blank, None, text)
        if col.dtype == "str":  # blank text is NaN, as pandas reads it (the schedule importer compares)
            columns[col.name] = pd.Series(np.where(blank, np.nan, text), index=index, dtype=object)
            continue
        if col.dtype in ("int", "float"):
            short = np.array([t is not None and len(t) <= _MAX_NUMBER_CHARS for t in text], dtype=bool)
            num = pd.to_numeric(pd.Series(np.where(short, text, None), dtype=object), errors="coerce")
            num = np.asarray(num, dtype=float)
            bad = ~blank & ~np.isfinite(num)
            expected = "a whole number" if col.dtype == "int" else "a number"
            report(bad, col.name, lambda k: f"expected {expected}, got {str(text[k])[:60]!r}{_number_hint(text[k])}")
            ok = ~blank & ~bad
            num = np.where(ok, num, np.nan)
            with np.errstate(invalid="ignore"):
                if col.dtype == "int":
                    frac = ok & (np.mod(num, 1) != 0)
                    report(frac, col.name, lambda k: f"expected a whole number, got {text[k]}")
                    ok = ok & ~frac
                lo, hi = col.bounds
                if col.dtype == "int":  # never beyond what int64 holds: no overflow
                    lim = float(2**53)
                    lo, hi = max(lo if lo is not None else -lim, -lim), min(hi if hi is not None else lim, lim)
                if col.gt is not None:
                    low = ok & (num <= col.gt)
                    report(low, col.name, lambda k: f"expected > {col.gt:g}, got {text[k]}")
                    ok = ok & ~low
                if lo is not None:
                    low = ok & (num < lo)
                    report(low, col.name, lambda k: f"expected >= {lo:g}, got {text[k]}")
                    ok = ok & ~low
                if hi is not None:
                    high = ok & (num > hi)
                    lim = col.domain_limit
                    why = (f" ({col.unit or 'value'} limit of the data model)" if lim is not None and hi == lim
                           and col.le is None else "")
                    report(high, col.name, lambda k: f"expected <= {hi:g}, got {text[k]}{why}")
                    ok = ok & ~high
            num = np.where(ok, num, np.nan)
            if col.dtype == "int":
                columns[col.name] = pd.Series(num, index=index).round().astype("Int64")
            else:
                columns[col.name] = pd.Series(num, index=index)
            continue
        if col.dtype == "bool":
            low = np.array([t.lower() if t is not None else None for t in text], dtype=object)
            is_true, is_false = np.isin(low, list(_TRUE)), np.isin(low, list(_FALSE))
            typed = pd.array(np.where(is_true, True, np.where(is_false, False, None)).tolist(), dtype="boolean")
            report(~blank & ~is_true & ~is_false, col.name,
                   lambda k: f"expected true or false, got {str(text[k])[:60]!r}")
            columns[col.name] = pd.Series(typed, index=index)
            continue
        if col.dtype == "date":
            columns[col.name] = pd.Series(_coerce_dates(raw, text, blank, col.name, date_format, report),
                                          index=index)
            continue
        raise AssertionError(col.dtype)  # pragma: no cover - specs are static
    for c in df.columns:
        if c not in spec.column_names:
            columns[c] = df[c]
    return pd.DataFrame(columns, index=index), problems, reported


def _format_regex(date_format: DateFormat) -> str:
    """The shape of a date in the declared format: digits and its separators only."""
    return re.escape(date_format.label).replace("YYYY", r"\d{4}").replace("DD", r"\d{1,2}").replace("MM", r"\d{1,2}")


def _coerce_dates(raw: np.ndarray, text: np.ndarray, blank: np.ndarray, name: str,
                  date_format: DateFormat | None, report) -> np.ndarray:
    """Dates of one column as ``datetime64[ns]`` (NaT where blank or refused)."""
    n = len(raw)
    typed = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    lo_year, hi_year = int(DATE_MIN[:4]), int(DATE_MAX[:4])
    is_date = ~blank & np.array([isinstance(v, _dt.date) for v in raw], dtype=bool)
    is_num = ~blank & ~is_date & np.array([isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                                           for v in raw], dtype=bool)
    report(is_num, name, lambda k: f"expected a date, got the number {text[k]}: format the cell as a date "
                                   "(or write YYYY-MM-DD)")
    outside = lambda k: f"date {str(text[k])[:10]} is outside {DATE_MIN} .. {DATE_MAX}"  # noqa: E731
    if is_date.any():
        years = np.array([v.year if d else lo_year for v, d in zip(raw, is_date)])
        far = is_date & ((years < lo_year) | (years > hi_year))
        report(far, name, outside)
        use = np.flatnonzero(is_date & ~far)
        typed[use] = pd.to_datetime([pd.Timestamp(raw[k]) for k in use]).to_numpy(dtype="datetime64[ns]")
    is_text = ~blank & ~is_date & ~is_num
    if is_text.any():
        pos = np.flatnonzero(is_text)
        t = pd.Series(text[pos], dtype=object).astype(str)
        iso = t.str.match(_ISO_DATE).to_numpy(dtype=bool)
        if date_format is not None:
            # only digits in the declared shape reach the parser (pandas reads "today" even with a format)
            shaped = t.str.fullmatch(_format_regex(date_format)).to_numpy(dtype=bool)
            declared = np.full(len(t), np.datetime64("NaT"), dtype="datetime64[ns]")
            if shaped.any():
                declared[shaped] = pd.to_datetime(t[shaped], format=date_format.strftime,
                                                  errors="coerce").to_numpy(dtype="datetime64[ns]")
        else:
            declared = np.full(len(t), np.datetime64("NaT"), dtype="datetime64[ns]")
        iso = iso & np.isnat(declared)
        if date_format is not None and (~np.isnat(declared)).any() and iso.any():
            # one column, two formats: the very situation in which dates get misread
            first = pos[np.flatnonzero(~np.isnat(declared))[0]]
            mixed = np.zeros(n, bool)
            mixed[pos[iso]] = True
            report(mixed, name, lambda k: f"the column mixes date formats: {text[k]!r} is YYYY-MM-DD while row "
                                          f"{first + 2} is {date_format.label} ({text[first]!r}); use one format "
                                          "per column")
            pos, t, iso, declared = pos[~iso], t[~iso], iso[~iso], declared[~iso]
        years = np.array([int(x[:4]) if i else lo_year for x, i in zip(t, iso)], dtype=int)
        far_t = iso & ((years < lo_year) | (years > hi_year))
        far = np.zeros(n, bool)
        far[pos[far_t]] = True
        report(far, name, outside)
        parsed = declared.copy()
        take = iso & ~far_t
        if take.any():
            parsed[take] = pd.to_datetime(t[take], format="ISO8601", errors="coerce").to_numpy(dtype="datetime64[ns]")
        expected = ("a date (YYYY-MM-DD)" if date_format is None else
                    f"a date written {date_format.label} (the declared date format) or YYYY-MM-DD")
        bad = np.zeros(n, bool)
        bad[pos[np.isnat(parsed) & ~far_t]] = True
        report(bad, name, lambda k: f"expected {expected}, got {str(text[k])[:60]!r}{_date_hint(str(text[k]), date_format)}")
        typed[pos] = parsed
    with np.errstate(invalid="ignore"):
        out = ~np.isnat(typed) & ((typed < np.datetime64(DATE_MIN)) |
                                  (typed >= np.datetime64(DATE_MAX) + np.timedelta64(1, "D")))
    report(out, name, lambda k: f"date {str(typed[k])[:10]} is outside {DATE_MIN} .. {DATE_MAX}")
    typed[out] = np.datetime64("NaT")
    return typed
