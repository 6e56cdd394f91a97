"""HiGHS in-process, without side effects, and a time-window large-neighbourhood search on top of it.

This module imports only numpy, scipy and highspy (no package-relative
imports), so it can also run as a script: :func:`_worker_main` is the child
process of a race that runs :func:`lns` on the second core (the model comes
on stdin and the answer goes to stdout as ``.npz`` data, never pickles; the
log goes to stderr, which the parent keeps in memory).
"""

from __future__ import annotations

import io
import sys
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

__all__ = ["MilpArrays", "SolverSettings", "SolverRun", "solve_highs", "lns", "RUN_STATUSES"]

#: Statuses of one solver run.
RUN_STATUSES = ("optimal", "limit", "infeasible", "unbounded", "stopped", "error")


@dataclass(frozen=True)
class MilpArrays:
    """A mixed-integer program in minimisation form.

    ``min c @ z`` subject to ``row_lo <= A @ z <= row_hi`` and
    ``col_lo <= z <= col_hi``, ``z[j]`` integer where ``integer[j]``.
    Infinite bounds are open. Units are the caller's (the selection model
    passes scaled rows and a scaled, negated objective).
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]


@dataclass(frozen=True)
class SolverSettings:
    """How long and how a solver may run.

    Parameters
    ----------
    time_limit : float, optional
        Wall-clock limit [s] (interactive use).
    node_limit : int, optional
        Branch-and-bound node limit [nodes] (deterministic use).
    gap : float, default 0.0
        Relative gap at which the solver may stop [fraction]; 0 = prove
        optimality (the absolute gap tolerance is also 0).
    threads : int, default 1
        Threads the solver may use.
    seed : int, default 0
        Random seed handed to the solver.
    deterministic : bool, default False
        Reproducible solve (decision records): the solver stops on
        ``node_limit``, never on the clock (a ``time_limit`` is refused),
        single-threaded with ``seed``, so a replay gives the same portfolio.
    """

    time_limit: float | None = None
    node_limit: int | None = None
    gap: float = 0.0
    threads: int = 1
    seed: int = 0
    deterministic: bool = False


@dataclass
class SolverRun:
    """What one solver returned (minimisation form).

    Attributes
    ----------
    solver : str
        ``"highs"`` or ``"cbc"``.
    status : str
        ``"optimal"`` (the solver proved its gap target), ``"limit"`` (a
        time or node limit stopped it), ``"infeasible"``, ``"unbounded"``,
        ``"stopped"`` (stopped by the race before finishing) or ``"error"``.
    x : ndarray or None
        Column values of the incumbent (None when it has none).
    objective : float
        Incumbent objective (NaN when none).
    bound : float
        Lower bound on the optimum (NaN when unknown).
    limit : str or None
        ``"time"`` or ``"nodes"`` when a limit stopped the run.
    nodes : int
        Branch-and-bound nodes explored (-1 when unknown).
    seconds : float
        Wall-clock time of the run [s].
    finished_at : float
        ``time.perf_counter()`` when the run ended (orders a race).
    log : str
        The solver's log, captured in memory.
    message : str
        The solver's own words for its status.
    row_dual, row_value, col_dual : ndarray or None
        Row duals, row activities and column duals (reduced costs) of an LP
        solved to optimality by HiGHS (minimisation form).
    """

    solver: str
    status: str
    x: np.ndarray | None = None
    objective: float = np.nan
    bound: float = np.nan
    limit: str | None = None
    nodes: int = -1
    seconds: float = 0.0
    finished_at: float = 0.0
    log: str = ""
    message: str = ""
    row_dual: np.ndarray | None = None
    row_value: np.ndarray | None = None
    col_dual: np.ndarray | None = None

    @property
    def has_solution(self) -> bool:
        return self.x is not None and np.isfinite(self.objective)


# ---------------------------------------------------------------------------------------------- HiGHS

def _quiet_highs():
    """A ``highspy.Highs`` whose output goes to callbacks only.

    ``highspy.Highs.__init__`` installs its callback hub with the default
    ``output_flag=True``, which prints the HiGHS banner on the first solver
    object of a process. Switching output off before the hub is installed
    prints nothing; the log is then re-enabled towards the logging callback
    only (``log_to_console=False``).
    """
    import highspy

    class _Quiet(highspy.Highs):
        def enableCallbacks(self):  # noqa: N802 - highspy's name
            super().setOptionValue("output_flag", False)
            super().enableCallbacks()

    h = _Quiet()
    h.setOptionValue("log_to_console", False)
    return h


def _highs_model(h, m: MilpArrays, warm: np.ndarray | None) -> None:
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = m.n_cols
    lp.num_row_ = m.n_rows
    inf = highspy.kHighsInf
    lp.col_cost_ = np.asarray(m.c, dtype=float)
    lp.col_lower_ = np.where(np.isfinite(m.col_lo), m.col_lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(m.col_hi), m.col_hi, inf)
    lp.row_lower_ = np.where(np.isfinite(m.row_lo), m.row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(m.row_hi), m.row_hi, inf)
    A = m.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.a_matrix_.num_col_ = m.n_cols
    lp.a_matrix_.num_row_ = m.n_rows
    if m.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                           for k in m.integer]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    if warm is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(warm, dtype=float).tolist()
        sol.value_valid = True
        h.setSolution(sol)


_SCHEDULER = "scheduler has already been initialized"


def solve_highs(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None = None,
                stop: threading.Event | None = None, options: dict | None = None) -> SolverRun:
    """Solve with HiGHS in-process; the log is captured, nothing is printed.

    Parameters
    ----------
    m : MilpArrays
    settings : SolverSettings
    warm : ndarray, optional
        A feasible start (column values).
    stop : threading.Event, optional
        Set by another thread to stop the solve (a race).
    options : dict, optional
        Further HiGHS options by name (e.g. which primal heuristics run),
        set after ``settings``.

    Returns
    -------
    SolverRun
    """
    import highspy

    t0 = time.perf_counter()
    log: list[str] = []
    h = _quiet_highs()
    h.cbLogging.subscribe(lambda e: log.append(e.message))
    if stop is not None:
        def _interrupt(e):
            if stop.is_set():
                e.interrupt()
        h.cbMipInterrupt.subscribe(_interrupt)
        h.cbSimplexInterrupt.subscribe(_interrupt)
    for name, value in (("output_flag", True), ("log_to_console", False), ("mip_rel_gap", float(settings.gap)),
                        ("mip_abs_gap", 0.0), ("random_seed", int(settings.seed)),
                        ("threads", int(settings.threads))):
        h.setOptionValue(name, value)
    if settings.time_limit is not None:
        h.setOptionValue("time_limit", float(settings.time_limit))
    if settings.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(settings.node_limit))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    _highs_model(h, m, warm)
    h.run()
    if any(_SCHEDULER in line for line in log):
        # the process-wide HiGHS thread pool was started with another thread count (by an earlier solve
        # with other settings, or by other code): restart it with ours and solve again
        highspy.Highs.resetGlobalScheduler(True)
        log.append(f"(HiGHS thread scheduler restarted with {settings.threads} thread(s))\n")
        h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    limit = None
    if ms == S.kOptimal:
        status = "optimal"
    elif ms == S.kTimeLimit:
        status, limit = "limit", "time"
    elif ms in (S.kSolutionLimit, S.kIterationLimit):
        status, limit = "limit", "nodes"
    elif ms == S.kInterrupt:
        status = "stopped"
    elif ms == S.kInfeasible:
        status = "infeasible"
    elif ms in (S.kUnbounded, S.kUnboundedOrInfeasible):
        status = "unbounded" if ms == S.kUnbounded else "infeasible"
    else:
        status = "error"
    x = None
    objective = np.nan
    if info.primal_solution_status == 2 and status in ("optimal", "limit", "stopped"):  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if m.integer.any() else objective
    if not np.isfinite(bound) or abs(bound) >= 1e30:
        bound = np.nan
    nodes = int(info.mip_node_count) if m.integer.any() else 0
    row_dual = row_value = col_dual = None
    if status == "optimal" and not m.integer.any():
        sol = h.getSolution()
        row_dual = np.asarray(sol.row_dual, dtype=float)
        row_value = np.asarray(sol.row_value, dtype=float)
        col_dual = np.asarray(sol.col_dual, dtype=float)
    t1 = time.perf_counter()
    return SolverRun("highs", status, x, objective, bound, limit, nodes, t1 - t0, t1, "".join(log),
                     h.modelStatusToString(ms), row_dual, row_value, col_dual)




# ------------------------------------------------------------------------------------ large neighbourhoods

def lns(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None, col_project: np.ndarray,
        col_time: np.ndarray, width: int = 3, sub_time: float = 5.0, sub_nodes: int = 200,
        first_share: float = 0.4, rounds: int = 20, stop: threading.Event | None = None,
        emit=None, deadline: float | None = None) -> SolverRun:
    """Improve an incumbent by re-optimising time windows of the portfolio (large-neighbourhood search).

    Phase 1 runs HiGHS on the whole model for ``first_share`` of the time
    (or half the node limit) to get a good incumbent. Then each round takes a
    window of ``width`` periods, frees every project that may start
    in it, fixes the others at the incumbent and re-solves that sub-MIP with
    HiGHS, keeping the better portfolio. The windows are visited in a random
    order, each once before any repeats (large-neighbourhood search: Shaw,
    "Using constraint programming and local search methods to solve vehicle
    routing problems", CP 1998; Pisinger & Ropke, "Large neighborhood
    search", *Handbook of Metaheuristics*, 2010; here the neighbourhoods cut
    the plan in time).

    With a ``time_limit`` the rounds run until it (each sub-MIP at most
    ``sub_time`` [s]); without one (the deterministic mode) there are
    ``rounds`` rounds of at most ``sub_nodes`` nodes each, drawn from a
    generator seeded with ``settings.seed``, so the result is reproducible.

    Parameters
    ----------
    m : MilpArrays
    settings : SolverSettings
    warm : ndarray, optional
        Feasible start.
    col_project : ndarray of int
        Project of each column (-1 for columns never fixed, e.g. hiring).
    col_time : ndarray of int
        Start period of each column [period].
    width : int
        Periods per window [periods].
    deadline : float, optional
        Wall-clock time (``time.time()``, [s]) by which to finish; replaces
        ``settings.time_limit`` when given (a child process started late
        still ends with the race).

    Returns
    -------
    SolverRun
        ``solver="lns"``; never proves optimality unless phase 1 did. Its
        bound is phase 1's.
    """
    t0 = time.perf_counter()
    if deadline is not None and np.isfinite(deadline):
        settings = replace(settings, time_limit=max(deadline - time.time(), 1e-3))
    timed = settings.time_limit is not None
    deadline = t0 + settings.time_limit if timed else np.inf
    say = emit or (lambda text: None)
    lines = []

    def note(text):
        lines.append(text + "\n")
        say(text + "\n")

    if timed:
        s1 = replace(settings, time_limit=max(first_share * settings.time_limit, 1e-3), node_limit=None)
    else:
        s1 = replace(settings, node_limit=max(1, (settings.node_limit or 2 * rounds * sub_nodes) // 2))
    r1 = solve_highs(m, s1, warm, stop=stop)
    x, obj = (r1.x, r1.objective) if r1.has_solution else (None, np.inf)
    if warm is not None and float(m.c @ warm) < obj:
        x, obj = np.asarray(warm, dtype=float), float(m.c @ warm)
    note(f"phase 1: HiGHS {r1.status} ({r1.message}), incumbent {obj:.10g}, bound {r1.bound:.10g}")
    if r1.status in ("optimal", "infeasible", "unbounded", "error") or x is None:
        r1.solver, r1.log = "lns", "".join(lines) + r1.log
        r1.seconds, r1.finished_at = time.perf_counter() - t0, time.perf_counter()
        return r1
    rng = np.random.default_rng(int(settings.seed))
    fixable = m.integer & (col_project >= 0)
    H = int(col_time[col_project >= 0].max()) if (col_project >= 0).any() else 1
    k = improved = 0
    n_win = max(H - width + 1, 1)
    order: list[int] = []
    while True:
        if stop is not None and stop.is_set():
            break
        if timed:
            left = deadline - time.perf_counter()
            if left < 0.2:
                break
        elif k >= rounds:
            break
        if not order:  # every window once, in a random order, then again
            order = (rng.permutation(n_win) + 1).tolist()
        t = int(order.pop())
        inside = (col_time >= t) & (col_time <= t + width - 1) & (col_project >= 0)
        free = np.zeros(int(col_project.max()) + 1, dtype=bool)
        free[col_project[inside]] = True
        fix = fixable & ~free[np.maximum(col_project, 0)]
        cl, ch = m.col_lo.copy(), m.col_hi.copy()
        cl[fix] = ch[fix] = np.round(x[fix])
        ss = (replace(settings, time_limit=min(sub_time, left), node_limit=None, seed=int(settings.seed) + k + 1)
              if timed else replace(settings, node_limit=sub_nodes, seed=int(settings.seed) + k + 1))
        r = solve_highs(replace(m, col_lo=cl, col_hi=ch), ss, x, stop=stop)
        better = r.has_solution and r.objective < obj - 1e-9 * max(1.0, abs(obj))
        if better:
            x, obj = r.x, r.objective
            improved += 1
        note(f"round {k + 1}: periods {t}-{t + width - 1}, {int(free.sum())} projects free, {r.status}, "
             f"incumbent {obj:.10g}{' (improved)' if better else ''}")
        k += 1
    t1 = time.perf_counter()
    stopped = stop is not None and stop.is_set()
    return SolverRun("lns", "stopped" if stopped else "limit", x, float(obj), r1.bound,
                     None if stopped else ("time" if timed else "nodes"), k, t1 - t0, t1, "".join(lines),
                     f"{k} rounds, {improved} improvements")


_SETTINGS_FIELDS = ("time_limit", "node_limit", "gap", "threads", "seed")


def pack(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None, **params) -> bytes:
    """The model, settings, start and LNS parameters as ``.npz`` bytes for :func:`_worker_main`."""
    A = m.A.tocsr()
    buf = io.BytesIO()
    st = [np.nan if v is None else float(v) for v in (getattr(settings, f) for f in _SETTINGS_FIELDS)]
    np.savez(buf, c=m.c, A_data=A.data, A_indices=A.indices, A_indptr=A.indptr, A_shape=np.array(A.shape),
             row_lo=m.row_lo, row_hi=m.row_hi, col_lo=m.col_lo, col_hi=m.col_hi, integer=m.integer,
             warm=np.zeros(0) if warm is None else np.asarray(warm, dtype=float), settings=np.array(st),
             **{k: np.asarray(v) for k, v in params.items()})
    return buf.getvalue()


def unpack_run(blob: bytes, log: str, seconds: float, finished_at: float) -> SolverRun:
    """The :class:`SolverRun` a worker wrote (see :func:`_worker_main`)."""
    d = np.load(io.BytesIO(blob), allow_pickle=False)
    x = d["x"] if d["x"].size else None
    limit = str(d["limit"])
    return SolverRun("lns", str(d["status"]), x, float(d["objective"]), float(d["bound"]),
                     limit if limit else None, int(d["nodes"]), seconds, finished_at, log, str(d["message"]))


def _worker_main() -> None:  # pragma: no cover - runs in a child process (tested through the race)
    """Child process: read a packed model on stdin, run :func:`lns`, write the run to stdout."""
    import os

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to this child's log, not into the answer
    d = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
    A = sp.csr_matrix((d["A_data"], d["A_indices"], d["A_indptr"]), shape=tuple(int(v) for v in d["A_shape"]))
    m = MilpArrays(d["c"], A, d["row_lo"], d["row_hi"], d["col_lo"], d["col_hi"], d["integer"].astype(bool))
    st = dict(zip(_SETTINGS_FIELDS, d["settings"].tolist()))
    settings = SolverSettings(time_limit=None if np.isnan(st["time_limit"]) else st["time_limit"],
                              node_limit=None if np.isnan(st["node_limit"]) else int(st["node_limit"]),
                              gap=st["gap"], threads=int(st["threads"]), seed=int(st["seed"]))
    warm = d["warm"] if d["warm"].size else None
    run = lns(m, settings, warm, d["col_project"].astype(int), d["col_time"].astype(int),
              width=int(d["width"]), sub_time=float(d["sub_time"]), sub_nodes=int(d["sub_nodes"]),
              first_share=float(d["first_share"]), rounds=int(d["rounds"]),
              emit=lambda text: (sys.stderr.write(text), sys.stderr.flush()),
              deadline=float(d["deadline"]) if "deadline" in d else None)
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros(0) if run.x is None else run.x, objective=run.objective, bound=run.bound,
             status=np.array(run.status), limit=np.array(run.limit or ""), nodes=run.nodes,
             message=np.array(run.message))
    out.write(buf.getvalue())
    out.flush()


if __name__ == "__main__":  # pragma: no cover
    _worker_main()
