"""Settings beside the data (pmo_analytics.tables.settings)."""

from __future__ import annotations

import os
import re
import sys

import pytest

from pmo_analytics.exceptions import DataValidationError
from pmo_analytics.tables.settings import DateFormat, Settings, parse_date_format, read_settings, settings_path


@pytest.mark.parametrize("text, label, strftime", [
    ("DD/MM/YYYY", "DD/MM/YYYY", "%d/%m/%Y"),
    ("dd.mm.yyyy", "DD.MM.YYYY", "%d.%m.%Y"),
    ("MM-DD-YYYY", "MM-DD-YYYY", "%m-%d-%Y"),
    ("%m/%d/%Y", "MM/DD/YYYY", "%m/%d/%Y"),
    ("YYYY/MM/DD", "YYYY/MM/DD", "%Y/%m/%d"),
    ("DD MM YYYY", "DD MM YYYY", "%d %m %Y"),
])
def test_parse_date_format(text, label, strftime):
    assert parse_date_format(text) == DateFormat(label, strftime)


@pytest.mark.parametrize("text", [None, "ISO", "iso8601", "YYYY-MM-DD", "%Y-%m-%d"])
def test_iso_is_the_default(text):
    assert parse_date_format(text) is None


@pytest.mark.parametrize("text", ["DD/MM/YY", "%d/%m/%y", "DD/MMM/YYYY", "DD/MM-YYYY", "DD/DD/YYYY", "today", "",
                                  "%d/%m/%Y %H:%M", 5])
def test_ambiguous_or_malformed_formats_are_refused(text):
    with pytest.raises(ValueError, match="date format"):
        parse_date_format(text)


def test_no_settings_file_means_defaults(tmp_path):
    s = read_settings(tmp_path)
    assert s == Settings() and s.date_format is None and s.path is None


def test_settings_of_a_workbook_live_beside_it(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\ndate_format = "MM/DD/YYYY"\n')
    assert settings_path(tmp_path / "p.xlsx") == tmp_path / "review.toml"
    assert read_settings(tmp_path / "p.xlsx").date_format.label == "MM/DD/YYYY"


def test_the_review_and_register_sections_are_returned(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\ndate_format = "DD/MM/YYYY"\n\n[review]\nconfidence = 90\n'
                                          '[register]\nkey_file = " ~/.pmo/key "\n')
    s = read_settings(tmp_path / "review.toml")
    assert s.sections == {"review": {"confidence": 90}, "register": {"key_file": " ~/.pmo/key "}}
    assert s.register == {"key_file": "~/.pmo/key"}
    assert s.data == {"date_format": DateFormat("DD/MM/YYYY", "%d/%m/%Y"), "currency": None}
    assert s.path == tmp_path / "review.toml"


@pytest.mark.parametrize("text, row, column, match", [
    # issue 32: a misspelt [reveiw] was ignored and the review ran at P80 although P90 was asked
    ("[reveiw]\nconfidence = 90\n", 1, "reveiw", r"unknown section \[reveiw\] — did you mean \[review\]\?"),
    ('[data]\ndate_format = "DD/MM/YYYY"\n\n[escalation]\nlevel = "PMO"\n', 4, "escalation",
     r"unknown section \[escalation\]; a review.toml holds \[data\] .*\[review\] .*\[register\]"),
    ("seed = 7\n[data]\n", 1, "seed", r"setting 'seed' is outside any section: put it under \[review\]"),
    ("[register]\nkey-file = 'k'\n", 2, "register.key-file", "unknown setting — did you mean 'key_file'"),
    ("[register]\nkey_file = 3\n", 2, "register.key_file", "must be the path of the key file as text"),
    ("[review.extra]\nx = 1\n[revue]\n", 3, "revue", r"did you mean \[review\]"),
])
def test_unknown_sections_and_keys_are_refused_with_the_closest_name(tmp_path, text, row, column, match):
    (tmp_path / "review.toml").write_text(text)
    with pytest.raises(DataValidationError) as info:
        read_settings(tmp_path)
    [p] = info.value.problems
    assert (p.source, p.row, p.column) == ("review.toml", row, column)
    assert re.search(match, p.message), p.message


def test_unknown_key_is_an_error_with_the_closest_name(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\n\ndate-format = "DD/MM/YYYY"\n')
    with pytest.raises(DataValidationError) as info:
        read_settings(tmp_path)
    assert [str(p) for p in info.value.problems] == [
        "review.toml, row 3, column 'data.date-format': unknown setting — did you mean 'date_format'?"]


def test_invalid_toml_names_the_line(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\ndate_format = DD/MM/YYYY\n')
    with pytest.raises(DataValidationError, match=r"review.toml, row 2: not valid TOML"):
        read_settings(tmp_path)


def test_bad_date_format_value(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\ndate_format = "DD/MM/YY"\n')
    with pytest.raises(DataValidationError, match=r"review.toml, row 2, column 'data.date_format': cannot use date "
                                                  r"format 'DD/MM/YY'"):
        read_settings(tmp_path)


def test_data_must_be_a_table(tmp_path):
    (tmp_path / "review.toml").write_text('data = "DD/MM/YYYY"\n')
    with pytest.raises(DataValidationError, match=r"\[data\] must be a table"):
        read_settings(tmp_path)


def test_not_utf8_or_too_large(tmp_path, monkeypatch):
    from pmo_analytics.tables import settings

    (tmp_path / "review.toml").write_bytes(b"[data]\n\xff\xfe\xfa\n")
    with pytest.raises(DataValidationError, match="save it as UTF-8"):
        read_settings(tmp_path)
    monkeypatch.setattr(settings, "MAX_SETTINGS_BYTES", 4)
    with pytest.raises(DataValidationError, match="larger than the"):
        read_settings(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs as on POSIX")
def test_link_out_of_the_folder_and_fifo_are_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "other.toml"
    outside.write_text("[data]\n")
    (data / "review.toml").symlink_to(outside)
    with pytest.raises(DataValidationError, match="outside the data folder: not read"):
        read_settings(data)
    (data / "review.toml").unlink()
    os.mkfifo(data / "review.toml")
    with pytest.raises(DataValidationError, match=r"is a named pipe \(FIFO\)"):
        read_settings(data)


def test_a_review_setting_outside_any_section_is_sent_to_review_by_name(tmp_path):
    # the settings module sits below the review room: the policy passes its names down (no upward import)
    from pmo_analytics.review.policy import PolicyError, resolve_policy

    (tmp_path / "review.toml").write_text("confidence = 0.9\n[data]\n")
    with pytest.raises(PolicyError, match=r"setting 'confidence' is outside any section: put it under \[review\]$"):
        resolve_policy(tmp_path)
    with pytest.raises(DataValidationError, match=r"put it under \[review\] \(the review policy\) or \[data\]"):
        read_settings(tmp_path)  # without the policy's names: the general advice


def test_the_currency_of_the_amounts_is_declared_in_data(tmp_path):
    (tmp_path / "review.toml").write_text('[data]\ncurrency = "eur"\n')
    assert read_settings(tmp_path / "review.toml").currency == "EUR"
    (tmp_path / "review.toml").write_text('[data]\ncurrency = "euros"\n')
    with pytest.raises(DataValidationError, match="three-letter ISO 4217"):
        read_settings(tmp_path / "review.toml")
    (tmp_path / "review.toml").write_text('[data]\ncurrancy = "EUR"\n')
    with pytest.raises(DataValidationError, match="did you mean 'currency'"):
        read_settings(tmp_path / "review.toml")
