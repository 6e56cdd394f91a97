"""Decision records: papermill runs in one kernel, manifests, self-contained HTML, result export,
the hash-chained decision register and replay.

Reads top-down: ``manifest``/``publish`` (leaves) <- ``decisions`` (the register) <- ``review`` (the run)
<- ``replay`` (re-runs a recorded review or what-if).
"""

from .decisions import (Decision, RegisterProblem, list_decisions, load_decision, record_decision, register_scenario,
                        verify_register)
from .export import export_tables
from .html import export_html
from .manifest import new_run_id, package_versions, write_json_atomic, write_text_atomic
from .publish import publish, to_jsonable
from .replay import ReplayResult, decision_from_record, replay
from .review import Review, collect_numbers, list_notebooks, notebooks_dir, resolve_notebooks, run_review

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
    "Review",
    "run_review",
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
