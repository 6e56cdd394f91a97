"""Portfolio-wide charts for the executive summary (``00_portfolio_review``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..tables.columns import at_level, column
from . import PALETTE, axis_format, date_axis

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
    what = column(value).label
    return alt.Chart(df, title=f"Pipeline by business unit: {what.lower()}").mark_bar().encode(
        x=alt.X(f"{value}:Q", title=column(value).axis_title, axis=alt.Axis(format=axis_format(value))),
        y=alt.Y("business_unit:N", title="Business unit", sort="-x"),
        color=alt.Color("bucket:N", title="Strategic bucket", scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("business_unit:N", title="Business unit"), alt.Tooltip("bucket:N", title="Bucket"),
                 alt.Tooltip(f"{value}:Q", title=what, format=",.0f")],
    )


def exposure_chart(exposure: pd.DataFrame) -> alt.Chart:
    """Committed finish vs P50 and confidence-level forecast finish of each active project (a dumbbell each).

    Parameters
    ----------
    exposure : DataFrame
        :func:`pmo_analytics.risk.exposure` output (dates in ``committed_finish``,
        ``p50_finish`` and ``p<level>_finish``, the level of ``attrs["confidence"]``, default 80).
    """
    level = exposure.attrs.get("confidence", 80.0)
    fin = at_level("finish", level)
    P = f"P{float(level):g}"
    names = {"committed_finish": "committed", "p50_finish": "P50 forecast", fin: f"{P} forecast"}
    long = exposure.melt(id_vars=["project_id", "name"], value_vars=list(dict.fromkeys(names)),
                         var_name="date_kind", value_name="date")
    long["date_kind"] = long["date_kind"].map(names)
    long["date"] = pd.to_datetime(long["date"])
    kinds = list(dict.fromkeys(names.values()))
    base = alt.Chart(long, title=f"Finish dates at risk: commitment vs P50 and {P}").encode(
        y=alt.Y("project_id:N", title="Project"))
    line = base.mark_rule(color="#999999", strokeWidth=2).encode(x="min(date):T", x2="max(date):T")
    dots = base.mark_point(filled=True, size=140).encode(
        x=alt.X("date:T", title="Finish date", axis=date_axis()),
        color=alt.Color("date_kind:N", title="Date", scale=alt.Scale(domain=kinds,
                                                                     range=[PALETTE[7], PALETTE[0], PALETTE[3]])),
        shape=alt.Shape("date_kind:N", title="Date", scale=alt.Scale(domain=kinds,
                                                                     range=["diamond", "circle", "circle"])),
        tooltip=[alt.Tooltip("project_id:N", title="Project"), alt.Tooltip("name:N", title="Name"),
                 alt.Tooltip("date_kind:N", title="Date"),
                 alt.Tooltip("date:T", title="Finish", format="%Y-%m-%d")])
    return line + dots
