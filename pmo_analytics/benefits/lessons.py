"""Lessons learned fed back into estimating: reference classes for cost AND duration.

Builds on :func:`pmo_analytics.intake.reference_class_uplifts` (Flyvbjerg
2006; Flyvbjerg & COWI 2004 for the UK DfT): per reference class, the
empirical distribution of actual / estimate and the uplift needed for an
acceptable chance of overrun p, ``uplift = quantile(1 - p) - 1``. Here both
measures are tabulated side by side, with the individual ratios for a chart,
and compared with HM Treasury's published optimism-bias ranges.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import PMOError
from ..intake.reference_class import MEASURES, reference_class_uplifts

__all__ = ["lessons_learned", "outturn_ratios", "uplifts_to_adopt", "HMT_OPTIMISM_BIAS", "compare_with_hmt"]

#: HM Treasury Green Book supplementary guidance, "Optimism bias" (Mott MacDonald, *Review of Large
#: Public Procurement in the UK*, 2002), table of upper and lower bound uplifts [%] by project type.
#: Upper bounds are the historical average optimism bias at outline business case; lower bounds what
#: remains once the project is well defined. Blank (None) where the guidance gives no value.
HMT_OPTIMISM_BIAS = pd.DataFrame(
    [
        ("Non-standard buildings", 39, 2, 51, 4),
        ("Standard buildings", 4, 1, 24, 2),
        ("Non-standard civil engineering", 25, 3, 66, 6),
        ("Standard civil engineering", 20, 1, 44, 3),
        ("Equipment/development", 54, 10, 200, 10),
        ("Outsourcing (opex)", None, None, 41, 0),
    ],
    columns=["project_type", "works_duration_upper_pct", "works_duration_lower_pct", "capex_upper_pct",
             "capex_lower_pct"],
).astype({"works_duration_upper_pct": "float64", "works_duration_lower_pct": "float64",
          "capex_upper_pct": "float64", "capex_lower_pct": "float64"})


def lessons_learned(history: pd.DataFrame, acceptable_overrun: float = 0.2, min_class_size: int = 1,
                    measures=("cost", "duration")) -> pd.DataFrame:
    """Reference-class table for cost and duration.

    Parameters
    ----------
    history : DataFrame
        The ``history`` table.
    acceptable_overrun : float, default 0.2
        Acceptable probability of overrun p [probability]; 0.2 reads the P80.
    min_class_size : int
        Smaller classes are dropped (see ``reference_class_uplifts``).
    measures : sequence of {"cost", "duration"}

    Returns
    -------
    DataFrame
        Long table, one row per class and measure: ``reference_class``,
        ``measure``, ``n`` [projects], ``mean_ratio``, ``p50_ratio``,
        ``quantile_ratio`` (actual / estimate) [ratio], ``uplift``
        [fraction], ``share_overrun`` [fraction], ``acceptable_overrun``
        [probability].
    """
    if history is None or len(history) == 0:
        raise PMOError("no history: lessons learned need a non-empty 'history' table of completed projects")
    parts = [reference_class_uplifts(history, acceptable_overrun, measure=m, min_class_size=min_class_size)
             .reset_index() for m in measures]
    out = pd.concat(parts, ignore_index=True)
    cols = ["reference_class", "measure", "n", "mean_ratio", "p50_ratio", "quantile_ratio", "uplift",
            "share_overrun", "acceptable_overrun"]
    return out[cols].sort_values(["measure", "reference_class"]).reset_index(drop=True)


def outturn_ratios(history: pd.DataFrame) -> pd.DataFrame:
    """Actual / estimate of every past project, tidy: ``project_id``, ``reference_class``, ``measure``,
    ``ratio`` [ratio]."""
    if history is None or len(history) == 0:
        raise PMOError("no history: the 'history' table is absent or empty")
    parts = []
    for m, (est, act) in MEASURES.items():
        e = history[est].astype(float)
        if (e <= 0).any():
            raise PMOError(f"history.{est} must be positive")
        parts.append(pd.DataFrame({"project_id": history["project_id"].astype(str).to_numpy(),
                                   "reference_class": history["reference_class"].astype(str).to_numpy(),
                                   "measure": m, "ratio": (history[act].astype(float) / e).to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def uplifts_to_adopt(lessons: pd.DataFrame, floor_at_zero: bool = True) -> pd.DataFrame:
    """Wide table of the uplifts to adopt per class: ``cost_uplift``, ``duration_uplift`` [fraction], ``n``
    [projects].

    With ``floor_at_zero`` a class that historically under-ran gets 0 (never
    cut an estimate on history alone).
    """
    w = lessons.pivot(index="reference_class", columns="measure", values="uplift")
    w.columns = [f"{c}_uplift" for c in w.columns]
    if floor_at_zero:
        w = w.clip(lower=0.0)
    w["n"] = lessons.groupby("reference_class")["n"].max()
    return w


def compare_with_hmt(lessons: pd.DataFrame, mapping: dict[str, str],
                     benchmark: pd.DataFrame = HMT_OPTIMISM_BIAS) -> pd.DataFrame:
    """Set our empirical uplifts beside HM Treasury's optimism-bias range.

    Parameters
    ----------
    lessons : DataFrame
        Output of :func:`lessons_learned`.
    mapping : dict
        Our reference class -> HMT ``project_type`` (e.g. ``{"IT":
        "Equipment/development"}``); classes not mapped are left out.
    benchmark : DataFrame
        Defaults to :data:`HMT_OPTIMISM_BIAS`.

    Returns
    -------
    DataFrame
        ``reference_class``, ``measure``, ``uplift`` [fraction],
        ``hmt_project_type``, ``hmt_lower``, ``hmt_upper`` [fraction] and
        ``position`` (``below HMT range``, ``within HMT range``, ``above HMT
        range`` or ``no HMT value``).
    """
    bad = sorted(set(mapping.values()) - set(benchmark["project_type"]))
    if bad:
        raise ValueError(f"unknown HMT project type(s) {bad}; expected one of {benchmark['project_type'].tolist()}")
    cols = {"cost": ("capex_lower_pct", "capex_upper_pct"),
            "duration": ("works_duration_lower_pct", "works_duration_upper_pct")}
    b = benchmark.set_index("project_type")
    rows = []
    for _, r in lessons.iterrows():
        if r["reference_class"] not in mapping:
            continue
        t = mapping[r["reference_class"]]
        lo_c, hi_c = cols[r["measure"]]
        lo, hi = b.loc[t, lo_c] / 100.0, b.loc[t, hi_c] / 100.0
        if pd.isna(lo) or pd.isna(hi):
            pos = "no HMT value"
        elif r["uplift"] < lo:
            pos = "below HMT range"
        elif r["uplift"] > hi:
            pos = "above HMT range"
        else:
            pos = "within HMT range"
        rows.append({"reference_class": r["reference_class"], "measure": r["measure"], "uplift": r["uplift"],
                     "hmt_project_type": t, "hmt_lower": lo, "hmt_upper": hi, "position": pos})
    return pd.DataFrame(rows, columns=["reference_class", "measure", "uplift", "hmt_project_type", "hmt_lower",
                                       "hmt_upper", "position"])
