"""What every stage of the review shares: the fitted check and the ``summary`` frame's shape."""

from __future__ import annotations

import pandas as pd

__all__ = ["require_fitted", "summary_frame"]


def require_fitted(stage, attribute: str) -> None:
    """Raise ``ValueError`` naming the stage when ``attribute`` (set by ``fit``) is not there yet."""
    if not hasattr(stage, attribute):
        raise ValueError(f"{type(stage).__name__} is not fitted: call fit(portfolio) first")


def summary_frame(rows) -> pd.DataFrame:
    """Key figures as a long frame: ``measure``, ``value``, ``unit`` (the shape of every estimator's summary)."""
    return pd.DataFrame(list(rows), columns=["measure", "value", "unit"])
