"""Merge several sources (CSV folders, workbooks, MS Project / Primavera schedules) into one portfolio.

PMOs keep their data in several places: the register and status in a
workbook, schedules in ``.mpp`` / ``.xer`` files. :func:`merge_sources` reads
each, stamps schedule activities with their project id, validates every piece
with the same checks as :func:`~pmo_analytics.tables.read_portfolio` and then
reconciles them (a risk naming an activity that is not in the schedule, a
project in the status sheet but not in the register, a project with two
schedules ...), returning *one* list of problems. :func:`read_sources`
returns the validated :class:`~pmo_analytics.tables.Portfolio` or raises with
that list; :func:`import_sources` writes our CSV layout so every other tool
works unchanged.

A source is a path, or ``PROJECT_ID=path`` to say which project a schedule
file belongs to. Without it a schedule's project is the file's P6 project id
or file stem when that is a project of the register, else the project whose
name equals the schedule's title.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..atomic import make_dir, publish_dir
from ..exceptions import DataValidationError, Problem
from .checks import cross_table_problems, row_problems, schema_problems
from .portfolio import Portfolio
from .readers import read_raw_tables
from .spec import ID_PATTERN, REQUIRED_TABLES, TABLES

__all__ = ["Source", "MergeResult", "parse_source", "merge_sources", "read_sources", "import_sources",
           "is_schedule_file", "needs_import"]

_SCHEDULE = (".mpp", ".mpt", ".mpx", ".xer", ".pmxml", ".mspdi")
_OPTIONAL = {name: dataclasses.replace(spec, required=False) for name, spec in TABLES.items()}


def is_schedule_file(path: str | os.PathLike) -> bool:
    """True for a file read as a schedule (``.mpp``, ``.mpt``, ``.mpx``, ``.xer``, ``.pmxml``, ``.mspdi``, ``.xml``)."""
    p = Path(path)
    return p.suffix.lower() in _SCHEDULE + (".xml",) and not p.is_dir()


@dataclass(frozen=True)
class Source:
    """One input: a CSV folder or workbook (``kind='tables'``) or a schedule file (``kind='schedule'``)."""

    path: Path
    kind: str
    project_id: str | None = None

    @property
    def label(self) -> str:
        return self.path.name


def parse_source(spec) -> Source:
    """A :class:`Source` from a path or a ``PROJECT_ID=path`` string.

    Raises
    ------
    DataValidationError
        when the path does not exist or is not a CSV folder, workbook or schedule.
    """
    if isinstance(spec, Source):
        return spec
    pid = None
    text = os.fspath(spec)
    if not Path(text).exists() and "=" in text:
        head, tail = text.split("=", 1)
        if re.match(ID_PATTERN, head.strip()):
            pid, text = head.strip(), tail.strip()
    path = Path(text)
    if not path.exists():
        raise DataValidationError([Problem("sources", text, None, None, "no such file or folder")],
                                  header="cannot read sources")
    if path.is_dir() or path.suffix.lower() in (".xlsx", ".xlsm"):
        if pid is not None:
            raise DataValidationError([Problem("sources", text, None, None,
                                               "PROJECT_ID= applies to schedule files only")],
                                      header="cannot read sources")
        return Source(path, "tables")
    if is_schedule_file(path):
        return Source(path, "schedule", pid)
    raise DataValidationError([Problem("sources", path.name, None, None,
                                       "expected a folder of CSV files, an .xlsx workbook or a schedule file "
                                       "(.mpp, .mpx, .xml, .xer, .pmxml)")], header="cannot read sources")


def needs_import(sources) -> bool:
    """True when ``sources`` is more than one plain folder/workbook (``pmo review --data`` must merge first)."""
    parsed = [parse_source(s) for s in sources]
    return len(parsed) != 1 or parsed[0].kind != "tables"


@dataclass
class MergeResult:
    """What :func:`merge_sources` found.

    Attributes
    ----------
    frames : dict of str to DataFrame
        Merged, typed tables.
    sources : dict
        Table name to the source(s) it came from.
    hashes : dict
        Source file name to SHA-256.
    schedules : dict
        Project id to the :class:`~pmo_analytics.tables.msproject.Schedule` read for it.
    problems : list of Problem
        Every validation and reconciliation problem (empty = the data can be used).
    notes : list of Problem
        What the analyst should confirm but that does not block (schedule
        mapping notes: default three-point range, constraints, ...; active
        projects without a schedule; start dates that differ).
    """

    frames: dict
    sources: dict
    hashes: dict
    schedules: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    origin: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no problem blocks building the portfolio."""
        return not self.problems

    def portfolio(self) -> Portfolio:
        """The validated :class:`Portfolio`; raises :class:`DataValidationError` with every problem."""
        if self.problems:
            raise DataValidationError(self.problems, header="invalid portfolio data in the merged sources")
        frames = {k: v.reset_index(drop=True) for k, v in self.frames.items()}
        return Portfolio(frames, self.origin or Path("merged"), dict(self.sources), dict(self.hashes))

    def report(self) -> str:
        """Plain-text report for the command line: tables merged, problems, then notes to confirm."""
        lines = [f"{len(self.hashes)} source file(s), {len(self.frames)} table(s), "
                 f"{len(self.schedules)} schedule(s)"]
        for pid, s in sorted(self.schedules.items()):
            lines.append(f"  schedule {s.project['source']} -> {pid}: {len(s.activities)} activities, "
                         f"{len(s.links)} links")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s) to fix:")
            lines += [f"  - {p}" for p in self.problems]
        if self.notes:
            lines.append(f"{len(self.notes)} note(s) to confirm:")
            lines += [f"  - {p}" for p in self.notes]
        return "\n".join(lines)

    @property
    def summary(self) -> pd.DataFrame:
        """Rows and source of each merged table."""
        rows = [(n, len(self.frames[n]), self.sources.get(n, "")) for n in TABLES if n in self.frames]
        return pd.DataFrame(rows, columns=["table", "rows", "source"]).set_index("table")

    def __repr__(self) -> str:
        return (f"MergeResult({len(self.hashes)} sources, {len(self.frames)} tables, {len(self.schedules)} "
                f"schedules, {len(self.problems)} problems, {len(self.notes)} notes)")


