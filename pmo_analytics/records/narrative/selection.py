"""Sentences of the selection page (02): the funded portfolio, capacity, frontier, scenarios, duals."""

from __future__ import annotations

import math

import pandas as pd

from ._common import _measure, money

__all__ = ["selection_scope_sentence", "funded_sentence", "approval_sentence", "capacity_sentence",
           "frontier_sentence", "left_out_sentences", "scenario_sentences", "duals_sentence", "greedy_sentence",
           "budget_cut_sentence"]


def selection_scope_sentence(data, basis: str) -> str:
    """What the selection chooses from: candidates, horizon [periods], skills, objective and cost basis.

    ``data`` is the :class:`~pmo_analytics.selection.SelectionData` solved; ``basis`` how proposals are costed.
    """
    return (f"{data.n} candidates ({int(data.mandatory.sum())} mandatory or already committed) over {data.horizon} "
            f"periods and {len(data.skills)} skills; objective: {_measure(data.value_label)}; proposal costs {basis}.")


def funded_sentence(funded: pd.DataFrame, numbers: dict, n_candidates: int, value_label: str, gap: float) -> str:
    """The recommended portfolio in one sentence: funded by choice and by mandate, value, spend [currency], gap.

    ``funded`` holds the funded candidates with ``mandatory`` [bool]; ``numbers`` is
    :func:`pmo_analytics.selection.what_if_numbers` of the recommendation; ``gap`` the solver's relative gap.
    """
    voluntary = int((~funded["mandatory"].astype(bool)).sum())
    return (f"The model funds {len(funded)} of {n_candidates} candidates ({voluntary} by choice, "
            f"{int(funded['mandatory'].sum())} mandatory or committed), for a {_measure(value_label)} of "
            f"{money(numbers['value'])}. Spend in the horizon is {money(numbers['spend'])} against "
            f"{money(numbers['budget'])} of budget, plus {money(numbers['hire_spend'])} of hiring. "
            f"The solution is {numbers['status']} (gap {gap:.2%}).")


def approval_sentence(funded: pd.DataFrame, numbers: dict, value_label: str) -> str:
    """What the board is asked to approve: the discretionary projects, with the value and spend [currency]."""
    voluntary = int((~funded["mandatory"].astype(bool)).sum())
    return (f"The board is asked to approve the {voluntary} discretionary projects below, starting in the periods "
            f"shown, alongside the {int(funded['mandatory'].sum())} mandatory or committed ones: total "
            f"{value_label} {money(numbers['value'])}, spend {money(numbers['spend'])}"
            + (f", hiring {money(numbers['hire_spend'])}" if numbers["hire_spend"] > 0 else "") + ".")


def capacity_sentence(bottlenecks: pd.DataFrame, capacity: pd.DataFrame) -> str:
    """Where people are the bottleneck: skill-periods fully used, the tightest skill, FTE-periods hired.

    ``bottlenecks`` is ``SelectionReview.bottlenecks_`` (per skill, tightest first: ``periods_at_capacity``
    [periods], ``hired`` [FTE-periods]); ``capacity`` is ``PortfolioSelector.capacity_`` (``bottleneck`` [bool]).
    """
    hired = bottlenecks[bottlenecks["hired"] > 0]
    top = (f"{bottlenecks.index[0]} ({int(bottlenecks['periods_at_capacity'].iloc[0])} periods at capacity)"
    if len(bottlenecks) else "none (0 periods at capacity)")
    return (f"{int(capacity['bottleneck'].sum())} skill-periods are fully used; the tightest skill is {top}."
            + (" Extra FTE-periods hired: " + ", ".join(f"{s} {v:.1f}" for s, v in hired["hired"].items()) + "."
               if len(hired) else ""))


