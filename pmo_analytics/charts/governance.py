"""Governance charts: NTCP diamonds, compliance heatmap, escalations."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from . import PALETTE, RAG

__all__ = ["diamond_chart", "compliance_heatmap", "escalation_chart"]

# Shenhar & Dvir draw the diamond with Novelty up, Technology right, Complexity down, Pace left.
_AXES = {"novelty": 90.0, "technology": 0.0, "complexity": 270.0, "pace": 180.0}
_N_LEVELS = {"novelty": 3, "technology": 4, "complexity": 3, "pace": 4}


def diamond_chart(profile: pd.DataFrame, project_ids=None, columns: int = 4) -> alt.Chart:
    """The NTCP diamond of each project (small multiples).

    Parameters
    ----------
    profile : DataFrame
        :func:`pmo_analytics.governance.classify` output (levels and ranks).
    project_ids : list, optional
        Projects to draw (default: all classified).
    columns : int
        Diamonds per row.

    Each vertex lies on its dimension's axis at distance (rank + 1) / levels,
    so a bigger diamond is a riskier project that needs a more adaptive,
    more formal, faster approach.
    """
    p = profile[profile["classified"]]
    if project_ids is not None:
        p = p[p["project_id"].isin(project_ids)]
    rows = []
    dims = list(_AXES) + ["novelty"]  # close the polygon
    for rec in p.to_dict("records"):
        for series in ("highest levels", "project"):
            for order, dim in enumerate(dims):
                r = 1.0 if series == "highest levels" else (int(rec[f"{dim}_rank"]) + 1) / _N_LEVELS[dim]
                a = math.radians(_AXES[dim])
                rows.append({"project_id": rec["project_id"], "series": series, "order": order, "dimension": dim,
                             "level": rec[dim] if series == "project" else "", "x": r * math.cos(a),
                             "y": r * math.sin(a)})
    df = pd.DataFrame(rows, columns=["project_id", "series", "order", "dimension", "level", "x", "y"])
    scale = alt.Scale(domain=[-1.05, 1.05])
    base = alt.Chart(df).encode(
        x=alt.X("x:Q", scale=scale, axis=None), y=alt.Y("y:Q", scale=scale, axis=None),
        detail="series:N", order="order:O", tooltip=["project_id", "dimension", "level"])
    return (base.mark_line(point=True, strokeWidth=2).encode(
                color=alt.Color("series:N", title="", scale=alt.Scale(domain=["project", "highest levels"],
                                                                      range=[PALETTE[0], "#BBBBBB"])),
                strokeDash=alt.StrokeDash("series:N", legend=None,
                                          scale=alt.Scale(domain=["project", "highest levels"],
                                                          range=[[1, 0], [4, 3]])))
            .properties(width=150, height=150)
            .facet(facet=alt.Facet("project_id:N", title=None), columns=columns,
                   title="NTCP diamonds (N up, T right, C down, P left; larger = more uncertain, faster, bigger)"))


def compliance_heatmap(compliance: pd.DataFrame) -> alt.Chart:
    """Project × gate item: evidence present, missing or not assessed.

    Parameters
    ----------
    compliance : DataFrame
        :func:`pmo_analytics.governance.gate_compliance` output.
    """
    df = compliance.assign(result=compliance["passed"].map({True: "present", False: "missing"}).fillna(
        "not assessed"))
    return alt.Chart(df, title="Stage-gate evidence by project").mark_rect(stroke="white").encode(
        x=alt.X("item:N", title="gate item", sort=list(dict.fromkeys(df["item"]))),
        y=alt.Y("project_id:N", title="project"),
        color=alt.Color("result:N", title="evidence",
                        scale=alt.Scale(domain=["present", "missing", "not assessed"],
                                        range=[RAG["green"], RAG["red"], "#BBBBBB"])),
        tooltip=["project_id", "name", "gate", "item", "description", "result", "detail"],
    )


def escalation_chart(escalations: pd.DataFrame, as_of) -> alt.Chart:
    """Escalated projects: a bar from when the condition started to the data date, coloured by level.

    Parameters
    ----------
    escalations : DataFrame
        :func:`pmo_analytics.governance.escalation_list` output.
    as_of : date
        The data date (bar end).
    """
    df = escalations.assign(until=pd.Timestamp(as_of))
    levels = ["project board", "PMO", "portfolio board"]
    base = alt.Chart(df, title="Escalations: since when, and to whom").encode(
        y=alt.Y("project_id:N", title="project", sort=alt.EncodingSortField("since")),
        color=alt.Color("level:N", title="escalate to",
                        scale=alt.Scale(domain=levels, range=[RAG["amber"], PALETTE[0], RAG["red"]])),
        tooltip=["project_id", "name", "who", "level", alt.Tooltip("since:T"), "reasons"],
    )
    bars = base.mark_bar(height=12).encode(x=alt.X("since:T", title="condition holding since"), x2="until:T")
    starts = base.mark_point(filled=True, size=80).encode(x="since:T")  # visible even when it started today
    return bars + starts