def _pick_project(src: Source, sched_meta: dict, projects: pd.DataFrame | None) -> tuple[str | None, str]:
    """Project id for a schedule without PROJECT_ID=, and how it was found."""
    if src.project_id:
        return src.project_id, "given"
    if projects is None or "project_id" not in projects.columns:
        return None, "no projects table to match against"
    ids = set(projects["project_id"].dropna())
    for cand in (sched_meta.get("source_project_id"), src.path.stem):
        if cand and cand in ids:
            return cand, "id"
    title = (sched_meta.get("title") or "").strip().lower()
    if title and "name" in projects.columns:
        hits = projects.loc[projects["name"].astype(str).str.strip().str.lower() == title, "project_id"]
        if len(hits) == 1:
            return str(hits.iloc[0]), "name"
    return None, "no project id, file name or project name matches"


def merge_sources(sources, *, field_map: dict | None = None, default_range=None) -> MergeResult:
    """Read every source, merge the tables and collect one list of problems.

    Parameters
    ----------
    sources : iterable of str, Path or Source
        CSV folders, ``.xlsx`` workbooks and schedule files (``PROJECT_ID=path``
        to name a schedule's project).
    field_map, default_range
        Passed to :func:`~pmo_analytics.tables.msproject.read_schedule`.

    Returns
    -------
    MergeResult
        Never raises for bad *data* (every problem is in ``problems``);
        raises :class:`DataValidationError` only for a source that does not
        exist or has an unknown type, and
        :class:`~pmo_analytics.exceptions.JavaUnavailableError` when a
        schedule file is given without Java.
    """
    parsed = [parse_source(s) for s in sources]
    if not parsed:
        raise DataValidationError([Problem("sources", "", None, None, "no sources given")],
                                  header="cannot read sources")
    problems: list[Problem] = []
    notes: list[Problem] = []
    pieces: dict[str, list[tuple[pd.DataFrame, str]]] = {}
    hashes: dict[str, str] = {}

    def key(name: str) -> str:
        k, i = name, 2
        while k in hashes:
            k, i = f"{name}~{i}", i + 1
        return k

    # tables first: the register decides which project a schedule belongs to
    for src in (s for s in parsed if s.kind == "tables"):
        try:
            frames, srcs, hs, probs = read_raw_tables(src.path, _OPTIONAL)
        except DataValidationError as exc:
            problems += exc.problems
            continue
        prefix = f"{src.path.name}/" if src.path.is_dir() else ""
        for f, h in hs.items():
            hashes[key(prefix + f if prefix else f)] = h
        problems += probs
        if not frames:
            problems.append(Problem("sources", src.label, None, None, "no pmo_analytics tables found"))
        for name, df in frames.items():
            label = prefix + srcs[name] if prefix else srcs[name]
            problems += schema_problems(name, df, label)
            problems += row_problems(name, df, label)
            df.attrs.pop("reported", None)
            pieces.setdefault(name, []).append((df, label))

    for name, lst in pieces.items():
        if len(lst) > 1 and name not in ("activities", "calendars", "calendar_exceptions"):
            problems.append(Problem(name, " + ".join(lbl for _, lbl in lst), None, None,
                                    f"table {name} is given by {len(lst)} sources: keep one"))

    projects = pieces["projects"][0][0] if "projects" in pieces else None
    skeleton = not any(s.kind == "tables" for s in parsed)  # schedules alone: a skeleton portfolio around them
    schedules = {}
    sched_rows: dict[str, str] = {}
    if any(s.kind == "schedule" for s in parsed):
        from .msproject import DEFAULT_RANGE, read_schedule, require_java
        require_java()
        for src in (s for s in parsed if s.kind == "schedule"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the default-range warning is returned in notes
                try:
                    sched = read_schedule(src.path, project_id=src.project_id or "UNASSIGNED",
                                          field_map=field_map, default_range=default_range or DEFAULT_RANGE)
                except DataValidationError as exc:
                    problems += exc.problems
                    continue
            hashes[key(src.label)] = sched.project["sha256"]
            pid, how = _pick_project(src, sched.project, projects)
            if pid is None and skeleton:
                pid, how = _own_project_id(src, sched.project), "the file"
            if pid is None:
                problems.append(Problem("activities", src.label, None, "project_id",
                                        f"cannot tell which project this schedule belongs to ({how}): "
                                        f"pass it as PROJECT_ID={src.path}"))
                continue
            if pid in schedules:
                problems.append(Problem("activities", src.label, None, "project_id",
                                        f"project {pid} already has a schedule "
                                        f"({schedules[pid].project['source']})"))
                continue
            if pid != sched.project_id:
                sched = _restamp(sched, pid)
            schedules[pid] = sched
            notes += sched.notes
            sched_rows[pid] = src.label
        schedules = _unique_calendars(schedules)
        for pid, sched in schedules.items():
            label = sched_rows[pid]
            pieces.setdefault("activities", []).append((sched.activities, label))
            pieces.setdefault("calendars", []).append((sched.calendars, label))
            pieces.setdefault("calendar_exceptions", []).append((sched.calendar_exceptions, label))
        if schedules:
            if projects is None and skeleton:
                projects = _skeleton(schedules, pieces, sched_rows)
                notes.append(Problem("projects", "projects.csv", None, None,
                                     "no register given: a skeleton portfolio was made around the schedule(s) "
                                     "(projects, criteria, scores, costs, budget with placeholder values: "
                                     "business unit, bucket, category, benefit, one period); complete it before "
                                     "selection or governance"))
            if projects is not None:
                pieces["projects"][0] = (_schedule_columns(projects, schedules, notes), pieces["projects"][0][1])

    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    owner: list[tuple[str, int | None]] = []
    for name, lst in pieces.items():
        sources[name] = " + ".join(lbl for _, lbl in lst)
        if name in ("calendars", "calendar_exceptions"):
            frames[name] = pd.concat([df for df, _ in lst], ignore_index=True) if len(lst) > 1 \
                else lst[0][0].reset_index(drop=True)
        elif name == "activities":
            problems += _overlapping_projects(lst)
            owner = []
            for df, lbl in lst:
                is_sched = lbl in sched_rows.values()
                owner += [(lbl, None if is_sched else int(i) + 2) for i in df.index]
            frames[name] = pd.concat([df for df, _ in lst], ignore_index=True) if len(lst) > 1 \
                else lst[0][0].reset_index(drop=True)
        else:
            frames[name] = lst[0][0]

    for t in REQUIRED_TABLES:
        if t not in frames:
            problems.append(Problem(t, f"{t}.csv", None, None, "required table is missing from every source"))
    invalid: list[Problem] = []  # actual dates after the data date: notes, not problems (DCMA check 9)
    try:
        cross = cross_table_problems(frames, {n: sources[n] for n in frames}, notes=invalid)
    except Exception:  # noqa: BLE001 - same safety net as read_portfolio
        if not problems:
            raise
        cross = [Problem("portfolio", "sources", None, None,
                         "cross-table checks skipped until the problems above are fixed")]
    problems += _relabel(cross, owner, frames.get("activities"), schedules)
    # a schedule's own notes name its invalid dates already: keep those of tables (with their rows)
    notes += [n for n in _relabel(invalid, owner, frames.get("activities"), schedules)
              if n.source not in sched_rows.values()]
    notes += _reconcile_notes(frames, schedules)
    origin = next((s.path for s in parsed if s.kind == "tables"), parsed[0].path)
    return MergeResult(frames, sources, hashes, schedules, list(dict.fromkeys(problems)), notes, origin)


def _own_project_id(src: Source, meta: dict) -> str:
    """Project id of a schedule imported without a register: PROJECT_ID=, the P6 project id or the file stem."""
    if src.project_id:
        return src.project_id
    for cand in (meta.get("source_project_id"), src.path.stem):
        if cand:
            clean = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(cand)).strip("_.-")[:64]
            if clean and re.match(ID_PATTERN, clean):
                return clean
    return "P-1"