def frontier_sentence(step: dict) -> str:
    """What the next budget step buys, from :func:`pmo_analytics.review.frontier_step`.

    ``step`` has ``first_feasible`` [fraction of today's budget], ``at`` and ``next`` (frontier rows with
    ``budget_factor`` and ``entering``; ``next`` None at the top) and ``value_gain`` [currency].
    """
    msg = f"Below {step['first_feasible']:.0%} of today's budget no portfolio can carry the commitments. "
    if step["next"] is not None:
        msg += (f"Going from {step['at']['budget_factor']:.0%} to {step['next']['budget_factor']:.0%} of budget "
                f"would add {money(step['value_gain'])} of value"
                + (f" by funding {step['next']['entering']}" if step["next"]["entering"] else "") + ".")
        gaps = [float(r.get("gap", 0.0)) for r in (step["at"], step["next"])]
        worst = max((g for g in gaps if math.isfinite(g)), default=0.0)
        if worst > 1e-9:  # levels stopped within the policy's frontier_gap: the gain is known to that precision
            msg += f" Each of the two levels is proven within {worst:.2%} of its optimum."
    return msg


def left_out_sentences(explanations: pd.DataFrame) -> list[str]:
    """What forcing in the most valuable project left out would cost (empty when none was tried).

    ``explanations`` is ``SelectionReview.explanations_``: ``selected`` [bool], ``value`` and ``value_change``
    [currency; NaN when not tried], ``displaces``.
    """
    out = explanations[~explanations["selected"] & explanations["value_change"].notna()]
    if not len(out):
        return []
    r = out.sort_values("value", ascending=False).iloc[0]
    return [f"The most valuable project left out, {r.name}, would cost the portfolio {money(-r['value_change'])} "
            f"if forced in" + (f" (it would displace {r['displaces']})" if r["displaces"] else "") + "."]


def scenario_sentences(comparison: pd.DataFrame) -> list[str]:
    """One sentence per named scenario against the base case (``SelectionReview.scenarios_``).

    ``comparison`` is indexed by scenario (``base`` first) with ``status``, ``value_change`` [currency],
    ``gained`` and ``lost``.
    """
    out = []
    for name, r in comparison.drop(index="base").iterrows():
        if str(r["status"]).startswith("infeasible"):
            out.append(f"{name}: no feasible portfolio ({r['status']}).")
        else:
            out.append(f"{name}: value changes by {money(r['value_change'])}"
                       + (f"; gains {r['gained']}" if r["gained"] else "")
                       + (f"; loses {r['lost']}" if r["lost"] else "") + ".")
    return out


def duals_sentence(duals: pd.DataFrame) -> str:
    """Where the budget is scarcest in the LP relaxation [value per unit of currency] (indicative).

    ``duals`` is ``SelectionReview.duals_``: ``family`` (``budget``/``capacity``), ``period``, ``dual``.
    """
    bud = duals[duals["family"] == "budget"].sort_values("dual", ascending=False)
    return (f"Indicative: the budget is scarcest in period {bud['period'].iloc[0]} "
            f"({bud['dual'].iloc[0]:.2f} of value per extra unit of currency); "
            f"{int((duals['family'] == 'capacity').sum())} capacity rows were priced.")


def greedy_sentence(greedy, optimum: float) -> str:
    """The greedy priority rule against the optimised portfolio's value [currency].

    ``greedy`` has ``x`` (0/1 per candidate), ``value`` [currency] and ``feasible``.
    """
    return (f"The greedy rule funds {int(greedy.x.sum())} projects for {money(greedy.value)}"
            + ("" if greedy.feasible else " and cannot fund every mandatory project (it does not hire)")
            + f"; the optimised portfolio delivers {money(optimum)}.")


def budget_cut_sentence(cut: float, changes: dict, value: float) -> str:
    """What a budget cut of ``cut`` [fraction] does to the portfolio of value ``value`` [currency].

    ``changes`` is ``SelectionReview.budget_cut_changes_``: ``value_change`` [currency], ``lost``, ``gained``.
    """
    return (f"A {cut:.0%} budget cut changes the value by {money(changes['value_change'])} "
            f"({changes['value_change'] / value:+.1%}): it defers {', '.join(changes['lost']) or 'nothing'}"
            f"{' and brings in ' + ', '.join(changes['gained']) if changes['gained'] else ''}.")
