"""Portfolio Monte Carlo: every project simulated together, with common random numbers.

What one simulation of the portfolio couples that project-by-project runs cannot:

* **Cross-project links.** ``precedes`` rows of the ``dependencies`` table:
  a project cannot start before its predecessor's simulated finish, so a
  late predecessor pushes its successor's spend into later periods.
* **Shared risks.** A register row whose ``affected_activities`` names
  activities of several projects (``A-102/A150``, see
  :func:`~pmo_analytics.tables.spec.split_activity_ref`) occurs *once* per
  iteration and then hits every activity it names, in every project (one
  supplier, one regulator). Its cost impact is split equally over the
  activities it affects (as in the single-project model,
  :func:`~pmo_analytics.risk.drivers.risk_drivers`).
* **Reference-class correlation.** Projects of one reference class
  (``projects.category``) share estimating bias: their total costs are given
  the rank correlation ``class_correlation`` by reordering whole iterations
  of each project with Iman-Conover (Iman & Conover 1982), which leaves each
  project's own distribution (and the consistency of its cost, dates and
  spend within an iteration) untouched. Projects without a schedule draw
  their cost and duration from the lognormal fitted to the class's
  actual/estimated ratios in the ``history`` table
  (:func:`reference_class_distributions`), with the cost-duration rank
  correlation observed in the class.

Time and money
--------------
Time runs in working days from the start of portfolio period 1; a period is
``period_days`` working days (63 ~ a quarter, 21 ~ a month). A project starts
at the start of its start period (``earliest_start`` for active projects, the
selected start for proposals), later when a predecessor finishes late. An
activity's cost (``fixed_cost + cost_rate * duration`` plus its share of risk
cost impacts) is spent uniformly between its early start and early finish; a
project without a schedule spends each period of its cost profile uniformly
over that period stretched by its sampled duration ratio. Spend after period
H is reported as "after the horizon".

Schedule events
---------------
Probabilistic branches, risk calendars and conditional risks
(:mod:`pmo_analytics.risk.events`, :mod:`pmo_analytics.risk.drivers`) are
simulated as the schedule engine simulates them, by the same code: a
project's branches and risk-calendar windows are drawn from its stream ``(b,
EVENTS, key(project_id))``; the paths of branches not taken last 0 days and
spend nothing; the windows act on the dates of the project's own schedule
(its calendars from its start or data date: a delay that a cross-project
link adds does not move its weather). A conditional risk and its parent must
both be local to the project: a register where a shared risk (one that
names activities of several projects) has a parent, or is one, is refused
with the risk named.

Projects under way
------------------
A schedule with progress (actual dates, a ``data_date``), constraint dates or
calendars is built with its dates (:func:`~pmo_analytics.schedule.build_network`
from the portfolio) and simulated as
:class:`~pmo_analytics.risk.engine.ScheduleRiskModel` simulates it: complete
activities keep their actuals, the others sample their *remaining* duration
(the three-point range scaled by remaining / most likely,
:func:`~pmo_analytics.risk.sampling.remaining_ranges`), on their calendars, no
remaining work before the data date (P6's retained logic, or progress
override with ``progress_mode``). Its data date (or its start, when later)
is placed at the start of its start period, and times are working days of
the project calendar from there. The work done before the data date (its
planned share ``most_likely - remaining`` at the cost rate, and the fixed
cost in proportion) is in the project's cost, as in the schedule engine, but
in no period's spend; a risk whose activities are all complete delays
nothing, and its cost, when it occurs, is spent at the data date. A late
predecessor project delays the remaining work as a whole. Without progress,
the dated and the plain schedule give the same numbers.

Random numbers
--------------
Iterations come in blocks of ``block_size``. Each project draws block ``b``
from the stream ``(seed, b, PROJECT, key(project_id))``
(:func:`pmo_analytics.streams.stream`: ``PCG64(SeedSequence(seed,
spawn_key=(b, 0, key(project_id))))``), each shared risk from ``(b, SHARED,
key(risk_id))`` and each reference class its Iman-Conover scores from ``(b,
CLASS, key(class))``, with ``key`` the stable 64-bit hash of the id
(:func:`pmo_analytics.streams.stable_key`). So a project sees the same numbers whatever else is simulated
(common random numbers between a run with and without a proposal, with and
without mitigation), and a block gives the same numbers whichever thread,
process or cluster worker runs it (:mod:`pmo_analytics.parallel`). One
exception: with ``class_correlation > 0``, the Iman-Conover reordering pairs
a class's members by their order, so adding a member (a proposal in that
class) can re-pair the others' iterations; each project's distribution, and
the class's correlation, stay as stated.

Switching the sampler
---------------------
A project's durations for one block come from one function,
:func:`sample_schedule_block` (the sampling kernel shared with the schedule
engine, :class:`~pmo_analytics.risk.sampling.BlockSampler`: the project's
:class:`~pmo_analytics.risk.distributions.DurationSampler` over Latin
hypercube uniforms, Iman-Conover within correlation groups); its risks are
applied by the kernel's :class:`~pmo_analytics.risk.sampling.RiskDriverStep`,
as in the schedule engine. Another block
sampler (the engine's) replaces it by being passed as ``sampler=`` to
:class:`PortfolioRiskModel`: any function
``sampler(project, b, seed, block_size, sampling, pert_lambda) -> (D0,
U_occ, U_imp)`` with the same layout.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special

from ..exceptions import DataWarning, PMOError
from ..schedule.cpm import forward_pass, project_finish
from ..schedule.network import Network, build_network
from ..streams import EVENTS, CLASS, PROJECT, SHARED, check_seed, stable_key, stream
from ..tables.graph import split_list, topological_order
from ..tables.spec import split_activity_ref
from .correlation import check_correlation, group_matrix, iman_conover, spearman_to_pearson
from .distributions import DISTRIBUTIONS
from .drivers import risk_drivers
from .engine import done_durations
from .events import BranchStep, RiskCalendarStep, windows_until
from .sampling import SAMPLING, BlockSampler, RiskDriverStep, block_uniforms, ic_factor

__all__ = ["PortfolioRiskModel", "reference_class_distributions", "sample_schedule_block", "simulate_block",
           "stream", "stable_key", "accrue", "spearman_to_pearson", "CompiledPortfolio", "ScheduleProject",
           "ProfileProject"]

def _wsum(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``w @ X`` without BLAS (einsum's own loop), so every process computes the same bits."""
    return np.einsum("i,ij->j", w, X)


