"""Earned value management and earned schedule from ``status`` snapshots.

Formulas follow the DAU "Earned Value Management Gold Card" (Defense
Acquisition University, 2018; ANSI/EIA-748 practice) and, for the schedule
side, W. Lipke, "Schedule is Different", *The Measurable News*, March 2003,
as adopted in the PMI *Practice Standard for Earned Value Management*
(2nd ed., 2011), appendix D.

Glossary (all money in [currency], all durations in [periods], i.e.
reporting periods of the ``status`` table):

* PV, EV, AC - planned value, earned value, actual cost (cumulative);
  BAC - budget at completion = the final cumulative PV of the baseline.
* CV = EV - AC, SV = EV - PV, CV% = CV / EV, SV% = SV / PV,
  CPI = EV / AC, SPI = EV / PV.
* EAC - estimate at completion: ``eac_cpi`` = BAC / CPI,
  ``eac_plan`` = AC + (BAC - EV) (remaining work at budget rate),
  ``eac_cpi_spi`` = AC + (BAC - EV) / (CPI * SPI) (composite),
  ``eac_bottom_up`` = AC + ETC (when the table gives a bottom-up ETC).
* ETC = EAC - AC, VAC = BAC - EAC, TCPI(BAC) = (BAC - EV) / (BAC - AC),
  TCPI(EAC) = (BAC - EV) / (EAC - AC).
* ES - earned schedule, AT - actual time (the period number of the data
  date), SV(t) = ES - AT, SPI(t) = ES / AT, TSPI = (PD - ES) / (PD - AT),
  IEAC(t) = PD / SPI(t), with PD the planned duration.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, DataWarning, PMOError, Problem

__all__ = [
    "EAC_METHODS",
    "earned_schedule",
    "earned_value",
    "evm_snapshot",
    "planned_duration",
    "period_to_date",
    "s_curve_data",
    "is_snapshot",
]

#: EAC methods: name -> description (DAU gold card).
EAC_METHODS = {
    "cpi": "BAC / CPI",
    "plan": "AC + (BAC - EV)",
    "cpi_spi": "AC + (BAC - EV) / (CPI x SPI)",
    "bottom_up": "AC + ETC (bottom-up)",
}

_REQUIRED = ("project_id", "period", "pv", "ev", "ac")
_SNAPSHOT = ("pv", "ev", "ac", "bac")


def planned_duration(pv: np.ndarray) -> int:
    """Planned duration [periods]: the first period at which cumulative PV reaches BAC.

    Parameters
    ----------
    pv : array of float
        Cumulative planned value of periods 1..K [currency], non-decreasing.

    Returns
    -------
    int
        PD, 1-based period number. PV may stay flat after PD (the baseline
        table often repeats BAC); those periods are not part of the plan.
    """
    pv = np.asarray(pv, dtype=float)
    if pv.size == 0:
        raise ValueError("planned_duration needs at least one PV value")
    bac = pv[-1]
    return int(np.argmax(pv >= bac - 1e-9 * max(abs(bac), 1.0)) + 1)


def earned_schedule(pv: np.ndarray, ev: np.ndarray | float) -> np.ndarray:
    """Earned schedule by Lipke's interpolation, clamped at the planned duration.

    ``ES = C + (EV - PV_C) / (PV_{C+1} - PV_C)`` where ``C`` is the last whole
    period with ``PV_C <= EV`` (``PV_0 = 0``). PV is cut at the planned
    duration PD (the first period where PV reaches BAC), so ``ES <= PD``:
    once all work is earned, ES = PD however late the project is
    (Lipke 2003; PMI Practice Standard for EVM, 2nd ed., appendix D).

    Parameters
    ----------
    pv : array of float
        Cumulative planned value of periods 1..K [currency].
    ev : float or array of float
        Cumulative earned value(s) [currency].

    Returns
    -------
    ndarray
        ES [periods], same shape as ``ev``.

    Examples
    --------
    >>> float(earned_schedule([5, 10, 25, 55], 22.5).round(4))
    2.8333
    """
    pv = np.asarray(pv, dtype=float)
    if np.any(np.diff(pv) < 0):
        raise PMOError("cumulative PV must be non-decreasing")
    pd_ = planned_duration(pv)
    curve = np.concatenate([[0.0], pv[:pd_]])  # PV_0 .. PV_PD
    ev = np.asarray(ev, dtype=float)
    c = np.searchsorted(curve, ev, side="right") - 1  # last C with PV_C <= EV
    c = np.clip(c, 0, pd_)
    done = c >= pd_
    c_next = np.minimum(c + 1, pd_)
    denom = curve[c_next] - curve[c]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(done | (denom <= 0), 0.0, (ev - curve[c]) / np.where(denom > 0, denom, 1.0))
    return np.where(done, float(pd_), c + frac)


def period_to_date(t, period_ends) -> pd.Series:
    """Map fractional period numbers to dates.

    Period ``k`` ends on ``period_ends[k-1]``; period 0 "ends" (the project
    starts) one period length before period 1 ends. Fractions interpolate
    linearly inside a period; times beyond the table extrapolate with the
    last period's length. Infinite times map to ``NaT``.

    Parameters
    ----------
    t : array of float
        Times [periods].
    period_ends : sequence of datetime
        End date of periods 1..K (K >= 1).

    Returns
    -------
    Series of datetime64 (rounded to the day)
    """
    ends = pd.to_datetime(pd.Series(period_ends)).to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    if ends.size == 0:
        raise ValueError("period_to_date needs at least one period end date")
    step0 = ends[1] - ends[0] if ends.size > 1 else 7 * 86400e9
    step_last = ends[-1] - ends[-2] if ends.size > 1 else step0
    knots = np.concatenate([[ends[0] - step0], ends])
    t = np.atleast_1d(np.asarray(t, dtype=float))
    k = knots.size - 1
    inside = np.interp(np.clip(t, 0, k), np.arange(k + 1), knots)
    beyond = knots[-1] + (t - k) * step_last
    before = knots[0] + t * step0
    ns = np.where(t > k, beyond, np.where(t < 0, before, inside))
    finite = np.isfinite(ns)
    out = pd.Series(pd.NaT, index=range(t.size), dtype="datetime64[ns]")
    out[finite] = pd.to_datetime(ns[finite].astype("int64")).round("D")
    return out


def _safe_ratio(num, den, both_zero=1.0):
    """num / den with documented conventions: 0/0 -> ``both_zero``, x/0 (x > 0) -> NaN."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / np.where(den == 0, np.nan, den)
    return np.where((den == 0) & (num == 0), both_zero, r)


