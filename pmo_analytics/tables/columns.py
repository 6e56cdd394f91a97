"""The glossary: one definition per result column -- name, label, unit, meaning and number format.

Pages (:func:`pmo_analytics.records.pages.show_table`), decision-box tiles,
the results workbook and CSV files (:mod:`pmo_analytics.records.export`),
chart axis titles (:mod:`pmo_analytics.charts`) and the narrative read a
column's description from here, so ``p80_cost`` is called "P80 cost",
measured in ``[currency]`` and shown as ``£5.0 M`` everywhere. Every column
that a result-producing function of the package returns is defined here (or
in the data model); ``tests/test_glossary_coverage.py`` fits a review on
portfolios that are not the sample, at confidence 80 and 90, and holds
every stage's result columns to it.

Over 700 lines on purpose: about 440 of them are the table of definitions (one per published column, one
meaning per name), which is kept in one place so that a name is defined once; the lookup beside it is small.

One meaning per name
--------------------
A name means one thing wherever it appears: ``jcl`` is the probability of
finishing by the committed date *and* within the estimate (NASA's joint
confidence level, the escalation rules' signal), ``joint_p80`` the
probability of meeting both the P80 date and the P80 cost. Long frames
(``measure``/``value``/``unit``) are the one exception: their ``unit`` column
says what each row's ``value`` is.

Confidence levels
-----------------
Values read at a confidence level say it: percentiles carry it in their name
(``p90_finish``, ``p90_cost``, ``p90_days_late``, ``joint_p90``: any
``p<level>_<what>`` of :data:`LEVEL_COLUMNS`), and quantities derived at the
level carry it in their label (``cost_contingency`` reads "Cost contingency
at P90"): labels with ``{P}`` are filled by :func:`label` from the frame's
``attrs["confidence"]`` or the record's confidence
(:func:`pmo_analytics.tables.formats.set_confidence`).

A column is looked up by :func:`column` in this order:

1. :data:`COLUMNS`, the result columns of the package's estimators;
2. the confidence-level pattern ``p<level>_<what>`` (:data:`LEVEL_COLUMNS`);
3. the data model (:data:`pmo_analytics.tables.spec.TABLES`), so input
   columns keep their documented unit and meaning;
4. a name that carries its unit (``"lag [days]"``);
5. the values' dtype (dates are dates, booleans are yes/no).

Kinds and their formats
-----------------------
``kind`` decides how a value is written (:mod:`pmo_analytics.tables.formats`);
the unit is the package's one word per unit (``currency``, ``days`` =
working days, ``periods``, ``period``, ``FTE``, ``probability``, ``points``,
``count``, ``%``):

=============  =================  ===================  ============  ========
kind           page (``format``)  Excel number format  d3 format     unit
=============  =================  ===================  ============  ========
money          ``£12.3 M``        ``£#,##0``           ``,.3~s``     currency
days           ``85.9``           ``#,##0.0``          ``,.0f``      days
periods        ``4``              ``0.0``              ``.1f``       periods
period         ``4``              ``0``                ``d``         period
fte            ``2.5``            ``0.0``              ``.1f``       FTE
probability    ``45 %``           ``0%``               ``.0%``       probability
share          ``45 %``           ``0%``               ``.0%``       share
percent        ``85 %``           ``0"%"``             ``.0f``       %
ratio          ``0.86``           ``0.00``             ``.2f``       ratio
score          ``0.815``          ``0.000``            ``.3f``       points
count          ``1,204``          ``#,##0``            ``,d``        count
number         ``1,234.5``        ``#,##0.####``       ``,.4~g``
date           ``2027-11-24``     ``yyyy-mm-dd``       (temporal)
id, text       as is
flag           ``yes`` / ``no``
=============  =================  ===================  ============  ========
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .formats import MISSING, confidence as display_confidence, currency_symbol, format_money, format_value, p_label
from .spec import TABLES

__all__ = ["Column", "COLUMNS", "KINDS", "LEVEL_COLUMNS", "column", "label", "header", "axis_title",
           "format_value", "format_money", "excel_format", "d3_format", "id_names", "MISSING", "at_level",
           "level_of", "people_header"]

#: Kinds -> (unit, Excel number format, d3 format).
KINDS = {
    "money": ("currency", "#,##0", ",.3~s"),
    "days": ("days", "#,##0.0", ",.0f"),
    "periods": ("periods", "0.0", ".1f"),
    "period": ("period", "0", "d"),
    "fte": ("FTE", "0.0", ".1f"),
    "probability": ("probability", "0%", ".0%"),
    "share": ("share", "0%", ".0%"),
    "percent": ("%", '0"%"', ".0f"),
    "ratio": ("ratio", "0.00", ".2f"),
    "score": ("points", "0.000", ".3f"),
    "count": ("count", "#,##0", ",d"),
    "number": ("", "#,##0.####", ",.4~g"),
    "date": ("", "yyyy-mm-dd", None),
    "id": ("", None, None),
    "text": ("", None, None),
    "flag": ("", None, None),
}

#: Words people read for a unit in a header (``Duration [working days]``).
UNIT_WORDS = {"days": "working days", "periods": "periods", "period": "period", "FTE": "FTE", "points": "points",
              "count": "count", "%": "%", "ratio": "ratio"}


@dataclass(frozen=True)
class Column:
    """One result column.

    Attributes
    ----------
    name : str
        The column name in frames, CSV headers and ``numbers.json`` (``p80_cost``).
    label : str
        What people read in tables, workbook headers and on axes (``P80 cost``); ``{P}`` stands for the
        confidence level it was computed at (``Cost contingency at {P}``).
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
        """The unit word (``currency``, ``days``, ...; empty for dates, numbers and text)."""
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
        """``name [unit]`` as in CSV headers (``p80_cost [currency]``)."""
        return f"{self.name} [{self.unit_}]" if self.unit_ and not self.name.endswith("]") else self.name

    def label_at(self, confidence: float | None = None) -> str:
        """The label with ``{P}`` filled: ``P90`` for a confidence of 90 (default: the display confidence)."""
        if "{P}" not in self.label:
            return self.label
        return self.label.replace("{P}", p_label(display_confidence() if confidence is None else confidence))

    def people_header(self, confidence: float | None = None) -> str:
        """``Label [unit]`` for people (workbook headers): money, shares and dates carry their unit in the value."""
        lab = self.label_at(confidence)
        if self.kind in ("money", "probability", "share", "date", "flag", "id", "text", "number", "percent"):
            return lab
        return f"{lab} [{UNIT_WORDS.get(self.unit_, self.unit_)}]" if self.unit_ else lab

    @property
    def axis_title(self) -> str:
        """``Label [unit]`` for chart axes (``P80 cost [£]``, ``Duration [working days]``); dates, ratios and
        percentages carry no unit (the axis labels do)."""
        lab = self.label_at()
        if self.kind == "money":
            return f"{lab} [{currency_symbol().strip()}]" if self.unit_ == "currency" else f"{lab} [{self.unit_}]"
        if self.unit_ and self.kind not in ("probability", "share", "ratio", "score", "number", "percent"):
            return f"{lab} [{UNIT_WORDS.get(self.unit_, self.unit_)}]"
        return lab

    def format(self, value) -> str:
        """``value`` written for people (see :func:`~pmo_analytics.tables.formats.format_value`)."""
        return format_value(value, self.kind)


