"""Working time: calendars with working periods per weekday and exceptions, and the time axis of a schedule.

Model
-----
Time is counted in **days from an origin date** (midnight), as a float ``t``
(clock time: ``t = 3.5`` is noon of day 3). A :class:`WorkCalendar` gives
each date its working periods (its weekday's, e.g. 08:00-12:00 and
13:00-17:00, or an exception's: none for a holiday, some for a worked
Saturday). The cumulative working time of calendar ``c``,

    W_c(t) = working hours of calendar c from the origin to t      [hours]

is continuous, piecewise linear (slope 24 hours a day inside a working
period, flat outside) and non-decreasing. An activity of ``d`` working days
on calendar ``c`` takes ``d * hours_per_day_c`` hours of ``W_c``: this is how
Primavera P6 and MS Project convert durations (P6 stores hours, displayed in
days at the calendar's hours per day). Because the periods are clock times,
a predecessor on a 08:00-16:00 calendar finishing at 16:00 lets a successor
on a 08:00-17:00 calendar start at 16:00 with one hour left that day, as in
P6.

Dates follow the scheduling tools' conventions:

* a **start** at working time ``w`` is in the first working period that
  begins at or after ``w`` (work finishing on Friday evening lets a
  successor start on Monday morning);
* a **finish** at ``w`` is in the last working period that ends at or after
  it; a date's "start" is its midnight, its "finish" the next midnight.

:class:`Timeline` holds the working periods of every calendar of one network
as sorted segments (extended automatically when a simulation runs past them)
and maps working time to times and dates, vectorised with numpy
(``searchsorted``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..tables.calendars import DAY_START, WEEKDAYS, format_work_week, parse_periods, parse_work_week

__all__ = ["WorkCalendar", "Timeline", "with_dates", "calendars_from_tables", "HOURS_24"]

_DAYS = WEEKDAYS
_EPS = 1e-6  # [hours]: working time within this of a period boundary is on the boundary


def _periods_of_hours(h: float, like=()) -> tuple:
    """Working periods of ``h`` hours, starting when ``like`` starts (else 08:00)."""
    if h <= 0:
        return ()
    if h >= 24:
        return ((0.0, 24.0),)
    start = like[0][0] if like else DAY_START
    start = min(start, 24.0 - h)
    return ((start, start + h),)


class WorkCalendar:
    """Working hours per weekday and per exception date.

    Parameters
    ----------
    weekend : iterable of str, default ("Sat", "Sun")
        Non-working weekdays (``Mon`` .. ``Sun``); ignored when ``work_week``
        is given.
    holidays : iterable of date-like, optional
        Non-working dates (exceptions with 0 hours).
    hours_per_day : float, default 8
        Working hours of one working day [hours]: converts durations in
        working days to hours and back, and the hours of a working weekday
        when ``work_week`` does not say.
    work_week : str or sequence of 7 floats, optional
        ``work_week`` cell (``"Mon-Thu=9; Fri=4"``, see
        :mod:`pmo_analytics.tables.calendars`) or hours Monday .. Sunday
        [hours].
    exceptions : mapping of date-like to float, optional
        Working hours on given dates [hours]: 0 for a holiday, > 0 for a
        working exception (a worked Saturday); overrides ``holidays``.
    name : str, optional
        Calendar id, for reprs and messages.

    Examples
    --------
    >>> cal = WorkCalendar(holidays=["2026-01-01"])
    >>> str(cal.finish_date("2025-12-29", 5).date())
    '2026-01-05'
    >>> WorkCalendar(work_week="Mon-Thu=10").week
    (10.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0)
    """

    def __init__(self, weekend: Iterable[str] = ("Sat", "Sun"), holidays: Iterable = (), *,
                 hours_per_day: float = 8.0, work_week=None, exceptions: Mapping | None = None,
                 name: str | None = None):
        hpd = float(hours_per_day)
        if not 0 < hpd <= 24:
            raise ValueError(f"hours_per_day must be in (0, 24], got {hours_per_day!r}")
        self.hours_per_day = hpd
        self.name = name
        if work_week is None:
            weekend = tuple(str(w)[:3].title() for w in weekend)
            unknown = set(weekend) - set(_DAYS)
            if unknown:
                raise ValueError(f"unknown weekday(s) {sorted(unknown)}: use {', '.join(_DAYS)}")
            if len(set(weekend)) == 7:
                raise ValueError("a calendar needs at least one working weekday")
            periods = tuple(() if d in weekend else _periods_of_hours(hpd) for d in _DAYS)
        elif isinstance(work_week, str):
            periods = parse_work_week(work_week, hpd, periods=True)
        else:
            items = list(work_week)
            if len(items) != 7:
                raise ValueError("work_week must give 7 days (Monday first)")
            periods = []
            for x in items:
                if isinstance(x, (int, float, np.floating, np.integer)):
                    if not 0 <= float(x) <= 24:
                        raise ValueError(f"working hours must be in [0, 24], got {x}")
                    periods.append(_periods_of_hours(float(x)))
                else:
                    periods.append(tuple((float(p), float(q)) for p, q in x))
            periods = tuple(periods)
            if not any(periods):
                raise ValueError("work_week has no working time")
        self.periods = periods
        self.week = tuple(float(sum(q - p for p, q in per)) for per in periods)
        exc: dict[pd.Timestamp, tuple] = {}
        for d in pd.to_datetime(list(holidays)):
            exc[pd.Timestamp(d).normalize()] = ()
        for d, v in (exceptions or {}).items():
            d = pd.Timestamp(d).normalize()
            if isinstance(v, str):
                per = parse_periods(v) if v.strip() else ()
            elif isinstance(v, (int, float, np.floating, np.integer)):
                if not 0 <= float(v) <= 24:
                    raise ValueError(f"exception hours must be in [0, 24], got {float(v):g} on {d.date()}")
                per = _periods_of_hours(float(v), self.periods[d.weekday()])
            else:
                per = tuple((float(p), float(q)) for p, q in v)
            exc[d] = per
        self.exceptions = dict(sorted(exc.items()))

    # -------------------------------------------------------------- description
    @property
    def weekend(self) -> tuple[str, ...]:
        """Weekdays without working hours."""
        return tuple(d for d, h in zip(_DAYS, self.week) if h == 0)

    @property
    def holidays(self) -> tuple[pd.Timestamp, ...]:
        """Exception dates without working hours, sorted."""
        return tuple(d for d, per in self.exceptions.items() if not per)

    @property
    def work_week(self) -> str:
        """The ``work_week`` cell of this calendar."""
        return format_work_week(self.periods, self.hours_per_day)

    def __repr__(self) -> str:
        name = f"{self.name!r}: " if self.name else ""
        extra = sum(1 for per in self.exceptions.values() if per)
        return (f"WorkCalendar({name}{self.work_week}, {self.hours_per_day:g} h/day, "
                f"{len(self.holidays)} holidays" + (f", {extra} working exceptions" if extra else "") + ")")

    def hours(self, dates) -> np.ndarray:
        """Working hours on each date [hours]."""
        idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
        out = np.asarray(self.week, float)[idx.day_of_week]
        for i in np.flatnonzero(idx.isin(list(self.exceptions))):
            out[i] = sum(q - p for p, q in self.exceptions[idx[i]])
        return out

    def segments(self, origin, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Working periods of days ``0 .. days-1`` after ``origin``: (starts, ends) [calendar days from the origin], sorted."""
        origin = pd.Timestamp(origin).normalize()
        k = np.arange(days)
        wd = (origin.weekday() + k) % 7
        exc_k = {}
        for d, per in self.exceptions.items():
            i = (d - origin).days
            if 0 <= i < days:
                exc_k[i] = per
        mask_exc = np.zeros(days, bool)
        mask_exc[list(exc_k)] = True
        starts, ends = [], []
        for w in range(7):
            kw = k[(wd == w) & ~mask_exc]
            for p, q in self.periods[w]:
                starts.append(kw + p / 24.0)
                ends.append(kw + q / 24.0)
        for i, per in exc_k.items():
            for p, q in per:
                starts.append(np.array([i + p / 24.0]))
                ends.append(np.array([i + q / 24.0]))
        s = np.concatenate(starts) if starts else np.zeros(0)
        e = np.concatenate(ends) if ends else np.zeros(0)
        order = np.argsort(s, kind="stable")
        return s[order], e[order]

    # ------------------------------------------- offsets from a start (reports)
    def _line(self, start_date) -> tuple[Timeline, float]:
        tl = Timeline(pd.Timestamp(start_date), [self], days=70)  # grows on demand
        return tl, 0.0

    def start_date(self, start_date, offset):
        """Calendar date of a start at ``offset`` [working days] after the project start (scalar or array).

        The project starts on the first working day on or after ``start_date``.
        """
        off = np.asarray(offset, dtype=float)
        tl, w0 = self._line(start_date)
        t = tl.time(0, w0 + np.maximum(off, 0.0) * self.hours_per_day, "start")
        return tl.date(t, "start")

    def finish_date(self, start_date, offset):
        """Calendar date of a finish at ``offset`` [working days] after the project start (scalar or array).

        A finish at 0 (a start milestone) is the start date; a 5-day activity
        starting at 0 finishes on the 5th working day.
        """
        off = np.asarray(offset, dtype=float)
        tl, w0 = self._line(start_date)
        t0 = tl.time(0, w0, "start")
        t = tl.time(0, w0 + np.maximum(off, 0.0) * self.hours_per_day, "finish")
        fin = tl.date(t, "finish")
        first = tl.date(np.broadcast_to(t0, np.shape(t)), "start")
        if np.ndim(off):
            return pd.DatetimeIndex(np.where(off <= 1e-9, first, fin))
        return first if off <= 1e-9 else fin

    def working_days(self, start_date, date) -> np.ndarray | float:
        """Working days from the project start to the end of ``date`` (inverse of :meth:`finish_date`)."""
        dates = pd.to_datetime(date)
        end = pd.DatetimeIndex(np.atleast_1d(dates)).normalize()
        span = max(14, int((end.max() - pd.Timestamp(start_date).normalize()).days) + 14) if len(end) else 14
        tl = Timeline(pd.Timestamp(start_date), [self], days=span)
        w0 = float(tl.work(0, 0.0))
        t_end = np.asarray((end - tl.origin).days, float) + 1.0
        n = (tl.work(0, t_end) - w0) / self.hours_per_day
        n = np.round(n, 9)
        return n if np.ndim(dates) else float(n[0])


