"""The :class:`PortfolioSelector` estimator and the greedy baseline."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .data import SelectionData, selection_data
from .heuristics import better_start, carry_solution, repair_portfolio, variant_start
from .model import SelectionModel, SelectionOptions, build_model
from .solve import SolveOutcome, _check_args, solve_model

__all__ = ["PortfolioSelector", "greedy_portfolio", "GreedyResult", "portfolio_frame", "spend_frame",
           "capacity_frame", "limit_frame", "carry_solution", "repair_portfolio", "variant_start"]


def portfolio_frame(model: SelectionModel, x: np.ndarray) -> pd.DataFrame:
    """One row per candidate: whether and when it starts, its value and spend.

    Returns
    -------
    DataFrame
        Indexed by project_id: ``selected``, ``start_period``,
        ``finish_period`` [period], ``value`` (objective contribution,
        discounted for delay), ``base_value`` (undiscounted) [currency or
        points], ``cost`` (spend within the horizon), ``total_cost`` (whole
        profile) [currency], ``bucket``, ``business_unit``, ``mandatory``,
        ``earliest_start``, ``latest_start`` [period].
    """
    d = model.data
    on = np.nonzero(np.asarray(x)[: model.nx] > 0.5)[0]
    start = np.full(d.n, -1)
    start[model.vp[on]] = model.vt[on]
    val = np.zeros(d.n)
    val[model.vp[on]] = model.obj[on]
    cost = np.zeros(d.n)
    cost[model.vp[on]] = model.spend[on].sum(axis=1)
    sel = start > 0
    out = pd.DataFrame({
        "selected": sel,
        "start_period": pd.array(np.where(sel, start, 0), dtype="Int64"),
        "finish_period": pd.array(np.where(sel, start + d.duration - 1, 0), dtype="Int64"),
        "value": val, "base_value": d.value, "cost": cost, "total_cost": d.cost.sum(axis=1),
        "bucket": d.bucket, "business_unit": d.business_unit, "mandatory": d.mandatory,
        "earliest_start": d.earliest, "latest_start": d.latest,
    }, index=pd.Index(d.ids, name="project_id"))
    out.loc[~sel, ["start_period", "finish_period"]] = pd.NA
    return out


def spend_frame(model: SelectionModel, x: np.ndarray, hire: np.ndarray) -> pd.DataFrame:
    """Spend against budget per period [currency]: ``budget``, ``project_spend``, ``hire_spend``, ``headroom``."""
    d, o = model.data, model.options
    xs = np.asarray(x)[: model.nx]
    proj = xs @ model.spend
    hs = np.zeros(d.horizon)
    if len(model.hs):
        np.add.at(hs, model.ht - 1, hire * d.hire_cost[model.hs, model.ht - 1])
    budget = d.budget * o.budget_scale
    return pd.DataFrame({"budget": budget, "project_spend": proj, "hire_spend": hs,
                         "headroom": budget - proj - hs},
                        index=pd.Index(np.arange(1, d.horizon + 1), name="period"))


def capacity_frame(model: SelectionModel, x: np.ndarray, hire: np.ndarray, tol: float = 1e-6) -> pd.DataFrame:
    """Demand vs capacity by skill and period for a portfolio [FTE].

    Returns
    -------
    DataFrame
        Tidy: ``skill``, ``period``, ``demand``, ``capacity`` (with scenario
        deltas), ``hired``, ``utilisation`` (demand / (capacity + hired)) and
        ``bottleneck`` (demand uses all available FTE).
    """
    d, o = model.data, model.options
    S, H = len(d.skills), d.horizon
    xs = np.asarray(x)[: model.nx]
    on = np.nonzero(xs > 0.5)[0]
    dem = d.demand_by_period(model.vp[on], model.vt[on]).sum(axis=0) if len(on) else np.zeros((S, H))
    cap = d.capacity.copy()
    for s, delta in (o.capacity_delta or {}).items():
        cap[d.skills.index(s)] += float(delta)
    hired = np.zeros((S, H))
    if len(model.hs):
        hired[model.hs, model.ht - 1] = hire
    avail = cap + hired
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(avail > 0, dem / np.where(avail > 0, avail, 1), np.where(dem > 0, np.inf, 0.0))
    ss, tt = np.meshgrid(np.arange(S), np.arange(H), indexing="ij")
    return pd.DataFrame({
        "skill": np.asarray(d.skills, dtype=object)[ss.ravel()] if S else np.zeros(0, object),
        "period": tt.ravel() + 1, "demand": dem.ravel(), "capacity": cap.ravel(), "hired": hired.ravel(),
        "utilisation": util.ravel(),
        "bottleneck": (dem.ravel() >= avail.ravel() - tol * np.maximum(1, avail.ravel())) & (dem.ravel() > 0),
    })


def limit_frame(model: SelectionModel, x: np.ndarray, tol: float = 1e-6) -> pd.DataFrame:
    """Use against each generic limit for a portfolio, in the limit's own unit.

    Returns
    -------
    DataFrame
        Tidy, one row per limit and period (``period`` is NA for a limit over
        the whole horizon): ``limit``, ``unit``, ``period``, ``use``,
        ``available`` (after ``limit_scale``; ``inf`` = no cap), ``headroom``
        [unit of the limit] and ``binding`` (use reaches the amount).
    """
    d, o = model.data, model.options
    K, H = len(d.limits), d.horizon
    cols = ["limit", "unit", "period", "use", "available", "headroom", "binding"]
    if K == 0:
        return pd.DataFrame(columns=cols)
    xs = np.asarray(x)[: model.nx]
    on = np.nonzero(xs > 0.5)[0]
    use = d.limit_use_by_period(model.vp[on], model.vt[on]).sum(axis=0) if len(on) else np.zeros((K, H))
    scale = np.array([float((o.limit_scale or {}).get(k, 1.0)) for k in d.limits])
    amount = d.limit_amount * scale[:, None]
    total = d.limit_total * scale
    kk, tt = np.meshgrid(np.arange(K), np.arange(H), indexing="ij")
    per = pd.DataFrame({"limit": np.asarray(d.limits, dtype=object)[kk.ravel()],
                        "unit": np.asarray(d.limit_units, dtype=object)[kk.ravel()],
                        "period": pd.array(tt.ravel() + 1, dtype="Int64"), "use": use.ravel(),
                        "available": amount.ravel()})
    tot = pd.DataFrame({"limit": list(d.limits), "unit": list(d.limit_units),
                        "period": pd.array([pd.NA] * K, dtype="Int64"), "use": use.sum(axis=1), "available": total})
    out = pd.concat([per, tot[np.isfinite(total)]], ignore_index=True)
    out["headroom"] = out["available"] - out["use"]
    av = out["available"].to_numpy(dtype=float)
    fin = np.isfinite(av)
    u = out["use"].to_numpy(dtype=float)
    reach = np.zeros(len(out), dtype=bool)
    reach[fin] = u[fin] >= av[fin] - tol * np.maximum(1, np.abs(av[fin]))
    out["binding"] = reach & (u > 0)
    return out[cols]


class GreedyResult:
    """Outcome of :func:`greedy_portfolio`: ``x`` (0/1 start columns), ``value`` [currency or points],
    ``portfolio`` (:func:`portfolio_frame`), ``skipped`` (project ids dropped), ``feasible``."""

    def __init__(self, model, x, order, skipped, feasible):
        self.model, self.x, self.order, self.skipped, self.feasible = model, x, order, skipped, feasible
        self.value = float(model.obj[: model.nx] @ x)
        self.portfolio = portfolio_frame(model, x)

    def __repr__(self):
        return (f"GreedyResult(value={self.value:,.6g}, {int(self.x.sum())} funded, {len(self.skipped)} dropped, "
                f"{'feasible' if self.feasible else 'INFEASIBLE for the minimum rows'})")


def greedy_portfolio(model: SelectionModel, order=None) -> GreedyResult:
    """Microsoft Project's resource-constrained rule: fund in priority order, drop what does not fit.

    Projects are taken in priority order (mandatory and forced-in first,
    then by value, highest first, unless ``order`` is given); each is
    started at the earliest period of its window where adding it keeps every
    upper-bound row of the model satisfied (budget, capacity without hiring,
    dependencies, exclusions, start caps, maximum shares); otherwise it is
    dropped. Minimum rows (mandatory, minimum shares) are checked at the end
    (``feasible``). The loop is over projects; each test is vectorised over
    the rows of the candidate column.

    Parameters
    ----------
    model : SelectionModel
    order : sequence of str, optional
        Priority order of project ids (default: value descending).

    Returns
    -------
    GreedyResult
    """
    d = model.data
    A = model.A.tocsc()
    hi = model.hi
    act = np.zeros(model.n_rows)
    x = np.zeros(model.nx)
    if order is None:
        forced = np.zeros(d.n, dtype=bool)
        if model.options.mandatory:
            forced |= d.mandatory
        if model.options.force_in:
            forced[d.index_of(model.options.force_in)] = True
        pri = np.lexsort((np.arange(d.n), -d.value, ~forced))
    else:
        pri = d.index_of(order)
    first = np.searchsorted(model.vp, np.arange(d.n))
    last = np.searchsorted(model.vp, np.arange(d.n), side="right")
    scale = np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0)))
    skipped = []
    for i in pri:
        placed = False
        for k in range(first[i], last[i]):
            a, b = A.indptr[k], A.indptr[k + 1]
            r, v = A.indices[a:b], A.data[a:b]
            if np.all(act[r] + v <= hi[r] + 1e-9 * scale[r]):
                act[r] += v
                x[k] = 1.0
                placed = True
                break
        if not placed:
            skipped.append(d.ids[i])
    feasible = not model.violated(np.concatenate([x, np.zeros(len(model.hs))])).any()
    return GreedyResult(model, x, [d.ids[i] for i in pri], skipped, feasible)


class PortfolioSelector:
    """Choose which projects to fund and when: the multi-period selection MILP.

    Parameters
    ----------
    objective : {"risk_adjusted", "npv", "score"} or Series, default "risk_adjusted"
        What to maximise (see :func:`~pmo_analytics.selection.data.selection_data`):
        risk-adjusted benefit or benefit NPV [currency] need neither
        ``criteria`` nor ``scores``; ``"score"`` needs the weighted scores
        [points] passed to :meth:`fit`.
    solver : {"auto", "highs", "cbc", "lns", "anytime"}, default "auto"
        ``auto`` races two solvers chosen by the model's structure (first
        proven optimum wins); ``lns`` is the time-window search alone;
        ``anytime`` the bounded answer of a what-if in the room; see
        :mod:`pmo_analytics.selection.solve`.
    time_limit : float, optional
        Wall-clock limit [s] for interactive use; whether it stopped the
        solve is in ``time_limit_reached_``.
    gap : float, default 0.0
        Relative gap at which the solvers may stop [fraction] (0 = prove
        optimality).
    threads : int, default 1
        Threads per solver (the race runs two solvers).
    deterministic : bool, default False
        Reproducible mode for records: single-threaded solvers, fixed seeds,
        a node limit instead of the clock, a fixed preference between the
        solvers. The same inputs give the same portfolio on any machine.
    node_limit : int, optional
        Branch-and-bound nodes per solver [nodes] (deterministic default
        :data:`~pmo_analytics.selection.solve.DEFAULT_NODE_LIMIT`).
    seed : int, default 0
        Random seed of the solvers (they are deterministic given it).
    warm_start : bool, default True
        Start the solvers from the greedy portfolio when it is feasible (a
        :meth:`variant`: from the better of that and the base portfolio
        repaired to fit).
    options : SelectionOptions, optional
        Constraint switches; keyword arguments override single fields
        (``hiring=True``, ``force_in=("P-001",)``, ``max_starts=3`` ...).

    Attributes
    ----------
    data_ : SelectionData
    model_ : SelectionModel
    outcome_ : SolveOutcome
    status_ : str
        ``"optimal"`` (proven gap <= 1e-9) or ``"within X % of optimal"``.
    proven_optimal_ : bool
    objective_, bound_ : float
        Objective of the portfolio and best proven bound [objective units:
        currency or points, see ``data_.value_label``].
    gap_ : float
        Proven relative gap [fraction].
    solver_ : str
        The solver whose portfolio was taken (the race's winner).
    runs_ : DataFrame
        Every solver run: status, objective, bound, limit, nodes, seconds.
    time_limit_reached_, node_limit_reached_ : bool
        A limit stopped the solve before a proof.
    settings_ : dict
        Solver settings and limit flags, JSON-ready (for a record's manifest).
    logs_ : dict
        Solver logs captured in memory.
    build_seconds_, solve_seconds_ : float
        [s]
    portfolio_ : DataFrame
        :func:`portfolio_frame` of the solution (per project).
    selected_ : list of str
        Funded project ids, by start period.
    spend_ : DataFrame
        :func:`spend_frame` [currency].
    capacity_ : DataFrame
        :func:`capacity_frame` [FTE].
    limits_ : DataFrame
        :func:`limit_frame` [unit of each limit].
    greedy_ : GreedyResult
        The greedy baseline on the same model (also the warm start when feasible).
    """

    def __init__(self, objective="risk_adjusted", solver: str = "auto", time_limit: float | None = None,
                 gap: float = 0.0, threads: int = 1, deterministic: bool = False, node_limit: int | None = None,
                 seed: int = 0, warm_start: bool = True, options: SelectionOptions | None = None, **option_kwargs):
        _check_args(solver, time_limit, gap, threads, deterministic, node_limit, seed)
        self.objective = objective
        self.solver = solver
        self.time_limit = time_limit
        self.gap = gap
        self.threads = threads
        self.deterministic = deterministic
        self.node_limit = node_limit
        self.seed = seed
        self.warm_start = warm_start
        base = options or SelectionOptions()
        self.options = base.but(**option_kwargs) if option_kwargs else base

    def fit(self, portfolio, scores: pd.Series | None = None, costs: pd.Series | None = None,
            start: "PortfolioSelector | None" = None, stop=None) -> "PortfolioSelector":
        """Build and solve the model; returns self.

        Parameters
        ----------
        portfolio : Portfolio or SelectionData
            A validated portfolio, or a prebuilt instance (workshop,
            benchmarks, tests).
        scores : Series, optional
            Weighted scores by project_id [points] (``objective="score"``).
        costs : Series, optional
            Total cost per project_id to use [currency] (e.g. the
            reference-class uplifted cost).
        start : PortfolioSelector, optional
            A selector fitted on the same data whose portfolio the solve
            starts from (carried to this model; repaired by the ``anytime``
            solver, otherwise used when feasible).
        stop : threading.Event, optional
            Stops an ``anytime`` solve early.
        """
        if isinstance(portfolio, SelectionData):
            if scores is not None or costs is not None:
                raise ValueError("scores and costs apply to a Portfolio; a SelectionData is used as it is")
            self.data_ = portfolio
            self._fitted_on = f"SelectionData({portfolio.n} candidates, {portfolio.horizon} periods)"
        else:
            self.data_ = selection_data(portfolio, objective=self.objective, scores=scores, costs=costs)
            self._fitted_on = repr(portfolio)
        self.model_ = build_model(self.data_, self.options)
        warm = None
        if start is not None:
            start._check()
            if start.data_ is not self.data_:
                raise ValueError("start must be a selector fitted on the same data")
            warm = carry_solution(start.model_, np.concatenate([start.x_, start.hire_]), self.model_)
        self._solve(warm, stop=stop)
        return self

    def _solve(self, start: np.ndarray | None = None, stop=None):
        """Solve ``model_`` from the better of the greedy portfolio and ``start`` (when warm-starting); the
        anytime solver gets ``start`` as it is (it repairs it) when there is one."""
        self.greedy_ = greedy_portfolio(self.model_)
        if not self.warm_start:
            warm = None
        elif self.solver == "anytime" and start is not None:
            warm = start
        else:
            warm = better_start(self.model_, self.greedy_, start)
        out = solve_model(self.model_, solver=self.solver, time_limit=self.time_limit, gap=self.gap,
                          threads=self.threads, warm_start=warm, deterministic=self.deterministic,
                          node_limit=self.node_limit, seed=self.seed, stop=stop)
        self._set(out)

    def _set(self, out: SolveOutcome):
        self.outcome_ = out
        self.status_ = out.status
        self.proven_optimal_ = out.proven_optimal
        self.objective_ = out.objective
        self.bound_ = out.bound
        self.gap_ = out.gap
        self.solver_ = out.solver
        self.runs_ = out.runs
        self.time_limit_reached_ = out.time_limit_reached
        self.node_limit_reached_ = out.node_limit_reached
        self.settings_ = out.settings
        self.logs_ = out.logs
        self.build_seconds_ = out.build_seconds
        self.solve_seconds_ = out.solve_seconds
        self.x_ = out.x
        self.hire_ = out.hire
        self.portfolio_ = portfolio_frame(self.model_, out.x)
        sel = self.portfolio_[self.portfolio_["selected"]]
        self.selected_ = sel.sort_values(["start_period", "value"], ascending=[True, False]).index.tolist()
        self.spend_ = spend_frame(self.model_, out.x, out.hire)
        self.capacity_ = capacity_frame(self.model_, out.x, out.hire)
        self.limits_ = limit_frame(self.model_, out.x)

    def _check(self):
        if getattr(self, "data_", None) is None:
            raise ValueError("PortfolioSelector is not fitted; call fit(portfolio) first")

    def solver_settings(self) -> dict:
        """The solver keyword arguments of this selector (``solver``, ``time_limit``, ``gap`` ...)."""
        return dict(solver=self.solver, time_limit=self.time_limit, gap=self.gap, threads=self.threads,
                    deterministic=self.deterministic, node_limit=self.node_limit, seed=self.seed)

    @classmethod
    def from_solution(cls, base: "PortfolioSelector", model, out: SolveOutcome) -> "PortfolioSelector":
        """A fitted selector of ``base``'s data from a variant of its model already solved (``model`` built
        from ``base.data_`` with other options, ``out`` its :class:`SolveOutcome`): nothing is solved again."""
        base._check()
        if model.data is not base.data_:
            raise ValueError("the solved model must be built on the base selector's data")
        new = cls(base.objective, options=model.options, warm_start=base.warm_start, **base.solver_settings())
        new.data_ = base.data_
        new._fitted_on = base._fitted_on
        new.model_ = model
        new.greedy_ = greedy_portfolio(model)
        new._set(out)
        return new

    def variant(self, **changes) -> "PortfolioSelector":
        """A new selector on the same data with some options changed, fitted.

        ``changes`` may set any :class:`SelectionOptions` field and the solver
        settings ``solver``, ``time_limit``, ``gap``, ``threads``,
        ``deterministic``, ``node_limit``, ``seed``, ``warm_start``. The
        solve starts from this selector's portfolio, projects dropped until
        it fits the variant (:func:`variant_start`), when that beats the
        greedy portfolio.
        """
        self._check()
        solver_keys = set(self.solver_settings()) | {"warm_start"}
        sk = {**self.solver_settings(), "warm_start": self.warm_start,
              **{k: v for k, v in changes.items() if k in solver_keys}}
        ok = {k: v for k, v in changes.items() if k not in solver_keys}
        new = PortfolioSelector(self.objective, options=self.options.but(**ok), **sk)
        new.data_ = self.data_
        new._fitted_on = self._fitted_on
        new.model_ = build_model(self.data_, new.options)
        start = None
        if new.warm_start:
            start = variant_start(self.model_, np.concatenate([self.x_, self.hire_]), new.model_)
        new._solve(start)
        return new

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the solved portfolio: long frame with ``measure``, ``value``, ``unit``."""
        self._check()
        p = self.portfolio_
        m = re.search(r"\[(.+)\]", self.data_.value_label)
        vu = m.group(1) if m else self.data_.value_label
        rows = [
            ("status", self.status_, ""), ("proven optimal", self.proven_optimal_, ""),
            ("solver", self.solver_, ""), ("strategy", self.outcome_.strategy, ""),
            ("deterministic", self.deterministic, ""),
            ("objective", self.objective_, vu), ("bound", self.bound_, vu), ("gap", self.gap_, "fraction"),
            ("candidates", int(len(p)), "projects"), ("funded", int(p["selected"].sum()), "projects"),
            ("mandatory funded", int((p["selected"] & p["mandatory"]).sum()), "projects"),
            ("spend in horizon", float(self.spend_["project_spend"].sum()), "currency"),
            ("hiring spend", float(self.spend_["hire_spend"].sum()), "currency"),
            ("budget in horizon", float(self.spend_["budget"].sum()), "currency"),
            ("binding limits", int(self.limits_["binding"].sum()), "limit rows"),
            ("time limit reached", self.time_limit_reached_, ""),
            ("node limit reached", self.node_limit_reached_, ""),
            ("build seconds", self.build_seconds_, "s"), ("solve seconds", self.solve_seconds_, "s"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        if getattr(self, "data_", None) is None:
            return (f"PortfolioSelector(objective={self.objective!r}, solver={self.solver!r}, "
                    f"deterministic={self.deterministic}) unfitted")
        return (f"PortfolioSelector({self.status_}: {len(self.selected_)} of {self.data_.n} candidates funded, "
                f"objective {self.objective_:,.6g} ({self.data_.value_label}), "
                f"gap {f'{self.gap_:.2%}' if np.isfinite(self.gap_) else 'unknown (no bound)'}, "
                f"{self.solver_} ({self.outcome_.strategy}), build {self.build_seconds_:.2f} s, "
                f"solve {self.solve_seconds_:.2f} s) fitted on {self._fitted_on}")