def is_snapshot(status: pd.DataFrame) -> bool:
    """True for the single data-date form (no ``period`` column, a ``bac`` column)."""
    return "period" not in status.columns and "bac" in status.columns


def _check_status(status: pd.DataFrame) -> pd.DataFrame:
    if status is None or len(status) == 0:
        raise PMOError("earned value needs a non-empty 'status' table")
    missing = [c for c in _REQUIRED if c not in status.columns]
    if missing:
        raise ValueError(f"status table lacks column(s) {missing} (or give one row per project with "
                         f"{list(_SNAPSHOT)} for a single data-date snapshot)")
    df = status.copy()
    if "period_end" not in df.columns:
        df["period_end"] = pd.NaT
    df["period_end"] = pd.to_datetime(df["period_end"])
    df["project_id"] = df["project_id"].astype(str)
    df["period"] = df["period"].astype("int64")
    df = df.sort_values(["project_id", "period"]).reset_index(drop=True)
    for c in ("pv", "ev", "ac") + (("etc",) if "etc" in df.columns else ()):
        df[c] = df[c].astype("float64")
    problems = []
    for pid, g in df.groupby("project_id", sort=True):
        if g["pv"].isna().any():
            problems.append(Problem("status", "status", None, "pv", f"project {pid}: PV missing in some period"))
        if np.any(np.diff(g["pv"].to_numpy()) < 0):
            problems.append(Problem("status", "status", None, "pv",
                                    f"project {pid}: cumulative PV decreases; PV must be cumulative"))
        if (g["period"].to_numpy() != np.arange(1, len(g) + 1)).any():
            problems.append(Problem("status", "status", None, "period",
                                    f"project {pid}: periods must run 1, 2, ... without gaps"))
        ev_ok, ac_ok = g["ev"].notna().to_numpy(), g["ac"].notna().to_numpy()
        if (ev_ok != ac_ok).any():
            problems.append(Problem("status", "status", None, "ev",
                                    f"project {pid}: EV and AC must be reported for the same periods"))
        n = int(ev_ok.sum())
        if n and not ev_ok[:n].all():
            problems.append(Problem("status", "status", None, "ev",
                                    f"project {pid}: EV/AC must be reported from period 1 to the data date "
                                    "without gaps"))
        if g["pv"].iloc[-1] <= 0:
            problems.append(Problem("status", "status", None, "pv", f"project {pid}: BAC (final PV) must be > 0"))
        dates = g["period_end"].notna()
        if dates.any() and not dates.all():
            problems.append(Problem("status", "status", None, "period_end",
                                    f"project {pid}: period_end is given for some periods only (give it for "
                                    "every period, or for none to work in periods)"))
    if problems:
        raise DataValidationError(problems, header="status table cannot be used for earned value")
    return df


