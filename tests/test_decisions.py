"""The decision register: append-only, hash-chained entries, concurrency, verification (records.decisions)
and replay (records.replay)."""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil

import pytest

from pmo_analytics.exceptions import RecordError
from pmo_analytics.records.decisions import (SCENARIOS, RegisterNotIntact, list_decisions, load_decision,
                                             record_decision, register_scenario, verify_register)
from pmo_analytics.records.replay import decision_from_record, replay

from .conftest import MINIMAL


@register_scenario("test.budget_total")
def _budget_total(pf, factor=1.0):
    return {"budget": float(pf.budget["budget"].sum()) * factor, "projects": len(pf.projects)}


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    monkeypatch.delenv("PMO_REGISTER_KEY", raising=False)


def _three(folder):
    for i in range(3):
        record_decision(f"decision {i}", "Board", folder=folder, data_path=MINIMAL, date="2026-11-25")


@pytest.mark.slow
def test_record_and_load(tmp_path):
    d = record_decision("fund P1; defer P2", "Board", folder=tmp_path, options=["fund all", "fund P1"],
                        scenario={"kind": "test.budget_total", "parameters": {"factor": 0.9}}, data_path=MINIMAL,
                        date="2026-11-25")
    assert d.decision_id == "D-0001" and d.sequence == 1 and d.previous_sha256 is None
    assert d.numbers == {"budget": pytest.approx(1080.0), "projects": 4}  # computed by the scenario: 1200 * 0.9
    assert d.data["files"]["projects.csv"] and len(d.data["fingerprint"]) == 64
    assert load_decision("D-0001", tmp_path) == d
    index = json.loads((tmp_path / "index.json").read_text())
    assert index[0]["decision_id"] == "D-0001" and index[0]["scenario"] == "test.budget_total"
    assert verify_register(tmp_path) == []


def test_append_only_and_supersede(tmp_path):
    a = record_decision("fund P1", "Board", folder=tmp_path, data_path=MINIMAL)
    before = (tmp_path / "D-0001.json").read_bytes()
    b = record_decision("fund P1 and P3", "Board", folder=tmp_path, data_path=MINIMAL, supersedes=a.decision_id)
    assert (tmp_path / "D-0001.json").read_bytes() == before  # the earlier entry is untouched
    import hashlib

    assert b.previous_sha256 == hashlib.sha256(before).hexdigest()  # chained to the bytes of D-0001
    df = list_decisions(tmp_path)
    assert df["decision_id"].tolist() == ["D-0002", "D-0001"]  # newest first
    assert df.set_index("decision_id").loc["D-0001", "superseded_by"] == b.decision_id
    with pytest.raises(RecordError, match="cannot supersede 'D-0009'"):
        record_decision("x", "Board", folder=tmp_path, data_path=MINIMAL, supersedes="D-0009")


@pytest.mark.parametrize("kwargs, match", [
    ({"decision": " ", "decided_by": "B"}, "needs its text"),
    ({"decision": "x", "decided_by": ""}, "who decided"),
    ({"decision": "x", "decided_by": "B", "scenario": {"kind": "nope"}}, "unknown scenario kind 'nope'"),
    ({"decision": "x", "decided_by": "B", "supersedes": "../D-0001"}, "invalid decision id"),
])
def test_incomplete_decisions_are_refused(tmp_path, kwargs, match):
    with pytest.raises(RecordError, match=match):
        record_decision(folder=tmp_path, data_path=MINIMAL, **kwargs)


@pytest.mark.parametrize("bad", ["../etc/passwd", "D-1", "D-0001.json", ""])
def test_decision_ids_are_validated(tmp_path, bad):
    with pytest.raises(RecordError, match="invalid decision id"):
        load_decision(bad, tmp_path)


def test_an_edited_entry_is_named(tmp_path):
    _three(tmp_path)
    f = tmp_path / "D-0002.json"
    f.write_text(f.read_text().replace("decision 1", "decision one"))
    assert [str(p) for p in verify_register(tmp_path)] == [
        "D-0002: edited: its SHA-256 no longer matches the one D-0003 recorded"]
    newest = tmp_path / "D-0003.json"
    newest.write_text(newest.read_text().replace("Board", "Someone else"))
    assert "D-0003: edited: its SHA-256 no longer matches the register's head" in map(str, verify_register(tmp_path))


