"""The activity network: activities, precedence links, progress, constraints, calendars, compiled passes.

A :class:`Network` is built once from the ``activities`` table of one project
(see ``pmo_analytics.tables.spec``), or from a whole
:class:`~pmo_analytics.tables.Portfolio`. Building checks the logic (unknown
predecessors, self-links, cycles) and the progress, sorts the activities
topologically and compiles per-activity instruction lists so that the forward
and backward passes (:mod:`pmo_analytics.schedule.cpm`) are a loop over
*activities* with numpy rows of any number of iterations, never a loop over
iterations.

Two kinds of network
--------------------
* **Without dates** (no ``start_date``, textbook networks): durations and lags
  are in the network's ``unit`` (working ``days`` by default, or ``weeks``,
  ``hours``) counted from 0; every activity shares one time line.
* **With dates** (a ``start_date``, and optionally a ``data_date``, calendars
  and progress): each activity runs on its own :class:`WorkCalendar`
  (working week, hours per day, holidays and working exceptions); durations
  are working days of the activity's calendar and lags working days spent on
  the lag calendar (``lag_calendar``: the predecessor's, the successor's, the
  project's or a 24-hour calendar, as in P6's scheduling options). Times are
  kept as working hours of each activity's calendar (see
  :mod:`~pmo_analytics.schedule.calendar`) and reported as working days of the
  project calendar after the start, and as dates.

Conventions
-----------
* Link semantics (lag ``L``, predecessor ``p``, successor ``s``):
  FS ``ES_s >= EF_p + L``; SS ``ES_s >= ES_p + L``; FF ``EF_s >= EF_p + L``;
  SF ``EF_s >= ES_p + L``. A negative lag is a lead.
* No remaining work starts before the project start or the data date; late
  dates are computed back from the project finish (or a deadline); an
  activity whose finish drives no successor is bounded by the project finish.
* **Progress** (the data date and P6's *retained logic*): a *complete*
  activity (actual finish) keeps its actual dates and is not simulated; an
  *in-progress* one (actual start, no actual finish) continues from the data
  date with its remaining duration, its remaining work still waiting for its
  unfinished predecessors (``progress="override"``: it ignores them, P6's
  *progress override*); a lag from an event that has happened (a
  predecessor's actual start or finish) runs from the actual date. A complete
  activity takes part in the logic as zero remaining work at the data date or
  after its unfinished predecessors, as P6 does.
* **Actual dates after the data date** (an *invalid date*, DCMA check 9) are
  kept as recorded (they are the activity's start and finish dates in the CPM
  table) but the scheduling counts them at the data date, as P6 does: the
  remaining work of an activity started "in the future" begins at the data
  date (logic permitting), so its finish may come before its recorded start;
  an activity finished "in the future" drives its successors from the data
  date, with the whole of a lag; it does not push the project finish. Sources:
  Oracle P6 documentation, *Activity dates* and *How early dates are
  calculated* (P6 EPPM / Professional user guides: "the starting point for
  calculating early dates is the data date"; *Early Start* is "the earliest
  possible date the remaining work for the activity can begin"); MPXJ's
  ``PrimaveraScheduler`` (written and checked against P6's own dates: a
  started activity with no actual duration restarts at the data date, and a
  complete predecessor whose actual finish is after the data date has its
  whole lag still to run). Such files are not refused (P6 opens and
  schedules them); :func:`~pmo_analytics.tables.checks.invalid_date_notes`
  names them and the health check counts them.
* **Constraints** on activities not yet started (``constraint_type``):
  ``SNET``/``FNET`` start/finish no earlier than the date; ``SNLT``/``FNLT``
  no later than it (late dates only: total float goes negative when logic
  cannot meet it, as in P6); ``SO``/``FO`` start/finish on (no earlier and no
  later than; P6's *Start On*/*Finish On*); ``MSO``/``MFO`` mandatory start /
  finish (early and late dates set to the date whatever the logic, P6's
  *Mandatory*, MS Project's *Must Start/Finish On*); ``ALAP`` as late as
  possible without delaying a successor (free float used up; deterministic
  schedule only). A start constraint date is the morning of the day, a finish
  constraint date its evening.
* A milestone is an activity with zero duration (``max_duration == 0``): a
  *finish* milestone (the default when it has predecessors) is dated at the
  end of the day its predecessors finish, a *start* milestone at the next
  working morning (``milestone_type``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, DataWarning, NetworkCycleError, Problem
from ..tables.checks import progress_problems
from ..tables.graph import find_cycle, parse_predecessors, topological_order
from ..tables.spec import CONSTRAINT_TYPES, LAG_CALENDARS
from .calendar import HOURS_24, Timeline, WorkCalendar, calendars_from_tables
from .plan import LINK_CODES, STATUS, _apply, _compile, _Plan  # noqa: F401  (_apply: used by risk.gradient)

__all__ = ["Network", "build_network", "LINK_CODES", "UNITS", "STATUS"]

#: Time units of a network (labels of durations, floats and finishes).
UNITS = {"days": "working days", "weeks": "weeks", "hours": "hours"}

_ACTIVITY_DEFAULTS = {
    "name": "",
    "phase": None,
    "distribution": "triangular",
    "fixed_cost": 0.0,
    "cost_rate": 0.0,
    "correlation_group": None,
    "actual_start": pd.NaT,
    "actual_finish": pd.NaT,
    "remaining_duration": np.nan,
    "percent_complete": np.nan,
    "constraint_type": None,
    "constraint_date": pd.NaT,
    "calendar_id": None,
    "milestone_type": None,
    "baseline_start": pd.NaT,
    "baseline_finish": pd.NaT,
    "crash_limit": np.nan,
    "crash_cost_rate": np.nan,
    "risk_calendar_id": None,
}


@dataclass(frozen=True, eq=False)
class Network:
    """An activity network of one project, ready for CPM and simulation.

    Build it with :func:`build_network`; do not construct it directly.

    Attributes
    ----------
    project_id : str or None
        The project the activities belong to.
    activities : DataFrame
        One row per activity, indexed by ``activity_id`` in *canonical* order
        (sorted ids); columns ``name``, ``phase``, ``min_duration``,
        ``most_likely``, ``max_duration`` [unit], ``distribution``,
        ``fixed_cost`` [currency], ``cost_rate`` [currency/day],
        ``correlation_group``, ``crash_limit`` [unit], ``crash_cost_rate``
        [currency/day] (NaN: not crashable), ``risk_calendar_id`` (weather and
        seasons, :mod:`pmo_analytics.risk.events`), ``status`` (not started / in progress /
        complete), ``remaining`` [unit: remaining duration at the data date],
        ``actual_start``, ``actual_finish``, ``constraint_type``,
        ``constraint_date``, ``calendar_id``, ``milestone_type``,
        ``baseline_start``, ``baseline_finish``. Row ``i`` of every array of
        the network is activity ``activities.index[i]``; the canonical order
        makes every result independent of the order of the input rows.
    links : DataFrame
        ``predecessor``, ``successor`` (ids), ``type`` (FS/SS/FF/SF), ``lag``
        [unit], ``pred_row``, ``succ_row`` (row numbers).
    order : ndarray of int
        Rows in topological order (ties broken by canonical order).
    unit : str
        Time unit of durations, lags and results: ``days`` (working days),
        ``weeks`` or ``hours``.
    timeline : Timeline or None
        Calendars and time axis of a network with dates (None without).
    start_date, data_date : Timestamp or None
        Project start and data date (progress is reported up to the start of
        that day; remaining work is scheduled from it).
    calendar : WorkCalendar or None
        The project calendar (timeline calendar 0): finishes are reported in
        its working days.
    progress : str
        ``retained`` (P6's retained logic) or ``override``.
    """

    project_id: str | None
    activities: pd.DataFrame
    links: pd.DataFrame
    order: np.ndarray
    _plan: _Plan = field(repr=False)
    unit: str = "days"
    timeline: Timeline | None = field(default=None, repr=False)
    start_date: pd.Timestamp | None = None
    data_date: pd.Timestamp | None = None
    progress: str = "retained"

    # ---------------------------------------------------------------- basics
    @property
    def ids(self) -> list[str]:
        """Activity ids in row order."""
        return list(self.activities.index)

    @property
    def n(self) -> int:
        """Number of activities."""
        return len(self.activities)

    @property
    def milestones(self) -> list[str]:
        """Ids of the zero-duration activities (milestones)."""
        m = self.activities["max_duration"].to_numpy(float) == 0
        return list(self.activities.index[m])

    @property
    def most_likely(self) -> np.ndarray:
        """Deterministic at-completion durations [unit] in row order."""
        return self.activities["most_likely"].to_numpy(float)

    @property
    def remaining(self) -> np.ndarray:
        """Deterministic remaining durations at the data date [unit] in row order (0 when complete)."""
        return self.activities["remaining"].to_numpy(float)

    @property
    def status(self) -> np.ndarray:
        """Progress status codes in row order: 0 not started, 1 in progress, 2 complete."""
        return self._plan.status.copy()

    @property
    def has_dates(self) -> bool:
        """True for a network with a start date and calendars."""
        return self.timeline is not None

    @property
    def has_progress(self) -> bool:
        """True when some activity has started."""
        return bool((self.activities["status"] != STATUS[0]).any())

    @property
    def calendar(self) -> WorkCalendar | None:
        """The project calendar (None without dates)."""
        return self.timeline.calendars[0] if self.timeline is not None else None

    @property
    def unit_label(self) -> str:
        """The unit as printed: ``working days``, ``weeks`` or ``hours``."""
        return UNITS[self.unit]

    def row(self, activity_id: str) -> int:
        """Row number of an activity id."""
        try:
            return int(self.activities.index.get_loc(activity_id))
        except KeyError:
            raise KeyError(f"unknown activity {activity_id!r} in {self._name()}") from None

    def _name(self) -> str:
        return f"project {self.project_id}" if self.project_id else "the network"

    def __repr__(self) -> str:
        types = self.links["type"].value_counts().to_dict()
        t = ", ".join(f"{v} {k}" for k, v in sorted(types.items())) or "no links"
        extra = ""
        if self.timeline is not None:
            st = self.activities["status"].value_counts()
            extra = (f"; starts {self.start_date.date()}, {self.activities['calendar_id'].nunique()} calendar(s)")
            if self.data_date is not None and (self.data_date != self.start_date or self.has_progress):
                extra += (f", data date {self.data_date.date()}: {int(st.get('complete', 0))} complete, "
                          f"{int(st.get('in progress', 0))} in progress")
            n_cons = int(self.activities["constraint_type"].notna().sum())
            if n_cons:
                extra += f", {n_cons} constraints"
        return (f"Network({self.project_id!r}: {self.n} activities, {len(self.links)} links ({t}), "
                f"{len(self.milestones)} milestones, durations in {self.unit_label}{extra})")

    # ------------------------------------------------------- time conversions
    def _hours_per_day(self) -> float:
        return self.timeline.calendars[0].hours_per_day if self.timeline is not None else 1.0

    def _w_start(self) -> float:
        """Project start in kernel units of the project calendar."""
        if self.timeline is None:
            return 0.0
        return float(self.timeline.work(0, self.timeline.day(self.start_date)))

    def to_days(self, w) -> np.ndarray:
        """Project-calendar kernel units -> [unit] after the project start."""
        return np.round((np.asarray(w, float) - self._w_start()) / self._hours_per_day(), 9)

    def from_days(self, days) -> np.ndarray:
        """[unit] after the project start -> project-calendar kernel units."""
        return np.asarray(days, float) * self._hours_per_day() + self._w_start()

    def to_date(self, days, side: str = "finish"):
        """Dates of offsets [unit after the start] on the project calendar (None without dates).

        ``side="finish"``: the day a finish at that offset falls on (an offset
        of 0 is the start date); ``"start"``: the day a start falls on.
        """
        if self.timeline is None:
            return None
        w = self.from_days(days)
        if side == "start":
            return self.timeline.date(self.timeline.time(0, w, "start"), "start")
        t0 = float(self.timeline.time(0, self._w_start(), "start"))
        return _finish_dates(self.timeline, self.timeline.time(0, w, "finish"), t0)

    def working_days(self, date) -> np.ndarray | float:
        """Working days of the project calendar from the start to the end of ``date`` [unit]."""
        if self.timeline is None:
            raise ValueError("a network without a start_date has no dates")
        t = self.timeline.day(date)
        w = self.timeline.work(0, np.asarray(t, float) + 1.0)
        out = np.round(self.to_days(w), 9)
        return out if np.ndim(t) else float(out)

    def row_days(self, rows, w) -> np.ndarray:
        """Finishes ``w`` [kernel units] of activities ``rows`` (1-D; ``w`` has one row per activity, or one
        value each) as [unit] after the start on the project calendar."""
        rows = np.atleast_1d(np.asarray(rows)).ravel()
        w = np.asarray(w, float)
        if self.timeline is None:
            return w.copy()
        out = np.empty_like(w)
        cal = self._plan.cal[rows]
        for c in np.unique(cal):
            sel = cal == c
            out[sel] = self.timeline.convert(int(c), 0, w[sel], "finish") if c else w[sel]
        return self.to_days(out)


def _finish_dates(tl: Timeline, t, t0: float):
    t = np.asarray(t, float)
    dates = tl.date(t, "finish")
    start = tl.date(np.asarray(t0, float), "start")
    at_start = t <= t0 + 1e-9
    if np.ndim(t):
        return pd.DatetimeIndex(np.where(at_start, start, dates))
    return start if at_start else dates


def _problem(msg: str, column: str | None = "predecessors") -> DataValidationError:
    return DataValidationError([Problem("activities", "", None, column, msg)], header="invalid activity network")


def _from_portfolio(pf, project_id, need_links: bool = True):
    if project_id is None:
        raise ValueError("build_network(portfolio, project_id): project_id is required")
    proj = pf.projects.set_index("project_id")
    if project_id not in proj.index:
        raise _problem(f"unknown project {project_id!r}", "project_id")
    row = proj.loc[project_id]

    def get(col):
        v = row.get(col) if col in row.index else None
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    acts = pf.activities if pf.activities is not None else pd.DataFrame(columns=["project_id", "activity_id"])
    # the links of the whole portfolio are parsed from its predecessor cells on every access: skipped when given
    return acts, pf.links if need_links else None, dict(calendars=pf.tables.get("calendars"),
                                calendar_exceptions=pf.tables.get("calendar_exceptions"),
                                start_date=get("start_date"), data_date=get("data_date"),
                                calendar=get("calendar_id"), lag_calendar=get("lag_calendar") or "predecessor")


def build_network(activities, project_id: str | None = None, links: pd.DataFrame | None = None, *,
                  calendars: pd.DataFrame | dict | None = None, calendar_exceptions: pd.DataFrame | None = None,
                  start_date=None, data_date=None, calendar: str | None = None, lag_calendar: str = "predecessor",
                  progress: str = "retained", unit: str = "days") -> Network:
    """Build the network of one project.

    Parameters
    ----------
    activities : DataFrame or Portfolio
        Rows of the ``activities`` table (only ``activity_id``,
        ``min_duration``, ``most_likely``, ``max_duration`` are required,
        others take defaults: triangular distribution, zero cost, not
        started, no constraint, the project calendar). When it holds several
        projects, ``project_id`` selects one. A
        :class:`~pmo_analytics.tables.Portfolio` gives the project's
        activities, links, calendars and its ``start_date``, ``data_date``,
        ``calendar_id`` and ``lag_calendar`` (keywords below are then taken
        from it).
    project_id : str, optional
        Project to keep.
    links : DataFrame, optional
        Parsed links (``predecessor``, ``successor``, ``type``, ``lag``
        [unit]), e.g. ``Portfolio.links``; default: parsed from the
        ``predecessors`` column.
    calendars : DataFrame or dict, optional
        The ``calendars`` table (``calendar_id``, ``work_week``,
        ``hours_per_day`` [hours]) or a dict id -> :class:`WorkCalendar`.
    calendar_exceptions : DataFrame, optional
        The ``calendar_exceptions`` table (``calendar_id``, ``date``,
        ``hours`` [hours]; 0 = holiday).
    start_date : date-like, optional
        Project start: gives the network dates and calendars. Default: the
        data date, else none (a network without dates).
    data_date : date-like, optional
        Progress is reported up to the start of this day; remaining work is
        scheduled from it. Default: the start date.
    calendar : str, optional
        Id of the project calendar (activities without a ``calendar_id``);
        default Monday-Friday, 8 hours per day.
    lag_calendar : {"predecessor", "successor", "project", "24h"}
        Calendar on which lags are spent (P6's scheduling option; MS Project
        files say "predecessor").
    progress : {"retained", "override"}
        Out-of-sequence progress: P6's retained logic (default) or progress
        override.
    unit : {"days", "weeks", "hours"}
        Unit of durations and lags of a network without dates (labels only).

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        for an unknown option value.
    DataValidationError
        for a duplicate id, an unknown or self predecessor, an unreadable
        predecessor cell, an unknown calendar (naming the activity).
    InconsistentProgressError
        for progress that cannot be (an actual finish before the actual start
        or without one, remaining work beyond the plan of an activity not
        started ...), naming each activity. Actual dates after the data date
        are not refused (see the module doc).
    NetworkCycleError
        when the logic has a cycle; ``cycle`` lists the ids along it.
    """
    if hasattr(activities, "tables") and hasattr(activities, "projects"):
        acts, pf_links, opts = _from_portfolio(activities, project_id, need_links=links is None)
        links = pf_links if links is None else links
        calendars = opts["calendars"] if calendars is None else calendars
        calendar_exceptions = opts["calendar_exceptions"] if calendar_exceptions is None else calendar_exceptions
        start_date = opts["start_date"] if start_date is None else start_date
        data_date = opts["data_date"] if data_date is None else data_date
        calendar = opts["calendar"] if calendar is None else calendar
        if lag_calendar == "predecessor":
            lag_calendar = opts["lag_calendar"]
    else:
        acts = activities
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    if progress not in ("retained", "override"):
        raise ValueError(f"progress must be 'retained' or 'override', got {progress!r}")
    if lag_calendar not in LAG_CALENDARS:
        raise ValueError(f"lag_calendar must be one of {', '.join(LAG_CALENDARS)}, got {lag_calendar!r}")
    if "project_id" in acts.columns:
        pids = acts["project_id"].dropna().unique()
        if project_id is not None:
            acts = acts[acts["project_id"] == project_id]
            if acts.empty:
                raise _problem(f"no activities for project {project_id!r}", "project_id")
        elif len(pids) > 1:
            raise _problem(f"activities of {len(pids)} projects given: pass project_id= (one of "
                           f"{', '.join(map(str, pids[:5]))})", "project_id")
        elif len(pids) == 1:
            project_id = str(pids[0])
    if acts.empty:
        raise _problem("no activities", "activity_id")
    acts = acts.copy()
    acts["activity_id"] = acts["activity_id"].astype(str)
    dup = acts["activity_id"][acts["activity_id"].duplicated()]
    if len(dup):
        raise _problem(f"duplicate activity id(s): {', '.join(dup.unique()[:10])}", "activity_id")
    for col in ("min_duration", "most_likely", "max_duration"):
        if col not in acts.columns:
            raise _problem(f"missing column {col!r}", col)
    for col, default in _ACTIVITY_DEFAULTS.items():
        if col not in acts.columns:
            acts[col] = default
    d = acts[["min_duration", "most_likely", "max_duration"]].astype(float).to_numpy()
    if np.isnan(d).any():
        raise _problem("blank duration", "most_likely")
    bad = ~((d[:, 0] <= d[:, 1]) & (d[:, 1] <= d[:, 2]))
    if bad.any():
        raise _problem("durations must satisfy min_duration <= most_likely <= max_duration; not for "
                       + ", ".join(acts["activity_id"][bad].head(10)), "most_likely")
    for c in ("actual_start", "actual_finish", "baseline_start", "baseline_finish"):
        acts[c] = pd.to_datetime(acts[c]).dt.normalize()
    acts["constraint_date"] = pd.to_datetime(acts["constraint_date"])  # may carry a time of day
    ctype = acts["constraint_type"].map(
        lambda v: None if not isinstance(v, str) or v.strip().upper() in ("", "ASAP") else v.strip().upper())
    unknown = set(ctype.dropna()) - set(CONSTRAINT_TYPES)
    if unknown:
        raise _problem(f"unknown constraint type(s) {sorted(unknown)}: use {', '.join(CONSTRAINT_TYPES)}",
                       "constraint_type")
    acts["constraint_type"] = ctype
    dated = ctype.notna() & (ctype != "ALAP")
    if (dated & acts["constraint_date"].isna()).any():
        raise _problem("constraint without a date for " + ", ".join(acts["activity_id"][dated & acts[
            "constraint_date"].isna()].head(10)), "constraint_date")

    # links
    if links is None:
        rows = []
        preds = acts["predecessors"] if "predecessors" in acts.columns else [None] * len(acts)
        for aid, text in zip(acts["activity_id"], preds):
            try:
                parsed = parse_predecessors(text)
            except ValueError as exc:
                raise _problem(f"activity {aid}: {exc}") from None
            rows += [(p, aid, t, lag) for p, t, lag in parsed]
        links = pd.DataFrame(rows, columns=["predecessor", "successor", "type", "lag"])
    else:
        if "project_id" in links.columns and project_id is not None:
            links = links[links["project_id"] == project_id]
        links = links[["predecessor", "successor", "type", "lag"]].copy()
    links = links.astype({"predecessor": str, "successor": str, "type": str, "lag": float})
    links["type"] = links["type"].str.upper()
    if not links["type"].isin(list(LINK_CODES)).all():
        raise _problem(f"unknown link type(s): {sorted(set(links['type']) - set(LINK_CODES))}")

    canonical = sorted(acts["activity_id"])
    acts = acts.set_index("activity_id").loc[canonical]
    known = set(canonical)
    for p, s in zip(links["predecessor"], links["successor"]):
        if p not in known:
            raise _problem(f"unknown predecessor {p!r} of activity {s}" +
                           (f" (project {project_id})" if project_id else ""))
        if s not in known:
            raise _problem(f"unknown successor {s!r} of activity {p}")
        if p == s:
            raise _problem(f"activity {s} is its own predecessor")
    edges = list(zip(links["predecessor"], links["successor"]))
    topo = topological_order(canonical, edges)
    if topo is None:
        cycle = find_cycle(edges)
        raise NetworkCycleError(cycle, what=f"activity network of {project_id}" if project_id
                                else "activity network")
    pos = {a: i for i, a in enumerate(canonical)}
    links = links.sort_values(["successor", "predecessor", "type", "lag"], kind="stable").reset_index(drop=True)
    links["pred_row"] = links["predecessor"].map(pos).astype(int)
    links["succ_row"] = links["successor"].map(pos).astype(int)
    order = np.array([pos[a] for a in topo], dtype=int)

    # progress
    start = None if start_date is None or pd.isna(start_date) else pd.Timestamp(start_date).normalize()
    dd = None if data_date is None or pd.isna(data_date) else pd.Timestamp(data_date).normalize()
    if start is None:
        start = dd
    has_dates = acts[["actual_start", "actual_finish", "constraint_date"]].notna().any().any()
    if start is None and (has_dates or calendars is not None or calendar is not None):
        raise ValueError("progress, constraint dates and calendars need a start_date (or a data_date)")
    table = acts.reset_index()
    found = progress_problems(table, {project_id: dd} if dd is not None else None, "")
    if found:
        from ..exceptions import InconsistentProgressError
        raise InconsistentProgressError(found)
    status = np.where(acts["actual_finish"].notna(), STATUS[2],
                      np.where(acts["actual_start"].notna(), STATUS[1], STATUS[0]))
    if dd is None:
        dd = start

    keep = ["name", "phase", "min_duration", "most_likely", "max_duration", "distribution", "fixed_cost",
            "cost_rate", "correlation_group", "crash_limit", "crash_cost_rate", "risk_calendar_id"]
    out = acts[keep].copy()
    for c in ("min_duration", "most_likely", "max_duration", "fixed_cost", "cost_rate"):
        out[c] = out[c].astype(float).fillna(0.0)
    for c in ("crash_limit", "crash_cost_rate"):  # blank: the activity cannot be crashed (NaN kept)
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["distribution"] = out["distribution"].fillna("triangular").astype(str).str.lower()
    out["status"] = status
    for c in ("actual_start", "actual_finish", "constraint_type", "constraint_date", "calendar_id",
              "milestone_type", "baseline_start", "baseline_finish"):
        out[c] = acts[c]
    out["milestone_type"] = _milestone_types(out, links)
    out.index.name = "activity_id"

    tl, cal_rows = None, np.zeros(len(out), int)
    if start is not None:
        tl, cal_rows, names = _timeline(out, calendars, calendar_exceptions, calendar, lag_calendar, start, dd)
        out["calendar_id"] = [names[c] for c in cal_rows]
    out["remaining"] = _remaining(out.assign(remaining_duration=acts["remaining_duration"],
                                             percent_complete=acts["percent_complete"]), tl, cal_rows, dd)
    plan = _compile(out, links, order, tl, cal_rows.copy(), start, dd, lag_calendar, progress)
    return Network(project_id, out, links, order, plan, unit, tl, start,
                   dd if start is not None else None, progress)


def _milestone_types(acts: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    has_pred = acts.index.isin(links["successor"])
    mt = acts["milestone_type"].map(lambda v: None if not isinstance(v, str) or not v.strip() else v.strip().lower())
    bad = set(mt.dropna()) - {"start", "finish"}
    if bad:
        raise _problem(f"milestone_type must be 'start' or 'finish', got {sorted(bad)}", "milestone_type")
    default = np.where(has_pred, "finish", "start")
    return pd.Series(np.where(mt.isna(), default, mt), index=acts.index).where(acts["max_duration"] == 0, None)


def _timeline(acts, calendars, exceptions, calendar, lag_calendar, start, dd):
    if isinstance(calendars, dict):
        cals = dict(calendars)
    else:
        cals = calendars_from_tables(calendars, exceptions)
    if calendar is not None and calendar not in cals:
        raise _problem(f"unknown project calendar {calendar!r}", "calendar_id")
    project_cal = cals[calendar] if calendar is not None else WorkCalendar(name="default")
    names = [calendar or "default"]
    objs = [project_cal]
    rows = np.zeros(len(acts), int)
    for i, cid in enumerate(acts["calendar_id"]):
        if cid is None or (not isinstance(cid, str) and pd.isna(cid)):
            continue
        if cid not in cals:
            raise _problem(f"activity {acts.index[i]}: unknown calendar {cid!r}", "calendar_id")
        if cid not in names:
            names.append(cid)
            objs.append(cals[cid])
        rows[i] = names.index(cid)
    # the last calendar is round the clock: 24-hour lags, and the logic of complete activities (P6 keeps
    # their early dates at the data date itself, not at a working time of their calendar)
    names.append("24h")
    objs.append(HOURS_24)
    dates = [start, dd] + [pd.Timestamp(d).normalize() for c in ("actual_start", "actual_finish", "constraint_date")
                           for d in acts[c].dropna()]
    origin = min(dates) - pd.Timedelta(days=7)
    span = (max(dates) - origin).days + 2 * 366
    tl = Timeline(origin, objs, days=span)
    return tl, rows, names


def _remaining(acts, tl, cal_rows, dd) -> np.ndarray:
    """Remaining duration at the data date [unit] (0 when complete)."""
    ml = acts["most_likely"].to_numpy(float)
    rem = acts.get("remaining_duration")
    out = ml.copy()
    st = acts["status"].to_numpy()
    given = pd.to_numeric(pd.Series(rem if rem is not None else np.nan, index=acts.index), errors="coerce")
    pct = pd.to_numeric(acts.get("percent_complete", pd.Series(np.nan, index=acts.index)), errors="coerce")
    guessed = []
    for i in np.flatnonzero(st == STATUS[1]):
        if not math.isnan(given.iloc[i]):
            out[i] = given.iloc[i]
        elif not math.isnan(pct.iloc[i]):
            out[i] = ml[i] * (1 - pct.iloc[i] / 100.0)
        else:  # progress as planned: the working time elapsed since the actual start is done
            c = int(cal_rows[i])
            t0 = tl.day(acts["actual_start"].iloc[i])
            elapsed = (tl.work(c, tl.day(dd)) - tl.work(c, t0)) / tl.calendars[c].hours_per_day
            out[i] = max(ml[i] - max(float(elapsed), 0.0), 0.0)  # started after the data date: none elapsed
            guessed.append(acts.index[i])
    ns = st == STATUS[0]
    has = ns & given.notna().to_numpy()
    out[has] = given.to_numpy(float)[has]
    out[st == STATUS[2]] = 0.0
    if guessed:
        warnings.warn(f"{len(guessed)} in-progress activit{'y has' if len(guessed) == 1 else 'ies have'} neither "
                      f"remaining_duration nor percent_complete: remaining work assumed as planned from the actual "
                      f"start ({', '.join(guessed[:5])})", DataWarning, stacklevel=4)
    return np.round(out, 9)