def earned_value(status: pd.DataFrame, eac_method: str = "cpi") -> pd.DataFrame:
    """Earned value and earned schedule metrics per project and reported period.

    Parameters
    ----------
    status : DataFrame
        Either the ``status`` table -- ``project_id``, ``period`` (1..K),
        cumulative ``pv``, ``ev``, ``ac`` [currency] (EV/AC blank after the
        data date), optional ``period_end`` (dates; without it the date
        columns are ``NaT`` and everything else is computed in periods),
        optional bottom-up ``etc`` [currency] -- or a **single data-date
        snapshot**, the usual hand case: no ``period`` column, one row per
        project with ``pv``, ``ev``, ``ac``, ``bac`` [currency] and
        optionally ``project_id``, ``etc`` [currency], ``at`` (the data date
        [periods]), ``pd`` (planned duration [periods]) and ``data_date``.
        A snapshot has no PV baseline by period, so the earned-schedule
        columns (``es``, ``sv_t``, ``spi_t``, ``tspi``, ``ieac_t``) are NaN.
    eac_method : {"cpi", "plan", "cpi_spi", "bottom_up"}
        Which EAC feeds ``eac``, ``etc``, ``vac`` and ``tcpi_eac`` (see
        :data:`EAC_METHODS`). ``bottom_up`` falls back to ``cpi`` in periods
        without an ETC (``eac_source`` says which was used).

    Returns
    -------
    DataFrame
        One row per project and period with EV reported (a project with no
        report yet is left out, with a :class:`DataWarning` naming it), columns:
        ``project_id``, ``period``, ``period_end``, ``pv``, ``ev``, ``ac``,
        ``bac``, ``pd`` (planned duration [periods]), ``cv``, ``sv``,
        ``cv_pct``, ``sv_pct`` [fraction], ``cpi``, ``spi``, ``eac_cpi``,
        ``eac_plan``, ``eac_cpi_spi``, ``eac_bottom_up`` (NaN where no ETC
        was given), ``eac``, ``eac_source``, ``etc``, ``vac``, ``tcpi_bac``,
        ``tcpi_eac``, ``pct_planned``, ``pct_complete``, ``pct_spent``
        [fraction of BAC], ``es``, ``at`` [periods], ``sv_t`` [periods],
        ``spi_t``, ``tspi``, ``ieac_t`` [periods], ``ieac_t_date``.

    Notes
    -----
    Conventions for degenerate values (never a silent NaN):

    * EV = AC = 0 gives CPI = 1; EV = PV = 0 gives SPI = 1 (nothing planned,
      earned or spent: on plan). AC = 0 with EV > 0 leaves CPI undefined
      (NaN) and issues a :class:`DataWarning`; PV = 0 with EV > 0 likewise
      for SPI. CV% is ``-inf`` when AC > 0 with EV = 0; SV% is ``+inf``
      when EV > 0 with PV = 0.
    * TCPI(BAC) is 0 when the work is complete (EV = BAC) and ``inf`` when
      work remains but the budget is spent (AC >= BAC): it cannot be met.
    * TSPI is 0 once ES = PD and ``inf`` when AT >= PD with work remaining.
    * ES = 0 (nothing earned) gives SPI(t) = 0 and IEAC(t) = ``inf``.

    Examples
    --------
    >>> st = pd.DataFrame({"project_id": "P", "period": [1, 2],
    ...                    "period_end": pd.to_datetime(["2026-01-31", "2026-02-28"]),
    ...                    "pv": [50.0, 100.0], "ev": [40.0, None], "ac": [50.0, None]})
    >>> r = earned_value(st).iloc[0]
    >>> float(r.cpi), float(r.spi), float(r.eac_cpi), float(r.es)
    (0.8, 0.8, 125.0, 0.8)
    """
    if eac_method not in EAC_METHODS:
        raise ValueError(f"unknown eac_method {eac_method!r}; expected one of {sorted(EAC_METHODS)}")
    if status is not None and len(status) and is_snapshot(status):
        return _snapshot_value(status, eac_method)
    df = _check_status(status)
    has_etc = "etc" in df.columns
    frames, not_started = [], []
    for pid, g in df.groupby("project_id", sort=True):
        pv_all = g["pv"].to_numpy()
        bac = float(pv_all[-1])
        pd_ = planned_duration(pv_all)
        rep = g[g["ev"].notna()].copy()
        if rep.empty:
            not_started.append(pid)
            continue
        ev, ac, pv = (rep[c].to_numpy() for c in ("ev", "ac", "pv"))
        at = rep["period"].to_numpy(dtype=float)
        out = rep[["project_id", "period", "period_end", "pv", "ev", "ac"]].copy()
        out["bac"] = bac
        out["pd"] = pd_
        _money_metrics(out, pid, ev, ac, pv, bac, rep["etc"].to_numpy() if has_etc else None, eac_method,
                       rep["period"].tolist())
        es = earned_schedule(pv_all, ev)
        out["es"] = es
        out["at"] = at
        out["sv_t"] = es - at
        out["spi_t"] = es / at
        with np.errstate(divide="ignore", invalid="ignore"):
            out["tspi"] = np.where(es >= pd_, 0.0, np.where(at >= pd_, np.inf, (pd_ - es) / (pd_ - at)))
            out["ieac_t"] = np.where(es > 0, pd_ * at / np.where(es > 0, es, 1.0), np.inf)
        out["ieac_t_date"] = (period_to_date(out["ieac_t"].to_numpy(), g["period_end"]).to_numpy()
                              if g["period_end"].notna().all() else pd.NaT)
        frames.append(out)
    if not frames:
        raise PMOError("no project in the status table has EV/AC reported yet")
    if not_started:
        warnings.warn(f"no EV/AC reported yet for project(s) {not_started}: left out of the earned-value "
                      "analysis", DataWarning, stacklevel=2)
    return pd.concat(frames, ignore_index=True)


