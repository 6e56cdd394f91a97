"""Governance: match the management approach to the project, check the gates, escalate early.

* :func:`classify` and :func:`recommend_approach` — Shenhar & Dvir's NTCP
  diamond and the approach it calls for (rules table ``approach_rules``);
* :func:`gate_compliance` and :func:`compliance_summary` — stage-gate evidence
  (rules table ``gate_checklist``);
* :func:`escalate` and :func:`escalation_list` — signals from monitoring,
  risk and compliance against the ``escalation_rules`` table;
* :class:`GovernanceReview` — the estimator chaining them.

The rules are data (``data/rules/*.csv``, read by
:func:`pmo_analytics.tables.rules.read_rules`), so changing a policy changes
the outcome without code changes.
"""

from __future__ import annotations

import pandas as pd

from ..tables.rules import Rules, read_rules
from .escalation import (compliance_signals, confidence_targets, escalate, escalation_list, evm_signals,
                         health_inputs, risk_signals)
from .gates import CHECKS, as_of_date, compliance_summary, gate_compliance
from .ntcp import DIMENSIONS, classify, recommend_approach

__all__ = [
    "GovernanceReview",
    "classify",
    "recommend_approach",
    "DIMENSIONS",
    "gate_compliance",
    "compliance_summary",
    "as_of_date",
    "CHECKS",
    "evm_signals",
    "risk_signals",
    "compliance_signals",
    "escalate",
    "escalation_list",
    "confidence_targets",
    "health_inputs",
]


class GovernanceReview:
    """Approach fit, gate compliance and escalation for a whole portfolio.

    Parameters
    ----------
    rules : Rules or path, optional
        The governance rules (default: the shipped ``data/rules``).
    evm_max_age_days : int
        Status older than this is not current [days].

    Attributes (after :meth:`fit`)
    ------------------------------
    profile_, approach_, compliance_, by_project_, by_unit_, signals_, fired_, escalations_ : DataFrame
    as_of_ : Timestamp
    """

    def __init__(self, rules: Rules | str | None = None, evm_max_age_days: int = 45):
        self.rules = rules
        self.evm_max_age_days = evm_max_age_days

    def fit(self, portfolio, evm: pd.DataFrame | None = None, risk: pd.DataFrame | None = None,
            schedule_health: pd.DataFrame | None = None, as_of=None) -> "GovernanceReview":
        """Run the three checks.

        Parameters
        ----------
        portfolio : Portfolio
        evm : DataFrame, optional
            :func:`pmo_analytics.monitor.earned_value` output (CPI, SPI(t), TCPI signals).
        risk : DataFrame, optional
            :func:`pmo_analytics.risk.exposure` output (P80 lateness and JCL per project).
        schedule_health : DataFrame, optional
            ``project_id``, ``passed``, ``detail`` from the schedule health check.
        as_of : date, optional
            Data date (default: latest status period with EV).
        """
        rules = self.rules if isinstance(self.rules, Rules) else read_rules(self.rules)
        self.rules_ = rules
        self.as_of_ = pd.Timestamp(as_of) if as_of is not None else as_of_date(portfolio)
        pr = portfolio.projects
        self.profile_ = classify(pr)
        current = pr.set_index("project_id")["approach"] if "approach" in pr.columns else None
        self.approach_ = recommend_approach(self.profile_, rules.approach_rules, current)
        self.compliance_ = gate_compliance(portfolio, rules.gate_checklist, self.as_of_, schedule_health,
                                           self.evm_max_age_days)
        self.by_project_ = compliance_summary(self.compliance_)
        self.by_unit_ = compliance_summary(self.compliance_, by="business_unit")
        when = self.as_of_ if self.as_of_ is not None else pd.Timestamp.today().normalize()
        parts = [compliance_signals(self.by_project_, self.approach_, when)]
        if evm is not None:
            parts.append(evm_signals(evm))
        if risk is not None:
            parts.append(risk_signals(risk, when, self.approach_))
        self.signals_ = pd.concat(parts, ignore_index=True)
        self.fired_ = escalate(self.signals_, rules.escalation_rules, pr)
        self.escalations_ = escalation_list(self.fired_)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """Per project: approach fit, gate items missing, escalation level."""
        s = self.by_project_[["project_id", "name", "stage", "items", "missing", "missing_items"]]
        a = self.approach_[["project_id", "current_approach", "delivery", "mismatch"]]
        e = self.escalations_[["project_id", "level", "since"]].rename(columns={"level": "escalation"})
        return s.merge(a, on="project_id", how="left").merge(e, on="project_id", how="left")

    def __repr__(self) -> str:
        if not hasattr(self, "escalations_"):
            return f"GovernanceReview(rules={self.rules!r}, unfitted)"
        return (f"GovernanceReview(as_of={self.as_of_:%Y-%m-%d}: {int(self.approach_['mismatch'].sum())} approach "
                f"mismatches, {int((self.by_project_['missing'] > 0).sum())} projects failing a gate item, "
                f"{len(self.escalations_)} escalated)")
