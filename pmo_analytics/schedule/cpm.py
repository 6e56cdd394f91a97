"""Critical path method: forward and backward passes over many duration samples at once.

The two kernels work on 2-D arrays of shape ``(activities, iterations)``: a
deterministic schedule is the case ``iterations == 1`` and the Monte Carlo
engine calls the same code on chunks of thousands of iterations. The loop
runs over activities in topological order (compiled once in the
:class:`~pmo_analytics.schedule.network.Network`); every step is a numpy
operation on a whole row, so the cost per activity-iteration is a few
nanoseconds.

Definitions follow the precedence diagramming method (PDM) as in PMI's
*Practice Standard for Scheduling* (3rd ed., 2019) and Moder, Phillips & Davis,
*Project Management with CPM, PERT and Precedence Diagramming* (1983):
early start/finish from the forward pass, late start/finish from the backward
pass, total float ``TF = LF - EF`` and free float ``FF = min over successor
links of the link's slack``. Progress, constraints and calendars follow
Primavera P6 (data date, retained logic, constraint types, activity and lag
calendars); see :mod:`pmo_analytics.schedule.network`.

Kernel units
------------
The kernels take and return *kernel units*: the network's unit for a network
without dates, working **hours** of each activity's own calendar for a
network with dates (``durations * network._plan.scale[:, None]``). Use
:func:`cpm` for tables in working days and dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .network import STATUS, Network, _apply

__all__ = ["forward_pass", "backward_pass", "project_finish", "cpm", "critical_path", "kernel_durations"]

#: Total float at or below this [working days] counts as critical (absorbs rounding).
CRITICAL_TOL = 1e-6
_SNET, _SNLT, _FNET, _FNLT, _SO, _FO, _MSO, _MFO, _ALAP = range(1, 10)


def kernel_durations(network: Network, durations) -> np.ndarray:
    """Durations [unit] (1-D per activity, or 2-D activities x iterations) in kernel units."""
    d = np.asarray(durations, dtype=float)
    s = network._plan.scale
    return d * (s if d.ndim == 1 else s[:, None])


def _drive(tl, x, lag, conv, floor, tmp, slot=None, cache=None):
    if conv is None:
        if lag:
            np.add(x, lag, out=tmp)
            v = tmp
        else:
            v = x
    elif slot is not None:
        v = cache.get(slot)
        if v is None:
            v = cache[slot] = _apply(tl, x, conv, lag)
    else:
        v = _apply(tl, x, conv, lag)
    if floor is not None:
        v = np.maximum(v, floor)
    return v


def forward_pass(network: Network, durations: np.ndarray, out: np.ndarray | None = None,
                 stretch: dict | None = None) -> np.ndarray:
    """Early finishes for every activity and iteration.

    Parameters
    ----------
    network : Network
    durations : ndarray, shape (activities,) or (activities, iterations)
        Remaining durations in kernel units (see the module doc), network row order.
    out : ndarray, optional
        Buffer of the same shape as a 2-D ``durations`` to write into (reused
        across chunks by the simulation engine).
    stretch : dict, optional
        ``{row: finish(es, d)}``: rows whose finish is not their start plus
        their duration (work slowed or stopped in the windows of a risk
        calendar, :mod:`pmo_analytics.risk.events`); their row of a 2-D
        ``durations`` is replaced **in place** by the time they take (finish
        minus start), which successors' start-to-start links and the backward
        pass then use. Mandatory-start rows keep start plus duration.

    Returns
    -------
    ndarray of the same shape
        Early finish ``EF`` in kernel units of each activity's calendar; the
        early start of the remaining work is ``EF - durations``.
    """
    D = np.asarray(durations, dtype=float)
    one = D.ndim == 1
    if one:
        D = D[:, None]
    EF = np.empty_like(D) if out is None or one else out
    tmp = np.empty(D.shape[1])
    tl = network.timeline
    plan = network._plan
    lower = plan.lower
    cache: dict = {}
    for (r, st, clamp, fs, ss, ff, sf, code, cval), plain in zip(plan.forward, plan.fplain):
        ef = EF[r]
        if plain is not None and (stretch is None or r not in stretch):
            # FS links only, no lag: EF = max(EF of the predecessors) + D, no copies
            if len(plain) == 1:
                np.add(EF[plain[0]], D[r], out=ef)
                continue
            np.maximum(EF[plain[0]], EF[plain[1]], out=ef)
            for p in plain[2:]:
                np.maximum(ef, EF[p], out=ef)
            ef += D[r]
            continue
        first = True
        for p, lag, conv, floor, slot in fs:
            v = _drive(tl, EF[p], lag, conv, floor, tmp, slot, cache)
            if first:
                ef[...] = v
                first = False
            else:
                np.maximum(ef, v, out=ef)
        for p, lag, conv, floor, slot in ss:
            x = EF[p] - D[p]
            v = _drive(tl, x, lag, conv, floor, tmp, slot, cache)
            if first:
                ef[...] = v
                first = False
            else:
                np.maximum(ef, v, out=ef)
        if first:
            ef[...] = lower[r]
        elif clamp:
            np.maximum(ef, lower[r], out=ef)
        if code:
            if code in (_SNET, _SO):
                np.maximum(ef, cval, out=ef)
            elif code in (_FNET, _FO):
                np.maximum(ef, cval - D[r], out=ef)
            elif code == _MSO:
                ef[...] = cval
        if stretch is not None and r in stretch and code != _MSO:
            es = ef.copy()
            ef[...] = stretch[r](es, D[r])
            if not one:
                np.subtract(ef, es, out=D[r])  # the time it takes in this iteration
        else:
            ef += D[r]
        for p, lag, conv, floor, slot in ff:
            np.maximum(ef, _drive(tl, EF[p], lag, conv, floor, tmp, slot, cache), out=ef)
        for p, lag, conv, floor, slot in sf:
            np.maximum(ef, _drive(tl, EF[p] - D[p], lag, conv, floor, tmp, slot, cache), out=ef)
        if code == _MSO:
            np.add(D[r], cval, out=ef)
        elif code == _MFO:
            ef[...] = cval
    return EF[:, 0] if one else EF


def project_finish(network: Network, EF: np.ndarray) -> np.ndarray:
    """Project finish per iteration in kernel units of the project calendar.

    The latest early finish of the activities that can finish last, and of
    complete ones (their actual finish).
    """
    EF = np.asarray(EF, dtype=float)
    one = EF.ndim == 1
    if one:
        EF = EF[:, None]
    plan = network._plan
    rows = plan.end_rows
    T = np.full(EF.shape[1], plan.done_finish)
    if len(rows):
        if network.timeline is None:
            np.maximum(T, EF[rows].max(axis=0), out=T)
        else:
            cal = plan.cal[rows]
            for c in np.unique(cal):
                m = EF[rows[cal == c]].max(axis=0)
                np.maximum(T, network.timeline.convert(int(c), 0, m, "finish"), out=T)
    return T[0] if one else T


def backward_pass(network: Network, durations: np.ndarray, finish, out: np.ndarray | None = None,
                  work: np.ndarray | None = None) -> np.ndarray:
    """Late finishes for every activity and iteration.

    Parameters
    ----------
    network : Network
    durations : ndarray, shape (activities,) or (activities, iterations)
        Remaining durations in kernel units, row order.
    finish : float or ndarray, shape (iterations,)
        Project finish the backward pass starts from, in kernel units of the
        project calendar: :func:`project_finish`, or a deadline (then floats
        can be negative).

    Returns
    -------
    ndarray like ``durations``
        Late finish ``LF`` in kernel units of each activity's calendar;
        ``LS = LF - durations``, total float ``TF = LF - EF``. Complete
        activities get their early finish (no float).
    """
    D = np.asarray(durations, dtype=float)
    one = D.ndim == 1
    if one:
        D = D[:, None]
    C = D.shape[1]
    T = np.broadcast_to(np.asarray(finish, dtype=float), (C,))
    tl = network.timeline
    plan = network._plan
    bounds = {0: T}
    if tl is not None:
        for c in np.unique(plan.cal):
            if c:
                bounds[int(c)] = tl.convert(0, int(c), T, "finish")
    LF = np.empty_like(D) if out is None or one else out
    LS = np.empty_like(D) if work is None or one else work
    tmp = np.empty(C)
    st_min = np.empty(C)
    cache: dict = {}
    for (r, status, fs, ss, ff, sf, bound, code, cval), plain in zip(plan.backward, plan.bplain):
        lf = LF[r]
        if plain is not None:  # FS links only, no lag: LF = min(LS of the successors), LS = LF - D
            if len(plain) == 1:
                lf[...] = LS[plain[0]]
            else:
                np.minimum(LS[plain[0]], LS[plain[1]], out=lf)
                for s in plain[2:]:
                    np.minimum(lf, LS[s], out=lf)
            np.subtract(lf, D[r], out=LS[r])
            continue
        first = True
        for s, lag, conv, slot in fs:
            v = _drive(tl, LS[s], -lag, conv, None, tmp, slot, cache)
            if first:
                lf[...] = v
                first = False
            else:
                np.minimum(lf, v, out=lf)
        for s, lag, conv, slot in ff:
            v = _drive(tl, LF[s], -lag, conv, None, tmp, slot, cache)
            if first:
                lf[...] = v
                first = False
            else:
                np.minimum(lf, v, out=lf)
        if bound:
            b = bounds[int(plan.cal[r])]
            if first:
                lf[...] = b
                first = False
            else:
                np.minimum(lf, b, out=lf)
        if ss or sf:
            sfirst = True
            for s, lag, conv, slot in ss:
                v = _drive(tl, LS[s], -lag, conv, None, tmp, slot, cache)
                if sfirst:
                    st_min[...] = v
                    sfirst = False
                else:
                    np.minimum(st_min, v, out=st_min)
            for s, lag, conv, slot in sf:
                v = _drive(tl, LF[s], -lag, conv, None, tmp, slot, cache)
                if sfirst:
                    st_min[...] = v
                    sfirst = False
                else:
                    np.minimum(st_min, v, out=st_min)
            st_min += D[r]
            np.minimum(lf, st_min, out=lf)
        if code:
            if code in (_SNLT, _SO):
                np.minimum(lf, cval + D[r], out=lf)
            elif code in (_FNLT, _FO):
                np.minimum(lf, cval, out=lf)
            elif code == _MSO:
                np.add(D[r], cval, out=lf)
            elif code == _MFO:
                lf[...] = cval
        np.subtract(lf, D[r], out=LS[r])
    return LF[:, 0] if one else LF


# --------------------------------------------------------------------------- deterministic schedule
def _durations(network: Network, durations) -> np.ndarray:
    """Remaining durations [unit] for a deterministic schedule."""
    if durations is None or (isinstance(durations, str) and durations == "most_likely"):
        return network.remaining.copy()
    if isinstance(durations, str):
        if durations != "mean":
            raise ValueError(f"durations must be 'most_likely', 'mean', a Series or an array, got {durations!r}")
        from ..risk.distributions import mean as dist_mean

        acts = network.activities
        out = network.remaining.copy()
        ml = acts["most_likely"].to_numpy(float)
        lo, hi = acts["min_duration"].to_numpy(float), acts["max_duration"].to_numpy(float)
        ratio = np.where(ml > 0, out / np.where(ml > 0, ml, 1.0), 0.0)
        for kind in acts["distribution"].unique():
            m = (acts["distribution"] == kind).to_numpy()
            mu = np.asarray(dist_mean(kind, lo[m], ml[m], hi[m]), float) if kind != "fixed" else ml[m]
            out[m] = np.where(ml[m] > 0, mu * ratio[m], out[m])
        return out
    if isinstance(durations, pd.Series):
        missing = set(network.ids) - set(durations.index)
        if missing:
            raise ValueError(f"durations missing for activities {sorted(missing)[:10]}")
        return durations.loc[network.ids].to_numpy(float)
    d = np.asarray(durations, dtype=float)
    if d.shape != (network.n,):
        raise ValueError(f"durations must have shape ({network.n},), got {d.shape}")
    return d


def _alap(network: Network, EF: np.ndarray, D: np.ndarray, T: float) -> np.ndarray:
    """Early finishes of ALAP activities moved as late as their successors' early dates allow (P6)."""
    acts = network.activities
    alap = ((acts["constraint_type"] == "ALAP") & (acts["status"] == STATUS[0])).to_numpy()
    if not alap.any():
        return EF
    EF = EF.copy()
    tl = network.timeline
    plan = network._plan
    tmp = np.empty(1)
    for r, status, fs, ss, ff, sf, bound, code, cval in plan.backward:
        if not alap[r]:
            continue
        cands = []
        for s, lag, conv, _ in fs:
            cands.append(float(_drive(tl, np.array([EF[s] - D[s]]), -lag, conv, None, tmp)[0]))
        for s, lag, conv, _ in ff:
            cands.append(float(_drive(tl, np.array([EF[s]]), -lag, conv, None, tmp)[0]))
        for s, lag, conv, _ in ss:
            cands.append(float(_drive(tl, np.array([EF[s] - D[s]]), -lag, conv, None, tmp)[0]) + D[r])
        for s, lag, conv, _ in sf:
            cands.append(float(_drive(tl, np.array([EF[s]]), -lag, conv, None, tmp)[0]) + D[r])
        if not (fs or ff or ss or sf):
            cands.append(T if tl is None else float(tl.convert(0, int(plan.cal[r]), np.array([T]), "finish")[0]))
        late = min(cands)
        if late > EF[r]:
            EF[r] = late
    return EF


