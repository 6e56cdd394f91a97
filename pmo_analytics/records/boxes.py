"""The decision box of each curated page, built from a fitted review.

Every page of a record opens with a decision box (:func:`pmo_analytics.records.pages.decision_box`): the
decision in one or two generated sentences, its key numbers with their kinds, what it rests on, and links to
the evidence further down the page. The builders here take a fitted
:class:`~pmo_analytics.review.PortfolioReview` and return the keyword arguments of ``decision_box``
(``headline``, ``key_numbers``, ``rests_on``, ``evidence_links``, ``title``), so a page draws its box with::

    decision_box(**boxes.selection_box(review))

and the same payload can be checked without a notebook (:func:`pmo_analytics.records.pages.decision`).
Each builder covers the page's not-assessed case (no proposals, no feasible portfolio, nothing simulated,
no status reports, no benefits register) with a box that says so.

Evidence links name the markdown headings of the curated pages (``notebooks/NN_*.ipynb``); a heading renamed
there must be renamed here.
"""

from __future__ import annotations

import pandas as pd

from . import narrative

__all__ = ["summary_box", "intake_box", "selection_box", "risk_box", "delivery_box", "benefits_box",
           "governance_box", "cost_basis", "BOXES"]


def _box(headline: str, key_numbers: dict, rests_on: list[str], title: str, evidence_links: dict | None = None) -> dict:
    out = {"headline": headline, "key_numbers": key_numbers, "rests_on": rests_on, "title": title}
    if evidence_links:
        out["evidence_links"] = evidence_links
    return out


def _data(review) -> str:
    return f"data {review.fingerprint_[:12]}"


def cost_basis(review) -> str:
    """How the selection costs proposals: ``"uplifted to P80 by reference class"`` or ``"as estimated"``."""
    return (f"uplifted to {review.policy.p_label} by reference class" if review.selection_.costs_ is not None
            else "as estimated")


def _under_uncertainty(review) -> tuple[str, dict, list]:
    """The selection under uncertainty's headline (:func:`~pmo_analytics.records.narrative.uncertainty_headline`),
    its key numbers -- the recommended portfolio's P(overrun any period) [probability], the value of the portfolio
    offered at the policy's alpha and the value it gives up against the recommended one [currency] -- and what
    they rest on; empty when the policy switches the stage off."""
    unc = review.uncertainty_
    if unc is None:
        return "", {}, []
    pol = review.policy
    us = unc.selector_
    if us is None:
        return (f"No portfolio keeps the chance of overrunning any period's budget under {pol.overrun_alpha:.0%} "
                "while carrying the commitments.", {}, [])
    c = us.comparison_
    head = narrative.uncertainty_headline(c, pol.overrun_alpha, us.confidence) or ""
    keys = {}
    if "recommended" in c.index and pd.notna(c.loc["recommended", "p_overrun"]):
        keys["P(overrun), recommended"] = (float(c.loc["recommended", "p_overrun"]), "probability")
    o = us.offered_
    if o.x is not None and o.shown:
        keys[f"Value at P(overrun) ≤ {pol.overrun_alpha:.0%}"] = (float(c.loc["offered", "value"]), "money")
        if "recommended" in c.index and pd.notna(c.loc["recommended", "value"]):
            keys["Value given up for it"] = (float(c.loc["recommended", "value"] - c.loc["offered", "value"]), "money")
    rests = [f"{us.scenarios} cost scenarios (SAA), calibrated on {o.tuning_scenarios:,} and checked on "
             f"{us.validation_scenarios:,} independent ones"]
    return head, keys, rests


def summary_box(review) -> dict:
    """Page 00, the executive summary: the recommended portfolio and who is escalated to the board.

    Key numbers: projects funded [count] and portfolio value [currency] (or the commitments' shortfall
    [currency] when no portfolio is feasible), cost contingency at the confidence level [currency] when risk
    was assessed, red projects and projects escalated to the portfolio board [count].
    """
    pf, pol = review.portfolio_, review.policy
    sel, rk, dl, gov = review.selection_, review.risk_, review.delivery_, review.governance_
    board = gov.escalations_[gov.escalations_["level"] == "portfolio board"]
    if sel.feasible:
        head = narrative.portfolio_sentences(sel.numbers_, sel.selector_.portfolio_)[0]
        keys = {"Funded": (len(sel.numbers_["funded"]), "count"), "Portfolio value": (sel.numbers_["value"], "money")}
    else:
        head = " ".join(narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts)[:2])
        keys = {"Shortfall": (float(sel.shortfall_["shortfall"].sum()), "money")}
    if rk.assessed:
        keys[f"Cost contingency at {pol.p_label}"] = (float(rk.table_["cost_contingency"].sum()), "money")
    keys["Red projects"] = (len(dl.intervene_), "count")
    keys["Escalated to this board"] = (len(board), "count")
    tail = (f" {len(board)} project{'s are' if len(board) != 1 else ' is'} escalated to this board: "
            f"{', '.join(board['project_id'])}." if len(board) else " No project is escalated to this board.")
    rests = [f"{pf!r}", _data(review),
             f"data date {review.as_of_:%Y-%m-%d}" if review.as_of_ is not None else "no data date",
             f"review policy {pol.digest[:10]} ({pol.objective}, {pol.cost_basis} costs, {pol.p_label})"]
    if sel.feasible:
        u_head, u_keys, u_rests = _under_uncertainty(review)
        head, keys, rests = (f"{head} {u_head}" if u_head else head), {**keys, **u_keys}, rests + u_rests
    return _box(head + tail, keys, rests, "Portfolio review — executive summary",
                {"Portfolio": "2 · Recommended portfolio", "Risk": "3 · Risk exposure of the projects in delivery",
                 "Delivery": "4 · Delivery status", "Governance": "6 · Governance and escalation"})


