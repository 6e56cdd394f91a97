"""``pmo review``: execute the curated notebooks into a decision record.

A record is a folder ``reports/<run-id>/`` holding, for every notebook, the
executed ``.ipynb`` and a self-contained ``.html`` (charts inlined as SVG, no
script or stylesheet loaded from the network), plus ``index.html``,
``numbers.json`` (every value the notebooks ``publish``) and
``manifest.json`` (SHA-256 of every input file, parameters, seed, package
versions, git commit, start and end time). The folder is built under a
hidden staging name and renamed into place when complete, so a record is
either whole or absent, and an earlier record is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import RecordError
from ..tables import read_portfolio, sample_path, sha256_file
from .manifest import git_commit, new_run_id, package_versions, publish_dir, utc_now, write_json_atomic, \
    write_text_atomic
from .export import numbers_to_tables
from .html import export_html, render_index, render_reports_index
from .publish import MIME

__all__ = ["Review", "run_review", "notebooks_dir", "list_notebooks", "collect_numbers",
           "DEFAULT_PARAMETERS"]

#: Parameters injected into every notebook that declares them (papermill). A record is static, so
#: live widgets are switched off (``interactive``); kernels would otherwise wait on widget comms.
DEFAULT_PARAMETERS = {"seed": 20261125, "interactive": False}


def notebooks_dir() -> Path:
    """The curated notebooks (``notebooks/`` in the repository, bundled with the package)."""
    from ..bundled import bundled_path

    return bundled_path("notebooks")


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The curated notebooks, in life-cycle order (``NN_name.ipynb``)."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def collect_numbers(nb) -> dict:
    """Every value a notebook published with :func:`~pmo_analytics.records.publish.publish`."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if MIME in data:
                payload = data[MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                out[payload["name"]] = payload["value"]
    return out


@dataclass
class Review:
    """Execute the curated notebooks on one portfolio and write a decision record.

    Parameters
    ----------
    data : path or list of paths, optional
        Folder of CSVs or ``.xlsx`` workbook; None = the bundled sample. Several
        sources, or schedule files (``.mpp``, MSPDI ``.xml``, ``.xer``), are
        merged and imported into the record's ``data/`` folder first (see
        :func:`pmo_analytics.tables.sources.import_sources`).
    out : path
        Parent folder of the records (``reports/``).
    parameters : dict
        Values injected into each notebook's ``parameters`` cell, where the
        notebook declares them (``seed``, ``iterations``, ...).
    notebooks : list of path, optional
        Notebooks to run (default: every curated notebook, in order).
    progress : bool
        Print progress to the terminal.
    """

    data: str | os.PathLike | None = None
    out: str | os.PathLike = "reports"
    parameters: dict = field(default_factory=dict)
    notebooks: list | None = None
    progress: bool = True
    kernel_name: str = "python3"
    timeout: int = 900
    decisions: str | os.PathLike | None = "decisions"

    # results
    run_id_: str | None = None
    path_: Path | None = None
    manifest_: dict | None = None
    numbers_: dict | None = None

    def _say(self, msg: str) -> None:
        if self.progress:
            print(msg, file=sys.stderr, flush=True)

    def run(self) -> "Review":
        import nbformat
        import papermill as pm

        from ..tables.sources import import_sources, needs_import

        started = utc_now()
        t0 = time.perf_counter()
        sources = list(self.data) if isinstance(self.data, (list, tuple)) else \
            [self.data if self.data is not None else sample_path()]
        merged = needs_import(sources)
        params = {**DEFAULT_PARAMETERS, **self.parameters}
        notebooks = [Path(p) for p in (self.notebooks or list_notebooks())]
        if not notebooks:
            raise RecordError(f"no notebooks found in {notebooks_dir()}")
        out = Path(self.out)
        out.mkdir(parents=True, exist_ok=True)
        run_id = new_run_id(params.get("seed"))
        staging = out / f".staging-{run_id}"
        staging.mkdir()
        try:
            if merged:
                # schedules (.mpp/.xml/.xer) and several folders/workbooks are merged into our CSV layout,
                # kept inside the record so the notebooks (and a later replay) read exactly this data
                self._say(f"importing {len(sources)} source(s) ...")
                result = import_sources(sources, staging / "data")
                data = (staging / "data").resolve()
                self._say(result.report())
            else:
                data = Path(sources[0]).resolve()
            self._say(f"validating {data} ...")
            portfolio = read_portfolio(data)  # raises DataValidationError listing every problem
            input_hashes = dict(result.hashes) if merged else dict(portfolio.hashes)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        numbers: dict = {}
        entries = []
        status = "complete"
        error = None
        try:
            for i, nb_path in enumerate(notebooks, 1):
                declared = pm.inspect_notebook(str(nb_path))
                injected = {k: v for k, v in params.items() if k in declared}
                if "data_path" in declared:
                    injected["data_path"] = str(data)
                self._say(f"[{i}/{len(notebooks)}] {nb_path.stem} ...")
                t = time.perf_counter()
                out_nb = staging / nb_path.name
                try:
                    pm.execute_notebook(str(nb_path), str(out_nb), parameters=injected,
                                        cwd=str(nb_path.parent), kernel_name=self.kernel_name,
                                        progress_bar=False, execution_timeout=self.timeout,
                                        report_mode=False, log_output=False)
                except pm.PapermillExecutionError as exc:
                    status, error = "failed", f"{nb_path.name}: {exc.ename}: {exc.evalue}"
                    self._say(f"    FAILED: {error}")
                nb = nbformat.read(out_nb, as_version=4)
                html_path = staging / f"{nb_path.stem}.html"
                write_text_atomic(html_path, export_html(nb, nb_path.stem))
                nums = collect_numbers(nb)
                numbers[nb_path.stem] = nums
                entries.append({"notebook": nb_path.name, "html": html_path.name,
                                "parameters": injected, "seconds": round(time.perf_counter() - t, 2),
                                "published_numbers": len(nums),
                                "sha256_ipynb": sha256_file(out_nb), "sha256_html": sha256_file(html_path)})
                self._say(f"    done in {time.perf_counter() - t:.1f} s, {len(nums)} numbers published")
                if status == "failed":
                    break
            final = out / (run_id if status == "complete" else f"{run_id}-FAILED")
            if merged:  # the imported data travel with the record: name them where they will live
                data = final.resolve() / "data"
            manifest = {
                "run_id": run_id,
                "status": status,
                "error": error,
                "started": started,
                "ended": utc_now(),
                "seconds": round(time.perf_counter() - t0, 2),
                "data": {"path": str(data), "files": input_hashes,
                         "sources": [str(Path(str(x)).resolve()) if "=" not in str(x) else str(x) for x in sources],
                         "imported": merged,
                         "tables": {k: int(v) for k, v in portfolio.summary()["rows"].items()}},
                "parameters": params,
                "seed": params.get("seed"),
                "notebooks": entries,
                "versions": package_versions(),
                "git": git_commit(Path(__file__).resolve().parent),
                "numbers_sha256": hashlib.sha256(json.dumps(numbers, sort_keys=True).encode()).hexdigest(),
                "decisions": _decision_rows(self.decisions),
            }
            write_json_atomic(staging / "numbers.json", numbers)
            result_tables = numbers_to_tables(numbers)
            if result_tables:
                from .export import export_tables

                export_tables(result_tables, staging / "results.xlsx")
                manifest["results"] = {"xlsx": "results.xlsx", "csv": "results_csv/"}
            write_json_atomic(staging / "manifest.json", manifest)
            write_text_atomic(staging / "index.html", render_index(manifest))
            publish_dir(staging, final)
        except BaseException:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            raise
        self.run_id_, self.path_, self.manifest_, self.numbers_ = run_id, final, manifest, numbers
        write_text_atomic(out / "index.html", render_reports_index(out, _decision_rows(self.decisions)))
        self._say(f"record written to {final}")
        if status != "complete":
            raise RecordError(f"review failed ({error}); partial record kept at {final}")
        return self

    def __repr__(self) -> str:
        where = f", record={self.path_}" if self.path_ else ""
        return f"Review(data={self.data or 'sample'!s}{where})"


def _decision_rows(folder) -> list[dict]:
    """The decision register's entries, newest first (empty when there is no register)."""
    if folder is None or not Path(folder).is_dir():
        return []
    from .decisions import list_decisions

    df = list_decisions(folder).drop(columns=["created"])
    return json.loads(df.to_json(orient="records"))


def run_review(data=None, out="reports", parameters=None, notebooks=None, progress=True) -> Review:
    """Functional form of :class:`Review`: execute the notebooks and return the finished review."""
    return Review(data=data, out=out, parameters=dict(parameters or {}), notebooks=notebooks,
                  progress=progress).run()
