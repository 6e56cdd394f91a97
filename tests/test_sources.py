"""Merging several sources into one portfolio, reconciliation problems, import to our CSV layout."""

import shutil
from pathlib import Path
import warnings

import pandas as pd
import pytest

from pmo_analytics import read_portfolio
from pmo_analytics.exceptions import DataValidationError, DataWarning, JavaUnavailableError
from pmo_analytics.tables import msproject as msp
from pmo_analytics.tables.portfolio import sample_path
from pmo_analytics.tables.sources import (import_sources, merge_sources, needs_import, parse_source, read_sources)

needs_java = pytest.mark.skipif(not msp.java_available(), reason=str(msp.java_unavailable_reason()))
REGISTER = ("risks", "status")


@pytest.fixture(scope="module")
def sample():
    return read_portfolio()


@pytest.fixture
def split(tmp_path, sample):
    """The sample split the way a PMO keeps it: core tables in one folder (without A-101's activities),
    the risk register and status in another, A-101's schedule in an MS Project file."""
    core, register = tmp_path / "core", tmp_path / "register"
    shutil.copytree(sample_path(), core)
    register.mkdir()
    for t in REGISTER:
        shutil.move(core / f"{t}.csv", register / f"{t}.csv")
    acts = pd.read_csv(core / "activities.csv", dtype=str, keep_default_na=False)
    acts[acts["project_id"] != "A-101"].to_csv(core / "activities.csv", index=False)
    return core, register, tmp_path


def _carried(want: pd.DataFrame, got: pd.DataFrame) -> pd.DataFrame:
    """The sample's activities as a merge with A-101 from an MS Project file gives them: the columns MS Project
    cannot carry (crash data, risk calendar) come back blank for A-101 (checked here) and are compared for the
    other projects only."""
    from pmo_analytics.tables.msproject.convert import NOT_CARRIED

    a101 = (got["project_id"] == "A-101").to_numpy()
    for c in NOT_CARRIED:
        if c in want.columns:
            assert got.loc[a101, c].isna().all(), c
            assert want.loc[~a101, c].equals(got.loc[~a101, c].astype(want[c].dtype)) or \
                (want.loc[~a101, c].fillna(-1).to_numpy() == got.loc[~a101, c].fillna(-1).to_numpy()).all(), c
    return want.drop(columns=[c for c in NOT_CARRIED if c in want.columns])


def _schedule(sample, tmp_path, name="A-101.xml"):
    a101 = sample.activities[sample.activities["project_id"] == "A-101"]
    start = sample.projects.set_index("project_id").loc["A-101", "start_date"]
    return msp.write_schedule(a101, tmp_path / name, start_date=start)


@pytest.mark.slow
@needs_java
def test_merge_tables_and_schedule_gives_the_same_portfolio(split, sample):
    core, register, tmp = split
    sched = _schedule(sample, tmp)
    res = merge_sources([core, register, sched])  # project found from the file name
    assert res.ok, res.problems
    assert set(res.schedules) == {"A-101"}
    pf = res.portfolio()
    # the schedule brings its calendar (our tables) and its start, data date, calendar into projects
    assert set(pf.tables) == set(sample.tables) | {"calendars", "calendar_exceptions"}
    key = ["project_id", "activity_id"]
    got = pf.activities.sort_values(key).reset_index(drop=True)
    want = _carried(sample.activities.sort_values(key).reset_index(drop=True), got)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    row = pf.projects.set_index("project_id").loc["A-101"]
    assert row["calendar_id"] in set(pf.calendars["calendar_id"]) and row["lag_calendar"] == "predecessor"
    assert (pf.activities.loc[pf.activities["project_id"] == "A-101", "calendar_id"] == row["calendar_id"]).all()
    pd.testing.assert_frame_equal(pf.risks, sample.risks)
    assert "A-101.xml" in pf.sources["activities"] and pf.sources["risks"] == "register/risks.csv"
    assert "A-101.xml" in pf.hashes and "core/projects.csv" in pf.hashes
    assert "merged" not in repr(res) and "problems" in repr(res)


