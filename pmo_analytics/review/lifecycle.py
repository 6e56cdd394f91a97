"""The review room: the PMO life-cycle run once on one portfolio under one policy.

:class:`PortfolioReview` chains the rooms — intake screening, portfolio
selection, schedule and cost risk, delivery monitoring, benefits and
governance — on a validated :class:`~pmo_analytics.tables.Portfolio` and
keeps every fitted result. Every page of a decision record, the workshop's
base case and the executive summary read the same object, so they quote the
same numbers; :func:`load_review` caches it by data fingerprint and policy,
so notebooks executed in one kernel (``pmo review``) compute each result once,
and a notebook opened alone in JupyterLab computes only what it shows.

Sparse data never breaks a review: a stage whose inputs are absent (no
proposals, no schedule, no risk register, no status reports, no benefits
register, no commitment) is marked *not assessed* with the reason in
:attr:`PortfolioReview.assessment_`, and the pages say so in a sentence.
"""

from __future__ import annotations

import threading
from functools import cached_property

import pandas as pd

from ..exceptions import DataWarning
from .benefits import BenefitsReview
from .delivery import DeliveryReview
from .policy import ReviewPolicy, resolve_policy
from .risk import RiskReview
from .selection import SelectionReview
from .stage import summary_frame

__all__ = ["PortfolioReview", "load_review", "clear_cache", "review_as_of"]

_STAGES = ("screening_", "selection_", "risk_", "delivery_", "benefits_", "governance_", "uncertainty_")


def review_as_of(portfolio, policy: ReviewPolicy) -> pd.Timestamp | None:
    """The review's data date: the policy's ``as_of``, else the latest status period with earned value,
    else the latest date found in the data, else None (never the clock, so a re-run gives the same record)."""
    if policy.as_of is not None:
        return pd.Timestamp(policy.as_of)
    from ..governance import as_of_date

    d = as_of_date(portfolio)
    if d is not None:
        return d
    dates = []
    for name, df in portfolio.tables.items():
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]) and df[c].notna().any():
                dates.append(df[c].max())
    if not dates:
        return None
    return pd.Timestamp(max(dates)).normalize()


