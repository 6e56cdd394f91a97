"""The review kernel's preflight (records.kernel): what the first code run in the kernel reports, and how a
record reads its report — tested as functions, without starting a kernel."""

from __future__ import annotations

import json

import pytest

from pmo_analytics.exceptions import DataValidationError, RecordError
from pmo_analytics.records.kernel import PREFLIGHT_TAG, preflight, read_preflight
from pmo_analytics.review import PolicyError
from pmo_analytics.tables import read_portfolio
from pmo_analytics.tables.identity import fingerprint_path

from .conftest import MINIMAL, assemble_bad


def test_preflight_reports_the_identity_names_and_rows_of_the_data_as_plain_json():
    report = preflight(MINIMAL, seed=3)
    assert json.loads(json.dumps(report)) == report  # plain JSON values only: it crosses the kernel's stdout
    assert report["ok"] is True and report["policy"] == []
    assert report["identity"]["fingerprint"] == fingerprint_path(MINIMAL)["fingerprint"]
    pf = read_portfolio(MINIMAL)
    # rows counted independently, from the files read again
    assert report["tables"] == {name: len(df) for name, df in pf.tables.items()}
    assert report["names"]["project_id"] == dict(zip(pf.projects["project_id"], pf.projects["name"]))


def test_preflight_reports_invalid_data_as_problems_naming_file_row_and_column(tmp_path):
    data = assemble_bad("duplicate_project_id", tmp_path / "data")
    report = preflight(data, seed=3)
    assert report["ok"] is False and report["header"]
    assert any(p[0] == "projects" and p[1].endswith("projects.csv") and p[2] is not None and p[3] == "project_id"
               for p in report["problems"]), report["problems"]


def test_preflight_names_a_policy_setting_the_data_lack():
    report = preflight(MINIMAL, seed=3, policy={"extra_fte_skill": "QA"})
    assert report["ok"] is True
    assert len(report["policy"]) == 1 and "'extra_fte_skill' 'QA' is not a skill" in report["policy"][0]


def test_read_preflight_returns_tables_and_names_or_raises_what_the_kernel_found():
    ok = {"ok": True, "identity": {}, "names": {"project_id": {"P1": "Alpha"}}, "policy": [], "tables": {"projects": 1}}
    text = "some page output\n" + PREFLIGHT_TAG + json.dumps(ok) + "\n"
    assert read_preflight(text, None) == ({"projects": 1}, {"project_id": {"P1": "Alpha"}})
    bad = {"ok": False, "header": "invalid portfolio data", "problems": [["projects", "projects.csv", 3, "cost", "x"]]}
    with pytest.raises(DataValidationError) as info:
        read_preflight(PREFLIGHT_TAG + json.dumps(bad), None)
    assert str(info.value.problems[0]) == "projects.csv, row 3, column 'cost': x"
    with pytest.raises(PolicyError, match="no skill QA.*nothing ran"):
        read_preflight(PREFLIGHT_TAG + json.dumps({**ok, "policy": ["no skill QA"]}), None)
    with pytest.raises(RecordError, match="no answer from the kernel"):
        read_preflight("", None)
    with pytest.raises(RecordError, match="MemoryError: boom"):
        read_preflight("", {"ename": "MemoryError", "evalue": "boom"})
