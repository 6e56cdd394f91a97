"""The one family of exceptions and warnings raised by pmo_analytics.

Every error a user can provoke with their data or parameters derives from
:class:`PMOError`, so a notebook or the CLI can catch the family in one place.
Statistical or data caveats that do not stop the analysis are warnings
(subclasses of :class:`PMOWarning`), in the style of lifelines'
``StatisticalWarning``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PMOError",
    "Problem",
    "DataValidationError",
    "MissingTableError",
    "NetworkCycleError",
    "InfeasiblePortfolioError",
    "SolverError",
    "RecordError",
    "PMOWarning",
    "DataWarning",
    "SolverWarning",
    "ConvergenceWarning",
    "InconsistentJudgementsError",
    "JavaUnavailableError",
    "InconsistentProgressError",
]


class PMOError(Exception):
    """Base class of every error raised by pmo_analytics."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    Attributes
    ----------
    table : str
        Logical table name (``projects``, ``activities`` ...).
    source : str
        File or ``workbook.xlsx[sheet]`` the table was read from.
    row : int or None
        1-based row number *as the user sees it* in the file or sheet
        (the header is row 1, so the first data row is row 2); ``None`` when
        the problem concerns the whole table.
    column : str or None
        Column concerned, ``None`` for table-level problems.
    message : str
        What was expected and what was found.
    """

    table: str
    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.source or self.table
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataValidationError(PMOError, ValueError):
    """Input data failed validation; ``problems`` lists every problem found.

    Validation is lazy: all problems of all tables are collected before this is
    raised, so the user can fix a file in one pass.
    """

    def __init__(self, problems: list[Problem], header: str = "invalid portfolio data"):
        self.problems = list(problems)
        self.header = header
        lines = [f"{header}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class MissingTableError(DataValidationError):
    """A required table (CSV file or workbook sheet) is absent."""


class NetworkCycleError(PMOError, ValueError):
    """A precedence graph (activities or project dependencies) contains a cycle.

    ``cycle`` holds the ids along the cycle, first id repeated at the end.
    """

    def __init__(self, cycle: list[str], what: str = "activity network"):
        self.cycle = list(cycle)
        super().__init__(f"cycle in the {what}: {' -> '.join(map(str, self.cycle))}")


class InfeasiblePortfolioError(PMOError):
    """The selection model has no feasible solution.

    ``conflicts`` names a (small) set of constraints that cannot hold together.
    """

    def __init__(self, message: str, conflicts: list[str] | None = None):
        self.conflicts = list(conflicts or [])
        if self.conflicts:
            message += "\nconflicting constraints:\n" + "\n".join(f"  - {c}" for c in self.conflicts)
        super().__init__(message)


class SolverError(PMOError, RuntimeError):
    """The solver failed or returned a status that cannot be used."""


class RecordError(PMOError):
    """A decision record could not be written or would overwrite an earlier one."""


class PMOWarning(UserWarning):
    """Base class of pmo_analytics warnings."""


class DataWarning(PMOWarning):
    """Data that is legal but suspicious (e.g. a cost profile that does not sum to the estimate)."""


class SolverWarning(PMOWarning):
    """A solve stopped before proving optimality (time limit): the result is feasible, not proven optimal."""


class ConvergenceWarning(PMOWarning):
    """A Monte Carlo statistic had not converged within the requested tolerance."""


class InconsistentJudgementsError(PMOError, ValueError):
    """AHP pairwise judgements are too inconsistent (Saaty's consistency ratio above the limit).

    ``consistency_ratio`` is the CR found, ``worst`` a DataFrame of the most
    inconsistent judgements (criterion_a, criterion_b, judgement, implied, ...).
    """

    def __init__(self, message: str, consistency_ratio: float, worst=None):
        self.consistency_ratio = float(consistency_ratio)
        self.worst = worst
        super().__init__(message)


class JavaUnavailableError(PMOError, RuntimeError):
    """Reading MS Project / Primavera files needs a Java runtime (>= 11) and the ``msproject`` extra.

    The message says what is missing and how to install it.
    """


class InconsistentProgressError(DataValidationError):
    """Progress that cannot be: an actual finish before the actual start or after the data date, percent
    complete without an actual start, remaining work beyond the plan of an activity not started.

    ``problems`` names each activity and rule.
    """

    def __init__(self, problems: list[Problem], header: str = "inconsistent progress"):
        super().__init__(problems, header=header)
