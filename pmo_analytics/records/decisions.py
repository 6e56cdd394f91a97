"""The decision register: append-only, hash-chained, one file per decision.

A decision made in a portfolio review is recorded as a structured entry —
date, the decision in words, the options considered, the scenario and its
parameters, the numbers that supported it, the fingerprint and SHA-256 of the
input data, who decided, and a link to the executed record. Entries are
written once and never altered: a correction is a new entry that
``supersedes`` an old one.

Layout of ``decisions/``::

    D-0001.json, D-0002.json, ...   one immutable file per decision
    head.json                       the chain's head: last id and its SHA-256 (rewritten under the lock)
    index.json                      derived summary, newest first (rebuilt under the lock)
    .lock                           advisory lock serialising writers (fcntl.flock)

Integrity
---------
Each entry stores ``sequence`` and ``previous_sha256``, the SHA-256 of the
previous entry's file as it was when this one was written; ``head.json``
stores the newest entry's SHA-256. :func:`verify_register` walks the chain and
names every entry that was edited, deleted, reordered or added by hand, and
every file that cannot be read. Ids come from the head, never from the files
present, so a deleted entry's id is never reused. One corrupt file never
hides the others: :func:`list_decisions` lists what it can and reports the
rest.

Ids are allocated under an exclusive lock and each file is created with
``O_EXCL`` semantics (hard link of a fully written temporary file), so two
processes deciding at the same time never lose or corrupt an entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import RecordError
from .manifest import utc_now, write_json_atomic
from .publish import to_jsonable

__all__ = ["Decision", "record_decision", "list_decisions", "load_decision", "verify_register",
           "register_scenario", "run_scenario", "SCENARIOS", "DECISION_ID", "RegisterProblem", "data_identity"]

DECISION_ID = re.compile(r"^D-(\d{4,9})$")
#: Largest entry file read [bytes]: a decision is a few kilobytes; anything far larger is not ours.
MAX_ENTRY_BYTES = 16 << 20

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
    sequence: int | None = None
    previous_sha256: str | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RegisterProblem:
    """Something wrong with the register: which entry (or file) and what."""

    entry: str
    problem: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.problem}"


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_entry(path: Path) -> tuple[dict, bytes]:
    """One entry's JSON and its bytes; RecordError naming the file when it cannot be read."""
    if path.is_symlink() or not path.is_file():
        raise RecordError(f"{path.name} is not a regular file")
    if path.stat().st_size > MAX_ENTRY_BYTES:
        raise RecordError(f"{path.name} is larger than {MAX_ENTRY_BYTES >> 20} MiB: not a decision entry")
    raw = path.read_bytes()
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"{path.name} is not valid JSON ({exc})") from exc
    missing = [k for k in ("decision_id", "date", "decision", "decided_by") if not isinstance(entry, dict)
               or k not in entry]
    if missing:
        raise RecordError(f"{path.name} lacks {', '.join(missing)}: not a decision entry")
    if entry["decision_id"] != path.stem:
        raise RecordError(f"{path.name} holds decision {entry['decision_id']!r}: renamed by hand?")
    return entry, raw


def _files(folder: Path) -> list[Path]:
    out = [f for f in folder.glob("D-*.json") if DECISION_ID.match(f.stem)]
    return sorted(out, key=lambda f: int(DECISION_ID.match(f.stem).group(1)))


def _read_all(folder: Path) -> tuple[list[tuple[dict, bytes]], list[RegisterProblem]]:
    entries, problems = [], []
    for f in _files(folder) if folder.is_dir() else []:
        try:
            entries.append(_read_entry(f))
        except (RecordError, OSError) as exc:
            problems.append(RegisterProblem(f.name, str(exc).removeprefix(f"{f.name} ")))
    return entries, problems


def _head(folder: Path) -> dict | None:
    f = folder / "head.json"
    if not f.is_file():
        return None
    try:
        head = json.loads(f.read_text(encoding="utf-8"))
        if not (isinstance(head, dict) and isinstance(head.get("sequence"), int)):
            raise ValueError("no sequence")
        return head
    except (ValueError, OSError) as exc:
        raise RecordError(f"{folder / 'head.json'} is unreadable ({exc}); the register's chain cannot be "
                          "extended until it is restored") from exc


