"""Run ids and the manifest's facts (time, versions, git commit) for decision records.

Files are written by :mod:`pmo_analytics.atomic` (``write_json_atomic`` and
``write_text_atomic`` are re-exported here for the callers that import them from this module).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import secrets
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..atomic import publish_dir as _publish_dir
from ..atomic import write_json_atomic, write_text_atomic

__all__ = ["RUN_ID", "new_run_id", "package_versions", "git_commit", "write_json_atomic", "write_text_atomic",
           "publish_dir", "utc_now"]

#: Packages whose versions every manifest records.
TRACKED_PACKAGES = ("pmo_analytics", "numpy", "pandas", "scipy", "pandera", "pulp", "highspy", "altair",
                    "vl-convert-python", "openpyxl", "papermill", "nbconvert", "ipykernel")


#: A run id as :func:`new_run_id` makes it (a failed run's folder ends in ``-FAILED``).
RUN_ID = re.compile(r"^\d{8}T\d{6}Z(?:-s\d+)?-[0-9a-f]{6}(?:-FAILED)?$")


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_run_id(seed: int | None = None) -> str:
    """A fresh, sortable run id: ``YYYYmmddTHHMMSSZ-s<seed>-<6 hex>`` (safe as a folder name)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    seed_part = f"-s{int(seed)}" if seed is not None else ""
    return f"{stamp}{seed_part}-{secrets.token_hex(3)}"


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine the numbers, plus Python."""
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(path: str | os.PathLike) -> dict | None:
    """``{"commit": sha, "dirty": bool}`` of the git work tree holding ``path``, or None."""
    try:
        sha = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return {"commit": sha.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def publish_dir(staging: Path, final: Path) -> Path:
    """Move a finished staging folder to its final name; never replaces an existing record
    (:func:`pmo_analytics.atomic.publish_dir`)."""
    return _publish_dir(staging, final, what="record")
