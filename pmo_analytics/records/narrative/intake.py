"""Sentences of the intake page (01): weights, scores, reference-class uplifts, the shortlist."""

from __future__ import annotations

import pandas as pd

from ._common import _plural, money

__all__ = ["intake_sentences", "weights_sentences", "leader_sentence", "uplift_sentence"]


def intake_sentences(table: pd.DataFrame, threshold: float) -> list[str]:
    """The shortlist and the value-vs-risk classes of the screened proposals.

    Parameters
    ----------
    table : DataFrame
        ``IntakeScreening.table_``: ``shortlisted`` [bool], ``estimated_cost`` and
        ``uplifted_cost`` [currency], ``quadrant``.
    threshold : float
        Shortlist threshold on the weighted score.
    """
    short = table[table["shortlisted"]]
    q = table["quadrant"].value_counts()
    extra = float(short["uplifted_cost"].sum() - short["estimated_cost"].sum())
    return [
        f"{len(short)} of {_plural(len(table), 'proposal')} are shortlisted (weighted score at least "
        f"{threshold:.3f}, or mandatory); they would cost {money(float(short['uplifted_cost'].sum()))} at "
        f"reference-class estimates, {money(extra)} more than estimated.",
        f"{q.get('pursue', 0)} are worth pursuing as they stand, {q.get('review risk', 0)} are valuable but risky, "
        f"{q.get('quick win', 0)} are quick wins and {q.get('avoid', 0)} combine low value with high risk.",
    ]


def weights_sentences(weights: pd.Series, ahp=None, max_cr: float = 0.1) -> list[str]:
    """Where the drivers' weights come from (AHP consistency, or the criteria table) and the weights [share].

    ``ahp`` is the fitted AHP (``judgements``, ``lambda_max``, ``consistency_ratio``, ``consistent``) or None.
    """
    if ahp is not None:
        first = (f"AHP weights from {len(ahp.judgements)} pairwise judgements: lambda_max = {ahp.lambda_max:.3f}, "
                 f"consistency ratio {ahp.consistency_ratio:.3f} (limit {max_cr:.2f}), so the judgements are "
                 f"{'consistent' if ahp.consistent else 'NOT consistent'}.")
    else:
        first = "No pairwise table: the weights come from the criteria table."
    return [first, "Weights: " + ", ".join(f"{k} {v:.1%}" for k, v in weights.items()) + "."]


def leader_sentence(scores: pd.DataFrame, projects: pd.DataFrame) -> str:
    """The highest-scoring proposal (``scores`` best first, with ``score``) and the median score."""
    leader = scores.index[0]
    return (f"The highest-scoring proposal is {leader} ({projects.set_index('project_id').loc[leader, 'name']}) "
            f"with {scores['score'].iloc[0]:.3f}; the median score is {scores['score'].median():.3f}.")


def uplift_sentence(uplifts: pd.DataFrame, table: pd.DataFrame, p_label: str = "P80") -> str:
    """The reference class needing the largest uplift [fraction] and what uplifting does to the total [currency].

    ``uplifts`` per class: ``uplift``, ``n``; ``table`` per proposal: ``estimated_cost``, ``uplifted_cost``.
    """
    worst = uplifts["uplift"].idxmax()
    return (f"At {p_label}, the {worst} class needs the largest uplift ({uplifts.loc[worst, 'uplift']:.0%}, from "
            f"{int(uplifts.loc[worst, 'n'])} past projects). Uplifting every proposal raises the total estimate from "
            f"{money(table['estimated_cost'].sum())} to {money(table['uplifted_cost'].sum())}.")
