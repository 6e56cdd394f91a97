"""``pmo review``: execute the curated notebooks into a decision record.

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
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DataValidationError, Problem, RecordError
from .export import export_results
from .html import export_html, render_index, render_reports_index
from .integrity import register_head
from .manifest import (RUN_ID, git_commit, new_run_id, package_versions, publish_dir, utc_now, write_json_atomic,
                       write_text_atomic)
from .publish import IDENTITY, MIME

__all__ = ["Review", "run_review", "notebooks_dir", "list_notebooks", "resolve_notebooks", "notebook_parameters",
           "collect_numbers", "check_parameters", "clean_stale_staging", "DEFAULT_PARAMETERS", "IDENTITY",
           "ReviewInterrupted"]

#: Page parameters the review always sets; ``interactive`` switches live widgets off in a static record.
DEFAULT_PARAMETERS = {"interactive": False}
#: Names every curated page declares in its parameters cell.
CONTRACT = ("data_path", "seed", "policy")


class ReviewInterrupted(RecordError):
    """The review was stopped by Ctrl-C or SIGTERM (the staging folder was removed)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"review interrupted by {signal.Signals(signum).name}; nothing was published")


def notebooks_dir() -> Path:
    """The curated notebooks (``notebooks/`` in the repository, bundled with the package)."""
    from ..bundled import bundled_path

    return bundled_path("notebooks")


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The curated notebooks, in life-cycle order (``NN_name.ipynb``)."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file() and not p.is_symlink())


def resolve_notebooks(names) -> list[Path]:
    """Curated notebooks by short name: ``03``, ``03_schedule_risk`` or ``03_schedule_risk.ipynb``.

    Only the package's own notebooks can be named (a name is never a path),
    so neither the command line nor a decision file can make a review run
    other code.

    Raises
    ------
    RecordError
        naming the unknown name and listing the notebooks.
    """
    curated = list_notebooks()
    out = []
    for name in names:
        text = str(name)
        key = text[:-6] if text.endswith(".ipynb") else text
        hits = [p for p in curated if p.stem == key or p.stem.split("_", 1)[0] == key]
        if "/" in text or "\\" in text or len(hits) != 1:
            raise RecordError(f"unknown notebook {text!r}; the review's notebooks are "
                              f"{', '.join(p.stem for p in curated)} (a number like 03 is enough)")
        if hits[0] not in out:
            out.append(hits[0])
    return sorted(out)


def _parameters_cell(nb):
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise RecordError(f"a notebook needs exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def notebook_parameters(nb_or_path) -> dict:
    """Names and default values assigned in a notebook's ``parameters`` cell.

    Parsed with Python's ``ast`` (literal values only), so comments, ``=``
    signs in comments and multi-line literals are read correctly; a
    statement that is not ``name = <literal>`` is an error.
    """
    import nbformat

    nb = nbformat.read(str(nb_or_path), as_version=4) if isinstance(nb_or_path, (str, os.PathLike)) else nb_or_path
    src = _parameters_cell(nb).source
    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        raise RecordError(f"parameters cell does not parse: {exc}") from exc
    out = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise RecordError(f"parameters cell line {node.lineno}: only 'name = value' assignments are allowed")
        try:
            out[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError as exc:
            raise RecordError(f"parameters cell line {node.lineno}: {node.targets[0].id} must be a literal") from exc
    return out


def check_parameters(notebooks: list[Path], params: dict) -> dict[str, dict]:
    """The page parameters each notebook receives; refuse any parameter no page or the policy accepts.

    ``params`` are what the user gave besides the data and the seed: policy
    settings go to every page (inside ``policy``); the others go to the
    pages that declare them.

    Raises
    ------
    RecordError
        listing, for an unknown name, what the policy and each page accept.
    """
    from ..review.policy import ReviewPolicy

    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    policy_names = set(ReviewPolicy.__dataclass_fields__)
    page_only = {k for k in params if k not in policy_names}
    unknown = sorted(k for k in page_only if not any(k in d and k not in CONTRACT for d in declared.values()))
    if unknown:
        import difflib

        known = sorted(policy_names | {k for d in declared.values() for k in d if k not in CONTRACT})
        unknown = [u + (f" (did you mean {m[0]}?)" if (m := difflib.get_close_matches(u, known, n=1)) else "")
                   for u in unknown]
        accepts = "; ".join(f"{nb.stem}: {', '.join(sorted(set(d) - set(CONTRACT))) or 'nothing else'}"
                            for nb, d in declared.items())
        raise RecordError(f"unknown parameter(s) {', '.join(unknown)}: not a review policy setting "
                          f"({', '.join(sorted(policy_names))}) and not declared by any selected page ({accepts})")
    for nb, d in declared.items():
        missing = [k for k in CONTRACT if k not in d]
        if missing:
            raise RecordError(f"{nb.name}: its parameters cell must declare {', '.join(missing)}")
    return {nb: {k: v for k, v in params.items() if k in page_only and k in d} for nb, d in declared.items()}


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


# ---------------------------------------------------------------------- staging folders
def _lock_staging(staging: Path):
    fh = open(staging / ".lock", "w")
    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fh


def clean_stale_staging(out: Path, say=lambda msg: None) -> list[str]:
    """Remove ``.staging-*`` folders left by killed runs; a running review (it holds a lock) is left alone.

    Returns the names removed.
    """
    removed = []
    if not out.is_dir():
        return removed
    for d in sorted(out.glob(".staging-*")):
        if not d.is_dir() or d.is_symlink():
            continue
        lock = d / ".lock"
        try:
            with open(lock, "a") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fh, fcntl.LOCK_UN)
        except BlockingIOError:
            continue  # another review is writing it right now
        except OSError:
            pass
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d.name)
        say(f"removed {d.name}, left by an interrupted run")
    return removed


