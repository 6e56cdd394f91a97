"""Sentences of the benefits and lessons page (05): the register, TCO, lessons learned."""

from __future__ import annotations

import pandas as pd

from ._common import money

__all__ = ["register_sentences", "tco_sentences", "benefits_decision_sentence", "lessons_sentences"]


def lessons_sentences(adopt: pd.DataFrame | None, extra: float | None, estimated: float | None,
                      p_label: str = "P80") -> list[str]:
    """The estimating uplifts to adopt and what they add to the proposals.

    Parameters
    ----------
    adopt : DataFrame or None
        :func:`pmo_analytics.benefits.uplifts_to_adopt`: per reference class ``n``,
        ``cost_uplift`` and ``duration_uplift`` [fraction].
    extra, estimated : float or None
        Cost the uplifts add to the proposals, and their estimated total [currency].
    """
    if adopt is None or len(adopt) == 0:
        return ["No reference class has enough completed projects to set an estimating uplift."]
    out = [f"Adopt for {cls} ({int(r['n'])} past projects): cost +{r['cost_uplift']:.0%}, duration "
    f"+{r['duration_uplift']:.0%} ({p_label})." for cls, r in adopt.iterrows()]
    if extra is not None and estimated:
        out.append(f"Applied to the proposals this adds {money(extra)} to their estimated cost "
                   f"({extra / estimated:.0%}).")
    return out


def register_sentences(promised: pd.DataFrame, realisation: pd.DataFrame, forecast_gap: float) -> list[str]:
    """The benefits register at current rates: forecast [currency], benefits at risk, dis-benefits, missing owners.

    ``promised`` is ``BenefitsReview.promised_`` (``forecast_total``, ``planned_total``); ``realisation`` is
    ``BenefitsReview.realisation_`` (``benefit_id``, ``at_risk``, ``is_disbenefit``, ``description``,
    ``realised_to_date``, ``planned_to_date``, ``status``).
    """
    at_risk = realisation[realisation["at_risk"]]
    out = [f"At the current rates the register forecasts {money(promised['forecast_total'].sum())} against "
    f"{money(promised['planned_total'].sum())} planned ({money(forecast_gap)}).",
    f"{len(at_risk)} of {len(realisation)} benefits are at risk: {', '.join(at_risk['benefit_id']) or 'none'}."]
    out += [f"Dis-benefit {r.benefit_id} ({r.description}): {money(r.realised_to_date)} realised vs "
            f"{money(r.planned_to_date)} planned to date ({r.status})."
            for r in realisation[realisation["is_disbenefit"]].itertuples()]
    no_owner = realisation[realisation["status"].str.contains("missing owner")]
    if len(no_owner):
        out.append(f"No named owner: {', '.join(no_owner['benefit_id'])} - assign one before the next review.")
    return out


def tco_sentences(tco: pd.DataFrame) -> list[str]:
    """Per closed project: total cost of ownership [currency] next to the benefit realised, and incidents.

    ``tco`` is ``BenefitsReview.tco_`` indexed by project: ``name``, ``tco``, ``support_periods`` [periods],
    ``run_cost_per_period``, ``realised_to_date`` [currency], ``benefit_to_tco`` [share],
    ``incidents_per_period`` and ``incident_trend`` (slope; > 0 rising).
    """
    return [f"{pid} ({r['name']}): TCO {money(r['tco'])} after {r['support_periods']} support periods "
            f"(run cost {money(r['run_cost_per_period'])}/period); realised {money(r['realised_to_date'])} = "
            f"{r['benefit_to_tco']:.0%} of TCO; {r['incidents_per_period']:.1f} incidents/period, "
            f"{'rising' if r['incident_trend'] > 0 else 'falling or flat'}."
            for pid, r in tco.iterrows()]


def benefits_decision_sentence(n_at_risk: int, tco: pd.DataFrame | None) -> str:
    """The benefits decision: owners of benefits at risk, and the lowest return on TCO [share]."""
    line = f"Benefits: {n_at_risk} benefit(s) at risk go to their owners for a recovery plan"
    if tco is not None:
        w = tco["benefit_to_tco"].idxmin()
        line += f"; the lowest return on TCO is {w} ({tco.loc[w, 'benefit_to_tco']:.0%})"
    return line + "."
