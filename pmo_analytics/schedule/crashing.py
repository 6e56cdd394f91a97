"""Minimum-cost crashing: the time-cost trade-off linear program and the project's time-cost curve.

Each activity may be shortened ("crashed") by up to its ``crash_limit``
[working days] at ``crash_cost_rate`` [currency per working day saved]
(linear time-cost relation, as in Kelley, "Critical-path planning and
scheduling: mathematical basis", *Operations Research* 9(3), 1961, and
Fulkerson, "A network flow computation for project cost curves",
*Management Science* 7(2), 1961). The cheapest crash plan that finishes by a
target is the linear program

    min  sum_i rate_i * y_i
    s.t. the forward-pass constraints of the network with durations d_i - y_i,
         every finish <= target,  0 <= y_i <= limit_i,

and the project's **time-cost curve** C(T) (least crash cost to finish by
T) is convex and piecewise linear in T; its breakpoints are found exactly by
the tangent-intersection ("sandwich") method on the LP's optimal value and
its dual slope (each solve hot-started from the last basis).

The constraints are those of the network's compiled forward pass
(:mod:`pmo_analytics.schedule.cpm`): four link types with lags, the data
date and progress (only **remaining work** is crashed: an activity in
progress can be shortened by its limit scaled to the remaining share of the
work, a complete one not at all), date constraints (SNET/FNET/SO/FO bound
the early dates, MSO/MFO fix them), calendars. Every relation is linear in
working time when a link stays on one calendar, so the LP is exact; a link
that changes calendar (or a lag on another calendar) is linearised at the
current schedule, and the plan is re-linearised and re-solved until the
network's own forward pass confirms the finish (``exact_`` is False then).

Crashing shortens the remaining work proportionally: crashing ``y`` days of
an activity whose plan has ``m`` remaining days takes the share ``y / m``
off whatever duration it has (the deterministic plan: ``m - y``; a sampled
duration ``D`` under uncertainty: ``D (1 - y / m)``, see
:mod:`pmo_analytics.risk.recovery`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..exceptions import SolverError
from ._lp import LinearProgram
from .cpm import _durations, forward_pass, project_finish
from .network import Network, _apply

__all__ = ["CrashData", "crash_data", "CrashPlan", "crash", "time_cost_curve", "crashed_durations"]

#: Finishes within this many working days of the target meet it (LP tolerances).
FINISH_TOL = 1e-6


@dataclass(frozen=True)
class CrashData:
    """What can be crashed, per network row.

    Attributes
    ----------
    limit : ndarray
        Most the remaining duration can be shortened [unit]: ``crash_limit``
        scaled by remaining / most likely (0 when complete or not crashable).
    rate : ndarray
        ``crash_cost_rate`` [currency/unit] (0 where not crashable).
    remaining : ndarray
        Remaining most-likely duration [unit] the crash is a share of.
    rows : ndarray of int
        Rows with a positive limit.
    """

    limit: np.ndarray
    rate: np.ndarray
    remaining: np.ndarray
    rows: np.ndarray

    @property
    def n(self) -> int:
        return len(self.rows)


def crash_data(network: Network) -> CrashData:
    """Crash limits and rates of the remaining work of ``network`` (see :class:`CrashData`)."""
    acts = network.activities
    ml = acts["most_likely"].to_numpy(float)
    rem = network.remaining
    lim = acts["crash_limit"].to_numpy(float) if "crash_limit" in acts.columns else np.full(network.n, np.nan)
    rate = acts["crash_cost_rate"].to_numpy(float) if "crash_cost_rate" in acts.columns else np.full(network.n,
                                                                                                       np.nan)
    share = np.where(ml > 0, rem / np.where(ml > 0, ml, 1.0), 0.0)
    limit = np.where(np.isnan(lim) | np.isnan(rate), 0.0, np.minimum(lim, ml)) * share
    limit = np.where((network.status == 2) | (rem <= 0), 0.0, np.maximum(limit, 0.0))
    limit = np.minimum(limit, rem)
    rate = np.where(limit > 0, np.nan_to_num(rate), 0.0)
    return CrashData(np.round(limit, 12), rate, rem, np.flatnonzero(limit > 0))


def crashed_durations(durations: np.ndarray, crash: np.ndarray, remaining: np.ndarray) -> np.ndarray:
    """Durations [unit] after crashing ``crash`` days of ``remaining`` planned days: ``D * (1 - crash / remaining)``.

    ``durations`` is 1-D (per activity) or 2-D (activities x scenarios).
    """
    D = np.asarray(durations, float)
    f = np.where(remaining > 0, 1.0 - np.asarray(crash, float) / np.where(remaining > 0, remaining, 1.0), 1.0)
    f = np.maximum(f, 0.0)
    return D * (f if D.ndim == 1 else f[:, None])


def _finish_days(network: Network, D: np.ndarray) -> float:
    """Project finish [unit after the start] of remaining durations ``D`` [unit] (1-D)."""
    T = project_finish(network, forward_pass(network, D * network._plan.scale))
    return float(network.to_days(T)) if network.has_dates else float(T)


class _TimeCostLP:
    """The time-cost LP of one network and base durations; columns ``[E (n), T, y (crashable)]``.

    ``E`` are early finishes [kernel units of each row's calendar], ``T`` the
    project finish [project kernel units], ``y`` the crash [unit] of each
    crashable row.
    """

    def __init__(self, network: Network, base: np.ndarray, data: CrashData, time_limit: float | None = None):
        self.net = network
        self.base = np.asarray(base, float)
        self.data = data
        self.time_limit = time_limit
        n = network.n
        plan = network._plan
        self.scale = plan.scale
        self.Db = self.base * self.scale                                  # base kernel durations
        rem = data.remaining
        self.k = np.where(rem > 0, self.Db / np.where(rem > 0, rem, 1.0), 0.0)  # kernel units per crash day
        self.ycol = np.full(n, -1)
        self.ycol[data.rows] = n + 1 + np.arange(data.n)
        self.n_cols = n + 1 + data.n
        self.tcol = n
        self.converts = any(conv is not None for ins in plan.forward for lst in ins[3:7] for _, _, conv, _, _ in lst)
        if network.has_dates and len(set(np.unique(plan.cal[plan.end_rows]).tolist()) - {0}):
            self.converts = True
        self.lp = None

    # ------------------------------------------------------------------ build
    def _rows(self, EF0: np.ndarray, D0: np.ndarray, T0: float):
        """Rows of the LP linearised at early finishes ``EF0`` / kernel durations ``D0`` (exact without conversions)."""
        net, plan = self.net, self.net._plan
        tl = net.timeline
        Db, k, ycol = self.Db, self.k, self.ycol
        R, C, V, lo, hi = [], [], [], [], []
        row = [0]

        def add(entries, low, high=np.inf):
            for c, v in entries:
                if c >= 0 and v != 0.0:
                    R.append(row[0])
                    C.append(c)
                    V.append(v)
            lo.append(low)
            hi.append(high)
            row[0] += 1

        def delta(x0, lag, conv):
            if conv is None:
                return lag
            return float(_apply(tl, np.array([x0]), conv, lag)[0]) - x0

        for r, st, clamp, fs, ss, ff, sf, code, cval in plan.forward:
            yr = (ycol[r], k[r])
            er = (r, 1.0)
            if code == 8:  # MFO: the finish is the date
                add([er], cval)
                continue
            if code == 7:  # MSO: the start is the date
                add([er, yr], Db[r] + cval)
                continue
            first = not (fs or ss)
            for p, lag, conv, floor, _ in fs:
                add([er, yr, (p, -1.0)], Db[r] + delta(EF0[p], lag, conv))
                if floor is not None:
                    add([er, yr], Db[r] + floor)
            for p, lag, conv, floor, _ in ss:
                add([er, yr, (p, -1.0), (ycol[p], -k[p])], Db[r] - Db[p] + delta(EF0[p] - D0[p], lag, conv))
                if floor is not None:
                    add([er, yr], Db[r] + floor)
            if first or clamp:
                add([er, yr], Db[r] + plan.lower[r])
            if code in (1, 5):      # SNET, SO
                add([er, yr], Db[r] + cval)
            elif code in (3, 6):    # FNET, FO
                add([er], cval)
            for p, lag, conv, floor, _ in ff:
                add([er, (p, -1.0)], delta(EF0[p], lag, conv))
                if floor is not None:
                    add([er], floor)
            for p, lag, conv, floor, _ in sf:
                add([er, (p, -1.0), (ycol[p], -k[p])], -Db[p] + delta(EF0[p] - D0[p], lag, conv))
                if floor is not None:
                    add([er], floor)
        for r in plan.end_rows:  # every finish by the project finish T (converted to the row's calendar)
            c = int(plan.cal[r])
            d = 0.0 if (tl is None or c == 0) else float(tl.convert(0, c, np.array([T0]), "finish")[0]) - T0
            add([(int(r), 1.0), (self.tcol, -1.0)], -np.inf, d)
        A = sp.csr_matrix((V, (R, C)), shape=(row[0], self.n_cols))
        return A, np.array(lo, float), np.array(hi, float)

    def build(self, EF0, D0, T0, t_hi: float) -> None:
        A, lo, hi = self._rows(EF0, D0, T0)
        c = np.zeros(self.n_cols)
        c[self.ycol[self.data.rows]] = self.data.rate[self.data.rows]
        col_lo = np.full(self.n_cols, -np.inf)
        col_hi = np.full(self.n_cols, np.inf)
        ys = self.ycol[self.data.rows]
        col_lo[ys] = 0.0
        col_hi[ys] = self.data.limit[self.data.rows]
        col_lo[self.tcol] = self.net._plan.done_finish if np.isfinite(self.net._plan.done_finish) else -np.inf
        col_hi[self.tcol] = t_hi
        self.cost = c
        self.lp = LinearProgram(c, A, lo, hi, col_lo, col_hi, time_limit=self.time_limit)

    # ------------------------------------------------------------------ solve
    def crash_of(self, x: np.ndarray) -> np.ndarray:
        y = np.zeros(self.net.n)
        y[self.data.rows] = np.clip(x[self.ycol[self.data.rows]], 0.0, self.data.limit[self.data.rows])
        y[y < 1e-9] = 0.0
        return y

    def solve_for(self, t_w: float):
        """Least-cost crash to finish by ``t_w`` [project kernel units]: (result, crash per row)."""
        lo = self.net._plan.done_finish if np.isfinite(self.net._plan.done_finish) else -np.inf
        if t_w < lo:
            return None, None
        self.lp.set_col_bounds([self.tcol], [lo], [t_w])
        res = self.lp.solve()
        if not res.optimal:
            return res, None
        return res, self.crash_of(res.x)

    def min_finish(self):
        """The shortest finish the crash limits allow [project kernel units], and its cheapest crash."""
        lp = self.lp
        c = np.zeros(self.n_cols)
        c[self.tcol] = 1.0
        lp.set_costs(c)
        lo = self.net._plan.done_finish if np.isfinite(self.net._plan.done_finish) else -np.inf
        lp.set_col_bounds([self.tcol], [lo], [np.inf])
        res = lp.solve()
        lp.set_costs(self.cost)
        if not res.optimal:
            raise SolverError("the time-cost LP without a deadline has no solution (a network that cannot be "
                              "scheduled)")
        t = float(res.x[self.tcol])
        res2, y = self.solve_for(t + 1e-9 * max(1.0, abs(t)))  # the cheapest plan at that finish
        return t, y


def _target_days(network: Network, target) -> float:
    if target is None or (not isinstance(target, str) and pd.isna(target)):
        raise ValueError("a target finish is required: [unit after the start] or a date")
    if isinstance(target, (pd.Timestamp, np.datetime64, str)) or hasattr(target, "year"):
        if not network.has_dates:
            raise ValueError("a target date needs a network with a start_date; give it in working days")
        return float(network.working_days(target))
    return float(target)


@dataclass(frozen=True)
class CrashPlan:
    """The cheapest crash plan that meets a target finish (deterministic).

    Attributes
    ----------
    plan : DataFrame
        One row per crashable activity (``activity_id``): ``name``,
        ``remaining`` [unit], ``crash_limit`` [unit, of the remaining work],
        ``crash_cost_rate`` [currency/unit], ``crash`` [unit],
        ``crashed_duration`` [unit], ``crash_cost`` [currency]; sorted by
        crash cost, the crashed ones first.
    cost : float
        Cost of the plan [currency] (NaN when the target cannot be met).
    target, finish_before, finish_after, min_finish : float
        [unit after the start]: the target, the finish of the plan as it is,
        after the crash (the network's own forward pass), and the shortest
        finish the crash limits allow.
    feasible : bool
        The target can be met within the crash limits.
    exact : bool
        No calendar conversion had to be linearised (the LP is the network's
        forward pass exactly).
    crash : ndarray
        Crash per network row [unit].
    """

    plan: pd.DataFrame
    cost: float
    target: float
    finish_before: float
    finish_after: float
    min_finish: float
    feasible: bool
    exact: bool
    crash: np.ndarray

    @property
    def crashed(self) -> pd.DataFrame:
        """The activities the plan shortens."""
        return self.plan[self.plan["crash"] > 0]

    def __repr__(self) -> str:
        if not self.feasible:
            return (f"CrashPlan(target {self.target:g} not reachable: the shortest finish the crash limits allow "
                    f"is {self.min_finish:g})")
        return (f"CrashPlan(finish {self.finish_before:g} -> {self.finish_after:g} (target {self.target:g}); "
                f"{len(self.crashed)} activities crashed, cost {self.cost:,.0f})")


def _plan_frame(network: Network, data: CrashData, y: np.ndarray, base: np.ndarray) -> pd.DataFrame:
    rows = data.rows
    acts = network.activities
    d_after = crashed_durations(base, y, data.remaining)
    out = pd.DataFrame({
        "name": acts["name"].to_numpy()[rows],
        "remaining": base[rows],
        "crash_limit": data.limit[rows],
        "crash_cost_rate": data.rate[rows],
        "crash": y[rows],
        "crashed_duration": d_after[rows],
        "crash_cost": y[rows] * data.rate[rows],
    }, index=pd.Index(acts.index[rows], name="activity_id"))
    return out.sort_values(["crash_cost", "crash"], ascending=False, kind="stable")


def _solve(network: Network, target_days: float, base: np.ndarray, data: CrashData, time_limit=None,
           max_rounds: int = 12):
    """LP (re-linearised while calendars convert) -> (crash, finish after, model, exact)."""
    D0 = base * network._plan.scale
    EF0 = forward_pass(network, D0)
    t_w = float(network.from_days(target_days)) if network.has_dates else float(target_days)
    m = _TimeCostLP(network, base, data, time_limit)
    m.build(EF0, D0, t_w, t_w)
    t_try = t_w
    hpd = network._hours_per_day() if network.has_dates else 1.0
    for _ in range(max_rounds):
        res, y = m.solve_for(t_try)
        if y is None:
            return None, np.nan, m
        d = crashed_durations(base, y, data.remaining)
        f = _finish_days(network, d)
        if f <= target_days + FINISH_TOL:
            if m.converts and t_try < t_w:  # aimed lower than the target: bisect back towards it
                lo, hi = t_try, t_w
                for _ in range(8):
                    mid = 0.5 * (lo + hi)
                    _, y2 = m.solve_for(mid)
                    if y2 is None:
                        break
                    d2 = crashed_durations(base, y2, data.remaining)
                    f2 = _finish_days(network, d2)
                    if f2 <= target_days + FINISH_TOL:
                        lo, y, f = mid, y2, f2
                    else:
                        hi = mid
                    if (hi - lo) / hpd < 0.01:
                        break
            return y, f, m
        if not m.converts:
            raise SolverError(f"time-cost LP and forward pass disagree ({f:g} > {target_days:g}) on a network "
                              "without calendar conversions")
        # re-linearise at the crashed schedule, and aim lower by what the linearisation missed
        Dk = d * network._plan.scale
        m.build(forward_pass(network, Dk), Dk, t_w, t_w)
        t_try -= (f - target_days) * hpd
    return None, np.nan, m


def crash(network: Network, target, *, durations=None, time_limit: float | None = None) -> CrashPlan:
    """The cheapest crash plan that finishes ``network`` by ``target`` (Kelley 1961; Fulkerson 1961).

    Parameters
    ----------
    network : Network
        With ``crash_limit`` [unit] and ``crash_cost_rate`` [currency/unit]
        on the activities that can be shortened (others are not crashed).
    target : float or date-like
        Target finish [unit after the start] or date (end of that day, for a
        network with dates).
    durations : {"most_likely", "mean"}, Series or array-like, optional
        Remaining durations to crash from [unit], as in :func:`~pmo_analytics.schedule.cpm`
        (default the most likely ones).
    time_limit : float, optional
        Limit of one LP solve [s].

    Returns
    -------
    CrashPlan
        ``feasible`` is False (cost NaN) when even crashing every activity to
        its limit cannot meet the target; ``min_finish`` says how close it
        gets. A target at or after the plan's finish costs nothing.

    Examples
    --------
    Hillier & Lieberman's Reliable Construction project (44 weeks) finishes in
    40 weeks for 140,000 by crashing J and F two weeks each (see the tests).
    """
    base = _durations(network, durations)
    data = crash_data(network)
    target_days = _target_days(network, target)
    before = _finish_days(network, base)
    if before <= target_days + FINISH_TOL:
        y = np.zeros(network.n)
        m = _TimeCostLP(network, base, data, time_limit)
        return CrashPlan(_plan_frame(network, data, y, base), 0.0, target_days, before, before,
                         _min_finish(network, base, data, time_limit), True, not m.converts, y)
    y, f, m = _solve(network, target_days, base, data, time_limit)
    tmin = _min_finish(network, base, data, time_limit, m)
    if y is None:
        y0 = np.zeros(network.n)
        return CrashPlan(_plan_frame(network, data, y0, base), float("nan"), target_days, before, float("nan"),
                         tmin, False, not m.converts, y0)
    cost = float(data.rate @ y)
    return CrashPlan(_plan_frame(network, data, y, base), cost, target_days, before, f, tmin, True,
                     not m.converts, y)


def _min_finish(network, base, data, time_limit=None, model=None) -> float:
    """Shortest finish the crash limits allow [unit after the start], confirmed by the forward pass."""
    if model is None or model.lp is None:
        D0 = base * network._plan.scale
        model = _TimeCostLP(network, base, data, time_limit)
        t0 = float(project_finish(network, forward_pass(network, D0)))
        model.build(forward_pass(network, D0), D0, t0, np.inf)
    _, y = model.min_finish()
    if y is None:
        y = data.limit.copy()
    f_lp = _finish_days(network, crashed_durations(base, y, data.remaining))
    f_all = _finish_days(network, crashed_durations(base, data.limit, data.remaining))
    return min(f_lp, f_all)


def _verified_curve(network, base, data, f_normal, points, time_limit) -> pd.DataFrame:
    """The curve of a network whose LP is linearised: crash plans at evenly spaced targets, each confirmed by the
    forward pass (finish = the confirmed finish; ``exact`` False)."""
    f_min = _min_finish(network, base, data, time_limit)
    rows = [(f_normal, 0.0)]
    if f_normal - f_min > FINISH_TOL:
        for t in np.linspace(f_normal, f_min, points)[1:]:
            y, f, _ = _solve(network, float(t), base, data, time_limit)
            if y is not None:
                rows.append((f, float(data.rate @ y)))
    out = pd.DataFrame(rows, columns=["finish", "cost"]).sort_values("finish", ascending=False)
    out = out.drop_duplicates("finish")
    out["cost"] = np.minimum.accumulate(out["cost"][::-1].to_numpy())[::-1]  # a later finish never costs more
    out["finish"] = out["finish"].round(9)
    nxt = out["finish"].shift(-1)
    out["slope"] = ((out["cost"].shift(-1) - out["cost"]) / (out["finish"] - nxt)).fillna(0.0)
    out["exact"] = False
    out = out[["finish", "cost", "slope", "exact"]]
    if network.has_dates:
        out["finish_date"] = network.to_date(out["finish"].to_numpy())
    return out.reset_index(drop=True)


def time_cost_curve(network: Network, *, durations=None, max_points: int = 400,
                    time_limit: float | None = None) -> pd.DataFrame:
    """The project's time-cost curve: least crash cost to finish by each finish (Fulkerson 1961).

    The curve is convex and piecewise linear between the plan's finish (cost
    0) and the shortest finish the crash limits allow. Its breakpoints are
    found exactly by intersecting tangents: solve at both ends, take the
    intersection of the two tangent lines (value and dual slope of the LP),
    solve there; if the curve touches the tangents it is linear on each side,
    otherwise recurse on both halves.

    Parameters
    ----------
    network : Network
    durations : optional
        Remaining durations to crash from [unit] (default most likely).
    max_points : int, default 400
        Most LP solves [count]; when reached the remaining intervals are
        returned as chords (``exact`` False on those points). A network
        whose LP is linearised (links across calendars) gives instead at
        most 25 crash plans at evenly spaced targets, each finish confirmed
        by the forward pass (``exact`` False).

    Returns
    -------
    DataFrame
        ``finish`` [unit after the start], ``cost`` [currency, least crash
        cost], ``slope`` [currency per unit saved, to the next shorter
        point], ``exact`` [bool]; sorted from the plan's finish down to the
        shortest one. A network with dates adds ``finish_date``.
    """
    base = _durations(network, durations)
    data = crash_data(network)
    D0 = base * network._plan.scale
    EF0 = forward_pass(network, D0)
    f_normal = _finish_days(network, base)
    m = _TimeCostLP(network, base, data, time_limit)
    if m.converts:
        return _verified_curve(network, base, data, f_normal, max(2, min(max_points, 25)), time_limit)
    t0 = float(project_finish(network, EF0))
    m.build(EF0, D0, t0, np.inf)
    hpd = network._hours_per_day() if network.has_dates else 1.0
    tmin_w, _ = m.min_finish()
    lo_days = float(network.to_days(tmin_w)) if network.has_dates else tmin_w
    exact = not m.converts
    solves = [0]

    def value(days):
        t_w = float(network.from_days(days)) if network.has_dates else days
        res, y = m.solve_for(t_w)
        solves[0] += 1
        if y is None:
            raise SolverError(f"time-cost LP infeasible at {days:g}, above the shortest finish {lo_days:g}")
        slope = float(res.col_dual[m.tcol]) * hpd  # d cost / d finish [currency per unit], <= 0
        return float(data.rate @ y), min(slope, 0.0)

    pts = {}
    if f_normal - lo_days <= FINISH_TOL:
        pts[f_normal] = (0.0, True)
    else:
        c_hi, g_hi = value(f_normal)
        c_lo, g_lo = value(lo_days)
        pts[f_normal] = (c_hi, True)
        pts[lo_days] = (c_lo, True)
        stack = [(lo_days, c_lo, g_lo, f_normal, c_hi, g_hi)]
        while stack:
            a, ca, ga, b, cb, gb = stack.pop()
            if b - a <= 1e-7:
                continue
            if abs(ga - gb) <= 1e-9 * max(1.0, abs(ga)):
                continue  # one line from a to b
            t = (cb - ca + ga * a - gb * b) / (ga - gb)
            if not (a + 1e-9 < t < b - 1e-9):
                continue
            line = ca + ga * (t - a)
            if solves[0] >= max_points:
                pts[t] = (line, False)
                continue
            ct, gt = value(t)
            if abs(ct - line) <= 1e-7 * max(1.0, abs(line)) + 1e-6:
                pts[t] = (line, True)
                continue
            pts[t] = (ct, True)
            stack.append((a, ca, ga, t, ct, gt))
            stack.append((t, ct, gt, b, cb, gb))
    xs = sorted(pts, reverse=True)
    # keep the breakpoints only: drop a point where the curve does not bend (same slope on both sides)
    keep = [xs[0]] if xs else []
    for i in range(1, len(xs) - 1):
        a, b, c = keep[-1], xs[i], xs[i + 1]
        s1 = (pts[b][0] - pts[a][0]) / (a - b)
        s2 = (pts[c][0] - pts[b][0]) / (b - c)
        if abs(s1 - s2) > 1e-6 * max(1.0, abs(s1), abs(s2)) or not pts[b][1]:
            keep.append(b)
    if len(xs) > 1:
        keep.append(xs[-1])
    xs = keep
    out = pd.DataFrame({"finish": np.round(xs, 9), "cost": [pts[x][0] for x in xs],
                        "exact": [pts[x][1] and exact for x in xs]})
    out["cost"] = out["cost"].where(out["cost"].abs() > 1e-7, 0.0)
    nxt = out["finish"].shift(-1)
    out["slope"] = ((out["cost"].shift(-1) - out["cost"]) / (out["finish"] - nxt)).fillna(0.0)
    out = out[["finish", "cost", "slope", "exact"]]
    if network.has_dates:
        out["finish_date"] = network.to_date(out["finish"].to_numpy())
    return out.reset_index(drop=True)
