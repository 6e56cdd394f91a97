"""Replaying recorded decisions, and recording a decision on an executed review.

:func:`replay` re-runs a decision's scenario from its stored parameters, says
whether every number reproduces, and — if the data changed since — which files
changed and which numbers moved. A review scenario re-executes only the
package's own notebooks, named in the entry (a decision file never selects
code by path); a what-if re-solves the portfolio.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import RecordError
from .decisions import Decision, data_identity, load_decision, record_decision, register_scenario, run_scenario
from .integrity import check_register

__all__ = ["replay", "ReplayResult", "decision_from_record", "anchor_reports_index", "RENAMED", "WORDING",
           "comparable"]

#: Published names renamed since records were first written (issue 31: every name says the confidence level it
#: was computed at, one meaning per name): published key -> {old column: new column}; ``{c}`` is the record's
#: confidence level. A decision recorded under the old names replays against the new ones.
RENAMED = {
    "risk.table": {"pc_finish": "p{c}_finish", "pc_cost": "p{c}_cost", "jcl": "joint_p{c}"},
    # records at a level other than 80 published that level's values under p80 names
    "risk.exposure": {"p80_days_late": "p{c}_days_late"},
    "results.risk_by_project": {"p80_finish": "p{c}_finish", "p80_days_late": "p{c}_days_late",
                                "p80_cost": "p{c}_cost"},
    "uncertainty.spend": {"plan": "plan_spend", "mean": "mean_spend", "p50": "p50_spend", "p80": "p80_spend",
                          "p95": "p95_spend"},
}
#: Columns of published tables that are sentences generated from numbers published beside them (the rule that
#: fired, why a project is in or out): their wording is not a number, and a replay does not compare it.
WORDING = ("reasons", "why", "explanation", "rag_rule")


@dataclass
class ReplayResult:
    """Outcome of :func:`replay`.

    ``ok`` holds only when the numbers reproduce *and* the register passes
    verification: a replay cannot vouch for an entry of a register that was
    tampered with, whatever its numbers say.
    """

    decision_id: str
    reproduced: bool
    data_changed: dict
    differences: list
    numbers: dict
    register_problems: list
    added: list = None

    @property
    def verified(self) -> bool:
        """The register (chain, head, anchors, signatures) passed verification."""
        return not self.register_problems

    @property
    def ok(self) -> bool:
        return self.reproduced and self.verified

    def __str__(self) -> str:
        lines = [f"{self.decision_id}: numbers {'reproduce' if self.reproduced else 'DO NOT reproduce'}"]
        if not self.verified:
            lines[0] += (f", but the register FAILS verification ({len(self.register_problems)} problem(s)): "
                         "this replay cannot vouch for the entry")
        if any(self.data_changed.values()):
            for what, files in self.data_changed.items():
                if files:
                    lines.append(f"  data {what} since the decision: {', '.join(files)}")
        else:
            lines.append("  input data unchanged (all SHA-256 match)")
        lines += [f"  {d}" for d in self.differences[:50]]
        if len(self.differences) > 50:
            lines.append(f"  ... and {len(self.differences) - 50} more differences")
        if self.added:
            lines.append(f"  published now but not recorded then (not compared): {', '.join(self.added[:10])}"
                         + (" ..." if len(self.added) > 10 else ""))
        lines += [f"  register: {p}" for p in self.register_problems[:50]]
        if len(self.register_problems) > 50:
            lines.append(f"  register: ... and {len(self.register_problems) - 50} more problems")
        return "\n".join(lines)


def _diff(a, b, path="", added: list | None = None) -> list[str]:
    """Where ``b`` (now) differs from ``a`` (recorded): every recorded value must be reproduced; a value published
    now that was not recorded is listed in ``added`` (when given) rather than counted as a difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                if added is not None:
                    added.append(f"{path}{k}")
                else:
                    out.append(f"{path}{k}: new value {json.dumps(b[k])[:80]}")
            elif k not in b:
                out.append(f"{path}{k}: no longer computed")
            else:
                out += _diff(a[k], b[k], f"{path}{k}.", added)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}].", added)]
    if isinstance(a, float) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
        return []
    if a != b:
        return [f"{path.rstrip('.')}: recorded {json.dumps(a)[:80]}, now {json.dumps(b)[:80]}"]
    return []


def _renamed_table(value: dict, renames: dict, level: float) -> dict:
    cols = [renames.get(c, c).replace("{c}", f"{float(level):g}") for c in value["columns"]]
    return {**value, "columns": cols}


def _without_wording(value: dict) -> dict:
    keep = [i for i, c in enumerate(value["columns"]) if c not in WORDING]
    if len(keep) == len(value["columns"]):
        return value
    return {**value, "columns": [value["columns"][i] for i in keep],
            "data": [[row[i] for i in keep] for row in value.get("data") or []]}


