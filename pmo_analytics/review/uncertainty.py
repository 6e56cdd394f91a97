"""Portfolio-wide risk and selection under uncertainty, as one stage of a review.

The board's joined questions — *what is the portfolio's P80 spend per period,
given cross-project dependencies and shared risks?* and *which portfolio gives
the most expected value while keeping the chance that any period overruns its
budget under alpha?* — are answered here from the same policy as every other
page: the recommended portfolio of :class:`~pmo_analytics.review.SelectionReview`
is simulated with the active projects (:class:`~pmo_analytics.risk.PortfolioRiskModel`),
and the portfolio offered at the policy's alpha
(:class:`~pmo_analytics.selection.UncertainSelector`: the sample-average
approximation, today's deterministic P(1 - alpha)-uplift rule and the
recommended portfolio, tightened until 10,000 independent scenarios show the
chance of an overrun under alpha) is set beside them, every one validated on
the same independent scenarios.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ..exceptions import InfeasiblePortfolioError
from .policy import ReviewPolicy
from .stage import require_fitted, summary_frame

__all__ = ["UncertaintyReview"]


class UncertaintyReview:
    """The portfolio simulated as a whole, and the portfolio chosen under uncertainty.

    Parameters
    ----------
    policy : ReviewPolicy
        ``seed``, ``iterations``, ``group_correlation``, ``overrun_alpha``,
        ``scenarios``, ``alpha_frontier``, ``objective``, ``hiring``,
        ``min_class_size``, ``time_limit``, ``saa_node_limit``.
    client : distributed.Client, str or None
        Where the simulation blocks and frontier levels run (None: local
        threads); the numbers do not depend on it.

    Attributes
    ----------
    portfolio_risk_ : PortfolioRiskModel or None
        The active projects and the recommended portfolio simulated together
        (None when no portfolio is feasible).
    committed_risk_ : PortfolioRiskModel
        The active projects alone (what the SAA must carry whatever it chooses).
    selector_ : UncertainSelector or None
        The portfolio offered at the policy's alpha and the SAA beside it, the
        recommended portfolio validated with them (None when the SAA is
        infeasible, see ``infeasible_``).
    infeasible_ : InfeasiblePortfolioError or None
    """

    def __init__(self, policy: ReviewPolicy, client=None):
        self.policy = policy
        self.client = client

    def fit(self, portfolio, selection=None, scores=None) -> UncertaintyReview:
        from ..risk import PortfolioRiskModel
        from ..selection import UncertainSelector

        pol = self.policy
        self.portfolio = portfolio
        opts = dict(seed=pol.seed, iterations=pol.iterations, activity_correlation=pol.group_correlation)
        self.committed_risk_ = PortfolioRiskModel(**opts).run(portfolio, client=self.client)
        self.portfolio_risk_ = None
        if selection is not None and selection.feasible:
            self.portfolio_risk_ = PortfolioRiskModel(**opts).run(portfolio, selection=selection.selector_,
                                                                  client=self.client)
        self.selector_, self.infeasible_ = None, None
        self._scores = scores
        try:
            self.selector_ = UncertainSelector(
                seed=pol.seed, alpha=pol.overrun_alpha, scenarios=pol.scenarios,
                validation_scenarios=max(10 * pol.scenarios, 10_000), objective=pol.objective, hiring=pol.hiring,
                min_class_size=pol.min_class_size, time_limit=pol.time_limit,
                deterministic=pol.time_limit is None,  # a record is reproducible: nodes, not the clock
                node_limit=pol.saa_node_limit if pol.time_limit is None else None,
                frontier_alphas=pol.alpha_frontier or (),  # solved side by side (its own alpha once)
            ).fit(portfolio, committed=self.committed_risk_, scores=scores, client=self.client,
                  reference=selection.selector_ if selection is not None and selection.feasible else None)
        except InfeasiblePortfolioError as exc:
            self.infeasible_ = exc
        return self

    @property
    def feasible(self) -> bool:
        """True when a portfolio meets the chance constraint at the policy's alpha."""
        return self.selector_ is not None

    @cached_property
    def frontier_(self) -> pd.DataFrame | None:
        """Expected value against alpha (the policy's ``alpha_frontier`` levels and its ``overrun_alpha``):
        at each level the portfolio offered (calibrated), the SAA as solved and the deterministic rule; the
        levels were solved in :meth:`fit` beside the policy's own (``UncertainSelector(frontier_alphas=...)``),
        and the policy's level is the fitted selector's."""
        if self.selector_ is None or not self.policy.alpha_frontier:
            return None
        levels = sorted({float(a) for a in self.policy.alpha_frontier} | {float(self.policy.overrun_alpha)})
        return self.selector_.frontier(levels, client=self.client)

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the portfolio chosen under uncertainty (``measure``, ``value``, ``unit``): the
        selector's summary, or why no portfolio meets the chance constraint."""
        require_fitted(self, "committed_risk_")
        if self.selector_ is None:
            return summary_frame([("portfolio under uncertainty",
                                   f"not assessed: no portfolio meets P(overrun) <= {self.policy.overrun_alpha:g}",
                                   "")])
        return self.selector_.summary

    def __repr__(self) -> str:
        if not hasattr(self, "committed_risk_"):
            return "UncertaintyReview [not fitted]"
        if self.selector_ is None:
            return f"UncertaintyReview(no portfolio meets P(overrun) <= {self.policy.overrun_alpha:g})"
        return (f"UncertaintyReview(alpha {self.policy.overrun_alpha:g}: {len(self.selector_.selected_)} funded, "
                f"{self.selector_.status_})")
