"""The selection stage of a review (pmo_analytics.review.selection): shortfall, bottlenecks, frontier step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.review import ReviewPolicy, SelectionReview, capacity_bottlenecks, commitment_shortfall, \
    frontier_step
from pmo_analytics.selection.data import SelectionData


def _data(mandatory, earliest, latest, budget):
    n = len(mandatory)
    cost = np.array([[100.0, 50.0], [30.0, 30.0], [80.0, 0.0]])[:n]
    return SelectionData(ids=np.array([f"P{i}" for i in range(n)]), value=np.ones(n), cost=cost,
                         demand=np.zeros((n, 0, 2)), earliest=np.array(earliest), latest=np.array(latest),
                         duration=np.array([2, 2, 1])[:n], budget=np.array(budget, dtype=float),
                         capacity=np.zeros((0, len(budget))), hire_cost=np.zeros((0, len(budget))), skills=(),
                         mandatory=np.array(mandatory), bucket=np.array(["Run"] * n),
                         business_unit=np.array(["U"] * n))


def test_commitment_shortfall_is_the_spend_no_start_can_avoid():
    # P0 fixed in period 1: spends 100 then 50; P1 may start in 1..2: per period the cheaper of its two starts:
    # period 1: min(30 [start 1], 0 [start 2]) = 0; period 2: min(30, 30) = 30; period 3: min(0, 30) = 0
    d = _data([True, True, False], [1, 1, 1], [1, 2, 1], [90, 90, 90])
    s = commitment_shortfall(d)
    assert s["unavoidable_spend"].tolist() == [100.0, 80.0, 0.0]
    assert s["shortfall"].tolist() == [10.0, 0.0, 0.0]


def test_an_infeasible_portfolio_states_its_shortfall_and_conflicts():
    d = _data([True, False, False], [1, 1, 1], [1, 2, 1], [90, 90, 90])

    class _Pf:  # SelectionReview.fit only hands the portfolio to selection_data, which we bypass
        pass

    sel = SelectionReview(ReviewPolicy(frontier_levels=0))
    sel.data_ = d
    import pmo_analytics.review.selection as mod

    orig = mod.selection_data
    mod.selection_data = lambda *a, **k: d
    try:
        sel.fit(_Pf())
    finally:
        mod.selection_data = orig
    assert not sel.feasible and sel.numbers_ == {"status": "infeasible"}
    assert sel.infeasible_.conflicts and sel.shortfall_["shortfall"].iloc[0] == pytest.approx(10.0)
    with pytest.raises(Exception, match="no feasible portfolio"):
        sel.funded_
    assert "infeasible" in repr(sel)


def test_capacity_bottlenecks_rank_the_tightest_skill_first():
    cap = pd.DataFrame({"skill": ["A", "A", "B", "B", "C"], "bottleneck": [True, True, True, False, False],
                        "hired": [0.0, 1.5, 0.0, 0.0, 0.0]})
    b = capacity_bottlenecks(cap)
    assert b.index.tolist() == ["A", "B"]
    assert b.loc["A", "periods_at_capacity"] == 2 and b.loc["A", "hired"] == 1.5


def test_frontier_step_reads_the_level_nearest_today_and_the_next():
    f = pd.DataFrame({"budget_factor": [0.2, 0.9, 1.05, 1.2], "value": [np.nan, 10.0, 12.0, 15.0],
                      "entering": ["", "", "", "P9"]})
    s = frontier_step(f)
    assert s["first_feasible"] == 0.9 and s["at"]["budget_factor"] == 1.05 and s["next"]["entering"] == "P9"
    assert s["value_gain"] == 3.0
    assert frontier_step(f.assign(value=np.nan))["at"] is None


def test_uncertainty_charts_encode_their_frames():
    from pmo_analytics.charts.selection import spend_band_chart, uncertainty_frontier_chart

    spend = pd.DataFrame({"budget": [10.0, 10.0], "p50": [8.0, 9.0], "p80": [9.0, 11.0], "p95": [10.0, 13.0],
                          "p_overrun": [0.05, 0.3]}, index=pd.Index([1, 2], name="period"))
    spec = spend_band_chart(spend).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "line", "line"]
    assert spec["layer"][0]["encoding"]["y2"]["field"] == "p95_spend"
    fr = pd.DataFrame({"alpha": [0.05, 0.05, 0.1], "method": ["SAA", "deterministic", "SAA"],
                       "value": [1.0, 2.0, np.nan], "p_overrun": [0.06, 0.3, np.nan]})
    spec = uncertainty_frontier_chart(fr).to_dict()
    assert spec["encoding"]["x"]["field"] == "alpha" and len(spec["datasets"][spec["data"]["name"]]) == 2


def _skill_data(mandatory, value, fte, capacity, hire_cost=10.0):
    """One skill, one period; project i needs fte[i] FTE; budget ample."""
    n = len(value)
    return SelectionData(ids=np.array([f"P{i}" for i in range(n)]), value=np.array(value, float),
                         cost=np.full((n, 1), 1.0), demand=np.array(fte, float).reshape(n, 1, 1),
                         earliest=np.ones(n, int), latest=np.ones(n, int), duration=np.ones(n, int),
                         budget=np.array([1e6]), capacity=np.array([[capacity]], float),
                         hire_cost=np.array([[hire_cost]]), skills=("DEV",), mandatory=np.array(mandatory),
                         bucket=np.array(["Run"] * n), business_unit=np.array(["U"] * n))


@pytest.mark.parametrize("mandatory, value, fte, solves, conflicts", [
    ([True, False], [5.0, 1.0], [3.0, 1.0], 1, True),     # the mandatory project alone needs a hire
    ([False, False], [500.0, 1.0], [3.0, 1.0], 1, False),  # the best portfolio hires; P1 alone needs nobody
    ([False, False], [5.0, 1.0], [1.0, 1.0], 0, False),    # the recommendation hires nobody: nothing to solve
])
def test_conflicts_without_hiring_is_a_feasibility_check(monkeypatch, mandatory, value, fte, solves, conflicts):
    import pmo_analytics.review.selection as mod

    d = _skill_data(mandatory, value, fte, capacity=2.0)
    monkeypatch.setattr(mod, "selection_data", lambda *a, **k: d)
    calls = []
    real = mod.solve_model

    def counted(model, **kw):
        calls.append(model)
        assert not model.obj.any() and len(model.hs) == 0  # no objective, no hire columns
        return real(model, **kw)

    monkeypatch.setattr(mod, "solve_model", counted)
    sel = SelectionReview(ReviewPolicy(frontier_levels=0, budget_cut=0.0)).fit(object())
    assert sel.feasible and len(calls) == solves
    if conflicts:
        assert sel.conflicts_without_hiring_ and any("DEV" in c for c in sel.conflicts_without_hiring_)
        assert sel.selector_.hire_.sum() >= 1.0  # the recommendation hires the missing FTE
    else:
        assert sel.conflicts_without_hiring_ == []


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_the_forced_in_scenario_quotes_the_explanation_solved_for_it(monkeypatch):
    from pmo_analytics.review import PortfolioReview
    from pmo_analytics.selection import PortfolioSelector
    from pmo_analytics.tables import read_portfolio, sample_path

    review = PortfolioReview(ReviewPolicy(frontier_levels=0, uncertainty=False)).fit(read_portfolio(sample_path()),
                                                                                      lazy=True)
    sel = review.selection_
    ex = sel.explanations_
    real = PortfolioSelector.variant

    def variant(self, **changes):
        assert "force_in" not in changes, "the forced-in scenario was solved again"
        return real(self, **changes)

    monkeypatch.setattr(PortfolioSelector, "variant", variant)
    sc = sel.scenarios_
    name = next(k for k in sc.index if k.endswith(" forced in"))
    pid = name.split(" ")[0]
    assert sc.loc[name, "value"] == ex.loc[pid, "value_if_flipped"]
    assert sc.loc[name, "value_change"] == ex.loc[pid, "value_change"]
