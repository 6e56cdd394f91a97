"""The registry of published names (records.published), held to the notebooks and the glossary without a
kernel: the pages are read as source (Python's ast), never executed."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from pmo_analytics.records import figures
from pmo_analytics.records.export import KEY_TABLES
from pmo_analytics.records.pages import DECISION
from pmo_analytics.records.publish import IDENTITY
from pmo_analytics.records.published import PATTERNS, PUBLISHED, lookup, published
from pmo_analytics.tables.columns import known

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_NAME = re.compile(r"^[a-z_]+\.[A-Za-z0-9_.{}\-]+$")


def _figure_names() -> dict[str, set[str]]:
    """figures.<function> -> the names it publishes (the string literals of its source that look like names)."""
    out = {}
    for name, fn in inspect.getmembers(figures, inspect.isfunction):
        if fn.__module__ == figures.__name__:
            tree = ast.parse(inspect.getsource(fn))
            fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
            out[name] = {s for n in ast.walk(tree) if id(n) not in fstrings  # risk.{pid}.top_drivers -> risk.X.top_drivers
                         for s in [_literal(n)] if s is not None and _NAME.match(s)}
    return out


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f"risk.{pid}.top_drivers": a per-project name
        return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return None


def page_names() -> dict[str, list[str]]:
    """page ("03") -> every name its code cells publish, once per place it is written."""
    fig = _figure_names()
    out = {}
    for path in NOTEBOOKS:
        names = [IDENTITY, DECISION]  # open_review and decision_box publish these on every page
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if fname in ("publish", "publish_table") and node.args and _literal(node.args[0]):
                    names.append(_literal(node.args[0]))
                for kw in node.keywords:
                    if kw.arg == "publish_as" and _literal(kw.value):
                        names.append(_literal(kw.value))
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "figures" \
                        and f.attr in fig:
                    names += sorted(fig[f.attr])
            for node in ast.walk(ast.parse(cell.source)):  # names written as keys of a dict published whole
                if isinstance(node, ast.Dict):
                    names += [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                              and lookup(k.value) is not None]
        out[path.stem[:2]] = names
    return out


PAGES = page_names()


def test_every_name_a_page_publishes_is_registered_for_that_page():
    wrong = []
    for page, names in PAGES.items():
        for n in names:
            entry = lookup(n)
            if entry is None or page not in entry.pages:
                wrong.append(f"{page}: {n}" + ("" if entry is None else f" (registered for {entry.pages})"))
    assert wrong == []


def test_every_registered_name_is_published_by_exactly_its_pages():
    by_page = {page: set(names) for page, names in PAGES.items()}
    for entry in list(PUBLISHED.values()):
        found = {page for page, names in by_page.items() if entry.name in names}
        assert found == set(entry.pages), entry.name
    for pattern, entry in PATTERNS.items():
        found = {page for page, names in by_page.items() if any(re.fullmatch(pattern, n) for n in names)}
        assert found == set(entry.pages), entry.name


def test_the_key_tables_are_registered_and_their_columns_are_in_the_glossary():
    results = {n for n in PUBLISHED if n.startswith("results.")}
    assert {k.name for k in KEY_TABLES} <= results  # every key table is a registered name
    missing = [f"{k.name}: {c}" for k in KEY_TABLES for c in k.columns if not known(c)]
    assert missing == []


def test_no_name_is_written_by_hand_on_two_pages():
    # a name two pages publish comes from one builder in records.figures (computed once, quoted by both)
    fig = set().union(*_figure_names().values())
    written = {}
    for page, names in PAGES.items():
        for n in set(names) - fig - {IDENTITY, DECISION}:
            written.setdefault(n, []).append(page)
    assert {n: pages for n, pages in written.items() if len(pages) > 1} == {}


def test_published_refuses_an_unregistered_name_with_the_closest_one():
    assert published("risk.exposure") == "risk.exposure"
    assert published("risk.A-101.top_drivers") == "risk.A-101.top_drivers"
    with pytest.raises(ValueError, match="'risk.exposures' is not a registered published name.*'risk.exposure'"):
        published("risk.exposures")
