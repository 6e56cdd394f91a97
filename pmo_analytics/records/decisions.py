"""The decision register: append-only, one file per decision, replayable.

A decision made in a portfolio review is recorded as a structured entry —
date, the decision in words, the options considered, the scenario and its
parameters, the numbers that supported it, the SHA-256 of the input data,
who decided, and a link to the executed record. Entries are written once and
never altered: a correction is a new entry that ``supersedes`` an old one.

Layout of ``decisions/``::

    D-0001.json, D-0002.json, ...   one immutable file per decision
    index.json                      derived summary, newest first (rebuilt under the lock)
    .lock                           advisory lock serialising writers (fcntl.flock)

Ids are allocated under an exclusive lock and each file is created with
``O_EXCL`` semantics (hard link of a fully written temporary file), so two
processes deciding at the same time never lose or corrupt an entry.

Replay
------
Each entry stores a *scenario*: ``{"kind": ..., "parameters": ...}``. A kind
names a registered computation (:func:`register_scenario`) that maps a
validated Portfolio and the parameters to the numbers the decision relied
on. :func:`replay` re-reads the data, says which input files changed since
the decision (hash by hash), re-runs the computation and compares the
numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import RecordError
from ..tables import read_portfolio, sample_path
from .manifest import utc_now, write_json_atomic
from .publish import to_jsonable

__all__ = ["Decision", "record_decision", "decision_from_record", "list_decisions", "load_decision", "replay", "ReplayResult",
           "register_scenario", "SCENARIOS", "DECISION_ID"]

DECISION_ID = re.compile(r"^D-\d{4,}$")

#: Registered scenario kinds: name -> function(portfolio, **parameters) -> dict of numbers.
SCENARIOS: dict[str, Callable] = {}


def register_scenario(kind: str):
    """Decorator: make a computation replayable under ``kind``."""

    def deco(fn):
        SCENARIOS[kind] = fn
        return fn

    return deco


@dataclass(frozen=True)
class Decision:
    """One entry of the register (immutable)."""

    decision_id: str
    date: str
    decision: str
    decided_by: str
    options: list
    scenario: dict
    numbers: dict
    data: dict
    record: str | None = None
    supersedes: str | None = None
    notes: str = ""
    created: str = field(default_factory=utc_now)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@contextlib.contextmanager
def _locked(folder: Path):
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _entries(folder: Path) -> list[dict]:
    out = []
    for f in sorted(folder.glob("D-*.json")):
        if DECISION_ID.match(f.stem):
            out.append(json.loads(f.read_text(encoding="utf-8")))
    return out


def _write_index(folder: Path, entries: list[dict]) -> None:
    superseded = {e["supersedes"]: e["decision_id"] for e in entries if e.get("supersedes")}
    index = [{"decision_id": e["decision_id"], "date": e["date"], "decision": e["decision"],
              "decided_by": e["decided_by"], "record": e.get("record"), "supersedes": e.get("supersedes"),
              "superseded_by": superseded.get(e["decision_id"]), "scenario": e["scenario"].get("kind")}
             for e in sorted(entries, key=lambda e: (e["created"], e["decision_id"]), reverse=True)]
    write_json_atomic(folder / "index.json", index)


def _create_exclusive(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)  # fails if the file exists: an entry is never replaced
    finally:
        os.unlink(tmp)


def _data_fingerprint(data_path) -> dict:
    path = Path(data_path).resolve() if data_path is not None else sample_path().resolve()
    pf = read_portfolio(path)
    return {"path": str(path), "files": dict(pf.hashes)}


def record_decision(decision: str, decided_by: str, *, folder="decisions", options=None, scenario=None,
                    numbers=None, data_path=None, record=None, supersedes=None, notes="",
                    date: str | None = None) -> Decision:
    """Append a decision to the register and return it.

    Parameters
    ----------
    decision : str
        The decision in words, e.g. ``"fund P-017, P-023; defer P-031"``.
    decided_by : str
        Who decided (the board, a named chair).
    folder : path
        The register folder (``decisions/``).
    options : list, optional
        Options considered (names or short descriptions).
    scenario : dict, optional
        ``{"kind": <registered kind>, "parameters": {...}}``; needed for replay.
    numbers : dict, optional
        The numbers that supported the decision. When omitted and ``scenario``
        is given, they are computed by running the scenario now.
    data_path : path, optional
        The portfolio the decision was made on (None = sample); its file hashes are stored.
    record : str, optional
        Path of the executed record (``reports/<run-id>``).
    supersedes : str, optional
        Id of an earlier decision this one corrects; it must exist.
    """
    folder = Path(folder)
    if not decision or not decision.strip():
        raise RecordError("a decision needs its text")
    if not decided_by or not decided_by.strip():
        raise RecordError("a decision needs who decided (decided_by)")
    scenario = dict(scenario or {"kind": None, "parameters": {}})
    scenario.setdefault("parameters", {})
    if scenario.get("kind") is not None and scenario["kind"] not in SCENARIOS:
        raise RecordError(f"unknown scenario kind {scenario['kind']!r}; known: {sorted(SCENARIOS)}")
    data = _data_fingerprint(data_path)
    if numbers is None and scenario.get("kind"):
        numbers = run_scenario(scenario, data["path"])
    numbers = to_jsonable(numbers or {})
    date = date or dt.date.today().isoformat()
    with _locked(folder):
        entries = _entries(folder)
        ids = {e["decision_id"] for e in entries}
        if supersedes is not None and supersedes not in ids:
            raise RecordError(f"cannot supersede {supersedes!r}: no such decision in {folder}")
        seq = max((int(i[2:]) for i in ids), default=0) + 1
        entry = Decision(decision_id=f"D-{seq:04d}", date=date, decision=decision.strip(),
                         decided_by=decided_by.strip(), options=list(options or []), scenario=scenario,
                         numbers=numbers, data=data, record=str(record) if record else None,
                         supersedes=supersedes, notes=notes)
        _create_exclusive(folder / f"{entry.decision_id}.json",
                          json.dumps(entry.to_dict(), indent=2, sort_keys=True) + "\n")
        _write_index(folder, entries + [entry.to_dict()])
    return entry


def list_decisions(folder="decisions"):
    """The register as a DataFrame, newest first, with ``superseded_by`` filled in."""
    import pandas as pd

    folder = Path(folder)
    entries = _entries(folder) if folder.is_dir() else []
    superseded = {e["supersedes"]: e["decision_id"] for e in entries if e.get("supersedes")}
    rows = [{"decision_id": e["decision_id"], "date": e["date"], "decision": e["decision"],
             "decided_by": e["decided_by"], "supersedes": e.get("supersedes"),
             "superseded_by": superseded.get(e["decision_id"]), "record": e.get("record"),
             "created": e["created"]} for e in entries]
    cols = ["decision_id", "date", "decision", "decided_by", "supersedes", "superseded_by", "record", "created"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["created", "decision_id"], ascending=False).reset_index(drop=True)


def load_decision(decision_id: str, folder="decisions") -> Decision:
    """One entry by id."""
    if not DECISION_ID.match(str(decision_id)):
        raise RecordError(f"invalid decision id {decision_id!r} (expected D-0001 style)")
    path = Path(folder) / f"{decision_id}.json"
    if not path.is_file():
        raise RecordError(f"no decision {decision_id} in {folder}")
    return Decision(**json.loads(path.read_text(encoding="utf-8")))


def run_scenario(scenario: dict, data_path) -> dict:
    """Run a registered scenario on the portfolio at ``data_path`` and return its numbers."""
    kind = scenario.get("kind")
    if kind not in SCENARIOS:
        raise RecordError(f"scenario kind {kind!r} is not replayable; known: {sorted(SCENARIOS)}")
    pf = read_portfolio(data_path)
    return to_jsonable(SCENARIOS[kind](pf, **scenario.get("parameters", {})))


@dataclass
class ReplayResult:
    """Outcome of :func:`replay`."""

    decision_id: str
    reproduced: bool
    data_changed: dict
    differences: list
    numbers: dict

    def __str__(self) -> str:
        lines = [f"{self.decision_id}: numbers {'reproduce' if self.reproduced else 'DO NOT reproduce'}"]
        if any(self.data_changed.values()):
            for what, files in self.data_changed.items():
                if files:
                    lines.append(f"  data {what} since the decision: {', '.join(files)}")
        else:
            lines.append("  input data unchanged (all SHA-256 match)")
        lines += [f"  {d}" for d in self.differences[:50]]
        return "\n".join(lines)


def _diff(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{path}{k}: new value {json.dumps(b[k])[:80]}")
            elif k not in b:
                out.append(f"{path}{k}: no longer computed")
            else:
                out += _diff(a[k], b[k], f"{path}{k}.")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}].")]
    if isinstance(a, float) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
        return []
    if a != b:
        return [f"{path.rstrip('.')}: recorded {json.dumps(a)[:80]}, now {json.dumps(b)[:80]}"]
    return []


def replay(decision_id: str, folder="decisions", data_path=None) -> ReplayResult:
    """Re-run a decision's scenario and say whether its numbers reproduce, and what data changed.

    ``data_path`` defaults to the path recorded with the decision.
    """
    entry = load_decision(decision_id, folder)
    path = data_path or entry.data["path"]
    now = _data_fingerprint(path)["files"]
    then = entry.data["files"]
    changed = {"changed": sorted(f for f in then if f in now and now[f] != then[f]),
               "added": sorted(set(now) - set(then)), "removed": sorted(set(then) - set(now))}
    numbers = run_scenario(entry.scenario, path)
    diffs = _diff(entry.numbers, numbers)
    return ReplayResult(decision_id, not diffs, changed, diffs, numbers)


@register_scenario("selection.what_if")
def _what_if_scenario(pf, **parameters) -> dict:
    """Re-solve a workshop what-if (see :func:`pmo_analytics.selection.whatif.scenario_numbers`)."""
    from ..selection.whatif import scenario_numbers

    return scenario_numbers(pf, **parameters)


@register_scenario("review")
def _review_scenario(pf, notebooks=None, **parameters) -> dict:
    """Re-execute the recorded notebooks (papermill) in a scratch folder and return their numbers."""
    from .review import Review, notebooks_dir

    nbs = [notebooks_dir() / n for n in notebooks] if notebooks else None
    with tempfile.TemporaryDirectory(prefix="pmo-replay-") as tmp:
        return Review(data=pf.source, out=tmp, parameters=parameters, notebooks=nbs, progress=False).run().numbers_


def decision_from_record(record, decision: str, decided_by: str, *, folder="decisions", options=None,
                         supersedes=None, notes="") -> Decision:
    """Record a decision supported by an executed review record (``reports/<run-id>``).

    The scenario is the review itself (its notebooks and parameters), the
    numbers are the record's ``numbers.json``; the record's data must still
    match its manifest's SHA-256 (otherwise the numbers would not be what
    the data now say).
    """
    record = Path(record)
    try:
        manifest = json.loads((record / "manifest.json").read_text(encoding="utf-8"))
        numbers = json.loads((record / "numbers.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RecordError(f"{record} is not a complete review record: {exc}") from exc
    if manifest.get("status") != "complete":
        raise RecordError(f"{record} is a failed review; a decision needs a complete record")
    now = _data_fingerprint(manifest["data"]["path"])["files"]
    if now != manifest["data"]["files"]:
        changed = sorted(f for f in set(now) | set(manifest["data"]["files"])
                         if now.get(f) != manifest["data"]["files"].get(f))
        raise RecordError(f"the data changed since {record.name} was computed ({', '.join(changed)}); "
                          "run a new review first")
    params = {k: v for k, v in manifest["parameters"].items()}
    scenario = {"kind": "review",
                "parameters": {**params, "notebooks": [n["notebook"] for n in manifest["notebooks"]]}}
    return record_decision(decision, decided_by, folder=folder, options=options, scenario=scenario,
                           numbers=numbers, data_path=manifest["data"]["path"], record=str(record),
                           supersedes=supersedes, notes=notes)