def _c(name, label, kind="number", meaning="", **kw) -> tuple[str, Column]:
    return name, Column(name, label, kind, meaning, **kw)


_NOT_FUNDED = "not funded"
_NO_COMMIT = "no committed date in the data"

#: Result columns of the package (estimators' tables and the key tables of a record).
COLUMNS: dict[str, Column] = dict([
    # ids, names and text
    _c("project_id", "Project", "id", "Project id."),
    _c("project_name", "Project name", "text", "Project name from the projects table."),
    _c("name", "Name", "text", "Name from the data."),
    _c("risk_id", "Risk", "id", "Risk id of the register."),
    _c("risk_name", "Risk title", "text", "Risk title from the risk register."),
    _c("title", "Risk title", "text", "Risk title from the risk register."),
    _c("benefit_id", "Benefit", "id", "Benefit id of the benefits register."),
    _c("benefit_name", "Benefit", "text", "What the benefit is, from the benefits register."),
    _c("description", "Description", "text", "What the row is, in words."),
    _c("activity_id", "Activity", "id", "Activity id (unique within its project)."),
    _c("item", "Item", "text", "What the row is about."),
    _c("measure", "Measure", "text", "What the value measures."),
    _c("value_text", "Value", "text", "A published value that is not a number (list or text)."),
    _c("unit", "Unit", "text", "Unit of the value in the same row."),
    _c("note", "Note", "text", "A remark on the row."),
    _c("status", "Status", "text", "Status in words."),
    _c("reason", "Reason", "text", "Why, in words."),
    _c("stage", "Stage", "text", "Life-cycle stage of the project: proposal, active or closed."),
    _c("business_unit", "Business unit", "text", "Business unit that proposes or owns the project."),
    _c("bucket", "Bucket", "text", "Strategic bucket."),
    _c("reference_class", "Reference class", "text", "Class of similar past projects the estimate is compared with."),
    _c("owner", "Owner", "text", "Person accountable for the benefit.", missing="no owner named in the data"),
    _c("skill", "Skill", "text", "Skill (capacity pool) the row is about."),
    _c("skill_name", "Skill", "text", "Skill name from the capacity table."),
    _c("scenario", "Scenario", "text", "The named scenario of the row."),
    _c("method", "Method", "text", "How the portfolio was chosen: the selection under uncertainty (SAA) or today's "
       "deterministic rule."),
    _c("model", "Simulated from", "text", "What the project is simulated from: its schedule, or its reference "
       "class's history."),
    # selection
    _c("selected", "Funded", "flag", "The recommended portfolio funds the project."),
    _c("funded", "Funded", "flag", "The recommended portfolio funds the project."),
    _c("feasible", "Feasible", "flag", "A portfolio exists that meets every constraint."),
    _c("start_period", "Start period", "period", "Portfolio period the project starts in.", missing=_NOT_FUNDED),
    _c("finish_period", "Finish period", "period", "Portfolio period of the project's last cost.",
       missing=_NOT_FUNDED),
    _c("period", "Period", "period", "Planning or reporting period (1 = the first)."),
    _c("value", "Value", "money", "Contribution to the objective (risk-adjusted benefit NPV unless stated)."),
    _c("base_value", "Value if funded", "money", "Contribution to the objective if the project were funded."),
    _c("value_change", "Value change", "money", "Change of the portfolio value against the base case.",
       missing="not re-solved"),
    _c("value_change_bound", "Value change, proven limit", "money", "The most the portfolio value could change "
       "if the project were flipped, from the LP relaxation's reduced costs (the change is no better than this).",
       missing="not bounded"),
    _c("exact", "Exact", "flag", "The value change is a re-solved optimum, not an estimate."),
    _c("solved", "Solved as a portfolio", "flag", "The frontier level was solved as a MILP portfolio; otherwise only "
       "its LP bound is shown."),
    _c("value_if_flipped", "Portfolio value if flipped", "money", "Portfolio value with the project forced out "
       "(if funded) or in (if not).", missing="not re-solved"),
    _c("objective", "Objective value", "money", "Value of the objective the solver reached."),
    _c("bound", "Proven bound", "money", "Best value any portfolio could reach, as proven by the solver."),
    _c("gap", "Proven gap", "share", "Relative distance between the portfolio found and the proven bound (0 = "
       "optimal)."),
    _c("cost", "Cost", "money", "Cost counted against the budget (estimate or reference-class uplift)."),
    _c("total_cost", "Total cost", "money", "Total cost of the project if funded."),
    _c("uplifted_cost", "Cost with uplift", "money", "Estimate times its reference-class uplift at {P}."),
    _c("uplifted_estimated_cost", "Cost with uplift", "money", "Estimate times its reference-class uplift at {P}."),
    _c("has_history", "Class has history", "flag", "Enough past projects of its class to set an uplift."),
    _c("budget", "Budget", "money", "Budget available."),
    _c("spend", "Spend", "money", "Planned spend of the funded projects."),
    _c("project_spend", "Project spend", "money", "Spend on funded projects in the period."),
    _c("hire_spend", "Hiring spend", "money", "Spend on extra FTE in the period."),
    _c("headroom", "Headroom", "money", "Budget minus spend in the period (negative = overspent)."),
    _c("unavoidable_spend", "Unavoidable spend", "money", "Spend of the mandatory and committed projects that "
       "no portfolio can avoid in the period."),
    _c("budget_factor", "Budget factor", "share", "Budget as a share of the budget table."),
    _c("utilisation", "Utilisation", "share", "Demand of the funded projects over available capacity."),
    _c("demand", "Demand", "fte", "FTE demanded by the funded projects."),
    _c("capacity", "Capacity", "fte", "FTE available."),
    _c("demand_fte", "Demand", "fte", "FTE demanded by the funded projects."),
    _c("capacity_fte", "Capacity", "fte", "FTE available."),
    _c("hired", "Hired", "fte", "Extra FTE hired."),
    _c("hired_fte", "Hired", "fte", "Extra FTE hired."),
    _c("bottleneck", "At capacity", "flag", "Demand uses all of the skill's capacity in the period."),
    _c("periods_at_capacity", "Periods at capacity", "count", "Periods in which the skill's capacity is fully used."),
    _c("limit", "Limit", "text", "The limit (any other constraint of the limits table)."),
    _c("available", "Available", "number", "Amount of the limit available, in the limit's own unit."),
    _c("use", "Used", "number", "Amount of the limit the funded projects use, in the limit's own unit."),
    _c("entering", "Projects entering", "text", "Projects funded at this budget level that the level below does "
       "not fund."),
    _c("leaving", "Projects leaving", "text", "Projects the level below funds that this budget level does not."),
    _c("gained", "Projects gained", "text", "Projects the scenario funds that the base case does not."),
    _c("lost", "Projects lost", "text", "Projects the base case funds that the scenario does not."),
    _c("displaces", "Would displace", "text", "Projects that would leave the portfolio if this one were forced in "
       "(or that its removal would let in)."),
    _c("explanation", "Why", "text", "Why the project is in or out, in words."),
    _c("binding", "Binding constraints", "text", "Constraints that keep the project out."),
    _c("constraint", "Constraint", "text", "The constraint, in words."),
    _c("family", "Constraint type", "text", "Budget, capacity or another limit."),
    _c("dual", "Shadow price", "number", "Value the objective would gain per extra unit of the constraint's "
       "right-hand side in the LP relaxation (per unit of currency or per FTE)."),
    _c("slack", "Slack", "number", "Unused part of the constraint, in its own unit."),
    _c("solver", "Solver", "text", "The solver that found the portfolio."),
    _c("message", "Solver message", "text", "What the solver reported."),
    _c("chosen", "Chosen", "flag", "This solver's portfolio is the one taken."),
    _c("nodes", "Nodes", "count", "Branch-and-bound nodes explored."),
    _c("seconds", "Seconds", "number", "Wall-clock time of the solve [seconds].", unit="seconds"),
    _c("solve_seconds", "Solve time", "number", "Wall-clock time of the solve [seconds].", unit="seconds"),
    _c("score", "Score", "score", "Weighted strategic score of the normalised driver scores (0 = none .. 1 = best "
       "on every driver)."),
    _c("fit", "Score", "score", "Weighted score on the driver."),
    _c("weight", "Weight", "share", "Driver weight (weights sum to 100 %)."),
    _c("rank", "Rank", "count", "Rank (1 = first)."),
    # selection under uncertainty (UncertainSelector.comparison_ and frontier)
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
    _c("mean_spend", "Mean spend", "money", "Mean simulated spend (in the row's period, or over the horizon)."),
    _c("benefit", "Benefit NPV", "money", "Benefit NPV of the proposal."),
    _c("risk", "Probability of failure", "probability", "One minus the probability of success."),
    _c("risk_adjusted_benefit", "Risk-adjusted benefit", "money", "Probability of success times benefit NPV."),
    _c("net_value", "Net value", "money", "Risk-adjusted benefit minus the cost with uplift."),
    _c("value_to_cost", "Value per cost", "ratio", "Risk-adjusted benefit per unit of cost with uplift."),
    _c("quadrant", "Class", "text", "Value-versus-risk class: pursue, review risk, quick win or avoid."),
    _c("shortlisted", "Shortlisted", "flag", "The proposal passes screening."),
    _c("n_shortlisted", "Shortlisted", "count", "Proposals that pass screening."),
    _c("proposals", "Proposals", "count", "Proposals in the group."),
    _c("projects", "Projects", "count", "Projects in the group."),
    _c("estimate_class", "Estimate class", "count", "AACE estimate class (1 = most definitive .. 5 = order of "
       "magnitude)."),
    # schedule and cost risk
    _c("deterministic_finish", "Planned finish", "date", "Finish date of the deterministic plan (most likely "
       "durations, no risks)."),
    _c("planned_finish", "Planned finish", "date", "Finish date of the deterministic plan."),
    _c("committed_finish", "Committed finish", "date", "Finish date committed to the board.", missing=_NO_COMMIT),
    _c("finish_date", "Finish date", "date", "Finish date."),
    _c("date", "Date", "date", "Date of the row."),
    _c("schedule_contingency", "Schedule contingency at {P}", "days", "{P} finish minus the planned finish: the "
       "schedule reserve to hold."),
    _c("planned_cost", "Planned cost", "money", "Cost of the deterministic plan (no risks)."),
    _c("deterministic_cost", "Planned cost", "money", "Cost of the deterministic plan (no risks)."),
    _c("cost_contingency", "Cost contingency at {P}", "money", "{P} cost minus the planned cost: the cost reserve to "
       "hold."),
    _c("cost_assessed", "Cost assessed", "flag", "The schedule and risks carry costs, so cost and joint confidence "
       "are assessed."),
    _c("p_on_committed", "Chance of the committed date", "probability", "Share of the simulated iterations that "
       "finish by the committed date.", missing=_NO_COMMIT),
    _c("jcl", "Joint confidence of commitment and estimate", "probability", "Probability of finishing by the "
       "committed date and within the approved estimate (NASA joint confidence level).", missing=_NO_COMMIT),
    _c("criticality", "Criticality", "probability", "Share of iterations in which the activity is critical."),
    _c("sensitivity", "Sensitivity", "ratio", "Spearman rank correlation of the activity's duration with the "
       "project finish."),
    _c("cruciality", "Cruciality", "ratio", "Criticality times sensitivity."),
    _c("critical", "Critical", "flag", "The activity is on the critical path of the deterministic plan."),
    _c("milestone", "Milestone", "flag", "The activity is a milestone (zero duration)."),
    _c("percentile", "Percentile", "percent", "Percentile of the simulated distribution (80 = P80) [%]."),
    _c("finish_reduction", "{P} days saved if removed", "days", "{P} finish reduction when the risk is removed "
       "(common random numbers)."),
    _c("cost_reduction", "{P} cost saved if removed", "money", "{P} cost reduction when the risk is removed "
       "(common random numbers)."),
    _c("mean_finish_reduction", "Mean days saved if removed", "days", "Mean finish reduction when the risk is "
       "removed (common random numbers)."),
    _c("mean_cost_reduction", "Mean cost saved if removed", "money", "Mean cost reduction when the risk is removed "
       "(common random numbers)."),
    _c("mitigation", "Mitigation", "text", "The planned response, from the risk register."),
    _c("mitigation_cost", "Mitigation cost", "money", "Cost of the planned response."),
    _c("exposure_reduction", "Exposure reduction at {P}", "money", "{P} cost reduction bought by the mitigation."),
    _c("net_saving", "Net saving at {P}", "money", "Exposure reduction minus the mitigation cost."),
    _c("pays_for_itself", "Pays for itself", "flag", "The mitigation's net saving is positive."),
    _c("check", "Check", "text", "Schedule health check (DCMA 14-point assessment)."),
    _c("passed", "Passed", "flag", "The check or gate item is met."),
    _c("threshold", "Threshold", "text", "The limit the value is compared with."),
    _c("activities", "Activities", "text", "Activities the row names (the first ones)."),
    _c("total", "Activities checked", "count", "Activities the check applies to."),
    _c("count", "Count", "count", "How many rows of the data the check counts."),
    # simulated distributions (risk results)
    _c("iteration", "Iteration", "count", "Iteration of the Monte Carlo simulation."),
    _c("bin_start", "From", "number", "Lower edge of the histogram bin, in the unit of its measure."),
    _c("bin_end", "To", "number", "Upper edge of the histogram bin, in the unit of its measure."),
    _c("bin_start_date", "From", "date", "Lower edge of the histogram bin as a date."),
    _c("bin_end_date", "To", "date", "Upper edge of the histogram bin as a date."),
    _c("joint_confidence", "Joint confidence", "probability", "Probability of finishing by the date and within the "
       "budget of the row (a point of the JCL frontier)."),
    _c("cumulative", "Cumulative probability", "probability", "Share of iterations up to the bin's upper edge."),
    _c("level", "Escalate to", "text", "Who must act: project board, PMO or portfolio board."),
    # recovery: the cheapest crash plan back to the commitment
    _c("confidence", "Confidence", "probability", "Probability of finishing by the target asked for."),
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
    _c("validated_lo", "Interval from", "probability", "Lower end of the Wilson interval of the validated "
       "confidence."),
    _c("validated_hi", "Interval to", "probability", "Upper end of the Wilson interval of the validated "
       "confidence."),
    _c("in_sample", "In-sample confidence", "probability", "Share of the scenarios the plan was chosen on that "
       "finish by the target."),
    _c("early_start", "Early start", "days", "Early start of the activity, working days from the project start."),
    _c("early_finish", "Early finish", "days", "Early finish of the activity, working days from the project "
       "start."),
    _c("late_start", "Late start", "days", "Late start of the activity, working days from the project start."),
    _c("late_finish", "Late finish", "days", "Late finish of the activity, working days from the project start."),
    _c("early_start_date", "Early start", "date", "Early start of the activity as a date."),
    _c("early_finish_date", "Early finish", "date", "Early finish of the activity as a date."),
    _c("late_start_date", "Late start", "date", "Late start of the activity as a date."),
    _c("late_finish_date", "Late finish", "date", "Late finish of the activity as a date."),
    _c("total_float", "Total float", "days", "Working days the activity can slip without delaying the finish."),
    _c("free_float", "Free float", "days", "Working days the activity can slip without delaying a successor."),
    _c("finish", "Finish", "days", "Finish, working days from the project start."),
    _c("duration", "Duration", "days", "Duration in working days."),
    _c("npv", "NPV", "money", "Net present value."),
    _c("fte", "FTE", "fte", "Full-time equivalents."),
    # portfolio simulated as a whole
    _c("plan_spend", "Planned spend", "money", "Spend of the deterministic plan in the period (most-likely "
       "durations, no risks)."),
    _c("plan_cost", "Planned cost", "money", "Cost of the deterministic plan (most-likely durations, no risks)."),
    _c("mean_cost", "Mean cost", "money", "Mean simulated cost."),
    _c("plan_finish_periods", "Planned finish", "periods", "Finish of the deterministic plan, in periods from the "
       "start of period 1."),
    _c("p_late", "Chance of finishing late", "probability", "Share of iterations finishing after the project's "
       "planned last period."),
    _c("variance_share", "Share of the spread", "share", "The project's part of the variance of portfolio spend "
       "(shares add up to 100 %)."),
    _c("data_date", "Data date", "date", "Last period end with earned value and actual cost."),
    _c("complete", "Activities complete", "count", "Activities complete at the data date."),
    _c("in_progress", "Activities in progress", "count", "Activities in progress at the data date."),
    _c("cost_to_date", "Cost to date", "money", "Cost of the work done before the data date (in the project's "
       "cost, in no period's spend)."),
    _c("milestone_id", "Milestone", "id", "Milestone activity id (or 'finish')."),
    # selection under uncertainty
    # delivery monitoring
    _c("rag", "RAG", "text", "Delivery status: red, amber or green, from the rule that fired."),
    _c("reasons", "Rule that fired", "text", "The RAG or escalation rules that fired, with their values.",
       missing="no rule fired"),
    _c("rag_rule", "Rule that fired", "text", "The RAG rule that set the status, with its value.",
       missing="no rule fired"),
    _c("rule", "Rule", "text", "The rule, by name."),
    _c("metric", "Measure", "text", "The measure the rule tests."),
    _c("metric_value", "Value", "number", "The value of the measure the rule tests, at its own precision."),
    _c("op", "Fires when", "text", "The comparison that makes the rule fire."),
    _c("amber", "Amber at", "number", "Threshold of the amber status."),
    _c("red", "Red at", "number", "Threshold of the red status."),
    _c("n_red", "Red rules", "count", "Rules at red."),
    _c("n_amber", "Amber rules", "count", "Rules at amber."),
    _c("as_of", "As of", "date", "Date the figures describe."),
    _c("period_end", "Period end", "date", "Last day of the period."),
    _c("period_start", "Period start", "date", "First day of the period."),
    _c("bac", "BAC", "money", "Budget at completion (the baseline's total planned value)."),
    _c("pv", "PV", "money", "Planned value to date, cumulative."),
    _c("ev", "EV", "money", "Earned value to date, cumulative."),
    _c("ac", "AC", "money", "Actual cost to date, cumulative."),
    _c("cv", "CV", "money", "Cost variance EV - AC (negative = over cost)."),
    _c("sv", "SV", "money", "Schedule variance EV - PV (negative = behind)."),
    _c("cv_pct", "CV", "share", "Cost variance over earned value (negative = over cost)."),
    _c("sv_pct", "SV", "share", "Schedule variance over planned value (negative = behind)."),
    _c("sv_t", "SV(t)", "periods", "Time-based schedule variance ES - AT (negative = behind; Lipke 2003)."),
    _c("cpi", "CPI", "ratio", "Cost performance index EV / AC: value earned per unit of cost (below 1 = over cost)."),
    _c("spi", "SPI", "ratio", "Schedule performance index EV / PV (below 1 = behind)."),
    _c("spi_t", "SPI(t)", "ratio", "Earned-schedule performance index ES / AT (below 1 = behind; Lipke 2003)."),
    _c("cpi_change", "CPI trend", "ratio", "Change of CPI over the trend periods (negative = worsening)."),
    _c("spi_t_change", "SPI(t) trend", "ratio", "Change of SPI(t) over the trend periods (negative = worsening)."),
    _c("trend_from_period", "Trend from period", "period", "First reporting period of the trend."),
    _c("tcpi_bac", "TCPI (BAC)", "ratio", "Cost efficiency needed on the remaining work to finish on budget."),
    _c("tcpi_eac", "TCPI (EAC)", "ratio", "Cost efficiency needed on the remaining work to finish at the EAC."),
    _c("tcpi", "TCPI", "ratio", "Cost efficiency needed on the remaining work to finish on budget."),
    _c("tspi", "TSPI", "ratio", "Schedule efficiency needed on the remaining work to finish on time."),
    _c("eac", "EAC", "money", "Estimate at completion."),
    _c("eac_cpi", "EAC (CPI)", "money", "Estimate at completion AC + (BAC - EV) / CPI."),
    _c("eac_plan", "EAC (plan)", "money", "Estimate at completion AC + (BAC - EV): the rest as planned."),
    _c("eac_cpi_spi", "EAC (CPI x SPI)", "money", "Estimate at completion AC + (BAC - EV) / (CPI x SPI)."),
    _c("eac_bottom_up", "EAC (bottom-up)", "money", "Estimate at completion AC + the reported ETC.",
       missing="no ETC reported"),
    _c("eac_source", "EAC method", "text", "The EAC method the point estimate uses."),
    _c("etc", "ETC", "money", "Estimate to complete."),
    _c("vac", "VAC", "money", "Variance at completion BAC - EAC (negative = overrun)."),
    _c("eac_p10", "EAC P10", "money", "EAC not exceeded in 10 % of the bootstrap trials."),
    _c("eac_p50", "EAC P50", "money", "EAC not exceeded in 50 % of the bootstrap trials."),
    _c("eac_p90", "EAC P90", "money", "EAC not exceeded in 90 % of the bootstrap trials."),
    _c("p_within_budget", "Chance within budget", "probability", "Share of bootstrap trials with EAC <= BAC."),
    _c("p_on_time", "Chance on time", "probability", "Share of bootstrap trials finishing by the committed date."),
    _c("pct_complete", "Complete", "share", "Earned value over budget at completion."),
    _c("pct_planned", "Planned complete", "share", "Planned value over budget at completion."),
    _c("pct_spent", "Spent", "share", "Actual cost over budget at completion."),
    _c("pd", "Planned duration", "periods", "Baseline duration in reporting periods."),
    _c("planned_duration", "Planned duration", "periods", "Baseline duration in reporting periods."),
    _c("es", "ES", "periods", "Earned schedule: periods at which the earned value was planned (Lipke 2003)."),
    _c("at", "AT", "periods", "Actual time: reporting periods elapsed."),
    _c("ieac_t", "IEAC(t)", "periods", "Independent estimate of the duration at completion PD / SPI(t)."),
    _c("ieac_t_date", "IEAC(t) finish", "date", "Finish date of IEAC(t)."),
    _c("finish_p10", "Finish P10", "periods", "Duration at completion of 10 % of the bootstrap trials, reporting "
       "periods."),
    _c("finish_p50", "Finish P50", "periods", "Duration at completion of 50 % of the bootstrap trials, reporting "
       "periods."),
    _c("finish_p90", "Finish P90", "periods", "Duration at completion of 90 % of the bootstrap trials, reporting "
       "periods."),
    _c("finish_date_p10", "P10 finish", "date", "Finish date of 10 % of the bootstrap trials."),
    _c("finish_date_p50", "P50 finish", "date", "Finish date of 50 % of the bootstrap trials."),
    _c("finish_date_p90", "P90 finish", "date", "Finish date of 90 % of the bootstrap trials."),
    _c("window_periods", "Window", "count", "Recent reporting periods resampled for the ranges."),
    _c("window_cpi_min", "Lowest CPI in window", "ratio", "Lowest CPI of the recent periods."),
    _c("window_cpi_max", "Highest CPI in window", "ratio", "Highest CPI of the recent periods."),
    _c("window_spi_t_min", "Lowest SPI(t) in window", "ratio", "Lowest SPI(t) of the recent periods."),
    _c("window_spi_t_max", "Highest SPI(t) in window", "ratio", "Highest SPI(t) of the recent periods."),
    _c("finish_slip_days", "Finish slip", "days", "P50 finish minus the committed finish, calendar days "
       "(positive = late).", unit="calendar days", missing=_NO_COMMIT),
    # flow of work items
    _c("cycle_time", "Cycle time", "days", "Calendar days from start to finish of a work item.",
       unit="calendar days"),
    _c("p50_cycle_time", "Cycle time P50", "days", "Cycle time not exceeded by 50 % of the finished items.",
       unit="calendar days"),
    _c("p70_cycle_time", "Cycle time P70", "days", "Cycle time not exceeded by 70 % of the finished items.",
       unit="calendar days"),
    _c("p85_cycle_time", "Cycle time P85", "days", "Cycle time not exceeded by 85 % of the finished items.",
       unit="calendar days"),
    _c("p95_cycle_time", "Cycle time P95", "days", "Cycle time not exceeded by 95 % of the finished items.",
       unit="calendar days"),
    _c("items_finished", "Items finished", "count", "Work items finished."),
    _c("avg_wip", "Average WIP", "number", "Average work items in progress per day [items]."),
    _c("throughput", "Throughput", "count", "Work items finished in the period."),
    _c("throughput_per_day", "Throughput per day", "number", "Work items finished per calendar day [items/day]."),
    _c("littles_law_ratio", "Little's law ratio", "ratio", "Average WIP over throughput times cycle time (1 = the "
       "three measures agree)."),
    _c("periods", "Periods", "periods", "Number of periods (of the forecast's frequency, or of the benefit's "
       "tracking)."),
    _c("items_done", "Items done", "count", "Work items done in the forecast's horizon."),
    # governance
    _c("who", "Who", "text", "Person the escalation is addressed to."),
    _c("since", "Since", "date", "Date since which the escalation condition holds."),
    _c("rules", "Rules", "text", "Escalation rules that fired."),
    _c("rule_id", "Rule", "id", "Rule id of the governance rules table."),
    _c("signal", "Signal", "text", "The measure the escalation rule tests."),
    _c("signal_value", "Value", "number", "The value of the signal the rule tests, at its own precision."),
    _c("operator", "Fires when", "text", "The comparison that makes the rule fire."),
    _c("why", "Why", "text", "The rule, its value and its rationale, in words."),
    _c("escalation", "Escalated to", "text", "The highest level the project is escalated to."),
    _c("missing", "Gate items missing", "count", "Stage-gate evidence items missing."),
    _c("missing_items", "Missing items", "text", "The stage-gate evidence items missing."),
    _c("items", "Gate items", "count", "Stage-gate evidence items assessed."),
    _c("not_assessed", "Not assessed", "count", "Gate items that could not be assessed."),
    _c("compliance_rate", "Compliance", "share", "Gate items passed over gate items assessed."),
    _c("gate", "Gate", "text", "The stage gate."),
    _c("detail", "Detail", "text", "What was found for the gate item, or what a schedule-risk event does."),
    _c("kind", "Kind", "text", "Kind of schedule-risk event: branch, risk calendar or conditional risk."),
    _c("subject", "Subject", "text", "The activity, risk calendar or risk the event is about."),
    _c("mandatory", "Mandatory", "flag", "Must be funded (regulatory, contractual)."),
    _c("novelty", "Novelty", "text", "NTCP novelty: derivative, platform or breakthrough."),
    _c("technology", "Technology", "text", "NTCP technology: low, medium, high or super-high tech."),
    _c("complexity", "Complexity", "text", "NTCP complexity: assembly, system or array."),
    _c("pace", "Pace", "text", "NTCP pace: regular, fast/competitive, time-critical or blitz."),
    _c("novelty_rank", "Novelty rank", "count", "Novelty on the diamond's axis (1 = derivative)."),
    _c("technology_rank", "Technology rank", "count", "Technology on the diamond's axis (1 = low tech)."),
    _c("complexity_rank", "Complexity rank", "count", "Complexity on the diamond's axis (1 = assembly)."),
    _c("pace_rank", "Pace rank", "count", "Pace on the diamond's axis (1 = regular)."),
    _c("classified", "Classified", "flag", "The project has an NTCP profile."),
    _c("current_approach", "Current approach", "text", "How the project is run (or planned) today."),
    _c("delivery", "Approach called for", "text", "The delivery approach the project's profile calls for."),
    _c("formality", "Formality", "text", "The management formality the profile calls for."),
    _c("contingency", "Contingency level", "text", "The confidence level the profile calls for (P70, P80, P90)."),
    _c("cadence", "Reporting cadence", "text", "The reporting cadence the profile calls for."),
    _c("delivery_rule", "Approach rule", "id", "Rule of the approach table that sets the approach."),
    _c("formality_rule", "Formality rule", "id", "Rule of the approach table that sets the formality."),
    _c("contingency_rule", "Contingency rule", "id", "Rule of the approach table that sets the contingency level."),
    _c("cadence_rule", "Cadence rule", "id", "Rule of the approach table that sets the cadence."),
    _c("mismatch", "Approach mismatch", "flag", "The current approach differs from the one the profile calls for."),
    # benefits
    _c("planned_total", "Planned benefit", "money", "Benefit planned over all tracking periods."),
    _c("planned_to_date", "Planned to date", "money", "Benefit planned up to the last measured period."),
    _c("realised_to_date", "Realised to date", "money", "Benefit realised up to the last measured period."),
    _c("realisation_rate", "Realisation rate", "share", "Realised over planned to date.",
       missing="not yet measured"),
    _c("performance_to_date", "Performance to date", "share", "Realised over planned to date (100 % = on plan; for a "
       "dis-benefit, planned over realised).", missing="not yet measured"),
    _c("forecast_total", "Forecast benefit", "money", "Realised to date plus the rest of the plan at the "
       "realisation rate."),
    _c("shortfall", "Shortfall", "money", "Forecast total minus planned total (negative = short)."),
    _c("at_risk", "At risk", "flag", "The forecast misses the plan by more than the tolerance."),
    _c("is_disbenefit", "Dis-benefit", "flag", "A planned negative value (a cost the change brings)."),
    _c("rate_basis", "Rate from", "text", "What the realisation rate is measured on."),
    _c("periods_measured", "Periods measured", "count", "Tracking periods with a realised value."),
    _c("measured", "Measured", "flag", "At least one benefit of the project has a realised value."),
    _c("n_benefits", "Benefits", "count", "Benefits in the register."),
    _c("n_at_risk", "Benefits at risk", "count", "Benefits forecast to miss their plan by more than the tolerance."),
    _c("disbenefits_to_date", "Dis-benefits to date", "money", "Dis-benefits realised to date (negative values)."),
    _c("benefit_npv", "Benefit NPV", "money", "Benefit NPV promised at authorisation."),
    _c("authorised_cost", "Authorised cost", "money", "Cost the project was authorised at."),
    _c("support_periods", "Support periods", "count", "Periods of support after go-live."),
    _c("run_cost_per_period", "Run cost per period", "money", "Average support and operating cost per period."),
    _c("incidents_total", "Incidents", "count", "Incidents since go-live."),
    _c("incidents_per_period", "Incidents per period", "number", "Average incidents per support period."),
    _c("incident_trend", "Incident trend", "number", "Slope of incidents per period (positive = rising)."),
    _c("net_of_run_cost", "Benefit net of run cost", "money", "Benefit realised minus run cost to date."),
    _c("tco", "Total cost of ownership", "money", "Project cost plus run cost to date."),
    _c("run_cost_total", "Run cost", "money", "Support and operating cost to date."),
    _c("benefit_to_tco", "Benefit / TCO", "share", "Realised benefit over total cost of ownership."),
    _c("n", "Past projects", "count", "Completed past projects of the class."),
    _c("mean_ratio", "Mean ratio", "ratio", "Mean of actual over estimate."),
    _c("p50_ratio", "Median ratio", "ratio", "Median of actual over estimate."),
    _c("quantile_ratio", "Ratio at {P}", "ratio", "Actual over estimate at the confidence level."),
    _c("uplift", "Uplift at {P}", "share", "Reference-class uplift to apply to an estimate: the ratio at the "
       "confidence level minus one."),
    _c("cost_uplift", "Cost uplift", "share", "Cost uplift to adopt (ratio at the confidence level minus one)."),
    _c("duration_uplift", "Duration uplift", "share", "Duration uplift to adopt (ratio at the confidence level minus "
       "one)."),
    _c("acceptable_overrun", "Accepted chance of overrun", "probability", "One minus the confidence level."),
    _c("share_overrun", "Share that overran", "share", "Past projects whose actual exceeded the estimate."),
    _c("mean_uplifted_duration", "Mean duration with uplift", "periods", "Mean proposal duration times the "
       "duration uplift."),
    _c("hmt_project_type", "HM Treasury project type", "text", "Optimism-bias project type of HM Treasury's "
       "Green Book supplementary guidance."),
    _c("hmt_lower", "HM Treasury lower", "share", "Lower optimism-bias uplift of the project type."),
    _c("hmt_upper", "HM Treasury upper", "share", "Upper optimism-bias uplift of the project type."),
    _c("position", "Against HM Treasury", "text", "Where our uplift lies against HM Treasury's range."),
    _c("probability", "Probability", "probability", "Probability."),
    _c("share", "Share", "share", "Share of the total."),
])

