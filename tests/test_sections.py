"""records.sections: every section of every page runs on a review of data that is not the sample (required
columns only: no status reports, benefits, work items or schedules), shows only what its stage computed, and
says once what a stage could not assess."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from pmo_analytics.records import sections
from pmo_analytics.review import load_review

pytestmark = pytest.mark.slow
REQUIRED_ONLY = Path(__file__).parent / "data" / "required_only"
PAGES = [sections.summary, sections.intake, sections.selection, sections.risk, sections.delivery, sections.benefits,
         sections.governance]


@pytest.fixture(scope="module")
def review():
    return load_review(REQUIRED_ONLY, seed=7)


@pytest.fixture
def shown(monkeypatch):
    """What the sections display, in order: ("say", [sentences]), ("table", frame) or ("show", object)."""
    out = []
    for module in [sections._show, *PAGES]:
        if hasattr(module, "say"):
            monkeypatch.setattr(module, "say",
                                lambda s, out=out: out.append(("say", [s] if isinstance(s, str) else list(s))))
        if hasattr(module, "show_table"):
            monkeypatch.setattr(module, "show_table", lambda df, *a, out=out, **k: out.append(("table", df)))
        if hasattr(module, "show"):
            monkeypatch.setattr(module, "show",
                                lambda *objs, out=out: out.extend(("show", o) for o in objs if o is not None))
    return out


def _sections(page):
    return [f for name, f in inspect.getmembers(page, inspect.isfunction)
            if f.__module__ == page.__name__ and name in page.__all__
            and list(inspect.signature(f).parameters) == ["review"]]


@pytest.mark.parametrize("page", PAGES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_section_runs_on_data_that_is_not_the_sample(review, shown, page):
    for section in _sections(page):
        section(review)  # raises on a stage the data did not feed
    if page in (sections.selection, sections.intake, sections.governance):  # stages the required columns feed
        assert any(kind == "table" for kind, _ in shown) and any(kind == "say" for kind, _ in shown)


def test_sections_of_stages_that_did_not_run_show_nothing(review, shown):
    assert not review.delivery_.assessed and not review.benefits_.assessed and not review.risk_.assessed
    for section in (sections.delivery.evm, sections.delivery.rag, sections.delivery.evm_charts,
                    sections.delivery.flow_charts, sections.delivery.forecast, sections.benefits.realisation,
                    sections.benefits.promised, sections.benefits.tco, sections.benefits.lessons,
                    sections.risk.health, sections.risk.table, sections.risk.finish_charts, sections.risk.tornadoes,
                    sections.risk.recovery):
        section(review)
    assert shown == []


def test_not_assessed_says_each_gap_once(review, shown):
    sections.not_assessed(review, "delivery")
    ((kind, sentences),) = shown
    assert kind == "say" and sentences == [f"Not assessed — {r.subject}: {r.reason}." for r in review.assessment_
                                           .query("stage == 'delivery' and not assessed").itertuples()]
    assert any("no status table" in s for s in sentences)
