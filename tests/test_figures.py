"""Figures published by more than one page, defined once (pmo_analytics.records.figures)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pandas as pd

from pmo_analytics.records import figures
from pmo_analytics.records.publish import MIME


def test_selection_figures_feasible_and_infeasible():
    n = {"status": "optimal", "value": 5.0, "funded": ["A"], "start_period": {"A": 1}, "spend": 3.0}
    assert figures.selection_figures(NS(feasible=True, numbers_=n)) == {
        "selection.status": "optimal", "selection.value": 5.0, "selection.funded": ["A"],
        "selection.start_periods": {"A": 1}}
    short = pd.DataFrame({"period": [1, 2], "shortfall": [0.0, 2.0]})
    (name, value), = figures.selection_figures(NS(feasible=False, shortfall_=short)).items()
    assert name == "selection.shortfall" and value["shortfall"].to_dict() == {1: 0.0, 2: 2.0}


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
