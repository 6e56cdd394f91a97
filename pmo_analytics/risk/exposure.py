"""Portfolio view of schedule and cost risk: one row per active project."""

from __future__ import annotations

import pandas as pd

__all__ = ["exposure"]


def exposure(results: dict, projects: pd.DataFrame, percentile: float = 80) -> pd.DataFrame:
    """Risk exposure of each simulated project against its commitment and estimate.

    Parameters
    ----------
    results : dict
        Project id -> :class:`~pmo_analytics.risk.RiskResult`.
    projects : DataFrame
        The ``projects`` table (``name``, ``committed_finish``, ``estimated_cost``).
    percentile : float
        Confidence level of the contingency (80 = P80, AACE/GAO common practice).

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``name``, ``deterministic_finish``,
        ``p50_finish``, ``p80_finish`` (dates when the model has a start date),
        ``committed_finish``, ``p80_days_late`` [working days after the
        commitment, negative = early; NaN without a commitment],
        ``schedule_contingency`` [days] = Pp − deterministic finish,
        ``estimated_cost``, ``p80_cost`` and ``cost_contingency`` [currency] =
        Pp cost − deterministic cost, ``jcl`` = P(finish by the commitment and
        cost within the estimate) [probability].
    """
    pr = projects.set_index("project_id")
    rows = []
    for pid, res in results.items():
        det, pk = res.deterministic_finish_, res.finish_at(percentile)
        committed = pr.at[pid, "committed_finish"] if "committed_finish" in pr.columns else pd.NaT
        budget = float(pr.at[pid, "estimated_cost"])
        has_dates = res.to_date(det) is not None
        late = jcl = float("nan")
        if has_dates and pd.notna(committed):
            committed_days = res._days(pd.Timestamp(committed))
            late = pk - committed_days
            jcl = res.jcl(committed_days, budget)
        rows.append({
            "project_id": pid, "name": pr.at[pid, "name"],
            "deterministic_finish": res.to_date(det) if has_dates else det,
            "p50_finish": res.to_date(res.finish_at(50)) if has_dates else res.finish_at(50),
            "p80_finish": res.to_date(pk) if has_dates else pk,
            "committed_finish": committed, "p80_days_late": late, "schedule_contingency": pk - det,
            "estimated_cost": budget, "p80_cost": res.cost_at(percentile),
            "cost_contingency": res.cost_at(percentile) - res.deterministic_cost_, "jcl": jcl,
        })
    return pd.DataFrame(rows)
