"""The :class:`Portfolio` container and :func:`read_portfolio`, the one entry point for data."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exceptions import DataValidationError, Problem
from .checks import cross_table_problems, links_frame, row_problems, schema_problems
from .readers import read_raw_tables
from .spec import TABLES

__all__ = ["Portfolio", "read_portfolio", "validate_path", "sample_path", "load_sample"]


@dataclass
class Portfolio:
    """Validated portfolio tables, read from one folder or workbook.

    Attributes
    ----------
    tables : dict of str to DataFrame
        Every table present, typed and validated (see ``pmo_analytics.tables.TABLES``).
    source : Path
        The folder or workbook read.
    sources : dict
        Table name to the file or ``workbook[sheet]`` it came from.
    hashes : dict
        File name to SHA-256 of each file that determines the portfolio (see
        :mod:`pmo_analytics.tables.identity`): tables, ``review.toml``, import
        provenance and governance rules.
    rules : Rules or None
        The governance rules read with the data (the data folder's ``rules/``,
        else the bundled rules).
    """

    tables: dict[str, pd.DataFrame]
    source: Path
    sources: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    rules: object = None

    @property
    def fingerprint(self) -> str:
        """SHA-256 identifying the data read (:func:`pmo_analytics.tables.identity.fingerprint` of ``hashes``)."""
        from .identity import fingerprint

        return fingerprint(self.hashes)

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        # projects, criteria, scores, ... as attributes; None when an optional table is absent
        if name in TABLES:
            return self.__dict__["tables"].get(name)
        raise AttributeError(name)

    def has(self, name: str) -> bool:
        """True when the table is present and has at least one row."""
        df = self.tables.get(name)
        return df is not None and len(df) > 0

    @property
    def links(self) -> pd.DataFrame:
        """Activity precedence links, parsed from ``activities.predecessors``."""
        if not self.has("activities"):
            return links_frame(pd.DataFrame(columns=["project_id", "activity_id", "predecessors"]))
        return links_frame(self.tables["activities"])

    @property
    def periods(self) -> list[int]:
        """Portfolio planning periods 1..H (from ``budget``)."""
        return sorted(int(p) for p in self.tables["budget"]["period"])

    def projects_in(self, stage: str) -> pd.DataFrame:
        """Projects at one life-cycle stage (``proposal``, ``active`` or ``closed``)."""
        return self.projects[self.projects["stage"] == stage]

    def summary(self) -> pd.DataFrame:
        """Rows and source of each table present, in data-model order."""
        rows = [(name, len(self.tables[name]), self.sources.get(name, ""), TABLES[name].required)
                for name in TABLES if name in self.tables]
        return pd.DataFrame(rows, columns=["table", "rows", "source", "required"]).set_index("table")

    def __repr__(self) -> str:
        stages = self.projects["stage"].value_counts().to_dict()
        st = ", ".join(f"{v} {k}" for k, v in sorted(stages.items()))
        return (f"Portfolio({self.source.name!r}: {len(self.projects)} projects ({st}), "
                f"{len(self.tables)} tables)")


def _validate(path, date_format=None) -> tuple[dict, dict, dict, list[Problem]]:
    frames, sources, hashes, problems = read_raw_tables(path, date_format=date_format)
    for name, df in frames.items():
        problems += schema_problems(name, df, sources[name])
        problems += row_problems(name, df, sources[name])
    try:
        problems += cross_table_problems(frames, sources)
    except Exception:  # noqa: BLE001 - a safety net, not a control path
        # cross-table checks assume each table passed its own checks; when they did not, say so
        # instead of surfacing an internal traceback. With clean tables, a failure here is a bug.
        if not problems:
            raise
        problems.append(Problem("portfolio", str(Path(path).name), None, None,
                                "cross-table checks skipped until the problems above are fixed"))
    for df in frames.values():
        df.attrs.pop("reported", None)
    return frames, sources, hashes, problems


def validate_path(path: str | os.PathLike, date_format: str | None = None) -> list[Problem]:
    """Every problem found in the portfolio at ``path`` (empty list = valid). Never raises for bad data.

    ``date_format`` as in :func:`read_portfolio`; an invalid one raises ``ValueError``.
    """
    try:
        return _validate(path, date_format)[3]
    except DataValidationError as exc:
        return exc.problems


def read_portfolio(path: str | os.PathLike | None = None, date_format: str | None = None) -> Portfolio:
    """Read and validate a portfolio.

    Parameters
    ----------
    path : str or Path, optional
        A folder of ``<table>.csv`` files or one ``.xlsx`` workbook with a
        sheet per table. ``None`` reads the bundled sample portfolio.
    date_format : str, optional
        How dates written as text are read, e.g. ``"DD/MM/YYYY"``. Default:
        ``date_format`` under ``[data]`` in a ``review.toml`` beside the data
        (see :func:`~pmo_analytics.tables.settings.read_settings`), else ISO
        8601 (``YYYY-MM-DD``); other text dates are refused, never guessed.

    Returns
    -------
    Portfolio

    Raises
    ------
    DataValidationError
        listing every problem found (file or sheet, row, column, what was
        expected); the input files are only read, never modified.
    ValueError
        for an invalid ``date_format``.
    """
    from .identity import fingerprint_path, rules_folder
    from .rules import read_rules

    path = Path(path) if path is not None else sample_path()
    frames, sources, hashes, problems = _validate(path, date_format)
    if problems:
        raise DataValidationError(problems, header=f"invalid portfolio data in {path.name}")
    for name, df in frames.items():
        frames[name] = df.reset_index(drop=True)
    rules = read_rules(rules_folder(path))
    known = {**hashes, **{f"rules/{k}": v for k, v in rules.hashes.items()}}
    identity = fingerprint_path(path, known=known)
    return Portfolio(frames, path, sources, identity["files"], rules)


def sample_path() -> Path:
    """Folder of the bundled sample portfolio (``data/sample`` in the repository, bundled with the package)."""
    from ..bundled import bundled_path

    return bundled_path("sample")


def load_sample() -> Portfolio:
    """The bundled sample portfolio, validated."""
    return read_portfolio(sample_path())
