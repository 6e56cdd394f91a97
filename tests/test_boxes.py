"""Decision boxes of the curated pages (pmo_analytics.records.boxes): hand-checked headlines and key numbers."""

from __future__ import annotations

import json
from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest

import pmo_analytics as pmo
from pmo_analytics.records import boxes, narrative
from pmo_analytics.records.pages import decision
from pmo_analytics.review import PortfolioReview

from .conftest import DATA, MINIMAL

POLICY = NS(p_label="P80", confidence=80.0, digest="abcdef0123456789", objective="value",
            cost_basis="reference_class", hiring=True, iterations=500, group_correlation=0.3, eac_method="cpi",
            window=3, tolerance=0.1, min_class_size=3, normalisation="minmax")
RULES = NS(approach_rules=[1, 2], gate_checklist=[1], escalation_rules=[1, 2, 3])


def _keys(box):
    return {k: v for k, v in box["key_numbers"].items()}


def test_governance_box_counts_escalations_and_failing_projects():
    esc = pd.DataFrame({"project_id": ["A", "B", "C"], "level": ["portfolio board", "PMO", "project board"]})
    gov = NS(escalations_=esc, approach_=pd.DataFrame({"project_id": ["A", "B"], "mismatch": [True, False]}),
             by_project_=pd.DataFrame({"project_id": ["A", "B", "C"], "missing": [0, 2, 1]}),
             as_of_=pd.Timestamp("2026-06-30"))
    esc["rules"] = ["E4, E7", "E2", "E1"]
    review = NS(portfolio_=NS(rules=RULES), governance_=gov, fingerprint_="f" * 64, policy=POLICY)
    box = boxes.governance_box(review)
    assert box["headline"] == ("A is escalated to this board. 2 projects miss evidence their stage gate requires.")
    assert _keys(box) == {"To the portfolio board": (1, "count", "projects"), "To the PMO": (1, "count", "projects"),
                          "Failing a gate item": (2, "count", "projects"),
                          "Approach mismatches": (1, "count", "projects")}
    # what the decision rests on, in words (no Python repr)
    assert box["rests_on"][:2] == ["governance rules: 2 approach rules, 1 gate item, 3 escalation rules",
                                   "data date 2026-06-30"]
    assert box["rests_on"][-1] == "data fingerprint ffffffffffff"
    assert box["ask"] == ("The board is asked to decide on A, escalated to it under rules E4 and E7, and to note the "
                          "1 escalation handled by the PMO.")
    assert len(box["options"]) == 3
    assert decision(**box)["evidence"][0]["href"] == "#3-·-Escalation:-who,-why,-since-when,-and-to-whom".replace(
        "·", "%C2%B7")


def test_delivery_box_names_the_lowest_cpi_and_says_when_nothing_is_assessed():
    summary = pd.DataFrame({"rag": ["red", "green"], "cpi": [0.8, 1.05], "spi_t": [0.9, 1.0],
                            "reasons": ["CPI 0.80 (red)", ""]}, index=pd.Index(["A", "B"], name="project_id"))
    dl = NS(summary_=summary, rules_=[1, 2, 3], assessed=True, intervene_=["A"], watch_=[], on_track_=["B"])
    review = NS(policy=POLICY, delivery_=dl, fingerprint_="0" * 64)
    box = boxes.delivery_box(review)
    assert box["headline"] == ("Intervention needed: A (CPI 0.80 (red)). Of 2 projects in delivery, 1 red, 0 amber "
                               "and 1 green.")
    assert _keys(box) == {"Red": (1, "count", "projects"), "Amber": (0, "count", "projects"),
                          "Green": (1, "count", "projects"), "Lowest CPI (A)": (0.8, "ratio", "earned per £1 spent")}
    assert box["ask"] == ("The board is asked to direct the intervention on A (red) and to have its recovery plans "
                          "reported at the next review.")
    assert box["rests_on"][1] == "RAG rules: 3 (defaults + board commitment)"
    empty = boxes.delivery_box(NS(policy=POLICY, fingerprint_="0" * 64, delivery_=NS(
        summary_=summary.iloc[:0], rules_=[], assessed=False, intervene_=[], watch_=[], on_track_=[])))
    assert empty["headline"].startswith("No project in delivery has status reports")
    assert _keys(empty) == {"Projects with status": (0, "count", "projects")} and "evidence_links" not in empty
    assert empty["ask"].startswith("The board is asked to note that no project in delivery has status reports")


