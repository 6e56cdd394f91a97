"""The review policy: one set of choices behind every page of a decision record.

Every page of a review (intake, selection, risk, delivery, benefits,
governance and the executive summary) reads its settings from one frozen
:class:`ReviewPolicy`, so the executive summary can never quote a portfolio
optimised on other costs, or a P80 simulated with other iterations, than the
detail pages. The policy is resolved once per review, in this order:

1. the documented defaults below;
2. the ``[review]`` section of a ``review.toml`` file beside the data (in the
   data folder, or next to the workbook);
3. explicit overrides (``pmo review --seed/--iterations/--param KEY=VALUE``,
   or keyword arguments in Python).

Unknown names and values of the wrong type are refused with a message that
lists what is accepted (:class:`PolicyError`, a ``ValueError``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from ..exceptions import PMOError

__all__ = ["ReviewPolicy", "PolicyError", "resolve_policy", "policy_table", "settings_file", "policy_data_problems"]

#: Where each policy field is used, its unit and meaning (the README and ``policy_table`` show this).
_DOC = {
    "seed": ("all", "", "random seed of the whole review: same data + policy + seed = same numbers"),
    "confidence": ("intake, selection, risk", "percentile",
                   "confidence level: reference-class costs, P-dates, budgets and contingency are read here (80 = P80)"),
    "normalisation": ("intake", "", "score normalisation: none | max | minmax | sum | zscore"),
    "max_cr": ("intake", "ratio", "Saaty's consistency limit on the AHP judgements"),
    "min_score": ("intake", "score", "shortlist threshold on the weighted score (None = the median score)"),
    "objective": ("selection", "", "what the portfolio maximises: risk_adjusted | npv | score"),
    "cost_basis": ("selection", "",
                   "costs the selection optimises: reference_class (proposals uplifted to the confidence level "
                   "from the history table) | estimate (as estimated)"),
    "hiring": ("selection", "", "allow extra FTE at the capacity table's hire cost"),
    "time_limit": ("selection", "seconds",
                   "wall-clock limit per solve (None = solve to proven optimality, deterministic: the record's "
                   "default); a limit that binds is stated on the page and in the manifest"),
    "frontier_levels": ("selection", "levels", "budget levels of the efficient frontier"),
    "frontier_gap": ("selection", "fraction",
                     "relative gap at which each budget level of the frontier may stop (the recommendation, the "
                     "scenarios and the explanations are solved as time_limit says; 0 = prove every level); "
                     "each level's proven gap is shown"),
    "explain_top": ("selection", "projects", "projects nearest the cut explained by re-solving (the others: an "
                    "interval from the LP relaxation and a repaired portfolio)"),
    "budget_cut": ("selection, summary", "fraction", "the budget-cut scenario shown to the board (0.10 = -10 %)"),
    "extra_fte": ("selection", "FTE", "extra FTE in the capacity scenario"),
    "extra_fte_skill": ("selection", "", "skill of the capacity scenario (None = the tightest skill)"),
    "iterations": ("risk, uncertainty", "iterations", "Monte Carlo iterations per project and of the portfolio simulation"),
    "group_correlation": ("risk", "rank correlation", "correlation of durations within a correlation_group"),
    "jcl_level": ("risk", "probability", "joint confidence level of the cost-schedule frontier"),
    "detail_charts": ("risk", "projects",
                      "projects given their own distribution, joint-confidence and tornado charts on the risk page: "
                      "all up to this many, else the most exposed (every project stays in the tables)"),
    "as_of": ("delivery, governance", "date", "data date (None = the latest status period with earned value)"),
    "eac_method": ("delivery", "", "point EAC: cpi | plan | cpi_spi | bottom_up"),
    "trend_periods": ("delivery", "periods", "look-back of the CPI / SPI(t) trend rules"),
    "window": ("delivery", "periods", "recent reporting periods resampled for the EAC and finish ranges"),
    "range_iterations": ("delivery", "iterations", "bootstrap trials per project for the EAC and finish ranges"),
    "forecast_iterations": ("delivery", "iterations", "Monte Carlo trials of the throughput forecasts"),
    "history_weeks": ("delivery", "weeks", "weeks of throughput history used to forecast"),
    "scope_spread": ("delivery", "fraction", "+/- fraction around the backlog implied by EV % complete"),
    "uncertainty": ("selection", "", "simulate the portfolio as a whole and select under uncertainty (false: skip)"),
    "overrun_alpha": ("selection", "probability",
                      "allowed chance that any period's spend overruns its budget, for the selection under uncertainty"),
    "scenarios": ("selection", "scenarios", "cost and benefit scenarios of the selection under uncertainty (SAA)"),
    "saa_node_limit": ("selection", "nodes",
                       "branch-and-bound nodes per solve of the selection under uncertainty when time_limit is None "
                       "(a record: reproducible); the portfolio's proven gap is stated"),
    "alpha_frontier": ("selection", "probability",
                       "more levels of alpha for the expected value frontier, besides overrun_alpha ([] = none)"),
    "tolerance": ("benefits", "fraction", "a benefit is at risk when its forecast misses the plan by more than this"),
    "min_class_size": ("benefits, intake", "projects", "reference classes with fewer past projects are not used"),
    "hmt_mapping": ("benefits", "", "our reference classes -> HM Treasury optimism-bias project types"),
}

_CHOICES = {
    "normalisation": ("none", "max", "minmax", "sum", "zscore"),
    "objective": ("risk_adjusted", "npv", "score"),
    "cost_basis": ("reference_class", "estimate"),
    "eac_method": ("cpi", "plan", "cpi_spi", "bottom_up"),
}

_DEFAULT_HMT = {"IT": "Equipment/development", "Product": "Equipment/development",
                "Infrastructure": "Non-standard civil engineering"}


class PolicyError(PMOError, ValueError):
    """A review policy setting that is unknown or has the wrong type or value."""


@dataclass(frozen=True)
class ReviewPolicy:
    """The choices behind every page of one review (see the module docstring for the resolution order).

    Every field is documented in :func:`policy_table` (where it is used, unit,
    meaning); the defaults are those of the bundled sample's record.
    """

    seed: int = 20261125
    confidence: float = 80.0
    # intake
    normalisation: str = "max"
    max_cr: float = 0.10
    min_score: float | None = None
    # selection
    objective: str = "risk_adjusted"
    cost_basis: str = "reference_class"
    hiring: bool = True
    time_limit: float | None = None
    frontier_levels: int = 20
    frontier_gap: float = 0.005
    explain_top: int = 20
    budget_cut: float = 0.10
    extra_fte: float = 2.0
    extra_fte_skill: str | None = None
    # schedule and cost risk
    iterations: int = 2000
    group_correlation: float = 0.6
    jcl_level: float = 0.70
    detail_charts: int = 12
    # delivery
    as_of: str | None = None
    eac_method: str = "cpi"
    trend_periods: int = 3
    window: int = 6
    range_iterations: int = 2000
    forecast_iterations: int = 5000
    history_weeks: int = 26
    scope_spread: float = 0.1
    # portfolio-wide risk and selection under uncertainty
    uncertainty: bool = True
    overrun_alpha: float = 0.10
    scenarios: int = 100
    saa_node_limit: int = 200
    alpha_frontier: tuple = (0.05, 0.2)
    # benefits and lessons
    tolerance: float = 0.10
    min_class_size: int = 5
    hmt_mapping: MappingProxyType = field(default_factory=lambda: MappingProxyType(dict(_DEFAULT_HMT)))

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _coerce(f.name, getattr(self, f.name)))
        _check_ranges(self)

    # ------------------------------------------------------------------
    @property
    def acceptable_overrun(self) -> float:
        """Accepted chance of an overrun implied by the confidence level (P80 -> 0.2) [probability]."""
        return round(1.0 - self.confidence / 100.0, 12)

    @property
    def p_label(self) -> str:
        """``"P80"`` for a confidence of 80."""
        c = self.confidence
        return f"P{int(c) if float(c).is_integer() else c}"

    def to_dict(self) -> dict:
        """Plain JSON-ready values (the form stored in manifests and injected into the notebooks)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = dict(v) if isinstance(v, MappingProxyType) else list(v) if isinstance(v, tuple) else v
        return out

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the policy: two reviews with the same digest made the same choices."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def replace(self, **changes) -> ReviewPolicy:
        """A copy with some settings changed (validated like the constructor)."""
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        defaults = ReviewPolicy().to_dict()  # same normal form (tuples as lists) on both sides
        changed = {k: v for k, v in self.to_dict().items() if v != defaults.get(k)}
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"ReviewPolicy({inner or 'defaults'}; {self.digest[:10]})"


