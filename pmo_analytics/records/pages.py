"""Display helpers that make a notebook page a decision record.

A page of a record opens with its **decision box** — the decision in one or
two sentences, its key numbers, what it rests on and links to the evidence
below — and shows tables formatted for people. Call these from notebook
cells::

    from pmo_analytics.records.pages import decision_box, show_table, publish_table

    decision_box(
        f"Fund {n} of {m} candidates for {value_text}; defer {deferred}.",
        key_numbers={"Funded": (n, "count"), "Portfolio value": (value, "money"),
                     "Budget used": (used / budget, "share")},
        rests_on=["reference-class P80 costs", "capacity with hiring allowed"],
        evidence_links={"Why these projects": "3. Why each project is in or out"},
    )
    show_table(selector.portfolio_, columns=["selected", "start_period", "cost", "value"],
               names=pf, publish_as="results.funded_portfolio")

* :func:`decision_box` displays the box where it is called (in JupyterLab)
  and publishes it as ``page.decision`` (machine-readable, in
  ``numbers.json``); the HTML export of the page
  (:func:`pmo_analytics.records.html.export_html`) draws it first on the page,
  wherever the cell stands, and ``index.html`` and ``results.xlsx`` quote its
  headline.
* :func:`show_table` writes money as ``12.3 M``, probabilities as ``45 %``,
  dates as dates, names beside ids and ``–`` with a reason instead of NaN,
  taking every column's label, unit and format from
  :mod:`pmo_analytics.tables.columns`.
* :func:`publish_table` publishes a frame for ``results.xlsx`` with its index
  kept as columns (the JSON of :func:`~pmo_analytics.records.publish.publish`
  loses index names).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import pandas as pd

from ..tables.columns import KINDS, MISSING, UNIT_WORDS, Column, column, format_value, id_names
from ..tables.formats import confidence as display_confidence, currency, money_scale
from .publish import IDENTITY, publish, to_jsonable

__all__ = ["DECISION", "decision", "decision_box", "render_decision_box", "show_table", "format_table", "publish_table",
           "anchor", "key_number", "say", "open_review", "FOLD_ROWS", "ASK_START", "WIDE_COLUMNS"]

#: Name under which a page publishes its decision box.
DECISION = "page.decision"
#: Output metadata marking the displayed decision box (the HTML export draws the box at the top instead).
ROLE = {"pmo": {"role": "decision"}}
#: Tables longer than this are folded (``<details>``) with a summary line: the page stays readable, every row stays
#: one click away (and in ``results.xlsx``).
FOLD_ROWS = 15
#: How every ask of a decision box begins.
ASK_START = "The board is asked to"
#: Tables of this many columns or more print on a landscape A4 page of their own (``pmo-landscape``): on a portrait
#: page their numbers would not fit without splitting words.
WIDE_COLUMNS = 12



def anchor(heading: str) -> str:
    """The ``#id`` that nbconvert and JupyterLab give a markdown heading (``"2. Simulation"`` -> ``#2.-Simulation``).

    Markdown emphasis and code marks are dropped as the renderer drops them;
    links keep their text.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", str(heading).strip().lstrip("#").strip())
    text = re.sub(r"[*`]", "", text)
    return "#" + quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


#: The unit a key number of each kind reads in when none is given (money, shares and dates carry theirs in the
#: value: ``£36.8 M``, ``64 %``, ``2027-09-03``).
_TILE_UNITS = {"days": "working days", "periods": "periods", "period": "period", "fte": "FTE", "score": "points",
               "probability": "%", "share": "%", "percent": "%", "date": "date", "ratio": "ratio", "count": "count"}


