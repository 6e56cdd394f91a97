"""Schedule files cut short are refused before MPXJ reads them (pmo_analytics.tables.msproject.complete),
issue 32 point 3: the first 58 lines of XERNative_sample.xer imported with rc 0 as "4 activities, 0 links"."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pmo_analytics.cli import main
from pmo_analytics.tables.msproject.complete import IncompleteSchedule, check_complete

DATA = Path(__file__).parent / "data"
CUT = DATA / "truncated"
REAL = DATA / "realdata"


@pytest.mark.parametrize("name, message", [
    ("XERNative_first58.xer", "the file is cut short: it ends at line 58 without the %E end marker that closes every "
                              "XER export; the last complete record is line 58: table TASK, record 4 (task_id 37899, "
                              "task_code A1040, task_name Ceil)"),
    ("mspdi_cut_in_task.xml", "the file is cut short: it ends at line 1170, column 3 inside <Project/Tasks/Task> "
                              "(expat: unclosed token); the last complete record is <Task> UID 10 'Task 2' (line 1132)"),
    ("pmxml_cut_in_activity.pmxml", "the file is cut short: it ends at line 720, column 3 inside "
                                    "<APIBusinessObjects/Project/Activity> (expat: unclosed token); the last complete "
                                    "record is <Activity> ObjectId 101722 'Physical 25%' (line 683)"),
])
def test_a_file_cut_short_is_refused_with_its_last_complete_record(name, message):
    with pytest.raises(IncompleteSchedule) as info:
        check_complete(CUT / name)
    assert str(info.value) == message


@pytest.mark.parametrize("path", sorted(p for p in REAL.iterdir() if p.suffix != ".md"), ids=lambda p: p.name)
def test_every_real_schedule_is_whole(path):
    check_complete(path)  # no false alarm on the files the tools wrote


def test_pmo_import_refuses_the_cut_xer_naming_the_file(tmp_path, capsys):
    """Refused on the raw bytes, before Java starts: the message names the file and the last record read."""
    rc = main(["import", str(CUT / "XERNative_first58.xer"), "--out", str(tmp_path / "out")])
    assert rc == 1
    err = capsys.readouterr().err
    assert "XERNative_first58.xer: the file is cut short: it ends at line 58 without the %E end marker" in err
    assert "4 activities" not in err and not (tmp_path / "out").exists()


def _xer(tmp_path, text: str) -> Path:
    f = tmp_path / "s.xer"
    f.write_bytes(text.encode())
    return f


HEAD = "ERMHDR\t8.2\t2013-09-18\tProject\n"


@pytest.mark.parametrize("body, match", [
    ("%T\tTASK\n%F\ttask_id\ttask_code\n%R\t1\tA1\n%R\t2\tA",
     r"line 5 stops mid-line \(table TASK\).*line 4: table TASK, record 1 \(task_id 1, task_code A1\)"),
    ("%T\tTASK\n%R\t1\tA1\n%E\n", r"line 3: a record of table TASK before its field list \(%F\)"),
    ("%T\tCALENDAR\n%T\tTASK\n%F\ttask_id\n%E\n", r"table CALENDAR has no field list \(%F\) before line 3"),
    ("%T\tTASK\n%F\ttask_id\n%R\t1\n%E\n%T\tTASK\n", r"line 6 follows the %E end marker of line 5"),
    ("", r"ends at line 1 without the %E end marker.*the last complete record is none"),
])
def test_damaged_xer_structure_is_named(tmp_path, body, match):
    with pytest.raises(IncompleteSchedule, match=match):
        check_complete(_xer(tmp_path, HEAD + body))
    check_complete(_xer(tmp_path, HEAD + "%T\tTASK\n%F\ttask_id\n%R\t1\n%E\n\n"))  # whole: trailing blank line


def test_xml_with_a_dtd_is_refused_wherever_it_is(tmp_path):
    f = tmp_path / "p.xml"
    f.write_text("<?xml version='1.0'?>\n<!--" + "x" * (2 << 20) + "-->\n<!DOCTYPE p [<!ENTITY a 'b'>]><p/>")
    with pytest.raises(IncompleteSchedule, match="XML with a DTD"):
        check_complete(f)


def test_the_check_streams_a_large_file(tmp_path):
    f = tmp_path / "big.xer"
    with open(f, "w") as fh:
        fh.write(HEAD + "%T\tTASK\n%F\ttask_id\ttask_code\n")
        for i in range(300_000):
            fh.write(f"%R\t{i}\tA{i}\n")
    t = time.perf_counter()
    with pytest.raises(IncompleteSchedule, match=r"record 300000 \(task_id 299999, task_code A299999\)"):
        check_complete(f)
    assert time.perf_counter() - t < 20
