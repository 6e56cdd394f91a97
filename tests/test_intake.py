"""Tests of intake screening: AHP, weighted scoring, value-vs-risk, reference-class uplifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.exceptions import InconsistentJudgementsError, PMOError
from pmo_analytics.intake import (RANDOM_INDEX, IntakeScreening, ahp_weights, apply_uplift, criteria_weights,
                                  normalise_scores, pairwise_matrix, reference_class_uplifts, value_proposition,
                                  weighted_scores)

# --- AHP against published examples -------------------------------------------------------------------

# T. L. Saaty, "How to make a decision: the analytic hierarchy process", European Journal of Operational
# Research 48 (1990) 9-26, table 2: the eight criteria for buying a house, with published priorities
# (.173 .054 .188 .018 .031 .036 .167 .333), lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169.
HOUSE = np.array([
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
])
HOUSE_NAMES = ["size", "transport", "neighbourhood", "age", "yard", "modern", "condition", "financing"]
HOUSE_WEIGHTS = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]

# Same paper, table 3, "size of house" comparison of houses A, B, C: priorities .754 .181 .065,
# lambda_max = 3.136, C.I. = 0.068, C.R. = 0.117.
SIZE = np.array([[1, 6, 8], [1 / 6, 1, 4], [1 / 8, 1 / 4, 1]])


def as_frame(m, names):
    return pd.DataFrame(m, index=names, columns=names)


def as_pairwise(m, names):
    iu, ju = np.triu_indices(len(names), 1)
    return pd.DataFrame({"criterion_a": [names[i] for i in iu], "criterion_b": [names[j] for j in ju],
                         "judgement": m[iu, ju]})


def test_ahp_saaty_1990_house_criteria():
    r = ahp_weights(as_frame(HOUSE, HOUSE_NAMES), allow_inconsistent=True)
    assert np.round(r.weights.to_numpy(), 3).tolist() == HOUSE_WEIGHTS
    assert r.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert r.consistency_index == pytest.approx(0.238, abs=5e-4)
    assert r.consistency_ratio == pytest.approx(0.169, abs=5e-4)
    assert not r.consistent


def test_ahp_saaty_1990_size_of_house_from_pairwise_table():
    r = ahp_weights(as_pairwise(SIZE, list("ABC")), allow_inconsistent=True)
    assert np.round(r.weights.to_numpy(), 3).tolist() == [0.754, 0.181, 0.065]
    assert r.consistency_index == pytest.approx(0.068, abs=5e-4)
    assert r.consistency_ratio == pytest.approx(0.117, abs=5e-4)


def test_inconsistent_judgements_raise_and_name_the_worst():
    with pytest.raises(InconsistentJudgementsError, match=r"CR = 0\.169 > 0\.10") as exc:
        ahp_weights(as_pairwise(HOUSE, HOUSE_NAMES))
    e = exc.value
    assert e.consistency_ratio == pytest.approx(0.169, abs=5e-4)
    # the most inconsistent judgement is the one farthest (in log ratio) from what the weights imply
    r = ahp_weights(as_frame(HOUSE, HOUSE_NAMES), allow_inconsistent=True)
    w = r.weights.to_numpy()
    eps = np.abs(np.log(HOUSE * w[None, :] / w[:, None]))
    i, j = np.unravel_index(np.argmax(np.triu(eps, 1)), eps.shape)
    first = e.worst.iloc[0]
    assert {first.criterion_a, first.criterion_b} == {HOUSE_NAMES[i], HOUSE_NAMES[j]}
    assert f"{HOUSE_NAMES[i]} vs {HOUSE_NAMES[j]}" in str(e)
    assert "allow_inconsistent=True" in str(e)


def test_consistent_matrix_recovers_weights_with_zero_cr():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    m = w[:, None] / w[None, :]
    r = ahp_weights(as_frame(m, list("abcd")))
    assert r.weights.to_numpy() == pytest.approx(w)
    assert r.lambda_max == pytest.approx(4.0) and r.consistency_ratio == pytest.approx(0.0, abs=1e-12)
    assert r.consistent and r.judgements["inconsistency"].max() == pytest.approx(0, abs=1e-9)


def test_random_index_table_is_saatys():
    assert [RANDOM_INDEX[n] for n in range(3, 11)] == [0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]


def test_pairwise_matrix_errors():
    with pytest.raises(PMOError, match="incomplete"):
        pairwise_matrix(pd.DataFrame({"criterion_a": ["a", "a"], "criterion_b": ["b", "c"], "judgement": [2, 3]}))
    with pytest.raises(PMOError, match="not reciprocal"):
        pairwise_matrix(pd.DataFrame({"criterion_a": ["a", "b"], "criterion_b": ["b", "a"], "judgement": [2, 2]}))
    m = pairwise_matrix(pd.DataFrame({"criterion_a": ["a", "b"], "criterion_b": ["b", "a"], "judgement": [2, 0.5]}))
    assert m.loc["b", "a"] == 0.5
    with pytest.raises(PMOError, match="itself"):
        pairwise_matrix(pd.DataFrame({"criterion_a": ["a"], "criterion_b": ["a"], "judgement": [1.0]}))
    with pytest.raises(PMOError, match="tabulated"):
        ahp_weights(as_frame(np.ones((11, 11)), [f"c{k}" for k in range(11)]))


# --- scoring -------------------------------------------------------------------------------------------

SCORES = pd.DataFrame({
    "project_id": ["A", "A", "B", "B", "C", "C"],
    "criterion": ["x", "y"] * 3,
    "score": [10.0, 0.0, 5.0, 5.0, 0.0, 10.0],
})


@pytest.mark.parametrize("method, expected", [
    ("none", {"A": 7.0, "B": 5.0, "C": 3.0}),           # 0.7*x + 0.3*y
    ("max", {"A": 0.7, "B": 0.5, "C": 0.3}),
    ("minmax", {"A": 0.7, "B": 0.5, "C": 0.3}),         # min 0, max 10 on both drivers
    ("sum", {"A": 0.7 * 10 / 15 + 0, "B": 0.7 * 5 / 15 + 0.3 * 5 / 15, "C": 0.3 * 10 / 15}),
])
def test_weighted_scores_by_normalisation(method, expected):
    w = pd.Series({"x": 7.0, "y": 3.0})  # normalised to 0.7 / 0.3
    s = weighted_scores(SCORES, w, method)
    assert s["score"].to_dict() == pytest.approx(expected)
    assert s.index.tolist() == ["A", "B", "C"] and s["rank"].tolist() == [1, 2, 3]


def test_zscore_normalisation():
    wide = SCORES.pivot(index="project_id", columns="criterion", values="score")
    z = normalise_scores(wide, "zscore")
    assert z.mean().to_numpy() == pytest.approx([0, 0]) and z.std(ddof=0).to_numpy() == pytest.approx([1, 1])
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalise_scores(wide, "softmax")


def test_weighted_scores_missing_score_is_an_error():
    with pytest.raises(PMOError, match="missing score"):
        weighted_scores(SCORES.iloc[:-1], pd.Series({"x": 1.0, "y": 1.0}))
    with pytest.raises(PMOError, match="without a weight"):
        weighted_scores(SCORES, pd.Series({"x": 1.0}))


def test_criteria_weights_table_and_ahp():
    crit = pd.DataFrame({"criterion": ["x", "y"], "weight": [3.0, 1.0]})
    w, ahp = criteria_weights(crit)
    assert w.to_dict() == pytest.approx({"x": 0.75, "y": 0.25}) and ahp is None
    pw = pd.DataFrame({"criterion_a": ["x"], "criterion_b": ["y"], "judgement": [4.0]})
    w, ahp = criteria_weights(crit, pw)
    assert w.to_dict() == pytest.approx({"x": 0.8, "y": 0.2}) and ahp is not None
    with pytest.raises(PMOError, match="without a weight"):
        criteria_weights(pd.DataFrame({"criterion": ["x"], "weight": [np.nan]}))


def test_value_proposition_and_quadrants():
    projects = pd.DataFrame({
        "project_id": ["a", "b", "c", "d"], "name": list("abcd"), "bucket": ["Run", "Grow", "Run", "Grow"],
        "business_unit": ["U"] * 4, "benefit_npv": [100.0, 100.0, 10.0, 10.0], "estimated_cost": [50.0] * 4,
        "probability_of_success": [0.9, 0.5, 0.9, 0.5], "estimate_class": [2, 2, 2, 5]})
    v = value_proposition(projects, high_value=40)
    assert v["risk_adjusted_benefit"].tolist() == pytest.approx([90, 50, 9, 5])
    assert v["net_value"].tolist() == pytest.approx([40, 0, -41, -45])
    assert v["quadrant"].tolist() == ["pursue", "review risk", "quick win", "avoid"]


# --- reference class -----------------------------------------------------------------------------------

def _history():
    ratios = {"IT": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0], "Civil": [0.9, 1.0, 1.1]}
    rows = []
    for cls, rs in ratios.items():
        for k, r in enumerate(rs):
            rows.append(dict(project_id=f"{cls}{k}", reference_class=cls, estimated_cost=200.0,
                             actual_cost=200.0 * r, estimated_duration=4.0, actual_duration=4.0 * r))
    return pd.DataFrame(rows)


def test_reference_class_uplift_is_the_empirical_quantile():
    u = reference_class_uplifts(_history(), acceptable_overrun=0.2)
    # IT ratios 1.0..2.0 in steps of 0.1 (11 values): P80 by linear interpolation = 1.8
    assert u.loc["IT", "quantile_ratio"] == pytest.approx(1.8)
    assert u.loc["IT", "uplift"] == pytest.approx(0.8)
    assert u.loc["IT", "p50_ratio"] == pytest.approx(1.5) and u.loc["IT", "n"] == 11
    assert u.loc["Civil", "uplift"] == pytest.approx(np.quantile([0.9, 1.0, 1.1], 0.8) - 1)
    assert u.loc["Civil", "share_overrun"] == pytest.approx(1 / 3)
    # a lower acceptable overrun needs a larger uplift
    assert reference_class_uplifts(_history(), 0.1).loc["IT", "uplift"] == pytest.approx(0.9)
    d = reference_class_uplifts(_history(), 0.5, measure="duration")
    assert d.loc["IT", "uplift"] == pytest.approx(0.5) and (d["measure"] == "duration").all()


def test_reference_class_errors():
    with pytest.raises(ValueError, match="between 0 and 1"):
        reference_class_uplifts(_history(), 1.2)
    with pytest.raises(ValueError, match="unknown measure"):
        reference_class_uplifts(_history(), measure="quality")
    with pytest.warns(Warning, match="fewer than 5"):
        u = reference_class_uplifts(_history(), min_class_size=5)
    assert list(u.index) == ["IT"]


def test_apply_uplift():
    u = reference_class_uplifts(_history(), 0.2)
    projects = pd.DataFrame({"project_id": ["p", "q", "r"], "category": ["IT", "Civil", "Other"],
                             "estimated_cost": [100.0, 100.0, 100.0]})
    out = apply_uplift(projects, u)
    assert out["uplifted_estimated_cost"].tolist() == pytest.approx([180.0, 100 * (1 + u.loc["Civil", "uplift"]), 100])
    assert out["has_history"].tolist() == [True, True, False]
    with pytest.raises(PMOError, match="no history"):
        apply_uplift(projects, u, default_uplift=None)


# --- the estimator on the bundled sample ----------------------------------------------------------------

@pytest.mark.slow
def test_screening_on_sample():
    import pmo_analytics
    pf = pmo_analytics.read_portfolio(None)
    s = IntakeScreening().fit(pf)
    t = s.table_
    assert len(t) == int((pf.projects["stage"] == "proposal").sum())
    assert t["score"].is_monotonic_decreasing
    assert s.ahp_ is not None and s.ahp_.consistent
    assert s.weights_.sum() == pytest.approx(1.0)
    assert t.loc[t["mandatory"], "shortlisted"].all()
    assert (t["uplifted_cost"] >= t["estimated_cost"] - 1e-9).all()
    assert "shortlisted" in repr(s)


def test_intake_charts():
    from pmo_analytics.charts import intake as ic
    w = pd.Series({"x": 0.7, "y": 0.3})
    spec = ic.weights_chart(w).to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["field"] == "weight"
    sc = ic.score_chart(weighted_scores(SCORES, w)).to_dict()
    rows = sc["datasets"][sc["data"]["name"]]
    assert {r["criterion"] for r in rows} == {"X", "Y"} and len(rows) == 6  # codes read as names in the legend
    projects = pd.DataFrame({
        "project_id": ["a", "b"], "name": ["a", "b"], "bucket": ["Run", "Grow"], "business_unit": ["U", "U"],
        "benefit_npv": [100.0, 10.0], "estimated_cost": [50.0, 50.0], "probability_of_success": [0.9, 0.5],
        "estimate_class": [2, 5]})
    v = ic.value_risk_chart(value_proposition(projects)).to_dict()
    assert v["mark"]["type"] == "circle" and v["encoding"]["color"]["field"] == "quadrant"


@pytest.mark.slow
def test_screening_estimator_protocol(tmp_path):
    import shutil

    from pmo_analytics import read_portfolio
    from pmo_analytics.exceptions import MissingTableError

    from .conftest import MINIMAL

    s = IntakeScreening()
    assert "unfitted" in repr(s)
    with pytest.raises(ValueError, match="not fitted"):
        s.summary
    with pytest.raises(ValueError, match="unknown weighting"):
        IntakeScreening(weighting="vote")
    pf = read_portfolio(MINIMAL)
    assert s.fit(pf) is s
    sm = s.summary
    assert list(sm.columns) == ["measure", "value", "unit"]
    row = sm.set_index("measure")
    assert row.loc["proposals screened", "value"] == len(s.table_) == int((pf.projects["stage"] == "proposal").sum())
    assert row.loc["shortlisted", "value"] == len(s.shortlist_)
    sl = s.table_[s.table_["shortlisted"]]
    assert row.loc["uplifted cost shortlisted", "value"] == pytest.approx(sl["uplifted_cost"].sum())
    assert row.loc["uplifted cost shortlisted", "unit"] == "currency"
    assert s.quadrants_["projects"].sum() == len(s.table_)
    assert "fitted on Portfolio(" in repr(s)
    # without criteria and scores the screening says which tables it needs
    folder = tmp_path / "pf"
    shutil.copytree(MINIMAL, folder)
    for name in ("criteria.csv", "scores.csv", "pairwise.csv"):
        (folder / name).unlink()
    with pytest.raises(MissingTableError, match="intake screening needs this table"):
        IntakeScreening().fit(read_portfolio(folder))


def test_ahp_result_summary_and_table():
    m = as_frame(np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]), ["a", "b", "c"])
    r = ahp_weights(m)
    sm = r.summary.set_index("measure")
    assert sm.loc["consistency ratio", "value"] == pytest.approx(r.consistency_ratio)
    assert sm.loc["criteria", "value"] == 3 and bool(sm.loc["consistent", "value"]) == r.consistent
    assert r.table["rank"].to_dict() == {"a": 1, "b": 2, "c": 3}
    assert r.table["weight"].sum() == pytest.approx(1.0)