# ---------------------------------------------------------------- reference classes
def reference_class_distributions(history: pd.DataFrame | None, min_class_size: int = 3) -> pd.DataFrame:
    """Lognormal fits of actual/estimated cost and duration per reference class.

    Parameters
    ----------
    history : DataFrame
        The ``history`` table (``reference_class``, ``estimated_cost``,
        ``actual_cost`` [currency], ``estimated_duration``,
        ``actual_duration`` [periods]).
    min_class_size : int, default 3
        Classes with fewer past projects take the pooled fit (row ``"*"``).

    Returns
    -------
    DataFrame
        Indexed by ``reference_class`` (plus ``"*"``, all classes pooled):
        ``n``, ``cost_mu``, ``cost_sigma`` (mean and standard deviation of
        ``log(actual / estimated cost)``), ``duration_mu``,
        ``duration_sigma`` (same for duration), ``rank_correlation``
        (Spearman correlation of the two ratios in the class),
        ``pooled`` (True where the class took the pooled fit).

    Notes
    -----
    Maximum-likelihood lognormal (``mu`` = mean of the log ratios, ``sigma``
    their standard deviation with ``n - 1``), the usual model of cost
    overruns in reference class forecasting (Flyvbjerg, "Curbing optimism
    bias and strategic misrepresentation in planning: reference class
    forecasting in practice", *European Planning Studies* 16(1), 2008).
    Rows with a non-positive ratio are left out. The cost quantile
    ``exp(mu + sigma z_q)`` is the parametric counterpart of the empirical
    uplift of :func:`~pmo_analytics.intake.reference_class.reference_class_uplifts`.

    Examples
    --------
    >>> h = pd.DataFrame({"reference_class": ["IT"] * 3, "estimated_cost": [1.0, 1.0, 1.0],
    ...                   "actual_cost": [1.0, np.e, np.e ** 2], "estimated_duration": [1.0] * 3,
    ...                   "actual_duration": [1.0] * 3})
    >>> round(float(reference_class_distributions(h).loc["IT", "cost_mu"]), 6)
    1.0
    """
    cols = ["n", "cost_mu", "cost_sigma", "duration_mu", "duration_sigma", "rank_correlation", "pooled"]
    if history is None or len(history) == 0:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="reference_class"))
    need = ["reference_class", "estimated_cost", "actual_cost", "estimated_duration", "actual_duration"]
    missing = [c for c in need if c not in history.columns]
    if missing:
        raise PMOError(f"history table lacks column(s) {missing}")
    h = history[need].copy()
    rc = h["actual_cost"].astype(float) / h["estimated_cost"].astype(float)
    rd = h["actual_duration"].astype(float) / h["estimated_duration"].astype(float)
    ok = (rc > 0) & (rd > 0) & np.isfinite(rc) & np.isfinite(rd)
    if not ok.all():
        warnings.warn(f"history: {int((~ok).sum())} row(s) with a non-positive outturn ratio left out of the "
                      "reference-class fits", DataWarning, stacklevel=2)
    h = h[ok].assign(lc=np.log(rc[ok]), ld=np.log(rd[ok]))

    def fit(g):
        n = len(g)
        sd = (lambda x: float(np.std(x, ddof=1)) if n > 1 else 0.0)
        rho = 0.0
        if n > 2 and g["lc"].nunique() > 1 and g["ld"].nunique() > 1:
            rho = float(pd.Series(g["lc"].to_numpy()).corr(pd.Series(g["ld"].to_numpy()), method="spearman"))
        return [n, float(g["lc"].mean()), sd(g["lc"]), float(g["ld"].mean()), sd(g["ld"]), rho]

    rows = {"*": fit(h) + [False]}
    for cls, g in h.groupby(h["reference_class"].astype(str), sort=True):
        rows[cls] = fit(g) + [False] if len(g) >= int(min_class_size) else rows["*"][:-1] + [True]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    out["n"] = out["n"].astype(int)
    out.index.name = "reference_class"
    return out


def _class_fit(fits: pd.DataFrame, cls: str) -> tuple[float, float, float, float, float]:
    """(cost_mu, cost_sigma, duration_mu, duration_sigma, rank_correlation) of a class, pooled when absent."""
    if cls in fits.index:
        r = fits.loc[cls]
    elif "*" in fits.index:
        r = fits.loc["*"]
    else:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    return (float(r["cost_mu"]), float(r["cost_sigma"]), float(r["duration_mu"]), float(r["duration_sigma"]),
            float(r["rank_correlation"]))


