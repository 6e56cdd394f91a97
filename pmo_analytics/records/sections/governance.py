"""Sections of the governance page (06): the NTCP diamonds, approach against profile, gate compliance,
escalations and the rules that fired."""

from __future__ import annotations

from ...charts import governance as gov_charts
from .. import displays, narrative
from ._show import say, show, show_table

__all__ = ["mismatches", "failing", "diamonds", "approach", "compliance", "gates", "escalations", "firings"]


def mismatches(review):
    """Projects whose approach does not match their NTCP profile, with name and stage."""
    gov, pf = review.governance_, review.portfolio_
    return gov.approach_[gov.approach_["mismatch"]].merge(pf.projects[["project_id", "name", "stage"]],
                                                          on="project_id")


def failing(review):
    """Projects missing evidence their stage gate requires."""
    by = review.governance_.by_project_
    return by[by["missing"] > 0]


def diamonds(review) -> None:
    """The NTCP diamond of every project past proposal."""
    p = review.portfolio_.projects
    shown = p[p["stage"] != "proposal"]["project_id"].tolist()
    show(gov_charts.diamond_chart(review.governance_.profile_, project_ids=shown))


def approach(review) -> None:
    """Approach against profile: sentences and the mismatches."""
    mism = mismatches(review)
    sentences = narrative.approach_sentences(mism, review.governance_.profile_)
    say(sentences[0])
    say(sentences[1:])
    show_table(mism[["project_id", "stage", "current_approach", "delivery", "formality", "contingency", "cadence",
                     "delivery_rule"]], names=review.portfolio_)


def compliance(review) -> None:
    """Gate compliance of every project past proposal."""
    c = review.governance_.compliance_
    show(gov_charts.compliance_heatmap(c[c["stage"] != "proposal"]))


def gates(review) -> None:
    """Gates by project and unit, and the projects missing evidence."""
    gov = review.governance_
    say(narrative.gate_sentences(gov.by_project_, gov.by_unit_))
    show_table(gov.by_unit_)
    show_table(failing(review)[["project_id", "stage", "missing", "missing_items"]], names=review.portfolio_)


def escalations(review) -> None:
    """Governance in a paragraph, what goes to the board, and the escalations above the project board."""
    gov = review.governance_
    esc = gov.escalations_
    say(narrative.governance_sentences(len(mismatches(review)), len(failing(review)), esc))
    say(narrative.board_escalation_sentences(esc))
    show(gov_charts.escalation_chart(esc[esc["level"] != "project board"], gov.as_of_))


def firings(review) -> None:
    """The escalation rules that fired, above the project board."""
    fired = review.governance_.fired_
    fired = displays.escalation_firings(fired[fired["level"] != "project board"])
    show_table(fired[["project_id", "rule_id", "signal", "why", "level", "since", "who"]], names=review.portfolio_,
               caption="The escalation rules that fired, above the project board")
