"""Small tidy views over a Portfolio used by several notebooks."""

from __future__ import annotations

import pandas as pd

__all__ = ["pipeline_by_stage", "funding_request_by_period"]


def pipeline_by_stage(projects: pd.DataFrame) -> pd.DataFrame:
    """Count, estimated cost and benefit [currency] of projects per stage and business unit."""
    return (projects.groupby(["stage", "business_unit"], as_index=False)
            .agg(projects=("project_id", "size"), estimated_cost=("estimated_cost", "sum"),
                 benefit_npv=("benefit_npv", "sum")))


def funding_request_by_period(projects: pd.DataFrame, costs: pd.DataFrame, budget: pd.DataFrame) -> pd.DataFrame:
    """What the proposals would cost per period if each started at its earliest start, vs the budget.

    Returns a long frame with ``period``, ``series`` ("requested if all start
    early", "budget") and ``amount`` [currency], over the budget's periods.
    """
    prop = projects.loc[projects["stage"] == "proposal", ["project_id", "earliest_start"]]
    c = costs.merge(prop, on="project_id")
    c["period"] = c["earliest_start"].astype(int) + c["period_offset"].astype(int)
    periods = budget["period"].astype(int)
    req = c.groupby("period")["cost"].sum().reindex(periods, fill_value=0.0)
    out = pd.concat([
        pd.DataFrame({"period": periods.values, "series": "requested if all start early", "amount": req.values}),
        pd.DataFrame({"period": periods.values, "series": "budget", "amount": budget["budget"].astype(float).values}),
    ], ignore_index=True)
    return out
