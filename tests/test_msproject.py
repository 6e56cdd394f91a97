"""Reading MS Project / Primavera schedules through MPXJ (pmo_analytics.tables.msproject).

The files are built programmatically with MPXJ itself; their dates are computed by
MPXJ's MS Project-compatible scheduler (``org.mpxj.cpm.MicrosoftScheduler``), an
implementation independent of ours, and stored in the file as MS Project would.
The tests compare our CPM, mapped to dates by our ``WorkCalendar``, with those dates.
"""

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pmo_analytics.exceptions import DataValidationError, DataWarning, JavaUnavailableError
from pmo_analytics.tables import msproject as msp
from pmo_analytics.tables.msproject import java_available, jvm, read_schedule, write_schedule

pytestmark = pytest.mark.skipif(not msp.java_available(), reason=str(msp.java_unavailable_reason()))

START = pd.Timestamp("2025-12-29")  # a Monday
HOLIDAYS = ["2026-01-01", "2026-01-02"]  # New Year: Thu + Fri


def _build_rich(path, fmt):
    """A small schedule with all four link types, lags and a lead, a calendar with holidays,
    summary tasks (and a link from a summary), a milestone and a start-no-earlier-than constraint."""
    msp.start_jvm()
    from java.time import LocalDate, LocalDateTime
    from org.mpxj import ConstraintType, Duration, ProjectFile, Relation, RelationType, TimeUnit
    from org.mpxj.cpm import MicrosoftScheduler
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    pf = ProjectFile()
    cal = pf.addDefaultBaseCalendar()
    pf.getProjectProperties().setDefaultCalendar(cal)
    for h in HOLIDAYS:
        d = pd.Timestamp(h)
        cal.addCalendarException(LocalDate.of(d.year, d.month, d.day), LocalDate.of(d.year, d.month, d.day))
    start = LocalDateTime.of(START.year, START.month, START.day, 8, 0)
    pf.getProjectProperties().setStartDate(start)
    pf.getProjectProperties().setProjectTitle("Rich test")

    def days(x):
        return Duration.getInstance(float(x), TimeUnit.DAYS)

    def task(parent, name, dur):
        t = parent.addTask()
        t.setName(name)
        t.setActivityID(name)
        t.setDuration(days(dur))
        t.setActualDuration(days(0))
        t.setRemainingDuration(days(dur))
        if dur == 0:
            t.setMilestone(True)
        return t

    def link(pred, succ, typ, lag=0):
        succ.addPredecessor(Relation.Builder().predecessorTask(pred).type(getattr(RelationType, typ)).lag(days(lag)))

    design = pf.addTask()  # tasks are added in outline order, as MS Project lists them
    design.setName("Design")
    s = task(design, "S", 0)          # start milestone
    a = task(design, "A", 5)
    b = task(design, "B", 3)
    build = pf.addTask()
    build.setName("Build")
    c = task(build, "C", 4)
    d = task(build, "D", 2)
    e = task(build, "E", 2)
    f = task(build, "F", 3)
    g = task(build, "G", 2)
    m = task(pf, "M", 0)              # finish milestone, outside any summary
    link(s, a, "FINISH_START")
    link(a, b, "START_START", 2)      # SS+2
    link(b, c, "FINISH_FINISH", 1)    # FF+1
    link(a, d, "FINISH_START", -1)    # FS-1 (a lead)
    link(a, e, "START_FINISH", 4)     # SF+4
    link(design, f, "FINISH_START")   # from a summary task: after A and B
    link(f, g, "FINISH_START")
    g.setConstraintType(ConstraintType.START_NO_EARLIER_THAN)
    g.setConstraintDate(LocalDateTime.of(2026, 1, 19, 8, 0))
    for p in (c, d, e, g):
        link(p, m, "FINISH_START")
    MicrosoftScheduler().schedule(pf, start)
    UniversalProjectWriter(getattr(FileFormat, fmt)).write(pf, str(path))
    return path


