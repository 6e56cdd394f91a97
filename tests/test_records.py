"""Decision records: papermill review runs, manifest, HTML, never overwriting (pmo_analytics.records)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from pmo_analytics.exceptions import DataValidationError, RecordError
from pmo_analytics.records import Review, collect_numbers, export_html, list_notebooks, run_review
from pmo_analytics.records.manifest import new_run_id, publish_dir, write_json_atomic
from pmo_analytics.records.html import _EXTERNAL
from pmo_analytics.tables import sample_path

from .conftest import MINIMAL, assemble_bad

NB00 = [p for p in list_notebooks() if p.name.startswith("00_")]


def _notebook(tmp_path: Path, name: str, code: str, params: str = "data_path = None\nseed = 1") -> Path:
    nb = new_notebook(cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_curated_notebooks_are_listed_in_order():
    names = [p.name for p in list_notebooks()]
    assert names == sorted(names) and names[0].startswith("00_")


@pytest.mark.slow
def test_review_writes_a_complete_record_and_never_overwrites(tmp_path):
    a = run_review(out=tmp_path, notebooks=NB00, progress=False)
    b = run_review(out=tmp_path, notebooks=NB00, progress=False)
    assert a.path_ != b.path_ and a.path_.is_dir() and b.path_.is_dir()
    files = {p.name for p in a.path_.iterdir()}
    assert files == {"00_portfolio_review.ipynb", "00_portfolio_review.html", "index.html", "manifest.json",
                     "numbers.json", "results.xlsx", "results_csv"}
    # every published table is in the results workbook, linked from the index
    from openpyxl import load_workbook

    sheets = load_workbook(a.path_ / "results.xlsx", read_only=True).sheetnames
    assert "numbers" in sheets and "00.exposure" in sheets
    assert "results.xlsx" in (a.path_ / "index.html").read_text()
    manifest = json.loads((a.path_ / "manifest.json").read_text())
    # the hashes prove which data the record was computed from
    for name, digest in manifest["data"]["files"].items():
        assert hashlib.sha256((sample_path() / name).read_bytes()).hexdigest() == digest
    assert manifest["status"] == "complete" and manifest["seed"] == 20261125
    assert manifest["versions"]["pandas"] and manifest["started"] <= manifest["ended"]
    assert manifest["notebooks"][0]["parameters"]["data_path"] == str(sample_path().resolve())
    # same data + seed => identical numbers
    assert a.numbers_ == b.numbers_ and a.numbers_["00_portfolio_review"]["recommended"]["status"] == "optimal"
    assert json.loads((a.path_ / "numbers.json").read_text()) == a.numbers_
    html = (a.path_ / "00_portfolio_review.html").read_text()
    assert "data:image/svg+xml" in html and not _EXTERNAL.search(html)
    index = (a.path_ / "index.html").read_text()
    assert 'href=\'00_portfolio_review.html\'' in index and "projects.csv" in index
    assert not list(tmp_path.glob(".staging-*"))


@pytest.mark.slow
def test_review_on_user_data_and_parameters(tmp_path):
    nb = _notebook(tmp_path, "01_probe.ipynb",
                   "import pmo_analytics as pmo\nfrom pmo_analytics.records import publish\n"
                   "pf = pmo.read_portfolio(data_path)\npublish('n_projects', len(pf.projects))\n"
                   "publish('seed', seed)")
    r = Review(data=MINIMAL, out=tmp_path / "reports", parameters={"seed": 7, "unused": 1}, notebooks=[nb],
               progress=False).run()
    assert r.numbers_ == {"01_probe": {"n_projects": 4, "seed": 7}}
    entry = r.manifest_["notebooks"][0]
    assert entry["parameters"] == {"seed": 7, "data_path": str(MINIMAL.resolve())}  # only declared ones


@pytest.mark.slow
def test_failing_notebook_keeps_a_marked_partial_record(tmp_path):
    nb = _notebook(tmp_path, "01_fails.ipynb", "assert 1 == 2, 'decision no longer holds'")
    with pytest.raises(RecordError, match="decision no longer holds"):
        Review(out=tmp_path / "reports", notebooks=[nb], progress=False).run()
    (failed,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    assert failed.name.endswith("-FAILED")
    assert json.loads((failed / "manifest.json").read_text())["status"] == "failed"


def test_invalid_data_stops_before_anything_is_written(tmp_path):
    bad = assemble_bad("negative_cost", tmp_path / "bad")
    with pytest.raises(DataValidationError, match="got -200"):
        Review(data=bad, out=tmp_path / "reports", notebooks=NB00, progress=False).run()
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


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
    ids = {new_run_id(5) for _ in range(50)}
    assert len(ids) == 50
    assert all(i.replace("-", "").replace("T", "").replace("Z", "").replace("s", "").isalnum() for i in ids)


def test_atomic_json_write(tmp_path):
    p = write_json_atomic(tmp_path / "m.json", {"b": 1, "a": [1, 2]})
    assert json.loads(p.read_text()) == {"a": [1, 2], "b": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]


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

    core = Path(shutil.copytree(MINIMAL, tmp_path / "core"))
    acts = pd.read_csv(core / "activities.csv")
    xml = write_schedule(pmo_read(MINIMAL).activities, tmp_path / "a1.xml", "A1")
    (core / "activities.csv").unlink()
    (core / "risks.csv").unlink()  # names activities that now come from the schedule file
    nb = _notebook(tmp_path, "01_probe.ipynb",
                   "import pmo_analytics as pmo\nfrom pmo_analytics.records import publish\n"
                   "pf = pmo.read_portfolio(data_path)\npublish('activities', sorted(pf.activities['activity_id']))")
    r = Review(data=[core, f"A1={xml}"], out=tmp_path / "reports", notebooks=[nb], progress=False).run()
    assert r.numbers_["01_probe"]["activities"] == sorted(acts["activity_id"])
    m = r.manifest_["data"]
    assert m["imported"] and "a1.xml" in m["files"] and (r.path_ / "data" / "activities.csv").is_file()
    assert m["path"] == str(r.path_.resolve() / "data")  # where the imported data live with the record


def pmo_read(path):
    from pmo_analytics import read_portfolio

    return read_portfolio(path)


@pytest.mark.slow
def test_full_review_twice_gives_identical_numbers(tmp_path):
    """`pmo review` on the sample, twice with the same seed: every notebook, identical numbers."""
    from pmo_analytics.cli import main

    out = tmp_path / "reports"
    args = ["review", "--out", str(out), "--iterations", "500", "--quiet"]
    assert main(args) == 0 and main(args) == 0
    a, b = sorted(p for p in out.iterdir() if p.is_dir())
    na, nb = (json.loads((p / "numbers.json").read_text()) for p in (a, b))
    assert na == nb
    names = [p.stem for p in list_notebooks()]
    assert list(na) == names and all(na[n] for n in names)  # every notebook published its numbers
    ma = json.loads((a / "manifest.json").read_text())
    assert ma["parameters"]["iterations"] == 500 and ma["numbers_sha256"] == \
        json.loads((b / "manifest.json").read_text())["numbers_sha256"]
    for n in names:
        html = (a / f"{n}.html").read_text()
        assert not _EXTERNAL.search(html), n
