"""Schedule events of one iteration: probabilistic branches and risk calendars, for both Monte Carlo engines.

Two features that Primavera Risk Analysis and Safran Risk model and a CPM
cannot: what exists, and when work can be done, differ from one iteration to
the next. Both are drawn from the block's event stream (``(block, EVENTS)``
of :mod:`pmo_analytics.streams`; a stream of their own, so a model with
events draws its durations and risks exactly as the same model without
them) and compiled once against a network here; the engines
(:mod:`pmo_analytics.risk.engine`, :mod:`pmo_analytics.risk.portfolio`) call
them between the sampling kernel (:mod:`pmo_analytics.risk.sampling`) and
the critical path.

Probabilistic branches (:class:`BranchStep`)
--------------------------------------------
After a branching activity exactly one of its branches is taken in each
iteration, branch ``k`` with its probability (one uniform per branching
activity, inverse of the cumulative probabilities). The activities of the
paths of the branches not taken do not exist in that iteration: they last 0
days and cost nothing (fixed cost included), and they are not counted
critical (criticality counts only the iterations where an activity exists;
:attr:`~pmo_analytics.risk.ScheduleRiskModel.existence_` gives how often it
does). As in Primavera Risk Analysis, an activity that does not exist still
passes its predecessors' dates on: a link with a lag out of a branch path
keeps its lag (model rework paths without lags to the merge). The
deterministic plan takes the most likely branch of each activity (the first
one listed on a tie).

Risk calendars (:class:`RiskCalendarStep`)
------------------------------------------
A risk calendar is a list of seasonal windows (``risk_calendars`` table):
each occurs in a year with its probability (independently per year and per
iteration), over the whole season or over ``window_days`` placed uniformly
in it, and during it the work of the activities on that calendar proceeds at
``productivity`` of its normal rate (0: it stops). The windows are drawn for
every year from the data date to two years after the most pessimistic
finish (every duration at its maximum, every risk at its worst). Their
effect is exact within the forward pass: an activity on a risk calendar
finishes when its remaining work, done at the normal rate outside the
windows and at the reduced rate inside them, is complete, from its start in
that iteration (:func:`pmo_analytics.schedule.cpm.forward_pass`'s
``stretch``), so a delay upstream can move it into, or out of, a window.
Working time is the activity's own calendar's (the window's dates converted
to its working hours). The duration an activity takes in an iteration is
then its finish minus its start (the backward pass and criticality use it);
its time-dependent cost stays that of its work (a weather stop is idle time,
not work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, Problem
from ..schedule.network import Network
from ..tables.events import season_days
from ..tables.graph import split_list

__all__ = ["BranchStep", "RiskCalendarStep", "events_of", "windows_until"]


def _problem(table: str, column: str, msg: str) -> DataValidationError:
    return DataValidationError([Problem(table, "", None, column, msg)], header="invalid schedule events")


def _rows_of(df: pd.DataFrame | None, project_id: str | None) -> pd.DataFrame | None:
    if df is None or len(df) == 0:
        return None
    if "project_id" in df.columns and project_id is not None:
        df = df[df["project_id"].astype(str) == str(project_id)]
    return df if len(df) else None


# --------------------------------------------------------------------------- branches
@dataclass(frozen=True, eq=False)
class BranchStep:
    """Probabilistic branches compiled against a network.

    Attributes
    ----------
    points : tuple of str
        Branching activities (one uniform each, in this order).
    cum : tuple of ndarray
        Cumulative probabilities of each point's branches.
    paths : tuple of tuple of ndarray
        Network rows of each branch's path, per point.
    rows : ndarray
        Every row on some path (sorted): the rows whose existence varies.
    most_likely : tuple of int
        The most likely branch of each point.
    names : tuple of tuple of str
        Branch ids per point.
    """

    points: tuple
    cum: tuple
    paths: tuple
    rows: np.ndarray
    most_likely: tuple
    names: tuple

    @property
    def n(self) -> int:
        """Uniform rows it needs per iteration [count]."""
        return len(self.points)

    @classmethod
    def compile(cls, branches: pd.DataFrame | None, network: Network) -> BranchStep | None:
        """From the ``branches`` table (rows of the network's project); None when there is none."""
        br = _rows_of(branches, network.project_id)
        if br is None:
            return None
        pos = {a: i for i, a in enumerate(network.ids)}
        points, cum, paths, ml, names = [], [], [], [], []
        seen: set = set()
        for aid, g in br.groupby("activity_id", sort=False):
            aid = str(aid)
            if aid not in pos:
                raise _problem("branches", "activity_id", f"unknown activity {aid!r} in {network._name()}")
            p = g["probability"].to_numpy(float)
            if abs(p.sum() - 1.0) > 1e-6 or len(p) < 2:
                raise _problem("branches", "probability", f"the branches after {aid} must be two or more with "
                                                          f"probabilities summing to 1 (got {p.sum():g})")
            rows = []
            for text in (g["path"] if "path" in g.columns else [None] * len(g)):
                r = np.array(sorted({pos[a] for a in split_list(text) if a in pos}), dtype=int)
                missing = [a for a in split_list(text) if a not in pos]
                if missing:
                    raise _problem("branches", "path", f"unknown activit(ies) {missing[:5]} in {network._name()}")
                if seen & set(r.tolist()):
                    raise _problem("branches", "path", f"an activity after {aid} is on two branch paths")
                seen |= set(r.tolist())
                rows.append(r)
            points.append(aid)
            c = np.cumsum(p)
            c[-1] = 1.0
            cum.append(c)
            paths.append(tuple(rows))
            ml.append(int(np.argmax(p)))
            names.append(tuple(str(b) for b in g["branch_id"]))
        return cls(tuple(points), tuple(cum), tuple(paths), np.array(sorted(seen), dtype=int), tuple(ml),
                   tuple(names))

    def taken(self, u: np.ndarray) -> np.ndarray:
        """Branch taken at each point in each iteration, from its uniforms ``u`` (points, B)."""
        return np.stack([np.searchsorted(c, u[k], side="right").clip(0, len(c) - 1)
                         for k, c in enumerate(self.cum)]) if self.n else np.zeros((0, u.shape[1]), int)

    def exists(self, u: np.ndarray) -> np.ndarray:
        """Whether each row of :attr:`rows` exists in each iteration (len(rows), B)."""
        t = self.taken(u)
        out = np.zeros((len(self.rows), u.shape[1]), bool)
        where = {int(r): i for i, r in enumerate(self.rows)}
        for k, paths in enumerate(self.paths):
            for j, rows in enumerate(paths):
                if len(rows):
                    out[[where[int(r)] for r in rows]] |= t[k] == j
        return out

    def apply(self, D: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Durations of the rows that do not exist set to 0 in place; returns the existence mask (rows, B)."""
        ex = self.exists(u)
        if len(self.rows):
            D[self.rows] *= ex
        return ex

    def most_likely_exists(self, n: int) -> np.ndarray:
        """Per network row: does it exist in the deterministic plan (the most likely branches)?"""
        out = np.ones(n, bool)
        out[self.rows] = False
        for k, paths in enumerate(self.paths):
            rows = paths[self.most_likely[k]]
            out[rows] = True
        return out


# --------------------------------------------------------------------------- risk calendars
@dataclass(frozen=True, eq=False)
class RiskCalendarStep:
    """Risk-calendar windows compiled against a dated network.

    Attributes
    ----------
    calendars : tuple of (id, rows, windows)
        Per risk calendar: the network rows on it, and its windows in time
        order, each ``(first_day [days from the timeline origin], season
        length [days], window [days], probability, productivity)``.
    n : int
        Uniform rows it needs per iteration (2 per window: occurrence and place).
    """

    network: Network
    calendars: tuple
    n: int

    @classmethod
    def compile(cls, risk_calendars: pd.DataFrame | None, network: Network, until=None) -> RiskCalendarStep | None:
        """From the ``risk_calendars`` table and the activities' ``risk_calendar_id``; None when none applies.

        ``until``: the last date windows are drawn for (default two years
        after the data date); the engines pass two years after the most
        pessimistic finish.
        """
        acts = network.activities
        if "risk_calendar_id" not in acts.columns:
            return None
        ids = acts["risk_calendar_id"]
        used = sorted({str(x) for x in ids.dropna() if str(x).strip()})
        used = [c for c in used if ((ids == c) & (network.status != 2)).any()]
        if not used:
            return None
        if not network.has_dates:
            raise _problem("activities", "risk_calendar_id", f"{network._name()}: risk calendars need a schedule "
                                                             "with dates (a start_date)")
        rc = risk_calendars if risk_calendars is not None else pd.DataFrame(columns=["risk_calendar_id"])
        tl = network.timeline
        first_year = network.data_date.year - 1  # a season running over the new year may have begun
        last = pd.Timestamp(until) if until is not None else network.data_date + pd.DateOffset(years=2)
        years = range(first_year, last.year + 1)
        out, n = [], 0
        for cid in used:
            g = rc[rc["risk_calendar_id"].astype(str) == cid]
            if not len(g):
                raise _problem("activities", "risk_calendar_id",
                               f"unknown risk calendar {cid!r} in {network._name()}" +
                               ("" if risk_calendars is not None else " (no risk_calendars table was given)"))
            rows = np.flatnonzero(((ids == cid) & (network.status != 2)).to_numpy())
            seasons = []
            for r in g.itertuples():
                first, length = season_days(r.season_start, r.season_end)
                w = getattr(r, "window_days", None)
                w = float(length) if w is None or pd.isna(w) else min(float(w), float(length))
                seasons.append((first, float(length), w, float(r.probability), float(r.productivity)))
            seasons.sort()
            windows = []
            for y in years:
                jan1 = float((pd.Timestamp(year=y, month=1, day=1) - tl.origin) / pd.Timedelta(days=1))
                for first, length, w, p, f in seasons:
                    day = jan1 + first + (1.0 if (first >= 59 and pd.Timestamp(year=y, month=1, day=1).is_leap_year)
                                          else 0.0)
                    windows.append((day, length, w, p, f))
            out.append((cid, rows, tuple(windows)))
            n += 2 * len(windows)
        return cls(network, tuple(out), n)

    def windows(self, u: np.ndarray) -> list:
        """Per risk calendar, its windows in this block: ``[(a, b, f), ...]`` with ``a``/``b`` (B,) [days].

        A window that does not occur in an iteration is empty there (``a ==
        b`` at its place in time, so the windows stay in time order).
        """
        out, k = [], 0
        for _cid, _rows, wins in self.calendars:
            got = []
            for day, length, w, p, f in wins:
                occ = u[k] < p
                a = day + u[k + 1] * (length - w)
                b = np.where(occ, a + w, a)
                got.append((a, b, f))
                k += 2
            out.append(got)
        return out

    def stretch(self, u: np.ndarray) -> dict:
        """``{row: finish(es, d)}`` for the forward pass (:func:`~pmo_analytics.schedule.cpm.forward_pass`).

        ``es``, ``d`` and the finish are kernel units (working hours) of the
        row's own calendar; each risk calendar's windows are converted to
        the working time of every calendar its rows use, once per block.
        """
        tl = self.network.timeline
        cal = self.network._plan.cal
        out = {}
        for (cid, rows, _), wins in zip(self.calendars, self.windows(u)):
            by_cal = {}
            for c in np.unique(cal[rows]):
                c = int(c)
                by_cal[c] = [(tl.work(c, a), tl.work(c, b), f) for a, b, f in wins]
            for r in rows:
                out[int(r)] = _Stretch(by_cal[int(cal[r])])
        return out


class _Stretch:
    """Finish of work ``d`` started at ``es`` through time-ordered windows of reduced productivity (vectorised)."""

    __slots__ = ("wins",)

    def __init__(self, wins):
        self.wins = wins

    def __call__(self, es: np.ndarray, d: np.ndarray) -> np.ndarray:
        t = np.array(es, dtype=float)
        r = np.array(d, dtype=float)
        for a, b, f in self.wins:
            end = t + r
            if (a >= end).all():
                break  # every iteration's work is done before this window (and the later ones)
            if (b <= t).all():
                continue  # the window has passed in every iteration
            pre = np.clip(a - t, 0.0, r)
            t += pre
            r -= pre
            L = np.maximum(b - t, 0.0)
            L *= r > 0
            if f > 0:
                use = np.minimum(r, f * L)
                t += use / f
                r -= use
            else:
                t += L
        return t + r


def windows_until(network: Network, high: np.ndarray, drivers) -> pd.Timestamp | None:
    """Two years after the finish with every remaining duration at ``high`` and every risk at its worst.

    Risk-calendar windows are drawn up to this date (both engines); None for
    a network without dates.
    """
    from ..schedule.cpm import forward_pass, project_finish

    if not network.has_dates:
        return None
    pct, add = np.zeros(network.n), np.zeros(network.n)
    for k, rows in enumerate(drivers.rows):
        worst = max(drivers.pre[k, 3], drivers.post[k, 3])
        if drivers.percent[k]:
            pct[rows] += worst / 100.0
        else:
            add[rows] += worst
    D = (np.asarray(high, float) * (1.0 + pct) + add) * network._plan.scale
    T = project_finish(network, forward_pass(network, D))
    return pd.Timestamp(network.to_date(float(network.to_days(T)))) + pd.DateOffset(years=2)


def events_of(portfolio_or_tables, name: str) -> pd.DataFrame | None:
    """The ``branches`` or ``risk_calendars`` table of a Portfolio (or a dict of tables), None when absent."""
    tables = getattr(portfolio_or_tables, "tables", portfolio_or_tables)
    df = tables.get(name) if isinstance(tables, dict) else None
    return df if df is not None and len(df) else None