class PortfolioReview:
    """The life-cycle of one portfolio under one :class:`ReviewPolicy`.

    Parameters
    ----------
    policy : ReviewPolicy, optional
        Default: ``ReviewPolicy(**overrides)``.
    client : distributed.Client, str, optional
        Dask cluster (or scheduler address) for the portfolio simulation and
        the frontier levels; default local threads. The numbers do not depend on it.
    **overrides
        Policy settings (``seed=7, iterations=5000, ...``) when no policy is given.

    Attributes
    ----------
    portfolio_ : Portfolio
    fingerprint_ : str
        The data's fingerprint (:mod:`pmo_analytics.tables.identity`).
    as_of_ : Timestamp
        The data date (:func:`review_as_of`).
    screening_ : IntakeScreening or None
        None without proposals.
    selection_ : SelectionReview
    risk_ : RiskReview
    delivery_ : DeliveryReview
    benefits_ : BenefitsReview
    governance_ : GovernanceCheck
    uncertainty_ : UncertaintyReview or None
        The portfolio simulated as a whole and the selection under uncertainty.
    assessment_ : DataFrame
        ``stage``, ``subject``, ``assessed``, ``reason``: what each stage could not assess, and why.

    Stages are computed on first access (``fit(..., lazy=True)``) or all at
    once (the default); each is computed once.
    """

    def __init__(self, policy: ReviewPolicy | None = None, *, client=None, **overrides):
        self.client = client
        if policy is not None and overrides:
            raise ValueError("give either a policy or policy settings, not both")
        if policy is not None and not isinstance(policy, ReviewPolicy):
            raise ValueError(f"policy must be a ReviewPolicy, got {type(policy).__name__}")
        self.policy = policy if policy is not None else ReviewPolicy(**overrides)

    def fit(self, portfolio, lazy: bool = False) -> PortfolioReview:
        """Review ``portfolio`` (a validated Portfolio); returns self. ``lazy`` defers each stage to first use."""
        for name in _STAGES + ("assessment_", "as_of_"):
            self.__dict__.pop(name, None)
        self.portfolio_ = portfolio
        self.fingerprint_ = portfolio.fingerprint
        if not lazy:
            for name in _STAGES:
                getattr(self, name)
        return self

    def _check(self):
        if "portfolio_" not in self.__dict__:
            raise ValueError("PortfolioReview is not fitted: call fit(portfolio) first")

    # ------------------------------------------------------------------ stages
    @cached_property
    def as_of_(self) -> pd.Timestamp | None:
        self._check()
        return review_as_of(self.portfolio_, self.policy)

    @cached_property
    def screening_(self):
        self._check()
        from ..intake import IntakeScreening

        pf, pol = self.portfolio_, self.policy
        if len(pf.projects_in("proposal")) == 0:
            return None
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # "no history": stated in the assessment instead
            return IntakeScreening(normalisation=pol.normalisation, max_cr=pol.max_cr,
                                   acceptable_overrun=pol.acceptable_overrun, min_score=pol.min_score).fit(pf)

    @cached_property
    def selection_(self) -> SelectionReview:
        self._check()
        return SelectionReview(self.policy, self.screening_, client=self.client).fit(self.portfolio_)

    @cached_property
    def risk_(self) -> RiskReview:
        self._check()
        return RiskReview(self.policy).fit(self.portfolio_)

    @cached_property
    def delivery_(self) -> DeliveryReview:
        self._check()
        return DeliveryReview(self.policy).fit(self.portfolio_)

    @cached_property
    def benefits_(self) -> BenefitsReview:
        self._check()
        return BenefitsReview(self.policy).fit(self.portfolio_)

    @cached_property
    def governance_(self):
        self._check()
        from ..governance import GovernanceCheck, health_inputs

        risk, delivery = self.risk_, self.delivery_
        health = None
        if risk.assessed:
            health = health_inputs({pid: risk.health_[risk.health_["project_id"] == pid].drop(columns="project_id")
                                    for pid in risk.projects_})
        evm = delivery.monitor_.evm_ if delivery.assessed else None
        return GovernanceCheck().fit(self.portfolio_, evm=evm, risk=risk.exposure_ if risk.assessed else None,
                                      schedule_health=health, as_of=self.as_of_)

    @cached_property
    def uncertainty_(self):
        """Portfolio-wide simulation and selection under uncertainty (None when the policy switches it off)."""
        self._check()
        if not self.policy.uncertainty:
            return None
        from .uncertainty import UncertaintyReview

        scores = None if self.screening_ is None else self.screening_.scores_["score"]
        return UncertaintyReview(self.policy, self.client).fit(self.portfolio_, self.selection_, scores=scores)

    # ------------------------------------------------------------------ what could not be assessed
    @cached_property
    def assessment_(self) -> pd.DataFrame:
        self._check()
        pf, rows = self.portfolio_, []

        def add(stage, subject, assessed, reason=""):
            rows.append({"stage": stage, "subject": subject, "assessed": assessed, "reason": reason})

        n_prop = len(pf.projects_in("proposal"))
        add("intake", "proposals", n_prop > 0, "" if n_prop else "no proposals in the projects table")
        add("intake", "reference-class costs", pf.has("history"),
            "" if pf.has("history") else "no history table: proposals are costed as estimated")
        sel = self.selection_
        add("selection", "portfolio", sel.feasible,
            "" if sel.feasible else "no portfolio can carry the commitments within the budget and capacity")
        risk = self.risk_
        for r in risk.not_assessed_.itertuples():
            add("risk", r.project_id, False, r.reason)
        for pid in risk.projects_:
            add("risk", pid, True, "")
        if risk.assessed and not risk.has_risks_:
            add("risk", "risk register", False, "no risk register: only duration uncertainty is simulated")
        for pid in risk.without_commitment_:
            add("risk", f"{pid} commitment", False,
                "no committed finish: lateness and the chance of meeting the commitment are not assessed")
        dl = self.delivery_
        if not pf.has("status"):
            add("delivery", "status reports", False, "no status table: earned value is not assessed")
        for r in dl.not_assessed_.itertuples():
            add("delivery", r.project_id, False, r.reason)
        add("delivery", "flow", dl.focus_ is not None,
            "" if dl.focus_ is not None else "no work items: flow metrics and throughput forecasts not assessed")
        b = self.benefits_
        add("benefits", "benefits register", b.assessed, "" if b.assessed else "no benefits table")
        add("benefits", "support cost", b.tco_ is not None, "" if b.tco_ is not None else "no support table")
        add("benefits", "lessons learned", b.lessons_ is not None,
            "" if b.lessons_ is not None else "no history table")
        return pd.DataFrame(rows, columns=["stage", "subject", "assessed", "reason"])

    def not_assessed(self, stage: str) -> list[str]:
        """Sentences saying what a stage could not assess, and why (empty when all was assessed)."""
        a = self.assessment_
        a = a[(a["stage"] == stage) & ~a["assessed"]]
        return [f"{r.subject}: {r.reason}." for r in a.itertuples()]

    # ------------------------------------------------------------------ protocol
    @property
    def identity(self) -> dict:
        """What a page publishes so the record can check it read the data the manifest names."""
        self._check()
        return {"fingerprint": self.fingerprint_, "policy": self.policy.digest,
                "source": str(self.portfolio_.source)}

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures of the review (``measure``, ``value``, ``unit``): the data, then each stage's ``summary``."""
        self._check()
        when = f"{self.as_of_:%Y-%m-%d}" if self.as_of_ is not None else "none in the data"
        head = summary_frame([("data fingerprint", self.fingerprint_[:12], ""), ("data date", when, "date")])
        g = summary_frame([("projects escalated", len(self.governance_.escalations_), "projects")])
        stages = [self.selection_.summary, self.risk_.summary, self.delivery_.summary, g]
        return pd.concat([head, *stages], ignore_index=True)

    def __repr__(self) -> str:
        if "portfolio_" not in self.__dict__:
            return f"PortfolioReview({self.policy!r}) [not fitted]"
        done = [s.rstrip("_") for s in _STAGES if s in self.__dict__]
        return (f"PortfolioReview({self.portfolio_!r}, data {self.fingerprint_[:12]}, {self.policy!r}; "
                f"computed: {', '.join(done) or 'nothing yet'})")


