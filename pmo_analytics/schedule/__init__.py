"""Schedule room: the activity network, CPM with four link types and lags, calendars, health check.

Typical use::

    from pmo_analytics import read_portfolio, schedule
    pf = read_portfolio()
    net = schedule.build_network(pf.activities, "A-101")
    plan = schedule.cpm(net)               # early/late dates, floats [working days], dates
    schedule.health_check(net)             # DCMA 14-point checks that apply
    schedule.pert(net).probability_finish_by(120)   # PERT normal approximation
    schedule.crash(net, 110)               # cheapest crash plan to finish by day 110 (time-cost LP)
    schedule.time_cost_curve(net)          # least crash cost of every finish (breakpoints)

A network built from a Portfolio (``build_network(pf, "A-101")``) carries the
project's calendars, start and data date: CPM then runs from the data date,
each activity on its own calendar, with every constraint type.
"""

from .calendar import Timeline, WorkCalendar, calendars_from_tables, with_dates
from .cpm import backward_pass, cpm, critical_path, forward_pass, project_finish
from .crashing import CrashPlan, crash, time_cost_curve
from .health import health_check
from .network import LINK_CODES, STATUS, UNITS, Network, build_network
from .pert import PertResult, pert

__all__ = [
    "Network",
    "build_network",
    "LINK_CODES",
    "cpm",
    "critical_path",
    "forward_pass",
    "backward_pass",
    "WorkCalendar",
    "Timeline",
    "calendars_from_tables",
    "with_dates",
    "project_finish",
    "STATUS",
    "UNITS",
    "health_check",
    "pert",
    "PertResult",
    "crash",
    "time_cost_curve",
    "CrashPlan",
]
