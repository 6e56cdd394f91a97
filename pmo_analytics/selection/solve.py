"""Solving the selection MILP: which solver, how long, and what the answer may be called.

**Strategy.** ``solver="auto"`` races two solvers on two cores
(:func:`~pmo_analytics.selection.solvers.race`), chosen by the model's
structure (:func:`choose_solver`): the first proven optimum wins and the
other is stopped; when a limit stops both, the better incumbent is returned
with the tighter of the two bounds (any feasible portfolio and any valid
bound together bound the gap). Neither bundled solver dominates
(``benchmarks/bench_selection.py``): CBC proves Chu-Beasley
multidimensional-knapsack portfolios that HiGHS does not prove within
minutes, so knapsack-shaped models race CBC against HiGHS; on large
time-indexed scheduling models HiGHS closes the gap much further than CBC,
so under a limit HiGHS races a time-window large-neighbourhood search
(HiGHS sub-MIPs in a child process) that improves the portfolio while
HiGHS's tree lowers the bound. ``solver="highs"`` or ``"cbc"`` runs one
solver only; ``solver="lns"`` runs the time-window search alone in a child
process (its phase 1, HiGHS on the whole model, gives the bound), which is
how independent what-if re-solves of a large model share the cores
(:func:`batch_solver`).

**Modes.** The interactive mode stops on a wall-clock ``time_limit`` (when
given); whether it bound is reported (``time_limit_reached``), since a
different machine or load may then give another portfolio. The
deterministic mode (``deterministic=True``, used by records) runs each
solver single-threaded with a fixed random seed and a ``node_limit`` instead
of the clock, and chooses between the solvers by a fixed preference order
(:func:`choose_solver`), so a replay gives the same portfolio.

**Status words.** ``"optimal"`` only when the optimality gap is proven to be
at most :data:`PROVEN_GAP` (1e-9); otherwise ``"within X % of optimal"``
with X the proven gap rounded up (``"feasible, no bound known"`` without a
bound). An infeasible model raises :class:`InfeasiblePortfolioError` naming
an irreducible set of conflicting constraints found by a deletion filter
(Chinneck & Dravnieks, "Locating minimal infeasible constraint sets in linear
programs", *ORSA J. Computing* 3(2), 1991) over constraint families, then
single constraints.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import InfeasiblePortfolioError, SolverError, SolverWarning
from ..parallel import warn
from .model import FAMILIES, SelectionModel
from .anytime import ANYTIME_NODES, solve_anytime
from .solvers import SolverRun, SolverSettings, race, solve_cbc, solve_highs, solve_lns

__all__ = ["SolveOutcome", "solve_model", "find_conflicts", "SOLVERS", "choose_solver", "batch_solver",
           "status_words", "PROVEN_GAP", "DEFAULT_NODE_LIMIT", "LNS_MIN_COLUMNS", "OPTIMAL"]

SOLVERS = ("highs", "cbc", "lns", "anytime")
OPTIMAL = "optimal"
#: Largest relative gap [fraction] at which a portfolio is called optimal.
PROVEN_GAP = 1e-9
#: Node limit per solver in the deterministic mode when none is given [nodes].
DEFAULT_NODE_LIMIT = 1_000
#: Start columns from which a scheduling model under a limit races HiGHS against the time-window search.
LNS_MIN_COLUMNS = 500


def status_words(gap: float) -> str:
    """The honest name of a solve with relative optimality gap ``gap`` [fraction].

    ``"optimal"`` when ``gap <= 1e-9``; ``"within X % of optimal"`` otherwise,
    X rounded *up* to two significant digits (so the words never claim more
    than was proven); ``"feasible, no bound known"`` for an infinite or NaN gap.

    Examples
    --------
    >>> status_words(0.0), status_words(0.004512), status_words(2.3e-7)
    ('optimal', 'within 0.46 % of optimal', 'within 0.000023 % of optimal')
    """
    if not np.isfinite(gap):
        return "feasible, no bound known"
    if gap <= PROVEN_GAP:
        return OPTIMAL
    pct = gap * 100.0
    e = math.floor(math.log10(pct)) - 1
    up = math.ceil(round(pct / 10.0 ** e, 9)) * 10.0 ** e
    decimals = max(0, -e)
    return f"within {up:.{decimals}f} % of optimal"


@dataclass
class SolveOutcome:
    """What a solve returned.

    Attributes
    ----------
    status : str
        ``"optimal"`` (proven gap <= 1e-9), ``"within X % of optimal"`` or
        ``"feasible, no bound known"`` (see :func:`status_words`).
    objective : float
        Objective of the portfolio returned [model objective units].
    bound : float
        Best proven upper bound on the optimum [model objective units].
    gap : float
        Proven relative gap ``(bound - objective) / max(|objective|, 1e-9)``
        [fraction].
    x : ndarray
        0/1 value of each start column.
    hire : ndarray
        Extra FTE of each hire column [FTE].
    solver : str
        The solver whose portfolio is returned (the race's winner).
    strategy : str
        ``"race"``, ``"highs"`` or ``"cbc"``.
    deterministic : bool
    time_limit : float or None
        Wall-clock limit [s].
    node_limit : int or None
        Node limit per solver [nodes].
    threads : int
        Threads per solver.
    seed : int
        Solver random seed.
    gap_target : float
        Relative gap at which the solvers could stop [fraction].
    time_limit_reached : bool
        The wall-clock limit stopped the solve before a proof: another
        machine or load may give another portfolio.
    node_limit_reached : bool
        The node limit stopped the solve before a proof (reproducible).
    runs : DataFrame
        One row per solver run: ``solver``, ``status``, ``objective``,
        ``bound`` [model objective units], ``limit``, ``nodes``, ``seconds``
        [s], ``chosen``.
    logs : dict
        Solver name -> its log, captured in memory.
    build_seconds : float
        Array construction [s].
    solve_seconds : float
        Solver calls, race included [s].
    """

    status: str
    objective: float
    bound: float
    gap: float
    x: np.ndarray
    hire: np.ndarray
    solver: str
    strategy: str
    build_seconds: float
    solve_seconds: float
    deterministic: bool = False
    time_limit: float | None = None
    node_limit: int | None = None
    threads: int = 1
    seed: int = 0
    gap_target: float = 0.0
    time_limit_reached: bool = False
    node_limit_reached: bool = False
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    logs: dict = field(default_factory=dict)

    @property
    def proven_optimal(self) -> bool:
        """True exactly when the gap is proven to be at most 1e-9."""
        return bool(np.isfinite(self.gap) and self.gap <= PROVEN_GAP)

    @property
    def settings(self) -> dict:
        """JSON-ready solver settings and whether a limit bound (for a record's manifest)."""
        return {"strategy": self.strategy, "solver": self.solver, "deterministic": self.deterministic,
                "time_limit": self.time_limit, "node_limit": self.node_limit, "threads": self.threads,
                "seed": self.seed, "gap_target": self.gap_target,
                "time_limit_reached": self.time_limit_reached, "node_limit_reached": self.node_limit_reached,
                "status": self.status, "gap": None if not np.isfinite(self.gap) else float(self.gap)}


def choose_solver(model: SelectionModel, limited: bool = False) -> tuple[str, str]:
    """The two racers for a model and their preference order, by the model's structure.

    * A pure multidimensional knapsack (every candidate has a single start
      column, no hire columns, no precedence rows): CBC first, raced by
      HiGHS. CBC proved every Chu-Beasley instance of the benchmark where
      HiGHS proved 2 of 5 within 120 s.
    * A large time-indexed scheduling model (start windows, at least
      :data:`LNS_MIN_COLUMNS` start columns and 6 periods) solved under a
      time or node limit (``limited``): HiGHS first, raced by a time-window
      large-neighbourhood search (``"lns"``, HiGHS sub-MIPs in a child
      process). HiGHS's tree closes the gap from above while the search
      improves the portfolio; on the 1,000 x 12 x 8 benchmark model CBC only
      reached a 1.8-2.2 % gap where HiGHS alone reached 0.58-0.62 %.
    * Otherwise (a small scheduling model, or one solved to proven
      optimality): HiGHS first, raced by CBC (the first proof wins). On small
      models the windows would free most of the portfolio, so the search
      would only repeat HiGHS's work.

    Figures: ``benchmarks/bench_selection.py`` and the README. The order
    decides between two proven optima in the deterministic mode and between
    equal incumbents; in the interactive race the first proof wins whatever
    the order.

    Returns
    -------
    tuple of str
        ``("cbc", "highs")``, ``("highs", "lns")`` or ``("highs", "cbc")``.
    """
    starts = np.bincount(model.vp, minlength=model.data.n) if model.nx else np.zeros(0, dtype=int)
    one_start = bool(np.all(starts <= 1))
    if one_start and len(model.hs) == 0 and not np.any(model.family == "precedes"):
        return ("cbc", "highs")
    if limited and not one_start and model.nx >= LNS_MIN_COLUMNS and model.data.horizon >= 6:
        return ("highs", "lns")
    return ("highs", "cbc")


def batch_solver(model: SelectionModel, solver: str = "auto", deterministic: bool = False,
                 time_limit: float | None = None, node_limit: int | None = None, **_) -> str | None:
    """The solver with which independent re-solves of variants of ``model`` run side by side, or None.

    In the deterministic mode a large scheduling model races HiGHS against
    the time-window search (:func:`choose_solver`), one solver per core, and
    the search's portfolio is nearly always the one taken: at 40 times the
    sample it won each of the 8 explanation re-solves and the 3 scenarios of
    the review, and 2 of the 3 solves of today's rule beside the SAA (HiGHS's
    portfolio was 0.001 % better in the third; README). The search alone, in
    its own child process, returns the portfolio it returns in the race (same
    start, same seeds, same node limits), with the bound of its phase 1
    (HiGHS on the whole model for half the node limit) instead of the better
    of that and HiGHS's full node limit; the status words state that gap.
    Several variants then run at once, one search per core, instead of one
    variant on two cores.

    Parameters
    ----------
    model : SelectionModel
        The base model (its variants share its structure).
    solver, deterministic, time_limit, node_limit
        The solver settings of the re-solves (extra keys are ignored, so a
        selector's ``solver_settings()`` can be passed whole).

    Returns
    -------
    str or None
        ``"lns"`` when the re-solves of a deterministic race of HiGHS against
        the search can run side by side; None otherwise (each re-solve as it
        is set, one after another: a race already uses two cores).
    """
    if solver != "auto" or not deterministic or time_limit is not None:
        return None
    if choose_solver(model, limited=True) != ("highs", "lns"):
        return None
    return "lns"


def _lns_args(model: SelectionModel, settings: SolverSettings) -> dict:
    nh = len(model.hs)
    H = model.data.horizon
    timed = settings.time_limit is not None
    return dict(col_project=np.concatenate([model.vp, np.full(nh, -1)]).astype(int),
                col_time=np.concatenate([model.vt, np.zeros(nh, dtype=int)]).astype(int),
                width=max(1, int(round(H / 4))),
                sub_time=float(min(5.0, settings.time_limit / 6)) if timed else 5.0,
                sub_nodes=max(1, settings.node_limit // 10) if settings.node_limit else 100, first_share=0.4,
                rounds=8)


def _check_args(solver, time_limit, gap, threads, deterministic, node_limit, seed):
    if solver != "auto" and solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; expected 'auto' or one of {SOLVERS}")
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if node_limit is not None and (int(node_limit) != node_limit or node_limit < 1):
        raise ValueError(f"node_limit must be a positive whole number of nodes, got {node_limit!r}")
    if not 0 <= gap < 1:
        raise ValueError(f"gap must be a relative gap in [0, 1), got {gap!r}")
    if int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive whole number, got {threads!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    if deterministic and time_limit is not None:
        raise ValueError("the deterministic mode stops on node_limit, not on a wall-clock time_limit "
                         "(a time limit makes the portfolio depend on the machine's load)")
    if deterministic and threads != 1:
        raise ValueError("the deterministic mode runs single-threaded solvers (threads=1)")


def _runs_frame(runs: list[SolverRun], chosen: SolverRun | None, osc: float) -> pd.DataFrame:
    return pd.DataFrame([{
        "solver": r.solver, "status": r.status, "objective": -r.objective * osc, "bound": -r.bound * osc,
        "limit": r.limit, "nodes": r.nodes, "seconds": r.seconds, "chosen": r is chosen, "message": r.message}
        for r in runs])


def solve_model(model: SelectionModel, solver: str = "auto", time_limit: float | None = None,
                gap: float = 0.0, threads: int = 1, warm_start: np.ndarray | None = None,
                deterministic: bool = False, node_limit: int | None = None, seed: int = 0,
                explain_infeasible: bool = True, stop=None) -> SolveOutcome:
    """Solve a :class:`SelectionModel` and report its status honestly.

    Parameters
    ----------
    model : SelectionModel
    solver : {"auto", "highs", "cbc", "lns", "anytime"}, default "auto"
        ``auto`` races two (see the module docstring); ``lns`` is the
        time-window search alone (its bound is its phase 1's);
        ``anytime`` the bounded answer of
        :func:`~pmo_analytics.selection.anytime.solve_anytime` (LP bound,
        repaired start, HiGHS root pass), for a what-if in the room.
    time_limit : float, optional
        Wall-clock limit [s]; not allowed in the deterministic mode.
    gap : float, default 0.0
        Relative gap at which the solvers may stop [fraction]; 0 = prove
        optimality.
    threads : int, default 1
        Threads per solver (a race uses two solvers).
    warm_start : ndarray, optional
        0/1 start columns of a feasible portfolio (e.g. the greedy one; no
        hiring), or every column ``(x, hire)`` of one (e.g. a variant's start
        from :func:`~pmo_analytics.selection.heuristics.variant_start`).
        Ignored when it violates a row (the ``anytime`` solve repairs it).
    deterministic : bool, default False
        Single-threaded solvers, fixed seeds, ``node_limit`` instead of a
        wall-clock limit, a fixed preference between solvers: the same
        inputs give the same portfolio.
    node_limit : int, optional
        Branch-and-bound nodes per solver; in the deterministic mode default
        :data:`DEFAULT_NODE_LIMIT`.
    seed : int, default 0
        Random seed of the solvers.
    explain_infeasible : bool, default True
        Run the conflict filter before raising on an infeasible model.
    stop : threading.Event, optional
        Set by another thread to end the solve early: an ``"anytime"`` solve
        returns its best answer so far with its proven gap; a race or HiGHS
        alone is abandoned (the caller discards the answer). CBC and the
        search alone do not listen.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    ValueError
        An argument is out of range or the mode's settings conflict.
    InfeasiblePortfolioError
        No portfolio satisfies the constraints; ``conflicts`` names them.
    SolverError
        No feasible portfolio within the limits, or the solvers failed.

    Warns
    -----
    SolverWarning
        A time or node limit stopped the solve before proving optimality.
    """
    _check_args(solver, time_limit, gap, threads, deterministic, node_limit, seed)
    if deterministic and node_limit is None:
        node_limit = ANYTIME_NODES if solver == "anytime" else DEFAULT_NODE_LIMIT
    _precheck(model)
    t0 = time.perf_counter()
    arrays, sc = model.to_arrays()
    build = model.build_seconds + time.perf_counter() - t0
    nx = model.nx
    nv = arrays.n_cols
    z0 = raw = None
    if warm_start is not None and nv:
        z0 = raw = np.asarray(warm_start, dtype=float)
        if len(z0) != nv:
            z0 = raw = np.concatenate([z0[:nx], np.zeros(nv - nx)])
        if model.violated(z0).any():
            z0 = None  # an infeasible start would only be discarded by the solvers (the anytime solve repairs it)
    settings = SolverSettings(time_limit=time_limit, node_limit=node_limit, gap=float(gap), threads=int(threads),
                              seed=int(seed))
    strategy = "race" if solver == "auto" else solver
    t1 = time.perf_counter()
    if nv == 0:  # nothing can be funded: the empty portfolio is the only one
        run = SolverRun("highs", "optimal", np.zeros(0), 0.0, 0.0, nodes=0)
        runs, chosen, bound_min = [run], run, 0.0
    elif strategy == "race":
        order = choose_solver(model, limited=time_limit is not None or node_limit is not None)
        res = race(arrays, settings, z0, order=order, deterministic=deterministic,
                   lns_args=_lns_args(model, settings) if "lns" in order else None, stop=stop)
        runs, chosen, bound_min = res.runs, res.chosen, res.bound
    elif strategy == "anytime":
        run = solve_anytime(model, arrays, settings, raw, deterministic=deterministic, stop=stop)
        runs, chosen = [run], run
        bound_min = run.bound if run.status in ("optimal", "limit") else np.nan
    elif strategy == "lns":
        run = solve_lns(arrays, settings, z0, **_lns_args(model, settings))
        runs, chosen = [run], run
        bound_min = run.bound if run.status in ("optimal", "limit") else np.nan
    elif strategy == "highs":
        run = solve_highs(arrays, settings, z0, stop=stop)
        runs, chosen = [run], run
        bound_min = run.bound if run.status in ("optimal", "limit") else np.nan
    else:
        run = solve_cbc(arrays, settings, z0)
        runs, chosen = [run], run
        bound_min = run.bound if run.status in ("optimal", "limit") else np.nan
    solve_s = time.perf_counter() - t1
    osc = sc.objective
    logs = {r.solver: r.log for r in runs}
    if chosen.status == "infeasible":
        conflicts = find_conflicts(model) if explain_infeasible else []
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints", conflicts)
    if chosen.status == "unbounded":
        raise SolverError("the selection model is unbounded (check the objective values)")
    if not chosen.has_solution:
        what = "; ".join(f"{r.solver}: {r.status} ({r.message})" for r in runs)
        if chosen.status == "limit":
            lim = (f"time limit of {time_limit:g} s" if chosen.limit == "time" else f"node limit of {node_limit} nodes")
            raise SolverError(f"no feasible portfolio found within the {lim} ({what})")
        raise SolverError(f"the solvers returned no portfolio ({what})")
    z = chosen.x
    x = (z[:nx] > 0.5).astype(float)
    hire = np.maximum(z[nx:], 0.0)
    objective = float(model.obj @ np.concatenate([x, hire]))
    bound = max(-bound_min * osc, objective) if np.isfinite(bound_min) else np.inf
    g = (bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound) else np.inf
    stopped = [r for r in runs if r.status == "limit"]
    proven = bool(np.isfinite(g) and g <= PROVEN_GAP)
    time_hit = not proven and any(r.limit == "time" for r in stopped)
    node_hit = not proven and any(r.limit == "nodes" for r in stopped)
    out = SolveOutcome(status_words(g), objective, float(bound), float(g), x, hire, chosen.solver, strategy, build,
                       solve_s, deterministic, time_limit, node_limit, int(threads), int(seed), float(gap), time_hit,
                       node_hit, _runs_frame(runs, chosen, osc), logs)
    if time_hit or node_hit:
        what = f"time limit ({time_limit:g} s)" if time_hit else f"node limit ({node_limit} nodes per solver)"
        warn(f"the {what} stopped the solve before proving optimality: {out.status} "
             f"(incumbent {objective:,.6g}, bound {bound:,.6g})", SolverWarning, stacklevel=2)
    return out


def _precheck(model: SelectionModel) -> None:
    """Rows that require funding a project that has no allowed start period."""
    nnz = np.diff(model.A.indptr)
    bad = np.nonzero((nnz == 0) & (model.lo > 0))[0]
    if len(bad):
        names = [f"{model.label[r]} (no start period within its window and the horizon)" for r in bad]
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints", names)


def _feasible(model: SelectionModel, rows: np.ndarray) -> bool:
    arrays, _ = model.to_arrays(rows=rows, objective=False)
    if arrays.n_cols == 0:
        return not np.any(np.asarray(model.lo)[np.asarray(rows, dtype=bool)] > 0)
    run = solve_highs(arrays, SolverSettings())
    if run.status == "error":
        raise SolverError(f"HiGHS failed on a feasibility check: {run.message}")
    return run.status == "optimal"


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
