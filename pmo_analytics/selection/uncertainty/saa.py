"""The SAA model of the chance-constrained (or CVaR-limited) selection, built on scenario rows and solved by HiGHS.

A sample-average approximation (SAA) of the chance-constrained program
(Luedtke & Ahmed, "A sample approximation approach for optimization with
probabilistic constraints", *SIAM J. Optim.* 19(2), 2008; Pagnoncelli, Ahmed &
Shapiro, "Sample average approximation method for chance constrained
programming: theory and applications", *J. Optim. Theory Appl.* 142, 2009)::

    max  sum_j v_j x_j
    s.t. the rows of the deterministic model except the budget rows
         sum_j a_ktj x_j + c_kt - M_kt z_k <= B_t      every scenario k, period t
         sum_k z_k <= floor(alpha K)                   chance constraint
         x, z binary

or, with ``method="cvar"``, the conditional value at risk of the worst
period's overrun ``L_k = max_t (spend_kt - B_t)`` linear with Rockafellar &
Uryasev's auxiliary variables ("Optimization of conditional value-at-risk",
*J. Risk* 2(3), 2000)::

    eta + 1 / (alpha K) sum_k u_k <= cvar_limit,   u_k >= L_kt(x) - eta,  u_k >= 0
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pulp

from ...exceptions import InfeasiblePortfolioError, SolverError, SolverWarning
from ...parallel import warn
from .._highs_core import SolverSettings
from ..solve import DEFAULT_NODE_LIMIT, find_conflicts, status_words
from .highs_driver import _silence_banner, _WarmHiGHS
from .strengthen import _greedy_start, _quantile_big_m

__all__ = ["SAAOutcome", "solve_saa", "RENS_MIN_NONZEROS"]

OPTIMAL = "optimal"
FEASIBLE = "feasible, not proven optimal"
_METHODS = ("chance", "cvar")
_CHANCE = ("joint", "period")
_STRATEGIES = ("auto", "branch_and_bound", "rens")
#: Scenario-row coefficients from which ``solve_saa(strategy="auto")`` solves the RENS neighbourhood.
RENS_MIN_NONZEROS = 500_000


@dataclass
class SAAOutcome:
    """A solved SAA model.

    Attributes
    ----------
    status : str
        ``"optimal"`` or ``"feasible, not proven optimal"``.
    objective, bound : float
        Expected value of the portfolio and the solver's bound [model's value unit].
    gap : float
        Relative gap.
    x : ndarray
        0/1 per start column.
    hire : ndarray
        Extra FTE per hire column of the model.
    overrun : ndarray of bool, shape (K,)
        Scenarios (any period, or per period with ``chance="period"``: shape (H, K))
        in which the chosen portfolio overruns the budget (in-sample).
    alpha, K, method, chance : as solved
    allowed : int
        Scenarios allowed to overrun: ``floor(alpha K)``.
    rows : int
        Scenario rows in the model (after dropping rows that cannot bind).
    build_seconds, solve_seconds : float
    strategy : str
        ``"branch_and_bound"`` (the whole model) or ``"rens"`` (the LP's
        neighbourhood, bound from the whole model's LP), see :func:`solve_saa`.
    nonzeros : int
        Coefficients of the scenario rows.
    """

    status: str
    objective: float
    bound: float
    gap: float
    x: np.ndarray
    hire: np.ndarray
    overrun: np.ndarray
    alpha: float
    K: int
    method: str
    chance: str
    allowed: int
    rows: int
    build_seconds: float
    solve_seconds: float
    strategy: str = "branch_and_bound"
    nonzeros: int = 0

    @property
    def proven_optimal(self) -> bool:
        return self.status == OPTIMAL


def solve_saa(model, spend: np.ndarray, budget: np.ndarray, alpha: float, *, committed: np.ndarray | None = None,
              method: str = "chance", chance: str = "joint", cvar_limit: float = 0.0,
              settings: SolverSettings | None = None, strategy: str = "auto", strengthen: bool = True,
              warm_start: bool = True) -> SAAOutcome:
    """Solve the SAA of the chance-constrained (or CVaR-limited) selection model.

    Parameters
    ----------
    model : SelectionModel
        The structural model (:func:`~pmo_analytics.selection.model.build_model`
        with ``budget=False``): its rows are kept, its objective maximised.
        Hire columns (``hiring=True``) are paid from each period's budget in
        every scenario; each is bounded by the largest shortfall of its skill
        and period any portfolio can have (hiring more never helps), which
        keeps the big-M values finite and tight.
    spend : ndarray, shape (nx, H, K)
        Spend of each start column in each period and scenario [currency].
    budget : ndarray, shape (H,)
        Budget per period [currency].
    alpha : float
        Allowed probability of overrun (0 <= alpha < 1).
    committed : ndarray, shape (H, K), optional
        Spend outside the columns in each period and scenario [currency].
    method : {"chance", "cvar"}
    chance : {"joint", "period"}
        Bound P(any period overruns) or each period's P(overrun).
    cvar_limit : float, default 0
        ``method="cvar"``: limit on the CVaR at level ``1 - alpha`` of the worst
        period's overrun [currency].
    settings : SolverSettings, optional
        How HiGHS may run (default ``SolverSettings()``: no limit, gap 0).
        ``time_limit`` [s]: a stopped solve is reported "within X % of optimal"
        with a :class:`~pmo_analytics.exceptions.SolverWarning`; ``gap``: the
        relative MIP gap at which HiGHS may stop; ``node_limit``: the
        branch-and-bound nodes it may explore. ``deterministic``: a
        reproducible solve (a decision record gives the same portfolio on
        replay): one thread, ``seed`` as HiGHS's random seed and ``node_limit``
        nodes (default :data:`~pmo_analytics.selection.solve.DEFAULT_NODE_LIMIT`)
        instead of the clock; a ``time_limit`` is refused. Outside the
        deterministic mode HiGHS keeps its own thread count and seed.
    strategy : {"auto", "branch_and_bound", "rens"}, default "auto"
        ``"branch_and_bound"`` hands HiGHS the whole model. ``"rens"`` solves
        the LP relaxation first, then the MILP with every binary column that
        is 0 in the LP fixed at 0 (relaxation enforced neighbourhood search,
        Berthold, "RENS: the optimal rounding", *Math. Program. Comput.* 6,
        2014); the portfolio is feasible for the whole model and the bound
        stated is the whole model's LP bound, so the gap is honest (a
        neighbourhood without a feasible portfolio falls back to the whole
        model). ``"auto"``: ``"rens"`` from :data:`RENS_MIN_NONZEROS` scenario
        coefficients on. There HiGHS spends minutes in the root cut loop of
        the dense scenario rows for a bound under 1 % better than the LP's:
        the review's SAA at 40x the sample (2.5 M coefficients, 200 nodes)
        took 324 s for a portfolio 0.4 % worse than RENS found in 35 s (gap
        19.9 % against 20.0 %); at 10x (0.63 M) the whole model, 49 s, was
        2.7 % better than RENS in 12 s, but the portfolio offered after the
        calibration (:mod:`.calibration`) only 1.1 % better (452.8 M against
        447.7 M, both shown under alpha; 381.8 s against 114.5 s on a loaded
        machine), so the threshold sits below 10x (``benchmarks/bench_saa.py --data``).
    strengthen : bool, default True
        Tighten each big-M by the scenario-pair quantile bound (:func:`_quantile_big_m`);
        a row whose bound is <= 0 (no portfolio within the chance constraint
        overruns it) is kept as a hard row without its indicator.
    warm_start : bool, default True
        Start the solver from a greedy portfolio that satisfies the chance
        (or CVaR) constraint on the scenarios (:func:`_greedy_start`).

    Returns
    -------
    SAAOutcome

    Raises
    ------
    InfeasiblePortfolioError
        when no portfolio satisfies the structural rows and the chance (or
        CVaR) constraint; ``conflicts`` names them.
    SolverError
        when the solver fails or finds nothing within the time limit.
    """
    settings = SolverSettings() if settings is None else settings
    params = _check_args(method, chance, alpha, strategy, settings)
    t0 = time.perf_counter()
    spend = np.asarray(spend, dtype=float)
    nx = model.nx
    if spend.ndim != 3 or spend.shape[0] != nx:
        raise ValueError(f"spend must have shape (nx={nx}, H, K), got {spend.shape}")
    _, H, K = spend.shape
    budget = np.asarray(budget, dtype=float)
    if budget.shape != (H,):
        raise ValueError(f"budget must have shape ({H},)")
    c = np.zeros((H, K)) if committed is None else np.asarray(committed, dtype=float)
    allowed = int(math.floor(float(alpha) * K + 1e-9))
    b = _row_bounds(model, spend, budget, c, allowed, method, strengthen)
    _silence_banner()
    prob, var, scaling = model.to_pulp(name="saa")
    m = _Model(prob, var[:nx], var[nx:])
    hire_terms = _hire_terms(model, m.hv, b, H)
    if method == "chance":
        _chance_rows(m, spend, budget, c, b, hire_terms, alpha, allowed, chance)
    else:
        _cvar_rows(m, spend, budget, c, b, hire_terms, alpha, cvar_limit)
    warm = _warm_values(model, m, spend, budget, c, b, allowed, method, chance, cvar_limit, alpha) \
        if warm_start else None
    build = time.perf_counter() - t0
    rens = strategy == "rens" or (strategy == "auto" and m.coefs >= RENS_MIN_NONZEROS)
    _silence_banner()
    s = _WarmHiGHS(warm, msg=False, timeLimit=settings.time_limit, gapRel=settings.gap, rens=rens, **params)
    t1 = time.perf_counter()
    try:
        prob.solve(s)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"HiGHS failed on the SAA model: {exc}") from exc
    solve_s = time.perf_counter() - t1
    sol = _checked_status(prob, model, method, chance, alpha, cvar_limit, settings.time_limit)
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in m.xs]) > 0.5
    hire = np.array([max(v.varValue or 0.0, 0.0) for v in m.hv])
    objective = float(model.obj @ np.concatenate([x, hire]))
    info = prob.solverModel.getInfo()
    bound = -float(info.mip_dual_bound) * scaling.objective   # PuLP hands HiGHS the negated objective
    if s.lp_bound is not None:  # RENS: the sub-MIP's bound holds only in the neighbourhood; the LP's for all
        bound = -float(s.lp_bound) * scaling.objective
    elif sol == pulp.LpSolutionOptimal and not np.isfinite(bound):
        bound = objective
    g = abs(bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound) else np.inf
    status = status_words(g)  # "optimal" only at a proven gap <= 1e-9; otherwise "within X % of optimal"
    stopped = sol != pulp.LpSolutionOptimal and s.lp_bound is None
    hs_t = _hire_spend(model, b, hire, H)
    over = np.einsum("j,jtk->tk", x.astype(float), spend) + c + hs_t[:, None] > budget[:, None] + 1e-6 * b.scale
    out = SAAOutcome(status, objective, float(bound), float(g), x.astype(float), hire,
                     over.any(axis=0) if chance == "joint" or method == "cvar" else over, float(alpha), K, method,
                     chance, allowed, m.rows, build, solve_s, "rens" if s.lp_bound is not None else "branch_and_bound",
                     m.coefs)
    if s.lp_bound is not None and g > settings.gap + 1e-9:
        warn(f"the SAA was solved in the LP relaxation's neighbourhood (RENS): incumbent {objective:,.6g}, "
             f"the whole model's LP bound {bound:,.6g}, gap {g:.2%}", SolverWarning, stacklevel=2)
    elif stopped:
        why = f"the node limit ({params['mip_max_nodes']})" if "mip_max_nodes" in params else \
            f"the time limit ({settings.time_limit} s)"
        warn(f"HiGHS stopped at {why} before reaching the gap asked for: incumbent {objective:,.6g}, "
             f"bound {bound:,.6g}, gap {g:.2%}", SolverWarning, stacklevel=2)
    return out


def _check_args(method, chance, alpha, strategy, settings: SolverSettings) -> dict:
    """Refuse bad arguments before anything is built; the HiGHS options the settings ask for."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {_METHODS}")
    if chance not in _CHANCE:
        raise ValueError(f"unknown chance {chance!r}: use one of {_CHANCE}")
    if not 0 <= float(alpha) < 1:
        raise ValueError(f"alpha must be in [0, 1), got {alpha}")
    if method == "cvar" and alpha <= 0:
        raise ValueError("method='cvar' needs alpha > 0")
    if strategy not in _STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {_STRATEGIES}")
    if not isinstance(settings, SolverSettings):
        raise ValueError(f"settings must be a SolverSettings, got {type(settings).__name__}")
    if settings.deterministic:
        if settings.time_limit is not None:
            raise ValueError("the deterministic mode stops on a node limit, not the clock: time_limit must be None")
        if settings.threads != 1:
            raise ValueError("the deterministic mode runs HiGHS on one thread (threads=1)")
        return {"threads": 1, "random_seed": int(settings.seed) % (2 ** 31),
                "mip_max_nodes": int(settings.node_limit if settings.node_limit is not None else DEFAULT_NODE_LIMIT)}
    return {"mip_max_nodes": int(settings.node_limit)} if settings.node_limit is not None else {}


