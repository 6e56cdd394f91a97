"""The register's integrity (pmo_analytics.records.integrity): bounded walks, anchors, HMAC keys, crash-safe
appends, and the CLI commands that use them (issue 32, points 1, 2 and 7).

The three rewrite attacks of issue 32 each have a test that shows what detects them and what does not:
the chain alone, an anchor (a record's manifest, reports/index.html, --expect) or the key."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pmo_analytics.cli import main
from pmo_analytics.exceptions import RecordError
from pmo_analytics.records.decisions import RegisterNotIntact, load_decision, record_decision, register_scenario
from pmo_analytics.records.integrity import (Anchor, RegisterKey, check_register, find_anchors, parse_expect,
                                             register_head)
from pmo_analytics.records.replay import anchor_reports_index, decision_from_record, replay

from .conftest import MINIMAL

KEY = "k" * 20 + "-register-key"
DATA = {"path": str(MINIMAL), "fingerprint": "0" * 64, "files": {}}
RUN = "20261125T000000Z-s1-abcdef"

register_scenario("test.constant")(lambda pf, **kw: {"x": 1})


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    monkeypatch.delenv("PMO_REGISTER_KEY", raising=False)


def _decide(folder, text, **kw):
    return record_decision(text, "Board", folder=folder, data=DATA, numbers={"x": len(text)}, date="2026-11-25",
                           **kw)


def _register(tmp_path, n=3, **kw) -> Path:
    reg = tmp_path / "decisions"
    for i in range(n):
        _decide(reg, f"decision {i + 1}", **kw)
    return reg


def _problems(folder, **kw) -> list[str]:
    return [str(p) for p in check_register(folder, **kw).problems]


def _entry(reg, did) -> dict:
    return json.loads((reg / f"{did}.json").read_text())


def _write(reg, did, entry) -> str:
    """Write an entry as the register writes it; its SHA-256 (what an attacker re-chaining needs)."""
    data = (json.dumps(entry, indent=2, sort_keys=True) + "\n").encode()
    (reg / f"{did}.json").write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _forge_head(reg, did, seq, sha):
    (reg / "head.json").write_text(json.dumps({"decision_id": did, "sequence": seq, "sha256": sha}))


def _anchor_in_reports(tmp_path, reg) -> Path:
    """A reports folder holding a record whose manifest anchors the register's current head."""
    rec = tmp_path / "reports" / RUN
    rec.mkdir(parents=True, exist_ok=True)
    (rec / "manifest.json").write_text(json.dumps({"status": "complete", "ended": "2026-11-25T10:00:00+00:00",
                                                   "register": register_head(reg)}))
    return tmp_path / "reports"


# ---------------------------------------------------------------------------------------------- 1: bounded
_BOUNDED = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from pmo_analytics.records.decisions import register_scenario
from pmo_analytics.records.integrity import check_register
from pmo_analytics.records.replay import replay

register_scenario("test.constant")(lambda pf, **kw: {{"x": 1}})
t = time.perf_counter()
problems = [str(p) for p in check_register(sys.argv[1], key=None).problems]
r = replay("D-0001", folder=sys.argv[1], key=None)
print(json.dumps({{"problems": problems, "replay": r.register_problems, "ok": r.ok,
                  "seconds": time.perf_counter() - t}}))
"""


def _bounded(folder: Path, cap_mib: int = 1024) -> dict:
    """Verify and replay in a subprocess capped at ``cap_mib`` of address space and 60 s."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", _BOUNDED.format(cap=cap_mib << 20), str(folder)],
                         capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def _replayable(tmp_path) -> Path:
    reg = tmp_path / "decisions"
    for i in range(3):
        record_decision(f"decision {i + 1}", "Board", folder=reg, data=DATA, numbers={"x": 1},
                        scenario={"kind": "test.constant", "parameters": {}} if i == 0 else None)
    return reg



def test_a_head_counting_10_to_the_8_entries_is_named_in_bounded_time_and_memory(tmp_path):
    """Issue 32 point 1: head.json saying 10^8 made verify and replay loop and grow (2.4 GB after 25 s)."""
    reg = _replayable(tmp_path)
    head = json.loads((reg / "head.json").read_text())
    (reg / "head.json").write_text(json.dumps({**head, "sequence": 10**8}))
    out = _bounded(reg)
    assert out["problems"] == ["D-0004 … D-100000000: 99,999,997 entries counted by head.json (sequence "
                               "100,000,000) but absent: the newest entry file is D-0003; entries deleted, or "
                               "head.json edited"]
    assert out["replay"] == out["problems"] and out["ok"] is False  # numbers reproduce, the register does not verify
    assert out["seconds"] < 30


