"""Scenarios of a selection instance: what varies (:class:`ScenarioSpec`) and the draws (:class:`Scenarios`).

Project p's cost ratio and duration ratio are lognormal, fitted per reference
class on the ``history`` table
(:func:`~pmo_analytics.risk.portfolio.reference_class_distributions`); the
ratios of one project have the class's observed rank correlation, and the
cost ratios of projects in one class the rank correlation
``class_correlation`` (one Gaussian factor per class). The cost profile is
scaled by the cost ratio and stretched in time by the duration ratio. The
benefit is ``benefit_npv`` with probability ``probability_of_success``
(0 otherwise), triangular between ``benefit_low`` and ``benefit_high`` when
those columns are given. Each block of scenarios draws from
``SeedSequence(seed, spawn_key=(purpose, replication, block, key))``, one
stream per project (key: its id) and per class, so the numbers do not depend
on where the blocks run (:mod:`pmo_analytics.parallel`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ...parallel import executor_for
from ...risk.distributions import ppf
from ...risk.correlation import spearman_to_pearson
from ...risk.reference_class import reference_class_distributions
from ...risk.spend import accrue
from ...streams import stable_key, stream
from ..data import SelectionData

__all__ = ["ScenarioSpec", "scenario_spec", "Scenarios", "draw_block", "draw_scenarios"]

#: Stream purposes: the in-sample scenarios an SAA is solved on, and the validation scenarios.
_IN_SAMPLE, _VALIDATION = 10, 11


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


def draw_block(spec: ScenarioSpec, item, projects: np.ndarray | None = None) -> Scenarios:
    """One block of scenarios; ``item = (seed, purpose, replication, block, size)`` (a task of the executor).

    Project p draws four uniforms per scenario from
    ``SeedSequence(seed, spawn_key=(purpose, replication, block, 0, key_p))``
    (cost, duration, success, benefit), each class one normal factor from
    ``(..., 2, key_class)``, the committed spend its resampled iterations
    from ``(..., 1, 0)``. ``projects`` (bool per candidate) draws only those
    (the others' spend and benefit are 0): every project has its own stream,
    so the projects drawn get the same numbers either way.
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
    for i in range(n) if projects is None else np.flatnonzero(projects):
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
    """The tasks ``(seed, purpose, replication, block, size)`` of ``K`` scenarios in blocks of ``block_size``."""
    return [(int(seed), purpose, int(rep), b, min(block_size, K - b * block_size))
            for b in range(math.ceil(K / block_size))]


def draw_scenarios(spec: ScenarioSpec, K: int, seed: int, *, purpose: int = _IN_SAMPLE, replication: int = 0,
                   block_size: int = 500, executor=None) -> Scenarios:
    """``K`` scenarios drawn in blocks (on ``executor`` when given), identical wherever the blocks run."""
    if int(K) < 1:
        raise ValueError(f"K must be >= 1, got {K}")
    items = _blocks(seed, purpose, replication, int(K), int(block_size))
    with executor_for(executor, 1) as ex:
        return Scenarios.concat(ex.map(draw_block, items, shared=spec))

