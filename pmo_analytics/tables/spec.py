"""The data model: one documented table per PMO concept.

Each table is described once, as a :class:`TableSpec` of :class:`ColumnSpec`.
From that one description come the pandera schema used for validation
(:func:`schema`), the column documentation of the Excel template (``pmo
template``) and the glossary in the README. Units are given in brackets:
``[currency]``, ``[days]`` (working days), ``[periods]`` (portfolio planning
periods, e.g. quarters or months), ``[FTE]`` (full-time equivalents).

Conventions
-----------
* Portfolio periods are integers ``1..H`` (``budget.period``); a project's
  cost and demand profiles are given by ``period_offset`` (0 = the period the
  project starts in).
* Ids are short codes of letters, digits, ``_``, ``.``, ``-`` (max 64
  characters) so they are safe to show anywhere; they never become file names.
* Activity predecessors are written ``ID``, ``ID:TYPE`` or ``ID:TYPE+LAG`` /
  ``ID:TYPE-LAG`` separated by ``;`` (e.g. ``A010; A020:SS+3; A030:FF-2``),
  TYPE in FS (default), SS, FF, SF and LAG in working days.
* Lists of ids (``affected_activities``) are separated by ``;``.
* Every number is bounded by its domain (:data:`DOMAIN_LIMITS`, by unit, or a
  column's own ``limit``) and every date lies in ``DATE_MIN..DATE_MAX``: no
  single cell can make the package allocate memory out of proportion to the
  data (a budget period of 2,000,000,000 is refused, not allocated).
* An activity reference in ``affected_activities`` is an activity id of the
  risk's own project (``A200``) or, for a risk shared by several projects (one
  supplier, one regulator), ``PROJECT/ACTIVITY`` naming an activity of any
  project (``A-102/A150``); see :func:`split_activity_ref`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandera.pandas as pa

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
LIST_SEPARATOR = ";"
#: Separates project and activity in a qualified activity reference (``A-102/A150``).
ACTIVITY_REF_SEPARATOR = "/"

STAGES = ("proposal", "active", "closed")
DISTRIBUTIONS = ("triangular", "pert", "uniform", "trigen", "lognormal", "fixed")
LINK_TYPES = ("FS", "SS", "FF", "SF")
DEPENDENCY_TYPES = ("requires", "precedes", "excludes")
IMPACT_TYPES = ("days", "percent")
# Shenhar & Dvir's NTCP diamond (Reinventing Project Management, 2007), levels in increasing order
NTCP_LEVELS = {
    "novelty": ("derivative", "platform", "breakthrough"),
    "technology": ("low", "medium", "high", "super-high"),
    "complexity": ("assembly", "system", "array"),
    "pace": ("regular", "fast-competitive", "time-critical", "blitz"),
}
APPROACHES = ("plan-driven", "hybrid", "iterative")
# activity date constraints (see pmo_analytics.schedule.network): no earlier / no later than, on, mandatory, ALAP
CONSTRAINT_TYPES = ("SNET", "SNLT", "FNET", "FNLT", "SO", "FO", "MSO", "MFO", "ALAP")
# calendar on which lags are spent (P6's scheduling option)
LAG_CALENDARS = ("predecessor", "successor", "project", "24h")
MILESTONE_TYPES = ("start", "finish")
# how a conditional risk depends on its parent risk
RISK_CONDITIONS = ("only_if", "more_likely")

#: Largest magnitude a number of each unit may have: generous for any real portfolio, small
#: enough that arrays sized by one cell (periods, durations) stay proportional to the data.
#: A column gets its bound from its unit; ``ColumnSpec(limit=...)`` overrides it.
DOMAIN_LIMITS: dict[str, float] = {
    "currency": 1e15,        # a quadrillion: above any portfolio's money
    "currency/day": 1e12,
    "period": 1_200,          # a century of monthly periods
    "periods": 1_200,
    "days": 25_000,           # ~100 years of working days
    "days or %": 25_000,
    "FTE": 1e6,
    "count": 1e9,
    "points": 1e6,
    "probability": 1.0,
}
#: Bound of a number whose unit is not in :data:`DOMAIN_LIMITS` (integers, other numbers).
GENERIC_LIMITS = {"int": 1e9, "float": 1e15}
#: Dates outside this range are refused (pandas represents 1677..2262; plans live well inside).
DATE_MIN, DATE_MAX = "1900-01-01", "2199-12-31"


def _plain(x: float) -> float | int:
    """Whole bounds up to 1e9 as int (shown as ``1200``, not ``1200.0``)."""
    return int(x) if float(x).is_integer() and abs(x) <= 1e9 else x


def _text(x: float) -> str:
    """A bound as short text that reads back exactly (``1e+15``, ``0.1111111111111111``)."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


