"""Schedule room: the activity network, CPM with four link types and lags, calendars, health check.

Typical use::

    from pmo_analytics import read_portfolio, schedule
    pf = read_portfolio()
    net = schedule.build_network(pf.activities, "A-101")
    plan = schedule.cpm(net)               # early/late dates, floats [days]
    schedule.health_check(net)             # DCMA 14-point checks that apply
"""

from .calendar import Timeline, WorkCalendar, calendars_from_tables, with_dates
from .cpm import backward_pass, cpm, critical_path, forward_pass, project_finish
from .health import health_check
from .network import LINK_CODES, STATUS, UNITS, Network, build_network

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
]
