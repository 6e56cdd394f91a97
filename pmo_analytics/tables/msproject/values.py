"""Java values of an MPXJ project as Python values: strings, enum names, numbers, durations in hours, timestamps."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["_s", "_enum", "_num", "_Hours", "_value_days", "_ts"]


def _s(x) -> str | None:
    return None if x is None else str(x)


_ENUM_NAMES: dict = {}


def _enum(x) -> str | None:
    """Name of a Java enum constant (its toString() may be an abbreviation).

    Each enum class's constants are tabled once, toString() -> name():
    toString() is about 3x cheaper through JPype than name(), and thousands
    of tasks share a handful of constants. A class whose constants share a
    toString() is not tabled (None) and asks name() every time.
    """
    if x is None:
        return None
    if not hasattr(x, "name"):
        return str(x)
    cls = type(x)
    if cls not in _ENUM_NAMES:
        try:
            consts = cls.values()
            table = {str(c): str(c.name()) for c in consts}
            _ENUM_NAMES[cls] = table if len(table) == len(consts) else None
        except Exception:  # noqa: BLE001 - not a Java enum after all
            _ENUM_NAMES[cls] = None
    table = _ENUM_NAMES[cls]
    return table[str(x)] if table is not None else str(x.name())


def _num(x) -> float:
    if x is None:
        return float("nan")
    try:
        return float(x)  # java.lang.Double and friends convert without a call into Java
    except TypeError:
        return float(x.doubleValue())


class _Hours:
    """Durations of the file in hours (elapsed ones counted separately), without Java round trips."""

    def __init__(self, props):
        mpd = props.getMinutesPerDay()
        mpw = props.getMinutesPerWeek()
        dpm = props.getDaysPerMonth()
        self.per_day = (float(mpd) if mpd is not None else 480.0) / 60.0
        self.per_week = (float(mpw) if mpw is not None else 2400.0) / 60.0
        self.per_month = (float(dpm) if dpm is not None else 20.0) * self.per_day
        self.elapsed = 0
        self.percent = 0

    def __call__(self, d, base_hours: float | None = None) -> tuple[float, bool]:
        """(hours, elapsed?) of an MPXJ Duration; NaN for None. Percent is of ``base_hours``."""
        if d is None:
            return math.nan, False
        units = _enum(d.getUnits())
        v = float(d.getDuration())
        if units in ("PERCENT", "ELAPSED_PERCENT"):
            self.percent += 1
            return v / 100.0 * (base_hours if base_hours is not None and not math.isnan(base_hours) else 0.0), False
        elapsed = units.startswith("ELAPSED_")
        u = units[len("ELAPSED_"):] if elapsed else units
        if elapsed:
            per = {"MINUTES": 1 / 60, "HOURS": 1.0, "DAYS": 24.0, "WEEKS": 168.0, "MONTHS": 720.0, "YEARS": 8760.0}
        else:
            per = {"MINUTES": 1 / 60, "HOURS": 1.0, "DAYS": self.per_day, "WEEKS": self.per_week,
                   "MONTHS": self.per_month, "YEARS": 12 * self.per_month}
        return v * per.get(u, self.per_day), elapsed


def _value_days(v, hours: _Hours, hpd: float, default: float = math.nan) -> float:
    if v is None:
        return default
    if hasattr(v, "getUnits"):
        h, _ = hours(v)
        return h / hpd
    try:
        x = float(v.doubleValue() if hasattr(v, "doubleValue") else str(v))
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


def _ts(values) -> pd.Series:
    """Java LocalDateTime values (or None) -> timestamps."""
    return pd.to_datetime(pd.Series([None if v is None else str(v) for v in values], dtype=object),
                          format="ISO8601")
