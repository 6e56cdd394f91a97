"""``results.xlsx``: a workbook an analyst reuses as is.

The workbook of a record holds

* a **Contents** sheet first: what the record is, when it was computed, the
  data it read (path, fingerprint and each file's SHA-256), seed, confidence
  level, currency, a link to ``index.html``, each page's decision headline,
  and one row per sheet (a link to it, the page that published it, its
  **publish key** -- the machine name in ``numbers.json`` and
  ``results_csv/`` -- what it holds and how many rows);
* one sheet per table, **named for people** (``Funded portfolio``,
  ``Uncertainty – spend``), ordered by page (00, 01, ... 06; on each page the
  key tables of :data:`~pmo_analytics.records.sheets.KEY_TABLES` first), then
  ``Numbers`` (one row per published number, with its unit) and ``Columns``:
  every column of every sheet with its header, machine name, label, unit,
  kind and meaning (the glossary, :mod:`pmo_analytics.tables.columns`);
* a table published identically by several pages (``risk.exposure`` on 00,
  03 and 06) is written once, on the page that computes it
  (:data:`pmo_analytics.records.published.PUBLISHED`), the others named in
  Contents.

On every table sheet:

* headers are the glossary's labels with their unit (``P90 cost [£]``,
  ``Schedule contingency at P90 [working days]``, ``P(overrun) [%]``), the
  label read at the record's confidence level; each header carries the
  column's meaning as a note;
* every numeric cell has the number format of its column's kind: money with
  thousands separators in the data's currency (``£#,##0``), probabilities
  and shares as ``%``, working days and periods with one decimal, periods and
  counts as integers, ratios with two decimals, dates as dates; the values
  stay at full precision (the formats change the display only) and no cell
  holds a formula;
* the table is an Excel Table (sorting and filtering, banded rows) with the
  header row (and the id column) frozen and widths fitted to the contents;
* RAG columns (red/amber/green; benefit status on track/at risk) are filled
  in their colour by conditional formatting;
* print setup: A4 landscape, fitted to the page width, the header row
  repeated on every page, the sheet title in the page header and the record
  id and date in the footer.

The file is written to a temporary name and renamed into place
(:func:`pmo_analytics.atomic.write_atomic`).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..tables.columns import Column, column, known
from ..tables.formats import confidence as display_confidence, currency as display_currency, currency_symbol, p_label
from .published import lookup
from .sheets import (_ILLEGAL_XML, _KEY_BY_SHEET, _atomic, _cell_text, _check, _clean_cell, _prepared, _unit,
                     safe_text, sheet_name)

__all__ = ["export_excel", "sheet_title", "workbook_header", "number_format", "RAG_WORDS", "CONTENTS", "COLUMNS_SHEET",
           "NUMBERS", "TITLES", "ITEM_NAMES"]

#: The first sheet: the record and one row per sheet (its publish key, page, rows).
CONTENTS = "Contents"
#: The last sheet: every column of every sheet (header, machine name, label, unit, kind, meaning).
COLUMNS_SHEET = "Columns"
#: The publish key of the table of published numbers (:func:`pmo_analytics.records.export.numbers_to_tables`).
NUMBERS = "numbers"

#: Sheet titles for people, by publish key (a key not listed reads ``Area – what``: ``Selection – frontier``).
TITLES = {
    "results.recovery_by_project": "Recovery by project",
    "risk.table": "Risk – finish and cost",
    "risk.exposure": "Risk – exposure",
    "intake.weights": "Intake – criterion weights",
    "intake.uplifts": "Intake – cost uplifts",
    "intake.quadrants": "Intake – value-risk quadrants",
    "intake.shortlist": "Intake – shortlist",
    "intake.top10": "Intake – top ten",
    "selection.spend_by_period": "Selection – spend by period",
    "selection.start_periods": "Selection – start periods",
    "selection.shortfall": "Selection – budget shortfall",
    "selection.explanations": "Selection – in or out, why",
    "uncertainty.spend": "Uncertainty – spend",
    "uncertainty.comparison": "Uncertainty – comparison",
    "uncertainty.frontier": "Uncertainty – frontier",
    "delivery.indices": "Delivery – EVM indices",
    "delivery.eac": "Delivery – EAC",
    "delivery.rag": "Delivery – RAG",
    "delivery.p_within_budget": "Delivery – within budget",
    "delivery.finish_p50": "Delivery – P50 finish",
    "support.tco": "Support – cost of ownership",
    "lessons.uplifts": "Lessons – estimating uplifts",
    NUMBERS: "Numbers",
}
#: What the ``item`` column of a published Series or table is (JSON keeps no index name), by publish key: the
#: header reads as that glossary column; the machine name stays ``item`` (as in ``results_csv/``).
ITEM_NAMES = {"uncertainty.spend": "period", "selection.spend_by_period": "period", "selection.scenarios": "scenario",
              "uncertainty.comparison": "method", "selection.bottlenecks": "skill", "intake.weights": "criterion",
              "intake.uplifts": "reference_class", "lessons.uplifts": "reference_class", "intake.quadrants": "quadrant"}
#: Headers of the ``numbers`` table (not result columns of the glossary).
_NUMBER_LABELS = {"notebook": "Page", "name": "Published name", "item": "Item", "number": "Number", "text": "Text",
                  "unit": "Unit"}

#: Words of a RAG column -> fill colour (a cell is filled when its text starts with the word, ignoring case).
RAG_WORDS = {"red": "FFF4B6B6", "amber": "FFFFE0A3", "green": "FFC6EFCE", "at risk": "FFFFE0A3",
             "on track": "FFC6EFCE"}
_RAG_OTHER = ("not yet measured", "grey", "blue", "closed")  # words a RAG column may also hold, left unfilled

_MAX_WIDTH = 60
_HEAD_WIDTH = 28  # a longer header wraps onto a second line rather than widening its column
_HEAD_FILL = "FFE9F1F7"
_UNIT_WORDS = {"days": "working days", "currency": None}
_UNIT_KIND = {"currency": "money", "days": "days", "period": "period", "periods": "periods", "FTE": "fte",
              "probability": "probability", "share": "share", "%": "percent", "ratio": "ratio", "points": "score",
              "count": "count"}
_BRACKET = re.compile(r"\[([^\]]+)\]\s*$")


# ------------------------------------------------------------------ names, headers and formats
def sheet_title(key: str) -> str:
    """The sheet title people read for publish key ``key`` (``uncertainty.spend`` -> ``Uncertainty – spend``)."""
    key = str(key)
    if key in TITLES:
        return TITLES[key]
    for k in _KEY_BY_SHEET.values():
        if k.name == key:
            return k.sheet
    m = re.fullmatch(r"risk\.(.+)\.top_drivers", key)
    if m:
        return f"Risk drivers {m.group(1)}"
    area, _, what = key.partition(".")
    if not what:
        return key  # a name the caller chose
    what = what.replace(".", " ").replace("_", " ")
    if area == "results":
        return what[:1].upper() + what[1:]
    return f"{area.replace('_', ' ').capitalize()} – {what}"


def _unit_word(d: Column, symbol: str) -> str:
    """The unit a header shows for column ``d`` (money: the currency symbol; shares: ``%``)."""
    if d.kind in ("probability", "share", "percent"):
        return "%"
    if d.kind in ("date", "flag", "id", "text", "number") and not d.unit:
        return ""
    unit = d.unit_
    if d.kind == "money" or unit == "currency":
        return symbol
    unit = unit.replace("currency", symbol)
    return _UNIT_WORDS.get(unit) or {"points": "points"}.get(unit, unit)


def workbook_header(d: Column, currency: str, confidence: float) -> str:
    """``Label [unit]`` of column ``d`` in the workbook: ``P90 cost [£]``, ``Joint confidence ... [%]``; a label
    that ends with its unit stands alone (``Start period``, ``Count``).

    The label is read at ``confidence`` (``Cost contingency at P90``); money carries the symbol of ``currency``.
    """
    label = d.label_at(confidence)
    unit = _unit_word(d, currency_symbol(currency).strip())
    if not unit or label.endswith("]") or label.lower().endswith(unit.lower()):  # "Start period", not "[period]"
        return label
    return f"{label} [{unit}]"


def number_format(kind: str, currency: str, value=None) -> str:
    """The Excel number format of a numeric cell of ``kind`` (never ``General``).

    Money: ``"£"#,##0`` (thousands separated, whole units of ``currency``); probabilities ``0.0%``;
    shares ``0%``; working days, periods and FTE one decimal; a period, counts integers; ratios two
    decimals; scores three; dates ``yyyy-mm-dd``. A number of no known kind: an integer as ``#,##0``,
    otherwise ``#,##0.00##``.
    """
    if kind == "money":
        sym = currency_symbol(currency).strip().replace('"', "")
        return f'"{sym}"#,##0;-"{sym}"#,##0'
    fmt = {"probability": "0.0%", "share": "0%", "percent": '0.0"%"', "days": "#,##0.0", "periods": "#,##0.0",
           "period": "0", "fte": "0.0", "ratio": "0.00", "score": "0.000", "count": "#,##0",
           "date": "yyyy-mm-dd"}.get(kind)
    if fmt is not None:
        return fmt
    if value is not None and isinstance(value, (int, float, np.integer, np.floating)) and float(value) == int(value):
        return "#,##0"
    return "#,##0.00##"


def _numbers_kind(name: str, item) -> str | None:
    """The kind of a published number: its item's column, the unit the registry gives its name, its last word."""
    if item is not None and not (isinstance(item, float) and np.isnan(item)) and known(str(item)):
        return column(str(item)).kind
    entry = lookup(str(name))
    if entry is not None:
        m = _BRACKET.search(entry.what)
        if m and m.group(1).strip() in _UNIT_KIND:
            return _UNIT_KIND[m.group(1).strip()]
    last = str(name).rsplit(".", 1)[-1]
    if known(last):
        return column(last).kind
    if re.match(r"^p(robability)?_", last):  # p_any_overrun: a probability, as the glossary reads p_ names
        return "probability"
    return None


