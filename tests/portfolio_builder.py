"""Hand-written small portfolios for the portfolio-risk and selection-under-uncertainty tests.

Each test states its projects, activities and risks; :func:`write_portfolio`
fills in the required tables and writes CSVs that ``read_portfolio``
validates, so the tests also exercise the data model (qualified activity
references of shared risks included).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pmo_analytics import read_portfolio

PROJECT_DEFAULTS = dict(name="x", business_unit="BU", sponsor="S", stage="active", bucket="Run", category="IT",
                        estimated_cost=1000.0, benefit_npv=2000.0, estimate_class=3, probability_of_success=0.9,
                        earliest_start=1, latest_start=1, duration_periods=2, mandatory=True)
ACTIVITY_DEFAULTS = dict(name="a", phase="p", distribution="triangular", predecessors="", fixed_cost=0.0,
                         cost_rate=0.0, correlation_group="")
RISK_DEFAULTS = dict(title="r", owner="o", impact_type="days", schedule_min=0.0, schedule_most_likely=0.0,
                     schedule_max=0.0, cost_min=0.0, cost_most_likely=0.0, cost_max=0.0, mitigation="",
                     mitigation_cost="", post_probability="", post_schedule_min="", post_schedule_most_likely="",
                     post_schedule_max="", post_cost_min="", post_cost_most_likely="", post_cost_max="")


def write_portfolio(folder: Path, projects, activities=(), risks=(), dependencies=(), history=(), budget=None,
                    costs=None, periods: int = 6):
    """Write a valid portfolio to ``folder`` and read it back (validated)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    proj = pd.DataFrame([{**PROJECT_DEFAULTS, **p} for p in projects])
    proj.to_csv(folder / "projects.csv", index=False)
    pd.DataFrame([{"criterion": "fit", "description": "d", "weight": 1.0}]).to_csv(folder / "criteria.csv",
                                                                                  index=False)
    pd.DataFrame([{"project_id": p, "criterion": "fit", "score": 5.0} for p in proj["project_id"]]).to_csv(
        folder / "scores.csv", index=False)
    if costs is None:  # the estimate spread evenly over the duration
        costs = [{"project_id": r.project_id, "period_offset": k, "cost": r.estimated_cost / r.duration_periods}
                 for r in proj.itertuples() for k in range(int(r.duration_periods))]
    pd.DataFrame(costs).to_csv(folder / "costs.csv", index=False)
    if budget is None:
        budget = [1e9] * periods
    pd.DataFrame({"period": range(1, len(budget) + 1), "budget": budget}).to_csv(folder / "budget.csv", index=False)
    if activities:
        pd.DataFrame([{**ACTIVITY_DEFAULTS, **a} for a in activities]).to_csv(folder / "activities.csv", index=False)
    if risks:
        pd.DataFrame([{**RISK_DEFAULTS, **r} for r in risks]).to_csv(folder / "risks.csv", index=False)
    if dependencies:
        pd.DataFrame(dependencies, columns=["project_id", "other_project_id", "type"]).to_csv(
            folder / "dependencies.csv", index=False)
    if history:
        pd.DataFrame(history).to_csv(folder / "history.csv", index=False)
    return read_portfolio(folder)


def act(pid, aid, lo, ml, hi, dist="triangular", preds="", fixed=0.0, rate=0.0, group=""):
    """One activity row."""
    return dict(project_id=pid, activity_id=aid, min_duration=lo, most_likely=ml, max_duration=hi, distribution=dist,
                predecessors=preds, fixed_cost=fixed, cost_rate=rate, correlation_group=group)


def sample_under_way(folder: Path) -> Path:
    """A copy of the bundled sample with A-101 under way: data date 2026-03-02 (40 working days after its start
    2026-01-05), its first two activities complete, the third started 2026-02-02 with 2 days left."""
    import shutil

    import numpy as np

    from pmo_analytics.bundled import bundled_path

    d = Path(shutil.copytree(bundled_path("sample"), folder))
    a = pd.read_csv(d / "activities.csv", dtype=str, keep_default_na=False)
    p = pd.read_csv(d / "projects.csv", dtype=str, keep_default_na=False)
    rows = a.index[a["project_id"] == "A-101"]
    a["actual_start"], a["actual_finish"], a["remaining_duration"] = "", "", ""
    a.loc[rows[0], ["actual_start", "actual_finish"]] = ["2026-01-05", "2026-01-05"]
    a.loc[rows[1], ["actual_start", "actual_finish"]] = ["2026-01-05", "2026-01-30"]
    a.loc[rows[2], ["actual_start", "remaining_duration"]] = ["2026-02-02", "2"]
    p["data_date"] = np.where(p["project_id"] == "A-101", "2026-03-02", "")
    a.to_csv(d / "activities.csv", index=False)
    p.to_csv(d / "projects.csv", index=False)
    return d


def sample_without_schedule(folder: Path, project_id: str = "A-101") -> Path:
    """A copy of the bundled sample whose ``project_id`` has no activities, risks, start date or commitment: the
    core tables a schedule file (``PROJECT=FILE``) is merged into, with the file's own dates."""
    import shutil

    from pmo_analytics.bundled import bundled_path

    d = Path(shutil.copytree(bundled_path("sample"), folder))
    for name in ("activities", "risks", "branches"):  # the schedule and what refers to its activities
        t = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)
        t[t["project_id"] != project_id].to_csv(d / f"{name}.csv", index=False)
    p = pd.read_csv(d / "projects.csv", dtype=str, keep_default_na=False)
    p.loc[p["project_id"] == project_id, ["start_date", "committed_finish"]] = ""
    p.to_csv(d / "projects.csv", index=False)
    return d
