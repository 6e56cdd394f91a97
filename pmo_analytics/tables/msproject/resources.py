"""Tasks on their resources' working time: MS Project's resource calendars, P6's resource-dependent activities.

MS Project schedules the work of each assignment of an automatically scheduled
task on the assignment's *effective calendar* and ends the task with its last
assignment (Microsoft, "How Project schedules tasks: behind the scenes" and
"Change the calendar for a task": with a task calendar the work is scheduled in
the working time common to the task and resource calendars, unless *Scheduling
ignores resource calendars* is set). The effective calendar of an assignment is

* the task's calendar when the task ignores resource calendars, the resource
  is not a work resource or has no calendar;
* the resource's calendar when the task has no calendar of its own;
* the working time common to both (their intersection) otherwise.

An assignment spans ``work / units`` hours of working time of that calendar
(a fitter at 50 % with 8 hours of work spans 16 working hours); a task's
*Duration* in the file is that span, counted in the file's hours per day. These
are the rules of MPXJ's ``ResourceAssignment.getEffectiveCalendar`` and of its
MS Project-compatible scheduler (``org.mpxj.cpm.MicrosoftScheduler``, which
also leaves fixed-duration tasks on the task calendar, as done here). P6
schedules a *resource-dependent* activity on its resources' calendars (Oracle,
P6 user guide, "Activity types": "the activity is scheduled using the
calendars of the assigned resources"); other P6 activities use the activity
calendar.

Our activities run on one calendar each. :class:`ResourceCalendars` decides,
per task, the calendar to run it on: the assignments' effective calendar when
they share one (exactly what the tool does), else the calendar of the
assignment that finishes last from the task's stored start (the tool ends the
task with it; a change of start could make another assignment the last one:
said in the notes). :func:`verify` then compares the finish our CPM gives
each such task with the finish the tool stored, and says per task where they
differ and by how many working days.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...exceptions import Problem
from .calendars import CalendarInfo
from .jvm import jclass
from .values import _enum, _s

__all__ = ["ResourceCalendar", "ResourceCalendars", "intersect", "verify"]

_MS_FILES = ("MPP", "MSPDI", "MPX")


@dataclass(frozen=True)
class ResourceCalendar:
    """How one task is scheduled on its resources' working time."""

    uid: int                  # calendar (in the converter's cal_info) the task runs on
    span_h: float | None      # at-completion span of working time [hours] from the assignments (None: the task's)
    remaining_h: float | None  # remaining span [hours] (None: the task's)
    rule: str                 # "resource", "common" (task x resource calendar), "task" or "last assignment"
    names: tuple              # the effective calendars of the assignments, by name


def _key(ci: CalendarInfo) -> tuple:
    """The working time of a calendar (periods per weekday and exceptions), without its names."""
    return ci.periods, tuple((d, per) for d, (per, _) in sorted(ci.exceptions.items()))


def _cut(a: tuple, b: tuple) -> tuple:
    """Intersection of two sorted lists of working periods (start, end) [hour of day]."""
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if e > s:
                out.append((s, e))
    return tuple(sorted(out))


def intersect(a: CalendarInfo, b: CalendarInfo, uid: int, calendar_id: str) -> CalendarInfo:
    """The working time common to calendars ``a`` and ``b`` (weekdays and every exception date of either)."""
    periods = tuple(_cut(pa, pb) for pa, pb in zip(a.periods, b.periods))
    exceptions = {}
    for d in sorted(set(a.exceptions) | set(b.exceptions)):
        pa = a.exceptions[d][0] if d in a.exceptions else a.periods[d.weekday()]
        pb = b.exceptions[d][0] if d in b.exceptions else b.periods[d.weekday()]
        names = [x.exceptions[d][1] for x in (a, b) if d in x.exceptions and x.exceptions[d][1]]
        exceptions[d] = (_cut(pa, pb), " / ".join(names) or None)
    return CalendarInfo(uid, calendar_id, f"{a.name} x {b.name}", a.hours_per_day, periods, exceptions)


