"""Calendars of a schedule file: working hours per weekday, exceptions, and timestamps mapped to days.

Each MPXJ calendar becomes a row of our ``calendars`` table (``work_week``
with the hours of each weekday, ``hours_per_day``: P6's hours per day, or MS
Project's minutes per day / 60) and rows of ``calendar_exceptions`` (every
exception date, expanded, with its working hours: 0 for a holiday). A derived
calendar inherits its base calendar's hours and exceptions.

The tools store dates with times; our tables hold days. :class:`DayMapper`
maps a timestamp to the day it stands for on an activity's calendar:

* a **start** (actual start, start constraint, data date) at or after the end
  of the day's working hours is the next day; otherwise that day;
* a **finish** (actual finish, finish constraint) at or before the start of the
  day's working hours is the previous day; otherwise that day.

So P6's actual finish "2017-09-15 00:00" is 14 September, MS Project's status
date "17:00" means progress up to the start of the next day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ..calendars import _clock, format_work_week
from .jvm import jclass

__all__ = ["CalendarInfo", "read_calendars", "calendar_frames", "DayMapper"]

_JAVA_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_ONE_DAY = pd.Timedelta(days=1)


@dataclass
class CalendarInfo:
    """One calendar of the file: our id, its week and exceptions, and working windows for day mapping."""

    uid: int
    calendar_id: str
    name: str
    hours_per_day: float
    periods: tuple                    # working periods (start, end) [hour of day] Monday..Sunday
    exceptions: dict = field(default_factory=dict)  # date -> (periods, name)

    @property
    def week(self) -> tuple:
        """Hours Monday..Sunday."""
        return tuple(sum(b - a for a, b in p) for p in self.periods)


def _periods(hours) -> tuple:
    """Working periods ((start, end) [hour of day], sorted) of a list of MPXJ LocalTimeRange."""
    out = []
    for r in hours or []:
        s, e = r.getStart(), r.getEnd()
        if s is None or e is None:
            continue
        a = int(s.getHour()) + int(s.getMinute()) / 60.0
        b = int(e.getHour()) + int(e.getMinute()) / 60.0
        if b <= a:  # 00:00 as an end is midnight at the end of the day
            b = 24.0
        if b > a:
            out.append((a, b))
    return tuple(sorted(out))


def _clean(name: str) -> str:
    s = _BAD.sub("_", name.strip()).strip("_.-")
    return (s or "calendar")[:56]


def read_calendars(pf, default_minutes_per_day: float | None) -> dict[int, CalendarInfo]:
    """Every calendar of an MPXJ ProjectFile by unique id (ids unique, derived calendars resolved)."""
    DayOfWeek = jclass("java.time.DayOfWeek")

    out: dict[int, CalendarInfo] = {}
    used: set[str] = set()
    for cal in pf.getCalendars():
        uid = int(cal.getUniqueID())
        name = str(cal.getName()) if cal.getName() is not None else f"calendar {uid}"
        cid = _clean(name)
        k = 2
        while cid.lower() in used:
            cid = f"{_clean(name)[:52]}_{k}"
            k += 1
        used.add(cid.lower())
        periods = []
        for d in _JAVA_DAYS:
            day = getattr(DayOfWeek, d)
            periods.append(_periods(cal.getHours(day)) if cal.isWorkingDay(day) else ())
        exceptions: dict = {}
        c = cal
        while c is not None:  # a derived calendar inherits its base calendar's exceptions
            for exc in c.getCalendarExceptions():
                subs = list(exc.getExpandedExceptions()) if exc.getRecurring() is not None else [exc]
                for e in subs:
                    d0, d1 = pd.Timestamp(str(e.getFromDate())), pd.Timestamp(str(e.getToDate()))
                    per = _periods(list(e)) if e.getWorking() else ()
                    nm = str(e.getName()) if e.getName() is not None else None
                    for d in pd.date_range(d0, d1, freq="D"):
                        exceptions.setdefault(d, (per, nm))
            c = c.getParent()
        mpd = cal.getMinutesPerDay()
        hpd = float(mpd) / 60.0 if mpd is not None else (float(default_minutes_per_day) / 60.0
                                                           if default_minutes_per_day else 8.0)
        if not any(periods):  # a calendar without a working weekday (resource placeholders): Mon-Fri
            periods = [((8.0, 8.0 + min(hpd, 16.0)),) if i < 5 else () for i in range(7)]
        out[uid] = CalendarInfo(uid, cid, name, min(max(hpd, 0.01), 24.0), tuple(periods),
                                dict(sorted(exceptions.items())))
    return out


def calendar_frames(infos, uids) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our ``calendars`` and ``calendar_exceptions`` tables for the calendars ``uids``."""
    cal_rows, exc_rows = [], []
    for uid in uids:
        ci = infos[uid]
        cal_rows.append((ci.calendar_id, ci.name, format_work_week(ci.periods, ci.hours_per_day), ci.hours_per_day))
        for d, (per, nm) in ci.exceptions.items():
            if per == ci.periods[d.weekday()]:
                continue  # the same as its weekday
            text = ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in per) or None
            exc_rows.append((ci.calendar_id, d, float(sum(b - a for a, b in per)), text, nm))
    calendars = pd.DataFrame(cal_rows, columns=["calendar_id", "name", "work_week", "hours_per_day"])
    exceptions = pd.DataFrame(exc_rows, columns=["calendar_id", "date", "hours", "periods", "name"]).astype(
        {"calendar_id": object, "date": "datetime64[ns]", "hours": float, "periods": object, "name": object})
    return calendars, exceptions.sort_values(["calendar_id", "date"], kind="stable").reset_index(drop=True)


