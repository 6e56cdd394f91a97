"""Risk drivers from the risk register (AACE International RP 57R-09 style).

Each risk occurs in an iteration with its probability; when it occurs it
draws **one** impact and applies it to **every** activity it affects, so the
affected activities move together (AACE RP 57R-09, *Integrated Cost and
Schedule Risk Analysis using Risk Drivers and Monte Carlo Simulation of a CPM
Model*, 2011; Hulett, *Integrated Cost-Schedule Risk Analysis*, 2011).

Conventions
-----------
* Impacts are triangular(min, most likely, max) of the register's three
  points. The schedule impact and the cost impact of one occurrence are drawn
  at the same quantile (a bad occurrence is bad in both; rank correlation 1).
* ``days`` impacts add to the duration; ``percent`` impacts scale the
  sampled duration: ``d = d0 * (1 + sum(percent) / 100) + sum(days)`` over the
  risks that occur.
* Cost impacts [currency] add to the project cost once per occurrence; the
  time-dependent cost of the extra duration (``cost_rate``) comes on top
  through the longer duration.
* A risk shared by several projects (``PROJECT/ACTIVITY`` references in
  ``affected_activities``, see :func:`~pmo_analytics.tables.spec.split_activity_ref`)
  is compiled for each project it affects, with its references to that
  project's activities; its cost impact and response cost are split between
  the projects in proportion to the activities affected in each, so the
  projects' expected costs add up to the portfolio's (the portfolio model,
  :mod:`pmo_analytics.risk.portfolio`, draws one occurrence for all of them).
* **Conditional risks** (``parent_risk``, ``condition``): an ``only_if``
  risk can occur only in the iterations where its parent occurred, with its
  ``probability`` given the parent (so ``P(risk) = P(parent) x probability``);
  a ``more_likely`` risk occurs with ``probability_if_parent`` where the
  parent occurred and ``probability`` where it did not. Mitigating the child
  scales both its probabilities by post / pre; removing (disabling) the
  parent removes its ``only_if`` children's occurrences too. Parents are
  risks of the same project.
* Post-mitigation values fall back to the pre-mitigation ones where blank. A
  post-mitigation run uses the *same* random numbers (occurrence and impact
  quantiles) as the pre-mitigation run: common random numbers, so the
  difference is the response's effect, not sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, Problem
from ..schedule.network import Network
from ..tables.graph import split_list
from ..tables.spec import split_activity_ref

__all__ = ["RiskDrivers", "risk_drivers"]

_PRE = ("probability", "schedule_min", "schedule_most_likely", "schedule_max", "cost_min",
        "cost_most_likely", "cost_max")


@dataclass(frozen=True, eq=False)
class RiskDrivers:
    """Risk drivers compiled against one network (arrays in register order).

    Attributes
    ----------
    table : DataFrame
        ``risk_id``, ``title``, ``mitigation``, ``mitigation_cost`` and the
        pre/post parameters with post blanks filled.
    rows : list of ndarray
        Network rows each risk affects.
    percent : ndarray of bool
        True for a percent-of-duration impact, False for added days.
    pre, post : ndarray, shape (risks, 7)
        probability, schedule min/ml/max [working days or %], cost min/ml/max
        [currency] before and after mitigation.
    parent : ndarray of int
        Index of the risk each one depends on (-1: independent); parents come
        before their children in :attr:`order`.
    only_if : ndarray of bool
        The risk can occur only where its parent occurred (``probability`` is
        then the probability given the parent).
    p_if_parent : ndarray
        Probability where the parent occurred, for a ``more_likely`` risk
        (NaN otherwise) [probability], before mitigation.
    """

    table: pd.DataFrame
    rows: list
    percent: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    parent: np.ndarray = None
    only_if: np.ndarray = None
    p_if_parent: np.ndarray = None

    def __post_init__(self):
        n = len(self.table)
        if self.parent is None:
            object.__setattr__(self, "parent", np.full(n, -1, dtype=int))
        if self.only_if is None:
            object.__setattr__(self, "only_if", np.zeros(n, bool))
        if self.p_if_parent is None:
            object.__setattr__(self, "p_if_parent", np.full(n, np.nan))

    @property
    def conditional(self) -> bool:
        """True when some risk depends on another."""
        return bool((self.parent >= 0).any())

    @property
    def n(self) -> int:
        return len(self.table)

    @property
    def ids(self) -> list[str]:
        return list(self.table["risk_id"])

    @property
    def has_mitigation(self) -> np.ndarray:
        """True for risks with a planned response."""
        m = self.table["mitigation"]
        return (m.notna() & (m.astype(str).str.strip() != "")).to_numpy()

    def index(self, ids) -> np.ndarray:
        """Boolean mask over risks from an iterable of risk ids (unknown ids raise ValueError)."""
        ids = [ids] if isinstance(ids, str) else list(ids)
        unknown = set(ids) - set(self.ids)
        if unknown:
            raise ValueError(f"unknown risk id(s): {sorted(unknown)}")
        return self.table["risk_id"].isin(ids).to_numpy()


def risk_drivers(risks: pd.DataFrame | None, network: Network) -> RiskDrivers:
    """Compile the register rows of the network's project into :class:`RiskDrivers`.

    Parameters
    ----------
    risks : DataFrame or None
        Rows of the ``risks`` table; rows of other projects are ignored when
        a ``project_id`` column is present and the network has a project id.
    network : Network

    Raises
    ------
    DataValidationError
        when a risk affects an activity the network does not have.
    """
    cols = ["risk_id", "title", "impact_type", "affected_activities", "mitigation", "mitigation_cost",
            *_PRE, *("post_" + c for c in _PRE), "parent_risk", "condition", "probability_if_parent"]
    if risks is None or len(risks) == 0:
        empty = pd.DataFrame(columns=cols)
        return RiskDrivers(empty, [], np.zeros(0, bool), np.zeros((0, 7)), np.zeros((0, 7)))
    r = risks
    share = None
    if "project_id" in r.columns and network.project_id is not None:
        r, share = _rows_of_project(r, network.project_id)
    r = r.reset_index(drop=True).copy()
    for c in cols:
        if c not in r.columns:
            r[c] = "" if c in ("title", "mitigation") else (None if c in ("parent_risk", "condition") else np.nan)
    r["impact_type"] = r["impact_type"].fillna("days").astype(str).str.lower()
    bad = ~r["impact_type"].isin(["days", "percent"])
    if bad.any():
        raise DataValidationError([Problem("risks", "", None, "impact_type",
                                           f"risk {r.loc[bad, 'risk_id'].iloc[0]}: impact_type must be "
                                           "'days' or 'percent'")])
    if share is not None:  # a shared risk's cost and response cost, split by activities affected
        for c in ("cost_min", "cost_most_likely", "cost_max", "post_cost_min", "post_cost_most_likely",
                  "post_cost_max", "mitigation_cost"):
            r[c] = r[c].astype(float) * share
    pre = r[list(_PRE)].astype(float).fillna(0.0).to_numpy()
    post = r[["post_" + c for c in _PRE]].astype(float).to_numpy()
    post = np.where(np.isnan(post), pre, post)
    rows = []
    for rid, text in zip(r["risk_id"], r["affected_activities"]):
        ids = split_list(text)
        unknown = [a for a in ids if a not in network.activities.index]
        if unknown or not ids:
            raise DataValidationError([Problem("risks", "", None, "affected_activities",
                                               f"risk {rid}: unknown activity id(s) {unknown[:10]} in "
                                               f"{network._name()}" if unknown else
                                               f"risk {rid} affects no activity")])
        rows.append(np.array(sorted({network.row(a) for a in ids}), dtype=int))
    table = r[cols].copy()
    table["mitigation_cost"] = table["mitigation_cost"].astype(float).fillna(0.0)
    table[["post_" + c for c in _PRE]] = post
    parent, only_if, p1 = _conditions(r, network)
    return RiskDrivers(table, rows, (r["impact_type"] == "percent").to_numpy(), pre, post, parent, only_if, p1)


def _conditions(r: pd.DataFrame, network: Network):
    """Parents (index, -1 none), only-if flags and probabilities given the parent of the register rows ``r``."""
    n = len(r)
    parent = np.full(n, -1, dtype=int)
    only_if = np.zeros(n, bool)
    p1 = np.full(n, np.nan)
    if "parent_risk" not in r.columns:
        return parent, only_if, p1
    pos = {str(rid): i for i, rid in enumerate(r["risk_id"])}
    cond = r["condition"] if "condition" in r.columns else pd.Series(None, index=r.index)
    given = r["probability_if_parent"] if "probability_if_parent" in r.columns else pd.Series(np.nan, index=r.index)
    for i, (rid, par) in enumerate(zip(r["risk_id"], r["parent_risk"])):
        if not isinstance(par, str) or not par.strip():
            continue
        if par not in pos:
            raise DataValidationError([Problem("risks", "", None, "parent_risk",
                                               f"risk {rid}: its parent risk {par!r} is not a risk of "
                                               f"{network._name()}")])
        c = cond.iloc[i]
        if c not in ("only_if", "more_likely"):
            raise DataValidationError([Problem("risks", "", None, "condition",
                                               f"risk {rid}: condition must be only_if or more_likely, got {c!r}")])
        parent[i] = pos[par]
        only_if[i] = c == "only_if"
        if c == "more_likely":
            v = given.iloc[i]
            if pd.isna(v):
                raise DataValidationError([Problem("risks", "", None, "probability_if_parent",
                                                   f"risk {rid} is more_likely after {par}: give "
                                                   "probability_if_parent")])
            p1[i] = float(v)
    # parents first: a cycle cannot be ordered
    seen, order = set(), []

    def visit(i, stack=()):
        if i in seen:
            return
        if i in stack:
            raise DataValidationError([Problem("risks", "", None, "parent_risk",
                                               "cycle of parent risks: " + " -> ".join(
                                                   str(r["risk_id"].iloc[k]) for k in (*stack, i)))])
        if parent[i] >= 0:
            visit(int(parent[i]), (*stack, i))
        seen.add(i)
        order.append(i)

    for i in range(n):
        visit(i)
    return parent, only_if, p1


def _rows_of_project(risks: pd.DataFrame, pid: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Register rows that affect project ``pid``, with ``affected_activities`` reduced to its activities.

    Returns the rows and each row's share of the risk's affected activities
    that lie in ``pid`` (None when no row references another project, so a
    register without shared risks is used exactly as given).
    """
    if "affected_activities" not in risks.columns:
        return risks[risks["project_id"] == pid], None
    own = (risks["project_id"] == pid).to_numpy()
    text = risks["affected_activities"].astype("string").fillna("")
    if not text.str.contains("/", regex=False).any():
        return risks[own], None
    keep, lists, shares = [], [], []
    for k, (owner, cell) in enumerate(zip(risks["project_id"], text)):
        items = split_list(cell)
        refs = []
        for a in items:
            try:
                refs.append((split_activity_ref(a, owner), a))
            except ValueError:
                refs.append(((owner, a), a))  # reported as an unknown activity below, as before
        seen = set()  # "A; P1/A" in P1's row name one activity: count it once in the split
        refs = [r for r in refs if not (r[0] in seen or seen.add(r[0]))]
        mine = [ref[1] for (ref, _a) in refs if ref[0] == pid]
        if not mine and not (own[k] and not items):
            continue
        keep.append(k)
        lists.append("; ".join(mine))
        shares.append(len(mine) / len(refs) if refs else 1.0)
    out = risks.iloc[keep].copy()
    out["affected_activities"] = lists
    return out, np.asarray(shares, dtype=float)
