"""Shared fixtures: the hand-written minimal portfolio and the bad-input overlays."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal"
BAD = DATA / "bad"


def assemble_bad(case: str, dest: Path) -> Path:
    """Copy the minimal portfolio to ``dest`` and overlay the files of bad case ``case``.

    A case folder holds replacement CSVs, or a ``REMOVE`` file naming files to delete.
    """
    shutil.copytree(MINIMAL, dest)
    src = BAD / case
    for f in src.iterdir():
        if f.name == "REMOVE":
            for name in f.read_text().split():
                (dest / name).unlink()
        else:
            shutil.copy(f, dest / f.name)
    return dest


@pytest.fixture
def minimal_dir(tmp_path) -> Path:
    """A writable copy of the minimal valid portfolio."""
    return Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))
