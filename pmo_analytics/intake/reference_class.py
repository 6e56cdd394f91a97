"""Reference class forecasting: empirical cost / duration uplifts from past projects.

The uplift of a reference class at an acceptable overrun probability ``p`` is
the (1 - p) quantile of the outturn / estimate ratios of the past projects in
that class, minus one (Flyvbjerg, "From Nobel Prize to Project Management:
Getting Risks Right", *Project Management Journal* 37(3), 2006, pp. 5-15;
Flyvbjerg & COWI, *Procedures for Dealing with Optimism Bias in Transport
Planning*, UK DfT guidance document, 2004, section 4). With ``p = 0.2`` the
uplifted estimate is the P80 of the empirical distribution: four times in five
a past project of the class came in below it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, PMOError

__all__ = ["reference_class_uplifts", "apply_uplift", "MEASURES"]

#: measure name -> (estimate column, actual column) of the ``history`` table.
MEASURES = {
    "cost": ("estimated_cost", "actual_cost"),
    "duration": ("estimated_duration", "actual_duration"),
}

_COLUMNS = ["n", "mean_ratio", "p50_ratio", "quantile_ratio", "uplift", "acceptable_overrun",
            "share_overrun", "measure"]


def _check_p(acceptable_overrun: float) -> float:
    p = float(acceptable_overrun)
    if not 0.0 < p < 1.0:
        raise ValueError(f"acceptable_overrun must be a probability strictly between 0 and 1, got {p!r}")
    return p


def reference_class_uplifts(history: pd.DataFrame, acceptable_overrun: float = 0.2,
                            measure: str = "cost", min_class_size: int = 1) -> pd.DataFrame:
    """Empirical uplift per reference class from the ``history`` table.

    Parameters
    ----------
    history : DataFrame
        The ``history`` table: ``reference_class``, ``estimated_cost``,
        ``actual_cost`` [currency], ``estimated_duration``, ``actual_duration``
        [periods].
    acceptable_overrun : float, default 0.2
        Probability of overrun the decision maker accepts, ``p`` in (0, 1)
        [probability]. The uplift is read at the (1 - p) quantile (0.2 -> P80).
    measure : {"cost", "duration"}
        Which estimate to uplift.
    min_class_size : int, default 1
        Classes with fewer past projects are dropped (with a
        :class:`DataWarning` naming them).

    Returns
    -------
    DataFrame
        Indexed by ``reference_class`` (sorted), columns:

        * ``n`` - past projects in the class,
        * ``mean_ratio``, ``p50_ratio`` - mean and median outturn / estimate,
        * ``quantile_ratio`` - the (1 - p) empirical quantile of the ratio
          (linear interpolation between order statistics, numpy's default,
          Hyndman & Fan type 7),
        * ``uplift`` - ``quantile_ratio - 1`` [fraction]; negative when the
          class historically under-ran,
        * ``acceptable_overrun`` - p, ``share_overrun`` - share of past
          projects whose ratio exceeded 1, ``measure``.

    Notes
    -----
    Flyvbjerg (2006), eq. "required uplift = quantile of the cost-overrun
    distribution at the acceptable chance of overrun"; the empirical quantile
    is used rather than a fitted distribution, as in the DfT guidance.

    Examples
    --------
    >>> h = pd.DataFrame({"reference_class": ["IT"] * 5,
    ...                   "estimated_cost": [100.0] * 5,
    ...                   "actual_cost": [100.0, 110, 120, 130, 140],
    ...                   "estimated_duration": [4.0] * 5, "actual_duration": [4.0] * 5})
    >>> round(float(reference_class_uplifts(h, 0.5).loc["IT", "uplift"]), 6)
    0.2
    """
    p = _check_p(acceptable_overrun)
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {sorted(MEASURES)}")
    if history is None or len(history) == 0:
        raise PMOError("reference_class_uplifts needs a non-empty 'history' table")
    est_col, act_col = MEASURES[measure]
    missing = [c for c in ("reference_class", est_col, act_col) if c not in history.columns]
    if missing:
        raise ValueError(f"history table lacks column(s) {missing}")
    est = history[est_col].to_numpy(dtype=float)
    act = history[act_col].to_numpy(dtype=float)
    if np.any(~np.isfinite(est)) or np.any(est <= 0):
        raise PMOError(f"history.{est_col} must be positive and finite for every row")
    ratio = pd.Series(act / est, index=history.index)
    classes = history["reference_class"].astype(str)
    q = 1.0 - p
    grouped = ratio.groupby(classes, sort=True)
    out = pd.DataFrame({
        "n": grouped.size().astype("int64"),
        "mean_ratio": grouped.mean(),
        "p50_ratio": grouped.median(),
        "quantile_ratio": grouped.quantile(q),
        "share_overrun": grouped.apply(lambda s: float(np.mean(s.to_numpy() > 1.0))),
    })
    out.index.name = "reference_class"
    small = out.index[out["n"] < int(min_class_size)].tolist()
    if small:
        import warnings
        warnings.warn(f"reference classes with fewer than {min_class_size} past projects dropped: {small}",
                      DataWarning, stacklevel=2)
        out = out.drop(index=small)
    out["uplift"] = out["quantile_ratio"] - 1.0
    out["acceptable_overrun"] = p
    out["measure"] = measure
    return out[_COLUMNS]


def apply_uplift(projects: pd.DataFrame, uplifts: pd.DataFrame, column: str = "estimated_cost",
                 class_column: str = "category", default_uplift: float | None = 0.0,
                 floor_at_zero: bool = True) -> pd.DataFrame:
    """Uplift each project's estimate by the uplift of its reference class.

    Parameters
    ----------
    projects : DataFrame
        The ``projects`` table (or any frame with ``project_id``,
        ``class_column`` and ``column``).
    uplifts : DataFrame
        Output of :func:`reference_class_uplifts`.
    column : str, default "estimated_cost"
        Estimate to uplift [currency] (or ``duration_periods`` [periods]).
    class_column : str, default "category"
        Column naming each project's reference class.
    default_uplift : float or None, default 0.0
        Uplift [fraction] for projects whose class has no history; ``None``
        raises a :class:`PMOError` naming them instead.
    floor_at_zero : bool, default True
        Never *reduce* an estimate because a class under-ran historically
        (conservative; set False to apply negative uplifts as well).

    Returns
    -------
    DataFrame
        ``project_id``, ``reference_class``, ``<column>`` (the original),
        ``uplift`` [fraction], ``uplifted_<column>`` and ``has_history``
        (bool), in the order of ``projects``.
    """
    if "uplift" not in uplifts.columns:
        raise ValueError("uplifts must be the frame returned by reference_class_uplifts")
    cls = projects[class_column].astype(str)
    u = cls.map(uplifts["uplift"].astype(float))
    has = u.notna()
    if not has.all():
        if default_uplift is None:
            missing = sorted(set(cls[~has]))
            raise PMOError(f"no history for reference class(es) {missing}; pass default_uplift to proceed")
        u = u.fillna(float(default_uplift))
    u = u.astype(float)
    if floor_at_zero:
        u = u.clip(lower=0.0)
    base = projects[column].astype(float)
    return pd.DataFrame({
        "project_id": projects["project_id"].astype(str).to_numpy(),
        "reference_class": cls.to_numpy(),
        column: base.to_numpy(),
        "uplift": u.to_numpy(),
        f"uplifted_{column}": (base * (1.0 + u)).to_numpy(),
        "has_history": has.to_numpy(),
    }, index=projects.index)
