"""Charts for portfolio selection: frontier, value-vs-cost bubbles, capacity heatmap, roadmap."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import PALETTE, axis_format, axis_title

_MONEY = axis_format("value")

__all__ = ["frontier_chart", "bubble_chart", "capacity_heatmap", "roadmap_chart", "scenario_chart", "spend_chart"]


def frontier_chart(frontier: pd.DataFrame, current_budget: float | None = None,
                   title: str = "Efficient frontier: value vs budget") -> alt.Chart:
    """Value against total budget (output of ``efficient_frontier``); infeasible levels are left out."""
    df = frontier[frontier["value"].notna()].copy()
    df["entering"] = df["entering"].fillna("")
    df["leaving"] = df["leaving"].fillna("")
    base = alt.Chart(df, title=title)
    line = base.mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("budget:Q", title="Total budget over the horizon [currency]", axis=alt.Axis(format=_MONEY)),
        y=alt.Y("value:Q", title="Portfolio " + axis_title("value").lower(), axis=alt.Axis(format=_MONEY)),
        tooltip=[alt.Tooltip("budget:Q", format=",.0f"), alt.Tooltip("value:Q", format=",.0f"), "funded",
                 "entering", "leaving"],
    )
    if current_budget is None:
        return line
    rule = alt.Chart(pd.DataFrame({"budget": [float(current_budget)]})).mark_rule(
        color=PALETTE[3], strokeDash=[4, 4]).encode(x="budget:Q")
    return alt.layer(line, rule)


def bubble_chart(portfolio: pd.DataFrame, risk: pd.Series | None = None,
                 title: str = "Value vs cost (size = risk, colour = bucket)") -> alt.Chart:
    """Bubble chart of the candidates: value vs cost, size = risk, colour = bucket, filled = funded.

    ``portfolio`` is ``PortfolioSelector.portfolio_``; ``risk`` a Series of probability of failure by
    project_id (default 0.5 for all).
    """
    df = portfolio.reset_index()
    r = df["project_id"].map(risk.astype(float)) if risk is not None else pd.Series(0.5, index=df.index)
    df = df.assign(risk=r.fillna(0.5).to_numpy(), funded=np.where(df["selected"], "funded", "not funded"))
    return alt.Chart(df, title=title).mark_point(filled=True, opacity=0.8, stroke="black", strokeWidth=0.5).encode(
        x=alt.X("total_cost:Q", title=axis_title("total_cost"), axis=alt.Axis(format=_MONEY)),
        y=alt.Y("base_value:Q", title=axis_title("base_value"), axis=alt.Axis(format=_MONEY)),
        size=alt.Size("risk:Q", title="probability of failure", scale=alt.Scale(range=[30, 600])),
        color=alt.Color("bucket:N", title="bucket"),
        shape=alt.Shape("funded:N", title=None, scale=alt.Scale(domain=["funded", "not funded"],
                                                                range=["circle", "triangle-up"])),
        tooltip=["project_id", "bucket", "funded", alt.Tooltip("base_value:Q", format=",.0f"),
                 alt.Tooltip("total_cost:Q", format=",.0f"), alt.Tooltip("risk:Q", format=".0%")],
    ).interactive()


def capacity_heatmap(capacity: pd.DataFrame, title: str = "Capacity use by skill and period") -> alt.Chart:
    """Heatmap of utilisation (demand / available FTE) from ``PortfolioSelector.capacity_``; bottlenecks outlined."""
    df = capacity.copy()
    df["utilisation"] = df["utilisation"].replace([np.inf], np.nan)
    heat = alt.Chart(df, title=title).mark_rect().encode(
        x=alt.X("period:O", title="Period"),
        y=alt.Y("skill:N", title=None),
        color=alt.Color("utilisation:Q", title="demand / available", scale=alt.Scale(scheme="blues", domain=[0, 1.0]),
                        legend=alt.Legend(format="%")),
        tooltip=["skill", "period", alt.Tooltip("demand:Q", format=".1f"), alt.Tooltip("capacity:Q", format=".1f"),
                 alt.Tooltip("hired:Q", format=".1f"), alt.Tooltip("utilisation:Q", format=".0%")],
    )
    marks = alt.Chart(df[df["bottleneck"]]).mark_text(text="!", color=PALETTE[3], fontSize=16, fontWeight="bold").encode(
        x="period:O", y="skill:N")
    return alt.layer(heat, marks)


def roadmap_chart(portfolio: pd.DataFrame, title: str = "Roadmap: funded projects by period") -> alt.Chart:
    """Gantt by period of the funded projects (``PortfolioSelector.portfolio_``), coloured by bucket."""
    df = portfolio[portfolio["selected"]].reset_index()
    df = df.assign(start=df["start_period"].astype(float) - 0.5, end=df["finish_period"].astype(float) + 0.5)
    order = df.sort_values(["start_period", "project_id"])["project_id"].tolist()
    return alt.Chart(df, title=title).mark_bar(height=12).encode(
        x=alt.X("start:Q", title="Period", scale=alt.Scale(nice=False)),
        x2="end:Q",
        y=alt.Y("project_id:N", sort=order, title=None),
        color=alt.Color("bucket:N"),
        tooltip=["project_id", "bucket", "business_unit", "start_period", "finish_period",
                 alt.Tooltip("cost:Q", format=",.0f")],
    )


def scenario_chart(scenarios: pd.DataFrame, title: str = "Scenarios: value change vs base") -> alt.Chart:
    """Bars of each scenario's value change (output of ``compare_scenarios``)."""
    df = scenarios.reset_index()
    df = df[df["scenario"] != "base"].assign(change=lambda x: x["value_change"].astype(float))
    return alt.Chart(df, title=title).mark_bar().encode(
        x=alt.X("change:Q", title=axis_title("value_change"), axis=alt.Axis(format=_MONEY)),
        y=alt.Y("scenario:N", title=None, sort=None),
        color=alt.condition("datum.change >= 0", alt.value(PALETTE[2]), alt.value(PALETTE[3])),
        tooltip=["scenario", alt.Tooltip("change:Q", format=",.0f"), "gained", "lost", "status"],
    )


def spend_chart(spend: pd.DataFrame, title: str = "Spend vs budget by period") -> alt.Chart:
    """Stacked project and hiring spend against the budget line (``PortfolioSelector.spend_``)."""
    df = spend.reset_index()
    long = df.melt(id_vars="period", value_vars=["project_spend", "hire_spend"], var_name="kind", value_name="amount")
    bars = alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("period:O", title="Period"),
        y=alt.Y("amount:Q", title=axis_title("spend"), stack="zero", axis=alt.Axis(format=_MONEY)),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(range=[PALETTE[0], PALETTE[1]])),
        tooltip=["period", "kind", alt.Tooltip("amount:Q", format=",.0f")])
    line = alt.Chart(df).mark_line(color="black", point=True).encode(x="period:O", y="budget:Q")
    return alt.layer(bars, line)
