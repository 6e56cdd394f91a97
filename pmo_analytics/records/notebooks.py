"""The curated notebooks of a decision record and their parameters contract.

A review runs the package's own notebooks, named by number or stem (never a
path), in life-cycle order. Each declares its parameters in one cell tagged
``parameters``; the cell is parsed here with Python's ``ast`` (literal values
only), never by papermill's line parser, and every page must declare the
:data:`CONTRACT` names. :func:`collect_numbers` reads back what a page
published (:func:`~pmo_analytics.records.publish.publish`).
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from ..exceptions import RecordError
from .publish import MIME

__all__ = ["notebooks_dir", "list_notebooks", "resolve_notebooks", "notebook_parameters", "check_parameters",
           "collect_numbers", "DEFAULT_PARAMETERS", "CONTRACT"]

#: Page parameters the review always sets; ``interactive`` switches live widgets off in a static record.
DEFAULT_PARAMETERS = {"interactive": False}
#: Names every curated page declares in its parameters cell.
CONTRACT = ("data_path", "seed", "policy")


def notebooks_dir() -> Path:
    """The curated notebooks (``notebooks/`` in the repository, bundled with the package)."""
    from ..bundled import bundled_path

    return bundled_path("notebooks")


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The curated notebooks, in life-cycle order (``NN_name.ipynb``)."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file() and not p.is_symlink())


def resolve_notebooks(names) -> list[Path]:
    """Curated notebooks by short name: ``03``, ``03_schedule_risk`` or ``03_schedule_risk.ipynb``.

    Only the package's own notebooks can be named (a name is never a path),
    so neither the command line nor a decision file can make a review run
    other code.

    Raises
    ------
    RecordError
        naming the unknown name and listing the notebooks.
    """
    curated = list_notebooks()
    out = []
    for name in names:
        text = str(name)
        key = text[:-6] if text.endswith(".ipynb") else text
        hits = [p for p in curated if p.stem == key or p.stem.split("_", 1)[0] == key]
        if "/" in text or "\\" in text or len(hits) != 1:
            raise RecordError(f"unknown notebook {text!r}; the review's notebooks are "
                              f"{', '.join(p.stem for p in curated)} (a number like 03 is enough)")
        if hits[0] not in out:
            out.append(hits[0])
    return sorted(out)


def _parameters_cell(nb):
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise RecordError(f"a notebook needs exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def notebook_parameters(nb_or_path) -> dict:
    """Names and default values assigned in a notebook's ``parameters`` cell.

    Parsed with Python's ``ast`` (literal values only), so comments, ``=``
    signs in comments and multi-line literals are read correctly; a
    statement that is not ``name = <literal>`` is an error.
    """
    import nbformat

    nb = nbformat.read(str(nb_or_path), as_version=4) if isinstance(nb_or_path, (str, os.PathLike)) else nb_or_path
    src = _parameters_cell(nb).source
    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        raise RecordError(f"parameters cell does not parse: {exc}") from exc
    out = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise RecordError(f"parameters cell line {node.lineno}: only 'name = value' assignments are allowed")
        try:
            out[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError as exc:
            raise RecordError(f"parameters cell line {node.lineno}: {node.targets[0].id} must be a literal") from exc
    return out


def check_parameters(notebooks: list[Path], params: dict) -> dict[str, dict]:
    """The page parameters each notebook receives; refuse any parameter no page or the policy accepts.

    ``params`` are what the user gave besides the data and the seed: policy
    settings go to every page (inside ``policy``); the others go to the
    pages that declare them.

    Raises
    ------
    RecordError
        listing, for an unknown name, what the policy and each page accept.
    """
    from ..review.policy import ReviewPolicy

    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    policy_names = set(ReviewPolicy.__dataclass_fields__)
    page_only = {k for k in params if k not in policy_names}
    unknown = sorted(k for k in page_only if not any(k in d and k not in CONTRACT for d in declared.values()))
    if unknown:
        import difflib

        known = sorted(policy_names | {k for d in declared.values() for k in d if k not in CONTRACT})
        unknown = [u + (f" (did you mean {m[0]}?)" if (m := difflib.get_close_matches(u, known, n=1)) else "")
                   for u in unknown]
        accepts = "; ".join(f"{nb.stem}: {', '.join(sorted(set(d) - set(CONTRACT))) or 'nothing else'}"
                            for nb, d in declared.items())
        raise RecordError(f"unknown parameter(s) {', '.join(unknown)}: not a review policy setting "
                          f"({', '.join(sorted(policy_names))}) and not declared by any selected page ({accepts})")
    for nb, d in declared.items():
        missing = [k for k in CONTRACT if k not in d]
        if missing:
            raise RecordError(f"{nb.name}: its parameters cell must declare {', '.join(missing)}")
    return {nb: {k: v for k, v in params.items() if k in page_only and k in d} for nb, d in declared.items()}


def collect_numbers(nb) -> dict:
    """Every value a notebook published with :func:`~pmo_analytics.records.publish.publish`."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if MIME in data:
                payload = data[MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                out[payload["name"]] = payload["value"]
    return out
