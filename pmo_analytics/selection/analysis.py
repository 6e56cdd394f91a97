"""What the board uses: scenarios, explanations, indicative duals (the frontier: :mod:`.frontier`).

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
from ..parallel import LocalExecutor
from .solve import batch_solver, solve_model
from .solvers import SolverSettings, solve_highs

__all__ = ["compare_scenarios", "explain_portfolio", "lp_duals", "binding_constraints"]


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


def _solve_variants(sel: PortfolioSelector, jobs: list[dict]) -> list:
    """Independent variants of the fitted model, each ``jobs`` entry the keyword arguments of
    :func:`_solve_variant`; returns its results in job order. Side by side, one per core, with the solver of
    :func:`~pmo_analytics.selection.solve.batch_solver` when it names one; otherwise one after another."""
    fast = batch_solver(sel.model_, **sel.solver_settings())
    if fast is None or len(jobs) < 2:
        return [_solve_variant(sel, **job) for job in jobs]
    with LocalExecutor() as ex:
        return ex.map(lambda job: _solve_variant(sel, settings={"solver": fast}, **job), jobs)


def compare_scenarios(sel: PortfolioSelector, scenarios: dict) -> pd.DataFrame:
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
        Scenarios that set no solver option are solved side by side when
        :func:`~pmo_analytics.selection.solve.batch_solver` allows it.

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
    fast = batch_solver(sel.model_, **sel.solver_settings())
    side_by_side = fast is not None and len(todo) > 1 and not any(
        k in ch for ch in todo.values() for k in sel.solver_settings())

    def solve(ch: dict):
        try:
            return sel.variant(**ch, **({"solver": fast} if side_by_side else {}))
        except InfeasiblePortfolioError as exc:
            return exc

    with LocalExecutor(None if side_by_side else 1) as ex:
        solved = dict(zip(todo, ex.map(solve, list(todo.values()))))
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


def binding_constraints(sel: PortfolioSelector, project_id: str) -> list[str]:
    """Constraints that stop an excluded project from joining the chosen portfolio as it stands.

    For each allowed start of the project, the rows that adding it to the
    solution would violate are collected (with the shortfall for budget and
    capacity); the start with the fewest violated constraints is reported.
    An empty list means it would fit as is but is not worth its slot (or is
    blocked only jointly). Checks the solution's own rows, so it is exact
    for that solution.

    Returns
    -------
    list of str
        First item ``"if started in period t: ..."`` (the whole sentence),
        then one item per violated constraint; empty when nothing blocks it.
    """
    m = sel.model_
    i = int(sel.data_.index_of([project_id])[0])
    cols = np.nonzero(m.vp == i)[0]
    if len(cols) == 0:
        return ["no start period within its window and the horizon"]
    z = np.concatenate([sel.x_, sel.hire_])
    act = m.A @ z
    A = m.A.tocsc()
    best = None
    for k in cols:
        a, b = A.indptr[k], A.indptr[k + 1]
        r, v = A.indices[a:b], A.data[a:b]
        over = act[r] + v - m.hi[r]
        bad = over > 1e-9 * np.maximum(1, np.abs(np.where(np.isfinite(m.hi[r]), m.hi[r], 0)))
        fam = m.family[r[bad]]
        msgs = []
        for rr, ov, f in zip(r[bad], over[bad], fam):
            if f == "one_start":
                continue
            if f in ("budget", "total_budget"):
                msgs.append(f"{m.label[rr]} (short by {ov:,.0f} currency)")
            elif f == "capacity":
                msgs.append(f"{m.label[rr]} (short by {ov:.1f} FTE)")
            elif f == "limit":
                text, unit = str(m.label[rr]).rsplit(" [", 1)
                msgs.append(f"{text} (short by {ov:,.4g} {unit.rstrip(']')})")
            else:
                msgs.append(str(m.label[rr]))
        msgs = list(dict.fromkeys(msgs))
        if best is None or len(msgs) < len(best[1]):
            best = (int(m.vt[k]), msgs)
    return [f"if started in period {best[0]}: " + "; ".join(best[1])] + best[1] if best[1] else []


def explain_portfolio(sel: PortfolioSelector, resolve: bool = True, projects=None,
                      max_resolves: int | None = None, solved: dict | None = None) -> pd.DataFrame:
    """Why each project is in or out, in words a portfolio board reads.

    For every project left out: the constraints that bind it
    (:func:`binding_constraints`) and, by re-solving with the project forced
    in, the value the portfolio would lose and the projects it would
    displace. For every project chosen (and not mandatory): re-solving with
    it forced out gives the value it adds and the projects it keeps out
    ("displaces").

    Parameters
    ----------
    sel : PortfolioSelector
        Fitted.
    resolve : bool, default True
        Run the re-solves (one MILP per project explained).
    projects : list of str, optional
        Explain only these (default: every candidate).
    max_resolves : int, optional
        Re-solve at most this many projects (highest base value first);
        the others get the binding-constraint analysis only.
    solved : dict, optional
        Filled with project id -> the fitted :class:`PortfolioSelector` of
        each re-solve that found a portfolio (the project forced in or out),
        so a scenario that asks the same question quotes the same answer
        without solving again.

    Returns
    -------
    DataFrame
        Indexed by project_id: ``selected``, ``start_period`` [period],
        ``value`` (the project's own objective value) [currency or points],
        ``binding`` (``;``-separated), ``value_if_flipped`` (portfolio
        objective with the project forced in / out) [currency or points],
        ``value_change`` (that minus the optimum, <= 0 when the optimum is
        proven) [currency or points], ``displaces`` (chosen: projects that would enter
        without it; excluded: projects that would leave to make room),
        ``explanation`` (one sentence).
    """
    sel._check()
    pf = sel.portfolio_
    ids = list(pf.index) if projects is None else [str(p) for p in projects]
    order = pf.loc[ids, "base_value"].sort_values(ascending=False).index.tolist()
    budget = len(order) if max_resolves is None else int(max_resolves)
    to_resolve = set(order[:budget]) if resolve else set()
    base = set(sel.selected_)
    label = sel.data_.value_label
    forced_ids = set(sel.options.force_in)
    if sel.options.mandatory:
        forced_ids |= set(pf.index[pf["mandatory"].astype(bool)])
    jobs = {}
    for pid in ids:
        chosen = bool(pf.at[pid, "selected"])
        if pid in to_resolve and not (chosen and pid in forced_ids):
            key = "force_out" if chosen else "force_in"
            jobs[pid] = {"drop": pid if chosen else None, "add": None if chosen else pid,
                         key: tuple(getattr(sel.options, key)) + (pid,)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        results = dict(zip(jobs, _solve_variants(sel, list(jobs.values()))))
    rows = []
    for pid in ids:
        r = pf.loc[pid]
        chosen = bool(r["selected"])
        binding = [] if chosen else binding_constraints(sel, pid)
        head, binding = (binding[0], binding[1:]) if len(binding) > 1 else ("", binding)
        flipped, change, displaced = np.nan, np.nan, []
        note = ""
        forced = pid in forced_ids
        if pid in results:
            model, out = results[pid]
            if isinstance(out, str):
                note = "re-solve found no portfolio within the time limit"
            elif out is None:
                note = "cannot be funded together with the mandatory and forced commitments"
            else:
                if solved is not None:
                    solved[pid] = PortfolioSelector.from_solution(sel, model, out)
                flipped = out.objective
                change = out.objective - sel.objective_
                other = set(portfolio_frame(model, out.x).query("selected").index)
                displaced = sorted((other - base) if chosen else (base - other))
        if chosen:
            if forced:
                text = "mandatory or forced in"
            elif note:
                text = f"funded from period {r['start_period']}; without it no portfolio is feasible ({note})"
            elif np.isfinite(change):
                text = (f"funded from period {r['start_period']}; dropping it would lose {-change:,.4g} "
                        f"({label})" + (f" and let in {', '.join(displaced)}" if displaced else ""))
            else:
                text = f"funded from period {r['start_period']}"
        else:
            if note:
                text = note
            elif np.isfinite(change):
                text = (f"left out; forcing it in would cost the portfolio {-change:,.4g} ({label})"
                        + (f" by displacing {', '.join(displaced)}" if displaced else ""))
            else:
                text = "left out"
            if head:
                more = f" and {len(binding) - 3} more" if len(binding) > 3 else ""
                text += "; " + head.split(": ", 1)[0] + " it would break " + "; ".join(binding[:3]) + more
            elif binding:
                text += "; " + binding[0]
        rows.append(dict(project_id=pid, selected=chosen, start_period=r["start_period"], value=r["base_value"],
                         binding="; ".join(binding), value_if_flipped=flipped, value_change=change,
                         displaces="; ".join(displaced), explanation=text))
    return pd.DataFrame(rows).set_index("project_id")


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