def test_a_deleted_entry_is_named_and_its_id_never_reused(tmp_path):
    _three(tmp_path)
    (tmp_path / "D-0003.json").unlink()
    assert [str(p) for p in verify_register(tmp_path)] == ["D-0003: missing: deleted from the register"]
    with pytest.raises(RegisterNotIntact, match=r"fails verification \(1 problem\(s\)\); nothing was recorded"):
        record_decision("after the deletion", "Board", folder=tmp_path, data_path=MINIMAL)
    assert not (tmp_path / "D-0004.json").exists()
    nxt = record_decision("after the deletion", "Board", folder=tmp_path, data_path=MINIMAL, force=True)
    assert nxt.decision_id == "D-0004"  # the deleted id is not handed out again
    assert nxt.forced["count"] == 1 and nxt.forced["problems"] == ["D-0003: missing: deleted from the register"]
    assert load_decision("D-0004", tmp_path).forced == nxt.forced  # stored in the entry
    (tmp_path / "D-0002.json").unlink()
    assert {p.entry for p in verify_register(tmp_path)} == {"D-0002", "D-0003"}


def test_reordered_and_hand_added_entries_are_named(tmp_path):
    _three(tmp_path)
    a, b = tmp_path / "D-0001.json", tmp_path / "D-0002.json"
    ta, tb = a.read_text(), b.read_text()
    a.write_text(tb.replace('"D-0002"', '"D-0001"'))
    b.write_text(ta.replace('"D-0001"', '"D-0002"'))
    problems = {p.entry: p.problem for p in verify_register(tmp_path)}
    assert "reordered" in problems["D-0001"] and "reordered" in problems["D-0002"]
    extra = json.loads(ta)
    extra.update(decision_id="D-0007", sequence=7)
    (tmp_path / "D-0007.json").write_text(json.dumps(extra))
    assert "D-0007" in {p.entry for p in verify_register(tmp_path) if "added by hand" in p.problem}


def test_a_corrupt_file_is_named_while_the_others_still_list(tmp_path):
    _three(tmp_path)
    (tmp_path / "D-0002.json").write_text("{not json")
    df = list_decisions(tmp_path, on_error="skip")
    assert df["decision_id"].tolist() == ["D-0003", "D-0001"]
    assert df.attrs["problems"] and "D-0002.json" in df.attrs["problems"][0]
    with pytest.raises(RecordError, match=r"1 unreadable file\(s\).*D-0002.json.*not valid JSON"):
        list_decisions(tmp_path)
    assert record_decision("still possible", "Board", folder=tmp_path, data_path=MINIMAL,
                           force=True).decision_id == "D-0004"
    with pytest.raises(RecordError, match="D-0002.json is not valid JSON"):
        load_decision("D-0002", tmp_path)


def test_an_entry_with_fields_added_by_hand_is_refused(tmp_path):
    _three(tmp_path)
    f = tmp_path / "D-0001.json"
    e = json.loads(f.read_text())
    e["scenario"] = {"kind": "review", "parameters": {"notebooks": ["/tmp/evil.ipynb"]}}
    e["run_this"] = "rm -rf /"
    f.write_text(json.dumps(e))
    with pytest.raises(RecordError, match=r"unknown field\(s\) \['run_this'\]"):
        load_decision("D-0001", tmp_path)


def test_replay_never_runs_a_notebook_named_by_path(tmp_path):
    reg = tmp_path / "decisions"
    d = record_decision("fund", "Board", folder=reg, data_path=MINIMAL, numbers={},
                        scenario={"kind": "review", "parameters": {"notebooks": ["../../tmp/evil"]}})
    with pytest.raises(RecordError, match="unknown notebook '../../tmp/evil'"):
        replay(d.decision_id, folder=reg)


