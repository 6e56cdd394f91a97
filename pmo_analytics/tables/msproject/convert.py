"""Turn one MPXJ ``ProjectFile`` into our tables: :class:`Converter`.

The steps follow the file: calendars, tasks (read once from Java into Python
values), ids, the summary hierarchy (phases), activities with their
durations, progress, constraints and calendars, links, and the project's
dates. What the analyst should confirm is collected by :class:`Notes`, one
line per kind with a count and a few examples.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...exceptions import DataValidationError, DataWarning, Problem
from ..spec import TABLES
from .calendars import DayMapper, calendar_frames, read_calendars
from .jvm import jclass
from .resources import ResourceCalendars
from .schedule import LINK_TYPES, Schedule
from .values import _Hours, _enum, _num, _s, _ts, _value_days

__all__ = ["ReadOptions", "Notes", "Converter", "CONSTRAINTS", "LAG_CALENDARS", "predecessor_text", "field_resolver"]

#: MPXJ constraint types -> ours (see pmo_analytics.schedule.network); ASAP is no constraint.
CONSTRAINTS = {"START_NO_EARLIER_THAN": "SNET", "START_NO_LATER_THAN": "SNLT", "FINISH_NO_EARLIER_THAN": "FNET",
               "FINISH_NO_LATER_THAN": "FNLT", "START_ON": "SO", "FINISH_ON": "FO", "MUST_START_ON": "MSO",
               "MUST_FINISH_ON": "MFO", "AS_LATE_AS_POSSIBLE": "ALAP"}
_START_CONSTRAINTS = ("SNET", "SNLT", "SO", "MSO")
#: MPXJ relationship lag calendars -> ours.
LAG_CALENDARS = {"PREDECESSOR": "predecessor", "SUCCESSOR": "successor", "TWENTY_FOUR_HOUR": "24h",
                 "PROJECT_DEFAULT": "project"}
_ALIASES = ("activity_id", "min_duration", "max_duration", "distribution", "correlation_group")
_LEFT_OUT = {"LEVEL_OF_EFFORT": "level-of-effort", "WBS_SUMMARY": "WBS-summary"}
_BAD_ID = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True)
class ReadOptions:
    """How :func:`~pmo_analytics.tables.msproject.read_schedule` maps the file (validated there)."""

    field_map: dict
    overrides: frozenset
    default_range: tuple
    phase_level: int = 1
    distribution: str = "triangular"


#: Activity columns of the data model that MS Project and P6 files do not carry (read as blanks).
NOT_CARRIED = ("crash_limit", "crash_cost_rate", "risk_calendar_id")


class Notes:
    """Notes to the analyst, aggregated: one line per kind with a count and a few examples."""

    def __init__(self, src: str):
        self.src = src
        self._kinds: dict[str, list] = {}

    def add(self, kind: str, example, what: str, column: str | None = None, limit: int = 5) -> None:
        """Count one more of ``kind``; keep up to ``limit`` examples."""
        entry = self._kinds.setdefault(kind, [what, column, [], 0])
        entry[3] += 1
        if example is not None and len(entry[2]) < limit:
            entry[2].append(str(example))

    def text(self, kind: str, message: str, column: str | None = None) -> None:
        """A note given whole (counts already in the message)."""
        self._kinds[kind] = [message, column, [], 0]

    def problems(self) -> list[Problem]:
        out = []
        for what, column, examples, count in self._kinds.values():
            if count:
                more = ", ..." if count > len(examples) else ""
                msg = f"{count} {what}" + (f" (e.g. {', '.join(examples)}{more})" if examples else "")
            else:
                msg = what
            out.append(Problem("activities", self.src, None, column, msg))
        return out


def _clean_id(raw: str) -> str:
    s = _BAD_ID.sub("_", raw.strip())
    if not s or not re.match(r"[A-Za-z0-9]", s[0]):
        s = "A" + s
    return s[:64]


def _fmt(x: float) -> str:
    s = f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def predecessor_text(links: pd.DataFrame) -> dict[str, str]:
    """``predecessors`` cells from links: ``ID``, ``ID:TYPE`` or ``ID:TYPE+LAG``, separated by ``; ``."""
    out: dict[str, list[str]] = {}
    for p, s, t, lag in links[["predecessor", "successor", "type", "lag"]].itertuples(index=False):
        if t == "FS" and lag == 0:
            item = p
        elif lag == 0:
            item = f"{p}:{t}"
        else:
            item = f"{p}:{t}{'+' if lag > 0 else '-'}{_fmt(abs(lag))}"
        out.setdefault(s, []).append(item)
    return {k: "; ".join(v) for k, v in out.items()}


def field_resolver(pf, spec: str | None, src: str, column: str):
    """MPXJ FieldType for ``spec``: a task field name (``Duration1``) or a custom-field alias; None if absent."""
    FieldTypeClass, TaskField = jclass("org.mpxj.FieldTypeClass"), jclass("org.mpxj.TaskField")

    if spec is None:
        return None
    ft = pf.getCustomFields().getFieldTypeByAlias(FieldTypeClass.TASK, spec)
    if ft is not None:
        return ft
    name = re.sub(r"[\s\-]", "_", spec.strip()).upper()
    try:
        return TaskField.valueOf(name)
    except Exception:  # noqa: BLE001 - java IllegalArgumentException
        raise DataValidationError([Problem("activities", src, None, column,
                                           f"field_map[{column!r}] = {spec!r} is neither an MPXJ task field "
                                           "(e.g. Duration1, Text2, Number3) nor a custom field alias of this file")],
                                  header="cannot read schedule") from None


class Converter:
    """One project file -> :class:`~pmo_analytics.tables.msproject.Schedule`."""

    def __init__(self, pf, src: str, path, sha256: str, project_id: str, options: ReadOptions):
        self.pf = pf
        self.props = pf.getProjectProperties()
        self.src = src
        self.path = path
        self.sha256 = sha256
        self.project_id = project_id
        self.opt = options
        self.notes = Notes(src)
        self.errors: list[Problem] = []
        self.hours = _Hours(self.props)
        self._phase_names: dict[int, str | None] = {}

    # ------------------------------------------------------------------ driver
    def run(self) -> Schedule:
        self._calendars()
        self._fields()
        self._tasks()
        self._ids()
        self._hierarchy()
        acts, task_rows = self._activities()
        links = self._links()
        if self.errors:
            raise DataValidationError(self.errors, header=f"cannot use schedule {self.src}")
        return self._assemble(acts, task_rows, links)

    # -------------------------------------------------------------- calendars
    def _calendars(self) -> None:
        self.cal_info = read_calendars(self.pf, self.hours.per_day * 60.0)
        self.days = DayMapper(self.cal_info)
        default = self.props.getDefaultCalendar()
        self.default_uid = int(default.getUniqueID()) if default is not None else None
        if self.default_uid is None or self.default_uid not in self.cal_info:
            self.default_uid = next(iter(self.cal_info), None)

    def _hpd(self, uid) -> float:
        ci = self.cal_info.get(uid)
        return ci.hours_per_day if ci is not None else self.hours.per_day

    # ----------------------------------------------------------------- fields
    def _fields(self) -> None:
        FieldTypeClass = jclass("org.mpxj.FieldTypeClass")

        fmap = self.opt.field_map
        self.fields = {k: field_resolver(self.pf, v, self.src, k) for k, v in fmap.items()}
        for k in _ALIASES:  # a custom field named like our column (what write_schedule writes) wins over defaults
            if k not in self.opt.overrides:
                ft = self.pf.getCustomFields().getFieldTypeByAlias(FieldTypeClass.TASK, k)
                if ft is not None:
                    self.fields[k] = ft

    # ------------------------------------------------------------------ tasks
    def _tasks(self) -> None:
        all_tasks = [t for t in self.pf.getTasks() if t.getNull() is not True]
        inactive = [t for t in all_tasks if t.getActive() is False]
        for t in inactive:
            self.notes.add("inactive", _s(t.getName()) or "?", "inactive task(s) left out")
        all_tasks = [t for t in all_tasks if t.getActive() is not False]
        # MS Project's project summary task (ID 0 / outline level 0) is not a task of the plan
        all_tasks = [t for t in all_tasks if not (t.getOutlineLevel() is not None and int(t.getOutlineLevel()) == 0)]
        if not all_tasks:
            raise DataValidationError([Problem("activities", self.src, None, None,
                                               "the schedule has no tasks (a file of calendars or resources "
                                               "only?)")], header="cannot read schedule")
        self.by_uid = {int(t.getUniqueID()): t for t in all_tasks}
        self.kids = {u: [int(c.getUniqueID()) for c in t.getChildTasks()] for u, t in self.by_uid.items()}
        self.is_summary = {u: bool(t.getSummary()) or len(self.kids[u]) > 0 for u, t in self.by_uid.items()}
        self.atype = {u: _enum(t.getActivityType()) for u, t in self.by_uid.items()}
        # level-of-effort and WBS-summary activities span others and drive nothing (P6): not activities
        self.left_out = {u for u, a in self.atype.items() if a in _LEFT_OUT and not self.is_summary[u]}
        for u in sorted(self.left_out):
            t = self.by_uid[u]
            self.notes.add(f"left out {self.atype[u]}", _s(t.getActivityID()) or _s(t.getName()),
                           f"{_LEFT_OUT[self.atype[u]]} activit(ies) left out with their links: they span their "
                           "predecessors and successors and drive nothing")

    # -------------------------------------------------------------------- ids
    def _ids(self) -> None:
        f = self.fields.get("activity_id")
        self.ids: dict[int, str] = {}
        self.source_ids: dict[int, str] = {}
        for u, t in self.by_uid.items():
            raw = _s(t.get(f)) if f is not None else None
            if not raw:
                raw = _s(t.getActivityID())
            if not raw:
                raw = _s(t.getID()) if t.getID() is not None else f"U{u}"
            self.source_ids[u] = raw
            self.ids[u] = _clean_id(raw)
        seen: dict[str, int] = {}
        for u, aid in self.ids.items():
            if aid in seen:
                self.errors.append(Problem("activities", self.src, None, "activity_id",
                                           f"activity id {aid!r} is used by more than one task (unique ids "
                                           f"{seen[aid]} and {u}): map a unique field with "
                                           "field_map={'activity_id': ...}"))
            seen[aid] = u
        for u in self.ids:
            if self.source_ids[u] != self.ids[u]:
                self.notes.add("renamed", f"{self.source_ids[u]!r} -> {self.ids[u]!r}",
                               "id(s) with characters outside A-Z a-z 0-9 _ . - renamed", "activity_id")

    # -------------------------------------------------------------- hierarchy
    def _hierarchy(self) -> None:
        by_uid = self.by_uid
        parents = {}
        for u, t in by_uid.items():
            p = t.getParentTask()
            while p is not None and int(p.getUniqueID()) not in by_uid:
                p = p.getParentTask()
            parents[u] = None if p is None else int(p.getUniqueID())
        self.parents = parents
        roots = [u for u, p in parents.items() if p is None]
        # one summary task above everything (a P6 project WBS node, a hand-made project summary) is not a phase
        self.umbrella = roots[0] if len(roots) == 1 and self.is_summary[roots[0]] else None

    def leaves(self, u) -> list[int]:
        out, stack = [], [u]
        while stack:
            x = stack.pop()
            kids = [k for k in self.kids[x] if k in self.by_uid]
            if self.is_summary[x] and kids:
                stack.extend(reversed(kids))
            elif not self.is_summary[x] and x not in self.left_out:
                out.append(x)
        return out

    def phase_of(self, u) -> str | None:
        chain, p = [], self.parents[u]
        while p is not None:
            if p != self.umbrella:
                chain.append(p)
            p = self.parents[p]
        chain.reverse()  # top-level summary first
        if not chain:
            return None
        top = chain[min(self.opt.phase_level, len(chain)) - 1]
        if top not in self._phase_names:
            self._phase_names[top] = _s(self.by_uid[top].getName())
        return self._phase_names[top]

    # ------------------------------------------------------------- activities
    def _activities(self) -> tuple[list, list]:
        lo, hi = self.opt.default_range
        f = self.fields
        hours = self.hours
        raw = []
        res_cals = ResourceCalendars(self.pf, self.cal_info, hours, _enum(self.props.getFileType()))
        on_res: dict = {}
        for u, t in self.by_uid.items():
            cal = t.getEffectiveCalendar()
            cal_uid = int(cal.getUniqueID()) if cal is not None else self.default_uid
            if cal_uid not in self.cal_info:
                cal_uid = self.default_uid
            if not self.is_summary[u] and u not in self.left_out and t.getResourceAssignments():
                rc = res_cals.for_task(t, cal_uid, self.atype[u])
                if rc is not None:  # the tool schedules it on its resources' working time: so do we
                    on_res[u] = rc
                    cal_uid = rc.uid
            raw.append((u, t, cal_uid))
        self._resource_notes(on_res, res_cals)
        self._uids = [u for u, _, _ in raw]
        date_fields = {
            "start": "getStart", "finish": "getFinish", "early_start": "getEarlyStart",
            "early_finish": "getEarlyFinish", "late_start": "getLateStart", "late_finish": "getLateFinish",
            "remaining_early_start": "getRemainingEarlyStart", "remaining_early_finish": "getRemainingEarlyFinish",
            "actual_start": "getActualStart", "actual_finish": "getActualFinish",
            "constraint_date_raw": "getConstraintDate", "baseline_start": "getBaselineStart",
            "baseline_finish": "getBaselineFinish",
        }
        dates = {k: _ts([getattr(t, g)() for _, t, _ in raw]).tolist() for k, g in date_fields.items()}
        self.ml_hours: dict[int, float] = {}
        rows, task_rows = [], []
        self._tool_args = []
        self._dates = dates
        n_default = 0
        for i, (u, t, cal_uid) in enumerate(raw):
            summ = self.is_summary[u]
            name = _s(t.getName())
            hpd = self._hpd(cal_uid)
            atype = self.atype[u]
            dur_h, el1 = hours(t.getDuration())
            rem_h, el2 = hours(t.getRemainingDuration())
            if el1 or el2:
                hours.elapsed += 1
            rc = on_res.get(u)
            if rc is not None:  # the span of working time of its (last) assignment: work / units
                dur_h = rc.span_h if rc.span_h is not None else dur_h
                rem_h = rc.remaining_h if rc.remaining_h is not None else rem_h
            self.ml_hours[u] = dur_h
            a_s, a_f = dates["actual_start"][i], dates["actual_finish"][i]
            milestone = bool(t.getMilestone()) or atype in ("START_MILESTONE", "FINISH_MILESTONE") or dur_h == 0
            ms_type = {"START_MILESTONE": "start", "FINISH_MILESTONE": "finish"}.get(atype)
            # durations [working days of the activity's calendar]
            ml = dur_h / hpd if not math.isnan(dur_h) else 0.0
            rem = rem_h / hpd if not math.isnan(rem_h) else math.nan
            if f.get("most_likely") is not None:
                ml = _value_days(t.get(f["most_likely"]), hours, hpd, ml)
            ml = round(ml, 6)
            started, done = pd.notna(a_s) or pd.notna(a_f), pd.notna(a_f)
            if milestone:
                ml = 0.0
                if started and not done:  # a milestone that happened is complete
                    a_f, done = a_s, True
                elif done and pd.isna(a_s):
                    a_s = a_f
            if not started and not math.isnan(rem) and abs(rem - ml) > 1e-6 and not milestone and not summ:
                # the tools schedule an activity not started with its remaining duration
                self.notes.add("remaining", self.ids[u], "activit(ies) not started whose remaining duration differs "
                               "from the planned one: the remaining duration is used as most_likely")
                ml = round(rem, 6)
            mn = _value_days(t.get(f["min_duration"]), hours, hpd) if f.get("min_duration") is not None else math.nan
            mx = _value_days(t.get(f["max_duration"]), hours, hpd) if f.get("max_duration") is not None else math.nan
            # an unset duration field reads as 0 in .mpp files: 0 on a task with a duration means "blank"
            mn = math.nan if mn == 0 and ml > 0 else mn
            mx = math.nan if mx == 0 and ml > 0 else mx
            source = "fields" if not (math.isnan(mn) and math.isnan(mx)) else "default range"
            if milestone:
                mn = mx = 0.0
                source = "milestone"
            else:
                if math.isnan(mn) or math.isnan(mx):
                    if not summ and u not in self.left_out:
                        n_default += 1
                    source = "default range" if (math.isnan(mn) and math.isnan(mx)) else "fields + default range"
                mn = round(lo * ml, 6) if math.isnan(mn) else round(mn, 6)
                mx = round(hi * ml, 6) if math.isnan(mx) else round(mx, 6)
            if not summ and u not in self.left_out and not (mn <= ml <= mx):
                self.errors.append(Problem("activities", self.src, None, "most_likely",
                                           f"activity {self.ids[u]} ({name}): three-point estimate out "
                                           f"of order: min {mn:g} / most likely {ml:g} / max {mx:g} [working days]"))
            cost = _num(t.getCost())
            fixed = _num(t.getFixedCost())
            fixed = 0.0 if math.isnan(fixed) else fixed
            cost = fixed if math.isnan(cost) else cost
            rate = (cost - fixed) / ml if ml > 0 and cost > fixed else 0.0
            dist = _s(t.get(f["distribution"])) if f.get("distribution") is not None else None
            group = _s(t.get(f["correlation_group"])) if f.get("correlation_group") is not None else None
            phase = _s(t.get(f["phase"])) if f.get("phase") is not None else self.phase_of(u)
            ctype_raw = _enum(t.getConstraintType())
            ctype = CONSTRAINTS.get(ctype_raw)
            sec = _enum(t.getSecondaryConstraintType())
            if sec not in (None, "AS_SOON_AS_POSSIBLE") and not summ:
                self.notes.add("secondary", self.ids[u], "secondary constraint(s) not applied")
            # days by our conventions, on the activity's calendar
            day = self.days.day
            ms_kind = ms_type or ("finish" if milestone else None)
            as_day = day(cal_uid, a_s, "finish" if ms_kind == "finish" else "start")
            af_day = day(cal_uid, a_f, "start" if ms_kind == "start" else "finish")
            if pd.notna(as_day) and pd.notna(af_day) and af_day < as_day:
                as_day = af_day  # a task done within one working period
            cdate = dates["constraint_date_raw"][i]
            c_day = pd.NaT
            if ctype is not None and ctype != "ALAP":
                c_day = self.days.moment(cal_uid, cdate, "start" if ctype in _START_CONSTRAINTS else "finish")
                if pd.isna(c_day):
                    ctype = None
            pct = _num(t.getPercentageComplete())
            self._tool_args.append((i, cal_uid, ms_type, milestone and not summ, as_day, af_day))
            task_rows.append({
                "activity_id": self.ids[u], "source_id": self.source_ids[u], "unique_id": u, "wbs": _s(t.getWBS()),
                "outline_level": None if t.getOutlineLevel() is None else int(t.getOutlineLevel()),
                "parent": self.ids[self.parents[u]] if self.parents[u] is not None else None,
                "name": name or "", "summary": summ, "milestone": milestone and not summ,
                "activity_type": atype, "estimate_source": None if summ else source, "percent_complete": pct,
                **{k: dates[k][i] for k in ("start", "finish", "early_start", "early_finish", "late_start",
                                            "late_finish", "remaining_early_start", "remaining_early_finish",
                                            "actual_start", "actual_finish")},
                "total_slack": hours(t.getTotalSlack())[0] / hpd,
                "constraint_type": ctype_raw if ctype_raw not in (None, "AS_SOON_AS_POSSIBLE") else None,
                "constraint_date": cdate if ctype is not None else pd.NaT,
                "baseline_start": dates["baseline_start"][i], "baseline_finish": dates["baseline_finish"][i],
                "baseline_duration": hours(t.getBaselineDuration())[0] / hpd, "baseline_cost": _num(t.getBaselineCost()),
                "cost": cost, "calendar": self.cal_info[cal_uid].calendar_id if cal_uid in self.cal_info else None,
                "resource_calendar": self.cal_info[cal_uid].calendar_id if u in on_res else None,
            })
            if summ or u in self.left_out:
                continue
            if atype == "RESOURCE_DEPENDENT" and u not in on_res:
                self.notes.add("resource dependent", self.ids[u], "resource-dependent activit(ies) without an "
                               "assigned resource on another calendar: scheduled on the activity calendar")
            if ctype is not None:
                self.notes.add(f"constraint {ctype}", self.ids[u], f"{ctype} constraint(s), applied by the CPM",
                               "constraint_type")
            remaining = math.nan
            if started and not done:
                remaining = round(rem, 6) if not math.isnan(rem) else math.nan
            rows.append({
                "project_id": self.project_id, "activity_id": self.ids[u], "name": name or self.ids[u],
                "phase": phase, "min_duration": mn, "most_likely": ml, "max_duration": mx,
                "distribution": dist or self.opt.distribution, "fixed_cost": fixed, "cost_rate": rate,
                "correlation_group": group, "actual_start": as_day if started else pd.NaT,
                "actual_finish": af_day if done else pd.NaT, "remaining_duration": remaining,
                "percent_complete": pct if started and not math.isnan(pct) else (100.0 if done else math.nan),
                "constraint_type": ctype, "constraint_date": c_day, "calendar_id": self.cal_info[cal_uid].calendar_id,
                "milestone_type": ms_type, "baseline_start": day(cal_uid, dates["baseline_start"][i], "start"),
                "baseline_finish": day(cal_uid, dates["baseline_finish"][i], "finish"), "_uid": u,
                "_cal": cal_uid,
            })
        self.n_default = n_default
        if n_default:
            msg = (f"{n_default} of {len(rows)} activities have no three-point estimate in the file: the default "
                   f"range rule min = {lo:g} x, max = {hi:g} x the planned duration was applied; confirm it with "
                   "the schedule owner or map the fields with field_map=")
            self.notes.text("default range", msg, "min_duration")
            warnings.warn(f"{self.src}: {msg}", DataWarning, stacklevel=5)
        return rows, task_rows

    def _resource_notes(self, on_res: dict, res_cals: ResourceCalendars) -> None:
        """What the resources' calendars changed (see :mod:`.resources`), one line per kind."""
        ms = res_cals.ms
        for u, rc in on_res.items():
            ex = f"{self.ids[u]} ({self.cal_info[rc.uid].calendar_id})"
            if rc.rule == "last assignment":
                self.notes.add("resource calendars differ", ex,
                               "task(s) whose resources work on different calendars: scheduled on the calendar of "
                               "the assignment that finishes last (the tool ends a task with its last assignment; "
                               "a later start could make another one the last)", "calendar_id")
            else:
                self.notes.add("resource calendar", ex,
                               "task(s) scheduled on their resources' working time, as " +
                               ("MS Project does (the resource calendar, or the working time common to the task "
                                "calendar and the resource's)" if ms else
                                "P6 does for resource-dependent activities (the resource calendar)"), "calendar_id")
        for task, res in res_cals.missing:
            self.notes.add("resource calendar unknown", f"{task} ({res})", "assignment(s) whose resource calendar "
                           "could not be read: scheduled on the task calendar", "calendar_id")

    def _tool_dates(self, has_pred: set) -> tuple[list, list]:
        """The tool's start and finish of every task as days: actuals, else its early dates."""
        starts, finishes = [], []
        for i, cal_uid, ms_type, milestone, as_day, af_day in self._tool_args:
            kind = ms_type or (("finish" if self._uids[i] in has_pred else "start") if milestone else None)
            s, f = self._tool_dates_one(i, self._dates, cal_uid, kind, as_day, af_day)
            starts.append(s)
            finishes.append(f)
        return starts, finishes

    def _tool_dates_one(self, i, dates, cal_uid, ms_kind, as_day, af_day):
        day = self.days.day

        def first(*keys):
            for k in keys:
                v = dates[k][i]
                if pd.notna(v):
                    return v
            return pd.NaT

        if pd.notna(af_day):
            return as_day, af_day
        es = first("early_start", "remaining_early_start", "start")
        ef = first("early_finish", "remaining_early_finish", "finish")
        s = as_day if pd.notna(as_day) else day(cal_uid, es, "finish" if ms_kind == "finish" else "start")
        f = day(cal_uid, ef, "start" if ms_kind == "start" else "finish")
        return s, f

    # ------------------------------------------------------------------ links
    def _links(self) -> pd.DataFrame:
        by_uid, ids = self.by_uid, self.ids
        default_hpd = self._hpd(self.default_uid)
        link_rows = []
        for u, t in by_uid.items():
            for r in t.getPredecessors():
                pt = r.getPredecessorTask()
                if pt is None or int(pt.getUniqueID()) not in by_uid:
                    continue
                p = int(pt.getUniqueID())
                if p in self.left_out or u in self.left_out:
                    continue
                typ = LINK_TYPES.get(_enum(r.getType()))
                if typ is None:
                    self.errors.append(Problem("activities", self.src, None, "predecessors",
                                               f"unknown relationship type {_enum(r.getType())} from {ids[p]} to "
                                               f"{ids[u]}"))
                    continue
                lag_h, elapsed = self.hours(r.getLag(), base_hours=self.ml_hours.get(p))
                if elapsed:  # round the clock: to working hours at the project calendar's share of the week
                    week = sum(self.cal_info[self.default_uid].week) if self.default_uid in self.cal_info else 40.0
                    lag_h = lag_h * week / 168.0
                    self.notes.add("elapsed", f"{ids[p]} -> {ids[u]}", "elapsed lag(s) converted to working time "
                                   "at the project calendar's working hours per week")
                lag = round(lag_h / default_hpd, 6) if not math.isnan(lag_h) else 0.0
                preds, succs = [p], [u]
                if self.is_summary[p]:
                    if typ in ("FS", "FF"):
                        preds = self.leaves(p)
                    else:
                        self.notes.add("summary dropped", f"{typ} {ids[p]} -> {ids[u]}",
                                       "link(s) from the start of a summary task dropped: no exact equivalent on "
                                       "its activities", "predecessors")
                        continue
                if self.is_summary[u]:
                    if typ in ("FS", "SS"):
                        succs = self.leaves(u)
                    else:
                        self.notes.add("summary dropped", f"{typ} {ids[p]} -> {ids[u]}",
                                       "link(s) to the finish of a summary task dropped: no exact equivalent on "
                                       "its activities", "predecessors")
                        continue
                if self.is_summary[p] or self.is_summary[u]:
                    self.notes.add("summary expanded", f"{typ} {ids[p]} -> {ids[u]}",
                                   "link(s) involving a summary task expanded to links between its activities",
                                   "predecessors")
                for a in preds:
                    for b in succs:
                        if a != b:
                            link_rows.append((self.project_id, ids[a], ids[b], typ, lag))
        if self.hours.percent:
            self.notes.text("percent lags", f"{self.hours.percent} percent lag(s) taken of the predecessor's "
                            "duration", "predecessors")
        links = pd.DataFrame(link_rows, columns=["project_id", "predecessor", "successor", "type", "lag"])
        links = links.drop_duplicates(["predecessor", "successor", "type"], keep="last").reset_index(drop=True)
        return links.astype({"project_id": object, "predecessor": object, "successor": object, "type": object,
                             "lag": float})

    def _invalid_dates(self, acts: pd.DataFrame, data_date) -> None:
        """Actual dates after the data date (DCMA check 9): imported as recorded, named in the notes.

        P6 opens and schedules such a file (its own *Schedule Check* report lists
        them as "Invalid Progress Dates"); the network keeps the actuals and
        schedules the remaining work from the data date, as P6 does (see
        :mod:`pmo_analytics.schedule.network`).
        """
        a_s, a_f = acts["actual_start"], acts["actual_finish"]
        bad = (a_s.notna() & (a_s > data_date)) | (a_f.notna() & (a_f >= data_date))
        for aid, s, f in acts.loc[bad, ["activity_id", "actual_start", "actual_finish"]].itertuples(index=False):
            what = [f"actual {k} {pd.Timestamp(v).date()}" for k, v, late in (
                ("start", s, pd.notna(s) and s > data_date), ("finish", f, pd.notna(f) and f >= data_date)) if late]
            self.notes.add("invalid dates", f"{aid}: {' and '.join(what)}",
                           f"activit(ies) with actual dates after the data date {pd.Timestamp(data_date).date()} "
                           "(invalid dates, DCMA check 9): kept as recorded, their remaining work scheduled from "
                           "the data date as P6 does; confirm the dates or the data date with the schedule owner",
                           "actual_start", limit=50)

    # --------------------------------------------------------------- assemble
    def _assemble(self, rows, task_rows, links) -> Schedule:
        acts = pd.DataFrame(rows)
        if acts.empty:
            raise DataValidationError([Problem("activities", self.src, None, None,
                                               "the schedule has no activities (only summary tasks)")],
                                      header="cannot read schedule")
        acts["predecessors"] = acts["activity_id"].map(predecessor_text(links))
        cal_uids = [self.default_uid] + [c for c in dict.fromkeys(acts["_cal"]) if c != self.default_uid]
        cal_uids = [c for c in cal_uids if c in self.cal_info]
        acts = acts.drop(columns=["_uid", "_cal"])
        for c in NOT_CARRIED:  # columns the tools' files cannot carry: blank, for the analyst to fill in
            acts[c] = np.nan
        acts = acts[[c for c in TABLES["activities"].column_names if c in acts.columns]]
        for c in ("actual_start", "actual_finish", "constraint_date", "baseline_start", "baseline_finish"):
            acts[c] = pd.to_datetime(acts[c]).astype("datetime64[ns]")
        acts = acts.astype({"project_id": object, "activity_id": object, "name": object, "phase": object,
                            "min_duration": float, "most_likely": float, "max_duration": float,
                            "distribution": object, "predecessors": object, "fixed_cost": float, "cost_rate": float,
                            "correlation_group": object, "remaining_duration": float, "percent_complete": float,
                            "constraint_type": object, "calendar_id": object, "milestone_type": object})
        succ = set(links["successor"])
        has_pred = {u for u in self.by_uid if self.ids[u] in succ}
        tasks = pd.DataFrame(task_rows)
        tasks["tool_start"], tasks["tool_finish"] = self._tool_dates(has_pred)
        tasks = tasks.set_index("activity_id")
        for c in tasks.columns:
            if pd.api.types.is_datetime64_any_dtype(tasks[c]) or c.startswith("tool_"):
                tasks[c] = pd.to_datetime(tasks[c]).astype("datetime64[ns]")
        calendars, exceptions = calendar_frames(self.cal_info, cal_uids)
        props = self.props
        start_raw = props.getStartDate()
        start = self.days.day(self.default_uid, _ts([start_raw])[0], "start") if start_raw is not None else pd.NaT
        if pd.isna(start):
            firsts = acts["actual_start"].dropna().tolist() + tasks.loc[~tasks["summary"], "tool_start"].dropna().tolist()
            start = min(firsts) if firsts else pd.NaT
        status_raw = _ts([props.getStatusDate()])[0]
        started = acts["actual_start"].notna().any()
        data_date = self.days.day(self.default_uid, status_raw, "start") if started else pd.NaT
        if started and pd.isna(data_date):
            data_date = max(acts["actual_finish"].max(), acts["actual_start"].max()) + pd.Timedelta(days=1)
            self.notes.text("data date", f"the file has progress but no status date: the data date is taken as "
                            f"{data_date.date()}, the day after the latest actual date")
        if pd.notna(data_date) and pd.notna(start) and start > data_date:
            start = data_date
        if pd.notna(data_date):
            self._invalid_dates(acts, data_date)
        lag_cal = LAG_CALENDARS.get(_enum(props.getRelationshipLagCalendar()) if hasattr(
            props, "getRelationshipLagCalendar") else None, "predecessor")
        has_costs = bool((acts["fixed_cost"] > 0).any() or (acts["cost_rate"] > 0).any())
        if not has_costs:
            self.notes.text("no costs", "the schedule has no costs: cost results of a simulation read "
                            "'not assessed' (add fixed_cost/cost_rate or a cost-loaded schedule)", "fixed_cost")
        if self.hours.elapsed:
            self.notes.text("elapsed durations", f"{self.hours.elapsed} elapsed duration(s) read as working time",
                            "most_likely")
        finish_raw = _ts([props.getFinishDate()])[0]
        project = {
            "title": _s(props.getProjectTitle()) or _s(props.getName()), "project_id": self.project_id,
            "source_project_id": _s(props.getProjectID()),
            "start_date": None if pd.isna(start) else pd.Timestamp(start),
            "data_date": None if pd.isna(data_date) else pd.Timestamp(data_date),
            "status_date": None if pd.isna(status_raw) else status_raw,
            "finish_date": None if pd.isna(finish_raw) else self.days.day(self.default_uid, finish_raw, "finish"),
            "must_finish_by": _ts([props.getMustFinishBy()])[0] if props.getMustFinishBy() is not None else None,
            "calendar_id": self.cal_info[self.default_uid].calendar_id if self.default_uid in self.cal_info else None,
            "lag_calendar": lag_cal, "has_costs": has_costs, "file_type": _enum(props.getFileType()),
            "application": _s(props.getFileApplication()), "source": self.src, "sha256": self.sha256,
            "minutes_per_day": None if props.getMinutesPerDay() is None else int(props.getMinutesPerDay()),
        }
        return Schedule(acts.reset_index(drop=True), links, tasks, calendars, exceptions, project,
                        self.notes.problems())

