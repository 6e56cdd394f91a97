"""Portfolio view of schedule and cost risk: one row per active project."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["exposure"]


def exposure(results: dict, projects: pd.DataFrame, percentile: float = 80) -> pd.DataFrame:
    """Risk exposure of each simulated project against its commitment and estimate.

    Parameters
    ----------
    results : dict
        Project id -> fitted :class:`~pmo_analytics.risk.ScheduleRiskModel`.
    projects : DataFrame
        The ``projects`` table (``name``, ``committed_finish``, ``estimated_cost``).
    percentile : float
        Confidence level of the contingency [%] (80 = P80, AACE/GAO common practice).

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``name``, ``deterministic_finish``,
        ``p50_finish``, ``p80_finish`` (dates when the network has dates, else
        [working days after the start]), ``committed_finish``,
        ``p80_days_late`` [working days after the commitment, negative =
        early; NaN without a commitment], ``schedule_contingency`` [working
        days] = Pp - deterministic finish, ``estimated_cost``, ``p80_cost`` and
        ``cost_contingency`` [currency] = Pp cost - deterministic cost, ``jcl``
        = P(finish by the commitment and cost within the estimate)
        [probability], ``cost_assessed`` (False for a schedule without costs:
        its cost columns and JCL are NaN, not 0 and 1).
    """
    pr = projects.set_index("project_id")
    rows = []
    for pid, model in results.items():
        det, pk = model.deterministic_finish_, model.finish_at(percentile)
        committed = pr.at[pid, "committed_finish"] if "committed_finish" in pr.columns else pd.NaT
        budget = float(pr.at[pid, "estimated_cost"])
        has_dates = model.network.has_dates
        late = jcl = float("nan")
        if has_dates and pd.notna(committed):
            committed_days = model.to_days(pd.Timestamp(committed))
            late = pk - committed_days
            jcl = model.jcl(committed_days, budget)
        p50 = model.finish_at(50)
        rows.append({
            "project_id": pid, "name": pr.at[pid, "name"],
            "deterministic_finish": model.to_date(det) if has_dates else det,
            "p50_finish": model.to_date(p50) if has_dates else p50,
            "p80_finish": model.to_date(pk) if has_dates else pk,
            "committed_finish": committed, "p80_days_late": late, "schedule_contingency": pk - det,
            "estimated_cost": budget, "p80_cost": model.cost_at(percentile),
            "cost_contingency": model.cost_at(percentile) - model.deterministic_cost_, "jcl": jcl,
            "cost_assessed": bool(model.cost_assessed_),
        })
    out = pd.DataFrame(rows)
    if len(out):
        out["jcl"] = out["jcl"].astype(float)
        out.loc[~out["cost_assessed"], ["p80_cost", "cost_contingency", "jcl"]] = np.nan
    return out
