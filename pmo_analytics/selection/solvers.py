"""The two MILP solvers behind the selection model, run without side effects, and their race.

A model reaches the solvers as plain arrays (:class:`MilpArrays`, a
minimisation ``min c z`` subject to ``row_lo <= A z <= row_hi`` and column
bounds, some columns integer):

* **HiGHS** runs in-process through ``highspy`` (:func:`solve_highs`). Its
  log is captured in memory through the logging callback (nothing is printed,
  not even the banner that ``highspy`` prints on the first solver object of a
  process), and a MIP-interrupt callback lets a race stop it.
* **CBC** (the binary bundled with PuLP) runs as a child process
  (:class:`CbcProcess`) on an MPS file written to a private temporary folder
  that is removed afterwards; its log is read from the child's pipe, in
  memory. Stopping it kills the child.

:func:`race` runs both at once on two cores. In the interactive mode the
first proven optimum wins and the other solver is stopped; when neither
proves optimality within the limits, the better incumbent is taken and the
tighter of the two bounds reported (any feasible portfolio and any valid
bound together bound the optimality gap). In the deterministic mode each
solver is single-threaded, stops on a node limit instead of the clock and
uses a fixed random seed, so each run is reproducible; the answer is then
chosen by a fixed preference order (the first solver in ``order`` that
proves optimality, otherwise the better incumbent, ties to the earlier
solver), so it does not depend on which solver happened to finish first.
Only a proof by the preferred solver stops the other one early.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import SolverError
from ._highs_core import RUN_STATUSES, MilpArrays, SolverRun, SolverSettings, lns, solve_highs

__all__ = ["MilpArrays", "SolverSettings", "SolverRun", "solve_highs", "lns", "CbcProcess", "LnsProcess", "race",
           "cbc_path", "write_mps", "solve_cbc", "solve_lns", "RUN_STATUSES"]

# ------------------------------------------------------------------------------------------------ CBC

def cbc_path() -> str:
    """The CBC binary bundled with PuLP."""
    from pulp.apis.coin_api import pulp_cbc_path

    path = os.path.abspath(pulp_cbc_path)
    if not os.path.exists(path):
        raise SolverError(f"the CBC binary bundled with PuLP is missing ({path}); use solver='highs'")
    return path


def write_mps(m: MilpArrays, path: str) -> None:
    """Write the model as a fixed-format MPS file (columns ``C<j>``, rows ``R<i>``).

    Ranged rows (both bounds finite and different) are written as two rows,
    free rows are left out. Integer columns are marked with ``INTORG`` /
    ``INTEND`` markers and given explicit bounds.
    """
    A = m.A.tocsr()
    lo, hi = m.row_lo, m.row_hi
    has_rows = np.diff(A.indptr) > 0
    fl, fh = np.isfinite(lo), np.isfinite(hi)
    eq = fl & fh & (lo == hi)
    le = fh & ~eq
    ge = fl & ~eq
    # rows as written: (original row, sense, rhs)
    parts = []
    for mask, sense, rhs in ((eq, "E", hi), (le, "L", hi), (ge, "G", lo)):
        r = np.nonzero(mask & has_rows)[0]
        parts.append((r, np.full(len(r), sense), rhs[r]))
    orig = np.concatenate([p[0] for p in parts])
    sense = np.concatenate([p[1] for p in parts])
    rhs = np.concatenate([p[2] for p in parts])
    names = np.array([f"R{k}" for k in range(len(orig))], dtype=object)
    # written-row matrix: rows of A repeated as needed
    W = A[orig].tocsc()
    lines = ["NAME          PMO\n", "ROWS\n", " N  OBJ\n"]
    lines += [f" {s}  {nm}\n" for s, nm in zip(sense, names)]
    lines.append("COLUMNS\n")
    in_int = False
    for j in range(m.n_cols):
        if m.integer[j] and not in_int:
            lines.append("    MARKER                 'MARKER'                 'INTORG'\n")
            in_int = True
        elif not m.integer[j] and in_int:
            lines.append("    MARKER                 'MARKER'                 'INTEND'\n")
            in_int = False
        cj = f"C{j}"
        if m.c[j] != 0:
            lines.append(f"    {cj:<8}  OBJ       {m.c[j]: .17g}\n")
        a, b = W.indptr[j], W.indptr[j + 1]
        lines += [f"    {cj:<8}  {names[r]:<8}  {v: .17g}\n" for r, v in zip(W.indices[a:b], W.data[a:b])]
        if a == b and m.c[j] == 0:
            lines.append(f"    {cj:<8}  OBJ       0\n")  # every column must appear
    if in_int:
        lines.append("    MARKER                 'MARKER'                 'INTEND'\n")
    lines.append("RHS\n")
    lines += [f"    RHS       {nm:<8}  {v: .17g}\n" for nm, v in zip(names, rhs) if v != 0]
    lines.append("BOUNDS\n")
    for j in range(m.n_cols):
        cj = f"C{j}"
        l, u = m.col_lo[j], m.col_hi[j]
        if np.isfinite(l) and np.isfinite(u) and l == u:
            lines.append(f" FX BND       {cj:<8}  {l: .17g}\n")
            continue
        if not np.isfinite(l):
            lines.append(f" MI BND       {cj:<8}\n")
        elif l != 0:
            lines.append(f" LO BND       {cj:<8}  {l: .17g}\n")
        if np.isfinite(u):
            lines.append(f" UP BND       {cj:<8}  {u: .17g}\n")
        elif m.integer[j]:
            lines.append(f" PL BND       {cj:<8}\n")
    lines.append("ENDATA\n")
    with open(path, "w") as f:
        f.writelines(lines)


_CBC_RESULT = re.compile(r"Result - (.*)")
_CBC_OBJ = re.compile(r"Objective value:\s*(-?[0-9.eE+\-]+)")
_CBC_LOWER = re.compile(r"Lower bound:\s*(-?[0-9.eE+\-]+)")
_CBC_NODES = re.compile(r"Enumerated nodes:\s*(\d+)")
_CBC_BEST_POSSIBLE = re.compile(r"best possible\s*(-?[0-9.eE+\-]+)")


class _ChildSolver:
    """What the child-process solvers share: the process, its end, stopping it, the context manager.

    Subclasses set ``self._proc`` in ``start()`` and call :meth:`_finished` from the thread that reads
    the child's output.
    """

    def __init__(self):
        self._proc = None
        self._t0 = self._finished_at = 0.0
        self._stopped = False
        self._done = threading.Event()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.close()

    def _finished(self) -> None:
        self._finished_at = time.perf_counter()
        self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the child to end; True when it has."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Kill the child if it is still running (its result is then ``stopped``)."""
        if self._proc is not None and self._proc.poll() is None:
            self._stopped = True
            self._proc.kill()
        if self._proc is not None:
            self._done.wait()

    def close(self) -> None:
        """Release what the run holds (nothing by default)."""


