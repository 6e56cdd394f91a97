"""Decision records: papermill runs, manifests, self-contained HTML, result export, the decision register."""

from .decisions import (Decision, ReplayResult, decision_from_record, list_decisions, load_decision,
                        record_decision, register_scenario, replay)
from .export import export_tables
from .manifest import new_run_id, package_versions, write_json_atomic, write_text_atomic
from .publish import publish, to_jsonable
from .html import export_html
from .review import Review, collect_numbers, list_notebooks, notebooks_dir, run_review

__all__ = [
    "Decision",
    "ReplayResult",
    "record_decision",
    "decision_from_record",
    "list_decisions",
    "load_decision",
    "replay",
    "register_scenario",
    "export_tables",
    "Review",
    "run_review",
    "list_notebooks",
    "notebooks_dir",
    "collect_numbers",
    "export_html",
    "publish",
    "to_jsonable",
    "new_run_id",
    "package_versions",
    "write_json_atomic",
    "write_text_atomic",
]
