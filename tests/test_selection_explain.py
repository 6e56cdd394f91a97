"""Why each project is in or out (selection.explain) and the frontier's LP bound (selection.frontier),
against brute force on tiny random portfolios (the oracle of test_selection_heuristics)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import linprog

from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.selection import PortfolioSelector, build_model, explain_portfolio, flip_bounds, lp_frontier

from .test_selection_heuristics import brute_force, random_instance


def flipped_optimum(model, project: int, funded: bool):
    """Brute-force optimum of ``model`` with ``project`` forced out (``funded``) or in (None: infeasible)."""
    _, feasible = brute_force(model)
    on = [z for z in feasible if (z[: model.nx][model.vp == project] > 0.5).any() != funded]
    return max((float(model.obj @ z) for z in on), default=None)


@pytest.mark.parametrize("seed", range(30))
def test_every_project_gets_a_valid_interval_and_exact_answers_are_exact(seed):
    d, opts = random_instance(seed, n=5)
    model = build_model(d, opts)
    best, _ = brute_force(model)
    if best is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        sel = PortfolioSelector(solver="highs", options=opts).fit(d)
        ex = explain_portfolio(sel, max_resolves=2)
    assert sel.objective_ == pytest.approx(best)
    fb = flip_bounds(sel)
    for pid, r in ex.iterrows():
        i = int(d.index_of([pid])[0])
        if r["method"] in ("forced", ""):
            continue
        opt = flipped_optimum(sel.model_, i, bool(r["selected"]))
        tol = 1e-6 * max(1.0, abs(best))
        if opt is None:  # no portfolio answers the question: nothing may claim one
            assert np.isnan(r["value_if_flipped"]) and not r["exact"]
            continue
        assert fb.at[pid, "bound_if_flipped"] >= opt - tol  # the LP bound holds
        assert r["value_change_bound"] >= opt - best - tol
        if np.isfinite(r["value_if_flipped"]):  # a portfolio that exists
            assert r["value_if_flipped"] <= opt + tol
        if r["exact"]:
            assert r["value_if_flipped"] == pytest.approx(opt, abs=tol)
    assert (ex["method"] == "re-solved").sum() >= min(2, (ex["method"] != "forced").sum())


@pytest.mark.parametrize("seed", range(10))
def test_the_frontier_bound_is_the_lp_optimum_and_bounds_every_portfolio(seed):
    d, opts = random_instance(seed, n=5)
    model = build_model(d, opts)
    factors = [0.6, 1.0, 1.4]
    fr = lp_frontier(model, factors)
    for f, bound in zip(factors, fr["bound"]):
        m = build_model(d, opts.but(budget_scale=opts.budget_scale * f))
        # the LP relaxation by another route: scipy's linprog on the model's rows, no scaling
        A = m.A.toarray()
        ub_rows, lb_rows = np.isfinite(m.hi), np.isfinite(m.lo)
        res = linprog(-m.obj, A_ub=np.vstack([A[ub_rows], -A[lb_rows]]),
                      b_ub=np.concatenate([m.hi[ub_rows], -m.lo[lb_rows]]),
                      bounds=[(0, 1)] * m.nx + [(0, m.hire_ub)] * len(m.hs), method="highs")
        if res.status == 2:  # infeasible relaxation
            assert np.isnan(bound)
            continue
        assert bound == pytest.approx(-res.fun, rel=1e-7, abs=1e-7)
        best, _ = brute_force(m)
        if best is not None:
            assert bound >= best - 1e-7 * max(1, abs(best))


def test_explanations_write_amounts_for_people():
    """Money in the currency pages are written in, never '[currency]' or '926,059 currency' (issue 31)."""
    from pmo_analytics.selection.explain import _amount_of, _measure
    from pmo_analytics.tables.formats import using_currency

    assert _measure("risk-adjusted value [currency]") == ("risk-adjusted value", True)
    assert _measure("weighted score [points]") == ("weighted score, points", False)
    with using_currency("EUR"):
        assert _measure("value [M currency]") == ("value, M EUR", False)
        assert _amount_of(1_340_000, money=True) == "€1.3 M"
        assert _amount_of(-0.0, money=True) in ("€0", "€0.0")
    assert _amount_of(512_000) == "512 k" and _amount_of(3.25) == "3.25"
