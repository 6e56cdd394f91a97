"""Flow metrics of lean delivery from the ``work_items`` table.

Counting follows D. Vacanti, *Actionable Agile Metrics for Predictability*
(2015) and the ActionableAgile Analytics tool: a work item is in progress
from its ``started`` date to its ``finished`` date *inclusive*, so

* cycle time = finished - started + 1 [days] (an item started and finished
  the same day took 1 day),
* WIP on day d = items with started <= d <= finished (or not finished),
* age of an unfinished item on day d = d - started + 1 [days],
* throughput on day d = items finished on d; days with nothing finished
  count as zeros.

Little's law (J.D.C. Little, *Operations Research* 9(3), 1961): average
WIP = throughput x average cycle time. With the counting above the identity
is exact for items that both start and finish inside the window
(sum of daily WIP = sum of cycle times), which :func:`littles_law` checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, PMOError, Problem

__all__ = [
    "cycle_times",
    "cycle_time_percentiles",
    "throughput",
    "wip",
    "item_age",
    "cfd",
    "littles_law",
    "PERCENTILES",
]

#: Percentiles reported by default (ActionableAgile's 50/70/85/95 lines).
PERCENTILES = (50, 70, 85, 95)
DAY = np.timedelta64(1, "D")


def _items(work_items: pd.DataFrame, project_id=None) -> pd.DataFrame:
    if work_items is None or len(work_items) == 0:
        raise PMOError("no work items: flow metrics need a non-empty 'work_items' table")
    need = ["item_id", "project_id", "created", "started", "finished"]
    missing = [c for c in need if c not in work_items.columns]
    if missing:
        raise ValueError(f"work_items lacks column(s) {missing}")
    df = work_items.copy()
    df["project_id"] = df["project_id"].astype(str)
    if project_id is not None:
        ids = [project_id] if isinstance(project_id, str) else list(project_id)
        df = df[df["project_id"].isin(ids)]
        if df.empty:
            raise PMOError(f"no work items for project(s) {ids}")
    for c in ("created", "started", "finished"):
        df[c] = pd.to_datetime(df[c]).dt.normalize()
    problems = []
    bad = df["finished"].notna() & df["started"].isna()
    for iid in df.loc[bad, "item_id"]:
        problems.append(Problem("work_items", "work_items", None, "started", f"item {iid}: finished but never started"))
    bad = df["finished"] < df["started"]
    for iid in df.loc[bad, "item_id"]:
        problems.append(Problem("work_items", "work_items", None, "finished", f"item {iid}: finished before started"))
    bad = df["started"] < df["created"]
    for iid in df.loc[bad, "item_id"]:
        problems.append(Problem("work_items", "work_items", None, "started", f"item {iid}: started before created"))
    if problems:
        raise DataValidationError(problems, header="work items cannot be used for flow metrics")
    return df.reset_index(drop=True)


def cycle_times(work_items: pd.DataFrame, project_id=None) -> pd.DataFrame:
    """Cycle time of every finished item.

    Parameters
    ----------
    work_items : DataFrame
        The ``work_items`` table.
    project_id : str or list of str, optional
        Restrict to these projects.

    Returns
    -------
    DataFrame
        ``item_id``, ``project_id``, ``type``, ``started``, ``finished``,
        ``cycle_time`` [days] = finished - started + 1, sorted by ``finished``.
    """
    df = _items(work_items, project_id)
    done = df[df["finished"].notna()].copy()
    done["cycle_time"] = ((done["finished"] - done["started"]) / DAY).astype("int64") + 1
    cols = [c for c in ("item_id", "project_id", "type", "started", "finished", "cycle_time") if c in done.columns]
    return done[cols].sort_values(["finished", "item_id"]).reset_index(drop=True)


def cycle_time_percentiles(cycle: pd.DataFrame | np.ndarray, percentiles=PERCENTILES) -> pd.Series:
    """Cycle-time percentiles [days]: ``P85 = x`` means 85 % of items took x days or less.

    Uses the nearest-rank definition (``numpy`` ``inverted_cdf``), so every
    percentile is an observed cycle time, as ActionableAgile draws its lines.
    Raises :class:`PMOError` when there is no finished item.
    """
    v = cycle["cycle_time"].to_numpy(float) if isinstance(cycle, pd.DataFrame) else np.asarray(cycle, float)
    if v.size == 0:
        raise PMOError("no finished work items: cycle-time percentiles are undefined")
    q = np.asarray(percentiles, float)
    vals = np.percentile(v, q, method="inverted_cdf")
    return pd.Series(vals, index=[f"p{p:g}" for p in q], name="cycle_time")


def _window(df, start, end):
    dates = pd.concat([df["created"], df["started"], df["finished"]]).dropna()
    lo = pd.Timestamp(start).normalize() if start is not None else dates.min()
    hi = pd.Timestamp(end).normalize() if end is not None else dates.max()
    if hi < lo:
        raise ValueError(f"window end {hi.date()} is before its start {lo.date()}")
    return lo, hi


def throughput(work_items: pd.DataFrame, freq: str = "D", start=None, end=None, project_id=None) -> pd.DataFrame:
    """Items finished per day or per week, zero periods included.

    Parameters
    ----------
    work_items : DataFrame
        The ``work_items`` table.
    freq : {"D", "W"}
        Days, or 7-day weeks counted from ``start`` (not calendar weeks, so
        the first week is complete).
    start, end : date-like, optional
        Window (inclusive). Default: first finish date to last finish date.
        A trailing incomplete week is dropped.
    project_id : str or list of str, optional
        Restrict to these projects.

    Returns
    -------
    DataFrame
        ``period_start`` (date), ``throughput`` [items per period].
    """
    if freq not in ("D", "W"):
        raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
    df = _items(work_items, project_id)
    fin = df["finished"].dropna()
    if fin.empty:
        raise PMOError("no finished work items: throughput history is empty")
    lo = pd.Timestamp(start).normalize() if start is not None else fin.min()
    hi = pd.Timestamp(end).normalize() if end is not None else fin.max()
    if hi < lo:
        raise ValueError(f"window end {hi.date()} is before its start {lo.date()}")
    n_days = int((hi - lo) / DAY) + 1
    day = ((fin[(fin >= lo) & (fin <= hi)] - lo) / DAY).astype("int64").to_numpy()
    counts = np.bincount(day, minlength=n_days)
    if freq == "W":
        n_weeks = n_days // 7
        if n_weeks == 0:
            raise ValueError("window shorter than one week: use freq='D'")
        counts = counts[: n_weeks * 7].reshape(n_weeks, 7).sum(axis=1)
        starts = lo + pd.to_timedelta(np.arange(n_weeks) * 7, unit="D")
    else:
        starts = lo + pd.to_timedelta(np.arange(n_days), unit="D")
    return pd.DataFrame({"period_start": starts, "throughput": counts.astype("int64")})


def wip(work_items: pd.DataFrame, start=None, end=None, project_id=None) -> pd.DataFrame:
    """Work in progress per day: items with started <= day <= finished (or unfinished).

    Returns
    -------
    DataFrame
        ``date``, ``wip`` [items], every day of the window (default: first
        start to last event).
    """
    df = _items(work_items, project_id)
    st = df[df["started"].notna()]
    if st.empty:
        raise PMOError("no started work items: WIP is undefined")
    lo, hi = _window(st, start, end)
    n = int((hi - lo) / DAY) + 1
    s = ((st["started"] - lo) / DAY).astype("int64").to_numpy()
    f = ((st["finished"] - lo) / DAY).to_numpy()  # NaN if unfinished
    f = np.where(np.isnan(f), n, f + 1).astype("int64")  # first day *not* in progress
    delta = np.zeros(n + 2, dtype="int64")
    np.add.at(delta, np.clip(s, 0, n + 1), 1)
    np.add.at(delta, np.clip(f, 0, n + 1), -1)
    # items started before the window start are counted from day 0 by the clip
    w = np.cumsum(delta)[:n]
    return pd.DataFrame({"date": lo + pd.to_timedelta(np.arange(n), unit="D"), "wip": w})


def item_age(work_items: pd.DataFrame, as_of, project_id=None, percentiles=PERCENTILES) -> pd.DataFrame:
    """Age of the items in progress on ``as_of`` (aging WIP).

    Returns
    -------
    DataFrame
        ``item_id``, ``project_id``, ``type``, ``started``, ``age`` [days]
        = as_of - started + 1, ``cycle_time_percentile`` (share of finished
        items whose cycle time is below this age: an item above 0.85 is older
        than 85 % of the finished ones), sorted oldest first.
    """
    df = _items(work_items, project_id)
    as_of = pd.Timestamp(as_of).normalize()
    open_ = df[df["started"].notna() & (df["started"] <= as_of)
               & (df["finished"].isna() | (df["finished"] > as_of))].copy()
    open_["age"] = ((as_of - open_["started"]) / DAY).astype("int64") + 1
    done = df[df["finished"].notna() & (df["finished"] <= as_of)]
    ct = np.sort(((done["finished"] - done["started"]) / DAY).to_numpy() + 1)
    if ct.size:
        open_["cycle_time_percentile"] = np.searchsorted(ct, open_["age"].to_numpy(), side="left") / ct.size
    else:
        open_["cycle_time_percentile"] = 0.0
    cols = [c for c in ("item_id", "project_id", "type", "started", "age", "cycle_time_percentile")
            if c in open_.columns]
    return open_[cols].sort_values(["age", "item_id"], ascending=[False, True]).reset_index(drop=True)


def cfd(work_items: pd.DataFrame, start=None, end=None, project_id=None) -> pd.DataFrame:
    """Cumulative flow diagram data: items that reached each state by each day.

    Returns
    -------
    DataFrame
        Tidy: ``date``, ``state`` in (``created``, ``started``, ``finished``),
        ``count`` [items] cumulative; the vertical gap between ``created``
        and ``started`` is the backlog, between ``started`` and ``finished``
        the WIP.
    """
    df = _items(work_items, project_id)
    lo, hi = _window(df, start, end)
    days = lo + pd.to_timedelta(np.arange(int((hi - lo) / DAY) + 1), unit="D")
    parts = []
    for state in ("created", "started", "finished"):
        d = np.sort(df[state].dropna().to_numpy(dtype="datetime64[ns]"))
        cnt = np.searchsorted(d, days.to_numpy(dtype="datetime64[ns]"), side="right")
        parts.append(pd.DataFrame({"date": days, "state": state, "count": cnt.astype("int64")}))
    return pd.concat(parts, ignore_index=True)


def littles_law(work_items: pd.DataFrame, start=None, end=None, project_id=None) -> pd.Series:
    """Check Little's law over a window: average WIP vs throughput x average cycle time.

    Returns
    -------
    Series
        ``days`` [days], ``avg_wip`` [items], ``throughput_per_day``
        [items/day], ``avg_cycle_time`` [days] (items finished in the
        window), ``implied_cycle_time`` = avg_wip / throughput [days],
        ``ratio`` = implied / observed (1 when the system is stable and
        every item in the window started and finished in it),
        ``items_finished``.
    """
    w = wip(work_items, start, end, project_id)
    lo, hi = w["date"].iloc[0], w["date"].iloc[-1]
    ct = cycle_times(work_items, project_id)
    ct = ct[(ct["finished"] >= lo) & (ct["finished"] <= hi)]
    if ct.empty:
        raise PMOError("no item finished in the window: Little's law cannot be checked")
    days = len(w)
    tp = len(ct) / days
    avg_wip = float(w["wip"].mean())
    avg_ct = float(ct["cycle_time"].mean())
    implied = avg_wip / tp
    return pd.Series({"days": days, "avg_wip": avg_wip, "throughput_per_day": tp, "avg_cycle_time": avg_ct,
                      "implied_cycle_time": implied, "ratio": implied / avg_ct,
                      "items_finished": len(ct)})
