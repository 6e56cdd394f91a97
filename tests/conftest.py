"""Shared fixtures: the hand-written minimal portfolio and the bad-input overlays."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal"
BAD = DATA / "bad"


def assemble_bad(case: str, dest: Path) -> Path:
    """The input of bad case ``case``, built under ``dest``; returns the path to read.

    A case folder holds replacement CSVs (and possibly a ``review.toml``) laid over a
    copy of the minimal portfolio, a ``REMOVE`` file naming files to delete, a
    ``SPECIAL`` file of things git cannot store (``link NAME TARGET``, ``fifo NAME``,
    ``dir NAME``), or one ``portfolio.xlsx``, which is then the input (copied to ``dest``).
    """
    src = BAD / case
    books = list(src.glob("*.xlsx"))
    if books:
        dest.mkdir(parents=True)
        return Path(shutil.copy(books[0], dest / books[0].name))
    shutil.copytree(MINIMAL, dest)
    for f in src.iterdir():
        if f.name == "REMOVE":
            for name in f.read_text().split():
                (dest / name).unlink()
        elif f.name == "SPECIAL":
            for line in f.read_text().splitlines():
                kind, name, *target = line.split()
                (dest / name).unlink(missing_ok=True)
                if kind == "link":
                    (dest / name).symlink_to(target[0])
                elif kind == "fifo":
                    os.mkfifo(dest / name)
                elif kind == "dir":
                    (dest / name).mkdir()
        else:
            shutil.copy(f, dest / f.name)
    return dest


@pytest.fixture
def minimal_dir(tmp_path) -> Path:
    """A writable copy of the minimal valid portfolio."""
    return Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))


@pytest.fixture(autouse=True, scope="session")
def _jupyter_data_dir(tmp_path_factory):
    """Reviews sign their notebooks (records.lab.sign): in tests, with a throw-away Jupyter secret and signature
    store, never the user's (``JUPYTER_DATA_DIR`` is what nbformat's notary reads)."""
    old = os.environ.get("JUPYTER_DATA_DIR")
    os.environ["JUPYTER_DATA_DIR"] = str(tmp_path_factory.mktemp("jupyter-data"))
    yield
    if old is None:
        os.environ.pop("JUPYTER_DATA_DIR", None)
    else:
        os.environ["JUPYTER_DATA_DIR"] = old