def key_number(label: str, value, kind: str | None = None, unit: str | None = None) -> dict:
    """One key number of a decision box: ``{"label", "value", "kind", "unit", "text"}``.

    ``kind`` is a column kind (``money``, ``share``, ``date``, ...; see
    :mod:`pmo_analytics.tables.columns`) or a column name whose kind is used;
    a string ``value`` is shown as given. ``unit`` is what the number counts or
    measures (``projects``, ``working days``, ``earned per £1 spent``); the
    default is the kind's (money: the currency, ``working days``, ``%``, ...).
    Every tile carries a unit: a board reads ``91.6`` as nothing.
    """
    if not str(label).strip():
        raise ValueError("a key number needs a label")
    if kind is None:
        kind = "text" if isinstance(value, str) else "number"
    elif kind not in KINDS:
        col = column(kind)
        kind, unit = col.kind, unit or (UNIT_WORDS.get(col.unit_) if col.unit else None)
    if unit is None:
        unit = currency() if kind == "money" else _TILE_UNITS.get(kind, "")
    if kind == "count" and isinstance(value, (int, float)) and value == 1 and str(unit).endswith("s") \
            and " " not in str(unit):
        unit = str(unit)[:-1]  # 1 project, 2 projects
    return {"label": str(label), "value": to_jsonable(value), "kind": kind, "unit": str(unit),
            "text": format_value(value, kind)}


def _key_numbers(key_numbers) -> list[dict]:
    if key_numbers is None:
        return []
    items = key_numbers.items() if isinstance(key_numbers, Mapping) else key_numbers
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(key_number(item["label"], item.get("value"), item.get("kind")))
            continue
        label, value = item
        if isinstance(value, tuple):
            if len(value) not in (2, 3):
                raise ValueError(f"key number {label!r}: give a value, (value, kind) or (value, kind, unit), "
                                 f"got {value!r}")
            out.append(key_number(label, *value))
        else:
            out.append(key_number(label, value))
    return out


def _links(evidence_links) -> list[dict]:
    if evidence_links is None:
        return []
    items = evidence_links.items() if isinstance(evidence_links, Mapping) else evidence_links
    out = []
    for label, target in items:
        target = str(target)
        href = target if target.startswith("#") else anchor(target)
        out.append({"label": str(label), "href": href})
    return out


def decision(headline: str, key_numbers=None, rests_on: Iterable[str] | None = None, evidence_links=None,
             *, title: str | None = None, ask: str | None = None, options: Iterable[str] | None = None) -> dict:
    """The payload of a decision box (what :func:`decision_box` shows and publishes), validated.

    Raises
    ------
    ValueError
        on an empty headline, a malformed key number, or an ask that does not say what the board is asked
        (it starts with :data:`ASK_START`), or options without an ask.
    """
    if not isinstance(headline, str) or not headline.strip():
        raise ValueError("a decision box needs a headline: the decision in one or two sentences")
    if isinstance(rests_on, str):
        rests_on = [rests_on]
    payload = {"headline": " ".join(headline.split()), "key_numbers": _key_numbers(key_numbers),
               "rests_on": [str(r) for r in (rests_on or [])], "evidence": _links(evidence_links)}
    if title:
        payload["title"] = str(title)
    opts = [" ".join(str(o).split()) for o in (options or []) if str(o).strip()]
    if ask is not None:
        ask = " ".join(str(ask).split())
        if not ask.startswith(ASK_START):
            raise ValueError(f"an ask says what the board is asked to decide, starting {ASK_START!r}; got {ask!r}")
        payload["ask"] = ask
        payload["options"] = opts
    elif opts:
        raise ValueError("options need the ask they answer")
    return payload