def test_a_hand_made_entry_with_a_huge_id_is_named_in_bounded_time_and_memory(tmp_path):
    """Issue 32 point 1: one hand-made D-999999999.json, no head.json."""
    reg = _replayable(tmp_path)
    (reg / "head.json").unlink()
    fake = {**_entry(reg, "D-0003"), "decision_id": "D-999999999", "sequence": 999999999}
    (reg / "D-999999999.json").write_text(json.dumps(fake))
    out = _bounded(reg)
    assert out["problems"] == [
        "D-0004 … D-999999998: 999,999,995 entries missing before D-999999999: entries deleted, or D-999999999 "
        "added by hand with a made-up id",
        "head.json: missing, although the register holds entries up to D-999999999: deleted with the newest "
        "entries? (the next decide would re-use their ids)"]
    assert out["ok"] is False
    with pytest.raises(RegisterNotIntact):  # and nothing is appended after it
        _decide(reg, "after the fake")
    with pytest.raises(RecordError, match="cannot take more entries"):  # forced: still no id beyond D-999999999
        _decide(reg, "after the fake", force=True)


def test_the_cli_verifies_a_huge_head_in_bounded_memory(tmp_path):
    reg = _register(tmp_path)
    head = json.loads((reg / "head.json").read_text())
    (reg / "head.json").write_text(json.dumps({**head, "sequence": 10**8}))
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
              "from pmo_analytics.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", script, "decisions", "--verify", "--folder", str(reg), "--reports",
                          str(tmp_path / "none")], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 1, res.stderr
    assert "NOT intact: 1 problem(s)" in res.stderr and "99,999,997 entries counted by head.json" in res.stderr
    assert "Traceback" not in res.stderr


