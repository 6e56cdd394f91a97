"""The warm HiGHS driver of the SAA model: PuLP's HiGHS interface with a starting solution and RENS.

:class:`_WarmHiGHS` hands HiGHS a feasible start, reads an incumbent left by
a node limit (PuLP 3.3 maps only time and iteration limits), and can solve
the LP relaxation's neighbourhood first (relaxation enforced neighbourhood
search, Berthold, "RENS: the optimal rounding", *Math. Program. Comput.* 6,
2014): the binaries at 0 in the LP are fixed at 0, the sub-MIP solved, and
the whole model's LP bound kept (``lp_bound``), so the gap stated stays honest.
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from .._highs_core import _quiet_highs


def _silence_banner() -> None:
    """HiGHS prints a banner on the first solver object of a process: make that first object a quiet one."""
    _quiet_highs()


class _WarmHiGHS(pulp.HiGHS):
    """pulp.HiGHS that hands HiGHS a starting solution (column values by variable) and knows HiGHS's node
    and solution limits (PuLP 3.3 maps only the time and iteration limits)."""

    def findSolutionValues(self, lp):  # noqa: N802 - PuLP's name
        try:
            return super().findSolutionValues(lp)
        except KeyError:  # stopped by a limit PuLP does not map (node limit): the variables hold the incumbent
            info = lp.solverModel.getInfo()
            if info.primal_solution_status == 2 and np.isfinite(info.objective_function_value):  # kSolutionStatusFeasible
                return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def __init__(self, warm: dict | None = None, rens: bool = False, **kw):
        super().__init__(**kw)
        self._warm = warm
        self._rens = rens
        self.lp_bound = None  # set when the RENS neighbourhood was solved: the whole model's LP bound

    def _warm_columns(self, n: int) -> np.ndarray:
        col = np.zeros(n)
        for v, val in self._warm.items():
            col[v.index] = val
        return col

    def _set_warm(self, h):
        if self._warm:
            import highspy

            sol = highspy.HighsSolution()
            sol.col_value = self._warm_columns(h.getNumCol()).tolist()
            sol.value_valid = True
            h.setSolution(sol)

    def callSolver(self, lp):
        h = lp.solverModel
        if self._rens and self._neighbourhood(h):
            return
        self._set_warm(h)
        h.run()

    def _neighbourhood(self, h) -> bool:
        """RENS: the LP relaxation, then the MILP with the binaries at 0 in the LP fixed at 0. False (bounds
        restored) when the LP is not optimal, or the neighbourhood holds no feasible portfolio or none as good
        as the warm start (the whole model is then solved from it)."""
        import highspy

        got = h.getOptionValue("time_limit")  # highspy 1.16: (status, value)
        limit = float(got[1] if isinstance(got, tuple) else got)
        t0 = time.perf_counter()
        h.setOptionValue("solve_relaxation", True)
        h.run()
        h.setOptionValue("solve_relaxation", False)
        if np.isfinite(limit):  # the neighbourhood gets what the LP left of the time limit
            h.setOptionValue("time_limit", max(limit - (time.perf_counter() - t0), 1e-3))
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.setOptionValue("time_limit", limit)
            return False
        lp_bound = float(h.getInfo().objective_function_value)
        x_lp = np.asarray(h.getSolution().col_value)
        model = h.getLp()
        integer = np.asarray([int(v) for v in model.integrality_], dtype=int) if len(model.integrality_) else \
            np.zeros(model.num_col_, int)
        upper = np.asarray(model.col_upper_)
        idx = np.flatnonzero((integer == 1) & (x_lp < 1e-6) & (upper > 0)).astype(np.int32)
        h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))
        self._set_warm(h)  # refused by HiGHS when it leaves the neighbourhood
        h.run()
        info = h.getInfo()
        found = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if self._warm and found:  # a start outside the neighbourhood that beats its best: search the whole model
            start = float(np.asarray(model.col_cost_) @ self._warm_columns(model.num_col_))
            found = start >= info.objective_function_value - 1e-9
        if not found:
            h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), upper[idx])
            h.setOptionValue("time_limit", limit)
            return False
        self.lp_bound = lp_bound
        return True