def _money_metrics(out: pd.DataFrame, pid, ev, ac, pv, bac, etc, eac_method: str, where) -> None:
    """The cost-side metrics of the DAU gold card, added to ``out`` (see :func:`earned_value`)."""
    out["cv"] = ev - ac
    out["sv"] = ev - pv
    with np.errstate(divide="ignore", invalid="ignore"):
        # x / 0 with x != 0 is a signed infinity here (spent with nothing earned: CV% = -inf)
        out["cv_pct"] = np.where(ev == 0, np.where(ac == 0, 0.0, -np.inf), (ev - ac) / np.where(ev == 0, 1, ev))
        out["sv_pct"] = np.where(pv == 0, np.where(ev == 0, 0.0, np.inf), (ev - pv) / np.where(pv == 0, 1, pv))
    cpi = _safe_ratio(ev, ac)
    spi = _safe_ratio(ev, pv)
    for name, arr, den in (("CPI", cpi, "AC"), ("SPI", spi, "PV")):
        bad = np.isnan(arr)
        if bad.any():
            warnings.warn(f"project {pid}: {den} = 0 with EV > 0 in {where_text(where, bad)}: {name} undefined "
                          "(NaN)", DataWarning, stacklevel=3)
    out["cpi"], out["spi"] = cpi, spi
    remaining = bac - ev
    with np.errstate(divide="ignore", invalid="ignore"):
        out["eac_cpi"] = np.where(remaining <= 0, ac, ac + remaining / cpi)
        out["eac_plan"] = ac + remaining
        out["eac_cpi_spi"] = np.where(remaining <= 0, ac, ac + remaining / (cpi * spi))
    out["eac_bottom_up"] = ac + etc if etc is not None else np.nan
    if eac_method == "bottom_up":
        bu = out["eac_bottom_up"].to_numpy(dtype=float)
        out["eac"] = np.where(np.isnan(bu), out["eac_cpi"], bu)
        out["eac_source"] = np.where(np.isnan(bu), "cpi", "bottom_up")
    else:
        out["eac"] = out[f"eac_{eac_method}"]
        out["eac_source"] = eac_method
    eac = out["eac"].to_numpy(dtype=float)
    out["etc"] = eac - ac
    out["vac"] = bac - eac
    with np.errstate(divide="ignore", invalid="ignore"):
        out["tcpi_bac"] = np.where(remaining <= 0, 0.0, np.where(bac - ac <= 0, np.inf, remaining / (bac - ac)))
        out["tcpi_eac"] = np.where(remaining <= 0, 0.0, np.where(eac - ac <= 0, np.inf, remaining / (eac - ac)))
    out["pct_planned"] = pv / bac
    out["pct_complete"] = ev / bac
    out["pct_spent"] = ac / bac


