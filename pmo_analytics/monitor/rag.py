"""Early warning: configurable red/amber/green rules that always say why.

A rule compares one metric of the status snapshot (CPI, SPI(t), TCPI, a
trend, a forecast probability ...) with an amber and a red threshold. A
project's RAG is the worst level any rule gives, and every amber or red comes
with the rule that fired and the numbers - no "watermelon" reports (green
outside, red inside). A metric that cannot be evaluated (missing or
undefined) is amber, with that reason, never silently green.

Default thresholds follow common practice: the DAU gold card's TCPI > 1.10
"unlikely to be achieved"; CPI/SPI bands of 0.95 / 0.90 as in the UK
NAO/IPA and US GAO EVM reporting guides (GAO-20-195G, ch. 18); a falling CPI
trend over the last periods as an early sign.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd


__all__ = ["RagRule", "DEFAULT_RULES", "COMMITMENT_RULE", "rag_status", "LEVELS"]

LEVELS = ("green", "amber", "red")
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class RagRule:
    """One early-warning rule.

    Parameters
    ----------
    name : str
        Short name shown in the status table (e.g. ``"cost efficiency"``).
    metric : str
        Column of the snapshot the rule reads (``cpi``, ``spi_t``,
        ``tcpi_bac``, ``cpi_change``, ``p_within_budget`` ...).
    op : {"<", "<=", ">", ">="}
        The comparison that means *bad*: ``metric op threshold`` fires.
    amber, red : float or None
        Thresholds; ``None`` disables that level. With ``op`` ``<`` the red
        threshold must not exceed the amber one (and conversely for ``>``).
    label : str, optional
        How the metric is written in reasons (defaults to ``metric``).
    """

    name: str
    metric: str
    op: str
    amber: float | None = None
    red: float | None = None
    label: str | None = None

    def __post_init__(self):
        if self.op not in _OPS:
            raise ValueError(f"rule {self.name!r}: op must be one of {sorted(_OPS)}, got {self.op!r}")
        if self.amber is None and self.red is None:
            raise ValueError(f"rule {self.name!r}: give an amber or a red threshold")
        if self.amber is not None and self.red is not None:
            worse = _OPS[self.op](self.red, self.amber) or self.red == self.amber
            if not worse:
                raise ValueError(f"rule {self.name!r}: red threshold {self.red} is less severe than amber "
                               f"{self.amber} for op {self.op!r}")

    def evaluate(self, value: float) -> tuple[str, float | None, str]:
        """(level, threshold that fired, reason) for one metric value.

        The reason is a phrase a board reads: ``cost efficiency red: CPI 0.864, below 0.9`` (probabilities as
        percentages, the value at three significant digits, the threshold as the rule states it).
        """
        label = self.label or self.metric
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "amber", None, f"{self.name} amber: {label} cannot be evaluated (undefined)"
        f = _OPS[self.op]
        side = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above"}[self.op]
        for level, thr in (("red", self.red), ("amber", self.amber)):
            if thr is not None and f(value, thr):
                return level, thr, (f"{self.name} {level}: {label} {self._text(value)}, {side} "
                                    f"{self._text(thr, threshold=True)}")
        return "green", None, ""

    def _text(self, x: float, threshold: bool = False) -> str:
        from ..tables.columns import column

        if column(self.metric).kind in ("probability", "share"):
            return f"{100 * x:.0f} %" if abs(100 * x) >= 1 or x == 0 else f"{100 * x:.1f} %"
        if np.isinf(x):
            return "infinite"
        return f"{x:g}" if threshold else f"{x:.3g}"


#: Default rules; pass your own list to :func:`rag_status` to change them.
DEFAULT_RULES = (
    RagRule("cost efficiency", "cpi", "<", amber=0.95, red=0.90, label="CPI"),
    RagRule("schedule efficiency", "spi_t", "<", amber=0.95, red=0.90, label="SPI(t)"),
    RagRule("budget recoverability", "tcpi_bac", ">", amber=1.05, red=1.10, label="TCPI(BAC)"),
    RagRule("cost trend", "cpi_change", "<", amber=-0.02, red=-0.05, label="CPI change over trend window"),
    RagRule("schedule trend", "spi_t_change", "<", amber=-0.02, red=-0.05,
            label="SPI(t) change over trend window"),
    RagRule("budget confidence", "p_within_budget", "<", amber=0.5, red=0.2,
            label="chance of finishing within budget"),
)


def rag_status(snapshot: pd.DataFrame, rules=DEFAULT_RULES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply RAG rules to a per-project snapshot.

    Parameters
    ----------
    snapshot : DataFrame
        Indexed by ``project_id``, one column per metric the rules read
        (e.g. :func:`~pmo_analytics.monitor.evm_snapshot` joined with
        :func:`~pmo_analytics.monitor.forecast_ranges`).
    rules : sequence of RagRule
        Rules to apply. A rule whose metric is not a column raises
        ValueError (a silently skipped rule would be a watermelon).

    Returns
    -------
    status : DataFrame
        Indexed by ``project_id``: ``rag`` (worst level), ``n_red``,
        ``n_amber``, ``reasons`` (the fired rules with their numbers, "; "
        separated; empty for green).
    findings : DataFrame
        One row per project and rule: ``project_id``, ``rule``, ``metric``,
        ``metric_value``, ``rag`` (the level this rule gives), ``threshold``, ``reason``.
    """
    rules = list(rules)
    if not rules:
        raise ValueError("rag_status needs at least one rule")
    missing = sorted({r.metric for r in rules} - set(snapshot.columns))
    if missing:
        raise ValueError(f"snapshot lacks the metric(s) {missing} read by the RAG rules")
    rows = []
    for pid, rec in snapshot.iterrows():
        for r in rules:
            v = rec[r.metric]
            v = float(v) if v is not None and not pd.isna(v) else np.nan
            level, thr, reason = r.evaluate(v)
            rows.append({"project_id": pid, "rule": r.name, "metric": r.metric, "metric_value": v,
                         "rag": level, "threshold": np.nan if thr is None else thr, "reason": reason})
    findings = pd.DataFrame(rows)
    rank = findings["rag"].map({lv: i for i, lv in enumerate(LEVELS)})
    g = findings.assign(rank=rank).groupby("project_id", sort=False)
    status = pd.DataFrame({
        "rag": g["rank"].max().map(dict(enumerate(LEVELS))),
        "n_red": g["rag"].apply(lambda s: int((s == "red").sum())),
        "n_amber": g["rag"].apply(lambda s: int((s == "amber").sum())),
        "reasons": g["reason"].apply(lambda s: "; ".join(x for x in s if x)),
    })
    status.index.name = "project_id"
    return status, findings

#: Optional rule: P50 forecast finish later than the finish committed to the board
#: (needs ``finish_slip_days``, which :class:`DeliveryMonitor` adds when given ``projects``).
COMMITMENT_RULE = RagRule("committed date", "finish_slip_days", ">", amber=0.0, red=30.0,
                          label="P50 finish, calendar days after the commitment,")
