"""Portfolio-wide risk and selection under uncertainty, as one stage of a review.

The board's joined questions — *what is the portfolio's P80 spend per period,
given cross-project dependencies and shared risks?* and *which portfolio gives
the most expected value while keeping the chance that any period overruns its
budget under alpha?* — are answered here from the same policy as every other
page: the recommended portfolio of :class:`~pmo_analytics.review.SelectionReview`
is simulated with the active projects (:class:`~pmo_analytics.risk.PortfolioRiskModel`),
and the sample-average-approximation portfolio at the policy's alpha
(:class:`~pmo_analytics.selection.UncertainSelector`) is set beside today's
deterministic P(1 - alpha)-uplift portfolio, both validated on independent
scenarios.
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
        The SAA portfolio at the policy's alpha (None when infeasible, see ``infeasible_``).
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
                validation_scenarios=max(10 * pol.scenarios, 2000), objective=pol.objective, hiring=pol.hiring,
                min_class_size=pol.min_class_size, time_limit=pol.time_limit,
                deterministic=pol.time_limit is None,  # a record is reproducible: nodes, not the clock
                node_limit=pol.saa_node_limit if pol.time_limit is None else None,
                frontier_alphas=pol.alpha_frontier or (),  # solved side by side (its own alpha once)
            ).fit(portfolio, committed=self.committed_risk_, scores=scores, client=self.client)
        except InfeasiblePortfolioError as exc:
            self.infeasible_ = exc
        return self

    @property
    def feasible(self) -> bool:
        """True when a portfolio meets the chance constraint at the policy's alpha."""
        return self.selector_ is not None

    @cached_property
    def frontier_(self) -> pd.DataFrame | None:
        """Expected value against alpha (the policy's ``alpha_frontier`` levels and its ``overrun_alpha``),
        the SAA portfolio beside the deterministic rule at each level; the levels were solved in :meth:`fit`
        beside the policy's own (``UncertainSelector(frontier_alphas=...)``), which is the fitted selector's."""
        if self.selector_ is None or not self.policy.alpha_frontier:
            return None
        sel, a0 = self.selector_, self.policy.overrun_alpha
        others = [a for a in self.policy.alpha_frontier if abs(a - a0) > 1e-12]
        parts = [sel.frontier(others, client=self.client)] if others else []
        c = sel.comparison_.reset_index()
        status = {"SAA": sel.status_}
        if sel.deterministic_ is not None:
            status[c["method"].iloc[-1]] = sel.deterministic_.status_
        own = c.assign(alpha=a0, status=c["method"].map(status).fillna("infeasible"),
                       method=c["method"].where(c["method"] == "SAA", "deterministic"))
        parts.append(own)
        out = pd.concat(parts, ignore_index=True)
        cols = [x for x in ("alpha", "method", "status", "value", "funded", "in_sample_overrun", "p_overrun", "ci_low",
                            "ci_high", "mean_spend", "p80_spend", "note") if x in out.columns]
        return out[cols].sort_values(["alpha", "method"], kind="stable").reset_index(drop=True)

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
