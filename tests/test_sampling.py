"""The sampling kernel (pmo_analytics.risk.sampling) shared by the schedule engine and the portfolio model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pmo_analytics.risk import ScheduleRiskModel, risk_drivers, simulate
from pmo_analytics.risk.portfolio import PortfolioRiskModel, sample_schedule_block
from pmo_analytics.risk.sampling import BlockSampler, RiskDriverStep, block_uniforms, correlation_sets, latin_hypercube
from pmo_analytics.schedule import build_network
from pmo_analytics.streams import PROJECT, stream

from .portfolio_builder import act, write_portfolio
from .test_risk import assert_one_per_stratum, frame

SEED = 20261125


def _uniform_net(groups):
    """Independent uniform(0, 1) activities: their durations are the kernel's uniforms themselves."""
    return build_network(frame([(f"A{i}", 0, 0.5, 1, "uniform", None) for i in range(len(groups))],
                               correlation_group=groups))


# ------------------------------------------------------------------ uniforms of one block
def test_latin_hypercube_puts_one_value_in_each_stratum_of_every_row():
    u = latin_hypercube(np.random.default_rng(1).random((3, 500)), np.random.default_rng(2))
    assert_one_per_stratum(u)
    assert_one_per_stratum(block_uniforms(stream(1, 0), 2, 250))
    mc = block_uniforms(stream(1, 0), 2, 250, "mc")
    assert np.array_equal(mc, stream(1, 0).random((2, 250)))


def test_block_sampler_rows_stay_stratified_when_correlated():
    net = _uniform_net(["g", "g", "g", None])
    s = BlockSampler.for_network(net, 2, block_size=400, correlation=0.7)
    assert [len(r) for r, _ in s.sets] == [3] and list(s.free_rows) == [3, 4, 5]
    D, rest = s.draw(stream(SEED, 0))
    assert D.shape == (4, 400) and rest.shape == (2, 400)
    assert_one_per_stratum(D)
    assert_one_per_stratum(rest)


def test_both_engines_draw_a_schedule_through_the_one_sampler(tmp_path):
    """The engine's block b is the sampler's draw from stream (seed, b); the portfolio's from (seed, b, PROJECT,
    key(project)): the same function of the same network."""
    acts = [act("K", "A", 2, 4, 9, "pert", group="g"), act("K", "B", 1, 3, 4, "triangular", "A", group="g"),
            act("K", "C", 5, 6, 9, "trigen", "A")]
    net = build_network(pd.DataFrame(acts).drop(columns="project_id"))
    m = ScheduleRiskModel(net, seed=SEED, iterations=600, block_size=300, correlation=0.5,
                          store_samples=10**6).run()
    s = BlockSampler.for_network(net, block_size=300, correlation=0.5)
    for b in (0, 1):
        D, _ = s.draw(stream(SEED, b))
        np.testing.assert_array_equal(m.durations_[:, b * 300:(b + 1) * 300], D.astype(np.float32))
    pf = write_portfolio(tmp_path, projects=[dict(project_id="K")], activities=acts)
    pm = PortfolioRiskModel(seed=SEED, iterations=600, block_size=300, activity_correlation=0.5)
    pr = pm.compile(pf).projects[0]
    D0, U_occ, U_imp = sample_schedule_block(pr, 1, SEED, 300)
    np.testing.assert_array_equal(D0, s.draw(stream(SEED, 1, PROJECT, "K"))[0])
    assert U_occ.shape == U_imp.shape == (0, 300)


# ------------------------------------------------------------------ correlation sets
def test_a_blank_correlation_group_is_no_group():
    """Activities whose correlation_group is blank ("") are independent. The schedule engine used to correlate
    them with each other as a group named "" (the portfolio model did not): this test fails on that code."""
    net = _uniform_net(["", "", "g", "g"])
    assert [list(r) for r, _ in correlation_sets(net, 0.8, np.zeros(4), np.ones(4))] == [[2, 3]]
    d = simulate(net, seed=SEED, iterations=20_000, correlation=0.8, criticality=False).durations_.astype(float)
    rho = stats.spearmanr(d.T).statistic
    assert abs(rho[0, 1]) < 0.03 and rho[2, 3] > 0.7


def test_groups_named_in_a_dict_must_exist_unless_lenient():
    net = _uniform_net(["g", "g", "h", "h"])
    lo, hi = np.zeros(4), np.ones(4)
    with pytest.raises(ValueError, match=r"unknown correlation group\(s\) \['x'\]"):
        correlation_sets(net, {"g": 0.5, "x": 0.3}, lo, hi)
    sets = correlation_sets(net, {"g": 0.5, "x": 0.3}, lo, hi, strict=False)
    assert [list(r) for r, _ in sets] == [[0, 1]] and sets[0][1][0, 1] == 0.5
    # a group of constant durations takes no part
    assert [list(r) for r, _ in correlation_sets(net, 0.5, lo, np.array([1.0, 0.0, 1.0, 1.0]))] == [[2, 3]]
    with pytest.raises(ValueError, match="same activity ids"):
        correlation_sets(net, pd.DataFrame(np.eye(2), index=["A0", "A1"], columns=["A1", "A0"]), lo, hi)