def test_risk_box_sums_cost_contingency_and_takes_the_worst_lateness():
    table = pd.DataFrame({"cost_contingency": [1e6, 5e5], "schedule_contingency": [12.0, 30.0],
                          "p80_cost": [11e6, 6e6], "estimated_cost": [10e6, 6e6]}, index=["A", "B"])
    exposure = pd.DataFrame({"project_id": ["A", "B"], "p80_days_late": [4.0, float("nan")], "jcl": [0.5, None]})
    health = pd.DataFrame({"project_id": ["A", "B"], "check": ["Logic", "Logic"], "passed": [True, True],
                           "value": [0.0, 1.0], "unit": ["%", "%"], "threshold": ["<= 5%", "<= 5%"]})
    rk = NS(table_=table, exposure_=exposure, projects_=["A", "B"], has_risks_=False, assessed=True, health_=health,
            recovery_=RECOVERY.iloc[:0], recovery_validation=10_000)
    box = boxes.risk_box(NS(policy=POLICY, risk_=rk, fingerprint_="1" * 64))
    assert box["headline"].startswith("Holding every simulated project at P80 needs £1.5 M of cost contingency")
    assert box["headline"].endswith("the worst is A, 4 working days late (1 project without a committed date is "
                                    "not compared).")
    assert _keys(box) == {"Projects simulated": (2, "count", "projects"), "Cost contingency at P80": (1.5e6, "money"),
                          "Schedule contingency, largest": (30.0, "days"),
                          "Worst lateness at P80 vs commitment": (4.0, "days")}
    assert box["ask"] == "The board is asked to hold £1.5 M of cost contingency and the schedule contingency shown at P80."
    assert box["options"] == []
    assert "no risk register: duration uncertainty only" in box["rests_on"]
    no_commit = boxes.risk_box(NS(policy=POLICY, fingerprint_="1" * 64, risk_=NS(
        **(rk.__dict__ | {"exposure_": exposure.assign(p80_days_late=float("nan"))}))))
    assert _keys(no_commit)["Worst lateness at P80 vs commitment"] == ("not assessed", "text")
    # a network whose logic fails a check the simulation rests on: the box a board signs says so
    unsound = boxes.risk_box(NS(policy=POLICY, fingerprint_="1" * 64, risk_=NS(
        **(rk.__dict__ | {"health_": health.assign(passed=[True, False], value=[0.0, 35.1])}))))
    assert unsound["headline"] == box["headline"] + (" Unsound schedule logic: B (Logic); their simulated dates are "
                                                     "what their networks imply, not forecasts to commit to.")


RECOVERY = pd.DataFrame({"committed_finish": [pd.Timestamp("2027-06-30"), pd.Timestamp("2027-03-31"),
                                              pd.Timestamp("2027-01-29")],
                         "confidence_before": [0.03, 0.4, 0.6], "confidence_after": [0.812, np.nan, np.nan],
                         "after_lo": [0.804, np.nan, np.nan], "after_hi": [0.819, np.nan, np.nan],
                         "recovery_cost": [253_070.0, np.nan, np.nan], "activities_crashed": [14, 0, 0],
                         "days_crashed": [48.4, 0.0, 0.0], "max_confidence": [0.99, 0.55, np.nan],
                         "status": ["recovered", "not reachable", "no crash data"]},
                        index=pd.Index(["A", "B", "C"], name="project_id"))


def test_risk_box_asks_for_the_cheapest_recovery_of_late_projects():
    table = pd.DataFrame({"cost_contingency": [1e6, 5e5, 0.0], "schedule_contingency": [12.0, 30.0, 5.0],
                          "p80_cost": [11e6, 6e6, 1e6], "estimated_cost": [10e6, 6e6, 1e6]}, index=["A", "B", "C"])
    exposure = pd.DataFrame({"project_id": ["A", "B", "C"], "p80_days_late": [40.0, 9.0, 2.0],
                             "jcl": [0.1, 0.3, 0.5]})
    health = pd.DataFrame({"project_id": ["A", "B", "C"], "check": ["Logic"] * 3, "passed": [True] * 3,
                           "value": [0.0] * 3, "unit": ["%"] * 3, "threshold": ["<= 5%"] * 3})
    rk = NS(table_=table, exposure_=exposure, projects_=["A", "B", "C"], has_risks_=False, assessed=True,
            health_=health, recovery_=RECOVERY, recovery_validation=10_000)
    box = boxes.risk_box(NS(policy=POLICY, risk_=rk, fingerprint_="1" * 64))
    # the box ends with the ask: hold the contingency, and decide on each late project's recovery
    assert box["ask"] == ("The board is asked to hold £1.5 M of cost contingency and the schedule contingency shown "
                          "at P80, and to decide on the recovery of the 3 projects late at P80:")
    assert box["options"] == [
        "The board is asked to fund the cheapest recovery to the commitment at P80 (A £253 k (3% -> 81%); "
        "£253 k in all) or to move that commitment.", "B cannot be brought back to its commitment at P80 within the "
        "crash limits: the board is asked to move that commitment or the scope."]
    assert "The board is asked" not in box["headline"]
    assert _keys(box)["Cost to recover at P80"] == (253_070.0, "money")
    assert box["evidence_links"]["Recovery"] == "5. Recovery: the cheapest way back to the commitment"
    lines = narrative.recovery_sentences(RECOVERY, "P80", 10_000)
    assert lines[0] == ("A: to finish by 2027-06-30 at P80 (now 3%), crash 14 activities by 48 working days in "
                        "total for £253 k; validated on 10,000 independent scenarios, the plan gives 81.2% (95% "
                        "interval 80.4%-81.9%).")
    assert lines[1].startswith("B cannot finish by 2027-03-31 at P80 within its crash limits: crashing every "
                               "activity that can be shortened to its limit gives 55.0% (now 40%), not enough")
    assert lines[2] == ("C is late at P80 (60% by 2027-01-29) and its activities carry no crash limits, so the "
                        "cost of recovering it is not assessed.")
    assert narrative.recovery_sentences(RECOVERY.iloc[:0]) == [
        "No project with a committed date is late at P80: no recovery is needed."]
    assert narrative.recovery_ask(RECOVERY.iloc[:0]) == []


