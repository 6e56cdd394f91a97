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
