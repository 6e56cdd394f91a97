"""Figures that more than one page publishes, defined once.

The executive summary (00) quotes the selection (02), risk (03), delivery (04) and governance (06) pages; a
record must show the same number under the same name wherever it appears (the end-to-end review checks it).
Each function here returns ``{published name: value}`` for one stage of a fitted review, and
:func:`publish_figures` publishes them in order (:func:`pmo_analytics.records.publish.publish`), so two pages
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..tables.columns import at_level
from .publish import publish

__all__ = ["selection_figures", "risk_figures", "exposure_figure", "delivery_figures", "publish_figures",
           "risk_table_columns", "risk_exposure_columns", "risk_by_project", "uncertainty_figures",
           "benefits_figures", "governance_figures", "intake_figures", "selection_page_figures",
           "uncertainty_page_figures", "risk_page_figures", "risk_tables", "delivery_page_figures",
           "benefits_page_figures", "governance_page_figures", "publish_tables"]


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
    """``selection.feasible``, then the recommended portfolio: ``selection.status``, ``.value`` [currency],
    ``.funded``, ``.start_periods`` [period] and the projects a budget cut defers (``selection.budget_cut``, when
    the policy cuts); or ``selection.shortfall`` [currency per period] when no portfolio is feasible."""
    if not sel.feasible:
        return {"selection.feasible": False, "selection.shortfall": sel.shortfall_.set_index("period")}
    n = sel.numbers_
    out = {"selection.feasible": True, "selection.status": n["status"], "selection.value": n["value"],
           "selection.funded": n["funded"], "selection.start_periods": n["start_period"]}
    if sel.budget_cut_ is not None:
        out["selection.budget_cut"] = sel.budget_cut_changes_
    return out


def uncertainty_figures(unc) -> dict:
    """The selection under uncertainty as the summary quotes it: ``uncertainty.p_any_overrun`` [probability] of
    the recommended portfolio simulated as a whole, and ``uncertainty.funded`` (the chance-constrained
    portfolio); empty when the policy switches the stage off."""
    if unc is None:
        return {}
    out = {}
    if unc.portfolio_risk_ is not None:
        out["uncertainty.p_any_overrun"] = unc.portfolio_risk_.p_any_overrun_
    if unc.selector_ is not None:
        out["uncertainty.funded"] = sorted(unc.selector_.selected_)
    return out


def benefits_figures(bn) -> dict:
    """``benefits.at_risk``: the benefits forecast to fall short beyond the tolerance; empty without a register."""
    return {"benefits.at_risk": bn.at_risk_} if bn.assessed else {}


def governance_figures(gov) -> dict:
    """``governance.escalations``: the level each escalated project goes to, by ``project_id``."""
    return {"governance.escalations": gov.escalations_.set_index("project_id")["level"].to_dict()}


# ---------------------------------------------------------------- one page each
def intake_figures(screening) -> dict:
    """The intake page (01): AHP consistency, criterion weights, the top ten, reference-class uplifts and the
    uplifted total [currency], quadrants and the shortlist; empty when there are no proposals."""
    if screening is None:
        return {}
    out = {}
    if screening.ahp_ is not None:
        out["intake.ahp_consistency_ratio"] = screening.ahp_.consistency_ratio
    out["intake.weights"] = screening.weights_
    out["intake.top10"] = screening.scores_.head(10).index.tolist()
    if screening.uplifts_ is not None:
        out["intake.uplifts"] = screening.uplifts_["uplift"]
        out["intake.total_uplifted_cost"] = float(screening.table_["uplifted_cost"].sum())
    out["intake.quadrants"] = screening.table_["quadrant"].value_counts().sort_index()
    out["intake.shortlist"] = screening.shortlist_
    return out


def selection_page_figures(sel) -> dict:
    """The selection page's own names (02): the conflicts, spend per period [currency], bottlenecks, the budget
    frontier, what leaving a project out costs, the scenarios and the greedy rule's value."""
    out = {} if sel.feasible else {"selection.conflicts": sel.infeasible_.conflicts}
    out["selection.conflicts_without_hiring"] = sel.conflicts_without_hiring_
    if not sel.feasible:
        return out
    spend = sel.selector_.spend_
    out["selection.spend_by_period"] = spend["project_spend"] + spend["hire_spend"]
    out["selection.bottlenecks"] = sel.bottlenecks_["periods_at_capacity"]
    if sel.frontier_ is not None:
        out["selection.frontier"] = sel.frontier_.dropna(subset=["value"])[["budget_factor", "value"]]
    out["selection.explanations"] = sel.explanations_[["selected", "value_change"]]
    out["selection.scenarios"] = sel.scenarios_[["value", "value_change", "funded"]]
    out["selection.greedy_value"] = sel.selector_.greedy_.value
    return out


