"""Sentences of the schedule-risk page (03): schedule health, contingency, drivers, mitigations, recovery."""

from __future__ import annotations

import pandas as pd

from ...tables.columns import at_level, format_money
from ._common import _check_value, _day_text, _level, _plural, money

__all__ = ["LOGIC_CHECKS", "logic_sentences", "invalid_date_sentences", "chart_scope_sentences", "simulated_sentence",
           "contingency_sentences", "top_driver_sentence", "mitigation_sentences", "recovery_sentences",
           "recovery_ask", "event_sentences"]


#: Health checks the simulation rests on: open ends and dangling logic let a late activity delay nothing, and a
#: critical path that does not pass a delay on means the finish does not follow the work (DCMA-EA PAM 200.1).
LOGIC_CHECKS = ("Logic", "Dangling logic", "Critical path test")


def logic_sentences(health: pd.DataFrame, short: bool = False) -> list[str]:
    """What the page says about projects whose network fails a check the simulation rests on.

    Parameters
    ----------
    health : DataFrame
        ``RiskReview.health_``: ``project_id``, ``check``, ``passed``,
        ``value``, ``unit``, ``threshold`` (:func:`~pmo_analytics.schedule.health_check`).
    short : bool
        One sentence naming every such project and its failed checks (the
        decision box), instead of one sentence per project with the values.

    A Monte Carlo run on open-ended or dangling logic understates the spread
    of the finish (a late activity with no successor delays nothing), so the
    simulated dates of such a network are what that network implies, not a
    forecast to commit to (DCMA-EA PAM 200.1, 2012; GAO-16-89G, best practice 2).
    """
    bad = health[health["check"].isin(LOGIC_CHECKS) & ~health["passed"].astype(bool)]
    if bad.empty:
        return []
    if short:
        each = "; ".join(f"{pid} ({', '.join(g['check'])})" for pid, g in bad.groupby("project_id", sort=True))
        return [f"Unsound schedule logic: {each}; their simulated dates are what their networks imply, not "
                "forecasts to commit to."]
    out = []
    for pid, g in bad.groupby("project_id", sort=True):
        fails = ", ".join(f"{r.check} {_check_value(r.value, r.unit)} (DCMA {r.threshold})" for r in g.itertuples())
        out.append(f"{pid}'s schedule fails {fails}: a simulation of open or dangling logic understates the spread "
                   "of the finish, so its dates below are what this network implies, not a forecast to commit to; "
                   "have the scheduler repair the logic first.")
    return out


def invalid_date_sentences(health: pd.DataFrame) -> list[str]:
    """DCMA check 9 (invalid dates) of every project with a data date: the count, and what was done with them.

    Parameters
    ----------
    health : DataFrame
        ``RiskReview.health_`` (:func:`~pmo_analytics.schedule.health_check`):
        rows ``check == "Invalid dates"`` with ``project_id``, ``count``,
        ``total``, ``description`` and ``activities``.

    Actual dates after the data date are kept as recorded and the remaining
    work is scheduled from the data date, as P6 does; forecasts before it come
    from constraints that hold work in the past (DCMA-EA PAM 200.1, check 9;
    GAO-16-89G, best practice 9: a schedule updated with progress has neither).
    """
    rows = health[health["check"] == "Invalid dates"] if "check" in health.columns else health.iloc[:0]
    if rows.empty:
        return []
    bad = rows[rows["count"].fillna(0) > 0].sort_values("project_id")
    if bad.empty:
        n = rows["project_id"].nunique()
        return [f"No activity has an invalid date (DCMA check 9: actual dates after the data date, forecasts "
                f"before it) in the {_plural(n, 'schedule')} with a data date."]
    out = []
    for r in bad.itertuples():
        detail = r.description.split(": ", 1)[1] if ": " in str(r.description) else ""
        n = int(r.count)
        out.append(f"{r.project_id}: {n} activit{'y' if n == 1 else 'ies'} of {int(r.total)} with invalid dates (DCMA "
                   f"check 9: {detail}): {r.activities}. Actual dates are kept as recorded and the remaining work "
                   "is scheduled from the data date, as P6 does; have the scheduler correct the dates or the data "
                   "date before the next update.")
    return out


