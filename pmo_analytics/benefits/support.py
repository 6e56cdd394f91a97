"""Support oversight: post-go-live run cost, incident load and total cost of ownership.

Total cost of ownership (TCO) over the observed life = authorised project
cost + run cost after go-live (Gartner's TCO definition as used in the
Green Book's whole-life-cost appraisal, HM Treasury 2022, section 6); it is
set next to the benefit realised over the same periods so that the PMO sees
whether a closed project pays for its upkeep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import PMOError
from .register import benefit_realisation

__all__ = ["support_tco"]


def support_tco(support: pd.DataFrame, projects: pd.DataFrame, benefits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run cost, incidents and TCO per project with support records, next to realised benefit.

    Parameters
    ----------
    support : DataFrame
        The ``support`` table (``project_id``, ``period``, ``run_cost``
        [currency], ``incidents`` [count]).
    projects : DataFrame
        The ``projects`` table (``estimated_cost`` is the authorised cost).
    benefits : DataFrame, optional
        The ``benefits`` table; adds realised benefit to date.

    Returns
    -------
    DataFrame
        Indexed by ``project_id``: ``name``, ``stage``,
        ``authorised_cost``, ``support_periods`` [periods],
        ``run_cost_total``, ``run_cost_per_period``, ``tco`` =
        authorised_cost + run_cost_total [currency], ``incidents_total``,
        ``incidents_per_period`` [count/period], ``incident_trend`` (mean of
        the second half of the periods minus the first half [count/period];
        positive = rising), and with ``benefits``: ``realised_to_date``,
        ``net_of_run_cost`` = realised - run cost, ``benefit_to_tco``
        [ratio] = realised / TCO.
    """
    if support is None or len(support) == 0:
        raise PMOError("no support records: the 'support' table is absent or empty")
    s = support.copy()
    s["project_id"] = s["project_id"].astype(str)
    s = s.sort_values(["project_id", "period"])
    p = projects.assign(project_id=projects["project_id"].astype(str)).set_index("project_id")
    unknown = sorted(set(s["project_id"]) - set(p.index))
    if unknown:
        raise PMOError(f"support rows for project(s) not in the projects table: {unknown}")
    rows = {}
    for pid, g in s.groupby("project_id", sort=True):
        inc = g["incidents"].to_numpy(dtype=float)
        half = len(inc) // 2
        trend = float(inc[len(inc) - half:].mean() - inc[:half].mean()) if half >= 1 else 0.0
        run = float(g["run_cost"].astype(float).sum())
        cost = float(p.loc[pid, "estimated_cost"])
        rows[pid] = {"name": p.loc[pid, "name"] if "name" in p.columns else pid,
                     "stage": p.loc[pid, "stage"] if "stage" in p.columns else "",
                     "authorised_cost": cost, "support_periods": len(g), "run_cost_total": run,
                     "run_cost_per_period": run / len(g), "tco": cost + run,
                     "incidents_total": int(inc.sum()), "incidents_per_period": float(inc.mean()),
                     "incident_trend": trend}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "project_id"
    if benefits is not None and len(benefits):
        real = benefit_realisation(benefits).groupby("project_id")["realised_to_date"].sum()
        out["realised_to_date"] = real.reindex(out.index).fillna(0.0)
        out["net_of_run_cost"] = out["realised_to_date"] - out["run_cost_total"]
        out["benefit_to_tco"] = out["realised_to_date"] / out["tco"].where(out["tco"] > 0, np.nan)
    return out
