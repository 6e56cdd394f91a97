"""One definition per result column: name, label, unit, meaning and number format.

Pages (:func:`pmo_analytics.records.pages.show_table`), the results workbook
and CSV files (:mod:`pmo_analytics.records.export`), chart axis titles
(:mod:`pmo_analytics.charts`) and the narrative read a column's description
from here, so ``p80_cost`` is called "P80 cost", measured in ``[currency]``
and shown as ``5.0 M`` everywhere.

A column is looked up by :func:`column` in this order:

1. :data:`COLUMNS`, the result columns of the package's estimators;
2. the data model (:data:`pmo_analytics.tables.spec.TABLES`), so input
   columns keep their documented unit and meaning;
3. a name that carries its unit (``"lag [days]"``);
4. the values' dtype (dates are dates, booleans are yes/no).

Kinds and their formats
-----------------------
``kind`` decides how a value is written; the unit is the package's one word
per unit (``currency``, ``days`` = working days, ``periods``, ``period``,
``FTE``, ``probability``, ``points``, ``count``):

=============  =================  ===================  ============  ========
kind           page (``format``)  Excel number format  d3 format     unit
=============  =================  ===================  ============  ========
money          ``12.3 M``         ``#,##0``            ``,.3~s``     currency
days           ``85.9``           ``#,##0.0``          ``,.0f``      days
periods        ``4``              ``0``                ``d``         periods
period         ``4``              ``0``                ``d``         period
fte            ``2.5``            ``0.0``              ``.1f``       FTE
probability    ``45 %``           ``0%``               ``.0%``       probability
share          ``45 %``           ``0%``               ``.0%``       share
ratio          ``0.86``           ``0.00``             ``.2f``
score          ``7.4``            ``0.0``              ``.1f``       points
count          ``1,204``          ``#,##0``            ``,d``        count
number         ``1,234.5``        ``General``          ``,.4~g``
date           ``2027-11-24``     ``yyyy-mm-dd``       (temporal)
id, text       as is
flag           ``yes`` / ``no``
=============  =================  ===================  ============  ========
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .spec import TABLES

__all__ = ["Column", "COLUMNS", "KINDS", "column", "label", "header", "axis_title", "format_value",
           "format_money", "excel_format", "d3_format", "id_names", "MISSING"]

#: Shown instead of a missing value (NaN, None, NaT); the reason goes beside it.
MISSING = "–"

#: Kinds -> (unit, Excel number format, d3 format).
KINDS = {
    "money": ("currency", "#,##0", ",.3~s"),
    "days": ("days", "#,##0.0", ",.0f"),
    "periods": ("periods", "0", "d"),
    "period": ("period", "0", "d"),
    "fte": ("FTE", "0.0", ".1f"),
    "probability": ("probability", "0%", ".0%"),
    "share": ("share", "0%", ".0%"),
    "ratio": ("", "0.00", ".2f"),
    "score": ("points", "0.0", ".1f"),
    "count": ("count", "#,##0", ",d"),
    "number": ("", "General", ",.4~g"),
    "date": ("", "yyyy-mm-dd", None),
    "id": ("", None, None),
    "text": ("", None, None),
    "flag": ("", None, None),
}


@dataclass(frozen=True)
class Column:
    """One result column.

    Attributes
    ----------
    name : str
        The column name in frames, CSV and Excel headers (``p80_cost``).
    label : str
        What people read in tables and on axes (``P80 cost``).
    kind : str
        One of :data:`KINDS`; decides the unit and the number formats.
    meaning : str
        One sentence: what the number is, measured against what.
    unit : str
        Overrides the kind's unit (e.g. ``currency/day``); default: the kind's.
    missing : str
        Why a value may be missing (shown beside ``–``), e.g. "no committed date".
    """

    name: str
    label: str
    kind: str = "number"
    meaning: str = ""
    unit: str | None = None
    missing: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind must be one of {sorted(KINDS)}, got {self.kind!r}")

    @property
    def unit_(self) -> str:
        """The unit word (``currency``, ``days``, ...; empty for ratios, dates and text)."""
        return KINDS[self.kind][0] if self.unit is None else self.unit

    @property
    def excel_format(self) -> str | None:
        """The Excel number format of the kind (None = text, written as is)."""
        return KINDS[self.kind][1]

    @property
    def d3_format(self) -> str | None:
        """The d3/Vega-Lite format of the kind (None for dates and text)."""
        return KINDS[self.kind][2]

    @property
    def header(self) -> str:
        """``name [unit]`` as in CSV and Excel headers (``p80_cost [currency]``)."""
        return f"{self.name} [{self.unit_}]" if self.unit_ and not self.name.endswith("]") else self.name

    @property
    def axis_title(self) -> str:
        """``Label [unit]`` for chart axes (``P80 cost [currency]``); dates and ratios carry no unit."""
        if self.unit_ and self.kind not in ("probability", "share"):
            return f"{self.label} [{self.unit_}]"
        return self.label

    def format(self, value) -> str:
        """``value`` written for people (see :func:`format_value`)."""
        return format_value(value, self.kind)


def _c(name, label, kind="number", meaning="", **kw) -> tuple[str, Column]:
    return name, Column(name, label, kind, meaning, **kw)


#: Result columns of the package (estimators' tables and the key tables of a record).
COLUMNS: dict[str, Column] = dict([
    # ids and names
    _c("project_id", "Project", "id", "Project id."),
    _c("project_name", "Project name", "text", "Project name from the projects table."),
    _c("name", "Name", "text", "Name from the data."),
    _c("risk_id", "Risk", "id", "Risk id of the register."),
    _c("risk_name", "Risk title", "text", "Risk title from the risk register."),
    _c("benefit_id", "Benefit", "id", "Benefit id of the benefits register."),
    _c("benefit_name", "Benefit", "text", "What the benefit is, from the benefits register."),
    _c("activity_id", "Activity", "id", "Activity id (unique within its project)."),
    _c("item", "Item", "text", "What the row is about."),
    _c("measure", "Measure", "text", "What the value measures."),
    _c("value_text", "Value", "text", "A published value that is not a number (list or text)."),
    _c("unit", "Unit", "text", "Unit of the value."),
    # selection
    _c("selected", "Funded", "flag", "The recommended portfolio funds the project."),
    _c("funded", "Funded", "flag", "The recommended portfolio funds the project."),
    _c("start_period", "Start period", "period", "Portfolio period the project starts in.",
       missing="not funded"),
    _c("finish_period", "Finish period", "period", "Portfolio period of the project's last cost.",
       missing="not funded"),
    _c("value", "Value", "money", "Contribution to the objective (risk-adjusted benefit NPV unless stated)."),
    _c("base_value", "Value if funded", "money", "Contribution to the objective if the project were funded."),
    _c("value_change", "Value change", "money", "Change of the portfolio value against the base case."),
    _c("cost", "Cost", "money", "Cost counted against the budget (estimate or reference-class P80)."),
    _c("total_cost", "Total cost", "money", "Total cost of the project if funded."),
    _c("uplifted_cost", "Cost with uplift", "money", "Estimate times its reference-class uplift (P80)."),
    _c("budget", "Budget", "money", "Budget available."),
    _c("spend", "Spend", "money", "Planned spend of the funded projects."),
    _c("project_spend", "Project spend", "money", "Spend on funded projects in the period."),
    _c("hire_spend", "Hiring spend", "money", "Spend on extra FTE in the period."),
    _c("budget_factor", "Budget factor", "share", "Budget as a share of the budget table."),
    _c("utilisation", "Utilisation", "share", "Demand of the funded projects over available capacity."),
    _c("demand_fte", "Demand", "fte", "FTE demanded by the funded projects."),
    _c("capacity_fte", "Capacity", "fte", "FTE available."),
    _c("hired_fte", "Hired", "fte", "Extra FTE hired."),
    _c("score", "Score", "score", "Weighted strategic score (0 = none .. 10 = highest)."),
    _c("weight", "Weight", "share", "Driver weight (weights sum to 100 %)."),
    _c("rank", "Rank", "count", "Rank (1 = first)."),
    # selection under uncertainty (UncertainSelector.comparison_ and frontier)
    _c("method", "Method", "text", "How the portfolio was chosen."),
    _c("alpha", "Alpha", "probability", "Accepted chance of overrunning the budget in some period."),
    _c("hiring", "Hiring", "money", "Spend on extra FTE over the horizon."),
    _c("in_sample_overrun", "P(overrun) in sample", "probability", "Share of the scenarios the model was solved "
       "on in which spend exceeds the budget in some period."),
    _c("p_overrun", "P(overrun)", "probability", "Share of independent scenarios in which spend exceeds the "
       "budget (in some period, or in the row's period)."),
    _c("ci_low", "P(overrun) 95 % low", "probability", "Lower end of the Wilson score interval of P(overrun)."),
    _c("ci_high", "P(overrun) 95 % high", "probability", "Upper end of the Wilson score interval of P(overrun)."),
    _c("p_bound", "P(overrun) at most", "probability", "One-sided Wilson upper bound of P(overrun) at the "
       "check's confidence: the offered portfolio is shown when it is at most alpha."),
    _c("cvar_overrun", "CVaR of the overrun", "money", "Mean worst-period overrun in the worst alpha share of "
       "the scenarios (negative: headroom left)."),
    _c("validation_scenarios", "Scenarios", "count", "Independent scenarios the row was validated on."),
    _c("mean_spend", "Mean spend", "money", "Mean spend over the horizon."),
    _c("p80_spend", "P80 spend", "money", "Spend over the horizon not exceeded in 80 % of the scenarios."),
    _c("note", "Note", "text", "Why a row has no portfolio, or where it came from."),
    # schedule and cost risk
    _c("deterministic_finish", "Planned finish", "date", "Finish date of the deterministic plan (most likely "
       "durations, no risks)."),
    _c("planned_finish", "Planned finish", "date", "Finish date of the deterministic plan."),
    _c("committed_finish", "Committed finish", "date", "Finish date committed to the board.",
       missing="no committed date in the data"),
    _c("p50_finish", "P50 finish", "date", "Finish date met in 50 % of the simulated iterations."),
    _c("p80_finish", "P80 finish", "date", "Finish date met in 80 % of the simulated iterations."),
    _c("p90_finish", "P90 finish", "date", "Finish date met in 90 % of the simulated iterations."),
    _c("finish_date", "Finish date", "date", "Finish date."),
    _c("p80_days_late", "P80 days late", "days", "P80 finish minus the committed finish (positive = late).",
       missing="no committed date in the data"),
    _c("schedule_contingency", "Schedule contingency", "days", "P80 finish minus the planned finish: the "
       "schedule reserve to hold."),
    _c("planned_cost", "Planned cost", "money", "Cost of the deterministic plan (no risks)."),
    _c("deterministic_cost", "Planned cost", "money", "Cost of the deterministic plan (no risks)."),
    _c("p50_cost", "P50 cost", "money", "Cost not exceeded in 50 % of the simulated iterations."),
    _c("p80_cost", "P80 cost", "money", "Cost not exceeded in 80 % of the simulated iterations."),
    _c("p90_cost", "P90 cost", "money", "Cost not exceeded in 90 % of the simulated iterations."),
    _c("cost_contingency", "Cost contingency", "money", "P80 cost minus the planned cost: the cost reserve to "
       "hold."),
    _c("contingency", "Contingency", "number", "Percentile minus the deterministic plan."),
    _c("jcl", "Joint confidence", "probability", "Probability of meeting both the P80 date and the P80 cost "
       "(NASA JCL)."),
    _c("criticality", "Criticality", "probability", "Share of iterations in which the activity is critical."),
    _c("sensitivity", "Sensitivity", "ratio", "Spearman rank correlation of the activity's duration with the "
       "project finish."),
    _c("cruciality", "Cruciality", "ratio", "Criticality times sensitivity."),
    _c("finish_reduction", "P80 days saved if removed", "days", "P80 finish reduction when the risk is removed "
       "(common random numbers)."),
    _c("cost_reduction", "P80 cost saved if removed", "money", "P80 cost reduction when the risk is removed "
       "(common random numbers)."),
    _c("exposure_reduction", "Exposure reduction", "money", "P80 cost reduction bought by the mitigation."),
    _c("net_saving", "Net saving", "money", "Exposure reduction minus the mitigation cost."),
    _c("pays_for_itself", "Pays for itself", "flag", "The mitigation's net saving is positive."),
    # recovery: the cheapest crash plan back to the commitment
    _c("confidence_before", "Confidence now", "probability", "Probability of finishing by the committed finish "
       "as planned, validated on independent scenarios."),
    _c("confidence_after", "Confidence with the recovery", "probability", "Probability of finishing by the "
       "committed finish with the crash plan, validated on independent scenarios.",
       missing="not reachable within the crash limits"),
    _c("after_lo", "Interval from", "probability", "Lower end of the Wilson interval of the validated "
       "confidence with the recovery."),
    _c("after_hi", "Interval to", "probability", "Upper end of the Wilson interval of the validated "
       "confidence with the recovery."),
    _c("recovery_cost", "Cost to recover", "money", "Cost of the cheapest crash plan that meets the committed "
       "finish at the confidence level (crash cost rates x days saved).",
       missing="not reachable within the crash limits, or no crash data"),
    _c("activities_crashed", "Activities crashed", "count", "Activities the recovery shortens."),
    _c("days_crashed", "Days crashed", "days", "Working days taken off the activities, summed."),
    _c("max_confidence", "Confidence, all crashed", "probability", "Probability of finishing by the committed "
       "finish with every activity crashed to its limit."),
    _c("crash", "Crash", "days", "Working days the recovery takes off the activity's remaining duration."),
    _c("crash_cost", "Crash cost", "money", "Crash days times the crash cost rate."),
    _c("crashed_duration", "Crashed duration", "days", "Remaining duration after the crash, working days."),
    _c("remaining", "Remaining", "days", "Remaining most-likely duration at the data date, working days."),
    _c("validated", "Validated confidence", "probability", "Share of independent scenarios finishing by the "
       "target with the plan."),
    _c("in_sample", "In-sample confidence", "probability", "Share of the scenarios the plan was chosen on that "
       "finish by the target."),
    _c("early_start", "Early start", "days", "Early start of the activity, working days from the project start."),
    _c("early_finish", "Early finish", "days", "Early finish of the activity, working days from the project "
       "start."),
    _c("total_float", "Total float", "days", "Working days the activity can slip without delaying the finish."),
    _c("finish", "Finish", "days", "Finish, working days from the project start."),
    _c("late_start", "Late start", "days", "Late start of the activity, working days from the project start."),
    _c("late_finish", "Late finish", "days", "Late finish of the activity, working days from the project start."),
    _c("free_float", "Free float", "days", "Working days the activity can slip without delaying a successor."),
    _c("duration", "Duration", "days", "Duration in working days."),
    _c("p10", "P10", "days", "10th percentile, working days from the start."),
    _c("p50", "P50", "days", "50th percentile, working days from the start."),
    _c("p80", "P80", "days", "80th percentile, working days from the start."),
    _c("p90", "P90", "days", "90th percentile, working days from the start."),
    _c("npv", "NPV", "money", "Net present value."),
    _c("fte", "FTE", "fte", "Full-time equivalents."),
    # delivery monitoring
    _c("rag", "RAG", "text", "Delivery status: red, amber or green, from the rule that fired."),
    _c("reasons", "Rule that fired", "text", "The RAG or escalation rules that fired, with their values.",
       missing="no rule fired"),
    _c("rag_rule", "Rule that fired", "text", "The RAG rule that set the status, with its value.",
       missing="no rule fired"),
    _c("data_date", "Data date", "date", "Last period end with earned value and actual cost."),
    _c("as_of", "As of", "date", "Date the figures describe."),
    _c("period_end", "Period end", "date", "Last day of the period."),
    _c("bac", "BAC", "money", "Budget at completion (the baseline's total planned value)."),
    _c("pv", "PV", "money", "Planned value to date, cumulative."),
    _c("ev", "EV", "money", "Earned value to date, cumulative."),
    _c("ac", "AC", "money", "Actual cost to date, cumulative."),
    _c("cv", "CV", "money", "Cost variance EV - AC (negative = over cost)."),
    _c("sv", "SV", "money", "Schedule variance EV - PV (negative = behind)."),
    _c("cpi", "CPI", "ratio", "Cost performance index EV / AC (below 1 = over cost)."),
    _c("spi", "SPI", "ratio", "Schedule performance index EV / PV (below 1 = behind)."),
    _c("spi_t", "SPI(t)", "ratio", "Earned-schedule performance index ES / AT (below 1 = behind; Lipke 2003)."),
    _c("tcpi_bac", "TCPI (BAC)", "ratio", "Cost efficiency needed on the remaining work to finish on budget."),
    _c("tcpi", "TCPI", "ratio", "Cost efficiency needed on the remaining work to finish on budget."),
    _c("eac", "EAC", "money", "Estimate at completion."),
    _c("etc", "ETC", "money", "Estimate to complete."),
    _c("vac", "VAC", "money", "Variance at completion BAC - EAC (negative = overrun)."),
    _c("eac_p10", "EAC P10", "money", "EAC not exceeded in 10 % of the bootstrap trials."),
    _c("eac_p50", "EAC P50", "money", "EAC not exceeded in 50 % of the bootstrap trials."),
    _c("eac_p90", "EAC P90", "money", "EAC not exceeded in 90 % of the bootstrap trials."),
    _c("p_within_budget", "P(within budget)", "probability", "Share of bootstrap trials with EAC <= BAC."),
    _c("p_on_time", "P(on time)", "probability", "Share of bootstrap trials finishing by the committed date."),
    _c("pd", "Planned duration", "periods", "Baseline duration in reporting periods."),
    _c("es", "ES", "periods", "Earned schedule: periods at which the earned value was planned (Lipke 2003)."),
    _c("at", "AT", "periods", "Actual time: reporting periods elapsed."),
    _c("ieac_t", "IEAC(t)", "periods", "Independent estimate of the duration at completion PD / SPI(t)."),
    _c("ieac_t_date", "IEAC(t) finish", "date", "Finish date of IEAC(t)."),
    _c("finish_date_p50", "P50 finish", "date", "Finish date of 50 % of the bootstrap trials."),
    _c("finish_date_p90", "P90 finish", "date", "Finish date of 90 % of the bootstrap trials."),
    _c("finish_slip_days", "Finish slip", "days", "P50 finish minus the committed finish, calendar days "
       "(positive = late).", unit="calendar days", missing="no committed date in the data"),
    _c("cycle_time", "Cycle time", "days", "Calendar days from start to finish of a work item.",
       unit="calendar days"),
    _c("throughput", "Throughput", "count", "Work items finished in the period."),
    # governance
    _c("level", "Escalate to", "text", "Who must act: project board, PMO or portfolio board."),
    _c("who", "Who", "text", "Person the escalation is addressed to."),
    _c("since", "Since", "date", "Date since which the escalation condition holds."),
    _c("rules", "Rules", "text", "Escalation rules that fired."),
    _c("missing", "Gate items missing", "count", "Stage-gate evidence items missing."),
    _c("business_unit", "Business unit", "text", "Business unit that proposes or owns the project."),
    _c("bucket", "Bucket", "text", "Strategic bucket."),
    _c("mandatory", "Mandatory", "flag", "Must be funded (regulatory, contractual)."),
    # benefits
    _c("planned_total", "Planned benefit", "money", "Benefit planned over all tracking periods."),
    _c("planned_to_date", "Planned to date", "money", "Benefit planned up to the last measured period."),
    _c("realised_to_date", "Realised to date", "money", "Benefit realised up to the last measured period."),
    _c("realisation_rate", "Realisation rate", "share", "Realised over planned to date."),
    _c("performance_to_date", "Performance to date", "share", "Realised over planned to date (1 = on plan)."),
    _c("forecast_total", "Forecast benefit", "money", "Realised to date plus the rest of the plan at the "
       "realisation rate."),
    _c("shortfall", "Shortfall", "money", "Planned total minus forecast total (positive = short)."),
    _c("at_risk", "At risk", "flag", "The forecast misses the plan by more than the tolerance."),
    _c("status", "Status", "text", "Status in words."),
    _c("tco", "Total cost of ownership", "money", "Project cost plus run cost to date."),
    _c("run_cost_total", "Run cost", "money", "Support and operating cost to date."),
    _c("benefit_to_tco", "Benefit / TCO", "ratio", "Realised benefit over total cost of ownership."),
    _c("uplift", "Uplift", "ratio", "Reference-class uplift to apply to an estimate (1.2 = +20 %)."),
    _c("probability", "Probability", "probability", "Probability."),
    _c("share", "Share", "share", "Share of the total."),
])

_UNIT_KINDS = {"currency": "money", "days": "days", "period": "period", "periods": "periods", "FTE": "fte",
               "probability": "probability", "points": "score", "count": "count"}
_UNIT_IN_NAME = re.compile(r"^(?P<base>.*?)\s*\[(?P<unit>[^\]]+)\]\s*$")


def _from_spec(name: str, table: str | None) -> Column | None:
    specs = [TABLES[table]] if table in TABLES else []
    specs += [t for t in TABLES.values() if t.name != table]
    for t in specs:
        if name in t.column_names:
            c = t.column(name)
            if c.dtype == "date":
                kind = "date"
            elif c.dtype == "bool":
                kind = "flag"
            elif c.dtype == "str":
                kind = "id" if name.endswith("_id") else "text"
            else:
                kind = _UNIT_KINDS.get(c.unit, "number")
            unit = c.unit if c.unit and c.unit != KINDS[kind][0] else None
            missing = "blank in the data" if c.nullable else ""
            return Column(name, name.replace("_", " ").capitalize(), kind, c.description, unit=unit,
                          missing=missing)
    return None


def _dtype_kind(values) -> str:
    if values is None:
        return "number"
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_bool_dtype(s):
        return "flag"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "count"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    non_null = s.dropna()
    if len(non_null) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in non_null):
        return "date"
    if len(non_null) and all(isinstance(v, (bool, np.bool_)) for v in non_null):
        return "flag"
    return "text"


def column(name, table: str | None = None, values=None) -> Column:
    """The definition of column ``name``.

    Parameters
    ----------
    name : str
        Column name (``p80_cost``; ``"lag [days]"`` carries its unit).
    table : str, optional
        Data-model table the column belongs to, preferred when several tables
        define the same name.
    values : Series or array, optional
        The column's values: a name defined nowhere gets its kind from their
        dtype (dates, yes/no, counts, numbers, text).

    Returns
    -------
    Column
        Never fails: an unknown name is a plain column labelled by its name.
    """
    name = str(name)
    if name in COLUMNS:
        c = COLUMNS[name]
        if values is not None and c.kind == "date" and not _looks_like_dates(values):
            return replace(c, kind="days")  # e.g. a finish in working days rather than a date
        if values is not None and c.kind != "date" and pd.api.types.is_datetime64_any_dtype(pd.Series(values)):
            return replace(c, kind="date", unit=None)  # e.g. early_start mapped to dates
        return c
    spec = _from_spec(name, table)
    if spec is not None:
        return spec
    m = _UNIT_IN_NAME.match(name)
    if m:
        unit = m.group("unit").strip()
        kind = _UNIT_KINDS.get(unit, "number")
        return Column(name, m.group("base"), kind, unit=unit if unit != KINDS[kind][0] else None)
    kind = _dtype_kind(values)
    if kind in ("number", "count") and re.match(r"^p(robability)?_|^p\(", name):
        kind = "probability"
    return Column(name, name.replace("_", " ").capitalize() if "_" in name else name, kind)


def _looks_like_dates(values) -> bool:
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    non_null = s.dropna()
    return bool(len(non_null)) and all(isinstance(v, (dt.date, pd.Timestamp, str)) for v in non_null)


def label(name) -> str:
    """The label people read for column ``name`` (``P80 cost``)."""
    return column(name).label


def header(name, table: str | None = None, values=None) -> str:
    """``name [unit]`` as in CSV and Excel headers."""
    return column(name, table, values).header


def axis_title(name) -> str:
    """``Label [unit]`` for a chart axis (``P80 cost [currency]``)."""
    return column(name).axis_title


def excel_format(name) -> str | None:
    """The Excel number format of column ``name`` (None = text)."""
    return column(name).excel_format


def d3_format(name) -> str | None:
    """The d3/Vega-Lite axis format of column ``name``."""
    return column(name).d3_format


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def format_money(value: float) -> str:
    """Amounts for people: ``12.3 M``, ``1.25 bn``, ``845 k``, ``512`` (sign kept: ``-1.2 M``)."""
    x = float(value)
    a = abs(x)
    if a >= 1e9:
        s = f"{a / 1e9:.2f} bn"
    elif a >= 1e6:
        s = f"{a / 1e6:.1f} M"
    elif a >= 1e4:
        s = f"{a / 1e3:.0f} k"
    else:
        s = f"{a:,.0f}"
    return ("-" if x < 0 and s.strip("0.,kMbn ") else "") + s


def format_value(value, kind: str = "number") -> str:
    """``value`` written for people according to its ``kind`` (see the table in the module docstring).

    Missing values (None, NaN, NaT) are :data:`MISSING`; lists are joined with
    ``", "``.
    """
    if isinstance(value, (list, tuple, set)):
        return ", ".join(format_value(v, kind) for v in value) if value else "none"
    if _is_missing(value):
        return MISSING
    if kind in ("id", "text"):
        return str(value)
    if isinstance(value, str) and kind != "date":
        return value  # text is shown as given, whatever the column's kind
    if kind == "flag":
        return "yes" if bool(value) else "no"
    if kind == "date":
        if isinstance(value, str):
            try:
                value = pd.Timestamp(value)
            except (ValueError, TypeError):
                return value
        if isinstance(value, (pd.Timestamp, dt.datetime)):
            return value.strftime("%Y-%m-%d") if (value.hour, value.minute) == (0, 0) else \
                value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if kind == "money":
        return format_money(x)
    if kind in ("probability", "share"):
        pct = 100 * x
        return f"{pct:.0f} %" if abs(pct) >= 1 or pct == 0 else f"{pct:.1f} %"
    if kind == "days":
        return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    if kind in ("period", "periods", "count"):
        return f"{x:,.0f}" if x == round(x) else f"{x:,.1f}"
    if kind in ("fte", "score"):
        return f"{x:.1f}"
    if kind == "ratio":
        return f"{x:.2f}"
    if x == round(x) and abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def id_names(portfolio) -> dict[str, dict[str, str]]:
    """Names beside ids: ``{"project_id": {id: project name}, "risk_id": {...}, "benefit_id": {...}}``.

    ``portfolio`` is a :class:`~pmo_analytics.tables.portfolio.Portfolio`;
    tables it does not have are left out.
    """
    out: dict[str, dict[str, str]] = {}
    pairs = {"project_id": ("projects", "name"), "risk_id": ("risks", "title"),
             "benefit_id": ("benefits", "description")}
    for key, (table, col) in pairs.items():
        if portfolio.has(table):
            df = portfolio.tables[table]
            if key in df and col in df:
                out[key] = {str(k): str(v) for k, v in df.drop_duplicates(key).set_index(key)[col].items()}
    return out
