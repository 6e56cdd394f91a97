"""Sentences of the selection under uncertainty (02, quoted by 00): spend bands, the chance constraint."""

from __future__ import annotations

import math

import pandas as pd

from ._common import _plural, money

__all__ = ["uncertainty_headline", "calibration_sentence", "uncertainty_sentences", "uncertainty_stage_sentences"]


def uncertainty_headline(comparison: pd.DataFrame | None, alpha: float, confidence: float = 0.95) -> str | None:
    """The board's headline under uncertainty: what the recommended portfolio risks, what keeping the chance
    of an overrun under ``alpha`` costs (page 02's decision box and page 00 quote it).

    Parameters
    ----------
    comparison : DataFrame or None
        ``UncertainSelector.comparison_``: rows ``offered`` (the calibrated
        portfolio, ``status`` ``"shown"`` when its one-sided bound ``p_bound``
        is <= alpha), ``recommended`` (else today's deterministic rule) with
        ``value`` [currency] and ``p_overrun`` [probability] on the same
        ``validation_scenarios``.
    alpha : float
        The chance of overrunning any period's budget the board accepts [probability].
    confidence : float
        Of the bound.

    Returns None without an ``offered`` row (the selection under uncertainty was not run).
    """
    if comparison is None or "offered" not in comparison.index:
        return None
    base = next((i for i in ("recommended", *[i for i in comparison.index if str(i).startswith("deterministic")])
                 if i in comparison.index and pd.notna(comparison.loc[i].get("value", math.nan))), None)
    off = comparison.loc["offered"]
    n = int(comparison["validation_scenarios"].dropna().iloc[0]) if "validation_scenarios" in comparison and \
        comparison["validation_scenarios"].notna().any() else None
    on = f"On {n:,} independent cost scenarios, " if n else ""
    if base is None:
        head = None
    else:
        b = comparison.loc[base]
        who = "the recommended portfolio" if base == "recommended" else f"today's deterministic rule's portfolio ({base})"
        head = f"{on}{who} overruns at least one period's budget with probability {b['p_overrun']:.0%}"
        head = head[0].upper() + head[1:]
    if pd.isna(off.get("value", math.nan)):
        tail = (f"no portfolio that carries the commitments can be shown to keep that chance under {alpha:.0%}: the "
                "commitments alone overrun too often.")
        return f"{head}; {tail}" if head else tail[0].upper() + tail[1:]
    if off["status"] != "shown":
        tail = (f"no portfolio could be shown to keep that chance under {alpha:.0%}: the best found overruns with "
                f"probability {off['p_overrun']:.1%} (at most {off['p_bound']:.1%}, {confidence:.0%} confidence).")
        return f"{head}; {tail}" if head else tail[0].upper() + tail[1:]
    keeps = (f"the portfolio chosen under uncertainty keeps that chance under {alpha:.0%} (at most {off['p_bound']:.1%} with "
             f"{confidence:.0%} confidence)")
    if head is None:
        return f"The portfolio chosen under uncertainty keeps the chance of overrunning any period's budget under " \
               f"{alpha:.0%} (at most {off['p_bound']:.1%} with {confidence:.0%} confidence)."
    gap = float(comparison.loc[base, "value"] - off["value"])
    cost = f" for {money(gap)} less expected value" if gap > 0 else f" and adds {money(-gap)} of expected value"
    return f"{head}; {keeps}{cost}."


