"""The staging folder of a decision record: built under ``.staging-<run-id>``, locked, published or removed.

A record is whole or absent: it is written inside a locked staging folder
that is renamed into place when finished (:func:`~pmo_analytics.atomic.publish_dir`)
and removed otherwise; a staging folder left by a killed run (its lock is free)
is removed by the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from pathlib import Path

__all__ = ["staging_folder", "clean_stale_staging"]


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
def staging_folder(out: Path, run_id: str):
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
