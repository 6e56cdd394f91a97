"""Schedule health check before simulation: the DCMA 14-point checks that apply to our data.

Thresholds are the standard ones of the DCMA 14-Point Schedule Assessment
(Defense Contract Management Agency, *Earned Value Management System Program
Analysis Pamphlet* DCMA-EA PAM 200.1, 2012; also GAO-16-89G, *Schedule
Assessment Guide*, best practices 2, 7, 8 and 9). The checks run on the
activities not yet complete, as DCMA asks. With progress (a data date) come
the checks that need it: invalid dates (DCMA check 9: 9a forecast dates of
unfinished work before the data date, 9b actual dates after it -- an actual
start after the data date or an actual finish on or after it, progress being
reported up to the start of that day), missed tasks and the baseline execution index (with
baseline finishes); hard constraints are counted from ``constraint_type``
(DCMA's hard constraints: must start/finish on, start/finish no later than,
and P6's start/finish on, which bound the late dates too). Resources are not
checked (the model holds none). "Dangling logic" (Deltek Acumen's open-start
/ open-finish test) is added because a Monte Carlo run on dangling logic
understates risk.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataWarning
from .cpm import CRITICAL_TOL, cpm
from .network import Network

__all__ = ["health_check", "HIGH_FLOAT_DAYS", "HIGH_DURATION_DAYS", "HARD_CONSTRAINTS"]

#: DCMA high float and high duration threshold: 44 working days (two months).
HIGH_FLOAT_DAYS = 44.0
HIGH_DURATION_DAYS = 44.0
#: Constraint types counted as hard (they can hold an activity against its logic or impose a latest date).
HARD_CONSTRAINTS = ("MSO", "MFO", "SNLT", "FNLT", "SO", "FO")


def _row(check, description, ids, total, value, threshold, passed, unit="%"):
    ids = list(ids)
    return {
        "check": check,
        "description": description,
        "count": len(ids) if not isinstance(value, str) else np.nan,
        "total": total,
        "value": value,
        "unit": unit,
        "threshold": threshold,
        "passed": bool(passed),
        "activities": ", ".join(map(str, ids[:12])) + (" ..." if len(ids) > 12 else ""),
    }


def _pct(k, n):
    return 100.0 * k / n if n else 0.0


def health_check(network: Network, deadline: float | None = None, warn: bool = True) -> pd.DataFrame:
    """DCMA-style health check of a network, one row per check.

    Parameters
    ----------
    network : Network
    deadline : float, optional
        Committed finish [working days after the start]; enables the
        negative-float check against it and the critical path length index
        (CPLI).
    warn : bool, default True
        Emit one :class:`~pmo_analytics.exceptions.DataWarning` naming the
        failed checks.

    Returns
    -------
    DataFrame
        Columns ``check``, ``description``, ``count`` (activities or links
        failing), ``total`` (the base of the percentage), ``value`` (percent,
        or the index/ratio for CPLI and BEI), ``unit``, ``threshold`` (text),
        ``passed``, ``activities`` (the first ids concerned). Rows: logic,
        dangling logic, leads, lags, relationship types, hard constraints,
        high float, negative float, high duration, critical path test, CPLI
        (with a deadline), and with a data date invalid dates, missed tasks
        and BEI (the last two with baseline finishes).
    """
    sched = cpm(network, deadline=deadline)
    acts = network.activities
    ids = np.array(network.ids)
    n = network.n
    status = network.status
    open_ = status != 2  # DCMA counts the activities not yet complete
    lk = network.links
    n_links = len(lk)
    has_pred = np.zeros(n, bool)
    has_succ = np.zeros(n, bool)
    has_pred[lk["succ_row"].to_numpy()] = True
    has_succ[lk["pred_row"].to_numpy()] = True
    # one open start and one open finish are allowed (the project start and finish)
    open_start = np.flatnonzero(~has_pred)
    open_finish = np.flatnonzero(~has_succ)
    topo_pos = np.empty(n, int)
    topo_pos[network.order] = np.arange(n)
    milestone = acts["max_duration"].to_numpy(float) == 0
    missing = set()
    if len(open_start):  # exempt: a connected start, preferably a milestone, first in topological order
        o = open_start
        missing |= set(o[np.lexsort((topo_pos[o], ~milestone[o], ~has_succ[o]))][1:])
    if len(open_finish):  # exempt: a connected finish, preferably a milestone, finishing last
        o = open_finish
        ef = sched["early_finish"].to_numpy()
        missing |= set(o[np.lexsort((-topo_pos[o], -ef[o], ~milestone[o], ~has_pred[o]))][1:])
    missing_ids = ids[sorted(missing)]
    rows = [_row("Logic", "activities missing a predecessor or a successor (one start and one finish exempt)",
                 missing_ids, n, _pct(len(missing_ids), n), "<= 5%", _pct(len(missing_ids), n) <= 5)]

    # dangling: start not driven by FS/SS, or finish driving nothing via FS/FF
    start_driven = np.zeros(n, bool)
    finish_drives = np.zeros(n, bool)
    t = lk["type"].to_numpy()
    start_driven[lk["succ_row"].to_numpy()[np.isin(t, ["FS", "SS"])]] = True
    finish_drives[lk["pred_row"].to_numpy()[np.isin(t, ["FS", "FF"])]] = True
    dangling = (has_pred & ~start_driven) | (has_succ & ~finish_drives)
    rows.append(_row("Dangling logic", "activities whose start is driven only by FF/SF links or whose finish "
                     "drives only SS/SF links", ids[dangling], n, _pct(dangling.sum(), n), "0",
                     dangling.sum() == 0))

    lag = lk["lag"].to_numpy(float)
    leads = lk.loc[lag < 0, "successor"].unique()
    rows.append(_row("Leads", "links with a negative lag", leads, n_links, _pct((lag < 0).sum(), n_links),
                     "0", (lag < 0).sum() == 0))
    rows[-1]["count"] = int((lag < 0).sum())
    rows.append(_row("Lags", "links with a positive lag", lk.loc[lag > 0, "successor"].unique(), n_links,
                     _pct((lag > 0).sum(), n_links), "<= 5%", _pct((lag > 0).sum(), n_links) <= 5))
    rows[-1]["count"] = int((lag > 0).sum())
    n_fs = int((t == "FS").sum())
    rows.append(_row("Relationship types", "links that are not finish-to-start",
                     lk.loc[t != "FS", "successor"].unique(), n_links, _pct(n_fs, n_links),
                     ">= 90% FS", _pct(n_fs, n_links) >= 90 or n_links == 0))
    rows[-1]["count"] = n_links - n_fs
    rows[-1]["description"] = "share of finish-to-start links (count: links of other types)"
    hard = acts["constraint_type"].isin(HARD_CONSTRAINTS).to_numpy() & open_
    n_open = int(open_.sum())
    rows.append(_row("Hard constraints", "unfinished activities with a hard date constraint (" +
                     ", ".join(HARD_CONSTRAINTS) + ")", ids[hard], n_open, _pct(hard.sum(), n_open), "<= 5%",
                     _pct(hard.sum(), n_open) <= 5))

    tasks = (acts["max_duration"].to_numpy(float) > 0) & open_
    n_tasks = int(tasks.sum())
    tf = sched["total_float"].to_numpy()
    high_float = tasks & (tf > HIGH_FLOAT_DAYS + CRITICAL_TOL)
    rows.append(_row("High float", f"activities with total float > {HIGH_FLOAT_DAYS:g} days", ids[high_float],
                     n_tasks, _pct(high_float.sum(), n_tasks), "<= 5%", _pct(high_float.sum(), n_tasks) <= 5))
    neg = (tf < -CRITICAL_TOL) & open_
    rows.append(_row("Negative float", "unfinished activities with negative total float"
                     + (" (constraints, deadline)" if deadline is not None else " (constraints)"), ids[neg], n_open,
                     _pct(neg.sum(), n_open), "0", neg.sum() == 0))
    ml = acts["most_likely"].to_numpy(float)
    high_dur = tasks & (ml > HIGH_DURATION_DAYS)
    rows.append(_row("High duration", f"activities with a planned duration > {HIGH_DURATION_DAYS:g} days",
                     ids[high_dur], n_tasks, _pct(high_dur.sum(), n_tasks), "<= 5%",
                     _pct(high_dur.sum(), n_tasks) <= 5))

    # critical path test: delaying a critical task must delay the finish by as much
    finish = float(sched["early_finish"].max())
    crit = sched["critical"].to_numpy()
    # probe: the earliest critical task whose finish drives a critical successor (FS/FF, no slack)
    ef = sched["early_finish"].to_numpy()
    es = sched["early_start"].to_numpy()
    p_row = lk["pred_row"].to_numpy()
    s_row = lk["succ_row"].to_numpy()
    succ_time = np.where(t == "FS", es[s_row], ef[s_row])
    driving = np.isin(t, ["FS", "FF"]) & crit[s_row] & (np.abs(succ_time - lag - ef[p_row]) <= CRITICAL_TOL)
    candidates = np.zeros(n, bool)
    candidates[p_row[driving]] = True
    candidates &= crit & tasks
    order = np.lexsort((topo_pos, es))
    crit_tasks = [ids[i] for i in order if candidates[i]] or [ids[i] for i in order if crit[i] and tasks[i]]
    if crit_tasks:
        probe = crit_tasks[0]
        delay = 10.0
        d = network.remaining.copy()
        d[network.row(probe)] += delay
        moved = float(cpm(network, d)["early_finish"].max()) - finish
        ok = abs(moved - delay) <= 1e-6
        rows.append(_row("Critical path test", f"delaying {probe} by {delay:g} days moves the finish by "
                         f"{moved:g} days", [] if ok else [probe], 1, moved, f"= {delay:g} days", ok, "days"))
    if deadline is not None and finish > 0:
        cpli = (finish + (float(deadline) - finish)) / finish
        rows.append(_row("CPLI", "critical path length index (critical path length + float to the deadline) "
                         "/ critical path length", [], 1, cpli, ">= 0.95", cpli >= 0.95, "ratio"))
        rows[-1]["count"] = np.nan
    if network.data_date is not None and network.has_progress:
        rows += _progress_rows(network, sched, ids, open_)
    out = pd.DataFrame(rows)
    if warn and not out["passed"].all():
        failed = out.loc[~out["passed"], "check"].tolist()
        where = f" of {network.project_id}" if network.project_id else ""
        warnings.warn(f"schedule health check{where}: {len(failed)} check(s) failed: {', '.join(failed)}",
                      DataWarning, stacklevel=2)
    return out


def _progress_rows(network: Network, sched: pd.DataFrame, ids: np.ndarray, open_: np.ndarray) -> list:
    """DCMA checks that need progress: invalid dates, missed tasks, baseline execution index."""
    acts = network.activities
    dd = network.data_date
    a_s, a_f = acts["actual_start"], acts["actual_finish"]
    # 9b: an actual start after the data date, an actual finish on or after it (progress up to its start)
    bad_actual = ((a_s > dd) | (a_f >= dd)).fillna(False).to_numpy()
    started = (network.status >= 1)
    es = sched["early_start_date"].to_numpy()
    ef = sched["early_finish_date"].to_numpy()
    dd64 = np.datetime64(dd)
    # 9a: a forecast start of work not started, or a forecast finish of unfinished work, before the data date
    before = (((~started) & (es < dd64)) | (open_ & ~bad_actual & (ef < dd64 - np.timedelta64(1, "D"))))
    bad = bad_actual | before
    rows = [_row("Invalid dates", f"DCMA check 9: {int(bad_actual.sum())} with actual dates after the data date "
                 f"{dd.date()} (9b), {int(before.sum())} with forecast dates of unfinished work before it (9a)",
                 ids[bad], network.n, _pct(bad.sum(), network.n), "0", bad.sum() == 0)]
    bf = acts["baseline_finish"]
    due = (bf.notna() & (bf < dd)).to_numpy()
    if due.any():
        done = a_f.notna().to_numpy()
        missed = due & (~done | (a_f > bf).fillna(False).to_numpy())
        n_due = int(due.sum())
        rows.append(_row("Missed tasks", "activities due by their baseline before the data date that finished "
                         "late or not at all", ids[missed], n_due, _pct(missed.sum(), n_due), "<= 5%",
                         _pct(missed.sum(), n_due) <= 5))
        bei = float(done.sum()) / n_due
        rows.append(_row("BEI", "baseline execution index: activities complete / activities due by their "
                         "baseline before the data date", [], n_due, bei, ">= 0.95", bei >= 0.95, "ratio"))
        rows[-1]["count"] = int(done.sum())
    return rows
