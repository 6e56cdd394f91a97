"""Schedule events of the Monte Carlo (pmo_analytics.risk.events): branches, risk calendars, conditional risks."""

from __future__ import annotations

import math
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pmo_analytics as pmo
from pmo_analytics.exceptions import DataValidationError
from pmo_analytics.risk import PortfolioRiskModel, Recovery, ScheduleRiskModel, recovery
from pmo_analytics.risk.events import _Stretch
from pmo_analytics.schedule import build_network
from pmo_analytics.tables.events import season_days

from .conftest import MINIMAL


def act(aid, lo, ml, hi, preds=None, dist="uniform", **kw):
    return dict(activity_id=aid, min_duration=lo, most_likely=ml, max_duration=hi, distribution=dist,
                predecessors=preds, **kw)


def se(p, n):
    return math.sqrt(p * (1 - p) / n)


# --------------------------------------------------------------------------- probabilistic branching
@pytest.fixture(scope="module")
def two_branches():
    """T (10 days) then a pass path P ~ U(4, 6) with probability 0.6 or a fail path R ~ U(10, 20) (0.4), both
    into the finish E: the finish is the mixture 0.6 U(14, 16) + 0.4 U(20, 30)."""
    acts = pd.DataFrame([act("S", 0, 0, 0, dist="fixed"), act("T", 10, 10, 10, "S", dist="fixed"),
                         act("P", 4, 5, 6, "T", fixed_cost=100.0), act("R", 10, 15, 20, "T", fixed_cost=1000.0),
                         act("E", 0, 0, 0, "P; R", dist="fixed")])
    branches = pd.DataFrame([dict(activity_id="T", branch_id="pass", probability=0.6, path="P"),
                             dict(activity_id="T", branch_id="fail", probability=0.4, path="R")])
    net = build_network(acts)
    return net, branches, ScheduleRiskModel(net, seed=4, iterations=40_000, branches=branches).run()


def test_two_branch_finish_is_the_mixture_of_the_two_paths(two_branches):
    _, _, m = two_branches
    n = m.iterations_

    def mixture(t):
        return 0.6 * np.clip((t - 14) / 2, 0, 1) + 0.4 * np.clip((t - 20) / 10, 0, 1)

    for t in (14.5, 15.0, 15.9, 16.0, 19.0, 22.0, 25.0, 29.0):
        p = mixture(t)
        assert abs(np.mean(m.finish_ <= t) - p) <= 4 * se(max(p, 1e-3), n) + 1e-12, t
    grid = np.linspace(13, 31, 400)
    ks = np.max(np.abs(np.searchsorted(np.sort(m.finish_), grid, side="right") / n - mixture(grid)))
    assert ks < 1.36 / math.sqrt(n) * 1.5  # Kolmogorov-Smirnov, well inside the 5 % critical value x 1.5


def test_branch_existence_criticality_cost_and_the_deterministic_view(two_branches):
    net, branches, m = two_branches
    n = m.iterations_
    assert m.existence_["P"] == pytest.approx(0.6, abs=4 * se(0.6, n))
    assert m.existence_["R"] == pytest.approx(1 - m.existence_["P"], abs=1e-12)
    assert m.existence_[["S", "T", "E"]].eq(1).all()
    # criticality counts only the iterations where the path exists: P is critical exactly when it exists
    assert m.criticality_["P"] == pytest.approx(m.existence_["P"])
    assert m.criticality_["R"] == pytest.approx(m.existence_["R"])
    # a path not taken costs nothing, its fixed cost included
    assert m.cost_.mean() == pytest.approx(100 * m.existence_["P"] + 1000 * m.existence_["R"], rel=1e-9)
    # the deterministic plan takes the most likely branch (pass): 10 + 5
    assert m.deterministic_finish_ == 15 and m.deterministic_cost_ == 100
    assert m.schedule_.loc["R", "duration"] == 0
    # the same model without branches draws the same durations (events have their own stream)
    plain = ScheduleRiskModel(net, seed=4, iterations=2000).run()
    again = ScheduleRiskModel(net, seed=4, iterations=2000, branches=branches).run()
    D0, D1 = plain.durations_, again.durations_
    both = (D1 > 0)
    assert np.array_equal(D0[both], D1[both])