def decision_box(headline: str, key_numbers=None, rests_on: Iterable[str] | None = None, evidence_links=None,
                 *, title: str | None = None, ask: str | None = None, options: Iterable[str] | None = None) -> None:
    """Show the page's decision first and publish it as ``page.decision`` (call once per page).

    Parameters
    ----------
    headline : str
        The decision in one or two generated sentences.
    key_numbers : mapping or iterable of pairs, optional
        ``{label: value}``, ``{label: (value, kind)}`` or ``{label: (value, kind, unit)}``; ``kind`` is a column
        kind or name (``"money"`` -> ``£12.3 M``, ``"share"`` -> ``45 %``,
        ``"date"``, ``"days"``, ``"p80_cost"``, ...), ``unit`` what a count
        counts (``"projects"``). Shown in order; the first four are quoted in ``index.html``.
    rests_on : iterable of str, optional
        What the decision rests on: data, assumptions, parameters.
    evidence_links : mapping or iterable of pairs, optional
        ``{label: heading}``: a markdown heading of this page (its text, or an
        ``#anchor``) where the evidence is.
    title : str, optional
        The page's title in the index (default: from the notebook's name).
    ask : str, optional
        What the board is asked to decide, in plain words (``"The board is asked to approve ..."``): the box
        ends with it.
    options : iterable of str, optional
        The options before the board, listed under the ask.

    The box is displayed where the cell stands (JupyterLab); the HTML record
    draws it first on the page. Nothing is returned, so the cell shows no
    echo; :func:`decision` builds the same payload without displaying it.

    Raises
    ------
    ValueError
        on an empty headline or a malformed key number.
    """
    from IPython.display import HTML, display

    payload = decision(headline, key_numbers, rests_on, evidence_links, title=title, ask=ask, options=options)
    display(HTML(render_decision_box(payload)), metadata=ROLE)
    publish(DECISION, payload)


def open_review(data_path=None, seed: int | None = None, policy: Mapping | None = None):
    """Open a curated page: offline charts, the review of ``data_path``, and the page's published identity.

    Parameters
    ----------
    data_path : path, optional
        Folder of CSVs or workbook (None: the bundled sample), the page's ``data_path`` parameter.
    seed : int, optional
        The review's random seed (the page's ``seed`` parameter).
    policy : mapping, optional
        Review policy settings (the page's ``policy`` parameter).

    Returns
    -------
    PortfolioReview
        :func:`pmo_analytics.review.load_review` of the data under the policy (cached: every page of a
        record reads the same review), after publishing its identity as ``review.identity`` so the record
        can check that the page read the data its manifest names.
    """
    from .. import charts
    from ..review import load_review
    from ..tables.formats import set_confidence, set_currency
    from ..tables.settings import read_settings

    if policy is not None and not isinstance(policy, Mapping):
        raise ValueError(f"policy must be a mapping of review policy settings, got {type(policy).__name__}")
    charts.enable_offline()
    settings = dict(policy or {})
    review = load_review(data_path, **({"seed": seed} if seed is not None else {}), **settings)
    # what people read on this page: money in the data's currency, labels at the review's confidence level
    source = getattr(review.portfolio_, "source", None)
    set_currency(read_settings(source).currency if source is not None else None)
    set_confidence(review.policy.confidence)
    publish(IDENTITY, review.identity)
    return review


def say(sentences) -> None:
    """Show generated sentences as a bulleted paragraph in the page's body type (not as program output).

    ``sentences`` is a string or an iterable of strings; empty ones are skipped.
    """
    from IPython.display import HTML, display

    items = [sentences] if isinstance(sentences, str) else [str(x) for x in sentences if str(x).strip()]
    if not items:
        return
    body = "".join(f"<li>{html.escape(x)}</li>" for x in items)
    display(HTML(f"<ul class='pmo-say' style='margin:.3em 0 .8em;line-height:1.45'>{body}</ul>"))


def _tile(k: dict) -> str:
    """One key number: the value with its unit (a word where the value does not carry it), then its label."""
    e = html.escape
    text, unit, kind = str(k.get("text", "")), str(k.get("unit") or ""), k.get("kind")
    shown_unit = "" if kind in ("money", "probability", "share", "percent", "date", "text") else unit
    unit_html = (f" <span class='pmo-key-unit' style='font-size:.6em;font-weight:normal;color:#444'>"
                 f"{e(shown_unit)}</span>") if shown_unit else ""
    return (f"<div class='pmo-key' data-unit='{e(unit or kind or '')}' style='display:inline-block;"
            f"margin:0 1.6em .4em 0;vertical-align:top'>"
            f"<div class='pmo-key-value' style='font-size:1.5em;font-weight:600'>{e(text)}{unit_html}</div>"
            f"<div class='pmo-key-label' style='font-size:.85em;color:#555'>{e(str(k.get('label', '')))}</div></div>")


