"""Numbers for people: how a value of each kind is written on pages, in tiles, sentences and the workbook.

One place decides how money, working days, periods, probabilities and counts
read, so a table, a decision box and a sentence never disagree:

* **money** carries the portfolio's currency (``[data] currency = "EUR"`` in a
  ``review.toml`` beside the data; default :data:`DEFAULT_CURRENCY`, the
  sample's) and one scale per column (``£5.1 M`` and ``£0.01 M``, never
  ``5.1 M`` above ``9,106``): :func:`money_scale` picks it from the column's
  largest amount, :func:`format_money` writes every value at it;
* **probabilities and shares** are percentages (``45 %``), never fractions;
* **no scientific notation** anywhere (``9.629e+06`` is ``£9.6 M``,
  ``1.608e-15`` is ``0``);
* a missing value is :data:`MISSING` (``–``), with its reason beside it.

The currency is a display setting of the kernel that renders a record
(:func:`set_currency`, set by :func:`pmo_analytics.records.pages.open_review`
from the data's settings), like pandas' display options: the numbers are
never converted, only labelled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math

import numpy as np
import pandas as pd

__all__ = ["MISSING", "DEFAULT_CURRENCY", "DEFAULT_CONFIDENCE", "CURRENCY_SYMBOLS", "set_currency", "currency",
           "currency_symbol", "using_currency", "set_confidence", "confidence", "p_label", "display", "money_scale", "format_money", "format_value", "format_number", "is_missing",
           "SCALES"]

#: Shown instead of a missing value (NaN, None, NaT); the reason goes beside it.
MISSING = "–"
#: The currency of the bundled sample portfolio (Harbourside Utilities reports in pounds sterling; its
#: optimism-bias uplifts are HM Treasury's), used when the data declare none.
DEFAULT_CURRENCY = "GBP"
#: Symbols written before an amount; any other ISO 4217 code is written as a prefix (``CHF 1.2 M``).
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$",
                    "NZD": "NZ$", "CNY": "CN¥", "KRW": "₩", "BRL": "R$", "ZAR": "R"}
#: Money scales: (divisor, suffix), largest first.
SCALES = ((1e9, "bn"), (1e6, "M"), (1e3, "k"), (1.0, ""))

#: The confidence level of the labels people read when a frame does not say its own (``attrs["confidence"]``).
DEFAULT_CONFIDENCE = 80.0

_STATE = {"currency": DEFAULT_CURRENCY, "confidence": DEFAULT_CONFIDENCE}


def set_confidence(level: float | None) -> float:
    """Set the confidence level that labels such as "Cost contingency at {P}" are read at (None: 80); returns it."""
    level = DEFAULT_CONFIDENCE if level is None else float(level)
    if not 0 < level < 100:
        raise ValueError(f"a confidence level is a percentile between 0 and 100, got {level!r}")
    _STATE["confidence"] = level
    return level


def confidence() -> float:
    """The confidence level labels are read at now (80 = P80)."""
    return _STATE["confidence"]


def p_label(level: float | None = None) -> str:
    """``"P80"`` for 80, ``"P97.5"`` for 97.5 (default: the display confidence)."""
    level = confidence() if level is None else float(level)
    return f"P{level:g}"


def set_currency(code: str | None) -> str:
    """Set the currency money is written in (an ISO 4217 code such as ``"EUR"``; None: the default); returns it.

    Raises
    ------
    ValueError
        for anything but three letters.
    """
    code = DEFAULT_CURRENCY if code is None else str(code).strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValueError(f"a currency is a three-letter ISO 4217 code such as GBP, EUR or USD, got {code!r}")
    _STATE["currency"] = code
    return code


def currency() -> str:
    """The ISO 4217 code money is written in now."""
    return _STATE["currency"]


def currency_symbol(code: str | None = None) -> str:
    """``£`` for GBP, ``€`` for EUR, ``CHF `` (code and a space) for a currency without a symbol of its own."""
    code = code or currency()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


@contextlib.contextmanager
def using_currency(code: str | None):
    """Write money in ``code`` inside the block (the previous currency afterwards)."""
    before = currency()
    set_currency(code)
    try:
        yield
    finally:
        _STATE["currency"] = before


@contextlib.contextmanager
def display(currency_code: str | None = None, confidence_level: float | None = None):
    """Labels and money read in ``currency_code`` at ``confidence_level`` inside the block (restored after)."""
    before = dict(_STATE)
    set_currency(currency_code)
    set_confidence(confidence_level)
    try:
        yield
    finally:
        _STATE.update(before)


def is_missing(value) -> bool:
    """None, NaN, NaT and pandas' NA (not an empty list)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def money_scale(values) -> tuple[float, str]:
    """The scale of a column of amounts: ``(1e6, "M")`` when its largest amount is a million or more, etc.

    Amounts under 10,000 are written in full (``£9,106``), as :func:`format_money` writes a lone amount.
    """
    arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    arr = np.abs(arr[np.isfinite(arr)])
    top = float(arr.max()) if len(arr) else 0.0
    if top >= 1e9:
        return SCALES[0]
    if top >= 1e6:
        return SCALES[1]
    if top >= 1e4:
        return SCALES[2]
    return SCALES[3]