# ---------------------------------------------------------------- compiled projects
@dataclass(frozen=True, eq=False)
class ScheduleProject:
    """One project simulated on its activity network (built by :class:`PortfolioRiskModel`).

    Arrays are in the network's row order. ``design`` draws a block of the
    project's remaining durations and local-risk uniforms (the sampling
    kernel's :class:`~pmo_analytics.risk.sampling.BlockSampler`; its
    ``low``/``mode``/``high`` are the ranges of the *remaining* durations,
    the planned ones without progress); ``risks`` is the register compiled
    against the network (:class:`~pmo_analytics.risk.sampling.RiskDriverStep`:
    the rows sharing each risk's cost impact, the incomplete ones taking its
    schedule impact). ``local`` are risk indices (into ``params`` and
    ``risks``) drawn from the project's own stream, ``shared`` those drawn
    from the shared streams. ``fixed`` is the fixed cost still to spend per
    activity and ``sunk`` the cost of the work done before the data date
    [currency].

    A *dated* project (progress, constraints, a data date or calendars) runs
    on its calendars from its data date: ``scale`` converts working days to
    each activity's kernel units, ``floor_days`` is the data date (or the
    start, when later) in working days of the project calendar after the
    start, ``cal_rows`` groups the incomplete rows on other calendars than
    the project's by calendar and ``done`` lists the complete rows, whose
    ``actual_days`` (finish, relative to the floor; NaN for the others) are
    reported for tracked milestones.
    """

    project_id: str
    key: int
    reference_class: str
    start: float
    network: Network
    design: BlockSampler
    fixed: np.ndarray
    rate: np.ndarray
    risks: RiskDriverStep
    params: np.ndarray
    local: np.ndarray
    shared: np.ndarray
    response_cost: float
    end_rows: np.ndarray
    plan_days: float
    plan_cost: float
    duration_periods: int
    sunk: float = 0.0
    dated: bool = False
    scale: np.ndarray | None = None
    floor_days: float = 0.0
    cal_rows: tuple = ()
    done: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    actual_days: np.ndarray | None = None
    branches: BranchStep | None = None
    calendars: RiskCalendarStep | None = None

    @property
    def n_events(self) -> int:
        """Uniform rows of the project's schedule events per iteration (branches, then windows) [count]."""
        return (self.branches.n if self.branches is not None else 0) + \
            (self.calendars.n if self.calendars is not None else 0)

    @property
    def n(self) -> int:
        return self.network.n

    @property
    def n_local(self) -> int:
        return int(len(self.local))

    @property
    def low(self) -> np.ndarray:
        return self.design.low

    @property
    def mode(self) -> np.ndarray:
        return self.design.mode

    @property
    def high(self) -> np.ndarray:
        return self.design.high

    @property
    def touched(self) -> np.ndarray:
        return self.risks.touched

    @property
    def risk_ids(self) -> tuple:
        return self.risks.ids


@dataclass(frozen=True, eq=False)
class ProfileProject:
    """A project without a schedule: its cost profile, scaled by reference-class outturn ratios."""

    project_id: str
    key: int
    reference_class: str
    start: float
    profile: np.ndarray
    duration_periods: int
    cost_mu: float
    cost_sigma: float
    duration_mu: float
    duration_sigma: float
    copula_rho: float

    @property
    def plan_cost(self) -> float:
        return float(self.profile.sum())


@dataclass(frozen=True, eq=False)
class CompiledPortfolio:
    """Everything a block needs (picklable: sent once to each worker of a cluster)."""

    projects: tuple
    preds: tuple
    classes: tuple
    shared: tuple
    track: tuple
    horizon: int
    period_days: float
    block_size: int
    iterations: int
    seed: int
    sampling: str
    pert_lambda: float
    sampler: Callable = field(repr=False)
    cache_mb: float = 256.0

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.iterations / self.block_size)


# ---------------------------------------------------------------- sampling
def sample_schedule_block(project: ScheduleProject, b: int, seed: int, block_size: int, sampling: str = "lhs",
                          pert_lambda: float = 4.0):
    """Durations and own-risk uniforms of one project for block ``b`` (the replaceable sampler).

    The project's :class:`~pmo_analytics.risk.sampling.BlockSampler` draws
    from the stream ``(seed, b, PROJECT, key(project_id))`` a ``(n + 2 r, B)``
    matrix of uniforms (rows: activities in network order, then occurrence
    and impact of each of the project's ``r`` local risks), stratified per
    row when ``sampling="lhs"``, rank-correlated within correlation groups by
    Iman-Conover, and turns the activity rows into durations (closed forms,
    BetaPERT by quantile table). ``block_size``, ``sampling`` and
    ``pert_lambda`` are the compiled model's, fixed in the project's sampler
    when it is built (a replacement sampler receives them).

    Returns
    -------
    D0 : ndarray, shape (n, B)
        Sampled durations before risks [days].
    U_occ, U_imp : ndarray, shape (r, B)
        Uniforms of the local risks' occurrence and impact.
    """
    r = project.n_local
    D0, rest = project.design.draw(stream(seed, b, PROJECT, project.key))
    return D0, rest[:r], rest[r:]


