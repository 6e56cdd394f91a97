"""Every name a decision record publishes, defined once: the page that computes it, the pages that quote it,
and what it is.

A page publishes a value with :func:`~pmo_analytics.records.publish.publish` (or a result table with
:func:`~pmo_analytics.records.pages.publish_table`); ``pmo review`` collects them into ``numbers.json`` and
``replay`` compares them. This registry is the list a reader (and a test) can hold the pages to: every
name a page publishes is registered, on the pages registered for it, and every registered name is
published by some page (``tests/test_published.py`` reads the notebooks without a kernel). Result tables
are ``results.*``; the workbook's key tables (:data:`pmo_analytics.records.export.KEY_TABLES`) are among
them, and their columns are defined by the glossary (:mod:`pmo_analytics.tables.columns`). A name quoted by the executive summary
is built once, for both pages, by :mod:`pmo_analytics.records.figures`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .publish import IDENTITY

__all__ = ["Published", "PUBLISHED", "PATTERNS", "published", "lookup"]

_ALL = ("00", "01", "02", "03", "04", "05", "06")


@dataclass(frozen=True)
class Published:
    """One published name: ``pages`` publish it (the first computes it, the others quote the same value)."""

    name: str
    pages: tuple[str, ...]
    what: str


def _p(name: str, pages: str, what: str) -> Published:
    return Published(name, tuple(_ALL if pages == "all" else pages.split()), what)


#: Every published name, by name.
PUBLISHED: dict[str, Published] = {p.name: p for p in (
    _p(IDENTITY, "all", "the data fingerprint and policy digest the page read (the record checks them)"),
    _p("page.decision", "all", "the page's decision box: headline, decision, asks, tiles"),
    # 01 intake
    _p("intake.weights", "01", "criterion weights [share] and how they were set (AHP or the table)"),
    _p("intake.ahp_consistency_ratio", "01", "Saaty's consistency ratio of the pairwise judgements"),
    _p("intake.shortlist", "01", "proposals that pass screening"),
    _p("intake.top10", "01", "the ten best-scoring proposals"),
    _p("intake.quadrants", "01", "proposals per value/risk quadrant"),
    _p("intake.uplifts", "01", "reference-class cost uplifts applied to the proposals [%]"),
    _p("intake.total_uplifted_cost", "01", "the proposals' total cost after uplifts [currency]"),
    # 02 selection (00 quotes the recommendation)
    _p("selection.feasible", "02 00", "whether a portfolio carrying every commitment exists"),
    _p("selection.status", "02 00", "the solver status of the recommendation"),
    _p("selection.value", "02 00", "the recommendation's objective value"),
    _p("selection.funded", "02 00", "the funded projects"),
    _p("selection.start_periods", "02 00", "each funded project's start period [period]"),
    _p("selection.shortfall", "02 00", "budget shortfall per period when no portfolio is feasible [currency]"),
    _p("selection.conflicts", "02", "the smallest set of conflicting constraints when none is feasible"),
    _p("selection.conflicts_without_hiring", "02", "constraints that cannot hold together without hiring"),
    _p("selection.budget_cut", "02 00", "projects gained and lost, and the value change, under the budget cut"),
    _p("selection.bottlenecks", "02", "capacity bottlenecks of the recommendation [FTE]"),
    _p("selection.spend_by_period", "02", "the recommendation's spend per period [currency]"),
    _p("selection.greedy_value", "02", "the value a greedy ranking reaches, for comparison"),
    _p("selection.frontier", "02", "the efficient frontier: value against budget"),
    _p("selection.scenarios", "02", "the scenarios shown to the board"),
    _p("selection.explanations", "02", "why each project near the cut is in or out"),
    _p("uncertainty.funded", "02 00", "the portfolio chosen under uncertainty"),
    _p("uncertainty.p_any_overrun", "02 00", "its validated probability of overrunning the budget in any period"),
    _p("uncertainty.comparison", "02", "the chance-constrained portfolio beside the deterministic one"),
    _p("uncertainty.frontier", "02", "expected value against the overrun probability allowed"),
    _p("uncertainty.spend", "02", "spend distribution per period of the portfolio under uncertainty [currency]"),
    # 03 risk (00 and 06 quote it)
    _p("risk.table", "03 00", "P50 and confidence-level finish and cost, contingencies, JCL per project"),
    _p("risk.exposure", "03 00 06", "days late at P80, cost contingency and JCL per project"),
    _p("risk.health_failed_checks", "03", "schedule health checks each project fails"),
    _p("risk.mitigations_that_pay", "03", "mitigations whose cost is below the P80 cost they save"),
    _p("risk.mitigation_net_saving", "03", "net saving of the mitigations that pay [currency]"),
    _p("risk.recovery_cost", "03", "the cheapest recovery of each late project to its commitment [currency]"),
    _p("results.risk_by_project", "03", "key table: risk by project"),
    _p("results.top_risks", "03", "key table: the risks that move each project's P80 most"),
    _p("results.recovery_by_project", "03", "key table: recovery by project"),
    # 04 delivery (00 quotes RAG and the budget probability)
    _p("delivery.rag", "04 00", "RAG status per project"),
    _p("delivery.p_within_budget", "04 00", "probability of finishing within budget per project"),
    _p("delivery.intervene", "04", "the projects that need intervention, and why"),
    _p("delivery.indices", "04", "CPI, SPI and SPI(t) per project"),
    _p("delivery.eac", "04", "estimate at completion per project [currency]"),
    _p("delivery.finish_p50", "04", "P50 forecast finish per project"),
    _p("flow.focus_when_p85_date", "04", "the date the focus project's backlog is done with 85 % confidence"),
    _p("results.evm_by_project", "04", "key table: earned value and earned schedule by project"),
    # 05 benefits and lessons (00 quotes benefits at risk)
    _p("benefits.at_risk", "05 00", "benefits forecast to miss their plan"),
    _p("benefits.realisation_rate_to_date", "05", "realised / planned to date [ratio]"),
    _p("benefits.forecast_gap", "05", "forecast minus planned benefit [currency]"),
    _p("support.tco", "05", "support total cost of ownership per closed project [currency]"),
    _p("support.lowest_benefit_to_tco", "05", "the project with the lowest benefit to support cost"),
    _p("lessons.uplifts", "05", "estimating uplifts to adopt, by reference class [%]"),
    _p("lessons.proposal_cost_uplift_total", "05", "cost the adopted uplifts add to the proposals [currency]"),
    _p("results.benefits", "05", "key table: benefits"),
    # 06 governance (00 quotes the escalations)
    _p("governance.escalations", "06 00", "who must act on which project"),
    _p("governance.approach_mismatches", "06", "projects whose management approach does not fit (NTCP)"),
    _p("governance.gate_items_missing", "06", "stage-gate evidence missing per project"),
    _p("results.escalations", "06", "key table: escalations"),
    _p("results.funded_portfolio", "02", "key table: the funded portfolio"),
)}

#: Names with a project id in them: pattern -> what (the pages that publish them).
PATTERNS: dict[str, Published] = {
    r"risk\.[^.]+\.top_drivers": _p("risk.<project_id>.top_drivers", "03",
                                    "the project's top risk drivers (tornado), days and cost saved"),
}


def lookup(name: str) -> Published | None:
    """The registered entry of ``name`` (a per-project name matches its pattern), or None."""
    if name in PUBLISHED:
        return PUBLISHED[name]
    return next((p for pat, p in PATTERNS.items() if re.fullmatch(pat, name)), None)


def published(name: str) -> str:
    """``name`` if it is registered, else a ``ValueError`` naming the closest registered name."""
    if lookup(name) is None:
        close = difflib.get_close_matches(name, list(PUBLISHED), n=1)
        raise ValueError(f"{name!r} is not a registered published name"
                         + (f" (did you mean {close[0]!r}?)" if close else "")
                         + "; add it to pmo_analytics.records.published.PUBLISHED")
    return name
