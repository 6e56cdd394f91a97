"""Charts for intake screening: driver weights, score contributions, value vs risk."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

__all__ = ["weights_chart", "score_chart", "value_risk_chart"]

_QUADRANT_COLORS = {"pursue": PALETTE[2], "review risk": PALETTE[1], "quick win": PALETTE[0], "avoid": PALETTE[3]}


def _driver_name(code) -> str:
    """A criterion code as a legend reads it: ``strategic_fit`` -> ``Strategic fit`` (a code with capitals or
    spaces is the user's own spelling, kept)."""
    text = str(code)
    if text == text.lower() and " " not in text:
        text = text.replace("_", " ").strip()
        return text[:1].upper() + text[1:]
    return text


def weights_chart(weights: pd.Series, title: str = "Driver weights") -> alt.Chart:
    """Bar chart of driver weights (a Series indexed by criterion, e.g. ``IntakeScreening.weights_``)."""
    df = pd.DataFrame({"criterion": [_driver_name(c) for c in weights.index.astype(str)],
                       "weight": weights.to_numpy(dtype=float)})
    return alt.Chart(df, title=title).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("weight:Q", title="weight", axis=alt.Axis(format="%")),
        y=alt.Y("criterion:N", sort="-x", title=None),
        tooltip=["criterion", alt.Tooltip("weight:Q", format=".3f")],
    )


def score_chart(scores: pd.DataFrame, top: int | None = 25, title: str = "Weighted score by driver") -> alt.Chart:
    """Stacked bars of each project's weighted score by driver (output of ``weighted_scores``)."""
    s = scores if top is None else scores.head(top)
    drivers = [c for c in s.columns if c not in ("score", "rank")]
    long = s[drivers].reset_index().melt(id_vars="project_id", var_name="criterion", value_name="contribution")
    long["criterion"] = long["criterion"].map(_driver_name)
    order = s.index.astype(str).tolist()
    return alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("contribution:Q", title="weighted score", stack="zero"),
        y=alt.Y("project_id:N", sort=order, title=None),
        color=alt.Color("criterion:N", title="driver"),
        tooltip=["project_id", "criterion", alt.Tooltip("contribution:Q", format=".3f")],
    )


def value_risk_chart(table: pd.DataFrame, title: str = "Value vs risk") -> alt.Chart:
    """Bubble chart of the screening table: risk-adjusted benefit vs probability of failure.

    ``table`` is ``IntakeScreening.table_`` (or ``value_proposition``): x = ``risk``, y =
    ``risk_adjusted_benefit`` [currency], size = cost, colour = quadrant.
    """
    cost_col = "uplifted_cost" if "uplifted_cost" in table else "cost"
    df = table.reset_index()
    df = df.assign(cost_=df[cost_col].astype(float))
    keys = list(_QUADRANT_COLORS)
    return alt.Chart(df, title=title).mark_circle(opacity=0.75, stroke="black", strokeWidth=0.5).encode(
        x=alt.X("risk:Q", title="probability of failure", axis=alt.Axis(format="%")),
        y=alt.Y("risk_adjusted_benefit:Q", title="risk-adjusted benefit [currency]"),
        size=alt.Size("cost_:Q", title="cost [currency]"),
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=keys, range=[_QUADRANT_COLORS[k] for k in keys])),
        tooltip=["project_id", "name", "bucket", "quadrant", alt.Tooltip("risk_adjusted_benefit:Q", format=",.0f"),
                 alt.Tooltip("cost_:Q", format=",.0f", title="cost")],
    )
