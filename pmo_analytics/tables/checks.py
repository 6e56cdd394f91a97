"""Validation: schema checks per table, row-level rules and cross-table checks.

All checks are lazy: they collect :class:`~pmo_analytics.exceptions.Problem`
objects instead of raising, so one run reports everything that is wrong.
"""

from __future__ import annotations

import warnings

import pandas as pd
from pandera.errors import SchemaErrors

from ..exceptions import DataWarning, Problem
from .calendars import parse_work_week
from .events import event_problems
from .graph import find_cycle, links_frame, parse_predecessors, split_list
from .spec import DOMAIN_LIMITS, TABLES, schema, split_activity_ref

__all__ = ["schema_problems", "row_problems", "cross_table_problems", "links_frame", "progress_problems",
           "invalid_date_notes", "calendar_problems"]


def _row(idx) -> int | None:
    try:
        return int(idx) + 2
    except (TypeError, ValueError):
        return None


def _describe(check: str, case) -> str:
    if check == "not_nullable":
        return "a value is required here (cell is blank)"
    if check == "field_uniqueness":
        return f"duplicate value {case!r}: must be unique"
    if check == "multiple_fields_uniqueness":
        return f"duplicate row for {case}"
    if check.startswith("isin("):
        allowed = check[len("isin("):-1]
        return f"expected one of {allowed}, got {case!r}"
    if check.startswith("greater_than_or_equal_to("):
        return f"expected >= {check[len('greater_than_or_equal_to('):-1]}, got {case}"
    if check.startswith("greater_than("):
        return f"expected > {check[len('greater_than('):-1]}, got {case}"
    if check.startswith("less_than_or_equal_to("):
        return f"expected <= {check[len('less_than_or_equal_to('):-1]}, got {case}"
    if check.startswith("str_matches("):
        return (f"invalid id {str(case)[:60]!r}: use letters, digits, '_', '.', '-' "
                "(max 64 characters, starting with a letter or digit)")
    return f"failed check {check}: {case!r}"


def schema_problems(name: str, df: pd.DataFrame, source: str, spec=None) -> list[Problem]:
    """Run the pandera schema of table ``name`` (or of ``spec``) and translate its failure cases."""
    reported = df.attrs.get("reported", set())
    spec = spec or TABLES[name]
    try:
        schema(spec).validate(df, lazy=True)
        return []
    except SchemaErrors as exc:
        fc = exc.failure_cases
    problems = []
    keys = list(spec.unique_together)
    key_rows = None
    if keys and (fc["check"].astype(str) == "multiple_fields_uniqueness").any() and set(keys) <= set(df.columns):
        kv = df[keys]
        # a key made blank by an earlier problem is not a duplicate: that problem is already reported
        key_rows = {i: (None if any(pd.isna(v) for v in vals) else vals)
                    for i, vals in zip(kv.index, kv.itertuples(index=False, name=None))}
    for rec in fc.to_dict("records"):
        check, col, idx, case = str(rec["check"]), rec["column"], rec["index"], rec["failure_case"]
        col = None if not isinstance(col, str) else col
        if check == "column_in_dataframe":
            continue  # reported by the reader with a clearer message
        if check.startswith(("dtype(", "coerce_dtype(")):
            continue  # types were coerced (and failures reported) by the reader
        if (col, idx) in reported:
            continue
        if check == "multiple_fields_uniqueness":
            if key_rows is not None and idx in key_rows:
                vals = key_rows[idx]
                if vals is None:
                    continue
                case = ", ".join(f"{k}={v}" for k, v in zip(keys, vals))
            problems.append(Problem(name, source, _row(idx), None,
                                    f"duplicate row for {case}: ({', '.join(keys)}) must be unique"))
            continue
        problems.append(Problem(name, source, _row(idx), col, _describe(check, case)))
    # pandera lists a failing row once per failed check; keep one message per (row, column, text)
    return list(dict.fromkeys(problems))


