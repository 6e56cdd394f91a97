"""The portfolio review workshop: what-ifs as functions and widgets, recorded and replayed (pmo_analytics.workshop)."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

import pmo_analytics as pmo
from pmo_analytics.exceptions import SolverWarning
from pmo_analytics.records.decisions import list_decisions, load_decision
from pmo_analytics.records.replay import replay
from pmo_analytics.selection import WhatIf, what_if
from pmo_analytics.tables import sample_path
from pmo_analytics.workshop import WorkshopPanel, chart_svg, record_what_if


@pytest.fixture(scope="module")
def sample():
    return pmo.load_sample()


@pytest.fixture(scope="module")
def panel(sample):
    warnings.simplefilter("ignore", SolverWarning)
    p = WorkshopPanel(sample, base=WhatIf(frontier_levels=3))
    p.apply()
    return p


@pytest.mark.slow
def test_full_workshop_budget_cut_decide_replay(tmp_path, sample):
    """Load the sample, cut the budget in the room, record the decision, replay it: identical numbers."""
    data = shutil.copytree(sample_path(), tmp_path / "data")
    pf = pmo.read_portfolio(data)
    panel = WorkshopPanel(pf, base=WhatIf(frontier_levels=0))
    base = panel.apply()
    quick = panel.apply(budget_scale=0.9)  # the anytime answer in the room, then its deterministic solve
    assert not quick.refined and panel.apply(budget_scale=0.9) is quick  # the same question, the same answer
    cut = panel.refine(quick)
    assert cut.refined and panel.result_ is cut and panel.apply(budget_scale=0.9) is cut
    assert quick.numbers["value"] <= cut.numbers["value"] * (1 + 1e-9)
    if quick.numbers["status"] == "optimal":  # never claimed more than it proved
        assert quick.numbers["value"] == pytest.approx(cut.numbers["value"], rel=1e-9)
    with pytest.raises(ValueError, match="anytime answer is not what a replay reproduces"):
        record_what_if(quick, "x", "Board", data_path=data, folder=tmp_path / "decisions")
    change = panel.changes(cut, base)
    assert cut.numbers["status"] == "optimal" and cut.numbers["value"] < base.numbers["value"]
    assert change["lost"] and set(change["lost"]) <= set(base.numbers["funded"])
    decided = f"cut the budget by 10 %: defer {', '.join(change['lost'])}"
    d = record_what_if(cut, decided, "Portfolio board", data_path=data, folder=tmp_path / "decisions",
                       options=["keep budget", "cut 10 %"])
    entry = load_decision(d.decision_id, tmp_path / "decisions")
    assert entry.scenario == {"kind": "selection.what_if", "parameters": cut.scenario.parameters()}
    assert entry.numbers == json.loads(json.dumps(cut.numbers))
    r = replay(d.decision_id, folder=tmp_path / "decisions")
    assert r.reproduced, r.differences
    assert r.numbers == entry.numbers
    # the data change after the decision: replay says what changed and which numbers moved
    budget = data / "budget.csv"
    budget.write_text(budget.read_text().replace("\n1,", "\n1,1", 1))
    r2 = replay(d.decision_id, folder=tmp_path / "decisions")
    assert r2.data_changed["changed"] == ["budget.csv"]
    assert not r2.reproduced and any(x.startswith("budget:") for x in r2.differences)
    assert list_decisions(tmp_path / "decisions")["decision"].tolist() == [decided]


@pytest.mark.slow
def test_what_if_levers_bind(panel):
    base = panel.history_[0].numbers
    forced = panel.apply(force_out=(base["funded"][-1],))
    assert base["funded"][-1] not in forced.numbers["funded"]
    deps = panel.portfolio.dependencies
    tied = set(deps["project_id"]) | set(deps["other_project_id"])
    out_of_portfolio = sorted(set(panel.history_[0].selector.portfolio_.index) - set(base["funded"]) - tied)
    pick = out_of_portfolio[0]
    assert pick in panel.apply(force_in=(pick,)).numbers["funded"]
    more = panel.apply(budget_scale=1.2).numbers
    assert more["value"] >= base["value"] - 1e-6  # more money never buys less value
    assert panel.changes(panel.result_, panel.history_[0])["value_change"] == pytest.approx(more["value"] - base["value"])


@pytest.mark.slow
def test_what_if_redraws_frontier_roadmap_capacity(panel):
    r = panel.apply(budget_scale=0.95)
    assert len(r.frontier) == 3 and {"budget_factor", "value", "status"} <= set(r.frontier.columns)
    charts = panel.charts(r)
    assert set(charts) == {"frontier", "roadmap", "capacity"}
    for c in charts.values():
        assert c.to_dict()  # valid Vega-Lite
    svgs = panel.pictures(r)  # what the widget draws: the same charts as SVG, in the same order
    assert list(svgs) == list(charts)
    assert all(v.lstrip().startswith("<svg") for v in svgs.values())
    assert svgs["roadmap"] == chart_svg(charts["roadmap"])


def test_the_anytime_frontier_drawn_beside_the_solve_is_the_lp_of_the_levers(sample):
    """The anytime what-if draws the frontier's LP curve on a second thread while it solves: the curve must be
    the relaxation of the what-if's own model (levers applied), the same as the deterministic path draws it, and
    an upper bound on the answer at factor 1."""
    from pmo_analytics.selection.frontier import lp_frontier

    quick = what_if(sample, budget_scale=0.9, capacity_delta={"DEV": 1.0}, time_budget=5.0, frontier_levels=5)
    slow = what_if(sample, budget_scale=0.9, capacity_delta={"DEV": 1.0}, frontier_levels=5)
    own = lp_frontier(quick.selector.model_, quick.frontier["budget_factor"].to_numpy())
    np.testing.assert_allclose(quick.frontier["bound"], own["bound"], rtol=1e-9)
    np.testing.assert_allclose(quick.frontier["bound"], slow.frontier["bound"], rtol=1e-9)
    at1 = quick.frontier[np.isclose(quick.frontier["budget_factor"], 1.0)].iloc[0]
    assert at1["value"] == quick.numbers["value"] <= at1["bound"] + 1e-6


def test_unknown_lever_is_an_error(sample):
    with pytest.raises(ValueError, match=r"unknown what-if lever\(s\) \['budget'\]"):
        what_if(sample, budget=0.9)


@pytest.mark.slow
def test_widget_panel_maps_each_control_to_a_lever(panel):
    ipywidgets = pytest.importorskip("ipywidgets")
    box = panel.widget()
    assert isinstance(box, ipywidgets.VBox)
    controls = {w.description: w for w in box.children[0].children[0].children if hasattr(w, "description")}
    n = len(panel.history_)
    controls["budget %"].value = 80.0  # a change re-optimises through apply()
    assert len(panel.history_) == n + 1 and panel.result_.scenario.budget_scale == pytest.approx(0.8)
    controls["DEV ±FTE"].value = 2.0
    assert panel.result_.scenario.capacity_delta == {"DEV": 2.0}
    assert "WorkshopPanel(" in repr(panel)


@pytest.fixture
def small(tmp_path):
    """A portfolio that is not the sample: the minimal one with room in the budget."""
    from .conftest import MINIMAL

    data = shutil.copytree(MINIMAL, tmp_path / "data")
    (data / "budget.csv").write_text("period,budget\n1,2000\n2,2000\n3,2000\n4,2000\n")
    return data


@pytest.mark.slow
def test_describe_and_record_a_what_if_with_who_decided(small, tmp_path):
    pf = pmo.read_portfolio(small)
    panel = WorkshopPanel(pf, base=WhatIf(frontier_levels=0), decisions=tmp_path / "decisions")
    with pytest.raises(ValueError, match="no what-if to record yet"):
        panel.record("x", "Board")
    base = panel.apply()
    assert panel.describe() == f"Fund {len(base.numbers['funded'])} projects ({', '.join(base.numbers['funded'])})."
    cut = panel.apply(capacity_delta={"DEV": 2.0}, budget_scale=0.9, hiring=False)
    text = panel.describe()
    funded = cut.numbers["funded"]
    assert text == f"With budget at 90%; DEV +2 FTE; no hiring: fund {len(funded)} projects ({', '.join(funded)})."
    with pytest.raises(ValueError, match="say who decided"):
        panel.record(text, "  ")
    with pytest.raises(ValueError, match="say what was decided"):
        panel.record("", "Board")
    d = panel.record(text, "Portfolio board, chair A. Novak", options=["as is", "cut 10 %"])
    entry = load_decision(d.decision_id, tmp_path / "decisions")
    assert entry.decided_by == "Portfolio board, chair A. Novak" and entry.decision == text
    assert entry.scenario == {"kind": "selection.what_if", "parameters": cut.scenario.parameters()}
    # the register fingerprints the data the panel was built on, not the bundled sample
    assert entry.data["path"] == str(small.resolve()) and "budget.csv" in entry.data["files"]
    assert panel.recorded_ == [d]
    assert replay(d.decision_id, folder=tmp_path / "decisions").reproduced


def test_widget_shows_busy_while_reoptimising_and_records_from_the_room(small, tmp_path):
    ipywidgets = pytest.importorskip("ipywidgets")
    panel = WorkshopPanel(pmo.read_portfolio(small), base=WhatIf(frontier_levels=0),
                          decisions=tmp_path / "decisions")
    box = panel.widget()
    levers = {w.description: w for w in box.children[0].children[0].children if hasattr(w, "description")}
    status = box.children[1]
    seen = []
    apply = panel.apply

    def spy(**levers_):
        seen.append((status.value, levers["budget %"].disabled))
        return apply(**levers_)

    panel.apply = spy
    levers["budget %"].value = 90.0
    assert seen and "re-optimising…" in seen[0][0]  # busy while the answer is computed
    assert "re-optimising" not in status.value and "funded" in status.value  # then the answer, with its status
    drawn = [pic.value for pic in box.children[2:5] if pic.value]
    assert len(drawn) == 2 and all("<svg" in v for v in drawn)  # roadmap, capacity as SVG: no network needed
    record_row = box.children[-1]
    decision, (decided_by, button) = record_row.children[0].children[0], record_row.children[0].children[1].children
    recorded = record_row.children[1]
    assert isinstance(button, ipywidgets.Button) and button.description == "Record this what-if"
    assert decision.value == panel.describe()  # the wording starts from the what-if
    button.click()
    assert "not recorded" in recorded.value and "say who decided" in recorded.value
    assert not list((tmp_path / "decisions").glob("D-*.json"))  # nothing recorded
    decided_by.value = "Portfolio board"
    button.click()
    assert "recorded D-0001" in recorded.value
    df = list_decisions(tmp_path / "decisions")
    assert df["decided_by"].tolist() == ["Portfolio board"] and df["decision"].tolist() == [decision.value]
    assert panel.recorded_[0].numbers == panel.refine().numbers  # the register holds the deterministic solve


@pytest.mark.slow
def test_a_what_if_from_the_reviews_recommendation_replays_on_the_same_costs(tmp_path):
    """The panel starts from the record's portfolio (reference-class costs); its what-if replays identically."""
    from pmo_analytics.review import PortfolioReview

    data = shutil.copytree(sample_path(), tmp_path / "data")
    review = PortfolioReview(iterations=300).fit(pmo.read_portfolio(data), lazy=True)
    panel = WorkshopPanel.from_review(review)
    panel.decisions = tmp_path / "decisions"
    assert panel.result_.numbers == review.selection_.numbers_
    cut = panel.apply(budget_scale=0.9, frontier_levels=0)
    d = panel.record(panel.describe(cut), "Portfolio board")
    assert d.scenario["parameters"]["review_policy"]["cost_basis"] == "reference_class"
    r = replay(d.decision_id, folder=tmp_path / "decisions")
    assert r.reproduced, r.differences
