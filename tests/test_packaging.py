"""Packaging contract: environment.yml matches pyproject.toml, the core import stays light."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pandera[pandas]": "pandera"}  # PyPI requirement -> conda-forge package


def _name(req: str) -> str:
    name = re.split(r"[<>=!~ ]", req.strip(), maxsplit=1)[0].lower()
    return CONDA_NAMES.get(name, re.sub(r"\[.*\]", "", name))


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra, items in project["optional-dependencies"].items():
        reqs += [r for r in items if not r.startswith("pmo_analytics")]
    wanted = {_name(r) for r in reqs}
    conda = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        # conda packages ("  - name"), and pip-only packages ("      - name") except the project itself
        m = re.match(r"^(?:  |      )- ([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) not in ("python", "pip", "openjdk", "-e"):  # openjdk: the Java runtime, not PyPI
            conda.add(_name(m.group(1)))
    assert conda == wanted


def test_pulp_is_pinned_below_4():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("pulp>=3.3,<4") for d in deps)


@pytest.mark.slow
def test_core_import_is_light():
    code = ("import sys, pmo_analytics; heavy = [m for m in ('altair', 'pulp', 'papermill', 'nbconvert', "
            "'scipy', 'highspy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make review") < readme.index("make test") < readme.index("## Bring your own data")
