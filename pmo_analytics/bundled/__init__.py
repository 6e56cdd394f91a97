"""Files shipped with the package: the curated notebooks, the sample portfolio and the governance rules.

In the source repository they live where analysts look for them — ``notebooks/``,
``data/sample/`` and ``data/rules/`` — and ``setup.py`` maps them into the
package as ``pmo_analytics.bundled.notebooks``, ``.sample`` and ``.rules``, so
an installed ``pmo`` finds them outside a checkout (an editable install maps
them back to the repository folders).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_path"]

#: Bundled folder -> where it lives in the source repository.
_REPO = {"notebooks": "notebooks", "sample": "data/sample", "rules": "data/rules"}


def bundled_path(kind: str) -> Path:
    """Folder of the bundled ``notebooks``, ``sample`` portfolio or governance ``rules``.

    Raises
    ------
    ValueError
        for an unknown kind.
    """
    if kind not in _REPO:
        raise ValueError(f"unknown bundled folder {kind!r}; expected one of {list(_REPO)}")
    here = Path(__file__).resolve().parent
    for folder in (here / kind, here.parents[1] / _REPO[kind]):  # installed wheel, then source checkout
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"the bundled {kind} folder is missing from this installation of pmo_analytics "
                            f"(looked in {here / kind}); reinstall the package")
