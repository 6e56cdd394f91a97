"""Recovery at a confidence level (pmo_analytics.risk.recovery): gradients, closed forms, exact MILP, out of sample."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, sparse

from pmo_analytics.risk import Recovery, ScheduleRiskModel, recovery
from pmo_analytics.risk.recovery import _SAA, _Scenarios, finish_gradient, wilson_interval
from pmo_analytics.schedule import build_network, crash
from pmo_analytics.schedule.cpm import forward_pass, project_finish
from pmo_analytics.schedule.crashing import crash_data


def uniform_sum_cdf(t: float, lows, widths) -> float:
    """P(sum of independent U(low_i, low_i + width_i) <= t), closed form (e.g. Bradley & Gupta, "On the
    distribution of the sum of n non-identically distributed uniform random variables", Ann. Inst. Stat. Math.
    54, 2002): sum over subsets S of (-1)^|S| (t - sum(low) - sum_S width)_+^n / (n! prod(width))."""
    n = len(lows)
    x = t - sum(lows)
    total = 0.0
    for k in range(n + 1):
        for S in itertools.combinations(range(n), k):
            total += (-1) ** k * max(x - sum(widths[i] for i in S), 0.0) ** n
    return min(max(total / (math.factorial(n) * math.prod(widths)), 0.0), 1.0)


def one_path(**kw):
    return build_network(pd.DataFrame([
        dict(activity_id="A", min_duration=8, most_likely=10, max_duration=12, distribution="uniform",
             crash_limit=4, crash_cost_rate=100),
        dict(activity_id="B", min_duration=15, most_likely=20, max_duration=25, distribution="uniform",
             crash_limit=5, crash_cost_rate=150, predecessors="A")]), **kw)


@pytest.fixture(scope="module")
def path_recovery():
    return Recovery(one_path(), target=28, confidence=0.8, seed=11, scenarios=2000, validation=20_000,
                    curve=(0.5, 0.9)).run()


# --------------------------------------------------------------------------- the finish's gradient
@st.composite
def networks(draw):
    n = draw(st.integers(2, 6))
    rows = []
    for i in range(n):
        preds = []
        for j in range(i):
            if draw(st.booleans()):
                t = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
                preds.append(f"N{j}:{t}{draw(st.floats(-2, 3)):+.3f}")
        rows.append(dict(activity_id=f"N{i}", min_duration=1, most_likely=5, max_duration=9,
                         predecessors="; ".join(preds) or None))
    return pd.DataFrame(rows), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_gradient_of_the_finish_equals_finite_differences(case):
    df, seed = case
    net = build_network(df)
    D = np.random.default_rng(seed).uniform(1, 9, (net.n, 12))
    T, g = finish_gradient(net, D)
    assert np.allclose(T, project_finish(net, forward_pass(net, D)))
    h = 1e-6
    for i in range(net.n):
        Dh = D.copy()
        Dh[i] += h
        fd = (project_finish(net, forward_pass(net, Dh)) - T) / h
        assert np.allclose(g[i], fd, atol=1e-4), (i, g[i], fd)


def test_gradient_on_a_dated_network_with_progress_and_constraints():
    acts = pd.DataFrame({
        "activity_id": list("ABCDE"), "min_duration": [4, 6, 3, 5, 0], "most_likely": [5, 8, 4, 6, 0],
        "max_duration": [7, 12, 6, 9, 0], "predecessors": [None, "A", "A:SS+2", "B;C:FF+1", "D"],
        "actual_start": [pd.Timestamp("2026-03-02"), pd.NaT, pd.NaT, pd.NaT, pd.NaT],
        "constraint_type": [None, None, "SNET", None, None],
        "constraint_date": [pd.NaT, pd.NaT, pd.Timestamp("2026-03-16"), pd.NaT, pd.NaT],
        "remaining_duration": [2, np.nan, np.nan, np.nan, np.nan]})
    net = build_network(acts, start_date="2026-03-02", data_date="2026-03-05")
    rng = np.random.default_rng(4)
    D = rng.uniform(0.5, 1.5, (net.n, 50)) * net.remaining[:, None] * net._plan.scale[:, None]
    T, g = finish_gradient(net, D)
    assert np.allclose(T, project_finish(net, forward_pass(net, D)))
    for i in range(net.n):
        Dh = D.copy()
        Dh[i] += 1e-4
        fd = (project_finish(net, forward_pass(net, Dh)) - T) / 1e-4
        assert np.allclose(g[i], fd, atol=1e-3)


# --------------------------------------------------------------------------- closed forms
def test_one_path_confidence_matches_the_closed_form(path_recovery):
    r = path_recovery
    f = 1 - r.crash_ / one_path().remaining  # the crash takes this share off every sampled duration
    lows = [8 * f[0], 15 * f[1]]
    widths = [4 * f[0], 10 * f[1]]
    exact_after = uniform_sum_cdf(28, lows, widths)
    exact_before = uniform_sum_cdf(28, [8, 15], [4, 10])
    se = math.sqrt(0.8 * 0.2 / r.validation)
    assert abs(r.confidence_after_ - exact_after) < 4 * se
    assert abs(r.confidence_before_ - exact_before) < 4 * math.sqrt(exact_before * (1 - exact_before) / 20_000)
    assert exact_after >= 0.8 - 2 * se  # the promise holds on the exact distribution, not just the sample
    assert r.feasible_ and r.interval_after_[0] >= 0.8
    # A is cheaper per day of finish saved (100 vs 150 for a day of its 10 vs 20): crashed first, to its limit
    assert r.crash_[0] == pytest.approx(4.0) and r.crash_[1] > 0
    assert r.cost_ == pytest.approx(100 * r.crash_[0] + 150 * r.crash_[1])


def test_one_path_plan_is_the_cheapest_on_its_scenarios(path_recovery):
    """The in-sample optimum by a scan: for each crash of A, the least crash of B meeting the level."""
    r = path_recovery
    net = one_path()
    D = r.model_.durations_[:, :r.scenarios].astype(float)
    K = math.ceil(0.8 * r.scenarios - 1e-9)
    best = np.inf
    for yA in np.linspace(0, 4, 401):
        a = D[0] * (1 - yA / 10)
        # B's factor must bring the K-th smallest finish to 28: finish = a + D_B (1 - yB / 20)
        lo, hi = 0.0, 5.0
        if np.sort(a + D[1] * (1 - hi / 20))[K - 1] > 28:
            continue
        for _ in range(60):
            mid = (lo + hi) / 2
            if np.sort(a + D[1] * (1 - mid / 20))[K - 1] <= 28:
                hi = mid
            else:
                lo = mid
        best = min(best, 100 * yA + 150 * hi)
    assert r.in_sample_level_ >= 0.8
    assert r.curve_.set_index("confidence").loc[0.9, "cost"] > r.cost_ > r.curve_.set_index("confidence").loc[
        0.5, "cost"]
    in_sample_at_80 = Recovery(net, target=28, confidence=0.8, seed=11, scenarios=2000, validation=100,
                               calibrate=False, curve=()).run()
    assert in_sample_at_80.cost_ <= best * (1 + 1e-3) + 1e-6


# --------------------------------------------------------------------------- the heuristic against the exact SAA MILP
def saa_milp(net, D, T, alpha):
    """Exact SAA as one MILP (scipy's HiGHS): per scenario early finishes, one binary that may miss, big-M."""
    data = crash_data(net)
    n, S = D.shape
    rows = data.rows
    nc = len(rows)
    m = data.remaining
    nE = n * S
    ycol = np.full(n, -1)
    ycol[rows] = nE + np.arange(nc)
    A, lo, hi = [], [], []
    big = float(D.sum(axis=0).max() + abs(T) + 10)

    def row(entries, low, high=np.inf):
        r = np.zeros(nE + nc + S)
        for c, v in entries:
            if c >= 0:
                r[c] += v
        A.append(r)
        lo.append(low)
        hi.append(high)

    links = list(zip(net.links["pred_row"], net.links["succ_row"], net.links["type"], net.links["lag"]))
    for s in range(S):
        k = D[:, s] / m
        for i in range(n):
            row([(s * n + i, 1.0), (ycol[i], k[i])], D[i, s])
        for p, q, t, lag in links:
            e_p, e_q = s * n + p, s * n + q
            if t == "FS":
                row([(e_q, 1.0), (ycol[q], k[q]), (e_p, -1.0)], D[q, s] + lag)
            elif t == "SS":
                row([(e_q, 1.0), (ycol[q], k[q]), (e_p, -1.0), (ycol[p], -k[p])], D[q, s] - D[p, s] + lag)
            elif t == "FF":
                row([(e_q, 1.0), (e_p, -1.0)], lag)
            else:
                row([(e_q, 1.0), (e_p, -1.0), (ycol[p], -k[p])], -D[p, s] + lag)
        for i in range(n):
            row([(s * n + i, 1.0), (nE + nc + s, -big)], -np.inf, T)
    row([(nE + nc + s, 1.0) for s in range(S)], -np.inf, math.floor((1 - alpha) * S + 1e-9))
    c = np.zeros(nE + nc + S)
    c[nE:nE + nc] = data.rate[rows]
    res = optimize.milp(c, constraints=optimize.LinearConstraint(sparse.csr_matrix(np.array(A)), lo, hi),
                        bounds=optimize.Bounds(np.r_[np.full(nE, -np.inf), np.zeros(nc + S)],
                                               np.r_[np.full(nE, np.inf), data.limit[rows], np.ones(S)]),
                        integrality=np.r_[np.zeros(nE + nc), np.ones(S)], options={"time_limit": 60})
    assert res.status == 0, res.message
    return float(res.fun)


@pytest.mark.parametrize("seed,quantile,alpha", [(1, 0.3, 0.8), (2, 0.2, 0.9), (3, 0.5, 0.7), (4, 0.3, 0.9),
                                                  (10, 0.2, 0.8), (6, 0.5, 0.8)])
def test_saa_heuristic_against_the_exact_milp(seed, quantile, alpha):
    """Measured on 135 such cases (15 seeds x 3 targets x 3 levels): equal to the MILP in 134, 0.4 % above it in
    one (seed 10, the 0.2 quantile, 0.8)."""
    rng = np.random.default_rng(seed)
    net = build_network(pd.DataFrame([
        dict(activity_id="A", min_duration=4, most_likely=6, max_duration=9, crash_limit=2, crash_cost_rate=300),
        dict(activity_id="B", min_duration=5, most_likely=8, max_duration=14, crash_limit=3, crash_cost_rate=200,
             predecessors="A"),
        dict(activity_id="C", min_duration=6, most_likely=9, max_duration=12, crash_limit=3, crash_cost_rate=250,
             predecessors="A:SS+2"),
        dict(activity_id="D", min_duration=3, most_likely=4, max_duration=8, crash_limit=1, crash_cost_rate=500,
             predecessors="B; C:FF+1")]))
    S = 40
    D = rng.triangular(net.activities["min_duration"].to_numpy()[:, None], net.most_likely[:, None],
                       net.activities["max_duration"].to_numpy()[:, None], (net.n, S))
    data = crash_data(net)
    sc = _Scenarios(net, D, data)
    F0 = sc.finishes(np.zeros(net.n))
    Fmax = sc.finishes(data.limit)
    T = float(np.quantile(F0, quantile))
    got = _SAA(sc, T).solve(alpha, F0, Fmax)
    exact = saa_milp(net, D, T, alpha)
    assert got is not None
    y, F = got
    K = math.ceil(alpha * S)
    assert int((sc.finishes(_SAA(sc, T).full(y)) <= T + 1e-6).sum()) >= K   # feasible for the SAA
    cost = float(data.rate[data.rows] @ y)
    assert cost >= exact - 1e-6 * max(1.0, exact)       # the MILP is the optimum
    assert cost <= exact * 1.01 + 1e-6                  # the local search lands within 1 % of it


# --------------------------------------------------------------------------- out of sample, by an independent simulation
def test_the_promised_confidence_holds_on_an_independent_simulation():
    """Simulate the crashed plan as a new network (three-point estimates scaled by the crash share: the same
    distribution as the crashed samples), another seed, 40,000 iterations: P(finish <= target) >= the promise."""
    acts = pd.DataFrame([
        dict(activity_id="S", min_duration=0, most_likely=0, max_duration=0, distribution="fixed"),
        dict(activity_id="A", min_duration=8, most_likely=10, max_duration=16, distribution="triangular",
             crash_limit=3, crash_cost_rate=400, predecessors="S", correlation_group="g"),
        dict(activity_id="B", min_duration=10, most_likely=12, max_duration=20, distribution="pert",
             crash_limit=4, crash_cost_rate=250, predecessors="S", correlation_group="g"),
        dict(activity_id="C", min_duration=5, most_likely=8, max_duration=14, distribution="triangular",
             crash_limit=2, crash_cost_rate=600, predecessors="A; B:SS+3"),
        dict(activity_id="E", min_duration=0, most_likely=0, max_duration=0, distribution="fixed",
             predecessors="C")])
    risks = pd.DataFrame([dict(risk_id="R1", title="rework", probability=0.3, impact_type="percent",
                               schedule_min=10, schedule_most_likely=20, schedule_max=40, affected_activities="C")])
    net = build_network(acts)
    rec = Recovery(net, risks, target=22, confidence=0.85, seed=5, scenarios=2000, validation=10_000, curve=(),
                   correlation=0.5).run()
    assert rec.feasible_ and rec.confidence_before_ < 0.85 and rec.cost_ > 0
    f = 1 - rec.crash_ / np.where(net.remaining > 0, net.remaining, 1)
    crashed = acts.set_index("activity_id").loc[net.ids].reset_index()
    for c in ("min_duration", "most_likely", "max_duration"):
        crashed[c] = crashed[c].to_numpy() * f
    check = ScheduleRiskModel(build_network(crashed), risks, seed=999, iterations=40_000, correlation=0.5,
                              criticality=False).run()
    p = float(np.mean(check.finish_ <= 22 + 1e-9))
    assert p >= 0.85 - 3 * math.sqrt(0.85 * 0.15 / 40_000)
    assert abs(p - rec.confidence_after_) < 4 * math.sqrt(p * (1 - p) * (1 / 40_000 + 1 / 10_000))


# --------------------------------------------------------------------------- the same scenarios as the simulation
def test_in_sample_scenarios_are_the_simulation_of_the_same_seed():
    net = one_path()
    model = ScheduleRiskModel(net, seed=7, iterations=3000).run()
    rec = Recovery(net, target=28, confidence=0.8, seed=7, scenarios=3000, validation=500, curve=()).run()
    assert rec.in_sample_before_ == pytest.approx(float(np.mean(model.finish_ <= 28)), abs=1e-3)
    again = Recovery(net, target=28, confidence=0.8, seed=7, scenarios=3000, validation=500, curve=()).run()
    assert np.array_equal(again.crash_, rec.crash_) and again.cost_ == rec.cost_


def test_fixed_durations_give_the_deterministic_time_cost_plan():
    acts = pd.DataFrame([dict(activity_id=a, min_duration=d, most_likely=d, max_duration=d, distribution="fixed",
                              crash_limit=u, crash_cost_rate=c, predecessors=p)
                         for a, d, u, c, p in [("A", 4, 2, 100, None), ("B", 6, 3, 80, "A"), ("C", 5, 2, 60, "A"),
                                               ("D", 3, 1, 500, "B;C")]])
    net = build_network(acts)
    det = crash(net, 10)
    rec = recovery(net, 10, confidence=0.9, seed=1, scenarios=50, validation=50, curve=())
    assert rec.cost_ == pytest.approx(det.cost) and rec.confidence_before_ == 0 and rec.confidence_after_ == 1
    assert recovery(net, 10, confidence=None).cost == pytest.approx(det.cost)


def test_a_confidence_out_of_reach_says_how_far_it_gets():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = Recovery(one_path(), target=22, confidence=0.9, seed=3, scenarios=500, validation=2000,
                     curve=(0.5,)).run()
    assert not r.feasible_ and np.isnan(r.cost_) and r.max_confidence_ < 0.9
    assert "not reachable" in repr(r) and r.crashed_.empty
    assert r.summary.iloc[0]["feasible"] == False  # noqa: E712


def test_wilson_interval():
    lo, hi = wilson_interval(80, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.7112, 0.8666)  # Wilson (1927); e.g. statsmodels proportion_confint


def test_bad_arguments():
    net = one_path()
    for kw, match in ((dict(seed=None), "seed"), (dict(seed=-1), "seed must be a non-negative int"),
                      (dict(seed=True), "seed is required"), (dict(confidence=1.0), "confidence"), (dict(scenarios=5), ">= 10"),
                      (dict(curve=(1.2,)), "curve"), (dict(iterations=10), "iterations")):
        args = dict(target=28, confidence=0.8, seed=1) | kw
        with pytest.raises(ValueError, match=match):
            Recovery(net, **args)
    with pytest.raises(ValueError, match="seed"):
        recovery(net, 28, 0.8)
