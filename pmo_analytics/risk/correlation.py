"""Rank correlation between sampled durations: Iman-Conover, and repair of invalid matrices.

Iman & Conover (1982), "A distribution-free approach to inducing rank
correlation among input variables", *Communications in Statistics -
Simulation and Computation* 11(3), 311-334. The method only *reorders* each
variable's sample, so every marginal distribution is exactly unchanged; in
the engine it reorders the uniform numbers before the inverse CDF.

The method gives its normal scores the target as their *Pearson*
correlation; the *rank* (Spearman) correlation that follows is that of a
bivariate normal, ``(6 / pi) arcsin(r / 2)`` -- 0.58 for a target of 0.6.
To reach a stated rank correlation ``rho_s`` the scores are given
``2 sin(pi rho_s / 6)`` (:func:`spearman_to_pearson`; Pearson 1907, see
Kruskal, "Ordinal measures of association", *JASA* 53, 1958, section 1.3),
as :func:`score_correlation` does for the engines.

An expert-given matrix is often not positive definite (inconsistent
pairwise judgements). :func:`nearest_correlation` returns the nearest
correlation matrix in the Frobenius norm by Higham's alternating projections
(Higham 2002, "Computing the nearest correlation matrix - a problem from
finance", *IMA J. Numer. Anal.* 22, 329-343).
"""

from __future__ import annotations

import warnings

from functools import lru_cache

import numpy as np
from scipy import special

from ..exceptions import DataWarning, PMOError

__all__ = ["iman_conover", "nearest_correlation", "check_correlation", "CorrelationMatrixError",
           "group_matrix", "spearman_to_pearson", "score_correlation"]


class CorrelationMatrixError(PMOError, ValueError):
    """A correlation matrix is malformed, or not positive definite and repair was not allowed."""


def nearest_correlation(c, tol: float = 1e-10, max_iter: int = 500, min_eig: float = 1e-8) -> np.ndarray:
    """Nearest correlation matrix (unit diagonal, positive definite) to a symmetric matrix.

    Higham (2002) alternating projections with Dykstra's correction, then a
    final eigenvalue floor at ``min_eig`` so the result has a Cholesky
    factor.
    """
    a = np.array(c, dtype=float)
    a = (a + a.T) / 2
    y = a.copy()
    ds = np.zeros_like(a)
    x = a
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y, "fro") <= tol * max(1.0, np.linalg.norm(y, "fro")):
            y = y_new
            break
        y = y_new
    w, v = np.linalg.eigh((y + y.T) / 2)
    y = (v * np.maximum(w, min_eig)) @ v.T
    d = np.sqrt(np.diag(y))
    y = y / np.outer(d, d)
    np.fill_diagonal(y, 1.0)
    return y


