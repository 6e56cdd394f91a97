"""Write the tiny hand-made schedules of ``tests/data/schedules/`` (run from the project root; files are committed).

No copy of Primavera P6 or MS Project was available to write them. Each file is built with MPXJ's API
(the activities, calendars, resources, progress and links below) and its stored dates are the dates the
tool computes by its documented rules, derived by hand (``P6_DATES``, ``MSP_DATES``, each with the
reasoning). Before writing, the schedule is also computed by MPXJ's own P6- and MS Project-compatible
schedulers (``org.mpxj.cpm.PrimaveraScheduler`` / ``MicrosoftScheduler``, written by MPXJ's author and
compared by him with files scheduled by P6 and MS Project): the script stops unless they give the
hand-derived dates, so the stored dates rest on two independent derivations.

* ``invalid_dates.xer`` (P6 XER): data date Mon 9 March 2026 08:00; A finished *after* it (actual finish
  Wed 11 March 17:00) and B started after it (actual start Thu 12 March): DCMA check 9's invalid dates.
  P6 keeps the actuals and schedules the remaining work from the data date.
* ``resource_calendars.xml`` (MSPDI): effort-driven, fixed-units tasks whose resources work on their own
  calendars (a 4 x 10-hour week with a day of leave, half days), one with a task calendar (the working
  time common to both), one with two resources on different calendars, one at 50 % units, one that
  ignores its resource calendar. MS Project schedules each assignment on its effective calendar (the
  resource's, or the intersection with a task calendar) for work / units hours, and the task ends with its
  last assignment; a task's Duration is that span of working time (40 h = "5 days" at 8 hours a day even
  when the resource works 10-hour days).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

HERE = Path(__file__).parent

#: P6's dates for invalid_dates.xer: (start, finish) as P6 shows them (Start = actual start when started,
#: Finish = actual finish when complete, else the remaining early dates). Calendar Mon-Fri 08-12, 13-17.
P6_DATES = {
    "A": ("2026-03-02 08:00", "2026-03-11 17:00"),  # complete: its actual dates as recorded
    "B": ("2026-03-12 08:00", "2026-03-11 17:00"),  # 3 days left from the data date Mon 9: Mon, Tue, Wed
    "C": ("2026-03-09 08:00", "2026-03-10 17:00"),  # FS after A: A drives from the data date, not its actual
    "D": ("2026-03-12 08:00", "2026-03-13 17:00"),  # FS after B (Wed 11 17:00): Thu 12 - Fri 13
    "E": ("2026-03-11 08:00", "2026-03-11 17:00"),  # FS+2d after A: the whole lag runs from the data date
    "F": ("2026-03-13 17:00", "2026-03-13 17:00"),  # finish milestone after C, D, E
}
#: MS Project's dates for resource_calendars.xml (start, finish). Project calendar Standard Mon-Fri
#: 08-12, 13-17; "Four tens" Mon-Thu 08-12, 13-19 with leave on Tue 10 March; "Half days" Mon-Fri 08-12;
#: "Mon-Wed" (a task calendar) Mon-Wed 08-12, 13-17. Project start Mon 2 March 2026 08:00.
MSP_DATES = {
    "T1": ("2026-03-02 08:00", "2026-03-05 19:00"),  # 40 h on Four tens: Mon-Thu, 10 h a day
    "T2": ("2026-03-06 08:00", "2026-03-09 17:00"),  # after T1, no resource: 16 h on Standard, Fri + Mon
    "T3": ("2026-03-06 08:00", "2026-03-11 12:00"),  # after T1, 16 h on Half days: Fri, Mon, Tue, Wed morning
    "T4": ("2026-03-09 08:00", "2026-03-16 17:00"),  # after T1, 24 h on Mon-Wed x Four tens (Mon-Wed 8 h),
                                                     # Tue 10 on leave: Mon 9, Wed 11, Mon 16
    "T5": ("2026-03-02 08:00", "2026-03-05 12:00"),  # two assignments: Crane 16 h on Standard ends Tue 3,
                                                     # Inspector 16 h on Half days ends Thu 5 noon: the last
    "T6": ("2026-03-02 08:00", "2026-03-03 15:00"),  # Fitter at 50 %: 8 h of work = 16 h on Four tens
    "T7": ("2026-03-02 08:00", "2026-03-02 17:00"),  # Crane on Standard: the project calendar anyway
    "T8": ("2026-03-02 08:00", "2026-03-02 17:00"),  # ignores the resource calendar: Standard
    "M": ("2026-03-16 17:00", "2026-03-16 17:00"),   # finish milestone after all
}


def _jvm():
    warnings.simplefilter("ignore")
    from pmo_analytics.tables.msproject import start_jvm
    start_jvm()


def _dt(text):
    from java.time import LocalDateTime
    d, t = text.split()
    y, mo, da = map(int, d.split("-"))
    h, mi = map(int, t.split(":"))
    return LocalDateTime.of(y, mo, da, h, mi)


def _hours(x):
    from org.mpxj import Duration, TimeUnit
    return Duration.getInstance(float(x), TimeUnit.HOURS)


def _check(pf, want: dict, key) -> None:
    got = {}
    for t in pf.getTasks():
        k = key(t)
        if k in want:
            got[k] = (str(t.getStart()).replace("T", " "), str(t.getFinish()).replace("T", " "))
    if got != want:
        bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        sys.exit(f"MPXJ's scheduler disagrees with the hand-derived dates (got, want): {bad}")


def invalid_dates_xer(path: Path) -> Path:
    """P6 XER with actual dates after the data date (see the module doc)."""
    _jvm()
    from org.mpxj import (ActivityType, PercentCompleteType, ProjectFile, Relation, RelationType, TaskType)
    from org.mpxj.cpm import PrimaveraScheduler
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    pf = ProjectFile()
    cal = pf.addDefaultBaseCalendar()
    props = pf.getProjectProperties()
    props.setDefaultCalendar(cal)
    props.setProjectID("INV-DATES")
    props.setProjectTitle("Invalid dates")
    props.setStartDate(_dt("2026-03-02 08:00"))
    props.setStatusDate(_dt("2026-03-09 08:00"))  # P6's data date
    wbs = pf.addTask()
    wbs.setName("Invalid dates")
    wbs.setActivityID("W")

    def act(aid, days, remaining, actual_start=None, actual_finish=None, milestone=False):
        t = wbs.addTask()
        t.setName(aid)
        t.setActivityID(aid)
        t.setActivityType(ActivityType.FINISH_MILESTONE if milestone else ActivityType.TASK_DEPENDENT)
        t.setType(TaskType.FIXED_DURATION)
        t.setPercentCompleteType(PercentCompleteType.DURATION)
        t.setDuration(_hours(8 * days))
        t.setPlannedDuration(_hours(8 * days))
        t.setRemainingDuration(_hours(8 * remaining))
        t.setActualDuration(_hours(8 * (days - remaining) if actual_start else 0))
        if actual_start:
            t.setActualStart(_dt(actual_start))
        if actual_finish:
            t.setActualFinish(_dt(actual_finish))
        t.setPercentageComplete(100.0 if actual_finish else 0.0)
        t.setMilestone(milestone)
        return t

    a = act("A", 5, 0, "2026-03-02 08:00", "2026-03-11 17:00")
    b = act("B", 3, 3, "2026-03-12 08:00")  # started "after" the data date: nothing done yet, 3 days left
    c, d, e, f = act("C", 2, 2), act("D", 2, 2), act("E", 1, 1), act("F", 0, 0, milestone=True)
    for p, s, lag in ((a, c, 0), (b, d, 0), (a, e, 16), (c, f, 0), (d, f, 0), (e, f, 0)):
        s.addPredecessor(Relation.Builder().predecessorTask(p).type(RelationType.FINISH_START).lag(_hours(lag)))
    PrimaveraScheduler().schedule(pf, _dt("2026-03-02 08:00"))
    _check(pf, P6_DATES, lambda t: str(t.getActivityID()))
    UniversalProjectWriter(FileFormat.XER).write(pf, str(path))
    return path


def resource_calendars_mspdi(path: Path) -> Path:
    """MSPDI whose tasks run on their resources' calendars (see the module doc)."""
    _jvm()
    from java.time import DayOfWeek, LocalDate, LocalTime
    from org.mpxj import (DayType, LocalTimeRange, ProjectFile, Relation, RelationType, ResourceType, TaskType)
    from org.mpxj.cpm import MicrosoftScheduler
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    pf = ProjectFile()
    std = pf.addDefaultBaseCalendar()
    props = pf.getProjectProperties()
    props.setDefaultCalendar(std)
    props.setProjectTitle("Resource calendars")
    props.setStartDate(_dt("2026-03-02 08:00"))

    def derived(name, days, periods):
        c = pf.addDefaultDerivedCalendar()
        c.setName(name)
        c.setParent(std)
        for d in DayOfWeek.values():
            if str(d) in days:
                c.setCalendarDayType(d, DayType.WORKING)
                h = c.addCalendarHours(d)
                for a, b in periods:
                    h.add(LocalTimeRange(LocalTime.of(a, 0), LocalTime.of(b, 0)))
            else:
                c.setCalendarDayType(d, DayType.NON_WORKING)
        return c

    mon_thu = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY")
    four = derived("Four tens", mon_thu, [(8, 12), (13, 19)])
    four.addCalendarException(LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10))  # a day of leave
    half = derived("Half days", mon_thu + ("FRIDAY",), [(8, 12)])
    mon_wed = derived("Mon-Wed", mon_thu[:3], [(8, 12), (13, 17)])

    def resource(name, cal):
        r = pf.addResource()
        r.setName(name)
        r.setType(ResourceType.WORK)
        r.setCalendar(cal)
        return r

    fitter, inspector, crane = resource("Fitter", four), resource("Inspector", half), resource("Crane", std)
    spans = {}

    def task(name, span_h, assignments=(), calendar=None, ignore=False, milestone=False):
        t = pf.addTask()
        t.setName(name)
        t.setType(TaskType.FIXED_UNITS)
        t.setEffortDriven(True)
        t.setDuration(_hours(span_h))
        t.setActualDuration(_hours(0))
        t.setRemainingDuration(_hours(span_h))
        t.setMilestone(milestone)
        if calendar is not None:
            t.setCalendar(calendar)
        t.setIgnoreResourceCalendar(ignore)
        for r, units in assignments:  # work = span x units (fixed units, effort driven)
            a = t.addResourceAssignment(r)
            a.setUnits(float(units))
            a.setWork(_hours(span_h * units / 100))
            a.setRemainingWork(_hours(span_h * units / 100))
            a.setActualWork(_hours(0))
        spans[name] = span_h
        return t

    t1 = task("T1", 40, [(fitter, 100)])
    t2 = task("T2", 16)
    t3 = task("T3", 16, [(inspector, 100)])
    t4 = task("T4", 24, [(fitter, 100)], calendar=mon_wed)
    t5 = task("T5", 16, [(inspector, 100), (crane, 100)])
    t6 = task("T6", 16, [(fitter, 50)])
    t7 = task("T7", 8, [(crane, 100)])
    t8 = task("T8", 8, [(inspector, 100)], ignore=True)
    m = task("M", 0, milestone=True)
    links = [(t1, t2), (t1, t3), (t1, t4)] + [(p, m) for p in (t2, t3, t4, t5, t6, t7, t8)]
    for p, s in links:
        s.addPredecessor(Relation.Builder().predecessorTask(p).type(RelationType.FINISH_START))
    MicrosoftScheduler().schedule(pf, _dt("2026-03-02 08:00"))
    _check(pf, MSP_DATES, lambda t: str(t.getName()))
    for t in pf.getTasks():  # MPXJ's scheduler restates Duration on the task calendar; MS Project keeps the span
        if str(t.getName()) in spans:
            t.setDuration(_hours(spans[str(t.getName())]))
            t.setRemainingDuration(_hours(spans[str(t.getName())]))
    UniversalProjectWriter(FileFormat.MSPDI).write(pf, str(path))
    return path


if __name__ == "__main__":
    invalid_dates_xer(HERE / "invalid_dates.xer")
    resource_calendars_mspdi(HERE / "resource_calendars.xml")
    print(f"written to {HERE}")
