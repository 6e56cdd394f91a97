"""Sections of the executive summary (00): one short paragraph and one chart per stage of the review."""

from __future__ import annotations

from ...charts import benefits as ben_charts
from ...charts import governance as gov_charts
from ...charts import monitor as mon_charts
from ...charts import portfolio as portfolio_charts
from ...charts import selection as sel_charts
from .. import narrative
from ._show import not_assessed, say, show

__all__ = ["pipeline", "selection", "uncertainty", "risk", "delivery", "benefits", "governance", "budget_cut"]


def pipeline(review) -> None:
    """The pipeline of proposals against the budget, and its chart (when there are proposals)."""
    pf = review.portfolio_
    say(narrative.pipeline_sentences(pf.projects, pf.budget))
    proposals = pf.projects_in("proposal")
    show(portfolio_charts.pipeline_chart(proposals) if len(proposals) else None)


def selection(review) -> None:
    """The recommended portfolio and its roadmap, or why none is feasible."""
    sel = review.selection_
    if sel.feasible:
        say(narrative.portfolio_sentences(sel.numbers_, sel.selector_.portfolio_))
        show(sel_charts.roadmap_chart(sel.selector_.portfolio_))
    else:
        say(narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts))


def uncertainty(review) -> None:
    """The recommended portfolio's spend simulated as a whole, and the selection under uncertainty (when the
    policy runs it and a portfolio is feasible)."""
    unc = review.uncertainty_
    if unc is not None and unc.portfolio_risk_ is not None:
        say(narrative.uncertainty_stage_sentences(unc, review.policy.overrun_alpha))


def risk(review) -> None:
    """Schedule and cost exposure, what recovery would cost, what was not simulated, and the exposure chart."""
    rk, p = review.risk_, review.policy.p_label
    say(narrative.risk_sentences(rk.table_, rk.exposure_, p))
    say(narrative.recovery_sentences(rk.recovery_, p, rk.recovery_validation) if rk.assessed else [])
    not_assessed(review, "risk")
    show(portfolio_charts.exposure_chart(rk.exposure_) if rk.assessed else None)


def delivery(review) -> None:
    """RAG status in delivery and the status table (with status reports)."""
    dl = review.delivery_
    say(narrative.delivery_sentences(dl.summary_))
    show(mon_charts.status_table(dl.summary_) if dl.assessed else None)


def benefits(review) -> None:
    """Benefits promised against delivered, and the chart (with a benefits register)."""
    bn = review.benefits_
    say(narrative.benefits_sentences(bn.promised_))
    show(ben_charts.promised_vs_delivered_chart(bn.promised_) if bn.assessed else None)


def governance(review) -> None:
    """Approach mismatches, gates with missing evidence, escalations, and the escalations above the project
    board."""
    gov = review.governance_
    say(narrative.governance_sentences(int(gov.approach_["mismatch"].sum()),
                                       int((gov.by_project_["missing"] > 0).sum()), gov.escalations_))
    show(gov_charts.escalation_chart(gov.escalations_[gov.escalations_["level"] != "project board"], gov.as_of_))


def budget_cut(review) -> None:
    """What the policy's budget cut would defer (the static record's what-if)."""
    sel, pol = review.selection_, review.policy
    if sel.feasible and sel.budget_cut_ is not None:
        say(narrative.budget_cut_sentence(pol.budget_cut, sel.budget_cut_changes_, sel.numbers_["value"]))
    elif sel.feasible:
        say("The policy shows no budget-cut scenario (budget_cut = 0).")