def render_decision_box(payload: dict) -> str:
    """HTML of a decision box from its published payload (escaped; inline styles so it reads in JupyterLab).

    Order: the decision, its key numbers (each with its unit), what it rests on, the evidence, and last what the
    board is asked to decide with its options.
    """
    e = html.escape
    nums = "".join(_tile(k) for k in payload.get("key_numbers") or [])
    rests = payload.get("rests_on") or []
    rests_html = ("<p class='pmo-rests' style='margin:.4em 0;font-size:.9em;color:#444'><b>Rests on:</b> "
                  + "; ".join(e(str(r)) for r in rests) + ".</p>") if rests else ""
    links = payload.get("evidence") or []
    links_html = ("<p class='pmo-evidence' style='margin:.4em 0;font-size:.9em'><b>Evidence:</b> "
                  + " · ".join(f"<a href='{e(_safe_href(x.get('href', '')))}'>{e(str(x.get('label', '')))}</a>"
                               for x in links) + "</p>") if links else ""
    ask = payload.get("ask")
    ask_html = ""
    if ask:
        opts = payload.get("options") or []
        opts_html = ("<ul class='pmo-options' style='margin:.2em 0 0 1.2em;padding:0'>"
                     + "".join(f"<li>{e(str(o))}</li>" for o in opts) + "</ul>") if opts else ""
        ask_html = ("<div class='pmo-ask' style='margin:.7em 0 0;padding:.5em .8em;border-left:4px solid #D55E00;"
                    "background:#fff'><div class='pmo-ask-tag' style='font-size:.75em;letter-spacing:.08em;"
                    "text-transform:uppercase;color:#D55E00;font-weight:700'>The ask</div>"
                    f"<p class='pmo-ask-text' style='margin:.2em 0;font-weight:600'>{e(str(ask))}</p>{opts_html}</div>")
    return ("<section class='pmo-decision' role='note' aria-label='Decision' "
            "style='border:2px solid #0072B2;border-radius:6px;padding:.8em 1.1em;margin:.6em 0 1.2em;"
            "background:#f3f8fc;max-width:100%;box-sizing:border-box'>"
            "<div class='pmo-decision-tag' style='font-size:.75em;letter-spacing:.08em;text-transform:uppercase;"
            "color:#0072B2;font-weight:700'>Decision</div>"
            f"<p class='pmo-headline' style='font-size:1.25em;font-weight:600;margin:.2em 0 .6em'>"
            f"{e(str(payload.get('headline', '')))}</p>"
            f"{('<div class=pmo-keys>' + nums + '</div>') if nums else ''}{rests_html}{links_html}{ask_html}"
            "</section>")


def _safe_href(href: str) -> str:
    """Only in-page anchors are links in a decision box (no ``javascript:``, no network)."""
    return href if href.startswith("#") else "#" + quote(href.replace(" ", "-"), safe="")