class DayMapper:
    """Map timestamps of the file to the days they stand for (see the module doc)."""

    def __init__(self, infos: dict):
        self.infos = infos

    def _window(self, ci: CalendarInfo, day: pd.Timestamp) -> tuple[float, float, float]:
        exc = ci.exceptions.get(day)
        per = exc[0] if exc is not None else ci.periods[day.weekday()]
        if not per:
            return 0.0, 0.0, 0.0
        return sum(b - a for a, b in per), per[0][0], per[-1][1]

    def day(self, uid: int, ts, kind: str):
        """The day of timestamp ``ts`` on calendar ``uid`` as a ``kind`` (``start`` or ``finish``) date."""
        if ts is None or ts is pd.NaT or (isinstance(ts, float) and ts != ts):
            return pd.NaT
        if not isinstance(ts, pd.Timestamp):
            ts = pd.Timestamp(ts)
        day = ts.normalize()
        ci = self.infos.get(uid)
        if ci is None:
            return day
        h, first, last = self._window(ci, day)
        if h <= 0:
            return day
        hod = ts.hour + ts.minute / 60.0 + ts.second / 3600.0
        if kind == "start":
            return day + _ONE_DAY if hod >= last - 1e-9 else day
        return day - _ONE_DAY if hod <= first + 1e-9 else day

    def moment(self, uid: int, ts, kind: str):
        """Like :meth:`day`, but a time strictly inside the day's working hours is kept (constraint dates)."""
        if ts is None or pd.isna(ts):
            return pd.NaT
        ts = pd.Timestamp(ts)
        ci = self.infos.get(uid)
        if ci is not None:
            h, first, last = self._window(ci, ts.normalize())
            hod = (ts - ts.normalize()) / pd.Timedelta(hours=1)
            if h > 0 and first + 1e-9 < hod < last - 1e-9:
                return ts
        return self.day(uid, ts, kind)

    def days(self, uids, values, kind: str) -> pd.Series:
        """Vector form of :meth:`day` (NaT stays NaT)."""
        return pd.Series([self.day(u, v, kind) for u, v in zip(uids, values)], dtype="datetime64[ns]")

