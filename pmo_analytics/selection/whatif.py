"""What-if analysis for a portfolio review workshop, as plain function calls.

The workshop's widgets (:mod:`pmo_analytics.workshop`) call :func:`what_if`;
so can a notebook or a test, which keeps every what-if reproducible and
replayable as a recorded decision (scenario kind ``"selection.what_if"``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .data import SelectionData, selection_data
from .frontier import lp_frontier
from .model import build_model
from .selector import PortfolioSelector

__all__ = ["WhatIf", "WhatIfResult", "what_if", "what_if_numbers", "scenario_numbers", "what_if_frontier",
           "WORKSHOP_BUDGET"]


#: Seconds the solve of a what-if in the room may take [s] (the panel keeps refining afterwards). With the
#: selector's frames and the charts a round trip at 10x the sample (480 candidates, 2 cores) takes 0.8-0.9 s at
#: 0.5 s (gaps 0.4-3.3 %) and 1.3-1.4 s at 1.0 s (gaps 0.2-1.1 %): bench_workshop.py --scale 10 [--budget 1].
WORKSHOP_BUDGET = 0.5
#: Parameters of what-ifs recorded by earlier versions that no longer change a what-if's numbers (the room's
#: frontier is now the LP bound, not a time-limited MILP per level): accepted and ignored on replay.
_RETIRED = ("frontier_gap", "frontier_time_limit")


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
        Budget levels of the efficient frontier's shape drawn with each
        what-if (0 = none): the LP relaxation's value at each level, an upper
        bound on any portfolio there (:func:`~pmo_analytics.selection.lp_frontier`).
    frontier_range : tuple of float
        Lowest and highest budget factor of the frontier.
    time_budget : float or None
        None (records, replays): the deterministic solve of
        :class:`~pmo_analytics.selection.PortfolioSelector` (a node limit per
        solver; the same portfolio on any machine). A number of seconds: the
        anytime answer in the room (:func:`~pmo_analytics.selection.solve_anytime`),
        stopped by that wall-clock budget if it runs longer, with its proven
        gap in the status words.
    """

    objective: str = "risk_adjusted"
    budget_scale: float = 1.0
    capacity_delta: dict = field(default_factory=dict)
    force_in: tuple = ()
    force_out: tuple = ()
    hiring: bool = True
    frontier_levels: int = 11
    frontier_range: tuple = (0.5, 1.5)
    time_budget: float | None = None

    def levers(self) -> dict:
        """The fields that decide the portfolio (what a question asks), JSON-ready and hashable as a key."""
        return {"objective": self.objective, "budget_scale": float(self.budget_scale),
                "capacity_delta": {str(k): float(v) for k, v in sorted(self.capacity_delta.items()) if v},
                "force_in": sorted(self.force_in), "force_out": sorted(self.force_out), "hiring": bool(self.hiring)}

    def parameters(self) -> dict:
        """JSON-ready parameters (stored with a recorded decision)."""
        return {**self.levers(), "frontier_levels": int(self.frontier_levels),
                "frontier_range": list(self.frontier_range)}


@dataclass
class WhatIfResult:
    """A solved what-if: the selector, its frontier, and the numbers a decision would rest on.

    ``refined`` is True for the deterministic solve (what a recorded
    decision replays), False for an anytime answer in the room.
    """

    scenario: WhatIf
    selector: PortfolioSelector
    frontier: pd.DataFrame | None
    seconds: float
    refined: bool = True

    @property
    def numbers(self) -> dict:
        return what_if_numbers(self.selector)

    def __repr__(self) -> str:
        n = self.numbers
        return (f"WhatIfResult({n['status']}: {len(n['funded'])} funded, value {n['value']:,.0f}, "
                f"{self.seconds:.2f} s{'' if self.refined else ', anytime answer'})")


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


