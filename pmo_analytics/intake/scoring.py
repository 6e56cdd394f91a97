"""Weighted scoring of proposals over strategic drivers, and the value-vs-risk view.

The weighted score of project i is the weighted sum of its (normalised)
driver scores, ``S_i = sum_k w_k r_ik`` with weights summing to 1 (simple
additive weighting; Belton & Stewart, *Multiple Criteria Decision Analysis*,
Kluwer 2002, ch. 6). Normalisations (per driver, across the projects scored):

* ``"none"``   -- raw points (0..10),
* ``"max"``    -- ``r = x / 10`` (the scale maximum) -> 0..1,
* ``"minmax"`` -- ``r = (x - min) / (max - min)``,
* ``"sum"``    -- ``r = x / sum(x)`` (AHP's distributive mode),
* ``"zscore"`` -- ``r = (x - mean) / std`` (population std).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataWarning, MissingTableError, PMOError, Problem
from .ahp import AHPResult, ahp_weights
from .reference_class import apply_uplift, reference_class_uplifts

__all__ = ["NORMALISATIONS", "normalise_scores", "criteria_weights", "weighted_scores",
           "value_proposition", "IntakeScreening"]

NORMALISATIONS = ("none", "max", "minmax", "sum", "zscore")
SCORE_MAX = 10.0


def normalise_scores(wide: pd.DataFrame, method: str = "none") -> pd.DataFrame:
    """Normalise a projects x criteria score matrix column by column.

    Parameters
    ----------
    wide : DataFrame
        Scores [points], index project_id, one column per criterion.
    method : {"none", "max", "minmax", "sum", "zscore"}
        See the module docstring. A driver on which every project scores the
        same gets 0 under ``minmax`` and ``zscore`` (it does not discriminate).

    Returns
    -------
    DataFrame
        Same shape as ``wide``.
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALISATIONS}")
    x = wide.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "none":
            r = x
        elif method == "max":
            r = x / SCORE_MAX
        elif method == "minmax":
            lo, hi = x.min(axis=0), x.max(axis=0)
            span = hi - lo
            r = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.0)
        elif method == "sum":
            s = x.sum(axis=0)
            r = np.where(s > 0, x / np.where(s > 0, s, 1.0), 0.0)
        else:
            mu, sd = x.mean(axis=0), x.std(axis=0)
            r = np.where(sd > 0, (x - mu) / np.where(sd > 0, sd, 1.0), 0.0)
    return pd.DataFrame(r, index=wide.index, columns=wide.columns)


def criteria_weights(criteria: pd.DataFrame, pairwise: pd.DataFrame | None = None, method: str = "auto",
                     **ahp_options) -> tuple[pd.Series, AHPResult | None]:
    """Driver weights, normalised to sum 1, from the table or from AHP.

    Parameters
    ----------
    criteria : DataFrame
        The ``criteria`` table (``criterion``, ``weight``).
    pairwise : DataFrame, optional
        The ``pairwise`` table.
    method : {"auto", "table", "ahp"}
        ``auto`` uses AHP when ``pairwise`` has rows, else the ``weight`` column.
    **ahp_options
        Passed to :func:`~pmo_analytics.intake.ahp.ahp_weights` (``max_cr``,
        ``allow_inconsistent``).

    Returns
    -------
    weights : Series
        Indexed by criterion, sum 1 [fraction].
    ahp : AHPResult or None
    """
    names = criteria["criterion"].astype(str).tolist()
    if method not in ("auto", "table", "ahp"):
        raise ValueError(f"unknown weighting method {method!r}; expected 'auto', 'table' or 'ahp'")
    use_ahp = method == "ahp" or (method == "auto" and pairwise is not None and len(pairwise) > 0)
    if use_ahp:
        if pairwise is None or len(pairwise) == 0:
            raise PMOError("AHP weights requested but there is no pairwise table")
        res = ahp_weights(pairwise, criteria=names, **ahp_options)
        return res.weights.rename("weight"), res
    w = criteria["weight"].astype(float)
    if w.isna().any():
        raise PMOError(f"criteria without a weight: {criteria.loc[w.isna(), 'criterion'].tolist()}; "
                       "give every weight or a pairwise table")
    if (w < 0).any() or w.sum() <= 0:
        raise PMOError("criteria weights must be non-negative and not all zero")
    return pd.Series((w / w.sum()).to_numpy(), index=pd.Index(names, name="criterion"), name="weight"), None