def _is_rag(values: pd.Series, name: str) -> bool:
    """A RAG column: named ``rag`` or holding only RAG words (red/amber/green; on track/at risk)."""
    if name == "rag" or name.endswith("_rag"):
        return True
    text = values.dropna()
    if not len(text) or not all(isinstance(v, str) for v in text):
        return False
    words = tuple(RAG_WORDS) + _RAG_OTHER
    low = text.str.strip().str.lower()
    coloured = tuple(RAG_WORDS)
    return bool(low.map(lambda v: v.startswith(words)).all() and low.map(lambda v: v.startswith(coloured)).any())


def _unique_headers(heads: list[str], names: list[str]) -> list[str]:
    """Table headers must differ (ignoring case): a repeated label gets its machine name."""
    seen: dict[str, int] = {}
    for h in heads:
        seen[h.lower()] = seen.get(h.lower(), 0) + 1
    out, used = [], set()
    for h, n in zip(heads, names):
        x = base = h if seen[h.lower()] == 1 else f"{h} ({n})"
        k = 2
        while x.lower() in used:
            x, k = f"{base} {k}", k + 1
        used.add(x.lower())
        out.append(x)
    return out


# ------------------------------------------------------------------ which tables, in which order
def _page_of(name: str, df: pd.DataFrame) -> str:
    return str(df.attrs.get("page") or "")


