"""Sections of the benefits and lessons page (05): realisation, promised against delivered, the register,
total cost of ownership, lessons learned and the uplifts to adopt."""

from __future__ import annotations

from ...benefits import benefits_by_period, outturn_ratios
from ...charts import benefits as bcharts
from .. import displays, narrative
from ._show import say, show, show_table

__all__ = ["realisation", "promised", "register", "tco", "lessons", "proposal_uplift", "decision"]

#: The register's columns shown by benefit.
REGISTER_COLUMNS = ["benefit_id", "project_id", "owner", "is_disbenefit", "planned_to_date", "realised_to_date",
                    "realisation_rate", "performance_to_date", "forecast_total", "shortfall", "status"]


def realisation(review) -> None:
    """Each benefit's realisation to date and forecast, its status chart and realisation by period."""
    bn = review.benefits_
    if bn.assessed:
        show_table(displays.benefits_table(bn.realisation_)[REGISTER_COLUMNS], names=review.portfolio_)
        show(bcharts.benefits_status_chart(bn.realisation_),
             bcharts.realisation_chart(benefits_by_period(review.portfolio_.benefits, by="project")))


def promised(review) -> None:
    """Benefits promised against delivered, by project."""
    bn = review.benefits_
    if bn.assessed:
        show_table(displays.benefits_table(bn.promised_), names=review.portfolio_)
        show(bcharts.promised_vs_delivered_chart(bn.promised_))


def register(review) -> None:
    """Benefits in a paragraph, and the register's realisation and forecast gap."""
    bn = review.benefits_
    say(narrative.benefits_sentences(bn.promised_))
    if bn.assessed:
        say(narrative.register_sentences(bn.promised_, bn.realisation_, bn.forecast_gap_))


def tco(review) -> None:
    """Total cost of ownership against benefits (with a support table)."""
    t = review.benefits_.tco_
    if t is not None:
        show_table(t, names=review.portfolio_)
        show(bcharts.tco_chart(t))
        say(narrative.tco_sentences(t))


def lessons(review) -> None:
    """Outturn against estimate by reference class, the uplifts to adopt and HM Treasury's."""
    bn = review.benefits_
    if bn.lessons_ is not None:
        show_table(bn.lessons_)
        show(bcharts.reference_class_chart(outturn_ratios(review.portfolio_.history), bn.lessons_))
        show_table(bn.adopt_, caption="Uplifts to adopt")
        show_table(bn.hmt_, caption="Against HM Treasury's optimism-bias uplifts")


def proposal_uplift(review) -> None:
    """The uplift each proposal would carry, or that it is not assessed."""
    bn = review.benefits_
    if bn.proposal_uplift_ is not None:
        show_table(bn.proposal_uplift_)
    else:
        say("No proposals or no history: not assessed.")


def decision(review) -> None:
    """The lessons to adopt and what they add to the proposals, and the benefits decision."""
    bn = review.benefits_
    if bn.adopt_ is not None:
        say(narrative.lessons_sentences(bn.adopt_, bn.proposal_uplift_total_,
                                        getattr(bn, "proposal_estimated_total_", None), review.policy.p_label))
    if bn.assessed:
        say(narrative.benefits_decision_sentence(len(bn.at_risk_), bn.tco_))
