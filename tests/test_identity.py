"""Data identity: the fingerprint of every file that determines a portfolio (pmo_analytics.tables.identity)."""

from __future__ import annotations

import hashlib
import shutil

from pmo_analytics import read_portfolio
from pmo_analytics.tables.identity import data_files, fingerprint, fingerprint_path

from .conftest import MINIMAL


def test_fingerprint_is_the_hash_of_sorted_name_digest_lines():
    h = {"b.csv": "22", "a.csv": "11"}
    assert fingerprint(h) == hashlib.sha256(b"a.csv\t11\nb.csv\t22\n").hexdigest()


def test_read_portfolio_and_the_files_alone_agree(tmp_path):
    pf = read_portfolio(MINIMAL)
    ident = fingerprint_path(MINIMAL)
    assert pf.fingerprint == ident["fingerprint"] and pf.hashes == ident["files"]
    assert {"projects.csv", "rules/gate_checklist.csv"} <= set(ident["files"])


def test_every_file_that_changes_the_results_changes_the_fingerprint(tmp_path):
    data = shutil.copytree(MINIMAL, tmp_path / "d")
    base = fingerprint_path(data)["fingerprint"]
    (data / "review.toml").write_text("[review]\nconfidence = 90\n")
    with_settings = fingerprint_path(data)["fingerprint"]
    assert with_settings != base
    rules = shutil.copytree(MINIMAL.parent.parent.parent / "data" / "rules", data / "rules")
    (rules / "gate_checklist.csv").write_text((rules / "gate_checklist.csv").read_text() + "\n")
    assert fingerprint_path(data)["fingerprint"] != with_settings
    assert data_files(data)["rules/gate_checklist.csv"] == rules / "gate_checklist.csv"
    (data / "import").mkdir()
    (data / "import" / "sources.json").write_text('{"sha256": {"plan.xer": "00"}}')
    assert "import/sources.json" in fingerprint_path(data)["files"]


def test_unknown_files_do_not_change_the_fingerprint(tmp_path):
    data = shutil.copytree(MINIMAL, tmp_path / "d")
    base = fingerprint_path(data)["fingerprint"]
    (data / "notes.txt").write_text("hello")
    assert fingerprint_path(data)["fingerprint"] == base
