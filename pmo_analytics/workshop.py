"""The live what-if panel of a portfolio review workshop (ipywidgets).

The panel is a thin face over :func:`pmo_analytics.selection.what_if`: every
lever maps to one :class:`~pmo_analytics.selection.WhatIf` field, every
redraw calls the same function a notebook or a test would call, so whatever
the room decides can be recorded and replayed exactly
(:func:`record_what_if`). Charts are the SVG-rendered Altair charts of
:mod:`pmo_analytics.charts.selection`, so the panel works in an offline
JupyterLab. ipywidgets is imported only when a panel is built.
"""

from __future__ import annotations

import time

from .records.decisions import Decision, record_decision
from .selection.data import selection_data
from .selection.whatif import WhatIf, WhatIfResult, what_if

__all__ = ["WorkshopPanel", "record_what_if"]


def record_what_if(result: WhatIfResult, decision: str, decided_by: str, *, data_path=None, folder="decisions",
                   options=None, record=None, supersedes=None, notes="") -> Decision:
    """Record the decision a workshop took on a what-if, with its scenario and numbers (replayable)."""
    return record_decision(decision, decided_by, folder=folder, options=options,
                           scenario={"kind": "selection.what_if", "parameters": result.scenario.parameters()},
                           numbers=result.numbers, data_path=data_path, record=record, supersedes=supersedes,
                           notes=notes)


class WorkshopPanel:
    """Sliders and pickers for budget, capacity, force-in/out and objective; re-optimises on each change.

    Parameters
    ----------
    portfolio : Portfolio
    base : WhatIf, optional
        The starting levers (default: risk-adjusted value, hiring allowed).

    Attributes
    ----------
    result_ : WhatIfResult
        The latest what-if.
    history_ : list of WhatIfResult
        Every what-if run in this session, in order (the room's audit trail).
    """

    def __init__(self, portfolio, base: WhatIf | None = None, *, costs=None, scores=None):
        self.portfolio = portfolio
        self.base = base or WhatIf()
        self.costs = costs
        self.scores = scores
        self._data = {}
        self.history_: list[WhatIfResult] = []
        self.result_: WhatIfResult | None = None
        self._widget = None

    @classmethod
    def from_review(cls, review) -> WorkshopPanel:
        """The panel whose base case is a review's recommendation: same objective, costs, hiring and solve.

        Parameters
        ----------
        review : pmo_analytics.review.PortfolioReview
            A fitted review; its selection's instance is reused, so the panel's
            first what-if is the portfolio the record recommends.
        """
        sel = review.selection_
        pol = review.policy
        panel = cls(review.portfolio_, WhatIf(objective=pol.objective, hiring=pol.hiring), costs=sel.costs_,
                    scores=None if review.screening_ is None else review.screening_.scores_["score"])
        panel._data[pol.objective] = sel.data_
        if sel.base_ is not None:
            panel.history_.append(sel.base_)
            panel.result_ = sel.base_
        return panel

    def _selection_data(self, objective):
        if objective not in self._data:
            self._data[objective] = selection_data(self.portfolio, objective=objective, scores=self.scores,
                                                   costs=self.costs)
        return self._data[objective]

    def apply(self, **levers) -> WhatIfResult:
        """Run one what-if with some levers changed from the base (the function behind every widget)."""
        scenario = WhatIf(**{**self.base.__dict__, **levers})
        self.result_ = what_if(self._selection_data(scenario.objective), scenario)
        self.history_.append(self.result_)
        return self.result_

    def charts(self, result: WhatIfResult | None = None):
        """Frontier, roadmap and capacity charts of a what-if (default: the latest)."""
        from .charts import selection as sel_charts

        r = result or self.result_
        out = {"roadmap": sel_charts.roadmap_chart(r.selector.portfolio_),
               "capacity": sel_charts.capacity_heatmap(r.selector.capacity_)}
        if r.frontier is not None:
            out["frontier"] = sel_charts.frontier_chart(r.frontier, current_budget=r.numbers["budget"])
        return out

    def changes(self, result: WhatIfResult | None = None, reference: WhatIfResult | None = None) -> dict:
        """Projects gained and lost and the value change against a reference what-if (default: the first)."""
        r = result or self.result_
        ref = reference or self.history_[0]
        a, b = set(ref.numbers["funded"]), set(r.numbers["funded"])
        return {"gained": sorted(b - a), "lost": sorted(a - b),
                "value_change": r.numbers["value"] - ref.numbers["value"]}

    # ------------------------------------------------------------------ widgets
    def widget(self):
        """The panel as an ipywidgets box (display it in a notebook cell)."""
        import ipywidgets as w
        from IPython.display import display

        pf = self.portfolio
        skills = sorted(pf.capacity["skill"].unique()) if pf.has("capacity") else []
        ids = sorted(pf.projects_in("proposal")["project_id"])
        b = self.base
        budget = w.FloatSlider(value=b.budget_scale * 100, min=50, max=150, step=5, description="budget %",
                               continuous_update=False)
        objective = w.Dropdown(options=["risk_adjusted", "npv", "score"], value=b.objective, description="objective")
        hiring = w.Checkbox(value=b.hiring, description="allow hiring")
        cap = {s: w.FloatSlider(value=float(b.capacity_delta.get(s, 0.0)), min=-5, max=10, step=0.5,
                                description=f"{s} ±FTE", continuous_update=False) for s in skills}
        force_in = w.SelectMultiple(options=ids, value=tuple(b.force_in), description="force in", rows=6)
        force_out = w.SelectMultiple(options=ids, value=tuple(b.force_out), description="force out", rows=6)
        status = w.HTML()
        out = w.Output()

        def redraw(_=None):
            t0 = time.perf_counter()
            try:
                r = self.apply(budget_scale=budget.value / 100, objective=objective.value, hiring=hiring.value,
                               capacity_delta={s: c.value for s, c in cap.items() if c.value},
                               force_in=tuple(force_in.value), force_out=tuple(force_out.value))
            except Exception as exc:  # show the domain error (e.g. infeasible, with its conflicts) in the room
                status.value = f"<b style='color:#D55E00'>{type(exc).__name__}</b>: {exc}"
                return
            ch = self.changes()
            status.value = (f"<b>{r.numbers['status']}</b> — value {r.numbers['value']:,.0f}, "
                            f"{len(r.numbers['funded'])} funded, gained {', '.join(ch['gained']) or '—'}, "
                            f"lost {', '.join(ch['lost']) or '—'} ({time.perf_counter() - t0:.1f} s)")
            out.clear_output(wait=True)
            with out:
                c = self.charts(r)
                for key in ("frontier", "roadmap", "capacity"):
                    if key in c:
                        display(c[key])

        for control in [budget, objective, hiring, force_in, force_out, *cap.values()]:
            control.observe(redraw, names="value")
        redraw()
        levers = w.VBox([budget, objective, hiring, *cap.values()])
        picks = w.HBox([force_in, force_out])
        self._widget = w.VBox([w.HBox([levers, picks]), status, out])
        return self._widget

    def __repr__(self) -> str:
        last = repr(self.result_) if self.result_ is not None else "no what-if yet"
        return f"WorkshopPanel({len(self.history_)} what-ifs; latest: {last})"
