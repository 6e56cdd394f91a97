"""The decision register: append-only entries, supersession, concurrency, replay (records.decisions)."""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil

import pytest

from pmo_analytics.exceptions import RecordError
from pmo_analytics.records.decisions import (SCENARIOS, list_decisions, load_decision, record_decision,
                                             register_scenario, replay)

from .conftest import MINIMAL


@register_scenario("test.budget_total")
def _budget_total(pf, factor=1.0):
    return {"budget": float(pf.budget["budget"].sum()) * factor, "projects": len(pf.projects)}


def test_record_and_load(tmp_path):
    d = record_decision("fund P1; defer P2", "Board", folder=tmp_path, options=["fund all", "fund P1"],
                        scenario={"kind": "test.budget_total", "parameters": {"factor": 0.9}}, data_path=MINIMAL,
                        date="2026-11-25")
    assert d.decision_id == "D-0001"
    assert d.numbers == {"budget": pytest.approx(1080.0), "projects": 4}  # computed by the scenario: 1200 * 0.9
    assert d.data["files"]["projects.csv"]
    again = load_decision("D-0001", tmp_path)
    assert again == d
    index = json.loads((tmp_path / "index.json").read_text())
    assert index[0]["decision_id"] == "D-0001" and index[0]["scenario"] == "test.budget_total"


def test_append_only_and_supersede(tmp_path):
    a = record_decision("fund P1", "Board", folder=tmp_path, data_path=MINIMAL)
    before = (tmp_path / "D-0001.json").read_bytes()
    b = record_decision("fund P1 and P3", "Board", folder=tmp_path, data_path=MINIMAL, supersedes=a.decision_id)
    assert (tmp_path / "D-0001.json").read_bytes() == before  # the earlier entry is untouched
    df = list_decisions(tmp_path)
    assert df["decision_id"].tolist() == ["D-0002", "D-0001"]  # newest first
    assert df.set_index("decision_id").loc["D-0001", "superseded_by"] == b.decision_id
    with pytest.raises(RecordError, match="cannot supersede 'D-0009'"):
        record_decision("x", "Board", folder=tmp_path, data_path=MINIMAL, supersedes="D-0009")


@pytest.mark.parametrize("kwargs, match", [
    ({"decision": " ", "decided_by": "B"}, "needs its text"),
    ({"decision": "x", "decided_by": ""}, "who decided"),
    ({"decision": "x", "decided_by": "B", "scenario": {"kind": "nope"}}, "unknown scenario kind 'nope'"),
])
def test_incomplete_decisions_are_refused(tmp_path, kwargs, match):
    with pytest.raises(RecordError, match=match):
        record_decision(folder=tmp_path, data_path=MINIMAL, **kwargs)


@pytest.mark.parametrize("bad", ["../etc/passwd", "D-1", "D-0001.json", ""])
def test_decision_ids_are_validated(tmp_path, bad):
    with pytest.raises(RecordError, match="invalid decision id"):
        load_decision(bad, tmp_path)


def _decide_many(folder, who, n, q):
    ids = [record_decision(f"decision {i} by {who}", who, folder=folder, data_path=MINIMAL).decision_id
           for i in range(n)]
    q.put(ids)


def test_two_processes_deciding_at_once_lose_nothing(tmp_path):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_decide_many, args=(tmp_path, who, 15, q)) for who in ("alice", "bob")]
    for p in procs:
        p.start()
    ids = q.get(timeout=120) + q.get(timeout=120)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(ids) == len(set(ids)) == 30
    files = sorted(f.stem for f in tmp_path.glob("D-*.json"))
    assert files == sorted(ids)
    for f in tmp_path.glob("D-*.json"):
        json.loads(f.read_text())  # every entry is whole
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index) == 30
    assert not list(tmp_path.glob(".tmp-*"))


def test_replay_reproduces_and_names_changed_data(tmp_path):
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    reg = tmp_path / "decisions"
    d = record_decision("fund P1", "Board", folder=reg, data_path=data,
                        scenario={"kind": "test.budget_total", "parameters": {"factor": 1.0}})
    r = replay(d.decision_id, folder=reg)
    assert r.reproduced and not any(r.data_changed.values())
    assert "reproduce" in str(r) and "unchanged" in str(r)
    (data / "budget.csv").write_text("period,budget\n1,300\n2,300\n3,300\n4,100\n")
    r = replay(d.decision_id, folder=reg)
    assert not r.reproduced
    assert r.data_changed["changed"] == ["budget.csv"]
    assert r.differences == ["budget: recorded 1200.0, now 1000.0"]


def test_scenario_registry_is_extensible():
    assert "test.budget_total" in SCENARIOS and "review" in SCENARIOS


@pytest.mark.slow
def test_cli_review_decide_replay_round_trip(tmp_path, capsys):
    from pmo_analytics.cli import main
    from pmo_analytics.records import list_notebooks

    nb00 = str(next(p for p in list_notebooks() if p.name.startswith("00_")))
    assert main(["review", "--out", str(tmp_path / "reports"), "--notebook", nb00, "--quiet"]) == 0
    record = capsys.readouterr().out.strip().splitlines()[-1]
    reg = str(tmp_path / "decisions")
    assert main(["decide", "fund the recommended portfolio", "--by", "Portfolio board", "--record", record,
                 "--option", "fund all", "--option", "defer", "--folder", reg]) == 0
    assert "D-0001 recorded" in capsys.readouterr().out
    entry = load_decision("D-0001", reg)
    assert entry.record == record and entry.scenario["kind"] == "review"
    assert entry.numbers == json.loads((tmp_path / "reports" / record.split("/")[-1] / "numbers.json").read_text())
    assert main(["replay", "D-0001", "--folder", reg]) == 0
    assert "numbers reproduce" in capsys.readouterr().out
    assert main(["decisions", "--folder", reg]) == 0
    assert "fund the recommended portfolio" in capsys.readouterr().out
    assert main(["replay", "D-0042", "--folder", reg]) == 1
    # the next review's index lists the decision, newest first, with its record
    from pmo_analytics.records import Review

    r = Review(out=tmp_path / "reports", notebooks=[nb00], progress=False, decisions=reg).run()
    assert r.manifest_["decisions"][0]["decision_id"] == "D-0001"
    top = (tmp_path / "reports" / "index.html").read_text()
    assert "D-0001" in top and "fund the recommended portfolio" in top and r.path_.name in top
    assert "D-0001" in (r.path_ / "index.html").read_text()
