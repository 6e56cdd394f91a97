"""Figures that more than one page publishes, defined once.

The executive summary (00) quotes the selection (02), risk (03), delivery (04) and governance (06) pages; a
record must show the same number under the same name wherever it appears (the end-to-end review checks it).
Each function here returns ``{published name: value}`` for one stage of a fitted review, and
:func:`publish_figures` publishes them in order (:func:`pmo_analytics.records.publish.publish`), so two pages
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..tables.columns import at_level
from .publish import publish

__all__ = ["selection_figures", "risk_figures", "exposure_figure", "delivery_figures", "publish_figures",
           "risk_table_columns", "risk_exposure_columns", "risk_by_project"]


def risk_table_columns(confidence: float) -> list[str]:
    """Columns of the risk table every page publishes as ``risk.table``, named at the level (``p80_finish``)."""
    return list(dict.fromkeys(["p50_finish", at_level("finish", confidence), "schedule_contingency", "p50_cost",
                               at_level("cost", confidence), "cost_contingency", at_level("joint", confidence)]))


def risk_exposure_columns(confidence: float) -> list[str]:
    """Columns of the exposure every page publishes as ``risk.exposure`` (``p80_days_late``, ...)."""
    return [at_level("days_late", confidence), "cost_contingency", "jcl"]


#: The columns at the default confidence (P80), as published before the level was in the names.
RISK_TABLE = risk_table_columns(80)
RISK_EXPOSURE = risk_exposure_columns(80)


def selection_figures(sel) -> dict:
    """The recommended portfolio: ``selection.status``, ``.value`` [currency], ``.funded``, ``.start_periods``
    [period]; or ``selection.shortfall`` [currency per period] when no portfolio is feasible."""
    if not sel.feasible:
        return {"selection.shortfall": sel.shortfall_.set_index("period")}
    n = sel.numbers_
    return {"selection.status": n["status"], "selection.value": n["value"], "selection.funded": n["funded"],
            "selection.start_periods": n["start_period"]}


def risk_figures(rk) -> dict:
    """``risk.table`` (P50 and confidence-level finish [date] and cost [currency], contingencies, joint
    confidence of the level's date and cost [probability]) and ``risk.exposure`` (days late at the level [working
    days], cost contingency, JCL of commitment and estimate) per project; empty when nothing was simulated."""
    if not rk.assessed:
        return {}
    return {"risk.table": rk.table_[risk_table_columns(rk.policy.confidence)], "risk.exposure": exposure_figure(rk)}


def exposure_figure(rk):
    """``risk.exposure`` alone (governance quotes it): the exposure per project, indexed by ``project_id``."""
    return rk.exposure_.set_index("project_id")[risk_exposure_columns(rk.policy.confidence)]


def risk_by_project(rk):
    """``results.risk_by_project`` (the workbook's "Risk by project"): plan, commitment, P50 and confidence-level
    dates, lateness, contingencies and costs, and the JCL of commitment and estimate, indexed by ``project_id``."""
    c = rk.policy.confidence
    ex = rk.exposure_.set_index("project_id")
    first = ex[list(dict.fromkeys(["deterministic_finish", "p50_finish", at_level("finish", c), "committed_finish",
                                   at_level("days_late", c), "schedule_contingency"]))]
    out = first.join(rk.table_[["planned_cost", "p50_cost"]]).join(
        ex[[x for x in (at_level("cost", c), "cost_contingency", "jcl") if x not in ("p50_cost",)]])
    out.attrs["confidence"] = float(c)
    return out


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
