"""Risk charts: each returns an Altair chart whose spec carries the expected marks and fields."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pmo_analytics.charts import risk as rc
from pmo_analytics.risk import simulate
from pmo_analytics.schedule import build_network


@pytest.fixture(scope="module")
def res():
    acts = pd.DataFrame({"activity_id": ["A", "B", "C"], "name": ["a", "b", "c"], "min_duration": [2, 3, 1],
                         "most_likely": [4, 5, 2], "max_duration": [9, 8, 4], "distribution": "triangular",
                         "predecessors": [None, "A", "A"], "cost_rate": [10.0, 20.0, 30.0]})
    risks = pd.DataFrame([{"risk_id": "R1", "title": "late vendor", "probability": 0.4, "impact_type": "days",
                           "schedule_min": 1, "schedule_most_likely": 2, "schedule_max": 5, "cost_min": 10,
                           "cost_most_likely": 20, "cost_max": 50, "affected_activities": "B"}])
    return simulate(build_network(acts), risks, seed=1, iterations=1000)


def marks(spec):
    out = []
    for layer in spec.get("layer", [spec]):
        if "layer" in layer:
            out += marks(layer)
        else:
            m = layer["mark"]
            out.append(m["type"] if isinstance(m, dict) else m)
    return out


def test_distribution_chart(res):
    ch = rc.distribution_chart(res.histogram("finish"), res.s_curve("finish"), res.percentiles([50, 80]),
                               deterministic=res.deterministic_finish_)
    spec = ch.to_dict()
    assert marks(spec).count("rule") == 2 and "bar" in marks(spec) and "line" in marks(spec)
    text = json.dumps(spec)
    assert "P50" in text and "P80" in text


def test_gantt_and_bars(res):
    g = rc.gantt_chart(res.gantt()).to_dict()
    assert marks(g) == ["bar", "tick", "tick"]
    assert "p80_finish" in json.dumps(g)
    b = rc.activity_bars(res.ranking("sensitivity"), "sensitivity").to_dict()
    assert b["encoding"]["x"]["field"] == "sensitivity"
    with pytest.raises(ValueError, match="not in the frame"):
        rc.activity_bars(res.ranking("criticality")[["activity_id", "name", "criticality"]], "sensitivity")


def test_tornado_and_jcl(res):
    t = rc.tornado_chart(res.tornado(), "cost_reduction").to_dict()
    assert t["encoding"]["x"]["field"] == "cost_reduction"
    j = rc.jcl_chart(res.samples(500), res.jcl_frontier(0.7),
                     (res.deterministic_finish_, res.deterministic_cost_)).to_dict()
    assert marks(j) == ["circle", "line", "point"]
    assert "JCL-70%" in json.dumps(j)