def uncertainty_page_figures(unc) -> dict:
    """The selection page's uncertainty tables (02): spend bands, the comparison with the deterministic rule and
    the frontier over the allowed chance of overrun."""
    if unc is None:
        return {}
    out = {}
    if unc.portfolio_risk_ is not None:
        out["uncertainty.spend"] = unc.portfolio_risk_.spend_
    if unc.selector_ is not None:
        out["uncertainty.comparison"] = unc.selector_.comparison_[
            ["value", "funded", "p_overrun", "ci_low", "ci_high", "p_bound"]]
    if unc.frontier_ is not None:
        out["uncertainty.frontier"] = unc.frontier_[["alpha", "method", "value", "p_overrun"]]
    return out


def risk_page_figures(rk) -> dict:
    """The schedule-risk page (03): failed health checks, each project's top three drivers, the mitigations
    that pay for themselves and their net saving [currency], and the cost to recover [currency]."""
    if not rk.assessed:
        return {}
    h = rk.health_
    failed = h.loc[~h["passed"]]
    out = {"risk.health_failed_checks": {pid: sorted(failed.loc[failed.project_id == pid, "check"])
                                         for pid in rk.projects_}}
    if rk.has_risks_:
        for pid, tor in rk.tornado_.items():
            if len(tor):
                out[f"risk.{pid}.top_drivers"] = list(tor.head(3)["risk_id"])
        mit = rk.mitigations_
        out["risk.mitigations_that_pay"] = sorted(mit.loc[mit["pays_for_itself"], "risk_id"])
        out["risk.mitigation_net_saving"] = {r.risk_id: round(r.net_saving, 2) for r in mit.itertuples()}
    out["risk.recovery_cost"] = {pid: round(float(v), 2)
                                 for pid, v in rk.recovery_["recovery_cost"].dropna().items()}
    return out


def risk_tables(rk) -> dict:
    """The workbook's risk tables (03): risk by project, each project's top five risks, recovery by project."""
    if not rk.assessed:
        return {}
    out = {"results.risk_by_project": risk_by_project(rk)}
    tops = [tor.head(5).assign(project_id=pid) for pid, tor in rk.tornado_.items() if len(tor)]
    if rk.has_risks_ and tops:
        out["results.top_risks"] = pd.concat(tops, ignore_index=True)[
            ["project_id", "risk_id", "title", "finish_reduction", "cost_reduction"]]
    if len(rk.recovery_):
        out["results.recovery_by_project"] = rk.recovery_
    return out


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


def delivery_page_figures(dl) -> dict:
    """The delivery page (04): projects to intervene on, the indices, EAC and its range [currency], the P50
    finish [date], and the flow forecast's P85 date for the focus project."""
    out = {}
    if dl.assessed:
        s = dl.summary_
        out = {"delivery.intervene": dl.intervene_, "delivery.indices": s[["cpi", "spi", "spi_t", "tcpi_bac"]].round(4),
               "delivery.eac": s[["eac", "eac_p10", "eac_p90", "vac"]].round(0),
               "delivery.finish_p50": s["finish_date_p50"].dt.strftime("%Y-%m-%d").to_dict()}
    if dl.forecast_ is not None:
        p85 = dl.forecast_["when"].set_index("percentile").loc[85]
        out["flow.focus_when_p85_date"] = f"{p85['date']:%Y-%m-%d}"
    return out


def benefits_page_figures(bn) -> dict:
    """The benefits page (05): realisation rate to date, forecast gap [currency], total cost of ownership and the
    lowest benefit per TCO, the reference-class uplifts to adopt and what they add to the proposals [currency]."""
    out = {}
    if bn.assessed:
        out = {"benefits.realisation_rate_to_date": bn.realisation_rate_, "benefits.forecast_gap": bn.forecast_gap_}
    if bn.tco_ is not None:
        out["support.tco"] = bn.tco_[["tco", "run_cost_total", "realised_to_date", "benefit_to_tco"]].round(4)
        out["support.lowest_benefit_to_tco"] = bn.tco_["benefit_to_tco"].idxmin()
    if bn.adopt_ is not None:
        out["lessons.uplifts"] = bn.adopt_.round(4)
    if bn.proposal_uplift_total_ is not None:
        out["lessons.proposal_cost_uplift_total"] = round(bn.proposal_uplift_total_, 2)
    return out


def governance_page_figures(gov, rk) -> dict:
    """The governance page (06): projects whose approach mismatches their profile, gate items missing per
    project, and the risk exposure it weighs escalations by (when simulated)."""
    out = {"governance.approach_mismatches": sorted(gov.approach_.loc[gov.approach_["mismatch"], "project_id"]),
           "governance.gate_items_missing": gov.by_project_.set_index("project_id")["missing"].astype(int).to_dict()}
    if rk.assessed:
        out["risk.exposure"] = exposure_figure(rk)
    return out


def publish_tables(tables: Mapping) -> None:
    """Publish every ``{name: frame}`` of ``tables`` as a result table (:func:`records.pages.publish_table`)."""
    from .pages import publish_table

    for name, frame in tables.items():
        publish_table(name, frame)


def publish_figures(figures: Mapping) -> None:
    """Publish every ``{name: value}`` of ``figures``, in order."""
    for name, value in figures.items():
        publish(name, value)