def _ordered(df, name, source, cols, label):
    """Rows where ``lo <= mid <= hi`` does not hold (blank cells are skipped)."""
    lo, mid, hi = cols
    if not all(c in df.columns for c in cols):
        return []
    problems = []
    sub = df[[lo, mid, hi]].astype(float)
    bad = (sub[lo] > sub[mid]) | (sub[mid] > sub[hi])
    for idx in bad[bad.fillna(False)].index:
        r = sub.loc[idx]
        problems.append(Problem(name, source, _row(idx), mid,
                                f"{label}: expected {lo} <= {mid} <= {hi}, got "
                                f"{r[lo]:g} / {r[mid]:g} / {r[hi]:g}"))
    return problems


def row_problems(name: str, df: pd.DataFrame, source: str) -> list[Problem]:
    """Rules within one row or one table that a column schema cannot express."""
    problems: list[Problem] = []
    if name == "projects" and {"earliest_start", "latest_start"} <= set(df.columns):
        bad = df["earliest_start"] > df["latest_start"]
        for idx in bad[bad.fillna(False)].index:
            problems.append(Problem(name, source, _row(idx), "latest_start",
                                    f"latest_start {df.at[idx, 'latest_start']} is before earliest_start "
                                    f"{df.at[idx, 'earliest_start']}"))
    elif name == "activities":
        problems += _ordered(df, name, source, ("min_duration", "most_likely", "max_duration"), "durations")
        problems += progress_problems(df, None, source)
        problems += crash_problems(df, source)
        if "predecessors" in df.columns:
            limit = DOMAIN_LIMITS["days"]
            for idx, text in df["predecessors"].items():
                try:
                    links = parse_predecessors(text)
                except ValueError as exc:
                    problems.append(Problem(name, source, _row(idx), "predecessors", str(exc)))
                    continue
                far = [f"{p}:{t}{lag:+g}" for p, t, lag in links if not abs(lag) <= limit]
                if far:
                    problems.append(Problem(name, source, _row(idx), "predecessors",
                                            f"lag of {far[0]} is beyond the limit of {limit:g} working days"))
    elif name == "risks":
        problems += _ordered(df, name, source, ("schedule_min", "schedule_most_likely", "schedule_max"),
                             "schedule impact")
        problems += _ordered(df, name, source, ("cost_min", "cost_most_likely", "cost_max"), "cost impact")
        problems += _ordered(df, name, source, ("post_schedule_min", "post_schedule_most_likely",
                                                "post_schedule_max"), "post-mitigation schedule impact")
        problems += _ordered(df, name, source, ("post_cost_min", "post_cost_most_likely", "post_cost_max"),
                             "post-mitigation cost impact")
        if {"probability", "post_probability"} <= set(df.columns):
            bad = df["post_probability"] > df["probability"]
            for idx in bad[bad.fillna(False)].index:
                problems.append(Problem(name, source, _row(idx), "post_probability",
                                        "post-mitigation probability is higher than the probability "
                                        "before mitigation"))
    elif name == "work_items" and {"created", "started", "finished"} <= set(df.columns):
        for a, b in (("created", "started"), ("started", "finished"), ("created", "finished")):
            bad = df[a] > df[b]
            for idx in bad[bad.fillna(False)].index:
                problems.append(Problem(name, source, _row(idx), b,
                                        f"{b} {df.at[idx, b]:%Y-%m-%d} is before {a} {df.at[idx, a]:%Y-%m-%d}"))
        bad = df["finished"].notna() & df["started"].isna()
        for idx in bad[bad].index:
            problems.append(Problem(name, source, _row(idx), "started", "item is finished but has no start date"))
    elif name == "calendars" and "work_week" in df.columns:
        for idx, text, hpd in zip(df.index, df["work_week"], df.get("hours_per_day", pd.Series(8.0, df.index))):
            try:
                parse_work_week(text, 8.0 if pd.isna(hpd) else float(hpd))
            except (ValueError, TypeError) as exc:
                problems.append(Problem(name, source, _row(idx), "work_week", str(exc)))
    elif name == "status" and {"project_id", "period", "pv"} <= set(df.columns):
        for pid, g in df.sort_values("period").groupby("project_id", sort=False):
            drops = g["pv"].diff() < -1e-9
            for idx in drops[drops].index:
                problems.append(Problem(name, source, _row(idx), "pv",
                                        f"cumulative PV of {pid} decreases in period {g.at[idx, 'period']}"))
    return problems


