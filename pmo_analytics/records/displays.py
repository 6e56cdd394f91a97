"""Result frames shaped for people: what a page shows, never what it publishes.

The analytics return complete, tidy frames; a board reads them sorted by what
matters, with values that do not mean anything (the cost of a project that is
not funded, the realisation rate of a benefit not yet measured) left blank with
their reason, measures by name rather than by code. These helpers take a result
frame and return the frame a page shows with
:func:`pmo_analytics.records.pages.show_table`; the published numbers
(``numbers.json``, ``results.xlsx``) are the unchanged result frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..tables.columns import at_level, column

__all__ = ["candidates", "funded_first", "milestone_table", "rag_rules_table", "escalation_firings", "benefits_table",
           "NOT_FUNDED", "NOT_MEASURED"]

#: Why a candidate's cost, value and periods are blank.
NOT_FUNDED = "not funded"
#: Why a benefit's rates are blank.
NOT_MEASURED = "not yet measured"


def funded_first(portfolio: pd.DataFrame, by: str = "value") -> pd.DataFrame:
    """Candidates sorted for a board: funded first, then by ``by`` (largest first), then by id.

    ``portfolio`` is ``PortfolioSelector.portfolio_`` (indexed by ``project_id``, with ``selected``).
    """
    key = by if by in portfolio.columns else "value"
    order = portfolio.assign(_f=~portfolio["selected"].astype(bool), _v=-portfolio[key].astype(float).fillna(0.0),
                             _id=portfolio.index.astype(str))
    return portfolio.loc[order.sort_values(["_f", "_v", "_id"], kind="stable").index]


def candidates(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Every candidate, funded first then by the value it would add if funded, with the cost and value of a project
    that is not funded blank (:data:`NOT_FUNDED`: the recommendation spends nothing on it), not ``0``.

    Pass ``missing={c: NOT_FUNDED ...}`` to the table (see :func:`not_funded_reasons`).
    """
    worth = "base_value" if "base_value" in portfolio.columns else "value"
    out = funded_first(portfolio, worth).copy()
    off = ~out["selected"].astype(bool)
    for c in ("cost", "value", "start_period", "finish_period"):
        if c in out.columns:
            out[c] = out[c].astype(float).where(~off)
    return out


def not_funded_reasons() -> dict:
    """``{column: "not funded"}`` for the blanks of :func:`candidates`."""
    return {c: NOT_FUNDED for c in ("cost", "value", "start_period", "finish_period")}


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """Milestone finish dates, one column per percentile named by its level (``p50_finish``, ``p90_finish``).

    ``milestones`` is ``RiskReview.milestones_`` (``project_id``, ``activity_id``, ``name``, ``percentile`` [%],
    ``finish_date``).
    """
    wide = milestones.pivot_table(index=["project_id", "activity_id", "name"], columns="percentile",
                                  values="finish_date", aggfunc="first")
    wide.columns = [at_level("finish", q) for q in wide.columns]
    return wide


def rag_rules_table(rules) -> pd.DataFrame:
    """The early-warning rules as a board reads them: rule, the measure by name, when it fires, amber and red."""
    rows = []
    for r in rules:
        col = column(r.metric)
        pct = col.kind in ("probability", "share")
        fmt = (lambda x: None if x is None else f"{100 * x:g} %") if pct else (lambda x: None if x is None else f"{x:g}")
        rows.append({"rule": r.name, "metric": r.label or col.label, "op": {"<": "below", "<=": "at or below",
                                                                          ">": "above", ">=": "at or above"}[r.op],
                     "amber": fmt(r.amber), "red": fmt(r.red)})
    return pd.DataFrame(rows, columns=["rule", "metric", "op", "amber", "red"])


def escalation_firings(fired: pd.DataFrame) -> pd.DataFrame:
    """The escalation rules that fired, with the signal by name and its value at the precision of its threshold.

    ``fired`` is ``GovernanceReview.fired_`` (``signal``, ``signal_value``, ``operator``, ``threshold``, ...).
    """
    from ..governance.escalation import SIGNAL_WORDS, _signal_text

    out = fired.copy()
    out["why"] = [_signal_text(s, v, o, t) for s, v, o, t in
                  zip(out["signal"], out["signal_value"], out["operator"], out["threshold"])]
    out["signal"] = [SIGNAL_WORDS.get(s, (s, ""))[0] for s in out["signal"]]
    return out


def benefits_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A benefits frame with the rates of what is not measured yet left blank (:data:`NOT_MEASURED`), never shown
    as realised at 100 %.

    ``frame`` is ``BenefitsReview.realisation_`` (``periods_measured``) or ``BenefitsReview.promised_``
    (``measured``).
    """
    out = frame.copy()
    if "periods_measured" in out.columns:
        unmeasured = out["periods_measured"].fillna(0).to_numpy() == 0
    elif "measured" in out.columns:
        unmeasured = ~out["measured"].astype(bool).to_numpy()
    else:
        return out
    for c in ("realisation_rate", "performance_to_date"):
        if c in out.columns:
            out[c] = np.where(unmeasured, np.nan, out[c].astype(float))
    return out
