"""Executive-summary sentences are generated from the numbers (pmo_analytics.records.narrative)."""

from __future__ import annotations

import pandas as pd

from pmo_analytics.records import narrative as nv


def test_money():
    assert nv.money(12_345_678) == "12.3 M" and nv.money(0) == "0.0 M"


def test_pipeline_sentences():
    projects = pd.DataFrame({"stage": ["proposal", "proposal", "proposal", "active"],
                             "business_unit": ["Ops", "Ops", "Fin", "Ops"], "bucket": ["Run", "Grow", "Run", "Run"],
                             "estimated_cost": [3e6, 1e6, 2e6, 9e6]})
    budget = pd.DataFrame({"period": [1, 2], "budget": [1e6, 2e6]})
    s = nv.pipeline_sentences(projects, budget)
    assert s == ["The pipeline holds 3 proposals from 2 business units asking for 6.0 M in total.",
                 "The budget over the 2 planning periods is 3.0 M, so at most about 50% of the asks can be funded.",
                 "The largest asks come from Ops (4.0 M, mostly Run)."]


def test_portfolio_sentences_name_the_best_project_left_out():
    pf = pd.DataFrame({"selected": [True, False, False], "value": [5e6, 0.0, 0.0],
                       "base_value": [5e6, 2e6, 7e6], "mandatory": [True, False, False]},
                      index=["P1", "P2", "P3"])
    numbers = {"status": "optimal", "value": 5e6, "value_measure": "NPV [currency]", "spend": 4e6,
               "hire_spend": 0.0, "budget": 6e6}
    s = nv.portfolio_sentences(numbers, pf)
    assert s[0] == "The recommended portfolio funds 1 of 3 candidates for a NPV of 5.0 M (proven optimal)."
    assert s[1] == "It spends 4.0 M of the 6.0 M budget in the horizon."
    assert s[2].startswith("All 1 mandatory projects are in. The most valuable proposal left out is P3 (value 7.0 M)")


def test_risk_sentences_measure_contingency_against_the_plan_and_the_estimates():
    exp = pd.DataFrame({"project_id": ["A", "B", "C"], "p80_days_late": [12.0, -3.0, float("nan")],
                        "jcl": [0.1, 0.6, float("nan")]})
    table = pd.DataFrame({"cost_contingency": [1e6, 5e5, 2e5], "pc_cost": [11e6, 5.5e6, 1.2e6],
                          "estimated_cost": [10e6, 6e6, 1e6]}, index=["A", "B", "C"])
    s = nv.risk_sentences(table, exp)
    assert s[0] == ("At P80, 1 of 2 projects with a committed date finish after it; the worst is A, 12 working days "
                    "late (1 project without a committed date is not compared).")
    # 1.0 + 0.5 + 0.2 M above the plan; 1.0 - 0.5 + 0.2 M above the estimates
    assert s[1] == ("Holding every simulated project at P80 needs 1.7 M of cost contingency above the planned "
                    "(deterministic) cost; the P80 costs are 0.7 M above the approved estimates.")
    assert s[2] == "The joint confidence of meeting both the committed date and the estimate ranges from 10% to 60%."
    assert nv.risk_sentences(table.iloc[:0], exp.iloc[:0]) == [
        "No project in delivery has a schedule to simulate, so schedule and cost risk is not assessed."]
    none = nv.risk_sentences(table, exp.assign(p80_days_late=float("nan"), jcl=float("nan")), "P90")
    assert none[0].startswith("None of the 3 simulated projects has a committed finish") and "at P90" in none[1]
    assert none[2] == "The joint confidence of date and cost is not assessed without committed dates."


def test_infeasible_and_not_assessed_sentences():
    short = pd.DataFrame({"period": [1, 2], "budget": [3e6, 5e6], "unavoidable_spend": [4.5e6, 1e6],
                          "shortfall": [1.5e6, 0.0]})
    s = nv.infeasible_sentences(short, ["budget of period 1", "mandatory P-036"])
    assert s[1] == "Their unavoidable spend exceeds the budget in 1 period: period 1 short by 1.5 M (4.5 M needed, 3.0 M available)."
    assert s[2] == "The smallest set of constraints that cannot hold together: budget of period 1; mandatory P-036."
    assert "No single period" in nv.infeasible_sentences(short.assign(shortfall=0.0), [])[1]
    a = pd.DataFrame({"stage": ["risk", "risk", "delivery"], "subject": ["A-104", "A-101", "status reports"],
                      "assessed": [False, True, False], "reason": ["no schedule (no activities)", "", "no status"]})
    assert nv.not_assessed_sentences(a, "risk") == ["Not assessed — A-104: no schedule (no activities)."]
    assert nv.delivery_sentences(pd.DataFrame(columns=["rag"]))[0].startswith("No project in delivery has status")
    assert nv.benefits_sentences(None) == ["There is no benefits register, so benefits realisation is not assessed."]


def test_delivery_and_benefits_sentences():
    summ = pd.DataFrame({"project_id": ["A", "B"], "rag": ["red", "green"], "cpi": [0.8, 1.0], "spi_t": [0.9, 1.0],
                         "reasons": ["x: 1 (amber); y: CPI = 0.8 < 0.9 (red)", ""]})
    d = nv.delivery_sentences(summ)
    assert d[0] == "Of 2 projects in delivery, 1 red, 0 amber and 1 green."
    assert d[2] == "Intervention needed: A (y: CPI = 0.8 < 0.9 (red))."
    prom = pd.DataFrame({"measured": [True, False], "planned_to_date": [100.0, 0.0], "realised_to_date": [80.0, 0.0],
                         "n_at_risk": [1, 2], "realisation_rate": [0.8, 1.0]}, index=["C1", "C2"])
    b = nv.benefits_sentences(prom)
    assert b == ["Benefits measured to date: 0.0 M realised against 0.0 M planned (80%).",
                 "3 benefits are forecast to miss their target.", "The largest shortfall in rate is C1 (80% realised)."]


def test_governance_sentences():
    esc = pd.DataFrame({"project_id": ["A", "B"], "level": ["portfolio board", "PMO"]})
    assert nv.governance_sentences(1, 2, esc) == [
        "1 project is managed with an approach that does not match its NTCP profile.",
        "2 projects miss evidence their stage gate requires.",
        "A is escalated to this board."]


def test_intake_and_lessons_sentences():
    t = pd.DataFrame({"shortlisted": [True, True, False], "estimated_cost": [1e6, 2e6, 5e6],
                      "uplifted_cost": [1.2e6, 2.4e6, 6e6], "quadrant": ["pursue", "review risk", "avoid"]})
    assert nv.intake_sentences(t, 0.5) == [
        "2 of 3 proposals are shortlisted (weighted score at least 0.500, or mandatory); they would cost 3.6 M at "
        "reference-class estimates, 0.6 M more than estimated.",
        "1 are worth pursuing as they stand, 1 are valuable but risky, 0 are quick wins and 1 combine low value "
        "with high risk."]
    adopt = pd.DataFrame({"n": [12], "cost_uplift": [0.25], "duration_uplift": [0.1]}, index=["IT"])
    assert nv.lessons_sentences(adopt, 5e5, 2e6) == [
        "Adopt for IT (12 past projects): cost +25%, duration +10% (P80).",
        "Applied to the proposals this adds 0.5 M to their estimated cost (25%)."]
    assert nv.lessons_sentences(None, None, None)[0].startswith("No reference class")