def chart_scope_sentences(shown, simulated, p_label: str) -> list[str]:
    """What the risk page's per-project charts cover, when they do not cover every project simulated.

    Parameters
    ----------
    shown, simulated : list of str
        ``RiskReview.chart_projects_`` and ``RiskReview.projects_``.
    p_label : str
        ``"P80"`` for a confidence of 80.
    """
    if len(shown) >= len(simulated):
        return []
    return [f"Charts for the {len(shown)} most exposed of the {len(simulated)} projects simulated (latest against "
            f"their commitment at {p_label}, then the largest schedule and cost contingency): "
            f"{', '.join(shown)}. Every project's figures are in the tables."]


def simulated_sentence(projects: list[str], iterations: int, correlation: float) -> str:
    """Which active projects were simulated, with how many iterations and what correlation."""
    return (f"{len(projects)} active project(s) simulated: {', '.join(projects) or 'none'}; "
            f"{iterations} iterations each, correlation {correlation} within groups.")


def contingency_sentences(table: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """Per simulated project: the schedule [working days] and cost [currency] contingency to hold.

    ``table`` is ``RiskReview.table_`` indexed by project: ``planned_finish``, ``p<c>_finish``,
    ``schedule_contingency``, ``cost_contingency``, ``p<c>_cost``, ``estimated_cost`` (``<c>``: the level of
    ``p_label``).
    """
    fin, cst = at_level("finish", _level(p_label)), at_level("cost", _level(p_label))
    return [f"{pid}: plan {r['planned_finish']:%Y-%m-%d}, {p_label} {r[fin]:%Y-%m-%d}: hold "
            f"{r['schedule_contingency']:.0f} working days of schedule contingency and "
            f"{money(r['cost_contingency'])} of cost contingency above the planned cost "
            f"({p_label} cost {money(r[cst])}, estimate {money(r['estimated_cost'])})."
            for pid, r in table.iterrows()]


def top_driver_sentence(project_id: str, tornado: pd.DataFrame, p_label: str = "P80") -> str:
    """A project's top risk driver, from its tornado (largest effect first).

    ``tornado`` has ``risk_id``, ``title``, ``finish_reduction`` [working days] and ``cost_reduction`` [currency].
    """
    if not len(tornado):
        return f"{project_id}: no risk of the register affects this schedule."
    lead = tornado.iloc[0]
    return (f"{project_id}: the top risk driver is {lead['risk_id']} ({lead['title']}), worth "
            f"{lead['finish_reduction']:.1f} days and {money(lead['cost_reduction'])} at {p_label}.")


def mitigation_sentences(mitigations: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """Which planned responses pay for themselves at the confidence level, and which do not.

    ``mitigations`` is ``RiskReview.mitigations_``: ``risk_id``, ``pays_for_itself`` [bool], ``net_saving``
    [currency], ``finish_reduction`` [working days].
    """
    pays = mitigations[mitigations["pays_for_itself"]]
    out = [f"{len(pays)} of {len(mitigations)} planned responses pay for themselves at {p_label}"
           + (": " + ", ".join(f"{r.risk_id} (net {money(r.net_saving)})" for r in pays.itertuples())
              if len(pays) else "") + "."]
    if len(mitigations) > len(pays):
        out.append("Not worth their cost on cost alone: " + ", ".join(
            f"{r.risk_id} (net {money(r.net_saving)}, {r.finish_reduction:.1f} days saved)"
            for r in mitigations[~mitigations["pays_for_itself"]].itertuples()) + ".")
    return out


def recovery_sentences(recovery: pd.DataFrame, p_label: str = "P80", validation: int | None = None,
                       interval: float = 0.95) -> list[str]:
    """Per project late at the confidence level: the cheapest recovery to its commitment, or why there is none.

    ``recovery`` is ``RiskReview.recovery_`` (:func:`pmo_analytics.review.risk.recovery_table`):
    ``committed_finish``, ``confidence_before``, ``confidence_after``, ``after_lo``, ``after_hi``,
    ``max_confidence`` [probability], ``recovery_cost`` [currency], ``activities_crashed`` [count],
    ``days_crashed`` [working days], ``status``. ``validation`` is the number of independent scenarios
    the plans were validated on [count].
    """
    if len(recovery) == 0:
        return [f"No project with a committed date is late at {p_label}: no recovery is needed."]
    out = []
    on = f" on {validation:,} independent scenarios" if validation else " on independent scenarios"
    for pid, r in recovery.iterrows():
        day = _day_text(r["committed_finish"])
        if r["status"] == "recovered":
            out.append(f"{pid}: to finish by {day} at {p_label} (now {r['confidence_before']:.0%}), crash "
                       f"{int(r['activities_crashed'])} activities by {r['days_crashed']:.0f} working days in total "
                       f"for {format_money(r['recovery_cost'])}; validated{on}, the plan gives "
                       f"{r['confidence_after']:.1%} ({interval:.0%} interval {r['after_lo']:.1%}-"
                       f"{r['after_hi']:.1%}).")
        elif r["status"] == "not reachable":
            out.append(f"{pid} cannot finish by {day} at {p_label} within its crash limits: crashing every "
                       f"activity that can be shortened to its limit gives {r['max_confidence']:.1%} (now "
                       f"{r['confidence_before']:.0%}), not enough to promise {p_label} once validated; its "
                       "commitment or its scope must move.")
        else:
            out.append(f"{pid} is late at {p_label} ({r['confidence_before']:.0%} by {day}) and its activities "
                       "carry no crash limits, so the cost of recovering it is not assessed.")
    return out


def recovery_ask(recovery: pd.DataFrame, p_label: str = "P80") -> list[str]:
    """The board's ask on recovery, for a decision box: fund the cheapest recoveries or move the commitments.

    ``recovery`` as in :func:`recovery_sentences`; returns no sentence when no project is late.
    """
    if len(recovery) == 0:
        return []
    out = []
    ok = recovery[recovery["status"] == "recovered"]
    if len(ok):
        items = ", ".join(f"{pid} {format_money(r['recovery_cost'])} ({r['confidence_before']:.0%} -> "
                          f"{r['confidence_after']:.0%})" for pid, r in ok.iterrows())
        out.append(f"The board is asked to fund the cheapest recovery to the commitment at {p_label} "
                   f"({items}; {format_money(float(ok['recovery_cost'].sum()))} in all) or to move "
                   f"{'that commitment' if len(ok) == 1 else 'those commitments'}.")
    no = recovery[recovery["status"] == "not reachable"]
    if len(no):
        one = len(no) == 1
        out.append(f"{', '.join(no.index)} cannot be brought back to {'its commitment' if one else 'their commitments'}"
                   f" at {p_label} within the crash limits: the board is asked to move "
                   f"{'that commitment' if one else 'those commitments'} or the scope.")
    return out


def event_sentences(events: pd.DataFrame) -> list[str]:
    """What the simulation models beyond durations and independent risks, per project.

    ``events`` is ``RiskReview.events_``: ``project_id``, ``kind`` (branch, risk calendar, conditional risk),
    ``subject``, ``detail`` and ``share`` [probability a branch's path exists in the simulation].
    """
    if len(events) == 0:
        return []
    out = []
    for pid, g in events.groupby("project_id", sort=True):
        parts = []
        for subject, b in g[g["kind"] == "branch"].groupby("subject", sort=False):
            parts.append(f"after {subject} one branch is taken per iteration ("
                         + "; ".join(b["detail"]) + ")")
        for r in g[g["kind"] == "risk calendar"].itertuples():
            parts.append(f"risk calendar {r.subject}: {r.detail}")
        for r in g[g["kind"] == "conditional risk"].itertuples():
            parts.append(f"{r.subject} {r.detail}")
        out.append(f"{pid}: " + "; ".join(parts) + ".")
    return out
