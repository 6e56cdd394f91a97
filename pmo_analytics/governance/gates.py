"""Stage-gate compliance: each project checked against the evidence the portfolio holds.

Which gate requires which evidence, and for which project stages, is the
``gate_checklist`` rules table. The evidence checks themselves are the small
functions in :data:`CHECKS`, one per name in
:data:`~pmo_analytics.tables.rules.EVIDENCE_CHECKS`; each returns, per project,
whether the evidence is there and a detail a PMO analyst can act on.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..tables.graph import split_list

__all__ = ["CHECKS", "as_of_date", "gate_compliance", "compliance_summary"]

#: Status older than this at the as-of date is not current [days].
EVM_MAX_AGE_DAYS = 45


def as_of_date(portfolio) -> pd.Timestamp | None:
    """The portfolio's data date: the latest ``period_end`` with earned value reported."""
    st = portfolio.status
    if st is None or st["ev"].notna().sum() == 0:
        return None
    return pd.Timestamp(st.loc[st["ev"].notna(), "period_end"].max())


def _by_project(df, pids) -> dict:
    if df is None or not len(df):
        return {p: None for p in pids}
    groups = dict(tuple(df.groupby("project_id")))
    return {p: groups.get(p) for p in pids}


def _sponsor_named(pf, pids, ctx):
    s = pf.projects.set_index("project_id")["sponsor"]
    return {p: (bool(pd.notna(s[p]) and str(s[p]).strip()), "" if pd.notna(s[p]) else "no sponsor named")
            for p in pids}


def _business_case(pf, pids, ctx):
    pr = pf.projects.set_index("project_id")
    out = {}
    for p in pids:
        r = pr.loc[p]
        gaps = [n for n, ok in (("cost", pd.notna(r["estimated_cost"]) and r["estimated_cost"] > 0),
                                ("benefit", pd.notna(r["benefit_npv"])),
                                ("probability of success", pd.notna(r["probability_of_success"])),
                                # AACE class 5 is a concept screening estimate: no basis for a business case
                                ("an estimate better than AACE class 5", r["estimate_class"] <= 4)) if not ok]
        out[p] = (not gaps, f"missing {', '.join(gaps)}" if gaps else "")
    return out


def _ntcp_classified(pf, pids, ctx):
    pr = pf.projects.set_index("project_id")
    dims = ("novelty", "technology", "complexity", "pace")
    out = {}
    for p in pids:
        missing = [d for d in dims if d not in pr.columns or pd.isna(pr.at[p, d])]
        out[p] = (not missing, f"no {', '.join(missing)} level" if missing else "")
    return out


def _present(df, pids, missing: str) -> dict:
    """Evidence = the project has at least one row in ``df``."""
    rows = _by_project(df, pids)
    return {p: (rows[p] is not None, "" if rows[p] is not None else missing) for p in pids}


def _owned(df, pids, id_col: str, missing: str) -> dict:
    """Evidence = the project has rows in ``df`` and every one names an owner."""
    rows = _by_project(df, pids)
    out = {}
    for p in pids:
        g = rows[p]
        if g is None:
            out[p] = (False, missing)
            continue
        unowned = sorted(set(g.loc[g["owner"].isna(), id_col]))
        out[p] = (not unowned, f"no owner for {', '.join(unowned)}" if unowned else "")
    return out


def _risk_register(pf, pids, ctx):
    return _present(pf.risks, pids, "no risks registered")


def _risk_owners(pf, pids, ctx):
    return _owned(pf.risks, pids, "risk_id", "no risks registered")


def _baseline_schedule(pf, pids, ctx):
    return _present(pf.activities, pids, "no schedule (activities)")


def _schedule_healthy(pf, pids, ctx):
    health = ctx.get("schedule_health")
    if health is None:
        return {p: (None, "not assessed: pass schedule health results") for p in pids}
    h = health.set_index("project_id")
    out = {}
    for p in pids:
        if p not in h.index:
            out[p] = (False, "no schedule to check")
        else:
            ok = bool(h.at[p, "passed"])
            out[p] = (ok, "" if ok else f"fails {h.at[p, 'detail']}")
    return out


def _evm_current(pf, pids, ctx):
    st = _by_project(pf.status, pids)
    as_of = ctx.get("as_of")
    out = {}
    for p in pids:
        g = st[p]
        if g is None or g["ev"].notna().sum() == 0:
            out[p] = (False, "no earned value reported")
            continue
        last = pd.Timestamp(g.loc[g["ev"].notna(), "period_end"].max())
        age = (as_of - last).days if as_of is not None else 0
        ok = age <= ctx.get("evm_max_age_days", EVM_MAX_AGE_DAYS)
        out[p] = (ok, "" if ok else f"last reported {last:%Y-%m-%d}, {age} days before {as_of:%Y-%m-%d}")
    return out


def _committed_finish(pf, pids, ctx):
    pr = pf.projects.set_index("project_id")
    has = "committed_finish" in pr.columns
    return {p: (bool(has and pd.notna(pr.at[p, "committed_finish"])),
                "" if has and pd.notna(pr.at[p, "committed_finish"]) else "no committed finish date") for p in pids}