def what_if_frontier(sel: PortfolioSelector, levels: int, low: float, high: float, *,
                     shape: pd.DataFrame | None = None) -> pd.DataFrame:
    """The frontier's shape drawn with a what-if: the LP bound at ``levels`` budget factors of its own budget.

    Parameters
    ----------
    sel : PortfolioSelector
        The what-if, solved.
    levels, low, high
        ``levels`` budget factors from ``low`` to ``high`` (and 1).
    shape : DataFrame, optional
        :func:`~pmo_analytics.selection.frontier.lp_frontier` of ``sel``'s
        model at those factors, when it was drawn already (beside the solve).

    Returns
    -------
    DataFrame
        ``budget_factor``, ``budget`` [currency], ``bound`` (the LP
        relaxation's value: at most this) [objective units], ``value`` (the
        what-if's own portfolio at factor 1, NaN elsewhere), ``status``.
    """
    fr = lp_frontier(sel.model_, _factors(levels, low, high)) if shape is None else shape.copy()
    fr["budget"] = float(sel.spend_["budget"].sum()) * fr["budget_factor"]
    here = np.isclose(fr["budget_factor"], 1.0)
    fr["value"] = np.where(here, sel.objective_, np.nan)
    fr["status"] = np.where(here, sel.status_, "bound only (LP relaxation)")
    return fr[["budget_factor", "budget", "bound", "value", "status"]]


def _factors(levels: int, low: float, high: float) -> np.ndarray:
    return np.unique(np.concatenate([np.linspace(low, high, int(levels)), [1.0]]))


def what_if(data, scenario: WhatIf | None = None, *, start=None, stop=None, deterministic: bool = False,
            **levers) -> WhatIfResult:
    """Re-optimise the portfolio under a what-if and draw its frontier's shape.

    Parameters
    ----------
    data : Portfolio or SelectionData
        The portfolio (``SelectionData`` from a previous call is reused as is,
        which saves its preparation time in a live session).
    scenario : WhatIf, optional
        The levers; keyword arguments override single fields.
    start : WhatIfResult or PortfolioSelector, optional
        A portfolio solved before (on the same data) to start from: carried
        to the new levers, repaired and filled
        (:mod:`~pmo_analytics.selection.heuristics`). Used by the anytime
        answer (``time_budget``); the deterministic solve starts from its own
        greedy portfolio so that a replay needs nothing but the levers.
    stop : threading.Event, optional
        Stops an anytime answer early (the room asked another question).
    deterministic : bool, default False
        With a ``time_budget``: bound the anytime answer by work instead of
        the clock (its root pass by a node limit), so the same levers and
        start give the same answer on any machine; the budget is then not
        enforced.

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
    quick = scenario.time_budget is not None
    if not quick:
        solver = dict(deterministic=True)
    elif deterministic:
        solver = dict(solver="anytime", deterministic=True)
    else:
        solver = dict(solver="anytime", time_limit=float(scenario.time_budget))
    src = start.selector if isinstance(start, WhatIfResult) else start
    if src is not None and src.data_ is not data:
        raise ValueError("start must be a what-if solved on the same SelectionData")
    sel = PortfolioSelector(objective=scenario.objective, hiring=scenario.hiring,
                            budget_scale=scenario.budget_scale, capacity_delta=dict(scenario.capacity_delta),
                            force_in=tuple(scenario.force_in), force_out=tuple(scenario.force_out), **solver)
    frontier = shape = None
    draw = scenario.frontier_levels >= 2
    if draw and quick:
        # the frontier's LP curve depends on the levers, not on the answer: drawn on a second core while the
        # anytime solve runs (HiGHS releases the GIL), so the room waits for the slower of the two, not the sum
        with ThreadPoolExecutor(1) as pool:
            fut = pool.submit(lp_frontier, build_model(data, sel.options), _factors(scenario.frontier_levels,
                                                                                   *scenario.frontier_range))
            sel.fit(data, start=src, stop=stop)
            shape = fut.result()
    else:
        sel.fit(data, start=src if quick else None, stop=stop)
    if draw:
        frontier = what_if_frontier(sel, scenario.frontier_levels, *scenario.frontier_range, shape=shape)
    return WhatIfResult(scenario, sel, frontier, time.perf_counter() - t0, refined=not quick)


def scenario_numbers(portfolio, **parameters) -> dict:
    """The recorded numbers of a what-if given its stored parameters (:meth:`WhatIf.parameters`).

    Used to replay a recorded decision (always the deterministic solve); the
    frontier is a view, not part of the numbers, so it is not recomputed.
    """
    params = {k: v for k, v in parameters.items() if k not in _RETIRED}
    params["frontier_levels"] = 0
    params["time_budget"] = None
    for key in ("force_in", "force_out", "frontier_range"):
        if key in params:
            params[key] = tuple(params[key])
    return what_if(portfolio, WhatIf(**params)).numbers
