"""Sections of the delivery page (04): earned value and RAG, S-curves and trends, flow metrics and the
throughput forecast, and the projects to intervene on.

Earned-value sections show nothing without status reports (``dl.assessed``), flow sections nothing without
work items (``dl.focus_``).
"""

from __future__ import annotations

from ...charts import monitor as mcharts
from ...monitor import cfd, cycle_time_percentiles, cycle_times, item_age, s_curve_data
from .. import displays, narrative
from ._show import say, show, show_table

__all__ = ["rules", "evm", "rag", "evm_charts", "flow", "flow_charts", "forecast", "interventions"]

#: The earned-value columns of the table by project, where present.
EVM_COLUMNS = ["rag", "cpi", "spi_t", "tcpi_bac", "eac", "eac_p10", "eac_p90", "p_within_budget", "finish_date_p50",
               "finish_date_p90", "committed_finish"]


def rules(review) -> None:
    """The early-warning rules the RAG applies."""
    show_table(displays.rag_rules_table(review.delivery_.rules_), caption="Early-warning rules")


def evm(review) -> None:
    """Earned value by project and the status table."""
    dl = review.delivery_
    if dl.assessed:
        s = dl.summary_
        show_table(s, columns=[c for c in EVM_COLUMNS if c in s.columns], names=review.portfolio_)
        show(mcharts.status_table(s))


def rag(review) -> None:
    """Why each project is red, amber or green."""
    dl = review.delivery_
    if dl.assessed:
        say(narrative.rag_sentences(dl.summary_))


def evm_charts(review) -> None:
    """S-curves (the first project, then all) and the CPI trend against its amber and red thresholds."""
    dl = review.delivery_
    if dl.assessed:
        mon = dl.monitor_
        curves = s_curve_data(review.portfolio_.status, mon.evm_)
        show(mcharts.evm_s_curve(curves, dl.summary_.index[0]), mcharts.evm_s_curve(curves))
        cpi_rule = next(r for r in dl.rules_ if r.metric == "cpi")
        show(mcharts.performance_trend(mon.evm_, amber=cpi_rule.amber, red=cpi_rule.red))


def flow(review) -> None:
    """Flow metrics by project, or that there are no work items."""
    dl = review.delivery_
    show_table(dl.flow_) if len(dl.flow_) else say("No work items: flow metrics are not assessed.")


def flow_charts(review) -> None:
    """Cycle time, aging WIP, cumulative flow and weekly throughput of the focus project."""
    dl, items = review.delivery_, review.portfolio_.work_items
    focus = dl.focus_
    if focus is None:
        return
    data_date = dl.data_date_
    say(f"Flow charts for {focus}, data date {data_date:%Y-%m-%d}.")
    ct = cycle_times(items, focus)
    pc = cycle_time_percentiles(ct)
    show(mcharts.cycle_time_scatter(ct, pc, title=f"{focus}: cycle time"),
         mcharts.aging_wip_chart(item_age(items, data_date, focus), pc, title=f"{focus}: aging WIP"),
         mcharts.cfd_chart(cfd(items, project_id=focus), title=f"{focus}: cumulative flow"),
         mcharts.throughput_run_chart(dl.forecast_["history"], title=f"{focus}: weekly throughput"))


def forecast(review) -> None:
    """When the focus project's backlog finishes (Monte Carlo on its throughput), table and histogram."""
    dl = review.delivery_
    fc = dl.forecast_
    if fc is not None:
        say(narrative.flow_forecast_sentences(dl.focus_, fc, dl.summary_))
        show_table(fc["when"], caption="Forecast finish of the remaining backlog")
        show(mcharts.forecast_histogram(fc["forecaster"].when_trials_, fc["when"], unit="weeks",
                                        title=f"{dl.focus_}: weeks to finish the backlog"))


def interventions(review) -> None:
    """Delivery in a paragraph and the projects to intervene on, watch, or leave on track."""
    dl = review.delivery_
    say(narrative.delivery_sentences(dl.summary_))
    if dl.assessed:
        say(narrative.intervention_sentences(dl.summary_, dl.intervene_, dl.watch_, dl.on_track_))
