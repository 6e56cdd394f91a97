"""Forecast ranges for EAC and completion from the spread of recent performance.

A point EAC (BAC / CPI) hides how unsteady performance has been. Here the
remaining work is "re-played" at the efficiency of recently observed
reporting periods: each trial resamples, with replacement, ``k`` of the last
``window`` periodic (delta-EV, delta-AC, delta-ES) triples, where ``k`` is the
number of planned periods of work left, ``ceil(PD - ES)`` (at least 1).

* future CPI of a trial = sum(delta-EV) / sum(delta-AC) of the resampled
  periods, EAC = AC + (BAC - EV) / CPI_future (the CPI method of the DAU
  gold card applied to the remaining work);
* future schedule rate = mean(delta-ES) of the resampled periods (the
  periodic SPI(t), Lipke 2003), finish = AT + (PD - ES) / rate [periods];
* the probability of finishing within budget is the share of trials with
  EAC <= BAC, i.e. P(CPI_future >= TCPI(BAC)).

This is a bootstrap of periodic performance (Efron & Tibshirani, *An
Introduction to the Bootstrap*, 1993, ch. 6) used the way Lipke's
"statistical EAC" uses the variability of periodic indices (W. Lipke,
"Applying Statistical Forecasting of Project Duration to Earned Schedule -
Topic", *PM World Today* 2011). It is vectorised over trials (one numpy draw
per project).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..streams import stream

from .evm import period_to_date

__all__ = ["forecast_ranges"]


def forecast_ranges(evm: pd.DataFrame, status: pd.DataFrame | None = None, window: int = 6,
                    iterations: int = 4000, percentiles=(10, 50, 90),
                    seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """EAC and completion ranges per project, and the probability of finishing within budget.

    Parameters
    ----------
    evm : DataFrame
        Output of :func:`~pmo_analytics.monitor.earned_value`.
    status : DataFrame, optional
        The ``status`` table; when given, completion periods are also turned
        into dates through its ``period_end`` column (see
        :func:`~pmo_analytics.monitor.period_to_date`).
    window : int, default 6
        Number of most recent reporting periods whose performance is
        resampled [periods].
    iterations : int, default 4000
        Bootstrap trials per project.
    percentiles : sequence of int, default (10, 50, 90)
        Percentiles reported for EAC [currency] and finish [periods].
    seed : int or numpy Generator
        Random seed (required); the same seed gives the same ranges.

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``bac``, ``eac`` (point, from ``evm``),
        ``eac_p<q>`` [currency], ``p_within_budget`` [probability],
        ``finish_p<q>`` [periods], ``finish_date_p<q>`` (with ``status``;
        ``NaT`` when it has no ``period_end`` dates),
        ``planned_duration`` [periods], ``p_on_time`` [probability of
        finishing by PD], ``window_cpi_min``/``max`` and
        ``window_spi_t_min``/``max`` (periodic indices in the window),
        ``window_periods``.

    Notes
    -----
    A project whose work is complete (EV = BAC) has a degenerate range at
    its AC and its current period. A trial in which the resampled periods
    earned nothing gives EAC = ``inf`` / finish = ``inf`` (no progress, no
    forecast): it counts as over budget and late. When every resampled
    period has zero AC increase the current cumulative CPI is used.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    if iterations < 1:
        raise ValueError("iterations must be >= 1")
    qs = np.asarray(percentiles, dtype=float)
    if np.any((qs < 0) | (qs > 100)):
        raise ValueError("percentiles must lie in [0, 100]")
    if seed is None:
        raise ValueError("seed is required: pass an int (or a numpy Generator) so the ranges can be reproduced")
    if evm["period"].isna().any():
        raise ValueError("forecast ranges resample a history of reporting periods; a single data-date snapshot "
                         "has none")
    rng = stream(seed)
    rows = {}
    for pid, g in evm.sort_values(["project_id", "period"]).groupby("project_id", sort=True):
        ev = g["ev"].to_numpy(float)
        ac = g["ac"].to_numpy(float)
        es = g["es"].to_numpy(float)
        d_ev = np.diff(ev, prepend=0.0)[-window:]
        d_ac = np.diff(ac, prepend=0.0)[-window:]
        d_es = np.diff(es, prepend=0.0)[-window:]
        last = g.iloc[-1]
        bac, pd_, ev_now, ac_now, es_now, at = (float(last[c]) for c in ("bac", "pd", "ev", "ac", "es", "at"))
        remaining = max(bac - ev_now, 0.0)
        k = max(int(np.ceil(pd_ - es_now - 1e-9)), 1)
        idx = rng.integers(0, d_ev.size, size=(iterations, k))
        s_ev = d_ev[idx].sum(axis=1)
        s_ac = d_ac[idx].sum(axis=1)
        cpi_now = float(last["cpi"]) if np.isfinite(last["cpi"]) else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            cpi_f = np.where(s_ac > 0, s_ev / np.where(s_ac > 0, s_ac, 1.0), cpi_now)
            etc = np.where(remaining <= 0, 0.0, np.where(cpi_f > 0, remaining / np.where(cpi_f > 0, cpi_f, 1.0),
                                                          np.inf))
            rate = d_es[idx].mean(axis=1)
            left = max(pd_ - es_now, 0.0)
            finish = np.where(left <= 0, at, np.where(rate > 0, at + left / np.where(rate > 0, rate, 1.0), np.inf))
        eac = ac_now + etc
        row = {"bac": bac, "eac": float(last["eac"])}
        for q in qs:
            row[f"eac_p{q:g}"] = float(np.percentile(eac, q, method="inverted_cdf"))
        row["p_within_budget"] = float(np.mean(eac <= bac * (1 + 1e-12)))
        for q in qs:
            row[f"finish_p{q:g}"] = float(np.percentile(finish, q, method="inverted_cdf"))
        if status is not None:
            ends = (status.loc[status["project_id"].astype(str) == pid].sort_values("period")["period_end"]
                    if "period_end" in status.columns else pd.Series(dtype="datetime64[ns]"))
            dated = len(ends) > 0 and ends.notna().all()
            dates = period_to_date([row[f"finish_p{q:g}"] for q in qs], ends) if dated else [pd.NaT] * len(qs)
            for q, d in zip(qs, dates):
                row[f"finish_date_p{q:g}"] = d
        row["planned_duration"] = pd_
        row["p_on_time"] = float(np.mean(finish <= pd_ + 1e-9))
        with np.errstate(divide="ignore", invalid="ignore"):
            p_cpi = np.where(d_ac > 0, d_ev / np.where(d_ac > 0, d_ac, 1.0), np.nan)
            p_spi = d_es / 1.0
        row["window_cpi_min"] = float(np.nanmin(p_cpi)) if np.isfinite(p_cpi).any() else cpi_now
        row["window_cpi_max"] = float(np.nanmax(p_cpi)) if np.isfinite(p_cpi).any() else cpi_now
        row["window_spi_t_min"] = float(p_spi.min())
        row["window_spi_t_max"] = float(p_spi.max())
        row["window_periods"] = int(d_ev.size)
        rows[pid] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "project_id"
    return out