def _ordered(tables: dict) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """``(name, frame, other pages)`` by page, key tables first on their page, numbers last; a table published
    identically by several pages once, under the page that computes it."""
    items = list(tables.items())
    groups: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for name, df in items:
        groups.setdefault(str(df.attrs.get("publish_key") or name), []).append((name, df))
    chosen: dict[str, list[str]] = {}
    for key, members in groups.items():
        entry = lookup(key)
        home = entry.pages[0] if entry is not None else None
        members = sorted(members, key=lambda m: (_page_of(*m)[:2] != home, _page_of(*m)))
        kept: list[tuple[str, pd.DataFrame]] = []
        for name, df in members:
            twin = next((k for k in kept if k[1].shape == df.shape and k[1].equals(df)), None)
            if twin is None:
                kept.append((name, df))
                chosen[name] = []
            else:
                chosen[twin[0]].append(_page_of(name, df)[:2] or str(name))
    position = {name: i for i, (name, _) in enumerate(items)}

    def order(name):
        df = tables[name]
        key = str(df.attrs.get("publish_key") or name)
        page = _page_of(name, df)
        last = key == NUMBERS
        return (last, page[:2] if page else "", name not in _KEY_BY_SHEET, position[name])

    return [(n, tables[n], chosen[n]) for n in sorted(chosen, key=order)]


