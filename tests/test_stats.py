"""pmo_analytics.stats: the one Wilson interval, against Newcombe (1998)'s worked examples."""

from __future__ import annotations

import importlib

import pytest

from pmo_analytics.stats import wilson_interval


def test_wilson_interval_matches_newcombe_1998_table_i():
    # Newcombe, Statistics in Medicine 17 (1998) 857-872, Table I, method 3 (score interval without correction)
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_wilson_interval_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n must be positive"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"successes must be in \[0, n\]"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\)"):
        wilson_interval(1, 4, confidence=1.0)


def test_the_risk_and_selection_rooms_share_one_copy():
    for module in ("pmo_analytics.risk.recovery", "pmo_analytics.selection.uncertainty.validation"):
        assert importlib.import_module(module).wilson_interval is wilson_interval
