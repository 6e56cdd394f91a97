"""Publishing the numbers a decision relies on, from inside a notebook.

``publish(name, value)`` displays a small JSON payload with a dedicated MIME
type. ``pmo review`` collects every published value of every notebook into the
run's ``numbers.json``; two runs with the same data and seed must publish
identical numbers, and ``replay`` compares them.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

__all__ = ["MIME", "IDENTITY", "publish", "to_jsonable", "page_title"]

#: MIME type of a published value in a notebook's outputs.
MIME = "application/vnd.pmo-analytics.record+json"
#: The name under which every page publishes the identity of the data and policy it used.
IDENTITY = "review.identity"


def to_jsonable(value):
    """Convert numpy/pandas scalars, Series and DataFrames to plain JSON values."""
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="split", date_format="iso", double_precision=10))
    if isinstance(value, pd.Series):
        return json.loads(value.to_json(orient="split", date_format="iso", double_precision=10))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) else round(v, 10)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    return value


def publish(name: str, value) -> None:
    """Display ``value`` under ``name`` as a machine-readable record output of the current cell."""
    from IPython.display import display

    payload = {"name": str(name), "value": to_jsonable(value)}
    display({MIME: payload, "text/plain": f"{name} = {json.dumps(payload['value'])[:300]}"}, raw=True)


def page_title(stem: str, decision: dict | None = None) -> str:
    """A page's title for people: the decision box's ``title``, else ``"03 Schedule risk"`` (``03_schedule_risk``)."""
    if decision and decision.get("title"):
        return str(decision["title"])
    num, _, rest = str(stem).partition("_")
    words = rest.replace("_", " ").strip()
    return f"{num} {words[:1].upper()}{words[1:]}" if words else str(stem)
