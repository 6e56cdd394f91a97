"""The vectorised Monte Carlo engine for integrated schedule and cost risk.

Design
------
* Iterations are processed in **chunks**; inside a chunk every quantity is a
  numpy array of shape ``(activities, iterations)`` and the forward/backward
  passes loop over activities (compiled once in the network), never over
  iterations.
* Random numbers come in fixed **blocks** of ``block_size`` iterations: block
  ``b`` draws from ``PCG64(SeedSequence(seed, spawn_key=(b,)))`` a matrix of
  uniforms with one row per activity duration, then one row per risk
  occurrence and one per risk impact, always in that layout. Latin hypercube
  stratification and Iman-Conover correlation are applied within each block.
  Chunks are whole numbers of blocks, so results are identical whatever the
  chunk size, and two runs that differ only in their risk settings
  (mitigation, a risk switched off for the tornado) see the same numbers:
  common random numbers.
* Rows follow the network's canonical (sorted-id) order, so results do not
  depend on the order of the input rows.
* Memory is bounded by the chunk: finishes and costs per iteration are kept
  (two floats each), durations and early finishes per activity are kept as
  float32 only for the first ``store_samples`` activity-iterations (used for
  the Spearman sensitivity and the probabilistic Gantt); criticality is
  counted exactly over all iterations.

Cost model: ``cost = sum(fixed_cost) + sum(cost_rate * duration) + risk cost
impacts`` [currency] (+ response costs in a mitigated run), following AACE RP
57R-09.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceWarning, DataValidationError, Problem
from ..schedule.calendar import WorkCalendar
from ..schedule.cpm import CRITICAL_TOL, backward_pass, cpm, forward_pass
from ..schedule.network import Network, build_network
from .correlation import check_correlation, group_matrix, iman_conover
from .distributions import DISTRIBUTIONS, DurationSampler, _tri_ppf
from .drivers import RiskDrivers, risk_drivers

__all__ = ["ScheduleRiskModel", "simulate"]

_SAMPLING = ("lhs", "mc")


_POOL = None


def _threads() -> int:
    """Threads used to draw sample blocks in parallel (``PMO_THREADS`` overrides; default: cores, max 4)."""
    env = os.environ.get("PMO_THREADS")
    if env:
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL._max_workers != _threads():
        _POOL = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="pmo-risk")
    return _POOL


class ScheduleRiskModel:
    """Integrated cost and schedule risk model of one project (configuration only).

    Parameters
    ----------
    network : Network
        From :func:`pmo_analytics.schedule.build_network`.
    risks : DataFrame, optional
        Risk register rows (see ``risks`` in the data model).
    iterations : int, default 5000
        Number of Monte Carlo iterations.
    sampling : {"lhs", "mc"}, default "lhs"
        Latin hypercube (stratified within each block) or plain Monte Carlo.
    pert_lambda : float, default 4
        BetaPERT shape parameter.
    correlation : None, float, dict or DataFrame
        Rank correlation between durations. A float applies one coefficient
        within every ``correlation_group`` of the activities; a dict maps
        group -> coefficient; a square DataFrame indexed by activity ids is a
        full matrix. None: independent durations.
    repair_correlation : bool, default True
        Replace a non-positive-definite matrix by the nearest valid one (with
        a :class:`~pmo_analytics.exceptions.DataWarning`) instead of raising.
    block_size : int, default 1000
        Iterations per random-number block (the unit of LHS stratification
        and Iman-Conover); part of the random design, so changing it changes
        the sample (the chunk size does not).
    chunk_size : int, optional
        Iterations per vectorised chunk (rounded to a multiple of
        ``block_size``); default about 8 million activity-iterations
        (64 MB for each of the four working arrays).
    criticality : bool, default True
        Run the backward pass to count how often each activity is critical.
    track : iterable of str, optional
        Activities whose finish is kept for every iteration (percentiles by
        milestone); default all milestones.
    store_samples : int, default 20_000_000
        Activity-iterations of durations and finishes kept (float32) for
        sensitivity and the probabilistic Gantt.
    convergence_tol : float, optional
        Relative tolerance on P80 finish and cost over the last
        ``convergence_window`` blocks; a
        :class:`~pmo_analytics.exceptions.ConvergenceWarning` is issued when
        not met at the end.
    convergence_window : int, default 3
    stop_when_converged : bool, default False
        Stop at the first block where the convergence test passes.
    progress : bool, default False
        Show a tqdm progress bar over chunks.
    start_date : date-like, optional
        Project start, to report dates (with ``calendar``).
    calendar : WorkCalendar, optional
        Working days (default Monday-Friday, no holidays).
    deadline : float, optional
        Committed finish [days from start] (for reports).
    """

    def __init__(self, network: Network, risks: pd.DataFrame | None = None, *, iterations: int = 5000,
                 sampling: str = "lhs", pert_lambda: float = 4.0, correlation=None,
                 repair_correlation: bool = True, block_size: int = 1000, chunk_size: int | None = None,
                 criticality: bool = True, track: Iterable[str] | None = None,
                 store_samples: int = 20_000_000, convergence_tol: float | None = None,
                 convergence_window: int = 3, stop_when_converged: bool = False, progress: bool = False,
                 start_date=None, calendar: WorkCalendar | None = None, deadline: float | None = None):
        if not isinstance(network, Network):
            raise TypeError("network must be a pmo_analytics.schedule.Network (see build_network)")
        if int(iterations) < 2:
            raise ValueError(f"iterations must be >= 2, got {iterations}")
        if sampling not in _SAMPLING:
            raise ValueError(f"unknown sampling {sampling!r}: use 'lhs' or 'mc'")
        if int(block_size) < 2:
            raise ValueError("block_size must be >= 2")
        if pert_lambda <= 0:
            raise ValueError(f"pert_lambda must be > 0, got {pert_lambda}")
        if stop_when_converged and convergence_tol is None:
            raise ValueError("stop_when_converged needs a convergence_tol")
        self.network = network
        self.drivers: RiskDrivers = risk_drivers(risks, network)
        self.iterations = int(iterations)
        self.sampling = sampling
        self.pert_lambda = float(pert_lambda)
        self.block_size = int(block_size)
        if chunk_size is None:
            chunk_size = max(1, int(8_000_000 // max(network.n, 1)))
        self.chunk_blocks = max(1, int(round(chunk_size / self.block_size)))
        self.criticality = bool(criticality)
        self.store_samples = int(store_samples)
        self.convergence_tol = convergence_tol
        self.convergence_window = int(convergence_window)
        self.stop_when_converged = bool(stop_when_converged)
        self.progress = bool(progress)
        self.start_date = None if start_date is None else pd.Timestamp(start_date)
        self.calendar = calendar or WorkCalendar()
        self.deadline = deadline
        acts = network.activities
        unknown = set(acts["distribution"]) - set(DISTRIBUTIONS)
        if unknown:
            raise DataValidationError([Problem("activities", "", None, "distribution",
                                               f"unknown distribution(s) {sorted(unknown)}")])
        self._groups = [(kind, np.flatnonzero(acts["distribution"].to_numpy() == kind))
                        for kind in DISTRIBUTIONS if (acts["distribution"] == kind).any()]
        self._low = acts["min_duration"].to_numpy(float)
        self._mode = acts["most_likely"].to_numpy(float)
        self._high = acts["max_duration"].to_numpy(float)
        self._sampler = DurationSampler(acts["distribution"].to_numpy(), self._low, self._mode, self._high,
                                        self.pert_lambda)
        self._fixed = float(acts["fixed_cost"].sum())
        self._rate = acts["cost_rate"].to_numpy(float)
        self._correlation = self._correlation_sets(correlation, repair_correlation)
        corr_rows = np.concatenate([r for r, _ in self._correlation]) if self._correlation else np.zeros(0, int)
        if len(np.unique(corr_rows)) != len(corr_rows):
            raise ValueError("an activity is in more than one correlation set")
        self._correlated_rows = np.sort(corr_rows)
        n_rows = network.n + 2 * self.drivers.n
        self._uncorrelated_rows = np.setdiff1d(np.arange(n_rows), corr_rows)
        # sets of equal size are solved as one batch: (sets, k) rows and (sets, k, k) Cholesky factors
        by_size: dict = {}
        for rows, c in self._correlation:
            by_size.setdefault(len(rows), []).append((rows, np.linalg.cholesky(c)))
        self._fused = (sampling == "mc" and not self._correlation and len(self._groups) == 1
                       and self._groups[0][0] == "triangular" and bool(np.all(self._high > self._low)))
        self._ic_batches = [(np.stack([r for r, _ in v]), np.stack([f for _, f in v]))
                            for _, v in sorted(by_size.items())]
        self.track = list(network.milestones if track is None else track)
        self._track_rows = np.array([network.row(a) for a in self.track], dtype=int)
        # end activities: no FS/FF successor (their finish may be the project finish)
        lk = network.links
        drives = np.zeros(network.n, bool)
        drives[lk["pred_row"].to_numpy()[lk["type"].isin(["FS", "FF"]).to_numpy()]] = True
        self._end_rows = np.flatnonzero(~drives)
        if (lk["lag"].to_numpy(float) < 0).any():  # a lead can let a predecessor finish last
            self._end_rows = np.arange(network.n)
        self._deterministic = cpm(network)

    # ------------------------------------------------------------------ setup
    def _correlation_sets(self, correlation, repair):
        acts = self.network.activities
        if correlation is None:
            return []
        if isinstance(correlation, pd.DataFrame):
            ids = list(correlation.index)
            if list(correlation.columns) != ids:
                raise ValueError("a correlation DataFrame must have the same activity ids as index and columns")
            rows = np.array([self.network.row(a) for a in ids], dtype=int)
            c = check_correlation(correlation.to_numpy(float), repair=repair)
            return [(rows, c)]
        groups = acts["correlation_group"]
        names = sorted(groups.dropna().astype(str).unique())
        if isinstance(correlation, dict):
            unknown = set(correlation) - set(names)
            if unknown:
                raise ValueError(f"unknown correlation group(s) {sorted(unknown)}: groups are {names}")
            coef = {g: float(correlation[g]) for g in correlation}
        else:
            coef = {g: float(correlation) for g in names}
        sets = []
        for g, rho in coef.items():
            rows = np.flatnonzero(groups.astype("string").fillna("").to_numpy() == g)
            if len(rows) < 2:
                continue
            rows = rows[self._high[rows] > self._low[rows]]  # constant durations take no part
            if len(rows) < 2:
                continue
            c = check_correlation(group_matrix(len(rows), rho), repair=repair, name=f"correlation of group {g}")
            sets.append((rows, c))
        return sets

    @classmethod
    def from_portfolio(cls, portfolio, project_id: str, **options) -> ScheduleRiskModel:
        """Model of one project of a :class:`~pmo_analytics.tables.Portfolio`.

        Takes the project's activities, links and risks, its ``start_date``
        and ``committed_finish`` (converted to working days with the
        calendar) unless given in ``options``.
        """
        net = build_network(portfolio.activities, project_id, links=portfolio.links)
        proj = portfolio.projects.set_index("project_id").loc[project_id]
        cal = options.get("calendar") or WorkCalendar()
        options.setdefault("calendar", cal)
        start = proj.get("start_date") if "start_date" in proj.index else None
        if start is not None and not pd.isna(start):
            options.setdefault("start_date", start)
            fin = proj.get("committed_finish") if "committed_finish" in proj.index else None
            if fin is not None and not pd.isna(fin):
                options.setdefault("deadline", float(cal.working_days(start, fin)))
        return cls(net, portfolio.risks, **options)

    def __repr__(self) -> str:
        corr = f", {len(self._correlation)} correlated set(s)" if self._correlation else ""
        return (f"ScheduleRiskModel({self.network.project_id!r}: {self.network.n} activities, "
                f"{self.drivers.n} risks{corr}, {self.iterations} iterations, {self.sampling})")

    # -------------------------------------------------------------- sampling
    def _block_uniforms(self, b: int, seed: int, out: np.ndarray | None = None) -> np.ndarray:
        """Uniforms of block ``b``: rows = activities, risk occurrences, risk impacts.

        On the fused path (plain Monte Carlo, every duration triangular, no
        correlation) the durations are written into ``out`` directly and only
        the risk rows are returned.

        Latin hypercube: row ``i`` is ``(pi_i + v_i) / B`` with ``pi_i`` a
        random permutation of the strata ``0..B-1`` and ``v_i`` uniform. Rows
        in a correlation set are generated in stratum order and ordered by
        Iman-Conover instead of a random permutation.
        """
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
        B = self.block_size
        n_rows = self.network.n + 2 * self.drivers.n
        if self._fused and out is not None:
            # plain Monte Carlo, all triangular: numpy's triangular is the same inverse CDF of the same
            # stream of doubles (one per sample), fused in C; then the risk rows as usual
            n = self.network.n
            out[...] = rng.triangular(self._low[:, None], self._mode[:, None], self._high[:, None], size=(n, B))
            return rng.random((n_rows - n, B))
        u = rng.random((n_rows, B))
        lhs = self.sampling == "lhs"
        strata = np.arange(B, dtype=np.float64)
        if lhs:
            free = self._uncorrelated_rows
            if len(free) == n_rows:
                u += rng.permuted(np.broadcast_to(strata, (n_rows, B)), axis=1)
                u *= 1.0 / B
            elif len(free):
                u[free] = (u[free] + rng.permuted(np.broadcast_to(strata, (len(free), B)), axis=1)) * (1.0 / B)
        for rows, factor in self._ic_batches:
            x = u[rows]  # (sets, k, B)
            if lhs:  # correlated rows: strata in ascending order, then ordered by Iman-Conover
                x += strata
                x *= 1.0 / B
            u[rows] = iman_conover(x, None, rng, presorted=lhs, factor=factor)
        return u

    def _durations(self, u: np.ndarray, out: np.ndarray) -> None:
        """Inverse-CDF durations into ``out`` (quantile tables built once, see DurationSampler)."""
        self._sampler.ppf(u, out=out)

    # --------------------------------------------------------------- running
    def run(self, seed: int, mitigated=False, disabled: Iterable[str] = ()) -> RiskResult:
        """Simulate.

        Parameters
        ----------
        seed : int
            Seed of the random design; the same seed gives identical results.
        mitigated : bool or iterable of str, default False
            True: every risk at its post-mitigation values and its response
            cost added; or the ids of the risks to mitigate.
        disabled : iterable of str
            Risks switched off (for the tornado); random numbers are unchanged.

        Returns
        -------
        RiskResult
        """
        from .results import RiskResult

        if seed is None:
            raise ValueError("seed is required: pass an int so runs can be reproduced")
        seed = int(seed)
        dr = self.drivers
        if mitigated is True:
            mit = np.ones(dr.n, bool)
        elif mitigated is False or mitigated is None:
            mit = np.zeros(dr.n, bool)
        else:
            mit = dr.index(mitigated)
        off = dr.index(disabled) if dr.n else np.zeros(0, bool)
        mit = mit & ~off
        params = np.where(mit[:, None], dr.post, dr.pre) if dr.n else np.zeros((0, 7))
        response_cost = float(dr.table["mitigation_cost"].to_numpy(float)[mit & dr.has_mitigation].sum()) \
            if dr.n else 0.0

        net = self.network
        n_act, B, N = net.n, self.block_size, self.iterations
        n_blocks = math.ceil(N / B)
        finish = np.empty(N)
        cost = np.empty(N)
        track = np.empty((len(self._track_rows), N))
        n_store = min(N, self.store_samples // max(n_act, 1))
        store_d = np.empty((n_act, n_store), np.float32)
        store_ef = np.empty((n_act, n_store), np.float32)
        crit_blocks = np.zeros((n_blocks, n_act), np.int64) if self.criticality else None
        conv_rows = []
        done = N
        converged = None
        chunks = range(0, n_blocks, self.chunk_blocks)
        if self.progress:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, total=math.ceil(n_blocks / self.chunk_blocks), unit="chunk",
                          desc=f"{net.project_id or 'simulation'}")
        active = np.flatnonzero(~off) if dr.n else np.zeros(0, int)
        C_max = min(self.chunk_blocks, n_blocks) * B
        buf = {k: np.empty((n_act, C_max)) for k in ("D", "EF", "LF", "LS")}  # reused by every chunk
        for b0 in chunks:
            b1 = min(b0 + self.chunk_blocks, n_blocks)
            C = (b1 - b0) * B
            D = buf["D"][:, :C]
            U_occ = np.empty((dr.n, C))
            U_imp = np.empty((dr.n, C))
            def fill(b, D=D, U_occ=U_occ, U_imp=U_imp, b0=b0):
                # one block: its own seeded stream, disjoint columns, so blocks can be drawn in any
                # order or in parallel threads (numpy releases the GIL while it generates and computes)
                cols = slice((b - b0) * B, (b - b0 + 1) * B)
                if self._fused:
                    u = self._block_uniforms(b, seed, out=D[:, cols])
                    k = 0
                else:
                    u = self._block_uniforms(b, seed)
                    self._durations(u[:n_act], D[:, cols])
                    k = n_act
                if dr.n:
                    U_occ[:, cols] = u[k:k + dr.n]
                    U_imp[:, cols] = u[k + dr.n:]

            if b1 - b0 > 1 and _threads() > 1:
                list(_pool().map(fill, range(b0, b1)))
            else:
                for b in range(b0, b1):
                    fill(b)
            risk_cost = self._apply_risks(D, U_occ, U_imp, params, active) if dr.n else 0.0
            EF = forward_pass(net, D, out=buf["EF"][:, :C])
            T = EF[self._end_rows].max(axis=0)
            i0 = b0 * B
            i1 = min(i0 + C, N)
            m = i1 - i0
            finish[i0:i1] = T[:m]
            c = self._fixed + self._rate @ D + risk_cost + response_cost
            cost[i0:i1] = c[:m]
            if len(self._track_rows):
                track[:, i0:i1] = EF[self._track_rows, :m]
            if i0 < n_store:
                k = min(n_store, i1) - i0
                store_d[:, i0:i0 + k] = D[:, :k]
                store_ef[:, i0:i0 + k] = EF[:, :k]
            if self.criticality:
                LF = backward_pass(net, D, T, out=buf["LF"][:, :C], work=buf["LS"][:, :C])
                step = max(1, 65536 // C)
                for r0 in range(0, n_act, step):  # row slices: cache-sized temporaries
                    r1 = min(r0 + step, n_act)
                    crit = (LF[r0:r1] - EF[r0:r1]) <= CRITICAL_TOL
                    crit_blocks[b0:b1, r0:r1] = crit.reshape(r1 - r0, b1 - b0, B).sum(axis=2).T
                    if m < C:  # last partial block: count only real iterations
                        crit_blocks[b1 - 1, r0:r1] = crit[:, (b1 - 1 - b0) * B:m].sum(axis=1)
            stop = self._convergence(finish, cost, b0, b1, N, conv_rows)
            if stop is not None:
                done = stop
                converged = True
                break
        if self.convergence_tol is not None and converged is None:
            converged = bool(conv_rows and conv_rows[-1]["converged"])
            if not converged:
                warnings.warn(f"P80 finish/cost not stable within {self.convergence_tol:g} over the last "
                              f"{self.convergence_window} blocks of {N} iterations: increase iterations",
                              ConvergenceWarning, stacklevel=2)
        n_blk_done = math.ceil(done / B)
        crit_count = crit_blocks[:n_blk_done].sum(axis=0) if self.criticality else None
        n_store = min(n_store, done)
        return RiskResult(
            model=self, seed=seed, mitigated=tuple(np.array(dr.ids)[mit]) if dr.n else (),
            disabled=tuple(np.array(dr.ids)[off]) if dr.n else (),
            finish=finish[:done], cost=cost[:done], track=track[:, :done], crit_count=crit_count,
            stored_durations=store_d[:, :n_store], stored_finish=store_ef[:, :n_store],
            convergence=pd.DataFrame(conv_rows), converged=converged)

    def _apply_risks(self, D, U_occ, U_imp, params, active):
        dr = self.drivers
        C = D.shape[1]
        risk_cost = np.zeros(C)
        touched = sorted({int(r) for k in active for r in dr.rows[k]})
        if not touched:
            return risk_cost
        pos = {r: i for i, r in enumerate(touched)}
        add = np.zeros((len(touched), C))
        pct = np.zeros((len(touched), C))
        for k in active:
            p, smin, sml, smax, cmin, cml, cmax = params[k]
            occ = U_occ[k] < p
            if not occ.any():
                continue
            q = U_imp[k]
            imp = _tri_ppf(q, smin, sml, smax) * occ
            idx = [pos[int(r)] for r in dr.rows[k]]
            if dr.percent[k]:
                pct[idx] += imp / 100.0
            else:
                add[idx] += imp
            if cmax > 0:
                risk_cost += _tri_ppf(q, cmin, cml, cmax) * occ
        rows = np.array(touched)
        D[rows] = D[rows] * (1.0 + pct) + add
        return risk_cost

    def _convergence(self, finish, cost, b0, b1, N, rows):
        """Record P80 after each block of the chunk; return the iteration count to stop at, if any."""
        if self.convergence_tol is None:
            return None
        B, w, tol = self.block_size, self.convergence_window, self.convergence_tol
        for b in range(b0, b1):
            n = min((b + 1) * B, N)
            pf = float(np.quantile(finish[:n], 0.8))
            pc = float(np.quantile(cost[:n], 0.8))
            ok = False
            if len(rows) >= w:
                ref = rows[-w]
                ok = (abs(pf - ref["p80_finish"]) <= tol * max(abs(pf), 1e-12)
                      and abs(pc - ref["p80_cost"]) <= tol * max(abs(pc), 1e-12))
            rows.append({"iterations": n, "p80_finish": pf, "p80_cost": pc, "converged": ok})
            if ok and self.stop_when_converged:
                return n
        return None


def simulate(network: Network, risks: pd.DataFrame | None = None, *, seed: int, **options):
    """One-call simulation: ``ScheduleRiskModel(network, risks, **options).run(seed)``.

    See :class:`ScheduleRiskModel` for the options; returns a
    :class:`~pmo_analytics.risk.results.RiskResult`.
    """
    mitigated = options.pop("mitigated", False)
    return ScheduleRiskModel(network, risks, **options).run(seed, mitigated=mitigated)
