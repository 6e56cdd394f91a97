"""Working-day calendars: mapping schedule offsets [days] to calendar dates for reports.

Schedules are computed in working days from the project start. A
:class:`WorkCalendar` (weekend days and holidays, on numpy's business-day
functions) maps them to dates:

* the project starts on the first working day on or after ``start_date``
  (offset 0);
* a **start** at offset ``t`` is the morning of working day ``floor(t)``;
* a **finish** at offset ``t`` is the evening of working day ``ceil(t) - 1``
  (a 5-day activity starting at 0 finishes on the 5th working day); a finish
  at 0 (a start milestone) is the start date.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["WorkCalendar", "with_dates"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class WorkCalendar:
    """Working days: a week mask and a list of holidays.

    Parameters
    ----------
    weekend : iterable of str, default ("Sat", "Sun")
        Non-working weekdays (``Mon`` .. ``Sun``).
    holidays : iterable of date-like, optional
        Non-working dates.

    Examples
    --------
    >>> cal = WorkCalendar(holidays=["2026-01-01"])
    >>> str(cal.finish_date("2025-12-29", 5).date())
    '2026-01-05'
    """

    def __init__(self, weekend: Iterable[str] = ("Sat", "Sun"), holidays: Iterable = ()):
        weekend = tuple(str(w)[:3].title() for w in weekend)
        unknown = set(weekend) - set(_DAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s) {sorted(unknown)}: use {', '.join(_DAYS)}")
        if len(set(weekend)) == 7:
            raise ValueError("a calendar needs at least one working weekday")
        self.weekend = weekend
        self.holidays = tuple(pd.to_datetime(list(holidays)).normalize().unique().sort_values())
        mask = [d not in weekend for d in _DAYS]
        hol = np.array([np.datetime64(h.date(), "D") for h in self.holidays], dtype="datetime64[D]")
        self._cal = np.busdaycalendar(weekmask=mask, holidays=hol)

    def __repr__(self) -> str:
        return f"WorkCalendar(weekend={list(self.weekend)}, holidays={len(self.holidays)})"

    def _start(self, start_date) -> np.datetime64:
        d = np.datetime64(pd.Timestamp(start_date).date(), "D")
        return np.busday_offset(d, 0, roll="forward", busdaycal=self._cal)

    def start_date(self, start_date, offset):
        """Calendar date of a start at ``offset`` [days] (scalar or array)."""
        off = np.floor(np.asarray(offset, dtype=float)).astype(np.int64)
        return self._to_ts(np.busday_offset(self._start(start_date), off, busdaycal=self._cal))

    def finish_date(self, start_date, offset):
        """Calendar date of a finish at ``offset`` [days] (scalar or array)."""
        off = np.maximum(np.ceil(np.asarray(offset, dtype=float) - 1e-9).astype(np.int64) - 1, 0)
        return self._to_ts(np.busday_offset(self._start(start_date), off, busdaycal=self._cal))

    def working_days(self, start_date, date) -> np.ndarray | int:
        """Working days from the project start to the finish on ``date`` (inverse of :meth:`finish_date`)."""
        end = np.asarray(pd.to_datetime(date).values if np.ndim(date) else
                         np.datetime64(pd.Timestamp(date).date(), "D"), dtype="datetime64[D]")
        n = np.busday_count(self._start(start_date), end + np.timedelta64(1, "D"), busdaycal=self._cal)
        return n if np.ndim(n) else int(n)

    @staticmethod
    def _to_ts(x):
        if np.ndim(x):
            return pd.DatetimeIndex(x.astype("datetime64[ns]"))
        return pd.Timestamp(x)


def with_dates(schedule: pd.DataFrame, start_date, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """Add calendar-date columns to a CPM schedule (from :func:`~pmo_analytics.schedule.cpm`).

    ``early_start_date``, ``early_finish_date``, ``late_start_date`` and
    ``late_finish_date`` are added for the columns present, using the
    conventions of this module (default calendar: Monday-Friday).
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
