"""Three-point duration distributions, sampled by their inverse CDF.

Every distribution is given by the activity's three numbers ``low``
(``min_duration``), ``mode`` (``most_likely``) and ``high``
(``max_duration``) [days] and is sampled as ``ppf(u)`` of a uniform ``u``, so
plain Monte Carlo, Latin hypercube sampling and Iman-Conover rank correlation
(which rearranges ``u``) all work the same way for every distribution.

Conventions (documented here once):

``triangular``
    Triangular(low, mode, high). Mean ``(low + mode + high) / 3``.
``pert``
    BetaPERT with shape ``lambda`` (4 by default): Beta(alpha, beta) on
    [low, high] with ``alpha = 1 + lambda (mode - low) / (high - low)``,
    ``beta = 1 + lambda (high - mode) / (high - low)``; mean
    ``(low + lambda mode + high) / (lambda + 2)`` (Vose, *Risk Analysis*, 3rd
    ed., 2008, sect. III.7; Malcolm et al., 1959, for lambda = 4).
``uniform``
    Uniform(low, high); ``mode`` is not used.
``trigen``
    ``low`` and ``high`` are the 10th and 90th percentiles of a triangular
    distribution with mode ``mode``; the implied absolute bounds are solved
    by :func:`trigen_bounds` (Vose 2008, "Trigen").
``lognormal``
    ``low`` and ``high`` are the 10th and 90th percentiles of a lognormal
    (``mode`` is not used): ``mu = (ln low + ln high) / 2``,
    ``sigma = (ln high - ln low) / (2 z_0.9)``; needs ``low > 0``.
``normal``
    Mean ``mode`` and ``low``/``high`` its 10th/90th percentiles
    (``sd = (high - low) / (2 z_0.9)``); for tests and expert use, not in the
    data model. Sampled durations are floored at 0.
``fixed``
    Always ``mode``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["DISTRIBUTIONS", "ppf", "mean", "trigen_bounds", "Z90"]

DISTRIBUTIONS = ("triangular", "pert", "uniform", "trigen", "lognormal", "normal", "fixed")
#: Standard normal 90th percentile.
Z90 = float(special.ndtri(0.9))


def trigen_bounds(p_low, mode, p_high, lower: float = 0.10, upper: float = 0.90):
    """Absolute bounds of a triangular distribution given two percentiles and the mode.

    Solves ``F(p_low) = lower`` and ``F(p_high) = upper`` for the triangular
    CDF ``F`` with the given mode (fixed-point iteration on the two
    quadratics; vectorised over arrays).

    Parameters
    ----------
    p_low, mode, p_high : float or ndarray
        Lower percentile, mode and upper percentile [days]
        (``p_low <= mode <= p_high``).
    lower, upper : float
        Probabilities of the stated percentiles (0.10 and 0.90 for P10/P90).

    Returns
    -------
    (low, high) : ndarrays
        The implied minimum and maximum.

    Examples
    --------
    >>> lo, hi = trigen_bounds(8.0, 10.0, 15.0)
    >>> bool(lo < 8.0 and hi > 15.0)
    True
    """
    pl = np.asarray(p_low, dtype=float)
    c = np.asarray(mode, dtype=float)
    ph = np.asarray(p_high, dtype=float)
    if not (0 < lower < upper < 1):
        raise ValueError("need 0 < lower < upper < 1")
    if np.any(pl > c) or np.any(c > ph):
        raise ValueError("trigen needs p_low <= mode <= p_high")
    p, q = lower, 1.0 - upper
    alpha = c - pl  # distance mode - P_low
    beta = ph - c   # distance P_high - mode
    x = alpha.copy()  # mode - low
    y = beta.copy()   # high - mode
    for _ in range(200):
        # (x - alpha)^2 = p (x + y) x  ->  (1-p) x^2 - (2 alpha + p y) x + alpha^2 = 0, root >= alpha
        bx = 2 * alpha + p * y
        x_new = (bx + np.sqrt(np.maximum(bx * bx - 4 * (1 - p) * alpha * alpha, 0))) / (2 * (1 - p))
        by = 2 * beta + q * x_new
        y_new = (by + np.sqrt(np.maximum(by * by - 4 * (1 - q) * beta * beta, 0))) / (2 * (1 - q))
        done = np.allclose(x_new, x, rtol=1e-13, atol=1e-12) and np.allclose(y_new, y, rtol=1e-13, atol=1e-12)
        x, y = x_new, y_new
        if done:
            break
    return c - x, c + y


def _tri_ppf(u, a, c, b):
    a, c, b = np.broadcast_arrays(a, c, b) if np.ndim(a) else (a, c, b)
    ba = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        fc = np.where(ba > 0, (c - a) / np.where(ba > 0, ba, 1), 0.5)
    low = u < fc
    w = np.where(low, u * (ba * (c - a)), (1.0 - u) * (ba * (b - c)))
    np.sqrt(w, out=w)
    return np.where(low, a + w, b - w)


def ppf(kind: str, u, low, mode, high, pert_lambda: float = 4.0) -> np.ndarray:
    """Inverse CDF: durations [days] at uniform quantiles ``u``.

    Parameters
    ----------
    kind : str
        One of :data:`DISTRIBUTIONS`.
    u : ndarray
        Uniform numbers in [0, 1).
    low, mode, high : float or ndarray
        The three-point estimate [days], broadcast against ``u``.
    pert_lambda : float, default 4
        BetaPERT shape parameter.
    """
    u = np.asarray(u, dtype=float)
    a = np.asarray(low, dtype=float)
    c = np.asarray(mode, dtype=float)
    b = np.asarray(high, dtype=float)
    if kind == "triangular":
        return _tri_ppf(u, a, c, b)
    if kind == "uniform":
        return a + (b - a) * u
    if kind == "fixed":
        return np.broadcast_to(c, u.shape).astype(float)
    if kind == "trigen":
        lo, hi = trigen_bounds(a, c, b)
        return np.maximum(_tri_ppf(u, lo, c, hi), 0.0)
    if kind == "pert":
        if pert_lambda <= 0:
            raise ValueError(f"pert_lambda must be > 0, got {pert_lambda}")
        ba = b - a
        safe = np.where(ba > 0, ba, 1.0)
        al = 1 + pert_lambda * (c - a) / safe
        be = 1 + pert_lambda * (b - c) / safe
        return a + ba * special.betaincinv(al, be, u)
    if kind == "lognormal":
        if np.any(a <= 0):
            raise ValueError("lognormal durations need min_duration (P10) > 0")
        mu = 0.5 * (np.log(a) + np.log(b))
        sigma = (np.log(b) - np.log(a)) / (2 * Z90)
        return np.exp(mu + sigma * special.ndtri(np.clip(u, 1e-300, None)))
    if kind == "normal":
        sd = (b - a) / (2 * Z90)
        return np.maximum(c + sd * special.ndtri(np.clip(u, 1e-300, None)), 0.0)
    raise ValueError(f"unknown distribution {kind!r}: use one of {', '.join(DISTRIBUTIONS)}")


def mean(kind: str, low, mode, high, pert_lambda: float = 4.0) -> np.ndarray:
    """Mean [days] of a distribution under the conventions above (closed forms)."""
    a = np.asarray(low, dtype=float)
    c = np.asarray(mode, dtype=float)
    b = np.asarray(high, dtype=float)
    if kind == "triangular":
        return (a + c + b) / 3
    if kind == "pert":
        return (a + pert_lambda * c + b) / (pert_lambda + 2)
    if kind == "uniform":
        return (a + b) / 2
    if kind == "fixed":
        return c * 1.0
    if kind == "trigen":
        lo, hi = trigen_bounds(a, c, b)
        return (lo + c + hi) / 3
    if kind == "lognormal":
        mu = 0.5 * (np.log(a) + np.log(b))
        sigma = (np.log(b) - np.log(a)) / (2 * Z90)
        return np.exp(mu + sigma ** 2 / 2)
    if kind == "normal":
        return c * 1.0
    raise ValueError(f"unknown distribution {kind!r}: use one of {', '.join(DISTRIBUTIONS)}")