def _schedule_draws(m: CompiledPortfolio, pr: ScheduleProject, b: int):
    """Durations, local-risk effects on the touched rows and the project's base cost for block b."""
    D0, U_occ, U_imp = m.sampler(pr, b, m.seed, m.block_size, m.sampling, m.pert_lambda)
    pct, add = pr.risks.zeros(m.block_size)
    rcost = np.zeros_like(pct)
    if pr.n_local:
        sched, cost = pr.risks.effects(pr.params[pr.local], U_occ, U_imp, which=pr.local)
        pr.risks.accumulate(pr.local, sched, pct, add, cost, rcost)
    return D0, pct, add, rcost


def _schedule_base_cost(pr: ScheduleProject, D0, pct, add, rcost) -> np.ndarray:
    """Cost with local risks only [currency]: the quantity ranked for the reference-class correlation."""
    c = float(pr.fixed.sum()) + pr.sunk + _wsum(pr.rate, D0) + pr.response_cost
    if len(pr.touched):
        D0t = D0[pr.touched]
        c = c + _wsum(pr.rate[pr.touched], D0t * pct + add) + rcost.sum(axis=0)
    return c


def _profile_draws(m: CompiledPortfolio, pr: ProfileProject, b: int):
    """Cost and duration ratios (B,) of a profile project for block b (Gaussian copula of two lognormals)."""
    u = block_uniforms(stream(m.seed, b, PROJECT, pr.key), 2, m.block_size, m.sampling)
    z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    r = pr.copula_rho
    zd = r * z[0] + math.sqrt(max(1.0 - r * r, 0.0)) * z[1]
    return np.exp(pr.cost_mu + pr.cost_sigma * z[0]), np.exp(pr.duration_mu + pr.duration_sigma * zd)


def _schedule_times(pr: ScheduleProject, D: np.ndarray, stretch: dict | None = None):
    """Remaining work of one project on its own time line, for durations ``D`` (n, B) [working days].

    Returns ``lo``, ``hi`` (start and finish of each activity's remaining
    work; 0 for complete activities) and ``T`` (the project finish)
    [working days of the project calendar after the floor: the project's
    start, or its data date when it has progress]. A tracked complete
    activity is reported at ``pr.actual_days`` instead.
    """
    net = pr.network
    if not pr.dated:
        EF = forward_pass(net, D)
        T = EF[pr.end_rows].max(axis=0) if len(pr.end_rows) else np.zeros(D.shape[1])
        return EF - D, EF, T
    K = D * pr.scale[:, None]  # working days -> kernel units (hours of each activity's calendar)
    hi = forward_pass(net, K, stretch=stretch)  # a risk calendar's windows stretch K in place
    T = net.to_days(project_finish(net, hi)) - pr.floor_days
    lo = hi - K
    tl = net.timeline
    for c, rows in pr.cal_rows:  # incomplete rows on another calendar than the project's: into the project's
        lo[rows] = tl.convert(c, 0, lo[rows], "finish")
        hi[rows] = tl.convert(c, 0, hi[rows], "finish")
    hpd = net._hours_per_day()
    off = net._w_start() + pr.floor_days * hpd
    for x in (lo, hi):
        x -= off
        x *= 1.0 / hpd
        np.maximum(x, 0.0, out=x)  # no remaining work before the data date (rounding of the conversions)
    if len(pr.done):  # complete work: only a risk's cost can still fall on it, paid at the data date
        lo[pr.done] = 0.0
        hi[pr.done] = 0.0
    return lo, hi, T


# ---------------------------------------------------------------- spend over periods
def accrue(acc: np.ndarray, lo: np.ndarray, hi: np.ndarray, amount: np.ndarray, period_days: float) -> None:
    """Add amounts spent uniformly over ``[lo, hi]`` to per-period totals, in place.

    Parameters
    ----------
    acc : ndarray, shape (H + 1, B)
        Spend per period (rows 0..H-1 = periods 1..H; row H = after the
        horizon) and iteration [currency].
    lo, hi : ndarray, shape (m, B)
        Start and end of each interval [days from the start of period 1],
        ``0 <= lo <= hi``.
    amount : ndarray, shape (m, B)
        Amount spent over each interval [currency]; all of it in the period
        of ``lo`` when ``hi == lo``.
    period_days : float
        Working days per period.
    """
    if not acc.flags.c_contiguous:
        raise ValueError("acc must be C-contiguous (it is updated in place)")
    H = acc.shape[0] - 1
    B = acc.shape[1]
    P = float(period_days)
    flat = acc.reshape(-1)
    # row k (period k + 1) holds [k P, (k + 1) P) with the boundaries computed as the rest of this function (and
    # the callers' start days) compute them, k * P in floating point: floor_divide alone puts day 5 * 20.8, the
    # first of period 6, in row 4 (period 5), as 104.0 / 20.8 is a hair below 5 in binary
    k0 = np.floor_divide(lo, P)
    k0 += (k0 + 1.0) * P <= lo
    np.minimum(k0, H, out=k0)
    k1 = np.floor_divide(hi, P)
    k1 += (k1 + 1.0) * P <= hi
    np.minimum(k1, H, out=k1)
    # every amount first goes to the period of its start (one weighted count over all intervals) ...
    idx = k0 * B
    idx += np.arange(B, dtype=np.float64)
    flat += np.bincount(idx.astype(np.intp).reshape(-1), weights=amount.reshape(-1), minlength=(H + 1) * B)
    # ... then the intervals that cross a period boundary (the few) move what they spend later
    r, c = np.nonzero(k1 > k0)
    if not len(r):
        return
    lo_, hi_, a_ = lo[r, c], hi[r, c], amount[r, c]
    k, last = k0[r, c].astype(np.intp), k1[r, c].astype(np.intp)
    rate = a_ / (hi_ - lo_)
    first = np.minimum((k + 1) * P, hi_)
    flat -= np.bincount(k * B + c, weights=a_ - rate * (first - lo_), minlength=(H + 1) * B)
    k = k + 1
    left = k * P
    while len(k):
        right = np.where(k >= H, hi_, np.minimum((k + 1) * P, hi_))
        flat += np.bincount(k * B + c, weights=rate * (right - left), minlength=(H + 1) * B)
        more = k < last
        k, last, c, hi_, rate = k[more] + 1, last[more], c[more], hi_[more], rate[more]
        left = k * P


