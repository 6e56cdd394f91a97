"""Sentences of the executive summary (00): one short paragraph per stage of the review."""

from __future__ import annotations

import pandas as pd

from ...tables.columns import at_level
from ._common import _level, _measure, _plural, _red_reason, money

__all__ = ["pipeline_sentences", "portfolio_sentences", "risk_sentences", "infeasible_sentences", "delivery_sentences",
           "benefits_sentences", "governance_sentences"]


def pipeline_sentences(projects: pd.DataFrame, budget: pd.DataFrame) -> list[str]:
    """Size of the pipeline, what the budget allows, and where the asks come from."""
    prop = projects[projects["stage"] == "proposal"]
    asked, total = float(prop["estimated_cost"].sum()), float(budget["budget"].sum())
    if len(prop) == 0:
        return ["The pipeline holds no proposals: there is nothing to screen or select this period.",
                f"The budget over the {len(budget)} planning periods is {money(total)}."]
    by_unit = prop.groupby("business_unit")["estimated_cost"].sum().sort_values(ascending=False)
    top_unit = by_unit.index[0]
    top_bucket = prop[prop["business_unit"] == top_unit].groupby("bucket")["estimated_cost"].sum().idxmax()
    return [
        f"The pipeline holds {_plural(len(prop), 'proposal')} from "
        f"{_plural(prop['business_unit'].nunique(), 'business unit')} asking for {money(asked)} in total.",
        f"The budget over the {len(budget)} planning periods is {money(total)}, so at most about "
        f"{min(total / asked, 1):.0%} of the asks can be funded." if asked > 0 else
        f"The budget over the {len(budget)} planning periods is {money(total)}.",
        f"The largest asks come from {top_unit} ({money(by_unit.iloc[0])}, mostly {top_bucket}).",
    ]


def portfolio_sentences(numbers: dict, portfolio: pd.DataFrame) -> list[str]:
    """The recommended portfolio: what it funds, what it spends, what it leaves out.

    Parameters
    ----------
    numbers : dict
        :func:`pmo_analytics.selection.what_if_numbers` of the recommendation.
    portfolio : DataFrame
        ``PortfolioSelector.portfolio_`` (candidates with ``selected``, ``value``, ``mandatory``).
    """
    funded = portfolio[portfolio["selected"]]
    # "value" is what a project adds when funded (0 when not); "base_value" its value if started on time
    worth = "base_value" if "base_value" in portfolio.columns else "value"
    left = portfolio[~portfolio["selected"]].sort_values(worth, ascending=False)
    status = "proven optimal" if numbers["status"] == "optimal" else numbers["status"]
    third = (f"The most valuable proposal left out is {left.index[0]} (value {money(float(left[worth].iloc[0]))}); "
             "02_portfolio_selection explains why." if len(left) else "Every candidate is funded.")
    return [
        f"The recommended portfolio funds {len(funded)} of {len(portfolio)} candidates for a "
        f"{_measure(numbers['value_measure'])} of {money(numbers['value'])} ({status}).",
        f"It spends {money(numbers['spend'])} of the {money(numbers['budget'])} budget in the horizon"
        + (f", including {money(numbers['hire_spend'])} of extra staff." if numbers["hire_spend"] > 0 else "."),
        third if not funded["mandatory"].any() else
        f"All {int(funded['mandatory'].sum())} mandatory projects are in. " + third,
    ]


