"""Small statistics every room shares: the Wilson score interval of a simulated proportion.

A stated probability (the chance a recovery plan meets its target, a portfolio's chance of overrun) is
re-estimated on scenarios the solve never saw and given with its Wilson interval (Wilson, "Probable
inference, the law of succession, and statistical inference", *JASA* 22, 1927; recommended by Brown, Cai &
DasGupta, *Statistical Science* 16(2), 2001; worked examples in Newcombe, *Statistics in Medicine* 17, 1998).
It sits at the bottom of the package (numpy and scipy only), so the risk and selection rooms share one copy.
"""

from __future__ import annotations

import math

from scipy import special

__all__ = ["wilson_interval"]


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion [probability].

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with
    ``p = successes / n`` and ``z`` the two-sided normal quantile (Wilson, 1927).

    Raises
    ------
    ValueError
        for ``n <= 0``, ``successes`` outside ``[0, n]`` or ``confidence`` outside ``(0, 1)``.

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> round(lo, 6), round(hi, 4)
    (0.0, 0.037)
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n], got {successes} of {n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    z = float(special.ndtri(0.5 + confidence / 2))
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)
