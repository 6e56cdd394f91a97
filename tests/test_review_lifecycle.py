"""The review room: the life-cycle chained once per data and policy (pmo_analytics.review.lifecycle)."""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

import pmo_analytics as pmo
from pmo_analytics.exceptions import DataWarning
from pmo_analytics.review import PortfolioReview, ReviewPolicy, clear_cache, load_review, review_as_of
from pmo_analytics.selection.solve import status_words
from pmo_analytics.workshop import WorkshopPanel

from .conftest import DATA, MINIMAL

REQUIRED_ONLY = DATA / "required_only"


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        yield


@pytest.mark.slow
def test_estimator_protocol():
    r = PortfolioReview(seed=3, iterations=300)
    assert "not fitted" in repr(r) and r.policy.seed == 3
    with pytest.raises(ValueError, match="not fitted"):
        r.summary
    with pytest.raises(ValueError, match="either a policy or policy settings"):
        PortfolioReview(ReviewPolicy(), seed=1)
    pf = pmo.read_portfolio(REQUIRED_ONLY)
    assert r.fit(pf, lazy=True) is r
    assert "computed: nothing yet" in repr(r)
    r.selection_
    assert "computed: screening, selection)" in repr(r)
    assert list(r.summary.columns) == ["measure", "value", "unit"]


@pytest.mark.slow
def test_a_portfolio_with_only_the_required_tables_is_reviewed_and_says_what_it_could_not_assess():
    r = PortfolioReview(seed=1).fit(pmo.read_portfolio(REQUIRED_ONLY))
    assert r.selection_.feasible and r.selection_.numbers_["status"] == "optimal"
    assert r.as_of_ is None  # no date anywhere in the data: never the clock
    a = r.assessment_.set_index(["stage", "subject"])
    assert not a.loc[("risk", "K1"), "assessed"] and a.loc[("risk", "K1"), "reason"] == "no schedule (no activities)"
    assert a.loc[("delivery", "status reports"), "reason"] == "no status table: earned value is not assessed"
    assert r.not_assessed("benefits") == ["benefits register: no benefits table.", "support cost: no support table.",
                                          "lessons learned: no history table."]
    assert not r.risk_.assessed and not r.delivery_.assessed and not r.benefits_.assessed
    assert set(r.governance_.escalations_["project_id"]) <= {"K1", "N1", "N2", "N3"}


@pytest.mark.slow
def test_a_budget_too_small_for_the_commitments_is_a_finding_not_a_failure():
    r = PortfolioReview(seed=1).fit(pmo.read_portfolio(MINIMAL))
    s = r.selection_
    assert not s.feasible and s.infeasible_.conflicts
    # A1 is active (committed) and spends 500 in each of periods 1 and 2 against a budget of 300
    assert s.shortfall_.set_index("period")["shortfall"].tolist() == [200.0, 200.0, 0.0, 0.0]
    assert r.assessment_.query("stage == 'selection'")["assessed"].tolist() == [False]
    assert r.risk_.assessed and r.delivery_.assessed  # the other stages still run


def test_data_date_comes_from_the_policy_the_status_or_the_data():
    pf = pmo.read_portfolio(MINIMAL)
    assert review_as_of(pf, ReviewPolicy()) == pd.Timestamp("2026-01-31")  # latest status period with EV
    assert review_as_of(pf, ReviewPolicy(as_of="2026-02-15")) == pd.Timestamp("2026-02-15")


def test_load_review_caches_by_data_fingerprint_and_policy(tmp_path):
    clear_cache()
    data = shutil.copytree(REQUIRED_ONLY, tmp_path / "d")
    a = load_review(data, seed=1)
    assert load_review(data, seed=1) is a
    assert load_review(data, seed=2) is not a
    (data / "budget.csv").write_text("period,budget\n1,500\n2,700\n3,700\n4,401\n")
    b = load_review(data, seed=1)
    assert b is not a and b.fingerprint_ != a.fingerprint_  # edited data are always read again
    assert b.identity == {"fingerprint": b.fingerprint_, "policy": b.policy.digest, "source": str(data)}
    clear_cache()


@pytest.mark.slow
def test_every_stage_of_the_sample_quotes_one_portfolio_and_one_simulation():
    clear_cache()
    r = load_review(None, iterations=500)
    sel = r.selection_
    assert sel.costs_ is not None  # reference-class costs by default
    panel = WorkshopPanel.from_review(r)
    assert panel.result_.numbers == sel.numbers_  # the workshop starts from the record's portfolio
    again = panel.apply(frontier_levels=0)
    assert again.numbers == sel.numbers_  # and re-solving the base case gives the same portfolio
    ex = r.risk_.exposure_.set_index("project_id")
    t = r.risk_.table_
    assert (ex["cost_contingency"] - t["cost_contingency"]).abs().max() < 1e-9
    gov = r.governance_
    late = gov.signals_[gov.signals_["signal"] == "p80_days_late"].set_index("project_id")["signal_value"]
    assert late.to_dict() == pytest.approx(ex["p80_days_late"].dropna().to_dict())
    # the scenario table quotes the budget cut the summary quotes (one solve, not two)
    cut = sel.scenarios_.loc[f"budget -{r.policy.budget_cut:.0%}"]
    assert cut["value"] == sel.budget_cut_.numbers["value"] and cut["status"] == sel.budget_cut_.numbers["status"]
    assert cut["funded"] == len(sel.budget_cut_.numbers["funded"])
    # each frontier level stops within the policy's frontier_gap and says so
    fr = sel.frontier_.dropna(subset=["value"])
    assert (fr["gap"] <= r.policy.frontier_gap + 1e-12).all()
    assert (fr["status"] == fr["gap"].map(status_words)).all()
    # a second review of the same data and policy computes the same numbers
    other = PortfolioReview(r.policy).fit(r.portfolio_, lazy=True)
    assert other.selection_.numbers_ == sel.numbers_
    pd.testing.assert_frame_equal(other.risk_.table_, t)
    clear_cache()


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_the_selection_under_uncertainty_stops_on_the_policys_node_limit_in_a_record():
    clear_cache()
    r = load_review(None, iterations=200, scenarios=40, alpha_frontier=[], saa_node_limit=7)
    u = r.uncertainty_
    assert u.selector_.deterministic and u.selector_.node_limit == 7  # a record: nodes, not the clock
    timed = load_review(None, iterations=200, scenarios=40, alpha_frontier=[], time_limit=30.0).uncertainty_
    assert not timed.selector_.deterministic and timed.selector_.node_limit is None
    clear_cache()