@dataclass
class _Bounds:
    """What the scenario rows need before they are written (:func:`_row_bounds`), arrays of shape (H, K)."""

    M: np.ndarray          # big-M of each row, >= 0 [currency]
    forced: np.ndarray     # rows that overrun whatever is chosen (mandatory and committed spend alone)
    live: np.ndarray       # rows some portfolio can overrun (the others are redundant and left out)
    hard: np.ndarray       # live rows no portfolio within the chance constraint overruns: kept without indicator
    scale: float           # row scale: the largest period budget [currency]
    hcost: np.ndarray | None = None   # hiring cost of each hire column [currency per FTE]
    hmax: np.ndarray | None = None    # largest useful FTE of each hire column


def _row_bounds(model, spend, budget, c, allowed, method, strengthen) -> _Bounds:
    """Tight big-M per scenario row: the largest spend any portfolio can have in (t, k), one start per project."""
    _, H, K = spend.shape
    scale = float(max(np.abs(budget).max(), 1.0))
    vp = model.vp
    n = model.data.n
    hi_sp = np.zeros((n, H, K))
    np.maximum.at(hi_sp, vp, spend)
    lo_sp = np.full((n, H, K), np.inf)
    np.minimum.at(lo_sp, vp, spend)
    mand = np.zeros(n, bool)
    if model.options.mandatory:
        mand |= model.data.mandatory
    if model.options.force_in:
        mand[model.data.index_of(model.options.force_in)] = True
    has_col = np.bincount(vp, minlength=n) > 0
    max_spend = hi_sp.sum(axis=0) + c                                  # (H, K)
    min_spend = lo_sp[mand & has_col].sum(axis=0) + c if (mand & has_col).any() else c.copy()
    M = max_spend - budget[:, None]                                    # tight big-M per row
    forced = min_spend > budget[:, None] * (1 + 1e-9) + 1e-9           # overrun whatever is chosen
    hcost = hmax = None
    if len(model.hs):  # hiring: deterministic spend hire_cost x FTE in its period, bounded by the largest shortfall
        d = model.data
        hcost = d.hire_cost[model.hs, model.ht - 1]
        dem = d.demand_by_period(vp, model.vt)                         # (nx, S, H)
        dmax = np.zeros((n,) + dem.shape[1:])
        np.maximum.at(dmax, vp, dem)
        cap = d.capacity.copy()
        for sk, delta in (model.options.capacity_delta or {}).items():
            cap[d.skills.index(sk)] += float(delta)
        hmax = np.maximum(dmax.sum(axis=0) - cap, 0.0)[model.hs, model.ht - 1]
        if model.hire_ub is not None:
            hmax = np.minimum(hmax, model.hire_ub)
        hire_spend = np.zeros(H)
        np.add.at(hire_spend, model.ht - 1, hcost * hmax)
        max_spend = max_spend + hire_spend[:, None]
        M = max_spend - budget[:, None]
    live = M > 1e-9 * scale                          # rows some portfolio can overrun (the others are redundant)
    if method == "chance" and strengthen and allowed < K - 1:
        M = np.minimum(M, _quantile_big_m(spend, c, vp, n, allowed))
    # A strengthened M <= 0 says no portfolio that meets the chance constraint overruns (t, k): the row stays, as a
    # hard row without its indicator. Dropping it would be wrong: the bound leans on the other scenarios' rows (with
    # alpha K < 1 every M is 0, and so with identical scenarios), and without them any portfolio would pass.
    hard = live & (M <= 1e-9 * scale)
    return _Bounds(np.maximum(M, 0.0), forced, live, hard, scale, hcost, hmax)


