"""Every column a review's stages return is in the glossary, at the level it was computed at (issue 31).

The review is fitted on portfolios that are not the sample (``tests/data/minimal``: every table, a few rows;
``tests/data/required_only``: the five required tables) at confidence 80 and 90. Every result frame of every
stage (each public attribute ending in ``_``, the estimators inside a stage included, lazy ones computed) must
name its columns from :data:`pmo_analytics.tables.columns.COLUMNS`, the ``p<level>_<what>`` pattern or the data
model; a name read at a level carries the review's level (no ``p80_`` name at confidence 90 except what the
escalation rules read at P80 by definition); and a column's values fit its kind (money, days, probabilities,
counts are numbers; probabilities lie in [0, 1]; flags are yes/no, and a yes/no name holding counts is labelled
a count).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pmo_analytics.review import load_review
from pmo_analytics.tables.columns import COLUMNS, column, known, level_of

from .conftest import MINIMAL

REQUIRED_ONLY = MINIMAL.parent / "required_only"
STAGES = ("screening_", "assessment_", "selection_", "uncertainty_", "risk_", "delivery_", "benefits_",
          "governance_")
#: Wide frames of simulated draws (one column per project or activity), not published tables.
WIDE = ("samples_", "draws_")
NUMERIC = {"money", "days", "calendar_days", "periods", "period", "probability", "share", "percent", "count",
           "fte", "ratio", "score"}
#: Columns read at P80 whatever the review's level: the escalation rules' P80 lateness (exposure(also=(80,))).
ALWAYS_P80 = {"p80_days_late", "p80_finish"}


def result_frames(obj, path: str, depth: int = 0, out: dict | None = None) -> dict[str, pd.DataFrame]:
    out = {} if out is None else out
    if depth > 2:
        return out
    for name in (k for k in dir(obj) if k.endswith("_") and not k.startswith("_")):
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a result the data do not allow (say, no schedule) is not a column
            continue
        if isinstance(value, pd.DataFrame):
            if not name.endswith(WIDE):
                out[f"{path}.{name}"] = value
        elif type(value).__module__.startswith("pmo_analytics") and hasattr(value, "__dict__"):
            result_frames(value, f"{path}.{name}", depth + 1, out)
    return out


@pytest.fixture(scope="module", params=[(MINIMAL, 80), (MINIMAL, 90), (REQUIRED_ONLY, 90)],
                ids=["minimal-80", "minimal-90", "required_only-90"])
def frames(request):
    data, level = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        review = load_review(data, confidence=level)
        found = {}
        for stage in STAGES:
            try:
                st = getattr(review, stage)
            except Exception:  # noqa: BLE001 - a stage the data do not allow
                continue
            if st is not None:
                result_frames(st, stage, 0, found)
    assert len(found) >= 10, sorted(found)  # the walk found the stages' results
    return level, found


def test_every_result_column_is_in_the_glossary(frames):
    _, found = frames
    missing = {f"{path}: {c}" for path, df in found.items() for c in map(str, df.columns) if not known(c)}
    assert missing == set()


def test_names_read_at_a_level_carry_the_reviews_level(frames):
    """The risk page's tables are read at the review's confidence: P50 beside it, P80 only where the escalation
    rules read it by definition, never a P80 name holding P90 values (the portfolio model's fixed P50/P80/P95
    percentiles are true names at any level and are not checked here)."""
    level, found = frames
    at_level = {p: df for p, df in found.items() if p in ("risk_.table_", "risk_.exposure_")}
    wrong = {f"{path}: {c}" for path, df in at_level.items() for c in map(str, df.columns)
             if level_of(c) not in (None, 50.0, float(level)) and not (c in ALWAYS_P80 and level_of(c) == 80)}
    assert wrong == set()
    if "risk_.table_" in at_level:
        assert {f"p{level}_finish", f"p{level}_cost"} <= set(at_level["risk_.table_"].columns)


def test_values_fit_their_kind(frames):
    _, found = frames
    bad = []
    for path, df in found.items():
        for c in map(str, df.columns):
            if c not in COLUMNS and level_of(c) is None:
                continue  # a data-model column: its kind is the data model's
            kind = column(c, values=df[c]).kind  # a yes/no name holding counts is a count
            values = df[c]
            if isinstance(values, pd.DataFrame) or values.isna().all():
                continue
            if kind in NUMERIC:
                nums = pd.to_numeric(values.dropna(), errors="coerce")
                if nums.isna().any():
                    bad.append(f"{path}: {c} ({kind}) holds non-numbers {values.dropna().head(2).tolist()}")
                elif kind == "probability" and not nums.between(-1e-9, 1 + 1e-9).all():
                    bad.append(f"{path}: {c} ({kind}) outside [0, 1]: {nums.max()}")
            elif kind == "flag" and not values.dropna().map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1)).all():
                bad.append(f"{path}: {c} (flag) holds {values.dropna().head(2).tolist()}")
    assert bad == []
