"""Why each project is in or out, for every candidate, from one LP and a few re-solves.

A board asks of every project "what would it cost to drop it?" or "to force
it in?". Re-solving the MILP once per project does not scale (hundreds of
candidates), so :func:`explain_portfolio` answers every project from the
LP relaxation and the chosen portfolio, and re-solves only the projects
nearest the cut:

* **Bounds for every project** (exact arithmetic, no solve). With the
  relaxation's row prices ``pi`` and reduced costs ``d = c - A'pi`` (max
  form), every portfolio ``z`` satisfies ``value(z) <= LP* + sum_j
  d_j z_j - sum_j max(d_j, 0)`` (Lagrangian bound; e.g. Wolsey, *Integer
  Programming*, Wiley 1998, sec. 10.2; reduced-cost arguments as in Nemhauser
  & Wolsey 1988, II.4). Hence, for project ``p`` with start columns ``t``:
  forced out, ``OPT <= LP* - sum_t max(d_pt, 0)``; forced in,
  ``OPT <= LP* + min(0, max_t d_pt)``. A portfolio that answers the question
  is built from the chosen one (dropped with what requires it, or, for the
  projects left out that are next nearest the cut, funded by the repair and
  topped up: :mod:`~pmo_analytics.selection.heuristics`); its value bounds
  the optimum from below. The value change therefore lies in a stated
  interval (or, beyond those, above the LP bound alone).
* **Re-solves near the cut.** The ``max_resolves`` projects whose bound says
  the flip costs least (the closest calls), and the most valuable project
  left out (the question a board asks first), are re-solved as MILPs,
  warm-started from that repaired portfolio, side by side (local threads,
  or Dask tasks with ``client``).

Each row says how it was answered (``method``: ``"re-solved"`` or
``"estimated"``) and whether the answer is exact (both the chosen portfolio
and the re-solve proven optimal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..tables.columns import column
from ..tables.formats import currency, format_money
from .analysis import _solve_variants
from .anytime import lp_relaxation
from .heuristics import PortfolioState, fill_portfolio, repair_portfolio
from .selector import PortfolioSelector, portfolio_frame

__all__ = ["explain_portfolio", "binding_constraints", "flip_bounds"]


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
                msgs.append(f"{m.label[rr]} (short by {format_money(ov)})")
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


def flip_bounds(sel: PortfolioSelector) -> pd.DataFrame:
    """Upper bounds on the portfolio's value with each project flipped, from one LP relaxation (module docstring).

    Returns
    -------
    DataFrame
        Indexed by project_id: ``selected``, ``bound_if_flipped`` (no
        portfolio with the project dropped, if funded, or forced in, if
        not, is worth more) [objective units; NaN when the relaxation did not
        solve], ``distance`` (the relaxation's value lost by the flip: how
        far the project is from the cut) [objective units].
    """
    m = sel.model_
    arrays, sc = m.to_arrays()
    lp = lp_relaxation(arrays)
    n = sel.data_.n
    chosen = sel.portfolio_["selected"].to_numpy(dtype=bool)
    out = pd.DataFrame({"selected": chosen, "bound_if_flipped": np.nan, "distance": np.nan},
                       index=pd.Index(sel.data_.ids, name="project_id"))
    if lp.status != "optimal" or lp.col_dual is None:
        return out
    lp_value = -lp.objective * sc.objective
    d = -lp.col_dual[: m.nx] * sc.objective  # reduced costs, max form, objective units
    pos = np.zeros(n)
    np.add.at(pos, m.vp, np.maximum(d, 0.0))
    best = np.full(n, -np.inf)
    np.maximum.at(best, m.vp, d)
    has = np.bincount(m.vp, minlength=n) > 0
    drop = pos  # value the relaxation loses at least when the project is forced out
    add = np.where(has, -np.minimum(best, 0.0), np.inf)  # ... when it is forced in (inf: it has no start)
    dist = np.where(chosen, drop, add)
    slack = 1e-9 * max(1.0, abs(lp_value))  # the duals are exact to the LP's tolerances: keep the bound safe
    bound = np.minimum(lp_value - dist + slack, max(sel.bound_, sel.objective_))
    out["bound_if_flipped"] = np.where(np.isfinite(dist), bound, -np.inf)
    out["distance"] = dist
    return out


def _flip_portfolios(sel: PortfolioSelector, ids, state: PortfolioState, repair=()) -> dict:
    """A portfolio answering each project's question, built from the chosen one: ``{id: (value, z or None)}``.

    A funded project is dropped with the funded projects that require it
    (hires re-set; all at once: one vectorised evaluation); the result is
    kept when it still meets every row (a mandatory dependant or a minimum
    share can forbid it). A project left out is funded by the repair
    (others dropped to make room) and topped up, for the ids in ``repair``
    only (a few dozen, nearest the cut: each costs a repair); the others get
    no portfolio (their answer is the LP bound alone).
    """
    m = sel.model_
    base = np.concatenate([sel.x_, sel.hire_])
    chosen = set(sel.selected_)
    out = {}
    drops = [p for p in ids if p in chosen]
    if drops:
        act, h, act_x = state.activity(base[: m.nx])
        funded = np.zeros(sel.data_.n, dtype=bool)
        funded[m.vp[base[: m.nx] > 0.5]] = True
        col_of = np.full(sel.data_.n, -1)
        col_of[m.vp[base[: m.nx] > 0.5]] = np.nonzero(base[: m.nx] > 0.5)[0]
        gone = state.dependants[sel.data_.index_of(drops)].tocoo()
        keep = funded[gone.col]
        M = sp.csc_matrix((-np.ones(int(keep.sum())), (col_of[gone.col[keep]], gone.row[keep])),
                          shape=(m.nx, len(drops)))
        _, d_obj, breaks = state.move_effects(act, h, act_x, M)
        for k, pid in enumerate(drops):
            if breaks[k]:
                out[pid] = (np.nan, None)
                continue
            x = base[: m.nx].copy()
            col = M[:, k]
            x[col.indices] += col.data
            out[pid] = (float(sel.objective_ + d_obj[k]), np.concatenate([x, state.hires(state.Ax @ x)]))
    for pid in ids:
        if pid in chosen:
            continue
        z = None
        if pid in repair:
            i = int(sel.data_.index_of([pid])[0])
            z = repair_portfolio(m, base, keep=(pid,), state=state)
            if z is not None:
                z = fill_portfolio(m, z, state=state)
                if not (z[: m.nx][m.vp == i] > 0.5).any() or m.violated(z).any():
                    z = None
        out[pid] = (float(m.obj @ z), z) if z is not None else (np.nan, None)
    return out


def explain_portfolio(sel: PortfolioSelector, resolve: bool = True, projects=None,
                      max_resolves: int | None = None, solved: dict | None = None, client=None) -> pd.DataFrame:
    """Why each project is in or out, in words a portfolio board reads (see the module docstring).

    Parameters
    ----------
    sel : PortfolioSelector
        Fitted.
    resolve : bool, default True
        Re-solve the projects nearest the cut (False: every answer estimated).
    projects : list of str, optional
        Explain only these (default: every candidate).
    max_resolves : int, optional
        Re-solve at most this many projects nearest the cut, besides the most
        valuable project left out (default: every project explained).
    solved : dict, optional
        Filled with project id -> the fitted :class:`PortfolioSelector` of
        each re-solve that found a portfolio (the project forced in or out),
        so a scenario that asks the same question quotes the same answer
        without solving again.
    client : distributed.Client, str or Executor, optional
        Where the re-solves of a large model run side by side.

    Returns
    -------
    DataFrame
        Indexed by project_id: ``selected``, ``start_period`` [period],
        ``value`` (the project's own objective value) [currency or points],
        ``binding`` (``;``-separated), ``value_if_flipped`` (value of the
        portfolio found with the project forced in / out: re-solved, or the
        repaired portfolio) [currency or points], ``value_change`` (that
        minus the chosen portfolio's value) [currency or points],
        ``value_change_bound`` (no portfolio with the flip changes the value
        by more than this: the flip's proven bound minus the chosen value)
        [currency or points], ``method`` (``"re-solved"``, ``"estimated"``,
        ``"forced"`` for mandatory and forced-in projects, or ``""``),
        ``exact`` (re-solved and both solves proven optimal), ``status``
        (status words of the re-solve), ``displaces`` (chosen: projects that
        would enter without it; excluded: projects that would leave to make
        room), ``explanation`` (one sentence).
    """
    sel._check()
    pf = sel.portfolio_
    ids = list(pf.index) if projects is None else [str(p) for p in projects]
    base = set(sel.selected_)
    label = sel.data_.value_label
    forced_ids = set(sel.options.force_in)
    if sel.options.mandatory:
        forced_ids |= set(pf.index[pf["mandatory"].astype(bool)])
    askable = [p for p in ids if not (p in base and p in forced_ids)]
    fb = flip_bounds(sel)
    state = PortfolioState(sel.model_)
    # which projects to re-solve: the nearest the cut, and the most valuable one left out
    near = fb.loc[askable, "distance"].sort_values(kind="stable")
    ranked = list(near.index[np.isfinite(near.to_numpy())])
    budget = len(askable) if max_resolves is None else int(max_resolves)
    pick = ranked[:budget] if resolve else []
    left = pf.loc[[p for p in askable if p not in base]].sort_values("base_value", ascending=False, kind="stable")
    if resolve and len(left) and left.index[0] not in pick:
        pick.append(left.index[0])
    # a repaired portfolio for the projects left out that are next nearest the cut (the rest: the LP bound)
    repair = set(ranked[: 2 * budget + 10]) - set(pick)
    flips = _flip_portfolios(sel, [p for p in askable if p not in pick], state, repair=repair)
    jobs = {}
    for pid in pick:
        chosen = pid in base
        key = "force_out" if chosen else "force_in"
        jobs[pid] = {"drop": pid if chosen else None, "add": None if chosen else pid,
                     key: tuple(getattr(sel.options, key)) + (pid,)}
    results = dict(zip(jobs, _solve_variants(sel, list(jobs.values()), client=client)))
    base_bound = max(sel.bound_, sel.objective_)
    rows = []
    for pid in ids:
        r = pf.loc[pid]
        chosen = bool(r["selected"])
        binding = [] if chosen else binding_constraints(sel, pid)
        head, binding = (binding[0], binding[1:]) if len(binding) > 1 else ("", binding)
        flipped, bound_f, displaced, method, exact, status, note = np.nan, np.nan, [], "", False, "", ""
        forced = chosen and pid in forced_ids
        if forced:
            method = "forced"
        elif pid in results:
            model, out = results[pid]
            method = "re-solved"
            if isinstance(out, str):
                note = "re-solve found no portfolio within its limits"
            elif out is None:
                note = "cannot be funded together with the mandatory and forced commitments"
            else:
                if solved is not None:
                    solved[pid] = PortfolioSelector.from_solution(sel, model, out)
                flipped, bound_f, status = out.objective, min(out.bound, base_bound), out.status
                exact = bool(out.proven_optimal and sel.proven_optimal_)
                other = set(portfolio_frame(model, out.x).query("selected").index)
                displaced = sorted((other - base) if chosen else (base - other))
        elif pid in flips:
            method = "estimated"
            value_f, z = flips[pid]
            bound_f = float(fb.at[pid, "bound_if_flipped"])
            if z is not None:
                flipped = value_f
                other = set(portfolio_frame(sel.model_, z[: sel.model_.nx]).query("selected").index)
                displaced = sorted((other - base) if chosen else (base - other))
            elif not np.isfinite(bound_f):
                note = "no start period within its window and the horizon"
        change = flipped - sel.objective_ if np.isfinite(flipped) else np.nan
        change_bound = bound_f - sel.objective_ if np.isfinite(bound_f) else np.nan
        rows.append(dict(project_id=pid, selected=chosen, start_period=r["start_period"], value=r["base_value"],
                         binding="; ".join(binding), value_if_flipped=flipped, value_change=change,
                         value_change_bound=change_bound, method=method, exact=exact, status=status,
                         displaces="; ".join(displaced),
                         explanation=_sentence(chosen, r, forced, method, exact, change, change_bound, displaced,
                                               note, head, binding, label)))
    return pd.DataFrame(rows).set_index("project_id")


def _amount_of(x: float, money: bool = False) -> str:
    """An amount of objective value in words: ``£1.34 M`` for money (in the currency pages are written in,
    :func:`pmo_analytics.tables.formats.format_money`), else 1.34 M, 512 k, 3.25 (no scientific notation, no
    "-0")."""
    x = float(x) + 0.0
    if money:
        return format_money(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:,.0f} k"
    return f"{x:,.3f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _measure(label: str) -> tuple[str, bool]:
    """The objective's label as words and whether it is money, read by the glossary's ``name [unit]`` rule
    (:func:`pmo_analytics.tables.columns.column`): ``"risk-adjusted value [currency]"`` ->
    ``("risk-adjusted value", True)``; ``"weighted score [points]"`` -> ``("weighted score, points", False)``."""
    c = column(label)
    if c.kind == "money":
        return c.label, True
    unit = c.unit_
    if unit and unit.endswith(" currency"):  # "M currency": amounts already scaled; say the scale, not the word
        unit = f"{unit.split()[0]} {currency()}"
    return (f"{c.label}, {unit}" if unit else c.label), False


def _sentence(chosen, r, forced, method, exact, change, change_bound, displaced, note, head, binding, label) -> str:
    """The explanation of one project in words (see :func:`explain_portfolio`)."""
    est = method == "estimated"
    label, money = _measure(label)

    def _amount(x):
        return _amount_of(x, money)

    if chosen:
        if forced:
            return "mandatory or forced in"
        text = f"funded from period {r['start_period']}"
        if note:
            return f"{text}; without it no portfolio is feasible ({note})"
        if np.isfinite(change):
            lost = -change
            if est and np.isfinite(change_bound):
                text += (f"; dropping it would lose between {_amount(max(-change_bound, 0.0))} and "
                         f"{_amount(lost)} ({label}; estimated from the LP relaxation and a repaired portfolio)")
            else:
                text += (f"; dropping it would lose {'' if exact else 'about '}{_amount(lost)} ({label})"
                         + (f" and let in {', '.join(displaced)}" if displaced else ""))
        return text
    if note:
        text = note
    elif np.isfinite(change):
        cost = -change
        if est and np.isfinite(change_bound):
            text = (f"left out; forcing it in would cost the portfolio between {_amount(max(-change_bound, 0.0))} "
                    f"and {_amount(cost)} ({label}; estimated from the LP relaxation and a repaired portfolio)")
        else:
            text = (f"left out; forcing it in would cost the portfolio {'' if exact else 'about '}{_amount(cost)} "
                    f"({label})" + (f" by displacing {', '.join(displaced)}" if displaced else ""))
    elif est and np.isfinite(change_bound):
        text = f"left out; forcing it in would cost the portfolio at least {_amount(max(-change_bound, 0.0))} ({label})"
    else:
        text = "left out"
    if head:
        more = f" and {len(binding) - 3} more" if len(binding) > 3 else ""
        text += "; " + head.split(": ", 1)[0] + " it would break " + "; ".join(binding[:3]) + more
    elif binding:
        text += "; " + binding[0]
    return text