def intake_box(review) -> dict:
    """Page 01: the shortlist, its size [count] and its cost at the confidence level [currency]."""
    pol, screening = review.policy, review.screening_
    if screening is None:
        return _box("No proposals to screen this period.", {"Proposals": (0, "count")}, [_data(review)],
                    "Intake screening")
    t = screening.table_
    keys = {"Shortlisted": (len(screening.shortlist_), "count"), "Proposals": (len(t), "count"),
            f"Shortlist at {pol.p_label} costs": (float(t.loc[screening.shortlist_, "uplifted_cost"].sum()), "money")}
    rests = [f"weights {'from AHP judgements' if screening.ahp_ is not None else 'from the criteria table'}",
             f"{pol.normalisation} score normalisation",
             f"reference-class uplifts at {pol.p_label}" if screening.uplifts_ is not None
             else "estimates as given (no history)",
             _data(review)]
    return _box(narrative.intake_sentences(t, screening.threshold_)[0], keys, rests, "Intake screening",
                {"Weights": "Driver weights", "Scores": "Weighted scores", "Shortlist": "Decision: the shortlist"})


def selection_box(review) -> dict:
    """Page 02: the recommended portfolio (funded [count], value, spend, budget, hiring [currency]).

    Without a feasible portfolio: the periods whose budget cannot carry the commitments [count] and the total
    shortfall [currency].
    """
    pol, sel = review.policy, review.selection_
    rests = [f"objective: {sel.data_.value_label}", f"proposal costs {cost_basis(review)}",
             "hiring at the capacity table's cost" if pol.hiring else "no hiring", _data(review)]
    if sel.feasible:
        n = sel.numbers_
        lines = narrative.portfolio_sentences(n, sel.selector_.portfolio_)
        keys = {"Funded": (len(n["funded"]), "count"), "Value": (n["value"], "money"),
                "Spend in horizon": (n["spend"], "money"), "Budget": (n["budget"], "money"),
                "Hiring": (n["hire_spend"], "money")}
        links = {"Roadmap": "The recommended portfolio",
                 "Frontier": "Efficient frontier: what more (or less) budget buys",
                 "Why in or out": "Why each project is in or out", "Scenarios": "Scenarios side by side"}
        u_head, u_keys, u_rests = _under_uncertainty(review)
        if u_head:
            lines = [" ".join(lines[:2]), u_head]
            keys.update(u_keys)
            rests += u_rests
            links["Under uncertainty"] = "Under uncertainty: the chance that spend overruns the budget"
    else:
        lines = narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts)
        short = sel.shortfall_[sel.shortfall_["shortfall"] > 0]
        keys = {"Periods short": (len(short), "count"), "Total shortfall": (float(short["shortfall"].sum()), "money")}
        links = {"The conflict": "Can the commitments be met?"}
    return _box(" ".join(lines[:2]), keys, rests, "Portfolio selection", links)


