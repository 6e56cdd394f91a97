"""The few calls every section makes: show a chart or a table, say sentences, the one "not assessed" guard."""

from __future__ import annotations

from ..narrative import not_assessed_sentences
from ..pages import say, show_table

__all__ = ["show", "say", "show_table", "not_assessed"]


def show(*objects) -> None:
    """Display each object that is not None (an ``alt.Chart``, a widget, a frame) as an output of the cell."""
    from IPython.display import display

    for obj in objects:
        if obj is not None:
            display(obj)


def not_assessed(review, stage: str) -> None:
    """The one "not assessed" guard of a page: say what ``stage`` of ``review`` could not assess, and why
    (:func:`pmo_analytics.records.narrative.not_assessed_sentences`); nothing when all was assessed."""
    say(not_assessed_sentences(review.assessment_, stage))
