"""The efficient frontier: what more (or less) budget buys, at any size.

Its **shape** comes from the LP relaxation, parametric in the budget
(:func:`lp_frontier`): one LP, re-solved by HiGHS's dual simplex from the
previous level's basis as the budget rows change, milliseconds a level. The
LP optimum bounds every portfolio from above, so the curve is an honest
upper bound ("at most") at every level. **Portfolios** are solved where the
board looks: every level of a small model, and on a large one the levels
within ``near`` of today's budget (at least the level below and the level
above it); each of those MILPs is warm-started from its neighbour (see
:func:`efficient_frontier`).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..exceptions import SolverWarning
from ..parallel import executor_for
from ._highs_core import _highs_model, _quiet_highs
from .analysis import _solve_variant, rebind
from .selector import PortfolioSelector, portfolio_frame
from .solve import LNS_MIN_COLUMNS, batch_solver, status_words

__all__ = ["lp_frontier", "efficient_frontier", "frontier_levels_solved"]

#: Budget factors within this distance of today's budget are solved as portfolios on a large model.
NEAR = 0.25


def lp_frontier(model, factors) -> pd.DataFrame:
    """The LP relaxation's optimum at each budget factor: an upper bound on the portfolio's value there.

    Every period's budget (and the total budget, if any) is multiplied by
    the factor, relative to ``model``'s own budget. One HiGHS LP is
    re-solved level after level (dual simplex from the previous basis).

    Parameters
    ----------
    model : SelectionModel
    factors : sequence of float
        Budget factors [fraction of the model's budget].

    Returns
    -------
    DataFrame
        ``budget_factor``, ``bound`` [objective units; NaN where even the
        relaxation is infeasible], ``lp_seconds`` [s].
    """
    arrays, sc = model.to_arrays(relax=True)
    rows = np.nonzero(np.isin(model.family, ("budget", "total_budget")))[0]
    out = []
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    _highs_model(h, arrays, None)
    import highspy

    lo = np.where(np.isfinite(arrays.row_lo[rows]), arrays.row_lo[rows], -highspy.kHighsInf)
    for f in factors:
        t0 = time.perf_counter()
        if len(rows):
            h.changeRowsBounds(len(rows), rows.astype(np.int32), lo, arrays.row_hi[rows] * float(f))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        value = -h.getInfo().objective_function_value * sc.objective if ok else np.nan
        out.append({"budget_factor": float(f), "bound": value + 0.0, "lp_seconds": time.perf_counter() - t0})
    return pd.DataFrame(out)


def frontier_levels_solved(factors, model, solve: str = "auto", near: float = NEAR) -> np.ndarray:
    """Which budget factors get a portfolio (MILP) rather than the LP bound alone.

    ``"all"``: every level; ``"near"``: levels within ``near`` of 1 and the
    nearest level on each side of 1; ``"auto"``: all on a model below
    :data:`~pmo_analytics.selection.solve.LNS_MIN_COLUMNS` start columns,
    near otherwise.
    """
    f = np.asarray(factors, dtype=float)
    if solve not in ("auto", "all", "near"):
        raise ValueError(f"solve must be 'auto', 'all' or 'near', got {solve!r}")
    if solve == "all" or (solve == "auto" and model.nx < LNS_MIN_COLUMNS):
        return np.ones(len(f), dtype=bool)
    keep = np.abs(f - 1.0) <= near + 1e-12
    below, above = np.nonzero(f <= 1 + 1e-12)[0], np.nonzero(f > 1 + 1e-12)[0]
    if len(below):
        keep[below[-1]] = True
    if len(above):
        keep[above[0]] = True
    return keep


def _chain(job, item):
    """Solve the levels of one chain in order, each warm-started from the previous one's portfolio (a task)."""
    sel, settings, base_total = job
    done, source = [], None
    for f in item:
        ch = {"budget_scale": float(sel.options.budget_scale * f)}
        if base_total is not None:
            ch["total_budget"] = float(base_total * f)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            model, out = _solve_variant(sel, source=source, settings=settings, **ch)
        done.append((f, ch, model, out, time.perf_counter() - t0))
        if out is not None and not isinstance(out, str):
            source = (model, np.concatenate([out.x, out.hire]))
    return done


def efficient_frontier(sel: PortfolioSelector, levels: int = 20, low: float = 0.2, high: float = 1.5,
                       settings: dict | None = None, solve: str = "auto", near: float = NEAR,
                       client=None) -> pd.DataFrame:
    """Value against budget: the LP bound at every level, portfolios where the board looks.

    Each level multiplies every period's budget (and the total budget, if
    any) by a factor from ``low`` to ``high``; every other constraint stays.
    The LP relaxation bounds the value at every level (:func:`lp_frontier`).
    Portfolios are solved at the levels :func:`frontier_levels_solved`
    picks, as two chains: the levels below today's budget in decreasing
    order, each from the previous level's portfolio repaired to fit (the
    first from the recommendation), and the levels above it in increasing
    order, each from the previous one (which fits every larger budget). The
    two chains run side by side (threads, or Dask tasks with ``client``);
    the chains and the solves do not depend on where they run, so neither do
    the numbers. Any level's portfolio fits every larger budget, so a level
    whose own solve found less than a smaller level's portfolio is given
    that portfolio (the value never falls as the budget grows).

    Parameters
    ----------
    sel : PortfolioSelector
        A fitted selector (its options are the base case, factor 1).
    levels : int, default 20
    low, high : float
        Smallest and largest budget factor.
    settings : dict, optional
        Solver settings for the levels' solves that differ from the
        selector's (e.g. ``{"gap": 0.005}``); keys as
        :meth:`PortfolioSelector.solver_settings`.
    solve : {"auto", "all", "near"}
        Which levels get a portfolio (:func:`frontier_levels_solved`).
    near : float
        Width of the "near" band around today's budget [fraction].
    client : distributed.Client, str or Executor, optional
        Where the chains run (default local threads).

    Returns
    -------
    DataFrame
        One row per level: ``budget_factor``, ``budget`` (total over the
        horizon) [currency], ``bound`` (the LP relaxation's value, or the
        level's proven bound when tighter) [objective units], ``value``
        (objective of the level's portfolio; NaN where no portfolio was
        solved or none is feasible), ``spend`` [currency], ``funded``
        [projects], ``entering`` / ``leaving`` (project ids vs the previous
        solved level, ``;``-separated), ``status`` (status words of the
        solve; ``"bound only (LP relaxation)"`` where none was solved;
        ``"infeasible"``), ``gap`` [fraction], ``solver``, ``solve_seconds``
        [s], ``solved`` (a portfolio was solved at this level).
    """
    sel._check()
    if levels < 2:
        raise ValueError("an efficient frontier needs at least 2 budget levels")
    factors = np.linspace(low, high, int(levels))
    base_total = sel.options.total_budget
    lp = lp_frontier(sel.model_, factors)
    pick = frontier_levels_solved(factors, sel.model_, solve, near)
    solver = {**sel.solver_settings(), **(settings or {})}
    fast = batch_solver(sel.model_, **solver)
    if fast is not None:
        solver["solver"] = fast
    lower = factors[pick & (factors <= 1 + 1e-12)][::-1]
    upper = factors[pick & (factors > 1 + 1e-12)]
    chains = [c for c in (lower, upper) if len(c)]
    with executor_for(client, threads=min(2, len(chains)) or 1) as ex:
        solved = {lvl[0]: (lvl[0], lvl[1], rebind(sel, lvl[2]), *lvl[3:])
                  for part in ex.map(_chain, chains, shared=(sel, solver, base_total)) for lvl in part}
    rows, best = [], None  # best: the most valuable portfolio of a smaller budget so far (value, model, out)
    prev = None
    for f, bound in zip(factors, lp["bound"]):
        total_budget = float(sel.data_.budget.sum() * sel.options.budget_scale * f)
        row = dict(budget_factor=f, budget=total_budget, bound=bound, value=np.nan, spend=np.nan, funded=0,
                   entering="", leaving="", status="bound only (LP relaxation)", gap=np.nan, solver="",
                   solve_seconds=0.0, solved=False)
        if f not in solved:
            if not np.isfinite(bound):
                row["status"] = "infeasible"
            rows.append(row)
            continue
        _, ch, model, out, dt = solved[f]
        row.update(solved=True, solve_seconds=dt)
        if out is None or isinstance(out, str):
            row["status"] = "infeasible" if out is None else "no solution in time"
            rows.append(row)
            continue
        value, x, status, gap, who = out.objective, out.x, out.status, out.gap, out.solver
        if best is not None and best[0] > value + 1e-9 * max(1.0, abs(value)):
            # a smaller budget's portfolio fits here and is worth more: take it (the bound stays this level's)
            value, x = best[0], best[1]
            gap = (min(out.bound, bound) - value) / max(abs(value), 1e-9) if np.isfinite(out.bound) else np.nan
            status, who = status_words(gap), f"{out.solver} (smaller budget's portfolio)"
        pfm = portfolio_frame(model, x)
        chosen = set(pfm.index[pfm["selected"]])
        row.update(value=value, bound=min(bound, out.bound) if np.isfinite(out.bound) else bound,
                   spend=float(pfm["cost"].sum()), funded=len(chosen),
                   entering="; ".join(sorted(chosen - prev)) if prev is not None else "; ".join(sorted(chosen)),
                   leaving="; ".join(sorted(prev - chosen)) if prev is not None else "", status=status, gap=gap,
                   solver=who)
        prev = chosen
        if best is None or value > best[0]:
            best = (value, x)
        rows.append(row)
    return pd.DataFrame(rows)
