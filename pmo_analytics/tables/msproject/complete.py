"""Is a schedule file whole? A check on the raw bytes, before MPXJ reads them.

MPXJ reads a Primavera XER that stops early as if it ended there: the first
58 lines of a 25-activity file imported as "4 activities, 0 links". And it
refuses an MSPDI or P6 XML cut mid-element with "Failed to parse file",
naming neither where nor what was last read. :func:`check_complete` refuses
both, naming the file and the last complete record, in one streaming pass
(constant memory, time linear in the file):

* **XER** (Oracle Primavera P6 export: ``ERMHDR`` line, then per table
  ``%T`` name, ``%F`` fields and ``%R`` records, and ``%E`` as the last
  line): the file must end with ``%E``; a table must name its fields before
  its records; a last line without its newline is a record cut mid-line.
* **XML** (MSPDI, P6 XML): the document must be well formed to its last
  closing tag; a DTD (``<!DOCTYPE``, ``<!ENTITY``) is refused wherever it is.
"""

from __future__ import annotations

from pathlib import Path
from xml.parsers import expat

__all__ = ["check_complete", "IncompleteSchedule"]

#: XML elements that are one record of a schedule, and the children that name one.
_XML_RECORDS = {"Task", "Activity", "Resource", "Assignment", "Relationship", "Calendar", "WBS"}
#: XER fields that name a record, in order of preference (after its first field, the record's id).
_XER_NAMES = (b"task_code", b"task_name", b"proj_short_name", b"wbs_short_name", b"wbs_name", b"rsrc_short_name",
              b"rsrc_name", b"clndr_name")
_XML_NAMES = ("UID", "ObjectId", "Id", "Name")
_CHUNK = 1 << 20


class IncompleteSchedule(Exception):
    """The file is cut short or malformed; the message says where and what was last read whole."""


def check_complete(path: str | Path) -> None:
    """Refuse a schedule file that is cut short (see the module docstring); do nothing for ``.mpp``/``.mpx``.

    Raises
    ------
    IncompleteSchedule
        naming what is missing and the last complete record.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        start = fh.read(64)
    if start.lstrip(b"\xef\xbb\xbf").startswith(b"ERMHDR"):
        _check_xer(path)
    elif path.suffix.lower() in (".xml", ".mspdi", ".pmxml") or start.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t") \
            .startswith(b"<"):
        _check_xml(path)


def _xer_record(fields: list[bytes], values: list[bytes]) -> str:
    """``task_id 37899, task_code A1040, task_name Ceil``: the record's first field and the fields that name it."""
    named = [0] + [fields.index(n) for n in _XER_NAMES if n in fields][:2]
    parts = [f"{fields[i].decode('latin-1')} {values[i].decode('utf-8', 'replace')[:40]}" for i in named
             if i < len(fields) and i < len(values) and values[i]]
    return ", ".join(parts)


def _check_xer(path: Path) -> None:
    table, fields, rows = None, [], 0
    last = "none (no record is whole)"
    ended = False
    line_no = 0
    with open(path, "rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            whole = line.endswith(b"\n")
            text = line.rstrip(b"\r\n")
            if ended:
                if text.strip():
                    raise IncompleteSchedule(f"line {line_no} follows the %E end marker of line {ended}: two files "
                                             "joined, or an edited export")
                continue
            kind = text[:2]
            if kind == b"%E":
                ended = line_no
                continue
            if not whole:  # the last line of the file, cut before its newline
                raise IncompleteSchedule(f"the file is cut short: line {line_no} stops mid-line (table {table}), "
                                         f"without the %E end marker; the last complete record is {last}")
            if kind == b"%T":
                if table is not None and not fields:
                    raise IncompleteSchedule(f"table {table} has no field list (%F) before line {line_no}: the "
                                             f"export is damaged; the last complete record is {last}")
                table, fields, rows = text[3:].strip().decode("latin-1") or "?", [], 0
            elif kind == b"%F":
                fields = text.split(b"\t")[1:]
            elif kind == b"%R":
                if not fields:
                    raise IncompleteSchedule(f"line {line_no}: a record of table {table} before its field list "
                                             f"(%F): the export is damaged; the last complete record is {last}")
                rows += 1
                who = _xer_record(fields, text.split(b"\t")[1:])
                last = f"line {line_no}: table {table}, record {rows}" + (f" ({who})" if who else "")
    if not ended:
        raise IncompleteSchedule(f"the file is cut short: it ends at line {line_no} without the %E end marker that "
                                 f"closes every XER export; the last complete record is {last}")


def _check_xml(path: Path) -> None:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    state = {"last": None, "record": None, "name": None, "text": []}

    def refuse_dtd(*args):
        raise IncompleteSchedule("XML with a DTD (<!DOCTYPE/<!ENTITY) is refused: schedule XML (MSPDI, P6 XML) "
                                 "never needs one")

    def start(name, attrs):
        local = name.rsplit(":", 1)[-1]
        stack.append(local)
        if local in _XML_RECORDS and state["record"] is None:  # <Task><WBS>1.2</WBS>: a field, not a record
            state["record"], state["name"] = (local, len(stack)), {}
        state["text"] = []

    def end(name):
        local = stack.pop() if stack else name
        rec = state["record"]
        if rec and len(stack) == rec[1] and local in _XML_NAMES and local not in state["name"]:
            state["name"][local] = "".join(state["text"]).strip()[:60]
        if rec and len(stack) == rec[1] - 1 and local == rec[0]:
            ids = state["name"]
            who = next((f"{k} {ids[k]}" for k in ("UID", "ObjectId", "Id") if ids.get(k)), "")
            label = f" '{ids['Name']}'" if ids.get("Name") else ""
            state["last"] = f"<{local}> {who}{label} (line {parser.CurrentLineNumber})".replace("  ", " ")
            state["record"] = None
        state["text"] = []

    def chars(data):
        if len(state["text"]) < 64:
            state["text"].append(data)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            last = state["last"] or "none (no record is whole)"
            inside = "/".join(stack[-3:]) if stack else ""
            what = expat.errors.messages[exc.code] if hasattr(exc, "code") else str(exc)
            where = f"line {exc.lineno}, column {exc.offset}"
            if stack and what in (expat.errors.XML_ERROR_NO_ELEMENTS, expat.errors.XML_ERROR_UNCLOSED_TOKEN,
                                  expat.errors.XML_ERROR_PARTIAL_CHAR):
                raise IncompleteSchedule(f"the file is cut short: it ends at {where} inside <{inside}> (expat: "
                                         f"{what}); the last complete record is {last}") from None
            raise IncompleteSchedule(f"the XML is malformed at {where}" + (f" inside <{inside}>" if inside else "")
                                     + f" ({what}); the last complete record is {last}") from None
