""":class:`DeliveryMonitor`: EVM, earned schedule, forecast ranges and RAG in one fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import PMOError
from .evm import EAC_METHODS, earned_value, evm_snapshot, is_snapshot
from .rag import DEFAULT_RULES, LEVELS, rag_status
from .ranges import forecast_ranges

__all__ = ["DeliveryMonitor"]

_TABLE = ["rag", "reasons", "data_date", "bac", "ac", "ev", "pv", "cpi", "spi", "spi_t", "tcpi_bac",
          "eac", "vac", "eac_p10", "eac_p90", "p_within_budget", "pd", "es", "at", "ieac_t",
          "ieac_t_date", "finish_date_p50", "finish_date_p90", "p_on_time", "finish_slip_days"]


class DeliveryMonitor:
    """Monitor active projects from their ``status`` snapshots.

    Parameters
    ----------
    seed : int
        Random seed of the forecast ranges (required: same data and seed,
        same ranges).
    eac_method : {"cpi", "plan", "cpi_spi", "bottom_up"}, default "cpi"
        EAC used for the point forecast (see :data:`EAC_METHODS`).
    trend_periods : int, default 3
        Look-back for the CPI and SPI(t) trends [periods].
    window : int, default 6
        Recent periods whose performance is resampled for the ranges [periods].
    iterations : int, default 4000
        Bootstrap trials per project.
    rules : sequence of RagRule, default DEFAULT_RULES
        Early-warning rules.

    Attributes
    ----------
    evm_ : DataFrame
        :func:`earned_value` rows (every project and reported period).
    snapshot_ : DataFrame
        Latest period per project with trends and forecast ranges; with
        ``projects`` also ``name``, ``committed_finish`` and
        ``finish_slip_days`` = P50 finish date - committed finish [days]
        (calendar days; read by ``COMMITMENT_RULE``).
    ranges_ : DataFrame
        :func:`forecast_ranges` output.
    status_, findings_ : DataFrame
        :func:`rag_status` outputs.
    table_ : DataFrame
        One row per project, worst RAG first: RAG with reasons, the key
        indices, point and range forecasts (money in [currency], times in
        [periods], dates).
    needs_intervention_ : list of str
        Project ids whose RAG is red, worst first.

    Examples
    --------
    >>> mon = DeliveryMonitor(seed=1).fit(pf)                  # doctest: +SKIP
    >>> mon.table_[["rag", "reasons"]]                        # doctest: +SKIP
    """

    def __init__(self, seed: int | None = None, eac_method: str = "cpi", trend_periods: int = 3, window: int = 6,
                 iterations: int = 4000, rules=DEFAULT_RULES):
        if seed is None:
            raise ValueError("seed is required: pass an int so the forecast ranges can be reproduced")
        if eac_method not in EAC_METHODS:
            raise ValueError(f"unknown eac_method {eac_method!r}; expected one of {sorted(EAC_METHODS)}")
        for name, v in (("trend_periods", trend_periods), ("window", window), ("iterations", iterations)):
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive whole number, got {v!r}")
        self.seed = seed
        self.eac_method = eac_method
        self.trend_periods = trend_periods
        self.window = window
        self.iterations = iterations
        self.rules = tuple(rules)
        if not self.rules:
            raise ValueError("DeliveryMonitor needs at least one RAG rule")
        self._fitted_on = None

    def fit(self, portfolio, projects: pd.DataFrame | None = None) -> DeliveryMonitor:
        """Compute everything; returns self.

        Parameters
        ----------
        portfolio : Portfolio or DataFrame
            A portfolio (its ``status`` table, and ``projects`` for names and
            committed finish dates), or a ``status`` table itself.
        projects : DataFrame, optional
            With a ``status`` table: the ``projects`` table.
        """
        if isinstance(portfolio, pd.DataFrame):
            status, self._fitted_on = portfolio, f"a status table of {portfolio['project_id'].nunique()} projects" \
                if "project_id" in portfolio.columns else "a status table"
        else:
            if projects is not None:
                raise ValueError("projects is read from the portfolio; pass it only with a status table")
            if not portfolio.has("status"):
                raise PMOError("the portfolio has no status table: nothing to monitor")
            status, projects, self._fitted_on = portfolio.status, portfolio.projects, repr(portfolio)
        if is_snapshot(status):
            raise ValueError("DeliveryMonitor resamples a history of reporting periods; for a single data-date "
                             "snapshot use earned_value(snapshot)")
        self.evm_ = earned_value(status, eac_method=self.eac_method)
        snap = evm_snapshot(self.evm_, trend_periods=self.trend_periods)
        self.ranges_ = forecast_ranges(self.evm_, status, window=self.window, iterations=self.iterations,
                                       seed=self.seed)
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
        s = snap.join(self.status_)
        cols = [c for c in (["name"] + _TABLE + ["committed_finish"]) if c in s.columns]
        self.table_ = s[cols].sort_values("rag", key=lambda r: r.map({"red": 0, "amber": 1, "green": 2}),
                                          kind="stable")
        self.needs_intervention_ = self.table_.index[self.table_["rag"] == "red"].tolist()
        return self

    def _check(self):
        if not hasattr(self, "snapshot_"):
            raise ValueError("DeliveryMonitor is not fitted: call fit(portfolio) first")

    @property
    def summary(self) -> pd.DataFrame:
        """Portfolio-level figures: long frame with ``measure``, ``value``, ``unit``.

        Projects by RAG level, portfolio BAC, EV, AC and EAC [currency],
        portfolio CPI = sum EV / sum AC and SPI = sum EV / sum PV, mean
        probability of finishing within budget and on time [probability].
        Per-project figures are in ``table_``.
        """
        self._check()
        t = self.table_
        rows = [("projects", int(len(t)), "projects")]
        rows += [(f"{lv} projects", int((t["rag"] == lv).sum()), "projects") for lv in reversed(LEVELS)]
        ev, ac, pv = float(t["ev"].sum()), float(t["ac"].sum()), float(t["pv"].sum())
        rows += [("BAC", float(t["bac"].sum()), "currency"), ("EV", ev, "currency"), ("AC", ac, "currency"),
                 ("EAC", float(t["eac"].sum()), "currency"),
                 ("VAC", float(t["bac"].sum() - t["eac"].sum()), "currency"),
                 ("portfolio CPI", ev / ac if ac > 0 else np.nan, "ratio"),
                 ("portfolio SPI", ev / pv if pv > 0 else np.nan, "ratio"),
                 ("mean P(EAC <= BAC)", float(t["p_within_budget"].mean()), "probability"),
                 ("mean P(on time)", float(t["p_on_time"].mean()), "probability"),
                 ("latest data date", t["data_date"].max(), "date")]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def needs_intervention(self) -> list[str]:
        """Project ids whose RAG is red, worst first (also ``needs_intervention_``)."""
        self._check()
        return list(self.needs_intervention_)

    def __repr__(self) -> str:
        if not hasattr(self, "snapshot_"):
            return f"DeliveryMonitor(eac_method={self.eac_method!r}, window={self.window}, seed={self.seed}) unfitted"
        counts = self.status_["rag"].value_counts().to_dict()
        txt = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("red", "amber", "green"))
        return (f"DeliveryMonitor(eac_method={self.eac_method!r}, window={self.window}, seed={self.seed}, "
                f"fitted on {len(self.table_)} projects: {txt}) from {self._fitted_on}")
