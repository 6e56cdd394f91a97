"""Escalation: combine monitoring, risk and compliance signals into who, why, since when and to whom.

Signals are a long, tidy frame — ``project_id``, ``signal``, ``date``,
``value`` — built by the adapters below from the other rooms' results
(earned value from :mod:`pmo_analytics.monitor`, P80 and JCL from
:mod:`pmo_analytics.risk`, gate compliance and approach fit from this
package). The ``escalation_rules`` table says which signal crossing which
threshold escalates to which level; :func:`escalate` applies it and says,
for every firing, the numbers and since when the condition has held.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from ..tables.rules import LEVELS

__all__ = ["evm_signals", "risk_signals", "confidence_targets", "compliance_signals", "escalate",
           "escalation_list", "health_inputs"]

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_COLUMNS = ["project_id", "signal", "date", "signal_value"]


#: How each signal reads in a reason (its unit, and whether it is a probability shown as a percentage).
SIGNAL_WORDS = {"cpi": ("CPI", ""), "spi": ("SPI", ""), "spi_t": ("SPI(t)", ""), "tcpi": ("TCPI", ""),
                "p80_days_late": ("P80 finish after the commitment", " working days"),
                "jcl": ("joint confidence of commitment and estimate", "%"),
                "jcl_shortfall": ("joint confidence below the project's target by", "%"),
                "gate_items_missing": ("gate items missing", ""), "approach_mismatch": ("approach mismatch", "")}


def _signal_text(signal: str, value: float, op: str, threshold: float) -> str:
    """``SPI(t) 0.784, below 0.8``: a signal's value against its threshold, at the precision the rule states it
    (a probability as a percentage)."""
    name, unit = SIGNAL_WORDS.get(signal, (signal, ""))
    side = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above"}.get(op, op)
    if signal == "approach_mismatch":
        return "management approach does not match the NTCP profile"
    if unit == "%":
        v, t = f"{100 * value:.0f} points" if signal == "jcl_shortfall" else f"{100 * value:.0f} %", \
            f"{100 * threshold:.0f}" + (" points" if signal == "jcl_shortfall" else " %")
        return f"{name} {v}, {side} {t}"
    decimals = max(0, -int(np.floor(np.log10(abs(threshold))))) + 1 if threshold and abs(threshold) < 1 else \
        (2 if threshold and threshold != round(threshold) else 0)
    if signal in ("cpi", "spi", "spi_t", "tcpi"):
        decimals = max(decimals, 2)
    return f"{name} {value:.{decimals}f}{unit}, {side} {threshold:g}{unit}"


def evm_signals(evm: pd.DataFrame) -> pd.DataFrame:
    """CPI, SPI, SPI(t) and TCPI (to BAC) per project and reporting period.

    Parameters
    ----------
    evm : DataFrame
        Output of :func:`pmo_analytics.monitor.earned_value` (``project_id``,
        ``period_end``, ``cpi``, ``spi``, ``spi_t``, ``tcpi_bac``).
    """
    m = evm.rename(columns={"period_end": "date", "tcpi_bac": "tcpi"})
    out = m.melt(id_vars=["project_id", "date"], value_vars=["cpi", "spi", "spi_t", "tcpi"], var_name="signal",
                 value_name="signal_value")
    return out[_COLUMNS].astype({"signal_value": float})


def confidence_targets(approach: pd.DataFrame | None, default: float = 0.8) -> dict:
    """Each project's confidence target [probability] from its recommended contingency (``P80`` -> 0.8)."""
    out = {}
    if approach is not None:
        for pid, c in zip(approach["project_id"], approach["contingency"]):
            out[pid] = float(c[1:]) / 100 if isinstance(c, str) and c.upper().startswith("P") else default
    return out


def risk_signals(exposure: pd.DataFrame, as_of, approach: pd.DataFrame | None = None,
                 default_target: float = 0.8) -> pd.DataFrame:
    """P80 lateness against the commitment and the JCL shortfall against the confidence target.

    Parameters
    ----------
    exposure : DataFrame
        :func:`pmo_analytics.risk.exposure` output: ``project_id``,
        ``p80_days_late`` [working days after the committed finish] and ``jcl``
        (joint confidence of the committed date and the budget) [probability].
    as_of : date
        Date the risk analysis refers to.
    approach : DataFrame, optional
        :func:`recommend_approach` output: its ``contingency`` (P70/P80/P90)
        is the project's confidence target; else ``default_target``.

    Returns
    -------
    DataFrame
        Signals ``p80_days_late`` [working days], ``jcl`` and ``jcl_shortfall``
        (target − JCL) [probability].
    """
    targets = confidence_targets(approach, default_target)
    rows = []
    for r in exposure.to_dict("records"):
        pid = r["project_id"]
        if pd.notna(r.get("p80_days_late")):
            rows.append((pid, "p80_days_late", as_of, float(r["p80_days_late"])))
        if pd.notna(r.get("jcl")):
            rows.append((pid, "jcl", as_of, float(r["jcl"])))
            rows.append((pid, "jcl_shortfall", as_of, targets.get(pid, default_target) - float(r["jcl"])))
    return pd.DataFrame(rows, columns=_COLUMNS).astype({"signal_value": float})


