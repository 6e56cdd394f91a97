"""The schedule and cost risk stage of a review: every active project with a schedule, simulated once.

Notebook 03 (the risk record), the executive summary 00 and the governance
record 06 read :class:`RiskReview`, so a P80 date or a contingency is quoted
identically everywhere: one model per project, built with the policy's
iterations and correlation, run with a seed derived from the review seed and
the project id (so adding a project does not change another's numbers).
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from ..risk import ScheduleRiskModel, exposure
from ..risk.recovery import DEFAULT_CURVE, Recovery
from ..schedule import health_check
from ..schedule.crashing import crash_data
from ..streams import derive_seed
from .policy import ReviewPolicy
from .stage import require_fitted, summary_frame

__all__ = ["RiskReview", "project_seed", "risk_table", "recovery_table", "RECOVERY_VALIDATION"]

#: Independent scenarios each recovery plan is validated on [count].
RECOVERY_VALIDATION = 10_000


def project_seed(seed: int, project_id: str) -> int:
    """The seed of one project's simulation: derived from the review seed and the project id.

    :func:`pmo_analytics.streams.derive_seed` -- 64 bits of
    ``SeedSequence(seed, spawn_key=(stable_key(id),))``, the package's one
    way from an id to a stream -- gives independent seeds per project that
    do not depend on which other projects are simulated.
    """
    return derive_seed(seed, str(project_id))


def risk_table(results: dict, projects: pd.DataFrame, confidence: float = 80) -> pd.DataFrame:
    """One row per simulated project: plan, commitment, P50/Pc dates and costs, contingency, JCL.

    Parameters
    ----------
    results : dict
        Project id -> fitted risk result.
    projects : DataFrame
        The ``projects`` table (``name``, ``committed_finish``, ``estimated_cost``).
    confidence : float
        Percentile of the decision (80 = P80).

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``name``, ``planned_finish``,
        ``committed_finish``, ``p50_finish``, ``p<c>_finish`` (dates),
        ``schedule_contingency`` [working days], ``p_on_committed``
        [probability; NaN without a commitment], ``planned_cost``,
        ``estimated_cost``, ``p50_cost``, ``p<c>_cost``, ``cost_contingency``
        [currency, P<c> cost - planned cost], ``joint_p<c>`` [probability of
        meeting both the P<c> date and the P<c> cost]. ``<c>`` is the
        confidence level (``p90_cost`` at 90: a name says the level it was
        computed at, :func:`pmo_analytics.tables.columns.at_level`);
        ``attrs["confidence"]`` is ``confidence``.
    """
    from ..tables.columns import at_level

    fin, cst, joint = at_level("finish", confidence), at_level("cost", confidence), at_level("joint", confidence)
    pr = projects.set_index("project_id")
    rows = []
    for pid, res in results.items():
        m = res  # the fitted ScheduleRiskModel holds its results
        p = res.percentiles([50, confidence]).set_index("percentile")
        det = float(res.deterministic_finish_)
        committed = pr.at[pid, "committed_finish"] if "committed_finish" in pr.columns else pd.NaT
        p_on = float("nan")
        if m.deadline is not None:
            p_on = float(np.mean(res.finish_ <= m.deadline + 1e-9))
        has_dates = "finish_date" in p.columns
        rows.append({
            "project_id": pid, "name": pr.at[pid, "name"],
            "planned_finish": res.to_date(det) if has_dates else det,
            "committed_finish": committed,
            "p50_finish": p.at[50, "finish_date"] if has_dates else p.at[50, "finish"],
            fin: p.at[confidence, "finish_date"] if has_dates else p.at[confidence, "finish"],
            "schedule_contingency": float(p.at[confidence, "finish"]) - det,
            "p_on_committed": p_on,
            "planned_cost": float(res.deterministic_cost_),
            "estimated_cost": float(pr.at[pid, "estimated_cost"]),
            "p50_cost": float(p.at[50, "cost"]), cst: float(p.at[confidence, "cost"]),
            "cost_contingency": float(p.at[confidence, "cost"]) - float(res.deterministic_cost_),
            joint: float(res.jcl(p.at[confidence, "finish"], p.at[confidence, "cost"])),
        })
    cols = list(dict.fromkeys(["project_id", "name", "planned_finish", "committed_finish", "p50_finish", fin,
                               "schedule_contingency", "p_on_committed", "planned_cost", "estimated_cost", "p50_cost",
                               cst, "cost_contingency", joint]))
    out = pd.DataFrame(rows, columns=cols).set_index("project_id")
    out.attrs["confidence"] = float(confidence)
    return out


def recovery_table(recoveries: dict, late: list[str], table: pd.DataFrame, models: dict) -> pd.DataFrame:
    """One row per project late at the confidence level: its cheapest recovery to the commitment.

    Parameters
    ----------
    recoveries : dict
        Project id -> fitted :class:`~pmo_analytics.risk.Recovery`.
    late : list of str
        Projects late at the confidence level (with or without a recovery).
    table : DataFrame
        :func:`risk_table` (``committed_finish``, ``p_on_committed``).
    models : dict
        Project id -> the review's model (its network says whether crash data exist).

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``committed_finish`` (date),
        ``confidence_before`` [probability, validated], ``confidence_after``
        [probability, validated on independent scenarios], ``after_lo``,
        ``after_hi`` [probability, its Wilson interval], ``recovery_cost``
        [currency], ``activities_crashed`` [count], ``days_crashed``
        [working days, summed], ``max_confidence`` [probability with every
        activity crashed to its limit], ``status`` (``recovered``, ``not
        reachable`` with the crash limits, ``no crash data``).
    """
    rows = []
    for pid in late:
        base = {"project_id": pid, "committed_finish": table.at[pid, "committed_finish"]}
        rec = recoveries.get(pid)
        if rec is None:
            rows.append({**base, "confidence_before": float(table.at[pid, "p_on_committed"]),
                         "status": "no crash data"})
            continue
        s = rec.summary.iloc[0]
        rows.append({**base, "confidence_before": rec.confidence_before_,
                     "confidence_after": rec.confidence_after_ if rec.feasible_ else np.nan,
                     "after_lo": rec.interval_after_[0] if rec.feasible_ else np.nan,
                     "after_hi": rec.interval_after_[1] if rec.feasible_ else np.nan,
                     "recovery_cost": rec.cost_, "activities_crashed": int(s["activities_crashed"]) if
                     rec.feasible_ else 0, "days_crashed": float(s["days_crashed"]) if rec.feasible_ else 0.0,
                     "max_confidence": rec.max_confidence_,
                     "status": "recovered" if rec.feasible_ else "not reachable"})
    cols = ["project_id", "committed_finish", "confidence_before", "confidence_after", "after_lo", "after_hi",
            "recovery_cost", "activities_crashed", "days_crashed", "max_confidence", "status"]
    return pd.DataFrame(rows, columns=cols).set_index("project_id")


class RiskReview:
    """Schedule health and Monte Carlo risk of every active project with a schedule.

    Parameters
    ----------
    policy : ReviewPolicy

    Attributes
    ----------
    projects_ : list of str
        Projects simulated (active, with activities and a start date).
    not_assessed_ : DataFrame
        ``project_id``, ``reason``: active projects that could not be simulated, and why.
    models_, results_ : dict
        Project id -> model / result.
    health_ : DataFrame
        DCMA checks per project (``project_id``, ``check``, ``passed``, ...).
    health_warnings_ : dict
        Project id -> warnings raised while building the model (strings).
    table_ : DataFrame
        :func:`risk_table` at the policy's confidence level.
    exposure_ : DataFrame
        :func:`pmo_analytics.risk.exposure` (lateness against the commitment, JCL on date and estimate).
    """

    #: Independent scenarios each recovery plan is validated on [count].
    recovery_validation = RECOVERY_VALIDATION

    def __init__(self, policy: ReviewPolicy):
        self.policy = policy

    def fit(self, portfolio) -> RiskReview:
        pol = self.policy
        pf = portfolio
        active = pf.projects_in("active")
        with_acts = set(pf.activities["project_id"].astype(str)) if pf.has("activities") else set()
        missing = []
        ids = []
        for r in active.itertuples():
            pid = str(r.project_id)
            if pid not in with_acts:
                missing.append((pid, "no schedule (no activities)"))
            elif "start_date" not in active.columns or pd.isna(getattr(r, "start_date", pd.NaT)):
                missing.append((pid, "no start date"))
            else:
                ids.append(pid)
        self.projects_ = sorted(ids)
        self.not_assessed_ = pd.DataFrame(missing, columns=["project_id", "reason"])
        self.models_, self.health_warnings_, health = {}, {}, []
        for pid in self.projects_:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = self.build_model(pf, pid)
                h = health_check(model.network, deadline=model.deadline)
            self.models_[pid] = model
            self.health_warnings_[pid] = [str(w.message) for w in caught]  # shown to people: no class names
            health.append(h.assign(project_id=pid))
        self.health_ = pd.concat(health, ignore_index=True) if health else pd.DataFrame(
            columns=["project_id", "check", "passed"])
        self.results_ = {pid: m.run() for pid, m in self.models_.items()}
        self.table_ = risk_table(self.results_, pf.projects, pol.confidence)
        # the escalation rules test the P80 lateness (rule E6/E7: "the P80 finish is ... late") at any level
        self.exposure_ = exposure(self.results_, pf.projects, percentile=pol.confidence, also=(80,))
        self.has_risks_ = pf.has("risks")
        self._risks = pf.risks if pf.has("risks") else None
        self._events = {name: pf.tables[name] for name in ("branches", "risk_calendars") if pf.has(name)}
        pr = pf.projects.set_index("project_id")
        self.without_commitment_ = [p for p in self.projects_
                                    if "committed_finish" not in pr.columns or pd.isna(pr.at[p, "committed_finish"])]
        return self

    def build_model(self, portfolio, project_id: str) -> ScheduleRiskModel:
        """A fresh, unrun model of one project with the policy's seed, iterations and correlation.

        :meth:`fit` builds its models with this; a record's reproducibility check builds another and runs it.
        """
        pol = self.policy
        return ScheduleRiskModel.from_portfolio(portfolio, project_id, seed=project_seed(pol.seed, project_id),
                                                iterations=pol.iterations, correlation=pol.group_correlation)

    @property
    def assessed(self) -> bool:
        """True when at least one project was simulated."""
        return bool(self.projects_)

    @cached_property
    def chart_projects_(self) -> list[str]:
        """Projects the risk page draws charts for (distribution, joint confidence, tornado).

        Every simulated project when there are at most the policy's
        ``detail_charts``; otherwise that many, the most exposed first: latest
        against the commitment at the confidence level, then the largest
        schedule and cost contingency (a page of hundreds of charts is read
        by nobody and took minutes to render at 40x the sample). The tables
        keep every project.
        """
        n = self.policy.detail_charts
        if len(self.projects_) <= n:
            return list(self.projects_)
        ex = self.exposure_.set_index("project_id").reindex(self.projects_)
        from ..tables.columns import at_level

        key = pd.DataFrame({"late": ex[at_level("days_late", self.policy.confidence)].fillna(-np.inf),
                            "sched": ex["schedule_contingency"].fillna(0.0),
                            "cost": ex["cost_contingency"].fillna(0.0)}, index=ex.index)
        key = key.sort_values(["late", "sched", "cost"], ascending=False, kind="stable")
        return key.index[:n].tolist()

    @cached_property
    def tornado_(self) -> dict:
        """Project id -> risk tornado at the confidence level (each risk removed in turn, common random numbers)."""
        return {pid: res.tornado(self.policy.confidence) for pid, res in self.results_.items()}

    @cached_property
    def mitigations_(self) -> pd.DataFrame:
        """Every planned response simulated alone: cost, exposure reduction, net saving, pays for itself."""
        parts = [res.mitigations(self.policy.confidence).assign(project_id=pid) for pid, res in self.results_.items()]
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=["project_id", "risk_id", "mitigation", "mitigation_cost",
                                         "exposure_reduction", "net_saving", "finish_reduction", "pays_for_itself"])
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def recoveries_(self) -> dict:
        """Project id -> fitted :class:`~pmo_analytics.risk.Recovery` of every project late at the confidence level.

        A project is late when its probability of finishing by its committed
        finish is below the policy's confidence; its recovery is the cheapest
        crash plan that meets the commitment with that confidence, chosen on
        the very scenarios this review simulated (same seed, iterations and
        correlation: the confidence *before* is the one the page states) and
        validated on :data:`RECOVERY_VALIDATION` independent ones; the curve
        "cost to recover vs confidence" is traced for the projects the page
        draws charts for (:attr:`chart_projects_`). Projects whose activities
        carry no crash data are left out (see :attr:`recovery_`).
        """
        pol = self.policy
        out = {}
        for pid in self._late():
            model = self.models_[pid]
            if crash_data(model.network).n == 0:
                continue
            curve = DEFAULT_CURVE if pid in self.chart_projects_ else ()  # the curve is drawn for those only
            out[pid] = Recovery(model.network, self._risks, target=model.deadline, confidence=pol.confidence / 100,
                                seed=project_seed(pol.seed, pid), scenarios=pol.iterations,
                                validation=RECOVERY_VALIDATION, curve=curve, correlation=pol.group_correlation,
                                **self._events).run()
        return out

    def _late(self) -> list[str]:
        t = self.table_
        late = t["p_on_committed"] < self.policy.confidence / 100 - 1e-12
        return [pid for pid in self.projects_ if bool(late.get(pid, False))]

    @cached_property
    def recovery_(self) -> pd.DataFrame:
        """:func:`recovery_table` of the projects late at the confidence level."""
        return recovery_table(self.recoveries_, self._late(), self.table_, self.models_)

    @cached_property
    def events_(self) -> pd.DataFrame:
        """The schedule events each simulated project carries, one row each.

        ``project_id``, ``kind`` (``branch``, ``risk calendar``, ``conditional
        risk``), ``subject`` (the branching activity, the risk calendar, the
        risk), ``detail`` (what happens, in words) and ``share``
        [probability: how often the path of a branch exists in the
        simulation; NaN for the others].
        """
        rows = []
        for pid in self.projects_:
            model = self.models_[pid]
            res = self.results_[pid]
            br = model._branches
            if br is not None:
                for k, point in enumerate(br.points):
                    for j, rows_j in enumerate(br.paths[k]):
                        ids = [model.network.ids[r] for r in rows_j]
                        share = float(res.existence_.iloc[rows_j].mean()) if len(rows_j) else float("nan")
                        p = float(np.diff(np.r_[0.0, br.cum[k]])[j])
                        rows.append({"project_id": pid, "kind": "branch", "subject": point,
                                     "detail": f"{br.names[k][j]} ({p:.0%}): " + (", ".join(ids) if ids else
                                                                                  "no extra work"),
                                     "share": share})
            cal = model._calendars
            if cal is not None:
                for cid, rws, wins in cal.calendars:
                    rows.append({"project_id": pid, "kind": "risk calendar", "subject": cid,
                                 "detail": f"{len(rws)} activities exposed to its seasonal windows",
                                 "share": float("nan")})
            dr = model.drivers
            for k in np.flatnonzero(dr.parent >= 0):
                par, p0 = dr.ids[int(dr.parent[k])], float(dr.pre[k, 0])
                detail = (f"can occur only when {par} has ({p0:.0%} then)" if dr.only_if[k] else
                          f"is more likely when {par} has occurred ({float(dr.p_if_parent[k]):.0%} instead of "
                          f"{p0:.0%})")
                rows.append({"project_id": pid, "kind": "conditional risk", "subject": dr.ids[k], "detail": detail,
                             "share": float("nan")})
        return pd.DataFrame(rows, columns=["project_id", "kind", "subject", "detail", "share"])

    @cached_property
    def milestones_(self) -> pd.DataFrame:
        """Milestone finish dates at P50 and the confidence level, per project."""
        parts = [res.milestones([50, self.policy.confidence]).assign(project_id=pid)
                 for pid, res in self.results_.items()]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the risk stage (``measure``, ``value``, ``unit``): projects simulated, contingency."""
        require_fitted(self, "projects_")
        rows = [("projects simulated", len(self.projects_), "projects")]
        if self.assessed:
            rows += [(f"cost contingency at {self.policy.p_label}", float(self.table_["cost_contingency"].sum()),
                      "currency")]
        return summary_frame(rows)

    def __repr__(self) -> str:
        if not hasattr(self, "projects_"):
            return "RiskReview [not fitted]"
        return (f"RiskReview({len(self.projects_)} project(s) simulated, {self.policy.iterations} iterations; "
                f"{len(self.not_assessed_)} not assessed)")
