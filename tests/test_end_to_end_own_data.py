"""End to end on the user's own data (slow: whole reviews): what the sample record cannot show.

A portfolio with only the required tables is reviewed page by page, each page saying what it could not
assess; a budget that cannot carry the commitments is stated per period; a record of merged sources (a
register and an MS Project file) is decided on and replays; the package runs from an empty folder when
installed from a wheel; a review on a Dask cluster publishes the numbers of a local one. Split from
``test_end_to_end.py`` (the sample record) so the two run on separate test workers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pmo_analytics.cli import main
from pmo_analytics.records import list_notebooks
from pmo_analytics.tables import sample_path

from .conftest import DATA, MINIMAL
from .test_end_to_end import FAST, _numbers, _review

pytestmark = pytest.mark.slow


def _html(path) -> str:
    """A record page's HTML with the no-break spans unwrapped (records.html keeps ids and dates such as A-101 and
    2026-03-09 on one line by wrapping them in <span class='pmo-nobr'>), so a sentence is found as it was said."""
    return re.sub(r"<span class='pmo-nobr'>([^<]*)</span>", r"\1", path.read_text(encoding="utf-8"))


def test_only_the_required_tables_every_page_runs_and_says_what_it_could_not_assess(tmp_path, capsys):
    record = _review(capsys, DATA / "required_only", tmp_path / "reports")
    manifest = json.loads((record / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["notebooks"]) == 7
    page = {p.stem: _html(record / f"{p.stem}.html") for p in list_notebooks()}
    assert "no schedule (no activities)" in page["03_schedule_risk"]
    assert "no status table: earned value is not assessed" in page["04_delivery_monitoring"]
    assert "no benefits table" in page["05_benefits_and_lessons"]
    assert "no history table: proposals are costed as estimated" in page["01_intake_screening"]
    assert "No project in delivery has a schedule to simulate" in page["00_portfolio_review"]


def test_a_budget_too_small_for_the_commitments_is_stated_per_period(tmp_path, capsys):
    d = Path(shutil.copytree(sample_path(), tmp_path / "tight"))
    bu = pd.read_csv(d / "budget.csv")
    bu["budget"] = (bu["budget"] * 0.25).round(0)
    bu.to_csv(d / "budget.csv", index=False)
    record = _review(capsys, d, tmp_path / "reports", "--notebook", "00", "--notebook", "02")
    n = _numbers(record)
    for page in ("00_portfolio_review", "02_portfolio_selection"):
        assert n[page]["selection.feasible"] is False
        short = n[page]["selection.shortfall"]
        assert any(row[-1] > 0 for row in short["data"])  # the shortfall per period is the finding
    html = _html(record / "02_portfolio_selection.html")
    assert "short by" in html and "cannot hold together" in html


def test_decide_and_replay_a_record_of_merged_sources(tmp_path, capsys):
    from pmo_analytics import read_portfolio
    from pmo_analytics.tables.msproject import java_available, write_schedule

    if not java_available():
        pytest.skip("no Java runtime: schedule import needs Java >= 11")
    core = Path(shutil.copytree(MINIMAL, tmp_path / "core"))
    xml = write_schedule(read_portfolio(MINIMAL).activities, tmp_path / "a1.xml", "A1")
    (core / "activities.csv").unlink()
    (core / "risks.csv").unlink()
    record = _review(capsys, [core, f"A1={xml}"], tmp_path / "reports", "--notebook", "03")
    reg = str(tmp_path / "decisions")
    assert main(["decide", "hold P80 contingency on A1", "--by", "Board", "--record", str(record),
                 "--folder", reg]) == 0
    capsys.readouterr()
    assert main(["replay", "D-0001", "--folder", reg, "--quiet"]) == 0
    assert "numbers reproduce" in capsys.readouterr().out


def test_installed_from_a_wheel_the_review_runs_from_an_empty_folder(tmp_path):
    """Notebooks, sample and rules ship inside the package: no source checkout needed."""
    repo = Path(__file__).resolve().parents[1]
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
                            str(repo)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no access to the build backend?): {build.stderr[-300:]}")
    (wheel,) = wheels.glob("pmo_analytics-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    # the dependencies come from this environment's site-packages (a plain path entry: its editable hook of
    # the source checkout is not loaded), the package itself only from the wheel
    outer = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps.pth").write_text(outer + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target",
                    str(site), str(wheel)], check=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    # nbconvert's templates are data files of the dependencies' prefix, not of the package under test
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = subprocess.run([py, "-c", "import pmo_analytics, pmo_analytics.bundled as b; "
                                      "print(pmo_analytics.__file__); print(b.bundled_path('notebooks'))"],
                           cwd=empty, capture_output=True, text=True, env=env, check=True).stdout.split()
    assert str(site) in where[0] and str(site) in where[1]  # not the source checkout
    run = subprocess.run([py, "-m", "pmo_analytics.cli", "review", "--notebook", "01", "--out", "reports", "--quiet"],
                         cwd=empty, capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    (record,) = [p for p in (empty / "reports").iterdir() if p.is_dir()]
    assert (record / "01_intake_screening.html").is_file()
    assert str(site) in json.loads((record / "manifest.json").read_text())["data"]["path"]


def test_a_review_on_a_dask_cluster_publishes_the_same_numbers(tmp_path, capsys):
    """Every page; the frontier's chains, the explanations' and scenarios' re-solves, the portfolio simulation and
    the selection under uncertainty run as tasks on the cluster: numbers.json is the threaded run's."""
    distributed = pytest.importorskip("distributed", reason="needs the 'distributed' extra")
    local = _review(capsys, DATA / "required_only", tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as c:
        remote = _review(capsys, DATA / "required_only", tmp_path / "cluster", "--scheduler", c.scheduler_address)
    assert _numbers(local) == _numbers(remote) and len(_numbers(local)) == 7
    assert json.loads((remote / "manifest.json").read_text())["scheduler"].startswith("tcp://")


def test_a_review_of_a_portfolio_under_way_simulates_it_from_the_data_date(tmp_path, capsys):
    """A-101 with two activities complete and one in progress at its data date: the portfolio simulation of the
    record (page 02) runs from the data date (it refused such data before) and publishes the numbers the review
    object holds, to the digit."""
    from pmo_analytics.review import load_review

    from .portfolio_builder import sample_under_way

    d = sample_under_way(tmp_path / "under_way")
    record = _review(capsys, d, tmp_path / "reports", "--notebook", "02")
    assert json.loads((record / "manifest.json").read_text())["status"] == "complete"
    spend = _numbers(record)["02_portfolio_selection"]["uncertainty.spend"]
    settings = {k: json.loads(v) for k, v in (s.split("=", 1) for s in FAST[1::2])}
    risk = load_review(d, **settings).uncertainty_.portfolio_risk_
    pr = risk.compiled_.projects[risk.project_ids_.index("A-101")]
    assert pr.dated and pr.floor_days == 40.0 and pr.sunk > 0
    assert spend["columns"] == list(risk.spend_.columns)
    assert spend["data"] == [[round(v, 10) for v in row] for row in risk.spend_.to_numpy().tolist()]  # as published
    html = _html(record / "02_portfolio_selection.html")
    assert ("Projects under way are simulated from their data date on: A-101 from 2026-03-02 (2 activities complete, "
            "1 in progress, £137 k of work done)") in html


def test_a_review_with_a_real_p6_schedule_under_way_runs_every_page(tmp_path, capsys):
    """The sample with A-101's schedule taken from SP10_COST_LOADED.xer (3,991 activities, 523 complete, open-ended
    logic, no committed finish): every page runs and says what the data imply. Before, page 03 stopped on its own
    DCMA logic checks (its text says failed checks do not stop the analysis), its probabilistic Gantt of 3,991
    rows overflowed Vega's stack, and page 04 refused an amber whose metric cannot be evaluated."""
    from .portfolio_builder import sample_without_schedule

    base = sample_without_schedule(tmp_path / "core")
    xer = Path(__file__).parent / "data" / "realdata" / "SP10_COST_LOADED.xer"
    record = _review(capsys, [base, f"A-101={xer}"], tmp_path / "reports")
    assert json.loads((record / "manifest.json").read_text())["status"] == "complete"
    page = {p.stem: _html(record / f"{p.stem}.html") for p in list_notebooks()}
    assert "Unsound schedule logic: A-101 (Logic, Dangling logic, Critical path test)" in page["03_schedule_risk"]
    assert "A-101&#x27;s schedule fails Logic 35.1 %" in page["03_schedule_risk"] or \
        "A-101's schedule fails Logic 35.1 %" in page["03_schedule_risk"]
    assert "most critical of 3,991 activities" in page["03_schedule_risk"]
    assert ("A-101 from 2017-09-16 (523 activities complete, 170 in progress") in page["02_portfolio_selection"]
    assert "committed date amber: P50 finish, calendar days after the commitment, cannot be evaluated" in page["04_delivery_monitoring"]


def test_a_review_with_a_real_schedule_that_carries_no_cost_states_what_is_not_assessed(tmp_path, capsys):
    """XERNative_sample.xer (25 activities, no cost) as A-101: page 03 compared NaN costs in its assertions and
    asked the cost-less result for a joint-confidence frontier; it now says the joint confidence is not assessed."""
    from .portfolio_builder import sample_without_schedule

    base = sample_without_schedule(tmp_path / "core")
    xer = Path(__file__).parent / "data" / "realdata" / "XERNative_sample.xer"
    record = _review(capsys, [base, f"A-101={xer}"], tmp_path / "reports", "--notebook", "03")
    assert json.loads((record / "manifest.json").read_text())["status"] == "complete"
    html = _html(record / "03_schedule_risk.html")
    assert "A-101: its schedule and risks carry no cost, so its joint confidence in date and cost is not assessed." \
        in html


def test_a_p6_schedule_with_actual_dates_after_its_data_date_is_reviewed_and_page_03_counts_them(tmp_path, capsys):
    """tests/data/schedules/invalid_dates.xer as A-101 (A finished and B started after the data date: DCMA check
    9's invalid dates): it was refused ("actual start ... is after the data date"); now page 03 runs and counts
    them. Counted by hand: 2 of 6 activities (A, B), no forecast before the data date."""
    from .portfolio_builder import sample_without_schedule

    base = sample_without_schedule(tmp_path / "core")
    xer = Path(__file__).parent / "data" / "schedules" / "invalid_dates.xer"
    record = _review(capsys, [base, f"A-101={xer}"], tmp_path / "reports", "--notebook", "03")
    assert json.loads((record / "manifest.json").read_text())["status"] == "complete"
    html = _html(record / "03_schedule_risk.html")
    assert ("A-101: 2 activities of 6 with invalid dates (DCMA check 9: 2 with actual dates after the data date "
            "2026-03-09 (9b), 0 with forecast dates of unfinished work before it (9a)): A, B.") in html
