"""Packaging glue that pyproject.toml cannot express: the curated notebooks, the sample portfolio and the
governance rules live at the top of the repository (where analysts find them) and ship inside the package
as ``pmo_analytics.bundled.*`` so that an installed ``pmo`` works outside a source checkout."""
from setuptools import find_packages, setup

BUNDLED = {
    "pmo_analytics.bundled.notebooks": "notebooks",
    "pmo_analytics.bundled.sample": "data/sample",
    "pmo_analytics.bundled.rules": "data/rules",
}

setup(
    packages=find_packages(include=["pmo_analytics", "pmo_analytics.*"]) + list(BUNDLED),
    package_dir=dict(BUNDLED),
    package_data={"pmo_analytics.bundled.notebooks": ["*.ipynb"], "pmo_analytics.bundled.sample": ["*.csv"],
                  "pmo_analytics.bundled.rules": ["*.csv"]},
)
