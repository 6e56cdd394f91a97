"""Sentences for the executive summary, generated from the numbers (never typed by hand).

Each function takes the result frames of one life-cycle stage and returns
three sentences, so the words a board reads always match the data the record
was computed from. Amounts are shown in millions of the portfolio currency.

A package by page (one module per page or stage, split at its seams to stay under ~700 lines);
every name is re-exported here, so ``narrative.risk_sentences`` still works.
"""

from __future__ import annotations

from ._common import _measure, money, not_assessed_sentences  # noqa: F401  (_measure: boxes quotes a measure)
from .benefits import benefits_decision_sentence, lessons_sentences, register_sentences, tco_sentences
from .delivery import flow_forecast_sentences, intervention_sentences, rag_sentences
from .governance import approach_sentences, board_escalation_sentences, gate_sentences
from .intake import intake_sentences, leader_sentence, uplift_sentence, weights_sentences
from .risk import (
    LOGIC_CHECKS,
    chart_scope_sentences,
    contingency_sentences,
    event_sentences,
    invalid_date_sentences,
    logic_sentences,
    mitigation_sentences,
    recovery_ask,
    recovery_sentences,
    simulated_sentence,
    top_driver_sentence,
)
from .selection import (
    approval_sentence,
    budget_cut_sentence,
    capacity_sentence,
    duals_sentence,
    frontier_sentence,
    funded_sentence,
    greedy_sentence,
    left_out_sentences,
    scenario_sentences,
    selection_scope_sentence,
)
from .summary import (
    benefits_sentences,
    delivery_sentences,
    governance_sentences,
    infeasible_sentences,
    pipeline_sentences,
    portfolio_sentences,
    risk_sentences,
)
from .uncertainty import calibration_sentence, uncertainty_headline, uncertainty_sentences, uncertainty_stage_sentences

__all__ = ["money", "LOGIC_CHECKS", "logic_sentences", "invalid_date_sentences", "uncertainty_sentences",
           "uncertainty_headline", "calibration_sentence", "uncertainty_stage_sentences", "intake_sentences",
           "lessons_sentences", "pipeline_sentences",
           "portfolio_sentences", "infeasible_sentences", "risk_sentences", "delivery_sentences", "benefits_sentences",
           "governance_sentences", "not_assessed_sentences", "selection_scope_sentence", "funded_sentence",
           "approval_sentence", "capacity_sentence", "frontier_sentence", "left_out_sentences", "scenario_sentences",
           "duals_sentence", "greedy_sentence", "budget_cut_sentence", "simulated_sentence", "contingency_sentences",
           "top_driver_sentence", "mitigation_sentences", "rag_sentences", "intervention_sentences",
           "flow_forecast_sentences", "register_sentences", "tco_sentences", "benefits_decision_sentence",
           "approach_sentences", "gate_sentences", "board_escalation_sentences", "weights_sentences",
           "leader_sentence", "uplift_sentence", "recovery_sentences", "recovery_ask", "event_sentences",
           "chart_scope_sentences"]
