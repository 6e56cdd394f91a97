"""A small in-process HiGHS linear program for the schedule room (time-cost trade-off, recovery).

The model is given as arrays (``min c @ x`` subject to ``row_lo <= A @ x <=
row_hi`` and ``col_lo <= x <= col_hi``, ``A`` a scipy sparse matrix) and kept
in one ``highspy.Highs`` object, so that re-solving after a change of bounds,
costs or added rows starts from the last basis (simplex hot start): the
time-cost curve and the cutting planes of a recovery re-solve the same model
many times. Nothing is printed; the solver status is checked on every solve.

The selection room keeps its own MILP driver (``selection._highs_core``);
this one is the schedule room's, which may not import the selection room.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..exceptions import SolverError

__all__ = ["LinearProgram", "LPResult"]

_SCHEDULER = "scheduler has already been initialized"


@dataclass(frozen=True)
class LPResult:
    """One solve: ``status`` is ``optimal`` or ``infeasible``; values are None when infeasible."""

    status: str
    x: np.ndarray | None
    objective: float
    col_dual: np.ndarray | None
    row_dual: np.ndarray | None

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def _quiet():
    import highspy

    class _Quiet(highspy.Highs):
        def enableCallbacks(self):  # noqa: N802 - highspy's name
            super().setOptionValue("output_flag", False)
            super().enableCallbacks()

    h = _Quiet()
    h.setOptionValue("log_to_console", False)
    return h


def _inf(v: np.ndarray, inf: float) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return np.where(np.isposinf(v), inf, np.where(np.isneginf(v), -inf, v))


class LinearProgram:
    """``min c @ x`` s.t. ``row_lo <= A @ x <= row_hi``, ``col_lo <= x <= col_hi``, solved by HiGHS (simplex).

    Parameters
    ----------
    c, col_lo, col_hi : array-like, shape (columns,)
    A : scipy.sparse matrix, shape (rows, columns)
    row_lo, row_hi : array-like, shape (rows,)
        Infinite entries are open bounds.
    time_limit : float, optional
        Wall-clock limit of one solve [s]; reaching it raises :class:`SolverError`.
    """

    def __init__(self, c, A, row_lo, row_hi, col_lo, col_hi, time_limit: float | None = None):
        import highspy

        self._hs = highspy
        self.n_cols = len(c)
        h = _quiet()
        log: list[str] = []
        h.cbLogging.subscribe(lambda e: log.append(e.message))
        self._log = log
        for name, value in (("output_flag", True), ("log_to_console", False), ("threads", 1),
                            ("solver", "simplex"), ("random_seed", 0)):
            h.setOptionValue(name, value)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        A = sp.csc_matrix(A, dtype=float)
        lp.num_col_ = self.n_cols
        lp.num_row_ = A.shape[0]
        lp.col_cost_ = np.asarray(c, dtype=float)
        lp.col_lower_ = _inf(col_lo, inf)
        lp.col_upper_ = _inf(col_hi, inf)
        lp.row_lower_ = _inf(row_lo, inf)
        lp.row_upper_ = _inf(row_hi, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(float)
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = A.shape[0]
        if h.passModel(lp) == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the linear program")
        self._h = h
        self.n_rows = A.shape[0]

    # ------------------------------------------------------------------ changes
    def set_col_bounds(self, cols, lo, hi) -> None:
        inf = self._hs.kHighsInf
        for j, a, b in zip(np.atleast_1d(cols), np.atleast_1d(lo), np.atleast_1d(hi)):
            self._h.changeColBounds(int(j), float(_inf(a, inf)), float(_inf(b, inf)))

    def set_costs(self, c) -> None:
        c = np.asarray(c, dtype=float)
        idx = np.arange(self.n_cols, dtype=np.int32)
        self._h.changeColsCost(self.n_cols, idx, c)

    def set_row_bounds(self, rows, lo, hi) -> None:
        inf = self._hs.kHighsInf
        rows = np.asarray(rows, dtype=np.int32)
        self._h.changeRowsBounds(len(rows), rows, _inf(lo, inf), _inf(hi, inf))

    def add_rows(self, A, row_lo, row_hi) -> None:
        """Append rows (a cutting plane): ``A`` has ``n_cols`` columns."""
        A = sp.csr_matrix(A, dtype=float)
        if A.shape[0] == 0:
            return
        inf = self._hs.kHighsInf
        self._h.addRows(A.shape[0], _inf(row_lo, inf), _inf(row_hi, inf), A.nnz,
                        A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data.astype(float))
        self.n_rows += A.shape[0]

    # ------------------------------------------------------------------ solve
    def solve(self) -> LPResult:
        """Solve from the last basis; ``optimal`` or ``infeasible``, anything else raises SolverError."""
        hs, h = self._hs, self._h
        self._log.clear()
        h.run()
        if any(_SCHEDULER in line for line in self._log):  # another solver started HiGHS's pool: restart it
            hs.Highs.resetGlobalScheduler(True)
            h.run()
        S = hs.HighsModelStatus
        ms = h.getModelStatus()
        if ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
            return LPResult("infeasible", None, float("nan"), None, None)
        if ms != S.kOptimal:
            raise SolverError(f"HiGHS did not solve the linear program: {h.modelStatusToString(ms)}")
        sol = h.getSolution()
        info = h.getInfo()
        return LPResult("optimal", np.asarray(sol.col_value, dtype=float), float(info.objective_function_value),
                        np.asarray(sol.col_dual, dtype=float), np.asarray(sol.row_dual, dtype=float))