class ResourceCalendars:
    """Per task, the calendar the tool schedules it on when its resources' calendars apply.

    Parameters
    ----------
    pf : org.mpxj.ProjectFile
    cal_info : dict
        The converter's calendars by unique id (intersections are added to it).
    hours : callable
        MPXJ Duration -> (hours, elapsed?) (the converter's :class:`_Hours`).
    file_type : str
        MPXJ's file type (MPP, MSPDI, MPX: MS Project rules; XER, PMXML: P6's).
    """

    def __init__(self, pf, cal_info: dict, hours, file_type: str | None):
        self.cal_info = cal_info
        self.hours = hours
        self.ms = file_type in _MS_FILES
        self._common: dict = {}
        self._keys: dict = {}
        self.missing: list = []  # (task, resource) whose calendar could not be read

    def _k(self, uid):
        if uid not in self._keys:
            self._keys[uid] = _key(self.cal_info[uid])
        return self._keys[uid]

    def _common_uid(self, task_uid: int, res_uid: int) -> int:
        """The intersection of a task and a resource calendar, added to ``cal_info`` once."""
        pair = (task_uid, res_uid)
        if pair not in self._common:
            a, b = self.cal_info[task_uid], self.cal_info[res_uid]
            used = {c.calendar_id.lower() for c in self.cal_info.values()}
            cid = f"{a.calendar_id}.x.{b.calendar_id}"[:60]
            k = 2
            while cid.lower() in used:
                cid = f"{a.calendar_id}.x.{b.calendar_id}"[:56] + f"_{k}"
                k += 1
            uid = -1 - len([u for u in self.cal_info if u < 0])
            self.cal_info[uid] = intersect(a, b, uid, cid)
            self._common[pair] = uid
        return self._common[pair]

    def for_task(self, t, cal_uid: int, activity_type: str | None) -> ResourceCalendar | None:
        """The calendar task ``t`` runs on when its resources' calendars change it, else None.

        ``cal_uid`` is the task's own effective calendar (task calendar, else the project's).
        """
        if self.ms:
            if t.getIgnoreResourceCalendar() is True or _enum(t.getType()) == "FIXED_DURATION":
                return None
        elif activity_type != "RESOURCE_DEPENDENT":
            return None
        own = t.getCalendar() if self.ms else None  # P6: a resource-dependent activity runs on its resources'
        own_uid = int(own.getUniqueID()) if own is not None else None
        if own_uid is not None and own_uid not in self.cal_info:
            own_uid = None
        picks = []  # (effective calendar uid, span h, remaining span h, rule, assignment)
        for a in t.getResourceAssignments():
            r = a.getResource()
            if r is None or _enum(r.getType()) in ("MATERIAL", "COST"):
                continue
            units = a.getUnits()
            units = float(units) if units is not None else 100.0
            if units <= 0:
                continue
            rc = r.getCalendar()
            ruid = int(rc.getUniqueID()) if rc is not None else None
            if ruid is not None and ruid not in self.cal_info:
                self.missing.append((_s(t.getName()), _s(r.getName())))
                ruid = None
            if ruid is None:  # a resource without a (readable) calendar works the task's hours
                uid, rule = cal_uid, "task"
            elif own_uid is None:
                uid, rule = ruid, "resource"
            else:
                uid, rule = self._common_uid(own_uid, ruid), "common"
            work, _ = self.hours(a.getWork())
            rem, _ = self.hours(a.getRemainingWork())
            span = work * 100.0 / units if self.ms and not math.isnan(work) else math.nan
            rspan = rem * 100.0 / units if self.ms and not math.isnan(rem) else math.nan
            picks.append((uid, span, rspan, rule, a))
        if not picks:
            return None
        keys = {self._k(p[0]) for p in picks}
        if len(keys) == 1:
            uid, rule = picks[0][0], picks[0][3]
            spans = [p[1] for p in picks if not math.isnan(p[1])]
            rspans = [p[2] for p in picks if not math.isnan(p[2])]
            span = max(spans) if spans else None
            rspan = max(rspans) if rspans else None
        else:  # the task ends with its last assignment: the calendar (and span) of that one
            start = t.getStart() or t.getEarlyStart()
            best = None
            for uid_, span_, rspan_, rule_, a in picks:
                if start is None or math.isnan(span_):
                    continue
                dur = jclass("org.mpxj.Duration").getInstance(float(span_), jclass("org.mpxj.TimeUnit").HOURS)
                end = a.getEffectiveCalendar().getDate(start, dur)
                if best is None or end.isAfter(best[0]):
                    best = (end, uid_, span_, rspan_)
            if best is None:
                return None
            _, uid, span, rspan = best
            span = span if not math.isnan(span) else None
            rspan = rspan if not math.isnan(rspan) else None
            rule = "last assignment"
        if self._k(uid) == self._k(cal_uid) and (span is None or self._same_span(t, span)):
            return None  # the resources work the task's own hours: nothing changes
        names = tuple(dict.fromkeys(self.cal_info[p[0]].name for p in picks))
        return ResourceCalendar(uid, span, rspan, rule, names)

    def _same_span(self, t, span: float) -> bool:
        dur, _ = self.hours(t.getDuration())
        return not math.isnan(dur) and abs(dur - span) < 1e-6


