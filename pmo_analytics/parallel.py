"""Where parallel work runs: local threads, or the workers of a Dask cluster, with identical numbers.

Every parallel computation of the package is a list of independent **tasks**
(a block of Monte Carlo iterations, a frontier level, an SAA replication).
Each task carries its own seeded random stream, derived from the task
(``numpy.random.SeedSequence(seed, spawn_key=(...))`` with keys such as the
block number or a project's id), never from the thread or worker that runs
it, and the results are combined in task order. So the numbers are identical
whether the tasks run in one thread, in several threads, or on a cluster.

Typical use::

    from pmo_analytics.parallel import executor_for
    with executor_for(client) as ex:          # None -> local threads
        results = ex.map(task, items, shared=model)   # task(model, item), in item order

``client`` may be ``None`` (local threads), a ``distributed.Client``, the
address of a running Dask scheduler (``"tcp://host:8786"``, the CLI's
``--scheduler``) or an :class:`Executor`. Dask is an optional dependency:
``pip install 'pmo_analytics[distributed]'``.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "get_executor", "executor_for", "default_threads",
           "hold_warnings", "warn", "reissue_warnings"]


def default_threads() -> int:
    """Threads used when none are given: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


class Executor:
    """Runs a task function over items and returns the results in item order.

    Subclasses implement :meth:`map`. An executor is a context manager; it
    releases what it created itself (a thread pool, a client it connected)
    on exit, never a client it was given.
    """

    name = "executor"

    @property
    def workers(self) -> int:
        """How many tasks can run at once."""
        return 1

    def map(self, fn: Callable, items: Iterable, *, shared=None) -> list:
        """``[fn(shared, item) for item in items]`` (``fn(item)`` when ``shared`` is None), in item order.

        ``shared`` is an object every task reads (a compiled model): sent to
        each worker once, not once per task.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release what this executor created."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.workers} worker(s))"


def _call(fn, shared, item):
    return fn(item) if shared is None else fn(shared, item)


class LocalExecutor(Executor):
    """Tasks in threads of this process (numpy releases the GIL in its array work).

    Parameters
    ----------
    threads : int, optional
        Threads to use (default :func:`default_threads`); 1 runs the tasks
        one after the other in the calling thread. A pool is created for each
        :meth:`map` call and shut down after it (no pool outlives its work).
    """

    name = "threads"

    def __init__(self, threads: int | None = None):
        threads = default_threads() if threads is None else int(threads)
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.threads = threads

    @property
    def workers(self) -> int:
        return self.threads

    def map(self, fn: Callable, items: Iterable, *, shared=None) -> list:
        items = list(items)
        if self.threads == 1 or len(items) <= 1:
            return [_call(fn, shared, it) for it in items]
        with ThreadPoolExecutor(max_workers=min(self.threads, len(items)), thread_name_prefix="pmo") as pool:
            return list(pool.map(lambda it: _call(fn, shared, it), items))


class DaskExecutor(Executor):
    """Tasks on the workers of a Dask cluster (``dask.distributed``).

    Parameters
    ----------
    client : distributed.Client or str
        A connected client, or the address of a scheduler
        (``"tcp://host:8786"``); a client created from an address is closed
        by :meth:`close`.

    Notes
    -----
    Task functions must be importable module-level functions and the
    workers must have the same version of pmo_analytics installed. The
    shared object is scattered to every worker once per :meth:`map` call.
    """

    name = "dask"

    def __init__(self, client):
        try:
            import distributed
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ImportError("running on a Dask cluster needs the 'distributed' extra: "
                              "pip install 'pmo_analytics[distributed]'") from exc
        self._owned = isinstance(client, str)
        if self._owned:
            client = distributed.Client(client, set_as_default=False)
        elif not (hasattr(client, "submit") and hasattr(client, "gather") and hasattr(client, "scatter")):
            raise TypeError(f"client must be a distributed.Client or a scheduler address, got {type(client).__name__}")
        self.client = client

    @property
    def workers(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a closed or unreachable client still has a repr
            return 1

    def map(self, fn: Callable, items: Iterable, *, shared=None) -> list:
        items = list(items)
        if not items:
            return []
        if shared is None:
            futures = self.client.map(fn, items, pure=False)
        else:
            [sh] = self.client.scatter([shared], broadcast=True, hash=False)
            futures = self.client.map(fn, [sh] * len(items), items, pure=False)
        try:
            return self.client.gather(futures)
        finally:
            for f in futures:
                f.release()

    def close(self) -> None:
        if self._owned:
            self.client.close()

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client.scheduler.address if self.client.scheduler else '?'}, " \
               f"{self.workers} thread(s))"


def get_executor(client=None, threads: int | None = None) -> Executor:
    """The executor for ``client``.

    Parameters
    ----------
    client : None, Executor, distributed.Client or str
        None: local threads; an :class:`Executor` is returned as is; a Dask
        client or scheduler address (``"tcp://host:8786"``): its cluster.
    threads : int, optional
        Local threads (only when ``client`` is None).

    Returns
    -------
    Executor
        Use it as a context manager so what it created is released.
    """
    if client is None:
        return LocalExecutor(threads)
    if isinstance(client, Executor):
        return client
    return DaskExecutor(client)


@contextmanager
def executor_for(client=None, threads: int | None = None):
    """Context manager around :func:`get_executor` that closes only an executor it created.

    An :class:`Executor` or client passed in stays open for the caller's
    next use; a client this call connected to from an address is closed.
    """
    ex = get_executor(client, threads)
    try:
        yield ex
    finally:
        if ex is not client:
            ex.close()


# ------------------------------------------------------------------------------------------- warnings
_held = threading.local()


@contextmanager
def hold_warnings():
    """Hold the warnings that this thread issues through :func:`warn` instead of showing them.

    Yields the list they are appended to, as ``(message, category)`` pairs.
    A task that runs in a worker thread (or on a Dask worker) returns them
    with its result, and the caller re-issues them with
    :func:`reissue_warnings` in its own thread, in task order, when it uses
    the result: a notebook then shows each warning in the cell that uses
    the result, whichever thread computed it and whenever. (Python's
    ``warnings.catch_warnings`` changes process-wide state and cannot do
    this from several threads at once.)
    """
    prev = getattr(_held, "items", None)
    _held.items = items = []
    try:
        yield items
    finally:
        _held.items = prev


def warn(message: str, category: type[Warning] = UserWarning, stacklevel: int = 1) -> None:
    """``warnings.warn``, or held when the calling thread is inside :func:`hold_warnings`."""
    items = getattr(_held, "items", None)
    if items is not None:
        items.append((str(message), category))
        return
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def reissue_warnings(held, stacklevel: int = 1) -> None:
    """Issue warnings held by :func:`hold_warnings` (in order) from the calling thread."""
    for message, category in held or ():
        warn(message, category, stacklevel=stacklevel + 1)
