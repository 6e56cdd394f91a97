"""Risk room: distributions, correlation, risk drivers, the engine and its results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from pmo_analytics import read_portfolio
from pmo_analytics.exceptions import ConvergenceWarning, DataValidationError, DataWarning
from pmo_analytics.risk import (
    CorrelationMatrixError,
    ScheduleRiskModel,
    check_correlation,
    iman_conover,
    mean,
    nearest_correlation,
    ppf,
    simulate,
    trigen_bounds,
)
from pmo_analytics.risk.distributions import Z90
from pmo_analytics.schedule import build_network, cpm

REF = Path(__file__).parent / "data" / "reference"
SEED = 20261125


def frame(rows, **cols):
    """Activities from (id, low, mode, high, distribution, predecessors) tuples."""
    df = pd.DataFrame(rows, columns=["activity_id", "min_duration", "most_likely", "max_duration",
                                     "distribution", "predecessors"])
    for k, v in cols.items():
        df[k] = v
    return df


@pytest.fixture(scope="module")
def merge():
    return {c["name"]: c for c in json.loads((REF / "merge_bias.json").read_text())["cases"]}


# ------------------------------------------------------------------ distributions
U = np.linspace(0.001, 0.999, 999)


@pytest.mark.parametrize("kind, a, m, b, dist", [
    ("triangular", 8, 10, 15, stats.triang(c=2 / 7, loc=8, scale=7)),
    ("triangular", 8, 8, 15, stats.triang(c=0, loc=8, scale=7)),
    ("uniform", 3, 5, 9, stats.uniform(loc=3, scale=6)),
    ("pert", 2, 4, 9, stats.beta(1 + 4 * 2 / 7, 1 + 4 * 5 / 7, loc=2, scale=7)),
])
def test_ppf_matches_scipy(kind, a, m, b, dist):
    np.testing.assert_allclose(ppf(kind, U, a, m, b), dist.ppf(U), rtol=1e-9, atol=1e-9)
    assert float(mean(kind, a, m, b)) == pytest.approx(dist.mean())


def test_pert_lambda_is_configurable():
    d = stats.beta(1 + 2 * 2 / 7, 1 + 2 * 5 / 7, loc=2, scale=7)
    np.testing.assert_allclose(ppf("pert", U, 2, 4, 9, pert_lambda=2), d.ppf(U), rtol=1e-9)
    assert float(mean("pert", 2, 4, 9, pert_lambda=2)) == pytest.approx(d.mean())


def test_trigen_bounds_reproduce_the_stated_percentiles():
    lo, hi = trigen_bounds(8.0, 10.0, 15.0)
    tri = stats.triang(c=(10 - lo) / (hi - lo), loc=lo, scale=hi - lo)
    assert tri.cdf(8.0) == pytest.approx(0.10, abs=1e-9)
    assert tri.cdf(15.0) == pytest.approx(0.90, abs=1e-9)
    assert float(ppf("trigen", 0.1, 8, 10, 15)) == pytest.approx(8.0, abs=1e-8)
    # P20/P80 variant, vectorised
    lo2, hi2 = trigen_bounds(np.array([8.0, 1.0]), np.array([10.0, 2.0]), np.array([15.0, 6.0]), 0.2, 0.8)
    for i, (pl, c, ph) in enumerate([(8, 10, 15), (1, 2, 6)]):
        t = stats.triang(c=(c - lo2[i]) / (hi2[i] - lo2[i]), loc=lo2[i], scale=hi2[i] - lo2[i])
        assert t.cdf(pl) == pytest.approx(0.2, abs=1e-9) and t.cdf(ph) == pytest.approx(0.8, abs=1e-9)


def test_lognormal_normal_fixed_conventions():
    assert float(ppf("lognormal", 0.1, 4, 6, 12)) == pytest.approx(4.0)
    assert float(ppf("lognormal", 0.9, 4, 6, 12)) == pytest.approx(12.0)
    assert float(ppf("normal", 0.5, 8, 10, 12)) == pytest.approx(10.0)
    assert float(ppf("normal", 0.9, 10 - 2 * Z90, 10, 10 + 2 * Z90)) == pytest.approx(10 + 2 * Z90)
    assert np.all(ppf("fixed", U, 1, 7, 9) == 7)
    with pytest.raises(ValueError, match="lognormal"):
        ppf("lognormal", U, 0, 1, 2)
    with pytest.raises(ValueError, match="unknown distribution"):
        ppf("gamma", U, 0, 1, 2)


# ------------------------------------------------------------------ closed forms (merge bias)
def test_two_parallel_normal_paths(merge):
    case = merge["two parallel normal paths"]
    lo, hi = 10 - 2 * Z90, 10 + 2 * Z90
    net = build_network(frame([("S", 0, 0, 0, "fixed", None), ("X", lo, 10, hi, "normal", "S"),
                               ("Y", lo, 10, hi, "normal", "S"), ("F", 0, 0, 0, "fixed", "X;Y")]))
    res = simulate(net, seed=SEED, iterations=40_000)
    se = res.finish_.std() / np.sqrt(res.iterations_)
    assert abs(res.finish_.mean() - case["answer"]["mean_finish"]) < 4 * se + 1e-3
    # both paths are critical about half of the time; the milestones always
    crit = res.criticality_
    assert crit["S"] == crit["F"] == 1.0
    assert crit["X"] + crit["Y"] == pytest.approx(1.0)


@pytest.mark.slow
def test_five_parallel_triangular_paths(merge):
    ans = merge["five parallel triangular paths"]["answer"]
    net = build_network(frame([(f"P{i}", 8, 10, 15, "triangular", None) for i in range(5)]))
    for sampling in ("lhs", "mc"):
        res = simulate(net, seed=SEED, iterations=40_000, sampling=sampling)
        p = np.mean(res.finish_ <= 12)
        se = np.sqrt(ans["p_finish_le_12_five_paths"] * (1 - ans["p_finish_le_12_five_paths"]) / 40_000)
        assert abs(p - ans["p_finish_le_12_five_paths"]) < 4 * se
        # one path alone has F(12)
        one = np.mean(res.durations_ <= 12, axis=1)
        np.testing.assert_allclose(one, ans["p_finish_le_12_one_path"], atol=4 * np.sqrt(0.19 / 40_000))
    assert float(stats.triang(c=2 / 7, loc=8, scale=7).cdf(12)) == pytest.approx(ans["p_finish_le_12_one_path"],
                                                                                   abs=1e-6)


def test_serial_chain_mean_is_sum_of_means(merge):
    ans = merge["serial chain"]["answer"]
    rows = [(f"A{i}", 2, 4, 9, "triangular", f"A{i - 1}" if i else None) for i in range(10)]
    res = simulate(build_network(frame(rows)), seed=SEED, iterations=40_000, sampling="mc")
    se = np.sqrt(ans["variance_finish"] / 40_000)
    assert abs(res.finish_.mean() - ans["mean_finish"]) < 4 * se
    assert res.finish_.var() == pytest.approx(ans["variance_finish"], rel=0.03)
    assert (res.criticality_ == 1).all()


def test_foundry_fixed_durations_reproduce_cpm():
    ref = json.loads((REF / "general_foundry.json").read_text())
    te = ref["published"]["expected_durations_te"]
    rows = [(a["id"], te[a["id"]], te[a["id"]], te[a["id"]], "fixed", ";".join(a["predecessors"]))
            for a in ref["activities"]]
    res = simulate(build_network(frame(rows)), seed=SEED, iterations=500)
    assert np.all(res.finish_ == ref["published"]["project_duration"])
    crit = res.criticality_
    assert set(crit.index[crit == 1]) == set(ref["published"]["critical_path"])
    assert (crit[crit < 1] == 0).all()


# ------------------------------------------------------------------ correlation
def test_iman_conover_target_and_marginals():
    rng = np.random.default_rng(1)
    x = np.vstack([rng.lognormal(size=3000), rng.uniform(size=3000), rng.triangular(0, 1, 5, size=3000)])
    target = np.array([[1, 0.7, -0.4], [0.7, 1, 0.2], [-0.4, 0.2, 1]])
    y = iman_conover(x, target, rng)
    np.testing.assert_array_equal(np.sort(y, axis=1), np.sort(x, axis=1))
    rho = stats.spearmanr(y.T).statistic
    np.testing.assert_allclose(rho, target, atol=0.04)


@pytest.mark.parametrize("n", [2, 3])
def test_iman_conover_with_as_few_samples_as_variables_still_reorders(n):
    """Two or three samples of two to four variables (a tiny block): the scores' sample correlation is often
    singular; each row must still come back a permutation of itself (it raised LinAlgError before)."""
    target = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = rng.lognormal(size=(4, n))
        y = iman_conover(x, target, rng)
        np.testing.assert_array_equal(np.sort(y, axis=1), np.sort(x, axis=1))


def test_nearest_correlation_repair_and_reject():
    bad = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    with pytest.warns(DataWarning, match="not positive definite"):
        fixed = check_correlation(bad)
    assert np.allclose(np.diag(fixed), 1) and np.linalg.eigvalsh(fixed).min() > 0
    np.linalg.cholesky(fixed)
    assert np.abs(fixed - bad).max() < 0.5
    with pytest.raises(CorrelationMatrixError, match="not positive definite"):
        check_correlation(bad, repair=False)
    with pytest.raises(CorrelationMatrixError, match="symmetric"):
        check_correlation([[1, 0.2], [0.3, 1]])
    good = np.array([[1, 0.3], [0.3, 1]])
    np.testing.assert_allclose(nearest_correlation(good), good, atol=1e-7)


def assert_one_per_stratum(u, tol=1e-6):
    """Each row holds exactly one value in each stratum [j/B, (j+1)/B) (stored as float32: tolerance)."""
    u = np.atleast_2d(np.sort(u, axis=-1))
    j = np.arange(u.shape[1]) / u.shape[1]
    assert np.all(u >= j - tol) and np.all(u <= j + 1 / u.shape[1] + tol)


def test_engine_group_correlation_keeps_marginals():
    # uniform(0, 1) durations are the engine's uniforms themselves: check the LHS strata survive correlation
    rows = [(f"A{i}", 0, 0.5, 1, "uniform", None) for i in range(4)]
    net = build_network(frame(rows, correlation_group=["g", "g", "g", None]))
    for sampling in ("lhs", "mc"):
        indep = simulate(net, seed=SEED, iterations=4000, sampling=sampling)
        corr = simulate(net, seed=SEED, iterations=4000, sampling=sampling, correlation=0.8)
        d0, d1 = indep.durations_.astype(float), corr.durations_.astype(float)
        for blk in range(4):  # Iman-Conover reorders within each block of 1000 iterations
            s = slice(blk * 1000, (blk + 1) * 1000)
            if sampling == "lhs":  # each stratum exactly once, in every row
                assert_one_per_stratum(d1[:, s])
            else:  # the same numbers, reordered
                np.testing.assert_array_equal(np.sort(d0[:, s], axis=1), np.sort(d1[:, s], axis=1))
        rho = stats.spearmanr(d1.T).statistic
        assert rho[0, 1] == pytest.approx(0.8, abs=0.04) and rho[1, 2] == pytest.approx(0.8, abs=0.04)
        assert abs(rho[0, 3]) < 0.06
        assert abs(stats.spearmanr(d0.T).statistic[0, 1]) < 0.06
    # correlation widens the spread of a sum
    chain = build_network(frame([(f"A{i}", 5, 8, 20, "triangular", f"A{i - 1}" if i else None) for i in range(4)],
                                correlation_group="g"))
    assert simulate(chain, seed=SEED, iterations=4000, correlation=0.8).finish_.std() > \
        1.3 * simulate(chain, seed=SEED, iterations=4000).finish_.std()


def test_full_matrix_correlation_repaired_with_warning():
    rows = [(a, 5, 8, 20, "triangular", None) for a in "ABC"]
    net = build_network(frame(rows))
    m = pd.DataFrame([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], index=list("ABC"), columns=list("ABC"))
    with pytest.warns(DataWarning):
        res = simulate(net, seed=SEED, iterations=2000, correlation=m)
    assert res.iterations_ == 2000
    with pytest.raises(CorrelationMatrixError):
        ScheduleRiskModel(net, seed=1, correlation=m, repair_correlation=False)


# ------------------------------------------------------------------ reproducibility
@pytest.fixture(scope="module")
def small():
    rows = [("S", 0, 0, 0, "fixed", None), ("A", 3, 5, 9, "triangular", "S"), ("B", 2, 4, 8, "pert", "S"),
            ("C", 4, 6, 7, "uniform", "A:SS+2"), ("D", 1, 2, 4, "trigen", "B;C:FF+1"),
            ("E", 2, 3, 6, "lognormal", "A"), ("F", 0, 0, 0, "fixed", "D;E")]
    df = frame(rows, fixed_cost=[0, 100, 200, 300, 400, 500, 0], cost_rate=[0, 10, 20, 30, 40, 50, 0],
               correlation_group=[None, "g", "g", "g", None, None, None])
    risks = pd.DataFrame([
        {"risk_id": "R1", "title": "big", "probability": 0.5, "impact_type": "days", "schedule_min": 2,
         "schedule_most_likely": 4, "schedule_max": 8, "cost_min": 100, "cost_most_likely": 200,
         "cost_max": 500, "affected_activities": "A;E", "mitigation": "do X", "mitigation_cost": 10,
         "post_probability": 0.2},
        {"risk_id": "R2", "title": "pct", "probability": 0.3, "impact_type": "percent", "schedule_min": 10,
         "schedule_most_likely": 20, "schedule_max": 50, "cost_min": 0, "cost_most_likely": 0, "cost_max": 0,
         "affected_activities": "B", "mitigation": "costly", "mitigation_cost": 1e6},
        {"risk_id": "R3", "title": "never", "probability": 0.0, "impact_type": "days", "schedule_min": 1,
         "schedule_most_likely": 2, "schedule_max": 3, "cost_min": 0, "cost_most_likely": 0, "cost_max": 0,
         "affected_activities": "D"},
    ])
    return build_network(df), risks


def test_chunk_size_invariance(small):
    net, risks = small
    kw = dict(iterations=2500, block_size=500, correlation=0.5, convergence_tol=0.5)
    r1 = ScheduleRiskModel(net, risks, seed=SEED, chunk_size=500, threads=1, **kw).run()
    r2 = ScheduleRiskModel(net, risks, seed=SEED, chunk_size=1500, threads=3, **kw).run()
    with ThreadPoolExecutor(2) as pool:  # the caller's executor
        r3 = ScheduleRiskModel(net, risks, seed=SEED, chunk_size=10_000, executor=pool, **kw).run()
    for r in (r2, r3):
        np.testing.assert_array_equal(r.finish_, r1.finish_)
        np.testing.assert_array_equal(r.cost_, r1.cost_)
        np.testing.assert_array_equal(r.tracked_finish_, r1.tracked_finish_)
        pd.testing.assert_series_equal(r.criticality_, r1.criticality_)
        pd.testing.assert_frame_equal(r.convergence_, r1.convergence_)


def test_thread_split_invariance_with_calendars():
    """Threads simulate runs of blocks on their own columns: same numbers as one thread, calendars included.

    Two calendars (5 x 8 h and 6 x 10 h), links across them with lags, and ranges long enough for the
    shared timeline to grow its tables while the threads run.
    """
    n = 40
    df = pd.DataFrame({
        "activity_id": [f"A{i:02d}" for i in range(n)],
        "min_duration": 20.0, "most_likely": 30.0, "max_duration": 90.0,
        "distribution": ["pert", "triangular"] * (n // 2),
        "predecessors": [None] + [f"A{i - 1:02d}" + (f";A{i - 2:02d}:SS+3" if i > 1 else "") for i in range(1, n)],
        "calendar_id": ["office", "site"] * (n // 2),
        "cost_rate": 100.0,
    })
    cals = pd.DataFrame({"calendar_id": ["office", "site"], "work_week": ["Mon-Fri=8", "Mon-Sat=10"],
                         "hours_per_day": [8.0, 10.0]})
    net = build_network(df, calendars=cals, start_date="2026-01-05")
    kw = dict(iterations=6000, block_size=500, chunk_size=3000)
    r1 = ScheduleRiskModel(net, seed=SEED, threads=1, **kw).run()
    for threads in (2, 4):
        net2 = build_network(df, calendars=cals, start_date="2026-01-05")  # a fresh timeline to grow
        r = ScheduleRiskModel(net2, seed=SEED, threads=threads, **kw).run()
        np.testing.assert_array_equal(r.finish_, r1.finish_)
        np.testing.assert_array_equal(r.cost_, r1.cost_)
        pd.testing.assert_series_equal(r.criticality_, r1.criticality_)
    assert r1.finish_.max() > 366  # the timeline grew past its first year


def test_timeline_shared_by_threads_and_pickled():
    import pickle

    from pmo_analytics.schedule import Timeline, WorkCalendar

    def fresh():
        return Timeline("2026-01-05", [WorkCalendar(work_week="Mon-Fri=8"),
                                       WorkCalendar(work_week="Mon-Sat=10", hours_per_day=10)], days=14)

    w = np.linspace(0, 40_000, 5001)  # working hours: years beyond the first tables
    expected = fresh().convert(0, 1, w, "finish")
    for _ in range(5):
        tl = fresh()
        with ThreadPoolExecutor(4) as pool:
            outs = list(pool.map(lambda k: tl.convert(k % 2, 1 - k % 2, w, "finish" if k < 4 else "start"),
                                 range(8)))
        np.testing.assert_array_equal(outs[0], expected)
        np.testing.assert_array_equal(outs[2], expected)
    back = pickle.loads(pickle.dumps(tl))
    np.testing.assert_array_equal(back.convert(0, 1, w, "finish"), expected)


def test_seed_reproducibility(small):
    net, risks = small
    a = simulate(net, risks, seed=7, iterations=1500)
    b = simulate(net, risks, seed=7, iterations=1500)
    c = simulate(net, risks, seed=8, iterations=1500)
    np.testing.assert_array_equal(a.finish_, b.finish_)
    pd.testing.assert_frame_equal(a.percentiles(), b.percentiles())
    assert not np.array_equal(a.finish_, c.finish_)
    with pytest.raises(ValueError, match="seed is required"):
        ScheduleRiskModel(net, seed=None)
    with pytest.raises(TypeError):
        ScheduleRiskModel(net)  # the seed is a required keyword


def test_fused_triangular_path_equals_generic_inverse_cdf():
    rows = [(f"A{i}", 2 + i, 4 + i, 9 + 2 * i, "triangular", f"A{i - 1}" if i else None) for i in range(6)]
    net = build_network(frame(rows, cost_rate=10.0))
    risks = one_risk(probability=0.4, schedule_min=1, schedule_max=9, affected_activities="A1;A4")
    fused = ScheduleRiskModel(net, risks, seed=SEED, iterations=3000, sampling="mc")
    generic = ScheduleRiskModel(net, risks, seed=SEED, iterations=3000, sampling="mc")
    generic._fused = False
    assert fused._fused
    a, b = fused.run(), generic.run()
    np.testing.assert_allclose(a.finish_, b.finish_, rtol=1e-12)
    np.testing.assert_allclose(a.cost_, b.cost_, rtol=1e-12)


def test_latin_hypercube_is_stratified_per_block():
    net = build_network(frame([("A", 0, 0.5, 1, "uniform", None)]))
    res = simulate(net, seed=SEED, iterations=2000, block_size=1000)
    d = res.durations_[0].astype(float)
    for blk in (d[:1000], d[1000:]):
        assert_one_per_stratum(blk)


# ------------------------------------------------------------------ risk drivers and cost
def one_risk(**kw):
    base = {"risk_id": "R1", "title": "t", "probability": 1.0, "impact_type": "days", "schedule_min": 5,
            "schedule_most_likely": 5, "schedule_max": 5, "cost_min": 700, "cost_most_likely": 700,
            "cost_max": 700, "affected_activities": "A;B"}
    base.update(kw)
    return pd.DataFrame([base])


def test_risk_driver_applies_one_impact_to_all_affected_activities():
    df = frame([("A", 10, 10, 10, "fixed", None), ("B", 4, 4, 4, "fixed", "A")], fixed_cost=[1000, 0],
               cost_rate=[10, 100])
    net = build_network(df)
    base = simulate(net, seed=1, iterations=100)
    assert np.all(base.finish_ == 14) and np.all(base.cost_ == 1000 + 10 * 10 + 100 * 4)
    days = simulate(net, one_risk(), seed=1, iterations=100)
    assert np.all(days.finish_ == 24)
    assert np.all(days.cost_ == 1000 + 10 * 15 + 100 * 9 + 700)  # rate x longer durations + cost impact once
    pct = simulate(net, one_risk(impact_type="percent", schedule_min=50, schedule_most_likely=50,
                                 schedule_max=50), seed=1, iterations=100)
    assert np.all(pct.finish_ == 15 + 6)
    half = simulate(net, one_risk(probability=0.3, schedule_min=1, schedule_max=9), seed=1, iterations=4000)
    occurred = half.finish_ > 14
    assert occurred.mean() == pytest.approx(0.3, abs=0.03)
    # one impact x hits both A and B: finish 14 + 2x, cost 1500 + (10 + 100) x + 700
    x = (half.finish_[occurred] - 14) / 2
    np.testing.assert_allclose(half.cost_[occurred], 1500 + 110 * x + 700)
    assert x.min() >= 1 - 1e-9 and x.max() <= 9 + 1e-9
    assert np.all(half.cost_[~occurred] == 1500)


def test_unknown_affected_activity_is_an_error():
    net = build_network(frame([("A", 1, 1, 1, "fixed", None)]))
    with pytest.raises(DataValidationError, match="unknown activity"):
        ScheduleRiskModel(net, one_risk(), seed=1)


def test_common_random_numbers_zero_effect_mitigation(small):
    net, risks = small
    same = risks.assign(mitigation_cost=0.0, post_probability=np.nan)
    pre = simulate(net, same, seed=SEED, iterations=2000)
    post = ScheduleRiskModel(net, same, seed=SEED, iterations=2000, mitigated=True).run()
    np.testing.assert_array_equal(pre.finish_, post.finish_)
    np.testing.assert_array_equal(pre.cost_, post.cost_)


def test_mitigation_dominates_pathwise_and_pays(small):
    net, risks = small
    pre = ScheduleRiskModel(net, risks, seed=SEED, iterations=3000).run()
    post = ScheduleRiskModel(net, risks, seed=SEED, iterations=3000, mitigated=["R1"]).run()
    assert np.all(post.finish_ <= pre.finish_ + 1e-12)  # CRN: never worse in any iteration
    assert np.all(post.cost_ - 10 <= pre.cost_ + 1e-9)
    mit = pre.mitigations().set_index("risk_id")
    assert set(mit.index) == {"R1", "R2"}
    assert mit.at["R1", "pays_for_itself"] and not mit.at["R2", "pays_for_itself"]
    assert mit.at["R1", "net_saving"] == pytest.approx(pre.cost_at(80) - post.cost_at(80))
    assert mit.at["R2", "net_saving"] < -9e5


def test_tornado_ranks_risks_with_crn(small):
    net, risks = small
    res = simulate(net, risks, seed=SEED, iterations=3000)
    tor = res.tornado()
    assert tor["risk_id"].iloc[0] == "R1"
    never = tor.set_index("risk_id").loc["R3"]
    assert never["finish_reduction"] == 0 and never["cost_reduction"] == 0  # CRN: exactly zero
    assert (tor["finish_reduction"] >= 0).all()


# ------------------------------------------------------------------ results
def test_results_percentiles_contingency_jcl(small):
    net, risks = small
    net = build_network(net.activities.reset_index(), links=net.links, start_date="2026-03-02")  # with dates
    res = simulate(net, risks, seed=SEED, iterations=3000)
    p = res.percentiles([50, 80])
    assert p["finish"].is_monotonic_increasing and p["cost"].is_monotonic_increasing
    assert p.loc[1, "finish"] == pytest.approx(np.quantile(res.finish_, 0.8))
    assert p["finish_date"].iloc[0] >= pd.Timestamp("2026-03-02")
    cont = res.contingency(80)
    assert cont.at["schedule", "contingency"] == pytest.approx(res.finish_at(80) - cpm(net)["early_finish"].max())
    assert res.jcl(res.finish_.max(), res.cost_.max()) == 1.0
    assert res.jcl(res.finish_at(80), np.inf) == pytest.approx(0.8, abs=1e-3)
    day = res.to_date(30)
    assert res.jcl(day, res.cost_at(60)) == res.jcl(30, res.cost_at(60))
    assert res.jcl(str(day.date()), res.cost_at(60)) == np.mean((res.finish_ <= 30) & (res.cost_ <= res.cost_at(60)))
    fr = res.jcl_frontier(0.7)
    for f, b in zip(fr["finish"], fr["budget"]):
        assert res.jcl(f, b) >= 0.7
        assert res.jcl(f, b - 1e-6) < 0.7
    assert fr["budget"].is_monotonic_decreasing
    h = res.histogram("cost", bins=20)
    assert h["count"].sum() == 3000 and h["cumulative"].iloc[-1] == pytest.approx(1)
    s = res.s_curve("finish")
    assert s["value"].is_monotonic_increasing and "date" in s
    ms = res.milestones([80])
    assert set(ms["activity_id"]) == {"S", "F"}
    assert ms.set_index("activity_id").at["F", "finish"] == pytest.approx(res.finish_at(80))
    summ = res.summary
    assert list(summ.columns) == ["measure", "value", "unit"]
    assert {"P80 finish", "schedule contingency (P80)"} <= set(summ["measure"])
    assert summ.set_index("measure").at["P80 finish", "unit"] == "working days"
    assert repr(res).startswith("ScheduleRiskModel(") and "P80" in repr(res) and "seed 20261125" in repr(res)


def test_sensitivity_finds_the_dominant_activity():
    net = build_network(frame([("A", 5, 10, 40, "triangular", None), ("B", 9, 10, 11, "triangular", "A"),
                               ("C", 1, 2, 3, "triangular", None)]))
    res = simulate(net, seed=SEED, iterations=3000)
    sens = res.ranking("sensitivity")
    assert sens["activity_id"].iloc[0] == "A" and sens["sensitivity"].iloc[0] > 0.9
    c = sens.set_index("activity_id")
    assert c.at["C", "criticality"] == 0 and c.at["A", "cruciality"] == pytest.approx(c.at["A", "sensitivity"])
    g = res.gantt()
    assert (g["p80_finish"] >= g["p50_finish"]).all()


def test_convergence_stop_and_warning(small):
    net, risks = small
    res = simulate(net, risks, seed=SEED, iterations=20_000, block_size=500, convergence_tol=0.02,
                   stop_when_converged=True)
    assert res.converged_ and res.iterations_ < 20_000 and res.iterations_ % 500 == 0
    assert len(res.criticality_) == net.n and res.criticality_.max() <= 1
    with pytest.warns(ConvergenceWarning):
        simulate(net, risks, seed=SEED, iterations=1000, block_size=250, convergence_tol=1e-9)


def test_progress_bar_option(small, capsys):
    net, risks = small
    a = simulate(net, risks, seed=SEED, iterations=1000, progress=True)
    b = simulate(net, risks, seed=SEED, iterations=1000)
    np.testing.assert_array_equal(a.finish_, b.finish_)


def test_bad_options():
    net = build_network(frame([("A", 1, 2, 3, "triangular", None)]))
    with pytest.raises(ValueError, match="sampling"):
        ScheduleRiskModel(net, seed=1, sampling="sobol")
    with pytest.raises(ValueError, match="convergence_tol"):
        ScheduleRiskModel(net, seed=1, stop_when_converged=True)
    with pytest.raises(ValueError, match="correlation group"):
        ScheduleRiskModel(net, seed=1, correlation={"nope": 0.5})
    with pytest.raises(ValueError, match="threads"):
        ScheduleRiskModel(net, seed=1, threads=0)
    with pytest.raises(ValueError, match="deadline date needs a network with a start_date"):
        ScheduleRiskModel(net, seed=1, deadline="2026-05-01")
    unfitted = ScheduleRiskModel(net, seed=1)
    assert "unfitted" in repr(unfitted)
    with pytest.raises(ValueError, match="unfitted: call run"):
        unfitted.percentiles()


@pytest.mark.slow
def test_from_portfolio_sample():
    pf = read_portfolio()
    pid = pf.projects_in("active")["project_id"].iloc[0]
    model = ScheduleRiskModel.from_portfolio(pf, pid, seed=SEED, iterations=1000, correlation=0.5)
    res = model.run()
    assert res is model and model.network.start_date is not None and model.deadline is not None
    assert res.finish_at(80) >= res.finish_at(50) >= np.min(res.finish_)
    assert "finish_date" in res.percentiles().columns
    assert len(res.tornado()) == model.drivers.n


# ------------------------------------------------------------------ property tests on random DAGs
@st.composite
def dags(draw, types=("FS", "SS", "FF", "SF")):
    n = draw(st.integers(2, 12))
    rows, rates = [], []
    for i in range(n):
        preds = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        link = []
        for p in preds:
            t = draw(st.sampled_from(types))
            lag = draw(st.integers(-2, 3))
            link.append(f"T{p:02d}:{t}{lag:+d}")
        lo = draw(st.integers(0, 5))
        mo = lo + draw(st.integers(0, 5))
        hi = mo + draw(st.integers(0, 5))
        kind = draw(st.sampled_from(["triangular", "pert", "uniform", "fixed"]))
        rows.append((f"T{i:02d}", float(lo), float(mo), float(hi), kind, ";".join(link) or None))
        rates.append(float(draw(st.integers(0, 100))))
    return frame(rows, cost_rate=rates)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=dags(types=("FS", "SS")))
def test_property_finish_between_all_min_and_all_max(df):
    # with FS/SS links (any lag) the finish is monotone in every duration
    net = build_network(df)
    res = simulate(net, seed=3, iterations=300, block_size=100)
    mins = cpm(net, df.set_index("activity_id")["min_duration"])["early_finish"].max()
    maxs = cpm(net, df.set_index("activity_id")["max_duration"])["early_finish"].max()
    assert np.all(res.finish_ >= mins - 1e-9)
    assert np.all(res.finish_ <= maxs + 1e-9)
    assert (res.criticality_ > 0).any()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=dags(), perm_seed=st.integers(0, 1000))
def test_property_invariant_to_input_order(df, perm_seed):
    res = simulate(build_network(df), seed=3, iterations=300, block_size=100)
    shuffled = df.sample(frac=1, random_state=perm_seed).reset_index(drop=True)
    res2 = simulate(build_network(shuffled), seed=3, iterations=300, block_size=100)
    np.testing.assert_array_equal(res.finish_, res2.finish_)
    np.testing.assert_array_equal(res.cost_, res2.cost_)
    pd.testing.assert_series_equal(res.criticality_, res2.criticality_)
    assert (res.criticality_ > 0).any()


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 15), data=st.data())
def test_property_single_chain_is_always_critical(n, data):
    rows = []
    for i in range(n):
        lo = data.draw(st.floats(0, 5))
        hi = lo + data.draw(st.floats(0.1, 5))
        rows.append((f"C{i}", lo, (lo + hi) / 2, hi, "triangular", f"C{i - 1}" if i else None))
    res = simulate(build_network(frame(rows)), seed=5, iterations=200, block_size=100)
    assert (res.criticality_ == 1).all()
    np.testing.assert_allclose(res.finish_, res.durations_.astype(float).sum(axis=0), rtol=1e-5)


# ------------------------------------------------------------------ remaining work from the data date (issue 13)
def progressed(**risk):
    """A (done, 3 days), B (in progress: 4 of 8 days left, range 6-8-12), C (5 days, fixed); data date Wed 4 Mar."""
    df = frame([("A", 3, 3, 3, "fixed", None), ("B", 6, 8, 12, "triangular", "A"), ("C", 5, 5, 5, "fixed", "B")],
               fixed_cost=[100.0, 0.0, 0.0], cost_rate=[10.0, 20.0, 0.0],
               actual_start=[pd.Timestamp("2026-02-25"), pd.Timestamp("2026-02-27"), pd.NaT],
               actual_finish=[pd.Timestamp("2026-02-27"), pd.NaT, pd.NaT], remaining_duration=[np.nan, 4.0, np.nan])
    return build_network(df, start_date="2026-02-25", data_date="2026-03-04")


def test_monte_carlo_samples_remaining_work_only():
    net = progressed()
    res = simulate(net, seed=SEED, iterations=20_000)
    dd = float(net.working_days("2026-03-03"))  # the data date is 5 working days after the start (Wed 25 Feb)
    assert dd == 5 and res.deterministic_finish_ == 5 + 4 + 5
    # A is complete: never sampled; B's range 6-8-12 is scaled to its 4 days left: triangular(3, 4, 6)
    assert (res.durations_[0] == 0).all() and (res.durations_[2] == 5).all()
    b = res.durations_[1].astype(float)
    assert b.min() >= 3 - 1e-6 and b.max() <= 6 + 1e-6
    assert b.mean() == pytest.approx(13 / 3, abs=0.01)
    # no percentile before the data date; the finish is the data date + B + C
    assert res.finish_.min() >= dd + 3 - 1e-9
    np.testing.assert_allclose(res.finish_, dd + res.durations_[1].astype(float) + 5, atol=1e-4)
    assert (res.percentiles()["finish_date"] >= pd.Timestamp("2026-03-04")).all()
    # cost: A's fixed cost and its 3 days done at plan, B's 4 done days at plan + its sampled remainder
    np.testing.assert_allclose(res.cost_, 100 + 10 * 3 + 20 * 4 + 20 * res.durations_[1].astype(float), rtol=1e-6)
    assert res.criticality_["A"] == 0 and res.criticality_["B"] == 1


def test_a_remaining_duration_revised_before_the_start_is_no_work_done():
    """C, not started, re-estimated at 3 of its 5 planned days (rate 50): it costs 3 days, not 5 (the 2 days
    dropped were counted as done work before)."""
    df = frame([("A", 3, 3, 3, "fixed", None), ("C", 5, 5, 5, "fixed", "A")], fixed_cost=[0.0, 0.0],
               cost_rate=[10.0, 50.0], actual_start=[pd.Timestamp("2026-02-25"), pd.NaT],
               actual_finish=[pd.Timestamp("2026-02-27"), pd.NaT], remaining_duration=[np.nan, 3.0])
    net = build_network(df, start_date="2026-02-25", data_date="2026-03-04")
    res = simulate(net, seed=SEED, iterations=50)
    np.testing.assert_allclose(res.cost_, 10 * 3 + 50 * 3)
    assert res.deterministic_cost_ == pytest.approx(180.0)


def test_risks_act_on_remaining_work():
    net = progressed()
    pct = one_risk(impact_type="percent", schedule_min=50, schedule_most_likely=50, schedule_max=50,
                   affected_activities="B", cost_min=0, cost_most_likely=0, cost_max=0)
    base = simulate(net, pct, seed=SEED, iterations=2000, disabled=["R1"])  # same random numbers, risk off
    hit = simulate(net, pct, seed=SEED, iterations=2000)
    # +50 % of the remaining duration (not of the 8 planned days)
    np.testing.assert_allclose(hit.finish_ - base.finish_, 0.5 * base.durations_[1].astype(float), atol=1e-4)
    with pytest.warns(DataWarning, match="R1 affect only complete activities"):
        gone = simulate(net, one_risk(affected_activities="A"), seed=SEED, iterations=2000)
    np.testing.assert_array_equal(gone.finish_, base.finish_)
    assert np.allclose(gone.cost_, base.cost_ + 700)  # its cost impact still counts


def test_costs_not_assessed_without_any_cost():
    net = build_network(frame([("A", 2, 4, 9, "triangular", None), ("B", 1, 2, 3, "pert", "A")]))
    res = simulate(net, seed=SEED, iterations=2000)
    assert not res.cost_assessed_ and np.isnan(res.deterministic_cost_)
    assert res.percentiles([80])["cost"].isna().all() and np.isnan(res.cost_at(80))
    assert np.isnan(res.jcl(res.finish_at(80), 1e9)) and np.isnan(res.probability_cost_within(1e9))
    summ = res.summary.set_index("measure")
    assert np.isnan(summ.at["P80 cost", "value"]) and summ.at["P80 cost", "unit"] == "not assessed"
    assert summ.at["JCL at deterministic finish and cost", "unit"] == "not assessed"
    assert res.contingency().at["cost", "unit"] == "not assessed" and "cost not assessed" in repr(res)
    with pytest.raises(ValueError, match="not assessed"):
        res.histogram("cost")


def test_probability_finish_by_and_cost_within_match_the_closed_form():
    # one triangular(2, 4, 9) activity: F(x) = (x - 2)^2 / ((9 - 2)(4 - 2)) below the mode, cost = 100 x duration
    net = build_network(frame([("A", 2, 4, 9, "triangular", None)], cost_rate=100.0))
    res = simulate(net, seed=SEED, iterations=40_000)
    tri = stats.triang(c=2 / 7, loc=2, scale=7)
    for x in (3.0, 4.0, 6.5):
        assert res.probability_finish_by(x) == pytest.approx(tri.cdf(x), abs=2e-3)
        assert res.probability_cost_within(100 * x) == pytest.approx(tri.cdf(x), abs=2e-3)
    dated = build_network(frame([("A", 2, 4, 9, "triangular", None)]), start_date="2026-03-02")
    r2 = simulate(dated, seed=SEED, iterations=40_000)
    # by the end of Friday 6 March = 5 working days
    assert r2.probability_finish_by("2026-03-06") == pytest.approx(tri.cdf(5), abs=2e-3)


def test_from_portfolio_on_a_progressed_schedule_with_its_calendar(tmp_path):
    from tests.test_schedule import make_progressed_folder

    pf = read_portfolio(make_progressed_folder(tmp_path))
    model = ScheduleRiskModel.from_portfolio(pf, "A-101", seed=SEED, iterations=1000).run()
    dd = float(model.network.working_days("2026-03-01"))
    assert model.finish_.min() >= dd
    assert model.network.calendar.work_week == "Mon-Thu=07:00-17:00"
    assert model.to_date(model.finish_at(80)) > pd.Timestamp("2026-03-02")


def test_argument_errors_are_value_errors(small):
    net, risks = small
    with pytest.raises(ValueError, match="unknown risk id"):
        ScheduleRiskModel(net, risks, seed=1, mitigated=["R9"])
    with pytest.raises(ValueError, match="track: unknown"):
        ScheduleRiskModel(net, seed=1, track=["Z"])
    with pytest.raises(ValueError, match="must be a pmo_analytics.schedule.Network"):
        ScheduleRiskModel("not a network", seed=1)
    with pytest.raises(ValueError, match="by must be one of"):
        simulate(net, seed=1, iterations=200, block_size=100).ranking("luck")
