"""Tests of the selection MILP, its analyses and the greedy baseline.

Oracles: a published knapsack optimum, brute-force enumeration written
independently of the model rows (from the constraint definitions), Dantzig's
closed form for the LP-relaxation price of a knapsack, and hand-checked
small cases for every constraint family.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmo_analytics.exceptions import InfeasiblePortfolioError, SolverWarning
from pmo_analytics.selection import (PortfolioSelector, SelectionData, SelectionOptions, build_model,
                                     compare_scenarios, efficient_frontier, explain_portfolio, find_conflicts,
                                     greedy_portfolio, lp_duals, selection_data, solve_model)
from pmo_analytics.selection import frontier as frontier_mod
from pmo_analytics.selection import variant_settings
from pmo_analytics.selection.analysis import _start
from pmo_analytics.selection.selector import carry_solution, repair_portfolio, variant_start
from pmo_analytics.selection.solve import OPTIMAL


def make_data(value, cost, *, budget, earliest=None, latest=None, duration=None, demand=None, capacity=None,
              hire_cost=None, mandatory=None, bucket=None, unit=None, requires=(), precedes=(), excludes=(),
              label="value [currency]"):
    """A hand-written instance; ``cost`` is (n, L) or (n,) (one-period projects)."""
    value = np.asarray(value, dtype=float)
    n = len(value)
    cost = np.asarray(cost, dtype=float)
    if cost.ndim == 1:
        cost = cost[:, None]
    budget = np.atleast_1d(np.asarray(budget, dtype=float))
    H = len(budget)
    L = cost.shape[1]
    if demand is None:
        demand = np.zeros((n, 0, L))
        capacity = np.zeros((0, H))
        skills = ()
    else:
        demand = np.asarray(demand, dtype=float)
        skills = tuple(f"S{k}" for k in range(demand.shape[1]))
        capacity = np.asarray(capacity, dtype=float).reshape(len(skills), H)
    hire = np.full(capacity.shape, np.nan) if hire_cost is None else np.asarray(hire_cost, float).reshape(capacity.shape)
    ones = np.ones(n, dtype=int)
    return SelectionData(
        ids=np.array([f"P{k}" for k in range(n)]), value=value, cost=cost, demand=demand,
        earliest=ones if earliest is None else np.asarray(earliest), latest=ones if latest is None else np.asarray(latest),
        duration=np.full(n, L) if duration is None else np.asarray(duration), budget=budget, capacity=capacity,
        hire_cost=hire, skills=skills, mandatory=np.zeros(n, bool) if mandatory is None else np.asarray(mandatory),
        bucket=np.array(["B"] * n) if bucket is None else np.asarray(bucket),
        business_unit=np.array(["U"] * n) if unit is None else np.asarray(unit),
        requires=np.array(requires, dtype=int).reshape(-1, 2), precedes=np.array(precedes, dtype=int).reshape(-1, 2),
        excludes=np.array(excludes, dtype=int).reshape(-1, 2), value_label=label)


def fit(data, solver="highs", **opts):
    return PortfolioSelector(solver=solver, gap=0.0, **opts).fit(data)


# --- known optimum ----------------------------------------------------------------------------------

# Wikipedia, "Knapsack problem" (lead illustration): boxes (weight kg, value $) (12, 4), (2, 2), (1, 1),
# (1, 2), (4, 10), capacity 15 kg; the optimum takes every box but the 12 kg one: $15.
WIKI_VALUE = [4, 2, 1, 2, 10]
WIKI_WEIGHT = [12, 2, 1, 1, 4]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_knapsack_known_optimum(solver):
    s = fit(make_data(WIKI_VALUE, WIKI_WEIGHT, budget=15), solver=solver)
    assert s.status_ == OPTIMAL
    assert s.objective_ == pytest.approx(15.0)
    assert sorted(s.selected_) == ["P1", "P2", "P3", "P4"]
    assert s.gap_ == pytest.approx(0.0, abs=1e-9)
    assert s.build_seconds_ > 0 and s.solve_seconds_ > 0


def test_lp_dual_of_knapsack_budget_is_dantzig_ratio():
    # LP relaxation of a knapsack: fill by value/weight ratio; the budget price is the ratio of the
    # fractional item (Dantzig 1957). Here boxes 4, 1($2), 2, 1($1) fill 8 kg; the 12 kg box ($4) is
    # fractional, so the price is 4/12 per kg.
    s = fit(make_data(WIKI_VALUE, WIKI_WEIGHT, budget=15))
    du = lp_duals(s)
    row = du[du["family"] == "budget"].iloc[0]
    assert row["dual"] == pytest.approx(4 / 12, rel=1e-6)
    assert (du["note"] == "indicative (LP relaxation)").all()


def test_greedy_rule_is_suboptimal_where_expected():
    # budget 10; values 10, 9, 9 costing 6, 5, 5: priority order funds P0 and drops both others (10),
    # the optimum funds P1 and P2 (18)
    d = make_data([10, 9, 9], [6, 5, 5], budget=10)
    g = greedy_portfolio(build_model(d))
    assert g.value == pytest.approx(10.0) and g.skipped == ["P1", "P2"] and g.feasible
    assert fit(d).objective_ == pytest.approx(18.0)


# --- brute force -------------------------------------------------------------------------------------

def brute_force(d: SelectionData, o: SelectionOptions) -> float | None:
    """Best objective by enumerating every (start or not) assignment, from the constraint definitions."""
    H = d.horizon
    choices = []
    for i in range(d.n):
        lo, hi = max(d.earliest[i], 1), min(d.latest[i], H)
        choices.append([0] + list(range(lo, hi + 1)))
    best = None
    cap = d.capacity.copy()
    for combo in itertools.product(*choices):
        s = np.array(combo)
        on = s > 0
        if o.mandatory and np.any(d.mandatory & ~on):
            continue
        if o.force_in and not all(on[d.index_of(o.force_in)]):
            continue
        if o.force_out and any(on[d.index_of(o.force_out)]):
            continue
        spend = np.zeros(H)
        use = np.zeros_like(cap)
        for i in np.nonzero(on)[0]:
            for k in range(d.cost.shape[1]):
                t = s[i] + k
                if t <= H:
                    spend[t - 1] += d.cost[i, k]
                    use[:, t - 1] += d.demand[i, :, k]
        if o.budget and np.any(spend > d.budget * o.budget_scale + 1e-9):
            continue
        if o.total_budget is not None and spend.sum() > o.total_budget + 1e-9:
            continue
        if o.capacity and np.any(use > cap + 1e-9):
            continue
        if o.dependencies:
            if any(on[a] and not on[b] for a, b in d.requires):
                continue
            if any(on[a] and on[b] for a, b in d.excludes):
                continue
            if any(on[a] and on[b] and s[b] < s[a] + d.duration[a] for a, b in d.precedes):
                continue
        if o.max_starts is not None and np.any(np.bincount(s[on], minlength=H + 1)[1:] > o.max_starts):
            continue
        total = spend.sum()
        ok = True
        for g, (lo, hi) in o.bucket_share.items():
            sg = sum(spend_i for spend_i in [_spend(d, i, s[i]) for i in np.nonzero(on & (d.bucket == g))[0]])
            if lo is not None and sg < lo * total - 1e-9:
                ok = False
            if hi is not None and sg > hi * total + 1e-9:
                ok = False
        if not ok:
            continue
        val = float(sum(d.value[i] / (1 + o.delay_discount) ** (s[i] - d.earliest[i]) for i in np.nonzero(on)[0]))
        if best is None or val > best + 1e-9:
            best = val
    return best


def _spend(d, i, start):
    return sum(d.cost[i, k] for k in range(d.cost.shape[1]) if start + k <= d.horizon)


@st.composite
def instances(draw, max_n=6, max_window=3):
    n = draw(st.integers(2, max_n))
    H = draw(st.integers(2, 4))
    L = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    value = rng.integers(-2, 20, n).astype(float)
    cost = rng.integers(1, 8, (n, L)).astype(float)
    earliest = rng.integers(1, H + 1, n)
    latest = np.minimum(earliest + rng.integers(0, max_window, n), H + 1)  # may reach past the horizon
    demand = rng.integers(0, 3, (n, 1, L)).astype(float)
    capacity = rng.integers(2, 6, (1, H)).astype(float)
    budget = rng.integers(4, 15, H).astype(float)
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    pick = lambda k: [pairs[j] for j in rng.choice(len(pairs), size=k, replace=False)] if k else []
    deps = pick(min(len(pairs), int(rng.integers(0, 4))))
    requires, precedes, excludes = deps[0::3], deps[1::3], deps[2::3]
    mandatory = np.zeros(n, bool)
    if rng.random() < 0.3:
        mandatory[rng.integers(0, n)] = True
    bucket = rng.choice(["A", "B"], n)
    bucket[:2] = ["A", "B"]  # both buckets exist (an unknown bucket name is an error)
    d = make_data(value, cost, budget=budget, earliest=earliest, latest=latest, duration=np.full(n, L),
                  demand=demand, capacity=capacity, mandatory=mandatory, bucket=bucket, requires=requires,
                  precedes=precedes, excludes=excludes)
    opts = SelectionOptions(
        max_starts=draw(st.sampled_from([None, 1, 2])),
        total_budget=draw(st.sampled_from([None, float(budget.sum() * 0.6)])),
        bucket_share=draw(st.sampled_from([{}, {"A": (0.2, None)}, {"B": (None, 0.7)}])),
        delay_discount=draw(st.sampled_from([0.0, 0.1])),
    )
    return d, opts


def _milp_value(d, o):
    m = build_model(d, o)
    try:
        return solve_model(m, solver="highs", gap=0.0, explain_infeasible=False).objective
    except InfeasiblePortfolioError:
        return None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_milp_matches_brute_force_with_start_windows(inst):
    d, o = inst
    expect = brute_force(d, o)
    got = _milp_value(d, o)
    if expect is None:
        assert got is None
    else:
        assert got == pytest.approx(expect, abs=1e-6)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_n=14, max_window=1))
def test_milp_matches_brute_force_up_to_14_projects(inst):
    d, o = inst
    expect = brute_force(d, o)
    got = _milp_value(d, o)
    assert (got is None) if expect is None else got == pytest.approx(expect, abs=1e-6)


# --- every constraint binds when it should ----------------------------------------------------------

def test_budget_per_period_binds():
    d = make_data([5, 4], [[3, 3], [3, 3]], budget=[6, 5])  # both fit in period 1, not in period 2
    assert fit(d).selected_ == ["P0"]
    assert sorted(fit(d, budget=False).selected_) == ["P0", "P1"]


def test_total_budget_binds():
    d = make_data([5, 4], [2, 2], budget=10)
    assert len(fit(d).selected_) == 2
    assert fit(d, total_budget=3.0).selected_ == ["P0"]


def test_capacity_binds_and_hiring_relaxes_it_at_a_cost():
    d = make_data([5, 4], [1, 1], budget=100, demand=[[[2]], [[2]]], capacity=[3], hire_cost=[0.5])
    assert fit(d).selected_ == ["P0"]
    s = fit(d, hiring=True)
    assert sorted(s.selected_) == ["P0", "P1"] and s.hire_.sum() == pytest.approx(1.0)
    assert s.objective_ == pytest.approx(9 - 0.5)
    d2 = make_data([5, 4], [1, 1], budget=100, demand=[[[2]], [[2]]], capacity=[3], hire_cost=[10.0])
    assert fit(d2, hiring=True).selected_ == ["P0"]  # hiring dearer than the value it unlocks
    assert fit(d, hiring=True, max_hire=0.5).selected_ == ["P0"]


def test_capacity_delta_scenario():
    d = make_data([5, 4], [1, 1], budget=100, demand=[[[2]], [[2]]], capacity=[3])
    assert len(fit(d, capacity_delta={"S0": 1}).selected_) == 2


def test_requires_binds():
    d = make_data([5, -1], [1, 1], budget=10, requires=[(0, 1)])
    assert sorted(fit(d).selected_) == ["P0", "P1"]
    assert fit(d, dependencies=False).selected_ == ["P0"]
    d2 = make_data([5, -9], [1, 1], budget=10, requires=[(0, 1)])
    assert fit(d2).selected_ == []


def test_precedes_binds():
    # P0 (2 periods) precedes P1; both want period 1; P1 must wait until P0 ends
    d = make_data([5, 4], [[1, 1], [1, 1]], budget=[10] * 4, earliest=[1, 1], latest=[1, 4],
                  duration=[2, 2], precedes=[(0, 1)])
    s = fit(d, delay_discount=0.1)
    p = s.portfolio_
    assert p.loc["P1", "start_period"] == 3 and p.loc["P0", "start_period"] == 1
    assert fit(d, delay_discount=0.1, dependencies=False).portfolio_.loc["P1", "start_period"] == 1


def test_excludes_binds():
    d = make_data([5, 4], [1, 1], budget=10, excludes=[(0, 1)])
    assert fit(d).selected_ == ["P0"]


def test_force_in_force_out_and_mandatory():
    d = make_data([5, 4, -1], [3, 3, 3], budget=6, mandatory=[False, False, True])
    assert sorted(fit(d).selected_) == ["P0", "P2"]
    assert sorted(fit(d, force_in=("P1",)).selected_) == ["P1", "P2"]
    assert sorted(fit(d, mandatory=False).selected_) == ["P0", "P1"]
    assert sorted(fit(d, mandatory=False, force_out=("P0",)).selected_) == ["P1"]


def test_bucket_and_unit_shares_bind():
    d = make_data([10, 9, 1], [5, 5, 5], budget=10, bucket=["A", "A", "B"], unit=["X", "Y", "Y"])
    assert sorted(fit(d).selected_) == ["P0", "P1"]
    assert sorted(fit(d, bucket_share={"B": (0.5, None)}).selected_) == ["P0", "P2"]
    assert sorted(fit(d, unit_share={"X": (None, 0.0)}).selected_) == ["P1", "P2"]


def test_max_starts_binds():
    d = make_data([5, 4], [1, 1], budget=[10, 10], earliest=[1, 1], latest=[2, 2])
    s = fit(d, max_starts=1, delay_discount=0.5)
    assert sorted(s.portfolio_["start_period"].dropna().tolist()) == [1, 2]
    assert s.portfolio_.loc["P0", "start_period"] == 1  # the more valuable starts first


def test_delay_discount():
    d = make_data([8], [1], budget=[10, 10, 10], earliest=[1], latest=[3])
    s = fit(d, delay_discount=0.25)
    assert s.portfolio_.loc["P0", "start_period"] == 1 and s.objective_ == pytest.approx(8)


def test_require_finish_in_horizon():
    d = make_data([8], [[1, 1, 1]], budget=[10, 10], earliest=[1], latest=[1], duration=[3])
    assert fit(d).selected_ == ["P0"]
    assert fit(d, require_finish=True).selected_ == []


# --- infeasibility and time limits ------------------------------------------------------------------

def test_infeasible_names_the_conflicting_constraints():
    d = make_data([1, 1, 1], [6, 6, 1], budget=10, mandatory=[True, True, False])
    with pytest.raises(InfeasiblePortfolioError) as exc:
        fit(d)
    assert set(exc.value.conflicts) == {"mandatory project P0 funded", "mandatory project P1 funded",
                                        "budget in period 1"}
    assert "budget in period 1" in str(exc.value)


def test_conflict_set_is_irreducible():
    d = make_data([1, 1, 1, 1], [4, 4, 4, 1], budget=[10], mandatory=[True, True, True, False],
                  demand=[[[1]], [[1]], [[5]], [[1]]], capacity=[6], excludes=[(0, 3)])
    m = build_model(d, SelectionOptions(force_in=("P3",)))
    conflicts = find_conflicts(m)
    from pmo_analytics.selection.solve import _feasible
    structural = m.family == "one_start"
    named = np.isin(m.label, conflicts)
    assert conflicts and not _feasible(m, structural | named)  # the named set alone is infeasible
    for c in conflicts:  # ... and dropping any one of its constraints makes it feasible
        assert _feasible(m, structural | (named & (m.label != c)))


def test_mandatory_outside_horizon_is_named():
    d = make_data([1], [1], budget=[5, 5], earliest=[3], latest=[4], mandatory=[True])
    with pytest.raises(InfeasiblePortfolioError, match="no start period"):
        fit(d)


def _hard_instance(n=250, H=8, seed=7):
    rng = np.random.default_rng(seed)
    L = 3
    cost = rng.uniform(1, 10, (n, L))
    value = cost.sum(1) * rng.uniform(0.8, 1.2, n)
    dem = rng.uniform(0, 3, (n, 3, L))
    earliest = rng.integers(1, H - 2, n)
    return make_data(value, cost, budget=np.full(H, cost.sum() / H * 0.25), earliest=earliest,
                     latest=earliest + 2, duration=np.full(n, L), demand=dem,
                     capacity=np.full((3, H), dem.sum() / H * 0.25 / 3 * 3 / 3))


def test_time_limit_is_reported_honestly():
    d = _hard_instance()
    with pytest.warns(SolverWarning, match="before proving optimality"):
        s = PortfolioSelector(solver="highs", time_limit=0.2).fit(d)
    assert s.time_limit_reached_ and not s.node_limit_reached_ and not s.proven_optimal_
    if np.isfinite(s.bound_):  # the root LP finished within the 0.2 s: the gap it proved
        assert s.status_.startswith("within ") and s.status_.endswith(" % of optimal")
        assert s.bound_ > s.objective_ and s.gap_ > 0
        assert s.gap_ == pytest.approx((s.bound_ - s.objective_) / abs(s.objective_))
    else:  # a loaded machine stopped HiGHS before its root LP: no bound, and the words say so
        assert s.status_ == "feasible, no bound known" and not np.isfinite(s.gap_)
    assert s.objective_ >= s.greedy_.value - 1e-6  # warm-started from the greedy portfolio
    assert s.status_ in repr(s) and "inf%" not in repr(s)


@pytest.mark.slow
def test_time_limit_cbc_reports_bound():
    d = _hard_instance()
    with pytest.warns(SolverWarning):
        s = PortfolioSelector(solver="cbc", time_limit=1).fit(d)
    assert s.status_.startswith("within ") and np.isfinite(s.bound_) and s.bound_ >= s.objective_


def test_no_deprecated_pulp_calls():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for solver in ("highs", "cbc"):
            fit(make_data(WIKI_VALUE, WIKI_WEIGHT, budget=15), solver=solver)


def test_unknown_options_are_argument_errors():
    d = make_data([1], [1], budget=1)
    with pytest.raises(ValueError, match="unknown solver"):
        PortfolioSelector(solver="gurobi")
    with pytest.raises(ValueError, match="unknown selection option"):
        PortfolioSelector(hirng=True)
    with pytest.raises(ValueError, match="unknown project"):
        fit(d, force_in=("NOPE",))
    with pytest.raises(ValueError, match="unknown skill"):
        fit(make_data([1], [1], budget=1, demand=[[[1]]], capacity=[1]), capacity_delta={"X": 1})


# --- analyses ---------------------------------------------------------------------------------------

def test_frontier_is_monotone_and_tracks_changes():
    d = make_data([10, 9, 9, 3, 7], [6, 5, 5, 1, 4], budget=10)
    s = fit(d)
    fr = efficient_frontier(s, levels=20, low=0.1, high=2.5)
    assert len(fr) == 20
    ok = fr["value"].notna()
    assert np.all(np.diff(fr.loc[ok, "value"].to_numpy()) >= -1e-9)
    # replay entering/leaving to recover each level's portfolio size
    chosen = set()
    for _, r in fr[ok].iterrows():
        chosen |= set(filter(None, r["entering"].split("; ")))
        chosen -= set(filter(None, r["leaving"].split("; ")))
        assert len(chosen) == r["funded"]
    # the top level funds everything (budget 25 >= total cost 21)
    assert fr["value"].iloc[-1] == pytest.approx(38.0)


def test_scenarios_side_by_side():
    d = make_data([10, 9, 9], [6, 5, 5], budget=10)
    s = fit(d)
    sc = compare_scenarios(s, {"budget -10%": {"budget_scale": 0.9}, "P0 in": {"force_in": "P0"},
                               "all mandatory": {"force_in": ("P0", "P1", "P2")}})
    assert list(sc.index) == ["base", "budget -10%", "P0 in", "all mandatory"]
    # budget 9: P1 + P2 (cost 10) no longer fit; P0 alone (cost 6, value 10) is best
    assert sc.loc["budget -10%", "value"] == pytest.approx(10.0)
    assert sc.loc["budget -10%", "lost"] == "P1; P2" and sc.loc["budget -10%", "gained"] == "P0"
    assert sc.loc["P0 in", "gained"] == "P0" and sc.loc["P0 in", "value_change"] == pytest.approx(-8.0)
    assert sc.loc["all mandatory", "status"].startswith("infeasible")


def test_a_solved_scenario_is_quoted_as_it_stands_not_solved_again(monkeypatch):
    d = make_data([10, 9, 9], [6, 5, 5], budget=10)
    s = fit(d)
    cut = s.variant(budget_scale=0.9)

    def no_solve(*a, **k):
        raise AssertionError("a solved scenario must not be solved again")

    monkeypatch.setattr(PortfolioSelector, "variant", no_solve)
    sc = compare_scenarios(s, {"budget -10%": cut})
    assert sc.loc["budget -10%", "value"] == pytest.approx(10.0) == cut.objective_
    assert sc.loc["budget -10%", "lost"] == "P1; P2" and sc.loc["budget -10%", "status"] == "optimal"
    other = fit(make_data([10, 9, 9], [6, 5, 5], budget=20))
    with pytest.raises(ValueError, match="'elsewhere': a solved scenario must be fitted on the base case's data"):
        compare_scenarios(s, {"elsewhere": other})


def test_explanations_match_brute_force():
    d = make_data([10, 9, 9, 1], [6, 5, 5, 5], budget=10)
    s = fit(d)
    ex = explain_portfolio(s)
    base = brute_force(d, SelectionOptions())
    forced = brute_force(d, SelectionOptions(force_in=("P0",)))
    assert ex.loc["P0", "value_change"] == pytest.approx(forced - base)
    assert ex.loc["P0", "displaces"] == "P1; P2" or set(ex.loc["P0", "displaces"].split("; ")) <= {"P1", "P2"}
    assert "budget in period 1" in ex.loc["P0", "binding"]
    out1 = brute_force(d, SelectionOptions(force_out=("P1",)))
    assert ex.loc["P1", "value_change"] == pytest.approx(out1 - base)
    assert ex.loc["P1", "selected"] and "dropping it would lose" in ex.loc["P1", "explanation"]


def test_explanations_hand_their_solves_to_a_scenario_that_asks_the_same(monkeypatch):
    d = make_data([10, 9, 9, 1], [6, 5, 5, 5], budget=10)
    s = fit(d)
    solved = {}
    ex = explain_portfolio(s, solved=solved)
    assert set(solved) == set(ex.index[ex["value_change"].notna()])
    p0 = solved["P0"]
    assert p0.data_ is s.data_ and p0.options.force_in == ("P0",) and p0.objective_ == ex.loc["P0", "value_if_flipped"]
    assert p0.selected_ == ["P0"] and p0.status_ == "optimal" and p0.greedy_ is not None
    monkeypatch.setattr(PortfolioSelector, "variant", lambda *a, **k: pytest.fail("solved again"))
    sc = compare_scenarios(s, {"P0 in": p0})
    assert sc.loc["P0 in", "value_change"] == pytest.approx(ex.loc["P0", "value_change"])
    assert sc.loc["P0 in", "gained"] == "P0" and sc.loc["P0 in", "lost"] == ex.loc["P0", "displaces"]
    other = fit(make_data([10, 9, 9, 1], [6, 5, 5, 5], budget=10))
    with pytest.raises(ValueError, match="built on the base selector's data"):
        PortfolioSelector.from_solution(other, p0.model_, p0.outcome_)


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_what_if_re_solves_of_a_large_model_run_side_by_side(monkeypatch):
    import threading
    import time

    from pmo_analytics import parallel
    from pmo_analytics.selection import solve as solve_mod

    monkeypatch.setattr(solve_mod, "LNS_MIN_COLUMNS", 60)  # this small model is treated as a large one
    monkeypatch.setattr(frontier_mod, "LNS_MIN_COLUMNS", 60)
    monkeypatch.setattr(parallel, "default_threads", lambda: 2)
    spans, real = [], solve_mod.solve_anytime

    def timed(*a, **k):
        t0 = time.perf_counter()
        out = real(*a, **k)
        time.sleep(0.05)  # long enough for two re-solves to overlap if they run at once
        spans.append((t0, time.perf_counter(), threading.current_thread().name))
        return out

    monkeypatch.setattr(solve_mod, "solve_anytime", timed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        s = PortfolioSelector(deterministic=True, node_limit=4).fit(_hard_instance(n=30, H=6))
        assert s.model_.nx >= 60 and list(s.runs_["solver"]) == ["highs", "lns"]  # the base case: the race
        assert solve_mod.batch_solver(s.model_, **s.solver_settings()) == "lns"
        assert variant_settings(s) == {"solver": "anytime", "node_limit": None}
        solved = {}
        ex = explain_portfolio(s, max_resolves=2, solved=solved)
        assert 2 <= len(solved) <= 3 and all(v.solver_ == "anytime" for v in solved.values())
        assert (ex["method"] == "re-solved").sum() == len(spans) and len(spans) >= 2
        (a0, a1, ta), (b0, b1, tb) = spans[:2]
        assert ta != tb and a0 < b1 and b0 < a1  # two threads, at the same time
        # one after another: the same numbers
        monkeypatch.setattr(parallel, "default_threads", lambda: 1)
        pd.testing.assert_frame_equal(explain_portfolio(s, max_resolves=2), ex)
        monkeypatch.setattr(parallel, "default_threads", lambda: 2)
        spans.clear()
        top = s.portfolio_.query("selected").sort_values("base_value").index[-1]
        sc = compare_scenarios(s, {"cut": {"budget_scale": 0.9}, "out": {"force_out": top}})
    assert list(sc.loc[["cut", "out"], "solver"]) == ["anytime", "anytime"] and len(spans) == 2
    assert sc.loc["out", "value"] <= s.bound_ + 1e-9 and top in sc.loc["out", "lost"]
    # the frontier: the LP bound everywhere, portfolios near today's budget, as two chains at once
    spans.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        fr = efficient_frontier(s, levels=4, low=0.8, high=1.4, settings=variant_settings(s))
    assert list(fr["budget_factor"]) == pytest.approx([0.8, 1.0, 1.2, 1.4])
    assert fr["solved"].tolist() == [True, True, True, False] and fr["bound"].notna().all()
    assert fr.loc[3, "status"] == "bound only (LP relaxation)" and np.isnan(fr.loc[3, "value"])
    assert len(spans) == 3 and len({t for _, _, t in spans}) == 2
    first = {t: min(a for a, _, u in spans if u == t) for _, _, t in spans}
    last = {t: max(b for _, b, u in spans if u == t) for _, _, t in spans}
    (ta, tb) = first
    assert first[ta] < last[tb] and first[tb] < last[ta]  # the chains overlap in time
    assert fr.loc[1, "value"] <= s.bound_ * (1 + 1e-9)  # the base budget again: never above the proven bound
    assert (fr["value"].dropna() <= fr["bound"][fr["value"].notna()] * (1 + 1e-9)).all()
    assert fr["funded"].iloc[2] >= 1 and fr["entering"].iloc[0] != ""


def test_repair_drops_least_value_per_unit_of_violation():
    # budget 10, all four funded (cost 17, 7 over; the row's largest coefficient is 6). Drop P3 (4 of the 7
    # for value 1: 4/6/1), then P2 (2 of 3 over for 3: 2/6/3 beats 3/6/10 and 3/6/9), then P1 (1 over:
    # 1/6/9 beats P0's 1/6/10). A heuristic: the optimum is P0 + P2 (13), the repair keeps P0 (10).
    d = make_data([10, 9, 3, 1], [6, 5, 2, 4], budget=10)
    m = build_model(d)
    z = repair_portfolio(m, np.ones(m.nx))
    assert z.tolist() == [1, 0, 0, 0] and not m.violated(z).any()
    # the input is not changed, a feasible portfolio comes back as it is
    ones = np.ones(m.nx)
    repair_portfolio(m, ones)
    assert ones.tolist() == [1, 1, 1, 1]
    assert repair_portfolio(m, np.array([1.0, 0, 1, 0])).tolist() == [1, 0, 1, 0]
    # a mandatory project and a kept one are never dropped: with P3 mandatory, P2 goes (2/6/3), then P1
    # (5 over: 5/6/9 beats 5/6/10)
    dm = make_data([10, 9, 3, 1], [6, 5, 2, 4], budget=10, mandatory=[False, False, False, True])
    mm = build_model(dm)
    assert repair_portfolio(mm, np.ones(mm.nx)).tolist() == [1, 0, 0, 1]
    assert repair_portfolio(m, np.ones(m.nx), keep=("P1", "P2")).tolist() == [0, 1, 1, 0]
    # nothing left to drop: no repair
    big = build_model(make_data([1, 2], [20, 1], budget=10, mandatory=[True, False]))
    assert repair_portfolio(big, np.ones(big.nx)) is None


def test_carry_matches_starts_by_project_and_period():
    # two 2-period projects in a 3-period horizon, windows 1-3; requiring the finish in the horizon
    # removes the period-3 starts
    d = make_data([5, 4], [[1, 1], [1, 1]], budget=[10] * 3, earliest=[1, 1], latest=[3, 3])
    src, dst = build_model(d), build_model(d, SelectionOptions(require_finish=True))
    assert src.nx == 6 and dst.nx == 4
    z = np.zeros(src.nx)
    z[(src.vp == 0) & (src.vt == 3)] = 1  # P0 in period 3: no such column in dst, dropped
    z[(src.vp == 1) & (src.vt == 2)] = 1
    out = carry_solution(src, z, dst)
    assert out.tolist() == ((dst.vp == 1) & (dst.vt == 2)).astype(float).tolist()
    # hires by (skill, period): a model with hiring carried to one without keeps the starts only
    dh = make_data([5, 4], [1, 1], budget=100, demand=[[[2]], [[2]]], capacity=[3], hire_cost=[0.5])
    with_h, without = build_model(dh, SelectionOptions(hiring=True)), build_model(dh)
    assert len(with_h.hs) == 1 and len(without.hs) == 0
    assert carry_solution(with_h, np.array([1.0, 1.0, 1.0]), without).tolist() == [1.0, 1.0]
    assert carry_solution(with_h, np.array([1.0, 1.0, 1.0]), with_h).tolist() == [1.0, 1.0, 1.0]
    capped = build_model(dh, SelectionOptions(hiring=True, max_hire=0.5))
    z = carry_solution(with_h, np.array([1.0, 1.0, 1.0]), capped)
    assert z.tolist() == [1.0, 1.0, 0.5]  # hires cut to the cap; 4 FTE on 3.5 then needs the repair
    # P1 dropped; the hires are re-set to the least the starts need (2 FTE on a capacity of 3: none)
    assert repair_portfolio(capped, z).tolist() == [1.0, 0.0, 0.0]


def test_variant_start_funds_or_drops_the_project_asked_about():
    d = make_data([10, 9, 9, 1], [6, 5, 5, 5], budget=10)
    s = fit(d)
    assert sorted(s.selected_) == ["P1", "P2"]
    z = np.concatenate([s.x_, s.hire_])
    m_in = build_model(d, SelectionOptions(force_in=("P0",)))
    # P0 funded (cost 16, 6 over): P1 and P2 weigh alike, the first goes; P0 + P2 is still 1 over, P2 goes
    assert variant_start(s.model_, z, m_in, add="P0").tolist() == [1, 0, 0, 0]
    m_out = build_model(d, SelectionOptions(force_out=("P1",)))
    # without P1, P2 stays and the fill adds P3 (5 more on 5 left)
    assert variant_start(s.model_, z, m_out, drop="P1").tolist() == [0, 0, 1, 1]


def test_what_if_re_solves_start_from_the_base_portfolio():
    # budget 12: the optimum funds P1, P2, P3 (18); greedy by value funds P0 alone (10)
    d = make_data([10, 6, 6, 6], [10, 4, 4, 4], budget=12)
    s = fit(d)
    assert sorted(s.selected_) == ["P1", "P2", "P3"]
    solved = {}
    explain_portfolio(s, solved=solved)
    # HiGHS's log of the re-solve without P1: its start was the base portfolio less P1 (P2 + P3, 12),
    # better than the greedy one (P0, 10)
    p1 = solved["P1"]
    assert re.search(r"Assessing feasibility of MIP solution .*: feasible", p1.logs_["highs"])
    assert _start(s, p1.model_, drop="P1").tolist() == [0, 0, 1, 1]
    assert p1.objective_ == pytest.approx(12.0) and sorted(p1.selected_) == ["P2", "P3"]  # P0 + P2 costs 14
    # budget 10.8: the base less its first project (12) beats greedy's P0 (10) as the scenario's start
    cut = s.variant(budget_scale=0.9)
    assert re.search(r"Assessing feasibility of MIP solution .*: feasible", cut.logs_["highs"])
    assert variant_start(s.model_, np.concatenate([s.x_, s.hire_]), cut.model_).tolist() == [0, 0, 1, 1]
    assert cut.objective_ == pytest.approx(12.0)


def test_capacity_view_flags_bottlenecks():
    d = make_data([5, 4], [1, 1], budget=100, demand=[[[2]], [[1]]], capacity=[3])
    s = fit(d)
    cv = s.capacity_
    assert cv.loc[0, "demand"] == pytest.approx(3) and bool(cv.loc[0, "bottleneck"])


def test_selector_repr_and_summary():
    s = fit(make_data(WIKI_VALUE, WIKI_WEIGHT, budget=15))
    assert "optimal" in repr(s) and "4 of 5" in repr(s) and "fitted on SelectionData(5 candidates" in repr(s)
    sm = s.summary
    assert list(sm.columns) == ["measure", "value", "unit"]
    row = sm.set_index("measure")
    assert row.loc["funded", "value"] == 4 and row.loc["funded", "unit"] == "projects"
    assert row.loc["objective", "unit"] == "currency" and row.loc["status", "value"] == "optimal"
    assert "unfitted" in repr(PortfolioSelector())
    with pytest.raises(ValueError, match="not fitted"):
        PortfolioSelector().summary


# --- on the bundled sample ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    import pmo_analytics
    return pmo_analytics.read_portfolio(None)


@pytest.mark.slow
def test_sample_builds_and_solves_to_optimality(sample):
    d = selection_data(sample)
    assert d.n == int(sample.projects["stage"].isin(["proposal", "active"]).sum())
    s = PortfolioSelector(hiring=True).fit(d)
    assert s.status_ == OPTIMAL and s.gap_ == pytest.approx(0, abs=1e-9)
    assert s.portfolio_.loc[s.portfolio_["mandatory"], "selected"].all()
    assert (s.spend_["headroom"] >= -1e-6).all()
    assert s.build_seconds_ < s.solve_seconds_


# --- charts ------------------------------------------------------------------------------------------

def _layers(spec):
    return spec.get("layer", [spec])


@pytest.mark.slow
def test_re_solves_on_a_dask_cluster_give_the_numbers_of_local_threads(monkeypatch):
    """Frontier chains, explanations and scenarios of a large model as Dask tasks: the same frames as threads."""
    distributed = pytest.importorskip("distributed")
    from pmo_analytics.selection import solve as solve_mod

    monkeypatch.setattr(solve_mod, "LNS_MIN_COLUMNS", 60)  # treated as a large model: anytime re-solves
    monkeypatch.setattr(frontier_mod, "LNS_MIN_COLUMNS", 60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SolverWarning)
        s = PortfolioSelector(deterministic=True, node_limit=4).fit(_hard_instance(n=30, H=6))
        scen = {"cut": {"budget_scale": 0.9}, "+1": {"capacity_delta": {s.data_.skills[0]: 1.0}}}

        def everything(client):
            solved = {}
            return (efficient_frontier(s, levels=5, low=0.6, high=1.4, settings=variant_settings(s), client=client),
                    explain_portfolio(s, max_resolves=3, solved=solved, client=client),
                    compare_scenarios(s, scen, client=client), sorted(solved))

        local = everything(None)
        # tcp: the model travels to the workers and back as copies, as on a real cluster
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                      dashboard_address=":0") as lc, distributed.Client(lc) as client:
            remote = everything(client)
    drop = ["solve_seconds"]
    pd.testing.assert_frame_equal(local[0].drop(columns=drop), remote[0].drop(columns=drop))
    pd.testing.assert_frame_equal(local[1], remote[1])
    pd.testing.assert_frame_equal(local[2], remote[2])
    assert local[3] == remote[3] and len(local[3]) >= 3
    assert (local[1]["method"] == "re-solved").sum() >= 3 and (local[1]["method"] == "estimated").any()


def test_selection_charts():
    from pmo_analytics.charts import selection as sc
    d = make_data([10, 9, 9, 3], [[6, 1], [5, 1], [5, 1], [1, 1]], budget=[10, 10, 10], earliest=[1, 1, 2, 1],
                  latest=[2, 2, 3, 3], duration=[2, 2, 2, 2], demand=[[[1, 1]], [[1, 1]], [[2, 2]], [[1, 0]]],
                  capacity=[3, 3, 3], bucket=["Run", "Grow", "Grow", "Run"])
    s = fit(d)
    fr = efficient_frontier(s, levels=20)
    spec = sc.frontier_chart(fr, current_budget=30).to_dict()
    bound, line = _layers(spec)[:2]  # the LP bound (dashed), then the solved portfolios
    assert bound["mark"]["strokeDash"] and bound["encoding"]["y"]["field"] == "bound"
    assert line["mark"]["type"] == "line" and line["encoding"]["y"]["field"] == "value"
    b = sc.bubble_chart(s.portfolio_, risk=None).to_dict()
    assert b["encoding"]["size"]["field"] == "risk" and b["encoding"]["color"]["field"] == "bucket"
    h = _layers(sc.capacity_heatmap(s.capacity_).to_dict())[0]
    assert h["mark"]["type"] == "rect" and h["encoding"]["color"]["field"] == "utilisation"
    r = sc.roadmap_chart(s.portfolio_).to_dict()
    assert r["encoding"]["x2"]["field"] == "end"
    data = r["datasets"][r["data"]["name"]]
    assert sorted(row["project_id"] for row in data) == sorted(s.selected_)
    # at most `top` bars: the kept project first, then the most valuable; the title says how many of how many
    least = s.portfolio_.query("selected").sort_values("base_value").index[0]
    small = sc.roadmap_chart(s.portfolio_, top=1, keep=(least,)).to_dict()
    assert [row["project_id"] for row in small["datasets"][small["data"]["name"]]] == [least]
    assert f"(1 of {len(s.selected_)} shown: changed and most valuable)" in small["title"]
    scen = sc.scenario_chart(compare_scenarios(s, {"cut": {"budget_scale": 0.5}})).to_dict()
    assert scen["mark"]["type"] == "bar"
    assert _layers(sc.spend_chart(s.spend_).to_dict())[0]["mark"]["type"] == "bar"


def test_objectives_and_uplifted_costs_on_sample(sample):
    from pmo_analytics.intake import IntakeScreening
    scr = IntakeScreening().fit(sample)
    with pytest.raises(ValueError, match="needs weighted scores"):
        selection_data(sample, objective="score")
    d = selection_data(sample, objective="score", scores=scr.scores_["score"])
    pos = d.index_of(["P-001"])[0]
    assert d.value[pos] == pytest.approx(scr.scores_.loc["P-001", "score"]) and "points" in d.value_label
    p = sample.projects.set_index("project_id")
    d_npv = selection_data(sample, objective="npv")
    d_ra = selection_data(sample, objective="risk_adjusted")
    assert d_npv.value[pos] == pytest.approx(p.loc["P-001", "benefit_npv"])
    assert d_ra.value[pos] == pytest.approx(p.loc["P-001", "benefit_npv"] * p.loc["P-001", "probability_of_success"])
    up = selection_data(sample, costs=scr.table_["uplifted_cost"])
    assert up.cost[pos].sum() == pytest.approx(scr.table_.loc["P-001", "uplifted_cost"])
    a = up.index_of(["A-101"])[0]  # committed projects keep their own profile
    assert up.cost[a].sum() == pytest.approx(d_ra.cost[a].sum()) and up.mandatory[a]
    with pytest.raises(ValueError, match="unknown objective"):
        selection_data(sample, objective="happiness")


def test_sample_without_hiring_names_the_capacity_conflict(sample):
    # the sample's mandatory projects need more of some skill than is available without hiring, or fit:
    # either way the result must be honest (optimal portfolio or named conflicts, never a silent partial answer)
    try:
        s = PortfolioSelector(hiring=False).fit(sample)
    except InfeasiblePortfolioError as exc:
        assert exc.conflicts and any(c.startswith("capacity of") for c in exc.conflicts)
        assert any(c.startswith("mandatory project") for c in exc.conflicts)
    else:
        assert s.status_ == OPTIMAL and (s.capacity_["demand"] <= s.capacity_["capacity"] + 1e-6).all()