@dataclass
class _Model:
    """The PuLP problem being written: start columns ``xs``, hire columns ``hv``, the scenario variables."""

    prob: pulp.LpProblem
    xs: list
    hv: list
    z: list | None = None          # joint chance: one indicator per scenario
    zt: dict | None = None         # per-period chance: one indicator per live (t, k) row
    eta: object = None             # CVaR: the value-at-risk variable ...
    u: list | None = None          # ... and the excess of each scenario
    rows: int = 0
    coefs: int = 0


def _hire_terms(model, hv, b: _Bounds, H) -> list:
    """Each hire column bounded by its largest useful FTE; the scaled hiring terms of each period's rows."""
    terms = [[] for _ in range(H)]
    if not len(model.hs):
        return terms
    for v, t, hc, ub in zip(hv, model.ht - 1, b.hcost, b.hmax):
        v.upBound = float(ub)
        if ub > 0:
            terms[t].append((v, float(hc) / b.scale))
    return terms


def _hire_spend(model, b: _Bounds, hire, H) -> np.ndarray:
    """Hiring spend per period of ``hire`` FTE per hire column [currency]."""
    out = np.zeros(H)
    if len(model.hs):
        np.add.at(out, model.ht - 1, b.hcost * hire)
    return out


def _chance_rows(m: _Model, spend, budget, c, b: _Bounds, hire_terms, alpha, allowed, chance) -> None:
    """Scenario rows with indicators and the chance constraint (joint: one ``z_k``; per period: one ``z_tk``)."""
    prob = m.prob
    _, H, K = spend.shape
    if chance == "joint":
        fk = b.forced.any(axis=0)
        if fk.sum() > allowed:
            raise InfeasiblePortfolioError(
                f"the mandatory and committed projects alone overrun the budget in {int(fk.sum())} of {K} "
                f"scenarios ({fk.mean():.1%}), more than alpha = {alpha:g} allows",
                [f"P(any period over budget) <= {alpha:g}", "mandatory projects funded"])
        m.z = [prob.add_variable(f"z{k:05d}", lowBound=1 if fk[k] else 0, upBound=1, cat=pulp.LpBinary)
               for k in range(K)]
        zz = lambda t, k: m.z[k]  # noqa: E731
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(v, 1.0) for v in m.z]), pulp.LpConstraintLE,
                                             "chance", float(allowed)))
    else:
        m.zt = {}
        for t in range(H):
            if b.forced[t].sum() > allowed:
                raise InfeasiblePortfolioError(
                    f"the mandatory and committed projects alone overrun the budget of period {t + 1} in "
                    f"{int(b.forced[t].sum())} of {K} scenarios, more than alpha = {alpha:g} allows",
                    [f"P(period {t + 1} over budget) <= {alpha:g}", "mandatory projects funded"])
            ks = np.flatnonzero(b.live[t] & ~b.hard[t])
            for k in ks:
                m.zt[t, k] = prob.add_variable(f"z{t:02d}_{k:05d}", lowBound=1 if b.forced[t, k] else 0, upBound=1,
                                               cat=pulp.LpBinary)
            if len(ks):
                prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(m.zt[t, k], 1.0) for k in ks]),
                                                     pulp.LpConstraintLE, f"chance{t:02d}", float(allowed)))
        zz = lambda t, k: m.zt[t, k]  # noqa: E731
    for t in range(H):
        for k in np.flatnonzero(b.live[t]):
            a = spend[:, t, k]
            nz = np.flatnonzero(a)
            expr = pulp.LpAffineExpression([(m.xs[j], float(a[j]) / b.scale) for j in nz] + hire_terms[t]
                                           + ([] if b.hard[t, k] else [(zz(t, k), -float(b.M[t, k]) / b.scale)]))
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"s{t:02d}_{k:05d}",
                                                 float(budget[t] - c[t, k]) / b.scale))
            m.rows += 1
            m.coefs += len(nz)