def calibration_sentence(offered, confidence: float = 0.95) -> str | None:
    """How the offered portfolio was made to hold its chance out of sample, in one sentence (page 02).

    ``offered`` is ``UncertainSelector.offered_``
    (:class:`~pmo_analytics.selection.uncertainty.calibration.Offered`): the candidate it came from,
    the projects dropped and added on the tuning scenarios, the check scenarios and the bound. The
    method: Pagnoncelli, Ahmed & Shapiro (2009), candidate portfolios whose feasibility is checked a
    posteriori on independent scenarios; the tuning sample chose the portfolio, so only the check sample,
    which did not, gives the bound.
    """
    if offered is None or offered.x is None or not offered.tuning_scenarios:
        return None
    changes = [f"dropping {_plural(len(offered.dropped), 'project')}" if offered.dropped else "",
               f"adding {len(offered.added)}" if offered.added else ""]
    how = " and ".join(c for c in changes if c) or "unchanged"
    src = {"recommended": "the recommended portfolio"}.get(offered.source, f"the {offered.source} portfolio")
    again = f" (after {offered.checks} checks on fresh scenarios)" if offered.checks > 1 else ""
    return (f"Method: {src} was tightened on {offered.tuning_scenarios:,} cost scenarios of its own ({how}) until "
            f"{offered.tuning_overrun:.1%} of them overran, then checked on {offered.check_scenarios:,} other "
            f"scenarios, which it overran in {offered.p_check:.1%}{again}: its chance of overrunning any period's "
            f"budget is at most {offered.bound:.1%} with {confidence:.0%} confidence.")