@pytest.mark.slow
@needs_java
def test_reconciliation_problems_come_as_one_list(split, sample):
    core, register, tmp = split
    sched = _schedule(sample, tmp, name="harbour-crm.xml")  # file name says nothing about the project
    risks = pd.read_csv(register / "risks.csv", dtype=str, keep_default_na=False)
    i = risks.index[risks["project_id"] == "A-101"][0]
    risks.loc[i, "affected_activities"] = "A200; A999"  # A999 is not in the schedule
    risks.to_csv(register / "risks.csv", index=False)
    status = pd.read_csv(register / "status.csv", dtype=str, keep_default_na=False)
    extra = status[status["project_id"] == "A-101"].head(2).assign(project_id="Z-999")  # not in projects
    pd.concat([status, extra]).to_csv(register / "status.csv", index=False)

    res = merge_sources([core, register, f"A-101={sched}"])
    msgs = [str(p) for p in res.problems]
    assert any("risks.csv, row" in m and "unknown activity id(s) of A-101: A999" in m for m in msgs), msgs
    assert sum("status.csv" in m and "unknown project id 'Z-999'" in m for m in msgs) == 2, msgs
    assert len(res.problems) == 3
    with pytest.raises(DataValidationError, match="A999") as exc:
        read_sources([core, register, f"A-101={sched}"])
    assert len(exc.value.problems) == 3

    # without PROJECT_ID= the schedule cannot be placed; with an unknown id it is reported once
    res = merge_sources([core, register, sched])
    assert any("cannot tell which project" in p.message for p in res.problems)
    res = merge_sources([core, register, f"Q-1={sched}"])
    unknown = [p for p in res.problems if "not in the projects table" in p.message]
    assert len(unknown) == 1 and unknown[0].source == "harbour-crm.xml"


@pytest.mark.slow
@needs_java
def test_conflicting_sources_are_reported(split, sample):
    core, register, tmp = split
    sched = _schedule(sample, tmp)
    # A-101 given twice: in the schedule and (again) in a folder's activities table
    extra = tmp / "extra"
    extra.mkdir()
    sample.activities[sample.activities["project_id"] == "A-101"].to_csv(extra / "activities.csv", index=False)
    shutil.copy(register / "risks.csv", extra / "risks.csv")
    res = merge_sources([core, register, extra, sched])
    msgs = [p.message for p in res.problems]
    assert any("activities of A-101 are given by both" in m for m in msgs)
    assert any("table risks is given by 2 sources" in m for m in msgs)
    # two schedules for one project
    sched2 = _schedule(sample, tmp, name="copy.xer")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = merge_sources([core, register, sched, f"A-101={sched2}"])
    assert any("already has a schedule" in p.message for p in res.problems)


@pytest.mark.slow
@needs_java
def test_import_sources_writes_our_layout(split, sample):
    core, register, tmp = split
    sched = _schedule(sample, tmp)
    out = tmp / "imported"
    res = import_sources([core, register, sched], out)
    assert res.ok and res.origin == out
    pf = read_portfolio(out)
    for name, df in sample.tables.items():
        got = pf.tables[name]
        if name == "activities":
            key = ["project_id", "activity_id"]
            got, df = got.sort_values(key).reset_index(drop=True), df.sort_values(key).reset_index(drop=True)
            df = _carried(df, got)
        pd.testing.assert_frame_equal(got[df.columns], df, check_dtype=False, obj=name)
    assert {"calendars", "calendar_exceptions"} <= set(pf.tables)
    extra = out / "import"
    assert {p.name for p in extra.iterdir()} == {"schedule_tasks.csv", "notes.csv", "sources.json"}
    tasks = pd.read_csv(extra / "schedule_tasks.csv")
    assert (tasks["project_id"] == "A-101").all() and tasks["summary"].any()
    # never overwrite a non-empty folder; nothing is left behind when the data are invalid
    with pytest.raises(FileExistsError):
        import_sources([core, register, sched], out)
    bad = tmp / "bad"
    with pytest.raises(DataValidationError, match="unknown activity"):
        import_sources([core, register], bad)  # without the schedule, A-101's risks name unknown activities
    assert not bad.exists()
    assert not [p for p in tmp.iterdir() if p.name.startswith(".bad")]


@pytest.mark.slow
def test_tables_only_sources_need_no_java(split, monkeypatch):
    core, register, _ = split
    monkeypatch.setattr(msp.jvm, "java_unavailable_reason", lambda: "no Java runtime found: install one")
    res = merge_sources([core, register])
    # A-101's activities were moved out: its risks (and its branches) now name unknown activities
    assert res.problems and all(p.table in ("risks", "branches") for p in res.problems)
    assert all("unknown activity" in p.message and "A-101" in p.message for p in res.problems)
    plan = core.parent / "plan.xml"
    plan.write_text("<Project/>")
    with pytest.raises(JavaUnavailableError, match="no Java"):
        merge_sources([core, register, plan])