# ---------------------------------------------------------------- one block
def _class_permutations(m: CompiledPortfolio, b: int, base: dict) -> dict:
    """Per project, the reordering of its iterations that gives its class the target rank correlation."""
    perms = {}
    for ckey, members, factor in m.classes:
        x = np.stack([base[i] for i in members])
        order = np.argsort(x, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(x.shape[1])[None, :], axis=1)
        rng = stream(m.seed, b, CLASS, ckey)
        new_ranks = iman_conover(ranks.astype(np.float64), None, rng, factor=factor).astype(np.intp)
        for row, i in enumerate(members):
            perms[i] = order[row, new_ranks[row]]
    return perms


def simulate_block(m: CompiledPortfolio, item: tuple[int, int]) -> dict:
    """Simulate block ``b`` of the portfolio; keep its first ``used`` iterations (the task of the executor)."""
    b, used = item
    B, H, P = m.block_size, m.horizon, m.period_days
    n_proj = len(m.projects)
    ranked = {i for _, members, _ in m.classes for i in members}
    # phase A: base cost of the projects whose class is correlated, for the Iman-Conover ranking; the draws
    # are kept for phase B while they fit in cache_mb (recomputing them gives the same numbers)
    base = {}
    cache = {}
    room = m.cache_mb * 2 ** 20
    for i in sorted(ranked):
        pr = m.projects[i]
        if isinstance(pr, ScheduleProject):
            draws = _schedule_draws(m, pr, b)
            base[i] = _schedule_base_cost(pr, *draws)
            size = sum(a.nbytes for a in draws)
            if size <= room:
                cache[i] = draws
                room -= size
        else:
            rc, _ = _profile_draws(m, pr, b)
            base[i] = rc * pr.plan_cost
    perms = _class_permutations(m, b, base) if m.classes else {}
    # shared risks: one occurrence and one impact quantile per risk and iteration, common to every project
    # it hits (each project applies them with its own parameters: the same probability and schedule
    # impact, its share of the cost impact)
    shared = {}
    for rid in m.shared:
        shared[rid] = block_uniforms(stream(m.seed, b, SHARED, rid), 2, B, m.sampling)
    # phase B: projects in precedence order
    spend = np.zeros((n_proj, H + 1, B))
    finish = np.empty((n_proj, B))
    cost = np.empty((n_proj, B))
    track = np.empty((len(m.track), B))
    track_of = {}
    for t, (i, row) in enumerate(m.track):
        track_of.setdefault(i, []).append((t, row))
    for i, pr in enumerate(m.projects):
        start = np.full(B, pr.start)
        for q in m.preds[i]:
            np.maximum(start, finish[q], out=start)
        perm = perms.get(i)
        if isinstance(pr, ScheduleProject):
            D0, pct, add, rcost = cache.pop(i) if i in cache else _schedule_draws(m, pr, b)
            if perm is not None:
                D0, pct, add, rcost = D0[:, perm], pct[:, perm], add[:, perm], rcost[:, perm]
            if len(pr.shared):
                u = np.stack([shared[pr.risk_ids[k]] for k in pr.shared])  # (s, 2, B)
                sched, rc = pr.risks.effects(pr.params[pr.shared], u[:, 0], u[:, 1], which=pr.shared)
                pr.risks.accumulate(pr.shared, sched, pct, add, rc, rcost)
            D = pr.risks.apply(D0.copy(), pct, add) if len(pr.touched) else D0.copy()
            exists, stretch = None, None
            if pr.n_events:  # branches and risk-calendar windows, from the project's event stream
                u_ev = block_uniforms(stream(m.seed, b, EVENTS, pr.key), pr.n_events, B, m.sampling)
                if pr.branches is not None:
                    exists = pr.branches.apply(D, u_ev[:pr.branches.n])
                if pr.calendars is not None:
                    stretch = pr.calendars.stretch(u_ev[u_ev.shape[0] - pr.calendars.n:])
            amt = pr.rate[:, None] * D  # cost of the work, before a window stretches its time
            amt += pr.fixed[:, None]
            if exists is not None:  # a branch not taken costs nothing, fixed cost included
                amt[pr.branches.rows] -= pr.fixed[pr.branches.rows, None] * ~exists
            lo, hi, T = _schedule_times(pr, D, stretch)
            finish[i] = start + T
            lo += start
            hi += start
            if len(pr.touched):
                amt[pr.touched] += rcost
            accrue(spend[i], lo, hi, amt, P)
            cost[i] = amt.sum(axis=0)
            if pr.sunk:  # work done before the data date: in the project's cost, in no period's spend
                cost[i] += pr.sunk
            if pr.response_cost:  # responses are paid when the project starts
                accrue(spend[i], start[None, :], start[None, :], np.full((1, B), pr.response_cost), P)
                cost[i] += pr.response_cost
            for t, row in track_of.get(i, ()):  # hi already counts from start
                track[t] = hi[row] if pr.actual_days is None or np.isnan(pr.actual_days[row]) \
                    else start + pr.actual_days[row]
        else:
            rc, rd = _profile_draws(m, pr, b)
            if perm is not None:
                rc, rd = rc[perm], rd[perm]
            L = len(pr.profile)
            o = np.arange(L, dtype=float)[:, None]
            lo = start + o * rd * P
            hi = start + (o + 1.0) * rd * P
            amt = pr.profile[:, None] * rc
            accrue(spend[i], lo, hi, amt, P)
            cost[i] = rc * pr.plan_cost
            finish[i] = start + pr.duration_periods * rd * P
            for t, _row in track_of.get(i, ()):
                track[t] = finish[i]
    k = int(used)
    spend, finish, cost, track = spend[:, :, :k], finish[:, :k], cost[:, :k], track[:, :k]
    total = spend.sum(axis=0)                       # (H+1, k)
    horizon = spend[:, :H].sum(axis=1)              # (n_proj, k): each project's spend within the horizon
    psum = spend.sum(axis=2)                        # (n_proj, H+1)
    n = max(k, 1)
    return {
        "spend": total,
        "horizon": horizon,
        "cost": cost,
        "finish": finish,
        "track": track,
        # for the covariance (Euler) allocation of each period's variance to projects: co-moments about the
        # block's means, combined across blocks in _collect (Chan, Golub & LeVeque 1983); raw sums of products
        # lose every digit when spend is large against its spread
        "cross": np.einsum("ptk,tk->pt", spend - (psum / n)[:, :, None], total - total.mean(axis=1, keepdims=True)
                           if k else total),
        "psum": psum,
        "n": k,
    }