def _write_index(folder: Path, entries: list[dict]) -> None:
    superseded = {e["supersedes"]: e["decision_id"] for e in entries if e.get("supersedes")}
    index = [{"decision_id": e["decision_id"], "date": e["date"], "decision": e["decision"],
              "decided_by": e["decided_by"], "record": e.get("record"), "supersedes": e.get("supersedes"),
              "superseded_by": superseded.get(e["decision_id"]),
              "scenario": (e.get("scenario") or {}).get("kind")}
             for e in sorted(entries, key=lambda e: (e.get("created", ""), e["decision_id"]), reverse=True)]
    write_json_atomic(folder / "index.json", index)


def _create_exclusive(path: Path, text: str) -> bytes:
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)  # fails if the file exists: an entry is never replaced
    finally:
        os.unlink(tmp)
    return data


def data_identity(data_path) -> dict:
    """``path``, ``fingerprint`` and per-file SHA-256 of the data at ``data_path`` (None = sample), from the files."""
    from ..tables import sample_path
    from ..tables.identity import fingerprint_path

    return fingerprint_path(Path(data_path) if data_path is not None else sample_path())


def run_scenario(scenario: dict, data_path) -> dict:
    """Run a registered scenario on the portfolio at ``data_path`` and return its numbers."""
    from ..tables import read_portfolio

    kind = scenario.get("kind")
    if kind not in SCENARIOS:
        raise RecordError(f"scenario kind {kind!r} is not replayable; known: {sorted(SCENARIOS)}")
    params = scenario.get("parameters", {})
    if not isinstance(params, dict):
        raise RecordError("scenario parameters must be a mapping")
    fn = SCENARIOS[kind]
    if getattr(fn, "takes_path", False):
        return to_jsonable(fn(data_path, **params))
    return to_jsonable(fn(read_portfolio(data_path), **params))


