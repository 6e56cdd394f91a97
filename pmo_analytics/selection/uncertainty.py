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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp
from scipy import special

from ..exceptions import InfeasiblePortfolioError, PMOError, SolverError, SolverWarning
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


@dataclass(frozen=True, eq=False)
class Scenarios:
    """K scenarios: relative spend by project, offset and scenario, committed spend, benefits.

    Attributes
    ----------
    rel : ndarray, shape (n, H, K)
        Spend of project p in the ``r``-th period after its start [currency].
    committed : ndarray, shape (H, K)
        Spend outside the candidates' columns [currency].
    benefit : ndarray, shape (n, K)
        Realised benefit of each project if funded [currency].
    """

    rel: np.ndarray
    committed: np.ndarray
    benefit: np.ndarray

    @property
    def K(self) -> int:
        return self.rel.shape[2]


def _draw_block(spec: ScenarioSpec, item) -> Scenarios:
    """One block of scenarios: ``item = (purpose, replication, block, size)``."""
    purpose, rep, b, size = item
    d = spec.data
    n, H, K = d.n, d.horizon, int(size)
    factors = {}
    for ckey, members, rho in spec.classes:
        f = stream(0, 0) if False else None  # placeholder removed below
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec_seed(spec), spawn_key=(
            purpose, rep, b, 2, ckey))))
        f = rng.standard_normal(K)
        for i in members:
            factors[int(i)] = (f, rho)
    rel = np.zeros((n, H + 1, K))
    benefit = np.zeros((n, K))
    L = d.cost.shape[1]
    o = np.arange(L, dtype=float)[:, None]
    for i in range(n):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec_seed(spec), spawn_key=(
            purpose, rep, b, 0, spec.keys[i]))))
        u = rng.random((4, K))
        z = special.ndtri(np.clip(u[:2], 1e-12, 1 - 1e-12))
        zc = z[0]
        if i in factors:
            f, rho = factors[i]
            zc = math.sqrt(rho) * f + math.sqrt(1 - rho) * z[0]
        r = spec.copula_rho[i]
        zd = r * zc + math.sqrt(max(1 - r * r, 0.0)) * z[1]
        ok = u[2] < spec.success[i]
        benefit[i] = np.where(ok, _tri(u[3], spec.benefit_low[i], spec.benefit_mode[i], spec.benefit_high[i]), 0.0)
        if not spec.stochastic[i]:
            continue
        rc = np.exp(spec.cost_mu[i] + spec.cost_sigma[i] * zc)
        rd = np.exp(spec.duration_mu[i] + spec.duration_sigma[i] * zd)
        prof = d.cost[i]
        last = int(np.max(np.nonzero(prof)[0])) + 1 if np.any(prof) else 0
        if last == 0:
            continue
        oo = o[:last]
        accrue(rel[i], oo * rd, (oo + 1.0) * rd, prof[:last, None] * rc, 1.0)
    committed = np.zeros((H, K))
    if spec.committed is not None:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec_seed(spec), spawn_key=(
            purpose, rep, b, 1, 0))))
        committed = spec.committed[:, rng.integers(0, spec.committed.shape[1], K)]
    return Scenarios(rel[:, :H], committed, benefit)


def spec_seed(spec: ScenarioSpec) -> int:
    return spec._seed  # set by draw_scenarios (the spec itself holds no seed)


def _tri(u, a, c, b):
    if b <= a:
        return np.full_like(u, c)
    fc = (c - a) / (b - a)
    return np.where(u < fc, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c)))
