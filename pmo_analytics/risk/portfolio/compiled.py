"""The compiled portfolio: every simulated project ready for the block simulation (no random numbers drawn).

:func:`compile_portfolio` turns a portfolio and the options of a
:class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel` into a picklable
:class:`CompiledPortfolio` -- projects in precedence order, each a
:class:`ScheduleProject` (its network, the sampling kernel's
:class:`~pmo_analytics.risk.sampling.BlockSampler` and
:class:`~pmo_analytics.risk.sampling.RiskDriverStep`, its schedule events,
costs, the data date of a project under way) or a :class:`ProfileProject` (a
cost profile scaled by reference-class outturn ratios) -- with the
cross-project links, the correlated reference classes, the shared risks and
the tracked milestones. :func:`schedule_times` is a schedule project's time
line for given durations, used by the blocks and by the deterministic plan.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ...exceptions import DataWarning, PMOError
from ...schedule.cpm import forward_pass, project_finish
from ...schedule.network import Network, build_network
from ...streams import stable_key
from ...tables.graph import split_list, topological_order
from ...tables.spec import split_activity_ref
from ..correlation import check_correlation, group_matrix, spearman_to_pearson
from ..distributions import DISTRIBUTIONS
from ..drivers import risk_drivers
from ..engine import done_durations
from ..events import BranchStep, RiskCalendarStep, windows_until
from ..reference_class import class_fit, reference_class_distributions
from ..sampling import BlockSampler, RiskDriverStep, ic_factor

__all__ = ["ScheduleProject", "ProfileProject", "CompiledPortfolio", "compile_portfolio", "schedule_times"]


@dataclass(frozen=True, eq=False)
class ScheduleProject:
    """One project simulated on its activity network (built by :class:`PortfolioRiskModel`).

    Arrays are in the network's row order. ``design`` draws a block of the
    project's remaining durations and local-risk uniforms (the sampling
    kernel's :class:`~pmo_analytics.risk.sampling.BlockSampler`; its
    ``low``/``mode``/``high`` are the ranges of the *remaining* durations,
    the planned ones without progress); ``risks`` is the register compiled
    against the network (:class:`~pmo_analytics.risk.sampling.RiskDriverStep`:
    the rows sharing each risk's cost impact, the incomplete ones taking its
    schedule impact). ``local`` are risk indices (into ``params`` and
    ``risks``) drawn from the project's own stream, ``shared`` those drawn
    from the shared streams. ``fixed`` is the fixed cost still to spend per
    activity and ``sunk`` the cost of the work done before the data date
    [currency].

    A *dated* project (progress, constraints, a data date or calendars) runs
    on its calendars from its data date: ``scale`` converts working days to
    each activity's kernel units, ``floor_days`` is the data date (or the
    start, when later) in working days of the project calendar after the
    start, ``cal_rows`` groups the incomplete rows on other calendars than
    the project's by calendar and ``done`` lists the complete rows, whose
    ``actual_days`` (finish, relative to the floor; NaN for the others) are
    reported for tracked milestones.
    """

    project_id: str
    key: int
    reference_class: str
    start: float
    network: Network
    design: BlockSampler
    fixed: np.ndarray
    rate: np.ndarray
    risks: RiskDriverStep
    params: np.ndarray
    local: np.ndarray
    shared: np.ndarray
    response_cost: float
    end_rows: np.ndarray
    plan_days: float
    plan_cost: float
    duration_periods: int
    sunk: float = 0.0
    dated: bool = False
    scale: np.ndarray | None = None
    floor_days: float = 0.0
    cal_rows: tuple = ()
    done: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    actual_days: np.ndarray | None = None
    branches: BranchStep | None = None
    calendars: RiskCalendarStep | None = None

    @property
    def n_events(self) -> int:
        """Uniform rows of the project's schedule events per iteration (branches, then windows) [count]."""
        return (self.branches.n if self.branches is not None else 0) + \
            (self.calendars.n if self.calendars is not None else 0)

    @property
    def n(self) -> int:
        return self.network.n

    @property
    def n_local(self) -> int:
        return int(len(self.local))

    @property
    def low(self) -> np.ndarray:
        return self.design.low

    @property
    def mode(self) -> np.ndarray:
        return self.design.mode

    @property
    def high(self) -> np.ndarray:
        return self.design.high

    @property
    def touched(self) -> np.ndarray:
        return self.risks.touched

    @property
    def risk_ids(self) -> tuple:
        return self.risks.ids


