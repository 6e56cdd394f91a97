"""Checks of the schedule-risk events of the data model: branches, risk calendars, conditional risks.

Three features of the Monte Carlo model that analysts know from Primavera
Risk Analysis and Safran Risk, each a table or a few columns
(:mod:`pmo_analytics.tables.spec`):

* ``branches`` -- probabilistic branching: after an activity exactly one
  branch is taken per iteration; the activities of the other branches' paths
  do not exist in that iteration;
* ``risk_calendars`` (and ``activities.risk_calendar_id``) -- seasonal
  windows that occur with a probability per year and stop or slow the work;
* ``risks.parent_risk``, ``condition``, ``probability_if_parent`` --
  conditional risks.

:func:`event_problems` reports every inconsistency between these tables and
the rest (unknown ids, probabilities that do not sum to 1, a path that does
not follow its branching activity, overlapping seasons, a cycle of parent
risks) with the file, row and column, before anything runs.
:func:`season_days` reads a season's ``MM-DD`` bounds.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import Problem
from .graph import find_cycle, links_frame, split_list

__all__ = ["event_problems", "season_days", "PROBABILITY_TOL"]

#: Tolerance on the sum of the probabilities of one activity's branches.
PROBABILITY_TOL = 1e-6

_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)  # a non-leap year
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _row(idx) -> int | None:
    try:
        return int(idx) + 2
    except (TypeError, ValueError):
        return None


def _day_of_year(text: str) -> int:
    """Day of a non-leap year, 0..364, of ``MM-DD`` (29 February counts as 28 February)."""
    m, d = (int(x) for x in str(text).strip().split("-"))
    if not 1 <= m <= 12 or not 1 <= d <= _MONTH_DAYS[m - 1]:
        raise ValueError(f"{text!r} is not a day of the year (MM-DD)")
    return _DAYS_BEFORE[m - 1] + min(d, 28 if m == 2 else d) - 1


def season_days(start: str, end: str) -> tuple[int, int]:
    """``(first, length)``: the first day of the season (0..364 of a non-leap year) and its length [days].

    A season whose end comes before its start runs over the new year
    (``12-01`` .. ``02-28``: 90 days). Both days are in the season.

    Raises
    ------
    ValueError
        for a text that is not ``MM-DD`` of a real day.

    Examples
    --------
    >>> season_days("12-01", "02-28")
    (334, 90)
    """
    a, b = _day_of_year(start), _day_of_year(end)
    return a, (b - a) % 365 + 1


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two seasons (first, length) share a day of the year."""
    for x, y in ((a, b), (b, a)):
        if (y[0] - x[0]) % 365 < x[1]:
            return True
    return False


def event_problems(frames: dict[str, pd.DataFrame], sources: dict[str, str]) -> list[Problem]:
    """Cross-table checks of branches, risk calendars and conditional risks (see the module doc)."""
    problems: list[Problem] = []
    acts = frames.get("activities")
    known = set()
    if acts is not None and {"project_id", "activity_id"} <= set(acts.columns):
        known = set(zip(acts["project_id"], acts["activity_id"]))
    problems += _risk_calendar_problems(frames, sources, acts)
    problems += _branch_problems(frames, sources, acts, known)
    problems += _conditional_problems(frames, sources)
    return problems


def _risk_calendar_problems(frames, sources, acts) -> list[Problem]:
    problems = []
    rc = frames.get("risk_calendars")
    src = sources.get("risk_calendars", "risk_calendars")
    ids = set()
    if rc is not None and {"risk_calendar_id", "season_start", "season_end"} <= set(rc.columns):
        ids = set(rc["risk_calendar_id"].dropna())
        seasons: dict = {}
        for i, cid, a, b in rc[["risk_calendar_id", "season_start", "season_end"]].itertuples():
            try:
                s = season_days(a, b)
            except (ValueError, TypeError, AttributeError) as exc:
                problems.append(Problem("risk_calendars", src, _row(i), "season_start", str(exc)))
                continue
            w = rc.at[i, "window_days"] if "window_days" in rc.columns else None
            if w is not None and not pd.isna(w) and float(w) > s[1]:
                problems.append(Problem("risk_calendars", src, _row(i), "window_days",
                                        f"window of {float(w):g} days is longer than its {s[1]}-day season "
                                        f"{a}..{b}"))
            for j, other in seasons.get(cid, []):
                if _overlap(s, other):
                    problems.append(Problem("risk_calendars", src, _row(i), "season_start",
                                            f"the seasons of risk calendar {cid} overlap (rows {_row(j)} and "
                                            f"{_row(i)}): give one row per season, without overlaps"))
            seasons.setdefault(cid, []).append((i, s))
    if acts is not None and "risk_calendar_id" in acts.columns:
        bad = acts["risk_calendar_id"].notna() & ~acts["risk_calendar_id"].isin(ids)
        for i in bad[bad].index:
            problems.append(Problem("activities", sources.get("activities", "activities"), _row(i),
                                    "risk_calendar_id", f"unknown risk calendar {acts.at[i, 'risk_calendar_id']!r}"
                                    + ("" if ids else " (there is no risk_calendars table)")))
    return problems


