"""Warm-start heuristics and the anytime solve, against brute force on tiny random portfolios.

The oracle enumerates every portfolio (at most one start per project) of a
tiny model, gives each the least hiring it needs (hiring only costs value and
budget, so more is never better), and keeps the feasible ones: the optimum it
finds is computed without any solver or heuristic of the package.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from pmo_analytics.exceptions import SolverError, SolverWarning
from pmo_analytics.selection import SelectionData, SelectionOptions, build_model, solve_model
from pmo_analytics.selection.heuristics import (PortfolioState, carry_solution, fill_portfolio, lp_rounding,
                                                repair_portfolio, variant_start)
from pmo_analytics.selection.solve import status_words


def random_instance(seed: int, n: int = 5, H: int = 3, S: int = 1) -> tuple[SelectionData, SelectionOptions]:
    """A tiny instance with windows, two-period profiles, a skill with hiring and random dependencies."""
    rng = np.random.default_rng(seed)
    L = 2
    cost = rng.integers(1, 6, size=(n, L)).astype(float)
    demand = rng.integers(0, 3, size=(n, S, L)).astype(float)
    earliest = rng.integers(1, H + 1, size=n)
    latest = np.minimum(earliest + rng.integers(0, 2, size=n), H)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    rng.shuffle(pairs)
    requires = [pairs[0]] if rng.random() < 0.5 else []
    excludes = [pairs[1]] if rng.random() < 0.4 else []
    precedes = [pairs[2]] if rng.random() < 0.4 else []
    mandatory = np.zeros(n, dtype=bool)
    if rng.random() < 0.5:
        mandatory[rng.integers(n)] = True
    d = SelectionData(
        ids=np.array([f"P{k}" for k in range(n)]), value=rng.integers(1, 20, size=n).astype(float), cost=cost,
        demand=demand, earliest=earliest, latest=latest, duration=np.full(n, L),
        budget=rng.integers(4, 12, size=H).astype(float), capacity=rng.integers(1, 4, size=(S, H)).astype(float),
        hire_cost=np.full((S, H), float(rng.integers(1, 4))), skills=tuple(f"S{k}" for k in range(S)),
        mandatory=mandatory, bucket=np.array(["B"] * n), business_unit=np.array(["U"] * n),
        requires=np.array(requires, dtype=int).reshape(-1, 2), precedes=np.array(precedes, dtype=int).reshape(-1, 2),
        excludes=np.array(excludes, dtype=int).reshape(-1, 2), value_label="value [currency]")
    opts = SelectionOptions(hiring=bool(rng.random() < 0.6), budget_scale=float(rng.choice([0.8, 1.0, 1.3])))
    return d, opts


def least_hires(model, x):
    """Hires the starts need, from the rows directly: capacity row activity above capacity, capped."""
    nx = model.nx
    z = np.concatenate([x, np.zeros(len(model.hs))])
    act = model.A @ z
    h = np.zeros(len(model.hs))
    A = model.A.tocsc()
    for j in range(len(model.hs)):
        col = A[:, nx + j]
        r = col.indices[col.data < 0][0]
        h[j] = max(0.0, act[r] - model.hi[r])
        if model.hire_ub is not None:
            h[j] = min(h[j], model.hire_ub)
    return np.concatenate([x, h])


def brute_force(model):
    """Every portfolio with its least hiring: (best value or None, list of feasible z)."""
    cols = [np.nonzero(model.vp == i)[0] for i in range(model.data.n)]
    feasible = []
    for choice in itertools.product(*[[-1] + c.tolist() for c in cols]):
        x = np.zeros(model.nx)
        x[[c for c in choice if c >= 0]] = 1.0
        z = least_hires(model, x)
        if not model.violated(z).any():
            feasible.append(z)
    if not feasible:
        return None, []
    return max(float(model.obj @ z) for z in feasible), feasible


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_repair_and_fill_give_feasible_maximal_portfolios(seed):
    d, opts = random_instance(seed)
    model = build_model(d, opts)
    best, feasible = brute_force(model)
    rng = np.random.default_rng(1000 + seed)
    x = np.zeros(model.nx)
    for i in range(d.n):  # a random portfolio, feasible or not: one random start for some projects
        cols = np.nonzero(model.vp == i)[0]
        if len(cols) and rng.random() < 0.7:
            x[rng.choice(cols)] = 1.0
    z = repair_portfolio(model, np.concatenate([x, np.zeros(len(model.hs))]))
    if z is None:
        return  # a heuristic may fail; it must never return an infeasible portfolio
    assert not model.violated(z).any()
    assert np.all(z[: model.nx] <= x + 1e-12) or model.options.mandatory  # only drops, or places protected ones
    assert np.allclose(z, least_hires(model, z[: model.nx]))
    f = fill_portfolio(model, z)
    assert not model.violated(f).any() and model.obj @ f >= model.obj @ z - 1e-9
    assert best is not None and model.obj @ f <= best + 1e-9
    # maximal: no start of an unfunded project can be added with a gain and stay feasible
    funded = np.bincount(model.vp, weights=f[: model.nx], minlength=d.n) > 0.5
    for k in np.nonzero(~funded[model.vp])[0]:
        x2 = f[: model.nx].copy()
        x2[k] = 1.0
        z2 = least_hires(model, x2)
        assert model.violated(z2).any() or model.obj @ z2 <= model.obj @ f + 1e-9


@pytest.mark.parametrize("seed", SEEDS)
def test_a_feasible_portfolio_survives_the_repair(seed):
    d, opts = random_instance(seed)
    model = build_model(d, opts)
    _, feasible = brute_force(model)
    for z in feasible[:: max(1, len(feasible) // 5)]:
        out = repair_portfolio(model, z)
        assert out is not None and np.array_equal(out[: model.nx], z[: model.nx])


def test_a_drop_takes_the_projects_that_require_it():
    # P1 and P2 require P0 (cheap); budget 10 holds P0 + P1 only. The carried portfolio (all three) is 2 over:
    # dropping P0 would remove 5 of violation for value 1, but it takes P1 and P2 with it (value 21); P2 alone
    # (value 3) is the cheapest way back
    d = SelectionData(
        ids=np.array(["P0", "P1", "P2"]), value=np.array([1.0, 18.0, 3.0]), cost=np.array([[1.0], [7.0], [4.0]]),
        demand=np.zeros((3, 0, 1)), earliest=np.ones(3, int), latest=np.ones(3, int), duration=np.ones(3, int),
        budget=np.array([10.0]), capacity=np.zeros((0, 1)), hire_cost=np.zeros((0, 1)), skills=(),
        mandatory=np.zeros(3, bool), bucket=np.array(["B"] * 3), business_unit=np.array(["U"] * 3),
        requires=np.array([[1, 0], [2, 0]]), precedes=np.zeros((0, 2), int), excludes=np.zeros((0, 2), int),
        value_label="value [currency]")
    m = build_model(d)
    assert repair_portfolio(m, np.ones(3)).tolist() == [1.0, 1.0, 0.0]
    st = PortfolioState(m)
    assert st.dependants[0].toarray().ravel().tolist() == [True, True, True]
    assert st.dependants[1].toarray().ravel().tolist() == [False, True, False]


def test_lp_rounding_keeps_integral_starts_and_places_split_projects():
    d, opts = random_instance(3)
    m = build_model(d, opts)
    x_lp = np.zeros(m.nx + len(m.hs))
    x_lp[0] = 1.0
    p = m.vp[-1]
    cols = np.nonzero(m.vp == p)[0]
    if len(cols) >= 2:
        x_lp[cols[0]], x_lp[cols[1]] = 0.4, 0.6  # funded in full, split over two starts: the larger one
    z = lp_rounding(m, x_lp)
    assert z[0] == 1.0
    if len(cols) >= 2:
        assert z[cols[1]] == 1.0 and z[cols[0]] == 0.0


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("deterministic", [True, False])
def test_anytime_never_claims_more_than_it_proved(seed, deterministic):
    d, opts = random_instance(seed, n=6)
    model = build_model(d, opts)
    best, _ = brute_force(model)
    if best is None:
        from pmo_analytics.exceptions import InfeasiblePortfolioError, SolverError

        with pytest.raises((InfeasiblePortfolioError, SolverError)):
            solve_model(model, solver="anytime", deterministic=deterministic, explain_infeasible=False,
                        time_limit=None if deterministic else 5.0)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        out = solve_model(model, solver="anytime", deterministic=deterministic,
                          time_limit=None if deterministic else 5.0)
    assert not model.violated(np.concatenate([out.x, out.hire])).any()
    assert out.objective <= best + 1e-6 * max(1, abs(best))
    assert out.bound >= best - 1e-6 * max(1, abs(best))  # a valid bound
    true_gap = (best - out.objective) / max(abs(out.objective), 1e-9)
    assert out.gap >= true_gap - 1e-9  # the stated gap is never smaller than the true one
    if out.status == "optimal":
        assert out.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert out.status == status_words(out.gap)


def test_anytime_is_deterministic_and_starts_from_the_portfolio_asked_about():
    d, opts = random_instance(7, n=6)
    base = build_model(d, opts)
    b = solve_model(base, solver="highs")
    cut = build_model(d, opts.but(budget_scale=opts.budget_scale * 0.85))
    z = carry_solution(base, np.concatenate([b.x, b.hire]), cut)
    runs = [solve_model(cut, solver="anytime", deterministic=True, warm_start=z, explain_infeasible=False)
            for _ in range(2)]
    assert runs[0].x.tolist() == runs[1].x.tolist() and runs[0].objective == runs[1].objective
    assert runs[0].bound == runs[1].bound and runs[0].status == runs[1].status
    assert "starts repaired and filled" in runs[0].logs["anytime"]
    start = variant_start(base, np.concatenate([b.x, b.hire]), cut)
    if start is not None:
        assert runs[0].objective >= cut.obj @ start - 1e-9  # never worse than the repaired start


@pytest.mark.slow
def test_a_budget_limited_anytime_solve_states_a_gap_no_smaller_than_the_true_one():
    # medium instances the root pass cannot always close: the true optimum from CBC, proven (another solver
    # than the anytime solve's HiGHS), against the gap the anytime solve states under a small work budget
    from pmo_analytics.selection import synthetic_instance

    unproven = 0
    for seed in range(6):
        d = synthetic_instance(n_projects=30, n_periods=6, n_skills=2, max_window=3, n_precedences=6,
                               n_exclusions=3, n_mandatory=2, tightness=0.25, seed=seed)
        m = build_model(d)
        proof = solve_model(m, solver="cbc")
        assert proof.status == "optimal"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolverWarning)
            for kw in ({"deterministic": True, "node_limit": 1}, {"time_limit": 0.01}):
                try:
                    out = solve_model(m, solver="anytime", **kw)
                except SolverError:  # no portfolio within 0.01 s: said, not guessed
                    assert "time_limit" in kw
                    continue
                true_gap = (proof.objective - out.objective) / max(abs(out.objective), 1e-9)
                assert out.objective <= proof.objective * (1 + 1e-9)
                assert out.bound >= proof.objective * (1 - 1e-9)
                assert out.gap >= true_gap - 1e-9
                unproven += out.status != "optimal"
    assert unproven >= 2  # the budget really stopped some solves before a proof


@pytest.mark.slow
@pytest.mark.parametrize("levers", [{"budget_scale": 0.9}, {"budget_scale": 1.1}, {"capacity_delta": {"DEV": 2.0}}])
def test_a_warm_started_anytime_answer_on_the_sample_reaches_the_cold_proven_optimum(levers):
    # the workshop's question on the sample, answered from the base portfolio with a generous budget: proven
    # optimal, and the same value as HiGHS proving the question from scratch (no start, no time limit)
    import pmo_analytics as pmo
    from pmo_analytics.selection import PortfolioSelector, WhatIf, selection_data, what_if

    d = selection_data(pmo.load_sample())
    base = what_if(d, WhatIf(frontier_levels=0))
    assert base.numbers["status"] == "optimal"
    quick = what_if(d, WhatIf(frontier_levels=0, time_budget=120.0, **levers), start=base)
    cold = PortfolioSelector(solver="highs", warm_start=False, hiring=True, **levers).fit(d)
    assert cold.status_ == "optimal" and quick.numbers["status"] == "optimal"
    assert quick.selector.objective_ == pytest.approx(cold.objective_, rel=1e-9)
    assert "starts repaired and filled: incumbent" in quick.selector.logs_["anytime"]  # it did start from base