def _cvar_rows(m: _Model, spend, budget, c, b: _Bounds, hire_terms, alpha, cvar_limit) -> None:
    """CVaR of the worst period's overrun <= ``cvar_limit`` (Rockafellar & Uryasev): no indicators, no big-M."""
    prob = m.prob
    _, H, K = spend.shape
    m.eta = prob.add_variable("eta", lowBound=None, upBound=None, cat=pulp.LpContinuous)
    m.u = [prob.add_variable(f"u{k:05d}", lowBound=0, upBound=None, cat=pulp.LpContinuous) for k in range(K)]
    prob.addConstraint(pulp.LpConstraint(
        pulp.LpAffineExpression([(m.eta, 1.0)] + [(v, 1.0 / (alpha * K)) for v in m.u]), pulp.LpConstraintLE,
        "cvar", float(cvar_limit) / b.scale))
    for t in range(H):
        for k in range(K):
            a = spend[:, t, k]
            nz = np.flatnonzero(a)
            expr = pulp.LpAffineExpression([(m.xs[j], float(a[j]) / b.scale) for j in nz] + hire_terms[t]
                                           + [(m.eta, -1.0), (m.u[k], -1.0)])
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"s{t:02d}_{k:05d}",
                                                 float(budget[t] - c[t, k]) / b.scale))
            m.rows += 1
            m.coefs += len(nz)


