"""Reference-class outturn distributions: lognormal fits of actual / estimated cost and duration per class.

Used by the portfolio Monte Carlo (projects without a schedule) and the
selection scenarios (:mod:`pmo_analytics.selection.uncertainty`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, PMOError

__all__ = ["reference_class_distributions", "class_fit"]


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


def class_fit(fits: pd.DataFrame, cls: str) -> tuple[float, float, float, float, float]:
    """(cost_mu, cost_sigma, duration_mu, duration_sigma, rank_correlation) of a class, pooled when absent."""
    if cls in fits.index:
        r = fits.loc[cls]
    elif "*" in fits.index:
        r = fits.loc["*"]
    else:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    return (float(r["cost_mu"]), float(r["cost_sigma"]), float(r["duration_mu"]), float(r["duration_sigma"]),
            float(r["rank_correlation"]))