@dataclass(frozen=True, eq=False)
class ProfileProject:
    """A project without a schedule: its cost profile, scaled by reference-class outturn ratios."""

    project_id: str
    key: int
    reference_class: str
    start: float
    profile: np.ndarray
    duration_periods: int
    cost_mu: float
    cost_sigma: float
    duration_mu: float
    duration_sigma: float
    copula_rho: float

    @property
    def plan_cost(self) -> float:
        return float(self.profile.sum())


@dataclass(frozen=True, eq=False)
class CompiledPortfolio:
    """Everything a block needs (picklable: sent once to each worker of a cluster).

    ``track`` lists (project index, network row) of the milestones tracked,
    ``track_labels`` their ``PROJECT/ACTIVITY`` names.
    """

    projects: tuple
    preds: tuple
    classes: tuple
    shared: tuple
    track: tuple
    horizon: int
    period_days: float
    block_size: int
    iterations: int
    seed: int
    sampling: str
    pert_lambda: float
    sampler: Callable = field(repr=False)
    cache_mb: float = 256.0
    track_labels: tuple = ()

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.iterations / self.block_size)


def schedule_times(pr: ScheduleProject, D: np.ndarray, stretch: dict | None = None):
    """Remaining work of one project on its own time line, for durations ``D`` (n, B) [working days].

    Returns ``lo``, ``hi`` (start and finish of each activity's remaining
    work; 0 for complete activities) and ``T`` (the project finish)
    [working days of the project calendar after the floor: the project's
    start, or its data date when it has progress]. A tracked complete
    activity is reported at ``pr.actual_days`` instead.
    """
    net = pr.network
    if not pr.dated:
        EF = forward_pass(net, D)
        T = EF[pr.end_rows].max(axis=0) if len(pr.end_rows) else np.zeros(D.shape[1])
        return EF - D, EF, T
    K = D * pr.scale[:, None]  # working days -> kernel units (hours of each activity's calendar)
    hi = forward_pass(net, K, stretch=stretch)  # a risk calendar's windows stretch K in place
    T = net.to_days(project_finish(net, hi)) - pr.floor_days
    lo = hi - K
    tl = net.timeline
    for c, rows in pr.cal_rows:  # incomplete rows on another calendar than the project's: into the project's
        lo[rows] = tl.convert(c, 0, lo[rows], "finish")
        hi[rows] = tl.convert(c, 0, hi[rows], "finish")
    hpd = net._hours_per_day()
    off = net._w_start() + pr.floor_days * hpd
    for x in (lo, hi):
        x -= off
        x *= 1.0 / hpd
        np.maximum(x, 0.0, out=x)  # no remaining work before the data date (rounding of the conversions)
    if len(pr.done):  # complete work: only a risk's cost can still fall on it, paid at the data date
        lo[pr.done] = 0.0
        hi[pr.done] = 0.0
    return lo, hi, T