# ------------------------------------------------------------------ the writer
def export_excel(tables: dict[str, pd.DataFrame], path: str | os.PathLike, units: dict | None = None, *,
                 cover: dict | None = None, names: dict | None = None, currency: str | None = None,
                 confidence: float | None = None) -> Path:
    """Write every table to one ``.xlsx`` workbook: Contents, one formatted sheet per table, Columns.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Name -> result table (an informative index is written as columns). A frame's
        ``attrs["publish_key"]`` and ``attrs["page"]`` (set by
        :func:`pmo_analytics.records.export.numbers_to_tables`) name its publish key and page.
    path : str or Path
        Workbook to write (replaced atomically).
    units : dict, optional
        ``{column: unit}`` or ``{table: {column: unit}}`` overriding the known units.
    cover : dict, optional
        The record (see :func:`pmo_analytics.records.export.cover_from_manifest`), shown on Contents
        and in each printed page's footer.
    names : dict, optional
        ``{id_column: {id: name}}``: a name column beside each id column that has none.
    currency : str, optional
        ISO 4217 code of the amounts (default: the cover's, else the display currency).
    confidence : float, optional
        Confidence level labels are read at (default: the cover's, else the display confidence).

    Returns
    -------
    Path
    """
    _check(tables)
    path = Path(path)
    cover = dict(cover or {})
    currency = currency or cover.get("currency") or display_currency()
    confidence = float(confidence or cover.get("confidence") or display_confidence())

    def write(tmp: Path):
        from openpyxl import Workbook

        wb = Workbook()
        contents = wb.active
        taken: set[str] = {CONTENTS.lower(), COLUMNS_SHEET.lower()}
        contents.title = CONTENTS
        sheets, glossary = [], []
        for name, df, also in _ordered(tables):
            key = str(df.attrs.get("publish_key") or name)
            title = str(name) if str(name) in _KEY_BY_SHEET else sheet_title(key)
            if title.lower() in taken and df.attrs.get("page"):
                title = f"{title} ({str(df.attrs['page'])[:2]})"
            ws = wb.create_sheet(sheet_name(title, taken))
            rows = _write_table(ws, str(name), key, df, units, names, currency, confidence, cover, glossary)
            sheets.append({"sheet": ws.title, "page": str(df.attrs.get("page_title") or df.attrs.get("page") or ""),
                           "key": key, "what": _what(str(name), key, df, confidence), "rows": rows,
                           "also": ", ".join(also)})
        _write_contents(contents, cover, sheets, currency, confidence)
        _write_columns(wb.create_sheet(COLUMNS_SHEET), glossary, cover)
        wb.save(tmp)

    return _atomic(path, write)


