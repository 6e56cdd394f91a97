"""Minimum-cost crashing (pmo_analytics.schedule.crashing): published case, hand checks, brute force, real files."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pmo_analytics.exceptions import DataValidationError
from pmo_analytics.schedule import build_network, cpm, crash, time_cost_curve
from pmo_analytics.schedule.crashing import crash_data
from pmo_analytics.schedule.cpm import forward_pass, project_finish
from pmo_analytics.tables.checks import crash_problems

DATA = Path(__file__).parent / "data"

# Hillier & Lieberman, *Introduction to Operations Research* (9th ed., 2010), section 22.5 "Time-cost trade-offs
# for activities", the Reliable Construction Co. project: normal times [weeks] and predecessors (Table 22.1), and
# per activity the maximum reduction [weeks] and crash cost per week saved [$1,000] (normal/crash times and costs
# of Table 22.6). Published answer: to finish in 40 weeks instead of 44, crash J and F by two weeks each at a
# total crashing cost of $140,000 (marginal cost analysis: J, J, F, F at 30k, 30k, 40k, 40k; and the LP model).
RELIABLE = [("A", 2, 1, 100, ""), ("B", 4, 2, 50, "A"), ("C", 10, 3, 80, "B"), ("D", 6, 2, 40, "C"),
            ("E", 4, 1, 160, "C"), ("F", 5, 2, 40, "E"), ("G", 7, 3, 40, "D"), ("H", 9, 3, 60, "E;G"),
            ("I", 7, 2, 30, "C"), ("J", 8, 2, 30, "F;I"), ("K", 4, 1, 40, "J"), ("L", 5, 2, 50, "J"),
            ("M", 2, 1, 100, "H"), ("N", 6, 3, 60, "K;L")]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(activity_id=a, min_duration=d, most_likely=d, max_duration=d, crash_limit=u,
                              crash_cost_rate=c, predecessors=p or None) for a, d, u, c, p in rows])


@pytest.fixture(scope="module")
def reliable():
    return build_network(frame([(a, d, u, c * 1000.0, p) for a, d, u, c, p in RELIABLE]), unit="weeks")


def _paths(net) -> list[list[int]]:
    """Every start-to-end path of an FS network (an independent oracle: path enumeration)."""
    succ = {i: [] for i in range(net.n)}
    for p, s in zip(net.links["pred_row"], net.links["succ_row"]):
        succ[int(p)].append(int(s))
    starts = set(range(net.n)) - set(net.links["succ_row"].astype(int))
    out = []

    def walk(path):
        nxt = succ[path[-1]]
        if not nxt:
            out.append(path)
        for s in nxt:
            walk(path + [s])

    for s in sorted(starts):
        walk([s])
    return out


def path_lp_cost(net, T: float) -> float:
    """Least crash cost to finish by ``T`` from the path formulation (sum over each path of d - y <= T), scipy."""
    d = net.most_likely
    data = crash_data(net)
    paths = _paths(net)
    A = np.zeros((len(paths), net.n))
    for k, p in enumerate(paths):
        A[k, p] = -1.0
    b = T - np.array([d[p].sum() for p in paths])
    res = linprog(data.rate, A_ub=A, b_ub=b, bounds=list(zip(np.zeros(net.n), data.limit)), method="highs")
    assert res.status in (0, 2)
    return float(res.fun) if res.status == 0 else float("nan")


def test_reliable_construction_published_answer(reliable):
    plan = crash(reliable, 40)
    assert plan.finish_before == 44 and plan.feasible and plan.exact
    assert plan.cost == pytest.approx(140_000)
    assert plan.crashed["crash"].round(9).to_dict() == {"F": 2.0, "J": 2.0}
    assert plan.finish_after == pytest.approx(40)
    assert plan.crashed["crash_cost"].sum() == pytest.approx(plan.cost)


def test_reliable_construction_curve_matches_the_marginal_cost_analysis_and_path_lp(reliable):
    curve = time_cost_curve(reliable).set_index("finish")
    # the published steps: 44 -> 42 weeks at 30k a week (J), 42 -> 40 at 40k a week (F)
    assert curve.loc[44.0, "cost"] == 0 and curve.loc[42.0, "cost"] == pytest.approx(60_000)
    assert curve.loc[40.0, "cost"] == pytest.approx(140_000)
    assert curve.loc[44.0, "slope"] == pytest.approx(30_000) and curve.loc[42.0, "slope"] == pytest.approx(40_000)
    assert curve["exact"].all()
    # every whole week down to the shortest finish: the curve (interpolated) equals the path LP (scipy)
    lo = curve.index.min()
    xs = curve.index.to_numpy()[::-1]
    for T in np.arange(np.ceil(lo), 45):
        assert np.interp(T, xs, curve["cost"].to_numpy()[::-1]) == pytest.approx(path_lp_cost(reliable, T), abs=1e-6)
    # below the shortest finish the path LP is infeasible; the curve is convex (slopes rise as the finish shortens)
    assert np.isnan(path_lp_cost(reliable, lo - 0.5))
    assert np.all(np.diff(curve["slope"].to_numpy()[:-1]) >= -1e-6)


def test_hand_checked_general_foundry():
    """Render, Stair & Hanna's General Foundry network (weeks) with crash data checked by hand.

    Paths A-C-E-G-H = 15, B-D-G-H = 14, A-C-F-H = 9 (the published CPM). To finish in 13 weeks A-C-E-G-H must
    lose 2 and B-D-G-H 1: G (both paths, 1,500 a week) once and then A (750) once = 2,250; the alternatives
    (G twice = 3,000; A + C for the first path and D for the second = 2,750) cost more.
    """
    rows = [("A", 2, 1, 750, ""), ("B", 3, 2, 2000, ""), ("C", 2, 1, 1000, "A"), ("D", 4, 1, 1000, "B"),
            ("E", 4, 2, 1000, "C"), ("F", 3, 1, 500, "C"), ("G", 5, 3, 1500, "D;E"), ("H", 2, 1, 3000, "F;G")]
    net = build_network(frame(rows), unit="weeks")
    plan = crash(net, 13)
    assert plan.cost == pytest.approx(2250) and plan.crashed["crash"].round(9).to_dict() == {"A": 1.0, "G": 1.0}
    assert crash(net, 15).cost == 0 and crash(net, 16).crashed.empty


def test_target_out_of_reach_and_the_shortest_finish(reliable):
    plan = crash(reliable, 20)
    assert not plan.feasible and np.isnan(plan.cost) and plan.crashed.empty
    # every activity at its limit: the shortest finish (checked against the forward pass)
    d = reliable.most_likely - crash_data(reliable).limit
    assert plan.min_finish == pytest.approx(float(project_finish(reliable, forward_pass(reliable, d))))
    assert "not reachable" in repr(plan)


# --------------------------------------------------------------------------- property: never beaten by brute force
@st.composite
def tiny(draw, types=("FS", "SS", "FF", "SF")):
    n = draw(st.integers(2, 5))
    rows = []
    for i in range(n):
        d = draw(st.integers(1, 6))
        u = draw(st.integers(0, min(2, d)))
        preds = []
        for j in range(i):
            if draw(st.booleans()):
                t = draw(st.sampled_from(types))
                lag = draw(st.integers(-2, 3))
                preds.append(f"T{j}:{t}{lag:+d}")
        rows.append(dict(activity_id=f"T{i}", min_duration=d, most_likely=d, max_duration=d, crash_limit=float(u),
                         crash_cost_rate=float(draw(st.integers(1, 10))), predecessors="; ".join(preds) or None))
    return pd.DataFrame(rows), draw(st.floats(0.0, 1.0))


def _brute(net, T, step=1.0):
    data = crash_data(net)
    grids = [np.arange(0.0, u + 1e-9, step) for u in data.limit]
    best = np.inf
    for y in itertools.product(*grids):
        y = np.array(y)
        f = float(project_finish(net, forward_pass(net, net.most_likely - y)))
        if f <= T + 1e-9:
            best = min(best, float(data.rate @ y))
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_property_lp_is_never_beaten_by_brute_force(case):
    df, where = case
    net = build_network(df)
    f0 = float(project_finish(net, forward_pass(net, net.most_likely)))
    fmin = float(project_finish(net, forward_pass(net, net.most_likely - crash_data(net).limit)))
    T = round(fmin + where * (f0 - fmin), 1)
    plan = crash(net, T)
    brute = min(_brute(net, T, 1.0), _brute(net, T, 0.5))
    if np.isfinite(brute):
        assert plan.feasible
        assert plan.cost <= brute + 1e-6
    if plan.feasible:  # the plan meets the target by the network's own forward pass
        d = net.most_likely - plan.crash
        assert float(project_finish(net, forward_pass(net, d))) <= T + 1e-6
        assert plan.finish_after <= T + 1e-6 and plan.cost >= -1e-9


@settings(max_examples=40, deadline=None)
@given(tiny(types=("FS",)))
def test_property_fs_networks_lp_equals_the_integer_optimum(case):
    """FS networks with whole numbers: the LP is totally unimodular, its optimum is the integer brute force."""
    df, where = case
    df["predecessors"] = df["predecessors"].str.replace(r":FS[+-]\d+", "", regex=True)
    net = build_network(df)
    f0 = float(project_finish(net, forward_pass(net, net.most_likely)))
    fmin = float(project_finish(net, forward_pass(net, net.most_likely - crash_data(net).limit)))
    T = float(np.ceil(fmin + where * (f0 - fmin)))
    plan = crash(net, T)
    assert plan.cost == pytest.approx(_brute(net, T), abs=1e-6)


# --------------------------------------------------------------------------- networks with dates, progress, calendars
def dated(**extra):
    acts = pd.DataFrame({
        "activity_id": ["A", "B", "C", "D", "E"],
        "min_duration": [5, 10, 8, 6, 0], "most_likely": [5, 10, 8, 6, 0], "max_duration": [5, 10, 8, 6, 0],
        "predecessors": [None, "A", "A:SS+2", "B;C:FF+1", "D"],
        "crash_limit": [2, 4, 3, 2, np.nan], "crash_cost_rate": [100, 300, 200, 250, np.nan],
        "actual_start": [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09"), pd.NaT, pd.NaT, pd.NaT],
        "actual_finish": [pd.Timestamp("2026-03-06"), pd.NaT, pd.NaT, pd.NaT, pd.NaT],
        "remaining_duration": [np.nan, 5, np.nan, np.nan, np.nan],
    })
    for k, v in extra.items():
        acts[k] = v
    return acts


def test_projects_under_way_crash_only_the_remaining_work():
    net = build_network(dated(), start_date="2026-03-02", data_date="2026-03-16")
    data = crash_data(net)
    lim = dict(zip(net.ids, data.limit))
    assert lim["A"] == 0.0                # complete: nothing left to crash
    assert lim["B"] == pytest.approx(2.0)  # 4 days of 10 planned, scaled to the 5 remaining
    sched = cpm(net)
    T = float(sched["early_finish"].max()) - 3
    plan = crash(net, T)
    assert plan.feasible and plan.exact and plan.finish_after <= T + 1e-6
    assert "A" not in plan.plan.index
    # the crash is what a brute force over whole days finds, and the dates move by the days saved
    crashed = cpm(net, durations=net.remaining - plan.crash)
    assert float(crashed["early_finish"].max()) == pytest.approx(plan.finish_after)
    best = np.inf
    grids = [np.arange(0, lim[a] + 1e-9, 1.0) for a in net.ids]
    for y in itertools.product(*grids):
        f = float(cpm(net, durations=net.remaining - np.array(y))["early_finish"].max())
        if f <= T + 1e-9:
            best = min(best, float(data.rate @ np.array(y)))
    assert plan.cost <= best + 1e-6


def test_a_target_date_and_a_constraint():
    acts = dated(constraint_type=[None, None, None, "SNET", None],
                 constraint_date=[pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-03-30"), pd.NaT])
    net = build_network(acts, start_date="2026-03-02", data_date="2026-03-16")
    sched = cpm(net)
    finish = sched["early_finish_date"].max()
    plan = crash(net, finish - pd.Timedelta(days=1))
    # D cannot start before its SNET date: only D itself (and E, a milestone) can move the finish
    assert plan.feasible and set(plan.crashed.index) == {"D"}
    assert cpm(net, durations=net.remaining - plan.crash)["early_finish_date"].max() < finish


def test_calendar_conversions_are_confirmed_by_the_forward_pass():
    from pmo_analytics.schedule import WorkCalendar

    cals = {"five": WorkCalendar(name="five"), "six": WorkCalendar(name="six", work_week="Mon-Sat")}
    net = build_network(dated(calendar_id=["five", "five", "six", "six", "five"]), calendars=cals, calendar="five",
                        start_date="2026-03-02", data_date="2026-03-16")
    sched = cpm(net)
    T = float(sched["early_finish"].max()) - 2
    plan = crash(net, T)
    assert not plan.exact and plan.feasible
    assert float(cpm(net, durations=net.remaining - plan.crash)["early_finish"].max()) <= T + 1e-6


def real_network(name: str):
    """A real schedule of tests/data/realdata (PROVENANCE.md) with crash data: a fifth of each duration, at the
    activity's cost rate + 10 + its row number (distinct rates: one cheapest choice)."""
    from pmo_analytics.tables import msproject as msp

    if not msp.java_available():
        pytest.skip(str(msp.java_unavailable_reason()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = msp.read_schedule(DATA / "realdata" / name, project_id="P-1")
    acts = sched.activities.copy()
    acts["crash_limit"] = (acts["most_likely"] * 0.2).round(1)
    acts["crash_cost_rate"] = acts["cost_rate"] + 10.0 + np.arange(len(acts))
    p = sched.project
    return build_network(acts, "P-1", links=sched.links, calendars=sched.calendars,
                         calendar_exceptions=sched.calendar_exceptions, start_date=p.get("start_date"),
                         data_date=p.get("data_date"), calendar=p.get("calendar_id"),
                         lag_calendar=p.get("lag_calendar") or "predecessor")


@pytest.mark.slow
def test_real_p6_schedule_under_way_with_six_calendars():
    """SP10: 3,991 activities, 6 calendars, 1,427 constraints, 666 progressed; half the days crashing can save."""
    net = real_network("SP10_COST_LOADED.xer")
    base = cpm(net)
    f0 = float(base["early_finish"].max())
    shortest = crash(net, 0.0).min_finish
    assert shortest < f0 - 10
    T = f0 - 0.5 * (f0 - shortest)
    plan = crash(net, T)
    assert plan.feasible and not plan.exact and plan.finish_after >= T - 1.0  # no needless overshoot
    assert float(cpm(net, durations=net.remaining - plan.crash)["early_finish"].max()) <= T + 1e-6
    assert (plan.plan["crash"] <= plan.plan["crash_limit"] + 1e-9).all()
    assert plan.plan.loc[plan.plan.index.isin(net.ids) & (net.activities.loc[plan.plan.index, "status"] ==
                                                           "complete").to_numpy()].empty


def test_real_p6_schedule_against_a_greedy_oracle():
    """XERNative_sample (25 activities): the plan meets the target by the network's own CPM and costs no more than
    a greedy oracle (crash the cheapest critical activity a quarter day at a time: feasible, not optimal)."""
    net = real_network("XERNative_sample.xer")
    base = cpm(net)
    f0 = float(base["early_finish"].max())
    T = f0 - 0.1 * (f0 - float(base["early_start"].min()))
    plan = crash(net, T)
    assert plan.feasible
    assert float(cpm(net, durations=net.remaining - plan.crash)["early_finish"].max()) <= T + 1e-6
    data = crash_data(net)
    y = np.zeros(net.n)
    for _ in range(100_000):
        s = cpm(net, durations=net.remaining - y)
        if float(s["early_finish"].max()) <= T + 1e-9:
            break
        room = (data.limit - y > 1e-12) & s["critical"].to_numpy()
        if not room.any():
            pytest.fail("greedy oracle ran out of crash")
        j = np.flatnonzero(room)[np.argmin(data.rate[room])]
        y[j] = min(data.limit[j], y[j] + 0.25)
    assert plan.cost <= float(data.rate @ y) + 1e-6


# --------------------------------------------------------------------------- data model
def test_crash_data_validation_names_row_and_column():
    acts = pd.DataFrame({"activity_id": ["A", "B", "C"], "most_likely": [5.0, 4.0, 3.0],
                         "crash_limit": [6.0, 2.0, np.nan], "crash_cost_rate": [100.0, np.nan, 5.0]})
    found = crash_problems(acts, "activities.csv")
    text = [str(p) for p in found]
    assert text == ["activities.csv, row 2, column 'crash_limit': crash_limit 6 is longer than the most likely "
                    "duration 5: an activity cannot be shortened below zero",
                    "activities.csv, row 3, column 'crash_cost_rate': crash_limit is given without a "
                    "crash_cost_rate: give the cost of one working day saved (0 if crashing is free)"]


def test_crash_columns_are_read_and_checked(tmp_path):
    import shutil

    import pmo_analytics as pmo

    shutil.copytree(DATA / "minimal", tmp_path / "pf")
    path = tmp_path / "pf" / "activities.csv"
    acts = pd.read_csv(path)
    acts["crash_limit"] = np.where(acts["most_likely"] > 0, 1.0, np.nan)
    acts["crash_cost_rate"] = np.where(acts["most_likely"] > 0, 500.0, np.nan)
    acts.to_csv(path, index=False)
    pf = pmo.read_portfolio(tmp_path / "pf")
    pid = pf.activities["project_id"].iloc[0]
    net = build_network(pf, pid)
    assert crash_data(net).n == int((net.remaining > 0).sum())
    acts.loc[acts.index[acts["most_likely"] > 0][0], "crash_limit"] = 1e6
    acts.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="crash_limit"):
        pmo.read_portfolio(tmp_path / "pf")


def test_bad_arguments(reliable):
    with pytest.raises(ValueError, match="target"):
        crash(reliable, None)
    with pytest.raises(ValueError, match="start_date"):
        crash(reliable, "2027-01-01")
