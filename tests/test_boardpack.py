"""The board pack (pmo_analytics.records.boardpack): one HTML document of a record's pages, printed to PDF.

Printing needs Chromium: tests/test_browser.py prints a real review's pack. Here, without a browser: the
document's order, ids and furniture, and a review asked for a PDF without Chromium refused before anything runs.
"""

from __future__ import annotations

import re

import pytest

from pmo_analytics.exceptions import RecordError
from pmo_analytics.records import DecisionRecord
from pmo_analytics.records.boardpack import board_pack_html, find_chromium
from pmo_analytics.records.html import export_html, page_context
from pmo_analytics.records.pages import decision

from .conftest import MINIMAL
from .test_html import page_notebook


def _record(tmp_path, stems=("00_first_page", "03_schedule_risk")):
    folder = tmp_path / "20261207T000000Z-s1-abcdef"
    folder.mkdir()
    entries = []
    for i, stem in enumerate(stems):
        ctx = page_context(folder.name, "2026-12-07T10:00:00Z", list(stems), i)
        (folder / f"{stem}.html").write_text(export_html(page_notebook(), stem, context=ctx), encoding="utf-8")
        entries.append({"notebook": f"{stem}.ipynb", "html": f"{stem}.html"})
    manifest = {"run_id": folder.name, "started": "2026-12-07T10:00:00Z", "status": "complete", "seed": 1,
                "data": {"path": "/home/someone/secret/place/my_portfolio"}, "notebooks": entries}
    return folder, manifest


def test_the_pack_is_a_cover_then_every_page_in_order_without_scripts(tmp_path):
    folder, manifest = _record(tmp_path)
    ask = decision("Hold 1.4 M.", ask="The board is asked to hold 1.4 M of contingency.")
    doc = board_pack_html(folder, manifest, {"03_schedule_risk": ask})
    cover, first, second = doc.index("board pack</h1>"), doc.index("id='p00-top'"), doc.index("id='p03-top'")
    assert cover < first < second
    assert "The board is asked to hold 1.4 M of contingency." in doc[cover:first]  # the asks on the cover
    assert "<script" not in doc.split("</head>", 1)[1]  # static: charts print as their SVG, nothing runs
    body = doc.split("</head>", 1)[1]
    assert "pmo-chart-static" in body and "<nav" not in body  # no screen navigation in print
    assert "my_portfolio" in doc and "/home/someone" not in doc  # the data's name, not where it lives
    # ids unique across pages: the evidence links of each page go to its own headings
    ids = re.findall(r"""\sid=["']([^"']+)["']""", doc)
    assert len(ids) == len(set(ids))
    assert "href='#p03-1.-Evidence-table'" in doc and "id=\"p03-1.-Evidence-table\"" in doc


def test_the_pack_furniture_names_the_record_date_and_each_page(tmp_path):
    folder, manifest = _record(tmp_path)
    doc = board_pack_html(folder, manifest)
    assert '@top-left{content:"Portfolio review · record 20261207T000000Z-s1-abcdef"' in doc
    assert '@top-right{content:"2026-12-07"' in doc and 'counter(page) " of " counter(pages)' in doc
    assert '@page pmo-p03{@bottom-left{content:"03 Schedule risk"' in doc and "section.pmo-p03{page:pmo-p03}" in doc
    assert "@page pmo-landscape{size:A4 landscape}" in doc


def test_a_pack_of_nothing_is_refused(tmp_path):
    with pytest.raises(RecordError, match="no page"):
        board_pack_html(tmp_path, {"notebooks": [{"notebook": "00_x.ipynb", "html": "00_x.html"}]})


def test_chromium_is_found_where_pmo_chromium_says_or_not_at_all(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PMO_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)
    monkeypatch.setenv("PMO_CHROMIUM", str(tmp_path / "missing"))
    assert find_chromium() is None
    monkeypatch.delenv("PMO_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_chromium() is None


def test_a_review_asked_for_a_pdf_without_chromium_is_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_CHROMIUM", str(tmp_path / "no-chromium-here"))
    out = tmp_path / "reports"
    with pytest.raises(RecordError, match="--pdf .*Chromium.*nothing ran"):
        DecisionRecord(data=MINIMAL, out=out, notebooks=["01"], progress=False, pdf=True).run()
    assert not out.exists()