#: Values read at a confidence level, named ``p<level>_<what>`` (``p90_cost``): what -> (label, kind, meaning).
LEVEL_COLUMNS: dict[str, tuple[str, str, str]] = {
    "finish": ("{P} finish", "date", "Finish date met in {q} % of the simulated iterations."),
    "cost": ("{P} cost", "money", "Cost not exceeded in {q} % of the simulated iterations."),
    "days_late": ("{P} days late", "days", "{P} finish minus the committed finish, working days (positive = "
                  "late)."),
    "spend": ("{P} spend", "money", "Spend not exceeded in {q} % of the simulated scenarios."),
    "finish_periods": ("{P} finish", "periods", "Finish met in {q} % of the simulated iterations, in periods from "
                       "the start of period 1."),
    "days": ("{P}", "days", "Working days from the start of period 1 met in {q} % of the simulated iterations."),
    "period": ("{P} period", "period", "Period in which the {P} date falls."),
}
_LEVEL = re.compile(r"^p(?P<q>\d+(?:\.\d+)?)_(?P<what>" + "|".join(sorted(LEVEL_COLUMNS, key=len, reverse=True))
                    + r")$")
_JOINT = re.compile(r"^joint_p(?P<q>\d+(?:\.\d+)?)$")
_MISSING_BY_WHAT = {"days_late": _NO_COMMIT}