def crash_problems(acts: pd.DataFrame, source: str) -> list[Problem]:
    """Crash data that cannot be used: a limit beyond the duration, or a limit without its cost rate."""
    problems: list[Problem] = []
    if "crash_limit" not in acts.columns:
        return problems
    lim = pd.to_numeric(acts["crash_limit"], errors="coerce")
    if "most_likely" in acts.columns:
        ml = pd.to_numeric(acts["most_likely"], errors="coerce")
        bad = lim > ml + 1e-9
        for idx in bad[bad.fillna(False)].index:
            problems.append(Problem("activities", source, _row(idx), "crash_limit",
                                    f"crash_limit {lim[idx]:g} is longer than the most likely duration "
                                    f"{ml[idx]:g}: an activity cannot be shortened below zero"))
    rate = (pd.to_numeric(acts["crash_cost_rate"], errors="coerce") if "crash_cost_rate" in acts.columns
            else pd.Series(float("nan"), index=acts.index))
    bad = (lim > 0) & rate.isna()
    for idx in bad[bad.fillna(False)].index:
        problems.append(Problem("activities", source, _row(idx), "crash_cost_rate",
                                "crash_limit is given without a crash_cost_rate: give the cost of one working "
                                "day saved (0 if crashing is free)"))
    return problems


def _unknown_ids(frames, sources, table, column, known, what):
    df = frames.get(table)
    if df is None or column not in df.columns:
        return []
    bad = df[column].notna() & ~df[column].isin(known)
    return [Problem(table, sources[table], _row(i), column, f"unknown {what} {df.at[i, column]!r}")
            for i in bad[bad].index]