class CbcProcess(_ChildSolver):
    """CBC in a child process: the model is written to a private temporary folder, the log is piped.

    Use :meth:`start`, then :meth:`result` (waits) or :meth:`stop` (kills);
    :meth:`close` removes the temporary folder. Also a context manager.
    """

    def __init__(self, m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None = None):
        super().__init__()
        self.m, self.settings, self.warm = m, settings, warm
        self._dir = None
        self._out = ""

    def command(self) -> list[str]:
        s = self.settings
        d = self._dir.name
        args = [cbc_path(), os.path.join(d, "model.mps"), "-timeMode", "elapsed",
                "-randomSeed", str(int(s.seed) + 1), "-randomCbcSeed", str(int(s.seed) + 1),
                "-threads", str(int(s.threads)), "-ratio", repr(float(s.gap)), "-allowableGap", "0"]
        if s.time_limit is not None:
            args += ["-sec", repr(float(s.time_limit))]
        if s.node_limit is not None:
            args += ["-maxNodes", str(int(s.node_limit))]
        if self.warm is not None:
            args += ["-mips", os.path.join(d, "start.mst")]
        args += ["-solve", "-solution", os.path.join(d, "solution.txt")]
        return args

    def start(self) -> "CbcProcess":
        self._dir = tempfile.TemporaryDirectory(prefix="pmo-cbc-")
        d = self._dir.name
        write_mps(self.m, os.path.join(d, "model.mps"))
        if self.warm is not None:
            with open(os.path.join(d, "start.mst"), "w") as f:
                f.write("Stopped on time - objective value 0\n")
                f.writelines(f"{j:>7} C{j} {float(v):>15.12g} 0\n" for j, v in enumerate(self.warm))
        self._t0 = time.perf_counter()
        self._proc = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self):
        out, _ = self._proc.communicate()
        self._out = out or ""
        self._finished()

    def close(self) -> None:
        """Remove the temporary folder of the model."""
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def result(self) -> SolverRun:
        """Wait for the child and read its solution and log."""
        self._done.wait()
        log = self._out
        seconds = self._finished_at - self._t0
        if self._stopped:
            return SolverRun("cbc", "stopped", seconds=seconds, finished_at=self._finished_at, log=log,
                             message="stopped by the race")
        sol_path = os.path.join(self._dir.name, "solution.txt")
        if self._proc.returncode != 0 or not os.path.exists(sol_path):
            return SolverRun("cbc", "error", seconds=seconds, finished_at=self._finished_at, log=log,
                             message=f"CBC exited with code {self._proc.returncode}")
        with open(sol_path) as f:
            head = f.readline()
            body = f.readlines()
        words = head.split()
        result = (_CBC_RESULT.findall(log) or [""])[-1].strip()
        x = None
        objective = np.nan
        limit = None
        if words and words[0] == "Optimal":
            status = "optimal"
        elif words and words[0] in ("Infeasible", "Integer"):
            status = "infeasible"
        elif words and words[0] == "Unbounded":
            status = "unbounded"
        elif words and words[0] == "Stopped":
            status = "limit"
            limit = "nodes" if "node" in head.lower() or "node" in result.lower() else "time"
        else:
            status = "error"
        feasible = status == "optimal" or (status == "limit" and len(words) >= 5 and words[4] == "objective")
        if feasible:
            x = np.zeros(self.m.n_cols)
            for line in body:
                p = line.split()
                if len(p) < 3:
                    continue
                if p[0] == "**":
                    p = p[1:]
                name = p[1]
                if name.startswith("C") and name[1:].isdigit():
                    x[int(name[1:])] = float(p[2])
            objective = float(self.m.c @ x)
        bound = np.nan
        if status == "optimal":
            bound = objective
        else:
            lb = _CBC_LOWER.findall(log) or _CBC_BEST_POSSIBLE.findall(log)
            if lb:
                bound = float(lb[-1])
        nodes = _CBC_NODES.findall(log)
        if status == "limit" and not feasible:
            x = None
        return SolverRun("cbc", status, x, objective, bound, limit, int(nodes[-1]) if nodes else -1, seconds,
                         self._finished_at, log, result or head.strip())


