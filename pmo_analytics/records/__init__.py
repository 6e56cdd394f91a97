"""Decision records: papermill runs, manifests, self-contained HTML."""

from .manifest import new_run_id, package_versions, write_json_atomic, write_text_atomic
from .publish import publish, to_jsonable
from .review import Review, collect_numbers, export_html, list_notebooks, notebooks_dir, run_review

__all__ = [
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
