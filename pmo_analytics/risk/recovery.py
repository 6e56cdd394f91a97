"""Minimum-cost recovery to a committed finish at a confidence level: :class:`Recovery`, :func:`recovery`.

A project late at the review's confidence asks the board *what would it
cost to get it back, and how sure would we be?* The answer here is the
cheapest **crash plan** (days taken off activities that carry a
``crash_limit`` and a ``crash_cost_rate``, see
:mod:`pmo_analytics.schedule.crashing`) such that the simulated finish meets
the target with the given confidence.

Method
------
* **Scenarios** are the Monte Carlo draws of :class:`~pmo_analytics.risk.ScheduleRiskModel`
  (durations, correlation, risk drivers, calendars, progress: remaining work
  only), with the same seed as the review's simulation so the confidence
  *before* is the one page 03 states (common random numbers). A crash of
  ``y`` days on an activity whose plan has ``m`` remaining days shortens its
  sampled duration ``D`` to ``D (1 - y / m)`` in every scenario (the same
  resources take the same share off the work, however long it turns out).
* **Sample-average approximation** of the chance constraint
  ``P(finish <= target) >= alpha`` (Luedtke & Ahmed, "A sample approximation
  approach for optimization with probabilistic constraints", *SIAM J.
  Optim.* 19(2), 2008): at least ``ceil(alpha S)`` of the ``S`` in-sample
  scenarios must meet the target. The finish of one scenario is the longest
  path, a convex piecewise-linear function of the crash plan; it enters the
  linear programs through **cutting planes** (Kelley, "The cutting-plane
  method for solving convex programs", *J. SIAM* 8(4), 1960): the path that
  drives the finish of a scenario at the current plan, found by
  differentiating the forward pass backwards (each activity's binding
  predecessor link), gives a linear constraint valid for every plan.
* The scenarios to satisfy are chosen by the **CVaR approximation**
  (Rockafellar & Uryasev, "Optimization of conditional value-at-risk",
  *J. Risk* 2(3), 2000; Nemirovski & Shapiro, "Convex approximations of
  chance constrained programs", *SIAM J. Optim.* 17(4), 2006): the LP whose
  conditional mean finish beyond the ``alpha`` quantile meets the target is a
  conservative plan; then repeatedly the ``ceil(alpha S)`` scenarios that
  finish first under the current plan are kept and the cheapest plan that
  makes all of them meet the target is solved (cost never increases), until
  the set no longer changes. The same search also starts from the scenarios
  that crashing everything saves first, and the cheaper plan is kept. This
  is a local search on the SAA MILP, not a proof of its optimum: on small
  cases the tests check it against the exact MILP (equal in 134 of 135
  four-activity cases; within 1.5 % on the sample's A-101 at 200 scenarios).
* **Validation out of sample**: the plan is simulated on independent
  scenarios (further random-number blocks of the same seed, never used to
  choose it); the confidence reported is that validated share with a Wilson
  score interval (Wilson, "Probable inference, the law of succession, and
  statistical inference", *JASA* 22, 1927). When the interval's lower end
  falls below the confidence asked, the in-sample level is raised and the
  plan solved again (**calibration**), so the confidence promised holds out
  of sample: the plan is stated as meeting ``confidence`` only when the
  whole ``interval`` (95 %) interval lies at or above it.
* The **curve** "cost to recover vs confidence" repeats the solve at several
  confidence levels (validated likewise, not calibrated).
* **Schedule events** are in the scenarios as the simulation drew them:
  probabilistic branches (a path not taken lasts 0 days, so crashing it
  saves nothing there), conditional risks, and risk-calendar windows (the
  crashed work is run through the same windows; a crash can then move work
  out of a window, so the finish is no longer convex in the plan and the
  cuts are local linearisations: the plan is a local optimum, and is still
  validated out of sample).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..exceptions import DataWarning
from ..schedule._lp import LinearProgram
from ..schedule.cpm import forward_pass, project_finish
from ..schedule.crashing import CrashData, crash, crash_data, crashed_durations
from ..schedule.network import Network
from ..stats import wilson_interval  # one home; re-exported here
from ..streams import check_seed
from .gradient import finish_gradient

__all__ = ["Recovery", "recovery", "finish_gradient", "wilson_interval", "DEFAULT_CURVE"]

#: Confidence levels of the curve "cost to recover vs confidence".
DEFAULT_CURVE = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: A scenario meets the target when its finish is within this of it [working days].
TOL = 1e-6


# --------------------------------------------------------------------------- scenarios and the SAA
class _Scenarios:
    """Sampled remaining durations [unit] of a network and the finish [unit after the start] of a crash plan."""

    def __init__(self, network: Network, D: np.ndarray, data: CrashData, calendars=None, U_cal=None):
        self.net = network
        self.D = np.ascontiguousarray(D, dtype=float)
        self.calendars = calendars  # RiskCalendarStep and its window uniforms per scenario (rows, S)
        self.U_cal = U_cal
        self.data = data
        self.scale = network._plan.scale
        self.hpd = network._hours_per_day() if network.has_dates else 1.0
        self.S = D.shape[1]
        m = data.remaining
        rows = data.rows
        # d finish [days] / d crash [days] = -grad * D * scale / (m * hpd)
        self._coef = (self.scale[rows] / (m[rows] * self.hpd))[:, None]

    def _days(self, T):
        return self.net.to_days(T) if self.net.has_dates else T

    def _stretch(self, cols):
        """The risk-calendar windows of scenarios ``cols`` for the forward pass (None without risk calendars)."""
        if self.calendars is None:
            return None
        return self.calendars.stretch(self.U_cal[:, cols])

    def finishes(self, y: np.ndarray, cols=None, chunk: int = 4000) -> np.ndarray:
        cols = np.arange(self.S) if cols is None else np.asarray(cols)
        out = np.empty(len(cols))
        for c0 in range(0, len(cols), chunk):
            cc = cols[c0:c0 + chunk]
            Dk = crashed_durations(self.D[:, cc], y, self.data.remaining) * self.scale[:, None]
            EF = forward_pass(self.net, Dk, stretch=self._stretch(cc))
            out[c0:c0 + chunk] = self._days(project_finish(self.net, EF))
        return out

    def cuts(self, y: np.ndarray, cols: np.ndarray):
        """Cutting planes ``finish_s(y') >= b_s + a_s @ y'`` at plan ``y`` for scenarios ``cols``.

        Returns ``a`` (csr, scenarios x crashable) [days/day], ``b`` [days] and the finishes at ``y`` [days].
        """
        D = self.D[:, cols]
        Dc = crashed_durations(D, y, self.data.remaining)
        T, g = finish_gradient(self.net, Dc * self.scale[:, None], self._stretch(cols))
        F = self._days(T)
        rows = self.data.rows
        a = -(g[rows] * D[rows]) * self._coef  # (crashable, scenarios)
        a[np.abs(a) < 1e-12] = 0.0
        A = sp.csr_matrix(a.T)
        b = F - A @ y[rows]
        return A, b, F


class _SAA:
    """Chance-constrained crash plan on in-sample scenarios by cutting planes (see the module doc)."""

    def __init__(self, sc: _Scenarios, target: float, time_limit: float | None = None):
        self.sc = sc
        self.target = target
        self.data = sc.data
        self.nc = sc.data.n
        self.rate = sc.data.rate[sc.data.rows]
        self.limit = sc.data.limit[sc.data.rows]
        self.time_limit = time_limit
        self.pool_A: list = []    # csr blocks of cut coefficients
        self.pool_b: list = []
        self.pool_s: list = []    # scenario of each cut
        self.rounds = 0
        self.lp_solves = 0
        # risk-calendar windows make a scenario's finish non-convex in the plan: an old cut of a scenario may
        # then cut off plans that meet the target, so only each scenario's latest cut is kept
        self.convex = sc.calendars is None

    # ---------------------------------------------------------------- helpers
    def full(self, yc: np.ndarray) -> np.ndarray:
        y = np.zeros(self.sc.net.n)
        y[self.data.rows] = yc
        return y

    def add_cuts(self, yc, cols):
        if not len(cols):
            return
        A, b, _ = self.sc.cuts(self.full(yc), np.asarray(cols))
        self.pool_A.append(A)
        self.pool_b.append(b)
        self.pool_s.append(np.asarray(cols))

    def pool(self):
        if not self.pool_A:
            return sp.csr_matrix((0, self.nc)), np.zeros(0), np.zeros(0, int)
        A, b, s = sp.vstack(self.pool_A, format="csr"), np.concatenate(self.pool_b), np.concatenate(self.pool_s)
        if not self.convex and len(s):  # each scenario's latest cut
            last = len(s) - 1 - np.unique(s[::-1], return_index=True)[1]
            last.sort()
            A, b, s = A[last], b[last], s[last]
        return A, b, s

    # ---------------------------------------------------------------- robust LP over a scenario set
    def _robust_lp(self, chosen):
        A, b, s = self.pool()
        keep = chosen[s] if len(s) else np.zeros(0, bool)
        lp = LinearProgram(self.rate, A[keep], np.full(int(keep.sum()), -np.inf), self.target - b[keep],
                           np.zeros(self.nc), self.limit, time_limit=self.time_limit)
        return lp, s, keep

    def robust(self, chosen: np.ndarray, y_start: np.ndarray | None = None, max_rounds: int = 200):
        """Cheapest plan with every scenario of ``chosen`` (mask) meeting the target; None if infeasible."""
        T = self.target
        lp, s, keep = self._robust_lp(chosen)
        have = np.zeros(self.sc.S, bool)
        have[s[keep]] = True
        if y_start is None:
            y_start = np.zeros(self.nc)
        # seed cuts for chosen scenarios without one yet, at the start plan
        miss = np.flatnonzero(chosen & ~have)
        if len(miss):
            A2, b2, _ = self.sc.cuts(self.full(y_start), miss)
            self.pool_A.append(A2)
            self.pool_b.append(b2)
            self.pool_s.append(miss)
            lp.add_rows(A2, np.full(len(miss), -np.inf), T - b2)
        for _ in range(max_rounds):
            res = lp.solve()
            self.lp_solves += 1
            if not res.optimal:
                return None
            yc = np.clip(res.x, 0.0, self.limit)
            F = self.sc.finishes(self.full(yc))
            viol = np.flatnonzero(chosen & (F > T + TOL))
            self.rounds += 1
            if not len(viol):
                return yc, F
            A2, b2, _ = self.sc.cuts(self.full(yc), viol)
            self.pool_A.append(A2)
            self.pool_b.append(b2)
            self.pool_s.append(viol)
            if self.convex:
                lp.add_rows(A2, np.full(len(viol), -np.inf), T - b2)
            else:  # the scenarios' older cuts go: rebuild from the latest ones
                lp, _, _ = self._robust_lp(chosen)
        if not self.convex:
            return None
        raise RuntimeError("cutting planes did not converge")

    # ---------------------------------------------------------------- CVaR start
    def cvar(self, alpha: float, max_rounds: int = 200):
        """Plan whose mean finish over the worst ``1 - alpha`` of the scenarios meets the target (conservative)."""
        S, nc, T = self.sc.S, self.nc, self.target
        tail = max((1.0 - alpha) * S, 1.0)
        # columns: y (nc), t (1), w (S); row 0: t + sum(w) / tail <= T; cuts: -a y + t + w_s >= b
        c = np.r_[self.rate, 0.0, np.zeros(S)]
        row0 = sp.csr_matrix(np.r_[np.zeros(nc), 1.0, np.full(S, 1.0 / tail)][None, :])
        A, b, s = self.pool()

        def cut_rows(A, b, s):
            k = A.shape[0]
            W = sp.csr_matrix((np.ones(k), (np.arange(k), nc + 1 + s)), shape=(k, nc + 1 + S))
            Y = sp.hstack([-A, sp.csr_matrix(np.ones((k, 1))), sp.csr_matrix((k, S))], format="csr")
            return Y + W, b

        M, rhs = cut_rows(A, b, s)
        lp = LinearProgram(c, sp.vstack([row0, M], format="csr"), np.r_[-np.inf, rhs], np.r_[T, np.full(len(rhs),
                                                                                                           np.inf)],
                           np.r_[np.zeros(nc), -np.inf, np.zeros(S)], np.r_[self.limit, np.inf, np.full(S, np.inf)],
                           time_limit=self.time_limit)
        have = np.zeros(S, bool)
        have[s] = True
        miss = np.flatnonzero(~have)
        if len(miss):
            A2, b2, _ = self.sc.cuts(self.full(np.zeros(nc)), miss)
            self.pool_A.append(A2)
            self.pool_b.append(b2)
            self.pool_s.append(miss)
            M, rhs = cut_rows(A2, b2, miss)
            lp.add_rows(M, rhs, np.full(len(rhs), np.inf))
        for _ in range(max_rounds):
            res = lp.solve()
            self.lp_solves += 1
            if not res.optimal:
                return None
            yc = np.clip(res.x[:nc], 0.0, self.limit)
            t, w = res.x[nc], res.x[nc + 1:]
            F = self.sc.finishes(self.full(yc))
            viol = np.flatnonzero(F - t > w + 1e-6)
            self.rounds += 1
            if not len(viol):
                return yc, F
            A2, b2, _ = self.sc.cuts(self.full(yc), viol)
            self.pool_A.append(A2)
            self.pool_b.append(b2)
            self.pool_s.append(viol)
            M, rhs = cut_rows(A2, b2, viol)
            lp.add_rows(M, rhs, np.full(len(rhs), np.inf))
        raise RuntimeError("cutting planes did not converge")

    # ---------------------------------------------------------------- the chance constraint
    def solve(self, alpha: float, F0: np.ndarray, F_max: np.ndarray, starts=("cvar", "full"), max_swaps: int = 20):
        """Cheapest plan found with at least ``ceil(alpha S)`` scenarios meeting the target, or None.

        Each start (``"cvar"``: the CVaR plan; ``"full"``: the scenarios that every crash at its limit
        saves first) is improved by the scenario-set search; the cheaper result is kept (on small cases the
        two starts differ by up to 10 % and the better one is within about 1.5 % of the exact MILP).
        """
        S, T = self.sc.S, self.target
        K = int(math.ceil(alpha * S - 1e-9))
        if int((F0 <= T + TOL).sum()) >= K:
            return np.zeros(self.nc), F0
        if int((F_max <= T + TOL).sum()) < K:
            return None
        best = None
        if not self.convex:  # the CVaR start rests on convex scenario finishes
            starts = tuple(h for h in starts if h != "cvar") or ("full",)
        for how in starts:
            if how == "cvar":
                start = self.cvar(alpha)
            else:
                chosen = np.zeros(S, bool)
                chosen[np.argsort(F_max, kind="stable")[:K]] = True
                start = self.robust(chosen, self.limit.copy())
            if start is None:
                continue
            got = self._search(start, K, max_swaps)
            if best is None or float(self.rate @ got[0]) < float(self.rate @ best[0]) - 1e-9:
                best = got
        return None if best is None else self._tidy(best[0], best[1], K)

    def _search(self, start, K: int, max_swaps: int):
        """Keep the ``K`` scenarios that finish first under the plan, re-solve; until the cost stops falling."""
        y, F = start
        cost = float(self.rate @ y)
        for _ in range(max_swaps):
            chosen = np.zeros(self.sc.S, bool)
            chosen[np.argsort(F, kind="stable")[:K]] = True
            got = self.robust(chosen, y)
            if got is None:
                break
            y2, F2 = got
            c2 = float(self.rate @ y2)
            if c2 >= cost - 1e-9 * max(1.0, cost):
                if c2 <= cost + 1e-9 * max(1.0, cost):
                    y, F, cost = y2, F2, c2
                break
            y, F, cost = y2, F2, c2
        return y, F

    def _tidy(self, y, F, K, small: float = 0.05):
        """Drop crashes under ``small`` days when the plan still meets the target in ``K`` scenarios."""
        tiny = (y > 0) & (y < small)
        if not tiny.any():
            return y, F
        y2 = np.where(tiny, 0.0, y)
        F2 = self.sc.finishes(self.full(y2))
        if int((F2 <= self.target + TOL).sum()) >= K:
            return y2, F2
        return y, F


# --------------------------------------------------------------------------- the estimator
@dataclass(frozen=True)
class _Level:
    level: float
    in_sample_level: float
    crash: np.ndarray | None
    cost: float
    in_sample: float
    validated: float
    lo: float
    hi: float


class Recovery:
    """The cheapest crash plan that meets a target finish with a given confidence.

    Parameters
    ----------
    network : Network
        With ``crash_limit`` [unit] and ``crash_cost_rate`` [currency/unit]
        on the activities that can be shortened.
    risks : DataFrame, optional
        Risk register rows (as for :class:`~pmo_analytics.risk.ScheduleRiskModel`).
    target : float or date-like
        The committed finish [unit after the start] or date.
    confidence : float, default 0.8
        Probability of finishing by the target the plan must give [0..1].
    seed : int
        Seed of the simulation (required). With the seed and options of a
        review's simulation, the in-sample scenarios are that simulation's.
    scenarios : int, default 2000
        In-sample scenarios the plan is chosen on [count].
    validation : int, default 10000
        Independent scenarios it is validated on [count].
    curve : sequence of float, default (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
        Confidence levels of the curve "cost to recover vs confidence" (an
        empty tuple skips it).
    calibrate : bool, default True
        Raise the in-sample level until the validated confidence's lower
        bound reaches ``confidence``.
    interval : float, default 0.95
        Confidence of the Wilson interval reported; calibration raises the
        in-sample level until its lower end reaches ``confidence``.
    time_limit : float, optional
        Limit of one LP solve [s].
    **model_options
        Passed to :class:`~pmo_analytics.risk.ScheduleRiskModel` (``correlation``,
        ``sampling``, ``pert_lambda``, ``block_size``, ``threads`` ...).

    Attributes
    ----------
    plan_ : DataFrame
        Per crashable activity: ``name``, ``remaining``, ``crash_limit``,
        ``crash_cost_rate``, ``crash`` [unit], ``crashed_duration`` [unit],
        ``crash_cost`` [currency].
    cost_ : float
        Cost of the plan [currency] (NaN when the confidence cannot be reached).
    feasible_ : bool
    confidence_before_, confidence_after_ : float
        Validated probability of finishing by the target without and with the plan.
    interval_before_, interval_after_ : tuple of float
        Their two-sided Wilson intervals at ``interval``.
    in_sample_before_, in_sample_after_ : float
        The same on the in-sample scenarios.
    max_confidence_ : float
        Validated confidence with every activity crashed to its limit.
    in_sample_level_ : float
        The in-sample level the plan was solved at (after calibration).
    curve_ : DataFrame
        ``confidence`` (asked), ``cost`` [currency], ``in_sample``,
        ``validated``, ``validated_lo``, ``validated_hi`` [probability].
    target_ : float
        Target [unit after the start].
    deterministic_ : CrashPlan
        The deterministic crash to the target (most likely durations).
    seconds_ : float
    """

    def __init__(self, network: Network, risks: pd.DataFrame | None = None, *, target, confidence: float = 0.8,
                 seed: int, scenarios: int = 2000, validation: int = 10_000, curve=DEFAULT_CURVE,
                 calibrate: bool = True, interval: float = 0.95, time_limit: float | None = None,
                 **model_options):
        if not isinstance(network, Network):
            raise ValueError("network must be a pmo_analytics.schedule.Network (see build_network)")
        seed = check_seed(seed)
        if not 0 < float(confidence) < 1:
            raise ValueError(f"confidence must be in (0, 1), got {confidence}")
        if int(scenarios) < 10 or int(validation) < 10:
            raise ValueError("scenarios and validation must be >= 10")
        if not 0 < float(interval) < 1:
            raise ValueError(f"interval must be in (0, 1), got {interval}")
        bad = [c for c in curve if not 0 < float(c) < 1]
        if bad:
            raise ValueError(f"curve levels must be in (0, 1), got {bad}")
        for k in ("iterations", "store_samples", "criticality", "seed"):
            if k in model_options:
                raise ValueError(f"{k!r} is set by Recovery (scenarios + validation)")
        self.network = network
        self.risks = risks
        self.target = target
        self.confidence = float(confidence)
        self.seed = int(seed)
        self.scenarios = int(scenarios)
        self.validation = int(validation)
        self.curve = tuple(sorted({float(c) for c in curve}))
        self.calibrate = bool(calibrate)
        self.interval = float(interval)
        self.time_limit = time_limit
        self.model_options = dict(model_options)
        from ..schedule.crashing import _target_days

        self.target_ = _target_days(network, target)

    def __repr__(self) -> str:
        head = (f"Recovery({self.network.project_id!r}: target {self.target_:g}, confidence {self.confidence:.0%}, "
                f"{self.scenarios} + {self.validation} scenarios, seed {self.seed}")
        if not hasattr(self, "plan_"):
            return head + "; not run)"
        if not self.feasible_:
            return head + f"; not reachable: at most {self.max_confidence_:.1%} with every crash)"
        return (head + f"; {self.confidence_before_:.1%} -> {self.confidence_after_:.1%} for "
                f"{self.cost_:,.0f})")

    # ------------------------------------------------------------------ running
    def _draws(self):
        from .engine import ScheduleRiskModel

        net = self.network
        B = int(self.model_options.get("block_size", 1000))
        n_in = self.scenarios
        start_val = int(math.ceil(n_in / B)) * B  # validation starts at a fresh random-number block
        N = start_val + self.validation
        model = ScheduleRiskModel(net, self.risks, seed=self.seed, iterations=N, criticality=False,
                                  store_samples=N * max(net.n, 1), **self.model_options)
        model.run()
        D = model.durations_
        if D.shape[1] < N:
            raise RuntimeError("the simulation stored fewer scenarios than asked")
        U = None
        if model._calendars is not None:  # the windows of every scenario, as the simulation drew them
            U = model._event_uniforms(0, math.ceil(N / B))[-model._calendars.n:, :N]
        cut = (lambda a, b: None) if U is None else (lambda a, b: U[:, a:b])
        return (np.asarray(D[:, :n_in], dtype=float), np.asarray(D[:, start_val:N], dtype=float), model,
                cut(0, n_in), cut(start_val, N))

    def run(self) -> Recovery:
        """Simulate, solve, validate, calibrate, and trace the curve; returns ``self``."""
        t0 = time.perf_counter()
        net = self.network
        data = crash_data(net)
        D_in, D_val, model, U_in, U_val = self._draws()
        self.model_ = model
        # the deterministic crash of the plan (the most likely branches; no weather)
        self.deterministic_ = crash(net, self.target_, durations=net.remaining * model._exists0,
                                   time_limit=self.time_limit)
        ins = _Scenarios(net, D_in, data, model._calendars, U_in)
        val = _Scenarios(net, D_val, data, model._calendars, U_val)
        T = self.target_
        zero = np.zeros(net.n)
        F0_in = ins.finishes(zero)
        F0_val = val.finishes(zero)
        full = data.limit.copy()
        Fmax_in = ins.finishes(full)
        Fmax_val = val.finishes(full)
        self.in_sample_before_ = float(np.mean(F0_in <= T + TOL))
        self.confidence_before_ = float(np.mean(F0_val <= T + TOL))
        self.interval_before_ = wilson_interval(int((F0_val <= T + TOL).sum()), len(F0_val), self.interval)
        self.max_confidence_ = float(np.mean(Fmax_val <= T + TOL))
        self.max_in_sample_ = float(np.mean(Fmax_in <= T + TOL))
        saa = _SAA(ins, T, self.time_limit)
        self._saa = saa
        self._F = (F0_in, Fmax_in)

        def at(level: float, calibrate: bool) -> _Level:
            lvl = level
            best = None
            for _ in range(10 if calibrate else 1):
                got = saa.solve(min(lvl, 1.0), F0_in, Fmax_in)
                if got is None:
                    break
                yc, F = got
                y = saa.full(yc)
                Fv = val.finishes(y)
                ok = int((Fv <= T + TOL).sum())
                lo, hi = wilson_interval(ok, len(Fv), self.interval)
                lo1 = lo
                best = _Level(level, lvl, y, float(data.rate @ y), float(np.mean(F <= T + TOL)), ok / len(Fv),
                              lo, hi)
                if not calibrate or lo1 >= level:
                    break
                step = max(level - lo1, 1.0 / ins.S)
                if lvl >= self.max_in_sample_ - 1e-12:
                    break
                lvl = min(lvl + step, self.max_in_sample_)
            if best is None:
                return _Level(level, lvl, None, float("nan"), float("nan"), float("nan"), float("nan"),
                              float("nan"))
            return best

        main = at(self.confidence, self.calibrate)
        self.in_sample_level_ = main.in_sample_level
        self.feasible_ = main.crash is not None and (not self.calibrate or main.lo >= self.confidence)
        y = main.crash if main.crash is not None else np.zeros(net.n)
        from ..schedule.crashing import _plan_frame

        self.crash_ = y
        self.plan_ = _plan_frame(net, data, y, net.remaining)
        self.cost_ = main.cost if self.feasible_ else float("nan")
        self.confidence_after_ = main.validated if main.crash is not None else float("nan")
        self.interval_after_ = (main.lo, main.hi)
        self.in_sample_after_ = main.in_sample
        if main.crash is not None and not self.feasible_:
            warnings.warn(f"{net._name()}: the best plan found validates at {main.validated:.1%}, below the "
                          f"{self.confidence:.0%} asked, with the crash limits given", DataWarning, stacklevel=2)
        rows = []
        for lvl in self.curve:
            if abs(lvl - self.confidence) < 1e-12 and main.crash is not None:
                r = main
            else:
                r = at(lvl, False)
            rows.append({"confidence": lvl, "cost": r.cost, "in_sample": r.in_sample, "validated": r.validated,
                         "validated_lo": r.lo, "validated_hi": r.hi})
        self.curve_ = pd.DataFrame(rows, columns=["confidence", "cost", "in_sample", "validated", "validated_lo",
                                                  "validated_hi"])
        self.seconds_ = time.perf_counter() - t0
        return self

    @property
    def crashed_(self) -> pd.DataFrame:
        """The activities the plan shortens."""
        return self.plan_[self.plan_["crash"] > 0]

    @property
    def summary(self) -> pd.DataFrame:
        """One row: target, confidence asked, before/after (validated, in sample), cost, feasibility."""
        net = self.network
        row = {"target": self.target_, "confidence": self.confidence,
               "confidence_before": self.confidence_before_, "confidence_after": self.confidence_after_,
               "after_lo": self.interval_after_[0], "after_hi": self.interval_after_[1],
               "in_sample_before": self.in_sample_before_, "in_sample_after": self.in_sample_after_,
               "in_sample_level": self.in_sample_level_, "max_confidence": self.max_confidence_,
               "cost": self.cost_, "activities_crashed": len(self.crashed_),
               "days_crashed": float(self.crashed_["crash"].sum()), "feasible": self.feasible_,
               "deterministic_cost": self.deterministic_.cost}
        if net.has_dates:
            row["target_date"] = net.to_date(self.target_)
        return pd.DataFrame([row], index=pd.Index([net.project_id], name="project_id"))


def recovery(network: Network, target, confidence: float | None = 0.8, *, risks: pd.DataFrame | None = None,
             seed: int | None = None, **options):
    """The cheapest recovery to ``target``: deterministic, or at a ``confidence`` under uncertainty.

    ``confidence=None``: the classic time-cost trade-off on the most likely
    durations (:func:`~pmo_analytics.schedule.crashing.crash`, returns a
    :class:`~pmo_analytics.schedule.crashing.CrashPlan`; with ``branches``,
    on the most likely branch of each). Otherwise a fitted
    :class:`Recovery` (``seed`` required; ``options`` as there).
    """
    if confidence is None:
        kw = {k: v for k, v in options.items() if k in ("durations", "time_limit")}
        branches = options.get("branches")
        if "durations" not in kw and branches is not None:  # the plan takes the most likely branches
            from .events import BranchStep

            step = BranchStep.compile(branches, network)
            if step is not None:
                kw["durations"] = network.remaining * step.most_likely_exists(network.n)
        return crash(network, target, **kw)
    if seed is None:
        raise ValueError("seed is required for a recovery under uncertainty")
    return Recovery(network, risks, target=target, confidence=confidence, seed=seed, **options).run()
