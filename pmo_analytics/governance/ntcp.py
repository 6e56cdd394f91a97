"""NTCP diamond classification and the management approach it calls for.

Shenhar & Dvir's diamond model (*Reinventing Project Management*, Harvard
Business School Press, 2007) profiles a project on four dimensions —
Novelty, Technology, Complexity, Pace — and argues that the management
approach must match the profile: novelty drives when requirements can be
frozen, technology how many design cycles are needed, complexity the
formality of the organisation, pace the autonomy and cadence of control.

The mapping from profile to approach is *data*: the ``approach_rules`` table
(see :mod:`pmo_analytics.tables.rules`), so a PMO can change its policy
without code changes.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import PMOError
from ..tables.graph import split_list
from ..tables.rules import ATTRIBUTES
from ..tables.spec import NTCP_LEVELS

__all__ = ["DIMENSIONS", "classify", "recommend_approach"]

DIMENSIONS = tuple(NTCP_LEVELS)


def classify(projects: pd.DataFrame) -> pd.DataFrame:
    """The NTCP profile of each project.

    Parameters
    ----------
    projects : DataFrame
        ``project_id`` and the columns ``novelty``, ``technology``,
        ``complexity``, ``pace`` (levels as in :data:`~pmo_analytics.tables.spec.NTCP_LEVELS`;
        blank = not classified).

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, the four levels, their ordinal
        ranks ``<dimension>_rank`` (0 = lowest level), and ``classified``
        (all four dimensions given).

    Raises
    ------
    PMOError
        naming the project, the dimension and the allowed levels, for an unknown level.
    """
    out = pd.DataFrame({"project_id": projects["project_id"].to_numpy()})
    for dim in DIMENSIONS:
        levels = NTCP_LEVELS[dim]
        values = projects[dim] if dim in projects.columns else pd.Series(None, index=projects.index, dtype=object)
        values = [None if pd.isna(v) else v for v in values]
        bad = [(pid, v) for pid, v in zip(out["project_id"], values) if v is not None and v not in levels]
        if bad:
            pid, v = bad[0]
            raise PMOError(f"project {pid}: unknown {dim} level {v!r}; expected one of {', '.join(levels)}")
        out[dim] = values
        out[f"{dim}_rank"] = pd.array([levels.index(v) if v is not None else pd.NA for v in values], dtype="Int64")
    out["classified"] = out[list(DIMENSIONS)].notna().all(axis=1)
    return out


def recommend_approach(profile: pd.DataFrame, approach_rules: pd.DataFrame,
                       current: pd.Series | None = None) -> pd.DataFrame:
    """Recommended management approach for each classified project, from the rules table.

    For each attribute (``delivery``, ``formality``, ``contingency``,
    ``cadence``) the matching rule with the highest ``priority`` wins; ties go
    to the rule listed first. A rule matches when its ``dimension`` is ``*`` or
    the project's level of that dimension is in its ``levels``.

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`classify`.
    approach_rules : DataFrame
        The ``approach_rules`` table.
    current : Series, optional
        Current approach per project id (the ``projects.approach`` column,
        indexed by project id); compared with the recommended ``delivery``.

    Returns
    -------
    DataFrame
        ``project_id``, one column per attribute with the recommended value,
        ``<attribute>_rule`` with the id of the rule that set it,
        ``current_approach``, ``mismatch`` (bool) and ``reason`` (a sentence
        naming the rule and its rationale when the approach does not match).
        Unclassified projects get no recommendation (NaN) and ``mismatch`` False.
    """
    rules = approach_rules.reset_index(drop=True)
    rows = []
    for rec in profile.to_dict("records"):
        row = {"project_id": rec["project_id"]}
        for attr in ATTRIBUTES:
            row[attr], row[f"{attr}_rule"] = None, None
        if rec["classified"]:
            for attr in ATTRIBUTES:
                best = None
                for r in rules[rules["attribute"] == attr].itertuples():
                    levels = split_list(r.levels)
                    hit = r.dimension == "*" or rec[r.dimension] in levels
                    if hit and (best is None or r.priority > best.priority):
                        best = r
                if best is not None:
                    row[attr], row[f"{attr}_rule"] = best.value, best.rule_id
        rows.append(row)
    out = pd.DataFrame(rows)
    cur = current.reindex(out["project_id"]).to_numpy() if current is not None else [None] * len(out)
    out["current_approach"] = [None if pd.isna(c) else c for c in cur]
    out["mismatch"] = [bool(pd.notna(d) and pd.notna(c) and d != c)
                       for d, c in zip(out["delivery"], out["current_approach"])]
    why = rules.set_index("rule_id")["rationale"].to_dict()
    out["reason"] = [
        (f"runs {c} but its profile calls for {d} delivery (rule {r}: {why.get(r, '')})" if m else "")
        for c, d, r, m in zip(out["current_approach"], out["delivery"], out["delivery_rule"], out["mismatch"])]
    return out
