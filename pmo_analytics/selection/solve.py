"""Solving the selection MILP with HiGHS (in-process) or CBC (bundled), honestly.

The solution status is read from PuLP's ``sol_status`` (PuLP reports
``status == Optimal`` for a time-limited run that merely found an incumbent,
and CBC leaves stale variable values after an infeasible solve):

* ``sol_status == 1`` -> "optimal" (proven within the requested relative gap,
  0 by default here; HiGHS's own default of 1e-4 is *not* used);
* ``sol_status == 2`` -> "feasible, not proven optimal": the incumbent, the
  solver's bound and the gap are reported and a :class:`SolverWarning` raised;
* infeasible -> :class:`InfeasiblePortfolioError` naming an irreducible set
  of conflicting constraints found by a deletion filter (Chinneck & Dravnieks,
  "Locating minimal infeasible constraint sets in linear programs", *ORSA J.
  Computing* 3(2), 1991) over constraint families, then single constraints.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pulp

from ..exceptions import InfeasiblePortfolioError, PMOError, SolverError, SolverWarning
from .model import FAMILIES, SelectionModel

__all__ = ["SolveOutcome", "solve_model", "find_conflicts", "SOLVERS", "choose_solver"]

SOLVERS = ("highs", "cbc")

OPTIMAL = "optimal"
FEASIBLE = "feasible, not proven optimal"


@dataclass
class SolveOutcome:
    """What a solve returned.

    Attributes
    ----------
    status : str
        ``"optimal"`` or ``"feasible, not proven optimal"``.
    objective : float
        Objective of the incumbent.
    bound : float
        Best bound (equals the objective when proven optimal).
    gap : float
        Relative gap ``|bound - objective| / max(|objective|, 1e-9)``.
    x : ndarray
        0/1 value of each start column.
    hire : ndarray
        Extra FTE of each hire column.
    solver : str
    build_seconds : float
        Array construction + PuLP problem construction [s].
    solve_seconds : float
        Solver call, including PuLP's hand-over to the solver [s].
    """

    status: str
    objective: float
    bound: float
    gap: float
    x: np.ndarray
    hire: np.ndarray
    solver: str
    build_seconds: float
    solve_seconds: float
    time_limit: float | None = None
    gap_target: float = 0.0

    @property
    def proven_optimal(self) -> bool:
        return self.status == OPTIMAL


def choose_solver(model: SelectionModel) -> str:
    """The solver to use for a model, from the benchmark figures (``benchmarks/bench_selection.py``).

    HiGHS runs in-process (no file round trip, which dominates on small
    models) and, on the 1,000-project benchmark, closed the gap further than
    CBC within the same time limit; CBC is kept as the alternative.
    """
    return "highs"


_BANNER_SILENCED = False


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner to the C-level stdout when the first solver object of a
    process is created, whatever ``output_flag`` says; create that first object with fd 1
    pointed at /dev/null so the banner does not land in notebooks and decision records."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        return
    _BANNER_SILENCED = True
    try:
        import sys

        import highspy
    except ImportError:  # pragma: no cover - highspy is a dependency
        return
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _HiGHS(pulp.HiGHS):
    """pulp.HiGHS that passes a warm start and reads the MIP bound and gap back."""

    def __init__(self, warm=None, variables=None, **kw):
        super().__init__(**kw)
        self._warm = warm
        self._vars = variables
        self.bound_ = np.nan
        self.mip_gap_ = np.nan

    def callSolver(self, lp):
        h = lp.solverModel
        if self._warm is not None and self._vars is not None:
            import highspy
            col = np.zeros(h.getNumCol())
            for v, val in zip(self._vars, self._warm):
                col[v.index] = val
            sol = highspy.HighsSolution()
            sol.col_value = col.tolist()
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        info = h.getInfo()
        self.bound_ = float(info.mip_dual_bound)
        self.mip_gap_ = float(info.mip_gap)


_CBC_BOUND = re.compile(r"(?:Lower|Upper) bound:\s*(-?[0-9.eE+\-]+)")
_CBC_BEST_POSSIBLE = re.compile(r"best possible\s*(-?[0-9.eE+\-]+)")


def _cbc_bound(log_text: str) -> float:
    m = _CBC_BOUND.findall(log_text)
    if m:
        return float(m[-1])
    m = _CBC_BEST_POSSIBLE.findall(log_text)
    return float(m[-1]) if m else np.nan


def _cbc_path() -> str:
    """The CBC binary bundled with PuLP, used through ``COIN_CMD`` (``PULP_CBC_CMD`` is deprecated in PuLP 3.3)."""
    from pulp.apis.coin_api import pulp_cbc_path
    path = os.path.abspath(pulp_cbc_path)
    if not os.path.exists(path):
        raise SolverError(f"the CBC binary bundled with PuLP is missing ({path}); use solver='highs'")
    return path


def solve_model(model: SelectionModel, solver: str = "auto", time_limit: float | None = None,
                gap: float = 0.0, threads: int | None = None, warm_start: np.ndarray | None = None,
                msg: bool = False, explain_infeasible: bool = True) -> SolveOutcome:
    """Solve a :class:`SelectionModel` and report its status honestly.

    Parameters
    ----------
    model : SelectionModel
    solver : {"auto", "highs", "cbc"}
        ``auto`` -> :func:`choose_solver`.
    time_limit : float, optional
        Wall-clock limit [s].
    gap : float, default 0.0
        Relative MIP gap at which the solver may stop (0 = prove optimality).
    threads : int, optional
        CBC only (HiGHS's thread scheduler is process-wide and fixed once started).
    warm_start : ndarray, optional
        0/1 start columns of a feasible portfolio (e.g. the greedy one).
    msg : bool
        Show the solver log.
    explain_infeasible : bool, default True
        Run the conflict filter before raising on an infeasible model.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    InfeasiblePortfolioError
        No portfolio satisfies the constraints; ``conflicts`` names them.
    SolverError
        No feasible solution within the time limit, or the solver failed.

    Warns
    -----
    SolverWarning
        The time limit stopped the solver before proving optimality.
    """
    if solver == "auto":
        solver = choose_solver(model)
    if solver not in SOLVERS:
        raise PMOError(f"unknown solver {solver!r}; expected 'auto' or one of {SOLVERS}")
    _precheck(model)
    t0 = time.perf_counter()
    prob, var = model.to_pulp()
    build = model.build_seconds + time.perf_counter() - t0
    nx = model.nx
    z0 = None
    if warm_start is not None:
        z0 = np.concatenate([np.asarray(warm_start, dtype=float), np.zeros(len(var) - nx)])
        if model.violated(z0).any():
            z0 = None  # an infeasible start would only be discarded by the solver
    log_path = None
    if solver == "highs":
        # (threads is not passed to HiGHS: its scheduler is process-wide and cannot be resized once started)
        if not msg:
            _silence_highs_banner()
        s = _HiGHS(warm=z0, variables=var, msg=msg, timeLimit=time_limit, gapRel=gap)
    else:
        kw = dict(msg=msg, timeLimit=time_limit, gapRel=gap, threads=threads)
        if z0 is not None:
            for v, val in zip(var, z0):
                v.setInitialValue(round(val) if v.cat != pulp.LpContinuous else val)
            kw["warmStart"] = True
        if not msg:
            fd, log_path = tempfile.mkstemp(suffix=".log", prefix="pmo_cbc_")
            os.close(fd)
            kw["logPath"] = log_path
            kw["msg"] = False
        s = pulp.COIN_CMD(path=_cbc_path(), **kw)
    t1 = time.perf_counter()
    try:
        prob.solve(s)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"{solver} failed: {exc}") from exc
    finally:
        solve_s = time.perf_counter() - t1
    log_text = ""
    if log_path:
        with open(log_path) as f:
            log_text = f.read()
        os.unlink(log_path)
    sol = prob.sol_status
    if sol in (pulp.LpSolutionInfeasible,) or prob.status == pulp.LpStatusInfeasible:
        conflicts = find_conflicts(model) if explain_infeasible else []
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints", conflicts)
    if sol == pulp.LpSolutionUnbounded:
        raise SolverError("the selection model is unbounded (check the objective values)")
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if time_limit is not None:
            raise SolverError(f"{solver} found no feasible portfolio within the time limit of {time_limit:g} s")
        raise SolverError(f"{solver} returned status {pulp.LpStatus[prob.status]} / "
                          f"solution status {pulp.LpSolution.get(sol, sol)}")
    z = np.array([v.varValue if v.varValue is not None else 0.0 for v in var])
    x = (z[:nx] > 0.5).astype(float)
    hire = np.maximum(z[nx:], 0.0)
    objective = float(model.obj @ np.concatenate([x, hire]))
    if sol == pulp.LpSolutionOptimal:
        status, bound = OPTIMAL, objective
        if solver == "highs" and np.isfinite(s.bound_):
            bound = -s.bound_ * model.obj_scale_  # PuLP hands HiGHS the negated objective
    else:
        status = FEASIBLE
        bound = (-s.bound_ if solver == "highs" else _cbc_bound(log_text)) * model.obj_scale_
    g = abs(bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound) else np.inf
    out = SolveOutcome(status, objective, float(bound), float(g), x, hire, solver, build, solve_s,
                       time_limit, gap)
    if status == FEASIBLE:
        warnings.warn(f"{solver} stopped at the time limit ({time_limit} s) before proving optimality: "
                      f"incumbent {objective:,.6g}, bound {bound:,.6g}, gap {g:.2%}", SolverWarning,
                      stacklevel=2)
    return out


def _precheck(model: SelectionModel) -> None:
    """Rows that require funding a project that has no allowed start period."""
    nnz = np.diff(model.A.indptr)
    bad = np.nonzero((nnz == 0) & (model.lo > 0))[0]
    if len(bad):
        names = [f"{model.label[r]} (no start period within its window and the horizon)" for r in bad]
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints", names)


def _feasible(model: SelectionModel, rows: np.ndarray) -> bool:
    prob, _ = model.to_pulp(rows=rows, objective=False)
    _silence_highs_banner()
    prob.solve(pulp.HiGHS(msg=False))
    return prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)


def find_conflicts(model: SelectionModel) -> list[str]:
    """An irreducible set of named constraints that cannot hold together.

    Deletion filter: first over constraint families (a family is dropped for
    good when the rest stays infeasible without it), then over the single
    named constraints of the families kept. The "one start per project" rows
    and the start windows are structural and never dropped. Every constraint
    in the returned set is necessary: relaxing any one of them makes the
    remaining set feasible.

    Returns
    -------
    list of str
        Constraint labels, e.g. ``"budget in period 3"``,
        ``"mandatory project P-005 funded"``; empty if the model is feasible.
    """
    on = np.ones(model.n_rows, dtype=bool)
    if _feasible(model, on):
        return []
    fam = model.family
    for f in FAMILIES:
        rows_f = fam == f
        if not (on & rows_f).any():
            continue
        trial = on & ~rows_f
        if not _feasible(model, trial):
            on = trial
    labels = [lab for lab in dict.fromkeys(model.label[on & (fam != "one_start")].tolist())]
    for lab in labels:
        trial = on & (model.label != lab)
        if not _feasible(model, trial):
            on = trial
    return list(dict.fromkeys(model.label[on & (fam != "one_start")].tolist()))