def _benefits_owner(pf, pids, ctx):
    return _owned(pf.benefits, pids, "benefit_id", "no benefits registered")


def _benefits_measured(pf, pids, ctx):
    ben = _by_project(pf.benefits, pids)
    as_of = ctx.get("as_of")
    out = {}
    for p in pids:
        g = ben[p]
        if g is None:
            out[p] = (False, "no benefits registered")
            continue
        due = g if as_of is None else g[g["period_end"] <= as_of]
        gaps = due[due["realised"].isna()]
        out[p] = (gaps.empty, "" if gaps.empty else
                  f"{len(gaps)} elapsed period(s) not measured ({', '.join(sorted(set(gaps['benefit_id'])))})")
    return out


def _support_recorded(pf, pids, ctx):
    return _present(pf.support, pids, "no run cost recorded")


#: Evidence check name -> function(portfolio, project ids, context) -> {project_id: (passed, detail)}.
CHECKS: dict[str, Callable] = {
    "sponsor_named": _sponsor_named, "business_case": _business_case,
    "ntcp_classified": _ntcp_classified, "risk_register": _risk_register, "risk_owners": _risk_owners,
    "baseline_schedule": _baseline_schedule, "schedule_healthy": _schedule_healthy, "evm_current": _evm_current,
    "committed_finish": _committed_finish, "benefits_owner": _benefits_owner,
    "benefits_measured": _benefits_measured, "support_recorded": _support_recorded,
}


def gate_compliance(portfolio, checklist: pd.DataFrame, as_of=None, schedule_health: pd.DataFrame | None = None,
                    evm_max_age_days: int = EVM_MAX_AGE_DAYS) -> pd.DataFrame:
    """Check every project against the gate items that apply to its stage.

    Parameters
    ----------
    portfolio : Portfolio
    checklist : DataFrame
        The ``gate_checklist`` rules table.
    as_of : date, optional
        Data date for "current" and "elapsed" (default: :func:`as_of_date`).
    schedule_health : DataFrame, optional
        ``project_id``, ``passed`` (bool), ``detail``: the schedule health
        check per project; without it, ``schedule_healthy`` items are "not assessed".
    evm_max_age_days : int
        Status older than this is not current [days].

    Returns
    -------
    DataFrame
        One row per project and applicable item: ``project_id``, ``name``,
        ``business_unit``, ``stage``, ``gate``, ``item``, ``description``,
        ``check``, ``passed`` (boolean; NA = not assessed) and ``detail``.
    """
    ctx = {"as_of": pd.Timestamp(as_of) if as_of is not None else as_of_date(portfolio),
           "schedule_health": schedule_health, "evm_max_age_days": evm_max_age_days}
    pr = portfolio.projects
    rows = []
    cache: dict = {}
    for item in checklist.itertuples(index=False):
        stages = split_list(item.stages)
        pids = pr.loc[pr["stage"].isin(stages), "project_id"].tolist()
        if not pids:
            continue
        key = (item.check, tuple(pids))
        if key not in cache:
            cache[key] = CHECKS[item.check](portfolio, pids, ctx)
        for p in pids:
            passed, detail = cache[key][p]
            rows.append({"project_id": p, "gate": item.gate, "item": item.item, "description": item.description,
                         "check": item.check, "passed": passed, "detail": detail})
    out = pd.DataFrame(rows, columns=["project_id", "gate", "item", "description", "check", "passed", "detail"])
    out["passed"] = out["passed"].astype("boolean")
    out = pr[["project_id", "name", "business_unit", "stage"]].merge(out, on="project_id")
    return out.reset_index(drop=True)


def compliance_summary(compliance: pd.DataFrame, by: str = "project_id") -> pd.DataFrame:
    """Items required, passed, missing and not assessed, per project (or per ``business_unit``).

    ``compliance_rate`` = passed / assessed items; ``missing_items`` lists
    the failed item ids.
    """
    keys = ["project_id", "name", "business_unit", "stage"] if by == "project_id" else [by]
    c = compliance.assign(_pass=compliance["passed"].fillna(False).astype(bool),
                          _miss=(compliance["passed"] == False).fillna(False).astype(bool),  # noqa: E712
                          _na=compliance["passed"].isna())
    g = c.groupby(keys, sort=True)
    out = g.agg(items=("item", "size"), passed=("_pass", "sum"), missing=("_miss", "sum"),
                not_assessed=("_na", "sum")).reset_index()
    miss = c[c["_miss"]].groupby(keys)["item"].agg(lambda s: "; ".join(s)).rename("missing_items")
    out = out.merge(miss, left_on=keys, right_index=True, how="left")
    out["missing_items"] = out["missing_items"].fillna("")
    assessed = out["items"] - out["not_assessed"]
    out["compliance_rate"] = (out["passed"] / assessed.where(assessed > 0)).astype(float)
    return out