def weighted_scores(scores: pd.DataFrame, weights: pd.Series, normalisation: str = "none",
                    projects: list[str] | None = None) -> pd.DataFrame:
    """Weighted score of each project.

    Parameters
    ----------
    scores : DataFrame
        The ``scores`` table (``project_id``, ``criterion``, ``score`` [points]).
    weights : Series
        Weight per criterion (normalised here to sum 1).
    normalisation : str, default "none"
        One of :data:`NORMALISATIONS`, applied across the projects scored.
    projects : list of str, optional
        Restrict to these projects (normalisation is over them only).

    Returns
    -------
    DataFrame
        Indexed by project_id: one column per criterion with its weighted
        contribution ``w_k r_ik``, ``score`` (the sum) [points, or the
        normalised scale] and ``rank`` (1 = best), sorted best first.

    Raises
    ------
    PMOError
        A project lacks a score on a weighted driver, or a scored driver has
        no weight.
    """
    w = weights.astype(float)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    w = w / w.sum()
    df = scores
    if projects is not None:
        df = df[df["project_id"].astype(str).isin([str(p) for p in projects])]
    wide = df.pivot(index="project_id", columns="criterion", values="score").astype(float)
    unweighted = sorted(set(wide.columns) - set(w.index))
    if unweighted:
        raise PMOError(f"scored criteria without a weight: {unweighted}")
    wide = wide.reindex(columns=list(w.index))
    if wide.isna().to_numpy().any():
        gaps = wide.isna().stack()
        gaps = gaps[gaps].index.tolist()
        raise PMOError(f"{len(gaps)} missing score(s), e.g. {gaps[:5]} (project, criterion)")
    r = normalise_scores(wide, normalisation)
    contrib = r * w.to_numpy()[None, :]
    contrib["score"] = contrib.sum(axis=1)
    contrib = contrib.sort_values("score", ascending=False, kind="stable")
    contrib["rank"] = contrib["score"].rank(ascending=False, method="min").astype(int)
    contrib.index.name = "project_id"
    contrib.columns.name = None
    return contrib


def value_proposition(projects: pd.DataFrame, scores: pd.DataFrame | None = None,
                      cost: pd.Series | None = None, high_value: float | None = None,
                      high_risk: float = 0.3) -> pd.DataFrame:
    """Value proposition and value-vs-risk class of each project.

    Parameters
    ----------
    projects : DataFrame
        The ``projects`` table (``benefit_npv`` [currency], ``estimated_cost``
        [currency], ``probability_of_success``, ``estimate_class``, ``bucket``).
    scores : DataFrame, optional
        Output of :func:`weighted_scores` (adds ``score`` and ``rank``).
    cost : Series, optional
        Cost to use per project_id [currency] (e.g. the reference-class
        uplifted cost); default ``estimated_cost``.
    high_value : float, optional
        Risk-adjusted benefit above which a project is "high value"
        [currency]; default the median over the projects given.
    high_risk : float, default 0.3
        Probability of failure (1 - probability_of_success) above which a
        project is "high risk"; a concept-grade estimate (class 4-5) also
        counts as high risk when its probability of failure is above half this
        threshold.

    Returns
    -------
    DataFrame
        Indexed by project_id: ``bucket``, ``benefit`` (benefit_npv)
        [currency], ``cost`` [currency], ``probability_of_success``,
        ``risk`` (1 - p) [probability],
        ``estimate_class``, ``risk_adjusted_benefit`` (p x benefit, the
        expected benefit) [currency], ``net_value`` (risk-adjusted benefit -
        cost) [currency], ``value_to_cost`` (risk-adjusted benefit / cost)
        [ratio] and ``quadrant``:
        ``pursue`` (high value, low risk), ``review risk`` (high value, high
        risk), ``quick win`` (low value, low risk), ``avoid`` (low value,
        high risk).
    """
    pid = projects["project_id"].astype(str)
    benefit = projects["benefit_npv"].astype(float).to_numpy()
    base_cost = projects["estimated_cost"].astype(float).to_numpy()
    if cost is not None:
        c = pid.map(cost.astype(float))
        if c.isna().any():
            raise ValueError(f"cost not given for {pid[c.isna()].tolist()[:5]}")
        base_cost = c.to_numpy(dtype=float)
    p = projects["probability_of_success"].astype(float).to_numpy()
    ecls = projects["estimate_class"].astype("float").to_numpy()
    rab = p * benefit
    with np.errstate(divide="ignore", invalid="ignore"):
        v2c = np.where(base_cost > 0, rab / np.where(base_cost > 0, base_cost, 1.0), np.nan)
    hv = float(np.median(rab)) if high_value is None else float(high_value)
    risk = 1.0 - p
    is_high_risk = (risk > high_risk) | ((ecls >= 4) & (risk > high_risk / 2))
    is_high_value = rab >= hv
    quadrant = np.select([is_high_value & ~is_high_risk, is_high_value & is_high_risk, ~is_high_risk],
                         ["pursue", "review risk", "quick win"], "avoid")
    out = pd.DataFrame({
        "name": projects["name"].astype(str).to_numpy() if "name" in projects else pid.to_numpy(),
        "bucket": projects["bucket"].astype(str).to_numpy(),
        "business_unit": projects["business_unit"].astype(str).to_numpy(),
        "benefit": benefit, "cost": base_cost, "probability_of_success": p, "risk": risk,
        "estimate_class": projects["estimate_class"].to_numpy(),
        "risk_adjusted_benefit": rab, "net_value": rab - base_cost, "value_to_cost": v2c,
        "quadrant": quadrant,
    }, index=pd.Index(pid.to_numpy(), name="project_id"))
    if scores is not None:
        out = out.join(scores[["score", "rank"]], how="left")
    return out


