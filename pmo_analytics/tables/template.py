"""The blank input workbook users copy: one sheet per table and a README sheet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .spec import TABLES

__all__ = ["column_docs", "write_template"]


def column_docs() -> pd.DataFrame:
    """One row per column of every table: type, unit, required, allowed values, description."""
    rows = []
    for t in TABLES.values():
        for c in t.columns:
            rows.append({
                "table": t.name,
                "table_required": "yes" if t.required else "optional",
                "column": c.name,
                "type": c.dtype,
                "unit": c.unit,
                "column_required": "yes" if c.required else "optional",
                "allowed": c.allowed_text(),
                "description": c.description,
            })
    return pd.DataFrame(rows)


def write_template(out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the blank workbook to ``out`` (``.xlsx``).

    The file is written to a temporary name and moved into place, so a
    failure never leaves a half-written workbook; an existing file is not
    replaced unless ``overwrite`` is true.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be an .xlsx file, got {out.name!r}")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; choose another name (or overwrite=True)")
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["pmo_analytics input workbook"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(["Fill one sheet per table (sheet name = table name). Required tables: "
                   + ", ".join(t.name for t in TABLES.values() if t.required)
                   + ". Delete optional sheets you do not use. Dates as YYYY-MM-DD; lists separated by ';'; "
                   "predecessors as ID, ID:TYPE or ID:TYPE+LAG (TYPE FS/SS/FF/SF, LAG in working days). "
                   "Formulas are read as their last calculated values."])
    readme.append([])
    docs = column_docs()
    readme.append(list(docs.columns))
    for cell in readme[readme.max_row]:
        cell.font = Font(bold=True)
    for row in docs.itertuples(index=False):
        readme.append(list(row))
    for col, width in zip("ABCDEFGH", (14, 10, 26, 8, 14, 10, 40, 80)):
        readme.column_dimensions[col].width = width
    head = PatternFill("solid", fgColor="DDEBF7")
    for t in TABLES.values():
        ws = wb.create_sheet(t.name)
        ws.append(t.column_names)
        for cell, c in zip(ws[1], t.columns):
            cell.font = Font(bold=True)
            cell.fill = head
            cell.alignment = Alignment(wrap_text=True)
            ws.column_dimensions[cell.column_letter].width = max(12, len(c.name) + 4)
        ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=out.parent, prefix=".tmp-")
    os.close(fd)
    try:
        wb.save(tmp)
        if overwrite:
            os.replace(tmp, out)
        else:
            os.link(tmp, out)  # fails if out appeared meanwhile: never clobber
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return out
