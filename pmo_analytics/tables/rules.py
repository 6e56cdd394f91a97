"""Governance rules tables: editable data, not code.

Three tables, shipped in ``data/rules/`` with a rationale and a source on
every row, and read (and validated) like portfolio data:

``approach_rules``
    NTCP profile → recommended management approach. Each rule says: when
    ``dimension`` is one of ``levels`` (``*`` = always), recommend ``value``
    for ``attribute``; for each attribute the matching rule with the highest
    ``priority`` wins (ties: the first in the file).
``gate_checklist``
    Which evidence each stage gate requires, and for which project stages.
``escalation_rules``
    When a signal (CPI, SPI(t), P80 finish beyond the commitment, JCL below
    target, missing gate evidence, ...) crosses a threshold, escalate to a level.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exceptions import DataValidationError, Problem
from .checks import schema_problems
from .graph import split_list
from .readers import read_raw_tables
from .spec import ColumnSpec, NTCP_LEVELS, TableSpec, ID_PATTERN

__all__ = ["RULE_TABLES", "EVIDENCE_CHECKS", "SIGNALS", "LEVELS", "Rules", "read_rules", "rules_path"]

#: Evidence checks a gate item may use (implemented in pmo_analytics.governance.gates).
EVIDENCE_CHECKS = ("sponsor_named", "business_case", "ntcp_classified", "risk_register", "risk_owners",
                   "baseline_schedule", "schedule_healthy", "evm_current", "committed_finish", "benefits_owner",
                   "benefits_measured", "support_recorded")
#: Signals an escalation rule may test (computed in pmo_analytics.governance.escalation).
SIGNALS = ("cpi", "spi", "spi_t", "tcpi", "p80_days_late", "jcl", "jcl_shortfall", "gate_items_missing",
           "approach_mismatch")
#: Escalation levels, lowest first.
LEVELS = ("project board", "PMO", "portfolio board")
GATES = ("inception", "authorised", "executing", "closing", "benefits")
ATTRIBUTES = ("delivery", "formality", "contingency", "cadence")

_RATIONALE = ColumnSpec("rationale", "str", "Why the rule exists.")
_SOURCE = ColumnSpec("source", "str", "Where the rule comes from (standard, book, policy).")

RULE_TABLES: dict[str, TableSpec] = {
    "approach_rules": TableSpec(
        "approach_rules", "NTCP profile -> recommended management approach.", required=True,
        columns=(
            ColumnSpec("rule_id", "str", "Rule id.", pattern=ID_PATTERN, unique=True),
            ColumnSpec("dimension", "str", "NTCP dimension tested, or * for a default.",
                       allowed=(*NTCP_LEVELS, "*")),
            ColumnSpec("levels", "str", "Levels of the dimension that trigger the rule, separated by ';' "
                       "(* for a default).", ),
            ColumnSpec("attribute", "str", "Approach attribute set by the rule.", allowed=ATTRIBUTES),
            ColumnSpec("value", "str", "Recommended value."),
            ColumnSpec("priority", "int", "Higher wins when several rules set the attribute.", ge=0),
            _RATIONALE, _SOURCE,
        )),
    "gate_checklist": TableSpec(
        "gate_checklist", "Evidence each stage gate requires.", required=True,
        unique_together=("gate", "item"),
        columns=(
            ColumnSpec("gate", "str", "Stage gate.", allowed=GATES),
            ColumnSpec("item", "str", "Checklist item id.", pattern=ID_PATTERN),
            ColumnSpec("description", "str", "What the gate asks for."),
            ColumnSpec("check", "str", "Evidence check run on the portfolio.", allowed=EVIDENCE_CHECKS),
            ColumnSpec("stages", "str", "Project stages the item applies to, separated by ';'."),
            _RATIONALE, _SOURCE,
        )),
    "escalation_rules": TableSpec(
        "escalation_rules", "Signals and thresholds that escalate a project.", required=True,
        columns=(
            ColumnSpec("rule_id", "str", "Rule id.", pattern=ID_PATTERN, unique=True),
            ColumnSpec("signal", "str", "Signal tested.", allowed=SIGNALS),
            ColumnSpec("operator", "str", "Comparison.", allowed=("<", "<=", ">", ">=")),
            ColumnSpec("threshold", "float", "Threshold the signal is compared with."),
            ColumnSpec("level", "str", "Escalation level when the rule fires.", allowed=LEVELS),
            _RATIONALE, _SOURCE,
        )),
}


@dataclass
class Rules:
    """The three governance rules tables, validated."""

    approach_rules: pd.DataFrame
    gate_checklist: pd.DataFrame
    escalation_rules: pd.DataFrame
    source: Path
    hashes: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Rules({self.source.name!r}: {len(self.approach_rules)} approach rules, "
                f"{len(self.gate_checklist)} gate items, {len(self.escalation_rules)} escalation rules)")


def rules_path() -> Path:
    """Folder of the shipped rules (``data/rules`` in the repository, bundled with the package)."""
    from ..bundled import bundled_path

    return bundled_path("rules")


def read_rules(path: str | os.PathLike | None = None) -> Rules:
    """Read and validate the governance rules (folder of CSVs or ``.xlsx``); None = the shipped rules.

    Raises
    ------
    DataValidationError
        naming file, row and column of every problem (unknown dimension level,
        unknown evidence check or signal, ...).
    """
    path = Path(path) if path is not None else rules_path()
    frames, sources, hashes, problems = read_raw_tables(path, RULE_TABLES)
    for name, df in frames.items():
        problems += schema_problems(name, df, sources[name], RULE_TABLES[name])
    ar = frames.get("approach_rules")
    if ar is not None and {"dimension", "levels"} <= set(ar.columns):
        for i, dim, levels in ar[["dimension", "levels"]].itertuples():
            items = split_list(levels)
            if dim == "*" or dim not in NTCP_LEVELS:
                if dim == "*" and items != ["*"]:
                    problems.append(Problem("approach_rules", sources["approach_rules"], i + 2, "levels",
                                            "a default rule (dimension *) must have levels *"))
                continue
            bad = [lv for lv in items if lv not in NTCP_LEVELS[dim]]
            if bad or not items:
                problems.append(Problem("approach_rules", sources["approach_rules"], i + 2, "levels",
                                        f"unknown {dim} level(s) {bad or items}: expected "
                                        f"{', '.join(NTCP_LEVELS[dim])}"))
    gc = frames.get("gate_checklist")
    if gc is not None and "stages" in gc.columns:
        for i, stages in gc["stages"].items():
            bad = [s for s in split_list(stages) if s not in ("proposal", "active", "closed")]
            if bad or not split_list(stages):
                problems.append(Problem("gate_checklist", sources["gate_checklist"], i + 2, "stages",
                                        f"unknown stage(s) {bad}: expected proposal, active, closed"))
    if problems:
        raise DataValidationError(problems, header=f"invalid governance rules in {path.name}")
    for df in frames.values():
        df.attrs.pop("reported", None)
    return Rules(frames["approach_rules"].reset_index(drop=True), frames["gate_checklist"].reset_index(drop=True),
                 frames["escalation_rules"].reset_index(drop=True), path, hashes)
