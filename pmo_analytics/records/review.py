"""Deprecated module: the decision record's runner is :mod:`pmo_analytics.records.record`.

"Review" now means one thing, the portfolio review of :mod:`pmo_analytics.review`.
What this module held moved along its seams: :class:`~pmo_analytics.records.record.DecisionRecord`
(was ``Review``) and :func:`~pmo_analytics.records.record.write_record` (was ``run_review``),
the notebooks and their parameters (:mod:`.notebooks`), the kernel (:mod:`.kernel`), the staging
folder (:mod:`.staging`). The old names import from here, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings

from .kernel import ReviewInterrupted
from .notebooks import (CONTRACT, DEFAULT_PARAMETERS, check_parameters, collect_numbers, list_notebooks,
                        notebook_parameters, notebooks_dir, resolve_notebooks)
from .publish import IDENTITY
from .record import DecisionRecord, decision_rows, write_record
from .staging import clean_stale_staging

warnings.warn("pmo_analytics.records.review is deprecated: import from pmo_analytics.records "
              "(DecisionRecord, write_record, ...)", DeprecationWarning, stacklevel=2)

__all__ = ["Review", "run_review", "DecisionRecord", "write_record", "decision_rows", "notebooks_dir",
           "list_notebooks", "resolve_notebooks", "notebook_parameters", "collect_numbers", "check_parameters",
           "clean_stale_staging", "DEFAULT_PARAMETERS", "CONTRACT", "IDENTITY", "ReviewInterrupted"]

Review = DecisionRecord
run_review = write_record
