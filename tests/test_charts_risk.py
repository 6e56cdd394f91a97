"""Risk charts: each returns an Altair chart whose spec carries the expected marks and fields."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pmo_analytics.charts import risk as rc
from pmo_analytics.risk import simulate
from pmo_analytics.schedule import build_network


def _inputs(**network):
    acts = pd.DataFrame({"activity_id": ["A", "B", "C"], "name": ["a", "b", "c"], "min_duration": [2, 3, 1],
                         "most_likely": [4, 5, 2], "max_duration": [9, 8, 4], "distribution": "triangular",
                         "predecessors": [None, "A", "A"], "cost_rate": [10.0, 20.0, 30.0]})
    risks = pd.DataFrame([{"risk_id": "R1", "title": "late vendor", "probability": 0.4, "impact_type": "days",
                           "schedule_min": 1, "schedule_most_likely": 2, "schedule_max": 5, "cost_min": 10,
                           "cost_most_likely": 20, "cost_max": 50, "affected_activities": "B"}])
    return build_network(acts, **network), risks


@pytest.fixture(scope="module")
def res():
    network, risks = _inputs()
    return simulate(network, risks, seed=1, iterations=1000)


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


def test_gantt_of_a_large_schedule_shows_its_most_critical_activities_in_schedule_order(res):
    """A real schedule of thousands of activities made a chart Vega could not draw (stack overflow in the SVG
    conversion): beyond ``top`` rows the Gantt keeps the most critical ones and says so."""
    g = res.gantt()
    top = len(g) - 1
    assert top >= 2
    chart = rc.gantt_chart(g, title="X", top=top)
    values = next(iter(chart.to_dict()["datasets"].values()))
    want = g.sort_values(["criticality", "p80_finish"], ascending=False, kind="stable").head(top)
    assert [v["activity_id"] for v in values] == list(g.loc[sorted(want.index), "activity_id"])
    assert chart.to_dict()["title"] == f"X (the {top} most critical of {len(g)} activities)"
    assert len(next(iter(rc.gantt_chart(g, top=None).to_dict()["datasets"].values()))) == len(g)
    assert "most critical" not in json.dumps(rc.gantt_chart(g).to_dict()["title"])  # within the default 60


def test_tornado_and_jcl(res):
    t = rc.tornado_chart(res.tornado(), "cost_reduction").to_dict()
    assert t["encoding"]["x"]["field"] == "cost_reduction"
    j = rc.jcl_chart(res.samples(500), res.jcl_frontier(0.7),
                     (res.deterministic_finish_, res.deterministic_cost_)).to_dict()
    assert marks(j) == ["circle", "line", "point"]
    assert "JCL-70%" in json.dumps(j)


@pytest.fixture(scope="module")
def dated():
    """The same model with a start date (Monday 2026-01-05): the result frames carry dates."""
    network, risks = _inputs(start_date="2026-01-05")  # the network carries the dates
    return simulate(network, risks, seed=1, iterations=1000)


def _x(spec):
    """(field, type, title) of every layer's x encoding."""
    out = []
    for layer in spec.get("layer", [spec]):
        if "layer" in layer:
            out += _x(layer)
        elif "x" in layer.get("encoding", {}):
            x = layer["encoding"]["x"]
            out.append((x.get("field"), x.get("type"), x.get("title")))
    return out


def test_risk_frames_carry_dates_with_a_start_date(res, dated):
    h, g, s = dated.histogram("finish"), dated.gantt(), dated.samples(50)
    assert {"bin_start_date", "bin_end_date"} <= set(h.columns)
    assert {"early_start_date", "early_finish_date", "p50_finish_date", "p80_finish_date"} <= set(g.columns)
    assert "finish_date" in s.columns
    # the dates are the calendar's: 5 working days after a Monday start finish on Friday
    first = g.iloc[0]
    assert first["early_start_date"] == pd.Timestamp("2026-01-05")
    assert (s["finish_date"] == dated.to_date(s["finish"].to_numpy())).all()
    assert "bin_start_date" not in dated.histogram("cost").columns
    assert "bin_start_date" not in res.histogram("finish").columns and "finish_date" not in res.samples(5)


def test_finish_charts_use_date_axes_when_dates_are_known(dated):
    plan = dated.to_date(dated.deterministic_finish_)
    d = rc.distribution_chart(dated.histogram("finish"), dated.s_curve("finish"), dated.percentiles([50, 80]),
                              deterministic=plan).to_dict()
    xs = _x(d)
    assert ("bin_start_date", "temporal", "Finish date") in xs
    assert all(t == "temporal" for _, t, _ in xs)
    assert "working days" not in json.dumps(d)
    g = rc.gantt_chart(dated.gantt()).to_dict()
    assert {t for _, t, _ in _x(g)} == {"temporal"}
    assert [p["bind"] for p in g["params"]] == ["scales"]  # zoom on the time axis
    j = rc.jcl_chart(dated.samples(300), dated.jcl_frontier(0.7), (plan, dated.deterministic_cost_)).to_dict()
    assert {t for _, t, _ in _x(j)} == {"temporal"}
    assert j["layer"][0]["encoding"]["y"]["axis"]["format"] == ",.3~s"  # money on the cost axis


@pytest.mark.slow
def test_a_plan_in_working_days_keeps_the_working_days_axis(res, dated):
    d = rc.distribution_chart(dated.histogram("finish"), dated.s_curve("finish"), dated.percentiles([50, 80]),
                              deterministic=dated.deterministic_finish_).to_dict()
    assert {t for _, t, _ in _x(d)} == {"quantitative"}
    assert "Finish [working days from start]" in json.dumps(d)
    g = rc.gantt_chart(res.gantt()).to_dict()
    assert ("early_start", "quantitative", "Working days from start") in _x(g)


def test_record_renderer_carries_svg_and_spec():
    from pmo_analytics import charts
    from pmo_analytics.records.html import SPEC_MIME

    assert charts.SPEC_MIME == SPEC_MIME  # the renderer and the HTML export agree on the MIME type
    charts.enable_offline()
    import altair as alt

    c = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")
    bundle = c._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert bundle["image/svg+xml"].lstrip().startswith("<svg") and bundle[SPEC_MIME]["mark"]["type"] == "point"
    with pytest.raises(ValueError, match="renderer must be"):
        charts.enable_offline("html")