def format_money(value: float, scale: tuple[float, str] | None = None, symbol: bool = True) -> str:
    """Amounts for people: ``£12.3 M``, ``£1.25 bn``, ``£845 k``, ``£512`` (sign first: ``-£1.2 M``).

    Parameters
    ----------
    value : float
        The amount [currency].
    scale : (divisor, suffix), optional
        Write the amount at this scale (:func:`money_scale` of its column), so a column reads in one unit:
        ``£0.01 M`` beside ``£5.1 M``. Default: the amount's own scale.
    symbol : bool, default True
        Write the currency (:func:`currency_symbol`).
    """
    x = float(value)
    a = abs(x)
    if scale is None:
        if a >= 1e9:
            scale = SCALES[0]
        elif a >= 1e6:
            scale = SCALES[1]
        elif a >= 1e4:
            scale = SCALES[2]
        else:
            scale = SCALES[3]
    div, suffix = scale
    v = a / div
    if suffix == "bn":
        s = f"{v:,.2f}"
    elif suffix == "M":
        s = f"{v:,.1f}" if v >= 0.095 or v == 0 else f"{v:,.2f}"
    elif suffix == "k":
        s = f"{v:,.0f}" if v >= 9.5 or v == 0 else f"{v:,.1f}"
    else:
        s = f"{v:,.0f}"
    zero = not s.strip("0.,")
    text = (currency_symbol() if symbol else "") + s + (f" {suffix}" if suffix else "")
    return ("-" if x < 0 and not zero else "") + text


def format_number(x: float, decimals: int | None = None) -> str:
    """A plain number without scientific notation: thousands separated, at most 4 significant decimals."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if decimals is not None:
        return f"{x:,.{decimals}f}"
    if abs(x) < 5e-13:
        return "0"
    if x == round(x) and abs(x) < 1e15:
        return f"{x:,.0f}"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
    text = f"{x:,.{min(digits, 6)}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def format_value(value, kind: str = "number", *, scale: tuple[float, str] | None = None) -> str:
    """``value`` written for people according to its ``kind`` (see :mod:`pmo_analytics.tables.columns`).

    Missing values (None, NaN, NaT) are :data:`MISSING`; lists are joined with
    ``", "``; ``scale`` is a money column's scale (:func:`money_scale`).
    """
    if isinstance(value, (list, tuple, set)):
        return ", ".join(format_value(v, kind) for v in value) if value else "none"
    if is_missing(value):
        return MISSING
    if kind in ("id", "text"):
        return str(value)
    if isinstance(value, str) and kind != "date":
        return value  # text is shown as given, whatever the column's kind
    if kind == "flag":
        return "yes" if bool(value) else "no"
    if kind == "date":
        if isinstance(value, str):
            try:
                value = pd.Timestamp(value)
            except (ValueError, TypeError):
                return value
        if isinstance(value, (pd.Timestamp, dt.datetime)):
            return value.strftime("%Y-%m-%d") if (value.hour, value.minute) == (0, 0) else \
                value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if kind == "money":
        return format_money(x, scale)
    if kind in ("probability", "share"):
        pct = 100 * x
        if abs(pct) < 5e-11:
            return "0 %"
        return f"{pct:.0f} %" if abs(pct) >= 1 else f"{pct:.1f} %"
    if kind == "percent":
        return f"{x:.0f} %" if x == round(x) else f"{x:.1f} %"
    if kind == "days":
        return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    if kind in ("period", "periods", "count"):
        return f"{x:,.0f}" if x == round(x) else f"{x:,.1f}"
    if kind == "fte":
        return f"{x:.1f}"
    if kind == "score":
        return f"{x:.3f}" if abs(x) <= 1 else f"{x:.1f}"  # a weighted score (0-1) at the shortlist's precision
    if kind == "ratio":
        return f"{x:.2f}"
    return format_number(x)