def _to_project(network: Network, w: np.ndarray, side: str) -> np.ndarray:
    """Kernel values of every row (own calendars) -> [unit] after the start on the project calendar."""
    tl = network.timeline
    if tl is None:
        return np.asarray(w, float).copy()
    cal = network._plan.cal
    out = np.empty(len(w))
    for c in np.unique(cal):
        m = cal == c
        out[m] = tl.work(0, tl.time(int(c), w[m], side)) if c else w[m]
    return network.to_days(out)


def _dates(network: Network, w: np.ndarray, side: str) -> pd.DatetimeIndex:
    tl = network.timeline
    cal = network._plan.cal
    t = np.empty(len(w))
    for c in np.unique(cal):
        m = cal == c
        t[m] = tl.time(int(c), w[m], side)
    if side == "start":
        return tl.date(t, "start")
    t0 = float(tl.day(network.start_date))
    t0 = float(tl.time(0, tl.work(0, t0), "start"))
    return pd.DatetimeIndex(np.where(t <= t0 + 1e-9, tl.date(np.full(len(t), t0), "start"), tl.date(t, "finish")))


def cpm(network: Network, durations=None, deadline: float | None = None) -> pd.DataFrame:
    """Deterministic critical path schedule from the data date.

    Parameters
    ----------
    network : Network
    durations : {"most_likely", "mean"}, Series or array-like, optional
        Remaining durations [unit]: the most likely ones (default), the means
        of the activities' distributions (``"mean"``: PERT's expected times
        ``te`` for ``pert`` activities; scaled to the remaining work of an
        activity in progress), or given values (a Series is aligned on
        activity ids).
    deadline : float, optional
        Finish [unit after the start] the backward pass starts from (e.g. the
        committed finish); default the calculated project finish. With a
        deadline earlier than the calculated finish, floats are negative.

    Returns
    -------
    DataFrame
        Indexed by ``activity_id`` (network order) with ``duration`` [unit,
        remaining], ``early_start``, ``early_finish``, ``late_start``,
        ``late_finish`` [unit after the start, project calendar],
        ``total_float``, ``free_float`` [unit of the activity's own calendar;
        negative when a constraint or the deadline cannot be met; NaN when
        complete], ``critical`` (total float <= the smallest total float +
        1e-6 among unfinished activities, i.e. on the longest path even under
        a deadline), ``milestone`` and ``status``. A network with dates adds
        ``early_start_date``, ``early_finish_date``, ``late_start_date``,
        ``late_finish_date``: a started activity's early start is its actual
        start, a complete one's early finish its actual finish; ALAP
        activities show their as-late-as-possible early dates, as P6 does.

    Examples
    --------
    The General Foundry network (Render, Stair & Hanna) has a 15-week critical
    path A-C-E-G-H; ``cpm(net).query('critical').index`` lists it.
    """
    D = _durations(network, durations)
    Dk = kernel_durations(network, D)
    EF = forward_pass(network, Dk)
    T = float(project_finish(network, EF))
    Tb = T if deadline is None else float(network.from_days(float(deadline)))
    LF = backward_pass(network, Dk, Tb)
    EFa = _alap(network, EF, Dk, T)
    ES = EFa - Dk
    LS = LF - Dk
    plan = network._plan
    scale = plan.scale
    status = network.status
    done = status == 2
    started = status >= 1
    TF = np.round((LF - EFa) / scale, 9)
    FF = np.round(_free_float(network, EFa, Dk, T) / scale, 9)
    TF[done] = np.nan
    FF[done] = np.nan
    es = _to_project(network, ES, "start")
    ef = _to_project(network, EFa, "finish")
    ls = _to_project(network, LS, "start")
    lf = _to_project(network, LF, "finish")
    if network.timeline is not None:
        a_s = _to_project(network, np.nan_to_num(plan.actual_start), "start")
        a_f = _to_project(network, np.nan_to_num(plan.actual_finish), "finish")
        es = np.where(started, a_s, es)
        ef = np.where(done, a_f, ef)
        ls = np.where(done, a_s, ls)
        lf = np.where(done, a_f, lf)
    tf_min = np.nanmin(TF) if (~done).any() else 0.0
    out = pd.DataFrame({
        "duration": D,
        "early_start": es,
        "early_finish": ef,
        "late_start": ls,
        "late_finish": lf,
        "total_float": TF,
        "free_float": FF,
        "critical": (TF <= tf_min + CRITICAL_TOL) & ~done,
        "milestone": network.activities["max_duration"].to_numpy(float) == 0,
        "status": network.activities["status"].to_numpy(),
    }, index=network.activities.index)
    if network.timeline is not None:
        acts = network.activities
        fin_ms = (acts["milestone_type"] == "finish").to_numpy()
        sta_ms = (acts["milestone_type"] == "start").to_numpy()
        esd = _dates(network, ES, "start")
        efd = _dates(network, EFa, "finish")
        lsd = _dates(network, LS, "start")
        lfd = _dates(network, LF, "finish")
        esd = np.where(fin_ms, efd, esd)
        efd = np.where(sta_ms, esd, efd)
        lsd = np.where(fin_ms, lfd, lsd)
        lfd = np.where(sta_ms, lsd, lfd)
        out["early_start_date"] = np.where(started, acts["actual_start"].to_numpy("datetime64[ns]"), esd)
        out["early_finish_date"] = np.where(done, acts["actual_finish"].to_numpy("datetime64[ns]"), efd)
        out["late_start_date"] = np.where(done, acts["actual_start"].to_numpy("datetime64[ns]"), lsd)
        out["late_finish_date"] = np.where(done, acts["actual_finish"].to_numpy("datetime64[ns]"), lfd)
        for c in ("early_start_date", "early_finish_date", "late_start_date", "late_finish_date"):
            out[c] = pd.to_datetime(out[c])
    return out


