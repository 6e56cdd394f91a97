"""Figures that more than one page publishes, defined once.

The executive summary (00) quotes the selection (02), risk (03), delivery (04) and governance (06) pages; a
record must show the same number under the same name wherever it appears (the end-to-end review checks it).
Each function here returns ``{published name: value}`` for one stage of a fitted review, and
:func:`publish_figures` publishes them in order (:func:`pmo_analytics.records.publish.publish`), so two pages
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from .publish import publish

__all__ = ["selection_figures", "risk_figures", "exposure_figure", "delivery_figures", "publish_figures"]

#: Columns of the risk table every page publishes as ``risk.table``.
RISK_TABLE = ["p50_finish", "pc_finish", "schedule_contingency", "p50_cost", "pc_cost", "cost_contingency", "jcl"]
#: Columns of the exposure every page publishes as ``risk.exposure``.
RISK_EXPOSURE = ["p80_days_late", "cost_contingency", "jcl"]


def selection_figures(sel) -> dict:
    """The recommended portfolio: ``selection.status``, ``.value`` [currency], ``.funded``, ``.start_periods``
    [period]; or ``selection.shortfall`` [currency per period] when no portfolio is feasible."""
    if not sel.feasible:
        return {"selection.shortfall": sel.shortfall_.set_index("period")}
    n = sel.numbers_
    return {"selection.status": n["status"], "selection.value": n["value"], "selection.funded": n["funded"],
            "selection.start_periods": n["start_period"]}


def risk_figures(rk) -> dict:
    """``risk.table`` (P50 and confidence-level finish [date] and cost [currency], contingencies, JCL
    [probability]) and ``risk.exposure`` (days late at P80 [working days], cost contingency, JCL) per project;
    empty when nothing was simulated."""
    if not rk.assessed:
        return {}
    return {"risk.table": rk.table_[RISK_TABLE], "risk.exposure": exposure_figure(rk)}


def exposure_figure(rk):
    """``risk.exposure`` alone (governance quotes it): the exposure per project, indexed by ``project_id``."""
    return rk.exposure_.set_index("project_id")[RISK_EXPOSURE]


def delivery_figures(dl) -> dict:
    """``delivery.rag`` and ``delivery.p_within_budget`` [probability, 4 decimals] per project; empty without
    status reports."""
    if not dl.assessed:
        return {}
    return {"delivery.rag": dl.summary_["rag"].to_dict(),
            "delivery.p_within_budget": dl.summary_["p_within_budget"].round(4).to_dict()}


def publish_figures(figures: Mapping) -> None:
    """Publish every ``{name: value}`` of ``figures``, in order."""
    for name, value in figures.items():
        publish(name, value)