def _decision_numbers(d) -> dict:
    """A page's decision box as the numbers it states, by label: its wording (headline, ask, options, rests on,
    evidence, units, formatted text) is not compared by a replay; the numbers behind it are."""
    if not isinstance(d, dict):
        return d
    return {str(k.get("label")): k.get("value") for k in d.get("key_numbers") or [] if isinstance(k, dict)}


def comparable(numbers: dict, confidence: float = 80.0) -> dict:
    """``numbers.json`` in the form a replay compares: renamed columns under their current names
    (:data:`RENAMED`, at the record's ``confidence``), wording columns (:data:`WORDING`) and the decision boxes'
    words left out."""
    out = {}
    for page, nums in numbers.items():
        if not isinstance(nums, dict):
            out[page] = nums
            continue
        page_out = {}
        for name, value in nums.items():
            if name == "page.decision":
                page_out[name] = _decision_numbers(value)
                continue
            if isinstance(value, dict) and {"columns", "data"} <= set(value):
                if name in RENAMED:
                    value = _renamed_table(value, RENAMED[name], confidence)
                value = _without_wording(value)
            page_out[name] = value
        out[page] = page_out
    return out


def _decisions_reproduce(recorded: dict, now: dict) -> list[str]:
    """Every key number a recorded decision box stated is stated again (its label may have been reworded: then the
    same value must appear under another label)."""
    out = []
    for page, nums in recorded.items():
        d_then = (nums or {}).get("page.decision") if isinstance(nums, dict) else None
        if not isinstance(d_then, dict):
            continue
        d_now = ((now.get(page) or {}).get("page.decision")) or {}
        values_now = list(d_now.values())
        for label, v in d_then.items():
            if label in d_now and not _diff(v, d_now[label]):
                continue
            if any(not _diff(v, w) for w in values_now):
                continue
            out.append(f"{page}.page.decision.{label}: recorded {json.dumps(v)[:80]}, "
                       f"now {json.dumps(d_now.get(label))[:80]}")
    return out


def _without_sources(numbers: dict) -> dict:
    """Numbers minus where the data were read from (a replay may read the same bytes elsewhere)."""
    out = {}
    for page, nums in numbers.items():
        if isinstance(nums, dict) and isinstance(nums.get("review.identity"), dict):
            nums = {**nums, "review.identity": {k: v for k, v in nums["review.identity"].items() if k != "source"}}
        out[page] = nums
    return out


def replay(decision_id: str, folder="decisions", data_path=None, progress: bool | Callable[[str], None] = False, *,
           reports=None, expect=None, key="auto") -> ReplayResult:
    """Re-run a decision's scenario and say whether its numbers reproduce, and what data changed.

    ``data_path`` defaults to the path recorded with the decision. The
    register is verified first (bounded: the files present), against the
    anchors under ``reports``, a head ``expect``-ed and the key (see
    :func:`~pmo_analytics.records.integrity.check_register`); its problems are
    in ``register_problems`` and make ``ok`` False.
    """
    entry = load_decision(decision_id, folder)
    # the whole chain: an edit anywhere is named (a re-chained edit before this entry changes its anchors too)
    problems = [str(p) for p in check_register(folder, key=key, reports=reports, expect=expect).problems]
    path = data_path or entry.data["path"]
    if not Path(path).exists():
        raise RecordError(f"the data of {decision_id} are no longer at {path}; replay on a copy with --data")
    now = data_identity(path)["files"]
    then = entry.data.get("files", {})
    changed = {"changed": sorted(f for f in then if f in now and now[f] != then[f]),
               "added": sorted(set(now) - set(then)), "removed": sorted(set(then) - set(now))}
    params = dict(entry.scenario.get("parameters", {}))
    if entry.scenario.get("kind") == "review":
        params["_progress"] = progress
    numbers = run_scenario({"kind": entry.scenario.get("kind"), "parameters": params}, path)
    recorded = entry.numbers
    added: list[str] = []
    if entry.scenario.get("kind") == "review":
        level = float((params.get("policy") or {}).get("confidence", 80.0) or 80.0)
        then, now = comparable(_without_sources(recorded), level), comparable(_without_sources(numbers), level)
        boxes = _decisions_reproduce(then, now)
        strip = lambda nums: {p: {k: v for k, v in (n or {}).items() if k != "page.decision"}  # noqa: E731
                              if isinstance(n, dict) else n for p, n in nums.items()}
        diffs = boxes + _diff(strip(then), strip(now), added=added)
    else:
        diffs = _diff(recorded, numbers)
    return ReplayResult(decision_id, not diffs, changed, diffs, numbers, problems, added)


