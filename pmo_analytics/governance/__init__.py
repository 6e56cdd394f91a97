"""Governance: match the management approach to the project, check the gates, escalate early.

* :func:`classify` and :func:`recommend_approach` — Shenhar & Dvir's NTCP
  diamond and the approach it calls for (rules table ``approach_rules``);
* :func:`gate_compliance` and :func:`compliance_summary` — stage-gate evidence
  (rules table ``gate_checklist``);
* :func:`escalate` and :func:`escalation_list` — signals from monitoring,
  risk and compliance against the ``escalation_rules`` table;
* :class:`GovernanceCheck` — the estimator chaining them (``GovernanceReview``, its old
  name, still imports, with a DeprecationWarning: "review" names the portfolio review).

The rules are data (``data/rules/*.csv``, read by
:func:`pmo_analytics.tables.rules.read_rules`), so changing a policy changes
the outcome without code changes.
"""

from __future__ import annotations

import warnings as _warnings

from .escalation import (compliance_signals, confidence_targets, escalate, escalation_list, evm_signals,
                         health_inputs, risk_signals)
from .gates import CHECKS, as_of_date, compliance_summary, gate_compliance
from .ntcp import DIMENSIONS, classify, recommend_approach
from .check import GovernanceCheck

__all__ = [
    "GovernanceCheck",
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


def __getattr__(name):
    if name == "GovernanceReview":
        _warnings.warn("pmo_analytics.governance.GovernanceReview is deprecated: use GovernanceCheck",
                       DeprecationWarning, stacklevel=2)
        return GovernanceCheck
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
