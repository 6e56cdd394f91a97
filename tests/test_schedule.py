"""Schedule room: network building, CPM with the four link types and lags, calendars, health check."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pmo_analytics import read_portfolio
from pmo_analytics.exceptions import DataValidationError, DataWarning, NetworkCycleError
from pmo_analytics.risk import mean as dist_mean
from pmo_analytics.schedule import WorkCalendar, build_network, cpm, critical_path, health_check, with_dates

REF = Path(__file__).parent / "data" / "reference"


def acts(rows):
    """Activities frame from (id, duration, predecessors) tuples (fixed durations)."""
    return pd.DataFrame([{"activity_id": a, "min_duration": d, "most_likely": d, "max_duration": d,
                          "distribution": "fixed", "predecessors": p} for a, d, p in rows])


# ------------------------------------------------------------------ reference: General Foundry
@pytest.fixture(scope="module")
def foundry():
    return json.loads((REF / "general_foundry.json").read_text())


def foundry_network(ref):
    rows = []
    for a in ref["activities"]:
        te = float(dist_mean("pert", a["a"], a["m"], a["b"]))
        rows.append({"activity_id": a["id"], "min_duration": a["a"], "most_likely": te, "max_duration": a["b"],
                     "distribution": "pert", "predecessors": ";".join(a["predecessors"])})
    return build_network(pd.DataFrame(rows))


def test_foundry_pert_expected_durations(foundry):
    for a in foundry["activities"]:
        te = float(dist_mean("pert", a["a"], a["m"], a["b"]))
        assert te == pytest.approx(foundry["published"]["expected_durations_te"][a["id"]])


def test_foundry_cpm_matches_published(foundry):
    pub = foundry["published"]
    net = foundry_network(foundry)
    sched = cpm(net)
    assert sched["early_finish"].max() == pytest.approx(pub["project_duration"])
    assert critical_path(net) == pub["critical_path"]
    for aid, slack in pub["total_slack"].items():
        assert sched.at[aid, "total_float"] == pytest.approx(slack), aid


def test_foundry_pert_probability(foundry):
    pub = foundry["published"]
    net = foundry_network(foundry)
    path = critical_path(net)
    by_id = {a["id"]: a for a in foundry["activities"]}
    var = sum(((by_id[a]["b"] - by_id[a]["a"]) / 6) ** 2 for a in path)
    assert var == pytest.approx(pub["critical_path_variance"], abs=0.005)
    p = stats.norm.cdf((16 - pub["project_duration"]) / math.sqrt(var))
    # the book rounds z to 0.57 (0.7157); the exact z gives 0.7146
    assert p == pytest.approx(pub["p_finish_within_16_weeks_pert_normal"], abs=0.002)


# ------------------------------------------------------------------ link types and lags, by hand
@pytest.mark.parametrize("link, es_b, ef_b, tf_a, tf_b", [
    ("A", 5, 8, 0, 0),           # FS: B starts when A finishes
    ("A:FS+2", 7, 10, 0, 0),     # FS with lag
    ("A:FS-2", 3, 6, 0, 0),      # lead
    ("A:SS+2", 2, 5, 0, 0),      # SS: B starts 2 after A starts; finishes with A (T = 5)
    ("A:SS+1", 1, 4, 0, 1),      # T = 5, B can slip 1
    ("A:FF+2", 4, 7, 0, 0),      # FF: B finishes 2 after A finishes
    ("A:FF-1", 1, 4, 0, 1),      # FF lead: EF_B >= 4; T = 5
    ("A:SF+6", 3, 6, 0, 0),      # SF: B finishes >= 6 after A starts
    ("A:SF+1", 0, 3, 0, 2),      # SF would allow a start before the project start: clamped to 0
])
def test_each_link_type_with_lag(link, es_b, ef_b, tf_a, tf_b):
    net = build_network(acts([("A", 5, None), ("B", 3, link)]))
    s = cpm(net)
    assert s.at["A", "early_start"] == 0 and s.at["A", "early_finish"] == 5
    assert s.at["B", "early_start"] == es_b
    assert s.at["B", "early_finish"] == ef_b
    assert s.at["A", "total_float"] == tf_a
    assert s.at["B", "total_float"] == tf_b


def test_late_dates_and_free_float_mixed_links():
    # A(5); B(3) SS+1 from A; C(2) after A and B.
    # forward: A 0-5, B 1-4, C 5-7; backward: C 5-7, B LF 5 LS 2 (TF 1), A LF 5 (TF 0)
    net = build_network(acts([("A", 5, None), ("B", 3, "A:SS+1"), ("C", 2, "A; B")]))
    s = cpm(net)
    assert s.loc["C", ["early_start", "early_finish", "late_start", "late_finish"]].tolist() == [5, 7, 5, 7]
    assert s.loc["B", ["late_start", "late_finish", "total_float", "free_float"]].tolist() == [2, 5, 1, 1]
    assert s.loc["A", ["late_start", "late_finish", "total_float"]].tolist() == [0, 5, 0]
    assert s["critical"].tolist() == [True, False, True]


def test_deadline_gives_negative_float():
    net = build_network(acts([("A", 5, None), ("B", 3, "A")]))
    s = cpm(net, deadline=6)
    assert s["total_float"].tolist() == [-2, -2]
    assert s["critical"].all()


def test_milestones_and_durations_series():
    net = build_network(acts([("S", 0, None), ("A", 4, "S"), ("F", 0, "A")]))
    assert net.milestones == ["F", "S"]
    s = cpm(net, pd.Series({"S": 0.0, "A": 6.0, "F": 0.0}))
    assert s.at["F", "early_finish"] == 6 and s.at["F", "milestone"]


def test_input_order_does_not_matter():
    rows = [("A", 5, None), ("B", 3, "A:SS+2"), ("C", 4, "A"), ("D", 2, "B;C:FF+1")]
    a = cpm(build_network(acts(rows)))
    b = cpm(build_network(acts(rows[::-1])))
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())


# ------------------------------------------------------------------ errors
def test_cycle_error_names_the_cycle():
    with pytest.raises(NetworkCycleError, match=r"cycle in the activity network: .*->") as exc:
        build_network(acts([("A", 1, "C"), ("B", 1, "A"), ("C", 1, "B"), ("D", 1, None)]))
    cyc = exc.value.cycle
    assert cyc[0] == cyc[-1] and set(cyc) == {"A", "B", "C"}


def test_unknown_predecessor_and_self_link():
    with pytest.raises(DataValidationError, match="unknown predecessor 'X' of activity B"):
        build_network(acts([("A", 1, None), ("B", 1, "X")]))
    with pytest.raises(DataValidationError, match="own predecessor"):
        build_network(acts([("A", 1, "A")]))
    with pytest.raises(DataValidationError, match="cannot read predecessor"):
        build_network(acts([("A", 1, None), ("B", 1, "A:XX+1")]))


def test_several_projects_need_a_project_id():
    df = pd.concat([acts([("A", 1, None)]).assign(project_id="P1"), acts([("A", 2, None)]).assign(project_id="P2")])
    with pytest.raises(DataValidationError, match="pass project_id"):
        build_network(df)
    assert cpm(build_network(df, "P2"))["early_finish"].max() == 2


# ------------------------------------------------------------------ calendar
def test_calendar_weekends_and_holidays():
    cal = WorkCalendar(holidays=["2026-01-01"])
    start = "2025-12-27"  # a Saturday: the project starts Monday 29 Dec
    assert cal.start_date(start, 0) == pd.Timestamp("2025-12-29")
    # 5 working days: Mon 29, Tue 30, Wed 31, (Thu 1 Jan holiday), Fri 2, Mon 5
    assert cal.finish_date(start, 5) == pd.Timestamp("2026-01-05")
    assert cal.finish_date(start, 0) == pd.Timestamp("2025-12-29")
    assert cal.finish_date(start, 4.2) == pd.Timestamp("2026-01-05")  # part of a day uses that day
    assert cal.working_days(start, "2026-01-05") == 5
    days = cal.finish_date(start, np.array([1, 2, 3]))
    assert list(days.strftime("%d")) == ["29", "30", "31"]
    with pytest.raises(ValueError, match="unknown weekday"):
        WorkCalendar(weekend=("Sat", "Dimanche"))


def test_schedule_with_dates():
    net = build_network(acts([("A", 5, None), ("B", 3, "A")]))
    s = with_dates(cpm(net), "2026-03-02")  # a Monday
    assert s.at["A", "early_finish_date"] == pd.Timestamp("2026-03-06")
    assert s.at["B", "early_start_date"] == pd.Timestamp("2026-03-09")
    assert s.at["B", "late_finish_date"] == pd.Timestamp("2026-03-11")


def test_calendar_custom_weekend():
    cal = WorkCalendar(weekend=("Fri", "Sat"))
    # Thursday 2026-01-01 -> next working day after Thu is Sun 4 Jan
    assert cal.finish_date("2026-01-01", 2) == pd.Timestamp("2026-01-04")


# ------------------------------------------------------------------ health check
def test_health_check_counts_and_warns():
    rows = [("S", 0, None), ("A", 50, "S"), ("B", 3, "A:SS-2"), ("C", 4, "A:FS+3"), ("D", 2, "B;C"),
            ("E", 1, None), ("F", 0, "D")]
    net = build_network(acts(rows))
    with pytest.warns(DataWarning, match="check\\(s\\) failed"):
        h = health_check(net)
    h = h.set_index("check")
    assert h.at["Leads", "count"] == 1 and not h.at["Leads", "passed"]
    assert h.at["Lags", "count"] == 1
    assert h.at["Relationship types", "count"] == 1
    assert h.at["High duration", "count"] == 1 and "A" in h.at["High duration", "activities"]
    # E has neither predecessor nor successor; S and F are the exempt start and finish
    assert h.at["Logic", "count"] == 1 and h.at["Logic", "activities"] == "E"
    assert h.at["Critical path test", "passed"]


def test_health_check_dangling_logic():
    # B's start is driven only by an FF link; C's finish drives only an SS link
    net = build_network(acts([("A", 5, None), ("B", 3, "A:FF"), ("C", 4, "A"), ("D", 2, "C:SS+1;B")]))
    h = health_check(net, warn=False).set_index("check")
    assert h.at["Dangling logic", "count"] == 2 and not h.at["Dangling logic", "passed"]
    assert h.at["Dangling logic", "activities"] == "B, C"


def test_health_check_negative_float_and_cpli():
    net = build_network(acts([("A", 10, None), ("B", 10, "A")]))
    h = health_check(net, deadline=18, warn=False).set_index("check")
    assert h.at["Negative float", "count"] == 2 and not h.at["Negative float", "passed"]
    assert h.at["CPLI", "value"] == pytest.approx(0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = health_check(net, deadline=20)
    assert ok["passed"].all()


@pytest.mark.slow
def test_sample_networks_build_and_check():
    pf = read_portfolio()
    scheduled = sorted(set(pf.projects_in("active")["project_id"]) & set(pf.activities["project_id"]))
    assert len(scheduled) >= 3
    for pid in scheduled:
        net = build_network(pf.activities, pid, links=pf.links)
        s = cpm(net)
        assert (s["total_float"] >= -1e-9).all()
        assert s["critical"].any()
        h = health_check(net, warn=False)
        assert {"Logic", "Leads", "Lags", "High float", "Critical path test"} <= set(h["check"])


# ------------------------------------------------------------------ calendars, progress, constraints (issue 13)
MON = "2026-03-02"  # a Monday
D = pd.Timestamp


def frame(rows, **cols):
    """Activities from (id, days, predecessors) tuples (fixed durations) plus extra columns."""
    df = acts(rows)
    for k, v in cols.items():
        df[k] = v
    return df


def dates(plan, aid):
    return plan.at[aid, "early_start_date"].date().isoformat(), plan.at[aid, "early_finish_date"].date().isoformat()


def test_work_week_and_periods_parse():
    from pmo_analytics.tables.calendars import format_work_week, parse_work_week

    assert parse_work_week("Mon-Thu=9; Fri=4") == (9, 9, 9, 9, 4, 0, 0)
    assert parse_work_week("Sat-Mon") == (8, 0, 0, 0, 0, 8, 8)  # ranges wrap round the week
    assert parse_work_week("Mon-Fri=08:00-12:00,13:00-17:00", periods=True)[4] == ((8, 12), (13, 17))
    assert format_work_week(parse_work_week("Mon-Fri=08:00-12:00,13:00-17:00", periods=True)) == \
        "Mon-Fri=08:00-12:00,13:00-17:00"
    for bad, match in [("Mon-Fri; Wed", "twice"), ("Mon=25", r"\(0, 24\]"), ("Funday", "unknown weekday"), ("Mon-Fri=x", "cannot read"),
                       ("Mon=12:00-08:00", "forward"), ("Mon=08:00-12:00,11:00-13:00", "overlap")]:
        with pytest.raises(ValueError, match=match):
            parse_work_week(bad)


def test_timeline_inverts_working_time():
    from pmo_analytics.schedule import Timeline

    cal = WorkCalendar(work_week="Mon-Fri=08:00-12:00,13:00-17:00", holidays=["2026-03-04"])
    tl = Timeline(MON, [cal], days=14)
    # Mon 2: 8 h; Tue 3: 8 h; Wed 4 holiday; Thu 5 from 08:00
    assert tl.work(0, 1.0) == pytest.approx(8) and tl.work(0, 14 / 24) == pytest.approx(5)  # Mon 14:00: 4 h + 1 h
    assert tl.time(0, 16, "finish") == pytest.approx(1 + 17 / 24)  # end of Tuesday
    assert tl.time(0, 16, "start") == pytest.approx(3 + 8 / 24)    # Thursday 08:00 (Wednesday is a holiday)
    w = np.array([0.5, 7.9, 12.25, 30.0, 200.0])
    np.testing.assert_allclose(tl.work(0, tl.time(0, w, "finish")), w)
    np.testing.assert_allclose(tl.work(0, tl.time(0, w, "start")), w)
    assert tl.days >= 200 / 40 * 7  # grown on demand


def test_each_activity_on_its_own_calendar():
    cals = pd.DataFrame({"calendar_id": ["5d", "7d"], "work_week": ["Mon-Fri", "Mon-Sun"], "hours_per_day": 8.0})
    df = frame([("A", 5, None), ("B", 2, "A"), ("C", 1, "B")], calendar_id=["5d", "7d", "5d"])
    net = build_network(df, calendars=cals, calendar="5d", start_date=MON)
    plan = cpm(net)
    assert dates(plan, "A") == ("2026-03-02", "2026-03-06")
    assert dates(plan, "B") == ("2026-03-07", "2026-03-08")  # the weekend works on B's 7-day calendar
    assert dates(plan, "C") == ("2026-03-09", "2026-03-09")
    # on the project calendar B ends where Friday ends: 5 working days; C ends after 6
    assert plan.at["B", "early_finish"] == 5 and plan.at["C", "early_finish"] == 6
    assert "2 calendar(s)" in repr(net)


def test_hours_of_the_day_decide_where_a_successor_starts():
    # P6 works in clock time: A ends at 16:00 on its 08:00-16:00 calendar; B's calendar works until 17:00, so
    # B starts on Monday with one hour left and its 8 hours end on Tuesday at 16:00
    cals = pd.DataFrame({"calendar_id": ["X", "Y"], "hours_per_day": 8.0,
                         "work_week": ["Mon-Fri=08:00-16:00", "Mon-Fri=08:00-12:00,13:00-17:00"]})
    net = build_network(frame([("A", 1, None), ("B", 1, "A")], calendar_id=["X", "Y"]), calendars=cals,
                        calendar="X", start_date=MON)
    plan = cpm(net)
    assert dates(plan, "B") == ("2026-03-02", "2026-03-03")
    tl = net.timeline
    assert tl.time(1, net._plan.scale[1] + float(tl.work(1, tl.day(D(MON)) + 16 / 24)), "finish") == \
        pytest.approx(tl.day(D("2026-03-03")) + 16 / 24)


def test_holidays_hours_per_day_and_working_exceptions():
    cals = pd.DataFrame({"calendar_id": ["C10"], "work_week": ["Mon-Thu=10"], "hours_per_day": [10.0]})
    exc = pd.DataFrame({"calendar_id": ["C10", "C10"], "date": [D("2026-03-03"), D("2026-03-06")],
                        "hours": [0.0, 10.0]})
    net = build_network(frame([("A", 4, None)]), calendars=cals, calendar_exceptions=exc, calendar="C10",
                        start_date=MON)
    # 4 days of 10 hours: Mon 2, (Tue 3 holiday), Wed 4, Thu 5, Fri 6 (worked exception)
    assert dates(cpm(net), "A") == ("2026-03-02", "2026-03-06")


def progress_frame():
    rows = [("A", 3, None), ("B", 4, "A"), ("C", 2, "B"), ("D", 5, None), ("E", 3, "C"), ("F", 1, "A:FS+3")]
    return frame(rows, actual_start=[D("2026-03-02"), D("2026-03-04"), pd.NaT, pd.NaT, D("2026-03-02"), pd.NaT],
                 actual_finish=[D("2026-03-03"), pd.NaT, pd.NaT, pd.NaT, pd.NaT, pd.NaT],
                 remaining_duration=[np.nan, 4, np.nan, np.nan, 2, np.nan])


def test_cpm_from_the_data_date():
    net = build_network(progress_frame(), start_date=MON, data_date="2026-03-04")  # data date: Wednesday
    plan = cpm(net)
    assert plan["status"].to_dict() == {"A": "complete", "B": "in progress", "C": "not started",
                                        "D": "not started", "E": "in progress", "F": "not started"}
    assert dates(plan, "A") == ("2026-03-02", "2026-03-03")        # complete: the actual dates
    assert np.isnan(plan.at["A", "total_float"]) and not plan.at["A", "critical"]
    assert dates(plan, "B") == ("2026-03-04", "2026-03-09")        # 4 days left from Wednesday
    assert dates(plan, "C") == ("2026-03-10", "2026-03-11")
    assert dates(plan, "D") == ("2026-03-04", "2026-03-10")        # nothing starts before the data date
    # retained logic: E started out of sequence, its remaining 2 days wait for C
    assert dates(plan, "E") == ("2026-03-02", "2026-03-13")
    # the lag after A's actual finish (Tuesday evening) runs Wed-Fri: F starts on Monday
    assert dates(plan, "F") == ("2026-03-09", "2026-03-09")
    assert plan["duration"].to_dict() == {"A": 0, "B": 4, "C": 2, "D": 5, "E": 2, "F": 1}
    # progress override: E's remaining work continues from the data date
    over = cpm(build_network(progress_frame(), start_date=MON, data_date="2026-03-04", progress="override"))
    assert dates(over, "E") == ("2026-03-02", "2026-03-05")
    assert "data date 2026-03-04: 1 complete, 2 in progress" in repr(net)


def test_remaining_work_from_percent_complete_or_as_planned():
    df = frame([("A", 10, None), ("B", 10, None)], actual_start=[D(MON), D(MON)], percent_complete=[40, np.nan])
    with pytest.warns(DataWarning, match="1 in-progress activity has neither"):
        net = build_network(df, start_date=MON, data_date="2026-03-09")
    assert net.remaining.tolist() == [6, 5]  # 60 % of 10; B: 10 - the 5 working days since its start


@pytest.mark.parametrize("ctype, cdate, b_dates, tf_b", [
    ("SNET", "2026-03-11", ("2026-03-11", "2026-03-17"), 0),
    ("FNET", "2026-03-18", ("2026-03-12", "2026-03-18"), 0),
    ("SO", "2026-03-11", ("2026-03-11", "2026-03-17"), 0),
    ("MFO", "2026-03-20", ("2026-03-16", "2026-03-20"), 0),
    ("FNLT", "2026-03-12", ("2026-03-09", "2026-03-13"), -1),   # cannot be met: negative float
    ("SNLT", "2026-03-04", ("2026-03-09", "2026-03-13"), -3),
    ("FO", "2026-03-12", ("2026-03-09", "2026-03-13"), -1),
])
def test_constraint_types(ctype, cdate, b_dates, tf_b):
    df = frame([("A", 5, None), ("B", 5, "A")], constraint_type=[None, ctype], constraint_date=[pd.NaT, D(cdate)])
    plan = cpm(build_network(df, start_date=MON))
    assert dates(plan, "B") == b_dates
    assert plan.at["B", "total_float"] == tf_b
    if tf_b < 0:
        assert plan.at["A", "total_float"] == tf_b and plan["critical"].all()


def test_mandatory_start_overrides_logic_and_alap_uses_free_float():
    df = frame([("A", 5, None), ("B", 5, "A")], constraint_type=[None, "MSO"], constraint_date=[pd.NaT, D("2026-03-05")])
    plan = cpm(build_network(df, start_date=MON))
    assert dates(plan, "B") == ("2026-03-05", "2026-03-11")  # before A finishes: the date wins
    assert plan.at["A", "total_float"] == -2                  # A should have finished on Wednesday
    df = frame([("A", 5, None), ("B", 2, None), ("C", 1, "A; B")], constraint_type=[None, "ALAP", None])
    plan = cpm(build_network(df, start_date=MON))
    assert dates(plan, "B") == ("2026-03-05", "2026-03-06")  # as late as C allows
    assert plan.at["B", "free_float"] == 0
    assert cpm(build_network(df))["early_start"].tolist() == [0, 3, 5]  # without dates too


@pytest.mark.parametrize("lag_calendar, b_start", [
    ("predecessor", "2026-03-11"),   # 2 working days of A's Mon-Fri calendar: Mon 9, Tue 10
    ("successor", "2026-03-09"),     # 2 working days of B's 7-day calendar: Sat 7, Sun 8
    ("24h", "2026-03-07"),           # 16 hours round the clock from Friday 16:00: Saturday 08:00
    ("project", "2026-03-11"),
])
def test_lag_calendars(lag_calendar, b_start):
    cals = pd.DataFrame({"calendar_id": ["5d", "7d"], "work_week": ["Mon-Fri", "Mon-Sun"], "hours_per_day": 8.0})
    df = frame([("A", 5, None), ("B", 1, "A:FS+2")], calendar_id=["5d", "7d"])
    plan = cpm(build_network(df, calendars=cals, calendar="5d", start_date=MON, lag_calendar=lag_calendar))
    assert plan.at["B", "early_start_date"] == D(b_start)


@pytest.mark.parametrize("cols, match", [
    (dict(actual_finish=[D("2026-03-03"), pd.NaT]), "actual finish .* but no actual start"),
    (dict(actual_start=[D("2026-03-04"), pd.NaT], actual_finish=[D("2026-03-03"), pd.NaT]), "before its actual start"),
    (dict(remaining_duration=[np.nan, 7.0]), "has not started but its remaining duration 7 exceeds its planned"),
    (dict(percent_complete=[20.0, np.nan]), "20 % complete but has no actual start"),
    (dict(constraint_type=[None, "SNET"]), "needs a constraint_date|constraint without a date"),
])
def test_inconsistent_progress_is_a_named_error(cols, match):
    from pmo_analytics.exceptions import InconsistentProgressError

    df = frame([("A", 5, None), ("B", 5, "A")], **cols)
    with pytest.raises((InconsistentProgressError, DataValidationError), match=match):
        build_network(df, start_date=MON, data_date="2026-03-05")


def invalid_dates_frame():
    """Data date Monday 9 March 2026; A finished and B started *after* it (DCMA's invalid dates)."""
    rows = [("A", 5, None), ("B", 4, None), ("C", 2, "A"), ("D", 2, "B"), ("E", 1, "A:FS+2"), ("F", 0, "C;D;E"),
            ("G", 3, "A:SS+1"), ("K", 2, "B:SS+1")]
    return frame(rows, actual_start=[D("2026-03-02"), D("2026-03-12")] + [pd.NaT] * 6,
                 actual_finish=[D("2026-03-11")] + [pd.NaT] * 7,
                 remaining_duration=[np.nan, 3] + [np.nan] * 6)


def test_actual_dates_after_the_data_date_are_scheduled_as_p6_does():
    """P6 keeps the actuals and schedules the remaining work from the data date (network module doc: Oracle's
    P6 user guides, MPXJ's PrimaveraScheduler). Dates by hand on Mon-Fri, data date Mon 9 March."""
    net = build_network(invalid_dates_frame(), start_date=MON, data_date="2026-03-09")  # not refused
    plan = cpm(net)
    # A finished "on Wed 11": kept as recorded, but it drives its successors from the data date
    assert dates(plan, "A") == ("2026-03-02", "2026-03-11") and plan.at["A", "status"] == "complete"
    assert dates(plan, "C") == ("2026-03-09", "2026-03-10")       # FS from A: Mon 9 - Tue 10
    assert dates(plan, "E") == ("2026-03-11", "2026-03-11")       # the whole 2-day lag from the data date: Wed 11
    assert dates(plan, "G") == ("2026-03-09", "2026-03-11")       # SS+1 from A's (valid) start Mon 2: run out
    # B started "on Thu 12": its 3 days left run Mon 9 - Wed 11, so it finishes before its recorded start
    assert dates(plan, "B") == ("2026-03-12", "2026-03-11") and plan.at["B", "duration"] == 3
    assert dates(plan, "D") == ("2026-03-12", "2026-03-13")
    assert dates(plan, "K") == ("2026-03-10", "2026-03-11")       # SS+1 from B's start, counted at the data date
    # the finish: D on Fri 13, not pushed by A's recorded finish; the numbers count the actuals at the data date
    assert plan["early_finish_date"].max() == D("2026-03-13") and plan.at["F", "early_finish"] == 10
    assert plan.at["B", "early_start"] == plan.at["C", "early_start"] == 5
    # an in-progress activity without a remaining duration: nothing of it elapsed before the data date
    df = invalid_dates_frame()
    df.loc[1, "remaining_duration"] = np.nan
    with pytest.warns(DataWarning, match="assumed as planned"):
        assert build_network(df, start_date=MON, data_date="2026-03-09").remaining[1] == 4


def test_health_check_counts_invalid_dates_by_hand():
    """DCMA check 9 on a network counted by hand: A (actual finish after the data date) and B (actual start after
    it) are 9b; H, mandatory to start on Wed 4 March, five days before the data date, is a forecast before it (9a);
    I finished on Fri 6 and J started on Mon 9 (the data date itself: progress up to its start) are valid."""
    df = invalid_dates_frame()
    extra = frame([("H", 1, None), ("I", 2, None), ("J", 2, None)], actual_start=[pd.NaT, D("2026-03-05"),
                  D("2026-03-09")], actual_finish=[pd.NaT, D("2026-03-06"), pd.NaT], remaining_duration=[np.nan,
                  np.nan, 2.0], constraint_type=["MSO", None, None], constraint_date=[D("2026-03-04"), pd.NaT, pd.NaT])
    net = build_network(pd.concat([df, extra], ignore_index=True), start_date=MON, data_date="2026-03-09")
    h = health_check(net, warn=False).set_index("check")
    row = h.loc["Invalid dates"]
    assert (row["count"], row["total"]) == (3, 11) and row["value"] == pytest.approx(300 / 11) and not row["passed"]
    assert row["activities"] == "A, B, H"
    assert "2 with actual dates after the data date 2026-03-09 (9b), 1 with forecast dates" in row["description"]
    # without them the check passes
    ok = build_network(extra.iloc[1:], start_date=MON, data_date="2026-03-09")
    assert health_check(ok, warn=False).set_index("check").at["Invalid dates", "passed"]


def test_network_option_errors():
    df = frame([("A", 5, None)], calendar_id=["nope"])
    with pytest.raises(DataValidationError, match="unknown calendar 'nope'"):
        build_network(df, start_date=MON)
    with pytest.raises(ValueError, match="need a start_date"):
        build_network(frame([("A", 5, None)], actual_start=[D(MON)]))
    with pytest.raises(ValueError, match="progress must be"):
        build_network(frame([("A", 5, None)]), progress="sometimes")
    with pytest.raises(ValueError, match="lag_calendar must be"):
        build_network(frame([("A", 5, None)]), lag_calendar="lunar")
    with pytest.raises(DataValidationError, match="unknown constraint type"):
        build_network(frame([("A", 5, None)], constraint_type=["XYZ"], constraint_date=[D(MON)]), start_date=MON)


# ------------------------------------------------------------------ the data model: progress and calendars in CSV
@pytest.fixture
def progressed_folder(tmp_path):
    return make_progressed_folder(tmp_path)


def make_progressed_folder(tmp_path):
    """The sample with A-101 progressed to 2 March 2026, on a 4 x 10-hour calendar with a holiday."""
    import shutil

    from pmo_analytics.tables.portfolio import sample_path

    folder = tmp_path / "pf"
    shutil.copytree(sample_path(), folder)
    pd.DataFrame({"calendar_id": ["FourTens"], "name": ["4 x 10 hours"], "work_week": ["Mon-Thu=07:00-17:00"],
                  "hours_per_day": [10.0]}).to_csv(folder / "calendars.csv", index=False)
    pd.DataFrame({"calendar_id": ["FourTens"], "date": ["2026-04-06"], "hours": [0.0], "name": ["Easter Monday"]}
                 ).to_csv(folder / "calendar_exceptions.csv", index=False)
    pr = pd.read_csv(folder / "projects.csv", dtype=str, keep_default_na=False)
    pr["data_date"] = np.where(pr["project_id"] == "A-101", "2026-03-02", "")
    pr["calendar_id"] = np.where(pr["project_id"] == "A-101", "FourTens", "")
    pr.to_csv(folder / "projects.csv", index=False)
    a = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    a["actual_start"] = np.where(a["activity_id"].isin(["A010", "A020"]) & (a["project_id"] == "A-101"),
                                 "2026-01-05", "")
    a["actual_finish"] = np.where((a["activity_id"] == "A010") & (a["project_id"] == "A-101"), "2026-01-05", "")
    a["remaining_duration"] = np.where((a["activity_id"] == "A020") & (a["project_id"] == "A-101"), "3", "")
    a.to_csv(folder / "activities.csv", index=False)
    return folder


@pytest.mark.slow
def test_progress_and_calendars_through_the_data_model(progressed_folder):
    pf = read_portfolio(progressed_folder)
    net = build_network(pf, "A-101")
    assert net.data_date == D("2026-03-02") and net.start_date == D("2026-01-05")
    assert net.calendar.work_week == "Mon-Thu=07:00-17:00" and net.calendar.holidays == (D("2026-04-06"),)
    plan = cpm(net)
    assert plan.at["A010", "status"] == "complete" and plan.at["A020", "status"] == "in progress"
    # A020's 3 days left run Mon 2, Tue 3, Wed 4 March on the 4 x 10 calendar
    assert dates(plan, "A020") == ("2026-01-05", "2026-03-04")
    assert (plan.loc[plan["status"] == "not started", "early_start_date"] >= D("2026-03-02")).all()
    # an unprogressed project of the same portfolio keeps its Mon-Fri default calendar
    other = build_network(pf, "A-102")
    assert other.calendar.work_week == "Mon-Fri" and not other.has_progress


@pytest.mark.slow
def test_bad_progress_and_calendars_are_reported_with_rows(progressed_folder):
    from pmo_analytics.tables import validate_path

    a = pd.read_csv(progressed_folder / "activities.csv", dtype=str, keep_default_na=False)
    i = a.index[(a["project_id"] == "A-101") & (a["activity_id"] == "A030")][0]
    a.loc[i, ["actual_start", "actual_finish"]] = ["2026-02-02", "2026-03-05"]  # finished after the data date
    a.loc[i + 1, "calendar_id"] = "Nope"
    a.to_csv(progressed_folder / "activities.csv", index=False)
    c = pd.read_csv(progressed_folder / "calendars.csv")
    c.loc[0, "work_week"] = "Mon-Thu=11:00-07:00"
    c.to_csv(progressed_folder / "calendars.csv", index=False)
    # the finish after the data date is an invalid date (DCMA check 9): said with its row, not refused
    with pytest.warns(DataWarning, match=rf"activities.csv, row {i + 2}, column 'actual_finish': activity A030: "
                      r"actual finish 2026-03-05 after the data date 2026-03-02 \(invalid date, DCMA check 9\)"):
        msgs = [str(p) for p in validate_path(progressed_folder)]
    assert not any("A030" in m for m in msgs), msgs
    assert any(f"row {i + 3}, column 'calendar_id': unknown calendar 'Nope'" in m for m in msgs), msgs
    assert any("calendars.csv, row 2, column 'work_week'" in m and "forward" in m for m in msgs), msgs


def test_health_check_with_progress_constraints_and_baseline():
    df = progress_frame()
    df["baseline_finish"] = [D("2026-03-03"), D("2026-03-03"), pd.NaT, D("2026-02-27"), pd.NaT, pd.NaT]
    # F must start on Tuesday 3 March: a hard constraint before the data date -> a forecast before it
    df["constraint_type"] = [None, None, None, None, None, "MSO"]
    df["constraint_date"] = [pd.NaT] * 5 + [D("2026-03-03")]
    net = build_network(df, start_date=MON, data_date="2026-03-04")
    h = health_check(net, warn=False).set_index("check")
    # 5 unfinished activities (A is complete), one with a hard constraint: 20 %
    assert h.at["Hard constraints", "count"] == 1 and h.at["Hard constraints", "total"] == 5
    assert h.at["Hard constraints", "value"] == pytest.approx(20) and not h.at["Hard constraints", "passed"]
    assert h.at["Invalid dates", "activities"] == "F" and not h.at["Invalid dates", "passed"]
    # due by their baseline before the data date: A (done on time), B (still running), D (not started)
    assert h.at["Missed tasks", "total"] == 3 and h.at["Missed tasks", "activities"] == "B, D"
    assert h.at["BEI", "value"] == pytest.approx(1 / 3) and not h.at["BEI", "passed"]
    # A, complete, is no longer counted for float or logic
    assert "A" not in h.at["Negative float", "activities"].split(", ")
    clean = build_network(progress_frame(), start_date=MON, data_date="2026-03-04")
    h2 = health_check(clean, warn=False).set_index("check")
    assert h2.at["Invalid dates", "passed"] and h2.at["Hard constraints", "count"] == 0
    assert "Missed tasks" not in h2.index  # no baseline dates: not assessed, not listed
    # a start-no-later-than that logic cannot meet gives negative float
    neg = build_network(frame([("A", 5, None), ("B", 5, "A")], constraint_type=[None, "SNLT"],
                              constraint_date=[pd.NaT, D("2026-03-04")]), start_date=MON)
    hn = health_check(neg, warn=False).set_index("check")
    assert hn.at["Negative float", "count"] == 2 and not hn.at["Negative float", "passed"]


# ------------------------------------------------------------------ PERT normal approximation (issue 16)
@pytest.fixture(scope="module")
def reliable():
    ref = json.loads((REF / "reliable_construction.json").read_text())
    rows = [{"activity_id": a["id"], "name": a["name"], "min_duration": a["o"], "most_likely": a["m"],
             "max_duration": a["p"], "distribution": "pert", "predecessors": ";".join(a["predecessors"])}
            for a in ref["activities"]]
    return build_network(pd.DataFrame(rows), unit="weeks"), ref["published"]


def test_reliable_construction_pert(reliable):
    from pmo_analytics.schedule import pert

    net, pub = reliable
    sched = cpm(net, durations="mean")
    assert sched["duration"].to_dict() == pytest.approx(pub["expected_durations"])
    assert sched["early_finish"].max() == pytest.approx(pub["mean_project_duration"])
    res = pert(net)
    assert res.critical_path == pub["mean_critical_path"]
    assert res.mean == pytest.approx(44) and res.variance == pytest.approx(pub["critical_path_variance"])
    assert res.probability_finish_by(47) == pytest.approx(pub["p_finish_within_47_weeks"], abs=5e-5)
    assert res.finish_at(84.13) == pytest.approx(47, abs=0.01)
    assert res.unit == "weeks" and "weeks" in repr(net) and "44 weeks" in repr(res)
    assert set(res.summary["measure"]) >= {"expected finish", "variance on the critical path"}
    # most likely durations give a shorter plan (the expected times of right-skewed estimates are longer)
    assert cpm(net)["early_finish"].max() == pytest.approx(2 + 3.5 + 9 + 4.5 + 4 + 9 + 5.5 + 5.5)


def test_foundry_pert_from_the_package(foundry):
    from pmo_analytics.schedule import pert

    rows = [{"activity_id": a["id"], "min_duration": a["a"], "most_likely": a["m"], "max_duration": a["b"],
             "distribution": "pert", "predecessors": ";".join(a["predecessors"])} for a in foundry["activities"]]
    res = pert(build_network(pd.DataFrame(rows), unit="weeks"))
    pub = foundry["published"]
    assert res.critical_path == pub["critical_path"] and res.mean == pytest.approx(pub["project_duration"])
    assert res.variance == pytest.approx(112 / 36)
    assert res.probability_finish_by(16) == pytest.approx(0.7146, abs=5e-4)  # exact z (the book rounds)


def test_durations_mean_of_each_distribution_and_errors():
    from pmo_analytics.schedule import pert

    df = pd.DataFrame([{"activity_id": "T", "min_duration": 2, "most_likely": 4, "max_duration": 9,
                        "distribution": "triangular"},
                       {"activity_id": "U", "min_duration": 2, "most_likely": 4, "max_duration": 9,
                        "distribution": "uniform", "predecessors": "T"}])
    net = build_network(df)
    assert cpm(net, durations="mean")["duration"].tolist() == pytest.approx([5.0, 5.5])
    assert pert(net, variance="distribution").variance == pytest.approx((4 + 81 + 16 - 18 - 8 - 36) / 18 + 49 / 12)
    with pytest.raises(ValueError, match="durations must be"):
        cpm(net, durations="median")
    with pytest.raises(ValueError, match="variance must be"):
        pert(net, variance="beta")
    with pytest.raises(ValueError, match="unit must be"):
        build_network(df, unit="fortnights")


def test_plain_activity_fast_path_equals_the_general_loop():
    """Activities with plain FS links take a shortcut in the kernels: bit-identical to the general loop."""
    import dataclasses

    from pmo_analytics.schedule.cpm import backward_pass, forward_pass, project_finish

    rng = np.random.default_rng(4)
    n = 60
    preds = [None] + ["; ".join(sorted({f"A{int(j):02d}" + (":SS+1" if i % 4 == 0 and k == 0 else "")
                                        for k, j in enumerate(rng.integers(0, i, size=min(i, 3)))}))
                      for i in range(1, n)]  # every 4th activity has an SS link (the general loop)
    df = pd.DataFrame({"activity_id": [f"A{i:02d}" for i in range(n)], "min_duration": 1.0,
                       "most_likely": 2.0, "max_duration": 4.0, "predecessors": preds})
    net = build_network(df)
    plan = net._plan
    assert sum(p is not None for p in plan.fplain) > 10 and sum(p is None for p in plan.fplain) > 5
    assert sum(p is not None for p in plan.bplain) > 10
    general = dataclasses.replace(net, _plan=dataclasses.replace(plan, fplain=[None] * n, bplain=[None] * n))
    D = rng.uniform(0.5, 5.0, size=(n, 257))
    EF, EF0 = forward_pass(net, D), forward_pass(general, D)
    np.testing.assert_array_equal(EF, EF0)
    T = project_finish(net, EF)
    np.testing.assert_array_equal(backward_pass(net, D, T), backward_pass(general, D, T))