def solve_cbc(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None = None) -> SolverRun:
    """Solve with CBC in a child process (see :class:`CbcProcess`)."""
    with CbcProcess(m, settings, warm) as p:
        p.wait()
        return p.result()


class LnsProcess(_ChildSolver):
    """The time-window search of :func:`~pmo_analytics.selection._highs_core.lns` in a child process.

    The child runs ``_highs_core.py`` as a script (it imports only numpy,
    scipy and highspy, so it starts quickly); the model goes to its stdin and
    the answer comes back on its stdout as ``.npz`` data (no pickles), the
    log on its stderr, kept in memory. Same interface as :class:`CbcProcess`.
    """

    def __init__(self, m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None, col_project: np.ndarray,
                 col_time: np.ndarray, width: int = 3, sub_time: float = 5.0, sub_nodes: int = 200,
                 first_share: float = 0.4, rounds: int = 20):
        from . import _highs_core

        super().__init__()
        self._script = _highs_core.__file__
        # a wall-clock deadline, not a duration: the child may take a moment to start
        deadline = time.time() + settings.time_limit if settings.time_limit is not None else np.nan
        self._payload = _highs_core.pack(m, settings, warm, col_project=col_project, col_time=col_time,
                                         width=width, sub_time=sub_time, sub_nodes=sub_nodes,
                                         first_share=first_share, rounds=rounds, deadline=deadline)
        self._out, self._err = b"", b""

    def start(self) -> "LnsProcess":
        self._t0 = time.perf_counter()
        self._proc = subprocess.Popen([sys.executable, "-I", self._script], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._talk, daemon=True).start()
        return self

    def _talk(self):
        try:
            self._out, self._err = self._proc.communicate(self._payload)
        except (BrokenPipeError, OSError):  # killed before it read the model
            self._out, self._err = b"", b""
        self._finished()

    def result(self) -> SolverRun:
        from ._highs_core import unpack_run

        self._done.wait()
        log = self._err.decode("utf-8", "replace")
        seconds = self._finished_at - self._t0
        if self._stopped:
            return SolverRun("lns", "stopped", seconds=seconds, finished_at=self._finished_at, log=log,
                             message="stopped by the race")
        if self._proc.returncode != 0 or not self._out:
            return SolverRun("lns", "error", seconds=seconds, finished_at=self._finished_at, log=log,
                             message=f"the search process exited with code {self._proc.returncode}")
        return unpack_run(self._out, log, seconds, self._finished_at)


