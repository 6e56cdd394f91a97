"""The one atomic writer (pmo_analytics.atomic): whole or absent, the user's umask, create-never-replace."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

import pmo_analytics
from pmo_analytics.records import decisions, manifest
from pmo_analytics.atomic import make_dir, publish_dir, umask, write_atomic, write_json_atomic, write_text_atomic
from pmo_analytics.exceptions import RecordError


@pytest.fixture
def mask():
    """Set the process umask for a test and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda m: os.umask(m)
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_umask_is_read_without_changing_it(mask):
    mask(0o027)
    assert umask() == 0o027
    assert umask() == 0o027
    assert os.umask(0o027) == 0o027  # still in force


@pytest.mark.parametrize("m, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_get_the_umask_in_force_when_written(tmp_path, mask, m, expected):
    # the umask is read at each write: a module that captured it at import (the old records.manifest did)
    # would give 0644 whatever the user set afterwards
    mask(m)
    for p in (write_text_atomic(tmp_path / "a.txt", "x"), write_json_atomic(tmp_path / "b.json", {"a": 1}),
              write_atomic(tmp_path / "c.csv", lambda tmp: Path(tmp).write_text("a,b\n")),
              write_atomic(tmp_path / "d.bin", b"\x00", exclusive=True),
              manifest.write_json_atomic(tmp_path / "e.json", {}), decisions._create_exclusive(tmp_path / "f", "x")
              and tmp_path / "f"):
        assert _mode(p) == expected, p.name


def test_replace_puts_the_new_content_whole_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "m.json"
    write_json_atomic(p, {"b": 1})
    write_json_atomic(p, {"a": [1, 2]})
    assert p.read_text() == '{\n  "a": [\n    1,\n    2\n  ]\n}\n'
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]


def test_exclusive_creates_but_never_replaces(tmp_path):
    p = tmp_path / "D-0001.json"
    write_atomic(p, "first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(p, "second", exclusive=True)
    assert p.read_text() == "first"
    assert [f.name for f in tmp_path.iterdir()] == ["D-0001.json"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    p = tmp_path / "results.xlsx"
    p.write_text("old")

    def half(tmp):
        Path(tmp).write_text("half a wor")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomic(p, half)
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["results.xlsx"]


def test_mkdir_creates_the_parents(tmp_path):
    p = write_atomic(tmp_path / "a" / "b" / "c.txt", "x", mkdir=True)
    assert p.read_text() == "x"


def test_publish_dir_refuses_an_existing_folder_even_empty(tmp_path, mask):
    mask(0o022)
    staging = make_dir(tmp_path, ".staging-")
    assert _mode(staging) == 0o755  # mkdtemp alone gives 0700
    (staging / "f").write_text("x")
    (tmp_path / "final").mkdir()  # empty: os.rename would silently replace it
    with pytest.raises(RecordError, match="record .* already exists; it is never overwritten"):
        publish_dir(staging, tmp_path / "final", what="record")
    (tmp_path / "final").rmdir()
    assert publish_dir(staging, tmp_path / "final") == tmp_path / "final"
    assert (tmp_path / "final" / "f").read_text() == "x" and not staging.exists()


def _calls(tree) -> set[str]:
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                out.add(f"{f.value.id}.{f.attr}")
    return out


def test_the_package_has_one_atomic_writer_and_no_other_umask_reader():
    # every temporary-then-rename write and every umask read lives in pmo_analytics/atomic.py;
    # a seventh copy (or a module that reads the umask at import) fails here
    root = Path(pmo_analytics.__file__).parent
    forbidden = {"os.umask", "os.replace", "os.link", "os.rename", "tempfile.mkstemp", "tempfile.NamedTemporaryFile"}
    found = {}
    for path in root.rglob("*.py"):
        if path.name == "atomic.py" and path.parent == root:
            continue
        hits = _calls(ast.parse(path.read_text())) & forbidden
        if hits:
            found[str(path.relative_to(root))] = sorted(hits)
    assert found == {}
