"""The documentation builds offline with warnings as errors (``make docs``), and covers what it promises:
every public name of every room has a reference page, every curated notebook a worked example, and no page
loads anything from the network."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("myst_nb", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("numpydoc", reason="the docs extra is not installed (pip install -e '.[docs]')")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    res = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
                          "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert "Warning" not in res.stderr, res.stderr[-5000:]  # a Python warning while rendering a docstring too
    return out / "html"


def _rooms():
    spec = importlib.util.spec_from_file_location("docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf.ROOMS


@pytest.mark.slow
def test_every_public_name_of_every_room_has_a_reference_page(site):
    rooms = dict(_rooms())
    missing = []
    for module in rooms:
        for name in importlib.import_module(module).__all__:
            if not (site / "api" / "generated" / f"{module}.{name}.html").is_file():
                missing.append(f"{module}.{name}")
    assert missing == []
    # and every room that has public names is listed (a new room must be added to docs/conf.py ROOMS)
    import pmo_analytics

    rooms_in_package = {f"pmo_analytics.{p.name}" for p in Path(pmo_analytics.__file__).parent.iterdir()
                        if p.is_dir() and (p / "__init__.py").is_file() and p.name not in ("bundled",)}
    assert rooms_in_package <= set(rooms)


@pytest.mark.slow
def test_every_curated_notebook_is_a_worked_example(site):
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        page = (site / "examples" / "notebooks" / f"{nb.stem}.html").read_text()
        assert "open_review" in page or "load_review" in page, nb.stem  # the code is shown, as stored


@pytest.mark.slow
def test_no_page_loads_anything_from_the_network_or_a_missing_mathjax(site):
    bad = {}
    for page in site.rglob("*.html"):
        text = page.read_text()
        refs = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', text)
        if refs or "mathjax-not-bundled" in text:
            bad[str(page.relative_to(site))] = refs or ["mathjax"]
    assert bad == {}


@pytest.mark.slow
def test_the_conventions_and_the_performance_tables_are_in_the_docs(site):
    text = (site / "conventions.html").read_text()
    assert "ValueError" in text and "PMOError" in text and "end in an underscore" in text
    assert (site / "performance.html").is_file()


def test_every_link_of_the_readme_and_contributing_leads_to_a_file():
    # the README is the front door: every link into docs/ must land (the pages moved there from it)
    broken = []
    for doc in ("README.md", "CONTRIBUTING.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", (ROOT / doc).read_text()):
            if "://" not in target and not (ROOT / target).exists():
                broken.append(f"{doc}: {target}")
    assert broken == []
