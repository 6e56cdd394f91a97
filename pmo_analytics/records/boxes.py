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

from ..tables.formats import currency_symbol
from . import narrative

__all__ = ["summary_box", "intake_box", "selection_box", "risk_box", "delivery_box", "benefits_box",
           "governance_box", "cost_basis", "BOXES"]


def _box(headline: str, key_numbers: dict, rests_on: list[str], title: str, evidence_links: dict | None = None,
         ask: str | None = None, options: list[str] | None = None) -> dict:
    out = {"headline": headline, "key_numbers": key_numbers, "rests_on": rests_on, "title": title}
    if evidence_links:
        out["evidence_links"] = evidence_links
    if ask:
        out["ask"] = ask
        out["options"] = [o for o in (options or []) if o]
    return out


def _data(review) -> str:
    return f"data fingerprint {review.fingerprint_[:12]}"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _and(items) -> str:
    items = [str(x) for x in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"


def _portfolio_words(pf) -> str:
    """``56 projects (48 proposals, 4 active, 4 closed) in 16 tables``: the data in words, not a repr."""
    stages = pf.projects["stage"].value_counts()
    order = [("proposal", "proposal"), ("active", "active"), ("closed", "closed")]
    parts = [f"{int(stages[k])} {w + ('s' if k == 'proposal' and stages[k] != 1 else '')}" for k, w in order
             if k in stages.index]
    return f"{_plural(len(pf.projects), 'project')} ({', '.join(parts)}) in {_plural(len(pf.tables), 'table')}"


def _rules_words(rules) -> str:
    if rules is None:
        return "no governance rules"
    return (f"governance rules: {_plural(len(rules.approach_rules), 'approach rule')}, "
            f"{_plural(len(rules.gate_checklist), 'gate item')}, {_plural(len(rules.escalation_rules), 'escalation rule')}")


def _policy_words(pol) -> str:
    objective = {"risk_adjusted": "risk-adjusted benefit", "npv": "NPV", "score": "strategic score"}.get(
        pol.objective, str(pol.objective).replace("_", " "))
    basis = {"reference_class": "reference-class costs", "estimate": "estimated costs"}.get(
        pol.cost_basis, str(pol.cost_basis).replace("_", " "))
    return f"review policy {pol.digest[:10]}: {objective}, {basis}, {pol.p_label}"


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


def _budget_cut_option(review) -> str | None:
    sel, pol = review.selection_, review.policy
    if not sel.feasible or sel.budget_cut_ is None:
        return None
    ch = sel.budget_cut_changes_
    lost = ch.get("lost") or []
    return (f"approve the {pol.budget_cut:.0%} budget-cut scenario instead: the value changes by "
            f"{narrative.money(ch['value_change'])}" + (f" and {_and(lost)} {'is' if len(lost) == 1 else 'are'} "
                                                        "deferred" if lost else ", nothing is deferred"))


def _offered_option(review) -> str | None:
    """The portfolio the selection under uncertainty offers at the policy's alpha, as an option before the board."""
    unc = review.uncertainty_
    us = unc.selector_ if unc is not None else None
    if us is None or getattr(us, "offered_", None) is None or us.offered_.x is None or not us.offered_.shown:
        return None
    c = us.comparison_
    if "offered" not in c.index:
        return None
    return (f"fund the portfolio chosen to keep the chance of overrunning any period under "
            f"{review.policy.overrun_alpha:.0%} instead: {narrative.money(float(c.loc['offered', 'value']))} of value "
            "(section 'Under uncertainty')")


def summary_box(review) -> dict:
    """Page 00, the executive summary: the recommended portfolio and who is escalated to the board.

    Key numbers: projects funded [count] and portfolio value [currency] (or the commitments' shortfall
    [currency] when no portfolio is feasible), cost contingency at the confidence level [currency] when risk
    was assessed, red projects and projects escalated to the portfolio board [count]. The ask: approve the
    portfolio, decide on the late projects' recovery and on the escalations.
    """
    pf, pol = review.portfolio_, review.policy
    sel, rk, dl, gov = review.selection_, review.risk_, review.delivery_, review.governance_
    board = gov.escalations_[gov.escalations_["level"] == "portfolio board"]
    asks, options = [], []
    if sel.feasible:
        head = narrative.portfolio_sentences(sel.numbers_, sel.selector_.portfolio_)[0]
        n = len(sel.numbers_["funded"])
        keys = {"Funded": (n, "count", "projects"), "Portfolio value": (sel.numbers_["value"], "money")}
        asks.append(f"approve the recommended portfolio of {_plural(n, 'project')} "
                    f"({narrative.money(sel.numbers_['value'])} of value, page 02)")
        options = ["approve the portfolio as recommended", _budget_cut_option(review),
                   "change budget, capacity or forced projects in the workshop's what-if (section 7) and decide on "
                   "the result"]
    else:
        head = " ".join(narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts)[:2])
        keys = {"Shortfall": (float(sel.shortfall_["shortfall"].sum()), "money")}
        asks.append("resolve the conflict between the commitments and the budget (page 02)")
        options = ["add budget in the short periods", "drop or defer a commitment", "allow later starts"]
    if rk.assessed:
        keys[f"Cost contingency at {pol.p_label}"] = (float(rk.table_["cost_contingency"].sum()), "money")
        rec = rk.recovery_
        ok = rec[rec["status"] == "recovered"] if len(rec) else rec
        if len(ok):
            asks.append(f"fund the cheapest recovery of {_and(ok.index)} to {'its' if len(ok) == 1 else 'their'} "
                        f"commitment at {pol.p_label} ({narrative.money(float(ok['recovery_cost'].sum()))} in all) or "
                        f"move {'that commitment' if len(ok) == 1 else 'those commitments'} (page 03)")
    keys["Red projects"] = (len(dl.intervene_), "count", "projects")
    keys["Escalated to this board"] = (len(board), "count", "projects")
    tail = (f" {len(board)} project{'s are' if len(board) != 1 else ' is'} escalated to this board: "
            f"{', '.join(board['project_id'])}." if len(board) else " No project is escalated to this board.")
    if len(board):
        asks.append(f"decide on {_and(board['project_id'])}, escalated to it (page 06)")
    rests = [_portfolio_words(pf), _data(review),
             f"data date {review.as_of_:%Y-%m-%d}" if review.as_of_ is not None else "no data date",
             _policy_words(pol)]
    if sel.feasible:
        u_head, u_keys, u_rests = _under_uncertainty(review)
        head, keys, rests = (f"{head} {u_head}" if u_head else head), {**keys, **u_keys}, rests + u_rests
    ask = "The board is asked to " + (", to ".join(asks[:-1]) + " and to " + asks[-1] if len(asks) > 1 else asks[0])
    return _box(head + tail, keys, rests, "Portfolio review — executive summary",
                {"Portfolio": "2 · Recommended portfolio", "Risk": "3 · Risk exposure of the projects in delivery",
                 "Delivery": "4 · Delivery status", "Governance": "6 · Governance and escalation"},
                ask=ask + ".", options=options)