def _annotation(name: str) -> str:
    return str(ReviewPolicy.__dataclass_fields__[name].type)


def _coerce(name: str, value):
    """Check a setting's type (ints for counts, floats for fractions, ...) and normalise it."""
    ann = _annotation(name)
    optional = "None" in ann
    if value is None:
        if optional:
            return None
        raise PolicyError(f"policy setting {name!r} cannot be None")
    if name == "hmt_mapping":
        if not isinstance(value, (dict, MappingProxyType)) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise PolicyError(f"policy setting 'hmt_mapping' must map class names to HMT project types (text), "
                              f"got {value!r}")
        _check_hmt_types(value)
        return MappingProxyType(dict(sorted(value.items())))
    if ann.startswith("tuple"):
        if not isinstance(value, (list, tuple)) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 < v < 1
                for v in value):
            raise PolicyError(f"policy setting {name!r} must be a list of probabilities in (0, 1), got {value!r}")
        return tuple(sorted({float(v) for v in value}))
    if ann.startswith("bool"):
        if isinstance(value, bool):
            return value
        raise PolicyError(f"policy setting {name!r} must be true or false, got {value!r}")
    if ann.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise PolicyError(f"policy setting {name!r} must be a whole number, got {value!r}")
        return int(value)
    if ann.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise PolicyError(f"policy setting {name!r} must be a finite number, got {value!r}")
        return float(value)
    if ann.startswith("str"):
        if not isinstance(value, str):
            raise PolicyError(f"policy setting {name!r} must be text, got {value!r}")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise PolicyError(f"policy setting {name!r} must be one of {list(_CHOICES[name])}, got {value!r}")
        return value
    return value  # pragma: no cover - every field is typed above