def risk_sentences(table: pd.DataFrame, exposure: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """Schedule and cost exposure of the simulated projects at the review's confidence level.

    Parameters
    ----------
    table : DataFrame
        :func:`pmo_analytics.review.risk_table`: ``cost_contingency`` [currency,
        P<c> cost - planned (deterministic) cost], ``p<c>_cost`` and ``estimated_cost`` [currency].
    exposure : DataFrame
        :func:`pmo_analytics.risk.exposure`: ``project_id``, ``p<c>_days_late``
        [working days after the committed finish; NaN without a commitment]
        and ``jcl`` [probability of finishing by the commitment within the estimate].
    p_label : str
        The confidence level's name (``"P80"``); ``<c>`` above is its level.
    """
    if len(table) == 0:
        return ["No project in delivery has a schedule to simulate, so schedule and cost risk is not assessed."]
    late_col, cost_col = at_level("days_late", _level(p_label)), at_level("cost", _level(p_label))
    committed = exposure[exposure[late_col].notna()]
    late = committed[committed[late_col] > 0].sort_values(late_col, ascending=False)
    no_commit = len(exposure) - len(committed)
    tail = (f" ({_plural(no_commit, 'project')} without a committed date {'is' if no_commit == 1 else 'are'} "
            "not compared)" if no_commit else "")
    if len(committed) == 0:
        first = (f"None of the {_plural(len(exposure), 'simulated project')} has a committed finish, so lateness "
                 "against commitments is not assessed.")
    elif len(late):
        first = (f"At {p_label}, {len(late)} of {len(committed)} projects with a committed date finish after it; "
                 f"the worst is {late['project_id'].iloc[0]}, {late[late_col].iloc[0]:.0f} working days "
                 f"late{tail}.")
    else:
        first = (f"At {p_label}, the project with a committed date finishes by it{tail}." if len(committed) == 1 else
                 f"At {p_label}, all {len(committed)} projects with a committed date finish by it{tail}.")
    contingency = float(table["cost_contingency"].sum())
    above_estimates = float((table[cost_col] - table["estimated_cost"]).sum())
    second = (f"Holding every simulated project at {p_label} needs {money(contingency)} of cost contingency above "
              f"the planned (deterministic) cost; the {p_label} costs are {money(abs(above_estimates))} "
              f"{'above' if above_estimates >= 0 else 'below'} the approved estimates.")
    jcl = committed["jcl"].dropna()
    third = (f"The chance of meeting both the committed date and the approved estimate (joint confidence of "
             f"commitment and estimate) ranges from {jcl.min():.0%} to {jcl.max():.0%}." if len(jcl) else
             "The joint confidence of commitment and estimate is not assessed without committed dates.")
    return [first, second, third]


def infeasible_sentences(shortfall: pd.DataFrame, conflicts: list[str]) -> list[str]:
    """Why no portfolio can carry the commitments: the shortfall per period and the conflicting constraints.

    Parameters
    ----------
    shortfall : DataFrame
        :func:`pmo_analytics.review.commitment_shortfall` (``period``,
        ``budget``, ``unavoidable_spend``, ``shortfall`` [currency]).
    conflicts : list of str
        The minimal set of constraints that cannot hold together.
    """
    short = shortfall[shortfall["shortfall"] > 0]
    first = ("No portfolio can carry the mandatory and committed projects within the budget and capacity.")
    if len(short):
        second = (f"Their unavoidable spend exceeds the budget in {_plural(len(short), 'period')}: "
                  + "; ".join(f"period {int(r.period)} short by {money(r.shortfall)} "
                              f"({money(r.unavoidable_spend)} needed, {money(r.budget)} available)"
                              for r in short.itertuples()) + ".")
    else:
        second = ("No single period's budget is short on its own: the conflict lies in how the commitments "
                  "combine (capacity, dependencies or start windows).")
    third = ("The smallest set of constraints that cannot hold together: " + "; ".join(conflicts) + "."
             if conflicts else "The solver named no smaller conflicting set.")
    return [first, second, third]


def delivery_sentences(summary: pd.DataFrame) -> list[str]:
    """Delivery status of the active projects from the monitor's RAG summary.

    Parameters
    ----------
    summary : DataFrame
        ``DeliveryMonitor.table_``: ``project_id`` (index or column), ``rag``,
        ``cpi``, ``spi_t``, ``reasons``.
    """
    s = summary.reset_index() if "project_id" not in summary.columns else summary
    if len(s) == 0:
        return ["No project in delivery has status reports, so earned value and RAG are not assessed."]
    counts = s["rag"].value_counts()
    worst = s.sort_values("cpi").iloc[0]
    red = s[s["rag"] == "red"]
    return [
        f"Of {_plural(len(s), 'project')} in delivery, {counts.get('red', 0)} red, {counts.get('amber', 0)} amber "
        f"and {counts.get('green', 0)} green.",
        f"The weakest cost performance is {worst['project_id']} (CPI {worst['cpi']:.2f}, "
        f"SPI(t) {worst['spi_t']:.2f}).",
        ("Intervention needed: " + "; ".join(f"{p} ({_red_reason(r)})"
                                             for p, r in zip(red["project_id"], red["reasons"])) + "."
         if len(red) else "No project needs intervention now."),
    ]


def benefits_sentences(promised: pd.DataFrame) -> list[str]:
    """Benefits promised vs delivered, from :func:`pmo_analytics.benefits.promised_vs_delivered`."""
    if promised is None or len(promised) == 0:
        return ["There is no benefits register, so benefits realisation is not assessed."]
    m = promised[promised["measured"]]
    planned, realised = float(m["planned_to_date"].sum()), float(m["realised_to_date"].sum())
    worst = m.sort_values("realisation_rate").iloc[0] if len(m) else None
    return [
        f"Benefits measured to date: {money(realised)} realised against {money(planned)} planned "
        f"({realised / planned:.0%})." if planned else "No benefit has been measured yet.",
        (f"{_plural(int(promised['n_at_risk'].sum()), 'benefit')} "
         f"{'is' if int(promised['n_at_risk'].sum()) == 1 else 'are'} forecast to miss "
         f"{'its' if int(promised['n_at_risk'].sum()) == 1 else 'their'} target."),
        (f"The largest shortfall in rate is {worst.name} ({worst['realisation_rate']:.0%} realised)."
         if worst is not None else "There is no realised benefit to compare yet."),
    ]


def governance_sentences(mismatches: int, failing: int, escalations: pd.DataFrame) -> list[str]:
    """Approach fit, gate compliance and escalations, from a fitted GovernanceCheck's results."""
    board = escalations[escalations["level"] == "portfolio board"]
    return [
        f"{_plural(mismatches, 'project')} {'is' if mismatches == 1 else 'are'} managed with an approach that does "
        f"not match {'its' if mismatches == 1 else 'their'} NTCP profile.",
        f"{_plural(failing, 'project')} {'misses' if failing == 1 else 'miss'} evidence "
        f"{'its' if failing == 1 else 'their'} stage gate requires.",
        (f"{', '.join(board['project_id'])} {'is' if len(board) == 1 else 'are'} escalated to this board."
         if len(board) else f"{_plural(len(escalations), 'project')} escalated, none to this board."),
    ]