_UNIT_KINDS = {"currency": "money", "days": "days", "period": "period", "periods": "periods", "FTE": "fte",
               "probability": "probability", "points": "score", "count": "count", "%": "percent"}
_UNIT_IN_NAME = re.compile(r"^(?P<base>.*?)\s*\[(?P<unit>[^\]]+)\]\s*$")


def _level_text(q: float | str) -> str:
    q = float(q)
    return f"{q:g}"


def at_level(what: str, confidence: float) -> str:
    """The name of ``what`` read at ``confidence``: ``at_level("cost", 90) == "p90_cost"``; ``"joint"`` gives
    ``joint_p90``."""
    if what == "joint":
        return f"joint_p{_level_text(confidence)}"
    if what not in LEVEL_COLUMNS:
        raise ValueError(f"{what!r} is not read at a level; one of {sorted(LEVEL_COLUMNS)} or 'joint'")
    return f"p{_level_text(confidence)}_{what}"


def level_of(name: str) -> float | None:
    """The confidence level a column name says it was computed at (``p90_cost`` -> 90.0), else None."""
    m = _LEVEL.match(str(name)) or _JOINT.match(str(name))
    return float(m.group("q")) if m else None


def _level_column(name: str) -> Column | None:
    m = _LEVEL.match(name)
    if m:
        q = _level_text(m.group("q"))
        lab, kind, meaning = LEVEL_COLUMNS[m.group("what")]
        P = f"P{q}"
        return Column(name, lab.replace("{P}", P), kind, meaning.replace("{q}", q).replace("{P}", P),
                      missing=_MISSING_BY_WHAT.get(m.group("what"), ""))
    m = _JOINT.match(name)
    if m:
        P = f"P{_level_text(m.group('q'))}"
        return Column(name, f"Joint confidence of the {P} date and cost", "probability",
                      f"Probability of finishing by the {P} date and within the {P} cost.",
                      missing="cost not assessed")
    return None


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


