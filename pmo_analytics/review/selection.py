"""The selection stage of a review: one recommended portfolio, its scenarios, and what blocks it.

Notebook 02 (the selection record), the executive summary 00 and the
workshop's base case all read :class:`SelectionReview`, so they quote one
portfolio: the policy's objective, on the policy's cost basis (estimates, or
proposals uplifted to the confidence level by reference class), solved once.
"""

from __future__ import annotations

import dataclasses
import time
from functools import cached_property

import numpy as np
import pandas as pd

from ..exceptions import InfeasiblePortfolioError, PMOError
from ..parallel import hold_warnings
from ..selection import (build_model, compare_scenarios, efficient_frontier, explain_portfolio, lp_duals,
                         selection_data, solve_model, variant_settings)
from ..selection.whatif import WhatIf, WhatIfResult, what_if
from .policy import ReviewPolicy
from .stage import require_fitted, summary_frame

__all__ = ["SelectionReview", "commitment_shortfall", "capacity_bottlenecks", "frontier_step"]


def commitment_shortfall(data) -> pd.DataFrame:
    """Budget per period against the spend the mandatory and committed projects cannot avoid.

    Each mandatory project must start somewhere in its window; in period
    ``t`` it spends at least the smallest of its cost profile over the starts
    it may take, so the sum over mandatory projects is a lower bound on the
    spend of period ``t`` in any feasible portfolio.

    Parameters
    ----------
    data : SelectionData

    Returns
    -------
    DataFrame
        One row per period: ``period``, ``budget`` [currency],
        ``unavoidable_spend`` [currency], ``shortfall`` [currency] =
        max(0, unavoidable spend - budget).
    """
    H = len(data.budget)
    L = data.cost.shape[1]
    low = np.zeros(H)
    for i in np.flatnonzero(data.mandatory):
        starts = np.arange(int(data.earliest[i]), int(data.latest[i]) + 1)
        per_start = np.zeros((len(starts), H))
        for k, s in enumerate(starts):
            offs = np.arange(H) + 1 - s  # offset of each period from this start
            ok = (offs >= 0) & (offs < L)
            per_start[k, ok] = data.cost[i, offs[ok]]
        low += per_start.min(axis=0) if len(starts) else 0.0
    out = pd.DataFrame({"period": np.arange(1, H + 1), "budget": data.budget.astype(float),
                        "unavoidable_spend": low})
    out["shortfall"] = (out["unavoidable_spend"] - out["budget"]).clip(lower=0.0)
    return out


def capacity_bottlenecks(capacity: pd.DataFrame) -> pd.DataFrame:
    """Skills at capacity: periods fully used and FTE-periods hired, tightest first.

    Parameters
    ----------
    capacity : DataFrame
        ``PortfolioSelector.capacity_`` (``skill``, ``bottleneck``, ``hired`` [FTE]).

    Returns
    -------
    DataFrame
        Indexed by skill: ``periods_at_capacity`` [periods], ``hired`` [FTE-periods].
    """
    cap = capacity
    out = pd.DataFrame({"periods_at_capacity": cap[cap["bottleneck"]].groupby("skill").size(),
                        "hired": cap.groupby("skill")["hired"].sum()}).fillna(0.0)
    out["periods_at_capacity"] = out["periods_at_capacity"].astype(int)
    out = out[(out["periods_at_capacity"] > 0) | (out["hired"] > 0)]
    return out.sort_values(["periods_at_capacity", "hired"], ascending=False)


def frontier_step(frontier: pd.DataFrame) -> dict:
    """What the next budget level buys: the frontier point nearest today's budget and the one above.

    Returns
    -------
    dict
        ``first_feasible`` (lowest feasible budget factor, or None), ``at``
        and ``next`` (frontier rows as dicts, ``next`` None at the top),
        ``value_gain`` [objective units].
    """
    ok = frontier.dropna(subset=["value"])
    if ok.empty:
        return {"first_feasible": None, "at": None, "next": None, "value_gain": None}
    near = ok.iloc[int((ok["budget_factor"] - 1.0).abs().argsort().iloc[0])]
    above = ok[ok["budget_factor"] > near["budget_factor"]]
    nxt = above.iloc[0] if len(above) else None
    return {"first_feasible": float(ok["budget_factor"].iloc[0]), "at": near.to_dict(),
            "next": None if nxt is None else nxt.to_dict(),
            "value_gain": None if nxt is None else float(nxt["value"] - near["value"])}


