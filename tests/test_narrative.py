"""Executive-summary sentences are generated from the numbers (pmo_analytics.records.narrative)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmo_analytics.records import narrative as nv


def test_money():
    assert nv.money(12_345_678) == "£12.3 M" and nv.money(0) == "£0"
    assert nv.money(9_106) == "£9,106" and nv.money(-120_500) == "-£120 k"  # never "0.0 M" for a few thousand


def test_pipeline_sentences():
    projects = pd.DataFrame({"stage": ["proposal", "proposal", "proposal", "active"],
                             "business_unit": ["Ops", "Ops", "Fin", "Ops"], "bucket": ["Run", "Grow", "Run", "Run"],
                             "estimated_cost": [3e6, 1e6, 2e6, 9e6]})
    budget = pd.DataFrame({"period": [1, 2], "budget": [1e6, 2e6]})
    s = nv.pipeline_sentences(projects, budget)
    assert s == ["The pipeline holds 3 proposals from 2 business units asking for £6.0 M in total.",
                 "The budget over the 2 planning periods is £3.0 M, so at most about 50% of the asks can be funded.",
                 "The largest asks come from Ops (£4.0 M, mostly Run)."]


def test_portfolio_sentences_name_the_best_project_left_out():
    pf = pd.DataFrame({"selected": [True, False, False], "value": [5e6, 0.0, 0.0],
                       "base_value": [5e6, 2e6, 7e6], "mandatory": [True, False, False]},
                      index=["P1", "P2", "P3"])
    numbers = {"status": "optimal", "value": 5e6, "value_measure": "NPV [currency]", "spend": 4e6,
               "hire_spend": 0.0, "budget": 6e6}
    s = nv.portfolio_sentences(numbers, pf)
    assert s[0] == "The recommended portfolio funds 1 of 3 candidates for a NPV of £5.0 M (proven optimal)."
    assert s[1] == "It spends £4.0 M of the £6.0 M budget in the horizon."
    assert s[2].startswith("All 1 mandatory projects are in. The most valuable proposal left out is P3 (value £7.0 M)")


def test_risk_sentences_measure_contingency_against_the_plan_and_the_estimates():
    exp = pd.DataFrame({"project_id": ["A", "B", "C"], "p80_days_late": [12.0, -3.0, float("nan")],
                        "jcl": [0.1, 0.6, float("nan")]})
    table = pd.DataFrame({"cost_contingency": [1e6, 5e5, 2e5], "p80_cost": [11e6, 5.5e6, 1.2e6],
                          "estimated_cost": [10e6, 6e6, 1e6]}, index=["A", "B", "C"])
    s = nv.risk_sentences(table, exp)
    assert s[0] == ("At P80, 1 of 2 projects with a committed date finish after it; the worst is A, 12 working days "
                    "late (1 project without a committed date is not compared).")
    # 1.0 + 0.5 + £0.2 M above the plan; 1.0 - 0.5 + £0.2 M above the estimates
    assert s[1] == ("Holding every simulated project at P80 needs £1.7 M of cost contingency above the planned "
                    "(deterministic) cost; the P80 costs are £700 k above the approved estimates.")
    assert s[2] == ("The chance of meeting both the committed date and the approved estimate (joint confidence of "
                    "commitment and estimate) ranges from 10% to 60%.")
    assert nv.risk_sentences(table.iloc[:0], exp.iloc[:0]) == [
        "No project in delivery has a schedule to simulate, so schedule and cost risk is not assessed."]
    none = nv.risk_sentences(table.rename(columns={"p80_cost": "p90_cost"}),
                             exp.rename(columns={"p80_days_late": "p90_days_late"}).assign(
                                 p90_days_late=float("nan"), jcl=float("nan")), "P90")
    assert none[0].startswith("None of the 3 simulated projects has a committed finish") and "at P90" in none[1]
    assert none[2] == "The joint confidence of commitment and estimate is not assessed without committed dates."


def test_infeasible_and_not_assessed_sentences():
    short = pd.DataFrame({"period": [1, 2], "budget": [3e6, 5e6], "unavoidable_spend": [4.5e6, 1e6],
                          "shortfall": [1.5e6, 0.0]})
    s = nv.infeasible_sentences(short, ["budget of period 1", "mandatory P-036"])
    assert s[1] == "Their unavoidable spend exceeds the budget in 1 period: period 1 short by £1.5 M (£4.5 M needed, £3.0 M available)."
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
    assert b == ["Benefits measured to date: £80 realised against £100 planned (80%).",
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
        "2 of 3 proposals are shortlisted (weighted score at least 0.500, or mandatory); they would cost £3.6 M at "
        "reference-class estimates, £600 k more than estimated.",
        "1 are worth pursuing as they stand, 1 are valuable but risky, 0 are quick wins and 1 combine low value "
        "with high risk."]
    adopt = pd.DataFrame({"n": [12], "cost_uplift": [0.25], "duration_uplift": [0.1]}, index=["IT"])
    assert nv.lessons_sentences(adopt, 5e5, 2e6) == [
        "Adopt for IT (12 past projects): cost +25%, duration +10% (P80).",
        "Applied to the proposals this adds £500 k to their estimated cost (25%)."]
    assert nv.lessons_sentences(None, None, None)[0].startswith("No reference class")


def _comparison(**over):
    """A comparison_ as UncertainSelector writes it: the offered portfolio, the SAA, today's rule, the recommended."""
    comp = pd.DataFrame({"value": [29.7e6, 30.9e6, 34.2e6, 36.8e6], "funded": [10, 11, 14, 14],
                         "p_overrun": [0.0869, 0.1147, 0.3563, 0.6048], "ci_low": [0.0815, 0.1086, 0.347, 0.595],
                         "ci_high": [0.0926, 0.1211, 0.3657, 0.6143], "p_bound": [0.0926, 0.1211, 0.3657, 0.6143],
                         "cvar_overrun": [3.8e5, 4.8e5, 9.9e5, 1.4e6], "validation_scenarios": [10000] * 4,
                         "status": ["shown", "within 0.97 % of optimal", "optimal", ""]},
                        index=pd.Index(["offered", "SAA", "deterministic P90", "recommended"], name="method"))
    for k, v in over.items():
        comp[k] = v
    return comp