def _what(name: str, key: str, df: pd.DataFrame, confidence: float) -> str:
    k = _KEY_BY_SHEET.get(name)
    if k is not None:
        return k.what.replace("P80", p_label(confidence))  # the key tables' levels are the record's
    if df.attrs.get("description"):
        return str(df.attrs["description"])
    entry = lookup(key)
    if entry is not None:
        return entry.what[:1].upper() + entry.what[1:]
    if key == NUMBERS:
        return "Every number the pages published, one row each (lists and text in Text)."
    return "Published by the notebooks."


def _write_table(ws, name, key, df, units, names, currency, confidence, cover, glossary) -> int:
    """One table as an Excel Table on ``ws``; appends its columns to ``glossary``; returns the rows written."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    frame = _prepared(name, df, names)
    is_numbers = key == NUMBERS
    row_kinds = None
    if is_numbers and "number" in frame.columns:
        items = frame["item"] if "item" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        row_kinds = [_numbers_kind(n, i) for n, i in zip(frame["name"], items)]
        units_col = [_unit_word(Column("x", "x", k), currency_symbol(currency).strip()) if k else ""
                     for k in row_kinds]
        frame = frame.copy()
        frame.insert(list(frame.columns).index("number") + 1, "unit", units_col)
    defs, heads = [], []
    for c in frame.columns:
        d = column(str(c), name, frame[c])
        if str(c) == "item" and key in ITEM_NAMES:
            d = replace(column(ITEM_NAMES[key], name, frame[c]), name="item")
        unit = _unit(name, str(c), frame, units)
        if unit and unit != d.unit_ and not (d.kind == "date" and not unit):
            d = replace(d, unit=unit, kind=_UNIT_KIND.get(unit, d.kind) if d.kind in ("number", "count") else d.kind)
        if not d.label.strip():  # a column without a name: its position
            d = replace(d, label=f"Column {len(defs) + 1}")
        if is_numbers and str(c) in _NUMBER_LABELS:
            d = Column(str(c), _NUMBER_LABELS[str(c)], "number" if str(c) == "number" else "text")
        defs.append(d)
        heads.append(workbook_header(d, currency, confidence) if not (is_numbers and str(c) in _NUMBER_LABELS)
                     else d.label)
    heads = _unique_headers([_ILLEGAL_XML.sub("", h) for h in heads], [str(c) for c in frame.columns])
    ncol, nrow = len(frame.columns), len(frame)
    bold = Font(bold=True)
    for i, (d, h) in enumerate(zip(defs, heads), start=1):
        cell = ws.cell(row=1, column=i, value=h)
        cell.data_type = "s"
        cell.font = bold
        cell.fill = PatternFill("solid", start_color=_HEAD_FILL, end_color=_HEAD_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if d.meaning:
            cell.comment = Comment(d.meaning, "pmo_analytics")
        glossary.append((ws.title, key, h, d.name, d.label_at(confidence),
                         _unit_word(d, currency_symbol(currency).strip()), d.kind, d.meaning))
    kinds = [d.kind for d in defs]
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for i, v in enumerate(values, start=1):
            v = _clean_cell(v)
            if v is None:
                continue
            cell = ws.cell(row=r, column=i, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # text is text, never a formula
            elif isinstance(v, bool):
                continue
            elif hasattr(v, "year"):
                cell.number_format = "yyyy-mm-dd"
            else:
                kind = row_kinds[r - 2] if (row_kinds is not None and defs[i - 1].name == "number") else kinds[i - 1]
                if kind in ("date", "id", "text", "flag", None):
                    kind = "period" if kind == "id" or defs[i - 1].name == "item" else "number"
                cell.number_format = number_format(kind, currency, v)
    last = get_column_letter(max(ncol, 1))
    if ncol:
        ref = f"A1:{last}{max(2, nrow + 1)}"
        table = Table(displayName=_table_name(ws.title, ws.parent), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True, showColumnStripes=False,
                                              showFirstColumn=False, showLastColumn=False)
        ws.add_table(table)
    id_first = ncol and str(frame.columns[0]).endswith("_id")
    ws.freeze_panes = "B2" if id_first else "A2"
    _rag_fills(ws, frame, nrow)
    _widths(ws, frame, heads, kinds, currency)
    _print_setup(ws, cover)
    return nrow


def _table_name(title: str, wb) -> str:
    """A unique Excel Table name (letters, digits and ``_``, never a cell reference)."""
    base = "t_" + (re.sub(r"\W+", "_", title.encode("ascii", "ignore").decode()).strip("_") or "table")
    used = {t.lower() for ws in wb.worksheets for t in ws.tables}
    name, i = base[:200], 2
    while name.lower() in used:
        name, i = f"{base[:195]}_{i}", i + 1
    return name


def _rag_fills(ws, frame: pd.DataFrame, nrow: int) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    for i, c in enumerate(frame.columns, start=1):
        if not _is_rag(frame[c], str(c)):
            continue
        letter = get_column_letter(i)
        rng = f"{letter}2:{letter}{max(2, nrow + 1)}"
        for word, colour in RAG_WORDS.items():
            fill = PatternFill("solid", start_color=colour, end_color=colour)
            rule = FormulaRule(formula=[f'LOWER(LEFT(TRIM({letter}2),{len(word)}))="{word}"'], fill=fill)
            ws.conditional_formatting.add(rng, rule)


def _widths(ws, frame: pd.DataFrame, heads: list[str], kinds: list[str], currency: str) -> None:
    from openpyxl.utils import get_column_letter

    sample = frame.head(500)
    lines = 1
    for i, (c, h, kind) in enumerate(zip(frame.columns, heads, kinds), start=1):
        s = sample[c]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if pd.api.types.is_datetime64_any_dtype(s) or kind == "date":
            widest = 10
        elif numeric and s.notna().any():
            m = float(np.nanmax(np.abs(s.to_numpy(dtype=float))))
            widest = len(f"{m:,.0f}") + (len(currency_symbol(currency).strip()) + 1 if kind == "money" else 3)
        else:
            lengths = s.map(lambda v: len(_cell_text(v)) if v is not None else 0)
            widest = int(lengths.max()) if len(lengths) else 0
        width = min(_MAX_WIDTH, max(8, widest + 2, min(len(h) + 3, _HEAD_WIDTH)))
        ws.column_dimensions[get_column_letter(i)].width = width
        lines = max(lines, -(-(len(h) + 3) // int(width)))
    ws.row_dimensions[1].height = 15 * min(lines, 4)


def _footer_text(cover: dict) -> str:
    run, when = cover.get("run_id"), str(cover.get("when") or "")[:10]
    parts = [f"Record {run}" if run else "", when]
    return " · ".join(p.replace("&", "&&") for p in parts if p)


def _print_setup(ws, cover: dict) -> None:
    """A4 landscape, fitted to the page width, header row on every page, title and record in the margins."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    if ws.max_row >= 1 and ws.tables:
        ws.print_title_rows = "1:1"
    ws.oddHeader.left.text = ws.title.replace("&", "&&")
    ws.oddHeader.right.text = str(cover.get("title") or "Portfolio review — results").replace("&", "&&")
    ws.oddFooter.left.text = _footer_text(cover)
    ws.oddFooter.right.text = "Page &P of &N"


