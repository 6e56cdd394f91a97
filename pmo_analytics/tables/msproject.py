"""Read schedules from Microsoft Project and Primavera P6 (and write them back) through MPXJ.

`MPXJ <https://www.mpxj.org>`_ is a Java library that reads and writes most
scheduling formats; it is driven from Python through JPype. This module turns
one project of a schedule file into our ``activities`` table (see
:mod:`pmo_analytics.tables.spec`) plus the information the table has no
column for (baseline, progress, constraints, calendars, the file's own dates).

Formats read: MS Project ``.mpp``/``.mpt``, ``.mpx``, MSPDI ``.xml``,
Primavera ``.xer`` and P6 XML (``.xml``/``.pmxml``); the format is detected
from the content. Optional extra: ``pip install "pmo_analytics[msproject]"``
(``mpxj``, ``JPype1``) and a Java runtime >= 11. The JVM is started once per
Python process, on first use.

Mapping rules
-------------
* **Activity id**: a field named in ``field_map["activity_id"]``; else a task
  custom field whose alias is ``activity_id`` (what :func:`write_schedule`
  writes); else the P6 Activity ID; else MS Project's task ``ID`` (the row
  number the user sees). Characters outside ``A-Z a-z 0-9 _ . -`` are replaced
  by ``_`` (the original is kept in ``tasks.source_id``).
* **Summary tasks** (and MS Project's project summary task) are not
  activities: they become the ``phase`` of the activities below them (the
  summary at outline level ``phase_level``). Links to or from a summary task are
  expanded to its leaf activities where that is exact: the *finish* of a
  predecessor summary (FS, FF) is the latest finish of its leaves, and the
  *start* of a successor summary (FS, SS) constrains every leaf. The other
  cases (start of a predecessor summary, finish of a successor summary) have
  no exact equivalent; they are dropped and reported in ``notes``.
* **Durations** [working days]: converted with the file's minutes per day
  (MS Project default 480); elapsed durations and lags (``edays``) are
  converted with the calendar's working-days-per-week / 7 and reported;
  percent lags are taken of the predecessor's duration.
* **Three-point estimates**: ``most_likely`` is the task's planned duration
  (the deterministic plan, whose CPM the file's dates show); ``min_duration``
  and ``max_duration`` come from ``field_map`` (default: MS Project's PERT
  fields, ``Duration1`` optimistic and ``Duration3`` pessimistic, or a custom
  field with alias ``min_duration`` / ``max_duration``). Where a task has no
  such value the **default range rule** applies: ``min = lo x most_likely``
  and ``max = hi x most_likely`` with ``default_range=(lo, hi)`` =
  ``(0.9, 1.25)``, a modest right-skewed range in the spirit of AACE 41R-08's
  ranging of undeveloped estimates. The rule and the number of activities it
  was applied to are reported in ``notes`` (and a :class:`DataWarning`) so the
  analyst confirms it with the schedule owner.
* **Costs**: ``fixed_cost`` is the task's fixed cost; the rest of its planned
  cost (resources) is time-dependent, ``cost_rate = (cost - fixed_cost) /
  most_likely`` [currency/day]. Primavera keeps costs on resource
  assignments and expenses, which MPXJ does not roll up into a task cost in
  every format: blank costs are read as 0 (check ``tasks.cost``).
* **Milestones**: the milestone flag, or zero duration; durations 0.
* **Constraints** (SNET, MSO, FNLT, ...), percent complete, baseline dates
  and costs, calendars and the file's early/late dates are kept in
  :attr:`Schedule.tasks`; our logic-only CPM does not apply date constraints, so
  each one is listed in ``notes``.
* **Calendar**: the project's default calendar gives the working weekdays and
  the holidays (non-working exceptions, expanded to dates):
  ``WorkCalendar(**schedule.calendar_spec)``. Task calendars that differ
  from it are reported.

Safety: the file is only read; XML with a DTD (``<!DOCTYPE``/``<!ENTITY``) is
refused before parsing (MSPDI and P6 XML never need one), files over
:data:`~pmo_analytics.tables.readers.MAX_FILE_BYTES` are refused, and only the
formats above are accepted; nothing in a file is evaluated.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..exceptions import DataValidationError, DataWarning, JavaUnavailableError, Problem
from .readers import MAX_FILE_BYTES, sha256_file
from .spec import ID_PATTERN, TABLES

__all__ = [
    "Schedule",
    "read_schedule",
    "write_schedule",
    "java_available",
    "java_version",
    "require_java",
    "start_jvm",
    "SCHEDULE_SUFFIXES",
    "DEFAULT_FIELD_MAP",
    "DEFAULT_RANGE",
    "MIN_JAVA",
]

#: Smallest Java major version MPXJ 16 runs on.
MIN_JAVA = 11
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
_WRITE_FIELDS = {"activity_id": "Text1", "distribution": "Text2", "correlation_group": "Text3",
                 "min_duration": "Duration1", "max_duration": "Duration3"}
_ALIASES = ("activity_id", "min_duration", "max_duration", "distribution", "correlation_group")
_REL = {"FINISH_START": "FS", "START_START": "SS", "FINISH_FINISH": "FF", "START_FINISH": "SF"}
_INSTALL = ("install a Java runtime >= 11, e.g. `sudo apt-get install default-jre-headless` (Debian/Ubuntu), "
            "`brew install openjdk` (macOS) or Eclipse Temurin from https://adoptium.net, and make `java` "
            "available on PATH or set JAVA_HOME")
_JVM_LOCK = threading.Lock()


# --------------------------------------------------------------------------- Java runtime

def _java_executable() -> str | None:
    try:
        import jpype
        jvm = Path(jpype.getDefaultJVMPath()).resolve()
        for home in jvm.parents:
            cand = home / "bin" / ("java.exe" if os.name == "nt" else "java")
            if cand.is_file():
                return str(cand)
    except Exception:  # noqa: BLE001 - JVMNotFoundException and friends: fall back to PATH
        pass
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _parse_java_version(text: str) -> int | None:
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


@lru_cache(maxsize=1)
def java_version() -> int | None:
    """Major version of the Java runtime JPype would start (None if none is found)."""
    try:
        import jpype
        if jpype.isJVMStarted():
            from java.lang import System
            return _parse_java_version(f'version "{System.getProperty("java.version")}"')
    except ImportError:
        pass
    exe = _java_executable()
    if exe is None:
        return None
    try:
        res = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return _parse_java_version(res.stderr + res.stdout)


def _missing() -> str | None:
    """Why schedule files cannot be read here, or None when they can."""
    try:
        import jpype  # noqa: F401
        import mpxj  # noqa: F401
    except ImportError as exc:
        return (f"the MS Project / Primavera reader needs the optional packages mpxj and JPype1 ({exc}): "
                'pip install "pmo_analytics[msproject]"')
    v = java_version()
    if v is None:
        return "no Java runtime found: " + _INSTALL
    if v < MIN_JAVA:
        return f"Java {v} found, MPXJ needs Java >= {MIN_JAVA}: " + _INSTALL
    return None


def java_available() -> bool:
    """True when MS Project / Primavera files can be read: ``mpxj`` + ``JPype1`` installed and Java >= 11."""
    return _missing() is None


def require_java() -> None:
    """Raise :class:`JavaUnavailableError` (saying how to install what is missing) unless Java is usable."""
    why = _missing()
    if why:
        raise JavaUnavailableError(why)


def start_jvm() -> None:
    """Start the JVM with MPXJ on the class path, once per process (a no-op afterwards)."""
    require_java()
    import jpype
    import mpxj  # noqa: F401 - adds the MPXJ jars to JPype's class path

    with _JVM_LOCK:
        if not jpype.isJVMStarted():
            jpype.startJVM("-Djava.awt.headless=true", "-Dlog4j2.level=OFF", convertStrings=False)


# --------------------------------------------------------------------------- result

@dataclass
class Schedule:
    """One project read from a schedule file.

    Attributes
    ----------
    activities : DataFrame
        Our ``activities`` layout (``project_id``, ``activity_id``, ``name``,
        ``phase``, ``min_duration``, ``most_likely``, ``max_duration`` [days],
        ``distribution``, ``predecessors``, ``fixed_cost`` [currency],
        ``cost_rate`` [currency/day], ``correlation_group``); summary tasks excluded.
    links : DataFrame
        ``project_id``, ``predecessor``, ``successor``, ``type`` (FS/SS/FF/SF),
        ``lag`` [days]: the same links as ``activities.predecessors``, in the
        layout of ``Portfolio.links``.
    tasks : DataFrame
        Every task of the file, summaries included, indexed by
        ``activity_id``: ``source_id``, ``unique_id``, ``wbs``,
        ``outline_level``, ``parent``, ``summary``, ``milestone``,
        ``estimate_source`` (``fields`` / ``default range`` / ``milestone``),
        ``percent_complete`` [%], ``start``, ``finish``, ``early_start``,
        ``early_finish``, ``late_start``, ``late_finish`` (the file's dates),
        ``total_slack`` [days], ``constraint_type``, ``constraint_date``,
        ``baseline_start``, ``baseline_finish``, ``baseline_duration`` [days],
        ``baseline_cost``, ``cost`` [currency], ``calendar``.
    calendars : DataFrame
        One row per calendar: ``calendar``, ``default``, ``weekend``
        (``;``-separated weekday names), ``hours_per_day`` [hours], ``holidays``
        (count), ``extra_working_days`` (count, not representable in our calendar).
    holidays : DataFrame
        ``calendar``, ``date``, ``name``: non-working exception days, expanded.
    project : dict
        ``title``, ``project_id``, ``start_date``, ``status_date``,
        ``file_type``, ``application``, ``source`` (file name), ``sha256``,
        ``minutes_per_day``, ``calendar``.
    notes : list of Problem
        What the analyst should confirm (default range applied, constraints not
        applied by our CPM, summary links dropped, elapsed lags converted).
    """

    activities: pd.DataFrame
    links: pd.DataFrame
    tasks: pd.DataFrame
    calendars: pd.DataFrame
    holidays: pd.DataFrame
    project: dict
    notes: list = field(default_factory=list)

    @property
    def project_id(self) -> str:
        """Our project id stamped on every row."""
        return self.project["project_id"]

    @property
    def start_date(self) -> pd.Timestamp | None:
        """Project start date from the file."""
        return self.project.get("start_date")

    @property
    def calendar_spec(self) -> dict:
        """Keyword arguments for ``schedule.WorkCalendar``: ``weekend`` and ``holidays`` of the default calendar."""
        name = self.project.get("calendar")
        row = self.calendars[self.calendars["calendar"] == name]
        weekend = row["weekend"].iloc[0].split(";") if len(row) and row["weekend"].iloc[0] else []
        hol = self.holidays.loc[self.holidays["calendar"] == name, "date"]
        return {"weekend": tuple(weekend), "holidays": list(pd.to_datetime(hol))}

    @property
    def summary(self) -> pd.DataFrame:
        """Counts of what was read, one row per item."""
        t = self.tasks
        rows = [
            ("activities", len(self.activities)),
            ("summary tasks", int(t["summary"].sum())),
            ("milestones", int((~t["summary"] & t["milestone"]).sum())),
            ("links", len(self.links)),
            ("links FS/SS/FF/SF", "/".join(str(int((self.links["type"] == k).sum())) for k in _REL.values())),
            ("three-point from fields", int((t["estimate_source"] == "fields").sum())),
            ("default range applied", int((t["estimate_source"] == "default range").sum())),
            ("constraints", int(t["constraint_type"].notna().sum())),
            ("holidays (default calendar)", len(self.calendar_spec["holidays"])),
            ("notes", len(self.notes)),
        ]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def __repr__(self) -> str:
        return (f"Schedule({self.project['source']!r} -> {self.project_id!r}: {len(self.activities)} activities, "
                f"{len(self.links)} links, {int(self.tasks['summary'].sum())} summary tasks, "
                f"{len(self.notes)} notes)")


# --------------------------------------------------------------------------- reading helpers

def _guard_file(path: Path) -> None:
    src = path.name
    if not path.is_file():
        raise DataValidationError([Problem("activities", src, None, None, "no such file")],
                                  header="cannot read schedule")
    if path.suffix.lower() not in SCHEDULE_SUFFIXES:
        raise DataValidationError([Problem("activities", src, None, None,
                                           f"not a schedule file: expected one of {', '.join(SCHEDULE_SUFFIXES)}")],
                                  header="cannot read schedule")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataValidationError([Problem("activities", src, None, None,
                                           f"file is {size / 2**20:.0f} MiB, over the "
                                           f"{MAX_FILE_BYTES / 2**20:.0f} MiB limit")], header="cannot read schedule")
    if size == 0:
        raise DataValidationError([Problem("activities", src, None, None, "file is empty")],
                                  header="cannot read schedule")
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if path.suffix.lower() in (".xml", ".mspdi", ".pmxml") or head.lstrip()[:5] == b"<?xml":
        low = head.lower()
        if b"<!doctype" in low or b"<!entity" in low:
            raise DataValidationError([Problem("activities", src, None, None,
                                               "XML with a DTD (<!DOCTYPE/<!ENTITY) is refused: schedule XML "
                                               "(MSPDI, P6 XML) never needs one")], header="cannot read schedule")


def _s(x) -> str | None:
    return None if x is None else str(x)


def _enum(x) -> str | None:
    """Name of a Java enum constant (its toString() may be an abbreviation)."""
    return None if x is None else str(x.name() if hasattr(x, "name") else x)


def _ts(x) -> pd.Timestamp | None:
    if x is None:
        return None
    return pd.Timestamp(str(x))


def _num(x) -> float:
    return float("nan") if x is None else float(x.doubleValue() if hasattr(x, "doubleValue") else x)


class _Conv:
    """Duration conversion to working days for one project file."""

    def __init__(self, props, workdays_per_week: int):
        from org.mpxj import TimeUnit

        self.props = props
        self.TimeUnit = TimeUnit
        self.wd_ratio = workdays_per_week / 7.0
        self.elapsed = 0

    def days(self, d, base: float | None = None) -> float:
        if d is None:
            return float("nan")
        units = _enum(d.getUnits())
        value = float(d.getDuration())
        if units in ("PERCENT", "ELAPSED_PERCENT"):
            return value / 100.0 * (base if base is not None and not math.isnan(base) else 0.0)
        if units.startswith("ELAPSED_"):
            self.elapsed += 1
            # elapsed units run round the clock: convert to calendar days, then to working days
            per_day = {"MINUTES": 1 / 1440, "HOURS": 1 / 24, "DAYS": 1.0, "WEEKS": 7.0, "MONTHS": 30.0,
                       "YEARS": 365.0}[units[len("ELAPSED_"):]]
            return value * per_day * self.wd_ratio
        return float(d.convertUnits(self.TimeUnit.DAYS, self.props).getDuration())


def _field_resolver(pf, spec: str | None, src: str, column: str):
    """MPXJ FieldType for ``spec``: a task field name (``Duration1``) or a custom-field alias; None if absent."""
    from org.mpxj import FieldTypeClass, TaskField

    if spec is None:
        return None
    ft = pf.getCustomFields().getFieldTypeByAlias(FieldTypeClass.TASK, spec)
    if ft is not None:
        return ft
    name = re.sub(r"[\s\-]", "_", spec.strip()).upper()
    try:
        return TaskField.valueOf(name)
    except Exception:  # noqa: BLE001 - java IllegalArgumentException
        raise DataValidationError([Problem("activities", src, None, column,
                                           f"field_map[{column!r}] = {spec!r} is neither an MPXJ task field "
                                           "(e.g. Duration1, Text2, Number3) nor a custom field alias of this file")],
                                  header="cannot read schedule") from None


_BAD_ID = re.compile(r"[^A-Za-z0-9_.\-]")


def _clean_id(raw: str) -> str:
    s = _BAD_ID.sub("_", raw.strip())
    if not s or not re.match(r"[A-Za-z0-9]", s[0]):
        s = "A" + s
    return s[:64]


def _fmt(x: float) -> str:
    s = f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _predecessor_text(links: pd.DataFrame) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for p, s, t, lag in links[["predecessor", "successor", "type", "lag"]].itertuples(index=False):
        if t == "FS" and lag == 0:
            item = p
        elif lag == 0:
            item = f"{p}:{t}"
        else:
            item = f"{p}:{t}{'+' if lag > 0 else '-'}{_fmt(abs(lag))}"
        out.setdefault(s, []).append(item)
    return {k: "; ".join(v) for k, v in out.items()}


def _calendar_frames(pf, default_cal):
    from java.time import DayOfWeek

    names = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    cal_rows, hol_rows = [], []
    for cal in pf.getCalendars():
        name = _s(cal.getName()) or f"calendar {cal.getUniqueID()}"
        weekend = [n[:3].title() for n in names if not cal.isWorkingDay(getattr(DayOfWeek, n))]
        days, extra = set(), 0
        c = cal
        while c is not None:  # a derived calendar inherits its base calendar's exceptions
            for exc in c.getCalendarExceptions():
                subs = list(exc.getExpandedExceptions()) if exc.getRecurring() is not None else [exc]
                for e in subs:
                    d0, d1 = pd.Timestamp(str(e.getFromDate())), pd.Timestamp(str(e.getToDate()))
                    if e.getWorking():
                        extra += 1
                        continue
                    for d in pd.date_range(d0, d1, freq="D"):
                        if d not in days:
                            days.add(d)
                            hol_rows.append((name, d, _s(e.getName())))
            c = c.getParent()
        mpd = cal.getMinutesPerDay()
        cal_rows.append((name, default_cal is not None and cal.getUniqueID() == default_cal.getUniqueID(),
                         ";".join(weekend), (float(mpd) / 60.0) if mpd is not None else float("nan"),
                         len(days), extra))
    calendars = pd.DataFrame(cal_rows, columns=["calendar", "default", "weekend", "hours_per_day", "holidays",
                                                "extra_working_days"])
    holidays = pd.DataFrame(hol_rows, columns=["calendar", "date", "name"]).astype(
        {"calendar": object, "date": "datetime64[ns]", "name": object})
    holidays = holidays.sort_values(["calendar", "date"], kind="stable").reset_index(drop=True)
    return calendars, holidays


# --------------------------------------------------------------------------- read

def read_schedule(path: str | os.PathLike, project_id: str | None = None, field_map: dict | None = None,
                  default_range: tuple[float, float] = DEFAULT_RANGE, *, project: str | None = None,
                  phase_level: int = 1, distribution: str = "triangular") -> Schedule:
    """Read one project of an MS Project / Primavera file into our ``activities`` layout.

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
        switches a mapping off. Number fields are read as [days].
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
    JavaUnavailableError
        when Java >= 11 or the ``msproject`` extra is missing (says how to install).
    DataValidationError
        for an unreadable, refused or empty file, an unknown field in
        ``field_map``, ids that collide, or three-point values out of order.
    """
    lo, hi = (float(v) for v in default_range)
    if not (0 <= lo <= 1 <= hi) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"default_range must satisfy 0 <= lo <= 1 <= hi, got {default_range!r}")
    if distribution not in TABLES["activities"].column("distribution").allowed:
        raise ValueError(f"unknown distribution {distribution!r}")
    unknown = set(field_map or {}) - set(DEFAULT_FIELD_MAP)
    if unknown:
        raise ValueError(f"field_map keys must be among {sorted(DEFAULT_FIELD_MAP)}, got {sorted(unknown)}")
    fmap = {**DEFAULT_FIELD_MAP, **(field_map or {})}
    path = Path(path)
    _guard_file(path)
    start_jvm()
    src = path.name

    from org.mpxj.reader import UniversalProjectReader

    try:
        files = list(UniversalProjectReader().readAll(str(path.resolve())))
    except Exception as exc:  # noqa: BLE001 - MPXJException, IOException, Java runtime errors
        msg = str(exc).split("\n")[0][:250]
        raise DataValidationError([Problem("activities", src, None, None, f"cannot read the schedule: {msg}")],
                                  header="cannot read schedule") from None
    if not files:
        raise DataValidationError([Problem("activities", src, None, None,
                                           "not a schedule MPXJ can read (format not recognised)")],
                                  header="cannot read schedule")
    pf = _pick_project(files, project, src)
    props = pf.getProjectProperties()
    ftype = _enum(props.getFileType())
    if ftype not in _FILE_TYPES:
        raise DataValidationError([Problem("activities", src, None, None,
                                           f"file type {ftype} is not accepted: expected MS Project or Primavera")],
                                  header="cannot read schedule")
    if project_id is None:
        project_id = _s(props.getProjectID()) or path.stem
    project_id = str(project_id)
    if not re.match(ID_PATTERN, project_id):
        raise DataValidationError([Problem("activities", src, None, "project_id",
                                           f"invalid project id {project_id!r}: pass project_id=")],
                                  header="cannot read schedule")
    return _convert(pf, props, src, path, project_id, fmap, set(field_map or {}), lo, hi, phase_level,
                    distribution)


def _pick_project(files, project, src):
    if len(files) == 1 and project is None:
        return files[0]
    keys = []
    for f in files:
        p = f.getProjectProperties()
        keys.append({k for k in (_s(p.getProjectTitle()), _s(p.getProjectID()), _s(p.getName())) if k})
    if project is None:
        listed = ", ".join(sorted(next(iter(sorted(k))) if k else "?" for k in keys))
        raise DataValidationError([Problem("activities", src, None, None,
                                           f"the file holds {len(files)} projects ({listed}): choose one with "
                                           "project=")], header="cannot read schedule")
    hits = [f for f, k in zip(files, keys) if project in k]
    if len(hits) != 1:
        raise DataValidationError([Problem("activities", src, None, None,
                                           f"project {project!r} not found in the file")],
                                  header="cannot read schedule")
    return hits[0]


def _convert(pf, props, src, path, project_id, fmap, fmap_overrides, lo, hi, phase_level,
             distribution) -> Schedule:
    default_cal = props.getDefaultCalendar()
    calendars, holidays = _calendar_frames(pf, default_cal)
    cal_name = None
    if default_cal is not None:
        cal_name = _s(default_cal.getName()) or f"calendar {default_cal.getUniqueID()}"
    weekend = calendars.loc[calendars["calendar"] == cal_name, "weekend"]
    n_work = 7 - (len(weekend.iloc[0].split(";")) if len(weekend) and weekend.iloc[0] else 0)
    conv = _Conv(props, n_work)
    notes: list[Problem] = []
    errors: list[Problem] = []
    fields = {k: _field_resolver(pf, v, src, k) for k, v in fmap.items()}
    from org.mpxj import FieldTypeClass

    for k in _ALIASES:  # a custom field named like our column (what write_schedule writes) wins over defaults
        if k not in fmap_overrides:
            ft = pf.getCustomFields().getFieldTypeByAlias(FieldTypeClass.TASK, k)
            if ft is not None:
                fields[k] = ft

    all_tasks = [t for t in pf.getTasks() if t.getNull() is not True]
    inactive = [t for t in all_tasks if t.getActive() is False]
    if inactive:
        notes.append(Problem("activities", src, None, None,
                             f"{len(inactive)} inactive task(s) left out: "
                             + ", ".join(_s(t.getName()) or "?" for t in inactive[:5])))
        all_tasks = [t for t in all_tasks if t.getActive() is not False]
    # MS Project's project summary task (ID 0 / outline level 0) is not a task of the plan
    all_tasks = [t for t in all_tasks if not (t.getOutlineLevel() is not None and int(t.getOutlineLevel()) == 0)]
    if not all_tasks:
        raise DataValidationError([Problem("activities", src, None, None, "the schedule has no tasks")],
                                  header="cannot read schedule")
    is_summary = {}
    for t in all_tasks:
        is_summary[int(t.getUniqueID())] = bool(t.getSummary()) or len(list(t.getChildTasks())) > 0

    # ids
    ids: dict[int, str] = {}
    source_ids: dict[int, str] = {}
    for t in all_tasks:
        uid = int(t.getUniqueID())
        raw = None
        if fields.get("activity_id") is not None:
            raw = _s(t.get(fields["activity_id"]))
        if not raw:
            raw = _s(t.getActivityID())
        if not raw:
            raw = _s(t.getID()) if t.getID() is not None else f"U{uid}"
        source_ids[uid] = raw
        ids[uid] = _clean_id(raw)
    seen: dict[str, int] = {}
    for uid, aid in ids.items():
        if aid in seen:
            errors.append(Problem("activities", src, None, "activity_id",
                                  f"activity id {aid!r} is used by more than one task (unique ids {seen[aid]} and "
                                  f"{uid}): map a unique field with field_map={{'activity_id': ...}}"))
        seen[aid] = uid
    renamed = [f"{source_ids[u]!r} -> {ids[u]!r}" for u in ids if source_ids[u] != ids[u]]
    if renamed:
        notes.append(Problem("activities", src, None, "activity_id",
                             f"{len(renamed)} id(s) with characters outside A-Z a-z 0-9 _ . - were renamed: "
                             + ", ".join(renamed[:5])))

    by_uid = {int(t.getUniqueID()): t for t in all_tasks}

    def parent_uid(t):
        p = t.getParentTask()
        while p is not None and int(p.getUniqueID()) not in by_uid:
            p = p.getParentTask()
        return None if p is None else int(p.getUniqueID())

    parents = {u: parent_uid(t) for u, t in by_uid.items()}
    roots = [u for u, p in parents.items() if p is None]
    # one summary task above everything (a P6 project WBS node, a hand-made project summary) is not a phase
    umbrella = roots[0] if len(roots) == 1 and is_summary[roots[0]] else None

    def leaves(u):
        out, stack = [], [u]
        while stack:
            x = stack.pop()
            kids = [int(c.getUniqueID()) for c in by_uid[x].getChildTasks() if int(c.getUniqueID()) in by_uid]
            if is_summary[x] and kids:
                stack.extend(reversed(kids))
            elif not is_summary[x]:
                out.append(x)
        return out

    def phase_of(u):
        chain, p = [], parents[u]
        while p is not None:
            if p != umbrella:
                chain.append(p)
            p = parents[p]
        chain.reverse()  # top-level summary first
        if not chain:
            return None
        pick = chain[min(phase_level, len(chain)) - 1]
        return _s(by_uid[pick].getName())

    # durations and three-point estimates
    rows, task_rows = [], []
    n_default = 0
    ml_days: dict[int, float] = {}
    for u, t in by_uid.items():
        ml_days[u] = conv.days(t.getDuration())
    for u, t in by_uid.items():
        summ = is_summary[u]
        ml = ml_days[u]
        if fields.get("most_likely") is not None:
            ml = _value_days(t.get(fields["most_likely"]), conv, ml)
        if math.isnan(ml):
            ml = 0.0
        ml = round(ml, 6)
        milestone = bool(t.getMilestone()) or ml == 0
        if milestone:
            ml = 0.0
        mn = _value_days(t.get(fields["min_duration"]), conv) if fields.get("min_duration") is not None else math.nan
        mx = _value_days(t.get(fields["max_duration"]), conv) if fields.get("max_duration") is not None else math.nan
        # an unset duration field reads as 0 in .mpp files: 0 on a task with a duration means "blank"
        mn = math.nan if mn == 0 and ml > 0 else mn
        mx = math.nan if mx == 0 and ml > 0 else mx
        source = "fields" if not (math.isnan(mn) and math.isnan(mx)) else "default range"
        if milestone:
            mn = mx = 0.0
            source = "milestone"
        else:
            if math.isnan(mn) or math.isnan(mx):
                if not summ:
                    n_default += 1
                source = "default range" if (math.isnan(mn) and math.isnan(mx)) else "fields + default range"
            mn = round(lo * ml, 6) if math.isnan(mn) else round(mn, 6)
            mx = round(hi * ml, 6) if math.isnan(mx) else round(mx, 6)
        if not summ and not (mn <= ml <= mx):
            errors.append(Problem("activities", src, None, "most_likely",
                                  f"activity {ids[u]} ({_s(t.getName())}): three-point estimate out of order: "
                                  f"min {mn:g} / most likely {ml:g} / max {mx:g} [days]"))
        cost = _num(t.getCost())
        fixed = _num(t.getFixedCost())
        fixed = 0.0 if math.isnan(fixed) else fixed
        cost = fixed if math.isnan(cost) else cost
        rate = (cost - fixed) / ml if ml > 0 and cost > fixed else 0.0
        dist = _s(t.get(fields["distribution"])) if fields.get("distribution") is not None else None
        group = _s(t.get(fields["correlation_group"])) if fields.get("correlation_group") is not None else None
        phase = _s(t.get(fields["phase"])) if fields.get("phase") is not None else phase_of(u)
        ctype = _enum(t.getConstraintType())
        if ctype in ("AS_SOON_AS_POSSIBLE", None):
            ctype = None
        cal = t.getCalendar()
        task_rows.append({
            "activity_id": ids[u], "source_id": source_ids[u], "unique_id": u, "wbs": _s(t.getWBS()),
            "outline_level": None if t.getOutlineLevel() is None else int(t.getOutlineLevel()),
            "parent": ids[parents[u]] if parents[u] is not None else None, "name": _s(t.getName()) or "",
            "summary": summ, "milestone": milestone and not summ, "estimate_source": None if summ else source,
            "percent_complete": _num(t.getPercentageComplete()),
            "start": _ts(t.getStart()), "finish": _ts(t.getFinish()),
            "early_start": _ts(t.getEarlyStart()), "early_finish": _ts(t.getEarlyFinish()),
            "late_start": _ts(t.getLateStart()), "late_finish": _ts(t.getLateFinish()),
            "total_slack": conv.days(t.getTotalSlack()),
            "constraint_type": ctype, "constraint_date": _ts(t.getConstraintDate()) if ctype else None,
            "baseline_start": _ts(t.getBaselineStart()), "baseline_finish": _ts(t.getBaselineFinish()),
            "baseline_duration": conv.days(t.getBaselineDuration()), "baseline_cost": _num(t.getBaselineCost()),
            "cost": cost, "calendar": _s(cal.getName()) if cal is not None else None,
        })
        if summ:
            continue
        rows.append({
            "project_id": project_id, "activity_id": ids[u], "name": _s(t.getName()) or ids[u], "phase": phase,
            "min_duration": mn, "most_likely": ml, "max_duration": mx, "distribution": dist or distribution,
            "fixed_cost": fixed, "cost_rate": rate, "correlation_group": group, "_uid": u,
        })
        if ctype:
            notes.append(Problem("activities", src, None, "predecessors",
                                 f"activity {ids[u]} has a {ctype.replace('_', ' ').lower()} constraint "
                                 f"({task_rows[-1]['constraint_date']}): our CPM schedules by logic only"))
        if cal is not None and cal_name is not None and _s(cal.getName()) != cal_name:
            notes.append(Problem("activities", src, None, None,
                                 f"activity {ids[u]} uses calendar {_s(cal.getName())!r}; the network uses the "
                                 f"project calendar {cal_name!r}"))

    # links, summary links expanded where exact
    link_rows = []
    for u, t in by_uid.items():
        for r in t.getPredecessors():
            pt = r.getPredecessorTask()
            if pt is None or int(pt.getUniqueID()) not in by_uid:
                continue
            p = int(pt.getUniqueID())
            typ = _REL.get(_enum(r.getType()), None)
            if typ is None:
                errors.append(Problem("activities", src, None, "predecessors",
                                      f"unknown relationship type {_enum(r.getType())} from {ids[p]} to {ids[u]}"))
                continue
            lag = round(conv.days(r.getLag(), base=ml_days[p]), 6)
            preds, succs = [p], [u]
            if is_summary[p]:
                if typ in ("FS", "FF"):
                    preds = leaves(p)
                else:
                    notes.append(Problem("activities", src, None, "predecessors",
                                         f"{typ} link from summary task {ids[p]} to {ids[u]} dropped: the start "
                                         "of a summary has no exact equivalent on its activities"))
                    continue
            if is_summary[u]:
                if typ in ("FS", "SS"):
                    succs = leaves(u)
                else:
                    notes.append(Problem("activities", src, None, "predecessors",
                                         f"{typ} link from {ids[p]} to summary task {ids[u]} dropped: the finish "
                                         "of a summary has no exact equivalent on its activities"))
                    continue
            if is_summary[p] or is_summary[u]:
                notes.append(Problem("activities", src, None, "predecessors",
                                     f"{typ} link {ids[p]} -> {ids[u]} involves a summary task: expanded to "
                                     f"{len(preds) * len(succs)} link(s) between its activities"))
            for a in preds:
                for b in succs:
                    if a != b:
                        link_rows.append((project_id, ids[a], ids[b], typ, lag))
    if conv.elapsed:
        notes.append(Problem("activities", src, None, None,
                             f"{conv.elapsed} elapsed duration(s)/lag(s) converted to working days at "
                             f"{n_work}/7 working days per calendar day"))
    links = pd.DataFrame(link_rows, columns=["project_id", "predecessor", "successor", "type", "lag"])
    links = links.drop_duplicates(["predecessor", "successor", "type"], keep="last").reset_index(drop=True)
    links = links.astype({"project_id": object, "predecessor": object, "successor": object, "type": object,
                          "lag": float})
    if n_default:
        msg = (f"{n_default} of {len(rows)} activities have no three-point estimate in the file: the default "
               f"range rule min = {lo:g} x, max = {hi:g} x the planned duration was applied; confirm it with the "
               "schedule owner or map the fields with field_map=")
        notes.append(Problem("activities", src, None, "min_duration", msg))
        warnings.warn(f"{src}: {msg}", DataWarning, stacklevel=3)
    if errors:
        raise DataValidationError(errors, header=f"cannot use schedule {src}")

    acts = pd.DataFrame(rows)
    if acts.empty:
        raise DataValidationError([Problem("activities", src, None, None,
                                           "the schedule has no activities (only summary tasks)")],
                                  header="cannot read schedule")
    text = _predecessor_text(links)
    acts["predecessors"] = acts["activity_id"].map(text)
    acts = acts.drop(columns="_uid")
    acts = acts[[c for c in TABLES["activities"].column_names if c in acts.columns]]
    acts = acts.astype({"project_id": object, "activity_id": object, "name": object, "phase": object,
                        "min_duration": float, "most_likely": float, "max_duration": float,
                        "distribution": object, "predecessors": object, "fixed_cost": float, "cost_rate": float,
                        "correlation_group": object})
    _validate_activities(acts, src)
    tasks = pd.DataFrame(task_rows).set_index("activity_id")
    for c in ("start", "finish", "early_start", "early_finish", "late_start", "late_finish", "constraint_date",
              "baseline_start", "baseline_finish"):
        tasks[c] = pd.to_datetime(tasks[c])
    start = _ts(props.getStartDate())
    if start is None:
        firsts = tasks.loc[~tasks["summary"], "start"].dropna()
        start = firsts.min() if len(firsts) else None
    project = {
        "title": _s(props.getProjectTitle()) or _s(props.getName()), "project_id": project_id,
        "source_project_id": _s(props.getProjectID()), "start_date": start,
        "status_date": _ts(props.getStatusDate()), "file_type": _enum(props.getFileType()),
        "application": _s(props.getFileApplication()), "source": src, "sha256": sha256_file(path),
        "minutes_per_day": None if props.getMinutesPerDay() is None else int(props.getMinutesPerDay()),
        "calendar": cal_name,
    }
    return Schedule(acts.reset_index(drop=True), links, tasks, calendars, holidays, project, notes)


def _validate_activities(acts: pd.DataFrame, src: str) -> None:
    """The data model's own checks on the converted table (e.g. a distribution field with an unknown value)."""
    from .checks import row_problems, schema_problems

    found = schema_problems("activities", acts, src) + row_problems("activities", acts, src)
    if not found:
        return
    problems = []
    for p in found:  # a schedule has no row numbers: name the activity instead
        aid = acts["activity_id"].iloc[p.row - 2] if p.row is not None and 0 <= p.row - 2 < len(acts) else None
        msg = f"activity {aid}: {p.message}" if aid is not None else p.message
        problems.append(Problem(p.table, src, None, p.column, msg))
    raise DataValidationError(problems, header=f"cannot use schedule {src}")


def _value_days(v, conv: _Conv, default: float = math.nan) -> float:
    if v is None:
        return default
    if hasattr(v, "getUnits"):
        return conv.days(v)
    try:
        x = float(v.doubleValue() if hasattr(v, "doubleValue") else str(v))
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


# --------------------------------------------------------------------------- write

_FORMATS = {".xml": "MSPDI", ".mspdi": "MSPDI", ".xer": "XER", ".pmxml": "PMXML", ".mpx": "MPX"}


def write_schedule(activities: pd.DataFrame, path: str | os.PathLike, project_id: str | None = None, *,
                   start_date="2026-01-05", weekend=("Sat", "Sun"), holidays=(), title: str | None = None,
                   overwrite: bool = False) -> Path:
    """Write activities of one project as an MS Project (MSPDI ``.xml``) or Primavera (``.xer``, ``.pmxml``) file.

    Phases become summary tasks; ``activity_id``, ``distribution`` and
    ``correlation_group`` go to the custom fields Text1-3 (aliases with the
    same names), ``min_duration`` / ``max_duration`` to Duration1 / Duration3,
    so :func:`read_schedule` reads back the same table. The file's dates are
    computed by MPXJ's MS Project-compatible scheduler (``MicrosoftScheduler``)
    on a calendar of ``weekend`` days and ``holidays``, starting at
    ``start_date`` 08:00.

    Parameters
    ----------
    activities : DataFrame
        Rows of the ``activities`` table (one project, or pass ``project_id``).
    path : str or Path
        Output file; the suffix picks the format (``.xml`` = MSPDI).
    project_id : str, optional
        Project to write when ``activities`` holds several.
    start_date : date-like
        Project start.
    weekend, holidays
        Non-working weekdays (``Sat``, ``Sun`` ...) and dates.
    title : str, optional
        Project title (default ``project_id``).
    overwrite : bool, default False
        Refuse to replace an existing file unless True.

    Returns
    -------
    Path
    """
    from .graph import parse_predecessors

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot write {path.suffix!r}: use one of {', '.join(_FORMATS)}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: pass overwrite=True to replace it")
    acts = activities
    if "project_id" in acts.columns:
        if project_id is not None:
            acts = acts[acts["project_id"] == project_id]
        elif acts["project_id"].nunique() > 1:
            raise ValueError("activities of several projects given: pass project_id=")
        elif len(acts):
            project_id = str(acts["project_id"].iloc[0])
    if acts.empty:
        raise ValueError("no activities to write")
    start_jvm()
    from java.time import DayOfWeek, LocalDate, LocalDateTime
    from org.mpxj import ConstraintType, Duration, ProjectFile, Relation, RelationType, TaskField, TimeUnit
    from org.mpxj.cpm import MicrosoftScheduler
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    pf = ProjectFile()
    props = pf.getProjectProperties()
    cal = pf.addDefaultBaseCalendar()
    props.setDefaultCalendar(cal)
    days = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    weekend = {str(w)[:3].title() for w in weekend}
    for d in days:
        wd = getattr(DayOfWeek, d)
        if d[:3].title() in weekend and cal.isWorkingDay(wd):
            cal.setWorkingDay(wd, False)
        elif d[:3].title() not in weekend and not cal.isWorkingDay(wd):
            cal.setWorkingDay(wd, True)
            hours = cal.addCalendarHours(wd)
            for rng in _work_hours():
                hours.add(rng)
    for h in pd.to_datetime(list(holidays)).normalize().unique():
        cal.addCalendarException(LocalDate.of(h.year, h.month, h.day), LocalDate.of(h.year, h.month, h.day))
    s = pd.Timestamp(start_date)
    start = LocalDateTime.of(s.year, s.month, s.day, 8, 0)
    props.setStartDate(start)
    props.setProjectTitle(title or project_id or path.stem)
    if project_id:
        props.setProjectID(project_id)
    cf = pf.getCustomFields()
    for col, fld in _WRITE_FIELDS.items():
        cf.getOrCreate(TaskField.valueOf(fld.upper())).setAlias(col)

    def days_(x):
        return Duration.getInstance(float(x), TimeUnit.DAYS)

    tasks = {}
    phases = {}
    for r in acts.itertuples(index=False):
        r = r._asdict()
        phase = r.get("phase")
        parent = pf
        if isinstance(phase, str) and phase:
            if phase not in phases:
                st = pf.addTask()
                st.setName(phase)
                phases[phase] = st
            parent = phases[phase]
        t = parent.addTask()
        aid = str(r["activity_id"])
        t.setName(str(r.get("name") or aid))
        t.setActivityID(aid)
        t.set(TaskField.TEXT1, aid)
        ml = float(r["most_likely"])
        t.setDuration(days_(ml))
        t.setActualDuration(days_(0))
        t.setRemainingDuration(days_(ml))
        t.set(TaskField.DURATION1, days_(r["min_duration"]))
        t.set(TaskField.DURATION3, days_(r["max_duration"]))
        if r.get("distribution"):
            t.set(TaskField.TEXT2, str(r["distribution"]))
        group = r.get("correlation_group")
        if isinstance(group, str) and group:
            t.set(TaskField.TEXT3, group)
        if float(r["max_duration"]) == 0:
            t.setMilestone(True)
        fixed = float(r.get("fixed_cost") or 0.0)
        t.setFixedCost(fixed)
        t.setCost(fixed + float(r.get("cost_rate") or 0.0) * ml)
        t.setConstraintType(ConstraintType.AS_SOON_AS_POSSIBLE)
        tasks[aid] = t
    rel = {"FS": RelationType.FINISH_START, "SS": RelationType.START_START, "FF": RelationType.FINISH_FINISH,
           "SF": RelationType.START_FINISH}
    for aid, text in zip(acts["activity_id"].astype(str), acts.get("predecessors", [None] * len(acts))):
        for p, typ, lag in parse_predecessors(text):
            if p not in tasks:
                raise ValueError(f"unknown predecessor {p!r} of {aid}")
            tasks[aid].addPredecessor(Relation.Builder().predecessorTask(tasks[p]).type(rel[typ]).lag(days_(lag)))
    MicrosoftScheduler().schedule(pf, start)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        UniversalProjectWriter(getattr(FileFormat, fmt)).write(pf, str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _work_hours():
    """MS Project's standard working hours (08:00-12:00, 13:00-17:00) for a weekday made working."""
    from java.time import LocalTime
    from org.mpxj import LocalTimeRange
    return [LocalTimeRange(LocalTime.of(8, 0), LocalTime.of(12, 0)),
            LocalTimeRange(LocalTime.of(13, 0), LocalTime.of(17, 0))]