def test_intake_box_without_proposals():
    box = boxes.intake_box(NS(policy=POLICY, screening_=None, fingerprint_="2" * 64))
    assert box == {"headline": "No proposals to screen this period.",
                   "key_numbers": {"Proposals": (0, "count", "proposals")},
                   "rests_on": ["data fingerprint 222222222222"], "title": "Intake screening",
                   "ask": "The board is asked to note that there is no proposal to screen.", "options": []}


@pytest.fixture(scope="module")
def reviews():
    """The minimal portfolio and the one with only the required tables, fitted with few iterations."""
    return {name: PortfolioReview(seed=3, iterations=200, uncertainty=False).fit(pmo.read_portfolio(path))
            for name, path in (("minimal", MINIMAL), ("required_only", DATA / "required_only"))}


@pytest.mark.parametrize("page", sorted(boxes.BOXES))
def test_every_box_is_a_valid_decision_on_both_portfolios(reviews, page):
    for name, review in reviews.items():
        box = boxes.BOXES[page](review)
        payload = decision(**box)
        assert payload["headline"] and payload["title"], (page, name)
        assert payload["rests_on"][-1] == f"data fingerprint {review.fingerprint_[:12]}" or page == "00"
        assert all(k["kind"] in ("count", "money", "days", "ratio", "share", "text") for k in payload["key_numbers"])
        # every box ends with what the board is asked to decide; every tile has a unit; no Python repr
        assert payload["ask"].startswith("The board is asked to"), (page, name)
        assert all(k["unit"] for k in payload["key_numbers"]), (page, name)
        assert not any("(" in r and "'" in r and ":" in r for r in payload["rests_on"]), payload["rests_on"]


def test_boxes_on_the_minimal_portfolios_match_the_stages(reviews):
    full, bare = reviews["minimal"], reviews["required_only"]
    # the minimal portfolio's commitments do not fit its budget: the box says so with the shortfall
    assert not full.selection_.feasible
    short = full.selection_.shortfall_
    box = boxes.selection_box(full)
    assert box["headline"].startswith("No portfolio can carry the mandatory and committed projects")
    assert _keys(box) == {"Periods short": (int((short["shortfall"] > 0).sum()), "count", "periods"),
                          "Total shortfall": (float(short["shortfall"].sum()), "money")}
    assert box["evidence_links"] == {"The conflict": "Can the commitments be met?"}
    # only the required tables: a feasible portfolio, nothing simulated, no status, no benefits
    sel = bare.selection_
    assert sel.feasible and _keys(boxes.selection_box(bare))["Funded"] == (len(sel.numbers_["funded"]), "count",
                                                                          "projects")
    assert _keys(boxes.selection_box(bare))["Value"] == (sel.numbers_["value"], "money")
    assert not bare.risk_.assessed and _keys(boxes.risk_box(bare)) == {"Projects simulated": (0, "count", "projects")}
    assert _keys(boxes.delivery_box(bare)) == {"Projects with status": (0, "count", "projects")}
    b = boxes.benefits_box(bare)
    assert not bare.benefits_.assessed and b["headline"] == (
        "There is no benefits register, so benefits realisation is not assessed.")
    assert _keys(b) == {"Benefits at risk": (0, "count", "benefits")}
    s = boxes.summary_box(full)
    assert _keys(s)["Red projects"] == (len(full.delivery_.intervene_), "count", "projects")
    assert _keys(s)["Shortfall"] == (float(short["shortfall"].sum()), "money") and "Funded" not in _keys(s)
    assert s["rests_on"][1] == f"data fingerprint {full.fingerprint_[:12]}"
    assert s["rests_on"][0].endswith("tables") and "Portfolio(" not in s["rests_on"][0]


def test_cost_basis():
    review = NS(policy=POLICY, selection_=NS(costs_=pd.Series([1.0])))
    assert boxes.cost_basis(review) == "uplifted to P80 by reference class"
    review.selection_.costs_ = None
    assert boxes.cost_basis(review) == "as estimated"


def test_every_evidence_link_names_a_heading_of_its_page(reviews):
    from pmo_analytics.records import list_notebooks

    pages = {p.name[:2]: p for p in list_notebooks()}
    for page, build in boxes.BOXES.items():
        nb = json.loads(pages[page].read_text())
        headings = {line.lstrip("#").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                    for line in "".join(c["source"]).splitlines() if line.startswith("#")}
        for review in reviews.values():
            for label, heading in build(review).get("evidence_links", {}).items():
                assert heading in headings, (page, label, heading)