# ---------------------------------------------------------------- tables
def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Informative index (named or not a plain range) kept as columns."""
    if isinstance(df, pd.Series):
        df = df.to_frame(name=df.name if df.name is not None else "value")
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    plain = isinstance(df.index, pd.RangeIndex) and df.index.name is None
    out = df if plain else df.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(x) for x in c if str(x)) for c in out.columns]
    return out


def publish_table(name: str, df: pd.DataFrame) -> None:
    """Publish a result table for ``numbers.json`` and ``results.xlsx``, its index kept as columns."""
    if not str(name).strip():
        raise ValueError("a published table needs a name")
    publish(name, _plain(df))


def _names_map(names) -> dict[str, dict[str, str]]:
    if names is None:
        return {}
    if hasattr(names, "tables") and hasattr(names, "has"):  # a Portfolio
        return id_names(names)
    if isinstance(names, Mapping):
        first = next(iter(names.values()), None)
        if isinstance(first, (Mapping, pd.Series)):
            return {str(k): {str(i): str(n) for i, n in dict(v).items()} for k, v in names.items()}
        return {"project_id": {str(k): str(v) for k, v in names.items()}}
    if isinstance(names, pd.Series):
        return {names.index.name or "project_id": {str(k): str(v) for k, v in names.items()}}
    raise TypeError("names must be a Portfolio, {id: name}, or {id_column: {id: name}}")


_NAME_COLUMNS = {"project_id": ("name", "project_name"), "risk_id": ("title", "risk_name"),
                 "benefit_id": ("description", "benefit_name")}


def _for_people(df) -> pd.DataFrame:
    """:func:`_plain` for display: an unnamed integer index (row numbers left by a filter) is not shown."""
    if isinstance(df, pd.DataFrame) and df.index.name is None and not isinstance(df.index, pd.MultiIndex) \
            and pd.api.types.is_integer_dtype(df.index):
        out = df.reset_index(drop=True)
        out.attrs.update(df.attrs)
        return out
    return df


def _confidence_of(df) -> float:
    """The level a frame's ``{P}`` labels are read at: its own ``attrs["confidence"]``, else the page's."""
    level = getattr(df, "attrs", {}).get("confidence") if hasattr(df, "attrs") else None
    return float(level) if level is not None else display_confidence()


def format_table(df: pd.DataFrame, table: str | None = None, columns=None, *, names=None,
                 missing: Mapping[str, str] | None = None, caption: str | None = None,
                 max_rows: int | None = None, fold: bool | None = None) -> str:
    """HTML of ``df`` formatted for people (see :func:`show_table`)."""
    level = _confidence_of(df)
    frame = _plain(_for_people(df))
    labels: dict[str, str] = {}
    if columns is not None:
        if isinstance(columns, Mapping):
            labels = {str(k): str(v) for k, v in columns.items()}
            columns = list(columns)
        columns = [str(c) for c in columns]
        have = {str(c): c for c in frame.columns}
        unknown = [c for c in columns if c not in have]
        if unknown:
            raise ValueError(f"columns {unknown} not in the table; it has {list(have)}")
        ids_first = [c for c in _id_columns(frame) if str(c) not in columns]
        frame = frame[ids_first + [have[c] for c in columns]]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    name_map = _names_map(names)
    missing = dict(missing or {})
    n_total = len(frame)
    if max_rows is not None and n_total > max_rows:
        frame = frame.head(max_rows)
    defs = {c: column(c, table, frame[c]) for c in frame.columns}
    # one scale per money column (£5.1 M above £0.01 M, never 5.1 M above 9,106)
    scales = {c: money_scale(frame[c]) for c in frame.columns if defs[c].kind == "money"}
    e = html.escape
    heads, reasons_used = [], {}
    for c in frame.columns:
        d: Column = defs[c]
        lab = labels.get(str(c), d.label_at(level))
        # amounts read "£12.3 M", shares "45 %", dates as dates: the unit is in the value; days, FTE, periods
        # need it in the header
        unit = d.unit_ if d.kind not in ("money", "probability", "share", "percent", "date", "flag", "id", "text",
                                         "number") else ""
        unit = UNIT_WORDS.get(unit, unit)
        unit_html = f" <span class='pmo-unit' style='font-weight:normal;color:#666'>[{e(unit)}]</span>" if unit \
            else ""
        align = "right" if d.kind not in ("id", "text", "flag", "date") else "left"
        heads.append(f"<th title='{e(d.meaning.replace('{P}', f'P{level:g}'))}' style='text-align:{align}'>"
                     f"{e(lab)}{unit_html}</th>")
    rows = []
    has_name = {k: any(n in frame.columns for n in v) for k, v in _NAME_COLUMNS.items()}
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(frame.columns, values):
            d = defs[c]
            align = "right" if d.kind not in ("id", "text", "flag", "date") else "left"
            text = format_value(v, d.kind, scale=scales.get(c))
            if text == MISSING and not isinstance(v, (list, tuple, set)):
                reason = missing.get(str(c)) or d.missing or "no value"
                reasons_used.setdefault(reason, []).append(labels.get(str(c), d.label_at(level)))
                cells.append(f"<td style='text-align:{align}'><abbr class='pmo-missing' title='{e(reason)}'>"
                             f"{MISSING}</abbr></td>")
                continue
            inner = e(text)
            if d.kind == "id":  # an id never breaks at its hyphen (P-|046); its name beside it wraps
                inner = f"<span style='white-space:nowrap'>{inner}</span>"
            if str(c) in name_map and not has_name.get(str(c), False):
                nm = name_map[str(c)].get(str(v))
                if nm:
                    inner += f" <span class='pmo-name' style='color:#555'>{e(nm)}</span>"
            # a number or a date never breaks across lines
            nowrap = ";white-space:nowrap" if align == "right" or d.kind == "date" else ""
            cells.append(f"<td style='text-align:{align}{nowrap}'>{inner}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes = []
    for reason, labs in reasons_used.items():
        notes.append(f"{MISSING} in {', '.join(sorted(set(labs)))}: {e(reason)}")
    if max_rows is not None and n_total > max_rows:
        notes.append(f"first {max_rows} of {n_total} rows shown; every row is in results.xlsx")
    cap = f"<caption style='caption-side:top;text-align:left;font-weight:600'>{e(caption)}</caption>" if caption \
        else ""
    foot = ("<p class='pmo-table-notes' style='font-size:.85em;color:#555;margin:.2em 0 1em'>"
            + "; ".join(notes) + ".</p>") if notes else ""
    wide = " pmo-landscape" if len(frame.columns) >= WIDE_COLUMNS else ""
    body = (f"<div class='pmo-table-wrap{wide}'><table class='pmo-table'>{cap}<thead><tr>{''.join(heads)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{foot}</div>")
    if fold is None:
        fold = len(frame) > FOLD_ROWS
    if fold:
        what = e(caption) if caption else "The table"
        body = (f"<details class='pmo-fold'><summary>{what}: {len(frame)} row{'s' if len(frame) != 1 else ''} "
                f"(show)</summary>{body}</details>")
    return body


def _id_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if str(c).endswith("_id")][:1]


def show_table(df: pd.DataFrame, table: str | None = None, columns=None, *, names=None,
               missing: Mapping[str, str] | None = None, caption: str | None = None,
               max_rows: int | None = None, publish_as: str | None = None, fold: bool | None = None) -> None:
    """Display a table formatted for people.

    Parameters
    ----------
    df : DataFrame or Series
        The result table; an informative index (e.g. ``project_id``) is shown
        as the first column.
    table : str, optional
        Data-model table the columns come from (for their units), when they
        are input columns.
    columns : list or mapping, optional
        Columns to show, in order (the id column stays first), or
        ``{column: label}`` to rename them too. Default: all.
    names : Portfolio or mapping, optional
        Names beside ids: a Portfolio (project names, risk titles, benefit
        descriptions), ``{project_id: name}`` or ``{id_column: {id: name}}``.
    missing : mapping, optional
        ``{column: reason}`` shown beside ``–`` for missing values (default:
        the column definition's reason, else "no value").
    caption : str, optional
    max_rows : int, optional
        Show only the first rows (the note says how many there are).
    publish_as : str, optional
        Also :func:`publish_table` the unformatted ``df`` under this name
        (e.g. ``"results.funded_portfolio"``, see
        :data:`pmo_analytics.records.export.KEY_TABLES`).
    fold : bool, optional
        Fold the table (``<details>``, a summary line with the caption and the row count); default: tables of
        more than :data:`FOLD_ROWS` rows.

    Every column's label, unit and format come from
    :func:`pmo_analytics.tables.columns.column`; money is written in one scale per column (``£0.01 M`` beside
    ``£5.1 M``); labels read at a confidence level (``Cost contingency at {P}``) take the frame's
    ``attrs["confidence"]``, else the page's (:func:`open_review`).
    """
    from IPython.display import HTML, display

    display(HTML(format_table(df, table, columns, names=names, missing=missing, caption=caption,
                              max_rows=max_rows, fold=fold)))
    if publish_as:
        publish_table(publish_as, df)