class IntakeScreening:
    """Screen proposals: driver weights (table or AHP), weighted scores,
    reference-class cost uplift, value-vs-risk classes and a shortlist.

    Parameters
    ----------
    normalisation : str, default "max"
        Score normalisation (see :func:`normalise_scores`).
    weighting : {"auto", "table", "ahp"}, default "auto"
        Where the driver weights come from.
    max_cr : float, default 0.10
        AHP consistency limit [ratio].
    allow_inconsistent : bool, default False
        Accept AHP weights with ``CR > max_cr`` (explicit override).
    acceptable_overrun : float, default 0.2
        Overrun probability for the reference-class uplift (0.2 -> P80)
        [probability].
    min_score : float, optional
        Shortlist threshold on the weighted score [points, or the normalised
        scale]; default: the median score.
    stage : str or None, default "proposal"
        Screen projects at this stage (None = all).

    Attributes
    ----------
    weights_ : Series
        Driver weights, sum 1 [fraction].
    ahp_ : AHPResult or None
    scores_ : DataFrame
        :func:`weighted_scores` output, per project.
    uplifts_ : DataFrame or None
        :func:`reference_class_uplifts` output (None without history).
    costs_ : DataFrame
        :func:`apply_uplift` output, per project (uplift 0 without history).
    table_ : DataFrame
        Per project: :func:`value_proposition` with ``estimated_cost``,
        ``uplifted_cost`` [currency], ``uplift`` [fraction], ``mandatory``
        and ``shortlisted``; best score first.
    quadrants_ : DataFrame
        Per value-vs-risk quadrant: ``projects``, ``shortlisted``,
        ``risk_adjusted_benefit`` and ``uplifted_cost`` [currency].
    threshold_ : float
        Score threshold used for the shortlist.
    shortlist_ : list of str
        Shortlisted project ids, best score first.
    """

    def __init__(self, normalisation: str = "max", weighting: str = "auto", max_cr: float = 0.10,
                 allow_inconsistent: bool = False, acceptable_overrun: float = 0.2,
                 min_score: float | None = None, stage: str | None = "proposal"):
        if normalisation not in NORMALISATIONS:
            raise ValueError(f"unknown normalisation {normalisation!r}; expected one of {NORMALISATIONS}")
        if weighting not in ("auto", "table", "ahp"):
            raise ValueError(f"unknown weighting {weighting!r}; expected 'auto', 'table' or 'ahp'")
        if not 0 < acceptable_overrun < 1:
            raise ValueError(f"acceptable_overrun must lie in (0, 1), got {acceptable_overrun!r}")
        self.normalisation = normalisation
        self.weighting = weighting
        self.max_cr = max_cr
        self.allow_inconsistent = allow_inconsistent
        self.acceptable_overrun = acceptable_overrun
        self.min_score = min_score
        self.stage = stage
        self._fitted_on = None

    def fit(self, portfolio) -> "IntakeScreening":
        """Screen the proposals of a :class:`~pmo_analytics.tables.Portfolio`; returns self.

        Needs the ``criteria`` and ``scores`` tables (``pairwise`` for AHP
        weights, ``history`` for reference-class uplifts).
        """
        pf = portfolio
        missing = [t for t in ("criteria", "scores") if not pf.has(t)]
        if missing:
            raise MissingTableError([Problem(t, f"{t}.csv", None, None, "intake screening needs this table "
                                             "(selection by NPV or risk-adjusted benefit does not)")
                                     for t in missing], header="cannot screen proposals")
        projects = pf.projects if self.stage is None else pf.projects[pf.projects["stage"] == self.stage]
        if len(projects) == 0:
            raise PMOError(f"no projects at stage {self.stage!r} to screen")
        self.weights_, self.ahp_ = criteria_weights(
            pf.criteria, pf.pairwise if pf.has("pairwise") else None, self.weighting,
            max_cr=self.max_cr, allow_inconsistent=self.allow_inconsistent)
        ids = projects["project_id"].astype(str).tolist()
        self.scores_ = weighted_scores(pf.scores, self.weights_, self.normalisation, projects=ids)
        if pf.has("history"):
            self.uplifts_ = reference_class_uplifts(pf.history, self.acceptable_overrun, "cost")
            self.costs_ = apply_uplift(projects, self.uplifts_)
        else:
            warnings.warn("no history table: costs are not uplifted by reference class", DataWarning,
                          stacklevel=2)
            self.uplifts_ = None
            self.costs_ = apply_uplift(projects, pd.DataFrame({"uplift": pd.Series(dtype=float)}))
        ucost = pd.Series(self.costs_["uplifted_estimated_cost"].to_numpy(),
                          index=self.costs_["project_id"].to_numpy())
        t = value_proposition(projects, self.scores_, cost=ucost)
        t = t.rename(columns={"cost": "uplifted_cost"})
        t.insert(t.columns.get_loc("uplifted_cost"), "estimated_cost",
                 projects["estimated_cost"].astype(float).to_numpy())
        t["uplift"] = self.costs_["uplift"].to_numpy()
        t["mandatory"] = projects["mandatory"].astype(bool).to_numpy()
        self.threshold_ = float(t["score"].median()) if self.min_score is None else float(self.min_score)
        t["shortlisted"] = t["mandatory"] | ((t["score"] >= self.threshold_) & (t["quadrant"] != "avoid"))
        self.table_ = t.sort_values("rank", kind="stable")
        self.shortlist_ = self.table_.index[self.table_["shortlisted"]].tolist()
        g = self.table_.groupby("quadrant")
        self.quadrants_ = pd.DataFrame({"projects": g.size(), "shortlisted": g["shortlisted"].sum(),
                                        "risk_adjusted_benefit": g["risk_adjusted_benefit"].sum(),
                                        "uplifted_cost": g["uplifted_cost"].sum()})
        self._fitted_on = repr(pf)
        return self

    def _check(self):
        if self._fitted_on is None:
            raise ValueError("IntakeScreening is not fitted: call fit(portfolio) first")

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the screening: long frame with ``measure``, ``value``, ``unit``.

        Per-project figures are in ``table_``, per-quadrant in ``quadrants_``.
        """
        self._check()
        t = self.table_
        sl = t[t["shortlisted"]]
        scale = "points" if self.normalisation == "none" else f"{self.normalisation}-normalised score"
        rows = [("proposals screened", int(len(t)), "projects"), ("shortlisted", int(len(sl)), "projects"),
                ("mandatory", int(t["mandatory"].sum()), "projects"),
                ("weighting", "AHP" if self.ahp_ is not None else "table weights", ""),
                ("AHP consistency ratio", float(self.ahp_.consistency_ratio) if self.ahp_ is not None else np.nan,
                 "ratio"),
                ("score threshold", self.threshold_, scale),
                ("risk-adjusted benefit shortlisted", float(sl["risk_adjusted_benefit"].sum()), "currency"),
                ("estimated cost shortlisted", float(sl["estimated_cost"].sum()), "currency"),
                ("uplifted cost shortlisted", float(sl["uplifted_cost"].sum()), "currency"),
                ("mean uplift", float(t["uplift"].mean()), "fraction")]
        rows += [(f"{q} projects", int(n), "projects") for q, n in self.quadrants_["projects"].items()]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"])

    def __repr__(self) -> str:
        if self._fitted_on is None:
            return f"IntakeScreening(normalisation={self.normalisation!r}, weighting={self.weighting!r}) unfitted"
        w = "AHP" if self.ahp_ is not None else "table weights"
        return (f"IntakeScreening({len(self.table_)} proposals, {w}, {self.normalisation} normalisation, "
                f"{len(self.shortlist_)} shortlisted) fitted on {self._fitted_on}")
