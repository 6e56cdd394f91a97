"""Analytic Hierarchy Process: driver weights from pairwise judgements.

Weights are the principal (Perron) eigenvector of the positive reciprocal
judgement matrix ``A`` (``a_ij`` = how much more important driver i is than
driver j on Saaty's 1-9 scale, ``a_ji = 1 / a_ij``), normalised to sum 1.
Consistency is measured by Saaty's consistency index and ratio,
``CI = (lambda_max - n) / (n - 1)`` and ``CR = CI / RI_n``,
with the random index ``RI_n`` of Saaty (1980), *The Analytic Hierarchy
Process*, McGraw-Hill, table 1.7 (also Saaty, "How to make a decision: the
analytic hierarchy process", *European Journal of Operational Research* 48
(1990) 9-26). Judgements with ``CR > 0.10`` should be revised (Saaty 1990,
section 4). The most inconsistent judgements are those whose ratio
``e_ij = a_ij w_j / w_i`` is farthest from 1 (Saaty 2003, "Decision-making
with the AHP: why is the principal eigenvector necessary", *EJOR* 145,
85-91): the revised value ``w_i / w_j`` is suggested for each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InconsistentJudgementsError, PMOError

__all__ = ["RANDOM_INDEX", "SAATY_SCALE", "AHPResult", "pairwise_matrix", "ahp_weights"]

#: Saaty's random consistency index RI by matrix order n (Saaty 1980, table 1.7).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
#: The fundamental scale and its reciprocals, used to round suggested revisions.
SAATY_SCALE = np.array(sorted({float(k) for k in range(1, 10)} | {1.0 / k for k in range(2, 10)}))


@dataclass(frozen=True)
class AHPResult:
    """Result of :func:`ahp_weights`.

    Attributes
    ----------
    weights : Series
        Driver weights (principal eigenvector, sum 1), indexed by criterion.
    matrix : DataFrame
        The reciprocal judgement matrix used.
    lambda_max : float
        Principal eigenvalue.
    consistency_index : float
        ``(lambda_max - n) / (n - 1)`` [ratio].
    random_index : float
        Saaty's RI for the matrix order [ratio].
    consistency_ratio : float
        ``CI / RI`` (0 for n <= 2, which are always consistent) [ratio].
    judgements : DataFrame
        One row per judgement above the diagonal: ``criterion_a``,
        ``criterion_b``, ``judgement`` (a_ij), ``implied`` (w_i / w_j),
        ``suggested`` (implied rounded to the Saaty scale) and
        ``inconsistency`` (``|ln e_ij|``), most inconsistent first.
    max_cr : float
        The limit the ratio was checked against.
    """

    weights: pd.Series
    matrix: pd.DataFrame
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float
    judgements: pd.DataFrame
    max_cr: float = 0.10

    @property
    def consistent(self) -> bool:
        """True when the consistency ratio is within ``max_cr``."""
        return self.consistency_ratio <= self.max_cr

    @property
    def table(self) -> pd.DataFrame:
        """Per criterion: ``weight`` [fraction] and ``rank`` (1 = most important)."""
        return pd.DataFrame({"weight": self.weights,
                             "rank": self.weights.rank(ascending=False, method="min").astype(int)})

    @property
    def summary(self) -> pd.DataFrame:
        """Consistency figures: long frame with ``measure``, ``value``, ``unit`` (weights in :attr:`table`)."""
        rows = [("criteria", int(len(self.weights)), "criteria"), ("lambda_max", float(self.lambda_max), ""),
                ("consistency index", float(self.consistency_index), "ratio"),
                ("random index", float(self.random_index), "ratio"),
                ("consistency ratio", float(self.consistency_ratio), "ratio"),
                ("consistency limit", float(self.max_cr), "ratio"), ("consistent", self.consistent, "")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        return (f"AHPResult({len(self.weights)} criteria, lambda_max={self.lambda_max:.3f}, "
                f"CR={self.consistency_ratio:.3f} ({'consistent' if self.consistent else 'INCONSISTENT'}))")


def pairwise_matrix(pairwise: pd.DataFrame, criteria: list[str] | None = None) -> pd.DataFrame:
    """Reciprocal judgement matrix from the ``pairwise`` table.

    Parameters
    ----------
    pairwise : DataFrame
        ``criterion_a``, ``criterion_b``, ``judgement`` (Saaty scale, 1/9..9):
        how much more important a is than b. Each unordered pair must be given
        once (or twice with reciprocal values).
    criteria : list of str, optional
        Order of the drivers; default: order of first appearance.

    Returns
    -------
    DataFrame
        Square matrix indexed and columned by criterion, ``a_ii = 1``,
        ``a_ji = 1 / a_ij``.

    Raises
    ------
    PMOError
        A pair is missing, given twice inconsistently, compares a driver with
        itself, or a judgement is not positive.
    """
    a = pairwise["criterion_a"].astype(str).to_numpy()
    b = pairwise["criterion_b"].astype(str).to_numpy()
    j = pairwise["judgement"].to_numpy(dtype=float)
    if criteria is None:
        criteria = list(dict.fromkeys(np.concatenate([a, b]).tolist()))
    criteria = [str(c) for c in criteria]
    idx = {c: k for k, c in enumerate(criteria)}
    unknown = sorted((set(a) | set(b)) - set(idx))
    if unknown:
        raise PMOError(f"pairwise judgements name unknown criteria {unknown}")
    if np.any(~np.isfinite(j)) or np.any(j <= 0):
        raise PMOError("pairwise judgements must be positive numbers (Saaty scale 1/9 .. 9)")
    same = a == b
    if same.any():
        raise PMOError(f"a criterion is compared with itself: {sorted(set(a[same]))}")
    n = len(criteria)
    m = np.full((n, n), np.nan)
    np.fill_diagonal(m, 1.0)
    ia = np.array([idx[x] for x in a], dtype=int)
    ib = np.array([idx[x] for x in b], dtype=int)
    for i, k, v in zip(ia, ib, j):
        for (r, c, val) in ((i, k, v), (k, i, 1.0 / v)):
            if np.isnan(m[r, c]):
                m[r, c] = val
            elif not np.isclose(m[r, c], val, rtol=1e-6):
                raise PMOError(f"judgement {criteria[r]} vs {criteria[c]} given twice with values that "
                               f"are not reciprocal ({m[r, c]:g} and {val:g})")
    missing = [(criteria[r], criteria[c]) for r, c in zip(*np.where(np.isnan(m))) if r < c]
    if missing:
        raise PMOError(f"pairwise table is incomplete: {len(missing)} pair(s) without a judgement, "
                       f"e.g. {missing[:5]}")
    return pd.DataFrame(m, index=pd.Index(criteria, name="criterion"), columns=criteria)


def ahp_weights(judgements: pd.DataFrame, criteria: list[str] | None = None, max_cr: float = 0.10,
                allow_inconsistent: bool = False, n_worst: int = 3) -> AHPResult:
    """AHP driver weights (principal eigenvector) with Saaty's consistency ratio.

    Parameters
    ----------
    judgements : DataFrame
        Either the ``pairwise`` table (``criterion_a``, ``criterion_b``,
        ``judgement``) or a square reciprocal matrix indexed and columned by
        criterion.
    criteria : list of str, optional
        Order of the drivers (pairwise table only).
    max_cr : float, default 0.10
        Largest acceptable consistency ratio (Saaty's 10 % rule).
    allow_inconsistent : bool, default False
        Explicit override: return the weights even when ``CR > max_cr``
        (the result's ``consistent`` is then False).
    n_worst : int, default 3
        How many judgements the error message names.

    Returns
    -------
    AHPResult

    Raises
    ------
    InconsistentJudgementsError
        ``CR > max_cr`` and no override; the message names the most
        inconsistent judgements and a suggested revision for each.
    PMOError
        The matrix is not square, not positive or not reciprocal; RI is not
        tabulated for its order (n > 10).

    Examples
    --------
    Saaty (1990), table 3, "size of house" (weights .754 .181 .065, CR .117):

    >>> m = pd.DataFrame([[1, 6, 8], [1/6, 1, 4], [1/8, 1/4, 1]],
    ...                  index=list("ABC"), columns=list("ABC"))
    >>> r = ahp_weights(m, allow_inconsistent=True)
    >>> [round(float(w), 3) for w in r.weights], round(r.consistency_ratio, 3)
    ([0.754, 0.181, 0.065], 0.117)
    """
    if {"criterion_a", "criterion_b", "judgement"} <= set(judgements.columns):
        mat = pairwise_matrix(judgements, criteria)
    else:
        mat = judgements.astype(float)
        if mat.shape[0] != mat.shape[1] or list(mat.index) != list(mat.columns):
            raise ValueError("judgement matrix must be square with the same criteria as index and columns")
    a = mat.to_numpy(dtype=float)
    n = a.shape[0]
    if n == 0:
        raise PMOError("no criteria to weigh")
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("judgement matrix must hold positive finite values")
    if not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise ValueError("judgement matrix is not reciprocal (a_ji must equal 1 / a_ij)")
    if n not in RANDOM_INDEX:
        raise PMOError(f"Saaty's random index is tabulated for 1..10 criteria, got {n}; "
                       "group the drivers into a hierarchy")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)  # rounding can give -1e-16 on consistent matrices
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    names = list(mat.index)
    iu, ju = np.triu_indices(n, 1)
    implied = w[iu] / w[ju]
    eps = a[iu, ju] / implied
    suggested = SAATY_SCALE[np.abs(np.log(SAATY_SCALE)[None, :] - np.log(implied)[:, None]).argmin(axis=1)]
    table = pd.DataFrame({
        "criterion_a": [names[i] for i in iu], "criterion_b": [names[j] for j in ju],
        "judgement": a[iu, ju], "implied": implied, "suggested": suggested,
        "inconsistency": np.abs(np.log(eps)),
    }).sort_values("inconsistency", ascending=False, kind="stable").reset_index(drop=True)
    result = AHPResult(pd.Series(w, index=pd.Index(names, name="criterion"), name="weight"), mat, lam, ci,
                       ri, cr, table, float(max_cr))
    if cr > max_cr and not allow_inconsistent:
        worst = table.head(n_worst)
        lines = [f"  {r.criterion_a} vs {r.criterion_b}: judged {_fmt(r.judgement)}, the other judgements "
                 f"imply {r.implied:.2f} (consider {_fmt(r.suggested)})" for r in worst.itertuples()]
        raise InconsistentJudgementsError(
            f"AHP judgements are inconsistent: CR = {cr:.3f} > {max_cr:.2f} (lambda_max = {lam:.3f}, "
            f"n = {n}). Most inconsistent judgements:\n" + "\n".join(lines)
            + "\nRevise them, or pass allow_inconsistent=True to accept the weights anyway.", cr, worst)
    return result


def _fmt(x: float) -> str:
    return f"{x:g}" if x >= 1 else f"1/{1 / x:.0f}"
