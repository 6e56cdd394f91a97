"""Selection under uncertainty: the most expected value with a bounded chance of overrunning the budget.

The deterministic model (:mod:`pmo_analytics.selection.model`) funds projects
on one cost per project (the estimate, or its reference-class P80 uplift) and
keeps every period within budget *for those costs*. This module selects on
``K`` sampled **scenarios** of every candidate's cost, duration and benefit
and bounds the probability of overrunning, a sample-average approximation
(SAA) of the chance-constrained program (Luedtke & Ahmed, "A sample
approximation approach for optimization with probabilistic constraints",
*SIAM J. Optim.* 19(2), 2008; Pagnoncelli, Ahmed & Shapiro, "Sample average
approximation method for chance constrained programming: theory and
applications", *J. Optim. Theory Appl.* 142, 2009)::

    max  sum_j v_j x_j
    s.t. the rows of the deterministic model except the budget rows
         (one start, mandatory, capacity, dependencies, shares ...)
         sum_j a_ktj x_j + c_kt - M_kt z_k <= B_t      every scenario k, period t
         sum_k z_k <= floor(alpha K)                   chance constraint
         x, z binary

``a_ktj`` is the spend of start column ``j`` (project p starting in period
tau) in period t of scenario k, ``c_kt`` committed spend outside the
candidates (e.g. simulated active projects), ``z_k = 1`` lets scenario k
overrun. ``M_kt = sum_p max_j a_ktj + c_kt - B_t`` is the largest overrun any
portfolio can have in (k, t) (one start per project), so it is as small as
the data allow; rows with ``M_kt <= 0`` can never bind and are left out, and
a scenario that the mandatory projects alone overrun has ``z_k`` fixed to 1.
``chance="joint"`` bounds P(any period overruns) (the board's question),
``chance="period"`` each period's P(overrun) separately (one ``z_kt`` each).

``method="cvar"`` replaces the chance constraint by the conditional value at
risk of the worst period's overrun ``L_k = max_t (spend_kt - B_t)``, linear
with Rockafellar & Uryasev's auxiliary variables ("Optimization of
conditional value-at-risk", *J. Risk* 2(3), 2000)::

    eta + 1 / (alpha K) sum_k u_k <= cvar_limit,   u_k >= L_kt(x) - eta,  u_k >= 0

With ``cvar_limit = 0`` it is the convex conservative approximation of the
chance constraint (Nemirovski & Shapiro, "Convex approximations of chance
constrained programs", *SIAM J. Optim.* 17(4), 2006): its portfolios
overrun with probability at most alpha, usually less.

Scenarios
---------
Project p's cost ratio and duration ratio are lognormal, fitted per reference
class on the ``history`` table
(:func:`~pmo_analytics.risk.portfolio.reference_class_distributions`); the
ratios of one project have the class's observed rank correlation, and the
cost ratios of projects in one class the rank correlation
``class_correlation`` (one Gaussian factor per class). The cost profile is
scaled by the cost ratio and stretched in time by the duration ratio. The
benefit is ``benefit_npv`` with probability ``probability_of_success``
(0 otherwise), triangular between ``benefit_low`` and ``benefit_high`` when
those columns are given. The objective is linear, so its sample average
converges to the exact expectation, which is used directly (no sampling
noise in the objective). Each block of scenarios draws from
``SeedSequence(seed, spawn_key=(purpose, replication, block, key))``, one
stream per project (key: its id) and per class, so the numbers do not depend
on where the blocks run (:mod:`pmo_analytics.parallel`).

Validation
----------
The chosen portfolio's overrun probability is re-estimated on an
independent scenario set, with a Wilson score interval (Wilson, "Probable
inference, the law of succession, and statistical inference", *JASA* 22,
1927; recommended by Brown, Cai & DasGupta, *Statistical Science* 16(2),
2001).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp
from scipy import special

from ..exceptions import InfeasiblePortfolioError, PMOError, SolverError, SolverWarning
from ..parallel import hold_warnings, reissue_warnings, warn
from ..risk.distributions import ppf
from ..risk.portfolio import accrue, reference_class_distributions, spearman_to_pearson, stable_key, stream
from .data import SelectionData, selection_data
from .model import SelectionOptions, build_model
from .solve import SOLVERS

__all__ = ["UncertainSelector", "ScenarioSpec", "Scenarios", "scenario_spec", "draw_scenarios", "solve_saa",
           "SAAOutcome", "overrun_indicators", "wilson_interval", "deterministic_portfolio"]

OPTIMAL = "optimal"
FEASIBLE = "feasible, not proven optimal"
_IN_SAMPLE, _VALIDATION = 10, 11
_METHODS = ("chance", "cvar")
_CHANCE = ("joint", "period")
_STRATEGIES = ("auto", "branch_and_bound", "rens")
#: Scenario-row coefficients from which ``solve_saa(strategy="auto")`` solves the RENS neighbourhood.
RENS_MIN_NONZEROS = 1_000_000


# ---------------------------------------------------------------- statistics
def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion [probability].

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with
    ``p = successes / n`` and ``z`` the two-sided normal quantile (Wilson, 1927).

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> round(lo, 6), round(hi, 4)
    (0.0, 0.037)
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n], got {successes} of {n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    z = float(special.ndtri(0.5 + confidence / 2))
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


# ---------------------------------------------------------------- scenario model
@dataclass(frozen=True, eq=False)
class ScenarioSpec:
    """What varies, per candidate (arrays in the order of ``data.ids``).

    Attributes
    ----------
    data : SelectionData
        The deterministic instance (estimate profiles, windows, constraints).
    keys : ndarray of uint64-valued ints
        Stream key of each project (stable hash of its id).
    cost_mu, cost_sigma, duration_mu, duration_sigma : ndarray
        Lognormal parameters of the outturn ratios.
    copula_rho : ndarray
        Normal-copula correlation between a project's cost and duration ratios.
    classes : tuple of (key, member indices, normal correlation)
        Cost-ratio correlation within each reference class.
    value : ndarray
        Expected value of funding each project (risk-adjusted benefit) [currency].
    success : ndarray
        Probability of success; ``benefit_low``, ``benefit_mode``,
        ``benefit_high`` the triangular benefit when successful [currency].
    stochastic : ndarray of bool
        False for projects whose spend comes from ``committed`` instead.
    """

    data: SelectionData
    keys: tuple
    cost_mu: np.ndarray
    cost_sigma: np.ndarray
    duration_mu: np.ndarray
    duration_sigma: np.ndarray
    copula_rho: np.ndarray
    classes: tuple
    success: np.ndarray
    benefit_low: np.ndarray
    benefit_mode: np.ndarray
    benefit_high: np.ndarray
    stochastic: np.ndarray
    committed: np.ndarray | None = None

    @property
    def value(self) -> np.ndarray:
        return self.success * (self.benefit_low + self.benefit_mode + self.benefit_high) / 3.0


def scenario_spec(data: SelectionData, portfolio=None, *, class_correlation=0.3, cost_duration_correlation="history",
                  min_class_size: int = 3, committed=None, reference_class=None, success=None, benefit=None,
                  fits: pd.DataFrame | None = None) -> ScenarioSpec:
    """The scenario model of a selection instance.

    Parameters
    ----------
    data : SelectionData
    portfolio : Portfolio, optional
        Source of ``history`` (class fits), ``category``, success
        probabilities and benefit ranges; without it, give ``fits``,
        ``reference_class``, ``success`` and ``benefit``.
    class_correlation : float or dict
        Rank correlation of the cost ratios of projects of one class.
    cost_duration_correlation : "history" or float
    committed : PortfolioRiskModel or ndarray, optional
        Simulated spend of the active projects (a run
        :class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel` of the
        active projects only, or an array (H, N) of spend per period and
        iteration): scenarios resample its iterations, and the active
        projects' own cost profiles are not drawn again.
    reference_class : array-like of str, optional
    success : array-like, optional
        Probability of success per candidate (default 1).
    benefit : array-like, shape (n,) or (n, 3), optional
        Benefit when successful (mode, or low/mode/high) [currency].
    fits : DataFrame, optional
        Output of :func:`~pmo_analytics.risk.portfolio.reference_class_distributions`.
    """
    d = data
    n = d.n
    proj = None
    if portfolio is not None:
        proj = portfolio.projects.set_index(portfolio.projects["project_id"].astype(str)).loc[list(d.ids)]
        if fits is None:
            fits = reference_class_distributions(portfolio.history if portfolio.has("history") else None,
                                                 min_class_size)
        if reference_class is None:
            reference_class = proj["category"].astype(str).to_numpy()
        if success is None:
            success = proj["probability_of_success"].to_numpy(float)
        if benefit is None:
            mode = proj["benefit_npv"].to_numpy(float)
            lo = proj["benefit_low"].to_numpy(float) if "benefit_low" in proj else mode
            hi = proj["benefit_high"].to_numpy(float) if "benefit_high" in proj else mode
            benefit = np.column_stack([np.where(np.isnan(lo), mode, lo), mode, np.where(np.isnan(hi), mode, hi)])
    reference_class = np.asarray(["*"] * n if reference_class is None else reference_class, dtype=object)
    success = np.ones(n) if success is None else np.asarray(success, dtype=float)
    if benefit is None:
        benefit = np.column_stack([d.value] * 3)
    benefit = np.asarray(benefit, dtype=float)
    if benefit.ndim == 1:
        benefit = np.column_stack([benefit] * 3)
    if benefit.shape != (n, 3) or len(success) != n or len(reference_class) != n:
        raise ValueError("reference_class, success and benefit need one entry per candidate")
    if np.any(benefit[:, 0] > benefit[:, 1]) or np.any(benefit[:, 1] > benefit[:, 2]):
        raise ValueError("benefit ranges must satisfy benefit_low <= benefit_npv <= benefit_high")
    fits = fits if fits is not None else reference_class_distributions(None)
    par = np.zeros((n, 5))
    for i, c in enumerate(reference_class):
        if c in fits.index:
            r = fits.loc[c]
        elif "*" in fits.index:
            r = fits.loc["*"]
        else:
            continue
        par[i] = [r["cost_mu"], r["cost_sigma"], r["duration_mu"], r["duration_sigma"], r["rank_correlation"]]
    if cost_duration_correlation != "history":
        par[:, 4] = float(cost_duration_correlation)
    classes = []
    for c in sorted(set(reference_class)):
        members = np.flatnonzero(reference_class == c)
        rho = class_correlation.get(c, 0.0) if isinstance(class_correlation, Mapping) else class_correlation
        if not 0 <= float(rho) < 1:
            raise ValueError(f"class_correlation must be in [0, 1), got {rho}")
        if len(members) >= 2 and float(rho) > 0:
            classes.append((stable_key(c), members, float(spearman_to_pearson(rho))))
    stochastic = np.ones(n, bool)
    spend = None
    if committed is not None:
        spend = getattr(committed, "spend_samples_", committed)
        spend = np.asarray(spend, dtype=float)[: d.horizon]
        if spend.ndim != 2 or spend.shape[0] != d.horizon:
            raise ValueError(f"committed spend must have one row per period ({d.horizon})")
        sim = getattr(committed, "project_ids_", None)
        if sim is None:
            raise ValueError("pass committed as a run PortfolioRiskModel (it names the projects it simulated)")
        covered = np.isin(d.ids, list(sim))
        stochastic = ~covered
    return ScenarioSpec(d, tuple(stable_key(p) for p in d.ids), par[:, 0], par[:, 1], par[:, 2], par[:, 3],
                        spearman_to_pearson(np.clip(par[:, 4], -0.99, 0.99)), tuple(classes), success,
                        benefit[:, 0], benefit[:, 1], benefit[:, 2], stochastic, spend)


# ---------------------------------------------------------------- scenario draws
@dataclass(frozen=True, eq=False)
class Scenarios:
    """K scenarios: spend by project and period after its start, committed spend, benefits.

    Attributes
    ----------
    rel : ndarray, shape (n, H, K)
        Spend of project p in the ``r``-th period after its start (r = 0..H-1) [currency].
    committed : ndarray, shape (H, K)
        Spend outside the candidates' drawn costs (simulated active projects) [currency].
    benefit : ndarray, shape (n, K)
        Realised benefit of each project if funded [currency].
    """

    rel: np.ndarray
    committed: np.ndarray
    benefit: np.ndarray

    @property
    def K(self) -> int:
        return self.rel.shape[2]

    def column_spend(self, vp: np.ndarray, vt: np.ndarray) -> np.ndarray:
        """Spend of start columns (project ``vp`` starting in period ``vt``), shape (len(vp), H, K)."""
        n, H, K = self.rel.shape
        out = np.zeros((len(vp), H, K))
        for t in np.unique(vt):
            cols = np.flatnonzero(vt == t)
            out[cols, t - 1:] = self.rel[vp[cols], : H - t + 1]
        return out

    @staticmethod
    def concat(parts: list) -> "Scenarios":
        return Scenarios(np.concatenate([p.rel for p in parts], axis=2),
                         np.concatenate([p.committed for p in parts], axis=1),
                         np.concatenate([p.benefit for p in parts], axis=1))


def draw_block(spec: ScenarioSpec, item) -> Scenarios:
    """One block of scenarios; ``item = (seed, purpose, replication, block, size)`` (a task of the executor).

    Project p draws four uniforms per scenario from
    ``SeedSequence(seed, spawn_key=(purpose, replication, block, 0, key_p))``
    (cost, duration, success, benefit), each class one normal factor from
    ``(..., 2, key_class)``, the committed spend its resampled iterations
    from ``(..., 1, 0)``.
    """
    seed, purpose, rep, b, size = item
    d = spec.data
    n, H, K = d.n, d.horizon, int(size)
    factors = {}
    for ckey, members, rho in spec.classes:
        f = stream(seed, purpose, rep, b, 2, ckey).standard_normal(K)
        for i in members:
            factors[int(i)] = (f, rho)
    rel = np.zeros((n, H + 1, K))
    benefit = np.zeros((n, K))
    L = d.cost.shape[1]
    o = np.arange(L, dtype=float)[:, None]
    for i in range(n):
        u = stream(seed, purpose, rep, b, 0, spec.keys[i]).random((4, K))
        z = special.ndtri(np.clip(u[:2], 1e-12, 1 - 1e-12))
        zc = z[0]
        if i in factors:
            f, rho = factors[i]
            zc = math.sqrt(rho) * f + math.sqrt(1 - rho) * z[0]
        r = spec.copula_rho[i]
        zd = r * zc + math.sqrt(max(1 - r * r, 0.0)) * z[1]
        benefit[i] = np.where(u[2] < spec.success[i],
                              ppf("triangular", u[3], spec.benefit_low[i], spec.benefit_mode[i],
                                  spec.benefit_high[i]), 0.0)
        prof = d.cost[i]
        nz = np.flatnonzero(prof)
        if not spec.stochastic[i] or not len(nz):
            continue
        last = int(nz[-1]) + 1
        rc = np.exp(spec.cost_mu[i] + spec.cost_sigma[i] * zc)
        rd = np.exp(spec.duration_mu[i] + spec.duration_sigma[i] * zd)
        oo = o[:last]
        accrue(rel[i], oo * rd, (oo + 1.0) * rd, prof[:last, None] * rc, 1.0)
    committed = np.zeros((H, K))
    if spec.committed is not None:
        idx = stream(seed, purpose, rep, b, 1, 0).integers(0, spec.committed.shape[1], K)
        committed = spec.committed[:, idx]
    return Scenarios(rel[:, :H], committed, benefit)


def _blocks(seed: int, purpose: int, rep: int, K: int, block_size: int) -> list:
    return [(int(seed), purpose, int(rep), b, min(block_size, K - b * block_size))
            for b in range(math.ceil(K / block_size))]


def draw_scenarios(spec: ScenarioSpec, K: int, seed: int, *, purpose: int = _IN_SAMPLE, replication: int = 0,
                   block_size: int = 500, executor=None) -> Scenarios:
    """``K`` scenarios drawn in blocks (on ``executor`` when given), identical wherever the blocks run."""
    from ..parallel import executor_for

    if int(K) < 1:
        raise ValueError(f"K must be >= 1, got {K}")
    items = _blocks(seed, purpose, replication, int(K), int(block_size))
    with executor_for(executor, 1) as ex:
        return Scenarios.concat(ex.map(draw_block, items, shared=spec))


# ---------------------------------------------------------------- the SAA model
@dataclass
class SAAOutcome:
    """A solved SAA model.

    Attributes
    ----------
    status : str
        ``"optimal"`` or ``"feasible, not proven optimal"``.
    objective, bound : float
        Expected value of the portfolio and the solver's bound [model's value unit].
    gap : float
        Relative gap.
    x : ndarray
        0/1 per start column.
    hire : ndarray
        Extra FTE per hire column of the model.
    overrun : ndarray of bool, shape (K,)
        Scenarios (any period, or per period with ``chance="period"``: shape (H, K))
        in which the chosen portfolio overruns the budget (in-sample).
    alpha, K, method, chance : as solved
    allowed : int
        Scenarios allowed to overrun: ``floor(alpha K)``.
    rows : int
        Scenario rows in the model (after dropping rows that cannot bind).
    build_seconds, solve_seconds : float
    strategy : str
        ``"branch_and_bound"`` (the whole model) or ``"rens"`` (the LP's
        neighbourhood, bound from the whole model's LP), see :func:`solve_saa`.
    nonzeros : int
        Coefficients of the scenario rows.
    """

    status: str
    objective: float
    bound: float
    gap: float
    x: np.ndarray
    hire: np.ndarray
    overrun: np.ndarray
    alpha: float
    K: int
    method: str
    chance: str
    allowed: int
    rows: int
    build_seconds: float
    solve_seconds: float
    strategy: str = "branch_and_bound"
    nonzeros: int = 0

    @property
    def proven_optimal(self) -> bool:
        return self.status == OPTIMAL


def _silence_banner() -> None:
    """HiGHS prints a banner on the first solver object of a process: make that first object a quiet one."""
    from ._highs_core import _quiet_highs

    _quiet_highs()


def solve_saa(model, spend: np.ndarray, budget: np.ndarray, alpha: float, *, committed: np.ndarray | None = None,
              method: str = "chance", chance: str = "joint", cvar_limit: float = 0.0, time_limit: float | None = None,
              gap: float = 0.0, msg: bool = False, solver: str = "highs", strengthen: bool = True,
              warm_start: bool = True, deterministic: bool = False, node_limit: int | None = None,
              seed: int = 0, strategy: str = "auto") -> SAAOutcome:
    """Solve the SAA of the chance-constrained (or CVaR-limited) selection model.

    Parameters
    ----------
    model : SelectionModel
        The structural model (:func:`~pmo_analytics.selection.model.build_model`
        with ``budget=False``): its rows are kept, its objective maximised.
        Hire columns (``hiring=True``) are paid from each period's budget in
        every scenario; each is bounded by the largest shortfall of its skill
        and period any portfolio can have (hiring more never helps), which
        keeps the big-M values finite and tight.
    spend : ndarray, shape (nx, H, K)
        Spend of each start column in each period and scenario [currency].
    budget : ndarray, shape (H,)
        Budget per period [currency].
    alpha : float
        Allowed probability of overrun (0 <= alpha < 1).
    committed : ndarray, shape (H, K), optional
        Spend outside the columns in each period and scenario [currency].
    method : {"chance", "cvar"}
    chance : {"joint", "period"}
        Bound P(any period overruns) or each period's P(overrun).
    cvar_limit : float, default 0
        ``method="cvar"``: limit on the CVaR at level ``1 - alpha`` of the worst
        period's overrun [currency].
    time_limit : float, optional
        Solver time limit [s]; a stopped solve is reported "feasible, not
        proven optimal" with a :class:`~pmo_analytics.exceptions.SolverWarning`.
    gap : float, default 0
        Relative MIP gap at which HiGHS may stop.
    deterministic : bool, default False
        Reproducible solve: one thread, a fixed random seed and ``node_limit``
        branch-and-bound nodes instead of the clock (a decision record must
        give the same portfolio on replay); a ``time_limit`` is refused.
    node_limit : int, optional
        Branch-and-bound nodes HiGHS may explore (deterministic mode:
        default :data:`~pmo_analytics.selection.solve.DEFAULT_NODE_LIMIT`).
    seed : int
        HiGHS's random seed (deterministic mode).
    strengthen : bool, default True
        Tighten each big-M by the scenario-pair quantile bound (:func:`_quantile_big_m`);
        a row whose bound is <= 0 (no portfolio within the chance constraint
        overruns it) is kept as a hard row without its indicator.
    warm_start : bool, default True
        Start the solver from a greedy portfolio that satisfies the chance
        (or CVaR) constraint on the scenarios (:func:`_greedy_start`).
    strategy : {"auto", "branch_and_bound", "rens"}, default "auto"
        ``"branch_and_bound"`` hands HiGHS the whole model. ``"rens"`` solves
        the LP relaxation first, then the MILP with every binary column that
        is 0 in the LP fixed at 0 (relaxation enforced neighbourhood search,
        Berthold, "RENS: the optimal rounding", *Math. Program. Comput.* 6,
        2014); the portfolio is feasible for the whole model and the bound
        stated is the whole model's LP bound, so the gap is honest (a
        neighbourhood without a feasible portfolio falls back to the whole
        model). ``"auto"``: ``"rens"`` from :data:`RENS_MIN_NONZEROS` scenario
        coefficients on. There HiGHS spends minutes in the root cut loop of
        the dense scenario rows for a bound under 1 % better than the LP's:
        the review's SAA at 40x the sample (2.5 M coefficients, 200 nodes)
        took 324 s for a portfolio 0.4 % worse than RENS found in 35 s (gap
        19.9 % against 20.0 %); at 10x (0.63 M) the whole model, 49 s, was
        2.7 % better than RENS in 12 s, so it stays below the threshold
        (``benchmarks/bench_saa.py --data``).

    Returns
    -------
    SAAOutcome

    Raises
    ------
    InfeasiblePortfolioError
        when no portfolio satisfies the structural rows and the chance (or
        CVaR) constraint; ``conflicts`` names them.
    SolverError
        when the solver fails or finds nothing within the time limit.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {_METHODS}")
    if chance not in _CHANCE:
        raise ValueError(f"unknown chance {chance!r}: use one of {_CHANCE}")
    if not 0 <= float(alpha) < 1:
        raise ValueError(f"alpha must be in [0, 1), got {alpha}")
    if strategy not in _STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {_STRATEGIES}")
    if solver not in SOLVERS or solver != "highs":
        raise ValueError(f"solve_saa supports solver='highs' (in-process bound and gap), got {solver!r}")
    t0 = time.perf_counter()
    spend = np.asarray(spend, dtype=float)
    nx = model.nx
    if spend.ndim != 3 or spend.shape[0] != nx:
        raise ValueError(f"spend must have shape (nx={nx}, H, K), got {spend.shape}")
    _, H, K = spend.shape
    budget = np.asarray(budget, dtype=float)
    if budget.shape != (H,):
        raise ValueError(f"budget must have shape ({H},)")
    c = np.zeros((H, K)) if committed is None else np.asarray(committed, dtype=float)
    allowed = int(math.floor(float(alpha) * K + 1e-9))
    scale = float(max(np.abs(budget).max(), 1.0))
    # the largest and smallest spend any portfolio can have in (t, k): one start per project
    vp = model.vp
    n = model.data.n
    hi_sp = np.zeros((n, H, K))
    np.maximum.at(hi_sp, vp, spend)
    lo_sp = np.full((n, H, K), np.inf)
    np.minimum.at(lo_sp, vp, spend)
    mand = np.zeros(n, bool)
    if model.options.mandatory:
        mand |= model.data.mandatory
    if model.options.force_in:
        mand[model.data.index_of(model.options.force_in)] = True
    has_col = np.bincount(vp, minlength=n) > 0
    max_spend = hi_sp.sum(axis=0) + c                                  # (H, K)
    min_spend = lo_sp[mand & has_col].sum(axis=0) + c if (mand & has_col).any() else c.copy()
    M = max_spend - budget[:, None]                                    # tight big-M per row
    forced = min_spend > budget[:, None] * (1 + 1e-9) + 1e-9           # overrun whatever is chosen
    nh = len(model.hs)
    if nh:  # hiring: deterministic spend hire_cost x FTE in its period, bounded by the largest shortfall
        d = model.data
        hcost = d.hire_cost[model.hs, model.ht - 1]
        dem = d.demand_by_period(vp, model.vt)                         # (nx, S, H)
        dmax = np.zeros((n,) + dem.shape[1:])
        np.maximum.at(dmax, vp, dem)
        cap = d.capacity.copy()
        for sk, delta in (model.options.capacity_delta or {}).items():
            cap[d.skills.index(sk)] += float(delta)
        hmax = np.maximum(dmax.sum(axis=0) - cap, 0.0)[model.hs, model.ht - 1]
        if model.hire_ub is not None:
            hmax = np.minimum(hmax, model.hire_ub)
        hire_spend = np.zeros(H)
        np.add.at(hire_spend, model.ht - 1, hcost * hmax)
        max_spend = max_spend + hire_spend[:, None]
        M = max_spend - budget[:, None]

    live = M > 1e-9 * scale                          # rows some portfolio can overrun (the others are redundant)
    if method == "chance" and strengthen and allowed < K - 1:
        M = np.minimum(M, _quantile_big_m(spend, c, vp, n, allowed))
    # A strengthened M <= 0 says no portfolio that meets the chance constraint overruns (t, k): the row stays, as a
    # hard row without its indicator. Dropping it would be wrong: the bound leans on the other scenarios' rows (with
    # alpha K < 1 every M is 0, and so with identical scenarios), and without them any portfolio would pass.
    hard = live & (M <= 1e-9 * scale)
    M = np.maximum(M, 0.0)
    _silence_banner()
    prob, var, scaling = model.to_pulp(name="saa")
    xs = var[:nx]
    hv = var[nx:]
    hire_terms = [[] for _ in range(H)]
    for v, t, hc, ub in zip(hv, model.ht - 1 if nh else [], hcost if nh else [], hmax if nh else []):
        v.upBound = float(ub)
        if ub > 0:
            hire_terms[t].append((v, float(hc) / scale))
    rows = coefs = 0
    if method == "chance":
        if chance == "joint":
            fk = forced.any(axis=0)
            if fk.sum() > allowed:
                raise InfeasiblePortfolioError(
                    f"the mandatory and committed projects alone overrun the budget in {int(fk.sum())} of {K} "
                    f"scenarios ({fk.mean():.1%}), more than alpha = {alpha:g} allows",
                    [f"P(any period over budget) <= {alpha:g}", "mandatory projects funded"])
            z = [prob.add_variable(f"z{k:05d}", lowBound=1 if fk[k] else 0, upBound=1, cat=pulp.LpBinary)
                 for k in range(K)]
            zz = lambda t, k: z[k]  # noqa: E731
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(v, 1.0) for v in z]), pulp.LpConstraintLE,
                                                 "chance", float(allowed)))
        else:
            zt = {}
            for t in range(H):
                if forced[t].sum() > allowed:
                    raise InfeasiblePortfolioError(
                        f"the mandatory and committed projects alone overrun the budget of period {t + 1} in "
                        f"{int(forced[t].sum())} of {K} scenarios, more than alpha = {alpha:g} allows",
                        [f"P(period {t + 1} over budget) <= {alpha:g}", "mandatory projects funded"])
                ks = np.flatnonzero(live[t] & ~hard[t])
                for k in ks:
                    zt[t, k] = prob.add_variable(f"z{t:02d}_{k:05d}", lowBound=1 if forced[t, k] else 0, upBound=1,
                                                 cat=pulp.LpBinary)
                if len(ks):
                    prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(zt[t, k], 1.0) for k in ks]),
                                                         pulp.LpConstraintLE, f"chance{t:02d}", float(allowed)))
            zz = lambda t, k: zt[t, k]  # noqa: E731
        for t in range(H):
            for k in np.flatnonzero(live[t]):
                a = spend[:, t, k]
                nz = np.flatnonzero(a)
                expr = pulp.LpAffineExpression([(xs[j], float(a[j]) / scale) for j in nz] + hire_terms[t]
                                               + ([] if hard[t, k] else [(zz(t, k), -float(M[t, k]) / scale)]))
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"s{t:02d}_{k:05d}",
                                                     float(budget[t] - c[t, k]) / scale))
                rows += 1
                coefs += len(nz)
    else:  # CVaR of the worst period's overrun, Rockafellar-Uryasev
        if alpha <= 0:
            raise ValueError("method='cvar' needs alpha > 0")
        eta = prob.add_variable("eta", lowBound=None, upBound=None, cat=pulp.LpContinuous)
        u = [prob.add_variable(f"u{k:05d}", lowBound=0, upBound=None, cat=pulp.LpContinuous) for k in range(K)]
        prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression([(eta, 1.0)] + [(v, 1.0 / (alpha * K)) for v in u]), pulp.LpConstraintLE,
            "cvar", float(cvar_limit) / scale))
        for t in range(H):
            for k in range(K):
                a = spend[:, t, k]
                nz = np.flatnonzero(a)
                expr = pulp.LpAffineExpression([(xs[j], float(a[j]) / scale) for j in nz] + hire_terms[t]
                                               + [(eta, -1.0), (u[k], -1.0)])
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"s{t:02d}_{k:05d}",
                                                     float(budget[t] - c[t, k]) / scale))
                rows += 1
                coefs += len(nz)
    warm = None
    if warm_start:
        g0 = _greedy_start(model, spend, budget, c, allowed, method, chance, cvar_limit, alpha, hcost if nh else None,
                           hmax if nh else None)
        if g0 is not None:
            gx, gh = g0
            warm = {v: float(val) for v, val in zip(xs, gx)}
            warm.update({v: float(val) for v, val in zip(hv, gh)})
            hs_g = np.zeros(H)
            if nh:
                np.add.at(hs_g, model.ht - 1, hcost * gh)
            over_g = np.einsum("j,jtk->tk", gx, spend) + c + hs_g[:, None] > budget[:, None]
            if method == "chance" and chance == "joint":
                warm.update({z[k]: 1.0 for k in np.flatnonzero(over_g.any(axis=0))})
            elif method == "chance":
                warm.update({zt[t, k]: 1.0 for t, k in zip(*np.nonzero(over_g)) if (t, k) in zt})
            else:
                L = (np.einsum("j,jtk->tk", gx, spend) + c + hs_g[:, None] - budget[:, None]).max(axis=0)
                e = float(np.partition(L, K - max(int(math.ceil(alpha * K)), 1))[K - max(int(math.ceil(alpha * K)), 1)])
                warm[eta] = e / scale
                warm.update({u[k]: max(float(L[k]) - e, 0.0) / scale for k in range(K)})
    build = time.perf_counter() - t0
    params = {}
    if deterministic:
        from .solve import DEFAULT_NODE_LIMIT

        if time_limit is not None:
            raise ValueError("the deterministic mode stops on a node limit, not the clock: time_limit must be None")
        params = {"threads": 1, "random_seed": int(seed) % (2 ** 31),
                  "mip_max_nodes": int(node_limit if node_limit is not None else DEFAULT_NODE_LIMIT)}
    elif node_limit is not None:
        params = {"mip_max_nodes": int(node_limit)}
    rens = strategy == "rens" or (strategy == "auto" and coefs >= RENS_MIN_NONZEROS)
    _silence_banner()
    s = _WarmHiGHS(warm, msg=msg, timeLimit=time_limit, gapRel=gap, rens=rens, **params)
    t1 = time.perf_counter()
    try:
        prob.solve(s)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"HiGHS failed on the SAA model: {exc}") from exc
    solve_s = time.perf_counter() - t1
    sol = prob.sol_status
    if sol == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
        from .solve import find_conflicts

        conflicts = find_conflicts(model)
        what = (f"P(any period over budget) <= {alpha:g}" if method == "chance" and chance == "joint" else
                f"P(period over budget) <= {alpha:g} in every period" if method == "chance" else
                f"CVaR of the overrun <= {cvar_limit:,.0f}")
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints under uncertainty",
                                       conflicts or [what, "mandatory projects funded"])
    if sol == pulp.LpSolutionUnbounded:
        raise SolverError("the SAA model is unbounded (check the objective values)")
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if time_limit is not None:
            raise SolverError(f"HiGHS found no feasible portfolio within the time limit of {time_limit:g} s")
        raise SolverError(f"HiGHS returned status {pulp.LpStatus[prob.status]} / solution status "
                          f"{pulp.LpSolution.get(sol, sol)}")
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs]) > 0.5
    hire = np.array([max(v.varValue or 0.0, 0.0) for v in hv])
    objective = float(model.obj @ np.concatenate([x, hire]))
    info = prob.solverModel.getInfo()
    bound = -float(info.mip_dual_bound) * scaling.objective   # PuLP hands HiGHS the negated objective
    if s.lp_bound is not None:  # RENS: the sub-MIP's bound holds only in the neighbourhood; the LP's for all
        bound = -float(s.lp_bound) * scaling.objective
    elif sol == pulp.LpSolutionOptimal and not np.isfinite(bound):
        bound = objective
    g = abs(bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound) else np.inf
    from .solve import status_words

    status = status_words(g)  # "optimal" only at a proven gap <= 1e-9; otherwise "within X % of optimal"
    stopped = sol != pulp.LpSolutionOptimal and s.lp_bound is None
    hs_t = np.zeros(H)
    if nh:
        np.add.at(hs_t, model.ht - 1, hcost * hire)
    over = np.einsum("j,jtk->tk", x.astype(float), spend) + c + hs_t[:, None] > budget[:, None] + 1e-6 * scale
    out = SAAOutcome(status, objective, float(bound), float(g), x.astype(float), hire,
                     over.any(axis=0) if chance == "joint" or method == "cvar" else over, float(alpha), K, method,
                     chance, allowed, rows, build, solve_s, "rens" if s.lp_bound is not None else "branch_and_bound",
                     coefs)
    if s.lp_bound is not None and g > gap + 1e-9:
        warn(f"the SAA was solved in the LP relaxation's neighbourhood (RENS): incumbent {objective:,.6g}, "
             f"the whole model's LP bound {bound:,.6g}, gap {g:.2%}", SolverWarning, stacklevel=2)
    elif stopped:
        why = f"the node limit ({params['mip_max_nodes']})" if "mip_max_nodes" in params else \
            f"the time limit ({time_limit} s)"
        warn(f"HiGHS stopped at {why} before reaching the gap asked for: incumbent {objective:,.6g}, "
             f"bound {bound:,.6g}, gap {g:.2%}", SolverWarning, stacklevel=2)
    return out


class _WarmHiGHS(pulp.HiGHS):
    """pulp.HiGHS that hands HiGHS a starting solution (column values by variable) and knows HiGHS's node
    and solution limits (PuLP 3.3 maps only the time and iteration limits)."""

    def findSolutionValues(self, lp):  # noqa: N802 - PuLP's name
        try:
            return super().findSolutionValues(lp)
        except KeyError:  # stopped by a limit PuLP does not map (node limit): the variables hold the incumbent
            info = lp.solverModel.getInfo()
            if info.primal_solution_status == 2 and np.isfinite(info.objective_function_value):  # kSolutionStatusFeasible
                return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def __init__(self, warm: dict | None = None, rens: bool = False, **kw):
        super().__init__(**kw)
        self._warm = warm
        self._rens = rens
        self.lp_bound = None  # set when the RENS neighbourhood was solved: the whole model's LP bound

    def _warm_columns(self, n: int) -> np.ndarray:
        col = np.zeros(n)
        for v, val in self._warm.items():
            col[v.index] = val
        return col

    def _set_warm(self, h):
        if self._warm:
            import highspy

            sol = highspy.HighsSolution()
            sol.col_value = self._warm_columns(h.getNumCol()).tolist()
            sol.value_valid = True
            h.setSolution(sol)

    def callSolver(self, lp):
        h = lp.solverModel
        if self._rens and self._neighbourhood(h):
            return
        self._set_warm(h)
        h.run()

    def _neighbourhood(self, h) -> bool:
        """RENS: the LP relaxation, then the MILP with the binaries at 0 in the LP fixed at 0. False (bounds
        restored) when the LP is not optimal, or the neighbourhood holds no feasible portfolio or none as good
        as the warm start (the whole model is then solved from it)."""
        import highspy

        got = h.getOptionValue("time_limit")  # highspy 1.16: (status, value)
        limit = float(got[1] if isinstance(got, tuple) else got)
        t0 = time.perf_counter()
        h.setOptionValue("solve_relaxation", True)
        h.run()
        h.setOptionValue("solve_relaxation", False)
        if np.isfinite(limit):  # the neighbourhood gets what the LP left of the time limit
            h.setOptionValue("time_limit", max(limit - (time.perf_counter() - t0), 1e-3))
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.setOptionValue("time_limit", limit)
            return False
        lp_bound = float(h.getInfo().objective_function_value)
        x_lp = np.asarray(h.getSolution().col_value)
        model = h.getLp()
        integer = np.asarray([int(v) for v in model.integrality_], dtype=int) if len(model.integrality_) else \
            np.zeros(model.num_col_, int)
        upper = np.asarray(model.col_upper_)
        idx = np.flatnonzero((integer == 1) & (x_lp < 1e-6) & (upper > 0)).astype(np.int32)
        h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))
        self._set_warm(h)  # refused by HiGHS when it leaves the neighbourhood
        h.run()
        info = h.getInfo()
        found = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if self._warm and found:  # a start outside the neighbourhood that beats its best: search the whole model
            start = float(np.asarray(model.col_cost_) @ self._warm_columns(model.num_col_))
            found = start >= info.objective_function_value - 1e-9
        if not found:
            h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), upper[idx])
            h.setOptionValue("time_limit", limit)
            return False
        self.lp_bound = lp_bound
        return True


def _greedy_start(model, spend, budget, c, allowed, method, chance, cvar_limit, alpha, hcost, hmax):
    """A portfolio that satisfies every structural row and the chance (or CVaR) constraint on the scenarios.

    Committed and mandatory projects first (fewest start options first), then
    the others by expected value per unit of mean spend; each project at the
    start, among those that keep the upper-bound rows of the model (capacity
    through hiring when allowed), with the fewest overrunning scenarios (the
    smallest CVaR), voluntary projects only when the scenario constraint
    still holds. Returns ``(x, hire)`` or None when the required projects
    already break the scenario constraint or a minimum row fails.
    """
    d, o = model.data, model.options
    nx, H, K = spend.shape
    A = model.A.tocsc()
    hi = model.hi.copy()
    fam = model.family
    hiring = hcost is not None
    if hiring:
        cap_rows = np.flatnonzero(fam == "capacity")
        hi[cap_rows] = np.inf  # met by hiring, priced below
        Ax = model.A[cap_rows][:, :nx].tocsc()
        Ah = model.A[cap_rows][:, nx:].tocsr()
        hire_col = np.array([Ah.indices[Ah.indptr[r]] if Ah.indptr[r + 1] > Ah.indptr[r] else -1
                             for r in range(len(cap_rows))])
        cap_hi = model.hi[cap_rows]
        dem = np.zeros(len(cap_rows))
    act = np.zeros(model.n_rows)
    x = np.zeros(nx)
    hire = np.zeros(len(model.hs))
    hire_t = np.zeros(H)
    cur = c.copy()
    forced = np.zeros(d.n, bool)
    if o.mandatory:
        forced |= d.mandatory
    if o.force_in:
        forced[d.index_of(o.force_in)] = True
    first = np.searchsorted(model.vp, np.arange(d.n))
    last = np.searchsorted(model.vp, np.arange(d.n), side="right")
    mean_cost = np.array([spend[first[i]:last[i]].sum(axis=(1, 2)).mean() / K if last[i] > first[i] else np.inf
                          for i in range(d.n)])
    dens = d.value / np.maximum(mean_cost, 1e-9)
    order = np.lexsort((np.arange(d.n), -dens, last - first, ~forced))
    scale = np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0)))
    m_tail = max(int(math.ceil(alpha * K)), 1)
    tol = 1e-9 * max(float(np.abs(budget).max()), 1.0)

    def score(s_tk) -> float:
        """How far the scenario constraint is from holding (<= 0: it holds)."""
        over = s_tk > budget[:, None] + tol
        if method == "chance":
            return float(over.any(axis=0).sum() - allowed) if chance == "joint" else \
                float(over.sum(axis=1).max() - allowed)
        L = (s_tk - budget[:, None]).max(axis=0)
        return float(np.partition(L, K - m_tail)[K - m_tail:].mean() - cvar_limit)

    for i in order:
        if not forced[i] and d.value[i] <= 0:
            continue
        best = None
        for k in range(first[i], last[i]):
            a, b = A.indptr[k], A.indptr[k + 1]
            r, v = A.indices[a:b], A.data[a:b]
            if not np.all(act[r] + v <= hi[r] + 1e-9 * scale[r]):
                continue
            new_hire, new_hire_t = hire, hire_t
            if hiring:
                col = Ax[:, k].toarray().ravel()
                need = dem + col - cap_hi
                if np.any((need > 1e-9) & (hire_col < 0)):
                    continue
                new_hire = hire.copy()
                has = hire_col >= 0
                new_hire[hire_col[has]] = np.maximum(need[has], 0.0)
                if np.any(new_hire > hmax + 1e-9):
                    continue
                new_hire_t = np.zeros(H)
                np.add.at(new_hire_t, model.ht - 1, hcost * new_hire)
            sc = score(cur + spend[k] + new_hire_t[:, None])
            if (forced[i] or sc <= 0) and (best is None or sc < best[0]):
                best = (sc, k, new_hire, new_hire_t)
        if best is None:
            if forced[i]:
                return None
            continue
        _, k, hire, hire_t = best
        a, b = A.indptr[k], A.indptr[k + 1]
        act[A.indices[a:b]] += A.data[a:b]
        if hiring:
            dem = dem + Ax[:, k].toarray().ravel()
        x[k] = 1.0
        cur = cur + spend[k]
    if score(cur + hire_t[:, None]) > 0 or model.violated(np.concatenate([x, hire])).any():
        return None
    return x, hire


def _quantile_big_m(spend: np.ndarray, committed: np.ndarray, vp: np.ndarray, n: int, allowed: int,
                    chunk: int = 16) -> np.ndarray:
    """Big-M of every scenario row from the other scenarios (quantile strengthening).

    At most ``p = allowed`` scenarios may overrun, so among any ``p + 1``
    scenarios one, say k', is within budget in every period. For any
    portfolio x with one start per project,
    ``spend_kt(x) + c_kt - B_t <= sum_p max_(j in p) (a_ktj - a_k'tj)^+ + c_kt - c_k't
    + (spend_k't(x) + c_k't - B_t)``, and the last term is <= 0 for that k'.
    Taking for each row the (p + 1)-th smallest bound over k' gives a valid
    ``M_kt`` (the quantile bound of Luedtke, "A branch-and-cut decomposition
    algorithm for solving chance-constrained mathematical programs with finite
    support", *Math. Program.* 146, 2014, sect. 3.1; Song, Luedtke &
    Kucukyavuz, *INFORMS J. Comput.* 26(4), 2014), usually far below the
    naive ``max spend - B_t``. Cost: ``O(H K^2 nx)``, in chunks of rows;
    columns with no spend in period t in any scenario add nothing to the
    maxima (each is at least 0) and are left out of that period's.
    """
    nx, H, K = spend.shape
    order = np.argsort(vp, kind="stable")
    projects = np.unique(vp)
    out = np.empty((H, K))
    for t in range(H):
        cols = order[(spend[order, t, :] != 0).any(axis=1)]       # columns grouped by project, spending in t
        A = spend[cols, t, :].T                                    # (K, columns)
        vpt = vp[cols]
        starts = np.flatnonzero(np.r_[True, vpt[1:] != vpt[:-1]]) if len(cols) else np.zeros(0, int)
        where = np.searchsorted(projects, vpt[starts])             # their places among all projects
        ct = committed[t]
        for k0 in range(0, K, chunk):
            k1 = min(k0 + chunk, K)
            per = np.zeros((k1 - k0, K, len(projects)))            # every project, so the sums add the same terms
            if len(cols):                                          # in the same order whichever columns spend
                diff = A[k0:k1, None, :] - A[None, :, :]           # (chunk, K, columns)
                np.maximum(diff, 0.0, out=diff)
                per[:, :, where] = np.maximum.reduceat(diff, starts, axis=2)
            beta = per.sum(axis=2) + (ct[k0:k1, None] - ct[None, :])
            out[t, k0:k1] = np.partition(beta, allowed, axis=1)[:, allowed]
    return out


def overrun_indicators(spend_x: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Scenarios (columns) in which spend ``(H, K)`` exceeds the budget in any period [bool].

    Spend within ``1e-6 x`` the largest period budget of it counts as within
    budget (the solver's feasibility tolerance).
    """
    b = np.asarray(budget, dtype=float)
    return (spend_x > b[:, None] + 1e-6 * max(float(np.abs(b).max()), 1.0)).any(axis=0)


# ---------------------------------------------------------------- today's method, for comparison
def deterministic_portfolio(portfolio, model, alpha: float, *, objective="risk_adjusted", scores=None,
                            options: SelectionOptions | None = None, time_limit: float | None = None,
                            deterministic: bool = False, seed: int = 0, solver: str = "auto"):
    """Today's portfolio at the same alpha: the deterministic MILP on reference-class P(1 - alpha) costs.

    Proposals' costs are uplifted to the ``1 - alpha`` quantile of their
    class's outturn ratios (:func:`~pmo_analytics.intake.reference_class.reference_class_uplifts`,
    as the intake screening does), then the
    :class:`~pmo_analytics.selection.selector.PortfolioSelector` keeps every
    period within budget for those costs.

    ``solver`` is the selector's (``"lns"``: the time-window search alone,
    as :class:`UncertainSelector` runs it beside the SAA solves of a large
    model; see :func:`~pmo_analytics.selection.solve.batch_solver`).

    Returns
    -------
    (x, hire, selector)
        ``x``: 0/1 per start column of ``model`` (mapped by project and start
        period); ``hire``: hiring spend per period [currency]; the fitted
        selector.
    """
    from ..intake.reference_class import apply_uplift, reference_class_uplifts
    from .selector import PortfolioSelector

    pf = portfolio
    costs = None
    if pf.has("history"):
        props = pf.projects[pf.projects["stage"] == "proposal"]
        up = apply_uplift(props, reference_class_uplifts(pf.history, acceptable_overrun=float(alpha)))
        costs = pd.Series(up["uplifted_estimated_cost"].to_numpy(), index=up["project_id"].to_numpy())
    opts = (options or SelectionOptions()).but(budget=True)
    sel = PortfolioSelector(objective, solver=solver, time_limit=None if deterministic else time_limit,
                            deterministic=deterministic, seed=seed, options=opts).fit(pf, scores=scores, costs=costs)
    m = sel.model_
    on = {(p, int(t)) for p, t, v in zip(m.data.ids[m.vp], m.vt, sel.x_[: m.nx]) if v > 0.5}
    x = np.array([(p, int(t)) in on for p, t in zip(model.data.ids[model.vp], model.vt)], dtype=float)
    return x, sel.spend_["hire_spend"].to_numpy(float), sel


# ---------------------------------------------------------------- parallel tasks
def _evaluate_block(shared, item) -> np.ndarray:
    """Spend (m, H, size) of m portfolios on one block of scenarios."""
    spec, vp, vt, X, extra = shared
    sc = draw_block(spec, item)
    used = np.flatnonzero(X.any(axis=0))
    cs = sc.column_spend(vp[used], vt[used])                      # (u, H, size)
    return np.einsum("mu,utk->mtk", X[:, used], cs) + sc.committed[None] + extra[:, :, None]


def evaluate_portfolios(spec: ScenarioSpec, model, X: np.ndarray, K: int, seed: int, *, extra=None,
                        block_size: int = 500, executor=None, purpose: int = _VALIDATION) -> np.ndarray:
    """Spend per period of portfolios on ``K`` independent scenarios, shape (m, H, K) [currency].

    ``X`` (m, nx) holds 0/1 start columns of ``model``; ``extra`` (m, H)
    deterministic spend added to each (hiring) [currency].
    """
    from ..parallel import executor_for

    X = np.atleast_2d(np.asarray(X, dtype=float))
    H = spec.data.horizon
    extra = np.zeros((len(X), H)) if extra is None else np.atleast_2d(np.asarray(extra, dtype=float))
    items = _blocks(seed, purpose, 0, int(K), int(block_size))
    with executor_for(executor, 1) as ex:
        parts = ex.map(_evaluate_block, items, shared=(spec, model.vp, model.vt, X, extra))
    return np.concatenate(parts, axis=2)


def _solve_task(shared, alpha):
    """One SAA level: ``(outcome, None, warnings)`` or ``(None, InfeasiblePortfolioError, warnings)``, the
    solve's warnings held (:func:`~pmo_analytics.parallel.hold_warnings`) for whoever uses the result."""
    model, spend, budget, committed, kw = shared
    with hold_warnings() as held:
        try:
            return solve_saa(model, spend, budget, alpha, committed=committed, **kw), None, held
        except InfeasiblePortfolioError as exc:
            return None, exc, held


def _levels(alphas) -> list[float]:
    """Distinct alpha levels, in order, as the keys of solved levels (rounded to 12 decimals)."""
    return list(dict.fromkeys(round(float(a), 12) for a in alphas))


def _replication_task(shared, item):
    spec, model, budget, block_size, kw = shared
    seed, K, rep = item
    kw = dict(kw)
    alpha = kw.pop("alpha")
    sc = Scenarios.concat([draw_block(spec, it) for it in _blocks(seed, _IN_SAMPLE, rep, K, block_size)])
    try:
        out = solve_saa(model, sc.column_spend(model.vp, model.vt), budget, alpha, committed=sc.committed, **kw)
        return out, None
    except InfeasiblePortfolioError as exc:
        return None, str(exc).splitlines()[0]


# ---------------------------------------------------------------- the estimator
class UncertainSelector:
    """Select the portfolio with the most expected value whose chance of overrunning the budget is bounded.

    Parameters
    ----------
    seed : int
        Seed of the scenarios (required).
    alpha : float, default 0.1
        Allowed probability that spend overruns the budget (in any period
        with ``chance="joint"``).
    scenarios : int, default 500
        In-sample scenarios K of the SAA model.
    method : {"chance", "cvar"}, default "chance"
        Chance constraint with scenario indicators, or a CVaR limit (linear).
    chance : {"joint", "period"}, default "joint"
    cvar_limit : float, default 0
        Limit on the CVaR of the worst period's overrun [currency] (``method="cvar"``).
    validation_scenarios : int, default 10_000
        Independent scenarios to re-estimate the chosen portfolio's overrun probability.
    confidence : float, default 0.95
        Of the Wilson intervals.
    objective : {"risk_adjusted", "npv", "score"}, default "risk_adjusted"
        As in :class:`~pmo_analytics.selection.selector.PortfolioSelector`;
        with ``benefit_low``/``benefit_high`` columns, ``risk_adjusted`` is
        ``probability_of_success`` times the mean triangular benefit.
    class_correlation : float or dict, default 0.3
    cost_duration_correlation : "history" or float, default "history"
    min_class_size : int, default 3
    compare : bool, default True
        Also fit today's deterministic portfolio at the same alpha
        (:func:`deterministic_portfolio`) and validate both on the same scenarios.
    frontier_alphas : sequence of float, default ()
        Levels of :meth:`frontier` solved during :meth:`fit`, side by side
        with the SAA at ``alpha`` (and today's rule at each level, when
        ``compare``), so that the cores are never idle while one long solve
        finishes; :meth:`frontier` then uses them as solved. The numbers are
        those of solving them in :meth:`frontier`.
    time_limit : float, optional, default 120
        Per MILP solve [s] (interactive use; a record uses ``deterministic``).
    deterministic : bool, default False
        Reproducible solves for decision records: one thread, fixed solver
        seeds and ``node_limit`` nodes per solve instead of the clock.
    node_limit : int, optional
        Branch-and-bound nodes per solve (deterministic mode: the selection's default).
    strategy : {"auto", "branch_and_bound", "rens"}, default "auto"
        How each SAA model is solved (:func:`solve_saa`): large models in the
        LP relaxation's neighbourhood, with the whole model's LP bound stated.
    gap : float, default 0.01
        Relative MIP gap at which the solver may stop. ``status_`` says
        ``"optimal"`` only when the gap is proven closed, otherwise
        ``"within X % of optimal"`` (chance-constrained MILPs have weak LP
        bounds; ``gap_`` states the gap reached).
    block_size : int, default 500
        Scenarios per block (the unit of parallel work and of the random streams).
    threads : int, optional
        Local threads when no Dask client is given.
    options : SelectionOptions, optional
        Constraint switches (keyword arguments override fields); the
        per-period budget rows are replaced by the scenario rows (hiring,
        when allowed, is paid from them).

    Attributes
    ----------
    data_ : SelectionData
    spec_ : ScenarioSpec
    model_ : SelectionModel
        The structural model (budget rows replaced by the scenario rows).
    scenarios_ : Scenarios
        The in-sample scenarios.
    outcome_ : SAAOutcome
    status_, objective_, bound_, gap_ : as solved
    portfolio_ : DataFrame
        :func:`~pmo_analytics.selection.selector.portfolio_frame` of the choice.
    selected_ : list of str
    spend_ : DataFrame
        Per period, the chosen portfolio on the validation scenarios:
        ``budget``, ``mean``, ``p50``, ``p80``, ``p95`` [currency],
        ``p_overrun`` [probability].
    comparison_ : DataFrame
        One row per method (``SAA``, ``deterministic P80`` ...): ``value``
        (expected benefit of the funded projects) and ``hiring`` [currency], ``funded`` [count], ``in_sample_overrun`` and the
        validated ``p_overrun``, ``ci_low``, ``ci_high`` [probability],
        ``mean_spend``, ``p80_spend`` in the horizon [currency].
    deterministic_ : PortfolioSelector or None
    """

    def __init__(self, *, seed: int, alpha: float = 0.1, scenarios: int = 500, method: str = "chance",
                 chance: str = "joint", cvar_limit: float = 0.0, validation_scenarios: int = 10_000,
                 confidence: float = 0.95, objective="risk_adjusted", class_correlation=0.3,
                 cost_duration_correlation="history", min_class_size: int = 3, compare: bool = True,
                 time_limit: float | None = 120.0, gap: float = 0.01, block_size: int = 500,
                 deterministic: bool = False, node_limit: int | None = None, strategy: str = "auto",
                 threads: int | None = None, frontier_alphas=(), options: SelectionOptions | None = None,
                 **option_kwargs):
        if seed is None:
            raise ValueError("seed is required: pass an int so the scenarios can be reproduced")
        if not 0 <= float(alpha) < 1:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        if method not in _METHODS:
            raise ValueError(f"unknown method {method!r}: use one of {_METHODS}")
        if chance not in _CHANCE:
            raise ValueError(f"unknown chance {chance!r}: use one of {_CHANCE}")
        if strategy not in _STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}: use one of {_STRATEGIES}")
        if int(scenarios) < 1 or int(validation_scenarios) < 1:
            raise ValueError("scenarios and validation_scenarios must be >= 1")
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {confidence}")
        self.seed = int(seed)
        self.alpha = float(alpha)
        self.scenarios = int(scenarios)
        self.method = method
        self.chance = chance
        self.cvar_limit = float(cvar_limit)
        self.validation_scenarios = int(validation_scenarios)
        self.confidence = float(confidence)
        self.objective = objective
        self.class_correlation = class_correlation
        self.cost_duration_correlation = cost_duration_correlation
        self.min_class_size = int(min_class_size)
        self.compare = bool(compare)
        self.deterministic = bool(deterministic)
        self.node_limit = node_limit
        self.strategy = strategy
        if self.deterministic and time_limit is not None:
            time_limit = None  # the deterministic mode stops on nodes, never on the clock
        self.time_limit = time_limit
        self.gap = float(gap)
        self.block_size = int(block_size)
        self.threads = threads
        self.frontier_alphas = tuple(float(a) for a in frontier_alphas)
        if not all(0 <= a < 1 for a in self.frontier_alphas):
            raise ValueError(f"frontier_alphas must be in [0, 1), got {frontier_alphas}")
        base = options or SelectionOptions()
        self.options = base.but(**option_kwargs) if option_kwargs else base
        self.data_ = None

    def _solve_kw(self) -> dict:
        return dict(method=self.method, chance=self.chance, cvar_limit=self.cvar_limit, time_limit=self.time_limit,
                    gap=self.gap, deterministic=self.deterministic, node_limit=self.node_limit, seed=self.seed,
                    strategy=self.strategy)

    def fit(self, portfolio, committed=None, scores: pd.Series | None = None, client=None) -> "UncertainSelector":
        """Draw the scenarios, solve the SAA model, validate; returns self.

        Parameters
        ----------
        portfolio : Portfolio
        committed : PortfolioRiskModel, optional
            A run of the active projects
            (:class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel`): their
            simulated spend replaces their reference-class scenarios.
        scores : Series, optional
            Weighted scores (``objective="score"``).
        client : distributed.Client, str or Executor, optional
            Draw and validate scenario blocks on a Dask cluster.
        """
        from ..parallel import executor_for
        from .selector import portfolio_frame

        pf = portfolio
        self.portfolio = pf
        self._scores = scores
        objective = self.objective
        p = pf.projects
        if objective == "risk_adjusted" and ("benefit_low" in p or "benefit_high" in p):
            mode = p["benefit_npv"].astype(float)
            lo = p["benefit_low"].astype(float).fillna(mode) if "benefit_low" in p else mode
            hi = p["benefit_high"].astype(float).fillna(mode) if "benefit_high" in p else mode
            objective = pd.Series(((lo + mode + hi) / 3 * p["probability_of_success"].astype(float)).to_numpy(),
                                  index=p["project_id"].astype(str).to_numpy(), name="expected benefit [currency]")
        self._objective = objective
        self.data_ = selection_data(pf, objective=objective, scores=scores)
        self.spec_ = scenario_spec(self.data_, pf, class_correlation=self.class_correlation,
                                   cost_duration_correlation=self.cost_duration_correlation,
                                   min_class_size=self.min_class_size, committed=committed)
        self.model_ = build_model(self.data_, self.options.but(budget=False, total_budget=None))
        self.budget_ = self.data_.budget * self.options.budget_scale
        with executor_for(client, self.threads) as ex:
            self.executor_ = repr(ex)
            self.scenarios_ = draw_scenarios(self.spec_, self.scenarios, self.seed, block_size=self.block_size,
                                             executor=ex)
            self._spend = self.scenarios_.column_spend(self.model_.vp, self.model_.vt)
            self._saa, self._det = {}, {}   # solved levels: alpha -> _solve_task's / _deterministic's result
            levels = _levels([self.alpha, *self.frontier_alphas])
            with self._deterministic_rule(levels if self.compare else []) as rule:
                self._solve_levels(levels, ex)
                out, exc, held = self._saa[levels[0]]
                reissue_warnings(held)
                if exc is not None:
                    raise exc
                self.outcome_ = out
                X = [self.outcome_.x]
                E = [self._hire_spend(self.outcome_.hire)]
                labels = ["SAA"]
                self.deterministic_ = None
                det_note = None
                if self.compare:
                    det = rule(self.alpha)
                    if isinstance(det, InfeasiblePortfolioError):
                        det_note = str(det).splitlines()[0]
                    else:
                        xd, hd, self.deterministic_ = det
                        X.append(xd)
                        E.append(hd)
                        labels.append(_det_label(self.alpha))
            sp = evaluate_portfolios(self.spec_, self.model_, np.array(X), self.validation_scenarios, self.seed,
                                     extra=np.array(E), block_size=self.block_size, executor=ex)
        o = self.outcome_
        self.status_, self.objective_, self.bound_, self.gap_ = o.status, o.objective, o.bound, o.gap
        self.portfolio_ = portfolio_frame(self.model_, o.x)
        sel = self.portfolio_[self.portfolio_["selected"]]
        self.selected_ = sel.sort_values(["start_period", "value"], ascending=[True, False]).index.tolist()
        H = self.data_.horizon
        spend = sp[0]
        q = np.percentile(spend, [50, 80, 95], axis=1)
        self.spend_ = pd.DataFrame({"budget": self.budget_, "mean": spend.mean(axis=1), "p50": q[0], "p80": q[1],
                                    "p95": q[2], "p_overrun": (spend > self.budget_[:, None] + 1e-6 *
                                                               self.budget_.max()).mean(axis=1)},
                                   index=pd.Index(np.arange(1, H + 1), name="period"))
        rows = []
        for k, lab in enumerate(labels):
            rows.append(self._row(lab, np.asarray(X[k], dtype=float), E[k], sp[k]))
        if det_note is not None:
            rows.append({"method": _det_label(self.alpha), "note": det_note})
        self.comparison_ = pd.DataFrame(rows).set_index("method")
        return self

    def _solve_levels(self, alphas, ex) -> None:
        """Solve the SAA at each of ``alphas`` not solved yet (in ``ex``, side by side, when more than one)."""
        todo = [a for a in _levels(alphas) if a not in self._saa]
        if not todo:
            return
        shared = (self.model_, self._spend, self.budget_, self.scenarios_.committed, self._solve_kw())
        solved = [_solve_task(shared, todo[0])] if len(todo) == 1 else ex.map(_solve_task, todo, shared=shared)
        self._saa.update(zip(todo, solved))

    def _deterministic(self, alpha: float, solver: str = "auto"):
        """Today's rule at ``alpha`` (:func:`deterministic_portfolio`): ``(x, hire, selector)``, or the
        :class:`InfeasiblePortfolioError` when no portfolio fits the uplifted costs; with the warnings of
        the solve held (:func:`~pmo_analytics.parallel.hold_warnings`)."""
        with hold_warnings() as held:
            try:
                res = deterministic_portfolio(self.portfolio, self.model_, alpha if alpha > 0 else 0.01,
                                              objective=self._objective, scores=self._scores, options=self.options,
                                              time_limit=self.time_limit, deterministic=self.deterministic,
                                              seed=self.seed, solver=solver)
            except InfeasiblePortfolioError as exc:
                res = exc
        return res, held

    @contextmanager
    def _deterministic_rule(self, alphas):
        """Today's rule at each of ``alphas``, solved beside the caller's SAA solves when it can be.

        Yields ``rule(alpha)``, which returns :meth:`_deterministic`'s result, solved once per fit (kept
        for :meth:`frontier`) and its warnings issued in the caller's thread. When
        :func:`~pmo_analytics.selection.solve.batch_solver` names a solver for the model (a deterministic
        record of a large model), the alphas' MILPs are solved one after another in a background thread
        with that solver (the time-window search in a child process, one core) while the SAA solves run,
        and all of them before the block ends; otherwise each is solved when asked, as a race on two cores.
        Either way node limits, not the clock, end every solve, so a record replays to the same numbers
        (the search alone may return another portfolio than the race would have: see ``batch_solver``).
        """
        from .solve import batch_solver

        todo = [a for a in _levels(alphas) if a not in self._det]
        fast = batch_solver(self.model_, solver="auto", deterministic=self.deterministic,
                            time_limit=self.time_limit) if todo else None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-det") if fast else None
        futures = {a: pool.submit(self._deterministic, a, fast) for a in todo} if fast else {}

        def rule(alpha):
            key = round(float(alpha), 12)
            if key not in self._det:
                self._det[key] = futures[key].result() if key in futures else self._deterministic(alpha)
            res, held = self._det[key]
            reissue_warnings(held)
            return res

        try:
            yield rule
            for a in futures:   # all of them solved before the block ends, kept for frontier()
                if a not in self._det:
                    self._det[a] = futures[a].result()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _hire_spend(self, hire) -> np.ndarray:
        """Hiring spend per period of a solution's hire columns [currency]."""
        m = self.model_
        out = np.zeros(self.data_.horizon)
        if len(m.hs):
            np.add.at(out, m.ht - 1, np.asarray(hire, float) * self.data_.hire_cost[m.hs, m.ht - 1])
        return out

    def _row(self, label, x, extra, spend) -> dict:
        s = np.einsum("j,jtk->tk", x, self._spend) + self.scenarios_.committed + extra[:, None]
        in_sample = float(overrun_indicators(s, self.budget_).mean())
        over = overrun_indicators(spend, self.budget_)
        lo, hi = wilson_interval(int(over.sum()), len(over), self.confidence)
        tot = spend.sum(axis=0)
        return {"method": label, "value": float(self.model_.obj[: self.model_.nx] @ x),
                "hiring": float(extra.sum()), "funded": int(round(x.sum())), "in_sample_overrun": in_sample,
                "p_overrun": float(over.mean()), "ci_low": lo, "ci_high": hi, "validation_scenarios": len(over),
                "mean_spend": float(tot.mean()), "p80_spend": float(np.percentile(tot, 80)), "note": ""}

    def _check(self):
        if self.data_ is None:
            raise PMOError("UncertainSelector is not fitted; call fit(portfolio) first")

    # ------------------------------------------------------------ sweeps
    def frontier(self, alphas=(0.05, 0.1, 0.2, 0.3), client=None, compare: bool | None = None) -> pd.DataFrame:
        """Expected value against alpha, with today's deterministic portfolio at each alpha.

        Every level is one SAA solve on the in-sample scenarios of the fit
        (levels run in parallel on ``client``); all portfolios are validated
        on the same independent scenarios.

        Returns
        -------
        DataFrame
            ``alpha``, ``method``, ``status``, ``value`` [currency],
            ``funded``, ``in_sample_overrun``, ``p_overrun``, ``ci_low``,
            ``ci_high`` [probability], ``mean_spend``, ``p80_spend``
            [currency], ``note`` (why a level has no portfolio).
        """
        from ..parallel import executor_for

        self._check()
        compare = self.compare if compare is None else compare
        alphas = [float(a) for a in alphas]
        if not alphas or not all(0 <= a < 1 for a in alphas):
            raise ValueError(f"alphas must be in [0, 1), got {alphas}")
        with executor_for(client, self.threads) as ex, self._deterministic_rule(alphas if compare else []) as rule:
            self._solve_levels(alphas, ex)
            X, E, meta = [], [], []
            for a in alphas:
                out, exc, held = self._saa[round(a, 12)]
                reissue_warnings(held)
                note = None if exc is None else str(exc).splitlines()[0]
                meta.append((a, "SAA", out.status if out else "infeasible", note, len(X) if out else None))
                if out:
                    X.append(out.x)
                    E.append(self._hire_spend(out.hire))
                if compare:
                    det = rule(a)
                    if isinstance(det, InfeasiblePortfolioError):
                        meta.append((a, _det_label(a), "infeasible", str(det).splitlines()[0], None))
                    else:
                        xd, hd, sel = det
                        meta.append((a, _det_label(a), sel.status_, None, len(X)))
                        X.append(xd)
                        E.append(hd)
            sp = evaluate_portfolios(self.spec_, self.model_, np.array(X), self.validation_scenarios, self.seed,
                                     extra=np.array(E), block_size=self.block_size, executor=ex) if X else None
        rows = []
        for a, lab, status, note, k in meta:
            if k is None:
                rows.append({"alpha": a, "method": "SAA" if lab == "SAA" else "deterministic", "status": status,
                             "note": note or ""})
                continue
            r = self._row(lab, np.asarray(X[k], float), E[k], sp[k])
            r.update(alpha=a, status=status, method="SAA" if lab == "SAA" else "deterministic")
            rows.append(r)
        cols = ["alpha", "method", "status", "value", "hiring", "funded", "in_sample_overrun", "p_overrun", "ci_low",
                "ci_high", "mean_spend", "p80_spend", "note"]
        return pd.DataFrame(rows).reindex(columns=cols)

    def convergence(self, sizes=(50, 100, 200, 400), replications: int = 5, client=None) -> pd.DataFrame:
        """SAA replications at growing K: how the optimum and its validated overrun settle.

        Each (K, replication) draws its own in-sample scenarios and solves
        (tasks run in parallel on ``client``); every solution is validated on
        the same independent scenarios.

        Returns
        -------
        DataFrame
            One row per K: ``replications``, ``mean_value``, ``sd_value``
            [currency], ``gap_to_largest`` (|mean value - mean value at the
            largest K|) [currency], ``mean_p_overrun``, ``max_p_overrun``
            [probability], ``proven`` (replications proven optimal).
        """
        from ..parallel import executor_for

        self._check()
        sizes = [int(k) for k in sizes]
        if not sizes or min(sizes) < 1 or int(replications) < 1:
            raise ValueError("sizes and replications must be positive")
        items = [(self.seed, K, r + 1) for K in sizes for r in range(int(replications))]
        kw = dict(self._solve_kw(), alpha=self.alpha)
        with executor_for(client, self.threads) as ex:
            res = ex.map(_replication_task, items, shared=(self.spec_, self.model_, self.budget_, self.block_size, kw))
            ok = [(it, out) for it, (out, _n) in zip(items, res) if out is not None]
            sp = evaluate_portfolios(self.spec_, self.model_, np.array([o.x for _, o in ok]),
                                     self.validation_scenarios, self.seed,
                                     extra=np.array([self._hire_spend(o.hire) for _, o in ok]),
                                     block_size=self.block_size, executor=ex) if ok else None
        per = pd.DataFrame([{"K": it[1], "replication": it[2], "value": o.objective, "proven": o.proven_optimal,
                             "p_overrun": float(overrun_indicators(sp[k], self.budget_).mean())}
                            for k, (it, o) in enumerate(ok)])
        if per.empty:
            raise InfeasiblePortfolioError("no replication had a feasible portfolio")
        g = per.groupby("K")
        out = pd.DataFrame({"replications": g.size(), "mean_value": g["value"].mean(),
                            "sd_value": g["value"].std(ddof=1), "mean_p_overrun": g["p_overrun"].mean(),
                            "max_p_overrun": g["p_overrun"].max(), "proven": g["proven"].sum()})
        out["gap_to_largest"] = (out["mean_value"] - out["mean_value"].iloc[-1]).abs()
        self.replications_ = per
        return out

    # ------------------------------------------------------------ reporting
    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers, one row per measure (``value`` and ``unit``)."""
        self._check()
        c = self.comparison_
        s = c.loc["SAA"]
        rows = [
            ("method", f"{self.method} ({self.chance})" if self.method == "chance" else "cvar", "text"),
            ("alpha", self.alpha, "probability"),
            ("in-sample scenarios", self.scenarios, "count"),
            ("status", self.status_, "text"),
            ("gap", self.gap_, "fraction"),
            ("solved", "the whole model (branch and bound)" if self.outcome_.strategy == "branch_and_bound" else
             "in the LP relaxation's neighbourhood (RENS); the gap is to the whole model's LP bound", "text"),
            ("candidates", self.data_.n, "count"),
            ("funded", int(s["funded"]), "count"),
            ("expected value", float(s["value"]), "currency"),
            ("P(overrun) in sample", float(s["in_sample_overrun"]), "probability"),
            ("P(overrun) validated", float(s["p_overrun"]), "probability"),
            (f"P(overrun) {self.confidence:.0%} interval low", float(s["ci_low"]), "probability"),
            (f"P(overrun) {self.confidence:.0%} interval high", float(s["ci_high"]), "probability"),
            ("validation scenarios", self.validation_scenarios, "count"),
        ]
        det = [i for i in c.index if i != "SAA"]
        if det and "value" in c.columns and pd.notna(c.loc[det[0], "value"]):
            d = c.loc[det[0]]
            rows += [(f"{det[0]}: expected value", float(d["value"]), "currency"),
                     (f"{det[0]}: P(overrun) validated", float(d["p_overrun"]), "probability"),
                     ("value gained over the deterministic portfolio", float(s["value"] - d["value"]), "currency")]
        rows += [("build seconds", self.outcome_.build_seconds, "seconds"),
                 ("solve seconds", self.outcome_.solve_seconds, "seconds")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")

    def __repr__(self) -> str:
        if self.data_ is None:
            return (f"UncertainSelector(unfitted: alpha={self.alpha:g}, {self.scenarios} scenarios, "
                    f"method={self.method!r}, seed={self.seed})")
        s = self.comparison_.loc["SAA"]
        return (f"UncertainSelector({self.status_}: {len(self.selected_)} of {self.data_.n} candidates funded, expected "
                f"value {self.objective_:,.6g}, P(overrun) {s['p_overrun']:.1%} validated on "
                f"{self.validation_scenarios} scenarios (alpha {self.alpha:g}, {self.scenarios} in-sample, "
                f"{self.method}), seed {self.seed})")


def _det_label(alpha: float) -> str:
    return f"deterministic P{100 * (1 - alpha):g}"
