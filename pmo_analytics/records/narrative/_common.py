"""Helpers every page's sentences share: amounts, plurals, levels, and the one "not assessed" sentence."""

from __future__ import annotations

import pandas as pd

from ...tables.formats import format_money

__all__ = ["money", "not_assessed_sentences"]


def money(x: float) -> str:
    """An amount [currency] for people, in the record's currency: ``£12.3 M``, ``£845 k``, ``£9,106``.

    :func:`pmo_analytics.tables.formats.format_money`: never ``0.0 M`` for an amount of a few thousand.
    """
    return format_money(x)


def _measure(label: str) -> str:
    """A measure's name without its unit in brackets (``risk-adjusted benefit [currency]`` -> ``risk-adjusted
    benefit``): sentences carry the unit in the amount."""
    return str(label).split(" [")[0]


def _level(p_label: str) -> float:
    """``"P80"`` -> 80.0."""
    return float(str(p_label).lstrip("Pp"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check_value(value, unit) -> str:
    return f"{float(value):.1f} %" if unit == "%" else f"{float(value):g} {unit}".rstrip()


def _red_reason(reasons) -> str:
    """The first reason that made the status red (reasons are '; '-separated, each naming its colour:
    ``cost efficiency red: CPI 0.864, below 0.9``)."""
    parts = [r.strip() for r in str(reasons).split(";") if r.strip()]
    return next((r for r in parts if " red:" in r or "(red)" in r), parts[0] if parts else "")


def not_assessed_sentences(assessment: pd.DataFrame, stage: str) -> list[str]:
    """What a stage of the review could not assess, and why, one sentence each.

    Parameters
    ----------
    assessment : DataFrame
        ``PortfolioReview.assessment_`` (``stage``, ``subject``, ``assessed``, ``reason``).
    stage : str
        ``intake``, ``selection``, ``risk``, ``delivery`` or ``benefits``.
    """
    a = assessment[(assessment["stage"] == stage) & ~assessment["assessed"].astype(bool)]
    return [f"Not assessed — {r.subject}: {r.reason}." for r in a.itertuples()]


def _day_text(x) -> str:
    return f"{pd.Timestamp(x):%Y-%m-%d}" if x is not None and not pd.isna(x) else "its commitment"