def verify(sched) -> list[Problem]:
    """Compare the finish our CPM gives each task on resource calendars with the finish the tool stored.

    Returns one note per task that differs (its calendar, both finishes and the
    difference in working days of its calendar), or one note saying they all
    agree. Tasks are those with ``tasks.resource_calendar`` set.
    """
    from ...schedule import cpm

    tasks = sched.tasks
    if "resource_calendar" not in tasks.columns:
        return []
    ids = [a for a in tasks.index[tasks["resource_calendar"].notna() & ~tasks["summary"].astype(bool)]
           if a in set(sched.activities["activity_id"])]
    if not ids:
        return []
    src = sched.project["source"]
    tool = "MS Project" if sched.project.get("file_type") in _MS_FILES else "P6"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said again wherever the network is built
            net = sched.network()
            plan = cpm(net)
    except Exception as exc:  # noqa: BLE001 - the schedule's own problem is reported where it is used
        return [Problem("activities", src, None, "calendar_id",
                        f"the {len(ids)} task(s) on resource calendars could not be checked against {tool}'s dates "
                        f"({str(exc).splitlines()[0][:200]})")]
    tl = net.timeline
    names = [c.name for c in tl.calendars]
    out = []
    ok = 0
    for aid in ids:
        ours, theirs = plan.at[aid, "early_finish_date"], tasks.at[aid, "tool_finish"]
        if pd.isna(ours) or pd.isna(theirs):
            continue
        cid = net.activities.at[aid, "calendar_id"]
        c = names.index(cid) if cid in names else 0
        # working days of the task's calendar after the earlier finish day up to the later one
        d0, d1 = (float(x) for x in tl.day(pd.DatetimeIndex([ours, theirs])))
        days = np.arange(min(d0, d1) + 1.0, max(d0, d1) + 1.0)
        worked = int((tl.work(c, days + 1.0) - tl.work(c, days) > 1e-9).sum()) if len(days) else 0
        gap = math.copysign(worked, d0 - d1)
        if worked == 0:
            ok += 1
            continue
        out.append(Problem("activities", src, None, "calendar_id",
                           f"task {aid} on resource calendar {tasks.at[aid, 'resource_calendar']}: {tool}'s stored "
                           f"finish is {pd.Timestamp(theirs).date()}, ours {pd.Timestamp(ours).date()} "
                           f"({worked} working day(s) {'earlier' if gap > 0 else 'later'} in {tool}): its "
                           "resource calendar is not reproduced exactly"))
    if ok:
        out.insert(0, Problem("activities", src, None, "calendar_id",
                              f"{ok} of {ok + len(out)} task(s) on resource calendars finish on the date {tool} "
                              "stored"))
    return out
