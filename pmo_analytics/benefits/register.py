"""Benefits register analysis: planned vs realised, realisation rate, benefits at risk, dis-benefits.

Follows the benefits-register practice of HM Treasury's *Green Book* (2022,
section 7 and the supplementary "Guide to Developing the Project Business
Case", benefits realisation) and the IPA *Guide for Effective Benefits
Management in Major Projects* (2017): each benefit has an owner, a measure and
a planned profile by period; realised values are recorded as measured; a
dis-benefit is a planned negative value (an outcome perceived as negative by
a stakeholder, tracked like any benefit).

Sign convention: ``planned`` and ``realised`` are positive for benefits and
negative for dis-benefits, so "more is better" for both and the shortfall
``forecast - planned`` is negative when either falls short (a dis-benefit
that costs more than planned is a shortfall too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import PMOError

__all__ = ["benefits_by_period", "benefit_realisation", "promised_vs_delivered"]


def _check(benefits: pd.DataFrame) -> pd.DataFrame:
    if benefits is None or len(benefits) == 0:
        raise PMOError("no benefits register: the 'benefits' table is absent or empty")
    need = ["benefit_id", "project_id", "period", "planned", "realised"]
    missing = [c for c in need if c not in benefits.columns]
    if missing:
        raise ValueError(f"benefits table lacks column(s) {missing}")
    df = benefits.copy()
    df["project_id"] = df["project_id"].astype(str)
    df["benefit_id"] = df["benefit_id"].astype(str)
    df["period"] = df["period"].astype("int64")
    df["planned"] = df["planned"].astype(float)
    df["realised"] = df["realised"].astype(float)
    return df.sort_values(["project_id", "benefit_id", "period"]).reset_index(drop=True)


def benefits_by_period(benefits: pd.DataFrame, by: str = "benefit") -> pd.DataFrame:
    """Planned and realised benefit per period, with cumulative sums.

    Parameters
    ----------
    benefits : DataFrame
        The ``benefits`` table.
    by : {"benefit", "project"}
        Aggregate per benefit or per project.

    Returns
    -------
    DataFrame
        ``project_id`` (and ``benefit_id``), ``period``, ``planned``,
        ``realised`` (NaN where not yet measured), ``measured`` (bool),
        ``planned_cum``, ``realised_cum`` (cumulative over measured periods,
        NaN after the last measurement) [currency].
    """
    if by not in ("benefit", "project"):
        raise ValueError(f"by must be 'benefit' or 'project', got {by!r}")
    df = _check(benefits)
    keys = ["project_id", "benefit_id"] if by == "benefit" else ["project_id"]
    g = df.groupby(keys + ["period"], sort=True)
    out = pd.DataFrame({
        "planned": g["planned"].sum(),
        "realised": g["realised"].sum(min_count=1),
        "measured": g["realised"].apply(lambda s: bool(s.notna().all())),
    }).reset_index()
    out.loc[~out["measured"], "realised"] = np.nan
    out["planned_cum"] = out.groupby(keys)["planned"].cumsum()
    out["realised_cum"] = out.groupby(keys)["realised"].cumsum()
    out.loc[~out["measured"], "realised_cum"] = np.nan
    return out


def benefit_realisation(benefits: pd.DataFrame, tolerance: float = 0.10) -> pd.DataFrame:
    """Realisation to date and forecast per benefit, flagging benefits at risk.

    Parameters
    ----------
    benefits : DataFrame
        The ``benefits`` table.
    tolerance : float, default 0.10
        A benefit is *at risk* when its forecast falls short of the planned
        total by more than this fraction of the planned total [fraction].

    Returns
    -------
    DataFrame
        One row per benefit: ``benefit_id``, ``project_id``,
        ``description``, ``owner``, ``is_disbenefit``, ``periods``,
        ``periods_measured`` [periods], ``planned_total``,
        ``planned_to_date``, ``realised_to_date`` [currency],
        ``realisation_rate`` = realised / planned to date [ratio] (for a
        dis-benefit above 1 means worse than planned),
        ``performance_to_date`` = 1 + (realised - planned) / abs(planned)
        to date [ratio] (1 = on plan, below 1 = worse than plan for benefits
        and dis-benefits alike; equals the rate for benefits),
        ``forecast_total`` = realised to date + planned remaining x the rate
        to date [currency], ``shortfall`` = forecast - planned total
        [currency],
        ``at_risk`` (bool) and ``status`` (``not yet measured``, ``on track``,
        ``at risk``, ``missing owner``).

    Notes
    -----
    A benefit with no measured period yet has no realisation rate; it is
    forecast at plan (``rate_basis`` = ``plan``) and its status says "not yet
    measured" rather than "on track". A planned total of zero gives a rate of
    1 when nothing was realised either.
    """
    if not 0 <= tolerance < 1:
        raise ValueError("tolerance must lie in [0, 1)")
    df = _check(benefits)
    meas = df["realised"].notna()
    rows = []
    for (pid, bid), g in df.groupby(["project_id", "benefit_id"], sort=True):
        m = meas[g.index]
        planned_total = float(g["planned"].sum())
        p_td = float(g.loc[m, "planned"].sum())
        r_td = float(g.loc[m, "realised"].sum())
        if not m.any():
            rate, basis = 1.0, "plan"
        elif p_td == 0:
            rate, basis = (1.0 if r_td == 0 else np.inf), "to date"
        else:
            rate, basis = r_td / p_td, "to date"
        if p_td != 0:
            performance = 1.0 + (r_td - p_td) / abs(p_td)
        else:
            performance = 1.0 if r_td == 0 else float(np.sign(r_td) * np.inf)
        remaining = float(g.loc[~m, "planned"].sum())
        forecast = r_td + remaining * (rate if np.isfinite(rate) else 1.0)
        shortfall = forecast - planned_total
        at_risk = bool(shortfall < -tolerance * abs(planned_total))
        owner = g["owner"].iloc[0] if "owner" in g.columns else None
        if not m.any():
            status = "not yet measured"
        elif at_risk:
            status = "at risk"
        else:
            status = "on track"
        if owner is None or pd.isna(owner) or str(owner).strip() == "":
            status += "; missing owner"
        rows.append({
            "benefit_id": bid, "project_id": pid,
            "description": g["description"].iloc[0] if "description" in g.columns else "",
            "owner": owner, "is_disbenefit": planned_total < 0,
            "periods": len(g), "periods_measured": int(m.sum()),
            "planned_total": planned_total, "planned_to_date": p_td, "realised_to_date": r_td,
            "realisation_rate": rate, "performance_to_date": performance, "rate_basis": basis, "forecast_total": forecast,
            "shortfall": shortfall, "at_risk": at_risk, "status": status,
        })
    return pd.DataFrame(rows)


def promised_vs_delivered(benefits: pd.DataFrame, projects: pd.DataFrame | None = None,
                          tolerance: float = 0.10) -> pd.DataFrame:
    """Portfolio view: value promised at authorisation vs value delivered, per project.

    Parameters
    ----------
    benefits : DataFrame
        The ``benefits`` table.
    projects : DataFrame, optional
        The ``projects`` table: adds ``name``, ``stage`` and ``benefit_npv``
        (the business-case NPV promised at authorisation).
    tolerance : float
        Passed to :func:`benefit_realisation`.

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``name``, ``stage``, ``benefit_npv``
        [currency] (business case), ``planned_total`` (register baseline,
        undiscounted), ``planned_to_date``, ``realised_to_date``,
        ``realisation_rate`` (NaN-free: 1 where nothing is measured yet, see
        ``measured``), ``forecast_total``, ``shortfall`` [currency],
        ``disbenefits_to_date`` [currency, <= 0], ``n_benefits``,
        ``n_at_risk``, ``measured`` (bool).
    """
    real = benefit_realisation(benefits, tolerance)
    dis = real["realised_to_date"].where(real["is_disbenefit"], 0.0)
    g = real.assign(dis=dis).groupby("project_id", sort=True)
    out = pd.DataFrame({
        "planned_total": g["planned_total"].sum(),
        "planned_to_date": g["planned_to_date"].sum(),
        "realised_to_date": g["realised_to_date"].sum(),
        "forecast_total": g["forecast_total"].sum(),
        "disbenefits_to_date": g["dis"].sum(),
        "n_benefits": g.size(),
        "n_at_risk": g["at_risk"].sum().astype(int),
        "measured": g["periods_measured"].sum() > 0,
    })
    ptd = out["planned_to_date"].to_numpy()
    out["realisation_rate"] = np.where(ptd != 0, out["realised_to_date"] / np.where(ptd != 0, ptd, 1.0), 1.0)
    out["shortfall"] = out["forecast_total"] - out["planned_total"]
    if projects is not None:
        p = projects.assign(project_id=projects["project_id"].astype(str)).set_index("project_id")
        cols = [c for c in ("name", "stage", "benefit_npv") if c in p.columns]
        out = p[cols].join(out, how="right")
    return out