def uncertainty_sentences(spend: pd.DataFrame | None, p_any: float | None, comparison: pd.DataFrame | None,
                          alpha: float, saa_status: str | None = None, strategy: str | None = None,
                          scenarios: int | None = None, under_way: pd.DataFrame | None = None, *, offered=None,
                          method: str = "chance", confidence: float = 0.95) -> list[str]:
    """The portfolio simulated as a whole, and the portfolio chosen under uncertainty.

    The portfolio offered at ``alpha`` is calibrated out of sample (its
    one-sided bound on independent scenarios is <= alpha:
    :mod:`pmo_analytics.selection.uncertainty.calibration`); the SAA as solved
    is set beside it with its own out-of-sample chance, which is often above
    alpha with few scenarios (Luedtke & Ahmed 2008, "A sample approximation
    approach for optimization with probabilistic constraints", SIAM J. Optim.
    19(2): solving with a smaller risk level than the one wanted makes the
    portfolio feasible with high probability).

    Parameters
    ----------
    spend : DataFrame or None
        ``PortfolioRiskModel.spend_`` of the recommended portfolio: per period
        ``budget``, ``p80_spend`` [currency] and ``p_overrun`` [probability].
    p_any : float or None
        P(spend exceeds the budget in at least one period) of that portfolio [probability].
    comparison : DataFrame or None
        ``UncertainSelector.comparison_`` (indexed by method: ``offered``,
        ``SAA``, the deterministic rule, ``recommended``): ``value``
        [currency], ``funded``, validated ``p_overrun`` with
        ``ci_low``/``ci_high`` and the one-sided ``p_bound`` [probability],
        ``cvar_overrun`` [currency], ``status``.
    alpha : float
        The allowed chance of overrunning in any period [probability].
    saa_status : str, optional
        Status words of the SAA solve.
    strategy : str, optional
        ``SAAOutcome.strategy``: ``"rens"`` adds how the large model was solved and what its gap measures.
    scenarios : int, optional
        Number of scenarios the SAA was solved on.
    under_way : DataFrame, optional
        ``PortfolioRiskModel.under_way_``: the projects simulated from their
        data date (``data_date``, ``complete``, ``in_progress``,
        ``cost_to_date`` [currency]), named after the first sentence.
    offered : Offered, optional
        ``UncertainSelector.offered_``: adds the method sentence (:func:`calibration_sentence`).
    method : {"chance", "cvar"}
        ``"cvar"`` adds the offered portfolio's CVaR of the overrun.
    confidence : float
        Of the bound.
    """
    out = []
    if spend is not None and p_any is not None:
        worst = spend["p_overrun"].idxmax()
        out.append(f"Simulated as a whole (cross-project dependencies, shared risks, correlated reference classes), "
                   f"the recommended portfolio overruns the budget in at least one period with probability "
                   f"{p_any:.0%}; its P80 spend over the horizon is {money(float(spend['p80_spend'].sum()))} against "
                   f"{money(float(spend['budget'].sum()))} of budget, and period {worst} is the most exposed "
                   f"({spend.loc[worst, 'p_overrun']:.0%}).")
        if under_way is not None and len(under_way):
            each = "; ".join(
                f"{pid} from {pd.Timestamp(r.data_date):%Y-%m-%d} ({int(r.complete)} "
                f"{'activity' if int(r.complete) == 1 else 'activities'} complete, {int(r.in_progress)} in progress, "
                f"{money(float(r.cost_to_date))} of work done)"
                for pid, r in zip(under_way.index, under_way.itertuples()))
            out.append(f"Projects under way are simulated from their data date on: {each}. The work done is in their "
                       "cost, not in any period's spend.")
    if comparison is None or "SAA" not in comparison.index:
        out.append(f"No portfolio keeps the chance of overrunning any period's budget under {alpha:.0%} while "
                   "carrying the commitments.")
        return out
    head = uncertainty_headline(comparison, alpha, confidence)
    if head:
        out.append(head)
    if "offered" in comparison.index and pd.notna(comparison.loc["offered"].get("value", math.nan)):
        o = comparison.loc["offered"]
        out.append(f"That portfolio funds {int(o['funded'])} projects for {money(float(o['value']))} of expected value "
                   f"net of hiring, and overruns in {o['p_overrun']:.1%} of the independent scenarios.")
        how = calibration_sentence(offered, confidence)
        if how:
            out.append(how)
        if method == "cvar" and pd.notna(o.get("cvar_overrun", math.nan)):
            c = float(o["cvar_overrun"])
            out.append(f"In the worst {alpha:.0%} of the scenarios its worst period "
                       + (f"overruns by {money(c)} on average (CVaR)." if c > 0 else
                          f"stays {money(-c)} within budget on average (CVaR)."))
    s = comparison.loc["SAA"]
    words = f" ({saa_status})" if saa_status and saa_status != "optimal" else ""
    on = f"on the {int(scenarios)} scenarios it was solved on" if scenarios else "on the scenarios it was solved on"
    line = (f"The sample-average approximation keeps the chance under {alpha:.0%} {on}, funding "
            f"{int(s['funded'])} projects for {money(float(s['value']))}{words}; on independent scenarios it overruns "
            f"with probability {s['p_overrun']:.1%} (95 % interval {s['ci_low']:.1%}–{s['ci_high']:.1%})")
    if float(s["ci_low"]) > alpha:
        line += f", more often than the {alpha:.0%} allowed: it fits the scenarios it was solved on"
    det = [i for i in comparison.index if str(i).startswith("deterministic")]
    if det and pd.notna(comparison.loc[det[0]].get("value", math.nan)):
        d = comparison.loc[det[0]]
        line += (f". Today's deterministic rule ({det[0]} costs) funds {int(d['funded'])} for "
                 f"{money(float(d['value']))} and overruns with probability {d['p_overrun']:.0%}")
    out.append(line + ".")
    if strategy == "rens":
        out.append("The model under uncertainty is large: it was solved in the neighbourhood of its LP relaxation "
                   "(RENS), so the gap stated is measured against the whole model's LP bound.")
    return out


def uncertainty_stage_sentences(unc, alpha: float) -> list[str]:
    """:func:`uncertainty_sentences` of a fitted :class:`~pmo_analytics.review.uncertainty.UncertaintyReview`
    (pages 00 and 02 say the same): its whole-portfolio simulation and its selector, at the policy's ``alpha``."""
    pm, us = unc.portfolio_risk_, unc.selector_
    return uncertainty_sentences(
        None if pm is None else pm.spend_, None if pm is None else pm.p_any_overrun_,
        None if us is None else us.comparison_, alpha, None if us is None else us.status_,
        None if us is None else us.outcome_.strategy, scenarios=None if us is None else us.scenarios,
        under_way=None if pm is None else pm.under_way_, offered=None if us is None else us.offered_,
        method="chance" if us is None else us.method, confidence=0.95 if us is None else us.confidence)
