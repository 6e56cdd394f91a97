"""The estimator: :class:`UncertainSelector` draws the scenarios, solves the SAA, validates, compares.

It sets the SAA portfolio (:func:`~.saa.solve_saa`) beside today's
deterministic rule at the same alpha (:func:`~.baseline.deterministic_portfolio`),
both validated on the same independent scenarios (:mod:`.validation`); its
independent pieces (scenario blocks, alpha levels, SAA replications, validation
blocks) run through :mod:`pmo_analytics.parallel` (threads, or Dask with
``client=``) with the same numbers wherever they run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd
from scipy import special

from ...exceptions import InfeasiblePortfolioError
from ...parallel import executor_for, hold_warnings, reissue_warnings
from .._highs_core import SolverSettings
from ..data import selection_data
from ..model import SelectionOptions, build_model
from ..selector import portfolio_frame
from ..solve import batch_solver
from .baseline import deterministic_portfolio, portfolio_columns
from .calibration import HireRule, Offered, _wilson_high, offer
from .saa import _CHANCE, _METHODS, _STRATEGIES, solve_saa
from .scenarios import _IN_SAMPLE, Scenarios, _blocks, draw_block, draw_scenarios, scenario_spec
from .validation import cvar_overrun, evaluate_portfolios, overrun_indicators, wilson_interval

__all__ = ["UncertainSelector"]


def _solve_task(shared, alpha):
    """One SAA level: ``(outcome, None, warnings)`` or ``(None, InfeasiblePortfolioError, warnings)``, the
    solve's warnings held (:func:`~pmo_analytics.parallel.hold_warnings`) for whoever uses the result."""
    model, spend, budget, committed, kw = shared
    with hold_warnings() as held:
        try:
            return solve_saa(model, spend, budget, alpha, committed=committed, **kw), None, held
        except InfeasiblePortfolioError as exc:
            return None, exc, held


def _levels(alphas) -> list[float]:
    """Distinct alpha levels, in order, as the keys of solved levels (rounded to 12 decimals)."""
    return list(dict.fromkeys(round(float(a), 12) for a in alphas))


def _replication_task(shared, item):
    """One SAA replication ``(seed, K, replication)`` on its own in-sample scenarios: ``(outcome, None)`` or
    ``(None, why)`` when no portfolio is feasible."""
    spec, model, budget, block_size, kw = shared
    seed, K, rep = item
    kw = dict(kw)
    alpha = kw.pop("alpha")
    sc = Scenarios.concat([draw_block(spec, it) for it in _blocks(seed, _IN_SAMPLE, rep, K, block_size)])
    try:
        out = solve_saa(model, sc.column_spend(model.vp, model.vt), budget, alpha, committed=sc.committed, **kw)
        return out, None
    except InfeasiblePortfolioError as exc:
        return None, str(exc).splitlines()[0]


