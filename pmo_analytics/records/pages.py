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

from ..tables.columns import KINDS, MISSING, Column, column, format_value, id_names
from .publish import IDENTITY, publish, to_jsonable

__all__ = ["DECISION", "decision", "decision_box", "render_decision_box", "show_table", "format_table", "publish_table",
           "anchor", "key_number", "say", "open_review"]

#: Name under which a page publishes its decision box.
DECISION = "page.decision"
#: Output metadata marking the displayed decision box (the HTML export draws the box at the top instead).
ROLE = {"pmo": {"role": "decision"}}



def anchor(heading: str) -> str:
    """The ``#id`` that nbconvert and JupyterLab give a markdown heading (``"2. Simulation"`` -> ``#2.-Simulation``).

    Markdown emphasis and code marks are dropped as the renderer drops them;
    links keep their text.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", str(heading).strip().lstrip("#").strip())
    text = re.sub(r"[*`]", "", text)
    return "#" + quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def key_number(label: str, value, kind: str | None = None) -> dict:
    """One key number of a decision box: ``{"label", "value", "kind", "text"}``.

    ``kind`` is a column kind (``money``, ``share``, ``date``, ...; see
    :mod:`pmo_analytics.tables.columns`) or a column name whose kind is used;
    a string ``value`` is shown as given.
    """
    if not str(label).strip():
        raise ValueError("a key number needs a label")
    if kind is None:
        kind = "text" if isinstance(value, str) else "number"
    elif kind not in KINDS:
        kind = column(kind).kind
    return {"label": str(label), "value": to_jsonable(value), "kind": kind, "text": format_value(value, kind)}


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
            if len(value) != 2:
                raise ValueError(f"key number {label!r}: give a value or (value, kind), got {value!r}")
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
             *, title: str | None = None) -> dict:
    """The payload of a decision box (what :func:`decision_box` shows and publishes), validated.

    Raises
    ------
    ValueError
        on an empty headline or a malformed key number.
    """
    if not isinstance(headline, str) or not headline.strip():
        raise ValueError("a decision box needs a headline: the decision in one or two sentences")
    if isinstance(rests_on, str):
        rests_on = [rests_on]
    payload = {"headline": " ".join(headline.split()), "key_numbers": _key_numbers(key_numbers),
               "rests_on": [str(r) for r in (rests_on or [])], "evidence": _links(evidence_links)}
    if title:
        payload["title"] = str(title)
    return payload


def decision_box(headline: str, key_numbers=None, rests_on: Iterable[str] | None = None, evidence_links=None,
                 *, title: str | None = None) -> None:
    """Show the page's decision first and publish it as ``page.decision`` (call once per page).

    Parameters
    ----------
    headline : str
        The decision in one or two generated sentences.
    key_numbers : mapping or iterable of pairs, optional
        ``{label: value}`` or ``{label: (value, kind)}``; ``kind`` is a column
        kind or name (``"money"`` -> ``12.3 M``, ``"share"`` -> ``45 %``,
        ``"date"``, ``"days"``, ``"p80_cost"``, ...). Shown in order; the
        first four are quoted in ``index.html``.
    rests_on : iterable of str, optional
        What the decision rests on: data, assumptions, parameters.
    evidence_links : mapping or iterable of pairs, optional
        ``{label: heading}``: a markdown heading of this page (its text, or an
        ``#anchor``) where the evidence is.
    title : str, optional
        The page's title in the index (default: from the notebook's name).

    The box is displayed where the cell stands (JupyterLab); the HTML record
    draws it first on the page. Nothing is returned, so the cell shows no
    echo; :func:`decision` builds the same payload without displaying it.

    Raises
    ------
    ValueError
        on an empty headline or a malformed key number.
    """
    from IPython.display import HTML, display

    payload = decision(headline, key_numbers, rests_on, evidence_links, title=title)
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

    if policy is not None and not isinstance(policy, Mapping):
        raise ValueError(f"policy must be a mapping of review policy settings, got {type(policy).__name__}")
    charts.enable_offline()
    settings = dict(policy or {})
    review = load_review(data_path, **({"seed": seed} if seed is not None else {}), **settings)
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


def render_decision_box(payload: dict) -> str:
    """HTML of a decision box from its published payload (escaped; inline styles so it reads in JupyterLab)."""
    e = html.escape
    nums = "".join(
        f"<div class='pmo-key' style='display:inline-block;margin:0 1.6em .4em 0;vertical-align:top'>"
        f"<div class='pmo-key-value' style='font-size:1.5em;font-weight:600'>{e(str(k.get('text', '')))}</div>"
        f"<div class='pmo-key-label' style='font-size:.85em;color:#555'>{e(str(k.get('label', '')))}</div></div>"
        for k in payload.get("key_numbers") or [])
    rests = payload.get("rests_on") or []
    rests_html = ("<p class='pmo-rests' style='margin:.4em 0;font-size:.9em;color:#444'><b>Rests on:</b> "
                  + "; ".join(e(str(r)) for r in rests) + ".</p>") if rests else ""
    links = payload.get("evidence") or []
    links_html = ("<p class='pmo-evidence' style='margin:.4em 0;font-size:.9em'><b>Evidence:</b> "
                  + " · ".join(f"<a href='{e(_safe_href(x.get('href', '')))}'>{e(str(x.get('label', '')))}</a>"
                               for x in links) + "</p>") if links else ""
    return ("<section class='pmo-decision' role='note' aria-label='Decision' "
            "style='border:2px solid #0072B2;border-radius:6px;padding:.8em 1.1em;margin:.6em 0 1.2em;"
            "background:#f3f8fc;max-width:100%;box-sizing:border-box'>"
            "<div class='pmo-decision-tag' style='font-size:.75em;letter-spacing:.08em;text-transform:uppercase;"
            "color:#0072B2;font-weight:700'>Decision</div>"
            f"<p class='pmo-headline' style='font-size:1.25em;font-weight:600;margin:.2em 0 .6em'>"
            f"{e(str(payload.get('headline', '')))}</p>"
            f"{('<div class=pmo-keys>' + nums + '</div>') if nums else ''}{rests_html}{links_html}</section>")


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


def format_table(df: pd.DataFrame, table: str | None = None, columns=None, *, names=None,
                 missing: Mapping[str, str] | None = None, caption: str | None = None,
                 max_rows: int | None = None) -> str:
    """HTML of ``df`` formatted for people (see :func:`show_table`)."""
    frame = _plain(df)
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
    e = html.escape
    heads, reasons_used = [], {}
    for c in frame.columns:
        d: Column = defs[c]
        lab = labels.get(str(c), d.label)
        # amounts read "12.3 M", shares "45 %", dates as dates: the unit is in the value; days, FTE, periods
        # need it in the header
        unit = d.unit_ if d.kind not in ("money", "probability", "share", "date", "flag", "id", "text") else ""
        unit_html = f" <span class='pmo-unit' style='font-weight:normal;color:#666'>[{e(unit)}]</span>" if unit \
            else ""
        align = "right" if d.kind not in ("id", "text", "flag", "date") else "left"
        heads.append(f"<th title='{e(d.meaning)}' style='text-align:{align}'>{e(lab)}{unit_html}</th>")
    rows = []
    has_name = {k: any(n in frame.columns for n in v) for k, v in _NAME_COLUMNS.items()}
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(frame.columns, values):
            d = defs[c]
            align = "right" if d.kind not in ("id", "text", "flag", "date") else "left"
            text = format_value(v, d.kind)
            if text == MISSING and not isinstance(v, (list, tuple, set)):
                reason = missing.get(str(c)) or d.missing or "no value"
                reasons_used.setdefault(reason, []).append(d.label)
                cells.append(f"<td style='text-align:{align}'><abbr class='pmo-missing' title='{e(reason)}'>"
                             f"{MISSING}</abbr></td>")
                continue
            inner = e(text)
            if str(c) in name_map and not has_name.get(str(c), False):
                nm = name_map[str(c)].get(str(v))
                if nm:
                    inner += f" <span class='pmo-name' style='color:#555'>{e(nm)}</span>"
            nowrap = ";white-space:nowrap" if align == "right" else ""  # a number never breaks across lines
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
    return (f"<div class='pmo-table-wrap'><table class='pmo-table'>{cap}<thead><tr>{''.join(heads)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{foot}</div>")


def _id_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if str(c).endswith("_id")][:1]


def show_table(df: pd.DataFrame, table: str | None = None, columns=None, *, names=None,
               missing: Mapping[str, str] | None = None, caption: str | None = None,
               max_rows: int | None = None, publish_as: str | None = None) -> None:
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

    Every column's label, unit and format come from
    :func:`pmo_analytics.tables.columns.column`.
    """
    from IPython.display import HTML, display

    display(HTML(format_table(df, table, columns, names=names, missing=missing, caption=caption,
                              max_rows=max_rows)))
    if publish_as:
        publish_table(publish_as, df)

