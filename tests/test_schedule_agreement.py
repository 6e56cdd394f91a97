"""Agreement with MS Project and Primavera P6 on real schedules (tests/data/realdata, see its PROVENANCE.md).

For every file our deterministic CPM (from the data date, constraints, each activity on its own
calendar, lags on the file's lag calendar) is compared activity by activity with the start and
finish the tool stored in the file (actual dates where they exist, else its early dates; read by
MPXJ, as days by our conventions: ``Schedule.tasks.tool_start`` / ``tool_finish``), and with the
tool's project finish.

* unprogressed schedules: equal to the day (calendar dates);
* progressed, constrained, multi-calendar ones: within one working day of the activity's calendar
  (P6 may put a finish at Friday 16:00 and a milestone at Monday 08:00 where we say "end of
  Friday": the same working time, two calendar days apart).

Run ``python tests/test_schedule_agreement.py`` to print the agreement table of the README.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.exceptions import DataValidationError
from pmo_analytics.schedule import cpm
from pmo_analytics.tables import msproject as msp

DATA = Path(__file__).parent / "data" / "realdata"
#: tiny hand-made files (tests/data/schedules/PROVENANCE.md): the tool's dates derived by hand from its rules
HANDMADE = Path(__file__).parent / "data" / "schedules"
pytestmark = pytest.mark.skipif(not msp.java_available(), reason=str(msp.java_unavailable_reason()))

#: file -> (activities, exact to the day?)
FILES = {
    "XERNative_sample.xer": (25, True),
    "mpxj_task-links-project2019-mspdi.xml": (16, True),
    "mpxj_task-links-project2019-mpp14.mpp": (16, True),
    "MPSPLIB_j30_a5_nr1.mpp": (160, False),          # resource-levelled: 44 start-no-earlier-than constraints
    "mpxj_percent-complete-8.4.xer": (12, False),    # progressed
    "mpxj_percent-complete-8.4.pmxml": (12, False),
    "mpxj_PredecessorCalendar.xer": (1, False),
    "mpxj_PredecessorCalendar.xml": (1, False),
    "mpxj_TwentyFourHourCalendar.xer": (1, False),
    "invalid_dates.xer": (6, False),                # hand-made: actual dates after the data date
    "resource_calendars.xml": (9, True),            # hand-made: MS Project tasks on resource calendars
}
BIG = "SP10_COST_LOADED.xer"  # 3,994 activities, 6 calendars, 1,427 constraints, 666 progressed


def read(name: str):
    path = DATA / name if (DATA / name).exists() else HANDMADE / name
    fields = {"activity_id": "Name"} if name == "resource_calendars.xml" else None  # MSPDI has no activity ids
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the default-range rule is reported in notes
        return msp.read_schedule(path, project_id="P-1", field_map=fields)


def working_day_gap(net, ours: pd.Series, tool: pd.Series, side: str) -> np.ndarray:
    """|ours - tool| in working days of each activity's calendar (day boundaries: midnight, or the next one)."""
    tl = net.timeline
    own = net.activities["calendar_id"]
    names = [c.name for c in tl.calendars]
    out = np.zeros(len(ours))
    shift = 1.0 if side == "finish" else 0.0
    for cid in own.unique():
        c = names.index(cid) if cid in names else 0
        m = (own == cid).to_numpy()
        a = tl.work(c, tl.day(pd.DatetimeIndex(ours[m])) + shift)
        b = tl.work(c, tl.day(pd.DatetimeIndex(tool[m])) + shift)
        out[m] = np.abs(a - b) / tl.calendars[c].hours_per_day
    return out


def agreement(sched) -> dict:
    net = sched.network()
    plan = cpm(net)
    tool = sched.tasks.loc[plan.index]
    finish_ms = (net.activities["milestone_type"] == "finish").to_numpy()
    gap_s = np.where(finish_ms, working_day_gap(net, plan["early_start_date"], tool["tool_start"], "finish"),
                     working_day_gap(net, plan["early_start_date"], tool["tool_start"], "start"))
    gap_f = working_day_gap(net, plan["early_finish_date"], tool["tool_finish"], "finish")
    dd = net.data_date if net.has_progress else None
    acts = net.activities
    invalid = int(((acts["actual_start"] > dd) | (acts["actual_finish"] >= dd)).sum()) if dd is not None else 0
    return {"network": net, "plan": plan, "tool": tool, "gap_start": gap_s, "gap_finish": gap_f, "invalid": invalid,
            "same_start": int((plan["early_start_date"] == tool["tool_start"]).sum()),
            "same_finish": int((plan["early_finish_date"] == tool["tool_finish"]).sum()),
            "finish": plan["early_finish_date"].max(), "tool_finish": sched.project["finish_date"]}


def test_files_are_the_published_ones():
    text = (DATA / "PROVENANCE.md").read_text()
    sums = dict((name, digest) for digest, name in re.findall(r"([0-9a-f]{64})\s+(\S+)", text))
    assert set(sums) == {p.name for p in DATA.iterdir() if p.name != "PROVENANCE.md"}
    for name, digest in sums.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FILES))
def test_cpm_agrees_with_the_tool(name):
    n, exact = FILES[name]
    sched = read(name)
    res = agreement(sched)
    assert res["network"].n == n
    assert res["invalid"] == (2 if name == "invalid_dates.xer" else 0)  # DCMA 9b: imported, scheduled as P6 does
    assert res["finish"] == res["tool_finish"], "project finish"
    if exact:  # unprogressed: every early start and finish on the tool's date
        pd.testing.assert_series_equal(res["plan"]["early_start_date"], res["tool"]["tool_start"],
                                       check_names=False)
        pd.testing.assert_series_equal(res["plan"]["early_finish_date"], res["tool"]["tool_finish"],
                                       check_names=False)
    assert res["gap_start"].max() <= 1.0 + 1e-9 and res["gap_finish"].max() <= 1.0 + 1e-9