def _decide_many(folder, who, n, q):
    ids = [record_decision(f"decision {i} by {who}", who, folder=folder, data_path=MINIMAL).decision_id
           for i in range(n)]
    q.put(ids)


@pytest.mark.slow
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
    assert len(json.loads((tmp_path / "index.json").read_text())) == 30
    assert not list(tmp_path.glob(".tmp-*"))
    assert verify_register(tmp_path) == []  # and the chain is intact


@pytest.mark.slow
def test_replay_reproduces_and_names_changed_data(tmp_path):
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    reg = tmp_path / "decisions"
    d = record_decision("fund P1", "Board", folder=reg, data_path=data,
                        scenario={"kind": "test.budget_total", "parameters": {"factor": 1.0}})
    r = replay(d.decision_id, folder=reg)
    assert r.reproduced and not any(r.data_changed.values()) and r.register_problems == []
    assert "reproduce" in str(r) and "unchanged" in str(r)
    record_decision("a later decision", "Board", folder=reg, data_path=data)
    (reg / "D-0002.json").unlink()
    assert "register: D-0002: missing: deleted from the register" in str(replay(d.decision_id, folder=reg))
    (data / "budget.csv").write_text("period,budget\n1,300\n2,300\n3,300\n4,100\n")
    r = replay(d.decision_id, folder=reg)
    assert not r.reproduced
    assert r.data_changed["changed"] == ["budget.csv"]
    assert r.differences == ["budget: recorded 1200.0, now 1000.0"]


def test_scenario_registry_is_extensible():
    assert "test.budget_total" in SCENARIOS and "review" in SCENARIOS and "selection.what_if" in SCENARIOS


def test_decision_from_record_refuses_changed_data_and_failed_records(tmp_path):
    from pmo_analytics.tables.identity import fingerprint_path

    data = shutil.copytree(MINIMAL, tmp_path / "data")
    rec = tmp_path / "reports" / "20261125T000000Z-s1-abcdef"
    rec.mkdir(parents=True)
    ident = fingerprint_path(data)
    manifest = {"status": "complete", "data": {"path": str(data), **{k: ident[k] for k in ("fingerprint", "files")}},
                "policy": {"seed": 1}, "parameters": {}, "notebooks": [{"notebook": "01_intake_screening.ipynb"}]}
    (rec / "manifest.json").write_text(json.dumps(manifest))
    (rec / "numbers.json").write_text(json.dumps({"01_intake_screening": {"x": 1}}))
    d = decision_from_record(rec, "shortlist approved", "Board", folder=tmp_path / "reg")
    assert d.scenario == {"kind": "review", "parameters": {"notebooks": ["01_intake_screening"],
                                                           "policy": {"seed": 1}, "page_parameters": {}}}
    assert d.data["fingerprint"] == ident["fingerprint"] and d.numbers == {"01_intake_screening": {"x": 1}}
    (data / "budget.csv").write_text("period,budget\n1,1\n")
    with pytest.raises(RecordError, match=r"data changed since .* \(budget.csv\)"):
        decision_from_record(rec, "x", "Board", folder=tmp_path / "reg")
    manifest["status"] = "failed"
    (rec / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RecordError, match="failed review"):
        decision_from_record(rec, "x", "Board", folder=tmp_path / "reg")


def test_index_pages_link_only_to_records_inside_reports(tmp_path):
    from pmo_analytics.records.html import render_reports_index
    from pmo_analytics.records.record import decision_rows

    reg = tmp_path / "decisions"
    record_decision("a", "Board", folder=reg, data_path=MINIMAL, record="javascript:alert(1)")
    record_decision("b", "Board", folder=reg, data_path=MINIMAL, record="/elsewhere/20261125T000000Z-s1-abcdef")
    rows = decision_rows(reg)
    assert [r["record"] for r in rows] == ["20261125T000000Z-s1-abcdef", None]
    (tmp_path / "reports").mkdir()
    html = render_reports_index(tmp_path / "reports", rows)
    assert "javascript:" not in html and "href='20261125T000000Z-s1-abcdef/index.html'" in html
