"""The data model's bounds (pmo_analytics.tables.spec): every number bounded by its domain."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from pmo_analytics.tables.spec import DOMAIN_LIMITS, GENERIC_LIMITS, TABLES, ColumnSpec, schema

NUMERIC = [(t.name, c) for t in TABLES.values() for c in t.columns if c.dtype in ("int", "float")]


@pytest.mark.parametrize("table, col", NUMERIC, ids=[f"{t}.{c.name}" for t, c in NUMERIC])
def test_every_number_has_finite_bounds(table, col):
    lo, hi = col.bounds
    assert lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi) and lo <= hi


@pytest.mark.parametrize("table, col", [(t, c) for t, c in NUMERIC if c.dtype == "int"],
                         ids=[f"{t}.{c.name}" for t, c in NUMERIC if c.dtype == "int"])
def test_integers_that_size_arrays_are_bounded_by_their_unit(table, col):
    # periods, durations and counts size arrays: each needs a unit with a domain limit (or an explicit bound);
    # a new int column without one fails here rather than letting one cell allocate gigabytes
    assert col.unit in DOMAIN_LIMITS or col.le is not None or col.limit is not None, col
    assert col.bounds[1] <= 1e9


def test_periods_and_durations_are_bounded_by_a_century():
    for _, c in NUMERIC:
        if c.unit in ("period", "periods"):
            assert c.bounds[1] == 1200
        if c.unit == "days":
            assert c.bounds[1] == 25_000


def test_bounds_combine_explicit_limits_with_the_domain():
    assert ColumnSpec("x", "float", "", unit="currency", ge=0).bounds == (0, 1e15)
    assert ColumnSpec("x", "float", "", unit="currency").bounds == (-1e15, 1e15)
    assert ColumnSpec("x", "float", "", unit="probability", ge=0, le=1).bounds == (0, 1)
    assert ColumnSpec("x", "int", "", unit="period", ge=1, le=5000).bounds == (1, 1200)
    assert ColumnSpec("x", "int", "", ge=0).bounds == (0, GENERIC_LIMITS["int"])
    assert ColumnSpec("x", "float", "", unit="hours", ge=0, limit=100).bounds == (0, 100)
    assert ColumnSpec("x", "float", "", unit="currency", gt=0).bounds == (0, 1e15)
    assert ColumnSpec("x", "str", "").bounds == (None, None)


def test_allowed_text_states_the_bounds():
    assert TABLES["budget"].column("period").allowed_text() == ">= 1; <= 1200; unique"
    assert TABLES["history"].column("estimated_cost").allowed_text() == "> 0; <= 1e+15"
    assert TABLES["projects"].column("benefit_npv").allowed_text() == ">= -1e+15; <= 1e+15"
    assert "1900-01-01 .. 2199-12-31" in TABLES["work_items"].column("created").allowed_text()


def test_schema_enforces_domain_limits_on_frames_not_from_the_reader():
    df = pd.DataFrame({"period": pd.array([1, 5000], dtype="Int64"), "budget": [1.0, 2e16]})
    with pytest.raises(SchemaErrors) as info:
        schema("budget").validate(df, lazy=True)
    checks = set(info.value.failure_cases["check"].astype(str))
    assert {"less_than_or_equal_to(1200)", "less_than_or_equal_to(1000000000000000.0)"} <= checks