def _branch_problems(frames, sources, acts, known) -> list[Problem]:
    br = frames.get("branches")
    if br is None or not {"project_id", "activity_id", "probability"} <= set(br.columns) or not len(br):
        return []
    src = sources.get("branches", "branches")
    problems = []
    succ: dict = {}
    if acts is not None and {"project_id", "activity_id", "predecessors"} <= set(acts.columns):
        for p, s, pid in links_frame(acts)[["predecessor", "successor", "project_id"]].itertuples(index=False):
            succ.setdefault((pid, p), []).append(s)

    def downstream(pid, aid) -> set:
        seen, todo = set(), [aid]
        while todo:
            for s in succ.get((pid, todo.pop()), []):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return seen

    on_path: dict = {}
    points = set(zip(br["project_id"], br["activity_id"]))
    for (pid, aid), g in br.groupby(["project_id", "activity_id"], sort=False):
        first = _row(g.index[0])
        if (pid, aid) not in known:
            problems.append(Problem("branches", src, first, "activity_id",
                                    f"unknown activity {aid!r} of project {pid}"))
            continue
        total = float(g["probability"].sum())
        if abs(total - 1.0) > PROBABILITY_TOL:
            problems.append(Problem("branches", src, first, "probability",
                                    f"the branches after {pid}/{aid} have probabilities summing to {total:g}, "
                                    "not 1"))
        if len(g) < 2:
            problems.append(Problem("branches", src, first, "branch_id",
                                    f"{pid}/{aid} has one branch: give every branch, with probabilities summing "
                                    "to 1 (a path that always happens is plain logic)"))
        after = downstream(pid, aid)
        for i, text in g.get("path", pd.Series(None, index=g.index)).items():
            for a in split_list(text):
                if (pid, a) not in known:
                    problems.append(Problem("branches", src, _row(i), "path",
                                            f"unknown activity {a!r} of project {pid}"))
                elif a not in after:
                    problems.append(Problem("branches", src, _row(i), "path",
                                            f"activity {a} does not follow {aid} in the logic of {pid}: a branch's "
                                            "path must come after its branching activity"))
                elif (pid, a) in points:
                    problems.append(Problem("branches", src, _row(i), "path",
                                            f"activity {a} is on a branch's path and branches itself: nested "
                                            "branching is not supported"))
                elif (pid, a) in on_path:
                    problems.append(Problem("branches", src, _row(i), "path",
                                            f"activity {a} is on two branch paths (rows {_row(on_path[(pid, a)])} "
                                            f"and {_row(i)})"))
                else:
                    on_path[(pid, a)] = i
    return problems


def _conditional_problems(frames, sources) -> list[Problem]:
    risks = frames.get("risks")
    if risks is None or "parent_risk" not in risks.columns or "risk_id" not in risks.columns:
        return []
    src = sources.get("risks", "risks")
    problems = []
    owner = dict(zip(risks["risk_id"], risks["project_id"] if "project_id" in risks.columns else [None] * len(risks)))
    cond = risks["condition"] if "condition" in risks.columns else pd.Series(None, index=risks.index)
    p1 = risks["probability_if_parent"] if "probability_if_parent" in risks.columns else pd.Series(
        float("nan"), index=risks.index)
    edges = []
    for i, rid, parent in risks[["risk_id", "parent_risk"]].itertuples():
        c = cond.get(i)
        has_parent = isinstance(parent, str) and parent.strip() != ""
        if not has_parent:
            if isinstance(c, str) and c.strip():
                problems.append(Problem("risks", src, _row(i), "condition",
                                        f"risk {rid} has a condition but no parent_risk"))
            continue
        if parent == rid:
            problems.append(Problem("risks", src, _row(i), "parent_risk", f"risk {rid} is its own parent"))
            continue
        if parent not in owner:
            problems.append(Problem("risks", src, _row(i), "parent_risk", f"unknown parent risk {parent!r}"))
            continue
        if owner[parent] != owner[rid]:
            problems.append(Problem("risks", src, _row(i), "parent_risk",
                                    f"risk {rid} (project {owner[rid]}) depends on {parent} of project "
                                    f"{owner[parent]}: a parent must be a risk of the same project"))
        if not isinstance(c, str) or not c.strip():
            problems.append(Problem("risks", src, _row(i), "condition",
                                    f"risk {rid} names a parent_risk: say how it depends on it (only_if or "
                                    "more_likely)"))
        elif c == "more_likely":
            v = p1.get(i)
            if v is None or pd.isna(v):
                problems.append(Problem("risks", src, _row(i), "probability_if_parent",
                                        f"risk {rid} is more_likely after {parent}: give probability_if_parent"))
            elif "probability" in risks.columns and float(v) < float(risks.at[i, "probability"]):
                problems.append(Problem("risks", src, _row(i), "probability_if_parent",
                                        f"risk {rid}: probability_if_parent {float(v):g} is below its probability "
                                        f"{float(risks.at[i, 'probability']):g} (more_likely after its parent)"))
        elif c == "only_if" and not pd.isna(p1.get(i)):
            problems.append(Problem("risks", src, _row(i), "probability_if_parent",
                                    f"risk {rid} occurs only_if {parent} occurred: its probability is the one "
                                    "given the parent; leave probability_if_parent blank"))
        edges.append((parent, rid))
    cycle = find_cycle(edges)
    if cycle:
        problems.append(Problem("risks", src, None, "parent_risk",
                                "cycle of parent risks: " + " -> ".join(cycle)))
    return problems