def cross_table_problems(frames: dict[str, pd.DataFrame], sources: dict[str, str],
                         notes: list | None = None) -> list[Problem]:
    """Checks that span tables: unknown ids, profiles beyond a project's duration, cycles.

    What does not block (actual dates after a project's data date:
    :func:`invalid_date_notes`) is appended to ``notes`` when a list is given,
    else said in one :class:`~pmo_analytics.exceptions.DataWarning`.
    """
    problems: list[Problem] = []
    projects = frames.get("projects")
    if projects is None or "project_id" not in projects.columns:
        return problems
    pids = set(projects["project_id"].dropna())
    projects = projects.drop_duplicates("project_id")  # duplicates are reported by the schema
    for t in ("scores", "costs", "demand", "dependencies", "activities", "risks", "status",
              "work_items", "benefits", "support", "limit_use"):
        problems += _unknown_ids(frames, sources, t, "project_id", pids, "project id")
    problems += _unknown_ids(frames, sources, "dependencies", "other_project_id", pids, "project id")

    criteria = frames.get("criteria")
    if criteria is None and "scores" in frames:
        problems.append(Problem("scores", sources["scores"], None, None,
                                "scores are given but there is no criteria table naming the drivers"))
    if criteria is not None and "criterion" in criteria.columns:
        crit = set(criteria["criterion"].dropna())
        problems += _unknown_ids(frames, sources, "scores", "criterion", crit, "criterion")
        problems += _unknown_ids(frames, sources, "pairwise", "criterion_a", crit, "criterion")
        problems += _unknown_ids(frames, sources, "pairwise", "criterion_b", crit, "criterion")
        if "weight" in criteria.columns and criteria["weight"].isna().any() and "pairwise" not in frames:
            for i in criteria.index[criteria["weight"].isna()]:
                problems.append(Problem("criteria", sources["criteria"], _row(i), "weight",
                                        "weight is blank and there is no pairwise table to derive it from"))
        scores = frames.get("scores")
        if scores is not None and {"project_id", "criterion"} <= set(scores.columns) and "stage" in projects:
            have = set(zip(scores["project_id"], scores["criterion"]))
            for i, pid, stage in projects[["project_id", "stage"]].itertuples():
                if stage != "proposal":
                    continue
                missing = sorted(c for c in crit if (pid, c) not in have)
                if missing:
                    problems.append(Problem("scores", sources["scores"], None, "score",
                                            f"proposal {pid} has no score for {', '.join(missing)}"))

    dur = projects.set_index("project_id")["duration_periods"] if "duration_periods" in projects else None
    for t in ("costs", "demand", "limit_use"):
        df = frames.get(t)
        if df is None or dur is None or not {"project_id", "period_offset"} <= set(df.columns):
            continue
        d = df["project_id"].map(dur.to_dict())
        bad = df["period_offset"] >= d
        for i in bad[bad.fillna(False)].index:
            problems.append(Problem(t, sources[t], _row(i), "period_offset",
                                    f"offset {df.at[i, 'period_offset']} is beyond the {int(d[i])}-period "
                                    f"duration of {df.at[i, 'project_id']}"))

    budget = frames.get("budget")
    horizon = None
    if budget is not None and "period" in budget.columns and budget["period"].notna().all() and len(budget):
        periods = sorted(int(p) for p in budget["period"])
        horizon = periods[-1]
        have = set(periods)
        if len(have) < horizon:  # first missing periods, without building 1..horizon (horizon may be huge)
            gaps = [p for p in range(1, min(horizon, len(have) + 11) + 1) if p not in have][:10]
            problems.append(Problem("budget", sources["budget"], None, "period",
                                    f"periods must run 1..{horizon} without gaps; missing {gaps}"
                                    + (f" and {horizon - len(have) - len(gaps)} more" if
                                       horizon - len(have) > len(gaps) else "")))
    if horizon is not None and "latest_start" in projects:
        bad = projects["latest_start"] > horizon
        for i in bad[bad.fillna(False)].index:
            problems.append(Problem("projects", sources["projects"], _row(i), "latest_start",
                                    f"latest_start {projects.at[i, 'latest_start']} is beyond the last budget "
                                    f"period {horizon}"))
    capacity = frames.get("capacity")
    if capacity is not None and "skill" in capacity.columns:
        problems += _unknown_ids(frames, sources, "demand", "skill", set(capacity["skill"].dropna()),
                                 "skill (not in capacity)")
        if horizon is not None and "period" in capacity.columns:
            bad = capacity["period"] > horizon
            for i in bad[bad.fillna(False)].index:
                problems.append(Problem("capacity", sources["capacity"], _row(i), "period",
                                        f"period {capacity.at[i, 'period']} is beyond the last budget period "
                                        f"{horizon}"))

    problems += _limit_problems(frames, sources, horizon)

    deps = frames.get("dependencies")
    if deps is not None and {"project_id", "other_project_id", "type"} <= set(deps.columns):
        selfref = deps["project_id"] == deps["other_project_id"]
        for i in selfref[selfref].index:
            problems.append(Problem("dependencies", sources["dependencies"], _row(i), "other_project_id",
                                    f"project {deps.at[i, 'project_id']} depends on itself"))
        # a 'precedes' cycle can never be scheduled; a 'requires' cycle is almost always a data error
        # (a bundle is modelled by one project requiring the others)
        for kind, verb in (("precedes", "precedes"), ("requires", "requires")):
            sub = deps[(deps["type"] == kind) & ~selfref]
            cycle = find_cycle(zip(sub["project_id"], sub["other_project_id"]))
            if cycle:
                problems.append(Problem("dependencies", sources["dependencies"], None, "type",
                                        f"cycle of '{kind}' dependencies: " + f" {verb} ".join(cycle)))

    acts = frames.get("activities")
    problems += calendar_problems(frames, sources)
    problems += event_problems(frames, sources)  # branches, risk calendars, conditional risks
    if acts is not None and "data_date" in projects.columns and "project_id" in acts.columns:
        dd = projects.set_index("project_id")["data_date"].dropna()
        found = invalid_date_notes(acts, dd.to_dict(), sources["activities"]) if len(dd) else []
        if notes is not None:
            notes += found
        elif found:  # not refused (P6 and MS Project schedule such files): said once, with the rows
            more = f" and {len(found) - 5} more" if len(found) > 5 else ""
            warnings.warn(f"{len(found)} invalid date(s): " + "; ".join(str(p) for p in found[:5]) + more,
                          DataWarning, stacklevel=3)
    if acts is not None:
        _zero_duration_note(acts, sources.get("activities", "activities"))
    if acts is not None and {"project_id", "activity_id", "predecessors"} <= set(acts.columns):
        problems += _activity_problems(acts, sources["activities"])
        risks = frames.get("risks")
        if risks is not None and {"project_id", "affected_activities"} <= set(risks.columns):
            known = set(zip(acts["project_id"], acts["activity_id"]))
            for i, pid, text in risks[["project_id", "affected_activities"]].itertuples():
                items = split_list(text)
                if not items:
                    problems.append(Problem("risks", sources["risks"], _row(i), "affected_activities",
                                            "a risk must affect at least one activity"))
                unknown, foreign = [], []  # unknown ids of the risk's project; unknown PROJECT/ACTIVITY refs
                for a in items:
                    try:
                        ref = split_activity_ref(a, pid)
                    except ValueError as exc:
                        problems.append(Problem("risks", sources["risks"], _row(i), "affected_activities",
                                                str(exc)))
                        continue
                    if ref not in known:
                        (unknown if ref[0] == pid and "/" not in a else foreign).append(a)
                if unknown:
                    problems.append(Problem("risks", sources["risks"], _row(i), "affected_activities",
                                            f"unknown activity id(s) of {pid}: {', '.join(unknown[:10])}"))
                if foreign:
                    problems.append(Problem("risks", sources["risks"], _row(i), "affected_activities",
                                            "unknown activity reference(s) (PROJECT/ACTIVITY): "
                                            + ", ".join(foreign[:10])))

    costs = frames.get("costs")
    if costs is not None and {"project_id", "cost"} <= set(costs.columns) and "estimated_cost" in projects \
            and (costs["cost"] >= 0).all():
        total = costs.groupby("project_id")["cost"].sum()
        est = projects.set_index("project_id")["estimated_cost"]
        both = est.index.intersection(total.index)
        off = (total[both] - est[both]).abs() > 0.01 * est[both].abs() + 1e-6
        for pid in off[off].index:
            warnings.warn(f"costs: profile of {pid} sums to {total[pid]:,.0f}, estimated_cost is "
                          f"{est[pid]:,.0f}", DataWarning, stacklevel=3)
        missing = sorted(set(projects.loc[projects["stage"] == "proposal", "project_id"]) - set(total.index)) \
            if "stage" in projects else []
        for pid in missing:
            problems.append(Problem("costs", sources["costs"], None, "project_id",
                                    f"proposal {pid} has no cost profile"))
    return problems


