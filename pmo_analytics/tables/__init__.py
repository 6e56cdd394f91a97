"""Data model, readers and validation: where data enters pmo_analytics.

MS Project / Primavera schedules are read by :mod:`pmo_analytics.tables.msproject`
(optional ``msproject`` extra; Java is started only when a schedule is read).
"""

from .graph import find_cycle, parse_predecessors, split_list, topological_order
from .portfolio import Portfolio, load_sample, read_portfolio, sample_path, validate_path
from .readers import sha256_file
from .rules import Rules, read_rules, rules_path
from .settings import Settings, read_settings
from .sources import import_sources, merge_sources, read_sources
from .spec import REQUIRED_TABLES, TABLES, ColumnSpec, TableSpec, schema
from .template import column_docs, write_template

__all__ = [
    "Portfolio",
    "read_portfolio",
    "validate_path",
    "load_sample",
    "sample_path",
    "sha256_file",
    "TABLES",
    "REQUIRED_TABLES",
    "TableSpec",
    "ColumnSpec",
    "schema",
    "column_docs",
    "write_template",
    "find_cycle",
    "topological_order",
    "parse_predecessors",
    "split_list",
    "Settings",
    "read_settings",
    "Rules",
    "read_rules",
    "rules_path",
    "merge_sources",
    "read_sources",
    "import_sources",
]
