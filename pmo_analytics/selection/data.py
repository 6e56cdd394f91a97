"""The selection instance as arrays: what the MILP, the greedy rule and the explanations share.

:class:`SelectionData` holds one candidate set with numpy arrays (no PuLP
objects), so it can be built from a :class:`~pmo_analytics.tables.Portfolio`
(:func:`selection_data`), generated for benchmarks or written by hand in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..exceptions import PMOError
from ..streams import stream

__all__ = ["SelectionData", "selection_data", "synthetic_instance", "knapsack_instance", "OBJECTIVES"]

OBJECTIVES = ("risk_adjusted", "npv", "score")


@dataclass(frozen=True)
class SelectionData:
    """One selection-and-scheduling instance.

    Attributes
    ----------
    ids : ndarray of str, shape (n,)
        Candidate project ids.
    value : ndarray, shape (n,)
        Objective value of funding each project [currency or points].
    cost : ndarray, shape (n, L)
        Cost by period offset from the start [currency].
    demand : ndarray, shape (n, S, L)
        Resource demand by skill and offset [FTE].
    earliest, latest : ndarray of int, shape (n,)
        Start window [period], periods numbered 1..H.
    duration : ndarray of int, shape (n,)
        Duration [periods].
    budget : ndarray, shape (H,)
        Budget per period [currency].
    capacity : ndarray, shape (S, H)
        Capacity per skill and period [FTE].
    hire_cost : ndarray, shape (S, H)
        Cost of one extra FTE for one period [currency]; NaN = no hiring.
    skills : tuple of str
    mandatory : ndarray of bool, shape (n,)
    bucket, business_unit : ndarray of str, shape (n,)
    requires, precedes, excludes : ndarray of int, shape (m, 2)
        Index pairs (i, j): i requires j; i precedes j (j cannot start before
        i ends); i excludes j.
    value_label : str
        What ``value`` measures (for reports).
    limits : tuple of str
        Ids of the generic resource limits (the ``limits`` table: capex,
        engineering hours, tonnes of CO2e ...), K of them.
    limit_units : tuple of str
        Unit of each limit (``currency``, ``FTE``, ``hours``, ``tonnes`` ...).
    limit_use : ndarray, shape (n, K, L')
        Use of each limit by offset from the start [unit of the limit].
    limit_amount : ndarray, shape (K, H)
        Amount of each limit available per period [unit of the limit];
        ``inf`` = no cap in that period.
    limit_total : ndarray, shape (K,)
        Amount available over the whole horizon [unit of the limit]; ``inf``
        = no horizon cap.
    """

    ids: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    demand: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    duration: np.ndarray
    budget: np.ndarray
    capacity: np.ndarray
    hire_cost: np.ndarray
    skills: tuple
    mandatory: np.ndarray
    bucket: np.ndarray
    business_unit: np.ndarray
    requires: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    precedes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    excludes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    value_label: str = "value"
    limits: tuple = ()
    limit_units: tuple = ()
    limit_use: np.ndarray | None = None
    limit_amount: np.ndarray | None = None
    limit_total: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.ids)
        H = len(self.budget)
        K = len(self.limits)
        if self.cost.ndim != 2 or self.cost.shape[0] != n:
            raise ValueError("cost must have shape (n_projects, n_offsets)")
        if self.demand.shape[0] != n or self.demand.shape[1] != len(self.skills):
            raise ValueError("demand must have shape (n_projects, n_skills, n_offsets)")
        if self.capacity.shape != (len(self.skills), H) or self.hire_cost.shape != (len(self.skills), H):
            raise ValueError("capacity and hire_cost must have shape (n_skills, n_periods)")
        if len(self.limit_units) != K:
            raise ValueError("limit_units must give one unit per limit")
        if self.limit_use is None:
            object.__setattr__(self, "limit_use", np.zeros((n, K, 1)))
        if self.limit_amount is None:
            object.__setattr__(self, "limit_amount", np.full((K, H), np.inf))
        if self.limit_total is None:
            object.__setattr__(self, "limit_total", np.full(K, np.inf))
        if self.limit_use.ndim != 3 or self.limit_use.shape[:2] != (n, K):
            raise ValueError("limit_use must have shape (n_projects, n_limits, n_offsets)")
        if self.limit_amount.shape != (K, H) or self.limit_total.shape != (K,):
            raise ValueError("limit_amount must have shape (n_limits, n_periods) and limit_total (n_limits,)")
        bad = np.where(self.latest < self.earliest)[0]
        if len(bad):
            raise PMOError(f"latest_start before earliest_start for {self.ids[bad].tolist()[:5]}")

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def horizon(self) -> int:
        return len(self.budget)

    def index_of(self, ids) -> np.ndarray:
        """Positions of project ids; raises ValueError for unknown ids."""
        lookup = {p: k for k, p in enumerate(self.ids.tolist())}
        ids = [str(i) for i in ([ids] if isinstance(ids, str) else list(ids))]
        unknown = [i for i in ids if i not in lookup]
        if unknown:
            raise ValueError(f"unknown project id(s) {unknown} (not among the candidates)")
        return np.array([lookup[i] for i in ids], dtype=int)

    def subset(self, keep: np.ndarray) -> "SelectionData":
        """The instance restricted to the projects where ``keep`` is True."""
        keep = np.asarray(keep, dtype=bool)
        new = -np.ones(self.n, dtype=int)
        new[keep] = np.arange(keep.sum())

        def pairs(a):
            m = keep[a[:, 0]] & keep[a[:, 1]] if len(a) else np.zeros(0, bool)
            return new[a[m]] if len(a) else a

        return replace(self, ids=self.ids[keep], value=self.value[keep], cost=self.cost[keep],
                       demand=self.demand[keep], earliest=self.earliest[keep], latest=self.latest[keep],
                       duration=self.duration[keep], mandatory=self.mandatory[keep], bucket=self.bucket[keep],
                       business_unit=self.business_unit[keep], requires=pairs(self.requires),
                       precedes=pairs(self.precedes), excludes=pairs(self.excludes),
                       limit_use=self.limit_use[keep])

    def starts(self, require_finish: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """All (project, start period) pairs allowed by the windows and the horizon.

        Returns
        -------
        vp, vt : ndarray of int
            Project index and start period [1..H] of each decision variable,
            sorted by project then period.
        """
        H = self.horizon
        lo = np.maximum(self.earliest, 1)
        hi = np.minimum(self.latest, H)
        if require_finish:
            hi = np.minimum(hi, H - self.duration + 1)
        cnt = np.maximum(hi - lo + 1, 0)
        vp = np.repeat(np.arange(self.n), cnt)
        first = np.repeat(lo, cnt)
        offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        return vp, first + offs

    def spend_by_period(self, vp: np.ndarray, vt: np.ndarray) -> np.ndarray:
        """Cost each (project, start) incurs in each period, shape (len(vp), H) [currency]."""
        H, L = self.horizon, self.cost.shape[1]
        out = np.zeros((len(vp), H))
        for o in range(L):  # loop over profile offsets (a handful), vectorised over variables
            per = vt + o
            ok = per <= H
            out[np.nonzero(ok)[0], per[ok] - 1] += self.cost[vp[ok], o]
        return out

    def demand_by_period(self, vp: np.ndarray, vt: np.ndarray) -> np.ndarray:
        """Demand of each (project, start) by skill and period, shape (len(vp), S, H) [FTE]."""
        return _by_period(self.demand, vp, vt, self.horizon)

    def limit_use_by_period(self, vp: np.ndarray, vt: np.ndarray) -> np.ndarray:
        """Use of each limit by each (project, start) and period, shape (len(vp), K, H) [unit of the limit]."""
        return _by_period(self.limit_use, vp, vt, self.horizon)


def _by_period(profile: np.ndarray, vp: np.ndarray, vt: np.ndarray, H: int) -> np.ndarray:
    """A (n, K, L) profile by offset placed at each start: shape (len(vp), K, H), periods past H dropped."""
    out = np.zeros((len(vp), profile.shape[1], H))
    for o in range(profile.shape[2]):  # loop over offsets (a handful), vectorised over variables
        per = vt + o
        ok = np.nonzero(per <= H)[0]
        out[ok, :, per[ok] - 1] += profile[vp[ok], :, o]
    return out


def _project_values(projects: pd.DataFrame, objective, scores: pd.Series | None) -> tuple[np.ndarray, str]:
    if isinstance(objective, pd.Series):
        v = projects["project_id"].astype(str).map(objective.astype(float))
        if v.isna().any():
            raise ValueError(f"objective values missing for {projects['project_id'][v.isna()].tolist()[:5]}")
        return v.to_numpy(dtype=float), objective.name or "value"
    if objective == "npv":
        return projects["benefit_npv"].to_numpy(dtype=float), "benefit NPV [currency]"
    if objective == "risk_adjusted":
        return (projects["benefit_npv"].to_numpy(dtype=float)
                * projects["probability_of_success"].to_numpy(dtype=float)), "risk-adjusted benefit [currency]"
    if objective == "score":
        if scores is None:
            raise ValueError("objective='score' needs weighted scores (pass scores=IntakeScreening(...).fit(pf)"
                             ".scores_['score'])")
        v = projects["project_id"].astype(str).map(scores.astype(float))
        return v.fillna(0.0).to_numpy(dtype=float), "weighted score [points]"
    raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES} or a Series of values")


def selection_data(portfolio, objective="risk_adjusted", scores: pd.Series | None = None,
                   stages=("proposal", "active"), costs: pd.Series | None = None,
                   committed_stage: str | None = "active") -> SelectionData:
    """Build the selection instance from a portfolio.

    Parameters
    ----------
    portfolio : Portfolio
        Needs ``projects``, ``costs``, ``budget``; uses ``demand``,
        ``capacity``, ``dependencies``, ``limits`` and ``limit_use`` when
        present. ``criteria`` and ``scores`` are not needed unless
        ``objective="score"``.
    objective : {"risk_adjusted", "npv", "score"} or Series
        ``risk_adjusted`` = probability_of_success x benefit_npv [currency];
        ``npv`` = benefit_npv [currency]; ``score`` = the weighted score given
        in ``scores`` [points]; or a Series of values by project_id.
    scores : Series, optional
        Weighted score by project_id (for ``objective="score"``).
    stages : tuple of str
        Candidate stages (active projects are committed spend).
    costs : Series, optional
        Total cost per project_id to use instead of the profile's total (e.g.
        the reference-class uplifted cost): the profile is scaled to it.
    committed_stage : str or None, default "active"
        Projects at this stage are mandatory (already committed).

    Returns
    -------
    SelectionData
    """
    if isinstance(objective, str) and objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES} or a Series of values")
    pf = portfolio
    projects = pf.projects[pf.projects["stage"].isin(list(stages))].reset_index(drop=True)
    if len(projects) == 0:
        raise PMOError(f"no candidate projects at stages {stages}")
    ids = projects["project_id"].astype(str).to_numpy()
    pos = {p: k for k, p in enumerate(ids)}
    n = len(ids)
    value, label = _project_values(projects, objective, scores)
    periods = pf.periods
    H = len(periods)
    if periods != list(range(1, H + 1)):
        raise PMOError(f"budget periods must be 1..H without gaps, got {periods}")
    budget = pf.budget.sort_values("period")["budget"].to_numpy(dtype=float)

    c = pf.costs[pf.costs["project_id"].astype(str).isin(pos)]
    L = int(max(c["period_offset"].max() + 1 if len(c) else 1, projects["duration_periods"].max()))
    dem = pf.demand if pf.has("demand") else None
    if dem is not None:
        dem = dem[dem["project_id"].astype(str).isin(pos)]
        if len(dem):
            L = max(L, int(dem["period_offset"].max()) + 1)
    cost = np.zeros((n, L))
    np.add.at(cost, (c["project_id"].astype(str).map(pos).to_numpy(), c["period_offset"].to_numpy(dtype=int)),
              c["cost"].to_numpy(dtype=float))
    if costs is not None:
        target = pd.Series(ids).map(costs.astype(float)).to_numpy()
        tot = cost.sum(axis=1)
        scale = np.where(np.isfinite(target) & (tot > 0), target / np.where(tot > 0, tot, 1), 1.0)
        cost = cost * scale[:, None]

    if pf.has("capacity"):
        cap = pf.capacity
        skills = tuple(sorted(set(cap["skill"].astype(str)) | (set(dem["skill"].astype(str)) if dem is not None else set())))
    else:
        cap = None
        skills = tuple(sorted(set(dem["skill"].astype(str)))) if dem is not None else ()
    sk = {s: k for k, s in enumerate(skills)}
    S = len(skills)
    demand = np.zeros((n, S, L))
    if dem is not None and len(dem):
        np.add.at(demand, (dem["project_id"].astype(str).map(pos).to_numpy(), dem["skill"].astype(str).map(sk).to_numpy(),
                           dem["period_offset"].to_numpy(dtype=int)), dem["fte"].to_numpy(dtype=float))
    capacity = np.full((S, H), np.inf)
    hire = np.full((S, H), np.nan)
    if cap is not None:
        cap = cap[cap["period"].between(1, H)]
        si = cap["skill"].astype(str).map(sk).to_numpy()
        ti = cap["period"].to_numpy(dtype=int) - 1
        capacity[si, ti] = cap["fte"].to_numpy(dtype=float)
        if "hire_cost" in cap:
            hire[si, ti] = cap["hire_cost"].to_numpy(dtype=float)

    def pairs(kind):
        if not pf.has("dependencies"):
            return np.zeros((0, 2), dtype=int)
        d = pf.dependencies[pf.dependencies["type"] == kind]
        a, b = d["project_id"].astype(str), d["other_project_id"].astype(str)
        ok = a.isin(pos) & b.isin(pos)
        return np.column_stack([a[ok].map(pos).to_numpy(dtype=int), b[ok].map(pos).to_numpy(dtype=int)]) \
            if ok.any() else np.zeros((0, 2), dtype=int)

    mandatory = projects["mandatory"].fillna(False).to_numpy(dtype=bool)
    if committed_stage is not None:
        mandatory = mandatory | (projects["stage"] == committed_stage).to_numpy()
    limits = _limits(pf, pos, H, n)
    return SelectionData(
        ids=ids, value=value, cost=cost, demand=demand,
        earliest=projects["earliest_start"].to_numpy(dtype=int), latest=projects["latest_start"].to_numpy(dtype=int),
        duration=projects["duration_periods"].to_numpy(dtype=int), budget=budget, capacity=capacity,
        hire_cost=hire, skills=skills, mandatory=mandatory, bucket=projects["bucket"].astype(str).to_numpy(),
        business_unit=projects["business_unit"].astype(str).to_numpy(),
        requires=pairs("requires"), precedes=pairs("precedes"), excludes=pairs("excludes"), value_label=label,
        **limits)


def _limits(pf, pos: dict, H: int, n: int) -> dict:
    """The generic limits of a portfolio as SelectionData fields (empty without a ``limits`` table)."""
    if not pf.has("limits"):
        return {}
    lim = pf.limits
    ids = tuple(dict.fromkeys(lim["limit_id"].astype(str)))
    k_of = {k: i for i, k in enumerate(ids)}
    units = lim.assign(limit_id=lim["limit_id"].astype(str)).groupby("limit_id", sort=False)["unit"].agg(
        lambda u: sorted(set(u.astype(str))))
    mixed = {k: v for k, v in units.items() if len(v) > 1}
    if mixed:
        raise PMOError(f"limits: one unit per limit_id, got {mixed}")
    K = len(ids)
    amount = np.full((K, H), np.inf)
    total = np.full(K, np.inf)
    per = lim["period"]
    ki = lim["limit_id"].astype(str).map(k_of).to_numpy()
    amt = lim["amount"].to_numpy(dtype=float)
    blank = per.isna().to_numpy()
    total[ki[blank]] = amt[blank]
    inside = ~blank & per.fillna(0).between(1, H).to_numpy()
    amount[ki[inside], per[inside].to_numpy(dtype=int) - 1] = amt[inside]
    use = pf.limit_use if pf.has("limit_use") else None
    L = 1
    if use is not None:
        use = use[use["project_id"].astype(str).isin(pos)]
        unknown = sorted(set(use["limit_id"].astype(str)) - set(ids))
        if unknown:
            raise PMOError(f"limit_use names limit(s) {unknown} that the limits table does not define")
        if len(use):
            L = int(use["period_offset"].max()) + 1
    arr = np.zeros((n, K, L))
    if use is not None and len(use):
        np.add.at(arr, (use["project_id"].astype(str).map(pos).to_numpy(), use["limit_id"].astype(str).map(k_of)
                        .to_numpy(), use["period_offset"].to_numpy(dtype=int)), use["amount"].to_numpy(dtype=float))
    return dict(limits=ids, limit_units=tuple(units[k][0] for k in ids), limit_use=arr, limit_amount=amount,
                limit_total=total)


def synthetic_instance(n_projects: int = 1000, n_periods: int = 12, n_skills: int = 8, max_window: int = 4,
                       n_precedences: int = 100, n_exclusions: int = 30, n_mandatory: int = 5,
                       tightness: float = 0.3, seed: int = 20261125) -> SelectionData:
    """A seeded random instance for benchmarks and tests.

    Durations 1-4 periods, cost profiles 0.1-1.5 [M currency] per period,
    demand 0-2 FTE per skill on 1-3 skills, start windows of 1..``max_window``
    periods, value = cost x U(0.6, 1.8) (a few loss-makers among them),
    precedence pairs (a before b) drawn forward in a random order (acyclic),
    exclusions at random; budget and capacity per period are ``tightness``
    times the average per-period total of all candidates, so capacity is well
    below total demand.
    """
    rng = stream(seed)
    n, H, S = n_projects, n_periods, n_skills
    dur = rng.integers(1, 5, n)
    L = int(dur.max())
    offs = np.arange(L)[None, :]
    cost = np.where(offs < dur[:, None], rng.uniform(0.1, 1.5, (n, L)), 0.0)
    uses = rng.random((n, S)) < (rng.integers(1, 4, n)[:, None] / S)
    demand = np.where(uses[:, :, None] & (offs[None, :, :] < dur[:, None, None]), rng.uniform(0.2, 2.0, (n, S, L)), 0.0)
    earliest = rng.integers(1, H - 1, n)
    latest = np.minimum(earliest + rng.integers(0, max_window, n), H)
    value = cost.sum(axis=1) * rng.uniform(0.6, 1.8, n)
    perm = rng.permutation(n)
    rank = np.empty(n, dtype=int)
    rank[perm] = np.arange(n)
    pairs = set()
    while len(pairs) < n_precedences:
        a, b = rng.integers(0, n, 2)
        if a != b:
            a, b = (a, b) if rank[a] < rank[b] else (b, a)
            pairs.add((int(a), int(b)))
    precedes = np.array(sorted(pairs), dtype=int).reshape(-1, 2)
    ex = set()
    while len(ex) < n_exclusions:
        a, b = rng.integers(0, n, 2)
        if a != b and (a, b) not in pairs and (b, a) not in pairs:
            ex.add((int(min(a, b)), int(max(a, b))))
    excludes = np.array(sorted(ex), dtype=int).reshape(-1, 2)
    mandatory = np.zeros(n, dtype=bool)
    cheap = np.argsort(cost.sum(axis=1))[: max(n_mandatory * 10, 1)]
    free = np.setdiff1d(cheap, np.concatenate([precedes.ravel(), excludes.ravel()]))
    mandatory[rng.choice(free, size=min(n_mandatory, len(free)), replace=False)] = True
    budget = np.full(H, tightness * cost.sum() / H)
    capacity = np.repeat((tightness * demand.sum(axis=(0, 2)) / H)[:, None], H, axis=1)
    return SelectionData(
        ids=np.array([f"X{k:04d}" for k in range(n)]), value=value, cost=cost, demand=demand, earliest=earliest,
        latest=latest, duration=dur, budget=budget, capacity=capacity, hire_cost=np.full((S, H), np.nan),
        skills=tuple(f"skill{k}" for k in range(S)), mandatory=mandatory,
        bucket=rng.choice(["Run", "Grow", "Transform"], n), business_unit=rng.choice(["BU1", "BU2", "BU3", "BU4"], n),
        precedes=precedes, excludes=excludes, value_label="value [M currency]")


def knapsack_instance(profits, weights, capacities, unit: str = "units", ids=None) -> SelectionData:
    """A multidimensional knapsack as a one-period selection instance.

    ``max sum_j p_j x_j`` subject to ``sum_j w_ij x_j <= b_i`` for every
    constraint i, ``x`` binary (Weingartner & Ness 1967; Petersen 1967; the
    form of the OR-Library ``mknap`` files, Chu & Beasley 1998). Each
    constraint becomes a generic limit ``c1``, ``c2`` ... in ``unit``; there
    is no budget, capacity or dependency row.

    Parameters
    ----------
    profits : array, shape (n,)
        Value of each item [points].
    weights : array, shape (m, n)
        Use of constraint i by item j [unit].
    capacities : array, shape (m,)
        Right-hand sides [unit].
    unit : str
        Unit of the constraints.
    ids : sequence of str, optional
        Item ids (default ``K0001`` ...).

    Returns
    -------
    SelectionData
    """
    p = np.asarray(profits, dtype=float)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    b = np.atleast_1d(np.asarray(capacities, dtype=float))
    m, n = w.shape
    if p.shape != (n,) or b.shape != (m,):
        raise ValueError(f"profits must have shape ({n},) and capacities ({m},) for weights of shape {w.shape}")
    ones = np.ones(n, dtype=int)
    return SelectionData(
        ids=np.array(list(ids) if ids is not None else [f"K{k:04d}" for k in range(1, n + 1)], dtype=object),
        value=p, cost=np.zeros((n, 1)), demand=np.zeros((n, 0, 1)), earliest=ones, latest=ones, duration=ones,
        budget=np.full(1, np.inf), capacity=np.zeros((0, 1)), hire_cost=np.zeros((0, 1)), skills=(),
        mandatory=np.zeros(n, dtype=bool), bucket=np.full(n, "all", dtype=object),
        business_unit=np.full(n, "all", dtype=object), value_label="profit [points]",
        limits=tuple(f"c{i + 1}" for i in range(m)), limit_units=(unit,) * m, limit_use=w.T[:, :, None].copy(),
        limit_amount=b[:, None].copy(), limit_total=np.full(m, np.inf))
