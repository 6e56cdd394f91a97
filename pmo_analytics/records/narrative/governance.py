"""Sentences of the governance page (06): approach, gates, escalations."""

from __future__ import annotations

import pandas as pd

__all__ = ["approach_sentences", "gate_sentences", "board_escalation_sentences"]


def approach_sentences(mismatches: pd.DataFrame, profile: pd.DataFrame) -> list[str]:
    """Approach fit: how many classified projects are run with a mismatching approach, and why each.

    ``mismatches`` holds the mismatching projects (``project_id``, ``name``, ``stage``, ``reason``);
    ``profile`` is ``GovernanceCheck.profile_`` (``classified`` [bool]).
    """
    first = (f"{len(mismatches)} of {int(profile['classified'].sum())} classified projects are run (or planned) with "
             f"an approach that does not match their profile; {int((~profile['classified']).sum())} project(s) are "
             "not classified yet.")
    return [first] + [f"{r.project_id} {r.name}: {r.reason}"
                      for r in mismatches[mismatches["stage"] != "proposal"].itertuples()]


def gate_sentences(by_project: pd.DataFrame, by_unit: pd.DataFrame) -> list[str]:
    """Stage-gate evidence: projects missing items [count] and the business unit with the lowest compliance.

    ``by_project`` has ``missing`` [count] per project; ``by_unit`` ``business_unit`` and ``compliance_rate``
    [share].
    """
    failing = int((by_project["missing"] > 0).sum())
    worst = by_unit.sort_values("compliance_rate").iloc[0]
    return [f"{failing} of {len(by_project)} projects miss at least one item their gate requires "
            f"({int(by_project['missing'].sum())} items in all).",
            f"Lowest compliance: {worst['business_unit']} at {worst['compliance_rate']:.0%} of assessed items."]


def board_escalation_sentences(escalations: pd.DataFrame) -> list[str]:
    """Who is escalated to the portfolio board, by whom (sponsor), since when and under which rules."""
    board = escalations[escalations["level"] == "portfolio board"]
    return [f"{r.project_id} {r.name} (sponsor {r.who})" + (f" since {r.since:%Y-%m-%d}" if r.since == r.since else "")
            + f": rules {r.rules}" for r in board.itertuples()]
