"""Executors (pmo_analytics.parallel): results in task order, shared objects, Dask clusters, ownership."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pmo_analytics.parallel import DaskExecutor, Executor, LocalExecutor, executor_for, get_executor


def square(x):
    return x * x


def scaled(shared, x):
    return shared["k"] * x


def seeded_block(seed, b):
    """A task with its own stream: numbers depend on (seed, b) only."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,))).random(3)


def test_local_executor_keeps_task_order_and_passes_shared():
    seen = set()

    def slow_first(x):
        seen.add(threading.current_thread().name)
        return x

    ex = LocalExecutor(3)
    assert ex.map(square, range(10)) == [x * x for x in range(10)]
    assert ex.map(scaled, [1, 2, 3], shared={"k": 10}) == [10, 20, 30]
    assert ex.map(slow_first, range(50)) == list(range(50))
    assert LocalExecutor(1).map(scaled, [4], shared={"k": 2}) == [8]
    assert ex.workers == 3 and "3 worker" in repr(ex)
    with pytest.raises(ValueError, match="threads must be >= 1"):
        LocalExecutor(0)


def test_get_executor_and_ownership():
    assert isinstance(get_executor(None, 2), LocalExecutor)
    mine = LocalExecutor(2)
    assert get_executor(mine) is mine
    with pytest.raises(TypeError, match="distributed.Client"):
        get_executor(object())

    class Counting(Executor):
        closed = 0

        def map(self, fn, items, *, shared=None):
            return [fn(i) for i in items]

        def close(self):
            Counting.closed += 1

    given = Counting()
    with executor_for(given) as ex:
        assert ex is given
    assert Counting.closed == 0          # an executor passed in stays open for the caller


def test_dask_executor_same_numbers_as_threads():
    distributed = pytest.importorskip("distributed")
    local = LocalExecutor(2).map(seeded_block, range(6), shared=123)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as lc:
        with distributed.Client(lc) as client:
            ex = DaskExecutor(client)
            assert ex.workers == 2 and "DaskExecutor" in repr(ex)
            on_cluster = ex.map(seeded_block, range(6), shared=123)
            assert ex.map(square, [3, 4]) == [9, 16]
            assert ex.map(square, []) == []
            with executor_for(client) as ex2:
                assert ex2.map(square, [5]) == [25]
            assert client.status == "running"   # a client passed in is not closed
        # a scheduler address: the executor connects, and closes what it connected
        with executor_for(lc.scheduler_address) as ex3:
            assert ex3.map(scaled, [1, 2], shared={"k": 3}) == [3, 6]
            owned = ex3.client
        assert owned.status in ("closed", "closing")
    for a, b in zip(local, on_cluster):
        assert np.array_equal(a, b)


def test_warnings_held_in_a_thread_are_reissued_where_the_result_is_used():
    import warnings

    from pmo_analytics.parallel import hold_warnings, reissue_warnings, warn

    def task(i):
        with hold_warnings() as held:
            warn(f"task {i}", RuntimeWarning)
            with hold_warnings() as inner:     # nested: the inner block keeps its own
                warn("inner", RuntimeWarning)
            return i, held, inner

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with LocalExecutor(2) as ex:
            res = ex.map(task, [3, 1, 2])
        assert seen == []                      # nothing shown by the worker threads
        for _i, held, _inner in res:
            reissue_warnings(held)
        warn("direct", UserWarning)            # outside any hold: an ordinary warning
    assert [str(w.message) for w in seen] == ["task 3", "task 1", "task 2", "direct"]
    assert all(inner == [("inner", RuntimeWarning)] for *_, inner in res)
    assert seen[0].filename == __file__         # located at the caller that reissues