def risk_box(review) -> dict:
    """Page 03: projects simulated [count], cost contingency [currency], schedule contingency and lateness [days].

    Its ask: for every project late at the confidence level, the cheapest recovery to its commitment and its
    cost [currency] (``RiskReview.recovery_``), or that none exists within the crash limits.
    """
    pol, rk = review.policy, review.risk_
    P = pol.p_label
    lines = narrative.risk_sentences(rk.table_, rk.exposure_, P)
    rests = [f"{pol.iterations} iterations per project, Latin hypercube",
             f"rank correlation {pol.group_correlation} within groups",
             "risk register as drivers" if rk.has_risks_ else "no risk register: duration uncertainty only",
             _data(review)]
    if not rk.assessed:
        return _box(lines[0], {"Projects simulated": (0, "count")}, rests, "Schedule and cost risk")
    t = rk.table_
    late = rk.exposure_["p80_days_late"].dropna()
    keys = {"Projects simulated": (len(rk.projects_), "count"),
            f"Cost contingency at {P}": (float(t["cost_contingency"].sum()), "money"),
            "Schedule contingency, largest": (float(t["schedule_contingency"].max()), "days"),
            "Worst lateness vs commitment": (float(late.max()), "days") if len(late) else ("not assessed", "text")}
    unsound = narrative.logic_sentences(rk.health_, short=True)  # a board signs this box: it must say so
    rec = rk.recovery_  # the ask: the cheapest recovery of each project late at the confidence level
    ok = rec[rec["status"] == "recovered"]
    if len(ok):
        keys[f"Cost to recover at {P}"] = (float(ok["recovery_cost"].sum()), "money")
    if len(rec):
        rests.append(f"recovery: crash limits and rates of the activities, plans validated on "
                     f"{rk.recovery_validation:,} independent scenarios")
    return _box(" ".join([lines[1], lines[0], *unsound, *narrative.recovery_ask(rec, P)]), keys, rests,
                "Schedule and cost risk",
                {"Health": "1. Schedule health check",
                 "P50 / P80": "2. Simulation: P50 and confidence-level dates and costs, contingency",
                 "Drivers": "3. What drives the risk", "Mitigations": "4. Which mitigations pay for themselves",
                 "Recovery": "5. Recovery: the cheapest way back to the commitment"})


def delivery_box(review) -> dict:
    """Page 04: red, amber and green projects [count] and the lowest CPI [ratio]."""
    pol, dl = review.policy, review.delivery_
    lines = narrative.delivery_sentences(dl.summary_)
    rests = ["earned value and earned schedule from the status reports",
             f"RAG rules: {len(dl.rules_)} (defaults + board commitment)",
             f"EAC method {pol.eac_method}, ranges from the last {pol.window} periods", _data(review)]
    if not dl.assessed:
        return _box(lines[0], {"Projects with status": (0, "count")}, rests, "Delivery monitoring")
    worst = dl.summary_.sort_values("cpi").iloc[0]
    keys = {"Red": (len(dl.intervene_), "count"), "Amber": (len(dl.watch_), "count"),
            "Green": (len(dl.on_track_), "count"), f"Lowest CPI ({worst.name})": (float(worst["cpi"]), "ratio")}
    return _box(lines[2] + " " + lines[0], keys, rests, "Delivery monitoring",
                {"Why red or amber": "Why each project is red or amber",
                 "Forecasts": "3. Forecasts: when will the remaining work be done?"})


def benefits_box(review) -> dict:
    """Page 05: benefits at risk [count], realised / planned to date [share], uplift to proposals [currency]."""
    pol, bn = review.policy, review.benefits_
    lines = narrative.benefits_sentences(bn.promised_)
    keys = {"Benefits at risk": (len(bn.at_risk_), "count")}
    if bn.realisation_rate_ is not None:
        keys["Realised / planned to date"] = (bn.realisation_rate_, "share")
    if bn.proposal_uplift_total_ is not None:
        keys["Uplift to proposals"] = (bn.proposal_uplift_total_, "money")
    rests = [f"tolerance {pol.tolerance:.0%} on the forecast total",
             f"uplifts at {pol.p_label}, classes of at least {pol.min_class_size}", _data(review)]
    return _box(" ".join(lines[:2]) if bn.assessed else lines[0], keys, rests, "Benefits and lessons",
                {"Register": "1. Benefits register: planned vs realised",
                 "Uplifts": "4. Lessons learned: reference-class uplifts for cost and duration"})


def governance_box(review) -> dict:
    """Page 06: escalations to the board and the PMO, projects failing a gate item, approach mismatches [count]."""
    pf, gov = review.portfolio_, review.governance_
    esc = gov.escalations_
    mism = int(gov.approach_["mismatch"].sum())
    failing = int((gov.by_project_["missing"] > 0).sum())
    lines = narrative.governance_sentences(mism, failing, esc)
    keys = {"To the portfolio board": (int((esc["level"] == "portfolio board").sum()), "count"),
            "To the PMO": (int((esc["level"] == "PMO").sum()), "count"),
            "Failing a gate item": (failing, "count"), "Approach mismatches": (mism, "count")}
    rests = [f"{pf.rules!r}", f"data date {gov.as_of_:%Y-%m-%d}" if gov.as_of_ is not None else "no data date",
             "delivery, schedule health and risk evidence from this review", _data(review)]
    return _box(lines[2] + " " + lines[1], keys, rests, "Governance",
                {"Escalation": "3 · Escalation: who, why, since when, and to whom",
                 "Gates": "2 · Stage gates: what evidence is missing?"})


#: The box builder of each curated page, by the page's two-digit number.
BOXES = {"00": summary_box, "01": intake_box, "02": selection_box, "03": risk_box, "04": delivery_box,
         "05": benefits_box, "06": governance_box}
