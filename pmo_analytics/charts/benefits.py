"""Charts of benefits realisation, support/TCO and lessons learned.

Each function takes a result frame of :mod:`pmo_analytics.benefits` and
returns an Altair chart; nothing is displayed or saved here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..tables.columns import column
from ..tables.formats import currency
from . import PALETTE, RAG

__all__ = ["realisation_chart", "promised_vs_delivered_chart", "benefits_status_chart", "tco_chart",
           "reference_class_chart"]


def realisation_chart(by_period: pd.DataFrame, title: str | None = None):
    """Cumulative planned vs realised benefit per project (one panel each).

    Parameters
    ----------
    by_period : DataFrame
        :func:`pmo_analytics.benefits.benefits_by_period` with ``by="project"``.
    """
    long = by_period.melt(id_vars=["project_id", "period"], value_vars=["planned_cum", "realised_cum"],
                          var_name="series", value_name="value").dropna(subset=["value"])
    long["series"] = long["series"].map({"planned_cum": "planned", "realised_cum": "realised"})
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("period:O", title="Benefit period"),
        y=alt.Y("value:Q", title="Cumulative benefit [currency]"),
        color=alt.Color("series:N", scale=alt.Scale(domain=["planned", "realised"], range=[PALETTE[0], PALETTE[2]]),
                        title=None),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=["planned", "realised"],
                                                              range=[[5, 3], [1, 0]]), title=None),
        tooltip=["project_id:N", "period:O", "series:N", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=240, height=170).facet(facet=alt.Facet("project_id:N", title=None), columns=4) \
        .resolve_scale(y="independent").properties(title=title or "Benefits: planned vs realised (cumulative)")


def promised_vs_delivered_chart(pvd: pd.DataFrame, title: str | None = None):
    """Per project: business-case NPV, register plan, planned and realised to date, forecast.

    Parameters
    ----------
    pvd : DataFrame
        :func:`pmo_analytics.benefits.promised_vs_delivered` (indexed by ``project_id``).
    """
    measures = [c for c in ("benefit_npv", "planned_total", "forecast_total", "planned_to_date", "realised_to_date")
                if c in pvd.columns]
    labels = {"benefit_npv": "NPV promised (business case)", "planned_total": "register plan (total)",
              "forecast_total": "forecast (total)", "planned_to_date": "planned to date",
              "realised_to_date": "realised to date"}
    long = pvd.reset_index().melt(id_vars=["project_id"], value_vars=measures, var_name="measure",
                                  value_name="value")
    long["measure"] = long["measure"].map(labels)
    order = [labels[m] for m in measures]
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("project_id:N", title=None),
        yOffset=alt.YOffset("measure:N", sort=order),
        x=alt.X("value:Q", title="Benefit [currency]"),
        color=alt.Color("measure:N", sort=order, scale=alt.Scale(domain=order, range=PALETTE[:len(order)]),
                        title=None),
        tooltip=["project_id:N", "measure:N", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=520, height=alt.Step(9), title=title or "Value promised vs delivered")


def benefits_status_chart(realisation: pd.DataFrame, title: str | None = None):
    """Performance to date per benefit (1 = on plan, below 1 = worse), coloured by status.

    Uses ``performance_to_date`` so that a dis-benefit larger than planned
    shows as a short bar, like a benefit that falls short.

    Parameters
    ----------
    realisation : DataFrame
        :func:`pmo_analytics.benefits.benefit_realisation`.
    """
    df = realisation.copy()
    df["state"] = df["status"].str.split(";").str[0]
    dom = ["on track", "at risk", "not yet measured"]
    base = alt.Chart(df).encode(y=alt.Y("benefit_id:N", title=None, sort=alt.SortField("project_id")))
    bars = base.mark_bar().encode(
        x=alt.X("performance_to_date:Q", title="Performance to date (1 = on plan)", axis=alt.Axis(format="%")),
        color=alt.Color("state:N", scale=alt.Scale(domain=dom, range=[RAG["green"], RAG["red"], "#BBBBBB"]),
                        title=None),
        tooltip=["benefit_id:N", "project_id:N", "description:N", "status:N",
                 alt.Tooltip("realisation_rate:Q", format=".0%"), alt.Tooltip("performance_to_date:Q", format=".0%"),
                 alt.Tooltip("shortfall:Q", format=",.0f")],
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color="#555555").encode(x="x:Q")
    return alt.layer(bars, one).properties(width=420, height=alt.Step(18), title=title or "Benefit realisation")


def tco_chart(tco: pd.DataFrame, title: str | None = None):
    """Total cost of ownership (authorised cost + run cost) next to realised benefit, per project.

    Parameters
    ----------
    tco : DataFrame
        :func:`pmo_analytics.benefits.support_tco` output with benefits.
    """
    d = tco.reset_index()
    cost = d.melt(id_vars=["project_id"], value_vars=["authorised_cost", "run_cost_total"], var_name="part",
                  value_name="value")
    cost["bar"] = "TCO"
    parts = [cost]
    if "realised_to_date" in d.columns:
        parts.append(pd.DataFrame({"project_id": d["project_id"], "part": "realised_to_date",
                                   "value": d["realised_to_date"], "bar": "benefit"}))
    long = pd.concat(parts, ignore_index=True)
    # the legend says what each part is in the glossary's words ("Run cost"), not its column name
    dom = [column(c).label for c in ("authorised_cost", "run_cost_total", "realised_to_date")]
    long["part"] = long["part"].map(lambda c: column(c).label)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("project_id:N", title=None),
        yOffset=alt.YOffset("bar:N", sort=["TCO", "benefit"]),
        x=alt.X("value:Q", stack="zero", title=f"Amount [{currency()}]"),
        color=alt.Color("part:N", scale=alt.Scale(domain=dom, range=[PALETTE[0], PALETTE[5], PALETTE[2]]),
                        title=None),
        tooltip=["project_id:N", "part:N", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=480, height=alt.Step(16), title=title or "Total cost of ownership vs realised benefit")


def reference_class_chart(ratios: pd.DataFrame, lessons: pd.DataFrame, title: str | None = None):
    """Outturn/estimate of past projects per class, with the uplift quantile marked, for cost and duration.

    Parameters
    ----------
    ratios : DataFrame
        :func:`pmo_analytics.benefits.outturn_ratios`.
    lessons : DataFrame
        :func:`pmo_analytics.benefits.lessons_learned`.
    """
    panels = []
    for m in ("cost", "duration"):
        r = ratios[ratios["measure"] == m]
        q = lessons[lessons["measure"] == m].assign(
            label=lambda x: [f"+{u:.0%}" for u in x["uplift"]])
        if r.empty:
            continue
        y = alt.Y("reference_class:N", title=None)
        pts = alt.Chart(r).mark_tick(thickness=2, size=14, opacity=0.6, color=PALETTE[0]).encode(
            x=alt.X("ratio:Q", title=f"Actual / estimate ({m})", scale=alt.Scale(zero=False)), y=y,
            tooltip=["project_id:N", alt.Tooltip("ratio:Q", format=".2f")])
        qt = alt.Chart(q).mark_point(shape="diamond", size=140, filled=True, color=PALETTE[3]).encode(
            x="quantile_ratio:Q", y=y, tooltip=["reference_class:N", "n:Q",
                                                alt.Tooltip("quantile_ratio:Q", format=".2f"),
                                                alt.Tooltip("uplift:Q", format=".0%")])
        txt = alt.Chart(q).mark_text(dy=-13, align="center", color=PALETTE[3]).encode(
            x="quantile_ratio:Q", y=y, text="label:N")
        one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color="#555555").encode(x="x:Q")
        panels.append(alt.layer(one, pts, qt, txt).properties(width=300, height=alt.Step(34), title=m))
    p = lessons["acceptable_overrun"].iloc[0] if len(lessons) else 0.2
    return alt.hconcat(*panels).properties(
        title=title or f"Reference classes: outturn ratios and the P{100 * (1 - p):.0f} uplift")
