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

from ...exceptions import InfeasiblePortfolioError, PMOError
from ...parallel import executor_for, hold_warnings, reissue_warnings
from .._highs_core import SolverSettings
from ..data import selection_data
from ..model import SelectionOptions, build_model
from ..selector import portfolio_frame
from ..solve import batch_solver
from .baseline import deterministic_portfolio
from .saa import _CHANCE, _METHODS, _STRATEGIES, solve_saa
from .scenarios import _IN_SAMPLE, Scenarios, _blocks, draw_block, draw_scenarios, scenario_spec
from .validation import evaluate_portfolios, overrun_indicators, wilson_interval

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
        Independent scenarios to re-estimate the chosen portfolio's overrun probability.
    confidence : float, default 0.95
        Of the Wilson intervals.
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
    status_, objective_, bound_, gap_ : as solved
    portfolio_ : DataFrame
        :func:`~pmo_analytics.selection.selector.portfolio_frame` of the choice.
    selected_ : list of str
    spend_ : DataFrame
        Per period, the chosen portfolio on the validation scenarios:
        ``budget``, ``mean``, ``p50``, ``p80``, ``p95`` [currency],
        ``p_overrun`` [probability].
    comparison_ : DataFrame
        One row per method (``SAA``, ``deterministic P80`` ...): ``value``
        (expected benefit of the funded projects) and ``hiring`` [currency], ``funded`` [count], ``in_sample_overrun`` and the
        validated ``p_overrun``, ``ci_low``, ``ci_high`` [probability],
        ``mean_spend``, ``p80_spend`` in the horizon [currency].
    deterministic_ : PortfolioSelector or None
    """

    def __init__(self, *, seed: int, alpha: float = 0.1, scenarios: int = 500, method: str = "chance",
                 chance: str = "joint", cvar_limit: float = 0.0, validation_scenarios: int = 10_000,
                 confidence: float = 0.95, objective="risk_adjusted", class_correlation=0.3,
                 cost_duration_correlation="history", min_class_size: int = 3, compare: bool = True,
                 time_limit: float | None = 120.0, gap: float = 0.01, block_size: int = 500,
                 deterministic: bool = False, node_limit: int | None = None, strategy: str = "auto",
                 threads: int | None = None, frontier_alphas=(), options: SelectionOptions | None = None,
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
        if int(scenarios) < 1 or int(validation_scenarios) < 1:
            raise ValueError("scenarios and validation_scenarios must be >= 1")
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
        base = options or SelectionOptions()
        self.options = base.but(**option_kwargs) if option_kwargs else base
        self.data_ = None

    def _solve_kw(self) -> dict:
        """The keyword arguments of every :func:`solve_saa` of this selector (the alpha aside)."""
        return dict(method=self.method, chance=self.chance, cvar_limit=self.cvar_limit, strategy=self.strategy,
                    settings=SolverSettings(time_limit=self.time_limit, node_limit=self.node_limit, gap=self.gap,
                                            seed=self.seed, deterministic=self.deterministic))

    def fit(self, portfolio, committed=None, scores: pd.Series | None = None, client=None) -> "UncertainSelector":
        """Draw the scenarios, solve the SAA model, validate; returns self.

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
        with executor_for(client, self.threads) as ex:
            self.executor_ = repr(ex)
            self.scenarios_ = draw_scenarios(self.spec_, self.scenarios, self.seed, block_size=self.block_size,
                                             executor=ex)
            self._spend = self.scenarios_.column_spend(self.model_.vp, self.model_.vt)
            self._saa, self._det = {}, {}   # solved levels: alpha -> _solve_task's / _deterministic's result
            levels = _levels([self.alpha, *self.frontier_alphas])
            with self._deterministic_rule(levels if self.compare else []) as rule:
                self._solve_levels(levels, ex)
                out, exc, held = self._saa[levels[0]]
                reissue_warnings(held)
                if exc is not None:
                    raise exc
                self.outcome_ = out
                X = [self.outcome_.x]
                E = [self._hire_spend(self.outcome_.hire)]
                labels = ["SAA"]
                self.deterministic_ = None
                det_note = None
                if self.compare:
                    det = rule(self.alpha)
                    if isinstance(det, InfeasiblePortfolioError):
                        det_note = str(det).splitlines()[0]
                    else:
                        xd, hd, self.deterministic_ = det
                        X.append(xd)
                        E.append(hd)
                        labels.append(_det_label(self.alpha))
            sp = evaluate_portfolios(self.spec_, self.model_, np.array(X), self.validation_scenarios, self.seed,
                                     extra=np.array(E), block_size=self.block_size, executor=ex)
        o = self.outcome_
        self.status_, self.objective_, self.bound_, self.gap_ = o.status, o.objective, o.bound, o.gap
        self.portfolio_ = portfolio_frame(self.model_, o.x)
        sel = self.portfolio_[self.portfolio_["selected"]]
        self.selected_ = sel.sort_values(["start_period", "value"], ascending=[True, False]).index.tolist()
        H = self.data_.horizon
        spend = sp[0]
        q = np.percentile(spend, [50, 80, 95], axis=1)
        self.spend_ = pd.DataFrame({"budget": self.budget_, "mean": spend.mean(axis=1), "p50": q[0], "p80": q[1],
                                    "p95": q[2], "p_overrun": (spend > self.budget_[:, None] + 1e-6 *
                                                               self.budget_.max()).mean(axis=1)},
                                   index=pd.Index(np.arange(1, H + 1), name="period"))
        rows = []
        for k, lab in enumerate(labels):
            rows.append(self._row(lab, np.asarray(X[k], dtype=float), E[k], sp[k]))
        if det_note is not None:
            rows.append({"method": _det_label(self.alpha), "note": det_note})
        self.comparison_ = pd.DataFrame(rows).set_index("method")
        return self

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

    def _row(self, label, x, extra, spend) -> dict:
        s = np.einsum("j,jtk->tk", x, self._spend) + self.scenarios_.committed + extra[:, None]
        in_sample = float(overrun_indicators(s, self.budget_).mean())
        over = overrun_indicators(spend, self.budget_)
        lo, hi = wilson_interval(int(over.sum()), len(over), self.confidence)
        tot = spend.sum(axis=0)
        return {"method": label, "value": float(self.model_.obj[: self.model_.nx] @ x),
                "hiring": float(extra.sum()), "funded": int(round(x.sum())), "in_sample_overrun": in_sample,
                "p_overrun": float(over.mean()), "ci_low": lo, "ci_high": hi, "validation_scenarios": len(over),
                "mean_spend": float(tot.mean()), "p80_spend": float(np.percentile(tot, 80)), "note": ""}

    def _check(self):
        if self.data_ is None:
            raise PMOError("UncertainSelector is not fitted; call fit(portfolio) first")

    # ------------------------------------------------------------ sweeps
    def frontier(self, alphas=(0.05, 0.1, 0.2, 0.3), client=None, compare: bool | None = None) -> pd.DataFrame:
        """Expected value against alpha, with today's deterministic portfolio at each alpha.

        Every level is one SAA solve on the in-sample scenarios of the fit
        (levels run in parallel on ``client``); all portfolios are validated
        on the same independent scenarios.

        Returns
        -------
        DataFrame
            ``alpha``, ``method``, ``status``, ``value`` [currency],
            ``funded``, ``in_sample_overrun``, ``p_overrun``, ``ci_low``,
            ``ci_high`` [probability], ``mean_spend``, ``p80_spend``
            [currency], ``note`` (why a level has no portfolio).
        """
        self._check()
        compare = self.compare if compare is None else compare
        alphas = [float(a) for a in alphas]
        if not alphas or not all(0 <= a < 1 for a in alphas):
            raise ValueError(f"alphas must be in [0, 1), got {alphas}")
        with executor_for(client, self.threads) as ex, self._deterministic_rule(alphas if compare else []) as rule:
            self._solve_levels(alphas, ex)
            X, E, meta = [], [], []
            for a in alphas:
                out, exc, held = self._saa[round(a, 12)]
                reissue_warnings(held)
                note = None if exc is None else str(exc).splitlines()[0]
                meta.append((a, "SAA", out.status if out else "infeasible", note, len(X) if out else None))
                if out:
                    X.append(out.x)
                    E.append(self._hire_spend(out.hire))
                if compare:
                    det = rule(a)
                    if isinstance(det, InfeasiblePortfolioError):
                        meta.append((a, _det_label(a), "infeasible", str(det).splitlines()[0], None))
                    else:
                        xd, hd, sel = det
                        meta.append((a, _det_label(a), sel.status_, None, len(X)))
                        X.append(xd)
                        E.append(hd)
            sp = evaluate_portfolios(self.spec_, self.model_, np.array(X), self.validation_scenarios, self.seed,
                                     extra=np.array(E), block_size=self.block_size, executor=ex) if X else None
        rows = []
        for a, lab, status, note, k in meta:
            if k is None:
                rows.append({"alpha": a, "method": "SAA" if lab == "SAA" else "deterministic", "status": status,
                             "note": note or ""})
                continue
            r = self._row(lab, np.asarray(X[k], float), E[k], sp[k])
            r.update(alpha=a, status=status, method="SAA" if lab == "SAA" else "deterministic")
            rows.append(r)
        cols = ["alpha", "method", "status", "value", "hiring", "funded", "in_sample_overrun", "p_overrun", "ci_low",
                "ci_high", "mean_spend", "p80_spend", "note"]
        return pd.DataFrame(rows).reindex(columns=cols)

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
        c = self.comparison_
        s = c.loc["SAA"]
        rows = [
            ("method", f"{self.method} ({self.chance})" if self.method == "chance" else "cvar", "text"),
            ("alpha", self.alpha, "probability"),
            ("in-sample scenarios", self.scenarios, "count"),
            ("status", self.status_, "text"),
            ("gap", self.gap_, "fraction"),
            ("solved", "the whole model (branch and bound)" if self.outcome_.strategy == "branch_and_bound" else
             "in the LP relaxation's neighbourhood (RENS); the gap is to the whole model's LP bound", "text"),
            ("candidates", self.data_.n, "count"),
            ("funded", int(s["funded"]), "count"),
            ("expected value", float(s["value"]), "currency"),
            ("P(overrun) in sample", float(s["in_sample_overrun"]), "probability"),
            ("P(overrun) validated", float(s["p_overrun"]), "probability"),
            (f"P(overrun) {self.confidence:.0%} interval low", float(s["ci_low"]), "probability"),
            (f"P(overrun) {self.confidence:.0%} interval high", float(s["ci_high"]), "probability"),
            ("validation scenarios", self.validation_scenarios, "count"),
        ]
        det = [i for i in c.index if i != "SAA"]
        if det and "value" in c.columns and pd.notna(c.loc[det[0], "value"]):
            d = c.loc[det[0]]
            rows += [(f"{det[0]}: expected value", float(d["value"]), "currency"),
                     (f"{det[0]}: P(overrun) validated", float(d["p_overrun"]), "probability"),
                     ("value gained over the deterministic portfolio", float(s["value"] - d["value"]), "currency")]
        rows += [("build seconds", self.outcome_.build_seconds, "seconds"),
                 ("solve seconds", self.outcome_.solve_seconds, "seconds")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")

    def __repr__(self) -> str:
        if self.data_ is None:
            return (f"UncertainSelector(unfitted: alpha={self.alpha:g}, {self.scenarios} scenarios, "
                    f"method={self.method!r}, seed={self.seed})")
        s = self.comparison_.loc["SAA"]
        return (f"UncertainSelector({self.status_}: {len(self.selected_)} of {self.data_.n} candidates funded, expected "
                f"value {self.objective_:,.6g}, P(overrun) {s['p_overrun']:.1%} validated on "
                f"{self.validation_scenarios} scenarios (alpha {self.alpha:g}, {self.scenarios} in-sample, "
                f"{self.method}), seed {self.seed})")


def _det_label(alpha: float) -> str:
    return f"deterministic P{100 * (1 - alpha):g}"
