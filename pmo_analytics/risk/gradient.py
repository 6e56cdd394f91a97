"""The project finish of a network and its gradient with respect to every activity's duration.

Reverse-mode differentiation of the forward pass (the finish is a max-plus function of the durations,
piecewise linear: its gradient says which activities lie on the longest path of each scenario, and by how
much shortening each moves the finish), used by :class:`~pmo_analytics.risk.recovery.Recovery`'s cutting
planes. Split out of ``risk/recovery.py`` along this seam.
"""

from __future__ import annotations

import numpy as np

from ..schedule.network import Network, _apply

__all__ = ["finish_gradient"]


def _forward_tape(network: Network, D: np.ndarray, stretch: dict | None = None):
    """The forward pass of :func:`~pmo_analytics.schedule.cpm.forward_pass` recording what binds.

    Returns ``EF`` (kernel units) and two int16 arrays like ``D``: the source
    of each early start (0 a constant: project start, data date, floor or
    constraint; ``-1`` a finish constraint that fixes the finish; ``k >= 1``
    the k-th FS-then-SS link of the row) and of each early finish (0 the
    start plus the duration; ``-1`` a constant; ``k >= 1`` the k-th
    FF-then-SF link); and, for the rows a risk calendar stretches, the local
    slopes of their finish with respect to their start and their duration
    (``{row: (d EF / d ES, d EF / d D)}``, by a difference of 1e-6 hours: the
    finish is piecewise linear in both). ``D`` is not changed.
    """
    tl = network.timeline
    plan = network._plan
    n, S = D.shape
    if stretch:
        D = D.copy()  # a stretched row's duration becomes the time it takes (finish - start), as in forward_pass
    slopes: dict = {}
    EF = np.empty_like(D)
    es_src = np.zeros((n, S), np.int16)
    ef_src = np.zeros((n, S), np.int16)

    def drive(x, lag, conv, floor):
        if conv is None:
            v = x + lag if lag else x.copy()
        else:
            v = _apply(tl, x, conv, lag)
        if floor is None:
            return v, None
        low = v < floor
        return np.maximum(v, floor), low

    for (r, st, clamp, fs, ss, ff, sf, code, cval), plain in zip(plan.forward, plan.fplain):
        if plain is not None and not (stretch and r in stretch):
            if len(plain) == 1:
                EF[r] = EF[plain[0]] + D[r]
                es_src[r] = 1
            else:
                stack = EF[list(plain)]
                k = np.argmax(stack, axis=0)
                EF[r] = stack[k, np.arange(S)] + D[r]
                es_src[r] = k + 1
            continue
        es = None
        src = es_src[r]
        kk = 0
        for lst, start in ((fs, False), (ss, True)):
            for p, lag, conv, floor, _ in lst:
                kk += 1
                x = EF[p] - D[p] if start else EF[p]
                v, low = drive(x, lag, conv, floor)
                if es is None:
                    es = v
                    src[...] = kk
                    if low is not None:
                        src[low] = 0
                else:
                    up = v > es
                    es = np.where(up, v, es)
                    src[up] = kk
                    if low is not None:
                        src[up & low] = 0
        if es is None:
            es = np.full(S, plan.lower[r])
            src[...] = 0
        elif clamp:
            up = plan.lower[r] > es
            es = np.where(up, plan.lower[r], es)
            src[up] = 0
        if code:
            if code in (1, 5):  # SNET, SO
                up = cval > es
                es = np.where(up, cval, es)
                src[up] = 0
            elif code in (3, 6):  # FNET, FO: the finish is the date when binding
                c = cval - D[r]
                up = c > es
                es = np.where(up, c, es)
                src[up] = -1
            elif code == 7:  # MSO
                es = np.full(S, cval)
                src[...] = 0
        if stretch and r in stretch and code != 7:
            h = 1e-6
            f = stretch[r]
            ef = f(es, D[r])
            slopes[r] = ((f(es + h, D[r]) - ef) / h, (f(es, D[r] + h) - ef) / h)
            D[r] = ef - es
        else:
            ef = es + D[r]
        fsrc = ef_src[r]
        kk = 0
        for lst, start in ((ff, False), (sf, True)):
            for p, lag, conv, floor, _ in lst:
                kk += 1
                x = EF[p] - D[p] if start else EF[p]
                v, low = drive(x, lag, conv, floor)
                up = v > ef
                ef = np.where(up, v, ef)
                fsrc[up] = kk if low is None else np.where(low[up], -1, kk)
        if code == 7:
            ef = D[r] + cval
            fsrc[...] = 0
        elif code == 8:  # MFO
            ef = np.full(S, cval)
            fsrc[...] = -1
        EF[r] = ef
    return EF, es_src, ef_src, slopes


