"""The risk stage of a review (pmo_analytics.review.risk): per-project seeds and the decision table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.review import project_seed, risk_table
from pmo_analytics.risk import ScheduleRiskModel
from pmo_analytics.schedule import build_network


def test_project_seeds_are_stable_distinct_and_independent_of_other_projects():
    a, b = project_seed(1, "A-101"), project_seed(1, "A-102")
    assert a == project_seed(1, "A-101") and a != b and a != project_seed(2, "A-101")
    assert 0 <= a < 2**64


def test_project_ids_with_the_same_crc32_get_different_seeds():
    """'plumless' and 'buckeroo' have the same CRC-32 (1306201125): seeded by crc32(id), two such projects drew
    identical random numbers. The seed now comes from the ids' SHA-256 keys (pmo_analytics.streams)."""
    import zlib

    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")
    assert project_seed(20261125, "plumless") != project_seed(20261125, "buckeroo")


def _fixed_network(**dates):
    acts = pd.DataFrame({"project_id": "X", "activity_id": ["S", "B", "F"], "name": ["Start", "Build", "Finish"],
                         "phase": "p", "min_duration": [0.0, 10.0, 0.0], "most_likely": [0.0, 10.0, 0.0],
                         "max_duration": [0.0, 10.0, 0.0], "distribution": "fixed", "predecessors": ["", "S", "B"],
                         "fixed_cost": [0.0, 500.0, 0.0], "cost_rate": [0.0, 20.0, 0.0],
                         "correlation_group": [None, None, None]})
    return build_network(acts, "X", **dates)


def test_without_uncertainty_every_percentile_is_the_plan():
    # closed form: fixed durations, no risks -> P50 = P80 = deterministic; contingency 0; JCL 1
    model = ScheduleRiskModel(_fixed_network(start_date="2026-01-05"), None, seed=3, iterations=200,
                              deadline=12.0)
    res = model.run()
    projects = pd.DataFrame({"project_id": ["X"], "name": ["Plant"], "committed_finish": [pd.Timestamp("2026-01-21")],
                             "estimated_cost": [800.0]})
    t = risk_table({"X": res}, projects, confidence=80)
    r = t.loc["X"]
    assert r["schedule_contingency"] == 0 and r["cost_contingency"] == 0
    assert r["planned_cost"] == r["p80_cost"] == pytest.approx(500 + 20 * 10)
    assert r["p_on_committed"] == 1.0 and r["joint_p80"] == 1.0
    assert r["p80_finish"] == r["planned_finish"] == pd.Timestamp("2026-01-16")  # 10 working days from Mon 5 Jan
    free = ScheduleRiskModel(_fixed_network(start_date="2026-01-05"), None, seed=3, iterations=200).run()
    assert np.isnan(risk_table({"X": free}, projects.assign(committed_finish=pd.NaT), 80).loc["X", "p_on_committed"])


def test_charts_go_to_the_most_exposed_projects_when_there_are_many():
    from pmo_analytics.records.narrative import chart_scope_sentences
    from pmo_analytics.review import ReviewPolicy, RiskReview

    def review(n):
        rv = RiskReview(ReviewPolicy(detail_charts=n))
        rv.projects_ = ["A", "B", "C", "D"]
        rv.exposure_ = pd.DataFrame({"project_id": ["A", "B", "C", "D"], "p80_days_late": [5.0, np.nan, 20.0, 5.0],
                                     "schedule_contingency": [1.0, 50.0, 0.0, 3.0],
                                     "cost_contingency": [9.0, 0.0, 0.0, 0.0]})
        return rv

    # latest against the commitment first; a tie goes to the larger schedule contingency; no commitment last
    assert review(2).chart_projects_ == ["C", "D"]
    assert review(3).chart_projects_ == ["C", "D", "A"]
    assert review(4).chart_projects_ == ["A", "B", "C", "D"]  # all of them: in the tables' order
    assert chart_scope_sentences(["A", "B", "C", "D"], ["A", "B", "C", "D"], "P80") == []
    assert chart_scope_sentences(["C", "D"], ["A", "B", "C", "D"], "P80") == [
        "Charts for the 2 most exposed of the 4 projects simulated (latest against their commitment at P80, then the "
        "largest schedule and cost contingency): C, D. Every project's figures are in the tables."]


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_recovery_of_the_late_sample_projects():
    """The review's recovery: every project late at P80 gets its cheapest plan, chosen on the review's own
    scenarios (its confidence before is the page's probability of meeting the commitment) and validated."""
    import pmo_analytics as pmo
    from pmo_analytics.review import ReviewPolicy, RiskReview

    pf = pmo.read_portfolio()
    rk = RiskReview(ReviewPolicy(seed=20261125, iterations=1000)).fit(pf)
    late = rk.table_.index[rk.table_["p_on_committed"] < 0.8]
    rec = rk.recovery_
    assert list(rec.index) == list(late) and len(rec)
    for pid, r in rk.recoveries_.items():
        assert r.in_sample_before_ == pytest.approx(rk.table_.at[pid, "p_on_committed"], abs=2e-3)
        assert r.scenarios == 1000 and r.validation == rk.recovery_validation
        if r.feasible_:
            assert rec.at[pid, "status"] == "recovered" and rec.at[pid, "after_lo"] >= 0.8
            assert rec.at[pid, "recovery_cost"] == pytest.approx(r.plan_["crash_cost"].sum())
    assert "A-101" in rk.recoveries_


def test_names_say_the_confidence_level_they_were_computed_at():
    """At P90 the risk table and the exposure publish P90 values under p90 names (not p80 ones), checked against
    numpy's percentiles of the simulated iterations; the escalation rules' P80 lateness stays P80."""
    from pmo_analytics.risk import exposure

    model = ScheduleRiskModel(_fixed_network(start_date="2026-01-05"), None, seed=3, iterations=400,
                              deadline=12.0)
    res = model.run()
    projects = pd.DataFrame({"project_id": ["X"], "name": ["Plant"], "committed_finish": [pd.Timestamp("2026-01-21")],
                             "estimated_cost": [800.0]})
    t = risk_table({"X": res}, projects, confidence=90)
    assert {"p90_finish", "p90_cost", "joint_p90"} <= set(t.columns) and not any("p80" in c for c in t.columns)
    assert t.attrs["confidence"] == 90
    assert t.loc["X", "p90_cost"] == pytest.approx(np.quantile(res.cost_, 0.9))
    ex = exposure({"X": res}, projects, percentile=90, also=(80,))
    assert {"p90_finish", "p90_cost", "p90_days_late", "p80_days_late"} <= set(ex.columns)
    assert "p80_finish" not in ex.columns and "p80_cost" not in ex.columns and ex.attrs["confidence"] == 90
    committed = res.to_days(pd.Timestamp("2026-01-21"))
    assert ex.loc[0, "p90_days_late"] == pytest.approx(np.quantile(res.finish_, 0.9) - committed)
    assert ex.loc[0, "p80_days_late"] == pytest.approx(np.quantile(res.finish_, 0.8) - committed)