# ------------------------------------------------------------------ Contents and Columns
def _write_contents(ws, cover: dict, sheets: list[dict], currency: str, confidence: float) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.table import Table, TableStyleInfo

    bold = Font(bold=True)
    for letter, width in zip("ABCDEF", (34, 28, 30, 70, 8, 16)):
        ws.column_dimensions[letter].width = width
    ws["A1"] = str(cover.get("title") or "Portfolio review — results")
    ws["A1"].font = Font(bold=True, size=14)
    row = 3

    def put(label, value, link=None):
        nonlocal row
        a = ws.cell(row=row, column=1, value=safe_text(_ILLEGAL_XML.sub("", str(label))))
        a.font = bold
        a.alignment = Alignment(vertical="top")
        b = ws.cell(row=row, column=2, value=safe_text(_ILLEGAL_XML.sub("", str(value))) if value is not None else "")
        b.data_type = "s"
        b.alignment = Alignment(wrap_text=False, vertical="top")
        if link:
            b.hyperlink = link
            b.style = "Hyperlink"
        row += 1

    for label, key in (("What", "what"), ("When", "when"), ("Run", "run_id"), ("Status", "status"),
                       ("Data", "data"), ("Data fingerprint (SHA-256)", "fingerprint"), ("Seed", "seed"),
                       ("Parameters", "parameters"), ("Code", "git")):
        if cover.get(key) not in (None, ""):
            put(label, cover[key])
    put("Amounts in", f"{currency} ({currency_symbol(currency).strip()}), whole units shown; the cells hold every "
                      "digit")
    put("Confidence level", f"P{confidence:g}: columns read at a confidence level say it in their header")
    if cover.get("record"):
        put("Record", "open the decision record (index.html)", link=str(cover["record"]))
    headlines = cover.get("headlines") or []
    if headlines:
        row += 1
        ws.cell(row=row, column=1, value="What the record decides").font = Font(bold=True, size=12)
        row += 1
        for page, text in headlines:
            put(page, text)
    missing = cover.get("missing_key_tables") or []
    if missing:
        put("Not in this record", "; ".join(missing))
    row += 1
    ws.cell(row=row, column=1, value="Sheets").font = Font(bold=True, size=12)
    ws.cell(row=row, column=2, value="publish key = the name in numbers.json and results_csv/; every column is "
                                     f"on '{COLUMNS_SHEET}'")
    row += 1
    top = row
    for i, h in enumerate(("Sheet", "Page", "Publish key", "What", "Rows", "Also published by page"), start=1):
        ws.cell(row=row, column=i, value=h).font = bold
    for s in sheets:
        row += 1
        a = ws.cell(row=row, column=1, value=s["sheet"])
        a.data_type = "s"
        a.hyperlink = Hyperlink(ref=a.coordinate, location=f"'{s['sheet']}'!A1")  # a link inside the workbook
        a.style = "Hyperlink"
        for i, v in enumerate((s["page"], s["key"], s["what"]), start=2):
            ws.cell(row=row, column=i, value=safe_text(_ILLEGAL_XML.sub("", v))).data_type = "s"
        ws.cell(row=row, column=5, value=int(s["rows"])).number_format = "#,##0"
        ws.cell(row=row, column=6, value=s["also"]).data_type = "s"
    ref = f"A{top}:F{max(row, top + 1)}"
    table = Table(displayName="t_contents", ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    files = cover.get("files") or {}
    if files:
        row += 2
        ws.cell(row=row, column=1, value="Input files (SHA-256)").font = Font(bold=True, size=12)
        row += 1
        for fname, digest in sorted(files.items()):
            put(fname, digest)
    _print_setup(ws, cover)  # the title row repeats on each printed page


def _write_columns(ws, glossary: list[tuple], cover: dict) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    heads = ("Sheet", "Publish key", "Header", "Machine name", "Label", "Unit", "Kind", "Meaning")
    ws.append(list(heads))
    for c in ws[1]:
        c.font = Font(bold=True)
    for entry in glossary:
        ws.append([safe_text(_ILLEGAL_XML.sub("", str(x))) if x is not None else "" for x in entry])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.data_type = "s"
            c.alignment = Alignment(vertical="top")
    table = Table(displayName="t_columns", ref=f"A1:H{max(2, len(glossary) + 1)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (26, 28, 36, 26, 34, 14, 12, 90)):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, cover)
