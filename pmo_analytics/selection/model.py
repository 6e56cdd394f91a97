"""The multi-period selection-and-scheduling MILP, built vectorised.

Decision ``x[p, t] = 1`` when project p starts in period t (t within its
start window and the horizon); its cost and resource demand then follow its
profile from t. Formulation (time-indexed project scheduling; Pritsker, Watters
& Wolfe, "Multiproject scheduling with limited resources: a zero-one
programming approach", *Management Science* 16(1), 1969; for portfolio
selection with scheduling, Archer & Ghasemzadeh, *Int. J. Project Management*
17(4), 1999)::

    max  sum_{p,t} v_p / (1 + r)^(t - e_p) x[p,t]  -  w sum_{s,t} h_s,t hire[s,t]
    s.t. sum_t x[p,t] <= 1                                   (one start)
         sum_t x[p,t] >= 1            mandatory / forced in
         sum_t x[p,t] <= 0            forced out
         sum_{p,tau} c_p,t-tau x[p,tau] + sum_s h_s,t hire[s,t] <= B_t   budget per period
         sum of all spend <= B_total                                     total budget
         sum_{p,tau} d_p,s,t-tau x[p,tau] - hire[s,t] <= K_s,t           capacity
         sum_{p,tau} u_p,k,t-tau x[p,tau] <= U_k,t      limit k (any unit) per period
         sum_{p,tau,t} u_p,k,t-tau x[p,tau] <= U_k      limit k over the horizon
         sum_t x[a,t] <= sum_t x[b,t]                        a requires b
         sum_{tau<=t} x[b,tau] + sum_{tau>t-d_a} x[a,tau] <= 1   for each t: a precedes b
         sum_t x[a,t] + sum_t x[b,t] <= 1                    a excludes b
         lo_g S <= S_g <= hi_g S          bucket / business-unit share of spend
         sum_p x[p,t] <= N                                   starts per period

The precedence rows are the cumulative ("strong") form: one row per start
period of the successor, each a clique over the conflicting start pairs, whose
LP relaxation is tighter than the big-M or aggregated forms (Christofides,
Alvarez-Valdes & Tamarit, *EJOR* 29, 1987). Every row carries a ``family``
and a ``label`` so an infeasible model can be explained by name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pulp
import scipy.sparse as sp

from .data import SelectionData
from .solvers import MilpArrays

__all__ = ["SelectionOptions", "SelectionModel", "Scaling", "build_model", "FAMILIES"]

#: Constraint families, in the order the conflict filter tries to drop them (first = dropped first).
FAMILIES = ("starts", "bucket_share", "unit_share", "excludes", "precedes", "requires", "limit", "capacity",
            "total_budget", "budget", "forced_out", "forced_in", "mandatory")


@dataclass(frozen=True)
class SelectionOptions:
    """Which constraints apply, and how. Every constraint family can be switched off.

    Parameters
    ----------
    budget : bool, default True
        Per-period budget rows.
    budget_scale : float, default 1.0
        Multiplies every period's budget (frontier and scenarios) [factor].
    total_budget : float or None
        Budget over the whole horizon [currency]; None = no total row.
    capacity : bool, default True
        Per-skill, per-period capacity rows [FTE].
    capacity_delta : dict
        Skill -> FTE added to the capacity of every period (scenarios).
    hiring : bool, default False
        Allow extra FTE at ``hire_cost`` [currency per FTE-period] where a
        hire cost is given; hiring is paid from the period's budget.
    max_hire : float or None
        Upper bound on extra FTE per skill and period [FTE].
    hire_weight : float or None
        Weight of hiring cost in the objective; None = 1 when the value is in
        currency, 1e-9 otherwise (a tie-breaker only).
    dependencies : bool, default True
        requires / precedes / excludes rows.
    mandatory : bool, default True
        Mandatory (and committed active) projects must be funded.
    force_in, force_out : tuple of str
        Project ids that must / must not be funded.
    bucket_share, unit_share : dict
        Bucket (business unit) -> (min, max) share of total spend
        [fraction] (None for no bound).
    max_starts : int or None
        Cap on projects started per period [projects].
    delay_discount : float, default 0.0
        Value of a project starting k periods after its earliest start is
        divided by ``(1 + delay_discount) ** k`` [fraction per period].
    require_finish : bool, default False
        Projects must finish within the horizon (else costs past the horizon
        are simply not counted).
    limits : bool, default True
        Rows of the generic ``limits`` (any resource in its own unit).
    limit_scale : dict
        Limit id -> factor multiplying every amount of that limit
        (scenarios) [factor].
    """

    budget: bool = True
    budget_scale: float = 1.0
    total_budget: float | None = None
    capacity: bool = True
    capacity_delta: dict = field(default_factory=dict)
    hiring: bool = False
    max_hire: float | None = None
    hire_weight: float | None = None
    dependencies: bool = True
    mandatory: bool = True
    force_in: tuple = ()
    force_out: tuple = ()
    bucket_share: dict = field(default_factory=dict)
    unit_share: dict = field(default_factory=dict)
    max_starts: int | None = None
    delay_discount: float = 0.0
    require_finish: bool = False
    limits: bool = True
    limit_scale: dict = field(default_factory=dict)

    def but(self, **changes) -> "SelectionOptions":
        """A copy with some options changed; unknown names raise ValueError."""
        unknown = sorted(set(changes) - set(self.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown selection option(s) {unknown}; expected some of "
                             f"{sorted(self.__dataclass_fields__)}")
        return replace(self, **changes)


@dataclass(frozen=True)
class Scaling:
    """How a model was scaled for the solvers.

    Rows are equilibrated to a largest coefficient of 1 and the objective to
    a largest value of 1 (costs are ~1e6 [currency] while 0/1 rows are ~1;
    solvers warn about, and are slowed by, the raw ranges).

    Attributes
    ----------
    row : ndarray
        Divisor of each row (its largest absolute coefficient).
    objective : float
        Divisor of the objective.

    Notes
    -----
    The solver's objective times ``objective`` is the objective in the
    model's units; the dual of row r times ``objective / row[r]`` is its
    dual in model units (objective units per unit of the row).
    """

    row: np.ndarray
    objective: float


@dataclass
class SelectionModel:
    """The MILP as arrays: ``lo <= A z <= hi``, ``z = (x, hire)``, maximise ``obj @ z``.

    Attributes
    ----------
    vp, vt : ndarray of int
        Project index and start period of each x column.
    hs, ht : ndarray of int
        Skill index and period (1-based) of each hire column.
    obj : ndarray
        Objective coefficients of (x, hire) [currency or points per column].
    A : scipy.sparse.csr_matrix
        Constraint rows.
    lo, hi : ndarray
        Row bounds (-inf / inf where open).
    family : ndarray of str
        Row family (see :data:`FAMILIES`, plus ``one_start``).
    label : ndarray of str
        Human-readable constraint the row belongs to; rows with the same
        label (the precedence rows of one pair) form one named constraint.
    hire_ub : float or None
        Upper bound of each hire column [FTE].
    spend : ndarray, shape (nx, H)
        Spend of each x column by period [currency].
    build_seconds : float
        [s]
    """

    data: SelectionData
    options: SelectionOptions
    vp: np.ndarray
    vt: np.ndarray
    hs: np.ndarray
    ht: np.ndarray
    obj: np.ndarray
    A: sp.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    family: np.ndarray
    label: np.ndarray
    hire_ub: float | None
    spend: np.ndarray
    build_seconds: float = 0.0

    @property
    def nx(self) -> int:
        return len(self.vp)

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]

    def scaling(self) -> Scaling:
        """Row and objective scaling (see :class:`Scaling`); the model itself is not changed."""
        rs = np.ones(self.n_rows)
        if self.n_rows and self.A.nnz:
            rs = np.asarray(abs(self.A).max(axis=1).todense()).ravel()
            rs[rs == 0] = 1.0
        osc = float(np.abs(self.obj).max()) if len(self.obj) and np.abs(self.obj).max() > 0 else 1.0
        return Scaling(rs, osc)

    def to_arrays(self, rows: np.ndarray | None = None, relax: bool = False,
                  objective: bool = True) -> tuple[MilpArrays, Scaling]:
        """The scaled model as solver arrays, in minimisation form (objective negated).

        Parameters
        ----------
        rows : ndarray of bool, optional
            Rows to include (default all).
        relax : bool
            Continuous x in [0, 1] (LP relaxation).
        objective : bool
            False gives a feasibility problem (zero objective).

        Returns
        -------
        arrays : MilpArrays
        scaling : Scaling
        """
        sc = self.scaling()
        keep = np.ones(self.n_rows, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        D = sp.diags(1.0 / sc.row)
        A = (D @ self.A).tocsr()[keep]
        nh = len(self.hs)
        c = -self.obj / sc.objective if objective else np.zeros(self.nx + nh)
        hub = np.inf if self.hire_ub is None else float(self.hire_ub)
        arrays = MilpArrays(
            c=c.astype(float), A=A, row_lo=(self.lo / sc.row)[keep], row_hi=(self.hi / sc.row)[keep],
            col_lo=np.zeros(self.nx + nh), col_hi=np.concatenate([np.ones(self.nx), np.full(nh, hub)]),
            integer=np.concatenate([np.full(self.nx, not relax), np.zeros(nh, dtype=bool)]))
        return arrays, sc

    def to_pulp(self, rows: np.ndarray | None = None, relax: bool = False, objective: bool = True,
                name: str = "portfolio") -> tuple[pulp.LpProblem, list, Scaling]:
        """The model as a PuLP problem (PuLP 4-ready API: ``prob.add_variable``), for export and inspection.

        The package solves the arrays of :meth:`to_arrays` directly (see
        :mod:`pmo_analytics.selection.solvers`); this gives the same scaled
        model to a PuLP user.

        Parameters
        ----------
        rows : ndarray of bool, optional
            Rows to include (default all).
        relax : bool
            Continuous x in [0, 1] (LP relaxation).
        objective : bool
            False gives a feasibility problem (zero objective).

        Returns
        -------
        prob, variables, scaling
            The problem (maximisation), the list of its variables in column
            order and the :class:`Scaling` of its rows and objective (the
            model is not changed).
        """
        sc = self.scaling()
        rs, osc = sc.row, sc.objective
        prob = pulp.LpProblem(name, pulp.LpMaximize)
        cat = pulp.LpContinuous if relax else pulp.LpBinary
        xs = [prob.add_variable(f"x{k:06d}", lowBound=0, upBound=1, cat=cat) for k in range(self.nx)]
        hv = [prob.add_variable(f"h{k:04d}", lowBound=0, upBound=self.hire_ub, cat=pulp.LpContinuous)
              for k in range(len(self.hs))]
        var = xs + hv
        if objective:
            nz = np.nonzero(self.obj)[0]
            prob.setObjective(pulp.LpAffineExpression([(var[j], float(self.obj[j]) / osc) for j in nz]))
        else:
            prob.setObjective(pulp.LpAffineExpression([(var[0], 0.0)]) if var else pulp.LpAffineExpression())
        A = self.A
        keep = np.ones(self.n_rows, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        indptr, indices, data = A.indptr, A.indices, A.data
        for r in np.nonzero(keep)[0]:
            a, b = indptr[r], indptr[r + 1]
            if a == b:
                continue
            k = rs[r]
            expr = pulp.LpAffineExpression([(var[j], float(c) / k) for j, c in zip(indices[a:b], data[a:b])])
            lo, hi = self.lo[r] / k, self.hi[r] / k
            if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{r:06d}", float(hi)))
                continue
            if np.isfinite(hi):
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{r:06d}", float(hi)))
            if np.isfinite(lo):
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{r:06d}g", float(lo)))
        return prob, var, sc

    def evaluate(self, z: np.ndarray) -> np.ndarray:
        """Row activities ``A z`` of a column vector."""
        return self.A @ z

    def violated(self, z: np.ndarray, tol: float = 1e-6) -> np.ndarray:
        """Boolean mask of rows a column vector violates."""
        act = self.A @ z
        scale = np.maximum(1.0, np.abs(np.where(np.isfinite(self.hi), self.hi, 0)))
        return (act > self.hi + tol * scale) | (act < self.lo - tol * scale)

    def __repr__(self) -> str:
        fams = dict(zip(*np.unique(self.family, return_counts=True))) if self.n_rows else {}
        return (f"SelectionModel({self.data.n} projects, {self.nx} start variables, {len(self.hs)} hire "
                f"variables, {self.n_rows} rows {fams}, built in {self.build_seconds:.3f} s)")


class _Rows:
    """Accumulates sparse rows family by family (COO triplets)."""

    def __init__(self):
        self.r, self.c, self.v = [], [], []
        self.lo, self.hi, self.family, self.label = [], [], [], []
        self.m = 0

    def add(self, row_local, cols, vals, lo, hi, family, labels):
        """Add ``len(labels)`` rows; ``row_local`` indexes into them."""
        k = len(labels)
        if k == 0:
            return
        self.r.append(np.asarray(row_local, dtype=np.int64) + self.m)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (k,)))
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (k,)))
        self.family.append(np.full(k, family, dtype=object))
        self.label.append(np.asarray(labels, dtype=object))
        self.m += k

    def matrix(self, ncols):
        if self.m == 0:
            return (sp.csr_matrix((0, ncols)), np.zeros(0), np.zeros(0), np.zeros(0, object), np.zeros(0, object))
        A = sp.coo_matrix((np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
                          shape=(self.m, ncols)).tocsr()
        A.sum_duplicates()
        A.eliminate_zeros()
        return (A, np.concatenate(self.lo), np.concatenate(self.hi), np.concatenate(self.family),
                np.concatenate(self.label))


def build_model(data: SelectionData, options: SelectionOptions | None = None) -> SelectionModel:
    """Build the MILP of :mod:`pmo_analytics.selection.model` as sparse arrays.

    Construction is vectorised: every family of rows is created with a few
    numpy operations over all (project, start) columns; no Python loop runs
    per variable. See the module docstring for the formulation.

    Parameters
    ----------
    data : SelectionData
    options : SelectionOptions, optional

    Returns
    -------
    SelectionModel
    """
    t0 = time.perf_counter()
    o = options or SelectionOptions()
    d = data
    H, S, n = d.horizon, len(d.skills), d.n
    vp, vt = d.starts(o.require_finish)
    nx = len(vp)
    ids = d.ids
    # hire columns
    if o.hiring and o.capacity:
        hs, ht = np.nonzero(np.isfinite(d.hire_cost) & np.isfinite(d.capacity))
        ht = ht + 1
    else:
        hs, ht = np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    nh = len(hs)
    hcost = d.hire_cost[hs, ht - 1] if nh else np.zeros(0)
    # objective
    disc = (1.0 + o.delay_discount) ** (vt - d.earliest[vp]) if o.delay_discount else np.ones(nx)
    w = o.hire_weight
    if w is None:
        w = 1.0 if "currency" in d.value_label else 1e-9
    obj = np.concatenate([d.value[vp] / disc, -w * hcost])

    spend = d.spend_by_period(vp, vt)  # (nx, H)
    rows = _Rows()
    cols_x = np.arange(nx)
    # one start per project
    rows.add(vp, cols_x, np.ones(nx), -np.inf, np.ones(n), "one_start", [f"one start of {p}" for p in ids])

    def per_project(mask, lo, hi, family, text):
        sel = np.nonzero(mask)[0]
        if len(sel) == 0:
            return
        local = np.full(n, -1)
        local[sel] = np.arange(len(sel))
        m = local[vp] >= 0
        rows.add(local[vp[m]], cols_x[m], np.ones(m.sum()), lo, hi, family, [text.format(p) for p in ids[sel]])

    if o.mandatory:
        per_project(d.mandatory, 1.0, np.inf, "mandatory", "mandatory project {} funded")
    if o.force_in:
        per_project(np.isin(np.arange(n), d.index_of(o.force_in)), 1.0, np.inf, "forced_in", "{} forced in")
    if o.force_out:
        per_project(np.isin(np.arange(n), d.index_of(o.force_out)), -np.inf, 0.0, "forced_out", "{} forced out")

    if o.budget:
        kk, tt = np.nonzero(spend)
        r_, c_, v_ = [tt], [kk], [spend[kk, tt]]
        if nh:
            r_.append(ht - 1), c_.append(nx + np.arange(nh)), v_.append(hcost)
        rows.add(np.concatenate(r_), np.concatenate(c_), np.concatenate(v_), -np.inf, d.budget * o.budget_scale,
                 "budget", [f"budget in period {t}" for t in range(1, H + 1)])
    if o.total_budget is not None:
        tot = spend.sum(axis=1)
        c_ = [cols_x, nx + np.arange(nh)]
        v_ = [tot, hcost]
        rows.add(np.zeros(nx + nh, dtype=int), np.concatenate(c_), np.concatenate(v_), -np.inf,
                 [float(o.total_budget)], "total_budget", ["total budget"])
    for s in (o.capacity_delta or {}):
        if s not in d.skills:
            raise ValueError(f"capacity_delta names unknown skill {s!r}; skills are {list(d.skills)}")
    for k in (o.limit_scale or {}):
        if k not in d.limits:
            raise ValueError(f"limit_scale names unknown limit {k!r}; limits are {list(d.limits)}")
    if o.capacity and S:
        dem = d.demand_by_period(vp, vt)  # (nx, S, H)
        cap = d.capacity.copy()
        for s, delta in (o.capacity_delta or {}).items():
            cap[d.skills.index(s)] += float(delta)
        kk, ss, tt = np.nonzero(dem)
        rowid = ss * H + tt
        r_, c_, v_ = [rowid], [kk], [dem[kk, ss, tt]]
        if nh:
            r_.append(hs * H + (ht - 1)), c_.append(nx + np.arange(nh)), v_.append(-np.ones(nh))
        r_all, c_all, v_all = np.concatenate(r_), np.concatenate(c_), np.concatenate(v_)
        # only rows that can bind: finite capacity
        finite = np.isfinite(cap).ravel()
        used = np.zeros(S * H, dtype=bool)
        used[r_all] = True
        keep_rows = np.nonzero(finite & used)[0]
        local = np.full(S * H, -1)
        local[keep_rows] = np.arange(len(keep_rows))
        m = local[r_all] >= 0
        rows.add(local[r_all[m]], c_all[m], v_all[m], -np.inf, cap.ravel()[keep_rows], "capacity",
                 [f"capacity of {d.skills[r // H]} in period {r % H + 1}" for r in keep_rows])
    K = len(d.limits)
    if o.limits and K:
        use = d.limit_use_by_period(vp, vt)  # (nx, K, H)
        scale = np.array([float((o.limit_scale or {}).get(k, 1.0)) for k in d.limits])
        amount = d.limit_amount * scale[:, None]
        kk, ll, tt = np.nonzero(use)
        rowid = ll * H + tt
        finite = np.isfinite(amount).ravel()
        used = np.zeros(K * H, dtype=bool)
        used[rowid] = True
        keep_rows = np.nonzero(finite & used)[0]
        local = np.full(K * H, -1)
        local[keep_rows] = np.arange(len(keep_rows))
        m = local[rowid] >= 0
        rows.add(local[rowid[m]], kk[m], use[kk, ll, tt][m], -np.inf, amount.ravel()[keep_rows], "limit",
                 [f"limit {d.limits[r // H]} in period {r % H + 1} [{d.limit_units[r // H]}]" for r in keep_rows])
        total = d.limit_total * scale
        tot_use = use.sum(axis=2)  # (nx, K)
        for k in np.nonzero(np.isfinite(total) & (np.abs(tot_use).sum(axis=0) > 0))[0]:
            cols = np.nonzero(tot_use[:, k])[0]
            rows.add(np.zeros(len(cols), dtype=int), cols, tot_use[cols, k], -np.inf, [float(total[k])], "limit",
                     [f"limit {d.limits[k]} over the horizon [{d.limit_units[k]}]"])
    if o.dependencies:
        first = np.full(n, nx)
        np.minimum.at(first, vp, np.arange(nx))
        cnt = np.bincount(vp, minlength=n)

        def cols_of(i):
            return np.arange(first[i], first[i] + cnt[i]) if cnt[i] else np.zeros(0, dtype=int)

        if len(d.requires):
            a, b = d.requires[:, 0], d.requires[:, 1]
            r_, c_, v_ = [], [], []
            for k, (i, j) in enumerate(zip(a, b)):  # one row per pair (tens), vectorised within
                ci, cj = cols_of(i), cols_of(j)
                r_ += [np.full(len(ci) + len(cj), k)]
                c_ += [ci, cj]
                v_ += [np.ones(len(ci)), -np.ones(len(cj))]
            rows.add(np.concatenate(r_), np.concatenate(c_), np.concatenate(v_), -np.inf, np.zeros(len(a)),
                     "requires", [f"{ids[i]} requires {ids[j]}" for i, j in zip(a, b)])
        if len(d.excludes):
            a, b = d.excludes[:, 0], d.excludes[:, 1]
            r_, c_ = [], []
            for k, (i, j) in enumerate(zip(a, b)):
                ci, cj = cols_of(i), cols_of(j)
                r_ += [np.full(len(ci) + len(cj), k)]
                c_ += [ci, cj]
            cc = np.concatenate(c_)
            rows.add(np.concatenate(r_), cc, np.ones(len(cc)), -np.inf, np.ones(len(a)), "excludes",
                     [f"{ids[i]} excludes {ids[j]}" for i, j in zip(a, b)])
        if len(d.precedes):
            r_, c_, labels = [], [], []
            m = 0
            for i, j in d.precedes:
                ci, cj = cols_of(i), cols_of(j)
                if len(cj) == 0 or len(ci) == 0:
                    continue
                tj = vt[cj]                       # candidate start periods of the successor
                # row for each t in tj: x_j,tau (tau <= t) + x_i,tau (tau > t - d_i) <= 1
                inc_j = vt[cj][None, :] <= tj[:, None]
                inc_i = vt[ci][None, :] > (tj[:, None] - d.duration[i])
                rr, kk = np.nonzero(inc_j)
                r_.append(rr + m), c_.append(cj[kk])
                rr, kk = np.nonzero(inc_i)
                r_.append(rr + m), c_.append(ci[kk])
                labels += [f"{ids[i]} precedes {ids[j]}"] * len(tj)
                m += len(tj)
            if m:
                cc = np.concatenate(c_)
                rows.add(np.concatenate(r_), cc, np.ones(len(cc)), -np.inf, np.ones(m), "precedes", labels)
    tot_spend = spend.sum(axis=1)
    for family, shares, groups in (("bucket_share", o.bucket_share, d.bucket),
                                   ("unit_share", o.unit_share, d.business_unit)):
        for g, (lo, hi) in (shares or {}).items():
            if str(g) not in set(groups.tolist()):
                raise ValueError(f"{family}: no candidate project in {g!r}; known: {sorted(set(groups.tolist()))}")
            member = (groups[vp] == str(g)).astype(float)
            for bound, sense in ((lo, "min"), (hi, "max")):
                if bound is None:
                    continue
                if not 0.0 <= float(bound) <= 1.0:
                    raise ValueError(f"{family} bound for {g!r} must be a share in [0, 1], got {bound}")
                coef = (member - float(bound)) * tot_spend
                lo_, hi_ = (0.0, np.inf) if sense == "min" else (-np.inf, 0.0)
                rows.add(np.zeros(nx, dtype=int), cols_x, coef, [lo_], [hi_], family,
                         [f"{sense} {float(bound):.0%} of spend in {g}"])
    if o.max_starts is not None:
        rows.add(vt - 1, cols_x, np.ones(nx), -np.inf, np.full(H, float(o.max_starts)), "starts",
                 [f"at most {o.max_starts} starts in period {t}" for t in range(1, H + 1)])

    A, lo, hi, family, label = rows.matrix(nx + nh)
    model = SelectionModel(d, o, vp, vt, hs, ht, obj, A, lo, hi, family, label,
                           None if o.max_hire is None else float(o.max_hire), spend)
    model.build_seconds = time.perf_counter() - t0
    return model