def _warm_values(model, m: _Model, spend, budget, c, b: _Bounds, allowed, method, chance, cvar_limit,
                 alpha) -> dict | None:
    """The greedy start (:func:`_greedy_start`) as values of every variable it sets, or None without one."""
    g0 = _greedy_start(model, spend, budget, c, allowed, method, chance, cvar_limit, alpha, b.hcost, b.hmax)
    if g0 is None:
        return None
    _, H, K = spend.shape
    gx, gh = g0
    warm = {v: float(val) for v, val in zip(m.xs, gx)}
    warm.update({v: float(val) for v, val in zip(m.hv, gh)})
    hs_g = _hire_spend(model, b, gh, H)
    over_g = np.einsum("j,jtk->tk", gx, spend) + c + hs_g[:, None] > budget[:, None]
    if method == "chance" and chance == "joint":
        warm.update({m.z[k]: 1.0 for k in np.flatnonzero(over_g.any(axis=0))})
    elif method == "chance":
        warm.update({m.zt[t, k]: 1.0 for t, k in zip(*np.nonzero(over_g)) if (t, k) in m.zt})
    else:
        L = (np.einsum("j,jtk->tk", gx, spend) + c + hs_g[:, None] - budget[:, None]).max(axis=0)
        tail = max(int(math.ceil(alpha * K)), 1)
        e = float(np.partition(L, K - tail)[K - tail])
        warm[m.eta] = e / b.scale
        warm.update({m.u[k]: max(float(L[k]) - e, 0.0) / b.scale for k in range(K)})
    return warm


def _checked_status(prob, model, method, chance, alpha, cvar_limit, time_limit):
    """PuLP's solution status of a solved SAA model; infeasible, unbounded or no solution raise."""
    sol = prob.sol_status
    if sol == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
        conflicts = find_conflicts(model)
        what = (f"P(any period over budget) <= {alpha:g}" if method == "chance" and chance == "joint" else
                f"P(period over budget) <= {alpha:g} in every period" if method == "chance" else
                f"CVaR of the overrun <= {cvar_limit:,.0f}")
        raise InfeasiblePortfolioError("no portfolio satisfies the constraints under uncertainty",
                                       conflicts or [what, "mandatory projects funded"])
    if sol == pulp.LpSolutionUnbounded:
        raise SolverError("the SAA model is unbounded (check the objective values)")
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if time_limit is not None:
            raise SolverError(f"HiGHS found no feasible portfolio within the time limit of {time_limit:g} s")
        raise SolverError(f"HiGHS returned status {pulp.LpStatus[prob.status]} / solution status "
                          f"{pulp.LpSolution.get(sol, sol)}")
    return sol
