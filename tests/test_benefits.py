"""Benefits realisation, support/TCO, lessons learned (reference classes) and their charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.benefits import (
    HMT_OPTIMISM_BIAS,
    benefit_realisation,
    benefits_by_period,
    compare_with_hmt,
    lessons_learned,
    outturn_ratios,
    promised_vs_delivered,
    support_tco,
    uplifts_to_adopt,
)
from pmo_analytics.exceptions import PMOError
from pmo_analytics.intake import reference_class_uplifts

REF = Path(__file__).parent / "data" / "reference"


def register():
    rows = []

    def add(bid, pid, planned, realised, owner="O"):
        for k, (p, r) in enumerate(zip(planned, realised), start=1):
            rows.append({"benefit_id": bid, "project_id": pid, "description": bid, "owner": owner,
                         "measure": "m", "period": k, "period_end": pd.Timestamp("2026-03-31") + pd.offsets.QuarterEnd(k - 1),
                         "planned": float(p), "realised": np.nan if r is None else float(r)})

    add("X", "P1", [100, 100, 100, 100], [80, 80, None, None])      # 80 % so far -> forecast 320 of 400
    add("Y", "P1", [50, 50], [50, 55])                               # on track
    add("Z", "P2", [-10, -10, -10], [-15, None, None])               # dis-benefit 50 % worse than planned
    add("W", "P3", [70, 70], [None, None], owner=None)              # not measured yet, no owner
    return pd.DataFrame(rows)


def test_benefit_realisation_hand_oracle():
    r = benefit_realisation(register(), tolerance=0.10).set_index("benefit_id")
    x = r.loc["X"]
    assert (x["planned_to_date"], x["realised_to_date"], x["planned_total"]) == (200, 160, 400)
    assert x["realisation_rate"] == pytest.approx(0.8)
    assert x["forecast_total"] == pytest.approx(160 + 200 * 0.8)
    assert x["shortfall"] == pytest.approx(-80) and x["at_risk"] and x["status"] == "at risk"
    y = r.loc["Y"]
    assert y["realisation_rate"] == pytest.approx(1.05) and not y["at_risk"] and y["status"] == "on track"
    z = r.loc["Z"]
    assert z["is_disbenefit"] and z["realisation_rate"] == pytest.approx(1.5)
    assert z["forecast_total"] == pytest.approx(-15 - 20 * 1.5) and z["at_risk"]
    assert z["performance_to_date"] == pytest.approx(0.5)  # 50 % worse than planned
    assert x["performance_to_date"] == pytest.approx(x["realisation_rate"])
    w = r.loc["W"]
    assert w["rate_basis"] == "plan" and w["forecast_total"] == 140 and not w["at_risk"]
    assert w["status"] == "not yet measured; missing owner"
    assert r["realisation_rate"].notna().all()


def test_tolerance_changes_at_risk():
    r = benefit_realisation(register(), tolerance=0.25).set_index("benefit_id")
    assert not r.loc["X", "at_risk"]  # shortfall 80 = 20 % of 400 is within a 25 % tolerance
    with pytest.raises(ValueError, match="tolerance"):
        benefit_realisation(register(), tolerance=1.5)


def test_benefits_by_period_cumulative():
    b = benefits_by_period(register(), by="project")
    p1 = b[b["project_id"] == "P1"].set_index("period")
    assert p1["planned"].tolist() == [150, 150, 100, 100]
    assert p1["realised"].iloc[:2].tolist() == [130, 135]
    assert p1["realised_cum"].iloc[:2].tolist() == [130, 265]
    assert p1["planned_cum"].tolist() == [150, 300, 400, 500]
    assert not p1["measured"].iloc[2] and np.isnan(p1["realised_cum"].iloc[2])
    assert len(benefits_by_period(register())) == 11
    with pytest.raises(ValueError, match="by must be"):
        benefits_by_period(register(), by="owner")


def test_promised_vs_delivered():
    projects = pd.DataFrame({"project_id": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
                             "stage": ["closed", "closed", "active"], "benefit_npv": [450.0, -20.0, 120.0]})
    v = promised_vs_delivered(register(), projects)
    assert v.loc["P1", "planned_total"] == 500 and v.loc["P1", "realised_to_date"] == 265
    assert v.loc["P1", "realisation_rate"] == pytest.approx(265 / 300)
    assert v.loc["P1", "n_at_risk"] == 1 and v.loc["P1", "n_benefits"] == 2
    assert v.loc["P2", "disbenefits_to_date"] == -15
    assert v.loc["P3", "realisation_rate"] == 1.0 and not v.loc["P3", "measured"]
    assert v.loc["P1", "benefit_npv"] == 450.0


def test_empty_register_is_an_error():
    with pytest.raises(PMOError, match="no benefits register"):
        benefit_realisation(register().iloc[0:0])


def test_support_tco():
    support = pd.DataFrame({"project_id": ["P1"] * 4 + ["P2"] * 2, "period": [1, 2, 3, 4, 1, 2],
                            "period_end": pd.Timestamp("2026-03-31"),
                            "run_cost": [10.0, 10, 20, 20, 5, 5], "incidents": [1, 1, 3, 5, 0, 0]})
    projects = pd.DataFrame({"project_id": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
                             "stage": ["closed", "closed", "active"], "estimated_cost": [1000.0, 200.0, 50.0]})
    t = support_tco(support, projects, register())
    assert t.loc["P1", "tco"] == 1060 and t.loc["P1", "run_cost_per_period"] == 15
    assert t.loc["P1", "incidents_total"] == 10 and t.loc["P1", "incident_trend"] == pytest.approx(4 - 1)
    assert t.loc["P1", "realised_to_date"] == 265
    assert t.loc["P1", "net_of_run_cost"] == 265 - 60
    assert t.loc["P1", "benefit_to_tco"] == pytest.approx(265 / 1060)
    assert t.loc["P2", "realised_to_date"] == -15
    assert "P3" not in t.index
    with pytest.raises(PMOError, match="not in the projects table"):
        support_tco(support.assign(project_id="NOPE"), projects)
    with pytest.raises(PMOError, match="no support"):
        support_tco(support.iloc[0:0], projects)


# --------------------------------------------------------------------------- lessons learned

def history():
    return pd.DataFrame({
        "project_id": [f"H{i}" for i in range(8)],
        "reference_class": ["IT"] * 5 + ["Build"] * 3,
        "estimated_cost": [100.0] * 8,
        "actual_cost": [100, 110, 120, 130, 140, 90, 100, 95],
        "estimated_duration": [10.0] * 8,
        "actual_duration": [10, 10, 12, 15, 20, 10, 11, 12],
    })


def test_lessons_learned_both_measures_hand_oracle():
    ll = lessons_learned(history(), acceptable_overrun=0.5)
    it = ll[ll["reference_class"] == "IT"].set_index("measure")
    assert it.loc["cost", "uplift"] == pytest.approx(0.2)       # median of 1.0..1.4
    assert it.loc["duration", "uplift"] == pytest.approx(0.2)   # median of 1.0, 1.0, 1.2, 1.5, 2.0
    assert it.loc["cost", "n"] == 5
    build = ll[ll["reference_class"] == "Build"].set_index("measure")
    assert build.loc["cost", "uplift"] == pytest.approx(-0.05)
    assert set(ll["measure"]) == {"cost", "duration"}


def test_lessons_learned_reuses_the_intake_reference_classes():
    ll = lessons_learned(history(), 0.2)
    for m in ("cost", "duration"):
        ours = ll[ll["measure"] == m].set_index("reference_class")["uplift"].sort_index()
        theirs = reference_class_uplifts(history(), 0.2, measure=m)["uplift"].sort_index()
        pd.testing.assert_series_equal(ours, theirs, check_names=False)


def test_uplifts_to_adopt_floors_negative_history():
    w = uplifts_to_adopt(lessons_learned(history(), 0.5))
    assert w.loc["Build", "cost_uplift"] == 0.0
    assert w.loc["IT", "duration_uplift"] == pytest.approx(0.2)
    raw = uplifts_to_adopt(lessons_learned(history(), 0.5), floor_at_zero=False)
    assert raw.loc["Build", "cost_uplift"] == pytest.approx(-0.05)


def test_empty_history_is_an_error():
    with pytest.raises(PMOError, match="non-empty 'history'"):
        lessons_learned(history().iloc[0:0])
    with pytest.raises(PMOError, match="history"):
        outturn_ratios(None)


def test_outturn_ratios():
    r = outturn_ratios(history())
    assert len(r) == 16
    assert r[(r["project_id"] == "H4") & (r["measure"] == "duration")]["ratio"].item() == 2.0


def test_hmt_table_matches_the_published_reference():
    ref = pd.read_csv(REF / "optimism_bias_hmt.csv", comment="#")
    pd.testing.assert_frame_equal(HMT_OPTIMISM_BIAS, ref, check_dtype=False)


def test_compare_with_hmt():
    ll = lessons_learned(history(), 0.2)
    c = compare_with_hmt(ll, {"IT": "Equipment/development", "Build": "Standard buildings"}).set_index(
        ["reference_class", "measure"])
    assert c.loc[("IT", "cost"), "hmt_upper"] == 2.0
    assert c.loc[("IT", "cost"), "position"] == "within HMT range"      # P80 of 1.0..1.4 = 1.32
    assert c.loc[("Build", "cost"), "position"] == "below HMT range"    # negative uplift < 2 %
    with pytest.raises(ValueError, match="unknown HMT"):
        compare_with_hmt(ll, {"IT": "Rockets"})
    opex = compare_with_hmt(ll, {"IT": "Outsourcing (opex)"}).set_index("measure")
    assert opex.loc["duration", "position"] == "no HMT value"


# --------------------------------------------------------------------------- charts

def _data(d, layer=None):
    spec = d if layer is None else layer
    return d["datasets"][spec.get("data", d.get("data"))["name"]]


@pytest.mark.slow
def test_benefit_charts():
    from pmo_analytics.charts import benefits as cb

    reg = register()
    r = cb.realisation_chart(benefits_by_period(reg, "project")).to_dict()
    assert "facet" in r and {row["series"] for row in _data(r)} == {"planned", "realised"}
    v = cb.promised_vs_delivered_chart(promised_vs_delivered(reg)).to_dict()
    assert v["mark"]["type"] == "bar"
    assert {row["measure"] for row in _data(v)} == {"register plan (total)", "forecast (total)",
                                                    "planned to date", "realised to date"}
    s = cb.benefits_status_chart(benefit_realisation(reg)).to_dict()
    rows = _data(s, s["layer"][0])
    states = {row["benefit_id"]: row["state"] for row in rows}
    assert s["layer"][0]["encoding"]["x"]["field"] == "performance_to_date"
    assert {r["benefit_id"]: r["performance_to_date"] for r in rows}["Z"] == pytest.approx(0.5)
    assert states == {"X": "at risk", "Y": "on track", "Z": "at risk", "W": "not yet measured"}
    support = pd.DataFrame({"project_id": ["P1"], "period": [1], "period_end": pd.Timestamp("2026-03-31"),
                            "run_cost": [10.0], "incidents": [1]})
    projects = pd.DataFrame({"project_id": ["P1"], "name": ["a"], "stage": ["closed"], "estimated_cost": [100.0]})
    t = cb.tco_chart(support_tco(support, projects, reg)).to_dict()
    parts = {row["part"]: row["value"] for row in _data(t)}
    # the legend in the glossary's words, not column names
    assert parts == {"Authorised cost": 100.0, "Run cost": 10.0, "Realised to date": 265.0}
    rc = cb.reference_class_chart(outturn_ratios(history()), lessons_learned(history())).to_dict()
    assert len(rc["hconcat"]) == 2
    assert "P80" in rc["title"]["text"] if isinstance(rc["title"], dict) else "P80" in rc["title"]