# ---------------------------------------------------------------------------------------------- 2: three attacks
def test_attack_1_delete_the_head_and_the_newest_entry(tmp_path):
    """Deleting head.json with the newest entry verified 'intact' and the next decide re-used the id."""
    reg = _register(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    anchor_reports_index(reports, reg)  # what pmo decide writes after D-0003
    (reg / "D-0003.json").unlink()
    (reg / "head.json").unlink()
    # the chain alone: a register with chained entries has a head
    assert _problems(reg, key=None) == ["head.json: missing, although the register holds entries up to D-0002: "
                                        "deleted with the newest entries? (the next decide would re-use their ids)"]
    with pytest.raises(RegisterNotIntact):
        _decide(reg, "re-uses D-0003?")
    # the attacker writes a consistent head.json too: the chain alone cannot tell, the anchor can
    _forge_head(reg, "D-0002", 2, hashlib.sha256((reg / "D-0002.json").read_bytes()).hexdigest())
    assert _problems(reg, key=None) == []
    assert _problems(reg, key=None, reports=reports) == [
        "D-0003: reports/index.html recorded D-0003 as the register's head, but the register ends at D-0002: "
        "entries deleted, or the register rolled back"]


def test_attack_1_with_a_key_and_a_restored_old_head_needs_an_anchor(tmp_path, monkeypatch):
    """With a key, a forged head.json is caught; restoring the genuine older head.json (a roll-back) is not:
    only an anchor newer than that state shows it (what the README says)."""
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    reg = _register(tmp_path, n=2)
    old_head = (reg / "head.json").read_bytes()
    _decide(reg, "decision 3")
    reports = _anchor_in_reports(tmp_path, reg)
    (reg / "D-0003.json").unlink()
    _forge_head(reg, "D-0002", 2, hashlib.sha256((reg / "D-0002.json").read_bytes()).hexdigest())
    assert _problems(reg) == ["head.json: not signed"]
    (reg / "head.json").write_bytes(old_head)  # the roll-back
    assert _problems(reg) == []
    assert _problems(reg, reports=reports) == [
        f"D-0003: reports/{RUN}/manifest.json recorded D-0003 as the register's head, but the register ends at "
        "D-0002: entries deleted, or the register rolled back"]


def test_attack_2_edit_the_newest_entry_and_update_the_head(tmp_path, monkeypatch):
    reg = _register(tmp_path)
    noted = check_register(reg, key=None).head_text  # D-0003:<sha>, as pmo decide prints it
    e = _entry(reg, "D-0003")
    e["decision"] = "fund everything"
    _forge_head(reg, "D-0003", 3, _write(reg, "D-0003", e))
    assert _problems(reg, key=None) == []  # the chain alone cannot tell
    assert _problems(reg, key=None, expect=noted) == [
        "D-0003: rewritten: its SHA-256 is not the one --expect recorded"]
    # with a key, the same edit is caught without any anchor
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    signed = _register(tmp_path / "signed")
    e = _entry(signed, "D-0003")
    e["decision"] = "fund everything"
    _forge_head(signed, "D-0003", 3, _write(signed, "D-0003", e))
    assert _problems(signed) == ["D-0003: its signature does not match its content: edited without the key",
                                 "head.json: not signed"]


def test_attack_3_rechain_after_editing_a_middle_entry(tmp_path, monkeypatch):
    reg = _register(tmp_path, n=2)
    reports = _anchor_in_reports(tmp_path, reg)  # a review ran after D-0002
    _decide(reg, "decision 3")
    e2 = _entry(reg, "D-0002")
    e2["decided_by"] = "Someone else"
    sha2 = _write(reg, "D-0002", e2)
    e3 = {**_entry(reg, "D-0003"), "previous_sha256": sha2}
    _forge_head(reg, "D-0003", 3, _write(reg, "D-0003", e3))
    assert _problems(reg, key=None) == []  # re-chained: the chain alone cannot tell
    assert _problems(reg, key=None, reports=reports) == [
        f"D-0002: rewritten: its SHA-256 is not the one reports/{RUN}/manifest.json recorded on 2026-11-25"]
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    signed = _register(tmp_path / "signed")
    e2 = _entry(signed, "D-0002")
    e2["decided_by"] = "Someone else"
    sha2 = _write(signed, "D-0002", e2)
    e3 = {**_entry(signed, "D-0003"), "previous_sha256": sha2}
    _forge_head(signed, "D-0003", 3, _write(signed, "D-0003", e3))
    assert _problems(signed) == ["D-0002: its signature does not match its content: edited without the key",
                                 "D-0003: its signature does not match its content: edited without the key",
                                 "head.json: not signed"]


def test_stripping_every_signature_is_caught_with_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    reg = _register(tmp_path)
    prev = None
    for did in ("D-0001", "D-0002", "D-0003"):
        e = {k: v for k, v in _entry(reg, did).items() if k != "signature"}
        e["previous_sha256"] = prev
        prev = _write(reg, did, e)
    _forge_head(reg, "D-0003", 3, prev)
    [p] = check_register(reg).problems
    assert p.entry == "D-0003" and p.problem.startswith("not signed, although a key is configured (PMO_REGISTER_KEY)")
    monkeypatch.delenv("PMO_REGISTER_KEY")
    assert _problems(reg) == []  # without the key: indistinguishable from a register that never had one


# ---------------------------------------------------------------------------------------------- the key
def test_signatures_are_hmac_sha256_of_the_canonical_entry(tmp_path, monkeypatch):
    """Checked by our own arithmetic (RFC 2104 via the standard library), not by RegisterKey.sign."""
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    reg = _register(tmp_path, n=1)
    e = _entry(reg, "D-0001")
    body = json.dumps({k: v for k, v in e.items() if k != "signature"}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    key_id = hmac.new(KEY.encode(), b"pmo-register-key-id", hashlib.sha256).hexdigest()[:12]
    mac = hmac.new(KEY.encode(), b"pmo-register-entry-v1\n" + body, hashlib.sha256).hexdigest()
    assert e["signature"] == f"hmac-sha256:{key_id}:{mac}"
    assert load_decision("D-0001", reg).signature == e["signature"]
    head = json.loads((reg / "head.json").read_text())
    hbody = json.dumps({k: v for k, v in head.items() if k != "signature"}, sort_keys=True,
                       separators=(",", ":")).encode()
    assert head["signature"].endswith(hmac.new(KEY.encode(), b"pmo-register-head-v1\n" + hbody,
                                               hashlib.sha256).hexdigest())


def test_the_key_file_named_in_review_toml(tmp_path, monkeypatch):
    keyfile = tmp_path / "secrets" / "register.key"
    keyfile.parent.mkdir()
    keyfile.write_text(KEY + "\n")
    (tmp_path / "review.toml").write_text(f'[register]\nkey_file = "{keyfile}"\n')
    reg = _register(tmp_path, n=2)
    ver = check_register(reg)
    assert ver.ok and ver.signed and ver.key.source == str(keyfile)
    assert any("signatures checked with the key from" in n for n in ver.notes)
    keyfile.write_text("another key, long enough to be one")
    assert _problems(reg)[0].startswith("D-0001: signed with another key (key id ")
    keyfile.unlink()
    with pytest.raises(RecordError, match="register.key .*cannot be read"):
        check_register(reg)
    (tmp_path / "review.toml").write_text('[register]\nkey_file = "decisions/k"\n')
    (reg / "k").write_text(KEY)
    with pytest.raises(RecordError, match="inside the register folder"):
        check_register(reg)


def test_a_signed_register_refuses_an_unsigned_append_and_short_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    reg = _register(tmp_path, n=2)
    monkeypatch.delenv("PMO_REGISTER_KEY")
    with pytest.raises(RecordError, match="is signed .* but no key is configured"):
        _decide(reg, "unsigned", force=True)
    assert not (reg / "D-0003.json").exists()
    assert any("signatures not checked" in n for n in check_register(reg).notes)
    monkeypatch.setenv("PMO_REGISTER_KEY", "short")
    with pytest.raises(ValueError, match="too short"):
        check_register(reg)
    assert "k" * 20 not in repr(RegisterKey(KEY, "test"))  # the secret never prints


def test_a_key_configured_later_signs_the_chain_from_the_next_decision(tmp_path, monkeypatch):
    reg = _register(tmp_path, n=2)
    monkeypatch.setenv("PMO_REGISTER_KEY", KEY)
    [p] = check_register(reg).problems
    assert p.kind == "unsigned" and "the next pmo decide signs the chain" in p.problem
    d = _decide(reg, "first signed")  # the transition is allowed without --force
    assert d.signature and d.forced is None
    assert _problems(reg) == []
    e1 = _entry(reg, "D-0001")  # an unsigned entry before the first signed one is sealed by the chain
    e1["notes"] = "edited"
    _write(reg, "D-0001", e1)
    assert _problems(reg) == ["D-0001: edited: its SHA-256 no longer matches the one D-0002 recorded"]


# ---------------------------------------------------------------------------------------------- anchors
def test_expect_and_its_format(tmp_path, capsys):
    reg = _register(tmp_path)
    head = check_register(reg, key=None).head_text
    assert parse_expect(head) == Anchor("--expect", 3, head.split(":")[1])
    assert _problems(reg, expect=head) == [] and _problems(reg, expect=head.split(":")[1][:16]) == []
    assert _problems(reg, expect="D-0002:" + head.split(":")[1]) == [
        "D-0002: rewritten: its SHA-256 is not the one --expect recorded"]
    assert _problems(reg, expect="ab" * 10) == [
        "--expect: no entry of the register has the SHA-256 abababababababababab…: the entry it named was "
        "rewritten or deleted"]
    for bad in ("D-3:abc", "latest", "D-0003:" + "g" * 64):
        with pytest.raises(ValueError, match="--expect takes the register head"):
            parse_expect(bad)
    args = ["decisions", "--folder", str(reg), "--reports", str(tmp_path / "none"), "--verify"]
    assert main(args + ["--expect", head]) == 0
    assert f"intact: 3 entries, hash chain verified; head {head}" in capsys.readouterr().out
    assert main(args + ["--expect", "nonsense"]) == 2
    assert main(["decisions", "--folder", str(reg), "--expect", head]) == 2  # --expect without --verify


def test_anchors_are_read_safely_and_another_registers_are_set_aside(tmp_path):
    reg = _register(tmp_path)
    reports = _anchor_in_reports(tmp_path, reg)
    (reports / "20261126T000000Z-s1-000000").mkdir()
    (reports / "20261126T000000Z-s1-000000" / "manifest.json").write_text("{not json")
    (reports / "20261127T000000Z-s1-000000").mkdir()
    (reports / "20261127T000000Z-s1-000000" / "manifest.json").symlink_to("/etc/hostname")
    anchors, unread = find_anchors(reports)
    assert [a.source for a in anchors] == [f"reports/{RUN}/manifest.json"]
    assert len(unread) == 2 and any("not a regular file" in u for u in unread)
    other = tmp_path / "other" / "decisions"
    for i in range(3):
        _decide(other, f"another register's decision {i}")
    (reports / RUN / "manifest.json").write_text(json.dumps({"register": register_head(other)}))
    ver = check_register(reg, key=None, reports=reports)
    assert ver.ok and any("belong to another register" in n for n in ver.notes)
    # the anchor's register no longer exists there (a moved project): the anchor counts
    moved = {**register_head(other), "folder": str(tmp_path / "gone")}
    (reports / RUN / "manifest.json").write_text(json.dumps({"register": moved}))
    assert _problems(reg, key=None, reports=reports)[0].startswith("D-0003: rewritten")


# ---------------------------------------------------------------------------------------------- 7: softer cases
def _record(tmp_path) -> Path:
    from pmo_analytics.tables.identity import fingerprint_path

    rec = tmp_path / "reports" / RUN
    rec.mkdir(parents=True)
    ident = fingerprint_path(MINIMAL)
    manifest = {"status": "complete", "data": {"path": str(MINIMAL), "fingerprint": ident["fingerprint"],
                                               "files": ident["files"]},
                "policy": {"seed": 1}, "parameters": {}, "notebooks": [{"notebook": "01_intake_screening.ipynb"}]}
    (rec / "manifest.json").write_text(json.dumps(manifest))
    (rec / "numbers.json").write_text(json.dumps({"01_intake_screening": {"x": 1}}))
    return rec


def test_decide_refuses_a_register_that_fails_verification_unless_forced(tmp_path, capsys):
    rec = _record(tmp_path)
    reg = tmp_path / "decisions"
    argv = ["decide", "fund P1", "--by", "Board", "--record", str(rec), "--folder", str(reg)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "D-0001 recorded" in out and "register head: D-0001:" in err
    assert '<meta name="pmo-register-head" content="D-0001 1 ' in (tmp_path / "reports" / "index.html").read_text()
    e = _entry(reg, "D-0001")
    e["decision"] = "fund P1 and P2"
    _write(reg, "D-0001", e)
    assert main(argv[:1] + ["fund P3"] + argv[2:]) == 1
    err = capsys.readouterr().err
    assert "fails verification (2 problem(s)); nothing was recorded" in err
    assert "D-0001: edited: its SHA-256 no longer matches the register's head" in err
    assert "D-0001: rewritten: its SHA-256 is not the one reports/index.html recorded" in err
    assert not (reg / "D-0002.json").exists()
    assert main(argv[:1] + ["fund P3"] + argv[2:] + ["--force"]) == 0
    out, err = capsys.readouterr()
    assert "D-0002 recorded" in out and "appended to a register that fails verification (--force): 2 problem(s)" in err
    assert load_decision("D-0002", reg).forced["count"] == 2


def test_replay_of_an_edited_entry_exits_non_zero_although_its_numbers_reproduce(tmp_path, capsys):
    reg = tmp_path / "decisions"
    record_decision("fund", "Board", folder=reg, data_path=MINIMAL, numbers={"x": 1},
                    scenario={"kind": "test.constant", "parameters": {}})
    args = ["replay", "D-0001", "--folder", str(reg), "--reports", str(tmp_path / "none")]
    assert main(args) == 0
    e = _entry(reg, "D-0001")
    e["notes"] = "approved unanimously"  # the numbers still reproduce
    _write(reg, "D-0001", e)
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "D-0001: numbers reproduce, but the register FAILS verification (1 problem(s))" in out
    assert "register: D-0001: edited: its SHA-256 no longer matches the register's head" in out
    r = replay("D-0001", folder=reg)
    assert r.reproduced and not r.verified and not r.ok


# ---------------------------------------------------------------------------------------------- crash-safe decide
def test_index_json_as_a_folder_is_refused_before_anything_is_written_and_a_retry_records_once(tmp_path):
    """Issue 32 point 7: decide reported an error but the entry was written, so a retry recorded it twice."""
    reg = _register(tmp_path, n=1)
    (reg / "index.json").unlink()
    (reg / "index.json").mkdir()
    before = sorted(p.name for p in reg.iterdir())
    with pytest.raises(RecordError, match=r"index.json is a folder, not a file; nothing was written"):
        _decide(reg, "fund P2")
    assert sorted(p.name for p in reg.iterdir()) == before
    (reg / "index.json").rmdir()
    (reg / ".pending").mkdir()
    with pytest.raises(RecordError, match=r"\.pending is a folder, not a file; nothing was written"):
        _decide(reg, "fund P2")
    (reg / ".pending").rmdir()
    assert _decide(reg, "fund P2").decision_id == "D-0002"
    assert sorted(p.stem for p in reg.glob("D-*.json")) == ["D-0001", "D-0002"]
    assert _problems(reg) == []


@pytest.mark.parametrize("step", ["write", "link", "head", "index"])
def test_a_failure_at_any_step_leaves_the_old_register_or_the_new_one(tmp_path, monkeypatch, step):
    from pmo_analytics.records import decisions

    reg = _register(tmp_path, n=2)
    real_fsync, real_link, real_write = os.fsync, os.link, decisions.write_json_atomic

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    if step == "write":
        monkeypatch.setattr(decisions.os, "fsync", boom)
    elif step == "link":
        monkeypatch.setattr(decisions.os, "link", boom)
    else:
        def write(path, obj):
            if Path(path).name == f"{step}.json":
                boom()
            return real_write(path, obj)

        monkeypatch.setattr(decisions, "write_json_atomic", write)
    with pytest.raises((OSError, RecordError)) as info:
        _decide(reg, "fund P3")
    committed = step in ("head", "index")
    assert ("D-0003 was recorded" in str(info.value)) == committed
    assert (reg / "D-0003.json").exists() == committed
    assert not list(reg.glob(".tmp-*"))
    assert _problems(reg) == []  # old (2 entries) or new (3, head possibly one behind): never half
    monkeypatch.setattr(decisions.os, "fsync", real_fsync)
    monkeypatch.setattr(decisions.os, "link", real_link)
    monkeypatch.setattr(decisions, "write_json_atomic", real_write)
    again = _decide(reg, "fund P3")  # the retry
    assert again.decision_id == "D-0003" and again.recorded_now == (not committed)
    assert sorted(p.stem for p in reg.glob("D-*.json")) == ["D-0001", "D-0002", "D-0003"]
    assert json.loads((reg / "head.json").read_text())["sequence"] == 3
    assert [r["decision_id"] for r in json.loads((reg / "index.json").read_text())] == ["D-0003", "D-0002", "D-0001"]
    ver = check_register(reg)
    assert ver.ok and not ver.lagging_head


def test_a_process_killed_after_the_commit_leaves_a_register_the_next_decide_completes(tmp_path):
    reg = _register(tmp_path, n=1)
    script = textwrap.dedent(f"""
        import os
        from pmo_analytics.records import decisions
        write = decisions.write_json_atomic
        # killed right after the entry's link, before its head is written
        decisions.write_json_atomic = lambda p, o: os._exit(9) if p.name == "head.json" else write(p, o)
        decisions.record_decision("fund P2", "Board", folder={str(reg)!r}, data={DATA!r}, numbers={{}})
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PMO_REGISTER_KEY": ""})
    assert res.returncode == 9
    ver = check_register(reg)
    assert ver.ok and ver.lagging_head and "a decide was interrupted after writing it" in " ".join(ver.notes)
    assert _decide(reg, "fund P3").decision_id == "D-0003"
    ver = check_register(reg)
    assert ver.ok and not ver.lagging_head and ver.entries == 3 and not (reg / ".pending").exists()


def test_an_entry_added_by_hand_is_not_taken_for_an_interrupted_append(tmp_path):
    """The head one behind is accepted only for the entry .pending names; a hand-made one chained onto the head
    (and, with one entry left, deleting head.json with the newest entry) is named."""
    reg = _register(tmp_path, n=2)
    head = json.loads((reg / "head.json").read_text())
    forged = {**_entry(reg, "D-0002"), "decision_id": "D-0003", "sequence": 3, "previous_sha256": head["sha256"],
              "decision": "fund everything"}
    _write(reg, "D-0003", forged)
    assert _problems(reg) == ["D-0003: beyond the register's head: added by hand?"]
    (reg / "D-0003.json").unlink()
    (reg / "D-0002.json").unlink()
    (reg / "head.json").unlink()
    assert _problems(reg)[0].startswith("head.json: missing, although the register holds entries up to D-0001")
