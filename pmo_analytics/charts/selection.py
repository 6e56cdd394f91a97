"""Charts for portfolio selection: frontier, value-vs-cost bubbles, capacity heatmap, roadmap."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import PALETTE, axis_format, axis_title, column

_MONEY = axis_format("value")

__all__ = ["frontier_chart", "bubble_chart", "capacity_heatmap", "roadmap_chart", "scenario_chart", "spend_chart",
           "spend_band_chart", "uncertainty_frontier_chart"]


def frontier_chart(frontier: pd.DataFrame, current_budget: float | None = None,
                   title: str = "Efficient frontier: value vs budget") -> alt.Chart:
    """Value against total budget (output of ``efficient_frontier`` or a what-if's frontier).

    Solved portfolios are a line with points; where the frame has a
    ``bound`` column (the LP relaxation: no portfolio is worth more), it is
    drawn as a dashed line, so the shape shows at every level even where no
    portfolio was solved. Infeasible levels are left out.
    """
    df = frontier.copy()
    for col in ("entering", "leaving"):
        df[col] = df[col].fillna("") if col in df else ""
    if "funded" not in df:
        df["funded"] = np.nan
    money = alt.Axis(format=_MONEY)
    x = alt.X("budget:Q", title="Total budget over the horizon [currency]", axis=money)
    layers = []
    if "bound" in df and df["bound"].notna().any():
        b = df[df["bound"].notna()].assign(what="at most (LP relaxation)")
        layers.append(alt.Chart(b).mark_line(strokeDash=[5, 3], color=PALETTE[7]).encode(
            x=x, y=alt.Y("bound:Q", axis=money),
            color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["portfolio", "at most (LP relaxation)"],
                                                                   range=[PALETTE[0], PALETTE[7]])),
            tooltip=[alt.Tooltip("budget:Q", format=",.0f"), alt.Tooltip("bound:Q", title="at most", format=",.0f")]))
    v = df[df["value"].notna()].assign(what="portfolio")
    layers.append(alt.Chart(v).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title="Portfolio " + axis_title("value").lower(), axis=money),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["portfolio", "at most (LP relaxation)"],
                                                               range=[PALETTE[0], PALETTE[7]])),
        tooltip=[alt.Tooltip("budget:Q", format=",.0f"), alt.Tooltip("value:Q", format=",.0f"), "funded",
                 "entering", "leaving"] + (["status"] if "status" in v else []),
    ))
    if current_budget is not None:
        layers.append(alt.Chart(pd.DataFrame({"budget": [float(current_budget)]})).mark_rule(
            color=PALETTE[3], strokeDash=[4, 4]).encode(x="budget:Q"))
    return alt.layer(*layers, title=title) if len(layers) > 1 else layers[0].properties(title=title)


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


def roadmap_chart(portfolio: pd.DataFrame, title: str = "Roadmap: funded projects by period", top: int | None = None,
                  keep=()) -> alt.Chart:
    """Gantt by period of the funded projects (``PortfolioSelector.portfolio_``), coloured by bucket.

    ``top`` shows at most that many projects (those in ``keep`` first, e.g.
    the ones a what-if gained, then the most valuable); the title then says
    how many of the funded projects are drawn. A roadmap of 150 bars is
    neither readable in the room nor quick to draw.
    """
    df = portfolio[portfolio["selected"]].reset_index()
    n = len(df)
    if top is not None and n > top:
        first = df["project_id"].isin(list(keep))
        df = df.assign(_k=~first, _v=-df["base_value"]).sort_values(["_k", "_v"]).head(int(top))
        df = df.drop(columns=["_k", "_v"])
        title = f"{title} ({len(df)} of {n} shown: {'changed and ' if first.any() else ''}most valuable)"
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
    long["kind"] = long["kind"].map(lambda k: column(k).label)  # the legend reads "Hiring spend", not hire_spend
    bars = alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("period:O", title="Period"),
        y=alt.Y("amount:Q", title=axis_title("spend"), stack="zero", axis=alt.Axis(format=_MONEY)),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(range=[PALETTE[0], PALETTE[1]])),
        tooltip=["period", "kind", alt.Tooltip("amount:Q", format=",.0f")])
    line = alt.Chart(df).mark_line(color="black", point=True).encode(x="period:O", y="budget:Q")
    return alt.layer(bars, line)


def spend_band_chart(spend: pd.DataFrame, title: str = "Simulated spend per period against the budget") -> alt.Chart:
    """P50 line in a P50–P95 band (P80 dashed) of simulated spend, with the budget (``PortfolioRiskModel.spend_``).

    Parameters
    ----------
    spend : DataFrame
        Indexed by period: ``budget``, ``p50_spend``, ``p80_spend``, ``p95_spend`` [currency], ``p_overrun``
        [probability] (``p50`` ... of ``UncertainSelector.spend_`` are read the same way).
    """
    df = spend.reset_index().rename(columns={spend.index.name or "index": "period"})
    df = df.rename(columns={q: f"{q}_spend" for q in ("p50", "p80", "p95") if q in df.columns})
    x = alt.X("period:O", title="Period", axis=alt.Axis(labelAngle=0))
    fmt = alt.Axis(format=_MONEY)
    band = alt.Chart(df, title=title).mark_area(opacity=0.25, color=PALETTE[0]).encode(
        x=x, y=alt.Y("p50_spend:Q", title="Spend [currency]", axis=fmt), y2="p95_spend:Q")
    tips = [alt.Tooltip("period:O", title="Period"), alt.Tooltip("p50_spend:Q", title="P50 spend", format=",.0f"),
            alt.Tooltip("p80_spend:Q", title="P80 spend", format=",.0f"),
            alt.Tooltip("p95_spend:Q", title="P95 spend", format=",.0f"),
            alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
            alt.Tooltip("p_overrun:Q", format=".0%", title="Chance of overrun")]
    p50 = alt.Chart(df).mark_line(color=PALETTE[0], point=True).encode(x=x, y="p50_spend:Q", tooltip=tips)
    p80 = alt.Chart(df).mark_line(color=PALETTE[0], strokeDash=[4, 3]).encode(x=x, y="p80_spend:Q")
    budget = alt.Chart(df).mark_line(color="black").encode(x=x, y="budget:Q")
    return alt.layer(band, p50, p80, budget)


def uncertainty_frontier_chart(frontier: pd.DataFrame,
                               title: str = "Expected value against the allowed chance of overrun") -> alt.Chart:
    """Expected value by alpha: the portfolio offered (calibrated), the SAA as solved and the deterministic rule.

    Parameters
    ----------
    frontier : DataFrame
        ``alpha`` [probability], ``method`` (``offered``, ``SAA``, ``deterministic``), ``value`` [currency],
        ``p_overrun`` [probability] (validated).
    """
    df = frontier.dropna(subset=["value"]).copy()
    return alt.Chart(df, title=title).mark_line(point=True).encode(
        x=alt.X("alpha:Q", title="Allowed chance of overrunning any period [probability]", axis=alt.Axis(format="%")),
        y=alt.Y("value:Q", title="Expected value [currency]", axis=alt.Axis(format=_MONEY)),
        color=alt.Color("method:N", title=None, scale=alt.Scale(domain=["offered", "SAA", "deterministic"],
                                                                 range=[PALETTE[2], PALETTE[0], PALETTE[3]])),
        tooltip=["method", alt.Tooltip("alpha:Q", format=".0%"), alt.Tooltip("value:Q", format=",.0f"),
                 alt.Tooltip("p_overrun:Q", format=".1%", title="validated P(overrun)")])
