"""Spend over periods: amounts spent uniformly over intervals of time, added to per-period totals.

Used by the portfolio Monte Carlo (activities and cost profiles) and the
selection scenarios (:mod:`pmo_analytics.selection.uncertainty`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["accrue"]


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
