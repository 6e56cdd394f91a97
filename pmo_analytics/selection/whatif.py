"""What-if analysis for a portfolio review workshop, as plain function calls.

The workshop's widgets (:mod:`pmo_analytics.workshop`) call :func:`what_if`;
so can a notebook or a test, which keeps every what-if reproducible and
replayable as a recorded decision (scenario kind ``"selection.what_if"``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from .analysis import efficient_frontier
from .data import SelectionData, selection_data
from .selector import PortfolioSelector

__all__ = ["WhatIf", "WhatIfResult", "what_if", "what_if_numbers", "scenario_numbers"]


@dataclass(frozen=True)
class WhatIf:
    """The levers a board pulls in the room.

    Parameters
    ----------
    objective : {"risk_adjusted", "npv", "score"}
        What to maximise.
    budget_scale : float
        Multiplies every period's budget (0.9 = a 10 % cut).
    capacity_delta : dict
        Skill -> FTE added (or removed, negative) in every period.
    force_in, force_out : tuple of str
        Projects the board insists on / rules out.
    hiring : bool
        Allow hiring at the capacity table's hire cost.
    frontier_levels : int
        Budget levels of the efficient frontier redrawn with each what-if (0 = none).
    frontier_range : tuple of float
        Lowest and highest budget factor of the frontier.
    frontier_gap, frontier_time_limit : float
        Relative gap [fraction] and time limit [s] per frontier solve (HiGHS
        alone): speed in the room. Points not proven optimal say so in the
        frontier's ``status``; the selected portfolio itself is solved in the
        deterministic mode to proven optimality, so a recorded what-if
        replays to the same portfolio.
    """

    objective: str = "risk_adjusted"
    budget_scale: float = 1.0
    capacity_delta: dict = field(default_factory=dict)
    force_in: tuple = ()
    force_out: tuple = ()
    hiring: bool = True
    frontier_levels: int = 6
    frontier_range: tuple = (0.5, 1.5)
    frontier_gap: float = 0.02
    frontier_time_limit: float | None = 0.15

    def parameters(self) -> dict:
        """JSON-ready parameters (stored with a recorded decision)."""
        return {"objective": self.objective, "budget_scale": float(self.budget_scale),
                "capacity_delta": {str(k): float(v) for k, v in sorted(self.capacity_delta.items())},
                "force_in": sorted(self.force_in), "force_out": sorted(self.force_out), "hiring": bool(self.hiring),
                "frontier_levels": int(self.frontier_levels), "frontier_range": list(self.frontier_range),
                "frontier_gap": float(self.frontier_gap), "frontier_time_limit": self.frontier_time_limit}


@dataclass
class WhatIfResult:
    """A solved what-if: the selector, its frontier, and the numbers a decision would rest on."""

    scenario: WhatIf
    selector: PortfolioSelector
    frontier: pd.DataFrame | None
    seconds: float

    @property
    def numbers(self) -> dict:
        return what_if_numbers(self.selector)

    def __repr__(self) -> str:
        n = self.numbers
        return (f"WhatIfResult({n['status']}: {len(n['funded'])} funded, value {n['value']:,.0f}, "
                f"{self.seconds:.2f} s)")


def what_if_numbers(sel: PortfolioSelector) -> dict:
    """Status, value [objective units], funded projects with start periods [period], spend and hiring
    [currency] of a solved selector."""
    p = sel.portfolio_
    funded = p[p["selected"]]
    return {
        "status": sel.status_,
        "value": round(float(sel.objective_), 6),
        "value_measure": sel.data_.value_label,
        "funded": sorted(funded.index.tolist()),
        "start_period": {pid: int(t) for pid, t in funded["start_period"].items()},
        "spend": round(float(sel.spend_["project_spend"].sum()), 2),
        "hire_spend": round(float(sel.spend_["hire_spend"].sum()), 2),
        "budget": round(float(sel.spend_["budget"].sum()), 2),
    }


def what_if(data, scenario: WhatIf | None = None, **levers) -> WhatIfResult:
    """Re-optimise the portfolio under a what-if and redraw its frontier.

    Parameters
    ----------
    data : Portfolio or SelectionData
        The portfolio (``SelectionData`` from a previous call is reused as is,
        which saves its preparation time in a live session).
    scenario : WhatIf, optional
        The levers; keyword arguments override single fields.

    Returns
    -------
    WhatIfResult
    """
    scenario = scenario or WhatIf()
    if levers:
        unknown = sorted(set(levers) - set(WhatIf.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown what-if lever(s) {unknown}; expected {sorted(WhatIf.__dataclass_fields__)}")
        scenario = WhatIf(**{**scenario.__dict__, **levers})
    t0 = time.perf_counter()
    if not isinstance(data, SelectionData):
        data = selection_data(data, objective=scenario.objective)
    sel = PortfolioSelector(objective=scenario.objective, deterministic=True, hiring=scenario.hiring,
                            budget_scale=scenario.budget_scale, capacity_delta=dict(scenario.capacity_delta),
                            force_in=tuple(scenario.force_in), force_out=tuple(scenario.force_out)).fit(data)
    frontier = None
    if scenario.frontier_levels >= 2:
        low, high = scenario.frontier_range
        fast = {"solver": "highs", "deterministic": False, "node_limit": None, "gap": scenario.frontier_gap,
                "time_limit": scenario.frontier_time_limit}
        frontier = efficient_frontier(sel, levels=scenario.frontier_levels, low=low, high=high, settings=fast)
    return WhatIfResult(scenario, sel, frontier, time.perf_counter() - t0)


def scenario_numbers(portfolio, **parameters) -> dict:
    """The recorded numbers of a what-if given its stored parameters (:meth:`WhatIf.parameters`).

    Used to replay a recorded decision; the frontier is a view, not part of
    the numbers, so it is not recomputed.
    """
    params = dict(parameters)
    params["frontier_levels"] = 0
    for key in ("force_in", "force_out", "frontier_range"):
        if key in params:
            params[key] = tuple(params[key])
    return what_if(portfolio, WhatIf(**params)).numbers