def _unique_calendars(schedules: dict) -> dict:
    """Schedules whose calendar ids do not collide across files (a clash is prefixed with the project id)."""
    seen: dict[str, pd.DataFrame] = {}
    out = {}
    for pid, sched in schedules.items():
        rename = {}
        for _, row in sched.calendars.iterrows():
            cid = row["calendar_id"]
            if cid in seen and not seen[cid].equals(row.drop("calendar_id")):
                new = f"{pid}.{cid}"[:64]
                rename[cid] = new
                cid = new
            seen[cid] = row.drop("calendar_id")
        if rename:
            acts = sched.activities.assign(calendar_id=sched.activities["calendar_id"].replace(rename))
            cals = sched.calendars.assign(calendar_id=sched.calendars["calendar_id"].replace(rename))
            exc = sched.calendar_exceptions.assign(
                calendar_id=sched.calendar_exceptions["calendar_id"].replace(rename))
            project = {**sched.project, "calendar_id": rename.get(sched.project.get("calendar_id"),
                                                                  sched.project.get("calendar_id"))}
            sched = dataclasses.replace(sched, activities=acts, calendars=cals, calendar_exceptions=exc,
                                        project=project)
        out[pid] = sched
    return out


def _schedule_columns(projects: pd.DataFrame, schedules: dict, notes: list) -> pd.DataFrame:
    """The projects table with each schedule's start (where blank), data date, calendar and lag calendar."""
    projects = projects.copy()
    for col, dtype in (("start_date", "datetime64[ns]"), ("data_date", "datetime64[ns]"), ("calendar_id", object),
                       ("lag_calendar", object)):
        if col not in projects.columns:
            projects[col] = pd.Series(pd.NaT if dtype != object else None, index=projects.index, dtype=dtype)
    for pid, sched in schedules.items():
        hit = projects.index[projects["project_id"] == pid]
        if not len(hit):
            continue
        i = hit[0]
        row = sched.projects_row
        if pd.isna(projects.at[i, "start_date"]) and row["start_date"] is not None:
            projects.at[i, "start_date"] = row["start_date"]
        dd = row["data_date"]
        old = projects.at[i, "data_date"]
        if dd is not None:
            if pd.notna(old) and pd.Timestamp(old).normalize() != dd:
                notes.append(Problem("projects", sched.project["source"], None, "data_date",
                                     f"{pid}: the register's data date {pd.Timestamp(old).date()} is replaced by the "
                                     f"schedule's {dd.date()} (its progress is as of that date)"))
            projects.at[i, "data_date"] = dd
        projects.at[i, "calendar_id"] = row["calendar_id"]
        projects.at[i, "lag_calendar"] = row["lag_calendar"]
    return projects


