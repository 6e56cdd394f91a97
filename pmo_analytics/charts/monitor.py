"""Charts of delivery monitoring: EVM S-curves, performance trends, status table, flow and forecasts.

Each function takes a result frame of :mod:`pmo_analytics.monitor` and
returns an Altair chart; nothing is displayed or saved here.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import PALETTE, RAG, axis_format, axis_title, color_scale

__all__ = [
    "evm_s_curve",
    "performance_trend",
    "status_table",
    "cfd_chart",
    "cycle_time_scatter",
    "aging_wip_chart",
    "throughput_run_chart",
    "forecast_histogram",
]

_SERIES = ["PV", "EV", "AC", "EAC projection"]
_SERIES_COLORS = [PALETTE[0], PALETTE[2], PALETTE[3], PALETTE[3]]


def evm_s_curve(curves: pd.DataFrame, project_id: str | None = None, title: str | None = None):
    """PV / EV / AC S-curves with the EAC projection to the forecast finish.

    Parameters
    ----------
    curves : DataFrame
        Output of :func:`pmo_analytics.monitor.s_curve_data` (``project_id``,
        ``date``, ``series``, ``value`` [currency]).
    project_id : str, optional
        One project; default all, one panel per project.
    """
    df = curves if project_id is None else curves[curves["project_id"] == project_id]
    if df.empty:
        raise ValueError(f"no S-curve data for project {project_id!r}")
    base = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("date:T", title="Period end"),
        y=alt.Y("value:Q", title="Cumulative value [currency]", axis=alt.Axis(format=axis_format("value"))),
        color=alt.Color("series:N", scale=alt.Scale(domain=_SERIES, range=_SERIES_COLORS), title=None),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=_SERIES, range=[[1, 0], [1, 0], [1, 0], [6, 4]]),
                                  title=None),
        tooltip=["project_id:N", "series:N", "date:T", alt.Tooltip("value:Q", format=",.0f")],
    )
    if project_id is not None or df["project_id"].nunique() == 1:
        pid = df["project_id"].iloc[0]
        return base.properties(title=title or f"{pid}: earned value S-curves", width=560, height=300)
    return base.properties(width=420, height=220).facet(facet=alt.Facet("project_id:N", title=None), columns=2) \
        .resolve_scale(y="independent").properties(title=title or "Earned value S-curves")


def performance_trend(evm: pd.DataFrame, amber: float = 0.95, red: float = 0.90, title: str | None = None):
    """CPI and SPI(t) by period per project, with the amber and red thresholds as rules.

    Parameters
    ----------
    evm : DataFrame
        Output of :func:`pmo_analytics.monitor.earned_value`.
    amber, red : float
        Threshold lines (the defaults of the CPI / SPI(t) RAG rules).
    """
    long = evm.melt(id_vars=["project_id", "period_end"], value_vars=["cpi", "spi_t"],
                    var_name="index", value_name="value")
    long["index"] = long["index"].map({"cpi": "CPI", "spi_t": "SPI(t)"})
    long = long[np.isfinite(long["value"].astype(float))]
    thr = pd.DataFrame({"threshold": [1.0, amber, red], "level": ["plan", "amber", "red"]})
    panels = []
    for name in ("CPI", "SPI(t)"):
        lines = alt.Chart(long[long["index"] == name]).mark_line(point=True).encode(
            x=alt.X("period_end:T", title="Period end"),
            y=alt.Y("value:Q", title=name, scale=alt.Scale(zero=False)),
            color=alt.Color("project_id:N", scale=color_scale(evm["project_id"].unique()), title="Project"),
            tooltip=["project_id:N", "period_end:T", alt.Tooltip("value:Q", format=".3f")],
        )
        rules = alt.Chart(thr).mark_rule(strokeDash=[4, 3]).encode(
            y="threshold:Q",
            color=alt.value("#777777"),
            strokeWidth=alt.value(1.5),
            tooltip=["level:N", "threshold:Q"],
        )
        panels.append(alt.layer(rules, lines).properties(width=360, height=260, title=f"{name} trend"))
    return alt.hconcat(*panels).properties(title=title or "Cost and schedule efficiency")


def status_table(summary: pd.DataFrame, columns=("cpi", "spi_t", "tcpi_bac", "p_within_budget", "eac", "vac"),
                 title: str | None = None):
    """Portfolio status table: one row per project, RAG cell and key figures.

    Parameters
    ----------
    summary : DataFrame
        :attr:`DeliveryMonitor.table_` (indexed by ``project_id``, with
        ``rag`` and the listed columns).
    """
    s = summary.reset_index()
    fmt = {"cpi": "{:.2f}", "spi_t": "{:.2f}", "spi": "{:.2f}", "tcpi_bac": "{:.2f}", "p_within_budget": "{:.0%}",
           "p_on_time": "{:.0%}", "eac": "{:,.0f}", "vac": "{:,.0f}", "bac": "{:,.0f}"}
    rows = []
    for _, r in s.iterrows():
        rows.append({"project_id": r["project_id"], "field": "RAG", "text": str(r["rag"]).upper(), "rag": r["rag"]})
        for c in columns:
            v = r[c]
            text = fmt.get(c, "{}").format(v) if pd.notna(v) and np.isfinite(float(v)) else str(v)
            rows.append({"project_id": r["project_id"], "field": c, "text": text, "rag": "none"})
    df = pd.DataFrame(rows)
    order = ["RAG", *columns]
    rect = alt.Chart(df).mark_rect(stroke="white").encode(
        x=alt.X("field:N", sort=order, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("project_id:N", title=None),
        color=alt.Color("rag:N", scale=alt.Scale(domain=["green", "amber", "red", "none"],
                                                  range=[RAG["green"], RAG["amber"], RAG["red"], "#F2F2F2"]),
                        legend=None),
    )
    text = alt.Chart(df).mark_text(fontSize=13).encode(
        x=alt.X("field:N", sort=order), y="project_id:N", text="text:N")
    return alt.layer(rect, text).properties(width=90 * len(order), height=36 * s.shape[0],
                                            title=title or "Delivery status")


def cfd_chart(cfd: pd.DataFrame, title: str | None = None):
    """Cumulative flow diagram from :func:`pmo_analytics.monitor.cfd` (overlapping, unstacked areas)."""
    states = ["created", "started", "finished"]
    return alt.Chart(cfd).mark_area(opacity=0.85).encode(
        x=alt.X("date:T", title="Date"),
        y=alt.Y("count:Q", stack=None, title="Items (cumulative)"),
        color=alt.Color("state:N", sort=states, scale=alt.Scale(domain=states, range=[PALETTE[5], PALETTE[1], PALETTE[2]]),
                        title="Reached state"),
        order=alt.Order("state_order:Q"),
        tooltip=["date:T", "state:N", "count:Q"],
    ).transform_calculate(
        state_order="indexof(['created', 'started', 'finished'], datum.state)"
    ).properties(width=560, height=300, title=title or "Cumulative flow")


def _percentile_rules(values: pd.Series, axis: str = "y"):
    df = pd.DataFrame({"label": list(values.index), "value": values.to_numpy(float)})
    enc = {axis: alt.X("value:Q") if axis == "x" else alt.Y("value:Q")}
    rules = alt.Chart(df).mark_rule(strokeDash=[5, 3], color="#555555").encode(**enc)
    text = alt.Chart(df).mark_text(align="left", dx=4, dy=-6, color="#333333").encode(
        **enc, text="label:N") if axis == "y" else alt.Chart(df).mark_text(
        angle=0, dy=-8, align="left", dx=3, color="#333333").encode(**enc, text="label:N", y=alt.value(8))
    return rules, text


def cycle_time_scatter(cycle: pd.DataFrame, percentiles: pd.Series, title: str | None = None):
    """Cycle time of each finished item by finish date, with percentile lines.

    Parameters
    ----------
    cycle : DataFrame
        :func:`pmo_analytics.monitor.cycle_times` output.
    percentiles : Series
        :func:`pmo_analytics.monitor.cycle_time_percentiles` output (``p50`` ... [days]).
    """
    pts = alt.Chart(cycle).mark_circle(size=40, opacity=0.6).encode(
        x=alt.X("finished:T", title="Finished"),
        y=alt.Y("cycle_time:Q", title=axis_title("cycle_time")),
        color=alt.Color("type:N", title="Type") if "type" in cycle.columns else alt.value(PALETTE[0]),
        tooltip=[c for c in ("item_id:N", "type:N", "started:T", "finished:T", "cycle_time:Q")
                 if c.split(":")[0] in cycle.columns],
    )
    rules, text = _percentile_rules(percentiles.rename(lambda s: s.upper()), "y")
    return alt.layer(pts, rules, text.encode(x=alt.value(2))).properties(
        width=560, height=300, title=title or "Cycle time scatter")


def aging_wip_chart(age: pd.DataFrame, percentiles: pd.Series, title: str | None = None):
    """Age of items in progress, against the cycle-time percentiles of finished items.

    Parameters
    ----------
    age : DataFrame
        :func:`pmo_analytics.monitor.item_age` output.
    percentiles : Series
        Cycle-time percentiles [days] (the lines an item's age is compared with).
    """
    x = "type:N" if "type" in age.columns else "project_id:N"
    pts = alt.Chart(age).mark_circle(size=70).encode(
        x=alt.X(x, title=None),
        y=alt.Y("age:Q", title="Age [days]"),
        xOffset="jitter:Q",
        color=alt.Color("cycle_time_percentile:Q", title="Older than share of finished",
                        scale=alt.Scale(domain=[0, 0.5, 0.85, 1], range=[RAG["green"], RAG["green"], RAG["amber"],
                                                                         RAG["red"]])),
        tooltip=["item_id:N", "started:T", "age:Q", alt.Tooltip("cycle_time_percentile:Q", format=".0%")],
    ).transform_calculate(jitter="random()")
    rules, text = _percentile_rules(percentiles.rename(lambda s: s.upper()), "y")
    return alt.layer(pts, rules, text.encode(x=alt.value(2))).properties(
        width=420, height=300, title=title or "Aging work in progress")


def throughput_run_chart(tp: pd.DataFrame, title: str | None = None):
    """Throughput per period (zeros included) with its median as a reference line."""
    med = float(np.median(tp["throughput"]))
    line = alt.Chart(tp).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("period_start:T", title="Period start"),
        y=alt.Y("throughput:Q", title="Items finished per period"),
        tooltip=["period_start:T", "throughput:Q"],
    )
    rule = alt.Chart(pd.DataFrame({"median": [med]})).mark_rule(strokeDash=[5, 3], color="#555555").encode(
        y="median:Q", tooltip=["median:Q"])
    return alt.layer(line, rule).properties(width=560, height=260, title=title or "Throughput run chart")


def forecast_histogram(trials: np.ndarray, percentiles: pd.DataFrame, unit: str = "periods",
                       title: str | None = None):
    """Histogram of Monte Carlo forecast trials with the percentile answers as lines.

    Parameters
    ----------
    trials : array
        Trial results of :func:`forecast_when` / :func:`forecast_how_many`.
    percentiles : DataFrame
        Their percentile table (``percentile`` [%] and ``periods`` or ``items_done``).
    unit : str
        Axis label of the trial values (``"weeks"``, ``"items"`` ...).
    """
    v, c = np.unique(np.asarray(trials), return_counts=True)
    hist = pd.DataFrame({"value": v.astype(float), "share": c / c.sum()})
    x = alt.X("value:O", title=f"Result [{unit}]", sort="ascending", axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(hist).mark_bar(color=PALETTE[5]).encode(
        x=x,
        y=alt.Y("share:Q", title="Share of trials", axis=alt.Axis(format="%")),
        tooltip=["value:Q", alt.Tooltip("share:Q", format=".1%")],
    )
    # one line per distinct answer, labelled with every confidence level that gives it
    answer = "periods" if "periods" in percentiles.columns else "items_done"
    p = (percentiles.assign(value=percentiles[answer].astype(float))
         .groupby("value", sort=True)["percentile"]
         .apply(lambda q: "/".join(f"P{int(x)}" for x in q)).reset_index(name="levels"))
    p["label"] = [f"{lv}: {val:g}" for lv, val in zip(p["levels"], p["value"])]
    p["ypos"] = 12 + 16 * np.arange(len(p))
    xr = alt.X("value:O", sort="ascending", bandPosition=0.5)
    rules = alt.Chart(p).mark_rule(color=PALETTE[3], strokeDash=[5, 3], size=2).encode(x=xr, tooltip=["label:N"])
    text = alt.Chart(p).mark_text(align="left", dx=4, color="#333333").encode(
        x=xr, y=alt.Y("ypos:Q", scale=None, axis=None), text="label:N")
    return alt.layer(bars, rules, text).properties(width=560, height=260, title=title or "Forecast distribution")
