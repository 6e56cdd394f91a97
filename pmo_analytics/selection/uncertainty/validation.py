"""Validation: a portfolio's overrun probability re-estimated on independent scenarios.

The chosen portfolio's spend is evaluated on scenarios drawn from a stream
the solve never saw (purpose ``_VALIDATION``), block by block on any
executor, and its overrun probability is stated with a Wilson score interval
(Wilson, "Probable inference, the law of succession, and statistical
inference", *JASA* 22, 1927; recommended by Brown, Cai & DasGupta,
*Statistical Science* 16(2), 2001).
"""

from __future__ import annotations

import math

import numpy as np

from ...parallel import executor_for
from ...stats import wilson_interval  # one home; re-exported here
from .scenarios import _VALIDATION, ScenarioSpec, _blocks, draw_block

__all__ = ["wilson_interval", "overrun_indicators", "cvar_overrun", "evaluate_portfolios"]


def cvar_overrun(spend_x: np.ndarray, budget: np.ndarray, alpha: float) -> float:
    """Conditional value at risk at level ``1 - alpha`` of the worst period's overrun [currency].

    ``L_k = max_t (spend_tk - B_t)`` per scenario; ``CVaR = VaR + E[(L - VaR)^+] / alpha`` with VaR the
    ``1 - alpha`` quantile of L (Rockafellar & Uryasev, "Optimization of conditional value-at-risk",
    *J. Risk* 2(3), 2000, Thm 1): the mean of the worst ``alpha`` share of the overruns (negative: headroom).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    L = np.sort((spend_x - np.asarray(budget, dtype=float)[:, None]).max(axis=0))
    K = len(L)
    var = float(L[min(int(math.ceil((1 - alpha) * K)) - 1, K - 1)])
    return var + float(np.maximum(L - var, 0.0).sum()) / (alpha * K)


def overrun_indicators(spend_x: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Scenarios (columns) in which spend ``(H, K)`` exceeds the budget in any period [bool].

    Spend within ``1e-6 x`` the largest period budget of it counts as within
    budget (the solver's feasibility tolerance).
    """
    b = np.asarray(budget, dtype=float)
    return (spend_x > b[:, None] + 1e-6 * max(float(np.abs(b).max()), 1.0)).any(axis=0)


def _evaluate_block(shared, item) -> np.ndarray:
    """Spend (m, H, size) of m portfolios on one block of scenarios."""
    spec, vp, vt, X, extra = shared
    used = np.flatnonzero(X.any(axis=0))
    sc = draw_block(spec, item, projects=np.isin(np.arange(spec.data.n), vp[used]))
    cs = sc.column_spend(vp[used], vt[used])                      # (u, H, size)
    on = X[:, used] > 0.5
    out = np.empty((len(X),) + cs.shape[1:])
    for m in range(len(X)):   # each portfolio's own columns, in order: its spend does not depend on the others
        out[m] = cs[on[m]].sum(axis=0)
    return out + sc.committed[None] + extra[:, :, None]


def evaluate_portfolios(spec: ScenarioSpec, model, X: np.ndarray, K: int, seed: int, *, extra=None,
                        block_size: int = 500, executor=None, purpose: int = _VALIDATION,
                        replication: int = 0) -> np.ndarray:
    """Spend per period of portfolios on ``K`` independent scenarios, shape (m, H, K) [currency].

    ``X`` (m, nx) holds 0/1 start columns of ``model`` (each portfolio's spend is the same whichever
    others are evaluated with it); ``extra`` (m, H)
    deterministic spend added to each (hiring) [currency]. ``purpose`` and
    ``replication`` name the stream (another replication: other scenarios).
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    H = spec.data.horizon
    extra = np.zeros((len(X), H)) if extra is None else np.atleast_2d(np.asarray(extra, dtype=float))
    items = _blocks(seed, purpose, int(replication), int(K), int(block_size))
    with executor_for(executor, 1) as ex:
        parts = ex.map(_evaluate_block, items, shared=(spec, model.vp, model.vt, X, extra))
    return np.concatenate(parts, axis=2)