class UncertainSelector:
    """Select the portfolio with the most expected value whose chance of overrunning the budget is bounded.

    Parameters
    ----------
    seed : int
        Seed of the scenarios (required).
    alpha : float, default 0.1
        Allowed probability that spend overruns the budget (in any period
        with ``chance="joint"``).
    scenarios : int, default 500
        In-sample scenarios K of the SAA model.
    method : {"chance", "cvar"}, default "chance"
        Chance constraint with scenario indicators, or a CVaR limit (linear).
    chance : {"joint", "period"}, default "joint"
    cvar_limit : float, default 0
        Limit on the CVaR of the worst period's overrun [currency] (``method="cvar"``).
    validation_scenarios : int, default 10_000
        Independent scenarios on which every portfolio's overrun probability
        is re-estimated, and the offered portfolio checked (at least 10,000
        for the statement the page makes).
    confidence : float, default 0.95
        Of the Wilson intervals, and of the statement that the offered
        portfolio overruns with probability at most alpha.
    calibrate : bool, default True
        Offer the portfolio calibrated out of sample
        (:mod:`~pmo_analytics.selection.uncertainty.calibration`): the SAA
        portfolio, today's rule and the ``reference`` portfolio, tightened on
        ``tuning_scenarios`` scenarios of their own until the check can show
        P(overrun) <= alpha, the most valuable checked on the validation
        scenarios. False offers the SAA portfolio as solved (its chance of
        overrun out of sample is then often above alpha).
    tuning_scenarios : int, default 10_000
        Scenarios the candidates are tightened on (a stream of their own).
    checks : int, default 2
        Fresh check streams a level may use (each at confidence
        ``1 - (1 - confidence) / checks``, so that together they keep ``confidence``).
    objective : {"risk_adjusted", "npv", "score"}, default "risk_adjusted"
        As in :class:`~pmo_analytics.selection.selector.PortfolioSelector`;
        with ``benefit_low``/``benefit_high`` columns, ``risk_adjusted`` is
        ``probability_of_success`` times the mean triangular benefit.
    class_correlation : float or dict, default 0.3
    cost_duration_correlation : "history" or float, default "history"
    min_class_size : int, default 3
    compare : bool, default True
        Also fit today's deterministic portfolio at the same alpha
        (:func:`deterministic_portfolio`) and validate both on the same scenarios.
    frontier_alphas : sequence of float, default ()
        Levels of :meth:`frontier` solved during :meth:`fit`, side by side
        with the SAA at ``alpha`` (and today's rule at each level, when
        ``compare``), so that the cores are never idle while one long solve
        finishes; :meth:`frontier` then uses them as solved. The numbers are
        those of solving them in :meth:`frontier`.
    time_limit : float, optional, default 120
        Per MILP solve [s] (interactive use; a record uses ``deterministic``).
    deterministic : bool, default False
        Reproducible solves for decision records: one thread, fixed solver
        seeds and ``node_limit`` nodes per solve instead of the clock.
    node_limit : int, optional
        Branch-and-bound nodes per solve (deterministic mode: the selection's default).
    strategy : {"auto", "branch_and_bound", "rens"}, default "auto"
        How each SAA model is solved (:func:`solve_saa`): large models in the
        LP relaxation's neighbourhood, with the whole model's LP bound stated.
    gap : float, default 0.01
        Relative MIP gap at which the solver may stop. ``status_`` says
        ``"optimal"`` only when the gap is proven closed, otherwise
        ``"within X % of optimal"`` (chance-constrained MILPs have weak LP
        bounds; ``gap_`` states the gap reached).
    block_size : int, default 500
        Scenarios per block (the unit of parallel work and of the random streams).
    threads : int, optional
        Local threads when no Dask client is given.
    options : SelectionOptions, optional
        Constraint switches (keyword arguments override fields); the
        per-period budget rows are replaced by the scenario rows (hiring,
        when allowed, is paid from them).

    Attributes
    ----------
    data_ : SelectionData
    spec_ : ScenarioSpec
    model_ : SelectionModel
        The structural model (budget rows replaced by the scenario rows).
    scenarios_ : Scenarios
        The in-sample scenarios.
    outcome_ : SAAOutcome
        The SAA solved at ``alpha``.
    status_, objective_, bound_, gap_ : as solved (the SAA)
    offered_ : Offered
        The portfolio offered at ``alpha`` and its evidence (where it came
        from, the projects dropped or added, the check's share and one-sided
        bound, ``shown`` when the bound is <= alpha); with ``calibrate=False``
        the SAA portfolio. ``offered_.x`` is None when no candidate could be
        tightened far enough (the commitments alone overrun too often).
    value_ : float
        Expected value of the offered portfolio, net of hiring [value unit].
    portfolio_ : DataFrame or None
        :func:`~pmo_analytics.selection.selector.portfolio_frame` of the offered portfolio.
    selected_ : list of str
        Its funded projects.
    spend_ : DataFrame or None
        Per period, the offered portfolio on its check scenarios:
        ``budget``, ``mean_spend``, ``p50_spend``, ``p80_spend``, ``p95_spend`` [currency],
        ``p_overrun`` [probability].
    comparison_ : DataFrame
        One row per method (``offered``, ``SAA``, ``deterministic P90``,
        ``recommended`` when a reference is given): ``value`` (expected value
        net of hiring, the objective the SAA maximises) and ``hiring``
        [currency], ``funded`` [count], ``in_sample_overrun`` and the validated
        ``p_overrun``, ``ci_low``, ``ci_high`` (two-sided) and ``p_bound``
        (one-sided, at the check's confidence) [probability], ``cvar_overrun``
        (mean worst-period overrun in the worst alpha share of the scenarios)
        and ``mean_spend``, ``p80_spend`` in the horizon [currency]. Every row
        is validated on the same scenarios (the offered one on the check
        stream that showed it: the same unless a second check was needed).
    deterministic_ : PortfolioSelector or None
    """

    def __init__(self, *, seed: int, alpha: float = 0.1, scenarios: int = 500, method: str = "chance",
                 chance: str = "joint", cvar_limit: float = 0.0, validation_scenarios: int = 10_000,
                 confidence: float = 0.95, objective="risk_adjusted", class_correlation=0.3,
                 cost_duration_correlation="history", min_class_size: int = 3, compare: bool = True,
                 time_limit: float | None = 120.0, gap: float = 0.01, block_size: int = 500,
                 deterministic: bool = False, node_limit: int | None = None, strategy: str = "auto",
                 threads: int | None = None, frontier_alphas=(), calibrate: bool = True,
                 tuning_scenarios: int = 10_000, checks: int = 2, options: SelectionOptions | None = None,
                 **option_kwargs):
        if seed is None:
            raise ValueError("seed is required: pass an int so the scenarios can be reproduced")
        if not 0 <= float(alpha) < 1:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        if method not in _METHODS:
            raise ValueError(f"unknown method {method!r}: use one of {_METHODS}")
        if chance not in _CHANCE:
            raise ValueError(f"unknown chance {chance!r}: use one of {_CHANCE}")
        if strategy not in _STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}: use one of {_STRATEGIES}")
        if int(scenarios) < 1 or int(validation_scenarios) < 1 or int(tuning_scenarios) < 1:
            raise ValueError("scenarios, validation_scenarios and tuning_scenarios must be >= 1")
        if int(checks) < 1:
            raise ValueError(f"checks must be >= 1, got {checks}")
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {confidence}")
        self.seed = int(seed)
        self.alpha = float(alpha)
        self.scenarios = int(scenarios)
        self.method = method
        self.chance = chance
        self.cvar_limit = float(cvar_limit)
        self.validation_scenarios = int(validation_scenarios)
        self.confidence = float(confidence)
        self.objective = objective
        self.class_correlation = class_correlation
        self.cost_duration_correlation = cost_duration_correlation
        self.min_class_size = int(min_class_size)
        self.compare = bool(compare)
        self.deterministic = bool(deterministic)
        self.node_limit = node_limit
        self.strategy = strategy
        if self.deterministic and time_limit is not None:
            time_limit = None  # the deterministic mode stops on nodes, never on the clock
        self.time_limit = time_limit
        self.gap = float(gap)
        self.block_size = int(block_size)
        self.threads = threads
        self.frontier_alphas = tuple(float(a) for a in frontier_alphas)
        if not all(0 <= a < 1 for a in self.frontier_alphas):
            raise ValueError(f"frontier_alphas must be in [0, 1), got {frontier_alphas}")
        self.calibrate = bool(calibrate)
        self.tuning_scenarios = int(tuning_scenarios)
        self.checks = int(checks)
        base = options or SelectionOptions()
        self.options = base.but(**option_kwargs) if option_kwargs else base

    def _solve_kw(self) -> dict:
        """The keyword arguments of every :func:`solve_saa` of this selector (the alpha aside)."""
        return dict(method=self.method, chance=self.chance, cvar_limit=self.cvar_limit, strategy=self.strategy,
                    settings=SolverSettings(time_limit=self.time_limit, node_limit=self.node_limit, gap=self.gap,
                                            seed=self.seed, deterministic=self.deterministic))

    def fit(self, portfolio, committed=None, scores: pd.Series | None = None, client=None,
            reference=None) -> "UncertainSelector":
        """Draw the scenarios, solve the SAA model, calibrate, validate; returns self.

        Parameters
        ----------
        portfolio : Portfolio
        committed : PortfolioRiskModel, optional
            A run of the active projects
            (:class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel`): their
            simulated spend replaces their reference-class scenarios.
        scores : Series, optional
            Weighted scores (``objective="score"``).
        client : distributed.Client, str or Executor, optional
            Draw and validate scenario blocks on a Dask cluster.
        reference : PortfolioSelector, optional
            A fitted deterministic selection (the review's recommended
            portfolio): validated on the same scenarios (``comparison_`` row
            ``recommended``) and a candidate of the calibration.
        """
        pf = portfolio
        self.portfolio = pf
        self._scores = scores
        objective = self.objective
        p = pf.projects
        if objective == "risk_adjusted" and ("benefit_low" in p or "benefit_high" in p):
            mode = p["benefit_npv"].astype(float)
            lo = p["benefit_low"].astype(float).fillna(mode) if "benefit_low" in p else mode
            hi = p["benefit_high"].astype(float).fillna(mode) if "benefit_high" in p else mode
            objective = pd.Series(((lo + mode + hi) / 3 * p["probability_of_success"].astype(float)).to_numpy(),
                                  index=p["project_id"].astype(str).to_numpy(), name="expected benefit [currency]")
        self._objective = objective
        self.data_ = selection_data(pf, objective=objective, scores=scores)
        self.spec_ = scenario_spec(self.data_, pf, class_correlation=self.class_correlation,
                                   cost_duration_correlation=self.cost_duration_correlation,
                                   min_class_size=self.min_class_size, committed=committed)
        self.model_ = build_model(self.data_, self.options.but(budget=False, total_budget=None))
        self.budget_ = self.data_.budget * self.options.budget_scale
        self._rule = HireRule(self.model_)
        self._reference = None if reference is None else portfolio_columns(self.model_, reference)
        with executor_for(client, self.threads) as ex:
            self.executor_ = repr(ex)
            self.scenarios_ = draw_scenarios(self.spec_, self.scenarios, self.seed, block_size=self.block_size,
                                             executor=ex)
            self._spend = self.scenarios_.column_spend(self.model_.vp, self.model_.vt)
            self._saa, self._det = {}, {}   # solved levels: alpha -> _solve_task's / _deterministic's result
            self._offers, self._rows = {}, {}   # offered levels: alpha -> Offered, and its rows (with spend)
            levels = _levels([self.alpha, *self.frontier_alphas])
            with self._deterministic_rule(levels if self.compare else []) as rule:
                self._solve_levels(levels, ex)
                out, exc, held = self._saa[levels[0]]
                if exc is not None:
                    reissue_warnings(held)
                    raise exc
                self.outcome_ = out
                rows = self._level_rows(self.alpha, rule, self.compare)   # issues the solve's warnings
            self.deterministic_ = next((r["selector"] for r in rows if r["kind"] == "deterministic"), None)
            rows.append(self._reference_row())
            self._validate([self.alpha], {self.alpha: rows}, ex)
        o = self.outcome_
        self.status_, self.objective_, self.bound_, self.gap_ = o.status, o.objective, o.bound, o.gap
        self.offered_ = self._offers[self.alpha]
        off = self.offered_
        self.value_ = float(off.value)
        self.portfolio_, self.selected_, self.spend_ = None, [], None
        if off.x is not None:
            self.portfolio_ = portfolio_frame(self.model_, off.x)
            sel = self.portfolio_[self.portfolio_["selected"]]
            self.selected_ = sel.sort_values(["start_period", "value"], ascending=[True, False]).index.tolist()
            spend = off.spend
            q = np.percentile(spend, [50, 80, 95], axis=1)
            self.spend_ = pd.DataFrame({"budget": self.budget_, "mean_spend": spend.mean(axis=1), "p50_spend": q[0],
                                        "p80_spend": q[1], "p95_spend": q[2],
                                        "p_overrun": (spend > self.budget_[:, None] + 1e-6 *
                                                      self.budget_.max()).mean(axis=1)},
                                       index=pd.Index(np.arange(1, self.data_.horizon + 1), name="period"))
        self.comparison_ = pd.DataFrame([self._out_row(self.alpha, r) for r in self._rows[self.alpha]
                                         if r is not None]).set_index("method")
        return self

    def _level_rows(self, alpha, rule, compare) -> list:
        """The portfolios of one level: the SAA as solved and today's rule (``rule``; None: not compared).

        Each is a dict with ``label``, ``kind``, ``x`` (None: no portfolio), ``hire_spend`` [currency],
        ``status``, ``note``, and ``selector`` (today's rule's).
        """
        out, exc, held = self._saa[round(float(alpha), 12)]
        reissue_warnings(held)
        rows = [{"label": "SAA", "kind": "SAA", "x": None if out is None else out.x,
                 "hire_spend": None if out is None else self._hire_spend(out.hire),
                 "status": "infeasible" if out is None else out.status,
                 "note": "" if exc is None else str(exc).splitlines()[0], "selector": None}]
        if compare:
            det = rule(alpha)
            if isinstance(det, InfeasiblePortfolioError):
                rows.append({"label": _det_label(alpha), "kind": "deterministic", "x": None, "hire_spend": None,
                             "status": "infeasible", "note": str(det).splitlines()[0], "selector": None})
            else:
                xd, hd, sel = det
                rows.append({"label": _det_label(alpha), "kind": "deterministic", "x": xd, "hire_spend": hd,
                             "status": sel.status_, "note": "", "selector": sel})
        return rows

    def _reference_row(self):
        if self._reference is None:
            return None
        x, hs = self._reference
        return {"label": "recommended", "kind": "recommended", "x": x, "hire_spend": hs, "status": "", "note": "",
                "selector": None}

    def _validate(self, levels, rows_by_level, ex) -> None:
        """Offer a portfolio at each of ``levels`` (calibrated, or the SAA's) and validate every row on the
        validation scenarios; keeps ``self._offers`` and ``self._rows`` (rows with their spend)."""
        rows = [r for a in levels for r in rows_by_level[a] if r is not None and r["x"] is not None]
        also = np.array([r["x"] for r in rows]) if rows else None
        extra = np.array([r["hire_spend"] for r in rows]) if rows else None
        if self.calibrate:
            pools = {}
            for a in levels:
                pool = {(r["label"] if r["kind"] != "SAA" else f"SAA {a:g}"): r["x"]
                        for r in rows_by_level[a] if r is not None and r["x"] is not None}
                pools[a] = pool
            offers, sp = offer(self.spec_, self.model_, pools, budget=self.budget_, seed=self.seed,
                               tuning_scenarios=self.tuning_scenarios, check_scenarios=self.validation_scenarios,
                               confidence=self.confidence, checks=self.checks, block_size=self.block_size,
                               executor=ex, also=also, also_extra=extra)
        else:
            sp = evaluate_portfolios(self.spec_, self.model_, also, self.validation_scenarios, self.seed,
                                     extra=extra, block_size=self.block_size, executor=ex) if rows else None
            offers = {}
            for a in levels:
                k = next((i for i, r in enumerate(rows) if r is rows_by_level[a][0]), None)
                saa = rows_by_level[a][0]
                if k is None:
                    offers[a] = Offered(a, None, None, np.nan, "", [], [], np.nan, 0, self.validation_scenarios, 0,
                                        self.confidence, np.nan, np.nan, False)
                    continue
                out = self._saa[round(a, 12)][0]
                n_over = int(overrun_indicators(sp[k], self.budget_).sum())
                bound = _one_sided(n_over, sp.shape[2], self.confidence)
                offers[a] = Offered(a, out.x, out.hire, float(out.objective), f"SAA {a:g}", [], [], np.nan, 0,
                                    self.validation_scenarios, 1, self.confidence, n_over / sp.shape[2], bound,
                                    bound <= a, sp[k])
        for i, r in enumerate(rows):
            r["spend"] = sp[i]
        for a in levels:
            self._offers[a] = offers[a]
            o = offers[a]
            head = {"label": "offered", "kind": "offered", "x": o.x,
                    "hire_spend": None if o.x is None else self._rule.spend(o.hire),
                    "status": ("shown" if o.shown else "not shown") if o.x is not None else "none",
                    "note": _offer_note(o), "selector": None, "spend": o.spend, "offer": o}
            self._rows[a] = [head] + [r for r in rows_by_level[a] if r is not None]

    def _out_row(self, alpha, r) -> dict:
        """A row of ``comparison_`` / :meth:`frontier` from a level's portfolio ``r``."""
        if r["x"] is None:
            return {"method": r["label"], "status": r["status"], "note": r["note"]}
        out = self._row(r["label"], np.asarray(r["x"], dtype=float), r["hire_spend"], r["spend"], alpha)
        o = r.get("offer")
        if o is not None:
            out["p_bound"] = o.bound
        out.update(status=r["status"], note=r["note"])
        return out

    def _solve_levels(self, alphas, ex) -> None:
        """Solve the SAA at each of ``alphas`` not solved yet (in ``ex``, side by side, when more than one)."""
        todo = [a for a in _levels(alphas) if a not in self._saa]
        if not todo:
            return
        shared = (self.model_, self._spend, self.budget_, self.scenarios_.committed, self._solve_kw())
        solved = [_solve_task(shared, todo[0])] if len(todo) == 1 else ex.map(_solve_task, todo, shared=shared)
        self._saa.update(zip(todo, solved))

    def _deterministic(self, alpha: float, solver: str = "auto"):
        """Today's rule at ``alpha`` (:func:`deterministic_portfolio`): ``(x, hire, selector)``, or the
        :class:`InfeasiblePortfolioError` when no portfolio fits the uplifted costs; with the warnings of
        the solve held (:func:`~pmo_analytics.parallel.hold_warnings`)."""
        with hold_warnings() as held:
            try:
                res = deterministic_portfolio(self.portfolio, self.model_, alpha if alpha > 0 else 0.01,
                                              objective=self._objective, scores=self._scores, options=self.options,
                                              time_limit=self.time_limit, deterministic=self.deterministic,
                                              seed=self.seed, solver=solver)
            except InfeasiblePortfolioError as exc:
                res = exc
        return res, held

    @contextmanager
    def _deterministic_rule(self, alphas):
        """Today's rule at each of ``alphas``, solved beside the caller's SAA solves when it can be.

        Yields ``rule(alpha)``, which returns :meth:`_deterministic`'s result, solved once per fit (kept
        for :meth:`frontier`) and its warnings issued in the caller's thread. When
        :func:`~pmo_analytics.selection.solve.batch_solver` names a solver for the model (a deterministic
        record of a large model), the alphas' MILPs are solved one after another in a background thread
        with that solver (the time-window search in a child process, one core) while the SAA solves run,
        and all of them before the block ends; otherwise each is solved when asked, as a race on two cores.
        Either way node limits, not the clock, end every solve, so a record replays to the same numbers
        (the search alone may return another portfolio than the race would have: see ``batch_solver``).
        """
        todo = [a for a in _levels(alphas) if a not in self._det]
        fast = batch_solver(self.model_, solver="auto", deterministic=self.deterministic,
                            time_limit=self.time_limit) if todo else None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-det") if fast else None
        futures = {a: pool.submit(self._deterministic, a, fast) for a in todo} if fast else {}

        def rule(alpha):
            key = round(float(alpha), 12)
            if key not in self._det:
                self._det[key] = futures[key].result() if key in futures else self._deterministic(alpha)
            res, held = self._det[key]
            reissue_warnings(held)
            return res

        try:
            yield rule
            for a in futures:   # all of them solved before the block ends, kept for frontier()
                if a not in self._det:
                    self._det[a] = futures[a].result()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _hire_spend(self, hire) -> np.ndarray:
        """Hiring spend per period of a solution's hire columns [currency]."""
        m = self.model_
        out = np.zeros(self.data_.horizon)
        if len(m.hs):
            np.add.at(out, m.ht - 1, np.asarray(hire, float) * self.data_.hire_cost[m.hs, m.ht - 1])
        return out

    def _hire_weight(self) -> float:
        """Value lost per unit of hiring spend in the objective, as :func:`~pmo_analytics.selection.model.build_model`
        weighs it (``hire_weight``; default 1 for a value in currency)."""
        w = self.model_.options.hire_weight
        return float(w) if w is not None else (1.0 if "currency" in self.data_.value_label else 1e-9)

    def _row(self, label, x, extra, spend, alpha) -> dict:
        s = np.einsum("j,jtk->tk", x, self._spend) + self.scenarios_.committed + extra[:, None]
        in_sample = float(overrun_indicators(s, self.budget_).mean())
        over = overrun_indicators(spend, self.budget_)
        n_over = int(over.sum())
        lo, hi = wilson_interval(n_over, len(over), self.confidence)
        tot = spend.sum(axis=0)
        m = self.model_
        return {"method": label, "value": float(m.obj[: m.nx] @ x) - self._hire_weight() * float(extra.sum()),
                "hiring": float(extra.sum()), "funded": int(round(x.sum())), "in_sample_overrun": in_sample,
                "p_overrun": float(over.mean()), "ci_low": lo, "ci_high": hi,
                "p_bound": _one_sided(n_over, len(over), 1 - (1 - self.confidence) / self.checks),
                "cvar_overrun": cvar_overrun(spend, self.budget_, alpha) if 0 < alpha < 1 else np.nan,
                "validation_scenarios": len(over), "mean_spend": float(tot.mean()),
                "p80_spend": float(np.percentile(tot, 80)), "note": ""}

    def _check(self):
        if getattr(self, "data_", None) is None:
            raise ValueError("UncertainSelector is not fitted; call fit(portfolio) first")  # a misuse, not bad data

    # ------------------------------------------------------------ sweeps
    def frontier(self, alphas=(0.05, 0.1, 0.2, 0.3), client=None, compare: bool | None = None) -> pd.DataFrame:
        """Expected value against alpha: the portfolio offered at each alpha, the SAA as solved, today's rule.

        Every level is one SAA solve on the in-sample scenarios of the fit
        (levels run in parallel on ``client``), its offered portfolio
        calibrated from that level's own candidates (as :meth:`fit` does at
        ``alpha``: the level offered by the fit is reused); all portfolios
        are validated on the same independent scenarios.

        Returns
        -------
        DataFrame
            ``alpha``, ``method`` (``offered``, ``SAA``, ``deterministic``),
            ``status``, ``value``, ``hiring`` [currency], ``funded``,
            ``in_sample_overrun``, ``p_overrun``, ``ci_low``, ``ci_high``,
            ``p_bound`` [probability], ``cvar_overrun``, ``mean_spend``,
            ``p80_spend`` [currency], ``note`` (why a level has no portfolio).
        """
        self._check()
        compare = self.compare if compare is None else compare
        alphas = [float(a) for a in alphas]
        if not alphas or not all(0 <= a < 1 for a in alphas):
            raise ValueError(f"alphas must be in [0, 1), got {alphas}")
        levels = _levels(alphas)
        with executor_for(client, self.threads) as ex:
            with self._deterministic_rule(levels if compare else []) as rule:
                self._solve_levels(levels, ex)
                todo = [a for a in levels if a not in self._offers]
                rows = {a: self._level_rows(a, rule, compare) + [self._reference_row()] for a in todo}
            if todo:
                self._validate(todo, rows, ex)
        out = []
        for a in levels:
            for r in self._rows[a]:
                if r["kind"] == "recommended" or (r["kind"] == "deterministic" and not compare):
                    continue
                row = self._out_row(a, r)
                row.update(alpha=a, method=r["kind"])
                out.append(row)
        cols = ["alpha", "method", "status", "value", "hiring", "funded", "in_sample_overrun", "p_overrun", "ci_low",
                "ci_high", "p_bound", "cvar_overrun", "mean_spend", "p80_spend", "note"]
        return pd.DataFrame(out).reindex(columns=cols)

    def convergence(self, sizes=(50, 100, 200, 400), replications: int = 5, client=None) -> pd.DataFrame:
        """SAA replications at growing K: how the optimum and its validated overrun settle.

        Each (K, replication) draws its own in-sample scenarios and solves
        (tasks run in parallel on ``client``); every solution is validated on
        the same independent scenarios.

        Returns
        -------
        DataFrame
            One row per K: ``replications``, ``mean_value``, ``sd_value``
            [currency], ``gap_to_largest`` (|mean value - mean value at the
            largest K|) [currency], ``mean_p_overrun``, ``max_p_overrun``
            [probability], ``proven`` (replications proven optimal).
        """
        self._check()
        sizes = [int(k) for k in sizes]
        if not sizes or min(sizes) < 1 or int(replications) < 1:
            raise ValueError("sizes and replications must be positive")
        items = [(self.seed, K, r + 1) for K in sizes for r in range(int(replications))]
        kw = dict(self._solve_kw(), alpha=self.alpha)
        with executor_for(client, self.threads) as ex:
            res = ex.map(_replication_task, items, shared=(self.spec_, self.model_, self.budget_, self.block_size, kw))
            ok = [(it, out) for it, (out, _n) in zip(items, res) if out is not None]
            sp = evaluate_portfolios(self.spec_, self.model_, np.array([o.x for _, o in ok]),
                                     self.validation_scenarios, self.seed,
                                     extra=np.array([self._hire_spend(o.hire) for _, o in ok]),
                                     block_size=self.block_size, executor=ex) if ok else None
        per = pd.DataFrame([{"K": it[1], "replication": it[2], "value": o.objective, "proven": o.proven_optimal,
                             "p_overrun": float(overrun_indicators(sp[k], self.budget_).mean())}
                            for k, (it, o) in enumerate(ok)])
        if per.empty:
            raise InfeasiblePortfolioError("no replication had a feasible portfolio")
        g = per.groupby("K")
        out = pd.DataFrame({"replications": g.size(), "mean_value": g["value"].mean(),
                            "sd_value": g["value"].std(ddof=1), "mean_p_overrun": g["p_overrun"].mean(),
                            "max_p_overrun": g["p_overrun"].max(), "proven": g["proven"].sum()})
        out["gap_to_largest"] = (out["mean_value"] - out["mean_value"].iloc[-1]).abs()
        self.replications_ = per
        return out

    # ------------------------------------------------------------ reporting
    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers, one row per measure (``value`` and ``unit``)."""
        self._check()
        c, o = self.comparison_, self.offered_
        s = c.loc["SAA"]
        rows = [
            ("method", f"{self.method} ({self.chance})" if self.method == "chance" else "cvar", "text"),
            ("alpha", self.alpha, "probability"),
            ("candidates", self.data_.n, "count"),
            ("offered: calibrated", self.calibrate, "text"),
            ("offered: from", o.source or "none", "text"),
            ("offered: shown under alpha", bool(o.shown), "text"),
        ]
        if o.x is not None:
            f = c.loc["offered"]
            rows += [("offered: funded", int(f["funded"]), "count"),
                     ("offered: expected value", float(f["value"]), "currency"),
                     ("offered: hiring", float(f["hiring"]), "currency"),
                     ("offered: P(overrun) validated", float(f["p_overrun"]), "probability"),
                     (f"offered: P(overrun) one-sided {o.confidence:.1%} bound", float(o.bound), "probability"),
                     ("offered: projects dropped", len(o.dropped), "count"),
                     ("offered: projects added", len(o.added), "count"),
                     ("offered: P(overrun) on the tuning scenarios", float(o.tuning_overrun), "probability"),
                     ("tuning scenarios", int(o.tuning_scenarios), "count"),
                     ("checks", int(o.checks), "count")]
            if self.method == "cvar":
                rows.append((f"offered: CVaR {1 - self.alpha:.0%} of the overrun", float(f["cvar_overrun"]),
                             "currency"))
        rows += [
            ("SAA: in-sample scenarios", self.scenarios, "count"),
            ("SAA: status", self.status_, "text"),
            ("SAA: gap", self.gap_, "fraction"),
            ("SAA: solved", "the whole model (branch and bound)" if self.outcome_.strategy == "branch_and_bound"
             else "in the LP relaxation's neighbourhood (RENS); the gap is to the whole model's LP bound", "text"),
            ("SAA: funded", int(s["funded"]), "count"),
            ("SAA: expected value", float(s["value"]), "currency"),
            ("SAA: P(overrun) in sample", float(s["in_sample_overrun"]), "probability"),
            ("SAA: P(overrun) validated", float(s["p_overrun"]), "probability"),
            (f"SAA: P(overrun) {self.confidence:.0%} interval low", float(s["ci_low"]), "probability"),
            (f"SAA: P(overrun) {self.confidence:.0%} interval high", float(s["ci_high"]), "probability"),
        ]
        if self.method == "cvar":
            rows.append((f"SAA: CVaR {1 - self.alpha:.0%} of the overrun", float(s["cvar_overrun"]), "currency"))
        rows.append(("validation scenarios", self.validation_scenarios, "count"))
        for lab in c.index:
            if lab in ("offered", "SAA") or "value" not in c.columns or pd.isna(c.loc[lab, "value"]):
                continue
            d = c.loc[lab]
            rows += [(f"{lab}: expected value", float(d["value"]), "currency"),
                     (f"{lab}: P(overrun) validated", float(d["p_overrun"]), "probability")]
            if o.x is not None:
                rows.append((f"value given up against {lab}", float(d["value"] - c.loc["offered", "value"]),
                             "currency"))
        if o.x is not None:
            rows.append(("value given up against the SAA", float(s["value"] - c.loc["offered", "value"]), "currency"))
        rows += [("build seconds", self.outcome_.build_seconds, "seconds"),
                 ("solve seconds", self.outcome_.solve_seconds, "seconds")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")

    def __repr__(self) -> str:
        if getattr(self, "data_", None) is None:
            return (f"UncertainSelector(unfitted: alpha={self.alpha:g}, {self.scenarios} scenarios, "
                    f"method={self.method!r}, seed={self.seed})")
        o = self.offered_
        if o.x is None:
            head = f"no portfolio can be shown to overrun with probability <= {self.alpha:g}"
        else:
            head = (f"{len(self.selected_)} of {self.data_.n} candidates funded, expected value {self.value_:,.6g}, "
                    f"P(overrun) {o.p_check:.1%} on {o.check_scenarios} check scenarios, at most {o.bound:.1%} "
                    f"({o.confidence:.1%} one-sided){'' if o.shown else ', NOT shown under alpha'}")
        return (f"UncertainSelector(offered at alpha {self.alpha:g}: {head}; SAA {self.status_} on {self.scenarios} "
                f"in-sample scenarios ({self.method}), seed {self.seed})")


def _one_sided(k: int, n: int, confidence: float) -> float:
    """One-sided Wilson upper bound of ``k`` overruns in ``n`` scenarios [probability]."""
    return _wilson_high(k, n, float(special.ndtri(confidence)))


def _offer_note(o) -> str:
    """What the offered row's note says: where the portfolio came from, or why there is none."""
    if o.x is None:
        return "no candidate could be tightened under alpha (the commitments alone overrun too often)"
    what = [f"from {o.source}"]
    if o.dropped:
        what.append(f"{len(o.dropped)} dropped")
    if o.added:
        what.append(f"{len(o.added)} added")
    if not o.shown:
        what.append(f"bound {o.bound:.1%} above alpha after {o.checks} check(s)")
    return ", ".join(what)


def _det_label(alpha: float) -> str:
    return f"deterministic P{100 * (1 - alpha):g}"
