"""Small graph helpers shared by validation and the schedule/selection rooms."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable

import pandas as pd

from .spec import LINK_TYPES, LIST_SEPARATOR

__all__ = ["find_cycle", "topological_order", "parse_predecessors", "split_list", "links_frame"]

_LINK_RE = re.compile(
    r"^(?P<id>[A-Za-z0-9][A-Za-z0-9_.\-]{0,63})"
    r"(?:\s*:\s*(?P<type>FS|SS|FF|SF)(?:\s*(?P<sign>[+-])\s*(?P<lag>\d+(?:\.\d+)?))?)?$",
    re.IGNORECASE,
)


def split_list(text) -> list[str]:
    """Split a ``;``-separated list cell into stripped, non-empty items."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return []
    return [t.strip() for t in str(text).split(LIST_SEPARATOR) if t.strip()]


def parse_predecessors(text) -> list[tuple[str, str, float]]:
    """Parse a predecessors cell into ``(predecessor_id, type, lag_days)`` tuples.

    Syntax: ``ID``, ``ID:TYPE`` or ``ID:TYPE+LAG`` / ``ID:TYPE-LAG``, items
    separated by ``;``; TYPE in FS (default), SS, FF, SF; LAG in working days.

    Raises
    ------
    ValueError
        naming the item that cannot be parsed.
    """
    out = []
    for item in split_list(text):
        m = _LINK_RE.match(item)
        if not m:
            raise ValueError(f"cannot read predecessor {item[:40]!r}: expected ID, ID:TYPE or ID:TYPE+LAG "
                             f"with TYPE one of {', '.join(LINK_TYPES)}")
        lag = float(m["lag"] or 0.0) * (-1.0 if m["sign"] == "-" else 1.0)
        out.append((m["id"], (m["type"] or "FS").upper(), lag))
    return out


def topological_order(nodes: Iterable, edges: Iterable[tuple]) -> list | None:
    """Kahn's algorithm: nodes in an order where every edge goes forward, or None if cyclic.

    Ties are broken by the input order of ``nodes``, so the result is
    deterministic.
    """
    nodes = list(dict.fromkeys(nodes))
    pos = {n: i for i, n in enumerate(nodes)}
    succ: dict = {n: [] for n in nodes}
    indeg = {n: 0 for n in nodes}
    for a, b in edges:
        succ[a].append(b)
        indeg[b] += 1
    heap = [pos[n] for n in nodes if indeg[n] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        n = nodes[heapq.heappop(heap)]
        order.append(n)
        for m in succ[n]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(heap, pos[m])
    return order if len(order) == len(nodes) else None


def find_cycle(edges: Iterable[tuple]) -> list | None:
    """One cycle of a directed graph as ``[a, b, ..., a]``, or None if acyclic.

    Iterative depth-first search (no recursion limit on long schedules).
    """
    succ: dict = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in succ}
    for root in succ:
        if colour[root] != WHITE:
            continue
        stack = [(root, iter(succ[root]))]
        path = [root]
        colour[root] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = BLACK
                stack.pop()
                path.pop()
            elif colour[nxt] == GREY:
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                stack.append((nxt, iter(succ[nxt])))
                path.append(nxt)
    return None


def links_frame(activities: pd.DataFrame) -> pd.DataFrame:
    """Parsed precedence links: one row per (project, predecessor, successor).

    Columns: ``project_id``, ``predecessor``, ``successor``, ``type`` (FS, SS,
    FF, SF) and ``lag`` [days]. Rows whose predecessors cannot be parsed are
    skipped (validation reports them).
    """
    rows = []
    for pid, aid, text in activities[["project_id", "activity_id", "predecessors"]].itertuples(index=False):
        try:
            links = parse_predecessors(text)
        except ValueError:
            continue
        rows += [(pid, pred, aid, typ, lag) for pred, typ, lag in links]
    return pd.DataFrame(rows, columns=["project_id", "predecessor", "successor", "type", "lag"]).astype(
        {"project_id": object, "predecessor": object, "successor": object, "type": object, "lag": float})