def finish_gradient(network: Network, D: np.ndarray, stretch: dict | None = None):
    """Project finish per scenario and its gradient with respect to the remaining durations.

    Reverse-mode differentiation of the forward pass: from the activity that
    finishes last, back along each binding link (the path that drives the
    finish), so ``grad[i, s]`` is +1 for an activity whose duration adds to
    scenario ``s``'s finish, -1 where it subtracts (a start-to-start or
    start-to-finish successor driven by an activity whose finish is set by a
    finish-to-finish link), 0 off the path. Links that change calendar count
    with slope 1 (working hours for working hours).

    Parameters
    ----------
    network : Network
    D : ndarray, shape (activities, scenarios)
        Remaining durations in kernel units.
    stretch : dict, optional
        Risk-calendar windows of the scenarios (``{row: finish(es, d)}``, see
        :func:`~pmo_analytics.schedule.cpm.forward_pass`): a stretched row
        passes on its finish's local slopes (1 / productivity inside a
        window). The finish is then not convex in the durations (work can be
        moved out of a window), so a gradient is a local linearisation.

    Returns
    -------
    finish : ndarray, shape (scenarios,)
        Project finish [project kernel units].
    grad : ndarray, shape (activities, scenarios)
        d finish / d duration (kernel units per kernel unit).
    """
    D = np.asarray(D, dtype=float)
    plan = network._plan
    tl = network.timeline
    n, S = D.shape
    EF, es_src, ef_src, slopes = _forward_tape(network, D, stretch)
    rows = plan.end_rows
    vals = np.empty((len(rows), S))
    for i, r in enumerate(rows):
        c = int(plan.cal[r])
        vals[i] = EF[r] if (tl is None or c == 0) else tl.convert(c, 0, EF[r], "finish")
    T = np.full(S, plan.done_finish)
    aEF = np.zeros((n, S))
    if len(rows):
        k = np.argmax(vals, axis=0)
        best = vals[k, np.arange(S)]
        live = best >= T
        T = np.maximum(T, best)
        aEF[rows[k[live]], np.flatnonzero(live)] = 1.0
    grad = np.zeros((n, S))
    aES = np.zeros((n, S)) if slopes else None  # the start of a stretched row, reached by SS/SF links

    def to_start(p, m):
        """Adjoint ``m`` of ``EF_p - D_p`` (the start of p, as successors' SS/SF links read it)."""
        if p in slopes:
            aES[p] += m
        else:
            aEF[p] += m
            grad[p] -= m

    for r, st, clamp, fs, ss, ff, sf, code, cval in reversed(plan.forward):
        a = aEF[r]
        extra = aES[r] if aES is not None and r in slopes else None
        if not a.any() and (extra is None or not extra.any()):
            continue
        fsrc = ef_src[r]
        src = es_src[r]
        via_start = a * (fsrc == 0)
        if r in slopes:
            s_es, s_d = slopes[r]
            grad[r] += via_start * s_d
            via_start = via_start * s_es + extra
        else:
            grad[r] += via_start * (src != -1)
        kk = 0
        for lst, start in ((ff, False), (sf, True)):
            for p, *_ in lst:
                kk += 1
                m = a * (fsrc == kk)
                if m.any():
                    if start:
                        to_start(p, m)
                    else:
                        aEF[p] += m
        if not via_start.any():
            continue
        kk = 0
        for lst, start in ((fs, False), (ss, True)):
            for p, *_ in lst:
                kk += 1
                m = via_start * (src == kk)
                if m.any():
                    if start:
                        to_start(p, m)
                    else:
                        aEF[p] += m
    return T, grad
