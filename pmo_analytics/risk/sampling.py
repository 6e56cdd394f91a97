"""The sampling kernel of both Monte Carlo engines: block uniforms, correlation sets, the risk-driver step.

:class:`~pmo_analytics.risk.engine.ScheduleRiskModel` (one project) and
:class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel` (every project at
once) draw their random numbers and apply their risks here, with the same
code, so that a schedule simulated by either sees the same distributions,
the same correlation and the same risk drivers.

One block
---------
Iterations come in fixed **blocks** of ``B`` iterations, each drawn from its
own stream (:func:`pmo_analytics.streams.stream`; the key layout is the
engine's). A :class:`BlockSampler` turns a stream into one block:

1. a matrix of uniforms, one row per activity of the network, then one row
   per risk occurrence and one per risk impact (:meth:`BlockSampler.uniforms`);
2. **Latin hypercube** (McKay, Beckman & Conover 1979, *Technometrics* 21(2),
   239-245) per row: row ``i`` becomes ``(pi_i + v_i) / B`` with ``pi_i`` a
   random permutation of the strata ``0..B-1`` (:func:`latin_hypercube`), or
   plain Monte Carlo;
3. **Iman-Conover** within each correlation set (Iman & Conover 1982; the rows
   of a set are generated in stratum order and ordered by the method instead
   of a random permutation, see :func:`~pmo_analytics.risk.correlation.iman_conover`);
4. the activity rows become remaining durations through the network's
   :class:`~pmo_analytics.risk.distributions.DurationSampler`
   (:meth:`BlockSampler.draw`); the risk rows go to the risk-driver step.

Correlation sets
----------------
:func:`correlation_sets` reads the ``correlation`` option (one coefficient
for every ``correlation_group``, a coefficient per group, or a full matrix
of activities) into sets of rows with their stated rank correlation matrix;
:func:`ic_factor` gives the Cholesky factor that Iman-Conover reorders
with: that of the normal-score correlation ``2 sin(pi rho / 6)`` which gives
the stated *rank* correlation ``rho`` (Iman-Conover's scores reach their
target as a Pearson correlation; their ranks would have ``(6 / pi)
arcsin(rho / 2)``, 0.58 for a stated 0.6).

The risk-driver step
--------------------
:class:`RiskDriverStep` is the register compiled against one network (AACE
International RP 57R-09, see :mod:`pmo_analytics.risk.drivers`): each risk
occurs when its occurrence uniform is below its probability
(:meth:`RiskDriverStep.occurrences`), draws one impact quantile for its
schedule and cost impacts (:meth:`RiskDriverStep.impacts`), adds its days or
percent to every incomplete activity it affects
(:meth:`RiskDriverStep.accumulate`, :meth:`RiskDriverStep.apply`) and its cost
to the iteration (split over its activities where spend is timed).

Where per-iteration features plug in
------------------------------------
Everything random that happens to a schedule in one iteration before its
critical path is computed passes through :meth:`RiskDriverStep.effects`
(occurrence masks, then impacts) and :meth:`RiskDriverStep.apply` (durations
changed in place), called by both engines between the block's durations and
the forward pass. Conditional risks (a risk that can occur only when another
has) change the occurrence masks in :meth:`RiskDriverStep.occurrences`;
probabilistic branches (an activity or a chain that exists in some
iterations only) are a row of uniforms more in the block layout
(:meth:`BlockSampler.for_network`'s ``extra_rows``) and a change of durations
in :meth:`RiskDriverStep.apply`. A risk calendar (an impact that depends on
when the activity runs) needs the dates of the iteration, so it sits after
the forward pass, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schedule.network import Network
from .correlation import check_correlation, group_matrix, iman_conover, score_correlation
from .distributions import DurationSampler, ppf

__all__ = ["SAMPLING", "remaining_ranges", "latin_hypercube", "block_uniforms", "correlation_sets", "ic_factor",
           "BlockSampler", "RiskDriverStep"]

#: Sampling designs: Latin hypercube within each block, or plain Monte Carlo.
SAMPLING = ("lhs", "mc")


def remaining_ranges(network: Network):
    """Three-point ranges of the *remaining* durations at the data date, and the distribution of each row.

    An activity in progress or not started keeps its distribution over its
    range scaled by remaining / most likely [unit]; a complete one, or one
    whose scaled range is a point (except a normal), is ``"fixed"`` at its
    remaining duration (0 when complete). Without progress the ranges are the
    planned ones. Used by :class:`~pmo_analytics.risk.engine.ScheduleRiskModel`
    and the portfolio Monte Carlo alike, so both simulate the same remaining
    work.

    Returns
    -------
    low, mode, high : ndarray
        [unit], network row order.
    dist : ndarray of str
    """
    acts = network.activities
    ml = acts["most_likely"].to_numpy(float)
    rem = network.remaining
    ratio = np.where(ml > 0, rem / np.where(ml > 0, ml, 1.0), 0.0)
    low = acts["min_duration"].to_numpy(float) * ratio
    mode = np.where(ml > 0, ml * ratio, rem)
    high = np.where(ml > 0, acts["max_duration"].to_numpy(float) * ratio, rem)
    dist = np.where((high > low) | (acts["distribution"] == "normal").to_numpy(), acts["distribution"].to_numpy(),
                    "fixed")
    dist = np.where(rem > 0, dist, "fixed")
    return low, mode, high, dist


# ---------------------------------------------------------------- uniforms
def latin_hypercube(u: np.ndarray, rng: np.random.Generator, out: np.ndarray | None = None) -> np.ndarray:
    """Latin hypercube in place: row ``i`` of ``u`` (shape (rows, B)) becomes ``(pi_i + u_i) / B``.

    ``pi_i`` is a random permutation of the strata ``0..B-1`` drawn from
    ``rng`` (McKay, Beckman & Conover 1979), so each row holds exactly one
    value in each stratum ``[j / B, (j + 1) / B)``. ``out``: a buffer of
    ``u``'s shape for the permuted strata (saves an allocation).
    """
    B = u.shape[1]
    u += rng.permuted(np.broadcast_to(np.arange(B, dtype=np.float64), u.shape), axis=1, out=out)
    u *= 1.0 / B
    return u


def block_uniforms(rng: np.random.Generator, n_rows: int, block_size: int, sampling: str = "lhs") -> np.ndarray:
    """``n_rows`` rows of ``block_size`` uniforms from ``rng``, each row a Latin hypercube when ``sampling="lhs"``.

    The block of a stream that is not a schedule (a shared risk's occurrence
    and impact, a reference-class project's two ratios).
    """
    u = rng.random((n_rows, block_size))
    if sampling == "lhs":
        latin_hypercube(u, rng)
    return u


# ---------------------------------------------------------------- correlation sets
def correlation_sets(network: Network, correlation, low: np.ndarray, high: np.ndarray, *, repair: bool = True,
                     strict: bool = True) -> list:
    """The correlated sets of a schedule's activities, each with its stated rank correlation matrix.

    Parameters
    ----------
    network : Network
    correlation : None, float, dict or DataFrame
        A float applies one coefficient within every ``correlation_group``
        of the activities; a dict maps group -> coefficient; a square
        DataFrame indexed (and columned) by activity ids is a full matrix.
        None: independent durations.
    low, high : ndarray
        Remaining ranges (:func:`remaining_ranges`): an activity of a group
        whose range is a point (fixed, or complete) takes no part.
    repair : bool, default True
        Replace a non-positive-definite matrix by the nearest valid one (with
        a :class:`~pmo_analytics.exceptions.DataWarning`) instead of raising.
    strict : bool, default True
        A dict naming a group the schedule does not have is an error; False
        ignores it (the portfolio model gives one dict to every project).

    Returns
    -------
    list of (rows, matrix)
        Network rows of each set and its rank correlation matrix; a group
        named blank (``""``) is no group.

    Raises
    ------
    ValueError
        a full matrix whose index and columns differ, or an unknown group
        (``strict``).
    CorrelationMatrixError
        a malformed matrix, or one not positive definite without ``repair``.
    """
    if correlation is None:
        return []
    if isinstance(correlation, pd.DataFrame):
        ids = list(correlation.index)
        if list(correlation.columns) != ids:
            raise ValueError("a correlation DataFrame must have the same activity ids as index and columns")
        rows = np.array([network.row(a) for a in ids], dtype=int)
        return [(rows, check_correlation(correlation.to_numpy(float), repair=repair))]
    groups = network.activities["correlation_group"].astype("string").fillna("").to_numpy()
    names = [g for g in sorted(set(groups.tolist())) if g]
    if isinstance(correlation, Mapping):
        unknown = set(correlation) - set(names)
        if unknown and strict:
            raise ValueError(f"unknown correlation group(s) {sorted(unknown)}: groups are {names}")
        coef = {g: float(correlation[g]) for g in correlation if g in names}
    else:
        coef = {g: float(correlation) for g in names}
    sets = []
    for g, rho in coef.items():
        rows = np.flatnonzero(groups == g)
        rows = rows[high[rows] > low[rows]]  # constant (or complete) durations take no part
        if len(rows) < 2:
            continue
        sets.append((rows, check_correlation(group_matrix(len(rows), rho), repair=repair,
                                             name=f"correlation of group {g}")))
    return sets


def ic_factor(c: np.ndarray, name: str = "correlation matrix") -> np.ndarray:
    """Lower Cholesky factor of the Iman-Conover target that gives the stated *rank* correlation matrix ``c``.

    Iman-Conover gives its normal scores the target as their Pearson
    correlation, and the ranks then have ``(6 / pi) arcsin(r / 2)``; the
    target is therefore ``2 sin(pi c / 6)`` entry by entry
    (:func:`~pmo_analytics.risk.correlation.score_correlation`), so the
    Spearman correlation of the durations is the one stated.
    """
    return np.linalg.cholesky(score_correlation(c, name=name))


def _ic_batches(sets) -> tuple:
    """Sets of equal size solved as one batch: ((rows (sets, k), factors (sets, k, k)), ...) by size."""
    by_size: dict = {}
    for rows, c in sets:
        by_size.setdefault(len(rows), []).append((rows, ic_factor(c)))
    return tuple((np.stack([r for r, _ in v]), np.stack([f for _, f in v])) for _, v in sorted(by_size.items()))


# ---------------------------------------------------------------- one block of a schedule
@dataclass(frozen=True, eq=False)
class BlockSampler:
    """How one block of a schedule is drawn from its stream (read-only: threads and workers share it).

    Attributes
    ----------
    n_act : int
        Activity rows (the network's, in row order) [count].
    n_rows : int
        All rows of the block: activities, then the risk rows [count].
    block_size : int
        Iterations per block ``B`` [count].
    sampling : {"lhs", "mc"}
    durations : DurationSampler
        Inverse CDFs of the remaining durations.
    low, mode, high : ndarray
        Remaining three-point ranges [days] (:func:`remaining_ranges`).
    dist : ndarray of str
        Distribution of each activity row.
    sets : list of (rows, matrix)
        Correlation sets with their stated rank correlation (:func:`correlation_sets`).
    free_rows : ndarray
        Rows not in a correlation set (Latin hypercube by random permutation).
    ic_batches : tuple
        Correlation sets grouped by size: (rows, Cholesky factors).
    fused : bool
        Plain Monte Carlo of triangular durations without correlation: numpy's
        ``Generator.triangular`` draws the durations (the same inverse CDF of
        the same doubles, fused in C; equal to the generic path to 1e-12).
    """

    n_act: int
    n_rows: int
    block_size: int
    sampling: str
    durations: DurationSampler
    low: np.ndarray
    mode: np.ndarray
    high: np.ndarray
    dist: np.ndarray
    sets: list
    free_rows: np.ndarray
    ic_batches: tuple
    fused: bool = False

    @classmethod
    def for_network(cls, network: Network, extra_rows: int = 0, *, block_size: int = 1000, sampling: str = "lhs",
                    pert_lambda: float = 4.0, correlation=None, repair: bool = True, strict: bool = True,
                    fuse: bool = False) -> BlockSampler:
        """The sampler of a network's remaining durations, with ``extra_rows`` rows of uniforms after them.

        ``extra_rows`` are the risk rows (2 per risk: occurrence, impact) of
        the engine's layout; ``correlation``, ``repair`` and ``strict`` go to
        :func:`correlation_sets`; ``fuse`` allows the fused triangular path.
        """
        if sampling not in SAMPLING:
            raise ValueError(f"unknown sampling {sampling!r}: use 'lhs' or 'mc'")
        low, mode, high, dist = remaining_ranges(network)
        durations = DurationSampler(dist, low, mode, high, pert_lambda=pert_lambda)
        sets = correlation_sets(network, correlation, low, high, repair=repair, strict=strict)
        corr_rows = np.concatenate([r for r, _ in sets]) if sets else np.zeros(0, int)
        if len(np.unique(corr_rows)) != len(corr_rows):
            raise ValueError("an activity is in more than one correlation set")
        n_rows = network.n + int(extra_rows)
        kinds = set(dist.tolist())
        fused = bool(fuse and sampling == "mc" and not sets and kinds == {"triangular"} and np.all(high > low))
        return cls(network.n, n_rows, int(block_size), sampling, durations, low, mode, high, dist, sets,
                   np.setdiff1d(np.arange(n_rows), corr_rows), _ic_batches(sets), fused)

    def uniforms(self, rng: np.random.Generator, work: dict | None = None) -> np.ndarray:
        """The block's uniforms (n_rows, B): Latin hypercube on the free rows, Iman-Conover on each set.

        ``work``: buffers reused by the blocks of one thread (the uniforms and
        the permuted strata are written into them: the same numbers, no page
        faults); the result then lives in ``work`` until the next block.
        """
        B, n_rows = self.block_size, self.n_rows
        if work is not None:
            u = work.get("u")
            if u is None:
                u = work["u"] = np.empty((n_rows, B))
            rng.random(out=u)
        else:
            u = rng.random((n_rows, B))
        lhs = self.sampling == "lhs"
        if lhs:
            free = self.free_rows
            if len(free) == n_rows:
                perm = None
                if work is not None:
                    perm = work.get("perm")
                    if perm is None:
                        perm = work["perm"] = np.empty((n_rows, B))
                latin_hypercube(u, rng, out=perm)
            elif len(free):
                u[free] = latin_hypercube(u[free], rng)
        strata = np.arange(B, dtype=np.float64)
        for rows, factor in self.ic_batches:
            x = u[rows]  # (sets, k, B)
            if lhs:  # correlated rows: strata in ascending order, then ordered by Iman-Conover
                x += strata
                x *= 1.0 / B
            u[rows] = iman_conover(x, None, rng, presorted=lhs, factor=factor)
        return u

    def draw(self, rng: np.random.Generator, out: np.ndarray | None = None,
             work: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One block: remaining durations (n_act, B) [days] into ``out``, and the other rows' uniforms.

        Returns
        -------
        D : ndarray, shape (n_act, B)
            ``out`` (allocated when None).
        rest : ndarray, shape (n_rows - n_act, B)
            The uniforms of the rows after the activities (risk occurrence
            and impact rows).
        """
        n, B = self.n_act, self.block_size
        if self.fused:
            # numpy's triangular is the same inverse CDF of the same stream of doubles (one per sample)
            d = rng.triangular(self.low[:, None], self.mode[:, None], self.high[:, None], size=(n, B))
            if out is None:
                out = d
            else:
                out[...] = d
            return out, rng.random((self.n_rows - n, B))
        u = self.uniforms(rng, work)
        if out is None:
            out = np.empty((n, B))
        self.durations.ppf(u[:n], out=out, work=work)
        return out, u[n:]


# ---------------------------------------------------------------- the risk-driver step
def _parents_first(parent: np.ndarray) -> np.ndarray:
    """Risk indices with every parent before its children (parents are validated acyclic)."""
    order, seen = [], set()
    for i in range(len(parent)):
        chain = []
        k = i
        while k >= 0 and k not in seen and k not in chain:
            chain.append(k)
            k = int(parent[k])
        for k in reversed(chain):
            seen.add(k)
            order.append(k)
    return np.array(order, dtype=int)


@dataclass(frozen=True, eq=False)
class RiskDriverStep:
    """Risk drivers compiled against a network's rows: what one occurrence does to one iteration.

    Attributes
    ----------
    ids : tuple of str
        Risk ids, register order (the order of ``params`` rows).
    percent : ndarray of bool
        Percent-of-duration impact (else added days), per risk.
    rows, sched_rows : tuple of ndarray
        Network rows each risk affects (its cost is split over them) and
        those of them not complete (they take its schedule impact).
    touched : ndarray
        Rows affected by any risk (sorted): the rows ``apply`` changes.
    cost_pos, sched_pos : tuple of ndarray
        ``rows`` and ``sched_rows`` as positions in ``touched``.
    parent : ndarray of int
        The risk each one depends on (-1: none); see
        :class:`~pmo_analytics.risk.drivers.RiskDrivers`.
    only_if : ndarray of bool
    p_if_parent : ndarray
        Probability where the parent occurred (``more_likely``; NaN else).
    pre_probability : ndarray
        Probability before mitigation (a mitigated child scales
        ``p_if_parent`` by post / pre).
    order : ndarray of int
        Risks with parents first (occurrences are drawn in this order).
    """

    ids: tuple
    percent: np.ndarray
    rows: tuple
    sched_rows: tuple
    touched: np.ndarray
    cost_pos: tuple
    sched_pos: tuple
    parent: np.ndarray = None
    only_if: np.ndarray = None
    p_if_parent: np.ndarray = None
    pre_probability: np.ndarray = None
    order: np.ndarray = None

    @classmethod
    def compile(cls, drivers, status: np.ndarray) -> RiskDriverStep:
        """From :class:`~pmo_analytics.risk.drivers.RiskDrivers` and the network's status (2 = complete)."""
        incomplete = np.asarray(status) != 2
        rows = tuple(np.asarray(r, dtype=int) for r in drivers.rows)
        sched = tuple(r if incomplete[r].all() else r[incomplete[r]] for r in rows)
        touched = np.array(sorted({int(x) for r in rows for x in r}), dtype=int)
        parent = np.asarray(getattr(drivers, "parent", None) if getattr(drivers, "parent", None) is not None
                            else np.full(len(rows), -1), dtype=int)
        order = _parents_first(parent)
        return cls(tuple(drivers.ids), np.asarray(drivers.percent, bool), rows, sched, touched,
                   tuple(np.searchsorted(touched, r) for r in rows), tuple(np.searchsorted(touched, r) for r in sched),
                   parent, np.asarray(getattr(drivers, "only_if", np.zeros(len(rows), bool)), bool),
                   np.asarray(getattr(drivers, "p_if_parent", np.full(len(rows), np.nan)), float),
                   np.asarray(drivers.pre[:, 0] if len(rows) else np.zeros(0), float), order)

    @property
    def conditional(self) -> bool:
        """True when some risk depends on another (its occurrence is drawn after its parent's)."""
        return self.parent is not None and bool((self.parent >= 0).any())

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def passed(self) -> list:
        """Ids of the risks whose activities are all complete: their schedule impact is void."""
        return [rid for rid, r in zip(self.ids, self.sched_rows) if not len(r)]

    def occurrences(self, params: np.ndarray, u_occ: np.ndarray, which=None) -> np.ndarray:
        """Whether each risk (row of ``params``) occurs in each iteration: its uniform below its probability.

        ``which``: the risks the rows are (indices into :attr:`ids`; default
        all, in order). A conditional risk compares its uniform with the
        probability that applies in each iteration: given its parent's
        occurrence there (a parent not among ``which`` -- switched off, or
        drawn elsewhere -- has not occurred).
        """
        occ = u_occ < params[:, 0, None]
        if not self.conditional:
            return occ
        which = np.arange(len(params)) if which is None else np.asarray(which, dtype=int)
        at = {int(k): j for j, k in enumerate(which)}
        for k in self.order:
            j = at.get(int(k))
            g = int(self.parent[k])
            if j is None or g < 0:
                continue
            pj = at.get(g)
            par = occ[pj] if pj is not None else np.zeros(occ.shape[1], bool)
            if self.only_if[k]:
                occ[j] &= par
            else:
                base = self.pre_probability[k]
                p1 = self.p_if_parent[k] * (params[j, 0] / base if base > 0 else 1.0)
                occ[j] = np.where(par, u_occ[j] < min(p1, 1.0), occ[j])
        return occ

    def effects(self, params: np.ndarray, u_occ: np.ndarray, u_imp: np.ndarray,
                which=None) -> tuple[np.ndarray, np.ndarray]:
        """Schedule and cost impact of each risk in each iteration (0 where it does not occur).

        Parameters
        ----------
        params : ndarray, shape (k, 7)
            probability, schedule min/ml/max [days or %], cost min/ml/max
            [currency] of the risks drawn.
        u_occ, u_imp : ndarray, shape (k, B)
            Their occurrence and impact uniforms.
        which : array-like of int, optional
            The risks the rows are (see :meth:`occurrences`).

        Returns
        -------
        sched : ndarray, shape (k, B)
            [days or %]: triangular of the schedule three points at the
            impact quantile.
        cost : ndarray, shape (k, B)
            [currency]: the cost three points at the *same* quantile (a bad
            occurrence is bad in both).
        """
        occ = self.occurrences(params, u_occ, which)
        return self.impacts(params, u_imp, occ)

    @staticmethod
    def impacts(params: np.ndarray, u_imp: np.ndarray, occ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Triangular schedule and cost impacts at the quantiles ``u_imp``, times the occurrence mask ``occ``."""
        _p, smin, sml, smax, cmin, cml, cmax = (params[:, k, None] for k in range(7))
        sched = ppf("triangular", u_imp, smin, sml, smax) * occ
        cost = ppf("triangular", u_imp, cmin, cml, cmax) * occ
        return sched, cost

    def zeros(self, B: int) -> tuple[np.ndarray, np.ndarray]:
        """Empty percent and added-days accumulators (touched rows, B)."""
        t = len(self.touched)
        return np.zeros((t, B)), np.zeros((t, B))

    def accumulate(self, which, sched: np.ndarray, pct: np.ndarray, add: np.ndarray, cost: np.ndarray | None = None,
                   rcost: np.ndarray | None = None) -> None:
        """Add the schedule impacts of risks ``which`` (``sched`` row j is risk ``which[j]``) to ``pct``/``add``.

        With ``rcost`` (touched rows, B), each risk's ``cost`` is also split
        equally over the activities it affects (where spend is timed by
        activity); complete activities take no schedule impact (the risk has
        passed there), their share of its cost still counts.
        """
        for j, k in enumerate(which):
            sp = self.sched_pos[k]
            if self.percent[k]:
                pct[sp] += sched[j] / 100.0
            else:
                add[sp] += sched[j]
            if rcost is not None:
                cp = self.cost_pos[k]
                rcost[cp] += cost[j] / len(cp)

    def apply(self, D: np.ndarray, pct: np.ndarray, add: np.ndarray) -> np.ndarray:
        """Durations with risks, in place on the touched rows: ``d = d0 (1 + sum pct / 100) + sum days``."""
        if len(self.touched):
            D[self.touched] = D[self.touched] * (1.0 + pct) + add
        return D