def solve_lns(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None = None, **lns_args) -> SolverRun:
    """The time-window search alone, in a child process (see :class:`LnsProcess`; ``lns_args`` as there).

    The child holds no lock of this process, so several can run at once from
    threads, one per core.
    """
    with LnsProcess(m, settings, warm, **lns_args) as p:
        p.wait()
        return p.result()


# ----------------------------------------------------------------------------------------------- race

@dataclass
class RaceResult:
    """The chosen run and every run of a race.

    Attributes
    ----------
    chosen : SolverRun
        The run whose incumbent is returned.
    runs : list of SolverRun
    bound : float
        Best valid lower bound over the runs that finished on their own
        (minimisation form; NaN when none is known).
    """

    chosen: SolverRun
    runs: list = field(default_factory=list)
    bound: float = np.nan


def _pick(runs: list[SolverRun], order: tuple[str, ...], deterministic: bool) -> SolverRun | None:
    rank = {s: k for k, s in enumerate(order)}
    proven = [r for r in runs if r.status == "optimal" and r.has_solution]
    if proven:
        key = (lambda r: rank[r.solver]) if deterministic else (lambda r: r.finished_at)
        return min(proven, key=key)
    feas = [r for r in runs if r.has_solution]
    if not feas:
        return None
    best = min(r.objective for r in feas)
    tol = 1e-9 * max(1.0, abs(best))
    return min((r for r in feas if r.objective <= best + tol), key=lambda r: rank[r.solver])