def critical_path(network: Network, durations=None) -> list[str]:
    """Ids of the critical activities, ordered by early start (then topological order)."""
    sched = cpm(network, durations)
    topo_rank = np.empty(network.n, dtype=int)
    topo_rank[network.order] = np.arange(network.n)
    sched = sched.assign(_t=topo_rank)
    crit = sched[sched["critical"]].sort_values(["early_start", "_t"], kind="stable")
    return list(crit.index)


def _free_float(network: Network, EF: np.ndarray, D: np.ndarray, T: float) -> np.ndarray:
    """Free float [kernel units]: the smallest slack of an activity's outgoing links (project finish when none)."""
    tl = network.timeline
    plan = network._plan
    ES = EF - D
    n = network.n
    ff = np.full(n, np.inf)
    lk = network.links
    p = lk["pred_row"].to_numpy()
    s = lk["succ_row"].to_numpy()
    t = lk["type"].to_numpy()
    drives = np.zeros(n, bool)
    drives[p[np.isin(t, ["FS", "FF"])]] = True
    if tl is None or len(np.unique(plan.cal)) == 1:  # one time line: vectorised
        lag = lk["lag"].to_numpy(float) * plan.scale[p]
        if tl is not None:
            lag = lk["lag"].to_numpy(float) * tl.calendars[0].hours_per_day
        succ_time = np.where(np.isin(t, ["FS", "SS"]), ES[s], EF[s])
        pred_time = np.where(np.isin(t, ["FS", "FF"]), EF[p], ES[p])
        if len(lk):
            np.minimum.at(ff, p, succ_time - lag - pred_time)
    else:
        tmp = np.empty(1)
        for r, status, fs, ss, ff_l, sf, bound, code, cval in plan.backward:
            for s_, lag, conv, _ in fs:
                ff[r] = min(ff[r], float(_drive(tl, np.array([ES[s_]]), -lag, conv, None, tmp)[0]) - EF[r])
            for s_, lag, conv, _ in ff_l:
                ff[r] = min(ff[r], float(_drive(tl, np.array([EF[s_]]), -lag, conv, None, tmp)[0]) - EF[r])
            for s_, lag, conv, _ in ss:
                ff[r] = min(ff[r], float(_drive(tl, np.array([ES[s_]]), -lag, conv, None, tmp)[0]) - ES[r])
            for s_, lag, conv, _ in sf:
                ff[r] = min(ff[r], float(_drive(tl, np.array([EF[s_]]), -lag, conv, None, tmp)[0]) - ES[r])
    if tl is None:
        t_end = np.full(n, T)
    else:
        t_end = np.empty(n)
        for c in np.unique(plan.cal):
            t_end[plan.cal == c] = float(tl.convert(0, int(c), np.array([T]), "finish")[0])
    ff = np.where(drives, ff, np.minimum(ff, t_end - EF))
    return np.where(np.isinf(ff), t_end - EF, ff)
