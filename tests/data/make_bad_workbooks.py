"""Write the workbook cases of ``tests/data/bad/`` (run from the project root; files are committed).

Each case is the minimal portfolio (``tests/data/minimal``) as one ``portfolio.xlsx``,
then damaged the way workbooks written by other tools or by hand are damaged:

* ``stale_dimension``: the projects sheet's stored ``<dimension>`` says ``A1:O3``
  while rows 4-5 and columns P-Q (start_date, committed_finish) hold data; a
  day-first date hides in Q5, so reading only the stated range would miss it.
* ``corrupt_sheet_xml``: the risks sheet's XML is cut off (a truncated download).
* ``bad_crc``: one byte of the risks sheet changed after the CRC was computed.
* ``formula_without_value``: projects!H2 holds ``=100+200`` with no cached value
  (a file written by a script and never opened in Excel).
* ``cached_error_value``: projects!C3 holds a formula whose cached value is ``#DIV/0!``.
* ``template_only``: the blank template as ``pmo template`` writes it.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
MINIMAL = HERE / "minimal"
BAD = HERE / "bad"


def _excel_value(v: str):
    if v == "":
        return None
    try:
        f = float(v)
        return int(f) if f.is_integer() and "." not in v else f
    except ValueError:
        return v


def minimal_workbook(edit=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for f in sorted(MINIMAL.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        ws = wb.create_sheet(f.stem)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([_excel_value(v) for v in row])
    if edit:
        edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_member(data: bytes, sheet: str) -> str:
    """Zip member of ``sheet`` (sheets are written in order: sheet1.xml, sheet2.xml ...)."""
    names = sorted(p.stem for p in MINIMAL.glob("*.csv"))
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def rewrite(data: bytes, member: str, change, stored: bool = False) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = change(body)
                out.writestr(info.filename, body, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            else:
                out.writestr(info, body)
    return buf.getvalue()


def stale_dimension() -> bytes:
    def edit(wb):
        wb["projects"]["Q5"] = "31/03/2026"  # text, day-first: an error, if it is read at all

    data = minimal_workbook(edit)
    return rewrite(data, sheet_member(data, "projects"),
                   lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:O3"/>', b))


def corrupt_sheet_xml() -> bytes:
    data = minimal_workbook()
    return rewrite(data, sheet_member(data, "risks"), lambda b: b[: len(b) * 2 // 3])


def bad_crc() -> bytes:
    data = minimal_workbook()
    member = sheet_member(data, "risks")
    data = rewrite(data, member, lambda b: b, stored=True)
    # flip one digit inside the stored (uncompressed) member, after its CRC was written
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(member)
    raw = bytearray(data)
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26:header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    body = bytes(raw[start:start + info.compress_size])
    pos = body.index(b"<v>0.5</v>") + 3 if b"<v>0.5</v>" in body else body.index(b"<v>") + 3
    raw[start + pos] = ord("7") if raw[start + pos] != ord("7") else ord("8")
    return bytes(raw)


def formula_without_value() -> bytes:
    def edit(wb):
        wb["projects"]["H2"] = "=100+200"

    return minimal_workbook(edit)


def cached_error_value() -> bytes:
    def edit(wb):
        wb["projects"]["C3"] = "=1/0"

    data = minimal_workbook(edit)
    return rewrite(data, sheet_member(data, "projects"),
                   lambda b: re.sub(rb'<c r="C3"[^>]*>.*?</c>', b'<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c>', b))


def template_only() -> bytes:
    import tempfile

    from pmo_analytics.tables import write_template

    with tempfile.TemporaryDirectory() as d:
        return write_template(Path(d) / "t.xlsx").read_bytes()


CASES = {f.__name__: f for f in (stale_dimension, corrupt_sheet_xml, bad_crc, formula_without_value,
                                 cached_error_value, template_only)}


def main() -> int:
    for name, make in CASES.items():
        folder = BAD / name
        folder.mkdir(exist_ok=True)
        (folder / "portfolio.xlsx").write_bytes(make())
        print(f"wrote {folder / 'portfolio.xlsx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
