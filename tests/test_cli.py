"""The pmo command line (pmo_analytics.cli)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmo_analytics import cli
from pmo_analytics.cli import main

from .conftest import BAD, MINIMAL, assemble_bad


def test_help_explains_each_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("review", "validate", "template"):
        assert cmd in out


@pytest.mark.slow
def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("pmo")
    res = subprocess.run([str(exe), "validate", str(MINIMAL)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "valid" in res.stdout


@pytest.mark.slow
def test_validate_sample_succeeds(capsys):
    assert main(["validate"]) == 0
    assert "48 proposal" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(p.name for p in BAD.iterdir()))
def test_validate_bad_input_exits_non_zero_with_the_problem(case, tmp_path, capsys):
    folder = assemble_bad(case, tmp_path / case)
    assert main(["validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "problem(s)" in out and "Traceback" not in out + err


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


# ---------------------------------------------------------------------------------------------- conventions
def test_help_lists_exit_codes_and_global_options(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out
    for code in ("0 ", "1 ", "2 ", "130", "141"):
        assert f"\n  {code}" in out
    assert "-q, --quiet" in out and "-v, --verbose" in out and "--version" in out


def test_version(capsys):
    from pmo_analytics import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"pmo {__version__}"


@pytest.mark.slow
@pytest.mark.parametrize("argv", [["-q", "validate", str(MINIMAL)], ["validate", "-q", str(MINIMAL)]])
def test_quiet_before_or_after_the_command_prints_only_the_result(argv, capsys):
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip().splitlines() == [f"{MINIMAL}: valid — Portfolio('minimal': 4 projects (1 active, 3 proposal), "
                                        "16 tables)"]
    assert err == ""


@pytest.mark.slow
def test_validate_json_on_valid_and_invalid_data(tmp_path, capsys):
    assert main(["validate", "--json", str(MINIMAL)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is True and doc["problems"] == []
    assert {t["table"]: t["rows"] for t in doc["tables"]}["projects"] == 4
    folder = assemble_bad("day_first_date", tmp_path / "bad")
    assert main(["validate", "--json", str(folder)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert doc["problems"][0]["source"] == "projects.csv" and doc["problems"][0]["row"] == 5
    assert doc["problems"][0]["column"] == "start_date"


@pytest.mark.slow
def test_validate_date_format_option(tmp_path, capsys):
    folder = assemble_bad("day_first_date", tmp_path / "bad")
    assert main(["validate", str(folder)]) == 1
    assert main(["validate", "--date-format", "DD/MM/YYYY", str(folder)]) == 0
    assert main(["validate", "--date-format", "DD/MM/YY", str(folder)]) == 2
    assert "four-digit year" in capsys.readouterr().err


def test_decisions_json(tmp_path, capsys):
    assert main(["decisions", "--json", "--folder", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_keyboard_interrupt_exits_130_with_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.HANDLERS, "decisions", interrupted)
    assert main(["decisions"]) == 130
    out, err = capsys.readouterr()
    assert err == "error: interrupted\n" and out == ""


def test_internal_error_is_one_line_unless_verbose(monkeypatch, capsys):
    def broken(args):
        raise TypeError("unsupported operand")

    monkeypatch.setitem(cli.HANDLERS, "decisions", broken)
    assert main(["decisions"]) == 1
    err = capsys.readouterr().err
    assert err == ("error: internal error: TypeError: unsupported operand (run with --verbose for the traceback)\n")
    assert main(["-v", "decisions"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("internal error: TypeError: unsupported operand")


def test_warnings_print_as_one_line(monkeypatch, capsys):
    import warnings

    from pmo_analytics.exceptions import DataWarning

    def warns(args):
        warnings.warn("suspicious value", DataWarning)
        return 0

    monkeypatch.setitem(cli.HANDLERS, "decisions", warns)
    assert main(["decisions"]) == 0
    assert capsys.readouterr().err == "warning: suspicious value\n"


def _bad_invocations(tmp: Path) -> list[list[str]]:
    """Each command on careless or hostile input."""
    fifo = tmp / "pipe.xlsx"
    os.mkfifo(fifo)
    (tmp / "portfolio.json").write_text("{}")
    (tmp / "empty").mkdir()
    bad_register = tmp / "register"
    bad_register.mkdir()
    (bad_register / "D-0001.json").write_text("{not json")
    corrupt = assemble_bad("corrupt_sheet_xml", tmp / "corrupt")
    link = assemble_bad("link_outside_folder", tmp / "link")
    out = tmp / "reports"
    return [
        ["validate", str(tmp / "nonexistent")],
        ["validate", str(tmp / "portfolio.json")],
        ["validate", str(fifo)],
        ["validate", str(tmp / "empty")],
        ["validate", str(corrupt)],
        ["validate", str(link)],
        ["validate", "--date-format", "whenever", str(MINIMAL)],
        ["validate", "--json", str(corrupt)],
        ["review", "--data", str(tmp / "nonexistent"), "--out", str(out)],
        ["review", "--data", str(corrupt), "--out", str(out)],
        ["review", "--param", "seed=abc"],
        ["review", "--param", "iterations=1e9"],
        ["review", "--seed", "abc"],
        ["template", str(tmp / "t.txt")],
        ["template", str(tmp / "empty")],
        ["template", str(tmp / "nodir" / "sub" / "\0bad.xlsx")],
        ["decide", "fund P1", "--by", "board", "--record", str(tmp / "no-record"), "--folder", str(tmp / "d")],
        ["replay", "D-9999", "--folder", str(tmp / "d")],
        ["replay", "../../etc/passwd", "--folder", str(tmp / "d")],
        ["decisions", "--folder", str(bad_register)],
        ["import", str(tmp / "nonexistent.mpp"), "--out", str(tmp / "imported")],
        ["import", str(corrupt), "--out", str(tmp / "imported2")],
        ["no-such-command"],
        ["validate", "--no-such-option"],
    ]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="uses a FIFO")
def test_no_command_ever_prints_a_traceback(tmp_path, capsys):
    for argv in _bad_invocations(tmp_path):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse refusing the command line
            code = exc.code
        out, err = capsys.readouterr()
        assert code in (1, 2), (argv, code, out, err)
        assert "Traceback" not in out + err, (argv, out, err)
        assert (out + err).strip(), (argv, "a failure must say why")
        assert len([ln for ln in err.splitlines() if ln.startswith("error")]) <= 1, (argv, err)


@pytest.mark.slow
def test_broken_pipe_ends_quietly(tmp_path):
    # thousands of problems, read one line then close the pipe (as `| head -1` does)
    rows = "\n".join(f"P1,{i},-1" for i in range(3000))
    folder = assemble_bad("negative_cost", tmp_path / "x")
    (folder / "costs.csv").write_text("project_id,period_offset,cost\n" + rows + "\n")
    exe = Path(sys.executable).with_name("pmo")
    proc = subprocess.Popen([str(exe), "validate", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.slow
def test_console_script_traceback_only_with_verbose(tmp_path):
    exe = Path(sys.executable).with_name("pmo")
    res = subprocess.run([str(exe), "decisions", "--folder", str(tmp_path / "f")], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and res.stdout == "" and "no decisions" in res.stderr
    argv = ["replay", "not-an-id", "--folder", str(tmp_path / "f")]
    res = subprocess.run([str(exe), *argv], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("error: ")
    res = subprocess.run([str(exe), "-v", *argv], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "Traceback" in res.stderr


def test_json_output_is_strict_json():
    import io

    import numpy as np

    out = io.StringIO()
    cli.Console(stdout=out).json({"a": float("nan"), "b": [np.float64(1.5), np.int64(3), float("inf")]})
    assert json.loads(out.getvalue()) == {"a": None, "b": [1.5, 3, None]}


def test_the_command_line_prints_through_its_console_only():
    # one place decides stdout (results) vs stderr (progress, warnings, errors) and --quiet/--verbose:
    # a print() anywhere else in cli.py bypasses it
    import ast
    import inspect

    from pmo_analytics import cli

    tree = ast.parse(inspect.getsource(cli))
    console = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Console")
    inside = {id(n) for n in ast.walk(console)}
    stray = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "print" and id(n) not in inside]
    assert stray == []


@pytest.mark.parametrize("argv, hint", [
    (["reviw"], "did you mean review?"),
    (["decisons"], "did you mean decisions?"),
    (["review", "--seeds", "3"], "did you mean --seed for --seeds?"),
    (["validate", "--jsn"], "did you mean --json for --jsn?"),
    (["template", "x.xlsx", "--forse"], "did you mean --force for --forse?"),
    (["review", "--date-format", "DD/MM/YYYY"], "date_format under [data] in a review.toml"),
])
def test_a_mistyped_command_or_option_says_what_was_meant(argv, hint, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert hint in capsys.readouterr().err


def test_nothing_close_suggests_nothing(capsys):
    with pytest.raises(SystemExit):
        main(["xyzzy"])
    assert "did you mean" not in capsys.readouterr().err


def test_review_does_not_advertise_what_it_refuses(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    out = capsys.readouterr().out
    assert "--date-format" not in out and "--json" in out and "--pdf" in out
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "--date-format" in capsys.readouterr().out  # validate takes it


def test_template_says_the_option_not_the_python_argument(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", str(out)]) == 0
    assert main(["template", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "overwrite=True" not in err


def test_validate_takes_data_as_the_other_commands_do(capsys):
    assert main(["validate", "--data", str(MINIMAL), "-q"]) == 0
    assert f"{MINIMAL}: valid" in capsys.readouterr().out
    assert main(["validate", str(MINIMAL), "--data", str(BAD)]) == 2  # two different answers: refused


def test_the_closing_line_says_pages_time_headline_and_where_to_look():
    line = cli.closing_line({"status": "complete", "pages": [{}] * 7, "seconds": 93.4,
                             "headline": "Fund 14 of 52 for £36.8 M. On 10,000 scenarios it overruns.",
                             "index": "reports/r/index.html", "pdf": "reports/r/board_pack.pdf"})
    assert line == ("review complete: 7 pages in 93 s. Fund 14 of 52 for £36.8 M. Open reports/r/index.html; "
                    "board pack reports/r/board_pack.pdf")
    assert "in 3 min 05 s" in cli.closing_line({"status": "complete", "pages": [{}], "seconds": 185, "index": "i"})


def test_the_time_left_comes_from_the_last_review_of_the_same_data_or_is_not_said(tmp_path):
    from pmo_analytics.records.record import earlier_seconds

    def record(name, fingerprint="f1", policy="p1", status="complete", pages=("00_a", "01_b")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({
            "status": status, "data": {"fingerprint": fingerprint}, "policy_sha256": policy,
            "notebooks": [{"notebook": f"{p}.ipynb", "seconds": 10.0 * (i + 1)} for i, p in enumerate(pages)]}))

    assert earlier_seconds(tmp_path, "f1", "p1") == {}
    record("20261201T000000Z-s1-aaaaaa")
    record("20261202T000000Z-s1-bbbbbb", fingerprint="other")
    record("20261203T000000Z-s1-cccccc", status="failed")
    record("20261204T000000Z-s1-dddddd", policy="other")
    assert earlier_seconds(tmp_path, "f1", "p1", ["00_a", "01_b"]) == {"00_a": 10.0, "01_b": 20.0}
    assert earlier_seconds(tmp_path, "f1", "p1", ["01_b"]) == {}  # page 01 alone also computes the review
    assert earlier_seconds(tmp_path, "f2", "p1") == {}


@pytest.mark.slow
def test_review_json_is_a_machine_summary_and_the_run_ends_with_one_line(tmp_path, capsys):
    assert main(["review", "--data", str(MINIMAL), "--notebook", "01", "--out", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)  # stdout is the JSON alone
    record = Path(summary["record"])
    assert record.parent == tmp_path and summary["status"] == "complete" and summary["pdf"] is None
    assert [p["page"] for p in summary["pages"]] == ["01_intake_screening"]
    assert Path(summary["pages"][0]["html"]).is_file() and Path(summary["index"]).is_file()
    numbers = json.loads((record / "numbers.json").read_text())["01_intake_screening"]["page.decision"]
    assert summary["headline"] == numbers["headline"]
    assert [k["text"] for k in summary["key_numbers"]] == [k["text"] for k in numbers["key_numbers"]]
    last = err.strip().splitlines()[-1]
    assert last.startswith("review complete: 1 page in ") and last.endswith(f"Open {record / 'index.html'}")
    assert "s left" not in err  # no earlier review of these data under --out: no estimate of the time left