# ---------------------------------------------------------------- the estimator
def _selection_starts(selection, projects: pd.DataFrame) -> dict:
    """{project_id: start period} from a PortfolioSelector, a portfolio frame, a mapping or a list of ids."""
    if selection is None:
        return {}
    pf = getattr(selection, "portfolio_", None)
    if pf is not None:
        selection = pf
    if isinstance(selection, pd.DataFrame):
        if not {"selected", "start_period"} <= set(selection.columns):
            raise ValueError("a selection frame needs 'selected' and 'start_period' columns (portfolio_frame)")
        sel = selection[selection["selected"].astype(bool)]
        ids = sel.index if "project_id" not in sel.columns else sel["project_id"]
        out = {str(p): int(s) for p, s in zip(ids, sel["start_period"])}
    elif isinstance(selection, Mapping):
        out = {str(p): int(s) for p, s in selection.items()}
    else:
        ids = [str(p) for p in ([selection] if isinstance(selection, str) else list(selection))]
        es = projects.set_index("project_id")["earliest_start"]
        unknown = [p for p in ids if p not in es.index]
        if unknown:
            raise ValueError(f"selection names unknown project(s) {unknown[:10]}")
        out = {p: int(es[p]) for p in ids}
    unknown = sorted(set(out) - set(projects["project_id"].astype(str)))
    if unknown:
        raise ValueError(f"selection names unknown project(s) {unknown[:10]}")
    bad = {p: s for p, s in out.items() if s < 1}
    if bad:
        raise ValueError(f"start periods must be >= 1, got {bad}")
    return out


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
        Indexed by ``period`` (1..H): ``budget``, ``plan`` (deterministic
        model: most-likely durations, no risks), ``mean``, ``p50``, ``p80``,
        ``p95`` [currency] and ``p_overrun`` [probability] (P(spend >
        budget)).
    projects_ : DataFrame
        Indexed by ``project_id``: ``model`` (schedule / reference class),
        ``reference_class``, ``start_period``, ``plan_cost``, ``mean_cost``,
        ``p50_cost``, ``p80_cost``, ``p95_cost`` [currency],
        ``plan_finish``, ``p50_finish``, ``p80_finish``, ``p95_finish``
        [periods from the start of period 1, fractional],
        ``p_late`` [probability] (finishing after its planned last period:
        ``duration_periods`` from its start; for a project under way, the
        days from its start to its data date count)
        and ``variance_share`` [fraction] (its part of the variance of
        portfolio spend within the horizon).
    milestones_ : DataFrame
        ``project_id``, ``milestone`` (activity id, or ``finish``),
        ``p50``, ``p80``, ``p95`` [days from the start of period 1] and the
        periods they fall in (``p50_period`` ...).
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
        """The picklable model of the portfolio that :meth:`run` simulates (no random numbers drawn)."""
        pf = portfolio
        projects = pf.projects.copy()
        projects["project_id"] = projects["project_id"].astype(str)
        starts = {p: int(s) for p, s in projects.loc[projects["stage"].isin(self.stages),
                                                     ["project_id", "earliest_start"]].itertuples(index=False)}
        starts.update(_selection_starts(selection, projects))
        if not starts:
            raise PMOError(f"no project to simulate: none at stage(s) {self.stages} and no selection given")
        info = projects.set_index("project_id")
        H = len(pf.periods)
        P = self.period_days
        fits = reference_class_distributions(pf.history if pf.has("history") else None, self.min_class_size)
        acts = pf.activities if pf.has("activities") else None
        with_schedule = set(acts["project_id"].astype(str)) if acts is not None else set()
        if fits.empty and set(starts) - with_schedule:
            warnings.warn("no history table: projects without a schedule are simulated at their estimates",
                          DataWarning, stacklevel=3)
        links = pf.links if acts is not None else None
        risks = pf.risks if pf.has("risks") else None
        shared_ids = _shared_risk_ids(risks)
        costs = pf.costs
        # precedence among simulated projects
        ids = sorted(starts)
        edges = []
        if pf.has("dependencies"):
            d = pf.dependencies[pf.dependencies["type"] == "precedes"]
            edges = [(str(a), str(b)) for a, b in zip(d["project_id"], d["other_project_id"])
                     if str(a) in starts and str(b) in starts]
        order = topological_order(ids, edges)
        if order is None:  # validation refuses such data; a hand-built portfolio may still have it
            from ..exceptions import NetworkCycleError
            from ..tables.graph import find_cycle
            raise NetworkCycleError(find_cycle(edges), what="'precedes' dependencies")
        pos = {p: i for i, p in enumerate(order)}
        preds = [[] for _ in order]
        for a, b in edges:
            preds[pos[b]].append(pos[a])
        built = []
        shared_used: set = set()
        for p in order:
            row = info.loc[p]
            start = (starts[p] - 1) * P
            cls = str(row["category"])
            if p in with_schedule:
                pr = self._schedule_project(pf, p, acts, links, risks, shared_ids, start, cls,
                                            int(row["duration_periods"]))
                shared_used.update(pr.risk_ids[k] for k in pr.shared)
            else:
                c = costs[costs["project_id"].astype(str) == p]
                L = int(max(int(row["duration_periods"]), int(c["period_offset"].max()) + 1 if len(c) else 1))
                profile = np.zeros(L)
                np.add.at(profile, c["period_offset"].to_numpy(int), c["cost"].to_numpy(float))
                if not len(c):
                    profile[0] = float(row["estimated_cost"])
                cmu, csd, dmu, dsd, rho = _class_fit(fits, cls)
                if self.cost_duration_correlation != "history":
                    rho = float(self.cost_duration_correlation)
                pr = ProfileProject(p, stable_key(p), cls, start, profile, L, cmu, csd, dmu, dsd,
                                    float(spearman_to_pearson(np.clip(rho, -0.99, 0.99))))
            built.append(pr)
        classes = []
        by_class: dict = {}
        for i, pr in enumerate(built):
            by_class.setdefault(pr.reference_class, []).append(i)
        for cls, members in sorted(by_class.items()):
            rho = (self.class_correlation.get(cls, 0.0) if isinstance(self.class_correlation, Mapping)
                   else self.class_correlation)
            if len(members) >= 2 and float(rho) > 0:
                c = check_correlation(group_matrix(len(members), float(rho)), name=f"class correlation of {cls}")
                classes.append((stable_key(cls), tuple(members), ic_factor(c, name=f"class correlation of {cls}")))
        track = []
        for ref in self.milestones:
            proj, act = split_activity_ref(ref, "")
            if proj not in pos:
                raise ValueError(f"milestone {ref!r}: project {proj!r} is not simulated")
            pr = built[pos[proj]]
            if not isinstance(pr, ScheduleProject):
                raise ValueError(f"milestone {ref!r}: project {proj!r} has no schedule")
            track.append((pos[proj], pr.network.row(act), ref))
        self._track_labels = [t[2] for t in track]
        return CompiledPortfolio(tuple(built), tuple(tuple(p) for p in preds), tuple(classes),
                                 tuple(sorted(shared_used)), tuple((i, r) for i, r, _ in track), H, P,
                                 self.block_size, self.iterations, self.seed, self.sampling, self.pert_lambda,
                                 self.sampler, self.cache_mb)

    def _schedule_project(self, pf, p, acts, links, risks, shared_ids, start, cls, duration_periods):
        own = acts[acts["project_id"].astype(str) == p]
        row = pf.projects.set_index(pf.projects["project_id"].astype(str)).loc[p]
        dated = _needs_dates(own, row)
        if dated:
            try:
                net = build_network(pf, p, links=links, progress=self.progress_mode)
            except ValueError as exc:
                if "need a start_date" not in str(exc):
                    raise
                raise PMOError(f"project {p}: its activities carry {dated}, which need the project's start_date "
                               "(or data_date) in the projects table") from None
        else:
            net = build_network(acts, p, links=links)
        a = net.activities
        unknown = set(a["distribution"]) - set(DISTRIBUTIONS)
        if unknown:
            raise PMOError(f"project {p}: unknown distribution(s) {sorted(unknown)}")
        dr = risk_drivers(risks, net)
        is_shared = np.array([rid in shared_ids for rid in dr.ids], dtype=bool)
        local = np.flatnonzero(~is_shared)
        for k in np.flatnonzero(dr.parent >= 0):  # a conditional risk and its parent: both local
            g = int(dr.parent[k])
            if is_shared[k] or is_shared[g]:
                raise PMOError(f"project {p}: risk {dr.ids[k]} depends on {dr.ids[g]}, and "
                               f"{dr.ids[k] if is_shared[k] else dr.ids[g]} is shared by several projects: the "
                               "portfolio model does not simulate conditional shared risks (make both local, or "
                               "drop the condition)")
        # remaining work, as the schedule engine simulates it (ranges scaled by remaining / most likely), drawn
        # by the sampling kernel: durations, then the occurrence and impact rows of the local risks
        design = BlockSampler.for_network(net, 2 * len(local), block_size=self.block_size, sampling=self.sampling,
                                          pert_lambda=self.pert_lambda, correlation=self.activity_correlation,
                                          strict=False)
        step = RiskDriverStep.compile(dr, net.status)
        if dr.n:
            params = np.where(self.mitigated, dr.post, dr.pre)
            response = float(dr.table["mitigation_cost"].to_numpy(float)[dr.has_mitigation].sum()) \
                if self.mitigated else 0.0
        else:
            params, response = np.zeros((0, 7)), 0.0
        status = net.status
        incomplete = status != 2
        gone = step.passed
        if gone:
            warnings.warn(f"project {p}: risk(s) {', '.join(gone)} affect only complete activities: their schedule "
                          "impact is left out (cost impacts still count)", DataWarning, stacklevel=4)
        lk = net.links
        drives = np.zeros(net.n, bool)
        drives[lk["pred_row"].to_numpy()[lk["type"].isin(["FS", "FF"]).to_numpy()]] = True
        end_rows = np.flatnonzero(~drives)
        if (lk["lag"].to_numpy(float) < 0).any():
            end_rows = np.arange(net.n)
        fixed = a["fixed_cost"].to_numpy(float)
        rate = a["cost_rate"].to_numpy(float)
        ml, rem = a["most_likely"].to_numpy(float), net.remaining
        # fixed cost still to spend: all of it before the start, the remaining share in progress, none when
        # complete; work done on a started activity costs its planned share (most_likely - remaining), as in
        # ScheduleRiskModel
        left = np.where(status == 0, 1.0, np.where(status == 1, np.where(ml > 0, rem / np.where(ml > 0, ml, 1.0),
                                                                         1.0), 0.0))
        fixed_left = fixed * left
        sunk = float((fixed - fixed_left).sum() + rate @ done_durations(net))
        extra = {}
        if net.has_dates:
            plan = net._plan
            done = status == 2
            cal = plan.cal
            floor = max(net.start_date, net.data_date)
            tl = net.timeline
            floor_days = float(net.to_days(tl.work(0, tl.day(floor))))
            actual = np.full(net.n, np.nan)
            if done.any():
                actual[done] = net.row_days(np.flatnonzero(done), plan.actual_finish[done]) - floor_days
            groups = tuple((int(c), np.flatnonzero(incomplete & (cal == c))) for c in np.unique(cal[incomplete])
                           if c)
            extra = dict(dated=True, scale=plan.scale.copy(), floor_days=floor_days, cal_rows=groups,
                         done=np.flatnonzero(done), actual_days=actual)
        branches = BranchStep.compile(pf.tables.get("branches"), net)
        calendars = RiskCalendarStep.compile(pf.tables.get("risk_calendars"), net,
                                             until=windows_until(net, design.high, dr)) if net.has_dates else None
        if calendars is None and not net.has_dates and "risk_calendar_id" in own.columns and \
                own["risk_calendar_id"].notna().any():
            raise PMOError(f"project {p}: its activities name risk calendars, which need the project's start_date")
        pr = ScheduleProject(p, stable_key(p), cls, start, net, design, fixed_left, rate, step, params, local,
                             np.flatnonzero(is_shared), response, end_rows, 0.0, float(fixed.sum() + rate @ ml),
                             duration_periods, sunk=sunk, branches=branches, calendars=calendars, **extra)
        mode = design.mode * (branches.most_likely_exists(net.n) if branches is not None else 1.0)
        _, _, T = _schedule_times(pr, mode[:, None])
        return replace(pr, plan_days=float(T[0]))  # the deterministic remaining schedule (most likely branches)

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
        from ..parallel import executor_for

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
        out = pd.DataFrame({"budget": budget, "plan": plan[:H], "mean": spend[:H].mean(axis=1)},
                           index=pd.Index(np.arange(1, H + 1), name="period"))
        for k, qq in enumerate(qs):
            out[_pct_label(qq)] = q[k]
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
            r["plan_finish"] = plan_finish
            r.update({f"{_pct_label(qq)}_finish": float(v) for qq, v in zip(qs, fq)})
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
            r.update({_pct_label(qq): float(val) for qq, val in zip(qs, v)})
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
                lo, hi, T = _schedule_times(pr, D)
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
            ("plan spend in horizon", float(s["plan"].sum()), "currency"),
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


def _needs_dates(acts: pd.DataFrame, project: pd.Series) -> str:
    """What makes a project's schedule need dates (progress, constraints, a data date, calendars), or ""."""
    why = [c for c in ("actual_start", "actual_finish", "constraint_date", "calendar_id", "risk_calendar_id")
           if c in acts.columns and acts[c].notna().any()]
    why += [c for c in ("data_date", "calendar_id") if c in project.index and not pd.isna(project[c])
            and c not in why]
    return ", ".join(why)


def _shared_risk_ids(risks: pd.DataFrame | None) -> set:
    """Ids of the register rows whose affected activities lie in more than one project."""
    out = set()
    if risks is None or not len(risks) or "affected_activities" not in risks.columns:
        return out
    for rid, pid, text in zip(risks["risk_id"], risks["project_id"], risks["affected_activities"]):
        projects = set()
        for a in split_list(text):
            try:
                projects.add(split_activity_ref(a, str(pid))[0])
            except ValueError:
                projects.add(str(pid))
        if len(projects) > 1 or (projects and projects != {str(pid)}):
            out.add(str(rid))
    return out
