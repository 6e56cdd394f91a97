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
    (12_345_678.9, "£12.3 M"), (1_250_000_000, "£1.25 bn"), (845_300, "£845 k"), (10_000, "£10 k"),
    (9_999, "£9,999"), (512.4, "£512"), (0, "£0"), (-688_175.7, "-£688 k"), (-4_200_000, "-£4.2 M"), (-0.3, "£0"),
])
def test_money_for_people(value, text):
    assert format_money(value) == text
    assert format_value(value, "money") == text


def test_money_is_written_in_the_data_currency_and_one_scale_per_column():
    from pmo_analytics.tables.formats import money_scale, using_currency

    with using_currency("EUR"):
        assert format_money(12_345_678.9) == "€12.3 M"
    with using_currency("CHF"):
        assert format_money(845_300) == "CHF 845 k"
    assert format_money(12_345_678.9) == "£12.3 M"  # restored
    # a column read in one unit: 9,106 beside 5.1 M is 0.01 M, never "9,106" under "5.1 M"
    scale = money_scale([5_120_770, 9_106, None])
    assert scale == (1e6, "M")
    assert [format_money(x, scale) for x in (5_120_770, 9_106, 0)] == ["£5.1 M", "£0.01 M", "£0.0 M"]
    assert money_scale([30_000, 9_106]) == (1e3, "k") and format_money(9_106, (1e3, "k")) == "£9.1 k"
    with pytest.raises(ValueError, match="three-letter"):
        with using_currency("pounds"):
            pass


@pytest.mark.parametrize("value", [9.629e6, 1.608e-15, 2.01e-16, 123456789.123, 0.000123, -3.3e-7])
def test_no_scientific_notation(value):
    for kind in ("number", "ratio", "money", "probability", "days", "count", "fte", "score", "percent"):
        assert "e+" not in format_value(value, kind) and "e-" not in format_value(value, kind), (kind, value)
    assert format_value(1.608e-15, "number") == "0" and format_value(9.629e6, "number") == "9,629,000"


@pytest.mark.parametrize("value,kind,text", [
    (0.453, "probability", "45 %"), (0.0067, "probability", "0.7 %"), (0, "share", "0 %"), (1, "share", "100 %"),
    (85.92, "days", "85.9"), (1234.5, "days", "1,234"), (0.8637, "ratio", "0.86"), (3, "period", "3"),
    (1204, "count", "1,204"), (2.25, "fte", "2.2"), (7.44, "score", "7.4"), (0.8153, "score", "0.815"),
    (85, "percent", "85 %"), (True, "flag", "yes"),
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
    assert c.header == "p80_cost [currency]" and c.axis_title == "P80 cost [£]"
    assert column("jcl").kind == "probability"
    assert column("jcl").axis_title == "Joint confidence of commitment and estimate"
    assert column("schedule_contingency").header == "schedule_contingency [days]"
    assert column("schedule_contingency").people_header(90) == "Schedule contingency at P90 [working days]"
    assert column("finish_slip_days").header == "finish_slip_days [calendar days]"
    assert column("cpi").header == "cpi [ratio]" and column("cpi").format(0.8637) == "0.86"
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


def test_names_say_the_level_they_were_computed_at():
    from pmo_analytics.tables.columns import at_level, level_of

    assert at_level("cost", 90) == "p90_cost" and at_level("days_late", 97.5) == "p97.5_days_late"
    assert at_level("joint", 80) == "joint_p80" and level_of("p90_finish") == 90 and level_of("cpi") is None
    assert column("p90_cost").label == "P90 cost" and "90 %" in column("p90_cost").meaning
    assert column("p90_days_late").label == "P90 days late" and column("p90_days_late").kind == "days"
    assert column("joint_p90").label == "Joint confidence of the P90 date and cost"
    # derived quantities carry the level in their label, filled where they are read
    assert label("cost_contingency", 90) == "Cost contingency at P90"
    assert label("finish_reduction", 80) == "P80 days saved if removed"
    with pytest.raises(ValueError):
        at_level("budget", 80)


def test_one_meaning_per_name_for_the_quantities_a_board_confused():
    # jcl is the chance of the commitment and the estimate together; the joint chance of the P80 date and cost is
    # another column
    assert "committed" in column("jcl").meaning and "estimate" in column("jcl").meaning
    assert "P80 date" in column("joint_p80").meaning
    # money is never labelled in days, nor days in money
    for name in ("p80_spend", "mean_spend", "plan_spend", "p95_spend"):
        assert column(name).kind == "money", name
    for name in ("p50_cycle_time", "p85_cycle_time"):
        assert column(name).kind == "days" and column(name).unit_ == "calendar days"


def test_a_yes_no_name_holding_counts_or_names_says_so():
    """'funded' of a scenario counts projects, 'milestone' of a simulated milestone names it: never shown as yes/no."""
    c = column("funded", values=pd.Series([4, 5]))
    assert (c.kind, c.label) == ("count", "Funded (count)")
    assert column("funded", values=pd.Series([True, False])).kind == "flag"
    assert column("shortlisted", values=pd.Series([0, 1])).kind == "flag"
    assert column("milestone", values=pd.Series(["finish"])).kind == "text"