@pytest.fixture(scope="module", params=["MSPDI", "XER"])
def rich(request, tmp_path_factory):
    suffix = {"MSPDI": ".xml", "XER": ".xer"}[request.param]
    path = _build_rich(tmp_path_factory.mktemp("rich") / f"rich{suffix}", request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        # MSPDI has no activity id field: MS Project users see row numbers; here the names are the ids
        return read_schedule(path, project_id="R-1", field_map={"activity_id": "Name"})


def _dates(net_cpm, cal, start, milestones):
    """Our CPM offsets as MS Project-style dates (a milestone sits at the end of the day before)."""
    es = [cal.finish_date(start, x).date() if m else cal.start_date(start, x).date()
          for x, m in zip(net_cpm["early_start"], milestones)]
    ef = [cal.finish_date(start, x).date() for x in net_cpm["early_finish"]]
    return pd.Series(es, index=net_cpm.index), pd.Series(ef, index=net_cpm.index)


@pytest.mark.slow
def test_rich_schedule_mapping(rich):
    acts = rich.activities.set_index("activity_id")
    assert sorted(acts.index) == ["A", "B", "C", "D", "E", "F", "G", "M", "S"]
    assert (acts["project_id"] == "R-1").all()
    # summary tasks are not activities but give the phase
    assert acts.loc[["A", "B", "S"], "phase"].eq("Design").all()
    assert acts.loc[["C", "D", "E", "F", "G"], "phase"].eq("Build").all()
    assert acts.loc["M", "phase"] is None or pd.isna(acts.loc["M", "phase"])
    # (P6 adds a project-level WBS node above everything: kept in tasks, not used as a phase)
    assert {"Design", "Build"} <= set(rich.tasks.loc[rich.tasks["summary"], "name"])
    # links: the four types, the lag, the lead, the summary link expanded to its leaves (S, A, B)
    links = {(r.predecessor, r.successor): (r.type, r.lag) for r in rich.links.itertuples()}
    assert links[("A", "B")] == ("SS", 2.0)
    assert links[("B", "C")] == ("FF", 1.0)
    assert links[("A", "D")] == ("FS", -1.0)
    assert links[("A", "E")] == ("SF", 4.0)
    assert {p for (p, s) in links if s == "F"} == {"S", "A", "B"}
    assert acts.loc["B", "predecessors"] == "A:SS+2"
    assert acts.loc["D", "predecessors"] == "A:FS-1"
    # milestones have zero durations; the default range rule is applied to the rest and reported
    assert acts.loc[["S", "M"], ["min_duration", "most_likely", "max_duration"]].eq(0).all().all()
    assert acts.loc["A", "min_duration"] == pytest.approx(4.5) and acts.loc["A", "max_duration"] == 6.25
    assert any("default range rule" in n.message for n in rich.notes)
    # the constraint is mapped (SNET on the morning of 19 Jan) and reported in one line
    assert rich.tasks.loc["G", "constraint_type"] == "START_NO_EARLIER_THAN"
    assert rich.tasks.loc["G", "constraint_date"] == pd.Timestamp("2026-01-19 08:00")
    assert acts.loc["G", "constraint_type"] == "SNET"
    assert acts.loc["G", "constraint_date"] == pd.Timestamp("2026-01-19")
    assert [n.message for n in rich.notes if "SNET" in n.message] == \
        ["1 SNET constraint(s), applied by the CPM (e.g. G)"]
    # the project calendar: Mon-Fri 08:00-12:00, 13:00-17:00, the two holidays; every activity on it
    cal = rich.calendars.set_index("calendar_id")
    pid = rich.project["calendar_id"]
    assert cal.at[pid, "work_week"] == "Mon-Fri=08:00-12:00,13:00-17:00" and cal.at[pid, "hours_per_day"] == 8
    exc = rich.calendar_exceptions
    assert [d.date().isoformat() for d in exc.loc[exc["calendar_id"] == pid, "date"]] == HOLIDAYS
    assert (exc["hours"] == 0).all()
    assert (acts["calendar_id"] == pid).all()
    assert rich.start_date.normalize() == START and rich.data_date is None
    assert "Schedule(" in repr(rich) and rich.summary.loc["links", "value"] == len(rich.links)


@pytest.mark.slow
def test_rich_schedule_cpm_matches_the_files_dates(rich):
    from pmo_analytics.schedule import cpm

    net = rich.network()
    plan = cpm(net)
    # every activity, the constrained G and the milestone M after it included, on the file's dates
    pd.testing.assert_series_equal(plan["early_start_date"], rich.tasks.loc[plan.index, "tool_start"],
                                   check_names=False)
    pd.testing.assert_series_equal(plan["early_finish_date"], rich.tasks.loc[plan.index, "tool_finish"],
                                   check_names=False)
    file_es = rich.tasks.loc[plan.index, "early_start"].dt.date
    file_ef = rich.tasks.loc[plan.index, "early_finish"].dt.date
    # spot checks by hand: A's 5 days are Mon 29, Tue 30, Wed 31 Dec, Mon 5, Tue 6 Jan (1-2 Jan are
    # holidays); SF+4: E's finish >= A's start + 4 working days = end of Mon 5 Jan
    assert file_ef["A"].isoformat() == "2026-01-06" == plan.at["A", "early_finish_date"].date().isoformat()
    assert plan.loc["E", "early_finish"] == 4 and file_ef["E"].isoformat() == "2026-01-05"
    # G's start-no-earlier-than constraint binds: logic alone would start it on 12 Jan
    assert file_es["G"].isoformat() == "2026-01-19" == plan.at["G", "early_start_date"].date().isoformat()
    unconstrained = cpm(build_network_without(rich, "G"))
    assert unconstrained.at["G", "early_start_date"] < plan.at["G", "early_start_date"]
    assert plan.at["M", "early_finish_date"].date() == file_ef["M"] == file_ef["G"]


def build_network_without(sched, aid):
    """The schedule's network with the constraint of ``aid`` removed."""
    acts = sched.activities.copy()
    acts.loc[acts["activity_id"] == aid, ["constraint_type", "constraint_date"]] = [None, pd.NaT]
    import dataclasses
    return dataclasses.replace(sched, activities=acts).network()


@pytest.mark.slow
def test_round_trip_sample_schedule_mspdi(tmp_path):
    """Sample schedule (A-101) -> MSPDI -> our reader: identical table, network and CPM; dates as in the file."""
    from pmo_analytics import read_portfolio
    from pmo_analytics.schedule import WorkCalendar, build_network, cpm

    pf = read_portfolio()
    acts = pf.activities[pf.activities["project_id"] == "A-101"].reset_index(drop=True)
    start = pf.projects.set_index("project_id").loc["A-101", "start_date"]
    holidays = ["2026-04-03", "2026-04-06", "2026-05-04"]
    path = write_schedule(acts, tmp_path / "A-101.xml", start_date=start, holidays=holidays)
    with pytest.raises(FileExistsError):
        write_schedule(acts, path)
    sched = read_schedule(path)
    assert sched.project_id == "A-101"
    got = sched.activities.sort_values("activity_id").reset_index(drop=True)
    want = acts.sort_values("activity_id").reset_index(drop=True)
    not_carried = ["crash_limit", "crash_cost_rate", "risk_calendar_id"]  # MS Project cannot carry them: blank
    assert got[not_carried].isna().all().all()
    want = want.drop(columns=not_carried)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    assert got["actual_start"].isna().all() and got["constraint_type"].isna().all()
    assert not sched.notes
    n1, n2 = build_network(acts, "A-101"), build_network(sched.activities, "A-101")
    pd.testing.assert_frame_equal(n1.links, n2.links)
    pd.testing.assert_frame_equal(n1.activities.drop(columns=["calendar_id", *not_carried]),
                                  n2.activities.drop(columns=["calendar_id", *not_carried]))
    c1, c2 = cpm(n1), cpm(n2)
    pd.testing.assert_frame_equal(c1, c2)
    # and MS Project's own dates (from MPXJ's scheduler) equal our CPM on the file's calendar
    exc = sched.calendar_exceptions
    assert [d.date().isoformat() for d in exc["date"]] == holidays
    c3 = cpm(sched.network())
    pd.testing.assert_series_equal(c3["early_start_date"], sched.tasks.loc[c3.index, "tool_start"], check_names=False)
    pd.testing.assert_series_equal(c3["early_finish_date"], sched.tasks.loc[c3.index, "tool_finish"],
                                   check_names=False)
    # late finishes: MS Project dates a late finish at offset 0 (the start milestone) at 17:00 of the day
    # *before* the start; our calendar maps a finish at 0 to the start date. Compare the others.
    pos = c3.index[c3["late_finish"] > 0]
    pd.testing.assert_series_equal(c3.loc[pos, "late_finish_date"].dt.date, sched.tasks.loc[pos, "late_finish"].dt.date,
                                   check_names=False)
    assert (sched.tasks.loc[c3.index[c3["late_finish"] == 0], "late_finish"] < sched.start_date).all()
    assert ((sched.tasks.loc[c3.index, "total_slack"] - c3["total_float"]).abs() < 1e-6).all()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".xer", ".pmxml"])