def _limit_problems(frames, sources, horizon) -> list[Problem]:
    """``limits``: one unit per limit, periods within the horizon; ``limit_use``: known limits."""
    problems: list[Problem] = []
    limits = frames.get("limits")
    if limits is not None and {"limit_id", "unit"} <= set(limits.columns):
        first = {}
        for i, lid, unit in limits[["limit_id", "unit"]].itertuples():
            if pd.isna(lid):
                continue
            if lid in first and unit != first[lid]:
                problems.append(Problem("limits", sources["limits"], _row(i), "unit",
                                        f"limit {lid} is in {first[lid]!r} on an earlier row, here {unit!r}: "
                                        "one unit per limit_id"))
            first.setdefault(lid, unit)
        if horizon is not None and "period" in limits.columns:
            bad = limits["period"] > horizon
            for i in bad[bad.fillna(False)].index:
                problems.append(Problem("limits", sources["limits"], _row(i), "period",
                                        f"period {limits.at[i, 'period']} is beyond the last budget period {horizon}"))
    if "limit_use" in frames:
        known = set(limits["limit_id"].dropna()) if limits is not None and "limit_id" in limits.columns else set()
        problems += _unknown_ids(frames, sources, "limit_use", "limit_id", known, "limit (not in limits)")
    return problems