def record_decision(decision: str, decided_by: str, *, folder="decisions", options=None, scenario=None,
                    numbers=None, data_path=None, record=None, supersedes=None, notes="",
                    date: str | None = None, data: dict | None = None) -> Decision:
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
        The portfolio the decision was made on (None = sample); its fingerprint and file hashes are stored.
    record : str, optional
        Path of the executed record (``reports/<run-id>``).
    supersedes : str, optional
        Id of an earlier decision this one corrects; it must exist.
    data : dict, optional
        The data identity to store (``path``, ``fingerprint``, ``files``) when
        already known (a record's manifest); default: computed from ``data_path``.
    """
    folder = Path(folder)
    if not isinstance(decision, str) or not decision.strip():
        raise RecordError("a decision needs its text")
    if not isinstance(decided_by, str) or not decided_by.strip():
        raise RecordError("a decision needs who decided (decided_by)")
    scenario = dict(scenario or {"kind": None, "parameters": {}})
    scenario.setdefault("parameters", {})
    if scenario.get("kind") is not None and scenario["kind"] not in SCENARIOS:
        raise RecordError(f"unknown scenario kind {scenario['kind']!r}; known: {sorted(SCENARIOS)}")
    data = dict(data) if data is not None else data_identity(data_path)
    if numbers is None and scenario.get("kind"):
        numbers = run_scenario(scenario, data["path"])
    numbers = to_jsonable(numbers or {})
    date = date or dt.date.today().isoformat()
    if supersedes is not None and not DECISION_ID.match(str(supersedes)):
        raise RecordError(f"invalid decision id {supersedes!r} (expected D-0001 style)")
    with _locked(folder):
        head = _head(folder)
        entries, _ = _read_all(folder)
        ids = {e["decision_id"] for e, _ in entries}
        if supersedes is not None and supersedes not in ids:
            raise RecordError(f"cannot supersede {supersedes!r}: no such decision in {folder}")
        if head is None:  # a new register, or one written before the chain existed
            last = max((int(DECISION_ID.match(i).group(1)) for i in ids), default=0)
            prev = entries[-1][1] if entries else None
            head = {"sequence": last, "sha256": _sha256(prev) if prev is not None else None}
        seq = int(head["sequence"]) + 1
        entry = Decision(decision_id=f"D-{seq:04d}", date=date, decision=decision.strip(),
                         decided_by=decided_by.strip(), options=[str(o) for o in (options or [])], scenario=scenario,
                         numbers=numbers, data=data, record=str(record) if record else None,
                         supersedes=supersedes, notes=str(notes or ""), sequence=seq,
                         previous_sha256=head.get("sha256"))
        raw = _create_exclusive(folder / f"{entry.decision_id}.json",
                                json.dumps(entry.to_dict(), indent=2, sort_keys=True) + "\n")
        write_json_atomic(folder / "head.json", {"decision_id": entry.decision_id, "sequence": seq,
                                                 "sha256": _sha256(raw)})
        _write_index(folder, [e for e, _ in entries] + [entry.to_dict()])
    return entry


def verify_register(folder="decisions") -> list[RegisterProblem]:
    """Every integrity problem of the register (empty list = intact).

    Names entries that are missing (deleted), edited (their SHA-256 no longer
    matches what the next entry or the head recorded), out of order, not in
    the chain (added by hand, or written before the chain existed), and files
    that cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    entries, problems = _read_all(folder)
    try:
        head = _head(folder)
    except RecordError as exc:
        return problems + [RegisterProblem("head.json", str(exc))]
    by_seq, reported = {}, set()
    for e, raw in entries:
        seq = e.get("sequence")
        if not isinstance(seq, int):
            problems.append(RegisterProblem(e["decision_id"], "not in the hash chain (no sequence number)"))
            reported.add(e["decision_id"])
            continue
        if f"D-{seq:04d}" != e["decision_id"]:
            problems.append(RegisterProblem(e["decision_id"], f"sequence {seq} does not match its id: reordered?"))
            reported.add(e["decision_id"])
            continue
        by_seq[seq] = (e, raw)
    last = head["sequence"] if head else max(by_seq, default=0)
    unreadable = {p.entry[:-5] for p in problems if p.entry.endswith(".json")}
    for seq in range(1, last + 1):
        did = f"D-{seq:04d}"
        if seq not in by_seq:
            if did not in unreadable and did not in reported:
                problems.append(RegisterProblem(did, "missing: deleted from the register"))
            continue
        e, raw = by_seq[seq]
        nxt = by_seq.get(seq + 1)
        if nxt is not None and nxt[0].get("previous_sha256") != _sha256(raw):
            problems.append(RegisterProblem(did, f"edited: its SHA-256 no longer matches the one "
                                                 f"D-{seq + 1:04d} recorded"))
        if seq == last and head is not None and head.get("sha256") != _sha256(raw):
            problems.append(RegisterProblem(did, "edited: its SHA-256 no longer matches the register's head"))
    for seq in sorted(s for s in by_seq if s > last):
        problems.append(RegisterProblem(f"D-{seq:04d}", "beyond the register's head: added by hand?"))
    return problems


def list_decisions(folder="decisions", on_error: str = "raise"):
    """The register as a DataFrame, newest first, with ``superseded_by`` filled in.

    Parameters
    ----------
    on_error : {"raise", "skip"}
        What to do with entry files that cannot be read: raise a
        :class:`RecordError` naming them (after reading all the others), or
        skip them (the frame's ``attrs["problems"]`` lists them).
    """
    import pandas as pd

    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    folder = Path(folder)
    raw_entries, problems = _read_all(folder)
    entries = [e for e, _ in raw_entries]
    superseded = {e["supersedes"]: e["decision_id"] for e in entries if e.get("supersedes")}
    rows = [{"decision_id": e["decision_id"], "date": str(e["date"]), "decision": str(e["decision"]),
             "decided_by": str(e["decided_by"]), "supersedes": e.get("supersedes"),
             "superseded_by": superseded.get(e["decision_id"]), "record": e.get("record"),
             "created": str(e.get("created", ""))} for e in entries]
    cols = ["decision_id", "date", "decision", "decided_by", "supersedes", "superseded_by", "record", "created"]
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values(["created", "decision_id"], ascending=False).reset_index(drop=True)
    df.attrs["problems"] = [str(p) for p in problems]
    if problems and on_error == "raise":
        err = RecordError(f"{len(problems)} unreadable file(s) in the register {folder}: "
                          + "; ".join(str(p) for p in problems))
        err.listing = df
        raise err
    return df


def load_decision(decision_id: str, folder="decisions") -> Decision:
    """One entry by id."""
    if not DECISION_ID.match(str(decision_id)):
        raise RecordError(f"invalid decision id {decision_id!r} (expected D-0001 style)")
    path = Path(folder) / f"{decision_id}.json"
    if not path.exists():
        raise RecordError(f"no decision {decision_id} in {folder}")
    entry, _ = _read_entry(path)
    known = set(Decision.__dataclass_fields__)
    extra = sorted(set(entry) - known)
    if extra:
        raise RecordError(f"{path.name} has unknown field(s) {extra}: edited by hand?")
    try:
        return Decision(**entry)
    except TypeError as exc:
        raise RecordError(f"{path.name} is not a complete decision entry ({exc})") from exc