# ---------------------------------------------------------------------- cache
_CACHE: dict[tuple[str, str], PortfolioReview] = {}
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached review (``load_review`` then reads and reviews the data again)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def load_review(data=None, *, policy: ReviewPolicy | None = None, client=None, **overrides) -> PortfolioReview:
    """Read, validate and review the data once; later calls with the same data and policy reuse the result.

    Parameters
    ----------
    data : path, optional
        Folder of CSVs or workbook (None = the bundled sample portfolio).
    policy : ReviewPolicy, optional
        The policy; default: resolved from ``review.toml`` beside the data
        and ``overrides`` (:func:`resolve_policy`).
    client : distributed.Client or str, optional
        Dask cluster for the portfolio simulation (a cached review keeps the
        client it was created with; the numbers do not depend on it).
    **overrides
        Policy settings (``seed=...``, ``iterations=...``).

    Returns
    -------
    PortfolioReview
        Fitted lazily: each stage is computed on first use, once.

    The cache key is the data's fingerprint (the SHA-256 of every file that
    determines the portfolio, hashed from the files each time) and the
    policy's digest, so edited data are always read again.
    """
    from ..tables import read_portfolio, sample_path
    from ..tables.identity import fingerprint_path

    path = sample_path() if data is None else data
    if policy is not None and overrides:
        raise ValueError("give either a policy or policy settings, not both")
    pol = policy if policy is not None else resolve_policy(path, overrides)
    key = (fingerprint_path(path)["fingerprint"], pol.digest)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    review = PortfolioReview(pol, client=client).fit(read_portfolio(path), lazy=True)
    with _CACHE_LOCK:
        _CACHE.setdefault((review.fingerprint_, pol.digest), review)
    return review
