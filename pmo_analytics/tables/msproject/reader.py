"""Read one project of an MS Project / Primavera file: :func:`read_schedule`."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from ...exceptions import DataValidationError, Problem
from ..readers import MAX_FILE_BYTES, sha256_file
from ..spec import ID_PATTERN, TABLES
from .convert import Converter, ReadOptions
from .jvm import jclass, start_jvm
from .resources import verify as verify_resource_calendars
from .schedule import Schedule
from .values import _enum, _s

__all__ = ["read_schedule", "SCHEDULE_SUFFIXES", "DEFAULT_FIELD_MAP", "DEFAULT_RANGE"]

#: File name endings read as schedules (the format itself is detected from the content).
SCHEDULE_SUFFIXES = (".mpp", ".mpt", ".mpx", ".xml", ".mspdi", ".xer", ".pmxml")
#: MPXJ file types accepted (anything else detected in a file is refused).
_FILE_TYPES = {"MPP", "MPX", "MSPDI", "XER", "PMXML"}
#: Default field mapping: our column -> MPXJ task field name or custom-field alias (None = rule in module doc).
DEFAULT_FIELD_MAP: dict[str, str | None] = {
    "activity_id": None,
    "min_duration": "Duration1",
    "most_likely": None,
    "max_duration": "Duration3",
    "distribution": None,
    "correlation_group": None,
    "phase": None,
}
#: Default range rule: (min, max) as multiples of the planned duration.
DEFAULT_RANGE = (0.9, 1.25)


def _refuse(src: str, message: str) -> DataValidationError:
    return DataValidationError([Problem("activities", src, None, None, message)], header="cannot read schedule")


def _guard_file(path: Path) -> None:
    src = path.name
    if not path.is_file():
        raise _refuse(src, "no such file")
    if path.suffix.lower() not in SCHEDULE_SUFFIXES:
        raise _refuse(src, f"not a schedule file: expected one of {', '.join(SCHEDULE_SUFFIXES)}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse(src, f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit")
    if size == 0:
        raise _refuse(src, "file is empty")
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if path.suffix.lower() in (".xml", ".mspdi", ".pmxml") or head.lstrip()[:5] == b"<?xml":
        low = head.lower()
        if b"<!doctype" in low or b"<!entity" in low:
            raise _refuse(src, "XML with a DTD (<!DOCTYPE/<!ENTITY) is refused: schedule XML (MSPDI, P6 XML) "
                          "never needs one")
    from .complete import IncompleteSchedule, check_complete

    try:  # a file cut short is refused with its last complete record (MPXJ read a cut XER as if it ended there)
        check_complete(path)
    except IncompleteSchedule as exc:
        raise _refuse(src, str(exc)) from None


def _pick_project(files, project, src):
    if len(files) == 1 and project is None:
        return files[0]
    keys = []
    for f in files:
        p = f.getProjectProperties()
        keys.append({k for k in (_s(p.getProjectTitle()), _s(p.getProjectID()), _s(p.getName())) if k})
    if project is None:
        listed = ", ".join(sorted(next(iter(sorted(k))) if k else "?" for k in keys))
        raise _refuse(src, f"the file holds {len(files)} projects ({listed}): choose one with project=")
    hits = [f for f, k in zip(files, keys) if project in k]
    if len(hits) != 1:
        raise _refuse(src, f"project {project!r} not found in the file")
    return hits[0]


def read_schedule(path: str | os.PathLike, project_id: str | None = None, field_map: dict | None = None,
                  default_range: tuple[float, float] = DEFAULT_RANGE, *, project: str | None = None,
                  phase_level: int = 1, distribution: str = "triangular") -> Schedule:
    """Read one project of an MS Project / Primavera file into our tables.

    Parameters
    ----------
    path : str or Path
        ``.mpp``, ``.mpt``, ``.mpx``, MSPDI ``.xml``, ``.xer`` or P6 XML file.
    project_id : str, optional
        Our project id stamped on every row (must match ``projects.project_id``
        when merged). Default: the file's P6 project id, else the file stem.
    field_map : dict, optional
        Overrides of :data:`DEFAULT_FIELD_MAP`: our column (``activity_id``,
        ``min_duration``, ``most_likely``, ``max_duration``, ``distribution``,
        ``correlation_group``, ``phase``) -> an MPXJ task field name
        (``Duration1``, ``Text5``, ``Number2`` ...) or the alias of a custom
        field (e.g. ``"Pessimistic"``, a P6 user-defined field's title); ``None``
        switches a mapping off. Number fields are read as [working days].
    default_range : (float, float), default (0.9, 1.25)
        Multiples of the planned duration used for ``min_duration`` and
        ``max_duration`` where the mapped fields are blank (reported in ``notes``).
    project : str, optional
        Which project of a multi-project file (XER, P6 XML) to read: its
        title or P6 project id. Required when the file holds several.
    phase_level : int, default 1
        Outline level of the summary task whose name becomes ``phase``.
    distribution : str, default "triangular"
        Distribution written where no ``distribution`` field is mapped.

    Returns
    -------
    Schedule

    Raises
    ------
    ValueError
        for a bad ``default_range``, ``field_map`` key or ``distribution``.
    JavaUnavailableError
        when Java >= 11 or the ``msproject`` extra is missing (says how to install).
    DataValidationError
        for an unreadable, refused or empty file (or one with calendars only),
        an unknown field in ``field_map``, ids that collide, three-point
        values out of order.
    """
    lo, hi = (float(v) for v in default_range)
    if not (0 <= lo <= 1 <= hi) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"default_range must satisfy 0 <= lo <= 1 <= hi, got {default_range!r}")
    if distribution not in TABLES["activities"].column("distribution").allowed:
        raise ValueError(f"unknown distribution {distribution!r}")
    unknown = set(field_map or {}) - set(DEFAULT_FIELD_MAP)
    if unknown:
        raise ValueError(f"field_map keys must be among {sorted(DEFAULT_FIELD_MAP)}, got {sorted(unknown)}")
    if int(phase_level) < 1:
        raise ValueError(f"phase_level must be >= 1, got {phase_level!r}")
    options = ReadOptions({**DEFAULT_FIELD_MAP, **(field_map or {})}, frozenset(field_map or {}), (lo, hi),
                          int(phase_level), distribution)
    path = Path(path)
    _guard_file(path)
    start_jvm()
    src = path.name

    UniversalProjectReader = jclass("org.mpxj.reader.UniversalProjectReader")

    try:
        files = list(UniversalProjectReader().readAll(str(path.resolve())))
    except Exception as exc:  # noqa: BLE001 - MPXJException, IOException, Java runtime errors
        raise _refuse(src, f"cannot read the schedule: {str(exc).splitlines()[0][:250] if str(exc) else exc!r}") \
            from None
    if not files:
        raise _refuse(src, "not a schedule MPXJ can read (format not recognised)")
    pf = _pick_project(files, project, src)
    props = pf.getProjectProperties()
    ftype = _enum(props.getFileType())
    if ftype not in _FILE_TYPES:
        raise _refuse(src, f"file type {ftype} is not accepted: expected MS Project or Primavera")
    if project_id is None:
        project_id = _s(props.getProjectID()) or path.stem
    project_id = str(project_id)
    if not re.match(ID_PATTERN, project_id):
        raise DataValidationError([Problem("activities", src, None, "project_id",
                                           f"invalid project id {project_id!r}: pass project_id=")],
                                  header="cannot read schedule")
    sched = Converter(pf, src, path, sha256_file(path), project_id, options).run()
    _validate_activities(sched.activities, src)
    sched.notes += verify_resource_calendars(sched)  # tasks on resource calendars against the tool's own dates
    return sched


def _validate_activities(acts, src: str) -> None:
    """The data model's own checks on the converted table (e.g. a distribution field with an unknown value)."""
    from ..checks import row_problems, schema_problems

    found = schema_problems("activities", acts, src) + row_problems("activities", acts, src)
    if not found:
        return
    problems = []
    for p in found:  # a schedule has no row numbers: name the activity instead
        aid = acts["activity_id"].iloc[p.row - 2] if p.row is not None and 0 <= p.row - 2 < len(acts) else None
        msg = f"activity {aid}: {p.message}" if aid is not None and not p.message.startswith("activity ") \
            else p.message
        problems.append(Problem(p.table, src, None, p.column, msg))
    raise DataValidationError(problems, header=f"cannot use schedule {src}")