@contextlib.contextmanager
def _staging(out: Path, run_id: str):
    """A locked ``.staging-<run-id>`` folder, removed unless the block published it (renamed it away)."""
    staging = out / f".staging-{run_id}"
    staging.mkdir()
    lock = _lock_staging(staging)
    try:
        yield staging
    finally:
        lock.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


#: Set by the signal handler of :func:`_signals_raise` while a review runs.
_INTERRUPTED = threading.Event()


class _Signalled(KeyboardInterrupt):
    """Raised by the signal handler. Not an ``Exception``: the handler runs wherever the main thread is, and
    inside papermill's event loop that may be a background task (the kernel-alive poll) whose ``Exception``
    nobody awaits, so the review went on waiting for the cell. asyncio re-raises ``KeyboardInterrupt`` (and
    its subclasses) out of the loop from any task."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_raise():
    """SIGTERM (and SIGINT) stop the review in the main thread, so cleanup runs; they leave this block as
    :class:`ReviewInterrupted`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    pending: list[int] = []
    _INTERRUPTED.clear()

    def handler(signum, frame):
        if not pending:
            pending.append(signum)
            _INTERRUPTED.set()  # the kernel is then killed, not asked to shut down (see _Kernel.shutdown)
        raise _Signalled(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Signalled as sig:
        raise ReviewInterrupted(sig.signum) from None
    except BaseException:
        if pending:  # whatever ended the block after a signal: the review was interrupted
            raise ReviewInterrupted(pending[0]) from None
        raise
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _INTERRUPTED.clear()  # the kernel was shut down inside the block
    if pending:
        raise ReviewInterrupted(pending[0])


@contextlib.contextmanager
def _quiet_loggers():
    """papermill and nbclient log at INFO/ERROR on their own; a review prints only its progress."""
    names = ("papermill", "nbclient", "traitlets", "jupyter_client")
    saved = {n: (logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for n, (lvl, prop) in saved.items():
            logging.getLogger(n).setLevel(lvl)
            logging.getLogger(n).propagate = prop


class _Kernel:
    """One Python kernel executing every page of a review (IPC transport: no network port, no TCP warning)."""

    def __init__(self, name: str, cwd: Path, log: Path):
        from jupyter_client.manager import KernelManager

        import tempfile

        # IPC sockets need a short path (about 100 bytes): a private temporary folder, removed at shutdown
        self._sockets = tempfile.mkdtemp(prefix="pmo-kernel-")
        self.km = KernelManager(kernel_name=name, transport="ipc")
        self.km.connection_file = os.path.join(self._sockets, "kernel.json")
        self.km.ip = os.path.join(self._sockets, "ipc")
        self._log = open(log, "w")
        self.km.start_kernel(cwd=str(cwd), stdout=self._log, stderr=self._log)

    def run(self, code: str, timeout: int) -> tuple[str, dict | None]:
        """Execute ``code``; return (stdout text, error dict or None)."""
        kc = self.km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            out, err = [], {}

            def hook(msg):
                t, c = msg["msg_type"], msg["content"]
                if t == "stream":
                    out.append(c["text"])
                elif t == "error":
                    err.update(ename=c["ename"], evalue=c["evalue"])

            kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=False)
            return "".join(out), (err or None)
        finally:
            kc.stop_channels()

    def shutdown(self):
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        if _INTERRUPTED.is_set() and proc is not None:
            # after a signal, nbclient's poll for the interrupted cell's reply is still a task of the shared
            # event loop, and shutdown_kernel would run that loop again and wait in it for the cell: kill the
            # kernel process instead, without the loop
            with contextlib.suppress(Exception):  # its connection file and IPC sockets go with the folder below
                proc.kill()
                proc.wait(10)
        else:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            self._log.close()
        shutil.rmtree(self._sockets, ignore_errors=True)


_PREFLIGHT = """
import json as _json
from pmo_analytics.exceptions import DataValidationError as _DVE
from pmo_analytics.review import load_review as _load_review
try:
    _r = _load_review({data!r}, seed={seed!r}, client={scheduler!r}, **{policy!r})
    from pmo_analytics.tables.columns import id_names as _id_names
    from pmo_analytics.review.policy import policy_data_problems as _pdp
    print("PMO-PREFLIGHT " + _json.dumps({{"ok": True, "identity": _r.identity, "names": _id_names(_r.portfolio_),
          "policy": _pdp(_r.policy, _r.portfolio_),
          "tables": {{k: int(v) for k, v in _r.portfolio_.summary()["rows"].items()}}}}))
except _DVE as _e:
    print("PMO-PREFLIGHT " + _json.dumps({{"ok": False, "header": _e.header,
          "problems": [[p.table, p.source, p.row, p.column, p.message] for p in _e.problems]}}))
"""


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
        ``seed``, review policy settings (every page receives them) and page
        parameters (only pages declaring them receive them); anything else is refused.
    notebooks : list, optional
        Curated notebook names (``"03"``, ``"03_schedule_risk"``) or, from
        Python only, notebook paths; default every curated notebook, in order.
    progress : bool
        Print progress (and an estimate of the time left) to stderr.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) that runs the
        portfolio simulation and the frontier levels; the numbers are the same
        without it (seeded streams per project and block, never per worker).
    """

    data: str | os.PathLike | list | None = None
    out: str | os.PathLike = "reports"
    parameters: dict = field(default_factory=dict)
    notebooks: list | None = None
    progress: bool = True
    kernel_name: str = "python3"
    timeout: int = 1800
    decisions: str | os.PathLike | None = "decisions"
    scheduler: str | None = None

    # results
    run_id_: str | None = None
    path_: Path | None = None
    manifest_: dict | None = None
    numbers_: dict | None = None

    def _say(self, msg: str) -> None:
        if self.progress:
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

    def run(self) -> Review:
        started, t0 = utc_now(), time.perf_counter()
        sources = self._sources()
        notebooks = self._notebooks()
        page_params = check_parameters(notebooks, {k: v for k, v in self.parameters.items() if k != "seed"})
        policy = self._policy(sources[0])  # refuses unknown or bad settings before anything runs
        scheduler = self._scheduler(notebooks, policy)  # connected to and identified before page 00
        out = Path(self.out)
        out.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(out, self._say)
        run_id = new_run_id(policy.seed)
        with _staging(out, run_id) as staging, _signals_raise(), _quiet_loggers():
            data, identity, merged, policy = self._prepare_data(sources, staging, policy)
            kernel = _Kernel(self.kernel_name, notebooks[0].parent, staging / ".kernel.log")
            try:
                tables, names = self._preflight(kernel, data, policy, scheduler)
                numbers, entries, status, error = self._execute(kernel, notebooks, data, policy, page_params,
                                                                staging, identity, t0)
            finally:
                kernel.shutdown()
            final = out / (run_id if status == "complete" else f"{run_id}-FAILED")
            manifest = self._manifest(run_id, status, error, started, t0, final, data, identity, merged, sources,
                                      tables, policy, entries, numbers)
            manifest["scheduler"] = scheduler
            self._write(staging, manifest, numbers, names)
            publish_dir(staging, final)  # the staging lock travels with the rename: removed once published
        with contextlib.suppress(OSError):
            (final / ".lock").unlink()
        self.run_id_, self.path_, self.manifest_, self.numbers_ = run_id, final, manifest, numbers
        write_text_atomic(out / "index.html", render_reports_index(out, decision_rows(self.decisions, out),
                                                                    head=register_head(self.decisions)))
        self._say(f"record written to {final}")
        if status != "complete":
            raise RecordError(f"review failed ({error}); partial record kept at {final}")
        return self

    def _scheduler(self, notebooks: list[Path], policy) -> str | None:
        """The scheduler address the pages get: checked (connected to, identified) now, or None when unused."""
        if self.scheduler is None:
            return None
        import warnings

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
    def _write(staging: Path, manifest: dict, numbers: dict, names: dict) -> None:
        """numbers.json, results.xlsx/CSV, manifest.json and index.html of a finished run."""
        write_json_atomic(staging / "numbers.json", numbers)
        if export_results(numbers, staging / "results.xlsx", manifest, names=names):
            manifest["results"] = {"xlsx": "results.xlsx", "csv": "results_csv/"}
        write_json_atomic(staging / "manifest.json", manifest)
        write_text_atomic(staging / "index.html", render_index(manifest, numbers))
        with contextlib.suppress(OSError):
            (staging / ".kernel.log").unlink()

    # ------------------------------------------------------------------ steps
    def _preflight(self, kernel: _Kernel, data: Path, policy, scheduler: str | None = None) -> dict:
        """Read and validate the data once, in the kernel every page runs in, and check the policy's settings
        that name something in the data; return row counts per table and id names."""
        pol = policy.to_dict()
        seed = pol.pop("seed")
        text, err = kernel.run(_PREFLIGHT.format(data=str(data), seed=seed, policy=pol, scheduler=scheduler),
                               timeout=self.timeout)
        line = next((ln for ln in text.splitlines() if ln.startswith("PMO-PREFLIGHT ")), None)
        if err is not None or line is None:
            why = f"{err['ename']}: {err['evalue']}" if err else "no answer from the kernel"
            raise RecordError(f"could not read the data in the review kernel ({why})")
        res = json.loads(line[len("PMO-PREFLIGHT "):])
        if res.get("policy"):
            from ..review.policy import PolicyError

            raise PolicyError("; ".join(res["policy"]) + " (nothing ran)")
        if not res["ok"]:
            raise DataValidationError([Problem(*p) for p in res["problems"]], header=res["header"])
        return res["tables"], res["names"]

    def _execute(self, kernel, notebooks, data, policy, page_params, staging, identity, t0):
        import nbformat
        import papermill as pm

        pol = policy.to_dict()
        seed = pol.pop("seed")
        numbers, entries = {}, []
        status, error = "complete", None
        done_seconds = []
        for i, nb_path in enumerate(notebooks, 1):
            injected = {**{k: v for k, v in DEFAULT_PARAMETERS.items() if k in notebook_parameters(nb_path)},
                        "data_path": str(data), "seed": seed, "policy": pol, **page_params[nb_path]}
            left = ""
            if done_seconds:
                rest = (len(notebooks) - i + 1) * sum(done_seconds) / len(done_seconds)
                left = f", about {rest:.0f} s left"
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
            if status == "complete":
                self._check_identity(nb_path.stem, nums.get(IDENTITY), identity, policy)
            html_path = staging / f"{nb_path.stem}.html"
            write_text_atomic(html_path, export_html(nb, nb_path.stem))
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
        return f"Review(data={self.data or 'sample'!s}{where})"


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


def run_review(data=None, out="reports", parameters=None, notebooks=None, progress=True) -> Review:
    """Functional form of :class:`Review`: execute the notebooks and return the finished review."""
    return Review(data=data, out=out, parameters=dict(parameters or {}), notebooks=notebooks,
                  progress=progress).run()

