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
stores the newest entry's SHA-256; with a key, entries and head carry an
HMAC-SHA256 signature. :mod:`pmo_analytics.records.integrity` walks the files
that exist (never a count read from a file) and checks the chain against the
anchors kept outside the register (records' manifests, ``reports/index.html``,
a head the user noted); see its docstring for what is detected with and
without a key.

Appending
---------
:func:`record_decision` appends under an exclusive lock and

* refuses a register that fails verification unless ``force=True`` (the new
  entry then lists the problems it was appended over, in ``forced``);
* checks that ``head.json`` and ``index.json`` can be replaced *before*
  writing anything (a folder in their place is refused with nothing written);
* commits by one atomic step: the fully written, fsynced entry file is
  hard-linked to its id (``O_EXCL`` semantics: never replaces a file). Before
  it, ``.pending`` names the entry being committed; after it, the head and
  the index are replaced by write-then-rename and ``.pending`` is removed. A
  crash before the link leaves the old register; after it, the new one with a
  head one entry behind, which verification recognises (the entry chains onto
  the head and is the one ``.pending`` names) and the next append completes;
* is idempotent: a retry of the same decision (same text, who, options,
  scenario, numbers, data, record, supersedes, notes and date) returns the
  newest entry instead of recording it twice.

Ids are allocated from the larger of the head and the newest entry file, so a
deleted entry's id is never reused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomic, write_json_atomic
from ..exceptions import RecordError
from .integrity import (DECISION_ID, MAX_SEQUENCE, RegisterKey, RegisterProblem, Verification, check_register,
                        read_entry, register_key, sha256)
from .manifest import utc_now
from .publish import to_jsonable

__all__ = ["Decision", "record_decision", "list_decisions", "load_decision", "verify_register",
           "register_scenario", "run_scenario", "SCENARIOS", "DECISION_ID", "RegisterProblem", "data_identity",
           "RegisterNotIntact"]

#: Registered scenario kinds: name -> function(portfolio, **parameters) -> dict of numbers.
SCENARIOS: dict[str, Callable] = {}
#: Problems listed in a refusal (and stored in a forced entry) before a count.
_LISTED = 20
#: Fields that make two entries the same decision (a retry must not record it twice).
_SAME = ("date", "decision", "decided_by", "options", "scenario", "numbers", "data", "record", "supersedes", "notes")


def register_scenario(kind: str):
    """Decorator: make a computation replayable under ``kind``."""

    def deco(fn):
        SCENARIOS[kind] = fn
        return fn

    return deco


class RegisterNotIntact(RecordError):
    """The register fails verification; ``problems`` lists why (``force=True`` appends anyway)."""

    def __init__(self, folder, problems: list):
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems[:_LISTED])
        more = f"\n  ... and {len(self.problems) - _LISTED} more" if len(self.problems) > _LISTED else ""
        super().__init__(f"the register {folder} fails verification ({len(self.problems)} problem(s)); nothing was "
                         f"recorded. Find out what happened first (pmo decisions --verify); to append anyway, pass "
                         f"--force (force=True): the entry then records the problems it was appended over.\n"
                         f"{listed}{more}")


@dataclass(frozen=True)
class Decision:
    """One entry of the register (immutable).

    ``signature`` is the entry's HMAC-SHA256 when the register has a key;
    ``forced`` lists the verification problems the entry was appended over
    (``pmo decide --force``). ``recorded_now`` is not stored: False when
    :func:`record_decision` found this very decision already recorded (a retry).
    """

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
    forced: dict | None = None
    signature: str | None = None
    recorded_now: bool = field(default=True, compare=False, repr=False, metadata={"stored": False})

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k, f in self.__dataclass_fields__.items() if f.metadata.get("stored", True)}
        if out["forced"] is None:
            del out["forced"]  # entries look as they did before forcing existed
        if out["signature"] is None:
            del out["signature"]
        return out


_STORED = {k for k, f in Decision.__dataclass_fields__.items() if f.metadata.get("stored", True)}


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


def _replaceable(folder: Path) -> None:
    """Refuse, before anything is written, when head.json or index.json could not be replaced afterwards."""
    why = {"head.json": "the chain's head: keep a copy to compare", "index.json": "rebuilt from the entries",
           ".pending": "written by every append"}
    for name in ("head.json", "index.json", ".pending"):
        f = folder / name
        if os.path.lexists(f) and (f.is_symlink() or not f.is_file()):
            kind = "a link" if f.is_symlink() else "a folder" if f.is_dir() else "not a regular file"
            raise RecordError(f"cannot record a decision: {f} is {kind}, not a file; nothing was written. Move it "
                              f"away ({name} is {why[name]}) and retry")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RecordError(f"cannot record a decision: the register folder {folder} is not writable; nothing was written")


