"""Checks before anything runs: the Dask scheduler address (pmo_analytics.records.preflight), issue 32 point 4.

An HTTP server at the --scheduler address stalled page 02 for about 4 minutes and then published a FAILED
record; a refused port cost 30 s; an address no selected page uses was accepted silently."""

from __future__ import annotations

import http.server
import socket
import threading
import time
import warnings

import pytest

from pmo_analytics.cli import main
from pmo_analytics.exceptions import PMOWarning, RecordError
from pmo_analytics.records import DecisionRecord, list_notebooks
from pmo_analytics.records.preflight import check_scheduler, uses_scheduler
from pmo_analytics.review import ReviewPolicy


@pytest.fixture
def http_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    srv.RequestHandlerClass.log_message = lambda *a, **k: None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"tcp://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def greeter():
    """A TCP service that greets every connection with ``greeting`` bytes (a hostile or foreign service)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    state = {"greeting": b""}

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.sendall(state["greeting"])
                time.sleep(0.5)

    threading.Thread(target=serve, daemon=True).start()
    yield state, f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


def _fails_fast(address, match, timeout=1.0, limit=4.0):
    t = time.perf_counter()
    with pytest.raises(RecordError, match=match):
        check_scheduler(address, timeout=timeout)
    assert time.perf_counter() - t < limit


def test_an_http_server_is_named_at_once(http_server):
    pytest.importorskip("distributed")
    _fails_fast(http_server, r"is not a Dask scheduler: it sent no greeting within 1 s \(.*dashboard on port 8787")


def test_a_refused_port_fails_at_once():
    pytest.importorskip("distributed")
    _fails_fast(f"tcp://127.0.0.1:{_free_port()}", r"nothing listens at .* \(connection refused\)", limit=1.0)


@pytest.mark.parametrize("greeting", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\xff" * 8 + b"x" * 100,
                                      b"\x20\x00\x00\x00\x00\x00\x00\x00" + b"\x00" * 32])
def test_a_service_that_greets_with_foreign_bytes_is_not_parsed_as_dask(greeter, greeting):
    pytest.importorskip("distributed")
    state, address = greeter
    state["greeting"] = greeting  # the first ones claim 10^19 bytes: never allocated
    _fails_fast(address, r"not a Dask scheduler: it greets with bytes that are not Dask's")


@pytest.mark.parametrize("address, match", [
    ("tls://host:8786", "only tcp:// addresses"), ("scheduler", "is not an address"),
    ("tcp://host:99999", "not a port number"), ("tcp://host:", "is not an address")])
def test_addresses_that_are_not_tcp_host_port_are_refused(address, match):
    with pytest.raises(ValueError, match=match):
        check_scheduler(address)


def test_a_dask_scheduler_is_identified_and_a_worker_is_named_as_one():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  protocol="tcp") as lc:
        ident = check_scheduler(lc.scheduler_address)
        assert ident["type"] == "Scheduler" and ident["workers"] == 1
        worker = next(iter(lc.scheduler.workers))
        with pytest.raises(RecordError, match="is a Dask Worker, not the scheduler"):
            check_scheduler(worker)


def test_the_pages_that_use_the_scheduler_are_found_in_the_notebooks():
    assert [nb.stem[:2] for nb in list_notebooks() if uses_scheduler(nb)] == ["00", "02"]


def test_an_address_no_selected_page_uses_is_reported_and_not_connected_to():
    nbs = [nb for nb in list_notebooks() if nb.stem.startswith("03")]
    review = DecisionRecord(scheduler=f"tcp://127.0.0.1:{_free_port()}", progress=False)
    with pytest.warns(PMOWarning, match=r"is not used: none of the selected pages \(03_schedule_risk\) runs on one"):
        assert review._scheduler(nbs, ReviewPolicy()) is None
    nbs = [nb for nb in list_notebooks() if nb.stem.startswith("02")]
    with pytest.warns(PMOWarning, match=r"uncertainty = false"):
        assert review._scheduler(nbs, ReviewPolicy(uncertainty=False)) is None


def test_a_scheduler_without_workers_is_refused():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0", protocol="tcp") as lc:
        nbs = [nb for nb in list_notebooks() if nb.stem.startswith("02")]
        with pytest.raises(RecordError, match="has no workers"):
            DecisionRecord(scheduler=lc.scheduler_address, progress=False)._scheduler(nbs, ReviewPolicy())


@pytest.mark.slow  # over 5 s: runs in make test, not make unit
def test_pmo_review_refuses_an_http_scheduler_before_anything_runs(http_server, tmp_path, capsys):
    pytest.importorskip("distributed")
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PMOWarning)
        rc = main(["review", "--notebook", "02", "--scheduler", http_server, "--out", str(tmp_path / "reports")])
    assert rc == 1 and time.perf_counter() - t < 30
    err = capsys.readouterr().err
    assert f"error: the service at {http_server} is not a Dask scheduler: it sent no greeting within 5 s" in err
    assert not (tmp_path / "reports").exists()  # nothing ran, nothing was written