# ------------------------------------------------------------------ the risk-driver step
def _step_case():
    """A (complete), B, C. R1: +5 days on A and B, cost 300; R2: +50 % on B and C, cost 100; R3: +2 days on A."""
    net = build_network(frame([("A", 3, 3, 3, "fixed", None), ("B", 4, 4, 4, "fixed", "A"),
                               ("C", 6, 6, 6, "fixed", "B")]))
    risks = pd.DataFrame([
        dict(risk_id="R1", probability=0.5, impact_type="days", schedule_min=5, schedule_most_likely=5,
             schedule_max=5, cost_min=300, cost_most_likely=300, cost_max=300, affected_activities="A;B"),
        dict(risk_id="R2", probability=0.5, impact_type="percent", schedule_min=50, schedule_most_likely=50,
             schedule_max=50, cost_min=100, cost_most_likely=100, cost_max=100, affected_activities="B;C"),
        dict(risk_id="R3", probability=0.5, impact_type="days", schedule_min=2, schedule_most_likely=2,
             schedule_max=2, cost_min=0, cost_most_likely=0, cost_max=0, affected_activities="A")])
    dr = risk_drivers(risks, net)
    return dr, RiskDriverStep.compile(dr, np.array([2, 0, 0]))


def test_risk_driver_step_by_hand():
    dr, step = _step_case()
    assert list(step.touched) == [0, 1, 2] and step.passed == ["R3"]
    # iteration 0: all occur; 1: none; 2: only R2
    u_occ = np.array([[0.1, 0.9, 0.9], [0.1, 0.9, 0.1], [0.1, 0.9, 0.9]])
    sched, cost = step.effects(dr.pre, u_occ, np.full((3, 3), 0.5))
    assert sched.tolist() == [[5, 0, 0], [50, 0, 50], [2, 0, 0]] and cost.tolist() == [[300, 0, 0], [100, 0, 100],
                                                                                       [0, 0, 0]]
    pct, add = step.zeros(3)
    rcost = np.zeros_like(pct)
    step.accumulate([0, 1, 2], sched, pct, add, cost, rcost)
    D = step.apply(np.array([[0.0] * 3, [4.0] * 3, [6.0] * 3]), pct, add)
    # A is complete: no schedule impact; B = 4 x 1.5 + 5; C = 6 x 1.5
    assert D[:, 0].tolist() == [0.0, 11.0, 9.0] and D[:, 1].tolist() == [0.0, 4.0, 6.0]
    assert D[:, 2].tolist() == [0.0, 6.0, 9.0]
    # each occurrence's cost split over the activities it affects (complete ones too): A 150, B 150 + 50, C 50
    assert rcost[:, 0].tolist() == [150.0, 200.0, 50.0] and rcost.sum(axis=0).tolist() == [400.0, 0.0, 100.0]


def test_an_occurrence_draws_one_quantile_for_schedule_and_cost():
    dr, step = _step_case()
    q = np.linspace(0.01, 0.99, 7)
    params = dr.pre.copy()
    params[0, 1:4] = [1, 2, 9]
    params[0, 4:7] = [10, 20, 90]
    sched, cost = step.effects(params[:1], np.zeros((1, 7)), q[None, :])
    tri = stats.triang(c=1 / 8, loc=1, scale=8)
    np.testing.assert_allclose(sched[0], tri.ppf(q), rtol=1e-12)
    np.testing.assert_allclose(cost[0], 10 * tri.ppf(q), rtol=1e-12)


# ------------------------------------------------------------------ the stated rank correlation is the one achieved
def _pairwise_spearman(x: np.ndarray) -> np.ndarray:
    """Off-diagonal Spearman coefficients of the rows of x (scipy: independent of the kernel)."""
    r = np.atleast_2d(stats.spearmanr(x.T).statistic)
    return r[np.triu_indices(len(r), 1)]


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9, -0.3])
def test_schedule_engine_achieves_the_stated_rank_correlation(rho):
    """100,000 iterations of independent uniform durations in one group: the Spearman coefficient measured by
    scipy is the stated one (standard error about 0.002). Iman-Conover fed the stated value as its score
    correlation gave (6 / pi) arcsin(rho / 2) instead -- 0.287, 0.582, 0.891, -0.287 -- and fails here."""
    k = 2 if rho < 0 else 3
    net = _uniform_net(["g"] * k)
    d = simulate(net, seed=SEED, iterations=100_000, correlation=rho, criticality=False,
                 store_samples=10**7).durations_.astype(float)
    np.testing.assert_allclose(_pairwise_spearman(d), rho, atol=0.006)


def test_portfolio_achieves_the_stated_activity_and_class_rank_correlation(tmp_path):
    """The portfolio model, through the same kernel: activity durations of a group at 0.6, and the costs of two
    reference-class projects (lognormal outturn ratios) at the class correlation 0.5."""
    from .test_portfolio_risk import _history

    acts = [act("K", f"A{i}", 0, 0.5, 1, "uniform", rate=10.0 ** i, group="g") for i in range(3)]
    pf = write_portfolio(tmp_path, projects=[dict(project_id="K", category="None"), dict(project_id="C1"),
                                             dict(project_id="C2", estimated_cost=3000.0)],
                         activities=acts, history=_history())
    m = PortfolioRiskModel(seed=SEED, iterations=100_000, activity_correlation=0.6, class_correlation=0.5,
                           threads=2).run(pf)
    # K's cost is 1 x A0 + 10 x A1 + 100 x A2: its rank correlation with each duration is fixed by the group's;
    # the durations themselves are not kept, so draw K's blocks again from its stream (what run() drew)
    pr = m.compiled_.projects[m.project_ids_.index("K")]
    d = np.hstack([sample_schedule_block(pr, b, SEED, 1000)[0] for b in range(100)])
    np.testing.assert_allclose(np.array([1.0, 10.0, 100.0]) @ d, m.cost_samples_["K"], rtol=1e-12)
    np.testing.assert_allclose(_pairwise_spearman(d), 0.6, atol=0.006)
    assert stats.spearmanr(m.cost_samples_["C1"], m.cost_samples_["C2"]).statistic == pytest.approx(0.5, abs=0.006)