def test_round_trip_primavera_keeps_network(tmp_path, suffix):
    from pmo_analytics import read_portfolio
    from pmo_analytics.schedule import build_network, cpm

    pf = read_portfolio()
    acts = pf.activities[pf.activities["project_id"] == "A-101"]
    path = write_schedule(acts, tmp_path / f"a101{suffix}", start_date="2026-01-05")
    with pytest.warns(DataWarning, match="default range rule"):
        sched = read_schedule(path, project_id="A-101")
    pd.testing.assert_frame_equal(cpm(build_network(acts, "A-101")), cpm(build_network(sched.activities)))
    assert set(sched.activities["phase"].dropna()) == set(acts["phase"].dropna())


@pytest.mark.slow
def test_field_map_custom_fields_and_errors(tmp_path):
    acts = pd.DataFrame({
        "project_id": "X-1", "activity_id": ["a1", "a2"], "name": ["one", "two"], "phase": None,
        "min_duration": [2.0, 1.0], "most_likely": [4.0, 2.0], "max_duration": [9.0, 3.0],
        "distribution": ["pert", "triangular"], "predecessors": [None, "a1:SS+1.5"],
        "fixed_cost": [100.0, 0.0], "cost_rate": [10.0, 0.0], "correlation_group": ["g1", None],
    })
    path = write_schedule(acts, tmp_path / "x.xml")
    sched = read_schedule(path)
    a = sched.activities.set_index("activity_id")
    assert a.loc["a1", ["min_duration", "max_duration", "distribution", "correlation_group"]].tolist() == \
        [2.0, 9.0, "pert", "g1"]
    assert a.loc["a1", "fixed_cost"] == 100.0 and a.loc["a1", "cost_rate"] == pytest.approx(10.0)
    assert a.loc["a2", "predecessors"] == "a1:SS+1.5"
    # switching the three-point fields off applies the default range (reported)
    with pytest.warns(DataWarning, match="min = 0.8 x, max = 1.5 x"):
        s2 = read_schedule(path, field_map={"min_duration": None, "max_duration": None}, default_range=(0.8, 1.5))
    assert s2.activities.set_index("activity_id").loc["a1", "max_duration"] == 6.0
    # ids from another field (the task name here)
    s3 = read_schedule(path, field_map={"activity_id": "Name"})
    assert sorted(s3.activities["activity_id"]) == ["one", "two"]
    # an unknown field, a bad range, a most-likely field above the maximum
    with pytest.raises(DataValidationError, match="neither an MPXJ task field"):
        read_schedule(path, field_map={"max_duration": "NoSuchField"})
    with pytest.raises(ValueError, match="default_range"):
        read_schedule(path, default_range=(1.2, 1.5))
    with pytest.raises(ValueError, match="field_map keys"):
        read_schedule(path, field_map={"duration": "Duration2"})
    with pytest.raises(DataValidationError, match=r"activity a1: expected one of .*got 'one'"):
        read_schedule(path, field_map={"distribution": "Name"})  # a field with values that are not distributions
    with pytest.raises(DataValidationError, match="out of order"):
        read_schedule(path, field_map={"most_likely": "Duration3", "max_duration": "Duration1"})


