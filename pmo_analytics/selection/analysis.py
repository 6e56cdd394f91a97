"""What the board uses: scenarios and indicative duals (the frontier: :mod:`.frontier`; why each project is
in or out: :mod:`.explain`).

Every function takes a fitted :class:`~pmo_analytics.selection.PortfolioSelector`
and re-solves variants of its model; the fitted selector is never mutated.
Independent re-solves (the explanations, the scenarios) of a large model in
the deterministic mode run side by side, one per core
(:func:`~pmo_analytics.selection.solve.batch_solver`); the numbers do not
depend on how many run at once.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from ..exceptions import InfeasiblePortfolioError, SolverError, SolverWarning
from .model import build_model
from .heuristics import better_start, variant_start
from .selector import PortfolioSelector, greedy_portfolio, portfolio_frame
from ..parallel import executor_for, hold_warnings
from .solve import batch_solver, solve_model
from .solvers import SolverSettings, solve_highs

__all__ = ["compare_scenarios", "lp_duals", "variant_settings"]


def _start(sel: PortfolioSelector, model, source=None, add: str | None = None, drop: str | None = None):
    """Warm start of a variant: ``source`` (a solved ``(model, z)``, default the base case) changed by the
    question (``add`` funded, ``drop`` dropped) and repaired, or the greedy portfolio if that is better."""
    src_model, z = source if source is not None else (sel.model_, np.concatenate([sel.x_, sel.hire_]))
    return better_start(model, greedy_portfolio(model), variant_start(src_model, z, model, add=add, drop=drop))


def _solve_variant(sel: PortfolioSelector, source=None, settings: dict | None = None, add: str | None = None,
                   drop: str | None = None, **changes):
    """Build and solve a variant of the fitted model, warm-started from ``source`` or the base case (see
    :func:`_start`); returns ``(model, outcome)``, ``(model, None)`` when infeasible or ``(model, message)``
    when a limit left no portfolio."""
    model = build_model(sel.data_, sel.options.but(**changes))
    solver = {**sel.solver_settings(), **(settings or {})}
    warm = _start(sel, model, source, add=add, drop=drop)
    try:
        out = solve_model(model, warm_start=warm, explain_infeasible=False, **solver)
    except InfeasiblePortfolioError:
        return model, None
    except SolverError as exc:  # no incumbent within the time or node limit: report, do not guess
        if solver["time_limit"] is None and solver["node_limit"] is None and not solver["deterministic"]:
            raise
        return model, str(exc)
    return model, out


def variant_settings(sel: PortfolioSelector) -> dict | None:
    """Solver settings for the independent re-solves of a fitted model's variants, or None (as the selector).

    A large scheduling model in the deterministic mode (where
    :func:`~pmo_analytics.selection.solve.batch_solver` would run the
    time-window search side by side) re-solves each variant with the
    deterministic anytime solve (:func:`~pmo_analytics.selection.solve_anytime`:
    LP bound, the base portfolio repaired, a root pass of HiGHS): one core
    and a second or two each at ten times the sample, its proven gap in the
    status words, instead of a node-limited race per variant. A smaller
    model re-solves as the selector solves (proven optimal on the sample).
    """
    if batch_solver(sel.model_, **sel.solver_settings()) is None:
        return None
    return {"solver": "anytime", "node_limit": None}


def _variant_task(sel: PortfolioSelector, job: dict):
    """One re-solve of :func:`_solve_variants` (a module-level task, so a Dask worker can run it)."""
    with hold_warnings():
        return _solve_variant(sel, **job)


def _solve_variants(sel: PortfolioSelector, jobs: list[dict], client=None) -> list:
    """Independent variants of the fitted model, each ``jobs`` entry the keyword arguments of
    :func:`_solve_variant`; returns its results in job order.

    On a Dask cluster (``client``) every job is a task. Locally, a large deterministic model's jobs run side by
    side in threads with :func:`variant_settings`; a smaller model's run one after another (each is then a race
    on both cores). Each starts from the base portfolio, never from another job's answer, so where and in which
    order they run changes no number."""
    fast = variant_settings(sel)
    if fast is not None:
        jobs = [{**job, "settings": {**fast, **(job.get("settings") or {})}} for job in jobs]
    if client is None and (fast is None or len(jobs) < 2):
        return [_solve_variant(sel, **job) for job in jobs]
    with executor_for(client) as ex:
        return [(rebind(sel, model), out) for model, out in ex.map(_variant_task, jobs, shared=sel)]


def rebind(sel: PortfolioSelector, model):
    """A model (or fitted selector) solved on a copy of ``sel``'s data -- a Dask worker's -- bound to ``sel.data_``
    itself, as if solved here (the copy is equal; identity is what the analyses check)."""
    if isinstance(model, PortfolioSelector):
        model.data_ = sel.data_
        model.model_.data = sel.data_
    elif model is not None:
        model.data = sel.data_
    return model


def _scenario_task(sel: PortfolioSelector, ch: dict):
    """One scenario of :func:`compare_scenarios` (module level: a Dask task); an infeasible one returns its error."""
    try:
        with hold_warnings():
            return sel.variant(**ch)
    except InfeasiblePortfolioError as exc:
        return exc


def compare_scenarios(sel: PortfolioSelector, scenarios: dict, client=None) -> pd.DataFrame:
    """Named variations of the base case, solved and compared side by side.

    Parameters
    ----------
    sel : PortfolioSelector
        The fitted base case.
    scenarios : dict of str to dict or PortfolioSelector
        Scenario name -> option changes, e.g.
        ``{"budget -10%": {"budget_scale": 0.9}, "+2 DEV": {"capacity_delta": {"DEV": 2}},
        "P-007 in": {"force_in": ("P-007",)}}``. ``force_in`` / ``force_out``
        are added to the base case's. A fitted selector of the same data
        (e.g. a variant solved earlier) is used as it stands, not solved
        again, so a scenario quoted elsewhere shows the same numbers here.
        Scenarios that set no solver option are solved side by side, with
        :func:`variant_settings`, on a large deterministic model (local
        threads), each from the base portfolio.
    client : distributed.Client, str or Executor, optional
        A Dask cluster on which every scenario is a task (default: local).

    Returns
    -------
    DataFrame
        Indexed by scenario (``base`` first): ``value``, ``value_change``
        [currency or points], ``spend``, ``hire_spend`` [currency],
        ``funded`` [projects], ``gained``, ``lost`` (vs base), ``status``
        (status words, or "infeasible: ..." naming the conflicts when no
        portfolio fits), ``gap`` [fraction], ``solver``.
    """
    sel._check()
    base = set(sel.selected_)

    def row(name: str, v: PortfolioSelector) -> dict:
        chosen = set(v.selected_)
        return dict(scenario=name, value=v.objective_, value_change=v.objective_ - sel.objective_,
                    spend=float(v.spend_["project_spend"].sum()), hire_spend=float(v.spend_["hire_spend"].sum()),
                    funded=len(chosen), gained="; ".join(sorted(chosen - base)),
                    lost="; ".join(sorted(base - chosen)), status=v.status_, gap=v.gap_, solver=v.solver_)

    todo = {}
    for name, changes in scenarios.items():
        if isinstance(changes, PortfolioSelector):
            changes._check()
            if changes.data_ is not sel.data_:
                raise ValueError(f"scenario {name!r}: a solved scenario must be fitted on the base case's data")
            continue
        ch = dict(changes)
        for key in ("force_in", "force_out"):
            if key in ch:
                extra = (ch[key],) if isinstance(ch[key], str) else tuple(ch[key])
                ch[key] = tuple(getattr(sel.options, key)) + extra
        todo[name] = ch
    fast = variant_settings(sel)
    side_by_side = fast is not None and not any(k in ch for ch in todo.values() for k in sel.solver_settings())
    jobs = [{**ch, **fast} if side_by_side else ch for ch in todo.values()]
    local = None if side_by_side else 1  # a small model's scenarios are races on both cores: one at a time
    with executor_for(client, threads=local if client is None else None) as ex:
        solved = {name: v if isinstance(v, InfeasiblePortfolioError) else rebind(sel, v)
                  for name, v in zip(todo, ex.map(_scenario_task, jobs, shared=sel))}
    rows = [row("base", sel)]
    for name, changes in scenarios.items():
        v = solved.get(name, changes)
        if isinstance(v, InfeasiblePortfolioError):
            rows.append(dict(scenario=name, value=np.nan, value_change=np.nan, spend=np.nan, hire_spend=np.nan,
                             funded=0, gained="", lost="",
                             status="infeasible: " + "; ".join(v.conflicts), gap=np.nan, solver=""))
            continue
        rows.append(row(name, v))
    return pd.DataFrame(rows).set_index("scenario")


def lp_duals(sel: PortfolioSelector) -> pd.DataFrame:
    """Shadow prices of budget, capacity and limits from the LP relaxation -- indicative only.

    The MILP has no duals; the LP relaxation (x in [0, 1]) of the same model
    gives, for each budget, capacity and limit row, the objective gained per
    extra unit of right-hand side *in the relaxation*. They indicate where
    money, people or other limits are scarce; they are not exact prices for
    the integer portfolio.

    Returns
    -------
    DataFrame
        ``constraint``, ``family`` (budget / capacity / total_budget /
        limit), ``period`` (NA for horizon-wide rows), ``skill`` (capacity
        rows), ``dual`` [objective units per currency, per FTE or per unit
        of the limit], ``slack`` (in the relaxation) [currency, FTE or unit of
        the limit], ``note`` = "indicative (LP relaxation)".
    """
    sel._check()
    m = sel.model_
    arrays, sc = m.to_arrays(relax=True)
    run = solve_highs(arrays, SolverSettings())
    if run.status != "optimal" or run.row_dual is None:
        raise SolverError(f"the LP relaxation did not solve to optimality ({run.message}); no duals")
    keep = np.isin(m.family, ["budget", "capacity", "total_budget", "limit"])
    rows = []
    for r in np.nonzero(keep)[0]:
        if m.A.indptr[r] == m.A.indptr[r + 1]:
            continue
        # the arrays are a minimisation of -objective / scale: flip to a max-problem price in model units
        dual = -float(run.row_dual[r]) * sc.objective / sc.row[r]
        slack = (m.hi[r] - float(run.row_value[r]) * sc.row[r]) if np.isfinite(m.hi[r]) else np.inf
        lab = str(m.label[r])
        fam = m.family[r]
        period = pd.NA
        if " in period " in lab:
            period = int(lab.split(" in period ", 1)[1].split(" ", 1)[0])
        skill = lab.split(" of ", 1)[1].split(" in period")[0] if fam == "capacity" else None
        rows.append(dict(constraint=lab, family=fam, period=period, skill=skill, dual=dual + 0.0,
                         slack=float(slack), note="indicative (LP relaxation)"))
    return pd.DataFrame(rows)