def _check_hmt_types(mapping) -> None:
    """Every HMT project type named in ``hmt_mapping`` exists in HM Treasury's table (issue 32: a misspelt type
    failed page 05's lessons after the other pages had run, 49 s into the review)."""
    import difflib

    from ..benefits import HMT_OPTIMISM_BIAS

    known = HMT_OPTIMISM_BIAS["project_type"].tolist()
    bad = sorted({v for v in mapping.values() if v not in known})
    if bad:
        hints = [f"{b!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(b, known, n=1)) else "")
                 for b in bad]
        raise PolicyError(f"policy setting 'hmt_mapping' names unknown HM Treasury project type(s) "
                          f"{', '.join(hints)}; the Green Book's types are: {', '.join(known)}")


def policy_data_problems(policy: ReviewPolicy, portfolio) -> list[str]:
    """Settings that name something the data lack, each as a sentence (empty list = none).

    Checked once the data are read, before any page runs (``pmo review``'s
    preflight), so a review never stops on them halfway:

    * ``extra_fte_skill`` must be a skill of the ``capacity`` table (page 02
      refused it after pages 00 and 01 had run).

    Every other setting is checked on its own when the policy is built.
    """
    out = []
    if policy.extra_fte_skill is not None:
        cap = portfolio.tables.get("capacity")
        skills = sorted(set(cap["skill"].dropna())) if cap is not None and "skill" in cap else []
        if policy.extra_fte_skill not in skills:
            import difflib

            close = difflib.get_close_matches(policy.extra_fte_skill, skills, n=1)
            out.append(f"policy setting 'extra_fte_skill' {policy.extra_fte_skill!r} is not a skill of the capacity "
                       f"table" + (f" (did you mean {close[0]!r}?)" if close else "")
                       + f"; its skills: {', '.join(skills) or 'none'}")
    return out