def known(name) -> bool:
    """True when ``name`` is defined in the glossary (a result column, a level column or a data-model column)."""
    name = str(name)
    return name in COLUMNS or _level_column(name) is not None or _from_spec(name, None) is not None


def _flag_or_not(c: Column, values) -> Column:
    """A yes/no name holding something else: ``funded`` of a scenario counts the projects funded, ``passed`` of a
    governance summary counts the items met, ``milestone`` of a simulated milestone names it. Counts and names
    are labelled as such, never shown as yes/no."""
    v = pd.Series(values).dropna()
    if v.empty or v.map(lambda x: isinstance(x, (bool, np.bool_)) or x in (0, 1)).all():
        return c
    if pd.api.types.is_numeric_dtype(v):
        return replace(c, label=f"{c.label} (count)", kind="count", unit=None,
                       meaning=f"Number counted where this holds: {c.meaning[0].lower()}{c.meaning[1:]}")
    return replace(c, kind="text", unit=None, meaning=f"{c.label} named.")


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
    c = COLUMNS.get(name) or _level_column(name)
    if c is not None:
        if values is not None and c.kind == "date" and not _looks_like_dates(values):
            return replace(c, kind="days")  # e.g. a finish in working days rather than a date
        if values is not None and c.kind != "date" and pd.api.types.is_datetime64_any_dtype(pd.Series(values)):
            return replace(c, kind="date", unit=None)  # e.g. early_start mapped to dates
        if values is not None and c.kind == "flag":
            return _flag_or_not(c, values)
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


def label(name, confidence: float | None = None) -> str:
    """The label people read for column ``name`` (``P80 cost``; ``{P}`` filled at ``confidence``)."""
    return column(name).label_at(confidence)


def header(name, table: str | None = None, values=None) -> str:
    """``name [unit]`` as in CSV headers."""
    return column(name, table, values).header


def people_header(name, table: str | None = None, values=None, confidence: float | None = None) -> str:
    """``Label [unit]`` for people (workbook headers, page tables): ``Schedule contingency at P90 [working days]``."""
    return column(name, table, values).people_header(confidence)


def axis_title(name) -> str:
    """``Label [unit]`` for a chart axis (``P80 cost [currency]``)."""
    return column(name).axis_title


def excel_format(name) -> str | None:
    """The Excel number format of column ``name`` (None = text)."""
    return column(name).excel_format


def d3_format(name) -> str | None:
    """The d3/Vega-Lite axis format of column ``name``."""
    return column(name).d3_format


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
