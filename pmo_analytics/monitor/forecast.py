"""Monte Carlo throughput forecasting: "when will N items be done?" and "how many by date D?".

Method (Focused Objective, *Throughput Forecaster* spreadsheet, T. Magennis,
v2 2021; D. Vacanti, *When Will It Be Done?*, 2020, ch. 4-6): each trial
samples one throughput value per future period by drawing, uniformly and
with replacement, from the historical throughput of past periods (days or
weeks, zero periods included).

* "when": the trial's scope is ``ceil(randint(scope_low, scope_high) x
  uniform(split_low, split_high))`` items (split rate: items split into
  more than one when worked on); periods are added until the cumulative
  throughput reaches the scope. The result is the number of periods; the
  P-confidence answer is the p-th percentile (85 % of trials finished
  within the P85 number of periods). Dates are ``start + n periods``, as the
  Focused Objective sheet reports them.
* "how many": the sum of the sampled throughput over the periods to the
  date (divided by a sampled split rate if one is given, to count backlog
  items); the P-confidence answer is the (100 - p)-th percentile (85 % of
  trials delivered at least that many).

Percentiles use the nearest-rank definition (``inverted_cdf``), so every
answer is an attainable whole number of periods or items. Everything is
vectorised over trials: one ``(iterations, horizon)`` draw, a cumulative sum
and an ``argmax``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import DataWarning, PMOError
from ..streams import stream

__all__ = ["forecast_when", "forecast_how_many", "throughput_stability", "ThroughputForecast",
           "FORECAST_PERCENTILES", "backlog_scope"]

FORECAST_PERCENTILES = (50, 70, 85, 95)
_FREQ = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1)}


def _rng(seed):
    if seed is None:
        raise ValueError("seed is required: pass an int (or a numpy Generator) so the forecast can be reproduced")
    return stream(seed)


def _samples(history) -> np.ndarray:
    if isinstance(history, pd.DataFrame):
        if "throughput" not in history.columns:
            raise ValueError("throughput history frame needs a 'throughput' column")
        history = history["throughput"]
    h = np.asarray(history, dtype=float).ravel()
    if h.size == 0:
        raise PMOError("empty throughput history: nothing to resample")
    if np.any(~np.isfinite(h)) or np.any(h < 0):
        raise PMOError("throughput history must be finite and non-negative")
    if h.max() <= 0:
        raise PMOError("throughput history is all zeros: no item was ever finished, no forecast is possible")
    return h


def _range(value, name, integer=False):
    lo, hi = (value, value) if np.isscalar(value) else tuple(value)
    if hi < lo:
        raise ValueError(f"{name}: high {hi} is below low {lo}")
    if lo <= 0:
        raise ValueError(f"{name} must be positive")
    if integer and (int(lo) != lo or int(hi) != hi):
        raise ValueError(f"{name} must be whole items")
    return lo, hi


def _percentile_table(trials, percentiles, invert, start, freq, value_name):
    qs = np.asarray(percentiles, float)
    use = 100.0 - qs if invert else qs
    vals = np.percentile(trials, use, method="inverted_cdf")
    out = pd.DataFrame({"percentile": qs.astype(int) if np.all(qs == qs.astype(int)) else qs, value_name: vals})
    if start is not None and not invert:
        out["date"] = pd.Timestamp(start) + out[value_name].to_numpy() * _FREQ[freq]
    return out


def _sample_scope(rng, iterations, scope, split):
    lo, hi = _range(scope, "scope", integer=True)
    s_lo, s_hi = _range(split, "split")
    if s_lo < 1:
        raise ValueError("split rate must be >= 1 (1 = no splitting)")
    base = rng.integers(int(lo), int(hi) + 1, size=iterations)
    factor = rng.uniform(s_lo, s_hi, size=iterations) if s_hi > s_lo else np.full(iterations, s_lo)
    return np.ceil(base * factor - 1e-9).astype(np.int64)


def forecast_when(history, scope, start=None, split=1.0, freq: str = "D", iterations: int = 10_000,
                  percentiles=FORECAST_PERCENTILES, seed=None, max_periods: int = 100_000):
    """How many periods until ``scope`` items are done (Monte Carlo, resampled throughput).

    Parameters
    ----------
    history : array of int or DataFrame
        Past throughput per period [items/period] (e.g. ``throughput(...)``
        output); zero periods must be included.
    scope : int or (int, int)
        Items to finish, or a (low, high) range sampled uniformly [items].
    start : date-like, optional
        Forecast start date; gives a ``date`` column = start + n periods.
    split : float or (float, float), default 1
        Split-rate range (>= 1) multiplying the scope.
    freq : {"D", "W"}
        Length of one period of ``history``.
    iterations : int
        Trials.
    percentiles : sequence, default (50, 70, 85, 95)
        Confidence levels [%].
    seed : int or numpy Generator
        Random seed (required; same seed, same forecast).
    max_periods : int
        Safety limit on the horizon [periods].

    Returns
    -------
    percentiles : DataFrame
        ``percentile`` (the confidence level) [%], ``periods`` [periods of ``freq``], ``date``.
    trials : ndarray of int
        Periods needed in each trial.
    """
    if freq not in _FREQ:
        raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
    rng = _rng(seed)
    h = _samples(history)
    need = _sample_scope(rng, iterations, scope, split)
    result = np.zeros(iterations, dtype=np.int64)
    done_so_far = np.zeros(iterations, dtype=float)
    pending = np.arange(iterations)
    horizon = int(np.ceil(need.max() / h.mean() * 1.5)) + 10
    elapsed = 0
    while pending.size:
        if elapsed > max_periods:
            raise PMOError(f"forecast did not finish within {max_periods} periods; is throughput near zero?")
        draws = h[rng.integers(0, h.size, size=(pending.size, horizon))]
        cum = done_so_far[pending, None] + np.cumsum(draws, axis=1)
        hit = cum >= need[pending, None]
        reached = hit.any(axis=1)
        first = np.argmax(hit, axis=1)
        result[pending[reached]] = elapsed + first[reached] + 1
        done_so_far[pending] = cum[:, -1]
        pending = pending[~reached]
        elapsed += horizon
    return _percentile_table(result, percentiles, False, start, freq, "periods"), result


def forecast_how_many(history, periods: int | None = None, start=None, end=None, split=1.0, freq: str = "D",
                      iterations: int = 10_000, percentiles=FORECAST_PERCENTILES, seed=None):
    """How many items will be done in ``periods`` periods (or from ``start`` to ``end``).

    Parameters
    ----------
    history : array of int or DataFrame
        Past throughput per period [items/period], zero periods included.
    periods : int, optional
        Number of future periods; or give ``start`` and ``end`` dates and the
        number of whole periods between them is used.
    split : float or (float, float), default 1
        Split rate: delivered items are divided by it to count backlog items.
    freq, iterations, percentiles, seed
        As in :func:`forecast_when`.

    Returns
    -------
    percentiles : DataFrame
        ``percentile`` (the confidence level) [%], ``items_done`` [items]: at
        least that many items with that confidence.
    trials : ndarray
        Items done in each trial.
    """
    if freq not in _FREQ:
        raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
    if periods is None:
        if start is None or end is None:
            raise ValueError("give periods, or start and end dates")
        periods = int((pd.Timestamp(end) - pd.Timestamp(start)) // _FREQ[freq])
    if periods < 1:
        raise ValueError("the forecast horizon must be at least one period")
    rng = _rng(seed)
    h = _samples(history)
    total = h[rng.integers(0, h.size, size=(iterations, int(periods)))].sum(axis=1)
    s_lo, s_hi = _range(split, "split")
    if s_hi > 1 or s_lo > 1:
        if s_lo < 1:
            raise ValueError("split rate must be >= 1 (1 = no splitting)")
        total = np.floor(total / rng.uniform(s_lo, s_hi, size=iterations) + 1e-9)
    return _percentile_table(total, percentiles, True, None, freq, "items_done"), total


def throughput_stability(history, alpha: float = 0.05, tolerance: float = 0.25) -> pd.Series:
    """Is the throughput history stable enough to forecast from?

    Compares the first and second half of the history: the two-sided
    Mann-Whitney U test (scipy) for a shift in distribution and the relative
    change of the mean. The history is called stable when the test does not
    reject at ``alpha`` and the means differ by less than ``tolerance``
    (Vacanti 2020, ch. 9: forecast only from a system that has not changed).

    Returns
    -------
    Series
        ``n`` [periods], ``mean_first``, ``mean_second`` [items/period],
        ``relative_change``, ``p_value``, ``stable`` (bool) and ``verdict``
        (text). Fewer than 8 periods: ``stable`` is False with verdict "too
        short to judge" (and a :class:`DataWarning`).
    """
    h = _samples(history)
    n = h.size
    if n < 8:
        warnings.warn(f"throughput history of {n} periods is too short to judge its stability", DataWarning,
                      stacklevel=2)
        m = float(h.mean())
        return pd.Series({"n": n, "mean_first": m, "mean_second": m, "relative_change": 0.0, "p_value": 1.0,
                          "stable": False, "verdict": "too short to judge (fewer than 8 periods)"}, dtype=object)
    a, b = h[: n // 2], h[n // 2:]
    if np.all(a == a[0]) and np.all(b == a[0]):
        p = 1.0
    else:
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    ma, mb = float(a.mean()), float(b.mean())
    rel = (mb - ma) / ma if ma > 0 else np.inf
    stable = bool(p >= alpha and abs(rel) < tolerance)
    verdict = ("stable" if stable else
               f"changed: second-half mean {mb:.2f} vs first-half {ma:.2f} items/period (p = {p:.3f})")
    return pd.Series({"n": n, "mean_first": ma, "mean_second": mb, "relative_change": rel, "p_value": p,
                      "stable": stable, "verdict": verdict}, dtype=object)


def backlog_scope(work_items: pd.DataFrame, project_id: str, pct_complete: float | None = None,
                  spread: float = 0.1) -> tuple[int, int]:
    """Scope range [items] still to deliver on a project, for :func:`forecast_when`.

    Without ``pct_complete`` the scope is the items created but not finished
    (``(open, open)``). With the project's earned-value ``pct_complete``
    (EV / BAC), the backlog implied if work items earn value evenly is
    ``implied = finished x (1 - pct) / pct`` (it counts items not yet
    written), and the range is ``implied x (1 -/+ spread)``, never below the
    open items.
    """
    df = work_items[work_items["project_id"].astype(str) == str(project_id)]
    if df.empty:
        raise PMOError(f"no work items for project {project_id!r}")
    if not 0 <= spread < 1:
        raise ValueError("spread must lie in [0, 1)")
    finished = int(df["finished"].notna().sum())
    low = high = int(df["finished"].isna().sum())
    if pct_complete is not None:
        pct = float(pct_complete)
        if not 0 < pct <= 1:
            raise ValueError(f"pct_complete must lie in (0, 1], got {pct}")
        implied = finished * (1 - pct) / pct
        low = max(low, int(np.floor(implied * (1 - spread) + 1e-9)))
        high = max(low, int(np.ceil(implied * (1 + spread) - 1e-9)))
    if high == 0:
        raise PMOError(f"project {project_id!r} has no work left to forecast")
    return max(low, 1), high


class ThroughputForecast:
    """Monte Carlo throughput forecaster (an estimator over a throughput history).

    Parameters
    ----------
    seed : int
        Random seed (required). Each forecast draws from its own stream
        derived from it (``when`` from ``[seed, 0]``, ``how_many`` from
        ``[seed, 1]``), so a forecast does not depend on which others were
        asked before it.
    freq : {"D", "W"}, default "D"
        Period length of the history and of the forecast.
    iterations : int, default 10000
        Trials per forecast.
    percentiles : sequence, default (50, 70, 85, 95)
        Confidence levels [%].
    project_id : str or list of str, optional
        With a portfolio: forecast these projects' work items (default all).
    start, end : date-like, optional
        With a portfolio: the window of history used (see :func:`throughput`).

    Attributes
    ----------
    history_ : ndarray
        Throughput per period used [items/period].
    stability_ : Series
        :func:`throughput_stability` of the history.
    when_, how_many_ : DataFrame
        The last forecasts made (percentile tables: ``percentile`` [%],
        ``periods`` and ``date``, or ``items_done`` [items]).
    when_trials_, how_many_trials_ : ndarray
        Their trials [periods or items].
    """

    def __init__(self, seed: int | None = None, freq: str = "D", iterations: int = 10_000,
                 percentiles=FORECAST_PERCENTILES, project_id=None, start=None, end=None):
        if seed is None:
            raise ValueError("seed is required: pass an int so forecasts can be reproduced")
        if freq not in _FREQ:
            raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
        if int(iterations) != iterations or iterations < 1:
            raise ValueError(f"iterations must be a positive whole number, got {iterations!r}")
        self.seed = seed
        self.freq = freq
        self.iterations = iterations
        self.percentiles = tuple(percentiles)
        self.project_id = project_id
        self.start = start
        self.end = end
        self._fitted_on = None

    def fit(self, portfolio) -> ThroughputForecast:
        """Take the throughput history and check its stability; returns self.

        Parameters
        ----------
        portfolio : Portfolio, DataFrame or array
            A portfolio (its ``work_items``, counted by :func:`throughput`
            with this forecaster's ``freq``, window and projects), a
            :func:`throughput` frame or a throughput history [items/period].
        """
        if hasattr(portfolio, "has") and hasattr(portfolio, "tables"):
            if not portfolio.has("work_items"):
                raise PMOError("the portfolio has no work_items table: no throughput to forecast from")
            from .flow import throughput
            history = throughput(portfolio.work_items, freq=self.freq, start=self.start, end=self.end,
                                 project_id=self.project_id)
            self._fitted_on = repr(portfolio)
        else:
            history = portfolio
            self._fitted_on = "a throughput history"
        self.history_ = _samples(history)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            self.stability_ = throughput_stability(self.history_)
        return self

    def _check(self):
        if not hasattr(self, "history_"):
            raise ValueError("ThroughputForecast is not fitted: call fit(portfolio) first")

    def _stream(self, k: int) -> np.random.Generator:
        return stream(int(self.seed), k)

    def when(self, scope, start=None, split=1.0) -> pd.DataFrame:
        """Percentile table of the periods (and dates from ``start``) to finish ``scope`` items."""
        self._check()
        self.when_, self.when_trials_ = forecast_when(self.history_, scope, start=start, split=split,
                                                      freq=self.freq, iterations=self.iterations,
                                                      percentiles=self.percentiles, seed=self._stream(0))
        return self.when_

    def how_many(self, periods=None, start=None, end=None, split=1.0) -> pd.DataFrame:
        """Percentile table of the items done in ``periods`` (or from ``start`` to ``end``)."""
        self._check()
        self.how_many_, self.how_many_trials_ = forecast_how_many(
            self.history_, periods, start=start, end=end, split=split, freq=self.freq,
            iterations=self.iterations, percentiles=self.percentiles, seed=self._stream(1))
        return self.how_many_

    @property
    def summary(self) -> pd.DataFrame:
        """History statistics, stability verdict and the last forecasts: ``measure``, ``value``, ``unit``."""
        self._check()
        h = self.history_
        per = {"D": "day", "W": "week"}[self.freq]
        st = self.stability_
        rows = [("periods", int(h.size), f"{per}s"), ("mean throughput", float(h.mean()), f"items/{per}"),
                ("median throughput", float(np.median(h)), f"items/{per}"),
                ("share of zero periods", float((h == 0).mean()), "fraction"),
                ("stable", bool(st["stable"]), ""), ("stability", st["verdict"], ""),
                ("stability p-value", float(st["p_value"]), "probability")]
        for name, attr, unit, col in (("when", "when_", f"{per}s", "periods"),
                                      ("how many", "how_many_", "items", "items_done")):
            t = getattr(self, attr, None)
            if t is not None:
                rows += [(f"{name} P{c:g}", float(v), unit) for c, v in zip(t["percentile"], t[col])]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        if not hasattr(self, "history_"):
            return f"ThroughputForecast(freq={self.freq!r}, iterations={self.iterations}, seed={self.seed}) unfitted"
        return (f"ThroughputForecast(freq={self.freq!r}, iterations={self.iterations}, seed={self.seed}, fitted on "
                f"{self.history_.size} periods, mean {self.history_.mean():.2f} items/period, "
                f"{self.stability_['verdict']}) from {self._fitted_on}")