def _check_ranges(p: ReviewPolicy) -> None:
    def bad(name, what):
        raise PolicyError(f"policy setting {name!r} {what}, got {getattr(p, name)!r}")

    if not 50 <= p.confidence < 100:
        bad("confidence", "must be a percentile in [50, 100)")
    if not 0 <= p.seed < 2 ** 63:
        bad("seed", "must be a whole number in [0, 2**63)")
    for name, low in (("iterations", 100), ("range_iterations", 100), ("forecast_iterations", 100)):
        if not low <= getattr(p, name) <= 1_000_000:
            bad(name, f"must be between {low} and 1,000,000")
    for name in ("frontier_levels", "explain_top", "trend_periods", "window", "history_weeks", "min_class_size"):
        if not 0 <= getattr(p, name) <= 10_000:
            bad(name, "must be between 0 and 10,000")
    if p.frontier_levels == 1:
        bad("frontier_levels", "must be 0 (no frontier) or at least 2")
    if not 0 <= p.frontier_gap <= 0.1:
        bad("frontier_gap", "must be a fraction in [0, 0.1]")
    for name in ("budget_cut", "scope_spread", "tolerance"):
        if not 0 <= getattr(p, name) < 1:
            bad(name, "must be a fraction in [0, 1)")
    if not 0 <= p.max_cr <= 1:
        bad("max_cr", "must be in [0, 1]")
    if not -1 < p.group_correlation < 1:
        bad("group_correlation", "must be in (-1, 1)")
    if not 0 < p.overrun_alpha < 1:
        bad("overrun_alpha", "must be a probability in (0, 1)")
    if not 1 <= p.saa_node_limit <= 10_000_000:
        bad("saa_node_limit", "must be between 1 and 10,000,000 nodes")
    if not 20 <= p.scenarios <= 100_000:
        bad("scenarios", "must be between 20 and 100,000")
    if not 1 <= p.detail_charts <= 10_000:
        bad("detail_charts", "must be between 1 and 10,000 projects")
    if not 0 < p.jcl_level < 1:
        bad("jcl_level", "must be a probability in (0, 1)")
    if p.time_limit is not None and not 0 < p.time_limit <= 86_400:
        bad("time_limit", "must be None or between 0 and 86,400 seconds")
    if not 0 <= p.extra_fte <= 10_000:
        bad("extra_fte", "must be between 0 and 10,000 FTE")
    if p.as_of is not None:
        import datetime as dt
        import re

        try:
            ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.as_of)) and dt.date.fromisoformat(p.as_of) is not None
        except ValueError:
            ok = False
        if not ok:
            bad("as_of", "must be a date written YYYY-MM-DD")


_DEFAULTS = {f.name: (dict(f.default_factory()) if f.default_factory is not dataclasses.MISSING else f.default)
             for f in fields(ReviewPolicy)}


def _check_names(settings: dict, where: str = "") -> None:
    unknown = sorted(set(settings) - set(_DEFAULTS))
    if unknown:
        import difflib

        hints = []
        for u in unknown:
            close = difflib.get_close_matches(u, list(_DEFAULTS), n=1)
            hints.append(f"{u!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise PolicyError(f"unknown review policy setting(s) {', '.join(hints)}{where}; accepted: "
                          f"{', '.join(sorted(_DEFAULTS))}")


def settings_file(data) -> Path | None:
    """The ``review.toml`` beside the data: inside a data folder, or next to a workbook; None if absent."""
    if data is None:
        return None
    from ..tables.settings import settings_path

    f = settings_path(Path(data))
    return f if (f.exists() or f.is_symlink()) else None


def _read_toml(path: Path) -> dict:
    """The ``[review]`` section of the settings beside the data (read safely by :mod:`pmo_analytics.tables.settings`)."""
    from ..exceptions import DataValidationError
    from ..tables.settings import read_settings

    try:
        settings = read_settings(path, review_keys=_DEFAULTS)
    except DataValidationError as exc:
        raise PolicyError(str(exc)) from exc
    section = settings.sections.get("review", {})
    if not isinstance(section, dict):
        raise PolicyError(f"{path}: [review] must be a table of settings")
    return section


def resolve_policy(data=None, overrides: dict | None = None, *, use_file: bool = True) -> ReviewPolicy:
    """The policy of a review: defaults, then ``review.toml`` beside ``data``, then ``overrides``.

    Parameters
    ----------
    data : path or list of paths, optional
        The review's data (the first source is used to find ``review.toml``).
    overrides : dict, optional
        Settings given explicitly (command line, notebook parameters).
    use_file : bool
        Read ``review.toml`` (False: defaults and overrides only).

    Raises
    ------
    PolicyError
        naming the unknown setting (with the closest known name) or the bad value.
    """
    first = data[0] if isinstance(data, (list, tuple)) and data else data
    if isinstance(first, str) and "=" in first and not os.path.exists(first):
        first = first.split("=", 1)[1]  # PROJECT_ID=schedule.xer
    settings: dict = {}
    path = settings_file(first) if use_file and first is not None else None
    if path is not None:
        from_file = _read_toml(Path(first))
        _check_names(from_file, f" in {path}")
        settings.update(from_file)
    overrides = dict(overrides or {})
    _check_names(overrides)
    settings.update(overrides)
    return ReviewPolicy(**settings)


def policy_table():
    """Every policy setting: default, where it is used, unit and meaning (a DataFrame)."""
    import pandas as pd

    rows = [{"setting": k, "default": json.dumps(_DEFAULTS[k]), "used_by": _DOC[k][0], "unit": _DOC[k][1],
             "meaning": _DOC[k][2]} for k in _DEFAULTS]
    return pd.DataFrame(rows)
