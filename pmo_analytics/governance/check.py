"""The governance estimator: approach fit, gate compliance and escalation of a whole portfolio."""

from __future__ import annotations

import pandas as pd

from ..tables.rules import Rules
from .escalation import compliance_signals, escalate, escalation_list, evm_signals, risk_signals
from .gates import as_of_date, compliance_summary, gate_compliance
from .ntcp import classify, recommend_approach

__all__ = ["GovernanceCheck"]


class GovernanceCheck:
    """Approach fit, gate compliance and escalation for a whole portfolio.

    Parameters
    ----------
    rules : Rules, optional
        Governance rules overriding those read with the data
        (``Portfolio.rules``: the data folder's ``rules/``, else the bundled rules).
    evm_max_age_days : int
        Status older than this is not current [calendar days].

    Attributes
    ----------
    profile_, approach_, compliance_, by_project_, by_unit_, signals_, fired_, escalations_ : DataFrame
    as_of_ : Timestamp
    """

    def __init__(self, rules: Rules | None = None, evm_max_age_days: int = 45):
        if rules is not None and not isinstance(rules, Rules):
            raise ValueError("rules must be a pmo_analytics.tables.Rules (read with read_rules), "
                             f"got {type(rules).__name__}")
        if evm_max_age_days < 0:
            raise ValueError(f"evm_max_age_days must be >= 0, got {evm_max_age_days}")
        self.rules = rules
        self.evm_max_age_days = evm_max_age_days

    def fit(self, portfolio, evm: pd.DataFrame | None = None, risk: pd.DataFrame | None = None,
            schedule_health: pd.DataFrame | None = None, as_of=None) -> "GovernanceCheck":
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
        rules = self.rules if self.rules is not None else getattr(portfolio, "rules", None)
        if rules is None:
            raise ValueError("no governance rules: read the portfolio with read_portfolio (which reads them) "
                             "or pass rules=")
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
        # without a data date (no status, no dates in the data) escalations carry no "since" date
        when = self.as_of_ if self.as_of_ is not None else pd.NaT
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
    def projects_(self) -> pd.DataFrame:
        """Per project: approach fit, gate items missing, escalation level."""
        s = self.by_project_[["project_id", "name", "stage", "items", "missing", "missing_items"]]
        a = self.approach_[["project_id", "current_approach", "delivery", "mismatch"]]
        e = self.escalations_[["project_id", "level", "since"]].rename(columns={"level": "escalation"})
        return s.merge(a, on="project_id", how="left").merge(e, on="project_id", how="left")

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures (``measure``, ``value``, ``unit``): mismatches, gate failures, escalations by level."""
        if not hasattr(self, "escalations_"):
            raise ValueError("GovernanceCheck is not fitted: call fit(portfolio) first")
        esc = self.escalations_["level"].value_counts()
        rows = [("data date", f"{self.as_of_:%Y-%m-%d}" if self.as_of_ is not None else "none in the data", "date"),
                ("projects classified", int(self.profile_["classified"].sum()), "projects"),
                ("approach mismatches", int(self.approach_["mismatch"].sum()), "projects"),
                ("projects failing a gate item", int((self.by_project_["missing"] > 0).sum()), "projects"),
                ("gate items missing", int(self.by_project_["missing"].sum()), "items")]
        rows += [(f"escalated to the {lv}", int(esc.get(lv, 0)), "projects")
                 for lv in ("project board", "PMO", "portfolio board")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        if not hasattr(self, "escalations_"):
            return f"GovernanceCheck(rules={self.rules!r}, unfitted)"
        when = f"{self.as_of_:%Y-%m-%d}" if self.as_of_ is not None else "no data date"
        return (f"GovernanceCheck(as_of={when}: {int(self.approach_['mismatch'].sum())} approach "
                f"mismatches, {int((self.by_project_['missing'] > 0).sum())} projects failing a gate item, "
                f"{len(self.escalations_)} escalated)")