@pytest.mark.parametrize("name,content,match", [
    ("plan.mpp", b"this is not an OLE2 compound file" * 10, "cannot read the schedule|not a schedule"),
    ("plan.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
     "DTD"),
    ("plan.xml", b"", "empty"),
    ("plan.txt", b"hello", "not a schedule file"),
    ("plan.xer", b"ERMHDR\t99\nnonsense\n", "cannot read the schedule|not a schedule|no tasks|cut short"),
])
@pytest.mark.slow
def test_unreadable_files_are_domain_errors(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataValidationError, match=match) as exc:
        read_schedule(p, project_id="X-1")
    assert exc.value.problems and exc.value.problems[0].source == name
    with pytest.raises(DataValidationError, match="no such file"):
        read_schedule(tmp_path / "missing.mpp")


def test_java_detection_messages(monkeypatch):
    assert jvm._parse_java_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert jvm._parse_java_version('java version "1.8.0_292"') == 8
    assert jvm._parse_java_version("garbage") is None
    assert msp.java_version() >= msp.MIN_JAVA
    monkeypatch.setattr(jvm, "java_version", lambda: None)
    assert not java_available()
    with pytest.raises(JavaUnavailableError, match="apt-get install default-jre-headless"):
        msp.require_java()
    monkeypatch.setattr(jvm, "java_version", lambda: 8)
    with pytest.raises(JavaUnavailableError, match="Java 8 found, MPXJ needs Java >= 11"):
        msp.require_java()


