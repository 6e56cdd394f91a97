"""Today's rule, for comparison: the deterministic MILP on reference-class P(1 - alpha) costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...intake.reference_class import apply_uplift, reference_class_uplifts
from ..model import SelectionOptions
from ..selector import PortfolioSelector

__all__ = ["deterministic_portfolio", "portfolio_columns"]


def deterministic_portfolio(portfolio, model, alpha: float, *, objective="risk_adjusted", scores=None,
                            options: SelectionOptions | None = None, time_limit: float | None = None,
                            deterministic: bool = False, seed: int = 0, solver: str = "auto"):
    """Today's portfolio at the same alpha: the deterministic MILP on reference-class P(1 - alpha) costs.

    Proposals' costs are uplifted to the ``1 - alpha`` quantile of their
    class's outturn ratios (:func:`~pmo_analytics.intake.reference_class.reference_class_uplifts`,
    as the intake screening does), then the
    :class:`~pmo_analytics.selection.selector.PortfolioSelector` keeps every
    period within budget for those costs.

    ``solver`` is the selector's (``"lns"``: the time-window search alone,
    as :class:`UncertainSelector` runs it beside the SAA solves of a large
    model; see :func:`~pmo_analytics.selection.solve.batch_solver`).

    Returns
    -------
    (x, hire, selector)
        ``x``: 0/1 per start column of ``model`` (mapped by project and start
        period); ``hire``: hiring spend per period [currency]; the fitted
        selector.
    """
    pf = portfolio
    costs = None
    if pf.has("history"):
        props = pf.projects[pf.projects["stage"] == "proposal"]
        up = apply_uplift(props, reference_class_uplifts(pf.history, acceptable_overrun=float(alpha)))
        costs = pd.Series(up["uplifted_estimated_cost"].to_numpy(), index=up["project_id"].to_numpy())
    opts = (options or SelectionOptions()).but(budget=True)
    sel = PortfolioSelector(objective, solver=solver, time_limit=None if deterministic else time_limit,
                            deterministic=deterministic, seed=seed, options=opts).fit(pf, scores=scores, costs=costs)
    x, hire = portfolio_columns(model, sel)
    return x, hire, sel


def portfolio_columns(model, selector) -> tuple[np.ndarray, np.ndarray]:
    """A fitted :class:`~pmo_analytics.selection.selector.PortfolioSelector`'s portfolio in ``model``'s columns.

    Returns ``x``, 0/1 per start column of ``model`` (matched by project and
    start period), and the selector's hiring spend per period [currency].
    A funded project whose start is not a column of ``model`` raises ValueError.
    """
    m = selector.model_
    on = {(p, int(t)) for p, t, v in zip(m.data.ids[m.vp], m.vt, selector.x_[: m.nx]) if v > 0.5}
    x = np.array([(p, int(t)) in on for p, t in zip(model.data.ids[model.vp], model.vt)], dtype=float)
    if int(x.sum()) != len(on):
        missing = sorted(on - {(p, int(t)) for p, t in zip(model.data.ids[model.vp], model.vt)})
        raise ValueError(f"the selector funds starts the model has no column for: {missing[:5]}")
    return x, selector.spend_["hire_spend"].to_numpy(float)

