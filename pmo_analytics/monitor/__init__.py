"""Monitor: delivery oversight of active projects.

Earned value and earned schedule (:func:`earned_value` -- per reporting
period, with or without dates, or on a single data-date snapshot --
:func:`evm_snapshot`),
bootstrap forecast ranges (:func:`forecast_ranges`), configurable early-warning
RAG rules (:class:`RagRule`, :func:`rag_status`) and the
:class:`DeliveryMonitor` estimator that chains them; flow metrics from work
items (:func:`cycle_times`, :func:`throughput`, :func:`wip`, :func:`item_age`,
:func:`cfd`, :func:`littles_law`) and Monte Carlo throughput forecasting
(:func:`forecast_when`, :func:`forecast_how_many`, :class:`ThroughputForecast`).
"""

from .delivery import DeliveryMonitor
from .evm import (EAC_METHODS, earned_schedule, earned_value, evm_snapshot, is_snapshot, period_to_date,
                  planned_duration, s_curve_data)
from .flow import PERCENTILES, cfd, cycle_time_percentiles, cycle_times, item_age, littles_law, throughput, wip
from .forecast import (
    FORECAST_PERCENTILES,
    ThroughputForecast,
    backlog_scope,
    forecast_how_many,
    forecast_when,
    throughput_stability,
)
from .rag import COMMITMENT_RULE, DEFAULT_RULES, LEVELS, RagRule, rag_status
from .ranges import forecast_ranges

__all__ = [
    "DeliveryMonitor",
    "EAC_METHODS",
    "earned_value",
    "earned_schedule",
    "evm_snapshot",
    "planned_duration",
    "period_to_date",
    "s_curve_data",
    "is_snapshot",
    "forecast_ranges",
    "RagRule",
    "DEFAULT_RULES",
    "COMMITMENT_RULE",
    "LEVELS",
    "rag_status",
    "PERCENTILES",
    "cycle_times",
    "cycle_time_percentiles",
    "throughput",
    "wip",
    "item_age",
    "cfd",
    "littles_law",
    "FORECAST_PERCENTILES",
    "forecast_when",
    "forecast_how_many",
    "throughput_stability",
    "ThroughputForecast",
    "backlog_scope",
]