def _index(summaries: list[dict]) -> list[dict]:
    superseded = {e["supersedes"]: e["decision_id"] for e in summaries if e.get("supersedes")}
    return [{"decision_id": e["decision_id"], "date": e["date"], "decision": e["decision"],
             "decided_by": e["decided_by"], "record": e.get("record"), "supersedes": e.get("supersedes"),
             "superseded_by": superseded.get(e["decision_id"]), "scenario": e.get("scenario")}
            for e in sorted(summaries, key=lambda e: (e.get("created", ""), e["decision_id"]), reverse=True)]


def _head_doc(decision_id: str | None, seq: int, digest: str | None, key: RegisterKey | None) -> dict:
    head = {"decision_id": decision_id, "sequence": seq, "sha256": digest}
    if key is not None:
        head["signature"] = key.sign("head", head)
    return head


def _create_exclusive(path: Path, text: str) -> bytes:
    """Write an entry: create ``path`` whole, never replace it (:func:`~pmo_analytics.atomic.write_atomic`'s
    exclusive mode: fails with FileExistsError if ``path`` exists); return the bytes written."""
    data = text.encode("utf-8")
    write_atomic(path, data, exclusive=True)
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
                    date: str | None = None, data: dict | None = None, force: bool = False, reports=None,
                    key="auto") -> Decision:
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
    force : bool
        Append even when the register fails verification; the entry's
        ``forced`` then lists the problems (at most 20, and their count).
    reports : path, optional
        A reports folder whose anchors the register is checked against first.
    key : "auto", str or None
        The register's HMAC key (``"auto"``: ``PMO_REGISTER_KEY`` or the key
        file named in ``review.toml``; see :mod:`~pmo_analytics.records.integrity`).

    Raises
    ------
    RegisterNotIntact
        when the register fails verification and ``force`` is False (nothing written).
    RecordError
        for an incomplete decision, an unknown ``supersedes``, a register signed
        with a key that is not configured now, or ``head.json``/``index.json`` that
        could not be replaced (checked before anything is written). A failure
        after the entry was committed says so: a retry then returns that entry.
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
    if supersedes is not None and not DECISION_ID.match(str(supersedes)):
        raise RecordError(f"invalid decision id {supersedes!r} (expected D-0001 style)")
    key = register_key(folder) if key == "auto" else (RegisterKey(key, "the key given") if isinstance(key, str)
                                                       else key)
    data = dict(data) if data is not None else data_identity(data_path)
    if numbers is None and scenario.get("kind"):
        numbers = run_scenario(scenario, data["path"])
    numbers = to_jsonable(numbers or {})
    date = date or dt.date.today().isoformat()
    options = [str(o) for o in (options or [])]
    with _locked(folder):
        _replaceable(folder)
        ver = check_register(folder, key=key, reports=reports)
        if ver.lagging_head:  # an append interrupted after its commit: complete it first
            _finish(folder, ver, key)
        if ver.signed and key is None:
            raise RecordError(f"the register {folder} is signed (its entries carry an HMAC) but no key is "
                              f"configured: set PMO_REGISTER_KEY, or key_file under [register] in review.toml; an "
                              "unsigned entry would break the chain of signatures. Nothing was recorded")
        problems = [p for p in ver.problems if not (p.kind == "unsigned" and not ver.signed)]
        if problems and not force:
            raise RegisterNotIntact(folder, problems)
        if supersedes is not None and supersedes not in ver.ids:
            raise RecordError(f"cannot supersede {supersedes!r}: no such decision in {folder}")
        candidate = {"date": date, "decision": decision.strip(), "decided_by": decided_by.strip(),
                     "options": options, "scenario": scenario, "numbers": numbers, "data": data,
                     "record": str(record) if record else None, "supersedes": supersedes, "notes": str(notes or "")}
        newest = ver.newest
        if newest is not None and not problems and _same(newest, candidate):
            _finish(folder, ver, key)  # the retry of an append whose head or index failed: complete it
            return Decision(**{k: v for k, v in newest.items() if k in _STORED}, recorded_now=False)
        seq = max(ver.head_sequence or 0, ver.last_sequence) + 1
        if seq > MAX_SEQUENCE:
            raise RecordError(f"the register {folder} cannot take more entries: the next id would be beyond "
                              f"D-{MAX_SEQUENCE} (a hand-made entry with a huge id? pmo decisions --verify)")
        forced = None
        if problems:
            forced = {"count": len(problems), "problems": [str(p) for p in problems[:_LISTED]], "at": utc_now()}
        entry = Decision(decision_id=f"D-{seq:04d}", sequence=seq, previous_sha256=ver.head.get("sha256")
                         if ver.last_sequence else None, forced=forced, **candidate)
        body = entry.to_dict()
        if key is not None:
            body["signature"] = key.sign("entry", body)
            entry = Decision(**body)
        text = json.dumps(body, indent=2, sort_keys=True) + "\n"
        # says which entry is being committed: tells an interrupted append from an entry added by hand
        write_json_atomic(folder / ".pending", {"decision_id": entry.decision_id,
                                                "sha256": sha256(text.encode("utf-8"))})
        raw = _create_exclusive(folder / f"{entry.decision_id}.json", text)
        ver.summaries.append({**{k: body.get(k) for k in ("decision_id", "date", "decision", "decided_by", "record",
                                                          "supersedes", "created")},
                              "scenario": (body.get("scenario") or {}).get("kind")})
        try:  # the entry is committed: from here on a failure must say so (and a retry returns this entry)
            write_json_atomic(folder / "head.json", _head_doc(entry.decision_id, seq, sha256(raw), key))
            write_json_atomic(folder / "index.json", _index(ver.summaries))
            (folder / ".pending").unlink()
        except OSError as exc:
            raise RecordError(f"{entry.decision_id} was recorded (its entry file is written), but head.json or "
                              f"index.json could not be updated ({exc}); fix that, then retry: the retry completes "
                              f"them and returns {entry.decision_id} instead of recording the decision twice") from exc
    return entry


