"""Governance: NTCP approach fit, stage-gate compliance, escalation (pmo_analytics.governance)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest

import pmo_analytics as pmo
from pmo_analytics.exceptions import DataValidationError, PMOError
from pmo_analytics.governance import (CHECKS, GovernanceCheck, classify, compliance_summary, escalate,
                                      escalation_list, gate_compliance, recommend_approach, risk_signals)
from pmo_analytics.tables.rules import EVIDENCE_CHECKS, SIGNALS, read_rules, rules_path

from .conftest import MINIMAL

RULES = read_rules()


def _profile(**dims):
    base = {"project_id": ["X"], "novelty": ["derivative"], "technology": ["low"], "complexity": ["system"],
            "pace": ["regular"]}
    base.update({k: [v] for k, v in dims.items()})
    return classify(pd.DataFrame(base))


def _rec(**dims):
    return recommend_approach(_profile(**dims), RULES.approach_rules).iloc[0]


def test_classify_ranks_levels_in_order():
    p = classify(pd.DataFrame({"project_id": ["A", "B"], "novelty": ["breakthrough", None],
                               "technology": ["super-high", "low"], "complexity": ["array", "assembly"],
                               "pace": ["blitz", "regular"]}))
    assert p.loc[0, ["novelty_rank", "technology_rank", "complexity_rank", "pace_rank"]].tolist() == [2, 3, 2, 3]
    assert p["classified"].tolist() == [True, False]


@pytest.mark.parametrize("dim, level", [("novelty", "radical"), ("technology", "extreme"),
                                        ("complexity", "programme"), ("pace", "urgent")])
def test_unknown_level_is_a_clear_error(dim, level):
    with pytest.raises(PMOError, match=f"project X: unknown {dim} level '{level}'; expected one of"):
        _profile(**{dim: level})


@pytest.mark.slow
def test_unknown_level_in_project_data_is_a_validation_error(tmp_path):
    d = Path(shutil.copytree(MINIMAL, tmp_path / "m"))
    pr = pd.read_csv(d / "projects.csv")
    pr["novelty"] = ["derivative", "radical", None, None]
    pr.to_csv(d / "projects.csv", index=False)
    with pytest.raises(DataValidationError, match=r"projects.csv, row 3, column 'novelty': expected one of"):
        pmo.read_portfolio(d)


# Each shipped approach rule, with a profile that makes it the winner, and the value it sets
@pytest.mark.parametrize("rule, dims, attribute, value", [
    ("D0", {}, "delivery", "plan-driven"),
    ("D1", {"novelty": "platform"}, "delivery", "hybrid"),
    ("D2", {"technology": "high"}, "delivery", "iterative"),
    ("D2", {"novelty": "platform", "technology": "super-high"}, "delivery", "iterative"),  # priority 2 > 1
    ("D3", {"novelty": "breakthrough", "technology": "high"}, "delivery", "iterative"),
    ("F0", {}, "formality", "standard"),
    ("F1", {"complexity": "assembly"}, "formality", "light"),
    ("F2", {"complexity": "array"}, "formality", "high"),
    ("C0", {}, "contingency", "P70"),
    ("C1", {"technology": "medium"}, "contingency", "P80"),
    ("C2", {"novelty": "breakthrough", "technology": "medium"}, "contingency", "P90"),
    ("C3", {"technology": "super-high"}, "contingency", "P90"),
    ("R0", {}, "cadence", "monthly"),
    ("R1", {"complexity": "array"}, "cadence", "fortnightly"),
    ("R2", {"pace": "fast-competitive", "complexity": "array"}, "cadence", "fortnightly"),
    ("R3", {"pace": "blitz", "complexity": "array"}, "cadence", "weekly"),
])
def test_every_approach_rule(rule, dims, attribute, value):
    rec = _rec(**dims)
    assert (rec[attribute], rec[f"{attribute}_rule"]) == (value, rule)


def test_all_shipped_approach_rules_are_covered_by_a_test():
    covered = {"D0", "D1", "D2", "D3", "F0", "F1", "F2", "C0", "C1", "C2", "C3", "R0", "R1", "R2", "R3"}
    assert set(RULES.approach_rules["rule_id"]) == covered


def test_mismatch_names_the_rule_and_its_rationale():
    prof = _profile(technology="high")
    out = recommend_approach(prof, RULES.approach_rules, pd.Series({"X": "plan-driven"}))
    assert out.loc[0, "mismatch"]
    assert out.loc[0, "reason"].startswith("runs plan-driven but its profile calls for iterative delivery (rule D2:")
    ok = recommend_approach(prof, RULES.approach_rules, pd.Series({"X": "iterative"}))
    assert not ok.loc[0, "mismatch"] and ok.loc[0, "reason"] == ""
    unclassified = recommend_approach(_profile(pace=None), RULES.approach_rules, pd.Series({"X": "iterative"}))
    assert not unclassified.loc[0, "mismatch"] and pd.isna(unclassified.loc[0, "delivery"])


def _copy_rules(tmp_path) -> Path:
    return Path(shutil.copytree(rules_path(), tmp_path / "rules"))


def test_changing_a_rule_changes_the_outcome_without_code(tmp_path):
    d = _copy_rules(tmp_path)
    text = (d / "approach_rules.csv").read_text().replace("C1,technology,medium;high,contingency,P80",
                                                          "C1,technology,medium;high,contingency,P85")
    (d / "approach_rules.csv").write_text(text)
    assert recommend_approach(_profile(technology="medium"), read_rules(d).approach_rules).loc[0, "contingency"] \
        == "P85"
    esc = (d / "escalation_rules.csv").read_text().replace("E1,cpi,<,0.95", "E1,cpi,<,0.99")
    (d / "escalation_rules.csv").write_text(esc)
    sig = pd.DataFrame({"project_id": ["X"], "signal": ["cpi"], "date": [pd.Timestamp("2026-01-31")],
                        "signal_value": [0.97]})
    proj = pd.DataFrame({"project_id": ["X"], "name": ["x"], "business_unit": ["u"], "sponsor": ["S"]})
    assert escalate(sig, RULES.escalation_rules, proj).empty
    assert escalate(sig, read_rules(d).escalation_rules, proj)["rule_id"].tolist() == ["E1"]


@pytest.mark.parametrize("table, old, new, match", [
    ("approach_rules", "D1,novelty,platform", "D1,novelty,platfrom", r"row 3, column 'levels': unknown novelty level"),
    ("approach_rules", "D0,*,*", "D0,*,low", r"row 2, column 'levels': a default rule"),
    ("approach_rules", "F1,complexity", "F1,size", r"row 7, column 'dimension': expected one of"),
    ("gate_checklist", "sponsor_named,proposal;active", "sponsor_exists,proposal;active",
     r"row 2, column 'check': expected one of"),
    ("gate_checklist", "sponsor_named,proposal;active", "sponsor_named,proposal;live",
     r"row 2, column 'stages': unknown stage\(s\) \['live'\]"),
    ("escalation_rules", "E1,cpi,<", "E1,cost_index,<", r"row 2, column 'signal': expected one of"),
    ("escalation_rules", "E1,cpi,<", "E1,cpi,=<", r"row 2, column 'operator': expected one of"),
    ("escalation_rules", "0.95,project board", "0.95,CEO", r"row 2, column 'level': expected one of"),
])
def test_bad_rules_are_rejected_with_file_row_column(tmp_path, table, old, new, match):
    d = _copy_rules(tmp_path)
    f = d / f"{table}.csv"
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(DataValidationError, match=match):
        read_rules(d)


def test_every_evidence_check_and_signal_is_implemented():
    assert set(CHECKS) == set(EVIDENCE_CHECKS)
    assert set(SIGNALS) >= set(RULES.escalation_rules["signal"])


# ---------------------------------------------------------------- gates, on the minimal portfolio
@pytest.fixture
def pf():
    p = pmo.read_portfolio(MINIMAL)
    p.tables = {k: v.copy() for k, v in p.tables.items()}
    for dim, lv in (("novelty", "derivative"), ("technology", "low"), ("complexity", "assembly"),
                    ("pace", "regular")):
        p.tables["projects"][dim] = lv
    p.tables["projects"]["approach"] = "plan-driven"
    return p


def _checklist(check, stages="proposal;active;closed"):
    return pd.DataFrame({"gate": ["g"], "item": ["i"], "description": ["d"], "check": [check], "stages": [stages],
                         "rationale": ["r"], "source": ["s"]})


def _result(pf, check, pid, stages="proposal;active;closed", **kw):
    c = gate_compliance(pf, _checklist(check, stages), **kw).set_index("project_id")
    return c.loc[pid, "passed"], c.loc[pid, "detail"]


@pytest.mark.parametrize("check, pid, breaker, detail", [
    ("sponsor_named", "P3", None, "no sponsor named"),
    ("business_case", "P3", None, "missing an estimate better than AACE class 5"),
    ("ntcp_classified", "P1", lambda p: p.tables["projects"].__setitem__("pace", None), "no pace level"),
    ("risk_register", "A1", lambda p: p.tables.pop("risks"), "no risks registered"),
    ("risk_owners", "A1", lambda p: p.tables["risks"].__setitem__("owner", None), "no owner for R1"),
    ("baseline_schedule", "A1", lambda p: p.tables.pop("activities"), "no schedule (activities)"),
    ("committed_finish", "A1", lambda p: p.tables["projects"].__setitem__("committed_finish", pd.NaT),
     "no committed finish date"),
    ("benefits_owner", "A1", lambda p: p.tables["benefits"].__setitem__("owner", None), "no owner for B1"),
    ("support_recorded", "A1", lambda p: p.tables.pop("support"), "no run cost recorded"),
])
@pytest.mark.slow
def test_each_evidence_check_passes_and_fails(pf, check, pid, breaker, detail):
    if breaker is None:  # the minimal data already lack it
        assert _result(pf, check, pid) == (False, detail)
        assert _result(pf, check, "P1")[0]
    else:
        assert _result(pf, check, pid)[0]
        breaker(pf)
        assert _result(pf, check, pid) == (False, detail)


@pytest.mark.slow
def test_evm_current_uses_the_data_date(pf):
    assert _result(pf, "evm_current", "A1", "active")[0]  # as of its own last report
    passed, detail = _result(pf, "evm_current", "A1", "active", as_of="2026-04-30")
    assert not passed and detail == "last reported 2026-01-31, 89 days before 2026-04-30"


@pytest.mark.slow
def test_benefits_measured(pf):
    assert _result(pf, "benefits_measured", "A1", "active", as_of="2026-07-31")[0]  # period 2 not yet due
    passed, detail = _result(pf, "benefits_measured", "A1", "active", as_of="2026-10-31")
    assert not passed and detail == "1 elapsed period(s) not measured (B1)"


@pytest.mark.slow
def test_schedule_health_is_not_assessed_without_results(pf):
    passed, detail = _result(pf, "schedule_healthy", "A1", "active")
    assert passed is pd.NA and detail.startswith("not assessed")
    health = pd.DataFrame({"project_id": ["A1"], "passed": [False], "detail": ["leads, high float"]})
    assert _result(pf, "schedule_healthy", "A1", "active", schedule_health=health) == (False,
                                                                                      "fails leads, high float")


def test_compliance_summary_per_project_and_unit(pf):
    c = gate_compliance(pf, RULES.gate_checklist, schedule_health=None)
    s = compliance_summary(c).set_index("project_id")
    assert s.loc["P3", "missing_items"] == "G1-sponsor; G1-business-case"
    a1 = s.loc["A1"]
    assert a1["not_assessed"] == 1 and a1["items"] == a1["passed"] + a1["missing"] + a1["not_assessed"]
    u = compliance_summary(c, by="business_unit").set_index("business_unit")
    assert u["items"].sum() == len(c) and set(u.index) == {"Ops", "Sales"}


# ---------------------------------------------------------------- escalation
PROJ = pd.DataFrame({"project_id": ["X", "Y"], "name": ["x", "y"], "business_unit": ["u", "u"],
                     "sponsor": ["Sam", None]})


def _sig(signal, values, pid="X"):
    dates = pd.date_range("2026-01-31", periods=len(values), freq="ME")
    return pd.DataFrame({"project_id": pid, "signal": signal, "date": dates, "signal_value": values})


@pytest.mark.parametrize("rule, signal, values, level", [
    ("E1", "cpi", [1.0, 0.94], "project board"),
    ("E2", "cpi", [0.95, 0.89], "PMO"),
    ("E3", "spi_t", [0.89], "PMO"),
    ("E4", "spi_t", [0.79], "portfolio board"),
    ("E5", "tcpi", [1.11], "PMO"),
    ("E6", "p80_days_late", [21], "PMO"),
    ("E7", "p80_days_late", [61], "portfolio board"),
    ("E8", "jcl_shortfall", [0.11], "PMO"),
    ("E9", "gate_items_missing", [1], "project board"),
    ("E10", "gate_items_missing", [3], "PMO"),
    ("E11", "approach_mismatch", [1], "PMO"),
])
def test_every_escalation_rule_fires_at_its_threshold(rule, signal, values, level):
    fired = escalate(_sig(signal, values), RULES.escalation_rules, PROJ)
    assert rule in set(fired["rule_id"])
    assert fired.set_index("rule_id").loc[rule, "level"] == level
    # just on the safe side of the threshold it does not fire
    thr = RULES.escalation_rules.set_index("rule_id").loc[rule]
    safe = thr["threshold"] + (0.001 if thr["operator"] in ("<", "<=") else -0.001)
    if thr["operator"] in ("<=", ">="):
        safe = thr["threshold"] + (0.001 if thr["operator"] == "<=" else -0.001)
    assert rule not in set(escalate(_sig(signal, [safe]), RULES.escalation_rules, PROJ)["rule_id"])


def test_all_shipped_escalation_rules_are_covered():
    assert set(RULES.escalation_rules["rule_id"]) == {f"E{i}" for i in range(1, 12)}


def test_since_is_the_start_of_the_current_breach_and_who_is_the_sponsor():
    sig = pd.concat([_sig("cpi", [0.8, 1.0, 0.93, 0.92, 0.91]), _sig("cpi", [0.5], pid="Y")])
    fired = escalate(sig, RULES.escalation_rules, PROJ)
    e1 = fired[(fired["project_id"] == "X") & (fired["rule_id"] == "E1")].iloc[0]
    assert e1["since"] == pd.Timestamp("2026-03-31")  # not January: it recovered in February
    assert e1["who"] == "Sam" and "CPI 0.91, below 0.95 since 2026-03-31" in e1["why"]
    assert fired[fired["project_id"] == "Y"]["who"].iloc[0] == "PMO (no sponsor named)"
    lst = escalation_list(fired).set_index("project_id")
    assert (lst.loc["X", "level"], lst.loc["X", "rules"]) == ("project board", "E1")  # 0.91 is not < 0.9
    assert (lst.loc["Y", "level"], lst.loc["Y", "rules"]) == ("PMO", "E2, E1")
    assert lst.index.tolist() == ["Y", "X"]  # highest level first
    assert escalation_list(fired.iloc[0:0]).empty


def test_nan_signals_never_fire():
    assert escalate(_sig("cpi", [float("nan")]), RULES.escalation_rules, PROJ).empty


def test_risk_signals_use_the_recommended_confidence_target():
    exp = pd.DataFrame({"project_id": ["X", "Y"], "p80_days_late": [10.0, float("nan")], "jcl": [0.55, 0.6]})
    approach = pd.DataFrame({"project_id": ["X"], "contingency": ["P90"]})
    s = risk_signals(exp, pd.Timestamp("2026-10-31"), approach).set_index(["project_id", "signal"])["signal_value"]
    assert s[("X", "p80_days_late")] == 10
    assert s[("X", "jcl_shortfall")] == pytest.approx(0.35)  # P90 target
    assert s[("Y", "jcl_shortfall")] == pytest.approx(0.2)  # default P80 target
    assert ("Y", "p80_days_late") not in s.index  # no commitment: no lateness signal


# ---------------------------------------------------------------- the sample triggers the rules
@pytest.mark.slow
def test_sample_triggers_every_rule():
    from pmo_analytics import risk, schedule
    from pmo_analytics.governance import health_inputs
    from pmo_analytics.monitor import earned_value

    pf = pmo.load_sample()
    scheduled = sorted(set(pf.activities["project_id"]))
    results = {p: risk.ScheduleRiskModel.from_portfolio(pf, p, seed=1, iterations=500).run() for p in scheduled}
    health = {p: schedule.health_check(schedule.build_network(pf.activities, p, links=pf.links), warn=False)
              for p in scheduled}
    g = GovernanceCheck().fit(pf, evm=earned_value(pf.status), risk=risk.exposure(results, pf.projects),
                               schedule_health=health_inputs(health))
    assert set(g.approach_[["delivery_rule", "formality_rule", "contingency_rule", "cadence_rule"]]
               .stack().dropna().unique()) == set(RULES.approach_rules["rule_id"])
    assert g.approach_.set_index("project_id").loc["A-101", "mismatch"]
    failed = set(g.compliance_.loc[g.compliance_["passed"] == False, "item"])  # noqa: E712
    assert failed == set(RULES.gate_checklist["item"])  # every gate item is missing somewhere
    assert set(g.fired_["rule_id"]) == set(RULES.escalation_rules["rule_id"])  # every escalation rule fires
    top = g.escalations_.iloc[0]
    assert top["project_id"] == "A-101" and top["level"] == "portfolio board"
    a104 = g.by_project_.set_index("project_id").loc["A-104", "missing_items"]
    assert {"G2-risk-register", "G2-baseline", "G2-commitment", "G3-evm-current"} <= set(a104.split("; "))
    assert "GovernanceCheck(as_of=2026-10-31" in repr(g)
    assert set(g.projects_.columns) >= {"project_id", "missing", "mismatch", "escalation"}
    assert list(g.summary.columns) == ["measure", "value", "unit"]


# ---------------------------------------------------------------- charts
def test_governance_charts_encode_their_frames(pf):
    from pmo_analytics.charts import governance as gc

    prof = classify(pf.projects)
    d = gc.diamond_chart(prof).to_dict()
    values = next(iter(d["datasets"].values()))
    proj = [v for v in values if v["project_id"] == "P1" and v["series"] == "project"]
    assert len(proj) == 5 and proj[0]["y"] == pytest.approx(1 / 3)  # derivative = rank 0 of 3, N axis up
    c = gate_compliance(pf, RULES.gate_checklist)
    h = gc.compliance_heatmap(c).to_dict()
    assert h["encoding"]["color"]["scale"]["domain"] == ["present", "missing", "not assessed"]
    fired = escalate(_sig("cpi", [0.5]), RULES.escalation_rules, PROJ)
    e = gc.escalation_chart(escalation_list(fired), "2026-03-31").to_dict()
    assert e["layer"][0]["encoding"]["x2"]["field"] == "until"


def test_the_old_name_governance_review_imports_with_a_deprecation():
    import pmo_analytics.governance as gov

    with pytest.warns(DeprecationWarning, match="use GovernanceCheck"):
        assert gov.GovernanceReview is GovernanceCheck
