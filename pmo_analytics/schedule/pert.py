"""PERT's normal approximation of the project finish: expected times, critical-path variance, P(T <= x).

PERT (Malcolm, Roseboom, Clark & Fazar, 1959, "Application of a technique
for research and development program evaluation", *Operations Research* 7(5))
estimates each activity from three points ``a`` (optimistic), ``m`` (most
likely), ``b`` (pessimistic):

* expected time ``te = (a + 4m + b) / 6`` (the mean of a Beta-PERT with
  lambda = 4: :func:`~pmo_analytics.schedule.cpm` with ``durations="mean"``),
* variance ``((b - a) / 6)^2``,

finds the critical path of the expected times, and takes the project finish
as normal with the path's mean and the **sum of its variances** (central
limit theorem), so ``P(T <= x) = Phi((x - mean) / sd)``. Worked example:
Hillier & Lieberman, *Introduction to Operations Research* (ch. "Project
Management with PERT/CPM"), Reliable Construction Co.: mean 44 weeks,
variance 9, P(T <= 47) = Phi(1) = 0.8413.

The approximation ignores merge bias (other near-critical paths): the Monte
Carlo engine (:mod:`pmo_analytics.risk`) does not. With several critical
paths the one with the largest variance is used (the conservative choice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .cpm import CRITICAL_TOL, cpm
from .network import Network

__all__ = ["PertResult", "pert"]


@dataclass(frozen=True)
class PertResult:
    """PERT normal approximation of one network (from :func:`pert`).

    Attributes
    ----------
    expected_durations : Series
        ``te`` per activity [unit] (remaining work where there is progress).
    variances : Series
        Duration variance per activity [unit squared].
    critical_path : list of str
        Activities of the critical path of the expected times, in order.
    mean : float
        Project finish under expected times [unit after the start].
    variance : float
        Sum of the variances along the critical path [unit squared].
    unit : str
        The network's unit label.
    """

    expected_durations: pd.Series
    variances: pd.Series
    critical_path: list
    mean: float
    variance: float
    unit: str

    @property
    def std(self) -> float:
        """Standard deviation of the project finish [unit]."""
        return float(np.sqrt(self.variance))

    def probability_finish_by(self, x: float) -> float:
        """P(T <= ``x``) [probability] for ``x`` in [unit after the start]."""
        if self.variance <= 0:
            return float(x >= self.mean - 1e-9)
        return float(stats.norm.cdf((float(x) - self.mean) / self.std))

    def finish_at(self, p: float) -> float:
        """Finish [unit after the start] with probability ``p`` [%] of not being exceeded."""
        if not 0 < p < 100:
            raise ValueError(f"p must be in (0, 100), got {p}")
        return float(self.mean + self.std * stats.norm.ppf(p / 100.0))

    @property
    def summary(self) -> pd.DataFrame:
        """``measure``, ``value``, ``unit`` rows: mean, variance, standard deviation, path length."""
        rows = [("expected finish", self.mean, self.unit), ("variance on the critical path", self.variance,
                                                            f"{self.unit} squared"),
                ("standard deviation", self.std, self.unit), ("critical activities", len(self.critical_path),
                                                               "count")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        return (f"PertResult(mean {self.mean:g} {self.unit}, variance {self.variance:g}, "
                f"critical path {'-'.join(self.critical_path)})")


def pert(network: Network, variance: str = "pert") -> PertResult:
    """PERT normal approximation: expected times, critical path, its variance.

    Parameters
    ----------
    network : Network
    variance : {"pert", "distribution"}, default "pert"
        ``pert``: PERT's ``((b - a) / 6)^2``; ``distribution``: the exact
        variance of each activity's own distribution (triangular
        ``(a^2 + b^2 + c^2 - ab - ac - bc) / 18``, Beta-PERT
        ``(mu - a)(b - mu) / (lambda + 3)``, uniform ``(b - a)^2 / 12``; fixed 0).

    Returns
    -------
    PertResult
    """
    if variance not in ("pert", "distribution"):
        raise ValueError(f"variance must be 'pert' or 'distribution', got {variance!r}")
    acts = network.activities
    sched = cpm(network, durations="mean")
    te = sched["duration"]
    a = acts["min_duration"].to_numpy(float)
    m = acts["most_likely"].to_numpy(float)
    b = acts["max_duration"].to_numpy(float)
    ml = np.where(m > 0, m, 1.0)
    ratio = np.where(m > 0, network.remaining / ml, 0.0)  # remaining work scales the spread
    if variance == "pert":
        var = ((b - a) / 6.0) ** 2
    else:
        var = _distribution_variance(acts["distribution"].to_numpy(), a, m, b)
    var = var * ratio ** 2
    var = pd.Series(var, index=acts.index, name="variance")
    path = _critical_path(network, sched, var.to_numpy())
    return PertResult(te.rename("te"), var, path, float(sched["early_finish"].max()),
                      float(var[path].sum()), network.unit_label)


def _distribution_variance(kind, a, m, b, lam: float = 4.0) -> np.ndarray:
    out = np.zeros(len(a))
    tri = kind == "triangular"
    out[tri] = (a[tri] ** 2 + b[tri] ** 2 + m[tri] ** 2 - a[tri] * b[tri] - a[tri] * m[tri] - b[tri] * m[tri]) / 18
    pe = kind == "pert"
    mu = (a[pe] + lam * m[pe] + b[pe]) / (lam + 2)
    out[pe] = (mu - a[pe]) * (b[pe] - mu) / (lam + 3)
    un = kind == "uniform"
    out[un] = (b[un] - a[un]) ** 2 / 12
    other = ~(tri | pe | un | (kind == "fixed"))
    out[other] = ((b[other] - a[other]) / 6.0) ** 2
    return out


def _critical_path(network: Network, sched: pd.DataFrame, var: np.ndarray) -> list[str]:
    """The critical path with the largest variance, following driving links between critical activities."""
    crit = sched["critical"].to_numpy()
    es, ef = sched["early_start"].to_numpy(), sched["early_finish"].to_numpy()
    lk = network.links
    best = np.where(crit, var, -np.inf)
    back = np.full(network.n, -1)
    preds: dict[int, list[int]] = {}
    for p, s, t, lag in zip(lk["pred_row"], lk["succ_row"], lk["type"], lk["lag"]):
        if not (crit[p] and crit[s]):
            continue
        succ_t = es[s] if t in ("FS", "SS") else ef[s]
        pred_t = ef[p] if t in ("FS", "FF") else es[p]
        if abs(succ_t - lag - pred_t) <= 1e-6 + CRITICAL_TOL:  # a driving link
            preds.setdefault(int(s), []).append(int(p))
    for r in network.order:
        if not crit[r]:
            continue
        for p in preds.get(int(r), []):
            if best[p] + var[r] > best[r]:
                best[r] = best[p] + var[r]
                back[r] = p
    finish = ef.max()
    ends = [r for r in range(network.n) if crit[r] and abs(ef[r] - finish) <= 1e-6]
    if not ends:
        return []
    r = max(ends, key=lambda i: (best[i], -i))
    path = []
    while r >= 0:
        path.append(network.ids[r])
        r = back[r]
    return path[::-1]
