"""Checks a review makes before anything runs: the Dask scheduler it was given, and whether a page uses it.

``pmo review --scheduler ADDRESS`` used to hand the address to page 02 as
is: an HTTP server at that address (the dashboard's port, a proxy) stalled
the page for minutes before a failed record, and a refused port cost 30 s
of retries. :func:`check_scheduler` connects once, with a short timeout, and
identifies the service before page 00:

1. a TCP connection (refused, unreachable, unresolvable: said at once);
2. the greeting: a Dask server (``distributed``'s TCP comm) sends a small
   framed msgpack handshake as soon as it accepts a connection; a service that
   sends nothing (an HTTP server waits for a request) or something else is
   not Dask. The greeting is read raw, at most 64 KiB, before any Dask code
   parses anything from the other side;
3. an ``identity`` request through ``distributed`` itself, which must answer
   ``type: Scheduler`` (a worker or nanny address is named as such).
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import time
from pathlib import Path

from ..exceptions import RecordError

__all__ = ["check_scheduler", "uses_scheduler", "SCHEDULER_TIMEOUT"]

#: Seconds allowed to connect to and identify a scheduler.
SCHEDULER_TIMEOUT = 5.0
#: Largest greeting read from the other side [bytes] (a Dask handshake is about 60 bytes).
_MAX_GREETING = 64 << 10


def _parse(address: str) -> tuple[str, int]:
    text = str(address).strip()
    scheme, _, rest = text.rpartition("://") if "://" in text else ("tcp", "", text)
    if scheme != "tcp":
        raise ValueError(f"--scheduler {address!r}: only tcp:// addresses are supported (e.g. tcp://host:8786)")
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d{1,5})|([^\s:/\[\]]+):(\d{1,5})", rest)
    if not m:
        raise ValueError(f"--scheduler {address!r} is not an address: write tcp://HOST:PORT (a Dask scheduler "
                         "listens on port 8786 unless told otherwise)")
    host, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"--scheduler {address!r}: port {port} is not a port number (1 .. 65535)")
    return host, int(port)


def _recv(sock: socket.socket, n: int, deadline: float) -> bytes:
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionResetError
        data += chunk
    return data


def _greeting(sock: socket.socket, address: str, timeout: float) -> dict:
    """The Dask handshake the server sends on accepting; RecordError when what comes is not one."""
    deadline = time.monotonic() + timeout
    not_dask = f"the service at {address} is not a Dask scheduler"
    try:
        head = _recv(sock, 8, deadline)
    except TimeoutError:
        raise RecordError(f"{not_dask}: it sent no greeting within {timeout:g} s (a Dask scheduler greets at once; "
                          "an HTTP server, such as the Dask dashboard on port 8787, waits for a request). The "
                          "scheduler's own address is usually tcp://HOST:8786") from None
    except (ConnectionResetError, OSError):
        raise RecordError(f"{not_dask}: it closed the connection without a greeting") from None
    (total,) = struct.unpack("<Q", head)
    if not 16 <= total <= _MAX_GREETING:
        raise RecordError(f"{not_dask}: it greets with bytes that are not Dask's ({head!r}…)")
    try:
        body = _recv(sock, total, deadline)
        (nframes,) = struct.unpack("<Q", body[:8])
        if not 1 <= nframes <= 16 or 8 + 8 * nframes > total:
            raise ValueError
        lengths = struct.unpack(f"<{nframes}Q", body[8:8 + 8 * nframes])
        if 8 + 8 * nframes + sum(lengths) != total:
            raise ValueError
        import msgpack

        info = msgpack.unpackb(body[8 + 8 * nframes:8 + 8 * nframes + lengths[0]], raw=False)
        if not (isinstance(info, dict) and "python" in info and "pickle-protocol" in info):
            raise ValueError
    except (TimeoutError, ConnectionResetError, OSError):
        raise RecordError(f"{not_dask}: its greeting was cut short") from None
    except Exception:  # noqa: BLE001 - struct/msgpack errors on foreign bytes: all mean "not Dask"
        raise RecordError(f"{not_dask}: it greets with bytes that are not Dask's") from None
    return info


async def _identity(address: str, timeout: float) -> dict:
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        comm.abort()


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> dict:
    """Connect to ``address`` and make sure a Dask scheduler answers there, within about ``2 * timeout`` seconds.

    Returns
    -------
    dict
        The scheduler's identity (``type``, ``id``, ``address``, ``workers``: how many are connected).

    Raises
    ------
    ValueError
        for an address that is not ``tcp://HOST:PORT``.
    RecordError
        naming the address and what answered (nothing, a refusal, a service that is not Dask, a Dask worker).
    ImportError
        without the ``distributed`` extra.
    """
    host, port = _parse(address)
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError("--scheduler needs the 'distributed' extra: pip install 'pmo_analytics[distributed]'") \
            from exc
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        raise RecordError(f"nothing listens at {address} (connection refused): start the scheduler "
                          "(dask scheduler) or correct --scheduler") from None
    except socket.gaierror:
        raise RecordError(f"--scheduler {address}: the host {host!r} is unknown") from None
    except TimeoutError:
        raise RecordError(f"no answer from {address} within {timeout:g} s (a host that is down, or a firewall)") \
            from None
    except OSError as exc:
        raise RecordError(f"cannot connect to {address}: {exc.strerror or exc}") from None
    with sock:
        _greeting(sock, address, timeout)
    url = f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"
    try:
        ident = asyncio.run(asyncio.wait_for(_identity(url, timeout), timeout + 1))
    except Exception as exc:  # noqa: BLE001 - timeouts, comm errors
        raise RecordError(f"the Dask server at {address} did not say what it is within {timeout:g} s "
                          f"({type(exc).__name__}: {exc})"[:400]) from None
    kind = ident.get("type") if isinstance(ident, dict) else None
    if kind != "Scheduler":
        raise RecordError(f"{address} is a Dask {kind or 'server'}, not the scheduler: give the scheduler's address "
                          "(usually port 8786)")
    return {"type": kind, "id": ident.get("id"), "address": ident.get("address"),
            "workers": ident.get("n_workers", len(ident.get("workers", {}) or {}))}


def uses_scheduler(notebook: str | Path) -> bool:
    """Whether a page computes with the Dask scheduler: it reads the review's portfolio simulation
    (``uncertainty_``), the only stage that takes the client."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return any(c.cell_type == "code" and "uncertainty_" in c.source for c in nb.cells)