@register_scenario("selection.what_if")
def _what_if_scenario(pf, review_policy=None, **parameters) -> dict:
    """Re-solve a workshop what-if (see :func:`pmo_analytics.selection.whatif.scenario_numbers`).

    A what-if that started from a review's recommendation carries the review's
    policy: the instance is rebuilt as the review built it (same costs and
    scores) before the levers are pulled again.
    """
    from ..selection.whatif import scenario_numbers

    if review_policy is None:
        return scenario_numbers(pf, **parameters)
    from ..review import PortfolioReview, ReviewPolicy

    if not isinstance(review_policy, dict):
        raise RecordError("a what-if's review_policy must be a mapping of policy settings")
    data = PortfolioReview(ReviewPolicy(**review_policy)).fit(pf, lazy=True).selection_.data_
    return scenario_numbers(data, **parameters)


def _review_scenario(data_path, notebooks=None, policy=None, page_parameters=None, _progress=False, **legacy) -> dict:
    """Re-execute the recorded pages (curated notebooks, by name) in a scratch folder; return their numbers."""
    from .notebooks import resolve_notebooks
    from .record import DecisionRecord

    if legacy:
        raise RecordError(f"unknown review scenario parameter(s) {sorted(legacy)}")
    if notebooks is not None and (not isinstance(notebooks, list) or not all(isinstance(n, str) for n in notebooks)):
        raise RecordError("a review scenario names its notebooks as a list of names")
    nbs = resolve_notebooks(notebooks) if notebooks else None  # names of the package's own notebooks only
    params = {**(policy or {}), **(page_parameters or {})}
    with tempfile.TemporaryDirectory(prefix="pmo-replay-") as tmp:
        record = DecisionRecord(data=data_path, out=tmp, parameters=params,
                                notebooks=[p.stem for p in nbs] if nbs else None, progress=_progress,
                                decisions=None).run()
        return record.numbers_


_review_scenario.takes_path = True
register_scenario("review")(_review_scenario)


def decision_from_record(record, decision: str, decided_by: str, *, folder="decisions", options=None,
                         supersedes=None, notes="", force: bool = False, key="auto") -> Decision:
    """Record a decision supported by an executed review record (``reports/<run-id>``).

    The scenario is the review itself (its pages by name, its policy and page
    parameters), the numbers are the record's ``numbers.json``; the record's
    data must still match its manifest's fingerprint (otherwise the numbers
    would not be what the data now say). Works for records of merged sources
    and schedule files: their data travel inside the record.

    The register is first checked against the anchors of the record's
    reports folder (a register that fails is refused unless ``force``), and
    that folder's ``index.html`` is then rewritten with the new head: an
    anchor of this decision outside the register.
    """
    record = Path(record)
    try:
        manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
        numbers = json.loads((record / "numbers.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RecordError(f"{record} is not a complete review record: {exc}") from exc
    if manifest.get("status") != "complete":
        raise RecordError(f"{record} is a failed review; a decision needs a complete record")
    data = manifest.get("data", {})
    if not Path(data.get("path", "")).exists():
        raise RecordError(f"the data of {record.name} are no longer at {data.get('path')}")
    now = data_identity(data["path"])
    if now["fingerprint"] != data.get("fingerprint"):
        changed = sorted(f for f in set(now["files"]) | set(data.get("files", {}))
                         if now["files"].get(f) != data.get("files", {}).get(f))
        raise RecordError(f"the data changed since {record.name} was computed ({', '.join(changed)}); "
                          "run a new review first")
    policy = manifest.get("policy", {})
    page_params = {k: v for k, v in manifest.get("parameters", {}).items() if k not in policy}
    scenario = {"kind": "review",
                "parameters": {"notebooks": [Path(n["notebook"]).stem for n in manifest["notebooks"]],
                               "policy": policy, "page_parameters": page_params}}
    entry = record_decision(decision, decided_by, folder=folder, options=options, scenario=scenario,
                            numbers=numbers, data={"path": data["path"], "fingerprint": data["fingerprint"],
                                                   "files": data["files"]},
                            record=str(record), supersedes=supersedes, notes=notes, force=force,
                            reports=record.parent, key=key)
    anchor_reports_index(record.parent, folder)
    return entry


def anchor_reports_index(reports, folder) -> bool:
    """Rewrite ``reports/index.html`` with the register's current head (an anchor); False when it could not be.

    The page is derived (records and decisions are the truth), so a failure
    here is reported as a warning, never as a failed decision.
    """
    import warnings

    from ..exceptions import DataWarning
    from .html import render_reports_index
    from .integrity import register_head
    from .manifest import write_text_atomic
    from .record import decision_rows

    reports = Path(reports)
    try:
        write_text_atomic(reports / "index.html", render_reports_index(reports, decision_rows(folder, reports),
                                                                        head=register_head(folder)))
        return True
    except OSError as exc:
        warnings.warn(f"{reports / 'index.html'} could not be rewritten with the register's head ({exc}); the "
                      "decision is recorded", DataWarning, stacklevel=2)
        return False
