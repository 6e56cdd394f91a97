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
