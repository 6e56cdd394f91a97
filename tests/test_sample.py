"""The bundled sample portfolio is valid, realistic enough and reproducible from its generator."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from pmo_analytics.tables import load_sample, sample_path, topological_order

GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_sample.py"


@pytest.fixture(scope="module")
def pf():
    return load_sample()


def test_sample_meets_the_data_brief(pf):
    proposals = pf.projects_in("proposal")
    assert len(proposals) >= 40
    assert pf.projects["business_unit"].nunique() >= 4
    assert len(pf.criteria) >= 3
    assert pf.periods == list(range(1, 13))
    assert pf.capacity["skill"].nunique() >= 5
    sizes = pf.activities.groupby("project_id").size()
    active = set(pf.projects_in("active")["project_id"])
    assert len(set(sizes.index) & active) >= 3 and set(sizes.index) <= active
    assert sizes.between(30, 150).all()
    assert active - set(sizes.index) == {"A-104"}  # just authorised: no baseline yet (a governance finding)
    assert len(pf.risks) >= 20
    assert (pf.risks["affected_activities"].str.count(";") >= 1).sum() >= 5  # several hit many activities
    assert len(pf.work_items) >= 500
    assert len(pf.history) >= 60 and pf.history["reference_class"].nunique() >= 3
    assert set(pf.dependencies["type"]) == {"requires", "precedes", "excludes"}


def test_sample_schedules_have_real_logic(pf):
    links = pf.links
    assert set(links["type"]) >= {"FS", "SS", "FF"}
    assert (links["lag"] < 0).any() and (links["lag"] > 0).any()
    merges = links.groupby(["project_id", "successor"]).size()
    assert (merges >= 3).sum() >= 3  # merge points
    for pid, g in pf.activities.groupby("project_id"):
        lk = links[links["project_id"] == pid]
        assert topological_order(g["activity_id"], zip(lk["predecessor"], lk["successor"])) is not None


def test_sample_tells_the_story(pf):
    last = pf.status.dropna(subset=["ev"]).sort_values("period").groupby("project_id").tail(1).set_index("project_id")
    cpi = last["ev"] / last["ac"]
    spi = last["ev"] / last["pv"]
    assert cpi["A-101"] < 0.9 and spi["A-101"] < 0.8  # the drifting project
    assert cpi["A-102"] > 0.98 and spi["A-102"] > 0.95
    b = pf.benefits.dropna(subset=["realised"])
    rate = b.groupby("project_id")["realised"].sum() / b.groupby("project_id")["planned"].sum()
    assert (rate < 0.8).sum() >= 2  # benefits with shortfalls
    assert (pf.benefits["planned"] < 0).any()  # a dis-benefit
    assert pf.projects["mandatory"].sum() >= 3


def test_generator_reproduces_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_sample", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tables = mod.generate(tmp_path)
    for name in tables:
        assert filecmp.cmp(tmp_path / f"{name}.csv", sample_path() / f"{name}.csv", shallow=False), name
