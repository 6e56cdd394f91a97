"""Decision records: papermill runs in one kernel, manifests, self-contained HTML, result export,
the hash-chained decision register and replay.

Reads top-down: ``publish`` and ``manifest`` (leaves: published values, run ids) <- ``notebooks``
(the curated pages and their parameters), ``kernel`` (the one kernel and its preflight), ``staging``
<- ``sheets`` <- ``workbook`` (``results.xlsx``) <- ``export``/``html``/``pages`` (the files and pages of a
record) <- ``decisions`` (the register)
<- ``record`` (:class:`DecisionRecord`: ``pmo review``'s run) <- ``replay`` (re-runs a recorded review
or what-if). Files are written by :mod:`pmo_analytics.atomic`.

``Review`` and ``run_review`` are the old names of :class:`DecisionRecord` and :func:`write_record`
(deprecated: "review" names the portfolio review of :mod:`pmo_analytics.review`).
"""

import warnings as _warnings


from .decisions import (Decision, RegisterProblem, list_decisions, load_decision, record_decision, register_scenario,
                        verify_register)
from .export import export_tables
from .html import export_html
from .manifest import new_run_id, package_versions, write_json_atomic, write_text_atomic
from .notebooks import collect_numbers, list_notebooks, notebooks_dir, resolve_notebooks
from .publish import publish, to_jsonable
from .record import DecisionRecord, write_record
from .replay import ReplayResult, decision_from_record, replay

__all__ = [
    "Decision",
    "RegisterProblem",
    "ReplayResult",
    "record_decision",
    "decision_from_record",
    "list_decisions",
    "load_decision",
    "verify_register",
    "replay",
    "register_scenario",
    "export_tables",
    "DecisionRecord",
    "write_record",
    "list_notebooks",
    "notebooks_dir",
    "resolve_notebooks",
    "collect_numbers",
    "export_html",
    "publish",
    "to_jsonable",
    "new_run_id",
    "package_versions",
    "write_json_atomic",
    "write_text_atomic",
]

#: Old public names: new name (a DeprecationWarning says so on use).
_RENAMED = {"Review": "DecisionRecord", "run_review": "write_record"}


def __getattr__(name):
    if name in _RENAMED:
        _warnings.warn(f"pmo_analytics.records.{name} is deprecated: use {_RENAMED[name]}", DeprecationWarning,
                       stacklevel=2)
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