@dataclass(frozen=True)
class ColumnSpec:
    """One documented column.

    ``dtype`` is one of ``str``, ``int``, ``float``, ``bool``, ``date``.
    """

    name: str
    dtype: str
    description: str
    unit: str = ""
    required: bool = True
    nullable: bool = False
    allowed: tuple | None = None
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    unique: bool = False
    pattern: str | None = None
    limit: float | None = None

    @property
    def domain_limit(self) -> float | None:
        """Largest magnitude allowed for a number (``limit``, else by unit), None for other types."""
        if self.dtype not in ("int", "float"):
            return None
        if self.limit is not None:
            return float(self.limit)
        return float(DOMAIN_LIMITS.get(self.unit, GENERIC_LIMITS[self.dtype]))

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """``(lowest, highest)`` value accepted: explicit ``ge``/``gt``/``le`` within the domain limit."""
        lim = self.domain_limit
        if lim is None:
            return (self.ge if self.ge is not None else self.gt, self.le)
        lo = self.ge if self.ge is not None else (self.gt if self.gt is not None else -lim)
        hi = min(self.le, lim) if self.le is not None else lim
        return (_plain(max(lo, -lim)), _plain(hi))

    def allowed_text(self) -> str:
        """Human-readable allowed values, as shown in the template README."""
        parts = []
        if self.allowed:
            parts.append("one of " + ", ".join(map(str, self.allowed)))
        lo, hi = self.bounds
        if self.gt is not None:
            parts.append(f"> {_text(self.gt)}")
        elif lo is not None:
            parts.append(f">= {_text(lo)}")
        if hi is not None:
            parts.append(f"<= {_text(hi)}")
        if self.dtype == "date":
            parts.append(f"{DATE_MIN} .. {DATE_MAX}")
        if self.pattern == ID_PATTERN:
            parts.append("id: letters, digits, _ . - (max 64)")
        if self.unique:
            parts.append("unique")
        if self.nullable:
            parts.append("may be blank")
        return "; ".join(parts)


