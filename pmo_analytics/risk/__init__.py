"""Risk room: integrated schedule and cost risk analysis by Monte Carlo simulation.

Typical use::

    from pmo_analytics import read_portfolio, risk
    pf = read_portfolio()
    model = risk.ScheduleRiskModel.from_portfolio(pf, "A-101", iterations=5000, correlation=0.6)
    res = model.run(seed=20261125)
    res.percentiles()            # P10..P95 finish [days, date] and cost [currency]
    res.contingency(80)          # P80 minus the deterministic plan
    res.tornado()                # each risk removed in turn (common random numbers)
    res.mitigations()            # which responses pay for themselves
    res.jcl("2027-06-30", 9e6)   # joint confidence level

``simulate(network, risks, seed=...)`` is the one-call form.

The whole portfolio at once (cross-project links, shared risks, reference-class
correlation; on local threads or a Dask cluster)::

    pm = risk.PortfolioRiskModel(seed=20261125, iterations=10_000).run(pf, selection=selector)
    pm.spend_                    # P50/P80/P95 spend per period against budget, P(overrun)
    pm.drivers_                  # which projects drive the spread
"""

from .correlation import CorrelationMatrixError, check_correlation, iman_conover, nearest_correlation
from .distributions import DISTRIBUTIONS, mean, ppf, trigen_bounds
from .drivers import RiskDrivers, risk_drivers
from .engine import ScheduleRiskModel, simulate
from .exposure import exposure
from .portfolio import PortfolioRiskModel, reference_class_distributions
from .results import DEFAULT_PERCENTILES, RiskResult

__all__ = [
    "ScheduleRiskModel",
    "PortfolioRiskModel",
    "reference_class_distributions",
    "exposure",
    "simulate",
    "RiskResult",
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
]
