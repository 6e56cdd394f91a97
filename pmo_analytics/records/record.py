"""``pmo review``: execute the curated notebooks into a decision record (:class:`DecisionRecord`).

A record is a folder ``reports/<run-id>/`` holding, for every notebook, the
executed ``.ipynb`` and a self-contained ``.html``, plus ``index.html``,
``numbers.json`` (every value the pages ``publish``), ``results.xlsx`` /
``results_csv/`` and ``manifest.json`` (the data's fingerprint and the SHA-256
of every input file, the review policy, package versions, git commit, times).

What a record guarantees
------------------------
* **One data set.** The data are read and validated once, inside the kernel
  that executes every page (:func:`pmo_analytics.review.load_review`); every
  page publishes the fingerprint of the data it read and the digest of the
  policy it used, and a record in which a page read other data, or used
  another policy, than the manifest names is refused (nothing is published).
* **One policy.** Every page receives the whole resolved
  :class:`~pmo_analytics.review.ReviewPolicy` (defaults, then ``review.toml``
  beside the data, then ``--seed``/``--iterations``/``--param``); a
  parameter that no selected page or the policy accepts is refused before
  anything runs. Parameters cells are parsed here (Python's ``ast``), never
  by papermill's line parser.
* **Whole or absent, never overwritten.** The record is built under
  ``.staging-<run-id>`` and renamed into place; Ctrl-C or SIGTERM shuts the
  kernel down and removes the staging folder; a staging folder left by a
  killed run is reported and removed by the next run.

The pieces it drives live beside it: the notebooks and their parameters
(:mod:`.notebooks`), the one kernel and its preflight (:mod:`.kernel`), the
staging folder (:mod:`.staging`), and the files of a record (:mod:`pmo_analytics.atomic`,
:mod:`.export`, :mod:`.html`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_json_atomic, write_text_atomic
from ..exceptions import RecordError
from .boardpack import PDF_NAME, write_board_pack
from .export import export_results
from .html import export_html, page_context, render_index, render_reports_index
from .integrity import register_head
from .kernel import Kernel, quiet_loggers, signals_raise
from .lab import open_well, sign
from .manifest import RUN_ID, git_commit, new_run_id, package_versions, publish_dir, utc_now
from .notebooks import DEFAULT_PARAMETERS, check_parameters, collect_numbers, list_notebooks, notebook_parameters, \
    notebooks_dir, resolve_notebooks
from .publish import IDENTITY, page_title
from .staging import clean_stale_staging, staging_folder

__all__ = ["DecisionRecord", "write_record", "decision_rows"]


@dataclass
class DecisionRecord:
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
        ``seed``, review policy settings (every page receives them) and page
        parameters (only pages declaring them receive them); anything else is refused.
    notebooks : list, optional
        Curated notebook names (``"03"``, ``"03_schedule_risk"``) or, from
        Python only, notebook paths; default every curated notebook, in order.
    progress : bool or callable
        Print progress (and an estimate of the time left) to stderr; a
        function of one line of text receives it instead (the command line's console).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) that runs the
        portfolio simulation and the frontier levels; the numbers are the same
        without it (seeded streams per project and block, never per worker).
    pdf : bool, default False
        Also print the record as one A4 board pack, ``board_pack.pdf`` in the
        record folder (:mod:`pmo_analytics.records.boardpack`; needs headless
        Chromium, checked before anything runs).
    """

    data: str | os.PathLike | list | None = None
    out: str | os.PathLike = "reports"
    parameters: dict = field(default_factory=dict)
    notebooks: list | None = None
    progress: bool | Callable[[str], None] = True
    kernel_name: str = "python3"
    timeout: int = 1800
    decisions: str | os.PathLike | None = "decisions"
    scheduler: str | None = None
    pdf: bool = False

    # results
    run_id_: str | None = None
    path_: Path | None = None
    manifest_: dict | None = None
    numbers_: dict | None = None

    def _say(self, msg: str) -> None:
        if callable(self.progress):
            self.progress(msg)
        elif self.progress:
            print(msg, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ preparation
    def _notebooks(self) -> list[Path]:
        if not self.notebooks:
            nbs = list_notebooks()
        else:
            names = [n for n in self.notebooks if not isinstance(n, Path)]
            nbs = resolve_notebooks(names) + [Path(n) for n in self.notebooks if isinstance(n, Path)]
        if not nbs:
            raise RecordError(f"no notebooks found in {notebooks_dir()}")
        return nbs

    def _policy(self, data):
        from ..review.policy import ReviewPolicy, resolve_policy

        params = dict(self.parameters)
        policy_names = set(ReviewPolicy.__dataclass_fields__)
        return resolve_policy(data, {k: v for k, v in params.items() if k in policy_names})

    def run(self) -> DecisionRecord:
        started, t0 = utc_now(), time.perf_counter()
        sources = self._sources()
        notebooks = self._notebooks()
        page_params = check_parameters(notebooks, {k: v for k, v in self.parameters.items() if k != "seed"})
        policy = self._policy(sources[0])  # refuses unknown or bad settings before anything runs
        scheduler = self._scheduler(notebooks, policy)  # connected to and identified before page 00
        chromium = self._chromium()
        out = Path(self.out)
        out.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(out, self._say)
        run_id = new_run_id(policy.seed)
        with staging_folder(out, run_id) as folder, signals_raise(), quiet_loggers():
            data, identity, merged, policy = self._prepare_data(sources, folder, policy)
            kernel = Kernel(self.kernel_name, notebooks[0].parent, folder / ".kernel.log")
            try:
                # read and validate the data once, in the kernel every page runs in
                tables, names = kernel.preflight(data, policy, scheduler, timeout=self.timeout)
                numbers, entries, status, error = self._execute(kernel, notebooks, data, policy, page_params,
                                                                folder, identity, t0, run_id=run_id, date=started)
            finally:
                kernel.shutdown()
            final = out / (run_id if status == "complete" else f"{run_id}-FAILED")
            manifest = self._manifest(run_id, status, error, started, t0, final, data, identity, merged, sources,
                                      tables, policy, entries, numbers)
            manifest["scheduler"] = scheduler
            if chromium and status == "complete":
                self._say("printing the board pack ...")
                write_board_pack(folder, {**manifest, "status": status}, _decisions(numbers), chromium)
                manifest["board_pack"] = PDF_NAME
            self._write(folder, manifest, numbers, names, currency=_currency(data))
            publish_dir(folder, final)  # the staging lock travels with the rename: removed once published
        with contextlib.suppress(OSError):
            (final / ".lock").unlink()
        self.run_id_, self.path_, self.manifest_, self.numbers_ = run_id, final, manifest, numbers
        write_text_atomic(out / "index.html", render_reports_index(out, decision_rows(self.decisions, out),
                                                                    head=register_head(self.decisions)))
        self._say(f"record written to {final}")
        if status != "complete":
            raise RecordError(f"review failed ({error}); partial record kept at {final}")
        return self

    def _chromium(self) -> str | None:
        """The Chromium that prints the board pack (``pdf=True``); refused before anything runs without one."""
        if not self.pdf:
            return None
        from .boardpack import find_chromium

        found = find_chromium()
        if not found:
            raise RecordError("--pdf prints the board pack with headless Chromium, and none was found (install "
                              "chromium, or set PMO_CHROMIUM to its path); nothing ran")
        return found

    def summary(self) -> dict:
        """What ``pmo review --json`` prints: the record's path, status, pages and headline numbers.

        ``headline`` and ``key_numbers`` are the first page's decision (its tiles: label, value, unit, text);
        each page gives its title, headline, ask, files and seconds.
        """
        if self.manifest_ is None:
            raise RecordError("the review has not run yet: call run() first")
        m, numbers = self.manifest_, self.numbers_ or {}
        decisions = _decisions(numbers)
        pages = []
        for n in m.get("notebooks", []):
            stem = Path(n["notebook"]).stem
            d = decisions.get(stem) or {}
            pages.append({"page": stem, "title": page_title(stem, d or None), "headline": d.get("headline"),
                          "ask": d.get("ask"), "html": str(self.path_ / n["html"]),
                          "notebook": str(self.path_ / n["notebook"]), "seconds": n.get("seconds"),
                          "published_numbers": n.get("published_numbers")})
        first = decisions.get(Path(m["notebooks"][0]["notebook"]).stem) if m.get("notebooks") else None
        return {"record": str(self.path_), "run_id": m.get("run_id"), "status": m.get("status"),
                "error": m.get("error"), "seconds": m.get("seconds"), "index": str(self.path_ / "index.html"),
                "pdf": str(self.path_ / m["board_pack"]) if m.get("board_pack") else None,
                "results": str(self.path_ / "results.xlsx") if m.get("results") else None,
                "headline": (first or {}).get("headline"),
                "key_numbers": [{k: x.get(k) for k in ("label", "value", "unit", "text")}
                                for x in (first or {}).get("key_numbers", [])],
                "pages": pages}

    def _scheduler(self, notebooks: list[Path], policy) -> str | None:
        """The scheduler address the pages get: checked (connected to, identified) now, or None when unused."""
        if self.scheduler is None:
            return None
        from ..exceptions import PMOWarning
        from .preflight import check_scheduler, uses_scheduler

        users = [nb.stem for nb in notebooks if uses_scheduler(nb)]
        if not users or not policy.uncertainty:
            why = (f"none of the selected pages ({', '.join(nb.stem for nb in notebooks)}) runs on one (the portfolio "
                   "simulation of pages 00 and 02 does)" if not users else
                   "the policy switches the portfolio simulation off (uncertainty = false)")
            warnings.warn(f"--scheduler {self.scheduler} is not used: {why}", PMOWarning, stacklevel=3)
            return None
        self._say(f"checking the Dask scheduler at {self.scheduler} ...")
        ident = check_scheduler(self.scheduler)
        if not ident["workers"]:
            raise RecordError(f"the Dask scheduler at {self.scheduler} has no workers: the pages would wait for one "
                              "without end. Start workers (dask worker ADDRESS) or run without --scheduler")
        self._say(f"Dask scheduler {self.scheduler}: {ident['workers']} worker(s), used by {', '.join(users)}")
        return self.scheduler

    def _sources(self) -> list:
        if isinstance(self.data, (list, tuple)):
            return list(self.data)
        if self.data is None:
            from ..tables import sample_path

            return [sample_path()]
        return [self.data]

    def _prepare_data(self, sources, staging: Path, policy):
        """The data folder the pages read, its identity, whether it was imported, and the policy beside it."""
        from ..tables.identity import fingerprint_path
        from ..tables.sources import import_sources, needs_import

        merged = needs_import(sources)
        if merged:
            # schedules (.mpp/.xml/.xer) and several folders/workbooks are merged into our CSV layout, kept
            # inside the record so the pages (and a later replay) read exactly this data
            self._say(f"importing {len(sources)} source(s) ...")
            imported = import_sources(sources, staging / "data")
            data = (staging / "data").resolve()
            self._say(imported.report())
            policy = self._policy(data)
        else:
            data = Path(sources[0]).resolve()
        identity = fingerprint_path(data)
        self._say(f"reading and validating {data} (data {identity['fingerprint'][:12]}) ...")
        return data, identity, merged, policy

    @staticmethod
    def _write(staging: Path, manifest: dict, numbers: dict, names: dict, currency: str | None = None) -> None:
        """numbers.json, results.xlsx/CSV (money in the data's ``currency``), manifest.json and index.html."""
        write_json_atomic(staging / "numbers.json", numbers)
        if export_results(numbers, staging / "results.xlsx", manifest, names=names, currency=currency):
            manifest["results"] = {"xlsx": "results.xlsx", "csv": "results_csv/"}
        write_json_atomic(staging / "manifest.json", manifest)
        write_text_atomic(staging / "index.html", render_index(manifest, numbers))
        with contextlib.suppress(OSError):
            (staging / ".kernel.log").unlink()

    # ------------------------------------------------------------------ steps
    def _execute(self, kernel, notebooks, data, policy, page_params, staging, identity, t0, *, run_id="", date=""):
        import nbformat
        import papermill as pm

        pol = policy.to_dict()
        seed = pol.pop("seed")
        numbers, entries = {}, []
        status, error = "complete", None
        done_seconds = []
        # what each page took the last time these data were reviewed under this policy: the only honest estimate
        # (page 00 computes the review every page reads, so the pages' times differ by a factor of 30)
        before = earlier_seconds(Path(self.out), identity["fingerprint"], policy.digest, [p.stem for p in notebooks])
        for i, nb_path in enumerate(notebooks, 1):
            injected = {**{k: v for k, v in DEFAULT_PARAMETERS.items() if k in notebook_parameters(nb_path)},
                        "data_path": str(data), "seed": seed, "policy": pol, **page_params[nb_path]}
            left = ""
            rest = [before.get(p.stem) for p in notebooks[i - 1:]]
            if before and all(r is not None for r in rest):
                left = f", about {sum(rest):.0f} s left as in the last review of these data"
            self._say(f"[{i}/{len(notebooks)}] {nb_path.stem} (elapsed {time.perf_counter() - t0:.0f} s{left})")
            t = time.perf_counter()
            out_nb = staging / nb_path.name
            try:
                pm.execute_notebook(str(nb_path), str(out_nb), parameters=injected, cwd=str(nb_path.parent),
                                    kernel_name=self.kernel_name, language="python", km=kernel.km,
                                    progress_bar=False, execution_timeout=self.timeout, report_mode=False,
                                    log_output=False)
            except pm.PapermillExecutionError as exc:
                status, error = "failed", f"{nb_path.name}: {exc.ename}: {exc.evalue}"
                self._say(f"    FAILED: {error}")
            nb = nbformat.read(out_nb, as_version=4)
            nums = collect_numbers(nb)
            # charts JupyterLab draws, published numbers out of sight, and signed: the page opens trusted
            nb, _ = open_well(nb)
            write_text_atomic(out_nb, nbformat.writes(nb))
            self._sign(nb, nb_path.stem)
            if status == "complete":
                self._check_identity(nb_path.stem, nums.get(IDENTITY), identity, policy)
            html_path = staging / f"{nb_path.stem}.html"
            # linked to the index and its neighbours; a failed page is the last one written: no next link
            context = page_context(run_id, date, [p.stem for p in notebooks], i - 1, last=status != "complete")
            write_text_atomic(html_path, export_html(nb, nb_path.stem, context=context))
            numbers[nb_path.stem] = nums
            seconds = time.perf_counter() - t
            done_seconds.append(seconds)
            entries.append({"notebook": nb_path.name, "html": html_path.name, "parameters": injected,
                            "seconds": round(seconds, 2), "published_numbers": len(nums),
                            "identity": nums.get(IDENTITY),
                            "sha256_ipynb": _sha(out_nb), "sha256_html": _sha(html_path)})
            self._say(f"    done in {seconds:.1f} s, {len(nums)} numbers published")
            if status == "failed":
                break
        return numbers, entries, status, error

    def _sign(self, nb, page: str) -> None:
        """Sign the executed page with the user's Jupyter secret; a review does not fail for want of a store."""
        try:
            sign(nb)
        except Exception as exc:  # noqa: BLE001 - a read-only home, a locked database: the page opens untrusted
            from ..exceptions import PMOWarning

            if not getattr(self, "_unsigned_said", False):
                self._unsigned_said = True
                warnings.warn(f"the executed notebooks are not signed ({type(exc).__name__}: {exc}); JupyterLab "
                              f"opens them untrusted (jupyter trust {page}.ipynb trusts one)", PMOWarning,
                              stacklevel=2)

    @staticmethod
    def _check_identity(page: str, published, identity: dict, policy) -> None:
        if not isinstance(published, dict) or "fingerprint" not in published:
            raise RecordError(f"page {page} did not publish which data it read ('{IDENTITY}'); the record "
                              "cannot promise its numbers come from the data in the manifest, so nothing was published")
        if published["fingerprint"] != identity["fingerprint"]:
            raise RecordError(f"page {page} read other data ({published.get('source')}, fingerprint "
                              f"{published['fingerprint'][:12]}) than the manifest names ({identity['path']}, "
                              f"{identity['fingerprint'][:12]}); nothing was published")
        if published.get("policy") != policy.digest:
            raise RecordError(f"page {page} used another review policy than the manifest names; nothing was "
                              "published")

    def _manifest(self, run_id, status, error, started, t0, final, data, identity, merged, sources, tables, policy,
                  entries, numbers) -> dict:
        if merged:  # the imported data travel with the record: name them where they will live
            data = final.resolve() / "data"
        limits = []
        for page, nums in numbers.items():
            for name, value in nums.items():
                if name.endswith("time_limit_bound") and value:
                    limits.append(f"{page}: {name}")
        return {
            "run_id": run_id,
            "status": status,
            "error": error,
            "started": started,
            "ended": utc_now(),
            "seconds": round(time.perf_counter() - t0, 2),
            "data": {"path": str(data), "fingerprint": identity["fingerprint"], "files": identity["files"],
                     "sources": [str(Path(str(x)).resolve()) if "=" not in str(x) else str(x) for x in sources],
                     "imported": merged, "tables": tables},
            "policy": policy.to_dict(),
            "policy_sha256": policy.digest,
            "parameters": {k: v for k, v in self.parameters.items()},
            "seed": policy.seed,
            "scheduler": self.scheduler,
            "notebooks": entries,
            "solver_time_limits_bound": limits,
            "versions": package_versions(),
            "git": git_commit(Path(__file__).resolve().parent),
            "numbers_sha256": hashlib.sha256(json.dumps(numbers, sort_keys=True).encode()).hexdigest(),
            "decisions": decision_rows(self.decisions, Path(self.out)),
            # the register's head now: an anchor outside the register (records.integrity)
            "register": register_head(self.decisions) if self.decisions is not None else None,
        }

    def __repr__(self) -> str:
        where = f", record={self.path_}" if self.path_ else ""
        return f"DecisionRecord(data={self.data or 'sample'!s}{where})"


def _currency(data) -> str | None:
    """The currency the data declare (``[data] currency`` of their ``review.toml``; None = the default)."""
    from ..tables.settings import read_settings

    return read_settings(data).currency


def earlier_seconds(out: Path, fingerprint: str, policy_digest: str, pages: list[str] | None = None) -> dict[str, float]:
    """Seconds each page took in the newest complete record under ``out`` of the same data, policy and pages
    ({} if none).

    A review's pages take what they took the last time on the same data under the same policy (iterations,
    levels, seed): that is the estimate ``pmo review`` gives of the time left, and without such a record it gives
    none (a mean over the pages done so far said 237 s for a run that ended 40 s later).
    """
    try:
        folders = sorted((p for p in Path(out).iterdir() if p.is_dir() and RUN_ID.match(p.name)),
                         key=lambda p: p.name, reverse=True)
    except OSError:
        return {}
    for folder in folders[:50]:
        try:
            m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(m, dict) or m.get("status") != "complete":
            continue
        if (m.get("data") or {}).get("fingerprint") != fingerprint or m.get("policy_sha256") != policy_digest:
            continue
        if pages is not None and [Path(str(n.get("notebook"))).stem for n in m.get("notebooks", [])] != list(pages):
            continue
        return {Path(str(n.get("notebook"))).stem: float(n["seconds"]) for n in m.get("notebooks", [])
                if isinstance(n.get("seconds"), (int, float))}
    return {}


def _decisions(numbers: dict) -> dict[str, dict | None]:
    """Page stem -> the decision box it published (``page.decision``), or None."""
    out = {}
    for stem, nums in (numbers or {}).items():
        d = (nums or {}).get("page.decision")
        out[stem] = d if isinstance(d, dict) and d.get("headline") else None
    return out


def _sha(path: Path) -> str:
    from ..tables import sha256_file

    return sha256_file(path)


def decision_rows(folder, reports: Path | None = None) -> list[dict]:
    """The decision register's entries, newest first, for index pages (empty without a register).

    ``record`` is reduced to a run id (a folder name under ``reports/``) or
    None, so an index never links outside the reports folder.
    """
    if folder is None or not Path(folder).is_dir():
        return []
    from .decisions import list_decisions

    df = list_decisions(folder, on_error="skip").drop(columns=["created"])
    rows = json.loads(df.to_json(orient="records"))
    for r in rows:
        name = Path(str(r.get("record") or "")).name
        r["record"] = name if RUN_ID.match(name) else None
    return rows


def write_record(data=None, out="reports", parameters=None, notebooks=None, progress=True) -> DecisionRecord:
    """Functional form of :class:`DecisionRecord`: execute the notebooks and return the finished record."""
    return DecisionRecord(data=data, out=out, parameters=dict(parameters or {}), notebooks=notebooks,
                  progress=progress).run()

