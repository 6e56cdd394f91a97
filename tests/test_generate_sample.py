"""data/generate_sample.py --scale N: enterprise-size portfolios that the package reads as valid."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

from pmo_analytics import read_portfolio
from pmo_analytics.exceptions import DataWarning
from pmo_analytics.risk.portfolio import PortfolioRiskModel

GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_sample.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("generate_sample", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def x3(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("scaled") / "not yet" / "x3"  # --out's parent is created too
    assert gen.main(["--scale", "3", "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_scaled_portfolio_is_valid_and_three_times_the_sample(x3):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # cost profiles still add up to the estimates
        pf = read_portfolio(x3)
    base = read_portfolio()
    for name in ("projects", "activities", "status", "work_items", "costs", "demand", "benefits"):
        assert len(pf.tables[name]) == 3 * len(base.tables[name]), name
    assert len(pf.risks) == 3 * len(base.risks) + 2           # plus one shared risk per extra copy
    assert pf.budget["budget"].sum() == pytest.approx(3 * base.budget["budget"].sum(), rel=0.01)
    assert {"A-101", "A-101-r2", "A-101-r3"} <= set(pf.projects_in("active")["project_id"])
    # proposals are perturbed copies, not duplicates
    est = pf.projects.set_index("project_id")["estimated_cost"]
    assert est["P-001-r2"] != est["P-001"]


@pytest.mark.slow
def test_scaled_portfolio_simulates_with_its_shared_risks(x3):
    pf = read_portfolio(x3)
    m = PortfolioRiskModel(seed=1, iterations=200, block_size=100).run(pf)
    assert m.summary.loc["shared risks", "value"] == 2
    assert len(m.projects_) == 12


def test_scale_one_is_the_sample_and_bad_arguments_are_refused(gen, tmp_path, capsys):
    tables = gen.generate(tmp_path / "one")
    assert gen.scale_tables(tables, 1) is tables
    with pytest.raises(SystemExit):
        gen.main(["--scale", "2"])                            # no --out: never overwrite the committed sample
    assert "needs --out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        gen.main(["--scale", "2", "--out", str(gen.OUT)])
    with pytest.raises(SystemExit):
        gen.main(["--scale", "0", "--out", str(tmp_path / "zero")])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(SystemExit):
        gen.main(["--scale", "2", "--out", str(tmp_path / "full")])
    assert (tmp_path / "full" / "keep.txt").read_text() == "x"
