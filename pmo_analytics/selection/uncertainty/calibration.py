"""Calibration: the portfolio offered at alpha overruns with probability at most alpha, out of sample.

The SAA keeps the chance of overrunning under alpha *in the scenarios it was
solved on*; out of sample its portfolio overruns more often (with 100
scenarios and the sample portfolio, 0.11 to 0.20 at alpha 0.10), the more so
the more candidates there are: the optimiser fits the draws. Solving at a
smaller in-sample level alpha' < alpha makes the portfolio feasible with high
probability (Luedtke & Ahmed, *SIAM J. Optim.* 19(2), 2008, Thm 10;
Pagnoncelli, Ahmed & Shapiro, *J. Optim. Theory Appl.* 142, 2009, sect. 3:
candidate solutions from SAA at a smaller level, their feasibility checked
a posteriori by Monte Carlo). Here the candidates are tightened on many
scenarios instead of re-solved, which costs no MILP solve:

1. **Candidates** of a level: every portfolio already solved at it -- the
   SAA, today's rule, the recommended portfolio given by the caller. A
   level's offer depends on its own candidates only (not on the other
   levels asked for, nor on their order).
2. **Tuning** (:func:`tuning_set`, :func:`tighten`). The candidates' spend on
   ``N_T`` scenarios of a stream of their own (purpose ``_TUNING``),
   independent of the in-sample and the check scenarios (fewer than ``N_T``
   when the columns would take more than :data:`TUNING_BYTES`). Each
   candidate drops funded projects -- the one that removes the most overrun
   per unit of value lost, aimed at the overrunning scenarios closest to the
   budget (those cheapest to bring back under it) -- until at most
   ``allowed`` of the ``N_T`` scenarios overrun; then takes back candidate
   columns (and the dropped projects at other starts, or in place of cheaper
   funded ones) that keep it so. Every portfolio it passes through meets the
   structural rows (one start, dependencies, mandatory projects, capacity
   with the least hiring). ``allowed`` is the largest count whose Wilson
   upper bound at ``z_check + TUNING_MARGIN`` standard errors is <= alpha, so
   that the check passes with high probability; where no candidate gets
   there (the commitments alone come close to alpha), the projects that may
   not be dropped move to the starts with the fewest overruns, and the target
   drops the margin (the check decides either way).
3. **Check** (:func:`offer`). The most valuable tightened candidate is
   evaluated on ``N_C`` scenarios of the validation stream (purpose 11,
   replication = attempt), which no step of its choice saw: it is offered
   when the one-sided Wilson upper bound of its overrun probability there is
   <= alpha. The tuning sample chose the portfolio, so its own share is
   optimistic (the choice fits its draws); the check sample did not, so its
   bound is an honest confidence bound. A portfolio that fails is tightened
   further and checked on the next fresh stream, at most ``checks`` times,
   each at confidence ``1 - (1 - confidence) / checks``: the chance that any
   of them passes a portfolio whose true probability is above alpha is at
   most the sum, ``1 - confidence`` (Bonferroni).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ...parallel import executor_for
from .scenarios import ScenarioSpec, _blocks, draw_block

__all__ = ["Offered", "HireRule", "TuningSet", "tuning_set", "tighten", "allowed_overruns", "upper_bound"]

#: Stream purpose of the tuning scenarios (the in-sample ones are 10; the validation ones, 11, check the offers).
_TUNING = 12


def upper_bound(overruns: int, n: int, confidence: float = 0.95) -> float:
    """One-sided Wilson score upper bound of a binomial proportion [probability].

    ``(p + z^2/2n + z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``z``
    the one-sided normal quantile at ``confidence`` (Wilson, *JASA* 22, 1927).

    Examples
    --------
    >>> round(upper_bound(0, 100), 4), round(upper_bound(900, 10_000), 4)
    (0.0263, 0.0948)
    """
    if n <= 0 or not 0 <= overruns <= n:
        raise ValueError(f"need 0 <= overruns <= n and n > 0, got {overruns} of {n}")
    z = float(special.ndtri(confidence))
    return _wilson_high(overruns, n, z)


def _wilson_high(k: int, n: int, z: float) -> float:
    p = k / n
    den = 1 + z * z / n
    return min(1.0, (p + z * z / (2 * n) + z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / den)


def allowed_overruns(alpha: float, n: int, z: float) -> int:
    """The largest count of ``n`` scenarios whose Wilson upper bound at ``z`` is <= ``alpha`` (-1: none)."""
    lo, hi = -1, int(math.floor(alpha * n))
    while lo < hi:                     # the bound grows with the count: bisect
        mid = (lo + hi + 1) // 2
        if _wilson_high(mid, n, z) <= alpha:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ---------------------------------------------------------------- hiring of a portfolio
class HireRule:
    """The least hiring a portfolio needs: per hire column, the demand above capacity in its row [FTE].

    The SAA and today's rule hire exactly that (hiring only costs), so every
    portfolio the calibration passes through is priced the same way.
    """

    def __init__(self, model):
        self.model = model
        nx, nh = model.nx, len(model.hs)
        self.nh = nh
        self.row = np.full(nh, -1)
        if nh:
            Ah = model.A[:, nx:].tocsc()
            for h in range(nh):
                rows = Ah.indices[Ah.indptr[h]:Ah.indptr[h + 1]]
                if len(rows):
                    self.row[h] = rows[0]
        self.Ax = model.A[:, :nx].tocsr()
        self.cost = model.data.hire_cost[model.hs, model.ht - 1] if nh else np.zeros(0)
        self.ub = np.inf if model.hire_ub is None else float(model.hire_ub)

    def hire(self, x: np.ndarray) -> np.ndarray | None:
        """FTE per hire column for start columns ``x`` (None when capacity cannot be met by hiring)."""
        if not self.nh:
            return np.zeros(0)
        act = self.Ax @ x
        ok = self.row >= 0
        h = np.zeros(self.nh)
        h[ok] = np.maximum(act[self.row[ok]] - self.model.hi[self.row[ok]], 0.0)
        if np.any(h > self.ub + 1e-9):
            return None
        return h

    def spend(self, hire: np.ndarray) -> np.ndarray:
        """Hiring spend per period [currency]."""
        out = np.zeros(self.model.data.horizon)
        if self.nh:
            np.add.at(out, self.model.ht - 1, self.cost * hire)
        return out

    def feasible(self, x: np.ndarray, hire: np.ndarray) -> bool:
        """Every structural row holds (the budget rows are not in the model)."""
        return not self.model.violated(np.concatenate([x, hire])).any()


# ---------------------------------------------------------------- tuning scenarios
@dataclass(frozen=True, eq=False)
class TuningSet:
    """Spend of the candidates' start columns on the tuning scenarios.

    Attributes
    ----------
    cols : ndarray of int
        Start columns of the model (the union of the candidates').
    spend : ndarray, shape (len(cols), H, N), float32
        Spend of each column in each period and scenario [currency].
    committed : ndarray, shape (H, N)
        Spend outside the columns [currency].
    """

    cols: np.ndarray
    spend: np.ndarray
    committed: np.ndarray

    @property
    def N(self) -> int:
        return self.committed.shape[1]


def _tuning_block(shared, item):
    spec, vp, vt, cols = shared
    sc = draw_block(spec, item, projects=np.isin(np.arange(spec.data.n), vp[cols]))
    return sc.column_spend(vp[cols], vt[cols]).astype(np.float32), sc.committed


#: Memory the tuning spend may take [bytes]; with more candidate columns, fewer tuning scenarios are drawn.
TUNING_BYTES = 256 * 2 ** 20


def tuning_scenarios_for(n_cols: int, H: int, N: int, block_size: int = 500) -> int:
    """Tuning scenarios that fit :data:`TUNING_BYTES` for ``n_cols`` columns (at most ``N``, whole blocks)."""
    fit = TUNING_BYTES // max(4 * H * max(n_cols, 1), 1)
    return int(max(min(N, fit // block_size * block_size), min(N, block_size)))


def tuning_set(spec: ScenarioSpec, model, X: np.ndarray, N: int, seed: int, *, block_size: int = 500,
               executor=None, purpose: int = _TUNING, replication: int = 0, cap: bool = True) -> TuningSet:
    """The spend of every column some candidate of ``X`` (m, nx) funds, on ``N`` scenarios of their own stream.

    With ``cap``, ``N`` is lowered to what :data:`TUNING_BYTES` holds (:func:`tuning_scenarios_for`). The
    columns' numbers do not depend on which other columns are drawn with them (one stream per project).
    """
    cols = np.flatnonzero(np.atleast_2d(X).any(axis=0))
    if cap:
        N = tuning_scenarios_for(len(cols), model.data.horizon, int(N), int(block_size))
    items = _blocks(seed, purpose, replication, int(N), int(block_size))
    with executor_for(executor, 1) as ex:
        parts = ex.map(_tuning_block, items, shared=(spec, model.vp, model.vt, cols))
    return TuningSet(cols, np.concatenate([p[0] for p in parts], axis=2),
                     np.concatenate([p[1] for p in parts], axis=1))


# ---------------------------------------------------------------- tightening one candidate
@dataclass
class Tightened:
    """A candidate after :func:`tighten`: start columns, hiring [FTE], value, what changed, tuning overruns."""

    x: np.ndarray
    hire: np.ndarray
    value: float
    dropped: list = field(default_factory=list)
    added: list = field(default_factory=list)
    overruns: int = 0


def tighten(ts: TuningSet, rule: HireRule, x: np.ndarray, budget: np.ndarray, allowed: int,
            pool: np.ndarray | None = None, refill: bool = True, retime=None) -> Tightened | None:
    """Drop projects from portfolio ``x`` until at most ``allowed`` tuning scenarios overrun; None if it cannot.

    Greedy: in each step, when dropping one funded project alone brings the
    overruns down to ``allowed``, the one that loses least value (with the
    hiring it saves) and keeps every structural row is dropped. Otherwise
    the overrunning scenarios closest to the budget (as many as must be
    brought back under it, at most :data:`_FOCUS`) are the focus; each
    droppable project scores the reduction of their worst-period overrun it
    brings per unit of its value, and of the best :data:`_SHORTLIST` the one
    with the most reduction per unit of value lost whose removal keeps every
    structural row is dropped (while more than half the overruns must go,
    the best twentieth of the projects at once). Then the
    columns of ``pool`` (start columns of the other candidates) not funded are
    tried in order of value and kept when the portfolio still meets the rows
    and the ``allowed`` count (``refill``); with ``retime`` (columns -> their
    spend on the same tuning scenarios), so are the other start periods of
    the projects dropped. Last, a dropped project comes back (at any start)
    in place of one of the :data:`_SHORTLIST` least valuable funded ones when
    the portfolio gains value and still meets the rows and the count.
    When the projects that may not be dropped (mandatory, forced in) overrun
    more often than ``allowed`` on their own, or nothing droppable is left,
    they are first moved (once) to the starts with the fewest overruns.
    """
    model = rule.model
    pos = {int(c): i for i, c in enumerate(ts.cols)}
    obj = model.obj
    x = np.asarray(x, dtype=float).copy()
    hire = rule.hire(x)
    if hire is None or not rule.feasible(x, hire):
        return None
    B = np.asarray(budget, dtype=float)[:, None]
    tol = 1e-6 * max(float(np.abs(B).max()), 1.0)
    S = ts.committed + rule.spend(hire)[:, None]
    for j in np.flatnonzero(x > 0.5):
        S = S + ts.spend[pos[int(j)]]
    dropped, added = [], []
    fixed = _protected(model)

    def value(xx, hh):
        return float(obj @ np.concatenate([xx, hh]))

    v = value(x, hire)
    tiny = 1e-9 * max(abs(v), 1.0)
    hs = np.arange(S.shape[0])
    more = {}        # spend of columns outside the tuning set (other starts, fetched through ``retime``)

    def col_spend(c):
        return ts.spend[pos[c]] if c in pos else more[c]

    def fetch(cols):
        new = [int(c) for c in cols if int(c) not in pos and int(c) not in more]
        if new and retime is not None:
            more.update(zip(new, retime(np.array(new))))

    def overruns(SS) -> int:
        return int((SS > B + tol).any(axis=0).sum())

    def retime_protected() -> bool:
        """Move projects that may not be dropped to the start with the fewest overruns (once, when the count
        cannot be met otherwise: where the commitments alone come close to alpha)."""
        nonlocal S, x, hire, v
        prot = [int(j) for j in np.flatnonzero(x > 0.5) if fixed[model.vp[j]]]
        fetch(c for c in np.flatnonzero(np.isin(model.vp, model.vp[prot])) if x[c] < 0.5)
        moved = False
        for j in prot:
            best, now = None, overruns(S)
            for c in (int(c) for c in np.flatnonzero(model.vp == model.vp[j]) if c != j):
                if c not in pos and c not in more:
                    continue
                xx = x.copy()
                xx[j], xx[c] = 0.0, 1.0
                hh = rule.hire(xx)
                if hh is None:
                    continue
                S2 = S - col_spend(j) + col_spend(c) + (rule.spend(hh) - rule.spend(hire))[:, None]
                k = overruns(S2)
                if k < now and (best is None or k < best[0]) and rule.feasible(xx, hh):
                    best = (k, xx, hh, S2)
            if best is not None:
                _, x, hire, S = best
                v = value(x, hire)
                moved = True
        return moved

    prot_only = ts.committed.copy()
    for j in np.flatnonzero(x > 0.5):
        if fixed[model.vp[j]]:
            prot_only = prot_only + ts.spend[pos[int(j)]]
    rescued = overruns(prot_only) > allowed and retime_protected()
    while True:
        over = (S > B + tol).any(axis=0)
        count = int(over.sum())
        if count <= allowed:
            break
        excess = (S - B).max(axis=0)
        ko = np.flatnonzero(over)
        order = ko[np.argsort(excess[ko], kind="stable")]          # closest to the budget first
        need = count - allowed
        cand = np.array([j for j in np.flatnonzero(x > 0.5) if not fixed[model.vp[j]]], dtype=int)
        if not len(cand):
            if not rescued and retime_protected():
                rescued = True
                continue
            return None
        rows = np.array([pos[int(j)] if int(j) in pos else -1 for j in cand])
        if (rows < 0).any():       # a column fetched by the rescue: score on the tuning set's columns only
            cand, rows = cand[rows >= 0], rows[rows >= 0]
        # a drop that alone reaches the target (it brings `need` of the 2 need closest scenarios back): the one that
        # costs least, never a large project where a small one will do; otherwise the most overrun removed from the
        # focus (the `need` closest, at most _FOCUS) per unit of value, several at a time while far from the target
        enough = np.zeros(len(cand), bool)
        if 2 * need <= _FOCUS:
            near = order[:2 * need]
            back = ~(S[None][:, :, near] - ts.spend[np.ix_(rows, hs, near)] > B[None] + tol).any(axis=1)
            enough = back.sum(axis=1) >= need
        if enough.any():
            cand = cand[enough]
            short = np.lexsort((cand, obj[cand]))
            score = np.ones(len(cand))
            take = 1
        else:
            red = _reduction(ts.spend, rows, S, B, excess, order[:min(need, _FOCUS)], hs)
            if not red.any():      # nothing touches the focus: aim at every overrunning scenario
                red = _reduction(ts.spend, rows, S, B, excess, order[:_FOCUS * 4], hs)
            ok = red > 0
            cand, score = cand[ok], red[ok]
            take = max(1, len(cand) // 20) if need > count // 2 else 1
            short = np.lexsort((cand, -score / np.maximum(obj[cand], tiny)))
        trials = []
        for i in short:     # the first droppable ones in the ranking (a project others require cannot go alone)
            j = int(cand[i])
            xx = x.copy()
            xx[j] = 0.0
            hh = rule.hire(xx)
            if hh is not None and rule.feasible(xx, hh):
                trials.append((-score[i] / max(v - value(xx, hh), tiny), j))
                if len(trials) == _SHORTLIST + take:
                    break
        done = 0
        for _, j in sorted(trials):
            xx = x.copy()
            xx[j] = 0.0
            hh = rule.hire(xx)
            if hh is not None and rule.feasible(xx, hh):
                S = S - col_spend(j) + (rule.spend(hh) - rule.spend(hire))[:, None]
                x, hire, v = xx, hh, value(xx, hh)
                dropped.append(j)
                done += 1
                if done == take:
                    break
        if not done:
            if not rescued and retime_protected():
                rescued = True
                continue
            return None
    if refill:
        funded = np.zeros(model.data.n, bool)
        funded[model.vp[x > 0.5]] = True
        cols = {int(c) for c in (ts.cols if pool is None else pool)}
        if retime is not None and dropped:
            fetch(np.flatnonzero(np.isin(model.vp, model.vp[dropped])))
        cols |= set(more)

        for c in sorted((c for c in cols if not funded[model.vp[c]] and obj[c] > 0), key=lambda c: (-obj[c], c)):
            if funded[model.vp[c]]:
                continue
            xx = x.copy()
            xx[c] = 1.0
            hh = rule.hire(xx)
            if hh is None or value(xx, hh) <= v:
                continue
            S2 = S + col_spend(c) + (rule.spend(hh) - rule.spend(hire))[:, None]
            if int((S2 > B + tol).any(axis=0).sum()) > allowed or not rule.feasible(xx, hh):
                continue
            S, x, hire, v = S2, xx, hh, value(xx, hh)
            funded[model.vp[c]] = True
            added.append(c)
        # swaps: a dropped project back (at any start) in place of a funded one worth less, while one improves
        for _ in range(_SWAP_ROUNDS):
            back = sorted((c for c in cols if model.vp[c] in set(model.vp[dropped]) and not funded[model.vp[c]]
                           and obj[c] > 0), key=lambda c: (-obj[c], c))
            done = False
            for c in back:
                outs = sorted((int(j) for j in np.flatnonzero(x > 0.5)
                               if not fixed[model.vp[j]] and obj[j] < obj[c]), key=lambda j: (obj[j], j))
                for j in outs[:_SHORTLIST]:       # the least valuable: the largest gains, and a bounded search
                    xx = x.copy()
                    xx[j], xx[c] = 0.0, 1.0
                    hh = rule.hire(xx)
                    if hh is None or value(xx, hh) <= v + tiny:
                        continue
                    S2 = S - col_spend(j) + col_spend(c) + (rule.spend(hh) - rule.spend(hire))[:, None]
                    if int((S2 > B + tol).any(axis=0).sum()) > allowed or not rule.feasible(xx, hh):
                        continue
                    S, x, hire, v = S2, xx, hh, value(xx, hh)
                    funded[model.vp[j]], funded[model.vp[c]] = False, True
                    dropped.append(j)
                    added.append(c)
                    done = True
                    break
                if done:
                    break
            if not done:
                break
    return Tightened(x, hire, v, dropped, added, int((S > B + tol).any(axis=0).sum()))


#: Projects of the best reduction per unit of value whose exact value lost (with the hiring saved) is compared.
_SHORTLIST = 8
#: Overrunning scenarios a tightening step looks at (the closest to the budget): bounds each step's work.
_FOCUS = 1000
#: Swaps a tightening may make (each one raises the value, so they end by themselves; this bounds the time).
_SWAP_ROUNDS = 20


def _reduction(spend, rows, S, B, excess, ks, hs) -> np.ndarray:
    """Per column ``rows``: the worst-period overrun it removes from scenarios ``ks``, summed [currency]."""
    sub = spend[np.ix_(rows, hs, ks)]                                  # (c, H, |ks|)
    new = np.maximum((S[None, :, ks] - sub - B[None]).max(axis=1), 0.0)
    return (excess[ks][None] - new).clip(min=0.0).sum(axis=1)


def _protected(model) -> np.ndarray:
    """Projects that may not be dropped: mandatory (when the model says so) and forced in."""
    d, o = model.data, model.options
    out = np.zeros(d.n, bool)
    if o.mandatory:
        out |= d.mandatory
    if o.force_in:
        out[d.index_of(o.force_in)] = True
    return out


@dataclass
class Offered:
    """The portfolio offered at ``alpha`` and the evidence for it.

    Attributes
    ----------
    alpha : float
        The level promised [probability].
    x, hire : ndarray
        Start columns (0/1) and hiring [FTE] of the portfolio; None when none could be shown under alpha.
    value : float
        Expected value net of hiring [the model's value unit].
    source : str
        The candidate it was tightened from (``"SAA 0.1"``, ``"deterministic P90"``, ``"recommended"``).
    dropped, added : list of int
        Start columns dropped from / added to the candidate.
    tuning_overrun : float
        Share of the tuning scenarios it overruns (chose it: optimistic) [probability].
    tuning_scenarios, check_scenarios : int
    checks : int
        Checks made (fresh streams); ``confidence`` of each is ``1 - (1 - stated) / max_checks``.
    p_check, bound : float
        Overrun share on the check scenarios and its one-sided Wilson upper bound [probability].
    shown : bool
        ``bound <= alpha``.
    """

    alpha: float
    x: np.ndarray | None
    hire: np.ndarray | None
    value: float
    source: str
    dropped: list
    added: list
    tuning_overrun: float
    tuning_scenarios: int
    check_scenarios: int
    checks: int
    confidence: float
    p_check: float
    bound: float
    shown: bool
    spend: np.ndarray | None = field(default=None, repr=False)


#: Extra standard errors between the tuning target and the check's bound: the check then passes with
#: probability about Phi(1.5) = 0.93 when the tuning share is unbiased (a failed check tightens further and
#: checks again on fresh scenarios). A wider margin costs value and can leave nothing to offer where the
#: commitments alone come close to alpha (the sample at alpha 0.05: they overrun in about 4.1 %).
TUNING_MARGIN = 1.5


def _best(ts: TuningSet, rule: HireRule, candidates: dict, budget, allowed: int, retime=None):
    """The most valuable candidate after :func:`tighten` to ``allowed`` overruns: ``(label, Tightened)`` or None.

    The refill draws on the candidates' own columns only, so the result depends on them alone.
    """
    if allowed < 0 or not candidates:
        return None
    pool = np.flatnonzero(np.array(list(candidates.values())).any(axis=0))
    best = None
    for label, x in candidates.items():
        t = tighten(ts, rule, x, budget, allowed, pool=pool, retime=retime)
        if t is not None and (best is None or t.value > best[1].value + 1e-9 * max(abs(t.value), 1.0)):
            best = (label, t)
    return best


def offer(spec: ScenarioSpec, model, pools: dict, *, budget, seed: int, tuning_scenarios: int = 10_000,
          check_scenarios: int = 10_000, confidence: float = 0.95, checks: int = 2, block_size: int = 500,
          executor=None, also=None, also_extra=None):
    """The calibrated portfolio at each level, checked on fresh scenarios (the module's method).

    Parameters
    ----------
    spec, model : ScenarioSpec, SelectionModel
    pools : dict
        alpha -> {label: 0/1 start columns of ``model``}: the candidates of each level (the SAA at that
        level, today's rule at it, the recommendation). A level's offer depends on its own candidates only.
    budget : ndarray, shape (H,)
    seed : int
    tuning_scenarios : int
        Scenarios of the tuning stream ``(seed, _TUNING, 0)`` per level (fewer when the candidates' columns
        would take more than :data:`TUNING_BYTES`).
    check_scenarios, block_size, executor
        The check scenarios: ``check_scenarios`` of stream ``(seed, _VALIDATION, attempt)``.
    confidence : float
        Of the statement "P(overrun) <= alpha" over all checks of a level together.
    checks : int
        Fresh check streams a level may use.
    also, also_extra : ndarray (m, nx), (m, H), optional
        More portfolios (and their hiring spend [currency]) evaluated on the first check stream with the offers.

    Returns
    -------
    offers : dict
        alpha -> :class:`Offered`.
    also_spend : ndarray (m, H, check_scenarios) or None
        Spend of ``also`` on the first check stream [currency].
    """
    from .validation import evaluate_portfolios, overrun_indicators

    rule = HireRule(model)
    levels = list(pools)
    checks = max(int(checks), 1)
    conf = 1 - (1 - confidence) / checks
    z = float(special.ndtri(conf))
    zt = z + TUNING_MARGIN
    H = model.data.horizon
    target = {a: a for a in levels}          # the level the tuning sample aims at (lowered after a failed check)
    cap = {a: None for a in levels}          # and the most overruns it may allow then

    def tune(a):
        """``(label, Tightened, N_T)`` of level ``a`` at its current target, or None (memory: one level at a time)."""
        cands = pools[a]
        if not cands:
            return None
        ts = tuning_set(spec, model, np.array(list(cands.values())), tuning_scenarios, seed,
                        block_size=block_size, executor=executor)
        allowed = allowed_overruns(target[a], ts.N, zt)
        bare = allowed_overruns(target[a], ts.N, z)               # without the margin
        if cap[a] is not None:
            allowed, bare = min(allowed, cap[a]), min(bare, cap[a])

        def retime(cols):
            one = np.zeros((1, model.nx))
            one[0, cols] = 1.0
            return tuning_set(spec, model, one, ts.N, seed, block_size=block_size, executor=executor, cap=False).spend

        b = _best(ts, rule, cands, budget, allowed, retime=retime)
        cap[a] = allowed
        if b is None and bare > allowed:   # nothing meets the margin (the commitments alone come close to alpha):
            b = _best(ts, rule, cands, budget, bare, retime=retime)       # aim without it; the check decides,
            cap[a] = bare                                                  # as it always does
        return None if b is None else (b[0], b[1], ts.N)

    best = {a: tune(a) for a in levels}
    offers = {a: Offered(a, None, None, np.nan, "", [], [], np.nan, 0, int(check_scenarios), 0, conf, np.nan,
                         np.nan, False) for a in levels if best[a] is None}
    pending = [a for a in levels if best[a] is not None]
    also_spend = None
    for r in range(checks):
        if not pending and (r > 0 or also is None):
            break
        X = [best[a][1].x for a in pending]
        E = [rule.spend(best[a][1].hire) for a in pending]
        if r == 0 and also is not None:
            X += list(np.atleast_2d(also))
            E += list(np.zeros((len(np.atleast_2d(also)), H)) if also_extra is None else np.atleast_2d(also_extra))
        sp = evaluate_portfolios(spec, model, np.array(X), int(check_scenarios), seed, extra=np.array(E),
                                 block_size=block_size, executor=executor, replication=r)
        if r == 0 and also is not None:
            also_spend = sp[len(pending):]
        nxt = []
        for i, a in enumerate(pending):
            label, t, n_t = best[a]
            k = int(overrun_indicators(sp[i], budget).sum())
            bound = _wilson_high(k, sp.shape[2], z)
            offers[a] = Offered(a, t.x, t.hire, t.value, label, t.dropped, t.added, t.overruns / n_t, n_t,
                                int(check_scenarios), r + 1, conf, k / sp.shape[2], bound, bound <= a, sp[i])
            if bound <= a or r + 1 == checks:
                continue
            # the tuning share was optimistic by about (bound - alpha): aim that much lower on the tuning sample
            target[a] = a - (bound - a)
            cap[a] = cap[a] - 1
            nb = tune(a)
            if nb is not None:
                best[a] = nb
                nxt.append(a)
        pending = nxt
    return offers, also_spend