def compile_portfolio(model, portfolio, selection=None) -> CompiledPortfolio:
    """The picklable model of the portfolio that ``model.run`` simulates (no random numbers drawn).

    ``model`` is the :class:`~pmo_analytics.risk.portfolio.PortfolioRiskModel`
    whose options (seed, iterations, block size, periods, stages,
    correlations, sampling, mitigation, milestones ...) are compiled.
    """
    pf = portfolio
    projects = pf.projects.copy()
    projects["project_id"] = projects["project_id"].astype(str)
    starts = {p: int(s) for p, s in projects.loc[projects["stage"].isin(model.stages),
                                                 ["project_id", "earliest_start"]].itertuples(index=False)}
    starts.update(_selection_starts(selection, projects))
    if not starts:
        raise PMOError(f"no project to simulate: none at stage(s) {model.stages} and no selection given")
    info = projects.set_index("project_id")
    H = len(pf.periods)
    P = model.period_days
    fits = reference_class_distributions(pf.history if pf.has("history") else None, model.min_class_size)
    acts = pf.activities if pf.has("activities") else None
    with_schedule = set(acts["project_id"].astype(str)) if acts is not None else set()
    if fits.empty and set(starts) - with_schedule:
        warnings.warn("no history table: projects without a schedule are simulated at their estimates",
                      DataWarning, stacklevel=4)
    links = pf.links if acts is not None else None
    risks = pf.risks if pf.has("risks") else None
    shared_ids = _shared_risk_ids(risks)
    costs = pf.costs
    # precedence among simulated projects
    ids = sorted(starts)
    edges = []
    if pf.has("dependencies"):
        d = pf.dependencies[pf.dependencies["type"] == "precedes"]
        edges = [(str(a), str(b)) for a, b in zip(d["project_id"], d["other_project_id"])
                 if str(a) in starts and str(b) in starts]
    order = topological_order(ids, edges)
    if order is None:  # validation refuses such data; a hand-built portfolio may still have it
        from ...exceptions import NetworkCycleError
        from ...tables.graph import find_cycle
        raise NetworkCycleError(find_cycle(edges), what="'precedes' dependencies")
    pos = {p: i for i, p in enumerate(order)}
    preds = [[] for _ in order]
    for a, b in edges:
        preds[pos[b]].append(pos[a])
    built = []
    shared_used: set = set()
    for p in order:
        row = info.loc[p]
        start = (starts[p] - 1) * P
        cls = str(row["category"])
        if p in with_schedule:
            pr = _schedule_project(model, pf, p, acts, links, risks, shared_ids, start, cls,
                                        int(row["duration_periods"]))
            shared_used.update(pr.risk_ids[k] for k in pr.shared)
        else:
            c = costs[costs["project_id"].astype(str) == p]
            L = int(max(int(row["duration_periods"]), int(c["period_offset"].max()) + 1 if len(c) else 1))
            profile = np.zeros(L)
            np.add.at(profile, c["period_offset"].to_numpy(int), c["cost"].to_numpy(float))
            if not len(c):
                profile[0] = float(row["estimated_cost"])
            cmu, csd, dmu, dsd, rho = class_fit(fits, cls)
            if model.cost_duration_correlation != "history":
                rho = float(model.cost_duration_correlation)
            pr = ProfileProject(p, stable_key(p), cls, start, profile, L, cmu, csd, dmu, dsd,
                                float(spearman_to_pearson(np.clip(rho, -0.99, 0.99))))
        built.append(pr)
    classes = []
    by_class: dict = {}
    for i, pr in enumerate(built):
        by_class.setdefault(pr.reference_class, []).append(i)
    for cls, members in sorted(by_class.items()):
        rho = (model.class_correlation.get(cls, 0.0) if isinstance(model.class_correlation, Mapping)
               else model.class_correlation)
        if len(members) >= 2 and float(rho) > 0:
            c = check_correlation(group_matrix(len(members), float(rho)), name=f"class correlation of {cls}")
            classes.append((stable_key(cls), tuple(members), ic_factor(c, name=f"class correlation of {cls}")))
    track = []
    for ref in model.milestones:
        proj, act = split_activity_ref(ref, "")
        if proj not in pos:
            raise ValueError(f"milestone {ref!r}: project {proj!r} is not simulated")
        pr = built[pos[proj]]
        if not isinstance(pr, ScheduleProject):
            raise ValueError(f"milestone {ref!r}: project {proj!r} has no schedule")
        track.append((pos[proj], pr.network.row(act), ref))
    return CompiledPortfolio(tuple(built), tuple(tuple(p) for p in preds), tuple(classes),
                             tuple(sorted(shared_used)), tuple((i, r) for i, r, _ in track), H, P,
                             model.block_size, model.iterations, model.seed, model.sampling, model.pert_lambda,
                             model.sampler, model.cache_mb, tuple(t[2] for t in track))

