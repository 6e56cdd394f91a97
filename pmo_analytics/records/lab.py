"""Executed notebooks that open well in JupyterLab: charts drawn as charts, published numbers kept out of sight,
the notebook signed (trusted).

``pmo review`` passes every executed page through :func:`open_well` before it writes the ``.ipynb`` of the
record:

* **Charts.** Each chart the kernel rendered carries its static SVG and its Vega-Lite spec under the package's
  own MIME type (:data:`pmo_analytics.charts.SPEC_MIME`, read by the HTML export), which JupyterLab does not
  know. The standard Vega-Lite bundle :data:`VEGALITE_V5` is added beside them, so JupyterLab draws the chart
  live (its Vega 5 renderer: tooltips), with the SVG as the fallback any other front end shows. The spec is the
  one Altair wrote (Vega-Lite 6); it is added under the v5 type, its ``$schema`` set to v5, only when it
  compiles with Vega-Lite :data:`CHECKED_VL` (the oldest Vega-Lite 5 that vl-convert ships; JupyterLab 4.6 draws
  with 5.6), else the chart keeps its SVG alone.
* **Published numbers.** :func:`~pmo_analytics.records.publish.publish` outputs carry only their own MIME type
  (no ``text/plain``): JupyterLab renders nothing for them, the record reads them.
* **Trust.** :func:`sign` signs the notebook with the user's Jupyter secret
  (:class:`nbformat.sign.NotebookNotary`, the same store ``jupyter trust`` writes), so JupyterLab opens it
  trusted: SVG and HTML outputs are shown, not their text fallback. ``data_dir`` points the notary at another
  Jupyter data folder (tests use a temporary one; ``JUPYTER_DATA_DIR`` does the same for a whole process).
"""

from __future__ import annotations

import copy
import json

from .publish import MIME

__all__ = ["VEGALITE_V5", "CHECKED_VL", "open_well", "sign", "is_trusted"]

#: The Vega-Lite MIME type JupyterLab 4 renders (``@jupyterlab/vega5-extension``).
VEGALITE_V5 = "application/vnd.vegalite.v5+json"
_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: The Vega-Lite version a spec must compile with before it is offered to JupyterLab as v5.
CHECKED_VL = "5.8"


def _compiles_as_v5(spec: dict) -> bool:
    try:
        import vl_convert as vlc

        vlc.vegalite_to_vega(spec, vl_version=CHECKED_VL)
        return True
    except Exception:  # a feature Vega-Lite 5 lacks, or no vl-convert: the SVG stays the chart
        return False


def open_well(nb) -> tuple[object, dict]:
    """A copy of executed notebook ``nb`` whose charts JupyterLab draws and whose published numbers it hides.

    Returns
    -------
    (NotebookNode, dict)
        The notebook and what changed: ``{"charts": n, "charts_v5": n, "published": n}``.
    """
    from ..charts import SPEC_MIME

    nb = copy.deepcopy(nb)
    counts = {"charts": 0, "charts_v5": 0, "published": 0}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not isinstance(data, dict):
                continue
            if MIME in data:
                data.pop("text/plain", None)
                counts["published"] += 1
            if SPEC_MIME in data:
                counts["charts"] += 1
                spec = data[SPEC_MIME]
                if isinstance(spec, str):
                    spec = json.loads(spec)
                v5 = {**spec, "$schema": _V5_SCHEMA}
                if _compiles_as_v5(v5):
                    data[VEGALITE_V5] = v5
                    counts["charts_v5"] += 1
    return nb, counts


def _notary(data_dir=None):
    """The notary of ``data_dir`` (default: the user's Jupyter data folder, created as Jupyter creates it)."""
    from pathlib import Path

    from jupyter_core.paths import jupyter_data_dir
    from nbformat.sign import NotebookNotary

    folder = Path(data_dir if data_dir is not None else jupyter_data_dir())
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return NotebookNotary(data_dir=str(folder))


def sign(nb, data_dir=None) -> None:
    """Sign ``nb`` (in place, in the notary's store) so that Jupyter opens it trusted.

    Call it on the notebook exactly as it will be written: any later change breaks the signature.
    """
    notary = _notary(data_dir)
    try:
        notary.sign(nb)
    finally:
        notary.store.close()


def is_trusted(nb, data_dir=None) -> bool:
    """Whether Jupyter (with the secret and store under ``data_dir``) opens ``nb`` trusted."""
    notary = _notary(data_dir)
    try:
        return bool(notary.check_signature(nb))
    finally:
        notary.store.close()