def test_start_jvm_is_idempotent():
    import jpype
    msp.start_jvm()
    msp.start_jvm()
    assert jpype.isJVMStarted()
    assert not math.isnan(float(msp.java_version()))


def test_enum_names_and_numbers_read_without_abbreviations():
    """Enum constants by name() even where toString() abbreviates (TimeUnit.DAYS prints "d"), cached or not."""
    from pmo_analytics.tables.msproject import jvm
    from pmo_analytics.tables.msproject.values import _enum, _num

    time_unit = jvm.jclass("org.mpxj.TimeUnit")
    assert jvm.jclass("org.mpxj.TimeUnit") is time_unit
    assert str(time_unit.DAYS) != "DAYS"  # the abbreviation the cache must not return
    for _ in range(3):  # first call fills the cache, later ones read it
        assert [_enum(u) for u in (time_unit.DAYS, time_unit.ELAPSED_DAYS, time_unit.HOURS)] == \
            ["DAYS", "ELAPSED_DAYS", "HOURS"]
    assert _enum(None) is None
    double, integer = jvm.jclass("java.lang.Double"), jvm.jclass("java.lang.Integer")
    assert _num(double(2.5)) == 2.5 and _num(integer(7)) == 7.0 and math.isnan(_num(None))
    big = jvm.jclass("java.math.BigDecimal")("12.25")
    assert _num(big) == 12.25


