"""Portfolio-wide charts for the executive summary (``00_portfolio_review``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE, date_axis

__all__ = ["pipeline_chart", "exposure_chart"]


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


def exposure_chart(exposure: pd.DataFrame) -> alt.Chart:
    """Committed finish vs P50 and P80 forecast finish of each active project (a dumbbell per project).

    Parameters
    ----------
    exposure : DataFrame
        :func:`pmo_analytics.risk.exposure` output (dates in ``committed_finish``,
        ``p50_finish``, ``p80_finish``).
    """
    long = exposure.melt(id_vars=["project_id", "name"], value_vars=["committed_finish", "p50_finish", "p80_finish"],
                         var_name="date_kind", value_name="date")
    long["date_kind"] = long["date_kind"].map({"committed_finish": "committed", "p50_finish": "P50 forecast",
                                               "p80_finish": "P80 forecast"})
    long["date"] = pd.to_datetime(long["date"])
    base = alt.Chart(long, title="Finish dates at risk: commitment vs P50 and P80").encode(
        y=alt.Y("project_id:N", title="project"))
    line = base.mark_rule(color="#999999", strokeWidth=2).encode(x="min(date):T", x2="max(date):T")
    dots = base.mark_point(filled=True, size=140).encode(
        x=alt.X("date:T", title="Finish date", axis=date_axis()),
        color=alt.Color("date_kind:N", title="", scale=alt.Scale(domain=["committed", "P50 forecast", "P80 forecast"],
                                                                 range=[PALETTE[7], PALETTE[0], PALETTE[3]])),
        shape=alt.Shape("date_kind:N", title="", scale=alt.Scale(domain=["committed", "P50 forecast", "P80 forecast"],
                                                                 range=["diamond", "circle", "circle"])),
        tooltip=["project_id", "name", alt.Tooltip("date_kind:N", title="date"),
                 alt.Tooltip("date:T", title="finish", format="%Y-%m-%d")])
    return line + dots