def test_parse_source_and_needs_import(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    plan = tmp_path / "plan.mpp"
    plan.write_bytes(b"x")
    assert parse_source(folder).kind == "tables"
    s = parse_source(f"A-101={plan}")
    assert (s.kind, s.project_id, s.path) == ("schedule", "A-101", plan)
    assert parse_source(plan).project_id is None
    with pytest.raises(DataValidationError, match="no such file"):
        parse_source(tmp_path / "missing.xer")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataValidationError, match="expected a folder"):
        parse_source(tmp_path / "notes.txt")
    with pytest.raises(DataValidationError, match="schedule files only"):
        parse_source(f"A-1={folder}")
    assert not needs_import([folder])
    assert needs_import([folder, plan]) and needs_import([plan])
    with pytest.raises(DataValidationError, match="no sources"):
        merge_sources([])


@pytest.mark.slow
@needs_java
def test_register_in_a_workbook_and_schedule_matched_by_name(split, sample):
    core, register, tmp = split
    book = tmp / "register.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as xw:
        for t in REGISTER:
            pd.read_csv(register / f"{t}.csv", dtype=str, keep_default_na=False).to_excel(xw, sheet_name=t,
                                                                                         index=False)
    a101 = sample.activities[sample.activities["project_id"] == "A-101"]
    name = sample.projects.set_index("project_id").loc["A-101", "name"]
    start = sample.projects.set_index("project_id").loc["A-101", "start_date"] + pd.Timedelta(days=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        plan = msp.write_schedule(a101.drop(columns="project_id"), tmp / "crm.xer", title=name,
                                  start_date=start)
    res = merge_sources([core, book, plan])  # the schedule's title is the project's name
    assert res.ok, res.problems
    assert set(res.schedules) == {"A-101"} and res.sources["risks"] == "register.xlsx[risks]"
    # a start date that differs from the register is a note to confirm, not a problem
    assert any("starts" in n.message and "in its schedule" in n.message for n in res.notes)
    text = res.report()
    assert "crm.xer -> A-101" in text and "note(s) to confirm" in text and "problem(s)" not in text
    pf = res.portfolio()
    assert len(pf.activities) == len(sample.activities)


@pytest.mark.slow
@needs_java
def test_import_a_schedule_without_a_register_makes_a_skeleton_portfolio(tmp_path, capsys):
    from pmo_analytics.cli import main
    from pmo_analytics.schedule import build_network, cpm

    plan = Path(__file__).parent / "data" / "realdata" / "XERNative_sample.xer"
    out = tmp_path / "d"
    assert main(["import", f"TK-1={plan}", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "skeleton portfolio" in text and "has no costs" in text and "XERNative_sample.xer -> TK-1" in text
    assert text.count("default range rule") == 1  # notes come one line per kind
    pf = read_portfolio(out)  # a valid portfolio
    assert pf.projects["project_id"].tolist() == ["TK-1"] and pf.projects.at[0, "stage"] == "active"
    assert {"calendars", "calendar_exceptions", "criteria", "scores", "costs", "budget"} <= set(pf.tables)
    assert pf.projects.at[0, "calendar_id"] in set(pf.calendars["calendar_id"])
    # the imported CSVs schedule as P6 did: finish 21 Feb 2022, as stored in the file
    plan_ = cpm(build_network(pf, "TK-1"))
    assert plan_["early_finish_date"].max() == pd.Timestamp("2022-02-21")
    # a second import into the same folder is refused (exit 2), nothing overwritten
    assert main(["import", str(plan), "--out", str(out)]) == 2


@pytest.mark.slow
@needs_java
def test_import_keeps_progress_and_constraint_times(tmp_path):
    plan = Path(__file__).parent / "data" / "realdata" / "mpxj_percent-complete-8.4.xer"
    res = import_sources([f"PC-1={plan}"], tmp_path / "pc")
    pf = read_portfolio(tmp_path / "pc")
    assert pf.projects.at[0, "data_date"] == pd.Timestamp("2015-02-24")
    a = pf.activities.set_index("activity_id")
    assert a["actual_start"].notna().sum() == 9 and a.at["A1010", "remaining_duration"] == 75
    assert res.schedules["PC-1"].data_date == pd.Timestamp("2015-02-24")
