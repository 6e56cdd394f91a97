"""Portfolio-wide charts for the executive summary (``00_portfolio_review``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

__all__ = ["pipeline_chart", "demand_vs_budget_chart"]


def pipeline_chart(projects: pd.DataFrame, value: str = "estimated_cost") -> alt.Chart:
    """Stacked bars of the pipeline: ``value`` [currency] by business unit, coloured by bucket.

    Parameters
    ----------
    projects : DataFrame
        The ``projects`` table (or a subset, e.g. proposals only).
    value : str
        Numeric column to sum (``estimated_cost`` or ``benefit_npv``).
    """
    df = projects.groupby(["business_unit", "bucket"], as_index=False)[value].sum()
    df["value_m"] = df[value] / 1e6
    return alt.Chart(df, title=f"Pipeline by business unit — {value.replace('_', ' ')} [currency, millions]").mark_bar().encode(
        x=alt.X("value_m:Q", title=f"{value.replace('_', ' ')} [millions]"),
        y=alt.Y("business_unit:N", title="business unit", sort="-x"),
        color=alt.Color("bucket:N", title="strategic bucket", scale=alt.Scale(range=PALETTE)),
        tooltip=["business_unit", "bucket", alt.Tooltip("value_m:Q", format=".2f")],
    )


def demand_vs_budget_chart(frame: pd.DataFrame) -> alt.Chart:
    """Lines of money asked for vs available by period.

    Parameters
    ----------
    frame : DataFrame
        Columns ``period``, ``series`` (label) and ``amount`` [currency].
    """
    df = frame.assign(amount_m=frame["amount"] / 1e6)
    return alt.Chart(df, title="Funding asked for vs available [currency, millions]").mark_line(point=True).encode(
        x=alt.X("period:O", title="planning period"),
        y=alt.Y("amount_m:Q", title="amount [millions]"),
        color=alt.Color("series:N", title="", scale=alt.Scale(range=PALETTE)),
        tooltip=["period", "series", alt.Tooltip("amount_m:Q", format=".2f")],
    )
