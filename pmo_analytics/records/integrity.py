"""Integrity of the decision register: the hash chain, its anchors and its signing key.

What each layer detects
-----------------------
The register (``decisions/``) is a chain: entry ``D-n`` stores the SHA-256 of
the file of ``D-(n-1)``, and ``head.json`` stores the newest entry's SHA-256.

* **The chain alone** names an entry edited, deleted, reordered or added by
  hand *when the rest of the chain was left as it was*. Someone who can write
  the folder can also rewrite what follows an edit (re-chain every later entry
  and ``head.json``): the chain alone cannot tell.
* **Anchors** are copies of the head kept elsewhere: every record's
  ``manifest.json`` (the head when the review ran), ``reports/index.html``
  (the head after the latest review or decision) and a head the user noted
  (``--expect D-0007:<sha256>``). :func:`check_register` checks the chain
  against every anchor it finds: a rewrite of any entry at or before an
  anchored one, a deleted newest entry, or a register rolled back behind an
  anchor, is named with the anchor that shows it.
* **A key** (``PMO_REGISTER_KEY``, or ``[register] key_file`` in the
  ``review.toml`` of the folder that holds ``decisions/``) signs every entry
  and ``head.json`` with HMAC-SHA256 (RFC 2104). Without the key no entry can
  be edited, re-chained or added unseen. A key cannot show that the newest
  entries were removed *and* an older ``head.json`` restored (a roll-back to
  a state that was once genuine): only an anchor newer than that state shows it.

Every walk lists the entry files that exist (``os.scandir``) and reads each
once; no loop runs over a number read from a file, so a ``head.json`` that
claims 10^8 entries, or a hand-made ``D-999999999.json``, is named at once,
in memory proportional to the files present.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import RecordError

__all__ = ["RegisterProblem", "Verification", "Anchor", "RegisterKey", "check_register", "find_anchors",
           "parse_expect", "register_head", "register_key", "entry_files", "read_entry", "read_head", "read_pending",
           "sha256",
           "KEY_ENV", "DECISION_ID", "MAX_SEQUENCE", "HEAD_META"]

DECISION_ID = re.compile(r"^D-(\d{4,9})$")
#: Largest sequence number of an entry (ids run D-0001 .. D-999999999).
MAX_SEQUENCE = 999_999_999
#: Largest entry file read [bytes]: a decision is a few kilobytes; anything far larger is not ours.
MAX_ENTRY_BYTES = 16 << 20
#: Largest ``head.json``, key file, manifest or index page read while verifying [bytes].
MAX_SMALL_BYTES = 1 << 20
MAX_PAGE_BYTES = 16 << 20
#: Environment variable holding the register's HMAC key.
KEY_ENV = "PMO_REGISTER_KEY"
#: Shortest key accepted [characters].
MIN_KEY_CHARS = 16
#: Name of the ``<meta>`` element by which an index page carries the register's head.
HEAD_META = "pmo-register-head"
#: Missing ids listed one by one up to this many; a longer gap is one line.
_GAP_LINES = 10
#: Lines of problems of one kind (e.g. "beyond the head") listed before a count.
_MAX_LINES = 50


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _did(seq: int) -> str:
    return f"D-{seq:04d}"


@dataclass(frozen=True)
class RegisterProblem:
    """Something wrong with the register: which entry (or file) and what.

    ``kind`` groups problems for the code that acts on them (``unsigned``: an
    unsigned newest entry where a key is configured).
    """

    entry: str
    problem: str
    kind: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.entry}: {self.problem}"


# ---------------------------------------------------------------------------------------------- files
def _read_small(path: Path, limit: int, what: str) -> bytes:
    """Bytes of a regular file (never a link, FIFO or device) of at most ``limit`` bytes."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise RecordError(f"{what} cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise RecordError(f"{what} is not a regular file")
    if st.st_size > limit:
        raise RecordError(f"{what} is larger than {limit >> 20} MiB: not ours")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise RecordError(f"{what} cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise RecordError(f"{what} is larger than {limit >> 20} MiB: not ours")
    return data


def read_entry(path: Path) -> tuple[dict, bytes]:
    """One entry's JSON and its bytes; RecordError naming the file when it cannot be read."""
    raw = _read_small(path, MAX_ENTRY_BYTES, path.name)
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RecordError(f"{path.name} is not valid JSON ({exc})") from None
    missing = [k for k in ("decision_id", "date", "decision", "decided_by") if not isinstance(entry, dict)
               or k not in entry]
    if missing:
        raise RecordError(f"{path.name} lacks {', '.join(missing)}: not a decision entry")
    if entry["decision_id"] != path.stem:
        raise RecordError(f"{path.name} holds decision {entry['decision_id']!r}: renamed by hand?")
    return entry, raw


def entry_files(folder: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """The entry files of the register as (sequence, file name), in order, and the names that look like
    entries but are not (``D-00001.json``, ``D-12.json``): listed from the folder, never counted."""
    entries, odd = [], []
    with os.scandir(folder) as it:
        for e in it:
            name = e.name
            if not (name.startswith("D-") and name.endswith(".json")):
                continue
            m = DECISION_ID.match(name[:-5])
            if m and _did(int(m.group(1))) == name[:-5]:
                entries.append((int(m.group(1)), name))
            else:
                odd.append(name)
    entries.sort()
    return entries, sorted(odd)


def read_head(folder: Path) -> dict | None:
    """``head.json`` (None when absent); RecordError when it cannot be read or makes no sense."""
    f = folder / "head.json"
    if not os.path.lexists(f):
        return None
    raw = _read_small(f, MAX_SMALL_BYTES, "head.json")
    try:
        head = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RecordError(f"head.json is not valid JSON ({exc})") from None
    seq = head.get("sequence") if isinstance(head, dict) else None
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQUENCE:
        raise RecordError(f"head.json has no valid sequence (a whole number 0 .. {MAX_SEQUENCE}), got {seq!r}")
    sha = head.get("sha256")
    if not (sha is None or (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha))):
        raise RecordError(f"head.json has no valid sha256, got {str(sha)[:80]!r}")
    return head


def read_pending(folder: Path) -> dict | None:
    """``.pending``: the id and SHA-256 of the entry an append is committing (None when absent or unreadable).

    Written before an entry is linked into place and removed once head and
    index are updated, it tells an interrupted append (the entry is there, the
    head one behind) from an entry added by hand.
    """
    f = folder / ".pending"
    if not os.path.lexists(f):
        return None
    try:
        doc = json.loads(_read_small(f, MAX_SMALL_BYTES, ".pending").decode("utf-8"))
    except (RecordError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def register_head(folder) -> dict | None:
    """The register's head as an anchor records it: ``decision_id``, ``sequence`` and ``sha256`` of the newest
    entry file (``sequence`` 0 for an empty register); None without a register folder."""
    if folder is None:
        return None
    folder = Path(folder)
    if not folder.is_dir():
        return None
    files, _ = entry_files(folder)
    if not files:
        return {"decision_id": None, "sequence": 0, "sha256": None, "folder": str(folder.resolve())}
    seq, name = files[-1]
    try:
        digest = sha256(_read_small(folder / name, MAX_ENTRY_BYTES, name))
    except RecordError:
        digest = None
    return {"decision_id": _did(seq), "sequence": seq, "sha256": digest, "folder": str(folder.resolve())}


# ---------------------------------------------------------------------------------------------- key
def _canonical(obj: dict) -> bytes:
    """The bytes an HMAC covers: the JSON of ``obj`` without its signature, keys sorted, no spaces."""
    body = {k: v for k, v in obj.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class RegisterKey:
    """The register's HMAC-SHA256 key (RFC 2104) and where it came from; the secret never prints."""

    def __init__(self, secret: str | bytes, source: str):
        text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else str(secret)
        text = text.strip()
        if len(text) < MIN_KEY_CHARS:
            raise ValueError(f"the register key from {source} is too short ({len(text)} characters; at least "
                             f"{MIN_KEY_CHARS}): make one with  python -c \"import secrets; "
                             "print(secrets.token_hex(32))\"")
        self._secret = text.encode("utf-8")
        self.source = source

    @property
    def key_id(self) -> str:
        """A short name of the key (an HMAC of a constant: says which key signed, reveals nothing of it)."""
        return hmac.new(self._secret, b"pmo-register-key-id", hashlib.sha256).hexdigest()[:12]

    def sign(self, kind: str, obj: dict) -> str:
        """``hmac-sha256:<key id>:<hex>`` over ``kind`` and the canonical JSON of ``obj`` (signature excluded)."""
        mac = hmac.new(self._secret, f"pmo-register-{kind}-v1\n".encode() + _canonical(obj), hashlib.sha256)
        return f"hmac-sha256:{self.key_id}:{mac.hexdigest()}"

    def check(self, kind: str, obj: dict) -> str | None:
        """None when ``obj``'s signature is this key's; else why not."""
        sig = obj.get("signature")
        if not isinstance(sig, str) or not sig.startswith("hmac-sha256:"):
            return "not signed"
        parts = sig.split(":")
        if len(parts) != 3:
            return "its signature is malformed"
        if not hmac.compare_digest(sig, self.sign(kind, obj)):
            if parts[1] != self.key_id:
                return f"signed with another key (key id {parts[1][:12]}, the configured key is {self.key_id})"
            return "its signature does not match its content: edited without the key"
        return None

    def __repr__(self) -> str:
        return f"RegisterKey({self.source}, id {self.key_id})"


def register_key(folder, settings: str | os.PathLike | None = None) -> RegisterKey | None:
    """The register's key: ``PMO_REGISTER_KEY``, else ``[register] key_file`` in ``settings`` (default: the
    ``review.toml`` of the folder that holds the register); None when neither is set.

    Raises
    ------
    ValueError
        for a key shorter than 16 characters.
    RecordError
        for a key file that is missing, not a regular file, too large, or inside the register folder.
    """
    text = os.environ.get(KEY_ENV)
    if text is not None and text.strip():
        return RegisterKey(text, KEY_ENV)
    folder = Path(folder)
    toml = Path(settings) if settings is not None else folder.resolve().parent / "review.toml"
    if not os.path.lexists(toml):
        return None
    from ..tables.settings import read_settings

    name = read_settings(toml).register.get("key_file")
    if not name:
        return None
    path = Path(os.path.expanduser(name))
    if not path.is_absolute():
        path = toml.parent / path
    real = Path(os.path.realpath(path))
    if os.path.commonpath([real, folder.resolve()]) == str(folder.resolve()):
        raise RecordError(f"the register key file {path} is inside the register folder {folder}: whoever can "
                          "edit the register could read it; keep it elsewhere")
    data = _read_small(real, 4096, f"the register key file {path} (named in {toml})")
    return RegisterKey(data, str(path))


# ---------------------------------------------------------------------------------------------- anchors
@dataclass(frozen=True)
class Anchor:
    """A copy of the register's head kept outside the register: where, and what it says.

    ``sequence`` is None for a bare hash (``--expect <sha256>``); ``sha256`` may
    be a prefix (at least 16 hex digits) when the user typed it.
    """

    source: str
    sequence: int | None
    sha256: str | None
    folder: str | None = None
    when: str | None = None


_EXPECT = re.compile(r"^(?:(D-\d{4,9})[:@ ])?([0-9a-fA-F]{16,64})$")


def parse_expect(text: str) -> Anchor:
    """The head a user noted: ``D-0007:<sha256>`` (as ``pmo decide`` prints it) or a bare ``<sha256>``
    (at least its first 16 hex digits).

    Raises
    ------
    ValueError
        for anything else.
    """
    m = _EXPECT.match(str(text).strip())
    if not m or (m.group(1) and not DECISION_ID.match(m.group(1))):
        raise ValueError(f"--expect takes the register head as pmo decide prints it, D-0007:<sha256> (or the "
                         f"SHA-256 alone, at least 16 hex digits), got {str(text)[:80]!r}")
    seq = int(m.group(1)[2:]) if m.group(1) else None
    return Anchor("--expect", seq, m.group(2).lower())


_META = re.compile(rf'<meta name="{HEAD_META}" content="(D-\d{{4,9}}|-) (\d{{1,9}}) ([0-9a-f]{{64}}|-)"')


def find_anchors(reports) -> tuple[list[Anchor], list[str]]:
    """Every anchor under a reports folder, and the files that should hold one but cannot be read.

    Anchors: ``reports/index.html`` (its ``<meta name="pmo-register-head">``)
    and the ``register`` of every record's ``manifest.json``. Files are read
    only when regular and small (links and FIFOs are skipped, named).
    """
    from .manifest import RUN_ID

    reports = Path(reports)
    anchors: list[Anchor] = []
    unread: list[str] = []
    if not reports.is_dir():
        return anchors, unread
    index = reports / "index.html"
    if os.path.lexists(index):
        try:
            text = _read_small(index, MAX_PAGE_BYTES, f"{reports.name}/index.html").decode("utf-8", "replace")
            m = _META.search(text)
            if m:
                anchors.append(Anchor(f"{reports.name}/index.html", int(m.group(2)),
                                      None if m.group(3) == "-" else m.group(3)))
        except RecordError as exc:
            unread.append(str(exc))
    with os.scandir(reports) as it:
        runs = sorted(e.name for e in it if RUN_ID.match(e.name) and e.is_dir(follow_symlinks=False))
    for run in runs:
        where = f"{reports.name}/{run}/manifest.json"
        f = reports / run / "manifest.json"
        if not os.path.lexists(f):
            continue
        try:
            m = json.loads(_read_small(f, MAX_PAGE_BYTES, where).decode("utf-8"))
        except (RecordError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            unread.append(f"{where}: {exc}")
            continue
        reg = m.get("register") if isinstance(m, dict) else None
        if not isinstance(reg, dict):
            continue  # a record from before anchors, or made without a register
        seq, sha = reg.get("sequence"), reg.get("sha256")
        if not (isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= MAX_SEQUENCE) or not (
                sha is None or (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha))):
            unread.append(f"{where}: its register head is malformed (edited by hand?)")
            continue
        anchors.append(Anchor(where, seq, sha, reg.get("folder"), m.get("ended")))
    return anchors, unread


# ---------------------------------------------------------------------------------------------- verification
@dataclass
class Verification:
    """What :func:`check_register` found.

    Attributes
    ----------
    problems : list of RegisterProblem
        Empty when the register is intact.
    notes : list of str
        What was and was not checked (anchors used, signatures checked or not, an interrupted decide).
    entries : int
        Entry files read.
    head : dict or None
        ``decision_id``, ``sequence``, ``sha256`` of the newest entry (what an anchor would record).
    newest : dict or None
        The newest entry that could be read (its JSON).
    last_sequence : int
        Sequence of the newest entry file (0 when none).
    head_sequence : int or None
        What ``head.json`` says (None when absent or unreadable).
    signed : bool
        Whether any entry carries a signature.
    key : RegisterKey or None
        The key the signatures were checked with.
    lagging_head : bool
        ``head.json`` is one entry behind a well-chained newest entry: a decide
        was interrupted after writing the entry (the next decide completes it).
    ids : set
        Ids of the entries present.
    summaries : list of dict
        ``decision_id``, ``date``, ``decision``, ``decided_by``, ``record``,
        ``supersedes``, ``scenario`` kind and ``created`` of each readable entry (for the index).
    """

    folder: Path
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    entries: int = 0
    head: dict | None = None
    newest: dict | None = None
    last_sequence: int = 0
    head_sequence: int | None = None
    signed: bool = False
    key: RegisterKey | None = None
    lagging_head: bool = False
    anchors: int = 0
    ids: set = field(default_factory=set)
    summaries: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head_text(self) -> str:
        """``D-0007:<sha256>``, the form ``--expect`` takes (``(empty)`` for an empty register)."""
        if not self.head or not self.head.get("sequence"):
            return "(empty)"
        return f"{self.head['decision_id']}:{self.head['sha256']}"


def _summary(e: dict) -> dict:
    scen = e.get("scenario") if isinstance(e.get("scenario"), dict) else {}
    return {"decision_id": e["decision_id"], "date": e["date"], "decision": e["decision"],
            "decided_by": e["decided_by"], "record": e.get("record"), "supersedes": e.get("supersedes"),
            "scenario": scen.get("kind"), "created": str(e.get("created", ""))}


def check_register(folder="decisions", *, key="auto", reports=None, expect=None, anchors=None,
                   settings=None) -> Verification:
    """Verify the register: chain, head, signatures and anchors, in one pass over the entry files.

    Parameters
    ----------
    folder : path
        The register (``decisions/``).
    key : "auto", RegisterKey, str or None
        ``"auto"``: :func:`register_key` (``PMO_REGISTER_KEY`` or the key file
        named in ``review.toml``); None: no key (signatures are not checked).
    reports : path, optional
        A reports folder whose records and ``index.html`` hold anchors.
    expect : str, optional
        A head the user noted (``D-0007:<sha256>``).
    anchors : list of Anchor, optional
        More anchors.
    settings : path, optional
        The ``review.toml`` naming the key file (default: beside the register folder).

    Returns
    -------
    Verification
        Its ``problems`` name every entry edited, deleted, reordered, added by
        hand, unreadable, unsigned or badly signed, and every anchor the
        register no longer matches. Time grows with the bytes of the files
        present; memory with their number, never with a number read from a file.
    """
    folder = Path(folder)
    v = Verification(folder)
    if key == "auto":
        key = register_key(folder, settings)
    elif isinstance(key, (str, bytes)):
        key = RegisterKey(key, "the key given")
    v.key = key
    found = list(anchors or [])
    if expect:
        found.append(parse_expect(expect) if isinstance(expect, str) else expect)
    if reports is not None:
        more, unread = find_anchors(reports)
        found += more
        v.notes += [f"anchor not read: {u}" for u in unread]
    if not folder.exists():
        for a in found:
            if a.sequence:
                v.problems.append(RegisterProblem(str(folder), f"the register folder is missing, but {a.source} "
                                                               f"recorded {_did(a.sequence)} as its head"))
        return v
    if not folder.is_dir():
        v.problems.append(RegisterProblem(str(folder), "is not a folder"))
        return v
    files, odd = entry_files(folder)
    for name in odd:
        v.problems.append(RegisterProblem(name, "not a register id (D-0001 .. D-999999999): added by hand?"))
    try:
        head = read_head(folder)
    except RecordError as exc:
        head = None
        v.problems.append(RegisterProblem("head.json", f"{str(exc).removeprefix('head.json ')}; the register's "
                                                       "chain cannot be extended until it is restored"))
        head_unreadable = True
    else:
        head_unreadable = False
    v.head_sequence = head["sequence"] if head else None

    by_seq: dict[int, list[Anchor]] = {}
    loose: list[Anchor] = []  # a bare hash: matched against every entry
    here = folder.resolve()
    others = [a for a in found if a.folder and Path(a.folder) != here and Path(a.folder).is_dir()]
    if others:  # a record made with another register that still exists there (a moved project's anchors count)
        v.notes.append(f"{len(others)} anchor(s) belong to another register ({others[0].folder}) and were not used")
        found = [a for a in found if a not in others]
    for a in found:
        if a.sequence is None:
            loose.append(a)
        elif a.sequence > 0 and a.sha256:
            by_seq.setdefault(a.sequence, []).append(a)
    loose_hit: set = set()

    pending = read_pending(folder)
    prev_seq, prev_sha, prev_ok, prev_chained = 0, None, True, True
    first_signed = None
    unsigned_after: list[str] = []
    newest_raw_sha = None
    beyond = 0

    def gap(lo: int, hi: int, why: str) -> None:
        if hi - lo + 1 <= _GAP_LINES:
            for s in range(lo, hi + 1):
                v.problems.append(RegisterProblem(_did(s), why))
        else:
            v.problems.append(RegisterProblem(f"{_did(lo)} … {_did(hi)}", f"{hi - lo + 1:,} entries {why}"))

    for seq, name in files:
        did = _did(seq)
        if seq > prev_seq + 1 and (head is None or prev_seq < head["sequence"]):
            hi = min(seq - 1, head["sequence"]) if head is not None else seq - 1
            gap(prev_seq + 1, hi, "missing: deleted from the register" if hi - prev_seq <= _GAP_LINES else
                f"missing before {did}: entries deleted, or {did} added by hand with a made-up id")
            prev_ok = False
        elif seq > prev_seq + 1:
            prev_ok = False
        try:
            entry, raw = read_entry(folder / name)
        except RecordError as exc:
            v.problems.append(RegisterProblem(name, str(exc).removeprefix(f"{name} ")))
            prev_seq, prev_ok, newest_raw_sha = seq, False, None
            continue
        v.entries += 1
        v.ids.add(did)
        digest = sha256(raw)
        v.summaries.append(_summary(entry))
        v.newest, newest_raw_sha = entry, digest
        for a in loose:
            if digest.startswith(a.sha256):
                loose_hit.add(a)
        eseq = entry.get("sequence")
        if not isinstance(eseq, int) or isinstance(eseq, bool):
            v.problems.append(RegisterProblem(did, "not in the hash chain (no sequence number)"))
            prev_seq, prev_sha, prev_ok = seq, digest, False
            continue
        if eseq != seq:
            v.problems.append(RegisterProblem(did, f"sequence {eseq} does not match its id: reordered?"))
            prev_seq, prev_sha, prev_ok = seq, digest, False
            continue
        if prev_ok and entry.get("previous_sha256") != prev_sha:
            if prev_seq == 0:
                v.problems.append(RegisterProblem(did, "the first entry names a previous entry: entries before "
                                                       "it were deleted, or it was edited"))
            else:
                v.problems.append(RegisterProblem(_did(prev_seq), f"edited: its SHA-256 no longer matches the one "
                                                                  f"{did} recorded"))
        chained = prev_ok and entry.get("previous_sha256") == prev_sha
        if head is not None and seq > head["sequence"]:
            if not (seq == head["sequence"] + 1 and chained and entry.get("previous_sha256") == head.get("sha256")
                    and (pending or {}).get("sha256") == digest):
                beyond += 1
                if beyond <= _MAX_LINES:
                    v.problems.append(RegisterProblem(did, "beyond the register's head: added by hand?"))
        signature = entry.get("signature")
        if signature is not None:
            v.signed = True
            first_signed = first_signed or did
            if key is not None:
                why = key.check("entry", entry)
                if why:
                    v.problems.append(RegisterProblem(did, why))
        elif first_signed is not None:
            unsigned_after.append(did)
        for a in by_seq.get(seq, []):
            if a.sha256 != digest:
                other = f" (that record was made with the register at {a.folder})" if a.folder and \
                    Path(a.folder) != folder.resolve() else ""
                v.problems.append(RegisterProblem(did, f"rewritten: its SHA-256 is not the one {a.source} recorded"
                                                       f"{' on ' + a.when[:10] if a.when else ''}{other}"))
        prev_seq, prev_sha, prev_ok, prev_chained = seq, digest, True, chained
    if beyond > _MAX_LINES:
        v.problems.append(RegisterProblem("…", f"and {beyond - _MAX_LINES:,} more entries beyond the head"))

    v.last_sequence = files[-1][0] if files else 0
    last = v.last_sequence
    if files:
        v.head = {"decision_id": _did(last), "sequence": last, "sha256": newest_raw_sha}
    else:
        v.head = {"decision_id": None, "sequence": 0, "sha256": None}
    newest_ok = newest_raw_sha is not None and v.newest is not None and v.newest.get("decision_id") == _did(last)

    # ---- head.json against the files
    interrupted = bool(pending) and newest_ok and pending.get("decision_id") == _did(last) and \
        pending.get("sha256") == newest_raw_sha
    if head is None and not head_unreadable and files:
        if last == 1 and len(files) == 1 and newest_ok and v.newest.get("previous_sha256") is None and interrupted:
            v.lagging_head = True
            v.notes.append("head.json is not written yet: the first decide was interrupted after writing D-0001; "
                           "the next decide completes it")
        elif any(isinstance(s.get("decision_id"), str) for s in v.summaries) and v.newest is not None and \
                isinstance(v.newest.get("sequence"), int):
            v.problems.append(RegisterProblem("head.json", f"missing, although the register holds entries up to "
                                                           f"{_did(last)}: deleted with the newest entries? (the "
                                                           "next decide would re-use their ids)"))
    elif head is not None:
        hs = head["sequence"]
        if hs > last:
            gap(last + 1, hs, "missing: deleted from the register" if hs - last <= _GAP_LINES else
                f"counted by head.json (sequence {hs:,}) but absent: the newest entry file is "
                f"{_did(last) if last else 'none'}; entries deleted, or head.json edited")
        elif hs == last and files:
            if newest_ok and head.get("sha256") != newest_raw_sha:
                v.problems.append(RegisterProblem(_did(last), "edited: its SHA-256 no longer matches the "
                                                              "register's head"))
        elif hs == last - 1 and newest_ok and prev_chained and v.newest.get("previous_sha256") == head.get("sha256") \
                and interrupted:
            v.lagging_head = True
            v.notes.append(f"head.json is one entry behind {_did(last)}: a decide was interrupted after writing it; "
                           "the next decide completes it")
        if key is not None and (v.signed or head.get("signature")):
            why = key.check("head", head)
            if why:
                v.problems.append(RegisterProblem("head.json", why))
    # ---- signatures
    for did in unsigned_after[:_MAX_LINES]:  # decide never appends an unsigned entry to a signed register
        v.problems.append(RegisterProblem(did, f"not signed, although the entries from {first_signed} on are: "
                                               "written without the key"))
    if key is not None and files:
        if newest_ok and v.newest.get("signature") is None and first_signed is None:
            v.problems.append(RegisterProblem(
                _did(last), f"not signed, although a key is configured ({key.source}): the register was written "
                            "without the key — rewritten, or the key is new (the next pmo decide signs the chain "
                            "from there)", kind="unsigned"))
        v.notes.append(f"signatures checked with the key from {key.source} (key id {key.key_id})")
    elif v.signed:
        v.notes.append(f"entries from {first_signed} on are signed, but no key is configured ({KEY_ENV} or "
                       "[register] key_file in review.toml): signatures not checked")
    else:
        v.notes.append("no key: a rewrite that also rewrites every later entry and head.json is detected only by an "
                       "anchor (a record made later, reports/index.html, --expect)")
    # ---- anchors beyond the files, and bare hashes
    for s in sorted(x for x in by_seq if x > last):
        a = by_seq[s][0]
        more = f" (and {len(by_seq[s]) - 1} other anchor(s))" if len(by_seq[s]) > 1 else ""
        v.problems.append(RegisterProblem(
            _did(s), f"{a.source}{more} recorded {_did(s)} as the register's head, but the register ends at "
                     f"{_did(last) if last else 'nothing'}: entries deleted, or the register rolled back"))
    for a in loose:
        if a not in loose_hit:
            v.problems.append(RegisterProblem(a.source, f"no entry of the register has the SHA-256 {a.sha256}…: "
                                                        "the entry it named was rewritten or deleted"))
    v.anchors = len(found)
    if found:
        v.notes.insert(0, f"checked against {len(found)} anchor(s)")
    return v
