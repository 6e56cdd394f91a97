"""Write activities back as an MS Project (MSPDI) or Primavera (XER, P6 XML) file through MPXJ."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ...atomic import write_atomic
from .jvm import jclass, start_jvm

__all__ = ["write_schedule"]

_WRITE_FIELDS = {"activity_id": "Text1", "distribution": "Text2", "correlation_group": "Text3",
                 "min_duration": "Duration1", "max_duration": "Duration3"}
_FORMATS = {".xml": "MSPDI", ".mspdi": "MSPDI", ".xer": "XER", ".pmxml": "PMXML", ".mpx": "MPX"}


def write_schedule(activities: pd.DataFrame, path: str | os.PathLike, project_id: str | None = None, *,
                   start_date="2026-01-05", weekend=("Sat", "Sun"), holidays=(), title: str | None = None,
                   overwrite: bool = False) -> Path:
    """Write activities of one project as an MS Project (MSPDI ``.xml``) or Primavera (``.xer``, ``.pmxml``) file.

    Phases become summary tasks; ``activity_id``, ``distribution`` and
    ``correlation_group`` go to the custom fields Text1-3 (aliases with the
    same names), ``min_duration`` / ``max_duration`` to Duration1 / Duration3,
    so :func:`read_schedule` reads back the same table. The file's dates are
    computed by MPXJ's MS Project-compatible scheduler (``MicrosoftScheduler``)
    on a calendar of ``weekend`` days and ``holidays``, starting at
    ``start_date`` 08:00.

    Parameters
    ----------
    activities : DataFrame
        Rows of the ``activities`` table (one project, or pass ``project_id``).
    path : str or Path
        Output file; the suffix picks the format (``.xml`` = MSPDI).
    project_id : str, optional
        Project to write when ``activities`` holds several.
    start_date : date-like
        Project start.
    weekend, holidays
        Non-working weekdays (``Sat``, ``Sun`` ...) and dates.
    title : str, optional
        Project title (default ``project_id``).
    overwrite : bool, default False
        Refuse to replace an existing file unless True.

    Returns
    -------
    Path
    """
    from ..graph import parse_predecessors

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot write {path.suffix!r}: use one of {', '.join(_FORMATS)}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: pass overwrite=True to replace it")
    acts = activities
    if "project_id" in acts.columns:
        if project_id is not None:
            acts = acts[acts["project_id"] == project_id]
        elif acts["project_id"].nunique() > 1:
            raise ValueError("activities of several projects given: pass project_id=")
        elif len(acts):
            project_id = str(acts["project_id"].iloc[0])
    if acts.empty:
        raise ValueError("no activities to write")
    start_jvm()
    DayOfWeek, LocalDate, LocalDateTime = (jclass(f"java.time.{c}") for c in ("DayOfWeek", "LocalDate",
                                                                              "LocalDateTime"))
    ConstraintType, Duration, ProjectFile, Relation, RelationType, TaskField, TimeUnit = (
        jclass(f"org.mpxj.{c}") for c in ("ConstraintType", "Duration", "ProjectFile", "Relation", "RelationType",
                                          "TaskField", "TimeUnit"))
    MicrosoftScheduler = jclass("org.mpxj.cpm.MicrosoftScheduler")
    FileFormat, UniversalProjectWriter = jclass("org.mpxj.writer.FileFormat"), jclass(
        "org.mpxj.writer.UniversalProjectWriter")

    pf = ProjectFile()
    props = pf.getProjectProperties()
    cal = pf.addDefaultBaseCalendar()
    props.setDefaultCalendar(cal)
    days = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    weekend = {str(w)[:3].title() for w in weekend}
    for d in days:
        wd = getattr(DayOfWeek, d)
        if d[:3].title() in weekend and cal.isWorkingDay(wd):
            cal.setWorkingDay(wd, False)
        elif d[:3].title() not in weekend and not cal.isWorkingDay(wd):
            cal.setWorkingDay(wd, True)
            hours = cal.addCalendarHours(wd)
            for rng in _work_hours():
                hours.add(rng)
    for h in pd.to_datetime(list(holidays)).normalize().unique():
        cal.addCalendarException(LocalDate.of(h.year, h.month, h.day), LocalDate.of(h.year, h.month, h.day))
    s = pd.Timestamp(start_date)
    start = LocalDateTime.of(s.year, s.month, s.day, 8, 0)
    props.setStartDate(start)
    props.setProjectTitle(title or project_id or path.stem)
    if project_id:
        props.setProjectID(project_id)
    cf = pf.getCustomFields()
    for col, fld in _WRITE_FIELDS.items():
        cf.getOrCreate(TaskField.valueOf(fld.upper())).setAlias(col)

    def days_(x):
        return Duration.getInstance(float(x), TimeUnit.DAYS)

    tasks = {}
    phases = {}
    for r in acts.itertuples(index=False):
        r = r._asdict()
        phase = r.get("phase")
        parent = pf
        if isinstance(phase, str) and phase:
            if phase not in phases:
                st = pf.addTask()
                st.setName(phase)
                phases[phase] = st
            parent = phases[phase]
        t = parent.addTask()
        aid = str(r["activity_id"])
        t.setName(str(r.get("name") or aid))
        t.setActivityID(aid)
        t.set(TaskField.TEXT1, aid)
        ml = float(r["most_likely"])
        t.setDuration(days_(ml))
        t.setActualDuration(days_(0))
        t.setRemainingDuration(days_(ml))
        t.set(TaskField.DURATION1, days_(r["min_duration"]))
        t.set(TaskField.DURATION3, days_(r["max_duration"]))
        if r.get("distribution"):
            t.set(TaskField.TEXT2, str(r["distribution"]))
        group = r.get("correlation_group")
        if isinstance(group, str) and group:
            t.set(TaskField.TEXT3, group)
        if float(r["max_duration"]) == 0:
            t.setMilestone(True)
        fixed = float(r.get("fixed_cost") or 0.0)
        t.setFixedCost(fixed)
        t.setCost(fixed + float(r.get("cost_rate") or 0.0) * ml)
        t.setConstraintType(ConstraintType.AS_SOON_AS_POSSIBLE)
        tasks[aid] = t
    rel = {"FS": RelationType.FINISH_START, "SS": RelationType.START_START, "FF": RelationType.FINISH_FINISH,
           "SF": RelationType.START_FINISH}
    for aid, text in zip(acts["activity_id"].astype(str), acts.get("predecessors", [None] * len(acts))):
        for p, typ, lag in parse_predecessors(text):
            if p not in tasks:
                raise ValueError(f"unknown predecessor {p!r} of {aid}")
            tasks[aid].addPredecessor(Relation.Builder().predecessorTask(tasks[p]).type(rel[typ]).lag(days_(lag)))
    MicrosoftScheduler().schedule(pf, start)
    writer = UniversalProjectWriter(getattr(FileFormat, fmt))
    write_atomic(path, lambda tmp: writer.write(pf, str(tmp)), exclusive=not overwrite)
    return path


def _work_hours():
    """MS Project's standard working hours (08:00-12:00, 13:00-17:00) for a weekday made working."""
    LocalTime, LocalTimeRange = jclass("java.time.LocalTime"), jclass("org.mpxj.LocalTimeRange")
    return [LocalTimeRange(LocalTime.of(8, 0), LocalTime.of(12, 0)),
            LocalTimeRange(LocalTime.of(13, 0), LocalTime.of(17, 0))]