def where_text(where, bad) -> str:
    items = [w for w, b in zip(where, bad) if b]
    return f"period(s) {items}" if all(w is not None for w in items) else "the snapshot"


def _snapshot_value(status: pd.DataFrame, eac_method: str) -> pd.DataFrame:
    """:func:`earned_value` on one data-date row per project (no PV baseline by period)."""
    missing = [c for c in _SNAPSHOT if c not in status.columns]
    if missing:
        raise ValueError(f"a snapshot needs column(s) {missing}")
    df = status.reset_index(drop=True).copy()
    if "project_id" not in df.columns:
        if len(df) > 1:
            raise ValueError("a snapshot of several projects needs a project_id column")
        df["project_id"] = "project"
    df["project_id"] = df["project_id"].astype(str)
    if df["project_id"].duplicated().any():
        raise ValueError(f"a snapshot has one row per project; repeated: "
                         f"{sorted(set(df.loc[df['project_id'].duplicated(), 'project_id']))} (give a 'period' "
                         "column for a history)")
    num = {c: df[c].astype(float).to_numpy() for c in ("pv", "ev", "ac", "bac")}
    problems = []
    for c in ("pv", "ev", "ac", "bac"):
        for i in np.nonzero(~np.isfinite(num[c]) | (num[c] < 0))[0]:
            problems.append(Problem("status", "status", int(i) + 2, c, f"project {df.at[i, 'project_id']}: {c} "
                                    "must be a non-negative number"))
    for i in np.nonzero(num["bac"] <= 0)[0]:
        problems.append(Problem("status", "status", int(i) + 2, "bac",
                                f"project {df.at[i, 'project_id']}: BAC must be > 0"))
    if problems:
        raise DataValidationError(problems, header="snapshot cannot be used for earned value")
    out = pd.DataFrame({"project_id": df["project_id"],
                        "period": pd.array([pd.NA] * len(df), dtype="Int64"),
                        "period_end": pd.to_datetime(df["data_date"]) if "data_date" in df else pd.NaT,
                        "pv": num["pv"], "ev": num["ev"], "ac": num["ac"], "bac": num["bac"],
                        "pd": df["pd"].astype(float) if "pd" in df else np.nan})
    etc = df["etc"].astype(float).to_numpy() if "etc" in df else None
    # the metrics are vectorised over projects (each row is its own project)
    _money_metrics(out, ", ".join(out["project_id"]), num["ev"], num["ac"], num["pv"], num["bac"], etc,
                   eac_method, [None] * len(out))
    out["es"] = np.nan
    out["at"] = df["at"].astype(float) if "at" in df else np.nan
    for c in ("sv_t", "spi_t", "tspi", "ieac_t"):
        out[c] = np.nan
    out["ieac_t_date"] = pd.NaT
    return out