def _zero_duration_note(acts: pd.DataFrame, source: str) -> None:
    """A note (:class:`DataWarning`) for each project whose activities all last zero days.

    Legal (a schedule of milestones), but more often durations lost in an
    export: the project then finishes the day it starts and carries no
    schedule risk, which the pages would state as if it were true.
    """
    cols = ["min_duration", "most_likely", "max_duration"]
    if "project_id" not in acts.columns or not set(cols) <= set(acts.columns) or not len(acts):
        return
    zero = acts[cols].fillna(0).eq(0).all(axis=1)
    per = zero.groupby(acts["project_id"]).agg(["all", "size"])
    flat = per[per["all"]]
    if not len(flat):
        return
    names = [f"{pid} ({int(n)} activit{'y' if n == 1 else 'ies'})" for pid, n in flat["size"].items()]
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    warnings.warn(f"{source}: every activity of {', '.join(names[:10])}{more} has zero duration (min_duration, "
                  "most_likely and max_duration all 0): the schedule finishes the day it starts and carries no "
                  "duration risk. A schedule of milestones only, or durations lost in an export?",
                  DataWarning, stacklevel=3)


def _activity_problems(acts: pd.DataFrame, source: str) -> list[Problem]:
    problems = []
    index = {(p, a): i for i, p, a in acts[["project_id", "activity_id"]].itertuples()}
    links = links_frame(acts)
    for r in links.itertuples(index=False):
        if (r.project_id, r.predecessor) not in index:
            problems.append(Problem("activities", source, _row(index.get((r.project_id, r.successor))),
                                    "predecessors", f"unknown predecessor {r.predecessor!r} of activity "
                                    f"{r.successor} (project {r.project_id})"))
        elif r.predecessor == r.successor:
            problems.append(Problem("activities", source, _row(index[(r.project_id, r.successor)]),
                                    "predecessors", f"activity {r.successor} is its own predecessor"))
    # (a boolean Series, not a list: an empty list would select no columns when there are no links)
    ok = links[pd.Series([(p, a) in index for p, a in zip(links["project_id"], links["predecessor"])],
                         index=links.index, dtype=bool)]
    ok = ok[ok["predecessor"] != ok["successor"]]
    for pid, g in ok.groupby("project_id", sort=False):
        cycle = find_cycle(zip(g["predecessor"], g["successor"]))
        if cycle:
            problems.append(Problem("activities", source, _row(index[(pid, cycle[0])]), "predecessors",
                                    f"cycle in the network of {pid}: " + " -> ".join(cycle)))
    return problems


def _day(x) -> str:
    return f"{pd.Timestamp(x):%Y-%m-%d}"


def progress_problems(acts: pd.DataFrame, data_dates: dict | None, source: str) -> list[Problem]:
    """Inconsistent progress of activities, one problem per activity and rule.

    Rules: an actual finish needs an actual start on or before it; percent
    complete above 0 needs an actual start; an activity not started cannot
    have more remaining work than its planned ``most_likely`` (the plan must
    change first: remaining work beyond the plan is only a forecast of work
    in progress); a dated constraint needs its date. Actual dates after the
    data date are not refused here: P6 and MS Project open and schedule such
    files, and DCMA's check 9 reports them (:func:`invalid_date_notes`).
    ``data_dates`` is accepted for compatibility and not used.
    """
    problems: list[Problem] = []
    cols = set(acts.columns)

    def col(c):
        return pd.to_datetime(acts[c]) if c in cols else pd.Series(pd.NaT, index=acts.index)

    a_s, a_f = col("actual_start"), col("actual_finish")
    aid = acts["activity_id"] if "activity_id" in cols else pd.Series(acts.index.astype(str), index=acts.index)
    for i in acts.index[a_f.notna() & a_s.isna()]:
        problems.append(Problem("activities", source, _row(i), "actual_start",
                                f"activity {aid[i]} has an actual finish ({_day(a_f[i])}) but no actual start"))
    for i in acts.index[a_f.notna() & a_s.notna() & (a_f < a_s)]:
        problems.append(Problem("activities", source, _row(i), "actual_finish",
                                f"activity {aid[i]}: actual finish {_day(a_f[i])} is before its actual start "
                                f"{_day(a_s[i])}"))
    if "percent_complete" in cols:
        pct = pd.to_numeric(acts["percent_complete"], errors="coerce")
        for i in acts.index[(pct > 0) & a_s.isna()]:
            problems.append(Problem("activities", source, _row(i), "percent_complete",
                                    f"activity {aid[i]} is {pct[i]:g} % complete but has no actual start"))
    if {"remaining_duration", "most_likely"} <= cols:
        rem = pd.to_numeric(acts["remaining_duration"], errors="coerce")
        ml = pd.to_numeric(acts["most_likely"], errors="coerce")
        for i in acts.index[a_s.isna() & (rem > ml + 1e-9)]:
            problems.append(Problem("activities", source, _row(i), "remaining_duration",
                                    f"activity {aid[i]} has not started but its remaining duration {rem[i]:g} "
                                    f"exceeds its planned duration {ml[i]:g} [days]: update most_likely (and the "
                                    "range) instead"))
    if {"constraint_type", "constraint_date"} <= cols:
        ct = acts["constraint_type"].astype("string").str.strip().str.upper()
        need = ct.notna() & ~ct.isin(["", "ASAP", "ALAP"]) & pd.to_datetime(acts["constraint_date"]).isna()
        for i in acts.index[need.fillna(False)]:
            problems.append(Problem("activities", source, _row(i), "constraint_date",
                                    f"activity {aid[i]}: a {ct[i]} constraint needs a constraint_date"))
    return problems


