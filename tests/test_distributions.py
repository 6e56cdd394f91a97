"""Risk room, distributions: the fast inverse CDFs of DurationSampler against the exact ppf."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from pmo_analytics.risk import ScheduleRiskModel, mean, ppf, simulate
from pmo_analytics.risk.distributions import (
    DISTRIBUTIONS,
    TABLE_TAIL,
    Z90,
    DurationSampler,
    _BETA_GRID,
    _hermite_cells,
)
from pmo_analytics.schedule import build_network
from pmo_analytics.schedule.cpm import forward_pass

REF = Path(__file__).parent / "data" / "reference"
SEED = 20261125

# uniforms covering [1e-9, 1 - 1e-9]: log-spaced into both tails, linear in the middle, and the
# table's own cell boundaries (where pieces meet) with their neighbours
_tail = np.logspace(-9, np.log10(0.5), 4001)
_nodes = _BETA_GRID.nodes[_BETA_GRID.nodes >= 1e-9]
_edges = np.concatenate([_nodes, np.nextafter(_nodes, 0), np.nextafter(_nodes, 1)])
U = np.unique(np.concatenate([_tail, 1 - _tail, np.linspace(1e-9, 1 - 1e-9, 4001), _edges, 1 - _edges]))
U = U[(U >= 1e-9) & (U <= 1 - 1e-9)]


def pert_exact(u, a, c, b, lam):
    """BetaPERT quantile straight from its definition (Vose 2008): a + (b - a) betaincinv(alpha, beta, u)."""
    alpha = 1 + lam * (c - a) / (b - a)
    beta = 1 + lam * (b - c) / (b - a)
    return a + (b - a) * special.betaincinv(alpha, beta, u)


def max_pert_error(lows, modes, highs, lam, u=U):
    """Largest |table - betaincinv| / (high - low) over u, for each activity."""
    lows, modes, highs = (np.asarray(x, float) for x in (lows, modes, highs))
    s = DurationSampler(["pert"] * len(lows), lows, modes, highs, pert_lambda=lam)
    got = s.ppf(np.broadcast_to(u, (len(lows), len(u))))
    want = pert_exact(u[None, :], lows[:, None], modes[:, None], highs[:, None], lam)
    return np.abs(got - want).max(axis=1) / (highs - lows)


# ------------------------------------------------------------------ accuracy of the BetaPERT tables
@pytest.mark.parametrize("lam", [1.0, 2.0, 4.0, 6.0, 10.0])
def test_pert_table_within_1e6_of_range_over_the_shape_range(lam):
    # mode at either end, next to the ends, and everywhere between
    r = np.array([0.0, 1e-12, 1e-6, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1 - 1e-6, 1.0])
    err = max_pert_error(np.full(r.size, 3.0), 3.0 + 7.0 * r, np.full(r.size, 10.0), lam)
    assert err.max() <= 1e-6, dict(zip(r, err))
    assert err.max() > 0  # an interpolation, not the exact function


@pytest.mark.parametrize("low, high", [
    (1000.0, 1000.0 + 1e-9),   # near-degenerate range
    (0.0, 1e-12),
    (5e8, 5e8 + 3.0),          # large offsets
    (0.0, 1e6),
])
def test_pert_table_near_degenerate_and_large_ranges(low, high):
    r = np.array([0.0, 0.3, 0.5, 1.0])
    err = max_pert_error(np.full(4, low), low + (high - low) * r, np.full(4, high), 4.0)
    # the affine map low + (high - low) q adds rounding of order eps * |low| / (high - low)
    tol = 1e-6 + 8 * np.finfo(float).eps * abs(low) / (high - low)
    assert err.max() <= tol


def test_pert_lambda_outside_the_usual_range_stays_accurate():
    r = np.array([0.0, 0.2, 0.5, 0.8, 1.0])
    for lam in (0.25, 30.0, 100.0):
        assert max_pert_error(np.zeros(5), r, np.ones(5), lam).max() <= 1e-6


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lam=st.floats(1.0, 10.0),
       r=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.5])),
       low=st.floats(0.0, 1e4),
       width=st.one_of(st.floats(1e-6, 1e3), st.sampled_from([1e-9, 1.0])),
       seed=st.integers(0, 2 ** 32 - 1))
def test_property_pert_table_error_below_1e6_of_range(lam, r, low, width, seed):
    high = low + width
    mode = min(low + r * width, high)
    rng = np.random.default_rng(seed)
    tails = 10.0 ** rng.uniform(-9, np.log10(0.5), 2000)
    u = np.concatenate([tails, 1 - tails, rng.uniform(1e-9, 1 - 1e-9, 2000)])
    tol = 1e-6 + 8 * np.finfo(float).eps * low / width
    assert max_pert_error([low], [mode], [high], lam, u)[0] <= tol


def test_pert_min_equal_max_is_constant():
    s = DurationSampler(["pert", "pert"], [4.0, 0.0], [4.0, 0.0], [4.0, 0.0])
    u = np.array([[0.0, 1e-12, 0.3, 0.5, 1 - 1e-12], [0.0, 0.2, 0.5, 0.7, 0.99]])
    d = s.ppf(u)
    assert np.all(d[0] == 4.0) and np.all(d[1] == 0.0)


def test_pert_table_monotone_and_within_bounds():
    lam = 4.0
    lows = np.array([0.0, 2.0, 2.0, 2.0, 10.0])
    modes = np.array([0.0, 4.0, 9.0, 2.0, 10.5])
    highs = np.array([1.0, 9.0, 9.0, 9.0, 200.0])
    u = np.concatenate([[0.0, TABLE_TAIL / 7], U, [1 - 2.0 ** -53]])
    d = DurationSampler(["pert"] * 5, lows, modes, highs, pert_lambda=lam).ppf(np.broadcast_to(u, (5, u.size)))
    # non-decreasing up to the rounding of the last bits where two cubic pieces meet
    step = np.diff(d, axis=1)
    assert np.all(step >= -4 * np.spacing(highs)[:, None])
    assert np.all(d >= lows[:, None]) and np.all(d <= highs[:, None])


def test_uniforms_beyond_the_table_tail_take_its_last_quantile():
    s = DurationSampler(["pert"], [2.0], [4.0], [9.0])
    edge = s.ppf(np.array([[TABLE_TAIL, 1 - TABLE_TAIL]]))
    beyond = s.ppf(np.array([[0.0, TABLE_TAIL / 1000, 1 - 2.0 ** -53]]))
    assert np.all(beyond[0, :2] == edge[0, 0]) and beyond[0, 2] == edge[0, 1]
    assert edge[0, 0] == pytest.approx(pert_exact(TABLE_TAIL, 2.0, 4.0, 9.0, 4.0), abs=7e-6)


def test_fritsch_carlson_limiter_keeps_a_steep_cell_monotone():
    # one rising cell between flat ones; exact slopes 6 * delta overshoot (6^2 + 6^2 > 9), so both are
    # scaled by 3 / sqrt(72) onto the circle of radius 3 (Fritsch & Carlson 1980, step 5)
    v = _BETA_GRID.nodes
    q = (v >= v[101]).astype(float)[None, :]
    delta = 1.0 / (v[101] - v[100])
    dq = np.zeros_like(q)
    dq[0, 100] = dq[0, 101] = 6 * delta
    c = _hermite_cells(v, q, dq)[:, 0]
    assert c[1, 100] == pytest.approx(6 * delta * 3 / np.sqrt(72))
    assert np.all(c[1:, :100] == 0) and np.all(c[1:, 101:] == 0)  # flat cells (the limiter zeroes them)
    d = np.linspace(0, v[101] - v[100], 1001)
    piece = c[0, 100] + d * (c[1, 100] + d * (c[2, 100] + d * c[3, 100]))
    assert np.all(np.diff(piece) >= 0) and piece[0] == 0 and piece[-1] == pytest.approx(1.0)


# ------------------------------------------------------------------ the other distributions
def test_closed_form_distributions_are_unchanged():
    kinds = ["triangular", "triangular", "uniform", "fixed", "trigen"]
    lo, mo, hi = [8.0, 8.0, 3.0, 1.0, 8.0], [10.0, 8.0, 5.0, 7.0, 10.0], [15.0, 15.0, 9.0, 9.0, 15.0]
    u = np.random.default_rng(1).random((5, 5000))
    d = DurationSampler(kinds, lo, mo, hi).ppf(u)
    for i, k in enumerate(kinds):
        want = ppf(k, u[i], lo[i], mo[i], hi[i])
        if k == "trigen":  # the bounds are solved once for all rows instead of once per call
            np.testing.assert_allclose(d[i], want, rtol=0, atol=1e-11)
        else:
            np.testing.assert_array_equal(d[i], want)


def test_normal_and_lognormal_tables_within_1e6_standard_deviations():
    # normal: mean 100, sd 1 (P10/P90 at 100 -+ Z90); lognormal: P10 4, P90 12, sigma = ln 3 / (2 Z90)
    s = DurationSampler(["normal", "lognormal"], [100 - Z90, 4.0], [100.0, 6.0], [100 + Z90, 12.0])
    d = s.ppf(np.broadcast_to(U, (2, U.size)))
    assert np.abs(d[0] - (100 + special.ndtri(U))).max() <= 1e-6
    sigma = np.log(3.0) / (2 * Z90)
    log_err = np.abs(np.log(d[1]) - np.log(ppf("lognormal", U, 4.0, 6.0, 12.0)))
    assert log_err.max() <= 1e-6 * sigma
    # floored at zero like ppf
    low = DurationSampler(["normal"], [-2.0], [0.5], [3.0]).ppf(np.array([[0.01, 0.5]]))
    assert low[0, 0] == 0.0 and low[0, 1] == pytest.approx(0.5)


@pytest.mark.parametrize("kind, a, c, b", [
    ("pert", 2.0, 4.0, 9.0), ("pert", 0.0, 0.0, 5.0), ("triangular", 8.0, 10.0, 15.0),
    ("uniform", 3.0, 5.0, 9.0), ("trigen", 8.0, 10.0, 15.0), ("normal", 8.0, 10.0, 12.0),
])
def test_stratified_mean_matches_closed_form(kind, a, c, b):
    # the midpoint rule over 10^6 equal strata of u integrates the quantile function: the mean
    u = (np.arange(1_000_000) + 0.5) / 1_000_000
    d = DurationSampler([kind], [a], [c], [b], pert_lambda=3.0).ppf(u[None, :])
    assert d.mean() == pytest.approx(float(mean(kind, a, c, b, pert_lambda=3.0)), abs=2e-6 * (b - a))


def test_exact_method_is_ppf():
    kinds = list(DISTRIBUTIONS)
    lo, mo, hi = [2.0] * 7, [4.0] * 7, [9.0] * 7
    u = np.random.default_rng(2).random((7, 300))
    d = DurationSampler(kinds, lo, mo, hi, pert_lambda=2.5, method="exact").ppf(u)
    for i, k in enumerate(kinds):
        np.testing.assert_array_equal(d[i], ppf(k, u[i], lo[i], mo[i], hi[i], pert_lambda=2.5))


def test_rows_out_and_shapes():
    kinds = ["pert", "triangular", "pert", "fixed", "lognormal", "pert"]  # pert rows not contiguous
    lo, mo, hi = [2, 8, 1, 3, 4, 0], [4, 10, 1, 3, 6, 5], [9, 15, 6, 3, 12, 5]
    s = DurationSampler(kinds, lo, mo, hi)
    u = np.random.default_rng(3).random((6, 700))
    d = s.ppf(u)
    big = np.empty((6, 1400))
    s.ppf(u, out=big[:, 700:])  # a strided view, as the engine passes its block columns
    np.testing.assert_array_equal(big[:, 700:], d)
    np.testing.assert_array_equal(s.ppf(u[:, 0]), d[:, 0])  # one value per activity
    for i in (0, 2, 5):
        assert np.abs(d[i] - ppf("pert", u[i], lo[i], mo[i], hi[i])).max() <= 1e-6 * max(hi[i] - lo[i], 1)
    assert repr(s) == ("DurationSampler(6 activities: triangular 1, pert 3, lognormal 1, fixed 1; "
                       "4 quantile table(s))")  # three BetaPERT shapes, one normal


def test_invalid_arguments():
    with pytest.raises(ValueError, match="unknown distribution"):
        DurationSampler(["gamma"], [1], [2], [3])
    with pytest.raises(ValueError, match="pert_lambda"):
        DurationSampler(["pert"], [1], [2], [3], pert_lambda=0)
    with pytest.raises(ValueError, match="one value per activity"):
        DurationSampler(["pert", "pert"], [1], [2], [3])
    with pytest.raises(ValueError, match="method"):
        DurationSampler(["pert"], [1], [2], [3], method="fast")
    with pytest.raises(ValueError, match="lognormal"):
        DurationSampler(["lognormal"], [0], [1], [2])
    with pytest.raises(ValueError, match=r"low <= mode <= high.*\[1\]"):
        DurationSampler(["pert", "pert"], [1, 5], [2, 4], [3, 6])
    with pytest.raises(ValueError, match="low <= mode <= high"):
        DurationSampler(["pert"], [1], [np.nan], [3])
    s = DurationSampler(["pert"], [1], [2], [3])
    with pytest.raises(ValueError, match="one row per activity"):
        s.ppf(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="out has shape"):
        s.ppf(np.zeros((1, 5)), out=np.zeros((1, 4)))


# ------------------------------------------------------------------ reference networks
@pytest.fixture(scope="module")
def foundry():
    """General Foundry (Render, Stair & Hanna), every activity BetaPERT (weeks)."""
    ref = json.loads((REF / "general_foundry.json").read_text())
    rows = [{"activity_id": a["id"], "min_duration": a["a"], "most_likely": a["m"], "max_duration": a["b"],
             "distribution": "pert", "predecessors": ";".join(a["predecessors"]) or None}
            for a in ref["activities"]]
    return build_network(pd.DataFrame(rows))


def _lhs(rng, n_rows, n):
    return (rng.permuted(np.broadcast_to(np.arange(n, dtype=float), (n_rows, n)), axis=1)
            + rng.random((n_rows, n))) / n


def test_foundry_finish_unchanged_on_the_same_uniforms(foundry):
    acts = foundry.activities
    lo, mo, hi = (acts[c].to_numpy(float) for c in ("min_duration", "most_likely", "max_duration"))
    u = _lhs(np.random.default_rng(SEED), foundry.n, 50_000)
    fast = DurationSampler(["pert"] * foundry.n, lo, mo, hi).ppf(u)
    exact = DurationSampler(["pert"] * foundry.n, lo, mo, hi, method="exact").ppf(u)
    assert np.abs(fast - exact).max() <= 1e-6 * (hi - lo).max()
    t_fast = forward_pass(foundry, fast).max(axis=0)
    t_exact = forward_pass(foundry, exact).max(axis=0)
    assert np.abs(t_fast - t_exact).max() <= 1e-5  # weeks; the network adds at most 5 durations
    assert t_fast.mean() == pytest.approx(t_exact.mean(), abs=1e-6)
    assert np.quantile(t_fast, 0.8) == pytest.approx(np.quantile(t_exact, 0.8), abs=1e-5)


@pytest.mark.parametrize("sampling", ["lhs", "mc"])
def test_foundry_engine_mean_and_p80_match_exact_beta_sampling(foundry, sampling):
    # the engine (quantile tables) against an independent exact BetaPERT sample (numpy's beta draws)
    n = 40_000
    res = simulate(foundry, seed=SEED, iterations=n, sampling=sampling)
    acts = foundry.activities
    lo, mo, hi = (acts[c].to_numpy(float)[:, None] for c in ("min_duration", "most_likely", "max_duration"))
    alpha, beta = 1 + 4 * (mo - lo) / (hi - lo), 1 + 4 * (hi - mo) / (hi - lo)
    d = lo + (hi - lo) * np.random.default_rng(SEED + 1).beta(alpha, beta, size=(foundry.n, n))
    t_exact = forward_pass(foundry, d).max(axis=0)
    se = np.sqrt(res.finish_.var() / n + t_exact.var() / n)
    assert abs(res.finish_.mean() - t_exact.mean()) < 4 * se
    # P80 of the engine is the 0.8 quantile of the exact distribution within binomial error
    share = np.mean(t_exact <= res.finish_at(80))
    assert abs(share - 0.8) < 4 * np.sqrt(2 * 0.16 / n)
    # and the deterministic PERT expectation (te = 15 weeks) is below both: merge bias
    assert 15 < t_exact.mean() and 15 < res.finish_.mean()


def test_engine_uses_the_tables_and_keeps_seeded_reproducibility(foundry):
    a = ScheduleRiskModel(foundry, seed=5, iterations=3000, block_size=500).run()
    b = ScheduleRiskModel(foundry, seed=5, iterations=3000, block_size=500).run()
    np.testing.assert_array_equal(a.finish_, b.finish_)
    # stored durations are the tables' values: within 1e-6 of the range of the exact quantiles, and
    # in each block of 500 every activity's durations fall one in each of the 500 LHS strata
    d = a.durations_[:, :500].astype(float)
    acts = foundry.activities
    lo, mo, hi = (acts[c].to_numpy(float)[:, None] for c in ("min_duration", "most_likely", "max_duration"))
    alpha, beta = 1 + 4 * (mo - lo) / (hi - lo), 1 + 4 * (hi - mo) / (hi - lo)
    strata = np.floor(stats.beta.cdf(d, alpha, beta, loc=lo, scale=hi - lo) * 500)
    for row in strata:  # float32 storage may move a value across a stratum boundary now and then
        assert len(np.unique(np.clip(row, 0, 499))) >= 495


def test_two_parallel_normal_paths_merge_bias():
    # merge_bias.json: E[max(X, Y)] = mu + sigma / sqrt(pi) for i.i.d. normal paths (normal via the table)
    case = {c["name"]: c for c in json.loads((REF / "merge_bias.json").read_text())["cases"]}
    want = case["two parallel normal paths"]["answer"]["mean_finish"]
    u = _lhs(np.random.default_rng(SEED), 2, 200_000)
    d = DurationSampler(["normal", "normal"], [10 - 2 * Z90] * 2, [10.0] * 2, [10 + 2 * Z90] * 2).ppf(u)
    finish = d.max(axis=0)
    assert finish.mean() == pytest.approx(want, abs=4 * finish.std() / np.sqrt(200_000))


def test_sampler_work_buffers_give_the_same_durations():
    """Scratch kept between calls (one thread's blocks) changes nothing, whatever was left in it."""
    from pmo_analytics.risk.distributions import DurationSampler

    s = DurationSampler(["pert", "normal", "triangular", "lognormal"] * 5, [1.0] * 20, [3.0] * 20, [9.0] * 20)
    rng = np.random.default_rng(0)
    work: dict = {}
    for _ in range(3):
        u = rng.random((20, 700))
        np.testing.assert_array_equal(s.ppf(u, work=work), s.ppf(u))
    assert work  # the buffers were kept
