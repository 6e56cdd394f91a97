"""Flow metrics (cycle time, throughput, WIP, age, CFD, Little's law) and Monte Carlo throughput forecasting."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_analytics.exceptions import DataValidationError, DataWarning, PMOError
from pmo_analytics.monitor import (
    ThroughputForecast,
    cfd,
    cycle_time_percentiles,
    cycle_times,
    forecast_how_many,
    forecast_when,
    item_age,
    littles_law,
    throughput,
    throughput_stability,
    wip,
)

REF = Path(__file__).parent / "data" / "reference"


def items(rows, project="P"):
    """rows: (item_id, created, started, finished) with dates as 'MM-DD' in 2026 or None."""
    d = lambda x: pd.Timestamp(f"2026-{x}") if x else pd.NaT  # noqa: E731
    return pd.DataFrame({"item_id": [r[0] for r in rows], "project_id": project, "type": "story",
                         "created": [d(r[1]) for r in rows], "started": [d(r[2]) for r in rows],
                         "finished": [d(r[3]) for r in rows]})


@pytest.fixture
def wi():
    # A: 1 Jan -> 1 Jan (CT 1), B: 1 -> 3 Jan (CT 3), C: 2 -> 5 Jan (CT 4), D: started 5 Jan, open;
    # E: created, never started
    return items([("A", "01-01", "01-01", "01-01"), ("B", "01-01", "01-01", "01-03"),
                  ("C", "01-01", "01-02", "01-05"), ("D", "01-02", "01-05", None), ("E", "01-03", None, None)])


def test_cycle_time_counts_both_ends(wi):
    ct = cycle_times(wi)
    assert ct.set_index("item_id")["cycle_time"].to_dict() == {"A": 1, "B": 3, "C": 4}
    p = cycle_time_percentiles(ct, (50, 85, 100))
    assert p.to_dict() == {"p50": 3.0, "p85": 4.0, "p100": 4.0}  # nearest rank: observed values


def test_throughput_daily_includes_zero_days(wi):
    tp = throughput(wi)
    assert tp["throughput"].tolist() == [1, 0, 1, 0, 1]
    assert tp["period_start"].iloc[0] == pd.Timestamp("2026-01-01")
    tp2 = throughput(wi, start="2025-12-30", end="2026-01-06")
    assert tp2["throughput"].tolist() == [0, 0, 1, 0, 1, 0, 1, 0]


def test_throughput_weekly_bins_from_start():
    rows = [(f"I{i}", "01-01", "01-01", f"01-{d:02d}") for i, d in enumerate([1, 2, 7, 8, 14, 15])]
    tp = throughput(items(rows), freq="W", start="2026-01-01", end="2026-01-15")
    assert tp["throughput"].tolist() == [3, 2]  # 1-7 Jan, 8-14 Jan; the partial third week is dropped
    with pytest.raises(ValueError, match="shorter than one week"):
        throughput(items(rows), freq="W", start="2026-01-01", end="2026-01-03")
    with pytest.raises(ValueError, match="freq"):
        throughput(items(rows), freq="M")


def test_wip_per_day(wi):
    w = wip(wi, end="2026-01-06")
    assert w["wip"].tolist() == [2, 2, 2, 1, 2, 1]


def test_item_age(wi):
    a = item_age(wi, "2026-01-06")
    assert a["item_id"].tolist() == ["D"]
    assert a["age"].iloc[0] == 2
    assert a["cycle_time_percentile"].iloc[0] == pytest.approx(1 / 3)  # older than A (1 day) only
    # on 3 Jan only C is open: B finished that day, so it is no longer aging (it counts in that day's WIP)
    a3 = item_age(wi, "2026-01-03").set_index("item_id")
    assert a3["age"].to_dict() == {"C": 2}


def test_cfd(wi):
    c = cfd(wi).pivot(index="date", columns="state", values="count")
    assert c["created"].tolist() == [3, 4, 5, 5, 5]
    assert c["started"].tolist() == [2, 3, 3, 3, 4]
    assert c["finished"].tolist() == [1, 1, 2, 2, 3]
    # the band between started and finished is the WIP, modulo items finishing that day
    assert ((c["started"] - c["finished"]) <= wip(wi)["wip"].to_numpy()).all()


def test_littles_law_exact_for_items_inside_the_window(wi):
    closed = wi[wi["item_id"].isin(["A", "B", "C"])]
    ll = littles_law(closed)
    assert ll["avg_cycle_time"] == pytest.approx(8 / 3)
    assert ll["ratio"] == pytest.approx(1.0)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10)), min_size=1, max_size=40))
def test_littles_law_identity_property(spans):
    rows = []
    for i, (s, dur) in enumerate(spans):
        start = pd.Timestamp("2026-03-01") + pd.Timedelta(days=s)
        rows.append({"item_id": f"I{i}", "project_id": "P", "type": "story", "created": start,
                     "started": start, "finished": start + pd.Timedelta(days=dur)})
    ll = littles_law(pd.DataFrame(rows))
    assert ll["ratio"] == pytest.approx(1.0)
    assert ll["items_finished"] == len(spans)


@pytest.mark.parametrize("rows, match", [
    ([("A", "01-01", "01-05", "01-03")], "finished before started"),
    ([("A", "01-01", None, "01-03")], "never started"),
    ([("A", "01-05", "01-01", "01-03")], "started before created"),
])
def test_work_item_errors(rows, match):
    with pytest.raises(DataValidationError, match=match):
        cycle_times(items(rows))


def test_empty_inputs_are_clear_errors(wi):
    with pytest.raises(PMOError, match="non-empty"):
        cycle_times(wi.iloc[0:0])
    with pytest.raises(PMOError, match="no work items for project"):
        throughput(wi, project_id="X")
    with pytest.raises(PMOError, match="no finished"):
        cycle_time_percentiles(np.array([]))
    with pytest.raises(PMOError, match="no finished"):
        throughput(wi[wi["finished"].isna()])


# --------------------------------------------------------------------------- forecasting

def test_focused_objective_published_forecast():
    ref = json.loads((REF / "throughput_forecast_fo.json").read_text())
    inp, pub = ref["inputs"], ref["published"]
    # the sheet samples a rounded triangular(1, 3, 10) weekly throughput: resampling a large seeded sample
    # of that distribution is resampling from it
    history = np.round(np.random.default_rng(2021).triangular(1, 3, 10, size=100_000))
    when, trials = forecast_when(history, (inp["scope_items_low"], inp["scope_items_high"]),
                                 start=inp["start_date"], split=(inp["split_rate_low"], inp["split_rate_high"]),
                                 freq="W", iterations=20_000, percentiles=(50, 70, 85, 90, 95), seed=7)
    got = dict(zip(when["percentile"], when["periods"]))
    for key, weeks in pub["when_weeks"].items():
        assert abs(got[int(key[1:])] - weeks) <= 1, key
    dates = dict(zip(when["percentile"], when["date"]))
    for key, date in pub["when_dates"].items():
        assert abs((dates[int(key[1:])] - pd.Timestamp(date)).days) <= 7, key
    many, _ = forecast_how_many(history, 6, freq="W", iterations=20_000, percentiles=(85, 95), seed=7)
    got = dict(zip(many["percentile"], many["items_done"]))
    for key, n in pub["how_many_in_6_weeks"].items():
        assert abs(got[int(key[1:])] - n) <= 1, key


def test_single_throughput_value_is_deterministic():
    when, trials = forecast_when([3], 10, start="2026-01-01", iterations=200, seed=1)
    assert (trials == 4).all()  # ceil(10 / 3)
    assert when["date"].iloc[0] == pd.Timestamp("2026-01-05")
    many, _ = forecast_how_many([3], 5, iterations=200, seed=1)
    assert (many["items_done"] == 15).all()


def test_split_rate_multiplies_scope():
    _, trials = forecast_when([1], 10, split=2.0, iterations=50, seed=1)
    assert (trials == 20).all()
    many, _ = forecast_how_many([4], 5, split=2.0, iterations=50, seed=1)
    assert (many["items_done"] == 10).all()


def test_when_percentiles_are_ordered_and_reproducible():
    h = [0, 1, 2, 0, 5, 3, 1, 0, 2]
    a, ta = forecast_when(h, (30, 40), iterations=2000, seed=9)
    b, tb = forecast_when(h, (30, 40), iterations=2000, seed=9)
    np.testing.assert_array_equal(ta, tb)
    assert a["periods"].is_monotonic_increasing
    m, _ = forecast_how_many(h, 20, iterations=2000, seed=9)
    assert m["items_done"].is_monotonic_decreasing  # more confidence, fewer items promised


def test_vectorised_forecast_matches_a_per_trial_loop_in_distribution():
    h = np.array([0, 1, 2, 0, 5, 3, 1, 0, 2])
    _, trials = forecast_when(h, 25, iterations=4000, seed=3)
    rng = np.random.default_rng(4)
    loop = []
    for _ in range(4000):
        done, n = 0, 0
        while done < 25:
            done += h[rng.integers(h.size)]
            n += 1
        loop.append(n)
    for q in (50, 85):
        assert abs(np.percentile(trials, q) - np.percentile(loop, q)) <= 1


def test_forecast_errors():
    with pytest.raises(PMOError, match="empty"):
        forecast_when([], 5, seed=1)
    with pytest.raises(PMOError, match="all zeros"):
        forecast_when([0, 0, 0], 5, seed=1)
    with pytest.raises(PMOError, match="non-negative"):
        forecast_when([1, -1], 5, seed=1)
    with pytest.raises(ValueError, match="below low"):
        forecast_when([1], (5, 3), seed=1)
    with pytest.raises(ValueError, match="split"):
        forecast_when([1], 5, split=0.5, seed=1)
    with pytest.raises(ValueError, match="seed is required"):
        forecast_when([1], 5)
    with pytest.raises(ValueError, match="periods, or start and end"):
        forecast_how_many([1], seed=1)
    with pytest.raises(ValueError, match="at least one period"):
        forecast_how_many([1], start="2026-01-01", end="2026-01-03", freq="W", seed=1)
    with pytest.raises(ValueError, match="seed is required"):
        forecast_how_many([1], 3)


def test_how_many_by_date():
    many, trials = forecast_how_many([2], start="2026-01-01", end="2026-01-15", freq="W", iterations=10, seed=0)
    assert (trials == 4).all()  # two whole weeks


def test_stability_check():
    rng = np.random.default_rng(0)
    stable = throughput_stability(rng.poisson(3, 60))
    assert stable["stable"] and stable["verdict"] == "stable"
    shifted = throughput_stability(np.concatenate([rng.poisson(2, 30), rng.poisson(6, 30)]))
    assert not shifted["stable"] and shifted["verdict"].startswith("changed")
    with pytest.warns(DataWarning, match="too short"):
        short = throughput_stability([3])
    assert short["stable"] is False


def test_throughput_forecast_estimator(wi):
    tf = ThroughputForecast(freq="D", iterations=500, seed=1)
    assert "unfitted" in repr(tf)
    with pytest.raises(ValueError, match="not fitted"):
        tf.when(5)
    tf.fit(throughput(wi))
    w = tf.when(6, start="2026-01-06")
    assert list(w.columns) == ["percentile", "periods", "date"]
    assert tf.when_ is w and tf.when_trials_.shape == (500,)
    hm = tf.how_many(10)
    assert tf.how_many_ is hm
    sm = tf.summary.set_index("measure")
    assert list(tf.summary.columns) == ["measure", "value", "unit"]
    assert sm.loc["periods", "value"] == 5 and sm.loc["periods", "unit"] == "days"
    assert sm.loc["when P85", "value"] == w.set_index("percentile").loc[85, "periods"]
    assert "fitted on 5 periods" in repr(tf)
    tf2 = ThroughputForecast(freq="D", iterations=500, seed=1).fit(throughput(wi))
    pd.testing.assert_frame_equal(tf2.when(6, start="2026-01-06"), w)
    with pytest.raises(ValueError, match="seed is required"):
        ThroughputForecast()


def test_throughput_forecasts_do_not_depend_on_call_order(wi):
    a = ThroughputForecast(iterations=2000, seed=5).fit(throughput(wi))
    w1, h1 = a.when(8), a.how_many(10)
    b = ThroughputForecast(iterations=2000, seed=5).fit(throughput(wi))
    h2 = b.how_many(10)
    b.how_many(3)
    w2 = b.when(8)
    pd.testing.assert_frame_equal(w1, w2)
    pd.testing.assert_frame_equal(h1, h2)
    np.testing.assert_array_equal(a.when_trials_, b.when_trials_)


def test_throughput_forecast_fits_a_portfolio(wi):
    class _Pf:  # the two things fit reads from a Portfolio
        tables = {"work_items": wi}
        work_items = wi

        def has(self, name):
            return name in self.tables

    tf = ThroughputForecast(iterations=300, seed=2, project_id="P").fit(_Pf())
    assert tf.history_.tolist() == throughput(wi, project_id="P")["throughput"].tolist()


# --------------------------------------------------------------------------- charts

@pytest.mark.slow
def test_flow_charts(wi):
    from pmo_analytics.charts import monitor as cm

    ct = cycle_times(wi)
    pc = cycle_time_percentiles(ct)
    d = cm.cycle_time_scatter(ct, pc).to_dict()
    rules = d["layer"][1]
    assert rules["mark"]["type"] == "rule"
    assert [r["value"] for r in d["datasets"][rules["data"]["name"]]] == pc.tolist()
    c = cm.cfd_chart(cfd(wi)).to_dict()
    assert c["mark"]["type"] == "area" and c["encoding"]["y"]["stack"] is None
    a = cm.aging_wip_chart(item_age(wi, "2026-01-06"), pc).to_dict()
    assert a["layer"][0]["encoding"]["y"]["field"] == "age"
    t = cm.throughput_run_chart(throughput(wi)).to_dict()
    med = t["datasets"][t["layer"][1]["data"]["name"]][0]["median"]
    assert med == 1.0
    when, trials = forecast_when([0, 1, 2, 3], 10, iterations=300, seed=1)
    h = cm.forecast_histogram(trials, when, "days").to_dict()
    bars = h["datasets"][h["layer"][0]["data"]["name"]]
    assert sum(b["share"] for b in bars) == pytest.approx(1.0)
    labels = [r["label"] for r in h["datasets"][h["layer"][1]["data"]["name"]]]
    assert all(lbl.startswith("P") for lbl in labels)
    assert math.isclose(len(set(when["periods"])), len(labels))


def test_backlog_scope(wi):
    from pmo_analytics.monitor import backlog_scope

    assert backlog_scope(wi, "P") == (2, 2)             # D in progress, E not started
    assert backlog_scope(wi, "P", pct_complete=0.25, spread=0) == (9, 9)   # 3 finished at 25 % -> 9 more
    assert backlog_scope(wi, "P", pct_complete=0.25, spread=0.2) == (7, 11)  # floor(7.2), ceil(10.8)
    assert backlog_scope(wi, "P", pct_complete=0.9) == (2, 2)              # never below the open items
    with pytest.raises(ValueError, match="pct_complete"):
        backlog_scope(wi, "P", pct_complete=0)
    with pytest.raises(PMOError, match="no work items"):
        backlog_scope(wi, "X")
    with pytest.raises(PMOError, match="no work left"):
        backlog_scope(wi[wi["finished"].notna()], "P")
