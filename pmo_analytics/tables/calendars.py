"""Work weeks of the ``calendars`` table: parsing and writing the ``work_week`` cell.

A work week lists the working weekdays, optionally with their working hours,
separated by ``;``:

* ``Mon-Fri``: each day ``hours_per_day`` hours from 08:00;
* ``Mon-Thu=9; Fri=4``: a 40-hour week with a short Friday (from 08:00);
* ``Mon-Fri=08:00-12:00,13:00-17:00``: the working periods of the day, as the
  scheduling tools store them (a day's periods decide where a successor on
  another calendar can start);
* ``Sun-Thu`` (a Friday-Saturday weekend), ``Mon-Sun=24`` (round the clock).

Days not listed do not work. Ranges of days wrap round the week (``Sat-Tue`` is
Sat, Sun, Mon, Tue).
"""

from __future__ import annotations

import re

__all__ = ["WEEKDAYS", "DAY_START", "parse_work_week", "parse_periods", "format_work_week"]

#: Weekday names in ``work_week`` cells, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Hour of day a working day given by its hours only starts at.
DAY_START = 8.0
_ITEM = re.compile(r"^(?P<a>[A-Za-z]{3})[a-z]*(?:\s*-\s*(?P<b>[A-Za-z]{3})[a-z]*)?(?:\s*=\s*(?P<v>.+))?$")
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_periods(text: str) -> tuple[tuple[float, float], ...]:
    """Working periods of a day from ``"08:00-12:00,13:00-17:00"`` [hours of day]; an end at 00:00 is midnight.

    Raises
    ------
    ValueError
        for an unreadable or overlapping period.
    """
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        m = _PERIOD.match(part)
        if not m:
            raise ValueError(f"cannot read working period {part[:20]!r}: expected e.g. '08:00-12:00'")
        a = int(m[1]) + int(m[2]) / 60.0
        b = int(m[3]) + int(m[4]) / 60.0
        if b == 0:
            b = 24.0
        if not (0 <= a < b <= 24):
            raise ValueError(f"working period {part!r} must run forward within one day")
        out.append((a, b))
    out.sort()
    for (a0, b0), (a1, _) in zip(out, out[1:]):
        if a1 < b0:
            raise ValueError(f"working periods overlap in {text!r}")
    return tuple(out)


def _hours_periods(h: float) -> tuple[tuple[float, float], ...]:
    if h >= 24:
        return ((0.0, 24.0),)
    start = DAY_START if DAY_START + h <= 24 else 24.0 - h
    return ((start, start + h),)


def parse_work_week(text, hours_per_day: float = 8.0, periods: bool = False):
    """Working hours (or periods) of each weekday, Monday first, from a ``work_week`` cell.

    Parameters
    ----------
    text : str
        E.g. ``"Mon-Fri"``, ``"Mon-Thu=9; Fri=4"`` or
        ``"Mon-Fri=08:00-12:00,13:00-17:00"``; blank means ``Mon-Fri``.
    hours_per_day : float
        Hours of a listed day without ``=hours`` [hours].
    periods : bool, default False
        Return the working periods of each day instead of its hours.

    Returns
    -------
    tuple of 7
        Hours on Monday .. Sunday [hours] (0 for a day off), or with
        ``periods=True`` tuples of ``(start, end)`` [hours of day].

    Raises
    ------
    ValueError
        for an unreadable item, a day listed twice, hours outside (0, 24], or
        a week without working time.

    Examples
    --------
    >>> parse_work_week("Mon-Thu=9; Fri=4")
    (9.0, 9.0, 9.0, 9.0, 4.0, 0.0, 0.0)
    >>> parse_work_week("Mon=08:00-12:00,13:00-17:00", periods=True)[0]
    ((8.0, 12.0), (13.0, 17.0))
    """
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        text = "Mon-Fri"
    week: list = [()] * 7
    seen: set[int] = set()
    for item in (t.strip() for t in str(text).split(";")):
        if not item:
            continue
        m = _ITEM.match(item)
        if not m:
            raise ValueError(f"cannot read work week item {item[:30]!r}: expected e.g. 'Mon-Fri' or 'Fri=4'")
        a, b = m["a"].title(), (m["b"] or m["a"]).title()
        if a not in WEEKDAYS or b not in WEEKDAYS:
            raise ValueError(f"unknown weekday in {item!r}: use {', '.join(WEEKDAYS)}")
        v = (m["v"] or "").strip()
        if ":" in v:
            per = parse_periods(v)
        else:
            try:
                h = float(v) if v else float(hours_per_day)
            except ValueError:
                raise ValueError(f"cannot read work week item {item[:30]!r}: expected hours (Fri=4) or periods "
                                 "(Fri=08:00-12:00)") from None
            if not 0 < h <= 24:
                raise ValueError(f"working hours must be in (0, 24], got {h:g} in {item!r}")
            per = _hours_periods(h)
        i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
        days = [(i + k) % 7 for k in range((j - i) % 7 + 1)]
        if seen & set(days):
            raise ValueError(f"weekday listed twice in work week {text!r}")
        seen |= set(days)
        for d in days:
            week[d] = per
    if not any(week):
        raise ValueError(f"work week {text!r} has no working day")
    if periods:
        return tuple(week)
    return tuple(float(sum(e - s for s, e in p)) for p in week)


def _clock(x: float) -> str:
    h = int(round(x * 60)) // 60
    m = int(round(x * 60)) % 60
    return f"{h % 24:02d}:{m:02d}" if h < 24 or m else "00:00"


def format_work_week(week, hours_per_day: float = 8.0) -> str:
    """The ``work_week`` cell of a week: hours per weekday, or working periods per weekday (Monday first).

    Runs of equal days are written as ranges; a day of ``hours_per_day`` hours
    from 08:00 is written by its name alone.

    Examples
    --------
    >>> format_work_week((8, 8, 8, 8, 8, 0, 0))
    'Mon-Fri'
    >>> format_work_week((9, 9, 9, 9, 4, 0, 0))
    'Mon-Thu=9; Fri=4'
    >>> format_work_week([((8, 12), (13, 17))] * 5 + [(), ()])
    'Mon-Fri=08:00-12:00,13:00-17:00'
    """
    days = []
    for x in week:
        if isinstance(x, (int, float)):
            days.append(_hours_periods(float(x)) if x > 0 else ())
        else:
            days.append(tuple((float(a), float(b)) for a, b in x))
    items, d = [], 0
    while d < 7:
        if not days[d]:
            d += 1
            continue
        e = d
        while e + 1 < 7 and days[e + 1] == days[d]:
            e += 1
        span = WEEKDAYS[d] if e == d else f"{WEEKDAYS[d]}-{WEEKDAYS[e]}"
        per = days[d]
        h = sum(b - a for a, b in per)
        if per == _hours_periods(h):
            items.append(span if abs(h - hours_per_day) < 1e-9 else f"{span}={h:g}")
        else:
            items.append(f"{span}=" + ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in per))
        d = e + 1
    return "; ".join(items)