def check_correlation(c, repair: bool = True, name: str = "correlation matrix") -> np.ndarray:
    """Validate a correlation matrix; repair a non-positive-definite one with a warning.

    Raises
    ------
    CorrelationMatrixError
        if the matrix is not square and symmetric with unit diagonal and
        entries in [-1, 1], or is not positive definite and ``repair`` is
        False.

    Warns
    -----
    DataWarning
        when the matrix is replaced by its nearest positive-definite
        correlation matrix (the largest change is reported).
    """
    c = np.array(c, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise CorrelationMatrixError(f"{name} must be square, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise CorrelationMatrixError(f"{name} has blank or infinite entries")
    if not np.allclose(c, c.T, atol=1e-12):
        raise CorrelationMatrixError(f"{name} must be symmetric")
    if not np.allclose(np.diag(c), 1.0):
        raise CorrelationMatrixError(f"{name} must have ones on the diagonal")
    if np.any(np.abs(c) > 1 + 1e-12):
        raise CorrelationMatrixError(f"{name} has entries outside [-1, 1]")
    try:
        np.linalg.cholesky(c)
        return c
    except np.linalg.LinAlgError:
        pass
    if not repair:
        w = np.linalg.eigvalsh(c)
        raise CorrelationMatrixError(f"{name} is not positive definite (smallest eigenvalue {w.min():.3g}); "
                                     "pass repair=True to use the nearest valid matrix")
    fixed = nearest_correlation(c)
    warnings.warn(f"{name} is not positive definite; using the nearest correlation matrix "
                  f"(largest change {np.abs(fixed - c).max():.3f})", DataWarning, stacklevel=3)
    return fixed


def spearman_to_pearson(rho_s):
    """Normal-copula correlation giving Spearman's ``rho_s``: ``2 sin(pi rho_s / 6)`` (Pearson, 1907).

    The inverse of Spearman's rank correlation of a bivariate normal,
    ``rho_s = (6 / pi) arcsin(r / 2)``.
    """
    return 2.0 * np.sin(np.pi * np.asarray(rho_s, dtype=float) / 6.0)


def score_correlation(rank_corr, name: str = "correlation matrix") -> np.ndarray:
    """The correlation of Iman-Conover's normal scores that gives the rank correlation matrix ``rank_corr``.

    Each off-diagonal entry through :func:`spearman_to_pearson`, the
    diagonal kept at 1; a result that is not positive definite (rare: the
    map is not a Schur power series) is replaced by its nearest correlation
    matrix with a :class:`~pmo_analytics.exceptions.DataWarning`.
    """
    c = spearman_to_pearson(rank_corr)
    np.fill_diagonal(c, 1.0)
    return check_correlation(c, repair=True, name=f"{name} (as normal-score correlation)")


def group_matrix(k: int, rho: float) -> np.ndarray:
    """Equicorrelation matrix of ``k`` variables with coefficient ``rho``."""
    c = np.full((k, k), float(rho))
    np.fill_diagonal(c, 1.0)
    return c


def iman_conover(x: np.ndarray, target: np.ndarray | None, rng: np.random.Generator, presorted: bool = False,
                 factor: np.ndarray | None = None) -> np.ndarray:
    """Reorder each row of ``x`` so the rows have the target rank correlation.

    Parameters
    ----------
    x : ndarray, shape (..., variables, samples)
        Samples, one variable per row (any marginals); leading dimensions
        are independent problems solved in one batch.
    target : ndarray, shape (..., variables, variables)
        Positive-definite target correlation of the normal scores (may be
        None when ``factor`` is given); for a target *rank* correlation pass
        :func:`score_correlation` of it (see the module notes).
    rng : numpy.random.Generator
        Source of the random score permutations.
    presorted : bool, default False
        Each row of ``x`` is already in ascending order (saves a sort; the
        engine's Latin hypercube rows are generated sorted).
    factor : ndarray, optional
        Lower Cholesky factor of ``target``, when already computed.

    Returns
    -------
    ndarray like ``x``
        Each row is a permutation of the same row of ``x`` (marginals
        unchanged); the Spearman correlation of the rows approximates
        ``(6 / pi) arcsin(target / 2)`` within sampling error (``target``
        itself, within 0.02, for ``|target| <= 0.6``).

    Notes
    -----
    With van der Waerden scores ``S`` (each row a random permutation),
    ``Q`` the Cholesky factor of the sample correlation of ``S`` and ``P``
    that of the target, ``T = P Q^-1 S`` has exactly the target (Pearson)
    correlation; each row of ``x`` is then given the ranks of ``T``'s row.
    """
    x = np.asarray(x)
    k, n = x.shape[-2:]
    if k < 2:
        return x.copy()
    p = factor if factor is not None else np.linalg.cholesky(target)
    scores = _scores(n)
    s = rng.permuted(np.broadcast_to(scores, x.shape), axis=-1)
    # every row is a permutation of the same zero-mean scores: corr(S) = S S' / sum(scores^2)
    # (contiguous operands keep numpy's stacked matmul on BLAS)
    e = (s @ np.ascontiguousarray(np.swapaxes(s, -1, -2))) / float(scores @ scores)
    try:
        q = np.linalg.cholesky(e)
    except np.linalg.LinAlgError:
        # too few samples for the variables (a block of 2 or 3 iterations): two score rows can be the same
        # permutation, their correlation singular; a small ridge keeps the result a reordering of each row
        q = np.linalg.cholesky(e + 1e-6 * np.eye(k))
    # M = P Q^-1, from Q' M' = P'
    m = np.swapaxes(np.linalg.solve(np.swapaxes(q, -1, -2), np.swapaxes(p, -1, -2)), -1, -2)
    order = np.argsort(np.ascontiguousarray(m) @ s, axis=-1)
    out = np.empty_like(x)
    np.put_along_axis(out, order, x if presorted else np.sort(x, axis=-1), axis=-1)
    return out


@lru_cache(maxsize=8)
def _scores(n: int) -> np.ndarray:
    """Van der Waerden scores Phi^-1(i / (n + 1)), i = 1..n."""
    sc = special.ndtri(np.arange(1, n + 1) / (n + 1))
    sc.flags.writeable = False
    return sc