def intake_box(review) -> dict:
    """Page 01: the shortlist, its size [count] and its cost at the confidence level [currency]; the ask: confirm
    the shortlist for selection."""
    pol, screening = review.policy, review.screening_
    if screening is None:
        return _box("No proposals to screen this period.", {"Proposals": (0, "count", "proposals")}, [_data(review)],
                    "Intake screening", ask="The board is asked to note that there is no proposal to screen.")
    t = screening.table_
    n = len(screening.shortlist_)
    keys = {"Shortlisted": (n, "count", "proposals"), "Proposals": (len(t), "count", "proposals"),
            f"Shortlist at {pol.p_label} costs": (float(t.loc[screening.shortlist_, "uplifted_cost"].sum()), "money")}
    rests = [f"weights {'from AHP judgements' if screening.ahp_ is not None else 'from the criteria table'}",
             f"{pol.normalisation} score normalisation",
             f"reference-class uplifts at {pol.p_label}" if screening.uplifts_ is not None
             else "estimates as given (no history)",
             _data(review)]
    ask = (f"The board is asked to confirm the shortlist of {_plural(n, 'proposal')} as the candidates the portfolio "
           "selection (page 02) chooses from.")
    options = ["confirm the shortlist", f"change the score threshold (now {screening.threshold_:.3f})",
               "add or remove named proposals, with the reason recorded"]
    return _box(narrative.intake_sentences(t, screening.threshold_)[0], keys, rests, "Intake screening",
                {"Weights": "Driver weights", "Scores": "Weighted scores", "Shortlist": "Decision: the shortlist"},
                ask=ask, options=options)