def test_uncertainty_sentences():
    from types import SimpleNamespace as NS

    spend = pd.DataFrame({"budget": [10e6, 10e6], "p80_spend": [9e6, 12e6], "p_overrun": [0.05, 0.4]}, index=[1, 2])
    comp = _comparison()
    off = NS(x=[1], source="recommended", dropped=[1, 2, 3, 4], added=[], tuning_scenarios=10000,
             tuning_overrun=0.0812, check_scenarios=10000, p_check=0.0869, checks=1, bound=0.0926)
    s = nv.uncertainty_sentences(spend, 0.587, comp, 0.1, "within 0.97 % of optimal", scenarios=100, offered=off)
    assert s[0] == ("Simulated as a whole (cross-project dependencies, shared risks, correlated reference classes), "
                    "the recommended portfolio overruns the budget in at least one period with probability 59%; its "
                    "P80 spend over the horizon is £21.0 M against £20.0 M of budget, and period 2 is the most exposed "
                    "(40%).")
    # the board's headline: what the recommended portfolio risks, and what keeping the chance under alpha costs
    assert s[1] == ("On 10,000 independent cost scenarios, the recommended portfolio overruns at least one period's "
                    "budget with probability 60%; the portfolio chosen under uncertainty keeps that chance under 10% "
                    "(at most 9.3% with 95% confidence) for £7.1 M less expected value.")
    assert s[1] == nv.uncertainty_headline(comp, 0.1)
    assert s[2] == ("That portfolio funds 10 projects for £29.7 M of expected value net of hiring, and overruns in 8.7% "
                    "of the independent scenarios.")
    assert s[3] == ("Method: the recommended portfolio was tightened on 10,000 cost scenarios of its own (dropping 4 "
                    "projects) until 8.1% of them overran, then checked on 10,000 other scenarios, which it overran in "
                    "8.7%: its chance of overrunning any period's budget is at most 9.3% with 95% confidence.")
    assert s[4] == ("The sample-average approximation keeps the chance under 10% on the 100 scenarios it was solved "
                    "on, funding 11 projects for £30.9 M (within 0.97 % of optimal); on independent scenarios it "
                    "overruns with probability 11.5% (95 % interval 10.9%–12.1%), more often than the 10% allowed: it "
                    "fits the scenarios it was solved on. Today's deterministic rule (deterministic P90 costs) funds 14 "
                    "for £34.2 M and overruns with probability 36%.")
    assert len(s) == 5
    # the CVaR of the overrun when that model is used; a second check is said; RENS is said
    cv = nv.uncertainty_sentences(spend, 0.587, comp, 0.1, offered=off, method="cvar")
    assert cv[4] == "In the worst 10% of the scenarios its worst period overruns by £380 k on average (CVaR)."
    assert "stays £200 k within budget" in nv.uncertainty_sentences(
        spend, 0.587, _comparison(cvar_overrun=-2e5), 0.1, offered=off, method="cvar")[4]
    assert "(after 2 checks on fresh scenarios)" in nv.calibration_sentence(NS(**{**vars(off), "checks": 2}))
    assert nv.uncertainty_sentences(spend, 0.587, comp, 0.1, "within 20 % of optimal", "rens")[-1] == (
        "The model under uncertainty is large: it was solved in the neighbourhood of its LP relaxation (RENS), so "
        "the gap stated is measured against the whole model's LP bound.")
    # the SAA inside its interval: no 'more often' clause
    within = comp.assign(ci_low=[0.0815, 0.094, 0.347, 0.595])
    assert "more often" not in " ".join(nv.uncertainty_sentences(spend, 0.587, within, 0.1))
    # not shown, or nothing to offer
    shy = comp.assign(status=["not shown", "", "", ""], p_bound=[0.1041, 0.1211, 0.3657, 0.6143])
    assert nv.uncertainty_headline(shy, 0.1).endswith(
        "no portfolio could be shown to keep that chance under 10%: the best found overruns with probability 8.7% "
        "(at most 10.4%, 95% confidence).")
    none = comp.copy()
    none.loc["offered", ["value", "funded"]] = np.nan
    assert nv.uncertainty_headline(none, 0.05).endswith("the commitments alone overrun too often.")
    # without the recommended portfolio the headline names today's rule; without an offered row there is none
    assert nv.uncertainty_headline(comp.drop(index="recommended"), 0.1).startswith(
        "On 10,000 independent cost scenarios, today's deterministic rule's portfolio (deterministic P90) overruns")
    assert "for £4.5 M less" in nv.uncertainty_headline(comp.drop(index="recommended"), 0.1)
    assert nv.uncertainty_headline(comp.drop(index="offered"), 0.1) is None
    assert nv.uncertainty_sentences(None, None, None, 0.05) == [
        "No portfolio keeps the chance of overrunning any period's budget under 5% while carrying the commitments."]
    uw = pd.DataFrame({"data_date": [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-04-06")], "complete": [2, 1],
                       "in_progress": [1, 0], "cost_to_date": [137300.0, 2.5e6]}, index=pd.Index(["A-101", "A-102"]))
    with_uw = nv.uncertainty_sentences(spend, 0.587, comp, 0.1, "within 0.97 % of optimal", scenarios=100,
                                       offered=off, under_way=uw)
    assert with_uw[1] == ("Projects under way are simulated from their data date on: A-101 from 2026-03-02 "
                          "(2 activities complete, 1 in progress, £137 k of work done); A-102 from 2026-04-06 "
                          "(1 activity complete, 0 in progress, £2.5 M of work done). The work done is in their cost, "
                          "not in any period's spend.")
    assert with_uw[:1] + with_uw[2:] == s


# ---------------------------------------------------------------------- detail-page sentences
from types import SimpleNamespace as _NS  # noqa: E402


def test_selection_page_sentences():
    funded = pd.DataFrame({"mandatory": [True, False, False]}, index=["A", "B", "C"])
    n = {"value": 9e6, "spend": 7e6, "budget": 8e6, "hire_spend": 0.5e6, "status": "optimal"}
    assert nv.funded_sentence(funded, n, 5, "NPV [currency]", 0.0) == (
        "The model funds 3 of 5 candidates (2 by choice, 1 mandatory or committed), for a NPV of £9.0 M. "
        "Spend in the horizon is £7.0 M against £8.0 M of budget, plus £500 k of hiring. The solution is optimal "
        "(gap 0.00%).")
    assert nv.approval_sentence(funded, n, "NPV") == (
        "The board is asked to approve the 2 discretionary projects below, starting in the periods shown, alongside "
        "the 1 mandatory or committed ones: total NPV £9.0 M, spend £7.0 M, hiring £500 k.")
    assert nv.approval_sentence(funded, {**n, "hire_spend": 0.0}, "NPV").endswith("spend £7.0 M.")
    tight = pd.DataFrame({"periods_at_capacity": [3, 1], "hired": [2.0, 0.0]}, index=["dev", "ops"])
    cap = pd.DataFrame({"bottleneck": [True, True, False, True]})
    assert nv.capacity_sentence(tight, cap) == ("3 skill-periods are fully used; the tightest skill is dev (3 periods "
                                                "at capacity). Extra FTE-periods hired: dev 2.0.")
    assert nv.capacity_sentence(tight.iloc[:0], cap.iloc[:0]) == (
        "0 skill-periods are fully used; the tightest skill is none (0 periods at capacity).")
    step = {"first_feasible": 0.4, "at": {"budget_factor": 1.0}, "next": {"budget_factor": 1.1, "entering": "P7"},
            "value_gain": 2e6}
    assert nv.frontier_sentence(step) == ("Below 40% of today's budget no portfolio can carry the commitments. Going "
                                          "from 100% to 110% of budget would add £2.0 M of value by funding P7.")
    assert nv.frontier_sentence({**step, "next": None}).endswith("carry the commitments. ")
    near = {**step, "at": {"budget_factor": 1.0, "gap": 0.0}, "next": {"budget_factor": 1.1, "entering": "", "gap": 0.0041}}
    assert nv.frontier_sentence(near).endswith("would add £2.0 M of value. Each of the two levels is proven within "
                                               "0.41% of its optimum.")
    explain = pd.DataFrame({"selected": [True, False, False], "value": [5e6, 3e6, 4e6],
                            "value_change": [-1e6, -0.5e6, float("nan")], "displaces": ["", "A", ""]},
                           index=["A", "B", "C"])
    assert nv.left_out_sentences(explain) == ["The most valuable project left out, B, would cost the portfolio £500 k "
                                              "if forced in (it would displace A)."]  # C was not tried
    assert nv.left_out_sentences(explain.iloc[:1]) == []
    comp = pd.DataFrame({"status": ["optimal", "optimal", "infeasible (budget)"], "value_change": [0, -1e6, None],
                         "gained": ["", "P9", ""], "lost": ["", "P2", ""]}, index=["base", "cut", "freeze"])
    assert nv.scenario_sentences(comp) == ["cut: value changes by -£1.0 M; gains P9; loses P2.",
                                           "freeze: no feasible portfolio (infeasible (budget))."]
    duals = pd.DataFrame({"family": ["budget", "budget", "capacity"], "period": [1, 2, 1], "dual": [0.5, 1.25, 3.0]})
    assert nv.duals_sentence(duals) == ("Indicative: the budget is scarcest in period 2 (1.25 of value per extra unit "
                                        "of currency); 1 capacity rows were priced.")
    g = _NS(x=pd.Series([1, 0, 1]), value=4e6, feasible=False)
    assert nv.greedy_sentence(g, 6e6) == ("The greedy rule funds 2 projects for £4.0 M and cannot fund every mandatory "
                                          "project (it does not hire); the optimised portfolio delivers £6.0 M.")
    ch = {"value_change": -1e6, "lost": ["P2"], "gained": []}
    assert nv.budget_cut_sentence(0.1, ch, 10e6) == "A 10% budget cut changes the value by -£1.0 M (-10.0%): it defers P2."


def test_risk_page_sentences():
    t = pd.DataFrame({"planned_finish": [pd.Timestamp("2026-03-02")], "p90_finish": [pd.Timestamp("2026-04-01")],
                      "schedule_contingency": [21.6], "cost_contingency": [1.2e6], "p90_cost": [11.2e6],
                      "estimated_cost": [10e6]}, index=["A"])
    assert nv.contingency_sentences(t, "P90") == [
        "A: plan 2026-03-02, P90 2026-04-01: hold 22 working days of schedule contingency and £1.2 M of cost "
        "contingency above the planned cost (P90 cost £11.2 M, estimate £10.0 M)."]
    tor = pd.DataFrame({"risk_id": ["R1"], "title": ["Late vendor"], "finish_reduction": [7.25], "cost_reduction": [3e5]})
    assert nv.top_driver_sentence("A", tor) == "A: the top risk driver is R1 (Late vendor), worth 7.2 days and £300 k at P80."
    assert nv.top_driver_sentence("A", tor.iloc[:0]) == "A: no risk of the register affects this schedule."
    mit = pd.DataFrame({"risk_id": ["R1", "R2"], "pays_for_itself": [True, False], "net_saving": [2e5, -1e5],
                        "finish_reduction": [3.0, 4.5]})
    assert nv.mitigation_sentences(mit) == ["1 of 2 planned responses pay for themselves at P80: R1 (net £200 k).",
                                            "Not worth their cost on cost alone: R2 (net -£100 k, 4.5 days saved)."]
    assert nv.mitigation_sentences(mit.iloc[1:]) [0] == "0 of 1 planned responses pay for themselves at P80."
    assert nv.simulated_sentence([], 500, 0.3) == ("0 active project(s) simulated: none; 500 iterations each, "
                                                   "correlation 0.3 within groups.")


def test_delivery_page_sentences():
    s = pd.DataFrame({"name": ["Alpha", "Beta"], "rag": ["red", "amber"], "reasons": ["CPI 0.8 (red)", "SPI 0.9"],
                      "cpi": [0.8, 0.95], "spi_t": [0.85, 0.9], "eac": [12e6, 5e6], "bac": [10e6, 5e6],
                      "eac_p10": [11e6, 4e6], "eac_p90": [13e6, 6e6], "p_within_budget": [0.05, 0.5],
                      "finish_date_p50": pd.to_datetime(["2026-09-01", "2026-05-01"]),
                      "finish_date_p90": pd.to_datetime(["2026-10-01", "2026-06-01"])}, index=["A", "B"])
    assert nv.rag_sentences(s) == ["A (Alpha): RED - CPI 0.8 (red)", "B (Beta): AMBER - SPI 0.9"]
    assert nv.intervention_sentences(s, ["A"], ["B"], []) == [
        "INTERVENE on A: CPI 0.80, SPI(t) 0.85; EAC £12.0 M against BAC £10.0 M (P10-P90 £11.0 M-£13.0 M), 5% chance to "
        "finish within budget; P50 finish 2026-09-01 (P90 2026-10-01). Why: CPI 0.8 (red).",
        "WATCH B: SPI 0.9.", "On track: none."]


def test_benefits_page_sentences():
    promised = pd.DataFrame({"forecast_total": [8e6], "planned_total": [10e6]})
    real = pd.DataFrame({"benefit_id": ["B1", "B2"], "at_risk": [True, False], "is_disbenefit": [False, True],
                         "description": ["Sales", "Noise"], "realised_to_date": [1e6, -2e5],
                         "planned_to_date": [2e6, -1e5], "status": ["at risk", "on track; missing owner"]})
    assert nv.register_sentences(promised, real, -2e6) == [
        "At the current rates the register forecasts £8.0 M against £10.0 M planned (-£2.0 M).",
        "1 of 2 benefits are at risk: B1.",
        "Dis-benefit B2 (Noise): -£200 k realised vs -£100 k planned to date (on track; missing owner).",
        "No named owner: B2 - assign one before the next review."]
    tco = pd.DataFrame({"name": ["Old"], "tco": [5e6], "support_periods": [4], "run_cost_per_period": [2.5e5],
                        "realised_to_date": [2.5e6], "benefit_to_tco": [0.5], "incidents_per_period": [1.25],
                        "incident_trend": [0.1]}, index=["X"])
    assert nv.tco_sentences(tco) == ["X (Old): TCO £5.0 M after 4 support periods (run cost £250 k/period); realised "
                                     "£2.5 M = 50% of TCO; 1.2 incidents/period, rising."]
    assert nv.benefits_decision_sentence(1, tco) == ("Benefits: 1 benefit(s) at risk go to their owners for a recovery "
                                                     "plan; the lowest return on TCO is X (50%).")
    assert nv.benefits_decision_sentence(0, None).endswith("recovery plan.")


def test_governance_and_intake_page_sentences():
    mism = pd.DataFrame({"project_id": ["A", "P"], "name": ["Alpha", "Pro"], "stage": ["active", "proposal"],
                         "reason": ["too formal", "x"]})
    profile = pd.DataFrame({"classified": [True, True, False]})
    assert nv.approach_sentences(mism, profile) == [
        "2 of 2 classified projects are run (or planned) with an approach that does not match their profile; 1 "
        "project(s) are not classified yet.", "A Alpha: too formal"]  # proposals are not listed
    by_project = pd.DataFrame({"missing": [0, 2, 1]})
    by_unit = pd.DataFrame({"business_unit": ["Ops", "Fin"], "compliance_rate": [0.9, 0.75]})
    assert nv.gate_sentences(by_project, by_unit) == [
        "2 of 3 projects miss at least one item their gate requires (3 items in all).",
        "Lowest compliance: Fin at 75% of assessed items."]
    esc = pd.DataFrame({"project_id": ["A", "B"], "name": ["Alpha", "Beta"], "who": ["Kim", "Lee"],
                        "since": [pd.Timestamp("2026-01-05"), pd.NaT], "rules": ["G1", "G2"],
                        "level": ["portfolio board", "portfolio board"]})
    assert nv.board_escalation_sentences(esc) == ["A Alpha (sponsor Kim) since 2026-01-05: rules G1",
                                                  "B Beta (sponsor Lee): rules G2"]
    w = pd.Series({"value": 0.625, "risk": 0.375})
    assert nv.weights_sentences(w) == ["No pairwise table: the weights come from the criteria table.",
                                       "Weights: value 62.5%, risk 37.5%."]
    ahp = _NS(judgements=[1, 2, 3], lambda_max=3.0123, consistency_ratio=0.0456, consistent=True)
    assert nv.weights_sentences(w, ahp, 0.1)[0] == (
        "AHP weights from 3 pairwise judgements: lambda_max = 3.012, consistency ratio 0.046 (limit 0.10), so the "
        "judgements are consistent.")
    up = pd.DataFrame({"uplift": [0.2, 0.45], "n": [6, 9]}, index=["IT", "Build"])
    t = pd.DataFrame({"estimated_cost": [1e6, 3e6], "uplifted_cost": [1.2e6, 4.35e6]})
    assert nv.uplift_sentence(up, t) == ("At P80, the Build class needs the largest uplift (45%, from 9 past projects). "
                                         "Uplifting every proposal raises the total estimate from £4.0 M to £5.5 M.")
    scores = pd.DataFrame({"score": [0.9, 0.5, 0.4]}, index=["P2", "P1", "P3"])
    projects = pd.DataFrame({"project_id": ["P1", "P2", "P3"], "name": ["One", "Two", "Three"]})
    assert nv.leader_sentence(scores, projects) == ("The highest-scoring proposal is P2 (Two) with 0.900; the median "
                                                    "score is 0.500.")


def test_logic_sentences_name_the_unsound_networks_and_their_values():
    h = pd.DataFrame({"project_id": ["A", "A", "A", "A", "B", "B"],
                      "check": ["Logic", "Dangling logic", "Critical path test", "High float", "Logic",
                                "Critical path test"],
                      "passed": [False, True, False, False, True, True],
                      "value": [35.104, 0.0, 7.0, 70.0, 1.0, 10.0], "unit": ["%", "%", "days", "%", "%", "days"],
                      "threshold": ["<= 5%", "0", "= 10 days", "<= 5%", "<= 5%", "= 10 days"]})
    assert nv.logic_sentences(h) == [
        "A's schedule fails Logic 35.1 % (DCMA <= 5%), Critical path test 7 days (DCMA = 10 days): a simulation of "
        "open or dangling logic understates the spread of the finish, so its dates below are what this network "
        "implies, not a forecast to commit to; have the scheduler repair the logic first."]
    assert nv.logic_sentences(h, short=True) == [
        "Unsound schedule logic: A (Logic, Critical path test); their simulated dates are what their networks imply, "
        "not forecasts to commit to."]
    # high float alone, or every logic check passed: nothing to say
    assert nv.logic_sentences(h[h["project_id"] == "B"]) == [] == nv.logic_sentences(h.iloc[3:4])


def test_invalid_date_sentences_give_the_dcma_9_count_per_project():
    from pmo_analytics.schedule import build_network, health_check

    # a network counted by hand: A finished (Wed 11) and B started (Thu 12) after the data date Mon 9 March
    days = [5.0, 4.0, 2.0]
    acts = pd.DataFrame({"activity_id": ["A", "B", "C"], "min_duration": days, "most_likely": days,
                         "max_duration": days, "predecessors": [None, None, "A;B"],
                         "actual_start": pd.to_datetime(["2026-03-02", "2026-03-12", None]),
                         "actual_finish": pd.to_datetime(["2026-03-11", None, None]),
                         "remaining_duration": [None, 3.0, None]})
    h = health_check(build_network(acts, "P1", start_date="2026-03-02", data_date="2026-03-09"), warn=False)
    h = h.assign(project_id="P1")
    clean = h.assign(project_id="P2", count=0, activities="")
    both = pd.concat([h, clean], ignore_index=True)
    assert nv.invalid_date_sentences(both) == [
        "P1: 2 activities of 3 with invalid dates (DCMA check 9: 2 with actual dates after the data date 2026-03-09 "
        "(9b), 0 with forecast dates of unfinished work before it (9a)): A, B. Actual dates are kept as recorded and "
        "the remaining work is scheduled from the data date, as P6 does; have the scheduler correct the dates or the "
        "data date before the next update."]
    assert nv.invalid_date_sentences(clean) == [
        "No activity has an invalid date (DCMA check 9: actual dates after the data date, forecasts before it) in "
        "the 1 schedule with a data date."]
    assert nv.invalid_date_sentences(h[h["check"] == "Logic"]) == []  # no data date: no check 9
