"""Schedule and cost risk charts. Each function takes result frames of
:class:`pmo_analytics.risk.ScheduleRiskModel` accessors and returns an Altair chart
(never displayed or saved here).

Dates on date axes: when the frames carry dates (the model has a start
date), finishes are drawn on a calendar axis; without one, in working days
from the start.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd

from . import PALETTE, axis_format, axis_title, date_axis, has_dates

__all__ = ["distribution_chart", "gantt_chart", "activity_bars", "tornado_chart", "jcl_chart", "recovery_curve_chart"]

_UNITS = {"finish": "Finish [working days from start]", "cost": axis_title("cost")}
_FINISH_DATE = "Finish date"


def _is_date(x) -> bool:
    return isinstance(x, (pd.Timestamp, dt.date, np.datetime64))


def distribution_chart(histogram: pd.DataFrame, s_curve: pd.DataFrame, percentiles: pd.DataFrame | None = None,
                       what: str = "finish", deterministic=None, title: str | None = None) -> alt.LayerChart:
    """Histogram with the cumulative S-curve on a second axis and P50/P80 markers.

    Parameters
    ----------
    histogram : DataFrame
        From ``ScheduleRiskModel.histogram(what)``.
    s_curve : DataFrame
        From ``ScheduleRiskModel.s_curve(what)``.
    percentiles : DataFrame, optional
        From ``ScheduleRiskModel.percentiles([50, 80])``; one rule per row.
    what : {"finish", "cost"}
    deterministic : float or date, optional
        The deterministic plan value, drawn as a dashed rule. For ``finish``,
        the axis is in dates when the frames carry dates (a model start date)
        and ``deterministic`` is a date or None
        (``res.to_date(res.deterministic_finish_)``); in working days from
        the start otherwise.
    """
    dates = (what == "finish" and has_dates(histogram, "bin_start_date", "bin_end_date")
             and has_dates(s_curve, "date") and (deterministic is None or _is_date(deterministic))
             and (percentiles is None or not len(percentiles) or has_dates(percentiles, "finish_date")))
    if dates:
        x_bar, x2_bar, x_curve, x_type, x_title = "bin_start_date", "bin_end_date", "date", "T", _FINISH_DATE
        tip_bin = [alt.Tooltip("bin_start_date:T", title="from", format="%Y-%m-%d"),
                   alt.Tooltip("bin_end_date:T", title="to", format="%Y-%m-%d")]
    else:
        x_bar, x2_bar, x_curve, x_type = "bin_start", "bin_end", "value", "Q"
        x_title = _UNITS.get(what, what)
        tip_bin = [alt.Tooltip("bin_start:Q", title="from", format=",.1f"),
                   alt.Tooltip("bin_end:Q", title="to", format=",.1f")]
    value_fmt = axis_format("cost") if what == "cost" else ",.1f"
    bars = alt.Chart(histogram).mark_bar(color=PALETTE[5], opacity=0.7).encode(
        x=alt.X(f"{x_bar}:{x_type}", title=x_title, bin="binned") if x_type == "Q" else
        alt.X(f"{x_bar}:T", title=x_title, axis=date_axis()),
        x2=f"{x2_bar}:{x_type}",
        y=alt.Y("probability:Q", title="Probability", axis=alt.Axis(format="%")),
        tooltip=[*tip_bin, alt.Tooltip("count:Q", title="iterations"),
                 alt.Tooltip("probability:Q", format=".1%")],
    )
    curve = alt.Chart(s_curve).mark_line(color=PALETTE[0], strokeWidth=2.5).encode(
        x=f"{x_curve}:{x_type}",
        y=alt.Y("probability:Q", title="Cumulative probability", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip(f"{x_curve}:{x_type}", title="finish" if what == "finish" else what,
                             format="%Y-%m-%d" if x_type == "T" else value_fmt),
                 alt.Tooltip("probability:Q", title="P(not later)" if what == "finish" else "P(not more)",
                             format=".0%")],
    )
    layers = [alt.layer(bars, curve).resolve_scale(y="independent")]
    if percentiles is not None and len(percentiles):
        col = "finish_date" if dates else what
        marks = percentiles[["percentile", col]].rename(columns={col: "value"}).assign(
            label=lambda d: "P" + d["percentile"].round().astype(int).astype(str))
        tip = [alt.Tooltip("label:N", title="percentile"),
               alt.Tooltip(f"value:{x_type}", title=what, format="%Y-%m-%d" if x_type == "T" else value_fmt)]
        rule = alt.Chart(marks).mark_rule(color=PALETTE[3], strokeWidth=2).encode(x=f"value:{x_type}", tooltip=tip)
        text = alt.Chart(marks).mark_text(align="left", dx=4, dy=-150, color=PALETTE[3], fontSize=13).encode(
            x=f"value:{x_type}", text="label:N")
        layers += [rule, text]
    if deterministic is not None:
        det = pd.DataFrame({"value": [pd.Timestamp(deterministic) if dates else float(deterministic)],
                            "label": ["plan"]})
        layers.append(alt.Chart(det).mark_rule(color=PALETTE[7], strokeDash=[6, 4]).encode(
            x=f"value:{x_type}", tooltip=["label:N", alt.Tooltip(f"value:{x_type}", title=what,
                                                                 format="%Y-%m-%d" if x_type == "T" else value_fmt)]))
    return alt.layer(*layers).properties(title=title or f"{what.title()} distribution and S-curve")


def gantt_chart(gantt: pd.DataFrame, title: str | None = None, top: int | None = 60) -> alt.LayerChart:
    """Probabilistic Gantt: deterministic bars with P50 and P80 finish ticks per activity.

    ``gantt`` is ``ScheduleRiskModel.gantt()`` (``activity_id``, ``name``,
    ``early_start``, ``early_finish``, ``p50_finish``, ``p80_finish``,
    ``criticality``, and the ``*_date`` columns when the model has a start
    date: then the axis is in dates). Drag to pan, wheel to zoom the time axis.
    A schedule of more than ``top`` activities shows its ``top`` most
    critical ones (ties: the later P80 finish first), in schedule order, and
    says so in the title (a real schedule of thousands of rows is no chart a
    board reads, nor one a browser draws); ``top=None`` shows every row.
    """
    n_all, shown = len(gantt), ""
    if top is not None and n_all > top:
        keep = gantt.sort_values(["criticality", "p80_finish"], ascending=False, kind="stable").index[:top]
        gantt = gantt.loc[sorted(keep)]
        shown = f" (the {top} most critical of {n_all:,} activities)"
    dates = has_dates(gantt, "early_start_date", "early_finish_date", "p50_finish_date", "p80_finish_date")
    df = gantt.assign(label=gantt["activity_id"] + " " + gantt["name"].astype(str).str.slice(0, 32))
    order = list(df["label"])
    y = alt.Y("label:N", sort=order, title=None)
    if dates:
        es, ef, p50, p80, t, x_title = ("early_start_date", "early_finish_date", "p50_finish_date",
                                        "p80_finish_date", "T", "Date")
        day = "%Y-%m-%d"
        tips = ["activity_id:N", "name:N", alt.Tooltip("early_start_date:T", title="planned start", format=day),
                alt.Tooltip("early_finish_date:T", title="planned finish", format=day),
                alt.Tooltip("p50_finish_date:T", title="P50 finish", format=day),
                alt.Tooltip("p80_finish_date:T", title="P80 finish", format=day)]
    else:
        es, ef, p50, p80, t, x_title = ("early_start", "early_finish", "p50_finish", "p80_finish", "Q",
                                        "Working days from start")
        tips = ["activity_id:N", "name:N", alt.Tooltip("early_start:Q", format=",.1f"),
                alt.Tooltip("early_finish:Q", format=",.1f"), alt.Tooltip("p50_finish:Q", format=",.1f"),
                alt.Tooltip("p80_finish:Q", format=",.1f")]
    tips.append(alt.Tooltip("criticality:Q", format=".0%"))
    zoom = alt.selection_interval(bind="scales", encodings=["x"])
    bars = alt.Chart(df).mark_bar(height=8, color=PALETTE[5]).encode(
        x=alt.X(f"{es}:{t}", title=x_title, **({"axis": date_axis()} if dates else {})), x2=f"{ef}:{t}", y=y,
        tooltip=tips).add_params(zoom)
    p50m = alt.Chart(df).mark_tick(color=PALETTE[0], thickness=3, size=14).encode(x=f"{p50}:{t}", y=y, tooltip=tips)
    p80m = alt.Chart(df).mark_tick(color=PALETTE[3], thickness=3, size=14).encode(x=f"{p80}:{t}", y=y, tooltip=tips)
    return alt.layer(bars, p50m, p80m).properties(
        title=(title or "Probabilistic Gantt: plan (bars), P50 (blue) and P80 (vermilion) finishes") + shown,
        height=max(200, 14 * len(df)))


def activity_bars(activities: pd.DataFrame, measure: str = "criticality", top: int = 15,
                  title: str | None = None) -> alt.Chart:
    """Horizontal bars of one activity measure (``criticality``, ``sensitivity`` or ``cruciality``).

    ``activities`` is a risk model's ``.ranking(measure)`` or ``.activities()``; the ``top`` largest absolute values are shown.
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

    ``tornado`` is ``ScheduleRiskModel.tornado()``; ``measure`` is
    ``finish_reduction`` [days] or ``cost_reduction`` [currency].
    """
    if measure not in ("finish_reduction", "cost_reduction"):
        raise ValueError("measure must be 'finish_reduction' or 'cost_reduction'")
    df = tornado.assign(label=tornado["risk_id"] + " " + tornado["title"].astype(str).str.slice(0, 36))
    unit = "days" if measure == "finish_reduction" else "currency"
    return alt.Chart(df).mark_bar(color=PALETTE[3]).encode(
        x=alt.X(f"{measure}:Q", title=f"P80 reduction if removed [{unit}]",
                axis=alt.Axis(format=axis_format(measure))),
        y=alt.Y("label:N", sort="-x", title=None),
        tooltip=["risk_id:N", "title:N",
                 alt.Tooltip("finish_reduction:Q", title="P80 days saved", format=",.1f"),
                 alt.Tooltip("cost_reduction:Q", title="P80 cost saved", format=",.0f")],
    ).properties(title=title or f"Risk tornado ({'schedule' if unit == 'days' else 'cost'})")


def jcl_chart(samples: pd.DataFrame, frontier: pd.DataFrame, deterministic: tuple | None = None,
              title: str | None = None) -> alt.LayerChart:
    """Joint confidence scatter of (finish, cost) with the JCL frontier line (drag to pan, wheel to zoom).

    Parameters
    ----------
    samples : DataFrame
        ``ScheduleRiskModel.samples(n)`` (``finish``, ``cost``; ``finish_date`` with a start date).
    frontier : DataFrame
        ``ScheduleRiskModel.jcl_frontier(0.7)`` (``finish``, ``budget``, ``joint_confidence``; ``finish_date``).
    deterministic : (finish, cost), optional
        The plan point; a finish date puts the chart on a date axis when the
        frames carry dates (``(res.to_date(res.deterministic_finish_), res.deterministic_cost_)``).
    """
    dates = (has_dates(samples, "finish_date") and has_dates(frontier, "finish_date")
             and (deterministic is None or _is_date(deterministic[0])))
    fx, t = ("finish_date", "T") if dates else ("finish", "Q")
    x_title = _FINISH_DATE if dates else _UNITS["finish"]
    money = axis_format("cost")
    tip_x = alt.Tooltip(f"{fx}:{t}", title="finish", format="%Y-%m-%d" if dates else ",.1f")
    pts = alt.Chart(samples).mark_circle(size=12, opacity=0.35, color=PALETTE[5]).encode(
        x=alt.X(f"{fx}:{t}", title=x_title, scale=alt.Scale(zero=False), **({"axis": date_axis()} if dates else {})),
        y=alt.Y("cost:Q", title=_UNITS["cost"], scale=alt.Scale(zero=False), axis=alt.Axis(format=money)),
        tooltip=[tip_x, alt.Tooltip("cost:Q", format=",.0f")],
    ).interactive()
    level = float(frontier["joint_confidence"].iloc[0]) if len(frontier) and "joint_confidence" in frontier else 0.7
    line = alt.Chart(frontier.rename(columns={"budget": "cost"})).mark_line(
        color=PALETTE[3], strokeWidth=3).encode(x=f"{fx}:{t}", y="cost:Q",
                                                tooltip=[tip_x, alt.Tooltip("cost:Q", title="budget",
                                                                            format=",.0f")])
    layers = [pts, line]
    if deterministic is not None:
        det = pd.DataFrame({fx: [pd.Timestamp(deterministic[0]) if dates else float(deterministic[0])],
                            "cost": [float(deterministic[1])], "label": ["plan"]})
        layers.append(alt.Chart(det).mark_point(shape="diamond", size=150, filled=True, color=PALETTE[7]).encode(
            x=f"{fx}:{t}", y="cost:Q", tooltip=["label:N", tip_x, alt.Tooltip("cost:Q", format=",.0f")]))
    return alt.layer(*layers).properties(
        title=title or f"Joint confidence: iterations and the JCL-{level:.0%} frontier")


def recovery_curve_chart(curve: pd.DataFrame, before: float | None = None, asked: float | None = None,
                         title: str | None = None) -> alt.LayerChart:
    """Cost to recover vs confidence: the cheapest crash plan at each confidence level, as validated.

    Parameters
    ----------
    curve : DataFrame
        ``Recovery.curve_``: ``confidence`` (asked), ``cost`` [currency], ``validated``,
        ``validated_lo``, ``validated_hi`` [probability, out of sample].
    before : float, optional
        Confidence without any crash [probability] (a rule at zero cost).
    asked : float, optional
        The confidence the decision asks for [probability] (a vertical rule).
    """
    df = curve.dropna(subset=["cost", "validated"])
    x = alt.X("validated:Q", title="Confidence of finishing by the commitment (validated) [probability]",
              axis=alt.Axis(format=".0%"), scale=alt.Scale(zero=False))
    y = alt.Y("cost:Q", title="Cost to recover [currency]", axis=alt.Axis(format=axis_format("cost")))
    tips = [alt.Tooltip("confidence:Q", title="asked", format=".0%"),
            alt.Tooltip("validated:Q", format=".1%"),
            alt.Tooltip("validated_lo:Q", title="interval from", format=".1%"),
            alt.Tooltip("validated_hi:Q", title="interval to", format=".1%"), alt.Tooltip("cost:Q", format=",.0f")]
    band = alt.Chart(df).mark_rule(color=PALETTE[5], strokeWidth=2).encode(x="validated_lo:Q", x2="validated_hi:Q",
                                                                           y="cost:Q")
    line = alt.Chart(df).mark_line(point=True, color=PALETTE[3]).encode(x=x, y=y, tooltip=tips)
    layers = [band, line]
    if before is not None and np.isfinite(before):
        layers.append(alt.Chart(pd.DataFrame({"validated": [float(before)], "cost": [0.0], "label": ["as planned"]}))
                      .mark_point(shape="diamond", size=120, filled=True, color=PALETTE[7])
                      .encode(x="validated:Q", y="cost:Q", tooltip=["label:N", alt.Tooltip("validated:Q",
                                                                                           format=".1%")]))
    if asked is not None:
        layers.append(alt.Chart(pd.DataFrame({"validated": [float(asked)]})).mark_rule(strokeDash=[4, 4], color="grey")
                      .encode(x="validated:Q"))
    return alt.layer(*layers).properties(title=title or "Cost to recover vs confidence")

