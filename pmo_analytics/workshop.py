"""The live what-if panel of a portfolio review workshop (ipywidgets).

The panel is a thin face over :func:`pmo_analytics.selection.what_if`: every
lever maps to one :class:`~pmo_analytics.selection.WhatIf` field, every
redraw calls the same function a notebook or a test would call, so whatever
the room decides can be recorded and replayed exactly
(:func:`record_what_if`). Charts are the SVG-rendered Altair charts of
:mod:`pmo_analytics.charts.selection`, so the panel works in an offline
JupyterLab. ipywidgets is imported only when a panel is built.

In the room: every change shows the anytime answer within the panel's time
budget (about a second), with its proven gap, then refines it in the
background and redraws; "Record this what-if" writes the deterministic solve
of the current what-if to the decision register with the decision in words
and who decided (:meth:`WorkshopPanel.record`).
"""

from __future__ import annotations

import html
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from .parallel import hold_warnings
from .records.decisions import Decision, record_decision
from .selection.data import selection_data
from .selection.whatif import WORKSHOP_BUDGET, WhatIf, WhatIfResult, what_if

__all__ = ["WorkshopPanel", "record_what_if", "chart_svg"]


def chart_svg(chart) -> str:
    """An Altair chart as inline SVG markup (vl-convert, no network), for a widget or a page."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(validate=False))  # the package's charts are tested valid


def record_what_if(result: WhatIfResult, decision: str, decided_by: str, *, data_path=None, folder="decisions",
                   options=None, record=None, supersedes=None, notes="", policy=None) -> Decision:
    """Record the decision a workshop took on a what-if, with its scenario and numbers (replayable).

    ``policy`` (a :class:`~pmo_analytics.review.ReviewPolicy`) is stored when the
    what-if started from a review's recommendation, so the replay rebuilds the
    same costs (e.g. reference-class P80) before pulling the levers again.
    """
    if not result.refined:
        raise ValueError("an anytime answer is not what a replay reproduces: record the deterministic solve of "
                         "the same question (WorkshopPanel.refine, or what_if without a time_budget)")
    params = result.scenario.parameters()
    if policy is not None:
        params["review_policy"] = policy.to_dict()
    return record_decision(decision, decided_by, folder=folder, options=options,
                           scenario={"kind": "selection.what_if", "parameters": params},
                           numbers=result.numbers, data_path=data_path, record=record, supersedes=supersedes,
                           notes=notes)


class WorkshopPanel:
    """Sliders and pickers for budget, capacity, force-in/out and objective; an answer within seconds on each change.

    Each question gets the **anytime answer** first
    (:func:`~pmo_analytics.selection.what_if` with a ``time_budget``): the
    portfolio in the room carried to the new levers, repaired, improved by
    a root pass of HiGHS and bounded by the LP relaxation, within
    ``time_budget`` seconds, with its proven gap in the status words
    ("within 0.4 % of optimal"). :meth:`refine` then solves the same
    question in the deterministic mode of a record (what a recorded decision
    replays); the widget does it in the background and redraws when it is
    done. Every answer is kept per question: asking the same levers again
    gives the same answer (the refined one once there is one).

    Parameters
    ----------
    portfolio : Portfolio
    base : WhatIf, optional
        The starting levers (default: risk-adjusted value, hiring allowed).
    costs, scores : Series, optional
        Costs and strategic scores by project the selection uses (default:
        the estimates and the data's scores; :meth:`from_review` passes the
        review policy's).
    decisions : path, default "decisions"
        The decision register "Record this what-if" writes to.
    data_path : path, optional
        The data the decision rests on, fingerprinted in the register
        (default: the folder or workbook the portfolio was read from).
    time_budget : float or None, default :data:`~pmo_analytics.selection.whatif.WORKSHOP_BUDGET`
        Seconds an answer may take [s]; None answers every question with the
        deterministic solve (slower at enterprise size).
    deterministic : bool, default False
        Anytime answers bounded by work instead of the clock and started
        from the base case rather than the previous question, so the same
        levers give the same answer on any machine and in any order.

    Attributes
    ----------
    result_ : WhatIfResult
        The latest answer shown.
    history_ : list of WhatIfResult
        Every answer shown in this session, in order (the room's audit trail).
    recorded_ : list of Decision
        The decisions recorded from this panel, in order.
    """

    def __init__(self, portfolio, base: WhatIf | None = None, *, costs=None, scores=None, decisions="decisions",
                 data_path=None, time_budget: float | None = WORKSHOP_BUDGET, deterministic: bool = False):
        if time_budget is not None and not time_budget > 0:
            raise ValueError(f"time_budget must be a positive number of seconds or None, got {time_budget!r}")
        self.portfolio = portfolio
        self.base = base or WhatIf()
        self.costs = costs
        self.scores = scores
        self.decisions = decisions
        self.data_path = data_path
        self.time_budget = time_budget
        self.deterministic = bool(deterministic)
        self._data = {}
        self._answers: dict[str, WhatIfResult] = {}
        self._refined: dict[str, WhatIfResult] = {}
        self._lock = threading.Lock()
        self.history_: list[WhatIfResult] = []
        self.result_: WhatIfResult | None = None
        self.recorded_: list[Decision] = []
        self.policy = None
        self._widget = None

    @classmethod
    def from_review(cls, review, **options) -> WorkshopPanel:
        """The panel whose base case is a review's recommendation: same objective, costs, hiring and solve.

        Parameters
        ----------
        review : pmo_analytics.review.PortfolioReview
            A fitted review; its selection's instance is reused, so the panel's
            first what-if is the portfolio the record recommends.
        **options
            ``time_budget``, ``deterministic`` (see the class).
        """
        sel = review.selection_
        pol = review.policy
        panel = cls(review.portfolio_, WhatIf(objective=pol.objective, hiring=pol.hiring), costs=sel.costs_,
                    scores=None if review.screening_ is None else review.screening_.scores_["score"], **options)
        panel._data[pol.objective] = sel.data_
        panel.policy = pol
        if sel.base_ is not None:
            panel._remember(sel.base_)
            panel.history_.append(sel.base_)
            panel.result_ = sel.base_
        return panel

    def _selection_data(self, objective):
        if objective not in self._data:
            self._data[objective] = selection_data(self.portfolio, objective=objective, scores=self.scores,
                                                   costs=self.costs)
        return self._data[objective]

    @staticmethod
    def _key(scenario: WhatIf) -> str:
        return json.dumps(scenario.levers(), sort_keys=True)

    def _remember(self, r: WhatIfResult) -> None:
        with self._lock:
            self._answers.setdefault(self._key(r.scenario), r)
            if r.refined:
                self._refined.setdefault(self._key(r.scenario), r)

    def _scenario(self, levers) -> WhatIf:
        unknown = sorted(set(levers) - set(WhatIf.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown what-if lever(s) {unknown}; expected {sorted(WhatIf.__dataclass_fields__)}")
        return WhatIf(**{**self.base.__dict__, "time_budget": self.time_budget, **levers})

    def _start(self, data) -> WhatIfResult | None:
        """The portfolio a new question starts from: the latest answer (the base case when deterministic)."""
        pool = self.history_[:1] if self.deterministic else self.history_[::-1]
        return next((r for r in pool if r.selector.data_ is data), None)

    def apply(self, stop=None, **levers) -> WhatIfResult:
        """Answer one what-if with some levers changed from the base (the function behind every widget).

        The same levers asked again give the answer kept from before (the
        refined one when :meth:`refine` has run). ``stop`` (a
        ``threading.Event``) ends an anytime answer early.
        """
        scenario = self._scenario(levers)
        key = self._key(scenario)
        with self._lock:
            known = self._refined.get(key) or self._answers.get(key)
        if known is None:
            data = self._selection_data(scenario.objective)
            with hold_warnings():  # the status words say how close the answer is proven (thread-safe hold)
                known = what_if(data, scenario, start=self._start(data), stop=stop,
                                deterministic=self.deterministic)
            self._remember(known)
        self.history_.append(known)
        self.result_ = known
        return known

    def refine(self, result: WhatIfResult | None = None, stop=None) -> WhatIfResult | None:
        """The deterministic solve of a what-if (default: the latest), kept for its levers; returns it.

        This is the answer a recorded decision stores and :func:`~pmo_analytics.records.replay.replay`
        reproduces. When ``result`` is the latest answer, the refined one
        becomes the latest. ``stop`` (a ``threading.Event``) abandons it:
        None is returned and nothing is kept.
        """
        r = result or self.result_
        if r is None:
            raise ValueError("no what-if yet: call apply() first")
        if r.refined:
            return r
        key = self._key(r.scenario)
        with self._lock:
            done = self._refined.get(key)
        if done is None:
            with hold_warnings():
                done = what_if(r.selector.data_, replace(r.scenario, time_budget=None), stop=stop)
            if stop is not None and stop.is_set():
                return None  # abandoned: its numbers are not the deterministic solve's
            self._remember(done)
        if r is self.result_:
            self.history_.append(done)
            self.result_ = done
        return done

    #: Projects the room's roadmap draws at most (the changed ones first, then the most valuable).
    ROADMAP_TOP = 40

    def charts(self, result: WhatIfResult | None = None):
        """Frontier, roadmap and capacity charts of a what-if (default: the latest)."""
        from .charts import selection as sel_charts

        r = result or self.result_
        gained = self.changes(r)["gained"] if self.history_ else []
        out = {"roadmap": sel_charts.roadmap_chart(r.selector.portfolio_, top=self.ROADMAP_TOP, keep=gained),
               "capacity": sel_charts.capacity_heatmap(r.selector.capacity_)}
        if r.frontier is not None:
            out["frontier"] = sel_charts.frontier_chart(r.frontier, current_budget=r.numbers["budget"])
        return out

    def pictures(self, result: WhatIfResult | None = None) -> dict[str, str]:
        """The charts of :meth:`charts` as inline SVG, as the widget draws them: each chart is converted
        (vl-convert, which releases the GIL) while the next one is built, so the room waits for the conversions,
        not for the conversions plus the building."""
        from .charts import selection as sel_charts

        r = result or self.result_
        gained = self.changes(r)["gained"] if self.history_ else []
        build = {"roadmap": lambda: sel_charts.roadmap_chart(r.selector.portfolio_, top=self.ROADMAP_TOP,
                                                            keep=gained),
                 "capacity": lambda: sel_charts.capacity_heatmap(r.selector.capacity_)}
        if r.frontier is not None:
            build["frontier"] = lambda: sel_charts.frontier_chart(r.frontier, current_budget=r.numbers["budget"])
        with ThreadPoolExecutor(1) as pool:
            futures = {key: pool.submit(chart_svg, make()) for key, make in build.items()}
            return {key: f.result() for key, f in futures.items()}

    def changes(self, result: WhatIfResult | None = None, reference: WhatIfResult | None = None) -> dict:
        """Projects gained and lost and the value change against a reference what-if (default: the first)."""
        r = result or self.result_
        ref = reference or self.history_[0]
        a, b = set(ref.numbers["funded"]), set(r.numbers["funded"])
        return {"gained": sorted(b - a), "lost": sorted(a - b),
                "value_change": r.numbers["value"] - ref.numbers["value"]}

    def describe(self, result: WhatIfResult | None = None, reference: WhatIfResult | None = None) -> str:
        """The what-if in one sentence, as a starting point for the decision's wording."""
        r = result or self.result_
        if r is None:
            raise ValueError("no what-if yet: call apply() first")
        s = r.scenario
        levers = []
        if abs(s.budget_scale - 1) > 1e-9:
            levers.append(f"budget at {s.budget_scale:.0%}")
        if s.capacity_delta:
            levers.append(", ".join(f"{k} {v:+g} FTE" for k, v in sorted(s.capacity_delta.items())))
        if s.force_in:
            levers.append("force in " + ", ".join(s.force_in))
        if s.force_out:
            levers.append("force out " + ", ".join(s.force_out))
        if not s.hiring:
            levers.append("no hiring")
        funded = r.numbers["funded"]
        text = (f"{'With ' + '; '.join(levers) + ': f' if levers else 'F'}und {len(funded)} project"
                f"{'s' if len(funded) != 1 else ''} ({', '.join(funded)})")
        if len(self.history_) > 1 or reference is not None:
            ch = self.changes(r, reference)
            if ch["lost"]:
                text += f"; defer {', '.join(ch['lost'])}"
            if ch["gained"]:
                text += f"; add {', '.join(ch['gained'])}"
        return text + "."

    def record(self, decision: str, decided_by: str, *, options=None, notes: str = "", record=None,
               supersedes=None, result: WhatIfResult | None = None) -> Decision:
        """Record the latest what-if (or ``result``) in the decision register, with who decided.

        Raises
        ------
        ValueError
            without a what-if yet, or with an empty decision or decider.
        """
        r = result or self.result_
        if r is None:
            raise ValueError("no what-if to record yet: change a lever or call apply() first")
        if not str(decision).strip():
            raise ValueError("say what was decided (the decision in words)")
        if not str(decided_by).strip():
            raise ValueError("say who decided (e.g. 'Portfolio board, chair A. Novak')")
        r = self.refine(r)  # the register keeps what a replay reproduces: the deterministic solve
        data_path = self.data_path if self.data_path is not None else getattr(self.portfolio, "source", None)
        d = record_what_if(r, str(decision).strip(), str(decided_by).strip(), data_path=data_path,
                           folder=self.decisions, options=options, record=record, supersedes=supersedes,
                           notes=notes, policy=self.policy)
        self.recorded_.append(d)
        return d

    def under_uncertainty(self, alpha: float = 0.1, scenarios: int = 100, seed: int | None = None):
        """The portfolio chosen so that P(any period overruns its budget) <= ``alpha``, beside today's rule.

        Runs :class:`~pmo_analytics.selection.UncertainSelector` on the panel's
        portfolio (the review's policy when the panel came from a review:
        objective, hiring, seed; deterministic solves). Returns the fitted
        selector; its ``comparison_`` is what the room reads.
        """
        from .selection import UncertainSelector

        pol = self.policy
        seed = seed if seed is not None else (pol.seed if pol is not None else 0)
        return UncertainSelector(seed=seed, alpha=alpha, scenarios=scenarios, validation_scenarios=10 * scenarios,
                                 objective=self.base.objective, hiring=self.base.hiring, deterministic=True,
                                 min_class_size=pol.min_class_size if pol is not None else 3,
                                 time_limit=None).fit(self.portfolio, scores=self.scores)

    # ------------------------------------------------------------------ widgets
    def widget(self):
        """The panel as an ipywidgets box (display it in a notebook cell).

        Children: the levers and pickers, a status line, the charts (SVG,
        no network), and the "record this what-if" row (decision in words,
        who decided, button, confirmation). A change shows the anytime answer
        within the time budget, then refines it in a background thread and
        redraws when the deterministic solve is done, unless the room has
        asked another question by then (its refinement is then stopped).
        """
        import ipywidgets as w

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
        pictures = {k: w.HTML() for k in ("frontier", "roadmap", "capacity")}
        uncertain = w.Checkbox(value=False, description="under uncertainty: P(overrun) ≤")
        alpha = w.FloatSlider(value=0.1, min=0.05, max=0.5, step=0.05, continuous_update=False,
                              readout_format=".0%", description="")
        uncertain_out = w.HTML()
        controls = [budget, objective, hiring, force_in, force_out, *cap.values()]
        decision = w.Textarea(description="decision", placeholder="the decision in words",
                              layout=w.Layout(width="60%"))
        decided_by = w.Text(description="decided by", placeholder="e.g. Portfolio board, chair A. Novak")
        record_button = w.Button(description="Record this what-if", button_style="primary", icon="check",
                                 tooltip="write this what-if to the decision register (its deterministic solve)")
        recorded = w.HTML()
        state = {"asked": 0, "stop": threading.Event()}

        def levers():
            return dict(budget_scale=budget.value / 100, objective=objective.value, hiring=hiring.value,
                        capacity_delta={s: c.value for s, c in cap.items() if c.value},
                        force_in=tuple(force_in.value), force_out=tuple(force_out.value))

        def show(r, seconds, note=""):
            ch = self.changes(r)
            status.value = (f"<b>{html.escape(r.numbers['status'])}</b> — value {r.numbers['value']:,.0f}, "
                            f"{len(r.numbers['funded'])} funded, gained {', '.join(ch['gained']) or '—'}, "
                            f"lost {', '.join(ch['lost']) or '—'} ({seconds:.1f} s){note}")
            decision.value = self.describe(r)
            for key, svg in self.pictures(r).items():
                pictures[key].value = svg

        def refine_later(r, asked, stop):
            t0 = time.perf_counter()
            try:
                done = self.refine(r, stop=stop) if not stop.is_set() else None
            except Exception as exc:  # noqa: BLE001 - say it in the room; the anytime answer stays
                if asked == state["asked"]:
                    status.value += f" <span style='color:#D55E00'>(refinement failed: {html.escape(str(exc))})</span>"
                return
            if done is None or asked != state["asked"]:
                return  # the room asked another question meanwhile
            show(done, time.perf_counter() - t0, " — refined (deterministic solve; what a decision records)")

        def redraw(_=None):
            t0 = time.perf_counter()
            state["stop"].set()  # a refinement of an earlier question is no longer wanted
            state["stop"] = stop = threading.Event()
            state["asked"] += 1
            asked = state["asked"]
            status.value = "<span class='pmo-busy' style='color:#0072B2'>⏳ re-optimising…</span>"
            try:
                r = self.apply(stop=stop, **levers())
            except Exception as exc:  # show the domain error (e.g. infeasible, with its conflicts) in the room
                status.value = f"<b style='color:#D55E00'>{type(exc).__name__}</b>: {html.escape(str(exc))}"
                record_button.disabled = True  # nothing valid to record
                return
            record_button.disabled = False
            recorded.value = ""
            show(r, time.perf_counter() - t0, "" if r.refined else " — refining…")
            if not r.refined:
                threading.Thread(target=refine_later, args=(r, asked, stop), daemon=True).start()

        def on_record(_=None):
            try:
                d = self.record(decision.value, decided_by.value)
            except Exception as exc:  # e.g. nobody named as decider: say so in the room, record nothing
                recorded.value = f"<b style='color:#D55E00'>not recorded</b>: {html.escape(str(exc))}"
                return
            recorded.value = (f"<b style='color:#009E73'>recorded {d.decision_id}</b> — {d.decided_by}, "
                              f"{d.date}; replay with <code>pmo replay {d.decision_id}</code>")

        def on_uncertain(_=None):
            if not uncertain.value:
                uncertain_out.value = ""
                return
            from .records.narrative import uncertainty_sentences

            uncertain_out.value = "<span style='color:#0072B2'>⏳ simulating scenarios and re-optimising…</span>"
            try:
                us = self.under_uncertainty(alpha=alpha.value)
                lines = uncertainty_sentences(None, None, us.comparison_, alpha.value, us.status_,
                                              scenarios=us.scenarios)
            except Exception as exc:  # e.g. no portfolio meets the chance constraint: say so in the room
                lines = [f"{type(exc).__name__}: {exc}"]
            uncertain_out.value = "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"

        for control in controls:
            control.observe(redraw, names="value")
        uncertain.observe(on_uncertain, names="value")
        alpha.observe(on_uncertain, names="value")
        record_button.on_click(on_record)
        redraw()
        lever_box = w.VBox([budget, objective, hiring, *cap.values(), w.HBox([uncertain, alpha]), uncertain_out])
        picks = w.HBox([force_in, force_out])
        record_row = w.VBox([w.HBox([decision, w.VBox([decided_by, record_button])]), recorded])
        self._widget = w.VBox([w.HBox([lever_box, picks]), status, *pictures.values(), record_row])
        return self._widget

    def __repr__(self) -> str:
        last = repr(self.result_) if self.result_ is not None else "no what-if yet"
        return f"WorkshopPanel({len(self.history_)} what-ifs; latest: {last})"
