"""Executed notebooks that open well in JupyterLab (pmo_analytics.records.lab): charts, published numbers, trust."""

from __future__ import annotations

import nbformat
import vl_convert as vlc

from pmo_analytics.charts import SPEC_MIME
from pmo_analytics.records.html import export_html
from pmo_analytics.records.lab import VEGALITE_V5, is_trusted, open_well, sign
from pmo_analytics.records.publish import MIME

from .test_html import page_notebook


def test_charts_carry_the_vegalite_bundle_jupyterlab_draws_with_the_svg_fallback():
    nb, counts = open_well(page_notebook())
    charts = [o["data"] for c in nb.cells for o in c.get("outputs", []) if SPEC_MIME in o.get("data", {})]
    assert counts["charts"] == counts["charts_v5"] == len(charts) == 2
    for data in charts:
        spec = data[VEGALITE_V5]
        assert spec["$schema"].endswith("/vega-lite/v5.json") and "image/svg+xml" in data
        # JupyterLab 4.6 draws with Vega-Lite 5.6: the spec compiles with a Vega-Lite 5 (oldest vl-convert has)
        assert vlc.vegalite_to_vega(spec, vl_version="5.8")["$schema"].endswith("/vega/v5.json")
        assert {k: v for k, v in spec.items() if k != "$schema"} == \
            {k: v for k, v in data[SPEC_MIME].items() if k != "$schema"}  # the same chart


def test_a_spec_vegalite_5_cannot_compile_keeps_its_svg_alone():
    nb = page_notebook()
    for c in nb.cells:
        for o in c.get("outputs", []):
            if SPEC_MIME in o.get("data", {}):
                o["data"][SPEC_MIME] = {**o["data"][SPEC_MIME], "mark": {"type": "no-such-mark"}}
    out, counts = open_well(nb)
    assert counts["charts"] == 2 and counts["charts_v5"] == 0
    assert not any(VEGALITE_V5 in o.get("data", {}) for c in out.cells for o in c.get("outputs", []))


def test_published_numbers_have_no_text_jupyterlab_would_show():
    before = page_notebook()
    nb, counts = open_well(before)
    pubs = [o["data"] for c in nb.cells for o in c.get("outputs", []) if MIME in o.get("data", {})]
    assert counts["published"] == len(pubs) == 5
    assert all(set(d) == {MIME} for d in pubs)  # JupyterLab has no renderer for it: nothing is shown
    assert any("text/plain" in o.get("data", {}) for c in before.cells for o in c.get("outputs", [])
               if MIME in o.get("data", {}))  # the input is left as it was


def test_the_html_page_is_the_same_after_open_well():
    nb = page_notebook()
    assert export_html(open_well(nb)[0], "p") == export_html(nb, "p")
    assert VEGALITE_V5 not in export_html(open_well(nb)[0], "p", interactive=False)


def test_a_signed_notebook_opens_trusted_and_an_edited_one_does_not(tmp_path):
    data_dir = tmp_path / "jupyter"
    nb, _ = open_well(page_notebook())
    path = tmp_path / "page.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    assert not is_trusted(nbformat.read(path, as_version=4), data_dir)
    sign(nb, data_dir)
    assert is_trusted(nbformat.read(path, as_version=4), data_dir)  # the file as written, read back
    assert (data_dir / "notebook_secret").is_file()  # the secret lives where it was told, not in the home
    edited = nbformat.read(path, as_version=4)
    edited.cells[0].source += " (edited)"
    assert not is_trusted(edited, data_dir)
    assert not is_trusted(nbformat.read(path, as_version=4), tmp_path / "another-user")


def test_reviews_in_tests_sign_with_a_throwaway_secret():
    """conftest.py points JUPYTER_DATA_DIR at a temporary folder for the session: no test writes the home's."""
    import os

    from jupyter_core.paths import jupyter_data_dir

    assert "jupyter-data" in os.environ["JUPYTER_DATA_DIR"] and jupyter_data_dir() == os.environ["JUPYTER_DATA_DIR"]
