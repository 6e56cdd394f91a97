"""The estimator of the portfolio Monte Carlo: :class:`PortfolioRiskModel` (options, run, results)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ...exceptions import PMOError
from ...streams import check_seed
from ..sampling import SAMPLING
from ..spend import accrue
from .blocks import sample_schedule_block, simulate_block
from .compiled import CompiledPortfolio, ScheduleProject, compile_portfolio, schedule_times

__all__ = ["PortfolioRiskModel"]


def _pct_label(q: float) -> str:
    return f"p{q:g}"


class PortfolioRiskModel:
    """Monte Carlo of the whole portfolio: spend per period, milestones, and what drives the spread.

    Parameters
    ----------
    seed : int
        Seed of the random design (required); same inputs and seed give the
        same numbers on any executor.
    iterations : int, default 10_000
    block_size : int, default 1000
        Iterations per random-number block (the unit of Latin hypercube
        stratification, Iman-Conover and parallel work).
    period_days : float, default 63
        Working days per portfolio period (63 ~ a quarter, 21 ~ a month).
    stages : tuple of str, default ("active",)
        Projects simulated besides the ``selection`` given to :meth:`run`.
    class_correlation : float or dict, default 0.3
        Rank correlation of the total costs of projects in one reference
        class (a dict maps class -> coefficient); 0 = independent projects.
    cost_duration_correlation : "history" or float, default "history"
        Rank correlation between the cost and duration ratios of a project
        without schedule: observed in its class's history, or given.
    activity_correlation : float, dict or None
        Rank correlation of activity durations within each
        ``correlation_group`` of a schedule (as in
        :class:`~pmo_analytics.risk.engine.ScheduleRiskModel`).
    sampling : {"lhs", "mc"}, default "lhs"
    pert_lambda : float, default 4
    mitigated : bool, default False
        Every risk at its post-mitigation values, responses paid at the
        project's start.
    milestones : list of str, optional
        Activities whose finish is reported, as ``PROJECT/ACTIVITY``; each
        project's finish is always reported.
    percentiles : tuple of float, default (50, 80, 95)
    threads : int, optional
        Local threads when no Dask client is given (numbers do not depend on it).
    min_class_size : int, default 3
        History rows needed to fit a class on its own (else pooled).
    sampler : callable, optional
        Replaces :func:`sample_schedule_block` (see the module notes).
    cache_mb : float, default 256
        Memory per block [MB] for keeping the draws that rank a correlated
        reference class until they are used (beyond it they are drawn
        again from their stream: the same numbers, more time).
    progress_mode : {"retained", "override"}, default "retained"
        Out-of-sequence progress of projects under way (P6's retained logic
        or progress override, see :func:`~pmo_analytics.schedule.build_network`).

    Attributes
    ----------
    spend_ : DataFrame
        Indexed by ``period`` (1..H): ``budget``, ``plan_spend`` (deterministic
        model: most-likely durations, no risks), ``mean_spend``, ``p50_spend``,
        ``p80_spend``, ``p95_spend`` (one per ``percentiles``) [currency] and
        ``p_overrun`` [probability] (P(spend > budget)).
    projects_ : DataFrame
        Indexed by ``project_id``: ``model`` (schedule / reference class),
        ``reference_class``, ``start_period``, ``plan_cost``, ``mean_cost``,
        ``p50_cost``, ``p80_cost``, ``p95_cost`` [currency],
        ``plan_finish_periods``, ``p50_finish_periods``, ``p80_finish_periods``,
        ``p95_finish_periods`` [periods from the start of period 1, fractional],
        ``p_late`` [probability] (finishing after its planned last period:
        ``duration_periods`` from its start; for a project under way, the
        days from its start to its data date count)
        and ``variance_share`` [fraction] (its part of the variance of
        portfolio spend within the horizon).
    milestones_ : DataFrame
        ``project_id``, ``milestone`` (activity id, or ``finish``),
        ``p50_days``, ``p80_days``, ``p95_days`` [working days from the start
        of period 1] and the periods they fall in (``p50_period`` ...).
    drivers_ : DataFrame
        Tidy: ``project_id``, ``period``, ``variance_share`` [fraction]:
        ``Cov(X_p,t, S_t) / Var(S_t)``, which adds up to 1 over projects in
        each period (Euler allocation of the variance).
    under_way_ : DataFrame
        Projects simulated from their data date, indexed by ``project_id``:
        ``data_date``, ``complete`` and ``in_progress`` [activities],
        ``cost_to_date`` [currency] (the work done, in their cost and in no
        period's spend); empty when none is under way.
    spend_samples_ : ndarray, shape (H + 1, iterations)
        Portfolio spend per period and iteration [currency]; row H is spend
        after the horizon.
    cost_samples_, finish_samples_ : DataFrame
        Per project (columns) and iteration (rows): total cost [currency]
        and finish [days from the start of period 1].
    project_ids_ : list of str
    seconds_ : float
    executor_ : str
    """

    def __init__(self, *, seed: int, iterations: int = 10_000, block_size: int = 1000, period_days: float = 63.0,
                 stages=("active",), class_correlation=0.3, cost_duration_correlation="history",
                 activity_correlation=None, sampling: str = "lhs", pert_lambda: float = 4.0, mitigated: bool = False,
                 milestones=None, percentiles=(50, 80, 95), threads: int | None = None, min_class_size: int = 3,
                 sampler: Callable | None = None, cache_mb: float = 256.0, progress_mode: str = "retained"):
        seed = check_seed(seed)
        if int(iterations) < 2:
            raise ValueError(f"iterations must be >= 2, got {iterations}")
        if int(block_size) < 2:
            raise ValueError(f"block_size must be >= 2, got {block_size}")
        if not float(period_days) > 0:
            raise ValueError(f"period_days must be > 0, got {period_days}")
        if sampling not in SAMPLING:
            raise ValueError(f"unknown sampling {sampling!r}: use 'lhs' or 'mc'")
        if pert_lambda <= 0:
            raise ValueError(f"pert_lambda must be > 0, got {pert_lambda}")
        stages = (stages,) if isinstance(stages, str) else tuple(stages)
        bad = [s for s in stages if s not in ("proposal", "active", "closed")]
        if bad:
            raise ValueError(f"unknown stage(s) {bad}: use proposal, active or closed")
        rhos = class_correlation.values() if isinstance(class_correlation, Mapping) else [class_correlation]
        if not all(0.0 <= float(r) < 1.0 for r in rhos):
            raise ValueError(f"class_correlation must be in [0, 1), got {class_correlation}")
        if cost_duration_correlation != "history" and not -1 < float(cost_duration_correlation) < 1:
            raise ValueError("cost_duration_correlation must be 'history' or in (-1, 1)")
        pcts = tuple(float(q) for q in percentiles)
        if not pcts or not all(0 < q < 100 for q in pcts):
            raise ValueError(f"percentiles must be in (0, 100), got {percentiles}")
        self.seed = int(seed)
        self.iterations = int(iterations)
        self.block_size = int(block_size)
        self.period_days = float(period_days)
        self.stages = stages
        self.class_correlation = class_correlation
        self.cost_duration_correlation = cost_duration_correlation
        self.activity_correlation = activity_correlation
        self.sampling = sampling
        self.pert_lambda = float(pert_lambda)
        self.mitigated = bool(mitigated)
        self.milestones = list(milestones or [])
        self.percentiles = pcts
        self.threads = threads
        self.min_class_size = int(min_class_size)
        self.sampler = sampler or sample_schedule_block
        if progress_mode not in ("retained", "override"):
            raise ValueError(f"progress_mode must be 'retained' or 'override', got {progress_mode!r}")
        self.progress_mode = progress_mode
        if not float(cache_mb) >= 0:
            raise ValueError(f"cache_mb must be >= 0, got {cache_mb}")
        self.cache_mb = float(cache_mb)
        self.compiled_ = None

    # ------------------------------------------------------------ compile
    def compile(self, portfolio, selection=None) -> CompiledPortfolio:
        """The picklable model of the portfolio that :meth:`run` simulates (no random numbers drawn).

        See :func:`~pmo_analytics.risk.portfolio.compiled.compile_portfolio`.
        """
        m = compile_portfolio(self, portfolio, selection)
        self._track_labels = list(m.track_labels)
        return m

    # ------------------------------------------------------------ run
    def run(self, portfolio, selection=None, client=None) -> PortfolioRiskModel:
        """Simulate the portfolio; returns self.

        Parameters
        ----------
        portfolio : Portfolio
            Needs ``projects``, ``costs``, ``budget``; uses ``activities``,
            ``risks``, ``dependencies`` and ``history`` when present.
        selection : PortfolioSelector, DataFrame, mapping or list, optional
            Proposals to simulate with the active projects, at their start
            periods: a fitted selector, its ``portfolio_`` frame, a mapping
            project_id -> start period, or ids (started at their earliest start).
        client : distributed.Client, str or Executor, optional
            Run the blocks on a Dask cluster (a client or a scheduler
            address); default local threads (see :mod:`pmo_analytics.parallel`).
        """
        from ...parallel import executor_for

        t0 = time.perf_counter()
        m = self.compile(portfolio, selection)
        N, B = m.iterations, m.block_size
        items = [(b, min(B, N - b * B)) for b in range(m.n_blocks)]
        with executor_for(client, self.threads) as ex:
            parts = ex.map(simulate_block, items, shared=m)
            self.executor_ = repr(ex)
        self.compiled_ = m
        self._collect(portfolio, m, parts)
        self.seconds_ = time.perf_counter() - t0
        return self

    def _collect(self, portfolio, m: CompiledPortfolio, parts: list) -> None:
        H, P, N = m.horizon, m.period_days, m.iterations
        ids = [pr.project_id for pr in m.projects]
        spend = np.concatenate([r["spend"] for r in parts], axis=1)
        horizon = np.concatenate([r["horizon"] for r in parts], axis=1)
        cost = np.concatenate([r["cost"] for r in parts], axis=1)
        finish = np.concatenate([r["finish"] for r in parts], axis=1)
        track = np.concatenate([r["track"] for r in parts], axis=1)
        psum = sum(r["psum"] for r in parts)
        mean_p, mean_t = psum / N, spend.mean(axis=1)
        cross = sum(r["cross"] + r["n"] * (r["psum"] / max(r["n"], 1) - mean_p)
                    * (r["spend"].mean(axis=1) - mean_t if r["n"] else 0.0)[None, :] for r in parts)
        qs = np.array(self.percentiles)
        budget = portfolio.budget.sort_values("period")["budget"].to_numpy(float)
        plan = self._plan(m)
        q = np.percentile(spend[:H], qs, axis=1)
        out = pd.DataFrame({"budget": budget, "plan_spend": plan[:H], "mean_spend": spend[:H].mean(axis=1)},
                           index=pd.Index(np.arange(1, H + 1), name="period"))
        for k, qq in enumerate(qs):
            out[f"{_pct_label(qq)}_spend"] = q[k]
        out["p_overrun"] = (spend[:H] > budget[:, None] * (1 + 1e-12)).mean(axis=1)
        self.spend_ = out
        self.spend_after_horizon_ = float(spend[H].mean())
        self.spend_samples_ = spend
        self.p_any_overrun_ = float((spend[:H] > budget[:, None] * (1 + 1e-12)).any(axis=0).mean())
        # variance allocation: Cov(X_p,t, S_t) / Var(S_t)
        S = spend[:H]
        var = S.var(axis=1)
        cov = cross[:, :H] / N
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(var[None, :] > 0, cov / np.where(var > 0, var, 1.0)[None, :], np.nan)
        pp, tt = np.meshgrid(np.arange(len(ids)), np.arange(H), indexing="ij")
        self.drivers_ = pd.DataFrame({"project_id": np.asarray(ids, dtype=object)[pp.ravel()],
                                      "period": tt.ravel() + 1, "variance_share": share.ravel()})
        tot = horizon.sum(axis=0)
        vt = tot.var()
        hshare = ((horizon - horizon.mean(axis=1, keepdims=True)) @ (tot - tot.mean())) / len(tot) / vt if vt > 0 \
            else np.full(len(ids), np.nan)
        rows = []
        for i, pr in enumerate(m.projects):
            sched = isinstance(pr, ScheduleProject)
            cq = np.percentile(cost[i], qs)
            fq = np.percentile(finish[i], qs) / P
            plan_finish = (pr.start + (pr.plan_days if sched else pr.duration_periods * P)) / P
            # a project under way has used up the working days from its start to its data date already
            planned_end = pr.start / P + pr.duration_periods - (pr.floor_days / P if sched else 0.0)
            r = {"project_id": pr.project_id, "model": "schedule" if sched else "reference class",
                 "reference_class": pr.reference_class, "start_period": int(round(pr.start / P)) + 1,
                 "plan_cost": pr.plan_cost, "mean_cost": float(cost[i].mean())}
            r.update({f"{_pct_label(qq)}_cost": float(v) for qq, v in zip(qs, cq)})
            r["plan_finish_periods"] = plan_finish
            r.update({f"{_pct_label(qq)}_finish_periods": float(v) for qq, v in zip(qs, fq)})
            r["p_late"] = float(np.mean(finish[i] > planned_end * P + 1e-9))
            r["variance_share"] = float(hshare[i])
            rows.append(r)
        self.projects_ = pd.DataFrame(rows).set_index("project_id")
        ms = []
        labels = [(pr.project_id, "finish", finish[i]) for i, pr in enumerate(m.projects)]
        labels += [(lab.split("/")[0], lab.split("/")[1], track[t]) for t, lab in enumerate(self._track_labels)]
        for pid, name, x in labels:
            v = np.percentile(x, qs)
            r = {"project_id": pid, "milestone": name}
            r.update({f"{_pct_label(qq)}_days": float(val) for qq, val in zip(qs, v)})
            r.update({f"{_pct_label(qq)}_period": int(max(1, math.ceil(val / P - 1e-9))) for qq, val in zip(qs, v)})
            ms.append(r)
        self.milestones_ = pd.DataFrame(ms)
        self.project_ids_ = ids
        self.under_way_ = _under_way(m)
        self.cost_samples_ = pd.DataFrame(cost.T, columns=pd.Index(ids, name="project_id"))
        self.finish_samples_ = pd.DataFrame(finish.T, columns=pd.Index(ids, name="project_id"))

    def _plan(self, m: CompiledPortfolio) -> np.ndarray:
        """Deterministic model spend per period: most-likely durations, no risks, ratios 1 [currency]."""
        acc = np.zeros((m.horizon + 1, 1))
        finish = {}
        for i, pr in enumerate(m.projects):
            start = max([pr.start] + [finish[q] for q in m.preds[i]])
            if isinstance(pr, ScheduleProject):
                D = pr.mode[:, None]
                lo, hi, T = schedule_times(pr, D)
                finish[i] = start + float(T[0])
                accrue(acc, lo + start, hi + start, pr.rate[:, None] * D + pr.fixed[:, None], m.period_days)
            else:
                o = np.arange(len(pr.profile), dtype=float)[:, None]
                accrue(acc, start + o * m.period_days, start + (o + 1) * m.period_days, pr.profile[:, None],
                       m.period_days)
                finish[i] = start + pr.duration_periods * m.period_days
        return acc[:, 0]

    # ------------------------------------------------------------ results
    def _check(self):
        if self.compiled_ is None:
            raise PMOError("PortfolioRiskModel has not run; call run(portfolio) first")

    def overrun_probability(self, budget=None) -> float:
        """P(spend exceeds the budget in at least one period) [probability].

        ``budget`` (per period, length H) defaults to the portfolio's budget.
        """
        self._check()
        b = self.spend_["budget"].to_numpy(float) if budget is None else np.asarray(budget, dtype=float)
        H = self.compiled_.horizon
        if b.shape != (H,):
            raise ValueError(f"budget must have one value per period ({H}), got shape {b.shape}")
        return float((self.spend_samples_[:H] > b[:, None] * (1 + 1e-12)).any(axis=0).mean())

    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers, one row per measure (``value`` and ``unit``)."""
        self._check()
        m, s = self.compiled_, self.spend_
        n_sched = sum(isinstance(p, ScheduleProject) for p in m.projects)
        worst = int(s["p_overrun"].idxmax()) if s["p_overrun"].max() > 0 else "none"
        top = self.projects_["variance_share"].idxmax() if self.projects_["variance_share"].notna().any() else ""
        tot = self.spend_samples_[:m.horizon].sum(axis=0)
        rows = [
            ("iterations", m.iterations, "count"),
            ("projects simulated", len(m.projects), "count"),
            ("projects with a schedule", n_sched, "count"),
            ("projects under way (from their data date)", len(self.under_way_), "count"),
            ("shared risks", len(m.shared), "count"),
            ("cross-project links", sum(len(p) for p in m.preds), "count"),
            ("budget in horizon", float(s["budget"].sum()), "currency"),
            ("plan spend in horizon", float(s["plan_spend"].sum()), "currency"),
            ("mean spend in horizon", float(tot.mean()), "currency"),
            ("P80 spend in horizon", float(np.percentile(tot, 80)), "currency"),
            ("P95 spend in horizon", float(np.percentile(tot, 95)), "currency"),
            ("mean spend after horizon", self.spend_after_horizon_, "currency"),
            ("P(any period over budget)", self.p_any_overrun_, "probability"),
            ("highest P(period over budget)", float(s["p_overrun"].max()), "probability"),
            ("period most likely over budget", worst, "period"),
            ("largest driver of spend variance", top, "project"),
            ("its share of the variance", float(self.projects_["variance_share"].max()), "fraction"),
            ("seconds", self.seconds_, "seconds"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")

    def __repr__(self) -> str:
        if self.compiled_ is None:
            return (f"PortfolioRiskModel(unfitted: seed={self.seed}, {self.iterations} iterations, "
                    f"stages {self.stages})")
        m = self.compiled_
        n_sched = sum(isinstance(p, ScheduleProject) for p in m.projects)
        return (f"PortfolioRiskModel({len(m.projects)} projects ({n_sched} with a schedule), {len(m.shared)} shared "
                f"risk(s), {sum(len(p) for p in m.preds)} cross-project link(s), {m.iterations} iterations over "
                f"{m.horizon} periods of {m.period_days:g} days, seed {m.seed}, on {self.executor_})")


# ---------------------------------------------------------------- helpers
def _under_way(m: CompiledPortfolio) -> pd.DataFrame:
    """The projects simulated from a data date (progress, or a data date after the start), one row each."""
    rows = []
    for pr in m.projects:
        if not isinstance(pr, ScheduleProject) or not pr.dated:
            continue
        st = pr.network.status
        if not ((st > 0).any() or pr.floor_days > 0):
            continue
        rows.append({"project_id": pr.project_id, "data_date": max(pr.network.start_date, pr.network.data_date),
                     "complete": int((st == 2).sum()), "in_progress": int((st == 1).sum()), "cost_to_date": pr.sunk})
    cols = ["project_id", "data_date", "complete", "in_progress", "cost_to_date"]
    return pd.DataFrame(rows, columns=cols).set_index("project_id")
