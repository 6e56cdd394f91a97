"""The delivery-monitoring stage of a review: earned value, RAG with reasons, flow and forecasts.

Notebook 04, the executive summary 00 and the governance record 06 read one
:class:`DeliveryReview`: the same rules (the defaults plus the board
commitment rule), the same ranges and the same seed, so a project's RAG or its
P(within budget) is identical on every page.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ..monitor import (COMMITMENT_RULE, DEFAULT_RULES, DeliveryMonitor, ThroughputForecast, backlog_scope,
                       cycle_time_percentiles, cycle_times, littles_law, throughput)
from .policy import ReviewPolicy
from .stage import require_fitted, summary_frame

__all__ = ["DeliveryReview", "flow_table", "REVIEW_RULES"]

#: The early-warning rules of a review: the defaults plus "P50 finish later than the committed finish".
REVIEW_RULES = tuple(DEFAULT_RULES) + (COMMITMENT_RULE,)


def flow_table(work_items: pd.DataFrame) -> pd.DataFrame:
    """Flow metrics per project: items finished, cycle-time percentiles, WIP, throughput, Little's law.

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``items_finished``, cycle-time percentiles
        ``p50_cycle_time`` ... ``p95_cycle_time`` [calendar days], ``avg_wip`` [items], ``throughput_per_day``
        [items/day],
        ``littles_law_ratio`` [ratio; 1 = consistent].
    """
    rows = []
    for pid in sorted(work_items["project_id"].astype(str).unique()):
        ct = cycle_times(work_items, pid)
        pc = cycle_time_percentiles(ct)
        ll = littles_law(work_items, project_id=pid)
        rows.append({"project_id": pid, "items_finished": len(ct),
                     **{f"{k}_cycle_time": v for k, v in pc.items()}, "avg_wip": ll["avg_wip"],
                     "throughput_per_day": ll["throughput_per_day"], "littles_law_ratio": ll["ratio"]})
    return pd.DataFrame(rows).set_index("project_id") if rows else pd.DataFrame()


class DeliveryReview:
    """Earned value, earned schedule, RAG and flow forecasts of the projects in delivery.

    Attributes
    ----------
    monitor_ : DeliveryMonitor or None
        None without a ``status`` table (delivery not assessed).
    summary_ : DataFrame
        One row per project with status: RAG, reasons, indices, point and range forecasts.
    intervene_, watch_, on_track_ : list of str
        Red, amber and green projects.
    flow_ : DataFrame
        :func:`flow_table` (empty without work items).
    focus_ : str or None
        The project whose throughput is forecast (the first red/amber/green project with work items).
    """

    def __init__(self, policy: ReviewPolicy):
        self.policy = policy

    def fit(self, portfolio) -> DeliveryReview:
        pol = self.policy
        pf = portfolio
        self.portfolio = pf
        self.rules_ = REVIEW_RULES
        if pf.has("status"):
            status = pf.status
            if pol.as_of is not None:
                status = status[pd.to_datetime(status["period_end"]) <= pd.Timestamp(pol.as_of)]
            self.monitor_ = DeliveryMonitor(eac_method=pol.eac_method, trend_periods=pol.trend_periods,
                                            window=pol.window, iterations=pol.range_iterations, rules=self.rules_,
                                            seed=pol.seed).fit(status, pf.projects)
            s = self.monitor_.table_
            self.summary_ = s
            self.intervene_ = self.monitor_.needs_intervention()
            self.watch_ = s.index[s["rag"] == "amber"].tolist()
            self.on_track_ = s.index[s["rag"] == "green"].tolist()
        else:
            self.monitor_ = None
            self.summary_ = pd.DataFrame()
            self.intervene_, self.watch_, self.on_track_ = [], [], []
        active = set(pf.projects_in("active")["project_id"].astype(str))
        reported = set(self.summary_.index.astype(str)) if len(self.summary_) else set()
        self.not_assessed_ = pd.DataFrame([(p, "no status report") for p in sorted(active - reported)],
                                          columns=["project_id", "reason"])
        self.flow_ = flow_table(pf.work_items) if pf.has("work_items") else pd.DataFrame()
        flow_ids = list(self.flow_.index) if len(self.flow_) else []
        order = [p for p in (self.summary_.index if len(self.summary_) else []) if p in flow_ids]
        self.focus_ = order[0] if order else (flow_ids[0] if flow_ids else None)
        return self

    @property
    def assessed(self) -> bool:
        """True when at least one project has status reports."""
        return self.monitor_ is not None and len(self.summary_) > 0

    @cached_property
    def data_date_(self):
        """The data date of the focus project's status (else the latest work-item date)."""
        if self.focus_ is not None and self.focus_ in self.summary_.index:
            return pd.Timestamp(self.summary_.loc[self.focus_, "data_date"])
        if self.focus_ is not None:
            wi = self.portfolio.work_items
            return pd.to_datetime(wi[["created", "started", "finished"]].stack()).max()
        return None

    @cached_property
    def forecast_(self) -> dict | None:
        """Throughput forecast of the focus project's remaining backlog (None without work items).

        Returns
        -------
        dict
            ``forecaster`` (fitted :class:`ThroughputForecast`), ``history``
            (weekly throughput), ``scope`` (low, high items), ``when``
            (percentile table), ``how_many`` (by the committed finish, or None),
            ``committed_finish``.
        """
        if self.focus_ is None:
            return None
        pol, pf, focus = self.policy, self.portfolio, self.focus_
        tp_all = throughput(pf.work_items, "W", end=self.data_date_, project_id=focus)
        hist = tp_all.tail(pol.history_weeks)
        tf = ThroughputForecast(freq="W", iterations=pol.forecast_iterations, seed=pol.seed).fit(hist)
        s = self.summary_
        pct = float(s.loc[focus, "ev"] / s.loc[focus, "bac"]) if focus in s.index and s.loc[focus, "bac"] else None
        scope = backlog_scope(pf.work_items, focus, pct_complete=pct, spread=pol.scope_spread)
        when = tf.when(scope, start=self.data_date_)
        committed = s.loc[focus, "committed_finish"] if focus in s.index and "committed_finish" in s.columns else pd.NaT
        many = tf.how_many(start=self.data_date_, end=committed) if pd.notna(committed) else None
        return {"forecaster": tf, "history": tp_all, "scope": scope, "when": when, "how_many": many,
                "committed_finish": committed}

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of delivery (``measure``, ``value``, ``unit``): projects red and amber."""
        require_fitted(self, "summary_")
        return summary_frame([("projects red", len(self.intervene_), "projects"),
                              ("projects amber", len(self.watch_), "projects")])

    def __repr__(self) -> str:
        if not hasattr(self, "summary_"):
            return "DeliveryReview [not fitted]"
        if not self.assessed:
            return "DeliveryReview(not assessed: no status reports)"
        return (f"DeliveryReview({len(self.summary_)} project(s): {len(self.intervene_)} red, {len(self.watch_)} "
                f"amber, {len(self.on_track_)} green)")