class SelectionReview:
    """The recommended portfolio of a review and everything the pages say about it.

    Parameters
    ----------
    policy : ReviewPolicy
    screening : IntakeScreening or None
        Fitted screening (reference-class costs and scores); None without proposals.
    client : distributed.Client, str or Executor, optional
        Where the frontier's chains, the explanations' and the scenarios'
        re-solves run side by side (default local threads); the numbers do
        not depend on it.

    Attributes
    ----------
    data_ : SelectionData
        The instance solved (the policy's objective and cost basis).
    costs_ : Series or None
        Total cost per project used instead of the profile (reference-class basis) [currency].
    base_ : WhatIfResult or None
        The recommendation (None when no portfolio is feasible).
    selector_ : PortfolioSelector or None
    numbers_ : dict
        Status, value, funded projects and start periods, spend, hiring, budget.
    infeasible_ : InfeasiblePortfolioError or None
        Why no portfolio can carry the commitments (conflicting constraints).
    shortfall_ : DataFrame
        :func:`commitment_shortfall` of the instance.
    conflicts_without_hiring_ : list of str
        Constraints that cannot hold together without hiring (empty when they can).
    budget_cut_ : WhatIfResult or None
        The policy's budget-cut scenario.
    """

    def __init__(self, policy: ReviewPolicy, screening=None, client=None):
        self.policy = policy
        self.screening = screening
        self.client = client

    def fit(self, portfolio) -> SelectionReview:
        pol = self.policy
        costs = scores = None
        if self.screening is not None:
            t = self.screening.table_
            if pol.cost_basis == "reference_class":
                costs = t["uplifted_cost"]
            scores = self.screening.scores_["score"]
        self.costs_ = costs
        self.data_ = selection_data(portfolio, objective=pol.objective, scores=scores, costs=costs)
        self.shortfall_ = commitment_shortfall(self.data_)
        self.infeasible_ = None
        self.base_ = self.budget_cut_ = None
        try:
            self.base_ = self._what_if()
        except InfeasiblePortfolioError as exc:
            self.infeasible_ = exc
        self.selector_ = self.base_.selector if self.base_ is not None else None
        self.numbers_ = self.base_.numbers if self.base_ is not None else {"status": "infeasible"}
        if pol.hiring and self.base_ is not None:
            self.conflicts_without_hiring_ = self._conflicts_without_hiring()
        else:
            self.conflicts_without_hiring_ = [] if self.base_ is not None else list(self.infeasible_.conflicts)
        if self.base_ is not None and pol.budget_cut > 0:
            try:
                self.budget_cut_ = self._budget_cut(1 - pol.budget_cut)
            except InfeasiblePortfolioError as exc:
                self.budget_cut_error_ = exc
        return self

    def _conflicts_without_hiring(self) -> list[str]:
        """Constraints that no portfolio meets without hiring (empty when one does).

        A question of feasibility, not of value: the recommendation itself is
        checked first (it may hire nobody), otherwise the model without hire
        columns is solved with no objective, which stops at the first portfolio
        found (at 40x the sample a full re-optimisation took a third of the
        selection's time for an answer nobody reads the value of).
        """
        sel = self.selector_
        model = build_model(self.data_, sel.options.but(hiring=False))
        x = np.asarray(sel.x_, dtype=float)
        if model.A.shape[1] == len(x) and not model.violated(x).any():
            return []
        try:
            solve_model(dataclasses.replace(model, obj=np.zeros_like(model.obj)), **sel.solver_settings())
        except InfeasiblePortfolioError as exc:
            return list(exc.conflicts)
        return []

    def _budget_cut(self, scale: float) -> WhatIfResult:
        """The policy's budget cut: the what-if a record replays; on a large model (:func:`variant_settings`) the
        recommendation re-solved with the cut by the deterministic anytime solve, warm-started from it."""
        fast = variant_settings(self.selector_)
        if fast is None:
            return self._what_if(budget_scale=scale)
        t0 = time.perf_counter()
        with hold_warnings():
            v = self.selector_.variant(budget_scale=scale, **fast)
        pol = self.policy
        scenario = WhatIf(objective=pol.objective, hiring=pol.hiring, budget_scale=scale, frontier_levels=0)
        return WhatIfResult(scenario, v, None, time.perf_counter() - t0, refined=False)

    def _what_if(self, **levers) -> WhatIfResult:
        pol = self.policy
        base = {"objective": pol.objective, "hiring": pol.hiring, "frontier_levels": 0}
        return what_if(self.data_, WhatIf(**{**base, **levers}))

    # ------------------------------------------------------------------ views used by the pages
    @property
    def feasible(self) -> bool:
        """True when a portfolio carrying every commitment exists."""
        return self.base_ is not None

    @property
    def funded_(self) -> pd.DataFrame:
        """The funded projects with start and finish periods, value, cost, bucket, unit and name."""
        self._need()
        p = self.selector_.portfolio_
        return p[p["selected"]].sort_values(["start_period", "value"], ascending=[True, False])

    @property
    def budget_cut_changes_(self) -> dict | None:
        """Projects gained and lost, and the value change, of the budget-cut scenario."""
        if self.budget_cut_ is None:
            return None
        base, cut = self.base_.numbers, self.budget_cut_.numbers
        return {"share": self.policy.budget_cut, "gained": sorted(set(cut["funded"]) - set(base["funded"])),
                "lost": sorted(set(base["funded"]) - set(cut["funded"])),
                "value_change": cut["value"] - base["value"], "status": cut["status"]}

    @cached_property
    def bottlenecks_(self) -> pd.DataFrame:
        """:func:`capacity_bottlenecks` of the recommendation."""
        self._need()
        return capacity_bottlenecks(self.selector_.capacity_)

    @cached_property
    def frontier_(self) -> pd.DataFrame | None:
        """Value against budget from 20 % to 150 % of today's budget (None when no levels are asked).

        The LP bound at every level; portfolios at every level of a small
        model and near today's budget on a large one
        (:func:`~pmo_analytics.selection.efficient_frontier`).
        """
        self._need()
        if self.policy.frontier_levels < 2:
            return None
        # a level may stop within the policy's frontier_gap: on a chart of value against budget 0.5 % is
        # invisible, and at 10x the sample it makes the 20 levels 8x faster (the gap of each is reported)
        settings = {"gap": self.policy.frontier_gap, **(variant_settings(self.selector_) or {})}
        return efficient_frontier(self.selector_, levels=self.policy.frontier_levels, low=0.2, high=1.5,
                                  settings=settings, client=self.client)

    @cached_property
    def explanations_(self) -> pd.DataFrame:
        """Why each project is in or out (the most valuable left-out projects re-solved)."""
        self._need()
        self._explained = {}
        return explain_portfolio(self.selector_, max_resolves=self.policy.explain_top, solved=self._explained,
                                 client=self.client)

    @cached_property
    def scenarios_(self) -> pd.DataFrame:
        """The named scenarios side by side: budget cut, extra FTE on a skill, a left-out project forced in."""
        self._need()
        pol = self.policy
        tight = self.bottlenecks_
        skills = list(self.data_.skills)
        skill = pol.extra_fte_skill or (tight.index[0] if len(tight) else (skills[0] if skills else None))
        if pol.extra_fte_skill is not None and pol.extra_fte_skill not in skills:
            raise PMOError(f"policy extra_fte_skill {pol.extra_fte_skill!r} is not a skill of the capacity table "
                           f"({', '.join(skills) or 'none'})")
        ex = self.explanations_
        cands = ex[~ex["selected"] & (ex["method"] == "re-solved") & ex["value_change"].notna()].sort_values(
            "value", ascending=False)
        p = self.selector_.portfolio_
        left = p[~p["selected"]].sort_values("base_value", ascending=False)
        candidate = cands.index[0] if len(cands) else (left.index[0] if len(left) else None)
        scen = {}
        if pol.budget_cut > 0:  # the budget cut solved in fit (the summary quotes it): not solved again
            scen[f"budget -{pol.budget_cut:.0%}"] = (self.budget_cut_.selector if self.budget_cut_ is not None
                                                     else {"budget_scale": 1 - pol.budget_cut})
        if skill is not None and pol.extra_fte > 0:
            scen[f"+{pol.extra_fte:g} FTE {skill}"] = {"capacity_delta": {skill: pol.extra_fte}}
        if candidate is not None:  # the explanation's re-solve of the same question, when it found a portfolio
            scen[f"{candidate} forced in"] = self._explained.get(candidate) or {"force_in": (candidate,)}
        return compare_scenarios(self.selector_, scen, client=self.client)

    @cached_property
    def duals_(self) -> pd.DataFrame:
        """Indicative shadow prices of budget and capacity from the LP relaxation."""
        self._need()
        return lp_duals(self.selector_)

    def _need(self):
        if self.base_ is None:
            raise PMOError("no feasible portfolio: see infeasible_ and shortfall_ for why")

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the selection (``measure``, ``value``, ``unit``): projects funded, portfolio value."""
        require_fitted(self, "numbers_")
        if not self.feasible:
            return summary_frame([("projects funded", "not assessed: no feasible portfolio", "")])
        return summary_frame([("projects funded", len(self.numbers_["funded"]), "projects"),
                              ("portfolio value", self.numbers_["value"], self.data_.value_label)])

    def __repr__(self) -> str:
        if not hasattr(self, "numbers_"):
            return f"SelectionReview({self.policy.objective}, {self.policy.cost_basis} costs) [not fitted]"
        n = self.numbers_
        if not self.feasible:
            return f"SelectionReview(infeasible: {len(self.infeasible_.conflicts)} conflicting constraints)"
        return (f"SelectionReview({n['status']}: {len(n['funded'])} of {self.data_.n} funded, value "
                f"{n['value']:,.0f}, {self.policy.cost_basis} costs)")
