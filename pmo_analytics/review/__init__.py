"""The review room: the life-cycle chained once, under one policy, for every page of a decision record.

* :class:`ReviewPolicy` — every choice behind a review (objective, cost basis,
  confidence level, iterations, correlation, hiring, data date, scenarios),
  with documented defaults, set by ``review.toml`` beside the data or by
  explicit overrides (:func:`resolve_policy`, :func:`policy_table`).
* :class:`PortfolioReview` — intake -> selection -> risk -> delivery ->
  benefits -> governance on one Portfolio; :func:`load_review` caches it by
  data fingerprint + policy.
* Stage results: :class:`SelectionReview`, :class:`RiskReview`,
  :class:`DeliveryReview`, :class:`BenefitsReview`, with the analysis the
  pages show (:func:`commitment_shortfall`, :func:`capacity_bottlenecks`,
  :func:`risk_table`, :func:`flow_table`, ...).

The house reads top-down: ``tables`` -> analytics rooms -> ``review`` ->
``records``, notebooks and the CLI. This room never imports ``records``,
``charts`` or ``cli``.
"""

from .benefits import BenefitsReview
from .delivery import REVIEW_RULES, DeliveryReview, flow_table
from .lifecycle import PortfolioReview, clear_cache, load_review, review_as_of
from .policy import PolicyError, ReviewPolicy, policy_table, resolve_policy, settings_file
from .risk import RiskReview, project_seed, risk_table
from .selection import SelectionReview, capacity_bottlenecks, commitment_shortfall, frontier_step

__all__ = [
    "ReviewPolicy",
    "PolicyError",
    "resolve_policy",
    "policy_table",
    "settings_file",
    "PortfolioReview",
    "load_review",
    "clear_cache",
    "review_as_of",
    "SelectionReview",
    "RiskReview",
    "DeliveryReview",
    "BenefitsReview",
    "REVIEW_RULES",
    "commitment_shortfall",
    "capacity_bottlenecks",
    "frontier_step",
    "risk_table",
    "project_seed",
    "flow_table",
]