def test_branch_table_errors_name_the_row(tmp_path):
    folder = tmp_path / "pf"
    shutil.copytree(MINIMAL, folder)
    acts = pd.read_csv(folder / "activities.csv")
    pid = acts["project_id"].iloc[0]
    ids = acts.loc[acts["project_id"] == pid, "activity_id"].tolist()
    first, last = ids[0], ids[-1]
    pd.DataFrame([dict(project_id=pid, activity_id=last, branch_id="a", probability=0.5, path=first),
                  dict(project_id=pid, activity_id=last, branch_id="b", probability=0.4, path="")]).to_csv(
        folder / "branches.csv", index=False)
    with pytest.raises(DataValidationError) as err:
        pmo.read_portfolio(folder)
    text = str(err.value)
    assert "branches.csv, row 2, column 'probability'" in text and "summing to 0.9" in text
    assert f"activity {first} does not follow {last}" in text


# --------------------------------------------------------------------------- risk calendars
def _work_until_done(es, d, windows):
    """Independent oracle: walk the time line from one window edge to the next at the rate in force there."""
    t, left = float(es), float(d)
    for _ in range(1000):
        if left <= 0:
            return t
        rate = next((f for a, b, f in windows if a <= t < b), 1.0)
        edges = [x for a, b, _ in windows for x in (a, b) if x > t]
        nxt = min(edges) if edges else math.inf
        if rate > 0 and t + left / rate <= nxt:
            return t + left / rate
        left -= (nxt - t) * rate
        t = nxt
    raise AssertionError("oracle did not finish")


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 50), st.one_of(st.just(0.0), st.floats(1e-9, 40)), st.lists(st.tuples(st.floats(0, 60), st.floats(0.1, 15),
                                                               st.sampled_from([0.0, 0.25, 0.5, 1.0])),
                                                     min_size=1, max_size=4))
def test_work_through_windows_matches_a_step_by_step_oracle(es, d, raw):
    """Durations are 0 (a milestone) or at least 1e-9 days: below the float resolution of the start (hypothesis
    found d = 7e-82 at es = 1.0, where es + d == es) no clock can tell work from no work."""
    wins, t = [], 0.0
    for gap, length, f in raw:  # time-ordered, not overlapping
        a = t + gap
        wins.append((a, a + length, f))
        t = a + length
    got = _Stretch([(np.array([a]), np.array([b]), f) for a, b, f in wins])(np.array([es]), np.array([d]))
    assert got[0] == pytest.approx(_work_until_done(es, d, wins), abs=1e-6)


def weather_network():
    acts = pd.DataFrame([act("A", 10, 10, 10, dist="fixed"),
                         act("B", 20, 20, 20, "A", dist="fixed", risk_calendar_id="W"),
                         act("C", 5, 5, 5, "B", dist="fixed")])
    return build_network(acts, start_date="2026-12-01")


def test_risk_calendar_by_hand():
    """B runs from Tue 15 Dec 2026 for 20 working days; by 31 Dec 13 are done. A January stop (probability 0.5)
    and a February at half productivity (probability 1) give: without the stop B ends 11 Jan and C 18 Jan; with
    it, the 7 days left take 14 working days from 1 Feb (to 18 Feb) and C ends 25 Feb."""
    rc = pd.DataFrame([dict(risk_calendar_id="W", season_start="01-01", season_end="01-31", probability=0.5,
                            productivity=0.0),
                       dict(risk_calendar_id="W", season_start="02-01", season_end="02-28", probability=1.0,
                            productivity=0.5)])
    m = ScheduleRiskModel(weather_network(), seed=2, iterations=4000, risk_calendars=rc).run()
    dates = m.to_date(m.finish_)
    early, late = pd.Timestamp("2027-01-18"), pd.Timestamp("2027-02-25")
    assert set(dates) == {early, late}
    assert np.mean(dates == late) == pytest.approx(0.5, abs=4 * se(0.5, 4000))
    assert m.deterministic_finish_ == 35  # the plan has no weather
    # a window placed inside its season: a 10-day stop somewhere in January (probability 1) delays B by the
    # working days of the stop that fall before it ends, never more than 10 calendar days' worth
    rc2 = pd.DataFrame([dict(risk_calendar_id="W", season_start="01-01", season_end="01-31", probability=1.0,
                             productivity=0.0, window_days=10)])
    m2 = ScheduleRiskModel(weather_network(), seed=2, iterations=4000, risk_calendars=rc2).run()
    delay = m2.finish_ - 35
    assert delay.min() >= 0 and delay.max() <= 8 + 1e-9 and delay.mean() > 1


