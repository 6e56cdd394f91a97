"""Decision records: the run in one kernel, the parameter contract, data identity, staging (records.record)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from pmo_analytics.exceptions import DataValidationError, RecordError
from pmo_analytics.records import DecisionRecord, collect_numbers, export_html, list_notebooks, resolve_notebooks
from pmo_analytics.records.html import _EXTERNAL
from pmo_analytics.records.manifest import new_run_id, publish_dir, write_json_atomic
from pmo_analytics.review import PolicyError
from pmo_analytics.records.notebooks import check_parameters, notebook_parameters
from pmo_analytics.records.staging import clean_stale_staging

from .conftest import MINIMAL, assemble_bad

PARAMS = "data_path = None\nseed = 1\npolicy = {}"
#: What every page starts with: read the review (cached in the kernel) and say which data it read.
HEAD = ("from pmo_analytics.review import load_review\nfrom pmo_analytics.records import publish\n"
        "review = load_review(data_path, seed=seed, **policy)\npublish('review.identity', review.identity)\n")


def _notebook(tmp_path: Path, name: str, code: str, params: str = PARAMS) -> Path:
    nb = new_notebook(cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_curated_notebooks_are_listed_in_order():
    names = [p.name for p in list_notebooks()]
    assert names == sorted(names) and names[0].startswith("00_") and len(names) == 7


def test_every_parameters_cell_is_parsed_identically_by_papermill(caplog):
    """The contract: every name assigned in a parameters cell reaches papermill too (no 'Unable to parse')."""
    import papermill as pm

    caplog.set_level(logging.DEBUG)
    for nb in list_notebooks():
        ours = notebook_parameters(nb)
        assert set(ours) >= {"data_path", "seed", "policy"}, nb.name
        assert set(pm.inspect_notebook(str(nb))) == set(ours), nb.name
    assert "Unable to parse" not in caplog.text


def test_parameters_cell_parser_reads_what_papermill_misreads(tmp_path):
    nb = _notebook(tmp_path, "01_x.ipynb", "pass",
                   params="data_path = None   # None = the sample (an = sign in a comment)\nseed = 3\n"
                          "policy = {\n  'iterations': 500,\n}")
    assert notebook_parameters(nb) == {"data_path": None, "seed": 3, "policy": {"iterations": 500}}
    bad = _notebook(tmp_path, "01_y.ipynb", "pass", params="seed = 1\nx = open('f')")
    with pytest.raises(RecordError, match="line 2: x must be a literal"):
        notebook_parameters(bad)


def test_short_notebook_names_resolve_to_the_package_notebooks_only():
    assert [p.stem for p in resolve_notebooks(["03", "00_portfolio_review.ipynb", "03_schedule_risk"])] == [
        "00_portfolio_review", "03_schedule_risk"]
    for bad in ("9", "../notebooks/03_schedule_risk", "/tmp/evil", "03_schedule"):
        with pytest.raises(RecordError, match="unknown notebook"):
            resolve_notebooks([bad])


def test_unknown_parameters_are_refused_listing_what_each_page_accepts():
    nbs = resolve_notebooks(["00", "03"])
    got = check_parameters(nbs, {"iterations": 500, "interactive": False})
    assert got[nbs[0]] == {"interactive": False} and got[nbs[1]] == {}  # policy settings travel in `policy`
    with pytest.raises(RecordError, match=r"unknown parameter\(s\) iteration \(did you mean iterations\?\).*"
                                          r"00_portfolio_review: interactive; 03_schedule_risk: nothing else"):
        check_parameters(nbs, {"iteration": 5})


def test_unknown_or_bad_policy_settings_are_refused_before_anything_runs(tmp_path):
    for params, match in (({"confidence": "high"}, "must be a finite number"),
                          ({"objective": "profit"}, "must be one of")):
        with pytest.raises(PolicyError, match=match):
            DecisionRecord(out=tmp_path / "r", parameters=params, notebooks=["01"], progress=False).run()
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_every_page_receives_the_data_seed_and_whole_policy(tmp_path):
    nb = _notebook(tmp_path, "01_probe.ipynb",
                   HEAD + "publish('n_projects', len(review.portfolio_.projects))\npublish('seed', seed)\n"
                   "publish('iterations', review.policy.iterations)\npublish('confidence', review.policy.confidence)")
    data = tmp_path / "data"
    import shutil

    shutil.copytree(MINIMAL, data)
    (data / "review.toml").write_text("[review]\nconfidence = 90\niterations = 300\n")
    r = DecisionRecord(data=data, out=tmp_path / "reports", parameters={"seed": 7, "iterations": 400}, notebooks=[nb],
               progress=False).run()
    nums = r.numbers_["01_probe"]
    assert (nums["n_projects"], nums["seed"], nums["iterations"], nums["confidence"]) == (4, 7, 400, 90.0)
    m = r.manifest_
    assert m["policy"]["confidence"] == 90.0 and m["policy"]["iterations"] == 400 and m["seed"] == 7
    assert m["notebooks"][0]["parameters"]["data_path"] == str(data.resolve())
    assert m["data"]["fingerprint"] == nums["review.identity"]["fingerprint"]
    assert "review.toml" in m["data"]["files"]  # the settings are part of the data's identity


@pytest.mark.slow
def test_a_page_reading_other_data_is_refused_and_nothing_is_published(tmp_path):
    sneaky = _notebook(tmp_path, "01_sneaky.ipynb", HEAD.replace("load_review(data_path", "load_review(None"))
    with pytest.raises(RecordError, match=r"page 01_sneaky read other data .*nothing was published"):
        DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=[sneaky], progress=False).run()
    silent = _notebook(tmp_path, "02_silent.ipynb", "x = 1")
    with pytest.raises(RecordError, match="page 02_silent did not publish which data it read"):
        DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=[silent], progress=False).run()
    assert not [p for p in (tmp_path / "reports").iterdir() if p.name != "index.html"]


@pytest.mark.slow
def test_failing_notebook_keeps_a_marked_partial_record(tmp_path):
    nb = _notebook(tmp_path, "01_fails.ipynb", HEAD + "assert 1 == 2, 'decision no longer holds'")
    with pytest.raises(RecordError, match="decision no longer holds"):
        DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=[nb], progress=False).run()
    (failed,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    assert failed.name.endswith("-FAILED")
    assert json.loads((failed / "manifest.json").read_text())["status"] == "failed"


@pytest.mark.slow
def test_invalid_data_stops_before_anything_is_written(tmp_path):
    bad = assemble_bad("negative_cost", tmp_path / "bad")
    with pytest.raises(DataValidationError, match="got -200"):
        DecisionRecord(data=bad, out=tmp_path / "reports", notebooks=["01"], progress=False).run()
    assert [p.name for p in (tmp_path / "reports").iterdir()] == []


def test_stale_staging_folders_are_removed_but_a_running_one_is_not(tmp_path):
    import fcntl

    stale = tmp_path / ".staging-20260101T000000Z-aaaaaa"
    (stale / "sub").mkdir(parents=True)
    live = tmp_path / ".staging-20260101T000001Z-bbbbbb"
    live.mkdir()
    with open(live / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        said = []
        assert clean_stale_staging(tmp_path, said.append) == [stale.name]
        assert said == [f"removed {stale.name}, left by an interrupted run"]
    assert not stale.exists() and live.exists()


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupting_a_review_shuts_the_kernel_and_removes_staging(tmp_path, sig, code):
    nb = _notebook(tmp_path, "01_slow.ipynb", HEAD + "import time\nprint('RUNNING', flush=True)\ntime.sleep(120)")
    script = (f"import sys\nfrom pathlib import Path\nfrom pmo_analytics.cli import main\n"
              f"from pmo_analytics.records import record as rv\n"
              f"rv.resolve_notebooks = lambda names: [Path({str(nb)!r})]\n"
              f"sys.exit(main(['review', '--data', {str(MINIMAL)!r}, '--out', {str(tmp_path / 'reports')!r}, "
              f"'--notebook', 'probe']))")
    p = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while time.time() < deadline and not any(d.glob("01_slow.ipynb") for d in (tmp_path / "reports").glob(".staging-*")):
        time.sleep(0.5)
    time.sleep(2)
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert kids, "the review's kernel should be running"
    t0 = time.time()
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert time.time() - t0 < 30  # promptly
    assert "interrupted" in err and "Traceback" not in err
    assert not list((tmp_path / "reports").glob(".staging-*"))
    time.sleep(1)
    alive = [k for k in kids if Path(f"/proc/{k}").exists()
             and "Z" not in Path(f"/proc/{k}/stat").read_text().split()[2]]
    assert not alive, "the kernel was shut down"


def test_a_signal_that_lands_in_a_background_task_of_the_event_loop_still_stops_the_review():
    # papermill waits for a cell in an asyncio loop; the signal handler runs in whichever task holds the main
    # thread, here a background poll that nobody awaits: the review must stop at once, not when the cell ends
    import asyncio

    from pmo_analytics.records.kernel import ReviewInterrupted, signals_raise

    async def poll():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here, inside this task
            await asyncio.sleep(0)

    async def wait_for_cell():
        task = asyncio.ensure_future(poll())
        await asyncio.sleep(10)
        return task

    before = signal.getsignal(signal.SIGTERM)
    t0 = time.perf_counter()
    with pytest.raises(ReviewInterrupted, match="interrupted by SIGTERM") as info:
        with signals_raise():
            asyncio.run(wait_for_cell())
    assert info.value.signum == signal.SIGTERM and time.perf_counter() - t0 < 5
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back


def test_publish_dir_never_replaces_an_existing_record(tmp_path):
    final = tmp_path / "run"
    final.mkdir()
    (final / "manifest.json").write_text("{}")
    staging = tmp_path / ".staging"
    staging.mkdir()
    with pytest.raises(RecordError, match="never overwritten"):
        publish_dir(staging, final)
    assert (final / "manifest.json").read_text() == "{}"


def test_run_ids_are_unique_and_path_safe():
    from pmo_analytics.records.manifest import RUN_ID

    ids = {new_run_id(5) for _ in range(50)}
    assert len(ids) == 50 and all(RUN_ID.match(i) for i in ids)
    assert not RUN_ID.match("javascript:alert(1)") and not RUN_ID.match("../x")


def test_atomic_json_write(tmp_path):
    p = write_json_atomic(tmp_path / "m.json", {"b": 1, "a": [1, 2]})
    assert json.loads(p.read_text()) == {"a": [1, 2], "b": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]
    assert os.stat(p).st_mode & 0o044  # readable by colleagues (umask permitting)


def test_collect_numbers_and_html_export_without_cdn():
    from pmo_analytics.records.publish import MIME

    nb = new_notebook(cells=[new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={MIME: {"name": "a", "value": 1},
                                                                        "text/plain": "a = 1"})]
    assert collect_numbers(nb) == {"a": 1}
    html = export_html(nb, "t")
    assert not _EXTERNAL.search(html)
    assert _EXTERNAL.search('<script src="https://cdn.example/require.js"></script>')
    assert _EXTERNAL.search('import("https://cdn.example/x.mjs")')


@pytest.mark.slow
def test_review_merges_a_schedule_file_into_the_record(tmp_path):
    from pmo_analytics.tables.msproject import java_available, write_schedule

    if not java_available():
        pytest.skip("no Java runtime: schedule import needs Java >= 11")
    import shutil

    import pandas as pd

    from pmo_analytics import read_portfolio

    core = Path(shutil.copytree(MINIMAL, tmp_path / "core"))
    acts = pd.read_csv(core / "activities.csv")
    xml = write_schedule(read_portfolio(MINIMAL).activities, tmp_path / "a1.xml", "A1")
    (core / "activities.csv").unlink()
    (core / "risks.csv").unlink()  # names activities that now come from the schedule file
    nb = _notebook(tmp_path, "01_probe.ipynb",
                   HEAD + "publish('activities', sorted(review.portfolio_.activities['activity_id']))")
    r = DecisionRecord(data=[core, f"A1={xml}"], out=tmp_path / "reports", notebooks=[nb], progress=False).run()
    assert r.numbers_["01_probe"]["activities"] == sorted(acts["activity_id"])
    m = r.manifest_["data"]
    assert m["imported"] and "import/sources.json" in m["files"] and (r.path_ / "data" / "activities.csv").is_file()
    assert m["path"] == str(r.path_.resolve() / "data")  # where the imported data live with the record
    src = json.loads((r.path_ / "data" / "import" / "sources.json").read_text())
    assert "a1.xml" in src["sha256"]  # the original schedule file's hash is part of the data's identity


@pytest.mark.slow
def test_a_record_anchors_the_decision_register(tmp_path):
    """Issue 32: every record's manifest.json and reports/index.html carry the register's head."""
    from pmo_analytics.records.decisions import record_decision
    from pmo_analytics.records.integrity import check_register, register_head

    reg = tmp_path / "decisions"
    for text in ("fund P1", "defer P2"):
        record_decision(text, "Board", folder=reg, data_path=MINIMAL, numbers={})
    nb = _notebook(tmp_path, "01_probe.ipynb", HEAD)
    r = DecisionRecord(data=MINIMAL, out=tmp_path / "reports", notebooks=[nb], progress=False, decisions=reg).run()
    head = register_head(reg)
    assert r.manifest_["register"] == head and head["decision_id"] == "D-0002"
    index = (tmp_path / "reports" / "index.html").read_text()
    assert f'<meta name="pmo-register-head" content="D-0002 2 {head["sha256"]}">' in index
    assert f"Decision register head: <b>D-0002</b>, SHA-256 <code>{head['sha256']}</code>" in \
        (r.path_ / "index.html").read_text()
    assert check_register(reg, key=None, reports=tmp_path / "reports").anchors == 2
    (reg / "D-0002.json").write_text((reg / "D-0002.json").read_text().replace("defer P2", "fund P2"))
    (reg / "head.json").unlink()  # and hide the edit from the chain: the anchors still show it
    problems = [str(p) for p in check_register(reg, key=None, reports=tmp_path / "reports").problems]
    assert f"D-0002: rewritten: its SHA-256 is not the one reports/{r.run_id_}/manifest.json recorded" in \
        " ".join(problems)


@pytest.mark.slow
def test_policy_settings_that_name_what_the_data_lack_stop_the_review_before_any_page(tmp_path):
    nb = _notebook(tmp_path, "01_probe.ipynb", HEAD + "raise AssertionError('the page ran')")
    with pytest.raises(PolicyError, match=r"'extra_fte_skill' 'QA' is not a skill of the capacity table.*nothing ran"):
        DecisionRecord(data=MINIMAL, out=tmp_path / "reports", parameters={"extra_fte_skill": "QA"}, notebooks=[nb],
               progress=False).run()
    assert [p.name for p in (tmp_path / "reports").iterdir()] == []


def test_old_names_of_the_decision_record_still_import_with_a_deprecation():
    # "review" names the portfolio review (pmo_analytics.review); the record's runner is DecisionRecord
    import importlib
    import sys

    import pmo_analytics.records as records

    with pytest.warns(DeprecationWarning, match="use DecisionRecord"):
        assert records.Review is DecisionRecord
    with pytest.warns(DeprecationWarning, match="use write_record"):
        assert records.run_review is records.write_record
    sys.modules.pop("pmo_analytics.records.review", None)
    with pytest.warns(DeprecationWarning, match="records.review is deprecated"):
        old = importlib.import_module("pmo_analytics.records.review")
    assert old.Review is DecisionRecord and old.IDENTITY == "review.identity"
    with pytest.raises(AttributeError):
        records.no_such_name  # noqa: B018