@pytest.mark.slow
def test_progress_of_the_p6_percent_complete_file():
    sched = read("mpxj_percent-complete-8.4.xer")
    net = sched.network()
    assert net.data_date == pd.Timestamp("2015-02-24")
    a = sched.activities.set_index("activity_id")
    # "Duration 25%": started on the data date, 25 % complete, 600 hours (75 days of 8 hours) left; the
    # file's at-completion duration is those 600 hours too (no actual duration before the data date)
    assert a.at["A1010", "most_likely"] == 75 and a.at["A1010", "remaining_duration"] == 75
    assert a.at["A1010", "percent_complete"] == 25 and pd.notna(a.at["A1010", "actual_start"])
    plan = cpm(net)
    assert plan.at["A1010", "status"] == "in progress" and plan.at["A1010", "duration"] == 75
    # 75 working days from Tue 24 Feb 2015 on a Mon-Fri calendar without holidays: Mon 8 Jun
    assert plan.at["A1010", "early_finish_date"] == pd.Timestamp("2015-06-08")


@pytest.mark.slow
def test_notes_come_one_line_per_kind():
    sched = read("MPSPLIB_j30_a5_nr1.mpp")
    msgs = [n.message for n in sched.notes]
    assert len(msgs) == 3
    assert msgs[0].startswith("44 SNET constraint(s), applied by the CPM (e.g. ")
    assert any(m.startswith("150 of 160 activities have no three-point estimate") for m in msgs)
    assert any("has no costs" in m and "not assessed" in m for m in msgs)
    assert not sched.has_costs


@pytest.mark.slow
def test_a_file_of_calendars_only_is_refused_clearly():
    with pytest.raises(DataValidationError, match="has no tasks .*calendars or resources only"):
        msp.read_schedule(DATA / "mpxj_calendar-calendars-project2016-mpp14.mpp", project_id="C-1")


@pytest.mark.slow
def test_reading_an_mpp_prints_no_log4j_line():
    code = ("import warnings; warnings.simplefilter('ignore');"
            "from pmo_analytics.tables.msproject import read_schedule;"
            f"read_schedule({str(DATA / 'mpxj_task-links-project2019-mpp14.mpp')!r}, project_id='P-1')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    assert "log4j" not in (run.stderr + run.stdout).lower()


@pytest.fixture(scope="module")
def big():
    return read(BIG)


@pytest.mark.slow
def test_big_p6_schedule_agrees_with_p6(big):
    """3,991 activities (3 level-of-effort left out), 4 calendars in use, 1,427 constraints, data date 2017-09-16."""
    res = agreement(big)
    net = res["network"]
    assert net.n == 3991 and net.data_date == pd.Timestamp("2017-09-16")
    assert int(net.activities["constraint_type"].notna().sum()) == 1427
    assert net.activities["calendar_id"].nunique() == 4
    st = net.activities["status"].value_counts()
    assert (st["complete"], st["in progress"]) == (523, 170)
    assert res["finish"] == res["tool_finish"] == pd.Timestamp("2023-01-13")
    # every early start and finish within one working day of P6's (in fact the same working time)
    assert res["gap_start"].max() <= 1.0 and res["gap_finish"].max() <= 1.0
    assert res["same_start"] >= 3700 and res["same_finish"] >= 3700
    # negative total float: P6 reports 917 activities, we find 920; the sign agrees for 99.7 %
    tf, ttf = res["plan"]["total_float"], res["tool"]["total_slack"]
    neg, tneg = int((tf < -1e-6).sum()), int((ttf < -1e-6).sum())
    assert tneg == 917 and abs(neg - tneg) <= 5
    assert ((tf < -1e-6) != (ttf < -1e-6)).sum() <= 0.005 * net.n
    assert len(big.notes) <= 12  # one line per kind, not one per activity
    # the health check sees the constraints and the negative float P6 shows
    from pmo_analytics.schedule import health_check

    h = health_check(net, warn=False).set_index("check")
    open_ = int((net.activities["status"] != "complete").sum())
    assert h.at["Hard constraints", "total"] == open_ and h.at["Hard constraints", "count"] > 0.05 * open_
    assert not h.at["Hard constraints", "passed"]
    assert h.at["Negative float", "count"] >= 900 and not h.at["Negative float", "passed"]
    assert "Invalid dates" in h.index


def main() -> None:  # pragma: no cover - prints the README table
    rows = []
    for name in [*FILES, BIG]:
        sched = read(name)
        res = agreement(sched)
        net = res["network"]
        kind = []
        if net.has_progress:
            kind.append("progressed")
        if net.activities["constraint_type"].notna().any():
            kind.append(f"{int(net.activities['constraint_type'].notna().sum())} constraints")
        if net.activities["calendar_id"].nunique() > 1:
            kind.append(f"{net.activities['calendar_id'].nunique()} calendars")
        on_res = int(sched.tasks["resource_calendar"].notna().sum())
        if on_res:
            kind.append(f"{on_res} tasks on resource calendars")
        rows.append(f"| `{name}` | {net.n:,} | {', '.join(kind) or 'unprogressed'} | {res['invalid']} | "
                    f"{res['finish'].date()} | {res['tool_finish'].date()} | {res['same_start']:,} / "
                    f"{res['same_finish']:,} | {res['gap_start'].max():g} / {res['gap_finish'].max():g} |")
    print("| file | activities | schedule | invalid dates | our finish | tool's finish | same start / finish date | "
          "largest gap start / finish [working days] |")
    print("|---|---:|---|---:|---|---|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":  # pragma: no cover
    main()
