"""The activity network: activities, precedence links and the compiled pass plans.

A :class:`Network` is built once from the ``activities`` table of one project
(see ``pmo_analytics.tables.spec``). Building checks the logic (unknown
predecessors, self-links, cycles), sorts the activities topologically and
compiles per-activity instruction lists so that the forward and backward
passes (:mod:`pmo_analytics.schedule.cpm`) are a loop over *activities* with
numpy rows of any number of iterations, never a loop over iterations.

Conventions
-----------
* Durations and lags are in working days [days]; the project starts at 0.
* Link semantics (lag ``L``, predecessor ``p``, successor ``s``):
  FS ``ES_s >= EF_p + L``; SS ``ES_s >= ES_p + L``; FF ``EF_s >= EF_p + L``;
  SF ``EF_s >= ES_p + L``. A negative lag is a lead.
* No activity starts before the project start (``ES >= 0``), and late dates are
  computed back from the project finish (or a deadline); an activity whose
  finish drives no successor (open end, or only SS/SF successors) is bounded
  by the project finish.
* A milestone is an activity with zero duration (``max_duration == 0``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, NetworkCycleError, Problem
from ..tables.graph import find_cycle, parse_predecessors, topological_order

__all__ = ["Network", "build_network", "LINK_CODES"]

#: Integer codes of the link types, as stored in :attr:`Network.links`.
LINK_CODES = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}

_ACTIVITY_DEFAULTS = {
    "name": "",
    "phase": None,
    "distribution": "triangular",
    "fixed_cost": 0.0,
    "cost_rate": 0.0,
    "correlation_group": None,
}


@dataclass(frozen=True, eq=False)
class _Plan:
    # forward: per activity in topological order (row, fs, ss, ff, sf, zero_bound)
    forward: list
    # backward: per activity in reverse topological order (row, fs, ss, ff, sf, finish_bound)
    backward: list


@dataclass(frozen=True, eq=False)
class Network:
    """An activity network of one project, ready for CPM and simulation.

    Build it with :func:`build_network`; do not construct it directly.

    Attributes
    ----------
    project_id : str or None
        The project the activities belong to.
    activities : DataFrame
        One row per activity, indexed by ``activity_id`` in *canonical* order
        (sorted ids); columns ``name``, ``phase``, ``min_duration``,
        ``most_likely``, ``max_duration`` [days], ``distribution``,
        ``fixed_cost`` [currency], ``cost_rate`` [currency/day],
        ``correlation_group``. Row ``i`` of every array of the network is
        activity ``activities.index[i]``; the canonical order makes every
        result independent of the order of the input rows.
    links : DataFrame
        ``predecessor``, ``successor`` (ids), ``type`` (FS/SS/FF/SF), ``lag``
        [days], ``pred_row``, ``succ_row`` (row numbers).
    order : ndarray of int
        Rows in topological order (ties broken by canonical order).
    """

    project_id: str | None
    activities: pd.DataFrame
    links: pd.DataFrame
    order: np.ndarray
    _plan: _Plan = field(repr=False)

    @property
    def ids(self) -> list[str]:
        """Activity ids in row order."""
        return list(self.activities.index)

    @property
    def n(self) -> int:
        """Number of activities."""
        return len(self.activities)

    @property
    def milestones(self) -> list[str]:
        """Ids of the zero-duration activities (milestones)."""
        m = self.activities["max_duration"].to_numpy(float) == 0
        return list(self.activities.index[m])

    @property
    def most_likely(self) -> np.ndarray:
        """Deterministic durations [days] in row order."""
        return self.activities["most_likely"].to_numpy(float)

    def row(self, activity_id: str) -> int:
        """Row number of an activity id."""
        try:
            return int(self.activities.index.get_loc(activity_id))
        except KeyError:
            raise KeyError(f"unknown activity {activity_id!r} in {self._name()}") from None

    def _name(self) -> str:
        return f"project {self.project_id}" if self.project_id else "the network"

    def __repr__(self) -> str:
        types = self.links["type"].value_counts().to_dict()
        t = ", ".join(f"{v} {k}" for k, v in sorted(types.items())) or "no links"
        return (f"Network({self.project_id!r}: {self.n} activities, {len(self.links)} links ({t}), "
                f"{len(self.milestones)} milestones)")


def _problem(msg: str, column: str | None = "predecessors") -> DataValidationError:
    return DataValidationError([Problem("activities", "", None, column, msg)], header="invalid activity network")


def build_network(activities: pd.DataFrame, project_id: str | None = None,
                  links: pd.DataFrame | None = None) -> Network:
    """Build the network of one project from its activities.

    Parameters
    ----------
    activities : DataFrame
        Rows of the ``activities`` table (columns as in the data model; only
        ``activity_id``, ``min_duration``, ``most_likely``, ``max_duration``
        are required, others take defaults: triangular distribution, zero
        cost). When it holds several projects, ``project_id`` selects one.
    project_id : str, optional
        Project to keep.
    links : DataFrame, optional
        Parsed links (``predecessor``, ``successor``, ``type``, ``lag``
        [days]), e.g. ``Portfolio.links``; default: parsed from the
        ``predecessors`` column.

    Returns
    -------
    Network

    Raises
    ------
    DataValidationError
        for a duplicate id, an unknown or self predecessor, or an unreadable
        predecessor cell (naming the activity).
    NetworkCycleError
        when the logic has a cycle; ``cycle`` lists the ids along it.
    """
    acts = activities
    if "project_id" in acts.columns:
        pids = acts["project_id"].dropna().unique()
        if project_id is not None:
            acts = acts[acts["project_id"] == project_id]
            if acts.empty:
                raise _problem(f"no activities for project {project_id!r}", "project_id")
        elif len(pids) > 1:
            raise _problem(f"activities of {len(pids)} projects given: pass project_id= (one of "
                           f"{', '.join(map(str, pids[:5]))})", "project_id")
        elif len(pids) == 1:
            project_id = str(pids[0])
    if acts.empty:
        raise _problem("no activities", "activity_id")
    acts = acts.copy()
    acts["activity_id"] = acts["activity_id"].astype(str)
    dup = acts["activity_id"][acts["activity_id"].duplicated()]
    if len(dup):
        raise _problem(f"duplicate activity id(s): {', '.join(dup.unique()[:10])}", "activity_id")
    for col in ("min_duration", "most_likely", "max_duration"):
        if col not in acts.columns:
            raise _problem(f"missing column {col!r}", col)
    for col, default in _ACTIVITY_DEFAULTS.items():
        if col not in acts.columns:
            acts[col] = default
    d = acts[["min_duration", "most_likely", "max_duration"]].astype(float).to_numpy()
    if np.isnan(d).any():
        raise _problem("blank duration", "most_likely")
    bad = ~((d[:, 0] <= d[:, 1]) & (d[:, 1] <= d[:, 2]))
    if bad.any():
        raise _problem("durations must satisfy min_duration <= most_likely <= max_duration; not for "
                       + ", ".join(acts["activity_id"][bad].head(10)), "most_likely")

    # links
    if links is None:
        rows = []
        preds = acts["predecessors"] if "predecessors" in acts.columns else [None] * len(acts)
        for aid, text in zip(acts["activity_id"], preds):
            try:
                parsed = parse_predecessors(text)
            except ValueError as exc:
                raise _problem(f"activity {aid}: {exc}") from None
            rows += [(p, aid, t, lag) for p, t, lag in parsed]
        links = pd.DataFrame(rows, columns=["predecessor", "successor", "type", "lag"])
    else:
        if "project_id" in links.columns and project_id is not None:
            links = links[links["project_id"] == project_id]
        links = links[["predecessor", "successor", "type", "lag"]].copy()
    links = links.astype({"predecessor": str, "successor": str, "type": str, "lag": float})
    links["type"] = links["type"].str.upper()
    if not links["type"].isin(list(LINK_CODES)).all():
        raise _problem(f"unknown link type(s): {sorted(set(links['type']) - set(LINK_CODES))}")

    canonical = sorted(acts["activity_id"])
    acts = acts.set_index("activity_id").loc[canonical]
    known = set(canonical)
    for p, s in zip(links["predecessor"], links["successor"]):
        if p not in known:
            raise _problem(f"unknown predecessor {p!r} of activity {s}" +
                           (f" (project {project_id})" if project_id else ""))
        if s not in known:
            raise _problem(f"unknown successor {s!r} of activity {p}")
        if p == s:
            raise _problem(f"activity {s} is its own predecessor")
    edges = list(zip(links["predecessor"], links["successor"]))
    topo = topological_order(canonical, edges)
    if topo is None:
        cycle = find_cycle(edges)
        raise NetworkCycleError(cycle, what=f"activity network of {project_id}" if project_id
                                else "activity network")
    pos = {a: i for i, a in enumerate(canonical)}
    links = links.sort_values(["successor", "predecessor", "type", "lag"], kind="stable").reset_index(drop=True)
    links["pred_row"] = links["predecessor"].map(pos).astype(int)
    links["succ_row"] = links["successor"].map(pos).astype(int)
    order = np.array([pos[a] for a in topo], dtype=int)
    keep = ["name", "phase", "min_duration", "most_likely", "max_duration", "distribution", "fixed_cost",
            "cost_rate", "correlation_group"]
    table = acts[keep].copy()
    for c in ("min_duration", "most_likely", "max_duration", "fixed_cost", "cost_rate"):
        table[c] = table[c].astype(float).fillna(0.0)
    table["distribution"] = table["distribution"].fillna("triangular").astype(str).str.lower()
    table.index.name = "activity_id"
    return Network(project_id, table, links, order, _compile(len(canonical), links, order))


def _compile(n: int, links: pd.DataFrame, order: np.ndarray) -> _Plan:
    """Per-activity instruction lists for the passes (plain Python ints/floats: fast to loop over)."""
    into = [[[], [], [], []] for _ in range(n)]
    out = [[[], [], [], []] for _ in range(n)]
    for p, s, t, lag in zip(links["pred_row"], links["succ_row"], links["type"], links["lag"]):
        c = LINK_CODES[t]
        into[s][c].append((int(p), float(lag)))
        out[p][c].append((int(s), float(lag)))
    forward, backward = [], []
    for r in order:
        fs, ss, ff, sf = into[r]
        # ES >= 0 must be enforced when no FS/SS link guarantees it
        zero = not (fs or ss) or any(lag < 0 for _, lag in fs + ss)
        forward.append((int(r), fs, ss, ff, sf, zero))
    for r in order[::-1]:
        fs, ss, ff, sf = out[r]
        # LF <= project finish must be enforced when no FS/FF successor (with lag >= 0) implies it
        bound = not (fs or ff) or any(lag < 0 for _, lag in fs + ff)
        backward.append((int(r), fs, ss, ff, sf, bound))
    return _Plan(forward, backward)
