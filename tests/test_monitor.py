"""Earned value, earned schedule, forecast ranges, RAG rules and the DeliveryMonitor estimator."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_analytics.exceptions import DataValidationError, DataWarning, PMOError
from pmo_analytics.monitor import (
    COMMITMENT_RULE,
    DEFAULT_RULES,
    DeliveryMonitor,
    RagRule,
    earned_schedule,
    earned_value,
    evm_snapshot,
    forecast_ranges,
    period_to_date,
    planned_duration,
    rag_status,
    s_curve_data,
)

REF = Path(__file__).parent / "data" / "reference"


def status_frame(pv, ev, ac, pid="P", etc=None, start="2026-01-31", freq="ME"):
    n = len(pv)
    pad = lambda x: list(x) + [None] * (n - len(x))  # noqa: E731
    df = pd.DataFrame({"project_id": pid, "period": np.arange(1, n + 1),
                       "period_end": pd.date_range(start, periods=n, freq=freq),
                       "pv": np.asarray(pv, float), "ev": pd.array(pad(ev), dtype="Float64").astype(float),
                       "ac": pd.array(pad(ac), dtype="Float64").astype(float)})
    if etc is not None:
        df["etc"] = pd.array(pad(etc), dtype="Float64").astype(float)
    return df


# --------------------------------------------------------------------------- published cases

def test_earned_schedule_vanhoucke_published_and_derived():
    ref = json.loads((REF / "earned_schedule_vanhoucke.json").read_text())
    tol = ref["tolerance"]
    n = len(ref["pv_cumulative"])
    st = status_frame(ref["pv_cumulative"], ref["ev_cumulative"], ref["ev_cumulative"], pid="V", freq="7D")
    e = earned_value(st)
    assert int(e["pd"].iloc[0]) == ref["planned_duration_weeks"]
    assert float(e["bac"].iloc[0]) == ref["bac"]
    np.testing.assert_allclose(e["es"].to_numpy()[:6], ref["published"]["es_weeks_1_to_6"], atol=tol)
    np.testing.assert_allclose(e["es"].to_numpy()[6:], ref["derived"]["es_weeks_7_to_11"], atol=tol)
    np.testing.assert_allclose(e["spi_t"].to_numpy()[6:], ref["derived"]["spi_t_weeks_7_to_11"], atol=tol)
    last = e.iloc[-1]
    assert len(e) == n
    # end-of-project case: SPI -> 1 while SPI(t) stays honest and IEAC(t) = actual duration
    assert last["spi"] == pytest.approx(1.0)
    assert last["spi_t"] < 0.83
    assert last["ieac_t"] == pytest.approx(ref["derived"]["ieac_t_week_11"], abs=tol)
    # planned-duration clamp: ES never exceeds PD although PV is flat after week 9
    assert e["es"].max() == pytest.approx(ref["planned_duration_weeks"])


def test_evm_pra_published_values():
    ref = json.loads((REF / "evm_pra.json").read_text())
    inp, pub, tol = ref["inputs"], ref["published"], ref["tolerance"]
    bac = inp["bac"]
    pv = np.asarray(inp["planned_fraction_cumulative"]) * bac
    k = inp["status_period"]
    ev = [np.nan] * (k - 1) + [inp["actual_fraction_complete"] * bac]
    # EV is only known at the status period: earlier periods are reported with EV on plan
    ev[: k - 1] = pv[: k - 1]
    st = status_frame(pv, ev, inp["ac_cumulative"][:k])
    row = earned_value(st).set_index("period").loc[k]
    for key in ("pv", "ev", "ac", "sv", "cv", "spi", "cpi"):
        assert row[key] == pytest.approx(pub[key], rel=tol, abs=tol), key


def test_evm_pra_as_a_single_data_date_snapshot():
    # the usual hand case: one row with PV, EV, AC and BAC at the data date, no baseline by period
    ref = json.loads((REF / "evm_pra.json").read_text())
    inp, pub, tol = ref["inputs"], ref["published"], ref["tolerance"]
    bac = inp["bac"]
    snap = pd.DataFrame({"project_id": ["PRA"], "pv": [pub["pv"]],
                         "ev": [inp["actual_fraction_complete"] * bac],
                         "ac": [inp["ac_cumulative"][inp["status_period"] - 1]], "bac": [bac]})
    row = earned_value(snap).iloc[0]
    for key in ("pv", "ev", "ac", "sv", "cv", "spi", "cpi"):
        assert row[key] == pytest.approx(pub[key], rel=tol, abs=tol), key
    # the gold card's EACs and TCPI by hand: CPI = 35/36, SPI = 35/40
    assert row["eac_cpi"] == pytest.approx(bac / (35 / 36))
    assert row["eac_plan"] == pytest.approx(36_000 + 65_000)
    assert row["eac_cpi_spi"] == pytest.approx(36_000 + 65_000 / ((35 / 36) * (35 / 40)))
    assert row["tcpi_bac"] == pytest.approx(65_000 / 64_000)
    assert row["vac"] == pytest.approx(bac - bac * 36 / 35)
    # no baseline by period: no earned schedule, and it says so with NaN rather than a guess
    assert np.isnan(row["es"]) and np.isnan(row["spi_t"]) and pd.isna(row["period"])


def test_snapshot_of_several_projects_and_its_errors():
    snap = pd.DataFrame({"project_id": ["A", "B"], "pv": [50.0, 10.0], "ev": [40.0, 10.0], "ac": [50.0, 8.0],
                         "bac": [100.0, 20.0], "etc": [70.0, 9.0], "at": [2.0, 1.0], "pd": [4.0, 2.0]})
    e = earned_value(snap, eac_method="bottom_up").set_index("project_id")
    assert e.loc["A", "cpi"] == pytest.approx(0.8) and e.loc["B", "cpi"] == pytest.approx(1.25)
    assert e.loc["A", "eac"] == pytest.approx(120.0) and e.loc["A", "eac_source"] == "bottom_up"
    assert e.loc["A", "at"] == 2.0 and e.loc["B", "pd"] == 2.0
    one = earned_value(pd.DataFrame({"pv": [50.0], "ev": [40.0], "ac": [50.0], "bac": [100.0]}))
    assert one["cpi"].item() == pytest.approx(0.8)
    with pytest.raises(ValueError, match="one row per project"):
        earned_value(pd.concat([snap, snap]))
    with pytest.raises(ValueError, match="needs a project_id"):
        earned_value(snap.drop(columns="project_id"))
    with pytest.raises(DataValidationError, match="BAC must be > 0"):
        earned_value(snap.assign(bac=[0.0, 20.0]))
    with pytest.raises(ValueError, match="single data-date snapshot"):
        DeliveryMonitor(seed=1).fit(snap)


def test_earned_schedule_vanhoucke_in_weeks_without_dates():
    # a period-based table needs no period_end: everything but the date columns is in periods (weeks)
    ref = json.loads((REF / "earned_schedule_vanhoucke.json").read_text())
    tol = ref["tolerance"]
    n = len(ref["pv_cumulative"])
    st = pd.DataFrame({"project_id": "V", "period": np.arange(1, n + 1), "pv": ref["pv_cumulative"],
                       "ev": ref["ev_cumulative"], "ac": ref["ev_cumulative"]})
    e = earned_value(st)
    np.testing.assert_allclose(e["es"].to_numpy()[:6], ref["published"]["es_weeks_1_to_6"], atol=tol)
    np.testing.assert_allclose(e["es"].to_numpy()[6:], ref["derived"]["es_weeks_7_to_11"], atol=tol)
    np.testing.assert_allclose(e["spi_t"].to_numpy()[6:], ref["derived"]["spi_t_weeks_7_to_11"], atol=tol)
    assert e["ieac_t"].iloc[-1] == pytest.approx(ref["derived"]["ieac_t_week_11"], abs=tol)
    assert e["ieac_t_date"].isna().all()
    half = st.assign(period_end=[pd.Timestamp("2026-01-04") + pd.Timedelta(weeks=k) if k < 3 else pd.NaT
                                 for k in range(n)])
    with pytest.raises(DataValidationError, match="some periods only"):
        earned_value(half)


def test_delivery_monitor_without_dates(two_projects):
    mon = DeliveryMonitor(iterations=300, seed=4).fit(two_projects.drop(columns="period_end"))
    dated = DeliveryMonitor(iterations=300, seed=4).fit(two_projects)
    assert mon.status_["rag"].to_dict() == dated.status_["rag"].to_dict()
    pd.testing.assert_series_equal(mon.table_["eac_p90"], dated.table_["eac_p90"])
    assert mon.table_["finish_date_p50"].isna().all() and mon.table_["data_date"].isna().all()


# --------------------------------------------------------------------------- hand oracles

@pytest.fixture
def simple():
    # BAC 100 over 4 periods; at period 2 EV 40, AC 50, bottom-up ETC 70
    return status_frame([25, 50, 75, 100], [20, 40], [25, 50], etc=[80, 70])


def test_gold_card_formulas_hand_oracle(simple):
    r = earned_value(simple).set_index("period").loc[2]
    expected = {
        "pv": 50, "ev": 40, "ac": 50, "bac": 100, "pd": 4,
        "cv": -10, "sv": -10, "cv_pct": -0.25, "sv_pct": -0.2, "cpi": 0.8, "spi": 0.8,
        "eac_cpi": 125, "eac_plan": 110, "eac_cpi_spi": 50 + 60 / 0.64, "eac_bottom_up": 120,
        "eac": 125, "etc": 75, "vac": -25, "tcpi_bac": 60 / 50, "tcpi_eac": 60 / 75,
        "pct_planned": 0.5, "pct_complete": 0.4, "pct_spent": 0.5,
        # Lipke: C = 1 (PV_1 = 25 <= 40 < 50), ES = 1 + 15/25
        "es": 1.6, "at": 2, "sv_t": -0.4, "spi_t": 0.8, "tspi": (4 - 1.6) / (4 - 2), "ieac_t": 5.0,
    }
    for k, v in expected.items():
        assert r[k] == pytest.approx(v), k


@pytest.mark.parametrize("method, eac", [("plan", 110.0), ("cpi_spi", 50 + 60 / 0.64), ("bottom_up", 120.0)])
def test_eac_method_selection(simple, method, eac):
    r = earned_value(simple, eac_method=method).set_index("period").loc[2]
    assert r["eac"] == pytest.approx(eac)
    assert r["etc"] == pytest.approx(eac - 50)
    assert r["vac"] == pytest.approx(100 - eac)
    assert r["tcpi_eac"] == pytest.approx(60 / (eac - 50))


def test_bottom_up_falls_back_to_cpi_where_no_etc():
    st = status_frame([25, 50, 75, 100], [20, 40], [25, 50], etc=[None, 70])
    e = earned_value(st, eac_method="bottom_up").set_index("period")
    assert e.loc[1, "eac_source"] == "cpi" and e.loc[1, "eac"] == pytest.approx(100 / 0.8)
    assert e.loc[2, "eac_source"] == "bottom_up" and e.loc[2, "eac"] == pytest.approx(120)


def test_unknown_eac_method(simple):
    with pytest.raises(ValueError, match="eac_method"):
        earned_value(simple, eac_method="magic")


def test_earned_schedule_function_and_planned_duration():
    pv = [10, 30, 60, 60, 60]
    assert planned_duration(pv) == 3
    np.testing.assert_allclose(earned_schedule(pv, [0, 5, 10, 45, 60, 70]), [0, 0.5, 1, 2.5, 3, 3])
    with pytest.raises(PMOError, match="non-decreasing"):
        earned_schedule([10, 5, 20], 7)


def test_earned_schedule_inside_a_flat_pv_stretch():
    # PV flat in periods 2-3: EV equal to that plateau is earned at the END of the plateau (C = last period)
    pv = [10, 20, 20, 40]
    assert float(earned_schedule(pv, 20)) == pytest.approx(3.0)
    assert float(earned_schedule(pv, 30)) == pytest.approx(3.5)


# --------------------------------------------------------------------------- edge cases

def test_nothing_spent_nothing_earned_is_on_plan_not_nan():
    st = status_frame([0, 50, 100], [0], [0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = earned_value(st).iloc[0]
    assert r["cpi"] == 1.0 and r["spi"] == 1.0 and r["cv_pct"] == 0.0 and r["sv_pct"] == 0.0
    assert r["eac"] == pytest.approx(100.0)
    # nothing was planned in period 1 either: on schedule (C = 1 as PV_1 = 0 <= EV)
    assert r["es"] == 1.0 and r["spi_t"] == 1.0 and r["ieac_t"] == pytest.approx(3.0)


def test_nothing_earned_against_a_plan_gives_infinite_ieac_t():
    r = earned_value(status_frame([50, 100], [0], [10])).iloc[0]
    assert r["cpi"] == 0.0 and r["es"] == 0.0 and r["spi_t"] == 0.0
    assert math.isinf(r["ieac_t"]) and math.isinf(r["eac_cpi"])
    assert r["cv_pct"] == -math.inf and r["sv_pct"] == -1.0


def test_ac_zero_with_ev_warns_and_rag_says_undefined():
    st = status_frame([50, 100], [10], [0])
    with pytest.warns(DataWarning, match="CPI undefined"):
        e = earned_value(st)
    assert np.isnan(e["cpi"].iloc[0])
    snap = evm_snapshot(e)
    status, findings = rag_status(snap, [RagRule("cost", "cpi", "<", amber=0.95, red=0.9)])
    assert status.loc["P", "rag"] == "amber"
    assert "cannot be evaluated" in status.loc["P", "reasons"]


def test_ev_equals_bac_complete_project():
    st = status_frame([50, 100, 100], [40, 90, 100], [50, 100, 120])
    r = earned_value(st).iloc[-1]
    assert r["tcpi_bac"] == 0.0 and r["tcpi_eac"] == 0.0 and r["tspi"] == 0.0
    assert r["eac"] == pytest.approx(120.0) and r["etc"] == 0.0
    assert r["es"] == pytest.approx(2.0) and r["pd"] == 2
    assert r["spi_t"] == pytest.approx(2 / 3) and r["ieac_t"] == pytest.approx(3.0)


def test_budget_exhausted_with_work_left_gives_infinite_tcpi_and_red():
    st = status_frame([50, 100, 100], [40, 60], [60, 110])
    e = earned_value(st)
    last = e.iloc[-1]
    assert math.isinf(last["tcpi_bac"])
    assert math.isinf(last["tspi"])  # AT = PD reached with work left
    status, _ = rag_status(evm_snapshot(e), [RagRule("tcpi", "tcpi_bac", ">", amber=1.05, red=1.1)])
    assert status.loc["P", "rag"] == "red" and "inf" in status.loc["P", "reasons"]


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.assign(pv=[25.0, 20.0, 75.0, 100.0]), "PV decreases"),
    (lambda d: d.assign(ac=[25.0, None, None, None], ev=[20.0, 40.0, None, None]), "same periods"),
    (lambda d: d.assign(ev=[None, 40.0, None, None], ac=[None, 50.0, None, None]), "without gaps"),
    (lambda d: d.assign(period=[1, 2, 4, 5]), "without gaps"),
])
def test_status_validation_errors(simple, mutate, match):
    with pytest.raises(DataValidationError, match=match):
        earned_value(mutate(simple))


def test_empty_status_is_a_clear_error():
    with pytest.raises(PMOError, match="non-empty"):
        earned_value(status_frame([1.0], [], []).iloc[0:0])
    with pytest.raises(PMOError, match="no project"):
        earned_value(status_frame([50, 100], [], []))


def test_period_to_date_interpolates_and_extrapolates():
    ends = pd.to_datetime(["2026-01-10", "2026-01-20", "2026-01-30"])
    d = period_to_date([0, 1, 1.5, 3, 4, np.inf], ends)
    assert list(d[:5]) == list(pd.to_datetime(["2025-12-31", "2026-01-10", "2026-01-15", "2026-01-30",
                                               "2026-02-09"]))
    assert pd.isna(d.iloc[5])


def test_snapshot_trend():
    st = status_frame([10, 20, 30, 40, 50], [10, 20, 27, 32], [10, 20, 30, 40])
    snap = evm_snapshot(earned_value(st), trend_periods=2)
    assert snap.loc["P", "period"] == 4
    assert snap.loc["P", "trend_from_period"] == 2
    assert snap.loc["P", "cpi_change"] == pytest.approx(0.8 - 1.0)


# --------------------------------------------------------------------------- forecast ranges

def test_ranges_collapse_to_the_point_forecast_with_constant_performance():
    st = status_frame([25, 50, 75, 100], [20, 40], [25, 50])
    e = earned_value(st)
    r = forecast_ranges(e, st, iterations=500, seed=3).loc["P"]
    assert r["eac_p10"] == pytest.approx(125.0) and r["eac_p90"] == pytest.approx(125.0)
    assert r["finish_p50"] == pytest.approx(e["ieac_t"].iloc[-1]) == pytest.approx(5.0)
    assert r["p_within_budget"] == 0.0 and r["p_on_time"] == 0.0
    assert r["window_cpi_min"] == pytest.approx(0.8) and r["window_cpi_max"] == pytest.approx(0.8)
    assert pd.Timestamp(r["finish_date_p50"]) == period_to_date([5.0], st["period_end"]).iloc[0]


def test_probability_within_budget_matches_enumeration():
    # window of two periods with CPI 2.0 and 0.667; one period of work left (k = 1) -> EAC 90 or 110
    st = status_frame([40, 80, 100], [40, 80], [20, 80])
    e = earned_value(st)
    r = forecast_ranges(e, window=2, iterations=4000, seed=11).loc["P"]
    assert r["p_within_budget"] == pytest.approx(0.5, abs=0.03)
    assert r["eac_p10"] == pytest.approx(90.0) and r["eac_p90"] == pytest.approx(110.0)


def test_ranges_are_reproducible_with_seed_and_vary_without():
    st = status_frame([10, 30, 60, 100, 140, 160], [8, 20, 50, 70], [10, 30, 45, 90])
    e = earned_value(st)
    a = forecast_ranges(e, iterations=300, seed=5)
    b = forecast_ranges(e, iterations=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    c = forecast_ranges(e, iterations=300, seed=6)
    assert not a.equals(c)


def test_ranges_with_no_progress_in_window_are_infinite_not_nan():
    st = status_frame([10, 20, 30, 40], [5, 5, 5], [5, 6, 7])
    r = forecast_ranges(earned_value(st), window=2, iterations=100, seed=1).loc["P"]
    assert math.isinf(r["eac_p50"]) and math.isinf(r["finish_p50"])
    assert r["p_within_budget"] == 0.0


def test_ranges_argument_checks(simple):
    e = earned_value(simple)
    for kw in ({"window": 0}, {"iterations": 0}, {"percentiles": (10, 120)}):
        with pytest.raises(ValueError):
            forecast_ranges(e, seed=1, **kw)
    with pytest.raises(ValueError, match="seed is required"):
        forecast_ranges(e)


# --------------------------------------------------------------------------- RAG

def _snap():
    return pd.DataFrame({"cpi": [1.0, 0.93, 0.85], "tcpi_bac": [0.9, 1.07, 1.3]},
                        index=pd.Index(["G", "A", "R"], name="project_id"))


def test_rag_levels_and_reasons():
    rules = [RagRule("cost", "cpi", "<", amber=0.95, red=0.90, label="CPI"),
             RagRule("tcpi", "tcpi_bac", ">", amber=1.05, red=1.10)]
    status, findings = rag_status(_snap(), rules)
    assert status["rag"].to_dict() == {"G": "green", "A": "amber", "R": "red"}
    assert status.loc["G", "reasons"] == ""
    # reasons read as words a board reads: the rule, its colour, the value against the threshold (no formula)
    assert "cost amber: CPI 0.93, below 0.95" in status.loc["A", "reasons"]
    assert "cost red: CPI 0.85, below 0.9" in status.loc["R", "reasons"]
    assert " = " not in status.loc["R", "reasons"] and "(red)" not in status.loc["R", "reasons"]
    assert status.loc["R", "n_red"] == 2
    assert len(findings) == 6
    assert set(findings.columns) >= {"project_id", "rule", "metric", "metric_value", "rag", "threshold", "reason"}
    # every amber/red finding names its threshold and a reason
    bad = findings[findings["rag"] != "green"]
    assert bad["threshold"].notna().all() and (bad["reason"] != "").all()


def test_rag_rule_validation():
    with pytest.raises(ValueError, match="op"):
        RagRule("x", "cpi", "==", amber=1)
    with pytest.raises(ValueError, match="threshold"):
        RagRule("x", "cpi", "<")
    with pytest.raises(ValueError, match="less severe"):
        RagRule("x", "cpi", "<", amber=0.9, red=0.95)
    with pytest.raises(ValueError, match="lacks the metric"):
        rag_status(_snap(), [RagRule("x", "spi_t", "<", amber=0.9)])
    with pytest.raises(ValueError, match="at least one"):
        rag_status(_snap(), [])


def test_rag_single_level_rule():
    status, _ = rag_status(_snap(), [RagRule("cost", "cpi", "<", red=0.9)])
    assert status["rag"].to_dict() == {"G": "green", "A": "green", "R": "red"}


# --------------------------------------------------------------------------- estimator

@pytest.fixture
def two_projects():
    good = status_frame([10, 30, 60, 100, 130, 150], [10, 30, 60, 100], [10, 30, 60, 100], pid="GOOD")
    bad = status_frame([10, 30, 60, 100, 130, 150], [9, 24, 42, 60], [10, 30, 55, 80], pid="BAD")
    return pd.concat([good, bad], ignore_index=True)


def test_delivery_monitor_flags_the_drifting_project(two_projects):
    mon = DeliveryMonitor(iterations=400, seed=2).fit(two_projects)
    assert mon.status_.loc["GOOD", "rag"] == "green"
    assert mon.status_.loc["BAD", "rag"] == "red"
    assert mon.needs_intervention() == ["BAD"] == mon.needs_intervention_
    s = mon.table_
    assert s.index[0] == "BAD"  # worst first
    assert "CPI" in s.loc["BAD", "reasons"] and "SPI(t)" in s.loc["BAD", "reasons"]
    for c in ("rag", "cpi", "spi_t", "eac", "eac_p10", "eac_p90", "p_within_budget", "ieac_t_date"):
        assert c in s.columns
    assert "fitted on 2 projects: 1 red, 0 amber, 1 green" in repr(mon)
    mon2 = DeliveryMonitor(iterations=400, seed=2).fit(two_projects)
    pd.testing.assert_frame_equal(mon.table_, mon2.table_)
    sm = mon.summary.set_index("measure")
    assert list(mon.summary.columns) == ["measure", "value", "unit"]
    assert sm.loc["red projects", "value"] == 1 and sm.loc["green projects", "value"] == 1
    assert sm.loc["EV", "value"] == pytest.approx(s["ev"].sum()) and sm.loc["EV", "unit"] == "currency"
    assert sm.loc["portfolio CPI", "value"] == pytest.approx(s["ev"].sum() / s["ac"].sum())


def test_delivery_monitor_commitment_rule(two_projects):
    projects = pd.DataFrame({"project_id": ["GOOD", "BAD"], "name": ["g", "b"],
                             "committed_finish": pd.to_datetime(["2026-12-31", "2026-06-30"])})
    mon = DeliveryMonitor(iterations=200, seed=1, rules=DEFAULT_RULES + (COMMITMENT_RULE,)).fit(two_projects,
                                                                                                projects)
    with pytest.raises(ValueError, match="at least one RAG rule"):
        DeliveryMonitor(seed=1, rules=())
    snap = mon.snapshot_
    slip = (pd.Timestamp(snap.loc["BAD", "finish_date_p50"]) - pd.Timestamp("2026-06-30")).days
    assert snap.loc["BAD", "finish_slip_days"] == slip > 30
    assert "committed date" in mon.status_.loc["BAD", "reasons"]
    assert snap.loc["GOOD", "finish_slip_days"] < 0


def test_delivery_monitor_unfitted():
    mon = DeliveryMonitor(seed=1)
    assert "unfitted" in repr(mon)
    with pytest.raises(ValueError, match="not fitted"):
        mon.summary
    with pytest.raises(ValueError, match="seed is required"):
        DeliveryMonitor()
    with pytest.raises(ValueError, match="eac_method"):
        DeliveryMonitor(seed=1, eac_method="magic")


def test_s_curve_data(simple):
    e = earned_value(simple)
    d = s_curve_data(simple, e)
    assert set(d["series"]) == {"PV", "EV", "AC", "EAC projection"}
    assert (d["series"] == "PV").sum() == 4 and (d["series"] == "EV").sum() == 2
    proj = d[d["series"] == "EAC projection"]
    assert proj["value"].tolist() == pytest.approx([50.0, 125.0])
    assert proj["period"].tolist() == pytest.approx([2.0, 5.0])


# --------------------------------------------------------------------------- charts

def test_monitor_evm_charts(two_projects):
    from pmo_analytics.charts import RAG
    from pmo_analytics.charts import monitor as cm

    mon = DeliveryMonitor(iterations=200, seed=1).fit(two_projects)
    curves = s_curve_data(two_projects, mon.evm_)
    one = cm.evm_s_curve(curves, "BAD").to_dict()
    assert one["mark"]["type"] == "line"
    assert one["encoding"]["color"]["scale"]["domain"] == ["PV", "EV", "AC", "EAC projection"]
    assert "facet" in cm.evm_s_curve(curves).to_dict()
    with pytest.raises(ValueError):
        cm.evm_s_curve(curves, "NOPE")
    trend = cm.performance_trend(mon.evm_, amber=0.95, red=0.9).to_dict()
    assert len(trend["hconcat"]) == 2
    rule_layer = trend["hconcat"][0]["layer"][0]
    datasets = trend["datasets"]
    thr = datasets[rule_layer["data"]["name"]]
    assert sorted(r["threshold"] for r in thr) == [0.9, 0.95, 1.0]
    table = cm.status_table(mon.table_).to_dict()
    rect = table["layer"][0]
    assert rect["encoding"]["color"]["scale"]["range"][:3] == [RAG["green"], RAG["amber"], RAG["red"]]
    cells = table["datasets"][rect.get("data", table.get("data"))["name"]]
    assert {"project_id": "BAD", "field": "RAG", "text": "RED", "rag": "red"} in cells


# --------------------------------------------------------------------------- properties and the sample


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=1, max_size=12), st.floats(0, 1.2))
def test_earned_schedule_inverts_the_pv_curve(increments, frac):
    pv = np.cumsum(increments)
    if pv[-1] <= 0:
        return
    bac = pv[-1]
    ev = frac * bac
    es = float(earned_schedule(pv, ev))
    pd_ = planned_duration(pv)
    assert 0.0 <= es <= pd_
    if ev < bac:
        # the defining property: PV interpolated at ES equals EV
        curve = np.concatenate([[0.0], pv[:pd_]])
        assert np.interp(es, np.arange(pd_ + 1), curve) == pytest.approx(ev, abs=1e-9 * max(bac, 1))
    else:
        assert es == pd_
    assert float(earned_schedule(pv, ev * 0.5)) <= es + 1e-12


@pytest.mark.slow
def test_sample_portfolio_has_no_silent_nan():
    import pmo_analytics

    try:
        pf = pmo_analytics.read_portfolio()
    except FileNotFoundError:
        pytest.skip("bundled sample not available")
    if not pf.has("status"):
        pytest.skip("sample has no status table")
    mon = DeliveryMonitor(iterations=200, seed=1).fit(pf)
    assert "from Portfolio(" in repr(mon)
    num = mon.evm_.select_dtypes("number").drop(columns=["eac_bottom_up"])
    assert not num.isna().any().any()
    s = mon.table_
    assert not s.drop(columns=[c for c in ("committed_finish", "finish_slip_days") if c in s]).isna().any().any()
    # every non-green project states why
    assert (s.loc[s["rag"] != "green", "reasons"] != "").all()


def test_project_without_reports_is_named_not_dropped_silently(simple):
    waiting = status_frame([10, 20], [], [], pid="LATER")
    with pytest.warns(DataWarning, match="LATER"):
        e = earned_value(pd.concat([simple, waiting], ignore_index=True))
    assert set(e["project_id"]) == {"P"}
