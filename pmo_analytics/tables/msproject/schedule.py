"""The result of reading one project of a schedule file: :class:`Schedule`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Schedule", "LINK_TYPES"]

#: MPXJ relation types -> our link codes.
LINK_TYPES = {"FINISH_START": "FS", "START_START": "SS", "FINISH_FINISH": "FF", "START_FINISH": "SF"}


@dataclass
class Schedule:
    """One project read from a schedule file.

    Attributes
    ----------
    activities : DataFrame
        Our ``activities`` layout (``project_id``, ``activity_id``, ``name``,
        ``phase``, ``min_duration``, ``most_likely``, ``max_duration``
        [working days of the activity's calendar], ``distribution``,
        ``predecessors``, ``fixed_cost`` [currency], ``cost_rate``
        [currency/day], ``correlation_group``, and the progress, constraint and
        calendar columns ``actual_start``, ``actual_finish``,
        ``remaining_duration`` [working days], ``percent_complete`` [%],
        ``constraint_type``, ``constraint_date``, ``calendar_id``,
        ``milestone_type``, ``baseline_start``, ``baseline_finish``); summary
        tasks, level-of-effort and WBS-summary activities excluded.
    links : DataFrame
        ``project_id``, ``predecessor``, ``successor``, ``type`` (FS/SS/FF/SF),
        ``lag`` [working days of the project calendar]: the same links as
        ``activities.predecessors``, in the layout of ``Portfolio.links``.
    tasks : DataFrame
        Every task of the file, summaries included, indexed by
        ``activity_id``: ``source_id``, ``unique_id``, ``wbs``,
        ``outline_level``, ``parent``, ``name``, ``summary``, ``milestone``,
        ``activity_type``, ``estimate_source`` (``fields`` / ``default range``
        / ``milestone``), ``percent_complete`` [%], the file's own dates and
        times ``start``, ``finish``, ``early_start``, ``early_finish``,
        ``late_start``, ``late_finish``, ``remaining_early_start``,
        ``remaining_early_finish``, ``actual_start``, ``actual_finish``,
        ``total_slack`` [working days], ``constraint_type``, ``constraint_date``
        (MPXJ's names), ``baseline_start``, ``baseline_finish``,
        ``baseline_duration`` [working days], ``baseline_cost``, ``cost``
        [currency], ``calendar``; and ``tool_start`` / ``tool_finish``: the
        start and finish the scheduling tool computed (actual dates where they
        exist, else its early dates), as dates by our day conventions -- the
        reference our CPM is compared with.
    calendars : DataFrame
        Our ``calendars`` layout: ``calendar_id``, ``name``, ``work_week``,
        ``hours_per_day`` [hours].
    calendar_exceptions : DataFrame
        Our ``calendar_exceptions`` layout: ``calendar_id``, ``date``,
        ``hours`` [hours] (0 = holiday), ``name``.
    project : dict
        ``title``, ``project_id``, ``source_project_id``, ``start_date``,
        ``data_date`` (progress up to the start of that day), ``status_date``
        (the file's, with time), ``finish_date`` (the tool's project finish),
        ``must_finish_by``, ``calendar_id`` (project calendar), ``lag_calendar``,
        ``has_costs``, ``file_type``, ``application``, ``source`` (file name),
        ``sha256``, ``minutes_per_day``.
    notes : list of Problem
        What the analyst should confirm, one line per kind with a count and a
        few examples (default range applied, constraints, activities left
        out, summary links, elapsed lags, no costs).
    """

    activities: pd.DataFrame
    links: pd.DataFrame
    tasks: pd.DataFrame
    calendars: pd.DataFrame
    calendar_exceptions: pd.DataFrame
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
    def data_date(self) -> pd.Timestamp | None:
        """Data date: progress is reported up to the start of this day (None without progress)."""
        return self.project.get("data_date")

    @property
    def has_costs(self) -> bool:
        """False when no activity carries a cost: cost results then read "not assessed"."""
        return bool(self.project.get("has_costs"))

    @property
    def projects_row(self) -> dict:
        """The schedule's columns of the ``projects`` table (start, data date, calendar, lag calendar)."""
        p = self.project
        return {"project_id": self.project_id, "start_date": p.get("start_date"), "data_date": p.get("data_date"),
                "calendar_id": p.get("calendar_id"), "lag_calendar": p.get("lag_calendar")}

    def network(self, **options):
        """The :class:`~pmo_analytics.schedule.Network` of this schedule: activities, calendars, dates.

        ``options`` go to :func:`~pmo_analytics.schedule.build_network`
        (e.g. ``progress="override"``).
        """
        from ...schedule import build_network

        p = self.project
        kw = dict(calendars=self.calendars, calendar_exceptions=self.calendar_exceptions,
                  start_date=p.get("start_date"), data_date=p.get("data_date"), calendar=p.get("calendar_id"),
                  lag_calendar=p.get("lag_calendar") or "predecessor")
        kw.update(options)
        return build_network(self.activities, self.project_id, links=self.links, **kw)

    @property
    def summary(self) -> pd.DataFrame:
        """Counts of what was read, one row per item."""
        t = self.tasks
        a = self.activities
        rows = [
            ("activities", len(a)),
            ("summary tasks", int(t["summary"].sum())),
            ("milestones", int((~t["summary"] & t["milestone"]).sum())),
            ("links", len(self.links)),
            ("links FS/SS/FF/SF", "/".join(str(int((self.links["type"] == k).sum())) for k in LINK_TYPES.values())),
            ("three-point from fields", int((t["estimate_source"] == "fields").sum())),
            ("default range applied", int((t["estimate_source"] == "default range").sum())),
            ("constraints", int(a["constraint_type"].notna().sum())),
            ("complete", int(a["actual_finish"].notna().sum())),
            ("in progress", int((a["actual_start"].notna() & a["actual_finish"].isna()).sum())),
            ("calendars used", int(a["calendar_id"].nunique())),
            ("calendar exceptions", len(self.calendar_exceptions)),
            ("data date", self.data_date.date() if self.data_date is not None else None),
            ("costs", "yes" if self.has_costs else "none"),
            ("notes", len(self.notes)),
        ]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def __repr__(self) -> str:
        dd = f", data date {self.data_date.date()}" if self.data_date is not None else ""
        return (f"Schedule({self.project['source']!r} -> {self.project_id!r}: {len(self.activities)} activities, "
                f"{len(self.links)} links, {int(self.tasks['summary'].sum())} summary tasks{dd}, "
                f"{len(self.notes)} notes)")