def evm_snapshot(evm: pd.DataFrame, trend_periods: int = 3) -> pd.DataFrame:
    """The latest reported row of each project, with the recent trend of CPI and SPI(t).

    Parameters
    ----------
    evm : DataFrame
        Output of :func:`earned_value`.
    trend_periods : int, default 3
        Look-back for the trend [periods]: ``cpi_change`` = CPI now minus CPI
        ``trend_periods`` periods earlier (or at the first reported period
        when the history is shorter); the same for ``spi_t_change``.

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: every column of ``evm`` at the data date,
        plus ``data_date`` (the period end of the latest report),
        ``cpi_change``, ``spi_t_change`` and ``trend_from_period``.
    """
    if trend_periods < 1:
        raise ValueError("trend_periods must be >= 1")
    rows = []
    for pid, g in evm.sort_values(["project_id", "period"]).groupby("project_id", sort=True):
        last = g.iloc[-1].copy()
        ref = g.iloc[max(len(g) - 1 - trend_periods, 0)]
        last["data_date"] = last["period_end"]
        last["cpi_change"] = float(last["cpi"] - ref["cpi"])
        last["spi_t_change"] = float(last["spi_t"] - ref["spi_t"])
        last["trend_from_period"] = ref["period"]  # NA for a single snapshot
        rows.append(last)
    snap = pd.DataFrame(rows).set_index("project_id")
    snap.index.name = "project_id"
    return snap.infer_objects()


def s_curve_data(status: pd.DataFrame, evm: pd.DataFrame) -> pd.DataFrame:
    """Tidy PV/EV/AC curves and the EAC projection, for the S-curve chart.

    Parameters
    ----------
    status : DataFrame
        The ``status`` table (PV over the whole baseline).
    evm : DataFrame
        Output of :func:`earned_value`.

    Returns
    -------
    DataFrame
        ``project_id``, ``period`` [periods, fractional for the projection],
        ``date``, ``series`` (``PV``, ``EV``, ``AC``, ``EAC projection``),
        ``value`` [currency]. The projection is a straight line from AC at the
        data date to EAC at the IEAC(t) finish.
    """
    st = _check_status(status)
    parts = []
    for pid, g in st.groupby("project_id", sort=True):
        parts.append(pd.DataFrame({"project_id": pid, "period": g["period"].astype(float), "date": g["period_end"],
                                   "series": "PV", "value": g["pv"]}))
        rep = g[g["ev"].notna()]
        for col, name in (("ev", "EV"), ("ac", "AC")):
            parts.append(pd.DataFrame({"project_id": pid, "period": rep["period"].astype(float),
                                       "date": rep["period_end"], "series": name, "value": rep[col]}))
        e = evm[evm["project_id"] == pid]
        if len(e):
            last = e.sort_values("period").iloc[-1]
            if np.isfinite(last["ieac_t"]) and np.isfinite(last["eac"]):
                t = [float(last["at"]), float(max(last["ieac_t"], last["at"]))]
                parts.append(pd.DataFrame({"project_id": pid, "period": t,
                                           "date": period_to_date(t, g["period_end"]).to_numpy(),
                                           "series": "EAC projection", "value": [last["ac"], last["eac"]]}))
    return pd.concat(parts, ignore_index=True)