def _skeleton(schedules: dict, pieces: dict, sched_rows: dict) -> pd.DataFrame:
    """Minimal valid register tables around schedules imported alone (placeholders the user completes)."""
    rows, costs = [], []
    for pid, s in schedules.items():
        a = s.activities
        cost = float((a["fixed_cost"] + a["cost_rate"] * a["most_likely"]).sum())
        rows.append({"project_id": pid, "name": s.project.get("title") or pid, "business_unit": "unassigned",
                     "sponsor": None, "stage": "active", "bucket": "unassigned", "category": "unassigned",
                     "estimated_cost": cost, "benefit_npv": 0.0, "estimate_class": 5,
                     "probability_of_success": 1.0, "earliest_start": 1, "latest_start": 1, "duration_periods": 1,
                     "mandatory": False, "start_date": s.start_date, "committed_finish": pd.NaT})
        costs.append({"project_id": pid, "period_offset": 0, "cost": cost})
    projects = pd.DataFrame(rows).astype({"start_date": "datetime64[ns]", "committed_finish": "datetime64[ns]",
                                          "estimate_class": "Int64", "earliest_start": "Int64",
                                          "latest_start": "Int64", "duration_periods": "Int64",
                                          "mandatory": "boolean"})
    label = "skeleton"
    pieces["projects"] = [(projects, f"{label}/projects.csv")]
    pieces["criteria"] = [(pd.DataFrame({"criterion": ["value"], "description": ["placeholder driver"],
                                         "weight": [1.0]}), f"{label}/criteria.csv")]
    pieces["scores"] = [(pd.DataFrame({"project_id": list(schedules), "criterion": "value", "score": 0.0}),
                         f"{label}/scores.csv")]
    pieces["costs"] = [(pd.DataFrame(costs).astype({"period_offset": "Int64"}), f"{label}/costs.csv")]
    pieces["budget"] = [(pd.DataFrame({"period": pd.Series([1], dtype="Int64"),
                                       "budget": [float(sum(c["cost"] for c in costs))]}), f"{label}/budget.csv")]
    return projects