def test_risk_calendar_errors(tmp_path):
    folder = tmp_path / "pf"
    shutil.copytree(MINIMAL, folder)
    pd.DataFrame([dict(risk_calendar_id="W", season_start="12-01", season_end="02-28", probability=0.5,
                       productivity=0.0),
                  dict(risk_calendar_id="W", season_start="02-01", season_end="03-31", probability=0.5,
                       productivity=0.5, window_days=80)]).to_csv(folder / "risk_calendars.csv", index=False)
    acts = pd.read_csv(folder / "activities.csv")
    acts["risk_calendar_id"] = None
    acts.loc[acts.index[0], "risk_calendar_id"] = "NOPE"
    acts.to_csv(folder / "activities.csv", index=False)
    with pytest.raises(DataValidationError) as err:
        pmo.read_portfolio(folder)
    text = str(err.value)
    assert "the seasons of risk calendar W overlap (rows 2 and 3)" in text
    assert "window of 80 days is longer than its 59-day season" in text
    assert "activities.csv, row 2, column 'risk_calendar_id': unknown risk calendar 'NOPE'" in text
    assert season_days("12-01", "02-28") == (334, 90)


# --------------------------------------------------------------------------- conditional risks
def conditional_model(condition="only_if", p1=None, iterations=40_000, **kw):
    acts = pd.DataFrame([act("A", 10, 10, 10, dist="fixed"), act("B", 10, 10, 10, dist="fixed"),
                         act("E", 0, 0, 0, "A; B", dist="fixed")])
    risks = pd.DataFrame([
        dict(risk_id="P", title="parent", probability=0.4, impact_type="days", schedule_min=5,
             schedule_most_likely=5, schedule_max=5, affected_activities="A"),
        dict(risk_id="C", title="child", probability=0.5, impact_type="days", schedule_min=3,
             schedule_most_likely=3, schedule_max=3, affected_activities="B", parent_risk="P", condition=condition,
             probability_if_parent=p1)])
    return ScheduleRiskModel(build_network(acts), risks, seed=9, iterations=iterations, **kw)


def test_only_if_child_probability_is_parent_times_conditional():
    m = conditional_model().run()
    n = m.iterations_
    ids = list(m.network.ids)
    parent = m.durations_[ids.index("A")] > 10
    child = m.durations_[ids.index("B")] > 10
    assert parent.mean() == pytest.approx(0.4, abs=4 * se(0.4, n))
    assert child.mean() == pytest.approx(0.4 * 0.5, abs=4 * se(0.2, n))   # P(child) = P(parent) P(child | parent)
    assert not (child & ~parent).any()                                     # never without its parent
    assert child[parent].mean() == pytest.approx(0.5, abs=4 * se(0.5, parent.sum()))
    # the tornado removes the parent: its only_if child goes with it
    off = m._simulate(m.mitigated, m.drivers.index(["P"]), store=True, crit=False)
    assert (off.durations[ids.index("B")] == 10).all()


def test_more_likely_child():
    m = conditional_model("more_likely", p1=0.9).run()
    n = m.iterations_
    ids = list(m.network.ids)
    parent = m.durations_[ids.index("A")] > 10
    child = m.durations_[ids.index("B")] > 10
    expected = 0.4 * 0.9 + 0.6 * 0.5
    assert child.mean() == pytest.approx(expected, abs=4 * se(expected, n))
    assert child[parent].mean() == pytest.approx(0.9, abs=4 * se(0.9, parent.sum()))
    assert child[~parent].mean() == pytest.approx(0.5, abs=4 * se(0.5, (~parent).sum()))


def test_conditional_register_errors(tmp_path):
    folder = tmp_path / "pf"
    shutil.copytree(MINIMAL, folder)
    risks = pd.read_csv(folder / "risks.csv")
    r0 = risks.iloc[0]
    extra = pd.DataFrame([
        r0.to_dict() | dict(risk_id="X1", parent_risk="NOPE", condition="only_if"),
        r0.to_dict() | dict(risk_id="X2", parent_risk=r0["risk_id"], condition=None),
        r0.to_dict() | dict(risk_id="X3", parent_risk="X4", condition="only_if"),
        r0.to_dict() | dict(risk_id="X4", parent_risk="X3", condition="more_likely", probability_if_parent=0.01)])
    pd.concat([risks, extra], ignore_index=True).to_csv(folder / "risks.csv", index=False)
    with pytest.raises(DataValidationError) as err:
        pmo.read_portfolio(folder)
    text = str(err.value)
    assert "unknown parent risk 'NOPE'" in text
    assert "risk X2 names a parent_risk: say how it depends on it" in text
    assert "probability_if_parent 0.01 is below its probability" in text
    assert "cycle of parent risks" in text