def invalid_date_notes(acts: pd.DataFrame, data_dates: dict, source: str) -> list[Problem]:
    """Actual dates after the data date (DCMA check 9, *invalid dates*), one note per activity and date.

    ``data_dates``: project id -> data date (progress is reported up to the
    start of that day; key ``None`` for every project). An actual start after
    the data date, or an actual finish on or after it, is invalid. These are
    notes, not problems: P6 opens and schedules such files (it lists them in
    its own *Schedule Check* report, "Invalid Progress Dates - Activities with
    Actual Dates After the Data Date", Oracle P6 documentation E17266_01), and
    the network keeps the actual dates as recorded while scheduling the
    remaining work from the data date (:mod:`pmo_analytics.schedule.network`).
    """
    cols = set(acts.columns)
    if not data_dates or "activity_id" not in cols:
        return []

    def col(c):
        return pd.to_datetime(acts[c]) if c in cols else pd.Series(pd.NaT, index=acts.index)

    a_s, a_f = col("actual_start"), col("actual_finish")
    pid = acts["project_id"] if "project_id" in cols else pd.Series(None, index=acts.index)
    dd = pd.to_datetime(pid.map(lambda p: data_dates.get(p) if p in data_dates else data_dates.get(None)))
    out = []
    for i in acts.index[(a_s.notna() & dd.notna() & (a_s > dd)) | (a_f.notna() & dd.notna() & (a_f >= dd))]:
        what = [f"actual {k} {_day(v[i])}" for k, v, bad in (("start", a_s, a_s[i] > dd[i]),
                                                              ("finish", a_f, a_f[i] >= dd[i])) if bad]
        out.append(Problem("activities", source, _row(i), "actual_finish" if a_f[i] >= dd[i] else "actual_start",
                           f"activity {acts.at[i, 'activity_id']}: {' and '.join(what)} after the data date "
                           f"{_day(dd[i])} (invalid date, DCMA check 9): kept as recorded, its remaining work "
                           "scheduled from the data date"))
    return out


def calendar_problems(frames: dict, sources: dict) -> list[Problem]:
    """Unknown calendar ids in activities, projects and calendar_exceptions."""
    cal = frames.get("calendars")
    known = set(cal["calendar_id"].dropna()) if cal is not None and "calendar_id" in cal.columns else set()
    problems = []
    for t in ("activities", "projects", "calendar_exceptions"):
        df = frames.get(t)
        if df is None or "calendar_id" not in df.columns:
            continue
        bad = df["calendar_id"].notna() & ~df["calendar_id"].isin(known)
        problems += [Problem(t, sources.get(t, t), _row(i), "calendar_id",
                             f"unknown calendar {df.at[i, 'calendar_id']!r}" +
                             ("" if known else " (there is no calendars table)")) for i in bad[bad].index]
    return problems
