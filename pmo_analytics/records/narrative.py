"""Sentences for the executive summary, generated from the numbers (never typed by hand).

Each function takes the result frames of one life-cycle stage and returns
three sentences, so the words a board reads always match the data the record
was computed from. Amounts are shown in millions of the portfolio currency.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["money", "LOGIC_CHECKS", "logic_sentences", "invalid_date_sentences", "uncertainty_sentences",
           "uncertainty_headline", "calibration_sentence", "uncertainty_stage_sentences", "intake_sentences",
           "lessons_sentences", "pipeline_sentences",
           "portfolio_sentences", "infeasible_sentences", "risk_sentences", "delivery_sentences", "benefits_sentences",
           "governance_sentences", "not_assessed_sentences", "selection_scope_sentence", "funded_sentence",
           "approval_sentence", "capacity_sentence", "frontier_sentence", "left_out_sentences", "scenario_sentences",
           "duals_sentence", "greedy_sentence", "budget_cut_sentence", "simulated_sentence", "contingency_sentences",
           "top_driver_sentence", "mitigation_sentences", "rag_sentences", "intervention_sentences",
           "flow_forecast_sentences", "register_sentences", "tco_sentences", "benefits_decision_sentence",
           "approach_sentences", "gate_sentences", "board_escalation_sentences", "weights_sentences",
           "leader_sentence", "uplift_sentence", "recovery_sentences", "recovery_ask", "event_sentences"]


def money(x: float) -> str:
    """An amount [currency] for people, in the record's currency: ``£12.3 M``, ``£845 k``, ``£9,106``.

    :func:`pmo_analytics.tables.formats.format_money`: never ``0.0 M`` for an amount of a few thousand.
    """
    from ..tables.formats import format_money

    return format_money(x)


def _measure(label: str) -> str:
    """A measure's name without its unit in brackets (``risk-adjusted benefit [currency]`` -> ``risk-adjusted
    benefit``): sentences carry the unit in the amount."""
    return str(label).split(" [")[0]


def _level(p_label: str) -> float:
    """``"P80"`` -> 80.0."""
    return float(str(p_label).lstrip("Pp"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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


#: Health checks the simulation rests on: open ends and dangling logic let a late activity delay nothing, and a
#: critical path that does not pass a delay on means the finish does not follow the work (DCMA-EA PAM 200.1).
LOGIC_CHECKS = ("Logic", "Dangling logic", "Critical path test")


def _check_value(value, unit) -> str:
    return f"{float(value):.1f} %" if unit == "%" else f"{float(value):g} {unit}".rstrip()


def logic_sentences(health: pd.DataFrame, short: bool = False) -> list[str]:
    """What the page says about projects whose network fails a check the simulation rests on.

    Parameters
    ----------
    health : DataFrame
        ``RiskReview.health_``: ``project_id``, ``check``, ``passed``,
        ``value``, ``unit``, ``threshold`` (:func:`~pmo_analytics.schedule.health_check`).
    short : bool
        One sentence naming every such project and its failed checks (the
        decision box), instead of one sentence per project with the values.

    A Monte Carlo run on open-ended or dangling logic understates the spread
    of the finish (a late activity with no successor delays nothing), so the
    simulated dates of such a network are what that network implies, not a
    forecast to commit to (DCMA-EA PAM 200.1, 2012; GAO-16-89G, best practice 2).
    """
    bad = health[health["check"].isin(LOGIC_CHECKS) & ~health["passed"].astype(bool)]
    if bad.empty:
        return []
    if short:
        each = "; ".join(f"{pid} ({', '.join(g['check'])})" for pid, g in bad.groupby("project_id", sort=True))
        return [f"Unsound schedule logic: {each}; their simulated dates are what their networks imply, not "
                "forecasts to commit to."]
    out = []
    for pid, g in bad.groupby("project_id", sort=True):
        fails = ", ".join(f"{r.check} {_check_value(r.value, r.unit)} (DCMA {r.threshold})" for r in g.itertuples())
        out.append(f"{pid}'s schedule fails {fails}: a simulation of open or dangling logic understates the spread "
                   "of the finish, so its dates below are what this network implies, not a forecast to commit to; "
                   "have the scheduler repair the logic first.")
    return out


def invalid_date_sentences(health: pd.DataFrame) -> list[str]:
    """DCMA check 9 (invalid dates) of every project with a data date: the count, and what was done with them.

    Parameters
    ----------
    health : DataFrame
        ``RiskReview.health_`` (:func:`~pmo_analytics.schedule.health_check`):
        rows ``check == "Invalid dates"`` with ``project_id``, ``count``,
        ``total``, ``description`` and ``activities``.

    Actual dates after the data date are kept as recorded and the remaining
    work is scheduled from the data date, as P6 does; forecasts before it come
    from constraints that hold work in the past (DCMA-EA PAM 200.1, check 9;
    GAO-16-89G, best practice 9: a schedule updated with progress has neither).
    """
    rows = health[health["check"] == "Invalid dates"] if "check" in health.columns else health.iloc[:0]
    if rows.empty:
        return []
    bad = rows[rows["count"].fillna(0) > 0].sort_values("project_id")
    if bad.empty:
        n = rows["project_id"].nunique()
        return [f"No activity has an invalid date (DCMA check 9: actual dates after the data date, forecasts "
                f"before it) in the {_plural(n, 'schedule')} with a data date."]
    out = []
    for r in bad.itertuples():
        detail = r.description.split(": ", 1)[1] if ": " in str(r.description) else ""
        n = int(r.count)
        out.append(f"{r.project_id}: {n} activit{'y' if n == 1 else 'ies'} of {int(r.total)} with invalid dates (DCMA "
                   f"check 9: {detail}): {r.activities}. Actual dates are kept as recorded and the remaining work "
                   "is scheduled from the data date, as P6 does; have the scheduler correct the dates or the data "
                   "date before the next update.")
    return out


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
    from ..tables.columns import at_level

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


def _red_reason(reasons) -> str:
    """The first reason that made the status red (reasons are '; '-separated, each naming its colour:
    ``cost efficiency red: CPI 0.864, below 0.9``)."""
    parts = [r.strip() for r in str(reasons).split(";") if r.strip()]
    return next((r for r in parts if " red:" in r or "(red)" in r), parts[0] if parts else "")


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


def not_assessed_sentences(assessment: pd.DataFrame, stage: str) -> list[str]:
    """What a stage of the review could not assess, and why, one sentence each.

    Parameters
    ----------
    assessment : DataFrame
        ``PortfolioReview.assessment_`` (``stage``, ``subject``, ``assessed``, ``reason``).
    stage : str
        ``intake``, ``selection``, ``risk``, ``delivery`` or ``benefits``.
    """
    a = assessment[(assessment["stage"] == stage) & ~assessment["assessed"].astype(bool)]
    return [f"Not assessed — {r.subject}: {r.reason}." for r in a.itertuples()]


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


def chart_scope_sentences(shown, simulated, p_label: str) -> list[str]:
    """What the risk page's per-project charts cover, when they do not cover every project simulated.

    Parameters
    ----------
    shown, simulated : list of str
        ``RiskReview.chart_projects_`` and ``RiskReview.projects_``.
    p_label : str
        ``"P80"`` for a confidence of 80.
    """
    if len(shown) >= len(simulated):
        return []
    return [f"Charts for the {len(shown)} most exposed of the {len(simulated)} projects simulated (latest against "
            f"their commitment at {p_label}, then the largest schedule and cost contingency): "
            f"{', '.join(shown)}. Every project's figures are in the tables."]


# ---------------------------------------------------------------------- detail pages (02-06)
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


def simulated_sentence(projects: list[str], iterations: int, correlation: float) -> str:
    """Which active projects were simulated, with how many iterations and what correlation."""
    return (f"{len(projects)} active project(s) simulated: {', '.join(projects) or 'none'}; "
            f"{iterations} iterations each, correlation {correlation} within groups.")


def contingency_sentences(table: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """Per simulated project: the schedule [working days] and cost [currency] contingency to hold.

    ``table`` is ``RiskReview.table_`` indexed by project: ``planned_finish``, ``p<c>_finish``,
    ``schedule_contingency``, ``cost_contingency``, ``p<c>_cost``, ``estimated_cost`` (``<c>``: the level of
    ``p_label``).
    """
    from ..tables.columns import at_level

    fin, cst = at_level("finish", _level(p_label)), at_level("cost", _level(p_label))
    return [f"{pid}: plan {r['planned_finish']:%Y-%m-%d}, {p_label} {r[fin]:%Y-%m-%d}: hold "
            f"{r['schedule_contingency']:.0f} working days of schedule contingency and "
            f"{money(r['cost_contingency'])} of cost contingency above the planned cost "
            f"({p_label} cost {money(r[cst])}, estimate {money(r['estimated_cost'])})."
            for pid, r in table.iterrows()]


def top_driver_sentence(project_id: str, tornado: pd.DataFrame, p_label: str = "P80") -> str:
    """A project's top risk driver, from its tornado (largest effect first).

    ``tornado`` has ``risk_id``, ``title``, ``finish_reduction`` [working days] and ``cost_reduction`` [currency].
    """
    if not len(tornado):
        return f"{project_id}: no risk of the register affects this schedule."
    lead = tornado.iloc[0]
    return (f"{project_id}: the top risk driver is {lead['risk_id']} ({lead['title']}), worth "
            f"{lead['finish_reduction']:.1f} days and {money(lead['cost_reduction'])} at {p_label}.")


def mitigation_sentences(mitigations: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """Which planned responses pay for themselves at the confidence level, and which do not.

    ``mitigations`` is ``RiskReview.mitigations_``: ``risk_id``, ``pays_for_itself`` [bool], ``net_saving``
    [currency], ``finish_reduction`` [working days].
    """
    pays = mitigations[mitigations["pays_for_itself"]]
    out = [f"{len(pays)} of {len(mitigations)} planned responses pay for themselves at {p_label}"
           + (": " + ", ".join(f"{r.risk_id} (net {money(r.net_saving)})" for r in pays.itertuples())
              if len(pays) else "") + "."]
    if len(mitigations) > len(pays):
        out.append("Not worth their cost on cost alone: " + ", ".join(
            f"{r.risk_id} (net {money(r.net_saving)}, {r.finish_reduction:.1f} days saved)"
            for r in mitigations[~mitigations["pays_for_itself"]].itertuples()) + ".")
    return out


def rag_sentences(summary: pd.DataFrame) -> list[str]:
    """One line per project in delivery: its RAG and the rules that fired (``rag``, ``reasons``, ``name``)."""
    return [f"{pid} ({row.get('name', pid)}): {row['rag'].upper()} - {row['reasons'] or 'no rule fired'}"
            for pid, row in summary.iterrows()]


def intervention_sentences(summary: pd.DataFrame, intervene: list[str], watch: list[str],
                           on_track: list[str]) -> list[str]:
    """The delivery decision: why to intervene on each red project, what to watch, what is on track.

    ``summary`` is ``DeliveryReview.summary_`` indexed by project: ``cpi``, ``spi_t``, ``eac``, ``bac``,
    ``eac_p10``/``eac_p90`` [currency], ``p_within_budget`` [probability], ``finish_date_p50``/``p90``, ``reasons``.
    """
    out = []
    for pid in intervene:
        r = summary.loc[pid]
        out.append(f"INTERVENE on {pid}: CPI {r['cpi']:.2f}, SPI(t) {r['spi_t']:.2f}; EAC {money(r['eac'])} against "
                   f"BAC {money(r['bac'])} (P10-P90 {money(r['eac_p10'])}-{money(r['eac_p90'])}), "
                   f"{r['p_within_budget']:.0%} chance to finish within budget; P50 finish "
                   f"{r['finish_date_p50']:%Y-%m-%d} (P90 {r['finish_date_p90']:%Y-%m-%d}). Why: {r['reasons']}.")
    out += [f"WATCH {pid}: {summary.loc[pid, 'reasons']}." for pid in watch]
    out.append(f"On track: {', '.join(on_track) if on_track else 'none'}.")
    return out


def flow_forecast_sentences(focus: str, forecast: dict, summary: pd.DataFrame) -> list[str]:
    """The throughput forecast of the focus project's backlog, beside its earned-schedule finish.

    ``forecast`` is ``DeliveryReview.forecast_``: ``forecaster`` (its ``history_`` [items/period], ``freq`` and
    ``stability_['verdict']``), ``when`` (per ``percentile`` [%] a ``date``), ``scope`` (low, high) [items],
    ``how_many`` (per ``percentile`` the ``items_done`` [items] by the committed finish, or None) and
    ``committed_finish``.
    """
    tf, when, scope = forecast["forecaster"], forecast["when"], forecast["scope"]
    per = {"D": "day", "W": "week"}.get(getattr(tf, "freq", "W"), "period")
    h = getattr(tf, "history_", None)
    history = (f"throughput history of {len(h)} {per}s, {float(h.mean()):.1f} items a {per} on average, "
               if h is not None and len(h) else "throughput history ")
    out = [f"{focus}: {scope[0]} to {scope[1]} items left; {history}{tf.stability_['verdict']}."]
    if forecast["how_many"] is not None:
        p85 = when.set_index("percentile").loc[85]
        many = forecast["how_many"]
        line = (f"By the committed finish {pd.Timestamp(forecast['committed_finish']):%Y-%m-%d}, {focus} will finish "
                f"at least {int(many.set_index('percentile').loc[85, 'items_done'])} items with 85 % confidence "
                f"(backlog {scope[0]}-{scope[1]} items); flow P85 date {p85['date']:%Y-%m-%d}")
        if focus in summary.index:
            line += (f" against the earned-schedule P50 finish "
                     f"{pd.Timestamp(summary.loc[focus, 'finish_date_p50']):%Y-%m-%d}")
        out.append(line + ".")
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


def approach_sentences(mismatches: pd.DataFrame, profile: pd.DataFrame) -> list[str]:
    """Approach fit: how many classified projects are run with a mismatching approach, and why each.

    ``mismatches`` holds the mismatching projects (``project_id``, ``name``, ``stage``, ``reason``);
    ``profile`` is ``GovernanceCheck.profile_`` (``classified`` [bool]).
    """
    first = (f"{len(mismatches)} of {int(profile['classified'].sum())} classified projects are run (or planned) with "
             f"an approach that does not match their profile; {int((~profile['classified']).sum())} project(s) are "
             "not classified yet.")
    return [first] + [f"{r.project_id} {r.name}: {r.reason}"
                      for r in mismatches[mismatches["stage"] != "proposal"].itertuples()]


def gate_sentences(by_project: pd.DataFrame, by_unit: pd.DataFrame) -> list[str]:
    """Stage-gate evidence: projects missing items [count] and the business unit with the lowest compliance.

    ``by_project`` has ``missing`` [count] per project; ``by_unit`` ``business_unit`` and ``compliance_rate``
    [share].
    """
    failing = int((by_project["missing"] > 0).sum())
    worst = by_unit.sort_values("compliance_rate").iloc[0]
    return [f"{failing} of {len(by_project)} projects miss at least one item their gate requires "
            f"({int(by_project['missing'].sum())} items in all).",
            f"Lowest compliance: {worst['business_unit']} at {worst['compliance_rate']:.0%} of assessed items."]


def board_escalation_sentences(escalations: pd.DataFrame) -> list[str]:
    """Who is escalated to the portfolio board, by whom (sponsor), since when and under which rules."""
    board = escalations[escalations["level"] == "portfolio board"]
    return [f"{r.project_id} {r.name} (sponsor {r.who})" + (f" since {r.since:%Y-%m-%d}" if r.since == r.since else "")
            + f": rules {r.rules}" for r in board.itertuples()]


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


def _day_text(x) -> str:
    return f"{pd.Timestamp(x):%Y-%m-%d}" if x is not None and not pd.isna(x) else "its commitment"


def recovery_sentences(recovery: pd.DataFrame, p_label: str = "P80", validation: int | None = None,
                       interval: float = 0.95) -> list[str]:
    """Per project late at the confidence level: the cheapest recovery to its commitment, or why there is none.

    ``recovery`` is ``RiskReview.recovery_`` (:func:`pmo_analytics.review.risk.recovery_table`):
    ``committed_finish``, ``confidence_before``, ``confidence_after``, ``after_lo``, ``after_hi``,
    ``max_confidence`` [probability], ``recovery_cost`` [currency], ``activities_crashed`` [count],
    ``days_crashed`` [working days], ``status``. ``validation`` is the number of independent scenarios
    the plans were validated on [count].
    """
    from ..tables.columns import format_money

    if len(recovery) == 0:
        return [f"No project with a committed date is late at {p_label}: no recovery is needed."]
    out = []
    on = f" on {validation:,} independent scenarios" if validation else " on independent scenarios"
    for pid, r in recovery.iterrows():
        day = _day_text(r["committed_finish"])
        if r["status"] == "recovered":
            out.append(f"{pid}: to finish by {day} at {p_label} (now {r['confidence_before']:.0%}), crash "
                       f"{int(r['activities_crashed'])} activities by {r['days_crashed']:.0f} working days in total "
                       f"for {format_money(r['recovery_cost'])}; validated{on}, the plan gives "
                       f"{r['confidence_after']:.1%} ({interval:.0%} interval {r['after_lo']:.1%}-"
                       f"{r['after_hi']:.1%}).")
        elif r["status"] == "not reachable":
            out.append(f"{pid} cannot finish by {day} at {p_label} within its crash limits: crashing every "
                       f"activity that can be shortened to its limit gives {r['max_confidence']:.1%} (now "
                       f"{r['confidence_before']:.0%}), not enough to promise {p_label} once validated; its "
                       "commitment or its scope must move.")
        else:
            out.append(f"{pid} is late at {p_label} ({r['confidence_before']:.0%} by {day}) and its activities "
                       "carry no crash limits, so the cost of recovering it is not assessed.")
    return out


def recovery_ask(recovery: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """The board's ask on recovery, for a decision box: fund the cheapest recoveries or move the commitments.

    ``recovery`` as in :func:`recovery_sentences`; returns no sentence when no project is late.
    """
    from ..tables.columns import format_money

    if len(recovery) == 0:
        return []
    out = []
    ok = recovery[recovery["status"] == "recovered"]
    if len(ok):
        items = ", ".join(f"{pid} {format_money(r['recovery_cost'])} ({r['confidence_before']:.0%} -> "
                          f"{r['confidence_after']:.0%})" for pid, r in ok.iterrows())
        out.append(f"The board is asked to fund the cheapest recovery to the commitment at {p_label} "
                   f"({items}; {format_money(float(ok['recovery_cost'].sum()))} in all) or to move "
                   f"{'that commitment' if len(ok) == 1 else 'those commitments'}.")
    no = recovery[recovery["status"] == "not reachable"]
    if len(no):
        one = len(no) == 1
        out.append(f"{', '.join(no.index)} cannot be brought back to {'its commitment' if one else 'their commitments'}"
                   f" at {p_label} within the crash limits: the board is asked to move "
                   f"{'that commitment' if one else 'those commitments'} or the scope.")
    return out


def event_sentences(events: pd.DataFrame) -> list[str]:
    """What the simulation models beyond durations and independent risks, per project.

    ``events`` is ``RiskReview.events_``: ``project_id``, ``kind`` (branch, risk calendar, conditional risk),
    ``subject``, ``detail`` and ``share`` [probability a branch's path exists in the simulation].
    """
    if len(events) == 0:
        return []
    out = []
    for pid, g in events.groupby("project_id", sort=True):
        parts = []
        for subject, b in g[g["kind"] == "branch"].groupby("subject", sort=False):
            parts.append(f"after {subject} one branch is taken per iteration ("
                         + "; ".join(b["detail"]) + ")")
        for r in g[g["kind"] == "risk calendar"].itertuples():
            parts.append(f"risk calendar {r.subject}: {r.detail}")
        for r in g[g["kind"] == "conditional risk"].itertuples():
            parts.append(f"{r.subject} {r.detail}")
        out.append(f"{pid}: " + "; ".join(parts) + ".")
    return out

