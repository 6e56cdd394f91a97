"""The benefits stage of a review: realisation, cost of ownership and lessons learned.

Notebook 05 and the executive summary 00 read one :class:`BenefitsReview`
(same tolerance, same reference classes), so "benefits at risk" is the same
list on both pages.
"""

from __future__ import annotations

import pandas as pd

from ..benefits import (benefit_realisation, compare_with_hmt, lessons_learned, promised_vs_delivered,
                        support_tco, uplifts_to_adopt)
from ..intake import apply_uplift, reference_class_uplifts
from .policy import ReviewPolicy
from .stage import require_fitted, summary_frame

__all__ = ["BenefitsReview"]


class BenefitsReview:
    """Benefits realisation, support TCO and the estimating uplifts to adopt.

    Attributes
    ----------
    realisation_ : DataFrame or None
        :func:`benefit_realisation` per benefit (None without a benefits register).
    promised_ : DataFrame or None
        :func:`promised_vs_delivered` per project.
    at_risk_ : list of str
        Benefits forecast to miss their plan by more than the tolerance.
    realisation_rate_ : float or None
        Realised / planned to date over measured projects [ratio].
    tco_ : DataFrame or None
        :func:`support_tco` of closed projects (None without a support table).
    lessons_, adopt_ : DataFrame or None
        :func:`lessons_learned` and :func:`uplifts_to_adopt` (None without history).
    proposal_uplift_ : DataFrame or None
        Proposals' estimated and uplifted cost by reference class [currency] and mean uplifted duration [periods].
    proposal_uplift_total_ : float or None
        Cost the adopted uplifts add to the proposals [currency].
    """

    def __init__(self, policy: ReviewPolicy):
        self.policy = policy

    def fit(self, portfolio) -> BenefitsReview:
        pol, pf = self.policy, portfolio
        self.realisation_ = self.promised_ = None
        self.at_risk_, self.realisation_rate_, self.forecast_gap_ = [], None, None
        if pf.has("benefits"):
            self.realisation_ = benefit_realisation(pf.benefits, tolerance=pol.tolerance)
            self.promised_ = promised_vs_delivered(pf.benefits, pf.projects, tolerance=pol.tolerance)
            self.at_risk_ = self.realisation_.loc[self.realisation_["at_risk"], "benefit_id"].tolist()
            m = self.promised_[self.promised_["measured"]]
            planned = float(m["planned_to_date"].sum())
            self.realisation_rate_ = float(m["realised_to_date"].sum()) / planned if planned else None
            self.forecast_gap_ = float((self.promised_["forecast_total"] - self.promised_["planned_total"]).sum())
        self.tco_ = support_tco(pf.support, pf.projects, pf.benefits) if pf.has("support") else None
        self.lessons_ = self.adopt_ = self.hmt_ = None
        self.proposal_uplift_ = None
        self.proposal_uplift_total_ = None
        if pf.has("history"):
            ao = pol.acceptable_overrun
            self.lessons_ = lessons_learned(pf.history, acceptable_overrun=ao, min_class_size=pol.min_class_size)
            self.adopt_ = uplifts_to_adopt(self.lessons_)
            self.hmt_ = compare_with_hmt(self.lessons_, dict(pol.hmt_mapping))
            proposals = pf.projects_in("proposal")
            if len(proposals):
                cost_u = reference_class_uplifts(pf.history, ao, measure="cost", min_class_size=pol.min_class_size)
                dur_u = reference_class_uplifts(pf.history, ao, measure="duration", min_class_size=pol.min_class_size)
                cost_view = apply_uplift(proposals, cost_u, column="estimated_cost")
                dur_view = apply_uplift(proposals, dur_u, column="duration_periods")
                by_class = cost_view.groupby("reference_class").agg(
                    proposals=("project_id", "size"), estimated_cost=("estimated_cost", "sum"),
                    uplifted_cost=("uplifted_estimated_cost", "sum"))
                by_class["mean_uplifted_duration"] = dur_view.groupby("reference_class")[
                    "uplifted_duration_periods"].mean()
                self.proposal_uplift_ = by_class
                self.proposal_uplift_total_ = float(cost_view["uplifted_estimated_cost"].sum()
                                                    - cost_view["estimated_cost"].sum())
                self.proposal_estimated_total_ = float(cost_view["estimated_cost"].sum())
        return self

    @property
    def assessed(self) -> bool:
        """True when a benefits register was read."""
        return self.realisation_ is not None

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of benefits (``measure``, ``value``, ``unit``): benefits, at risk, realisation rate."""
        require_fitted(self, "realisation_")
        if not self.assessed:
            return summary_frame([("benefits", "not assessed: no benefits register", "")])
        return summary_frame([("benefits", len(self.realisation_), "benefits"),
                              ("benefits at risk", len(self.at_risk_), "benefits"),
                              ("realisation rate to date", self.realisation_rate_, "ratio")])

    def __repr__(self) -> str:
        if not hasattr(self, "realisation_"):
            return "BenefitsReview [not fitted]"
        if not self.assessed:
            return "BenefitsReview(no benefits register)"
        return f"BenefitsReview({len(self.realisation_)} benefits, {len(self.at_risk_)} at risk)"