@pytest.mark.slow
def test_percent_and_elapsed_lags_inactive_tasks_and_multi_project_files(tmp_path):
    msp.start_jvm()
    from org.mpxj import Duration, ProjectContext, ProjectFile, Relation, RelationType, TimeUnit
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    context = ProjectContext()  # projects written to one file share a context

    def project(title, pid):
        pf = ProjectFile(context)
        pf.getProjectProperties().setDefaultCalendar(pf.addDefaultBaseCalendar())
        pf.getProjectProperties().setProjectTitle(title)
        pf.getProjectProperties().setProjectID(pid)
        ts = {}
        for name, dur in (("P", 4), ("Q", 1), ("R", 1), ("X", 3)):
            t = pf.addTask()
            t.setName(name)
            t.setActivityID(f"{pid}-{name}")
            t.setDuration(Duration.getInstance(dur, TimeUnit.DAYS))
            ts[name] = t
        ts["Q"].addPredecessor(Relation.Builder().predecessorTask(ts["P"]).type(RelationType.FINISH_START)
                               .lag(Duration.getInstance(50, TimeUnit.PERCENT)))
        ts["R"].addPredecessor(Relation.Builder().predecessorTask(ts["P"]).type(RelationType.FINISH_START)
                               .lag(Duration.getInstance(7, TimeUnit.ELAPSED_DAYS)))
        ts["X"].setActive(False)
        return pf

    path = tmp_path / "lags.xml"
    UniversalProjectWriter(FileFormat.MSPDI).write(project("Lags", "L1"), str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        s = read_schedule(path, project_id="L-1", field_map={"activity_id": "Name"})
    lags = s.links.set_index("successor")["lag"]
    assert lags["Q"] == pytest.approx(2.0)  # 50 % of P's 4 days
    assert lags["R"] == pytest.approx(5.0)  # 7 calendar days at 5 working days a week
    assert "X" not in set(s.activities["activity_id"])
    msgs = " ".join(n.message for n in s.notes)
    assert "elapsed" in msgs and "inactive" in msgs

    # a P6 XML file with two projects: one must be chosen
    multi = tmp_path / "two.pmxml"
    UniversalProjectWriter(FileFormat.PMXML).write(
        java_list([project("North", "N1"), project("South", "S1")]), str(multi))
    with pytest.raises(DataValidationError, match="holds 2 projects"):
        read_schedule(multi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        south = read_schedule(multi, project="S1")
    assert south.project_id == "S1"
    assert set(south.activities["activity_id"]) >= {"S1-P", "S1-Q"}
    with pytest.raises(DataValidationError, match="not found"):
        read_schedule(multi, project="West")


def java_list(items):
    from java.util import ArrayList
    out = ArrayList()
    for i in items:
        out.add(i)
    return out


def test_utf16_xml_with_a_dtd_is_refused(tmp_path):
    p = tmp_path / "plan.xml"
    p.write_bytes('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE p [<!ENTITY x "y">]><p/>'.encode("utf-16"))
    with pytest.raises(DataValidationError, match="DTD"):
        read_schedule(p)


# ------------------------------------------------------------------ real schedules as P6 and MS Project accept them
SCHEDULES = Path(__file__).parent / "data" / "schedules"  # tiny hand-made files: see their PROVENANCE.md


def _day_dates(plan, aid):
    return plan.at[aid, "early_start_date"].date().isoformat(), plan.at[aid, "early_finish_date"].date().isoformat()


@pytest.mark.slow
def test_p6_file_with_actual_dates_after_the_data_date_is_imported(tmp_path):
    """invalid_dates.xer: data date Mon 9 March 2026; A finished on Wed 11 and B started on Thu 12, after it.
    P6 opens and schedules it; so do we. The dates are P6's, derived by hand from its documented rules (no P6
    here; MPXJ's PrimaveraScheduler gives the same: tests/data/schedules/make_schedules.py)."""
    from pmo_analytics import read_portfolio
    from pmo_analytics.schedule import build_network, cpm, health_check
    from pmo_analytics.tables.sources import import_sources

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        sched = read_schedule(SCHEDULES / "invalid_dates.xer")
    assert sched.data_date == pd.Timestamp("2026-03-09")
    note = [n for n in sched.notes if "DCMA check 9" in n.message]
    assert len(note) == 1 and note[0].source == "invalid_dates.xer"
    assert note[0].message.startswith("2 activit(ies) with actual dates after the data date 2026-03-09")
    assert "A: actual finish 2026-03-11, B: actual start 2026-03-12" in note[0].message
    plan = cpm(sched.network())
    p6 = {  # P6's Start / Finish (calendar Mon-Fri 08-12, 13-17)
        "A": ("2026-03-02", "2026-03-11"),  # complete: its actual dates, as recorded
        "B": ("2026-03-12", "2026-03-11"),  # started "Thu 12": its 3 days left run Mon 9 - Wed 11
        "C": ("2026-03-09", "2026-03-10"),  # FS after A: A drives from the data date, not from Wed 11
        "D": ("2026-03-12", "2026-03-13"),  # FS after B
        "E": ("2026-03-11", "2026-03-11"),  # FS+2d after A: the whole lag from the data date
        "F": ("2026-03-13", "2026-03-13"),  # finish milestone
    }
    assert {a: _day_dates(plan, a) for a in p6} == p6
    tool = sched.tasks.loc[list(p6)]
    assert {a: (tool.at[a, "tool_start"].date().isoformat(), tool.at[a, "tool_finish"].date().isoformat())
            for a in p6} == p6
    h = health_check(sched.network(), warn=False).set_index("check")
    assert h.at["Invalid dates", "count"] == 2 and h.at["Invalid dates", "activities"] == "A, B"
    # pmo import takes it (the note goes to import/notes.csv); the imported folder reads, warns, schedules
    res = import_sources([f"P-9={SCHEDULES / 'invalid_dates.xer'}"], tmp_path / "out")
    assert any("DCMA check 9" in n.message for n in res.notes)
    assert "DCMA check 9" in (tmp_path / "out" / "import" / "notes.csv").read_text()
    with pytest.warns(DataWarning, match=r"2 invalid date\(s\): .*activity A: actual finish 2026-03-11 after the "
                                         r"data date 2026-03-09"):
        pf = read_portfolio(tmp_path / "out")
    assert cpm(build_network(pf, "P-9"))["early_finish_date"].max() == pd.Timestamp("2026-03-13")


def _resource_schedule(path=SCHEDULES / "resource_calendars.xml"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return read_schedule(path, project_id="R-2", field_map={"activity_id": "Name"})


#: MS Project's start and finish of resource_calendars.xml, derived by hand (no MS Project here; MPXJ's
#: MicrosoftScheduler gives the same: tests/data/schedules/make_schedules.py). Project calendar Mon-Fri 08-12,
#: 13-17; Fitter on "Four tens" Mon-Thu 08-12, 13-19 with leave on Tue 10 March; Inspector on "Half days"
#: Mon-Fri 08-12; Crane on the project calendar.
MSP_DATES = {
    "T1": ("2026-03-02", "2026-03-05"),  # Fitter, 40 h on Four tens: Mon-Thu (ours on the project calendar: Fri 6)
    "T2": ("2026-03-06", "2026-03-09"),  # no resource: 16 h on the project calendar after T1
    "T3": ("2026-03-06", "2026-03-11"),  # Inspector, 16 h on Half days: Fri 6, Mon 9, Tue 10, Wed 11 noon
    "T4": ("2026-03-09", "2026-03-16"),  # task calendar Mon-Wed x Four tens = Mon-Wed 8 h, leave Tue 10:
                                         # 24 h on Mon 9, Wed 11, Mon 16
    "T5": ("2026-03-02", "2026-03-05"),  # Inspector (Half days, Thu 5 noon) and Crane (Tue 3): ends with the last
    "T6": ("2026-03-02", "2026-03-03"),  # Fitter at 50 %: 8 h of work span 16 h on Four tens: Mon 10 h + Tue 6 h
    "T7": ("2026-03-02", "2026-03-02"),  # Crane on the project calendar
    "T8": ("2026-03-02", "2026-03-02"),  # ignores its resource calendar
    "M": ("2026-03-16", "2026-03-16"),
}


@pytest.mark.slow
def test_mspdi_tasks_scheduled_on_resource_calendars():
    from pmo_analytics.schedule import cpm

    sched = _resource_schedule()
    plan = cpm(sched.network())
    assert {a: _day_dates(plan, a) for a in MSP_DATES} == MSP_DATES
    tasks = sched.tasks
    assert {a: (tasks.at[a, "tool_start"].date().isoformat(), tasks.at[a, "tool_finish"].date().isoformat())
            for a in MSP_DATES} == MSP_DATES
    acts = sched.activities.set_index("activity_id")
    assert acts.loc[["T1", "T3", "T4", "T5", "T6"], "calendar_id"].tolist() == \
        ["Four_tens", "Half_days", "Mon-Wed.x.Four_tens", "Half_days", "Four_tens"]
    assert acts.loc[["T2", "T7", "T8", "M"], "calendar_id"].eq("Standard").all()
    # durations: the span of working time, work / units, in days of 8 hours (the file's hours per day)
    assert acts.loc[["T1", "T4", "T6"], "most_likely"].tolist() == [5.0, 3.0, 2.0]
    cal = sched.calendars.set_index("calendar_id")
    assert cal.at["Four_tens", "work_week"] == "Mon-Thu=08:00-12:00,13:00-19:00"
    assert cal.at["Mon-Wed.x.Four_tens", "work_week"] == "Mon-Wed=08:00-12:00,13:00-17:00"
    exc = sched.calendar_exceptions
    assert set(exc.loc[exc["date"] == pd.Timestamp("2026-03-10"), "calendar_id"]) == {"Four_tens",
                                                                                        "Mon-Wed.x.Four_tens"}
    msgs = [n.message for n in sched.notes if n.column == "calendar_id"]
    assert msgs[0].startswith("4 task(s) scheduled on their resources' working time, as MS Project does")
    assert "T4 (Mon-Wed.x.Four_tens)" in msgs[0] and "T5 (Half_days)" in msgs[1]
    assert msgs[-1] == "5 of 5 task(s) on resource calendars finish on the date MS Project stored"


@pytest.mark.slow
def test_a_resource_calendar_not_reproduced_is_said_per_task(tmp_path):
    """Where our finish of a task on resource calendars is not the tool's, the notes say so, with the gap."""
    text = (SCHEDULES / "resource_calendars.xml").read_text()
    start = text.index("<Name>T5</Name>")
    end = text.index("</Task>", start)
    t5 = text[start:end].replace("2026-03-05T12:00:00", "2026-03-10T12:00:00")  # as if MS Project said Tue 10
    path = tmp_path / "moved.xml"
    path.write_text(text[:start] + t5 + text[end:])
    msgs = [n.message for n in _resource_schedule(path).notes if n.column == "calendar_id"]
    # Thu 5 -> Tue 10 on Half days (Mon-Fri): Fri 6, Mon 9, Tue 10 = 3 working days
    assert "task T5 on resource calendar Half_days: MS Project's stored finish is 2026-03-10, ours 2026-03-05 " \
           "(3 working day(s) later in MS Project): its resource calendar is not reproduced exactly" in msgs
    assert "4 of 5 task(s) on resource calendars finish on the date MS Project stored" in msgs


@pytest.mark.slow
def test_p6_resource_dependent_activity_runs_on_its_resource_calendar(tmp_path):
    """P6 schedules a resource-dependent activity on its resources' calendars (Oracle, P6 user guide, "Activity
    types"). A: 40 h, Fitter on Mon-Thu 08-12, 13-19 -> Mon 2 - Thu 5 March 2026 (on the 5-day project calendar it
    would end Fri 6); B, task dependent, 2 days after it: Fri 6 - Mon 9. Derived by hand; the file's stored dates
    are those of MPXJ's PrimaveraScheduler, which gives the same."""
    import sys

    from pmo_analytics.schedule import cpm

    sys.path.insert(0, str(SCHEDULES))
    try:
        from make_schedules import _dt, _hours, _jvm
    finally:
        sys.path.remove(str(SCHEDULES))
    _jvm()
    from java.time import DayOfWeek, LocalTime
    from org.mpxj import (ActivityType, DayType, LocalTimeRange, PercentCompleteType, ProjectFile, Relation,
                          RelationType, ResourceType, TaskType)
    from org.mpxj.cpm import PrimaveraScheduler
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    pf = ProjectFile()
    props = pf.getProjectProperties()
    props.setDefaultCalendar(pf.addDefaultBaseCalendar())
    props.setProjectID("RD")
    props.setStartDate(_dt("2026-03-02 08:00"))
    four = pf.addCalendar()
    four.setName("Four tens")
    for d in DayOfWeek.values():
        work = str(d) in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY")
        four.setCalendarDayType(d, DayType.WORKING if work else DayType.NON_WORKING)
        if work:
            h = four.addCalendarHours(d)
            h.add(LocalTimeRange(LocalTime.of(8, 0), LocalTime.of(12, 0)))
            h.add(LocalTimeRange(LocalTime.of(13, 0), LocalTime.of(19, 0)))
    fitter = pf.addResource()
    fitter.setName("Fitter")
    fitter.setType(ResourceType.WORK)
    fitter.setCalendar(four)
    wbs = pf.addTask()
    wbs.setActivityID("W")

    def act(aid, hours, kind):
        t = wbs.addTask()
        t.setActivityID(aid)
        t.setName(aid)
        t.setActivityType(kind)
        t.setType(TaskType.FIXED_DURATION_AND_UNITS)
        t.setPercentCompleteType(PercentCompleteType.DURATION)
        for f in (t.setDuration, t.setPlannedDuration, t.setRemainingDuration):
            f(_hours(hours))
        t.setActualDuration(_hours(0))
        return t

    a, b = act("A", 40, ActivityType.RESOURCE_DEPENDENT), act("B", 16, ActivityType.TASK_DEPENDENT)
    asg = a.addResourceAssignment(fitter)
    asg.setUnits(100.0)
    asg.setRemainingUnits(100.0)
    for f in (asg.setWork, asg.setRemainingWork, asg.setPlannedWork):
        f(_hours(40))
    asg.setActualWork(_hours(0))
    b.addPredecessor(Relation.Builder().predecessorTask(a).type(RelationType.FINISH_START))
    PrimaveraScheduler().schedule(pf, _dt("2026-03-02 08:00"))
    path = tmp_path / "rd.xer"
    UniversalProjectWriter(FileFormat.XER).write(pf, str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        sched = read_schedule(path)
    plan = cpm(sched.network())
    assert _day_dates(plan, "A") == ("2026-03-02", "2026-03-05")
    assert _day_dates(plan, "B") == ("2026-03-06", "2026-03-09")
    assert sched.tasks.at["A", "tool_finish"] == pd.Timestamp("2026-03-05")
    assert sched.activities.set_index("activity_id").at["A", "calendar_id"] == "Four_tens"
    msgs = [n.message for n in sched.notes if n.column == "calendar_id"]
    assert msgs == ["1 task(s) scheduled on their resources' working time, as P6 does for resource-dependent "
                    "activities (the resource calendar) (e.g. A (Four_tens))",
                    "1 of 1 task(s) on resource calendars finish on the date P6 stored"]