def _schedule_project(model, pf, p, acts, links, risks, shared_ids, start, cls, duration_periods):
    own = acts[acts["project_id"].astype(str) == p]
    row = pf.projects.set_index(pf.projects["project_id"].astype(str)).loc[p]
    dated = _needs_dates(own, row)
    if dated:
        try:
            net = build_network(pf, p, links=links, progress=model.progress_mode)
        except ValueError as exc:
            if "need a start_date" not in str(exc):
                raise
            raise PMOError(f"project {p}: its activities carry {dated}, which need the project's start_date "
                           "(or data_date) in the projects table") from None
    else:
        net = build_network(acts, p, links=links)
    a = net.activities
    unknown = set(a["distribution"]) - set(DISTRIBUTIONS)
    if unknown:
        raise PMOError(f"project {p}: unknown distribution(s) {sorted(unknown)}")
    dr = risk_drivers(risks, net)
    is_shared = np.array([rid in shared_ids for rid in dr.ids], dtype=bool)
    local = np.flatnonzero(~is_shared)
    for k in np.flatnonzero(dr.parent >= 0):  # a conditional risk and its parent: both local
        g = int(dr.parent[k])
        if is_shared[k] or is_shared[g]:
            raise PMOError(f"project {p}: risk {dr.ids[k]} depends on {dr.ids[g]}, and "
                           f"{dr.ids[k] if is_shared[k] else dr.ids[g]} is shared by several projects: the "
                           "portfolio model does not simulate conditional shared risks (make both local, or "
                           "drop the condition)")
    # remaining work, as the schedule engine simulates it (ranges scaled by remaining / most likely), drawn
    # by the sampling kernel: durations, then the occurrence and impact rows of the local risks
    design = BlockSampler.for_network(net, 2 * len(local), block_size=model.block_size, sampling=model.sampling,
                                      pert_lambda=model.pert_lambda, correlation=model.activity_correlation,
                                      strict=False)
    step = RiskDriverStep.compile(dr, net.status)
    if dr.n:
        params = np.where(model.mitigated, dr.post, dr.pre)
        response = float(dr.table["mitigation_cost"].to_numpy(float)[dr.has_mitigation].sum()) \
            if model.mitigated else 0.0
    else:
        params, response = np.zeros((0, 7)), 0.0
    status = net.status
    incomplete = status != 2
    gone = step.passed
    if gone:
        warnings.warn(f"project {p}: risk(s) {', '.join(gone)} affect only complete activities: their schedule "
                      "impact is left out (cost impacts still count)", DataWarning, stacklevel=5)
    lk = net.links
    drives = np.zeros(net.n, bool)
    drives[lk["pred_row"].to_numpy()[lk["type"].isin(["FS", "FF"]).to_numpy()]] = True
    end_rows = np.flatnonzero(~drives)
    if (lk["lag"].to_numpy(float) < 0).any():
        end_rows = np.arange(net.n)
    fixed = a["fixed_cost"].to_numpy(float)
    rate = a["cost_rate"].to_numpy(float)
    ml, rem = a["most_likely"].to_numpy(float), net.remaining
    # fixed cost still to spend: all of it before the start, the remaining share in progress, none when
    # complete; work done on a started activity costs its planned share (most_likely - remaining), as in
    # ScheduleRiskModel
    left = np.where(status == 0, 1.0, np.where(status == 1, np.where(ml > 0, rem / np.where(ml > 0, ml, 1.0),
                                                                     1.0), 0.0))
    fixed_left = fixed * left
    sunk = float((fixed - fixed_left).sum() + rate @ done_durations(net))
    extra = {}
    if net.has_dates:
        plan = net._plan
        done = status == 2
        cal = plan.cal
        floor = max(net.start_date, net.data_date)
        tl = net.timeline
        floor_days = float(net.to_days(tl.work(0, tl.day(floor))))
        actual = np.full(net.n, np.nan)
        if done.any():
            actual[done] = net.row_days(np.flatnonzero(done), plan.actual_finish[done]) - floor_days
        groups = tuple((int(c), np.flatnonzero(incomplete & (cal == c))) for c in np.unique(cal[incomplete])
                       if c)
        extra = dict(dated=True, scale=plan.scale.copy(), floor_days=floor_days, cal_rows=groups,
                     done=np.flatnonzero(done), actual_days=actual)
    branches = BranchStep.compile(pf.tables.get("branches"), net)
    calendars = RiskCalendarStep.compile(pf.tables.get("risk_calendars"), net,
                                         until=windows_until(net, design.high, dr)) if net.has_dates else None
    if calendars is None and not net.has_dates and "risk_calendar_id" in own.columns and \
            own["risk_calendar_id"].notna().any():
        raise PMOError(f"project {p}: its activities name risk calendars, which need the project's start_date")
    pr = ScheduleProject(p, stable_key(p), cls, start, net, design, fixed_left, rate, step, params, local,
                         np.flatnonzero(is_shared), response, end_rows, 0.0, float(fixed.sum() + rate @ ml),
                         duration_periods, sunk=sunk, branches=branches, calendars=calendars, **extra)
    mode = design.mode * (branches.most_likely_exists(net.n) if branches is not None else 1.0)
    _, _, T = schedule_times(pr, mode[:, None])
    return replace(pr, plan_days=float(T[0]))  # the deterministic remaining schedule (most likely branches)


