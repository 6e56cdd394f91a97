"""Settings kept beside the data: ``review.toml``.

A data folder may hold a ``review.toml`` (for a workbook: in the workbook's
folder). Its ``[data]`` section says how to read the tables and its
``[register]`` section where the decision register's signing key lives; both
are validated here. The ``[review]`` section (the review policy) is returned
raw, for :mod:`pmo_analytics.review.policy` to validate::

    [data]
    date_format = "DD/MM/YYYY"   # dates in the CSV files are day-first

    [register]
    key_file = "~/.config/pmo/register.key"   # HMAC key of the decision register (see records.integrity)

The file is data, never code: it is parsed with :mod:`tomllib`, only when it is
a regular file of at most :data:`MAX_SETTINGS_BYTES` inside the data folder.
Unknown sections (``[reveiw]``) and unknown keys of ``[data]`` and
``[register]`` are errors naming the closest known name: a misspelt setting
must not be ignored silently.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DataValidationError, Problem
from .files import InputRefused, read_input_file

__all__ = ["Settings", "DateFormat", "read_settings", "settings_path", "parse_date_format", "SETTINGS_NAME",
           "DATA_KEYS", "REGISTER_KEYS", "SECTIONS", "MAX_SETTINGS_BYTES"]

#: File name of the settings beside the data.
SETTINGS_NAME = "review.toml"
#: Largest settings file read [bytes].
MAX_SETTINGS_BYTES = 1 << 20
#: Keys of the ``[data]`` section and what each means.
DATA_KEYS = {
    "date_format": "how dates written as text are read, e.g. \"DD/MM/YYYY\" (default: ISO 8601, YYYY-MM-DD)",
    "currency": "the currency of every amount, an ISO 4217 code such as \"EUR\" (default: GBP, the sample's): "
                "records write money in it (£12.3 M, €12.3 M); amounts are never converted",
}

#: Keys of the ``[register]`` section and what each means.
REGISTER_KEYS = {
    "key_file": "file holding the decision register's HMAC key (at least 16 characters; relative to this file's "
                "folder, ~ allowed); keep it outside the data, decisions and reports folders",
}
#: The sections a ``review.toml`` may hold and what each is for.
SECTIONS = {
    "data": "how the tables are read (date_format) and what currency their amounts are in (currency)",
    "review": "the review policy (pmo review --policy lists its settings)",
    "register": "the decision register (key_file)",
}

_TOKENS = {"DD": "%d", "MM": "%m", "YYYY": "%Y"}
_DIRECTIVES = {v: k for k, v in _TOKENS.items()}
_SEPARATORS = "/-. "


@dataclass(frozen=True)
class DateFormat:
    """A declared date format: ``label`` as users write it (``DD/MM/YYYY``) and its ``strftime`` pattern."""

    label: str
    strftime: str

    def __str__(self) -> str:
        return self.label


_ISO_NAMES = {"iso", "iso8601", "iso 8601", "iso-8601"}


def parse_date_format(text: str | DateFormat | None) -> DateFormat | None:
    """Read a declared date format: ``DD/MM/YYYY`` style or ``%d/%m/%Y`` style.

    Day, month and four-digit year each appear once, separated by one of ``/ - . ``
    (space). ``None``, ``"ISO"`` and ``"YYYY-MM-DD"`` mean the default, ISO 8601
    (returned as ``None``). Two-digit years and month names are refused: they
    are exactly what makes dates ambiguous.

    Raises
    ------
    ValueError
        for anything else, with examples of accepted formats.
    """
    if text is None or isinstance(text, DateFormat):
        return text
    if not isinstance(text, str):
        raise ValueError(f"date format must be text such as \"DD/MM/YYYY\", got {text!r}")
    t = text.strip()
    if t.lower() in _ISO_NAMES:
        return None
    parts = re.split(r"([/\-. ])", t)
    if "%" in t:
        parts = [_DIRECTIVES.get(p, "?") if i % 2 == 0 else p for i, p in enumerate(parts)]
    else:
        parts = [p.upper() if i % 2 == 0 else p for i, p in enumerate(parts)]
    ok = (len(parts) == 5 and parts[1] == parts[3] and parts[1] in _SEPARATORS
          and sorted(parts[0::2]) == sorted(_TOKENS))
    if not ok:
        raise ValueError(f"cannot use date format {text!r}: write day, month and four-digit year once each, "
                         "e.g. \"DD/MM/YYYY\", \"MM/DD/YYYY\", \"DD.MM.YYYY\" or \"YYYY-MM-DD\" (ISO, the default)")
    label = "".join(parts)
    if label == "YYYY-MM-DD":
        return None
    return DateFormat(label, "".join(_TOKENS.get(p, p) for p in parts))


@dataclass(frozen=True)
class Settings:
    """The settings found beside the data.

    Attributes
    ----------
    data : dict
        The validated ``[data]`` section (``date_format``: a :class:`DateFormat` or None for ISO).
    sections : dict
        The other sections of the file (``review``, ``register``), as parsed.
    register : dict
        The validated ``[register]`` section (``key_file``: text, when given).
    path : Path or None
        The file read, None when there is none.
    """

    data: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)
    path: Path | None = None
    register: dict = field(default_factory=dict)

    @property
    def date_format(self) -> DateFormat | None:
        """The declared date format (None = ISO 8601)."""
        return self.data.get("date_format")

    @property
    def currency(self) -> str | None:
        """The declared currency of the amounts (an ISO 4217 code; None = not declared)."""
        return self.data.get("currency")


def settings_path(data_path: str | Path) -> Path:
    """Where the settings of ``data_path`` live: inside a folder, beside a workbook."""
    p = Path(data_path)
    return p / SETTINGS_NAME if p.is_dir() else p.parent / SETTINGS_NAME


def _toml_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def read_settings(path: str | Path, *, review_keys: Iterable[str] = ()) -> Settings:
    """Read and validate the settings for a data folder or workbook (or a ``review.toml`` given directly).

    Parameters
    ----------
    path : str or Path
        A ``.toml`` file, or a data folder / workbook whose ``review.toml`` is
        beside it. No such file means default settings.
    review_keys : iterable of str, optional
        The settings of the ``[review]`` section (the review room passes its
        policy's names; this module sits below it and does not import it): a
        review setting written outside any section is then told to go under
        ``[review]`` by name.

    Returns
    -------
    Settings

    Raises
    ------
    DataValidationError
        naming the file, line and key of every problem (invalid TOML, an
        unknown section or an unknown key of ``[data]``/``[register]`` with the
        closest known one, invalid date format, a link out of the data folder,
        a FIFO or device instead of a file).
    """
    path = Path(path)
    if path.suffix.lower() == ".toml" and not path.is_dir():
        file, root = path, None
    else:
        file = settings_path(path)
        root = file.parent
    if not file.exists() and not file.is_symlink():
        return Settings()
    name = file.name

    def fail(message, row=None, column=None):
        raise DataValidationError([Problem("settings", name, row, column, message)],
                                  header=f"invalid settings in {name}")

    try:
        raw = read_input_file(file, root, limit=MAX_SETTINGS_BYTES)
    except InputRefused as exc:
        fail(str(exc))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("cannot decode the file: save it as UTF-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        fail(f"not valid TOML: {exc}", _toml_line(str(exc)))
    problems: list[Problem] = []
    for section in doc:
        if section in SECTIONS:
            continue
        line = _line_of_section(text, section)
        if not isinstance(doc[section], dict):
            where = _section_of(section, review_keys)
            problems.append(Problem("settings", name, line, section,
                                    f"setting '{section}' is outside any section: put it under "
                                    + (f"[{where}]" if where else "[review] (the review policy) or [data]")))
        else:
            problems.append(Problem("settings", name, line, section,
                                    f"unknown section [{section}]{_hint(section, SECTIONS)}"))
    data_in = doc.get("data", {})
    data: dict = {"date_format": None, "currency": None}
    if not isinstance(data_in, dict):
        problems.append(Problem("settings", name, None, "data", "[data] must be a table of settings"))
        data_in = {}
    for key, value in data_in.items():
        if key not in DATA_KEYS:
            problems.append(Problem("settings", name, _line_of(text, key), f"data.{key}",
                                    f"unknown setting{_hint(key, DATA_KEYS)}"))
            continue
        try:
            if key == "currency":
                if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha() \
                        or not value.strip().isascii():
                    raise ValueError(f"a currency is a three-letter ISO 4217 code such as GBP, EUR or USD, got "
                                     f"{value!r}")
                data["currency"] = value.strip().upper()
            else:
                data["date_format"] = parse_date_format(value)
        except ValueError as exc:
            problems.append(Problem("settings", name, _line_of(text, key), f"data.{key}", str(exc)))
    register_in = doc.get("register", {})
    register: dict = {}
    if not isinstance(register_in, dict):
        problems.append(Problem("settings", name, None, "register", "[register] must be a table of settings"))
        register_in = {}
    for key, value in register_in.items():
        if key not in REGISTER_KEYS:
            problems.append(Problem("settings", name, _line_of(text, key), f"register.{key}",
                                    f"unknown setting{_hint(key, REGISTER_KEYS)}"))
        elif not isinstance(value, str) or not value.strip():
            problems.append(Problem("settings", name, _line_of(text, key), f"register.{key}",
                                    f"must be the path of the key file as text, got {value!r}"))
        else:
            register[key] = value.strip()
    if problems:
        raise DataValidationError(problems, header=f"invalid settings in {name}")
    sections = {k: v for k, v in doc.items() if k != "data"}
    return Settings(data, sections, file, register)


def _hint(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if known is SECTIONS:
        return f" — did you mean [{close[0]}]?" if close else \
            "; a review.toml holds " + ", ".join(f"[{k}] ({v})" for k, v in SECTIONS.items())
    return f" — did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"


def _section_of(key: str, review_keys: Iterable[str]) -> str | None:
    """The section a setting written outside any section belongs to (None: no section knows it)."""
    for section, names in (("data", DATA_KEYS), ("register", REGISTER_KEYS), ("review", set(review_keys))):
        if key in names:
            return section
    return None


def _line_of_section(text: str, section: str) -> int | None:
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*\[{{1,2}}\s*[\"']?{re.escape(section)}[\"']?\s*[\].]", line) or \
                re.match(rf"\s*[\"']?{re.escape(section)}[\"']?\s*[.=]", line):
            return i
    return None


def _line_of(text: str, key: str) -> int | None:
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return i
    return None
