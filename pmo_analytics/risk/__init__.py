"""Risk room: integrated schedule and cost risk analysis by Monte Carlo simulation.

Typical use::

    from pmo_analytics import read_portfolio, risk
    pf = read_portfolio()
    model = risk.ScheduleRiskModel.from_portfolio(pf, "A-101", seed=20261125, iterations=5000,
                                                  correlation=0.6).run()
    model.percentiles()                     # P10..P95 finish [working days, date] and cost [currency]
    model.contingency(80)                   # P80 minus the deterministic plan
    model.tornado()                         # each risk removed in turn (common random numbers)
    model.mitigations()                     # which responses pay for themselves
    model.jcl("2027-06-30", 9e6)            # joint confidence level
    model.probability_finish_by("2027-06-30")

The model follows the package's estimator protocol: options and ``seed`` in the
constructor, ``run()`` returns the model, results in ``finish_``, ``cost_``,
``criticality_`` ... and the accessors of :class:`RiskResults`.
``simulate(network, risks, seed=...)`` is the one-call form.

The whole portfolio at once (cross-project links, shared risks, reference-class
correlation; on local threads or a Dask cluster)::

    pm = risk.PortfolioRiskModel(seed=20261125, iterations=10_000).run(pf, selection=selector)
    pm.spend_                    # P50/P80/P95 spend per period against budget, P(overrun)
    pm.drivers_                  # which projects drive the spread

The cheapest recovery of a late project to its commitment at a confidence level (crash plan chosen on the
simulation's scenarios, validated on independent ones)::

    rec = risk.Recovery(net, pf.risks, target="2027-06-30", confidence=0.8, seed=20261125).run()
    rec.plan_, rec.cost_, rec.confidence_before_, rec.confidence_after_, rec.curve_
"""

from .correlation import CorrelationMatrixError, check_correlation, iman_conover, nearest_correlation
from .distributions import DISTRIBUTIONS, mean, ppf, trigen_bounds
from .drivers import RiskDrivers, risk_drivers
from .engine import ScheduleRiskModel, simulate
from .exposure import exposure
from .portfolio import PortfolioRiskModel, reference_class_distributions
from .recovery import Recovery, recovery
from .results import DEFAULT_PERCENTILES, RiskResults

__all__ = [
    "ScheduleRiskModel",
    "PortfolioRiskModel",
    "reference_class_distributions",
    "exposure",
    "simulate",
    "RiskResults",
    "DEFAULT_PERCENTILES",
    "DISTRIBUTIONS",
    "ppf",
    "mean",
    "trigen_bounds",
    "iman_conover",
    "nearest_correlation",
    "check_correlation",
    "CorrelationMatrixError",
    "RiskDrivers",
    "risk_drivers",
    "Recovery",
    "recovery",
]