#: Round-the-clock calendar (24 hours every day) used for elapsed lags.
HOURS_24 = WorkCalendar(work_week="Mon-Sun=24", hours_per_day=24.0, name="24h")


class Timeline:
    """Cumulative working time of several calendars on one clock-time axis.

    Parameters
    ----------
    origin : date-like
        Day 0 of the axis (midnight).
    calendars : sequence of WorkCalendar
        Calendar ``c`` is row ``c`` of the tables.
    days : int
        Days tabulated at first; the tables grow (doubling) when a time or a
        working time beyond them is asked for.

    Notes
    -----
    ``work(c, t)`` is ``W_c(t)`` [hours]; ``time(c, w, "finish")`` is the
    smallest ``t`` with ``W_c(t) = w`` (the end of the working period reaching
    ``w``) and ``time(c, w, "start")`` the largest (the start of the next
    working period). Both are exact inverses of ``W_c`` on working time.
    """

    def __init__(self, origin, calendars: Sequence[WorkCalendar], days: int = 366):
        self.origin = pd.Timestamp(origin).normalize()
        self.calendars = tuple(calendars)
        if not self.calendars:
            raise ValueError("a timeline needs at least one calendar")
        self._pairs: dict = {}
        self._lock = threading.RLock()
        self._build(max(int(days), 14))

    # the tables grow on demand; the simulation engine's threads share one timeline, so growing and
    # building a pair table happen under a lock and the new tables are swapped in whole
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def _build(self, days: int) -> None:
        days = int(np.ceil(days / 7.0) * 7)
        seg = []
        for cal in self.calendars:
            st, en = cal.segments(self.origin, days)
            # a zero-length sentinel before everything: every time has a segment at or before it
            st = np.concatenate([[-1e9], st])
            length = np.concatenate([[0.0], (en - st[1:]) * 24.0])
            cum_end = np.cumsum(length)
            cum_start = cum_end - length
            seg.append((st, length, cum_start, cum_end))
        self._seg = seg
        self.days = days

    def _grow(self, days: int) -> None:
        with self._lock:
            if days > self.days:
                self._build(max(days, 2 * self.days))
                self._pairs = {}

    def __repr__(self) -> str:
        return (f"Timeline(origin {self.origin.date()}, {len(self.calendars)} calendar(s), "
                f"{self.days} days tabulated)")

    # ----------------------------------------------------------------- maps
    def day(self, date) -> np.ndarray | float:
        """Days from the origin to the start (midnight) of ``date`` (scalar or array)."""
        d = pd.to_datetime(date)
        if np.ndim(d):
            return np.asarray((pd.DatetimeIndex(d).normalize() - self.origin).days, float)
        return float((pd.Timestamp(d).normalize() - self.origin).days)

    def work(self, c: int, t) -> np.ndarray:
        """Working time ``W_c(t)`` [hours] at times ``t`` [calendar days from the origin]."""
        t = np.asarray(t, dtype=float)
        scalar = t.ndim == 0
        t = np.atleast_1d(t)
        if t.size and float(t.max()) >= self.days - 1:
            self._grow(int(t.max()) + 8)
        st, ln, cs, _ = self._seg[c]
        j = np.searchsorted(st, t, side="right")
        j -= 1
        w = t - st[j]
        w *= 24.0
        np.minimum(w, ln[j], out=w)
        w += cs[j]
        return w[0] if scalar else w

    def time(self, c: int, w, side: str = "finish") -> np.ndarray:
        """Times [calendar days from the origin] at working time ``w`` [hours] of calendar ``c``.

        ``side="finish"``: the end of the working period reaching ``w``;
        ``side="start"``: the start of the next working period.
        """
        w = np.asarray(w, dtype=float)
        scalar = w.ndim == 0
        w = np.atleast_1d(w)
        while w.size and float(w.max()) >= self._seg[c][3][-1] - 1.0:
            self._grow(2 * self.days)
        st, ln, cs, ce = self._seg[c]
        if side == "finish":
            j = np.searchsorted(ce, w - _EPS, side="left")
            np.maximum(j, 1, out=j)
        elif side == "start":
            j = np.searchsorted(cs, w + _EPS, side="right")
            j -= 1
            np.maximum(j, 1, out=j)
        else:
            raise ValueError(f"side must be 'start' or 'finish', got {side!r}")
        off = w - cs[j]
        np.maximum(off, 0.0, out=off)
        np.minimum(off, ln[j], out=off)
        off *= 1.0 / 24.0
        off += st[j]
        return off[0] if scalar else off

    def convert(self, src: int, dst: int, w, side: str) -> np.ndarray:
        """Working time ``w`` of calendar ``src`` as working time of calendar ``dst`` (same moment).

        ``work(dst, time(src, w, side))``, computed by one interpolation in a
        table of the two calendars' period boundaries (built once per pair).
        """
        w = np.asarray(w, dtype=float)
        if src == dst:
            return w
        xp, fp = self._pair(src, dst, side)
        if w.size and float(w.max()) >= xp[-1] - 1.0:
            while float(w.max()) >= xp[-1] - 1.0:  # grow the tables past w (pairs are rebuilt)
                self._grow(2 * self.days)
                xp, fp = self._pair(src, dst, side)
        return np.interp(w, xp, fp)

    def _pair(self, src: int, dst: int, side: str):
        """(working time of ``src``, working time of ``dst``) at every period boundary of either calendar.

        Where ``src`` does not work and ``dst`` does, ``W_src`` is flat and the
        map jumps: a finish takes the value before the jump, a start the value
        after it (the jump is drawn over 1e-6 hours on the other side).
        """
        key = (src, dst, side)
        tab = self._pairs.get(key)
        if tab is not None:
            return tab
        with self._lock:
            tab = self._pairs.get(key)
            if tab is None:
                tab = self._pairs[key] = self._pair_table(src, dst, side)
            return tab

    def _pair_table(self, src: int, dst: int, side: str):
        t = []
        for c in (src, dst):
            st, ln, _, _ = self._seg[c]
            t += [st[1:], st[1:] + ln[1:] / 24.0]
        t = np.unique(np.concatenate(t))
        t = t[(t >= 0) & (t < self.days - 1)]  # within the tables (work() would grow them)
        ws, wd = self.work(src, t), self.work(dst, t)
        flat = np.concatenate([[False], np.diff(ws) <= 1e-12])      # same W_src as the point before
        first = ~flat                                                 # first point of each run of equal W_src
        last = np.concatenate([~flat[1:], [True]])                    # last point of each run
        run_first_wd = wd[first]
        run_last_wd = wd[last]
        x = ws[first]
        # a finish within _EPS after the jump is still before it (rounding), a start within _EPS before it after
        e = _EPS
        if side == "finish":
            xp = np.column_stack([x, x + e, x + 2 * e]).ravel()
            fp = np.column_stack([run_first_wd, run_first_wd, run_last_wd]).ravel()
        else:
            xp = np.column_stack([x - 2 * e, x - e, x]).ravel()
            fp = np.column_stack([run_first_wd, run_last_wd, run_last_wd]).ravel()
        keep = np.concatenate([[True], np.diff(xp) > 0])
        return xp[keep], fp[keep]

    def date(self, t, side: str) -> pd.DatetimeIndex | pd.Timestamp:
        """Calendar dates of times ``t`` [calendar days from the origin]: ``"start"`` the day the time opens, ``"finish"`` the day it closes."""
        t = np.asarray(t, dtype=float)
        if side == "start":
            k = np.floor(t + 1e-9)
        elif side == "finish":
            k = np.ceil(t - 1e-9) - 1
        else:
            raise ValueError(f"side must be 'start' or 'finish', got {side!r}")
        out = self.origin + pd.to_timedelta(np.asarray(k, dtype=np.int64), unit="D")
        return out if np.ndim(t) else pd.Timestamp(out)


