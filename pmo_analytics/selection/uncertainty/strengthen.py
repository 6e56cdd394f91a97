"""Tight big-M values and a feasible start: what makes the SAA model solvable at the review's size.

:func:`_quantile_big_m` bounds each scenario row's overrun from the other
scenarios (Luedtke 2014, Song, Luedtke & Kucukyavuz 2014); :func:`_greedy_start`
builds a portfolio that meets every structural row and the scenario
constraint, handed to HiGHS as its first incumbent.
"""

from __future__ import annotations

import math

import numpy as np

__all__: list[str] = []


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
