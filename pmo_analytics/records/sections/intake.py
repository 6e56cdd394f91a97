"""Sections of the intake page (01): weights, scores, reference-class uplifts, quadrants, the shortlist.

Every section shows nothing when there are no proposals (``review.screening_`` is None); the first says so.
"""

from __future__ import annotations

from ...charts import intake as intake_charts
from .. import narrative
from ._show import say, show, show_table

__all__ = ["weights", "weights_chart", "scores", "uplifts", "quadrants", "shortlist"]


def weights(review) -> None:
    """Where the criteria weights come from (AHP consistency or the criteria table), or that nothing is screened."""
    s = review.screening_
    if s is None:
        say("There are no proposals to screen; the rest of this page is empty by design.")
    else:
        say(narrative.weights_sentences(s.weights_, s.ahp_, review.policy.max_cr))


def weights_chart(review) -> None:
    """The weights chart."""
    s = review.screening_
    show(intake_charts.weights_chart(s.weights_) if s is not None else None)


def scores(review) -> None:
    """The leading proposal and the score chart (top 20)."""
    s = review.screening_
    if s is not None:
        say(narrative.leader_sentence(s.scores_, review.portfolio_.projects))
        show(intake_charts.score_chart(s.scores_, top=20))


def uplifts(review) -> None:
    """The reference-class uplifts (from the history table) and what they add to the proposals."""
    s = review.screening_
    if s is not None and s.uplifts_ is not None:
        up = s.uplifts_
        show_table(up[["n", "mean_ratio", "p50_ratio", "quantile_ratio", "uplift", "share_overrun"]])
        say(narrative.uplift_sentence(up, s.table_, review.policy.p_label))
    elif s is not None:
        say("No history table: proposals keep their estimated costs (no reference-class uplift).")


def quadrants(review) -> None:
    """Value against risk: the quadrants and their chart."""
    s = review.screening_
    if s is not None:
        say(narrative.intake_sentences(s.table_, s.threshold_)[1])
        show(intake_charts.value_risk_chart(s.table_))


def shortlist(review) -> None:
    """Proposals by bucket and the shortlist, best score first."""
    s = review.screening_
    if s is None:
        return
    t = s.table_
    by_bucket = t.groupby("bucket").agg(proposals=("score", "size"), shortlisted=("shortlisted", "sum"),
                                        uplifted_cost=("uplifted_cost", "sum"),
                                        risk_adjusted_benefit=("risk_adjusted_benefit", "sum"))
    show_table(by_bucket)
    say(narrative.intake_sentences(t, s.threshold_)[0])
    show_table(t.loc[s.shortlist_, ["score", "quadrant", "estimated_cost", "uplifted_cost", "mandatory"]],
               names=review.portfolio_, caption="The shortlist, best score first")