class _Either:
    """Set when any of the events is set (what HiGHS's interrupt callback polls)."""

    def __init__(self, *events):
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until one is set (polling every 10 ms); True when one is."""
        end = None if timeout is None else time.perf_counter() + timeout
        while not self.is_set():
            if end is not None and time.perf_counter() >= end:
                return False
            time.sleep(0.01)
        return True


def race(m: MilpArrays, settings: SolverSettings, warm: np.ndarray | None = None,
         order: tuple[str, ...] = ("highs", "cbc"), deterministic: bool = False,
         cbc_delay: float | None = None, lns_args: dict | None = None,
         stop: threading.Event | None = None) -> RaceResult:
    """Run HiGHS (this process) and a second solver (a child process) at once; see the module docstring.

    Parameters
    ----------
    m : MilpArrays
    settings : SolverSettings
        Applied to each solver (``threads`` each).
    warm : ndarray, optional
        Feasible start given to both.
    order : tuple of str
        ``"highs"`` and the second solver, ``"cbc"`` or ``"lns"`` (the
        time-window search of :class:`LnsProcess`), in preference order:
        it decides between proven optima in the deterministic mode and
        between equal incumbents in both modes.
    deterministic : bool
        Choose by ``order`` (reproducible) rather than by who finished first.
    cbc_delay : float, optional
        Seconds HiGHS runs alone before the second solver is started [s]; a
        model HiGHS settles within them never starts a child process.
        Default 0.1 s when HiGHS is preferred, 0 otherwise (the other
        solver's answer is then needed).
    lns_args : dict, optional
        ``col_project``, ``col_time`` and tuning for :class:`LnsProcess`
        (needed when ``"lns"`` races).
    stop : threading.Event, optional
        Set by the caller to abandon the race: HiGHS is interrupted and the
        child killed (their runs then say ``"stopped"``).

    Returns
    -------
    RaceResult
    """
    if len(order) != 2 or "highs" not in order or not set(order) - {"highs"} <= {"cbc", "lns"}:
        raise ValueError(f"order must name 'highs' and one of 'cbc', 'lns', got {order!r}")
    second = [o for o in order if o != "highs"][0]
    if second == "lns" and lns_args is None:
        raise ValueError("an 'lns' racer needs lns_args (col_project, col_time)")
    if cbc_delay is None:
        cbc_delay = 0.1 if order[0] == "highs" else 0.0
    decisive = ("optimal", "infeasible", "unbounded")
    stop_highs = threading.Event()
    highs_done = threading.Event()
    lock = threading.Lock()
    state = {"decided": False, "started": False}
    cbc_settings = settings
    if settings.time_limit is not None and cbc_delay > 0:
        cbc_settings = SolverSettings(max(settings.time_limit - cbc_delay, 1e-3), settings.node_limit,
                                      settings.gap, settings.threads, settings.seed)
    cbc = (CbcProcess(m, cbc_settings, warm) if second == "cbc"
           else LnsProcess(m, cbc_settings, warm, **lns_args))
    cbc_run: list[SolverRun] = []

    def watch():
        if cbc_delay > 0:
            highs_done.wait(cbc_delay)
        with lock:
            if state["decided"]:
                return
            cbc.start()
            state["started"] = True
        cbc.wait()
        r = cbc.result()
        cbc_run.append(r)
        if r.status in decisive and (not deterministic or order[0] == second):
            stop_highs.set()

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        watcher.start()
        h = solve_highs(m, settings, warm, stop=_Either(stop_highs, stop))
        with lock:
            highs_done.set()
            if (h.status in decisive and (not deterministic or order[0] == "highs")) or (stop is not None
                                                                                         and stop.is_set()):
                state["decided"] = True
                cbc.stop()
        watcher.join()
    finally:
        with lock:
            state["decided"] = True
        cbc.stop()
        watcher.join()
        cbc.close()
    runs = [h] + cbc_run
    runs.sort(key=lambda r: order.index(r.solver))
    finished = [r for r in runs if r.status in ("optimal", "limit")]
    bounds = [r.bound for r in finished if np.isfinite(r.bound)]
    chosen = _pick(runs, order, deterministic)
    if chosen is None:
        # no incumbent: report the run that says why (infeasible first, then a limit, then errors)
        for st in ("infeasible", "unbounded", "limit", "error", "stopped"):
            hit = [r for r in runs if r.status == st]
            if hit:
                chosen = min(hit, key=lambda r: order.index(r.solver))
                break
    return RaceResult(chosen, runs, max(bounds) if bounds else np.nan)
