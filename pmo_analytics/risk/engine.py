"""The vectorised Monte Carlo engine for integrated schedule and cost risk: :class:`ScheduleRiskModel`.

Estimator protocol
------------------
Options (a required ``seed`` among them) go to the constructor, which only
checks and compiles them; :meth:`ScheduleRiskModel.run` simulates and
returns the model; results are trailing-underscore attributes (``finish_``,
``cost_``, ``criticality_``, ...) and the accessors of
:class:`~pmo_analytics.risk.results.RiskResults` (``percentiles()``,
``tornado()``, ``probability_finish_by()``, ``summary`` ...) read them. One
object answers every question about one simulation: there is no separate
result object to keep in step with its model.

Design
------
* Iterations are processed in **chunks**; inside a chunk every quantity is a
  numpy array of shape ``(activities, iterations)`` and the forward/backward
  passes loop over activities (compiled once in the network), never over
  iterations (:meth:`ScheduleRiskModel._simulate_chunk`).
* Random numbers come in fixed **blocks** of ``block_size`` iterations: block
  ``b`` draws from the stream ``(seed, b)`` (:func:`pmo_analytics.streams.stream`:
  ``PCG64(SeedSequence(seed, spawn_key=(b,)))``) a matrix of uniforms with one
  row per activity duration, then one row per risk occurrence and one per
  risk impact, always in that layout; Latin hypercube stratification and
  Iman-Conover correlation are applied within each block, and the risk
  drivers applied to the durations, by the sampling kernel shared with the
  portfolio model (:mod:`pmo_analytics.risk.sampling`). Chunks are
  whole numbers of blocks, so results are identical whatever the chunk size
  or the number of threads, and two runs that differ only in their risk
  settings (mitigation, a risk switched off for the tornado) see the same
  numbers: common random numbers.
* A chunk is split into ``threads`` runs of consecutive blocks, simulated in
  parallel (sampling, risks, forward and backward pass on each run's own
  columns; numpy releases the GIL while it generates and computes), on a
  pool made for the run, or on the caller's ``executor``.
* **Remaining work only**: a complete activity is not sampled; an activity in
  progress or not started samples its *remaining* duration, its three-point
  range scaled by remaining / most likely; percent risk impacts act on the
  remaining duration; the project cannot finish before the data date.
* Rows follow the network's canonical (sorted-id) order, so results do not
  depend on the order of the input rows.
* Memory is bounded by the chunk: finishes and costs per iteration are kept
  (two floats each), durations and finishes per activity as float32 only for
  the first ``store_samples`` activity-iterations (Spearman sensitivity,
  probabilistic Gantt); criticality is counted exactly over all iterations.

Cost model: ``cost = sum(fixed_cost) + sum(cost_rate * duration) + risk cost
impacts`` [currency] (+ response costs in a mitigated run), following AACE RP
57R-09; the duration of work done on a started activity is its planned
share (``most_likely - remaining``); an activity not started has done none,
whatever its remaining duration. A schedule without any cost has its cost
results "not assessed" (NaN), not 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceWarning, DataValidationError, DataWarning, Problem
from ..parallel import default_threads
from ..schedule.cpm import CRITICAL_TOL, backward_pass, cpm, forward_pass, project_finish
from ..schedule.network import Network, build_network
from ..streams import EVENTS, check_seed, stream
from .distributions import DISTRIBUTIONS
from .drivers import RiskDrivers, risk_drivers
from .events import BranchStep, RiskCalendarStep, windows_until
from .results import RiskResults
from .sampling import SAMPLING, BlockSampler, RiskDriverStep, block_uniforms, remaining_ranges

__all__ = ["ScheduleRiskModel", "simulate", "remaining_ranges", "done_durations"]

def done_durations(network: Network) -> np.ndarray:
    """Planned duration of the work done at the data date, per activity [unit], network row order.

    ``most_likely - remaining`` for a started activity (complete or in
    progress); 0 for one not started, whatever its remaining duration (a
    remaining duration revised before the start is a new estimate of the
    work, none of which is done). Both engines cost work done with it.
    """
    ml = network.activities["most_likely"].to_numpy(float)
    return np.where(network.status >= 1, ml - network.remaining, 0.0)


@dataclass
class _Draws:
    """What one simulation produced (before it becomes the model's attributes)."""

    finish: np.ndarray          # [unit after the start, project calendar]
    cost: np.ndarray            # [currency]
    track: np.ndarray           # tracked activities' finishes [unit after the start]
    crit_count: np.ndarray | None
    durations: np.ndarray       # stored remaining durations [unit] (float32)
    finishes: np.ndarray        # stored early finishes [kernel units, own calendar] (float32)
    convergence: list
    converged: bool | None
    exist_count: np.ndarray | None = None  # iterations each branch-path row exists [count]


class ScheduleRiskModel(RiskResults):
    """Integrated cost and schedule risk model of one project.

    Parameters
    ----------
    network : Network
        From :func:`pmo_analytics.schedule.build_network` (with dates,
        calendars and progress where known).
    risks : DataFrame, optional
        Risk register rows (see ``risks`` in the data model).
    seed : int
        Seed of the random design (required): the same seed gives identical
        results, whatever ``chunk_size`` and ``threads``.
    iterations : int, default 5000
        Number of Monte Carlo iterations [count].
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
        and Iman-Conover) [count]; part of the random design, so changing it
        changes the sample (the chunk size does not).
    chunk_size : int, optional
        Iterations per vectorised chunk (rounded to a multiple of
        ``block_size``) [count]; default about 8 million
        activity-iterations per thread (64 MB per thread for each of the
        four working arrays).
    criticality : bool, default True
        Run the backward pass to count how often each activity is critical.
    track : iterable of str, optional
        Activities whose finish is kept for every iteration (percentiles by
        milestone); default all milestones.
    store_samples : int, default 20_000_000
        Activity-iterations of durations and finishes kept (float32) for
        sensitivity and the probabilistic Gantt [count].
    convergence_tol : float, optional
        Relative tolerance on P80 finish and cost over the last
        ``convergence_window`` blocks; a
        :class:`~pmo_analytics.exceptions.ConvergenceWarning` is issued when
        not met at the end.
    convergence_window : int, default 3
        Blocks the tolerance is checked over [count].
    stop_when_converged : bool, default False
        Stop at the first block where the convergence test passes.
    progress : bool, default False
        Show a tqdm progress bar over chunks.
    deadline : float or date-like, optional
        Committed finish: [unit after the start] or a date (network with
        dates); used by ``summary`` and the health check.
    mitigated : bool or iterable of str, default False
        True: every risk at its post-mitigation values, its response cost
        added; or the ids of the risks to mitigate.
    disabled : iterable of str, default ()
        Risks switched off (the tornado does this one risk at a time);
        random numbers are unchanged.
    threads : int, optional
        Threads drawing sample blocks in parallel [count]; default the
        number of cores, at most 4. Results do not depend on it.
    executor : concurrent.futures.Executor or pmo_analytics.parallel.Executor, optional
        Run the block draws on this executor (owned by the caller) instead
        of a local thread pool made for each run.
    branches : DataFrame, optional
        Probabilistic branches (the ``branches`` table; rows of other
        projects are ignored): one branch taken per iteration, the paths of
        the others do not exist (:mod:`pmo_analytics.risk.events`); the
        deterministic plan takes the most likely branches.
    risk_calendars : DataFrame, optional
        The ``risk_calendars`` table: seasonal windows drawn per iteration
        that stop or slow the activities naming them in ``risk_calendar_id``
        (a network with dates).

    Attributes
    ----------
    finish_ : ndarray
        Project finish per iteration [unit after the start, project calendar].
    cost_ : ndarray
        Project cost per iteration [currency].
    tracked_finish_ : ndarray, shape (tracked activities, iterations)
        Finishes of ``track`` activities [unit after the start] (converted
        from the kernel's working hours when first read).
    criticality_ : Series or None
        Criticality index per activity [probability].
    deterministic_finish_ : float
        Finish of the most-likely CPM from the data date [unit after the start].
    deterministic_cost_ : float
        Cost of the most-likely plan [currency] (NaN when not assessed).
    cost_assessed_ : bool
        False when neither the activities nor the risks carry a cost.
    schedule_ : DataFrame
        The deterministic CPM (:func:`~pmo_analytics.schedule.cpm`).
    durations_ : ndarray
        Stored sampled remaining durations, activities x stored iterations [unit].
    iterations_ : int
        Iterations run [count] (fewer than asked when stopped on convergence).
    converged_ : bool or None
        Convergence test result (None when no tolerance was set).
    convergence_ : DataFrame
        P80 finish and cost after each block (when a tolerance was set).
    existence_ : Series
        Share of iterations in which each activity exists [probability]: 1
        except on the paths of probabilistic branches (criticality counts
        only the iterations where an activity exists).

    Examples
    --------
    >>> model = ScheduleRiskModel.from_portfolio(pf, "A-101", seed=1, iterations=5000)  # doctest: +SKIP
    >>> model.run().percentiles([50, 80])  # doctest: +SKIP
    """

    def __init__(self, network: Network, risks: pd.DataFrame | None = None, *, seed: int, iterations: int = 5000,
                 sampling: str = "lhs", pert_lambda: float = 4.0, correlation=None,
                 repair_correlation: bool = True, block_size: int = 1000, chunk_size: int | None = None,
                 criticality: bool = True, track: Iterable[str] | None = None,
                 store_samples: int = 20_000_000, convergence_tol: float | None = None,
                 convergence_window: int = 3, stop_when_converged: bool = False, progress: bool = False,
                 deadline=None, mitigated=False, disabled: Iterable[str] = (), threads: int | None = None,
                 executor: Executor | None = None, branches: pd.DataFrame | None = None,
                 risk_calendars: pd.DataFrame | None = None):
        if not isinstance(network, Network):
            raise ValueError("network must be a pmo_analytics.schedule.Network (see build_network)")
        seed = check_seed(seed)
        if int(iterations) < 2:
            raise ValueError(f"iterations must be >= 2, got {iterations}")
        if sampling not in SAMPLING:
            raise ValueError(f"unknown sampling {sampling!r}: use 'lhs' or 'mc'")
        if int(block_size) < 2:
            raise ValueError("block_size must be >= 2")
        if pert_lambda <= 0:
            raise ValueError(f"pert_lambda must be > 0, got {pert_lambda}")
        if stop_when_converged and convergence_tol is None:
            raise ValueError("stop_when_converged needs a convergence_tol")
        if threads is not None and int(threads) < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.network = network
        self.seed = int(seed)
        self.iterations = int(iterations)
        self.sampling = sampling
        self.pert_lambda = float(pert_lambda)
        self.block_size = int(block_size)
        self.criticality = bool(criticality)
        self.store_samples = int(store_samples)
        self.convergence_tol = convergence_tol
        self.convergence_window = int(convergence_window)
        self.stop_when_converged = bool(stop_when_converged)
        self.progress = bool(progress)
        self.threads = int(threads) if threads is not None else default_threads()
        if chunk_size is None:  # each thread's run of blocks keeps about 8 million activity-iterations
            chunk_size = max(1, int(8_000_000 * self.threads // max(network.n, 1)))
        self.chunk_blocks = max(1, int(round(chunk_size / self.block_size)))
        self.executor = executor
        self.deadline = self._deadline_days(deadline)
        self.drivers: RiskDrivers = risk_drivers(risks, network)
        self.mitigated = self._risk_mask(mitigated)
        self.disabled = self.drivers.index(disabled) if self.drivers.n else np.zeros(0, bool)
        acts = network.activities
        unknown = set(acts["distribution"]) - set(DISTRIBUTIONS)
        if unknown:
            raise DataValidationError([Problem("activities", "", None, "distribution",
                                               f"unknown distribution(s) {sorted(unknown)}")])
        # remaining work: ranges scaled to the remaining duration, complete activities fixed at 0; their inverse
        # CDFs prepared once (BetaPERT quantile tables, closed forms); the block layout, correlation sets and
        # risk drivers of the sampling kernel shared with the portfolio model
        self._sampler = BlockSampler.for_network(network, 2 * self.drivers.n, block_size=self.block_size,
                                                 sampling=sampling, pert_lambda=self.pert_lambda,
                                                 correlation=correlation, repair=repair_correlation, fuse=True)
        self._correlation = self._sampler.sets
        self._scale = network._plan.scale if network.has_dates else None
        self._fixed = float(acts["fixed_cost"].sum())
        self._rate = acts["cost_rate"].to_numpy(float)
        self._done_cost = float(self._rate @ done_durations(network))  # work done, at its planned duration
        self.track = list(network.milestones if track is None else track)
        unknown = [a for a in self.track if a not in network.activities.index]
        if unknown:
            raise ValueError(f"track: unknown activit(ies) {unknown[:10]} in {network._name()}")
        self._track_rows = np.array([network.row(a) for a in self.track], dtype=int)
        # risks on complete work only have passed: their schedule impact is void (reported once)
        self._risks = RiskDriverStep.compile(self.drivers, network.status)
        gone = self._risks.passed
        if gone:
            warnings.warn(f"risk(s) {', '.join(gone)} affect only complete activities: their schedule impact is "
                          "left out (cost impacts still count)", DataWarning, stacklevel=2)
        # schedule events: probabilistic branches and risk calendars, drawn from the block's event stream
        self._branches = BranchStep.compile(branches, network)
        self._exists0 = (self._branches.most_likely_exists(network.n) if self._branches is not None
                         else np.ones(network.n, bool))
        self._calendars = RiskCalendarStep.compile(risk_calendars, network,
                                                   until=windows_until(network, self._sampler.high, self.drivers))
        self._n_events = (self._branches.n if self._branches is not None else 0) + \
            (self._calendars.n if self._calendars is not None else 0)
        self._fixed_rows = acts["fixed_cost"].to_numpy(float)
        dr = self.drivers
        self.cost_assessed_ = bool(self._fixed > 0 or (self._rate > 0).any() or
                                   (dr.n and (np.nanmax(np.r_[dr.pre[:, 4:7].ravel(), dr.post[:, 4:7].ravel()]) > 0)))

    # ------------------------------------------------------------------ setup
    def _deadline_days(self, deadline):
        if deadline is None or (not isinstance(deadline, str) and pd.isna(deadline)):
            return None
        if isinstance(deadline, (pd.Timestamp, np.datetime64, str)) or hasattr(deadline, "year"):
            if not self.network.has_dates:
                raise ValueError("a deadline date needs a network with a start_date; give it in working days")
            return float(self.network.working_days(deadline))
        return float(deadline)

    def _risk_mask(self, mitigated) -> np.ndarray:
        dr = self.drivers
        if mitigated is True:
            return np.ones(dr.n, bool)
        if mitigated is False or mitigated is None:
            return np.zeros(dr.n, bool)
        return dr.index(mitigated)

    @classmethod
    def from_portfolio(cls, portfolio, project_id: str, *, seed: int, progress_mode: str = "retained",
                       **options) -> ScheduleRiskModel:
        """Model of one project of a :class:`~pmo_analytics.tables.Portfolio`.

        Takes the project's activities, links, calendars, start and data
        date (:func:`~pmo_analytics.schedule.build_network`), its risks, and
        its ``committed_finish`` as the deadline unless given in ``options``.
        ``progress_mode`` is the network's handling of out-of-sequence
        progress (``retained`` or ``override``).
        """
        net = build_network(portfolio, project_id, progress=progress_mode)
        if "deadline" not in options and net.has_dates:
            proj = portfolio.projects.set_index("project_id").loc[project_id]
            fin = proj.get("committed_finish") if "committed_finish" in proj.index else None
            if fin is not None and not pd.isna(fin):
                options["deadline"] = pd.Timestamp(fin)
        for name in ("branches", "risk_calendars"):
            if name not in options and portfolio.has(name):
                options[name] = portfolio.tables[name]
        return cls(net, portfolio.risks, seed=seed, **options)

    def __repr__(self) -> str:
        corr = f", {len(self._correlation)} correlated set(s)" if self._correlation else ""
        head = (f"ScheduleRiskModel({self.network.project_id!r}: {self.network.n} activities, "
                f"{self.drivers.n} risks{corr}, {self.iterations} iterations, {self.sampling}, seed {self.seed}")
        if not self._fitted:
            return head + "; unfitted)"
        return head + "; " + self._result_text() + ")"

    @property
    def tracked_finish_(self) -> np.ndarray:
        if "tracked" not in self._cache:
            self._cache["tracked"] = self.network.row_days(self._track_rows, self._tracked_kernel)
        return self._cache["tracked"]

    @property
    def _fitted(self) -> bool:
        return hasattr(self, "finish_")

    # -------------------------------------------------------------- sampling
    @property
    def _fused(self) -> bool:
        """Durations drawn by numpy's triangular (plain Monte Carlo, all triangular, no correlation)."""
        return self._sampler.fused

    @_fused.setter
    def _fused(self, value: bool) -> None:  # the generic path, for comparisons
        self._sampler = replace(self._sampler, fused=bool(value) and self._sampler.fused)

    def _sample_block(self, b: int, b0: int, D: np.ndarray, U_occ: np.ndarray, U_imp: np.ndarray,
                      work: dict | None = None) -> None:
        """Draw block ``b`` of a chunk starting at block ``b0``: durations into ``D``, risk uniforms into ``U_*``.

        Each block has its own seeded stream ``(seed, b)`` and writes disjoint
        columns, so blocks can be drawn in any order or in parallel threads.
        ``work``: the buffers of one thread's run of blocks.
        """
        B = self.block_size
        n_risk = self.drivers.n
        cols = slice((b - b0) * B, (b - b0 + 1) * B)
        _, rest = self._sampler.draw(stream(self.seed, b), out=D[:, cols], work=work)
        if n_risk:
            U_occ[:, cols] = rest[:n_risk]
            U_imp[:, cols] = rest[n_risk:]

    # --------------------------------------------------------------- running
    def run(self) -> ScheduleRiskModel:
        """Simulate; the results become the model's trailing-underscore attributes.

        Returns
        -------
        ScheduleRiskModel
            ``self``.
        """
        net = self.network
        D0 = net.remaining * self._exists0  # the deterministic plan takes the most likely branches
        if not hasattr(self, "_deterministic"):  # depends on the network only: once per model
            T = project_finish(net, forward_pass(net, D0 * net._plan.scale))
            self._deterministic = (cpm(net, durations=D0) if self._branches is not None else cpm(net),
                                   float(net.to_days(T)) if net.has_dates else float(T))
        self.schedule_, self.deterministic_finish_ = self._deterministic
        fixed = self._fixed - float(self._fixed_rows @ ~self._exists0)
        self.deterministic_cost_ = float(fixed + self._done_cost + self._rate @ D0) \
            if self.cost_assessed_ else float("nan")
        draws = self._simulate(self.mitigated, self.disabled, store=True, crit=self.criticality)
        self.finish_ = draws.finish
        self.cost_ = draws.cost
        self._tracked_kernel = draws.track
        self.iterations_ = len(draws.finish)
        self.criticality_ = (pd.Series(draws.crit_count / self.iterations_, index=net.activities.index,
                                       name="criticality") if draws.crit_count is not None else None)
        exist = np.ones(net.n)
        if self._branches is not None:
            exist[self._branches.rows] = draws.exist_count / self.iterations_
        self.existence_ = pd.Series(exist, index=net.activities.index, name="existence")
        self.durations_ = draws.durations
        self._stored_finishes = draws.finishes
        self.convergence_ = pd.DataFrame(draws.convergence)
        self.converged_ = draws.converged
        self._cache = {}
        return self

    def _simulate(self, mitigated: np.ndarray, disabled: np.ndarray, store: bool, crit: bool) -> _Draws:
        """Run the simulation for given risk settings (common random numbers across settings)."""
        dr = self.drivers
        off = disabled if dr.n else np.zeros(0, bool)
        mit = mitigated & ~off
        params = np.where(mit[:, None], dr.post, dr.pre) if dr.n else np.zeros((0, 7))
        response_cost = float(dr.table["mitigation_cost"].to_numpy(float)[mit & dr.has_mitigation].sum()) \
            if dr.n else 0.0
        active = np.flatnonzero(~off) if dr.n else np.zeros(0, int)
        net = self.network
        n_act, B, N = net.n, self.block_size, self.iterations
        n_blocks = math.ceil(N / B)
        n_store = min(N, self.store_samples // max(n_act, 1)) if store else 0
        st = {"finish": np.empty(N), "cost": np.empty(N), "track": np.empty((len(self._track_rows), N)),
              "store_d": np.empty((n_act, n_store), np.float32), "store_ef": np.empty((n_act, n_store), np.float32),
              "crit": np.zeros((n_blocks, n_act), np.int64) if crit else None, "n_store": n_store,
              "exist": np.zeros((n_blocks, len(self._branches.rows)), np.int64) if self._branches is not None
              else None}
        conv_rows: list = []
        done, converged = N, None
        chunks = range(0, n_blocks, self.chunk_blocks)
        if self.progress:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, total=math.ceil(n_blocks / self.chunk_blocks), unit="chunk",
                          desc=f"{net.project_id or 'simulation'}")
        C_max = min(self.chunk_blocks, n_blocks) * B
        buf = {k: np.empty((n_act, C_max)) for k in ("D", "EF", "LF", "LS")}  # reused by every chunk
        if self.executor is not None:
            pool = nullcontext(self.executor)
        elif self.threads > 1 and self.chunk_blocks > 1 and n_blocks > 1:
            pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="pmo-risk")
        else:
            pool = nullcontext(None)
        with pool as ex:
            for b0 in chunks:
                b1 = min(b0 + self.chunk_blocks, n_blocks)
                self._simulate_chunk(b0, b1, buf, st, params, active, response_cost, ex, crit)
                stop = self._convergence(st["finish"], st["cost"], b0, b1, N, conv_rows)
                if stop is not None:
                    done, converged = stop, True
                    break
        if self.convergence_tol is not None and converged is None:
            converged = bool(conv_rows and conv_rows[-1]["converged"])
            if not converged:
                warnings.warn(f"P80 finish/cost not stable within {self.convergence_tol:g} over the last "
                              f"{self.convergence_window} blocks of {N} iterations: increase iterations",
                              ConvergenceWarning, stacklevel=3)
        n_blk_done = math.ceil(done / B)
        crit_count = st["crit"][:n_blk_done].sum(axis=0) if crit else None
        k = min(n_store, done)
        exist_count = st["exist"][:n_blk_done].sum(axis=0) if st["exist"] is not None else None
        return _Draws(st["finish"][:done], st["cost"][:done], st["track"][:, :done], crit_count,
                      st["store_d"][:, :k], st["store_ef"][:, :k], conv_rows, converged, exist_count)

    def _simulate_chunk(self, b0, b1, buf, st, params, active, response_cost, ex, crit) -> None:
        """Simulate blocks ``b0 .. b1-1``, split into one run of consecutive blocks per thread.

        Each run samples its blocks, applies the risks and does the forward
        (and backward) pass on its own columns of the chunk's buffers: every
        step works column by column (the cost sum block by block), so the
        numbers do not depend on how the chunk is split.
        """
        n = b1 - b0
        parts = min(n, self.threads if ex is not None else 1)
        if parts <= 1:
            self._simulate_blocks(b0, b1, b0, buf, st, params, active, response_cost, crit)
            return
        cuts = [b0 + (n * k) // parts for k in range(parts + 1)]
        list(ex.map(lambda k: self._simulate_blocks(cuts[k], cuts[k + 1], b0, buf, st, params, active,
                                                    response_cost, crit), range(parts)))

    def _simulate_blocks(self, g0, g1, b0, buf, st, params, active, response_cost, crit) -> None:
        """Blocks ``g0 .. g1-1`` of the chunk starting at block ``b0``: sample, risks, passes, record."""
        net = self.network
        dr = self.drivers
        n_act, B, N = net.n, self.block_size, self.iterations
        c0, c1 = (g0 - b0) * B, (g1 - b0) * B
        C = c1 - c0
        D = buf["D"][:, c0:c1]
        U_occ = np.empty((dr.n, C))
        U_imp = np.empty((dr.n, C))
        work: dict = {}  # buffers reused by this run's blocks
        for b in range(g0, g1):
            self._sample_block(b, g0, D, U_occ, U_imp, work)
        risk_cost = self._apply_risks(D, U_occ, U_imp, params, active) if dr.n else np.zeros(C)
        i0 = g0 * B
        i1 = min(i0 + C, N)
        m = i1 - i0
        if i1 <= i0:
            return
        U_ev = self._event_uniforms(g0, g1) if self._n_events else None
        exists = None
        if self._branches is not None:  # the paths of the branches not taken do not exist: 0 days, no cost
            exists = self._branches.apply(D, U_ev[:self._branches.n])
            for k in range(0, C, B):  # counted block by block; the last block's real iterations only
                st["exist"][g0 + k // B] = exists[:, k:min(k + B, m)].sum(axis=1)
        cost = np.empty(C)
        for k in range(0, C, B):  # one block at a time: the same sums however the chunk is split;
            # einsum's own loop, not BLAS: OpenBLAS's threads would compete with the engine's for the cores
            np.einsum("i,ij->j", self._rate, D[:, k:k + B], out=cost[k:k + B])
        cost += self._fixed + self._done_cost  # the order of the sums of one iteration's cost, as ever
        cost += risk_cost
        cost += response_cost
        if exists is not None:
            rows = self._branches.rows
            cost -= self._fixed_rows[rows] @ ~exists
        st["cost"][i0:i1] = cost[:m]
        if i0 < st["n_store"]:
            k = min(st["n_store"], i1) - i0
            st["store_d"][:, i0:i0 + k] = D[:, :k]
        if self._scale is not None:
            D *= self._scale[:, None]  # working days -> hours of each activity's calendar
        stretch = (self._calendars.stretch(U_ev[-self._calendars.n:]) if self._calendars is not None else None)
        EF = forward_pass(net, D, out=buf["EF"][:, c0:c1], stretch=stretch)
        T = project_finish(net, EF)
        st["finish"][i0:i1] = net.to_days(T[:m]) if net.has_dates else T[:m]
        if len(self._track_rows):  # kernel units: converted when reported (quantiles commute with it)
            st["track"][:, i0:i1] = EF[self._track_rows, :m]
        if i0 < st["n_store"]:
            k = min(st["n_store"], i1) - i0
            st["store_ef"][:, i0:i0 + k] = EF[:, :k]
        if crit:
            LF = backward_pass(net, D, T, out=buf["LF"][:, c0:c1], work=buf["LS"][:, c0:c1])
            step = max(1, 65536 // C)
            tol = CRITICAL_TOL * (self._scale[:, None] if self._scale is not None else 1.0)
            incomplete = (net.status != 2)[:, None] if (net.status == 2).any() else None
            for r0 in range(0, n_act, step):  # row slices: cache-sized temporaries
                r1 = min(r0 + step, n_act)
                tol_r = tol[r0:r1] if np.ndim(tol) else tol
                c = (LF[r0:r1] - EF[r0:r1]) <= tol_r
                if incomplete is not None:
                    c &= incomplete[r0:r1]
                if exists is not None:  # an activity on a branch not taken is not critical
                    rows = self._branches.rows
                    sel = (rows >= r0) & (rows < r1)
                    if sel.any():
                        c[rows[sel] - r0] &= exists[sel]
                c8 = c.view(np.uint8)  # counted as bytes: cheaper than summing booleans
                st["crit"][g0:g1, r0:r1] = c8.reshape(r1 - r0, g1 - g0, B).sum(axis=2, dtype=np.int32).T
                if m < C:  # last partial block: count only real iterations
                    st["crit"][g1 - 1, r0:r1] = c8[:, (g1 - 1 - g0) * B:m].sum(axis=1, dtype=np.int32)

    def _event_uniforms(self, g0: int, g1: int) -> np.ndarray:
        """Uniforms of the schedule events of blocks ``g0 .. g1-1``: branches, then risk-calendar windows.

        Each block draws from its own stream ``(seed, b, EVENTS)`` (Latin
        hypercube per row with ``sampling="lhs"``).
        """
        B = self.block_size
        return np.concatenate([block_uniforms(stream(self.seed, b, EVENTS), self._n_events, B, self.sampling)
                               for b in range(g0, g1)], axis=1)

    def _apply_risks(self, D, U_occ, U_imp, params, active):
        """Risk drivers of the ``active`` risks on durations ``D`` in place; returns their cost [currency] per iteration."""
        step = self._risks
        if not len(active):
            return np.zeros(D.shape[1])
        sched, cost = step.effects(params[active], U_occ[active], U_imp[active], which=active)
        pct, add = step.zeros(D.shape[1])
        step.accumulate(active, sched, pct, add)
        step.apply(D, pct, add)
        return cost.sum(axis=0)  # risk by risk, in register order

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


def simulate(network: Network, risks: pd.DataFrame | None = None, *, seed: int, **options) -> ScheduleRiskModel:
    """One-call simulation: ``ScheduleRiskModel(network, risks, seed=seed, **options).run()``."""
    return ScheduleRiskModel(network, risks, seed=seed, **options).run()
