"""Portfolio view of schedule and cost risk: one row per active project."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["exposure"]


def exposure(results: dict, projects: pd.DataFrame, percentile: float = 80, also=()) -> pd.DataFrame:
    """Risk exposure of each simulated project against its commitment and estimate.

    Parameters
    ----------
    results : dict
        Project id -> fitted :class:`~pmo_analytics.risk.ScheduleRiskModel`.
    projects : DataFrame
        The ``projects`` table (``name``, ``committed_finish``, ``estimated_cost``).
    percentile : float
        Confidence level of the contingency [%] (80 = P80, AACE/GAO common practice).
    also : iterable of float
        Further levels whose lateness is wanted as well (``p80_days_late`` beside ``p90_days_late``: the
        escalation rules test the P80 lateness whatever the review's level).

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``name``, ``deterministic_finish``,
        ``p50_finish``, ``p<level>_finish`` (dates when the network has dates,
        else [working days after the start]), ``committed_finish``,
        ``p<level>_days_late`` [working days after the commitment, negative =
        early; NaN without a commitment], ``schedule_contingency`` [working
        days] = P<level> finish - deterministic finish, ``estimated_cost``,
        ``p<level>_cost`` and ``cost_contingency`` [currency] = P<level> cost -
        deterministic cost, ``jcl`` = P(finish by the commitment and cost within
        the estimate) [probability], ``cost_assessed`` (False for a schedule
        without costs: its cost columns and JCL are NaN, not 0 and 1), then
        ``p<q>_days_late`` for each level of ``also``. ``<level>`` is
        ``percentile`` (``p90_cost`` at 90, see
        :func:`pmo_analytics.tables.columns.at_level`): a name says the level
        it was computed at. ``attrs["confidence"]`` is ``percentile``.
    """
    from ..tables.columns import at_level

    fin, cst, late_name = at_level("finish", percentile), at_level("cost", percentile), \
        at_level("days_late", percentile)
    extra = [float(q) for q in also if float(q) != float(percentile)]
    pr = projects.set_index("project_id")
    rows = []
    for pid, model in results.items():
        det, pk = model.deterministic_finish_, model.finish_at(percentile)
        committed = pr.at[pid, "committed_finish"] if "committed_finish" in pr.columns else pd.NaT
        budget = float(pr.at[pid, "estimated_cost"])
        has_dates = model.network.has_dates
        late = jcl = float("nan")
        lates = {q: float("nan") for q in extra}
        if has_dates and pd.notna(committed):
            committed_days = model.to_days(pd.Timestamp(committed))
            late = pk - committed_days
            jcl = model.jcl(committed_days, budget)
            lates = {q: model.finish_at(q) - committed_days for q in extra}
        p50 = model.finish_at(50)
        rows.append({
            "project_id": pid, "name": pr.at[pid, "name"],
            "deterministic_finish": model.to_date(det) if has_dates else det,
            "p50_finish": model.to_date(p50) if has_dates else p50,
            fin: model.to_date(pk) if has_dates else pk,
            "committed_finish": committed, late_name: late, "schedule_contingency": pk - det,
            "estimated_cost": budget, cst: model.cost_at(percentile),
            "cost_contingency": model.cost_at(percentile) - model.deterministic_cost_, "jcl": jcl,
            "cost_assessed": bool(model.cost_assessed_),
            **{at_level("days_late", q): v for q, v in lates.items()},
        })
    out = pd.DataFrame(rows)
    if len(out):
        out["jcl"] = out["jcl"].astype(float)
        out.loc[~out["cost_assessed"], [cst, "cost_contingency", "jcl"]] = np.nan
    out.attrs["confidence"] = float(percentile)
    return out
