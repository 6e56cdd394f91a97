"""One definition per result column: labels, units, formats (pmo_analytics.tables.columns)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import pmo_analytics as pmo
from pmo_analytics.tables.columns import (COLUMNS, KINDS, MISSING, Column, axis_title, column, format_money,
                                          format_value, header, id_names, label)
from pmo_analytics.tables.spec import TABLES


@pytest.mark.parametrize("value,text", [
    (12_345_678.9, "12.3 M"), (1_250_000_000, "1.25 bn"), (845_300, "845 k"), (10_000, "10 k"), (9_999, "9,999"),
    (512.4, "512"), (0, "0"), (-688_175.7, "-688 k"), (-4_200_000, "-4.2 M"), (-0.3, "0"),
])
def test_money_for_people(value, text):
    assert format_money(value) == text
    assert format_value(value, "money") == text


@pytest.mark.parametrize("value,kind,text", [
    (0.453, "probability", "45 %"), (0.0067, "probability", "0.7 %"), (0, "share", "0 %"), (1, "share", "100 %"),
    (85.92, "days", "85.9"), (1234.5, "days", "1,234"), (0.8637, "ratio", "0.86"), (3, "period", "3"),
    (1204, "count", "1,204"), (2.25, "fte", "2.2"), (7.44, "score", "7.4"), (True, "flag", "yes"),
    (False, "flag", "no"), ("A-101", "id", "A-101"), (pd.Timestamp("2027-12-02"), "date", "2027-12-02"),
    (dt.date(2027, 1, 5), "date", "2027-01-05"), ("2027-12-02T00:00:00", "date", "2027-12-02"),
    (["R-1", "R-2"], "id", "R-1, R-2"), ([], "id", "none"), (float("inf"), "ratio", "∞"),
])
def test_format_by_kind(value, kind, text):
    assert format_value(value, kind) == text


@pytest.mark.parametrize("missing", [None, np.nan, pd.NaT, pd.NA, float("nan")])
def test_missing_values_are_a_dash_never_nan(missing):
    for kind in KINDS:
        assert format_value(missing, kind) == MISSING


def test_result_columns_have_label_unit_meaning_and_format():
    c = column("p80_cost")
    assert (c.label, c.unit_, c.excel_format, c.d3_format) == ("P80 cost", "currency", "#,##0", ",.3~s")
    assert c.header == "p80_cost [currency]" and c.axis_title == "P80 cost [currency]"
    assert column("jcl").kind == "probability" and column("jcl").axis_title == "Joint confidence"
    assert column("schedule_contingency").header == "schedule_contingency [days]"
    assert column("finish_slip_days").header == "finish_slip_days [calendar days]"
    assert column("cpi").header == "cpi" and column("cpi").format(0.8637) == "0.86"
    for name, c in COLUMNS.items():
        assert c.name == name and c.label and c.meaning.endswith("."), name


def test_data_model_columns_keep_their_documented_unit_and_meaning():
    c = column("estimated_cost")
    assert (c.kind, c.unit_) == ("money", "currency")
    assert c.meaning == TABLES["projects"].column("estimated_cost").description
    assert column("cost_rate").unit_ == "currency/day"  # a unit the kind does not have is kept
    assert column("probability_of_success").kind == "probability"
    assert column("start_date").kind == "date" and column("mandatory").kind == "flag"
    assert column("earliest_start", "projects").header == "earliest_start [period]"


def test_unknown_columns_fall_back_on_name_and_dtype():
    assert column("lag [days]").kind == "days" and column("lag [days]").label == "lag"
    assert column("rate [currency/year]").header == "rate [currency/year]"
    assert column("when", values=pd.to_datetime(["2026-01-01"])).kind == "date"
    assert column("ok", values=pd.Series([True, False])).kind == "flag"
    assert column("n_items", values=pd.Series([1, 2])).kind == "count"
    assert column("p_hit", values=pd.Series([0.2, 0.3])).kind == "probability"
    assert column("note", values=pd.Series(["a", None])).kind == "text"
    assert column("mystery").label == "mystery"


def test_values_decide_between_days_and_dates():
    assert column("early_start", values=pd.Series([0.0, 5.0])).kind == "days"
    as_dates = column("early_start", values=pd.to_datetime(pd.Series(["2026-01-05"])))
    assert as_dates.kind == "date" and as_dates.header == "early_start"
    assert column("p80_finish", values=pd.Series([501.5])).kind == "days"
    assert column("p80_finish", values=pd.to_datetime(pd.Series(["2027-12-02"]))).kind == "date"


def test_helpers_agree_with_the_definition():
    assert label("p50_finish") == "P50 finish"
    assert header("pv") == "pv [currency]"
    assert axis_title("spi_t") == "SPI(t)"


def test_a_column_needs_a_known_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        Column("x", "X", "percentage")


@pytest.mark.slow
def test_id_names_from_a_portfolio_not_the_sample():
    from .conftest import MINIMAL

    pf = pmo.read_portfolio(MINIMAL)
    names = id_names(pf)
    projects = pf.projects.set_index("project_id")["name"]
    assert names["project_id"] == {str(k): str(v) for k, v in projects.items()}
    assert set(names) <= {"project_id", "risk_id", "benefit_id"}