def compliance_signals(summary: pd.DataFrame, approach: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Missing gate items (count) and approach mismatch (0/1) per project.

    Parameters
    ----------
    summary : DataFrame
        :func:`~pmo_analytics.governance.compliance_summary` by project.
    approach : DataFrame, optional
        :func:`~pmo_analytics.governance.recommend_approach` output.
    """
    rows = [(p, "gate_items_missing", as_of, float(m)) for p, m in zip(summary["project_id"], summary["missing"])]
    if approach is not None:
        rows += [(p, "approach_mismatch", as_of, float(m)) for p, m in zip(approach["project_id"], approach["mismatch"])]
    return pd.DataFrame(rows, columns=_COLUMNS).astype({"signal_value": float})


def _since(history: pd.DataFrame, op, threshold) -> pd.Timestamp:
    """Start date of the trailing run of dates on which the condition held."""
    h = history.sort_values("date")
    held = op(h["signal_value"].to_numpy(), threshold)
    start = len(held)
    while start > 0 and held[start - 1]:
        start -= 1
    return pd.Timestamp(h["date"].iloc[start])


def escalate(signals: pd.DataFrame, rules: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Every rule that fires on the latest value of its signal, with the numbers and since when.

    Parameters
    ----------
    signals : DataFrame
        ``project_id``, ``signal``, ``date``, ``value`` (concatenated adapters' outputs).
    rules : DataFrame
        The ``escalation_rules`` table.
    projects : DataFrame
        The ``projects`` table (name, sponsor, business unit).

    Returns
    -------
    DataFrame
        One row per firing: ``project_id``, ``name``, ``business_unit``,
        ``who`` (the sponsor, or "PMO (no sponsor named)"), ``rule_id``,
        ``signal``, ``signal_value``, ``operator``, ``threshold``, ``level``,
        ``since`` and ``why`` (a sentence with the numbers and the rationale).
        Signals with NaN values never fire.
    """
    cols = ["project_id", "name", "business_unit", "who", "rule_id", "signal", "signal_value", "operator", "threshold",
            "level", "since", "why"]
    sig = signals.dropna(subset=["signal_value"])
    info = projects.set_index("project_id")
    rows = []
    for rule in rules.itertuples(index=False):
        op = _OPS[rule.operator]
        for pid, hist in sig[sig["signal"] == rule.signal].groupby("project_id", sort=True):
            latest = hist.sort_values("date").iloc[-1]
            if not op(latest["signal_value"], rule.threshold):
                continue
            since = _since(hist, op, rule.threshold)
            sponsor = info.at[pid, "sponsor"] if pid in info.index else None
            rows.append({
                "project_id": pid,
                "name": info.at[pid, "name"] if pid in info.index else "",
                "business_unit": info.at[pid, "business_unit"] if pid in info.index else "",
                "who": sponsor if isinstance(sponsor, str) and sponsor.strip() else "PMO (no sponsor named)",
                "rule_id": rule.rule_id, "signal": rule.signal, "signal_value": float(latest["signal_value"]),
                "operator": rule.operator, "threshold": float(rule.threshold), "level": rule.level,
                "since": since,
                "why": f"{_signal_text(rule.signal, latest['signal_value'], rule.operator, rule.threshold)}"
                       + (f" since {since:%Y-%m-%d}" if pd.notna(since) else "") + f": {rule.rationale}",
            })
    out = pd.DataFrame(rows, columns=cols)
    out["level_rank"] = out["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    return out.sort_values(["level_rank", "project_id", "rule_id"], ascending=[False, True, True]) \
        .drop(columns="level_rank").reset_index(drop=True)


def escalation_list(fired: pd.DataFrame) -> pd.DataFrame:
    """One row per escalated project: the highest level fired, since when, and every reason.

    ``since`` is the earliest start among the rules firing at that level.
    """
    if fired.empty:
        return pd.DataFrame(columns=["project_id", "name", "business_unit", "who", "level", "since", "rules",
                                     "reasons"])
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    rows = []
    for pid, g in fired.groupby("project_id", sort=True):
        top = max(g["level"], key=rank.__getitem__)
        at_top = g[g["level"] == top]
        rows.append({"project_id": pid, "name": g["name"].iloc[0], "business_unit": g["business_unit"].iloc[0],
                     "who": g["who"].iloc[0], "level": top, "since": at_top["since"].min(),
                     "rules": ", ".join(g["rule_id"]), "reasons": " | ".join(g["why"])})
    out = pd.DataFrame(rows)
    out["_r"] = out["level"].map(rank)
    return out.sort_values(["_r", "since"], ascending=[False, True]).drop(columns="_r").reset_index(drop=True)


def health_inputs(health: dict) -> pd.DataFrame:
    """Per-project pass/fail of the schedule health check, from each project's check table.

    Parameters
    ----------
    health : dict
        Project id -> :func:`pmo_analytics.schedule.health_check` table
        (``check``, ``passed``).
    """
    rows = []
    for pid, table in health.items():
        failed = table.loc[~table["passed"].astype(bool), "check"].astype(str).tolist()
        rows.append({"project_id": pid, "passed": not failed, "detail": ", ".join(failed)})
    return pd.DataFrame(rows, columns=["project_id", "passed", "detail"])
