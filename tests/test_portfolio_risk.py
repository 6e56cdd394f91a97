"""Portfolio Monte Carlo (pmo_analytics.risk.portfolio): closed forms, coupling, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from pmo_analytics import DataValidationError, PMOError, read_portfolio
from pmo_analytics.exceptions import DataWarning
from pmo_analytics.risk import ScheduleRiskModel
from pmo_analytics.risk.portfolio import (PortfolioRiskModel, accrue, reference_class_distributions,
                                          sample_schedule_block, stable_key)

from .portfolio_builder import act, sample_under_way, sample_without_schedule, write_portfolio


# ------------------------------------------------------------------ closed forms
@pytest.fixture(scope="module")
def two_independent(tmp_path_factory):
    """X1: cost 1000 x Tri(10, 20, 40) days; X2: cost 2000 x U(5, 15) days + a 30 % risk of Tri(5k, 10k, 20k)."""
    pf = write_portfolio(
        tmp_path_factory.mktemp("two"),
        projects=[dict(project_id="X1", category="IT"), dict(project_id="X2", category="Process")],
        activities=[act("X1", "A", 10, 20, 40, rate=1000.0), act("X2", "B", 5, 10, 15, "uniform", rate=2000.0)],
        risks=[dict(risk_id="R1", project_id="X2", probability=0.3, cost_min=5000.0, cost_most_likely=10000.0,
                    cost_max=20000.0, affected_activities="B")])
    return pf


def _tri_pdf(x, a, c, b):
    if x <= a or x >= b:
        return 0.0
    return 2 * (x - a) / ((b - a) * (c - a)) if x <= c else 2 * (b - x) / ((b - a) * (b - c))


def _unif_cdf(x, a=10000.0, b=30000.0):
    return min(max((x - a) / (b - a), 0.0), 1.0)


def _total_cost_cdf(s: float) -> float:
    """P(C1 + C2 + I R <= s) by numerical integration of the convolution (nested adaptive quadrature).

    C1 ~ Tri(10k, 20k, 40k), C2 ~ U(10k, 30k), I ~ Bernoulli(0.3), R ~ Tri(5k, 10k, 20k), independent:
    F(s) = int f_C1(a) [0.7 F_C2(s - a) + 0.3 int f_R(r) F_C2(s - a - r) dr] da.
    """
    def g(x):  # P(C2 + I R <= x)
        with_r = integrate.quad(lambda r: _tri_pdf(r, 5000, 10000, 20000) * _unif_cdf(x - r), 5000, 20000,
                                points=[10000, x - 30000, x - 10000], limit=100)[0]
        return 0.7 * _unif_cdf(x) + 0.3 * with_r

    return integrate.quad(lambda a: _tri_pdf(a, 10000, 20000, 40000) * g(s - a), 10000, 40000,
                          points=[20000], limit=100, epsabs=1e-9)[0]


@pytest.mark.slow
@pytest.mark.parametrize("q", [50, 80, 95])
def test_two_independent_projects_total_cost_matches_the_convolution(two_independent, q):
    exact = optimize.brentq(lambda s: _total_cost_cdf(s) - q / 100, 20000, 90000, xtol=1e-3)
    m = PortfolioRiskModel(seed=7, iterations=100_000, class_correlation=0.0, threads=1).run(two_independent)
    total = m.cost_samples_.sum(axis=1).to_numpy()
    assert np.percentile(total, q) == pytest.approx(exact, rel=3e-3)
    # each project's marginal is the closed form as well
    assert np.percentile(m.cost_samples_["X1"], q) == pytest.approx(
        stats.triang(c=1 / 3, loc=10000, scale=30000).ppf(q / 100), rel=3e-3)


def test_accrue_splits_intervals_across_periods_exactly():
    acc = np.zeros((4, 2))  # 3 periods of 10 days + after the horizon, 2 iterations
    lo = np.array([[2.0, 5.0], [8.0, 25.0], [7.0, 7.0]])
    hi = np.array([[6.0, 5.0], [22.0, 45.0], [7.0, 7.0]])
    amt = np.array([[40.0, 9.0], [140.0, 200.0], [3.0, 3.0]])
    accrue(acc, lo, hi, amt, 10.0)
    # iteration 0: 40 in p1; 140 over 8..22 (10/day): 20 in p1, 100 in p2, 20 in p3; 3 at day 7 in p1
    assert acc[:, 0].tolist() == pytest.approx([63.0, 100.0, 20.0, 0.0])
    # iteration 1: 9 at day 5 in p1; 200 over 25..45 (10/day): 50 in p3, 150 after; 3 in p1
    assert acc[:, 1].tolist() == pytest.approx([12.0, 0.0, 50.0, 150.0])
    with pytest.raises(ValueError, match="C-contiguous"):
        accrue(np.zeros((4, 4))[:, ::2], lo, hi, amt, 10.0)


@pytest.mark.parametrize("P", [20.8, 250 / 12, 365.25 / 12, 41.7, 65.2, 21.0, 63.0])
def test_accrue_puts_an_amount_at_a_period_start_in_that_period(P):
    """A project starting in period k + 1 starts on day k * P (as computed in floating point): an amount at that
    instant (a response cost, a costed milestone) belongs to period k + 1, whether or not P is a whole number
    (104.0 // 20.8 is 4.0 in binary floating point)."""
    H = 12
    starts = np.arange(H, dtype=float) * P
    acc = np.zeros((H + 1, H))
    accrue(acc, starts[None, :], starts[None, :], np.ones((1, H)), P)
    assert (acc[:H] == np.eye(H)).all() and not acc[H].any()
    acc = np.zeros((H + 1, H))  # an interval from that start: its first day is spent in the same period
    accrue(acc, starts[None, :], starts[None, :] + P / 2, np.ones((1, H)), P)
    assert (acc[:H] == np.eye(H)).all()


def test_spend_per_period_follows_the_schedule(tmp_path):
    """Fixed durations: A 30 days at 100/day, then B 60 days at 10/day, 63-day periods."""
    pf = write_portfolio(tmp_path, projects=[dict(project_id="D1", duration_periods=2)],
                         activities=[act("D1", "A", 30, 30, 30, "fixed", rate=100.0),
                                     act("D1", "B", 60, 60, 60, "fixed", preds="A", rate=10.0)],
                         budget=[3000.0, 1000.0, 1000.0])
    m = PortfolioRiskModel(seed=1, iterations=10, block_size=5).run(pf)
    s = m.spend_
    assert s["p50_spend"].tolist() == pytest.approx([3330.0, 270.0, 0.0])
    assert s["plan_spend"].tolist() == pytest.approx([3330.0, 270.0, 0.0])
    assert s["p_overrun"].tolist() == [1.0, 0.0, 0.0]
    assert m.overrun_probability() == 1.0
    assert m.overrun_probability([4000.0, 300.0, 0.0]) == 0.0
    fin = m.milestones_.set_index("project_id").loc["D1"]
    assert fin["p50_days"] == pytest.approx(90.0) and fin["p50_period"] == 2
    assert m.projects_.loc["D1", "p_late"] == 0.0  # 90 days fit in the 2 planned periods of 63


def test_profile_project_spends_its_profile_from_its_start(tmp_path):
    """No schedule and no history: the profile, at the selected start period, deterministically."""
    pf = write_portfolio(tmp_path, projects=[dict(project_id="Q1", stage="proposal", mandatory=False,
                                                  earliest_start=1, latest_start=4, estimated_cost=300.0)],
                         costs=[dict(project_id="Q1", period_offset=0, cost=100.0),
                                dict(project_id="Q1", period_offset=1, cost=200.0)])
    with pytest.warns(DataWarning, match="no history"):
        m = PortfolioRiskModel(seed=1, iterations=4, block_size=2, stages=()).run(pf, selection={"Q1": 3})
    assert m.spend_["mean_spend"].tolist() == pytest.approx([0, 0, 100.0, 200.0, 0, 0])
    assert m.projects_.loc["Q1", "start_period"] == 3


# ------------------------------------------------------------------ coupling between projects
@pytest.mark.slow
def test_a_late_predecessor_pushes_its_successor(tmp_path):
    pf = write_portfolio(
        tmp_path,
        projects=[dict(project_id="P1"), dict(project_id="P2", earliest_start=2, latest_start=2)],
        activities=[act("P1", "A", 70, 70, 70, "fixed", rate=1.0), act("P2", "B", 10, 10, 10, "fixed", rate=1.0)],
        risks=[dict(risk_id="R1", project_id="P1", probability=0.5, schedule_min=20, schedule_most_likely=20,
                    schedule_max=20, affected_activities="A")],
        dependencies=[("P1", "P2", "precedes")])
    m = PortfolioRiskModel(seed=3, iterations=2000).run(pf)
    f1, f2 = m.finish_samples_["P1"], m.finish_samples_["P2"]
    assert set(np.round(f1.unique(), 9)) == {70.0, 90.0}
    # P2 was planned at day 63 (start of period 2) but starts when P1 finishes
    assert np.allclose(f2, f1 + 10)
    assert m.summary.loc["cross-project links", "value"] == 1
    # without the link it keeps its planned start
    pf2 = write_portfolio(tmp_path / "nolink", projects=[dict(project_id="P1"),
                                                        dict(project_id="P2", earliest_start=2, latest_start=2)],
                          activities=[act("P1", "A", 70, 70, 70, "fixed"), act("P2", "B", 10, 10, 10, "fixed")])
    m2 = PortfolioRiskModel(seed=3, iterations=10, block_size=5).run(pf2)
    assert np.allclose(m2.finish_samples_["P2"], 73.0)


# ------------------------------------------------------------------ projects under way
def _in_progress(tmp_path, **project):
    """G started Mon 2025-01-06; data date Mon 2025-02-03 (20 working days later), periods of 21 days.

    C 5 d (rate 2) complete 01-06..01-10; A 30 d (fixed 600, rate 10) started 01-06, 50 % complete (15 d left);
    B 10 d (rate 100) after A. Risk RC hits C only: probability 1, +5 days, cost 100.
    """
    c = act("G", "C", 5, 5, 5, "fixed", rate=2.0)
    c.update(actual_start="2025-01-06", actual_finish="2025-01-10")
    a = act("G", "A", 30, 30, 30, "fixed", fixed=600.0, rate=10.0)
    a.update(actual_start="2025-01-06", percent_complete=50.0)
    return write_portfolio(
        tmp_path, projects=[dict(project_id="G", data_date="2025-02-03", start_date="2025-01-06", **project)],
        activities=[c, a, act("G", "B", 10, 10, 10, "fixed", preds="A", rate=100.0)],
        risks=[dict(risk_id="RC", project_id="G", probability=1.0, schedule_min=5, schedule_most_likely=5,
                    schedule_max=5, cost_min=100.0, cost_most_likely=100.0, cost_max=100.0, affected_activities="C")],
        periods=3)


def test_a_project_in_progress_simulates_its_remaining_work_from_the_data_date(tmp_path):
    """Worked by hand (see _in_progress): the data date is the start of G's start period; remaining work A
    [0, 15] spends 150 + 300 (half the fixed cost), B [15, 25] spends 1000 at 100/day, 600 of it in period 1
    (days 15..21); RC's cost (its activity is complete, so no delay) is paid at the data date. Work done (C 10,
    A 150 + 300) is in G's cost, in no period's spend."""
    pf = _in_progress(tmp_path)
    with pytest.warns(DataWarning, match="RC affect only complete activities"):
        m = PortfolioRiskModel(seed=1, iterations=10, block_size=5, period_days=21.0).run(pf)
    assert m.spend_["mean_spend"].tolist() == pytest.approx([450.0 + 600.0 + 100.0, 400.0, 0.0])
    assert m.spend_["plan_spend"].tolist() == pytest.approx([1050.0, 400.0, 0.0])  # the deterministic model: no risk
    assert m.cost_samples_["G"].tolist() == pytest.approx([10.0 + 900.0 + 1000.0 + 100.0] * 10)
    assert m.finish_samples_["G"].tolist() == pytest.approx([25.0] * 10)
    g = m.projects_.loc["G"]
    assert g["plan_cost"] == pytest.approx(1910.0) and g["plan_finish_periods"] == pytest.approx(25 / 21)
    # planned for 2 periods (42 days) from its start, 20 of them before the data date: 25 more days is late
    assert g["p_late"] == 1.0
    assert m.summary.loc["projects under way (from their data date)", "value"] == 1
    uw = m.under_way_.loc["G"]
    assert (uw["data_date"], uw["complete"], uw["in_progress"]) == (pd.Timestamp("2025-02-03"), 1, 1)
    assert uw["cost_to_date"] == pytest.approx(460.0)
    # the schedule engine simulates the same remaining work: 20 working days to the data date + 25, same cost
    with pytest.warns(DataWarning, match="RC affect only complete activities"):
        e = ScheduleRiskModel.from_portfolio(pf, "G", seed=1, iterations=20, criticality=False).run()
    assert np.allclose(e.finish_, 45.0) and np.allclose(e.cost_, 2010.0)


def test_a_remaining_duration_revised_before_the_start_is_no_work_done_in_the_portfolio(tmp_path):
    """As in the schedule engine: D (not started, 10 planned days at 100/day, re-estimated at 6) spends 600, all
    of it after the data date, and G's cost counts no work done on it."""
    d = act("G", "D", 10, 10, 10, "fixed", preds="A", rate=100.0)
    d.update(remaining_duration=6.0)
    pf = _in_progress(tmp_path)
    acts = pd.concat([pf.activities, pd.DataFrame([{**pf.activities.iloc[-1].to_dict(), **d}])], ignore_index=True)
    pf2 = write_portfolio(tmp_path / "revised", projects=[dict(project_id="G", data_date="2025-02-03",
                                                                start_date="2025-01-06")],
                          activities=acts.to_dict("records"), periods=3)
    m = PortfolioRiskModel(seed=1, iterations=10, block_size=5, period_days=21.0).run(pf2)
    e = ScheduleRiskModel.from_portfolio(pf2, "G", seed=1, iterations=20, criticality=False).run()
    assert m.under_way_.loc["G", "cost_to_date"] == pytest.approx(460.0)
    assert m.cost_samples_["G"].tolist() == pytest.approx([460.0 + 450.0 + 1000.0 + 600.0] * 10)
    assert np.allclose(e.cost_, 2510.0)


def test_a_progressed_project_reports_a_complete_milestone_at_its_actual_finish(tmp_path):
    pf = _in_progress(tmp_path)
    with pytest.warns(DataWarning):
        m = PortfolioRiskModel(seed=1, iterations=10, block_size=5, period_days=21.0, milestones=["G/C", "G/B"]
                               ).run(pf)
    ms = m.milestones_.set_index("milestone")
    # C finished at the end of its 5th working day, 15 working days before the data date
    assert ms.loc["C", "p50_days"] == pytest.approx(-15.0) and ms.loc["C", "p50_period"] == 1
    assert ms.loc["B", "p95_days"] == pytest.approx(25.0) and ms.loc["B", "p95_period"] == 2


def test_a_late_predecessor_delays_the_remaining_work_of_a_project_under_way(tmp_path):
    """F (30 fixed days from period 1) precedes G: G's remaining work waits for it, as a whole."""
    c = act("G", "C", 5, 5, 5, "fixed", rate=2.0)
    c.update(actual_start="2025-01-06", actual_finish="2025-01-10")
    pf = write_portfolio(
        tmp_path, projects=[dict(project_id="F"), dict(project_id="G", data_date="2025-02-03",
                                                        start_date="2025-01-06")],
        activities=[act("F", "X", 30, 30, 30, "fixed"), c, act("G", "B", 10, 10, 10, "fixed", rate=100.0)],
        dependencies=[("F", "G", "precedes")], periods=3)
    m = PortfolioRiskModel(seed=1, iterations=10, block_size=5, period_days=21.0).run(pf)
    assert m.finish_samples_["G"].tolist() == pytest.approx([40.0] * 10)
    assert m.spend_["mean_spend"].tolist() == pytest.approx([0.0, 1000.0, 0.0])  # B over days 30..40: period 2


def test_a_schedule_with_a_data_date_and_no_progress_is_the_undated_schedule(tmp_path):
    """The dated path (calendars, kernel units) and the plain one give the same numbers for a project that has
    not started: the data date at its start, the default calendar."""
    acts = [act("H", "S", 0, 0, 0, "fixed"), act("H", "A", 5, 8, 14, "pert", "S", 100, 50, "g"),
            act("H", "B", 3, 6, 12, "triangular", "S", 0, 80, "g"),
            act("H", "C", 4, 5, 9, "trigen", "A; B:FF+2", 0, 60)]
    risks = [dict(risk_id="L1", project_id="H", probability=0.5, impact_type="percent", schedule_min=10,
                  schedule_most_likely=20, schedule_max=40, cost_min=10, cost_most_likely=20, cost_max=50,
                  affected_activities="A; C")]
    plain = write_portfolio(tmp_path / "plain", projects=[dict(project_id="H", start_date="2025-01-06")],
                            activities=acts, risks=risks)
    dated = write_portfolio(tmp_path / "dated", projects=[dict(project_id="H", start_date="2025-01-06",
                                                               data_date="2025-01-06")], activities=acts, risks=risks)
    kw = dict(seed=5, iterations=400, block_size=100, activity_correlation=0.5, milestones=["H/B"], period_days=10.0)
    a, b = PortfolioRiskModel(**kw).run(plain), PortfolioRiskModel(**kw).run(dated)
    assert not a.compiled_.projects[0].dated and b.compiled_.projects[0].dated
    assert a.under_way_.empty and b.under_way_.empty  # a data date at the start: nothing under way
    np.testing.assert_allclose(b.finish_samples_, a.finish_samples_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(b.spend_samples_, a.spend_samples_, rtol=1e-12, atol=1e-8)
    pd.testing.assert_frame_equal(b.cost_samples_, a.cost_samples_)
    np.testing.assert_allclose(b.milestones_[["p50_days", "p95_days"]], a.milestones_[["p50_days", "p95_days"]], atol=1e-8)


@pytest.mark.slow
def test_progressed_sample_project_agrees_with_the_schedule_engine(tmp_path):
    """The sample's A-101 with 2 activities complete and one under way: the portfolio engine and
    ScheduleRiskModel simulate the same remaining work (same distributions; different random streams)."""
    pf = read_portfolio(sample_under_way(tmp_path / "d"))
    m = PortfolioRiskModel(seed=1, iterations=6000, class_correlation=0.0).run(pf)
    e = ScheduleRiskModel.from_portfolio(pf, "A-101", seed=1, iterations=6000, criticality=False).run()
    pr = m.compiled_.projects[m.project_ids_.index("A-101")]
    assert pr.dated and pr.floor_days == 40.0 and pr.sunk == pytest.approx(137300.0)
    for q in (10, 50, 80, 95):
        assert np.percentile(m.cost_samples_["A-101"], q) == pytest.approx(np.percentile(e.cost_, q), rel=0.01)
        assert np.percentile(m.finish_samples_["A-101"], q) + 40.0 == pytest.approx(np.percentile(e.finish_, q),
                                                                                    rel=0.01)
    # the other projects are untouched by A-101's progress (common random numbers)
    base = PortfolioRiskModel(seed=1, iterations=6000, class_correlation=0.0).run(read_portfolio())
    pd.testing.assert_series_equal(base.cost_samples_["A-102"], m.cost_samples_["A-102"])
    # the work done is in no period: the horizon's spend falls by about the cost to date
    assert base.spend_["plan_spend"].sum() - m.spend_["plan_spend"].sum() == pytest.approx(
        pr.sunk + (base.projects_.loc["A-101", "plan_cost"] - pr.plan_cost), rel=1e-9)


def test_progress_without_a_start_or_data_date_names_the_project(tmp_path):
    c = act("G", "C", 5, 5, 5, "fixed")
    c.update(actual_start="2025-01-06")
    pf = write_portfolio(tmp_path, projects=[dict(project_id="G")], activities=[c], periods=2)
    with pytest.raises(PMOError, match=r"project G: its activities carry actual_start, which need the project's "
                                       r"start_date"):
        PortfolioRiskModel(seed=1, iterations=10, block_size=5).run(pf)


@pytest.fixture(scope="module")
def shared_pf(tmp_path_factory):
    """One supplier risk hits P1/A and P2/B at once (40 %, +10 days, cost 1000 split over the two activities)."""
    return write_portfolio(
        tmp_path_factory.mktemp("shared"),
        projects=[dict(project_id="P1", category="IT"), dict(project_id="P2", category="Process")],
        activities=[act("P1", "A", 10, 10, 10, "fixed", rate=1.0), act("P1", "A2", 5, 6, 9, preds="A"),
                    act("P2", "B", 20, 20, 20, "fixed", rate=1.0)],
        risks=[dict(risk_id="SUP", project_id="P1", probability=0.4, schedule_min=10, schedule_most_likely=10,
                    schedule_max=10, cost_min=1000, cost_most_likely=1000, cost_max=1000,
                    affected_activities="A; P2/B")])


def test_shared_risk_occurs_once_for_every_project_it_hits(shared_pf):
    m = PortfolioRiskModel(seed=11, iterations=20_000, class_correlation=0.0).run(shared_pf)
    late1 = m.cost_samples_["P1"] > 10 + 1e-9   # P1/A costs 1/day; the risk adds 10 days and 500
    late2 = m.finish_samples_["P2"] > 20 + 1e-9
    assert (late1 == late2).all()              # one occurrence: both or neither (independent would give 0.16)
    assert late2.mean() == pytest.approx(0.4, abs=0.01)
    # the cost impact (1000) is split over the two affected activities: 500 + 10 extra days to each project
    assert np.allclose(m.cost_samples_["P2"][late2], 20 + 10 + 500)
    assert m.cost_samples_.sum(axis=1).mean() == pytest.approx(10 + 20 + 0.4 * (1000 + 20), rel=1e-9)
    assert m.summary.loc["shared risks", "value"] == 1


def test_a_shared_risk_naming_an_activity_twice_splits_its_cost_by_distinct_activities(tmp_path):
    """"A; P2/B; P1/A" in P1's register names two activities (A twice): 1,200 splits 600 / 600, not 800 / 400."""
    pf = write_portfolio(tmp_path, projects=[dict(project_id="P1"), dict(project_id="P2")],
                         activities=[act("P1", "A", 10, 10, 10, "fixed", rate=1.0),
                                     act("P2", "B", 10, 10, 10, "fixed", rate=1.0)],
                         risks=[dict(risk_id="R", project_id="P1", probability=1.0, cost_min=1200,
                                     cost_most_likely=1200, cost_max=1200, affected_activities="A; P2/B; P1/A")])
    m = PortfolioRiskModel(seed=1, iterations=10, block_size=5, class_correlation=0.0).run(pf)
    assert m.cost_samples_["P1"].to_numpy() == pytest.approx(np.full(10, 10 + 600.0))
    assert m.cost_samples_["P2"].to_numpy() == pytest.approx(np.full(10, 10 + 600.0))


def test_single_project_model_takes_its_share_of_a_shared_risk(shared_pf):
    """The per-project engine sees the shared risk on its own activities, with half its cost."""
    res = ScheduleRiskModel.from_portfolio(shared_pf, "P2", seed=5, iterations=20_000, criticality=False).run()
    assert res.cost_.mean() == pytest.approx(20 + 0.4 * (10 + 500), rel=0.02)
    assert set(np.round(res.finish_, 6)) == {20.0, 30.0}


@pytest.mark.slow
def test_validation_of_qualified_activity_references(tmp_path):
    base = dict(projects=[dict(project_id="P1"), dict(project_id="P2")],
                activities=[act("P1", "A", 1, 2, 3), act("P2", "B", 1, 2, 3)])
    cases = {"P2/Z9": r"unknown activity reference\(s\) \(PROJECT/ACTIVITY\): P2/Z9",
             "P9/B": r"unknown activity reference\(s\) \(PROJECT/ACTIVITY\): P9/B",
             "P2/B/C": "cannot read activity reference 'P2/B/C'",
             "Z1": r"unknown activity id\(s\) of P1: Z1"}
    for k, (ref, msg) in enumerate(cases.items()):
        with pytest.raises(DataValidationError, match=msg):
            write_portfolio(tmp_path / str(k), **base, risks=[dict(risk_id="R", project_id="P1", probability=0.5,
                                                                   affected_activities=f"A; {ref}")])
    ok = write_portfolio(tmp_path / "ok", **base, risks=[dict(risk_id="R", project_id="P1", probability=0.5,
                                                              affected_activities="A; P2/B; P1/A")])
    assert len(ok.risks) == 1


# ------------------------------------------------------------------ reference classes
def _history(n=40, seed=0):
    rng = np.random.default_rng(seed)
    lc = rng.normal(0.2, 0.3, n)
    ld = 0.8 * lc + rng.normal(0.1, 0.1, n)
    return [dict(project_id=f"H{k}", reference_class="IT", estimated_cost=100.0, actual_cost=100 * np.exp(a),
                 estimated_duration=4.0, actual_duration=4 * np.exp(b)) for k, (a, b) in enumerate(zip(lc, ld))]


def test_reference_class_fits_are_the_log_ratio_moments():
    h = pd.DataFrame(_history())
    fit = reference_class_distributions(h)
    lc = np.log(h["actual_cost"] / h["estimated_cost"])
    assert fit.loc["IT", "cost_mu"] == pytest.approx(lc.mean())
    assert fit.loc["IT", "cost_sigma"] == pytest.approx(lc.std(ddof=1))
    assert fit.loc["IT", "rank_correlation"] == pytest.approx(
        stats.spearmanr(lc, np.log(h["actual_duration"] / 4)).statistic)
    small = reference_class_distributions(pd.concat([h, h.head(2).assign(reference_class="Tiny",
                                                                          project_id=["T1", "T2"])]))
    assert bool(small.loc["Tiny", "pooled"]) and small.loc["Tiny", "cost_mu"] == small.loc["*", "cost_mu"]


@pytest.fixture(scope="module")
def same_class(tmp_path_factory):
    """Two projects of one class without schedules: lognormal outturn ratios fitted on the class history."""
    return write_portfolio(tmp_path_factory.mktemp("cls"),
                           projects=[dict(project_id="C1"), dict(project_id="C2", estimated_cost=3000.0)],
                           history=_history())


def test_class_correlation_reorders_iterations_and_keeps_marginals(same_class):
    ind = PortfolioRiskModel(seed=2, iterations=20_000, class_correlation=0.0).run(same_class)
    cor = PortfolioRiskModel(seed=2, iterations=20_000, class_correlation=0.6).run(same_class)
    rho0 = stats.spearmanr(ind.cost_samples_["C1"], ind.cost_samples_["C2"]).statistic
    rho = stats.spearmanr(cor.cost_samples_["C1"], cor.cost_samples_["C2"]).statistic
    assert abs(rho0) < 0.03 and rho == pytest.approx(0.6, abs=0.03)
    for p in ("C1", "C2"):  # Iman-Conover only reorders: each project's distribution is unchanged
        assert np.array_equal(np.sort(ind.cost_samples_[p]), np.sort(cor.cost_samples_[p]))
    # the fitted lognormal: median cost = estimate x exp(mu)
    mu = reference_class_distributions(pd.DataFrame(_history())).loc["IT", "cost_mu"]
    assert np.median(ind.cost_samples_["C1"]) == pytest.approx(1000 * np.exp(mu), rel=0.01)
    # cost and duration move together as in the history (rank correlation of the ratios)
    target = reference_class_distributions(pd.DataFrame(_history())).loc["IT", "rank_correlation"]
    got = stats.spearmanr(ind.cost_samples_["C1"], ind.finish_samples_["C1"]).statistic
    assert got == pytest.approx(target, abs=0.03)


def test_variance_shares_stay_exact_when_spend_is_large_against_its_spread(tmp_path):
    """A fixed project spending about 1e9 beside a small uncertain one (standard deviation about 30): the small one
    drives all the variance. Raw sums of products lost every digit here (BIG -0.033, a total of 0.967)."""
    pf = write_portfolio(tmp_path, projects=[dict(project_id="BIG"), dict(project_id="SMALL")],
                         activities=[act("BIG", "A", 63, 63, 63, "fixed", rate=1.6e7),
                                     act("SMALL", "B", 5, 10, 20, rate=10.0)])
    m = PortfolioRiskModel(seed=2, iterations=3000, block_size=1000, class_correlation=0.0).run(pf)
    d = m.drivers_.dropna().set_index(["project_id", "period"])["variance_share"]
    assert d.loc[("BIG", 1)] == pytest.approx(0.0, abs=1e-9) and d.loc[("SMALL", 1)] == pytest.approx(1.0, abs=1e-9)
    assert m.projects_.loc["BIG", "variance_share"] == pytest.approx(0.0, abs=1e-9)
    assert m.projects_["variance_share"].sum() == pytest.approx(1.0, abs=1e-9)


def test_variance_shares_add_up_and_follow_the_variances(same_class):
    m = PortfolioRiskModel(seed=4, iterations=20_000, class_correlation=0.0).run(same_class)
    assert m.projects_["variance_share"].sum() == pytest.approx(1.0)
    per = m.drivers_.dropna().groupby("period")["variance_share"].sum()
    assert np.allclose(per, 1.0)
    v = m.cost_samples_.var()   # independent projects: shares ~ own variance / total variance
    assert m.projects_.loc["C2", "variance_share"] == pytest.approx(v["C2"] / v.sum(), abs=0.02)
    assert m.summary.loc["largest driver of spend variance", "value"] == "C2"


# ------------------------------------------------------------------ reproducibility and executors
@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Schedules with PERT and correlation groups, a shared risk, a link and class correlation; M5 is under way
    (dated: S done, A in progress, the shared risk on A and C)."""
    acts = []
    for p in ("M1", "M2", "M3", "M5"):
        acts += [act(p, "S", 0, 0, 0, "fixed"), act(p, "A", 5, 8, 14, "pert", "S", 100, 50, "g"),
                 act(p, "B", 3, 6, 12, "triangular", "S", 0, 80, "g"), act(p, "C", 4, 5, 9, "trigen", "A; B:FF+2", 0, 60)]
    acts[-4].update(actual_start="2025-01-06", actual_finish="2025-01-06")
    acts[-3].update(actual_start="2025-01-06", remaining_duration=3.0)
    return write_portfolio(
        tmp_path_factory.mktemp("mixed"),
        projects=[dict(project_id="M1"), dict(project_id="M2"), dict(project_id="M3", category="Process"),
                  dict(project_id="M4", stage="proposal", mandatory=False, earliest_start=1, latest_start=3),
                  dict(project_id="M5", start_date="2025-01-06", data_date="2025-01-09")],
        activities=acts,
        risks=[dict(risk_id="S1", project_id="M1", probability=0.3, impact_type="percent", schedule_min=10,
                    schedule_most_likely=20, schedule_max=40, cost_min=100, cost_most_likely=200, cost_max=500,
                    affected_activities="A; M2/A; M3/C; M5/A; M5/C"),
               dict(risk_id="L1", project_id="M2", probability=0.5, schedule_min=1, schedule_most_likely=2,
                    schedule_max=6, affected_activities="B", mitigation="m", mitigation_cost=50,
                    post_probability=0.1)],
        dependencies=[("M1", "M4", "precedes")], history=_history())


def _run(pf, **kw):
    opts = dict(seed=99, iterations=3000, block_size=500, activity_correlation=0.5, class_correlation=0.4,
                milestones=["M2/C"])
    opts.update(kw)
    client = opts.pop("client", None)
    return PortfolioRiskModel(**opts).run(pf, selection={"M4": 2}, client=client)


def _same(a, b):
    assert np.array_equal(a.spend_samples_, b.spend_samples_)
    pd.testing.assert_frame_equal(a.cost_samples_, b.cost_samples_)
    pd.testing.assert_frame_equal(a.finish_samples_, b.finish_samples_)
    pd.testing.assert_frame_equal(a.projects_, b.projects_)
    pd.testing.assert_frame_equal(a.drivers_, b.drivers_)
    pd.testing.assert_frame_equal(a.milestones_, b.milestones_)


@pytest.mark.slow
def test_same_seed_same_numbers_whatever_the_threads(mixed):
    one = _run(mixed, threads=1)
    _same(one, _run(mixed, threads=3))
    _same(one, _run(mixed, threads=1, cache_mb=0))   # draws recomputed instead of kept: same numbers
    other = _run(mixed, threads=1, seed=100)
    assert not np.array_equal(one.spend_samples_, other.spend_samples_)
    assert "M2/C" in set(one.milestones_["project_id"] + "/" + one.milestones_["milestone"])
    assert one.summary.loc["shared risks", "value"] == 1
    assert one.compiled_.projects[one.project_ids_.index("M5")].dated


@pytest.mark.slow
def test_identical_numbers_on_a_dask_cluster(mixed):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as lc, \
            distributed.Client(lc) as client:
        on_cluster = _run(mixed, client=client)
        assert "Dask" in on_cluster.executor_
    _same(_run(mixed, threads=1), on_cluster)


@pytest.mark.slow
def test_identical_numbers_on_two_process_workers(mixed):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc, \
            distributed.Client(lc) as client:
        on_cluster = _run(mixed, client=client)
    _same(_run(mixed, threads=2), on_cluster)


def test_common_random_numbers_across_runs(mixed):
    """A project's draws depend on its own id, not on what else is simulated or on mitigation elsewhere."""
    full = _run(mixed, class_correlation=0.0)
    alone = PortfolioRiskModel(seed=99, iterations=3000, block_size=500, activity_correlation=0.5,
                               class_correlation=0.0).run(mixed)        # without the proposal M4
    pd.testing.assert_series_equal(full.cost_samples_["M3"], alone.cost_samples_["M3"])
    mit = _run(mixed, class_correlation=0.0, mitigated=True)
    # mitigating L1 (a risk of M2 only) leaves M3 untouched and makes M2 no later in any iteration
    pd.testing.assert_series_equal(full.cost_samples_["M3"], mit.cost_samples_["M3"])
    assert (mit.finish_samples_["M2"] <= full.finish_samples_["M2"] + 1e-9).all()


def test_sampler_can_be_replaced(mixed):
    calls = []

    def sampler(project, b, seed, block_size, sampling, pert_lambda):
        calls.append((project.project_id, b))
        return sample_schedule_block(project, b, seed, block_size, sampling, pert_lambda)

    a = _run(mixed, sampler=sampler, threads=1)
    _same(a, _run(mixed, threads=1))
    assert ("M1", 0) in calls and ("M3", 5) in calls


# ------------------------------------------------------------------ the sample and the protocol
@pytest.mark.slow
def test_sample_portfolio_runs_and_reads_well():
    pf = read_portfolio()
    m = PortfolioRiskModel(seed=20261125, iterations=2000)
    assert "unfitted" in repr(m)
    with pytest.raises(PMOError, match="has not run"):
        m.summary
    m.run(pf)
    s = m.spend_
    assert list(s.index) == pf.periods
    assert (s["p50_spend"] <= s["p80_spend"] + 1e-9).all() and (s["p80_spend"] <= s["p95_spend"] + 1e-9).all()
    assert set(m.projects_.index) == set(pf.projects_in("active")["project_id"])
    assert m.projects_.loc["A-104", "model"] == "reference class"
    assert m.summary.loc["projects with a schedule", "value"] == 3
    assert {"measure"} == set(m.summary.index.names) and list(m.summary.columns) == ["value", "unit"]
    assert "4 projects (3 with a schedule)" in repr(m)


@pytest.mark.slow
def test_arguments_are_checked():
    pf = read_portfolio()
    with pytest.raises(ValueError, match="seed is required"):
        PortfolioRiskModel(seed=None)
    with pytest.raises(ValueError, match="class_correlation"):
        PortfolioRiskModel(seed=1, class_correlation=1.2)
    with pytest.raises(ValueError, match="unknown project"):
        PortfolioRiskModel(seed=1, iterations=10).run(pf, selection={"NOPE": 1})
    with pytest.raises(ValueError, match="not simulated"):
        PortfolioRiskModel(seed=1, iterations=10, milestones=["P-001/A010"]).run(pf)
    with pytest.raises(PMOError, match="no project to simulate"):
        PortfolioRiskModel(seed=1, iterations=10, stages=()).run(pf)


def test_stream_keys_are_stable():
    assert stable_key("A-101") == stable_key("A-101") != stable_key("A-102")
    assert stable_key("A-101") == 0x7d94f702b90c5737  # SHA-256 based: the same on every machine and Python version


@pytest.mark.slow
def test_a_real_p6_schedule_under_way_agrees_with_the_schedule_engine(tmp_path):
    """SP10_COST_LOADED.xer (3,991 activities, 523 complete and 170 in progress at its data date 2017-09-16, bank
    holiday calendar) merged into the sample as A-101: the portfolio engine simulates its remaining work as
    ScheduleRiskModel does, and every iteration's cost is its spend plus the cost of the work done."""
    from pathlib import Path

    from pmo_analytics.tables.sources import read_sources
    base = sample_without_schedule(tmp_path / "d")
    xer = Path(__file__).parent / "data" / "realdata" / "SP10_COST_LOADED.xer"
    pf = read_sources([str(base), f"A-101={xer}"])
    m = PortfolioRiskModel(seed=2, iterations=2000, stages=()).run(pf, selection=["A-101"])
    e = ScheduleRiskModel.from_portfolio(pf, "A-101", seed=2, iterations=2000, criticality=False).run()
    pr = m.compiled_.projects[0]
    assert pr.dated and pr.floor_days == pytest.approx(e.network.working_days(pd.Timestamp("2017-09-15")))
    assert len(pr.done) == 523 and pr.sunk > 0
    for q in (10, 50, 90):
        assert np.percentile(m.finish_samples_["A-101"], q) + pr.floor_days == pytest.approx(
            np.percentile(e.finish_, q), rel=2e-3)
        assert np.percentile(m.cost_samples_["A-101"], q) == pytest.approx(np.percentile(e.cost_, q), rel=2e-3)
    np.testing.assert_allclose(m.spend_samples_.sum(axis=0) + pr.sunk, m.cost_samples_["A-101"], rtol=1e-10)
    # the deterministic model (most likely remaining durations) spends the plan less the work done
    assert m._plan(m.compiled_).sum() + pr.sunk == pytest.approx(pr.plan_cost, rel=1e-12)
