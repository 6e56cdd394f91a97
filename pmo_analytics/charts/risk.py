"""Schedule and cost risk charts. Each function takes result frames of
:class:`pmo_analytics.risk.RiskResult` accessors and returns an Altair chart
(never displayed or saved here)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import PALETTE

__all__ = ["distribution_chart", "gantt_chart", "activity_bars", "tornado_chart", "jcl_chart"]

_UNITS = {"finish": "Finish [working days from start]", "cost": "Cost [currency]"}


def distribution_chart(histogram: pd.DataFrame, s_curve: pd.DataFrame, percentiles: pd.DataFrame | None = None,
                       what: str = "finish", deterministic: float | None = None,
                       title: str | None = None) -> alt.LayerChart:
    """Histogram with the cumulative S-curve on a second axis and P50/P80 markers.

    Parameters
    ----------
    histogram : DataFrame
        From ``RiskResult.histogram(what)``.
    s_curve : DataFrame
        From ``RiskResult.s_curve(what)``.
    percentiles : DataFrame, optional
        From ``RiskResult.percentiles([50, 80])``; one rule per row.
    what : {"finish", "cost"}
    deterministic : float, optional
        The deterministic plan value, drawn as a dashed rule.
    """
    x_title = _UNITS.get(what, what)
    bars = alt.Chart(histogram).mark_bar(color=PALETTE[5], opacity=0.7).encode(
        x=alt.X("bin_start:Q", title=x_title, bin="binned"),
        x2="bin_end:Q",
        y=alt.Y("probability:Q", title="Probability", axis=alt.Axis(format="%")),
        tooltip=["bin_start:Q", "bin_end:Q", "count:Q"],
    )
    curve = alt.Chart(s_curve).mark_line(color=PALETTE[0], strokeWidth=2.5).encode(
        x="value:Q",
        y=alt.Y("probability:Q", title="Cumulative probability", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
    )
    layers = [alt.layer(bars, curve).resolve_scale(y="independent")]
    if percentiles is not None and len(percentiles):
        marks = percentiles[["percentile", what]].rename(columns={what: "value"}).assign(
            label=lambda d: "P" + d["percentile"].round().astype(int).astype(str))
        rule = alt.Chart(marks).mark_rule(color=PALETTE[3], strokeWidth=2).encode(x="value:Q",
                                                                                 tooltip=["label:N", "value:Q"])
        text = alt.Chart(marks).mark_text(align="left", dx=4, dy=-150, color=PALETTE[3], fontSize=13).encode(
            x="value:Q", text="label:N")
        layers += [rule, text]
    if deterministic is not None:
        det = pd.DataFrame({"value": [float(deterministic)], "label": ["plan"]})
        layers.append(alt.Chart(det).mark_rule(color=PALETTE[7], strokeDash=[6, 4]).encode(
            x="value:Q", tooltip=["label:N", "value:Q"]))
    return alt.layer(*layers).properties(title=title or f"{what.title()} distribution and S-curve")


def gantt_chart(gantt: pd.DataFrame, title: str | None = None) -> alt.LayerChart:
    """Probabilistic Gantt: deterministic bars with P50 and P80 finish ticks per activity.

    ``gantt`` is ``RiskResult.gantt()`` (``activity_id``, ``name``,
    ``early_start``, ``early_finish``, ``p50_finish``, ``p80_finish``,
    ``criticality``).
    """
    df = gantt.assign(label=gantt["activity_id"] + " " + gantt["name"].astype(str).str.slice(0, 32))
    order = list(df["label"])
    y = alt.Y("label:N", sort=order, title=None)
    bars = alt.Chart(df).mark_bar(height=8, color=PALETTE[5]).encode(
        x=alt.X("early_start:Q", title="Working days from start"), x2="early_finish:Q", y=y,
        tooltip=["activity_id:N", "name:N", "early_start:Q", "early_finish:Q", "p50_finish:Q", "p80_finish:Q",
                 alt.Tooltip("criticality:Q", format=".0%")])
    p50 = alt.Chart(df).mark_tick(color=PALETTE[0], thickness=3, size=14).encode(x="p50_finish:Q", y=y)
    p80 = alt.Chart(df).mark_tick(color=PALETTE[3], thickness=3, size=14).encode(x="p80_finish:Q", y=y)
    return alt.layer(bars, p50, p80).properties(
        title=title or "Probabilistic Gantt: plan (bars), P50 (blue) and P80 (vermilion) finishes",
        height=max(200, 14 * len(df)))


def activity_bars(activities: pd.DataFrame, measure: str = "criticality", top: int = 15,
                  title: str | None = None) -> alt.Chart:
    """Horizontal bars of one activity measure (``criticality``, ``sensitivity`` or ``cruciality``).

    ``activities`` is ``RiskResult.criticality()``, ``.sensitivity()`` or
    ``.activities().reset_index()``; the ``top`` largest absolute values are shown.
    """
    if measure not in activities.columns:
        raise ValueError(f"column {measure!r} not in the frame: {list(activities.columns)}")
    df = activities.assign(_abs=activities[measure].abs()).nlargest(top, "_abs").drop(columns="_abs")
    df = df.assign(label=df["activity_id"] + " " + df["name"].astype(str).str.slice(0, 32))
    fmt = ".0%" if measure == "criticality" else ".2f"
    return alt.Chart(df).mark_bar(color=PALETTE[0]).encode(
        x=alt.X(f"{measure}:Q", title=measure.title(), axis=alt.Axis(format=fmt)),
        y=alt.Y("label:N", sort="-x", title=None),
        tooltip=["activity_id:N", "name:N", alt.Tooltip(f"{measure}:Q", format=fmt)],
    ).properties(title=title or f"{measure.title()} by activity (top {len(df)})")


def tornado_chart(tornado: pd.DataFrame, measure: str = "finish_reduction", title: str | None = None) -> alt.Chart:
    """Risk tornado: the P80 reduction when each risk is removed, largest on top.

    ``tornado`` is ``RiskResult.tornado()``; ``measure`` is
    ``finish_reduction`` [days] or ``cost_reduction`` [currency].
    """
    if measure not in ("finish_reduction", "cost_reduction"):
        raise ValueError("measure must be 'finish_reduction' or 'cost_reduction'")
    df = tornado.assign(label=tornado["risk_id"] + " " + tornado["title"].astype(str).str.slice(0, 36))
    unit = "days" if measure == "finish_reduction" else "currency"
    return alt.Chart(df).mark_bar(color=PALETTE[3]).encode(
        x=alt.X(f"{measure}:Q", title=f"P80 reduction if removed [{unit}]"),
        y=alt.Y("label:N", sort="-x", title=None),
        tooltip=["risk_id:N", "title:N", "finish_reduction:Q", "cost_reduction:Q"],
    ).properties(title=title or f"Risk tornado ({'schedule' if unit == 'days' else 'cost'})")


def jcl_chart(samples: pd.DataFrame, frontier: pd.DataFrame, deterministic: tuple | None = None,
              title: str | None = None) -> alt.LayerChart:
    """Joint confidence scatter of (finish, cost) with the JCL frontier line.

    Parameters
    ----------
    samples : DataFrame
        ``RiskResult.samples(n)`` (``finish``, ``cost``).
    frontier : DataFrame
        ``RiskResult.jcl_frontier(0.7)`` (``finish``, ``budget``, ``level``).
    deterministic : (finish, cost), optional
        The plan point.
    """
    pts = alt.Chart(samples).mark_circle(size=12, opacity=0.35, color=PALETTE[5]).encode(
        x=alt.X("finish:Q", title=_UNITS["finish"], scale=alt.Scale(zero=False)),
        y=alt.Y("cost:Q", title=_UNITS["cost"], scale=alt.Scale(zero=False)),
    )
    level = float(frontier["level"].iloc[0]) if len(frontier) and "level" in frontier else 0.7
    line = alt.Chart(frontier.rename(columns={"budget": "cost"})).mark_line(
        color=PALETTE[3], strokeWidth=3).encode(x="finish:Q", y="cost:Q",
                                                tooltip=["finish:Q", alt.Tooltip("cost:Q", format=",.0f")])
    layers = [pts, line]
    if deterministic is not None:
        det = pd.DataFrame({"finish": [float(deterministic[0])], "cost": [float(deterministic[1])],
                            "label": ["plan"]})
        layers.append(alt.Chart(det).mark_point(shape="diamond", size=150, filled=True, color=PALETTE[7]).encode(
            x="finish:Q", y="cost:Q", tooltip=["label:N", "finish:Q", "cost:Q"]))
    return alt.layer(*layers).properties(
        title=title or f"Joint confidence: iterations and the JCL-{level:.0%} frontier")
