"""The pmo command line (pmo_analytics.cli)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pmo_analytics.cli import main

from .conftest import BAD, MINIMAL, assemble_bad


def test_help_explains_each_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("review", "validate", "template"):
        assert cmd in out


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("pmo")
    res = subprocess.run([str(exe), "validate", str(MINIMAL)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "valid" in res.stdout


def test_validate_sample_succeeds(capsys):
    assert main(["validate"]) == 0
    assert "48 proposal" in capsys.readouterr().out


@pytest.mark.parametrize("case", sorted(p.name for p in BAD.iterdir()))
def test_validate_bad_input_exits_non_zero_with_the_problem(case, tmp_path, capsys):
    folder = assemble_bad(case, tmp_path / case)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "problem(s)" in out and "Traceback" not in out


def test_template_command(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", str(out)]) == 0 and out.exists()
    assert main(["template", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["template", str(out), "--force"]) == 0


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: pmo" in capsys.readouterr().out


def test_bad_param_syntax():
    with pytest.raises(SystemExit):
        main(["review", "--param", "no-equals-sign"])
