"""End to end: ``pmo review`` on the sample and on a changed copy of it, as a new user runs it (slow).

The tests that would have caught a record quoting the sample while its manifest names the user's files: a
changed copy of the sample moves every page's numbers and no page mentions the sample; every number shown on
two pages is identical; every page opens with its decision in a real browser; a recorded review replays to the
same numbers. The user's own, sparser data are in ``test_end_to_end_own_data.py``.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from pmo_analytics.cli import main
from pmo_analytics.records import list_notebooks
from pmo_analytics.tables import sample_path


pytestmark = pytest.mark.slow

#: Lighter than the defaults so the suite stays fast; every page still runs in full.
FAST = ["--param", "iterations=500", "--param", "frontier_levels=4", "--param", "explain_top=2",
        "--param", "range_iterations=500", "--param", "forecast_iterations=1000", "--param", "scenarios=50",
        "--param", "alpha_frontier=[0.2]"]


def _review(capsys, data, out, *extra) -> Path:
    args = ["review", "--out", str(out), "--quiet", *FAST, *extra]
    if data is not None:
        args[1:1] = ["--data", *([str(d) for d in data] if isinstance(data, list) else [str(data)])]
    assert main(args) == 0
    out_, err = capsys.readouterr()
    for noise in ("Unclosed socket", "Unable to parse", "over TCP", "ResourceWarning", "Traceback"):
        assert noise not in err, err  # the console says only what matters
    return Path(out_.strip().splitlines()[-1])


def _numbers(record: Path) -> dict:
    return json.loads((record / "numbers.json").read_text())


@pytest.fixture(scope="module")
def sample_record(tmp_path_factory):
    from . import browser

    out = tmp_path_factory.mktemp("sample") / "reports"
    # with Chromium, the record has its board pack too (checked with the pages in the browser test)
    args = ["review", "--out", str(out), "--quiet", *FAST, *(["--pdf"] if browser.available() else [])]
    assert main(args) == 0
    (record,) = [p for p in out.iterdir() if p.is_dir()]
    return record


def test_every_page_of_the_record_in_the_browser(sample_record):
    """Each curated page as a board reads it, on screen at 1,280 px and printed on A4 (Chromium, network off):
    decision box first and ending with the ask, no code, no developer artefacts, units on money and tiles, page
    links that resolve, no word split in print; and the board pack (tests/test_browser.py's check_record)."""
    from . import browser
    from .test_browser import check_record

    if not browser.available():
        pytest.skip(f"no Chromium at {browser.CHROMIUM} (Debian: apt-get install -y chromium)")
    manifest = json.loads((sample_record / "manifest.json").read_text())
    assert len(manifest["notebooks"]) == len(list_notebooks()) and manifest["board_pack"] == "board_pack.pdf"
    with browser.Browser() as b:
        assert len(check_record(sample_record, b)) == len(list_notebooks())


def test_every_figure_shown_on_two_pages_is_identical(sample_record):
    numbers = _numbers(sample_record)
    assert list(numbers) == [p.stem for p in list_notebooks()]
    seen = defaultdict(dict)
    for page, nums in numbers.items():
        for name, value in nums.items():
            seen[name][page] = value
    # page.decision is each page's own decision box (its headline differs by design); every other figure is shared
    shared = {name: pages for name, pages in seen.items() if len(pages) > 1 and not name.startswith("page.")}
    assert {"review.identity", "selection.funded"} <= set(shared)
    for name, pages in shared.items():
        first = next(iter(pages.values()))
        assert all(v == first for v in pages.values()), f"{name} differs between {sorted(pages)}"
    # what the board reads in the summary is what the detail pages record
    for name, page in [("selection.funded", "02_portfolio_selection"), ("selection.value", "02_portfolio_selection"),
                       ("selection.budget_cut", "02_portfolio_selection"), ("risk.table", "03_schedule_risk"),
                       ("risk.exposure", "06_governance"), ("delivery.rag", "04_delivery_monitoring"),
                       ("governance.escalations", "06_governance"), ("benefits.at_risk", "05_benefits_and_lessons")]:
        assert {"00_portfolio_review", page} <= set(shared[name]), name
    manifest = json.loads((sample_record / "manifest.json").read_text())
    assert {n["identity"]["fingerprint"] for n in manifest["notebooks"]} == {manifest["data"]["fingerprint"]}
    assert manifest["policy"]["iterations"] == 500 and manifest["status"] == "complete"


def _changed_copy(tmp_path: Path) -> Path:
    d = Path(shutil.copytree(sample_path(), tmp_path / "my_portfolio"))
    sc = pd.read_csv(d / "scores.csv")
    sc.loc[sc["project_id"] == "P-040", "score"] = 10  # a proposal becomes the best scorer
    sc.to_csv(d / "scores.csv", index=False)
    bu = pd.read_csv(d / "budget.csv")
    bu["budget"] = (bu["budget"] * 0.9).round(0)
    bu.to_csv(d / "budget.csv", index=False)
    ac = pd.read_csv(d / "activities.csv")
    on = ac["project_id"] == "A-101"
    for c in ("min_duration", "most_likely", "max_duration"):
        ac.loc[on, c] = ac.loc[on, c] * 3
    ac.to_csv(d / "activities.csv", index=False)
    st = pd.read_csv(d / "status.csv")
    on = st["project_id"] == "A-102"
    st.loc[on, "ev"] = (st.loc[on, "ev"] * 0.7).round(0)
    st.to_csv(d / "status.csv", index=False)
    be = pd.read_csv(d / "benefits.csv")
    be["realised"] = (be["realised"] * 0.5).round(0)
    be.to_csv(d / "benefits.csv", index=False)
    return d


def test_a_changed_copy_moves_every_page_and_no_page_mentions_the_sample(sample_record, tmp_path, capsys):
    data = _changed_copy(tmp_path)
    record = _review(capsys, data, tmp_path / "reports")
    base, mine = _numbers(sample_record), _numbers(record)
    for page in base:
        moved = [k for k in base[page] if k != "review.identity" and base[page][k] != mine[page].get(k)]
        assert moved, f"{page} published the same numbers on changed data"
    a101 = pd.Timestamp(mine["03_schedule_risk"]["risk.table"]["data"][0][1])
    assert a101 > pd.Timestamp(base["03_schedule_risk"]["risk.table"]["data"][0][1]) + pd.Timedelta(days=300)
    sample_dir = str(sample_path().resolve())
    for f in record.iterdir():
        if f.suffix in (".html", ".ipynb", ".json"):
            text = f.read_text(encoding="utf-8")
            assert sample_dir not in text, f"{f.name} mentions the bundled sample"
            assert "load_sample" not in text
    manifest = json.loads((record / "manifest.json").read_text())
    assert manifest["data"]["path"] == str(data.resolve())
    assert all(n["identity"]["source"] == str(data.resolve()) for n in manifest["notebooks"])


def test_a_recorded_review_replays_to_the_same_numbers(sample_record, tmp_path, capsys):
    reg = str(tmp_path / "decisions")
    assert main(["decide", "fund the recommended portfolio", "--by", "Portfolio board", "--record",
                 str(sample_record), "--option", "fund all", "--folder", reg]) == 0
    assert "D-0001 recorded" in capsys.readouterr().out
    assert main(["replay", "D-0001", "--folder", reg, "--quiet"]) == 0  # a second full run: same numbers
    assert "numbers reproduce" in capsys.readouterr().out
    assert main(["decisions", "--folder", reg, "--verify"]) == 0
    assert "hash chain verified" in capsys.readouterr().out