@dataclass(frozen=True)
class TableSpec:
    """One table of the data model."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    unique_together: tuple[str, ...] = ()
    example: tuple[dict, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _id(name, description, **kw):
    return ColumnSpec(name, "str", description, pattern=ID_PATTERN, **kw)


def _money(name, description, **kw):
    kw.setdefault("ge", 0)
    return ColumnSpec(name, "float", description, unit="currency", **kw)


def _prob(name, description, **kw):
    return ColumnSpec(name, "float", description, unit="probability", ge=0, le=1, **kw)


TABLES: dict[str, TableSpec] = {}


def _register(spec: TableSpec) -> TableSpec:
    TABLES[spec.name] = spec
    return spec


_register(TableSpec(
    "projects",
    "Proposals, active and closed projects: one row per project.",
    required=True,
    columns=(
        _id("project_id", "Project id.", unique=True),
        ColumnSpec("name", "str", "Project name."),
        ColumnSpec("business_unit", "str", "Business unit that proposes or owns the project."),
        ColumnSpec("sponsor", "str", "Accountable sponsor (blank = none named yet).", nullable=True),
        ColumnSpec("stage", "str", "Life-cycle stage.", allowed=STAGES),
        ColumnSpec("bucket", "str", "Strategic bucket (e.g. Run, Grow, Transform)."),
        ColumnSpec("category", "str", "Project type; also the reference class used for estimating uplifts."),
        _money("estimated_cost", "Estimated total cost (capital + project opex)."),
        ColumnSpec("benefit_npv", "float", "Benefit as net present value (may be negative).", unit="currency"),
        ColumnSpec("estimate_class", "int", "AACE estimate class, 1 (definitive) to 5 (concept).", ge=1, le=5),
        _prob("probability_of_success", "Probability that the project delivers its benefit."),
        ColumnSpec("earliest_start", "int", "Earliest start period.", unit="period", ge=1),
        ColumnSpec("latest_start", "int", "Latest start period (>= earliest_start).", unit="period", ge=1),
        ColumnSpec("duration_periods", "int", "Duration in portfolio periods.", unit="periods", ge=1),
        ColumnSpec("mandatory", "bool", "Must be funded (regulatory, contractual)."),
        ColumnSpec("start_date", "date", "Planned or actual start date (active projects; schedule reports).",
                   required=False, nullable=True),
        ColumnSpec("committed_finish", "date", "Finish date committed to the board (active projects).",
                   required=False, nullable=True),
        ColumnSpec("novelty", "str", "NTCP novelty of the product to the market.", required=False, nullable=True,
                   allowed=NTCP_LEVELS["novelty"]),
        ColumnSpec("technology", "str", "NTCP technological uncertainty.", required=False, nullable=True,
                   allowed=NTCP_LEVELS["technology"]),
        ColumnSpec("complexity", "str", "NTCP complexity (assembly = component, system, array = system of "
                   "systems).", required=False, nullable=True, allowed=NTCP_LEVELS["complexity"]),
        ColumnSpec("pace", "str", "NTCP pace (urgency).", required=False, nullable=True, allowed=NTCP_LEVELS["pace"]),
        ColumnSpec("approach", "str", "Management approach in use or planned.", required=False, nullable=True,
                   allowed=APPROACHES),
        ColumnSpec("data_date", "date", "Data date of the schedule: progress is reported up to the start of this "
                   "day; remaining work is scheduled from it.", required=False, nullable=True),
        ColumnSpec("calendar_id", "str", "Project calendar (activities without a calendar_id; blank = Mon-Fri, "
                   "8 hours a day).", required=False, nullable=True, pattern=ID_PATTERN),
        ColumnSpec("lag_calendar", "str", "Calendar lags are spent on (blank = predecessor).", required=False,
                   nullable=True, allowed=LAG_CALENDARS),
    ),
))

_register(TableSpec(
    "criteria",
    "Strategic drivers used to score proposals (needed for intake screening and the 'score' objective; "
    "selection by NPV or risk-adjusted benefit works without).",
    columns=(
        _id("criterion", "Driver id.", unique=True),
        ColumnSpec("description", "str", "What the driver measures.", nullable=True),
        ColumnSpec("weight", "float", "Driver weight (normalised to sum 1 when used); blank when "
                   "weights come from the pairwise table.", ge=0, nullable=True),
    ),
))

_register(TableSpec(
    "pairwise",
    "AHP pairwise judgements between drivers (Saaty 1-9 scale): how much more important "
    "criterion_a is than criterion_b.",
    unique_together=("criterion_a", "criterion_b"),
    columns=(
        _id("criterion_a", "First driver."),
        _id("criterion_b", "Second driver."),
        ColumnSpec("judgement", "float", "Saaty judgement a over b (1/9 .. 9).", ge=1 / 9, le=9),
    ),
))

_register(TableSpec(
    "scores",
    "Each project's score on each driver (with criteria; see there).",
    unique_together=("project_id", "criterion"),
    columns=(
        _id("project_id", "Project id."),
        _id("criterion", "Driver id."),
        ColumnSpec("score", "float", "Score on the driver (0 = none .. 10 = highest).", unit="points",
                   ge=0, le=10),
    ),
))

_register(TableSpec(
    "costs",
    "Cost profile of each project by period offset from its start.",
    required=True,
    unique_together=("project_id", "period_offset"),
    columns=(
        _id("project_id", "Project id."),
        ColumnSpec("period_offset", "int", "Periods after the start (0 = start period).", unit="periods", ge=0),
        _money("cost", "Cost incurred in that period."),
    ),
))

_register(TableSpec(
    "demand",
    "Resource demand of each project by skill and period offset.",
    unique_together=("project_id", "skill", "period_offset"),
    columns=(
        _id("project_id", "Project id."),
        _id("skill", "Skill or resource pool."),
        ColumnSpec("period_offset", "int", "Periods after the start.", unit="periods", ge=0),
        ColumnSpec("fte", "float", "Demand.", unit="FTE", ge=0),
    ),
))

_register(TableSpec(
    "capacity",
    "Available capacity per skill and period.",
    unique_together=("skill", "period"),
    columns=(
        _id("skill", "Skill or resource pool."),
        ColumnSpec("period", "int", "Portfolio period.", unit="period", ge=1),
        ColumnSpec("fte", "float", "Capacity available for projects.", unit="FTE", ge=0),
        _money("hire_cost", "Cost of one extra FTE for one period (blank = hiring not allowed).",
               required=False, nullable=True),
    ),
))

_register(TableSpec(
    "budget",
    "Funding available per portfolio period.",
    required=True,
    columns=(
        ColumnSpec("period", "int", "Portfolio period (1..H).", unit="period", ge=1, unique=True),
        _money("budget", "Budget available in the period."),
    ),
))

_register(TableSpec(
    "limits",
    "Any other limit on the portfolio per period, each in its own unit (capex, opex, a regulator's cap, "
    "engineering hours, tonnes of CO2e ...): the funded projects' use of it may not exceed the amount. "
    "Budget and skills keep their own tables.",
    unique_together=("limit_id", "period"),
    columns=(
        _id("limit_id", "Limit id (e.g. capex, eng_hours, carbon)."),
        ColumnSpec("period", "int", "Portfolio period the amount applies to (blank = the whole horizon).",
                   unit="period", ge=1, nullable=True),
        ColumnSpec("amount", "float", "Amount available.", unit="unit of the limit", ge=0),
        ColumnSpec("unit", "str", "Unit of the limit, the same on every row of a limit_id (currency, FTE, "
                   "hours, tonnes ...)."),
        ColumnSpec("description", "str", "What the limit is and who sets it.", required=False, nullable=True),
    ),
))

_register(TableSpec(
    "limit_use",
    "Use of each limit by each project, by period offset from its start, in the limit's unit.",
    unique_together=("project_id", "limit_id", "period_offset"),
    columns=(
        _id("project_id", "Project id."),
        _id("limit_id", "Limit id (as in limits)."),
        ColumnSpec("period_offset", "int", "Periods after the start (0 = start period).", unit="periods", ge=0),
        ColumnSpec("amount", "float", "Use in that period (negative = the project frees some).",
                   unit="unit of the limit"),
    ),
))

_register(TableSpec(
    "dependencies",
    "Logical dependencies between projects: project_id REQUIRES other (cannot be funded "
    "without it), PRECEDES other (other cannot start before project_id ends) or EXCLUDES "
    "other (at most one of the two).",
    unique_together=("project_id", "other_project_id", "type"),
    columns=(
        _id("project_id", "Project id."),
        _id("other_project_id", "The other project."),
        ColumnSpec("type", "str", "Dependency type.", allowed=DEPENDENCY_TYPES),
    ),
))

_register(TableSpec(
    "activities",
    "Schedule network of active projects: one row per activity.",
    unique_together=("project_id", "activity_id"),
    columns=(
        _id("project_id", "Project id."),
        _id("activity_id", "Activity id (unique within the project)."),
        ColumnSpec("name", "str", "Activity name."),
        ColumnSpec("phase", "str", "Phase or WBS group (for reports).", required=False, nullable=True),
        ColumnSpec("min_duration", "float", "Optimistic duration (P10 for trigen).", unit="days", ge=0),
        ColumnSpec("most_likely", "float", "Most likely duration (the deterministic plan).", unit="days", ge=0),
        ColumnSpec("max_duration", "float", "Pessimistic duration (P90 for trigen).", unit="days", ge=0),
        ColumnSpec("distribution", "str", "Duration distribution.", allowed=DISTRIBUTIONS),
        ColumnSpec("predecessors", "str", "Predecessors: 'ID', 'ID:TYPE' or 'ID:TYPE+LAG', separated "
                   "by ';' (TYPE FS/SS/FF/SF, LAG in working days).", nullable=True),
        _money("fixed_cost", "Fixed cost of the activity."),
        ColumnSpec("cost_rate", "float", "Time-dependent cost.", unit="currency/day", ge=0),
        ColumnSpec("correlation_group", "str", "Durations in one group are rank-correlated.",
                   required=False, nullable=True),
        ColumnSpec("actual_start", "date", "Day work started (blank = not started).", required=False,
                   nullable=True),
        ColumnSpec("actual_finish", "date", "Day work finished (blank = not finished).", required=False,
                   nullable=True),
        ColumnSpec("remaining_duration", "float", "Remaining duration at the data date (blank: from "
                   "percent_complete, or most_likely when not started).", unit="days", ge=0, required=False,
                   nullable=True),
        ColumnSpec("percent_complete", "float", "Duration percent complete at the data date.", unit="%", ge=0,
                   le=100, required=False, nullable=True),
        ColumnSpec("constraint_type", "str", "Date constraint: start/finish no earlier than (SNET, FNET), no later "
                   "than (SNLT, FNLT), on (SO, FO), mandatory (MSO, MFO), as late as possible (ALAP); blank = "
                   "as soon as possible.", required=False, nullable=True, allowed=CONSTRAINT_TYPES),
        ColumnSpec("constraint_date", "date", "Date of the constraint (start constraints: morning; finish "
                   "constraints: evening).", required=False, nullable=True),
        ColumnSpec("calendar_id", "str", "Calendar of the activity (blank = the project calendar).",
                   required=False, nullable=True, pattern=ID_PATTERN),
        ColumnSpec("milestone_type", "str", "A zero-duration activity dated at the start of a day (start) or the "
                   "end of the day its predecessors finish (finish; default when it has predecessors).",
                   required=False, nullable=True, allowed=MILESTONE_TYPES),
        ColumnSpec("baseline_start", "date", "Baseline start (missed-task and baseline execution checks).",
                   required=False, nullable=True),
        ColumnSpec("baseline_finish", "date", "Baseline finish.", required=False, nullable=True),
        ColumnSpec("crash_limit", "float", "Most the duration can be shortened by adding resources (crashing; "
                   "at most most_likely; blank = cannot be crashed). MS Project and P6 files do not carry it.",
                   unit="days", ge=0, required=False, nullable=True),
        ColumnSpec("crash_cost_rate", "float", "Cost of shortening the duration by one working day (with "
                   "crash_limit; the time-cost trade-off of recovery plans).", unit="currency/day", ge=0,
                   required=False, nullable=True),
        ColumnSpec("risk_calendar_id", "str", "Risk calendar (weather, seasons) the work is exposed to: in each "
                   "simulated iteration its windows may stop or slow the work (see risk_calendars; blank = "
                   "none). MS Project and P6 files do not carry it.", required=False, nullable=True,
                   pattern=ID_PATTERN),
    ),
))

_register(TableSpec(
    "branches",
    "Probabilistic branches of the schedules: after the activity, exactly one of its branches is taken in each "
    "simulated iteration, with its probability; the activities of a branch's path exist only when it is "
    "taken (e.g. a test fails with probability 0.3 and a rework path follows). The deterministic plan takes "
    "the most likely branch.",
    unique_together=("project_id", "activity_id", "branch_id"),
    columns=(
        _id("project_id", "Project id."),
        _id("activity_id", "The activity after which the schedule branches."),
        _id("branch_id", "Branch id (e.g. pass, fail)."),
        _prob("probability", "Probability that the branch is taken (the branches of one activity sum to 1)."),
        ColumnSpec("path", "str", "Activity ids of the branch's path, separated by ';' (blank = no extra work, "
                   "e.g. the test passes); they must follow the branching activity in the logic and belong to "
                   "one branch only.", nullable=True),
        ColumnSpec("description", "str", "What the branch is.", required=False, nullable=True),
    ),
))

_register(TableSpec(
    "risk_calendars",
    "Risk calendars: seasonal windows (weather, freeze, monsoon, peak season) that occur in a year with a "
    "probability and then stop the work (productivity 0) or slow it, for the activities that name the "
    "calendar; drawn in each simulated iteration, for every year the schedule may reach.",
    unique_together=("risk_calendar_id", "season_start"),
    columns=(
        _id("risk_calendar_id", "Risk calendar id."),
        ColumnSpec("season_start", "str", "First day of the season, MM-DD (e.g. 12-01).",
                   pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
        ColumnSpec("season_end", "str", "Last day of the season, MM-DD (a season may run over the new year, "
                   "e.g. 12-01 to 02-28).", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
        _prob("probability", "Probability that the window occurs in a given year (independently each year)."),
        ColumnSpec("productivity", "float", "Share of the normal rate of work during the window (0 = no work).",
                   unit="share", ge=0, le=1),
        ColumnSpec("window_days", "float", "Length of the window within the season [calendar days], placed "
                   "uniformly at random in it (blank = the whole season).", unit="days", gt=0,
                   required=False, nullable=True),
        ColumnSpec("description", "str", "What the window is (e.g. storms stop earthworks).", required=False,
                   nullable=True),
    ),
))

_register(TableSpec(
    "calendars",
    "Work calendars of the schedules: working weekdays with their hours.",
    columns=(
        _id("calendar_id", "Calendar id.", unique=True),
        ColumnSpec("name", "str", "Calendar name.", required=False, nullable=True),
        ColumnSpec("work_week", "str", "Working weekdays with optional hours or periods, e.g. 'Mon-Fri', "
                   "'Mon-Thu=9; Fri=4' or 'Mon-Fri=08:00-12:00,13:00-17:00' (blank = Mon-Fri from 08:00).",
                   nullable=True),
        ColumnSpec("hours_per_day", "float", "Hours of one working day: converts durations in days to hours.",
                   unit="hours", gt=0, le=24),
    ),
))

_register(TableSpec(
    "calendar_exceptions",
    "Holidays and working exceptions of the calendars, one row per date.",
    unique_together=("calendar_id", "date"),
    columns=(
        _id("calendar_id", "Calendar id."),
        ColumnSpec("date", "date", "Date of the exception."),
        ColumnSpec("hours", "float", "Working hours on that date (0 = non-working, e.g. a holiday).",
                   unit="hours", ge=0, le=24),
        ColumnSpec("periods", "str", "Working periods of that date, e.g. '08:00-12:00,13:00-17:00' (blank: "
                   "`hours` from the weekday's start).", required=False, nullable=True),
        ColumnSpec("name", "str", "What the exception is (e.g. Christmas Day).", required=False, nullable=True),
    ),
))

_register(TableSpec(
    "risks",
    "Risk register: each risk occurs with its probability and then applies one sampled "
    "impact to every activity it affects (AACE 57R-09 risk drivers).",
    columns=(
        _id("risk_id", "Risk id.", unique=True),
        _id("project_id", "Project id."),
        ColumnSpec("title", "str", "Short description of the risk."),
        ColumnSpec("owner", "str", "Risk owner (blank = none named).", nullable=True),
        _prob("probability", "Probability of occurrence before mitigation."),
        ColumnSpec("impact_type", "str", "Schedule impact as added 'days' or 'percent' of duration.",
                   allowed=IMPACT_TYPES),
        ColumnSpec("schedule_min", "float", "Schedule impact, minimum.", unit="days or %", ge=0),
        ColumnSpec("schedule_most_likely", "float", "Schedule impact, most likely.", unit="days or %", ge=0),
        ColumnSpec("schedule_max", "float", "Schedule impact, maximum.", unit="days or %", ge=0),
        _money("cost_min", "Cost impact, minimum."),
        _money("cost_most_likely", "Cost impact, most likely."),
        _money("cost_max", "Cost impact, maximum."),
        ColumnSpec("affected_activities", "str", "Activity ids of the project, separated by ';'; "
                   "PROJECT/ACTIVITY names an activity of another project (a risk shared by several "
                   "projects: its one occurrence hits them all)."),
        ColumnSpec("mitigation", "str", "Planned response (blank = none).", nullable=True),
        _money("mitigation_cost", "Cost of the response.", nullable=True),
        _prob("post_probability", "Probability after mitigation.", nullable=True),
        ColumnSpec("post_schedule_min", "float", "Post-mitigation schedule impact, minimum.",
                   unit="days or %", ge=0, nullable=True),
        ColumnSpec("post_schedule_most_likely", "float", "Post-mitigation schedule impact, most likely.",
                   unit="days or %", ge=0, nullable=True),
        ColumnSpec("post_schedule_max", "float", "Post-mitigation schedule impact, maximum.",
                   unit="days or %", ge=0, nullable=True),
        _money("post_cost_min", "Post-mitigation cost impact, minimum.", nullable=True),
        _money("post_cost_most_likely", "Post-mitigation cost impact, most likely.", nullable=True),
        _money("post_cost_max", "Post-mitigation cost impact, maximum.", nullable=True),
        ColumnSpec("parent_risk", "str", "The risk this one depends on (a risk of the same project; blank = "
                   "independent).", required=False, nullable=True, pattern=ID_PATTERN),
        ColumnSpec("condition", "str", "How it depends on the parent: only_if = it can occur only in iterations "
                   "where the parent occurred, with probability given the parent; more_likely = probability "
                   "when the parent did not occur, probability_if_parent when it did.", required=False,
                   nullable=True, allowed=RISK_CONDITIONS),
        _prob("probability_if_parent", "Probability when the parent occurred (condition more_likely; at least "
              "probability).", required=False, nullable=True),
    ),
))

_register(TableSpec(
    "status",
    "Earned-value baseline and snapshots: one row per project and reporting period. PV is "
    "given for every period to the planned end (the baseline); EV and AC up to the data date.",
    unique_together=("project_id", "period"),
    columns=(
        _id("project_id", "Project id."),
        ColumnSpec("period", "int", "Reporting period number (1 = first period of the project).",
                   unit="period", ge=1),
        ColumnSpec("period_end", "date", "Last day of the reporting period."),
        _money("pv", "Planned value, cumulative."),
        _money("ev", "Earned value, cumulative (blank after the data date).", nullable=True),
        _money("ac", "Actual cost, cumulative (blank after the data date).", nullable=True),
        _money("etc", "Bottom-up estimate to complete, when given.", required=False, nullable=True),
    ),
))

_register(TableSpec(
    "work_items",
    "Work items of lean/agile delivery, for flow metrics and throughput forecasts.",
    columns=(
        _id("item_id", "Work item id.", unique=True),
        _id("project_id", "Project id."),
        ColumnSpec("type", "str", "Item type (story, defect, ...)."),
        ColumnSpec("created", "date", "Date the item was created."),
        ColumnSpec("started", "date", "Date work started (blank = not started).", nullable=True),
        ColumnSpec("finished", "date", "Date the item was finished (blank = in progress).", nullable=True),
    ),
))

_register(TableSpec(
    "benefits",
    "Benefits register: planned and realised benefit per benefit and period.",
    unique_together=("benefit_id", "period"),
    columns=(
        _id("benefit_id", "Benefit id."),
        _id("project_id", "Project id."),
        ColumnSpec("description", "str", "What the benefit is."),
        ColumnSpec("owner", "str", "Benefit owner (blank = none named).", nullable=True),
        ColumnSpec("measure", "str", "How the benefit is measured."),
        ColumnSpec("period", "int", "Benefit-tracking period (1 = first period after go-live).",
                   unit="period", ge=1),
        ColumnSpec("period_end", "date", "Last day of the tracking period."),
        ColumnSpec("planned", "float", "Planned benefit in the period (negative = dis-benefit).",
                   unit="currency"),
        ColumnSpec("realised", "float", "Realised benefit (blank = not yet measured).", unit="currency",
                   nullable=True),
    ),
))

_register(TableSpec(
    "support",
    "Run cost and incident load after go-live, per project and period.",
    unique_together=("project_id", "period"),
    columns=(
        _id("project_id", "Project id."),
        ColumnSpec("period", "int", "Support period (1 = first period after go-live).", unit="period", ge=1),
        ColumnSpec("period_end", "date", "Last day of the support period."),
        _money("run_cost", "Support and operating cost in the period."),
        ColumnSpec("incidents", "int", "Incidents raised in the period.", unit="count", ge=0),
    ),
))

_register(TableSpec(
    "history",
    "Completed past projects: estimate at approval vs outturn, by reference class.",
    columns=(
        _id("project_id", "Past project id.", unique=True),
        ColumnSpec("reference_class", "str", "Reference class (matches projects.category)."),
        ColumnSpec("estimated_cost", "float", "Cost estimate at approval.", unit="currency", gt=0),
        _money("actual_cost", "Actual outturn cost."),
        ColumnSpec("estimated_duration", "float", "Duration estimate at approval.", unit="periods", gt=0),
        ColumnSpec("actual_duration", "float", "Actual duration.", unit="periods", ge=0),
    ),
))

REQUIRED_TABLES = tuple(n for n, t in TABLES.items() if t.required)


def split_activity_ref(item: str, project_id: str) -> tuple[str, str]:
    """``(project_id, activity_id)`` of one item of ``affected_activities``.

    ``A200`` is activity A200 of ``project_id`` (the risk's own project);
    ``A-102/A150`` is activity A150 of project A-102 (a shared risk).

    Raises
    ------
    ValueError
        when the item is not ``ID`` or ``PROJECT/ID`` with valid ids.

    Examples
    --------
    >>> split_activity_ref("A-102/A150", "A-101")
    ('A-102', 'A150')
    >>> split_activity_ref("A200", "A-101")
    ('A-101', 'A200')
    """
    text = str(item).strip()
    parts = text.split(ACTIVITY_REF_SEPARATOR)
    if len(parts) == 1:
        parts = [str(project_id), parts[0]]
    if len(parts) != 2 or not all(re.match(ID_PATTERN, x.strip()) for x in parts):
        raise ValueError(f"cannot read activity reference {text[:60]!r}: expected ACTIVITY or "
                         f"PROJECT{ACTIVITY_REF_SEPARATOR}ACTIVITY (ids of letters, digits, '_', '.', '-')")
    return parts[0].strip(), parts[1].strip()

_PANDERA_DTYPES = {"str": str, "int": "Int64", "float": float, "bool": "boolean", "date": "datetime64[ns]"}


def schema(table: "str | TableSpec") -> pa.DataFrameSchema:
    """The pandera schema of ``table`` (a name in :data:`TABLES` or a :class:`TableSpec`).

    It checks column types, ranges, allowed values and uniqueness. Columns are
    coerced to their type; a value that cannot be coerced is a validation
    failure, not a crash.
    """
    return _schema(TABLES[table] if isinstance(table, str) else table)


@lru_cache(maxsize=None)
def _schema(spec: TableSpec) -> pa.DataFrameSchema:
    columns = {}
    for c in spec.columns:
        checks = []
        if c.allowed is not None:
            checks.append(pa.Check.isin(list(c.allowed)))
        lo, hi = c.bounds
        if c.gt is not None:
            checks.append(pa.Check.gt(c.gt))
        if lo is not None and (c.gt is None or lo > c.gt):
            checks.append(pa.Check.ge(lo))
        if hi is not None:
            checks.append(pa.Check.le(hi))
        if c.pattern is not None:
            checks.append(pa.Check.str_matches(c.pattern))
        columns[c.name] = pa.Column(
            _PANDERA_DTYPES[c.dtype],
            checks=checks,
            nullable=c.nullable,
            unique=c.unique,
            report_duplicates="exclude_first",
            required=c.required,
            coerce=True,
            description=c.description,
            title=c.unit or None,
        )
    return pa.DataFrameSchema(
        columns,
        name=spec.name,
        strict=False,
        unique=list(spec.unique_together) or None,
        report_duplicates="exclude_first",
    )
