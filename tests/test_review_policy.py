"""The review policy: defaults, review.toml, overrides, refusals (pmo_analytics.review.policy)."""

from __future__ import annotations

import shutil

import pytest

from pmo_analytics.review import PolicyError, ReviewPolicy, policy_table, resolve_policy

from .conftest import MINIMAL


def test_defaults_are_the_records_and_documented():
    p = ReviewPolicy()
    assert (p.seed, p.confidence, p.iterations, p.cost_basis, p.objective) == (
        20261125, 80.0, 2000, "reference_class", "risk_adjusted")
    assert p.acceptable_overrun == pytest.approx(0.2) and p.p_label == "P80"
    table = policy_table()
    assert set(table["setting"]) == set(ReviewPolicy.__dataclass_fields__)
    assert table["meaning"].str.len().min() > 10  # every setting says what it does


def test_digest_identifies_the_choices():
    a, b = ReviewPolicy(), ReviewPolicy(iterations=2000)
    assert a.digest == b.digest and a == b
    assert ReviewPolicy(iterations=2001).digest != a.digest
    assert ReviewPolicy(hmt_mapping={"IT": "Outsourcing (opex)"}).digest != a.digest
    assert repr(ReviewPolicy(confidence=90)).startswith("ReviewPolicy(confidence=90.0;")


def test_file_then_overrides(tmp_path):
    data = shutil.copytree(MINIMAL, tmp_path / "d")
    (data / "review.toml").write_text("[review]\nconfidence = 90\niterations = 500\nobjective = 'npv'\n")
    p = resolve_policy(data, {"iterations": 700})
    assert (p.confidence, p.iterations, p.objective) == (90.0, 700, "npv")
    assert resolve_policy(data, use_file=False).confidence == 80.0
    # a workbook finds the file next to it
    (tmp_path / "p.xlsx").write_bytes(b"")
    (tmp_path / "review.toml").write_text("[review]\nhiring = false\n")
    assert resolve_policy(tmp_path / "p.xlsx").hiring is False


@pytest.mark.parametrize("settings, match", [
    ({"iteration": 5}, r"unknown review policy setting\(s\) 'iteration' \(did you mean 'iterations'\?\)"),
    ({"seed": "abc"}, "'seed' must be a whole number, got 'abc'"),
    ({"seed": -1}, r"'seed' must be a whole number in \[0, 2\*\*63\)"),
    ({"iterations": 10**9}, "'iterations' must be between 100 and 1,000,000"),
    ({"confidence": 120}, r"'confidence' must be a percentile in \[50, 100\)"),
    ({"confidence": float("nan")}, "'confidence' must be a finite number"),
    ({"objective": "profit"}, "'objective' must be one of"),
    ({"hiring": "yes"}, "'hiring' must be true or false"),
    ({"as_of": "31/10/2026"}, "'as_of' must be a date written YYYY-MM-DD"),
    ({"time_limit": 0}, "'time_limit' must be None or between 0 and 86,400 seconds"),
    ({"frontier_levels": 1}, "'frontier_levels' must be 0"),
    ({"frontier_gap": -0.01}, r"'frontier_gap' must be a fraction in \[0, 0.1\]"),
    ({"frontier_gap": 0.5}, r"'frontier_gap' must be a fraction in \[0, 0.1\]"),
    ({"saa_node_limit": 0}, "'saa_node_limit' must be between 1 and 10,000,000 nodes"),
    ({"detail_charts": 0}, "'detail_charts' must be between 1 and 10,000 projects"),
    ({"hmt_mapping": {"IT": 3}}, "'hmt_mapping' must map class names"),
    # issue 32: a misspelt HMT type failed page 05 after 49 s; now refused before anything runs
    ({"hmt_mapping": {"IT": "Equipment/developmnt"}},
     r"unknown HM Treasury project type\(s\) 'Equipment/developmnt' \(did you mean 'Equipment/development'\?\)"),
])
def test_bad_settings_are_refused_with_what_is_accepted(settings, match):
    with pytest.raises(PolicyError, match=match):
        resolve_policy(None, settings)
    assert issubclass(PolicyError, ValueError)


def test_bad_settings_file_names_the_file(tmp_path):
    (tmp_path / "review.toml").write_text("[review]\nconfidense = 90\n")
    with pytest.raises(PolicyError, match=r"'confidense' \(did you mean 'confidence'\?\) in .*review.toml"):
        resolve_policy(tmp_path)
    (tmp_path / "review.toml").write_text("[review\n")
    with pytest.raises(PolicyError, match="review.toml, row 1: not valid TOML"):
        resolve_policy(tmp_path)
    (tmp_path / "review.toml").unlink()
    (tmp_path / "review.toml").symlink_to("/etc/hostname")
    with pytest.raises(PolicyError, match="review.toml"):  # a link out of the data folder is refused, never read
        resolve_policy(tmp_path)


def test_a_misspelt_section_of_the_settings_file_is_refused(tmp_path):
    """Issue 32: [reveiw] was ignored and the review ran at P80 although P90 was asked."""
    (tmp_path / "review.toml").write_text("[reveiw]\nconfidence = 90\n")
    with pytest.raises(PolicyError, match=r"unknown section \[reveiw\] — did you mean \[review\]\?"):
        resolve_policy(tmp_path)


def test_settings_that_name_what_the_data_lack_are_found_before_any_page(minimal_dir):
    from pmo_analytics.review.policy import policy_data_problems
    from pmo_analytics.tables import read_portfolio

    pf = read_portfolio(minimal_dir)
    assert policy_data_problems(ReviewPolicy(), pf) == []
    assert policy_data_problems(ReviewPolicy(extra_fte_skill="DEVV"), pf) == [
        "policy setting 'extra_fte_skill' 'DEVV' is not a skill of the capacity table (did you mean 'DEV'?); "
        "its skills: BA, DEV"]


def test_replace_validates():
    p = ReviewPolicy().replace(iterations=300)
    assert p.iterations == 300
    with pytest.raises(PolicyError, match="unknown review policy setting"):
        ReviewPolicy().replace(iters=3)
