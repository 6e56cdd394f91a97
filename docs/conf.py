"""Sphinx configuration of the pmo_analytics documentation (``make docs``).

Built offline with warnings as errors: no intersphinx inventories, no
notebook execution, no script or font from a CDN in the pages. The API
reference is generated from every room's ``__all__`` (so a public name
without a documented page cannot exist), the notebooks are rendered as
worked examples from the repository's ``notebooks/`` without running them,
and the performance tables are ``benchmarks/README.md``.
"""

from __future__ import annotations

import importlib
import shutil
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

project = "pmo_analytics"
author = "pmo_analytics contributors"
copyright = "2026, pmo_analytics contributors"
try:
    from importlib.metadata import version as _version

    release = _version("pmo_analytics")
except Exception:  # pragma: no cover - a bare checkout
    release = "0.0.0"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]

# --- sources
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "README.md"]
root_doc = "index"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- the notebooks: rendered as stored (code and text), never executed while building
nb_execution_mode = "off"
nb_merge_streams = True

# --- API reference from the docstrings (numpydoc sections), generated from each room's __all__
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_mock_imports = ["jpype", "mpxj"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
# numpydoc reports a section it cannot read ("Attributes (after fit)") as a Python warning, which Sphinx's -W
# does not see: make it an error, so a docstring that renders wrongly fails the build
warnings.filterwarnings("error", message="Unknown section", category=UserWarning)
templates_path = ["_templates"]

# --- output: self-contained, offline
html_theme = "pydata_sphinx_theme"
html_title = "pmo_analytics"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2, "use_edit_page_button": False,
                      "secondary_sidebar_items": ["page-toc"], "footer_start": ["copyright"],
                      "footer_end": []}
html_show_sourcelink = False
html_copy_source = False
# myst-nb loads sphinx.ext.mathjax; no page has a formula (formulas are written as ``literals``) and MathJax is
# never fetched from a CDN: a page that had one would name this missing file, and tests/test_docs.py fails on it
mathjax_path = "mathjax-not-bundled.js"
suppress_warnings = ["myst.header"]  # the notebooks' first heading is "# 03 — ...", then "## 1." (by design)

#: The rooms of the API reference, in life-cycle order, and one line on each.
ROOMS = [
    ("pmo_analytics.tables", "data in: schemas, readers, checks, the Portfolio container, the glossary"),
    ("pmo_analytics.intake", "weighted scoring, AHP, reference-class uplifts"),
    ("pmo_analytics.selection", "the portfolio MILP, frontier, scenarios, explanations, selection under uncertainty"),
    ("pmo_analytics.schedule", "activity network, CPM, calendars, DCMA health check, crashing"),
    ("pmo_analytics.risk", "distributions, correlation, risk drivers, the Monte Carlo engines, recovery"),
    ("pmo_analytics.monitor", "earned value and earned schedule, forecasts, flow, RAG"),
    ("pmo_analytics.benefits", "benefits realisation, support cost, lessons"),
    ("pmo_analytics.governance", "approach fit, gate compliance, escalation"),
    ("pmo_analytics.review", "the review room: the life-cycle chained once under one policy"),
    ("pmo_analytics.charts", "Altair charts of result frames"),
    ("pmo_analytics.records", "decision records, pages, the decision register, replay"),
    ("pmo_analytics.workshop", "the live what-if workshop"),
    ("pmo_analytics.streams", "random streams: one way from a seed and keys to a generator"),
    ("pmo_analytics.parallel", "threads, processes or Dask for independent tasks"),
    ("pmo_analytics.atomic", "atomic writing: whole files, the user's umask, never overwriting"),
    ("pmo_analytics.exceptions", "the exception and warning family"),
]


def _public(module: str) -> list[str]:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        raise RuntimeError(f"{module} has no __all__: its public names cannot be listed in the reference")
    return [n for n in names if not n.startswith("__")]


def write_api_pages(app=None, config=None) -> None:
    """docs/api/<room>.rst for every room: the module's docstring and one generated page per public name."""
    out = HERE / "api"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    lines = ["API reference", "=============", "",
             "Every public name of the package, room by room, in the order of the PMO life-cycle. The pages are",
             "generated from the docstrings (numpydoc sections: ``Parameters``, ``Returns``, ``Raises``; units in",
             "``[brackets]``). The package itself re-exports the front door: "
             + ", ".join(f"``{n}``" for n in _public("pmo_analytics")) + " (documented in their rooms).",
             "", ".. toctree::", "   :maxdepth: 1", ""]
    for module, what in ROOMS:
        short = module.removeprefix("pmo_analytics.")
        lines.append(f"   {short}")
        names = _public(module)
        title = f"``{module}`` — {what}"
        page = [title, "=" * len(title), "", f".. automodule:: {module}", "   :no-members:", "",
                f".. currentmodule:: {module}", ""]
        if names:
            page += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
            page += [f"   {n}" for n in names]
        (out / f"{short}.rst").write_text("\n".join(page) + "\n")
    (out / "index.rst").write_text("\n".join(lines) + "\n")


def copy_notebooks(app=None, config=None) -> None:
    """The curated notebooks, as stored (no outputs), into docs/examples/ for rendering."""
    out = HERE / "examples" / "notebooks"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(nb, out / nb.name)


def _home_doc(name: str, obj) -> list[str]:
    """The ``#:`` comment above a constant where it is defined (a room re-exports it from a submodule)."""
    import pkgutil

    from sphinx.pycode import ModuleAnalyzer

    module, _, attr = name.rpartition(".")
    room = importlib.import_module(module)
    homes = [module] + [m.name for m in pkgutil.walk_packages(getattr(room, "__path__", []), module + ".")]
    for home in homes:
        try:
            if getattr(importlib.import_module(home), attr, None) is not obj:
                continue
            doc = ModuleAnalyzer.for_module(home).find_attr_docs().get(("", attr))
        except Exception:  # a module that needs an optional dependency
            continue
        if doc:
            return list(doc)
    return []


def constant_docs(app, what, name, obj, options, lines) -> None:
    """A constant is documented by its ``#:`` comment, never by its type's docstring (``str``, ``DataFrame``)."""
    if what != "data":
        return
    lines[:] = _home_doc(name, obj)


def setup(app):
    app.connect("autodoc-process-docstring", constant_docs)
    # written when the configuration is read: before Sphinx lists the sources and autosummary generates the stubs
    app.connect("config-inited", write_api_pages)
    app.connect("config-inited", copy_notebooks)
