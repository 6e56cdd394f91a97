"""An anytime solve of the selection MILP: an honest answer within a time (or work) budget.

A portfolio board asks "what if the budget were 10 % lower?" and wants the
answer on the screen at once. :func:`solve_anytime` gives the best portfolio
it can find within a budget, with a proven bound, so the status words say
exactly how close it is ("within 0.4 % of optimal"):

1. **Bound.** The LP relaxation (HiGHS dual simplex, milliseconds at the
   sizes of a review): its optimum bounds every portfolio from above.
2. **Starts.** The portfolio asked about before, carried to the changed
   model, repaired and filled (:mod:`~pmo_analytics.selection.heuristics`),
   and the LP solution rounded, repaired and filled; the better one is the
   incumbent.
3. **Root pass.** HiGHS on the whole model from that incumbent, its root
   node only by default (in the interactive mode a small model goes on
   branching until its budget ends): cutting planes tighten the bound and RINS (Danna,
   Rothberg & Le Pape, "Exploring relaxation induced neighborhoods to
   improve MIP solutions", *Math. Prog.* 102, 2005) searches the
   neighbourhood where the incumbent and the relaxation agree. The other
   root heuristics are off: at ten times the sample they cost HiGHS three
   times as long for little more (``benchmarks/bench_workshop.py``).

The answer is the best incumbent with the best bound of the steps that
finished. In the deterministic mode every step is bounded by work, not by the
clock (the LP by its own termination, the heuristics by their moves, the root
pass by ``node_limit`` nodes), so the same inputs give the same portfolio on
any machine; in the interactive mode a wall-clock ``time_limit`` caps the
whole solve and the root pass gets what is left of it.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from .heuristics import fill_portfolio, lp_rounding, repair_portfolio
from .model import SelectionModel
from .solvers import MilpArrays, SolverRun, SolverSettings, solve_highs

__all__ = ["solve_anytime", "lp_relaxation", "ANYTIME_NODES", "ROOT_OPTIONS"]

#: Branch-and-bound nodes of the root pass in the deterministic mode when no node limit is given [nodes].
ANYTIME_NODES = 1
#: HiGHS options of the root pass: cutting planes and RINS around the incumbent, no other primal heuristic.
ROOT_OPTIONS = {"mip_heuristic_run_rens": False, "mip_heuristic_run_root_reduced_cost": False,
                "mip_heuristic_run_feasibility_jump": False, "mip_heuristic_run_rins": True}
#: Seconds under which a wall-clock budget is not worth starting HiGHS's root pass for [s].
_MIN_ROOT_SECONDS = 0.05
#: Start columns below which an interactive answer goes on branching after the root until its budget ends: a
#: small model (the sample's 300-odd columns) is usually proven within it; a large one's tree rarely closes the
#: gap in the rest of a second, so its answer returns after the root pass.
BRANCH_BELOW = 500


def lp_relaxation(arrays: MilpArrays, time_limit: float | None = None) -> SolverRun:
    """The LP relaxation of solver arrays (integrality dropped), solved by HiGHS; duals kept."""
    lp = replace(arrays, integer=np.zeros(arrays.n_cols, dtype=bool))
    return solve_highs(lp, SolverSettings(time_limit=time_limit))


def _best_start(model: SelectionModel, candidates) -> np.ndarray | None:
    best = None
    for z in candidates:
        if z is None:
            continue
        r = repair_portfolio(model, z)
        if r is None:
            continue
        r = fill_portfolio(model, r)
        if model.violated(r).any():  # the heuristics promise feasibility; check, never assume
            continue
        if best is None or model.obj @ r > model.obj @ best + 1e-12 * max(1.0, abs(model.obj @ best)):
            best = r
    return best


def solve_anytime(model: SelectionModel, arrays: MilpArrays, settings: SolverSettings,
                  warm: np.ndarray | None = None, deterministic: bool = False, stop=None) -> SolverRun:
    """The anytime solve of the module docstring, in the solver arrays' minimisation form.

    Parameters
    ----------
    model : SelectionModel
        The model ``arrays`` came from (the heuristics work in its units).
    arrays : MilpArrays
        ``model.to_arrays()``.
    settings : SolverSettings
        ``time_limit`` caps the whole solve (interactive); ``node_limit``
        bounds the root pass (default :data:`ANYTIME_NODES` in the
        deterministic mode); ``gap`` lets HiGHS stop early.
    warm : ndarray, optional
        Column values ``(x, hire)`` of a portfolio to start from, feasible or
        not (it is repaired); typically the answer to the previous question.
    deterministic : bool
        Bound every step by work, not by the clock (``time_limit`` must then be None).
    stop : threading.Event, optional
        Stops the root pass (the best answer so far is returned).

    Returns
    -------
    SolverRun
        ``solver="anytime"``; ``status`` ``"optimal"`` when the root pass
        proved it, ``"limit"`` otherwise (``limit`` says which), or
        ``"infeasible"`` when the relaxation is; ``bound`` the best lower
        bound (minimisation) of the LP and the root pass; the log lists the
        steps with their values and times.
    """
    t0 = time.perf_counter()
    deadline = t0 + settings.time_limit if settings.time_limit is not None else np.inf
    lines = []

    def note(text):
        lines.append(f"{time.perf_counter() - t0:7.3f} s  {text}\n")

    def to_solver(z):
        return float(arrays.c @ z)

    left = deadline - time.perf_counter()
    lp = lp_relaxation(arrays, None if not np.isfinite(left) else max(left, 1e-3))
    note(f"LP relaxation: {lp.status} ({lp.message}), bound {lp.objective:.10g}")
    if lp.status == "infeasible":
        return SolverRun("anytime", "infeasible", seconds=time.perf_counter() - t0, finished_at=time.perf_counter(),
                         log="".join(lines), message="the LP relaxation is infeasible")
    bound = lp.objective if lp.status == "optimal" else np.nan
    starts = [warm]
    if lp.x is not None:
        starts.append(lp_rounding(model, lp.x))
    z = _best_start(model, starts)
    obj = to_solver(z) if z is not None else np.inf
    note("starts repaired and filled: " + (f"incumbent {obj:.10g}" if z is not None else "none feasible"))
    run = None
    left = deadline - time.perf_counter()
    proven = z is not None and np.isfinite(bound) and obj - bound <= settings.gap * max(abs(obj), 1e-9)
    if not proven and left > _MIN_ROOT_SECONDS:
        if settings.node_limit is not None:
            nodes = settings.node_limit
        else:
            nodes = None if (not deterministic and model.nx < BRANCH_BELOW) else ANYTIME_NODES
        rs = replace(settings, node_limit=nodes, time_limit=None if not np.isfinite(left) else left)
        run = solve_highs(arrays, rs, z, stop=stop, options=ROOT_OPTIONS)
        note(f"root pass: HiGHS {run.status} ({run.message}), incumbent {run.objective:.10g}, "
             f"bound {run.bound:.10g}, {run.nodes} nodes")
        if run.status == "infeasible":
            return SolverRun("anytime", "infeasible", seconds=time.perf_counter() - t0,
                             finished_at=time.perf_counter(), log="".join(lines) + run.log, message=run.message)
        if run.has_solution and run.objective < obj:
            z, obj = run.x, run.objective
        if np.isfinite(run.bound):
            bound = max(bound, run.bound) if np.isfinite(bound) else run.bound
    t1 = time.perf_counter()
    log = "".join(lines) + ("" if run is None else run.log)
    if z is None:
        return SolverRun("anytime", "limit", None, np.nan, bound, "time" if np.isfinite(deadline) else "nodes",
                         0 if run is None else run.nodes, t1 - t0, t1, log, "no feasible portfolio found")
    if run is not None and run.status == "optimal":
        status, limit = "optimal", None
    elif proven:
        status, limit = "optimal", None
    else:
        status = "limit"
        limit = "time" if (run is None or run.limit == "time" or run.status == "stopped") and np.isfinite(deadline) \
            else "nodes"
    return SolverRun("anytime", status, np.asarray(z, dtype=float), float(obj), float(bound), limit,
                     0 if run is None else run.nodes, t1 - t0, t1, log,
                     f"anytime: {'root pass ' + run.status if run is not None else 'no root pass'}")
