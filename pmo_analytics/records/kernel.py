"""The one Python kernel that executes every page of a decision record, and what runs in it first.

* :class:`Kernel` — a Jupyter kernel on IPC sockets (no network port), shared by
  every page, so the review the pages read (:func:`pmo_analytics.review.load_review`,
  cached by data fingerprint and policy) is computed once;
* :func:`preflight` — the first code the kernel runs: read and validate the data,
  fit the review, and report what the record needs (identity, id names, row
  counts, policy settings that name something the data lacks) as plain JSON;
  :meth:`Kernel.preflight` runs it and turns its report into the errors a user sees;
* :func:`signals_raise` — Ctrl-C and SIGTERM stop a review in the main thread
  (:class:`ReviewInterrupted`), so the kernel is shut down and the staging folder removed;
* :func:`quiet_loggers` — papermill and nbclient print nothing of their own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from ..exceptions import DataValidationError, Problem, RecordError

__all__ = ["Kernel", "preflight", "read_preflight", "signals_raise", "quiet_loggers", "ReviewInterrupted",
           "PREFLIGHT_TAG"]

#: The line prefix under which the kernel prints its preflight report.
PREFLIGHT_TAG = "PMO-PREFLIGHT "


class ReviewInterrupted(RecordError):
    """The review was stopped by Ctrl-C or SIGTERM (the staging folder was removed)."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"review interrupted by {signal.Signals(signum).name}; nothing was published")


#: Set by the signal handler of :func:`signals_raise` while a review runs.
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
def signals_raise():
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
            _INTERRUPTED.set()  # the kernel is then killed, not asked to shut down (see Kernel.shutdown)
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
def quiet_loggers():
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


class Kernel:
    """One Python kernel executing every page of a review (IPC transport: no network port, no TCP warning)."""

    def __init__(self, name: str, cwd: Path, log: Path):
        from jupyter_client.manager import KernelManager

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

    def preflight(self, data: Path, policy, scheduler: str | None = None, timeout: int = 1800) -> tuple[dict, dict]:
        """Run :func:`preflight` in the kernel; return (row counts per table, id names) or raise what it found.

        Raises
        ------
        DataValidationError
            with every problem of the data (nothing ran).
        PolicyError
            for policy settings that name what the data lacks.
        RecordError
            when the kernel failed or gave no answer.
        """
        pol = policy.to_dict()
        seed = pol.pop("seed")
        code = ("from pmo_analytics.records.kernel import PREFLIGHT_TAG as _T, preflight as _p\n"
                "import json as _j\n"
                f"print(_T + _j.dumps(_p({str(data)!r}, seed={seed!r}, client={scheduler!r}, policy={pol!r})))\n")
        text, err = self.run(code, timeout=timeout)
        return read_preflight(text, err)


def preflight(data, seed: int, client: str | None = None, policy: dict | None = None) -> dict:
    """Read the data and fit the review once, in the kernel the pages run in; report it as plain JSON values.

    Parameters
    ----------
    data : path
        The data folder or workbook the pages will read.
    seed : int
        The review's seed.
    client : str, optional
        Dask scheduler address the review's simulation runs on.
    policy : dict, optional
        The review policy's other settings.

    Returns
    -------
    dict
        ``{"ok": True, "identity", "names", "policy", "tables"}`` — the review's
        identity (data fingerprint and policy digest), the display names of the
        ids, the policy settings that name something the data lacks, and the
        rows per table — or ``{"ok": False, "header", "problems"}`` when the
        data is invalid (each problem as ``[table, source, row, column, message]``).
    """
    from ..review import load_review
    from ..review.policy import policy_data_problems
    from ..tables.columns import id_names

    try:
        review = load_review(data, seed=seed, client=client, **(policy or {}))
    except DataValidationError as exc:
        return {"ok": False, "header": exc.header,
                "problems": [[p.table, p.source, p.row, p.column, p.message] for p in exc.problems]}
    pf = review.portfolio_
    return {"ok": True, "identity": review.identity, "names": id_names(pf),
            "policy": policy_data_problems(review.policy, pf),
            "tables": {k: int(v) for k, v in pf.summary()["rows"].items()}}


def read_preflight(text: str, err: dict | None) -> tuple[dict, dict]:
    """The row counts and id names of a :func:`preflight` report printed in ``text``; raise what it found.

    ``err`` is the kernel's error (``ename``, ``evalue``) or None.
    """
    line = next((ln for ln in text.splitlines() if ln.startswith(PREFLIGHT_TAG)), None)
    if err is not None or line is None:
        why = f"{err['ename']}: {err['evalue']}" if err else "no answer from the kernel"
        raise RecordError(f"could not read the data in the review kernel ({why})")
    res = json.loads(line[len(PREFLIGHT_TAG):])
    if not res["ok"]:
        raise DataValidationError([Problem(*p) for p in res["problems"]], header=res["header"])
    if res.get("policy"):
        from ..review.policy import PolicyError

        raise PolicyError("; ".join(res["policy"]) + " (nothing ran)")
    return res["tables"], res["names"]