def selection_box(review) -> dict:
    """Page 02: the recommended portfolio (funded [count], value, spend, budget, hiring [currency]); the ask:
    approve the discretionary projects with their starts.

    Without a feasible portfolio: the periods whose budget cannot carry the commitments [count] and the total
    shortfall [currency]; the ask: resolve the conflict.
    """
    pol, sel = review.policy, review.selection_
    rests = [f"objective: {narrative._measure(sel.data_.value_label)}", f"proposal costs {cost_basis(review)}",
             "hiring at the capacity table's cost" if pol.hiring else "no hiring", _data(review)]
    if sel.feasible:
        n = sel.numbers_
        lines = narrative.portfolio_sentences(n, sel.selector_.portfolio_)
        keys = {"Funded": (len(n["funded"]), "count", "projects"), "Value": (n["value"], "money"),
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
        funded = sel.funded_
        chosen = funded[~funded["mandatory"].astype(bool)]
        starts = ", ".join(f"{pid} from period {int(r['start_period'])}" for pid, r in chosen.iterrows())
        ask = (f"The board is asked to approve {_plural(len(chosen), 'discretionary project')}"
               + (f" ({starts})" if starts else "")
               + f" alongside the {int(funded['mandatory'].sum())} mandatory or committed ones: "
               f"{narrative.money(n['value'])} of {narrative._measure(sel.data_.value_label)}, "
               f"{narrative.money(n['spend'])} of spend" + (f" and {narrative.money(n['hire_spend'])} of hiring"
                                                            if n["hire_spend"] > 0 else "") + ".")
        options = ["approve the portfolio as recommended", _budget_cut_option(review),
                   "defer the decision and re-run the review with other constraints"]
        offered = _offered_option(review)
        if offered:
            options.insert(2, offered)
    else:
        lines = narrative.infeasible_sentences(sel.shortfall_, sel.infeasible_.conflicts)
        short = sel.shortfall_[sel.shortfall_["shortfall"] > 0]
        keys = {"Periods short": (len(short), "count", "periods"),
                "Total shortfall": (float(short["shortfall"].sum()), "money")}
        links = {"The conflict": "Can the commitments be met?"}
        ask = ("The board is asked to resolve the conflict between the commitments and the budget before any "
               "portfolio can be recommended.")
        options = ["add budget in the short periods", "drop or defer a commitment", "allow later starts"]
    return _box(" ".join(lines[:2]), keys, rests, "Portfolio selection", links, ask=ask, options=options)


def risk_box(review) -> dict:
    """Page 03: projects simulated [count], cost contingency [currency], schedule contingency and lateness [days].

    Its ask: hold the contingency at the confidence level and, for every project late at it, fund the cheapest
    recovery to its commitment [currency] (``RiskReview.recovery_``) or move the commitment.
    """
    from ..tables.columns import at_level

    pol, rk = review.policy, review.risk_
    P = pol.p_label
    lines = narrative.risk_sentences(rk.table_, rk.exposure_, P)
    rests = [f"{pol.iterations:,} iterations per project, Latin hypercube",
             f"rank correlation {pol.group_correlation} within groups",
             "risk register as drivers" if rk.has_risks_ else "no risk register: duration uncertainty only",
             _data(review)]
    if not rk.assessed:
        return _box(lines[0], {"Projects simulated": (0, "count", "projects")}, rests, "Schedule and cost risk",
                    ask="The board is asked to note that no schedule could be simulated: schedule and cost risk are "
                        "not assessed.")
    t = rk.table_
    late = rk.exposure_[at_level("days_late", pol.confidence)].dropna()
    keys = {"Projects simulated": (len(rk.projects_), "count", "projects"),
            f"Cost contingency at {P}": (float(t["cost_contingency"].sum()), "money"),
            "Schedule contingency, largest": (float(t["schedule_contingency"].max()), "days"),
            f"Worst lateness at {P} vs commitment": (float(late.max()), "days") if len(late)
            else ("not assessed", "text")}
    unsound = narrative.logic_sentences(rk.health_, short=True)  # a board signs this box: it must say so
    rec = rk.recovery_  # the ask: the cheapest recovery of each project late at the confidence level
    ok = rec[rec["status"] == "recovered"]
    if len(ok):
        keys[f"Cost to recover at {P}"] = (float(ok["recovery_cost"].sum()), "money")
    if len(rec):
        rests.append(f"recovery: crash limits and rates of the activities, plans validated on "
                     f"{rk.recovery_validation:,} independent scenarios")
    recovery = narrative.recovery_ask(rec, P)
    ask = (f"The board is asked to hold {narrative.money(float(t['cost_contingency'].sum()))} of cost contingency "
           f"and the schedule contingency shown at {P}"
           + (f", and to decide on the recovery of the {_plural(len(rec), 'project')} late at {P}:" if recovery
              else "."))
    return _box(" ".join([lines[1], lines[0], *unsound]), keys, rests,
                "Schedule and cost risk",
                {"Health": "1. Schedule health check",
                 "P50 / P80": "2. Simulation: P50 and confidence-level dates and costs, contingency",
                 "Drivers": "3. What drives the risk", "Mitigations": "4. Which mitigations pay for themselves",
                 "Recovery": "5. Recovery: the cheapest way back to the commitment"},
                ask=ask, options=recovery)


def delivery_box(review) -> dict:
    """Page 04: red, amber and green projects [count] and the lowest CPI [ratio]; the ask: direct the
    interventions on the red projects."""
    pol, dl = review.policy, review.delivery_
    lines = narrative.delivery_sentences(dl.summary_)
    rests = ["earned value and earned schedule from the status reports",
             f"RAG rules: {len(dl.rules_)} (defaults + board commitment)",
             f"EAC method {pol.eac_method}, ranges from the last {pol.window} periods", _data(review)]
    if not dl.assessed:
        return _box(lines[0], {"Projects with status": (0, "count", "projects")}, rests, "Delivery monitoring",
                    ask="The board is asked to note that no project in delivery has status reports: delivery is "
                        "not assessed.")
    worst = dl.summary_.sort_values("cpi").iloc[0]
    keys = {"Red": (len(dl.intervene_), "count", "projects"), "Amber": (len(dl.watch_), "count", "projects"),
            "Green": (len(dl.on_track_), "count", "projects"),
            f"Lowest CPI ({worst.name})": (float(worst["cpi"]), "ratio",
                                           f"earned per {currency_symbol().strip()}1 spent")}
    if dl.intervene_:
        ask = (f"The board is asked to direct the intervention on {_and(dl.intervene_)} (red) and to have "
               + ("its" if len(dl.intervene_) == 1 else "their") + " recovery plans reported at the next review.")
        options = ["direct the interventions as stated", "ask for a recovery plan first and decide at the next review",
                   "re-baseline the project(s) concerned"]
    else:
        ask = "The board is asked to note that no project needs intervention" + (
            f"; {_and(dl.watch_)} {'is' if len(dl.watch_) == 1 else 'are'} watched." if dl.watch_ else ".")
        options = []
    return _box(lines[2] + " " + lines[0], keys, rests, "Delivery monitoring",
                {"Why red or amber": "Why each project is red or amber",
                 "Forecasts": "3. Forecasts: when will the remaining work be done?"}, ask=ask, options=options)


def benefits_box(review) -> dict:
    """Page 05: benefits at risk [count], realised / planned to date [share], uplift to proposals [currency]; the
    ask: recovery plans for the benefits at risk, owners where none is named, and the uplifts to adopt."""
    pol, bn = review.policy, review.benefits_
    lines = narrative.benefits_sentences(bn.promised_)
    keys = {"Benefits at risk": (len(bn.at_risk_), "count", "benefits")}
    if bn.realisation_rate_ is not None:
        keys["Realised / planned to date"] = (bn.realisation_rate_, "share")
    if bn.proposal_uplift_total_ is not None:
        keys["Uplift to proposals"] = (bn.proposal_uplift_total_, "money")
    rests = [f"tolerance {pol.tolerance:.0%} on the forecast total",
             f"uplifts at {pol.p_label}, classes of at least {pol.min_class_size}", _data(review)]
    asks = []
    if len(bn.at_risk_):
        asks.append("send the benefit at risk to its owner for a recovery plan" if len(bn.at_risk_) == 1 else
                    f"send the {len(bn.at_risk_)} benefits at risk to their owners for recovery plans")
    real = bn.realisation_ if bn.assessed else None
    if real is not None and "status" in real.columns:
        no_owner = real[real["status"].astype(str).str.contains("missing owner")]["benefit_id"].tolist()
        if no_owner:
            asks.append(f"name an owner for {_and(no_owner)}")
    if bn.adopt_ is not None and len(bn.adopt_):
        asks.append("adopt the reference-class uplifts for estimating"
                    + (f" (they add {narrative.money(bn.proposal_uplift_total_)} to the proposals' estimates)"
                       if bn.proposal_uplift_total_ is not None else ""))
    ask = ("The board is asked to " + (", to ".join(asks[:-1]) + " and to " + asks[-1] if len(asks) > 1 else asks[0])
           + ".") if asks else "The board is asked to note the benefits register: no benefit is at risk."
    options = ["agree the actions as stated", "accept the shortfall of a named benefit and re-plan it"] if asks else []
    return _box(" ".join(lines[:2]) if bn.assessed else lines[0], keys, rests, "Benefits and lessons",
                {"Register": "1. Benefits register: planned vs realised",
                 "Uplifts": "4. Lessons learned: reference-class uplifts for cost and duration"},
                ask=ask, options=options)


def governance_box(review) -> dict:
    """Page 06: escalations to the board and the PMO, projects failing a gate item, approach mismatches [count];
    the ask: decide on each project escalated to the board."""
    pf, gov = review.portfolio_, review.governance_
    esc = gov.escalations_
    mism = int(gov.approach_["mismatch"].sum())
    failing = int((gov.by_project_["missing"] > 0).sum())
    lines = narrative.governance_sentences(mism, failing, esc)
    keys = {"To the portfolio board": (int((esc["level"] == "portfolio board").sum()), "count", "projects"),
            "To the PMO": (int((esc["level"] == "PMO").sum()), "count", "projects"),
            "Failing a gate item": (failing, "count", "projects"), "Approach mismatches": (mism, "count", "projects")}
    rests = [_rules_words(pf.rules), f"data date {gov.as_of_:%Y-%m-%d}" if gov.as_of_ is not None else "no data date",
             "delivery, schedule health and risk evidence from this review", _data(review)]
    board = esc[esc["level"] == "portfolio board"]
    if len(board):
        ask = (f"The board is asked to decide on {_and(board['project_id'])}, escalated to it under rules "
               f"{_and(sorted(set(', '.join(board['rules']).split(', '))))}, and to note the "
               f"{_plural(int((esc['level'] == 'PMO').sum()), 'escalation')} handled by the PMO.")
        options = ["approve a recovery plan and its date", "re-baseline the commitment", "pause or stop the project"]
    else:
        ask = (f"The board is asked to note the {_plural(len(esc), 'escalation')} below its level; none needs its "
               "decision.")
        options = []
    return _box(lines[2] + " " + lines[1], keys, rests, "Governance",
                {"Escalation": "3 · Escalation: who, why, since when, and to whom",
                 "Gates": "2 · Stage gates: what evidence is missing?"}, ask=ask, options=options)


#: The box builder of each curated page, by the page's two-digit number.
BOXES = {"00": summary_box, "01": intake_box, "02": selection_box, "03": risk_box, "04": delivery_box,
         "05": benefits_box, "06": governance_box}