# --------------------------------------------------------------------------- both engines, and recovery
def test_portfolio_engine_simulates_the_events_like_the_schedule_engine(tmp_path):
    """The same project in both engines: same branches, conditional risks and windows, so the same finish
    distribution (independent draws: compared within Monte Carlo error)."""
    folder = tmp_path / "pf"
    shutil.copytree(MINIMAL, folder)
    pf = pmo.read_portfolio(folder)
    pid = pf.projects_in("active")["project_id"].iloc[0]
    acts = pf.activities[pf.activities["project_id"] == pid]
    work = acts[acts["max_duration"] > 0]["activity_id"].tolist()
    net = build_network(pf, pid)
    if not net.has_dates:
        pytest.skip("the minimal portfolio's active project has no start date")
    branches = pd.DataFrame([dict(project_id=pid, activity_id=work[0], branch_id="ok", probability=0.7, path=None),
                             dict(project_id=pid, activity_id=work[0], branch_id="redo", probability=0.3,
                                  path=work[1])])
    a2 = pf.activities.copy()
    a2["risk_calendar_id"] = np.where(a2["activity_id"] == work[-1], "W", None)
    rc = pd.DataFrame([dict(risk_calendar_id="W", season_start="11-01", season_end="03-31", probability=0.5,
                            productivity=0.5)])
    pf.tables.update(activities=a2, branches=branches, risk_calendars=rc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = ScheduleRiskModel.from_portfolio(pf, pid, seed=1, iterations=20_000).run()
        port = PortfolioRiskModel(seed=1, iterations=20_000).run(pf)
    assert single.existence_[work[1]] == pytest.approx(0.3, abs=0.02)
    f_single = single.finish_ - single.deterministic_finish_
    assert single._calendars is not None and single._branches is not None
    # the portfolio's finish counts from the project's start period: compare the spread above each minimum
    got = port.finish_samples_[pid].to_numpy()
    for q in (0.5, 0.8, 0.95):
        assert np.quantile(got, q) - got.min() == pytest.approx(np.quantile(f_single, q) - f_single.min(),
                                                                 abs=1.5)


def test_recovery_with_events_holds_out_of_sample():
    acts = pd.DataFrame([
        act("A", 8, 10, 14, dist="triangular", crash_limit=3, crash_cost_rate=100),
        act("B", 15, 20, 30, "A", dist="triangular", risk_calendar_id="W", crash_limit=6, crash_cost_rate=200),
        act("C", 4, 5, 8, "B", dist="triangular", crash_limit=1, crash_cost_rate=300),
        act("R", 5, 6, 9, "A", dist="triangular", crash_limit=2, crash_cost_rate=150),
        act("E", 0, 0, 0, "C;R", dist="fixed")])
    rc = pd.DataFrame([dict(risk_calendar_id="W", season_start="01-01", season_end="01-31", probability=0.5,
                            productivity=0.0),
                       dict(risk_calendar_id="W", season_start="02-01", season_end="02-28", probability=0.7,
                            productivity=0.5)])
    br = pd.DataFrame([dict(activity_id="A", branch_id="ok", probability=0.8, path=None),
                       dict(activity_id="A", branch_id="redo", probability=0.2, path="R")])
    net = build_network(acts, start_date="2026-12-01")
    r = Recovery(net, target="2027-02-15", confidence=0.8, seed=3, scenarios=1000, validation=5000, curve=(),
                 risk_calendars=rc, branches=br).run()
    assert r.feasible_ and r.confidence_before_ < 0.8 <= r.interval_after_[0]
    # the deterministic recovery takes the most likely branch: the rework path R is not in the plan
    det = recovery(net, r.target_, None, branches=br)
    assert det.finish_before == r.model_.deterministic_finish_ and "R" not in det.crashed.index
    # an independent simulation of the crashed plan (scaled three-point estimates, another seed) agrees
    f = 1 - r.crash_ / np.where(net.remaining > 0, net.remaining, 1)
    crashed = acts.set_index("activity_id").loc[net.ids].reset_index()
    for c in ("min_duration", "most_likely", "max_duration"):
        crashed[c] = crashed[c].to_numpy() * f
    check = ScheduleRiskModel(build_network(crashed, start_date="2026-12-01"), seed=77, iterations=20_000,
                              risk_calendars=rc, branches=br).run()
    p = float(np.mean(check.finish_ <= r.target_ + 1e-9))
    assert p >= 0.8 - 3 * se(0.8, 20_000)
