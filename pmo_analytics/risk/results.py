"""Accessors of a fitted schedule and cost risk model, as tidy DataFrames: :class:`RiskResults`.

:class:`~pmo_analytics.risk.engine.ScheduleRiskModel` inherits these methods;
they read only the model's fitted attributes (``finish_``, ``cost_``,
``criticality_``, ...) and its options.

Glossary
--------
P80
    The 80th percentile: 80 % of iterations finish on or before it (cost:
    cost at most it). Percentiles use numpy's linear interpolation.
Schedule contingency
    P80 finish minus the deterministic (most-likely CPM) finish [working
    days]; cost contingency likewise [currency] (GAO Schedule Assessment
    Guide, BP 8).
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
Not assessed
    A schedule without any cost (no fixed cost, rate or risk cost impact)
    has no cost distribution: cost figures and the JCL are NaN, never 0 and
    1.0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["RiskResults", "DEFAULT_PERCENTILES"]

DEFAULT_PERCENTILES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
_RANKINGS = ("criticality", "sensitivity", "cruciality")


class RiskResults:
    """Result accessors of :class:`~pmo_analytics.risk.ScheduleRiskModel` (after ``run()``).

    Finishes are in the network's unit (working days of the project
    calendar after the project start, or the unit of a network without
    dates) and as dates where the network has them; costs in [currency].
    """

    # ------------------------------------------------------------ helpers
    def _check_fitted(self) -> None:
        if not hasattr(self, "finish_"):
            raise ValueError(f"{type(self).__name__} is unfitted: call run() first")

    @property
    def _unit(self) -> str:
        return self.network.unit_label

    def _result_text(self) -> str:
        p = np.quantile(self.finish_, [0.5, 0.8])
        text = (f"finish P50 {p[0]:.1f} / P80 {p[1]:.1f} {self._unit} vs {self.deterministic_finish_:.1f} planned")
        if self.cost_assessed_:
            c = np.quantile(self.cost_, [0.5, 0.8])
            return text + f"; cost P50 {c[0]:,.0f} / P80 {c[1]:,.0f}"
        return text + "; cost not assessed"

    # --------------------------------------------------------------- dates
    def to_date(self, days):
        """Finish offsets [unit after the start] as calendar dates (None for a network without dates)."""
        return self.network.to_date(days)

    def to_days(self, finish) -> float:
        """A finish as [unit after the start]: a number is returned as it is, a date is converted."""
        if isinstance(finish, (pd.Timestamp, np.datetime64, str)) or hasattr(finish, "year"):
            if not self.network.has_dates:
                raise ValueError("a date needs a network with a start_date; pass the finish in working days")
            return float(self.network.working_days(finish))
        return float(finish)

    # ---------------------------------------------------------- percentiles
    def percentiles(self, p=DEFAULT_PERCENTILES) -> pd.DataFrame:
        """Project finish and cost at percentiles.

        Returns
        -------
        DataFrame
            One row per percentile: ``percentile``, ``finish`` [unit after
            the start], ``finish_date`` (network with dates), ``cost``
            [currency; NaN when not assessed].
        """
        self._check_fitted()
        p = np.atleast_1d(np.asarray(p, dtype=float))
        out = pd.DataFrame({"percentile": p, "finish": np.quantile(self.finish_, p / 100)})
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out["finish_date"] = dates
        out["cost"] = np.quantile(self.cost_, p / 100) if self.cost_assessed_ else np.nan
        return out

    def finish_at(self, p: float = 80) -> float:
        """Project finish at percentile ``p`` [unit after the start]."""
        self._check_fitted()
        return float(np.quantile(self.finish_, p / 100))

    def cost_at(self, p: float = 80) -> float:
        """Project cost at percentile ``p`` [currency] (NaN when not assessed)."""
        self._check_fitted()
        return float(np.quantile(self.cost_, p / 100)) if self.cost_assessed_ else float("nan")

    def probability_finish_by(self, finish) -> float:
        """P(project finish <= ``finish``) [probability]; ``finish`` in [unit after the start] or a date."""
        self._check_fitted()
        return float(np.mean(self.finish_ <= self.to_days(finish) + 1e-9))

    def probability_cost_within(self, budget: float) -> float:
        """P(project cost <= ``budget`` [currency]) [probability] (NaN when cost is not assessed)."""
        self._check_fitted()
        if not self.cost_assessed_:
            return float("nan")
        return float(np.mean(self.cost_ <= float(budget)))

    def milestones(self, p=DEFAULT_PERCENTILES) -> pd.DataFrame:
        """Finish percentiles of the tracked activities (milestones by default).

        Returns
        -------
        DataFrame
            ``activity_id``, ``name``, ``percentile``, ``finish`` [unit after
            the start], ``finish_date``, ``deterministic_finish`` [unit after
            the start].
        """
        self._check_fitted()
        p = np.atleast_1d(np.asarray(p, dtype=float))
        acts = self.network.activities
        det = self.schedule_["early_finish"]
        rows = []
        raw = np.quantile(self._tracked_kernel, p / 100, axis=1).T if len(self.track) else np.zeros((0, len(p)))
        conv = self.network.row_days(self._track_rows, raw) if len(self.track) else raw  # monotone: commutes
        for i, aid in enumerate(self.track):
            q = conv[i]
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
            Rows ``schedule`` [unit] and ``cost`` [currency; NaN when not
            assessed]; columns ``deterministic``, ``percentile``,
            ``value_at_percentile``, ``contingency``, ``contingency_pct``
            [%], ``unit``.
        """
        self._check_fitted()
        det = [self.deterministic_finish_, self.deterministic_cost_]
        val = [self.finish_at(p), self.cost_at(p)]
        out = pd.DataFrame({"deterministic": det, "percentile": p, "value_at_percentile": val},
                           index=pd.Index(["schedule", "cost"], name="measure"))
        out["contingency"] = out["value_at_percentile"] - out["deterministic"]
        out["contingency_pct"] = 100 * out["contingency"] / out["deterministic"].where(out["deterministic"] != 0)
        out["unit"] = [self._unit, "currency" if self.cost_assessed_ else "not assessed"]
        return out

    # -------------------------------------------------------- distributions
    def _values(self, what: str) -> np.ndarray:
        self._check_fitted()
        if what == "finish":
            return self.finish_
        if what == "cost":
            if not self.cost_assessed_:
                raise ValueError("cost is not assessed: the schedule and its risks carry no cost")
            return self.cost_
        raise ValueError(f"what must be 'finish' or 'cost', got {what!r}")

    def histogram(self, what: str = "finish", bins: int = 40) -> pd.DataFrame:
        """Histogram data: ``bin_start``, ``bin_end`` [unit or currency], ``count``, ``probability``, ``cumulative``.

        For ``finish`` on a network with dates, ``bin_start_date`` and
        ``bin_end_date`` give the bin edges as finish dates.
        """
        x = self._values(what)
        counts, edges = np.histogram(x, bins=bins)
        prob = counts / len(x)
        out = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts,
                            "probability": prob, "cumulative": np.cumsum(prob), "measure": what})
        if what == "finish":  # the bin edges as finish dates too (for date axes)
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
        """Per-iteration ``finish`` [unit], ``finish_date`` (network with dates) and ``cost`` [currency].

        The first ``n`` iterations (None = all).
        """
        self._check_fitted()
        k = self.iterations_ if n is None else min(n, self.iterations_)
        cost = self.cost_[:k] if self.cost_assessed_ else np.full(k, np.nan)
        out = pd.DataFrame({"iteration": np.arange(k), "finish": self.finish_[:k], "cost": cost})
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out.insert(2, "finish_date", dates)
        return out

    # ---------------------------------------------------- activity measures
    def activities(self) -> pd.DataFrame:
        """Per-activity results: deterministic dates, criticality, sensitivity, cruciality, P50/P80 finish.

        Sensitivity and the P50/P80 finishes use the stored iterations (all
        of them unless the run exceeded ``store_samples``).

        Returns
        -------
        DataFrame indexed by ``activity_id``: ``name``, ``phase``,
        ``status``, ``early_start``, ``early_finish``, ``total_float``
        [unit] (deterministic), ``criticality``, ``sensitivity``,
        ``cruciality``, ``p50_finish``, ``p80_finish`` [unit after the start]
        (and ``*_date`` columns for a network with dates).
        """
        self._check_fitted()
        if "activities" in self._cache:
            return self._cache["activities"].copy()
        acts = self.network.activities
        det = self.schedule_
        out = acts[["name", "phase", "status"]].join(det[["early_start", "early_finish", "total_float"]])
        crit = self.criticality_
        out["criticality"] = crit if crit is not None else np.nan
        out["sensitivity"] = self._spearman()
        out["cruciality"] = out["criticality"] * out["sensitivity"]
        ef = self._stored_finishes
        if ef.shape[1]:
            q = np.quantile(ef.astype(float), [0.5, 0.8], axis=1)  # conversion to days is monotone
            rows = np.arange(self.network.n)
            out["p50_finish"] = self.network.row_days(rows, q[0])
            out["p80_finish"] = self.network.row_days(rows, q[1])
        else:
            out["p50_finish"] = out["p80_finish"] = np.nan
        if self.network.has_dates:
            out["early_start_date"] = det["early_start_date"]
            out["early_finish_date"] = det["early_finish_date"]
            out["p50_finish_date"] = self.to_date(out["p50_finish"].to_numpy())
            out["p80_finish_date"] = self.to_date(out["p80_finish"].to_numpy())
        self._cache["activities"] = out
        return out.copy()

    def _spearman(self) -> np.ndarray:
        d = self.durations_
        n = d.shape[1]
        if n < 3:
            return np.full(d.shape[0], np.nan)
        rd = stats.rankdata(d, axis=1)
        rt = stats.rankdata(self.finish_[:n])
        rd -= rd.mean(axis=1, keepdims=True)
        rt -= rt.mean()
        num = rd @ rt
        den = np.sqrt((rd ** 2).sum(axis=1) * (rt ** 2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        return r

    def ranking(self, by: str = "criticality") -> pd.DataFrame:
        """Activities ranked by ``criticality``, ``sensitivity`` or ``cruciality``, largest first.

        Returns
        -------
        DataFrame
            ``activity_id``, ``name``, ``criticality`` [probability],
            ``sensitivity``, ``cruciality`` (Spearman coefficients).
        """
        if by not in _RANKINGS:
            raise ValueError(f"by must be one of {', '.join(_RANKINGS)}, got {by!r}")
        a = self.activities().reset_index()
        return a[["activity_id", "name", "criticality", "sensitivity", "cruciality"]].sort_values(
            [by, "activity_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def gantt(self) -> pd.DataFrame:
        """Probabilistic Gantt rows: deterministic start/finish and P50/P80 finish per activity [unit after the start].

        On a network with dates, ``early_start_date``, ``early_finish_date``,
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
    def _rerun(self, mitigated, disabled):
        return self._simulate(mitigated, disabled, store=False, crit=False)

    def tornado(self, p: float = 80) -> pd.DataFrame:
        """Risk tornado: each risk removed in turn (common random numbers).

        Returns
        -------
        DataFrame
            One row per risk, largest schedule effect first: ``risk_id``,
            ``title``, ``finish_reduction`` [unit] and ``cost_reduction``
            [currency] of the P``p`` finish/cost when the risk is removed,
            ``mean_finish_reduction`` [unit], ``mean_cost_reduction`` [currency].
        """
        self._check_fitted()
        key = ("tornado", p)
        if key in self._cache:
            return self._cache[key].copy()
        dr = self.drivers
        rows = []
        f0, c0 = self.finish_at(p), self.cost_at(p)
        for k, (rid, title) in enumerate(zip(dr.ids, dr.table["title"])):
            if self.disabled[k]:
                continue
            off = self.disabled.copy()
            off[k] = True
            r = self._rerun(self.mitigated, off)
            rows.append({"risk_id": rid, "title": title, "finish_reduction": f0 - float(np.quantile(r.finish, p / 100)),
                         "cost_reduction": c0 - float(np.quantile(r.cost, p / 100)),
                         "mean_finish_reduction": self.finish_.mean() - r.finish.mean(),
                         "mean_cost_reduction": (self.cost_.mean() - r.cost.mean()) if self.cost_assessed_
                         else np.nan})
        out = pd.DataFrame(rows, columns=["risk_id", "title", "finish_reduction", "cost_reduction",
                                          "mean_finish_reduction", "mean_cost_reduction"])
        out = out.sort_values(["finish_reduction", "cost_reduction", "risk_id"], ascending=[False, False, True],
                              kind="stable").reset_index(drop=True)
        out.attrs["confidence"] = float(p)  # the level its reductions were read at (labels say "P80 days saved")
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
            ``finish_reduction`` [unit at P``p``], ``pays_for_itself``.
        """
        self._check_fitted()
        key = ("mitigations", p)
        if key in self._cache:
            return self._cache[key].copy()
        if self.mitigated.any():
            raise ValueError("mitigations() compares against the unmitigated run: use a model with mitigated=False")
        dr = self.drivers
        rows = []
        f0, c0 = self.finish_at(p), self.cost_at(p)
        for k in np.flatnonzero(dr.has_mitigation) if dr.n else []:
            mit = np.zeros(dr.n, bool)
            mit[k] = True
            r = self._rerun(mit, self.disabled)
            mcost = float(dr.table["mitigation_cost"].iloc[k])
            net = c0 - float(np.quantile(r.cost, p / 100))
            rows.append({"risk_id": dr.ids[k], "title": dr.table["title"].iloc[k],
                         "mitigation": dr.table["mitigation"].iloc[k], "mitigation_cost": mcost,
                         "exposure_reduction": net + mcost, "net_saving": net,
                         "finish_reduction": f0 - float(np.quantile(r.finish, p / 100)),
                         "pays_for_itself": bool(net > 0)})
        out = pd.DataFrame(rows, columns=["risk_id", "title", "mitigation", "mitigation_cost",
                                          "exposure_reduction", "net_saving", "finish_reduction",
                                          "pays_for_itself"])
        out = out.sort_values(["net_saving", "risk_id"], ascending=[False, True], kind="stable").reset_index(
            drop=True)
        out.attrs["confidence"] = float(p)  # the level its exposure reduction was read at
        self._cache[key] = out
        return out.copy()

    # ---------------------------------------------------------------- JCL
    def jcl(self, finish, budget: float) -> float:
        """Joint confidence level P(finish <= ``finish`` and cost <= ``budget``) [probability].

        ``finish`` is in [unit after the start], or a date (network with
        dates); NaN when cost is not assessed.
        """
        self._check_fitted()
        if not self.cost_assessed_:
            return float("nan")
        t = self.to_days(finish)
        return float(np.mean((self.finish_ <= t + 1e-9) & (self.cost_ <= float(budget))))

    def jcl_frontier(self, level: float = 0.70, points: int = 40) -> pd.DataFrame:
        """The JCL-``level`` frontier: for each finish, the smallest budget reaching the level.

        Returns
        -------
        DataFrame
            ``finish`` [unit after the start] on a grid from the finish's
            ``level``-quantile to its maximum, ``finish_date`` (network with
            dates) and ``budget`` [currency]: the least budget with
            P(finish <= f and cost <= budget) >= ``level``, and
            ``joint_confidence`` = ``level`` [probability].
        """
        self._check_fitted()
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        if not self.cost_assessed_:
            raise ValueError("cost is not assessed: the schedule and its risks carry no cost")
        n = self.iterations_
        need = int(np.ceil(level * n - 1e-9))
        order = np.argsort(self.finish_, kind="stable")
        fs = self.finish_[order]
        cs = self.cost_[order]
        grid = np.unique(np.quantile(self.finish_, np.linspace(level, 1, points)))
        budgets = []
        for t in grid:
            k = int(np.searchsorted(fs, t + 1e-9, side="right"))
            budgets.append(np.partition(cs[:k], need - 1)[need - 1] if k >= need else np.nan)
        out = pd.DataFrame({"finish": grid, "budget": budgets}).dropna().reset_index(drop=True)
        dates = self.to_date(out["finish"].to_numpy())
        if dates is not None:
            out.insert(1, "finish_date", dates)
        out["joint_confidence"] = level
        return out

    # ------------------------------------------------------------ summary
    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers, one row per measure: ``measure``, ``value``, ``unit``."""
        self._check_fitted()
        det_f, det_c, u = self.deterministic_finish_, self.deterministic_cost_, self._unit
        cu = "currency" if self.cost_assessed_ else "not assessed"
        cp = "probability" if self.cost_assessed_ else "not assessed"
        rows = [
            ("iterations", self.iterations_, "count"),
            ("deterministic finish", det_f, u),
            ("P50 finish", self.finish_at(50), u),
            ("P80 finish", self.finish_at(80), u),
            ("schedule contingency (P80)", self.finish_at(80) - det_f, u),
            ("deterministic cost", det_c, cu),
            ("P50 cost", self.cost_at(50), cu),
            ("P80 cost", self.cost_at(80), cu),
            ("cost contingency (P80)", self.cost_at(80) - det_c, cu),
            ("P(finish <= deterministic)", self.probability_finish_by(det_f), "probability"),
            ("JCL at deterministic finish and cost", self.jcl(det_f, det_c), cp),
        ]
        if self.deadline is not None:
            rows.append(("P(finish <= deadline)", self.probability_finish_by(self.deadline), "probability"))
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])
