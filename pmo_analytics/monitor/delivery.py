""":class:`DeliveryMonitor`: EVM, earned schedule, forecast ranges and RAG in one fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import PMOError
from .evm import earned_value, evm_snapshot
from .rag import DEFAULT_RULES, rag_status
from .ranges import forecast_ranges

__all__ = ["DeliveryMonitor"]

_SUMMARY = ["rag", "reasons", "data_date", "bac", "ac", "ev", "pv", "cpi", "spi", "spi_t", "tcpi_bac",
            "eac", "vac", "eac_p10", "eac_p90", "p_within_budget", "pd", "es", "at", "ieac_t",
            "ieac_t_date", "finish_date_p50", "finish_date_p90", "p_on_time", "finish_slip_days"]


class DeliveryMonitor:
    """Monitor active projects from their ``status`` snapshots.

    Parameters
    ----------
    eac_method : {"cpi", "plan", "cpi_spi", "bottom_up"}, default "cpi"
        EAC used for the point forecast (see :data:`EAC_METHODS`).
    trend_periods : int, default 3
        Look-back for the CPI and SPI(t) trends [periods].
    window : int, default 6
        Recent periods whose performance is resampled for the ranges [periods].
    iterations : int, default 4000
        Bootstrap trials per project for the ranges.
    rules : sequence of RagRule, default DEFAULT_RULES
        Early-warning rules.
    seed : int, optional
        Random seed of the ranges.

    Attributes
    ----------
    evm_ : DataFrame
        :func:`earned_value` rows (every project and reported period).
    snapshot_ : DataFrame
        Latest period per project with trends and forecast ranges; with
        ``projects`` also ``name``, ``committed_finish`` and
        ``finish_slip_days`` = P50 finish date - committed finish [calendar
        days] (read by ``COMMITMENT_RULE``).
    ranges_ : DataFrame
        :func:`forecast_ranges` output.
    status_, findings_ : DataFrame
        :func:`rag_status` outputs.

    Examples
    --------
    >>> mon = DeliveryMonitor(seed=1).fit(pf.status)        # doctest: +SKIP
    >>> mon.summary[["rag", "reasons"]]                       # doctest: +SKIP
    """

    def __init__(self, eac_method: str = "cpi", trend_periods: int = 3, window: int = 6,
                 iterations: int = 4000, rules=DEFAULT_RULES, seed: int | None = None):
        self.eac_method = eac_method
        self.trend_periods = trend_periods
        self.window = window
        self.iterations = iterations
        self.rules = tuple(rules)
        self.seed = seed

    def fit(self, status: pd.DataFrame, projects: pd.DataFrame | None = None) -> DeliveryMonitor:
        """Compute everything from the ``status`` table (``projects`` adds names and committed finish)."""
        self.evm_ = earned_value(status, eac_method=self.eac_method)
        snap = evm_snapshot(self.evm_, trend_periods=self.trend_periods)
        self.ranges_ = forecast_ranges(self.evm_, status, window=self.window, iterations=self.iterations,
                                       seed=np.random.default_rng(self.seed))
        snap = snap.join(self.ranges_.drop(columns=["bac", "eac"]))
        if projects is not None:
            p = projects.assign(project_id=projects["project_id"].astype(str)).set_index("project_id")
            cols = [c for c in ("name", "committed_finish") if c in p.columns]
            snap = snap.join(p[cols])
            if "committed_finish" in snap.columns and "finish_date_p50" in snap.columns:
                slip = (pd.to_datetime(snap["finish_date_p50"]) - pd.to_datetime(snap["committed_finish"]))
                snap["finish_slip_days"] = slip.dt.days.astype(float)
        self.snapshot_ = snap
        self.status_, self.findings_ = rag_status(snap, self.rules)
        self.n_projects_ = len(snap)
        return self

    def _check(self):
        if not hasattr(self, "snapshot_"):
            raise PMOError("DeliveryMonitor is not fitted: call fit(status) first")

    @property
    def summary(self) -> pd.DataFrame:
        """One row per project: RAG with reasons, the key indices, point and range forecasts."""
        self._check()
        s = self.snapshot_.join(self.status_)
        cols = [c for c in (["name"] + _SUMMARY + ["committed_finish"]) if c in s.columns]
        return s[cols].sort_values("rag", key=lambda r: r.map({"red": 0, "amber": 1, "green": 2}))

    def needs_intervention(self) -> list[str]:
        """Project ids whose RAG is red, worst first."""
        s = self.summary
        return s.index[s["rag"] == "red"].tolist()

    def __repr__(self) -> str:
        if not hasattr(self, "snapshot_"):
            return f"DeliveryMonitor(eac_method={self.eac_method!r}, window={self.window}, unfitted)"
        counts = self.status_["rag"].value_counts().to_dict()
        txt = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("red", "amber", "green"))
        return (f"DeliveryMonitor(eac_method={self.eac_method!r}, window={self.window}, "
                f"fitted on {self.n_projects_} projects: {txt})")
