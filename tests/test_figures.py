"""Figures published by more than one page, defined once (pmo_analytics.records.figures)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pandas as pd

from pmo_analytics.records import figures
from pmo_analytics.records.publish import MIME


def test_selection_figures_feasible_and_infeasible():
    n = {"status": "optimal", "value": 5.0, "funded": ["A"], "start_period": {"A": 1}, "spend": 3.0}
    assert figures.selection_figures(NS(feasible=True, numbers_=n, budget_cut_=None)) == {
        "selection.feasible": True, "selection.status": "optimal", "selection.value": 5.0, "selection.funded": ["A"],
        "selection.start_periods": {"A": 1}}
    cut = {"share": 0.1, "gained": [], "lost": ["A"], "value_change": -5.0, "status": "optimal"}
    out = figures.selection_figures(NS(feasible=True, numbers_=n, budget_cut_=object(), budget_cut_changes_=cut))
    assert out["selection.budget_cut"] == cut  # both pages quote the cut from here
    short = pd.DataFrame({"period": [1, 2], "shortfall": [0.0, 2.0]})
    out = figures.selection_figures(NS(feasible=False, shortfall_=short))
    assert list(out) == ["selection.feasible", "selection.shortfall"] and out["selection.feasible"] is False
    assert out["selection.shortfall"]["shortfall"].to_dict() == {1: 0.0, 2: 2.0}


def test_the_figures_two_pages_quote():
    # the summary (00) and the detail page quote these from one builder each
    assert figures.uncertainty_figures(None) == {}
    pm, us = NS(p_any_overrun_=0.25), NS(selected_={"B", "A"})
    assert figures.uncertainty_figures(NS(portfolio_risk_=pm, selector_=us)) == {
        "uncertainty.p_any_overrun": 0.25, "uncertainty.funded": ["A", "B"]}
    assert figures.uncertainty_figures(NS(portfolio_risk_=None, selector_=None)) == {}
    assert figures.benefits_figures(NS(assessed=False)) == {}
    assert figures.benefits_figures(NS(assessed=True, at_risk_=["BEN-1"])) == {"benefits.at_risk": ["BEN-1"]}
    esc = pd.DataFrame({"project_id": ["A", "B"], "level": ["PMO", "portfolio board"]})
    assert figures.governance_figures(NS(escalations_=esc)) == {
        "governance.escalations": {"A": "PMO", "B": "portfolio board"}}


def test_page_figures_of_stages_that_did_not_run_are_empty():
    assert figures.intake_figures(None) == {}
    assert figures.risk_page_figures(NS(assessed=False)) == {} and figures.risk_tables(NS(assessed=False)) == {}
    assert figures.uncertainty_page_figures(None) == {}
    assert figures.delivery_page_figures(NS(assessed=False, forecast_=None)) == {}
    assert figures.benefits_page_figures(NS(assessed=False, tco_=None, adopt_=None, proposal_uplift_total_=None)) == {}
    infeasible = NS(feasible=False, infeasible_=NS(conflicts=["budget in period 1"]),
                    conflicts_without_hiring_=["budget in period 1"])
    assert figures.selection_page_figures(infeasible) == {
        "selection.conflicts": ["budget in period 1"], "selection.conflicts_without_hiring": ["budget in period 1"]}


def test_delivery_page_figures_round_and_date_as_published():
    s = pd.DataFrame({"cpi": [0.912345], "spi": [1.0], "spi_t": [0.95], "tcpi_bac": [1.1], "eac": [1234.4],
                      "eac_p10": [1000.6], "eac_p90": [1500.2], "vac": [-234.5],
                      "finish_date_p50": pd.to_datetime(["2027-03-31"])}, index=["A"])
    when = pd.DataFrame({"percentile": [50, 85], "date": pd.to_datetime(["2027-01-04", "2027-02-01"])})
    out = figures.delivery_page_figures(NS(assessed=True, summary_=s, intervene_=["A"], forecast_={"when": when}))
    assert out["delivery.indices"].loc["A", "cpi"] == 0.9123 and out["delivery.eac"].loc["A", "eac"] == 1234.0
    assert out["delivery.finish_p50"] == {"A": "2027-03-31"} and out["flow.focus_when_p85_date"] == "2027-02-01"


def test_risk_and_delivery_figures_are_empty_when_not_assessed():
    assert figures.risk_figures(NS(assessed=False)) == {}
    assert figures.delivery_figures(NS(assessed=False)) == {}
    table = pd.DataFrame({c: [1.0] for c in figures.RISK_TABLE + ["name", "planned_cost"]}, index=["A"])
    exposure = pd.DataFrame({"project_id": ["A"], "p80_days_late": [3.0], "cost_contingency": [2.0], "jcl": [0.4],
                             "p80_cost": [9.0]})
    out = figures.risk_figures(NS(assessed=True, table_=table, exposure_=exposure, policy=NS(confidence=80.0)))
    assert list(out) == ["risk.table", "risk.exposure"]
    assert list(out["risk.table"].columns) == figures.RISK_TABLE  # name and planned cost are not published
    assert figures.RISK_TABLE == ["p50_finish", "p80_finish", "schedule_contingency", "p50_cost", "p80_cost",
                                  "cost_contingency", "joint_p80"]
    assert out["risk.exposure"].to_dict("index") == {"A": {"p80_days_late": 3.0, "cost_contingency": 2.0, "jcl": 0.4}}
    # at P90 the names say P90: nothing computed at 90 is published under a p80 name
    assert figures.risk_table_columns(90) == ["p50_finish", "p90_finish", "schedule_contingency", "p50_cost",
                                              "p90_cost", "cost_contingency", "joint_p90"]
    assert figures.risk_exposure_columns(90) == ["p90_days_late", "cost_contingency", "jcl"]
    summary = pd.DataFrame({"rag": ["red"], "p_within_budget": [0.123456]}, index=["A"])
    assert figures.delivery_figures(NS(assessed=True, summary_=summary)) == {
        "delivery.rag": {"A": "red"}, "delivery.p_within_budget": {"A": 0.1235}}


def test_publish_figures_publishes_in_order(monkeypatch):
    calls = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False, **kw: calls.append(obj[MIME]))
    figures.publish_figures({"b.x": 1, "a.y": [2]})
    assert calls == [{"name": "b.x", "value": 1}, {"name": "a.y", "value": [2]}]
