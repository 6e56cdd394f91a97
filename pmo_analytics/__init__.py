"""pmo_analytics: decision support for a lean Project Management Office.

The package reads as the PMO life-cycle: ``tables`` (data in), ``intake``,
``selection``, ``schedule``, ``risk``, ``monitor``, ``benefits``,
``governance``; then ``charts`` (Altair, imported only on demand),
``records`` (decision records and register) and ``workshop`` (live what-if). The core import is light: charts, solvers and notebook machinery
load only when their room is imported.
"""

from importlib.metadata import PackageNotFoundError, version

from .exceptions import (
    ConvergenceWarning,
    DataValidationError,
    DataWarning,
    InconsistentJudgementsError,
    InfeasiblePortfolioError,
    JavaUnavailableError,
    MissingTableError,
    NetworkCycleError,
    PMOError,
    PMOWarning,
    Problem,
    RecordError,
    SolverError,
    SolverWarning,
)
from .tables import Portfolio, load_sample, read_portfolio, validate_path, write_template

try:
    __version__ = version("pmo_analytics")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

__all__ = [
    "__version__",
    "Portfolio",
    "read_portfolio",
    "validate_path",
    "load_sample",
    "write_template",
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
]
