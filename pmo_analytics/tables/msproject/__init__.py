"""Read schedules from Microsoft Project and Primavera P6 (and write them back) through MPXJ.

`MPXJ <https://www.mpxj.org>`_ is a Java library that reads and writes most
scheduling formats; it is driven from Python through JPype (optional extra:
``pip install "pmo_analytics[msproject]"`` and a Java runtime >= 11; the JVM
is started once per process, on first use, with MPXJ's logging off). This
subpackage turns one project of a schedule file into our tables (see
:mod:`pmo_analytics.tables.spec`): ``activities`` with progress, constraints
and calendars, ``calendars``, ``calendar_exceptions`` and the project's start,
data date, project calendar and lag calendar.

Modules: :mod:`.jvm` (finding Java, starting the JVM), :mod:`.reader`
(:func:`read_schedule`: guarding and reading the file), :mod:`.convert` (an
MPXJ project -> our tables), :mod:`.values` (Java values -> Python),
:mod:`.calendars` (working hours, exceptions, timestamps -> days),
:mod:`.resources` (tasks on their resources' calendars), :mod:`.schedule`
(:class:`Schedule`), :mod:`.writer` (:func:`write_schedule`).

Formats read: MS Project ``.mpp``/``.mpt``, ``.mpx``, MSPDI ``.xml``,
Primavera ``.xer`` and P6 XML (``.xml``/``.pmxml``); the format is detected
from the content.

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
  cases have no exact equivalent; they are dropped and reported.
  P6 **level-of-effort** and **WBS-summary** activities span others and drive
  nothing: they are left out with their links (reported).
* **Durations** [working days of the activity's own calendar]: the tool's
  hours divided by that calendar's hours per day (P6), or MS Project's days;
  an activity not started is scheduled by the tools with its *remaining*
  duration, which is then ``most_likely`` (reported where it differs).
  Elapsed lags are converted to working time at the project calendar's share
  of the week (reported); percent lags are taken of the predecessor's
  duration; lags are in working days of the project calendar and spent on
  the file's lag calendar (``lag_calendar``).
* **Progress**: ``actual_start``, ``actual_finish``, ``remaining_duration``
  [working days] and ``percent_complete`` of started activities; the file's
  status date (P6's data date) is the ``data_date``. Times become days by
  :class:`~.calendars.DayMapper` (a finish at 00:00 is the day before).
  A milestone that happened is complete. Actual dates after the data date
  (DCMA check 9's *invalid dates*) are imported as recorded and named in the
  notes; the network schedules the remaining work from the data date, as P6
  does (:mod:`pmo_analytics.schedule.network`).
* **Resource calendars**: a task whose work resources have calendars of their
  own runs on the working time the tool schedules it on (MS Project: the
  resource calendar, or its intersection with a task calendar, for work /
  units hours; P6: a resource-dependent activity on its resources'
  calendars); each such task's finish is then checked against the tool's
  stored finish and differences are noted per task (:mod:`.resources`).
* **Constraints**: MPXJ's types map to ours -- start/finish no earlier than
  (``SNET``/``FNET``), no later than (``SNLT``/``FNLT``), P6's *Start On* /
  *Finish On* (``SO``/``FO``), mandatory start/finish and MS Project's *Must
  Start/Finish On* (``MSO``/``MFO``), as late as possible (``ALAP``); a
  secondary P6 constraint is reported, not applied.
* **Calendars**: every calendar an activity uses, and the project calendar,
  with its hours per weekday, hours per day and exceptions (expanded, derived
  calendars resolved).
* **Three-point estimates**: ``most_likely`` is the planned duration (the
  deterministic plan, whose CPM the file's dates show); ``min_duration`` and
  ``max_duration`` come from ``field_map`` (default: MS Project's PERT
  fields, ``Duration1`` optimistic and ``Duration3`` pessimistic, or a custom
  field with alias ``min_duration`` / ``max_duration``). Where a task has no
  such value the **default range rule** applies: ``min = lo x most_likely``
  and ``max = hi x most_likely`` with ``default_range=(lo, hi)`` =
  ``(0.9, 1.25)``, a modest right-skewed range in the spirit of AACE 41R-08's
  ranging of undeveloped estimates. The rule and the number of activities it
  was applied to are reported in ``notes`` (and a :class:`DataWarning`) so the
  analyst confirms it with the schedule owner.
* **Costs**: ``fixed_cost`` is the task's fixed cost; the rest of its
  at-completion cost (resources, expenses) is time-dependent, ``cost_rate =
  (cost - fixed_cost) / most_likely`` [currency/day]. A schedule without any
  cost says so: cost results of a simulation then read "not assessed".
* **Milestones**: the milestone flag, P6's start/finish milestone types
  (``milestone_type``), or zero duration; durations 0.
* **Not carried** by MS Project or P6 files, so read as blanks for the
  analyst to add in the CSV or workbook: ``crash_limit`` and
  ``crash_cost_rate`` (the time-cost data of recovery plans; MS Project's
  and P6's own acceleration is manual, by resources or overtime) and
  ``risk_calendar_id``; nor the tables and columns of the schedule-risk
  model: probabilistic ``branches``, ``risk_calendars`` (P6's calendars are
  certain; Primavera Risk Analysis keeps its probabilistic branches and
  weather calendars in its own files) and conditional risks
  (``risks.parent_risk``).
* The file's own dates (early, late, remaining, actual, baseline) are kept in
  :attr:`Schedule.tasks`, with ``tool_start``/``tool_finish`` in our day
  conventions: the reference our CPM is checked against.

Notes to the analyst are aggregated, one line per kind with a count and a few
examples.

Safety: the file is only read; XML with a DTD (``<!DOCTYPE``/``<!ENTITY``) is
refused before parsing (MSPDI and P6 XML never need one), files over
:data:`~pmo_analytics.tables.readers.MAX_FILE_BYTES` are refused, and only the
formats above are accepted; nothing in a file is evaluated.
"""

from .jvm import MIN_JAVA, java_available, java_unavailable_reason, java_version, require_java, start_jvm
from .reader import DEFAULT_FIELD_MAP, DEFAULT_RANGE, SCHEDULE_SUFFIXES, read_schedule
from .schedule import Schedule
from .writer import write_schedule

__all__ = [
    "Schedule",
    "read_schedule",
    "write_schedule",
    "java_available",
    "java_version",
    "java_unavailable_reason",
    "require_java",
    "start_jvm",
    "SCHEDULE_SUFFIXES",
    "DEFAULT_FIELD_MAP",
    "DEFAULT_RANGE",
    "MIN_JAVA",
]
