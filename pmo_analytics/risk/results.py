"""Results of a schedule and cost risk simulation, as tidy DataFrames.

Glossary
--------
P80
    The 80th percentile: 80 % of iterations finish on or before it (cost:
    cost at most it). Percentiles use numpy's linear interpolation.
Schedule contingency
    P80 finish minus the deterministic (most-likely CPM) finish [days]; cost
    contingency likewise [currency] (GAO Schedule Assessment Guide, BP 8).
Criticality index
    Share of iterations in which the activity is on a critical path (total
    float 0) (Van Slyke, 1963).
Sensitivity
    Spearman rank correlation between the activity's sampled duration and
    the project finish.
Cruciality
    Criticality index x sensitivity (Williams, 1992, "Criticality in
    stochastic networks", *J. Oper. Res. Soc.* 43(4)).
JCL
    Joint confidence level: P(finish <= date and cost <= budget) (NASA NPR
    7120.5; NASA Cost Estimating Handbook, 2015, app. J).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["RiskResult", "DEFAULT_PERCENTILES"]

DEFAULT_PERCENTILES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)


@dataclass(eq=False)
class RiskResult:
    """One simulation run; accessors return tidy DataFrames.

    Attributes
    ----------
    finish_ : ndarray
        Project finish per iteration [days from start].
    cost_ : ndarray
        Project cost per iteration [currency].
    deterministic_finish_, deterministic_cost_ : float
        Most-likely CPM finish [days] and cost [currency] (no risks).
    criticality_ : Series
        Criticality index per activity (None when not computed).
    iterations_ : int
    converged_ : bool or None
        Convergence test result (None when no tolerance was set).
    convergence_ : DataFrame
        P80 finish and cost after each block (when a tolerance was set).
    """

    model: object
    seed: int
    mitigated: tuple
    disabled: tuple
    finish: np.ndarray = field(repr=False)
    cost: np.ndarray = field(repr=False)
    track: np.ndarray = field(repr=False)
    crit_count: np.ndarray | None = field(repr=False)
    stored_durations: np.ndarray = field(repr=False)
    stored_finish: np.ndarray = field(repr=False)
    convergence: pd.DataFrame = field(repr=False)
    converged: bool | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    # ---------------------------------------------------------- attributes
    @property
    def finish_(self) -> np.ndarray:
        return self.finish

    @property
    def cost_(self) -> np.ndarray:
        return self.cost

    @property
    def iterations_(self) -> int:
        return len(self.finish)

    @property
    def converged_(self):
        return self.converged

    @property
    def convergence_(self) -> pd.DataFrame:
        return self.convergence

    @property
    def network(self):
        return self.model.network

    @property
    def deterministic_finish_(self) -> float:
        return float(self.model._deterministic["early_finish"].max())

    @property
    def deterministic_cost_(self) -> float:
        return float(self.model._fixed + self.model._rate @ self.model._mode)

    @property
    def criticality_(self) -> pd.Series | None:
        if self.crit_count is None:
            return None
        return pd.Series(self.crit_count / self.iterations_, index=self.network.activities.index,
                         name="criticality")

    def __repr__(self) -> str:
        p = np.quantile(self.finish, [0.5, 0.8])
        c = np.quantile(self.cost, [0.5, 0.8])
        tag = " mitigated" if self.mitigated else ""
        return (f"RiskResult({self.network.project_id!r}{tag}: {self.iterations_} iterations, seed {self.seed}; "
                f"finish P50 {p[0]:.1f} / P80 {p[1]:.1f} days vs {self.deterministic_finish_:.1f} planned; "
                f"cost P50 {c[0]:,.0f} / P80 {c[1]:,.0f})")

    # --------------------------------------------------------------- dates
    def to_date(self, days):
        """Finish offsets [days] as calendar dates (None without a model start date)."""
        if self.model.start_date is None:
            return None
        return self.model.calendar.finish_date(self.model.start_date, days)

    def _days(self, finish) -> float:
        if isinstance(finish, (pd.Timestamp, np.datetime64, str)) or hasattr(finish, "year"):
            if self.model.start_date is None:
                raise ValueError("a date needs a model start_date; pass the finish in working days")
            return float(self.model.calendar.working_days(self.model.start_date, finish))
        return float(finish)

    # ---------------------------------------------------------- percentiles
    def percentiles(self, p=DEFAULT_PERCENTILES) -> pd.DataFrame:
        """Project finish and cost at percentiles.

        Returns
        -------
        DataFrame
            One row per percentile: ``percentile``, ``finish`` [days],
            ``finish_date`` (when the model has a start date), ``cost``
            [currency].
        """
        p = np.atleast_1d(np.asarray(p, dtype=float))
        out = pd.DataFrame({"percentile": p, "finish": np.quantile(self.finish, p / 100)})
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out["finish_date"] = dates
        out["cost"] = np.quantile(self.cost, p / 100)
        return out

    def finish_at(self, p: float = 80) -> float:
        """Project finish at percentile ``p`` [days]."""
        return float(np.quantile(self.finish, p / 100))

    def cost_at(self, p: float = 80) -> float:
        """Project cost at percentile ``p`` [currency]."""
        return float(np.quantile(self.cost, p / 100))

    def milestones(self, p=DEFAULT_PERCENTILES) -> pd.DataFrame:
        """Finish percentiles of the tracked activities (milestones by default).

        Returns
        -------
        DataFrame
            ``activity_id``, ``name``, ``percentile``, ``finish`` [days],
            ``finish_date``, ``deterministic_finish`` [days].
        """
        p = np.atleast_1d(np.asarray(p, dtype=float))
        acts = self.network.activities
        det = self.model._deterministic["early_finish"]
        rows = []
        for i, aid in enumerate(self.model.track):
            q = np.quantile(self.track[i], p / 100)
            for pp, v in zip(p, q):
                rows.append((aid, acts.at[aid, "name"], pp, v, det[aid]))
        out = pd.DataFrame(rows, columns=["activity_id", "name", "percentile", "finish", "deterministic_finish"])
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out.insert(4, "finish_date", dates)
        return out

    def contingency(self, p: float = 80) -> pd.DataFrame:
        """Schedule and cost contingency at percentile ``p``: Pp minus the deterministic value.

        Returns
        -------
        DataFrame
            Rows ``schedule`` [days] and ``cost`` [currency]; columns
            ``deterministic``, ``percentile``, ``value_at_percentile``,
            ``contingency``, ``contingency_pct``.
        """
        det = [self.deterministic_finish_, self.deterministic_cost_]
        val = [self.finish_at(p), self.cost_at(p)]
        out = pd.DataFrame({"deterministic": det, "percentile": p, "value_at_percentile": val},
                           index=pd.Index(["schedule", "cost"], name="measure"))
        out["contingency"] = out["value_at_percentile"] - out["deterministic"]
        out["contingency_pct"] = 100 * out["contingency"] / out["deterministic"].where(out["deterministic"] != 0)
        out["unit"] = ["days", "currency"]
        return out

    # -------------------------------------------------------- distributions
    def _values(self, what: str) -> np.ndarray:
        if what == "finish":
            return self.finish
        if what == "cost":
            return self.cost
        raise ValueError(f"what must be 'finish' or 'cost', got {what!r}")

    def histogram(self, what: str = "finish", bins: int = 40) -> pd.DataFrame:
        """Histogram data: ``bin_start``, ``bin_end``, ``count``, ``probability``, ``cumulative``.

        For ``finish`` with a model start date, ``bin_start_date`` and
        ``bin_end_date`` give the bin edges as finish dates.
        """
        x = self._values(what)
        counts, edges = np.histogram(x, bins=bins)
        prob = counts / len(x)
        out = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts,
                            "probability": prob, "cumulative": np.cumsum(prob), "measure": what})
        if what == "finish":  # with a start date, the bin edges as finish dates too (for date axes)
            start, end = self.to_date(out["bin_start"].to_numpy()), self.to_date(out["bin_end"].to_numpy())
            if start is not None:
                out["bin_start_date"], out["bin_end_date"] = start, end
        return out

    def s_curve(self, what: str = "finish", points: int = 101) -> pd.DataFrame:
        """Cumulative distribution (S-curve): ``probability`` and ``value`` at evenly spaced probabilities."""
        x = self._values(what)
        prob = np.linspace(0, 1, points)
        out = pd.DataFrame({"probability": prob, "value": np.quantile(x, prob), "measure": what})
        if what == "finish":
            dates = self.to_date(out["value"].to_numpy())
            if dates is not None:
                out["date"] = dates
        return out

    def samples(self, n: int | None = 2000) -> pd.DataFrame:
        """Per-iteration ``finish`` [days], ``finish_date`` (with a start date) and ``cost`` [currency].

        The first ``n`` iterations (None = all).
        """
        k = self.iterations_ if n is None else min(n, self.iterations_)
        out = pd.DataFrame({"iteration": np.arange(k), "finish": self.finish[:k], "cost": self.cost[:k]})
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out.insert(2, "finish_date", dates)
        return out

    # ---------------------------------------------------- activity measures
    def activities(self) -> pd.DataFrame:
        """Per-activity results: deterministic dates, criticality, sensitivity, cruciality, P50/P80 finish.

        Sensitivity and the P50/P80 finishes use the stored iterations
        (all of them unless the run exceeded ``store_samples``).

        Returns
        -------
        DataFrame indexed by ``activity_id``: ``name``, ``phase``,
        ``early_start``, ``early_finish``, ``total_float`` [days] (deterministic),
        ``criticality``, ``sensitivity``, ``cruciality``, ``p50_finish``,
        ``p80_finish`` [days] (and ``*_date`` columns with a start date).
        """
        if "activities" in self._cache:
            return self._cache["activities"].copy()
        acts = self.network.activities
        det = self.model._deterministic
        out = acts[["name", "phase"]].join(det[["early_start", "early_finish", "total_float"]])
        crit = self.criticality_
        out["criticality"] = crit if crit is not None else np.nan
        out["sensitivity"] = self._spearman()
        out["cruciality"] = out["criticality"] * out["sensitivity"]
        ef = self.stored_finish
        if ef.shape[1]:
            q = np.quantile(ef.astype(float), [0.5, 0.8], axis=1)
            out["p50_finish"], out["p80_finish"] = q[0], q[1]
        else:
            out["p50_finish"] = out["p80_finish"] = np.nan
        if self.model.start_date is not None:
            out["early_start_date"] = self.model.calendar.start_date(self.model.start_date,
                                                                     out["early_start"].to_numpy())
            for c in ("early_finish", "p50_finish", "p80_finish"):
                out[c.replace("finish", "finish_date") if c != "early_finish" else "early_finish_date"] = \
                    self.to_date(out[c].to_numpy())
        self._cache["activities"] = out
        return out.copy()

    def _spearman(self) -> np.ndarray:
        d = self.stored_durations
        n = d.shape[1]
        if n < 3:
            return np.full(d.shape[0], np.nan)
        rd = stats.rankdata(d, axis=1)
        rt = stats.rankdata(self.finish[:n])
        rd -= rd.mean(axis=1, keepdims=True)
        rt -= rt.mean()
        num = rd @ rt
        den = np.sqrt((rd ** 2).sum(axis=1) * (rt ** 2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        return r

    def criticality(self) -> pd.DataFrame:
        """Activities by criticality index, highest first (``activity_id``, ``name``, ``criticality``)."""
        a = self.activities().reset_index()
        return a[["activity_id", "name", "criticality"]].sort_values(
            ["criticality", "activity_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def sensitivity(self) -> pd.DataFrame:
        """Activities by Spearman duration sensitivity and cruciality, largest first."""
        a = self.activities().reset_index()
        return a[["activity_id", "name", "sensitivity", "criticality", "cruciality"]].sort_values(
            ["sensitivity", "activity_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def gantt(self) -> pd.DataFrame:
        """Probabilistic Gantt rows: deterministic start/finish and P50/P80 finish per activity [days].

        With a model start date, ``early_start_date``, ``early_finish_date``,
        ``p50_finish_date`` and ``p80_finish_date`` too.
        """
        a = self.activities().reset_index()
        cols = ["activity_id", "name", "phase", "early_start", "early_finish", "p50_finish", "p80_finish",
                "criticality"]
        cols += [c for c in ("early_start_date", "early_finish_date", "p50_finish_date", "p80_finish_date")
                 if c in a.columns]
        return a[cols].sort_values(["early_start", "early_finish", "activity_id"], kind="stable").reset_index(
            drop=True)

    # ------------------------------------------------------------- risks
    def _rerun(self, **kw):
        return self.model.run(self.seed, **kw)

    def tornado(self, p: float = 80) -> pd.DataFrame:
        """Risk tornado: each risk removed in turn (common random numbers).

        Returns
        -------
        DataFrame
            One row per risk, largest schedule effect first: ``risk_id``,
            ``title``, ``finish_reduction`` [days] and ``cost_reduction``
            [currency] of the P``p`` finish/cost when the risk is removed,
            ``mean_finish_reduction`` [days], ``mean_cost_reduction``.
        """
        key = ("tornado", p)
        if key in self._cache:
            return self._cache[key].copy()
        dr = self.model.drivers
        rows = []
        f0, c0 = self.finish_at(p), self.cost_at(p)
        for rid, title in zip(dr.ids, dr.table["title"]):
            if rid in self.disabled:
                continue
            r = self._rerun(mitigated=list(self.mitigated), disabled=[*self.disabled, rid])
            rows.append({"risk_id": rid, "title": title, "finish_reduction": f0 - r.finish_at(p),
                         "cost_reduction": c0 - r.cost_at(p),
                         "mean_finish_reduction": self.finish.mean() - r.finish.mean(),
                         "mean_cost_reduction": self.cost.mean() - r.cost.mean()})
        out = pd.DataFrame(rows, columns=["risk_id", "title", "finish_reduction", "cost_reduction",
                                          "mean_finish_reduction", "mean_cost_reduction"])
        out = out.sort_values(["finish_reduction", "cost_reduction", "risk_id"], ascending=[False, False, True],
                              kind="stable").reset_index(drop=True)
        self._cache[key] = out
        return out.copy()

    def mitigations(self, p: float = 80) -> pd.DataFrame:
        """Value of each planned response, run alone against this (pre-mitigation) result with CRN.

        The mitigated run includes the response cost. A response *pays for
        itself* when the P``p`` cost with the response (its cost included)
        is below the P``p`` cost without it.

        Returns
        -------
        DataFrame
            ``risk_id``, ``title``, ``mitigation``, ``mitigation_cost``,
            ``exposure_reduction`` (P``p`` cost reduction before paying for
            the response) and ``net_saving`` (after paying) [currency],
            ``finish_reduction`` [days at P``p``], ``pays_for_itself``.
        """
        key = ("mitigations", p)
        if key in self._cache:
            return self._cache[key].copy()
        if self.mitigated:
            raise ValueError("mitigations() compares against the unmitigated run: call it on a run with "
                             "mitigated=False")
        dr = self.model.drivers
        rows = []
        f0, c0 = self.finish_at(p), self.cost_at(p)
        for k in np.flatnonzero(dr.has_mitigation) if dr.n else []:
            rid = dr.ids[k]
            r = self._rerun(mitigated=[rid], disabled=list(self.disabled))
            mcost = float(dr.table["mitigation_cost"].iloc[k])
            net = c0 - r.cost_at(p)
            rows.append({"risk_id": rid, "title": dr.table["title"].iloc[k],
                         "mitigation": dr.table["mitigation"].iloc[k], "mitigation_cost": mcost,
                         "exposure_reduction": net + mcost, "net_saving": net,
                         "finish_reduction": f0 - r.finish_at(p), "pays_for_itself": bool(net > 0)})
        out = pd.DataFrame(rows, columns=["risk_id", "title", "mitigation", "mitigation_cost",
                                          "exposure_reduction", "net_saving", "finish_reduction",
                                          "pays_for_itself"])
        out = out.sort_values(["net_saving", "risk_id"], ascending=[False, True], kind="stable").reset_index(
            drop=True)
        self._cache[key] = out
        return out.copy()

    # ---------------------------------------------------------------- JCL
    def jcl(self, finish, budget: float) -> float:
        """Joint confidence level P(finish <= ``finish`` and cost <= ``budget``).

        ``finish`` is in working days from the start, or a date (with a
        model start date).
        """
        t = self._days(finish)
        return float(np.mean((self.finish <= t + 1e-9) & (self.cost <= float(budget))))

    def jcl_frontier(self, level: float = 0.70, points: int = 40) -> pd.DataFrame:
        """The JCL-``level`` frontier: for each finish, the smallest budget reaching the level.

        Returns
        -------
        DataFrame
            ``finish`` [days] on a grid from the finish's ``level``-quantile
            to its maximum, ``finish_date`` (with a start date) and
            ``budget`` [currency]: the least budget with
            P(finish <= f and cost <= budget) >= ``level``.
        """
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        n = self.iterations_
        need = int(np.ceil(level * n - 1e-9))
        order = np.argsort(self.finish, kind="stable")
        fs = self.finish[order]
        cs = self.cost[order]
        grid = np.unique(np.quantile(self.finish, np.linspace(level, 1, points)))
        budgets = []
        for t in grid:
            k = int(np.searchsorted(fs, t + 1e-9, side="right"))
            budgets.append(np.partition(cs[:k], need - 1)[need - 1] if k >= need else np.nan)
        out = pd.DataFrame({"finish": grid, "budget": budgets}).dropna().reset_index(drop=True)
        grid = out["finish"].to_numpy()
        dates = self.to_date(grid)
        if dates is not None:
            out.insert(1, "finish_date", dates)
        out["level"] = level
        return out

    # ------------------------------------------------------------ summary
    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers, one row per measure (``value`` and ``unit``)."""
        det_f, det_c = self.deterministic_finish_, self.deterministic_cost_
        rows = [
            ("iterations", self.iterations_, "count"),
            ("deterministic finish", det_f, "days"),
            ("P50 finish", self.finish_at(50), "days"),
            ("P80 finish", self.finish_at(80), "days"),
            ("schedule contingency (P80)", self.finish_at(80) - det_f, "days"),
            ("deterministic cost", det_c, "currency"),
            ("P50 cost", self.cost_at(50), "currency"),
            ("P80 cost", self.cost_at(80), "currency"),
            ("cost contingency (P80)", self.cost_at(80) - det_c, "currency"),
            ("P(finish <= deterministic)", float(np.mean(self.finish <= det_f + 1e-9)), "probability"),
            ("JCL at deterministic finish and cost", self.jcl(det_f, det_c), "probability"),
        ]
        if self.model.deadline is not None:
            rows.append(("P(finish <= deadline)", float(np.mean(self.finish <= self.model.deadline + 1e-9)),
                         "probability"))
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")
