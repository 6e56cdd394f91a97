"""A network compiled for its passes: per-activity instruction lists over numpy rows.

:func:`_compile` turns a checked, topologically sorted network (activities, links, calendars, progress,
constraints) into a :class:`_Plan` of plain Python tuples, so that the forward and backward passes of
:mod:`pmo_analytics.schedule.cpm` loop over *activities* with rows of any number of iterations, never over
iterations. Split out of ``schedule/network.py`` (which builds and checks the network) along this seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..tables.spec import CONSTRAINT_TYPES
from .calendar import Timeline

#: Integer codes of the link types, as stored in :attr:`Network.links`.
LINK_CODES = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}
#: Progress status codes of :attr:`Network.activities` ``status``.
STATUS = ("not started", "in progress", "complete")
#: Constraint codes used by the passes.
_CONS = {c: i + 1 for i, c in enumerate(CONSTRAINT_TYPES)}
_START_CONS = ("SNET", "SNLT", "SO", "MSO")


@dataclass(frozen=True, eq=False)
class _Plan:
    """Compiled passes (plain Python ints/floats and small tuples: fast to loop over)."""

    # forward, per activity in topological order:
    # (row, status, clamp, fs, ss, ff, sf, constraint, value) ; a link is (pred, lag, conv, floor)
    forward: list
    # backward, per activity in reverse topological order:
    # (row, status, fs, ss, ff, sf, bound, constraint, value) ; a link is (succ, lag, conv)
    backward: list
    lower: np.ndarray        # earliest start of remaining work [kernel units, own calendar]
    cal: np.ndarray          # calendar of each row (index into the timeline; 0 without dates)
    scale: np.ndarray        # kernel units per duration unit (hours per day of the calendar; 1 without dates)
    end_rows: np.ndarray     # incomplete rows whose finish may be the project finish
    done_finish: float       # latest actual finish of complete rows [project kernel units] (-inf if none)
    actual_start: np.ndarray  # [kernel units, own calendar], NaN when not started
    actual_finish: np.ndarray  # [kernel units, own calendar], NaN when not finished
    status: np.ndarray        # 0 not started, 1 in progress, 2 complete
    n_slots: int = 0          # conversions shared by several links (cached once per pass)
    # per instruction of ``forward`` (``backward``): the linked rows when the activity is plain (FS links
    # only, no lag, no calendar change, no floor, bound or constraint), else None: the kernels' fast path
    fplain: list | None = None
    bplain: list | None = None


# --------------------------------------------------------------------------- compile
def _compile(acts, links, order, tl, cal, start, dd, lag_calendar, progress) -> _Plan:
    n = len(acts)
    status = acts["status"].map({s: i for i, s in enumerate(STATUS)}).to_numpy(int)
    ctype = np.array([c if isinstance(c, str) else None for c in acts["constraint_type"]], dtype=object)
    if tl is None:
        scale = np.ones(n)
        lower = np.zeros(n)
        a_start = np.full(n, np.nan)
        a_finish = np.full(n, np.nan)
        cval = np.zeros(n)
        project_hpd = 1.0
        lag_cal = None
    else:
        own_cal = np.asarray(cal).copy()
        cal = np.where(status == 2, len(tl.calendars) - 1, cal)  # complete activities: 24-hour logic
        scale = np.array([tl.calendars[c].hours_per_day for c in cal])
        project_hpd = tl.calendars[0].hours_per_day
        t_low = tl.day(max(start, dd))
        # times [days] of the actual dates and constraint dates, then working time per calendar (vectorised)
        origin = tl.origin
        t_as = ((acts["actual_start"] - origin) / pd.Timedelta(days=1)).to_numpy(float)
        t_af = ((acts["actual_finish"] - origin) / pd.Timedelta(days=1)).to_numpy(float) + 1.0
        cd = pd.to_datetime(acts["constraint_date"])
        dated = np.array([isinstance(c, str) and c != "ALAP" for c in ctype])
        t_cd = ((cd - origin) / pd.Timedelta(days=1)).to_numpy(float)
        frac = t_cd - np.floor(t_cd)
        starts = np.isin(ctype.astype(str), _START_CONS)
        t_cd = np.where(frac > 0, t_cd, t_cd + np.where(starts, 0.0, 1.0))
        # an actual date after the data date (DCMA's invalid date) is scheduled at the data date, as P6 does
        # (see the module doc): the start of the data date's day is the latest time an actual can mean here
        t_dd = float(tl.day(dd))
        t_as = np.minimum(t_as, t_dd)
        t_af = np.minimum(t_af, t_dd)
        lower = np.empty(n)
        a_start = np.full(n, np.nan)
        a_finish = np.full(n, np.nan)
        cval = np.zeros(n)
        for c in np.unique(cal):
            m = cal == c
            lower[m] = tl.work(int(c), t_low)
            for t_arr, dest, ok in ((t_as, a_start, ~np.isnan(t_as)), (t_af, a_finish, ~np.isnan(t_af)),
                                    (t_cd, cval, dated & ~np.isnan(t_cd))):
                sel = m & ok
                if sel.any():
                    dest[sel] = tl.work(int(c), t_arr[sel])
        lag_cal = {"24h": len(tl.calendars) - 1, "project": 0}.get(lag_calendar)
    # a predecessor whose remaining work is always zero and is not a finish milestone ends at the next
    # working start (P6: early finish = early start = next work start); others at the end of their work
    rem = acts["remaining"].to_numpy(float)
    zero_start = (rem == 0) & ((acts["max_duration"].to_numpy(float) == 0) | (status >= 1)) & \
        (acts["milestone_type"].to_numpy(object) != "finish")

    into = [[[], [], [], []] for _ in range(n)]
    out = [[[], [], [], []] for _ in range(n)]
    drives = np.zeros(n, bool)
    # a complete activity whose predecessors are all settled sits at the data date in every iteration: its
    # links only bound their successors by constants (folded into their lower bound)
    settled = status == 2
    preds_of: dict[int, list[int]] = {}
    for p, s in zip(links["pred_row"], links["succ_row"]):
        preds_of.setdefault(int(s), []).append(int(p))
    for r in order:
        if settled[r] and not all(settled[p] for p in preds_of.get(int(r), [])):
            settled[r] = False
    folded = np.zeros(n, bool)
    for p, s, t, lag in zip(links["pred_row"], links["succ_row"], links["type"], links["lag"]):
        p, s, code = int(p), int(s), LINK_CODES[t]
        lag_h = float(lag) * project_hpd
        if tl is None:
            fconv = bconv = None
            lc = None
        else:
            lc = {"predecessor": int(own_cal[p]), "successor": int(own_cal[s])}.get(lag_calendar, lag_cal)
            side_f = "finish" if code in (0, 2) and not zero_start[p] else "start"  # the predecessor's event
            side_b = "start" if code in (0, 1) else "finish"     # the successor's event
            fconv = _conv(int(cal[p]), lc, int(cal[s]), side_f, lag_h)
            bconv = _conv(int(cal[s]), lc, int(cal[p]), side_b, -lag_h)
        # a lag from an event that has happened runs from the actual date (P6: remaining lag)
        happened = (code in (0, 2) and status[p] == 2) or (code in (1, 3) and status[p] >= 1)
        floor = None
        dyn_lag = lag_h
        if happened and tl is not None:
            actual = a_finish[p] if code in (0, 2) else a_start[p]
            floor = float(_apply(tl, np.array([actual]), fconv, lag_h)[0]) if fconv is not None \
                else actual + lag_h
            dyn_lag = 0.0
            if fconv is not None:
                fconv = _conv(int(cal[p]), lc, int(cal[s]), fconv[3], 0.0)
        if progress == "override" and status[s] >= 1:
            pass  # an in-progress (or complete) activity ignores its predecessors
        elif settled[p] and tl is not None:
            if floor is not None and floor > lower[s]:
                lower[s] = floor
            folded[s] = True
        else:
            into[s][code].append((p, dyn_lag, fconv, floor))
        if status[s] != 2:  # a complete successor does not constrain its predecessors' late dates
            out[p][code].append((s, lag_h, bconv))
        if code in (0, 2):
            drives[p] = True

    # a value converted to another calendar once per pass and reused by every link that needs it
    slots: dict = {}
    fkeys = [(p, conv) for r in range(n) for lst in into[r] for p, lag, conv, _ in lst if conv is not None and not lag]
    bkeys = [(s, conv) for r in range(n) for lst in out[r] for s, lag, conv in lst if conv is not None and not lag]
    for keys in (fkeys, bkeys):
        seen: dict = {}
        for k in keys:
            seen[k] = seen.get(k, 0) + 1
        for k, cnt in seen.items():
            if cnt > 1:
                slots.setdefault(k, len(slots))

    forward, backward = [], []
    for r in order:
        r = int(r)
        fs, ss, ff, sf = ([(p, lag, conv, fl, slots.get((p, conv)) if conv is not None and not lag else None)
                           for p, lag, conv, fl in lst] for lst in into[r])
        # the lower bound (project start / data date) holds already when a same-calendar FS/SS link with a
        # lag >= 0 drives the start (the predecessor cannot start before it either)
        clamp = folded[r] or not any(conv is None and lag >= 0 for _, lag, conv, _, _ in fs + ss)
        code = _CONS.get(ctype[r], 0) if status[r] == 0 else 0
        forward.append((r, int(status[r]), clamp, fs, ss, ff, sf, code, float(cval[r])))
    for r in order[::-1]:
        r = int(r)
        fs, ss, ff, sf = ([(s, lag, conv, slots.get((s, conv)) if conv is not None and not lag else None)
                           for s, lag, conv in lst] for lst in out[r])
        bound = not (fs or ff) or any(lag < 0 for _, lag, _, _ in fs + ff)
        c = ctype[r]
        code = _CONS.get(c, 0) if status[r] != 2 and (status[r] == 0 or c not in _START_CONS) else 0
        backward.append((r, int(status[r]), fs, ss, ff, sf, bound, code, float(cval[r])))
    incomplete = status != 2
    end_rows = np.flatnonzero(incomplete & ~drives)
    if (links["lag"].to_numpy(float) < 0).any():  # a lead can let a predecessor finish last
        end_rows = np.flatnonzero(incomplete)
    done = np.flatnonzero(status == 2)
    done_finish = -np.inf
    if len(done):
        if tl is None:
            done_finish = 0.0
        else:
            done_finish = max(float(tl.convert(int(cal[i]), 0, np.array([a_finish[i]]), "finish")[0]) for i in done)
    fplain = [tuple(p for p, *_ in fs) if fs and not (clamp or ss or ff or sf or code)
              and all(lag == 0 and conv is None and fl is None for _, lag, conv, fl, _ in fs) else None
              for _, _, clamp, fs, ss, ff, sf, code, _ in forward]
    bplain = [tuple(x for x, *_ in fs) if fs and not (ss or ff or sf or bound or code)
              and all(lag == 0 and conv is None for _, lag, conv, _ in fs) else None
              for _, _, fs, ss, ff, sf, bound, code, _ in backward]
    return _Plan(forward, backward, lower, np.asarray(cal, int), scale, end_rows, done_finish, a_start, a_finish,
                 status.astype(int), len(slots), fplain, bplain)


def _conv(src: int, lagc: int | None, dst: int, side: str, lag: float):
    """Conversion of a link between calendars; None when the value carries over unchanged (+ lag)."""
    if src == dst and (lag == 0 or lagc is None or lagc == src):
        return None
    return (src, lagc if lag != 0 else None, dst, side)


def _apply(tl: Timeline, x: np.ndarray, conv, lag: float) -> np.ndarray:
    """Value ``x`` of the source calendar, plus ``lag`` hours on the lag calendar, in the target calendar."""
    if conv is None:
        return x + lag if lag else x
    src, lagc, dst, side = conv
    if lagc is None or lag == 0:
        return tl.convert(src, dst, x, side)
    if lagc == src:
        return tl.work(dst, tl.time(src, x + lag, side))
    if lagc == dst:
        return tl.work(dst, tl.time(src, x, side)) + lag
    t = tl.time(src, x, side)
    return tl.work(dst, tl.time(lagc, tl.work(lagc, t) + lag, side))
