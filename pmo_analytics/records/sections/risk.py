"""Sections of the schedule-risk page (03): schedule health, the risk table, finish and joint-confidence
charts, tornadoes, criticality, mitigations and recovery.

Every section after :func:`simulated` shows nothing when no project was simulated (``rk.assessed``).
"""

from __future__ import annotations

from ...charts import risk as risk_charts
from .. import displays, narrative
from ._show import not_assessed, say, show, show_table

__all__ = ["simulated", "health", "table", "finish_charts", "joint_confidence", "tornadoes", "criticality",
           "mitigations", "recovery"]


def simulated(review) -> None:
    """What was simulated (projects, iterations, correlation) and what could not be."""
    rk, pol = review.risk_, review.policy
    say(narrative.simulated_sentence(rk.projects_, pol.iterations, pol.group_correlation))
    not_assessed(review, "risk")


def health(review) -> None:
    """Schedule health checks by project, the failed ones, and what they mean for the simulation."""
    rk = review.risk_
    if not rk.assessed:
        return
    h = rk.health_
    show_table(h.pivot(index="check", columns="project_id", values="passed"), caption="Checks passed, by project")
    show_table(h.loc[~h["passed"], ["project_id", "check", "description", "value", "threshold", "activities"]],
               caption="Failed checks")
    say([f"{pid}: {w}" for pid, ws in rk.health_warnings_.items() for w in ws])
    # a simulation rests on sound logic (no open ends, no dangling logic, a continuous critical path): say so where not
    say(narrative.logic_sentences(h))
    say(narrative.invalid_date_sentences(h))  # DCMA check 9: actual dates after the data date, forecasts before it


def table(review) -> None:
    """The risk table: dates and costs at P50 and the review's level, contingencies, events, exposure."""
    rk, p = review.risk_, review.policy.p_label
    if not rk.assessed:
        return
    t = rk.table_
    show_table(t.drop(columns=["name"]), names=review.portfolio_)
    say(narrative.contingency_sentences(t, p))
    say(narrative.event_sentences(rk.events_))  # branches, risk calendars, conditional risks
    say(narrative.risk_sentences(t, rk.exposure_, p)[1:])


def finish_charts(review) -> None:
    """Finish distribution and S-curve of the most exposed projects."""
    rk, pol = review.risk_, review.policy
    if not rk.assessed:
        return
    say(narrative.chart_scope_sentences(rk.chart_projects_, rk.projects_, pol.p_label))
    for pid in rk.chart_projects_:
        res = rk.results_[pid]
        show(risk_charts.distribution_chart(res.histogram("finish"), res.s_curve("finish"),
                                            res.percentiles([50, pol.confidence]), "finish",
                                            deterministic=res.to_date(res.deterministic_finish_),
                                            title=f"{pid}: finish distribution and S-curve"))


def joint_confidence(review) -> None:
    """Milestone dates by percentile, and the joint confidence in date and cost of the most exposed projects."""
    rk, pol = review.risk_, review.policy
    if not rk.assessed:
        return
    if len(rk.milestones_):
        show_table(displays.milestone_table(rk.milestones_), caption="Milestone finish dates by percentile")
    for pid in rk.chart_projects_:
        res = rk.results_[pid]
        if not res.cost_assessed_:
            say(f"{pid}: its schedule and risks carry no cost, so its joint confidence in date and cost is not "
                "assessed.")
            continue
        fr = res.jcl_frontier(pol.jcl_level)
        show(risk_charts.jcl_chart(res.samples(1500), fr, (res.to_date(res.deterministic_finish_),
                                                           res.deterministic_cost_),
                                   title=f"{pid}: joint confidence, JCL-{pol.jcl_level:.0%} frontier"))


def tornadoes(review) -> None:
    """Each project's risk tornado (charts for the most exposed) and its top driver, or that there is no
    register."""
    rk, p = review.risk_, review.policy.p_label
    if rk.assessed and rk.has_risks_:
        for pid, tor in rk.tornado_.items():
            if len(tor) and pid in rk.chart_projects_:
                show(risk_charts.tornado_chart(tor, "finish_reduction", title=f"{pid}: risk tornado ({p} days)"))
            say(narrative.top_driver_sentence(pid, tor, p))
    elif rk.assessed:
        say("No risk register: the tornado and the mitigations are not assessed; only duration uncertainty is "
            "simulated.")


def criticality(review) -> None:
    """Criticality index and probabilistic Gantt of the first project."""
    rk = review.risk_
    if rk.assessed:
        first = rk.results_[rk.projects_[0]]
        show(risk_charts.activity_bars(first.ranking("criticality"), "criticality",
                                       title=f"{rk.projects_[0]}: criticality index"))
        show(risk_charts.gantt_chart(first.gantt(), title=f"{rk.projects_[0]}: probabilistic Gantt"))


def mitigations(review) -> None:
    """Each mitigation's cost against the exposure it removes."""
    rk = review.risk_
    if rk.assessed and rk.has_risks_:
        mit = rk.mitigations_
        show_table(mit[["project_id", "risk_id", "mitigation", "mitigation_cost", "exposure_reduction", "net_saving",
                        "finish_reduction", "pays_for_itself"]], names=review.portfolio_)
        say(narrative.mitigation_sentences(mit, review.policy.p_label))


def recovery(review) -> None:
    """What recovering each late project's commitment would cost, its crash plans and cost-confidence curves."""
    rk, pol = review.risk_, review.policy
    if not rk.assessed:
        return
    rec = rk.recovery_
    if len(rec):
        show_table(rec, names=review.portfolio_)
    say(narrative.recovery_sentences(rec, pol.p_label, rk.recovery_validation))
    for pid, r in rk.recoveries_.items():
        if pid not in rk.chart_projects_:
            continue  # the table above has every project; plans and curves of the most exposed
        if r.feasible_:
            show_table(r.crashed_, caption=f"{pid}: crash plan")
        if len(r.curve_):
            show(risk_charts.recovery_curve_chart(r.curve_, r.confidence_before_, pol.confidence / 100,
                                                  title=f"{pid}: cost to recover vs confidence"))
