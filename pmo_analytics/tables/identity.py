"""Data identity: which files a portfolio was read from, and one fingerprint for all of them.

A decision record promises that every page was computed from the data its
manifest names. The promise is checked with a *fingerprint*: the SHA-256 of
the sorted list of ``name<TAB>sha256`` lines of every file that determines the
portfolio —

* the table files (``<table>.csv`` in a folder, or the ``.xlsx`` workbook);
* ``review.toml`` beside the data (it sets how dates are read and the review policy);
* ``import/sources.json`` of a folder written by ``pmo import`` (the SHA-256 of
  the original MS Project / Primavera files and workbooks it was merged from);
* the governance rules (``rules/*.csv`` in the data folder, else the bundled rules).

Each page of a review publishes the fingerprint of the data it actually read;
the record is refused when a page read other data than the manifest names.
The fingerprint is computed where data enter (:func:`read_portfolio` sets
``Portfolio.fingerprint``), and :func:`fingerprint_path` computes the same
value from the files alone, without parsing them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .readers import sha256_file
from .spec import TABLES

__all__ = ["data_files", "fingerprint", "fingerprint_path", "rules_folder"]

#: Extra files of a data folder that determine the portfolio, besides the tables.
SETTINGS_FILE = "review.toml"
IMPORT_PROVENANCE = "import/sources.json"


def rules_folder(path: str | os.PathLike) -> Path:
    """The governance rules that go with the data at ``path``: its ``rules/`` folder, else the bundled rules."""
    p = Path(path)
    if p.is_dir() and (p / "rules").is_dir() and not (p / "rules").is_symlink():
        return p / "rules"
    from ..bundled import bundled_path

    return bundled_path("rules")


def data_files(path: str | os.PathLike) -> dict[str, Path]:
    """Every file that determines the portfolio at ``path``, by the name the manifest gives it.

    Names are relative to the data folder (``projects.csv``,
    ``import/sources.json``, ``rules/gate_checklist.csv``) or the workbook's
    own name; the bundled rules are named ``rules/<table>.csv`` too.
    """
    from .rules import RULE_TABLES

    p = Path(path)
    out: dict[str, Path] = {}
    if p.is_dir():
        for name in TABLES:
            f = p / f"{name}.csv"
            if f.is_file():
                out[f.name] = f
        for extra in (SETTINGS_FILE, IMPORT_PROVENANCE):
            f = p / extra
            if f.is_file() and not f.is_symlink():
                out[extra] = f
    else:
        out[p.name] = p
        f = p.parent / SETTINGS_FILE
        if f.is_file() and not f.is_symlink():
            out[SETTINGS_FILE] = f
    rules = rules_folder(p)
    for name in RULE_TABLES:
        f = rules / f"{name}.csv"
        if f.is_file():
            out[f"rules/{f.name}"] = f
    return out


def fingerprint(hashes: dict[str, str]) -> str:
    """SHA-256 of the sorted ``name<TAB>sha256`` lines of ``hashes`` (file name -> SHA-256)."""
    lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(hashes.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def fingerprint_path(path: str | os.PathLike, known: dict[str, str] | None = None) -> dict:
    """The identity of the data at ``path`` from its files alone (nothing is parsed).

    Parameters
    ----------
    path : path
        Data folder or workbook.
    known : dict, optional
        SHA-256 already computed while reading (file name -> digest); those
        files are not hashed again, so the fingerprint is of the bytes read.

    Returns
    -------
    dict
        ``path`` (resolved), ``files`` (name -> SHA-256) and ``fingerprint``.
    """
    known = known or {}
    files = {name: known.get(name) or sha256_file(f) for name, f in data_files(path).items()}
    return {"path": str(Path(path).resolve()), "files": files, "fingerprint": fingerprint(files)}