def _restamp(sched, pid: str):
    acts = sched.activities.assign(project_id=pid)
    links = sched.links.assign(project_id=pid)
    return dataclasses.replace(sched, activities=acts, links=links, project={**sched.project, "project_id": pid})


def _overlapping_projects(lst) -> list[Problem]:
    seen: dict[str, str] = {}
    out = []
    for df, lbl in lst:
        for pid in df["project_id"].dropna().unique() if "project_id" in df.columns else []:
            if pid in seen and seen[pid] != lbl:
                out.append(Problem("activities", lbl, None, "project_id",
                                   f"activities of {pid} are given by both {seen[pid]} and {lbl}: keep one"))
            seen.setdefault(pid, lbl)
    return out


def _relabel(problems: list[Problem], owner, acts, schedules) -> list[Problem]:
    """Point activity problems at the file they came from (a schedule has no row numbers)."""
    out = []
    unknown_sched: set = set()
    for p in problems:
        if p.table == "activities" and acts is not None and p.row is not None and 0 <= p.row - 2 < len(owner):
            lbl, row = owner[p.row - 2]
            pid = acts.at[p.row - 2, "project_id"]
            if row is None:  # a schedule: one message per project for an unknown project id
                if p.column == "project_id" and p.message.startswith("unknown project id"):
                    if pid in unknown_sched:
                        continue
                    unknown_sched.add(pid)
                    out.append(Problem("activities", lbl, None, "project_id",
                                       f"schedule project {pid!r} is not in the projects table"))
                    continue
                aid = acts.at[p.row - 2, "activity_id"]
                out.append(Problem(p.table, lbl, None, p.column, f"activity {aid}: {p.message}"))
                continue
            p = Problem(p.table, lbl, row, p.column, p.message)
        out.append(p)
    return out


