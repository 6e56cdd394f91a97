"""Intake: screening proposals for business value.

Weighted scoring over strategic drivers (:func:`weighted_scores`), AHP driver
weights with Saaty's consistency ratio (:func:`ahp_weights`), the
value-vs-risk table (:func:`value_proposition`), reference-class cost uplifts
(:func:`reference_class_uplifts`, :func:`apply_uplift`) and the
:class:`IntakeScreening` estimator that chains them.
"""

from .ahp import RANDOM_INDEX, AHPResult, ahp_weights, pairwise_matrix
from .reference_class import MEASURES, apply_uplift, reference_class_uplifts
from .scoring import (NORMALISATIONS, IntakeScreening, criteria_weights, normalise_scores,
                      value_proposition, weighted_scores)

__all__ = [
    "reference_class_uplifts", "apply_uplift", "MEASURES",
    "ahp_weights", "pairwise_matrix", "AHPResult", "RANDOM_INDEX",
    "weighted_scores", "normalise_scores", "criteria_weights", "value_proposition", "NORMALISATIONS",
    "IntakeScreening",
]