def _same(entry: dict, candidate: dict) -> bool:
    """Whether ``entry`` records exactly ``candidate`` (compared as canonical JSON: NaN equals NaN)."""
    def canon(x):
        return json.dumps(to_jsonable(x), sort_keys=True, default=str)

    return all(canon(entry.get(k)) == canon(candidate.get(k)) for k in _SAME)


def _finish(folder: Path, ver: Verification, key: RegisterKey | None) -> None:
    """Bring head.json and index.json up to date with the newest entry (an interrupted append)."""
    if ver.head and ver.head.get("sha256"):
        write_json_atomic(folder / "head.json", _head_doc(ver.head["decision_id"], ver.head["sequence"],
                                                          ver.head["sha256"], key))
    write_json_atomic(folder / "index.json", _index(ver.summaries))
    with contextlib.suppress(FileNotFoundError):
        (folder / ".pending").unlink()


def verify_register(folder="decisions", *, key="auto", reports=None, expect=None) -> list[RegisterProblem]:
    """Every integrity problem of the register (empty list = intact).

    Names entries that are missing (deleted), edited (their SHA-256 no longer
    matches what the next entry, the head or an anchor recorded), out of
    order, not in the chain (added by hand, or written before the chain
    existed), unsigned or badly signed (with a key), and files that cannot be
    read. Bounded: walks the files present (see
    :func:`~pmo_analytics.records.integrity.check_register`, which also says
    what was checked).
    """
    return check_register(folder, key=key, reports=reports, expect=expect).problems


def _read_all(folder: Path) -> tuple[list[dict], list[RegisterProblem]]:
    """Every readable entry (listed from the folder) and the files that cannot be read."""
    from .integrity import entry_files

    entries, problems = [], []
    if not folder.is_dir():
        return entries, problems
    files, _ = entry_files(folder)
    for _, name in files:
        try:
            entries.append(read_entry(folder / name)[0])
        except RecordError as exc:
            problems.append(RegisterProblem(name, str(exc).removeprefix(f"{name} ")))
    return entries, problems


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
    entries, problems = _read_all(folder)
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
    entry, _ = read_entry(path)
    known = _STORED
    extra = sorted(set(entry) - known)
    if extra:
        raise RecordError(f"{path.name} has unknown field(s) {extra}: edited by hand?")
    try:
        return Decision(**entry)
    except TypeError as exc:
        raise RecordError(f"{path.name} is not a complete decision entry ({exc})") from exc
