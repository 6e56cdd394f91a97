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
links of the link's slack``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .network import Network

__all__ = ["forward_pass", "backward_pass", "cpm", "critical_path"]

#: Total float at or below this [days] counts as critical (absorbs rounding).
CRITICAL_TOL = 1e-6


def forward_pass(network: Network, durations: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Early finishes for every activity and iteration.

    Parameters
    ----------
    network : Network
    durations : ndarray, shape (activities,) or (activities, iterations)
        Durations [days] in the network's row order.
    out : ndarray, optional
        Buffer of the same shape as a 2-D ``durations`` to write into (reused
        across chunks by the simulation engine).

    Returns
    -------
    ndarray of the same shape
        Early finish ``EF`` [days from project start]; ``ES = EF - durations``.
    """
    D = np.asarray(durations, dtype=float)
    one = D.ndim == 1
    if one:
        D = D[:, None]
    EF = np.empty_like(D) if out is None or one else out
    tmp = np.empty(D.shape[1])
    for r, fs, ss, ff, sf, zero in network._plan.forward:
        ef = EF[r]
        first = True
        for p, lag in fs:
            if first:
                if lag:
                    np.add(EF[p], lag, out=ef)
                else:
                    ef[...] = EF[p]
                first = False
            elif lag:
                np.add(EF[p], lag, out=tmp)
                np.maximum(ef, tmp, out=ef)
            else:
                np.maximum(ef, EF[p], out=ef)
        for p, lag in ss:
            np.subtract(EF[p], D[p], out=tmp)
            if lag:
                tmp += lag
            if first:
                ef[...] = tmp
                first = False
            else:
                np.maximum(ef, tmp, out=ef)
        if first:
            ef[...] = D[r]
        else:
            if zero:
                np.maximum(ef, 0.0, out=ef)
            ef += D[r]
        for p, lag in ff:
            np.add(EF[p], lag, out=tmp)
            np.maximum(ef, tmp, out=ef)
        for p, lag in sf:
            np.subtract(EF[p], D[p], out=tmp)
            tmp += lag
            np.maximum(ef, tmp, out=ef)
    return EF[:, 0] if one else EF


def backward_pass(network: Network, durations: np.ndarray, finish, out: np.ndarray | None = None,
                  work: np.ndarray | None = None) -> np.ndarray:
    """Late finishes for every activity and iteration.

    Parameters
    ----------
    network : Network
    durations : ndarray, shape (activities,) or (activities, iterations)
        Durations [days] in row order.
    finish : float or ndarray, shape (iterations,)
        Project finish the backward pass starts from [days]: the early
        finish of the project, or a deadline (then floats can be negative).

    Returns
    -------
    ndarray like ``durations``
        Late finish ``LF`` [days]; ``LS = LF - durations``, total float
        ``TF = LF - EF``.
    """
    D = np.asarray(durations, dtype=float)
    one = D.ndim == 1
    if one:
        D = D[:, None]
    T = np.broadcast_to(np.asarray(finish, dtype=float), (D.shape[1],))
    LF = np.empty_like(D) if out is None or one else out
    LS = np.empty_like(D) if work is None or one else work
    tmp = np.empty(D.shape[1])
    st = np.empty(D.shape[1])
    for r, fs, ss, ff, sf, bound in network._plan.backward:
        lf = LF[r]
        first = True
        for s, lag in fs:
            if first:
                if lag:
                    np.subtract(LS[s], lag, out=lf)
                else:
                    lf[...] = LS[s]
                first = False
            elif lag:
                np.subtract(LS[s], lag, out=tmp)
                np.minimum(lf, tmp, out=lf)
            else:
                np.minimum(lf, LS[s], out=lf)
        for s, lag in ff:
            np.subtract(LF[s], lag, out=tmp)
            if first:
                lf[...] = tmp
                first = False
            else:
                np.minimum(lf, tmp, out=lf)
        if bound:
            if first:
                lf[...] = T
                first = False
            else:
                np.minimum(lf, T, out=lf)
        if ss or sf:
            sfirst = True
            for s, lag in ss:
                np.subtract(LS[s], lag, out=tmp)
                if sfirst:
                    st[...] = tmp
                    sfirst = False
                else:
                    np.minimum(st, tmp, out=st)
            for s, lag in sf:
                np.subtract(LF[s], lag, out=tmp)
                if sfirst:
                    st[...] = tmp
                    sfirst = False
                else:
                    np.minimum(st, tmp, out=st)
            st += D[r]
            np.minimum(lf, st, out=lf)
        np.subtract(lf, D[r], out=LS[r])
    return LF[:, 0] if one else LF


def cpm(network: Network, durations=None, deadline: float | None = None) -> pd.DataFrame:
    """Deterministic critical path schedule.

    Parameters
    ----------
    network : Network
    durations : array-like or Series, optional
        Durations [days]; default the most likely durations. A Series is
        aligned on activity ids.
    deadline : float, optional
        Finish [days from start] the backward pass starts from (e.g. the
        committed finish); default the calculated project finish. With a
        deadline earlier than the calculated finish, floats are negative.

    Returns
    -------
    DataFrame
        Indexed by ``activity_id`` (network order) with ``duration``,
        ``early_start``, ``early_finish``, ``late_start``, ``late_finish``,
        ``total_float``, ``free_float`` [days], ``critical`` (total float
        <= the smallest total float + 1e-6, i.e. on the longest path even
        under a deadline) and ``milestone``.

    Examples
    --------
    The General Foundry network (Render, Stair & Hanna) has a 15-week critical
    path A-C-E-G-H; ``cpm(net).query('critical').index`` lists it.
    """
    D = _durations(network, durations)
    EF = forward_pass(network, D)
    ES = EF - D
    T = float(EF.max()) if len(EF) else 0.0
    LF = backward_pass(network, D, T if deadline is None else float(deadline))
    LS = LF - D
    TF = LF - EF
    FF = _free_float(network, ES, EF, T)
    tf_min = TF.min() if len(TF) else 0.0
    out = pd.DataFrame({
        "duration": D,
        "early_start": ES,
        "early_finish": EF,
        "late_start": LS,
        "late_finish": LF,
        "total_float": TF,
        "free_float": FF,
        "critical": TF <= tf_min + CRITICAL_TOL,
        "milestone": network.activities["max_duration"].to_numpy(float) == 0,
    }, index=network.activities.index)
    return out


def critical_path(network: Network, durations=None) -> list[str]:
    """Ids of the critical activities, ordered by early start (then topological order)."""
    sched = cpm(network, durations)
    topo_rank = np.empty(network.n, dtype=int)
    topo_rank[network.order] = np.arange(network.n)
    sched = sched.assign(_t=topo_rank)
    crit = sched[sched["critical"]].sort_values(["early_start", "_t"], kind="stable")
    return list(crit.index)


def _durations(network: Network, durations) -> np.ndarray:
    if durations is None:
        return network.most_likely.copy()
    if isinstance(durations, pd.Series):
        missing = set(network.ids) - set(durations.index)
        if missing:
            raise ValueError(f"durations missing for activities {sorted(missing)[:10]}")
        return durations.loc[network.ids].to_numpy(float)
    d = np.asarray(durations, dtype=float)
    if d.shape != (network.n,):
        raise ValueError(f"durations must have shape ({network.n},), got {d.shape}")
    return d


def _free_float(network: Network, ES: np.ndarray, EF: np.ndarray, T: float) -> np.ndarray:
    """Free float: the smallest slack of an activity's outgoing links (project finish when none)."""
    ff = np.full(network.n, np.inf)
    lk = network.links
    if len(lk):
        p = lk["pred_row"].to_numpy()
        s = lk["succ_row"].to_numpy()
        lag = lk["lag"].to_numpy(float)
        t = lk["type"].to_numpy()
        succ_time = np.where(np.isin(t, ["FS", "SS"]), ES[s], EF[s])
        pred_time = np.where(np.isin(t, ["FS", "FF"]), EF[p], ES[p])
        slack = succ_time - lag - pred_time
        np.minimum.at(ff, p, slack)
        # an activity whose finish drives no successor is also bounded by the project finish
        drives = np.zeros(network.n, bool)
        drives[p[np.isin(t, ["FS", "FF"])]] = True
        ff = np.where(drives, ff, np.minimum(ff, T - EF))
    return np.where(np.isinf(ff), T - EF, ff)