def with_dates(schedule: pd.DataFrame, start_date, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """Add calendar-date columns to a CPM schedule of a network without dates.

    ``early_start_date``, ``early_finish_date``, ``late_start_date`` and
    ``late_finish_date`` are added for the columns present, using the
    conventions of this module (default calendar: Monday-Friday). A network
    built with a ``start_date`` gets these columns from
    :func:`~pmo_analytics.schedule.cpm` directly, each activity on its own
    calendar.
    """
    cal = calendar or WorkCalendar()
    out = schedule.copy()
    for col in ("early_start", "late_start"):
        if col in out:
            out[col + "_date"] = cal.start_date(start_date, out[col].to_numpy(float))
    for col in ("early_finish", "late_finish"):
        if col in out:
            out[col + "_date"] = cal.finish_date(start_date, out[col].to_numpy(float))
    return out


def calendars_from_tables(calendars: pd.DataFrame | None,
                          exceptions: pd.DataFrame | None = None) -> dict[str, WorkCalendar]:
    """:class:`WorkCalendar` objects from the ``calendars`` and ``calendar_exceptions`` tables.

    Parameters
    ----------
    calendars : DataFrame or None
        ``calendar_id``, ``work_week`` (blank = Mon-Fri), ``hours_per_day``
        [hours] (blank = 8).
    exceptions : DataFrame, optional
        ``calendar_id``, ``date``, ``hours`` [hours] (0 = non-working) and
        optionally ``periods`` (``"08:00-12:00"``: the day's working periods).

    Returns
    -------
    dict
        Calendar id -> WorkCalendar.
    """
    out: dict[str, WorkCalendar] = {}
    if calendars is None or len(calendars) == 0:
        return out
    exc: dict[str, dict] = {}
    if exceptions is not None and len(exceptions):
        hours = exceptions["hours"] if "hours" in exceptions.columns else pd.Series(0.0, index=exceptions.index)
        per = exceptions["periods"] if "periods" in exceptions.columns else pd.Series(None, index=exceptions.index)
        for cid, d, h, p in zip(exceptions["calendar_id"], exceptions["date"], hours, per):
            value = p if isinstance(p, str) and p.strip() else (0.0 if pd.isna(h) else float(h))
            exc.setdefault(str(cid), {})[pd.Timestamp(d)] = value
    for row in calendars.to_dict("records"):
        cid = str(row["calendar_id"])
        hpd = row.get("hours_per_day")
        hpd = 8.0 if hpd is None or pd.isna(hpd) else float(hpd)
        out[cid] = WorkCalendar(work_week=row.get("work_week") if isinstance(row.get("work_week"), str) else None,
                                hours_per_day=hpd, exceptions=exc.get(cid), name=cid)
    return out