def _selection_starts(selection, projects: pd.DataFrame) -> dict:
    """{project_id: start period} from a PortfolioSelector, a portfolio frame, a mapping or a list of ids."""
    if selection is None:
        return {}
    pf = getattr(selection, "portfolio_", None)
    if pf is not None:
        selection = pf
    if isinstance(selection, pd.DataFrame):
        if not {"selected", "start_period"} <= set(selection.columns):
            raise ValueError("a selection frame needs 'selected' and 'start_period' columns (portfolio_frame)")
        sel = selection[selection["selected"].astype(bool)]
        ids = sel.index if "project_id" not in sel.columns else sel["project_id"]
        out = {str(p): int(s) for p, s in zip(ids, sel["start_period"])}
    elif isinstance(selection, Mapping):
        out = {str(p): int(s) for p, s in selection.items()}
    else:
        ids = [str(p) for p in ([selection] if isinstance(selection, str) else list(selection))]
        es = projects.set_index("project_id")["earliest_start"]
        unknown = [p for p in ids if p not in es.index]
        if unknown:
            raise ValueError(f"selection names unknown project(s) {unknown[:10]}")
        out = {p: int(es[p]) for p in ids}
    unknown = sorted(set(out) - set(projects["project_id"].astype(str)))
    if unknown:
        raise ValueError(f"selection names unknown project(s) {unknown[:10]}")
    bad = {p: s for p, s in out.items() if s < 1}
    if bad:
        raise ValueError(f"start periods must be >= 1, got {bad}")
    return out


def _needs_dates(acts: pd.DataFrame, project: pd.Series) -> str:
    """What makes a project's schedule need dates (progress, constraints, a data date, calendars), or ""."""
    why = [c for c in ("actual_start", "actual_finish", "constraint_date", "calendar_id", "risk_calendar_id")
           if c in acts.columns and acts[c].notna().any()]
    why += [c for c in ("data_date", "calendar_id") if c in project.index and not pd.isna(project[c])
            and c not in why]
    return ", ".join(why)


def _shared_risk_ids(risks: pd.DataFrame | None) -> set:
    """Ids of the register rows whose affected activities lie in more than one project."""
    out = set()
    if risks is None or not len(risks) or "affected_activities" not in risks.columns:
        return out
    for rid, pid, text in zip(risks["risk_id"], risks["project_id"], risks["affected_activities"]):
        projects = set()
        for a in split_list(text):
            try:
                projects.add(split_activity_ref(a, str(pid))[0])
            except ValueError:
                projects.add(str(pid))
        if len(projects) > 1 or (projects and projects != {str(pid)}):
            out.add(str(rid))
    return out
