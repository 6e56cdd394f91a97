"""Sections of the selection page (02): feasibility, the funded portfolio, capacity, the budget frontier, what
leaving a project out costs, scenarios, duals, the greedy check, the selection under uncertainty, approval.

Every section after :func:`feasibility` shows nothing when no portfolio is feasible (``sel.feasible``).
"""

from __future__ import annotations

from ...charts import selection as sel_charts
from ...review import frontier_step
from .. import displays, narrative
from ..boxes import cost_basis
from ._show import not_assessed, say, show, show_table

__all__ = ["scope", "feasibility", "funded", "roadmap", "spend", "bubbles", "capacity", "frontier",
           "explanations", "scenarios", "duals", "greedy", "uncertainty", "uncertainty_frontier", "approval"]


def scope(review) -> None:
    """What was selected from (candidates, measure, cost basis) and what could not be assessed."""
    say(narrative.selection_scope_sentence(review.selection_.data_, cost_basis(review)))
    not_assessed(review, "selection")


def feasibility(review) -> None:
    """Whether the commitments fit the budget and capacity, with or without hiring; the conflicts when not."""
    sel, pol = review.selection_, review.policy
    if not sel.feasible:
        say(narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts))
        show_table(sel.shortfall_, caption="Budget against the spend the commitments cannot avoid")
    elif sel.conflicts_without_hiring_:
        say("Without hiring, no portfolio is feasible. These constraints cannot all hold: "
            + "; ".join(sel.conflicts_without_hiring_)
            + ". The recommendation below hires at the capacity table's cost.")
    else:
        say("The commitments fit within today's budget and capacity" + (" without hiring." if pol.hiring else "."))


def funded(review) -> None:
    """The funded portfolio in one sentence, and every candidate, funded first."""
    sel = review.selection_
    if not sel.feasible:
        return
    data = sel.data_
    say(narrative.funded_sentence(sel.funded_, sel.numbers_, data.n, data.value_label, sel.selector_.gap_))
    show_table(displays.candidates(sel.selector_.portfolio_), columns=[
        "selected", "start_period", "finish_period", "cost", "value", "bucket", "business_unit", "mandatory"],
        names=review.portfolio_, missing=displays.not_funded_reasons(),
        caption="Every candidate, funded first, then by value")


def roadmap(review) -> None:
    """The roadmap of the funded portfolio."""
    sel = review.selection_
    show(sel_charts.roadmap_chart(sel.selector_.portfolio_) if sel.feasible else None)


def spend(review) -> None:
    """Spend per period against the budget."""
    sel = review.selection_
    show(sel_charts.spend_chart(sel.selector_.spend_) if sel.feasible else None)


def bubbles(review) -> None:
    """Value against cost and risk (1 - probability of success) of every candidate."""
    sel = review.selection_
    if sel.feasible:
        risk = 1 - review.portfolio_.projects.set_index("project_id")["probability_of_success"]
        show(sel_charts.bubble_chart(sel.selector_.portfolio_, risk=risk))


def capacity(review) -> None:
    """Where capacity binds, and the capacity heatmap."""
    sel = review.selection_
    if sel.feasible:
        say(narrative.capacity_sentence(sel.bottlenecks_, sel.selector_.capacity_))
        show(sel_charts.capacity_heatmap(sel.selector_.capacity_))


def frontier(review) -> None:
    """Value against budget: the frontier table, its steepest step and its chart."""
    sel = review.selection_
    fr = sel.frontier_ if sel.feasible else None
    if fr is not None:
        show_table(fr[["budget_factor", "budget", "bound", "value", "funded", "entering", "leaving", "status"]])
        say(narrative.frontier_sentence(frontier_step(fr)))
        show(sel_charts.frontier_chart(fr, current_budget=float(sel.data_.budget.sum())))


def explanations(review) -> None:
    """Why each project is in or out: the value of forcing it in or out."""
    sel = review.selection_
    if sel.feasible:
        explain = sel.explanations_
        show_table(explain[["selected", "start_period", "value", "value_change", "method", "displaces", "explanation"]]
                   .sort_values(["selected", "value"], ascending=[False, False]), names=review.portfolio_)
        say(narrative.left_out_sentences(explain))


def scenarios(review) -> None:
    """The what-if scenarios beside the recommendation, and their chart."""
    sel = review.selection_
    if sel.feasible:
        show_table(sel.scenarios_)
        say(narrative.scenario_sentences(sel.scenarios_))
        show(sel_charts.scenario_chart(sel.scenarios_))


def duals(review) -> None:
    """The ten constraints whose relaxation is worth most (LP duals)."""
    sel = review.selection_
    if sel.feasible:
        d = sel.duals_
        show_table(d[d["dual"] > 1e-9].sort_values("dual", ascending=False).head(10))
        say(narrative.duals_sentence(d))


def greedy(review) -> None:
    """The optimum against the greedy ranking rule."""
    sel = review.selection_
    if sel.feasible:
        say(narrative.greedy_sentence(sel.selector_.greedy_, sel.selector_.objective_))


def uncertainty(review) -> None:
    """The recommended portfolio's spend simulated as a whole, its drivers, and the selection under uncertainty
    beside the deterministic rule (or why no portfolio meets the chance constraint)."""
    unc, pol, pf = review.uncertainty_, review.policy, review.portfolio_
    if unc is None:
        say("The policy switches the selection under uncertainty off (uncertainty = false).")
        return
    pm, us = unc.portfolio_risk_, unc.selector_
    say(narrative.uncertainty_stage_sentences(unc, pol.overrun_alpha))
    if pm is not None:
        show(sel_charts.spend_band_chart(pm.spend_))
        show_table(pm.spend_, caption="Spend per period of the recommended portfolio, simulated as a whole")
        drivers = (pm.projects_.sort_values("variance_share", ascending=False)
                   if "variance_share" in pm.projects_.columns else pm.projects_).head(5)
        show_table(drivers, names=pf, caption="Projects that drive the spread of spend")
    if us is not None:
        show_table(us.comparison_,
                   caption=f"Selection under uncertainty beside the deterministic rule, alpha {pol.overrun_alpha:g}")
    else:
        say(f"No portfolio meets the chance constraint: {unc.infeasible_}")


def uncertainty_frontier(review) -> None:
    """Expected value against the allowed chance of overrun, table and chart."""
    unc = review.uncertainty_
    fr = unc.frontier_ if unc is not None else None
    if fr is not None:
        show_table(fr, caption="Expected value against the allowed chance of overrun")
        show(sel_charts.uncertainty_frontier_chart(fr))


def approval(review) -> None:
    """The decision asked of the board: the discretionary projects to approve, or the conflicts to resolve."""
    sel = review.selection_
    if sel.feasible:
        chosen = sel.funded_
        say(narrative.approval_sentence(chosen, sel.numbers_, sel.data_.value_label))
        show_table(chosen[~chosen["mandatory"]][["start_period", "bucket", "value", "cost"]], names=review.portfolio_,
                   caption="The discretionary projects to approve")
    else:
        say("No portfolio can be recommended: the board must first resolve the conflicts stated above "
            "(more budget in the short periods, fewer commitments, or later starts).")
