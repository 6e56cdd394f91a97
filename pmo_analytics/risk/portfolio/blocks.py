"""One block of the portfolio Monte Carlo: the task each thread or cluster worker runs.

:func:`simulate_block` draws block ``b`` of every project of a
:class:`~pmo_analytics.risk.portfolio.compiled.CompiledPortfolio` from its
streams (:mod:`pmo_analytics.streams`), with the sampling kernel
(:mod:`pmo_analytics.risk.sampling`): a project's durations and local risks
by :func:`sample_schedule_block` (replaceable), the shared risks once for
every project they hit, the reference classes' Iman-Conover reordering of
whole iterations, a project's schedule events (branches, risk-calendar
windows); then the projects in precedence order, their spend over periods,
costs, finishes and tracked milestones. A block's numbers depend on the
block and the ids only, never on where it runs.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ...streams import CLASS, EVENTS, PROJECT, SHARED, stream
from ..correlation import iman_conover
from ..sampling import block_uniforms
from ..spend import accrue
from .compiled import CompiledPortfolio, ProfileProject, ScheduleProject, schedule_times

__all__ = ["simulate_block", "sample_schedule_block"]


def _wsum(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``w @ X`` without BLAS (einsum's own loop), so every process computes the same bits."""
    return np.einsum("i,ij->j", w, X)


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
            lo, hi, T = schedule_times(pr, D, stretch)
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