def _reconcile_notes(frames, schedules) -> list[Problem]:
    notes = []
    projects = frames.get("projects")
    if projects is None or not schedules or not {"project_id", "stage"} <= set(projects.columns):
        return notes
    acts = frames.get("activities")
    have = set(acts["project_id"]) if acts is not None else set()
    for pid in projects.loc[projects["stage"] == "active", "project_id"]:
        if pid not in have:
            notes.append(Problem("activities", "sources", None, "project_id",
                                 f"active project {pid} has no schedule"))
    if "start_date" in projects.columns:
        start = projects.set_index("project_id")["start_date"]
        for pid, s in schedules.items():
            a, b = start.get(pid), s.start_date
            if a is not None and not pd.isna(a) and b is not None and pd.Timestamp(a).normalize() != \
                    pd.Timestamp(b).normalize():
                notes.append(Problem("projects", s.project["source"], None, "start_date",
                                     f"{pid} starts {pd.Timestamp(a).date()} in the projects table but "
                                     f"{pd.Timestamp(b).date()} in its schedule"))
    return notes


def read_sources(sources, **kwargs) -> Portfolio:
    """Merge ``sources`` (see :func:`merge_sources`) into a validated :class:`Portfolio`.

    Raises
    ------
    DataValidationError
        with every validation and reconciliation problem, in one list.
    """
    return merge_sources(sources, **kwargs).portfolio()


def _csv_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    spec = TABLES.get(name)
    order = [c for c in (spec.column_names if spec else []) if c in df.columns]
    df = df[order + [c for c in df.columns if c not in order]].copy()
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]):
            timed = (df[c].notna() & (df[c] != df[c].dt.normalize())).any()  # keep a time of day where one is given
            df[c] = df[c].dt.strftime("%Y-%m-%d %H:%M" if timed else "%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].map({True: "true", False: "false"})
    return df


def import_sources(sources, out_dir: str | os.PathLike, **kwargs) -> MergeResult:
    """Merge ``sources`` and write them in our CSV layout to ``out_dir``.

    Writes one ``<table>.csv`` per table (readable by ``read_portfolio``) and,
    under ``out_dir/import/``, what the CSV layout has no place for: the
    schedules' task details (``schedule_tasks.csv``: every task with the
    file's own dates, baseline and progress), ``notes.csv`` (what the analyst
    should confirm) and ``sources.json`` (SHA-256 of every input). Schedule
    calendars go to ``calendars.csv`` and ``calendar_exceptions.csv`` (our
    tables); each schedule's start, data date, calendar and lag calendar to
    ``projects.csv``. Schedules given without any register make a skeleton
    portfolio (a note says which values are placeholders).

    The folder is written to a temporary sibling and renamed into place, so it
    is never half-written; an existing non-empty ``out_dir`` is never touched.

    Returns
    -------
    MergeResult

    Raises
    ------
    DataValidationError
        with every problem when the merged data is not valid (nothing written).
    FileExistsError
        when ``out_dir`` exists and is not empty.
    """
    parsed = [parse_source(s) for s in sources]
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not empty: choose a new folder")
    res = merge_sources(parsed, **kwargs)
    pf = res.portfolio()  # raises with every problem
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_dir(out.parent, prefix=f".{out.name}.")
    try:
        for name, df in pf.tables.items():
            _csv_frame(df, name).to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        extra = tmp / "import"
        extra.mkdir()
        if res.schedules:
            tasks = pd.concat([s.tasks.reset_index().assign(project_id=pid) for pid, s in res.schedules.items()],
                              ignore_index=True)
            tasks = tasks[["project_id"] + [c for c in tasks.columns if c != "project_id"]]
            _csv_frame(tasks, "").to_csv(extra / "schedule_tasks.csv", index=False, lineterminator="\n")
        pd.DataFrame([dataclasses.asdict(n) for n in res.notes],
                     columns=["table", "source", "row", "column", "message"]).to_csv(
            extra / "notes.csv", index=False, lineterminator="\n")
        manifest = {"sources": [{"path": str(s.path.resolve()), "kind": s.kind, "project_id": s.project_id}
                                for s in parsed],
                    "sha256": res.hashes,
                    "schedules": {pid: {k: str(v) for k, v in s.project.items()} for pid, s in res.schedules.items()}}
        (extra / "sources.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if out.exists():
            out.rmdir()  # empty (checked above)
        publish_dir(tmp, out, what="folder")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    res.origin = out
    return res

