"""What each section of a page shows, given the fitted review: sentences, tables and charts, in order.

The notebooks hold only calls: ``sections.funded(review)`` shows one section of the selection page, the page
publishes its names through :mod:`pmo_analytics.records.figures` (defined once, quoted by every page that
needs them) and asserts what its decision relies on. A section whose stage did not run says so once
(:func:`not_assessed`) and shows nothing else. One module per page, every name re-exported here.
"""

from __future__ import annotations

from . import benefits, delivery, governance, intake, risk, selection, summary
from ._show import not_assessed

__all__ = ["summary", "intake", "selection", "risk", "delivery", "benefits", "governance", "not_assessed"]
