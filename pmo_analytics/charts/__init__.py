"""Charts: every function takes a result frame and returns an ``alt.Chart``.

No chart is displayed or saved here. Altair is imported only in this package.
Area modules (``charts.intake``, ``charts.selection``, ``charts.risk``,
``charts.monitor``, ``charts.benefits``) hold the chart functions; this module
holds the shared look: a colour-blind-safe palette (Okabe & Ito, 2008),
consistent project colours across charts, a projector-readable theme, and
:func:`enable_offline`, which renders each chart as static SVG (shown by an
offline JupyterLab, no CDN) together with its Vega-Lite spec under
:data:`SPEC_MIME`, which JupyterLab ignores and the HTML records draw live
(tooltips, zoom) with the Vega JavaScript inlined in the page
(:func:`pmo_analytics.records.html.export_html`).

Axis titles come from the column definitions
(:func:`pmo_analytics.tables.columns.axis_title`), so a chart and a table say
the same name and unit.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

from ..tables.columns import axis_title, column

__all__ = ["PALETTE", "RAG", "SPEC_MIME", "enable_offline", "project_colors", "color_scale", "axis_title",
           "axis_format", "has_dates", "date_axis"]

#: Output MIME type carrying a chart's Vega-Lite spec beside its SVG (read by the HTML export of records).
SPEC_MIME = "application/vnd.pmo-analytics.vegalite+json"

#: Okabe-Ito colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: RAG colours that stay distinguishable for colour-blind readers (blue-ish green, amber, vermilion).
RAG = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00"}


@alt.theme.register("pmo", enable=False)
def _pmo_theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig({
        "config": {
            "font": "sans-serif",
            "title": {"fontSize": 18, "anchor": "start"},
            "axis": {"labelFontSize": 13, "titleFontSize": 14},
            "legend": {"labelFontSize": 13, "titleFontSize": 14},
            "range": {"category": PALETTE},
            "view": {"continuousWidth": 560, "continuousHeight": 320},
        }
    })


def _record_renderer(spec: dict, **metadata) -> dict:
    """Static SVG for JupyterLab (no network) plus the spec for the interactive HTML record."""
    from altair.vegalite.v6.display import svg_renderer

    bundle = svg_renderer(spec, **metadata)
    bundle = dict(bundle[0]) if isinstance(bundle, tuple) else dict(bundle)
    bundle[SPEC_MIME] = spec
    return bundle


alt.renderers.register("pmo", _record_renderer)


def enable_offline(renderer: str = "pmo") -> None:
    """Use the project theme and a renderer that needs no network.

    ``pmo`` (default) displays each chart as static SVG rendered by
    vl-convert — which an offline JupyterLab shows — and carries its
    Vega-Lite spec under :data:`SPEC_MIME`, so the HTML records draw it live
    with tooltips and zoom. ``svg`` and ``png`` give the static image only.
    """
    if renderer not in ("pmo", "svg", "png"):
        raise ValueError(f"renderer must be 'pmo', 'svg' or 'png' for offline use, got {renderer!r}")
    alt.theme.enable("pmo")
    alt.renderers.enable(renderer)
    alt.data_transformers.disable_max_rows()


def axis_format(name: str) -> str | None:
    """The d3 format of column ``name`` for an axis or tooltip (``,.3~s`` for money, ``.0%`` for shares)."""
    return column(name).d3_format


def date_axis(**kw) -> alt.Axis:
    """A calendar axis whose labels carry the year (``Nov 2027``): finish dates span year ends."""
    return alt.Axis(format="%b %Y", labelOverlap=True, **kw)


def has_dates(frame, *columns: str) -> bool:
    """True when every one of ``columns`` is in ``frame`` with at least one non-missing value."""
    return all(c in frame.columns and frame[c].notna().any() for c in columns)


def project_colors(project_ids: Iterable[str]) -> dict[str, str]:
    """A stable colour per project id (sorted ids cycle through :data:`PALETTE`)."""
    ids = sorted(set(map(str, project_ids)))
    return {pid: PALETTE[i % len(PALETTE)] for i, pid in enumerate(ids)}


def color_scale(values: Iterable[str]) -> alt.Scale:
    """An ``alt.Scale`` mapping each value to its :func:`project_colors` colour (same across charts)."""
    colors = project_colors(values)
    return alt.Scale(domain=list(colors), range=list(colors.values()))

