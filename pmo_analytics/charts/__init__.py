"""Charts: every function takes a result frame and returns an ``alt.Chart``.

No chart is displayed or saved here. Altair is imported only in this package.
Area modules (``charts.intake``, ``charts.selection``, ``charts.risk``,
``charts.monitor``, ``charts.benefits``) hold the chart functions; this module
holds the shared look: a colour-blind-safe palette (Okabe & Ito, 2008),
consistent project colours across charts, a projector-readable theme, and
:func:`enable_offline`, which renders charts as inline SVG so they show in an
offline JupyterLab and in self-contained HTML records (no CDN).
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

__all__ = ["PALETTE", "enable_offline", "project_colors", "color_scale"]

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


def enable_offline(renderer: str = "svg") -> None:
    """Use the project theme and a renderer that needs no network.

    ``svg`` (default) embeds each chart as static SVG (rendered by
    vl-convert), which displays in an offline JupyterLab and in the HTML
    records. ``png`` works the same way.
    """
    if renderer not in ("svg", "png"):
        raise ValueError(f"renderer must be 'svg' or 'png' for offline use, got {renderer!r}")
    alt.theme.enable("pmo")
    alt.renderers.enable(renderer)
    alt.data_transformers.disable_max_rows()


def project_colors(project_ids: Iterable[str]) -> dict[str, str]:
    """A stable colour per project id (sorted ids cycle through :data:`PALETTE`)."""
    ids = sorted(set(map(str, project_ids)))
    return {pid: PALETTE[i % len(PALETTE)] for i, pid in enumerate(ids)}


def color_scale(values: Iterable[str]) -> alt.Scale:
    """An ``alt.Scale`` mapping each value to its :func:`project_colors` colour (same across charts)."""
    colors = project_colors(values)
    return alt.Scale(domain=list(colors), range=list(colors.values()))

